"""``meanfield spectrum``: the predicted spectral support of the Jacobian at a fixed point."""

from __future__ import annotations

from pathlib import Path

from ._common import (add_model_options, check_output, emit_json, positive_int,
                      resolve_model, writing)


def register(sub):
    p = sub.add_parser("spectrum", help="spectral support of the Jacobian at a fixed point",
                       description="The boundary rho(M(lambda)) = 1 of the Jacobian's spectral "
                                   "support at a fixed-point branch, its rightmost point "
                                   "(edge) and the real intervals swept by the local "
                                   "rates (each over +-40 standard deviations of its field).")
    add_model_options(p)
    p.add_argument("--branch", type=int, default=-1,
                   help="branch index, ordered by variance of h (default: the largest)")
    p.add_argument("--points", type=positive_int, default=200,
                   help="boundary points in the JSON output, shared among the curves by "
                        "their lengths, at least 4 per curve (default 200)")
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
    # each closed curve on its own (one concatenated list joined separate curves with a
    # jump; found by a probe), thinned in proportion to its length
    total = sum(len(c) for c in s.boundary)
    curves = []
    for c in s.boundary:
        keep = max(4, round(args.points * len(c) / total)) if total > args.points else len(c)
        if keep < len(c):
            c = c[np.linspace(0, len(c) - 1, keep).astype(int)]
        curves.append([[float(z.real), float(z.imag)] for z in c])
    if args.plot:
        _plot(s, args.plot, model.name, params)
    if args.json:
        b = s.branch
        emit_json({"model": model.name, "params": params,
                   "branch": {"variance": b.variance, "stability": b.stability,
                              "stable": b.stable},
                   "edge": s.edge, "bulk_edge": s.bulk_edge,
                   "local_segment": list(s.local_segment),
                   "local_intervals": [list(iv) for iv in s.local_intervals],
                   "local_heights": list(s.local_heights),
                   "boundary": curves, "success": s.success, "message": s.message})
        return 0 if s.success else 1
    rates = ", ".join(f"{lo:.4g}" if lo == hi else f"[{lo:.4g}, {hi:.4g}]"
                      for lo, hi in s.local_intervals)
    lo_h, hi_h = s.local_heights
    if hi_h > 0:  # a damped oscillator's pair: the intervals are their real parts
        rates += (f" +- {hi_h:.4g}i" if lo_h == hi_h
                  else f" +- i[{lo_h:.4g}, {hi_h:.4g}]") + " where complex"
    bulk = "none" if s.bulk_edge is None else f"{s.bulk_edge:.6g}"
    print(f"edge {s.edge:.6g} (bulk {bulk}, local rates {rates}); "
          f"stability {s.branch.stability:.6g}")
    print(s.message)
    return 0 if s.success else 1


def _plot(s, path, name, params):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    for c in s.boundary:
        ax.plot(c.real, c.imag, "k-", lw=1.2)
    h_lo, h_hi = s.local_heights
    # complex rates (a damped oscillator's pair) drawn at their heights as well: the
    # intervals hold real parts only, and the marker sat on the axis between two lobes
    levels = [0.0] + ([h_lo, -h_lo, h_hi, -h_hi] if h_hi > 0 else [])
    for k, (lo, hi) in enumerate(s.local_intervals):
        for j, y in enumerate(dict.fromkeys(levels)):
            ax.plot([lo, hi], [y, y], "C3-", marker="|" if lo == hi else None, lw=3, ms=10,
                    label=("local rates" + (" (real parts, and at the heights of the "
                                            "complex ones)" if h_hi > 0 else ""))
                    if k == 0 and j == 0 else None)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.axvline(s.edge, color="C0", ls="--", lw=0.8, label=f"edge {s.edge:.3g}")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.set_title(f"{name}: predicted support", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    with writing(path):
        fig.savefig(path, dpi=110)
    plt.close(fig)
