"""The documentation gallery: the main theory figures of gated-network mean-field theory.

Each figure reproduces, from this package's own derivations and solvers, a figure of
Krishnamurthy, Can & Schwab, PRX 12, 011011 (2022), as far as the theory here reaches
(their simulations are the validation report's job: ``meanfield validate``). Every
figure is one function ``fig_<name>(path, quick) -> caption``; ``meanfield gallery``
runs them and rewrites ``gallery.md`` with each figure, its caption and the command
that regenerates it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._files import replaced

__all__ = ["FIGURES", "run_gallery"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    """Draw the figure to ``path`` atomically (a stop while drawing leaves the old one)."""
    path = Path(path)
    fig.tight_layout()
    with replaced(path, sync=False) as tmp:
        fig.savefig(tmp, dpi=110, format=path.suffix[1:])
    _plt().close(fig)


#: The progress bar of the figure being drawn (``run_gallery(progress=True)``), or None.
_BAR = None


def _tick(where: str) -> None:
    """One solve done: move the progress bar, when one is shown, and name the solve."""
    if _BAR is not None:
        _BAR.set_postfix_str(where, refresh=False)
        _BAR.update()


def _checked(result, where: str):
    """``result``, after a line on stderr when it did not converge (or succeed) or its
    message (or its DMFT's) carries a warning: a figure drawn from it must not pass for a
    clean one. (The timescales figure's lag window was too short at alpha_z = 10 and
    nothing said so until session seventeen.) Each call is one solve done: it moves the
    progress bar, when one is shown (a figure takes up to 20 minutes, and said nothing)."""
    _tick(where)
    ok = all(bool(getattr(result, a, True)) for a in ("converged", "success"))
    notes = [str(getattr(result, a, "")) for a in ("message", "dmft_message")]
    if not ok or any("warning" in m for m in notes):
        text = "; ".join(m for m in notes if m) or "no message"
        print(f"gallery: {where}: {'' if ok else 'failed: '}{text}", file=sys.stderr)
    return result


def _label(ax, xlabel: str, ylabel: str, yscale: str | None = None, legend: bool = True):
    """Axis labels, optional y scale and a small legend: the figures' common finish."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if yscale:
        ax.set_yscale(yscale)
    if legend:
        ax.legend(fontsize=7)


def fig_fixed_points(path: Path, quick: bool) -> str:
    """Fixed-point variance against g_h: the output gate makes saddle-node pairs."""
    from .solve.fixed_points import fixed_point_branches

    gs = np.linspace(0.5, 3.0, 26 if quick else 101)
    fig, ax = _plt().subplots(figsize=(6, 4))
    for k, a_r in enumerate((0.0, 10.0, 20.0)):
        # each solve once, split by stability after (it was solved once per stability)
        found = [(g, b) for g in gs
                 for b in _checked(fixed_point_branches("gated", g_h=float(g), alpha_r=a_r,
                                                        alpha_z=0.0),
                                   f"fixed-points g_h={g:g} alpha_r={a_r:g}")
                 if b.variance["h"] > 1e-12]
        for stable in (True, False):
            pts = [(g, b.variance["h"]) for g, b in found if b.stable == stable]
            if pts:
                x, y = np.array(pts).T
                ax.plot(x, y, "o" if stable else ".", ms=3 if stable else 2, color=f"C{k}",
                        label=f"alpha_r = {a_r:g}, {'stable' if stable else 'unstable'}")
    _label(ax, "g_h", "fixed-point variance Delta_h", "log")
    _save(fig, path)
    return ("Non-zero fixed points of the gated network (alpha_z = 0, beta = 0): "
            "variance of h against g_h. For a steep output gate (alpha_r = 10, 20) they are "
            "born in saddle-node pairs below the zero fixed point's instability "
            "g_h s_r(0) = 1 (g_h = 2): non-zero fixed points exist while zero is stable.")


def fig_spectra(path: Path, quick: bool) -> str:
    """Jacobian support at a fixed point as alpha_z grows, and the slow-mode pile-up."""
    from .solve.spectrum import slow_fraction, spectral_support

    base = dict(g_h=1.6, beta_h=0.3, beta_z=1.0)
    fig, (ax1, ax2) = _plt().subplots(1, 2, figsize=(10, 4))
    for k, a_z in enumerate((0.0, 5.0, 20.0)):
        sp = _checked(spectral_support("gated", alpha_z=a_z, **base),
                      f"spectrum alpha_z={a_z:g}")
        for j, c in enumerate(sp.boundary):
            ax1.plot(c.real, c.imag, color=f"C{k}", label=f"alpha_z = {a_z:g}" if j == 0
                     else None)
        lo, hi = sp.local_segment
        ax1.plot([lo, hi], [0, 0], color=f"C{k}", lw=4, alpha=0.5)
    ax1.axvline(0, color="k", lw=0.5)
    _label(ax1, "Re lambda", "Im lambda")
    ax1.set_title("support boundary; thick: local rates -s_z(z)", fontsize=9)
    a_zs = np.linspace(0, 30, 7 if quick else 16)
    for eps in (0.01, 0.05):
        fractions = []
        for a in a_zs:
            fractions.append(slow_fraction("gated", eps, alpha_z=float(a), **base))
            _tick(f"slow fraction alpha_z={a:g} eps={eps:g}")
        ax2.plot(a_zs, fractions, "o-", ms=3, label=f"|lambda| < {eps:g}")
    _label(ax2, "alpha_z", "fraction of eigenvalues near 0", "log")
    _save(fig, path)
    return ("The Jacobian at a stable fixed point (g_h = 1.6, beta_h = 0.3, beta_z = 1): "
            "as the update gate steepens, the units' local rates s_z(z) spread towards 0 "
            "and a growing fraction of the spectrum piles up near zero, the marginal "
            "stability that lets the network integrate without fine tuning.")


def fig_timescales(path: Path, quick: bool) -> str:
    """DMFT correlation functions, correlation time and lambda_max against alpha_z."""
    from .solve.dmft import dmft

    a_zs = (0.0, 2.0, 5.0) if quick else (0.0, 2.0, 5.0, 10.0)
    opts = dict(samples=1024, replicas=2) if quick else dict(samples=2048, replicas=4)
    fig, (ax1, ax2) = _plt().subplots(1, 2, figsize=(10, 4))
    tc, tc_err, lam, lam_err = [], [], [], []
    for k, a_z in enumerate(a_zs):
        # tau_max = 120: on a window of 60, C_h at alpha_z = 10 had not decayed, so its
        # C_h(inf) (the window's last tenth) came out high and tau_corr low: 16.2 and
        # 18.8 at alpha_z = 5 and 10 against 19.2 and 28.5 here (the figure takes 393 s)
        r = _checked(dmft("gated", g_h=4.0, alpha_r=5.0, alpha_z=a_z, tau_max=120.0,
                          **({} if a_z == 0 else opts)), f"timescales alpha_z={a_z:g}")
        c = (r.C["h"] - r.delta_inf) / (r.delta_0 - r.delta_inf)
        ax1.plot(r.tau, c, color=f"C{k}", label=f"alpha_z = {a_z:g} ({r.method})")
        tc.append(r.tau_corr)
        tc_err.append(r.tau_corr_error)
        lam.append(r.lyapunov_max)
        lam_err.append(r.lyapunov_error)
    ax1.set_xlim(0, 40)
    _label(ax1, "lag tau", "(C_h(tau) - C_h(inf)) / (C_h(0) - C_h(inf))")
    ax2.errorbar(a_zs, tc, yerr=tc_err, fmt="o-", color="C0", label="tau_corr")
    ax2.set_xlabel("alpha_z")
    ax2.set_ylabel("correlation time tau_corr", color="C0")
    ax3 = ax2.twinx()
    ax3.errorbar(a_zs, lam, yerr=lam_err, fmt="s--", color="C3", label="lambda_max")
    ax3.set_ylabel("maximal Lyapunov exponent", color="C3")
    ax3.set_ylim(0, 1.5 * max(lam))
    _save(fig, path)
    return ("DMFT at g_h = 4, alpha_r = 5: the update gate slows the decorrelation "
            "(C_h and tau_corr; Gaussian solution at alpha_z = 0, sampled single-site "
            "process above; error bars its standard errors over the replicas) while the "
            "maximal Lyapunov exponent (tangent process) changes little: the timescale and "
            "the rate of divergence are set separately.")


def fig_chaos_onset(path: Path, quick: bool) -> str:
    """The chaotic DMFT branch against g_h: continuous and discontinuous onsets."""
    from .solve.chaos_onset import chaos_onset

    fig, ax = _plt().subplots(figsize=(6, 4))
    for k, a_r in enumerate((0.0, 20.0)):
        r = chaos_onset("gated", vary="g_h", start=2.6, stop=1.2, step=0.1,
                        min_step=0.02 if quick else 0.005, alpha_z=0.0, alpha_r=a_r,
                        lyapunov=False, tau_max=40.0 if a_r else 100.0,
                        dtau=0.25 if a_r else 1.0, nodes=32 if a_r else 16,
                        tol=1e-7 if a_r else 1e-6, max_iter=800 if a_r else 2000)
        _checked(r, f"chaos-onset alpha_r={a_r:g}")
        b = r.branch
        ax.plot(b["value"], b["fluctuation"], "o-", ms=3, color=f"C{k}",
                label=f"alpha_r = {a_r:g}: {r.transition}, onset {r.onset:.3g}")
        ax.axvline(r.fixed_point_instability, color=f"C{k}", ls=":", lw=1)
    _label(ax, "g_h", "fluctuation variance C_h(0) - C_h(inf)")
    _save(fig, path)
    return ("The chaotic DMFT solution followed down in g_h (alpha_z = 0). Without the "
            "output gate it shrinks to zero where the zero fixed point loses stability "
            "(g_h = 2, dotted). With a steep output gate (alpha_r = 20) it ends with a jump "
            "at g_h ~ 1.76, where the zero fixed point is still stable: chaos and a stable "
            "fixed point coexist up to g_h = 2 (the discontinuous transition).")


def fig_complexity(path: Path, quick: bool) -> str:
    """Kac–Rice complexity against g_h, additive and gated."""
    from .solve.complexity import complexity

    fig, ax = _plt().subplots(figsize=(6, 4))
    g_add = np.linspace(0.8, 3.0, 6 if quick else 12)
    ax.plot(g_add, [_checked(complexity("additive", g_h=float(g)), f"complexity g={g:g}").sigma
                    for g in g_add], "o-",
            label="additive (Sigma > 0 for g > 1)")
    g_gat = (1.4, 1.6, 2.0) if quick else (1.35, 1.45, 1.55, 1.7, 1.85, 2.0, 2.3, 2.6)
    ax.plot(g_gat, [_checked(complexity("gated", g_h=g, alpha_r=20.0, alpha_z=0.0),
                             f"complexity gated g_h={g:g}").sigma
                    for g in g_gat], "s-", label="gated, alpha_r = 20")
    ax.axvline(1.76, color="C1", ls=":", lw=1, label="gated: chaos from g_h ~ 1.76")
    ax.axvline(2.0, color="C1", ls="--", lw=1, label="gated: zero fixed point unstable")
    ax.set_xlabel("g_h")
    ax.set_ylabel("complexity Sigma")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.set_ylim(bottom=0.0)  # Sigma >= 0: no negative decades
    ax.legend(fontsize=7, loc="upper left")
    _save(fig, path)
    return ("The annealed Kac–Rice complexity (E[# fixed points] ~ exp(N Sigma)). In the "
            "additive network it becomes positive at g = 1, where chaos begins; in the "
            "gated network with a steep output gate it becomes positive near g_h ~ 1.42, "
            "well before chaos (~1.76): topological and dynamical complexity decouple.")


def fig_phase_diagram(path: Path, quick: bool) -> str:
    """The (g_h, alpha_r) phase diagram with chaos and complexity lines."""
    from .solve.phase import phase_diagram, plot_phase_diagram

    n = 31 if quick else 61
    pd = phase_diagram("gated", x=("g_h", np.linspace(1.2, 3.0, n)),
                       y=("alpha_r", np.linspace(0.0, 30.0, n)), params=dict(alpha_z=0.0),
                       chaos=3 if quick else 7, complexity=2 if quick else 5,
                       progress=lambda i, count: _tick(f"phase-diagram line point {i}/{count}"))
    plot_phase_diagram(pd, path)
    return ("Phase diagram in (g_h, alpha_r) at alpha_z = 0: regions of fixed-point "
            "structure, the zero-fixed-point instability, the saddle-node of the non-zero "
            "fixed points, the existence line of the chaotic DMFT solution (hatched: "
            "bistable, chaos with a stable fixed point) and the complexity onset. "
            "Simulation markers on this and two more planes: the phase_diagrams study of "
            "`meanfield validate`.")


def fig_dimension(path: Path, quick: bool) -> str:
    """Participation ratio per unit from the DMFT against g_h, alpha_r, beta_h, alpha_z."""
    from .solve.dimension import participation_ratio

    grid = dict(tau_max=100.0, dtau=0.1) if quick else {}
    fig, (ax1, ax2, ax3, ax4) = _plt().subplots(1, 4, figsize=(18, 4))
    # the values the caption quotes, as computed here (they were typed in, and went stale)
    quoted: dict = {}
    # from near each onset: continuous at alpha_r = 0 (g_h = 2; the DMFT converges slowly
    # below 2.4), discontinuous at alpha_r = 20 (the chaotic branch reaches g_h ~ 1.76)
    for k, (a_r, g0) in enumerate(((0.0, 2.4), (5.0, 2.1), (20.0, 1.8))):
        gs = np.linspace(g0, 8.0, 5 if quick else 15)
        pts = [(g, r.pr_per_unit) for g in gs
               for r in [_checked(participation_ratio("gated", g_h=float(g), alpha_z=0.0,
                                                      alpha_r=a_r, **grid),
                                  f"dimension g_h={g:g} alpha_r={a_r:g}")] if r.success]
        if pts:
            x, y = np.array(pts).T
            ax1.plot(x, y, "o-", ms=3, color=f"C{k}", label=f"alpha_r = {a_r:g}")
            quoted[("onset", a_r)] = pts[0]
    _label(ax1, "g_h", "PR(phi(h)) / N")
    a_rs = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0])
    a_rs = a_rs[::2] if quick else a_rs
    for k, (obs, text) in enumerate(((None, "rates phi(h)"), ("h", "h"))):
        ys = [_checked(participation_ratio("gated", g_h=4.0, alpha_z=0.0, alpha_r=float(a),
                                           observable=obs, **grid),
                       f"dimension alpha_r={a:g} ({text})").pr_per_unit for a in a_rs]
        ax2.plot(a_rs, ys, "o-", ms=3, color=f"C{k + 3}", label=text)
        if obs is None:
            quoted["alpha_r"] = (ys[0], ys[-1])
    _label(ax2, "alpha_r (g_h = 4)", "PR / N")
    # a static input: units differ by their quenched mean input, averaged over
    betas = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
    betas = betas[::2] if quick else betas
    for k, a_r in enumerate((0.0, 5.0)):
        pts = [(b, r.pr_per_unit) for b in betas
               for r in [_checked(participation_ratio("gated", g_h=4.0, alpha_z=0.0,
                                                      alpha_r=a_r, beta_h=float(b), **grid),
                                  f"dimension beta_h={b:g} alpha_r={a_r:g}")] if r.success]
        if pts:
            x, y = np.array(pts).T
            ax3.plot(x, y, "o-", ms=3, color=f"C{k}", label=f"alpha_r = {a_r:g}")
            quoted[("beta_h", a_r)] = dict(pts)
    _label(ax3, "beta_h (g_h = 4)", "PR(phi(h)) / N")
    # the update gate: the sampling method (alpha_z > 0), with its standard error (the
    # sampled DMFT's counted); a slow gate needs the longer lag window
    a_zs = (0.0, 2.0) if quick else (0.0, 1.0, 2.0, 3.0, 5.0)
    seen = {}
    for k, (b_h, top) in enumerate(((0.0, 5.0), (0.5, 2.0))):
        pts = []
        for a in (a for a in a_zs if a <= top):
            opts = (dict(grid, samples=2000) if quick and a > 0
                    else dict(tau_max=200.0) if a >= 3 else {})
            r = _checked(participation_ratio("gated", g_h=4.0, alpha_z=a, alpha_r=5.0,
                                             beta_h=b_h, **opts),
                         f"dimension alpha_z={a:g} beta_h={b_h:g}")
            if r.success:
                pts.append((a, r.pr_per_unit, r.stat_error))
                seen[(b_h, a)] = (r.pr_per_unit, r.stat_error)
        if pts:
            x, y, e = np.array(pts).T
            ax4.errorbar(x, y, yerr=e, fmt="o-", ms=3, capsize=2, color=f"C{k}",
                         label=f"beta_h = {b_h:g}")
    _label(ax4, "alpha_z (g_h = 4, alpha_r = 5)", "PR(phi(h)) / N")
    _save(fig, path)

    def at(b_h, a):
        v = seen.get((b_h, a))
        return "n/a" if v is None else (f"{v[0]:.3f}" + (f" +- {v[1]:.3f}" if v[1] else ""))

    top = max(a for b, a in seen if b == 0.0) if seen else 0.0
    update_gate = (f" The update gate (fourth panel; sampling method, error bars its standard "
                   f"error with the sampled DMFT's own counted) raises the dimension: "
                   f"{at(0.0, 0.0)} at alpha_z = 0, {at(0.0, 2.0)} at 2"
                   + (f", {at(0.0, top)} at {top:g} (tau_max = 200 from alpha_z = 3: the "
                      f"gate slows the decay)" if top > 2 else "") + "; "
                   f"with beta_h = 0.5 the units differ by a static input and are sampled "
                   f"unit by unit: {at(0.5, 0.0)} at alpha_z = 0, {at(0.5, 2.0)} at 2.")
    def num(v, fmt=".2f"):
        return "n/a" if v is None or not np.isfinite(v) else format(v, fmt)

    g_on, pr_on = quoted.get(("onset", 20.0), (None, None))
    lo, hi = quoted.get("alpha_r", (None, None))
    b0 = quoted.get(("beta_h", 0.0), {})
    rise = (f"at alpha_r = 0 it first rises ({num(b0.get(0.0), '.3f')} to "
            f"{num(b0.get(0.25), '.3f')} at beta_h = 0.25; " if 0.25 in b0 else
            "at alpha_r = 0 it first rises (beta_h = 0.25 is not in the quick grid; ")
    return ("Participation ratio per unit of the chaotic activity (alpha_z = 0 and beta = 0 "
            "but where a panel varies them) "
            "from the DMFT's equivalent linear network (`meanfield dimension`). Without the "
            "output gate it rises from 0 at the continuous onset of chaos (g_h = 2); with a "
            "steep one (alpha_r = 20) the chaotic state that coexists with the stable zero "
            f"fixed point (g_h = {num(g_on, 'g')}) already has PR/N = {num(pr_on)}: the "
            "dimension jumps at the discontinuous onset. The output gate raises it (g_h = 4: "
            f"from {num(lo)} at alpha_r = 0 to {num(hi)} at alpha_r = 20); low-pass "
            "filtered, h has a lower dimension than the rates. A static input beta_h (each "
            "unit its own quenched mean input) lowers it at alpha_r = 5; " + rise +
            "networks of N = 1000, 3 seeds, measured 2026-11-27: 0.022 +- 0.002 to 0.029 +- "
            "0.003) and vanishes with the chaos. Networks, the `dimension` study: at "
            f"alpha_r = 5 the theory's {at(0.0, 0.0)} against 0.177 +- 0.001 (N = 1000), "
            f"with beta_h = 0.5 {at(0.5, 0.0)} against 0.142 +- 0.005." + update_gate)


