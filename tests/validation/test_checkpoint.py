"""Checkpointed simulations: stopped at several points (an exception inside a step, Ctrl-C,
SIGKILL) and continued, they give the bit-identical trajectory of an uninterrupted run;
a checkpoint of another run, a damaged one and callable inputs are refused in one line."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from meanfield import ParameterError
from validation import Network, simulate
from validation.checkpoint import SimulationInterrupted

RUN = dict(T=40.0, record_every=0.5, transient=5.0)
# the step of each method and where to stop it: RHS calls into each of three runs, each
# continuing the last (rk4 makes 4 per step, 3200 in all; adams 2 per step, 800 in all,
# after a start of about 90 in every run; dopri5 6 per attempted step, about 1000)
METHODS = {"rk4": (0.05, (150, 1000, 1000)), "adams": (0.1, (150, 300, 250)),
           "dopri5": (0.1, (60, 350, 350))}


def _net():
    return Network("gated", N=60, params=dict(g_h=3.0, alpha_z=2.0), seed=1)


def _stop_after(net, method, calls):
    """Make the network's RHS (of ``method``, or the method named) raise KeyboardInterrupt
    at its ``calls``-th evaluation; returns the undo."""
    name = {"dopri5": "velocity", "rk4": "velocity_raw", "adams": "velocity_raw"}.get(
        method, method)
    original = getattr(net, name)
    count = [0]

    def rhs(*a, **k):
        count[0] += 1
        if count[0] >= calls:
            raise KeyboardInterrupt
        return original(*a, **k)

    setattr(net, name, rhs)
    return lambda: delattr(net, name)


@pytest.mark.parametrize("method", list(METHODS))
def test_a_run_stopped_three_times_and_continued_equals_an_uninterrupted_one(method, tmp_path):
    dt, stops = METHODS[method]
    net = _net()
    whole = simulate(net, dt=dt, method=method, **RUN)
    path = tmp_path / "run.npz"
    saved_at = []
    for calls in stops:
        restore = _stop_after(net, method, calls)
        try:
            with pytest.raises(KeyboardInterrupt):
                simulate(net, dt=dt, method=method, checkpoint=path, checkpoint_every=0, **RUN)
        finally:
            restore()
        with np.load(path) as f:
            saved_at.append(float(f["t"]) if method == "dopri5" else int(f["step"]))
    # each stop lies further on, and none at the end: the test stops runs in progress
    assert saved_at == sorted(saved_at) and len(set(saved_at)) == 3, saved_at
    assert saved_at[-1] < (RUN["T"] if method == "dopri5" else RUN["T"] / dt)
    done = simulate(net, dt=dt, method=method, checkpoint=path, checkpoint_every=0, **RUN)
    for a, b in ((done.y, whole.y), (done.t, whole.t), (done.final, whole.final)):
        assert np.array_equal(a, b)  # bit-identical: the same steps were taken
    assert (done.steps, done.rejected) == (whole.steps, whole.rejected)
    # finished: called again it returns the stored run without integrating
    restore = _stop_after(net, method, 1)
    try:
        again = simulate(net, dt=dt, method=method, checkpoint=path, **RUN)
    finally:
        restore()
    assert np.array_equal(again.y, whole.y) and np.array_equal(again.final, whole.final)


def test_a_checkpoint_of_another_run_or_a_damaged_one_is_refused(tmp_path):
    net = _net()
    path = tmp_path / "run.npz"
    simulate(net, dt=0.05, checkpoint=path, **RUN)
    other = [
        (dict(dt=0.1), "dt: 0.05 there, 0.1 here"),
        (dict(dt=0.05, method="adams"), "method: rk4 there, adams here"),
        (dict(dt=0.05, seed=3), "initial_state differ"),
    ]
    for kwargs, message in other:
        with pytest.raises(ParameterError, match="written by another run") as e:
            simulate(net, checkpoint=path, **{**RUN, **kwargs})
        assert message in str(e.value)
    with pytest.raises(ParameterError, match="params g_h: 3.0 there, 4.0 here"):
        simulate(Network("gated", N=60, params=dict(g_h=4.0, alpha_z=2.0), seed=1), dt=0.05,
                 checkpoint=path, **RUN)
    changed = _net()
    changed.couplings["Jh"][0, 0] += 1e-12  # the same seed, one coupling edited
    with pytest.raises(ParameterError, match="couplings differ"):
        simulate(changed, dt=0.05, checkpoint=path, **RUN)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ParameterError, match="cannot be read .*remove it to start again"):
        simulate(net, dt=0.05, checkpoint=path, **RUN)


def test_checkpoint_arguments_and_callable_inputs_are_refused(tmp_path):
    net = _net()
    with pytest.raises(ParameterError, match="checkpoint_every=-1 must be"):
        simulate(net, 1.0, checkpoint=tmp_path / "c.npz", checkpoint_every=-1)
    driven = Network("gated", N=20, seed=0, inputs={"I_h": lambda t: np.sin(t)})
    with pytest.raises(ParameterError, match="input I_h is a function of time"):
        simulate(driven, 1.0, checkpoint=tmp_path / "c.npz")
    constant = Network("gated", N=20, seed=0, inputs={"I_h": 0.5})
    simulate(constant, 1.0, checkpoint=tmp_path / "d.npz")  # constant inputs are checked
    with pytest.raises(ParameterError, match="inputs I_h"):
        simulate(Network("gated", N=20, seed=0, inputs={"I_h": 0.6}), 1.0,
                 checkpoint=tmp_path / "d.npz")


CLI = [sys.executable, "-m", "meanfield", "simulate", "--N", "200", "--T", "1500", "--json",
       "--no-progress"]


def _checkpoint_time(path) -> int:
    with np.load(path) as f:
        return int(f["step"])


def test_cli_ctrl_c_and_sigkill_then_the_same_command_finishes_the_run(tmp_path):
    """Ctrl-C (exit 130, saved at a step's end), then SIGKILL of the continued run, then
    the same command: the summary equals an uninterrupted run's, byte for byte."""
    path = tmp_path / "run.npz"
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    whole = subprocess.run(CLI, capture_output=True, text=True, env=env, check=True).stdout
    args = CLI + ["--checkpoint", str(path), "--checkpoint-every", "0.2"]
    reached = []
    for sig in (signal.SIGINT, signal.SIGKILL):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until a save beyond the last one exists
                time.sleep(0.3)
                if path.exists() and _checkpoint_time(path) > (reached[-1] if reached else 0):
                    break
            time.sleep(0.5)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
            proc.wait()
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and "saved in" in err and err.count("\n") == 1, err
        else:
            assert proc.returncode == -signal.SIGKILL
        reached.append(_checkpoint_time(path))
    assert 0 < reached[0] < reached[1] < 1500 / 0.05, reached
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(whole) and done.stdout == whole


def test_a_lyapunov_spectrum_stopped_in_the_transient_and_after_equals_a_whole_run(tmp_path):
    """Stopped inside the transient, then inside the average, then continued: the same
    exponents, errors and local exponents to the bit."""
    from validation.measure import lyapunov_spectrum

    net = _net()
    opts = dict(k=6, T=30.0, transient=10.0, dt=0.05, renorm_every=1.0)
    whole = lyapunov_spectrum(net, **opts)
    path = tmp_path / "lyap.npz"
    intervals = []
    # 4 calls per step, 20 steps per interval: stop after 5.5 intervals, then after 22.5
    # more (inside the average, which starts after interval 10)
    for calls in (440, 1800):
        restore = _stop_after(net, "velocity_and_tangent", calls)
        try:
            with pytest.raises(KeyboardInterrupt):
                lyapunov_spectrum(net, checkpoint=path, checkpoint_every=0, **opts)
        finally:
            restore()
        with np.load(path) as f:
            intervals.append(int(f["interval"]))
    assert intervals == [5, 27], intervals
    done = lyapunov_spectrum(net, checkpoint=path, checkpoint_every=0, **opts)
    for a, b in ((done.exponents, whole.exponents), (done.stderr, whole.stderr),
                 (done.local, whole.local)):
        assert np.array_equal(a, b)
    with pytest.raises(ParameterError, match="k: 6 there, 5 here"):
        lyapunov_spectrum(net, checkpoint=path, **{**opts, "k": 5})


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_inside_a_step_finishes_the_step_saves_and_says_where(sig, tmp_path):
    """SIGINT (or SIGTERM, a scheduler's) arriving inside a step (here from the RHS
    itself) is held to the step's end: the run saves that whole step and raises
    SimulationInterrupted naming the file."""
    net = _net()
    whole = simulate(net, dt=0.05, **RUN)
    path = tmp_path / "run.npz"
    original, count = net.velocity_raw, [0]

    def rhs(*a, **k):
        count[0] += 1
        if count[0] == 402:  # the 2nd of the 4 evaluations of step 100
            os.kill(os.getpid(), sig)
        return original(*a, **k)

    net.velocity_raw = rhs
    try:
        with pytest.raises(SimulationInterrupted, match=r"t = 5\.05 of 40\) is saved in"):
            simulate(net, dt=0.05, checkpoint=path, **RUN)
    finally:
        del net.velocity_raw
    with np.load(path) as f:
        assert int(f["step"]) == 101  # step 100 finished, not cut
    done = simulate(net, dt=0.05, checkpoint=path, **RUN)
    assert np.array_equal(done.y, whole.y) and np.array_equal(done.final, whole.final)


@pytest.mark.parametrize("method", ["rk4", "adams"])
def test_a_run_stopped_in_its_last_step_resumes_with_every_record(method, tmp_path):
    """Ctrl-C in the very last step: the save holds the last record too (it was saved
    before the record, and the resumed 'finished' run returned uninitialised memory)."""
    dt = METHODS[method][0]
    net = _net()
    opts = dict(T=2.0, record_every=0.5, dt=dt, method=method)
    whole = simulate(net, **opts)
    path = tmp_path / "run.npz"
    original = net.velocity_raw

    def rhs(y, t=0.0):
        if t > opts["T"] - dt / 4:  # an evaluation inside the last step
            signal.raise_signal(signal.SIGINT)
        return original(y, t)

    net.velocity_raw = rhs
    try:
        with pytest.raises(SimulationInterrupted, match="t = 2 of 2"):
            simulate(net, checkpoint=path, **opts)
    finally:
        del net.velocity_raw
    done = simulate(net, checkpoint=path, **opts)
    assert np.array_equal(done.t, whole.t) and np.array_equal(done.y, whole.y)


def test_an_unusable_checkpoint_path_or_file_is_refused_before_any_step(tmp_path):
    net = _net()
    for path, message in ((tmp_path / "no" / "c.npz", "does not exist"),
                          (tmp_path, "is a directory")):
        with pytest.raises(ParameterError, match=message):
            simulate(net, 1.0, checkpoint=path)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if not os.access(ro, os.W_OK):  # (root may write anyway)
            with pytest.raises(ParameterError, match="is not writable"):
                simulate(net, 1.0, checkpoint=ro / "c.npz")
    finally:
        ro.chmod(0o700)
    # files that are not a checkpoint, or not this run's state: one line each
    bare = tmp_path / "bare.npz"
    np.save(bare.with_suffix(".npy"), np.zeros(3))
    bare.with_suffix(".npy").rename(bare)
    with pytest.raises(ParameterError, match="not an .npz archive"):
        simulate(net, 1.0, checkpoint=bare)
    listkey = tmp_path / "listkey.npz"
    np.savez(listkey, key=np.array("[1, 2]"))
    with pytest.raises(ParameterError, match="key is not a JSON object"):
        simulate(net, 1.0, checkpoint=listkey)
    good = tmp_path / "good.npz"
    simulate(net, 1.0, checkpoint=good)
    with np.load(good) as f:
        members = {k: f[k] for k in f.files}
    for change in ({"y": np.zeros((2, 2))}, {"step": None}):
        hand = tmp_path / "hand.npz"
        edited = {k: v for k, v in {**members, **change}.items() if v is not None}
        np.savez(hand, **edited)
        with pytest.raises(ParameterError, match="does not hold this run's state"):
            simulate(net, 1.0, checkpoint=hand)
