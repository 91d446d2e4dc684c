"""Argument types and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .._errors import MeanfieldError, ParameterError

if TYPE_CHECKING:  # (imported where used: the command line starts before SymPy loads)
    from ..models import Model

__all__ = ["OneLineParser", "positive_int", "positive_float", "nonnegative_float",
           "nonnegative_int", "parse_sets", "add_model_options", "resolve_model", "emit_json",
           "check_output", "writing"]


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line and exit with status 2."""

    def error(self, message):
        # argparse quotes unrecognised arguments verbatim: a newline in one would break
        # the one-line contract
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _number(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number ({what})")
    return v


def positive_float(text: str) -> float:
    v = _number(text, "must be > 0")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be > 0")
    return v


def nonnegative_float(text: str) -> float:
    v = _number(text, "must be >= 0")
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return v


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def positive_int(text: str) -> int:
    v = _integer(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive integer")
    return v


def nonnegative_int(text: str) -> int:
    v = _integer(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a non-negative integer")
    return v


def add_model_options(p: argparse.ArgumentParser) -> None:
    """``--model`` and repeatable ``--set NAME=VALUE``."""
    p.add_argument("--model", default="gated", metavar="NAME|FILE",
                   help="shipped model name or model file (default: gated)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter (repeatable); checked against its domain")


def parse_sets(items: list[str]) -> dict[str, float]:
    """``['g_h=3', 'alpha_z=5']`` -> ``{'g_h': 3.0, ...}`` (domains checked by the model,
    which takes no strings)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise ParameterError(f"--set {item!r}: write NAME=VALUE, e.g. --set g_h=3")
        if name in out:
            raise ParameterError(f"--set: parameter {name!r} given twice")
        try:
            out[name] = float(value)
        except ValueError:
            raise ParameterError(f"parameter {name}={value.strip()!r} is not a number"
                                 ) from None
    return out


def resolve_model(args) -> tuple[Model, dict[str, float]]:
    """The model named by ``--model`` and its validated parameters from ``--set``."""
    from ..models import get_model  # (imported here: the CLI starts before SymPy)

    model = get_model(args.model)
    values = model.resolve(parse_sets(args.sets))
    note_unused_parameters(model)
    return model, values


def note_unused_parameters(model) -> None:
    """A note on stderr naming the model's parameters that appear in no equation."""
    unused = model.unused_parameters
    if unused:
        print(f"note: model {model.name!r}: parameter{'s' * (len(unused) > 1)} "
              f"{', '.join(unused)} appear{'s' * (len(unused) == 1)} in no equation "
              "(misspelt in the equations?)", file=sys.stderr)


def emit_json(obj) -> None:
    """Print ``obj`` as one JSON object on stdout (NaN/inf are refused, never printed)."""
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")


def add_progress_option(p, shows: str = "a progress bar") -> None:
    """``--progress/--no-progress`` (default: on when stderr is a terminal); ``shows``
    says what appears on stderr."""
    import argparse

    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help=f"show {shows} (default: when stderr is a terminal)")


def add_checkpoint_options(p, state: str = "the run's state", note: str = "") -> None:
    """``--checkpoint FILE`` and ``--checkpoint-every SECONDS`` of a long run whose
    ``state`` is saved (simulate, lyapunov)."""
    p.add_argument("--checkpoint", metavar="FILE.npz", default=None,
                   help=f"save {state} to FILE every --checkpoint-every seconds, on Ctrl-C "
                        "and at the end; the same command continues an interrupted or "
                        "killed run from it, bit-identically" + note)
    p.add_argument("--checkpoint-every", type=nonnegative_float, default=60.0,
                   metavar="SECONDS", help="wall-clock seconds between saves (default 60)")


def show_progress(args) -> bool:
    """Whether to draw a progress bar, from ``--progress`` or the terminal."""
    import sys

    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


def check_output(path, *, figure: bool = False, create: bool = False) -> Path:
    """Fail early, with one line, when ``path`` cannot be written.

    Checked before any computation: the folder exists (or, with ``create``, can be made)
    and is writable, and for a ``figure`` matplotlib knows the format of the suffix.
    """
    path = Path(path)
    folder = path.parent
    if create:
        with writing(folder):
            folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise ParameterError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ParameterError(f"cannot write {path}: folder {folder} is not writable")
    if figure and path.suffix:
        from matplotlib.backend_bases import FigureCanvasBase

        formats = FigureCanvasBase.get_supported_filetypes()
        if path.suffix[1:].lower() not in formats:
            raise ParameterError(f"cannot write {path}: unknown figure format "
                                 f"{path.suffix!r} (use one of {', '.join(sorted(formats))})")
    return path


@contextmanager
def writing(path):
    """Report a file that cannot be written (disk full, /proc, a folder by that name) as a
    one-line error instead of a traceback."""
    try:
        yield
    except OSError as exc:
        raise MeanfieldError(f"cannot write {path}: {exc.strerror or exc}") from None
