"""Fixed-point counting benchmark (issue 5): distinct fixed points found per second at
N = 16 and the cost of a complete count, against a plain multi-start
``scipy.optimize.root`` (hybr, analytic Jacobian) from the same starts on the same networks.

Run on an idle machine: ``python benchmarks/bench_fixed_points.py --out report/bench-fp.json``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import root

from validation.measure import _batched_roots as br
from validation.measure.count_fixed_points import _starts, count_fixed_points
from validation.network import Network

from _report import emit  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

CASES = (("additive", dict(g_h=2.5)), ("gated", dict(g_h=3.0, alpha_r=10.0, alpha_z=0.0)))


def distinct(states, tol=1e-7):
    kept = []
    for x in states:
        if not any(np.max(np.abs(x - k)) < tol for k in kept):
            kept.append(x)
    return len(kept)


def scipy_multistart(net, Y0):
    """Roots from each start by scipy.optimize.root(hybr); same acceptance test."""
    shape = (net.n_vars, net.N)
    fun = lambda x: net.velocity(x.reshape(shape)).ravel()  # noqa: E731
    jac = lambda x: net.jacobian(x.reshape(shape))  # noqa: E731
    found = []
    for b in range(Y0.shape[2]):
        sol = root(fun, Y0[:, :, b].ravel(), jac=jac, method="hybr")
        y = sol.x.reshape(*shape, 1)
        if np.all(np.isfinite(y)) and br.rounding_ratio(net, y)[0] <= 8.0:
            found.append(sol.x)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=None)
    ap.add_argument("--N", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--starts", type=int, default=256)
    args = ap.parse_args()
    res = {"N": args.N, "seeds": args.seeds, "starts": args.starts}
    for model, params in CASES:
        t_ours = t_sp = n_ours = n_sp = 0.0
        t_complete, n_complete, starts_complete = [], [], []
        for s in range(args.seeds):
            net = Network(model, args.N, seed=s, **params)
            Y0 = _starts(net, np.random.default_rng(s), args.starts, (1e-3, 1.0),
                         np.empty((0, net.n_vars, net.N)))
            t = time.perf_counter()
            Y, r, _, _ = br.levenberg_marquardt(net, Y0)
            ok = br.rounding_ratio(net, Y) <= 8.0
            n_ours += distinct(Y.reshape(-1, Y.shape[2]).T[ok])
            t_ours += time.perf_counter() - t
            t = time.perf_counter()
            n_sp += distinct(scipy_multistart(net, Y0))
            t_sp += time.perf_counter() - t
            t = time.perf_counter()
            c = count_fixed_points(net, starts=64, seed=s)
            t_complete.append(time.perf_counter() - t)
            n_complete.append(c.count)
            starts_complete.append(c.total_starts[-1])
        key = model
        res[f"{key}_distinct_per_s"] = n_ours / t_ours
        res[f"{key}_scipy_root_distinct_per_s"] = n_sp / t_sp
        res[f"{key}_distinct_found"] = n_ours
        res[f"{key}_scipy_root_distinct_found"] = n_sp
        res[f"{key}_speedup_same_starts"] = t_sp / t_ours
        res[f"{key}_complete_count_s_mean"] = float(np.mean(t_complete))
        res[f"{key}_complete_count_starts_mean"] = float(np.mean(starts_complete))
        res[f"{key}_complete_counts"] = n_complete
    emit(res, args.out)


if __name__ == "__main__":
    main()
