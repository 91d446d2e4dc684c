"""Benchmark: stability map of a 200 x 200 grid in (g_h, alpha_r), generated solver vs naive.

The naive baseline is what one writes without the package: per parameter point,
``sympy.lambdify`` of the derived (unsimplified) expressions, every Gaussian
average by ``scipy.integrate.quad``, fixed points by a scan over q_1 plus
``brentq``, stability rho(M(0)) at each root. It is run on a random subsample of
the grid (side by side, same process) and its per-point cost extrapolated; the
two solvers' regions are compared on that subsample.

Run: ``make bench`` (or ``python benchmarks/bench_theory.py --out FILE``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import date

import numpy as np
import sympy as sp
from scipy.integrate import quad
from scipy.optimize import brentq

import meanfield as mf
from meanfield.derive.gaussian import GaussianExpectation
from meanfield.solve.grid import stability_map

from _report import emit  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def naive_point_solver(model):
    fp = mf.fixed_point_theory(model)
    spt = mf.spectral_theory(model)
    S = model.symbols
    params = [S[n] for n in model.parameter_names]
    qs = list(fp.variances)

    def compile_expr(expr):
        nodes = list(expr.atoms(GaussianExpectation))
        placeholders = sp.symbols(f"_E0:{len(nodes)}")
        outer = sp.lambdify(placeholders + tuple(qs) + tuple(params),
                            expr.xreplace(dict(zip(nodes, placeholders))), "numpy")
        inner = []
        for n in nodes:
            (x,), (v,) = n.variables, n.variances
            integrand = n.integrand.replace(
                lambda e: isinstance(e, mf.sigmoid),
                lambda e: (1 + sp.tanh(e.args[0] / 2)) / 2)  # overflow-free, plain math
            f = sp.lambdify((x,) + tuple(params), integrand, "math")
            vf = sp.lambdify(tuple(qs), v, "math")
            inner.append((f, vf))

        def value(qv, pv):
            Es = []
            for f, vf in inner:
                var = vf(*qv)
                s = np.sqrt(var)
                Es.append(quad(lambda u: f(s * u, *pv) * np.exp(-u * u / 2) / np.sqrt(2 * np.pi),
                               -12, 12, limit=200)[0] if var > 0 else f(0.0, *pv))
            return outer(*Es, *qv, *pv)
        return value

    vmap = [compile_expr(e) for e in fp.variance_map]
    lam = [s for s in spt.profile[next(iter(spt.profile))].free_symbols if s.name == "lam"]
    prof = {k: compile_expr(e.subs(lam[0], 0) if lam else e) for k, e in spt.profile.items()}
    m = len(qs)

    def solve(pv):
        def rest(q1):
            q = [q1] + [0.5] * (m - 1)
            for f in range(1, m):
                q[f] = vmap[f](q, pv)
            return q

        def R(q1):
            return vmap[0](rest(q1), pv) - q1

        grid = np.geomspace(1e-8, 1.0, 32)
        vals = [R(q) for q in grid]
        roots = [brentq(R, grid[i], grid[i + 1]) for i in range(31) if vals[i] * vals[i + 1] < 0]
        stable = 0
        for r in roots:
            M = np.zeros((m, m))
            for (i, j), f in prof.items():
                M[i, j] = f(rest(r), pv)
            stable += max(abs(np.linalg.eigvals(M))) < 1
        return len(roots), stable
    return solve


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None)
    ap.add_argument("--grid", type=int, default=200)
    ap.add_argument("--sample", type=int, default=12)
    args = ap.parse_args(argv)
    model = mf.get_model("gated")
    axes = {"g_h": np.linspace(1, 3, args.grid), "alpha_r": np.linspace(0, 30, args.grid)}
    stability_map(model, axes={"g_h": axes["g_h"][:2], "alpha_r": axes["alpha_r"][:2]})  # warm
    t0 = time.perf_counter()
    smap = stability_map(model, axes=axes)
    t_gen = time.perf_counter() - t0
    # the same on one thread (the default spreads tiles over every core)
    t0 = time.perf_counter()
    stability_map(model, axes=axes, workers=1)
    t_one = time.perf_counter() - t0

    solve = naive_point_solver(model)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, args.grid, size=(args.sample, 2))
    t0 = time.perf_counter()
    agree = 0
    for i, j in idx:
        p = model.resolve(g_h=axes["g_h"][i], alpha_r=axes["alpha_r"][j])
        n, st = solve([p[k] for k in model.parameter_names])
        agree += (n == smap.n_nonzero[i, j]) and (st == smap.n_stable_nonzero[i, j])
    t_naive_point = (time.perf_counter() - t0) / args.sample
    t_naive = t_naive_point * args.grid ** 2
    res = {
        "benchmark": "stability map (g_h, alpha_r)", "grid": [args.grid, args.grid],
        "generated_seconds": round(t_gen, 2), "cores": len(os.sched_getaffinity(0)),
        "generated_seconds_one_thread": round(t_one, 2), "quadrature_nodes": smap.nodes,
        "naive_seconds_per_point": round(t_naive_point, 4),
        "naive_seconds_extrapolated": round(t_naive, 1), "speedup": round(t_naive / t_gen, 1),
        "naive_sample_points": args.sample, "naive_agrees_on": int(agree),
        "targets": {"speedup": ">= 20", "generated_seconds": "< 5"},
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": date.today().isoformat(),
    }
    emit(res, args.out)


if __name__ == "__main__":
    main()
