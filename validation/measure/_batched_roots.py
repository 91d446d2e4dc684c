r"""Batched flow, Jacobian and root finding for many starts on one network (private).

The generated kernels broadcast over a trailing batch axis, so ``B`` starts cost one
call per quantity: the flow ``F`` of shape ``(n, N, B)``, the dense Jacobians of shape
``(B, nN, nN)`` assembled from the unit-level factors of
:class:`~validation.network.Linearisation` (the same formula as its ``dense()``), and
the magnitude of the terms whose rounding makes up the floating-point error of ``F``.
The root finder is Levenberg–Marquardt (Levenberg 1944, Marquardt 1963; the damping
update of Nielsen 1999) on :math:`\tfrac12\|F\|^2`, vectorised over the batch, then
pure Newton steps to reach the round-off floor.
"""

from __future__ import annotations

import numpy as np

from ..network import Network

EPS = np.finfo(float).eps


def _inputs(net: Network):
    return net._input_values(0.0, True)


def flow(net: Network, Y: np.ndarray) -> np.ndarray:
    """The flow at a batch of states ``Y`` of shape ``(n, N, B)``."""
    return np.stack(net._vel(*Y, *_inputs(net), *net.stacked, *net._param_values))


def _factors(net: Network, Y: np.ndarray):
    k = net.kernels
    vals = net._lin(*Y, *_inputs(net), *net.stacked, *net._param_values)
    n_loc, n_coef = len(k.local_keys), len(k.coefficient_keys)
    shape = Y.shape[1:]
    full = lambda x: np.broadcast_to(np.asarray(x, dtype=float), shape)  # noqa: E731
    local = {key: full(x) for key, x in zip(k.local_keys, vals[:n_loc])}
    coef = {key: full(x) for key, x in zip(k.coefficient_keys, vals[n_loc:n_loc + n_coef])}
    slope = {key: full(x) for key, x in zip(k.slope_keys, vals[n_loc + n_coef:])}
    return local, coef, slope


def _field_blocks(net: Network):
    """field index -> (group, coupling matrix)."""
    out = {}
    N = net.N
    for g, members in enumerate(net.kernels.group_fields):
        for pos, f in enumerate(members):
            out[f] = (g, net.stacked[g][pos * N:(pos + 1) * N])
    return out


def jacobians(net: Network, Y: np.ndarray) -> np.ndarray:
    """Dense Jacobians of the flow at each state of ``Y`` (n, N, B): shape (B, nN, nN).

    Rows and columns variable-major, as :meth:`Network.jacobian`.
    """
    n, N, B = Y.shape
    local, coef, slope = _factors(net, Y)
    J = np.zeros((B, n * N, n * N))
    idx = np.arange(N)
    for (k, l), a in local.items():
        J[:, k * N + idx, l * N + idx] += a.T
    blocks = _field_blocks(net)
    for (k, f), c in coef.items():
        g, W = blocks[f]
        for (gg, l), s in slope.items():
            if gg == g:
                J[:, k * N:(k + 1) * N, l * N:(l + 1) * N] += (
                    c.T[:, :, None] * W[None] * s.T[:, None, :])
    return J


def term_scale(net: Network, Y: np.ndarray) -> np.ndarray:
    r"""Magnitude of the terms of the flow, shape ``(n, N, B)``: the rounding error scale.

    .. math:: S_{k,i} = \sum_l |a^{kl}_i|\,|y_{l,i}| + \sum_f |c^{kf}_i|
              \sum_j |J^f_{ij}|\,|p^f_j| + \sum_{\text{inputs}} |I_{k,i}|

    with ``a`` the local block of the Jacobian (the local terms are linear in the state
    for these models), ``c`` the coefficient of the recurrent field ``f`` and ``p^f`` the
    presynaptic values that field sums (obtained from the generated field kernel with
    identity couplings). A computed flow differs from the exact one by at most about
    ``N eps S`` (the sum over ``N`` products; Higham, *Accuracy and Stability of
    Numerical Algorithms*, 2nd ed., eq. 3.5).
    """
    local, coef, _ = _factors(net, Y)
    N = net.N
    eyes = [np.vstack([np.eye(N)] * len(m)) for m in net.kernels.group_fields]
    pre = np.stack(net.kernels.module.fields(*Y, *_inputs(net), *eyes, *net._param_values))
    pre = np.broadcast_to(pre, (pre.shape[0], *Y.shape[1:]))
    blocks = _field_blocks(net)
    S = np.zeros_like(Y)
    for (k, l), a in local.items():
        S[k] += np.abs(a) * np.abs(Y[l])
    for (k, f), c in coef.items():
        S[k] += np.abs(c) * (np.abs(blocks[f][1]) @ np.abs(pre[f]))
    for v in _inputs(net):
        S += np.abs(np.asarray(v))  # inputs enter h's equation (a safe overestimate)
    return S


