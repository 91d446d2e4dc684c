"""The validation report: HTML rendering, the summaries, and ``meanfield validate``."""

import base64
import io
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from meanfield.cli.main import main
from validation.compare import Comparison, StudyResult, write_report
from validation.report import (REPORT_KIND, build_summary, format_number, load_images,
                               render_html)
from validation.studies import STUDIES


def tiny_png(color="C0") -> bytes:
    """A small PNG made with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.5, 1))
    ax.plot([0, 1, 2], [0, 1, 0], color=color)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    plt.close(fig)
    return buf.getvalue()


def row(quantity="Delta_h", theory=0.5, simulation=0.52, sim_error=0.01, tolerance=0.05,
        reason="4 SEM", params=None):
    d = dict(study="s", quantity=quantity, params=params or {"g_h": 1.6},
             theory=theory, simulation=simulation, sim_error=sim_error, tolerance=tolerance,
             reason=reason)
    return d


def summary_of(studies: dict, **kw) -> dict:
    return build_summary({"studies": studies}, date="2026-01-01T00:00:00+00:00", **kw)


def entry(rows, figures=(), **kw):
    return dict(prediction="P", measurement="M", rows=list(rows), figures=list(figures), **kw)


def row_html(page: str, quantity: str) -> str:
    """The predictions-table row (HTML) whose quantity cell is ``quantity``."""
    m = re.search(r"<tr class=\"row-\w+\">(?:(?!</tr>).)*<td>" + re.escape(quantity)
                  + r"</td>.*?</tr>", page, re.S)
    assert m, f"no row for {quantity!r}"
    return m.group(0)


def test_render_escapes_every_text():
    evil = '<script>alert("x")</script> & <b>'
    s = summary_of({"a<b": dict(entry([row(quantity=evil, reason=evil,
                                           params={"g<h": 1.0})]),
                                prediction=evil, measurement=evil)})
    page = render_html(s)
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "a&lt;b" in page and "g&lt;h=1" in page
    # the only script is the page's own image counter
    assert page.count("<script>") == 1


def test_images_are_embedded_as_data_uris_and_missing_ones_reported():
    png = tiny_png()
    s = summary_of({"s": entry([row()], figures=["a.png", "gone.png"])})
    assert s["studies"]["s"]["figures"] == ["validation/a.png", "validation/gone.png"]
    page = render_html(s, {"validation/a.png": png})
    srcs = re.findall(r'<img src="([^"]*)"', page)
    assert srcs == ["data:image/png;base64," + base64.b64encode(png).decode()]
    assert "figure validation/gone.png is missing" in page
    # self-contained: no link to anything outside the page
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    assert "<link" not in page and "@import" not in page


def test_load_images_reads_existing_figures_only(tmp_path):
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "a.png").write_bytes(b"\x89PNG-ish")
    (tmp_path / "activity.png").write_bytes(b"demo")
    s = summary_of({"s": entry([row()], figures=["a.png", "b.png"])},
                   demo={"figures": ["activity.png"]})
    assert load_images(s, tmp_path) == {"validation/a.png": b"\x89PNG-ish",
                                        "activity.png": b"demo"}


def test_verdicts_counts_and_colours():
    studies = {
        "good": entry([row(quantity="q_ok")], passed=True),
        "bad": entry([row(quantity="q_ok2"),
                      row(quantity="q_far", theory=1.0, simulation=2.0)], passed=False),
        "broke": dict(entry([]), passed=False, error="RuntimeError: boom"),
    }
    s = summary_of(studies)
    assert [r["verdict"] for r in s["studies"]["bad"]["rows"]] == ["pass", "fail"]
    assert {n: v["verdict"] for n, v in s["studies"].items()} == {
        "good": "pass", "bad": "fail", "broke": "error"}
    assert s["counts"] == dict(studies=3, studies_passed=1, studies_failed=1, studies_error=1,
                               predictions=3, predictions_passed=2, predictions_failed=1)
    assert s["passed"] is False and s["kind"] == REPORT_KIND
    page = render_html(s)
    assert 'class="verdict pass">pass<' in row_html(page, "q_ok")
    assert 'class="verdict fail">fail<' in row_html(page, "q_far")
    assert "RuntimeError: boom" in page and 'class="verdict error">error<' in page
    assert "studies: 1 passed, 1 failed, 1 errors" in page
    assert "predictions: 2 passed, 1 failed" in page
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert ".pass{background:" in css and ".fail{background:" in css


def test_nan_and_none_show_as_a_dash():
    s = summary_of({"s": entry([row(quantity="q_missing", theory=float("nan"), sim_error=None,
                                    tolerance=0.1),
                                row(quantity="q_num", theory=0.25, sim_error=0.001)])})
    page = render_html(s)
    r = row_html(page, "q_missing")
    cells = re.findall(r'<td class="num">(.*?)</td>', r)
    assert cells == ["\u2013", "0.52 &plusmn; \u2013", "0.1"]
    assert 'class="verdict fail"' in r  # NaN never passes
    assert "nan" not in page.lower().replace("nanum", "")
    assert re.findall(r'<td class="num">(.*?)</td>', row_html(page, "q_num"))[:2] == [
        "0.25", "0.52 &plusmn; 0.001"]
    assert format_number(None) == format_number(float("nan")) == "\u2013"
    assert format_number(np.float64(1.5)) == "1.5"


def fake_study(name, *, passed=True, raises=False, figure=True):
    """A stand-in study module: ``run(out, quick)`` writes a figure and returns rows."""

    def run(out, *, quick=False):
        if raises:
            raise RuntimeError(f"{name} broke <badly>")
        figs = ()
        if figure:
            (out / f"{name}.png").write_bytes(tiny_png())
            figs = (f"{name}.png",)
        rows = (Comparison(name, "Delta_h", {"g_h": 1.6, "N": 100 if quick else 1000},
                           0.5, 0.51 if passed else 0.9, 0.01, 0.05, "4 SEM"),)
        return StudyResult(name, f"{name} predicts", f"{name} measures", rows, figs)

    return SimpleNamespace(run=run, __doc__=f"Study {name}.\n\nMore text.")


def cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_runs_studies_records_errors_and_renders(tmp_path, capsys, monkeypatch):
    for name, kw in [("fake_ok", {}), ("fake_bad", dict(passed=False)),
                     ("fake_raise", dict(raises=True))]:
        monkeypatch.setitem(STUDIES, name, fake_study(name, **kw))
    code, out, err = cli(capsys, "validate", "--quick", "--out", str(tmp_path),
                         "--study", "fake_ok", "--study", "fake_raise", "--study", "fake_bad")
    assert code == 1
    assert "[1/3] fake_ok: PASS (1/1 predictions) in" in out
    assert "[2/3] fake_raise: ERROR after" in out and "RuntimeError" in out
    assert "[3/3] fake_bad: FAIL (0/1 predictions)" in out
    assert "1 of 3 studies passed in" in out
    assert "2 studies failed: fake_raise, fake_bad" in err
    top = json.loads((tmp_path / "summary.json").read_text())
    assert top["quick"] is True and top["version"] and top["date"]
    assert top["counts"]["studies_error"] == 1 and top["counts"]["studies_passed"] == 1
    st = top["studies"]
    assert st["fake_raise"]["error"] == "RuntimeError: fake_raise broke <badly>"
    assert "Traceback" in st["fake_raise"]["traceback"]
    assert st["fake_raise"]["prediction"] == "Study fake_raise."
    r = st["fake_ok"]["rows"][0]
    assert {k: r[k] for k in ("theory", "simulation", "sim_error", "tolerance", "reason",
                              "verdict")} == dict(theory=0.5, simulation=0.51, sim_error=0.01,
                                                  tolerance=0.05, reason="4 SEM",
                                                  verdict="pass")
    assert r["params"]["N"] == 100  # ran quick
    assert st["fake_ok"]["figures"] == ["validation/fake_ok.png"]
    page = (tmp_path / "index.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 2
    assert "fake_raise broke &lt;badly&gt;" in page
    # the studies' own file (write_report) keeps figure names relative to itself
    own = json.loads((tmp_path / "validation" / "summary.json").read_text())
    assert own["studies"]["fake_ok"]["figures"] == ["fake_ok.png"]
    assert "# Validation report" in (tmp_path / "validation" / "summary.md").read_text()


def test_validate_all_passing_exits_zero_and_appends(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(STUDIES, "fake_a", fake_study("fake_a"))
    monkeypatch.setitem(STUDIES, "fake_b", fake_study("fake_b", figure=False))
    assert cli(capsys, "validate", "--out", str(tmp_path), "--study", "fake_a")[0] == 0
    code, out, _ = cli(capsys, "validate", "--quick", "--out", str(tmp_path),
                       "--study", "fake_b")
    assert code == 0, out
    top = json.loads((tmp_path / "summary.json").read_text())
    assert set(top["studies"]) == {"fake_a", "fake_b"}  # appended, not replaced
    assert top["studies"]["fake_a"]["quick"] is False
    assert top["studies"]["fake_b"]["quick"] is True
    assert top["quick"] is None  # a mix of full and quick studies
    assert "mixed or unrecorded run" in (tmp_path / "index.html").read_text()


def test_validate_resume_skips_the_studies_recorded_in_the_same_form(tmp_path, capsys,
                                                                      monkeypatch):
    """A suite stopped after some studies: --resume runs only the rest (and a study that
    raised, or was recorded in the other form, again); recorded verdicts still count."""
    ran = []
    for name, kw in (("fake_a", {}), ("fake_b", {"passed": False}), ("fake_c", {}),
                     ("fake_d", {})):
        study = fake_study(name, **kw)
        inner = study.run
        study.run = (lambda inner, name: lambda out, *, quick=False: (
            ran.append(name), inner(out, quick=quick))[1])(inner, name)
        monkeypatch.setitem(STUDIES, name, study)
    monkeypatch.setitem(STUDIES, "fake_e", fake_study("fake_e", raises=True))
    names = [a for n in ("fake_a", "fake_b", "fake_c", "fake_d", "fake_e")
             for a in ("--study", n)]
    assert cli(capsys, "validate", "--quick", "--out", str(tmp_path), *names[:4])[0] == 1
    assert cli(capsys, "validate", "--out", str(tmp_path), *names[4:6])[0] == 0  # full form
    assert cli(capsys, "validate", "--quick", "--out", str(tmp_path), *names[8:])[0] == 1
    ran.clear()
    code, out, err = cli(capsys, "validate", "--quick", "--resume", "--out", str(tmp_path),
                         *names)
    assert ran == ["fake_c", "fake_d"]  # fake_c was recorded in its full form only
    assert "fake_a: recorded" in out and "(FAIL); not run again (--resume)" in out
    assert "fake_e: ERROR" in out  # raised last time: run again (and raises again)
    assert code == 1 and "fake_b, fake_e" in err  # the recorded FAIL still counts
    # an entry that does not say its form (an older file, an edit) is run again
    summary = tmp_path / "validation" / "summary.json"
    data = json.loads(summary.read_text())
    del data["studies"]["fake_a"]["quick"]
    summary.write_text(json.dumps(data))
    ran.clear()
    cli(capsys, "validate", "--quick", "--resume", "--out", str(tmp_path), *names[:4])
    assert ran == ["fake_a"]


def test_a_damaged_study_summary_is_a_one_line_error_before_any_study_runs(
        tmp_path, capsys, monkeypatch):
    study = fake_study("fake_a")
    study.run = lambda out, *, quick=False: pytest.fail("ran a study it cannot record")
    monkeypatch.setitem(STUDIES, "fake_a", study)
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "summary.json").write_text('{"studies": {"x": ')  # cut short
    for extra in ((), ("--resume",)):
        code, out, err = cli(capsys, "validate", "--out", str(tmp_path), "--study", "fake_a",
                             *extra)
        assert code == 1 and err.count("\n") <= 2 and "not readable JSON" in err, err
        assert "Traceback" not in err


def test_render_only_from_a_synthetic_summary(tmp_path, capsys):
    vdir = tmp_path / "validation"
    vdir.mkdir()
    (vdir / "fig.png").write_bytes(tiny_png())
    # NaN error (compare.write_report cannot format a NaN theory or simulation)
    rows = (Comparison("syn", "rightmost eigenvalue", {"g_h": 3.0}, 0.1, 0.5,
                       float("nan"), 0.2, "3R/sqrt(N)"),)
    write_report([StudyResult("syn", "pred", "meas", rows, ("fig.png",))], vdir)
    before = (vdir / "summary.json").read_text()
    code, out, err = cli(capsys, "validate", "--render-only", "--out", str(tmp_path))
    assert code == 0, err
    assert f"wrote {tmp_path / 'index.html'} (0/1 studies, 0/1 predictions pass)" in out
    top = json.loads((tmp_path / "summary.json").read_text())
    assert top["kind"] == REPORT_KIND and top["quick"] is None
    assert top["studies"]["syn"]["rows"][0]["sim_error"] is None
    assert top["studies"]["syn"]["rows"][0]["verdict"] == "fail"
    page = (tmp_path / "index.html").read_text()
    assert "rightmost eigenvalue" in page and page.count("data:image/png;base64,") == 1
    # the studies are untouched; only the report's metadata is merged in
    after = json.loads((vdir / "summary.json").read_text())
    assert after["studies"] == json.loads(before)["studies"]
    assert after["counts"] == top["counts"]


def test_render_only_keeps_the_demo_summary_and_shows_it(tmp_path, capsys):
    vdir = tmp_path / "validation"
    vdir.mkdir()
    write_report([StudyResult("syn", "p", "m", (Comparison("syn", "q", {}, 1.0, 1.0, 0.0,
                                                           0.1, "r"),))], vdir)
    demo = {"package": "meanfield 0", "model": "gated", "model_hash": "abc", "N": 50,
            "T": 10.0, "seed": 0, "settled": False, "params": {"g_h": 3.0},
            "variance": {"h": 0.7}, "fluctuation_variance": {"h": 0.6},
            "static_variance": {"h": 0.1}, "correlation_time": {"h": 2.0},
            "theory_vs_simulation": [{"quantity": "demo row <q>", "params": {}, "theory": 1.0,
                                      "simulation": 1.1, "sim_sem": None}],
            "figures": ["activity.png"]}
    text = json.dumps(demo, indent=2) + "\n"
    (tmp_path / "summary.json").write_text(text)
    (tmp_path / "activity.png").write_bytes(tiny_png("C3"))
    code, out, err = cli(capsys, "validate", "--render-only", "--out", str(tmp_path))
    assert code == 0, err
    assert (tmp_path / "summary.json").read_text() == text  # not clobbered
    assert f"wrote {vdir / 'summary.json'}" in out and "kept the demo's" in out
    own = json.loads((vdir / "summary.json").read_text())
    assert own["kind"] == REPORT_KIND and own["counts"]["studies_passed"] == 1
    page = (tmp_path / "index.html").read_text()
    assert 'id="demo"' in page and "demo row &lt;q&gt;" in page
    assert page.count("data:image/png;base64,") == 1  # activity.png embedded


@pytest.mark.parametrize("argv, fragment", [
    (["--study", "NO_SUCH"], "unknown study 'NO_SUCH'; choose from fixed_point_variances"),
    (["--render-only"], "does not exist; run the studies first"),
    (["--render-only", "--quick"], "takes no --study, --quick or --resume"),
    (["--render-only", "--resume"], "takes no --study, --quick or --resume"),
])
def test_validate_bad_input_is_one_line(tmp_path, capsys, argv, fragment):
    code, out, err = cli(capsys, "validate", "--out", str(tmp_path), *argv)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("meanfield validate: error: ")
    assert fragment in err
    assert not (tmp_path / "validation").exists() and not (tmp_path / "index.html").exists()
