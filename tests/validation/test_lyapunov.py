"""Lyapunov exponents by the QR method, checked on flows whose exponents are known."""

import numpy as np
import pytest

import meanfield as mf
from meanfield import ParameterError
from validation import Network
from validation.measure import (kaplan_yorke_dimension, lyapunov_spectrum, max_lyapunov_twin,
                                participation_ratio)

#: dx/dt = (-a + g J) x: a linear autonomous flow, whose Lyapunov exponents are the real
#: parts of the eigenvalues of -a + g J (with multiplicity), computed here by numpy.eig.
LINEAR = mf.parse_model("""
name: linear
parameters:
    a = 1.0 | a > 0 | decay rate
    g = 0.8 | g > 0 | coupling gain
functions:
    lin(x) = g*x
couplings:
    J ~ normal(0, 1/N)
equations:
    dx/dt = -a*x + J @ lin(x)
""")

#: Two uncoupled decays with different rates: exponents -a (N times) and -b (N times).
TWO_RATES = mf.parse_model("""
name: two-rates
parameters:
    a = 0.5 | a > 0 | first rate
    b = 2.0 | b > 0 | second rate
equations:
    dx/dt = -a*x
    dy/dt = -b*y
""")


def test_linear_flow_exponents_are_real_parts_of_eigenvalues():
    net = Network(LINEAR, 20, seed=3)
    A = -np.eye(20) + 0.8 * net.couplings["J"]
    expected = np.sort(np.linalg.eigvals(A).real)[::-1]
    r = lyapunov_spectrum(net, T=400, transient=50, dt=0.05)
    # finite-time bias of the QR method is O(log(cond V) / T) for a non-normal A;
    # measured max error 0.004 at T=400 with block standard errors up to 0.005
    assert np.max(np.abs(r.exponents - expected)) < 0.02
    assert r.n_positive == 0
    assert r.kaplan_yorke == 0.0


def test_diagonal_flow_exponents_exact():
    net = Network(TWO_RATES, 3, seed=0)
    r = lyapunov_spectrum(net, T=50, transient=5, dt=0.05)
    # a diagonal flow keeps the basis aligned: exponents exact to the RK4 error (dt^4)
    np.testing.assert_allclose(r.exponents, [-0.5] * 3 + [-2.0] * 3, atol=1e-4)


def test_leading_exponent_agrees_with_twin_trajectory():
    net = Network("gated", 100, seed=0, g_h=3.0)
    r = lyapunov_spectrum(net, k=3, T=200, transient=50)
    lam, err = max_lyapunov_twin(net, T=200, transient=50)
    # independent estimates (tangent dynamics vs. the flow alone), same attractor:
    # they must agree within 3 combined standard errors
    assert abs(r.exponents[0] - lam) < 3 * np.hypot(r.stderr[0], err)
    assert r.exponents[0] > r.exponents[1] > r.exponents[2]


def test_kaplan_yorke_dimension():
    assert kaplan_yorke_dimension([1.0, 0.0, -2.0]) == pytest.approx(2.5)
    assert kaplan_yorke_dimension([-0.1, -1.0]) == 0.0
    assert np.isnan(kaplan_yorke_dimension([0.5, 0.1]))


def test_participation_ratio_of_isotropic_and_rank_one_activity():
    rng = np.random.default_rng(0)
    iso = rng.standard_normal((20000, 5))
    assert participation_ratio(iso) == pytest.approx(5.0, rel=0.02)  # sampling error ~1%
    rank_one = np.outer(rng.standard_normal(500), rng.standard_normal(30))
    assert participation_ratio(rank_one) == pytest.approx(1.0, rel=1e-9)


def test_bad_arguments():
    net = Network(TWO_RATES, 3, seed=0)
    with pytest.raises(ParameterError, match="k=7"):
        lyapunov_spectrum(net, k=7)
    with pytest.raises(ParameterError, match="T="):
        lyapunov_spectrum(net, T=-1)
    with pytest.raises(ParameterError, match="participation_ratio"):
        participation_ratio(np.zeros(5))
