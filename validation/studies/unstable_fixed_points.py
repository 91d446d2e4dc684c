"""Study 5: non-zero unstable fixed points below g_h s_r(0) = 1 at a steep output gate.

Prediction (spec sections 2 and 6): at g_h = 1.8 (g_h s_r(0) = 0.9, the zero fixed
point is stable) the static theory has two non-zero branches once alpha_r is past the
saddle-node line (alpha_r = 10: Delta_h = 0.0072 and 0.049), both unstable
(rho(M(0)) > 1); below the line (alpha_r = 6) and in the additive network
(alpha_r = 0) the zero fixed point is the only one.

Measurement: a finite network has these fixed points as unstable saddles, which
simulation never reaches and plain Newton from random starts rarely converges to.
Levenberg–Marquardt on the full flow (scipy ``least_squares(method="lm")`` with the
generated Jacobian) does: from starts with h Gaussian of variance log-uniform in
[Delta_lower / 2, 2 Delta_upper] (r, z set to their fields), every root with rms
flow < 1e-10 and Delta_h > 1e-6 is kept, de-duplicated by distance, and classified
by the eigenvalues of the dense 3N x 3N Jacobian. The same starts are used at the
control points.

Verdicts: (1) at alpha_r = 10 non-zero fixed points are found, and at the control
points none with the same starts (counts, no tolerance: both directions can fail; a
network of N = 150 has only a few, so not every seed yields one);
(2) the fixed points found at alpha_r = 10 are unstable (fraction with an eigenvalue
of positive real part; tolerance: at most one stable one in ten, since at N = 150 a
fixed point's edge fluctuates by about N^-1/2 = 8 per cent of the bulk radius and a
few with large variance, where rho(M(0)) approaches 1, can come out stable);
(3) the variances of the Levenberg-Marquardt roots are recorded and drawn against the
branches, but not given a verdict (they reflect the search, see below): at the sizes
where this search is affordable (N = 100-200) the fixed points found spread over more
than a decade of Delta_h (0.0004 to 0.1 at N = 100), with many close to zero that
bifurcate from the finite-N real eigenvalues of g_h s_r(0) Jh near 1.
Continuation does not rescue it (tried: pseudo-arclength in beta_h on the reduced
equation h = Jh (s_r(Jr phi) phi) with its exact N x N Jacobian, N = 300 and 1000,
seed 0). Started at the zero fixed point, the network's low branch lies 14-22 per cent
above the theory's (|beta_h| = 0.005-0.02, N = 1000) and folds at |beta_h| = 0.08-0.18
where the theory's saddle-node is at 0.027; started at the stable fixed point of
|beta_h| = 1.5, the path follows the upper branch until it turns unstable (|beta_h| ~ 1)
and then folds back and forth (each real Jacobian eigenvalue crossing 0 is a fold),
snaking around the branch without reaching beta_h = 0 (N = 300: 200 steps, closest
|beta_h| = 0.09; N = 1000: it folded at |beta_h| = 0.75 and came back to its start).
The finite networks' unstable fixed points are many, and their variances scatter around
the branches rather than sitting on them at these sizes.

Variances, the verdict (rows 5-7). The Kac-Rice profile explains the scatter: the
complexity of fixed points with a given variance, Sigma(Delta_h)
(:func:`meanfield.solve.complexity.complexity_profile`), is positive over a band of
variances (alpha_r = 10: Delta_h in about [0.003, 0.15]; alpha_r = 20: [0.0008, 0.21]), so
a finite network has fixed points at every variance in the band, and a root finder
returns those its starts lead to (Levenberg-Marquardt at N = 150, alpha_r = 20 found
only Delta_h = 0.0007-0.007 from starts spread over 0.002-0.3). Their number at variance
q grows as exp(N Sigma(q)), so the variances concentrate, as N grows, at the maximiser
q* of Sigma (alpha_r = 10: q* = 0.051, within 4 per cent of the upper branch 0.049;
alpha_r = 20: q* = 0.056, below the upper branch 0.083: the mean-field branches are the
untilted saddle points, not the most numerous fixed points). A search-unbiased sample is
a complete count (:func:`~validation.measure.count_fixed_points.count_fixed_points`, as in
the fixed_point_counts study) at alpha_r = 20, where Sigma = 0.059 is large enough for
small networks: N = 16, 24, 32, 40 with 20 coupling seeds (quick: 12, 16, 20 with 8).
Rows: (5) the fraction of counted fixed points at the largest N whose variance has
Sigma(Delta_h) >= -1/N (fewer than e^-1 per network times an O(1) prefactor outside:
at most one in ten); (6) the median variance moves towards q* from the smallest to the
largest N by more than 2 SE (bootstrap over networks; the quick sizes cannot resolve it
and pass unless it moves away); (7) the median at the largest N against q*, tolerance
2 SE plus the median's change from the previous N (finite-size drift). Full run
(2026-11-26, 1519 s with other jobs on the machine): medians 0.0147, 0.0230, 0.0479,
0.0572 (bootstrap SE 0.007, 0.006, 0.012, 0.018) at N = 16, 24, 32, 40 against
q* = 0.0558; 98 per cent of the 171 fixed points counted at N = 40 have
Sigma(Delta_h) >= -1/N; the Levenberg-Marquardt search at alpha_r = 10, N = 150 found 2
(Delta_h = 0.002, 0.003), both unstable. PASS 7/7.
"""


