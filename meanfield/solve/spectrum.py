r"""The Jacobian's spectral support at a fixed point (spec section 3).

The support is :math:`\{\lambda : \rho(M(\lambda)) \ge 1\}` together with the real
segment swept by the local rates (the poles of :math:`G`, e.g. :math:`-s_z(z)`),
see :mod:`meanfield.derive.jacobian`. Its rightmost point is
``max(bulk_edge, local_edge)``: the largest real root of
:math:`\rho(M(\lambda)) = 1` to the right of the local rates, and the supremum of
the local rates over the fixed point's distribution.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtri

from ..models import Model, get_model
from ._theory import Theory
from .result import SpectrumResult

__all__ = ["edge_of", "local_rate_range", "spectral_support", "slow_fraction"]


def _field_samples(th: Theory, q, n=4001, span=40.0):
    """Per-field grids covering +- span standard deviations (for suprema of local rates)."""
    u = np.linspace(-span, span, n)
    return [np.sqrt(v) * u for v in q]


def local_rate_range(th: Theory, q, params) -> tuple[float, float]:
    """(inf, sup) of the local rates over the fixed point's field distribution."""
    mod = th.module
    p = [params[n] for n in mod.PARAMETERS]
    samples = _field_samples(th, q)
    lo, hi = np.inf, -np.inf
    for f_index in range(th.m):  # vary one field at a time, others at 0 (rates are per field)
        args = [np.zeros(1) for _ in range(th.m)]
        args[f_index] = samples[f_index]
        for r in mod.local_rates(*args, *p):
            r = np.real(np.asarray(r, dtype=complex))
            lo, hi = min(lo, float(np.min(r))), max(hi, float(np.max(r)))
    return lo, hi


def edge_of(th: Theory, q, params, K=None) -> tuple[float, float | None, float]:
    """(edge, bulk_edge, local_edge) of the support at variances ``q``."""
    _, local = local_rate_range(th, q, params)
    qv = [np.asarray(v, dtype=float) for v in q]

    def f(lam):
        return float(th.rho(np.array(lam, dtype=complex), qv, params, K)) - 1.0

    lo = local + 1e-9 * max(1.0, abs(local))
    bulk = None
    if f(lo) > 0:
        hi = max(1.0, 2 * abs(lo))
        while f(hi) > 0:
            hi *= 2
            if hi > 1e8:
                break
        bulk = brentq(f, lo, hi, xtol=1e-12, rtol=1e-12)
    edge = local if bulk is None else max(bulk, local)
    return edge, bulk, local


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

    model = get_model(model)
    fp = fixed_point_branches(model, params=params, **kwargs)
    b = fp.branches[branch]
    th = Theory(model, fp.quadrature_nodes)  # default rule, as fixed_point_branches
    q = [np.asarray(v) for v in b.field_variance.values()]
    lo_rate, hi_rate = local_rate_range(th, q, fp.params)
    # extent: from the left of the local rates to beyond the edge, symmetric in Im
    right = b.edge + 0.5 + 0.2 * abs(b.edge)
    left = min(lo_rate, -1.0) - 1.5
    half = 0.6 * (right - left)
    x = np.linspace(left, right, resolution)
    y = np.linspace(-half, half, resolution)
    L = x[None, :] + 1j * y[:, None]
    rho = th.rho(L, q, fp.params)
    gen = contourpy.contour_generator(x, y, np.log(np.maximum(rho, 1e-300)))
    curves = [c[:, 0] + 1j * c[:, 1] for c in gen.lines(0.0)]
    return SpectrumResult(boundary=curves, edge=b.edge, bulk_edge=b.bulk_edge,
                          local_segment=(lo_rate, hi_rate), branch=b,
                          extent=(left, right, -half, half))


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

    model = get_model(model)
    fp = fixed_point_branches(model, params=params, **kwargs)
    b = fp.branches[branch]
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
            r = np.broadcast_to(np.asarray(mod.local_rates(*args, *p)[k], dtype=float), (3,))
            if np.ptp(r) > 0:
                varying.append(f)
        if len(varying) > 1:
            raise NotImplementedError("local rates depending on several fields")
        if not varying:
            r = float(np.asarray(mod.local_rates(*[np.zeros(1)] * th.m, *p)[k]).ravel()[0])
            total += float(abs(r) < eps)
            continue
        args = [np.zeros(1)] * th.m
        args[varying[0]] = np.sqrt(q[varying[0]]) * u
        r = np.asarray(mod.local_rates(*args, *p)[k], dtype=float)
        total += float(np.mean(np.abs(r) < eps))
    return total / n_vars
