"""The hand-written large-N simulator (validation/large_n.py) against the package's simulator.

validation.large_n runs on PyTorch on a GPU; its numpy path is the same code, checked
here against ``validation.simulate`` (code generated from the model file) with the same
couplings and start, and its autocorrelation against ``validation.measure``.
"""

from __future__ import annotations

import numpy as np
import pytest

from validation import Network, simulate
from validation import large_n as ln
from validation.measure import autocorrelation


def _net(N=80, seed=3):
    net = Network("gated", N, seed=seed, params={k: v for k, v in ln.STUDY.items()})
    Jzr = np.vstack([net.couplings["Jz"], net.couplings["Jr"]])
    return net, net.couplings["Jh"], Jzr


def test_velocity_matches_generated_code():
    net, Jh, Jzr = _net()
    y = net.initial_state(5, batch=3)
    np.testing.assert_allclose(ln.velocity(np, y, Jh, Jzr, ln.STUDY), net.velocity(y),
                               rtol=1e-12, atol=1e-12)


def test_trajectory_and_acf_match_package_simulator():
    """Same couplings, same start, RK4 dt = 0.1: the records agree to rounding (T = 12)."""
    net, Jh, Jzr = _net()
    y0 = net.initial_state(2)
    tr = simulate(net, 12.0, dt=0.1, record_every=0.5, transient=2.0, y0=y0)
    acf, y_end, rec = ln.simulate_acf(np, Jh, Jzr, y0[..., None], transient=2.0, T=10.0,
                                      max_lag=3.0)
    h_pkg = np.asarray(tr["h"])
    assert rec.shape == (h_pkg.shape[0], net.N, 1)
    # measured 1e-15 (2026-11-27); chaos at g_h = 4 would grow a rounding difference of the
    # operation order by e^(lambda t), hence 1e-10 and not 1e-15; a wrong term gives O(0.1)
    np.testing.assert_allclose(rec[..., 0], h_pkg, rtol=0, atol=1e-10)
    np.testing.assert_allclose(acf[0], autocorrelation(h_pkg, 6), rtol=1e-7)


def test_acf_per_trial_is_the_package_definition_trial_by_trial():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 30, 2)).cumsum(0)
    out = ln.acf_per_trial(np, x, 10, chunk=7)   # chunks smaller than N: summed correctly
    for b in range(2):
        np.testing.assert_allclose(out[b], autocorrelation(x[..., b], 10), rtol=1e-12)
    with pytest.raises(ValueError, match="max_lag"):
        ln.acf_per_trial(np, x, 50)


def test_cli_refuses_bad_sizes(capsys):
    with pytest.raises(SystemExit) as e:
        ln.main(["--sizes", "8000"])
    assert e.value.code == 2
    assert "N:SEEDS" in capsys.readouterr().err
