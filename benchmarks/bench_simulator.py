"""Ratio benchmark of the network simulator (``make bench``).

Measures, in one run, for the default gated model (g_h=3, chaotic):

1. rk4 steps per second (dt=0.05, one trial) at N = 500, 1000, 2000;
2. the RHS-cost ratio: time of the three bare matrix-vector products the RHS needs
   divided by the time of one generated ``Network.velocity_raw`` call (1.0 means the
   RHS costs exactly its matvecs), with a hand-written numpy RHS for context;
3. batch throughput: per-trial steps/s of a batch of 32 trials over single-trial
   steps/s at N = 1000, 2000;
4. speed-up of the simulator over ``scipy.integrate.solve_ivp(method="RK45")`` at matched
   final-state accuracy after T = 10 on the attractor (N = 500, 1000): the ``adams``
   method at dt = 0.1 is the target row; ``adams`` at 0.2 and ``rk4`` at 0.05, 0.1, 0.2
   are context. Each also timed as a run of T = 100 with the same settings (the rate of a
   long run, where the adams start no longer counts).

Every figure is a ratio or a rate measured on this machine in this run; there are no
timed asserts. A table goes to stdout and every number, with machine information, to
the JSON file named by ``--out``.

    .venv/bin/python benchmarks/bench_simulator.py --out docs/performance-simulator.json
    .venv/bin/python benchmarks/bench_simulator.py --quick     # fewer repeats
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import glob
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp
from scipy.special import expit

from validation import Network, simulate

MODEL = "gated"
DT = 0.05
#: Headline statistic of repeated timings: the best (least disturbed) repeat. Medians and
#: every repeat are kept in the JSON too. Paired figures are timed interleaved.
STAT = "best"
TARGETS = {
    "rhs_ratio": 0.9,         # bare matvecs / generated RHS, at every N
    "batch_speedup": 2.5,     # per-trial batch-of-32 throughput / single, at N=2000
    "solve_ivp_speedup": 3.0,  # solve_ivp RK45 wall time / adams dt=0.1 wall time, matched error
}


# --------------------------------------------------------------------- helpers
def _block(fn, number: int, cap: float) -> float:
    """Seconds per call over ``number`` calls of ``fn``, stopping early after ``cap`` seconds."""
    t0 = time.perf_counter()
    done = 0
    while done < number:
        fn()
        done += 1
        if time.perf_counter() - t0 > cap:
            break
    return (time.perf_counter() - t0) / done


def _summary(xs: list) -> dict:
    return {"median": statistics.median(xs), "best": min(xs), "all": xs}


def timed(fn, *, number: int, repeat: int, cap: float = 30.0) -> dict:
    """Per-call seconds of ``fn`` over ``repeat`` blocks of ``number`` calls (after a warm-up)."""
    fn()
    return _summary([_block(fn, number, cap) for _ in range(repeat)])


def timed_pair(fa, fb, *, number: int, repeat: int, cap: float = 30.0) -> tuple[dict, dict]:
    """Like :func:`timed` for two functions, interleaving their blocks (fairer on a busy box)."""
    fa(), fb()
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(_block(fa, number, cap))
        tb.append(_block(fb, number, cap))
    return _summary(ta), _summary(tb)


def calls_for(fn, budget: float) -> int:
    """How many calls of ``fn`` fill roughly ``budget`` seconds (at least 1)."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(budget / once))


def blas_threads() -> int | None:
    """Threads of the BLAS numpy uses, if it can be found without extra packages."""
    try:
        from threadpoolctl import threadpool_info  # optional
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                return int(pool["num_threads"])
    except Exception:
        pass
    libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*.so*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                    "openblas_get_num_threads"):
            if hasattr(lib, sym):
                return int(getattr(lib, sym)())
    return None


