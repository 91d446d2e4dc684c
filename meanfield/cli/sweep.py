"""``meanfield sweep``: a quantity on a grid of parameters, on Dask, stored in Zarr."""

from __future__ import annotations

import sys
import textwrap

from ._common import (add_model_options, add_progress_option, emit_json, parse_sets,
                      positive_int, show_progress)

#: Quantity options as CLI flags: (flag, keyword, type, help). Each applies to the
#: quantities that have an option of that keyword; given to another, it is an error.
QUANTITY_FLAGS = (
    ("--N", "N", int, "simulate: number of units (default 1000)"),
    ("--seeds", "seeds", int, "simulate: seeds 0..K-1, a dimension of the store (default 1)"),
    ("--T", "T", float, "simulate: duration (default 300); dimension: the sampled DMFT's "
                        "trajectory length (default 4 tau-max; 1600 halves the error for "
                        "units that differ)"),
    ("--dt", "dt", float, "simulate: time step (default 0.05; the first step with --method dopri5)"),
    ("--transient", "transient", float, "simulate: time discarded (default T/2)"),
    ("--method", "method", str, "dmft, dimension: auto|gaussian|sampling; simulate: "
                                    "rk4|adams|dopri5"),
    ("--tau-max", "tau_max", float, "dmft: largest lag (default 100); dimension: 200 "
                                     "Gaussian, 100 sampling"),
    ("--dtau", "dtau", float, "dmft, dimension: lag spacing (default 0.05 Gaussian, "
                                  "0.1 sampling)"),
    ("--nodes", "nodes", int, "quadrature nodes (dmft: 80 to start, complexity 81, "
                              "fixed-points: chosen per chunk)"),
    ("--damping", "damping", float, "dmft: mixing fraction in (0, 1]"),
    ("--samples", "samples", int, "sampling: single-site trajectories (dmft 4000, "
                                      "dimension 8000)"),
    ("--seed", "seed", int, "dmft, dimension: random seed of the sampling method (default 0)"),
    ("--n-q", "n_q", int, "fixed-points: points of the variance scan (default 32)"),
    ("--q-max", "q_max", float, "fixed-points: largest variance scanned (default 1)"),
)


