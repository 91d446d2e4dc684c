"""Sweeps: values against direct and independent solves, labelled Zarr storage, resume after
SIGKILL and Ctrl-C, the Dask paths, and one-line errors for bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr
import zarr

import meanfield as mf
from meanfield import MeanfieldError
from meanfield.cli.main import main
from meanfield.solve.complexity import complexity
from meanfield.solve.dimension import participation_ratio
from meanfield.solve.dmft import dmft
from meanfield.sweep import (StoreBusyError, StoreExistsError, StoreMismatchError,
                             SweepInterrupted, UnknownQuantityError, run_sweep, sweep)
from meanfield.sweep import execute
from meanfield.sweep.plan import block_shape, blocks
from meanfield.sweep.store import _WriterLock
from tests.reference import kac_rice, user_models
from tests.reference.classical_dmft import classical_delta_0
from validation.network import Network
from validation.simulation_summary import summarise_run


def cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_same_data(a: xr.Dataset, b: xr.Dataset):
    """Every variable and coordinate equal, NaN where NaN; attributes equal but the date."""
    assert list(a.data_vars) == list(b.data_vars)
    for name in [*a.coords, *a.data_vars]:
        x, y = a[name].values, b[name].values
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    drop = lambda d: {k: v for k, v in d.items() if k != "created"}  # noqa: E731
    assert drop(a.attrs) == drop(b.attrs)


# ------------------------------------------------------------------ chunks

@pytest.mark.parametrize("shape, points", [((61, 31), 100), ((7,), 3), ((5, 4, 3), 7),
                                           ((2, 3), 1000), ((4, 4), 1)])
def test_blocks_cover_the_grid_exactly_once(shape, points):
    block = block_shape(shape, points)
    # a block holds at least one point and never more than the requested points per task
    # (the bound the planner promises; fails if block_shape over- or under-splits)
    assert 1 <= np.prod(block) <= max(points, 1), (
        f"block {block} holds {np.prod(block)} points; the planner promises 1..{points}")
    cover = np.zeros(shape, dtype=int)
    for region in blocks(shape, block):
        cover[region] += 1
    assert np.all(cover == 1)


# ------------------------------------------------------------------ values

def test_fixed_point_sweep_agrees_with_pointwise_branch_solves(tmp_path):
    # the pointwise solver (scan + brentq per point, rtol 1e-10) is independent of the
    # vectorised map; g_h avoids 2.0, where the zero fixed point is exactly marginal
    g, a = np.linspace(1.25, 2.65, 5), np.array([0.0, 10.0, 20.0])
    ds = sweep("fixed-points", "gated", grid={"g_h": g, "alpha_r": a}, params={"beta_h": 0.0},
               out=tmp_path / "fp.zarr", scheduler="serial", chunk=4, progress=False).load()
    assert ds["done"].values.all()
    for i, gi in enumerate(g):
        for j, aj in enumerate(a):
            r = mf.fixed_point_branches("gated", g_h=gi, alpha_r=aj)
            nz = [b for b in r if not b.zero]
            here = ds.isel(g_h=i, alpha_r=j)
            assert int(here.n_nonzero) == len(nz)
            assert int(here.n_stable_nonzero) == sum(b.stable for b in nz)
            assert bool(here.zero_stable) == any(b.zero and b.stable for b in r)
            want = max((b.field_variance["q_h"] for b in nz), default=0.0)
            assert float(here.max_variance) == pytest.approx(want, rel=1e-4, abs=1e-12)


def test_dmft_sweep_matches_the_classical_variance_and_a_direct_solve(tmp_path):
    opts = dict(tau_max=30.0, dtau=0.1, nodes=40)
    g = np.array([0.8, 2.0, 3.0])
    ds = sweep("dmft", "additive", grid={"g_h": g}, out=tmp_path / "d.zarr",
               scheduler="serial", progress=False, **opts).load()
    assert ds.converged.values.all() and not ds.failed.values.any()
    assert list(ds.chaotic.values) == [False, True, True]
    assert ds.delta_0.values[0] < 1e-6
    for k in (1, 2):  # Sompolinsky-Crisanti-Sommers potential, scipy quad (independent)
        assert ds.delta_0.values[k] == pytest.approx(classical_delta_0(g[k]), rel=3e-3)
    direct = dmft("additive", params={"g_h": 2.0}, **opts)
    assert ds.delta_0.values[1] == direct.delta_0
    assert ds.tau_corr.values[1] == direct.tau_corr
    assert ds.lyapunov_max.values[1] == direct.lyapunov_max > 0


def test_complexity_sweep_matches_the_independent_kac_rice_reference(tmp_path):
    ds = sweep("complexity", "additive", grid={"g_h": [0.5, 1.5]}, out=tmp_path / "c.zarr",
               scheduler="serial", progress=False).load()
    assert ds.converged.values.all()
    assert ds.sigma.values[0] == 0.0  # one fixed point below the chaos onset
    ref = kac_rice.additive_sigma(1.5)
    assert abs(ds.sigma.values[1] - ref) <= 2e-5 * ref
    assert ds.sigma.values[1] == complexity("additive", g_h=1.5).sigma


def test_dimension_sweep_equals_single_solves_and_marks_refused_points(tmp_path):
    opts = dict(tau_max=100.0, dtau=0.1)
    ds = sweep("dimension", "gated", grid={"alpha_z": [0.0, 1.0]},
               params={"g_h": 4.0, "alpha_r": 5.0}, out=tmp_path / "p.zarr",
               scheduler="serial", progress=False, method="gaussian", **opts).load()
    direct = participation_ratio("gated", g_h=4.0, alpha_r=5.0, alpha_z=0.0, **opts)
    assert ds.pr_per_unit.values[0] == direct.pr_per_unit and ds.success.values[0]
    assert ds.pr_error.values[0] == 0.0
    # alpha_z = 1 is outside the Gaussian case, which method="gaussian" asks for: refused,
    # so failed with fill values (method "auto" samples it)
    assert ds.failed.values[1] and np.isnan(ds.pr_per_unit.values[1])


def test_the_summary_names_the_points_that_failed(tmp_path, capsys):
    """"failed: 1" alone sent a user searching the store for the point (a probe,
    2026-11-28); the summary names the first few by their coordinates."""
    code = main(["sweep", "dimension", "--grid", "alpha_z=0:1:2", "--set", "g_h=4",
                 "--set", "alpha_r=5", "--method", "gaussian", "--tau-max", "100",
                 "--dtau", "0.1", "--out", str(tmp_path / "p.zarr"), "--scheduler", "serial"])
    out = capsys.readouterr().out
    assert code == 0 and "failed: 1, not converged: 0" in out
    # and why, from the store (the line said "the single command there says why" and
    # the reason was lost; 2026-11-28): the error the single command raises
    assert "  failed at alpha_z=1; why:\n" in out
    with pytest.raises(MeanfieldError) as single:
        participation_ratio("gated", g_h=4.0, alpha_r=5.0, alpha_z=1.0, method="gaussian",
                            tau_max=100.0, dtau=0.1)
    reason = f"{type(single.value).__name__}: {single.value}"
    assert f"    {reason[:60]}" in out
    ds = xr.open_zarr(tmp_path / "p.zarr")
    assert str(ds.message.values[1]) == reason and str(ds.message.values[0]) == ""
    code = main(["sweep", "dimension", "--grid", "alpha_z=0:1:2", "--set", "g_h=4",
                 "--set", "alpha_r=5", "--method", "gaussian", "--tau-max", "100",
                 "--dtau", "0.1", "--out", str(tmp_path / "p.zarr"), "--resume", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["failed_at"] == [{"alpha_z": 1.0}] and summary["not_converged_at"] == []
    assert summary["failed_why"] == [reason] and summary["not_converged_why"] == []


def test_simulation_sweep_has_a_seed_dimension_and_equals_single_runs(tmp_path):
    ds = sweep("simulate", "additive", grid={"g_h": [0.5, 2.5]}, out=tmp_path / "s.zarr",
               scheduler="serial", progress=False, N=60, seeds=2, T=30.0).load()
    assert ds["variance_h"].dims == ("g_h", "seed") and list(ds.seed.values) == [0, 1]
    assert json.loads(ds.attrs["options"])["N"] == 60 and ds.attrs["seeds"] == [0, 1]
    # g_h = 0.5 < 1: the zero fixed point attracts; 2.5: active, O(1) variance
    assert ds.settled.values[0].all() and not ds.settled.values[1].any()
    assert np.all(ds.variance_h.values[0] < 1e-8) and np.all(ds.variance_h.values[1] > 0.1)
    for i, gi in enumerate((0.5, 2.5)):
        for s in (0, 1):
            one = summarise_run(Network("additive", 60, seed=s, params={"g_h": gi}), T=30.0,
                                seed=s)
            assert ds.variance_h.values[i, s] == one["variance"]["h"]
            assert ds.rms_speed.values[i, s] == one["rms_speed"]


# ------------------------------------------------------------------ storage

def test_store_is_labelled_and_round_trips_through_zarr(tmp_path):
    model = mf.get_model("gated")
    path = tmp_path / "fp.zarr"
    sweep("fixed-points", grid={"g_h": "1:3:4", "alpha_r": "0:20:3"},
          params={"alpha_z": 2.0}, out=path, scheduler="serial", progress=False)
    ds = xr.open_zarr(path)  # plain open, no warning (consolidated metadata)
    assert ds["region"].dims == ("g_h", "alpha_r")
    np.testing.assert_array_equal(ds.g_h.values, np.linspace(1, 3, 4))
    np.testing.assert_array_equal(ds.alpha_r.values, [0.0, 10.0, 20.0])
    assert ds.g_h.attrs["long_name"] == model.parameter("g_h").meaning
    assert ds.g_h.attrs["units"] == "1" and ds.g_h.attrs["domain"] == "g_h > 0"
    assert ds.max_variance.attrs["long_name"] and "units" in ds.max_variance.attrs
    a = ds.attrs
    assert a["quantity"] == "fixed-points" and a["model"] == "gated"
    assert a["model_hash"] == model.hash and a["meanfield_version"] == mf.__version__
    assert "dh/dt" in a["model_equations"] and "tau_z" in a["model_text"]
    params = json.loads(a["params"])
    assert params["alpha_z"] == 2.0 and "g_h" not in params and params["beta_r"] == 0.0
    assert time.time() - np.datetime64(a["created"][:19]).astype("datetime64[s]").astype(
        float) < 3600
    copy = tmp_path / "copy.zarr"
    ds.load().to_zarr(copy, consolidated=False)
    back = xr.open_zarr(copy, consolidated=False).load()
    xr.testing.assert_identical(back, ds)


# ------------------------------------------------------------------ resume

GRID = ("--grid", "g_h=1:4:31", "--grid", "alpha_r=0:30:31", "--chunk", "31",
        "--scheduler", "serial", "--no-progress")
CHUNKS = 31  # one row of g_h per chunk


def _done_rows(path) -> int:
    try:
        done = zarr.open_array(str(path / "done"), mode="r")[...]
    except Exception:  # not created yet
        return 0
    return int(done.all(axis=1).sum())


def _start_and_kill(path, log, at_rows: int, *extra) -> int:
    """Run the sweep CLI in a new process, SIGKILL its group once ``at_rows`` chunks are
    done; return the chunks stored."""
    with open(log, "a") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "meanfield.cli.main", "sweep", "fixed-points", *GRID,
             "--out", str(path), *extra], start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=err_file,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        try:
            deadline = time.monotonic() + 120
            while (_done_rows(path) < at_rows and proc.poll() is None
                   and time.monotonic() < deadline):
                time.sleep(0.01)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return _done_rows(path)


def test_sigkill_at_several_points_then_resume_equals_an_uninterrupted_run(tmp_path, capsys):
    """Killed early, killed again while resuming (twice, later each time), then resumed to
    the end: nothing lost, nothing computed twice, the same data as one whole run."""
    path, log = tmp_path / "killed.zarr", tmp_path / "stderr.txt"
    stored = _start_and_kill(path, log, 2)
    assert 0 < stored < CHUNKS, log.read_text()
    for at in (12, 22):
        again = _start_and_kill(path, log, at, "--resume")
        assert stored <= again < CHUNKS, log.read_text()  # a resume never loses a chunk
        stored = again
    code, out, err = cli(capsys, "sweep", "fixed-points", *GRID, "--out", str(path),
                         "--resume", "--json")
    assert code == 0, err
    s = json.loads(out)
    # only the missing chunks are computed; none twice
    assert s["chunks"] == CHUNKS and s["chunks_already_done"] == stored
    assert s["chunks_computed"] == CHUNKS - stored and s["complete"]
    assert s["chunks_damaged"] == 0
    code, out, err = cli(capsys, "sweep", "fixed-points", *GRID, "--out",
                         str(tmp_path / "whole.zarr"), "--json")
    assert code == 0 and json.loads(out)["chunks_computed"] == CHUNKS
    assert_same_data(xr.open_zarr(path).load(), xr.open_zarr(tmp_path / "whole.zarr").load())


SMALL = ("fixed-points", "--grid", "g_h=1:3:4", "--grid", "alpha_r=0:10:3", "--chunk", "2",
         "--scheduler", "serial", "--no-progress")


def _damage(path):
    """Four kinds of damage to a finished store, each to a different chunk."""
    (path / "max_variance" / "c" / "1" / "0").write_bytes(b"garbage!")      # overwritten
    f = path / "n_nonzero" / "c" / "2" / "1"
    f.write_bytes(f.read_bytes()[:5])                                       # truncated
    (path / "region" / "c" / "0" / "0").unlink()                            # lost
    g = path / "zero_stable" / "c" / "3" / "1"
    b = bytearray(g.read_bytes())
    b[len(b) // 2] ^= 4                                                     # one bit flipped
    g.write_bytes(bytes(b))


def test_a_damaged_store_is_not_read_as_data_and_resume_recomputes_it(tmp_path, capsys):
    path, whole = tmp_path / "s.zarr", tmp_path / "whole.zarr"
    for p in (path, whole):
        code, _, err = cli(capsys, "sweep", *SMALL, "--out", str(p))
        assert code == 0, err
    _damage(path)
    # reading it raises (a checksum per chunk) instead of returning numbers
    with pytest.raises(Exception, match="checksum"):
        xr.open_zarr(path)["zero_stable"].load()
    with pytest.raises(Exception, match="checksum"):
        xr.open_zarr(path)["max_variance"].load()
    code, out, err = cli(capsys, "sweep", *SMALL, "--out", str(path), "--resume", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["chunks_damaged"] == 4 and s["chunks_computed"] == 4 and s["complete"]
    text = " | ".join(s["damaged"])
    for what in ("region chunk 0/0 is missing", "max_variance chunk 1/0",
                 "n_nonzero chunk 2/1", "zero_stable chunk 3/1: checksum does not match"):
        assert what in text, text
    assert_same_data(xr.open_zarr(path).load(), xr.open_zarr(whole).load())
    # the text summary names the damage in its one line
    _damage(path)
    code, out, err = cli(capsys, "sweep", *SMALL, "--out", str(path), "--resume")
    assert code == 0 and "4 stored chunks were damaged and computed again" in out


def test_a_valid_chunk_copied_over_another_position_is_found_and_recomputed(tmp_path,
                                                                           capsys):
    """Its own checksum is valid; the manifest's CRC of that position is not (read as
    data before 2026-11-28)."""
    path, whole = tmp_path / "s.zarr", tmp_path / "whole.zarr"
    for p in (path, whole):
        assert cli(capsys, "sweep", *SMALL, "--out", str(p))[0] == 0
    src, dst = (path / "max_variance" / "c" / "2" / "0", path / "max_variance" / "c" / "3" / "0")
    assert src.read_bytes() != dst.read_bytes()
    dst.write_bytes(src.read_bytes())
    xr.open_zarr(path)["max_variance"].load()  # reads back: only the manifest can tell
    code, out, err = cli(capsys, "sweep", *SMALL, "--out", str(path), "--resume", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["chunks_damaged"] == 1 and s["chunks_computed"] == 1, s
    assert s["damaged"] == ["max_variance chunk 3/0 holds another chunk's values (its "
                            "CRC-32 is not this position's)"]
    assert_same_data(xr.open_zarr(path).load(), xr.open_zarr(whole).load())


def test_stored_reasons_are_checked_like_the_numbers(tmp_path, capsys):
    """The text variable ``message`` has its CRC in the manifest too (of its characters:
    the bytes of a numpy string array are pointers): a chunk of reasons copied over
    another position is found on resume and computed again."""
    path = tmp_path / "m.zarr"
    args = ["sweep", "dimension", "--grid", "alpha_z=0:1:2", "--set", "g_h=4", "--set",
            "alpha_r=5", "--method", "gaussian", "--tau-max", "100", "--dtau", "0.1",
            "--chunk", "1", "--scheduler", "serial", "--out", str(path)]
    assert cli(capsys, *args)[0] == 0
    before = xr.open_zarr(path).message.values.tolist()
    assert before[0] == "" and before[1].startswith("ParameterError: method='gaussian' needs")
    src, dst = path / "message" / "c" / "1", path / "message" / "c" / "0"
    dst.write_bytes(src.read_bytes())
    assert xr.open_zarr(path).message.values[0] == before[1]  # reads back: a valid chunk
    code, out, err = cli(capsys, *args, "--resume", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["damaged"] == ["message chunk 0 holds another chunk's values (its CRC-32 is "
                            "not this position's)"], s
    assert xr.open_zarr(path).message.values.tolist() == before


def test_damaged_done_flags_make_their_chunk_pending(tmp_path, capsys):
    path, whole = tmp_path / "s.zarr", tmp_path / "whole.zarr"
    for p in (path, whole):
        assert cli(capsys, "sweep", *SMALL, "--out", str(p))[0] == 0
    (path / "done" / "c" / "3" / "0").write_bytes(b"x")
    code, out, err = cli(capsys, "sweep", *SMALL, "--out", str(path), "--resume", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["damaged"] == ["done chunk 3/0: checksum does not match"]
    assert s["chunks_computed"] == 1 and s["chunks_already_done"] == 7
    assert_same_data(xr.open_zarr(path).load(), xr.open_zarr(whole).load())


def test_damaged_metadata_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "s.zarr"
    assert cli(capsys, "sweep", *SMALL, "--out", str(path))[0] == 0
    meta = path / "zarr.json"
    meta.write_text(meta.read_text()[:40])
    code, out, err = cli(capsys, "sweep", *SMALL, "--out", str(path), "--resume")
    assert code == 1 and "not a readable Zarr store" in err and err.count("\n") == 1


def test_ctrl_c_leaves_a_consistent_store_that_resumes(tmp_path, monkeypatch, capsys):
    calls = []
    real = execute.compute_chunk

    def interrupted_on_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(execute, "compute_chunk", interrupted_on_third)
    kw = dict(grid={"g_h": "1:3:5", "alpha_r": "0:20:3"}, scheduler="serial", chunk=3,
              progress=False)
    with pytest.raises(SweepInterrupted, match="--resume") as info:
        run_sweep("fixed-points", out=tmp_path / "a.zarr", **kw)
    assert (info.value.done, info.value.total) == (2, 5)
    assert xr.open_zarr(tmp_path / "a.zarr")["done"].values.sum() == 2 * 3
    monkeypatch.setattr(execute, "compute_chunk", real)
    r = run_sweep("fixed-points", out=tmp_path / "a.zarr", resume=True, **kw)
    assert r.summary["chunks_computed"] == 3 and r.summary["chunks_already_done"] == 2
    whole = sweep("fixed-points", out=tmp_path / "b.zarr", **kw)
    assert_same_data(r.dataset.load(), whole.load())
    # resuming a complete store computes nothing and starts no cluster
    again = run_sweep("fixed-points", out=tmp_path / "a.zarr", resume=True,
                      **{**kw, "scheduler": "local"})
    # (and says so, rather than naming the serial scheduler it did not use)
    assert again.summary["chunks_computed"] == 0
    assert again.summary["scheduler"] == "none (nothing left to compute)"


def test_cli_reports_an_interrupt_with_the_resume_hint(tmp_path, monkeypatch, capsys):
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "compute_chunk", interrupt)
    code, out, err = cli(capsys, "sweep", "fixed-points", "--grid", "g_h=1:2:3", "--out",
                         str(tmp_path / "x.zarr"), "--scheduler", "serial")
    assert code == 130 and "--resume" in err and err.count("\n") == 1


def test_interrupt_is_held_back_while_a_chunk_is_written():
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with execute.deferred_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            finished.append(True)  # reached: the signal waited for the block
    assert finished == [True]


def test_fixed_point_sweep_marks_refused_points_failed_and_keeps_the_rest(tmp_path):
    # w = 1.5: bistable units, the static theory refuses the point (one fixed point per
    # unit needed); it used to take the whole chunk down (and the sweep with a
    # traceback). The other points equal direct solves.
    model = mf.parse_model(user_models.IMPLICIT)
    w = np.array([0.0, 0.5, 1.5])
    ds = sweep("fixed-points", model, grid={"w": w}, params={"g": 2.0},
               out=tmp_path / "fp.zarr", scheduler="serial", progress=False).load()
    assert ds["done"].values.all()
    assert ds["failed"].values.tolist() == [False, False, True]
    for j in range(2):
        r = mf.fixed_point_branches(model, g=2.0, w=w[j])
        want = max(b.field_variance["q_J"] for b in r if not b.zero)
        assert float(ds.max_variance[j]) == pytest.approx(want, rel=1e-4)


def test_an_erred_dask_task_raises_its_own_exception(tmp_path, monkeypatch):
    # as_completed(...).next_batch hands an erred task's exception info back as its value;
    # it was written to the store as data (AttributeError: 'tuple' object has no
    # attribute 'items'). Threads in this process see the patched kernel.
    from distributed import Client, LocalCluster

    def broken(*args, **kwargs):
        raise mf.ParameterError("the kernel refused this chunk")

    monkeypatch.setattr(execute, "compute_chunk", broken)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        with pytest.raises(mf.ParameterError, match="refused this chunk"):
            run_sweep("fixed-points", "additive", grid={"g_h": [0.5, 2.0]},
                      out=tmp_path / "e.zarr", scheduler=client, progress=False)


# ------------------------------------------------------------------ Dask

def test_local_dask_cluster_gives_the_serial_result(tmp_path, capsys):
    args = ("sweep", "fixed-points", "--grid", "g_h=1:3:4", "--grid", "alpha_r=0:20:3",
            "--chunk", "3", "--json", "--no-progress")
    code, out, err = cli(capsys, *args, "--out", str(tmp_path / "d.zarr"), "--workers", "2")
    assert code == 0, err
    s = json.loads(out)
    assert "local Dask cluster (2 worker" in s["scheduler"] and s["chunks_computed"] == 4
    code, out, err = cli(capsys, *args, "--out", str(tmp_path / "s.zarr"), "--scheduler",
                         "serial")
    assert code == 0, err
    assert_same_data(xr.open_zarr(tmp_path / "d.zarr").load(),
                     xr.open_zarr(tmp_path / "s.zarr").load())


def test_existing_cluster_by_address_is_used_and_left_running(tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}) as cluster:
        r = run_sweep("dmft", "additive", grid={"g_h": [0.5, 2.0]}, out=tmp_path / "a.zarr",
                      scheduler=cluster.scheduler_address, tau_max=20.0, dtau=0.1, nodes=32,
                      progress=False)
        assert cluster.scheduler_address in r.summary["scheduler"]
        with Client(cluster) as c:  # still up
            assert c.submit(sum, [1, 2]).result() == 3
    assert r.dataset.chaotic.values.tolist() == [False, True]


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("argv, message", [
    (("nonsense", "--grid", "g_h=1:2:3"), "unknown quantity 'nonsense'"),
    (("fixed-points", "--grid", "gain=1:2:3"), "no parameter 'gain'"),
    (("fixed-points", "--grid", "g_h=-1:2:3"), "outside its domain"),
    (("fixed-points", "--grid", "g_h=1:2"), "NAME=START:STOP:COUNT"),
    (("fixed-points",), "at least one grid axis"),
    (("fixed-points", "--grid", "g_h=1:2:3", "--set", "g_h=2"), "both a grid axis"),
    (("fixed-points", "--grid", "g_h=1:2:3", "--grid", "g_h=2:3:3"), "given twice"),
    (("dmft", "--grid", "g_h=1:2:3", "--N", "100"), "'N' does not apply to quantity 'dmft'"),
    (("dmft", "--grid", "g_h=1:2:3", "--method", "rk4"), "must be one of auto"),
    (("simulate", "--grid", "g_h=1:2:3", "--T", "10", "--transient", "20"), "smaller than"),
    (("fixed-points", "--grid", "g_h=1:2:3", "--resume"), "does not exist"),
])
def test_bad_input_is_one_line_and_nonzero(tmp_path, capsys, argv, message):
    out = tmp_path / "x.zarr"
    code, _, err = cli(capsys, "sweep", *argv, "--out", str(out), "--scheduler", "serial")
    assert code == 1 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())  # nothing half-made


def test_existing_store_needs_resume_or_overwrite_and_must_match(tmp_path, capsys):
    path = tmp_path / "x.zarr"
    base = ("sweep", "fixed-points", "--grid", "g_h=1:2:3", "--out", str(path),
            "--scheduler", "serial", "--no-progress")
    assert cli(capsys, *base)[0] == 0
    code, _, err = cli(capsys, *base)
    assert code == 1 and "--resume" in err and "--overwrite" in err and err.count("\n") == 1
    code, _, err = cli(capsys, *base[:3], "g_h=1:2:4", *base[4:], "--resume")
    assert code == 1 and "grid axis g_h: store 3 values 1..2, given 4 values 1..2" in err
    code, _, err = cli(capsys, *base, "--set", "alpha_r=3", "--resume")
    assert code == 1 and "fixed parameters: store alpha_r=1.0, given alpha_r=3.0" in err
    code, _, err = cli(capsys, *base, "--model", "additive", "--resume")
    assert code == 1 and "model: store gated" in err
    code, out, err = cli(capsys, *base, "--overwrite", "--model", "additive", "--json")
    assert code == 0 and json.loads(out)["model"] == "additive", err
    assert xr.open_zarr(path).attrs["model"] == "additive"


def test_a_store_being_written_is_neither_resumed_nor_overwritten_by_another_run(
        tmp_path, capsys):
    """One writer per store (2026-11-28: an --overwrite with another grid while a sweep
    ran left a store labelled with the new grid holding the old sweep's values, all marked
    done). The lock is another open file here: flock refuses it within one process too."""
    path, lock_file = tmp_path / "x.zarr", tmp_path / ".x.zarr.lock"
    base = ("sweep", "fixed-points", "--grid", "g_h=1:2:3", "--out", str(path),
            "--scheduler", "serial", "--no-progress")
    assert cli(capsys, *base)[0] == 0
    assert not lock_file.exists()  # released and removed at the end of the run
    before = xr.open_zarr(path).load()
    held = _WriterLock.acquire(path)
    try:
        other_grid = (*base[:3], "g_h=5:6:3", *base[4:])
        for argv in ((*base, "--resume"), (*base, "--overwrite"), (*other_grid, "--overwrite")):
            code, _, err = cli(capsys, *argv)
            assert code == 1 and err.count("\n") == 1, err
            assert f"being written by another run (process {os.getpid()} on " in err, err
        with pytest.raises(StoreBusyError):
            run_sweep("fixed-points", grid={"g_h": "1:2:3"}, out=path, resume=True,
                      scheduler="serial", progress=False)
        # another spelling of the same store (a symlink) meets the same lock
        (tmp_path / "link.zarr").symlink_to(path)
        with pytest.raises(StoreBusyError):
            run_sweep("fixed-points", grid={"g_h": "1:2:3"}, out=tmp_path / "link.zarr",
                      resume=True, scheduler="serial", progress=False)
        assert_same_data(xr.open_zarr(path).load(), before)  # untouched
    finally:
        held.release()
    code, out, err = cli(capsys, *base, "--resume", "--json")
    assert code == 0 and json.loads(out)["chunks_computed"] == 0, err


def test_no_lock_file_possible_is_a_warning_and_a_symlinked_store_is_not_overwritten(
        tmp_path, capsys, monkeypatch):
    import errno

    from meanfield.sweep import store as store_module

    path = tmp_path / "x.zarr"
    base = ("sweep", "fixed-points", "--grid", "g_h=1:2:3", "--out", str(path),
            "--scheduler", "serial", "--no-progress")
    assert cli(capsys, *base)[0] == 0
    real_open = os.open

    def refuse_lock_files(p, *a, **k):
        if str(p).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(p))
        return real_open(p, *a, **k)

    monkeypatch.setattr(store_module.os, "open", refuse_lock_files)
    with pytest.warns(RuntimeWarning, match=r"x.zarr: cannot create the lock file "
                      r".x.zarr.lock \(Read-only file system\); no other run is kept"):
        code, out, err = cli(capsys, *base, "--resume", "--json")
    assert code == 0 and json.loads(out)["complete"], err
    monkeypatch.undo()
    (tmp_path / "link.zarr").symlink_to(path)
    code, _, err = cli(capsys, *base[:5], str(tmp_path / "link.zarr"), *base[6:],
                       "--overwrite")
    assert code == 1 and "is a symbolic link" in err and err.count("\n") == 1, err
    assert path.is_dir() and (tmp_path / "link.zarr").is_symlink()


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path, capsys):
    """A writer killed by SIGKILL leaves its lock file, not its lock: a resume proceeds."""
    path = tmp_path / "x.zarr"
    base = ("sweep", "fixed-points", "--grid", "g_h=1:2:3", "--out", str(path),
            "--scheduler", "serial", "--no-progress")
    assert cli(capsys, *base)[0] == 0
    code = ("import sys, time; from pathlib import Path; "
            "from meanfield.sweep.store import _WriterLock; "
            f"_WriterLock.acquire(Path({str(path)!r})); print('held', flush=True); "
            "time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        assert "another run (process" in cli(capsys, *base, "--resume")[2]
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert (tmp_path / ".x.zarr.lock").exists()  # left behind by the killed process
    code, out, err = cli(capsys, *base, "--resume", "--json")
    assert code == 0 and json.loads(out)["complete"], err
    assert not (tmp_path / ".x.zarr.lock").exists()


def test_a_store_with_other_outputs_is_a_mismatch_not_a_traceback(tmp_path, capsys):
    # a fixed-points store written before its `failed` output existed (2026-11-27): a
    # resume with a pending chunk died in xarray ("non-pre-existing variables ['failed']")
    path = tmp_path / "old.zarr"
    base = ("sweep", "fixed-points", "--model", "additive", "--grid", "g_h=0.5:2.5:3",
            "--out", str(path), "--scheduler", "serial", "--no-progress")
    assert cli(capsys, *base)[0] == 0
    g = zarr.open_group(str(path), mode="r+")
    g.attrs["variables"] = [v for v in g.attrs["variables"] if v != "failed"]
    code, out, err = cli(capsys, *base, "--resume")
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "was written with the outputs" in err and "--overwrite" in err


def test_python_api_raises_meanfield_errors(tmp_path):
    with pytest.raises(UnknownQuantityError):
        sweep("lyapunov-spectrum", grid={"g_h": [1, 2]}, out=tmp_path / "a.zarr")
    with pytest.raises(mf.ParameterDomainError):
        sweep("dmft", grid={"alpha_r": [-1.0, 2.0]}, out=tmp_path / "a.zarr")
    with pytest.raises(mf.ParameterError, match="repeat"):
        sweep("dmft", grid={"g_h": [1.0, 1.0]}, out=tmp_path / "a.zarr")
    (tmp_path / "b.zarr").mkdir()
    with pytest.raises(StoreExistsError):
        sweep("fixed-points", grid={"g_h": [1, 2]}, out=tmp_path / "b.zarr",
              scheduler="serial")
    sweep("fixed-points", grid={"g_h": [1, 2]}, out=tmp_path / "c.zarr", scheduler="serial",
          progress=False)
    with pytest.raises(StoreMismatchError, match="options"):
        sweep("fixed-points", grid={"g_h": [1, 2]}, out=tmp_path / "c.zarr",
              scheduler="serial", resume=True, n_q=40)


def test_a_script_that_sweeps_without_a_main_guard_is_told_so(tmp_path):
    # Worker processes import the user's script again; a top-level sweep() there used to
    # end in a cascade of "Nanny failed to start" tracebacks and nothing else. The worker
    # refuses with the remedy, and the parent's error names the script and the remedy.
    script = tmp_path / "unguarded.py"
    script.write_text("from meanfield.sweep import sweep\n"
                      "sweep('fixed-points', 'additive', grid={'g_h': [0.5, 1.5]}, "
                      f"out={str(tmp_path / 's.zarr')!r}, workers=1)\n")
    # Since 2026-11-28 the parent reads the script and refuses before any worker starts
    # (the cascade still came first, 128 lines; a probe): no worker's traceback at all.
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (f"meanfield.sweep.errors.SweepError: {script}, line 2: sweep() at the "
                    "top level of a script: every worker process imports the script again; "
                    "put the call under `if __name__ == \"__main__\":` (or pass "
                    "scheduler='serial')"), proc.stderr[-2000:]
    assert "Nanny" not in proc.stderr and "worker process imported" not in proc.stderr
    assert not (tmp_path / "s.zarr").exists()
    # under the guard, and from a function called there, the same sweep runs
    script.write_text("from meanfield.sweep import sweep\n\n\ndef run():\n"
                      "    return sweep('fixed-points', 'additive', grid={'g_h': [0.5, 1.5]}, "
                      f"out={str(tmp_path / 's.zarr')!r}, workers=1, progress=False)\n\n\n"
                      "if __name__ == '__main__':\n    run()\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "s.zarr").exists()


def test_damaged_array_metadata_and_a_bad_scheduler_are_one_line_errors(tmp_path):
    # found by a probe (2026-11-27): a JSONDecodeError / FileNotFoundError traceback from
    # the chunk check on --resume, and Dask's ValueError for a malformed address
    from meanfield.sweep import SweepError, run_sweep

    out = tmp_path / "s.zarr"
    kw = dict(grid={"g_h": "1:2:3"}, out=out, scheduler="serial", progress=False)
    run_sweep("fixed-points", "gated", **kw)
    (out / "max_variance" / "zarr.json").write_text("{garb")
    with pytest.raises(SweepError, match="the array 'max_variance' cannot be opened"):
        run_sweep("fixed-points", "gated", resume=True, **kw)
    with pytest.raises(SweepError, match="scheduler='bogus': cannot connect"):
        run_sweep("fixed-points", "gated", **{**kw, "out": tmp_path / "t.zarr",
                                              "scheduler": "bogus"})


def test_local_workers_keep_glibcs_own_trim_threshold_and_leave_ctrl_c_to_the_driver():
    # Dask gives its workers MALLOC_TRIM_THRESHOLD_=65536; a dimension sweep then spent
    # 52 s of system time re-mapping its temporaries (51.9 s wall against 13.5 s serial;
    # 15.5 s without it, docs/performance.md). The local cluster leaves it out, and keeps
    # Dask's one-thread BLAS settings.
    # They also ignore SIGINT, which a terminal's Ctrl-C sends to the whole process group:
    # only the driver reacts (cancels, closes the cluster, one line); each worker printed
    # tracebacks of its own KeyboardInterrupt (48-79 lines of stderr in three Ctrl-Cs of a
    # CLI sweep at 8, 14 and 22 s, 3 lines after: the message and the resource tracker's
    # note), and the driver's own handler is back once the cluster has started.
    from meanfield.sweep.execute import DaskBackend

    before = signal.getsignal(signal.SIGINT)
    backend = DaskBackend("local", workers=1)
    try:
        env = backend.client.run(lambda: {k: os.environ.get(k) for k in
                                          ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")})
        sigint = backend.client.run(lambda: signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
    finally:
        backend.close()
    (worker_env,) = env.values()
    assert worker_env == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}
    assert list(sigint.values()) == [True]
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("values, match", [
    ([[1, 2], [3, 4]], r"must be a flat list \(got shape \(2, 2\)\)"),
    ([True, False], "booleans, not numbers"),
])
def test_grid_values_that_are_not_one_axis_of_numbers_are_refused(values, match):
    # found by a probe (2026-11-27): flattened to 4 values, and cast to 1.0 / 0.0
    from meanfield.sweep.plan import parse_grid

    with pytest.raises(mf.ParameterError, match=match):
        parse_grid({"g_h": values})


def test_dmft_sweep_options_match_the_single_command(tmp_path, capsys):
    # --samples with --method gaussian was recorded as if used (dmft refuses it); --seed
    # was read as --seeds and --no-lyapunov did not exist (found by a probe)
    base = ("sweep", "dmft", "--grid", "g_h=3:4:2", "--set", "alpha_z=0", "--scheduler",
            "serial", "--no-progress", "--tau-max", "40")
    code, out, err = cli(capsys, *base, "--method", "gaussian", "--samples", "100",
                         "--out", str(tmp_path / "a.zarr"))
    assert code == 1 and "option samples belongs to method='sampling'" in err
    code, out, err = cli(capsys, *base, "--seed", "3", "--no-lyapunov", "--json",
                         "--out", str(tmp_path / "b.zarr"))
    assert code == 0, err
    ds = xr.open_zarr(tmp_path / "b.zarr")
    opts = json.loads(ds.attrs["options"])
    assert opts["seed"] == 3 and opts["lyapunov"] is False
    assert np.all(np.isnan(ds["lyapunov_max"].values))


def test_a_sweep_of_absurd_size_is_refused_before_any_work(tmp_path):
    """1e12 points were accepted, and building the task graph took 6.8 GB before a
    MemoryError traceback (a probe, 2026-11-28)."""
    with pytest.raises(mf.ParameterError, match="1e\\+12 points .* at most"):
        sweep("fixed-points", "gated", grid={"g_h": "1:4:10000", "alpha_r": "0:30:10000",
                                             "beta_r": "-3:3:10000"},
              out=tmp_path / "big.zarr", scheduler="serial", progress=False)
    assert not (tmp_path / "big.zarr").exists()


def test_resume_on_a_read_only_store_is_refused_before_any_work(tmp_path, capsys,
                                                                monkeypatch):
    """On a read-only mount --resume computed the missing chunks, then its first write was
    a traceback (a probe, 2026-11-28). The file system's refusal is stood in for here (the
    tests run as root, whom a read-only mode does not stop)."""
    import errno
    import pathlib

    from meanfield.sweep import run as sweep_run

    path = tmp_path / "s.zarr"
    assert cli(capsys, "sweep", *SMALL, "--out", str(path))[0] == 0
    (path / "done" / "c" / "3" / "0").unlink()  # one chunk left to do
    real = pathlib.Path.write_bytes

    def read_only(self, data):
        if self.parent == path:
            raise OSError(errno.EROFS, "Read-only file system")
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", read_only)
    monkeypatch.setattr(sweep_run, "execute", lambda *a, **k: pytest.fail("computed"))
    code, out, err = cli(capsys, "sweep", *SMALL, "--out", str(path), "--resume")
    assert code == 1 and err.count("\n") == 1
    assert "cannot be written (Read-only file system)" in err
