"""``meanfield dmft``: stationary correlation functions from the dynamical mean-field theory."""

from __future__ import annotations

import math
import sys
import time

from .._errors import ParameterError
from ._common import (add_model_options, add_progress_option, check_output, emit_json,
                      nonnegative_float, nonnegative_int, positive_float, positive_int,
                      resolve_model, show_progress, writing)


def register(sub):
    p = sub.add_parser(
        "dmft", help="stationary DMFT: correlation functions, variance, correlation time",
        description="Solve the self-consistent stationary correlation functions of the "
                    "single-site process (Gaussian case: every state variable a linear filter "
                    "of one field, e.g. the gated model at alpha_z = 0) on a grid of lags. "
                    "Prints delta_0 = C_h(0), delta_inf = C_h(inf), the correlation time "
                    "int (C_h - C_h(inf)) / (C_h(0) - C_h(inf)), whether the solution is "
                    "chaotic, the maximal Lyapunov exponent from the tangent (variational) "
                    "equations (Gaussian case) or the sampled tangent process (with its "
                    "statistical error), and convergence. "
                    "`meanfield lyapunov` measures the exponent in a network.")
    add_model_options(p)
    p.add_argument("--tau-max", type=positive_float, default=100.0,
                   help="largest lag (default 100)")
    p.add_argument("--dtau", type=positive_float, default=None,
                   help="lag spacing and, sampling, integration step (default 0.05 "
                        "Gaussian, 0.1 sampling)")
    p.add_argument("--nodes", type=positive_int, default=None,
                   help="quadrature nodes per dimension to start with, Gaussian method "
                        "(default 80; doubled until the quadrature error is below "
                        "max(1000 tol, 1e-6 C(0)), up to 640)")
    p.add_argument("--damping", type=positive_float, default=None,
                   help="mixing fraction of each new iterate, in (0, 1] (default 0.9 "
                        "Gaussian, 1 sampling)")
    p.add_argument("--method", choices=["auto", "gaussian", "sampling"], default="auto",
                   help="auto (default): gaussian where it applies, else sampling")
    p.add_argument("--samples", type=positive_int, default=None,
                   help="sampling: single-site trajectories in all (default 4000)")
    p.add_argument("--T", type=positive_float, default=None,
                   help="sampling: recorded length of each trajectory, at least --tau-max "
                        "(default 4 tau_max); more T or samples, smaller error")
    p.add_argument("--burn", type=nonnegative_float, default=None,
                   help="sampling: discarded start of each trajectory (default tau_max/2)")
    p.add_argument("--replicas", type=positive_int, default=None,
                   help="sampling: independent self-consistent solutions, at least 2; "
                        "their spread is the statistical error (default 4)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="sampling: random seed (default 0)")
    p.add_argument("--averaging", type=nonnegative_int, default=None,
                   help="sampling: passes with fresh noise averaged into each replica's "
                        "result after it converged (default 4; 0 keeps the frozen-noise "
                        "fixed point, biased upward)")
    p.add_argument("--no-lyapunov", action="store_true",
                   help="skip lambda_max (sampling: its tangent process costs several times the "
                        "correlations: g_h=4, alpha_z=alpha_r=5, 2000 samples, 78 s with, "
                        "17 s without)")
    p.add_argument("--checkpoint", metavar="FILE.npz", default=None,
                   help="sampling: save the replicas done (and their lambda_max) to FILE "
                        "after each; the same command continues a stopped or killed solve "
                        "from it, to the result of a solve never stopped")
    add_progress_option(p, shows="one line per iteration (sampling)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="PNG", help="draw the correlation functions to this file")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..solve.dmft import dmft

    model, params = resolve_model(args)
    if args.damping is not None and args.damping > 1:
        raise ParameterError(f"--damping {args.damping:g} must lie in (0, 1]")
    if args.plot:
        check_output(args.plot, figure=True)
    t0 = time.time()

    def report(line):
        print(f"  {line} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    progress = report if show_progress(args) else None
    r = dmft(model, params=params, method=args.method, tau_max=args.tau_max, dtau=args.dtau,
             nodes=args.nodes, damping=args.damping, samples=args.samples, T=args.T,
             burn=args.burn, replicas=args.replicas, seed=args.seed, averaging=args.averaging,
             lyapunov=not args.no_lyapunov, progress=progress, checkpoint=args.checkpoint)
    out = r.to_dict()
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.5))
        for v, c in r.C.items():
            ax.plot(r.tau, c, label=f"$C_{{{v}}}(\\tau)$")
        ax.set_xlabel(r"$\tau$")
        ax.set_ylabel(r"correlation $C(\tau)$")
        ax.legend()
        ax.set_title(f"DMFT, {model.name}", fontsize=9)
        fig.tight_layout()
        with writing(args.plot):
            fig.savefig(args.plot, dpi=110)
        plt.close(fig)
        out["plot"] = args.plot
    if args.json:
        emit_json(out)
        return 0 if r.converged else 1
    p = ", ".join(f"{k}={v:g}" for k, v in out["params"].items())
    print(f"model {out['model']} ({p})")

    def err(x):  # sampling errors; none for the deterministic method or one replica
        return f" +- {x:.2g}" if r.method == "sampling" and math.isfinite(x) else ""
    lyap = ("not computed" if math.isnan(r.lyapunov_max)
            else f"{r.lyapunov_max:.4g}{err(r.lyapunov_error)}")
    tau = ("undefined (not chaotic)" if math.isnan(r.tau_corr) and r.chaotic is False
           else "undefined" if math.isnan(r.tau_corr)
           else f"{r.tau_corr:.4g}{err(r.tau_corr_error)}")
    # (a failed solve's numbers are its last iterate: a probe read "delta_0 = 1, chaotic:
    # yes" of an iteration that failed at its first step as a result)
    print(("not converged; the last iterate: " if not r.converged else "")
          + f"delta_0 = {r.delta_0:.6g}{err(r.stat_error)}, "
          f"delta_inf = {r.delta_inf:.6g}{err(r.delta_inf_error)}, "
          f"tau_corr = {tau}, chaotic: "
          f"{'undetermined' if r.chaotic is None else 'yes' if r.chaotic else 'no'}, "
          f"lambda_max = {lyap}")
    print(r.message)
    return 0 if r.converged else 1

