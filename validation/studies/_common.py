"""Helpers shared by the studies."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..integrate import simulate
from ..measure import find_fixed_point
from ..measure.settle import rms_speed
from ..network import Network


def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def model_label(model) -> dict:
    """Row parameters naming a model: ``{}`` for a shipped name, else its name and values."""
    return {} if isinstance(model, str) else {"model": model.name, **model.resolve()}


def save_figure(fig, out, name: str) -> str:
    """Lay out ``fig``, write it to ``out/name`` (110 dpi), close it; returns ``name``."""
    fig.tight_layout()
    fig.savefig(Path(out) / name, dpi=110)
    plt().close(fig)
    return name


def settle_to_fixed_point(net: Network, *, seed: int, T: float = 300.0, dt: float = 0.1):
    """Simulate from a random state and refine the end point by Newton (Krylov).

    Returns the fixed point the trajectory approaches, or None when there is none:
    the simulation must have slowed down (rms speed below 1e-2, where chaotic activity
    has 0.1-1) and Newton must converge (rms flow < 1e-10). With a steep update gate
    (large alpha_z) units whose gate is shut relax on times 1/s_z far beyond any
    simulation, so Newton finishes their approach; the distance it moves is returned
    for the record.
    """
    tr = simulate(net, T, dt=dt, record_every=T, seed=seed)
    y = tr.final
    if rms_speed(net, y) > 1e-2:
        return None
    res = find_fixed_point(net, y, linear_solver="krylov", tol=1e-10)
    return res.state if res.success else None


def population_second_moment(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x) ** 2))
