"""Reading and writing results: NetCDF and Zarr files that carry their scenario and seed.

An ensemble can be written batch by batch as it runs (:class:`ResultsWriter`), so the runs that
finished are on disk whatever happens to the ones that did not: Zarr appends each batch along
``run`` (one chunk per run); NetCDF is rewritten whole into a temporary file that then replaces
the old one, so the file on disk is always complete and readable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError

NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")
STRING_VARIABLES = ("character_state", "character_fate")


def results_format(path: str | Path) -> str:
    """'netcdf' or 'zarr' from a file name, or an error naming the path."""
    suffix = Path(path).suffix.lower()
    if suffix == ".zarr":
        return "zarr"
    if suffix in NETCDF_SUFFIXES:
        return "netcdf"
    raise HyosanError(f"results file {str(path)!r}: use a .nc or .zarr suffix, got {suffix!r}")


def save(ds: xr.Dataset, path: str | Path) -> Path:
    """Write results to NetCDF (``.nc``) or Zarr (``.zarr``), replacing what was there."""
    path = Path(path)
    if results_format(path) == "zarr":
        _write_zarr(ds, path, append=False)
    else:
        _write_netcdf(ds, path)
    return path


def load(path: str | Path) -> xr.Dataset:
    """Read results written by :func:`save`; refuses files that are not hyosan results."""
    path = Path(path)
    if not path.exists():
        raise HyosanError(f"results file {str(path)!r} does not exist")
    try:
        if path.suffix.lower() == ".zarr":
            with xr.open_zarr(path) as handle:
                ds = handle.load()
        else:
            with xr.open_dataset(path, engine="h5netcdf") as handle:
                ds = handle.load()
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
    return ds


# ------------------------------------------------------------------------------------------------
def combine(batches: Sequence[xr.Dataset], status: str | None = None) -> xr.Dataset:
    """Runs of one ensemble computed in batches, as one Dataset (ensemble summaries redone)."""
    if not batches:
        raise HyosanError("no runs to combine")
    ds = (
        batches[0]
        if len(batches) == 1
        else xr.concat(
            batches,
            dim="run",
            data_vars="minimal",
            coords="minimal",
            compat="override",
            join="override",
            combine_attrs="override",
        )
    )
    ds = _ensemble_summaries(ds)
    ds.attrs["runs"] = int(ds.sizes["run"])
    ds.attrs["wall_seconds"] = float(sum(float(b.attrs.get("wall_seconds", 0.0)) for b in batches))
    if status is not None:
        ds.attrs["status"] = status
    return ds


def _ensemble_summaries(ds: xr.Dataset) -> xr.Dataset:
    """Summaries over runs (not per run), recomputed for the runs present."""
    if "character_fate" in ds:
        human = ds.attrs.get("human", "S")
        final = ds["character_fate"].astype(str)
        ds["character_still_human"] = (final == human).mean("run").astype(np.float64)
    return ds


class ResultsWriter:
    """Writes an ensemble batch by batch to ``path``; the file is readable after every batch."""

    def __init__(self, path: str | Path, attrs: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.format = results_format(self.path)
        self.attrs = dict(attrs or {})
        self.batches: list[xr.Dataset] = []
        self.runs_written = 0
        self._wall = 0.0

    def append(self, batch: xr.Dataset, status: str = "running") -> None:
        """Add a finished batch of runs and make the file on disk hold every run so far."""
        batch = batch.copy()
        batch.attrs.update(self.attrs)
        self._wall += float(batch.attrs.get("wall_seconds", 0.0))
        self.batches.append(batch)
        if self.format == "netcdf":
            _write_netcdf(combine(self.batches, status), self.path)
        else:
            ds = _ensemble_summaries(batch)
            if self.runs_written == 0:
                _write_zarr(ds, self.path, append=False)
            else:
                _write_zarr(ds, self.path, append=True)
            self._zarr_ensemble(status)
        self.runs_written += int(batch.sizes["run"])

    def finish(self, status: str) -> xr.Dataset | None:
        """Record the final status (complete, interrupted) and return the whole ensemble."""
        if not self.batches:
            return None
        ds = combine(self.batches, status)
        if self.format == "netcdf":
            _write_netcdf(ds, self.path)
        else:
            self._zarr_ensemble(status)
        return ds

    def _zarr_ensemble(self, status: str) -> None:
        """Rewrite what spans runs: the ensemble summaries and the attributes."""
        ds = combine(self.batches, status)
        update = xr.Dataset(attrs=_netcdf_attrs(ds.attrs))
        if "character_still_human" in ds:
            update["character_still_human"] = ds["character_still_human"]
        update.to_zarr(self.path, mode="a", zarr_format=2)


def _netcdf_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes as NetCDF and Zarr can hold them: numbers, text, no None or bools."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, (bool, np.bool_)):
            out[key] = int(value)
        elif isinstance(value, (dict, list, tuple)):
            out[key] = json.dumps(value, default=str)
        elif isinstance(value, int) and not -(2**63) <= value < 2**63:
            out[key] = str(value)
        else:
            out[key] = value
    return out


def _prepared(ds: xr.Dataset) -> xr.Dataset:
    encoded = ds.copy()
    encoded.attrs = _netcdf_attrs(ds.attrs)
    for name in STRING_VARIABLES:
        if name in encoded:
            encoded[name] = encoded[name].astype(str).astype(object)
    return encoded


def _write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write to a temporary file beside ``path``, then swap it in (never a half-written file)."""
    encoded = _prepared(ds)
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in encoded.data_vars.items()
        if var.dtype.kind in "iuf" and var.size >= 1024
    }
    partial = path.with_name(f".{path.name}.partial")
    try:
        encoded.to_netcdf(partial, engine="h5netcdf", encoding=encoding)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()


