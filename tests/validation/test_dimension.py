"""Helpers of the dimension study: trend direction and one small measured point."""

import math

import pytest

from validation.studies.dimension import measure_point, trend_direction


@pytest.mark.parametrize("a, ae, b, be, expected", [
    (1.0, 0.1, 2.0, 0.1, +1),     # difference 1 > 2 * 0.141
    (2.0, 0.1, 1.0, 0.1, -1),
    (1.0, 0.3, 1.5, 0.3, 0),      # 0.5 < 2 * 0.424: within errors
    (1.0, float("nan"), 5.0, 0.1, 0),  # unknown error: no claim
])
def test_trend_direction(a, ae, b, be, expected):
    assert trend_direction(a, ae, b, be) == expected


def test_trend_direction_threshold_is_z_combined_errors():
    e = math.hypot(0.3, 0.4)  # 0.5
    assert trend_direction(0.0, 0.3, 2 * e + 1e-9, 0.4) == 1
    assert trend_direction(0.0, 0.3, 2 * e - 1e-9, 0.4) == 0
    assert trend_direction(0.0, 0.3, 0.9 * e, 0.4, z=0.8) == 1


def test_measure_point_stable_network_has_dimension_zero():
    # g_h s_r(0) = 0.5 < 1: the zero fixed point attracts, no positive exponent
    p = measure_point(dict(g_h=1.0, alpha_r=0.0, alpha_z=0.0), 12, 0, k=4, T=20.0, T_pr=20.0)
    assert p["n_positive"] == 0 and p["ky"] == 0.0 and p["k_enough"]
    assert p["lambda_1"] < 0


def test_measure_point_reports_k_not_enough_as_lower_bound():
    # chaotic network, a single exponent (positive) cannot close the Kaplan-Yorke sum
    p = measure_point(dict(g_h=4.0, alpha_r=10.0, alpha_z=0.0), 40, 0, k=1, T=40.0,
                      T_pr=20.0)
    assert p["lambda_1"] > 0  # 0.16 +- 0.06 for these seeds
    assert not p["k_enough"] and p["ky"] == 1.0 and p["ky_N"] == 1.0 / 40


def test_extrapolated_participation_ratio_removes_finite_sample_bias():
    import numpy as np

    from validation.measure import participation_ratio
    from validation.studies.dimension import participation_ratio_extrapolated

    # independent samples of a covariance with eigenvalues 1 (20 times) and 0: PR = 20
    rng = np.random.default_rng(0)
    N, n = 100, 200
    raw, ex = [], []
    for _ in range(20):
        x = np.zeros((n, N))
        x[:, :20] = rng.standard_normal((n, 20))
        raw.append(participation_ratio(x))
        ex.append(participation_ratio_extrapolated(x))
    assert np.mean(raw) == pytest.approx(1 / (1 / 20 + 1 / n), rel=0.03)  # 18.2, biased
    assert np.mean(ex) == pytest.approx(20.0, rel=0.03)
