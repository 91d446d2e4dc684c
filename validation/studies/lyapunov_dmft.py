"""Study 8: the maximal Lyapunov exponent from the DMFT against the network's (QR method).

Prediction (spec section 5): lambda_max from the tangent (variational) equations of the
stationary DMFT (``meanfield.solve.dmft``, Gaussian case alpha_z = 0), for gains,
output gates and biases from weakly to strongly chaotic, including input-driven states
(beta_h != 0, large alpha_r); and for alpha_z in {2, 5, 10} from the sampled tangent
process (``meanfield.solve.dmft_tangent``), with its statistical error, giving the curve
lambda_max(alpha_z) beside the correlation time tau_corr(alpha_z).
Measurement: the leading exponent by the QR (Benettin) method on the tangent dynamics
(``validation.measure.lyapunov_spectrum``, k = 1), networks of N = 1000 (quick: 600),
3 coupling seeds, RK4 dt = 0.05, transient 100, average over T = 400 (quick: 200).
Tolerance: the issue's criterion, 10 per cent of the theory or 0.01 whichever is larger,
plus 2 standard errors (seed mean; theory replicas when sampled), plus the measured
finite-size shift: the same networks at N/2 are run too, and |lambda(N) - lambda(N/2)|
bounds what the next doublings can still move, once the approach has begun to slow.
Measured (2026-11-28, T = 200, 8 / 8 / 6 / 4 / 3 seeds of N = 150 / 300 / 600 / 1200 /
2400) at g_h = 4, alpha_r = 0, where the DMFT gives 0.0562: 0.0189, 0.0327, 0.0467,
0.0536, 0.0563 (+- 0.0045 / 0.0036 / 0.0016 / 0.0035 / 0.0014). From N = 600 on the
deficit left (0.0095 at 600, 0.0026 at 1200) is below the last shift (0.014, 0.007);
at N = 300 it is not (0.0235 against 0.0138), so a quick form at N = 300, as this study
had, passed its rows on a tolerance that did not bound its error (all eight below the
theory, alpha_r = 0 at 0.033 against 0.056). At alpha_r = 10 (DMFT 0.2389): 0.194,
0.218, 0.222, 0.238 at N = 150 to 1200. Near weak chaos the finite-size deficit is large.
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
    dict(g_h=4.0, alpha_r=5.0, alpha_z=2.0),
    dict(g_h=4.0, alpha_r=5.0, alpha_z=5.0),
    dict(g_h=4.0, alpha_r=5.0, alpha_z=10.0),
    dict(g_h=4.0, alpha_r=5.0),
    dict(g_h=4.0, alpha_r=10.0),
    dict(g_h=4.0, alpha_r=10.0, beta_h=0.5),
    dict(g_h=6.0, alpha_r=10.0, beta_h=1.0),
)


def run(out: Path, *, quick: bool = False) -> StudyResult:
    # quick: N = 600, the least size at which the shift to N/2 bounds the deficit
    # left (measured, see the docstring); N = 300 did not
    N, seeds, T = (600, 3, 200.0) if quick else (1000, 3, 400.0)
    rows, pts = [], []
    for case in CASES:
        params = {"alpha_z": 0.0, **case}
        if params["alpha_z"] > 0:  # sampled DMFT: its own exponent and statistical error
            th = dmft("gated", method="sampling", dtau=0.1,
                      tau_max=100.0 if params["alpha_z"] >= 10 else 60.0,
                      samples=1024 if quick else 2048, throw=True, **params)
        else:
            th = dmft("gated", dtau=0.1, tau_max=60.0, nodes=64, throw=True, **params)
        sims, half = [], []
        for seed in range(seeds):
            for n_units, store in ((N, sims), (N // 2, half)):
                net = Network("gated", n_units, seed=seed, **params)
                r = lyapunov_spectrum(net, 1, T=T, transient=100.0, dt=0.05,
                                      state_seed=seed, basis_seed=seed + 100)
                store.append(float(r.exponents[0]))
        sims, half = np.array(sims), np.array(half)
        err = sem(sims)
        shift = abs(float(sims.mean() - half.mean()))
        tol = (max(0.1 * abs(th.lyapunov_max), 0.01)
               + 2 * float(np.hypot(err, th.lyapunov_error)) + shift)
        rows.append(Comparison("lyapunov_dmft", "lambda_max", {**params, "N": N,
                                                               "seeds": seeds},
                               th.lyapunov_max, float(sims.mean()), err, tol,
                               "max(10% of theory, 0.01) (issue criterion) + 2 x the "
                               "combined SEM (seeds; theory replicas when sampled) + the "
                               f"finite-size shift |lambda(N) - lambda(N/2)| = {shift:.3g}",
                               extra={"per_seed": sims.tolist(), "method": th.method,
                                      "per_seed_half_N": half.tolist(),
                                      "theory_error": th.lyapunov_error,
                                      "tau_corr_theory": th.tau_corr}))
        pts.append((params, th.lyapunov_max, sims.mean(), err, th.tau_corr,
                    th.lyapunov_error))
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
    # the alpha_z curve at g_h = 4, alpha_r = 5, beta = 0: lambda_max and 1 / tau_corr
    line = sorted((p for p in pts if p[0]["alpha_r"] == 5.0 and p[0]["g_h"] == 4.0
                   and "beta_h" not in p[0]), key=lambda p: p[0]["alpha_z"])
    az = [p[0]["alpha_z"] for p in line]
    ax2.errorbar(az, [p[1] for p in line], yerr=[p[5] for p in line], fmt="s-",
                 label=r"$\lambda_{max}$ DMFT")
    ax2.errorbar(az, [p[2] for p in line], yerr=[p[3] for p in line], fmt="o",
                 label=rf"$\lambda_{{max}}$ QR, N={N}")
    ax2.plot(az, [1 / p[4] for p in line], "k^--", label=r"$1/\tau_{corr}$ DMFT")
    ax2.set_xlabel(r"$\alpha_z$  ($g_h=4$, $\alpha_r=5$)")
    ax2.set_ylabel("rate")
    ax2.legend(fontsize=7)
    ax2.set_title(r"$\lambda_{max}$ and $1/\tau_{corr}$ against the update gate",
                  fontsize=8)
    save_figure(fig, out, fig_name)
    return StudyResult("lyapunov_dmft",
                       "lambda_max from the DMFT tangent equations, alpha_z = 0 (spec 5)",
                       f"QR method, k=1, N={N}, {seeds} seeds, T={T:g}", tuple(rows),
                       (fig_name,))