class OtherWork:
    """How much of the machine's CPU went to other processes during each section of the run.

    Machine busy time from /proc/stat minus this process's own CPU time, as a fraction of
    (wall time x cores). Timings taken while other work runs are unreliable: OpenBLAS
    threads that have to wait for a core turn microseconds into milliseconds.
    """

    def __init__(self):
        self.sections: dict[str, float | None] = {}
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.ncpu = os.cpu_count() or 1

    def _machine_busy(self) -> float | None:
        try:
            with open("/proc/stat") as fh:
                vals = [int(v) for v in fh.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return (sum(vals[:8]) - vals[3] - vals[4]) / self.tick  # all but idle, iowait

    def section(self, name: str):
        monitor = self

        class _Section:
            def __enter__(self):
                self.busy, self.own, self.wall = (monitor._machine_busy(), _own_cpu(),
                                                  time.perf_counter())

            def __exit__(self, *exc):
                busy = monitor._machine_busy()
                wall = time.perf_counter() - self.wall
                if busy is None or self.busy is None:
                    monitor.sections[name] = None
                else:
                    other = (busy - self.busy) - (_own_cpu() - self.own)
                    monitor.sections[name] = max(0.0, other / (wall * monitor.ncpu))
                return False

        return _Section()


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def other_cpu_use(seconds: float = 1.0) -> float | None:
    """Fraction of all cores busy (with other work) while this process sleeps ``seconds``."""
    def sample():
        with open("/proc/stat") as fh:
            vals = [int(v) for v in fh.readline().split()[1:]]
        return sum(vals), vals[3] + vals[4]  # total, idle + iowait
    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def machine_info() -> dict:
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_name = f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:
        blas_name = None
    cpu = platform.processor() or None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "nproc": nproc,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "blas": blas_name,
        "blas_threads": blas_threads(),
        "load_average_at_start": os.getloadavg(),
        "other_cpu_use_at_start": other_cpu_use(),
    }


def hand_rhs(net: Network):
    """A plain numpy RHS of the gated model with three separate matvecs (for context)."""
    p = net.params
    Jh, Jz, Jr = (np.ascontiguousarray(net.couplings[k]) for k in ("Jh", "Jz", "Jr"))
    g_h, beta_h = p["g_h"], p["beta_h"]
    a_z, b_z, a_r, b_r = p["alpha_z"], p["beta_z"], p["alpha_r"], p["beta_r"]
    tau_z, tau_r = p["tau_z"], p["tau_r"]

    def rhs(y):
        h, z, r = y
        phi = np.tanh(g_h * h + beta_h)
        dh = expit(a_z * z - b_z) * (-h + Jh @ (expit(a_r * r - b_r) * phi))
        dz = (-z + Jz @ phi) / tau_z
        dr = (-r + Jr @ phi) / tau_r
        return dh, dz, dr

    return rhs


def steps_per_second(net: Network, y0: np.ndarray, n_steps: int, repeat: int) -> dict:
    T = n_steps * DT
    run = lambda: simulate(net, T, dt=DT, method="rk4", y0=y0, record_every=T)  # noqa: E731
    t = timed(run, number=1, repeat=repeat)
    return {"steps": n_steps, "seconds": t, "steps_per_s": n_steps / t[STAT]}


def verdict(value: float, target: float) -> str:
    return "PASS" if value >= target else "BELOW"