#: Gallery figures by name, in the order shown.
FIGURES: dict[str, Callable] = {
    "fixed-points": fig_fixed_points,
    "spectra": fig_spectra,
    "timescales": fig_timescales,
    "chaos-onset": fig_chaos_onset,
    "complexity": fig_complexity,
    "dimension": fig_dimension,
    "phase-diagram": fig_phase_diagram,
}


def run_gallery(out: Path, names=None, *, quick: bool = False, log=print,
                progress: bool = False) -> list[Path]:
    """Draw the figures ``names`` (default all) into ``out`` and rewrite ``out/../gallery.md``.

    Captions of figures drawn earlier are kept (read from the existing gallery.md), so
    one figure can be regenerated alone. ``progress``: a bar on stderr per figure that
    counts its solves and names the last one.
    """
    from ._errors import ParameterError

    out = Path(out)
    names = list(FIGURES) if not names else list(names)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ParameterError(f"unknown gallery figure {unknown[0]!r}; choose from "
                             f"{', '.join(FIGURES)}")
    out.mkdir(parents=True, exist_ok=True)
    index = out.parent / "gallery.md"
    captions = _read_captions(index)
    written = []
    for name in names:
        t0 = time.perf_counter()
        path = out / f"{name}.png"
        captions[name] = _drawn(name, path, quick, progress)
        written.append(path)
        # the index after each figure: a gallery stopped part way keeps every figure it
        # drew with its own caption (the captions were written only at the end)
        with replaced(index, sync=False) as tmp:
            tmp.write_text(_index(captions, out.name))
        log(f"gallery: {name} ({time.perf_counter() - t0:.0f} s) -> {path}")
    written.append(index)
    return written



