"""Entry point of the ``meanfield`` command.

Every error the user can cause (unknown model or parameter, value outside its
domain, malformed model file, failed solve) is printed as one line on stderr
with a non-zero exit status; tracebacks are kept for genuine bugs.
"""

from __future__ import annotations

import sys
import warnings

from .. import __version__
from .._errors import MeanfieldError
from . import (chaos_onset, codegen, complexity, demo, derive, dimension, dmft, fixed_points,
               gallery, lyapunov, models, phase_diagram, simulate, spectrum, sweep, validate)
from ._common import OneLineParser

COMMANDS = (models, derive, codegen, fixed_points, spectrum, phase_diagram, dmft, chaos_onset,
            complexity, dimension, simulate, lyapunov, sweep, demo, validate, gallery)


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="meanfield",
        description="Mean-field theory of gated recurrent networks: derive, solve, and "
                    "compare with finite-network simulations.")
    parser.add_argument("--version", action="version", version=f"meanfield {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for cmd in COMMANDS:
        cmd.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:  # while the commands load
        print("meanfield: interrupted", file=sys.stderr)
        return 130
    # a warning is one line naming the command, as an error is (not Python's two lines
    # with a source file and line of the package)
    previous = warnings.formatwarning
    warnings.formatwarning = (lambda message, category, *_a, **_k:
                              f"meanfield {args.command}: warning: {message}\n")
    try:
        return int(args.run(args) or 0)
    except MeanfieldError as exc:
        print(f"meanfield {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:  # a checkpointed run says where its state is
        detail = f": {exc}" if str(exc) else ""
        print(f"meanfield {args.command}: interrupted{detail}", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = previous


if __name__ == "__main__":
    sys.exit(main())
