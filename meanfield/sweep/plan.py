"""What a sweep computes: the checked grid, parameters and options, and its chunks.

A :class:`SweepSpec` holds everything that defines the numbers of a sweep (quantity,
model, grid axes, fixed parameters, options, seeds); a resumed sweep must match it
exactly. Chunks are rectangular blocks of the grid (plus the ``seed`` dimension of a
simulation quantity), all of one *block shape*; they are the Dask tasks and, aligned
with the Zarr chunks, the unit of storage and of completion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._errors import ParameterError
from ..models import Model, get_model
from ..solve.phase import parse_axis
from .quantities import Quantity, check_options, get_quantity

__all__ = ["SweepSpec", "make_spec", "parse_grid", "block_shape", "blocks", "auto_chunk"]

#: Names the dataset keeps for itself.
RESERVED = ("seed", "done")


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep.

    Attributes
    ----------
    quantity : Quantity
    model : Model
    axes : dict of str to ndarray
        Grid axes in order (each 1-D, finite, distinct values).
    params : dict of str to float
        Values of every parameter that is not an axis.
    options : dict
        Resolved options of the quantity.
    seeds : ndarray of int or None
        Seeds 0..K-1 of a simulation quantity.
    """

    quantity: Quantity
    model: Model
    axes: dict
    params: dict
    options: dict
    seeds: np.ndarray | None

    @property
    def dims(self) -> tuple[str, ...]:
        """Dimension names: the axes, then ``seed`` for a simulation quantity."""
        return tuple(self.axes) + (() if self.seeds is None else ("seed",))

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the whole sweep."""
        return tuple(len(v) for v in self.axes.values()) + (
            () if self.seeds is None else (len(self.seeds),))

    @property
    def size(self) -> int:
        """Number of points (times seeds)."""
        return int(np.prod(self.shape))

    def chunk_args(self, region: tuple) -> tuple:
        """``(axes, seeds)`` of the chunk at ``region`` (a tuple of slices over :attr:`dims`)."""
        axes = {n: v[sl] for (n, v), sl in zip(self.axes.items(), region)}
        seeds = None if self.seeds is None else self.seeds[region[-1]]
        return axes, seeds


def parse_grid(grid) -> dict:
    """Axis values from ``{name: values}``; values are arrays or ``"start:stop:num"`` text.

    A sequence of ``"name=start:stop:num"`` strings (the CLI's ``--grid``) is accepted too.
    """
    if isinstance(grid, str):
        grid = [grid]
    if isinstance(grid, dict):
        items = list(grid.items())
    elif not (isinstance(grid, list | tuple) and all(isinstance(t, str) for t in grid)):
        # (grid=2.0 or [2.0] reached Python's TypeError; a probe, 2026-11-28)
        raise ParameterError(f"grid={grid!r} must be a dict of name to values, e.g. "
                             "{'g_h': '1:4:61'}, or strings 'name=start:stop:num'")
    else:
        items = [parse_axis(text) for text in grid]
        names = [n for n, _ in items]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ParameterError(f"grid axis {sorted(dup)[0]!r} given twice")
    if not items:
        raise ParameterError("a sweep needs at least one grid axis, e.g. --grid g_h=1:4:61")
    axes = {}
    for name, values in items:
        if isinstance(values, str):
            name, values = parse_axis(f"{name}={values}")
        raw = np.asarray(values, dtype=object if isinstance(values, list | tuple) else None)
        if raw.ndim > 1:
            # a nested list was flattened silently (found by a probe): an axis is 1-d
            raise ParameterError(f"grid axis {name!r}: values must be a flat list (got "
                                 f"shape {raw.shape}); one axis per parameter")
        if any(isinstance(v, bool | np.bool_) for v in np.atleast_1d(raw).tolist()):
            raise ParameterError(f"grid axis {name!r}: values are booleans, not numbers")
        try:
            arr = np.asarray(values, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ParameterError(f"grid axis {name!r}: values are not numbers") from None
        if arr.size == 0 or not np.all(np.isfinite(arr)):
            raise ParameterError(f"grid axis {name!r}: needs one or more finite values")
        if np.unique(arr).size != arr.size:
            raise ParameterError(f"grid axis {name!r}: values repeat")
        axes[str(name)] = arr
    return axes


def _check_axes(model: Model, axes: dict, given_params: dict, per_seed: bool) -> dict:
    """Check axis names and values against ``model``; return the fixed parameters."""
    for name in axes:
        if name in RESERVED and (per_seed or name == "done"):
            raise ParameterError(f"grid axis name {name!r} is reserved by the sweep's dataset")
        model.parameter(name)  # unknown name -> ParameterError listing the parameters
        if name in given_params:
            raise ParameterError(f"parameter {name!r} is both a grid axis and set to a value")
    base = model.resolve(given_params)
    for name, values in axes.items():
        for v in values:  # domain (and any constraint through a time constant) per value
            model.resolve({**base, name: float(v)})
    return {k: v for k, v in base.items() if k not in axes}


#: Most points of one sweep (10^8 already take days on a workstation).
MAX_SWEEP_POINTS = 100_000_000


def make_spec(quantity: str, model="gated", grid=None, params=None, options=None) -> SweepSpec:
    """Check a sweep's input and return its :class:`SweepSpec`.

    Raises
    ------
    UnknownQuantityError, ParameterError, ParameterDomainError, UnknownModelError
        Naming what is wrong, in one line.
    """
    q = get_quantity(quantity)
    model = get_model(model)
    axes = parse_grid(grid if grid is not None else {})
    fixed = _check_axes(model, axes, dict(params or {}), q.per_seed)
    opts = check_options(q, dict(options or {}))
    seeds = np.arange(opts["seeds"]) if q.per_seed else None
    spec = SweepSpec(q, model, axes, fixed, opts, seeds)
    if spec.size > MAX_SWEEP_POINTS:
        # three axes of 10 000 were accepted, and building the task graph took 6.8 GB in
        # 85 s before a MemoryError traceback (a probe, 2026-11-28)
        raise ParameterError(f"the grid has {spec.size:.3g} points (shape "
                             f"{' x '.join(map(str, spec.shape))}); at most "
                             f"{MAX_SWEEP_POINTS:.0e} points: use fewer points per axis")
    return spec


# ------------------------------------------------------------------ chunks

def block_shape(shape: tuple, points: int) -> tuple:
    """A block of at most ``points`` points (at least one), filled from the last dimension.

    ``block_shape((61, 31), 100) == (3, 31)``: whole rows of the last axis where they fit,
    so a vectorised kernel sees long contiguous axes.
    """
    left = max(int(points), 1)
    block = []
    for n in reversed(shape):
        b = min(n, left)
        block.append(b)
        left = max(left // b, 1)
    return tuple(reversed(block))


def blocks(shape: tuple, block: tuple) -> list[tuple]:
    """Regions (tuples of slices) of the blocks covering ``shape``, in C order."""
    counts = [-(-n // b) for n, b in zip(shape, block)]
    return [tuple(slice(i * b, min((i + 1) * b, n)) for i, b, n in zip(idx, block, shape))
            for idx in np.ndindex(*counts)]


def auto_chunk(spec: SweepSpec, workers: int, *, low: float = 1.0, high: float = 8.0) -> int:
    """Points per chunk: each task between ``low`` and ``high`` seconds (estimated), and
    otherwise about two tasks per worker so that every worker is busy."""
    cost = max(float(spec.quantity.cost(spec.model, spec.options)), 1e-9)
    fewest = math.ceil(low / cost)
    most = max(math.ceil(high / cost), fewest)
    even = math.ceil(spec.size / max(2 * workers, 1))
    return int(min(max(even, fewest), most))
