"""Lyapunov QR benchmark (issue 4): cost of the leading exponent (k = 1) relative to
the plain RK4 simulation of the same network over the same time (target under 2.5x).

Both are timed best of ``repeats`` in one process, so the ratio holds on a busy machine:
``python benchmarks/bench_lyapunov.py [--out report/bench-lyapunov.json]``.
"""

from __future__ import annotations

import argparse
import time

from validation.integrate import simulate
from validation.measure import lyapunov_spectrum
from validation.network import Network


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def lyapunov_ratio(repeats: int = 3) -> dict:
    """Seconds of ``lyapunov_spectrum(net, 1, T=50, transient=50)`` and of ``simulate(net,
    100)`` on the gated network N = 1000, g_h = 3 (dt = 0.05), best of ``repeats``."""
    net = Network("gated", 1000, seed=0, g_h=3.0)
    t_sim = best_of(lambda: simulate(net, 100.0, dt=0.05, record_every=100.0), repeats)
    t_qr = best_of(lambda: lyapunov_spectrum(net, 1, T=50.0, transient=50.0, dt=0.05), repeats)
    return {"simulation_s": t_sim, "lyapunov_k1_s": t_qr,
            "lyapunov_k1_over_simulation": t_qr / t_sim}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from _report import emit  # benchmarks/ is on sys.path when run as a script

    emit(lyapunov_ratio(args.repeats), args.out)


if __name__ == "__main__":
    main()