def rounding_ratio(net: Network, Y: np.ndarray) -> np.ndarray:
    r"""max over (k, i) of |F| / (N eps (S + R)) per state of ``Y`` (n, N, B): shape (B,).

    ``S`` is :func:`term_scale`; ``R_{k,i} = \sum_{l,j} |\partial F_{k,i}/\partial y_{l,j}|``
    (one state unit) adds the backward-error floor: a state within about ``N eps`` of a
    root in every coordinate passes (without it the zero root, where ``S -> 0``, would
    only pass at exactly zero). A value of order 1 or below means ``F`` is zero within
    floating-point error.
    """
    F = flow(net, Y)
    S = term_scale(net, Y)
    n, N, B = Y.shape
    R = np.abs(jacobians(net, Y)).sum(axis=2).T.reshape(n, N, B)
    with np.errstate(all="ignore"):
        r = np.abs(F) / (N * EPS * np.maximum(S + R, np.finfo(float).tiny))
    r = np.where(np.isfinite(F), r, np.inf)
    return r.max(axis=(0, 1))


def deflation(X: np.ndarray, known: np.ndarray, power: float = 2.0, shift: float = 1.0):
    r"""Deflation factor and its gradient (Farrell, Birkisson & Funke, SIAM J. Sci.
    Comput. 37, A2026 (2015), eq. 2.5).

    .. math:: M(y) = \prod_k \big(\|y - r_k\|^{-p} + \sigma\big)

    for states ``X`` of shape (b, m) and known roots ``known`` (K, m). Returns ``M`` (b,)
    and :math:`\nabla M` (b, m). ``M >= 1`` (for ``shift = 1``), so ``M F -> 0`` implies
    ``F -> 0``, while ``M F`` stays away from zero at a known root.
    """
    if known.shape[0] == 0:
        return np.ones(X.shape[0]), np.zeros_like(X)
    diff = X[:, None, :] - known[None, :, :]  # (b, K, m)
    d2 = np.maximum(np.einsum("bkm,bkm->bk", diff, diff), 1e-300)
    dp = d2 ** (-power / 2)
    logM = np.sum(np.log(dp + shift), axis=1)
    M = np.exp(np.minimum(logM, 700.0))
    w = -power * dp / d2 / (dp + shift)  # d log(factor_k) / d y = w_k (y - r_k)
    return M, M[:, None] * np.einsum("bk,bkm->bm", w, diff)


def row_scale(net: Network) -> np.ndarray | None:
    """Each variable's time constant, shape (n, 1, 1), or None where all are 1.

    The root finder works on ``tau_k dx_k/dt``: the same roots, with every row of order
    ``-x + ...``. On the flow itself a fast variable's rows outweighed the rest by
    ``1/tau`` (tau_z = 1e-3: 39 of 512 starts reached a root, the count unreliable;
    found by a probe, 2026-11-28).
    """
    tau = np.array([net.time_constants[v] for v in net.variables], dtype=float)
    return None if np.all(tau == 1.0) else tau[:, None, None]


