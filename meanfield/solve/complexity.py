r"""Annealed Kac–Rice topological complexity :math:`\Sigma`: :math:`\mathbb E\,\# \sim e^{N\Sigma}` (spec section 6).

Derivation (symbols of :mod:`meanfield.derive.complexity`). Conditioned on the fields
:math:`\eta`, :math:`W\hat g(\eta)` is Gaussian with variance :math:`q_f = \langle\hat
g_f^2\rangle` per field, so its density at :math:`\eta` is
:math:`\prod_f \mathcal N(\eta_f; 0, q_f)`; conditioning :math:`W` on one vector per
block is a rank-one change that leaves :math:`\frac1N\log|\det|` unchanged, and the
determinant concentrates, :math:`\mathbb E|\det| \approx e^{N L}`. Both depend on the
units only through the empirical law :math:`\rho` of their fields, so Laplace's method
over :math:`\rho` gives

.. math:: \Sigma = \sup_\rho \Big[ L[\rho] - \mathrm{KL}\big(\rho \,\|\,
          \textstyle\prod_f \mathcal N(0, \langle\hat g_f^2\rangle_\rho)\big) \Big] .

*Log-determinant.* :math:`\frac1N\log|\det(1 - W\Gamma)|` follows from the
hermitised Dyson equation of :math:`W\Gamma` (independent blocks :math:`J^f`, per-unit
:math:`\Gamma`): with diagonal :math:`U = \mathrm{diag}(u_f)`, :math:`V = \mathrm{diag}(v_f)`,

.. math:: L[\rho] = \tfrac12\,\mathrm{ext}_{u, v \ge 0}\Big[\big\langle \log\det(1 +
          U\Gamma^T V\Gamma)\big\rangle_\rho - \textstyle\sum_f u_f v_f\Big],

whose stationarity conditions :math:`u_f = \langle(\Gamma (1 + UQ)^{-1} U\Gamma^T)_{ff}
\rangle`, :math:`v_f = \langle (Q (1+UQ)^{-1})_{ff}\rangle`, :math:`Q = \Gamma^T V\Gamma`,
are the Dyson equation at :math:`z = 1`. The non-trivial solution exists exactly when the
Perron root of :math:`M = \langle \Gamma\circ\Gamma\rangle` (the variance profile
:math:`M(0)` of :mod:`meanfield.derive.jacobian`) exceeds 1; otherwise :math:`L = 0`. For
one field this is :math:`L = \frac12\sup_u[\langle\log(1 + u\Gamma^2)\rangle - u]
= \int_{|\lambda|>1}\log|\lambda|\,d\mu` for the rotation-invariant spectral law
:math:`\mu` of the variance profile (the full density enters, not only its edge).

*Saddle point.* The optimal law is the tilted Gaussian
:math:`\rho \propto \mathcal N(0, q)\,\det(1 + U\Gamma^TV\Gamma)^{1/2}\,
e^{\sum_f \mu_f \hat g_f^2}`, with the conjugate :math:`\mu` fixing
:math:`\langle\hat g_f^2\rangle_\rho = q_f`, and

.. math:: \Sigma = \max_q S(q),\qquad S(q) = \log Z - \mu\cdot q - \tfrac12 u\cdot v,
          \qquad \partial_{q_f} S = \frac{\langle\eta_f^2\rangle_\rho - q_f}{2 q_f^2} - \mu_f .

A mean-field fixed-point branch (Gaussian :math:`\rho`, :math:`\mu = 0`) gives
:math:`S = L \ge 0`; the trivial fixed point gives :math:`S \to 0` as :math:`q \to 0`.
For each :math:`q` the tilt :math:`\mu` (convex problem, Newton) and :math:`(u, v)` (Dyson
iteration from large values, which selects the physical branch) are alternated to
self-consistency; :math:`q` is maximised from a scan along the image of the mean-field
variance map, refined by L-BFGS-B with the gradient above.

What is general: any model accepted by :func:`~meanfield.derive.complexity.complexity_theory`
(the gated model and its members additive, update-gate, output-gate are tested). What is
not: the annealed average (``E #``, not ``E log #``); the concentration of the
determinant; real-valued fields on a tensor quadrature grid, so models with more than
three active fields are refused as too costly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, minimize

from .._checks import brief, check_bool, check_float, check_int
from .._errors import ConvergenceError, ParameterError
from ..codegen.complexity import complexity_module
from ..codegen.quadrature import mapped_trapezoid_nodes, trapezoid_nodes
from ..models import Model, get_model
from ._probe import any_moved

__all__ = ["ComplexityOnset", "ComplexityProfile", "ComplexityResult", "complexity",
           "complexity_onset", "complexity_profile", "log_determinant"]


@dataclass(frozen=True)
class ComplexityResult:
    """The annealed topological complexity at one parameter point.

    Attributes
    ----------
    sigma : float
        :math:`\\Sigma \\ge 0`, growth rate of the expected number of fixed points.
    field_variance : dict of str to float
        Optimal :math:`q_f` of each active field (0 on the trivial branch).
    conjugate : dict of str to float
        :math:`\\mu_f`, the tilt conjugate to :math:`q_f`.
    u, v : dict of str to float
        Order parameters of the log-determinant. Only the products ``u_f v_g`` are
        determined (``(c u, v / c)`` solves the same equations); with one field the
        product is split evenly, with two the split is where the iteration stopped.
    log_det : float
        :math:`L`: (1/N) log|det(1 - W Gamma)| under the optimal law.
    relative_entropy : float
        KL of the optimal law to the Gaussian prior (``sigma = log_det - relative_entropy``).
    stability : float
        Perron root of :math:`\\langle\\Gamma\\circ\\Gamma\\rangle` under the optimal law
        (> 1: the typical counted fixed point is unstable).
    branch : str
        ``"tilted"`` (a saddle point with q > 0), ``"zero"`` (sup at q -> 0, Sigma = 0) or
        ``"unsolved"`` (no point of the scan solved: Sigma NaN, not converged).
    best_value : float
        Largest S(q) found at q > 0 (negative when Sigma = 0 comes from q -> 0).
    residual : float
        Largest of: constraint residual, Dyson residual, |q dS/dq| at the optimum.
    quadrature_error : float
        |Sigma(K nodes) - Sigma(2K - 1 nodes)| at the optimum.
    """

    model: str
    params: dict
    sigma: float
    field_variance: dict
    conjugate: dict
    u: dict
    v: dict
    log_det: float
    relative_entropy: float
    stability: float
    branch: str
    best_value: float
    converged: bool
    success: bool
    message: str
    residual: float
    iterations: int
    quadrature_nodes: int
    quadrature_error: float
    options: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The CLI's JSON form."""
        return {"model": self.model, "params": dict(self.params), "sigma": self.sigma,
                "converged": self.converged, "success": self.success, "message": self.message,
                "residual": self.residual, "branch": self.branch,
                "field_variance": dict(self.field_variance), "conjugate": dict(self.conjugate),
                "u": dict(self.u), "v": dict(self.v), "log_det": self.log_det,
                "relative_entropy": self.relative_entropy, "stability": self.stability,
                "best_value": self.best_value, "iterations": self.iterations,
                "quadrature_nodes": self.quadrature_nodes,
                "quadrature_error": self.quadrature_error}

    def __repr__(self):
        q = ", ".join(f"{k}={v:.6g}" for k, v in self.field_variance.items())
        return (f"ComplexityResult(model={self.model!r}, sigma={self.sigma:.6g}, "
                f"branch={self.branch!r}, {q}, converged={self.converged}, "
                f"message={self.message!r})")


# ---------------------------------------------------------------- pure kernels

