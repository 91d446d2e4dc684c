"""``meanfield dimension``: participation ratio of the chaotic activity from the DMFT."""

from __future__ import annotations

import sys
import time

from ._common import (add_model_options, add_progress_option, emit_json, nonnegative_int,
                      positive_float, positive_int, resolve_model, show_progress)


def register(sub):
    p = sub.add_parser(
        "dimension", help="participation ratio PR/N of chaotic activity (DMFT)",
        description="Participation ratio per unit, PR/N, of the equal-time covariance of an "
                    "observable (the rates phi(h) by default) in the limit of large N: the "
                    "equivalent linear network driven by independent innovations, its "
                    "couplings' planar average (the two-site cavity result of Clark, Abbott & "
                    "Litwin-Kumar 2023 for the additive network, generalised to every field "
                    "of the model; units with a static input, beta_h != 0, averaged). "
                    "Gaussian DMFT case (gated model: alpha_z = 0) from the correlation "
                    "functions; otherwise (the update gate) the spectra and mean responses "
                    "are measured on the sampled single-site process. "
                    "`meanfield simulate` and the `dimension` study measure it in networks.")
    add_model_options(p)
    p.add_argument("--observable", metavar="NAME",
                   help="a state variable (h) or a field whose presynaptic function is meant "
                        "(default: the first field, by coupling name, whose presynaptic "
                        "function is a function of one state variable: phi(h))")
    p.add_argument("--method", choices=("auto", "gaussian", "sampling"), default="auto",
                   help="gaussian: from the Gaussian DMFT's correlations; sampling: measured "
                        "on the sampled single-site process (the update gate, alpha_z > 0); "
                        "auto (default): the first that applies")
    p.add_argument("--tau-max", type=positive_float, default=None,
                   help="largest lag of the DMFT (default 200 Gaussian, 100 sampling; its "
                        "inverse sets the frequency resolution)")
    p.add_argument("--dtau", type=positive_float, default=None,
                   help="lag spacing of the DMFT (default 0.05 Gaussian, 0.1 sampling)")
    p.add_argument("--samples", type=positive_int, default=None,
                   help="sampling: single-site trajectories measuring spectra and responses "
                        "(default 8000: about 1%% standard error from them)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="sampling: random seed (default 0)")
    p.add_argument("--T", type=positive_float, default=None,
                   help="sampling: length of the DMFT's trajectories (default 4 tau-max; "
                        "1600 halves the error for units that differ by a static input)")
    p.add_argument("--checkpoint", metavar="FILE.npz", default=None,
                   help="sampling: keep the sampled DMFT's replicas in FILE as they finish; "
                        "the same command continues a stopped or killed run after them")
    add_progress_option(p, shows="one line per stage (sampling)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.dimension import participation_ratio

    model, params = resolve_model(args)
    t0 = time.time()

    def report(line):
        print(f"  {line} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    res = participation_ratio(model, params=params, observable=args.observable,
                              tau_max=args.tau_max, dtau=args.dtau, method=args.method,
                              samples=args.samples, seed=args.seed, T=args.T,
                              progress=report if show_progress(args) else None,
                              checkpoint=args.checkpoint)
    # (--samples and --seed given where auto takes the Gaussian method: the result's
    # message notes them as not used, as dmft's does)
    if args.json:
        emit_json(res.to_dict())
        return 0 if res.success else 1
    p = ", ".join(f"{k}={v:g}" for k, v in params.items())
    print(f"model {model.name} ({p})")
    print(f"observable {res.observable}")
    err = f" +- {res.stat_error:.2g}" if res.stat_error > 0 else ""
    print(f"PR/N = {res.pr_per_unit:.6g}{err}   (N -> infinity, {res.method} method; "
          f"success: {res.success})")
    if res.variance > 0:
        print(f"  temporal variance c0 = {res.variance:.6g}, summed squared "
              f"cross-covariances N <C_ij^2> / c0^2 = {res.cross_covariance:.6g}")
    print(f"  {res.message}")
    return 0 if res.success else 1
