r"""Dimension of chaotic activity: the participation ratio from the DMFT (spec section 5).

The participation ratio of the equal-time covariance :math:`C` of an observable of the
units (the rates :math:`\phi(h)` by default), :math:`PR = (\mathrm{tr}\, C)^2 /
\mathrm{tr}\, C^2`, is extensive: :math:`\mathrm{tr}\, C = N\, c_0` with :math:`c_0` the
single-site variance, while :math:`\mathrm{tr}\, C^2` collects the :math:`N` squared
variances and the :math:`N^2` squared cross-covariances, each of order :math:`1/N`.
The single-site DMFT gives :math:`c_0`; the cross-covariances need more. This module
derives them in the frequency domain for the Gaussian (linear-filter) case, for any
member of the family, generalising the two-site cavity result of Clark, Abbott &
Litwin-Kumar (PRL 131, 118401, 2023) for the additive network.

Derivation (the package's own). In linear response about the chaotic state each unit's
outputs :math:`y_{p,i}` (the presynaptic function :math:`g_p` of every field, and the
observable) are an innovation :math:`\xi_i`, independent between units, plus the
response to the unit's fields, :math:`y_i(\omega) = \xi_i(\omega) + R(\omega)\,
\eta_i(\omega)`, with :math:`\eta_{f,i} = \sum_j J^f_{ij} y_{f,j}`. For a linear-filter
state :math:`\dot x_k = -a_k x_k + \sum_f b_{kf}\eta_f` the mean response of output
:math:`p` to field :math:`f` is :math:`R_{pf}(\omega) = \sum_k \langle \partial g_p /
\partial x_k\rangle\, b_{kf} / (a_k + i\omega)` (Novikov: the mean slope over the
stationary Gaussian state is the gain that carries a small cross-correlation through a
nonlinearity). Summing the planar (leading-order) pairings of the independent Gaussian
coupling matrices in :math:`\frac1N\mathrm{tr}\,[E\,C(\omega)\,E\,C(\omega')]` (:math:`E`
the projector on the observable) leaves four corners: the two around the innovations
re-sum to the single-site spectral matrices :math:`S(\omega)` of the outputs (taken
from the DMFT), the two around the projectors to diagonal matrices
:math:`\mathrm{diag}\, v(\omega, \omega')` with

.. math::
    v = e_o + W v, \qquad W_{fp}(\omega, \omega') = \overline{R_{pf}(\omega)}\,
    R_{pf}(\omega') \quad (\text{rows: fields; the observable feeds no field}),

so that

.. math::
    \frac{PR}{N} = \frac{c_0^2}{\iint \frac{d\omega\, d\omega'}{(2\pi)^2}\,
    \mathrm{tr}\left[S(\omega)\, \mathrm{diag}\, v(\omega,\omega')\, S(\omega')\,
    \mathrm{diag}\, v(\omega', \omega)\right]}.

For the additive network (one field, :math:`R = \langle\phi'\rangle / (1 + i\omega)`)
this is Clark et al.'s :math:`\iint S_\phi(\omega) S_\phi(\omega') / |1 -
\overline{R(\omega)} R(\omega')|^2`. :math:`N\langle C_{ij}^2\rangle / c_0^2 = N/PR - 1`
is the mean squared cross-covariance relative to the variance (0 for independent units).

Scope: statistically identical units (no static part of the fields, e.g.
:math:`\beta_h = 0`: a quenched mean input per unit makes the responses differ between
units) and the Gaussian case (the gated model at :math:`\alpha_z = 0`); chaotic
solutions (a fixed point has no temporal covariance). The simulation check is the
``dimension`` study (participation ratio of networks, extrapolated in the record length).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .._errors import ParameterError
from ..codegen.quadrature import trapezoid_nodes
from ..models import Model, get_model
from .dmft import DMFTResult, NotGaussianError, _gaussian_system, _pair_average, dmft
from .dmft_lyapunov import _values

__all__ = ["DimensionResult", "LinearEquivalent", "linear_equivalent", "participation_ratio",
           "planar_trace"]

#: Spectral power (relative) left out by the frequency band of the double integral.
_BAND_RTOL = 1e-9
#: At most this many frequencies (both signs) in the band ...
_MAX_FREQUENCIES = 2401
#: ... and the result is marked failed when the power outside exceeds this (relative).
_BAND_FAIL = 1e-4
#: Rows of the pair-frequency arrays built at once in :func:`planar_trace`.
_ROWS = 128


@dataclass(frozen=True)
class DimensionResult:
    """Participation ratio per unit of one observable's activity, from the DMFT.

    Attributes
    ----------
    pr_per_unit : float
        :math:`PR / N` in the limit of large N (0 when the solution is a fixed point).
    cross_covariance : float
        :math:`N \\langle C_{ij}^2 \\rangle / c_0^2 = N / PR - 1`: the summed squared
        cross-covariances of one unit relative to its squared variance.
    variance : float
        :math:`c_0`: temporal variance of the observable of one unit.
    observable : str
        What the ratio is of (its expression in the unit's variables).
    chaotic : bool
        Whether the DMFT solution is time dependent.
    success : bool
        False when the DMFT did not converge, the correlations keep a static part or have
        not decayed by ``tau_max``, the spectra reach beyond the frequency band, or the
        linear-response series diverges (``message`` says which).
    message : str
    band_error : float
        Spectral power outside the frequency band of the double integral, relative.
    dmft_message : str
        The DMFT solve's own message.
    """

    model: str
    params: dict
    observable: str
    pr_per_unit: float
    cross_covariance: float
    variance: float
    chaotic: bool
    success: bool
    message: str
    band_error: float = 0.0
    dmft_message: str = ""
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None
        return d


def _factor_fn(system, i):
    fn = getattr(system.module, f"g{i}")
    return lambda x: (_values(fn, x),)


def _slope_fn(system, i):
    fn = getattr(system.module, f"dg{i}")
    return lambda x: (_values(fn, x),)


def _identity(x):
    return (np.asarray(x, dtype=float),)


def _one_slope(x):
    return (np.ones_like(np.asarray(x, dtype=float)),)


def _types(model: Model, system, observable: str | None):
    """The output types: one per field (its presynaptic factors), then the observable.

    Each type is a dict state index -> (function, slope); constants multiply in."""
    from ..derive.unit import unit_dynamics

    ud = unit_dynamics(model)
    names = [f.name for f in model.fields]
    types, consts = [], []
    for f in range(len(names)):
        parts, const = {}, 1.0
        for k, i in system.factors[f]:
            if k < 0:
                const *= float(_values(getattr(system.module, f"g{i}"), np.zeros(1))[0])
            else:
                parts[k] = (_factor_fn(system, i), _slope_fn(system, i))
        types.append(parts)
        consts.append(const)
    states = list(system.states)
    if observable is None:
        # the rates: the first field whose presynaptic function is one function of one
        # state variable (phi(h) of the gated and the additive model; judged on the
        # model's expression, as a gate frozen at alpha_r = 0 turns s_r(r) phi(h) into a
        # constant times phi(h) at these parameters)
        state_syms = set(ud.states)
        single = [f for f, g in enumerate(ud.presynaptic)
                  if len(g.free_symbols & state_syms) == 1]
        if not single:
            raise ParameterError("observable: no field's presynaptic function is a function "
                                 "of one state variable; name a state variable or a field "
                                 f"({', '.join(states + names)})")
        observable = names[single[0]]
    if observable in states:
        k = states.index(observable)
        types.append({k: (_identity, _one_slope)})
        consts.append(1.0)
        label = observable
    elif observable in names:
        f = names.index(observable)
        types.append(dict(types[f]))
        consts.append(consts[f])
        label = str(ud.presynaptic[f])
    else:
        raise ParameterError(f"observable={observable!r} must be a state variable or a field "
                             f"of model {model.name!r} ({', '.join(states + names)})")
    return types, consts, label


@dataclass(frozen=True)
class LinearEquivalent:
    """The linear network equivalent to the chaotic state, on a band of frequencies.

    ``y_i = xi_i + R(omega) eta_i`` per unit, ``eta_{f,i} = sum_j J^f_ij y_{f,j}``: the
    outputs are one per field (its presynaptic function) and, last, the observable.

    Attributes
    ----------
    omega : ndarray (nw,)
        The frequencies (both signs), spacing ``dw``: ``int d omega / 2 pi`` is
        ``sum * dw / (2 pi)``.
    S : ndarray (nw, P, P)
        Single-site spectral matrix of the outputs' fluctuating parts (real, symmetric).
    R : ndarray (nw, P, F), complex
        Mean response of each output to each field.
    innovation : ndarray (nw, P, P)
        Spectral matrix of the independent innovations, ``S - R diag(S_ff) R^H``.
    variance : float
        Temporal variance of the observable.
    band_error : float
        Relative spectral power outside the band.
    """

    omega: np.ndarray
    dw: float
    S: np.ndarray
    R: np.ndarray
    innovation: np.ndarray
    variance: float
    band_error: float
    fields: tuple
    observable: str


def planar_trace(S: np.ndarray, R: np.ndarray) -> np.ndarray:
    """T(w, w') = lim (1/N) tr[E C(w) E C(w')] over the band (pure kernel).

    ``S`` (nw, P, P) single-site spectral matrices, ``R`` (nw, P, F) responses, the
    observable the last output (it feeds no field). Returns the (nw, nw) matrix
    ``tr[S(w) diag v(w,w') S(w') diag v(w',w)]``, ``v = e_o + W v`` with
    ``W_fp(w, w') = conj(R_pf(w)) R_pf(w')`` (module docstring)."""
    F = R.shape[-1]
    nw = len(R)
    Rc = np.conj(R)
    V = np.ones((nw, nw, F + 1), dtype=complex)       # v(w_j, w_l), the observable's 1 last
    for lo in range(0, nw, _ROWS):  # in blocks of rows: W would take nw^2 F P complex
        W = np.einsum("jpf,lpf->jlfp", Rc[lo:lo + _ROWS], R)
        V[lo:lo + _ROWS, :, :F] = np.linalg.solve(np.eye(F) - W[..., :F],
                                                  W[..., F][..., None])[..., 0]
    return np.einsum("jab,jlb,lba,lja->jl", S, V, S, V, optimize=True)


def response_radius(R: np.ndarray) -> float:
    """Largest spectral radius over the band of W(w, w) (the series v = sum W^n e_o
    converges, and the equivalent linear network is stable, when it is below 1)."""
    F = R.shape[-1]
    diag = np.einsum("jpf,jpf->jfp", np.conj(R), R)[:, :, :F]
    return float(np.max(np.abs(np.linalg.eigvals(diag))))


def _check_grid(tau_max, dtau):
    for name, v in (("tau_max", tau_max), ("dtau", dtau)):
        if isinstance(v, bool) or not (isinstance(v, int | float) and math.isfinite(v)
                                       and v > 0):
            raise ParameterError(f"{name}={v!r} must be a finite number > 0")


def _solve_dmft(model, p, tau_max, dtau, nodes, solution):
    _check_grid(tau_max, dtau)
    try:
        system = _gaussian_system(model, tuple(sorted(p.items())))
    except NotGaussianError as exc:
        detail = str(exc).split(" (for the gated model")[0].split(" (use method=")[0]
        raise ParameterError(f"the dimension theory needs the Gaussian DMFT case (the gated "
                             f"model: alpha_z = 0): {detail}") from None
    if solution is None:
        solution = dmft(model, params=p, method="gaussian", tau_max=tau_max, dtau=dtau,
                        nodes=nodes, lyapunov=False)
    elif not isinstance(solution, DMFTResult) or solution.method != "gaussian":
        raise ParameterError("solution must be a Gaussian-method DMFTResult")
    elif solution.model != model.name or any(
            not math.isclose(solution.params.get(k, math.nan), v) for k, v in p.items()):
        raise ParameterError("solution was solved for another model or other parameters")
    return system, solution


def _equivalent(model, system, solution, observable, nodes) -> LinearEquivalent:
    """The spectra and responses of a converged, chaotic, homogeneous Gaussian solution."""
    types, consts, label = _types(model, system, observable)
    tau = solution.tau
    C = [np.asarray(solution.C[s], dtype=float) for s in system.states]
    # twice the DMFT's starting rule (the rule it checks its own map against): tanh at
    # g = 3 moves PR/N by 2e-5 relative from 80 to 160 nodes, by 1e-12 from 160 to 320
    u, w = (np.asarray(a) for a in trapezoid_nodes(2 * max(int(nodes), 80)))
    P, F = len(types), len(types) - 1
    n = len(tau)
    ones = (lambda x: (np.ones_like(x),), None)
    # cross-correlations of the outputs, each a product over the independent states
    Cab = np.empty((P, P, n))
    for a in range(P):
        for b in range(a, P):
            prod = np.full(n, consts[a] * consts[b])
            for k in set(types[a]) | set(types[b]):
                fa, fb = types[a].get(k, ones)[0], types[b].get(k, ones)[0]
                prod = prod * _pair_average(fa, C[k][0], C[k], u, w, fn2=fb)
            Cab[a, b] = Cab[b, a] = prod - prod[int(0.9 * n):].mean()  # fluctuating part
    means = {}

    def mean(fn, k):  # <fn(x_k)> over the stationary Gaussian x_k
        if (id(fn), k) not in means:
            means[(id(fn), k)] = float(np.sum(w * _values(fn, math.sqrt(max(C[k][0], 0.0))
                                                          * u)))
        return means[(id(fn), k)]

    m = 2 * (n - 1)
    dt = float(tau[1] - tau[0])
    omega = 2 * np.pi * np.fft.fftfreq(m, dt)
    ext = np.concatenate([Cab, Cab[..., -2:0:-1]], axis=-1)
    S = np.fft.fft(ext, axis=-1).real * dt            # (P, P, m)
    # the band: the frequencies holding all but _BAND_RTOL of every output's power
    power = np.abs(np.einsum("aaj->j", S))
    order = np.argsort(np.abs(omega), kind="stable")
    tail = np.cumsum(power[order][::-1])[::-1] / power.sum()
    keep = min(max(int(np.searchsorted(-tail, -_BAND_RTOL)), 3), _MAX_FREQUENCIES, m)
    band = np.sort(order[:keep])
    band_error = float(tail[keep]) if keep < m else 0.0
    om, Sb = omega[band], np.ascontiguousarray(np.moveaxis(S[:, :, band], -1, 0))
    # mean response of output p to field f through every state the field drives:
    # <d g_p / d x_k> b_kf / (a_k + i omega), the slope averaged over the independent states
    R = np.zeros((len(om), P, F), dtype=complex)
    for kk, gains in system.gain.items():
        G = 1.0 / (system.rate[kk] + 1j * om)
        for pp in range(P):
            if kk not in types[pp]:
                continue
            slope = consts[pp] * mean(types[pp][kk][1], kk)
            for k2, (fn, _) in types[pp].items():
                if k2 != kk:
                    slope *= mean(fn, k2)
            for f, b in gains:
                R[:, pp, f] += slope * b * G
    diagS = np.einsum("jff->jf", Sb[:, :F, :F])
    innovation = Sb - np.einsum("jpf,jf,jqf->jpq", R, diagS, np.conj(R)).real
    return LinearEquivalent(om, 2 * np.pi / (m * dt), Sb, R, innovation, float(Cab[-1, -1, 0]),
                            band_error, tuple(f.name for f in model.fields), label)


def linear_equivalent(model: str | Model = "gated", *, params: dict | None = None,
                      observable: str | None = None, tau_max: float = 200.0,
                      dtau: float = 0.05, nodes: int = 80,
                      solution: DMFTResult | None = None,
                      **kwargs: float) -> LinearEquivalent:
    """The equivalent linear network of the chaotic state (arguments as for
    :func:`participation_ratio`): spectra, responses and innovations on a band of
    frequencies, from which the covariance of any realisation of the couplings follows
    (``validation`` evaluates it for a network's own couplings)."""
    model = get_model(model)
    p = model.resolve(params, **kwargs)
    system, solution = _solve_dmft(model, p, tau_max, dtau, nodes, solution)
    problem = _scope(system, solution)
    if problem:
        raise ParameterError(problem)
    return _equivalent(model, system, solution, observable, nodes)


def _scope(system, solution) -> str:
    """Why the theory does not apply to this solution ('' when it does)."""
    if not solution.converged:
        return "the DMFT did not converge: " + solution.message
    for s in system.states:
        c = np.asarray(solution.C[s], dtype=float)
        static = float(c[int(0.9 * len(c)):].mean())
        # (a symmetric model, beta_h = 0, has none; a correlation that has not quite
        # decayed by tau_max near the onset leaves ~1e-5 C(0), which is no static part)
        if c[0] > 0 and static > 1e-3 * c[0]:
            return (f"the dimension theory assumes statistically identical units; here "
                    f"C_{s} keeps {static:.3g} of C(0) = {c[0]:.3g} at the end of the lags: a "
                    f"static part (a quenched input per unit, e.g. a bias beta_h != 0), or "
                    f"a correlation that has not decayed by tau_max = {solution.tau[-1]:g} "
                    f"(then raise tau_max)")
    if not solution.chaotic:
        return "the DMFT solution is a fixed point: no temporal covariance"
    return ""


def participation_ratio(model: str | Model = "gated", *, params: dict | None = None,
                        observable: str | None = None, tau_max: float = 200.0,
                        dtau: float = 0.05, nodes: int = 80,
                        solution: DMFTResult | None = None,
                        **kwargs: float) -> DimensionResult:
    """Participation ratio per unit, PR / N, of the chaotic activity, N -> infinity.

    Parameters
    ----------
    model, params, **kwargs
        Model and parameter values, as for :func:`meanfield.solve.dmft.dmft`.
    observable : str, optional
        A state variable (``"h"``) or a field whose presynaptic function is meant (the
        rates): by default the first field whose presynaptic function is a function of
        one state variable, :math:`\\phi(h)` for the shipped models.
    tau_max, dtau, nodes
        Lag grid and quadrature of the Gaussian DMFT solved first (``tau_max`` must hold
        the decay of the correlations; ``2 pi / (2 tau_max)`` is the frequency spacing).
    solution : DMFTResult, optional
        A converged Gaussian DMFT solution of the same model and parameters to use.

    Raises
    ------
    ParameterError
        Outside the theory's scope (not the Gaussian case), or bad arguments. A solution
        with a static part (a quenched input per unit) or correlations that have not
        decayed by ``tau_max`` gives ``success=False`` and says so, as does a DMFT that
        did not converge.
    """
    model = get_model(model)
    p = model.resolve(params, **kwargs)
    system, solution = _solve_dmft(model, p, tau_max, dtau, nodes, solution)
    settings = dict(tau_max=float(solution.tau[-1]),
                    dtau=float(solution.tau[1] - solution.tau[0]), nodes=nodes)
    label = _types(model, system, observable)[2]

    def result(pr, cross, c0, success, message, band=0.0):
        return DimensionResult(model.name, dict(p), label, pr, cross, c0, solution.chaotic,
                               success, message, band, solution.message, settings)

    problem = _scope(system, solution)
    if problem.startswith("the DMFT solution is a fixed point"):
        return result(0.0, math.nan, 0.0, True, problem + ", dimension 0")
    if problem:
        # not converged, or a static part / an undecayed correlation (which of the two
        # cannot be told from the solution): no value, and the reason, as for any solve
        return result(math.nan, math.nan, math.nan, False, problem)
    le = _equivalent(model, system, solution, observable, nodes)
    radius = response_radius(le.R)
    if radius >= 1.0:
        return result(math.nan, math.nan, le.variance, False,
                      f"the linear-response series diverges (spectral radius {radius:.4g} "
                      f">= 1 at omega = omega'): outside the theory's validity",
                      le.band_error)
    if le.band_error > _BAND_FAIL:
        return result(math.nan, math.nan, le.variance, False,
                      f"the spectra reach beyond the {len(le.omega)} frequencies of the band "
                      f"(|omega| <= {float(np.abs(le.omega).max()):.3g}, spacing pi / tau_max):"
                      f" {le.band_error:.2g} of the power is outside; lower tau_max (a "
                      f"coarser frequency grid) or dtau", le.band_error)
    T = planar_trace(le.S, le.R)
    tr2 = float(T.real.sum()) * (le.dw / (2 * np.pi)) ** 2
    c0 = le.variance
    pr = c0 * c0 / tr2
    message = (f"PR/N = {pr:.4g}; {len(le.omega)} frequencies up to |omega| = "
               f"{float(np.abs(le.omega).max()):.3g} (power outside {le.band_error:.1g}); "
               f"linear-response radius {radius:.3g}")
    return result(float(pr), float(tr2 / (c0 * c0) - 1.0), c0, True, message, le.band_error)
