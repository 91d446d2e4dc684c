r"""Coefficients of the Adams methods, derived exactly (pure functions, no state).

Every Adams formula integrates the polynomial interpolating the derivative at equally
spaced nodes: with the step as unit of time and :math:`\ell_i` the Lagrange basis on
the nodes :math:`s_i`,

.. math:: y(b) - y(a) \approx h \sum_i f(s_i) \int_a^b \ell_i(s)\, ds .

* Adams–Bashforth of order ``k`` (explicit predictor): nodes :math:`0, -1, \dots, -(k-1)`
  over :math:`[0, 1]`.
* Adams–Moulton of order ``k + 1`` (corrector): nodes :math:`1, 0, \dots, -(k-1)` over
  :math:`[0, 1]`.
* The start (Hairer, Nørsett & Wanner, *Solving ODEs I*, III.1, "starting procedures"):
  the first ``k - 1`` values solve the implicit system
  :math:`y_j = y_0 + h \sum_{i=0}^{k-1} W_{ji} f(y_i)`, :math:`W_{ji} = \int_0^j \ell_i`,
  nodes :math:`0, \dots, k-1`; a collocation method of the same order, solved by
  fixed-point iteration.

The weights are computed in exact rational arithmetic and rounded once, so they carry no
accumulated rounding; tests check them against the classical tables.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = ["lagrange_integrals", "adams_bashforth", "adams_moulton", "start_weights",
           "pece_stability_limit"]


def _polymul(p: list[Fraction], q: list[Fraction]) -> list[Fraction]:
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def lagrange_integrals(nodes, lo, hi) -> tuple[Fraction, ...]:
    """``(int_lo^hi l_i(s) ds for each node i)``, exactly, for distinct rational nodes."""
    nodes = [Fraction(n) for n in nodes]
    if len(set(nodes)) != len(nodes):
        raise ValueError(f"nodes must be distinct, got {nodes}")
    lo, hi = Fraction(lo), Fraction(hi)
    out = []
    for j, nj in enumerate(nodes):
        poly = [Fraction(1)]  # coefficients in increasing powers of s
        for m, nm in enumerate(nodes):
            if m != j:
                poly = _polymul(poly, [-nm / (nj - nm), 1 / (nj - nm)])
        out.append(sum(c * (hi ** (i + 1) - lo ** (i + 1)) / (i + 1) for i, c in enumerate(poly)))
    return tuple(out)


@lru_cache(maxsize=None)
def adams_bashforth(k: int) -> np.ndarray:
    """Weights of ``f_n, f_{n-1}, ..., f_{n-k+1}`` in the order-``k`` predictor."""
    return np.array([float(w) for w in lagrange_integrals([-j for j in range(k)], 0, 1)])


@lru_cache(maxsize=None)
def adams_moulton(k: int) -> np.ndarray:
    """Weights of ``f_{n+1}, f_n, ..., f_{n-k+1}`` in the order-``k + 1`` corrector."""
    return np.array([float(w) for w in lagrange_integrals([1] + [-j for j in range(k)], 0, 1)])


@lru_cache(maxsize=None)
def start_weights(k: int) -> np.ndarray:
    """``W[j-1, i] = int_0^j l_i``, nodes ``0..k-1``, for ``j = 1..k-1`` (the start)."""
    return np.array([[float(w) for w in lagrange_integrals(range(k), 0, j)]
                     for j in range(1, k)])


def _pece_amplification(k: int, z: float) -> float:
    """Largest root modulus of the PECE recurrence on ``y' = lambda y``, ``z = h lambda``."""
    b, a = adams_bashforth(k), adams_moulton(k)
    # y_{n+1} = sum_j c_j y_{n-j}: the derivatives are evaluated at the corrected values
    c = z * a[1:] + z * a[0] * z * b
    c[0] += 1 + z * a[0]
    return float(np.max(np.abs(np.roots(np.concatenate([[1.0], -c])))))


@lru_cache(maxsize=None)
def pece_stability_limit(k: int) -> float:
    """The ``x`` such that PECE of order ``k`` is stable for real ``h lambda`` in ``(-x, 0)``.

    Scanned in steps of 0.01 from 0, then bisected to 1e-6: the first negative real
    ``h lambda`` where a root of the recurrence leaves the unit disc (beyond rounding).
    """
    def stable(x):
        return _pece_amplification(k, -x) <= 1 + 1e-12

    x = 0.01
    while stable(x):
        x += 0.01
        if x > 10:  # no method here has a larger interval; refuse to scan for ever
            raise RuntimeError(f"PECE order {k}: no stability limit below 10")
    lo, hi = x - 0.01, x
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    return lo
