"""The command line: every command runs, --json parses, bad input is one line and exit != 0."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from meanfield.cli.main import main
from tests.reference import user_models


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors and --help
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_models_lists_every_model_with_domains(capsys):
    code, out, err = run(capsys, "models")
    assert code == 0
    for name in ("gated", "additive", "update-gate", "output-gate"):
        assert f"model {name}" in out
    assert "g_h > 0" in out and "alpha_z >= 0" in out
    code, out, _ = run(capsys, "models", "--json")
    data = json.loads(out)
    gated = data["models"][0]
    assert gated["name"] == "gated"
    assert {p["name"] for p in gated["parameters"]} >= {"g_h", "alpha_z", "beta_r", "tau_z"}


def test_simulate_json_contract(capsys):
    code, out, err = run(capsys, "simulate", "--model", "gated", "--set", "g_h=3",
                         "--set", "alpha_z=5", "--N", "200", "--T", "20", "--seed", "0",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data)[:8] == ["model", "params", "N", "T", "seed", "transient", "settled",
                              "rms_speed"]
    for key in ("variance", "fluctuation_variance"):
        assert set(data[key]) == {"h", "z", "r"}
        assert all(v >= 0 for v in data[key].values())
    assert data["params"]["alpha_z"] == 5.0 and data["N"] == 200 and data["T"] == 20.0
    assert data["settled"] is False  # g_h s_r(0) = 1.5: chaotic


def test_simulate_with_the_adams_method_agrees_with_rk4(capsys):
    argv = ("simulate", "--set", "g_h=3", "--N", "200", "--T", "20", "--json")
    out = {}
    for method, dt in (("rk4", "0.05"), ("adams", "0.1")):
        code, text, err = run(capsys, *argv, "--method", method, "--dt", dt)
        assert code == 0, err
        out[method] = json.loads(text)
    # the same trajectory: the variances differ by 2e-8 relative (rk4 at dt = 0.05 and
    # 0.0125 by 1e-9; adams is less accurate in the fast transient after the random start)
    for v in ("h", "z", "r"):
        assert out["adams"]["variance"][v] == pytest.approx(out["rk4"]["variance"][v],
                                                            rel=1e-6)


def test_simulate_readable_summary_and_quiet_network(capsys):
    code, out, _ = run(capsys, "simulate", "--set", "g_h=1", "--N", "100", "--T", "200")
    assert code == 0
    assert "settled to a fixed point: yes" in out
    assert "variance" in out


def test_model_file_from_the_command_line(tmp_path, capsys):
    f = tmp_path / "mine.model"
    f.write_text("name: mine\nparameters:\n  g = 2 | g > 0 | gain\nequations:\n"
                 "  dx/dt = -x + J @ tanh(g*x)\n")
    code, out, err = run(capsys, "simulate", "--model", str(f), "--N", "50", "--T", "5",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["model"] == "mine"


@pytest.mark.parametrize("argv, fragment", [
    (["simulate", "--model", "nope"], "unknown model 'nope'"),
    (["simulate", "--set", "gamma=1"], "no parameter 'gamma'"),
    (["simulate", "--set", "g_h=-1"], "g_h > 0"),
    (["simulate", "--set", "g_h=nan"], "NaN"),
    (["simulate", "--set", "g_h=inf"], "g_h > 0"),
    (["simulate", "--set", "g_h"], "NAME=VALUE"),
    (["simulate", "--set", "g_h=abc"], "not a number"),
    (["simulate", "--set", "g_h=1", "--set", "g_h=2"], "given twice"),
    (["simulate", "--N", "0"], "positive integer"),
    (["simulate", "--N", "-5"], "positive integer"),
    (["simulate", "--N", "2.5"], "not an integer"),
    (["simulate", "--T", "0"], "must be > 0"),
    (["simulate", "--T", "nan"], "not a finite number"),
    (["simulate", "--T", "10", "--transient", "20"], "transient"),
    (["simulate", "--seed", "-1"], "non-negative"),
    (["simulate", "--method", "adams", "--dt", "0.5"], "adams stability limit 0.4394"),
    (["simulate", "--method", "euler"], "invalid choice"),
    (["simulate", "--set", "I_h=0.5"], "I_h is an input of the model"),
    (["lyapunov", "--N", "10", "--k", "31"], "exceeds"),
    (["lyapunov", "--k", "0"], "positive integer"),
    (["lyapunov", "--renorm-every", "0"], "must be > 0"),
    (["dmft", "--method", "gaussian", "--set", "alpha_z=5"], "alpha_z = 0 is required"),
    (["dmft", "--damping", "2"], "(0, 1]"),
    (["frobnicate"], "invalid choice"),
    (["models", "nope"], "unknown model"),
])
def test_bad_input_is_one_line_and_nonzero(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert fragment in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_malformed_model_file_points_at_the_line(tmp_path, capsys):
    f = tmp_path / "bad.model"
    f.write_text("parameters:\n  g = 2 | g > 0 | gain\nequations:\n  dx/dt = -x + J @ tanh(g*y)\n")
    code, _, err = run(capsys, "simulate", "--model", str(f))
    assert code == 1
    assert "line 4" in err and "unknown symbol 'y'" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("cmd", [[], ["models"], ["simulate"], ["demo"], ["derive"], ["codegen"],
                                 ["fixed-points"], ["spectrum"], ["phase-diagram"],
                                 ["lyapunov"], ["dmft"]])
def test_every_command_has_help(capsys, cmd):
    code, out, _ = run(capsys, *cmd, "--help")
    assert code == 0 and "usage: meanfield" in out


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "meanfield"
    assert script.exists(), "the console script 'meanfield' is not installed next to python"
    proc = subprocess.run([str(script), "simulate", "--set", "alpha_r=-3"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("meanfield simulate: error: parameter alpha_r=-3.0 is "
                                   "outside its domain: alpha_r >= 0")


def test_python_m_meanfield_is_the_command():
    proc = subprocess.run([sys.executable, "-m", "meanfield", "simulate", "--set",
                           "alpha_r=-3"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("meanfield simulate: error: parameter alpha_r=-3.0 is "
                                   "outside its domain: alpha_r >= 0")


def test_demo_writes_the_report(tmp_path, capsys):
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--N", "100", "--T", "40")
    assert code == 0, err
    for name in ("activity.png", "autocorrelation.png", "summary.json", "summary.md"):
        assert (tmp_path / name).stat().st_size > 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["model"] == "gated" and set(s["variance"]) == {"h", "z", "r"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(s["figures"]
                                                                + ["summary.json",
                                                                   "summary.md"])


def test_an_interrupted_demo_leaves_the_previous_report_whole(tmp_path, capsys, monkeypatch):
    """Ctrl-C part way (here in the demo's second simulation): the last report's files are
    all the last report's (its figures were replaced one by one while its summary stayed)."""
    from validation import demo

    assert run(capsys, "demo", "--out", str(tmp_path), "--N", "100", "--T", "40")[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real, calls = demo.simulate, [0]

    def interrupted(*a, **k):
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(demo, "simulate", interrupted)
    code, _, err = run(capsys, "demo", "--out", str(tmp_path), "--N", "80", "--T", "30",
                       "--seed", "1")
    assert code == 130 and err == "meanfield demo: interrupted\n"
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()
             if not p.name.startswith(".demo-partial")}
    assert after == before
    monkeypatch.undo()
    assert run(capsys, "demo", "--out", str(tmp_path), "--N", "80", "--T", "30")[0] == 0
    # (the interrupted run's folder is this process's own: left to the next process)
    assert len(list(tmp_path.glob(".demo-partial-*"))) <= 1
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _, err = run(capsys, "demo", "--out", str(afile), "--N", "50", "--T", "20")
    assert code == 1 and err == f"meanfield demo: error: --out {afile} is a file, not a folder\n"


def test_fixed_points_json_contract(capsys):
    code, out, err = run(capsys, "fixed-points", "--set", "g_h=1.8", "--set", "alpha_r=10",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"model", "params", "branches"} <= set(data)
    hs = [b["variance"]["h"] for b in data["branches"]]
    assert hs == sorted(hs) and len(hs) == 3
    for b in data["branches"]:
        assert set(b["variance"]) == {"h", "z", "r"}
        assert {"stability", "edge", "stable"} <= set(b)


def test_spectrum_json_and_plot(tmp_path, capsys):
    png = tmp_path / "s.png"
    code, out, err = run(capsys, "spectrum", "--set", "g_h=3", "--set", "alpha_z=0", "--json",
                         "--points", "20", "--plot", str(png))
    assert code == 0, err
    data = json.loads(out)
    assert [len(c) for c in data["boundary"]] == [20] and data["edge"] > 0
    # alpha_z = 0: s_z = 1/2, so the rates are -1/2 (h) and -1 (z, r): two points
    assert png.stat().st_size > 0 and data["success"]
    assert data["local_intervals"] == [[-1, -1], [-0.5, -0.5]]
    # two closed curves stay two lists (they were joined into one, with a jump), each
    # thinned in proportion; the local rates as separate intervals ([-1, 0) and -10)
    code, out, err = run(capsys, "spectrum", "--set", "g_h=2.5", "--set", "tau_z=10",
                         "--set", "tau_r=0.1", "--json", "--points", "51")
    data = json.loads(out)
    assert code == 0 and len(data["boundary"]) == 2, err
    assert 45 <= sum(map(len, data["boundary"])) <= 55
    (a, b), (c, d) = data["local_intervals"]
    assert a == b == -10.0 and c == pytest.approx(-1.0) and -1e-6 < d < 0


def test_derive_and_codegen(capsys):
    code, out, _ = run(capsys, "derive", "--model", "additive")
    assert code == 0 and "q_h = <tanh" in out
    code, out, _ = run(capsys, "derive", "--model", "output-gate", "--latex")
    assert code == 0 and r"\left\langle" in out
    code, out, _ = run(capsys, "codegen", "--model", "gated", "--show")
    assert code == 0 and "def variance_map" in out and "def profile" in out
    code, out, _ = run(capsys, "codegen", "--kind", "network", "--show")
    assert code == 0 and "def velocity" in out


def test_derive_dmft(capsys):
    code, out, _ = run(capsys, "derive", "--model", "gated", "--dmft")
    assert code == 0
    assert "Dynamical mean-field theory" in out and "Static mean-field" not in out
    assert "condition: h is a linear filter (Gaussian) when alpha_z = 0" in out
    code, same, _ = run(capsys, "derive", "--model", "gated", "--part", "dmft")
    assert code == 0 and same == out
    code, out, _ = run(capsys, "derive", "--model", "additive", "--dmft", "--latex")
    assert code == 0 and r"\frac{d}{d t} h{\left(t \right)}" in out and r"\lambda" in out


def test_phase_diagram_writes_png_and_json(tmp_path, capsys):
    code, out, err = run(capsys, "phase-diagram", "--x", "g_h=1.5:2.5:11", "--y",
                         "alpha_r=0:20:6", "--out", str(tmp_path / "pd"))
    assert code == 0, err
    data = json.loads((tmp_path / "pd.json").read_text())
    assert len(data["region"]) == 6 and len(data["region"][0]) == 11
    assert {ln["kind"] for ln in data["lines"]} >= {"zero_instability", "saddle_node"}
    assert (tmp_path / "pd.png").stat().st_size > 0
    # a line's columns beyond (x, y) are written by name (the saddle node's q_1; the
    # bistable interval's upper end was named in its message but not written)
    sn = next(ln for ln in data["lines"] if ln["kind"] == "saddle_node")
    assert len(sn["q_1"]) == len(sn["x"]) and min(sn["q_1"]) > 0


def test_phase_diagram_plane_uses_default_ranges_overridden_per_axis(tmp_path, capsys):
    code, out, err = run(capsys, "phase-diagram", "--plane", "g_h,alpha_r", "--y",
                         "alpha_r=0:20:5", "--out", str(tmp_path / "pd"))
    assert code == 0, err
    data = json.loads((tmp_path / "pd.json").read_text())
    assert data["x"] == "g_h" and data["y"] == "alpha_r"
    assert data["x_values"][0] == 1.0 and data["x_values"][-1] == 3.0
    assert len(data["x_values"]) == 61 and len(data["y_values"]) == 5


@pytest.mark.parametrize("argv, fragment", [
    (["phase-diagram", "--x", "g_h=1:3", "--y", "alpha_r=0:30:5"], "START:STOP:COUNT"),
    (["phase-diagram", "--x", "gamma=1:3:5", "--y", "alpha_r=0:30:5"], "no parameter"),
    (["phase-diagram", "--x", "alpha_r=-5:3:5", "--y", "g_h=1:2:5"], "alpha_r >= 0"),
    (["phase-diagram", "--plane", "g_h"], "--plane"),
    (["phase-diagram", "--plane", "g_h,tau_z"], "--plane"),
    (["phase-diagram", "--x", "g_h=1:3:5"], "--plane X,Y or both"),
    (["phase-diagram", "--plane", "g_h,alpha_r", "--chaos", "-1"], "--chaos"),
    (["spectrum", "--branch", "7"], "branch"),
    (["fixed-points", "--set", "tau_r=0"], "tau_r > 0"),
])
def test_theory_commands_bad_input(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code != 0 and fragment in err and len(err.strip().splitlines()) == 1


def test_lyapunov_json_contract(capsys):
    code, out, err = run(capsys, "lyapunov", "--set", "g_h=3", "--N", "60", "--T", "20",
                         "--transient", "5", "--k", "4", "--twin", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"model", "params", "N", "k", "exponents", "stderr", "lyapunov_max", "n_positive",
            "kaplan_yorke", "twin"} <= set(data)
    assert len(data["exponents"]) == 4
    assert data["exponents"] == sorted(data["exponents"], reverse=True)
    # a null Kaplan-Yorke dimension says why (a probe found it bare)
    assert (data["kaplan_yorke"] is None) == data["kaplan_yorke_note"].startswith(
        "needs more exponents")


def test_dmft_json_contract(capsys):
    code, out, err = run(capsys, "dmft", "--model", "additive", "--set", "g_h=2",
                         "--dtau", "0.2", "--tau-max", "40", "--nodes", "24", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"model", "params", "delta_0", "delta_inf", "tau_corr", "lyapunov_max", "chaotic",
            "converged", "residual"} <= set(data)
    assert data["chaotic"] and data["converged"] and data["delta_0"] > 0.4
    assert data["method"] == "gaussian" and data["lyapunov_max"] > 0
    assert data["settings"]["method"] == "gaussian" and data["settings"]["nodes"] == 24
    assert data["settings"]["tau_max"] == 40.0 and data["settings"]["dtau"] == 0.2


def test_dmft_sampling_options_and_progress(capsys):
    # --T, --burn, --replicas, --no-lyapunov reach the solver; --progress reports every
    # iteration on stderr and leaves stdout to the JSON
    code, out, err = run(capsys, "dmft", "--set", "g_h=3", "--set", "alpha_z=5",
                         "--dtau", "0.2", "--tau-max", "20", "--T", "40", "--burn", "5",
                         "--samples", "96", "--replicas", "3", "--averaging", "2",
                         "--no-lyapunov", "--progress", "--json")
    data = json.loads(out)
    assert data["method"] == "sampling" and data["lyapunov_max"] is None
    assert "3 independent replicas of 32 trajectories" in data["message"]
    assert data["settings"] == {**data["settings"], "method": "sampling", "T": 40.0,
                                "burn": 5.0, "replicas": 3, "samples": 96, "seed": 0,
                                "tau_max": 20.0, "dtau": 0.2, "lyapunov": False,
                                "averaging": 2}
    lines = err.strip().splitlines()
    assert lines and all("replica" in line for line in lines)
    assert any(line.lstrip().startswith("replica 3/3") for line in lines)
    if data["converged"]:  # each replica: one discarded pass with fresh noise, then 2
        assert "then 2 passes with fresh noise averaged" in data["message"]
        assert sum("fresh noise: pass" in line for line in lines) == 3 * 3
    assert code == (0 if data["converged"] else 1)


def test_dmft_that_stops_in_its_first_replica_prints_json_and_fails(capsys, monkeypatch):
    # A sampled solve that does not converge stops in its first replica, so delta_0 has
    # no error estimate (NaN): the JSON used to crash ("Out of range float values are not
    # JSON compliant"); it is null, the exit status 1, as in the text form.
    import functools

    import meanfield.solve.dmft as D

    monkeypatch.setattr(D, "dmft", functools.partial(D.dmft, max_iter=2))
    args = ("dmft", "--set", "g_h=3", "--set", "alpha_z=5", "--dtau", "0.2", "--tau-max",
            "20", "--T", "40", "--samples", "96", "--replicas", "3", "--no-lyapunov")
    code, out, err = run(capsys, *args, "--json")
    data = json.loads(out)
    assert code == 1 and not data["converged"], err
    assert data["delta_0_error"] is None and data["lyapunov_max"] is None
    assert "no convergence in 2 iterations of replica 1" in data["message"]
    code, out, err = run(capsys, *args)
    assert code == 1 and "nan" not in out and "lambda_max = not computed" in out, out


def test_dmft_sampling_relations_are_one_line_errors(capsys):
    for args, fragment in ((["--T", "50"], "tau_max = 100"),
                           (["--replicas", "1"], "replicas=1"),
                           (["--samples", "40", "--replicas", "3"], "16 per replica")):
        code, out, err = run(capsys, "dmft", "--set", "alpha_z=5", *args)
        assert code == 1 and out == ""
        assert len(err.strip().splitlines()) == 1 and fragment in err, err


def test_dmft_samples_the_non_gaussian_case(capsys):
    code, out, err = run(capsys, "dmft", "--set", "g_h=3", "--set", "alpha_z=5",
                         "--dtau", "0.2", "--tau-max", "40", "--samples", "512", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["method"] == "sampling" and data["converged"]
    assert data["delta_0_error"] > 0 and data["lyapunov_max"] is None




def test_a_unit_fixed_point_without_closed_form_is_solved_numerically(capsys, tmp_path):
    # h = eta + w tanh(h) has no closed form: SymPy's solve raised NotImplementedError, a
    # traceback from every static command; then a one-line refusal; since 2026-11-27 the
    # root is kept as h*(eta) and found numerically (tests/meanfield/test_implicit_*.py)
    path = tmp_path / "implicit.model"
    path.write_text(user_models.IMPLICIT)
    for cmd, key in (("fixed-points", "branches"), ("spectrum", "edge"),
                     ("complexity", "sigma")):
        code, out, err = run(capsys, cmd, "--model", str(path), "--json")
        assert code == 0, err
        assert json.loads(out)[key] is not None
    code, out, err = run(capsys, "derive", "--model", str(path))
    assert code == 0 and "Dynamical mean-field theory" in out
    assert "Static mean-field theory" in out and "h*(eta_J, w)" in out
    # w > 1: bistable units, several fixed points per unit: refused in one line
    for cmd in ("fixed-points", "spectrum", "complexity"):
        code, out, err = run(capsys, cmd, "--model", str(path), "--set", "w=1.5")
        assert code == 1 and out == "", err
        assert len(err.strip().splitlines()) == 1 and "not unique" in err, err


def test_a_parameter_used_nowhere_is_noted_not_refused(capsys, tmp_path):
    import meanfield as mf

    path = tmp_path / "typo.model"
    path.write_text("name: typo\nparameters:\n    g = 2.0 | g > 0 | gain\n"
                    "    gamma = 0.3 | gamma >= 0 | meant for the leak\n"
                    "equations:\n    dh/dt = -h + J @ tanh(g*h)\n")
    code, out, err = run(capsys, "fixed-points", "--model", str(path))
    assert code == 0 and "model typo" in out
    assert err.strip() == ("note: model 'typo': parameter gamma appears in no equation "
                           "(misspelt in the equations?)")
    for name in ("gated", "additive", "update-gate", "output-gate"):
        assert mf.get_model(name).unused_parameters == ()


def test_a_sweep_in_which_every_point_fails_exits_non_zero(capsys, tmp_path):
    # found by a probe (2026-11-27): --dt 5 failed every point and the sweep exited 0
    code, out, err = run(capsys, "sweep", "simulate", "--grid", "g_h=1:2:2", "--dt", "5",
                         "--scheduler", "serial", "--out", str(tmp_path / "x.zarr"),
                         "--no-progress")
    assert code == 1 and "every one of the 2 points failed" in err


def test_complexity_refuses_a_grid_too_large_for_memory(capsys):
    code, _, err = run(capsys, "complexity", "--nodes", "1000000")
    assert code == 1 and "nodes=1000000: a tensor grid of 1000000^2 points" in err
