"""Study 5: chaos onset lines from the DMFT against simulation sweeps (spec sections 4, 6).

Prediction: :func:`meanfield.solve.chaos_onset.chaos_onset` continues the chaotic DMFT
solution down in g_h (alpha_z = 0, beta = 0) at several alpha_r and gives the onset:
continuous at the zero fixed point's instability g_h = 2 for alpha_r = 0; with a jump
below it for a steep output gate (alpha_r = 20: the chaotic solution ends at a fold
near g_h = 1.76 while the zero fixed point is stable, g_h s_r(0) < 1, so chaos and a
stable fixed point coexist between the fold and g_h = 2).

Measurement: for each line and coupling seed one network (N = 800; 300 quick) is swept
down a grid of g_h, each point started from the last state of the previous one (the
first from a random state); at every point a second trial starts from a small random
perturbation (rms 1e-3) of the zero fixed point, the "up" branch (with beta_h = 0 the
fixed point is 0 at every g_h, so this is a sweep up from the fixed point). After a
transient the fluctuation variance F_sim = (1/N) sum_i Var_t h_i is measured; a trial
is *active* when F_sim > 1e-6 and the rms of h - <h>_t over the last quarter of the
window is at least half that over the first quarter (not decaying). The simulated onset
of the down sweep is the middle between the last active and the first inactive grid
point; its error combines half the grid spacing with the spread over coupling seeds.
Hysteresis: at points between the DMFT fold and g_h = 2 the down branch is active and the
up branch decays.

The chaotic branch and the jump: at the grid points on the DMFT branch where every down
sweep (both sizes) is active, F_sim against the DMFT fluctuation C_h(0) - C_h(inf) (relative
L2 over those points), and, for a discontinuous onset, at the lowest such point (the grid
point nearest above the fold): the jump, the finite fluctuation with which chaos appears.
The theory side is the DMFT's expectation of the measured estimator, a time variance over
a finite window, which lies well below C_h(0) when the correlation time is long.
Tolerance for these: 2 x (seed SEM (+) the finite-size shift F(N) - F(N/2), per point).

Tolerance: |onset_sim - onset_theory| <= 2 sqrt(e_grid^2 + e_seed^2 + e_N^2), with
e_grid half the grid spacing, e_seed the SEM over coupling seeds and e_N the measured
finite-size shift |onset(N) - onset(N/2)| (the same sweep at half the size): a finite
network's chaotic state is transient near the fold and fluctuates near a continuous
onset, and these are the errors that move the simulated onset.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from meanfield._files import replaced
from meanfield.solve.chaos_onset import chaos_onset
from meanfield.solve.dmft import dmft

from ..compare import Comparison, StudyResult, sem
from ..integrate import simulate
from ..network import Network
from ._common import plt, save_figure

# DMFT settings per line (coarse lag grids; the grid shift of the onset is (a dtau)^2/24
# relative, a = s_z(0) = 1/2: 0.5 % at dtau = 1, 0.05 % at dtau = 0.25)
_THEORY = {
    0.0: dict(tau_max=100.0, dtau=1.0, nodes=16, tol=1e-6, max_iter=2000),
    10.0: dict(tau_max=40.0, dtau=0.25, nodes=32, tol=1e-7, max_iter=800),
    20.0: dict(tau_max=40.0, dtau=0.25, nodes=32, tol=1e-7, max_iter=800),
}


def theory_line(alpha_r: float, g_top: float, min_step: float):
    """The DMFT onset and branch along g_h (from g_top down) at this alpha_r."""
    opts = _THEORY.get(alpha_r, _THEORY[20.0])
    return chaos_onset("gated", vary="g_h", start=g_top, stop=1.2, step=0.1,
                       min_step=min_step, alpha_z=0.0, alpha_r=alpha_r, lyapunov=False,
                       **opts)


def _measure(tr, n_last: int):
    """Fluctuation variance and whether it is sustained, per trial (batch axis last)."""
    h = tr["h"][-n_last:]                      # (times, N, B)
    dev = h - h.mean(axis=0)
    F = (dev ** 2).mean(axis=(0, 1))
    q = max(n_last // 4, 2)
    first = np.sqrt((dev[:q] ** 2).mean(axis=(0, 1)))
    last = np.sqrt((dev[-q:] ** 2).mean(axis=(0, 1)))
    active = (F > 1e-6) & (last >= 0.5 * first)
    return F, active


def sweep(alpha_r: float, grid: np.ndarray, N: int, seed: int, *, T: float,
          transient: float, dt: float = 0.1):
    """Down sweep (continued state) and up branch (from the fixed point) on ``grid``.

    Returns arrays F_down, active_down, F_up, active_up over the grid (descending).
    """
    n_last = int(round((T - transient) / 1.0))
    out = {k: [] for k in ("F_down", "active_down", "F_up", "active_up")}
    y_down = None
    rng = np.random.default_rng([seed, 7])
    for g in grid:
        net = Network("gated", N, seed=seed, g_h=float(g), alpha_z=0.0, alpha_r=alpha_r)
        if y_down is None:
            y_down = net.initial_state(seed)
        y_up = 1e-3 * rng.standard_normal(y_down.shape)
        y0 = np.stack([y_down, y_up], axis=-1)
        tr = simulate(net, T, y0=y0, dt=dt, record_every=1.0)
        F, active = _measure(tr, n_last)
        y_down = tr.final[..., 0]
        out["F_down"].append(F[0])
        out["active_down"].append(bool(active[0]))
        out["F_up"].append(F[1])
        out["active_up"].append(bool(active[1]))
    return {k: np.array(v) for k, v in out.items()}


def _onset(grid, active):
    """Middle between the last active point and the next (inactive) one, descending grid."""
    if not active[0]:
        return float("nan")
    idx = np.nonzero(~active)[0]
    if len(idx) == 0:
        return float("nan")
    i = idx[0]
    return 0.5 * (grid[i - 1] + grid[i])


def windowed_variance(tau, C_fluct, n: int, step: float) -> float:
    """Expected time variance of n samples ``step`` apart of a stationary process.

    ``C_fluct`` is the fluctuating part of its autocorrelation on the lags ``tau``. The
    sample variance about the sample mean has expectation C(0) - (1/n^2) sum_ij C(|i-j|):
    with a correlation time that is not short against the window (near a continuous onset
    it diverges) it lies well below C(0) = the DMFT's fluctuation (alpha_r = 0, g_h = 2.4:
    tau_corr = 36, C(0) = 0.042, over 75 samples 0.016).
    """
    lags = np.arange(n) * step
    C = np.interp(lags, tau, C_fluct, right=0.0)
    total = C[0] * n + 2.0 * np.sum((n - np.arange(1, n)) * C[1:])
    return float(C[0] - total / n ** 2)


def _theory_windowed(alpha_r: float, g: np.ndarray, n_last: int, step: float):
    """DMFT fluctuation C_h(0) - C_h(inf) and its windowed expectation at each g_h."""
    F, Fw = [], []
    for x in g:
        r = dmft("gated", g_h=float(x), alpha_z=0.0, alpha_r=alpha_r,
                 tau_max=4.0 * n_last * step, dtau=0.5 if alpha_r == 0 else 0.25)
        if not r.converged:
            raise RuntimeError(f"DMFT at g_h={x:g}, alpha_r={alpha_r:g} did not converge "
                               f"(residual {r.residual:.2g}): {r.message}")
        C = np.asarray(r.C["h"]) - r.delta_inf
        F.append(float(C[0]))
        Fw.append(windowed_variance(np.asarray(r.tau), C, n_last, step))
    return np.array(F), np.array(Fw)


def _branch_rows(th, alpha_r, grid, sweeps, half, params, N, n_last):
    """F on the chaotic branch and the jump at a discontinuous onset, against the DMFT.

    The network's F is a time variance over a finite window, so the theory side is the
    DMFT's expectation of that estimator (:func:`windowed_variance`), not C_h(0) itself.
    """
    xs = np.asarray(th.branch["value"], dtype=float)
    ok = np.isfinite(xs) & np.isfinite(np.asarray(th.branch["fluctuation"], dtype=float))
    if ok.sum() < 2:
        return []
    lo, hi = xs[ok].min(), xs[ok].max()
    Fd = np.array([s["F_down"] for s in sweeps])
    Fh = np.array([s["F_down"] for s in half])
    active = (np.array([s["active_down"] for s in sweeps]).all(0)
              & np.array([s["active_down"] for s in half]).all(0))
    on = (grid >= lo) & (grid <= hi) & active
    if not on.any():
        return []
    g = grid[on]
    F_th, theory = _theory_windowed(alpha_r, g, n_last, 1.0)
    sim = Fd[:, on].mean(0)
    e_seed = (Fd[:, on].std(0, ddof=1) / np.sqrt(len(sweeps)) if len(sweeps) > 1
              else np.zeros_like(sim))
    e_N = np.abs(sim - Fh[:, on].mean(0))
    err = np.sqrt(e_seed ** 2 + e_N ** 2)
    norm = float(np.linalg.norm(theory))
    why = (f"2 x (seed SEM (+) finite-size shift F(N={N}) - F(N={N // 2})) at each point; "
           f"theory: the DMFT's expected variance over the measured window ({n_last} "
           "samples), points where the DMFT branch exists and every down sweep is active")
    extra = {"g_h": g.tolist(), "F_dmft": F_th.tolist(), "F_theory_windowed": theory.tolist(),
             "F_sim": sim.tolist(), "F_sim_half_N": Fh[:, on].mean(0).tolist()}
    rows = [Comparison(
        "chaos_onset", f"fluctuation variance on the chaotic branch (relative L2 over "
        f"{len(g)} points, g_h in [{g.min():.3g}, {g.max():.3g}])", params, 0.0,
        float(np.linalg.norm(sim - theory)) / norm, float(np.linalg.norm(err)) / norm,
        2 * float(np.linalg.norm(err)) / norm, why, extra=extra)]
    if th.transition == "discontinuous":
        j = int(np.argmin(g))
        rows.append(Comparison(
            "chaos_onset", f"jump: fluctuation variance at the lowest chaotic grid point "
            f"g_h = {g[j]:.3g} (DMFT fold {th.last_chaotic:.4g}; there C_h(0) - C_h(inf) = "
            f"{th.jump:.3g}; at g_h = {g[j]:.3g}: {F_th[j]:.3g}, windowed {theory[j]:.3g})",
            params, float(theory[j]), float(sim[j]), float(err[j]), 2 * float(err[j]), why))
    return rows


def _settings(quick: bool):
    """(N, seeds, lines, grid step, T, transient) of the quick or full form.

    Full form: N = 800 (and 400), three lines; each line's sweeps cost about 30 minutes of
    one core, and lines can be computed in parallel processes (:func:`line_sweeps`).
    """
    if quick:
        return 300, 2, (0.0, 20.0), 0.1, 150.0, 75.0
    return 800, 3, (0.0, 10.0, 20.0), 0.05, 300.0, 150.0


def line_sweeps(out: Path, alpha_r: float, *, quick: bool = False):
    """The down/up sweeps of one line at N (one per seed) and N/2, stored under ``out``.

    Resumable: a finished line is written to ``chaos_onset_line_alpha_r=A.json`` (with the
    settings it was made with) and read back by a later run with the same settings, so an
    interrupted study loses at most the line in progress, and the lines can be computed
    in separate processes first (``python -m validation.studies.chaos_onset OUT A``).
    """
    N, seeds, _, dg, T, transient = _settings(quick)
    grid = np.round(np.arange(2.4, 1.5 - 1e-9, -dg), 6)
    key = {"alpha_r": float(alpha_r), "N": N, "seeds": seeds, "grid": grid.tolist(),
           "T": T, "transient": transient}
    out = Path(out)
    path = out / f"chaos_onset_line_alpha_r={alpha_r:g}.json"

    def arrays(runs):
        return [{k: np.asarray(v) for k, v in r.items()} for r in runs]

    if path.exists():
        try:
            data = json.loads(path.read_text())
        except ValueError:
            data = None  # a damaged file is computed again, not read as data
        if isinstance(data, dict) and data.get("key") == key:
            return arrays(data["N"]), arrays(data["N_half"])
    full = [sweep(alpha_r, grid, N, seed, T=T, transient=transient) for seed in range(seeds)]
    half = [sweep(alpha_r, grid, N // 2, seed, T=T, transient=transient)
            for seed in range(max(seeds - 1, 1))]
    out.mkdir(parents=True, exist_ok=True)
    def lists(runs):
        return [{k: np.asarray(v).tolist() for k, v in r.items()} for r in runs]

    with replaced(path, sync=False) as tmp:
        tmp.write_text(json.dumps({"key": key, "N": lists(full), "N_half": lists(half)}))
    return full, half


def run(out: Path, *, quick: bool = False) -> StudyResult:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    N, seeds, lines, dg, T, transient = _settings(quick)
    g_top = 2.4
    grid = np.round(np.arange(g_top, 1.5 - 1e-9, -dg), 6)
    rows, panels = [], []
    for alpha_r in lines:
        th = theory_line(alpha_r, g_top, min_step=0.005)
        x_th = th.onset
        params = dict(alpha_r=alpha_r, alpha_z=0.0)
        sweeps, half_sweeps = line_sweeps(out, alpha_r, quick=quick)
        onsets = [_onset(grid, s["active_down"]) for s in sweeps]
        half = [_onset(grid, s["active_down"]) for s in half_sweeps]
        x_sim = float(np.nanmean(onsets))
        e_grid = dg / 2
        e_seed = sem(onsets) if seeds > 1 else 0.0
        e_seed = 0.0 if not np.isfinite(e_seed) else e_seed
        e_N = abs(x_sim - float(np.nanmean(half))) if np.isfinite(np.nanmean(half)) else 0.0
        err = float(np.sqrt(e_grid ** 2 + e_seed ** 2 + e_N ** 2))
        rows.append(Comparison(
            "chaos_onset", "onset g_h of the down sweep", params, float(x_th), x_sim, err,
            2 * err,
            f"2 x (half grid {e_grid:.3g} (+) seed SEM {e_seed:.2g} (+) finite-size shift "
            f"N={N} vs {N // 2}: {e_N:.2g}); theory bracket +- {th.onset_error:.2g}",
            extra={"transition": th.transition, "jump": th.jump,
                   "jump_delta_0": th.jump_delta_0, "fold_estimate": th.fold_estimate,
                   "fixed_point_instability": th.fixed_point_instability,
                   "sim_onsets": [float(o) for o in onsets],
                   "sim_onsets_half_N": [float(o) for o in half]}))
        branch = _branch_rows(th, alpha_r, grid, sweeps, half_sweeps, params, N,
                              int(round(T - transient)))
        rows += branch
        # what the branch rows compare (the DMFT's expectation of the windowed variance),
        # for the figure
        windowed = ((branch[0].extra["g_h"], branch[0].extra["F_theory_windowed"])
                    if branch else ([], []))
        # hysteresis where the theory predicts bistability: points strictly between the
        # fold (last chaotic value) and the zero fixed point's instability
        if th.transition == "discontinuous":
            lo, hi = th.last_chaotic, th.fixed_point_instability
            inside = (grid > lo + e_grid) & (grid < hi - e_grid)
            if inside.any():
                both = np.array([s["active_down"][inside] & ~s["active_up"][inside]
                                 for s in sweeps])
                frac = float(both.mean())
                rows.append(Comparison(
                    "chaos_onset", "bistable points: down branch active, up branch at the "
                    f"fixed point (fraction; g_h in ({lo:.3g}, {hi:.3g}))", params, 1.0, frac,
                    float("nan"), 0.25,
                    "a finite network's chaotic state near the fold is transient: up to a "
                    "quarter of the points may decay within T"))
        panels.append((alpha_r, th, sweeps, x_sim, windowed))
    pl = plt()
    fig, axes = pl.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, (alpha_r, th, sweeps, x_sim, windowed) in zip(axes[0], panels):
        for k, s in enumerate(sweeps):
            ax.plot(grid, np.maximum(s["F_down"], 1e-8), "o-", ms=3, color="C0",
                    label="sim, down (from chaos)" if k == 0 else None)
            ax.plot(grid, np.maximum(s["F_up"], 1e-8), "s--", ms=3, color="C1",
                    label="sim, up (from fixed point)" if k == 0 else None)
        b = th.branch
        ax.plot(b["value"], b["fluctuation"], "k-", lw=2, label="DMFT branch, C(0) - C(inf)")
        if len(windowed[0]):
            ax.plot(*windowed, "k^", ms=4,
                    label="DMFT, expected over the window (compared)")
        ax.axvline(th.onset, color="k", ls=":", label=f"DMFT onset {th.onset:.3g}")
        if np.isfinite(x_sim):
            ax.axvline(x_sim, color="C0", ls=":", label=f"sim onset {x_sim:.3g}")
        if np.isfinite(th.fixed_point_instability):
            ax.axvline(th.fixed_point_instability, color="C3", ls="-.", lw=1,
                       label="zero FP unstable")
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 1)
        ax.set_xlabel("g_h")
        ax.set_ylabel("fluctuation variance")
        ax.set_title(f"alpha_r = {alpha_r:g} ({th.transition})", fontsize=9)
        ax.legend(fontsize=6)
    name = "chaos_onset.png"
    save_figure(fig, out, name)
    return StudyResult(
        "chaos_onset",
        "DMFT chaos onset by continuation: continuous at g_h = 2 (alpha_r = 0), with a "
        "jump and bistability with the stable zero fixed point for a steep output gate",
        f"down/up sweeps in g_h (step {dg:g}), N={N} and {N // 2}, {seeds} coupling seeds, "
        f"T={T:g} after which the last {T - transient:g} is measured",
        tuple(rows), (name,))


if __name__ == "__main__":  # precompute one line's sweeps: python -m ... OUT ALPHA_R [--quick]
    line_sweeps(Path(sys.argv[1]), float(sys.argv[2]), quick="--quick" in sys.argv[3:])
