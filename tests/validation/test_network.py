"""The generated network equals the spec's equations, its Jacobian equals finite
differences, and the additive limit is exact."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import meanfield as mf
from meanfield import ParameterError
from tests.reference.gated_numpy import gated_rhs
from validation import Network, simulate

GATED_PARAMS = st.fixed_dictionaries({
    "g_h": st.floats(0.05, 10), "beta_h": st.floats(-3, 3),
    "alpha_z": st.floats(0, 50), "beta_z": st.floats(-5, 5),
    "alpha_r": st.floats(0, 50), "beta_r": st.floats(-5, 5),
    "tau_z": st.floats(0.05, 20), "tau_r": st.floats(0.05, 20)})


@given(params=GATED_PARAMS, seed=st.integers(0, 2**16), scale=st.floats(0.01, 5))
def test_generated_rhs_equals_independent_numpy(params, seed, scale):
    N = 37
    net = Network("gated", N, seed=seed, params=params)
    y = net.initial_state(seed, scale=scale)
    J = net.couplings
    expected = np.stack(gated_rhs(*y, J["Jh"], J["Jz"], J["Jr"], params))
    got = net.velocity(y)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(params=GATED_PARAMS, seed=st.integers(0, 2**16))
def test_generated_rhs_with_inputs(params, seed):
    N = 23
    rng = np.random.default_rng(seed)
    I = {k: rng.standard_normal(N) for k in ("I_h", "I_z", "I_r")}
    net = Network("gated", N, seed=seed, params=params,
                  inputs={"I_h": I["I_h"], "I_z": lambda t: I["I_z"] * np.cos(t),
                          "I_r": I["I_r"]})
    y = net.initial_state(seed)
    J = net.couplings
    t = 0.7
    expected = np.stack(gated_rhs(*y, J["Jh"], J["Jz"], J["Jr"], params, I["I_h"],
                                  I["I_z"] * np.cos(t), I["I_r"]))
    np.testing.assert_allclose(net.velocity(y, t), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("model", mf.available_models())
@pytest.mark.parametrize("seed", [0, 1])
def test_jacobian_equals_central_differences(model, seed):
    rng = np.random.default_rng(seed)
    m = mf.get_model(model)
    params = {p.name: p.default for p in m.parameters}
    for name in params:  # move every parameter away from its default, inside the domain
        if name.startswith(("alpha", "tau", "g_")):
            params[name] = float(rng.uniform(0.5, 3))
        else:
            params[name] = float(rng.uniform(-1, 1))
    net = Network(m, 30, seed=seed, params=params)
    y = net.initial_state(seed)
    J = net.jacobian(y)
    eps = 1e-6
    flat = y.ravel()
    fd = np.empty_like(J)
    for c in range(flat.size):
        e = np.zeros_like(flat)
        e[c] = eps
        fd[:, c] = (net.velocity((flat + e).reshape(y.shape))
                    - net.velocity((flat - e).reshape(y.shape))).ravel() / (2 * eps)
    # central differences have error O(eps^2 |f'''|) + O(machine eps / eps) ~ 1e-9 here
    np.testing.assert_allclose(J, fd, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("model", mf.available_models())
def test_jacobian_vector_product_equals_dense(model):
    net = Network(model, 40, seed=3)
    y = net.initial_state(4)
    lin = net.linearise(y)
    J = lin.dense()
    V = np.random.default_rng(5).standard_normal((net.n_vars, net.N, 6))
    got = lin.matvec(V)
    for k in range(V.shape[2]):
        np.testing.assert_allclose(got[..., k].ravel(), J @ V[..., k].ravel(), atol=1e-12)
        np.testing.assert_allclose(lin.matvec(V[..., k]).ravel(), J @ V[..., k].ravel(),
                                   atol=1e-12)


#: user models beside the shipped ones: a linear presynaptic function (constant slope,
#: printed as a scalar) and a model without couplings (no products at all)
FUSED_USER_MODELS = [mf.parse_model("""
name: linear-two
parameters:
    a = 1.0 | a > 0 | decay rate
    g = 0.8 | g > 0 | coupling gain
functions:
    lin(x) = g*x
couplings:
    J, K ~ normal(0, 1/N)
equations:
    dx/dt = -a*x + J @ lin(x) + y * (K @ lin(x))
    dy/dt = -y + x
"""), mf.parse_model("""
name: two-rates
parameters:
    a = 0.5 | a > 0 | first rate
equations:
    dx/dt = -a*x*y
    dy/dt = -y
