"""Helpers of the input-driven transition study (fast; the study itself is a validation run)."""

import math

import numpy as np
import pytest

from validation.studies.input_driven import (binomial_error, classify, pulse_input,
                                             run_trials, threshold_amplitude)


def test_pulse_input_on_then_off():
    pattern = np.arange(6.0).reshape(3, 2)
    f = pulse_input(pattern, 5.0)
    assert f(0.0) is not None and np.array_equal(f(4.99), pattern)
    assert f(5.0) == 0.0 and f(100.0) == 0.0


def test_classify_separates_chaos_from_decay():
    t = np.arange(0.0, 201.0)
    rng = np.random.default_rng(0)
    N = 50
    chaos = 0.2 * rng.standard_normal((len(t), N))          # sustained, <h^2> = 0.04
    decay = 0.2 * np.exp(-0.03 * t)[:, None] * np.ones(N)  # slow relaxation to 0
    tiny = 1e-4 * rng.standard_normal((len(t), N))          # sustained but negligible
    h = np.stack([chaos, decay, tiny], axis=-1)
    c = classify(h, t, window=100.0, threshold=1e-3)
    assert c["active"].tolist() == [True, False, False]
    assert c["D"][0] == pytest.approx(0.04, rel=0.05)
    # one trial without batch axis
    one = classify(chaos, t, window=100.0, threshold=1e-3)
    assert bool(one["active"])


def test_threshold_amplitude_and_binomial_error():
    a = [0.01, 0.02, 0.05, 0.1]
    assert threshold_amplitude(a, [0, 0.25, 0.75, 1]) == pytest.approx(math.sqrt(0.02 * 0.05))
    assert math.isnan(threshold_amplitude(a, [0, 0, 0, 0.25]))
    assert binomial_error(0, 10) == pytest.approx(math.sqrt((1 / 12) * (11 / 12) / 10))
    assert binomial_error(10, 10) == pytest.approx(binomial_error(0, 10))
    assert binomial_error(10, 10) > 0


def test_run_trials_small_network():
    # g_h = 1.2: the zero fixed point is stable and there is no chaos: every pulse decays
    r = run_trials(1.2, 20, 0, amplitudes=(0.01, 1.0), threshold=1e-3, t_pulse=2.0,
                   t_after=20.0, window=10.0, dt=0.2)
    assert r["active"].tolist() == [False, False]
    assert r["rms"].shape == (len(r["t"]), 2)
    assert r["rms"][int(np.searchsorted(r["t"], 2.0)), 1] > 0.1  # the pulse moved h
