"""Phase diagrams: regions from a vectorised stability map, lines by continuation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import brief, check_int, check_parameter_name
from .._repr import short_repr
from .._errors import ParameterError
from ..models import Model, get_model
from .continuation import Line, transition_line
from .grid import REGIONS, StabilityMap, stability_map

__all__ = ["PhaseDiagram", "phase_diagram", "parse_axis"]


@dataclass(frozen=True)
class PhaseDiagram:
    """Regions of fixed-point structure on a grid and the transition lines through it.

    ``params`` holds the fixed parameters; the two varied ones are ``x`` and ``y``, their
    values ``map.axes``."""

    __repr__ = short_repr

    model: str
    params: dict
    x: str
    y: str
    map: StabilityMap
    lines: tuple
    messages: tuple

    def to_dict(self) -> dict:
        return {"model": self.model, "params": self.params, "x": self.x, "y": self.y,
                "x_values": self.map.axes[self.x].tolist(),
                "y_values": self.map.axes[self.y].tolist(),
                "regions": {str(k): v for k, v in REGIONS.items()},
                "region": self.map.region.T.tolist(),
                # the columns beyond (x, y) by name: the bistable interval's upper end
                # (g_h_upper) was named in its message but not written (a probe), the
                # saddle-node line's q_1
                "lines": [{"kind": ln.kind, "x": ln.xy[:, 0].tolist(), "y": ln.xy[:, 1].tolist(),
                           **{name: ln.points[:, j].tolist()
                              for j, name in enumerate(ln.names[:-2])},
                           "message": ln.message} for ln in self.lines],
                "messages": list(self.messages)}


#: Most points per axis of a phase diagram (10^8 grid points already take hours).
MAX_AXIS_POINTS = 10_000
#: Most points of the whole grid (the stability map holds several arrays per point).
MAX_GRID_POINTS = 1_000_000


def parse_axis(text: str) -> tuple[str, np.ndarray]:
    """``'g_h=1:3:101'`` -> ``('g_h', linspace(1, 3, 101))``."""
    name, sep, spec = text.partition("=")
    parts = spec.split(":")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        raise ParameterError(f"axis {text!r}: write NAME=START:STOP:COUNT, e.g. g_h=1:3:101"
                             ) from None
    if not sep or len(parts) != 3 or n < 2 or not np.isfinite([lo, hi]).all() or lo >= hi:
        raise ParameterError(f"axis {text!r}: need NAME=START:STOP:COUNT with START < STOP "
                             "and COUNT >= 2")
    if n > MAX_AXIS_POINTS:  # an absurd count would fail later with a MemoryError
        raise ParameterError(f"axis {text!r}: COUNT must be at most {MAX_AXIS_POINTS}")
    return name.strip(), np.linspace(lo, hi, n)


def _first_change(mask, axis_vals_x, axis_vals_y):
    """A grid point next to a change of ``mask`` along x: (x, y) or None."""
    d = mask[1:, :] != mask[:-1, :]
    idx = np.argwhere(d)
    if len(idx) == 0:
        return None
    i, j = idx[len(idx) // 2]
    return 0.5 * (axis_vals_x[i] + axis_vals_x[i + 1]), axis_vals_y[j], (i, j)


def _plane_axis(model: Model, which: str, a) -> tuple[str, np.ndarray]:
    """``(name, values)`` of a diagram axis, checked: a parameter and finite values."""
    if not (isinstance(a, tuple | list) and len(a) == 2 and isinstance(a[0], str)):
        raise ParameterError(f"{which}={brief(a)} must be a pair (name, values), e.g. "
                             "('g_h', np.linspace(1, 4, 61))")
    name = check_parameter_name(model, which, a[0])
    try:
        v = np.asarray(a[1], dtype=float)
    except (TypeError, ValueError):
        v = np.array([np.nan])
    if v.ndim != 1 or len(v) < 2 or not np.all(np.isfinite(v)):
        raise ParameterError(f"{which}: the values of {name!r} must be a 1-d array of at "
                             f"least two finite numbers; got {brief(a[1])}")
    return name, v


def phase_diagram(model: str | Model, *, x: tuple[str, np.ndarray], y: tuple[str, np.ndarray],
                  params: dict | None = None, chaos: int = 0, complexity: int = 0,
                  progress=None) -> PhaseDiagram:
    """Regions and transition lines of ``model`` in the plane of parameters ``x`` and ``y``.

    ``chaos``: also draw the existence line of the chaotic DMFT solution at this many
    values of ``y`` (0: not; each is a DMFT continuation in ``x`` from the top of its
    range down, :func:`~meanfield.solve.chaos_onset.chaos_onset`, tens of seconds to
    minutes each; Gaussian DMFT case only). Where the onset is discontinuous the
    interval between it and the zero-fixed-point instability is the bistable region.
    ``complexity``: also the line where the annealed Kac–Rice complexity becomes positive
    (exponentially many fixed points), at this many values of ``y``
    (:func:`~meanfield.solve.complexity.complexity_onset` along ``x``, from the bottom of
    its range up; seconds to a minute each).
    ``progress(i, n)`` is called after each point of either line.
    ``params``: the values of the other parameters (a value given for ``x`` or ``y``
    itself is replaced by the axis).
    """
    model = get_model(model)
    base = model.resolve(params)
    # checked here (a probe, 2026-11-28: chaos=nan or a list, x=None or a 3-tuple gave
    # Python's and numpy's errors; chaos='2' was taken as 2, complexity=2.5 as 2)
    (xn, xv), (yn, yv) = (_plane_axis(model, which, a) for which, a in (("x", x), ("y", y)))
    chaos = check_int("chaos", chaos, lo=0, hi=10_000)
    complexity = check_int("complexity", complexity, lo=0, hi=10_000)
    if progress is not None and not callable(progress):
        raise ParameterError(f"progress={brief(progress)} must be callable (i, n) or None")
    if xn == yn:  # one axis dict entry would silently replace the other
        raise ParameterError(f"the x and y axes both vary {xn!r}: choose two parameters")
    if len(xv) * len(yv) > MAX_GRID_POINTS:
        # two axes of 10 000 ended in a MemoryError traceback (5.96 GiB; a probe)
        raise ParameterError(f"the grid has {len(xv)} x {len(yv)} = {len(xv) * len(yv):.3g} "
                             f"points; at most {MAX_GRID_POINTS:.0e}: use fewer points per axis")
    smap = stability_map(model, axes={xn: xv, yn: yv}, params=base)
    box = dict(x=(xn, float(xv[0]), float(xv[-1])), y=(yn, float(yv[0]), float(yv[-1])))
    lines, msgs = [], []

    def attempt(kind, mask, q_from=None):
        hit = _first_change(mask, xv, yv)
        if hit is None:
            hit_t = _first_change(mask.T, yv, xv)
            if hit_t is None:
                msgs.append(f"{kind}: no crossing in the plane")
                return
            yy, xx, (j, i) = hit_t
            hit = (xx, yy, (i, j))
        xx, yy, (i, j) = hit
        q1 = None
        if q_from is not None:
            q1 = float(max(q_from[i, j], q_from[min(i + 1, len(xv) - 1), j], 1e-6))
        try:
            lines.append(transition_line(model, kind, **box, start={xn: xx, yn: yy},
                                         params=base, q1=q1))
        except Exception as exc:  # a line that cannot be continued is reported, not fatal
            msgs.append(f"{kind}: {exc}")

    if smap.zero_exists.any():
        attempt("zero_instability", smap.zero_stable)
    attempt("saddle_node", (smap.n_nonzero >= 2) & smap.zero_stable, smap.max_variance)
    attempt("branch_stability", smap.n_stable_nonzero > 0, smap.max_variance)
    if chaos:
        lines += _chaos_lines(model, base, xn, xv, yn, yv, chaos, msgs, progress)
    if complexity:
        lines += _complexity_line(model, base, xn, xv, yn, yv, complexity, msgs,
                                  progress)
    # the fixed parameters only: the axes' values are x_values / y_values (their defaults
    # were listed here too, as if they had been used)
    fixed = {k: v for k, v in base.items() if k not in (xn, yn)}
    return PhaseDiagram(model.name, fixed, xn, yn, smap, tuple(lines), tuple(msgs))


def _complexity_line(model, base, xn, xv, yn, yv, count, msgs, progress):
    """Where Sigma > 0 first along x (from below) at ``count`` values of ``y``."""
    from .complexity import complexity_onset

    pts = []
    for i, yy in enumerate(np.linspace(yv[0], yv[-1], count)):
        p = {k: v for k, v in base.items() if k != xn}
        p[yn] = float(yy)
        try:
            r = complexity_onset(model, vary=xn, start=float(xv[0]), stop=float(xv[-1]),
                                 params=p, xtol=float(xv[-1] - xv[0]) / 200)
            if r.success:
                pts.append((r.onset, yy))
            else:
                msgs.append(f"complexity_onset at {yn}={yy:g}: {r.message}")
        except Exception as exc:  # reported, not fatal
            msgs.append(f"complexity_onset at {yn}={yy:g}: {exc}")
        if progress is not None:
            progress(i + 1, count)
    if not pts:
        return []
    return [Line("complexity_onset", (xn, yn), np.array(pts, dtype=float), True,
                 f"annealed Kac-Rice complexity becomes positive ({len(pts)} values of {yn})")]


def _chaos_lines(model, base, xn, xv, yn, yv, count, msgs, progress):
    """Chaos existence line (and bistable interval) at ``count`` values of ``y``."""
    from .chaos_onset import chaos_onset

    pts, bist = [], []
    ys = np.linspace(yv[0], yv[-1], count)
    span = float(xv[-1] - xv[0])
    for i, yy in enumerate(ys):
        p = {k: v for k, v in base.items() if k != xn}
        p[yn] = float(yy)
        try:
            # a coarse lag grid: the line is drawn at the resolution of the plot
            r = chaos_onset(model, vary=xn, start=float(xv[-1]), stop=float(xv[0]), params=p,
                            lyapunov=False, step=span / 8, min_step=span / 400,
                            tau_max=40.0, dtau=0.25, nodes=32, tol=1e-7, max_iter=800)
        except Exception as exc:  # a point that cannot be computed is reported, not fatal
            msgs.append(f"chaos_onset at {yn}={yy:g}: {exc}")
            r = None
        # (no onset in the range, e.g. chaotic to its end: the continuation's last point
        # is the range's edge, not a line; it was drawn there; a probe, 2026-11-28)
        if r is None or not np.isfinite(r.last_chaotic) or not np.isfinite(r.onset):
            if r is not None:
                msgs.append(f"chaos_onset at {yn}={yy:g}: {r.message}")
        else:
            x_fp = r.fixed_point_instability
            below = np.isfinite(x_fp) and (r.last_chaotic - x_fp) * np.sign(
                xv[-1] - xv[0]) < -max(0.01 * abs(x_fp), span / 200)
            if below:
                # discontinuous: chaos exists where the fixed point is still stable
                pts.append((r.last_chaotic, yy))
                bist.append((r.last_chaotic, x_fp, yy))
            elif np.isfinite(x_fp):
                # the chaotic solution was not found beyond the fixed point's instability:
                # it branches off there (linearising the DMFT about the fixed point gives
                # the static condition). Near such a continuous onset the correlation
                # time diverges and the finite lag window loses the solution early
                # (here at {last_chaotic}), so the line is drawn at the instability.
                pts.append((x_fp, yy))
                msgs.append(f"chaos_onset at {yn}={yy:g}: continuous, drawn at the "
                            f"zero-fixed-point instability {xn}={x_fp:.4g} (continuation "
                            f"reached {r.last_chaotic:.4g})")
            else:
                pts.append((r.last_chaotic, yy))
        if progress is not None:
            progress(i + 1, count)
    out = []
    if pts:
        out.append(Line("chaos_onset", (xn, yn), np.array(pts, dtype=float), True,
                        f"existence of the chaotic DMFT solution at {len(pts)} values of "
                        f"{yn} (last chaotic {xn}; continuation from {xn}={xv[-1]:g})"))
    if bist:
        b = np.array(bist, dtype=float)
        # points: (zero-fixed-point instability, last chaotic x, y); xy = the lower end
        out.append(Line("bistable", (f"{xn}_upper", xn, yn), b[:, [1, 0, 2]], True,
                        "bistable interval: chaos coexists with the stable zero fixed point "
                        f"from the chaos line up to the instability ({xn}_upper)"))
    return out


#: Marker styles of simulated outcomes: (marker, face colour, label).
MARKER_STYLES = {
    "fixed point": ("o", "white", "sim: settles to a fixed point"),
    "chaos": ("X", "C3", "sim: chaotic from a random state"),
    "bistable": ("*", "C3", "sim: chaos from a random state, fixed point from near zero"),
    "other": ("^", "C0", "sim: neither (slow or periodic)"),
    "ambiguous": ("o", "0.7", "sim: differs between seeds or at N/2 (finite size)"),
    "basins: chaos": ("D", "C3", "sim: chaos where a stable non-zero fixed point coexists "
                      "(basins; not judged)"),
    "basins: fixed point": ("D", "white", "sim: fixed point where chaos coexists (basins; "
                            "not judged)"),
}


def chaos_region(pd: PhaseDiagram) -> np.ndarray | None:
    """Grid mask (x by y) where the chaotic DMFT solution exists, from the chaos line.

    The line gives the lower end in x of the chaotic region at each of its values of y
    (the continuation runs from the top of the x range down); it is interpolated in y.
    None when the diagram has no chaos line.
    """
    lines = [ln for ln in pd.lines if ln.kind == "chaos_onset"]
    if not lines or len(lines[0].xy) == 0:
        return None
    xy = lines[0].xy[np.argsort(lines[0].xy[:, 1])]
    xv, yv = pd.map.axes[pd.x], pd.map.axes[pd.y]
    x_on = np.interp(yv, xy[:, 1], xy[:, 0], left=np.nan, right=np.nan)
    if len(xy) == 1:
        x_on = np.where(np.isclose(yv, xy[0, 1]), xy[0, 0], np.nan)
    with np.errstate(invalid="ignore"):
        return xv[:, None] >= x_on[None, :]


def bistable_region(pd: PhaseDiagram) -> np.ndarray | None:
    """Grid mask where the chaotic solution coexists with a stable fixed point.

    Stable fixed point: regions 0-2 of :data:`REGIONS` (the zero one, or a non-zero
    branch); chaos: :func:`chaos_region`. None without a chaos line.
    """
    chaos = chaos_region(pd)
    if chaos is None:
        return None
    return chaos & (pd.map.region <= 2)


def plot_phase_diagram(pd: PhaseDiagram, path, markers=None):
    """Draw regions and lines (and optional simulation markers) to ``path``.

    ``markers``: iterable of ``(x, y, kind)`` or ``(x, y, kind, agrees)`` with ``kind``
    a key of :data:`MARKER_STYLES` (``"settled"`` is read as ``"fixed point"``) and
    ``agrees`` False to ring a marker that contradicts the theory.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    xv, yv = pd.map.axes[pd.x], pd.map.axes[pd.y]
    fig, ax = plt.subplots(figsize=(10, 5.2))
    colors = ["#dfe9f5", "#f6e3c6", "#d9efd5", "#f3d3d3"]
    ax.pcolormesh(xv, yv, pd.map.region.T, cmap=ListedColormap(colors), vmin=-0.5, vmax=3.5,
                  shading="nearest")
    bist = bistable_region(pd)
    if bist is not None and bist.any():
        ax.contourf(xv, yv, bist.T.astype(float), levels=[0.5, 1.5], colors="none",
                    hatches=["////"])
        ax.fill_between([], [], [], facecolor="none", hatch="////", edgecolor="k",
                        label="bistable: chaos and a stable fixed point")
    styles = {"zero_instability": ("k-", "zero fixed point unstable"),
              "saddle_node": ("C1--", "saddle-node of non-zero fixed points"),
              "branch_stability": ("C2-.", "stability edge of the non-zero branch"),
              "chaos_onset": ("C3o-", "chaotic DMFT solution exists (right of line)"),
              "complexity_onset": ("C4s:", "exponentially many fixed points (Sigma > 0)")}
    for ln in pd.lines:
        if ln.kind == "bistable":
            continue
        st, label = styles.get(ln.kind, ("C5-", ln.kind))
        ax.plot(ln.xy[:, 0], ln.xy[:, 1], st, lw=2, ms=4, label=label)
    for code, text in REGIONS.items():
        ax.plot([], [], "s", color=colors[code], ms=10, label=text)
    if markers:
        seen = set()
        for m in markers:
            mx, my, kind = m[:3]
            kind = "fixed point" if kind == "settled" else kind
            marker, face, label = MARKER_STYLES.get(kind, MARKER_STYLES["other"])
            agrees = m[3] if len(m) > 3 else None
            ax.plot(mx, my, marker, mfc=face, mec="r" if agrees is False else "k",
                    mew=2.0 if agrees is False else 0.8, ms=9 if marker == "*" else 7,
                    label=None if kind in seen else label, ls="none")
            seen.add(kind)
        if any(len(m) > 3 and m[3] is False for m in markers):
            ax.plot([], [], "o", mfc="none", mec="r", mew=2, label="contradicts the theory")
    ax.set_xlim(xv[0], xv[-1])
    ax.set_ylim(yv[0], yv[-1])
    ax.set_xlabel(pd.x)
    ax.set_ylabel(pd.y)
    fixed = ", ".join(f"{k}={v:g}" for k, v in pd.params.items() if k not in (pd.x, pd.y))
    ax.set_title(f"{pd.model}: {fixed}", fontsize=8)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
