"""The DMFT derivation: single-site process, Gaussian variables, stationary, tangent equations."""

import sympy as sp

import meanfield as mf
from meanfield.derive import derive_dmft, dmft_theory
from meanfield.derive.dmft import LAM, TAU, Average
from meanfield.models import get_model


def _rows(derivation, heading_start):
    for heading, eqs in derivation.sections:
        if heading.startswith(heading_start):
            return eqs
    raise AssertionError(f"no section {heading_start!r}")


def _fn(name):
    return sp.Function(name, real=True)


def _s_z_at_zero(model):
    """s_z(0) from the model's own definition (sigmoid(-beta_z) for the gated model)."""
    return model.functions["s_z"](0)


def test_gated_z_and_r_are_gaussian_h_only_at_alpha_z_zero():
    model = get_model("gated")
    th = dmft_theory(model)
    assert th.gaussian() == ("z", "r")
    assert th.condition("h") == ("alpha_z",)
    assert th.condition("z") == () and th.condition("r") == ()
    h = th.filters[0]
    assert not h.gaussian and h.state_rate.has(model.symbols["z"])
    s0 = _s_z_at_zero(model)
    assert sp.simplify(h.rate - s0) == 0 and sp.simplify(h.gains[0] - s0) == 0
    # z, r: rate and gain 1/tau from the model's time constants
    S = model.symbols
    assert th.filters[1].rate == 1 / S["tau_z"] and th.filters[2].gains == {2: 1 / S["tau_r"]}
    # h and r are driven by disjoint coupling matrices ({Jh, Jz} and {Jr}): g_h factorises
    assert th.sources[0] == {"Jh", "Jz"} and th.sources[2] == {"Jr"}
    const, blocks = th.factors[0]
    assert [b for b, _ in blocks] == [(0,), (2,)]


def test_gated_stationary_equation_for_h_at_alpha_z_zero():
    model = get_model("gated")
    d = derive_dmft(model)
    s0 = _s_z_at_zero(model)
    C_h, C_eta = _fn("C_h")(TAU), _fn("C_eta_h")(TAU)
    want_lhs = s0 ** 2 * C_h - sp.Derivative(C_h, (TAU, 2))
    rows = [e for e in _rows(d, "Stationary") if e.lhs == want_lhs]
    assert len(rows) == 1 and rows[0].rhs == s0 ** 2 * C_eta
    assert "alpha_z = 0" in rows[0].note
    # the field correlation of eta_h factorises: <phi phi> <s_r s_r>
    corr = [e for e in _rows(d, "Stationary") if e.lhs == C_eta][0]
    assert len(corr.rhs.atoms(Average)) == 2
    # the section listing Gaussian variables names the condition
    gauss = _rows(d, "Gaussian")
    assert any(e.lhs == model.symbols["alpha_z"] and e.rhs == 0 for e in gauss)
    text = d.to_text()
    assert "linear filter of eta_z: z is Gaussian" in text
    assert "linear filter of eta_r: r is Gaussian" in text
    assert "depends on z: h is not Gaussian" in text


def test_gated_tangent_equations():
    model = get_model("gated")
    d = derive_dmft(model)
    rows = _rows(d, "Tangent")
    s0 = _s_z_at_zero(model)
    k_h, k_r = _fn("k_h")(TAU), _fn("k_r")(TAU)
    Q_hh, Q_hr = _fn("Q_{h,h}")(TAU), _fn("Q_{h,r}")(TAU)
    lhs = (s0 + LAM) ** 2 * k_h - sp.Derivative(k_h, (TAU, 2))
    eq = [e for e in rows if e.lhs == lhs]
    assert len(eq) == 1
    assert sp.simplify(eq[0].rhs - s0 ** 2 * (Q_hh * k_h + Q_hr * k_r)) == 0
    # h is not Gaussian at alpha_z > 0: the general tangent equation, with the delta z term
    general = [e for e in rows if e.lhs == sp.Derivative(_fn("delta_h")(mf.derive.dmft.T),
                                                         mf.derive.dmft.T)]
    assert len(general) == 1 and general[0].rhs.has(_fn("delta_z")(mf.derive.dmft.T))
    # Q_{h,r} carries alpha_r^2: at alpha_z = alpha_r = 0 the Schrodinger form of the
    # classical network, with lambda = -s_z(0) + sqrt(s_z(0)^2 - E0)
    Q = {e.lhs: e.rhs for e in rows}
    assert Q[Q_hr].has(model.symbols["alpha_r"])
    lam = [e for e in rows if e.lhs == sp.Symbol("lambda_max")]
    assert len(lam) == 1 and "alpha_z = alpha_r = 0" in lam[0].note
    assert sp.simplify(lam[0].rhs - (-s0 + sp.sqrt(s0 ** 2 - sp.Symbol("E0_h")))) == 0


