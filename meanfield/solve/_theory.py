"""Numerical access to a model's generated theory module (pure kernels, no state)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import ConvergenceError
from ..codegen.quadrature import QuadratureRule, Trapezoid, _prev_size
from ..codegen.theory import theory_module
from ..models.model import Model

__all__ = ["Theory"]


@dataclass(frozen=True)
class Theory:
    """A model's generated theory evaluated with a fixed quadrature rule."""

    model: Model
    nodes: int = 81
    rule: QuadratureRule = Trapezoid()
    #: bound on the ``points x node grid`` temporaries of one chunk of :meth:`profile`
    #: and :meth:`variance_map` (a k-dimensional average holds K**k values per point)
    chunk_bytes: float = 1.6e7

    @property
    def module(self):
        return theory_module(self.model)

    @property
    def m(self) -> int:
        return len(self.module.FIELDS)

    def _quad(self, K=None):
        return self.rule.nodes(self.nodes if K is None else K)

    def _chunk(self, K: int, itemsize: int) -> int:
        """Points per chunk: their node grids (K**k values each) within :attr:`chunk_bytes`."""
        dims = getattr(self.module, "AVERAGE_DIMENSION", 1)
        return max(1, int(self.chunk_bytes // (itemsize * K ** dims)))

    def map_chunked(self, *args):
        """``module.variance_map(*args)`` (the last two: the quadrature nodes and weights)
        evaluated in chunks of the broadcast shape of the rest.

        A two-dimensional average with 641 nodes per axis at the 4000 variances of the
        fixed-point scan made one temporary of 12 GiB and was killed for memory (a probe,
        2026-11-28); chunked, its temporaries stay within :attr:`chunk_bytes`. One chunk
        where everything fits, as for every one-dimensional model at its scan.
        """
        *vals, nodes, weights = args
        shape = np.broadcast(*vals).shape
        step = self._chunk(len(nodes), np.dtype(np.result_type(*vals, nodes)).itemsize)
        size = int(np.prod(shape))
        if size <= step:
            return self.module.variance_map(*args)
        flat = [v if np.ndim(v) == 0 else np.broadcast_to(v, shape).reshape(-1) for v in vals]
        parts = []
        for start in range(0, size, step):
            chunk = [v if np.ndim(v) == 0 else v[start:start + step] for v in flat]
            n = min(step, size - start)
            parts.append([np.broadcast_to(f, (n,)) for f in
                          self.module.variance_map(*chunk, nodes, weights)])
        return tuple(np.concatenate(col).reshape(shape) for col in zip(*parts))

    def variance_map(self, q, params, K=None, dtype=np.float64):
        """F(q): ``q`` is a sequence of m arrays (broadcasting with the parameters).

        ``dtype=np.float32`` evaluates everything in single precision (about five times
        faster for the transcendental functions; relative error about 1e-7, i.e. below
        the quadrature's own ``rtol``): for scans that only need signs.
        """
        p = [params[n] for n in self.module.PARAMETERS]
        if dtype is not np.float64:
            q = [np.asarray(v, dtype=dtype) for v in q]
            p = [np.asarray(v, dtype=dtype) for v in p]
            quad = tuple(np.asarray(v, dtype=dtype) for v in self._quad(K))
            # The printed gate 1/(1 + exp(min(-u, 709))) caps exp's argument for float64;
            # in single precision exp overflows to inf above 88.7, and 1/(1 + inf) = 0 is
            # the gate's correct limit. An overflow elsewhere that leaves a non-finite value
            # is refused here rather than read as a sign.
            with np.errstate(over="ignore"):
                F = self.map_chunked(*q, *p, *quad)
            if not all(np.all(np.isfinite(v)) for v in F):
                raise ConvergenceError("the single-precision scan of the variance map gave "
                                       "a non-finite value (parameters beyond the float32 "
                                       "range?)")
        else:
            F = self.map_chunked(*q, *p, *self._quad(K))
        return tuple(np.asarray(v, dtype=dtype) * np.ones(np.broadcast(*q, *p).shape, dtype)
                     for v in F)

    def state_variance(self, q, params, K=None):
        p = [params[n] for n in self.module.PARAMETERS]
        out = self.module.state_variance(*q, *p, *self._quad(K))
        return dict(zip(self.module.STATES, (float(np.asarray(v)) for v in out)))

    def profile(self, lam, q, params, K=None) -> np.ndarray:
        """M(lambda) as an array of shape ``lam.shape + (m, m)``.

        The generated kernel averages over the quadrature nodes with an array of shape
        ``points x nodes``; evaluated in chunks of at most :attr:`chunk_bytes` of complex
        temporaries. (Unchunked, the 241 x 241 grid of :func:`spectral_support` for a
        model with a non-smooth function, 2561 nodes, made temporaries of 2.4 GB each:
        13 s, mostly page faults; chunked 1.3 s, the same values to 2e-15; the gated
        model's grid 0.69 -> 0.34 s. Measured 2026-11-27.)
        """
        lam = np.asarray(lam)
        p = [params[n] for n in self.module.PARAMETERS]
        quad = self._quad(K)
        zero = lam.size and not np.any(lam)
        shape = np.broadcast(lam, *q, *p).shape
        M = np.zeros(shape + (self.m, self.m))
        flat = M.reshape((-1, self.m, self.m))
        step = self._chunk(len(quad[0]), 16)
        # every array argument flattened to the broadcast shape, then taken in chunks
        args = [v if np.ndim(v) == 0 else np.broadcast_to(v, shape).reshape(-1)
                for v in (lam, *q, *p)]
        for start in range(0, flat.shape[0], step):
            part = [v if np.ndim(v) == 0 else v[start:start + step] for v in args]
            if zero:
                # M(0) (stability): the form with the rates cancelled, since a rate such as
                # s_z = sigmoid(1e3 z) underflows to 0 and s_z^2/|lambda + s_z|^2 is 0/0
                entries = self.module.profile_zero(*part[1:], *quad)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    # lambda exactly at a pole of G (a local rate such as -1/tau_r):
                    # |G|^2 = inf
                    entries = self.module.profile(*part, *quad)
            block = flat[start:start + step]
            for (i, j), e in zip(self.module.PROFILE_KEYS, entries):
                block[:, i, j] = np.broadcast_to(np.real(e), block.shape[:1])
        return M

    def rho(self, lam, q, params, K=None) -> np.ndarray:
        """Spectral radius of M(lambda) (its Perron root: M is non-negative).

        At a pole of G (an entry of M infinite or undefined) the radius is inf: such a
        lambda lies in the support.
        """
        M = self.profile(lam, q, params, K)
        bad = ~np.isfinite(M).all(axis=(-2, -1))
        if bad.any():
            M = np.where(bad[..., None, None], 0.0, M)
        r = np.max(np.abs(np.linalg.eigvals(M)), axis=-1)
        return np.where(bad, np.inf, r) if bad.any() else r

    def choose_nodes(self, q_max, params) -> tuple[int, float, bool]:
        """(nodes, error estimate, met) for the variance map at variances up to ``q_max``.

        When the target is met the coarser of the two sizes compared is returned: the
        difference between them estimates its error, and that estimate met the target.
        """
        qs = [np.geomspace(1e-3 * q_max, q_max, 12)] * self.m
        p = [params[n] for n in self.module.PARAMETERS]
        _, err, K, met = self.rule.evaluate(self.map_chunked, *qs, *p)
        if met and K > self.rule.min_nodes:
            K = _prev_size(self.rule, K)
        return K, err, met

    def closed_rest(self) -> bool:
        """Whether the variances of fields 2..m depend on q_1 only (one pass suffices)."""
        return all(set(d) <= {0} for d in self.module.VARIANCE_DEPENDS[1:])
