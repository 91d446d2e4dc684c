r"""The Jacobian's spectral support at a fixed point (spec section 3).

The support is :math:`\{\lambda : \rho(M(\lambda)) \ge 1\}` together with the real
segment swept by the local rates (the poles of :math:`G`, e.g. :math:`-s_z(z)`),
see :mod:`meanfield.derive.jacobian`. Its rightmost point is
``max(bulk_edge, local_edge)``: the largest real root of
:math:`\rho(M(\lambda)) = 1` to the right of the local rates, and the supremum of
the local rates over the fixed point's distribution.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy.optimize import brentq, minimize_scalar
from scipy.special import ndtri

from .._checks import is_integer
from .._errors import ConvergenceError, ParameterError
from ..models import Model, get_model
from ._theory import Theory
from .result import SpectrumResult

__all__ = ["edge_of", "local_rate_intervals", "local_rate_range", "spectral_support",
           "slow_fraction"]


def _field_samples(th: Theory, q, n=4001, span=40.0):
    """Per-field grids covering +- span standard deviations (for suprema of local rates)."""
    u = np.linspace(-span, span, n)
    return [np.sqrt(v) * u for v in q]


def _rates_over_fields(th: Theory, q, params, n=4001):
    """``(k, rates)`` for each local rate ``k`` as each field in turn sweeps its samples
    (:func:`_field_samples`, the others at 0; rates are per field), as complex arrays."""
    mod = th.module
    p = [params[name] for name in mod.PARAMETERS]
    samples = _field_samples(th, q, n=n)
    for f_index in range(th.m):
        args = [np.zeros(1) for _ in range(th.m)]
        args[f_index] = samples[f_index]
        for k, r in enumerate(mod.local_rates(*args, *p)):
            yield k, np.asarray(r, dtype=complex)


def _branch_index(branch, fp) -> int:
    """``branch`` checked against the branches found (negative counts from the end)."""
    n = len(fp.branches)
    if not (is_integer(branch) and -n <= branch < n):
        raise ParameterError(f"branch={branch!r} must be an integer index: there are {n} "
                             f"fixed-point branches at these parameters (allowed: {-n} to "
                             f"{n - 1}; -1 the largest variance)")
    return int(branch)


def local_rate_intervals(th: Theory, q, params) -> tuple[tuple[float, float], ...]:
    """The real intervals the local rates sweep over the fixed point's field distribution,
    merged where they overlap, in increasing order (a constant rate is a point ``(r, r)``).

    Each rate is a function of one field (others at 0): its range over +-40 standard
    deviations. A single (inf, sup) hid the gaps: with tau_z = 10 and tau_r = 0.1 the
    rates are [-1, 0], -0.1 and -10, reported as one segment [-10, 0] (found by a
    probe, 2026-11-28)."""
    per_rate = {}
    for k, r in _rates_over_fields(th, q, params):
        r = r.real
        lo, hi = per_rate.get(k, (np.inf, -np.inf))
        per_rate[k] = (min(lo, float(np.min(r))), max(hi, float(np.max(r))))
    # gaps below 1e-6 of the largest rate are the sampling's (s_z reaches 1 - 2e-11 at 40
    # standard deviations, not 1), not gaps of the support
    close = 1e-6 * max(max(abs(lo), abs(hi)) for lo, hi in per_rate.values())
    merged = []
    for lo, hi in sorted(per_rate.values()):
        if merged and lo <= merged[-1][1] + close:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def local_rate_range(th: Theory, q, params) -> tuple[float, float]:
    """(inf, sup) of the local rates over the fixed point's field distribution."""
    intervals = local_rate_intervals(th, q, params)
    return intervals[0][0], max(hi for _, hi in intervals)


def pole_heights(th: Theory, q, params) -> tuple[float, float]:
    """(least, largest) |Im| of the complex local rates over the fixed point's fields
    ((0, 0): every rate real)."""
    heights = []
    for _, r in _rates_over_fields(th, q, params, n=401):
        im = np.abs(r.imag).ravel()
        heights.extend(im[im > 0].tolist())
    return (min(heights), max(heights)) if heights else (0.0, 0.0)


