"""The finite-network simulator at the edges of parameter space, and its determinism.

Edges: gate sensitivities alpha = 1e3, biases |beta| = 50, g_h from 1e-3 to 50, time
constants from 1e-3 to 1e3, states up to 1e300. Floating-point overflow, division by
zero and invalid operations raise here (``np.errstate``), besides pytest's
``filterwarnings = error``. Determinism: the same seeds give bit-identical runs, in
this process and in another one (another hash seed); a trial of a batch agrees with
the same trial run alone to rounding (BLAS matrix-matrix and matrix-vector products
sum in different orders, so bit identity is not promised there).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from meanfield import ParameterError
from validation import Network, simulate
from validation.measure import lyapunov_spectrum

#: Corners of parameter space (gated model).
CORNERS = [
    dict(g_h=50.0, alpha_z=1e3, alpha_r=1e3, beta_z=50.0, beta_r=-50.0),
    dict(g_h=50.0, alpha_z=1e3, alpha_r=1e3, beta_z=-50.0, beta_r=50.0, beta_h=50.0),
    dict(g_h=1e-3, alpha_z=1e3, alpha_r=1e3, beta_h=-50.0, tau_z=1e3, tau_r=1e3),
    dict(g_h=3.0, alpha_z=1e3, alpha_r=0.0, beta_z=0.0, tau_z=1e-3, tau_r=1e-3),
]
FP_ERRORS = dict(over="raise", divide="raise", invalid="raise")  # underflow is harmless


def _finite(*arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


@pytest.mark.parametrize("params", CORNERS)
@pytest.mark.parametrize("scale", [1.0, 1e6, 1e300])
def test_velocity_and_jacobian_are_finite_at_any_state(params, scale):
    """Saturating gates (expit) and tanh: finite flow and Jacobian even at |x| ~ 1e300
    (each velocity component is at most |x| / tau + O(1), below the double range)."""
    net = Network("gated", 30, seed=1, **params)
    y = net.initial_state(0, scale=scale)
    with np.errstate(**FP_ERRORS):
        v = net.velocity(y)
        J = net.jacobian(y)
        Jv = net.linearise(y).matvec(y / scale)
    assert _finite(v, J, Jv)


@pytest.mark.parametrize("params", CORNERS[:3])
def test_simulation_at_the_corners_stays_finite_and_bounded(params):
    """RK4 (dt = 0.05) from states up to 1e3: finite, and z, r bounded as the equations
    say. tau dz/dt = -z + eta with |eta_i| = |sum_j Jz_ij phi(h_j)| <= sum_j |Jz_ij|
    (|phi| <= 1), so |z_i(t)| <= max(|z_i(0)|, max_i sum_j |Jz_ij|); RK4 at dt/tau <= 0.05
    keeps this (its update is a convex combination of z and the stage fields)."""
    net = Network("gated", 100, seed=2, **params)
    y0 = net.initial_state(0, scale=1e3)
    with np.errstate(**FP_ERRORS):
        tr = simulate(net, 10.0, y0=y0, dt=0.05, record_every=1.0)
    assert _finite(tr.y)
    for name in ("z", "r"):
        bound = np.abs(net.couplings["J" + name]).sum(1).max()
        k = net.variables.index(name)
        assert np.abs(tr.y[:, k]).max() <= max(np.abs(y0[k]).max(), bound) * (1 + 1e-12)


def test_fast_gates_need_a_small_step_or_the_adaptive_method():
    """tau_z = tau_r = 1e-3: RK4 at dt = 0.05 is refused (it used to return a finite but
    garbage state, rms speed 3e110); dopri5 and RK4 at dt = 5e-4 agree."""
    net = Network("gated", 40, seed=3, g_h=3.0, tau_z=1e-3, tau_r=1e-3)
    with pytest.raises(ParameterError, match="RK4 stability limit"):
        simulate(net, 1.0, dt=0.05)
    with np.errstate(**FP_ERRORS):
        a = simulate(net, 1.0, method="dopri5", record_every=0.5, rtol=1e-9, atol=1e-11)
        b = simulate(net, 1.0, dt=5e-4, record_every=0.5)
    # two independent integrators: dopri5 at rtol 1e-9 is within 1e-10 of the exact flow
    # (checked against rtol 1e-11); RK4's error at dt/tau = 0.5 is 2.7e-7 here and falls
    # as dt^4 (4.3e-6 at dt = 1e-3, 1.5e-8 at 2.5e-4)
    np.testing.assert_allclose(a.final, b.final, rtol=0, atol=1e-6)


def test_lyapunov_at_huge_gate_sensitivity_is_finite():
    net = Network("gated", 30, seed=4, g_h=3.0, alpha_z=1e3, alpha_r=1e3)
    with np.errstate(**FP_ERRORS):
        r = lyapunov_spectrum(net, 3, T=10.0, transient=2.0, dt=0.05)
    # no overflow or invalid operation on the way (errstate), finite exponents and errors
    assert _finite(r.exponents, r.stderr, r.local)


# ---------------------------------------------------------------- determinism
_RUN = textwrap.dedent("""
    import hashlib, numpy as np
    from validation import Network, simulate
    net = Network("gated", 120, seed=11, g_h=3.0, alpha_z=5.0)
    a = simulate(net, 8.0, seed=2, record_every=0.5).y
    b = simulate(net, 8.0, seed=2, method="dopri5", record_every=0.5).y
    c = simulate(net, 8.0, seed=2, method="adams", dt=0.1, record_every=0.5).y
    print(hashlib.sha256(a.tobytes() + b.tobytes() + c.tobytes()).hexdigest())