def log_determinant(gamma, weights, *, init=None, tol: float = 1e-13, max_iter: int = 20000):
    r"""(1/N) log|det(1 - W Gamma)| for a law of per-unit blocks ``gamma``.

    Parameters
    ----------
    gamma : ndarray, shape (K, m, m)
        :math:`\Gamma` at K support points of the law.
    weights : ndarray, shape (K,)
        Their probabilities (sum 1).
    init : tuple of ndarray, optional
        Starting (u, v) (warm start); default 2 for every entry.

    Returns
    -------
    L, u, v, log_D, iterations, residual
        ``log_D`` is :math:`\log\det(1 + U\Gamma^TV\Gamma)` at each point.
    """
    gamma = np.asarray(gamma, dtype=float)
    w = np.asarray(weights, dtype=float)
    K, m, _ = gamma.shape
    M = np.einsum("k,kij->ij", w, gamma ** 2)
    if np.max(np.abs(np.linalg.eigvals(M))) <= 1.0:
        z = np.zeros(m)
        return 0.0, z, z, np.zeros(K), 0, 0.0
    if m == 1:
        return _log_determinant_scalar(gamma[:, 0, 0] ** 2, w, tol)
    u, v = (np.full(m, 2.0), np.full(m, 2.0)) if init is None else (
        np.maximum(np.asarray(init[0], float), 1e-3), np.maximum(np.asarray(init[1], float), 1e-3))
    if m == 2:
        return _log_determinant_2x2(gamma, w, u, v, tol, max_iter)
    eye = np.eye(m)
    gT = gamma.transpose(0, 2, 1)
    wk = w[:, None, None]
    change = np.inf
    for it in range(1, max_iter + 1):
        Q = gT @ (v[None, :, None] * gamma)
        Ainv = _inv(eye + u[None, :, None] * Q)
        u_new = np.sum(wk * (gamma @ Ainv) * (gamma * u[None, None, :]), axis=(0, 2))
        v_new = np.sum(wk * Q * Ainv.transpose(0, 2, 1), axis=(0, 2))
        change = max(float(np.max(np.abs(u_new - u))), float(np.max(np.abs(v_new - v))))
        u, v = u_new, v_new
        if change < tol * (1 + float(np.max(u) + np.max(v))):
            break
    Q = gT @ (v[None, :, None] * gamma)
    log_D = np.linalg.slogdet(eye + u[None, :, None] * Q)[1]
    L = 0.5 * (float(w @ log_D) - float(u @ v))
    return L, u, v, log_D, it, change


#: Iterates mixed by :func:`_log_determinant_2x2` (Anderson acceleration).
_ANDERSON_DEPTH = 5


def _log_determinant_2x2(gamma, w, u, v, tol, max_iter):
    """The Dyson iteration of :func:`log_determinant` written out for two fields."""
    G = [[gamma[:, 0, 0], gamma[:, 0, 1]], [gamma[:, 1, 0], gamma[:, 1, 1]]]

    def blocks(u, v):
        Q00 = v[0] * G[0][0] ** 2 + v[1] * G[1][0] ** 2
        Q01 = v[0] * G[0][0] * G[0][1] + v[1] * G[1][0] * G[1][1]
        Q11 = v[0] * G[0][1] ** 2 + v[1] * G[1][1] ** 2
        A00, A01, A10, A11 = 1 + u[0] * Q00, u[0] * Q01, u[1] * Q01, 1 + u[1] * Q11
        det = A00 * A11 - A01 * A10
        inv = [[A11 / det, -A01 / det], [-A10 / det, A00 / det]]
        return [[Q00, Q01], [Q01, Q11]], inv, det

    def step(x):
        u, v = x[:2], x[2:]
        Q, Ai, _ = blocks(u, v)
        u_new = [w @ sum((G[f][0] * Ai[0][j] + G[f][1] * Ai[1][j]) * u[j] * G[f][j]
                         for j in range(2)) for f in range(2)]
        v_new = [w @ (Q[f][0] * Ai[0][f] + Q[f][1] * Ai[1][f]) for f in range(2)]
        return np.array(u_new + v_new)

    # The iteration x -> step(x) converges linearly, at a rate that tends to 1 as the
    # variance map's spectral radius tends to 1 (the onset of complexity): about 950
    # sweeps of a 6561-point grid each at g_h = 2.01, and complexity() took more than
    # five minutes there (a probe, 2026-11-28). Anderson mixing of the last few iterates
    # reaches the same fixed point in 6-9 (to 1e-11); a mixed step that is not finite or
    # moves towards the trivial fixed point u = v = 0 too fast is replaced by the plain one.
    x = np.concatenate([u, v])
    xs, rs = [], []
    change = np.inf
    for it in range(1, max_iter + 1):
        fx = step(x)
        r = fx - x
        change = float(np.max(np.abs(r)))
        if not np.isfinite(change) or change < tol * (1 + float(np.max(fx[:2])
                                                            + np.max(fx[2:]))):
            x = fx
            break
        xs, rs = (xs + [x])[-_ANDERSON_DEPTH - 1:], (rs + [r])[-_ANDERSON_DEPTH - 1:]
        x = fx
        if len(rs) > 1:
            dR = np.diff(np.array(rs), axis=0).T
            dX = np.diff(np.array(xs), axis=0).T
            with np.errstate(all="ignore"):
                coef = np.linalg.lstsq(dR, r, rcond=None)[0]
                mixed = xs[-1] + r - (dX + dR) @ coef
            # (and never more than halve a component in one step: mixing with no such
            # bound fell onto the trivial fixed point u = v = 0 at g_h = 1.8,
            # alpha_r = 20, Sigma 0 against 0.0589)
            if np.all(np.isfinite(mixed)) and np.all(mixed >= 0.5 * fx):
                x = mixed
    u, v = x[:2], x[2:]
    _, _, det = blocks(u, v)
    log_D = np.log(det)
    return 0.5 * (float(w @ log_D) - float(u @ v)), u, v, log_D, it, change


def _inv(A):
    """Inverse of a stack of small matrices (closed form for 2 x 2: batched LAPACK is slow)."""
    if A.shape[-1] == 2:
        a, b, c, d = A[:, 0, 0], A[:, 0, 1], A[:, 1, 0], A[:, 1, 1]
        det = a * d - b * c
        out = np.empty_like(A)
        out[:, 0, 0], out[:, 0, 1], out[:, 1, 0], out[:, 1, 1] = d, -b, -c, a
        return out / det[:, None, None]
    return np.linalg.inv(A)


def _log_determinant_scalar(w2, w, tol):
    """One field: L = sup_u (1/2)[<log(1 + u w2)> - u], root of <w2/(1 + u w2)> = 1."""
    from scipy.optimize import brentq

    f = lambda t: float(w @ (w2 / (1 + t * w2))) - 1.0  # noqa: E731 (decreasing in t)
    hi = 1.0
    while f(hi) > 0:
        hi *= 2
    t = brentq(f, 0.0, hi, xtol=tol, rtol=4 * np.finfo(float).eps)
    log_D = np.log1p(t * w2)
    # split t = u v symmetrically (only the product is determined for one field)
    s = np.array([math.sqrt(t)])
    return 0.5 * (float(w @ log_D) - t), s, s, log_D, 1, abs(f(t))


class _NoFeedback(ParameterError):
    """Every presynaptic function is constant to double precision at these values."""

    def __init__(self, message, fields):
        super().__init__(message)
        self.fields = fields


