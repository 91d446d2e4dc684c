"""Stationary DMFT (Gaussian case) against the classical additive results."""

import re

import numpy as np
import pytest

from meanfield import ConvergenceError, ParameterError, fixed_point_branches
from meanfield.solve.dmft import dmft
from meanfield.solve.dmft_sampling import sample_stationary
from tests.reference import user_models
from tests.reference.classical_dmft import classical_delta_0

GRID = dict(tau_max=40.0, nodes=64, damping=0.9)


def test_additive_variance_matches_the_classical_potential_and_converges_as_dtau2():
    exact = classical_delta_0(2.0)
    coarse = dmft("additive", g_h=2.0, dtau=0.1, **GRID)
    fine = dmft("additive", g_h=2.0, dtau=0.05, **GRID)
    assert coarse.converged and fine.converged and coarse.chaotic
    err_c, err_f = abs(coarse.delta_0 - exact), abs(fine.delta_0 - exact)
    # measured: 1.3e-3 relative at dtau = 0.1, four times smaller at 0.05 (second order)
    assert err_c / exact < 3e-3
    assert err_f < err_c / 3
    # beta_h = 0: no static part; what remains is the correlation left at tau_max = 40
    # (about 4e-4 of Delta_0 here), which a longer grid removes
    assert coarse.delta_inf < 1e-3 * coarse.delta_0


def test_the_gated_lag_grid_error_at_the_default_dtau_is_second_order_and_small():
    # the dmft docstring's statement: at the default dtau = 0.05, halving dtau moves
    # delta_0, tau_corr and lambda_max by 6e-5, 5e-5 and 1e-4 (relative) at g_h = 4,
    # alpha_r = 5; the moves shrink fourfold per halving (second order)
    r = {dt: dmft("gated", g_h=4.0, alpha_z=0.0, alpha_r=5.0, method="gaussian", dtau=dt)
         for dt in (0.1, 0.05, 0.025)}
    assert all(x.converged and x.chaotic for x in r.values())
    for q, bound in (("delta_0", 1e-4), ("tau_corr", 1e-4), ("lyapunov_max", 2e-4)):
        coarse = abs(getattr(r[0.1], q) - getattr(r[0.05], q))
        fine = abs(getattr(r[0.05], q) - getattr(r[0.025], q))
        assert fine < bound * abs(getattr(r[0.025], q)), q
        assert 3.0 < coarse / fine < 5.0, q


def test_below_unit_gain_the_solution_is_the_zero_fixed_point():
    r = dmft("additive", g_h=0.8, dtau=0.1, **GRID)
    assert r.converged and not r.chaotic
    assert r.delta_0 < 1e-6 and np.isnan(r.tau_corr)


def test_gated_without_gates_is_a_rescaled_additive_network():
    # alpha_z = alpha_r = 0: s_z = s_r = 1/2, so h = y/2 with y the additive network of
    # gain g_h/2 and time constant 2: Delta_0 is a quarter, tau_corr twice the additive.
    # On grids scaled the same way the discrete equations are identical.
    gated = dmft("gated", g_h=3.0, alpha_z=0.0, alpha_r=0.0, dtau=0.2, tau_max=80.0,
                 nodes=32, damping=0.9)
    add = dmft("additive", g_h=1.5, dtau=0.1, tau_max=40.0, nodes=32, damping=0.9)
    assert gated.delta_0 == pytest.approx(add.delta_0 / 4, rel=1e-7)
    assert gated.tau_corr == pytest.approx(2 * add.tau_corr, rel=1e-6)
    assert add.delta_0 == pytest.approx(classical_delta_0(1.5), rel=3e-3)


def test_gaussian_method_refuses_the_non_gaussian_case_with_the_reason():
    with pytest.raises(ParameterError, match="alpha_z = 0 is required"):
        dmft("gated", method="gaussian", g_h=3.0, alpha_z=2.0)
    with pytest.raises(ParameterError, match="damping"):
        dmft("additive", damping=0.0)
    with pytest.raises(ParameterError, match="method"):
        dmft("additive", method="exact")
    with pytest.raises(ParameterError, match="replicas"):
        dmft("gated", alpha_z=2.0, replicas=1)
    with pytest.raises(ParameterError, match="progress must be callable"):
        dmft("gated", alpha_z=2.0, progress=True)
    # a record as long as the lag window leaves no pair of times at the last lag (it
    # divided by zero there before T had to exceed tau_max)
    with pytest.raises(ParameterError, match=r"T=100.0 must be a finite number > tau_max"):
        dmft("gated", alpha_z=2.0, T=100.0, tau_max=100.0)


