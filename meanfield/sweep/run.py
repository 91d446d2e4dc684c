"""The sweep entry points: :func:`sweep` (returns the dataset) and :func:`run_sweep`."""

from __future__ import annotations

import numbers
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .._errors import ParameterError
from .errors import SweepInterrupted
from .execute import RunStats, execute, open_backend
from .plan import auto_chunk, block_shape, blocks, make_spec
from .store import SweepStore

__all__ = ["SweepReport", "run_sweep", "sweep"]


@dataclass
class SweepReport:
    """The outcome of :func:`run_sweep`.

    Attributes
    ----------
    dataset : xarray.Dataset
        The stored sweep (lazy; ``.load()`` reads it).
    summary : dict
        JSON-ready: ``quantity, model, out, points, chunks, chunk_shape,
        chunks_already_done, chunks_computed, points_computed, failed, not_converged,
        complete, seconds, scheduler, chunks_damaged, damaged``: ``chunks_damaged``
        counts the stored chunks that a resume found unreadable (checksum or
        decompression error, or a missing file) and computed again, and ``damaged`` says
        what was wrong with each.
    """

    dataset: object
    summary: dict = field(default_factory=dict)


def sweep(quantity: str, model="gated", *, grid: dict, params: dict | None = None, out,
          resume: bool = False, overwrite: bool = False, scheduler=None,
          workers: int | None = None, chunk: int | None = None, progress: bool = True,
          **options):
    """Compute ``quantity`` on a grid of parameters and store it as a labelled Zarr dataset.

    Parameters
    ----------
    quantity : str
        ``"fixed-points"``, ``"dmft"``, ``"complexity"``, ``"dimension"`` or
        ``"simulate"`` (:data:`meanfield.sweep.QUANTITIES`).
    model : str, Path or Model
    grid : dict
        Axis name -> values (array-like) or ``"start:stop:num"``; the dimensions, in order.
    params : dict, optional
        Values of other parameters (defaults otherwise).
    out : str or Path
        The Zarr store (a directory).
    resume : bool
        Continue the sweep stored at ``out``: it must have been made with the same
        quantity, model, grid, parameters and options; only chunks not yet done are
        computed.
    overwrite : bool
        Replace an existing store at ``out``.
    scheduler : None, "local", "serial", address or distributed.Client
        Where chunks run: a local Dask cluster (default), in this process (``"serial"``),
        or an existing Dask cluster (its scheduler address, or a Client).
    workers : int, optional
        Worker processes of the local cluster (default: the CPU count).
    chunk : int, optional
        Points (times seeds) per task; default: sized to take a few seconds.
    progress : bool
        Show a progress bar on stderr.
    **options
        Options of the quantity (e.g. ``tau_max=50`` for ``dmft``, ``N=200, seeds=3, T=100``
        for ``simulate``); an option the quantity does not have is an error.

    Returns
    -------
    xarray.Dataset
        Dimensions = the grid axes (and ``seed``), with the ``done`` mask and attributes;
        see :mod:`meanfield.sweep.store`.
    """
    return run_sweep(quantity, model, grid=grid, params=params, out=out, resume=resume,
                     overwrite=overwrite, scheduler=scheduler, workers=workers, chunk=chunk,
                     progress=progress, **options).dataset


