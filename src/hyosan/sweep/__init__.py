"""Sweeps: ensembles of a scenario at every combination of varied keys, run on Dask.

``hyosan.sweep(FILE, vary={"KEY": [v1, v2]}, runs=N, seed=S, out="sweep.zarr")`` runs on a
local cluster by default (or a Dask client, or any scheduler by address), writes each task's
runs to a Zarr store as it finishes, continues a stopped sweep, and returns a Dataset with one
dimension per varied key. Modules: ``plan`` (axes, points, tasks), ``source`` (the scenario per
point, as ``hyosan run`` loads it), ``tasks`` (what a worker runs), ``cluster`` (where),
``store`` (the Zarr store, resuming and refusing), ``runner`` (the Dask loop), ``aggregates``,
``plot`` and ``command`` (``hyosan sweep``).

The package itself is callable, ``hyosan.sweep(...)`` being ``hyosan.sweep.sweep(...)``, so that
``hyosan.sweep`` stays the package (``import hyosan.sweep.plan`` works) and is the function too.
"""

import sys
import types
from typing import Any

import xarray as xr

from hyosan.sweep.aggregates import wilson_interval
from hyosan.sweep.api import sweep

__all__ = ["sweep", "wilson_interval"]


class _CallablePackage(types.ModuleType):
    """``hyosan.sweep(...)``: the package called as its ``sweep`` function."""

    def __call__(self, *args: Any, **kwargs: Any) -> xr.Dataset:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