""")


def _digest() -> str:
    ns: dict = {}
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(_RUN, ns)
    return buf.getvalue().strip()


def test_same_seed_is_bit_identical_across_runs_and_processes():
    first, second = _digest(), _digest()
    assert first == second
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # another hash seed: set/dict order
    other = subprocess.run([sys.executable, "-c", _RUN], capture_output=True, text=True,
                           env=env, check=True).stdout.strip()
    assert other == first


def test_different_seeds_differ():
    """The digest above depends on the seed (so its equality is not vacuous)."""
    net = Network("gated", 120, seed=11, g_h=3.0, alpha_z=5.0)
    a = simulate(net, 1.0, seed=2, record_every=0.5).final
    b = simulate(net, 1.0, seed=3, record_every=0.5).final
    c = simulate(Network("gated", 120, seed=12, g_h=3.0, alpha_z=5.0), 1.0, seed=2,
                 record_every=0.5).final
    assert not np.array_equal(a, b) and not np.array_equal(a, c)


def test_batch_trials_do_not_depend_on_the_batch_size():
    """Trial k of the default initial state is the same in batches of any size, and
    trial 0 is the single-trial state of that seed; simulated, trial k of a batch of 5
    agrees with the same trial alone and in a batch of 3 to 1e-12 (gemm and gemv round
    differently, ~1e-15 per step here, amplified by at most e^(lambda T) ~ 10 at T = 20
    for this weakly chaotic network)."""
    net = Network("gated", 150, seed=5, g_h=3.0, alpha_z=5.0)
    y5, y3, y1 = (net.initial_state(9, batch=b) for b in (5, 3, 1))
    assert np.array_equal(y5[..., :3], y3) and np.array_equal(y5[..., :1], y1)
    assert np.array_equal(y5[..., 0], net.initial_state(9))
    t5 = simulate(net, 20.0, seed=9, batch=5, record_every=1.0)
    t3 = simulate(net, 20.0, seed=9, batch=3, record_every=1.0)
    np.testing.assert_allclose(t3.y, t5.y[..., :3], rtol=0, atol=1e-12)
    for k in range(5):
        alone = simulate(net, 20.0, y0=y5[..., k], record_every=1.0)
        np.testing.assert_allclose(alone.y, t5.y[..., k], rtol=0, atol=1e-12)


def test_lyapunov_spectrum_is_deterministic():
    net = Network("gated", 40, seed=6, g_h=3.0)
    a = lyapunov_spectrum(net, 4, T=5.0, transient=1.0)
    b = lyapunov_spectrum(Network("gated", 40, seed=6, g_h=3.0), 4, T=5.0, transient=1.0)
    assert np.array_equal(a.local, b.local) and np.array_equal(a.exponents, b.exponents)


# ---------------------------------------------------------------- memory (slow)
@pytest.mark.slow
def test_memory_of_a_large_network_and_of_the_lyapunov_spectrum():
    """benchmarks/bench_memory.py (about 45 s): N = 5000 simulates in under 2 GiB of peak
    resident memory (0.87 GiB measured: couplings 0.56 GiB plus one matrix while they are
    drawn); the Lyapunov spectrum of N = 1000 does not hold the trajectory (traced peak
    the same at T and 4T to 32 KB; the trajectory at 4T would be 9 MiB)."""
    from pathlib import Path

    script = Path(__file__).parents[2] / "benchmarks" / "bench_memory.py"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("call, fragment", [
    (lambda net: simulate(net, T=1, batch=0), "batch=0 must be None or a positive integer"),
    (lambda net: net.initial_state(batch=2.5), "batch=2.5"),
])
def test_a_batch_of_no_trials_is_refused(call, fragment):
    # batch=0 used to return an empty trajectory of shape (n_vars, N, 0)
    with pytest.raises(ParameterError, match=fragment):
        call(Network("gated", 20, seed=0))


def test_theory_keywords_are_checked_at_the_boundary():
    import meanfield as mf

    # resolution=1 reached contourpy ("Input z must be at least a (2, 2) shaped array");
    # a negative eps returned a fraction
    with pytest.raises(ParameterError, match="resolution=1 must be an integer in"):
        mf.spectral_support("gated", resolution=1)
    for eps in (-0.1, 0.0, float("nan")):
        with pytest.raises(ParameterError, match="eps=.* must be a positive finite number"):
            mf.slow_fraction("gated", eps)


def test_a_network_that_diverges_is_told_apart_from_a_step_too_large():
    # phi(x) = sqrt(1 + (g x)^2) - 1 with g = 2.89: the state grows without bound whatever
    # the step; the error used to advise "reduce dt" after numpy's overflow warnings
    import meanfield as mf
    from meanfield import ConvergenceError
    from tests.reference import user_models

    net = Network(mf.parse_model(user_models.RUNAWAY), 100, seed=0)
    with pytest.raises(ConvergenceError, match="the network itself diverges"):
        simulate(net, T=400, dt=0.05)
    with pytest.raises(ConvergenceError, match="the network itself diverges"):
        lyapunov_spectrum(net, k=1, T=300, transient=0)
    with pytest.raises(ConvergenceError, match="step size underflow.*blow up"):
        simulate(net, T=300, method="dopri5")  # and no overflow warnings on the way


@pytest.mark.parametrize("inputs, match", [
    ({"I_h": np.ones(49)}, r"input I_h has shape \(49,\); expected a number, \(50,\)"),
    ({"I_h": "abc"}, "input I_h is 'abc', not a number"),
    ({"I_h": lambda t: np.ones(49)}, r"input I_h \(its value at t = 0\) has shape \(49,\)"),
    ({"I_z": [np.nan] * 50}, "input I_z contains NaN"),
])
def test_inputs_of_the_wrong_shape_or_kind_are_refused_at_construction(inputs, match):
    # found by a new-user probe (2026-11-27): accepted, then a broadcasting error in the
    # first step, or a bare ValueError
    with pytest.raises(ParameterError, match=match):
        Network("gated", 50, inputs=inputs)


def test_a_non_finite_start_and_a_record_interval_below_the_step_are_refused():
    net = Network("gated", 50)
    y0 = net.initial_state(0)
    y0[1, 3] = np.nan
    # it used to run and report "state became non-finite ... reduce dt"
    with pytest.raises(ParameterError, match="y0 contains NaN or inf"):
        simulate(net, 1.0, y0=y0)
    # it used to record every step (0.05) silently
    with pytest.raises(ParameterError, match="record_every=0.01 is shorter than the step"):
        simulate(net, 1.0, dt=0.05, record_every=0.01)
    # dopri5's dt is only its first step: any interval is fine there
    assert simulate(net, 0.1, dt=0.05, record_every=0.01, method="dopri5").y.shape[0] == 11


def test_measurements_refuse_what_they_cannot_measure():
    # found by a probe (2026-11-27): silent NaN, a raw numpy error, or a count of 1025
    # "distinct" copies of one fixed point
    from validation.measure import (autocorrelation, find_fixed_point,
                                    kaplan_yorke_dimension, participation_ratio, variances)
    from validation.measure.count_fixed_points import count_fixed_points

    x = np.random.default_rng(0).standard_normal((50, 4))
    bad = x.copy()
    bad[3, 1] = np.nan
    for f in (autocorrelation, variances, participation_ratio):
        with pytest.raises(ParameterError, match="NaN or inf"):
            f(bad)
        with pytest.raises(ParameterError, match="N >= 1"):
            f(np.zeros((10, 0)))
    with pytest.raises(ParameterError, match="does not vary in time"):
        participation_ratio(np.ones((10, 5)))
    for lag in (2.7, float("nan"), 50):
        with pytest.raises(ParameterError, match="max_lag=.* must be an integer in"):
            autocorrelation(x, lag)
    with pytest.raises(ParameterError, match="exponents contain NaN"):
        kaplan_yorke_dimension([np.nan, -1.0])
    net = Network("additive", 10, g_h=0.8)
    with pytest.raises(ParameterError, match="dedup_tol=0 must be positive"):
        count_fixed_points(net, dedup_tol=0)
    with pytest.raises(ParameterError, match="relax_T=0 must be positive"):
        count_fixed_points(net, relax_T=0)
    with pytest.raises(ParameterError, match="variance_range=.* must be two numbers"):
        count_fixed_points(net, variance_range=(1,))
    with pytest.raises(ParameterError, match="trajectory_fraction='a'"):
        count_fixed_points(net, trajectory_fraction="a")
    r = count_fixed_points(net, starts=4, max_doublings=0)
    assert not r.complete and "0 doubling(s) of the starts ran" in r.message
    y0 = net.initial_state(0)
    for kw, match in ((dict(tol=0.0), "tol=0.0 must be a positive"),
                      (dict(tol=np.nan), "tol=nan must be a positive"),
                      (dict(max_iter=2.5), "max_iter=2.5 must be an integer")):
        with pytest.raises(ParameterError, match=match):
            find_fixed_point(net, y0, **kw)
    with pytest.raises(ParameterError, match="y0 contains NaN"):
        find_fixed_point(net, np.full_like(y0, np.nan))


def test_a_row_that_cannot_fail_fails_and_a_study_without_rows_does_not_pass(tmp_path):
    import json

    from validation.compare import Comparison, StudyResult, write_report

    row = Comparison("s", "q", {}, 1.0, 2.0, 0.1, float("inf"), "no bound")
    assert not row.passed
    assert not StudyResult("s", "p", "m", ()).passed
    # arrays in a row's extras are written as lists (they raised a TypeError)
    ok = Comparison("s", "q", {}, 1.0, 1.05, 0.1, 0.3, "3 SE", extra={"a": np.arange(3.0)})
    path = write_report([StudyResult("s", "p", "m", (ok,))], tmp_path)
    assert json.loads(path.read_text())["studies"]["s"]["rows"][0]["extra"]["a"] == [0, 1, 2]
    # an existing summary.json that is not a validation summary (the demo's), or damaged:
    # one line, not a KeyError / JSONDecodeError (found by a probe)
    for text, match in (('{"model": "gated"}', "not a validation summary"),
                        ("{garb", "not readable JSON")):
        other = tmp_path / match.split()[1]
        other.mkdir()
        (other / "summary.json").write_text(text)
        with pytest.raises(ParameterError, match=match):
            write_report([StudyResult("s", "p", "m", (ok,))], other)


def test_a_stable_but_inaccurate_rk4_step_is_refused():
    # found by a probe (2026-11-27): dt = 2.7 (inside RK4's stability limit 2.785 tau)
    # ran, and the variance of z came out 17 instead of 0.3. The flow decays a unit by
    # e^-2.7 = 0.067 over such a step, RK4 by 0.88.
    net = Network("gated", 50)
    with pytest.raises(ParameterError, match=r"dt=2.7 exceeds the time constant 1 of "
                                             r"variable h.*0.88 per RK4 step instead of "
                                             r"0.067"):
        simulate(net, 20.0, dt=2.7)
    assert np.all(np.isfinite(simulate(net, 5.0, dt=1.0).final))  # dt = tau: allowed


def test_comparisons_take_numbers_and_studies_take_comparisons():
    # theory=None raised a TypeError only at `passed`, True counted as 1, and a row that
    # was not a Comparison an AttributeError (found by a probe)
    from validation.compare import Comparison, StudyResult

    for bad in (None, True, "1.0"):
        with pytest.raises(ParameterError, match="theory=.* must be a number"):
            Comparison("s", "q", {}, bad, 1.0, 0.1, 0.3, "r")
    assert not Comparison("s", "q", {}, float("nan"), 1.0, 0.1, 0.3, "r").passed
    assert Comparison("s", "q", {}, np.float64(1.0), np.array(1.1), 0.1, 0.3, "r").passed
    with pytest.raises(ParameterError, match="rows must be Comparisons, not dict"):
        StudyResult("s", "p", "m", ({"theory": 1.0},))


def _simulator_cases():
    from validation import Network, simulate
    from validation.measure import count_fixed_points, settled

    net = Network("gated", 20, seed=0)
    y = net.initial_state(0)
    yield lambda: simulate("gated", 2.0), "network='gated' must be a validation.Network"
    yield lambda: simulate(net, True), "T=True is not a number"
    yield lambda: simulate(net, "2"), "T='2' is not a number"
    yield lambda: simulate(net, 2.0, dt=True), "dt=True is not a number"
    yield lambda: simulate(net, 2.0, transient="1"), "transient='1' is not a number"
    yield lambda: simulate(net, 2.0, method=["rk4"]), r"unknown method \['rk4'\]"
    yield lambda: simulate(net, 2.0, y0=y, batch=2), "batch sets the number of trials"
    yield lambda: simulate(net, 2.0, batch=True), "batch=True must be None or a positive"
    yield lambda: simulate(net, 2.0, checkpoint=3), "checkpoint=3 must be a file path"
    yield (lambda: simulate(net, 2.0, checkpoint_every=float("nan")),
           "checkpoint_every=nan must be a finite number")
    yield lambda: settled(net, y, tol=float("inf")), "tol=inf must be a finite number > 0"
    yield lambda: settled(net, y, tol=None), "tol=None must be a finite number > 0"
    yield lambda: count_fixed_points(net, symmetry="yes"), "symmetry='yes' must be True"
    yield lambda: count_fixed_points(net, starts=10**7), "starts=10000000 must be at most"
    yield (lambda: Network("gated", 20, inputs=[("I_h", 1.0)]),
           "inputs must be a dict of input name")
    yield (lambda: Network("gated", 20, inputs={"I_h": lambda t, u: 1.0}),
           "input I_h is a function that cannot be called with the time alone")


@pytest.mark.parametrize("case", range(16))
def test_bad_simulator_arguments_found_by_a_probe_are_one_line_errors(case):
    # a probe fuzzed the Python API (2026-11-28): each reached Python or numpy (an
    # AttributeError, a TypeError), or was taken (True, '2', a truthy string, tol=inf)
    call, match = list(_simulator_cases())[case]
    with pytest.raises(ParameterError, match=match):
        call()
