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
nonlinearity; that a nonlinear random network's covariance is, at large N, that of such a
linear network is derived by the two-site cavity method in D. G. Clark,
arXiv:2604.23489, 2026). Summing the planar (leading-order) pairings of the independent Gaussian
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

Units that differ. With a static part of the fields (a bias :math:`\beta_h \ne 0`) each
unit has a quenched mean input :math:`m`, and its own responses :math:`R_m` and spectra
:math:`S_m`. The chords of the planar pairings then visit independent units, so
:math:`W` becomes the units' average :math:`E_m[\overline{R_m(\omega)} R_m(\omega')]`,
while the four corners meet at one unit (the central face carries one index), so the
trace is :math:`E_m\,\mathrm{tr}[S_m(\omega)\,\mathrm{diag}\,v\,S_m(\omega')\,
\mathrm{diag}\,\bar v]` (with :math:`v(\omega', \omega) = \bar v(\omega, \omega')`). The
average over :math:`m` (Gaussian, variance :math:`C(\infty)` per state) is a
Gauss-Hermite rule; the unit's fluctuations, of covariance :math:`C(\tau) - C(\infty)`,
are averaged as before. Checked against random linear networks with two classes of
units. When the units' spectra and responses are sampled (the update gate:
:mod:`meanfield.solve.dimension_sampling`), the static parts of the fields are drawn per
unit (a scrambled Sobol' set mapped to normal numbers) and both averages over :math:`m`
are estimated from two independent halves of each unit's trajectories, whose products
are unbiased for the products of the unit's exact values.

Scope: the Gaussian case (the gated model at :math:`\alpha_z = 0`); chaotic solutions (a
fixed point has no temporal covariance) whose correlations have decayed by
``tau_max``. The simulation check is the ``dimension`` study (participation ratio of
networks, extrapolated in the record length).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import reduce

import numpy as np

from .._checks import check_float, is_integer
from .._errors import ParameterError
from .._repr import short_repr
from ..codegen.quadrature import trapezoid_nodes
from ..derive.dimension import default_observable
from ..models import Model, get_model
from .dmft import (DMFTResult, NotGaussianError, _gaussian_system, _pair_average, dmft,
                   slow_states, static_part)
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
#: A state's correlation keeping more than this fraction of C(0) at the end of the lags
#: has a static part (units differ by a quenched mean), averaged over with Gauss-Hermite
#: nodes per such state, by the number of such states (additive, beta_h = 1: PR/N moves
#: by 6e-3 relative from 12 to 20 nodes, by 8e-5 from 20 to 30, by 3e-8 from 30 to 40).
_STATIC_RTOL = 1e-6
_STATIC_NODES = {1: 32, 2: 24}
#: Over the last tenth of the lags every correlation must change by less than this
#: fraction of its fluctuating part (else tau_max is too short for the spectra).
_DECAY_RTOL = 1e-3
#: Sampling: a state whose correlation keeps more than this fraction of its variance (and
#: more than 3 standard errors) over the last tenth of the lags, without falling there, has
#: a static part: units that differ when a field has one too (the per-unit route), else a
#: state frozen per unit (refused).
_SAMPLED_STATIC = 0.01
#: Sampling: the result fails when more than this fraction of the spectral power lies above
#: half the Nyquist frequency of the lag grid (the process is not resolved by dtau).
_SAMPLED_BAND_FAIL = 1e-3


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
        False when the DMFT did not converge, the correlations have not decayed by
        ``tau_max``, the spectra reach beyond the frequency band, or the linear-response
        series diverges (``message`` says which).
    message : str
    band_error : float
        Spectral power outside the frequency band of the double integral, relative.
    dmft_message : str
        The DMFT solve's own message.
    settings : dict
        The lag grid, and for sampling the trajectories, batches and seed.
    method : str
        ``"gaussian"`` (spectra and responses from the correlation functions,
        deterministic) or ``"sampling"`` (measured on the sampled single-site process,
        :mod:`meanfield.solve.dimension_sampling`; the update gate, alpha_z > 0).
    stat_error : float
        Sampling: standard error of ``pr_per_unit``, the sampled DMFT's own error
        counted: batch ``b`` of trajectories is driven by the fields of the DMFT's replica
        ``b mod G`` and the error is the spread over those ``G`` groups (``G`` = the
        replicas, 4 by default, or fewer batches; Student's t with ``G - 1`` degrees of
        freedom). For a given solution without replica fields, the spread over the
        batches, its fields taken as exact. 0 for the Gaussian method.
    """

    __repr__ = short_repr

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
    method: str = "gaussian"
    stat_error: float = 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None
        if d["pr_per_unit"] is None:  # no value, so no error of it (was 0.0; a probe)
            d["stat_error"] = d["band_error"] = None
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
    kind, i = _resolve_observable(model, list(system.states), observable)
    if kind == "state":
        types.append({i: (_identity, _one_slope)})
        consts.append(1.0)
        label = system.states[i]
    else:
        types.append(dict(types[i]))
        consts.append(consts[i])
        label = str(ud.presynaptic[i])
    return types, consts, label


def _resolve_observable(model: Model, states: list, observable: str | None) -> tuple:
    """("state", index into ``states``) or ("field", index of the field) of the
    observable; the default: :func:`~meanfield.derive.dimension.default_observable`."""
    names = [f.name for f in model.fields]
    choices = ", ".join(list(states) + names)
    if observable is None:
        f = default_observable(model)
        if f is None:
            raise ParameterError("observable: no field's presynaptic function is a function "
                                 f"of one state variable; name a state variable or a field "
                                 f"({choices})")
        return "field", f
    if observable in states:
        return "state", list(states).index(observable)
    if observable in names:
        return "field", names.index(observable)
    raise ParameterError(f"observable={observable!r} must be a state variable or a field "
                         f"of model {model.name!r} ({choices})")


@dataclass(frozen=True)
class LinearEquivalent:
    """The linear network equivalent to the chaotic state, on a band of frequencies.

    ``y_i = xi_i + R_i(omega) eta_i`` per unit, ``eta_{f,i} = sum_j J^f_ij y_{f,j}``: the
    outputs are one per field (its presynaptic function) and, last, the observable. A
    unit is labelled by the static part ``m`` of its state variables (a quenched mean
    input; none when the fields have no static part), averaged over by a quadrature.

    Attributes
    ----------
    omega : ndarray (nw,)
        The frequencies (both signs), spacing ``dw``: ``int d omega / 2 pi`` is
        ``sum * dw / (2 pi)``.
    weights : ndarray (nm,)
        Quadrature weights of the units' static parts (one node of weight 1 without).
    S : ndarray (nm, nw, P, P)
        Spectral matrix of the outputs' fluctuations of a unit at each node (real,
        symmetric).
    slopes : ndarray (nm, P, K)
        Mean slope of each output in each state variable, at each node.
    H : ndarray (nw, K, F), complex
        Filter of each state variable's response to each field, ``b_kf / (a_k + i w)``.
    variance : float
        Temporal variance of the observable, averaged over the units.
    band_error : float
        Relative spectral power outside the band.
    """

    __repr__ = short_repr

    omega: np.ndarray
    dw: float
    weights: np.ndarray
    S: np.ndarray
    slopes: np.ndarray
    H: np.ndarray
    variance: float
    band_error: float
    fields: tuple
    observable: str

    @property
    def R(self) -> np.ndarray:
        """Mean response of each output to each field, (nm, nw, P, F)."""
        return np.einsum("mpk,jkf->mjpf", self.slopes, self.H)

    @property
    def moments(self) -> np.ndarray:
        """The slopes' second moments over the units, E_m[s_pk s_pq], (P, K, K)."""
        return np.einsum("m,mpk,mpq->pkq", self.weights, self.slopes, self.slopes)

    def W(self, rows: slice) -> np.ndarray:
        """The units' average E_m[conj(R_m(w_j)) R_m(w_l)] for the rows j, all l,
        (rows, nw, F, P), from the slopes' second moments (R_m = slopes_m H): never the
        per-unit responses, which at 24^2 static nodes and 2401 frequencies take 265 MB."""
        return np.einsum("pkq,jkf,lqf->jlfp", self.moments, np.conj(self.H[rows]), self.H,
                         optimize=True)


def planar_trace(S: np.ndarray, R: np.ndarray) -> np.ndarray:
    """T(w, w') = lim (1/N) tr[E C(w) E C(w')] over the band, identical units (pure kernel;
    units that differ: ``_trace_blocks``).

    ``S`` (nw, P, P) single-site spectral matrices, ``R`` (nw, P, F) responses, the
    observable the last output (it feeds no field). Returns the (nw, nw) matrix
    ``tr[S(w) diag v(w,w') S(w') diag v(w',w)]``, ``v = e_o + W v`` with
    ``W_fp(w, w') = conj(R_pf(w)) R_pf(w')`` (module docstring)."""
    nw = len(R)
    T = np.empty((nw, nw))
    Sm = S[None]

    def W_rows(lo, hi):
        return np.einsum("jpf,lpf->jlfp", np.conj(R[lo:hi]), R)

    for lo, block in _trace_blocks(np.ones(1), Sm, W_rows, R.shape[-1]):
        T[lo:lo + len(block)] = block
    return T


def _trace_blocks(weights, S, W_rows, F, S_right=None):
    """Rows of T(w, w') = sum_ab E_m[S_ab(w) S_ba(w')] v_b(w, w') conj(v_a(w, w')).

    ``S`` (nm, nw, P, P) per node of the units' static parts with ``weights``;
    ``W_rows(lo, hi)`` the unit-averaged W for rows lo:hi, (rows, nw, F, P). Uses
    v(w', w) = conj(v(w, w')) (W(w', w) is the conjugate of W(w, w')), so only the rows'
    own v is solved for; yields (lo, real block). ``S_right``: the second factor of the
    products where it is another estimate of the same units (sampling: independent
    halves, whose products are unbiased), else ``S``."""
    nw, P = S.shape[1], S.shape[-1]
    wS = weights[:, None, None, None] * S
    S_right = S if S_right is None else S_right
    for lo in range(0, nw, _ROWS):
        hi = min(lo + _ROWS, nw)
        W = W_rows(lo, hi)
        V = np.ones((hi - lo, nw, P), dtype=complex)
        V[..., :F] = np.linalg.solve(np.eye(F) - W[..., :F], W[..., F][..., None])[..., 0]
        T = np.zeros((hi - lo, nw), dtype=np.result_type(S, V))
        for a in range(P):
            for b in range(P):
                M = wS[:, lo:hi, a, b].T @ S_right[:, :, b, a]    # E_m[S_ab(w) S_ba(w')]
                T += M * V[..., b] * np.conj(V[..., a])
        yield lo, T.real  # real: the spectral matrices are Hermitian


def response_radius(le: LinearEquivalent) -> float:
    """Largest spectral radius over the band of the unit-averaged W(w, w) (the series
    v = sum W^n e_o converges, and the equivalent linear network is stable, when it is
    below 1)."""
    F = le.H.shape[-1]
    diag = np.einsum("pkq,jkf,jqf->jfp", le.moments, np.conj(le.H), le.H)[:, :, :F]
    return float(np.max(np.abs(np.linalg.eigvals(diag))))


def _check_grid(tau_max, dtau):
    # (np.float32 and np.int64 were refused; a probe, 2026-11-28)
    return (check_float("tau_max", tau_max, lo=0.0, lo_open=True),
            check_float("dtau", dtau, lo=0.0, lo_open=True))


def _solve_dmft(model, p, tau_max, dtau, nodes, solution, method="gaussian", seed=0,
                progress=None, T=None, checkpoint=None):
    """The DMFT solution the theory starts from, and the Gaussian system (None when
    sampling). ``method``: "gaussian", "sampling" or "auto" (Gaussian where it applies)."""
    if method not in ("auto", "gaussian", "sampling"):
        raise ParameterError(f"method={method!r} must be 'auto', 'gaussian' or 'sampling'")
    if T is not None and (method == "gaussian" or solution is not None):
        raise ParameterError(f"T={T!r} is the length of the sampled DMFT's trajectories: it "
                             f"applies to method='sampling' (or 'auto' where it samples) "
                             f"without a given solution")
    if checkpoint is not None and (method == "gaussian" or solution is not None):
        raise ParameterError("checkpoint keeps the sampled DMFT's replicas: it applies to "
                             "method='sampling' (or 'auto' where it samples) without a given "
                             "solution")
    if solution is not None:
        if not isinstance(solution, DMFTResult):
            raise ParameterError("solution must be a DMFTResult")
        if solution.model != model.name:
            raise ParameterError(f"solution was solved for model {solution.model!r}, not "
                                 f"{model.name!r}")
        differ = [f"{k}={solution.params.get(k, math.nan):g} (here {v:g})"
                  for k, v in p.items()
                  if not math.isclose(solution.params.get(k, math.nan), v)]
        if differ:
            raise ParameterError("solution was solved at other parameters: "
                                 + ", ".join(differ))
        # the solution's lag grid is the one used: a different one asked for alongside it
        # was dropped without a word (found by a probe, 2026-11-27)
        grid = {"tau_max": float(solution.tau[-1]),
                "dtau": float(solution.tau[1] - solution.tau[0])}
        asked = {"tau_max": (tau_max, solution.settings.get("tau_max_requested")),
                 "dtau": (dtau, None)}
        for name, (v, requested) in asked.items():
            if v is not None and not any(
                    x is not None and math.isclose(v, x, rel_tol=1e-9)
                    for x in (grid[name], requested)):
                raise ParameterError(f"{name}={v!r} differs from the given solution's "
                                     f"({grid[name]:g}): leave {name} out to use the "
                                     "solution's lag grid, or solve again on this one")
        if method != "auto" and solution.method != method:
            raise ParameterError(f"solution was solved by method {solution.method!r}, not "
                                 f"{method!r}")
        method = solution.method
    system = None
    if method != "sampling":
        try:
            system = _gaussian_system(model, tuple(sorted(p.items())))
            method = "gaussian"
        except NotGaussianError as exc:
            if method == "gaussian":
                detail = str(exc).split(" (for the gated model")[0].split(" (use method=")[0]
                raise ParameterError(f"method='gaussian' needs the Gaussian DMFT case (the "
                                     f"gated model: alpha_z = 0): {detail}; "
                                     f"method='sampling' covers the rest") from None
            method = "sampling"
    # the DMFT's own defaults of each method: the sampled one integrates with step dtau
    tau_max = (200.0 if method == "gaussian" else 100.0) if tau_max is None else tau_max
    dtau = (0.05 if method == "gaussian" else 0.1) if dtau is None else dtau
    tau_max, dtau = _check_grid(tau_max, dtau)
    if solution is None:
        # (T is left out where "auto" resolved to the Gaussian method: a sweep over
        # alpha_z sets it for the sampled points)
        extra = {"nodes": nodes} if method != "sampling" else {"seed": seed}
        if T is not None and method == "sampling":
            extra["T"] = T
        if checkpoint is not None and method == "sampling":
            extra["checkpoint"] = checkpoint
        solution = dmft(model, params=p, method=method, tau_max=tau_max, dtau=dtau,
                        lyapunov=False,
                        progress=progress if method == "sampling" else None, **extra)
    if method == "sampling" and not solution.field_C:
        raise ParameterError("solution has no field correlations (solved before they were "
                             "kept): solve it again")
    return system, solution


def _shift(fn, m):
    return fn if m == 0.0 else (lambda x: fn(np.asarray(x) + m))


def _equivalent(model, system, solution, observable, nodes) -> LinearEquivalent:
    """The spectra and responses of a converged, chaotic Gaussian solution.

    A state with a static part ``s_k = C_k(inf) > 0`` is, in each unit, its own constant
    ``m_k ~ N(0, s_k)`` plus fluctuations of covariance ``C_k(tau) - s_k``; the units are
    then averaged over ``m`` with a Gauss-Hermite rule of ``_STATIC_NODES`` per such
    state (the states are independent)."""
    types, consts, label = _types(model, system, observable)
    tau = solution.tau
    C = [np.asarray(solution.C[s], dtype=float) for s in system.states]
    n = len(tau)
    static = [max(static_part(c), 0.0) for c in C]
    static = [sk if sk > _STATIC_RTOL * max(c[0], 1e-300) else 0.0 for sk, c in zip(static, C)]
    fluct = [c - sk for c, sk in zip(C, static)]
    # twice the DMFT's starting rule (the rule it checks its own map against): tanh at
    # g = 3 moves PR/N by 2e-5 relative from 80 to 160 nodes, by 1e-12 from 160 to 320
    u, w = (np.asarray(a) for a in trapezoid_nodes(2 * max(int(nodes), 80)))
    P, F, K = len(types), len(types) - 1, len(system.states)
    used = sorted({k for t in types for k in t})
    n_static = sum(static[k] > 0 for k in used)
    z, wz = np.polynomial.hermite_e.hermegauss(_STATIC_NODES.get(n_static, 16))
    wz = wz / wz.sum()
    axes = [(z * math.sqrt(static[k]), wz) if static[k] > 0 else (np.zeros(1), np.ones(1))
            for k in used]
    grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    nodes_m = np.stack([g.ravel() for g in grids], axis=-1)          # (nm, len(used))
    weights = np.prod(np.stack(np.meshgrid(*[a[1] for a in axes], indexing="ij"), -1)
                      .reshape(-1, len(used)), axis=-1)
    ones = (lambda x: (np.ones_like(np.asarray(x, dtype=float)),), None)
    pair_memo, mean_memo = {}, {}

    def pair(fa, fb, k, m):  # <fa(m + x(t)) fb(m + x(t'))> over the fluctuation of x_k
        key = (id(fa), id(fb), k, m)
        if key not in pair_memo:
            pair_memo[key] = _pair_average(_shift(fa, m), fluct[k][0], fluct[k], u, w,
                                           fn2=_shift(fb, m))
        return pair_memo[key]

    def mean(fn, k, m):  # <fn(m + x_k)> over the fluctuation
        key = (id(fn), k, m)
        if key not in mean_memo:
            mean_memo[key] = float(np.sum(w * _values(
                fn, m + math.sqrt(max(fluct[k][0], 0.0)) * u)))
        return mean_memo[key]

    mlag = 2 * (n - 1)
    dt = float(tau[1] - tau[0])
    omega = 2 * np.pi * np.fft.fftfreq(mlag, dt)
    S_all = np.empty((len(weights), P, P, mlag))
    slopes = np.zeros((len(weights), P, K))
    c0 = 0.0
    for i, mv in enumerate(nodes_m):
        ms = dict(zip(used, (float(x) for x in mv)))
        Cab = np.empty((P, P, n))
        for a in range(P):
            for b in range(a, P):
                prod = np.full(n, consts[a] * consts[b])
                mprod = consts[a] * consts[b]
                for k in set(types[a]) | set(types[b]):
                    fa, fb = types[a].get(k, ones)[0], types[b].get(k, ones)[0]
                    prod = prod * pair(fa, fb, k, ms[k])
                    mprod *= mean(fa, k, ms[k]) * mean(fb, k, ms[k])
                Cab[a, b] = Cab[b, a] = prod - mprod   # the unit's fluctuations
        c0 += weights[i] * float(Cab[-1, -1, 0])
        ext = np.concatenate([Cab, Cab[..., -2:0:-1]], axis=-1)
        S_all[i] = np.fft.fft(ext, axis=-1).real * dt
        # mean slope of output p in state k: <d g_p / d x_k>, the other factors averaged
        for pp in range(P):
            for k in types[pp]:
                sl = consts[pp] * mean(types[pp][k][1], k, ms[k])
                for k2, (fn, _) in types[pp].items():
                    if k2 != k:
                        sl *= mean(fn, k2, ms[k2])
                slopes[i, pp, k] = sl
    S_mean = np.einsum("m,mabj->abj", weights, S_all)
    # the band: the frequencies holding all but _BAND_RTOL of every output's power
    power = np.abs(np.einsum("aaj->j", S_mean))
    order = np.argsort(np.abs(omega), kind="stable")
    tail = np.cumsum(power[order][::-1])[::-1] / power.sum()
    keep = min(max(int(np.searchsorted(-tail, -_BAND_RTOL)), 3), _MAX_FREQUENCIES, mlag)
    band = np.sort(order[:keep])
    band_error = float(tail[keep]) if keep < mlag else 0.0
    om = omega[band]
    Sb = np.ascontiguousarray(np.moveaxis(S_all[..., band], -1, 1))  # (nm, nw, P, P)
    H = np.zeros((len(om), K, F), dtype=complex)
    for kk, gains in system.gain.items():
        for f, b in gains:
            H[:, kk, f] = b / (system.rate[kk] + 1j * om)
    return LinearEquivalent(om, 2 * np.pi / (mlag * dt), weights, Sb, slopes, H, c0,
                            band_error, tuple(f.name for f in model.fields), label)


def linear_equivalent(model: str | Model = "gated", *, params: dict | None = None,
                      observable: str | None = None, tau_max: float | None = None,
                      dtau: float | None = None, nodes: int = 80,
                      solution: DMFTResult | None = None,
                      **kwargs: float) -> LinearEquivalent:
    """The equivalent linear network of the chaotic state (arguments as for
    :func:`participation_ratio`): spectra, responses and innovations on a band of
    frequencies, from which the covariance of any realisation of the couplings follows
    (``validation`` evaluates it for a network's own couplings)."""
    model = get_model(model)
    p = model.resolve(params, **kwargs)
    system, solution = _solve_dmft(model, p, tau_max, dtau, nodes, solution)
    problem = _scope(system, solution, _relevant(model, system, observable))
    if problem:
        raise ParameterError(problem)
    return _equivalent(model, system, solution, observable, nodes)


def _relevant(model, system, observable) -> set | None:
    """The Gaussian system's states the theory uses (those the fields and the observable
    depend on); None for the sampled method (all)."""
    if system is None:
        return None
    types = _types(model, system, observable)[0]
    return {system.states[k] for t in types for k in t}


def _scope(system, solution, relevant: set | None = None) -> str:
    """Why the theory does not apply to this solution ('' when it does). ``relevant``:
    the states it uses (default all); a slow or undecayed state outside them does not
    matter (tau_z = 1e3 at alpha_z = 0, where z feeds nothing, was refused although PR/N
    does not depend on it; found by a probe, 2026-11-28)."""
    if not solution.converged:
        return "the DMFT did not converge: " + solution.message
    # before the fixed-point test: a state whose own time constant is not short against
    # the lag window cannot be resolved by it; its correlation looks static (additive,
    # tau_h = 1e3, tau_max = 200: the DMFT returns a flat C_h and "not chaotic", where the
    # network is the tau_h = 1 network slowed down, with the same PR/N)
    slow = (slow_states(system, float(solution.tau[-1]), relevant) if system is not None
            else "")
    if slow:
        return slow + ": the correlations are not resolved (raise tau_max)"
    for s, c in solution.C.items():
        if relevant is not None and s not in relevant:
            continue
        c = np.asarray(c, dtype=float)
        drop, span = float(c[int(0.9 * len(c))] - c[-1]), float(c[0] - c[-1])
        # a sampled C carries noise: a drop within 3 of its standard errors is no drop
        noise = (3 * float(np.hypot(*np.asarray(solution.C_error[s])[[int(0.9 * len(c)), -1]]))
                 if s in solution.C_error else 0.0)
        if span > 0 and abs(drop) > max(_DECAY_RTOL * span, noise):
            return (f"C_{s} still changes by {abs(drop) / span:.2g} of its fluctuating part "
                    f"over the last tenth of the lags: it has not decayed by tau_max = "
                    f"{solution.tau[-1]:g} (raise tau_max)")
    if not solution.chaotic:
        return "the DMFT solution is a fixed point: no temporal covariance"
    return ""


def participation_ratio(model: str | Model = "gated", *, params: dict | None = None,
                        observable: str | None = None, tau_max: float | None = None,
                        dtau: float | None = None, nodes: int = 80,
                        solution: DMFTResult | None = None, method: str = "auto",
                        samples: int | None = None, batches: int | None = None,
                        seed: int | None = None,
                        T: float | None = None, progress=None, checkpoint=None,
                        **kwargs: float) -> DimensionResult:
    """Participation ratio per unit, PR / N, of the chaotic activity, N -> infinity.

    Parameters
    ----------
    model, params, **kwargs
        Model and parameter values, as for :func:`meanfield.solve.dmft.dmft`.
    observable : str, optional
        A state variable (``"h"``) or a field whose presynaptic function is meant (the
        rates): by default the first field (by coupling name) whose presynaptic function
        is a function of one state variable, :math:`\\phi(h)` for the shipped models.
    tau_max, dtau, nodes
        Lag grid and quadrature of the DMFT solved first (``tau_max`` must hold the decay
        of the correlations; ``2 pi / (2 tau_max)`` is the frequency spacing). Defaults
        are the DMFT's own per method: 200 and 0.05 (Gaussian), 100 and 0.1 (sampling).
    solution : DMFTResult, optional
        A converged DMFT solution of the same model and parameters to use.
    method : {"auto", "gaussian", "sampling"}
        ``"gaussian"``: spectra and responses from the Gaussian DMFT's correlation
        functions (every state a linear filter of a Gaussian field: the gated model at
        alpha_z = 0). ``"sampling"``: the sampled DMFT, then the spectra and mean responses
        measured on the sampled single-site process
        (:mod:`meanfield.solve.dimension_sampling`; any model, the update gate included,
        units that differ by static inputs measured unit by unit). ``"auto"``: the first
        that applies.
    samples, batches, seed
        Sampling: single-site trajectories (of the DMFT's length ``T``) that measure the
        spectra and responses, in ``batches``, each driven by the fields of one of the
        DMFT's replicas in turn so that the spread gives ``stat_error`` with the DMFT's
        error counted; the seed of the DMFT and of the trajectories (defaults 8000, 8
        and 0; given where ``"auto"`` resolves to the Gaussian method, the result's
        ``message`` notes them as not used, as it does ``T`` and ``checkpoint``). At 8000
        the trajectories' part of the standard error is about 1 % of PR/N (g_h = 4,
        alpha_r = 5; it falls as 1/sqrt(samples)), 2-4 % for units that differ by a
        static input; the DMFT's part is of the same size (about 2 % at g_h = 4,
        alpha_z = 2, alpha_r = 5).
    T : float, optional
        Sampling: length of the sampled DMFT's trajectories, which the spectra and
        responses are measured on too (default the DMFT's, 4 ``tau_max``; unused where
        ``"auto"`` resolves to the Gaussian method). For units that differ the DMFT's
        static parts dominate the error: at g_h = 4, alpha_z = 2, alpha_r = 5,
        beta_h = 0.5 PR/N scattered by 0.009 over seeds with the default 400 (stated
        errors 0.004-0.007) and by 0.004 with 1600 (0.002-0.006), at four times the cost.
    progress : callable, optional
        Sampling: called with one line per stage (the DMFT's iterations, then each batch
        of trajectories).
    checkpoint : path, optional
        Sampling: the sampled DMFT's checkpoint (:func:`meanfield.solve.dmft.dmft`): its
        replicas, most of the time here, are kept as they finish and a stopped call
        continues after them (unused where ``"auto"`` resolves to the Gaussian method).

    Raises
    ------
    ParameterError
        Outside the theory's scope (``method="gaussian"`` outside the Gaussian case;
        sampling where a state is frozen per unit without a static input), or bad
        arguments. A solution whose correlations have not decayed by ``tau_max`` gives
        ``success=False`` and says so, as does a DMFT that did not converge.
    """
    model = get_model(model)
    p = model.resolve(params, **kwargs)
    # (None: not given. With defaults of 8000, 8, 0 a given value could not be told from
    # the default, and those given where "auto" took the Gaussian method were dropped
    # without a word; the CLI alone noted it)
    given = [name for name, v in (("samples", samples), ("batches", batches), ("seed", seed),
                                  ("T", T), ("checkpoint", checkpoint)) if v is not None]
    samples = 8000 if samples is None else samples
    batches = 8 if batches is None else batches
    seed = 0 if seed is None else seed
    for name, v, least in (("samples", samples, 2), ("batches", batches, 2), ("seed", seed, 0)):
        if not (is_integer(v) and v >= least):
            raise ParameterError(f"{name}={v!r} must be an integer >= {least}")
    if samples < batches:
        raise ParameterError(f"samples={samples} must be at least batches={batches}")
    if progress is not None and not callable(progress):
        raise ParameterError("progress must be callable (it is called with one line of text)")
    system, solution = _solve_dmft(model, p, tau_max, dtau, nodes, solution, method, seed,
                                   progress, T, checkpoint)
    settings = dict(tau_max=float(solution.tau[-1]),
                    dtau=float(solution.tau[1] - solution.tau[0]), nodes=nodes)
    if system is None:
        settings.update(samples=samples, batches=batches, seed=seed)
        label = _sampled_observable(model, observable)[1]
    else:
        label = _types(model, system, observable)[2]

    unused = (f"; {', '.join(given)} not used: the Gaussian method applies here"
              if system is not None and given else "")

    def result(pr, cross, c0, success, message, band=0.0, err=0.0):
        message += unused
        return DimensionResult(model.name, dict(p), label, pr, cross, c0, solution.chaotic,
                               success, message, band, solution.message, settings,
                               solution.method, err)

    problem = _scope(system, solution, _relevant(model, system, observable))
    if problem.startswith("the DMFT solution is a fixed point"):
        return result(0.0, math.nan, 0.0, True, problem + ", dimension 0")
    if problem:
        # not converged, or correlations not decayed by tau_max: no value, and the
        # reason, as for any solve
        return result(math.nan, math.nan, math.nan, False, problem)
    if system is None:
        return _sampled_ratio(model, p, solution, observable, samples, batches, seed, result,
                              progress)
    le = _equivalent(model, system, solution, observable, nodes)
    radius = response_radius(le)
    if radius >= 1.0:
        return result(math.nan, math.nan, le.variance, False, _diverges(radius),
                      le.band_error)
    if le.band_error > _BAND_FAIL:
        return result(math.nan, math.nan, le.variance, False,
                      f"the spectra reach beyond the {len(le.omega)} frequencies of the band "
                      f"(|omega| <= {float(np.abs(le.omega).max()):.3g}, spacing pi / tau_max):"
                      f" {le.band_error:.2g} of the power is outside; lower tau_max (a "
                      f"coarser frequency grid) or dtau", le.band_error)
    F = le.H.shape[-1]

    def W_rows(lo, hi):
        return le.W(slice(lo, hi))

    tr2 = sum(float(block.sum()) for _, block in _trace_blocks(le.weights, le.S, W_rows, F))
    tr2 *= (le.dw / (2 * np.pi)) ** 2
    c0 = le.variance
    pr = c0 * c0 / tr2
    units = ("" if len(le.weights) == 1 else
             f"; units' static inputs averaged over {len(le.weights)} nodes")
    message = (f"PR/N = {pr:.4g}; {len(le.omega)} frequencies up to |omega| = "
               f"{float(np.abs(le.omega).max()):.3g} (power outside {le.band_error:.1g}); "
               f"linear-response radius {radius:.3g}{units}")
    return result(float(pr), float(tr2 / (c0 * c0) - 1.0), c0, True, message, le.band_error)


def _diverges(radius: float) -> str:
    return (f"the linear-response series diverges (spectral radius {radius:.4g} >= 1 at "
            f"omega = omega'): outside the theory's validity")


def _sampled_observable(model: Model, observable: str | None) -> tuple[tuple, str]:
    """The observable as the sampled kernels know it, ("state", k) or ("group", g), and
    its expression."""
    from ..derive.unit import unit_dynamics
    from .dmft_sampling import site_kernels

    kern = site_kernels(model)
    kind, i = _resolve_observable(model, list(kern.states), observable)
    if kind == "state":
        return ("state", i), kern.states[i]
    group_of = {f: gi for gi, members in enumerate(kern.groups) for f in members}
    return ("group", group_of[i]), str(unit_dynamics(model).presynaptic[i])


#: Sampling with units that differ: trajectories per unit (one draw of the static parts
#: of its fields), in two halves whose products are unbiased.
_PER_UNIT = 32
#: Returned by :func:`_sampled_static` when the units differ by static inputs.
_UNITS = "units"


def _static_fields(solution) -> list:
    """The fields of a sampled solution with a static part (the covariance left over the
    last tenth of the lags exceeds _SAMPLED_STATIC of the variance): quenched inputs that
    make the units differ."""
    out = []
    for f, c in solution.field_C.items():
        c = np.asarray(c, dtype=float)
        if c[0] > 0 and static_part(c) > _SAMPLED_STATIC * c[0]:
            out.append(f)
    return out


def _sampled_static(solution) -> str:
    """'' when no state of the sampled solution keeps a part of its variance at the end
    of the lags; a reason (success false) when one is still decaying there; ``_UNITS``
    when one is static and the fields have static parts (units that differ by a quenched
    input: the per-unit route); raises when a state is static without a static input (a
    state frozen per unit, which the method does not cover). Judged against the replicas'
    standard error (a sampled tail is noisy: with 1000 trajectories C_z keeps 0.011 of
    its variance at beta_z = -50, where the gate is open and C_z decays like C_h)."""
    static = []
    for s, c in solution.C.items():
        c = np.asarray(c, dtype=float)
        n = len(c)
        err = np.asarray(solution.C_error.get(s, np.zeros(n)), dtype=float)
        last = float(c[int(0.9 * n):].mean())
        before = float(c[int(0.8 * n):int(0.9 * n)].mean())
        se = float(np.nan_to_num(err[int(0.8 * n):]).max())
        if last <= max(_SAMPLED_STATIC * c[0], 3 * se):
            continue
        if before - last > max(0.1 * last, 3 * se):
            # still falling: a slow correlation (the update gate shut for long stretches),
            # not a static part; the lag window is too short for the spectra near 0
            return (f"C_{s} keeps {last / c[0]:.2g} of its variance over the last tenth of "
                    f"the lags and is still decaying: it has not decayed by tau_max = "
                    f"{solution.tau[-1]:g} (raise tau_max)")
        static.append((s, last / c[0]))
    if not static:
        return ""
    if _static_fields(solution):
        return _UNITS
    s, frac = static[0]
    raise ParameterError(
        f"C_{s} keeps {frac:.2g} of its variance over the last tenth of the lags without "
        f"decaying measurably, while no field has a static part: a state frozen per unit "
        f"(by a shut gate, or too slow for tau_max = {solution.tau[-1]:g}), which the "
        f"sampling method does not cover (raise tau_max if it is slow)")


def _batch_fields(solution, kern, batches: int) -> tuple[list, list]:
    """The field correlations that drive each batch of sampled trajectories, and the
    groups of batches whose spread is the standard error.

    A sampled DMFT's error in its fields is the spread of its independent replicas
    (:attr:`~meanfield.solve.dmft.DMFTResult.field_C_replicas`). Batch ``b`` is driven by
    replica ``b mod G`` (``G = min(replicas, batches)``), and the error is taken over the
    ``G`` groups of batches: each group an independent draw of the DMFT and of the
    trajectories, so the spread counts both. (Driving every batch with the replicas'
    mean and taking the spread of the batches counted only the trajectories': at
    g_h = 4, alpha_z = 2, alpha_r = 5, beta_h = 0.5 two seeds' PR/N at T = 400 differed by
    0.008 with stated errors 0.006 and 0.003.) Without replica fields (a solution built
    from given correlations) every batch is driven by ``field_C``, taken as exact, and
    the error is over the batches."""
    reps = solution.field_C_replicas
    if not reps:
        corr = [np.asarray(solution.field_C[kern.fields[members[0]]], dtype=float)
                for members in kern.groups]
        return corr, [[b] for b in range(batches)]
    G = min(len(next(iter(reps.values()))), batches)
    corr = [[np.asarray(reps[kern.fields[members[0]]][b % G], dtype=float)
             for members in kern.groups] for b in range(batches)]
    return corr, [list(range(g, batches, G)) for g in range(G)]


def _group_error(each: list) -> float:
    """Standard error of a mean from the estimates of independent groups."""
    return float(np.std(each, ddof=1) / math.sqrt(len(each)))


def _band_text(omega, band_error: float, radius: float) -> str:
    """The sampled routes' common tail of the message: band and response radius."""
    return (f"{len(omega)} frequencies up to |omega| = {float(np.abs(omega).max()):.3g} "
            f"(power above half of it {band_error:.1g}); linear-response radius "
            f"{radius:.3g}")


def _error_source(groups: list, solution) -> str:
    """What the standard error of a sampled PR/N is taken over, for its message."""
    dof = f"{len(groups) - 1} degrees of freedom"  # Student's t, not a normal, for intervals
    if not solution.field_C_replicas:
        return (f"standard error over {len(groups)} batches ({dof}), the field correlations "
                f"taken as exact")
    sizes = sorted({len(g) for g in groups})
    each = "-".join(str(k) for k in sizes)
    return (f"standard error over {len(groups)} of the sampled DMFT's replicas ({dof}), each "
            f"driving {each} batch{'es' if sizes[-1] > 1 else ''}: its error counted")


def _sampled_units_ratio(model, p, solution, observable, samples, batches, seed, result,
                         progress, corr, groups, obs, dtau, steps, burn):
    """PR/N for units that differ by the static parts of their fields (module docstring,
    "Units that differ"), from per-unit spectra and responses measured on two independent
    halves of each unit's trajectories: W = E_m[conj(R_m(w)) R_m(w')] and E_m[S_m(w)
    S_m(w')] as symmetrised products of the halves (unbiased), the static parts drawn at
    random (Monte Carlo over the units, in the batches' spread)."""
    from .dimension_sampling import sampled_unit_spectra, spectra_on_band

    parts = sampled_unit_spectra(model, p, corr, obs, n_lags=len(solution.tau), dtau=dtau,
                                 steps=steps, burn=burn, samples=samples, batches=batches,
                                 per_unit=_PER_UNIT, seed=seed * 1000 + 17,
                                 progress=progress)

    def estimate(C, R):
        omega, S, Rw = spectra_on_band(C, R, dtau)        # (2, U, nw, P, P), (2, U, nw, P, F)
        U2 = 2 * C.shape[1]
        F = Rw.shape[-1]
        left = np.conj(np.concatenate([Rw[0], Rw[1]]))
        swapped = np.concatenate([Rw[1], Rw[0]])            # the other half of each unit
        right = np.ascontiguousarray(swapped.transpose(2, 3, 0, 1))

        def W_rows(lo, hi):                                # (rows, nw, F, P)
            return (left[:, lo:hi].transpose(2, 3, 1, 0) @ right).transpose(2, 3, 1, 0) / U2

        diag = np.einsum("mjpf,mjpf->jfp", left, swapped)[:, :, :F]
        radius = float(np.max(np.abs(np.linalg.eigvals(diag / U2))))
        dw = float(omega[1] - omega[0])
        tr2 = sum(float(block.sum()) for _, block in _trace_blocks(
            np.full(U2, 1.0 / U2), np.concatenate([S[0], S[1]]), W_rows, F,
            np.concatenate([S[1], S[0]])))
        tr2 *= (dw / (2 * np.pi)) ** 2
        c0 = float(C[:, :, -1, -1, 0].mean())
        power = np.abs(np.einsum("hujaa->j", S))
        band = float(power[np.abs(omega) > 0.5 * np.abs(omega).max()].sum() / power.sum())
        return c0 * c0 / tr2, tr2, c0, radius, omega, band

    C = np.concatenate([q.C for q in parts], axis=1)
    R = np.concatenate([q.R for q in parts], axis=1)
    units = C.shape[1]
    # each unit's own fluctuations must have decayed by tau_max (a state frozen per unit
    # would keep a covariance about the unit's mean): judged on the units' mean, against
    # the spread of the batches
    n = C.shape[-1]
    tails = np.array([np.einsum("huaak->ak", q.C[..., int(0.9 * n):]).mean(-1)
                      / (2 * q.C.shape[1]) for q in parts])          # (batches, P)
    c_0 = np.einsum("huaa->a", C[..., 0]) / (2 * units)
    se = tails.std(axis=0, ddof=1) / math.sqrt(len(parts))
    for a in range(len(c_0)):
        tail = float(tails[:, a].mean())
        if abs(tail) > max(_SAMPLED_STATIC * c_0[a], 4 * se[a]):
            return result(math.nan, math.nan, math.nan, False,
                          f"per unit, an output keeps {tail / c_0[a]:.2g} of its variance "
                          f"over the last tenth of the lags: the units' own fluctuations "
                          f"have not decayed by tau_max = {solution.tau[-1]:g} (raise "
                          f"tau_max), or a state is frozen per unit")
    pr, tr2, c0, radius, omega, band_error = estimate(C, R)
    del C, R
    if radius >= 1.0:
        return result(math.nan, math.nan, c0, False, _diverges(radius))
    if band_error > _SAMPLED_BAND_FAIL:
        return result(math.nan, math.nan, c0, False,
                      f"{band_error:.2g} of the spectral power lies above half the Nyquist "
                      f"frequency of dtau = {dtau:g}: the single-site process is not "
                      f"resolved (lower dtau)", band_error)
    err = _group_error([estimate(np.concatenate([parts[b].C for b in members], axis=1),
                                 np.concatenate([parts[b].R for b in members], axis=1))[0]
                        for members in groups])
    message = (f"PR/N = {pr:.4g} +- {err:.2g} ({_error_source(groups, solution)}); "
               f"units that differ by static inputs: {units} units drawn, "
               f"{parts[0].per_unit} sampled trajectories each (T = {steps * dtau:g}); "
               + _band_text(omega, band_error, radius))
    return result(float(pr), float(tr2 / (c0 * c0) - 1.0), c0, True, message, band_error, err)


def _sampled_ratio(model, p, solution, observable, samples, batches, seed, result,
                   progress=None):
    """PR/N from spectra and responses measured on the sampled single-site process."""
    from .dimension_sampling import SampledSpectra, sampled_spectra, spectra_on_band
    from .dmft_sampling import site_kernels

    kern = site_kernels(model)
    tau = solution.tau
    dtau = float(tau[1] - tau[0])
    corr, groups = _batch_fields(solution, kern, batches)
    problem = _sampled_static(solution)
    obs, _ = _sampled_observable(model, observable)
    st = solution.settings
    steps = int(round(st.get("T", 400.0) / dtau))
    burn = int(round(st.get("burn", 50.0) / dtau))
    if problem == _UNITS:
        return _sampled_units_ratio(model, p, solution, observable, samples, batches, seed,
                                    result, progress, corr, groups, obs, dtau, steps, burn)
    if problem:
        return result(math.nan, math.nan, math.nan, False, problem)
    parts = sampled_spectra(model, p, corr, obs, n_lags=len(tau), dtau=dtau, steps=steps,
                            burn=burn, samples=samples, batches=batches,
                            seed=seed * 1000 + 17, progress=progress)
    total = reduce(SampledSpectra.add, parts)

    def estimate(acc):
        C, R = acc.estimates()
        omega, S, Rw = spectra_on_band(C, R, dtau)
        F = Rw.shape[-1]
        diag = np.einsum("jpf,jpf->jfp", np.conj(Rw), Rw)[:, :, :F]
        radius = float(np.max(np.abs(np.linalg.eigvals(diag))))
        dw = float(omega[1] - omega[0])
        tr2 = float(planar_trace(S, Rw).sum()) * (dw / (2 * np.pi)) ** 2
        c0 = float(C[-1, -1, 0])
        return c0 * c0 / tr2, tr2, c0, radius, C, R, omega, S

    pr, tr2, c0, radius, C, R, omega, S = estimate(total)
    if radius >= 1.0:
        return result(math.nan, math.nan, c0, False, _diverges(radius))
    # (the decay over the lag window is judged on the states' correlations, by the DMFT's
    # replicas (``_scope``, ``_sampled_static``); a test on the outputs' sampled tails, at
    # 1 % of the peak or 4 standard errors over 8 batches, raised false alarms with 2000
    # trajectories where the gate is open and everything decays by tau = 10)
    power = np.abs(np.einsum("jaa->j", S))
    band_error = float(power[np.abs(omega) > 0.5 * np.abs(omega).max()].sum() / power.sum())
    if band_error > _SAMPLED_BAND_FAIL:
        return result(math.nan, math.nan, c0, False,
                      f"{band_error:.2g} of the spectral power lies above half the Nyquist "
                      f"frequency of dtau = {dtau:g}: the single-site process is not "
                      f"resolved (lower dtau)", band_error)
    err = _group_error([estimate(reduce(SampledSpectra.add, (parts[b] for b in members)))[0]
                        for members in groups])
    message = (f"PR/N = {pr:.4g} +- {err:.2g} ({_error_source(groups, solution)}; "
               f"{len(parts)} batches of {samples // len(parts)} sampled trajectories, "
               f"T = {steps * dtau:g}); " + _band_text(omega, band_error, radius))
    return result(float(pr), float(tr2 / (c0 * c0) - 1.0), c0, True, message, band_error, err)
