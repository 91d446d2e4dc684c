"""The validation report: ``report/index.html`` and ``report/summary.json``.

``meanfield validate`` runs the studies; each study's rows and figures are appended to
``OUT/validation/summary.json`` (:func:`validation.compare.write_report`) and annotated
by :func:`record_study` (quick or full, elapsed time, date) or :func:`record_error`
(a study that raised). :func:`build_summary` turns that file into the report's
summary (per study: verdict, prediction, measurement, rows with a verdict each,
figures; overall counts, package version, date, quick flag), :func:`render_html` turns
a summary into one self-contained HTML page (inline CSS, figures embedded as
``data:`` URIs), and :func:`write_site` writes both.

Figure paths in a summary are relative to the folder of the file that holds it:
``x.png`` in ``OUT/validation/summary.json``, ``validation/x.png`` in
``OUT/summary.json``. When ``OUT/summary.json`` already belongs to someone else (the
demo job writes its own summary there), it is left alone: the report's summary then
lives in ``OUT/validation/summary.json`` only, and the demo's summary and figures are
shown in ``index.html`` beside the studies.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import mimetypes
import traceback
from pathlib import Path

from meanfield import __version__

from .compare import StudyResult, _clean, write_report
from .compare import load_summary as _load
from .compare import save_summary as _save

__all__ = ["REPORT_KIND", "record_study", "record_error", "build_summary", "load_images",
           "render_html", "write_site", "format_number"]

#: Marks a ``summary.json`` written by this module (any other one is never overwritten).
REPORT_KIND = "meanfield validation report"

_MISSING = "\u2013"  # en dash, shown for NaN / None / absent values


def _now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def record_study(result: StudyResult, out, *, quick: bool, elapsed_s: float) -> Path:
    """Append a finished study to ``out/summary.json`` with how and when it ran.

    Parameters
    ----------
    result : StudyResult
        The study's rows and figures (figure names relative to ``out``).
    out : path-like
        The studies' folder, ``OUT/validation``.
    quick : bool
        Whether the study ran in its quick form.
    elapsed_s : float
        Wall time of the study in seconds.

    Returns
    -------
    Path
        The summary file.
    """
    return write_report([result], Path(out), meta=dict(
        quick=bool(quick), elapsed_s=round(elapsed_s, 2), date=_now()))


def record_error(name: str, exc: BaseException, out, *, quick: bool, elapsed_s: float,
                 prediction: str = "") -> Path:
    """Record a study that raised as a failed entry of ``out/summary.json``.

    The entry has no rows and no figures; ``error`` holds the exception's one-line
    description and ``traceback`` its traceback, so the report shows what went wrong.

    Parameters
    ----------
    name : str
        The study's name.
    exc : BaseException
        What it raised.
    out : path-like
        The studies' folder, ``OUT/validation``.
    quick : bool
        Whether the study ran in its quick form.
    elapsed_s : float
        Wall time until it raised, in seconds.
    prediction : str, optional
        What the study predicts (its module docstring), shown in the report.

    Returns
    -------
    Path
        The summary file.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    data = _load(path)
    data["studies"][name] = {
        "prediction": prediction, "measurement": "", "passed": False, "figures": [],
        "rows": [], "error": f"{type(exc).__name__}: {exc}",
        "traceback": "".join(traceback.format_exception(exc)),
        "quick": bool(quick), "elapsed_s": round(elapsed_s, 2), "date": _now()}
    _save(data, path)
    write_report([], out)  # rewrite summary.md with the failed entry
    return path


