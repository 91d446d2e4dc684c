"""The command line: every command runs, --json parses, bad input is one line and exit != 0."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from meanfield.cli.main import main


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


@pytest.mark.parametrize("cmd", [[], ["models"], ["simulate"], ["demo"]])
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


def test_demo_writes_the_report(tmp_path, capsys):
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--N", "100", "--T", "40")
    assert code == 0, err
    for name in ("activity.png", "autocorrelation.png", "summary.json", "summary.md"):
        assert (tmp_path / name).stat().st_size > 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["model"] == "gated" and set(s["variance"]) == {"h", "z", "r"}
