"""The sampled DMFT's checkpoint: a solve stopped after some replicas, and again inside
its lambda_max stage, continues from the file to the result of a solve never stopped."""

import numpy as np
import pytest

import meanfield.solve.dmft_sampling as sampling
import meanfield.solve.dmft_tangent as tangent
from meanfield import ParameterError
from meanfield.solve.dmft import dmft

KW = dict(g_h=3.0, alpha_z=2.0, samples=128, tau_max=20.0, T=60.0)


def _stop_after(monkeypatch, module, name, calls):
    real, count = getattr(module, name), [0]

    def stopping(*a, **k):
        count[0] += 1
        if count[0] >= calls:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(module, name, stopping)


def test_a_sampled_solve_stopped_twice_continues_to_the_same_result(tmp_path, monkeypatch):
    whole = dmft("gated", **KW)
    assert whole.converged and whole.chaotic  # a solve with a lambda_max stage
    path = tmp_path / "dmft.npz"
    done = []
    # sampled passes: 83 in replica 1 (two stages), 11-15 in each of the others; stopped
    # inside replica 2, then (continued) inside replica 3, then in the lambda_max stage
    for module, name, calls in ((sampling, "sampled_correlations", 90),
                                (sampling, "sampled_correlations", 20),
                                (tangent, "lyapunov_sampled", 3)):
        with monkeypatch.context() as m:
            _stop_after(m, module, name, calls)
            with pytest.raises(KeyboardInterrupt):
                dmft("gated", checkpoint=path, **KW)
        with np.load(path) as f:
            done.append((len(f["results"]), len(f["lams"])))
    assert done == [(1, 0), (2, 0), (4, 2)], done
    again = dmft("gated", checkpoint=path, **KW)
    for a, b in ((again.C["h"], whole.C["h"]), (again.C_error["z"], whole.C_error["z"])):
        assert np.array_equal(a, b)
    assert (again.delta_0, again.lyapunov_max, again.lyapunov_error, again.iterations) == (
        whole.delta_0, whole.lyapunov_max, whole.lyapunov_error, whole.iterations)
    assert again.message == whole.message
    # another solve's checkpoint, or the Gaussian method's, is refused
    with pytest.raises(ParameterError, match=r"another solve \(seed: 0 there, 1 here\)"):
        dmft("gated", checkpoint=path, seed=1, **KW)
    with pytest.raises(ParameterError, match="checkpoint is an option of the sampling"):
        dmft("gated", g_h=3.0, alpha_z=0.0, method="gaussian", checkpoint=path)


def test_dimension_passes_its_checkpoint_to_the_sampled_dmft(tmp_path, monkeypatch):
    from meanfield.solve.dimension import participation_ratio

    opts = dict(g_h=3.0, alpha_z=2.0, samples=64, batches=2, tau_max=20.0, T=60.0)
    path = tmp_path / "dim.npz"
    whole = participation_ratio(**opts)
    with monkeypatch.context() as m:
        _stop_after(m, sampling, "sampled_correlations", 90)  # inside replica 2
        with pytest.raises(KeyboardInterrupt, match="replicas done are saved"):
            participation_ratio(checkpoint=path, **opts)
    again = participation_ratio(checkpoint=path, **opts)
    assert again.to_dict() == whole.to_dict()  # (undefined values are None there)
    with pytest.raises(ParameterError, match="checkpoint keeps the sampled DMFT's"):
        participation_ratio(g_h=3.0, alpha_z=0.0, method="gaussian", checkpoint=path)
