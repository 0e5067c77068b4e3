"""Writing results so that the file on disk is always whole: batch by batch, atomically.

An ensemble can be written batch by batch as it runs (:class:`ResultsWriter`), so the runs that
finished are on disk whatever happens to the ones that did not: Zarr appends each batch along
``run`` (one chunk per run); NetCDF is rewritten whole into a temporary file that then replaces
the old one. :func:`deferred_interrupt` holds Ctrl-C while a write is under way.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C while the block runs (a write), then raise it: no file is left half-written.

    Outside the main thread signals cannot be caught, and the block simply runs.
    """
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


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
    ds = ensemble_summaries(ds)
    ds.attrs["runs"] = int(ds.sizes["run"])
    ds.attrs["wall_seconds"] = float(sum(float(b.attrs.get("wall_seconds", 0.0)) for b in batches))
    if status is not None:
        ds.attrs["status"] = status
    return ds


def ensemble_summaries(ds: xr.Dataset) -> xr.Dataset:
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
            write_netcdf(combine(self.batches, status), self.path)
        else:
            ds = ensemble_summaries(batch)
            write_zarr(ds, self.path, append=self.runs_written > 0)
            self._zarr_ensemble(status)
        self.runs_written += int(batch.sizes["run"])

    def finish(self, status: str) -> xr.Dataset | None:
        """Record the final status (complete, interrupted) and return the whole ensemble."""
        if not self.batches:
            return None
        ds = combine(self.batches, status)
        if self.format == "netcdf":
            write_netcdf(ds, self.path)
        else:
            self._zarr_ensemble(status)
        return ds

    def _zarr_ensemble(self, status: str) -> None:
        """Rewrite what spans runs: the ensemble summaries and the attributes."""
        ds = combine(self.batches, status)
        update = xr.Dataset(attrs=netcdf_attrs(ds.attrs))
        if "character_still_human" in ds:
            update["character_still_human"] = ds["character_still_human"]
        update.to_zarr(self.path, mode="a", zarr_format=2)


def netcdf_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
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
    encoded.attrs = netcdf_attrs(ds.attrs)
    for name in STRING_VARIABLES:
        if name in encoded:
            encoded[name] = encoded[name].astype(str).astype(object)
    return encoded


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
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


def write_zarr(ds: xr.Dataset, path: Path, append: bool) -> None:
    """Write (or append along ``run``) a Zarr store, one chunk per run."""
    encoded = _prepared(ds)
    if append:
        encoded.to_zarr(path, append_dim="run", zarr_format=2)
        return
    encoding = {}
    for name, var in encoded.data_vars.items():
        if "run" in var.dims:
            encoding[name] = {"chunks": tuple(1 if d == "run" else n for d, n in var.sizes.items())}
    encoded.to_zarr(path, mode="w", zarr_format=2, encoding=encoding)