class _Kernel:
    """The tilted-Gaussian saddle point at fixed q on a tensor trapezoid grid."""

    def __init__(self, model: Model, params: dict, nodes: int, half_width: float = 8.0):
        self.mod = complexity_module(model)
        self.m = len(self.mod.FIELDS)
        if self.m == 0:
            raise ParameterError(f"model {model.name!r}: no field feeds back at a fixed point")
        if self.m > 3:
            raise NotImplementedError(f"{self.m} active fields: the tensor grid is too costly")
        self.p = [params[n] for n in self.mod.PARAMETERS]
        self.all_fields = self.mod.FIELDS
        self.keep = _numerically_active(self.mod, self.p)
        self.m = len(self.keep)
        if self.m == 0:
            raise _NoFeedback(f"model {model.name!r}: no field feeds back at these "
                              "parameter values (every presynaptic function is constant)",
                              [f.removeprefix("eta_") for f in self.all_fields])
        if float(nodes) ** self.m > _MAX_GRID:
            # a probe asked for 1e6 nodes: numpy's 7 TiB MemoryError, not a message
            raise ParameterError(f"nodes={nodes}: a tensor grid of {nodes}^{self.m} points "
                                 f"exceeds {_MAX_GRID:.0e} (each array on it would need "
                                 f"{8 * float(nodes) ** self.m / 2**30:.3g} GiB)")
        self.nodes = nodes
        self.half_width = float(half_width)
        self._uniform = trapezoid_nodes(nodes, self.half_width)
        # narrow features (a steep gate) of each kept field, found once on a range that
        # grows with the variances asked for
        self._features = [None] * self.m
        self._plain = [None] * self.m
        self._grids = {}
        #: (last change, q) of each solve whose alternation stopped short of a solution
        self.stalled = []
        #: whether the scan ended in such points, or the search for the maximum met them
        self.cycling = False
        #: the largest variance scanned and searched: 4 (the presynaptic functions of the
        #: family are bounded by 1), or 1.5 times the largest ghat^2 seen on a box of
        #: +-16 per field, at most 1e4 (a user's phi = 50 exp(-x^2) has its saddle point
        #: at q = 220, where the fixed bound 4 gave "Sigma = 0, converged"; a probe)
        self.q_max = _variance_bound(self.mod, self.p, len(self.all_fields), self.keep)

    def _steep(self, a: int, reach: float, pinned: bool = True):
        """(centre, width) in eta of the narrow features of kept field ``a`` within
        +-``reach`` (see :func:`_steep_features`), found anew when ``reach`` grows. With
        ``pinned``, the map is also probed with each other field at its own features'
        centres (where a gate's slope is largest), which finds the zeros that a large
        factor in another field makes narrow."""
        cache = self._features if pinned else self._plain
        got = cache[a]
        if got is None or got[0] < reach:
            pins = ([(self.keep[b], c) for b in range(self.m) if b != a
                     for c, _ in self._steep(b, reach, pinned=False)] if pinned else [])
            got = (2 * reach, _steep_features(self.mod, self.p, self.all_fields,
                                              self.keep[a], 2 * reach, pins=pins))
            cache[a] = got
        return got[1]

    def axis(self, a: int, q_a: float):
        """Nodes (in standard deviations) and weights of kept field ``a`` at variance
        ``q_a``: the uniform trapezoid rule, or where the field has a feature narrower than
        a standard deviation (``_MAP_BELOW``), the rule mapped to crowd into it
        (:func:`~meanfield.codegen.quadrature.mapped_trapezoid_nodes`) with the same
        spacing in the mapped variable, so more nodes."""
        L, K = self.half_width, self.nodes
        s = math.sqrt(q_a)
        h = 2 * L / (K - 1)
        narrow = [(c / s, w / s) for c, w in self._steep(a, L * s)
                  if w / s < _MAP_BELOW and abs(c / s) < L]
        if not narrow:
            return self._uniform
        centres, widths = zip(*narrow)
        span = 2 * L + _STRENGTH * sum(math.asinh((L - c) / w) + math.asinh((L + c) / w)
                                      for c, w in narrow)
        K_a = 2 * math.ceil(0.5 * span / h) + 1
        return mapped_trapezoid_nodes(K_a, L, centres, widths, _STRENGTH)

    def grid(self, q):
        """The tensor grid at variances ``q``: nodes (K, m) in standard deviations and
        weights (K,). Uniform (and so the same for every q) unless a field has a narrow
        feature, whose place in standard deviations moves with q. Cached by what each
        axis depends on: a uniform axis on nothing, a mapped one on its field's variance
        (so a kernel without narrow features builds its grid once, as it did before the
        mapping; rebuilt for every q, three fields' 531441 points cost 20 ms a solve)."""
        q = np.asarray(q, dtype=float)
        axes = [self.axis(a, q[a]) for a in range(self.m)]
        key = tuple(None if ax is self._uniform else float(q[a]) for a, ax in enumerate(axes))
        got = self._grids.get(key)
        if got is None:
            size = math.prod(len(x) for x, _ in axes)
            if size > _MAX_GRID:
                raise ParameterError(
                    f"nodes={self.nodes}: a tensor grid of {size} points (the narrow "
                    f"features take {' x '.join(str(len(x)) for x, _ in axes)} nodes) "
                    f"exceeds {_MAX_GRID:.0e}")
            xs = np.meshgrid(*[x for x, _ in axes], indexing="ij")
            ws = np.meshgrid(*[w for _, w in axes], indexing="ij")
            got = (np.stack([g.ravel() for g in xs], axis=1),
                   np.prod(np.stack([g.ravel() for g in ws], axis=1), axis=1))
            if len(self._grids) > 64:
                self._grids.clear()
            self._grids[key] = got
        return got

    def fields(self, q):
        """Fields at the nodes for variances ``q`` of the kept fields:
        (eta, ghat^2, Gamma, weights)."""
        x, w0 = self.grid(q)
        eta = x * np.sqrt(q)[None, :]
        K = eta.shape[0]
        full = [np.zeros(1)] * len(self.all_fields)
        for a, f in enumerate(self.keep):
            full[f] = eta[:, a]
        with np.errstate(over="ignore"):
            # a user's tanh' printed as g/cosh(g x)^2 overflows in cosh far out on the
            # grid (g = 50), where its value 0 is right (a probe)
            out = self.mod.unit_map(*full, *self.p)
        n = len(self.all_fields)
        pos = {f: a for a, f in enumerate(self.keep)}
        g2 = np.stack([np.broadcast_to(np.asarray(out[f], float), (K,)) ** 2
                       for f in self.keep], axis=1)
        gamma = np.zeros((K, self.m, self.m))
        for (i, j), e in zip(self.mod.GAMMA_KEYS, out[n:]):
            if i in pos and j in pos:
                gamma[:, pos[i], pos[j]] = e
        return eta, g2, gamma, w0

    def solve(self, q, warm=None, tol=1e-11, max_outer=400):
        """S(q) and the saddle point, or None if no law has these variances."""
        q = np.asarray(q, dtype=float)
        eta, g2, gamma, w0 = self.fields(q)
        mu = np.zeros(self.m) if warm is None else warm["mu"].copy()
        uv = None if warm is None else (warm["u"], warm["v"])
        log_D = np.zeros(len(w0))
        least, least_at = math.inf, 0
        for outer in range(1, max_outer + 1):
            mu_new, logZ, rho = _tilt(w0, 0.5 * log_D, g2, q, mu)
            if mu_new is None:
                return None
            L, u, v, log_D_new, _, dres = log_determinant(gamma, rho, init=uv, max_iter=60)
            change = max(float(np.max(np.abs(mu_new - mu))),
                         float(np.max(np.abs(log_D_new - log_D))))
            mu, log_D, uv = mu_new, log_D_new, (u, v)
            if change < tol:
                break
            if change < least:
                least, least_at = change, outer
            elif outer - least_at >= _STALLED:
                # no new least change in 25 sweeps: the alternation cycles and the rest of
                # max_outer would not converge either (gated g_h = 50, beta_h = -50,
                # alpha_r = 1e3: 400 sweeps of 13 s each, residual 1-9); the residual says so
                break
        mu, logZ, rho = _tilt(w0, 0.5 * log_D, g2, q, mu)
        if mu is None:
            return None
        if change >= _UNSOLVED:
            self.stalled.append((change, q.copy()))
        L, u, v, log_D, _, dres = log_determinant(gamma, rho, init=uv)
        S = logZ - float(mu @ q) - 0.5 * float(u @ v)
        cres = float(np.max(np.abs(rho @ g2 - q)))
        grad = (rho @ eta ** 2 - q) / (2 * q ** 2) - mu
        M = np.einsum("k,kij->ij", rho, gamma ** 2)
        kl = float(rho @ (0.5 * log_D + g2 @ mu)) - logZ
        return {"q": q, "S": S, "mu": mu, "u": u, "v": v, "L": L, "kl": kl, "grad": grad,
                "residual": max(cres, float(dres), change), "iterations": outer,
                "stability": float(np.max(np.abs(np.linalg.eigvals(M))))}


