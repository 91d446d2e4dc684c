"""``meanfield demo``: the main job on the default model, written under ``report/``."""

from __future__ import annotations

from pathlib import Path

from ._common import add_model_options, nonnegative_int, positive_float, positive_int


def register(sub):
    p = sub.add_parser(
        "demo", help="run the main job on the default model and write report/",
        description="Simulate the default gated network, and write figures (PNG) and a "
                    "summary (Markdown and JSON) under --out.")
    add_model_options(p)
    p.add_argument("--out", type=Path, default=Path("report"), help="output folder")
    p.add_argument("--N", type=positive_int, default=1000, help="number of units (default 1000)")
    p.add_argument("--T", type=positive_float, default=400.0, help="duration (default 400)")
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.set_defaults(run=run)


def run(args) -> int:
    from validation.demo import run_demo

    from ._common import resolve_model

    model, params = resolve_model(args)
    paths = run_demo(model, params, out=args.out, N=args.N, T=args.T, seed=args.seed)
    for p in paths:
        print(f"wrote {p}")
    return 0
