"""Result reprs are short and plain: numbers as numbers, arrays as their shapes.

They printed every array (a sampled DMFTResult: 40 kB, a Trajectory of 200 units: 14 kB)
and numpy scalars as ``np.float64(...)`` (found by a probe, 2026-11-28).
"""

import numpy as np

from meanfield._repr import summary
from meanfield.solve.chaos_onset import chaos_onset
from meanfield.solve.dimension import linear_equivalent, participation_ratio
from meanfield.solve.dmft import dmft
from validation import Network, simulate


def test_summary_of_values():
    assert summary(np.float64(0.5)) == "0.5" and summary(np.int64(3)) == "3"
    assert summary(np.arange(3.0)) == "[0.0, 1.0, 2.0]"
    assert summary(np.zeros((81, 3, 200))) == "<array 81x3x200 float64>"
    assert summary({"h": np.zeros(401)}) == "{'h': <array 401 float64>}"
    assert summary((1.0,)) == "(1.0,)" and summary([np.zeros(50)]) == "<list of 1 ndarray>"


def test_result_reprs_are_short_and_name_their_numbers():
    reprs = [
        dmft("gated", g_h=3.0, alpha_z=0.0, tau_max=20.0, lyapunov=False),
        simulate(Network("gated", 200, seed=0, g_h=3.0), 30.0, record_every=0.5),
        linear_equivalent("gated", g_h=4.0, alpha_z=0.0, alpha_r=5.0, tau_max=60.0,
                          dtau=0.1),
        participation_ratio("gated", g_h=4.0, alpha_z=0.0, alpha_r=5.0, tau_max=60.0,
                            dtau=0.1),
        chaos_onset("gated", vary="g_h", start=2.4, stop=1.8, step=0.2, alpha_z=0.0,
                    alpha_r=0.0, tau_max=60.0, dtau=0.5, nodes=24, lyapunov=False),
    ]
    for r in reprs:
        text = repr(r)
        assert len(text) < 2500 and "np.float64" not in text, text[:300]
        assert text.startswith(type(r).__name__ + "(")
    assert "delta_0=" in repr(reprs[0]) and "<array 401 float64>" in repr(reprs[0])
