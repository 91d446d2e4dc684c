"""Kac–Rice topological complexity (spec section 6): additive limit, log-determinant, CLI.

References are independent (tests/reference/kac_rice.py): a nested-optimisation
implementation of the additive complexity, the circular law and finite random matrices.
"""

import json
import math
import re

import numpy as np
import pytest

from meanfield import ConvergenceError, ParameterError, get_model
from meanfield.cli.main import main
from meanfield.solve.complexity import (complexity, complexity_onset, complexity_profile,
                                       log_determinant)
from tests.reference import kac_rice, user_models


@pytest.mark.parametrize("g", [0.5, 0.9, 1.0])
def test_additive_no_complexity_below_chaos(g):
    # Wainrib & Touboul (PRL 2013): one fixed point (Sigma = 0) up to the chaos onset g = 1
    r = complexity("additive", g_h=g)
    assert r.sigma == 0.0 and r.branch == "zero" and r.converged


@pytest.mark.parametrize("g", [1.1, 1.5, 2.0, 3.0])
def test_additive_matches_independent_reference(g):
    r = complexity("additive", g_h=g)
    ref = kac_rice.additive_sigma(g)
    assert r.sigma > 0 and r.converged
    # the reference's Gauss-Hermite rule (200 nodes) and bounded searches are good to
    # ~1e-6 relative here (g = 3: 1.1e-6 from its node count); allow 2e-5 relative
    assert abs(r.sigma - ref) <= 2e-5 * ref + 1e-9
    # consistency of the saddle point: Sigma = L - KL
    assert abs(r.sigma - (r.log_det - r.relative_entropy)) < 1e-8


def test_additive_small_gain_is_cubic():
    # Sigma ~ c (g - 1)^3: the Gaussian part of L - KL cancels at second order
    s = [complexity("additive", g_h=1 + e).sigma for e in (0.02, 0.05)]
    slope = np.log(s[1] / s[0]) / np.log(0.05 / 0.02)
    assert 2.8 < slope < 3.0
    assert 0.16 < s[0] / 0.02 ** 3 < 0.2


def test_gated_without_gate_sensitivity_is_additive():
    # alpha_r = 0: gain g_h s_r(0) = g_h / 2; the update gate never matters for the count
    a = complexity("additive", g_h=1.25)
    g = complexity("gated", g_h=2.5, alpha_r=0.0, alpha_z=3.0)
    assert abs(a.sigma - g.sigma) < 1e-10
    assert abs(g.field_variance["h"] - a.field_variance["h"] / 4) < 1e-7


def test_log_determinant_circular_law():
    for s2 in (0.8, 1.5, 4.0):
        L = log_determinant(np.full((1, 1, 1), np.sqrt(s2)), np.ones(1))[0]
        assert abs(L - kac_rice.ginibre_log_det(s2)) < 1e-12


def _plain_dyson(gamma, w, tol=1e-15, max_iter=200_000):
    """The Dyson fixed point of two fields by the plain iteration, written out here
    independently of the package (batched 2 x 2 inverses), run until it stops moving."""
    u, v = np.full(2, 2.0), np.full(2, 2.0)
    gT = gamma.transpose(0, 2, 1)
    for _ in range(max_iter):
        Q = gT @ (v[None, :, None] * gamma)
        Ainv = np.linalg.inv(np.eye(2) + u[None, :, None] * Q)
        u_new = np.einsum("k,kij,kij->i", w, gamma @ Ainv, gamma * u[None, None, :])
        v_new = np.einsum("k,kij,kji->i", w, Q, Ainv)
        done = max(np.max(np.abs(u_new - u)), np.max(np.abs(v_new - v))) < tol
        u, v = u_new, v_new
        if done:
            break
    log_D = np.linalg.slogdet(np.eye(2) + u[None, :, None] * (gT @ (v[None, :, None]
                                                                    * gamma)))[1]
    return 0.5 * (w @ log_D - u @ v), u, v


