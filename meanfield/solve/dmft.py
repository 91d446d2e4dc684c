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
is not a linear filter (e.g. alpha_z > 0: the non-Gaussian case is not solved yet).

The stationary equations are solved on a grid of lags by damped iteration
:math:`C \leftarrow (1-\gamma) C + \gamma\, G * C_\eta[C]`: the convolution by FFT on
the symmetric extension of the grid, the two-time Gaussian averages
:math:`\langle g(x_1) g(x_2)\rangle` by a tensor Gauss–Hermite rule (x_1, x_2 jointly
Gaussian with variances C(0) and covariance C(tau)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from .._errors import ConvergenceError, ParameterError
from ..codegen.emit import emit_function
from ..codegen.load import load_source
from ..codegen.quadrature import gauss_hermite_nodes
from ..derive.unit import unit_dynamics
from ..models import Model, get_model

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
    chaotic : bool
        Whether the solution is time dependent: :math:`C(0) - C(\\infty)` above both
        1e-6 :math:`C(0)` and 1000 ``tol`` (else it is a fixed point; a chaotic solution
        with a fluctuating variance below that is not resolved).
    converged : bool
    residual : float
        Largest change of any C over the last iteration.
    iterations : int
    message : str
    """

    model: str
    params: dict
    tau: np.ndarray
    C: dict
    delta_0: float
    delta_inf: float
    tau_corr: float
    chaotic: bool
    converged: bool
    residual: float
    iterations: int
    message: str
    filters: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"model": self.model, "params": self.params, "delta_0": self.delta_0,
                "delta_inf": self.delta_inf,
                "tau_corr": None if math.isnan(self.tau_corr) else self.tau_corr,
                "chaotic": self.chaotic, "converged": self.converged,
                "residual": self.residual, "iterations": self.iterations,
                "message": self.message}


@dataclass(frozen=True)
class _GaussianSystem:
    states: tuple           # state names
    rate: dict              # k -> a_k (callable of params)
    gain: dict              # k -> (f, b_k)
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
            raise ParameterError(
                f"the DMFT solver handles the Gaussian case, where each state variable is a "
                f"linear filter of one field; d{x}/dt depends on {', '.join(dep) or 'itself'} "
                f"nonlinearly at these parameters (for the gated model: alpha_z = 0 is "
                f"required; the non-Gaussian case alpha_z > 0 is not solved yet)")
        if len(coeffs) != 1:
            raise ParameterError(f"d{x}/dt is driven by {len(coeffs)} fields; the Gaussian "
                                 f"DMFT solver needs exactly one per state variable")
        (f, b), = coeffs.items()
        if float(a) <= 0:
            raise ParameterError(f"d{x}/dt has a non-positive relaxation rate {float(a):g}")
        rate[k] = float(a)
        gain[k] = (f, float(b))
    driven = [gain[k][0] for k in gain]
    if len(set(driven)) != len(driven):
        raise ParameterError("two state variables are driven by the same field (correlated "
                             "processes); the Gaussian DMFT solver needs one field per state")
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
            outputs.append((f"g{len(outputs)}", expr))
            fl.append((k, len(outputs) - 1))
        if not fl:  # a constant presynaptic function
            outputs.append((f"g{len(outputs)}", const + 0 * sp.Symbol("x_", real=True)))
            fl.append((-1, len(outputs) - 1))
        factors[f] = tuple(fl)
    funcs = [emit_function(name, ["x_"], [(name, e)], doc="presynaptic factor")
             for name, e in outputs]
    source = ("import numpy as np\nimport scipy.special as sc\n\n\n" + "\n\n".join(funcs))
    module = load_source(source, f"dmft_factors_{model.name}_{abs(hash(fixed)) % 10**8}")
    return _GaussianSystem(tuple(str(s) for s in ud.states), rate, gain, factors, module,
                           model.parameter_names)


def _pair_average(fn, c0, c, u, w):
    """<g(x1) g(x2)> for x1, x2 jointly Gaussian, Var = c0, Cov = c (arrays over lags)."""
    c0 = max(float(c0), 0.0)
    if c0 == 0.0:
        v = fn(np.zeros(1))[0]
        return np.full_like(c, v * v)
    s = math.sqrt(c0)
    rho = np.clip(c / c0, -1.0, 1.0)[:, None, None]
    x1 = s * u[None, :, None]
    x2 = s * (rho * u[None, :, None] + np.sqrt(1 - rho ** 2) * u[None, None, :])
    g1 = fn(x1)[0]
    g2 = fn(x2)[0]
    return np.einsum("tij,i,j->t", g1 * g2, w, w)


def dmft(model: str | Model = "gated", *, params: dict | None = None, tau_max: float = 100.0,
         dtau: float = 0.05, damping: float = 0.5, tol: float = 1e-9, max_iter: int = 3000,
         nodes: int = 48, initial_variance: float = 1.0, throw: bool = False,
         **kwargs: float) -> DMFTResult:
    """Solve the stationary DMFT of ``model`` (Gaussian case) on lags [0, tau_max].

    Parameters
    ----------
    tau_max, dtau : float
        Grid of lags; ``tau_max`` must exceed several correlation times.
    damping : float
        Fraction 0 < damping <= 1 of the new iterate mixed in each iteration.
    tol : float
        Converged when no C changes by more than ``tol`` in an iteration.
    nodes : int
        Gauss–Hermite nodes per dimension of the two-time averages.
    initial_variance : float
        Start: C_k(tau) = initial_variance * exp(-|tau|) (a time-dependent guess, so the
        iteration can reach the chaotic solution where it exists).
    throw : bool
        Raise :class:`ConvergenceError` when not converged (else ``converged=False``).
    """
    model = get_model(model)
    p = model.resolve(params, **kwargs)
    for name, v, lo in (("tau_max", tau_max, 0.0), ("dtau", dtau, 0.0),
                        ("tol", tol, 0.0), ("initial_variance", initial_variance, 0.0)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > lo):
            raise ParameterError(f"{name}={v!r} must be a finite number > {lo:g}")
    if not 0 < damping <= 1:
        raise ParameterError(f"damping={damping!r} must lie in (0, 1]")
    if tau_max < 20 * dtau:
        raise ParameterError(f"tau_max={tau_max:g} must be at least 20 dtau = {20 * dtau:g}")
    system = _gaussian_system(model, tuple(sorted(p.items())))
    n = int(round(tau_max / dtau)) + 1
    tau = dtau * np.arange(n)
    u, w = gauss_hermite_nodes(int(nodes))
    u, w = np.asarray(u), np.asarray(w)
    fns = {i: getattr(system.module, f"g{i}") for f in system.factors
           for _, i in system.factors[f]}
    K = range(len(system.states))
    # Green's functions on the symmetric extension (period 2(n-1) dtau), in Fourier space
    m = 2 * (n - 1)
    lag = dtau * np.minimum(np.arange(m), m - np.arange(m))
    G_hat = {}
    for k in K:
        a = system.rate[k]
        b = system.gain[k][1]
        G_hat[k] = np.fft.rfft(b * b / (2 * a) * np.exp(-a * lag)) * dtau
    C = {k: initial_variance * np.exp(-tau) for k in K}
    tail = slice(int(0.9 * n), n)

    def field_corr(f):
        out = np.ones(n)
        for k, i in system.factors[f]:
            if k < 0:
                out = out * fns[i](np.zeros(1))[0] ** 2
            else:
                out = out * _pair_average(fns[i], C[k][0], C[k], u, w)
        return out

    residual, it, converged = np.inf, 0, False
    message = ""
    for it in range(1, max_iter + 1):
        new = {}
        for k in K:
            f, b = system.gain[k]
            a = system.rate[k]
            Ceta = field_corr(f)
            c_inf = float(Ceta[tail].mean())
            dC = Ceta - c_inf
            ext = np.concatenate([dC, dC[-2:0:-1]])
            conv = np.fft.irfft(np.fft.rfft(ext) * G_hat[k], m)[:n]
            new[k] = conv + (b * b / (a * a)) * c_inf
        if not all(np.all(np.isfinite(v)) for v in new.values()):
            message = f"non-finite correlation at iteration {it}"
            break
        residual = max(float(np.max(np.abs(new[k] - C[k]))) for k in K)
        C = {k: (1 - damping) * C[k] + damping * new[k] for k in K}
        if residual < tol:
            converged = True
            break
    if converged:
        message = f"converged in {it} iterations (residual {residual:.2g})"
    elif not message:
        message = f"no convergence in {max_iter} iterations (residual {residual:.3g})"
    if throw and not converged:
        raise ConvergenceError(f"DMFT: {message}")
    c0 = float(C[0][0])
    cinf = float(C[0][tail].mean())
    # a decaying iterate that converged to within tol of the fixed point is not chaos
    chaotic = (c0 - cinf) > max(1e-6 * c0, 1e3 * tol)
    tau_corr = (float(np.trapezoid(C[0] - cinf, tau) / (c0 - cinf)) if chaotic
                else float("nan"))
    return DMFTResult(model.name, dict(p), tau, {system.states[k]: C[k] for k in K}, c0, cinf,
                      tau_corr, bool(chaotic), converged, residual, it, message,
                      filters={system.states[k]: {"rate": system.rate[k],
                                                  "gain": system.gain[k][1]} for k in K})
