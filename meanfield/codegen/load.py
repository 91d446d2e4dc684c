"""Compile generated source into a module whose source stays readable.

Each module gets a stable pseudo-filename registered in :mod:`linecache`, so
tracebacks and ``inspect.getsource`` show the generated lines (as SymPy's
``lambdify`` does), and keeps its source in ``__source__``.
"""

from __future__ import annotations

import linecache
import types

__all__ = ["load_source", "show_source"]


def load_source(source: str, name: str) -> types.ModuleType:
    """Compile ``source`` into a new module called ``name``."""
    filename = f"<meanfield-generated:{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(name)
    module.__file__ = filename
    module.__source__ = source
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 (our own printer output)
    return module


def show_source(module: types.ModuleType) -> str:
    """The source of a generated module."""
    return module.__source__
