"""Study 8: the maximal Lyapunov exponent from the DMFT against the network's (QR method).

Prediction (spec section 5): lambda_max from the tangent (variational) equations of the
stationary DMFT (``meanfield.solve.dmft``, Gaussian case alpha_z = 0), for gains,
output gates and biases from weakly to strongly chaotic, including input-driven states
(beta_h != 0, large alpha_r).
Measurement: the leading exponent by the QR (Benettin) method on the tangent dynamics
(``validation.measure.lyapunov_spectrum``, k = 1), networks of N = 1000 (quick: 300),
3 coupling seeds, RK4 dt = 0.05, transient 100, average over T = 400 (quick: 200).
Tolerance: the issue's criterion, 10 per cent of the theory or 0.01 whichever is larger,
plus 2 standard errors of the seed mean (the finite-size spread of lambda_max between
networks is of order 0.01 at N = 1000, measured here).
The non-Gaussian case (alpha_z > 0) has no DMFT exponent yet and is not part of this
study.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meanfield.solve.dmft import dmft

from ..compare import Comparison, StudyResult, sem
from ..measure import lyapunov_spectrum
from ..network import Network
from ._common import plt, save_figure

CASES = (
    dict(g_h=4.0, alpha_r=0.0),
    dict(g_h=4.0, alpha_r=5.0),
    dict(g_h=4.0, alpha_r=10.0),
    dict(g_h=4.0, alpha_r=10.0, beta_h=0.5),
    dict(g_h=6.0, alpha_r=10.0, beta_h=1.0),
)


def run(out: Path, *, quick: bool = False) -> StudyResult:
    N, seeds, T = (300, 3, 200.0) if quick else (1000, 3, 400.0)
    rows, pts = [], []
    for case in CASES:
        params = dict(alpha_z=0.0, **case)
        th = dmft("gated", dtau=0.1, tau_max=60.0, nodes=64, throw=True, **params)
        sims = []
        for seed in range(seeds):
            net = Network("gated", N, seed=seed, **params)
            r = lyapunov_spectrum(net, 1, T=T, transient=100.0, dt=0.05, state_seed=seed,
                                  basis_seed=seed + 100)
            sims.append(float(r.exponents[0]))
        sims = np.array(sims)
        err = sem(sims)
        tol = max(0.1 * abs(th.lyapunov_max), 0.01) + 2 * err
        rows.append(Comparison("lyapunov_dmft", "lambda_max", {**params, "N": N,
                                                               "seeds": seeds},
                               th.lyapunov_max, float(sims.mean()), err, tol,
                               "max(10% of theory, 0.01) (issue criterion) + 2 SEM over "
                               "seeds", extra={"per_seed": sims.tolist(),
                                               "tau_corr_theory": th.tau_corr}))
        pts.append((params, th.lyapunov_max, sims.mean(), err, th.tau_corr))
    fig_name = "lyapunov_dmft.png"
    pl = plt()
    fig, (ax, ax2) = pl.subplots(1, 2, figsize=(9, 3.8))
    th_v = [p[1] for p in pts]
    ax.errorbar(th_v, [p[2] for p in pts], yerr=[p[3] for p in pts], fmt="o")
    lim = [0, max(max(th_v), max(p[2] for p in pts)) * 1.15]
    ax.plot(lim, lim, "k--", lw=0.8)
    for p in pts:
        label = ", ".join(f"{k}={v:g}" for k, v in p[0].items() if k != "alpha_z")
        ax.annotate(label, (p[1], p[2]), fontsize=6, xytext=(3, -8),
                    textcoords="offset points")
    ax.set_xlabel(r"$\lambda_{max}$ DMFT")
    ax.set_ylabel(rf"$\lambda_{{max}}$ QR, N={N}")
    ax2.plot([p[4] for p in pts], th_v, "s", label="DMFT")
    ax2.errorbar([p[4] for p in pts], [p[2] for p in pts], yerr=[p[3] for p in pts],
                 fmt="o", label="network")
    ax2.set_xlabel(r"$\tau_{corr}$ (DMFT)")
    ax2.set_ylabel(r"$\lambda_{max}$")
    ax2.legend(fontsize=7)
    ax2.set_title("faster decorrelation, larger exponent", fontsize=8)
    save_figure(fig, out, fig_name)
    return StudyResult("lyapunov_dmft",
                       "lambda_max from the DMFT tangent equations, alpha_z = 0 (spec 5)",
                       f"QR method, k=1, N={N}, {seeds} seeds, T={T:g}", tuple(rows),
                       (fig_name,))
