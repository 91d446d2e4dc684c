r"""Stationary dynamical mean-field theory in the Gaussian case (spec section 4).

For large N each unit sees fields :math:`\eta_f = \sum_j J^f_{ij} g_f(x_j)` that are
Gaussian processes, independent across coupling matrices, with self-consistent
correlations :math:`C_{\eta_f}(\tau) = \langle g_f(x(t))\, g_f(x(t+\tau))\rangle`.
When every state variable is a *linear filter* of one field,

.. math:: \dot x_k = -a_k x_k + b_k \eta_{f(k)} ,

with constant :math:`a_k, b_k` (the gated network at alpha_z = 0, where the update
gate is the constant :math:`s_z(0)`), every :math:`x_k` is Gaussian and

.. math:: (a_k^2 - \partial_\tau^2)\, C_k(\tau) = b_k^2\, C_{\eta_{f(k)}}(\tau),

i.e. :math:`C_k = G_k * C_\eta` with :math:`G_k(\tau) = b_k^2 e^{-a_k|\tau|}/(2a_k)`.
Both the linear-filter structure and the factorisation of each :math:`g_f` over
independent variables are *derived* from the model's unit equations here (SymPy);
a model or parameter set outside this case gets an error that says which variable
is not a linear filter (e.g. alpha_z > 0), and ``method="auto"`` then samples the
single-site process instead (:mod:`meanfield.solve.dmft_sampling`).

The stationary equations are solved on a grid of lags by damped iteration
:math:`C \leftarrow (1-\gamma) C + \gamma\, G * C_\eta[C]`: the convolution by FFT on
the symmetric extension of the grid, the two-time Gaussian averages
:math:`\langle g(x_1) g(x_2)\rangle` by a tensor trapezoid rule (x_1, x_2 jointly
Gaussian with variances C(0) and covariance C(tau)).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from .._repr import short_repr
from .._checks import check_bool, check_fits_in_memory, check_float, is_integer, is_real
from .._errors import ConvergenceError, MeanfieldError, ParameterError
from ..codegen.emit import emit_function
from ..codegen.load import load_source
from ..codegen.quadrature import trapezoid_nodes
from ..derive.unit import unit_dynamics
from ..models import Model, get_model
from ._probe import any_moved

__all__ = ["DMFTResult", "dmft"]


@dataclass(frozen=True)
class DMFTResult:
    """Self-consistent correlation functions of the single-site process.

    Attributes
    ----------
    tau : ndarray
        Lags 0, dtau, ..., tau_max.
    C : dict of str to ndarray
        Autocorrelation of each state variable, ``C[v][i] = <x_v(t) x_v(t + tau_i)>``.
    delta_0, delta_inf : float
        :math:`C_h(0)` (total variance) and :math:`C_h(\\infty)` (static part) of the first
        state variable (estimated by the last tenth of the grid).
    tau_corr : float
        Correlation time :math:`\\int_0^\\infty (C(\\tau) - C(\\infty))\\,d\\tau /
        (C(0) - C(\\infty))` of the first variable (``nan`` when not chaotic).
    chaotic : bool or None
        Whether the solution is time dependent: :math:`C(0) - C(\\infty)` above both
        1e-6 :math:`C(0)` and 1000 ``tol`` (sampling: 5 standard errors of that drop over
        the replicas, and 1e-12) (else it is a fixed point; a chaotic solution with a fluctuating
        variance below that is not resolved). None where a solve could not decide, and
        is then not converged: a sampled C that decays within the window by more than its
        noise, too little for chaos (or a sampled iterate that did not converge and whose C
        is not flat); a state slower than the window (sampling); a static
        solution at an unstable fixed point; sampled fluctuations whose lambda_max is
        significantly negative (the remnant of the start).
    converged : bool
    residual : float
        Largest change of any C over the last iteration.
    iterations : int
    message : str
    method : str
        ``"gaussian"`` (linear-filter equations, deterministic) or ``"sampling"``
        (single-site trajectories, the non-Gaussian case).
    stat_error : float
        Statistical (sampling) standard error of ``delta_0``; 0 for the Gaussian method.
        It is the standard error over ``replicas`` independent solutions, so it has
        ``replicas - 1`` degrees of freedom: with the default 4, a 95 % interval is
        +-3.18 ``stat_error`` (Student's t), not +-2; and the error estimate itself
        scatters by about 40 % between seeds.
    C_error : dict of str to ndarray
        Sampling method: the standard error of ``C[v]`` at each lag over the replicas
        (``C_error["h"][0]`` is ``stat_error``), for error bands and for comparing curve
        shapes; empty for the Gaussian method.
    field_C : dict of str to ndarray
        Sampling method: the converged autocovariance of each field (by the unit's field
        name, ``"eta_h"``), averaged over the replicas: what the single-site process is
        driven with (the dimension theory samples it again); empty for the Gaussian method.
    field_C_replicas : dict of str to ndarray
        Sampling method: the same per replica, shape ``(replicas, n_lags)``: each
        replica's own converged fields, whose spread is the DMFT's statistical error in
        them (the dimension theory drives its batches with them in turn, so that its
        standard error counts that error too); empty for the Gaussian method.
    samples : int
        Single-site trajectories in all (sampling method).
    lyapunov_max : float
        Maximal Lyapunov exponent: from the tangent equations
        (:mod:`meanfield.solve.dmft_lyapunov`) in the Gaussian case, from the sampled
        tangent process (:mod:`meanfield.solve.dmft_tangent`) when sampling; ``nan`` when
        not computed (``lyapunov=False``, not converged, or not chaotic for sampling). A
        Gaussian solve that converged on a quadrature too coarse (``converged`` False for
        that reason alone) still computes it on that map, and its message says so.
    lyapunov_error : float
        Statistical error of ``lyapunov_max`` (SEM over replicas; 0 for Gaussian).
    delta_inf_error, tau_corr_error : float
        Sampling method: the standard errors of ``delta_inf`` and ``tau_corr``, the spread
        over the replicas of each replica's own value (its ``C_h`` summarised as above;
        ``replicas - 1`` degrees of freedom, like ``stat_error``). ``tau_corr`` is a ratio
        of two noisy integrals and scatters far more than ``delta_0``: 3.4 and 8.6 for two
        seeds of 2000 trajectories where the Gaussian method gives 5.7 (a user model with
        a large static part). NaN where the value is undefined; 0 for the Gaussian method.
    settings : dict
        The solver settings used, defaults filled in (lag grid, tolerances; sampling:
        samples, replicas, T, burn, seed), so that a stored result can be reproduced.
    """

    __repr__ = short_repr

    model: str
    params: dict
    tau: np.ndarray
    C: dict
    delta_0: float
    delta_inf: float
    tau_corr: float
    chaotic: bool | None
    converged: bool
    residual: float
    iterations: int
    message: str
    filters: dict = field(default_factory=dict)
    method: str = "gaussian"
    stat_error: float = 0.0
    samples: int = 0
    lyapunov_max: float = float("nan")
    lyapunov_error: float = 0.0
    settings: dict = field(default_factory=dict)
    C_error: dict = field(default_factory=dict)
    field_C: dict = field(default_factory=dict)
    field_C_replicas: dict = field(default_factory=dict)
    delta_inf_error: float = 0.0
    tau_corr_error: float = 0.0

    @property
    def success(self) -> bool:
        """``converged`` under the name the package's other results use."""
        return bool(self.converged)

    @property
    def lyapunov_max_error(self) -> float:
        """``lyapunov_error`` under its JSON and sweep name."""
        return self.lyapunov_error

    def to_dict(self) -> dict:
        """The scalar results as JSON-ready values: an undefined number (NaN: tau_corr of
        a fixed point, lambda_max not computed, delta_0_error of a sampled solve that
        stopped in its first replica) is None."""
        def num(x):
            return float(x) if math.isfinite(x) else None

        def err(e, x):  # the error of an undefined value is undefined, not 0 (a probe)
            return num(e) if math.isfinite(x) else None
        return {"model": self.model, "params": self.params, "method": self.method,
                "delta_0": num(self.delta_0),
                "delta_0_error": err(self.stat_error, self.delta_0),
                "delta_inf": num(self.delta_inf),
                "delta_inf_error": err(self.delta_inf_error, self.delta_inf),
                "tau_corr": num(self.tau_corr),
                "tau_corr_error": err(self.tau_corr_error, self.tau_corr),
                "chaotic": self.chaotic, "converged": self.converged,
                "success": self.converged,
                "lyapunov_max": num(self.lyapunov_max),
                "lyapunov_max_error": err(self.lyapunov_error, self.lyapunov_max),
                "residual": num(self.residual), "iterations": self.iterations,
                "message": self.message, "settings": dict(self.settings)}


_DEBUG = False
#: sampled DMFT, averaging phase (see ``_solve_sampling``): passes with fresh noise
#: discarded before averaging, and the damping of the fields between passes
_AVERAGE_DISCARD = 1
_AVERAGE_DAMPING = 0.5
#: lambda_max above which a static Gaussian solution is unstable, not marginal (the
#: tangent solve's own accuracy is ~1e-9; at g_h = 2.002 a static solution has -1.7e-4)
_STATIC_LAMBDA_TOL = 1e-6
#: rho(M(0)) - 1 above which a static solution is an unstable fixed point
_STATIC_STABILITY_TOL = 1e-9
#: The most lags a solve accepts (tau_max / dtau + 1): 2000 at the defaults.
MAX_LAGS = 1e6
#: sampled DMFT: a drop C(0) - C(inf) of the first state below this (absolute; the states'
#: natural scale is 1, the iteration starts at variance ``initial_variance``) is no chaos
_CHAOS_FLOOR = 1e-12


class NotGaussianError(ParameterError):
    """The model at these parameters is outside the Gaussian (linear-filter) case."""


@dataclass(frozen=True)
class _GaussianSystem:
    states: tuple           # state names
    rate: dict              # k -> a_k (callable of params)
    gain: dict              # k -> ((f, b_kf), ...): the fields driving state k, each gain
    factors: dict           # f -> tuple of (k, index of the generated factor function)
    module: object          # generated factor functions g_{f,k}(x, params...)
    param_names: tuple