@pytest.mark.parametrize("radius", [1.02, 1.5])
def test_accelerated_two_field_log_determinant_equals_the_plain_iteration(radius):
    # the two-field Dyson iteration is Anderson-mixed (about 950 sweeps at g_h = 2.01,
    # where complexity() took minutes; 6-9 now): the same fixed point as the plain
    # iteration, near the onset (spectral radius of M just above 1) and away from it
    rng = np.random.default_rng(3)
    gamma = rng.normal(size=(400, 2, 2)) * [[1.0, 0.3], [0.5, 0.8]]
    w = np.full(400, 1 / 400)
    M = np.einsum("k,kij->ij", w, gamma ** 2)
    gamma *= np.sqrt(radius / np.max(np.abs(np.linalg.eigvals(M))))
    L, u, v, *_ = log_determinant(gamma, w)
    L0, u0, v0 = _plain_dyson(gamma, w)
    assert L > 0
    assert L == pytest.approx(L0, rel=1e-8, abs=1e-14)
    # (u, v) -> (c u, v / c) maps fixed points onto fixed points (A = 1 + u Q is
    # unchanged): the fixed points are a curve, and where on it an iteration stops depends
    # on its path; the products u_i v_j are the same everywhere on it
    np.testing.assert_allclose(np.outer(u, v), np.outer(u0, v0), rtol=1e-6)


def test_complexity_just_above_its_onset_converges():
    # g_h = 2.01 (the zero fixed point loses stability at 2): more than five minutes
    # before the acceleration above, a probe, 2026-11-28; Sigma is small and positive
    r = complexity("gated", g_h=2.01)
    assert r.converged and 0 < r.sigma < 1e-4


def test_log_determinant_gated_block_against_finite_matrices():
    # per-unit Gamma of the gated network at sampled fields; the 2x2 Dyson formula
    # against singular values of a sampled N = 800 matrix (finite-N error ~4e-4 at
    # N = 1000, measured over seeds; tolerance 2e-3)
    rng = np.random.default_rng(3)
    n, g, ar = 200, 3.0, 8.0
    eh, er = rng.normal(0, 0.6, n), rng.normal(0, 0.8, n)
    sr = 1 / (1 + np.exp(-ar * er))
    ph = np.tanh(g * eh)
    A, B, C = sr * g * (1 - ph ** 2), ar * sr * (1 - sr) * ph, g * (1 - ph ** 2)
    gamma = np.zeros((n, 2, 2))
    gamma[:, 0, 0], gamma[:, 0, 1], gamma[:, 1, 0] = A, B, C
    L = log_determinant(gamma, np.full(n, 1 / n))[0]
    ref = kac_rice.gated_log_det_finite(A, B, C, rng, 800)
    assert L > 0.01
    assert abs(L - ref) < 2e-3


def test_bad_parameters_are_refused():
    with pytest.raises(ParameterError, match="g_h"):
        complexity("additive", g_h=-1.0)
    with pytest.raises(ParameterError, match="nope"):
        complexity("additive", nope=1.0)
    with pytest.raises(ParameterError, match="nodes"):
        complexity("additive", nodes=3)
    with pytest.raises(ParameterError, match="vary"):
        complexity_onset("additive", vary="alpha_r", start=0.5, stop=2.0)


def test_complexity_onset_additive():
    r = complexity_onset("additive", vary="g_h", start=0.6, stop=1.4, points=5,
                         sigma_tol=1e-9, xtol=2e-3)
    assert r.success
    # Sigma vanishes for g <= 1 (classical) and grows like (g - 1)^3 above, so the 1e-9
    # crossing lies just above 1 (0.002 for a coefficient 0.2): bracketed to xtol there
    assert r.bracket[1] - r.bracket[0] <= 2e-3
    # strictly above the classical onset g = 1 (Sigma = 0 there, exactly), and below
    # 1.006: a cubic rise c (g - 1)^3 reaches 1e-9 before g = 1.006 for any c > 5e-3
    # (the classical small-gain expansion is far steeper), so a later crossing means the
    # onset was found in the wrong place
    assert 1.0 < r.onset < 1.006, (
        f"onset {r.onset} outside (1, 1.006): a cubic rise reaches Sigma = 1e-9 before 1.006")


