"""count_fixed_points on networks whose fixed points are known exactly.

Decoupled units (Jh = identity) of the additive network: h_i = tanh(g_h h_i) has
three roots per unit when g_h > 1 (0 and +-x* with x* = tanh(g_h x*)) and one when
g_h < 1, so the network has 3^N, resp. 1, fixed points; 2^N of them (every unit at
+-x*) are stable, the rest have one unstable direction per unit at 0.
A network of N units with g_h ||Jh||_2 < 1 is a contraction: only the zero fixed point.
"""

import numpy as np
import pytest
from scipy.optimize import brentq

from meanfield._errors import ParameterError
from validation.measure._batched_roots import rounding_ratio
from validation.measure.count_fixed_points import count_fixed_points
from validation.network import Network


def decoupled(N, g_h, seed=0, model="additive"):
    net = Network(model, N, seed=seed, g_h=g_h)
    net.stacked[0][:] = np.eye(N)  # Jh = I in place (couplings["Jh"] is a view)
    return net


def test_decoupled_units_have_3_to_the_N_fixed_points():
    g, N = 2.0, 3
    res = count_fixed_points(decoupled(N, g), starts=32, seed=1)
    assert res.count == 3 ** N
    assert res.complete
    x_star = brentq(lambda x: x - np.tanh(g * x), 0.5, 2.0)
    # every root is a vector of {0, +-x*}: independent check of the values
    vals = np.abs(res.states[:, 0, :])
    assert np.all(np.minimum(vals, np.abs(vals - x_star)) < 1e-12)
    # stable exactly when no unit sits at 0 (slope g > 1 there): 2^N stable
    n_zero = np.sum(vals < 1e-6, axis=1)
    np.testing.assert_array_equal(res.n_unstable, n_zero)
    assert res.n_stable == 2 ** N
    assert np.all(res.relaxed)
    assert np.all(res.rounding <= 8.0)


def test_contraction_has_only_zero():
    N = 10
    net = Network("additive", N, seed=3, g_h=1.0)
    g = 0.9 / np.linalg.norm(net.couplings["Jh"], 2)  # g ||J||_2 = 0.9 < 1
    net = Network("additive", N, seed=3, g_h=g)
    res = count_fixed_points(net, starts=16, seed=0)
    assert res.count == 1
    assert np.all(res.states == 0)
    assert res.complete and res.counts == (1, 1, 1)
    assert res.n_stable == 1 and res.relaxed.all()


def test_mirror_symmetry_of_additive_network():
    # beta_h = 0: roots come in pairs (y, -y); with symmetry=False each must be found
    net = Network("additive", 12, seed=0, g_h=2.5)
    res = count_fixed_points(net, starts=32, seed=0)
    flat = res.states.reshape(res.count, -1)
    for x in flat:
        assert np.min(np.max(np.abs(flat + x), axis=1)) < 1e-9
    assert res.count % 2 == 1  # the pairs and the zero root
    # with a bias the flow is not odd: mirrors fail the residual test and are not added
    biased = Network("additive", 12, seed=0, g_h=2.5, beta_h=0.3)
    rb = count_fixed_points(biased, starts=32, seed=0)
    assert rb.mirrored == 0
    assert not np.any(np.all(rb.states == 0, axis=(1, 2)))


def test_deduplication_and_tolerance():
    net = decoupled(2, 2.0)
    res = count_fixed_points(net, starts=64, seed=2, max_doublings=1, patience=1)
    assert res.count == 9  # 64 starts hit 9 roots many times each: duplicates removed
    assert res.converged > res.count
    assert res.min_separation > 0.5  # roots are 0 or +-0.957 apart per unit


def test_gated_network_has_no_mirror_roots():
    net = Network("gated", 8, seed=0, g_h=3.0, alpha_r=10.0, alpha_z=0.0)
    res = count_fixed_points(net, starts=32, seed=0, max_doublings=2)
    assert res.mirrored == 0
    Y = np.moveaxis(res.states, 0, -1)
    assert np.all(rounding_ratio(net, Y) <= 8.0)
    assert np.any(rounding_ratio(net, -Y[:, :, 1:]) > 1e3) if res.count > 1 else True


def test_completeness_flag_false_when_budget_too_small():
    net = decoupled(4, 2.0)  # 81 roots; 4 starts and no doubling cannot be complete
    res = count_fixed_points(net, starts=4, seed=0, max_doublings=0, symmetry=False)
    assert not res.complete
    assert "incomplete" in res.message
    assert len(res.counts) == 1


def test_residual_test_rejects_near_roots():
    net = Network("additive", 6, seed=0, g_h=2.0)
    y = np.full((1, 6, 1), 1e-3)
    assert rounding_ratio(net, y)[0] > 1e6
    assert rounding_ratio(net, np.zeros((1, 6, 1)))[0] == 0.0


@pytest.mark.parametrize("bad", [dict(starts=0), dict(variance_range=(1.0, 0.1)),
                                 dict(trajectory_fraction=1.5), dict(patience=0)])
def test_arguments_are_checked(bad):
    with pytest.raises(ParameterError):
        count_fixed_points(Network("additive", 4, seed=0), **bad)


def test_a_count_few_starts_reach_is_not_a_success():
    # alpha_z = 1000: the update gate scales dh/dt by up to e^-1000, no start converges
    # and "no new root in two doublings" meant nothing (1 root, "complete"; the same
    # couplings at alpha_z = 1 have 7, exact roots at any alpha_z). Found by a probe.
    res = count_fixed_points(Network("gated", 30, seed=0, g_h=3.0, alpha_z=1e3), starts=32)
    assert res.converged < 0.1 * res.total_starts[-1]
    assert not res.success and "starts reached a root" in res.message


def test_time_constants_change_neither_the_roots_nor_the_search():
    # roots do not depend on tau; the search works on tau_k dx_k/dt (on the flow, tau_z =
    # 1e-3 left 39 of 512 starts converging) and steps its trajectories adaptively (a
    # fixed dt = 0.1 was refused at tau = 1e-3)
    base = count_fixed_points(Network("gated", 20, seed=0, g_h=3.0), starts=16)
    fast = count_fixed_points(Network("gated", 20, seed=0, g_h=3.0, tau_z=1e-3),
                              starts=16)
    assert base.success and fast.success, (base.message, fast.message)
    assert fast.count == base.count >= 3
    key = lambda s: tuple(np.round(s[0], 6))  # noqa: E731
    np.testing.assert_allclose(sorted(fast.states, key=key), sorted(base.states, key=key),
                               atol=1e-9)
    assert fast.converged >= 0.5 * fast.total_starts[-1]
