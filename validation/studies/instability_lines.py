"""Study 4: the zero-fixed-point instability line, and destabilisation by an input.

Predictions (spec sections 3 and 6):
- the zero fixed point (beta_h = 0) is stable for g_h s_r(0) < 1 and unstable above,
  whatever alpha_r: networks started near 0 decay to 0 at 0.9 of the critical gain
  and keep activity at 1.1 of it;
- at a steep output gate (alpha_r = 10, g_h = 1.7, so g_h s_r(0) = 0.85) a static
  input beta_h pushes the unique fixed point across its stability edge at beta_h*
  (found by root finding on the branch's stability quantity): networks settle below
  beta_h* and do not above it (inputs destabilise, unlike the additive network).
Measurement: N = 1000, 3 seeds per point, T = 400. "Decayed": rms h at T below 1e-3
of its start and falling over the second half (the slowest mode decays at
s_z(0) (1 - 0.9) = 0.05, less about 3 per cent edge fluctuation: at least 1e-4 by
T = 300). "Settled": rms speed below 1e-4 at T, three orders below the rms speed
of the active runs (~0.1), since the stable fixed point near beta_h* relaxes slowly.
Tolerance: the fraction of seeds behaving as predicted must be 1 (the points sit
10 per cent away from the predicted lines, where finite-N edge fluctuations of
order N^-1/2 = 3 per cent cannot flip them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from meanfield import fixed_point_branches

from ..compare import Comparison, StudyResult
from ..integrate import simulate
from ..measure import settled
from ..network import Network
from ._common import plt, save_figure


def beta_h_star(g_h=1.7, alpha_r=10.0, lo=0.0, hi=0.1):
    """beta_h where the unique fixed point's stability quantity crosses 1."""
    def f(bh):
        r = fixed_point_branches("gated", g_h=g_h, alpha_r=alpha_r, beta_h=bh)
        return min(b.stability for b in r) - 1.0
    return brentq(f, lo, hi, xtol=1e-6)


def run(out: Path, *, quick: bool = False) -> StudyResult:
    N, seeds, T = (300, 2, 300.0) if quick else (1000, 3, 400.0)
    rows, traces = [], []
    for alpha_r in (1.0, 10.0):
        g_crit = 2.0  # g_h s_r(0) = 1 with beta_r = 0
        for factor, expect_decay in ((0.9, True), (1.1, False)):
            params = dict(g_h=factor * g_crit, alpha_r=alpha_r, beta_h=0.0)
            ok = []
            for seed in range(seeds):
                net = Network("gated", N, seed=seed, **params)
                y0 = net.initial_state(seed, scale=0.1)
                tr = simulate(net, T, y0=y0, dt=0.1, record_every=5.0)
                rms = np.sqrt(np.mean(tr["h"] ** 2, axis=1))
                half = len(rms) // 2
                decayed = bool(rms[-1] < 1e-3 * rms[0] and np.all(np.diff(rms[half:]) < 0))
                ok.append(decayed == expect_decay)
                if seed == 0:
                    traces.append((f"alpha_r={alpha_r:g}, g_h s_r(0)={factor:g}", tr.t, rms))
            rows.append(Comparison(
                "instability_lines", f"runs {'decaying' if expect_decay else 'active'} as "
                "predicted (fraction)", params, 1.0, float(np.mean(ok)), float("nan"), 0.0,
                "points 10% from the line g_h s_r(0) = 1; N^-1/2 edge fluctuation 3%"))
    bstar = beta_h_star()
    # below: half of beta_h*; above: 3 beta_h*, where the edge is ~0.07 > 0 (well clear of
    # the N^-1/2 fluctuations)
    for factor, expect_settle in ((0.5, True), (3.0, False)):
        params = dict(g_h=1.7, alpha_r=10.0, beta_h=factor * bstar)
        ok = []
        for seed in range(seeds):
            net = Network("gated", N, seed=seed, **params)
            tr = simulate(net, T, dt=0.1, record_every=5.0, seed=seed)
            ok.append(bool(settled(net, tr.final, tol=1e-4)) == expect_settle)
            if seed == 0:
                rms = np.sqrt(np.mean((tr["h"] - tr["h"][-1]) ** 2, axis=1))
                traces.append((f"beta_h={factor:g} beta_h*", tr.t, rms + 1e-16))
        rows.append(Comparison(
            "instability_lines", f"runs {'settling' if expect_settle else 'not settling'} as "
            f"predicted (beta_h* = {bstar:.4g})", params, 1.0, float(np.mean(ok)),
            float("nan"), 0.0, "points at 0.5 and 3 beta_h*, far from the stability edge"))
    pl = plt()
    fig, ax = pl.subplots(figsize=(6, 4))
    for label, t, rms in traces:
        ax.semilogy(t, rms, label=label)
    ax.set_xlabel("time")
    ax.set_ylabel("rms of h (or of h - h(T) for the beta_h runs)")
    ax.set_title("either side of the predicted lines", fontsize=9)
    ax.legend(fontsize=7)
    name = "instability_lines.png"
    save_figure(fig, out, name)
    return StudyResult("instability_lines",
                       "zero-fixed-point instability at g_h s_r(0) = 1; input-driven "
                       "destabilisation at beta_h* for a steep output gate",
                       f"N={N}, {seeds} seeds per point, T={T:g}", tuple(rows), (name,))
