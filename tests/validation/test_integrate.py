"""Integrators against solvable systems: order of convergence and error control."""

import numpy as np
import pytest
from scipy.stats import linregress

from meanfield import ConvergenceError, ParameterError
from tests.systems.models import ROTATION
from validation import Network, simulate


def _rotation_error(method, **kw):
    net = Network(ROTATION, 5, seed=0)
    y0 = net.initial_state(0)
    T, w = 3.0, 1.3
    tr = simulate(net, T, y0=y0, method=method, record_every=T, **kw)
    c, s = np.cos(w * T), np.sin(w * T)
    exact = np.stack([c * y0[0] - s * y0[1], s * y0[0] + c * y0[1]])
    return np.max(np.abs(tr.final - exact)), tr


def test_rk4_converges_with_order_four():
    dts = np.array([0.2, 0.1, 0.05, 0.025])
    errs = [_rotation_error("rk4", dt=dt)[0] for dt in dts]
    slope = linregress(np.log(dts), np.log(errs)).slope
    assert 3.8 < slope < 4.2, slope


@pytest.mark.parametrize("rtol", [1e-4, 1e-7, 1e-10])
def test_dopri5_meets_its_tolerance(rtol):
    err, tr = _rotation_error("dopri5", rtol=rtol, atol=rtol * 1e-2)
    # local error control: the global error over ~4 radians stays within a few rtol
    assert err < 20 * rtol
    assert tr.steps > 0


def test_recording_grid_and_transient():
    net = Network(ROTATION, 3, seed=0)
    tr = simulate(net, 10.0, dt=0.05, record_every=0.5, transient=2.0)
    np.testing.assert_allclose(tr.t, np.arange(2.0, 10.0 + 1e-9, 0.5))
    assert tr.y.shape == (len(tr.t), 2, 3)
    np.testing.assert_array_equal(tr.y[-1], tr.final)
    tr2 = simulate(net, 10.0, method="dopri5", record_every=0.5, transient=2.0)
    np.testing.assert_allclose(tr2.t, tr.t)
    np.testing.assert_allclose(tr2.y, tr.y, atol=1e-5)


@pytest.mark.parametrize("method", ["rk4", "adams", "dopri5"])
@pytest.mark.parametrize("record_every", [0.7, 1.0, 20.0])
def test_the_final_state_is_the_state_at_T(method, record_every):
    # dopri5 stopped at the last record time: T = 3.3 with records every 1.0 gave the
    # state at 3, and a record interval longer than the run gave y0 (found by a probe)
    net = Network(ROTATION, 5, seed=0)
    y0 = net.initial_state(0)
    T, w = 3.3, 1.3
    tr = simulate(net, T, y0=y0, method=method, dt=0.01 if method != "dopri5" else 0.05,
                  record_every=record_every, rtol=1e-10, atol=1e-12)
    c, s = np.cos(w * T), np.sin(w * T)
    exact = np.stack([c * y0[0] - s * y0[1], s * y0[0] + c * y0[1]])
    assert np.max(np.abs(tr.final - exact)) < 1e-7


def test_dopri5_holds_each_trial_of_a_batch_to_the_tolerance():
    # one rms norm over the batch let a moving trial among resting ones err 12 times more
    # than alone; the step now follows the worst trial, so the moving one is as accurate
    net = Network(ROTATION, 5, seed=0)
    y0 = np.zeros((2, 5, 8))
    y0[:, :, 0] = net.initial_state(0)
    T, w = 3.0, 1.3
    c, s = np.cos(w * T), np.sin(w * T)
    exact = np.stack([c * y0[0, :, 0] - s * y0[1, :, 0], s * y0[0, :, 0] + c * y0[1, :, 0]])
    alone = simulate(net, T, y0=y0[:, :, 0], method="dopri5", record_every=T, rtol=1e-6)
    batch = simulate(net, T, y0=y0, method="dopri5", record_every=T, rtol=1e-6)
    err_alone = np.max(np.abs(alone.final - exact))
    err_batch = np.max(np.abs(batch.final[:, :, 0] - exact))
    assert err_batch <= 1.5 * err_alone


