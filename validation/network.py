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
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from meanfield._checks import check_fits_in_memory, is_integer, is_real
from meanfield._errors import ParameterError
from meanfield.codegen.network import NetworkKernels, network_kernels
from meanfield.models import Model, get_model

__all__ = ["Network", "Linearisation", "InputSpec"]

#: An input: a constant (scalar or array broadcastable to (N,) / (N, B)) or a function of t.
InputSpec = float | np.ndarray | Callable[[float], float | np.ndarray]


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
        self.time_constants = self.model.time_constants(self.params)
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
        self._tangent_plan = _TangentPlan.of(self.kernels, self.n_vars)

    # ---------------------------------------------------------------- basics
    @property
    def n_vars(self) -> int:
        return len(self.model.variables)

    @property
    def variables(self) -> tuple[str, ...]:
        return self.model.variable_names

    @property
    def time_dependent(self) -> bool:
        """Whether an input is a function of time (then so is the flow)."""
        return any(callable(spec) for spec in self.inputs.values())

    def __repr__(self):
        p = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"Network({self.model.name!r}, N={self.N}, seed={self.seed}; {p})"

    def _check_inputs(self, inputs):
        if not isinstance(inputs, Mapping):  # (a list of pairs: an AttributeError; a probe)
            raise ParameterError(f"inputs must be a dict of input name to a value or a "
                                 f"function of t, e.g. {{'I_h': 0.5}}; got {inputs!r}"[:200])
        out = {}
        for name, spec in inputs.items():
            if name not in self.model.inputs:
                raise ParameterError(f"model {self.model.name!r} has no input {name!r}; its "
                                     f"inputs are {', '.join(self.model.inputs) or 'none'}")
            try:
                value = spec(0.0) if callable(spec) else spec
            except TypeError as exc:  # (lambda t, u: ... : the call's own TypeError)
                raise ParameterError(f"input {name} is a function that cannot be called "
                                     f"with the time alone, f(t): {exc}") from None
            what = f"input {name}" + (" (its value at t = 0)" if callable(spec) else "")
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise ParameterError(f"{what} is {value!r}, not a number or an array of "
                                     "numbers") from None
            if not (arr.ndim == 0 or (arr.ndim == 1 and arr.shape[0] == self.N)
                    or (arr.ndim == 2 and arr.shape[0] in (1, self.N))):
                raise ParameterError(f"{what} has shape {arr.shape}; expected a number, "
                                     f"({self.N},), ({self.N}, B) or (1, B)")
            if not np.all(np.isfinite(arr)):
                raise ParameterError(f"{what} contains NaN or inf")
            out[name] = spec if callable(spec) else arr
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

    def nonfinite_input(self, t0: float, t1: float, samples: int = 64):
        """``(name, t)`` of an input that is not finite somewhere in [t0, t1] (sampled),
        or None: a diagnosis for a simulation that became non-finite."""
        for t in np.linspace(max(t0, 0.0), t1, samples):
            for name, spec in self.inputs.items():
                try:
                    v = np.asarray(spec(t) if callable(spec) else spec, dtype=float)
                except (TypeError, ValueError):
                    return name, float(t)
                if not np.all(np.isfinite(v)):
                    return name, float(t)
        return None

    def initial_state(self, seed: int = 0, *, scale: float = 1.0, batch: int | None = None
                      ) -> np.ndarray:
        """A random initial state: every variable i.i.d. N(0, scale**2), seeded by ``seed``.

        A batch is drawn trial by trial: trial ``k`` is the same for every batch size, and
        trial 0 is the single-trial state of the same seed.
        """
        if batch is not None and not (isinstance(batch, int | np.integer) and batch >= 1):
            raise ParameterError(f"batch={batch!r} must be None or a positive integer")
        if not (is_integer(seed) and seed >= 0):
            # (numpy's "expected non-negative integer" or a TypeError before; a probe)
            raise ParameterError(f"seed={seed!r} must be a non-negative integer")
        if not (is_real(scale) and math.isfinite(scale) and scale >= 0):
            raise ParameterError(f"scale={scale!r} must be a finite number >= 0")
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
        # per-trial inputs (N, B) need a batch of B trials (a single state, or another B,
        # gave numpy's broadcasting error from the first step; found by a probe)
        for name, spec in self.inputs.items():
            if callable(spec):
                continue
            shape = np.shape(spec)
            if len(shape) == 2 and shape[1] > 1 and (y.ndim != 3 or y.shape[2] != shape[1]):
                have = "one trial" if y.ndim == 2 else f"a batch of {y.shape[2]}"
                raise ParameterError(f"input {name} has {shape[1]} trials (shape {shape}), "
                                     f"the state {have}: give a batch of {shape[1]} trials "
                                     f"(batch={shape[1]} or y0 of shape ({self.n_vars}, "
                                     f"{self.N}, {shape[1]}))")
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

    def velocity_and_tangent(self, y: np.ndarray, Q: np.ndarray, t: float = 0.0
                             ) -> tuple[np.ndarray, np.ndarray]:
        """``(velocity(y, t), linearise(y, t).matvec(Q))`` with one product per coupling matrix.

        ``y`` is one trial's state ``(n_vars, N)``, ``Q`` tangent vectors ``(n_vars, N)`` or
        ``(n_vars, N, k)``. Each stacked coupling matrix multiplies the state's presynaptic
        values and the ``k`` tangent vectors' presynaptic values
        (:math:`\\sum_l s^{gl} Q_l`) side by side, an ``N x (k+1)`` matrix, once; the
        velocity, local block and field coefficients then follow from these fields
        (generated ``presynaptic`` and ``velocity_linearisation`` kernels), where
        :meth:`velocity` and :meth:`linearise` would each redo the state's products.
        Equal to the separate calls up to rounding (the tangent step of
        :func:`~validation.measure.lyapunov_spectrum`).
        """
        y = self.check_state(y)
        if y.ndim != 2:
            raise ParameterError("velocity_and_tangent takes one trial's state of shape "
                                 "(n_vars, N)")
        Q = np.asarray(Q, dtype=float)
        single = Q.ndim == 2
        if single:
            Q = Q[:, :, None]
        if Q.ndim != 3 or Q.shape[:2] != y.shape:
            raise ParameterError(f"tangent vectors have shape {Q.shape}; expected "
                                 f"({self.n_vars}, {self.N}) or ({self.n_vars}, {self.N}, k)")
        plan, N, k = self._tangent_plan, self.N, Q.shape[2]
        inputs = self._input_values(t, False)
        pre = self.kernels.module.presynaptic(*y, *inputs, *self.stacked, *self._param_values)
        slopes = pre[len(self.stacked):]
        fields: list = [None] * plan.n_fields
        tangent_fields: list = [None] * plan.n_fields
        for g, W in enumerate(self.stacked):
            terms = plan.group_slopes[g]
            # row 0: the state's presynaptic values; rows 1..k: the tangent vectors'
            M = np.empty((k + 1 if terms else 1, N))
            M[0] = pre[g]
            for i, (si, l) in enumerate(terms):
                term = _column(slopes[si]) * Q[l]
                if i == 0:
                    M[1:] = term.T
                else:
                    M[1:] += term.T
            P = _rows_times_transpose(M, W)  # (k+1, rows of W): W @ M.T, transposed
            for pos, f in enumerate(self.kernels.group_fields[g]):
                rows = P[:, pos * N:(pos + 1) * N]
                fields[f] = rows[0]
                tangent_fields[f] = rows[1:].T if terms else None
        vals = self.kernels.module.velocity_linearisation(*y, *inputs, *fields,
                                                          *self._param_values)
        dy = np.empty(y.shape)
        for i in range(self.n_vars):
            dy[i] = vals[i]
        out = np.zeros_like(Q)
        for idx, kk, l in plan.local:
            out[kk] += _column(vals[idx]) * Q[l]
        for idx, kk, f in plan.coefficient:
            if tangent_fields[f] is not None:
                out[kk] += _column(vals[idx]) * tangent_fields[f]
        return dy, (out[:, :, 0] if single else out)

    def jacobian(self, y: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The dense ``(n_vars*N, n_vars*N)`` Jacobian of the flow at ``y``.

        Rows and columns are ordered variable-major: ``(h_1..h_N, z_1..z_N, ...)``.
        """
        return self.linearise(y, t).dense()


#: Products with at most this many columns are done column by column (matrix-vector
#: products): OpenBLAS's matrix-matrix product packs the whole coupling matrix first, which
#: for 2 columns costs about as much as 4 matrix-vector products (N = 500 to 2000, one
#: thread); from 4 columns on it is the cheaper one.
_COLUMNWISE_MAX = 3


def _rows_times_transpose(M: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``M @ W.T`` for a few rows ``M`` (k, N): one product with the stacked matrix ``W``."""
    if M.shape[0] > _COLUMNWISE_MAX:
        return M @ W.T
    P = np.empty((M.shape[0], W.shape[0]))
    for c in range(M.shape[0]):
        np.dot(W, M[c], out=P[c])
    return P


def _column(a) -> np.ndarray:
    """A per-unit value (array of shape (N,) or scalar) as a column against (N, k)."""
    a = np.asarray(a, dtype=float)
    return a[:, None] if a.ndim else a


@dataclass(frozen=True)
class _TangentPlan:
    """Where :meth:`Network.velocity_and_tangent` finds each term in the kernels' outputs.

    ``group_slopes[g]``: (index among the slopes, variable l) of stacked matrix g;
    ``local``: (index in ``velocity_linearisation``'s outputs, k, l);
    ``coefficient``: (index there, k, field f). Orders as :meth:`Linearisation.matvec`.
    """

    n_fields: int
    group_slopes: tuple
    local: tuple
    coefficient: tuple

    @classmethod
    def of(cls, kernels: NetworkKernels, n_vars: int) -> _TangentPlan:
        n_loc = len(kernels.local_keys)
        group_slopes = tuple(tuple((i, l) for i, (gg, l) in enumerate(kernels.slope_keys)
                                   if gg == g) for g in range(len(kernels.group_fields)))
        local = tuple((n_vars + i, k, l) for i, (k, l) in enumerate(kernels.local_keys))
        # by group and field within it, as matvec adds them
        coefficient = tuple((n_vars + n_loc + i, k, f)
                            for members in kernels.group_fields for f in members
                            for i, (k, ff) in enumerate(kernels.coefficient_keys) if ff == f)
        return cls(sum(len(m) for m in kernels.group_fields), group_slopes, local, coefficient)


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
        try:
            v = np.asarray(v, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"matvec takes numbers: {exc}") from None
        n, N = self.network.n_vars, self.network.N
        if v.ndim not in (2, 3) or v.shape[:2] != (n, N):
            # (a flat vector of n N numbers raised numpy's "setting an array element with a
            # sequence"; found by a probe, 2026-11-28)
            raise ParameterError(f"matvec takes vectors of shape ({n}, {N}) or ({n}, {N}, k), "
                                 f"not {v.shape}")
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
