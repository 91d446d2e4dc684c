"""Integrators against solvable systems: order of convergence and error control."""

import numpy as np
import pytest
from scipy.stats import linregress

from meanfield import ParameterError
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


@pytest.mark.parametrize("kw, fragment", [
    ({"T": 0}, "T=0"), ({"T": float("nan")}, "T=nan"), ({"T": 1, "dt": -1}, "dt=-1"),
    ({"T": 1, "method": "euler"}, "unknown method"), ({"T": 1, "transient": 2}, "transient"),
])
def test_bad_arguments(kw, fragment):
    net = Network(ROTATION, 3)
    with pytest.raises(ParameterError, match=fragment):
        simulate(net, **kw)


def test_same_seed_same_result_bitwise():
    a = simulate(Network("gated", 80, seed=4), 5.0, seed=2)
    b = simulate(Network("gated", 80, seed=4), 5.0, seed=2)
    np.testing.assert_array_equal(a.y, b.y)