def _finite(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _row_verdict(row: dict) -> str:
    """``'pass'`` or ``'fail'``: ``|theory - simulation| <= tolerance``, all finite."""
    if "passed" in row:
        return "pass" if row["passed"] else "fail"
    t, s, tol = row.get("theory"), row.get("simulation"), row.get("tolerance")
    ok = _finite(t) and _finite(s) and _finite(tol) and abs(t - s) <= tol
    return "pass" if ok else "fail"


def _study_verdict(entry: dict) -> str:
    """``'error'`` for a study that raised, else ``'pass'`` or ``'fail'``.

    From the entry's ``passed`` when it has one, else from its rows.
    """
    if entry.get("error"):
        return "error"
    if "passed" in entry:
        return "pass" if entry["passed"] else "fail"
    ok = all(_row_verdict(r) == "pass" for r in entry.get("rows", []))
    return "pass" if ok else "fail"


def _overall_quick(studies: dict):
    """True / False when every study ran quick / full, None when mixed or unknown."""
    flags = {s.get("quick") for s in studies.values()}
    return flags.pop() if len(flags) == 1 and None not in flags else None


def build_summary(validation: dict, *, figure_prefix: str = "validation/",
                  demo: dict | None = None, quick=None, date: str | None = None) -> dict:
    """The report's summary from the studies' ``summary.json`` content.

    Parameters
    ----------
    validation : dict
        Content of ``OUT/validation/summary.json`` (``{"studies": {name: entry}}``).
    figure_prefix : str, optional
        Prepended to each figure name so that it is relative to the report folder.
    demo : dict, optional
        The demo job's summary (its figure names relative to the report folder).
    quick : bool, optional
        The run's quick flag; by default derived from the studies (None when mixed).
    date : str, optional
        When the report was made (default: now).

    Returns
    -------
    dict
        ``kind``, ``package``, ``version``, ``date``, ``quick``, ``passed``, ``counts``,
        ``studies`` (name -> ``verdict``, ``passed``, ``prediction``, ``measurement``,
        ``rows`` each with ``verdict``, ``figures``, and ``error``, ``quick``,
        ``elapsed_s`` where known) and ``demo`` when given.
    """
    studies = {}
    counts = dict(studies=0, studies_passed=0, studies_failed=0, studies_error=0,
                  predictions=0, predictions_passed=0, predictions_failed=0)
    for name, entry in validation.get("studies", {}).items():
        rows = [dict(r, verdict=_row_verdict(r)) for r in entry.get("rows", [])]
        verdict = _study_verdict(entry)
        s = {"verdict": verdict, "passed": verdict == "pass",
             "prediction": entry.get("prediction", ""),
             "measurement": entry.get("measurement", ""), "rows": rows,
             "figures": [figure_prefix + f for f in entry.get("figures", [])]}
        for key in ("error", "traceback", "quick", "elapsed_s", "date"):
            if key in entry:
                s[key] = entry[key]
        studies[name] = s
        counts["studies"] += 1
        counts[{"pass": "studies_passed", "fail": "studies_failed",
                "error": "studies_error"}[verdict]] += 1
        counts["predictions"] += len(rows)
        counts["predictions_passed"] += sum(r["verdict"] == "pass" for r in rows)
        counts["predictions_failed"] += sum(r["verdict"] != "pass" for r in rows)
    summary = {"kind": REPORT_KIND, "package": f"meanfield {__version__}",
               "version": __version__, "date": date or _now(),
               "quick": _overall_quick(validation.get("studies", {})) if quick is None
               else bool(quick),
               "passed": counts["studies"] > 0 and counts["studies_passed"] == counts["studies"],
               "counts": counts, "studies": studies}
    if demo is not None:
        summary["demo"] = demo
    return _clean(summary)


def format_number(x, spec: str = ".5g") -> str:
    """``x`` formatted with ``spec``; NaN, None and non-numbers give "–"."""
    if x is None or isinstance(x, bool) or not isinstance(x, int | float) or math.isnan(x):
        return _MISSING
    return format(x, spec)


def _e(x) -> str:
    """HTML-escaped text of ``x`` ("–" for None)."""
    return _MISSING if x is None else html.escape(str(x), quote=True)


def _params_text(params) -> str:
    if not params:
        return ""
    return ", ".join(f"{k}={format_number(v, 'g') if _finite(v) else v}"
                     for k, v in params.items())


def _data_uri(name: str, data: bytes) -> str:
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def load_images(summary: dict, root) -> dict:
    """The bytes of every figure the summary names that exists under ``root``.

    Parameters
    ----------
    summary : dict
        A report summary (:func:`build_summary`); figure paths relative to ``root``.
    root : path-like
        The report folder.

    Returns
    -------
    dict
        Figure path -> file content; missing figures are left out (the page says so).
    """
    root = Path(root)
    names = [f for s in summary.get("studies", {}).values() for f in s.get("figures", [])]
    names += list((summary.get("demo") or {}).get("figures", []))
    return {n: (root / n).read_bytes() for n in names if (root / n).is_file()}


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1150px;padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
.meta{color:#555}.counts span{display:inline-block;margin-right:1.2em;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:1em 0}
th,td{border:1px solid #d0d0d0;padding:.3em .45em;vertical-align:top;text-align:left}
th{background:#f1f1f1}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.verdict{font-weight:700;text-transform:uppercase;white-space:nowrap;text-align:center}
.pass{background:#dff3e0;color:#14561b}.fail{background:#fbe0e0;color:#8a1111}
.error{background:#fdebd0;color:#7a4100}.unknown{background:#eee;color:#444}
h2 .verdict{font-size:.7em;padding:.1em .4em;vertical-align:middle}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#444}pre{background:#f7f7f7;padding:.6em;overflow-x:auto;
font-size:.8em}.missing{color:#8a1111;font-style:italic}
"""

# Counts the images that decoded (headless-browser check); harmless otherwise.
_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = document.images, n = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) n++; }
  document.body.dataset.imagesLoaded = String(n);
  document.body.dataset.imagesTotal = String(imgs.length);
});
"""


def _figure(path: str, images: dict, caption: str) -> str:
    """One ``<figure>``: the embedded image and its caption, or a note if it is missing."""
    if path not in images:
        return (f'<p class="missing">figure {_e(path)} is missing '
                f'(not found next to the summary).</p>')
    return (f'<figure><img src="{_data_uri(path, images[path])}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _mode(quick) -> str:
    return {True: "quick", False: "full"}.get(quick, "mixed or unrecorded")


def _predictions_table(summary: dict) -> list[str]:
    out = ['<table id="predictions"><thead><tr><th>study</th><th>quantity</th>'
           "<th>parameters</th><th>theory</th><th>simulation &plusmn; error</th>"
           "<th>tolerance</th><th>reason for the tolerance</th><th>verdict</th></tr></thead>"
           "<tbody>"]
    for name, s in summary.get("studies", {}).items():
        link = f'<a href="#study-{_e(name)}">{_e(name)}</a>'
        if s.get("error"):
            out.append(f'<tr class="row-error"><td>{link}</td><td colspan="6">the study '
                       f"raised: {_e(s['error'])}</td>"
                       f'<td class="verdict error">error</td></tr>')
        for r in s.get("rows", []):
            v = r.get("verdict", _row_verdict(r))
            out.append(
                f'<tr class="row-{v}"><td>{link}</td><td>{_e(r.get("quantity"))}</td>'
                f"<td>{_e(_params_text(r.get('params')))}</td>"
                f'<td class="num">{format_number(r.get("theory"))}</td>'
                f'<td class="num">{format_number(r.get("simulation"))} &plusmn; '
                f"{format_number(r.get('sim_error'), '.2g')}</td>"
                f'<td class="num">{format_number(r.get("tolerance"), ".3g")}</td>'
                f"<td>{_e(r.get('reason'))}</td>"
                f'<td class="verdict {v}">{_e(v)}</td></tr>')
    out.append("</tbody></table>")
    return out


def _study_section(name: str, s: dict, images: dict) -> list[str]:
    v = s.get("verdict", _study_verdict(s))
    rows = s.get("rows", [])
    n_ok = sum(r.get("verdict", _row_verdict(r)) == "pass" for r in rows)
    how = []
    if "quick" in s:
        how.append(_mode(s["quick"]))
    if s.get("elapsed_s") is not None:
        how.append(f"{format_number(s['elapsed_s'], '.1f')} s")
    if s.get("date"):
        how.append(str(s["date"]))
    out = [f'<section id="study-{_e(name)}"><h2>{_e(name)} '
           f'<span class="verdict {v}">{_e(v)}</span></h2>',
           f'<p class="meta">{n_ok} of {len(rows)} predictions pass'
           + (f"; {_e(', '.join(how))}" if how else "") + "</p>",
           f"<p><strong>Prediction.</strong> {_e(s.get('prediction') or _MISSING)}</p>",
           f"<p><strong>Measurement.</strong> {_e(s.get('measurement') or _MISSING)}</p>"]
    if s.get("error"):
        out.append(f"<p><strong>The study raised</strong> {_e(s['error'])}</p>")
        if s.get("traceback"):
            out.append(f"<pre>{_e(s['traceback'])}</pre>")
    for i, f in enumerate(s.get("figures", []), 1):
        out.append(_figure(f, images, f"{name}, figure {i}: {f.rsplit('/', 1)[-1]}"))
    out.append("</section>")
    return out


def _demo_section(demo: dict, images: dict) -> list[str]:
    """The demo job's summary: parameters, measured variances, theory rows, figures."""
    out = ['<section id="demo"><h2>Demo: simulation of the default network</h2>',
           f"<p class=\"meta\">{_e(demo.get('package'))}; model {_e(demo.get('model'))}; "
           f"N = {_e(demo.get('N'))}, T = {format_number(demo.get('T'), 'g')}, "
           f"seed = {_e(demo.get('seed'))}; settled to a fixed point: "
           f"{'yes' if demo.get('settled') else 'no'}</p>",
           f"<p>Parameters: {_e(_params_text(demo.get('params')))}</p>"]
    var = demo.get("variance") or {}
    if var:
        out.append("<table><thead><tr><th>variable</th><th>variance</th><th>fluctuating</th>"
                   "<th>static</th><th>correlation time</th></tr></thead><tbody>")
        for k in var:
            cells = [demo.get(key, {}).get(k) for key in
                     ("variance", "fluctuation_variance", "static_variance",
                      "correlation_time")]
            out.append(f"<tr><td>{_e(k)}</td>"
                       + "".join(f'<td class="num">{format_number(c, ".4g")}</td>'
                                 for c in cells) + "</tr>")
        out.append("</tbody></table>")
    rows = demo.get("theory_vs_simulation") or []
    if rows:
        out.append("<table><thead><tr><th>quantity</th><th>parameters</th><th>theory</th>"
                   "<th>simulation &plusmn; error</th></tr></thead><tbody>")
        for r in rows:
            note = f"<br><small>{_e(r['note'])}</small>" if r.get("note") else ""
            out.append(f"<tr><td>{_e(r.get('quantity'))}{note}</td>"
                       f"<td>{_e(_params_text(r.get('params')))}</td>"
                       f'<td class="num">{format_number(r.get("theory"), ".4g")}</td>'
                       f'<td class="num">{format_number(r.get("simulation"), ".4g")} '
                       f"&plusmn; {format_number(r.get('sim_sem'), '.2g')}</td></tr>")
        out.append("</tbody></table>")
    for f in demo.get("figures", []):
        out.append(_figure(f, images, f"demo: {f.rsplit('/', 1)[-1]}"))
    out.append("</section>")
    return out


def render_html(summary: dict, images: dict | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    summary : dict
        A report summary (:func:`build_summary`).
    images : dict, optional
        Figure path -> file content (:func:`load_images`); each is embedded as a
        ``data:`` URI. A figure without content is reported as missing.

    Returns
    -------
    str
        The page: inline CSS, no external resource. Every text is HTML-escaped;
        NaN and missing numbers show as "–".
    """
    images = images or {}
    c = summary.get("counts", {})
    verdict = "pass" if summary.get("passed") else "fail"
    title = f"meanfield validation report ({_mode(summary.get('quick'))})"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title><style>{_CSS}</style>",
             f"<script>{_SCRIPT}</script></head><body>",
             "<header><h1>meanfield validation report</h1>",
             f'<p class="meta">{_e(summary.get("package"))} &middot; '
             f'{_e(summary.get("date"))} &middot; {_e(_mode(summary.get("quick")))} run</p>',
             f'<p class="counts"><span class="verdict {verdict}">{verdict}</span> '
             f'<span id="count-studies">studies: {c.get("studies_passed", 0)} passed, '
             f'{c.get("studies_failed", 0)} failed, {c.get("studies_error", 0)} errors</span>'
             f'<span id="count-predictions">predictions: {c.get("predictions_passed", 0)} '
             f'passed, {c.get("predictions_failed", 0)} failed</span></p>',
             "<p>Each row compares a mean-field prediction with a finite-network "
             "measurement; it passes when |theory &minus; simulation| &le; tolerance, and "
             "the reason column says where the tolerance comes from.</p></header>",
             "<h2>Predictions</h2>"]
    parts += _predictions_table(summary)
    for name, s in summary.get("studies", {}).items():
        parts += _study_section(name, s, images)
    if summary.get("demo"):
        parts += _demo_section(summary["demo"], images)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _is_ours(path: Path) -> bool:
    """Whether ``path`` is absent or a summary written by this module."""
    if not path.exists():
        return True
    try:
        return json.loads(path.read_text()).get("kind") == REPORT_KIND
    except (ValueError, AttributeError):
        return False


def _demo_summary(path: Path) -> dict | None:
    """The demo job's summary at ``path`` (recognised by its keys), or None."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return None
    if isinstance(data, dict) and "model_hash" in data and "figures" in data:
        return data
    return None


def write_site(out, *, quick=None) -> dict:
    """Render ``out/index.html`` and the report's ``summary.json`` from the studies' file.

    Reads ``out/validation/summary.json``. The report's summary is written to
    ``out/summary.json`` unless that file belongs to someone else (the demo job's),
    which is then kept and shown in the page; the summary's top-level fields are
    also merged into ``out/validation/summary.json`` in either case.

    Parameters
    ----------
    out : path-like
        The report folder.
    quick : bool, optional
        The run's quick flag (default: derived from the studies).

    Returns
    -------
    dict
        ``html``: the page; ``summary``: where the report's summary is; ``summary_data``:
        its content; ``demo``: the demo summary shown, or None.

    Raises
    ------
    FileNotFoundError
        When ``out/validation/summary.json`` does not exist.
    """
    out = Path(out)
    vpath = out / "validation" / "summary.json"
    if not vpath.exists():
        raise FileNotFoundError(f"{vpath} does not exist: run the studies first "
                                "(meanfield validate without --render-only)")
    validation = _load(vpath)
    top = out / "summary.json"
    demo = None if _is_ours(top) else _demo_summary(top)
    summary = build_summary(validation, demo=demo, quick=quick)
    images = load_images(summary, out)
    page = out / "index.html"
    page.write_text(render_html(summary, images), encoding="utf-8")
    # the studies' own file keeps its figure names (relative to out/validation)
    meta = {k: v for k, v in summary.items() if k not in ("studies", "demo")}
    _save({**validation, **meta}, vpath)
    if _is_ours(top):
        _save(summary, top)
        where = top
    else:
        where = vpath
    return {"html": page, "summary": where, "summary_data": summary, "demo": demo}
