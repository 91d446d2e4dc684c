"""Checkpoints of a long simulation: killed or interrupted, it continues where it stopped.

``simulate(net, T, checkpoint="run.npz")`` writes the integrator's whole state (the step
or time reached, the state, the records so far, the adams derivative ring or the dopri5
step size) to ``run.npz`` every ``checkpoint_every`` seconds of wall time (or ten times
as long as one save takes, if longer), on Ctrl-C (at the end of the step under way), and
at the end. Called again with the same arguments, it starts from the file, and the result
is bit-identical to a run that was never stopped (the steps taken are the same steps); a
finished checkpoint returns its trajectory without integrating.
``lyapunov_spectrum(..., checkpoint=...)`` does the same with the state, the tangent basis
and the local exponents.

The file is written under a temporary name and renamed into place, so a kill never
leaves half a checkpoint; its members carry the zip format's CRC-32, so a damaged file is
an error, not data. It records what the run is (model hash, N, parameters, a digest of
the coupling matrices, of constant inputs and of the initial state, the method and its
settings); a checkpoint of another run is refused naming the first difference. A callable
input (a function of time) cannot be compared, so a run with one takes no checkpoint.
"""

from __future__ import annotations

import hashlib

import numpy as np

from meanfield._checkpoint import FORMAT, Checkpoint, CheckpointInterrupted, interrupts
from meanfield._errors import ParameterError

__all__ = ["Checkpoint", "SimulationInterrupted", "FORMAT", "interrupts", "of_run"]

#: Ctrl-C during a checkpointed simulation (the state up to ``t`` is in ``path``).
SimulationInterrupted = CheckpointInterrupted


def _digest(*arrays) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a, dtype=float)
        h.update(str(a.shape).encode())
        h.update(a.data)
    return h.hexdigest()


def run_key(net, y0: np.ndarray, settings: dict) -> dict:
    """What identifies a run: a checkpoint continues only the run it was written by."""
    if any(callable(v) for v in net.inputs.values()):
        names = ", ".join(k for k, v in net.inputs.items() if callable(v))
        raise ParameterError(f"checkpoint: the input {names} is a function of time, which a "
                             "resumed run cannot check is the same; give constant inputs "
                             "or run without a checkpoint")
    return {
        "model": net.model.name,
        "model_hash": net.model.hash,
        "N": int(net.N),
        "params": {k: float(v) for k, v in net.params.items()},
        "couplings": _digest(*net.stacked),
        "inputs": {k: _digest(v) for k, v in sorted(net.inputs.items())},
        "initial_state": _digest(y0),
        **settings,
    }


def of_run(path, network, y0: np.ndarray, settings: dict, every) -> Checkpoint:
    """The checkpoint of the run of ``network`` from ``y0`` with ``settings`` (JSON
    numbers and strings), saved every ``every`` seconds (both checked)."""
    return Checkpoint.checked(path, run_key(network, y0, settings), every)
