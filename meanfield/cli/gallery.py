"""``meanfield gallery``: draw the documentation's gallery of theory figures."""

from __future__ import annotations

from pathlib import Path


def register(sub):
    from ..gallery import FIGURES
    from ._common import add_progress_option

    p = sub.add_parser(
        "gallery", help="draw the gallery of theory figures (docs/gallery)",
        description="Draw the main theory figures (fixed points, spectra, timescales, chaos "
                    "onset, complexity, dimension, phase diagram) into --out and rewrite "
                    "the gallery page beside it (gallery.md). About an hour for all on 2 "
                    "cores (one figure: --figure NAME); --quick is coarser.")
    p.add_argument("--out", type=Path, default=Path("docs/gallery"),
                   help="folder of the PNGs (default docs/gallery; the page is written to "
                        "its parent)")
    p.add_argument("--figure", action="append", choices=list(FIGURES), metavar="NAME",
                   help=f"draw only this figure (repeatable): {', '.join(FIGURES)}")
    p.add_argument("--quick", action="store_true", help="coarser grids and fewer samples")
    add_progress_option(p, "a bar per figure counting its solves and naming the last")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..gallery import run_gallery
    from ._common import show_progress

    run_gallery(args.out, args.figure, quick=args.quick, progress=show_progress(args))
    return 0
