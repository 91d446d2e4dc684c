r"""A finite random network built from a symbolic model.

The couplings are i.i.d. :math:`\mathcal N(0, 1/N)` (spec section 1), drawn from a
generator seeded by ``(seed, name of the matrix)``: the same seed gives the same
``Jh`` in every model that has one, whatever other matrices it has.

States are arrays of shape ``(n_vars, N)`` for one trial or ``(n_vars, N, B)`` for
a batch of ``B`` independent trials on the same couplings; in the batch the
recurrent fields are matrix-matrix products.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from meanfield._errors import ParameterError
from meanfield.codegen.network import NetworkKernels, network_kernels
from meanfield.models import Model, get_model
from meanfield.models.model import symbol

__all__ = ["Network", "Linearisation", "InputSpec"]

#: An input: a constant (scalar or array broadcastable to (N,) / (N, B)) or a function of t.
InputSpec = float | np.ndarray | Callable[[float], float | np.ndarray]


def check_fits_in_memory(nbytes: float, what: str) -> None:
    """Raise :class:`ParameterError` when ``nbytes`` exceed this machine's physical memory.

    A request that large would end in a ``MemoryError`` (or the kernel's OOM killer)
    deep inside numpy; refusing it up front names the cause.
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: cannot tell
        return
    if nbytes > total:
        raise ParameterError(f"{what} would need {nbytes / 2**30:.3g} GiB, more than this "
                             f"machine's {total / 2**30:.3g} GiB of memory")


def _coupling_matrix(name: str, N: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    return rng.standard_normal((N, N)) / math.sqrt(N)


class Network:
    """A network of ``N`` units of ``model`` with seeded random couplings.

    Parameters
    ----------
    model : str, Path or Model
        Shipped model name, model file or :class:`~meanfield.Model`.
    N : int
        Number of units (>= 1).
    seed : int
        Seed of the coupling matrices (>= 0).
    params : mapping, optional
        Parameter values; the rest take their defaults. Keyword arguments are added.
    inputs : mapping of str to InputSpec, optional
        External inputs by name (``I_h`` ...): constants or functions of time.

    Attributes
    ----------
    couplings : dict of str to ndarray
        The (N, N) coupling matrices by name (views into the stacked matrices).
    """

    def __init__(self, model: str | Model = "gated", N: int = 1000, *, seed: int = 0,
                 params: Mapping[str, float] | None = None,
                 inputs: Mapping[str, InputSpec] | None = None, **kwargs: float):
        self.model = get_model(model)
        if isinstance(N, bool) or not isinstance(N, int | np.integer) or N < 1:
            raise ParameterError(f"N={N!r} must be a positive integer")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ParameterError(f"seed={seed!r} must be a non-negative integer")
        self.N = int(N)
        self.seed = int(seed)
        check_fits_in_memory(8.0 * len(self.model.fields) * self.N ** 2,
                             f"N={self.N}: the {len(self.model.fields)} coupling matrices")
        self.params = self.model.resolve(params, **kwargs)
        # time constant of each variable (tau_z ...): the integrators' step limits
        values = {symbol(k): v for k, v in self.params.items()}
        self.time_constants = {v.name: float(v.time_constant.subs(values))
                               for v in self.model.variables}
        self.inputs = self._check_inputs(inputs or {})
        self.kernels: NetworkKernels = network_kernels(self.model, frozenset(self.inputs))
        fields = self.model.fields
        self.stacked = []
        self.couplings: dict[str, np.ndarray] = {}
        for members in self.kernels.group_fields:
            names = [fields[f].coupling for f in members]
            W = np.empty((len(names) * self.N, self.N))
            for k, name in enumerate(names):
                block = W[k * self.N:(k + 1) * self.N]
                block[:] = (self.couplings[name] if name in self.couplings
                            else _coupling_matrix(name, self.N, self.seed))
                self.couplings.setdefault(name, block)
            self.stacked.append(W)
        self._param_values = tuple(self.params[p] for p in self.model.parameter_names)
        self._vel = self.kernels.module.velocity
        self._lin = self.kernels.module.linearisation

    # ---------------------------------------------------------------- basics
    @property
    def n_vars(self) -> int:
        return len(self.model.variables)

    @property
    def variables(self) -> tuple[str, ...]:
        return self.model.variable_names

    def __repr__(self):
        p = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"Network({self.model.name!r}, N={self.N}, seed={self.seed}; {p})"

    def _check_inputs(self, inputs):
        out = {}
        for name, spec in inputs.items():
            if name not in self.model.inputs:
                raise ParameterError(f"model {self.model.name!r} has no input {name!r}; its "
                                     f"inputs are {', '.join(self.model.inputs) or 'none'}")
            if not callable(spec):
                arr = np.asarray(spec, dtype=float)
                if not np.all(np.isfinite(arr)):
                    raise ParameterError(f"input {name} contains NaN or inf")
                spec = arr
            out[name] = spec
        return out

    def _input_values(self, t: float, batched: bool):
        vals = []
        for name in self.model.inputs:
            spec = self.inputs.get(name)
            if spec is None:
                vals.append(0.0)
                continue
            v = np.asarray(spec(t) if callable(spec) else spec, dtype=float)
            if batched and v.ndim == 1:
                v = v[:, None]
            vals.append(v)
        return vals

    def initial_state(self, seed: int = 0, *, scale: float = 1.0, batch: int | None = None
                      ) -> np.ndarray:
        """A random initial state: every variable i.i.d. N(0, scale**2), seeded by ``seed``.

        A batch is drawn trial by trial: trial ``k`` is the same for every batch size, and
        trial 0 is the single-trial state of the same seed.
        """
        rng = np.random.default_rng([seed, 0x5EED])
        if batch is None:
            return scale * rng.standard_normal((self.n_vars, self.N))
        # trial-major draw, then trials moved to the last axis (determinism across batch
        # sizes; a draw of shape (n_vars, N, B) would interleave the trials)
        trials = rng.standard_normal((batch, self.n_vars, self.N))
        return scale * np.ascontiguousarray(np.moveaxis(trials, 0, -1))

    def check_state(self, y: np.ndarray) -> np.ndarray:
        """Return ``y`` as a float array after checking its shape."""
        y = np.asarray(y, dtype=float)
        if y.ndim not in (2, 3) or y.shape[:2] != (self.n_vars, self.N):
            raise ParameterError(f"state has shape {y.shape}; expected ({self.n_vars}, "
                                 f"{self.N}) or ({self.n_vars}, {self.N}, B)")
        return y

    # ---------------------------------------------------------------- dynamics
    def velocity(self, y: np.ndarray, t: float = 0.0) -> np.ndarray:
        """dy/dt at state ``y`` (shape ``(n_vars, N)`` or ``(n_vars, N, B)``) and time ``t``."""
        if np.ndim(y) not in (2, 3) or np.shape(y)[:2] != (self.n_vars, self.N):
            self.check_state(y)
        return np.stack(self._vel(*y, *self._input_values(t, y.ndim == 3), *self.stacked,
                                  *self._param_values))

    def velocity_raw(self, y: np.ndarray, t: float = 0.0) -> tuple:
        """dy/dt as a tuple of per-variable arrays (no stacking copy); for integrators."""
        return self._vel(*y, *self._input_values(t, y.ndim == 3), *self.stacked,
                         *self._param_values)

    def fields(self, y: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The recurrent fields eta_f = sum_j J^f_ij g_f(x_j) at ``y``, shape (m, N[, B])."""
        y = self.check_state(y)
        return np.stack(self.kernels.module.fields(
            *y, *self._input_values(t, y.ndim == 3), *self.stacked, *self._param_values))

    def linearise(self, y: np.ndarray, t: float = 0.0) -> Linearisation:
        """The Jacobian of the flow at ``y`` in factored form (cheap products, dense on demand)."""
        y = self.check_state(y)
        if y.ndim != 2:
            raise ParameterError("linearise takes one trial's state of shape (n_vars, N)")
        vals = self._lin(*y, *self._input_values(t, False), *self.stacked, *self._param_values)
        return Linearisation(self, vals)

    def jacobian(self, y: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The dense ``(n_vars*N, n_vars*N)`` Jacobian of the flow at ``y``.

        Rows and columns are ordered variable-major: ``(h_1..h_N, z_1..z_N, ...)``.
        """
        return self.linearise(y, t).dense()


@dataclass
class Linearisation:
    r"""The Jacobian at one state, kept as its unit-level factors.

    :math:`\mathcal J_{(k,i),(l,j)} = \delta_{ij} a^{kl}_i + \sum_f c^{kf}_i J^f_{ij} s^{fl}_j`
    with the local block ``a``, field coefficients ``c`` and presynaptic slopes ``s``
    (see :mod:`meanfield.derive.unit`).
    """

    network: Network
    values: tuple

    def __post_init__(self):
        k = self.network.kernels
        n_loc, n_coef = len(k.local_keys), len(k.coefficient_keys)
        v = self.values
        N = self.network.N
        full = lambda x: np.broadcast_to(np.asarray(x, dtype=float), (N,))  # noqa: E731
        self.local = {key: full(x) for key, x in zip(k.local_keys, v[:n_loc])}
        self.coefficient = {key: full(x) for key, x in
                            zip(k.coefficient_keys, v[n_loc:n_loc + n_coef])}
        self.slope = {key: full(x) for key, x in zip(k.slope_keys, v[n_loc + n_coef:])}
        # which stacked matrix (and row block) holds each field
        self.field_block = {}
        for g, members in enumerate(k.group_fields):
            for pos, f in enumerate(members):
                self.field_block[f] = (g, pos)

    def _coupling(self, f: int) -> np.ndarray:
        g, pos = self.field_block[f]
        N = self.network.N
        return self.network.stacked[g][pos * N:(pos + 1) * N]

    def matvec(self, v: np.ndarray) -> np.ndarray:
        """Jacobian-vector product(s): ``v`` of shape ``(n_vars, N)`` or ``(n_vars, N, k)``.

        Costs one matrix product per stacked coupling matrix (never forms the Jacobian).
        """
        v = np.asarray(v, dtype=float)
        expand = (lambda a: a[:, None]) if v.ndim == 3 else (lambda a: a)
        out = np.zeros_like(v)
        for (k, l), a in self.local.items():
            out[k] += expand(a) * v[l]
        groups = self.network.kernels.group_fields
        for g, members in enumerate(groups):
            pre = None
            for (gg, l), s in self.slope.items():
                if gg == g:
                    term = expand(s) * v[l]
                    pre = term if pre is None else pre + term
            if pre is None:
                continue
            fields = np.split(self.network.stacked[g] @ pre, len(members))
            for pos, f in enumerate(members):
                for (k, ff), c in self.coefficient.items():
                    if ff == f:
                        out[k] += expand(c) * fields[pos]
        return out

    def dense(self) -> np.ndarray:
        """The dense ``(n_vars*N, n_vars*N)`` Jacobian, assembled block by block."""
        net = self.network
        N, n = net.N, net.n_vars
        J = np.zeros((n * N, n * N))
        for (k, l), a in self.local.items():
            idx = np.arange(N)
            J[k * N + idx, l * N + idx] += a
        for (k, f), c in self.coefficient.items():
            g = self.field_block[f][0]
            Jf = self._coupling(f)
            for (gg, l), s in self.slope.items():
                if gg == g:
                    J[k * N:(k + 1) * N, l * N:(l + 1) * N] += c[:, None] * Jf * s[None, :]
        return J
