r"""Fixed-point branches and their stability on a whole grid of parameters at once.

The vectorised counterpart of :func:`~meanfield.solve.fixed_points.fixed_point_branches`:
the residual :math:`R(q_1)` is scanned on a logarithmic grid of :math:`q_1` for every
parameter point simultaneously (arrays of shape ``grid + (n_q,)``), each sign change
is refined by vectorised bisection, and the stability quantity
:math:`\rho(M(0))` is evaluated at every root. Used by phase diagrams and sweeps.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._checks import brief, check_fits_in_memory, check_float, check_int, check_parameter_name
from .._errors import ParameterError
from .._repr import short_repr
from ..models import Model, get_model
from ._theory import Theory
from .fixed_points import _rest as _rest_variances

__all__ = ["StabilityMap", "stability_map"]

#: Region codes of a phase diagram.
REGIONS = {
    0: "only the zero fixed point, stable",
    1: "zero fixed point stable, unstable non-zero fixed points (saddle-node pairs)",
    2: "a stable non-zero fixed point",
    3: "no stable fixed point",
}


@dataclass(frozen=True)
class StabilityMap:
    """Fixed points on a parameter grid.

    Attributes
    ----------
    axes : dict of str to ndarray
        Grid axes by parameter name (in order).
    zero_exists, zero_stable : ndarray of bool
    n_nonzero : ndarray of int
        Number of non-zero branches found.
    n_stable_nonzero : ndarray of int
    max_variance : ndarray
        Largest variance q_1 of the first field over the branches (0 if none).
    region : ndarray of int
        Codes of :data:`REGIONS`.
    """

    __repr__ = short_repr

    axes: dict
    zero_exists: np.ndarray
    zero_stable: np.ndarray
    n_nonzero: np.ndarray
    n_stable_nonzero: np.ndarray
    max_variance: np.ndarray
    region: np.ndarray
    nodes: int
    truncated: np.ndarray
    residual: float


def _rest(th: Theory, q1, params, K, dtype=np.float64):
    return _rest_variances(th, q1, params, K, dtype=dtype)


def stability_map(model: str | Model = "gated", *, axes: dict, params: dict | None = None,
                  q_max: float = 1.0, n_q: int = 32, nodes: int | None = None,
                  rtol: float = 1e-6, polish: int = 2, chunk_bytes: float = 1.6e7,
                  workers: int | None = None) -> StabilityMap:
    """Fixed points and their stability on the grid spanned by ``axes``.

    Parameters
    ----------
    axes : dict of str to array
        One or more parameter axes, e.g. ``{"g_h": np.linspace(1, 3, 200), "alpha_r": ...}``.
    params : dict, optional
        Values of the other parameters.
    q_max, n_q : float, int
        Range and size of the logarithmic scan of the first variance. For the tanh family
        every variance is below 1; ``truncated`` marks points whose residual is still
        positive at ``q_max`` (a root may lie beyond).
    nodes : int, optional
        Quadrature nodes (default: chosen to meet ``rtol`` at the grid's corners).
    polish : int
        Secant steps on the quadrature residual after the interpolated root (each costs
        three evaluations at the roots only); ``residual`` reports the result.
    chunk_bytes : float
        Memory bound of one block of the root refinement.
    workers : int, optional
        Threads over which the grid's tiles are spread (default: one per CPU core; the
        sweeps, which already run one task per core, pass 1).

    Notes
    -----
    The grid is kept sparse (each axis its own broadcast dimension) and the scan of
    :math:`q_1` is shared by all points, so a Gaussian average that does not depend on
    an axis is computed once per value of the others (e.g. :math:`\\langle\\phi^2\\rangle`
    does not depend on alpha_r).
    """
    model = get_model(model)
    base = model.resolve(params)
    # the options, checked here (a probe fed n_q=2.5, nodes=0, rtol='x', axes=3 and
    # workers=nan: numpy's and Python's own errors, or rtol=nan accepted; 2026-11-28)
    q_max = check_float("q_max", q_max, lo=0.0, lo_open=True)
    n_q = check_int("n_q", n_q, lo=4, hi=100_000)
    if nodes is not None:
        nodes = check_int("nodes", nodes, lo=3, hi=100_000)
    rtol = check_float("rtol", rtol, lo=1e-14, hi=1.0, hi_open=True)
    polish = check_int("polish", polish, lo=0, hi=100)
    chunk_bytes = check_float("chunk_bytes", chunk_bytes, lo=1e3)
    if workers is not None:
        workers = check_int("workers", workers, lo=1, hi=1024)
    if not (isinstance(axes, Mapping) and axes):
        raise ParameterError(f"axes={brief(axes)} must be a dict of parameter name to "
                             "values, e.g. {'g_h': np.linspace(1, 3, 200)}")
    names = list(axes)
    vals = []
    for n in names:
        check_parameter_name(model, "axis", n)
        try:
            v = np.asarray(axes[n], dtype=float)
        except (TypeError, ValueError):
            v = np.array([np.nan])
        if v.ndim != 1 or len(v) == 0 or not np.all(np.isfinite(v)):
            raise ParameterError(f"axis {n!r} must be a 1-d array of finite numbers; got "
                                 f"{brief(axes[n])}")
        vals.append(v)
    check_fits_in_memory(8.0 * float(np.prod([len(v) for v in vals])) * (n_q + 8),
                         f"a grid of {' x '.join(str(len(v)) for v in vals)} points")
    for n, v in zip(names, vals):
        model.resolve({**base, n: v.min()})
        model.resolve({**base, n: v.max()})
    grids = np.meshgrid(*vals, indexing="ij", sparse=True)
    shape = tuple(len(v) for v in vals)
    th0 = Theory(model, rule=type(Theory(model).rule)(rtol=rtol))

    def node_table(points: list[np.ndarray]) -> np.ndarray:
        """Nodes meeting ``rtol`` at each point of the lattice spanned by ``points``.

        The vectorised form of :meth:`Theory.choose_nodes`: the rule's sizes are tried in
        turn on every lattice point at once, and each point gets the coarser of the first
        two sizes whose difference meets the target (that difference estimates its error).
        """
        rule, mod = th0.rule, th0.module
        lat = np.meshgrid(*points, indexing="ij", sparse=True)
        p = dict(base)
        for n, g in zip(names, lat):
            p[n] = g[..., None]
        qs = [np.geomspace(1e-3 * q_max, q_max, 12)] * th0.m
        args = [*qs, *(p[n] for n in mod.PARAMETERS)]
        need = np.zeros(tuple(len(x) for x in points), dtype=int)
        K = rule.min_nodes
        prev = th0.map_chunked(*args, *rule.nodes(K))
        while True:
            K2 = rule.next_size(K)
            cur = th0.map_chunked(*args, *rule.nodes(K2))
            scaled = np.zeros(need.shape)
            for c, pr in zip(cur, prev):
                c = np.broadcast_to(c, need.shape + (len(qs[0]),))
                d = np.abs(c - pr) / (rule.atol + rule.rtol * np.abs(c))
                scaled = np.maximum(scaled, d.max(-1))
            met = (need == 0) & (scaled <= 1.0)
            need[met] = K
            if K2 >= rule.max_nodes or np.all(need > 0):
                need[need == 0] = K2
                return need
            K, prev = K2, cur

    all_tile = tuple(slice(None) for _ in names)
    fixed_nodes = None if nodes is None else int(nodes)

    def point_params(tile, extra_dims=1):
        p = dict(base)
        for d, (n, g) in enumerate(zip(names, grids)):
            idx = tuple(tile[d] if j == d else slice(None) for j in range(len(names)))
            g = g[idx]
            p[n] = g.reshape(g.shape + (1,) * extra_dims)
        return p

    if fixed_nodes is None:
        ends = [np.array([v.min(), v.max()]) for v in vals]
        nodes_all = int(node_table(ends).max())
    else:
        nodes_all = fixed_nodes
    th_all = Theory(model, nodes_all)
    p_all = point_params(all_tile)
    zero_exists = np.zeros(shape, dtype=bool)
    q_scan = np.geomspace(1e-8 * q_max, q_max, n_q)
    B_MAX = 8
    roots = np.full(shape + (B_MAX,), np.nan)
    rho = np.full(shape + (B_MAX,), np.inf)
    n_nonzero = np.zeros(shape, dtype=int)
    truncated = np.zeros(shape, dtype=bool)
    x_scan = np.log(q_scan)
    # tiles of the grid small enough that the scan's node arrays stay in cache; each
    # tile gets the quadrature size its own corners need (a steep gate needs many nodes
    # only where it is steep), so the error target holds everywhere at less cost
    points = max(1, int(chunk_bytes / (8 * nodes_all * n_q)))
    block = list(shape)
    while int(np.prod(block)) > points and max(block) > 1:
        d = int(np.argmax(block))
        block[d] = (block[d] + 1) // 2
    counts = [-(-n // b) for n, b in zip(shape, block)]
    if fixed_nodes is None:
        # node requirement at the corners of every tile, in one vectorised pass
        edges = [np.unique(np.concatenate([np.arange(0, n, b), np.minimum(
            np.arange(0, n, b) + b, n) - 1])) for n, b in zip(shape, block)]
        table = node_table([v[e] for v, e in zip(vals, edges)])

        def nodes_for(tile):
            idx = tuple(np.searchsorted(e, [sl.start, sl.stop - 1]) for e, sl in zip(edges, tile))
            return int(table[np.ix_(*idx)].max())

    def solve_tile(ti):
        """Scan, bracket, polish and classify one tile; writes disjoint slices."""
        tile = tuple(slice(i * b, min((i + 1) * b, n)) for i, b, n in zip(ti, block, shape))
        K = fixed_nodes or nodes_for(tile)
        th = Theory(model, K)
        p = point_params(tile)
        tshape = tuple(sl.stop - sl.start for sl in tile)
        _, F0 = _rest(th, np.zeros((1,) * (len(shape) + 1)), p, K)
        zero_exists[tile] = np.abs(F0[..., 0]) < 1e-14
        # the scan only brackets roots, so it runs in single precision (five times
        # cheaper sigmoids; relative error ~1e-7, below the quadrature's rtol); the roots
        # are then polished and classified in double precision
        _, F1 = _rest(th, q_scan, p, K, dtype=np.float32)
        R = np.broadcast_to((F1 - q_scan.astype(np.float32)).astype(float), tshape + (n_q,))
        sgn = np.sign(R)
        change = sgn[..., :-1] * sgn[..., 1:] < 0
        n_nonzero[tile] = change.sum(-1)
        truncated[tile] = R[..., -1] > 0
        B = min(max(int(change.sum(-1).max()), 1), B_MAX)
        order = np.argsort(~change, axis=-1, kind="stable")[..., :B]
        has = np.take_along_axis(change, order, -1)
        # cubic Hermite interpolant of R in log q on each bracket, derivatives by
        # finite differences of the scan; its root is found by bisection (no quadrature)
        dR = np.gradient(R, x_scan, axis=-1)
        xa, xb = x_scan[order], x_scan[order + 1]
        ra, rb = np.take_along_axis(R, order, -1), np.take_along_axis(R, order + 1, -1)
        da, db = np.take_along_axis(dR, order, -1), np.take_along_axis(dR, order + 1, -1)
        hx = xb - xa
        lo_t, hi_t = np.zeros(ra.shape), np.ones(ra.shape)
        for _ in range(40):
            t = 0.5 * (lo_t + hi_t)
            h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
            h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
            rt = h00 * ra + h10 * hx * da + h01 * rb + h11 * hx * db
            same = np.sign(rt) == np.sign(ra)
            lo_t, hi_t = np.where(same, t, lo_t), np.where(same, hi_t, t)
        r = np.where(has, np.exp(xa + 0.5 * (lo_t + hi_t) * hx), np.nan)
        # polish and classify at the roots only (a flat list: most points of a tile have
        # fewer roots than the tile's widest point)
        full = tshape + (B,)
        pr = {n: (np.broadcast_to(v, full)[has] if np.ndim(v) else v) for n, v in p.items()}
        rr, qa, qb = r[has], np.exp(xa[has]), np.exp(xb[has])
        for _ in range(polish):
            # secant steps on the quadrature residual (value and a nearby point in one
            # call), kept inside the bracket
            step = 1e-7 * rr
            both = np.concatenate([rr, rr + step])
            pb = {n: (np.concatenate([v, v]) if np.ndim(v) else v) for n, v in pr.items()}
            f = _rest(th, both, pb, K)[1] - both
            f0, f1 = f[:rr.size], f[rr.size:]
            with np.errstate(divide="ignore", invalid="ignore"):
                new = rr - f0 * step / (f1 - f0)
            ok = np.isfinite(new) & (new > qa) & (new < qb)
            rr = np.where(ok, new, rr)
        q_r, F_r = _rest(th, rr, pr, K)
        r = np.full(full, np.nan)
        r[has] = rr
        rho_t = np.full(full, np.inf)
        rho_t[has] = th.rho(np.zeros(rr.shape), q_r, pr)
        roots[tile + (slice(0, B),)] = r
        rho[tile + (slice(0, B),)] = rho_t
        return K, float(np.max(np.abs(F_r - rr), initial=0.0))

    # tiles are independent and numpy's elementwise loops release the GIL: a thread per
    # core (``workers``) nearly halves the wall time on two cores
    tiles = list(np.ndindex(*counts))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n_workers = max(1, min(int(workers or cores or 1), len(tiles)))
    if n_workers == 1:
        outs = [solve_tile(ti) for ti in tiles]
    else:
        with ThreadPoolExecutor(n_workers) as ex:
            outs = list(ex.map(solve_tile, tiles))
    used_nodes = max(k for k, _ in outs)
    residual = max(r for _, r in outs)
    th = Theory(model, used_nodes)
    stable = rho < 1.0
    n_stable = stable.sum(-1)
    zero_q = [np.zeros((1,) * (len(shape) + 1)) for _ in range(th.m)]
    rho0 = np.broadcast_to(th_all.rho(np.zeros((1,) * (len(shape) + 1)), zero_q, p_all)[..., 0],
                           shape)
    zero_stable = zero_exists & (rho0 < 1.0)
    max_var = np.nan_to_num(roots, nan=0.0).max(-1)
    region = np.full(shape, 3)
    region[n_stable > 0] = 2
    region[zero_stable & (n_nonzero > 0) & (n_stable == 0)] = 1
    region[zero_stable & (n_nonzero == 0)] = 0
    return StabilityMap(axes=dict(zip(names, vals)), zero_exists=np.array(zero_exists),
                        zero_stable=np.array(zero_stable), n_nonzero=n_nonzero,
                        n_stable_nonzero=n_stable, max_variance=max_var, region=region,
                        nodes=used_nodes, truncated=np.array(truncated), residual=residual)
