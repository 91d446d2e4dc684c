"""``meanfield spectrum``: the predicted spectral support of the Jacobian at a fixed point."""

from __future__ import annotations

from pathlib import Path

from ._common import (add_model_options, check_output, emit_json, positive_int,
                      resolve_model, writing)


def register(sub):
    p = sub.add_parser("spectrum", help="spectral support of the Jacobian at a fixed point",
                       description="The boundary rho(M(lambda)) = 1 of the Jacobian's spectral "
                                   "support at a fixed-point branch, its rightmost point "
                                   "(edge) and the real segment of local rates.")
    add_model_options(p)
    p.add_argument("--branch", type=int, default=-1,
                   help="branch index, ordered by variance of h (default: the largest)")
    p.add_argument("--points", type=positive_int, default=200,
                   help="boundary points in the JSON output (default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", type=Path, default=None, metavar="PNG", help="write a figure")
    p.set_defaults(run=run)


def run(args) -> int:
    import numpy as np

    from .._errors import ParameterError
    from ..solve.fixed_points import fixed_point_branches
    from ..solve.spectrum import spectral_support

    model, params = resolve_model(args)
    if args.plot:
        check_output(args.plot, figure=True)
    n = len(fixed_point_branches(model, params=params))
    if not -n <= args.branch < n:
        raise ParameterError(f"--branch {args.branch}: there are {n} branch(es) (0..{n - 1})")
    s = spectral_support(model, params=params, branch=args.branch)
    pts = np.concatenate(s.boundary) if s.boundary else np.zeros(0, complex)
    if len(pts) > args.points:
        pts = pts[np.linspace(0, len(pts) - 1, args.points).astype(int)]
    if args.plot:
        _plot(s, args.plot, model.name, params)
    if args.json:
        b = s.branch
        emit_json({"model": model.name, "params": params,
                   "branch": {"variance": b.variance, "stability": b.stability,
                              "stable": b.stable},
                   "edge": s.edge, "bulk_edge": s.bulk_edge,
                   "local_segment": list(s.local_segment),
                   "boundary": [[float(z.real), float(z.imag)] for z in pts]})
        return 0
    print(f"edge {s.edge:.6g} (bulk {s.bulk_edge}, local rates in "
          f"[{s.local_segment[0]:.4g}, {s.local_segment[1]:.4g}]); "
          f"stability {s.branch.stability:.6g}")
    return 0


def _plot(s, path, name, params):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    for c in s.boundary:
        ax.plot(c.real, c.imag, "k-", lw=1.2)
    ax.plot(s.local_segment, [0, 0], "C3-", lw=3, label="local rates")
    ax.axvline(0, color="0.6", lw=0.6)
    ax.axvline(s.edge, color="C0", ls="--", lw=0.8, label=f"edge {s.edge:.3g}")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.set_title(f"{name}: predicted support", fontsize=9)
    ax.legend(fontsize=8)
    ax.set_aspect("equal")
    fig.tight_layout()
    with writing(path):
        fig.savefig(path, dpi=110)
    plt.close(fig)
