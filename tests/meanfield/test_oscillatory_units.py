"""Units whose local block is a damped oscillator, and a propagator with a zero: an
adaptation current. rho(M(lambda)) is then not monotone to the right of the local rates,
the local rates are complex, and the support reaches off the real axis (found by a probe,
2026-11-28: such a fixed point was called stable, and the default parameters gave a
traceback). At the zero fixed point everything is in closed form: with phi'(0) = g and
J of variance 1/N, lambda is in the support iff |g G_hh(lambda)| >= 1, where
G_hh(lambda) = (lambda + 1/tau_a) / ((lambda + 1)(lambda + 1/tau_a) + b/tau_a).
"""

import math

import numpy as np
import pytest

import meanfield as mf
from tests.reference import user_models


@pytest.fixture(scope="module")
def adapt():
    # (its defaults are g = 3, b = 0.5: the tests give g = 2 and b, tau_a themselves)
    return mf.parse_model(user_models.ADAPTATION)


def _inside(lam, g, b, tau):
    return np.abs(g * (lam + 1 / tau)) >= np.abs((lam + 1) * (lam + 1 / tau) + b / tau)


def test_a_fixed_point_right_of_a_gap_in_the_support_is_unstable(adapt):
    # b = 1.1, tau_a = 10: rho(M(0)) = (g/10 / (1/10 + 0.11))^2 = 0.907 < 1, yet on the real
    # axis g (lam + 0.1) = (lam + 1)(lam + 0.1) + 0.11 at lam = (0.9 +- sqrt(0.77)) / 2:
    # the support covers [0.011, 0.889], right of 0
    fp = mf.fixed_point_branches(adapt, g=2.0, b=1.1, tau_a=10.0)
    zero = fp.branches[0]
    assert zero.stability == pytest.approx((0.2 / 0.21) ** 2, rel=1e-9)
    assert zero.edge == pytest.approx((0.9 + math.sqrt(0.77)) / 2, abs=1e-9)
    assert not zero.stable


def test_complex_local_rates_give_the_support_off_the_real_axis(adapt):
    # tau_a = 5, b = 1: local rates -0.6 +- 0.2i; the support's rightmost point is off the
    # axis. Its real part, from the closed form on a fine grid here (spacing 1e-5 in
    # Re, 5e-4 in Im), against the package's search, whose grid of imaginary parts has a
    # spacing of 0.007: a tolerance of 1e-3 in the real part
    fp = mf.fixed_point_branches(adapt, g=2.0, b=1.0)
    x = np.linspace(0.78, 0.82, 4001)
    y = np.linspace(-1.0, 1.0, 4001)
    inside = _inside(x[:, None] + 1j * y[None, :], 2.0, 1.0, 5.0)
    truth = x[inside.any(axis=1)].max()
    assert truth > 0.8 + 1e-3  # the real axis alone (0.8) would be off by more
    zero = fp.branches[0]
    assert fp.success and zero.edge == pytest.approx(truth, abs=1e-3) and not zero.stable
    sp = mf.spectral_support(adapt, g=2.0, b=1.0)
    assert sp.success and sp.edge == zero.edge
    # the traced boundary closes inside the window (it reaches Re -2.9, Im +-2.1)
    left, right, low, high = sp.extent
    for c in sp.boundary:
        assert c.real.min() > left and c.imag.max() < high and c.imag.min() > low


def test_the_simulators_jacobian_agrees_with_the_support(adapt):
    from validation import Network

    # dense eigenvalues at the zero state of N = 600 units (1200 variables): outliers of
    # the edge scatter by about N^-1/2 (0.86 at N = 1500, 0.96 at N = 400, measured
    # 2026-11-28), so the test asks for an unstable spectrum reaching past 0.6, nothing
    # far outside the predicted support and nothing in its hole around -0.15
    net = Network(adapt, 600, seed=3, g=2.0, b=1.0)
    ev = np.linalg.eigvals(net.linearise(np.zeros((2, 600))).dense())
    assert ev.real.max() > 0.6
    assert not np.any(np.abs(ev + 0.15) < 0.06)
    assert ev.real.min() > -3.2 and np.abs(ev.imag).max() < 2.3


def test_local_rates_are_complex_not_nan(adapt):
    from meanfield.solve._theory import Theory

    rates = Theory(adapt).module.local_rates(np.zeros(1), 2.0, 1.0, 5.0)
    values = sorted((complex(np.asarray(r).ravel()[0]) for r in rates), key=lambda z: z.imag)
    assert np.allclose(values, [-0.6 - 0.2j, -0.6 + 0.2j], atol=1e-12)


def _rightmost(inside, xr, yr, n=2001):
    """The largest real part of a closed-form support on an n x n grid of the window."""
    x, y = np.linspace(*xr, n), np.linspace(*yr, n)
    hit = inside(x[:, None] + 1j * y[None, :]).any(axis=1)
    return x[hit].max()


def test_real_rates_and_a_zero_of_g_put_the_edge_off_the_axis(adapt):
    # g = 1.1, b = 0.2, tau_a = 20: the rates are real, but the support's rightmost point
    # lies at Im +-0.21, Re 0.0662, where the real axis gives -0.0549 and rho(M(0)) = 0.84
    # (a probe, 2026-11-28: reported stable). Grid spacing of the closed form: 2.5e-4
    fp = mf.fixed_point_branches(adapt, g=1.1, b=0.2, tau_a=20.0)
    truth = _rightmost(lambda L: _inside(L, 1.1, 0.2, 20.0), (-0.2, 0.3), (0.0, 1.0))
    zero = fp.branches[0]
    assert zero.stability < 1 and not zero.stable
    assert zero.edge == pytest.approx(truth, abs=5e-4)


OSC = dict(g=0.4, w=40.0, a=0.1)


def test_a_narrow_lobe_around_a_high_pole_is_found():
    # rates -0.1 +- 40i; |g (u)| >= |u^2 + w^2| with u = lambda + a: lobes of radius ~0.2
    # around the poles, reaching Re 0.1 (a grid of imaginary parts missed them: edge -0.1,
    # stable; a probe, 2026-11-28). The dense Jacobian of N = 400 units at the zero state
    # has eigenvalues right of 0 (202 of 1000 at N = 500, the largest 0.092)
    from validation import Network

    osc = mf.parse_model(user_models.OSCILLATOR)
    b = mf.fixed_point_branches(osc, **OSC).branches[0]
    truth = _rightmost(lambda L: np.abs(0.4 * (L + 0.1)) >= np.abs((L + 0.1) ** 2 + 1600),
                       (-0.2, 0.2), (39.5, 40.5))
    assert not b.stable and b.edge == pytest.approx(truth, abs=5e-4)
    ev = np.linalg.eigvals(Network(osc, 400, seed=0, **OSC).jacobian(np.zeros((2, 400))))
    assert (ev.real > 0.02).sum() > 10


def test_the_spectrum_of_complex_rates_shows_their_lobes():
    osc = mf.parse_model(user_models.OSCILLATOR)
    sp = mf.spectral_support(osc, g=3.0, w=10.0, a=1.0)
    assert sp.success and sp.local_heights == pytest.approx((10.0, 10.0))
    assert len(sp.boundary) == 2  # a lobe around each of -1 +- 10i (it came back empty)
    for c in sp.boundary:
        assert np.abs(np.abs(c.imag.mean()) - 10.0) < 0.5
    # |rate| = sqrt(a^2 + w^2) = 10.05: no eigenvalue near 0 (a TypeError before)
    assert mf.slow_fraction(osc, 0.02, g=3.0, w=10.0, a=1.0) == 0.0
