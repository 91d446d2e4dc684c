"""``meanfield complexity``: the annealed Kac–Rice topological complexity Sigma."""

from __future__ import annotations

import math

from ._common import add_model_options, emit_json, positive_int, resolve_model


def register(sub):
    p = sub.add_parser("complexity", help="Kac-Rice topological complexity Sigma",
                       description="Growth rate Sigma of the expected number of fixed points, "
                                   "E[#] ~ exp(N Sigma) (annealed Kac-Rice), with the optimal "
                                   "field variances and the log-determinant.")
    add_model_options(p)
    p.add_argument("--nodes", type=positive_int, default=81,
                   help="quadrature nodes per active field (default 81)")
    p.add_argument("--profile", metavar="FIELD=LO:HI:COUNT",
                   help="instead of Sigma, the profile Sigma(q) of the fixed points whose "
                        "FIELD (h, r, ...) has variance q, at COUNT log-spaced variances "
                        "from LO to HI (e.g. h=0.001:0.5:30)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def _profile(args, model, params) -> int:
    import numpy as np

    from .._errors import ParameterError
    from ..solve.complexity import complexity_profile
    from ..solve.phase import parse_axis

    name, lin = parse_axis(args.profile)
    if lin[0] <= 0:
        raise ParameterError(f"--profile {args.profile!r}: the variances must be positive")
    q = np.geomspace(lin[0], lin[-1], len(lin))
    res = complexity_profile(model, variances=q, field=name, params=params, nodes=args.nodes,
                             throw=False)
    lo, hi = res.band()
    if args.json:
        d = res.to_dict()
        d["band"] = [lo, hi]
        emit_json(_finite(d))
        return 0 if res.success else 1
    others = list(res.other_variance)
    print(f"model {model.name}: Sigma(q) of fixed points with variance q of field {name}")
    print(f"{'q_' + name:>12} {'Sigma':>12}" + "".join(f" {'q_' + o:>12}" for o in others))
    for i, qi in enumerate(res.variance):
        flag = "" if res.converged[i] else f"  (not converged, residual {res.residual[i]:.2g})"
        print(f"{qi:12.6g} {res.sigma[i]:12.6g}"
              + "".join(f" {res.other_variance[o][i]:12.6g}" for o in others) + flag)
    # (an end not closed on the grid printed "nan"; a probe, 2026-11-28)
    ends = [f"{x:.6g}" if math.isfinite(x) else "(not closed on this grid)" for x in (lo, hi)]
    print(f"Sigma > 0 for q_{name} from {ends[0]} to {ends[1]}")
    print(res.message)
    return 0 if res.success else 1


def run(args) -> int:
    from ..solve.complexity import complexity

    model, params = resolve_model(args)
    if args.profile:
        return _profile(args, model, params)
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
    if isinstance(d, list):
        return [_finite(v) for v in d]
    if isinstance(d, float) and not math.isfinite(d):
        return None
    return d
