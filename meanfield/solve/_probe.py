"""Whether a generated function depends on an input at given parameter values.

Used where a dependence present in the formulas vanishes numerically (alpha_r = 0 makes
the gated r feed nothing): the complexity keeps only the fields that feed back, and the
sampled DMFT fails a solve only for a slow state that feeds the others.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def any_moved(pairs: Iterable, rtol: float = 1e-13) -> bool:
    """Whether any ``(before, after)`` pair of outputs differs by more than ``rtol`` of
    their size (relative: at g_h = 1e-20 every output is ~1e-20, and an absolute 1e-13
    called every input inactive; a probe found the crash that followed)."""
    for a, b in pairs:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if np.max(np.abs(a - b)) > rtol * max(np.max(np.abs(a)), np.max(np.abs(b))):
            return True
    return False
