"""Sweeps: ensembles of a scenario at every combination of varied keys, run on Dask.

``hyosan.sweep(FILE, vary={"KEY": [v1, v2]}, runs=N, seed=S, out="sweep.zarr")`` runs on a
local cluster by default (or a Dask client, or any scheduler by address), writes each task's
runs to a Zarr store as it finishes, continues a stopped sweep, and returns a Dataset with one
dimension per varied key. Modules: ``plan`` (axes, points, tasks), ``source`` (the scenario per
point, as ``hyosan run`` loads it), ``tasks`` (what a worker runs), ``cluster`` (where),
``store`` (the Zarr store, resuming and refusing), ``runner`` (the Dask loop), ``aggregates``,
``plot`` and ``command`` (``hyosan sweep``).

The function is exported as ``hyosan.sweep``; the package is ``hyosan.sweeps``.
"""

from hyosan.sweeps.aggregates import wilson_interval
from hyosan.sweeps.api import sweep

__all__ = ["sweep", "wilson_interval"]