def run_sweep(quantity: str, model="gated", *, grid: dict, params: dict | None = None, out,
              resume: bool = False, overwrite: bool = False, scheduler=None,
              workers: int | None = None, chunk: int | None = None, progress: bool = True,
              **options) -> SweepReport:
    """Like :func:`sweep`, but returns a :class:`SweepReport` (dataset and run summary).

    Raises
    ------
    MeanfieldError
        Bad input, or a store that exists (without ``resume``/``overwrite``), does not
        match (with ``resume``) or is being written by another run
        (:class:`~meanfield.sweep.errors.StoreBusyError`).
    SweepInterrupted
        On Ctrl-C, after the chunks finished so far are stored.
    """
    _check_arguments(resume, overwrite, chunk, workers)
    if not isinstance(out, str | os.PathLike):  # (out=3: pathlib's TypeError; a probe)
        raise ParameterError(f"out={out!r} must be the path of the store (a .zarr folder)")
    spec = make_spec(quantity, model, grid, params, options)
    t0 = time.perf_counter()
    asked = None if chunk is None else block_shape(spec.shape, chunk)
    damaged: dict = {}
    store = None
    try:
        if resume:
            # the one writer from here to the end (another run: refused)
            store = SweepStore.open(out, lock=True)
            block = store.check_matches(spec, asked)
            regions = blocks(spec.shape, block)
            finished = store.done_regions(regions)
            # a stored chunk that no longer reads back (checksum, truncation, a missing
            # file) is not data: it is reported and computed again
            damaged = store.verify(regions, finished)
            nothing_left = finished.all() and not damaged
            if nothing_left:
                scheduler = "serial"  # nothing left to compute: no cluster to start
            else:
                store.check_writable()
            for i in damaged:
                store.clear(regions[i])
        else:
            SweepStore.check_new(out, overwrite=overwrite)  # before starting any cluster
        with open_backend(scheduler, workers) as backend:
            if not resume:
                block = asked or block_shape(spec.shape, auto_chunk(spec, backend.workers))
                store = SweepStore.create(out, spec, block, overwrite=overwrite)
            stats = _run_pending(spec, store, block, backend, progress)
    finally:
        if store is not None:
            store.release()
    stats.seconds = time.perf_counter() - t0
    ds = store.dataset()
    summary = _summary(spec, store, block, stats, ds)
    summary["chunks_damaged"] = len(damaged)
    if resume and nothing_left:  # (it named the serial scheduler; a probe)
        summary["scheduler"] = "none (nothing left to compute)"
    summary["damaged"] = list(damaged.values())
    return SweepReport(ds, summary)


def _check_arguments(resume, overwrite, chunk, workers) -> None:
    """One-line errors for the run's own arguments."""
    if resume and overwrite:
        raise ParameterError("resume and overwrite exclude each other")
    for name, v in (("chunk", chunk), ("workers", workers)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1):
            raise ParameterError(f"{name}={v!r} must be a positive integer")


def _run_pending(spec, store: SweepStore, block: tuple, backend, progress: bool) -> RunStats:
    """Compute and store the chunks of ``store`` not yet done."""
    regions = blocks(spec.shape, block)
    finished = store.done_regions(regions)
    pending = [i for i in range(len(regions)) if not finished[i]]
    stats = RunStats(chunks=len(regions), chunks_done_before=int(finished.sum()),
                     scheduler=backend.description)
    try:
        execute(spec, store, regions, pending, backend, stats=stats, progress=progress)
    except KeyboardInterrupt:
        raise SweepInterrupted(store.path, stats.chunks_done_before + stats.chunks_computed,
                               stats.chunks) from None
    return stats


def _summary(spec, store: SweepStore, block: tuple, stats: RunStats, ds) -> dict:
    """The run's summary, with failure counts over the whole store."""
    done = ds["done"].values
    failed_mask = ds["failed"].values & done if "failed" in ds else np.zeros_like(done)
    failed = int(failed_mask.sum())
    bad = np.zeros_like(done)
    if spec.quantity.converged:
        bad = ~ds[spec.quantity.converged].values & done & ~failed_mask
    nc = int(bad.sum())

    def where(mask, limit=5):
        # the first few points by their coordinates: the summary said "not converged: 1"
        # and a user had to search the store for it (a probe, 2026-11-28)
        return [{d: float(ds[d].values[i]) if np.issubdtype(ds[d].dtype, np.number)
                 else str(ds[d].values[i]) for d, i in zip(spec.dims, idx)}
                for idx in np.argwhere(mask)[:limit]]

    def why(mask, limit=5):
        # the stored reasons of those points (the summary sent the user to the single
        # command to learn them)
        if "message" not in ds:
            return []
        # (point by point: reading the whole text array of a large sweep for five)
        return [str(ds["message"].isel({d: int(i) for d, i in zip(ds["message"].dims, idx)})
                    .values) for idx in np.argwhere(mask)[:limit]]
    return {"quantity": spec.quantity.name, "model": spec.model.name, "out": str(store.path),
            "dims": list(spec.dims), "shape": list(spec.shape), "points": spec.size,
            "chunks": stats.chunks, "chunk_shape": list(block),
            "chunks_already_done": stats.chunks_done_before,
            "chunks_computed": stats.chunks_computed,
            "points_computed": stats.points_computed, "failed": failed, "not_converged": nc,
            "failed_at": where(failed_mask), "not_converged_at": where(bad),
            "failed_why": why(failed_mask), "not_converged_why": why(bad),
            "complete": bool(np.all(done)), "seconds": round(stats.seconds, 3),
            "scheduler": stats.scheduler}
