"""Fuzzing the job commands: ``codegen``, ``demo``, ``validate``, ``gallery`` (hypothesis).

Same contract as :mod:`tests.test_fuzz_cli`: any argument list either succeeds cleanly
(exit 0, output on stdout, nothing on stderr) or fails with one stderr line
``meanfield <command>: error: ...`` (or argparse's ``meanfield: error: ...``, status 2),
never a traceback.

``codegen`` is cheap and runs for real. ``demo``, ``validate`` and ``gallery`` take
minutes to hours when their arguments are valid, so their work (``run_demo``,
``run_studies`` and ``write_site``, ``run_gallery``) is replaced by recorders: what is
fuzzed is the boundary, and each accepted argument list must reach the work with
checked values (a positive N and T, known study and figure names, a model that
resolves).
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meanfield.cli.main import main


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def check_contract(cmd, code, out, err):
    if code == 0:
        assert out and err == "", (out, err)
        return True
    assert code not in (None,)
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    assert err.startswith((f"meanfield {cmd}: error: ", "meanfield: error: ")), err
    return False


@pytest.fixture
def recorders(monkeypatch, tmp_path):
    """Replace the long work of demo, validate and gallery by recorders."""
    import meanfield.cli.validate as cli_validate
    import meanfield.gallery as gallery
    import validation.demo as demo
    import validation.report as report

    calls = []

    def fake_demo(model, params, *, out, N, T, seed):
        calls.append(("demo", dict(model=model, params=params, out=out, N=N, T=T, seed=seed)))
        return [Path(out) / "summary.json"]

    def fake_studies(names, out, *, quick, stream=None, resume=False):
        calls.append(("validate", dict(names=names, out=out, quick=quick, resume=resume)))
        return []

    def fake_site(out):
        return {"html": Path(out) / "index.html", "summary": Path(out) / "summary.json",
                "demo": None, "summary_data": {"counts": {
                    "studies_passed": 0, "studies": 0, "predictions_passed": 0,
                    "predictions": 0}}}

    def fake_gallery(out, figures, *, quick, progress=False):
        calls.append(("gallery", dict(out=out, figures=figures, quick=quick)))
        print(f"wrote {out}")  # as run_gallery does

    monkeypatch.setattr(demo, "run_demo", fake_demo)
    monkeypatch.setattr(cli_validate, "run_studies", fake_studies)
    monkeypatch.setattr(report, "write_site", fake_site)
    monkeypatch.setattr(gallery, "run_gallery", fake_gallery)
    monkeypatch.chdir(tmp_path)  # relative --out folders land here
    return calls


VOCAB = {
    "codegen": ["--model", "gated", "additive", "update-gate", "nope", "--kind", "theory",
                "network", "graph", "--show", "--set", "g_h=2", "g_h=-1", "x=1", "--json"],
    "demo": ["--N", "--T", "--seed", "--out", "out", "--model", "additive", "nope", "--set",
             "g_h=2", "alpha_z=-1", "1", "0", "-3", "2.5", "nan", "inf", "1e400", "x"],
    "validate": ["--quick", "--study", "slow_modes", "jacobian_spectrum", "frobnicate",
                 "--render-only", "--resume", "--out", "out", "--set", "x"],
    "gallery": ["--figure", "fixed_points", "nope", "--quick", "--out", "gal", "--set"],
}
noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=6)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_job_commands_keep_the_contract(recorders, data):
    cmd = data.draw(st.sampled_from(sorted(VOCAB)))
    tokens = data.draw(st.lists(st.one_of(st.sampled_from(VOCAB[cmd]), noise), max_size=6))
    recorders.clear()
    code, out, err = run([cmd, *tokens])
    ok = check_contract(cmd, code, out, err)
    if not ok or "-h" in tokens or "--help" in tokens or out.startswith("usage"):
        assert not recorders or ok
        return
    if cmd == "codegen":
        assert "module of model" in out or "def " in out
        return
    # the work was reached exactly once, with checked values
    assert len(recorders) == 1 and recorders[0][0] == cmd, recorders
    args = recorders[0][1]
    if cmd == "demo":
        assert isinstance(args["N"], int) and args["N"] >= 1
        assert math.isfinite(args["T"]) and args["T"] > 0
        assert isinstance(args["seed"], int) and args["seed"] >= 0
        assert all(math.isfinite(v) for v in args["params"].values())
    elif cmd == "validate":
        from validation.studies import STUDIES

        assert args["names"] and set(args["names"]) <= set(STUDIES)
    elif cmd == "gallery":
        from meanfield.gallery import FIGURES

        assert args["figures"] is None or set(args["figures"]) <= set(FIGURES)


def test_codegen_shows_the_source_of_every_shipped_model():
    for model in ("gated", "additive", "update-gate", "output-gate"):
        for kind in ("theory", "network"):
            code, out, err = run(["codegen", "--model", model, "--kind", kind, "--show"])
            assert code == 0 and err == "" and "def " in out
            compile(out, f"<{model}-{kind}>", "exec")  # the shown source is valid Python