def levenberg_marquardt(net: Network, Y: np.ndarray, *, max_iter: int = 60,
                        ftol: float = 1e-11, newton_steps: int = 3,
                        deflate: np.ndarray | None = None):
    r"""Batched Levenberg–Marquardt from the starts ``Y`` (n, N, B).

    Works on the flow times each variable's time constant (:func:`row_scale`; the same
    roots). Iterates until its rms is below ``ftol`` or ``max_iter``; then takes up to
    ``newton_steps`` plain Newton steps, each kept only if it lowers that rms.
    With ``deflate`` (known roots, shape (K, n*N)), minimises :math:`\|M F\|` instead
    (:func:`deflation`), which steers every start away from the known roots.
    Returns ``(states, rms_flow, iterations_per_start, n_flow_evaluations)``.
    """
    n, N, B = Y.shape
    m = n * N
    flow, jacobians = _scaled(net)
    known = np.empty((0, m)) if deflate is None else np.asarray(deflate).reshape(-1, m)
    Y = Y.copy()
    F = flow(net, Y)
    res = np.sqrt(np.mean(F ** 2, axis=(0, 1)))
    Mcur = deflation(Y.reshape(m, B).T, known)[0]
    mu = np.full(B, np.nan)
    nu = np.full(B, 2.0)
    its = np.zeros(B, dtype=int)
    nfev = 1
    active = np.isfinite(res) & (res >= ftol)
    eye = np.eye(m)
    for _ in range(max_iter):
        act = np.flatnonzero(active)
        if act.size == 0:
            break
        Ya = Y[:, :, act]
        Ja = jacobians(net, Ya)
        Fa = F[:, :, act].reshape(m, -1).T  # (b, m)
        if known.shape[0]:
            Ma, gM = deflation(Ya.reshape(m, -1).T, known)
            Ja = Ma[:, None, None] * Ja + Fa[:, :, None] * gM[:, None, :]
            Fa = Ma[:, None] * Fa
        JT = np.swapaxes(Ja, 1, 2)
        A = JT @ Ja
        g = np.einsum("bij,bj->bi", JT, Fa)
        diag_max = np.max(np.diagonal(A, axis1=1, axis2=2), axis=1)
        first = np.isnan(mu[act])
        mu[act[first]] = 1e-3 * diag_max[first]
        try:
            step = -np.linalg.solve(A + mu[act][:, None, None] * eye, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(A[b] + mu[act][b] * eye, -g[b], rcond=None)[0]
                             for b in range(act.size)])
        Yt = Ya + step.T.reshape(n, N, -1)
        with np.errstate(all="ignore"):
            Ft = flow(net, Yt)
        nfev += 1
        rt = np.sqrt(np.mean(Ft ** 2, axis=(0, 1)))
        Mt = deflation(Yt.reshape(m, -1).T, known)[0]
        ra, rta = Mcur[act] * res[act], Mt * rt  # rms of the minimised function
        # gain ratio: actual over predicted decrease of ||M F||^2 / 2
        pred = 0.5 * np.einsum("bi,bi->b", step, mu[act][:, None] * step - g)
        rho = np.where(pred > 0, 0.5 * m * (ra ** 2 - rta ** 2) / np.maximum(pred, 1e-300),
                       -1)
        ok = np.isfinite(rta) & (rho > 0)
        mu_new = np.where(ok, mu[act] * np.maximum(1 / 3, 1 - (2 * rho - 1) ** 3),
                          mu[act] * nu[act])
        nu[act] = np.where(ok, 2.0, 2 * nu[act])
        mu[act] = mu_new
        Y[:, :, act[ok]] = Yt[:, :, ok]
        F[:, :, act[ok]] = Ft[:, :, ok]
        res[act[ok]] = rt[ok]
        Mcur[act[ok]] = Mt[ok]
        its[act] += 1
        # give up on a start whose damping exploded (stuck at a minimum of ||F|| > 0)
        stuck = ~ok & (mu[act] > 1e12 * np.maximum(diag_max, 1e-300))
        active[act] = (res[act] >= ftol) & ~stuck
    Y, res, k = newton_polish(net, Y, res, steps=newton_steps)
    return Y, res, its, nfev + k


def newton_polish(net: Network, Y: np.ndarray, res: np.ndarray, *, steps: int = 3,
                  below: float = 1e-6):
    """Up to ``steps`` Newton steps on the states with rms flow below ``below``.

    A step is kept only where it lowers the rms of the flow times the time constants
    (:func:`row_scale`, as ``res``). Returns ``(Y, res, n_flow_evals)``.
    """
    n, N, _ = Y.shape
    flow, jacobians = _scaled(net)
    nfev = 0
    for _ in range(steps):
        act = np.flatnonzero(res < below)
        if act.size == 0:
            break
        Ja = jacobians(net, Y[:, :, act])
        Fa = flow(net, Y[:, :, act]).reshape(n * N, -1).T
        try:
            step = -np.linalg.solve(Ja, Fa[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(Ja[b], -Fa[b], rcond=None)[0]
                             for b in range(act.size)])
        Yt = Y[:, :, act] + step.T.reshape(n, N, -1)
        with np.errstate(all="ignore"):
            rt = np.sqrt(np.mean(flow(net, Yt) ** 2, axis=(0, 1)))
        nfev += 2
        ok = np.isfinite(rt) & (rt < res[act])
        if not ok.any():
            break
        Y[:, :, act[ok]] = Yt[:, :, ok]
        res[act[ok]] = rt[ok]
    return Y, res, nfev


def _scaled(net: Network):
    """``flow`` and ``jacobians`` with each variable's rows times its time constant."""
    tau = row_scale(net)
    if tau is None:
        return flow, jacobians
    rows = np.repeat(tau[:, 0, 0], net.N)[None, :, None]  # (1, nN, 1): row k*N + i

    def scaled_flow(net_, Y):
        return flow(net_, Y) * tau

    def scaled_jacobians(net_, Y):
        return jacobians(net_, Y) * rows
    return scaled_flow, scaled_jacobians