def test_cli_json(capsys):
    rc = main(["complexity", "--model", "additive", "--set", "g_h=1.5", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert {"model", "params", "sigma", "converged", "field_variance", "residual",
            "message"} <= set(out)
    assert out["model"] == "additive" and out["params"]["g_h"] == 1.5
    assert out["sigma"] > 0 and out["converged"] is True


def test_cli_bad_parameter(capsys):
    assert main(["complexity", "--model", "additive", "--set", "g_h=-2", "--json"]) == 1
    assert "g_h" in capsys.readouterr().err


def test_inactive_update_gate_field_is_dropped():
    from meanfield.derive.complexity import complexity_theory

    th = complexity_theory(get_model("gated"))
    assert [str(f) for f in th.fields] == ["eta_h", "eta_r"]
    assert [str(f) for f in th.inactive] == ["eta_z"]


@pytest.mark.parametrize("g", [0.8, 1.5])
def test_profile_matches_independent_fixed_variance_reference(g):
    # Sigma(q) of the additive network at fixed variance: the reference's inner problem
    # (nested 1-d optimisations on Gauss-Hermite nodes) at the same q
    q = np.array([0.01, 0.1, 0.3, 0.6])
    p = complexity_profile("additive", variances=q, g_h=g)
    ref = np.array([kac_rice._inner(x, g) for x in q])
    assert p.success and p.converged.all()
    assert np.allclose(p.sigma, ref, rtol=1e-5, atol=1e-7), (p.sigma, ref)
    if g < 1:  # only the zero fixed point: no variance carries a positive rate
        assert np.all(p.sigma < 0)


def test_profile_maximum_is_the_complexity_and_bounds_the_gated_band():
    q = np.geomspace(0.003, 0.3, 9)
    p = complexity_profile("gated", variances=q, g_h=1.8, alpha_r=20.0, nodes=121)
    assert p.success, p.message
    c = complexity("gated", g_h=1.8, alpha_r=20.0)
    # the grid (ratio 1.78) misses the optimum by the curvature over half a step: the
    # nearest node to q* = 0.056 is 0.053, where Sigma(q) is 1e-4 below the maximum
    assert c.sigma - 1e-3 < p.sigma.max() <= c.sigma + 1e-6
    lo, hi = p.band()
    # the band closes above (Sigma < 0 at the top of the grid) and not below (Sigma(0.003) > 0)
    assert np.isnan(lo) and c.field_variance["h"] < hi < 0.3
    assert set(p.other_variance) == {"r"} and np.all(p.other_variance["r"] > 0)


def test_profile_rejects_bad_input():
    with pytest.raises(ParameterError, match="variances"):
        complexity_profile("additive", variances=[0.1, -1.0], g_h=1.5)
    with pytest.raises(ParameterError, match="field='r'"):
        complexity_profile("additive", variances=[0.1], field="r", g_h=1.5)


def test_profile_cli_and_an_unreachable_variance(capsys):
    # tanh is bounded, Var(h) = g_h^2 <...> < 1 at any fixed point of J tanh(g_h h) with
    # J ~ N(0, 1/N): the variance 1 is unreachable, an exact Sigma = -inf (JSON null)
    rc = main(["complexity", "--model", "additive", "--set", "g_h=1.5",
               "--profile", "h=0.01:1:7", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["success"] and d["field"] == "h"
    assert d["sigma"][6] is None and d["sigma"][3] > 0 and "-inf" in d["message"]
    # Sigma > 0 down to the grid's first point (lower edge not closed: null); the upper
    # edge between the nodes 0.215 and 0.464, where Sigma changes sign
    assert d["band"][0] is None and 0.215 < d["band"][1] < 0.464
    rc = main(["complexity", "--profile", "h=-1:1:3"])
    assert rc != 0 and "variances must be positive" in capsys.readouterr().err


def test_profile_coarse_grid_is_not_reported_unreachable():
    # regression: from q_h = 0.072 to 0.17 the previous optimum q_r = 0.16 is no longer
    # reachable (no law has q_h = 0.17 with q_r = 0.16); the point was returned as
    # Sigma = -inf ("no fixed point has this variance") although Sigma(0.17) = 0.025
    p = complexity_profile("gated", variances=[0.0722, 0.17], g_h=1.8, alpha_r=20.0)
    assert p.success and np.all(np.isfinite(p.sigma)), p.message
    fine = complexity_profile("gated", variances=[0.17], g_h=1.8, alpha_r=20.0)
    assert abs(p.sigma[1] - fine.sigma[0]) < 1e-8 and 0.01 < p.sigma[1] < 0.04


def test_a_kinked_nonlinearity_runs_without_warnings_and_states_its_convergence():
    """phi(x) = g x / (1 + |x|): SymPy writes the slope as a Piecewise whose unused piece is
    0/0 at x = 0. The solve must not leak numpy's RuntimeWarning (pytest makes it an
    error) and must report convergence honestly, with residual and quadrature error."""
    import meanfield as mf

    model = mf.parse_model(user_models.KINKED_ADDITIVE)
    r = complexity(model, throw=False)
    assert np.isfinite(r.sigma) and np.isfinite(r.residual)
    assert "residual" in r.message and "quadrature error" in r.message
    # the kink limits the quadrature (here, 2026-11-27: not converged, residual 1.9e-5,
    # quadrature error 7.6e-5); then the default throw=True raises with the same message
    assert r.success == r.converged
    if not r.converged:
        with pytest.raises(ConvergenceError, match="quadrature error"):
            complexity(model)


def test_a_kink_short_of_nodes_names_the_next_size():
    """phi(x) = g x / (1 + |x|): the kink in phi' limits the trapezoid rule to second
    order (errors 1.3e-5 at 81 nodes, 5.9e-6 at 121, 2026-11-28), and the message said
    only "not converged"; it names the remedy, more nodes."""
    import meanfield as mf

    model = mf.parse_model(user_models.KINKED_ADDITIVE)
    r = complexity(model, refine=1, throw=False)
    assert not r.converged and r.quadrature_nodes == 2 * 121 - 1
    m = re.search(r"the quadrature error was still falling with the nodes \(([0-9.e-]+) "
                  r"at 81, ([0-9.e-]+) at 121\): .* pass nodes=181 or more", r.message)
    assert m and float(m.group(2)) < float(m.group(1)), r.message
    assert float(m.group(2)) == pytest.approx(r.quadrature_error, rel=0.01)
    assert "at most 20000000 with 1 active fields" in r.message  # the 2e7-point grid


def test_refinement_stops_where_more_nodes_barely_help():
    """The kinked model: 81 -> 121 nodes cut the quadrature error only 2.3 times, and
    a third solve (the most costly) would not converge either; every point measured that
    converged after refinement had its error cut 23-92 times by that first step."""
    import meanfield as mf

    model = mf.parse_model(user_models.KINKED_ADDITIVE)
    r = complexity(model, throw=False)
    assert not r.converged and r.quadrature_nodes == 2 * 121 - 1
    m = re.search(r"refinement stopped at 121 nodes: the quadrature error fell only "
                  r"([0-9.]+) times \([0-9.e-]+ at 81, [0-9.e-]+ at 121\)", r.message)
    assert m and 1 < float(m.group(1)) < 3, r.message
    assert "pass nodes=181 or more" in r.message


def test_steep_gates_converge_on_the_mapped_grid():
    """Gated model, g_h = 4, with a steep output gate. On the uniform grid alpha_r = 50
    needed 407 nodes (Sigma 0.243544, 82 s), alpha_r = 100 more than 601 and alpha_r = 1e3
    did not converge within the grid's limit (350 s). The grid mapped into the gate's
    slope, and into the zero of Gamma_hr = alpha_r s_r' phi(h) at h = 0 that the gate
    makes narrow, converges at the default nodes. Checked against a solve on twice the
    nodes and twice the map's strength (an independent grid): agreement to 1e-9."""
    import meanfield.solve.complexity as cx

    for alpha_r, old in ((50.0, 0.243544), (1000.0, None)):
        r = complexity("gated", g_h=4.0, alpha_r=alpha_r)
        assert r.converged and r.quadrature_error < 1e-9, r.message
        if old is not None:
            assert r.sigma == pytest.approx(old, abs=1e-6)  # the 407-node uniform solve
        q = np.array(list(r.field_variance.values()))
        strong = cx._Kernel(get_model("gated"), get_model("gated").resolve(
            None, g_h=4.0, alpha_r=alpha_r), 81)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(cx, "_STRENGTH", 2 * cx._STRENGTH)
            check = strong.solve(q, tol=1e-12)
        assert check["S"] == pytest.approx(r.sigma, abs=1e-9)


def test_saturated_presynaptic_functions_give_one_fixed_point():
    # tanh(1.5 h + 50) is 1 to double precision: the fields are constants, one fixed
    # point, Sigma = 0 (it was refused as "no field feeds back"; found by a probe)
    r = complexity("additive", beta_h=50.0)
    assert r.converged and r.sigma == 0.0 and r.branch == "zero"
    assert "constant to double precision" in r.message
    assert math.isnan(r.field_variance["h"]) and r.log_det == 0.0


def test_the_onset_bisection_ends_at_the_resolution_of_floats():
    """xtol = 1e-20 looped forever once lo and hi were adjacent floats (a probe)."""
    from meanfield.solve.complexity import complexity_onset

    r = complexity_onset("additive", start=0.5, stop=3.0, xtol=1e-20)
    lo, hi = r.bracket
    assert r.success and lo < hi and np.nextafter(lo, np.inf) == hi


def test_the_zero_branch_reports_the_zero_fixed_points_stability():
    """Sigma = 0 on the zero branch counts the zero fixed point: its stability is
    rho(M(0)) = (g_h s_r(0))^2 = (g_h / 2)^2 here, not NaN beside converged (a probe,
    2026-11-28)."""
    from meanfield.solve.complexity import complexity

    r = complexity("gated", g_h=1.5)
    assert r.converged and r.branch == "zero" and r.stability == pytest.approx(0.5625)


def test_a_cycling_saddle_point_is_not_converged():
    """Gated g_h = 50, beta_h = -50, alpha_r = 1e3: phi = tanh(50 h - 50) has a spike of
    width 0.02 at h = 1 that the uniform grid missed, and it read "Sigma = 0, converged".
    On the mapped grid the saddle point's alternation cycles beyond q ~ (0.48, 1.0)
    (last change 1-15): not converged, and the message says where."""
    r = complexity("gated", g_h=50.0, beta_h=-50.0, alpha_r=1000.0, beta_r=50.0, throw=False)
    assert not r.converged and not r.success
    assert "did not converge at" in r.message and "alternation cycles" in r.message
    assert r.residual > 1e-3


def _one_field(phi):
    import meanfield as mf

    return mf.parse_model("name: u\nparameters:\n    g = 1.5 | g > 0 | gain\nfunctions:\n"
                          f"    phi(x) = {phi}\nequations:\n    dh/dt = -h + J @ phi(h)\n")


def test_the_search_reaches_variances_beyond_four():
    """phi = 50 exp(-x^2) has its saddle point at q = 220: the scan and search stopped at
    q = 4 and read "Sigma = 0, converged" (a probe). Rescaling h = 50 y gives the same
    fixed points with phi = exp(-y^2/0.02^2), whose saddle point is at q = 0.088: both
    give Sigma = 0.6189958 (measured; to 1e-9 here)."""
    big = complexity(_one_field("g*exp(-x**2)"), g=50.0)
    small = complexity(_one_field("exp(-x**2/0.02**2)"))
    assert big.converged and small.converged
    # S is flat at its maximum, so q is fixed only to about the square root of the
    # tolerance on S (measured: 2e-6 relative), Sigma to the tolerance itself
    assert big.field_variance["J"] == pytest.approx(2500 * small.field_variance["J"],
                                                    rel=1e-4)
    assert big.sigma == pytest.approx(small.sigma, abs=1e-9)
    assert big.sigma == pytest.approx(0.6189958, abs=1e-6)


def test_a_steep_user_tanh_runs_without_overflow_warnings():
    """phi = tanh(g x) at g = 50, whose slope is printed g/cosh(g x)^2: cosh overflowed on
    the far nodes with numpy's RuntimeWarning (an error here); the value is the shipped
    additive model's."""
    r = complexity(_one_field("tanh(g*x)"), g=50.0)
    assert r.sigma == pytest.approx(complexity("additive", g_h=50.0).sigma, abs=1e-12)


def test_one_cycling_scan_point_among_solved_ones_is_skipped():
    """Gated g_h = 1.0664, alpha_r = 1e3: the scan's first point (q ~ 2e-5) cycles and the
    rest solve. The scan stopped there and the result was "not converged", which made
    complexity_onset raise (a probe); S is known around that point: Sigma = 0."""
    r = complexity("gated", g_h=1.06640625, alpha_r=1000.0, throw=False)
    assert r.converged and r.sigma == 0.0 and r.branch == "zero", r.message