@lru_cache(maxsize=64)
def propagator_has_zeros(model) -> bool:
    """Whether an entry of G at a fixed point vanishes at some lambda (its numerator
    depends on lambda, as the lambda + 1/tau_a of an adaptation current does): then
    rho(M(lambda)) need not fall monotonically away from the rates, nor be largest on the
    real axis."""
    from ..derive.jacobian import LAMBDA, spectral_theory

    for e in spectral_theory(model).G_fixed_point:
        if e != 0 and LAMBDA in sp.fraction(sp.together(e))[0].free_symbols:
            return True
    return False


def edge_of(th: Theory, q, params, K=None, points: int = 513
            ) -> tuple[float, float | None, float]:
    """(edge, bulk_edge, local_edge) of the support at variances ``q``.

    The support is where rho(M(lambda)) >= 1, beside the local rates. ``bulk_edge`` is
    the largest real part of that set: the *last* crossing of 1 on a grid of real parts
    from the rightmost local rate to past the first point where rho < 1, refined by
    Brent's method. For the gated family G has no zeros and real poles, rho falls away
    from the rates, and the edge lies on the real axis. With a zero of G (an adaptation
    current: G_hh has the factor lambda + 1/tau_a) rho is not monotone: it fell below 1
    before 0 and rose above it again on [0.011, 0.889], and the first crossing alone
    called an unstable fixed point stable (a probe, 2026-11-28); nor need the edge lie on
    the real axis, and with complex rates (a damped oscillator's pair) it lies beside
    them. In those cases each real part takes the largest rho over imaginary parts (a
    grid, the rates' own heights included, since a lobe around a pole can be narrower
    than any grid; the support is symmetric about the real axis), and the crossing is
    refined by turns along the imaginary and the real direction. A piece of the support
    narrower than the grid's spacing, away from the rates, can be missed.
    """
    _, local = local_rate_range(th, q, params)
    qv = [np.asarray(v, dtype=float) for v in q]
    h_lo, h_hi = pole_heights(th, q, params)
    plane = h_hi > 0 or propagator_has_zeros(th.model)

    def rho(x, y):
        return th.rho(np.asarray(x, dtype=float) + 1j * np.asarray(y, dtype=float), qv,
                      params, K)

    ys = np.zeros(1)

    def f(x):  # the largest rho - 1 over the imaginary parts ys, at each real part x
        x = np.asarray(x, dtype=float)
        return np.max(rho(x[..., None], ys), axis=-1) - 1.0

    # Offsets and tolerances on the scale of the local rates: all of them, the bulk edge
    # included, are multiples of a gate that can be tiny (beta_z = 50: s_z = 2e-22), and
    # an absolute 1e-9 started the search right of the bulk edge, which was then lost
    # (edge -2e-22 reported where it is +1e-22, "stable: no" beside it; found by a probe,
    # 2026-11-28). Unchanged where |local| >= 1.
    scale = min(abs(local), 1.0) if local != 0 else 1.0
    lo = local + 1e-9 * max(scale, abs(local))

    def bracket(hi):
        while f(hi) > 0:
            hi *= 2
            if hi > 1e150:  # rho(M(lam)) falls like 1/lam^2: only a runaway gets here
                raise ConvergenceError(f"the spectral edge was not bracketed: rho(M(lam)) "
                                       f"still exceeds 1 at lam = {hi:.3g}")
        return hi

    hi = bracket(max(scale, 2 * abs(lo)))
    if plane:
        height = h_hi + max(1.0, 2.0 * (hi - local))
        ys = np.unique(np.concatenate([np.linspace(0.0, height, 129),
                                       np.linspace(h_lo, h_hi, 17)]))
        hi = bracket(hi)
        points = min(points, 257)
    # past the first point below 1, a margin for a piece of the support beyond it (itself
    # below 1, so that the last point above 1 has a neighbour to its right)
    top = bracket(4 * hi)
    xs = lo + (top - lo) * np.linspace(0.0, 1.0, points)
    above = np.nonzero(f(xs) > 0)[0]
    bulk = None
    if len(above):
        i = int(above[-1])
        bulk = brentq(lambda x: float(f(x)), xs[i], xs[i + 1], xtol=1e-12 * scale,
                      rtol=1e-12, maxiter=400)
        if plane:
            bulk = _refine_in_plane(rho, bulk, ys, top, scale)
    edge = local if bulk is None else max(bulk, local)
    return edge, bulk, local


