r"""Transition lines in a parameter plane by pseudo-arclength continuation.

A line is the solution set of :math:`H(u) = 0` with :math:`u \in \mathbb R^{k+1}`
and :math:`H: \mathbb R^{k+1} \to \mathbb R^k`. From a point on it, each step
predicts along the tangent (the null vector of :math:`DH`, oriented continuously)
and corrects by Newton's method on :math:`[H(u); t\cdot(u - u_{pred})] = 0`
(Keller's pseudo-arclength). It follows folds, where a plain sweep over one
parameter loses the branch. :math:`DH` is taken by central differences.

Lines provided (any two parameters of any model of the family):

``zero_instability``
    :math:`\rho(M(0)) = 1` at the zero fixed point; unknowns (x, y).
``saddle_node``
    :math:`R(q_1) = 0,\ \partial_{q_1} R = 0`: a pair of non-zero branches is born;
    unknowns (log q_1, x, y).
``branch_stability``
    :math:`R(q_1) = 0,\ \rho(M(0)) = 1` on a non-zero branch; unknowns (log q_1, x, y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collections.abc import Mapping

from .._checks import brief, check_choice, check_float, check_int, check_parameter_name
from .._errors import ConvergenceError, ParameterError
from ..models import Model, get_model
from ._theory import Theory
from .fixed_points import _rest

__all__ = ["Line", "continue_curve", "transition_line"]


@dataclass(frozen=True)
class Line:
    """A continued curve: ``points`` of shape (n, k+1) in the unknowns, and its (x, y)."""

    kind: str
    names: tuple
    points: np.ndarray
    success: bool
    message: str

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, -2:]


def _jac(H, u, h=1e-6):
    """Central-difference Jacobian of ``H`` at ``u``; callers check it is finite.

    Evaluated with floating-point warnings off: an iterate can reach where the equations
    overflow (log q large at beta_h = +-50), which printed numpy's warnings and then, from
    an SVD of NaN, LAPACK's "On entry to DLASCL parameter number 4 had an illegal value"
    (found by a probe, 2026-11-28); a non-finite value now ends the step instead."""
    with np.errstate(all="ignore"):
        f0 = H(u)
        J = np.empty((len(f0), len(u)))
        for i in range(len(u)):
            e = np.zeros_like(u)
            e[i] = h * max(1.0, abs(u[i]))
            J[:, i] = (H(u + e) - H(u - e)) / (2 * e[i])
    return J


def _finite(*arrays) -> bool:
    return all(np.all(np.isfinite(a)) for a in arrays)


def _tangent(J, prev=None):
    """Unit null vector of the k x (k+1) matrix ``J``, oriented along ``prev``.

    With a previous tangent, the bordered system [J; prev] t = e_{k+1} gives it with one
    LU (t . prev = 1 > 0 fixes the orientation); the SVD, O(k^3) with a large constant,
    is the fallback for the first point and for a singular bordered matrix.
    """
    if prev is not None:
        rhs = np.zeros(J.shape[1])
        rhs[-1] = 1.0
        try:
            t = np.linalg.solve(np.vstack([J, prev]), rhs)
        except np.linalg.LinAlgError:
            t = None
        if t is not None and np.all(np.isfinite(t)):
            return t / np.linalg.norm(t)
    _, _, vt = np.linalg.svd(J)
    t = vt[-1]
    if prev is not None and t @ prev < 0:
        t = -t
    return t / np.linalg.norm(t)


def continue_curve(H, u0, *, step=0.02, max_steps=400, box=None, tol=1e-10,
                   direction=None) -> tuple[np.ndarray, str]:
    """Points of the curve H = 0 from ``u0`` in one direction (the tangent's sign).

    ``box`` is ``(lower, upper)`` arrays for the unknowns: continuation stops on leaving it.
    """
    u = np.asarray(u0, dtype=float)
    t = _tangent(_jac(H, u))
    if direction is not None and t @ direction < 0:
        t = -t
    pts = [u.copy()]
    ds = step
    msg = f"stopped after {max_steps} steps"
    for _ in range(max_steps):
        for _attempt in range(8):
            pred = u + ds * t
            v = pred.copy()
            ok = False
            for _it in range(12):
                with np.errstate(all="ignore"):
                    F = np.append(H(v), t @ (v - pred))
                J = np.vstack([_jac(H, v), t])
                if not _finite(F, J):
                    break
                try:
                    dv = np.linalg.solve(J, -F)
                except np.linalg.LinAlgError:
                    break
                v = v + dv
                if np.linalg.norm(dv) < tol * max(1.0, np.linalg.norm(v)):
                    # a corrector that lands far from the prediction has jumped to another
                    # part of the curve (near a fold): retry with a shorter step
                    ok = np.linalg.norm(v - pred) <= 2 * ds
                    break
            if ok:
                break
            ds /= 2
        else:
            msg = f"corrector failed (step {ds:.2g})"
            break
        Jv = _jac(H, v)
        if not _finite(Jv):
            msg = "the equations are not finite beyond this point"
            break
        t = _tangent(Jv, t)
        u = v
        pts.append(u.copy())
        if box is not None and (np.any(u < box[0]) or np.any(u > box[1])):
            msg = "left the box"
            break
        if len(pts) > 10 and np.linalg.norm(u - pts[0]) < 0.5 * ds:
            msg = "closed loop"
            break
        ds = min(ds * 1.3, step)
    return np.array(pts), msg


#: The lines :func:`transition_line` continues.
LINE_KINDS = ("zero_instability", "saddle_node", "branch_stability")


def _axis(model: Model, which: str, a) -> tuple[str, float, float]:
    """``(name, lo, hi)`` of an axis ``(name, lo, hi)``, checked."""
    if not (isinstance(a, tuple | list) and len(a) == 3 and isinstance(a[0], str)):
        raise ParameterError(f"{which}={brief(a)} must be a tuple (name, lo, hi), e.g. "
                             "('g_h', 0.5, 4.0)")
    name = check_parameter_name(model, which, a[0])
    lo = check_float(f"{which}[1]", a[1])
    hi = check_float(f"{which}[2]", a[2], lo=lo, lo_open=True)
    model.resolve({name: lo})
    model.resolve({name: hi})
    return name, lo, hi


def _branch_guess(model: Model, p: dict, kind: str) -> float:
    """A first variance to start a branch line from, where ``q1`` is not given: from the
    fixed-point branches at the start point, the non-zero branch whose stability is
    closest to 1 (for a saddle-node the mean of the two closest non-zero branches)."""
    from .fixed_points import fixed_point_branches

    br = [b for b in fixed_point_branches(model, params=p, throw=False).branches
          if not b.zero]
    if not br:
        raise ParameterError(f"kind={kind!r}: no non-zero fixed-point branch at the start "
                             f"point {p}; give q1 (the branch's first variance) or a start "
                             "closer to the line")
    q = [next(iter(b.field_variance.values())) for b in br]
    if kind == "saddle_node" and len(q) >= 2:
        pairs = sorted(zip(q, q[1:]), key=lambda ab: abs(ab[1] - ab[0]))
        return 0.5 * (pairs[0][0] + pairs[0][1])
    return q[int(np.argmin([abs(b.stability - 1.0) for b in br]))]


def transition_line(model: str | Model, kind: str, *, x: tuple, y: tuple, start: dict,
                    params: dict | None = None, q1: float | None = None, step: float = 0.02,
                    max_steps: int = 600, nodes: int = 321) -> Line:
    """Continue a transition line of ``kind`` in the plane ``x = (name, lo, hi)``,
    ``y = (name, lo, hi)`` from the point ``start`` (``{x_name: .., y_name: ..}``, close
    to the line; ``q1`` close to the branch's first variance for the branch lines).

    ``kind`` is one of ``"zero_instability"``, ``"saddle_node"``, ``"branch_stability"``.
    Where ``q1`` is not given for a branch line it is taken from the fixed-point branches
    at ``start``: the non-zero branch whose stability is closest to 1 (for a saddle-node,
    the mean of the two closest non-zero branches). ``step`` (in (0, 0.5]) is the arc
    length of a continuation step in units of the box.
    """
    model = get_model(model)
    base = model.resolve(params)
    # checked here (a probe, 2026-11-28: the documented default q1=None was a TypeError
    # from numpy's log, step=0 "succeeded" with one point, and a bad axis, kind or nodes
    # gave KeyError, ValueError or ZeroDivisionError)
    kind = check_choice("kind", kind, LINE_KINDS)
    (xn, x_lo, x_hi), (yn, y_lo, y_hi) = (_axis(model, name, a) for name, a in (("x", x),
                                                                                  ("y", y)))
    if xn == yn:
        raise ParameterError(f"x and y are both {xn!r}: a line needs two parameters")
    if not (isinstance(start, Mapping) and {xn, yn} <= set(start)):
        raise ParameterError(f"start={brief(start)} must be a dict giving {xn!r} and "
                             f"{yn!r}: a point close to the line")
    start = {xn: check_float(f"start[{xn!r}]", start[xn], lo=x_lo, hi=x_hi),
             yn: check_float(f"start[{yn!r}]", start[yn], lo=y_lo, hi=y_hi)}
    step = check_float("step", step, lo=0.0, hi=0.5, lo_open=True)
    max_steps = check_int("max_steps", max_steps, lo=1, hi=1_000_000)
    nodes = check_int("nodes", nodes, lo=3, hi=100_000)
    if kind != "zero_instability":
        if q1 is None:
            q1 = _branch_guess(model, {**base, **start}, kind)
        q1 = check_float("q1", q1, lo=0.0, lo_open=True)
    th = Theory(model, nodes)
    # scale the unknowns to the box so one step length fits both axes
    sx, sy = x_hi - x_lo, y_hi - y_lo

    def P(u):
        p = dict(base)
        p[xn] = x_lo + sx * u[-2]
        p[yn] = y_lo + sy * u[-1]
        return p

    def R(logq, p):
        q = np.array([np.exp(logq)])
        _, F1 = _rest(th, q, p, nodes)
        return float(F1[0] - q[0])

    def rho_at(logq, p):
        q, _ = _rest(th, np.array([np.exp(logq)]), p, nodes)
        return float(th.rho(np.zeros(1), q, p)[0])

    if kind == "zero_instability":
        def H(u):
            p = P(u)
            q0 = [np.zeros(1)] * th.m
            return np.array([float(th.rho(np.zeros(1), q0, p)[0]) - 1.0])
        u0 = np.array([(start[xn] - x_lo) / sx, (start[yn] - y_lo) / sy])
    elif kind == "saddle_node":
        def H(u):
            p = P(u)
            d = 1e-5
            return np.array([R(u[0], p), (R(u[0] + d, p) - R(u[0] - d, p)) / (2 * d)])
        u0 = np.array([np.log(q1), (start[xn] - x_lo) / sx, (start[yn] - y_lo) / sy])
    elif kind == "branch_stability":
        def H(u):
            p = P(u)
            return np.array([R(u[0], p), rho_at(u[0], p) - 1.0])
        u0 = np.array([np.log(q1), (start[xn] - x_lo) / sx, (start[yn] - y_lo) / sy])
    else:  # pragma: no cover  (checked above)
        raise AssertionError(kind)

    # first correct the start point onto the line (Newton on H, minimal-norm steps)
    u = u0.copy()
    for _ in range(30):
        with np.errstate(all="ignore"):
            F = H(u)
        if np.linalg.norm(F) < 1e-11:
            break
        J = _jac(H, u)
        if not _finite(F, J):
            F = np.full_like(F, np.inf)  # the iterate left the region of finite values
            break
        u = u - np.linalg.lstsq(J, F, rcond=None)[0]
    if not np.linalg.norm(F) < 1e-11:
        near = ", ".join(f"{k}={float(v):.4g}" for k, v in start.items()) if isinstance(
            start, dict) else start
        raise ConvergenceError(f"no point of the line near {near} "
                               f"(residual {np.linalg.norm(F):.3g})")
    lo = np.full(len(u), -np.inf)
    hi = np.full(len(u), np.inf)
    lo[-2:], hi[-2:] = 0.0, 1.0
    if len(u) == 3:
        lo[0], hi[0] = np.log(1e-10), np.log(10.0)
    halves, msgs = [], []
    J0 = _jac(H, u)
    if not _finite(J0):
        raise ConvergenceError("the line's equations are not finite beside its start point")
    for sign in (1, -1):
        t0 = _tangent(J0) * sign
        pts, msg = continue_curve(H, u, step=step, max_steps=max_steps, box=(lo, hi),
                                  direction=t0)
        halves.append(pts)
        msgs.append(msg)
    pts = np.vstack([halves[1][::-1], halves[0][1:]])
    xy = np.column_stack([x_lo + sx * pts[:, -2], y_lo + sy * pts[:, -1]])
    out = pts.copy()
    out[:, -2:] = xy
    if len(u) == 3:
        out[:, 0] = np.exp(out[:, 0])
    names = (("q_1",) if len(u) == 3 else ()) + (xn, yn)
    return Line(kind, names, out, True, "; ".join(msgs))