def test_sampling_options_are_refused_or_reported_where_the_gaussian_method_runs():
    # they were ignored without a word (found by a probe): an error with method="gaussian",
    # a note in the message where "auto" takes the deterministic equations; same solution
    with pytest.raises(ParameterError, match="samples, seed are options of the sampling method"):
        dmft("additive", method="gaussian", g_h=1.5, samples=2000, seed=3)
    plain = dmft("additive", g_h=1.5, dtau=0.1, **GRID)
    auto = dmft("additive", g_h=1.5, dtau=0.1, samples=2000, seed=3, **GRID)
    assert "samples, seed not used: the Gaussian method applies" in auto.message
    assert "not used" not in plain.message
    assert auto.delta_0 == plain.delta_0 and auto.settings["method"] == "gaussian"
    # and the mirror image: the Gaussian quadrature's nodes with the sampling method
    with pytest.raises(ParameterError, match="nodes is an option of the Gaussian"):
        dmft("gated", method="sampling", alpha_z=2.0, nodes=40)


def test_sampled_zero_fixed_point_is_a_converged_fixed_point():
    """g_h = 0.5, alpha_z = 2 at the default window: C_h(0) 5e-21, and the solve was "not
    a solution" for the 45-50 % negative spectral weight of the iterates on the way (the
    decaying remnant of the start, no stationary covariance), with "C still decays" of
    that remnant. The weight now counts the fields drawn at the solution, and a field
    that vanishes to double precision is not counted."""
    r = dmft("gated", method="sampling", g_h=0.5, alpha_z=2.0, samples=1000, lyapunov=False)
    assert r.converged and r.chaotic is False and r.delta_0 < 1e-12
    assert "negative spectral weight" not in r.message and "decays" not in r.message


def test_sampled_remnant_of_the_initial_state_is_no_chaos():
    # g_h = 1e-3: the zero fixed point; what is left of the initial state (C_h(0) ~ 1e-32)
    # decays over the lags by far more than its spread between replicas and was called
    # chaos before the absolute floor
    r = dmft("gated", method="sampling", g_h=1e-3, alpha_z=2.0, samples=400, replicas=2,
             T=150.0, lyapunov=False)
    assert r.converged and not r.chaotic and r.delta_0 < 1e-12
    # g_h = 0.5 with few samples: the remnant (delta_0 1e-8) passed that floor and was
    # "chaotic" beside lambda_max = -0.41 +- 0.008; a significantly negative exponent
    # now makes the classification undecided (a probe, 2026-11-28)
    r = dmft("gated", method="sampling", g_h=0.5, alpha_z=2.0, samples=128, tau_max=20.0,
             T=60.0)
    assert r.lyapunov_max + 3 * r.lyapunov_error < 0
    assert r.chaotic is None and not r.converged and "remnant of the start" in r.message


def test_sampled_stationary_process_has_the_requested_covariance():
    # exp(-|tau|) plus a static part 0.3: 4000 samples, covariance at lags 0, 1, 2
    tau = 0.1 * np.arange(200)
    corr = np.exp(-tau) + 0.3
    x, neg = sample_stationary(corr, 500, 4000, np.random.default_rng(0))
    assert x.shape == (500, 4000) and neg < 1e-3
    for lag, want in ((0, 1.3), (10, np.exp(-1) + 0.3), (20, np.exp(-2) + 0.3)):
        prod = x[100] * x[100 + lag]
        # sampling error of a mean of 4000 products: their std / sqrt(4000)
        assert abs(prod.mean() - want) < 4 * prod.std() / np.sqrt(4000)


def test_sampled_field_keeps_its_variance_when_the_estimated_tail_is_negative():
    # An estimated correlation whose last lag came out negative (noise around a decayed
    # tail) has no static part; the field must still have variance corr[0] (the tail was
    # once subtracted anyway, which gave corr[0] + 0.02 here).
    lags = np.arange(200)
    corr = np.exp(-lags / 10.0) - 0.02
    x, neg = sample_stationary(corr, 1200, 4000, np.random.default_rng(1))
    assert neg < 1e-3
    per_sample = (x ** 2).mean(axis=0)  # independent samples: their spread is the error
    err = per_sample.std() / np.sqrt(per_sample.size)
    assert abs(per_sample.mean() - corr[0]) < 4 * err, (per_sample.mean(), err)
    assert 4 * err < 0.01  # resolves the old error of 0.02


