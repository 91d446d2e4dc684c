"""Study 3: pile-up of Jacobian eigenvalues near 0 as alpha_z grows (spec section 3).

Prediction: at a stable fixed point each unit contributes an eigenvalue at its
local rate -s_z(z_i); the fraction of the 3N eigenvalues within eps of 0 is the
probability that |s_z(z)| < eps for z ~ N(0, Delta_z) (``slow_fraction``), zero
for alpha_z = 0 and growing with alpha_z.
Measurement: dense eigenvalues of networks at their fixed points, N = 800, 2 seeds.
Fixed points do not depend on the update gate (s_z > 0 drops out of F = 0), so each is
found on the same couplings with alpha_z = 0, where relaxation is fast, and checked to
be a fixed point of the alpha_z network (rms flow < 1e-12); shut gates would otherwise
need times of order 1/s_z to relax.
Tolerance: 4 binomial standard errors sqrt(p(1-p)/(3N n_seeds)) of the counted
fraction, plus 1/(3N) for the discreteness of one count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.linalg

from meanfield import slow_fraction

from ..compare import Comparison, StudyResult
from ..measure.settle import rms_speed
from ..network import Network
from ._common import plt, save_figure, settle_to_fixed_point

BASE = dict(g_h=1.6, beta_h=0.3)
ALPHAS = [0.0, 5.0, 10.0, 20.0]
EPS = 0.02


def run(out: Path, *, quick: bool = False) -> StudyResult:
    N, seeds = (300, 2) if quick else (800, 2)
    alphas = ALPHAS[::2] if quick else ALPHAS
    rows, pts = [], []
    for az in alphas:
        params = {**BASE, "alpha_z": az}
        theory = slow_fraction("gated", EPS, **params)
        counts = []
        for seed in range(seeds):
            net = Network("gated", N, seed=seed, **params)
            y = settle_to_fixed_point(Network("gated", N, seed=seed, **{**params, "alpha_z": 0}),
                                      seed=seed)
            if y is None or rms_speed(net, y) > 1e-12:
                raise RuntimeError(f"no fixed point found at {params}, seed {seed}")
            ev = scipy.linalg.eigvals(net.jacobian(y), check_finite=False)
            counts.append(float(np.mean(np.abs(ev) < EPS)))
        p = float(np.mean(counts))
        n_total = 3 * N * seeds
        se = float(np.sqrt(max(theory, 1 / n_total) * (1 - theory) / n_total))
        rows.append(Comparison("slow_modes", f"fraction of eigenvalues with |lambda| < {EPS}",
                               params, theory, p, se, 4 * se + 1 / (3 * N),
                               f"4 binomial SE over {n_total} eigenvalues + one count"))
        pts.append((az, theory, p, se))
    pl = plt()
    fig, ax = pl.subplots(figsize=(5, 4))
    a = [x[0] for x in pts]
    ax.plot(a, [x[1] for x in pts], "C3-", label="theory (local rates)")
    ax.errorbar(a, [x[2] for x in pts], yerr=[x[3] for x in pts], fmt="o", label=f"N={N}")
    ax.set_xlabel(r"$\alpha_z$")
    ax.set_ylabel(rf"fraction of eigenvalues with $|\lambda| < {EPS}$")
    ax.set_title("slow modes pile up as the update gate sharpens", fontsize=9)
    ax.legend()
    name = "slow_modes.png"
    save_figure(fig, out, name)
    return StudyResult("slow_modes", "fraction of eigenvalues near 0 from the distribution of "
                       "s_z (spec section 3)",
                       f"dense Jacobian eigenvalues at network fixed points, N={N}",
                       tuple(rows), (name,))
