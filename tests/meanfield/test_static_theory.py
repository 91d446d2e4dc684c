"""Static and spectral mean-field theory against independent values."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import meanfield as mf
from meanfield.codegen.quadrature import GaussHermite, Trapezoid
from meanfield.codegen.theory import theory_module
from meanfield.derive.gaussian import GaussianExpectation
from tests.reference import user_models
from tests.reference.static_theory import (additive_variance, gated_spec_stability_terms,
                                           gated_variance_map)


@pytest.mark.parametrize("g", [1.05, 1.5, 2.0, 4.0])
def test_additive_variance_equals_independent_quadrature(g):
    res = mf.fixed_point_branches("additive", g_h=g)
    assert [b.zero for b in res] == [True, False]
    assert res[1].variance["h"] == pytest.approx(additive_variance(g), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("g", [0.5, 0.9, 0.99])
def test_additive_below_unit_gain_has_only_the_stable_zero_fixed_point(g):
    res = mf.fixed_point_branches("additive", g_h=g)
    assert len(res) == 1 and res[0].zero and res[0].stable
    # circular law: the zero fixed point's support is the disc |lambda + 1| <= g
    assert res[0].edge == pytest.approx(-1 + g, abs=1e-9)
    assert res[0].stability == pytest.approx(g ** 2, rel=1e-12)


def test_zero_fixed_point_loses_stability_at_gain_one():
    below = mf.fixed_point_branches("additive", g_h=0.999)[0]
    above = mf.fixed_point_branches("additive", g_h=1.001)[0]
    assert below.stable and not above.stable
    assert below.edge < 0 < above.edge


@pytest.mark.parametrize("beta_z, beta_r, g_h", [(0.0, 0.0, 3.0), (1.0, -0.5, 4.0)])
def test_ungated_limit_is_the_additive_theory(beta_z, beta_r, g_h):
    s_z0, s_r0 = 1 / (1 + np.exp(beta_z)), 1 / (1 + np.exp(beta_r))
    gated = mf.fixed_point_branches("gated", g_h=g_h, alpha_z=0, alpha_r=0, beta_z=beta_z,
                                    beta_r=beta_r)
    q_u = additive_variance(g_h * s_r0)  # h = s_r(0) u with u the additive network
    assert gated[-1].variance["h"] == pytest.approx(s_r0 ** 2 * q_u, rel=1e-9)
    add = mf.fixed_point_branches("additive", g_h=g_h * s_r0)
    # h-block of the Jacobian is s_z(0) times the additive one
    assert gated[-1].bulk_edge == pytest.approx(s_z0 * add[-1].bulk_edge, rel=1e-7)


@pytest.mark.parametrize("params", [
    dict(g_h=3.0), dict(g_h=2.5, alpha_r=4.0, beta_r=0.5), dict(g_h=1.6, beta_h=0.3),
    dict(g_h=1.8, alpha_r=10.0), dict(g_h=2.2, beta_h=-0.4, alpha_r=12.0, beta_r=-1.0)])
def test_gated_branches_solve_the_spec_equations(params):
    res = mf.fixed_point_branches("gated", **params)
    p = mf.get_model("gated").resolve(params)
    for b in res:
        if b.zero:
            continue
        q_h, q_r = b.variance["h"], b.variance["r"]
        new_h, new_r = gated_variance_map(q_h, p)
        assert q_h == pytest.approx(new_h, rel=1e-8, abs=1e-12)
        assert q_r == pytest.approx(new_r, rel=1e-8, abs=1e-12)
        # M(0) in field space has characteristic polynomial mu^2 - a mu - b c (module
        # docstring of meanfield.derive.jacobian): rho = 1 exactly when a + b c = 1
        a, bb, c = gated_spec_stability_terms(q_h, q_r, p)
        rho = b.stability
        assert rho ** 2 - a * rho - bb * c == pytest.approx(0, abs=1e-8)
        assert (a + bb * c < 1) == b.stable


def test_steep_output_gate_gives_a_saddle_node_pair_below_unit_gain():
    """Spec section 6: at g_h s_r(0) = 0.9 < 1 and alpha_r = 10 two non-zero branches exist,
    both unstable, while the zero fixed point is stable."""
    res = mf.fixed_point_branches("gated", g_h=1.8, alpha_r=10)
    assert len(res) == 3
    assert res[0].zero and res[0].stable
    assert not res[1].stable and not res[2].stable
    assert 0 < res[1].variance["h"] < res[2].variance["h"]
    assert mf.fixed_point_branches("gated", g_h=1.8, alpha_r=2).branches[0].zero
    assert len(mf.fixed_point_branches("gated", g_h=1.8, alpha_r=2)) == 1


def test_erf_variant_matches_its_closed_form():
    """<erf(g x)^2> over N(0, q) = (2/pi) arcsin(2 g^2 q / (1 + 2 g^2 q)) (Williams 1997)."""
    m = mf.parse_model("name: erf-net\nparameters:\n  g = 2.0 | g > 0 | gain\n"
                       "equations:\n  dh/dt = -h + J @ erf(g*h)\n")
    res = mf.fixed_point_branches(m)
    from scipy.optimize import brentq
    closed = lambda q: 2 / np.pi * np.arcsin(2 * 4 * q / (1 + 2 * 4 * q)) - q  # noqa: E731
    q_star = brentq(closed, 1e-6, 2.0, xtol=1e-15)
    assert res[-1].variance["h"] == pytest.approx(q_star, rel=1e-9)


def test_user_variant_without_a_gate_derives_and_solves():
    text = ("name: softsign-update\nparameters:\n  g = 3 | g > 0 | gain\n"
            "  a = 2 | a >= 0 | gate\nfunctions:\n  phi(x) = g*x/(1 + abs(g*x))\n"
            "equations:\n  dh/dt = sigmoid(a*z) * (-h + J @ phi(h))\n"
            "  dz/dt = -z + K @ phi(h)\n")
    m = mf.parse_model(text)
    res = mf.fixed_point_branches(m)
    assert res.success and len(res) == 2
    d = mf.derive_fixed_point(m).to_text()
    assert "q_J" in d and "q_K" in d  # fields are named after their coupling matrices


@given(g=st.floats(0.2, 6), bh=st.floats(-1, 1), ar=st.floats(0, 20), br=st.floats(-2, 2),
       qh=st.floats(1e-3, 2), qr=st.floats(1e-3, 2))
@settings(max_examples=15)
def test_generated_code_equals_direct_sympy_evaluation(g, bh, ar, br, qh, qr):
    model = mf.get_model("gated")
    th = mf.fixed_point_theory(model)
    S = model.symbols
    values = {S["g_h"]: g, S["beta_h"]: bh, S["alpha_r"]: ar, S["beta_r"]: br,
              S["alpha_z"]: 1.0, S["beta_z"]: 0.0, S["tau_z"]: 1.0, S["tau_r"]: 1.0}
    qs = dict(zip(th.variances, [qh, 0.5, qr]))
    mod = theory_module(model)
    x, w = Trapezoid().nodes(641)
    got = mod.variance_map(qh, 0.5, qr, *(float(values[S[n]]) for n in mod.PARAMETERS), x, w)

    def direct(expr):  # each Gaussian average by mpmath's adaptive quadrature
        def integrate(node):
            (var,), (v,) = node.variables, node.variances
            f = sp.lambdify(var, node.integrand.subs(values), "mpmath")
            s = mpmath.sqrt(float(v.subs(qs)))
            return mpmath.quad(lambda u: f(s * u) * mpmath.npdf(u), [-mpmath.inf, 0, mpmath.inf])
        e = expr.replace(lambda n: isinstance(n, GaussianExpectation),
                         lambda n: sp.Float(float(integrate(n)), 30))
        return float(e.subs(values).subs(qs))

    for g_out, expr in zip(got, th.variance_map):
        assert float(g_out) == pytest.approx(direct(expr), rel=1e-9, abs=1e-13)


@pytest.mark.parametrize("rule", [Trapezoid(rtol=1e-10), GaussHermite(rtol=1e-8)])
@pytest.mark.parametrize("g, v", [(1.0, 0.5), (3.0, 1.0), (20.0, 0.3)])
def test_quadrature_meets_its_stated_accuracy(rule, g, v):
    f = lambda x, w: (np.sum(np.tanh(g * np.sqrt(v) * x) ** 2 * w),)  # noqa: E731
    (val,), est, K, met = rule.evaluate(f)
    exact = float(mpmath.quad(lambda u: mpmath.tanh(g * mpmath.sqrt(v) * u) ** 2 * mpmath.npdf(u),
                              [-mpmath.inf, 0, mpmath.inf]))
    if met:
        assert abs(val - exact) <= rule.atol + rule.rtol * abs(exact)
    else:  # an unmet target is reported, with an error estimate that does not understate
        assert isinstance(rule, GaussHermite) and est >= abs(val - exact)
    if isinstance(rule, Trapezoid):
        assert met  # the default rule reaches 1e-10 even for steep integrands (g = 20)


def test_trapezoid_needs_fewer_nodes_than_gauss_hermite_for_tanh():
    f = lambda x, w: (np.sum(np.tanh(3 * x) ** 2 * w),)  # noqa: E731
    K_tr = Trapezoid(rtol=1e-10).evaluate(f)[2]
    K_gh = GaussHermite(rtol=1e-10).evaluate(f)[2]
    assert K_tr < K_gh


def test_theory_module_is_cached_on_disk_and_readable(tmp_path, monkeypatch):
    monkeypatch.setenv("MEANFIELD_CACHE", str(tmp_path))
    from meanfield.codegen import cache

    src, path = cache.cached_source("abc", "theory", lambda: "X = 1\n")
    assert path.parent == tmp_path and path.read_text() == "X = 1\n"
    calls = []
    src2, _ = cache.cached_source("abc", "theory", lambda: calls.append(1) or "X = 2\n")
    assert src2 == "X = 1\n" and not calls  # served from disk, not regenerated
    assert cache.cache_key("abc", "theory") != cache.cache_key("abd", "theory")
    mod = theory_module(mf.get_model("additive"))
    assert "def variance_map" in mod.__source__ and "model hash" in mod.__source__


def test_bad_arguments():
    with pytest.raises(mf.ParameterError, match="no parameter"):
        mf.fixed_point_branches("gated", gamma=1)
    with pytest.raises(mf.ParameterError, match="q_max"):
        mf.fixed_point_branches("gated", q_max=-1)


def test_profile_in_chunks_equals_one_evaluation():
    """M(lambda) evaluated in chunks (complex grid, a grid of variances at lambda = 0,
    mixed broadcasting shapes) equals the single evaluation, for the gated model and a
    model whose nonlinearity is not smooth (the one that needs thousands of nodes)."""
    import dataclasses

    from meanfield.solve._theory import Theory

    odd = mf.parse_model(user_models.KINKED)
    x = np.linspace(-3.0, 1.0, 37)
    lam = x[None, :] + 1j * x[:, None]
    for model in (mf.get_model("gated"), odd):
        one = Theory(model, 257, chunk_bytes=1e15)
        many = dataclasses.replace(one, chunk_bytes=16 * 257 * 10)  # 10 points a chunk
        p = model.resolve(None)
        q = [np.asarray(0.8)] * one.m
        qg = [np.linspace(0.1, 2.0, 23)[:, None] * np.ones((1, 5))] * one.m
        for args in ((lam, q), (np.zeros((23, 5)), qg), (lam[:1, :5] + 0.5, qg)):
            a, b = many.profile(*args, p), one.profile(*args, p)
            assert a.shape == b.shape == np.broadcast(args[0], *args[1]).shape + (one.m,) * 2
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


def test_variance_map_in_chunks_sized_by_the_dimension_of_its_averages():
    """A two-dimensional average holds K**2 values per point: at the fixed-point scan's
    4000 variances and 641 nodes that was one temporary of 12 GiB, and the process was
    killed for memory (a probe, 2026-11-28). Chunks are sized by the module's
    AVERAGE_DIMENSION and give the single evaluation's values."""
    import dataclasses

    from meanfield.solve._theory import Theory

    post = mf.parse_model(user_models.POST_GATE)
    assert Theory(post).module.AVERAGE_DIMENSION == 2
    assert Theory(mf.get_model("gated")).module.AVERAGE_DIMENSION == 1
    one = Theory(post, 65, chunk_bytes=1e15)
    many = dataclasses.replace(one, chunk_bytes=8 * 65 ** 2 * 7)  # 7 points a chunk
    assert many._chunk(65, 8) == 7
    p = post.resolve(None)
    q = [np.linspace(0.05, 3.0, 40)[:, None], np.linspace(0.1, 2.0, 3)[None, :]]
    a, b = many.variance_map(q, p), one.variance_map(q, p)
    for x, y in zip(a, b):
        assert x.shape == (40, 3)
        np.testing.assert_allclose(x, y, rtol=1e-14, atol=0)