#: ``refine`` stops when 1.5 times the nodes cut a quadrature error that fails the
#: tolerance by less than this factor. Measured at g_h = 1.7-4 with alpha_r = 20-40, every
#: point that converged at 181 nodes had its error cut 23-92 times from 81 to 121; where it
#: was cut 1.3-2.4 times (alpha_r = 50, 100, 200, 1e3) 181 nodes did not converge either,
#: and alpha_r = 1e3 spent 60 % of its 350 s there. (Measured on the uniform grid; on the
#: mapped one those gates converge at 81 nodes, and the rule's case is a kink: an error
#: cut 2.3 times, second order, by phi = g x/(1 + |x|).)
_SLOW_FALL = 3.0

#: Largest tensor quadrature grid (points) of the Kac-Rice integrals: ~20 arrays of this
#: size are alive at once, 160 bytes a point, so 2e7 points take about 3 GiB.
_MAX_GRID = 2e7


#: The map's strength A of :func:`~meanfield.codegen.quadrature.mapped_trapezoid_nodes`.
_STRENGTH = 2.0

#: Outer sweeps of :meth:`_Kernel.solve` without a new least change after which it stops.
_STALLED = 25

#: A scan point whose inner equations stopped with a residual above this is no solution:
#: it neither seeds the search for the maximum nor counts as one (gated g_h = 50,
#: beta_h = -50, alpha_r = 1e3: every scan point stalls at residuals 1-15, and their S,
#: up to 0.67, are no values of S; the search among them took over 4 minutes)
_UNSOLVED = 1e-3

#: A feature narrower than this (in standard deviations of its field) is mapped. Not a
#: multiple of the uniform spacing: the log-determinant's V at a zero of Gamma is narrower
#: than the feature found in the unit map, and with the rule "narrower than 1.5 spacings"
#: the h axis at alpha_r = 50 went unmapped at 121 nodes and S was off by 3e-5 (measured).
_MAP_BELOW = 1.0


def _variance_bound(mod, p, n: int, keep, points: int = 4096) -> float:
    """The upper end of the variances scanned (see :attr:`_Kernel.q_max`)."""
    rng = np.random.default_rng(3)
    eta = rng.uniform(-16.0, 16.0, size=(n, points))
    with np.errstate(all="ignore"):
        out = mod.unit_map(*eta, *p)
    top = max((float(np.nanmax(np.asarray(out[f], dtype=float) ** 2)) for f in keep),
              default=0.0)
    return float(min(max(4.0, 1.5 * top), 1e4)) if math.isfinite(top) else 1e4


def _steep_features(mod, p, all_fields, f: int, reach: float, pins=(), probes: int = 3,
                    n: int = 4001) -> list:
    """Narrow features of the unit map along field ``f`` (index into ``all_fields``)
    within ``|eta| <= reach``: ``(centre, width)`` pairs in eta.

    Every output of the map (each ghat and each Gamma entry) is evaluated along the field
    with the other fields at ``probes`` random values; where its change between
    neighbouring points has a local maximum (at least a fifth of its largest), the place
    is zoomed into until the steepest slope is resolved. The width is the output's range
    over 4 times that slope: 1/alpha for sigmoid(alpha eta - beta), 1/(2g) for tanh(g eta),
    the distance of their nearest complex singularity from the real axis over pi. (A
    feature whose place depends on another field is found at each probe's place.)

    A zero of an output is a feature too, of width 1/|slope| there: the log-determinant
    holds log(1 + c O^2) of each entry O of Gamma, which is a V of that width at O's zero
    when c = O(1). Gated alpha_r = 1e3: Gamma_hr = alpha_r s_r'(r) phi(h) has its zero at
    h = 0 with slope alpha_r g_h / 4 where r sits at the gate's centre, so ``pins``,
    ``(field, value)`` pairs, add probes with another field held there.
    """
    rng = np.random.default_rng(1)
    base = rng.normal(size=(probes, len(all_fields)))
    if len(pins):
        extra = np.repeat(base[:1], len(pins), axis=0)
        for row, (g, value) in zip(extra, pins):
            row[g] = value
        base = np.concatenate([base, extra])
    eta = np.linspace(-reach, reach, n)

    def outputs(e, row):
        full = [np.full(e.shape, v) for v in row]
        full[f] = e
        with np.errstate(all="ignore"):
            out = mod.unit_map(*full, *p)
        return [np.broadcast_to(np.asarray(v, dtype=float), e.shape) for v in out]

    found = []
    for row in base:
        for j, v in enumerate(outputs(eta, row)):
            if not np.all(np.isfinite(v)):
                continue
            span = float(v.max() - v.min())
            if not span > 1e-12 * max(1.0, float(np.max(np.abs(v)))):
                continue
            for k in np.flatnonzero((v[:-1] == 0) | (v[:-1] * v[1:] < 0))[:8]:
                lo, hi = eta[k], eta[k + 1]
                if v[k] != 0:
                    sign = np.sign(v[k])
                    for _ in range(60):
                        mid = np.array([0.5 * (lo + hi)])
                        if np.sign(outputs(mid, row)[j][0]) == sign:
                            lo = mid[0]
                        else:
                            hi = mid[0]
                step = 1e-7 * max(1.0, abs(lo))
                ends = outputs(np.array([lo - step, lo + step]), row)[j]
                slope = abs(float(ends[1] - ends[0])) / (2 * step)
                if slope > 0:
                    found.append((float(lo), 1.0 / slope))
            d = np.abs(np.diff(v))
            inner = (d[1:-1] >= d[:-2]) & (d[1:-1] >= d[2:]) & (d[1:-1] >= 0.2 * d.max())
            peaks = np.flatnonzero(np.concatenate(([d[0] >= 0.2 * d.max() and d[0] >= d[1]],
                                                   inner, [False])))
            for k in peaks[np.argsort(-d[peaks])][:4]:
                lo, hi = eta[max(k - 1, 0)], eta[min(k + 2, n - 1)]
                for _ in range(12):
                    z = np.linspace(lo, hi, 201)
                    dz = np.abs(np.diff(outputs(z, row)[j]))
                    i = int(np.argmax(dz))
                    width = span / (4 * dz[i] / (z[1] - z[0])) if dz[i] > 0 else math.inf
                    if z[1] - z[0] < width / 20:
                        break
                    lo, hi = z[max(i - 1, 0)], z[min(i + 2, 200)]
                if not math.isfinite(width):
                    continue
                # the centre: the median of the output's variation within 30 widths
                # (a step's steepest point, a bump's peak, not one of its flanks), and
                # the width again from the range there (the coarse line can cut a
                # narrow bump's top); twice, the second time around the first centre
                centre = 0.5 * (z[i] + z[i + 1])
                for _ in range(2):
                    z = np.linspace(centre - 30 * width, centre + 30 * width, 1201)
                    vz = outputs(z, row)[j]
                    dv = np.abs(np.diff(vz))
                    if not dv.max() > 0:
                        break
                    width = float(vz.max() - vz.min()) / (4 * dv.max() / (z[1] - z[0]))
                    cum = np.cumsum(dv)
                    m = int(np.searchsorted(cum, 0.5 * cum[-1]))
                    centre = 0.5 * (z[m] + z[m + 1])
                found.append((centre, width))
    # one feature per cluster: a bump such as sigmoid' is steepest on its two flanks,
    # 2.6 widths either side of the gate's centre, which is where the map should crowd
    merged, group = [], []
    for c, w in sorted(found):
        if group and c - group[-1][0] > 5 * max(w, max(g[1] for g in group)):
            merged.append(group)
            group = []
        group.append((c, w))
    if group:
        merged.append(group)
    merged = [(0.5 * (g[0][0] + g[-1][0]), min(w for _, w in g)) for g in merged]
    return merged


def _numerically_active(mod, p, probes: int = 7):
    """Indices of the fields some ghat depends on at these parameter values (alpha_r = 0
    makes eta_r inactive although it appears in the formulas)."""
    n = len(mod.FIELDS)
    rng = np.random.default_rng(0)
    base = rng.normal(size=(n, probes))
    ref = mod.unit_map(*base, *p)[:n]
    keep = []
    for f in range(n):
        moved = base.copy()
        moved[f] += 0.37
        if any_moved(zip(mod.unit_map(*moved, *p)[:n], ref)):
            keep.append(f)
    return tuple(keep)