from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import NullFormatter
from scipy.optimize import least_squares

from meanfield import fixed_point_branches
from meanfield.solve.complexity import complexity, complexity_profile

from ..compare import Comparison, StudyResult
from ..measure.count_fixed_points import count_fixed_points
from ..network import Network
from ._common import plt, save_figure

G_H = 1.8
ALPHA_R = 10.0
CONTROLS = (0.0, 6.0)
#: the variance comparison: complete counts where Sigma is large enough to be resolved
VARIANCE_CASE = dict(g_h=1.8, alpha_r=20.0, alpha_z=0.0)


def counted_variances(Ns, seeds, params=VARIANCE_CASE):
    """Delta_h of every non-zero fixed point in complete counts: {N: [per-seed lists]}."""
    out = {}
    for N in Ns:
        out[N] = []
        for seed in range(seeds):
            c = count_fixed_points(Network("gated", N, seed=seed, **params), seed=seed)
            d = np.mean(c.states[:, 0] ** 2, axis=-1)
            out[N].append([float(x) for x in d if x > 1e-12])
    return out


def _pooled(per_seed) -> np.ndarray:
    """The variances of all networks in one array (empty if none has a fixed point)."""
    return np.concatenate([np.asarray(v, dtype=float) for v in per_seed if v] or [np.zeros(0)])


def _median_and_se(per_seed, n_boot=400, seed=0):
    """Median of the pooled variances and its bootstrap SE over networks."""
    rng = np.random.default_rng(seed)
    pooled = _pooled(per_seed)
    if pooled.size == 0:
        return float("nan"), float("nan")
    boots = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(per_seed), len(per_seed))
        b = _pooled([per_seed[i] for i in pick])
        if b.size:
            boots.append(np.median(b))
    return float(np.median(pooled)), float(np.std(boots))


