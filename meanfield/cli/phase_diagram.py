"""``meanfield phase-diagram``: regions and transition lines in a parameter plane."""

from __future__ import annotations

import json
from pathlib import Path

from ._common import add_model_options


def register(sub):
    p = sub.add_parser(
        "phase-diagram", help="fixed-point regions and transition lines in a parameter plane",
        description="Map the fixed-point structure on a grid (vectorised) and continue the "
                    "transition lines (zero-fixed-point instability, saddle-node of the "
                    "non-zero branches, stability edge of a branch) by pseudo-arclength "
                    "continuation. Writes PNG and JSON.")
    add_model_options(p)
    p.add_argument("--x", required=True, metavar="NAME=START:STOP:COUNT")
    p.add_argument("--y", required=True, metavar="NAME=START:STOP:COUNT")
    p.add_argument("--out", type=Path, default=Path("phase_diagram"),
                   help="output path without suffix (default phase_diagram): .png and .json")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.phase import parse_axis, phase_diagram, plot_phase_diagram
    from ._common import resolve_model

    model, params = resolve_model(args)
    x, y = parse_axis(args.x), parse_axis(args.y)
    for name, _ in (x, y):
        model.parameter(name)
    pd = phase_diagram(model, x=x, y=y, params=params)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    png, js = args.out.with_suffix(".png"), args.out.with_suffix(".json")
    plot_phase_diagram(pd, png)
    js.write_text(json.dumps(pd.to_dict(), allow_nan=False) + "\n")
    print(f"wrote {png} and {js}")
    for m in pd.messages:
        print(f"note: {m}")
    return 0