@lru_cache(maxsize=16)
def _gaussian_system(model: Model, fixed: tuple) -> _GaussianSystem:
    """Derive the linear-filter structure at the parameter values in ``fixed``."""
    ud = unit_dynamics(model)
    S = model.symbols
    subs = {S[n]: sp.Float(v) for n, v in fixed}
    subs.update({s: 0 for s in ud.inputs})
    rate, gain = {}, {}
    for k, (x, F) in enumerate(zip(ud.states, ud.velocity)):
        F = sp.expand(F.xreplace(subs).doit())
        a = -sp.diff(F, x)
        coeffs = {f: sp.diff(F, eta) for f, eta in enumerate(ud.fields)}
        coeffs = {f: c for f, c in coeffs.items() if c != 0}
        rest = sp.simplify(F + a * x - sum(c * ud.fields[f] for f, c in coeffs.items()))
        consts = [a, *coeffs.values()]
        if rest != 0 or any(c.free_symbols for c in consts):
            dep = sorted({str(s) for c in consts for s in c.free_symbols} | {
                str(s) for s in rest.free_symbols})
            raise NotGaussianError(
                f"the Gaussian DMFT method needs each state variable to be a linear filter "
                f"of one field; d{x}/dt depends on {', '.join(dep) or 'itself'} "
                f"nonlinearly at these parameters (for the gated model: alpha_z = 0 is "
                f"required; use method='sampling' for the non-Gaussian case)")
        if not coeffs:  # (method='auto' then samples the single-site process)
            raise NotGaussianError(f"d{x}/dt is driven by no field; the Gaussian DMFT solver "
                                   f"needs at least one per state variable (use "
                                   f"method='sampling')")
        if float(a) <= 0:
            # name the parameters the rate depends on (beta_z = 1000 closes the update gate
            # to exp(-1000) = 0.0: "rate 0" alone did not say which value did it; a probe)
            rate_expr = -sp.diff(ud.velocity[k].xreplace({s: 0 for s in ud.inputs}), x)
            named = sorted(str(s) for s in rate_expr.free_symbols if str(s) in dict(fixed))
            at = ", ".join(f"{n}={dict(fixed)[n]:g}" for n in named)
            raise ParameterError(
                f"d{x}/dt relaxes at rate {sp.sstr(rate_expr)} = {float(a):g}"
                f"{f' at {at}' if at else ''} (in double precision); the Gaussian DMFT needs "
                f"a positive rate: the state would not relax (a gate closed beyond "
                f"double precision)")
        rate[k] = float(a)
        # several independent fields: their sum sum_f b_f eta_f is one Gaussian process
        # of correlation sum_f b_f^2 C_f (two coupling matrices driving one variable)
        gain[k] = tuple((f, float(b)) for f, b in sorted(coeffs.items()))
    driven = [f for k in gain for f, _ in gain[k]]
    if len(set(driven)) != len(driven):
        raise NotGaussianError("two state variables are driven by the same field "
                               "(correlated processes); the Gaussian DMFT solver needs one "
                               "field per state (use method='sampling')")
    # each presynaptic function must factorise over the (independent) state variables
    outputs, factors = [], {}
    for f, g in enumerate(ud.presynaptic):
        g = g.xreplace(subs)
        parts: dict[int, sp.Expr] = {}
        for term in sp.Mul.make_args(sp.factor_terms(g)):
            used = [k for k, x in enumerate(ud.states) if term.has(x)]
            if len(used) > 1:
                raise ParameterError(f"the presynaptic function of field {ud.fields[f]} "
                                     f"does not factorise over the state variables")
            k = used[0] if used else -1
            parts[k] = parts.get(k, sp.Integer(1)) * term
        const = parts.pop(-1, sp.Integer(1))
        fl = []
        for j, (k, term) in enumerate(sorted(parts.items())):
            xi = sp.Symbol("x_", real=True)
            expr = (const * term if j == 0 else term).xreplace({ud.states[k]: xi})
            # one function per distinct factor: the fields of the gated model's z and r
            # share phi(h), and each distinct average is then computed once per iteration
            same = [i for i, (_, e) in enumerate(outputs) if e == expr]
            if same:
                fl.append((k, same[0]))
                continue
            outputs.append((f"g{len(outputs)}", expr))
            fl.append((k, len(outputs) - 1))
        if not fl:  # a constant presynaptic function
            outputs.append((f"g{len(outputs)}", const + 0 * sp.Symbol("x_", real=True)))
            fl.append((-1, len(outputs) - 1))
        factors[f] = tuple(fl)
    xi = sp.Symbol("x_", real=True)
    funcs = [emit_function(name, ["x_"], [(name, e)], doc="presynaptic factor")
             for name, e in outputs]
    # slopes g'_{f,k} of the factors, for the tangent (Lyapunov) equations
    funcs += [emit_function(f"d{name}", ["x_"], [(f"d{name}", sp.diff(e, xi) + 0 * xi)],
                            doc="slope of a presynaptic factor") for name, e in outputs]
    source = ("import numpy as np\nimport scipy.special as sc\n\n\n" + "\n\n".join(funcs))
    module = load_source(source, f"dmft_factors_{model.name}_{abs(hash(fixed)) % 10**8}")
    return _GaussianSystem(tuple(str(s) for s in ud.states), rate, gain, factors, module,
                           model.parameter_names)


#: Chebyshev points in the correlation coefficient at which two-time averages are
#: evaluated when there are more lags than this (then interpolated to every lag).
_RHO_POINTS = 128
#: Quadrature nodes per dimension of the two-time averages (Gaussian method) are
#: doubled while the map at the solution changes by more than _QUAD_RTOL C(0) against
#: twice the nodes, up to _MAX_NODES.
_MAX_NODES = 640
_QUAD_RTOL = 1e-6
#: Fewer points for the first iterations, far from the solution (see _solve_gaussian).
_RHO_POINTS_COARSE = 32
#: Points of the rho grid per thread task: the 2-D averages at different rho are
#: independent and numpy's loops release the GIL.
_RHO_PER_TASK = 16
#: ... and tiles of at most this many bytes per temporary (rho points x rows of nodes x
#: nodes), which stay in a core's cache. A model with a non-smooth function needs the
#: most nodes (640, checked against 1280); there whole tasks made temporaries of 52 MB,
#: which the allocator maps and unmaps on every call, the pages faulting in again each
#: time: the DMFT of phi(x) = g x / (1 + |x|) at g = 3 took 44 s from the command line,
#: 45 s of CPU in the kernel; tiled, 17.5 s (2.6 s in the kernel), equal to 1e-12. One
#: 2-D average (129 rho points, tanh): 2.4x faster at 80 nodes, 5x at 160, 2x at 640
#: (2026-11-27; a test checks every tiling against an adaptive double integral).
_TILE_BYTES = 5e5
_POOL = None


def _threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _pool():
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(_threads(), thread_name_prefix="meanfield-dmft")
    return _POOL


