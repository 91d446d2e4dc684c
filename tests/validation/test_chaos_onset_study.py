"""The chaos-onset study's estimator: the expected time variance over a finite window."""

import numpy as np
import pytest

from validation.studies.chaos_onset import windowed_variance


@pytest.mark.parametrize("tau_c, n", [(0.3, 50), (5.0, 75), (36.0, 150), (400.0, 20)])
def test_windowed_variance_of_an_exponential_correlation_matches_the_closed_form(tau_c, n):
    # C(k) = a^k at integer lags: sum_ij a^|i-j| = n (1 + a)/(1 - a) - 2 a (1 - a^n)/(1 - a)^2
    a = np.exp(-1.0 / tau_c)
    exact = 1.0 - (n * (1 + a) / (1 - a) - 2 * a * (1 - a ** n) / (1 - a) ** 2) / n ** 2
    tau = np.linspace(0.0, 4.0 * n, 40 * n + 1)       # a fine lag grid: interpolation exact
    got = windowed_variance(tau, np.exp(-tau / tau_c), n, 1.0)
    assert got == pytest.approx(exact, rel=1e-3, abs=1e-6)


def test_windowed_variance_against_sampled_ar1_paths():
    """An AR(1) process has C(k) = a^k: the mean sample variance of many paths agrees."""
    rng = np.random.default_rng(3)
    tau_c, n, paths = 8.0, 60, 20000
    a = np.exp(-1.0 / tau_c)
    x = np.empty((n, paths))
    x[0] = rng.standard_normal(paths)
    for t in range(1, n):
        x[t] = a * x[t - 1] + np.sqrt(1 - a * a) * rng.standard_normal(paths)
    v = x.var(axis=0)                                   # about the sample mean, ddof 0
    tau = np.arange(0.0, 2.0 * n)
    theory = windowed_variance(tau, a ** tau, n, 1.0)
    assert abs(v.mean() - theory) < 4 * v.std() / np.sqrt(paths)
    assert theory < 0.8  # the window bias is large here, so the test can tell
