"""Study 2: eigenvalues of the full Jacobian against the predicted spectral support.

Prediction: the support {rho(M(lambda)) >= 1} plus the real segment of local rates
(spec section 3): at fixed points from the Gaussian static theory, at states of
chaotic trajectories from the units' own single-site statistics.
Measurement: all 3N eigenvalues of the dense Jacobian of networks with N up to 1000.
Tolerances (finite-size error of the circular law, whose edge fluctuates on the
scale R N^-1/2 for a support of half-width R):
- rightmost eigenvalue: |lambda_max - edge| <= 3 R / sqrt(N);
- fraction of eigenvalues farther than 3 R / sqrt(N) outside the support <= 1%.
The finite-N scaling of |lambda_max - edge| is shown for N = 250, 500, 1000.
A user model whose unit fixed point has no closed form (self-coupled units with a bias,
the ``fixed_point_variances`` case; the support from ``meanfield.spectral_support``
through the root x*(eta) and the implicit function theorem) is judged by the same two
rules at the largest N (2 seeds). Measured 2026-11-27: rightmost eigenvalue -0.1645
(N = 300) and -0.1556 (N = 1000) against the edge -0.1557; no eigenvalue outside.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.linalg

from meanfield import fixed_point_branches, get_model
from meanfield.solve._theory import Theory
from meanfield.solve.spectrum import StateSupport, local_rate_range

from ..compare import Comparison, StudyResult
from ..integrate import simulate
from ..network import Network
from ._common import model_label, plt, save_figure, settle_to_fixed_point

FIXED_POINT = dict(g_h=1.6, beta_h=0.3, alpha_z=0.0)
CHAOTIC = [dict(g_h=3.0, alpha_z=0.0), dict(g_h=3.0, alpha_z=2.0, alpha_r=2.0)]


def _eigs(net, y):
    return scipy.linalg.eigvals(net.jacobian(y), overwrite_a=True, check_finite=False)


class _GaussianSupport:
    """Support at a fixed point from the static theory (Gaussian fields)."""

    def __init__(self, params):
        model = get_model("gated")
        self.fp = fixed_point_branches(model, **params)
        self.b = [b for b in self.fp if b.stable][0]
        self.th = Theory(model, self.fp.quadrature_nodes)
        self.q = [np.asarray(v) for v in self.b.field_variance.values()]
        self.params = self.fp.params
        self.segment = local_rate_range(self.th, self.q, self.params)

    def rho(self, lam):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            M = self.th.profile(np.asarray(lam, dtype=complex), self.q, self.params)
        M[~np.isfinite(M)] = 1e300
        return np.max(np.abs(np.linalg.eigvals(M)), axis=-1)

    def inside(self, lam, margin):
        lam = np.asarray(lam, dtype=complex)
        ok = self.rho(lam) >= 1
        for ang in np.linspace(0, 2 * np.pi, 8, endpoint=False):
            ok |= self.rho(lam + margin * np.exp(1j * ang)) >= 1
        lo, hi = self.segment
        ok |= (np.abs(lam.imag) <= margin) & (lam.real >= lo - margin) & (lam.real <= hi + margin)
        return ok

    def half_width(self):
        from scipy.optimize import brentq

        f = lambda x: float(self.rho(np.array([x + 0j]))[0]) - 1  # noqa: E731
        left = self.b.bulk_edge - 1e-6
        step = 0.05
        while f(left - step) > 0 and left - step > -50:
            left -= step
        left = brentq(f, left - step, left) if f(left - step) < 0 else left - step
        return (self.b.edge - left) / 2


def run(out: Path, *, quick: bool = False) -> StudyResult:
    out = Path(out)
    sizes = [150, 300] if quick else [250, 500, 1000]
    seeds = 2
    rows = []
    pl = plt()
    fig, axes = pl.subplots(1, 3, figsize=(14, 4.5))

    # -- fixed point, Gaussian theory, finite-N scaling of the edge
    gs = _GaussianSupport(FIXED_POINT)
    R = gs.half_width()
    scaling = []
    for N in sizes:
        devs, fracs = [], []
        for seed in range(seeds):
            net = Network("gated", N, seed=seed, **FIXED_POINT)
            y = settle_to_fixed_point(net, seed=seed)
            ev = _eigs(net, y)
            devs.append(float(ev.real.max()) - gs.b.edge)
            fracs.append(1 - float(np.mean(gs.inside(ev, 3 * R / np.sqrt(N)))))
        scaling.append((N, np.mean(np.abs(devs)), np.std(np.abs(devs))))
        tol = 3 * R / np.sqrt(N)
        rows.append(Comparison("jacobian_spectrum", "rightmost eigenvalue at fixed point",
                               {**FIXED_POINT, "N": N}, gs.b.edge,
                               gs.b.edge + float(np.mean(devs)), float(np.std(devs)), tol,
                               f"3R/sqrt(N), R={R:.3g} (circular-law edge fluctuations)"))
        rows.append(Comparison("jacobian_spectrum", "fraction outside support (fixed point)",
                               {**FIXED_POINT, "N": N}, 0.0, float(np.mean(fracs)),
                               float(np.std(fracs)), 0.01,
                               "at most 1% beyond 3R/sqrt(N) of the support"))
    ax = axes[0]
    x = np.linspace(gs.segment[0] - 1.2 * R - 0.5, gs.b.edge + 0.4, 161)
    yy = np.linspace(-1.3 * R - 0.2, 1.3 * R + 0.2, 121)
    rho = gs.rho(x[None, :] + 1j * yy[:, None])
    ax.plot(ev.real, ev.imag, ".", ms=2, color="0.4", label=f"N={sizes[-1]} eigenvalues")
    ax.contour(x, yy, np.log(rho), levels=[0.0], colors="C3")
    ax.plot(gs.segment, [0, 0], "C3-", lw=2)
    ax.set_title(f"fixed point: {FIXED_POINT}", fontsize=8)
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.legend(fontsize=7)
    ax = axes[1]
    Ns = np.array([s[0] for s in scaling])
    ax.errorbar(Ns, [s[1] for s in scaling], yerr=[s[2] for s in scaling], fmt="o-",
                label=r"$|\lambda_{max} - $edge$|$")
    ax.plot(Ns, R / np.sqrt(Ns), "k--", label=r"$R N^{-1/2}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N")
    ax.set_title("finite-N scaling of the rightmost eigenvalue", fontsize=8)
    ax.legend(fontsize=7)

    # -- a user model whose unit fixed point is a root found numerically
    rows += _implicit_model_rows(sizes[-1], seeds)

    # -- chaotic states: support from the single-site statistics of the state
    N = sizes[-1]
    for k, params in enumerate(CHAOTIC):
        net = Network("gated", N, seed=10 + k, **params)
        y = simulate(net, 200.0, dt=0.05, record_every=200.0, seed=k).final
        S = StateSupport("gated", y, net.fields(y), net.params)
        ev = _eigs(net, y)
        extent = (-3.0, 1.5, -2.0, 2.0)
        edge = S.edge(extent)
        lo = float(min(S.local_rates.min(), min(c.real.min() for c in S.boundary(extent))))
        Rc = (edge - lo) / 2
        tol = 3 * Rc / np.sqrt(N)
        inside = S.inside(ev, margin=tol, segment_width=tol)
        rows.append(Comparison("jacobian_spectrum", "rightmost eigenvalue on chaotic trajectory",
                               {**params, "N": N}, edge, float(ev.real.max()), float("nan"), tol,
                               f"3R/sqrt(N), R={Rc:.3g}"))
        rows.append(Comparison("jacobian_spectrum", "fraction outside support (chaotic)",
                               {**params, "N": N}, 0.0, 1 - float(np.mean(inside)),
                               float("nan"), 0.01, "at most 1% beyond 3R/sqrt(N)"))
        if k == len(CHAOTIC) - 1:
            ax = axes[2]
            ax.plot(ev.real, ev.imag, ".", ms=2, color="0.4", label=f"N={N} eigenvalues")
            for c in S.boundary(extent):
                ax.plot(c.real, c.imag, "C3-")
            ax.plot([S.local_rates.min(), S.local_rates.max()], [0, 0], "C3-", lw=2)
            ax.set_title(f"chaotic state: {params}", fontsize=8)
            ax.set_xlabel(r"Re $\lambda$")
            ax.legend(fontsize=7)
    name = "jacobian_spectrum.png"
    save_figure(fig, out, name)
    return StudyResult("jacobian_spectrum",
                       "Jacobian eigenvalues lie in {rho(M(lambda)) >= 1} plus the local-rate "
                       "segment; the rightmost one approaches the predicted edge (spec section 3)",
                       "dense eigenvalues of the 3N x 3N Jacobian at network fixed points and at "
                       "states of chaotic trajectories", tuple(rows), (name,))


def support_half_width(support) -> float:
    """R: half the width of a :class:`~meanfield.solve.result.SpectrumResult`'s bulk."""
    return (support.edge - min(float(c.real.min()) for c in support.boundary)) / 2


