"""Memory traces and the memory-reset study on small networks (fast)."""

import math
from dataclasses import replace

import numpy as np
import pytest

from meanfield import ParameterError
from validation.measure import decay_time, memory_trace
from validation.studies.memory_reset import (PARAMS, PROTOCOL, measure_seed, summarise,
                                             theory_traces)


def test_decay_time_of_an_exponential_is_exact():
    t = np.arange(0, 50, 0.5)
    m = 2.0 * np.exp(-(t - 3.0) / 7.3)
    assert decay_time(t, m, 3.0) == pytest.approx(7.3, rel=1e-12)
    # m(t0) between records, interpolated geometrically: exact too (linear was 1e-3 off
    # here, 1 % at t0 = 0.3 on records 0.7 apart; found by a probe)
    assert decay_time(t, m, 4.2) == pytest.approx(7.3, rel=1e-12)
    t7 = np.arange(0, 10, 0.7)
    assert decay_time(t7, np.exp(-t7 / 2.3), 0.3) == pytest.approx(2.3, rel=1e-12)
    with pytest.raises(ParameterError, match="finite"):
        decay_time(t7, np.where(t7 > 1, np.nan, 1.0), 0.0)
    assert decay_time(t, m, 0.0, factor=2.0) == pytest.approx(7.3 * math.log(2), rel=1e-12)


def test_decay_time_never_and_errors():
    t = np.linspace(0, 10, 11)
    assert decay_time(t, 1.0 - 0.01 * t, 0.0) == math.inf
    # falls through zero between records: linear interpolation of the crossing
    assert decay_time(t, np.array([1.0, -1.0] + [0.0] * 9), 0.0) == pytest.approx(
        (1 - 1 / math.e) / 2)
    with pytest.raises(ParameterError):
        decay_time(t, np.ones(11), 10.0)
    with pytest.raises(ParameterError):
        decay_time(t, -np.ones(11), 0.0)


def test_memory_trace_projects_on_the_direction():
    rng = np.random.default_rng(0)
    N, B = 50, 3
    u = rng.standard_normal((N, B))
    w = rng.standard_normal((N, B))
    w -= u * (np.sum(u * w, 0) / np.sum(u * u, 0))  # orthogonal to u, column by column
    t = np.arange(6.0)
    h_star = rng.standard_normal(N)
    a = np.exp(-t / 2)
    h = h_star[None, :, None] + a[:, None, None] * u + 5.0 * w  # w does not count
    m = memory_trace(h, h_star, u, t, t_ref=1.0)
    np.testing.assert_allclose(m, np.repeat((a / a[1])[:, None], B, 1), rtol=1e-12)
    np.testing.assert_allclose(memory_trace(h[..., 0], h_star, u[:, 0], t, 1.0), a / a[1],
                               rtol=1e-12)
    with pytest.raises(ParameterError):
        memory_trace(h, h_star, u, t, t_ref=0.5)
    # NaN anywhere gave NaN traces silently; a string t_ref numpy's UFuncTypeError (a probe)
    with pytest.raises(ParameterError, match="directions contains NaN"):
        memory_trace(h, h_star, np.full_like(u, np.nan), t, 1.0)
    with pytest.raises(ParameterError, match="takes numbers"):
        memory_trace(h, h_star, u, t, "a")


def test_theory_with_a_constant_gate_is_one_exponential():
    # alpha_z = 0: every unit has the rate s = sigmoid(-beta_z), with or without I_z
    params = {**PARAMS, "alpha_z": 0.0}
    proto = replace(PROTOCOL, hold=20.0)
    th = theory_traces(params, proto, nodes=201)
    s = 1 / (1 + math.exp(PARAMS["beta_z"]))
    np.testing.assert_allclose(th["hold"], np.exp(-s * th["t"]), rtol=1e-9)
    np.testing.assert_allclose(th["reset"], th["hold"], rtol=1e-9)


def test_update_gate_input_erases_what_the_network_holds():
    """N = 200, one network: the latched pulse is held, the I_z pulse erases it."""
    proto = replace(PROTOCOL, hold=50.0)
    t, hold, reset, _ = measure_seed(0, 200, 4, PARAMS, proto)
    got = summarise(t, hold, reset, proto)
    th = theory_traces(PARAMS, proto, nodes=501)
    want = summarise(th["t"], th["hold"], th["reset"], proto)
    # the reset: decay time ~ 1/s_z(open) plus the lag of z (theory 1.25)
    assert got["tau_reset"] == pytest.approx(want["tau_reset"], rel=0.2)
    # held: a third of the pulse after 50 time units (theory 0.33); erased with the reset
    assert got["held"] == pytest.approx(want["held"], abs=0.1)
    assert got["held"] > 0.2
    assert abs(reset[-1]) < 0.05 * got["held"]
    # the update gate sets the memory time: an order of magnitude longer without reset
    assert got["tau_hold"] > 5 * got["tau_reset"]
    # before the reset both runs are the same
    before = t < proto.delay
    np.testing.assert_allclose(reset[before], hold[before], atol=1e-12)
