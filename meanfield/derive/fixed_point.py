r"""Static mean-field theory: the self-consistent variances at a fixed point (spec section 2).

At a fixed point each unit solves :math:`F(x, \eta) = 0` for its state
:math:`x^*(\eta)` given its fields. For :math:`N\to\infty` the fields of
independent coupling matrices are independent centred Gaussians whose
variances :math:`q_f` obey

.. math:: q_f = \big\langle g_f(x^*(\eta))^2 \big\rangle_{\eta_{f'} \sim \mathcal N(0, q_{f'})},

with :math:`g_f` the field's presynaptic function. Everything here is derived
from the model's own equations; the gated model is not special-cased. Where
:math:`x^*(\eta)` has no closed form it is kept as a root of one scalar equation
(:mod:`meanfield.derive.implicit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .._errors import ModelSyntaxError
from ..models.library import get_model
from ..models.model import Model
from .derivation import Derivation, Equation
from .gaussian import expectation
from .implicit import UnitRoot, unit_root_node
from .unit import unit_dynamics

__all__ = ["FixedPointTheory", "fixed_point_theory", "derive_fixed_point"]


@dataclass(frozen=True)
class FixedPointTheory:
    """Symbolic static mean-field theory of a model.

    Attributes
    ----------
    fields : tuple of Symbol
        The Gaussian fields.
    variances : tuple of Symbol
        Their variances ``q_<field>``.
    unit_fixed_point : dict of Symbol to Expr
        Each state variable at a unit's fixed point as a function of the fields.
    variance_map : tuple of Expr
        Right-hand sides of the self-consistency ``q_f = variance_map[f](q)``.
    state_variance : dict of str to Expr
        Second moment of each state variable at the fixed point (its variance
        across units; the mean vanishes for N -> infinity).
    distribution : dict of Symbol to Symbol
        Field -> its variance symbol.
    """

    model: Model
    fields: tuple
    variances: tuple
    unit_fixed_point: dict
    variance_map: tuple
    state_variance: dict
    distribution: dict


def variance_symbol(field_name: str) -> sp.Symbol:
    """``eta_h`` -> ``q_h``: the variance of a field."""
    return sp.Symbol("q_" + field_name.removeprefix("eta_"), positive=True)


@lru_cache(maxsize=32)
def fixed_point_theory(model: Model) -> FixedPointTheory:
    """Derive the static mean-field theory of ``model`` (static inputs set to zero)."""
    u = unit_dynamics(model)
    zero_inputs = {s: 0 for s in u.inputs}
    velocity = [sp.sympify(F).subs(zero_inputs) for F in u.velocity]
    solution = _solve_unit_fixed_point(model, velocity, u.states)
    fields = u.fields
    q = tuple(variance_symbol(str(f)) for f in fields)
    dist = dict(zip(fields, q))
    vmap = []
    for f in range(len(fields)):
        g = u.presynaptic[f].xreplace(solution)
        vmap.append(expectation(g ** 2, dist))
    state_var = {str(x): expectation(solution[x] ** 2, dist) for x in u.states}
    return FixedPointTheory(model=model, fields=fields, variances=q, unit_fixed_point=solution,
                            variance_map=tuple(vmap), state_variance=state_var,
                            distribution=dist)


def _solve_unit_fixed_point(model, velocity, states):
    """Solve F(x, eta) = 0 for the unit's state, dropping factors that cannot vanish."""
    def vanishing_part(expr):
        factors = expr.args if isinstance(expr, sp.Mul) else (expr,)
        return sp.Mul(*[f for f in factors
                        if f.free_symbols & set(states) and not f.is_positive])

    eqs, plain = [], []
    for F0 in velocity:
        F = sp.factor_terms(sp.together(F0))
        num, _ = sp.fraction(F)
        eqs.append(vanishing_part(num))
        if eqs[-1] == 1:
            raise ModelSyntaxError(f"model {model.name!r}: a unit's velocity {F} cannot vanish; "
                                   "no fixed point exists")
        # the same without clearing denominators, for a root found numerically: the
        # numerator of -h + w h/(1 + |h|) + eta is not monotone in h where the velocity
        # is, and that of -h + w exp(-h^2) + eta overflows (exp(h^2))
        plain.append(vanishing_part(sp.factor_terms(F0)))
    try:
        sols = sp.solve(eqs, states, dict=True)
    except NotImplementedError:  # e.g. h = eta + w tanh(h): transcendental in h
        sols = []
    if len(sols) == 1 and set(sols[0]) == set(states):
        return {x: sp.simplify(sols[0][x]) for x in states}
    # No single closed form (none found, or several roots such as a cubic's): keep one
    # state as a root x*(eta) of one scalar equation, the others explicit in it.
    implicit = _implicit_fixed_point(eqs, plain, states)
    if implicit is None:
        raise ModelSyntaxError(
            f"model {model.name!r}: the fixed point of one unit, "
            f"{', '.join(f'{e} = 0' for e in eqs)}, is neither solvable for "
            f"{', '.join(map(str, states))} in closed form nor reducible to one scalar "
            "equation in one state; the static theory needs x*(eta); the simulator and "
            "the DMFT do not")
    return implicit


