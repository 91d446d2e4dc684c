"""Type and range checks shared by the argument checks at the package's boundaries.

Numbers arrive as Python's or numpy's (``np.int64(40)`` from an array, ``np.float32``,
a 0-d array); a bool is an ``int`` to Python but never a count or a value here, and a
string is never a number. The ``check_*`` functions return the value as a Python number
or raise :class:`~meanfield.ParameterError` naming the argument and its allowed range.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._errors import ParameterError


def _scalar(v):
    """A 0-d array's element (``np.array(3)`` -> ``np.int64(3)``); anything else as is."""
    return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v


def brief(v, limit: int = 60) -> str:
    """``repr(v)``, cut to ``limit`` characters (a value quoted in an error message)."""
    r = repr(v)
    return r if len(r) <= limit else r[:limit - 3] + "..."


def is_integer(v) -> bool:
    """A Python or numpy integer (or 0-d integer array), not a bool."""
    v = _scalar(v)
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def is_real(v) -> bool:
    """A Python or numpy integer or float (or 0-d array of one), not a bool (nor a
    string, nor complex)."""
    v = _scalar(v)
    return is_integer(v) or isinstance(v, float | np.floating)


def _range(lo, hi, lo_open=False, hi_open=False) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return ""


def check_int(name: str, v, *, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as an int in [lo, hi], or a ParameterError naming ``name`` and the range."""
    x = _scalar(v)
    if not (is_integer(x) and (lo is None or x >= lo) and (hi is None or x <= hi)):
        raise ParameterError(f"{name}={v!r} must be an integer {_range(lo, hi)}".rstrip())
    return int(x)


def check_float(name: str, v, *, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False) -> float:
    """``v`` as a finite float within the bounds, or a ParameterError naming ``name``."""
    x = _scalar(v)
    ok = is_real(x)
    if ok:
        try:
            x = float(x)
        except OverflowError:  # an int beyond double range
            ok = False
    ok = ok and math.isfinite(x)
    if ok and lo is not None:
        ok = x > lo if lo_open else x >= lo
    if ok and hi is not None:
        ok = x < hi if hi_open else x <= hi
    if not ok:
        raise ParameterError(f"{name}={v!r} must be a finite number "
                             f"{_range(lo, hi, lo_open, hi_open)}".rstrip())
    return x


def check_bool(name: str, v) -> bool:
    """``v`` as a bool (True/False or numpy's), or a ParameterError naming ``name``."""
    if not isinstance(_scalar(v), bool | np.bool_):
        raise ParameterError(f"{name}={v!r} must be True or False")
    return bool(v)


def check_choice(name: str, v, options) -> str:
    """``v`` if it is one of ``options`` (strings), or a ParameterError listing them."""
    if not (isinstance(v, str) and v in options):
        raise ParameterError(f"{name}={v!r} must be one of {', '.join(map(repr, options))}")
    return v


def check_parameter_name(model, what: str, name) -> str:
    """``name`` if it is a parameter of ``model``, else a ParameterError listing them."""
    if not (isinstance(name, str) and name in model.parameter_names):
        raise ParameterError(f"{what}: {name!r} is not a parameter of model {model.name!r}; "
                             f"its parameters are {', '.join(model.parameter_names)}")
    return name


def check_fits_in_memory(nbytes: float, what: str) -> None:
    """Raise :class:`ParameterError` when ``nbytes`` exceed this machine's physical memory.

    A request that large would end in a ``MemoryError`` (or the kernel's OOM killer)
    deep inside numpy; refusing it up front names the cause.
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: cannot tell
        return
    if nbytes > total:
        raise ParameterError(f"{what} would need {nbytes / 2**30:.3g} GiB, more than this "
                             f"machine's {total / 2**30:.3g} GiB of memory")
