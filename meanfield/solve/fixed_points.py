r"""Every branch of fixed points of the static mean-field equations (spec section 2).

The variance equations :math:`q = F(q)` are reduced to one equation in the
variance :math:`q_1` of the first field (that of the first state variable):
for fixed :math:`q_1` the other variances are found by iterating
:math:`q_{f>1} \leftarrow F_{f>1}(q)` (exact after one step when, as in the gated
family, they depend on :math:`q_1` only). The residual
:math:`R(q_1) = F_1(q) - q_1` is evaluated on a dense logarithmic grid of
:math:`q_1`, every sign change is bracketed and refined by Brent's method. Pairs
born in a saddle-node are therefore found as two roots, and a near-tangency
(a local minimum of :math:`|R|` that does not change sign) is refined and
reported when it touches zero within tolerance.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .._checks import check_bool, check_float, check_int
from .._errors import ConvergenceError, ParameterError
from ..codegen.quadrature import QuadratureRule, Trapezoid
from ..models import Model, get_model
from ._theory import Theory
from .result import Branch, FixedPointBranches
from .spectrum import edge_of

__all__ = ["fixed_point_branches", "residual_curve"]


def _rest(theory: Theory, q1, params, K, iters=200, tol=1e-13, dtype=np.float64):
    """The other variances given q1 (vectorised over q1); ``dtype``: see Theory.variance_map."""
    m = theory.m
    q1 = np.asarray(q1, dtype=dtype)
    # scalar placeholders for the unknown variances: averages over them then cost one
    # evaluation per parameter point, not one per value of q1 (they are discarded)
    q = [q1] + [dtype(0.5) for _ in range(m - 1)]
    if theory.closed_rest():  # F_2..F_m depend on q_1 only: one evaluation is exact
        new = theory.variance_map(q, params, K, dtype)
        q = [q1] + [new[f] for f in range(1, m)]
        if set(theory.module.VARIANCE_DEPENDS[0]) <= {0}:
            return q, new[0]
        return q, theory.variance_map(q, params, K, dtype)[0]
    if dtype is not np.float64:
        tol = max(tol, 1e-6)
    for _ in range(iters):
        new = theory.variance_map(q, params, K, dtype)
        change = max((float(np.max(np.abs(new[f] - q[f]))) for f in range(1, m)), default=0.0)
        q = [q1] + [new[f] for f in range(1, m)]
        if change < tol:
            return q, new[0]
    raise ConvergenceError(f"the variances of the other fields did not converge for fixed "
                           f"q_1 (last change {change:.3g})")


def residual_curve(model, q1, *, params=None, nodes: int = 161, **kwargs):
    """R(q_1) = F_1(q) - q_1 on an array of q_1 (for plots and diagnostics)."""
    model = get_model(model)
    params = model.resolve(params, **kwargs)
    th = Theory(model, nodes)
    _, F1 = _rest(th, q1, params, nodes)
    return F1 - np.asarray(q1)


def fixed_point_branches(model: str | Model = "gated", *, params: dict | None = None,
                         q_max: float = 10.0, grid: int = 4000, tol: float = 1e-12,
                         quadrature: QuadratureRule | None = None, throw: bool = True,
                         **kwargs) -> FixedPointBranches:
    """Every solution of the variance equations of ``model``, ordered by variance of h.

    Parameters
    ----------
    model : str, Path or Model
    params : dict, optional
        Parameter values (checked against their domains); keyword arguments are added.
    q_max : float
        Largest variance of the first field searched.
    grid : int
        Points of the logarithmic scan in (1e-10 q_max, q_max].
    tol : float
        Absolute tolerance on the variances.
    quadrature : QuadratureRule, optional
        Rule and accuracy of the Gaussian averages (default ``Trapezoid(rtol=1e-10)``).
    throw : bool
        Raise :class:`ConvergenceError` if a root cannot be refined to ``tol``.

    Returns
    -------
    FixedPointBranches
    """
    model = get_model(model)
    params = model.resolve(params, **kwargs)
    # (np.int64 grids were refused, a string q_max was a TypeError from math.isfinite, and
    # grid = 1e9 a MemoryError from numpy; a probe, 2026-11-28)
    grid = check_int("grid", grid, lo=10, hi=10_000_000)
    q_max = check_float("q_max", q_max, lo=0.0, lo_open=True)
    tol = check_float("tol", tol, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    throw = check_bool("throw", throw)
    if quadrature is not None and not isinstance(quadrature, QuadratureRule):
        raise ParameterError(f"quadrature={quadrature!r} must be a QuadratureRule "
                             "(e.g. meanfield.codegen.quadrature.Trapezoid(rtol=1e-10))")
    try:
        with np.errstate(over="raise"):
            return _branches(model, params, q_max, grid, tol, quadrature, throw)
    except (OverflowError, FloatingPointError):
        big = ", ".join(f"{k}={v:g}" for k, v in params.items() if abs(v) > 1e6)
        raise ParameterError(f"the static theory overflows double precision at {big or params}"
                             "; no fixed points can be computed there") from None


def _branches(model, params, q_max, grid, tol, quadrature, throw):
    rule = quadrature or Trapezoid()
    # (a non-finite average is refused below with its cause, not warned about here)
    with np.errstate(invalid="ignore", divide="ignore"):
        K, qerr, met = Theory(model, rule=rule).choose_nodes(q_max, params)
        th = Theory(model, K, rule)
        roots: list[float] = []
        _, F1_zero = _rest(th, np.array([0.0]), params, K)
    has_zero = abs(float(F1_zero[0])) < 1e-14
    q1 = np.geomspace(1e-10 * q_max, q_max, grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        _, F1 = _rest(th, q1, params, K)
    R = F1 - q1
    if not (np.all(np.isfinite(R)) and np.isfinite(F1_zero[0]) and np.isfinite(qerr)):
        # phi = log(x) or 1/x: NaN from the Gaussian averages, and the scan found no sign
        # change: "0 branches", success (a probe, 2026-11-28)
        bad = q1[~np.isfinite(R)]
        where = f"q_1={bad[0]:.3g}" if len(bad) else "q_1=0"
        raise ConvergenceError(f"the variance map of model {model.name!r} is not finite at "
                               f"{where}: a function of the model is not real and finite "
                               "for every value of its Gaussian field (e.g. log(x), 1/x, "
                               "sqrt(x)), so no fixed point can be computed")

    def residual(x):
        _, F = _rest(th, np.array([x]), params, K)
        return float(F[0] - x)

    messages = [] if met else [f"quadrature did not reach rtol={rule.rtol:g} with {K} nodes "
                               f"(error estimate {qerr:.2g})"]
    sign = np.sign(R)
    unconfirmed = False
    if not has_zero and F1_zero[0] > 0 and R[0] < 0:
        # R(0) = F(0) > 0 and R < 0 at the scan's first point: a root below its floor
        # (additive, g_h = 0.5, beta_h = 1e-5: q = 1.3e-10 under 1e-10 q_max; it was
        # missed, "0 branches", success; a probe, 2026-11-28)
        roots.append(brentq(residual, 0.0, q1[0], xtol=min(tol * 1e-2, 1e-6 * q1[0]),
                            rtol=1e-15))
    for i in np.nonzero(sign[:-1] * sign[1:] < 0)[0]:
        try:
            roots.append(brentq(residual, q1[i], q1[i + 1], xtol=tol * 1e-2, rtol=1e-15))
        except ValueError:
            # the scalar residual does not confirm the grid's sign change (rounding of an
            # extreme parameter, e.g. g_h = 1e10): reported, not taken as a root
            messages.append(f"a sign change of the residual between q_1={q1[i]:.3g} and "
                            f"{q1[i + 1]:.3g} on the grid that the scalar residual does not "
                            "reproduce (rounding): no root taken there")
            unconfirmed = True
    # near-tangencies: local minima of |R| without a sign change
    a = np.abs(R)
    for i in np.nonzero((a[1:-1] < a[:-2]) & (a[1:-1] < a[2:]) & (sign[:-2] == sign[2:]))[0]:
        j = i + 1
        res = minimize_scalar(lambda x: abs(residual(x)), bounds=(q1[j - 1], q1[j + 1]),
                              method="bounded", options={"xatol": tol})
        if res.fun < tol:
            roots.append(float(res.x))
            messages.append(f"a double root (saddle-node) at q_1={res.x:.6g}")
    if R[-1] > 0:
        messages.append(f"residual still positive at q_max={q_max:g}: roots may lie beyond")

    branches = []
    success = not unconfirmed
    if not has_zero and not roots:
        # F(0) > 0 and F bounded: R changes sign somewhere, so a fixed point exists
        success = False
        messages.append("no fixed point found, though the variance map is positive at 0 "
                        "(one must exist where it is bounded): raise q_max or grid")
    if has_zero:
        branches.append(_branch(th, model, params, 0.0, K, zero=True))
    for r in sorted(roots):
        if has_zero and r < 1e-9 * q_max:
            continue
        b = _branch(th, model, params, r, K)
        if b.residual > max(tol, 1e-10):
            success = False
            messages.append(f"root at q_1={r:.6g} has residual {b.residual:.3g}")
        branches.append(b)
    branches.sort(key=lambda b: b.variance.get(model.variable_names[0], 0.0))
    notes, unresolved = _unresolved_stability(model, rule, K, params, branches)
    messages += notes
    branches = [dataclasses.replace(b, resolved=False, stability_change=unresolved[i])
                if i in unresolved else b for i, b in enumerate(branches)]
    message = "; ".join(messages) if messages else f"found {len(branches)} branch(es)"
    result = FixedPointBranches(model=model.name, params=params, branches=tuple(branches),
                                success=success, message=message, quadrature_nodes=K,
                                quadrature_error=qerr, quadrature_rule=type(rule).__name__,
                                options={"q_max": q_max, "grid": grid, "tol": tol})
    if throw and not success:
        raise ConvergenceError(f"fixed_point_branches: {message}")
    return result


def _unresolved_stability(model, rule, K, params, branches, rtol=1e-6
                          ) -> tuple[list[str], dict[int, float]]:
    """A note for each branch whose stability changes with the next finer rule (2K - 1).

    The rule is sized for the variance map, but the stability averages squared slopes:
    at alpha_r = 1e3 s_r' is a spike 1e-3 wide that 2561 nodes miss (rho(M(0)) = 21.7
    instead of 33.3 at g_h = 50, beta_h = -50, beta_r = 50), while the variances are
    right to 1e-3. Such a stability (and edge) is reported as not resolved.
    """
    fine = Theory(model, 2 * K - 1, rule)
    notes, unresolved = [], {}
    for i, b in enumerate(branches):
        q = [np.asarray(v) for v in b.field_variance.values()]
        s2 = float(fine.rho(np.array(0.0), q, params, 2 * K - 1))
        if not abs(s2 - b.stability) <= rtol * max(1.0, abs(s2)):
            v0 = model.variable_names[0]
            notes.append(f"stability and edge of the branch Delta_{v0}="
                         f"{b.variance.get(v0, 0.0):.4g} not resolved by the quadrature "
                         f"({b.stability:.6g} with {K} nodes, {s2:.6g} with {2 * K - 1})")
            unresolved[i] = abs(s2 - b.stability) / max(1.0, abs(s2))
    return notes, unresolved


def _branch(th: Theory, model, params, q1, K, zero=False) -> Branch:
    q, F1 = _rest(th, np.array([q1]), params, K)
    qv = [float(x[0]) for x in q]
    F = th.variance_map([np.array(v) for v in qv], params, K)
    residual = max(abs(float(F[f]) - qv[f]) for f in range(th.m))
    state_var = th.state_variance(qv, params, K)
    stability = float(th.rho(np.array(0.0), qv, params, K))
    edge, bulk, local = edge_of(th, qv, params, K)
    return Branch(variance=state_var,
                  field_variance=dict(zip(th.module.VARIANCES, qv)),
                  stability=stability, edge=edge, bulk_edge=bulk, local_edge=local,
                  # rho(M(0)) < 1 alone is not stability where rho is not monotone to
                  # the right of the rates (a zero of G: an adaptation current): the
                  # support then lies right of 0 with rho(M(0)) = 0.907 (a probe)
                  stable=stability < 1.0 and (bulk is None or bulk < 0) and local <= 0,
                  residual=residual, zero=zero)
