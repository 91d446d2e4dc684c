"""On-disk cache of generated modules (style habit 3).

The key is a SHA-256 of everything that changes the generated source: the
model's hash, the kind of module, the package version, the SymPy version, the
printer version and a fingerprint of the package's own derivation and code
generation sources (so even an unreleased fix never serves stale code). Writes go
through a file lock and an atomic rename, so parallel sweeps (and the test suite's
parallel workers) never read a half-written module. The folder is ``$MEANFIELD_CACHE``
or ``~/.cache/meanfield``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import sympy as sp
from filelock import FileLock

from .._files import replaced
from .._version import __version__
from .printer import PRINTER_VERSION

__all__ = ["cache_dir", "cache_key", "cached_source"]


def cache_dir() -> Path:
    """The cache folder (created on demand)."""
    d = Path(os.environ.get("MEANFIELD_CACHE", Path.home() / ".cache" / "meanfield"))
    d.mkdir(parents=True, exist_ok=True)
    return d


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """SHA-256 of the sources that shape generated code (models, derive, codegen)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for sub in ("models", "derive", "codegen"):
        for f in sorted((root / sub).glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(model_hash: str, kind: str) -> str:
    """SHA-256 of model hash, module kind, package/SymPy/printer versions, source fingerprint."""
    text = "|".join([model_hash, kind, __version__, sp.__version__, PRINTER_VERSION,
                     source_fingerprint()])
    return hashlib.sha256(text.encode()).hexdigest()


def cached_source(model_hash: str, kind: str, generate: Callable[[], str]) -> tuple[str, Path]:
    """The generated source for ``(model, kind)``: read from the cache or generated and stored."""
    key = cache_key(model_hash, kind)
    path = cache_dir() / f"{kind}_{key[:32]}.py"
    if path.exists():
        return path.read_text(), path
    with FileLock(str(path) + ".lock"):
        if path.exists():  # written by another process while we waited
            return path.read_text(), path
        source = generate()
        with replaced(path, sync=False) as tmp:  # readers never see a partial file
            tmp.write_text(source)
    return source, path