def _drawn(name: str, path: Path, quick: bool, progress: bool) -> str:
    """Draw one figure, with its progress bar when asked; its caption."""
    global _BAR
    if not progress:
        return FIGURES[name](path, quick)
    from tqdm import tqdm

    # (a count, not a fraction: how many solves a figure makes is only known by making
    # them; the rate and the last solve's name show that it moves)
    with tqdm(desc=f"gallery: {name}", unit=" solves", file=sys.stderr) as _BAR:
        try:
            return FIGURES[name](path, quick)
        finally:
            _BAR = None


def _read_captions(index: Path) -> dict:
    caps = {}
    if index.exists():
        name = None
        for line in index.read_text().splitlines():
            if line.startswith("## "):
                name = line[3:].strip()
            elif name and line.startswith("> "):
                caps[name] = line[2:]
    return caps


def _index(captions: dict, folder: str) -> str:
    lines = ["# Gallery", "",
             "The main theory figures of gated-network mean-field theory (after Krishnamurthy, "
             "Can & Schwab, PRX 12, 011011, 2022), drawn by this package's own derivations "
             "and solvers. Regenerate all with `make gallery` (`meanfield gallery`), one with "
             "the command under it. Theory against simulation: `meanfield validate` "
             "(report/index.html).", ""]
    for name in FIGURES:
        if name not in captions:
            continue
        lines += [f"## {name}", "", f"![{name}]({folder}/{name}.png)", "",
                  f"> {captions[name]}", "",
                  f"Regenerate: `meanfield gallery --figure {name}`", ""]
    return "\n".join(lines)