# ----------------------------------------------------------------- measurements
def bench_rhs_and_steps(Ns, quick: bool) -> dict:
    out = {}
    repeat = 11 if quick else 31
    budget = 0.02
    for N in Ns:
        net = Network(MODEL, N, seed=0)
        y = net.initial_state(1)
        x = np.tanh(net.params["g_h"] * y[0])
        Jh, Jz, Jr = net.couplings["Jh"], net.couplings["Jz"], net.couplings["Jr"]

        def matvecs():
            Jh @ x
            Jz @ x
            Jr @ x

        gen = lambda: net.velocity_raw(y)  # noqa: E731
        hand = hand_rhs(net)
        # check the hand-written RHS really is the same model
        err = max(float(np.max(np.abs(a - b))) for a, b in zip(hand(y), gen()))
        number = calls_for(gen, budget)
        t_mv, t_gen = timed_pair(matvecs, gen, number=number, repeat=repeat, cap=0.2)
        t_mv2, t_hand = timed_pair(matvecs, lambda: hand(y), number=number, repeat=repeat,
                                     cap=0.2)
        # The ceiling no numpy RHS of this form can pass: the generated RHS's own products
        # (Jh and the stacked [Jz; Jr]) and its three transcendental ufuncs as the printer
        # writes them (one tanh, and one exp per gate: 1/(1 + exp(min(-u, 709)))), nothing
        # else.
        p = net.params
        u = p["g_h"] * y[0] + p["beta_h"]
        vz = p["beta_z"] - p["alpha_z"] * y[1]
        vr = p["beta_r"] - p["alpha_r"] * y[2]
        W0, W1 = net.stacked

        def floor():
            W0 @ x
            W1 @ x
            np.tanh(u)
            np.exp(vz)
            np.exp(vr)

        t_mv3, t_floor = timed_pair(matvecs, floor, number=number, repeat=repeat, cap=0.2)
        n_steps = {500: 400, 1000: 200, 2000: 80}.get(N, 100)
        if quick:
            n_steps //= 2
        steps = steps_per_second(net, y, n_steps, 3 if quick else 5)
        out[N] = {
            "three_matvecs_s": t_mv,
            "generated_rhs_s": t_gen,
            "hand_rhs_s": t_hand,
            "rhs_ratio_generated": t_mv[STAT] / t_gen[STAT],
            "rhs_ratio_hand": t_mv2[STAT] / t_hand[STAT],
            "rhs_ratio_generated_median": t_mv["median"] / t_gen["median"],
            "rhs_ratio_hand_median": t_mv2["median"] / t_hand["median"],
            "products_and_transcendentals_s": t_floor,
            "rhs_ratio_ceiling": t_mv3[STAT] / t_floor[STAT],
            "hand_vs_generated_max_abs_diff": err,
            "rk4": steps,
            "rk4_step_over_4_rhs": (1 / steps["steps_per_s"]) / (4 * t_gen[STAT]),
        }
        print(f"  N={N}: rhs ratio {out[N]['rhs_ratio_generated']:.3f}, "
              f"{steps['steps_per_s']:.1f} steps/s", file=sys.stderr)
    return out


def bench_batch(Ns, B: int, quick: bool) -> dict:
    """Per-trial steps/s of a batch of ``B`` over one trial's, timed interleaved."""
    out = {}
    for N in Ns:
        net = Network(MODEL, N, seed=0)
        y1 = net.initial_state(2)
        yB = net.initial_state(2, batch=B)
        n1 = {1000: 200, 2000: 80}.get(N, 100)
        nB = {1000: 40, 2000: 20}.get(N, 20)
        if quick:
            n1, nB = n1 // 2, nB // 2
        run = lambda y, n: (lambda: simulate(net, n * DT, dt=DT, y0=y,  # noqa: E731
                                             record_every=n * DT))
        t1, tB = timed_pair(run(y1, n1), run(yB, nB), number=1, repeat=3 if quick else 5)
        one = n1 / t1[STAT]
        per_trial = B * nB / tB[STAT]
        out[N] = {"batch": B, "single_steps": n1, "batch_steps": nB,
                  "single_seconds": t1, "batch_seconds": tB,
                  "single_steps_per_s": one, "batch_steps_per_s": nB / tB[STAT],
                  "per_trial_steps_per_s": per_trial, "speedup": per_trial / one}
        print(f"  N={N}: batch speed-up {per_trial / one:.2f}x", file=sys.stderr)
    return out


#: Simulator configurations compared with solve_ivp; the first is the target row: the
#: method that is cheapest per unit of accuracy at dt = 0.1, the step most studies use.
IVP_CONFIGS = (("adams", 0.1), ("adams", 0.2), ("rk4", DT), ("rk4", 2 * DT), ("rk4", 4 * DT))


