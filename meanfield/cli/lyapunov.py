"""``meanfield lyapunov``: leading Lyapunov exponents of a finite network (simulation)."""

from __future__ import annotations

from .._errors import ParameterError
from ._common import (add_checkpoint_options, add_model_options, add_progress_option,
                      emit_json, nonnegative_float, nonnegative_int, positive_float,
                      positive_int, resolve_model, show_progress)


def register(sub):
    p = sub.add_parser(
        "lyapunov", help="Lyapunov exponents of a finite network (QR method)",
        description="Integrate N units of a model and k tangent vectors (Jacobian-vector "
                    "products, QR re-orthonormalisation every --renorm-every) for a time T "
                    "after a transient; report the k leading exponents with standard errors "
                    "(block averages), the number of positive ones and the Kaplan-Yorke "
                    "dimension. --twin adds the leading exponent from a twin trajectory "
                    "started 1e-8 away, as an independent check.")
    add_model_options(p)
    p.add_argument("--N", type=positive_int, default=1000, help="number of units (default 1000)")
    p.add_argument("--T", type=positive_float, default=500.0,
                   help="averaging time after the transient (default 500)")
    p.add_argument("--transient", type=nonnegative_float, default=100.0,
                   help="time discarded first (default 100)")
    p.add_argument("--k", type=positive_int, default=10, help="number of exponents (default 10)")
    p.add_argument("--dt", type=positive_float, default=0.05, help="RK4 step (default 0.05)")
    p.add_argument("--renorm-every", type=positive_float, default=1.0,
                   help="time between QR steps (default 1)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the couplings")
    p.add_argument("--state-seed", type=nonnegative_int, default=0,
                   help="seed of the initial state (default 0)")
    p.add_argument("--basis-seed", type=nonnegative_int, default=1,
                   help="seed of the initial tangent basis (default 1)")
    p.add_argument("--twin", action="store_true",
                   help="also estimate the leading exponent from a twin trajectory")
    add_checkpoint_options(p, "the spectrum's run (state, tangent basis, local exponents)",
                           " (--twin's run is not saved)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from validation.measure import lyapunov_spectrum, max_lyapunov_twin
    from validation.network import Network

    model, params = resolve_model(args)
    net = Network(model, args.N, seed=args.seed, params=params)
    if args.k > net.n_vars * args.N:
        raise ParameterError(f"--k {args.k} exceeds the number of state variables "
                             f"{net.n_vars * args.N}")
    progress = show_progress(args)
    r = lyapunov_spectrum(net, args.k, T=args.T, transient=args.transient, dt=args.dt,
                          renorm_every=args.renorm_every, state_seed=args.state_seed,
                          basis_seed=args.basis_seed, progress=progress,
                          checkpoint=args.checkpoint, checkpoint_every=args.checkpoint_every)
    out = {"model": model.name, "params": dict(net.params), "N": args.N, "seed": args.seed,
           "state_seed": args.state_seed, "basis_seed": args.basis_seed, "k": args.k,
           **r.to_dict()}
    if args.twin:
        lam, err = max_lyapunov_twin(net, T=args.T, transient=args.transient, dt=args.dt,
                                     renorm_every=args.renorm_every, state_seed=args.state_seed)
        out["twin"] = {"lyapunov_max": lam, "stderr": err, "d0": 1e-8}
    if args.json:
        emit_json(out)
        return 0
    p = ", ".join(f"{k}={v:g}" for k, v in out["params"].items())
    print(f"model {out['model']} ({p}), N={args.N}, seed={args.seed}, "
          f"T={out['T']:g} after a transient of {out['transient']:g}")
    for i, (lam, err) in enumerate(zip(out["exponents"], out["stderr"]), 1):
        print(f"  lambda_{i:<3d} {lam:+.5f} +- {err:.5f}")
    ky = out["kaplan_yorke"]
    print(f"significantly positive exponents (> 2 standard errors): {out['n_positive']}; "
          f"Kaplan-Yorke dimension: "
          f"{'needs more exponents' if ky is None else f'{ky:.3f}'}"
          + (f" ({out['kaplan_yorke_note']})" if ky is not None and out["kaplan_yorke_note"]
             else ""))
    if args.twin:
        print(f"twin trajectory: lambda_max {out['twin']['lyapunov_max']:+.5f} +- "
              f"{out['twin']['stderr']:.5f}")
    return 0