def test_additive_h_is_gaussian_and_gives_the_classical_lyapunov_exponent():
    model = get_model("additive")
    th = dmft_theory(model)
    assert th.gaussian() == ("h",) and th.condition("h") == ()
    d = derive_dmft(model)
    tau_h = model.symbols["tau_h"]
    C_h = _fn("C_h")(TAU)
    stationary = [e for e in _rows(d, "Stationary")
                  if e.lhs == C_h / tau_h ** 2 - sp.Derivative(C_h, (TAU, 2))]
    assert len(stationary) == 1
    assert stationary[0].rhs == _fn("C_eta_h")(TAU) / tau_h ** 2
    rows = _rows(d, "Tangent")
    lam = [e for e in rows if e.lhs == sp.Symbol("lambda_max")][0]
    E0 = sp.Symbol("E0_h")
    assert sp.simplify(lam.rhs.subs(tau_h, 1) - (-1 + sp.sqrt(1 - E0))) == 0
    # the potential is 1 - Q(tau) with Q = g_h^2 <phi'(h(t)) phi'(h(t+tau))>
    V = [e for e in rows if e.lhs == _fn("V_h")(TAU)][0]
    Q = [e for e in rows if e.lhs == _fn("Q_{h,h}")(TAU)][0]
    assert sp.simplify(V.rhs.subs(tau_h, 1) - (1 - Q.rhs)) == 0
    assert "Schrodinger" in d.to_text()


def test_user_defined_model_gets_a_derivation():
    model = mf.parse_model("""
name: cubic-gate
parameters:
    g = 2.0 | g > 0  | gain
    c = 0.5 | c >= 0 | cubic leak
    a = 1.0 | a >= 0 | gate sensitivity
equations:
    dx/dt = -x - c*x**3 + J @ (tanh(g*x) * sigmoid(a*y))
    dy/dt = -y + K @ tanh(g*x)
""")
    th = dmft_theory(model)
    assert th.gaussian() == ("y",) and th.condition("x") == ("c",)
    # x and y are driven by different coupling matrices: g_J factorises over them
    assert th.sources == ({"J"}, {"K"})
    assert [b for b, _ in th.factors[0][1]] == [(0,), (1,)]
    d = derive_dmft(model)
    text, latex = d.to_text(), d.to_latex()
    assert "x is a linear filter (Gaussian) when c = 0" in text
    assert "C_x(tau) - Derivative(C_x(tau), (tau, 2)) = C_eta_J(tau)" in text
    assert "C_y(tau) - Derivative(C_y(tau), (tau, 2)) = C_eta_K(tau)" in text
    assert "general tangent equation (x not Gaussian)" in text
    assert "(lam + 1)**2*k_y(tau) - Derivative(k_y(tau), (tau, 2)) = Q_{K,x}(tau)*k_x(tau)" in text
    assert r"\left\langle" in latex and r"\lambda" in latex


def test_fields_of_one_coupling_matrix_are_correlated_and_do_not_factorise():
    model = mf.parse_model("""
name: shared
parameters:
    g = 2.0 | g > 0 | gain
equations:
    dx/dt = -x + J @ (tanh(g*x) * y)
    dy/dt = -y + J @ tanh(y)
""")
    th = dmft_theory(model)
    assert th.gaussian() == ("x", "y") and th.sources == ({"J"}, {"J"})
    assert [b for b, _ in th.factors[0][1]] == [(0, 1)]
    text = derive_dmft(model).to_text()
    assert "same coupling matrix J, correlated fields" in text
    assert "one factor (x, y)" in text
    assert "general tangent equation (a field of it does not factorise" in text


def test_user_defined_model_without_a_gaussian_limit():
    model = mf.parse_model("""
name: saturating
parameters:
    g = 2.0 | g > 0 | gain
equations:
    dx/dt = -tanh(x) + J @ tanh(g*x)
""")
    th = dmft_theory(model)
    assert th.gaussian() == () and th.condition("x") == ()
    assert th.filters[0].rate is None
    text = derive_dmft(model).to_text()
    assert "no parameter set to 0 makes it a linear filter" in text
    assert "C_x(tau) = <x(t)*x(t + tau)>" in text
