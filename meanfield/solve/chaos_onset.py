r"""Onset of chaos from the stationary DMFT, by natural-parameter continuation (spec 4, 6).

The time-dependent (chaotic) solution of the DMFT is followed from a chaotic value
``start`` of one parameter toward ``stop``. Each solve of :func:`~meanfield.solve.dmft.dmft`
is warm-started (``initial=``) from a secant prediction of the correlation functions
through the last two solutions; when a solve fails (no convergence) or lands on a fixed
point (``chaotic`` False) the step is halved and retried from the last chaotic solution,
until the step is below ``min_step``. The onset is bracketed by the last chaotic value
and the nearest value where the chaotic solution was lost.

How the existence boundary is found, and the limits of the method
-----------------------------------------------------------------
The DMFT is solved by (Anderson-accelerated, damped) iteration of the self-consistency
map, not by Newton's method on the correlation functions, so the continuation can follow
only the branch that this iteration finds from the warm start:

* **Continuous transition** (the fluctuating part :math:`F = C_h(0) - C_h(\infty)`
  goes to zero at the onset, e.g. the additive network at gain 1): the chaotic branch
  merges with the fixed point, the bracket closes on the onset and :math:`F` at the last
  chaotic point goes to zero with the step. Near it the iteration slows down (the map's
  leading multiplier tends to 1) and the correlation time diverges, so ``tau_max`` and
  ``max_iter`` limit how close the continuation gets: with ``tau_max`` shorter than a
  few correlation times the solution is that of a finite window of lags. The lag grid
  itself moves the onset slightly: the discretised Green's function of a unit relaxing at
  rate ``a`` has :math:`\hat G(0)` larger by :math:`(a\,\Delta\tau)^2/12`, so an onset
  at gain 1 is found at :math:`1 - (a\,\Delta\tau)^2/24` (0.17 % for ``dtau`` = 0.2).
* **Discontinuous transition** (the chaotic branch ends in a fold, where it meets an
  unstable time-dependent solution, while the fixed point is stable): natural
  continuation cannot pass the fold, and the halving steps converge on it from the
  chaotic side. Just before the fold the iteration's leading multiplier tends to 1 and
  plain iteration may fall onto the (stable) fixed point *before* the fold, so the
  bracket's upper end (the last chaotic value) is a guaranteed point of existence of the
  chaotic solution, while the fold itself may lie a little beyond it; ``fold_estimate``
  extrapolates it from the generic fold shape :math:`x - x_f \propto (F - F_f)^2`
  (a parabola through the last three branch points). The unstable time-dependent branch
  is not computed (it would need Newton or pseudo-arclength continuation on the full
  correlation functions).

Classification (stated criterion). Let :math:`x_{fp}` be where the zero fixed point loses
stability in the static theory (:math:`\rho(M(0)) = 1`, spec section 3), :math:`w` the
final bracket width and :math:`t = \max(2w, 0.01\,|x_{fp}|)` (the bracket plus the
lag-grid shift of the onset):

1. *discontinuous* when the last chaotic value lies where the zero fixed point is
   **stable**, farther than :math:`t` from :math:`x_{fp}`: a chaotic solution with a
   finite fluctuating part coexists with a stable fixed point (bistability), so the
   chaotic solution cannot have branched off that fixed point continuously. The jump is
   :math:`F` and :math:`C_h(0)` at the last chaotic point (an upper bound of the jump at
   the fold; ``fold_jump`` is the extrapolation).
2. *continuous* when the onset agrees with :math:`x_{fp}` within :math:`t`: the chaotic
   solution branches off the fixed point where it becomes unstable (linearising the DMFT
   about a fixed point with vanishing fluctuations gives the static stability condition).
   The local exponent :math:`\gamma` below is reported as a check (1 for the additive
   network).
3. otherwise (no zero fixed point, e.g. ``beta_h != 0``, or the solution lost elsewhere)
   by the local exponent :math:`\gamma`: the least-squares slope of :math:`\log F`
   against :math:`\log |x_i - x_c|` (:math:`x_c` the bracket's middle) over the up to four
   branch points nearest the onset with :math:`|x_i - x_c| \ge w`; continuous when
   :math:`\gamma \ge` ``gamma_min`` (0.3; a power law vanishing at the onset), else
   discontinuous (:math:`F` flattens toward a finite jump). With fewer than three usable
   points the transition is ``"undetermined"``.

A continuous-looking loss away from :math:`x_{fp}` (case 3) at a slow solution, its
correlation time above a tenth of ``tau_max`` (the rule by which ``dmft`` calls a window
too short), is what a truncated lag window produces: the solution's undecayed tail is read
as a static part, its fluctuating part shrinks and the branch ends early (gated,
``alpha_r = 0``, ``tau_max = 60``: lost at g_h = 2.206 with tau_corr 29.5, where the
onset is 2; ``tau_max = 100``, ``dtau = 1``: 1.991). Nor is a case-3 branch that ended
in a solve that ran out of ``max_iter`` (critical slowing: the additive network at
``tau_max = 200`` stopped at g = 1.0105 and looked discontinuous). Such results are not a
success; the message says what to raise.

Only the Gaussian DMFT (every state variable a linear filter; the gated model at
``alpha_z = 0``) is supported: the sampled solver for ``alpha_z > 0`` is too slow and too
noisy to bracket an onset by repeated solves. The continuous onset from the zero fixed
point does not depend on alpha_z (at vanishing fluctuations z -> 0 and s_z -> s_z(0) only
rescales time), but the fold of a discontinuous transition may; that is not computed here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._repr import short_repr
from .._checks import check_float, check_int, is_integer, is_real
from .._errors import ConvergenceError, MeanfieldError, ParameterError
from ..models import Model, get_model
from .dmft import WINDOW_CORRELATION_FRACTION, DMFTResult, dmft

__all__ = ["ChaosOnsetResult", "chaos_onset", "zero_instability"]


@dataclass(frozen=True)
class ChaosOnsetResult:
    """The onset of the chaotic DMFT solution along one parameter.

    Attributes
    ----------
    model, vary : str
        Model name and the varied parameter.
    params : dict
        The other parameters (and ``vary`` at ``start``).
    onset : float
        Middle of the bracket ``(last_chaotic, first_nonchaotic)``; ``nan`` if no
        onset was found between ``start`` and ``stop``.
    onset_error : float
        Half the bracket width.
    last_chaotic, first_nonchaotic : float
        The bracket: the last value with a chaotic solution and the nearest value
        beyond it where the continuation lost it (``nan`` if none).
    lost_by : str
        How the solution was lost at ``first_nonchaotic``: ``"fixed point"`` (the
        iteration converged to a time-independent solution) or ``"no convergence"``.
    jump : float
        Fluctuating part :math:`C_h(0) - C_h(\\infty)` at ``last_chaotic``.
    jump_delta_0 : float
        :math:`C_h(0)` at ``last_chaotic``.
    transition : str
        ``"continuous"``, ``"discontinuous"`` or ``"undetermined"`` (criterion in the
        module docstring).
    exponent : float
        Local exponent :math:`\\gamma` of :math:`F \\propto |x - x_c|^\\gamma` near the onset.
    fold_estimate, fold_jump : float
        Discontinuous case: the fold and the fluctuating part there, extrapolated from
        the last three points (``nan`` otherwise or when the extrapolation is not a fold).
    fixed_point_instability : float
        Where the zero fixed point loses stability (static theory, rho(M(0)) = 1) between
        ``stop`` and ``start`` or beyond ``start`` by up to twice that range; ``nan`` if
        there is no zero fixed point or no crossing there.
    branch : dict of str to ndarray
        ``value``, ``delta_0``, ``delta_inf``, ``fluctuation``, ``lyapunov_max``,
        ``tau_corr`` at every chaotic solution, in continuation order.
    success : bool
        An onset was bracketed to ``min_step`` (or better) and classified, and not a loss
        that the lag window explains (module docstring).
    message : str
    solves : int
        DMFT solves in all (failed ones included).
    """

    __repr__ = short_repr

    model: str
    vary: str
    params: dict
    onset: float
    onset_error: float
    last_chaotic: float
    first_nonchaotic: float
    lost_by: str
    jump: float
    jump_delta_0: float
    transition: str
    exponent: float
    fold_estimate: float
    fold_jump: float
    fixed_point_instability: float
    branch: dict
    success: bool
    message: str
    solves: int
    options: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        def num(v):
            v = float(v)
            return None if not math.isfinite(v) else v

        return {"model": self.model, "vary": self.vary, "params": dict(self.params),
                "onset": num(self.onset), "onset_error": num(self.onset_error),
                "last_chaotic": num(self.last_chaotic),
                "first_nonchaotic": num(self.first_nonchaotic), "lost_by": self.lost_by,
                "jump": num(self.jump), "jump_delta_0": num(self.jump_delta_0),
                "transition": self.transition, "exponent": num(self.exponent),
                "fold_estimate": num(self.fold_estimate), "fold_jump": num(self.fold_jump),
                "fixed_point_instability": num(self.fixed_point_instability),
                "branch": {k: [num(x) for x in v] for k, v in self.branch.items()},
                "success": self.success, "message": self.message, "solves": self.solves,
                "options": dict(self.options)}


def _zero_stability(model, vary, params, nodes=161):
    """x -> rho(M(0)) - 1 at the zero fixed point (nan where there is none)."""
    from ._theory import Theory
    from .fixed_points import _rest

    model = get_model(model)
    base = model.resolve(params)
    th = Theory(model, nodes)

    def f(x):
        p = dict(base)
        p[vary] = float(x)
        q0 = [np.zeros(1)] * th.m
        _, F1 = _rest(th, np.zeros(1), p, nodes)
        if abs(float(F1[0])) > 1e-12:  # no zero fixed point (e.g. beta_h != 0)
            return float("nan")
        return float(th.rho(np.zeros(1), q0, p)[0]) - 1.0

    return f


def zero_instability(model: str | Model, vary: str, lo: float, hi: float, *,
                     params: dict | None = None, grid: int = 41, nodes: int = 161) -> float:
    """Where the zero fixed point loses stability (rho(M(0)) = 1, static theory) on [lo, hi].

    ``nan`` when the model has no zero fixed point there or rho - 1 does not change sign.
    """
    from scipy.optimize import brentq

    # (vary='xx' returned nan silently, nodes=0 divided by zero; a probe, 2026-11-28)
    model = get_model(model)
    if not (isinstance(vary, str) and vary in model.parameter_names):
        raise ParameterError(f"vary={vary!r} is not a parameter of model {model.name!r}; its "
                             f"parameters are {', '.join(model.parameter_names)}")
    lo = check_float("lo", lo)
    hi = check_float("hi", hi, lo=lo, lo_open=True)
    grid = check_int("grid", grid, lo=2, hi=100_000)
    nodes = check_int("nodes", nodes, lo=3, hi=100_000)
    f = _zero_stability(model, vary, params, nodes)
    xs = np.linspace(lo, hi, grid)
    vals = np.array([f(x) for x in xs])
    for i in range(grid - 1):
        a, b = vals[i], vals[i + 1]
        if np.isfinite(a) and np.isfinite(b) and a * b <= 0:
            if a == 0:
                return float(xs[i])
            return float(brentq(f, xs[i], xs[i + 1], xtol=1e-12))
    return float("nan")


def _check_number(name, v, *, positive=False):
    if not is_real(v):
        raise ParameterError(f"{name}={v!r} must be a number")
    v = float(v)
    if not math.isfinite(v):
        raise ParameterError(f"{name}={v!r} must be finite")
    if positive and v <= 0:
        raise ParameterError(f"{name}={v!r} must be > 0")
    return v


def _local_exponent(x, F, xc, width):
    """Slope of log F against log |x - xc| over up to 4 points nearest xc with d >= width."""
    x, F = np.asarray(x), np.asarray(F)
    d = np.abs(x - xc)
    ok = (d >= width) & (F > 0)
    idx = np.nonzero(ok)[0]
    if len(idx) < 3:
        return float("nan")
    idx = idx[np.argsort(d[idx])][:4]
    if np.ptp(np.log(d[idx])) < 0.3:  # the points span too short a range of distances
        return float("nan")
    slope, _ = np.polyfit(np.log(d[idx]), np.log(F[idx]), 1)
    return float(slope)


def _fold_estimate(x, F, xc_side):
    """(x, F) at the vertex of the parabola x(F) through the last three points, if a fold.

    ``xc_side`` is +1 when the continuation moved toward larger x. The vertex must lie
    beyond the last point in the continuation direction and F there must be positive.
    """
    nan = (float("nan"), float("nan"))
    if len(x) < 3:
        return nan
    xs, Fs = np.asarray(x[-3:]), np.asarray(F[-3:])
    if len(set(np.round(Fs, 15))) < 3:
        return nan
    a, b, c = np.polyfit(Fs, xs, 2)
    if a == 0:
        return nan
    Fv = -b / (2 * a)
    xv = c - b * b / (4 * a)
    # a fold toward the continuation direction: x(F) has an extremum beyond the last x,
    # at a positive fluctuating part not far below the last one
    if Fv <= 0 or (xv - xs[-1]) * xc_side < 0 or not (0.3 * Fs[-1] < Fv <= Fs[-1]):
        return nan
    return float(xv), float(Fv)


def chaos_onset(model: str | Model = "gated", *, vary: str = "g_h", start: float,
                stop: float, params: dict | None = None, step: float | None = None,
                min_step: float | None = None, max_solves: int = 200,
                tau_max: float = 60.0, dtau: float = 0.2, nodes: int = 64,
                tol: float = 1e-8, max_iter: int = 3000, damping: float | None = None,
                lyapunov: bool = True, gamma_min: float = 0.3,
                progress: Callable | None = None, **kwargs: float) -> ChaosOnsetResult:
    """Continue the chaotic DMFT solution in ``vary`` from ``start`` toward ``stop``.

    Parameters
    ----------
    model : str or Model
        A model in the Gaussian DMFT case (the gated model with ``alpha_z = 0``).
    vary : str
        The parameter varied (a parameter of the model).
    start, stop : float
        The continuation starts at ``start``, where the DMFT must have a chaotic
        solution, and moves toward ``stop``; both inside the parameter's domain.
    params : dict, optional
        The other parameters (keyword arguments are added). ``vary`` may not be given
        here.
    step : float
        First step (default ``|stop - start| / 10``); must be > 0.
    min_step : float
        Stop halving below this (default ``|stop - start| / 1000``); 0 < min_step <= step.
    max_solves : int
        Limit on DMFT solves in all (>= 2).
    tau_max, dtau, nodes, tol, max_iter, damping :
        Passed to :func:`~meanfield.solve.dmft.dmft` (Gaussian method). The defaults
        are a coarser lag grid than ``dmft``'s (dtau 0.2: the onset moves by about
        (a dtau)^2 / 24, see the module docstring).
    lyapunov : bool
        Also compute lambda_max at each chaotic solution (tangent equations).
    gamma_min : float
        Continuous when the local exponent of the fluctuating part is at least this
        (0 < gamma_min).
    progress : callable, optional
        Called after every solve as ``progress(value, result_or_None)``.

    Returns
    -------
    ChaosOnsetResult

    Raises
    ------
    ParameterError
        Bad arguments, or a model/parameters outside the Gaussian DMFT case.
    """
    model = get_model(model)
    given = dict(params or {})
    given.update(kwargs)
    if not isinstance(vary, str):
        raise ParameterError(f"vary={vary!r} must be a parameter name")
    model.parameter(vary)  # ParameterError naming the model's parameters
    if vary in given:
        raise ParameterError(f"{vary} is the varied parameter; give its range as "
                             f"start/stop, not as a parameter value")
    start = _check_number("start", start)
    stop = _check_number("stop", stop)
    if start == stop:
        raise ParameterError(f"start={start:g} and stop={stop:g} must differ")
    span = abs(stop - start)
    step = span / 10 if step is None else _check_number("step", step, positive=True)
    min_step = (span / 1000 if min_step is None
                else _check_number("min_step", min_step, positive=True))
    if min_step > step:
        raise ParameterError(f"min_step={min_step:g} must be <= step={step:g}")
    if not (is_integer(max_solves) and max_solves >= 2):
        raise ParameterError(f"max_solves={max_solves!r} must be an integer >= 2")
    gamma_min = _check_number("gamma_min", gamma_min, positive=True)
    if progress is not None and not callable(progress):
        raise ParameterError(f"progress must be callable or None, not "
                             f"{type(progress).__name__}")
    for name, v in (("tau_max", tau_max), ("dtau", dtau), ("tol", tol)):
        _check_number(name, v, positive=True)
    if not (is_integer(nodes) and nodes >= 8):
        raise ParameterError(f"nodes={nodes!r} must be an integer >= 8")
    if not (is_integer(max_iter) and max_iter >= 1):
        raise ParameterError(f"max_iter={max_iter!r} must be an integer >= 1")
    # both ends inside the parameter's domain (ParameterDomainError names the range)
    model.resolve({**given, vary: start})
    base = model.resolve({**given, vary: stop})
    direction = 1.0 if stop > start else -1.0
    opts = dict(tau_max=tau_max, dtau=dtau, nodes=nodes, tol=tol, max_iter=max_iter,
                damping=damping, lyapunov=lyapunov)

    solves = 0

    def solve(x, initial):
        nonlocal solves
        solves += 1
        p = dict(base)
        p[vary] = float(x)
        try:
            r = dmft(model, params=p, method="gaussian", initial=initial, throw=False,
                     **opts)
        except ParameterError as exc:
            if "linear filter" in str(exc):
                raise ParameterError(
                    f"chaos_onset needs the Gaussian DMFT (every state variable a linear "
                    f"filter of one field; for the gated model alpha_z = 0): {exc}") from exc
            raise
        except (ConvergenceError, FloatingPointError):
            r = None
        if progress is not None:
            progress(float(x), r)
        return r

    first = solve(start, None)
    if first is None or not first.converged or not first.chaotic:
        why = ("did not converge" if first is None or not first.converged
               else f"is a fixed point (C_h(0) - C_h(inf) = "
                    f"{first.delta_0 - first.delta_inf:.3g})")
        # the solve's own reason, where it has one: tau_h = 1e-3 on the default lag grid
        # failed for the grid (a dtau = 200), and the start was blamed (a probe)
        said = "" if first is None else first.message
        hint = ("; " + said.split("; ", 1)[1]) if ("dtau" in said or "tau_max" in said) \
            and "; " in said else ""
        raise ParameterError(f"start: the DMFT solution at {vary}={start:g} {why}{hint}; "
                             f"start must be a value with a chaotic solution")

    pts: list[tuple[float, DMFTResult]] = [(start, first)]
    h = step
    lost_at, lost_by = float("nan"), ""
    reached_stop = False
    message = ""
    while True:
        if solves >= max_solves:
            message = f"stopped after max_solves={max_solves} solves"
            break
        x0, r0 = pts[-1]
        # bisection: never retry at or beyond the nearest value already lost
        while not math.isnan(lost_at) and (x0 + direction * h - lost_at) * direction >= -1e-9 * h:
            h /= 2
        if h < min_step:
            break
        x = x0 + direction * h
        if (x - stop) * direction >= 0:
            x = stop
        # secant predictor through the last two solutions (same lag grid)
        initial = r0
        if len(pts) >= 2:
            xp, rp = pts[-2]
            t = (x - x0) / (x0 - xp)
            C = {k: r0.C[k] + t * (r0.C[k] - rp.C[k]) for k in r0.C}
            if all(c[0] > 0 for c in C.values()):
                initial = dataclasses.replace(r0, C=C)
        r = solve(x, initial)
        if r is not None and r.converged and r.chaotic:
            pts.append((x, r))
            if x == stop:
                reached_stop = True
                break
            continue
        lost_at = x  # the nearest value lost so far (trials never pass it)
        if r is not None and r.converged and not r.chaotic:
            lost_by = "fixed point"
        elif r is not None and (not r.chaotic or (r.delta_0 - r.delta_inf)
                                < 0.1 * (r0.delta_0 - r0.delta_inf)):
            # max_iter ran out on the way to a fixed point (the fluctuating part has
            # collapsed below a tenth of the last chaotic one)
            lost_by = "fixed point (approached)"
        else:
            lost_by = "no convergence"
        h = abs(x - x0) / 2

    xs = np.array([p[0] for p in pts])
    d0 = np.array([p[1].delta_0 for p in pts])
    dinf = np.array([p[1].delta_inf for p in pts])
    F = d0 - dinf
    branch = {"value": xs, "delta_0": d0, "delta_inf": dinf, "fluctuation": F,
              "lyapunov_max": np.array([p[1].lyapunov_max for p in pts]),
              "tau_corr": np.array([p[1].tau_corr for p in pts])}
    try:
        zero_rho = _zero_stability(model, vary, base)
        # search beyond start too: the fixed point may lose stability outside the range
        lo, hi = min(start, stop), max(start, stop)
        ext = (lo, hi + 2 * span) if direction < 0 else (lo - 2 * span, hi)
        try:
            model.resolve({**base, vary: ext[0]})
            model.resolve({**base, vary: ext[1]})
        except ParameterError:
            ext = (lo, hi)
        x_fp = zero_instability(model, vary, *ext, params=base, grid=61)
    except MeanfieldError:
        x_fp = float("nan")
        zero_rho = lambda x: float("nan")  # noqa: E731
    last = xs[-1]
    success = False
    transition, gamma, fold, fold_F = "undetermined", float("nan"), float("nan"), float("nan")
    if reached_stop:
        onset, err = float("nan"), float("nan")
        message = (f"the solution stays chaotic from {vary}={start:g} to {stop:g}: no "
                   f"onset in this range")
        lost_at, lost_by = float("nan"), ""
    elif math.isnan(lost_at):
        onset, err = float("nan"), float("nan")
        message = message or "no onset bracketed"
    else:
        onset, err = 0.5 * (last + lost_at), 0.5 * abs(lost_at - last)
        width = abs(lost_at - last)
        gamma = _local_exponent(xs, F, onset, width)
        # the fixed point's own instability decides first (module docstring)
        tol_x = max(2 * width, 0.01 * abs(x_fp)) if math.isfinite(x_fp) else float("nan")
        rho_last = zero_rho(last)
        coincides = math.isfinite(x_fp) and abs(onset - x_fp) <= tol_x
        by_exponent = False
        if rho_last < 0 and (not math.isfinite(x_fp) or abs(last - x_fp) > tol_x):
            transition = "discontinuous"
            why = (f"chaos coexists with the stable zero fixed point from {vary}="
                   f"{last:.6g} to its instability at {x_fp:.6g}" if math.isfinite(x_fp)
                   else f"chaos coexists with the stable zero fixed point at {vary}="
                        f"{last:.6g}")
        elif coincides:
            transition = "continuous"
            why = (f"the onset coincides with the zero fixed point's instability at "
                   f"{x_fp:.6g} within {tol_x:.2g}; local exponent {gamma:.3g}")
        elif math.isfinite(gamma):
            by_exponent = True
            transition = "continuous" if gamma >= gamma_min else "discontinuous"
            why = f"local exponent {gamma:.3g}, criterion >= {gamma_min:g}"
        if transition == "discontinuous":
            fold, fold_F = _fold_estimate(xs, F, direction)
        bracketed = width <= 2 * min_step + 1e-12 * max(1.0, abs(onset))
        # Case 3 is judged from the branch alone, so the branch must have ended for a
        # reason of the dynamics (module docstring): not at a solution slow against the
        # lag window (a continuous-looking loss), not at a solve that ran out of
        # iterations (additive, tau_max = 200: lost at g = 1.0105 to max_iter, with
        # tau_corr 86, and called discontinuous)
        tc_last = float(branch["tau_corr"][-1])
        window_limited = (by_exponent and transition == "continuous"
                          and math.isfinite(tc_last) and tc_last > 0.1 * tau_max)
        # and a discontinuous branch whose last point is slower than the DMFT's own window
        # rule, or that was lost to the solver: tau_r = 1e3 put a "discontinuous" onset at 1.659
        # with tau_corr 29.8 of tau_max 60, where the point is a fixed point on a longer
        # window; max_iter = 150 lost the alpha_r = 20 branch at 1.7625 (it reaches
        # 1.7588), both success (a probe, 2026-11-28)
        # (a continuous onset at the zero fixed point's instability is placed by that
        # instability, where the correlation time diverges by nature: not these)
        cut = transition == "discontinuous"
        window_limited = window_limited or (cut and math.isfinite(tc_last)
                                            and tc_last > WINDOW_CORRELATION_FRACTION * tau_max)
        solver_limited = (by_exponent or cut) and lost_by == "no convergence"
        success = (bracketed and transition != "undetermined" and not window_limited
                   and not solver_limited)
        parts = [f"chaotic solution lost between {vary}={last:.6g} and {lost_at:.6g} "
                 f"({lost_by})"]
        if not bracketed:
            parts.append(message or "bracket wider than 2 min_step")
        if transition == "undetermined":
            parts.append("too few branch points near the onset to classify the transition")
        else:
            parts.append(f"{transition} ({why}); fluctuating part at the last chaotic "
                         f"point {F[-1]:.4g}")
        if math.isfinite(fold):
            parts.append(f"fold extrapolated to {vary}={fold:.6g} with fluctuating part "
                         f"{fold_F:.3g}")
        if window_limited:
            parts.append(f"not an onset: the correlation time at the last chaotic point "
                         f"({tc_last:.3g}) is not small against tau_max = {tau_max:g}, and a "
                         f"lag window that short ends a branch early (its undecayed tail "
                         f"counts as static); raise tau_max")
        if solver_limited:
            parts.append("not an onset: the branch ended in a solve that ran out of "
                         "iterations (not at a fixed point), so where the chaotic solution "
                         "ends rests on the solver; raise max_iter (and tau_max)")
        elif lost_by == "no convergence":
            parts.append("the last failure was a non-converged solve (not a fixed point): "
                         "try a larger max_iter or tau_max")
        message = "; ".join(parts)
    return ChaosOnsetResult(
        # the fixed parameters (the varied one's range is in options; it was listed at its
        # start value, as if fixed; found by a probe, 2026-11-28)
        model=model.name, vary=vary, params={k: v for k, v in base.items() if k != vary},
        onset=onset,
        onset_error=err, last_chaotic=float(last), first_nonchaotic=float(lost_at),
        lost_by=lost_by, jump=float(F[-1]), jump_delta_0=float(d0[-1]),
        transition=transition, exponent=gamma, fold_estimate=fold, fold_jump=fold_F,
        fixed_point_instability=x_fp, branch=branch, success=success, message=message,
        solves=solves, options={"start": float(start), "stop": float(stop), "step": step,
                                "min_step": min_step, "tau_max": tau_max,
                                "dtau": dtau, "nodes": nodes, "tol": tol,
                                "max_iter": max_iter, "max_solves": max_solves,
                                "damping": damping, "lyapunov": lyapunov,
                                "gamma_min": gamma_min})
