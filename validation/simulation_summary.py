"""One simulation run summarised by the quantities the theory predicts (used by the CLI)."""

from __future__ import annotations

from .integrate import simulate
from .measure import settled, variances
from .network import Network

__all__ = ["summarise_run"]


def summarise_run(net: Network, *, T: float, dt: float = 0.05, method: str = "rk4",
                  transient: float | None = None, seed: int = 0, progress: bool = False,
                  record_every: float = 0.5, checkpoint=None,
                  checkpoint_every: float = 60.0) -> dict:
    """Simulate ``net`` and return a JSON-ready summary with stable keys.

    Keys: ``model, params, N, T, seed, transient, settled, rms_speed, variance,
    fluctuation_variance, static_variance`` (these three map each variable to a float,
    measured over ``[transient, T]``, default ``T/2``), then ``method, dt, steps``.
    ``checkpoint``, ``checkpoint_every``: as :func:`~validation.integrate.simulate`'s.
    """
    transient = T / 2 if transient is None else transient
    traj = simulate(net, T, dt=dt, method=method, transient=transient,
                    record_every=max(record_every, dt), seed=seed, progress=progress,
                    checkpoint=checkpoint, checkpoint_every=checkpoint_every)
    st = settled(net, traj.final, t=float(T))  # the end of the run (inputs may vary)
    var = {v: variances(traj[v]) for v in net.variables}
    return {
        "model": net.model.name,
        "params": dict(net.params),
        "N": net.N,
        "T": float(T),
        "seed": net.seed,
        "transient": float(transient),
        "settled": bool(st.settled),
        "rms_speed": float(st.speed),
        "variance": {v: var[v]["total"] for v in net.variables},
        "fluctuation_variance": {v: var[v]["fluctuation"] for v in net.variables},
        "static_variance": {v: var[v]["static"] for v in net.variables},
        # how it was integrated (added 2026-11-28, after the keys above)
        "method": method,
        "dt": float(dt),  # dopri5: its first step (rk4 and adams: the step)
        "steps": int(traj.steps),
    }