def _tilt(w0, base, g2, q, mu, max_iter=100):
    """Newton for the convex conjugate: min_mu log sum w0 exp(base + mu.g2) - mu.q."""
    def evaluate(mu):
        a = base + g2 @ mu
        amax = float(np.max(a))
        e = w0 * np.exp(a - amax)
        Z = float(e.sum())
        return math.log(Z) + amax - float(mu @ q), e / Z

    F, rho = evaluate(mu)
    for _ in range(max_iter):
        mean = rho @ g2
        grad = mean - q
        if np.all(np.abs(grad) <= 1e-15 + 1e-11 * q):
            return mu, F + float(mu @ q), rho
        d = g2 - mean
        H = (d * rho[:, None]).T @ d
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            return None, None, None
        if not np.all(np.isfinite(step)):
            return None, None, None
        t = 1.0
        if float(grad @ step) > 1e-14:  # far from the minimum: backtracking line search
            while True:
                F_try, rho_try = evaluate(mu - t * step)
                if F_try <= F - 1e-4 * t * float(grad @ step) or t < 1e-12:
                    break
                t *= 0.5
            if t < 1e-12:
                return None, None, None
        mu = mu - t * step
        if np.max(np.abs(mu)) > 1e8:
            return None, None, None  # q outside the reachable range of <ghat^2>
        F, rho = evaluate(mu)
    return None, None, None


# ---------------------------------------------------------------- entry points

