"""Stability of the zero fixed point (beta_h = 0): activity decays for g_h s_r(0) <= 0.9
and persists for g_h s_r(0) >= 1.1, N = 1000, several coupling seeds.

Independent prediction: at h = 0 the Jacobian of h is s_z(0) (-1 + g_h s_r(0) Jh), whose
spectrum is a disc of radius g_h s_r(0) (circular law) around -1; at N = 1000 the spectral
radius of Jh exceeds 1 by only about 2 per cent, so 0.9 and 1.1 lie clearly on either side.
"""

import numpy as np
import pytest

from validation import Network, simulate


def _run(gain, beta_r, seed):
    s_r0 = 1 / (1 + np.exp(beta_r))
    net = Network("gated", 1000, seed=seed, g_h=gain / s_r0, beta_r=beta_r, beta_h=0.0)
    y0 = net.initial_state(seed)
    tr = simulate(net, 300.0, y0=y0, dt=0.1, record_every=5.0, transient=225.0)
    return np.sqrt(np.mean(y0[0] ** 2)), np.sqrt(np.mean(tr["h"] ** 2, axis=1))


@pytest.mark.parametrize("gain, beta_r", [(0.6, 0.0), (0.9, 0.0), (0.9, 1.5)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activity_decays_below_unit_gain(gain, beta_r, seed):
    rms0, rms = _run(gain, beta_r, seed)
    # the slowest mode decays at s_z(0) (1 - gain) >= 0.05: exp(-0.05 * 225) ~ 1e-5
    assert rms[-1] < 1e-3 * rms0
    assert np.all(np.diff(rms) < 0)


@pytest.mark.parametrize("gain, beta_r", [(1.1, 0.0), (1.5, 0.0), (1.1, -1.0)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activity_persists_above_unit_gain(gain, beta_r, seed):
    rms0, rms = _run(gain, beta_r, seed)
    # persistent activity keeps an rms of order sqrt(gain - 1) / g_h, far above decay levels
    assert np.min(rms) > 1e-2 * rms0
