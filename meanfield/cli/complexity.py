"""``meanfield complexity``: the annealed Kac–Rice topological complexity Sigma."""

from __future__ import annotations

from ._common import add_model_options, emit_json, positive_int, resolve_model


def register(sub):
    p = sub.add_parser("complexity", help="Kac-Rice topological complexity Sigma",
                       description="Growth rate Sigma of the expected number of fixed points, "
                                   "E[#] ~ exp(N Sigma) (annealed Kac-Rice), with the optimal "
                                   "field variances and the log-determinant.")
    add_model_options(p)
    p.add_argument("--nodes", type=positive_int, default=81,
                   help="quadrature nodes per active field (default 81)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.complexity import complexity

    model, params = resolve_model(args)
    res = complexity(model, params=params, nodes=args.nodes, throw=False)
    if args.json:
        emit_json(_finite(res.to_dict()))
        return 0 if res.converged else 1
    p = ", ".join(f"{k}={v:g}" for k, v in params.items())
    print(f"model {model.name} ({p})")
    print(f"Sigma = {res.sigma:.8g}  ({res.branch}; converged: {res.converged})")
    for name, q in res.field_variance.items():
        print(f"  q_{name} = {q:.6g}   mu_{name} = {res.conjugate[name]:.6g}")
    print(f"  log-det L = {res.log_det:.6g}, relative entropy = {res.relative_entropy:.6g}, "
          f"stability rho(M(0)) = {res.stability:.4g}")
    print(f"  {res.message}")
    return 0 if res.converged else 1


def _finite(d):
    """JSON has no NaN/inf: write them as null."""
    import math

    if isinstance(d, dict):
        return {k: _finite(v) for k, v in d.items()}
    if isinstance(d, float) and not math.isfinite(d):
        return None
    return d
