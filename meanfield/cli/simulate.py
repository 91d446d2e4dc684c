"""``meanfield simulate``: run a finite network and summarise its activity."""

from __future__ import annotations

from .._errors import ParameterError
from ._common import (add_checkpoint_options, add_model_options, add_progress_option,
                      emit_json, nonnegative_float, nonnegative_int, positive_float,
                      positive_int, resolve_model, show_progress)


def register(sub):
    p = sub.add_parser(
        "simulate", help="simulate a finite network and summarise its activity",
        description="Simulate N units of a model with random couplings (seeded) for a time T, "
                    "discard the first half (or --transient) and report the variance and "
                    "fluctuating variance of every variable and whether the network settled "
                    "to a fixed point (rms speed < 1e-6).")
    add_model_options(p)
    p.add_argument("--N", type=positive_int, default=1000, help="number of units (default 1000)")
    p.add_argument("--T", type=positive_float, default=300.0, help="duration (default 300)")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of couplings and initial state (default 0)")
    p.add_argument("--dt", type=positive_float, default=0.05,
                   help="step of rk4 and adams, first step of dopri5 (default 0.05)")
    p.add_argument("--method", choices=["rk4", "adams", "dopri5"], default="rk4",
                   help="integrator: rk4 (default), adams (order 8, two RHS calls per step, "
                        "dt <= 0.44 tau) or dopri5 (adaptive)")
    p.add_argument("--transient", type=nonnegative_float, default=None,
                   help="time discarded before measuring (default T/2)")
    add_checkpoint_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from validation.network import Network
    from validation.simulation_summary import summarise_run

    model, params = resolve_model(args)
    transient = args.T / 2 if args.transient is None else args.transient
    if transient >= args.T:
        raise ParameterError(f"--transient {transient:g} must be smaller than --T {args.T:g}")
    progress = show_progress(args)
    net = Network(model, args.N, seed=args.seed, params=params)
    summary = summarise_run(net, T=args.T, dt=args.dt, method=args.method,
                            transient=transient, seed=args.seed, progress=progress,
                            checkpoint=args.checkpoint,
                            checkpoint_every=args.checkpoint_every)
    if args.json:
        emit_json(summary)
    else:
        print(format_summary(summary))
    return 0


def format_summary(s: dict) -> str:
    p = ", ".join(f"{k}={v:g}" for k, v in s["params"].items())
    lines = [f"model {s['model']} ({p})",
             f"N={s['N']}, T={s['T']:g}, seed={s['seed']}, measured over t in "
             f"[{s['transient']:g}, {s['T']:g}]",
             f"settled to a fixed point: {'yes' if s['settled'] else 'no'} "
             f"(rms speed {s['rms_speed']:.3g}, criterion < 1e-6)",
             f"{'variable':<10}{'variance':>12}{'fluctuating':>14}{'static':>12}"]
    for v in s["variance"]:
        lines.append(f"{v:<10}{s['variance'][v]:>12.5g}{s['fluctuation_variance'][v]:>14.5g}"
                     f"{s['static_variance'][v]:>12.5g}")
    return "\n".join(lines)
