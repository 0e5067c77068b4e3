"""Reading and writing results: NetCDF and Zarr files that carry their scenario and seed.

Writing atomically is in :mod:`hyosan.results.writer`, batch by batch in
:mod:`hyosan.results.batches`, output paths checked in :mod:`hyosan.results.paths`; the place
layout attached to results in :mod:`hyosan.results.layout` (re-exported here). Every writer here
checks its path first (:func:`~hyosan.results.paths.check_output`) and writes to a temporary name
that is renamed into place, so an earlier file is never half-replaced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.results.batches import ResultsWriter, writer_alive
from hyosan.results.focus import context_name, context_regions, focus_name, focus_regions
from hyosan.results.layout import with_place_layout
from hyosan.results.paths import check_output
from hyosan.results.recorder import summarize
from hyosan.results.writer import (
    NETCDF_SUFFIXES,
    atomic_file,
    combine,
    restore_moved_aside,
    results_format,
    write_netcdf,
    write_zarr,
)

__all__ = [
    "NETCDF_SUFFIXES", "ResultsWriter", "combine", "describe", "load", "results_format", "save",
    "save_summary", "summary_table", "with_place_layout",
]  # fmt: skip


def save(ds: xr.Dataset, path: str | Path, overwrite: bool = True) -> Path:
    """Write results to NetCDF (``.nc``) or Zarr (``.zarr``). An existing file is replaced only
    with ``overwrite`` (a folder that is not a hyosan store never is), once the new one is whole."""
    path = Path(path)
    fmt = results_format(path)
    check_output(path, overwrite=overwrite)
    if fmt == "zarr":
        write_zarr(ds, path, append=False)
    else:
        write_netcdf(ds, path)
    return path


def load(path: str | Path, lazy: bool = False) -> xr.Dataset:
    """Read results written by :func:`save`; refuses files that are not hyosan results.

    lazy: leave the large variables on disk until used (an ensemble too large for memory).
    A file whose writer was stopped (killed) before it finished says ``status = 'interrupted'``
    and holds only the runs written whole (a Zarr append cut midway is left out).
    """
    path = Path(path)
    if not path.exists() and not restore_moved_aside(path):
        raise HyosanError(f"results file {str(path)!r} does not exist")
    try:
        if path.suffix.lower() == ".zarr":
            ds = _open_zarr_runs_done(path)
        else:
            ds = xr.open_dataset(path, engine="h5netcdf")
        if not lazy:
            ds = ds.load()
            ds.close()
    except Exception as error:
        raise HyosanError(
            f"results file {str(path)!r} is not a hyosan results file: {error}"
        ) from None
    if "hyosan_version" not in ds.attrs or "counts" not in ds:
        raise HyosanError(
            f"results file {str(path)!r} is not a hyosan results file "
            "(no 'counts' variable or 'hyosan_version' attribute)"
        )
    for name in list(ds.variables):
        if ds[name].dtype.kind in "OT":  # Zarr's variable-length text: back to numpy str
            text = np.asarray(ds[name].values, dtype=object).astype(str)
            if name in ds.coords:
                ds = ds.assign_coords({name: (ds[name].dims, text)})
            else:
                ds[name] = (ds[name].dims, text, ds[name].attrs)
    if ds.attrs.get("seed") is not None:
        ds.attrs["seed"] = str(ds.attrs["seed"])
    if ds.attrs.get("status") == "running" and writer_alive(ds.attrs.get("writer", "")) is False:
        ds.attrs["status"] = "interrupted"  # its writer was killed before it could say so
    return ds


def _open_zarr_runs_done(path: Path) -> xr.Dataset:
    """A Zarr store, lazily, holding only the runs its attributes count as done: an append cut
    midway (a kill) leaves arrays of different lengths along ``run``, each read up to that."""
    try:
        return xr.open_zarr(path)
    except ValueError as error:
        if "conflicting sizes" not in str(error):
            raise
    import zarr

    group = zarr.open_group(str(path), mode="r", zarr_format=2)
    done = int(group.attrs.get("runs", 0))
    names = list(group.array_keys())
    parts = []
    for name in names:
        others = [other for other in names if other != name]
        part = xr.open_zarr(path, drop_variables=others)
        if "run" in part.dims:
            part = part.isel(run=slice(0, done))
        parts.append(part)
    ds = xr.merge(parts, compat="override", join="override", combine_attrs="override")
    ds.attrs = dict(group.attrs)
    return ds


ROLE_KEYS = ("infectious", "latent", "susceptible")
SUMMARIES = ("peak_infectious", "peak_time", "final_susceptible", "final_infectious", "extinct")


def _over_runs(per_run: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Median and 10-90 % of each per-run summary over runs (the share of runs for 'extinct')."""
    out: dict[str, dict[str, float]] = {}
    for name, values in per_run.items():
        values = np.asarray(values)
        if not values.size:
            continue
        if name == "extinct":
            out[name] = {"share": float(np.mean(values))}
        else:
            q10, q50, q90 = np.nanquantile(values.astype(np.float64), [0.1, 0.5, 0.9])
            out[name] = {"median": float(q50), "q10": float(q10), "q90": float(q90)}
    return out