def register(sub):
    p = sub.add_parser(
        "sweep", help="a quantity on a grid of parameters (Dask, resumable Zarr store)",
        allow_abbrev=False,
        description="Compute QUANTITY (fixed-points, dmft, complexity, dimension, or the "
                    "simulation "
                    "summary `simulate` with a seed dimension) at every point of the grid "
                    "spanned by the --grid axes, in chunks on a Dask cluster (a local one by "
                    "default), writing each chunk to the Zarr store --out as it finishes. "
                    "An interrupted sweep is continued with --resume: only the chunks not "
                    "yet stored are computed. Open the result with xarray.open_zarr(OUT).")
    p.add_argument("quantity", metavar="QUANTITY",
                   help="fixed-points, dmft, complexity, dimension or simulate")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=START:STOP:COUNT",
                   help="a grid axis, e.g. g_h=1:4:61 (repeatable; the store's dimensions, "
                        "in order)")
    add_model_options(p)
    p.add_argument("--out", required=True, metavar="STORE.zarr", help="the Zarr store")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="continue the sweep in --out (same quantity, model, grid, "
                           "parameters and options), computing only what is missing")
    mode.add_argument("--overwrite", action="store_true", help="replace an existing store")
    p.add_argument("--scheduler", default="local", metavar="ADDRESS|local|serial",
                   help="local: start a local Dask cluster (default); serial: compute in "
                        "this process, without Dask; ADDRESS (tcp://host:8786): run on that "
                        "existing Dask cluster")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="worker processes of the local cluster (default: CPU count)")
    p.add_argument("--chunk", type=positive_int, default=None,
                   help="points per task (default: sized to take a few seconds)")
    for flag, dest, kind, text in QUANTITY_FLAGS:
        p.add_argument(flag, dest=f"opt_{dest}", metavar=dest.upper(), type=kind, default=None,
                       help=text)
    # (the error for --seed named `seed` among dmft's options, but no flag set it: argparse
    # read --seed as --seeds; found by a probe)
    p.add_argument("--no-lyapunov", dest="opt_lyapunov", action="store_const", const=False,
                   default=None, help="dmft: skip lambda_max (sampled points: about a fifth "
                                      "of the time, see dmft --help)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..sweep import SweepInterrupted, run_sweep

    options = {dest: getattr(args, f"opt_{dest}") for _, dest, _, _ in QUANTITY_FLAGS
               if getattr(args, f"opt_{dest}") is not None}
    if args.opt_lyapunov is not None:
        options["lyapunov"] = args.opt_lyapunov
    try:
        report = run_sweep(args.quantity, args.model, grid=args.grid,
                           params=parse_sets(args.sets), out=args.out, resume=args.resume,
                           overwrite=args.overwrite, scheduler=args.scheduler,
                           workers=args.workers, chunk=args.chunk,
                           progress=show_progress(args), **options)
    except SweepInterrupted as exc:
        print(f"meanfield sweep: {exc}", file=sys.stderr)
        return 130
    s = report.summary
    if args.json:
        emit_json(s)
    else:
        print(format_summary(s))
    if s["points"] and s["failed"] == s["points"]:
        # an option wrong for every point (e.g. --dt beyond the step limit) fails each
        # point alone; a sweep with nothing computed is not a success
        print(f"meanfield sweep: error: every one of the {s['points']} points failed (an "
              "option invalid everywhere? run one point with the single command to see "
              "why)", file=sys.stderr)
        return 1
    return 0


def format_summary(s: dict) -> str:
    """The end-of-run summary in a few readable lines."""
    dims = " x ".join(f"{n} {k}" for n, k in zip(s["dims"], s["shape"]))
    # (after the time: "..., 2 were already stored in 0.2 s" read as the time to store;
    # a probe, 2026-11-28)
    resumed = (f"; {s['chunks_already_done']} were already stored"
               if s["chunks_already_done"] else "")
    if s.get("chunks_damaged"):
        shown = "; ".join(s["damaged"][:3]) + ("; ..." if len(s["damaged"]) > 3 else "")
        resumed += (f" ({s['chunks_damaged']} stored chunks were damaged and computed again: "
                    f"{shown})")
    return "\n".join([
        f"sweep {s['quantity']} of model {s['model']}: {s['points']} points ({dims})",
        f"computed {s['chunks_computed']} of {s['chunks']} chunks ({s['points_computed']} "
        f"points) in {s['seconds']:.1f} s"
        # (a finished store read "on none (nothing left to compute)"; a probe)
        + (f" on {s['scheduler']}" if s["chunks_computed"] else " (nothing left to compute)")
        + resumed,
        f"failed: {s['failed']}, not converged: {s['not_converged']}",
        *_points("failed", s["failed"], s.get("failed_at", []), s.get("failed_why", [])),
        *_points("not converged", s["not_converged"], s.get("not_converged_at", []),
                 s.get("not_converged_why", [])),
        f"written to {s['out']}",
    ])


def _points(what: str, count: int, at: list, why: list = ()) -> list[str]:
    """Lines naming the first points ``at`` (coordinate dicts) of ``count``, if any, with
    the first one's stored reason from ``why``."""
    if not at:
        return []

    def label(point):
        return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in point.items())

    shown = "; ".join(label(point) for point in at)
    more = f" (the first {len(at)} of {count})" if count > len(at) else ""
    if not any(why):  # (a store written before the reasons were kept)
        return [f"  {what} at {shown}{more}: the single command there says why"]
    # the whole first reason, wrapped: a solver's reasons come after its summary of the
    # run, so a cut line showed the boilerplate and dropped the reason
    head = f"  {what} at {shown}{more}; why" + (
        ":" if len(at) == 1 else " (the same at each):" if len(set(why)) == 1 else
        f" at {label(at[0])} (each point's reason is in the store's variable 'message'):")
    return [head, *textwrap.wrap(why[0], width=88, initial_indent="    ",
                                 subsequent_indent="    ", break_on_hyphens=False)]
