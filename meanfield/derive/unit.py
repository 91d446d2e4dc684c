r"""The dynamics and the linearisation of one unit, from which the network's are built.

For one unit with state :math:`x = (x_1..x_n)`, fields :math:`\eta_f` and
inputs :math:`I`, the model gives :math:`\dot x_k = F_k(x, \eta, I)` with
:math:`\eta_f = \sum_j J^f_{ij} g_f(x_j)`. The Jacobian of the N-unit network
then has the block structure

.. math::
    \frac{\partial \dot x_{k,i}}{\partial x_{l,j}}
      = \delta_{ij} \frac{\partial F_k}{\partial x_l}
      + \sum_f \frac{\partial F_k}{\partial \eta_f}\Big|_i J^f_{ij}
               \frac{\partial g_f}{\partial x_l}\Big|_j ,

so three families of unit-level derivatives describe it completely: the
*local* block :math:`\partial F_k/\partial x_l`, the *field coefficients*
:math:`\partial F_k/\partial\eta_f`, and the *presynaptic slopes*
:math:`\partial g_f/\partial x_l`. They are derived here once, symbolically,
and never per neuron.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..models.model import Model

__all__ = ["UnitDynamics", "unit_dynamics"]


@dataclass(frozen=True)
class UnitDynamics:
    """Unit-level velocity and its derivatives for one model (functions expanded).

    Attributes
    ----------
    model : Model
    states : tuple of Symbol
        The unit's state variables, in the model's order.
    fields : tuple of Symbol
        The field symbols, in the model's order.
    inputs : tuple of Symbol
    velocity : tuple of Expr
        :math:`F_k = \\dot x_k` for each state.
    presynaptic : tuple of Expr
        :math:`g_f` for each field.
    groups : tuple of (Expr, tuple of int)
        Distinct presynaptic expressions and the fields that share each one; fields of
        one group are computed with one stacked matrix product.
    local : dict of (int, int) to Expr
        Non-zero :math:`\\partial F_k / \\partial x_l`.
    field_coefficient : dict of (int, int) to Expr
        Non-zero :math:`\\partial F_k / \\partial \\eta_f`, keyed ``(k, f)``.
    presynaptic_slope : dict of (int, int) to Expr
        Non-zero :math:`\\partial g_f / \\partial x_l` per group, keyed ``(group, l)``.
    """

    model: Model
    states: tuple
    fields: tuple
    inputs: tuple
    parameters: tuple
    velocity: tuple
    presynaptic: tuple
    groups: tuple
    local: dict
    field_coefficient: dict
    presynaptic_slope: dict


@lru_cache(maxsize=64)
def unit_dynamics(model: Model) -> UnitDynamics:
    """Derive the unit-level velocity and linearisation of ``model``."""
    S = model.symbols
    states = tuple(S[v.name] for v in model.variables)
    fields = tuple(S[f.name] for f in model.fields)
    inputs = tuple(S[n] for n in model.inputs)
    params = tuple(S[p] for p in model.parameter_names)
    velocity = tuple(_simplify(model.velocity(v.name)) for v in model.variables)
    presyn = tuple(_simplify(model.expand(f.presynaptic)) for f in model.fields)

    groups: list[tuple[sp.Expr, list[int]]] = []
    for i, g in enumerate(presyn):
        for expr, members in groups:
            if sp.simplify(expr - g) == 0:
                members.append(i)
                break
        else:
            groups.append((g, [i]))

    local = {}
    for k, F in enumerate(velocity):
        for l, x in enumerate(states):
            d = _simplify(sp.diff(F, x))
            if d != 0:
                local[(k, l)] = d
    coef = {}
    for k, F in enumerate(velocity):
        for f, eta in enumerate(fields):
            d = _simplify(sp.diff(F, eta))
            if d != 0:
                coef[(k, f)] = d
    slope = {}
    for gi, (g, _) in enumerate(groups):
        for l, x in enumerate(states):
            d = _simplify(sp.diff(g, x))
            if d != 0:
                slope[(gi, l)] = d
    return UnitDynamics(model=model, states=states, fields=fields, inputs=inputs,
                        parameters=params, velocity=velocity, presynaptic=presyn,
                        groups=tuple((g, tuple(m)) for g, m in groups), local=local,
                        field_coefficient=coef, presynaptic_slope=slope)


def _simplify(expr: sp.Expr) -> sp.Expr:
    # Light, predictable simplification: expanding would destroy the factored
    # form (and the operation count) of gated products, so only cancel trivial terms.
    return sp.sympify(expr).doit()