def _implicit_fixed_point(eqs, plain, states):
    """``{state: expr}`` with one state a :class:`~.implicit.UnitRoot` node, or None.

    Tries each (state, equation) pair: the other equations (``eqs``, denominators
    cleared) solved in closed form for the other states (exactly one solution),
    substituted into the chosen equation (its ``plain`` form), leave one equation
    R(x, eta) = 0 in the chosen state.
    """
    for x in states:
        others = [s for s in states if s != x]
        for i, eq in enumerate(plain):
            rest = eqs[:i] + eqs[i + 1:]
            if others:
                try:
                    sols = sp.solve(rest, others, dict=True)
                except NotImplementedError:
                    continue
                if len(sols) != 1 or set(sols[0]) != set(others):
                    continue
                explicit = {s: sp.simplify(e) for s, e in sols[0].items()}
            else:
                explicit = {}
            R = sp.factor_terms(eq.xreplace(explicit))
            if x not in R.free_symbols or R.free_symbols & set(others):
                continue
            root = unit_root_node(R, x)
            out = {s: e.xreplace({x: root}) for s, e in explicit.items()}
            out[x] = root
            return {s: out[s] for s in states}
    return None


def derive_fixed_point(model: str | Model) -> Derivation:
    """The static mean-field equations of ``model`` as a :class:`Derivation`."""
    model = get_model(model)  # a shipped name, a model file or a Model
    th = fixed_point_theory(model)
    normal = sp.Function("Normal")
    fields = [Equation(f, normal(0, q), "independent: one coupling matrix each")
              for f, q in th.distribution.items()]
    unit = [Equation(x, e, "unit fixed point, F(x, eta) = 0") for x, e in
            th.unit_fixed_point.items()]
    for e in th.unit_fixed_point.values():
        if isinstance(e, UnitRoot):  # no closed form: the equation that defines the root
            unit.append(Equation(e.equation.xreplace({e.variable: e}), sp.Integer(0),
                                 f"defines {e.variable}* (solved numerically; needs one "
                                 "root: the left-hand side monotone in "
                                 f"{e.variable})"))
    self_consistency = [Equation(q, m, "self-consistency") for q, m in
                        zip(th.variances, th.variance_map)]
    states = [Equation(sp.Symbol(f"Delta_{k}"), v,
                       f"<{k}^2> across units: the second moment (the variance where the "
                       "mean is zero, as with zero-mean couplings and no constant drive)")
              for k, v in th.state_variance.items()]
    return Derivation(model.name, "Static mean-field theory (fixed points)", (
        ("Gaussian fields at a fixed point", tuple(fields)),
        ("State of one unit", tuple(unit)),
        ("Variance equations", tuple(self_consistency)),
        ("State variances", tuple(states)),
    ))

