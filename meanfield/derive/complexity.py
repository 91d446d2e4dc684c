r"""Kac–Rice topological complexity: the map whose zeros are the fixed points (spec section 6).

At a fixed point every unit solves :math:`F(x, \eta) = 0`, so :math:`x = x^*(\eta)`
(:mod:`meanfield.derive.fixed_point`), and the fields obey
:math:`\eta_f = J^f \hat g_f(\eta)` with the *fixed-point presynaptic map*

.. math:: \hat g_f(\eta) = g_f\big(x^*(\eta)\big) .

Fixed points of the network and solutions :math:`\eta \in \mathbb R^{mN}` of
:math:`\eta = W \hat g(\eta)`, :math:`W = \oplus_f J^f`, are in one-to-one
correspondence (the positive factors of the velocity, such as an update gate, and
the time constants drop out of the count). Kac–Rice counts the latter:

.. math::
   \mathbb E\,\# = \int d\eta\;
   \mathbb E\big[\,|\det(1 - W\Gamma)|\;\delta(\eta - W\hat g(\eta))\big],
   \qquad \Gamma_{ff'} = \partial \hat g_f / \partial \eta_{f'} ,

with :math:`\Gamma` the per-unit :math:`m\times m` block (it equals
:math:`G(0)` of :mod:`meanfield.derive.jacobian`). This module derives
:math:`\hat g` and :math:`\Gamma` symbolically and drops *inactive* fields: a field
on which no :math:`\hat g` depends (the update gate's :math:`\eta_z`) has a zero column
in :math:`\Gamma`, its marginal stays the prior Gaussian and it contributes nothing.
The variational problem built on these is solved in :mod:`meanfield.solve.complexity`.

General: any model of the family whose unit fixed point is explicit in its fields and
whose fields each have their own coupling matrix. Not general: fields that share one
coupling matrix (then the blocks of W are correlated) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .._errors import ModelSyntaxError
from ..models.library import get_model
from ..models.model import Model
from .derivation import Derivation, Equation
from .fixed_point import fixed_point_theory, variance_symbol
from .unit import unit_dynamics

__all__ = ["ComplexityTheory", "complexity_theory", "derive_complexity"]


@dataclass(frozen=True)
class ComplexityTheory:
    """Symbolic ingredients of the Kac–Rice complexity of one model.

    Attributes
    ----------
    fields : tuple of Symbol
        The active fields (those some :math:`\\hat g_f` depends on), in model order.
    inactive : tuple of Symbol
        Fields that feed back into nothing at a fixed point (dropped).
    presynaptic : tuple of Expr
        :math:`\\hat g_f(\\eta)` of each active field, in the active fields only.
    gamma : sympy.Matrix
        :math:`\\Gamma_{ff'} = \\partial\\hat g_f/\\partial\\eta_{f'}` over the active fields.
    variances : tuple of Symbol
        ``q_<field>`` of each active field.
    """

    model: Model
    fields: tuple
    inactive: tuple
    presynaptic: tuple
    gamma: sp.Matrix
    variances: tuple


@lru_cache(maxsize=32)
def complexity_theory(model: Model) -> ComplexityTheory:
    """Derive the fixed-point map :math:`\\hat g(\\eta)` and its Jacobian of ``model``."""
    couplings = [f.coupling for f in model.fields]
    shared = sorted({c for c in couplings if couplings.count(c) > 1})
    if shared:
        raise ModelSyntaxError(
            f"model {model.name!r}: coupling(s) {shared} feed more than one field; the "
            "Kac-Rice complexity needs one independent coupling matrix per field")
    u = unit_dynamics(model)
    fp = fixed_point_theory(model)
    at_fp = dict(fp.unit_fixed_point)
    at_fp.update({s: 0 for s in u.inputs})
    ghat_all = [sp.simplify(sp.sympify(g).xreplace(at_fp)) for g in u.presynaptic]
    used = set().union(*(g.free_symbols for g in ghat_all)) if ghat_all else set()
    active = tuple(f for f in u.fields if f in used)
    inactive = tuple(f for f in u.fields if f not in used)
    index = {f: i for i, f in enumerate(u.fields)}
    ghat = tuple(ghat_all[index[f]] for f in active)
    gamma = sp.Matrix(len(active), len(active),
                      lambda i, j: sp.simplify(sp.diff(ghat[i], active[j])))
    q = tuple(variance_symbol(str(f)) for f in active)
    return ComplexityTheory(model=model, fields=active, inactive=inactive, presynaptic=ghat,
                            gamma=gamma, variances=q)


def derive_complexity(model: str | Model) -> Derivation:
    """The Kac–Rice complexity equations of ``model`` as a :class:`Derivation`."""
    model = get_model(model)  # a shipped name, a model file or a Model
    th = complexity_theory(model)
    sub = [str(f).removeprefix("eta_") for f in th.fields]
    maps = [Equation(sp.Symbol(f"ghat_{s}"), g, "presynaptic function at the unit fixed point")
            for s, g in zip(sub, th.presynaptic)]
    gam = [Equation(sp.Symbol(f"Gamma_{{{sub[i]}{sub[j]}}}"), th.gamma[i, j])
           for i in range(th.gamma.rows) for j in range(th.gamma.cols) if th.gamma[i, j] != 0]
    p = [sp.Symbol(f"u_{s}", nonnegative=True) for s in sub]
    a = [sp.Symbol(f"v_{s}", nonnegative=True) for s in sub]
    mu = [sp.Symbol(f"mu_{s}", real=True) for s in sub]
    P, A = sp.diag(*p), sp.diag(*a)
    D = sp.Function("det")(sp.eye(len(sub)) + P * th.gamma.T * A * th.gamma)
    rho, E = sp.Function("rho"), sp.Function("E_rho")
    eta = sp.Tuple(*th.fields)
    prior = sp.Mul(*(sp.exp(-f ** 2 / (2 * q)) for f, q in zip(th.fields, th.variances)))
    tilt = sp.exp(sum(m * g ** 2 for m, g in zip(mu, th.presynaptic)))
    var = [Equation(q, E(g ** 2), "variance of the Gaussian field W ghat")
           for q, g in zip(th.variances, th.presynaptic)]
    sigma = sp.Symbol("Sigma")
    L = sp.Symbol("L")
    density = [Equation(rho(eta), prior * sp.sqrt(D) * tilt / sp.Symbol("Z"),
                        "optimal empirical law of the fields at a fixed point")]
    logdet = [Equation(L, (E(sp.log(D)) - sum(pi * ai for pi, ai in zip(p, a))) / 2,
                       "(1/N) log|det(1 - W Gamma)|, stationary in u, v (0 if rho(M(0)) <= 1)")]
    total = [Equation(sigma, L - sp.Function("KL")(rho(eta), sp.Symbol("N_q")),
                      "sup over rho, relative entropy to N(0, q); = log Z - mu.q - u.v/2 "
                      "at the saddle point")]
    return Derivation(model.name, "Kac-Rice topological complexity (annealed)", (
        ("Fixed-point presynaptic map (active fields)", tuple(maps)),
        ("Its Jacobian Gamma = d ghat / d eta (= G(0))", tuple(gam)),
        ("Field variances", tuple(var)),
        ("Tilted density", tuple(density)),
        ("Log-determinant (hermitised, block variance profile)", tuple(logdet)),
        ("Complexity", tuple(total)),
    ))
