"""Peak memory of the simulator and of the Lyapunov spectrum (issue 7).

Two measurements, each in a fresh subprocess so that one does not inherit the other's
peak:

1. ``simulate``: a gated network of N = 5000 units (three 5000 x 5000 coupling
   matrices, 0.56 GiB) integrated for a short time T. Target: peak resident memory
   below 2 GiB.
2. ``lyapunov``: ``lyapunov_spectrum`` of N = 1000 with k exponents for a time T and
   for 4T. It keeps only the state, the k tangent vectors and the local exponents (k
   numbers per renormalisation interval), never the trajectory: its peak must not grow
   with T (beyond the 8 k bytes per interval of the local exponents).

Each child reports ``ru_maxrss`` (peak resident set of the whole process: interpreter,
numpy, SymPy and the package included) and the peak of ``tracemalloc`` (Python and
numpy allocations made during the measured call, i.e. the arrays themselves). A table
goes to stdout and everything, with machine information, to ``--out`` (JSON).

    .venv/bin/python benchmarks/bench_memory.py --out report/bench-memory.json
    .venv/bin/python benchmarks/bench_memory.py --quick   # N = 2000 and 400, short T
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

GIB = 2.0 ** 30
TARGET_SIMULATE_GIB = 2.0


def _child(kind: str, N: int, T: float, k: int) -> dict:
    """Run one measurement in this process and return its numbers."""
    import tracemalloc

    from validation import Network, simulate
    from validation.measure import lyapunov_spectrum

    tracemalloc.start()
    t0 = time.perf_counter()
    net = Network("gated", N, seed=0, g_h=3.0)
    if kind == "simulate":
        tr = simulate(net, T, dt=0.05, record_every=1.0)
        extra = {"records": int(tr.y.shape[0])}
    else:
        r = lyapunov_spectrum(net, k, T=T, transient=0.0, dt=0.1, renorm_every=1.0)
        extra = {"lyapunov_max": float(r.exponents[0]), "intervals": int(r.local.shape[0])}
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"kind": kind, "N": N, "T": T, "k": k, "seconds": round(seconds, 2),
            "maxrss_gib": maxrss_kib * 1024 / GIB, "traced_peak_gib": traced_peak / GIB,
            "couplings_gib": 3 * 8 * N * N / GIB, **extra}


def measure(kind: str, N: int, T: float, k: int = 0) -> dict:
    """One measurement in a fresh subprocess (its own peak resident set)."""
    cmd = [sys.executable, __file__, "--child", kind, "--N", str(N), "--T", str(T),
           "--k", str(k)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(quick: bool = False) -> dict:
    N_sim, T_sim = (2000, 1.0) if quick else (5000, 2.0)
    N_lya, T_lya, k = (400, 5.0, 5) if quick else (1000, 10.0, 5)
    sim = measure("simulate", N_sim, T_sim)
    short = measure("lyapunov", N_lya, T_lya, k)
    long = measure("lyapunov", N_lya, 4 * T_lya, k)
    growth = long["traced_peak_gib"] - short["traced_peak_gib"]
    local_bytes = 8 * k * (long["intervals"] - short["intervals"]) / GIB
    return {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")},
        "simulate": sim, "lyapunov_T": short, "lyapunov_4T": long,
        "checks": {
            f"simulate N={N_sim}: peak resident < {TARGET_SIMULATE_GIB} GiB":
                sim["maxrss_gib"] < TARGET_SIMULATE_GIB,
            # the trajectory of 4T would be (4T/dt) * 3N doubles: far above this slack
            "lyapunov: traced peak at 4T - at T <= local exponents + 1 MiB":
                growth <= local_bytes + 2.0 ** -10,
        },
        "lyapunov_peak_growth_gib": growth,
        "trajectory_4T_would_be_gib": (4 * T_lya / 0.1) * 3 * N_lya * 8 / GIB,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="write the JSON result here")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    ap.add_argument("--child", choices=["simulate", "lyapunov"], help=argparse.SUPPRESS)
    ap.add_argument("--N", type=int, default=5000, help=argparse.SUPPRESS)
    ap.add_argument("--T", type=float, default=2.0, help=argparse.SUPPRESS)
    ap.add_argument("--k", type=int, default=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.N, args.T, args.k)))
        return 0
    res = run(args.quick)
    for key in ("simulate", "lyapunov_T", "lyapunov_4T"):
        r = res[key]
        print(f"{key:<12} N={r['N']:<5} T={r['T']:<5g} peak RSS {r['maxrss_gib']:.3f} GiB, "
              f"traced peak {r['traced_peak_gib']:.3f} GiB, {r['seconds']:.1f} s")
    for name, ok in res["checks"].items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(res, fh, indent=1)
    return 0 if all(res["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
