"""``meanfield phase-diagram``: regions and transition lines in a parameter plane."""

from __future__ import annotations

import json
from pathlib import Path

from ._common import add_model_options, check_output, writing


#: Default ranges of ``--plane`` axes: the planes of the spec's phase diagrams.
PLANE_RANGES = {"g_h": (1.0, 3.0), "alpha_r": (0.0, 30.0), "beta_h": (0.0, 1.5),
                "beta_r": (-3.0, 3.0), "alpha_z": (0.0, 20.0)}


def register(sub):
    p = sub.add_parser(
        "phase-diagram", help="fixed-point regions and transition lines in a parameter plane",
        description="Map the fixed-point structure on a grid (vectorised) and continue the "
                    "transition lines (zero-fixed-point instability, saddle-node of the "
                    "non-zero branches, stability edge of a branch) by pseudo-arclength "
                    "continuation. Writes PNG and JSON.")
    add_model_options(p)
    p.add_argument("--x", metavar="NAME=START:STOP:COUNT", help="the x axis")
    p.add_argument("--y", metavar="NAME=START:STOP:COUNT", help="the y axis")
    p.add_argument("--plane", metavar="X,Y",
                   help="the two parameters with default ranges (" + ", ".join(
                       f"{k} {a:g}:{b:g}" for k, (a, b) in PLANE_RANGES.items())
                   + "; 61 points each); --x/--y override either axis")
    p.add_argument("--chaos", type=int, default=0, metavar="K",
                   help="also the existence line of the chaotic DMFT solution (and the "
                        "bistable interval) at K values of the y axis: a DMFT continuation "
                        "in x per value, tens of seconds to minutes each; Gaussian case "
                        "(alpha_z = 0) only (default 0: not drawn)")
    p.add_argument("--complexity", type=int, default=0, metavar="K",
                   help="also the line where the Kac-Rice complexity becomes positive, at "
                        "K values of the y axis (default 0: not drawn)")
    p.add_argument("--out", type=Path, default=Path("phase_diagram"),
                   help="output path without suffix (default phase_diagram): .png and .json")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.phase import parse_axis, phase_diagram, plot_phase_diagram
    from ._common import resolve_model

    from .._errors import ParameterError

    model, params = resolve_model(args)
    xs, ys = args.x, args.y
    if args.plane:
        names = [n.strip() for n in args.plane.split(",")]
        if len(names) != 2 or any(n not in PLANE_RANGES for n in names):
            raise ParameterError(f"--plane {args.plane!r}: give two of "
                                 f"{', '.join(PLANE_RANGES)} separated by a comma (their "
                                 "default ranges; for any other parameter give --x and --y "
                                 "with ranges)")
        (a, b), (c, d) = PLANE_RANGES[names[0]], PLANE_RANGES[names[1]]
        xs = xs or f"{names[0]}={a}:{b}:61"
        ys = ys or f"{names[1]}={c}:{d}:61"
    if not xs or not ys:
        raise ParameterError("give --plane X,Y or both --x and --y")
    x, y = parse_axis(xs), parse_axis(ys)
    for name, _ in (x, y):
        model.parameter(name)
    for flag, k in (("--chaos", args.chaos), ("--complexity", args.complexity)):
        if k < 0:
            raise ParameterError(f"{flag} {k} must be >= 0")
    if not args.out.name:  # '' or '/': no file name to add .png and .json to
        raise ParameterError(f"--out {str(args.out)!r}: give a path without suffix, e.g. pd")
    png, js = args.out.with_suffix(".png"), args.out.with_suffix(".json")
    check_output(png, create=True)
    progress, bar = None, None
    if args.chaos or args.complexity:
        from tqdm import tqdm

        bar = tqdm(total=args.chaos + args.complexity, desc="lines", unit="point",
                   disable=None)
        progress = lambda i, n: bar.update(1)  # noqa: E731
    pd = phase_diagram(model, x=x, y=y, params=params, chaos=args.chaos,
                       complexity=args.complexity, progress=progress)
    if bar is not None:
        bar.close()
    with writing(png):
        plot_phase_diagram(pd, png)
    with writing(js):
        js.write_text(json.dumps(pd.to_dict(), allow_nan=False) + "\n")
    print(f"wrote {png} and {js}")
    for m in pd.messages:
        print(f"note: {m}")
    return 0
