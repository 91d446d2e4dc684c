"""``meanfield chaos-onset``: where the chaotic DMFT solution appears, by continuation."""

from __future__ import annotations

import math
import sys
import time

from ._common import (add_model_options, add_progress_option, emit_json, positive_float,
                      positive_int, resolve_model, show_progress)


def register(sub):
    p = sub.add_parser(
        "chaos-onset", help="onset of chaos from the DMFT by continuation (jump, hysteresis)",
        description="Follow the chaotic (time-dependent) DMFT solution in one parameter from "
                    "a chaotic --from value toward --to, each solve warm-started from the "
                    "previous one, halving the step where the solution is lost, down to "
                    "--min-step. Prints the onset bracket, the jump (fluctuating part "
                    "C_h(0) - C_h(inf) and C_h(0) at the last chaotic point), whether the "
                    "transition is continuous or discontinuous (bistable with the stable "
                    "zero fixed point), the static zero-fixed-point instability, and the "
                    "branch. Gaussian DMFT only (the gated model at alpha_z = 0).")
    add_model_options(p)
    p.add_argument("--vary", default="g_h", metavar="NAME",
                   help="parameter to vary (default g_h)")
    p.add_argument("--from", dest="start", type=float, required=True, metavar="VALUE",
                   help="start value (the DMFT must be chaotic there)")
    p.add_argument("--to", dest="stop", type=float, required=True, metavar="VALUE",
                   help="continue toward this value")
    p.add_argument("--step", type=positive_float, default=None,
                   help="first step (default |to - from| / 10)")
    p.add_argument("--min-step", type=positive_float, default=None,
                   help="bracket resolution (default |to - from| / 1000)")
    p.add_argument("--tau-max", type=positive_float, default=60.0,
                   help="largest lag (default 60)")
    p.add_argument("--dtau", type=positive_float, default=0.2,
                   help="lag spacing (default 0.2)")
    p.add_argument("--nodes", type=positive_int, default=64,
                   help="quadrature nodes per dimension to start with (default 64; doubled "
                        "as the quadrature error requires)")
    p.add_argument("--max-iter", type=positive_int, default=3000,
                   help="iterations per DMFT solve (default 3000)")
    p.add_argument("--max-solves", type=positive_int, default=200,
                   help="DMFT solves in all (default 200)")
    p.add_argument("--no-lyapunov", action="store_true",
                   help="skip lambda_max along the branch (faster)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_progress_option(p, shows="one line per solved point")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.chaos_onset import chaos_onset

    model, params = resolve_model(args)
    from .._errors import ParameterError

    model.parameter(args.vary)
    if args.vary in _given(args):
        raise ParameterError(f"--set {args.vary}=...: {args.vary} is the varied parameter; "
                             f"give its range with --from and --to")
    params.pop(args.vary)
    t0 = time.time()
    def report(x, r):
        state = ("failed" if r is None else
                 f"chaotic, C_h(0)-C_h(inf) = {r.delta_0 - r.delta_inf:.4g}" if r.chaotic
                 and r.converged else
                 "fixed point" if r.converged else "not converged")
        print(f"  {args.vary} = {x:.6g}: {state} ({time.time() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    progress = report if show_progress(args) else None
    r = chaos_onset(model, vary=args.vary, start=args.start, stop=args.stop, params=params,
                    step=args.step, min_step=args.min_step, tau_max=args.tau_max,
                    dtau=args.dtau, nodes=args.nodes, max_iter=args.max_iter,
                    max_solves=args.max_solves, lyapunov=not args.no_lyapunov,
                    progress=progress)
    if args.json:
        emit_json(r.to_dict())
        return 0 if r.success else 1
    p = ", ".join(f"{k}={v:g}" for k, v in r.params.items() if k != r.vary)
    print(f"model {r.model} ({p}); {r.vary} from {args.start:g} toward {args.stop:g}")
    print(f"{'value':>10} {'delta_0':>11} {'delta_inf':>11} {'lambda_max':>11} "
          f"{'tau_corr':>9}")
    b = r.branch

    def f(x, spec):  # an undefined value (tau_corr of a fixed point) as a dash, not "nan"
        return format(x, spec) if math.isfinite(x) else "-".rjust(int(spec.split(".")[0]))

    for i in range(len(b["value"])):
        print(f"{f(b['value'][i], '10.6g')} {f(b['delta_0'][i], '11.5g')} "
              f"{f(b['delta_inf'][i], '11.3g')} {f(b['lyapunov_max'][i], '11.4g')} "
              f"{f(b['tau_corr'][i], '9.4g')}")
    # (an onset or instability not found printed "= nan"; a probe, 2026-11-28)
    if math.isfinite(r.onset):
        print(f"onset: {r.vary} = {r.onset:.6g} +- {r.onset_error:.2g} ({r.transition}); "
              f"jump: C_h(0)-C_h(inf) = {r.jump:.4g}, C_h(0) = {r.jump_delta_0:.4g}")
    else:
        print(f"onset: not found between {args.start:g} and {args.stop:g}")
    if math.isfinite(r.fixed_point_instability):
        print(f"zero fixed point unstable beyond {r.vary} = "
              f"{r.fixed_point_instability:.6g} (static theory)")
    else:
        print(f"zero fixed point: no change of stability between {args.start:g} and "
              f"{args.stop:g} (static theory; or no zero fixed point)")
    print(r.message)
    return 0 if r.success else 1


def _given(args) -> set:
    from ._common import parse_sets

    return set(parse_sets(args.sets))