def _focus_info(ds: xr.Dataset) -> dict[str, Any]:
    """What the results are about: the focus's name, regions and people; the context's, with
    its own summaries (nothing for results about the whole world)."""
    name = focus_name(ds)
    if not name or not ds.sizes.get("time"):
        return {}
    counts = ds["counts"].isel(run=0, time=0)
    roles = {key: str(ds.attrs.get(key, "")).split(",") for key in ROLE_KEYS}
    context = context_regions(ds)
    totals = np.asarray(ds["counts"].sel(region=context).sum("region").values)
    reported = [str(c) for c in ds["compartment"].values]
    per_run = summarize(totals, ds["time"].values, roles, reported)
    return {
        "focus": {
            "name": name,
            "regions": len(focus_regions(ds)),
            "people": int(counts.sel(region=focus_regions(ds)).sum()),
        },
        "context": {
            "name": context_name(ds),
            "regions": len(context),
            "people": int(counts.sel(region=context).sum()),
            "summaries": _over_runs(per_run),
        },
    }


# ------------------------------------------------------------------------------------------------
def summary_table(ds: xr.Dataset) -> Any:
    """One row per run: peak, its time, humans left, extinction, characters' fates, when each
    intervention started (a pandas DataFrame)."""
    import pandas as pd

    columns: dict[str, Any] = {"run": ds["run"].values}
    for name, var in ds.data_vars.items():
        if var.dims == ("run",):
            columns[name] = var.values
    if "character" in ds.dims:
        for name in ("character_fate", "character_fate_time"):
            if name in ds:
                for character in ds["character"].values:
                    values = ds[name].sel(character=character).values
                    label = name.replace("character_", "")
                    columns[f"{label}:{character}"] = (
                        values.astype(str) if values.dtype.kind in "OUT" else values
                    )
    if "intervention" in ds.dims:
        for k, item in enumerate(ds["intervention"].values):
            for name in ("intervention_start", "intervention_end"):
                if name in ds:
                    label = name.replace("intervention_", "")
                    columns[f"{label}:{k}:{item}"] = ds[name].isel(intervention=k).values
    table = pd.DataFrame(columns)
    table.attrs = {"time_unit": ds.attrs.get("time_unit", ""), "seed": ds.attrs.get("seed", "")}
    return table


def save_summary(ds: xr.Dataset, path: str | Path, overwrite: bool = True) -> Path:
    """Write the per-run summary table to CSV (``.csv``) or Parquet (``.parquet``), through a
    temporary file (an existing one is replaced only with ``overwrite``, and only when whole)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise HyosanError(f"summary file {str(path)!r}: use a .csv or .parquet suffix")
    check_output(path, overwrite=overwrite, key="summary")
    table = summary_table(ds)
    with atomic_file(path, key="summary") as partial:
        if suffix == ".csv":
            table.to_csv(partial, index=False)
        else:
            try:
                table.to_parquet(partial, index=False)
            except ImportError as error:
                raise HyosanError(
                    f"summary {str(path)!r}: Parquet needs pyarrow ({error})", key="summary"
                ) from None
    return path


def describe(ds: xr.Dataset) -> dict[str, Any]:
    """What a results file holds, for ``hyosan info``: scenario, settings, summaries."""
    try:
        scenario = json.loads(ds.attrs.get("scenario", "{}"))
    except json.JSONDecodeError:
        scenario = {}
    unit = ds.attrs.get("time_unit", "")
    info: dict[str, Any] = {
        "scenario": scenario.get("name", ""),
        "model": ds.attrs.get("model", ""),
        "engine": ds.attrs.get("engine", ""),
        "seed": ds.attrs.get("seed", ""),
        "runs": int(ds.sizes.get("run", 0)),
        "runs_requested": int(ds.attrs.get("runs_requested", ds.sizes.get("run", 0))),
        "status": ds.attrs.get("status", ""),
        "t_end": float(ds["time"].values[-1]) if ds.sizes.get("time") else 0.0,
        "time_unit": unit,
        "hyosan_version": ds.attrs.get("hyosan_version", ""),
        "regions": int(ds.sizes.get("region", 0)),
        "compartments": [str(c) for c in ds["compartment"].values],
        "dims": {str(k): int(v) for k, v in ds.sizes.items()},
        "variables": sorted(str(v) for v in ds.data_vars),
        "rerun": bool(ds.attrs.get("source")),
    }
    if "simulated_until" in ds:  # an interrupted ensemble: how far its last runs got
        info["simulated_until"] = float(ds["simulated_until"].min())
    info["summaries"] = _over_runs({name: ds[name].values for name in SUMMARIES if name in ds})
    info.update(_focus_info(ds))
    if "character_still_human" in ds:
        info["characters_still_human"] = {
            str(c): float(v)
            for c, v in zip(ds["character"].values, ds["character_still_human"].values, strict=True)
        }
    if "intervention" in ds.dims:
        info["interventions"] = [str(i) for i in ds["intervention"].values]
    return info
