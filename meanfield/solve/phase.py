"""Phase diagrams: regions from a vectorised stability map, lines by continuation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import Model, get_model
from .continuation import Line, transition_line
from .grid import REGIONS, StabilityMap, stability_map

__all__ = ["PhaseDiagram", "phase_diagram", "parse_axis"]


@dataclass(frozen=True)
class PhaseDiagram:
    """Regions of fixed-point structure on a grid and the transition lines through it."""

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
                "lines": [{"kind": ln.kind, "x": ln.xy[:, 0].tolist(), "y": ln.xy[:, 1].tolist(),
                           "message": ln.message} for ln in self.lines],
                "messages": list(self.messages)}


def parse_axis(text: str) -> tuple[str, np.ndarray]:
    """``'g_h=1:3:101'`` -> ``('g_h', linspace(1, 3, 101))``."""
    from .._errors import ParameterError

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
    return name.strip(), np.linspace(lo, hi, n)


def _first_change(mask, axis_vals_x, axis_vals_y):
    """A grid point next to a change of ``mask`` along x: (x, y) or None."""
    d = mask[1:, :] != mask[:-1, :]
    idx = np.argwhere(d)
    if len(idx) == 0:
        return None
    i, j = idx[len(idx) // 2]
    return 0.5 * (axis_vals_x[i] + axis_vals_x[i + 1]), axis_vals_y[j], (i, j)


def phase_diagram(model: str | Model, *, x: tuple[str, np.ndarray], y: tuple[str, np.ndarray],
                  params: dict | None = None) -> PhaseDiagram:
    """Regions and transition lines of ``model`` in the plane of parameters ``x`` and ``y``."""
    model = get_model(model)
    base = model.resolve(params)
    (xn, xv), (yn, yv) = x, y
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
    return PhaseDiagram(model.name, base, xn, yn, smap, tuple(lines), tuple(msgs))


def plot_phase_diagram(pd: PhaseDiagram, path, markers=None):
    """Draw regions and lines (and optional simulation markers) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    xv, yv = pd.map.axes[pd.x], pd.map.axes[pd.y]
    fig, ax = plt.subplots(figsize=(7, 5))
    colors = ["#dfe9f5", "#f6e3c6", "#d9efd5", "#f3d3d3"]
    ax.pcolormesh(xv, yv, pd.map.region.T, cmap=ListedColormap(colors), vmin=-0.5, vmax=3.5,
                  shading="nearest")
    styles = {"zero_instability": ("k-", "zero fixed point unstable"),
              "saddle_node": ("C1--", "saddle-node of non-zero fixed points"),
              "branch_stability": ("C2-.", "stability edge of the non-zero branch")}
    for ln in pd.lines:
        st, label = styles[ln.kind]
        ax.plot(ln.xy[:, 0], ln.xy[:, 1], st, lw=2, label=label)
    for code, text in REGIONS.items():
        ax.plot([], [], "s", color=colors[code], ms=10, label=text)
    if markers:
        for (mx, my, kind) in markers:
            ax.plot(mx, my, "o" if kind == "settled" else "x", color="k", ms=5)
    ax.set_xlim(xv[0], xv[-1])
    ax.set_ylim(yv[0], yv[-1])
    ax.set_xlabel(pd.x)
    ax.set_ylabel(pd.y)
    fixed = ", ".join(f"{k}={v:g}" for k, v in pd.params.items() if k not in (pd.x, pd.y))
    ax.set_title(f"{pd.model}: {fixed}", fontsize=8)
    ax.legend(fontsize=6.5, loc="upper right", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
