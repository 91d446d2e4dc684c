"""``meanfield dimension``: participation ratio of the chaotic activity from the DMFT."""

from __future__ import annotations

from ._common import add_model_options, emit_json, positive_float, resolve_model


def register(sub):
    p = sub.add_parser(
        "dimension", help="participation ratio PR/N of chaotic activity (DMFT, Gaussian case)",
        description="Participation ratio per unit, PR/N, of the equal-time covariance of an "
                    "observable (the rates phi(h) by default) in the limit of large N: the "
                    "equivalent linear network driven by independent innovations, its "
                    "couplings' planar average (the two-site cavity result of Clark, Abbott & "
                    "Litwin-Kumar 2023 for the additive network, generalised to every field "
                    "of the model; units with a static input, beta_h != 0, averaged). "
                    "Gaussian DMFT case (gated model: alpha_z = 0). "
                    "`meanfield simulate` and the `dimension` study measure it in networks.")
    add_model_options(p)
    p.add_argument("--observable", metavar="NAME",
                   help="a state variable (h) or a field whose presynaptic function is meant "
                        "(default: the first field, by coupling name, whose presynaptic "
                        "function is a function of one state variable: phi(h))")
    p.add_argument("--tau-max", type=positive_float, default=200.0,
                   help="largest lag of the DMFT (default 200; its inverse sets the "
                        "frequency resolution)")
    p.add_argument("--dtau", type=positive_float, default=0.05,
                   help="lag spacing of the DMFT (default 0.05)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.dimension import participation_ratio

    model, params = resolve_model(args)
    res = participation_ratio(model, params=params, observable=args.observable,
                              tau_max=args.tau_max, dtau=args.dtau)
    if args.json:
        emit_json(res.to_dict())
        return 0 if res.success else 1
    p = ", ".join(f"{k}={v:g}" for k, v in params.items())
    print(f"model {model.name} ({p})")
    print(f"observable {res.observable}")
    print(f"PR/N = {res.pr_per_unit:.6g}   (N -> infinity; success: {res.success})")
    if res.variance > 0:
        print(f"  temporal variance c0 = {res.variance:.6g}, summed squared "
              f"cross-covariances N <C_ij^2> / c0^2 = {res.cross_covariance:.6g}")
    print(f"  {res.message}")
    return 0 if res.success else 1
