"""Running a sweep's chunks: in-process, on a local Dask cluster, or on an existing one.

The driver submits one task per pending chunk and, as each result comes back, writes it
to the store (the single writer) and advances the progress bar. Ctrl-C is deferred
while a chunk is being written, so the store is never left between a chunk's data and
its ``done`` flags by an interrupt; remaining tasks are cancelled and a cluster this
module started is shut down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._checkpoint import InterruptFlag
from .errors import SweepError
from .plan import SweepSpec
from .quantities import compute_chunk
from .store import SweepStore

__all__ = ["RunStats", "execute", "open_backend"]


def _refuse_in_a_spawned_import() -> None:
    """Refuse to start a cluster from a worker process that is importing the user's script.

    Worker processes are spawned: each imports the ``__main__`` script again (as
    ``__mp_main__``), so a script that calls :func:`sweep` at its top level would start a
    cluster in every worker, and the parent sees only "Nanny failed to start".
    """
    import multiprocessing

    # (in a Dask worker the script is being imported as module "__mp_main__", while
    # sys.modules["__main__"] and multiprocessing.parent_process() say nothing of it)
    script = sys.modules.get("__mp_main__")
    if script is not None and multiprocessing.current_process().name != "MainProcess":
        raise SweepError(
            "sweep() was called while a worker process imported your script "
            f"({getattr(script, '__file__', '?')}): put the call under "
            "`if __name__ == \"__main__\":`")


def _refuse_an_unguarded_script() -> None:
    """Refuse, before any worker starts, a call of :func:`sweep` at the top level of a
    script run as ``python script.py`` without ``if __name__ == "__main__":``.

    Each spawned worker imports such a script again, and the call in it was refused only
    there: the user saw two workers' tracebacks and Dask's "Nanny failed to start", 128
    lines, before the one-line remedy (a probe, 2026-11-28). Read from the script's own
    source: the line of its module-level frame that is running now, inside or outside an
    ``if __name__ == "__main__":`` block. Only for a plain script (multiprocessing does not
    import ``python -m`` package mains again) whose source can be read.
    """
    import ast

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or getattr(main, "__spec__", None) is not None or not path \
            or not str(path).endswith(".py"):
        return
    frame = sys._getframe()
    while frame is not None and not (frame.f_code.co_name == "<module>"
                                     and frame.f_globals is vars(main)):
        frame = frame.f_back
    if frame is None:
        return
    line = frame.f_lineno
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return

    def is_main_test(test) -> bool:
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1
                and isinstance(test.ops[0], ast.Eq)):
            return False
        sides = [test.left, test.comparators[0]]
        return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
                and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))

    for node in ast.walk(tree):
        if isinstance(node, ast.If) and is_main_test(node.test) \
                and node.lineno <= line <= (node.end_lineno or node.lineno):
            return
    raise SweepError(f"{path}, line {line}: sweep() at the top level of a script: every "
                     "worker process imports the script again; put the call under "
                     "`if __name__ == \"__main__\":` (or pass scheduler='serial')")


@dataclass
class RunStats:
    """What one run of the driver did.

    Attributes
    ----------
    chunks, chunks_done_before, chunks_computed : int
        Chunks in all, already stored when the run began, and computed by this run.
    points_computed : int
        Points (times seeds) computed by this run.
    seconds : float
        Wall time of the run (cluster start included).
    scheduler : str
        Where the chunks ran.
    """

    chunks: int
    chunks_done_before: int
    chunks_computed: int = 0
    points_computed: int = 0
    seconds: float = 0.0
    scheduler: str = ""


# ------------------------------------------------------------------ Ctrl-C

@contextlib.contextmanager
def deferred_interrupt():
    """Hold back SIGINT for the duration of the block, then raise it (main thread only)."""
    with InterruptFlag(signals=(signal.SIGINT,)) as flag:
        yield
    if flag.raised:
        raise KeyboardInterrupt


# ------------------------------------------------------------------ backends

class SerialBackend:
    """Chunks computed one after another in this process (no Dask)."""

    description = "serial (in-process)"
    workers = 1

    def results(self, spec: SweepSpec, regions: list, pending: list) -> Iterator:
        """Yield ``(index, values)`` for each pending chunk, in order."""
        for i in pending:
            yield i, _compute(spec, regions[i])

    def close(self) -> None:
        """Nothing to release."""


class DaskBackend:
    """Chunks as Dask tasks on a ``distributed`` cluster.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        ``None`` or ``"local"``: start a ``LocalCluster`` of ``workers`` single-threaded
        processes (closed at the end). An address (``tcp://host:8786``): connect to that
        cluster, which is left running. A ``Client``: use it as it is.
    workers : int, optional
        Worker processes of a local cluster (default: the CPU count).
    """

    def __init__(self, scheduler=None, workers: int | None = None):
        import dask
        from distributed import Client

        self._cluster = None
        self._own_client = True
        self._futures = []
        if isinstance(scheduler, Client):
            self.client, self._own_client = scheduler, False
            self.description = f"Dask cluster at {scheduler.scheduler.address}"
        elif scheduler in (None, "local"):
            from distributed import LocalCluster

            n = int(workers or os.cpu_count() or 1)
            _refuse_in_a_spawned_import()
            _refuse_an_unguarded_script()
            # no dashboard, and the scheduler's HTTP server on a free port (its default,
            # 8787, may be taken by another cluster)
            # Dask's workers get MALLOC_TRIM_THRESHOLD_=65536, which returns every freed
            # block over 64 KiB to the system: the theory's large temporaries are then
            # mapped and zeroed again for each use (a dimension sweep: 52 s of system time
            # in 51 s, against 1.6 s serially). Any fixed value does it (it switches off
            # glibc's dynamic mmap threshold; 1 GiB measured as slow), so the variable is
            # kept out of the workers' environment altogether: out of Dask's settings, and
            # out of this process's environment while they start (an in-process Dask
            # cluster sets it there).
            env = {k: v for k, v in
                   dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                   if k != "MALLOC_TRIM_THRESHOLD_"}
            inherited = os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            # The worker processes start with SIGINT ignored (the disposition survives
            # their exec), so that Ctrl-C, which the terminal sends to the whole process
            # group, reaches only this driver, which cancels the tasks and closes the
            # cluster: each worker printed two tracebacks of its own KeyboardInterrupt
            # besides the one-line message (seen and left 2026-11-27, fixed here). A
            # Ctrl-C in the second or two the cluster takes to start is not seen.
            in_main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
            try:
                with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
                    self._cluster = LocalCluster(
                        n_workers=n, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.ERROR,
                        scheduler_kwargs={"dashboard_address": ":0"})
            except RuntimeError as exc:  # "Nanny failed to start."
                script = getattr(sys.modules.get("__main__"), "__file__", None)
                hint = (f"; if {script} calls sweep() at its top level, put the call under "
                        "`if __name__ == \"__main__\":` (each worker process imports the "
                        "script)" if script else "")
                raise SweepError(f"the local Dask cluster did not start ({exc}){hint}; or "
                                 "pass scheduler='serial'") from exc
            finally:
                if inherited is not None:
                    os.environ["MALLOC_TRIM_THRESHOLD_"] = inherited
                if in_main:
                    signal.signal(signal.SIGINT, previous)
            self.client = Client(self._cluster)
            self.description = f"local Dask cluster ({n} worker process{'es' * (n > 1)})"
        else:
            try:
                self.client = Client(scheduler, timeout="30s")
            except (ValueError, TypeError, OSError, TimeoutError) as exc:
                # a malformed address (ValueError) or no scheduler there (OSError after the
                # timeout): one line, not Dask's traceback
                raise SweepError(f"scheduler={scheduler!r}: cannot connect to a Dask "
                                 f"scheduler there ({exc}); give 'serial', 'local' or the "
                                 "address of a running scheduler (tcp://host:port)") from None
            self.description = f"Dask cluster at {scheduler}"

    @property
    def workers(self) -> int:
        """Workers currently connected."""
        return max(len(self.client.scheduler_info(n_workers=-1).get("workers", {})), 1)

    def results(self, spec: SweepSpec, regions: list, pending: list) -> Iterator:
        """Submit every pending chunk; yield ``(index, values)`` as each finishes."""
        from distributed import as_completed

        index = {}
        for i in pending:
            axes, seeds = spec.chunk_args(regions[i])
            fut = self.client.submit(compute_chunk, spec.quantity.name, spec.model, axes,
                                     spec.params, spec.options, seeds, pure=False)
            index[fut.key] = i
            self._futures.append(fut)
        finished = as_completed(self._futures, with_results=True)
        while not finished.is_empty():
            batch = finished.next_batch(block=False)
            if not batch:
                # poll: a blocking wait would not see Ctrl-C until the next task ends
                time.sleep(0.05)
            for fut, values in batch:
                if fut.status == "error":
                    # next_batch hands back an erred task's exception info as its value;
                    # result() raises the worker's exception itself (a MeanfieldError
                    # reaches the CLI as one line; anything else is a bug)
                    fut.result()
                yield index[fut.key], values
                fut.release()

    def close(self) -> None:
        """Cancel what is left; close the client and any cluster started here."""
        with contextlib.suppress(Exception):
            if self._futures:
                self.client.cancel(self._futures)
        if self._own_client:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def _compute(spec: SweepSpec, region: tuple) -> dict:
    axes, seeds = spec.chunk_args(region)
    return compute_chunk(spec.quantity.name, spec.model, axes, spec.params, spec.options, seeds)


@contextlib.contextmanager
def open_backend(scheduler=None, workers: int | None = None):
    """The backend for ``scheduler`` (``"serial"``, ``"local"``/None, an address or a
    ``Client``), closed on exit."""
    backend = SerialBackend() if scheduler == "serial" else DaskBackend(scheduler, workers)
    try:
        yield backend
    finally:
        backend.close()


# ------------------------------------------------------------------ the driver

def execute(spec: SweepSpec, store: SweepStore, regions: list, pending: list, backend, *,
            stats: RunStats, progress: bool = True) -> RunStats:
    """Compute the ``pending`` chunks on ``backend`` and write each to ``store``.

    ``stats`` is updated as chunks are stored, so it is right even when an exception
    (Ctrl-C included) ends the run early.
    """
    from tqdm.auto import tqdm

    start = time.perf_counter()
    done_points = spec.size - sum(_points(regions[i]) for i in pending)
    bar = tqdm(total=spec.size, initial=done_points, unit="pt", desc=f"sweep {spec.quantity.name}",
               disable=not progress, dynamic_ncols=True, smoothing=0.05)
    try:
        for i, values in backend.results(spec, regions, pending):
            with deferred_interrupt():
                store.write(spec.dims, regions[i], values)
                stats.chunks_computed += 1
                stats.points_computed += _points(regions[i])
            bar.update(_points(regions[i]))
    finally:
        bar.close()
        stats.seconds += time.perf_counter() - start
    return stats


def _points(region: tuple) -> int:
    n = 1
    for sl in region:
        n *= sl.stop - sl.start
    return n