def variance_rows(counted: dict, quick: bool):
    """Rows comparing counted fixed-point variances with the Kac-Rice profile."""
    params = dict(VARIANCE_CASE)
    q_grid = np.geomspace(1e-4, 0.6, 24 if quick else 40)
    prof = complexity_profile("gated", variances=q_grid, nodes=121, throw=False, **params)
    ok = prof.converged
    sig = lambda q: np.interp(np.log(q), np.log(q_grid[ok]), prof.sigma[ok])  # noqa: E731
    c = complexity("gated", **params)
    q_star = c.field_variance["h"]
    mf = sorted(b.variance["h"] for b in fixed_point_branches("gated", **params)
                if b.variance["h"] > 0)
    Ns = sorted(counted)
    n_max = Ns[-1]
    pooled = _pooled(counted[n_max])
    band_note = (f"profile converged at {int(ok.sum())}/{len(q_grid)} grid points; "
                 "band Sigma > 0: Delta_h in [{:.3g}, {:.3g}]".format(*prof.band()))
    rows = []
    inside = float(np.mean(sig(pooled) >= -1.0 / n_max)) if pooled.size else float("nan")
    rows.append(Comparison(
        "unstable_fixed_points", f"fraction of counted FPs (N={n_max}) with Sigma(Delta_h) "
        f">= -1/N", {**params, "N": n_max}, 1.0, inside, 0.0, 0.1,
        "a variance where Sigma < -1/N carries fewer than e^-1 fixed points per network times "
        "the (unknown, O(1)) Kac-Rice prefactor: at most one in ten there; " + band_note,
        extra={"Delta_h": pooled.tolist(), "profile_q": q_grid.tolist(),
               "profile_sigma": prof.sigma.tolist()}))
    meds = {N: _median_and_se(counted[N]) for N in Ns}
    (m_lo, e_lo), (m_hi, e_hi) = meds[Ns[0]], meds[n_max]
    step = meds[Ns[-2]][0] if len(Ns) > 1 else m_lo
    drift = abs(m_hi - step)
    # towards q*: +1 when the median moved towards q* by more than 2 SE, -1 away, else 0
    moved = m_hi - m_lo
    se_moved = float(np.hypot(e_lo, e_hi))
    toward = float(np.sign(moved) * np.sign(q_star - m_lo)) if abs(moved) > 2 * se_moved else 0.0
    rows.append(Comparison(
        "unstable_fixed_points", f"median Delta_h moves towards q* (N={Ns[0]} -> {n_max})",
        {**params, "N": f"{Ns[0]}..{n_max}"}, 1.0, toward, se_moved,
        1.0 if quick else 0.0,
        ("the quick sizes do not resolve the drift: passes unless it goes away from q*"
         if quick else "concentration of the counted variances at the Kac-Rice maximiser "
         "q* as N grows: +1 needs a move of more than 2 SE (bootstrap over networks) "
         "towards it"),
        extra={"medians": {str(N): meds[N][0] for N in Ns},
               "median_se": {str(N): meds[N][1] for N in Ns}, "q_star": q_star}))
    rows.append(Comparison(
        "unstable_fixed_points", f"median Delta_h of counted FPs at N={n_max} vs Kac-Rice q*",
        {**params, "N": n_max}, q_star, m_hi, e_hi, 2 * e_hi + drift,
        f"2 SE (bootstrap over networks) + finite-size drift of the median from N={Ns[-2]} "
        f"({drift:.3g}); the mean-field branches are {', '.join(f'{x:.3g}' for x in mf)} "
        f"(untilted laws; the upper one is {abs(m_hi - mf[-1]) / max(e_hi, 1e-12):.1f} SE from the "
        "median, not resolved from q* at this N); the counted variances concentrate at "
        "the maximiser of Sigma(q)",
        extra={"mean_field_branches": mf}))
    return rows, prof, meds, q_star, mf


