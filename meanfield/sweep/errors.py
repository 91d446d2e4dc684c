"""Errors of the sweep machinery (all :class:`~meanfield.MeanfieldError`, one line each)."""

from __future__ import annotations

from .._errors import MeanfieldError, ParameterError

__all__ = ["SweepError", "StoreExistsError", "StoreMismatchError", "StoreBusyError",
           "UnknownQuantityError", "SweepInterrupted"]


class SweepError(MeanfieldError):
    """A sweep cannot run or its store cannot be used."""


class StoreExistsError(SweepError):
    """The output store exists and neither ``resume`` nor ``overwrite`` was asked for."""


class StoreMismatchError(SweepError):
    """``resume`` was asked for, but the store was made by a different sweep."""


class StoreBusyError(SweepError):
    """Another run (a sweep, a resume) is writing the store."""


class UnknownQuantityError(ParameterError):
    """No sweepable quantity of that name."""


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was interrupted (Ctrl-C); the store is consistent and can be resumed.

    Attributes
    ----------
    path : str
        The store.
    done, total : int
        Chunks completed and in all.
    """

    def __init__(self, path, done: int, total: int):
        self.path, self.done, self.total = str(path), int(done), int(total)
        super().__init__(f"interrupted with {done} of {total} chunks stored in {path}; "
                         "run the same sweep again with --resume (in Python: resume=True) to finish it")