def test_sampling_method_agrees_with_the_gaussian_solution_at_alpha_z_0():
    # The sampled DMFT knows nothing of the linear-filter structure: it integrates the
    # single-site process. At alpha_z = 0 it must reproduce the deterministic solution
    # within its own stated sampling error (SEM over 4 independent replicas) plus
    # Heun's discretisation error at dtau = 0.1 (measured: under 1e-3 relative).
    params = dict(g_h=4.0, alpha_z=0.0, alpha_r=5.0)
    exact = dmft("gated", dtau=0.1, tau_max=60.0, nodes=64, damping=0.9, **params)
    s = dmft("gated", method="sampling", dtau=0.1, tau_max=40.0, T=160.0, samples=2000,
             seed=3, lyapunov=False, **params)
    assert s.method == "sampling" and s.converged and s.chaotic
    assert 0 < s.stat_error < 0.05 * s.delta_0
    assert abs(s.delta_0 - exact.delta_0) < 3 * s.stat_error + 1e-3 * exact.delta_0
    # z and r are Gaussian filters of phi: their variance is sampled too
    assert abs(s.C["z"][0] - exact.C["z"][0]) < 0.05 * exact.C["z"][0]
    # per-lag errors over the same replicas: at lag 0 the error of delta_0 itself
    assert exact.C_error == {} and s.C_error.keys() == s.C.keys()
    assert all(s.C_error[v].shape == s.C[v].shape for v in s.C)
    assert s.C_error["h"][0] == pytest.approx(s.stat_error, rel=1e-12)
    assert all(np.all(np.isfinite(e) & (e >= 0)) for e in s.C_error.values())
    # delta_inf and tau_corr carry their own errors (each replica's own summary): the
    # exact values on the sampled window (tau <= 40, C(inf) from its last tenth) lie
    # within 4 of them (Student's t with 3 degrees of freedom: 4 is its 97 % point), plus
    # Heun's discretisation error as above (seeds 3-8 measured: |z| <= 1.3 for tau_corr,
    # <= 2.1 for delta_inf)
    assert exact.delta_inf_error == 0.0 and exact.tau_corr_error == 0.0
    assert s.delta_inf_error > 0 and s.tau_corr_error > 0
    w = exact.tau <= 40.0 + 1e-9
    C_w, tau_w = exact.C["h"][w], exact.tau[w]
    cinf = C_w[int(0.9 * len(tau_w)):].mean()
    tc = np.trapezoid(C_w - cinf, tau_w) / (C_w[0] - cinf)
    assert abs(s.delta_inf - cinf) < 4 * s.delta_inf_error + 1e-3 * exact.delta_0
    assert abs(s.tau_corr - tc) < 4 * s.tau_corr_error + 1e-3 * tc, (s.tau_corr, tc)
    d = s.to_dict()
    assert d["delta_inf_error"] == s.delta_inf_error and d["tau_corr_error"] == s.tau_corr_error


def test_sampled_averaging_is_reproducible_and_checked_at_the_boundary():
    # After converging with its frozen noise each replica averages passes with fresh noise
    # (the frozen-noise fixed point is biased upward: 0.2057 +- 0.0020 against
    # 0.2031 +- 0.0006 at g_h = 4, alpha_z = alpha_r = 5, T = 300, 4 seeds; measured, see
    # docs/index.md). Those passes are seeded: the same seed gives the same result.
    # (samples=200, 50 a replica, was used: its frozen-noise solve settled on the static
    # branch, variance 0.164 against the unstable fixed point's 0.155 (stability 1.51), and
    # was called converged until the sampled method checked static solutions, 2026-11-28)
    kw = dict(g_h=4.0, alpha_z=2.0, dtau=0.2, tau_max=30.0, T=60.0, samples=400,
              lyapunov=False, seed=1)
    a, b = dmft("gated", averaging=2, **kw), dmft("gated", averaging=2, **kw)
    frozen = dmft("gated", averaging=0, **kw)
    assert a.converged and frozen.converged
    assert a.delta_0 == b.delta_0 and np.array_equal(a.C["h"], b.C["h"])
    assert a.delta_0 != frozen.delta_0 and a.settings["averaging"] == 2
    assert "then 2 passes with fresh noise averaged" in a.message
    assert "frozen noise" in frozen.message
    for bad in (-1, 2.5, True, "4"):
        with pytest.raises(ParameterError, match=r"averaging=.* must be an integer >= 0"):
            dmft("gated", averaging=bad, **kw)


def test_auto_method_samples_the_non_gaussian_case_and_reports_non_convergence():
    r = dmft("gated", g_h=3.0, alpha_z=5.0, dtau=0.2, tau_max=20.0, T=40.0, samples=64,
             max_iter=1, lyapunov=False)
    assert r.method == "sampling" and not r.converged
    assert "no convergence" in r.message
    with pytest.raises(ConvergenceError, match="no convergence"):
        dmft("gated", g_h=3.0, alpha_z=5.0, dtau=0.2, tau_max=20.0, T=40.0, samples=64,
             max_iter=1, throw=True)


