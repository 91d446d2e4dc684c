r"""The Jacobian's spectrum from the model's unit-level linearisation (spec section 3).

Write the linearised network for one unit as
:math:`\lambda\,\delta x = a\,\delta x + c\,u` with the local block
:math:`a = \partial F/\partial x`, the field coefficients
:math:`c = \partial F/\partial\eta` and the field perturbations
:math:`u_f = \sum_j J^f_{ij} (s_f\,\delta x)_j` (presynaptic slopes
:math:`s_f = \partial g_f/\partial x`). Eliminating every state variable per
unit, :math:`\delta x = (\lambda - a)^{-1} c\,u`, turns the eigenproblem into
:math:`u = \hat J\, G(\lambda)\, u` in field space, with the per-unit
:math:`m\times m` matrix

.. math:: G(\lambda) = S\,(\lambda - a)^{-1} C .

:math:`\hat J` is block-diagonal in independent i.i.d. matrices, so (by
hermitisation, as for the circular law with a variance profile) the spectrum
of :math:`\hat J G(\lambda)` fills a disc whose squared radius is the spectral
radius of the variance-profile matrix

.. math:: M_{ff'}(\lambda) = \big\langle |G_{ff'}(\lambda)|^2 \big\rangle ,

and :math:`\lambda` lies in the Jacobian's spectral support where
:math:`\rho(M(\lambda)) \ge 1`: the boundary is :math:`\rho(M(\lambda)) = 1`.
This is the field-space form of the spec's 2x2 matrix; for the gated network
at a fixed point the characteristic polynomial of :math:`M(0)` is
:math:`\mu^2 - a\mu - bc` with :math:`a = \langle s_r^2\phi'^2\rangle`,
:math:`b = \langle s_r'^2\phi^2\rangle`, :math:`c = \langle\phi'^2\rangle`, so
:math:`\rho = 1` exactly when :math:`a + bc = 1`, the spec's stability
condition. The poles of :math:`G` (the local rates, e.g. :math:`-s_z(z)`)
add the real segment they sweep to the support: the pile-up of slow modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..models.library import get_model
from ..models.model import Model
from .derivation import Derivation, Equation
from .fixed_point import fixed_point_theory
from .gaussian import expectation
from .unit import unit_dynamics

__all__ = ["SpectralTheory", "spectral_theory", "derive_spectrum", "LAMBDA"]

#: The (complex) eigenvalue symbol.
LAMBDA = sp.Symbol("lam", complex=True)


@dataclass(frozen=True)
class SpectralTheory:
    """Symbolic spectral theory of a model's Jacobian.

    Attributes
    ----------
    G : sympy.Matrix
        :math:`G(\\lambda)` at any unit state (in the unit's state, fields and parameters).
    G_fixed_point : sympy.Matrix
        :math:`G(\\lambda)` at a fixed point, in terms of the Gaussian fields.
    profile : dict of (int, int) to Expr
        Non-zero entries of :math:`M(\\lambda)` at a fixed point, in terms of the field
        variances and :math:`\\lambda`.
    local_rates : tuple of Expr
        Eigenvalues of the local block at a fixed point, as functions of the fields (the
        poles of G).
    local_rates_state : tuple of Expr
        Eigenvalues of the local block at any unit state.
    profile_zero : dict of (int, int) to Expr
        M(0) (same keys as ``profile``) from G(0), where the local rates cancel: in
        ``profile`` at lambda = 0 a rate that underflows to 0 (``s_z = sigmoid(alpha_z z)``
        at alpha_z = 1e3) gives 0/0, while s_z / (lambda + s_z) = 1 there for any s_z > 0.
    """

    model: Model
    G: sp.Matrix
    G_fixed_point: sp.Matrix
    profile: dict
    local_rates: tuple
    local_rates_state: tuple
    profile_zero: dict


@lru_cache(maxsize=32)
def spectral_theory(model: Model) -> SpectralTheory:
    """Derive :math:`G(\\lambda)` and the variance profile :math:`M(\\lambda)` of ``model``."""
    u = unit_dynamics(model)
    n, m = len(u.states), len(u.fields)
    a = sp.zeros(n, n)
    for (k, l), e in u.local.items():
        a[k, l] = e
    C = sp.zeros(n, m)
    for (k, f), e in u.field_coefficient.items():
        C[k, f] = e
    group_of = {f: g for g, (_, members) in enumerate(u.groups) for f in members}
    S = sp.zeros(m, n)
    for (g, l), e in u.presynaptic_slope.items():
        for f, gf in group_of.items():
            if gf == g:
                S[f, l] = e
    resolvent = _inverse(LAMBDA * sp.eye(n) - a)
    G = (S * resolvent * C).applyfunc(sp.factor_terms)

    th = fixed_point_theory(model)
    at_fp = dict(th.unit_fixed_point)
    at_fp.update({s: 0 for s in u.inputs})
    G_fp = G.applyfunc(lambda e: sp.simplify(e.subs(at_fp)))
    profile, profile_zero = {}, {}
    for f in range(m):
        for f2 in range(m):
            if G_fp[f, f2] != 0:
                profile[(f, f2)] = expectation(sp.Abs(G_fp[f, f2]) ** 2, th.distribution)
                G0 = G_fp[f, f2].subs(LAMBDA, 0)
                profile_zero[(f, f2)] = expectation(sp.Abs(G0) ** 2, th.distribution)
    a_fp = a.subs(at_fp)
    rates = tuple(sp.simplify(r) for r in _eigenvalues(a_fp))
    rates_state = tuple(sp.simplify(r) for r in _eigenvalues(a))
    return SpectralTheory(model=model, G=G, G_fixed_point=G_fp, profile=profile,
                          local_rates=rates, local_rates_state=rates_state,
                          profile_zero=profile_zero)


def _inverse(A: sp.Matrix) -> sp.Matrix:
    # block-triangular local blocks are the rule: LU keeps the result compact
    return A.inv(method="LU").applyfunc(sp.cancel)


def _eigenvalues(a: sp.Matrix):
    if a.is_lower or a.is_upper:
        return list(a.diagonal())
    return list(a.eigenvals(multiple=True))


def derive_spectrum(model: str | Model) -> Derivation:
    """The spectral equations of ``model`` as a :class:`Derivation`."""
    model = get_model(model)  # a shipped name, a model file or a Model
    th = spectral_theory(model)
    fields = unit_dynamics(model).fields
    sub = [str(f).removeprefix("eta_") for f in fields]
    G_rows = [Equation(sp.Symbol(f"G_{{{sub[i]}{sub[j]}}}"), th.G[i, j])
              for i in range(th.G.rows) for j in range(th.G.cols) if th.G[i, j] != 0]
    M_rows = [Equation(sp.Symbol(f"M_{{{sub[i]}{sub[j]}}}"), e, "<|G|^2> at a fixed point")
              for (i, j), e in th.profile.items()]
    rates = [Equation(sp.Symbol(f"p_{k}"), r, "pole of G, a local rate: adds a real segment")
             for k, r in enumerate(th.local_rates)]
    rho, M = sp.Function("rho"), sp.Function("M")
    boundary = [Equation(rho(M(LAMBDA)), sp.Integer(1),
                         "boundary of the spectral support; inside where rho > 1"),
                Equation(sp.Symbol("stability"), rho(M(0)),
                         "a fixed point is stable when < 1 (edge crosses 0 at 1)")]
    return Derivation(model.name, "Jacobian spectrum (random-matrix theory)", (
        ("Field-space resolvent G(lambda) = S (lambda - a)^-1 C (any state)", tuple(G_rows)),
        ("Variance profile M(lambda) at a fixed point", tuple(M_rows)),
        ("Poles (local rates) at a fixed point", tuple(rates)),
        ("Support", tuple(boundary)),
    ))