def bench_solve_ivp(N: int, T: float, quick: bool, long_T: float = 100.0) -> dict:
    """Each simulator configuration against the loosest RK45 tolerance that matches its error.

    Accuracy is the final-state error after ``T`` on the chaotic attractor (beyond a few
    Lyapunov times a trajectory error says nothing); the speed-up is the ratio of wall
    times of that run (the adams start included), and, as the rate of a long run, of a
    run of ``long_T`` with the same settings.
    """
    net = Network(MODEL, N, seed=0)
    # start on the attractor: a transient from a random state first
    y0 = simulate(net, 50.0, dt=DT, y0=net.initial_state(3), record_every=50.0).final
    repeat = 3 if quick else 5
    fun = lambda t, y: net.velocity(y.reshape(3, N)).ravel()  # noqa: E731

    # reference: DOP853 at rtol=atol=1e-13, cross-checked against rk4 with an 8x smaller step
    ref = solve_ivp(fun, (0, T), y0.ravel(), method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
    check = simulate(net, T, dt=DT / 8, y0=y0, record_every=T).final
    err = lambda yT: float(np.max(np.abs(np.ravel(yT) - ref.ravel())))  # noqa: E731
    ivp = lambda rtol, T=T: solve_ivp(fun, (0, T), y0.ravel(), method="RK45",  # noqa: E731
                                      rtol=rtol, atol=rtol * 1e-2)
    # quarter decades, 1e-3 ... 1e-12: a coarser scan would overstate RK45's cost
    rtols = [10.0 ** (-3 - k / 4) for k in range(37)]
    errors = {}  # solve_ivp error by rtol, computed once

    result = {"N": N, "T": T, "long_T": long_T,
              "initial_state": "after a transient of 50 from a random state",
              "error_norm": "max abs final-state difference from the reference",
              "reference": "solve_ivp DOP853 rtol=atol=1e-13",
              "reference_vs_rk4_dt_over_8": err(check), "runs": {}}
    for method, dt in IVP_CONFIGS:
        run = lambda T=T: simulate(net, T, dt=dt, y0=y0, method=method,  # noqa: E731
                                   record_every=T)
        tr = run()
        sim_err = err(tr.final)
        chosen = None
        for rtol in rtols:
            if rtol not in errors:
                sol = ivp(rtol)
                errors[rtol] = (err(sol.y[:, -1]) if sol.success else float("inf"),
                                int(sol.nfev))
            if errors[rtol][0] <= sim_err:
                chosen = rtol
                break
        row = {"method": method, "dt": dt, "error": sim_err, "steps": tr.steps,
               "rk45_rtol": chosen, "rk45_atol": chosen and chosen * 1e-2,
               "rk45_error": chosen and errors[chosen][0],
               "rk45_nfev": chosen and errors[chosen][1]}
        if chosen is None:
            row.update(seconds=timed(run, number=1, repeat=repeat), rk45_seconds=None,
                       speedup=None, long_speedup=None)
        else:
            t_sim, t_ivp = timed_pair(run, lambda: ivp(chosen), number=1, repeat=repeat)
            l_sim, l_ivp = timed_pair(lambda: run(long_T), lambda: ivp(chosen, long_T),
                                      number=1, repeat=max(2, repeat - 2))
            row.update(seconds=t_sim, rk45_seconds=t_ivp, speedup=t_ivp[STAT] / t_sim[STAT],
                       long_seconds=l_sim, long_rk45_seconds=l_ivp,
                       long_speedup=l_ivp[STAT] / l_sim[STAT])
        result["runs"][f"{method} dt={dt:g}"] = row
        print(f"  solve_ivp N={N} {method} dt={dt:g}: error {sim_err:.1e}, rtol {chosen}, "
              f"speed-up {row['speedup']}, long run {row['long_speedup']}", file=sys.stderr)
    result["rk45_scan"] = [{"rtol": r, "error": e, "nfev": n} for r, (e, n) in errors.items()]
    return result


# ------------------------------------------------------------------------ main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="write every number as JSON to this file")
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = ap.parse_args(argv)

    info = machine_info()
    start = time.perf_counter()
    print(f"simulator benchmark: {info['cpu']}, {info['nproc']} cores, numpy {info['numpy']}, "
          f"BLAS threads {info['blas_threads']}", file=sys.stderr)
    Ns = (500, 1000, 2000)
    other = OtherWork()
    with other.section("rhs_and_steps"):
        single = bench_rhs_and_steps(Ns, args.quick)
    with other.section("batch"):
        batch = bench_batch((1000, 2000), 32, args.quick)
    ivp = {}
    for N in (500, 1000):
        with other.section(f"solve_ivp_N{N}"):
            ivp[N] = bench_solve_ivp(N, 10.0, args.quick)
    info["other_cpu_use_during"] = other.sections
    elapsed = time.perf_counter() - start
    info["load_average_at_end"] = os.getloadavg()
    info["other_cpu_use_at_end"] = other_cpu_use()

    rows = []
    for N in Ns:
        rows.append((f"rk4 steps/s, N={N}", f"{single[N]['rk4']['steps_per_s']:.1f}", "-", ""))
    for N in Ns:
        v = single[N]["rhs_ratio_generated"]
        rows.append((f"RHS ratio 3 matvecs / generated RHS, N={N}", f"{v:.3f}",
                     f">= {TARGETS['rhs_ratio']}", verdict(v, TARGETS["rhs_ratio"])))
    for N in Ns:
        rows.append((f"  (context) ceiling: 3 matvecs / (its 2 products + tanh + 2 exp), N={N}",
                     f"{single[N]['rhs_ratio_ceiling']:.3f}", "-", ""))
    for N in Ns:
        rows.append((f"  (context) 3 matvecs / hand numpy RHS, N={N}",
                     f"{single[N]['rhs_ratio_hand']:.3f}", "-", ""))
    for N in (1000, 2000):
        v = batch[N]["speedup"]
        tgt = TARGETS["batch_speedup"] if N == 2000 else None
        rows.append((f"batch-32 per-trial / single steps/s, N={N}", f"{v:.2f}x",
                     f">= {tgt}x" if tgt else "-", verdict(v, tgt) if tgt else ""))
    for N, res in ivp.items():
        for i, row in enumerate(res["runs"].values()):
            primary = i == 0
            label = (f"{'' if primary else '  (context) '}speed-up vs solve_ivp RK45, "
                     f"{row['method']} dt={row['dt']:g}, N={N}")
            tgt = f">= {TARGETS['solve_ivp_speedup']}x" if primary else "-"
            if row["speedup"] is None:
                rows.append((label, "n/a (no rtol matched)", tgt, "BELOW" if primary else ""))
                continue
            v = row["speedup"]
            rows.append((label, f"{v:.2f}x (T={res['long_T']:g}: {row['long_speedup']:.2f}x)",
                         tgt, verdict(v, TARGETS["solve_ivp_speedup"]) if primary else ""))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("measurement", "measured", "target", "")
    w = [max(a, len(b)) for a, b in zip(w, head)]
    fmt = f"{{:<{w[0]}}}  {{:>{w[1]}}}  {{:>{w[2]}}}  {{}}"
    print(f"\nSimulator benchmark ({MODEL}, defaults; rk4 dt={DT}) on {info['nproc']} cores, "
          f"{info['date']}")
    print(fmt.format(*head))
    print("-" * (sum(w) + 8))
    for r in rows:
        print(fmt.format(*r))
    print("\nmatched accuracy (T=10 on the attractor; max abs final-state error):")
    for N, res in ivp.items():
        for row in res["runs"].values():
            rk45 = ("no rtol matched" if row["rk45_rtol"] is None else
                    f"RK45 rtol {row['rk45_rtol']:.1e} error {row['rk45_error']:.1e} "
                    f"({row['rk45_nfev']} RHS calls)")
            print(f"  N={N} {row['method']} dt={row['dt']:g}: error {row['error']:.1e} "
                  f"({row['steps']} steps); {rk45}")
        print(f"  N={N} reference ({res['reference']}) vs rk4 dt={DT / 8:g}: "
              f"{res['reference_vs_rk4_dt_over_8']:.1e}")
    print(f"total benchmark time {elapsed:.0f} s")
    during = {k: v for k, v in other.sections.items() if v is not None}
    if during:
        print("other processes' share of the cores during each part: "
              + ", ".join(f"{k} {100 * v:.0f}%" for k, v in during.items()))
    busy = [b for b in (info["other_cpu_use_at_start"], info["other_cpu_use_at_end"],
                        *during.values()) if b is not None]
    if busy and max(busy) > 0.05:
        print(f"WARNING: other work used up to {100 * max(busy):.0f}% of the cores during this "
              "run; BLAS threads competing for the cores make the timings (the RHS ratios "
              "above all) unreliable. Rerun on an idle machine.")

    if args.out:
        doc = {"benchmark": "simulator", "model": MODEL, "params": "defaults", "dt": DT,
               "quick": args.quick, "machine": info, "targets": TARGETS,
               "single": {str(k): v for k, v in single.items()},
               "batch": {str(k): v for k, v in batch.items()},
               "solve_ivp": {str(k): v for k, v in ivp.items()}, "elapsed_s": elapsed,
               "table": [dict(zip(("measurement", "measured", "target", "verdict"), r))
                         for r in rows]}
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
