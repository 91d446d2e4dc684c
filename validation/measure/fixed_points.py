r"""Newton refinement of a network fixed point.

Solves :math:`F(y) = 0` for the flow ``F`` of a :class:`~validation.network.Network`
by Newton's method with a backtracking line search. The line search measures
progress by :math:`\|D^{-1}F\|` with :math:`D` the diagonal of the local block
(e.g. :math:`s_z(z_i)` for :math:`\dot h_i`): the zeros are those of :math:`F` and
the Newton step is unchanged, but a unit whose update gate is nearly shut
(:math:`s_z \approx 0`, large alpha_z) still counts its distance :math:`-h_i+\eta_i`
from its fixed point, which plain :math:`\|F\|` hides and which otherwise stalls
the search. The linear step uses the dense Jacobian (``linear_solver='dense'``, exact, for
:math:`nN \lesssim 4000`) or GMRES on Jacobian-vector products
(``'krylov'``, never forming the Jacobian).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from meanfield._checks import is_integer, is_real
from meanfield._errors import ConvergenceError, ParameterError

from ..network import Network
from .settle import time_of_flow

__all__ = ["FixedPointResult", "find_fixed_point"]


@dataclass(frozen=True)
class FixedPointResult:
    """Result of :func:`find_fixed_point`.

    Attributes
    ----------
    state : ndarray (n_vars, N)
    success : bool
    message : str
    residual : float
        rms of the flow at ``state``.
    iterations : int
    """

    state: np.ndarray
    success: bool
    message: str
    residual: float
    iterations: int

    def __repr__(self):
        return (f"FixedPointResult(success={self.success}, residual={self.residual:.3g}, "
                f"iterations={self.iterations}, message={self.message!r})")


def _rms(v):
    return float(np.sqrt(np.mean(v ** 2)))


def _local_diagonal(lin, F):
    """|diagonal of the local block| per variable and unit (1 where it vanishes)."""
    D = np.ones_like(F)
    for (k, l), a in lin.local.items():
        if k == l:
            D[k] = np.maximum(np.abs(a), 1e-12)
    return D


#: Most unknowns for which a failed GMRES step is redone by a dense solve (0.5 GB).
_DENSE_FALLBACK = 8000


def find_fixed_point(network: Network, y0: np.ndarray, *, tol: float = 1e-10,
                     max_iter: int = 50, linear_solver: str | None = None,
                     throw: bool = False, t: float | None = None) -> FixedPointResult:
    """Refine ``y0`` to a fixed point of ``network`` by damped Newton iteration.

    Parameters
    ----------
    network : Network
    y0 : ndarray, shape (n_vars, N)
        Starting state (e.g. the end of a simulation that settled).
    tol : float
        Success when the rms of the flow is below ``tol``.
    max_iter : int
    linear_solver : {'dense', 'krylov'}, optional
        Default: dense for ``n_vars*N <= 4000``, else krylov (GMRES; a step it does not
        converge on is redone densely up to 8000 unknowns, else the search stops saying
        so).
    throw : bool
        Raise :class:`ConvergenceError` instead of returning ``success=False``.
    t : float, optional
        The time at which the flow is taken, required where an input depends on time
        (the input at t = 0 was used silently: Newton moved a state settled under an
        input switched on at t = 5 by 1.2 to the input-off fixed point, "success"; a
        probe, 2026-11-28). Default 0 for constant inputs.
    """
    t = time_of_flow(network, t, "find_fixed_point")
    y = network.check_state(y0).copy()
    if y.ndim != 2:
        raise ParameterError("find_fixed_point takes one state of shape (n_vars, N)")
    if not np.all(np.isfinite(y)):
        raise ParameterError("y0 contains NaN or inf")
    if not (is_real(tol) and math.isfinite(tol) and tol > 0):
        raise ParameterError(f"tol={tol!r} must be a positive finite number")
    if not (is_integer(max_iter) and max_iter >= 1):
        raise ParameterError(f"max_iter={max_iter!r} must be an integer >= 1")
    size = y.size
    if linear_solver is None:
        linear_solver = "dense" if size <= 4000 else "krylov"
    if linear_solver not in ("dense", "krylov"):
        raise ParameterError(f"linear_solver={linear_solver!r}; choose 'dense' or 'krylov'")
    def scaled(lin_or_none, F, state):
        lin = lin_or_none or network.linearise(state, t)
        return _rms(F / _local_diagonal(lin, F))

    F = network.velocity(y, t)
    res = _rms(F)
    merit = scaled(None, F, y)
    it = 0
    message = "converged" if np.isfinite(res) else f"the flow at y0 is not finite ({res})"
    while res >= tol:
        if it >= max_iter:
            message = f"no convergence in {max_iter} Newton iterations (residual {res:.3g})"
            break
        it += 1
        lin = network.linearise(y, t)
        dense = linear_solver == "dense"
        if not dense:
            # left Jacobi preconditioning by the local diagonal (shut gates make J's
            # rows tiny); GMRES to 1e-12 so the step's error does not stall Newton
            D = _local_diagonal(lin, F)
            op = spla.LinearOperator(
                (size, size), dtype=float,
                matvec=lambda v: (lin.matvec(v.reshape(y.shape)) / D).ravel())
            step, info = spla.gmres(op, -(F / D).ravel(), rtol=1e-12, atol=0.0, restart=100,
                                    maxiter=50)
            if info != 0:
                # GMRES did not reach its tolerance (an indefinite, ill-conditioned J: 5 %
                # relative residual, the step off by 136 %); its step was taken anyway and
                # Newton ended in "line search failed" (found by a probe, 2026-11-28). A
                # dense solve where it fits (8000 unknowns: 0.5 GB), else say so.
                if size > _DENSE_FALLBACK:
                    rel = float(np.linalg.norm(op.matvec(step) + (F / D).ravel())
                                / np.linalg.norm((F / D).ravel()))
                    message = (f"GMRES did not converge (relative residual {rel:.2g}) at "
                               f"Newton iteration {it} (residual {res:.3g}); the Jacobian is "
                               "ill-conditioned here")
                    break
                dense = True
        if dense:
            try:
                step = scipy.linalg.solve(lin.dense(), -F.ravel(), check_finite=True)
            except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
                message = "singular Jacobian"
                break
        step = step.reshape(y.shape)
        lam = 1.0
        while lam > 1e-6:
            y_try = y + lam * step
            F_try = network.velocity(y_try, t)
            m_try = scaled(None, F_try, y_try) if np.all(np.isfinite(F_try)) else np.inf
            # progress in the scaled merit, or in the plain residual once the scaled one
            # reaches its round-off floor (F / s_z amplifies rounding for shut gates)
            if np.isfinite(m_try) and (m_try < (1 - 1e-4 * lam) * merit
                                       or _rms(F_try) < (1 - 1e-4 * lam) * res):
                break
            lam /= 2
        else:
            message = f"line search failed (residual {res:.3g})"
            break
        y, F, res, merit = y_try, F_try, _rms(F_try), m_try
    success = res < tol
    if success:
        message = "converged"
    result = FixedPointResult(y, success, message, res, it)
    if throw and not success:
        raise ConvergenceError(f"fixed point not found: {message}")
    return result