""")]


@pytest.mark.parametrize("model", [*mf.available_models(), *FUSED_USER_MODELS],
                         ids=lambda m: m if isinstance(m, str) else m.name)
@pytest.mark.parametrize("k", [None, 1, 2, 6])  # None: one vector of shape (n_vars, N)
def test_fused_tangent_step_equals_velocity_and_matvec(model, k):
    # the Lyapunov step: one product per coupling matrix for the state and the tangent
    # vectors (column by column for k <= 2, one matrix product for k = 6) must give what
    # the separate velocity and linearisation give, at random states and parameters
    m = mf.get_model(model)
    rng = np.random.default_rng(11)
    params = {p.name: (float(rng.uniform(-1, 1)) if p.name.startswith("beta")
                       else float(rng.uniform(0.5, 3))) for p in m.parameters}
    N = 31
    inputs = {name: (rng.standard_normal(N) if i % 2 == 0
                     else (lambda t, c=rng.standard_normal(N): c * np.cos(t)))
              for i, name in enumerate(m.inputs)}
    net = Network(m, N, seed=2, params=params, inputs=inputs)
    for trial in range(3):
        y = net.initial_state(trial, scale=1.5)
        Q = rng.standard_normal((net.n_vars, N) if k is None else (net.n_vars, N, k))
        t = 0.7 * trial
        dy, JQ = net.velocity_and_tangent(y, Q, t)
        assert dy.shape == y.shape and JQ.shape == Q.shape
        np.testing.assert_allclose(dy, net.velocity(y, t), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(JQ, net.linearise(y, t).matvec(Q), rtol=1e-12, atol=1e-12)
    with pytest.raises(mf.ParameterError):
        net.velocity_and_tangent(net.initial_state(0, batch=2), Q)
    with pytest.raises(mf.ParameterError):
        net.velocity_and_tangent(y, Q[:, :-1])

def test_batch_equals_single_trials():
    net = Network("gated", 50, seed=0)
    y = net.initial_state(1, batch=4)
    tb = simulate(net, 5.0, y0=y, record_every=1.0)
    for b in range(4):
        ts = simulate(net, 5.0, y0=y[..., b], record_every=1.0)
        # same arithmetic up to BLAS summation order (gemm vs gemv)
        np.testing.assert_allclose(tb.y[..., b], ts.y, rtol=1e-9, atol=1e-11)


def test_gates_are_safe_for_huge_sensitivities():
    net = Network("gated", 50, seed=0, alpha_z=1e3, alpha_r=1e3, beta_z=50, beta_r=-50)
    y = net.initial_state(0, scale=100.0)
    # underflow is harmless (numpy's default ignores it): the printed gate
    # 1/(1 + exp(-u)) takes exp of -u < -708 to a subnormal or 0, and 1 + 0 = 1 is the gate
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        v = net.velocity(y)
        J = net.jacobian(y)
        tr = simulate(net, 2.0, y0=y, dt=0.01)
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(J)) and np.all(np.isfinite(tr.y))


def test_couplings_are_seeded_normal_and_shared_across_models():
    a = Network("gated", 400, seed=7)
    b = Network("additive", 400, seed=7)
    c = Network("gated", 400, seed=8)
    np.testing.assert_array_equal(a.couplings["Jh"], b.couplings["Jh"])
    assert not np.allclose(a.couplings["Jh"], c.couplings["Jh"])
    assert not np.allclose(a.couplings["Jz"], a.couplings["Jr"])
    for J in a.couplings.values():
        # entries N(0, 1/N): mean 0 and variance 1/N within 5 standard errors
        n = J.size
        assert abs(J.mean()) < 5 / np.sqrt(400 * n)
        assert abs(J.var() * 400 - 1) < 5 * np.sqrt(2 / n)


@pytest.mark.parametrize("beta_z, beta_r", [(0.0, 0.0), (1.0, -0.5)])
def test_ungated_limit_is_the_additive_network(beta_z, beta_r):
    """alpha_z = alpha_r = 0: h follows the additive network with gain g_h s_r(0) and time
    constant 1/s_z(0), up to the scale h = s_r(0) * h_additive (spec section 1)."""
    g_h, beta_h, N = 3.0, 0.2, 200
    s_z0 = 1 / (1 + np.exp(beta_z))
    s_r0 = 1 / (1 + np.exp(beta_r))
    gated = Network("gated", N, seed=2, g_h=g_h, beta_h=beta_h, alpha_z=0, alpha_r=0,
                    beta_z=beta_z, beta_r=beta_r)
    additive = Network("additive", N, seed=2, g_h=g_h * s_r0, beta_h=beta_h, tau_h=1 / s_z0)
    y0 = gated.initial_state(0)
    tg = simulate(gated, 20.0, y0=y0, record_every=1.0)
    ta = simulate(additive, 20.0, y0=y0[:1] / s_r0, record_every=1.0)
    np.testing.assert_allclose(tg["h"], s_r0 * ta["h"], rtol=1e-9, atol=1e-10)


def test_user_defined_variant_simulates():
    m = mf.parse_model("""
name: erf-output-gate
parameters:
    g = 2.0 | g > 0 | gain
    a = 4.0 | a >= 0 | gate sensitivity
