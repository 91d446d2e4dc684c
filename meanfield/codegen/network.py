"""Generate the numpy kernels of a finite network from a model's unit dynamics.

The module's functions are vectorised over units (and trials):

``velocity(states..., inputs..., matrices..., params...)``
    The right-hand side: one stacked matrix product per distinct presynaptic
    expression, elementwise work otherwise.
``linearisation(...)``
    The non-zero unit-level derivatives (local block, field coefficients and
    presynaptic slopes) from which the Jacobian is assembled as diagonal blocks
    plus ``diag · J · diag`` products, in the order of :class:`NetworkKernels`.
``fields(...)``
    The recurrent fields alone.
``presynaptic(...)`` and ``velocity_linearisation(states..., inputs..., fields..., params...)``
    The same quantities split at the matrix products, for a caller that does the
    products itself (the tangent step of
    :meth:`validation.network.Network.velocity_and_tangent`, which multiplies each
    stacked matrix once by the state's presynaptic values and the tangent vectors' side
    by side): ``presynaptic`` gives, without any product, the presynaptic value of each
    stacked matrix and the presynaptic slopes; ``velocity_linearisation`` takes the
    fields as arguments and gives the velocity, the local block and the field
    coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from types import ModuleType

import sympy as sp

from .._version import __version__
from ..derive.unit import UnitDynamics, unit_dynamics
from ..models.model import Model
from .emit import FieldProduct, emit_function
from .load import load_source
from .printer import PRINTER_VERSION

__all__ = ["NetworkKernels", "network_kernels"]


@dataclass(frozen=True)
class NetworkKernels:
    """Generated kernels of a model and the structure needed to use them.

    Attributes
    ----------
    module : ModuleType
        The generated module (``module.__source__`` holds its source).
    unit : UnitDynamics
        The symbolic unit dynamics it was generated from.
    args : tuple of str
        Argument names of ``velocity``, ``linearisation``, ``fields`` and
        ``presynaptic``, in order: states, inputs, stacked matrices, parameters.
    field_args : tuple of str
        Argument names of ``velocity_linearisation``: states, inputs, fields (model
        order), parameters.
    group_fields : tuple of tuple of int
        For each stacked matrix, the fields (model order) it stacks.
    local_keys, coefficient_keys, slope_keys : tuple of (int, int)
        Order of the arrays returned by ``linearisation``; ``presynaptic`` returns one
        presynaptic value per stacked matrix, then the slopes in ``slope_keys`` order;
        ``velocity_linearisation`` the velocities, then the ``local_keys`` and
        ``coefficient_keys`` arrays.
    """

    module: ModuleType
    unit: UnitDynamics
    args: tuple
    field_args: tuple
    group_fields: tuple
    local_keys: tuple
    coefficient_keys: tuple
    slope_keys: tuple

    @property
    def source(self) -> str:
        return self.module.__source__


@lru_cache(maxsize=64)
def network_kernels(model: Model, active_inputs: frozenset = frozenset()) -> NetworkKernels:
    """Generate (once per model) and load the network kernels of ``model``.

    Inputs not in ``active_inputs`` are set to zero in the generated expressions
    (their arguments remain, unused), so a network without inputs pays nothing for them.
    """
    u = unit_dynamics(model)
    zero = {s: 0 for s in u.inputs if str(s) not in active_inputs}
    if zero:
        u = replace(u, velocity=tuple(e.subs(zero) for e in u.velocity),
                    local={k: e.subs(zero) for k, e in u.local.items()},
                    field_coefficient={k: e.subs(zero) for k, e in u.field_coefficient.items()})
    states = [str(s) for s in u.states]
    inputs = [str(s) for s in u.inputs]
    mats = [f"W{i}" for i in range(len(u.groups))]
    params = [str(s) for s in u.parameters]
    args = states + inputs + mats + params
    products = [FieldProduct(mats[i], g, tuple(u.fields[f] for f in members))
                for i, (g, members) in enumerate(u.groups)]

    vel_src = emit_function(
        "velocity", args, [(f"d{s}", e) for s, e in zip(states, u.velocity)],
        products=products,
        doc="Time derivatives of every state variable; arrays of shape (N,) or (N, B).")
    local_keys = tuple(sorted(u.local))
    coef_keys = tuple(sorted(u.field_coefficient))
    slope_keys = tuple(sorted(u.presynaptic_slope))
    outputs = ([(f"dF{k}_dx{l}", u.local[(k, l)]) for k, l in local_keys]
               + [(f"dF{k}_deta{f}", u.field_coefficient[(k, f)]) for k, f in coef_keys]
               + [(f"dg{g}_dx{l}", u.presynaptic_slope[(g, l)]) for g, l in slope_keys])
    needs_fields = any(e.free_symbols & set(u.fields) for _, e in outputs)
    lin_src = emit_function(
        "linearisation", args, outputs, products=products if needs_fields else (),
        doc="Non-zero unit-level derivatives: local block, field coefficients, "
            "presynaptic slopes.")
    fields_src = emit_function(
        "fields", args, [(str(f), f) for f in u.fields], products=products,
        doc="The recurrent fields eta_f = J^f g_f(x), one array per field.")
    header = (f'"""Network kernels generated by meanfield {__version__} for model '
              f'{model.name!r}.\n\nmodel hash {model.hash}\nsympy {sp.__version__}, '
              f'printer {PRINTER_VERSION}\nactive inputs: {sorted(active_inputs) or "none"}\n"""\n'
              "import numpy as np\nimport scipy.special as sc\n\n\n")
    # the same split at the products, for callers that do the products themselves
    pre_src = emit_function(
        "presynaptic", args,
        [(f"_pre{i}", g) for i, (g, _) in enumerate(u.groups)]
        + [(f"dg{g}_dx{l}", u.presynaptic_slope[(g, l)]) for g, l in slope_keys],
        doc="Presynaptic value of each stacked matrix, then the presynaptic slopes "
            "(no matrix products).")
    field_args = states + inputs + [str(f) for f in u.fields] + params
    at_fields_src = emit_function(
        "velocity_linearisation", field_args,
        [(f"d{s}", e) for s, e in zip(states, u.velocity)]
        + outputs[:len(local_keys) + len(coef_keys)],
        doc="Velocities, local block and field coefficients at given fields "
            "(no matrix products).")
    source = (header + vel_src + "\n\n" + lin_src + "\n\n" + fields_src + "\n\n" + pre_src
              + "\n\n" + at_fields_src)
    tag = "_".join(sorted(active_inputs))
    module = load_source(source, f"network_{model.name}_{model.hash[:12]}_{tag}")
    return NetworkKernels(module=module, unit=u, args=tuple(args), field_args=tuple(field_args),
                          group_fields=tuple(m for _, m in u.groups), local_keys=local_keys,
                          coefficient_keys=coef_keys, slope_keys=slope_keys)