def test_every_derivation_takes_a_model_name_as_the_readme_shows():
    # README: print(mf.derive_fixed_point("gated")) raised AttributeError: 'str' object has
    # no attribute 'symbols' until 2026-11-27
    from meanfield.derive.complexity import derive_complexity
    from meanfield.derive.dmft import derive_dmft

    for f in (mf.derive_fixed_point, mf.derive_spectrum, derive_dmft, derive_complexity):
        assert f("gated").to_text() == f(mf.get_model("gated")).to_text()
    with pytest.raises(mf.UnknownModelError, match="unknown model 'no-such-model'"):
        mf.derive_fixed_point("no-such-model")


def test_a_function_of_a_sum_of_fields_is_averaged_as_one_gaussian():
    """<f(a x + b y)> over independent x ~ N(0, v), y ~ N(0, w) becomes a one-dimensional
    average with variance a^2 v + b^2 w (checked against a 2-D Gauss-Hermite sum written
    here); an integrand that depends on x and y otherwise stays two-dimensional."""
    from meanfield.derive.gaussian import expectation

    x, y = sp.symbols("x y", real=True)
    v, w, a, b = sp.symbols("v w a b", positive=True)
    f = sp.cos(a * x + b * y) ** 2 * sp.exp(-(a * x + b * y) ** 2 / 4)  # entire: GH exact
    e = expectation(f, {x: v, y: w})
    nodes = list(e.atoms(GaussianExpectation))
    assert len(nodes) == 1 and len(nodes[0].variables) == 1
    assert sp.simplify(nodes[0].variances[0] - (a ** 2 * v + b ** 2 * w)) == 0
    vals = {v: 0.7, w: 1.3, a: 1.5, b: -0.4}
    u, wt = np.polynomial.hermite_e.hermegauss(80)
    wt = wt / wt.sum()
    X = np.sqrt(0.7) * u[:, None]
    Y = np.sqrt(1.3) * u[None, :]
    S = 1.5 * X - 0.4 * Y
    ref = wt @ (np.cos(S) ** 2 * np.exp(-S ** 2 / 4)) @ wt
    node = nodes[0].subs(vals)
    t = node.variables[0]
    s = float(node.variances[0])
    one = wt @ sp.lambdify(t, node.integrand, "numpy")(np.sqrt(s) * u)
    assert one == pytest.approx(ref, rel=1e-10)
    mixed = expectation(sp.tanh(x) * sp.tanh(x + y), {x: v, y: w})
    assert all(len(n.variables) == 2 for n in mixed.atoms(GaussianExpectation))


