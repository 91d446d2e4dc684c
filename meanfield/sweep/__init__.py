"""Sweeps: any theory quantity or simulation measurement on a grid of parameters.

``sweep("fixed-points", "gated", grid={"g_h": "1:4:61", "alpha_r": "0:30:31"},
out="pd.zarr")`` computes the quantity chunk by chunk on a Dask cluster (a local one by
default), writes each chunk to a labelled Zarr store as it finishes, and returns the
:class:`xarray.Dataset`. An interrupted sweep is continued with ``resume=True``, which
computes only the chunks not yet stored. See ``docs/sweeps.md``.

Modules: :mod:`~meanfield.sweep.quantities` (what can be swept: kernels, outputs,
options), :mod:`~meanfield.sweep.plan` (checked input and chunks),
:mod:`~meanfield.sweep.store` (Zarr layout, resume checks),
:mod:`~meanfield.sweep.execute` (serial and Dask execution, the single-writer driver).
"""

from .errors import (StoreBusyError, StoreExistsError, StoreMismatchError, SweepError,
                     SweepInterrupted, UnknownQuantityError)
from .quantities import QUANTITIES, get_quantity
from .run import SweepReport, run_sweep, sweep

__all__ = ["QUANTITIES", "StoreBusyError", "StoreExistsError", "StoreMismatchError", "SweepError",
           "SweepInterrupted", "SweepReport", "UnknownQuantityError", "get_quantity",
           "run_sweep", "sweep"]