def find_nonzero_fixed_points(net: Network, *, starts: int, variance_range, seed: int,
                              max_nfev: int = 200, tol: float = 1e-10):
    """Non-zero fixed points of ``net`` by Levenberg–Marquardt from random starts.

    Returns a list of ``(state, n_unstable)``: distinct roots (rms flow below ``tol``,
    mean h^2 above 1e-6) and their number of Jacobian eigenvalues with Re > 0.
    """
    rng = np.random.default_rng([seed, 0xF1])
    shape = (net.n_vars, net.N)
    lo, hi = np.log(variance_range[0]), np.log(variance_range[1])
    found = []

    def fun(x):
        return net.velocity(x.reshape(shape)).ravel()

    def jac(x):
        return net.linearise(x.reshape(shape)).dense()

    for _ in range(starts):
        h = rng.standard_normal(net.N) * np.sqrt(np.exp(rng.uniform(lo, hi)))
        y = np.zeros(shape)
        y[0] = h
        fields = net.fields(y)
        y[1:] = fields[1:]  # the gate variables at their fixed-point values given h
        sol = least_squares(fun, y.ravel(), jac=jac, method="lm", xtol=1e-15, ftol=1e-15,
                            gtol=1e-15, max_nfev=max_nfev)
        x = sol.x.reshape(shape)
        if not np.all(np.isfinite(x)):
            continue
        if np.sqrt(np.mean(fun(sol.x) ** 2)) >= tol or np.mean(x[0] ** 2) <= 1e-6:
            continue
        if any(np.sqrt(np.mean((x - f) ** 2)) < 1e-6 for f, _ in found):
            continue
        ev = np.linalg.eigvals(net.linearise(x).dense())
        found.append((x, int(np.sum(ev.real > 1e-9))))
    return found


