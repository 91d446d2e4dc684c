"""``meanfield validate``: run the validation studies and write the HTML report.

Each selected study runs in turn (quick or full); its rows and figures are appended to
``OUT/validation/summary.json`` and a study that raises is recorded as an error
entry, the others still run. Then ``OUT/index.html`` (self-contained) and
``OUT/summary.json`` are rendered (:mod:`validation.report`). ``--render-only``
renders from an existing ``OUT/validation/summary.json`` without running anything.

Exit status: 0 when every study run passed, 1 when one failed or raised (or on bad
input, one line on stderr).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .._errors import ParameterError


def register(sub):
    p = sub.add_parser(
        "validate", help="run the theory-vs-simulation studies and write report/index.html",
        description="Run the validation studies (all by default), append their rows and "
                    "figures to OUT/validation/summary.json, and render OUT/index.html "
                    "(self-contained, figures embedded) and OUT/summary.json. If "
                    "OUT/summary.json is the demo's, it is kept and shown in the page, "
                    "and the report's summary is OUT/validation/summary.json.")
    p.add_argument("--quick", action="store_true",
                   help="run each study's small version (about 75 minutes for all of them "
                        "on 2 cores, instead of several hours)")
    p.add_argument("--out", type=Path, default=Path("report"),
                   help="report folder (default: report)")
    p.add_argument("--study", dest="studies", action="append", default=[], metavar="NAME",
                   help="run only this study (repeatable; default: all)")
    p.add_argument("--resume", action="store_true",
                   help="skip the studies already recorded in OUT/validation/summary.json "
                        "in the same form (quick or full) and without an error: continue a "
                        "suite that was stopped")
    p.add_argument("--render-only", action="store_true",
                   help="only render index.html and summary.json from the existing "
                        "OUT/validation/summary.json")
    p.set_defaults(run=run)


def select_studies(names: list[str], available) -> list[str]:
    """The studies to run, in the order given (all of ``available`` when none).

    Parameters
    ----------
    names : list of str
        Names from ``--study``; duplicates are run once.
    available : iterable of str
        The registered studies.

    Returns
    -------
    list of str

    Raises
    ------
    ParameterError
        When a name is not a registered study.
    """
    available = list(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ParameterError(f"unknown study {unknown[0]!r}; choose from "
                             + ", ".join(available))
    return list(dict.fromkeys(names)) if names else available


def _first_paragraph(doc: str | None) -> str:
    """The first paragraph of a module docstring, on one line."""
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def run_studies(names: list[str], out: Path, *, quick: bool, stream=None,
                resume: bool = False) -> list[str]:
    """Run the named studies one after the other, recording each in ``out/validation``.

    Parameters
    ----------
    names : list of str
        Registered study names.
    out : Path
        The report folder.
    quick : bool
        Run each study's quick form.
    stream : file, optional
        Where the progress lines go (default: standard output).
    resume : bool
        Do not run a study already recorded in ``out/validation/summary.json`` in the same
        form (``quick``) without an error; its recorded verdict counts.

    Returns
    -------
    list of str
        The studies that failed or raised.
    """
    from validation.compare import load_summary
    from validation.report import record_error, record_study
    from validation.studies import STUDIES

    stream = sys.stdout if stream is None else stream
    vdir = Path(out) / "validation"
    vdir.mkdir(parents=True, exist_ok=True)
    # read before any study runs: a damaged record is refused now, not after an hour's
    # study that then cannot be recorded
    recorded = load_summary(vdir / "summary.json")["studies"]
    if not os.access(vdir, os.W_OK | os.X_OK):
        raise ParameterError(f"{vdir} is not writable: the studies' results could not be "
                             "recorded")
    if not resume:
        recorded = {}
    bad = []
    t_all = time.perf_counter()
    for i, name in enumerate(names, 1):
        entry = recorded.get(name)
        # the same form, recorded (an entry without its form is run again)
        if (isinstance(entry, dict) and not entry.get("error")
                and entry.get("quick") is bool(quick)):
            verdict = "PASS" if entry.get("passed") else "FAIL"
            print(f"[{i}/{len(names)}] {name}: recorded {entry.get('date', '')} ({verdict}); "
                  "not run again (--resume)", file=stream, flush=True)
            if not entry.get("passed"):
                bad.append(name)
            continue
        print(f"[{i}/{len(names)}] {name} ({'quick' if quick else 'full'}) ...",
              file=stream, flush=True)
        t0 = time.perf_counter()
        try:
            result = STUDIES[name].run(vdir, quick=quick)
        except Exception as exc:  # recorded and reported; the other studies still run
            dt = time.perf_counter() - t0
            record_error(name, exc, vdir, quick=quick, elapsed_s=dt,
                         prediction=_first_paragraph(STUDIES[name].__doc__))
            print(f"[{i}/{len(names)}] {name}: ERROR after {dt:.1f} s: "
                  f"{type(exc).__name__}: {exc}", file=stream, flush=True)
            bad.append(name)
            continue
        dt = time.perf_counter() - t0
        try:
            record_study(result, vdir, quick=quick, elapsed_s=dt)
        except Exception as exc:  # e.g. a row the Markdown summary cannot format
            record_error(name, exc, vdir, quick=quick, elapsed_s=dt,
                         prediction=result.prediction)
            print(f"[{i}/{len(names)}] {name}: ERROR recording its result: "
                  f"{type(exc).__name__}: {exc}", file=stream, flush=True)
            bad.append(name)
            continue
        n_ok = sum(r.passed for r in result.rows)
        print(f"[{i}/{len(names)}] {name}: {'PASS' if result.passed else 'FAIL'} "
              f"({n_ok}/{len(result.rows)} predictions) in {dt:.1f} s", file=stream,
              flush=True)
        if not result.passed:
            bad.append(name)
    print(f"{len(names) - len(bad)} of {len(names)} studies passed in "
          f"{time.perf_counter() - t_all:.1f} s", file=stream, flush=True)
    return bad


def run(args) -> int:
    from validation.report import write_site
    from validation.studies import STUDIES

    if args.render_only:
        if args.studies or args.quick or args.resume:
            raise ParameterError("--render-only takes no --study, --quick or --resume (it "
                                 "runs nothing)")
        if not (args.out / "validation" / "summary.json").exists():
            raise ParameterError(f"--render-only: {args.out / 'validation' / 'summary.json'} "
                                 "does not exist; run the studies first")
        bad = []
    else:
        names = select_studies(args.studies, STUDIES)
        bad = run_studies(names, args.out, quick=args.quick, resume=args.resume)
    # quick or full is read from the studies in the file (earlier runs' included)
    site = write_site(args.out)
    c = site["summary_data"]["counts"]
    print(f"wrote {site['html']} ({c['studies_passed']}/{c['studies']} studies, "
          f"{c['predictions_passed']}/{c['predictions']} predictions pass)")
    print(f"wrote {site['summary']}")
    if site["demo"] is not None:
        print(f"kept the demo's {args.out / 'summary.json'} (shown in index.html)")
    if bad:
        print(f"meanfield validate: {len(bad)} studies failed: {', '.join(bad)}",
              file=sys.stderr)
        return 1
    return 0
