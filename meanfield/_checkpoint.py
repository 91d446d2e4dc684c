"""A long computation's checkpoint file: killed or interrupted, the work continues from it.

:class:`Checkpoint` saves a computation's state (named arrays) atomically, a temporary
file renamed into place, so a kill never leaves half a checkpoint; the members carry the
zip format's CRC-32, so a damaged file is an error, not data. The file records what the
computation is (a JSON ``key``: model hash, parameters, settings...); a checkpoint of
another computation is refused naming the first difference. :func:`interrupts` holds
Ctrl-C (and SIGTERM) back to the end of a step, where the caller saves and raises
:class:`CheckpointInterrupted`. Used by the simulator (:mod:`validation.checkpoint`) and
the sampled DMFT (:func:`meanfield.solve.dmft.dmft`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import signal
import threading
import time
import zipfile
from pathlib import Path

import numpy as np

from ._checks import is_real
from ._errors import ParameterError
from ._files import replaced

__all__ = ["Checkpoint", "CheckpointInterrupted", "FORMAT", "InterruptFlag", "interrupts"]

#: Version of the file's layout (a checkpoint of another layout is refused).
FORMAT = 1


class CheckpointInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a checkpointed computation; its state up to ``t`` (of
    ``T``) is in ``path``."""

    def __init__(self, path, t: float, T: float, what: str = "run"):
        self.path, self.t, self.T = str(path), float(t), float(T)
        super().__init__(f"the {what} so far (t = {t:g} of {T:g}) is saved in {path}: "
                         f"run the same {'simulation' if what == 'run' else what} again to "
                         "continue it")


class Checkpoint:
    """One run's checkpoint file: :meth:`load` what a previous run saved, :meth:`save`."""

    @classmethod
    def checked(cls, path, key: dict, every, what: str = "run") -> Checkpoint:
        """A checkpoint at ``path`` for the run ``key`` (JSON numbers and strings), saved
        every ``every`` seconds: both checked (a folder that exists and is writable; a
        finite ``every >= 0``)."""
        if not (is_real(every) and math.isfinite(every) and every >= 0):
            raise ParameterError(f"checkpoint_every={every!r} must be a finite number of "
                                 "seconds >= 0")
        if not isinstance(path, str | os.PathLike):  # (checkpoint=3: pathlib's TypeError)
            raise ParameterError(f"checkpoint={path!r} must be a file path or None")
        path = Path(path)
        # where it cannot be written, say so now, not after the first minute's work (or
        # the whole run's, if shorter; found by a probe, 2026-11-28)
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise ParameterError(f"checkpoint {path} is a directory; give a file name")
        if not folder.is_dir():
            raise ParameterError(f"checkpoint {path}: the directory {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ParameterError(f"checkpoint {path}: the directory {folder} is not writable")
        return cls(path, key, every, what)

    def __init__(self, path, key: dict, every: float, what: str = "run"):
        self.path = Path(path)
        self.what = what  # "run", "solve": the word in the messages
        # as it reads back; the file layout's version first (another layout: refused)
        self.key = json.loads(json.dumps({"format": FORMAT, **key}))
        self.every = float(every)
        self._last = time.monotonic()
        self._gap = self.every
        self.saves = 0

    def load(self) -> dict | None:
        """The saved arrays and numbers, or None if there is no file yet."""
        self._remove_orphans()
        if not self.path.exists():
            return None
        try:
            loaded = np.load(self.path, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):  # a bare .npy array
                raise ValueError("not an .npz archive")
            with loaded as f:
                data = {k: f[k] for k in f.files}
            stored = json.loads(str(data.pop("key")))
            if not isinstance(stored, dict):
                raise ValueError("its key is not a JSON object")
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            # (numpy's advice for a file it takes for a pickle, "allow_pickle=True", is
            # not one to follow here)
            why = ("not a checkpoint file" if "pickle" in str(exc)
                   else f"{type(exc).__name__}: {exc}")
            raise ParameterError(f"checkpoint {self.path} cannot be read ({why}); remove it "
                                 "to start again") from None
        if stored != self.key:
            raise ParameterError(f"checkpoint {self.path} was written by another {self.what} "
                                 f"({_first_difference(stored, self.key)}); give another path, "
                                 "or remove it to start again")
        return data

    def restore(self, fn, data: dict):
        """``fn(data)``, the integrator putting the saved state back; a file that passed
        :meth:`load` but lacks a member or holds one of another shape (made by hand) is a
        one-line error, not a KeyError from inside the integrator."""
        try:
            return fn(data)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            raise ParameterError(f"checkpoint {self.path} does not hold this {self.what}'s state "
                                 f"({type(exc).__name__}: {exc}); remove it to start "
                                 "again") from None

    def _remove_orphans(self) -> None:
        """Temporary files of saves cut short by a kill (their process gone)."""
        for tmp in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            pid = tmp.name[len(self.path.name) + 2:-4]
            if pid.isdigit() and not process_alive(int(pid)):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def due(self) -> bool:
        return time.monotonic() - self._last >= self._gap

    def save(self, **arrays) -> None:
        """Write the state atomically (a temporary file renamed over the old one).

        Saving takes at most a tenth of the run: the next save is due after ``every``
        seconds or ten times this save's duration, whichever is longer (a run recording
        gigabytes would otherwise spend its time rewriting them); ``every = 0`` saves at
        every chance.
        """
        t0 = time.monotonic()
        try:
            with replaced(self.path) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, key=np.array(json.dumps(self.key, sort_keys=True)), **arrays)
        except OSError as exc:
            raise ParameterError(f"checkpoint {self.path} cannot be written: {exc}") from None
        self._last = time.monotonic()
        self._gap = self.every and max(self.every, 10.0 * (self._last - t0))
        self.saves += 1


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _first_difference(stored: dict, given: dict) -> str:
    for k in sorted(set(stored) | set(given)):
        a, b = stored.get(k, "-"), given.get(k, "-")
        if a != b:
            if isinstance(a, dict) and isinstance(b, dict):
                sub = [j for j in sorted(set(a) | set(b)) if a.get(j, "-") != b.get(j, "-")]
                j = sub[0]
                return f"{k} {j}: {a.get(j, '-')} there, {b.get(j, '-')} here"
            if k in ("couplings", "initial_state"):
                return f"{k} differ"
            return f"{k}: {a} there, {b} here"
    return "same"


def interrupts(ck: Checkpoint | None):
    """Ctrl-C held back to a step's end while a checkpoint is kept (else left alone)."""
    return InterruptFlag() if ck is not None else contextlib.nullcontext(_NoInterrupt)


class _NoInterrupt:
    raised = False


class InterruptFlag:
    """Ctrl-C (or SIGTERM; ``signals``) noted, not raised, inside the block (main thread).

    A checkpointed integrator checks :attr:`raised` between steps, saves, and raises
    :class:`CheckpointInterrupted`: the state saved is a whole step's. A sweep holds
    Ctrl-C back while it writes a chunk (``meanfield.sweep.execute``).
    """

    #: SIGTERM too: what ``timeout`` and batch schedulers send before SIGKILL
    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, signals: tuple = SIGNALS):
        self.raised = False
        self.signals = signals
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._note) for s in self.signals}
        return self

    def _note(self, *_):
        self.raised = True

    def __exit__(self, *exc):
        if self._previous is not None:
            for s, handler in self._previous.items():
                signal.signal(s, handler)
        return False
