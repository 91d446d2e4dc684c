"""DMFT benchmarks (issue 4): Gaussian case on 4096 lags; sampled case to 1 % in C_h(0);
Lyapunov QR (k = 1) cost relative to the plain simulation of the same network.

Run on an idle machine: ``python benchmarks/bench_dmft.py --out report/bench-dmft.json``.
"""

from __future__ import annotations

import argparse
import time

from meanfield.solve.dmft import dmft

from _report import emit  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from bench_lyapunov import lyapunov_ratio  # noqa: E402  (idem)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    res = {}
    # Gaussian case, 4096 lags (dtau = 0.05, tau_max = 204.75), with and without lambda_max;
    # one call first, so that generating and loading the code is not timed (best of 3)
    kw = dict(g_h=4.0, alpha_z=0.0, alpha_r=5.0, dtau=0.05, tau_max=4095 * 0.05)
    r, t = timed(lambda: dmft("gated", lyapunov=False, **kw))
    res["gaussian_4096_lags_first_call_s"] = t
    res["gaussian_4096_lags_s"] = min(timed(lambda: dmft("gated", lyapunov=False, **kw))[1]
                                      for _ in range(3))
    res["gaussian_4096_lags_iterations"] = r.iterations
    res["gaussian_4096_lags_with_lyapunov_s"] = timed(lambda: dmft("gated", **kw))[1]
    # sampled case: alpha_z = 5, 16000 trajectories (4 replicas), without lambda_max: the
    # target is C_h(0) to 1 % (the relative SEM over the replicas is reported)
    r, t = timed(lambda: dmft("gated", g_h=4.0, alpha_z=5.0, alpha_r=5.0, tau_max=60.0,
                              T=240.0, samples=16000, lyapunov=False))
    res["sampled_16000_s"] = t
    res["sampled_relative_error"] = r.stat_error / r.delta_0
    # Lyapunov QR (k = 1) against the plain RK4 simulation of the same network and time
    # (gated, N = 1000, g_h = 3; best of 3 each: benchmarks/bench_lyapunov.py)
    res["lyapunov_k1_over_simulation"] = lyapunov_ratio(3)["lyapunov_k1_over_simulation"]
    emit(res, args.out)


if __name__ == "__main__":
    main()