def near_support(ev: np.ndarray, support, margin: float, *, segment: bool = True):
    """Which eigenvalues lie in ``support`` (its boundary curves, and with ``segment`` its
    real segment of local rates), or within ``margin`` of it."""
    from matplotlib.path import Path as MplPath

    boundary = np.concatenate(support.boundary)
    near = MplPath(np.c_[boundary.real, boundary.imag]).contains_points(np.c_[ev.real,
                                                                              ev.imag])
    near |= np.array([np.min(np.abs(boundary - z)) <= margin for z in ev], dtype=bool)
    if segment:
        for lo, hi in support.local_intervals:  # the local rates' intervals, not their hull
            near |= ((np.abs(ev.imag) <= margin) & (ev.real >= lo - margin)
                     & (ev.real <= hi + margin))
    return near


def _implicit_model_rows(N: int, seeds: int) -> list:
    """Rightmost eigenvalue and share outside the support for the self-coupled model."""
    from meanfield import parse_model, spectral_support

    from .fixed_point_variances import SELF_COUPLED

    model = parse_model(SELF_COUPLED)
    support = spectral_support(model)
    R = support_half_width(support)
    tol = 3 * R / np.sqrt(N)
    right, outside = [], []
    for seed in range(seeds):
        net = Network(model, N, seed=seed)
        y = settle_to_fixed_point(net, seed=seed)
        if y is None:
            raise RuntimeError(f"the self-coupled network did not settle, seed {seed}")
        ev = _eigs(net, y)
        right.append(float(ev.real.max()))
        outside.append(1 - float(np.mean(near_support(ev, support, tol))))
    p = {**model_label(model), "N": N, "seeds": seeds}
    return [
        Comparison("jacobian_spectrum", "rightmost eigenvalue at fixed point (x* implicit)",
                   p, support.edge, float(np.mean(right)), float(np.std(right)), tol,
                   f"3R/sqrt(N), R={R:.3g} (circular-law edge fluctuations)",
                   extra={"per_seed": right}),
        Comparison("jacobian_spectrum", "fraction outside support (x* implicit)", p, 0.0,
                   float(np.mean(outside)), float(np.std(outside)), 0.01,
                   "at most 1% beyond 3R/sqrt(N) of the support"),
    ]
