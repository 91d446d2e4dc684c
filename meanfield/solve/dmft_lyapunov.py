r"""The maximal Lyapunov exponent from the DMFT (Gaussian case), spec section 5.

A small separation :math:`\delta x_k` of two trajectories of the same network obeys the
variational equation; for a linear-filter variable :math:`\dot x_k = -a_k x_k + b_k
\eta_f` it is driven by the tangent field :math:`\delta\eta_f = \sum_j J^f_{ij}\, \delta
g_f(x_j)`, Gaussian, independent across coupling matrices, with covariance
:math:`\langle \delta g_f(t)\, \delta g_f(t')\rangle`. For :math:`g_f = \prod_j g_{f,j}(x_j)`
over independent variables and tangent variables driven by different matrices
uncorrelated, the tangent covariances :math:`K_k(t,t') = \langle\delta x_k(t)\,\delta
x_k(t')\rangle` grow as :math:`e^{\lambda(t+t')} k_k(t-t')` with

.. math::
    \left[(a_k+\lambda)^2 - \partial_\tau^2\right] k_k(\tau)
      = b_k^2 \sum_j Q_{f(k),j}(\tau)\, k_j(\tau), \qquad
    Q_{f,j} = \langle g'_{f,j} g'_{f,j}\rangle(\tau) \prod_{i\ne j}
              \langle g_{f,i} g_{f,i}\rangle(\tau),

the averages over the stationary DMFT solution (``meanfield derive --dmft`` shows these
equations for a model). :math:`\lambda_{max}` is the largest :math:`\lambda` with a
non-negative solution: the Perron root :math:`\mu(\lambda)` of
:math:`A(\lambda)^{-1} B` (:math:`A` the diagonal blocks :math:`(a_k+\lambda)^2 -
\partial_\tau^2`, :math:`B` the couplings :math:`b_k^2 Q`) decreases with
:math:`\lambda`, and :math:`\mu(\lambda_{max}) = 1`. In the additive limit this is the
classical Schrodinger problem, :math:`\lambda_{max} = -1 + \sqrt{1 - E_0}`.

Discretisation: the even functions :math:`k_k` on :math:`[-\tau_{max}, \tau_{max}]` with the
DMFT's lag spacing, second differences, :math:`k = 0` at the ends.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sps
from scipy.optimize import brentq
from scipy.sparse.linalg import LinearOperator, eigs, splu

from .._errors import ConvergenceError

__all__ = ["lyapunov_gaussian"]


def _values(fn, x):
    return np.broadcast_to(np.asarray(fn(x)[0], dtype=float), np.shape(x))


def _pair(fn, c0, c, u, w):
    """<fn(x1) fn(x2)> over the lags (a slope may be generated as a constant)."""
    from .dmft import _pair_average

    return _pair_average(lambda x: (_values(fn, x),), c0, c, u, w)


def lyapunov_gaussian(system, C: dict, tau: np.ndarray, u, w) -> tuple[float, str]:
    """lambda_max from the tangent equations of a converged Gaussian DMFT solution.

    ``system`` is the derived linear-filter structure (``_GaussianSystem``), ``C`` the
    correlation of each state (index -> array over ``tau``). Returns the exponent and a
    one-line note.
    """
    states = range(len(system.states))
    n = len(tau)
    dtau = float(tau[1] - tau[0])
    pair, slope = {}, {}
    for f, fl in system.factors.items():
        for k, i in fl:
            if k < 0:
                continue
            if (k, i) in pair:  # the same factor function of the same state
                continue
            pair[(k, i)] = _pair(getattr(system.module, f"g{i}"), C[k][0], C[k], u, w)
            slope[(k, i)] = _pair(getattr(system.module, f"dg{i}"), C[k][0], C[k], u, w)
    # Q[(k, j)]: coupling of k_j into the equation of k_k (on lags 0..n-1)
    Q = {}
    for k in states:
        for f, b in system.gain[k]:  # each independent field driving k adds its part
            for j, i in system.factors[f]:
                if j < 0:
                    continue
                q = b * b * slope[(j, i)]
                for j2, i2 in system.factors[f]:
                    if j2 >= 0 and (j2, i2) != (j, i):
                        q = q * pair[(j2, i2)]
                if np.any(q != 0):
                    Q[(k, j)] = Q[(k, j)] + q if (k, j) in Q else q
    if not Q:
        return -min(system.rate.values()), "no tangent coupling: lambda_max = -min rate"
    # keep the states that feed back into some equation (a state no equation depends on,
    # like z of the gated model at alpha_z = 0, does not change the growth rate)
    active = sorted({j for _, j in Q})
    # ... but its own perturbation still decays at its local rate: lambda_max is at least
    # -a_k for every such state (tau_z = 1e3 at a stable fixed point: lambda_max = -1e-3,
    # the slowest local mode, as the spectral edge; beta_h = 50, phi' = 0: -s_z(0) = -1/2)
    passive = max((-system.rate[k] for k in states if k not in active), default=-math.inf)
    Q = {kj: q for kj, q in Q.items() if kj[0] in active}
    m = 2 * n - 1
    sym = lambda v: np.concatenate([v[:0:-1], v])  # noqa: E731  even extension
    lap = sps.diags([np.ones(m - 1), -2 * np.ones(m), np.ones(m - 1)], [-1, 0, 1]) / dtau ** 2
    eye = sps.identity(m)
    zero = sps.csc_matrix((m, m))
    B = sps.bmat([[sps.diags(sym(Q[(k, j)])) if (k, j) in Q else zero for j in active]
                  for k in active], format="csc")
    size = m * len(active)

    def mu(lam):
        A = sps.block_diag([(system.rate[k] + lam) ** 2 * eye - lap for k in active],
                           format="csc")
        lu = splu(A)
        op = LinearOperator((size, size), matvec=lambda v: lu.solve(B @ v), dtype=float)
        v0 = np.ones(size)
        if not np.max(np.abs(op.matvec(v0))) >= np.finfo(float).tiny:
            # the tangent coupling is numerically zero (a saturated phi, beta_h = 50:
            # phi' underflows): ARPACK cannot start ("starting vector is zero"); the
            # Perron root is 0 to double precision
            return 0.0
        val = eigs(op, k=1, which="LM", v0=v0, tol=1e-10, maxiter=5000,
                   return_eigenvectors=False)
        return float(val[0].real)

    lo = -min(system.rate[k] for k in active) * (1 - 1e-9)
    mu_lo = mu(lo)
    if mu_lo <= 1:  # mu decreases with lambda: below 1 already at the smallest rate
        if passive > lo:
            return passive, "the slowest local rate of a state that does not feed back"
        return lo, "the Perron root is below 1 at the smallest admissible rate"
    hi = max(1.0, abs(lo))
    for _ in range(40):
        if math.log(mu(hi)) < 0:
            break
        hi *= 2
    else:
        raise ConvergenceError("lambda_max: no upper bracket for the Perron root = 1")
    lam = brentq(lambda x: math.log(mu(x)), lo, hi, xtol=1e-10, rtol=1e-10)
    if passive > lam:
        return passive, "the slowest local rate of a state that does not feed back"
    return float(lam), (f"tangent equations on {len(active)} coupled state(s), "
                        f"{m} lags in [-{tau[-1]:g}, {tau[-1]:g}]")

