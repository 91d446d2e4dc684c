"""Short reprs for result objects: scalars as numbers, arrays as their shape.

A result's ``repr`` is what an interactive session prints. Dataclass reprs printed every
array in full (a sampled ``DMFTResult``: 40 kB; a ``Trajectory`` of 200 units: 14 kB) and
numpy scalars as ``np.float64(...)``; found by a probe (2026-11-28). The data stay in the
attributes; the repr names them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["short_repr", "summary"]

_MAX_INLINE = 6  # arrays and sequences of numbers up to this size are printed


def summary(value) -> str:
    """A short text for one attribute value."""
    if isinstance(value, np.ndarray):
        if value.size <= _MAX_INLINE and value.ndim <= 1:
            return repr(value.tolist())
        return f"<array {'x'.join(map(str, value.shape)) or 'scalar'} {value.dtype}>"
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {summary(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        if len(value) > _MAX_INLINE or any(isinstance(v, np.ndarray) and v.size > _MAX_INLINE
                                           for v in value):
            kinds = {type(v).__name__ for v in value}
            return f"<{type(value).__name__} of {len(value)} {'/'.join(sorted(kinds))}>"
        inner = ", ".join(summary(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) \
            else f"[{inner}]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"<{type(value).__name__}>"
    return repr(value)


def short_repr(self) -> str:
    """``Name(field=value, ...)`` over the dataclass fields shown in its repr."""
    parts = [f"{f.name}={summary(getattr(self, f.name))}"
             for f in dataclasses.fields(self) if f.repr]
    return f"{type(self).__name__}({', '.join(parts)})"
