"""Type tests shared by the argument checks at the package's boundaries.

Numbers arrive as Python's or numpy's (``np.int64(40)`` from an array, ``np.float32``);
a bool is an ``int`` to Python but never a count or a value here, and a string is never
a number.
"""

from __future__ import annotations

import numpy as np


def is_integer(v) -> bool:
    """A Python or numpy integer, not a bool."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def is_real(v) -> bool:
    """A Python or numpy integer or float, not a bool (nor a string, nor complex)."""
    return is_integer(v) or isinstance(v, float | np.floating)