def classical_lyapunov(g, tau_max=30.0, h=0.05, nodes=160):
    """lambda_max of the additive network from the Schrodinger problem, independently.

    C(tau) from the particle in the classical potential, C'' = C - <phi phi>(C), started
    at rest at Delta_0 (numpy Gauss-Hermite and scipy solve_ivp, nothing from the
    package); then H = -d^2/dtau^2 + 1 - g^2 <phi' phi'>(C(tau)) by finite differences and
    lambda_max = -1 + sqrt(1 - E0). The odd first excited state, dC/dtau, has E1 = 0
    exactly: returned as a check of the discretisation.
    """
    from numpy.polynomial.hermite_e import hermegauss
    from scipy.integrate import solve_ivp

    d0 = classical_delta_0(g)
    x, w = hermegauss(nodes)
    w = w / w.sum()

    def pair(f, c):
        rho = np.clip(c / d0, -1, 1)
        x1 = np.sqrt(d0) * x[:, None]
        x2 = np.sqrt(d0) * (rho * x[:, None] + np.sqrt(1 - rho ** 2) * x[None, :])
        return float(w @ (f(x1) * f(x2)) @ w)

    phi = lambda v: np.tanh(g * v)  # noqa: E731
    dphi = lambda v: g / np.cosh(g * v) ** 2  # noqa: E731
    # the separatrix is unstable: integrate while C is clearly positive, then C = 0
    sol = solve_ivp(lambda t, y: [y[1], y[0] - pair(phi, y[0])], (0, tau_max), [d0, 0.0],
                    rtol=1e-11, atol=1e-13, dense_output=True,
                    events=lambda t, y: y[0] - 1e-4 * d0)
    t_end = sol.t[-1]
    grid = np.arange(-tau_max, tau_max + h / 2, h)
    C = np.where(np.abs(grid) < t_end, sol.sol(np.minimum(np.abs(grid), t_end))[0], 0.0)
    Q = np.array([pair(dphi, c) for c in C])
    n = len(grid)
    H = (np.diag(2 * np.ones(n)) - np.diag(np.ones(n - 1), 1) - np.diag(np.ones(n - 1), -1)
         ) / h ** 2 + np.diag(1 - Q)
    E = np.linalg.eigvalsh(H)
    return -1 + np.sqrt(1 - E[0]), E[1]


@pytest.mark.parametrize("g", [2.0, 3.0])
def test_additive_lyapunov_exponent_matches_the_schrodinger_problem(g):
    want, e1 = classical_lyapunov(g)
    assert abs(e1) < 2e-3  # the Goldstone mode dC/dtau: zero energy up to discretisation
    r = dmft("additive", g_h=g, dtau=0.05, tau_max=30.0, nodes=80, damping=0.9)
    # both discretise d^2/dtau^2 to second order (h = 0.05): measured agreement 1e-4
    assert r.lyapunov_max == pytest.approx(want, abs=1e-3)
    assert r.lyapunov_max > 0


def test_lyapunov_exponent_at_the_zero_fixed_point_is_the_spectral_edge():
    # C = 0: Q = g^2 phi'(0)^2 constant, so (1 + lambda)^2 = g^2 (up to the finite box)
    r = dmft("additive", g_h=0.8, dtau=0.1, tau_max=40.0, nodes=32)
    assert not r.chaotic
    assert r.lyapunov_max == pytest.approx(-0.2, abs=2e-3)


def test_sampled_tangent_process_reproduces_the_gaussian_lyapunov_exponent():
    # The sampled tangent process (the alpha_z > 0 method) knows nothing of the linear
    # filters: at alpha_z = 0, driven by the exact Gaussian field correlations, its
    # exponent must agree with the deterministic tangent equations (0.1851 here).
    # Tolerance: measured spread over seeds, sd 0.005 with 512 trajectories of 160 time
    # units, so about 0.0075 here (384 of 100), times 3, plus the window bias measured
    # with 512 trajectories (+0.003): 0.025.
    from meanfield.codegen.quadrature import trapezoid_nodes
    from meanfield.models import get_model
    from meanfield.solve import dmft as D
    from meanfield.solve.dmft_sampling import site_kernels
    from meanfield.solve.dmft_tangent import lyapunov_sampled

    m = get_model("gated")
    p = m.resolve(None, g_h=4.0, alpha_r=5.0, alpha_z=0.0)
    exact = D.dmft(m, params=p, dtau=0.1, tau_max=30.0, nodes=64)
    system = D._gaussian_system(m, tuple(sorted(p.items())))
    u, w = map(np.asarray, trapezoid_nodes(64))
    C = {k: exact.C[s] for k, s in enumerate(system.states)}

    def field(f):  # <g_f(x(t)) g_f(x(t + tau))> of the exact solution
        out = np.ones(len(exact.tau))
        for k, i in system.factors[f]:
            fn = getattr(system.module, f"g{i}")
            out = out * (fn(np.zeros(1))[0] ** 2 if k < 0
                         else D._pair_average(fn, C[k][0], C[k], u, w))
        return out

    fields = [field(members[0]) for members in site_kernels(m).groups]
    lam, info = lyapunov_sampled(m, p, fields, n_lags=len(exact.tau), dtau=0.1, steps=1000,
                                 burn=150, samples=384, seed=2, guess=0.15, window=12.0)
    assert info["converged"], info["message"]
    assert abs(lam - exact.lyapunov_max) < 0.025


def test_a_coarse_quadrature_is_refined_until_its_error_meets_the_target():
    """Started at 16 nodes per dimension (error 7e-2 in C at g_h = 4), the solver doubles
    the nodes until the map changes by less than 1e-6 C(0) against twice as many, and then
    agrees with a start at 160 nodes; the message states the error and the rule."""
    kw = dict(g_h=4.0, alpha_z=0.0, alpha_r=5.0, tau_max=40.0, dtau=0.1, lyapunov=False)
    coarse = dmft("gated", nodes=16, **kw)
    fine = dmft("gated", nodes=160, **kw)
    assert coarse.converged and fine.converged
    assert "quadrature error" in coarse.message and "16 nodes" not in coarse.message
    # both solutions carry at most 1e-6 C(0) of quadrature error (and tol 1e-9)
    assert abs(coarse.delta_0 - fine.delta_0) < 2e-6 * fine.delta_0


