"""An ensemble streamed to its results file batch by batch, holding no history in memory.

Each batch is appended along ``run`` to a working copy (NetCDF: a hidden file beside the output
with an unlimited ``run`` dimension; Zarr: the store itself, or a hidden store beside an earlier
one that it will replace), so memory does not grow with the number of runs: only the per-run
fates that the ensemble summaries need are kept. After every batch the attributes say how many
runs are done and that the writer is still ``running`` (with its process id, so a reader can tell
a writer that was killed); the NetCDF copy is then published by a rename (after every batch while
copying is quick, less often as the file grows: ``PUBLISH_PAUSE``), so the file at the output
path is always whole and readable; when it replaces an earlier file (``--overwrite``), that file
stays until the run ends (complete or interrupted), so a full disk or a kill leaves it whole.
:meth:`ResultsWriter.finish` records the final status.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from xarray.conventions import cf_encoder

from hyosan.results.paths import write_failed
from hyosan.results.writer import (
    ensure_room,
    netcdf_attrs,
    netcdf_encoding,
    partial_name,
    prepared_for_file,
    remove_path,
    remove_stale,
    results_format,
    swap_in_folder,
    zarr_encoding,
)

PUBLISH_PAUSE = 4.0
"""After a NetCDF copy is published, the next waits this many times as long as the copy took:
copying stays a fifth of the time at most however large the file grows (a small file is
published after every batch)."""

CHUNK_BYTES = 1 << 20
"""About how large a NetCDF chunk of a per-run variable is (runs are grouped up to this)."""


class ResultsWriter:
    """Writes an ensemble batch by batch to ``path``; the file is readable after every batch.

    A Zarr store already at ``path`` (one of ours: callers check with
    :func:`hyosan.results.paths.check_output`) is replaced only once the new one is complete.
    """

    def __init__(self, path: str | Path, attrs: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.format = results_format(self.path)
        self.attrs = dict(attrs or {})
        self.runs_written = 0
        self._wall = 0.0
        self._times: np.ndarray | None = None
        self._human: np.ndarray | None = None  # per character: runs whose fate is human
        self._file_attrs: dict[str, Any] = {}
        self._next_publish = 0.0
        # an earlier file being replaced (--overwrite) stays until this run ends, whatever
        # stops it (a full disk, a kill): the new runs are published only by finish()
        remove_stale(self.path)  # first: it may put back a store a killed writer moved aside
        self.replacing = self.path.exists()
        if self.format == "zarr" and not self.path.exists():
            self.work = self.path
        else:
            self.work = partial_name(self.path, "writing")
        if self.work != self.path:
            remove_path(self.work)

    # --------------------------------------------------------------------------------------------
    def append(self, batch: xr.Dataset, status: str = "running") -> None:
        """Add a batch of runs and make the file on disk hold every run so far."""
        batch = batch.copy()
        batch.attrs.update(self.attrs)
        if self._times is None:
            self._times = batch["time"].values
        elif batch.sizes["time"] < len(self._times):
            batch = pad_times(batch, self._times)
        self._wall += float(batch.attrs.get("wall_seconds", 0.0))
        self._count_fates(batch)
        batch = batch.drop_vars("character_still_human", errors="ignore")
        n = int(batch.sizes["run"])
        try:
            encoded = prepared_for_file(batch)
            published = self.work.stat().st_size if self.work.is_file() else 0
            ensure_room(self.path, 2 * int(encoded.nbytes) + 2 * published)  # see ensure_room
            if self.runs_written == 0:  # marked as ours and running from the first write
                encoded.attrs.update(status=status, runs=n, writer=_writer_id())
                self._create(encoded, n)
            elif self.format == "netcdf":
                _append_netcdf(self.work, encoded)
            else:  # xarray rewrites the attributes first: keep them saying the runs done
                encoded.attrs = self._attrs("running")
                encoded.to_zarr(self.work, append_dim="run", zarr_format=2)
            self.runs_written += n
            self._write_ensemble(batch.attrs, status)
            due = time.perf_counter() >= self._next_publish
            if self.format == "netcdf" and not self.replacing and due:
                began = time.perf_counter()
                _publish_copy(self.work, self.path)
                copying = time.perf_counter() - began
                self._next_publish = time.perf_counter() + PUBLISH_PAUSE * copying
        except OSError as error:
            raise write_failed(self.path, error) from None

    def finish(self, status: str) -> Path | None:
        """Record the final status (complete, interrupted) and put the file in place."""
        if self.runs_written == 0:
            self.abandon()
            return None
        try:
            self._write_ensemble({}, status)
            if self.work != self.path:
                if self.format == "netcdf":
                    os.replace(self.work, self.path)
                else:
                    swap_in_folder(self.work, self.path)
        except OSError as error:
            raise write_failed(self.path, error) from None
        return self.path

    def abandon(self) -> None:
        """Remove the working copy (the published file, if any, stays)."""
        if self.work != self.path:
            remove_path(self.work)

    # --------------------------------------------------------------------------------------------
    def _create(self, encoded: xr.Dataset, n: int) -> None:
        if self.format == "zarr":
            encoded.to_zarr(self.work, mode="w-", zarr_format=2, encoding=zarr_encoding(encoded))
            return
        encoding = netcdf_encoding(encoded)
        for name, var in encoded.data_vars.items():
            if "run" in var.dims:
                per_run = max(1, var.dtype.itemsize * var.size // max(n, 1))
                rows = int(max(1, min(n, CHUNK_BYTES // per_run)))
                chunks = tuple(rows if d == "run" else max(1, s) for d, s in var.sizes.items())
                encoding.setdefault(str(name), {})["chunksizes"] = chunks
        encoded.to_netcdf(self.work, engine="h5netcdf", unlimited_dims=["run"], encoding=encoding)

    def _attrs(self, status: str) -> dict[str, Any]:
        """The file's attributes as NetCDF and Zarr hold them (Zarr replaces them all at each
        write: always the whole set), saying how many runs are done and who writes."""
        attrs = {
            **self._file_attrs,
            "runs": self.runs_written,
            "status": status,
            "wall_seconds": self._wall,
            "writer": _writer_id(),
        }
        return netcdf_attrs(attrs)

    def _count_fates(self, batch: xr.Dataset) -> None:
        if "character_fate" not in batch:
            return
        human = batch.attrs.get("human", "S")
        fates = np.asarray(batch["character_fate"].values).astype(str)
        counted = (fates == human).sum(axis=0)
        self._human = counted if self._human is None else self._human + counted

    def _write_ensemble(self, batch_attrs: dict[str, Any], status: str) -> None:
        """What spans runs: the ensemble summaries and the attributes (runs done, status)."""
        if batch_attrs:
            self._file_attrs = {**batch_attrs, **self.attrs}
        attrs = self._attrs(status)
        still_human = None
        if self._human is not None:
            still_human = self._human / max(self.runs_written, 1)
        if self.format == "zarr":
            update = xr.Dataset(attrs=netcdf_attrs(attrs))
            if still_human is not None:
                update["character_still_human"] = ("character", still_human.astype(np.float64))
            update.to_zarr(self.work, mode="a", zarr_format=2)
            return
        import h5netcdf

        with h5netcdf.File(self.work, "a") as handle:
            for key, value in netcdf_attrs(attrs).items():
                handle.attrs[key] = value
            if still_human is not None:
                if "character_still_human" not in handle.variables:
                    handle.create_variable("character_still_human", ("character",), np.float64)
                handle.variables["character_still_human"][:] = still_human


def _writer_id() -> str:
    """Which process writes (host:pid): a reader finding 'running' can tell if it still lives."""
    return f"{socket.gethostname()}:{os.getpid()}"


def writer_alive(writer: str) -> bool | None:
    """Whether the writer ``host:pid`` still runs; None when it is on another host."""
    host, _, pid = str(writer).rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pad_times(batch: xr.Dataset, times: np.ndarray) -> xr.Dataset:
    """A batch cut short (interrupted), padded to the ensemble's record times: counts not
    simulated are -1 (NaN for floats, '' for text); ``simulated_until`` says where each run
    stopped."""
    fill: dict[str, Any] = {}
    for name, var in batch.data_vars.items():
        if "time" in var.dims:
            kind = var.dtype.kind
            fill[str(name)] = -1 if kind in "iu" else "" if kind in "OUS" else np.nan
    return batch.reindex(time=times, fill_value=fill)


def _append_netcdf(path: Path, encoded: xr.Dataset) -> None:
    """Append the runs of ``encoded`` along the unlimited ``run`` dimension of ``path``."""
    import h5netcdf

    variables, _ = cf_encoder(dict(encoded.variables), {})
    with h5netcdf.File(path, "a") as handle:
        start = handle.dimensions["run"].size
        stop = start + int(encoded.sizes["run"])
        handle.resize_dimension("run", stop)
        for name, var in variables.items():
            if "run" not in var.dims or name not in handle.variables:
                continue
            where = tuple(slice(start, stop) if d == "run" else slice(None) for d in var.dims)
            handle.variables[name][where] = np.asarray(var.values)


def _publish_copy(work: Path, path: Path) -> None:
    """Copy the working file to ``path`` through a temporary name (the rename is atomic)."""
    publishing = partial_name(path, "publish")
    try:
        shutil.copyfile(work, publishing)
        os.replace(publishing, path)
    finally:
        remove_path(publishing)
