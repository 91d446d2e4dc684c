"""``meanfield fixed-points``: every branch of the static mean-field equations."""

from __future__ import annotations

from ._common import add_model_options, emit_json, resolve_model


def register(sub):
    p = sub.add_parser("fixed-points", help="all fixed-point branches with their stability",
                       description="Solve the static mean-field equations for every branch "
                                   "(including saddle-node pairs), with the variances, the "
                                   "stability quantity rho(M(0)) (< 1: stable) and the "
                                   "spectral edge of each, ordered by the variance of h.")
    add_model_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.fixed_points import fixed_point_branches

    model, params = resolve_model(args)
    res = fixed_point_branches(model, params=params)
    if args.json:
        emit_json(res.to_dict())
        return 0 if res.success else 1
    p = ", ".join(f"{k}={v:g}" for k, v in params.items())
    print(f"model {model.name} ({p})")
    found = f"found {len(res)} branch(es)"  # (the message repeated it; a probe)
    print(f"{len(res)} branch(es); " + ("" if res.message == found else f"{res.message}; ")
          + f"quadrature {res.quadrature_rule} "
          f"{res.quadrature_nodes} nodes (error ~{res.quadrature_error:.1g})")
    names = list(res.branches[0].variance) if len(res) else []
    print(f"{'#':<3}" + "".join(f"{'Delta_' + n:>12}" for n in names)
          + f"{'stability':>11}{'edge':>11}  stable")
    for i, b in enumerate(res.branches):
        print(f"{i:<3}" + "".join(f"{b.variance[n]:>12.6g}" for n in names)
              + f"{b.stability:>11.5g}{b.edge:>11.4g}  {'yes' if b.stable else 'no'}")
    return 0 if res.success else 1
