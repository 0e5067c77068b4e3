"""Writing results so that the file on disk is always whole: atomically, and batch by batch.

Every format goes to a temporary name in the same folder and is renamed into place when it is
complete (:func:`atomic_file`; a Zarr store, a folder, is swapped in by
:func:`swap_in_folder`), so a full disk, a kill or Ctrl-C leaves the earlier file at that path
as it was. Ensembles are streamed batch by batch by
:class:`hyosan.results.batches.ResultsWriter`. :func:`deferred_interrupt` holds Ctrl-C while a
write is under way.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.results.paths import OutputError, write_failed

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


def partial_name(path: Path, tag: str = "partial") -> Path:
    """A hidden name beside ``path`` with the same suffix (writers pick the format from it)."""
    return path.with_name(f".{path.stem}.{tag}-{os.getpid()}{path.suffix}")


def remove_stale(path: Path) -> None:
    """Remove temporaries beside ``path`` left by writers that were killed (their process id,
    at the end of the name, no longer runs), after putting back an earlier store that such a
    writer had moved aside (:func:`restore_moved_aside`)."""
    restore_moved_aside(path)
    for other in _left_by_dead_writers(path):
        remove_path(other)


def restore_moved_aside(path: Path) -> bool:
    """Put back at ``path`` the earlier store that a writer killed between the two renames of
    :func:`swap_in_folder` left under its hidden '.old' name, if nothing is at ``path``."""
    if path.exists() or path.is_symlink():
        return False
    for other in _left_by_dead_writers(path):
        if other.name.startswith(f".{path.stem}.old-"):
            os.replace(other, path)
            return True
    return False


def _left_by_dead_writers(path: Path) -> list[Path]:
    """Hidden temporaries beside ``path`` whose writer (the process id ending the name) is gone."""
    left = []
    for other in path.parent.glob(f".{glob.escape(path.stem)}.*-*{glob.escape(path.suffix)}"):
        pid = other.name[: len(other.name) - len(path.suffix)].rpartition("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            left.append(other)
    return left


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_path(path: Path) -> None:
    """Remove a file or a folder if it is there (a Zarr write that failed may still be ending
    its chunk writes in other threads for a moment: the folder is removed again then)."""
    if path.is_dir() and not path.is_symlink():
        for attempt in range(20):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                break
            time.sleep(0.05 * (attempt + 1))
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextmanager
def atomic_file(path: str | Path, key: str = "out") -> Iterator[Path]:
    """Yield a temporary name beside ``path``; when the block succeeds it is renamed to ``path``
    (a file) or swapped in (a folder). On any failure the temporary is removed and the earlier
    file at ``path`` is untouched; an OSError (a full disk) becomes an :class:`OutputError`."""
    path = Path(path)
    temporary = partial_name(path)
    remove_stale(path)
    remove_path(temporary)
    try:
        yield temporary
        if temporary.is_dir():
            swap_in_folder(temporary, path)
        else:
            os.replace(temporary, path)
    except OSError as error:
        raise write_failed(path, error, key) from None
    finally:
        remove_path(temporary)


def swap_in_folder(new: Path, path: Path) -> None:
    """Put the complete folder ``new`` at ``path``; the old one there is removed only after."""
    if not path.exists():
        os.replace(new, path)
        return
    old = partial_name(path, "old")
    remove_path(old)
    os.replace(path, old)
    try:
        os.replace(new, path)
    except OSError:
        os.replace(old, path)
        raise
    remove_path(old)


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the block runs (a write), then deliver them: no file is left
    half-written. Ctrl-C is raised as KeyboardInterrupt; SIGTERM goes to the handler that was in
    place (a run's stop request, a sweep's stop, or the default: the process ends).

    Outside the main thread signals cannot be caught, and the block simply runs.
    """
    caught: list[int] = []
    try:
        previous = {
            signum: signal.signal(signum, lambda got, frame: caught.append(got))
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():  # None: set outside Python, so the default
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
    if signal.SIGINT in caught:
        raise KeyboardInterrupt
    if signal.SIGTERM in caught:
        handler = previous[signal.SIGTERM]
        if callable(handler):
            handler(signal.SIGTERM, None)
        elif handler != signal.SIG_IGN:  # the default: end the process, now that it may
            signal.raise_signal(signal.SIGTERM)


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


def prepared_for_file(ds: xr.Dataset) -> xr.Dataset:
    """A copy with attributes and text variables as NetCDF and Zarr store them."""
    encoded = ds.copy()
    encoded.attrs = netcdf_attrs(ds.attrs)
    for name in STRING_VARIABLES:
        if name in encoded:
            encoded[name] = encoded[name].astype(str).astype(object)
    return encoded


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write to a temporary file beside ``path``, then swap it in (never a half-written file).

    The file is made in memory and written with plain file calls: HDF5 given a full disk leaves
    a broken handle that crashes the interpreter when it is freed; a plain write just fails."""
    encoded = prepared_for_file(ds)
    data = encoded.to_netcdf(engine="h5netcdf", encoding=netcdf_encoding(encoded))
    with atomic_file(path) as partial:
        write_bytes(partial, data)


def write_bytes(path: Path, data: bytes | memoryview) -> None:
    """Write and flush to disk (a full disk fails here, not later at close)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def ensure_room(path: Path, needed: int) -> None:
    """An :class:`OutputError` unless the disk holding ``path`` has ``needed`` bytes free (and a
    margin): checked before the writes that cannot fail cleanly on a full disk (HDF5 in place
    leaves a handle that crashes at exit; Zarr's threads go on writing chunks after the error).
    ``needed`` is the size before compression: an upper bound."""
    free = shutil.disk_usage(path.parent).free
    if free < needed * 1.1 + (64 << 10):
        raise write_failed(
            path,
            OSError(28, f"no space left on device ({free:,} bytes free, about {needed:,} needed)"),
        )


def netcdf_encoding(encoded: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compression for the numeric variables large enough to gain from it."""
    return {
        str(name): {"zlib": True, "complevel": 4}
        for name, var in encoded.data_vars.items()
        if var.dtype.kind in "iuf" and var.size >= 1024
    }


def zarr_encoding(encoded: xr.Dataset) -> dict[str, dict[str, Any]]:
    """One chunk per run, so that appends and partial reads touch only their runs."""
    return {
        str(name): {"chunks": tuple(1 if d == "run" else n for d, n in var.sizes.items())}
        for name, var in encoded.data_vars.items()
        if "run" in var.dims
    }


def write_zarr(ds: xr.Dataset, path: Path, append: bool) -> None:
    """Write a whole Zarr store (one chunk per run) beside ``path`` and swap it in when complete;
    ``append``: add the runs along ``run`` to the store in place (a batch of an ensemble)."""
    encoded = prepared_for_file(ds)
    ensure_room(path, int(encoded.nbytes))  # zarr goes on writing chunks after a failure
    if append:
        try:
            encoded.to_zarr(path, append_dim="run", zarr_format=2)
        except OSError as error:
            raise write_failed(path, error) from None
        return
    with atomic_file(path) as partial:
        encoded.to_zarr(partial, mode="w-", zarr_format=2, encoding=zarr_encoding(encoded))


__all__ = [
    "NETCDF_SUFFIXES", "OutputError", "atomic_file", "combine", "deferred_interrupt",
    "netcdf_attrs", "results_format", "swap_in_folder", "write_netcdf", "write_zarr",
]  # fmt: skip
