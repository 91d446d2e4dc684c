"""Files written whole or not at all (the package's one way of doing it)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replaced", "temporary_name"]


def temporary_name(path: Path, pid: int | None = None) -> Path:
    """``.NAME.PID.tmp`` beside ``path``: where :func:`replaced` writes first (one per
    process, so two writers never share it; a name to find orphans by)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid() if pid is None else pid}.tmp")


@contextlib.contextmanager
def replaced(path, *, sync: bool = True) -> Iterator[Path]:
    """Yield a temporary file name beside ``path``; when the block ends without an error,
    flush it to disk (``sync``) and rename it over ``path``, atomically, so a reader (or
    the next run, after a kill) sees the old file or the new one, never half of one. On
    an error the temporary file is removed and the error raised."""
    path = Path(path)
    tmp = temporary_name(path)
    try:
        yield tmp
        if sync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # (a read-only disk refuses this too)
            tmp.unlink(missing_ok=True)
        raise
