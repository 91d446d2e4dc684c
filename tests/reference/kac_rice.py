"""Independent Kac–Rice complexity of the additive network and log-determinant checks.

Written from the derivation (docs/complexity.md), not from meanfield's code: a different
numerical route (nested one-dimensional optimisations on probabilists' Gauss–Hermite
nodes of numpy) for the additive network's

    Sigma = max(0, sup_q sup_u inf_mu { log E_{h~N(0,q)}[sqrt(1 + u phi'^2) e^{mu(phi^2 - q)}]
                                        - u/2 }),   phi = tanh(g h);

and, for the log-determinant, finite random matrices (singular values of a sampled
X, Haagerup–Larsen) and the circular law. Nothing here imports meanfield.
"""

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize_scalar

_x, _w = hermegauss(200)
_w = _w / _w.sum()


def _s(q, mu, u, g):
    h = np.sqrt(q) * _x
    ph = np.tanh(g * h)
    a = 0.5 * np.log1p(u * (g * (1 - ph ** 2)) ** 2) + mu * (ph ** 2 - q)
    amax = a.max()
    return np.log(np.sum(_w * np.exp(a - amax))) + amax - u / 2


def _inner(q, g):
    def h(u):
        return minimize_scalar(lambda mu: _s(q, mu, u, g), bracket=(-5, 5), tol=1e-12).fun
    r = minimize_scalar(lambda lu: -h(np.exp(lu)), bounds=(-14, 5), method="bounded",
                        options={"xatol": 1e-10})
    return max(-r.fun, h(0.0))


def additive_sigma(g):
    """Annealed complexity of dh/dt = -h + J tanh(g h), J_ij ~ N(0, 1/N)."""
    qs = np.geomspace(1e-4, 0.99, 50)
    vals = [_inner(q, g) for q in qs]
    i = int(np.argmax(vals))
    lo, hi = np.log(qs[max(i - 1, 0)]), np.log(qs[min(i + 1, len(qs) - 1)])
    r = minimize_scalar(lambda lq: -_inner(np.exp(lq), g), bounds=(lo, hi), method="bounded",
                        options={"xatol": 1e-9})
    return max(0.0, -r.fun, max(vals))


def ginibre_log_det(sigma2):
    """(1/N) log|det(1 - sigma G)| for Ginibre G: the uniform disc of radius sigma."""
    if sigma2 <= 1:
        return 0.0
    return 0.5 * np.log(sigma2) - 0.5 + 0.5 / sigma2


def gated_log_det_finite(A, B, C, rng, N):
    """(1/N) log|det(1 - Jh X)|, X = diag(A) + diag(B) Jr diag(C), from the singular values
    of one sampled X of size N (A, B, C tiled to N): Jh is bi-orthogonally invariant, so the
    spectrum of Jh X depends on those of X only, and for R-diagonal elements
    int log max(1, |lambda|) = sup_u (1/2)[<log(1 + u s^2)> - u]."""
    k = N // len(A)
    A, B, C = (np.tile(v, k) for v in (A, B, C))
    N = len(A)
    Jr = rng.normal(0, 1 / np.sqrt(N), (N, N))
    X = np.diag(A) + B[:, None] * Jr * C[None, :]
    s2 = np.linalg.svd(X, compute_uv=False) ** 2
    r = minimize_scalar(lambda u: -(np.mean(np.log1p(u * s2)) - u), bounds=(0, 100),
                        method="bounded", options={"xatol": 1e-12})
    return max(0.0, -r.fun / 2)