def _refine_in_plane(rho, x, ys, x_hi, scale, turns: int = 4) -> float:
    """The rightmost point of rho = 1 near ``x`` (found with the imaginary parts ``ys``):
    by turns, the imaginary part where rho is largest at this real part, then a crossing
    of 1 along that horizontal line between ``x`` and ``x_hi``. The real part only grows
    (each line's crossing lies right of a point where rho >= 1)."""
    for _ in range(turns):
        vals = rho(np.full(len(ys), x), ys)
        j = int(np.argmax(vals))
        a, b = ys[max(j - 1, 0)], ys[min(j + 1, len(ys) - 1)]
        y = ys[j]
        if b > a:
            res = minimize_scalar(lambda t: -float(rho(x, t)), bounds=(a, b),
                                  method="bounded", options={"xatol": 1e-10 * max(1.0, b)})
            if -res.fun > vals[j]:
                y = float(res.x)
        if not (rho(x, y) > 1.0 and rho(x_hi, y) < 1.0):
            break
        new = brentq(lambda t: float(rho(t, y)) - 1.0, x, x_hi, xtol=1e-12 * scale,
                     rtol=1e-12, maxiter=400)
        if new - x <= 1e-12 * scale + 1e-12 * abs(x):
            return new
        x = new
    return x


#: Relative change of the stability under a doubled quadrature beyond which the support
#: is no success: the docs' softsign model changes by 4e-5 (kinked, an edge good to
#: about that; a probe found it failing at the fixed-points rule of 1e-6), a gate of
#: slope 1e3 by 0.1 (no edge at all).
_EDGE_RTOL = 1e-3


def spectral_support(model: str | Model = "gated", *, branch: int = -1, params=None,
                     resolution: int = 241, **kwargs) -> SpectrumResult:
    """The boundary curve of the Jacobian's spectral support at a fixed-point branch.

    Parameters
    ----------
    branch : int
        Index into :func:`~meanfield.fixed_point_branches` (default: the largest variance).
    resolution : int
        Grid points per axis of the complex plane on which rho(M(lambda)) = 1 is traced.
    """
    import contourpy

    from .fixed_points import fixed_point_branches

    if not (isinstance(resolution, int | np.integer) and 16 <= resolution <= 4001):
        raise ParameterError(f"resolution={resolution!r} must be an integer in [16, 4001]")
    model = get_model(model)
    fp = fixed_point_branches(model, params=params, **kwargs)
    b = fp.branches[_branch_index(branch, fp)]
    th = Theory(model, fp.quadrature_nodes)  # default rule, as fixed_point_branches
    q = [np.asarray(v) for v in b.field_variance.values()]
    intervals = local_rate_intervals(th, q, fp.params)
    lo_rate, hi_rate = intervals[0][0], max(hi for _, hi in intervals)
    heights = pole_heights(th, q, fp.params)
    # extent: from the left of the local rates to beyond the edge, symmetric in Im, and
    # above complex rates (lobes around -1 +- 10i lay outside a window of Im +-2.2, and
    # the boundary came back empty with success; a probe, 2026-11-28)
    right = b.edge + 0.5 + 0.2 * abs(b.edge)
    left = min(lo_rate, -1.0) - 1.5
    half = 0.6 * (right - left) + heights[1]
    for _ in range(4):
        x = np.linspace(left, right, resolution)
        y = np.linspace(-half, half, resolution)
        L = x[None, :] + 1j * y[:, None]
        rho = th.rho(L, q, fp.params)
        gen = contourpy.contour_generator(x, y, np.log(np.clip(rho, 1e-300, 1e300)))
        curves = [c[:, 0] + 1j * c[:, 1] for c in gen.lines(0.0)]
        # a curve that reaches the left, top or bottom of the window is cut there (the
        # support of a model with an adaptation current reaches Re -2.9 and Im +-2.1,
        # past a window sized by the local rates; a probe): widen it and trace again
        pad = 1.5 * (right - left) / (resolution - 1)
        if not any(np.any((c.real < left + pad) | (np.abs(c.imag) > half - pad))
                   for c in curves) and (curves or b.bulk_edge is None):
            break
        left, half = left - (right - left), 2 * half
    return SpectrumResult(boundary=curves, edge=b.edge, bulk_edge=b.bulk_edge,
                          local_segment=(lo_rate, hi_rate), branch=b,
                          extent=(left, right, -half, half), local_intervals=intervals,
                          local_heights=heights,
                          success=fp.success and b.stability_change <= _EDGE_RTOL,
                          message=fp.message)


