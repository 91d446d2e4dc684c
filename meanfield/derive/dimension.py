"""The participation ratio of chaotic activity: the equations of the equivalent linear
network, derived from the model (solved by :mod:`meanfield.solve.dimension`)."""

from __future__ import annotations

import sympy as sp

from ..models import Model, get_model
from .derivation import Derivation, Equation
from .dmft import Average, T, _at, _cond_text, dmft_theory
from .unit import unit_dynamics

__all__ = ["derive_dimension"]

OMEGA = sp.Symbol("omega", real=True)
OMEGA_PRIME = sp.Symbol("nu", real=True)


def _short(eta) -> str:
    name = str(eta)
    return name.removeprefix("eta_")


def default_observable(model: Model) -> int | None:
    """Index of the field whose presynaptic function is the default observable: one
    function of one state variable (the rates phi(h) of the shipped models), judged on the
    model's expression (at alpha_r = 0 the gate of s_r(r) phi(h) is a constant, but the
    expression still has two states); with several, the first by coupling name
    (J1 @ phi(h) + J2 @ psi(h): phi), as the fields' own order is the parser's. None when
    there is none."""
    u = unit_dynamics(model)
    states = set(u.states)
    single = [f for f, g in enumerate(u.presynaptic) if len(g.free_symbols & states) == 1]
    return min(single, key=lambda f: model.fields[f].coupling, default=None)


def derive_dimension(model: str | Model) -> Derivation:
    """Outputs, their mean linear responses to the fields, the corner equations and the
    participation ratio of ``model`` (the observable: the first presynaptic function of
    one state variable, as :func:`meanfield.solve.dimension.participation_ratio`)."""
    model = get_model(model)
    th = dmft_theory(model)
    u = unit_dynamics(model)
    fields = [_short(e) for e in u.fields]
    obs = default_observable(model)
    outputs = [(f"y_{name}", th.presynaptic[f]) for f, name in enumerate(fields)]
    if obs is not None:
        outputs.append(("y_o", th.presynaptic[obs]))

    rows = [Equation(sp.Symbol(name), g, f"presynaptic function of field {u.fields[f]}"
                     if name != "y_o" else "the observable (the rates)")
            for f, (name, g) in enumerate(outputs)]

    response = []
    R = {}
    for pname, g in outputs:
        for f, eta in enumerate(u.fields):
            terms, notes = sp.Integer(0), []
            for ff in th.filters:
                if ff.rate is None or f not in ff.gains:
                    continue
                slope = sp.diff(g, ff.state)
                if slope == 0:
                    continue
                terms += Average(_at(slope, u, T)) * ff.gains[f] / (ff.rate + sp.I * OMEGA)
                if ff.condition:
                    notes.append(f"{ff.state} a linear filter at {_cond_text(ff.condition)}")
            if terms == 0:
                continue
            sym = sp.Function(f"R_{pname[2:]},{fields[f]}")
            R[(pname, f)] = sym
            response.append(Equation(sym(OMEGA), terms,
                                     f"mean response of {pname} to {eta} (slope averaged "
                                     "over the stationary Gaussian state)"
                                     + (f"; {', '.join(notes)}" if notes else "")))

    # where a state is not a linear filter of a Gaussian field (the gated h at
    # alpha_z != 0) the responses are measured on the sampled single-site process: its
    # tangent, driven by a white noise xi_f in one field, cross-correlated with xi_f
    tau = sp.Symbol("tau", nonnegative=True)
    uf = {k: sp.Function(f"u_{x}") for k, x in enumerate(u.states)}
    xi = {f: sp.Function(f"xi_{name}") for f, name in enumerate(fields)}
    tangent = []
    for k, x in enumerate(u.states):
        rhs = sum((_at(c, u, T) * uf[l](T) for (kk, l), c in u.local.items() if kk == k),
                  sp.Integer(0))
        rhs += sum((_at(c, u, T) * xi[f](T) for (kk, f), c in u.field_coefficient.items()
                    if kk == k), sp.Integer(0))
        tangent.append(Equation(sp.Derivative(uf[k](T), T), rhs,
                                f"tangent of {x}, the unit's fields held fixed"))
    for pname, g in outputs:
        grad = sum((sp.diff(g, x) * uf[k](T + tau) for k, x in enumerate(u.states)),
                   sp.Integer(0))
        for f, eta in enumerate(u.fields):
            tangent.append(Equation(
                sp.Function(f"R_{pname[2:]},{fields[f]}")(tau),
                Average(_at(grad, u, T + tau) * xi[f](T)),
                f"mean impulse response of {pname} to {eta}: the tangent driven by a unit "
                f"white noise xi_{fields[f]} in {eta} alone (sampling method)"))

    corner = []
    v = {name: sp.Function(f"v_{name[2:]}") for name, _ in outputs}
    for f, eta in enumerate(u.fields):
        name = f"y_{fields[f]}"
        rhs = sum((sp.conjugate(R[(p, f)](OMEGA)) * R[(p, f)](OMEGA_PRIME)
                   * v[p](OMEGA, OMEGA_PRIME) for p, _ in outputs if (p, f) in R),
                  sp.Integer(0))
        corner.append(Equation(v[name](OMEGA, OMEGA_PRIME), rhs,
                               f"field {eta}'s corner: the observable fed back through "
                               f"{model.fields[f].coupling} (units with a static input: "
                               f"the products of R averaged over the units)"))
    if obs is not None:
        corner.append(Equation(v["y_o"](OMEGA, OMEGA_PRIME), sp.Integer(1),
                               "the observable feeds no field"))
    # a field no output responds to has an empty corner: its terms drop from the trace
    zero = {e.lhs.func for e in corner if e.rhs == 0}

    S = {(a, b): sp.Function(f"S_{a[2:]},{b[2:]}") for a, _ in outputs for b, _ in outputs}
    trace = sum((S[(a, b)](OMEGA) * v[b](OMEGA, OMEGA_PRIME) * S[(b, a)](OMEGA_PRIME)
                 * v[a](OMEGA_PRIME, OMEGA) for a, _ in outputs for b, _ in outputs
                 if v[a] not in zero and v[b] not in zero), sp.Integer(0))
    c0 = sp.Symbol("c_0")
    pr = [Equation(sp.Function("T")(OMEGA, OMEGA_PRIME), trace,
                   "(1/N) tr[E C(omega) E C(nu)]: planar pairings of the couplings; S "
                   "the single-site spectra of the outputs' fluctuations (units with a "
                   "static input: the trace averaged over it, S and S' of the same unit)"),
          Equation(sp.Symbol("PR") / sp.Symbol("N"),
                   c0 ** 2 / sp.Integral(sp.Function("T")(OMEGA, OMEGA_PRIME)
                                         / (4 * sp.pi ** 2), (OMEGA, -sp.oo, sp.oo),
                                         (OMEGA_PRIME, -sp.oo, sp.oo)),
                   "c_0 = S_o,o integrated: the observable's temporal variance")]
    return Derivation(model.name, "Participation ratio of chaotic activity (linear "
                      "equivalence)",
                      (("Outputs of one unit", tuple(rows)),
                       ("Mean linear responses (Gaussian case)", tuple(response)),
                       ("Mean linear responses, any unit (sampled tangent process)",
                        tuple(tangent)),
                       ("Corners (planar average over the couplings)", tuple(corner)),
                       ("Participation ratio", tuple(pr))))