def complexity(model: str | Model = "gated", *, params: dict | None = None, nodes: int = 81,
               scan: int = 48, q_min: float = 1e-5, tol: float = 1e-9, throw: bool = True,
               refine: int = 2, **kwargs) -> ComplexityResult:
    r"""The annealed Kac–Rice complexity :math:`\Sigma` of ``model`` at one parameter point.

    Parameters
    ----------
    model : str, Path or Model
    params : dict, optional
        Parameter values (checked against their domains); keyword arguments are added.
    nodes : int
        Trapezoid nodes per active field (the error is estimated with ``2 nodes - 1``).
        A field with a narrow feature (a steep gate, a steep tanh, a zero that a large
        factor makes narrow) gets more, on a grid mapped into the feature, so that the
        gated model at g_h = 4 converges at the default with alpha_r = 50 (it needed 407
        uniform nodes, 80 s; now 9 s) and alpha_r = 1e3 (12 s). A kink (``abs``) limits
        the rule to second order; the message names the next size where the
        quadrature error was still falling.
    scan : int
        Points of the starting scan along the image of the mean-field variance map.
    q_min : float
        Smallest field variance scanned; below it the trivial branch (S -> 0) is assumed.
    tol : float
        Tolerance on the saddle-point equations.
    throw : bool
        Raise :class:`ConvergenceError` when the result did not converge.
    refine : int
        When the saddle point does not converge (a steep gate unresolved by ``nodes``),
        solve again with 1.5 times the nodes, at most this many times (>= 0); it stops
        early where a step cut the failing quadrature error by less than 3 times (the
        next would not converge either; the message says so and names the size to pass).

    Returns
    -------
    ComplexityResult
        ``sigma`` with the optimal order parameters, ``converged``, ``residual`` and
        ``message``. Section 6 of ``shared/spec/theory.md``; see the module docstring for
        the equations.
    """
    model = get_model(model)
    params = model.resolve(params, **kwargs)
    # (numpy integers were refused, a string q_min or tol was a TypeError from
    # math.isfinite, tol=inf read "must be positive", and scan=1e8 ran for ever; a probe,
    # 2026-11-28. The node grid's size is checked against memory where the active fields
    # are known, in _Kernel.)
    nodes = check_int("nodes", nodes, lo=21)
    scan = check_int("scan", scan, lo=8, hi=100_000)
    q_min = check_float("q_min", q_min, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    tol = check_float("tol", tol, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    refine = check_int("refine", refine, lo=0, hi=20)
    throw = check_bool("throw", throw)
    options = {"nodes": nodes, "scan": scan, "q_min": q_min, "tol": tol}
    try:
        result = _complexity_at(model, params, nodes, scan, q_min, tol, options)
    except _NoFeedback as exc:
        # saturated presynaptic functions (tanh(1.5 h + 50)): the fields are constants,
        # so is the fixed point: one, Sigma = 0 (it was refused; found by a probe)
        # (the slopes vanish, so do L, mu, u, v and the stability; the fields' variances
        # are the static theory's, not 0: fixed_point_branches gives them)
        zero = {n: 0.0 for n in exc.fields}
        return ComplexityResult(
            model=model.name, params=params, sigma=0.0,
            field_variance={n: float("nan") for n in exc.fields},
            conjugate=dict(zero), u=dict(zero), v=dict(zero), log_det=0.0,
            relative_entropy=0.0, stability=0.0, branch="zero", best_value=0.0,
            converged=True, success=True,
            message="every presynaptic function is constant to double precision at these "
                    "parameters: the fixed point is unique, Sigma = 0 (its field variances: "
                    "fixed_point_branches)",
            residual=0.0, iterations=0, quadrature_nodes=nodes, quadrature_error=0.0,
            options=options)
    tried, errors = [nodes], [result.quadrature_error]
    while not result.converged and refine > 0 and not _quadrature_fine(result):
        # a steep gate makes the integrands narrow: refine the quadrature and try again
        nodes, refine = 2 * ((3 * nodes) // 4) + 1, refine - 1
        earlier, result = result, _complexity_at(model, params, nodes, scan, q_min, tol,
                                                 options)
        tried.append(nodes)
        errors.append(result.quadrature_error)
        fell = errors[-2] / errors[-1] if errors[-1] > 0 else math.inf
        if (not result.converged and refine > 0 and 1 < fell < _SLOW_FALL
                and errors[-1] > max(1e-6, 1e-4 * result.sigma)):
            # the quadrature is what fails, and 1.5 times the nodes barely helped: the
            # next step would not converge either, at 2-3 times the cost (module note)
            stopped = True
            break
    else:
        stopped = False
    if len(tried) > 1:
        # one note on the attempts (each used to quote the last in full, nested: the same
        # sentence three times; found by a probe, 2026-11-28)
        fewer = ", ".join(map(str, tried[:-1]))
        note = (f" (quadrature raised to {nodes} nodes, the saddle point refined on "
                f"{2 * nodes - 1}: not converged with {fewer}: {earlier.message})"
                if result.converged else
                f" (the same with {fewer} nodes)" if earlier.message == result.message else
                f" (with {tried[-2]} nodes: {earlier.message})")
        result = dataclasses.replace(result, message=result.message + note)
    if not result.converged and len(errors) > 1 and 0 < errors[-1] < errors[-2]:
        # the remedy, where the quadrature is what is short: a kink (phi = g x/(1 + |x|))
        # limits the rule to second order (errors 1.3e-5 at 81, 5.9e-6 at 121); before
        # the grid was mapped into narrow features, so did a steep gate (gated
        # alpha_r = 50 at g_h = 4 converged at 407 nodes, alpha_r = 1e3 not at all)
        more = 2 * ((3 * nodes) // 4) + 1
        top = int(_MAX_GRID ** (1.0 / max(len(result.field_variance), 1)))
        result = dataclasses.replace(result, message=result.message + (
            "; " + (f"refinement stopped at {nodes} nodes: the quadrature error fell only "
                    f"{errors[-2] / errors[-1]:.2g} times (" if stopped else
                    "the quadrature error was still falling with the nodes (")
            + ", ".join(f"{e:.2g} at {n}" for n, e in zip(tried, errors))
            + f"): a kinked or steep function needs more nodes: pass "
            f"nodes={more} or more (each 1.5 times the nodes takes 2-3 times as long; at "
            f"most {top} with {len(result.field_variance)} active fields)"))
    if throw and not result.converged:
        raise ConvergenceError(f"complexity: {result.message}")
    return result


def _quadrature_fine(result) -> bool:
    """Whether a result that did not converge failed on its residual alone, its
    quadrature error within the tolerance: more nodes would not help (gated g_h = 50,
    beta_h = -50, alpha_r = 1e3: the saddle point's alternation cycles with residual 15 at
    a quadrature error of 8e-8, and two refinements took over 10 minutes)."""
    return (math.isfinite(result.quadrature_error)
            and result.quadrature_error < max(1e-6, 1e-4 * result.sigma))


def _complexity_at(model, params, nodes, scan, q_min, tol, options) -> ComplexityResult:
    """One solve of :func:`complexity` with ``nodes`` quadrature nodes per field."""
    kern = _Kernel(model, params, nodes)
    best = _maximise(kern, q_min, scan, tol)
    fine = _Kernel(model, params, 2 * nodes - 1)
    names = [kern.all_fields[f].removeprefix("eta_") for f in kern.keep]
    messages = []
    if best is not None and best["S"] > 0:
        # error estimate: the same saddle point on the finer grid (a maximum is insensitive
        # to q at first order, so it is not searched again)
        check = fine.solve(best["q"], warm=best)
        qerr = abs(check["S"] - best["S"]) if check is not None else math.inf
        grad_res = float(np.max(np.abs(best["q"] * best["grad"])))  # where it was maximised
        if check is not None:
            best = check
        sol, branch = best, "tilted"
        sigma = max(best["S"], 0.0)
        residual = max(best["residual"], grad_res)
        converged = residual < max(1e3 * tol, 1e-7) and qerr < max(1e-6, 1e-4 * sigma)
        # (the quadrature's half of this test is _quadrature_fine)
        if not converged:
            messages.append(f"residual {residual:.2g}, quadrature error {qerr:.2g}")
        if np.any(best["q"] >= 0.999 * kern.q_max):
            # the maximum sits on the search's upper bound: the supremum may lie beyond
            converged = False
            messages.append(f"the maximum lies on the bound q = {kern.q_max:.3g} of the "
                            "search (1.5 times the largest ghat^2 seen, at least 4): S may "
                            "be larger beyond it")
        messages.insert(0, f"saddle point at q=({', '.join(f'{x:.6g}' for x in best['q'])})")
    elif best is None and _out_of_reach(kern, q_min, scan):
        # every scanned variance lies beyond what the presynaptic functions can reach
        # within the grid's +-8 standard deviations (additive g_h = 0.1: <phi^2> <= 0.64 q
        # there): only a law with its mass beyond 8 SD could, at a relative entropy over
        # 32 per unit, so S < 0 and the zero branch holds (it was "unsolved"; a probe)
        sol, branch, sigma, qerr = None, "zero", 0.0, 0.0
        residual, converged = 0.0, True
        messages.append("no law of the fields reaches the scanned variances within 8 "
                        "standard deviations (the gain is too small): Sigma = 0 (one "
                        "fixed point)")
    elif best is None:
        # not one scan point solved: nothing is known of S (found by a probe: additive,
        # g_h = 1e4 was reported as Sigma = 0, converged, where g_h = 3000 gives 3.97)
        sol, branch, sigma, qerr = None, "unsolved", float("nan"), float("nan")
        residual, converged = float("nan"), False
        messages.append("the inner equations were solved at no point of the scan of q: "
                        "Sigma is unknown at these parameters")
    else:
        sol, branch, sigma, qerr = None, "zero", 0.0, 0.0
        residual, converged = 0.0, True
        messages.append("no saddle point with S > 0 at q >= q_min: Sigma = 0 "
                        "(sup at q -> 0, one fixed point)")
    if kern.cycling and converged:
        # the inner equations cycle somewhere in the scanned range (the spike of
        # phi = tanh(50 h - 50) at h = 1 with alpha_r = 1e3; on the uniform grid, which
        # missed it, this read "Sigma = 0, converged"): S is unknown there, and so is its
        # supremum
        worst = max(c for c, _ in kern.stalled)
        converged = False
        messages.append(f"but the saddle-point equations did not converge at "
                        f"{len(kern.stalled)} of the variances tried (their alternation "
                        f"cycles, last change up to {worst:.2g}), first at q=("
                        + ", ".join(f"{x:.6g}" for x in kern.stalled[0][1])
                        + "): S is unknown there, and Sigma with it")
        if branch == "zero":
            residual = worst
    # the zero branch's point is q = 0 (its values are 0); nothing is known where no
    # point solved (they read 0.0 there; found by a probe, 2026-11-28)
    none = 0.0 if branch == "zero" else float("nan")
    z = {n: none for n in names}
    result = ComplexityResult(
        model=model.name, params=params, sigma=float(sigma),
        field_variance=dict(zip(names, map(float, sol["q"]))) if sol else dict(z),
        conjugate=dict(zip(names, map(float, sol["mu"]))) if sol else dict(z),
        u=_pad(names, sol["u"]) if sol else dict(z), v=_pad(names, sol["v"]) if sol else dict(z),
        log_det=float(sol["L"]) if sol else none,
        relative_entropy=float(sol["kl"]) if sol else none,
        stability=(float(sol["stability"]) if sol
                   else _zero_stability(model, params) if branch == "zero" else float("nan")),
        branch=branch, best_value=float(best["S"]) if best else float("-inf"),
        converged=bool(converged), success=bool(converged), message="; ".join(messages),
        residual=float(residual), iterations=int(sol["iterations"]) if sol else 0,
        quadrature_nodes=nodes if sol is None else 2 * nodes - 1,
        quadrature_error=float(qerr), options=options)
    return result


def _zero_stability(model, params) -> float:
    """rho(M(0)) at the zero fixed point: the stability of the one fixed point counted
    where Sigma = 0 on the zero branch (it read NaN beside a converged result; a probe,
    2026-11-28)."""
    from ._theory import Theory

    th = Theory(model)
    return float(th.rho(np.array(0.0), [np.array(0.0)] * th.m, params))


def _pad(names, x):
    x = np.asarray(x, dtype=float).ravel()
    return {n: float(x[i]) if i < x.size else 0.0 for i, n in enumerate(names)}


def _gaussian_others(kern: _Kernel, index: int, value: float, sweeps: int = 3) -> np.ndarray:
    """Field variances with field ``index`` held at ``value`` and the others set by a few
    sweeps of the Gaussian (mean-field) self-consistency: a feasible starting point."""
    s = np.full(kern.m, value)
    for _ in range(sweeps if kern.m > 1 else 0):
        _, g2, _, w0 = kern.fields(s)
        s = w0 @ g2
        s[index] = value
    return s


def _out_of_reach(kern: _Kernel, q_min, scan) -> bool:
    """Whether every scanned variance exceeds, in some field, the largest ghat^2 on the
    grid: no law on the grid has it, whatever its tilt."""
    # the scan's points, and where the map's image lies below q_min (g_h = 1e-3: none)
    # the variances themselves, the other fields at their Gaussian values
    points = _scan_points(kern, q_min, scan) + [
        _gaussian_others(kern, 0, t) for t in np.geomspace(q_min, kern.q_max, scan)]
    for q in points:
        _, g2, _, _ = kern.fields(q)
        if np.all(np.asarray(q) <= g2.max(axis=0)):
            return False
    return True


def _scan_points(kern: _Kernel, q_min, scan):
    """Field variances along the image of the mean-field variance map (feasible by construction)."""
    out = []
    for t in np.geomspace(q_min, kern.q_max, scan):
        s = _gaussian_others(kern, 0, t)
        _, g2, _, w0 = kern.fields(s)
        q = w0 @ g2
        if np.all(q >= q_min):
            out.append(q)
    return out


def _maximise(kern: _Kernel, q_min, scan, tol):
    vals, warm = [], None
    run = 0
    for q in _scan_points(kern, q_min, scan):
        before = len(kern.stalled)
        r = kern.solve(q, warm=warm, tol=tol)
        if len(kern.stalled) > before:
            # a cycling point is skipped; three in a row end the scan, which follows the
            # image outwards (past them, so do the rest). One alone, with solved points on
            # both sides, leaves S known around it (gated g_h = 1.066, alpha_r = 1e3
            # cycles at the first point, q ~ 2e-5, and converges from the second; a probe)
            run += 1
            if run == 3:
                break
            continue
        run = 0
        if r is not None and r["residual"] < _UNSOLVED:
            r["q"] = q
            vals.append(r)
            warm = r
    kern.cycling = run > 0
    if not vals:
        return None
    S = np.array([r["S"] for r in vals])
    # local maxima of the scan, best first (the largest three are refined)
    idx = [i for i in range(len(S)) if (i == 0 or S[i] >= S[i - 1])
           and (i == len(S) - 1 or S[i] >= S[i + 1])]
    idx = sorted(idx, key=lambda i: -S[i])[:3]
    best = None
    for i in idx:
        r = _local_max(kern, vals[i]["q"], tol, warm=vals[i], q_min=q_min) or vals[i]
        if best is None or r["S"] > best["S"]:
            best = r
    return best


def _local_max(kern: _Kernel, q0, tol, warm=None, q_min=1e-7):
    """Maximise S over log q from q0 (L-BFGS-B with the analytic gradient)."""
    cache = {"warm": warm, "best": None}

    def f(y):
        q = np.exp(y)
        r = kern.solve(q, warm=cache["warm"], tol=tol)
        if len(kern.stalled) >= 3:
            raise _Stalled  # each cycling solve costs 25 sweeps; the result says where
        if r is None or r["residual"] >= _UNSOLVED:
            return 1e3, np.zeros_like(y)
        r["q"] = q
        cache["warm"] = r
        if cache["best"] is None or r["S"] > cache["best"]["S"]:
            cache["best"] = r
        return -r["S"], -(q * r["grad"])

    y0 = np.log(np.asarray(q0, dtype=float))
    bounds = [(math.log(q_min), math.log(kern.q_max))] * len(y0)
    try:
        minimize(f, y0, jac=True, method="L-BFGS-B", bounds=bounds,
                 options={"ftol": 1e-15, "gtol": min(1e-9, tol), "maxiter": 200})
    except _Stalled:
        kern.cycling = True
    return cache["best"]


class _Stalled(Exception):
    """The search reached variances where the saddle point's alternation cycles."""


@dataclass(frozen=True)
class ComplexityOnset:
    """Where Sigma becomes positive along one parameter.

    ``onset`` is the middle of ``bracket = (last with Sigma <= sigma_tol, first with Sigma >
    sigma_tol)``, whose width is below ``xtol``. For an onset where Sigma grows like
    (x - x_c)^k the bracket lies above x_c by about (sigma_tol / c)^(1/k).
    """

    model: str
    vary: str
    onset: float
    bracket: tuple
    sigma_tol: float
    evaluations: int
    success: bool
    message: str
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"model": self.model, "vary": self.vary, "onset": self.onset,
                "bracket": list(self.bracket), "sigma_tol": self.sigma_tol,
                "evaluations": self.evaluations, "success": self.success,
                "message": self.message, "params": dict(self.params)}


def complexity_onset(model: str | Model = "gated", *, vary: str = "g_h", start: float,
                     stop: float, params: dict | None = None, points: int = 9,
                     sigma_tol: float = 1e-8, xtol: float = 1e-3, nodes: int = 81,
                     **kwargs) -> ComplexityOnset:
    """The first value of ``vary`` between ``start`` and ``stop`` where Sigma > ``sigma_tol``.

    A scan of ``points`` values brackets the first crossing, bisection on the predicate
    ``Sigma > sigma_tol`` narrows it below ``xtol`` (the line for phase diagrams). Sigma
    vanishes identically on one side of the onset, so a root finder on Sigma itself has no
    sign change to work with; the threshold is stated in the result instead.
    """
    model = get_model(model)
    base = model.resolve(params, **kwargs)
    if not (isinstance(vary, str) and vary in base):
        raise ParameterError(f"vary={vary!r} is not a parameter of model {model.name!r} "
                             f"(parameters: {', '.join(base)})")
    fixed = {k: v for k, v in base.items() if k != vary}  # the varied one is `vary`
    # (strings, None and lists for start and stop reached numpy, start=inf read "g_h is
    # NaN", numpy integers were refused for points; a probe, 2026-11-28)
    start, stop = check_float("start", start), check_float("stop", stop)
    if start == stop:
        raise ParameterError(f"start={start:g} and stop={stop:g} must differ")
    points = check_int("points", points, lo=2, hi=10_000)
    sigma_tol = check_float("sigma_tol", sigma_tol, lo=0.0, lo_open=True)
    xtol = check_float("xtol", xtol, lo=0.0, lo_open=True)
    nodes = check_int("nodes", nodes, lo=21)
    count = [0]

    def positive(x):
        count[0] += 1
        p = model.resolve({**base, vary: float(x)})  # checks the domain of every value
        return complexity(model, params=p, nodes=nodes).sigma > sigma_tol

    xs = np.linspace(start, stop, points)
    prev = None
    for x in xs:
        if positive(x):
            if prev is None:
                return ComplexityOnset(model.name, vary, float("nan"), (float("nan"), float(x)),
                                       sigma_tol, count[0], False,
                                       f"Sigma > {sigma_tol:g} already at {vary}={x:g}", fixed)
            lo, hi = prev, float(x)
            while abs(hi - lo) > xtol:
                mid = 0.5 * (lo + hi)
                if mid in (lo, hi):  # adjacent floats: xtol below their resolution (it
                    break            # looped forever at xtol = 1e-20; a probe)
                lo, hi = (lo, mid) if positive(mid) else (mid, hi)
            return ComplexityOnset(model.name, vary, 0.5 * (lo + hi), (lo, hi), sigma_tol,
                                   count[0], True, f"Sigma crosses {sigma_tol:g} in "
                                   f"[{lo:.6g}, {hi:.6g}]", fixed)
        prev = float(x)
    return ComplexityOnset(model.name, vary, float("nan"), (float(stop), float("nan")),
                           sigma_tol, count[0], False,
                           f"Sigma <= {sigma_tol:g} on the whole scan {start:g}..{stop:g}", fixed)


@dataclass(frozen=True)
class ComplexityProfile:
    r"""The complexity restricted to fixed points with a given variance of one field.

    ``sigma[i]`` is :math:`\Sigma(q) = \max_{q'} S(q, q')`: the growth rate of the expected
    number of fixed points whose field ``field`` has variance ``variance[i]`` (the other
    active fields' variances ``q'`` are optimised, and returned in ``other_variance``).
    Where :math:`\Sigma(q) > 0` there are exponentially many fixed points with that
    variance; :math:`\Sigma = \max_q \Sigma(q)` is :func:`complexity`. A non-converged
    point has ``converged[i] = False`` and its residual in ``residual[i]``.
    """

    model: str
    params: dict
    field: str
    variance: np.ndarray
    sigma: np.ndarray
    other_variance: dict
    converged: np.ndarray
    residual: np.ndarray
    success: bool
    message: str

    def band(self, level: float = 0.0) -> tuple:
        """``(lo, hi)``: the outermost variances where ``sigma >= level``, linearly
        interpolated between grid points (nan on a side the grid does not close)."""
        s, q = self.sigma, self.variance
        above = np.nonzero(s >= level)[0]
        if len(above) == 0:
            return (float("nan"), float("nan"))
        i, j = above[0], above[-1]

        def cross(a, b):
            if not (np.isfinite(s[a]) and np.isfinite(s[b])):  # -inf: infeasible side
                return float(q[a] if np.isfinite(s[a]) else q[b])
            t = (level - s[a]) / (s[b] - s[a])
            return float(q[a] + t * (q[b] - q[a]))

        lo = cross(i - 1, i) if i > 0 else float("nan")
        hi = cross(j, j + 1) if j + 1 < len(q) else float("nan")
        return (lo, hi)

    def to_dict(self) -> dict:
        return {"model": self.model, "params": dict(self.params), "field": self.field,
                "variance": self.variance.tolist(), "sigma": self.sigma.tolist(),
                "other_variance": {k: v.tolist() for k, v in self.other_variance.items()},
                "converged": self.converged.tolist(), "residual": self.residual.tolist(),
                "success": self.success, "message": self.message}


def _stationary_1d(deriv, a, da, step=0.25, max_expand=60, q_max=4.0):
    """Maximise S over one free log-variance: a bracketed root of its derivative (Brent).

    ``deriv(y)`` is dS/dy, or None where no law of the fields has these variances;
    ``a`` is a feasible start with ``da = deriv(a)``. A sign change is bracketed by
    stepping out (a step into the infeasible region is halved; S falls to -inf at its
    edge, so the maximum is inside). Brent's method needs no line search, which is what
    stops L-BFGS-B short of its gradient tolerance where S is steep in this direction.
    Returns the root, or None if none was bracketed.
    """
    lo_b, hi_b = math.log(1e-7), math.log(q_max)
    if da == 0:
        return a
    direction = 1.0 if da > 0 else -1.0
    for _ in range(max_expand):
        b = float(np.clip(a + direction * step, lo_b, hi_b))
        db = deriv(b)
        if db is None:
            step *= 0.5
            if step < 1e-9:
                return None
            continue
        if np.sign(db) != np.sign(da):
            lo, hi = min(a, b), max(a, b)

            def d(y):
                v = deriv(y)
                if v is None:  # the feasible set is an interval and lo, hi lie in it
                    raise ConvergenceError(f"complexity_profile: infeasible at log q={y:.6g} "
                                           f"inside a feasible bracket [{lo:.6g}, {hi:.6g}]")
                return v

            return brentq(d, lo, hi, xtol=1e-10, rtol=1e-12, maxiter=200)
        if b in (lo_b, hi_b):
            return None
        a, da, step = b, db, step * 1.6
    return None


def complexity_profile(model: str | Model = "gated", *, variances, field: str = "h",
                       params: dict | None = None, nodes: int = 81, tol: float = 1e-9,
                       throw: bool = True, **kwargs) -> ComplexityProfile:
    r"""The complexity :math:`\Sigma(q)` of fixed points whose field ``field`` has variance q.

    Parameters
    ----------
    model : str, Path or Model
    variances : array_like
        Positive, finite variances of ``field`` (at a fixed point with no bias on that
        field, the variance of the state variable itself, e.g. Delta_h for ``"h"``).
    field : str
        An active field of the model at these parameters (``"h"``, ``"r"``, ...).
    params : dict, optional
        Parameter values; keyword arguments are added.
    nodes : int
        Trapezoid nodes per active field (as :func:`complexity`).
    tol : float
        Tolerance on the saddle-point equations.
    throw : bool
        Raise :class:`ConvergenceError` if some point did not converge.

    Returns
    -------
    ComplexityProfile

    Notes
    -----
    The same saddle point as :func:`complexity` with ``q_field`` held fixed: the other
    variances maximise :math:`S` (L-BFGS-B on their logarithms, analytic gradient), each
    point warm-started from the previous one. The band where :math:`\Sigma(q) > 0` is
    where a finite network's fixed points are found in numbers growing with N; the
    mean-field branches of :func:`~meanfield.fixed_point_branches` (untilted laws, where
    :math:`S = L \ge 0`) lie inside it.
    """
    model = get_model(model)
    params = model.resolve(params, **kwargs)
    try:
        q_all = np.asarray(variances, dtype=float)
    except (TypeError, ValueError):  # (a dict or strings: numpy's TypeError; a probe)
        q_all = np.zeros((0,))
    if q_all.ndim != 1 or q_all.size == 0:
        raise ParameterError(f"variances={brief(variances)} must be a non-empty 1-d "
                             "sequence of numbers")
    if not np.all(np.isfinite(q_all) & (q_all > 0)):
        raise ParameterError(f"variances must be positive and finite, got {q_all.tolist()}")
    nodes = check_int("nodes", nodes, lo=21)
    tol = check_float("tol", tol, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    kern = _Kernel(model, params, nodes)
    names = [kern.all_fields[f].removeprefix("eta_") for f in kern.keep]
    if field not in names:
        raise ParameterError(f"field={field!r} is not an active field of model {model.name!r} "
                             f"at these parameters (active: {', '.join(names)})")
    a = names.index(field)
    free = [b for b in range(kern.m) if b != a]
    order = np.argsort(q_all)
    sigma = np.full(q_all.size, np.nan)
    other = np.full((q_all.size, len(free)), np.nan)
    converged = np.zeros(q_all.size, dtype=bool)
    residual = np.full(q_all.size, np.inf)
    warm, y_prev = None, None
    infeasible = []
    for i in order:
        qa = q_all[i]
        cache = {"warm": warm, "best": None}

        def full(y, qa=qa):
            q = np.empty(kern.m)
            q[a] = qa
            q[free] = np.exp(y)
            return q

        def solve(y, cache=cache, full=full, cold=False):
            q = full(y)
            r = kern.solve(q, warm=None if cold else cache["warm"], tol=tol)
            if r is None and not cold and cache["warm"] is not None:
                r = kern.solve(q, warm=None, tol=tol)  # a far warm start can fail
            if r is None:
                return None
            r["q"] = q
            cache["warm"] = r
            if cache["best"] is None or r["S"] > cache["best"]["S"]:
                cache["best"] = r
            return r

        def f(y, solve=solve):
            r = solve(y)
            if r is None:
                return 1e3, np.zeros_like(y)
            return -r["S"], -(r["q"] * r["grad"])[free]

        found = False  # whether some law of the fields has variance qa for this field
        if free:
            # starts: the last point's optimum, the Gaussian self-consistency of the other
            # fields, then a coarse grid (the feasible set of the others moves with qa)
            s_g = _gaussian_others(kern, a, qa)
            starts = ([] if y_prev is None else [np.asarray(y_prev, float)])
            starts.append(np.log(np.maximum(s_g[free], 1e-7)))
            starts += [np.full(len(free), v) for v in np.linspace(math.log(1e-6),
                                                                  math.log(3.0), 15)]
            y0 = r0 = None
            for y in starts:
                r0 = solve(y)
                if r0 is not None:
                    y0, found = y, True
                    break
            if found and len(free) == 1:
                def deriv(y, solve=solve):
                    r = solve(np.array([y]))
                    return None if r is None else float((r["q"] * r["grad"])[free][0])

                root = _stationary_1d(deriv, float(y0[0]),
                                      float((r0["q"] * r0["grad"])[free][0]),
                                      q_max=kern.q_max)
                if root is not None:  # the solution at the root, not the best S seen on
                    cache["best"] = None  # the way (they differ by the inner solves' noise)
                    solve(np.array([root]))
            for _ in range(4 if found and len(free) > 1 else 0):  # restarts: L-BFGS-B can
                # stop on a line search short of gtol
                minimize(f, y0, jac=True, method="L-BFGS-B",
                         bounds=[(math.log(1e-7), math.log(kern.q_max))] * len(free),
                         options={"ftol": 1e-15, "gtol": min(1e-9, tol), "maxiter": 200})
                best = cache["best"]
                if best is None or np.max(np.abs((best["q"] * best["grad"])[free])) < tol:
                    break
                y0, cache["warm"] = np.log(best["q"][free]), best
        else:
            found = solve(np.zeros(0)) is not None
        best = cache["best"]
        if not found:
            # no law of the fields has this variance (e.g. q_h >= g_h^2 for a bounded
            # nonlinearity) at any of the other fields' starting variances: no fixed
            # point has it, Sigma = -inf
            sigma[i], residual[i], converged[i] = -np.inf, 0.0, True
            infeasible.append(float(qa))
            continue
        warm, y_prev = best, np.log(best["q"][free])
        sigma[i] = best["S"]
        other[i] = best["q"][free]
        res = max(best["residual"], float(np.max(np.abs((best["q"] * best["grad"])[free]),
                                                 initial=0.0)))
        residual[i] = res
        converged[i] = res < max(1e3 * tol, 1e-7)
    bad = np.nonzero(~converged)[0]
    if len(bad):
        message = (f"{len(bad)} of {q_all.size} points did not converge (first at "
                   f"{field}={q_all[bad[0]]:.6g}, residual {residual[bad[0]]:.2g})")
    else:
        message = f"converged at {q_all.size} points (largest residual {residual.max():.2g})"
    if infeasible:
        message += (f"; Sigma = -inf at {len(infeasible)} variance(s) no law of the fields "
                    f"reaches (smallest: {field}={min(infeasible):.6g})")
    if throw and len(bad):
        raise ConvergenceError(f"complexity_profile: {message}")
    return ComplexityProfile(model.name, params, field, q_all, sigma,
                             {names[b]: other[:, k] for k, b in enumerate(free)},
                             converged, residual, not len(bad), message)
