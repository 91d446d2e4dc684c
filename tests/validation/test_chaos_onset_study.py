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


def test_line_sweeps_are_stored_and_read_back_and_a_damaged_file_is_recomputed(
        tmp_path, monkeypatch):
    import validation.studies.chaos_onset as study

    monkeypatch.setattr(study, "_settings", lambda quick: (12, 2, (20.0,), 0.45, 6.0, 3.0))
    calls = []
    real = study.sweep

    def counting(*args, **kwargs):
        calls.append(args[2])  # N
        return real(*args, **kwargs)

    monkeypatch.setattr(study, "sweep", counting)
    first = study.line_sweeps(tmp_path, 20.0)
    assert calls == [12, 12, 6]                  # two seeds at N, one at N/2
    again = study.line_sweeps(tmp_path, 20.0)
    assert len(calls) == 3                       # read back, nothing simulated
    for a, b in zip(first[0] + first[1], again[0] + again[1]):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(np.asarray(a[k]), b[k])
    path = tmp_path / "chaos_onset_line_alpha_r=20.json"
    path.write_text(path.read_text()[:100])      # a partly written file
    study.line_sweeps(tmp_path, 20.0)
    assert len(calls) == 6                       # computed again, not read as data
    monkeypatch.setattr(study, "_settings", lambda quick: (14, 2, (20.0,), 0.45, 6.0, 3.0))
    study.line_sweeps(tmp_path, 20.0)
    assert len(calls) == 9                       # other settings: not reused