def test_a_quadrature_that_cannot_meet_the_target_is_flagged_not_silent(monkeypatch):
    import meanfield.solve.dmft as D

    monkeypatch.setattr(D, "_MAX_NODES", 8)  # no refinement allowed beyond the start
    r = dmft("gated", g_h=4.0, alpha_z=0.0, alpha_r=5.0, tau_max=40.0, dtau=0.1, nodes=8)
    assert not r.converged
    assert "quadrature is too coarse: 8 nodes" in r.message
    # every output is still computed (the iteration itself converged)
    assert np.isfinite(r.delta_0) and np.isfinite(r.lyapunov_max)
    with pytest.raises(ConvergenceError, match="quadrature is too coarse"):
        dmft("gated", g_h=4.0, alpha_z=0.0, alpha_r=5.0, tau_max=40.0, dtau=0.1, nodes=8,
             throw=True)


def test_slow_sampled_solution_is_never_reported_as_a_converged_fixed_point():
    # g_h = 3 is chaotic at every alpha_z (the update gate sets timescales, not the onset:
    # the zero fixed point and the non-zero branch are unstable here), but at alpha_z = 50
    # C_h decays by 2 % over tau_max = 100 and the sampled drop C(0) - C(inf) is only
    # 2.4 standard errors. The solver used to call that a converged fixed point
    # (chaotic False, converged True); it must either find the chaos or say it could not.
    r = dmft("gated", g_h=3.0, alpha_z=50.0, method="sampling", samples=1000,
             lyapunov=False)
    assert r.chaotic or not r.converged, r.message
    if not r.converged:
        assert "chaos not resolved" in r.message and "raise tau_max" in r.message
    assert not any(b.stable for b in fixed_point_branches("gated", g_h=3.0, alpha_z=50.0))


def test_tiled_two_time_average_equals_an_independent_double_integral(monkeypatch):
    """<tanh(g x1) tanh(g x2)> for (x1, x2) Gaussian with Var c0 and covariance c,
    evaluated in tiles of every size (one row of nodes per tile up to one tile per task),
    equals the double integral done adaptively by scipy's quad (nested), and the tilings
    agree to rounding."""
    from scipy.integrate import quad

    from meanfield.codegen.quadrature import trapezoid_nodes
    from meanfield.solve import dmft as D

    g, c0 = 2.0, 0.7
    fn = lambda x: (np.tanh(g * x),)  # noqa: E731
    u, w = map(np.asarray, trapezoid_nodes(96))
    c = c0 * np.array([1.0, 0.9, 0.5, 0.0, -0.3, -1.0])
    s = np.sqrt(c0)
    pdf = lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    opts = dict(epsabs=1e-13, epsrel=1e-13, limit=200)

    def exact(r):  # x1 = s a, x2 = s (r a + sqrt(1 - r^2) b), a and b independent
        def inner(a):
            return quad(lambda b: np.tanh(g * s * (r * a + np.sqrt(1 - r * r) * b)) * pdf(b),
                        -12, 12, **opts)[0]
        return quad(lambda a: np.tanh(g * s * a) * pdf(a) * inner(a), -12, 12, **opts)[0]

    ref = np.array([exact(r) for r in c / c0])
    outs = []
    for tile in (8 * 96, 5e5, 1e12):  # one row per tile, the default, one tile per task
        monkeypatch.setattr(D, "_TILE_BYTES", tile)
        outs.append(D._pair_average(fn, c0, c, u, w))
    for out in outs:
        # 96 trapezoid nodes: within 1e-12 of 192 for this integrand
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-10)
        np.testing.assert_allclose(out, outs[-1], rtol=1e-13, atol=1e-15)




def test_oscillating_correlations_still_give_the_lyapunov_exponent():
    """With adaptation C_h(tau) - C_h(inf) changes sign and its integral, tau_corr, is
    negative (-0.32). The sampled tangent process used 0.5 / tau_corr as its first guess
    and 2 tau_corr as its covariance window: every covariance was zeroed, and the fit
    raised numpy's LinAlgError. Now: a finite exponent, and the message says why tau_corr
    is no timescale. Reference: the network (simulator, QR method), N = 1000, T = 300,
    transient 100, seed 0: lambda_max = 0.1624 +- 0.0069 (2026-11-27); the DMFT with 4000
    samples gave 0.1625 +- 0.0037. Tolerance: 3 x (network SE (+) this run's SE)."""
    import meanfield as mf

    m = mf.parse_model(user_models.ADAPTATION)
    r = dmft(m, dtau=0.2, tau_max=40.0, samples=1000)
    assert r.method == "sampling" and r.converged, r.message
    assert r.tau_corr < 0 and "is not a correlation time" in r.message
    assert np.isfinite(r.lyapunov_max) and np.isfinite(r.lyapunov_error)
    assert abs(r.lyapunov_max - 0.1624) < 3 * np.hypot(0.0069, r.lyapunov_error), (
        r.lyapunov_max, r.lyapunov_error)