def _pair_average(fn, c0, c, u, w, points: int | None = None, fn2=None):
    """<g(x1) g(x2)> for x1, x2 jointly Gaussian, Var = c0, Cov = c (arrays over lags);
    <g(x1) g2(x2)> with a second function ``fn2`` (the cross-correlation of two functions
    of one unit's variable, symmetric in the lag as the pair is exchangeable).

    The average is a smooth function of the correlation coefficient rho = c / c0 alone.
    With many lags it is evaluated at ``points + 1`` Chebyshev points (default 129)
    spanning the rho that occur and interpolated (Chebyshev series) to every lag:
    measured against direct evaluation at all 2001 lags of solutions at
    (g_h, alpha_r) = (4, 5), (2.2, 20), (6, 10), the largest difference is 3e-12
    (64 points: 2e-8), at a tenth of the cost.
    """
    points = _RHO_POINTS if points is None else int(points)
    fn2 = fn if fn2 is None else fn2
    c0 = max(float(c0), 0.0)
    if c0 == 0.0:
        return np.full_like(c, fn(np.zeros(1))[0] * fn2(np.zeros(1))[0])
    c = np.asarray(c, dtype=float)
    if len(c) > 2 * points + 1:
        rho = np.clip(c / c0, -1.0, 1.0)
        lo, hi = float(rho.min()), float(rho.max())
        if hi - lo > 1e-12:
            j = np.arange(points + 1)
            nodes = 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(np.pi * j / points)
            vals = _pair_average(fn, c0, nodes * c0, u, w, fn2=fn2)
            return _chebyshev_interpolate(lo, hi, vals, rho)
    s = math.sqrt(c0)
    rho = np.clip(c / c0, -1.0, 1.0)
    g1 = fn(s * u)[0] * w
    K = len(u)
    rows = max(1, min(K, int(_TILE_BYTES // (8 * K * _RHO_PER_TASK))))

    err = np.geterr()  # the caller's floating-point settings, for the pool's threads too

    def block(r):
        with np.errstate(**err):
            a = (s * r)[:, None, None]
            b = (s * np.sqrt(1 - r ** 2))[:, None, None]
            out = np.zeros(len(r))
            for i in range(0, K, rows):
                x2 = a * u[None, i:i + rows, None] + b * u[None, None, :]
                out += (fn2(x2)[0] @ w) @ g1[i:i + rows]
            return out

    if len(rho) <= _RHO_PER_TASK:
        return block(rho)
    parts = np.array_split(rho, -(-len(rho) // _RHO_PER_TASK))
    if _threads() == 1:
        return np.concatenate([block(r) for r in parts])
    return np.concatenate(list(_pool().map(block, parts)))


def _chebyshev_interpolate(lo, hi, vals, x):
    """Interpolate at ``x`` through the values at Chebyshev points ``cos(pi j / n)`` of
    [lo, hi] (j = 0..n): coefficients by a discrete cosine transform, Clenshaw's sum."""
    n = len(vals) - 1
    ext = np.concatenate([vals, vals[-2:0:-1]])
    a = np.fft.rfft(ext).real / n
    a[0] /= 2
    a[n] /= 2
    t = (2 * x - (lo + hi)) / (hi - lo)
    b1 = np.zeros_like(t)
    b2 = np.zeros_like(t)
    for coef in a[:0:-1]:
        b1, b2 = 2 * t * b1 - b2 + coef, b1
    return t * b1 - b2 + a[0]


def dmft(model: str | Model = "gated", *, params: dict | None = None, method: str = "auto",
         tau_max: float = 100.0, dtau: float | None = None, damping: float | None = None,
         tol: float | None = None, max_iter: int | None = None, nodes: int | None = None,
         initial_variance: float = 1.0, initial: DMFTResult | None = None,
         samples: int | None = None, T: float | None = None,
         burn: float | None = None, replicas: int | None = None, seed: int | None = None,
         averaging: int | None = None,
         lyapunov: bool = True,
         throw: bool = False, progress: Callable[[str], None] | None = None,
         checkpoint=None, **kwargs: float) -> DMFTResult:
    """Solve the stationary DMFT of ``model`` on lags [0, tau_max].

    Parameters
    ----------
    method : {"auto", "gaussian", "sampling"}
        ``"gaussian"``: the deterministic linear-filter equations (every state variable a
        linear filter of one Gaussian field; the gated model at alpha_z = 0).
        ``"sampling"``: iterate sampled single-site trajectories (any model; the
        non-Gaussian case). ``"auto"`` uses the first where it applies.
    tau_max, dtau : float
        Grid of lags; ``tau_max`` must exceed several correlation times. For sampling,
        ``dtau`` is also the integration step (Heun). Default 0.05 Gaussian, 0.1 sampling.
        A state whose relaxation time exceeds 0.2 ``tau_max`` (Gaussian: its 1/rate;
        sampling: 1 over its rate -d(dx/dt)/dx averaged over the solution, the update
        gate's mean for the gated h) is warned about by the Gaussian method, and makes a
        sampled solve not converged (its fields, drawn from a window that holds a flat
        piece of the correlation, are wrong: additive tau_h = 1e3 gave 0.123 against
        0.481). A static solution that is an unstable fixed point of the static theory is
        not converged either way (``chaotic`` None).
        The Gaussian method's lag-grid error is of second order in ``dtau`` and is not
        part of ``residual`` or ``message``: at the default, delta_0 is 3e-4 (relative)
        from the additive network's exact value at g_h = 2, and the gated model's
        delta_0, tau_corr and lambda_max move by 6e-5, 5e-5 and 1e-4 (g_h = 4,
        alpha_r = 5) when ``dtau`` is halved (tested).
    damping : float
        Fraction 0 < damping <= 1 of the new iterate mixed in each iteration (default 0.9
        Gaussian, 1.0 sampling; Anderson mixing takes over after a few iterations).
    tol : float
        Gaussian: converged when no C changes by more than ``tol`` in an iteration
        (default 1e-9). Sampling: converged when no field correlation changes by more
        than ``tol`` times its variance (default 1e-3; each replica reuses its random
        numbers, so its iteration is deterministic).
    max_iter : int
        Iteration limit (default 3000 Gaussian; 60 per replica and stage, sampling).
    nodes : int
        Quadrature nodes per dimension of the two-time averages (Gaussian method): an
        equispaced (trapezoid) rule on +-9 standard deviations, which converges
        geometrically for the analytic integrands here and resolves the narrow slopes of
        steep nonlinearities far better than Gauss–Hermite (g_h = 3: <phi'^2> to 1e-3 with
        64 nodes, where Gauss–Hermite has 1e-2). After convergence the map is applied
        once with twice the nodes; the largest change of any C is the quadrature error,
        reported in ``message``. ``nodes`` is the starting size (default 80; refused
        with ``method="sampling"``, noted as unused where "auto" samples): it is
        doubled (from the solution so far) while that error exceeds
        max(1000 tol, 1e-6 C(0)), up to 640 nodes, after which the result is marked not
        converged (at alpha_r = 20, 80 nodes leave an error of 1.6e-5 and at g_h = 20
        one of 5e-3, which the doubling removes).
    initial_variance : float
        Start: correlations ``initial_variance * exp(-|tau|)`` (a time-dependent guess, so
        the iteration can reach the chaotic solution where it exists).
    initial : DMFTResult, optional
        Start from this solution instead (Gaussian method; continuation in a parameter):
        its correlations, interpolated onto the new lags (held at their last value beyond
        its ``tau_max``).
    samples, replicas, T, burn, seed :
        Sampling method: single-site trajectories in all, split over ``replicas``
        independent self-consistent solutions (their spread is the statistical error);
        recorded length per trajectory (default 4 tau_max); discarded transient (default
        tau_max / 2); random seed. Defaults 4000 samples, 4 replicas, seed 0. Given with
        ``method="gaussian"`` they are an error; where ``"auto"`` takes the Gaussian
        method the result's ``message`` says they were not used.
    averaging : int
        Sampling method: after a replica has converged with its own frozen noise, this
        many further passes with fresh noise (after one discarded; the fields damped by
        half between passes) are averaged into its result (default 4; 0 keeps the
        frozen-noise fixed point, biased upward by more than ``stat_error`` shows, by
        less the more data per replica: at g_h = 4, alpha_z = alpha_r = 5,
        tau_max = 100, 4000 samples, delta_0 0.2057 +- 0.0020 over 4 seeds at T = 300
        and 0.2027 +- 0.0003 over 5 at T = 900 with 0; 0.2031 +- 0.0006 over 4 at T = 300
        and 0.2036 +- 0.0002 over 3 at T = 900 with 4; N = 2000 networks
        0.1998 +- 0.0018).
    lyapunov : bool
        Also compute ``lyapunov_max``: the tangent equations (Gaussian case), or the
        sampled tangent process along each replica's trajectories (several times the cost
        of the correlations: g_h = 4, alpha_z = alpha_r = 5, 2000 samples, tau_max = 50,
        T = 200: 78 s in all against 17 s without it).
    throw : bool
        Raise :class:`ConvergenceError` when not converged (else ``converged=False``).
    progress : callable, optional
        Sampling method: called with one line of text after every iteration (replica,
        iteration, relative change) and before each replica's Lyapunov exponent; a solve
        takes from seconds to many minutes. The Gaussian method does not call it.
    checkpoint : path, optional
        Sampling method: a file (``.npz``) where the replicas done, and then each
        replica's Lyapunov exponent, are saved as they finish; if it exists, the solve
        continues after them (a stopped or killed solve loses at most the replica under
        way), and the result equals that of a solve never stopped. A checkpoint of
        another solve (model, parameters, options) is refused naming the difference.
    """
    model = get_model(model)
    model.require_fields()
    p = model.resolve(params, **kwargs)
    if method not in ("auto", "gaussian", "sampling"):
        raise ParameterError(f"method={method!r} must be 'auto', 'gaussian' or 'sampling'")
    dtau_given = dtau
    if dtau is None:
        dtau = 0.1 if method == "sampling" else 0.05
    for name, v, lo in (("tau_max", tau_max, 0.0), ("dtau", dtau, 0.0),
                        ("initial_variance", initial_variance, 0.0)):
        if not (is_real(v) and math.isfinite(v) and v > lo):
            raise ParameterError(f"{name}={v!r} must be a finite number > {lo:g}")
    if damping is not None and not (is_real(damping) and 0 < damping <= 1):
        raise ParameterError(f"damping={damping!r} must be a number in (0, 1]")
    if tol is not None and not (is_real(tol) and math.isfinite(tol) and 0 <= tol < 1):
        raise ParameterError(f"tol={tol!r} must be a number in [0, 1)")
    if max_iter is not None and not (is_integer(max_iter) and max_iter >= 1):
        raise ParameterError(f"max_iter={max_iter!r} must be an integer >= 1")
    if nodes is not None and not (is_integer(nodes) and 8 <= nodes <= 4096):
        raise ParameterError(f"nodes={nodes!r} must be an integer in [8, 4096]")
    if progress is not None and not callable(progress):
        raise ParameterError(f"progress must be callable or None, not "
                             f"{type(progress).__name__}")
    if not isinstance(lyapunov, bool | np.bool_):
        raise ParameterError(f"lyapunov={lyapunov!r} must be True or False")
    if initial is not None and not isinstance(initial, DMFTResult):
        raise ParameterError(f"initial must be a DMFTResult, not {type(initial).__name__}")
    if tau_max < 20 * dtau:
        raise ParameterError(f"tau_max={tau_max:g} must be at least 20 dtau = {20 * dtau:g}")
    throw = check_bool("throw", throw)
    # a lag grid of 1e10 points (dtau = 1e-9) ended in numpy's MemoryError (a probe,
    # 2026-11-28): the Gaussian method keeps a few dozen arrays of the lags' length, the
    # two-time averages tiles of lags x nodes^2
    n_lags = tau_max / dtau + 1
    if n_lags > MAX_LAGS:
        raise ParameterError(f"tau_max / dtau = {tau_max / dtau:.3g} lags; at most "
                             f"{MAX_LAGS:.0e}: raise dtau or lower tau_max")
    # each method's own options: refused with the other method, noted as unused where
    # "auto" chose the other (they were ignored without a word; found by probes)
    given = {"sampling": [name for name, v in (("samples", samples), ("T", T), ("burn", burn),
                                               ("replicas", replicas), ("seed", seed),
                                               ("averaging", averaging),
                                               ("checkpoint", checkpoint)) if v is not None],
             "gaussian": [name for name, v in (("nodes", nodes), ("initial", initial))
                          if v is not None]}
    for owner, other in (("sampling", "gaussian"), ("gaussian", "sampling")):
        if method == other and given[owner]:
            names = ", ".join(given[owner])
            verb = "is an option" if len(given[owner]) == 1 else "are options"
            raise ParameterError(f"{names} {verb} of the {_METHOD_NAME[owner]} method, not "
                                 f"of method={other!r}")
    if method in ("auto", "gaussian"):
        try:
            system = _gaussian_system(model, tuple(sorted(p.items())))
        except NotGaussianError:
            if method == "gaussian":
                raise
            if dtau_given is None:
                dtau = 0.1
        else:
            if tol is not None and tol <= 0:
                raise ParameterError(f"tol={tol!r} must be > 0 for the Gaussian method")
            opts = dict(tau_max=tau_max, dtau=dtau,
                        damping=0.9 if damping is None else damping,
                        tol=1e-9 if tol is None else tol,
                        max_iter=3000 if max_iter is None else max_iter,
                        nodes=80 if nodes is None else nodes,
                        initial_variance=initial_variance)
            r = _solve_gaussian(model, p, system, **opts, initial=initial, throw=throw,
                                lyapunov=lyapunov)
            r.settings.update(method="gaussian", **opts, lyapunov=lyapunov,
                              initial=initial is not None)
            r = _note_unused(r, given["sampling"], "gaussian")
            _effective_window(r)
            return _note_oscillation(r)
    samples = 4000 if samples is None else samples
    replicas = 4 if replicas is None else replicas
    seed = 0 if seed is None else seed
    averaging = 4 if averaging is None else averaging
    for name, v, lo in (("seed", seed, 0), ("samples", samples, 16), ("replicas", replicas, 2),
                        ("averaging", averaging, 0)):  # (numpy's seeds are >= 0)
        if not (is_integer(v) and v >= lo):
            raise ParameterError(f"{name}={v!r} must be an integer >= {lo}")
    if samples < 16 * replicas:
        raise ParameterError(f"samples={samples} must be at least 16 per replica "
                             f"({16 * replicas} for replicas={replicas})")
    T = 4.0 * tau_max if T is None else T
    burn = 0.5 * tau_max if burn is None else burn
    # (T = tau_max left no pair of times at the last lag: a division by zero there; a
    # string T or burn was a TypeError from math.isfinite, a probe)
    T = check_float("T", T)
    if T <= tau_max:
        raise ParameterError(f"T={T!r} must be a finite number > tau_max = {tau_max:g}")
    burn = check_float("burn", burn, lo=0.0)
    if samples > 10**8:
        raise ParameterError(f"samples={samples} must be at most 1e8")
    # the records of one replica's pass: states and presynaptic values at every step
    check_fits_in_memory(8.0 * (len(model.variables) + len(model.fields)) * (T / dtau)
                         * (samples / replicas),
                         f"sampling {samples // replicas} trajectories of T={T:g} at "
                         f"dtau={dtau:g} (one replica's records)")
    opts = dict(tau_max=tau_max, dtau=dtau, damping=1.0 if damping is None else damping,
                tol=1e-3 if tol is None else tol,
                max_iter=60 if max_iter is None else max_iter,
                initial_variance=initial_variance, samples=samples, T=T, burn=burn,
                replicas=replicas, seed=int(seed), averaging=int(averaging))
    ck = None
    if checkpoint is not None:
        from .._checkpoint import Checkpoint

        key = {"what": "dmft-sampling", "model": model.name, "model_hash": model.hash,
               "params": {k: float(v) for k, v in p.items()}, **opts, "lyapunov": lyapunov}
        # saved after each replica, each replica's lambda_max and at the end
        ck = Checkpoint.checked(checkpoint, key, 0, what="solve")
    try:
        r = _solve_sampling(model, p, **opts, throw=throw, lyapunov=lyapunov,
                            progress=progress, ck=ck)
    except KeyboardInterrupt:
        if ck is None or not ck.path.exists():
            raise
        raise KeyboardInterrupt(f"the replicas done are saved in {ck.path}: run the same "
                                "solve again to continue it") from None
    r.settings.update(method="sampling", **opts, lyapunov=lyapunov)
    r = _note_unused(r, given["gaussian"], "sampling")
    _effective_window(r)
    return _note_oscillation(r)


def _note_unused(r: DMFTResult, names: list, used: str) -> DMFTResult:
    """``r`` with a note that the other method's options ``names`` were not used."""
    if not names:
        return r
    return dataclasses.replace(r, message=r.message + (
        f"; {', '.join(names)} not used: the {_METHOD_NAME[used]} method applies here"))


_METHOD_NAME = {"gaussian": "Gaussian", "sampling": "sampling"}


def _ran_away(detail: str) -> ParameterError:
    """The sampled iteration's one-line report of a model without a bounded solution."""
    return ParameterError(f"the DMFT iteration ran away ({detail}): no bounded stationary "
                          "solution at these parameters? (a negative rate, an unbounded "
                          "nonlinearity)")


def _note_oscillation(r: DMFTResult) -> DMFTResult:
    """Say so when tau_corr <= 0, or far below the envelope's decay time: the integral of
    C_h - C_h(inf) is then no timescale (adaptation b = 0.15: tau_corr 0.36, where C_h's
    envelope takes several time units to fall by 1/e)."""
    if r.tau_corr <= 0:
        why = f"tau_corr = {r.tau_corr:.3g} <= 0: C_h(tau) - C_h(inf) changes sign"
    elif r.tau_corr > 0:  # (NaN: not chaotic, nothing to say)
        first = next(iter(r.C.values()))
        envelope = _envelope_time(first, r.tau, r.delta_inf)
        drop = float(first[0]) - r.delta_inf
        # a monotone C can have an envelope time up to e tau_corr (a plateau, then a
        # fall): said only where C - C(inf) has a negative lobe as well
        if envelope <= 2 * r.tau_corr or not float(np.min(first - r.delta_inf)) < -0.05 * drop:
            return r
        why = (f"tau_corr = {r.tau_corr:.3g} is far below the time in which C_h(tau) - "
               f"C_h(inf) falls to 1/e of its start for good ({envelope:.3g}): it changes sign")
    else:
        return r
    return dataclasses.replace(r, message=r.message + (
        f"; {why} (an oscillating correlation, e.g. from adaptation), so its integral is "
        "not a correlation time"))


class _Anderson:
    """Anderson mixing of a fixed-point iteration x -> F(x) (type II, depth ``depth``).

    With common random numbers the sampled DMFT map is deterministic and smooth, and its
    slow contraction (about 0.7 per iteration) makes plain iteration take ~30 steps;
    Anderson mixing extrapolates from the last few residuals F(x) - x. The history is
    dropped when a step makes the residual grow, which falls back to plain iteration, and
    the extrapolation is never longer than ``trust`` residuals (a trust region).
    """

    def __init__(self, depth: int, trust: float = 1.0):
        self.depth = depth
        self.trust = trust
        self.xs: list = []
        self.rs: list = []
        self.best = float("inf")

    def step(self, x: np.ndarray, fx: np.ndarray, damping: float) -> np.ndarray:
        r = fx - x
        norm = float(np.linalg.norm(r))
        if norm > 2 * self.best:
            self.xs, self.rs = [], []
        self.best = min(self.best, norm)
        self.xs.append(x)
        self.rs.append(r)
        self.xs, self.rs = self.xs[-(self.depth + 1):], self.rs[-(self.depth + 1):]
        if len(self.rs) < 2:
            return x + damping * r
        dR = np.array([b - a for a, b in zip(self.rs[:-1], self.rs[1:])]).T
        dX = np.array([b - a for a, b in zip(self.xs[:-1], self.xs[1:])]).T
        plain = x + damping * r
        if not (np.all(np.isfinite(dR)) and np.all(np.isfinite(dX))):
            return plain  # a run-away iterate (the caller checks and reports it)
        gamma, *_ = np.linalg.lstsq(dR, r, rcond=1e-10)
        extra = -(dX + damping * dR) @ gamma
        # trust region: the extrapolation may not move further than a few plain steps, so
        # it cannot jump to another (e.g. the unstable zero) solution of the equations
        size = float(np.linalg.norm(extra))
        if size > self.trust * norm:
            extra *= self.trust * norm / size
        return plain + extra


#: Every state's own time constant 1/a_k should be at most this fraction of tau_max.
WINDOW_FRACTION = 0.2


def slow_states(system: _GaussianSystem, tau_max: float, only: set | None = None) -> str:
    """The states whose time constant 1/a_k exceeds WINDOW_FRACTION tau_max, in words
    ('' when none): over the window their correlations look flat. ``only``: the state
    names to consider (default all)."""
    slow = [f"the time constant 1/a = {1.0 / a:.3g} of {system.states[k]}"
            for k, a in system.rate.items() if 1.0 / a > WINDOW_FRACTION * tau_max
            and (only is None or system.states[k] in only)]
    if not slow:
        return ""
    return (", ".join(slow) + f" is not short against tau_max = {tau_max:g} (at most "
            f"{WINDOW_FRACTION:g} tau_max)")


def _not_converged(message: str, prefix: str) -> str:
    """``message`` with its leading "converged: " / "converged " replaced by ``prefix``
    (unchanged where it does not start so)."""
    for head in ("converged: ", "converged "):
        if message.startswith(head):
            return prefix + message[len(head):]
    return message


def _static_unstable(model, p: dict, c0: float, state: str, abs_tol: float = 1e-12) -> float:
    """rho(M(0)) of the fixed-point branch whose variance of ``state`` is ``c0`` when it
    exceeds 1 (an unstable fixed point), else 0.0 (stable, or no branch matches).

    ``abs_tol`` widens the match for a sampled ``c0`` (its statistical error)."""
    from .fixed_points import fixed_point_branches

    try:
        fp = fixed_point_branches(model, params={k: v for k, v in p.items()
                                                 if k in model.parameter_names}, throw=False)
    except (MeanfieldError, NotImplementedError):  # no static theory here: nothing known
        return 0.0
    for b in fp.branches:
        if math.isclose(b.variance.get(state, math.nan), c0, rel_tol=1e-4, abs_tol=abs_tol):
            return float(b.stability) if not b.stable else 0.0
    return 0.0


def _coarse_grid_note(system: _GaussianSystem, dtau: float) -> tuple[str, bool]:
    """A note when the lag spacing is not small against a state's time constant, and
    whether it makes the result not converged.

    The discretised filter of rate ``a`` has its zero-frequency gain raised by
    (a dtau)^2 / 12 (module chaos_onset); past 5 % the solution moves visibly (g_h = 4,
    alpha_r = 5: delta_0 +11 % at dtau = 2, +110 % at dtau = 5, both "converged"; found
    by a probe, 2026-11-27). Where such a state feeds the fields, the self-consistent
    solution itself is off and the result is not converged (it was a warning beside
    ``converged: true``; tau_h = 1e-3 at the default dtau gave delta_0 = 22 against
    0.33, "chaotic" with lambda_max = -590: found by a probe, 2026-11-28). A state that
    feeds no field (z and r where alpha_z = alpha_r = 0) has only its own correlation
    off: a warning.
    """
    feeding = {kk for f in system.factors for kk, _ in system.factors[f] if kk >= 0}
    shifts = {k: (a * dtau) ** 2 / 12 for k, a in system.rate.items()}
    bad = {k: x for k, x in shifts.items() if x > 0.05}
    if not bad:
        return "", False
    fatal = any(k in feeding for k in bad)
    k = max((k for k in bad if (k in feeding) == fatal), key=lambda k: bad[k])
    a = system.rate[k]
    head = ("not converged" if fatal else
            f"warning (C_{system.states[k]} only: it feeds no field)")
    return (f"; {head}: the lag spacing dtau = {dtau:g} is not small against the time "
            f"constant 1/a = {1.0 / a:.3g} of {system.states[k]} (the lag grid shifts the "
            f"filter's gain by (a dtau)^2/12 = {bad[k]:.0%}, more than 5%); reduce dtau "
            f"(to {1.0 / a * math.sqrt(12 * 0.01):.2g} or less for a 1% shift)"), fatal


def _tail_note(C0: np.ndarray, rtol: float = 0.05) -> str:
    """A warning when C still decays over the last tenth of the lags (tau_max too short):
    by more than ``rtol`` of its fluctuating part. The sampled method uses 5 % (its C is
    noisy); the Gaussian method, exact, 1e-3 as the dimension theory does (at g_h = 2.5,
    alpha_r = 0, tau_max = 100, C still fell by 0.3 %: delta_inf 0.00122 against 8e-6 on
    200, with no word from dmft while `dimension` refused the same solution; found by a
    probe, 2026-11-28)."""
    n = len(C0)
    drop = float(C0[int(0.9 * n)] - C0[-1])
    span = float(C0[0] - C0[-1])
    if span > 0 and drop > rtol * span:
        return (f"; warning: C still decays over the last tenth of the lags "
                f"({100 * drop / span:.2g} % of its fluctuating part): tau_max is too short, "
                f"delta_inf and tau_corr are not resolved")
    return ""


#: A chaotic solution whose correlation time exceeds this fraction of the lag window is
#: warned about: C_inf (the last tenth's mean) is then biased high and tau_corr low by
#: more than their stated errors. A probe's user model with a slow, non-exponential tail
#: (2026-11-28): tau_corr 40.4 and delta_inf 0.414 at tau_max = 100, 83.1 and 0.310 at
#: 300, networks still falling at 0.28 by tau = 290; its last tenth fell by 4.4 %, under
#: the tail note's 5 %. The gallery's longest (alpha_z = 10: 28.5 of 120) is below it.
WINDOW_CORRELATION_FRACTION = 0.3


def _window_note(chaotic, tau_corr: float, tau_max: float) -> str:
    """A warning when the lag window holds few correlation times."""
    if chaotic and math.isfinite(tau_corr) and tau_corr > WINDOW_CORRELATION_FRACTION * tau_max:
        return (f"; warning: tau_corr = {tau_corr:.3g} is more than "
                f"{WINDOW_CORRELATION_FRACTION:g} tau_max = {tau_max:g}: the window holds few "
                "correlation times, so delta_inf may be high and tau_corr low; raise tau_max")
    return ""


def static_part(C: np.ndarray) -> float:
    """C(inf) of a correlation function on the lag grid: the mean of its last tenth."""
    return float(C[int(0.9 * len(C)):].mean())


def _correlation_time(C0: np.ndarray, tau: np.ndarray, cinf: float) -> float:
    """int (C - C(inf)) dtau / (C(0) - C(inf)) over the lag grid."""
    return float(np.trapezoid(C0 - cinf, tau) / (C0[0] - cinf))


def _envelope_time(C0: np.ndarray, tau: np.ndarray, cinf: float) -> float:
    """The last lag at which |C - C(inf)| is still 1/e of C(0) - C(inf) or more: the decay
    time of C's envelope, which an oscillating C cannot make small the way it can its
    integral (tau_corr)."""
    drop = float(C0[0]) - cinf
    above = np.nonzero(np.abs(C0 - cinf) >= drop / math.e)[0]
    return float(tau[above[-1]]) if drop > 0 and len(above) else 0.0


def _replica_errors(results: list, tau: np.ndarray, cinf: np.ndarray,
                    chaotic: bool) -> tuple[float, float]:
    """Standard errors of delta_inf and tau_corr: the spread over the replicas of each
    replica's own summary of its C_h (``cinf``: each one's static part; NaN with one
    replica, and for tau_corr where it is undefined: not chaotic, or a replica whose C_h
    does not drop)."""
    if len(results) < 2:
        return float("nan"), float("nan")
    root = math.sqrt(len(results))
    inf_err = float(cinf.std(ddof=1) / root)
    if not chaotic or any(r[0][0] <= ci for r, ci in zip(results, cinf)):
        return inf_err, float("nan")
    each = np.array([_correlation_time(r[0], tau, ci) for r, ci in zip(results, cinf)])
    return inf_err, float(each.std(ddof=1) / root)


def _effective_window(r: DMFTResult) -> None:
    """``settings['tau_max']`` is the last lag of the grid; where ``dtau`` does not divide
    the requested window (40 by 0.3: 39.9) the request is kept as ``tau_max_requested``."""
    last = float(r.tau[-1])
    if not math.isclose(last, r.settings["tau_max"], rel_tol=1e-12):
        r.settings.update(tau_max_requested=r.settings["tau_max"], tau_max=last)


def _static_floor(tol: float) -> float:
    """The fluctuating part below which a Gaussian solution counts as static: 1e3 tol
    (what a decay stopped by the tolerance leaves: 8.5e-6 at g_h = 0.5 with tol = 1e-3),
    but at most 1e-3. Uncapped, tol = 1e-3 made it 1, and a fluctuating part of 0.186
    (g_h = 4, alpha_r = 5) read "not chaotic" (found by a probe, 2026-11-27). Unchanged
    for tol <= 1e-6 (the default is 1e-9)."""
    return min(1e3 * tol, 1e-3)


def _summary(C0: np.ndarray, tau: np.ndarray, tol: float):
    """delta_0, delta_inf (mean of the last tenth), chaotic flag and correlation time."""
    c0 = float(C0[0])
    cinf = static_part(C0)
    # a decaying iterate that converged to within tol of the fixed point is not chaos
    chaotic = (c0 - cinf) > max(1e-6 * c0, tol)
    tau_corr = _correlation_time(C0, tau, cinf) if chaotic else float("nan")
    return c0, cinf, bool(chaotic), tau_corr


def _solve_gaussian(model, p, system, *, tau_max, dtau, damping, tol, max_iter, nodes,
                    initial_variance, throw, lyapunov, initial=None) -> DMFTResult:
    n = int(round(tau_max / dtau)) + 1
    tau = dtau * np.arange(n)
    nodes = int(nodes)
    max_nodes = max(nodes, _MAX_NODES)
    u, w = (np.asarray(a) for a in trapezoid_nodes(nodes))
    fns = {i: getattr(system.module, f"g{i}") for f in system.factors
           for _, i in system.factors[f]}
    K = range(len(system.states))
    # Green's functions on the symmetric extension (period 2(n-1) dtau), in Fourier space
    m = 2 * (n - 1)
    lag = dtau * np.minimum(np.arange(m), m - np.arange(m))
    G_hat = {}
    for k in K:  # (the gains b_f^2 enter the driving correlation, see apply)
        a = system.rate[k]
        G_hat[k] = np.fft.rfft(1 / (2 * a) * np.exp(-a * lag)) * dtau
    # the start decays on the slowest filter's time scale where that is long: from
    # exp(-tau) the first map's output at tau_h = 100 (the driving correlation far
    # shorter than the filter) had almost no variance left, and the iteration fell to
    # the unstable zero solution even with tau_max and dtau scaled by 100 (found by a
    # probe, 2026-11-28). Unchanged below a time constant of 10 (every study and test).
    slowest = 1.0 / min(system.rate.values(), default=1.0)
    start_scale = slowest if slowest > 10.0 else 1.0
    C = {k: initial_variance * np.exp(-tau / start_scale) for k in K}
    if initial is not None:
        missing = [s for s in system.states if s not in initial.C]
        if missing:
            raise ParameterError(f"initial has no correlation for {', '.join(missing)}")
        C = {k: np.interp(tau, initial.tau, initial.C[system.states[k]]) for k in K}
    tail = slice(int(0.9 * n), n)

    def apply(C, points, u, w):
        """One application of the map C -> G * C_eta[C] (all states)."""
        memo, out = {}, {}
        for k in K:
            a = system.rate[k]
            Ceta = np.zeros(n)  # the correlation of sum_f b_f eta_f
            for f, b in system.gain[k]:
                Cf = np.full(n, b * b)
                for kk, i in system.factors[f]:
                    if kk < 0:
                        Cf = Cf * fns[i](np.zeros(1))[0] ** 2
                    else:
                        if (kk, i) not in memo:
                            memo[(kk, i)] = _pair_average(fns[i], C[kk][0], C[kk], u, w,
                                                          points)
                        Cf = Cf * memo[(kk, i)]
                Ceta = Ceta + Cf
            c_inf = float(Ceta[tail].mean())
            dC = Ceta - c_inf
            ext = np.concatenate([dC, dC[-2:0:-1]])
            conv = np.fft.irfft(np.fft.rfft(ext) * G_hat[k], m)[:n]
            out[k] = conv + c_inf / (a * a)
        return out

    residual, it, converged = np.inf, 0, False
    message = ""
    # far from the solution the two-time averages need not be accurate to 1e-12: the
    # first iterations use a quarter of the Chebyshev points in rho (interpolation error
    # ~1e-5 at worst), until the iteration has settled to 1000 tol; convergence is only
    # declared on the accurate map (the switch restarts the Anderson history)
    points = _RHO_POINTS_COARSE
    quad_err, quad_limited = float("nan"), False
    # an iteration that runs away (no bounded solution) overflows on its way to inf;
    # every iterate is checked and the first non-finite one ends it with a message
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            accel, start = _Anderson(depth=5), it
            converged = False
            while it < max_iter:
                it += 1
                new = apply(C, points, u, w)
                if not all(np.all(np.isfinite(v)) for v in new.values()):
                    grown = max(float(C[k][0]) for k in K)
                    if grown < 1e6:
                        # not a runaway: log(x) or 1/x gave NaN at C(0) = 1 and the message
                        # blamed an unbounded nonlinearity (a probe, 2026-11-28)
                        message = (f"non-finite correlation at iteration {it} at C(0) = "
                                   f"{grown:.3g}: a function of the model is not real and "
                                   "finite for every value of its Gaussian field (e.g. "
                                   "log(x), 1/x, sqrt(x))?")
                    else:
                        message = (f"non-finite correlation at iteration {it} (C(0) had "
                                   f"grown to {grown:.3g}): no bounded stationary solution "
                                   "at these parameters? (an unbounded nonlinearity with "
                                   "gain above one makes the variance grow without limit)")
                    break
                residual = max(float(np.max(np.abs(new[k] - C[k]))) for k in K)
                if points != _RHO_POINTS and residual < 1e3 * tol:
                    points, accel, start = _RHO_POINTS, _Anderson(depth=5), it
                elif residual < tol:
                    C, converged = new, True
                    break
                # Anderson mixing after two plain steps: near the onset of chaos the plain
                # map contracts slowly (hundreds of iterations at g_h = 3, alpha = 0); mixing
                # takes ~30
                x = np.concatenate([C[k] for k in K])
                fx = np.concatenate([new[k] for k in K])
                nxt = accel.step(x, fx, damping) if it - start > 2 else x + damping * (fx - x)
                C = {k: c for k, c in zip(K, np.split(nxt, len(K)))}
                # a covariance stays a covariance: |C(tau)| <= C(0)
                C = {k: np.clip(c, -c[0], c[0]) if c[0] > 0 else new[k] for k, c in C.items()}
            if not converged:
                break
            # a converged iteration is only as good as the averages it iterates: the map at
            # the solution with a rule of twice the nodes estimates the quadrature's error
            u2, w2 = (np.asarray(a) for a in trapezoid_nodes(2 * nodes))
            fine = apply(C, points, u2, w2)
            quad_err = max(float(np.max(np.abs(fine[k] - new[k]))) for k in K)
            limit = max(1e3 * tol, _QUAD_RTOL * max(float(C[k][0]) for k in K))
            if quad_err <= limit:
                message = (f"converged in {it} iterations (residual {residual:.2g}); quadrature "
                           f"error {quad_err:.2g} ({nodes} nodes, against {2 * nodes})")
                break
            if 2 * nodes > max_nodes:
                # the iteration converged, on a map less accurate than the target: every
                # output is still computed, and the result is flagged
                converged, quad_limited = False, True
                message = (f"the quadrature is too coarse: {nodes} nodes per dimension change "
                           f"the correlations by {quad_err:.2g} against {2 * nodes} (limit "
                           f"{limit:.2g})")
                break
            # steep nonlinearities: twice the nodes, from the solution so far (the finer map's
            # value there is the better start)
            nodes, u, w, C = 2 * nodes, u2, w2, fine
    if not converged and not message:
        message = f"no convergence in {max_iter} iterations (residual {residual:.3g})"
        c0_, cinf_, chaotic_, tc_ = _summary(C[0], tau, _static_floor(tol))
        if chaotic_ and tc_ > 0.1 * tau[-1]:
            # near a transition the correlation time grows; a window only a few times
            # longer does not hold the solution (g_h = 2.02: tau_corr = 92, converged with
            # tau_max = 400, not in 3000 iterations with 100)
            message += (f"; the correlation time of the last iterate ({tc_:.3g}) is not small "
                        f"against tau_max = {tau[-1]:g}: raise tau_max")
    coarse, fatal = _coarse_grid_note(system, float(tau[1] - tau[0]))
    grid_limited = converged and fatal
    if grid_limited:  # converged on a discretisation too coarse to trust: flagged
        converged = False
    message += coarse
    if throw and not converged:
        raise ConvergenceError(f"DMFT: {message}")
    if float(C[0][0] - C[0][-1]) > _static_floor(tol):
        # (a fixed point's C falls by ~1e-9 over the window, the remnant of the start:
        # "C still decays" of that was a false warning; a probe, 2026-11-28)
        message += _tail_note(C[0], rtol=1e-3)
    # a state slower than the lag window: its correlation looks flat over it, and a
    # time-dependent solution can be classified static (additive, tau_h = 1e3,
    # tau_max = 200: flat C_h, "not chaotic", where the network is the tau_h = 1 one
    # slowed down); the variances stay about right, the classification does not
    slow = slow_states(system, float(tau[-1]))
    if slow:
        message += ("; warning: " + slow + ": time dependence on longer scales is not "
                    "resolved, and 'chaotic' may read false; raise tau_max")
    c0, cinf, chaotic, tau_corr = _summary(C[0], tau, _static_floor(tol))
    message += _window_note(chaotic, tau_corr, float(tau[-1]))
    # A static solution that is an unstable fixed point is not the answer: the network
    # moves. With a state slower than the lag window (additive, tau_h = 1e3: delta_0
    # 0.5304, "not chaotic", converged, where the answer is the chaotic 0.4812; a probe,
    # 2026-11-28), and near the onset of chaos, where the correlation time diverges (the
    # dmft sweep of sweeps.md, tau_max 50, stored alpha_r = 0, g_h = 2.1 as a converged
    # fixed point of stability 1.003; the default window does not converge there,
    # tau_corr ~ 50; a probe, 2026-11-28). Not a result.
    rho = 0.0 if chaotic else _static_unstable(model, p, c0, system.states[K[0]])
    if rho > 1 + _STATIC_STABILITY_TOL:
        converged, chaotic = False, None
        message = _not_converged(message, "not converged, chaos not resolved: the "
                                          "iteration settled ")
        message += (f"; the static solution is the fixed point of stability {rho:.4g} > 1 "
                    "(unstable): " + ("the time-dependent solution is slower than the lag "
                                      "window; raise tau_max (and dtau with it)" if slow else
                                      "a time-dependent solution the window does not "
                                      "resolve (near the onset of chaos its correlation "
                                      "time diverges); raise tau_max"))
        if throw:
            raise ConvergenceError(f"DMFT: {message}")
    lyap = float("nan")
    if (converged or quad_limited or grid_limited) and lyapunov:
        from .dmft_lyapunov import lyapunov_gaussian

        lyap, _ = lyapunov_gaussian(system, C, tau, u, w)
        if quad_limited:
            message += "; lambda_max computed on this too coarse map"
        if chaotic is False and lyap > _STATIC_LAMBDA_TOL and converged:
            # the iteration can settle on the unstable static solution (a start of
            # variance 1e-12 at g_h = 4 did; found by a probe). That was a warning in the
            # message while the result read "converged, not chaotic", and a sweep stored
            # it so: the dmft sweep of sweeps.md at alpha_r = 0, g_h = 2.2 (tau_max 50,
            # dtau 0.1), which the default window finds chaotic (a probe, 2026-11-28;
            # the stability check above now catches that point first). An unstable static
            # solution is not the answer: not converged.
            converged, chaotic = False, None
            message = _not_converged(message, "not converged, chaos not resolved: an "
                                              "unstable static solution found ")
            message += (f"; the solution is static but lambda_max = {lyap:.3g} > 0: it is "
                        "unstable, and a time-dependent solution may exist here (raise "
                        "tau_max, or start from a larger initial_variance)")
            if throw:
                raise ConvergenceError(f"DMFT: {message}")
    gains = {k: tuple(b for _, b in system.gain[k]) for k in K}  # one per driving field
    return DMFTResult(model.name, dict(p), tau, {system.states[k]: C[k] for k in K}, c0, cinf,
                      tau_corr, chaotic, converged, residual, it, message, lyapunov_max=lyap,
                      filters={system.states[k]: {"rate": system.rate[k],
                                                  "gain": g[0] if len(g) == 1 else g}
                               for k, g in gains.items()})


#: Negative spectral weight of the sampled field covariance beyond which a sampled
#: solve is not converged (converged runs stay under 0.02, where a note starts).
NEGATIVE_WEIGHT_LIMIT = 0.25


def _sampled_slow_states(kern, p: dict, C: np.ndarray, field_corr, tau_max: float,
                         seed: int, draws: int = 4096) -> tuple[str, str]:
    """The states whose mean relaxation time ``1 / <a_k>`` exceeds WINDOW_FRACTION
    tau_max, in words: those that feed the others, and those that feed nothing ('' when
    none).

    ``a_k = -d(dx_k/dt)/dx_k`` is averaged over Gaussian draws of the states and fields
    with the solution's variances (a state forgets its past at the mean of its rate: the
    gated h at <s_z(z)>). A rate that is not positive on average is slow too. Gated
    alpha_z = 50 averages to about 1/2 (z is symmetric), so its marginal slowing is not
    caught here (the drop test of the caller does). A state feeds the others where moving
    it moves a presynaptic function or another state's velocity at these parameters (the
    gated r does not at alpha_r = 0: tau_r = 1e3 left delta_0 as it was, 0.0897).
    """
    rng = np.random.default_rng([seed, 7919])
    sd = np.sqrt(np.maximum(np.asarray(C)[:, 0], 0.0))
    x = [s * rng.standard_normal(draws) for s in sd]
    eta = [None] * len(kern.fields)
    for gi, members in enumerate(kern.groups):
        for f in members:
            eta[f] = math.sqrt(max(float(field_corr[gi][0]), 0.0)) * rng.standard_normal(draws)
    pv = [p[n] for n in kern.params]
    with np.errstate(over="ignore", invalid="ignore"):
        rates = kern.module.rates(*x, *eta, *pv)
    feeding, alone = [], []
    for k, (name, a) in enumerate(zip(kern.states, rates)):
        mean = float(np.mean(np.broadcast_to(np.asarray(a, dtype=float), (draws,))))
        # (as slow_states: 1/a > WINDOW_FRACTION tau_max; NaN and rates <= 0 included)
        if not (mean > 0 and 1.0 / mean <= WINDOW_FRACTION * tau_max):
            (feeding if _feeds(kern, pv, k, x, eta) else alone).append(
                f"the mean relaxation time 1/<a> = "
                f"{1.0 / mean if mean > 0 else math.inf:.3g} of {name}")
    tail = f" not short against tau_max = {tau_max:g} (at most {WINDOW_FRACTION:g} tau_max)"
    return tuple(", ".join(group) + (" is" if len(group) == 1 else " are") + tail
                 if group else "" for group in (feeding, alone))


def _feeds(kern, pv: list, k: int, x: list, eta: list, probes: int = 7) -> bool:
    """Whether state ``k`` moves a presynaptic function or another state's velocity."""
    x = [np.asarray(v)[:probes] for v in x]
    eta = [np.asarray(v)[:probes] for v in eta]
    moved = list(x)
    moved[k] = x[k] + 0.37
    mod = kern.module
    with np.errstate(over="ignore", invalid="ignore"):
        pairs = list(zip(mod.presynaptic(*x, *pv), mod.presynaptic(*moved, *pv)))
        pairs += [ab for j, ab in enumerate(zip(mod.velocity(*x, *eta, *pv),
                                                mod.velocity(*moved, *eta, *pv))) if j != k]
    return any_moved(pairs)


def _check_heun_step(model, p: dict, dtau: float) -> None:
    """Refuse a step the sampled process's Heun integration cannot take (before any work).

    Heun's method is stable on the negative real axis up to a step of 2 time constants,
    and a step beyond one time constant is wrong by order one (as ``simulate`` refuses
    for its integrators). tau_z = 0.045 at dtau = 0.1 ran to C_z(0) = 1e170 with advice
    to raise samples; tau_z = 0.06 converged to C_z(0) = 0.46 against 0.365 (a probe,
    2026-11-28). A necessary condition only: rates set by the gates are not checked.
    """
    for name, tau in model.time_constants(p).items():
        if dtau > tau:
            raise ParameterError(
                f"dtau={dtau:g} exceeds the time constant {tau:g} of {name} (Heun's step of "
                f"the sampled process is stable only up to 2 time constants and wrong by "
                f"order one beyond 1): reduce dtau below {tau:g}")


def _solve_sampling(model, p, *, tau_max, dtau, damping, tol, max_iter, initial_variance,
                    samples, T, burn, replicas, seed, averaging, throw, lyapunov=True,
                    progress=None, ck=None) -> DMFTResult:
    """Sampled DMFT: ``replicas`` independent self-consistent solutions, averaged.

    Each replica draws its own white noise once (common random numbers: every iteration
    of a replica reuses it), so its sampled map C_eta -> F(C_eta) is smooth and
    deterministic and the iteration converges to the map's fixed point to any tolerance;
    that fixed point differs from the exact solution by the sampling error, amplified by
    the self-consistency, and its state correlations are measured on the very noise the
    fields were tuned to. So each replica then makes ``averaging`` passes with fresh
    noise (plus ``_AVERAGE_DISCARD`` discarded), damped, and averages them; the spread of
    these averages over independent replicas is the statistical error. The first replica
    starts with a cheap stage on a quarter of its samples; the others start from its
    solution.
    """
    from .dmft_sampling import sampled_correlations, site_kernels

    _check_heun_step(model, p, dtau)
    kern = site_kernels(model)
    n = int(round(tau_max / dtau)) + 1
    tau = dtau * np.arange(n)
    steps, nburn = int(round(T / dtau)), int(round(burn / dtau))
    per = samples // replicas
    Cg = [initial_variance * np.exp(-tau) for _ in kern.groups]
    sizes = [n] * len(Cg)
    results, fields, it, residual, converged, negative = [], [], 0, float("inf"), True, 0.0
    # The negative spectral weight reported is that of the fields drawn at the end of each
    # replica's iteration and in its averaging passes, where they are the solution's; the
    # iterates on the way are no stationary covariances (at the zero fixed point, g_h =
    # 0.5, alpha_z = 2, they are the decaying remnant of the start) and their 45-50 %
    # made a converged solve "not a solution" (found 2026-11-28)
    last_negative = 0.0

    def one_pass(fields_now, m, rng, x0, noise):
        """One sampled pass: the new field correlations (checked finite) and the pass."""
        nonlocal it, last_negative
        it += 1
        out = sampled_correlations(kern, p, fields_now, n_lags=n, dtau=dtau, steps=steps,
                                   burn=nburn, samples=m, batches=2, rng=rng, x0=x0,
                                   noise=noise)
        new = [g.mean(axis=0) for g in out["group"]]
        if not all(np.all(np.isfinite(c)) for c in new):
            raise _ran_away(f"non-finite correlations at iteration {it}")
        last_negative = out["negative"]
        return new, out

    def as_covariance(cs, fallback):
        # a covariance must stay a covariance: |C(tau)| <= C(0)
        return [np.clip(c, -c[0], c[0]) if c[0] > 0 else b for c, b in zip(cs, fallback)]

    lams, notes, guess = [], [], None
    # a checkpoint holds the replicas done (and their lambda_max): a resumed solve starts
    # after them with their fields, and gives the same result as one never stopped
    saved = ck.load() if ck is not None else None

    def save(done_all: bool = False):
        ck.save(results=np.array(results), fields=np.array(fields, dtype=float),
                Cg=np.array(Cg), it=it, residual=residual, converged=converged,
                negative=negative, finished=done_all, lams=np.array(lams, dtype=float),
                notes=np.array(notes, dtype=str), guess=np.nan if guess is None else guess)

    def restore(d):
        nonlocal results, fields, Cg, it, residual, converged, negative, lams, notes, guess
        if d["Cg"].shape != (len(Cg), n) or d["results"].shape[1:] != (len(kern.states), n):
            raise ValueError("its correlations have another shape")
        results, fields = list(d["results"]), [list(f) for f in d["fields"]]
        Cg = list(d["Cg"])
        it, residual = int(d["it"]), float(d["residual"])
        converged, negative = bool(d["converged"]), float(d["negative"])
        lams, notes = list(d["lams"]), [str(x) for x in d["notes"]]
        guess = None if np.isnan(d["guess"]) else float(d["guess"])
        return bool(d["finished"])

    finished = ck.restore(restore, saved) if saved is not None else False
    for rep in range(len(results), 0 if finished else replicas):
        stages = ([(max(per // 4, 16), 10 * tol)] if rep == 0 else []) + [(per, tol)]
        for m, stage_tol in stages:
            ok, accel, plain = False, _Anderson(depth=5), 0
            noise: dict = {}  # this replica's white noise, drawn once, reused every pass
            for _ in range(max_iter):
                new, out = one_pass(Cg, m, np.random.default_rng([seed, rep]), None, noise)
                residual = max(float(np.max(np.abs(a - b))) / max(float(a[0]), 1e-12)
                               for a, b in zip(new, Cg))
                if progress is not None:
                    progress(f"replica {rep + 1}/{replicas}"
                             + (" (first stage)" if m < per else "")
                             + f", iteration {it}: relative change {residual:.3g} "
                             f"(tolerance {stage_tol:g})")
                if _DEBUG:
                    print(rep, it, m, [float(c[0]) for c in new], residual,
                          float(out["state"]()[0, :, 0].mean()))
                if residual < stage_tol:
                    ok, Cg = True, new
                    break
                x, fx = np.concatenate(Cg), np.concatenate(new)
                # a few plain iterations before Anderson mixing starts from a far guess
                plain += 1
                with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                    nxt = accel.step(x, fx, damping) if plain > 2 else x + damping * (fx - x)
                if not np.all(np.isfinite(nxt)):
                    raise _ran_away(f"C(0) grew to {max(float(c[0]) for c in new):.3g} at "
                                    f"iteration {it}")
                Cg = as_covariance(np.split(nxt, np.cumsum(sizes)[:-1]), new)
            converged = converged and ok
            if m == per or not ok:
                negative = max(negative, last_negative)
            if not ok:
                break
        # The replica's fixed point above is that of its own frozen noise: the state
        # variance is measured on the very noise the fields were tuned to, and the
        # self-consistency amplifies that realisation. On the same fields, fresh noise
        # gives at once a typical value (g_h = 4, alpha_z = alpha_r = 5, T = 300, seed 0:
        # 0.2156 with the frozen noise, 0.206 with fresh noise in the first pass). So the
        # replica goes on with fresh noise in every pass, damped, and its result is the
        # average of the passes after the first ``_AVERAGE_DISCARD``.
        passes = averaging + _AVERAGE_DISCARD if averaging and converged else 0
        kept_state, kept_fields, x0 = [], [], out["final"]
        for j in range(passes):
            if progress is not None:
                progress(f"replica {rep + 1}/{replicas}, averaging with fresh noise: pass "
                         f"{j + 1}/{passes}")
            new, out = one_pass(Cg, per, np.random.default_rng([seed, rep, j + 1]), x0, None)
            negative = max(negative, last_negative)
            if j >= _AVERAGE_DISCARD:
                kept_state.append(out["state"]().mean(axis=1))
                kept_fields.append(Cg)
            x0 = out["final"]
            Cg = as_covariance([c + _AVERAGE_DAMPING * (b - c) for c, b in zip(Cg, new)], new)
        if not kept_state:  # averaging = 0, or the replica did not converge
            kept_state, kept_fields = [out["state"]().mean(axis=1)], [Cg]
        results.append(np.mean(kept_state, axis=0))
        fields.append([np.mean(f, axis=0) for f in zip(*kept_fields)])
        if ck is not None:
            save(done_all=not converged or len(results) == replicas)
        if not converged:
            break
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        C = np.mean(results, axis=0)
        C_err = (np.std(results, axis=0, ddof=1) / math.sqrt(len(results))
                 if len(results) > 1 else np.full_like(C, np.nan))
    if not (np.all(np.isfinite(C)) and (len(results) < 2 or np.all(np.isfinite(C_err)))):
        # the fields settled but a state variable ran away (a negative rate: a "gate"
        # that changes sign), so its correlations overflowed
        raise ParameterError("the single-site process ran away: the correlations of its "
                             "state overflowed (a negative rate, e.g. a gate that changes "
                             "sign?); no bounded stationary solution at these parameters")
    stat = float(C_err[0][0])  # the standard error of delta_0 = C_h(0) over the replicas
    slow, slow_alone = _sampled_slow_states(kern, p, C, fields[-1] if fields else Cg,
                                            tau_max, seed)
    if converged:
        message = (f"converged: {replicas} independent replicas of {per} trajectories, "
                   f"{it} iterations in all (last relative change {residual:.2g}"
                   + (f", then {averaging} passes with fresh noise averaged" if averaging
                      else ", frozen noise") + "); "
                   f"sampling error of delta_0 {stat:.2g} (SEM over replicas)")
    else:
        message = (f"no convergence in {max_iter} iterations of replica {len(results)} "
                   f"(relative change {residual:.3g}, tolerance {tol:g})")
        if per < 1000:
            # g_h = 3, alpha_z = 5: 1024 samples (256 a replica) stall at a relative change
            # of 0.004-0.005 at the last lag, 2000 converge, as the default 4000 do
            message += (f"; with {per} trajectories a replica the iteration can stall at "
                        "its own sampling noise: raise samples (default 4000)")
    if negative > 0.02:
        message += (f"; the sampled field covariance had {negative:.1%} negative "
                    "spectral weight: its estimate is noisy (too few samples for "
                    f"{n} lags: raise samples or T) or it has not decayed by tau_max")
    if negative > NEGATIVE_WEIGHT_LIMIT and converged:
        # mostly negative weight: the fields drawn are not those of the estimate at all.
        # beta_z = 20 (s_z ~ e^-20, a time scale of 5e8) kept the N(0, 1) start through
        # the burn: delta_0 0.97 "converged", chaotic, with 100 % negative weight (a
        # probe, 2026-11-28); converged runs stay under 2 %
        converged = False
        message = _not_converged(message, "not converged: ")
        message += ("; with this much negative weight the sampled fields do not follow "
                    "the estimate: not a solution (a state slower than burn and T keeps "
                    "its start; raise burn and T, or check the time scales)")
    if slow:  # (after the check above: both can hold, beta_z = 20)
        # additive tau_h = 1e3 (tau_max 100): delta_0 0.123 "converged", chaotic, where the
        # answer is the Gaussian 0.481; gated alpha_z = 0, beta_z = 5, g_h = 3 (the update
        # gate e^-5 slows h to 150): 0.059 against 0.0912 (the Gaussian value, which at
        # alpha_z = 0 does not depend on beta_z: time is rescaled) (2026-11-28).
        # The window holds a flat piece of each slow correlation and the fields drawn from
        # it are wrong; the Gaussian method only warns, its variances stay about right
        converged = False
        message = _not_converged(message, "not converged: ")
        message += ("; " + slow + ": the sampled window does not hold its correlations, "
                    "and the fields drawn from them are wrong; raise tau_max (T and burn "
                    "follow it)")
    if slow_alone:
        # a slow state that feeds nothing (the gated r at alpha_r = 0): its own C is not
        # resolved, the rest is unaffected (as the Gaussian method, a warning)
        message += ("; warning: " + slow_alone + ": its own correlation is not resolved "
                    "(it feeds no other state, so the rest is unaffected); raise tau_max")
    if throw and not converged:
        raise ConvergenceError(f"DMFT: {message}")
    # (a fixed point's remnant, 5e-21 at the zero fixed point, "still decays": no
    # warning below the floor, as in the Gaussian method)
    tail = _tail_note(C[0]) if float(C[0][0] - C[0][-1]) > _CHAOS_FLOOR else ""
    message += tail
    # Time dependence is judged by the drop C(0) - C(inf) against its own sampling error
    # (the spread of each replica's drop), not against the error of C(0): with slow
    # dynamics (large alpha_z) each replica's variance scatters by far more than its drop
    # does, and that test called a chaotic solution with a 2 % drop a fixed point.
    cinfs = np.array([static_part(r[0]) for r in results])
    drops = np.array([r[0][0] for r in results]) - cinfs
    drop_err = (float(drops.std(ddof=1) / math.sqrt(len(drops))) if len(drops) > 1
                else float("nan"))
    # and against an absolute floor: at g_h = 1e-3, alpha_z = 2 the remnant of the initial
    # state, C_h(0) = 1.7e-32, decays over the lags by far more than its own spread and
    # was called chaos
    c0, cinf, chaotic, tau_corr = _summary(
        C[0], tau, max(5 * drop_err if drop_err == drop_err else 0.0, _CHAOS_FLOOR))
    inf_err, tau_err = _replica_errors(results, tau, cinfs, chaotic)
    message += _window_note(chaotic, tau_corr, float(tau[-1]))
    if slow:
        # a window that holds a flat piece of a slow correlation cannot tell chaos from a
        # fixed point (tau_h = 1e3 read "chaotic" from a 2 % drop): undecided
        chaotic = None
    if not converged and chaotic is False and drops.mean() > max(_CHAOS_FLOOR, 1e-6 * c0):
        # an iterate that did not converge, whose C decays by less than 5 standard errors
        # yet not by nothing: "fixed point" is a guess (alpha_z = 2, beta_z = 2, 200
        # trajectories a replica: C falls by 40 % +- 35 %, "chaotic: no", and a sweep
        # stored it as a fixed point; a probe, 2026-11-28)
        chaotic = None
    if converged and not chaotic and tail and drops.mean() > 2 * drop_err:
        # C decays to the end of the window by more than its noise, yet not enough to
        # call it chaos: a slow solution (g_h = 3, alpha_z = 50 decays by 2 % over 100)
        # that this window and sample cannot classify. Saying "fixed point" would be a
        # guess, so the solve is reported as not converged.
        # neither chaotic nor not: None (it read "chaotic: no" beside this message; found
        # by a probe, 2026-11-28)
        converged, chaotic = False, None
        message = _not_converged(message, "not converged, chaos not resolved: ")
        message += (f"; C decays by {drops.mean():.2g} +- {drop_err:.1g} "
                    f"(standard error over replicas) within tau_max, too little to call it "
                    f"chaos and too much for a fixed point: raise tau_max, T or samples")
        if throw:
            raise ConvergenceError(f"DMFT: {message}")
    if converged and chaotic is False:
        # the Gaussian method's check (a static solution that is an unstable fixed point
        # is not the answer: the network moves), with the branch matched within four
        # standard errors of the sampled delta_0. A frozen-noise solve with 50
        # trajectories a replica at g_h = 4, alpha_z = 2 settled on 0.164, the unstable
        # branch's 0.155 (stability 1.51), and was called converged, not chaotic
        rho = _static_unstable(model, p, c0, kern.states[0],
                               abs_tol=4 * stat if stat == stat else 1e-12)
        if rho > 1 + _STATIC_STABILITY_TOL:
            converged, chaotic = False, None
            message = _not_converged(message, "not converged, chaos not resolved: ")
            message += (f"; the static solution is the fixed point of stability {rho:.4g} "
                        "> 1 (unstable): a time-dependent solution the window or the "
                        "sample does not resolve; raise tau_max, T or samples")
            if throw:
                raise ConvergenceError(f"DMFT: {message}")
    lyap, lyap_err = float("nan"), float("nan")
    if lyapunov and converged and chaotic:
        from .dmft_tangent import lyapunov_sampled

        # one exponent per replica (its own converged fields and trajectories): their
        # spread is the statistical error, as for delta_0
        # (an oscillating C, e.g. with adaptation, can make the integral tau_corr <= 0;
        # 0.5 / tau_corr was then a negative guess whose bracket made the tangent
        # process overflow, and 2 tau_corr a window that zeroed every covariance;
        # and a tiny positive one a guess so large that the bracket's top, 2 guess, made
        # the explicit Heun steps of the tangent process unstable: at most 0.25 / dtau)
        # and, with an oscillating C whose integral is small but positive, a window of
        # 2 tau_corr that cut the covariances off inside their first swing: adaptation
        # b = 0.15 gave tau_corr 0.36 and lambda_max 0.085 +- 0.003, converged, where
        # the network has 0.220 and b = 0.1 and 0.2 give 0.235 and 0.221 (2026-11-28). The
        # scale used is therefore at least the envelope's 1/e decay time, which is
        # tau_corr's size where C decays exponentially
        scale = max(tau_corr, _envelope_time(C[0], tau, cinf)) if tau_corr > 0 else None
        if guess is None:
            guess = min(0.5 / scale, 0.25 / dtau) if scale else 0.1
        for rep, Cf in enumerate(fields):
            if rep < len(lams):  # done before a checkpoint
                continue
            if progress is not None:
                progress(f"lambda_max: sampled tangent process, replica {rep + 1}/{replicas}")
            lam, info = lyapunov_sampled(model, p, Cf, n_lags=n, dtau=dtau,
                                         steps=steps, burn=nburn, samples=per,
                                         seed=seed * 1000 + rep, guess=guess,
                                         window=2 * scale if scale else None)
            guess = lam
            lams.append(lam)
            if not info["converged"]:
                notes.append(info["message"])
            if ck is not None:
                save(done_all=True)
        lyap = float(np.mean(lams))
        lyap_err = float(np.std(lams, ddof=1) / math.sqrt(len(lams)))
        message += (f"; lambda_max {lyap:.4g} +- {lyap_err:.2g} (sampled tangent process, "
                    f"SEM over replicas)")
        if notes:
            message += "; " + "; ".join(notes)
            converged = False
        if lyap + 3 * lyap_err < 0:
            # chaos with perturbations that decay is no chaos: the C that "decays" is the
            # remnant of the start, sampled too coarsely to vanish (g_h = 0.5, alpha_z = 2,
            # 128 samples, T = 60: delta_0 1e-8 "chaotic" with lambda_max -0.41 +- 0.008;
            # the defaults find delta_0 1e-19, not chaotic; found by a probe, 2026-11-28)
            converged, chaotic = False, None
            message = _not_converged(message, "not converged, chaos not resolved: ")
            message += ("; the fluctuations look chaotic but lambda_max is significantly "
                        "negative (perturbations decay): they are the remnant of the "
                        f"start, not chaos; raise burn (here {burn:g}; tau_max / 2 by "
                        "default), T or samples")
            if throw:
                raise ConvergenceError(f"DMFT: {message}")
    return DMFTResult(model.name, dict(p), tau, dict(zip(kern.states, C)), c0, cinf,
                      tau_corr, chaotic, converged, residual, it, message, method="sampling",
                      stat_error=stat, samples=samples, lyapunov_max=lyap,
                      lyapunov_error=lyap_err, C_error=dict(zip(kern.states, C_err)),
                      delta_inf_error=inf_err, tau_corr_error=tau_err,
                      field_C={kern.fields[f]: np.mean([fs[gi] for fs in fields], axis=0)
                               for gi, members in enumerate(kern.groups) for f in members},
                      field_C_replicas={kern.fields[f]: np.array([fs[gi] for fs in fields])
                                        for gi, members in enumerate(kern.groups)
                                        for f in members})