@pytest.mark.parametrize("kw, fragment", [
    ({"T": 0}, "T=0"), ({"T": float("nan")}, "T=nan"), ({"T": 1, "dt": -1}, "dt=-1"),
    ({"T": 1, "method": "euler"}, "unknown method"), ({"T": 1, "transient": 2}, "transient"),
    # numpy's or Python's own errors before (found by a probe, 2026-11-28)
    ({"T": 1, "seed": -1}, "seed=-1 must be a non-negative integer"),
    ({"T": 1, "seed": 2.5}, "seed=2.5"), ({"T": 1, "transient": "a"}, "transient='a'"),
    ({"T": 1, "max_steps": "a"}, "max_steps='a'"),
    ({"T": 1, "method": "dopri5", "rtol": "a"}, "rtol='a'"),
    ({"T": 1, "method": "dopri5", "rtol": 1e-30}, "at least 1e-14"),
    ({"T": 1, "method": "dopri5", "atol": -1.0}, "atol=-1.0"),
])
def test_bad_arguments(kw, fragment):
    net = Network(ROTATION, 3)
    with pytest.raises(ParameterError, match=fragment):
        simulate(net, **kw)


def test_same_seed_same_result_bitwise():
    a = simulate(Network("gated", 80, seed=4), 5.0, seed=2)
    b = simulate(Network("gated", 80, seed=4), 5.0, seed=2)
    np.testing.assert_array_equal(a.y, b.y)


# ------------------------------------------------------------------ adams (ABM 8 PECE)
def test_adams_weights_are_the_classical_ones():
    from fractions import Fraction

    from validation._adams import adams_bashforth, adams_moulton, lagrange_integrals

    # Hairer, Nørsett & Wanner, Solving ODEs I, Tables III.1.1 and III.1.2
    assert lagrange_integrals([0, -1, -2, -3], 0, 1) == tuple(
        Fraction(c, 24) for c in (55, -59, 37, -9))
    assert lagrange_integrals([1, 0, -1, -2], 0, 1) == tuple(
        Fraction(c, 24) for c in (9, 19, -5, 1))
    np.testing.assert_allclose(adams_bashforth(2), [1.5, -0.5], rtol=1e-15)
    # exactly: an order-8 predictor and order-9 corrector integrate s^m for m < 8 (< 9)
    ab8 = lagrange_integrals([-j for j in range(8)], 0, 1)
    am9 = lagrange_integrals([1] + [-j for j in range(8)], 0, 1)
    for m in range(9):
        exact = Fraction(1, m + 1)  # int_0^1 s^m ds
        if m < 8:
            assert sum(w * Fraction(-j) ** m for j, w in enumerate(ab8)) == exact, m
        assert sum(w * Fraction(s) ** m for w, s in zip(am9, [1] + [-j for j in range(8)])) \
            == exact, m
    np.testing.assert_allclose(adams_bashforth(8), [float(w) for w in ab8], rtol=1e-15)
    np.testing.assert_allclose(adams_moulton(8), [float(w) for w in am9], rtol=1e-15)


def test_adams_converges_with_order_eight():
    dts = np.array([0.3, 0.2, 0.15, 0.1, 0.075])
    errs = [_rotation_error("adams", dt=dt)[0] for dt in dts]
    slope = linregress(np.log(dts), np.log(errs)).slope
    # measured 8.1: predictor order 8, corrector 9, start of order 8
    assert 7.5 < slope < 9.5, (slope, errs)


def test_adams_stability_limit_is_where_a_decay_stops_decaying():
    """The limit derived from the coefficients (roots of the recurrence) against the
    integrator itself on dx/dt = -a x: just inside it the state decays, just outside it
    grows without bound."""
    from tests.systems.models import DECAY
    from validation._adams import pece_stability_limit

    limit = pece_stability_limit(8)
    assert 0.3 < limit < 0.6, limit  # order 8 PECE; rk4's is 2.785
    dt = 0.1
    final = {}
    for factor in (0.97, 1.03):
        net = Network(DECAY, 3, seed=0, a=factor * limit / dt)
        y0 = net.initial_state(0)
        tr = simulate(net, 2000 * dt, y0=y0, dt=dt, method="adams", record_every=1.0)
        final[factor] = np.max(np.abs(tr.final)) / np.max(np.abs(y0))
    assert final[0.97] < 1e-3 and final[1.03] > 1e3, final