def test_a_small_positive_tau_corr_does_not_cut_the_tangent_covariances_short():
    """Weaker adaptation (b = 0.15): C_h oscillates and its integral is small but positive
    (tau_corr 0.36). The tangent process's window was 2 tau_corr = 0.72, inside C's first
    swing, and lambda_max came out 0.085 +- 0.003, "converged", where b = 0.1 and 0.2 give
    0.235 and 0.221. Reference: the network (simulator, QR method), N = 1000, T = 200,
    transient 100, seeds 0-2: lambda_max = 0.2197 +- 0.0082 (2026-11-28; the DMFT with
    4000 samples now gives 0.2286 +- 0.0045). Tolerance: 3 x (network SE (+) this run's
    SE)."""
    import meanfield as mf

    m = mf.parse_model(user_models.ADAPTATION)
    r = dmft(m, dtau=0.2, tau_max=40.0, samples=1000, b=0.15)
    assert r.method == "sampling" and r.converged, r.message
    assert 0 < r.tau_corr < 1, r.tau_corr  # the case: a small positive integral
    assert "is not a correlation time" in r.message  # and it is said to be none
    assert abs(r.lyapunov_max - 0.2197) < 3 * np.hypot(0.0082, r.lyapunov_error), (
        r.lyapunov_max, r.lyapunov_error)


def test_a_variable_driven_by_two_fields_is_a_gaussian_filter_of_their_sum():
    """dh/dt = -h + eta_1 + k eta_2 with independent fields: h filters one Gaussian process
    of correlation C_1 + k^2 C_2. The Gaussian solver used to refuse ("driven by 2
    fields"). Reference: networks (simulator), N = 2000, seeds 0-2, T = 400 after 200:
    variance of h 0.526 +- 0.005; N = 1000, T = 300: lambda_max 0.107 +- 0.006
    (2026-11-27). Tolerance: 3 x the networks' standard errors."""
    import meanfield as mf

    m = mf.parse_model(user_models.TWO_COUPLINGS)
    r = dmft(m)
    assert r.method == "gaussian" and r.converged, r.message
    assert sorted(r.filters["h"]["gain"]) == [0.5, 1.0]  # one gain per field
    assert abs(r.delta_0 - 0.526) < 3 * 0.005
    assert abs(r.lyapunov_max - 0.107) < 3 * 0.006


def test_a_runaway_or_unstable_single_site_process_is_reported_without_warnings():
    """No bounded solution: the Gaussian iteration overflowed with numpy warnings (from the
    pool's threads too) and said only "non-finite correlation"; the sampled process
    advised "reduce dtau" for dynamics that are unstable at any step. pytest turns any
    RuntimeWarning into an error here."""
    import meanfield as mf

    r = dmft(mf.parse_model(user_models.RUNAWAY), dtau=0.2, tau_max=20.0, lyapunov=False)
    assert not r.converged and "no bounded stationary solution" in r.message
    with pytest.raises(ParameterError, match="dynamics are unstable at these parameters"):
        dmft(mf.parse_model(user_models.SIGNED_GATE), dtau=0.2, tau_max=20.0, samples=64,
             T=40.0, replicas=2)
    # the fields settle (phi is bounded) while h runs away: its correlations overflowed in
    # the average over replicas (numpy's warning, then a result with inf)
    with pytest.raises(ParameterError, match="single-site process ran away"):
        dmft(mf.parse_model(user_models.SIGNED_GATE_BOUNDED), dtau=0.2, tau_max=20.0,
             samples=64, T=40.0, replicas=2)


def test_a_gate_closed_beyond_double_precision_names_its_parameters():
    """alpha_z = 0, beta_z = 1000: s_z = exp(-1000) is 0.0, so h never relaxes; the
    message said only "non-positive relaxation rate 0", not which value made it so."""
    with pytest.raises(ParameterError, match=r"dh/dt relaxes at rate .* = 0 at "
                                             r"alpha_z=0, beta_z=1000"):
        dmft(params=dict(alpha_z=0.0, beta_z=1000.0, g_h=2.0), tau_max=20.0)


def test_a_window_of_few_correlation_times_is_warned_about():
    # additive g_h = 1.3 (exact C_inf = 0, tau_corr 13.2 on a long window): on lags up to
    # 30 the last tenth still holds correlation, C_inf reads 0.027 and tau_corr 10.9;
    # the tail note (5 % of the drop over the last tenth) missed such slow tails (a
    # probe's user model: delta_inf 33 % high, tau_corr half)
    short = dmft("additive", g_h=1.3, tau_max=30.0, dtau=0.1, lyapunov=False)
    long = dmft("additive", g_h=1.3, tau_max=200.0, dtau=0.1, lyapunov=False)
    assert short.delta_inf > 0.02 and long.delta_inf < 1e-8
    assert "warning: tau_corr = 10.9 is more than 0.3 tau_max = 30" in short.message
    assert "warning" not in long.message and long.tau_corr > 1.2 * short.tau_corr