def slow_fraction(model: str | Model, eps: float, *, branch: int = -1, params=None,
                  samples: int = 200_001, **kwargs) -> float:
    r"""Predicted fraction of the Jacobian's eigenvalues within ``eps`` of 0 from local modes.

    Each unit contributes one eigenvalue at each of its local rates (the poles of G);
    the fraction of all :math:`nN` eigenvalues with :math:`|\text{rate}| < \varepsilon`
    is the average over the fixed point's Gaussian fields of the indicator, computed on
    an equal-probability grid of each field. Valid where the bulk of the support stays
    away from 0 (a stable fixed point).
    """
    from .fixed_points import fixed_point_branches

    if not (isinstance(eps, int | float | np.number) and math.isfinite(eps) and eps > 0):
        raise ParameterError(f"eps={eps!r} must be a positive finite number")
    if not (isinstance(samples, int | np.integer) and samples >= 101):
        raise ParameterError(f"samples={samples!r} must be an integer >= 101")
    model = get_model(model)
    fp = fixed_point_branches(model, params=params, **kwargs)
    b = fp.branches[_branch_index(branch, fp)]
    th = Theory(model, fp.quadrature_nodes)  # default rule, as fixed_point_branches
    mod = th.module
    p = [fp.params[n] for n in mod.PARAMETERS]
    u = ndtri((np.arange(samples) + 0.5) / samples)
    q = list(b.field_variance.values())
    n_vars = len(model.variables)
    total = 0.0
    for k in range(len(mod.local_rates(*[np.zeros(1)] * th.m, *p))):
        # which fields does rate k depend on? test by varying each field
        varying = []
        for f in range(th.m):
            args = [np.zeros(3)] * th.m
            args = [a.copy() for a in args]
            args[f] = np.array([-1.0, 0.0, 1.0])
            # (complex: a damped oscillator's pair of rates; |rate| is what "near 0" means)
            r = np.broadcast_to(np.asarray(mod.local_rates(*args, *p)[k], dtype=complex), (3,))
            if np.ptp(r.real) > 0 or np.ptp(r.imag) > 0:
                varying.append(f)
        if len(varying) > 1:
            raise NotImplementedError("local rates depending on several fields")
        if not varying:
            r = complex(np.asarray(mod.local_rates(*[np.zeros(1)] * th.m, *p)[k]).ravel()[0])
            total += float(abs(r) < eps)
            continue
        args = [np.zeros(1)] * th.m
        args[varying[0]] = np.sqrt(q[varying[0]]) * u
        r = np.asarray(mod.local_rates(*args, *p)[k], dtype=complex)
        total += float(np.mean(np.abs(r) < eps))
    return total / n_vars


