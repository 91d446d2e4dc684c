r"""Count the distinct fixed points of a small network, with a completeness check.

Kac–Rice theory predicts :math:`\mathbb E[\#\{y: F(y) = 0\}] \sim e^{N\Sigma}` (spec
section 6); the simulator's counterpart (spec section 7) counts the roots of the flow
``F`` of networks of N ~ 8..30 units. Procedure:

1. **Starts.** Two kinds, mixed: random states with the first variable (``h``)
   i.i.d. :math:`\mathcal N(0, v)`, ``v`` log-uniform in ``variance_range`` (roots of
   these networks span decades of variance), and states sampled from trajectories
   (``trajectory_fraction`` of the starts; the chaotic attractor passes near the
   unstable fixed points). The other variables are set to their recurrent field
   (``z = eta_z``, ``r = eta_r``), their value at any fixed point of the leaky gate
   equations of spec section 1.
2. **Root finder.** Levenberg–Marquardt on :math:`\|F\|^2`, vectorised over the starts,
   then Newton polishing (:mod:`validation.measure._batched_roots`). With ``deflate``
   each round minimises :math:`\|M F\|` with the roots known when the round begins
   deflated (Farrell, Birkisson & Funke 2015): starts that would fall into the large
   basins of known roots are pushed towards the others. Off by default: on gated
   networks (N = 16, g_h = 3, alpha_r = 10) it found no more roots than more starts did
   and lowered the share of converged starts from ~70 % to ~5 %.
3. **Residual test.** A state is a root when, in every coordinate,
   :math:`|F_{k,i}| \le N\varepsilon\,(S_{k,i} + R_{k,i})`, with :math:`\varepsilon` the
   machine epsilon, ``S`` the sum of the magnitudes of the terms of ``F`` and ``R`` the
   row sum of the absolute Jacobian (the bound on the rounding of a sum of ``N``
   products; see :func:`~validation.measure._batched_roots.rounding_ratio`), times
   ``rounding_factor``.
4. **De-duplication.** Two roots are the same when their max-norm distance is below
   ``dedup_tol`` (default 1e-7; roots are resolved to about ``cond(J) eps``, and the
   smallest distance between distinct roots is reported as ``min_separation`` so that a
   binding tolerance shows).
5. **Symmetry and known roots.** The mirror image ``-y`` of every root is tried and kept
   when it passes the residual test (the additive network with ``beta_h = 0`` is odd; the
   gated one is not, since ``s_r`` is not odd, and its mirrors fail the test); the zero
   state is added when it passes the test (``beta_h = 0``).
6. **Stability.** Eigenvalues of the dense Jacobian: stable when the largest real part is
   below ``-stability_tol``. Each stable root is confirmed by relaxing from it after a
   perturbation of rms ``1e-4`` (RK4): the distance must shrink at least half as fast
   (in log) as the leading eigenvalue predicts over the run.
7. **Completeness.** Rounds of ``starts``, ``starts``, ``2 starts``, ``4 starts`` ... new
   starts double the total each time; the count is ``complete`` when a doubling adds no
   root. Counts per round are returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from meanfield._checks import check_bool, is_integer, is_real
from meanfield._errors import ParameterError

from ..integrate import simulate
from ..network import Network
from . import _batched_roots as br

__all__ = ["FixedPointCount", "count_fixed_points"]


@dataclass(frozen=True)
class FixedPointCount:
    """Result of :func:`count_fixed_points`.

    Attributes
    ----------
    states : ndarray, shape (K, n_vars, N)
        The distinct fixed points.
    max_real : ndarray, shape (K,)
        Largest real part of the Jacobian's eigenvalues at each.
    n_unstable : ndarray of int, shape (K,)
        Number of eigenvalues with real part above ``stability_tol``.
    stable : ndarray of bool, shape (K,)
    relaxed : ndarray of bool, shape (K,)
        For stable roots, whether relaxation from a perturbed state confirmed it;
        True for the others (nothing to confirm).
    rounding : ndarray, shape (K,)
        The residual in units of its floating-point bound (<= ``rounding_factor``).
    counts, total_starts : tuple of int
        Distinct count after each round and the cumulative number of starts.
    complete : bool
        Whether the last doubling of the starts added no root.
    message : str
    converged : int
        Starts that reached a root.
    iterations : int
        Levenberg–Marquardt iterations, summed over starts.
    min_separation : float
        Smallest max-norm distance between two distinct roots (inf if fewer than two).
    mirrored : int
        Roots found only as mirror images (0 when the model has no odd symmetry).
    options : dict
    """

    states: np.ndarray
    max_real: np.ndarray
    n_unstable: np.ndarray
    stable: np.ndarray
    relaxed: np.ndarray
    rounding: np.ndarray
    counts: tuple
    total_starts: tuple
    complete: bool
    message: str
    converged: int
    iterations: int
    min_separation: float
    mirrored: int
    options: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return int(self.states.shape[0])

    @property
    def n_stable(self) -> int:
        return int(np.sum(self.stable))

    @property
    def success(self) -> bool:
        return (self.complete and bool(np.all(self.relaxed))
                and self.converged >= MIN_CONVERGED_FRACTION * self.total_starts[-1])

    def __repr__(self):
        return (f"FixedPointCount(count={self.count}, n_stable={self.n_stable}, "
                f"complete={self.complete}, success={self.success}, "
                f"counts={list(self.counts)}, "
                f"starts={list(self.total_starts)}, message={self.message!r})")


#: Share of the starts that must reach a root for a count to be trusted. Where the flow's
#: components have very different scales (alpha_z = 30-1000 or beta_z = 50: the update
#: gate multiplies dh/dt by 1e-13 or less) almost no start converges (1 of 256 at
#: alpha_z = 30, 0 at 1000), and "no new root in two doublings" meant nothing: 1 fixed
#: point was reported, complete, where the same couplings have 7 (found by a probe,
#: 2026-11-28). Measured shares elsewhere: 0.63-0.96 (gated, alpha_z 0-2, N = 16-100),
#: 0.30 at alpha_z = 5.
MIN_CONVERGED_FRACTION = 0.1


def _check(name, value, lo, integer=False):
    ok = is_integer(value) if integer else is_real(value) and math.isfinite(value)
    if not ok or value < lo:
        kind = "an integer" if integer else "a finite number"
        raise ParameterError(f"{name}={value!r} must be {kind} >= {lo}")


class _Roots:
    """Distinct roots found so far, with the de-duplication rule."""

    def __init__(self, shape, tol):
        self.shape, self.tol = shape, tol
        self.flat = np.empty((0, int(np.prod(shape))))
        self.mirrored = 0

    def add(self, x: np.ndarray) -> bool:
        x = x.ravel()
        if self.flat.shape[0] and np.min(np.max(np.abs(self.flat - x), axis=1)) < self.tol:
            return False
        self.flat = np.vstack([self.flat, x])
        return True

    def __len__(self):
        return self.flat.shape[0]


def _starts(net, rng, count, variance_range, traj_states):
    """``count`` starts (n, N, count): the given trajectory states, then random ones."""
    n, N = net.n_vars, net.N
    n_traj = min(len(traj_states), count)
    lo, hi = np.log(variance_range[0]), np.log(variance_range[1])
    v = np.exp(rng.uniform(lo, hi, count - n_traj))
    Y = np.zeros((n, N, count))
    Y[0, :, n_traj:] = rng.standard_normal((N, count - n_traj)) * np.sqrt(v)
    if n_traj:
        Y[:, :, :n_traj] = np.moveaxis(traj_states[:n_traj], 0, -1)
    names = [f.name for f in net.model.fields]
    eta = net.fields(Y[:, :, n_traj:]) if count > n_traj else None
    for k, var in enumerate(net.variables[1:], start=1):
        if eta is not None and f"eta_{var}" in names:
            Y[k, :, n_traj:] = eta[names.index(f"eta_{var}")]
        elif eta is not None:
            Y[k, :, n_traj:] = rng.standard_normal((N, count - n_traj)) * np.sqrt(v)
    return Y


def _trajectory_states(net, seed, n_states, per=4, transient=20.0, spacing=5.0):
    """``n_states`` states (shape (M, n, N)) sampled ``per`` at a time along trajectories.

    Trajectories start from i.i.d. N(0, 1) states and are sampled every ``spacing``
    after ``transient`` (RK4, dt = 0.1 or a tenth of the fastest time constant), batched.
    """
    if n_states == 0:
        return np.empty((0, net.n_vars, net.N))
    batch = int(math.ceil(n_states / per))
    tr = simulate(net, transient + spacing * (per - 1), **_stepping(net, 0.1),
                  record_every=spacing, transient=transient, seed=seed, batch=batch)
    return np.moveaxis(tr.y, -1, 1).reshape(-1, net.n_vars, net.N)[:n_states]


def _stepping(net, dt: float) -> dict:
    """RK4 at ``dt`` where no time constant is below 1; else the adaptive ``dopri5``
    (a fixed step of 0.1 is refused by simulate at tau = 1e-3, which left no count
    possible there, and one of a tenth of tau took minutes; found by a probe)."""
    fastest = min(net.time_constants.values(), default=1.0)
    if fastest >= 1.0:
        return {"dt": dt, "method": "rk4"}
    return {"dt": dt * fastest, "method": "dopri5"}


def _relax_confirms(net, states, max_real, seed, T_max):
    """Relax from perturbed stable roots; True where the distance shrinks as predicted."""
    if len(states) == 0:
        return np.zeros(0, dtype=bool)
    rng = np.random.default_rng([seed, 0xBE1A])
    Y0 = np.moveaxis(states, 0, -1)
    d = rng.standard_normal(Y0.shape)
    d *= 1e-4 / np.sqrt(np.mean(d ** 2, axis=(0, 1)))
    rate = np.abs(max_real)
    T = float(min(T_max, max(10.0 / rate.min(), 5.0)))
    tr = simulate(net, T, y0=Y0 + d, **_stepping(net, 0.05), record_every=T)
    dist = np.sqrt(np.mean((tr.final - Y0) ** 2, axis=(0, 1)))
    expected = np.minimum(rate * T, 10.0)
    return np.log(dist / 1e-4) < -0.5 * expected


def count_fixed_points(network: Network, *, starts: int = 64, seed: int = 0,
                       max_doublings: int = 6, variance_range: tuple = (1e-3, 1.0),
                       trajectory_fraction: float = 0.5, max_iter: int = 60,
                       rounding_factor: float = 8.0, dedup_tol: float = 1e-7,
                       stability_tol: float = 1e-9, relax_T: float = 400.0,
                       symmetry: bool = True, include_zero: bool = True,
                       confirm_stable: bool = True, deflate: bool = False,
                       patience: int = 2) -> FixedPointCount:
    """Find and count the distinct fixed points of ``network`` (module doc for the method).

    Parameters
    ----------
    network : Network
        Small networks (N up to ~30 for the gated model): dense Jacobians per start.
    starts : int
        Starts of the first round; later rounds double the total.
    seed : int
        Seed of the starts and trajectories (the couplings are the network's own).
    max_doublings : int
        Rounds after the first; the count is incomplete if it still grows at the last.
    variance_range : (float, float)
        Range of the log-uniform variance of ``h`` at random starts.
    trajectory_fraction : float in [0, 1]
        Share of starts sampled from trajectories.
    max_iter : int
        Levenberg–Marquardt iterations per start.
    rounding_factor : float
        Multiple of the floating-point bound the residual may reach.
    dedup_tol : float
        Max-norm distance below which two roots are one.
    stability_tol : float
        Eigenvalues with real part within this of 0 count as neither.
    relax_T : float
        Longest relaxation run for confirming stable roots.
    symmetry : bool
        Try the mirror image ``-y`` of each root (kept only if it passes the test).
    include_zero : bool
        Add the zero state when it passes the residual test.
    confirm_stable : bool
        Run the relaxation check.
    deflate : bool
        Deflate the roots known at the start of each round (module doc, step 2).
    patience : int
        Consecutive doublings that must add no root for the count to be complete.

    Returns
    -------
    FixedPointCount
    """
    if not isinstance(network, Network):
        raise ParameterError("network must be a validation.network.Network")
    if network.time_dependent:
        # the roots were those of the flow at t = 0, the starts from a simulation of the
        # time-dependent one (a probe, 2026-11-28): fixed points need a constant flow
        raise ParameterError("count_fixed_points needs a flow that does not depend on time: "
                             "give the inputs as constants (their values at the time of "
                             "interest)")
    _check("starts", starts, 1, integer=True)
    if starts > 10**6:  # (starts=1e6 ran for hours, 1e30 ended in numpy; a probe)
        raise ParameterError(f"starts={starts} must be at most 1e6")
    for name, v in (("symmetry", symmetry), ("include_zero", include_zero)):
        check_bool(name, v)  # (any truthy value was taken; a probe, 2026-11-28)
    _check("seed", seed, 0, integer=True)
    _check("max_doublings", max_doublings, 0, integer=True)
    _check("max_iter", max_iter, 1, integer=True)
    _check("patience", patience, 1, integer=True)
    for name, v in (("rounding_factor", rounding_factor), ("stability_tol", stability_tol)):
        _check(name, v, 0)
    # strictly positive: dedup_tol = 0 counted every start as its own root (1025 "distinct"
    # copies of the zero state, found by a probe), relax_T = 0 confirms nothing
    for name, v in (("dedup_tol", dedup_tol), ("relax_T", relax_T)):
        _check(name, v, 0)
        if not v > 0:
            raise ParameterError(f"{name}={v!r} must be positive")
    try:
        lo, hi = (float(v) for v in variance_range)
    except (TypeError, ValueError):
        lo = hi = float("nan")
    if not (0 < lo <= hi and math.isfinite(hi)):
        raise ParameterError(f"variance_range={variance_range!r} must be two numbers "
                             "0 < lo <= hi")
    if not (is_real(trajectory_fraction) and 0 <= trajectory_fraction <= 1):
        raise ParameterError(f"trajectory_fraction={trajectory_fraction!r} must be a number "
                             "in [0, 1]")
    net = network
    shape = (net.n_vars, net.N)
    roots = _Roots(shape, dedup_tol)
    rounding = []

    def accept(Y):
        r = br.rounding_ratio(net, Y)
        new = 0
        for b in np.flatnonzero(r <= rounding_factor):
            if roots.add(Y[:, :, b]):
                rounding.append(r[b])
                new += 1
        return new

    if include_zero:
        accept(np.zeros((*shape, 1)))
    counts, totals = [], []
    converged = iterations = 0
    n_done = 0
    for rnd in range(max_doublings + 1):
        n_new = starts if rnd == 0 else n_done
        rng = np.random.default_rng([seed, rnd, 0xC0])
        traj = _trajectory_states(net, int(rng.integers(2 ** 31)),
                                  int(round(n_new * trajectory_fraction)))
        Y0 = _starts(net, rng, n_new, (lo, hi), traj)
        Y, res, its, _ = br.levenberg_marquardt(net, Y0, max_iter=max_iter,
                                                deflate=roots.flat if deflate else None)
        iterations += int(its.sum())
        ok = np.flatnonzero(np.isfinite(res) & (res < 1e-8))
        converged += int(np.sum(br.rounding_ratio(net, Y[:, :, ok]) <= rounding_factor)) \
            if ok.size else 0
        before = len(roots)
        accept(Y[:, :, ok])
        if symmetry and len(roots) > before:
            mirror = -roots.flat[before:].T.reshape(*shape, -1)
            m0 = len(roots)
            accept(mirror)
            roots.mirrored += len(roots) - m0
        n_done += n_new
        counts.append(len(roots))
        totals.append(n_done)
        if rnd >= patience and counts[-1] == counts[-1 - patience]:
            break
    complete = len(counts) > patience and counts[-1] == counts[-1 - patience]
    states = roots.flat.reshape(-1, *shape)
    K = len(states)
    max_real = np.empty(K)
    n_unstable = np.empty(K, dtype=int)
    for a in range(0, K, 256):
        ev = np.linalg.eigvals(br.jacobians(net, np.moveaxis(states[a:a + 256], 0, -1)))
        max_real[a:a + 256] = ev.real.max(axis=1)
        n_unstable[a:a + 256] = np.sum(ev.real > stability_tol, axis=1)
    stable = max_real < -stability_tol
    relaxed = np.ones(K, dtype=bool)
    if confirm_stable and stable.any():
        relaxed[stable] = _relax_confirms(net, states[stable], max_real[stable], seed, relax_T)
    if K > 1:
        d = [np.min(np.max(np.abs(roots.flat[i + 1:] - roots.flat[i]), axis=1))
             for i in range(K - 1)]
        min_sep = float(min(d))
    else:
        min_sep = float("inf")
    if complete:
        message = (f"{K} fixed points; {patience} doubling(s) of the starts, from "
                   f"{totals[-1 - patience]} to {totals[-1]}, found no new one")
    elif len(counts) <= patience:
        # fewer doublings ran than completeness needs (max_doublings < patience)
        message = (f"{K} fixed points, incomplete: {len(counts) - 1} doubling(s) of the "
                   f"starts ran (max_doublings={max_doublings}), {patience} without a new "
                   f"root are needed (patience)")
    else:
        message = (f"{K} fixed points, incomplete: the count still grew within the last "
                   f"{patience} doubling(s) ({counts[-1 - patience]} -> {counts[-1]}, "
                   f"{totals[-1]} starts)")
    if not np.all(relaxed):
        message += f"; {int(np.sum(~relaxed))} stable root(s) not confirmed by relaxation"
    if converged < MIN_CONVERGED_FRACTION * totals[-1]:
        message += (f"; only {converged} of {totals[-1]} starts reached a root (fewer than "
                    f"{MIN_CONVERGED_FRACTION:.0%}), so the count is not reliable: the "
                    "flow's components may differ in scale by orders of magnitude (a gate "
                    "near 0 or 1 everywhere, e.g. large alpha_z or |beta_z|)")
    options = dict(starts=starts, seed=seed, max_doublings=max_doublings,
                   variance_range=(lo, hi), trajectory_fraction=trajectory_fraction,
                   max_iter=max_iter, rounding_factor=rounding_factor, dedup_tol=dedup_tol,
                   stability_tol=stability_tol, symmetry=symmetry, include_zero=include_zero,
                   deflate=deflate, patience=patience)
    return FixedPointCount(states, max_real, n_unstable, stable, relaxed, np.asarray(rounding),
                           tuple(counts), tuple(totals), complete, message, converged,
                           iterations, min_sep, roots.mirrored, options)