def test_a_gaussian_tail_still_falling_by_a_thousandth_is_warned_about():
    # g_h = 2.5, alpha_r = 0 on the default window (tau_max 100): C falls by 0.3 % of its
    # fluctuating part over the last tenth, delta_inf 0.00122 against 8e-6 on 200; dmft
    # said nothing where the dimension theory refused the solution (found by a probe)
    short = dmft("gated", g_h=2.5, alpha_z=0.0, alpha_r=0.0, dtau=0.1, lyapunov=False)
    long = dmft("gated", g_h=2.5, alpha_z=0.0, alpha_r=0.0, dtau=0.1, tau_max=200.0,
                lyapunov=False)
    assert "warning: C still decays over the last tenth" in short.message
    assert "warning" not in long.message and long.delta_inf < 0.01 * short.delta_inf


def test_a_fixed_point_solution_carries_no_decay_warning():
    """Below the onset the Gaussian solution is static; its C falls by ~1e-9 over the
    window (the remnant of the start), which was warned about as "C still decays"
    (a probe, 2026-11-28)."""
    r = dmft("additive", g_h=0.8)
    assert r.converged and r.chaotic is False and "warning" not in r.message


def test_a_static_solution_slower_than_the_window_and_unstable_is_not_a_result():
    """Additive g = 2 with tau_h = 1e3 is the g = 2 network slowed down: chaotic, delta_0
    0.4812. On the default window the Gaussian iteration settled on the static solution
    (0.5304), "not chaotic", converged, with only a warning (a probe, 2026-11-28); that
    fixed point is unstable (rho(M(0)) = 1.363), so the result is not converged."""
    r = dmft("additive", g_h=2.0, tau_h=1e3)
    assert not r.converged and r.chaotic is None
    assert "stability 1.363 > 1 (unstable)" in r.message
    with pytest.raises(ConvergenceError, match="raise tau_max"):
        dmft("additive", g_h=2.0, tau_h=1e3, throw=True)
    # below the onset the same slow network is a stable fixed point: a result
    assert dmft("additive", g_h=0.5, tau_h=1e3).chaotic is False


def test_the_sampled_process_refuses_a_step_beyond_a_time_constant():
    """tau_z = 0.045 at dtau = 0.1 is beyond Heun's limit of 2 tau: C_z(0) ran to 1e170
    with advice to raise samples (a probe, 2026-11-28); now refused before any work,
    naming dtau and the variable."""
    with pytest.raises(ParameterError, match="dtau=0.1 exceeds the time constant 0.045 of z"):
        dmft("gated", g_h=3.0, alpha_z=5.0, tau_z=0.045, samples=400, replicas=2)


def test_a_sampled_start_kept_through_the_burn_is_not_a_solution():
    """beta_z = 20 closes the update gate (s_z ~ e^-20, a time scale of 5e8): the sampled
    states kept their N(0, 1) start through the burn, delta_0 0.97 "converged" and
    chaotic, with 100 % negative spectral weight only mentioned (a probe, 2026-11-28;
    a stationary h is bounded by its field's variance, about 0.25 here)."""
    r = dmft("gated", g_h=4.0, alpha_z=5.0, beta_z=20.0, samples=800, replicas=2,
             lyapunov=False)
    # (its fields at the end have 15 % negative weight, under the limit, since the weight
    # counts only the fields drawn at the solution; the slow state is what fails it)
    assert not r.converged
    # (the mean of s_z(5 z - 20) over z is set by its tail: about 1e-5, not e^-20)
    assert re.search(r"mean relaxation time 1/<a> = [0-9.e+]+ of h is not short", r.message)


def test_an_unconverged_sampled_iterate_that_decays_is_not_called_a_fixed_point():
    """200 trajectories a replica stall (alpha_z = 2, beta_z = 2); the last iterate's C
    falls by 40 % of delta_0, under the 5 standard errors over the replicas that call it
    chaos, and it read "chaotic: no" (a sweep stored a fixed point; a probe, 2026-11-28).
    An iterate that did not converge and whose C is not flat is undecided: None."""
    r = dmft("gated", alpha_z=2.0, beta_z=2.0, method="sampling", samples=400, replicas=2,
             tau_max=100.0, lyapunov=False)
    assert not r.converged and r.chaotic is None
    assert r.delta_0 - r.delta_inf > 0.2 * r.delta_0