equations:
    dh/dt = -h + J @ (sigmoid(a*r) * erf(g*h))
    dr/dt = -r + K @ erf(g*h)
""")
    net = Network(m, 60, seed=0)
    y = net.initial_state(0)
    tr = simulate(net, 5.0, y0=y)
    assert tr.y.shape[1:] == (2, 60) and np.all(np.isfinite(tr.y))
    J = net.jacobian(y)
    flat = y.ravel()
    e = np.zeros_like(flat)
    e[3] = 1e-6
    col = (net.velocity((flat + e).reshape(y.shape))
           - net.velocity((flat - e).reshape(y.shape))).ravel() / 2e-6
    np.testing.assert_allclose(J[:, 3], col, atol=1e-8)


def test_bad_network_arguments():
    with pytest.raises(mf.ParameterError, match="N=0"):
        Network("gated", 0)
    with pytest.raises(mf.ParameterError, match="seed"):
        Network("gated", 10, seed=-1)
    with pytest.raises(mf.ParameterError, match="no input 'I_q'"):
        Network("gated", 10, inputs={"I_q": 1.0})
    with pytest.raises(mf.ParameterError, match="NaN"):
        Network("gated", 10, inputs={"I_h": float("nan")})
    with pytest.raises(mf.ParameterDomainError, match="tau_z > 0"):
        Network("gated", 10, tau_z=0)
    net = Network("gated", 10)
    with pytest.raises(mf.ParameterError, match="expected"):
        net.velocity(np.zeros((2, 10)))


def test_jacobian_vector_products_check_their_shape():
    # a flat vector of n N numbers raised numpy's "setting an array element with a
    # sequence" from deep inside (found by a probe, 2026-11-28)
    net = Network("gated", 20, seed=0, g_h=3.0)
    lin = net.linearise(net.initial_state(0))
    with pytest.raises(ParameterError, match=r"shape \(3, 20\) or \(3, 20, k\), not \(60,\)"):
        lin.matvec(np.ones(60))
    with pytest.raises(ParameterError, match="matvec takes numbers"):
        lin.matvec([["a"] * 20] * 3)
    v = np.random.default_rng(0).standard_normal((3, 20, 2))
    want = (lin.dense() @ v[:, :, 1].ravel()).reshape(3, 20)
    np.testing.assert_allclose(lin.matvec(v)[:, :, 1], want, rtol=1e-12, atol=1e-12)


def test_per_trial_inputs_need_a_batch_of_as_many_trials():
    # accepted at construction, then numpy's broadcasting error from the first step of
    # simulate, find_fixed_point, lyapunov_spectrum (found by a probe)
    from validation.measure import lyapunov_spectrum

    net = Network("gated", 30, seed=0, inputs={"I_h": np.ones((30, 3))})
    for call in (lambda: simulate(net, 1.0), lambda: simulate(net, 1.0, batch=2),
                 lambda: lyapunov_spectrum(net, k=2, T=2.0, transient=0.0)):
        with pytest.raises(ParameterError, match=r"input I_h has 3 trials"):
            call()
    tr = simulate(net, 1.0, batch=3)
    assert tr.final.shape == (3, 30, 3)


def test_a_flow_with_a_time_dependent_input_needs_its_time():
    """settled and find_fixed_point took the flow at t = 0 silently: a state settled under
    an input switched on at t = 5 read "not settled", and Newton moved it by 1.2 to the
    input-off fixed point, "success" (a probe, 2026-11-28)."""
    from meanfield import ParameterError
    from validation import simulate, settled
    from validation.measure.count_fixed_points import count_fixed_points
    from validation.measure.fixed_points import find_fixed_point

    net = Network("gated", N=50, seed=0, g_h=0.8, inputs={"I_h": lambda t: 0.5 * (t >= 5)})
    tr = simulate(net, 150.0, record_every=150.0)
    with pytest.raises(ParameterError, match="depends on time.*give t"):
        settled(net, tr.final)
    with pytest.raises(ParameterError, match="depends on time.*give t"):
        find_fixed_point(net, tr.final)
    with pytest.raises(ParameterError, match="does not depend on time"):
        count_fixed_points(net)
    assert settled(net, tr.final, t=150.0).settled
    fp = find_fixed_point(net, tr.final, t=150.0)
    assert fp.success and np.max(np.abs(fp.state - tr.final)) < 1e-6


def test_the_step_actually_taken_is_checked():
    """T = 0.149 at dt = 0.1 takes one step of 0.149, beyond tau_r = 0.1; only the
    requested dt was checked (a probe, 2026-11-28)."""
    from meanfield import ParameterError
    from validation import simulate

    net = Network("gated", N=10, seed=0, tau_r=0.1)
    with pytest.raises(ParameterError, match="takes steps of T / round\\(T / dt\\) = 0.149"):
        simulate(net, 0.149, dt=0.1)
    simulate(net, 0.2, dt=0.1)  # two steps of 0.1: fine