def test_two_coupling_matrices_driving_one_variable_solve_fast_and_right():
    """dh/dt = -h + J1 phi(h) + k J2 psi(h): h* = eta_1 + k eta_2 is Gaussian with variance
    q_1 + k^2 q_2. The branches took 240 s as two-dimensional averages; they must agree
    with a direct solve of q_1 = <phi(h)^2>, q_2 = <psi(h)^2> written here."""
    m = mf.parse_model(user_models.TWO_COUPLINGS)
    res = mf.fixed_point_branches(m)
    b = res.branches[-1]
    from scipy.integrate import quad
    from scipy.optimize import fsolve

    def avg(f, var):  # <f(h)> for h ~ N(0, var), adaptive quadrature
        return quad(lambda z: f(np.sqrt(var) * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                    -12, 12, epsabs=1e-14, epsrel=1e-13, limit=200)[0]

    def residual(q):
        var = q[0] + 0.25 * q[1]
        return [avg(lambda h: np.tanh(2 * h) ** 2, var) - q[0],
                avg(lambda h: (h * h / (1 + h * h)) ** 2, var) - q[1]]

    q1, q2 = fsolve(residual, [b.field_variance["q_1"] * 1.1, 0.1], xtol=1e-13)
    assert b.variance["h"] == pytest.approx(q1 + 0.25 * q2, rel=1e-8)
    assert b.field_variance["q_1"] == pytest.approx(q1, rel=1e-8)