def test_fields_drawn_mostly_without_their_negative_weight_are_not_a_solution():
    """The rule that the beta_z = 20 case above tripped before the slow-state rule took
    it over: 32 trajectories a replica and T = 45 barely longer than tau_max = 40 give a
    field covariance whose spectrum is 47 % negative at the solution; the iteration
    converges, but the fields drawn (the negative part set to zero) are not those of the
    estimate."""
    r = dmft("gated", g_h=4.0, alpha_z=2.0, samples=64, replicas=2, T=45.0, tau_max=40.0,
             lyapunov=False)
    # the iteration itself converged (else: "no convergence in 60 iterations ...")
    assert r.message.startswith("not converged: 2 independent replicas of 32 trajectories")
    assert not r.converged and "not a solution" in r.message
    assert re.search(r"had (2[5-9]|[3-9][0-9])\.[0-9]% negative spectral weight", r.message)


def test_a_sampled_state_slower_than_the_window_is_not_a_solution():
    """A state whose mean relaxation time is not short against tau_max: the window holds a
    flat piece of its correlation and the fields drawn from it are wrong. Additive
    tau_h = 1e3 gave delta_0 0.123 "converged" (the Gaussian answer is 0.481), and gated
    alpha_z = 0, beta_z = 5 (h slowed by s_z = 1/(1 + e^5)) gave 0.059 where the answer
    is the beta_z = 0 value 0.0912 (time is only rescaled). The rate is the generated
    -d(dh/dt)/dh averaged over the solution: 1/tau_h, and s_z here."""
    slow = dmft("additive", g_h=2.0, tau_h=1e3, method="sampling", samples=800, replicas=2,
                lyapunov=False)
    assert not slow.converged and slow.chaotic is None  # (it read chaotic from a 2 % drop)
    assert "mean relaxation time 1/<a> = 1e+03 of h is not short against tau_max = 100" \
        in slow.message
    gate = dmft("gated", g_h=3.0, alpha_z=0.0, beta_z=5.0, method="sampling", samples=800,
                replicas=2, lyapunov=False)
    assert not gate.converged and "1/<a> = 149 of h" in gate.message
    assert "of z" not in gate.message and "of r" not in gate.message  # tau_z = tau_r = 1
    # a slow state that feeds nothing (r at alpha_r = 0) is only warned about, as in the
    # Gaussian method: the rest is the same to the last bit (it failed the solve at first)
    # (a few iterations on a short window: not converged in both, cheap, and the same
    # either way; 2000 samples at tau_max = 100 converge, in 25 s each)
    kw = dict(g_h=3.0, alpha_z=2.0, alpha_r=0.0, method="sampling", samples=400,
              replicas=2, lyapunov=False, tau_max=30.0, max_iter=8)
    fast, idle = dmft("gated", tau_r=1.0, **kw), dmft("gated", tau_r=1e3, **kw)
    assert idle.delta_0 == fast.delta_0 and idle.chaotic == fast.chaotic
    assert "warning: the mean relaxation time 1/<a> = 1e+03 of r is not short against " \
           "tau_max = 30" in idle.message
    assert "fields drawn from them are wrong" not in idle.message
    # a window over five times the time constant holds it (3 < 0.2 x 40)
    held = dmft("additive", g_h=1.5, tau_h=3.0, method="sampling", samples=800,
                replicas=2, tau_max=40.0, lyapunov=False)
    assert held.converged and "relaxation time" not in held.message


def test_a_static_solution_that_is_an_unstable_fixed_point_is_not_converged(tmp_path):
    # the dmft sweep of sweeps.md (tau_max 50, dtau 0.1) stored alpha_r = 0, g_h = 2.1
    # (effective gain 1.05: just above the onset, correlation time ~ 50) as a converged
    # fixed point; its static solution is the fixed point of stability 1.003 (a probe,
    # 2026-11-28). Below the onset the zero solution stays a converged fixed point.
    r = dmft("gated", g_h=2.1, alpha_z=0.0, alpha_r=0.0, tau_max=50.0, dtau=0.1)
    assert not r.converged and r.chaotic is None
    assert "the static solution is the fixed point of stability 1.003 > 1" in r.message
    below = dmft("gated", g_h=1.9, alpha_z=0.0, alpha_r=0.0, tau_max=50.0, dtau=0.1)
    assert below.converged and below.chaotic is False
    # a sweep counts it as not converged and keeps the reason, the solver's message
    from meanfield.sweep import sweep

    ds = sweep("dmft", "gated", grid={"g_h": [1.9, 2.1]}, out=tmp_path / "d.zarr",
               params=dict(alpha_z=0.0, alpha_r=0.0), scheduler="serial", progress=False,
               tau_max=50.0, dtau=0.1, lyapunov=False).load()
    assert ds.converged.values.tolist() == [True, False]
    # undecided (chaotic None) is -1, not True: as a boolean NaN was stored as chaotic
    assert ds.chaotic.values.tolist() == [0, -1] and ds.chaotic.dtype == np.int8
    # the same words as the single call (the sweep passed its default samples and seed,
    # which added "samples, seed not used" to every Gaussian point's message; a probe)
    assert ds.message.values.tolist() == ["", r.message]