def test_adams_refuses_a_step_beyond_its_limit():
    net = Network("gated", 20, seed=0, tau_z=0.1)
    with pytest.raises(ParameterError, match=r"adams stability limit .* of variable z"):
        simulate(net, 1.0, dt=0.05, method="adams")
    simulate(net, 1.0, dt=0.05, method="rk4")  # inside rk4's region


def test_adams_agrees_with_rk4_on_the_chaotic_network():
    net = Network("gated", 200, seed=1)
    y0 = simulate(net, 20.0, seed=1, record_every=20.0).final
    a = simulate(net, 5.0, y0=y0, dt=0.1, method="adams", record_every=0.5)
    b = simulate(net, 5.0, y0=y0, dt=0.0125, method="rk4", record_every=0.5)
    np.testing.assert_array_equal(a.t, b.t)
    # rk4's own error at dt = 0.0125 is ~1e-11 here (dt^4 from the dt = 0.05 error)
    np.testing.assert_allclose(a.y, b.y, rtol=0, atol=1e-8)
    assert a.options["order"] == 8 and a.method == "adams"


def test_adams_with_a_smooth_time_dependent_input():
    net = Network("gated", 100, seed=2, inputs={"I_h": lambda t: 0.5 * np.sin(2 * t)})
    # from a state on the attractor (the first units of time after a random state are a
    # fast transient). The forcing at angular frequency 2 is faster than the network's own
    # dynamics: measured against rk4 at dt = 0.003: 2e-4 at dt = 0.2, 6e-7 at 0.1, 1.7e-9
    # at 0.05 (order 8; rk4 at dt = 0.05 / 8 is within 6e-11)
    y0 = simulate(net, 20.0, seed=2, record_every=20.0).final
    a = simulate(net, 6.0, y0=y0, dt=0.05, method="adams", record_every=1.0)
    b = simulate(net, 6.0, y0=y0, dt=0.05 / 8, method="rk4", record_every=1.0)
    np.testing.assert_allclose(a.y, b.y, rtol=0, atol=1e-8)


def test_adams_batch_equals_single_trials_and_is_deterministic():
    net = Network("gated", 60, seed=3)
    Y = net.initial_state(5, batch=3)
    batch = simulate(net, 4.0, y0=Y, dt=0.1, method="adams", record_every=1.0)
    again = simulate(net, 4.0, y0=Y, dt=0.1, method="adams", record_every=1.0)
    np.testing.assert_array_equal(batch.y, again.y)
    for b in range(3):
        one = simulate(net, 4.0, y0=Y[..., b], dt=0.1, method="adams", record_every=1.0)
        # matrix-matrix against matrix-vector products: equal up to rounding
        np.testing.assert_allclose(batch.y[..., b], one.y, rtol=0, atol=1e-12)


def test_adams_runs_shorter_than_its_start_and_records_like_rk4():
    net = Network(ROTATION, 3, seed=0)
    short = simulate(net, 0.3, dt=0.1, method="adams")  # 3 steps; the start needs 7
    assert short.steps == 3 and len(short.t) == 4
    tr = simulate(net, 10.0, dt=0.05, record_every=0.5, transient=2.0, method="adams")
    np.testing.assert_allclose(tr.t, np.arange(2.0, 10.0 + 1e-9, 0.5))
    np.testing.assert_array_equal(tr.y[-1], tr.final)


def test_adams_start_that_cannot_converge_says_so():
    net = Network("gated", 100, seed=0, g_h=50.0)
    with pytest.raises(ConvergenceError, match="adams start .* did not converge"):
        simulate(net, 5.0, dt=0.4, method="adams")


def test_an_input_that_turns_non_finite_is_named_as_the_cause():
    # "reduce dt" was the advice for an input returning NaN after t = 0.5 (a probe)
    net = Network("gated", 20, inputs={"I_h": lambda t: np.nan if t > 0.5 else 0.0})
    with pytest.raises(ConvergenceError, match=r"input I_h is not finite at t=0\.5"):
        simulate(net, 2.0)