class StateSupport:
    r"""The spectral support predicted from the single-site statistics of a given state.

    At any state (a point of a chaotic trajectory, or a fixed point of a finite network)
    the units' own values of the state variables and fields are the single-site
    statistics: :math:`M_{ff'}(\lambda) = \frac1N\sum_i |G_{ff'}(x_i, \eta_i, \lambda)|^2`
    and the local rates are those of each unit (spec section 3, last point).

    Parameters
    ----------
    model : Model
    states : ndarray, shape (n_vars, N)
    fields : ndarray, shape (m, N)
    params : dict
    inputs : ndarray, shape (n_inputs, N), optional
    """

    def __init__(self, model, states, fields, params, inputs=None):
        self.model = get_model(model)
        self.params = self.model.resolve(params)
        self.mod = Theory(self.model).module
        self.states = np.asarray(states, dtype=float)
        self.fields = np.asarray(fields, dtype=float)
        N = self.states.shape[1]
        self.inputs = (np.zeros((len(self.mod.INPUTS), N)) if inputs is None
                       else np.asarray(inputs, dtype=float))
        self._p = [self.params[n] for n in self.mod.PARAMETERS]
        rates = self.mod.local_rates_state(*self.states, *self.fields, *self.inputs, *self._p)
        self.local_rates = np.concatenate([np.broadcast_to(np.real(r), (N,)) for r in rates])

    @property
    def m(self):
        return len(self.mod.FIELDS)

    def profile(self, lam, chunk: int = 64) -> np.ndarray:
        """M(lambda) for an array of lambda: shape ``lam.shape + (m, m)``."""
        lam = np.asarray(lam, dtype=complex)
        flat = lam.ravel()
        M = np.zeros((flat.size, self.m, self.m))
        for start in range(0, flat.size, chunk):
            L = flat[start:start + chunk, None]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                entries = self.mod.G_entries(L, *self.states[:, None, :],
                                             *self.fields[:, None, :], *self.inputs[:, None, :],
                                             *self._p)
                for (i, j), e in zip(self.mod.G_KEYS, entries):
                    e = np.broadcast_to(e, (L.shape[0], self.states.shape[1]))
                    M[start:start + chunk, i, j] = np.mean(np.abs(e) ** 2, axis=1)
        # lambda on a unit's pole: that unit's local mode is an eigenvalue; inside
        M[~np.isfinite(M)] = 1e300
        return M.reshape(lam.shape + (self.m, self.m))

    def rho(self, lam) -> np.ndarray:
        """Perron root of M(lambda) (large, not inf, on a pole)."""
        return np.max(np.abs(np.linalg.eigvals(self.profile(lam))), axis=-1)

    def inside(self, lam, *, margin: float = 0.0, segment_width: float = 0.0) -> np.ndarray:
        """Whether each lambda lies in the support enlarged by ``margin`` (distance).

        A point counts as inside if rho(M) >= 1 at it or at any of 8 points at distance
        ``margin`` around it, or if it lies within ``segment_width`` of the real segment of
        local rates.
        """
        lam = np.asarray(lam, dtype=complex)
        ok = self.rho(lam) >= 1.0
        if margin > 0:
            for ang in np.linspace(0, 2 * np.pi, 8, endpoint=False):
                ok |= self.rho(lam + margin * np.exp(1j * ang)) >= 1.0
        lo, hi = float(self.local_rates.min()), float(self.local_rates.max())
        on_seg = ((np.abs(lam.imag) <= max(segment_width, 1e-12))
                  & (lam.real >= lo - segment_width) & (lam.real <= hi + segment_width))
        return ok | on_seg

    def boundary(self, extent, resolution: int = 161) -> list:
        """Curves rho(M(lambda)) = 1 in the rectangle ``extent = (x0, x1, y0, y1)``."""
        import contourpy

        x = np.linspace(extent[0], extent[1], resolution)
        y = np.linspace(extent[2], extent[3], resolution)
        rho = self.rho(x[None, :] + 1j * y[:, None])
        gen = contourpy.contour_generator(x, y, np.log(np.clip(rho, 1e-300, 1e300)))
        return [c[:, 0] + 1j * c[:, 1] for c in gen.lines(0.0)]

    def edge(self, extent, resolution: int = 161) -> float:
        """Real part of the rightmost point of the support (boundary curves and local rates)."""
        curves = self.boundary(extent, resolution)
        right = max((float(c.real.max()) for c in curves), default=-np.inf)
        # refine on the real axis, where the rightmost point of these supports lies
        f = lambda x: float(self.rho(np.array([x + 0j]))[0]) - 1.0  # noqa: E731
        if np.isfinite(right) and f(right - 0.05) > 0 > f(right + 0.05):
            right = brentq(f, right - 0.05, right + 0.05, xtol=1e-10)
        return max(right, float(self.local_rates.max()))
