r"""The numerical root behind :class:`meanfield.derive.implicit.UnitRoot` (pure kernel).

Generated theory modules call :func:`unit_root` for a unit fixed point that has no closed
form: :math:`R(x, \text{args}) = 0` solved for :math:`x` on whole arrays (quadrature nodes
times parameter grids) at once.

Method, per element: a bracket ``[-s, s]`` with a sign change of ``R``, ``s`` doubled from
1 until found; then Newton steps, replaced by bisection whenever a step would leave the
bracket (so it converges for any continuous ``R`` with a sign change, quadratically near a
simple root), to a few ulps.

Uniqueness: the static theory needs one fixed point per unit. ``R_x`` is evaluated at the
root and at ``0, +-1e-3 ... +-1e3`` (log-spaced, eight points a decade) and at the
bracket's ends; if it takes both signs there, ``R`` is not monotone, a unit may have
several fixed points (bistable units), and :class:`~meanfield.ParameterError` says so. A
non-monotone stretch narrower than the grid's spacing (factor 1.33) is not seen.
"""

from __future__ import annotations

import numpy as np

from .._errors import ParameterError

__all__ = ["unit_root"]

_GRID = np.concatenate([-np.logspace(3, -3, 49), [0.0], np.logspace(-3, 3, 49)])
_MAX_DOUBLINGS = 1030   # 2**1023 is about the largest double
#: Newton needs a handful of steps; where it is refused, each bisection halves the
#: bracket, so a root that only bisection reaches from a bracket of 2**k needs about k + 53
#: halvings: beyond that the solver reports no convergence, with the residual
_MAX_STEPS = 200


def unit_root(R, dR, args, variable: str = "x", equation: str = "",
              names: tuple = (), slope_args: tuple | None = None) -> np.ndarray:
    """The root in ``x`` of ``R(x, *args) = 0``, elementwise over the broadcast ``args``.

    ``dR(x, *args)`` is the derivative in ``x``; ``names`` name the arguments in messages;
    ``slope_args`` (indices into ``args``), where known, are the arguments ``dR`` depends
    on: the monotonicity check then runs once per distinct value of those (the slope of
    ``h - w tanh(h) - eta`` does not depend on the field, so one check per parameter point
    instead of one per quadrature node).

    Raises :class:`ParameterError` where no sign change is found for ``|x|`` up to the
    largest double, where ``R`` is not monotone (several roots possible), where the
    values are not finite, or where the iteration does not converge (with its residual).
    """
    raw = [np.asarray(a, dtype=float) for a in args]
    args = np.broadcast_arrays(*raw)
    shape = args[0].shape if args else ()
    what = f"the unit fixed point {variable}*: {equation} = 0" if equation else \
        f"the unit fixed point {variable}*"
    if args and not all(np.all(np.isfinite(a)) for a in args):
        raise ParameterError(f"{what}: non-finite fields or parameters")
    with np.errstate(all="ignore"):
        s = np.ones(shape)
        f_lo, f_hi = R(-s, *args), R(s, *args)
        for _ in range(_MAX_DOUBLINGS):
            need = ~(np.sign(f_lo) * np.sign(f_hi) <= 0)
            if not np.any(need):
                break
            s = np.where(need, 2.0 * s, s)
            if not np.all(np.isfinite(s)):
                break
            f_lo, f_hi = np.broadcast_to(R(-s, *args), shape), np.broadcast_to(R(s, *args),
                                                                                shape)
        f_lo, f_hi = np.broadcast_to(f_lo, shape), np.broadcast_to(f_hi, shape)
        if not np.all(np.sign(f_lo) * np.sign(f_hi) <= 0):
            raise ParameterError(f"{what} has no root: no sign change of the left-hand side "
                                 f"for |{variable}| up to the largest double, or not "
                                 "finite there (no fixed point of a unit)")
        # a, b: the bracket, R(a) >= 0 >= R(b) after orientation
        flip = f_lo < 0
        a, b = np.where(flip, s, -s), np.where(flip, -s, s)
        x = np.where(f_lo == 0, -s, np.where(f_hi == 0, s, 0.0 * s))
        done = (f_lo == 0) | (f_hi == 0)
        for _ in range(_MAX_STEPS):
            f = np.broadcast_to(R(x, *args), shape)
            d = np.broadcast_to(dR(x, *args), shape)
            done = done | (f == 0)
            a = np.where(f > 0, x, a)
            b = np.where(f < 0, x, b)
            step = f / d
            newton = x - step
            ulps = 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(x))
            # a Newton step below the rounding scale: converged (at the root x itself is
            # one end of the bracket, so the step would not count as inside it)
            converged = np.isfinite(step) & (np.abs(step) <= ulps)
            inside = (np.isfinite(newton) & (newton > np.minimum(a, b))
                      & (newton < np.maximum(a, b)))
            new = np.where(done, x, np.where(inside | converged, newton, 0.5 * (a + b)))
            done = done | converged | (np.abs(new - x) <= ulps) | (np.abs(a - b) <= ulps)
            x = new
            if np.all(done):
                break
        if not np.all(np.isfinite(x)):
            raise ParameterError(f"{what}: the root came out non-finite")
        if not np.all(done):
            resid = float(np.max(np.abs(np.broadcast_to(R(x, *args), shape))))
            raise ParameterError(f"{what}: the root did not converge in {_MAX_STEPS} steps "
                                 f"(largest residual {resid:.3g})")
        # monotone? R_x at the root and the bracket's ends, and on a fixed grid (with
        # only the arguments R_x depends on, unbroadcast, where they are known)
        ends = np.concatenate([np.broadcast_to(dR(v, *args), shape)[None] for v in (x, -s, s)])
        both = _both_signs(ends)
        grid_args = (args if slope_args is None else
                     [a if i in slope_args else np.zeros(()) for i, a in enumerate(raw)])
        gshape = np.broadcast_shapes(*(np.shape(a) for a in grid_args)) if grid_args else ()
        grid = _GRID.reshape((-1,) + (1,) * len(gshape))
        on_grid = _both_signs(np.broadcast_to(dR(grid, *grid_args), (len(_GRID),) + gshape))
        both = both | np.broadcast_to(on_grid, shape)
    if np.any(both):
        i = np.unravel_index(int(np.argmax(both)), shape) if shape else ()
        at = ", ".join(f"{n}={float(v[i]):.4g}" for n, v in
                       zip(names or [f"arg{k}" for k in range(len(args))], args))
        raise ParameterError(
            f"{what} is not unique: the left-hand side is not monotone in {variable} (its "
            f"slope takes both signs at {at}), so a unit can have several fixed "
            "points (bistable units). The static theory here needs one fixed point per "
            "unit; the simulator and the DMFT do not")
    return x


def _both_signs(slopes: np.ndarray) -> np.ndarray:
    """Along axis 0: do the finite values take both signs?"""
    finite = np.isfinite(slopes)
    return np.any((slopes > 0) & finite, axis=0) & np.any((slopes < 0) & finite, axis=0)
