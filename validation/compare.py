"""Theory against simulation: one row per prediction, with its tolerance and reason."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from meanfield._errors import ParameterError
from meanfield._files import replaced

__all__ = ["Comparison", "StudyResult", "sem", "write_report"]


def sem(values) -> float:
    """Standard error of the mean across seeds (ddof=1)."""
    v = np.asarray(values, dtype=float)
    return float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan")


def params_text(params: dict) -> str:
    """``k=v, ...`` with numbers in ``g`` format (a model's name as it is)."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, int | float) else f"{k}={v}"
                     for k, v in params.items())


@dataclass(frozen=True)
class Comparison:
    """One prediction against its measurement.

    ``passed`` is ``|theory - simulation| <= tolerance``; ``reason`` says where the
    tolerance comes from (the measured finite-size error, never a hand-tuned margin).
    """

    study: str
    quantity: str
    params: dict
    theory: float
    simulation: float
    sim_error: float
    tolerance: float
    reason: str
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        # numbers (NaN allowed: it fails the row), checked here rather than at `passed`,
        # where None raised a TypeError and True counted as 1 (found by a probe)
        for name in ("theory", "simulation", "sim_error", "tolerance"):
            v = getattr(self, name)
            ok = not isinstance(v, bool | str | np.bool_)
            if ok:
                try:
                    float(v)
                except (TypeError, ValueError):
                    ok = False
            if not ok:
                raise ParameterError(f"Comparison {self.quantity!r}: {name}={v!r} must be a "
                                     "number")

    @property
    def deviation(self) -> float:
        return abs(self.theory - self.simulation)

    @property
    def passed(self) -> bool:
        # an infinite tolerance is a row that cannot fail: it fails instead
        return bool(np.isfinite(self.deviation) and np.isfinite(self.tolerance)
                    and self.deviation <= self.tolerance)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(deviation=self.deviation, passed=self.passed)
        return d


@dataclass(frozen=True)
class StudyResult:
    """A validation study: what it predicts, how it measures, its rows and figures."""

    name: str
    prediction: str
    measurement: str
    rows: tuple
    figures: tuple = ()

    def __post_init__(self):
        bad = [type(r).__name__ for r in self.rows if not isinstance(r, Comparison)]
        if bad:
            raise ParameterError(f"StudyResult {self.name!r}: rows must be Comparisons, "
                                 f"not {', '.join(sorted(set(bad)))}")

    @property
    def passed(self) -> bool:
        # a study that compared nothing has not passed
        return bool(self.rows) and all(r.passed for r in self.rows)

    def failures(self) -> list[Comparison]:
        return [r for r in self.rows if not r.passed]

    def summary(self) -> str:
        lines = [f"{self.name}: {'PASS' if self.passed else 'FAIL'}"
                 + ("" if self.rows else " (no rows: nothing was compared)")]
        for r in self.rows:
            p = params_text(r.params)
            lines.append(f"  [{'ok' if r.passed else 'FAIL'}] {r.quantity} ({p}): theory "
                         f"{r.theory:.5g}, simulation {r.simulation:.5g} +- {r.sim_error:.2g}, "
                         f"|diff| {r.deviation:.3g} <= tol {r.tolerance:.3g}? ({r.reason})")
        return "\n".join(lines)


def _clean(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        return _clean(x.item())
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    return x


def _fmt(x, spec: str) -> str:
    """A number for the Markdown table; NaN (stored as null in JSON) shown as "nan"."""
    return "nan" if x is None else format(x, spec)


def load_summary(path: Path) -> dict:
    """The studies' ``summary.json`` at ``path`` (an empty table when it does not exist).

    Another program's summary (the demo's) or a damaged file is refused in one line (a
    bare KeyError / JSONDecodeError before; found by a probe, 2026-11-28).
    """
    path = Path(path)
    if not path.exists():
        return {"studies": {}}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ParameterError(f"{path} exists and is not readable JSON ({exc}); move it "
                             "or choose another folder") from None
    if not isinstance(data, dict) or not isinstance(data.get("studies"), dict):
        raise ParameterError(f"{path} exists and is not a validation summary (no "
                             "'studies'; the demo's?): move it or choose another folder")
    return data


def save_summary(data: dict, path: Path) -> None:
    """Write the studies' summary atomically, a temporary file renamed over ``path``: a
    run killed while writing left a truncated file the next run could not read."""
    text = json.dumps(_clean(data), indent=1, allow_nan=False) + "\n"
    try:
        with replaced(path) as tmp:
            tmp.write_text(text)
    except OSError as exc:  # (a read-only or full disk: a traceback before; a probe)
        raise ParameterError(f"{path} cannot be written: {exc.strerror or exc}") from None


def write_report(results: list[StudyResult], out: Path, *, meta: dict | None = None) -> Path:
    """Append the studies to ``out/summary.json`` and rewrite ``out/summary.md``.

    ``meta``: more keys for each study's entry (how and when it ran), written in the same
    save (two saves let a kill between them leave an entry without its form).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.json"
    data = load_summary(path)
    for r in results:
        data["studies"][r.name] = {"prediction": r.prediction, "measurement": r.measurement,
                                   "passed": r.passed, "figures": list(r.figures),
                                   "rows": [_clean(c.to_dict()) for c in r.rows],
                                   **(meta or {})}
    save_summary(data, path)
    md = ["# Validation report", ""]
    for name, s in data["studies"].items():
        md += [f"## {name}: {'PASS' if s['passed'] else 'FAIL'}", "",
               f"*Prediction:* {s['prediction']}", "", f"*Measurement:* {s['measurement']}", "",
               "| quantity | parameters | theory | simulation | error | tolerance (reason) "
               "| verdict |", "|---|---|---|---|---|---|---|"]
        for r in s["rows"]:
            p = params_text(r["params"])
            md.append(f"| {r['quantity']} | {p} | {_fmt(r['theory'], '.5g')} | "
                      f"{_fmt(r['simulation'], '.5g')} | {_fmt(r['sim_error'], '.2g')} | "
                      f"{_fmt(r['tolerance'], '.3g')} ({r['reason']}) | "
                      f"{'pass' if r['passed'] else 'FAIL'} |")
        md += [""] + [f"![{f}]({f})" for f in s["figures"]] + [""]
    (out / "summary.md").write_text("\n".join(md))
    return path