def run(out: Path, *, quick: bool = False) -> StudyResult:
    N, seeds, starts = (100, 3, 10) if quick else (150, 4, 12)
    theory = fixed_point_branches("gated", g_h=G_H, alpha_r=ALPHA_R)
    nonzero = sorted(b.variance["h"] for b in theory if b.variance["h"] > 0)
    if len(nonzero) != 2 or any(b.stable for b in theory if b.variance["h"] > 0):
        raise RuntimeError(f"study expects two unstable non-zero branches, theory gives {theory}")
    for a in CONTROLS:
        if any(b.variance["h"] > 0 for b in fixed_point_branches("gated", g_h=G_H, alpha_r=a)):
            raise RuntimeError(f"control alpha_r={a} is expected to have no non-zero branch")
    vrange = (nonzero[0] / 2, 2 * nonzero[1])
    counts, variances = {}, {}
    for a in (ALPHA_R, *CONTROLS):
        counts[a], variances[a] = [], []
        for seed in range(seeds):
            net = Network("gated", N, seed=seed, g_h=G_H, alpha_r=a)
            fps = find_nonzero_fixed_points(net, starts=starts, variance_range=vrange,
                                            seed=seed)
            counts[a].append(len(fps))
            variances[a] += [(float(np.mean(x[0] ** 2)), float(np.mean(x[2] ** 2)), n)
                             for x, n in fps]
    params = dict(g_h=G_H, alpha_r=ALPHA_R, N=N, seeds=seeds, starts=starts)
    Ns_var, seeds_var = ((12, 16, 20), 8) if quick else ((16, 24, 32, 40), 20)
    counted = counted_variances(Ns_var, seeds_var)
    var_rows, prof, meds, q_star, mf = variance_rows(counted, quick)
    rows = []
    any_found = float(sum(counts[ALPHA_R]) > 0)
    rows.append(Comparison("unstable_fixed_points", "non-zero FPs found (1 = yes)",
                           params, 1.0, any_found, 0.0, 0.0,
                           "existence, counted exactly", extra={"per_seed": counts[ALPHA_R]}))
    for a in CONTROLS:
        sig_a = complexity("gated", g_h=G_H, alpha_r=a).sigma
        rows.append(Comparison("unstable_fixed_points",
                               f"non-zero FPs found (1 = yes), control alpha_r={a:g}",
                               {**params, "alpha_r": a}, 0.0, float(sum(counts[a]) > 0), 0.0,
                               0.0, "no mean-field branch: none may be found with the same "
                               f"starts (annealed Sigma = {sig_a:.2g}, N Sigma = "
                               f"{N * sig_a:.2g}: a Kac-Rice excess over one root is not "
                               "resolved at this N)" if sig_a > 0 else "no mean-field branch "
                               "and Sigma = 0: none may be found with the same starts",
                               extra={"per_seed": counts[a]}))
    found = variances[ALPHA_R]
    if found:
        unstable = float(np.mean([n > 0 for _, _, n in found]))
        rows.append(Comparison("unstable_fixed_points", "fraction of found FPs unstable",
                               params, 1.0, unstable, 0.0, 0.1,
                               f"edge fluctuation ~N^-1/2 at N={N}: at most 1 in 10 stable",
                               extra={"n_fixed_points": len(found),
                                      "Delta_h": [v for v, _, _ in found],
                                      "Delta_r": [v for _, v, _ in found],
                                      "n_unstable": [n for _, _, n in found],
                                      "theory_branches_Delta_h": nonzero}))
    rows += var_rows
    fig_name = "unstable_fixed_points.png"
    pl = plt()
    fig, (ax1, ax2, ax3) = pl.subplots(1, 3, figsize=(13.5, 3.8))
    if found:
        dh = np.array([v for v, _, _ in found])
        nu = np.array([n for _, _, n in found])
        bins = np.geomspace(max(dh.min() / 1.5, 1e-4), dh.max() * 1.5, 20)
        ax1.hist(dh, bins=bins, color="0.6", label=f"network FPs (N={N}, {seeds} seeds)")
        ax2.scatter(dh, nu, s=14, c="C0")
    for k, q in enumerate(nonzero):
        for ax in (ax1, ax2):
            ax.axvline(q, color="C3", ls="--", lw=1, label="theory branches" if k == 0 and
                       ax is ax1 else None)
    ax1.set_xscale("log")
    ax1.set_xlabel(r"$\Delta_h$ of a non-zero fixed point")
    ax1.set_ylabel("count")
    ax1.set_title(f"g_h={G_H}, alpha_r={ALPHA_R:g}: controls alpha_r="
                  + ", ".join(f"{a:g} ({sum(counts[a])} found)" for a in CONTROLS), fontsize=8)
    ax1.legend(fontsize=7)
    ax2.set_xscale("log")
    ax2.set_xlabel(r"$\Delta_h$")
    ax2.set_ylabel("unstable eigenvalues (Re > 0)")
    # counted variances (all fixed points of each network) against Sigma(Delta_h)
    bins = np.geomspace(1e-4, 0.6, 25)
    for k, N in enumerate(sorted(counted)):
        v = _pooled(counted[N])
        if v.size:
            ax3.hist(v, bins=bins, histtype="step", color=f"C{k}",
                     weights=np.full(v.size, 1.0 / v.size),
                     label=f"N={N}: median {meds[N][0]:.3g}")
    ax3.set_xscale("log")
    ax3.set_xlabel(r"$\Delta_h$ of counted fixed points (alpha_r=20)")
    ax3.set_ylabel("fraction per bin")
    tw = ax3.twinx()
    tw.plot(prof.variance, prof.sigma, "k-", lw=1, label=r"$\Sigma(\Delta_h)$")
    tw.axhline(0, color="k", lw=0.5)
    tw.set_ylabel(r"$\Sigma(\Delta_h)$")
    tw.set_ylim(-0.05, 0.08)
    ax3.axvline(q_star, color="k", ls=":", lw=1, label="Kac-Rice q*")
    for q in mf:
        ax3.axvline(q, color="C3", ls="--", lw=1)
    ax3.legend(fontsize=6, loc="upper left")
    for ax in (ax1, ax2, ax3):  # decade labels only (minor ones overlap on short ranges)
        ax.xaxis.set_minor_formatter(NullFormatter())
    save_figure(fig, out, fig_name)
    return StudyResult("unstable_fixed_points",
                       "non-zero unstable fixed points below g_h s_r(0)=1 at large alpha_r, "
                       "none without the saddle-node (spec sections 2, 6)",
                       f"Levenberg-Marquardt on the flow from {starts} starts per network, "
                       f"N={N}, {seeds} seeds; controls alpha_r={CONTROLS}",
                       tuple(rows), (fig_name,))
