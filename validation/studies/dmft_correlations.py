"""Study 6: the DMFT correlation function C_h(tau) and the correlation time, against the network.

Prediction (spec section 4): the stationary DMFT gives C_h(tau) self-consistently
(``meanfield.solve.dmft``). At alpha_z = 0 every variable is a linear filter of a
Gaussian field and the equations are solved deterministically (g_h = 4, alpha_r in
{0, 5, 10}); at alpha_z in {2, 5, 10} (alpha_r = 5) h is not Gaussian and the solver
samples the single-site process (4000 trajectories of length T = 900 in 4 independent
replicas; quick: 1000), with a statistical error. The correlation time
tau_corr = int_0^100 (C_h - C_h(inf)) / (C_h(0) - C_h(inf)) must grow with alpha_z (the
update gate slows the dynamics).
Measurement: networks of N = 2000 (3 coupling seeds; quick: N = 1000), RK4 with
dt = 0.1, a transient of 200 discarded, then T = 800 recorded every 0.5; the
population autocorrelation of h (FFT) on lags 0..30.
Compared: the relative L2 error ||C_sim - C_theory|| / ||C_theory|| on those lags,
and Delta_0 = C_h(0). Tolerance: 3 standard errors across seeds of the same quantity
(the seed-to-seed spread is the finite-size error: O(N^-1/2) for a population
average over N units of a self-averaging but fluctuating network), combined with the
DMFT's sampling error where it samples, plus its discretisation error (dtau = 0.1: 2e-3
relative, measured in the tests). The seed spread covers the finite-size error only where
the network is large enough: C_h(0) at g_h = 4, alpha_r = 5 (T = 400, seeds 0-3;
2026-11-26) was 0.1907 +- 0.0076 at N = 250, 0.1920 +- 0.0010 at N = 500,
0.1862 +- 0.0015 at N = 1000 and 0.1856 +- 0.0015 at N = 2000, against the theory's
0.1861 (alpha_r = 10: 0.2095 +- 0.0065, 0.2034 +- 0.0015, 0.2023 +- 0.0019,
0.1988 +- 0.0007 against 0.2009). At N = 500, the quick form's size until then, the shift
is six times the seed SEM, and the quick form failed on it (16/18, after a change of
rounding in the generated code drew other trajectories); at N = 1000 it passed 18/18,
no row beyond 0.7 of its tolerance, in 200 s instead of 90. The correlation time (same
definition and window for both, lags to 100): within 10 per cent of the theory (the
issue's criterion) plus 2 standard errors over seeds.

Finite-size tail at alpha_z = 5: at alpha_z = 5, alpha_r = 5 the networks' C_h(tau)
decays more slowly than the DMFT's, and the full form's L2 row fails at N = 2000 (0.047
against 0.035, seeds 0-2). Measured against the DMFT as solved now (2026-11-27, session
eighteen; its curve at tau = 30 carries a 1.0 % sampling error), with networks up to
N = 32000 on a GPU (``validation/large_n.py``, a hand-written simulator tested against
this package's; data in ``docs/data/large_n_h200.json``, 16 trajectories per network),
C_sim / C_DMFT at tau = 30 and the L2 error of the mean curve are:

    N = 2000   6 networks (3 CPU x 9 trajectories, 3 GPU x 16)  1.098 +- 0.014  0.028
    N = 8000   2 networks                                        1.035 +- 0.001  0.008
    N = 16000  2 networks                                        1.019 +- 0.013  0.005
    N = 32000  1 network (SEM over its trajectories)             1.018 +- 0.004  0.004

and tau_corr 19.8, 19.4, 19.3, 19.26 +- 0.05 against the DMFT's 18.85 +- 0.26, Delta_0
agreeing throughout; against the mean of the DMFT's seeds 0-6 (C_h(30) 2.0 % apart
between seeds, seed 0 low) the ratio at tau = 30 is 1.083, 1.021, 1.004, 1.003, an
excess of about 168 / N (a free power fits 1.05; 1/sqrt(N) fits worse). So the excess
vanishes with N, to within the DMFT's own error at N >= 16000 (the theory holds;
``test_large_networks_agree_with_the_dmft`` keeps the DMFT to it), and the row's failure
at N = 2000 is a finite-size bias (about 0.03 of L2) plus noise: the study's single
trajectories of seeds 0-2 lie high (C(30) / C(0) 0.249, 0.243, 0.253; 8 more
trajectories of each from other starts average 0.242, 0.252, 0.233). The seed spread,
which measures fluctuations at one N, does not contain the bias; the row keeps its
statistical tolerance and fails at N = 2000 (a finite-size term would have to be
measured for each case). Session nine's figures (excess 0.15 at N = 2000, falling about
as N^-1/2 to 0.075 at 8000) were against the DMFT before its averaging passes, whose
C_h(30) lay 3.2 % lower (0.04328 against 0.04469): that offset made the 1/N decay look
slower.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meanfield.solve.dmft import dmft

from ..compare import Comparison, StudyResult, sem
from ..integrate import simulate
from ..measure import autocorrelation
from ..network import Network
from ._common import plt, save_figure

G_H = 4.0
CASES = ((0.0, 0.0), (0.0, 5.0), (0.0, 10.0), (2.0, 5.0), (5.0, 5.0), (10.0, 5.0))
MAX_LAG = 30.0
CORR_LAG = 100.0
THEORY_ERR = 2e-3


def run(out: Path, *, quick: bool = False) -> StudyResult:
    N, seeds, T = (1000, 3, 400.0) if quick else (2000, 3, 800.0)
    rec = 0.5
    rows, curves, times = [], [], []
    for az, a in CASES:
        params = dict(g_h=G_H, alpha_z=az, alpha_r=a)
        # T = 900 per single-site trajectory: with T = 300 the sampled delta_0 at alpha_z =
        # 5 and 10 came out 0.211 and 0.228 (4000 samples, seed 0), 5 % above the N = 2000
        # networks (0.1998 +- 0.0018, 0.2158 +- 0.0006); with T = 900, 0.2022 +- 0.0014
        # and 0.2200 +- 0.0015. Seeds 0-3 at T = 300 (alpha_z = 5; 2026-11-26, session
        # seven) and 4-7 gave 0.2096, 0.2047, 0.2079, 0.2005, 0.2027, 0.2064, 0.2075,
        # 0.2046 (mean 0.2055 +- 0.0011), seeds 0-4 at T = 900 0.2022, 0.2022, 0.2026,
        # 0.2029, 0.2036 (0.2027 +- 0.0003). Of seed 0's excess over the networks (0.011):
        # 0.004 was its draw, which both alpha_z share (same white noise; the SEM over 4
        # replicas has 3 degrees of freedom), 0.0028 +- 0.0011 a bias of the short window,
        # 0.0012 the negative-tail variance bug (fixed), and T = 900 itself lies
        # 0.003 +- 0.002 above the networks. Not the start: a burn-in 350 longer moved
        # seed 0 by 0.0002 (alpha_z = 5). The bias shrinks with the data per replica (4000
        # trajectories per replica at T = 300: 0.2036 +- 0.0013). Hence T = 900.
        # (Since 2026-11-27 each replica averages passes with fresh noise, which removes
        # that bias, a bias of the frozen-noise fixed point: T = 300 now gives
        # 0.2031 +- 0.0006 over seeds 0-3, T = 900 0.2036 +- 0.0002 over seeds 0-2.
        # T = 900 is kept for its smaller error.)
        # lambda_max is study 8's.
        th = theory(params, quick=quick)
        lags = np.arange(0.0, MAX_LAG + 1e-9, rec)
        C_th = np.interp(lags, th.tau, th.C["h"])
        # the sampled curve's own error on these lags in the row's norm (its per-lag SEM
        # over replicas; none for the Gaussian method): 1.0 % at alpha_z = 5, where
        # delta_0's relative error alone (used until 2026-11-26) is 0.7 %
        C_err = (np.interp(lags, th.tau, th.C_error["h"]) if th.C_error
                 else np.zeros_like(lags))
        sims, long = [], []
        for seed in range(seeds):
            net = Network("gated", N, seed=seed, **params)
            tr = simulate(net, 200.0 + T, dt=0.1, record_every=rec, transient=200.0,
                          seed=seed)
            c = autocorrelation(tr["h"], int(round(CORR_LAG / rec)))
            long.append(c)
            sims.append(c[: len(lags)])
        sims = np.array(sims)
        norm = np.linalg.norm(C_th)
        stat = float(np.linalg.norm(C_err) / norm)
        per_seed_err = [np.linalg.norm(s - C_th) / norm for s in sims]
        mean_curve = sims.mean(0)
        l2 = float(np.linalg.norm(mean_curve - C_th) / norm)
        # finite-size error of the seed-averaged curve, in the same norm
        spread = float(np.linalg.norm(sims.std(0, ddof=1) / np.sqrt(seeds)) / norm)
        p = {**params, "N": N, "seeds": seeds}
        rows.append(Comparison("dmft_correlations", "relative L2 error of C_h(tau), tau<=30",
                               p, 0.0, l2, spread,
                               3 * float(np.hypot(spread, stat)) + THEORY_ERR,
                               "3 x (seed-to-seed error of the mean curve (+) the DMFT "
                               "curve's sampling error) + DMFT dtau error",
                               extra={"per_seed": per_seed_err, "dmft_method": th.method}))
        d0 = sims[:, 0]
        rows.append(Comparison("dmft_correlations", "Delta_0 = C_h(0)", p, th.delta_0,
                               float(d0.mean()), sem(d0),
                               3 * float(np.hypot(sem(d0), th.stat_error))
                               + THEORY_ERR * th.delta_0,
                               "3 x (SEM over seeds (+) DMFT sampling error) + DMFT dtau "
                               "error", extra={"tau_corr_theory": th.tau_corr}))
        # tau_corr of a network is a noisy estimator where the correlation time is long: at
        # alpha_r = 0 (theory 13.0) the full run gave 9.2 +- 2.1 (T = 800), but runs of
        # T = 4000 (N = 2000, seeds 0-2, adams dt = 0.1; 2026-11-26) gave 15.8, 15.1, 12.3
        # (the raw int_0^100 C / C(0): 12.6, 13.7, 15.1): C(tau) / C(0) at lags 30-100 still
        # differs between seeds by +-0.03-0.05 (slow collective fluctuations), which the
        # integral over 100 lags and the tail subtraction amplify. Hence 2 SEM over seeds,
        # combined with the sampled DMFT's own error of tau_corr (its replicas' spread; 0
        # for the Gaussian method): 2 x (SEM (+) DMFT error).
        tc = np.array([_tau_corr(c, rec) for c in long])
        th_err = th.tau_corr_error if np.isfinite(th.tau_corr_error) else 0.0
        rows.append(Comparison("dmft_correlations", "tau_corr (lags <= 100)", p, th.tau_corr,
                               float(tc.mean()), sem(tc),
                               0.1 * th.tau_corr + 2 * float(np.hypot(sem(tc), th_err)),
                               "10% of theory (issue criterion) + 2 x (SEM over seeds (+) "
                               "DMFT sampling error)",
                               extra={"per_seed": tc.tolist(), "dmft_error": th_err}))
        times.append((az, a, th.tau_corr, float(tc.mean()), sem(tc), th_err))
        curves.append((f"alpha_z={az:g}, alpha_r={a:g}", lags, C_th, mean_curve,
                       sims.std(0, ddof=1) / np.sqrt(seeds)))
    fig_name = "dmft_correlations.png"
    pl = plt()
    fig, (ax, ax2) = pl.subplots(1, 2, figsize=(10, 4))
    for i, (a, lags, C_th, m, e) in enumerate(curves):
        ax.plot(lags, C_th, color=f"C{i}", lw=1.5, label=f"DMFT, {a}")
        ax.errorbar(lags[::4], m[::4], yerr=e[::4], fmt="o", ms=3, color=f"C{i}",
                    label=f"network N={N}" if i == 0 else None)
    ax.set_xlabel(r"$\tau$")
    ax.set_ylabel(r"$C_h(\tau)$")
    ax.set_title(f"g_h={G_H:g}: DMFT vs network ({seeds} seeds)", fontsize=9)
    ax.legend(fontsize=6)
    tz = [t for t in times if t[1] == 5.0]
    ax2.errorbar([t[0] for t in tz], [t[2] for t in tz], yerr=[t[5] for t in tz], fmt="s-",
                 label="DMFT (sampled for alpha_z > 0: its standard error)")
    ax2.errorbar([t[0] for t in tz], [t[3] for t in tz], yerr=[t[4] for t in tz], fmt="o",
                 label=f"network N={N}")
    ax2.set_xlabel(r"$\alpha_z$")
    ax2.set_ylabel(r"$\tau_{corr}$")
    ax2.set_title(f"correlation time, g_h={G_H:g}, alpha_r=5", fontsize=9)
    ax2.legend(fontsize=7)
    save_figure(fig, out, fig_name)
    return StudyResult("dmft_correlations",
                       "C_h(tau), Delta_0 and tau_corr from the stationary DMFT (Gaussian "
                       "case alpha_z=0 and sampled alpha_z>0; spec section 4)",
                       f"population autocorrelation of h, N={N}, {seeds} seeds, T={T:g}",
                       tuple(rows), (fig_name,))


def theory(params: dict, *, quick: bool = False):
    """The DMFT as this study solves it (Gaussian at alpha_z = 0, else sampled; seed 0)."""
    return dmft("gated", params=params, dtau=0.1, tau_max=CORR_LAG, nodes=64, throw=True,
                samples=1000 if quick else 4000, T=900.0, lyapunov=False)


def _tau_corr(c: np.ndarray, rec: float) -> float:
    """int (C - C(inf)) / (C(0) - C(inf)), C(inf) the mean of the last tenth (as the DMFT)."""
    cinf = float(c[int(0.9 * len(c)):].mean())
    return float(np.trapezoid(c - cinf, dx=rec) / (c[0] - cinf))