def _write_zarr(ds: xr.Dataset, path: Path, append: bool) -> None:
    encoded = _prepared(ds)
    if append:
        encoded.to_zarr(path, append_dim="run", zarr_format=2)
        return
    encoding = {}
    for name, var in encoded.data_vars.items():
        if "run" in var.dims:
            encoding[name] = {"chunks": tuple(1 if d == "run" else n for d, n in var.sizes.items())}
    encoded.to_zarr(path, mode="w", zarr_format=2, encoding=encoding)


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


def save_summary(ds: xr.Dataset, path: str | Path) -> Path:
    """Write the per-run summary table to CSV (``.csv``) or Parquet (``.parquet``)."""
    path = Path(path)
    table = summary_table(ds)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix in (".parquet", ".pq"):
        try:
            table.to_parquet(path, index=False)
        except ImportError as error:
            raise HyosanError(f"summary {str(path)!r}: Parquet needs pyarrow ({error})") from None
    else:
        raise HyosanError(f"summary file {str(path)!r}: use a .csv or .parquet suffix")
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
    summaries = {}
    for name in ("peak_infectious", "peak_time", "final_susceptible", "final_infectious"):
        if name in ds and ds[name].size:
            values = np.asarray(ds[name].values, np.float64)
            q10, q50, q90 = np.nanquantile(values, [0.1, 0.5, 0.9])
            summaries[name] = {"median": float(q50), "q10": float(q10), "q90": float(q90)}
    if "extinct" in ds and ds["extinct"].size:
        summaries["extinct"] = {"share": float(np.mean(ds["extinct"].values))}
    info["summaries"] = summaries
    if "character_still_human" in ds:
        info["characters_still_human"] = {
            str(c): float(v)
            for c, v in zip(ds["character"].values, ds["character_still_human"].values, strict=True)
        }
    if "intervention" in ds.dims:
        info["interventions"] = [str(i) for i in ds["intervention"].values]
    return info


def with_place_layout(ds: xr.Dataset, places: Any) -> xr.Dataset:
    """Add where each mapped place is (``place_x``, ``place_y``) and its region, for maps."""
    if "place" not in ds.coords or ds.sizes["place"] != places.n_places:
        return ds
    ds = ds.copy()
    if places.coords is not None:
        coords = np.asarray(places.coords, np.float64)
        ds["place_x"] = ("place", coords[:, 0])
        ds["place_y"] = ("place", coords[:, 1])
    ds["place_region"] = ("place", np.asarray(places.region, dtype=str))
    ds["place_area"] = ("place", np.asarray(places.area, np.float64))
    return ds
