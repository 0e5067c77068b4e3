"""The Zarr store of a sweep: results written as tasks finish, and what makes a re-run resume.

Layout: one dimension per varied key (named by the key, its values as coordinate), then
``run``, then the dimensions of ``simulate``'s variables. ``done (keys..., run)`` says which runs
are on disk; it is set only after their results are written, so a run is either complete and
marked or redone. The store's attributes hold the sweep (scenario, overrides, axes, runs, seed):
the same sweep continues where it stopped; a different one is refused unless ``overwrite``.
Only the client writes (one writer: no locks, no partial chunks written twice at once).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.results.writer import netcdf_attrs
from hyosan.sweeps.plan import Axis, Task

RUN_CHUNK = 16
"""Runs per Zarr chunk: a few files per task, few enough files per store."""
STRING_WIDTH = 64
"""Width of text per run (a character's fate: a compartment name)."""
LABEL_WIDTH = 256
"""Width of text per point (an intervention's description)."""
COPIED_ATTRS = (
    "hyosan_version", "engine", "t_end", "record_every", "time_unit", "model", "human",
    "infectious", "latent", "susceptible", "dt", "accuracy", "dt_max",
)  # fmt: skip
"""Attributes of a point's results that are kept for the store (the first point's)."""


ROOM_CHECK_RUNS = 2 * RUN_CHUNK
"""Runs written before the store's growth is measured against its disk's free space."""


class StoreRefusedError(HyosanError):
    """The store holds something else: another sweep, or results that are not a sweep."""


class StoreFullError(HyosanError):
    """The rest of the sweep would not fit on the store's disk."""


def _size(size: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size / 2**10:,.1f} KiB"


def fingerprint_difference(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """The fields in which two sweep descriptions differ (seed, runs, vary, ...)."""
    keys = sorted(set(stored) | set(wanted))
    return [k for k in keys if stored.get(k) != wanted.get(k)]


class SweepStore:
    """A sweep's results on disk; create with :meth:`open`."""

    def __init__(self, path: Path, axes: Sequence[Axis], runs: int, sweep: dict[str, Any]):
        self.path = path
        self.axes = list(axes)
        self.runs = runs
        self.sweep = sweep
        self.shape = tuple(len(a.values) for a in self.axes)
        self.done = np.zeros((*self.shape, runs), dtype=bool)
        self.errors: dict[str, str] = {}
        self.coords: dict[str, np.ndarray] | None = None  # of simulate's dims, once created
        self.room_checked = False
        self.attrs: dict[str, Any] = {"sweep": json.dumps(sweep), "sweep_status": "running"}

    # --------------------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        axes: Sequence[Axis],
        runs: int,
        sweep: dict[str, Any],
        overwrite: bool = False,
    ) -> SweepStore:
        """Continue the sweep stored at ``path``, or start it there; refuse another sweep."""
        store = cls(Path(path), axes, runs, sweep)
        if store.path.suffix.lower() != ".zarr":
            raise HyosanError(f"--out {str(store.path)!r}: a sweep is stored in a .zarr folder")
        existing = read_sweep(store.path)
        if existing is not None and not overwrite:
            if existing == {}:
                raise StoreRefusedError(
                    f"{str(store.path)!r} exists and is not a sweep store; "
                    "use --overwrite to replace it, or choose another --out"
                )
            differs = fingerprint_difference(existing, sweep)
            if differs:
                raise StoreRefusedError(
                    f"{str(store.path)!r} holds a different sweep (it differs in "
                    f"{', '.join(differs)}); use --overwrite to replace it, or choose another "
                    "--out"
                )
            store._resume()
            return store
        if store.path.exists():
            shutil.rmtree(store.path) if store.path.is_dir() else store.path.unlink()
        store._create()
        return store

    def _create(self) -> None:
        coords: dict[str, Any] = {a.name: a.coordinate() for a in self.axes}
        coords["run"] = np.arange(self.runs)
        names = [a.name for a in self.axes]
        chunks = (*(1 for _ in self.axes), min(RUN_CHUNK, self.runs))
        ds = xr.Dataset(
            {"done": ((*names, "run"), self.done)},
            coords=coords,
            attrs=self.attrs,
        )
        ds.to_zarr(self.path, mode="w", zarr_format=2, encoding={"done": {"chunks": chunks}})

    def _resume(self) -> None:
        with xr.open_zarr(self.path) as ds:
            self.done = np.asarray(ds["done"].values, dtype=bool)
            if "counts" in ds:
                self.coords = {
                    name: np.asarray(ds[name].values)
                    for name in ds.coords
                    if name not in ("run", *(a.name for a in self.axes)) and name in ds.dims
                }
            self.errors = json.loads(ds.attrs.get("point_errors", "{}"))
            self.attrs = dict(ds.attrs)

    # --------------------------------------------------------------------------------------------
    def missing(self, position: tuple[int, ...]) -> list[int]:
        """The runs of a point that are not on disk yet."""
        return np.flatnonzero(~self.done[position]).tolist()

    def write(self, task: Task, ds: xr.Dataset) -> None:
        """Write one finished task's runs, then mark them done."""
        ds = ds.drop_vars([v for v in ds.data_vars if "run" not in ds[v].dims])
        ds = _labelled_interventions(ds)
        if self.coords is None:
            self._add_variables(ds)
        else:
            self._check_coords(ds)
        per_run = [v for v in ds.data_vars if "run" in ds[v].dims]
        labels = [v for v in ds.data_vars if "run" not in ds[v].dims]
        region = {a.name: slice(k, k + 1) for a, k in zip(self.axes, task.position, strict=True)}
        point = ds[labels]
        if labels:
            point = _encoded(point).expand_dims([a.name for a in self.axes])
            point.drop_vars(list(point.coords)).to_zarr(self.path, region=region, zarr_format=2)
        runs = _encoded(ds[per_run]).expand_dims([a.name for a in self.axes])
        runs = runs.transpose(*(a.name for a in self.axes), "run", ...)
        region["run"] = slice(task.first, task.first + task.runs)
        runs.drop_vars(list(runs.coords)).to_zarr(self.path, region=region, zarr_format=2)
        self.done[(*task.position, slice(task.first, task.first + task.runs))] = True
        done = xr.Dataset(
            {"done": ((*region,), np.ones((*(1 for _ in self.axes), task.runs), bool))}
        )
        done.to_zarr(self.path, region=region, zarr_format=2)

    def _add_variables(self, ds: xr.Dataset) -> None:
        """Add every variable of the results, shaped for the whole sweep (metadata only)."""
        import dask.array as da

        names = [a.name for a in self.axes]
        variables: dict[str, Any] = {}
        encoding: dict[str, Any] = {}
        for name, var in _encoded(ds).data_vars.items():
            point_dims = [*names, *(["run"] if "run" in var.dims else [])]
            point_dims += [d for d in var.dims if d != "run"]
            sizes = {**dict(zip(names, self.shape, strict=True)), **var.sizes, "run": self.runs}
            shape = tuple(sizes[d] for d in point_dims)
            chunks = tuple(
                min(RUN_CHUNK, self.runs) if d == "run" else 1 if d in names else n
                for d, n in zip(point_dims, shape, strict=True)
            )
            fill = "" if var.dtype.kind == "U" else np.nan if var.dtype.kind == "f" else 0
            data = da.full(shape, fill, dtype=var.dtype, chunks=chunks)
            variables[name] = (point_dims, data, var.attrs)
            encoding[name] = {"chunks": chunks}
        coords = {name: ds[name].values for name in ds.coords if name != "run" and name in ds.dims}
        template = xr.Dataset(variables, coords=coords)
        template.to_zarr(self.path, mode="a", compute=False, zarr_format=2, encoding=encoding)
        self._set_attrs(**self._first_attrs(ds))
        self.coords = {name: np.asarray(values) for name, values in coords.items()}

    def _first_attrs(self, ds: xr.Dataset) -> dict[str, Any]:
        attrs = {k: ds.attrs[k] for k in COPIED_ATTRS if k in ds.attrs}
        attrs["scenario"] = ds.attrs.get("scenario", "")
        return zarr_attrs(attrs)

    def _check_coords(self, ds: xr.Dataset) -> None:
        assert self.coords is not None
        for name in ds.dims:
            if name == "run":
                continue
            values = self.coords.get(str(name))
            if values is None or not np.array_equal(np.asarray(ds[name].values), values):
                raise HyosanError(
                    f"this point's {name!r} differs from the first point's (a sweep keeps "
                    f"{name} the same at every point: do not vary what changes it)"
                )

    def check_room(self) -> None:
        """Once a few chunks are written, stop if the rest would not fit on the disk: the runs
        written so far say what a run takes, compressed as it is stored (hours into a sweep is
        too late to find the disk full)."""
        done = int(self.done.sum())
        if self.room_checked or done < min(ROOM_CHECK_RUNS, self.done.size):
            return
        self.room_checked = True
        used = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        per_run = used / done
        need = per_run * (self.done.size - done)
        free = shutil.disk_usage(self.path).free
        if need > free:
            raise StoreFullError(
                f"{self.path}: the rest of the sweep needs about {_size(need)} on this disk "
                f"({_size(per_run)} a run, from the {done} runs written) and it has {_size(free)} "
                f"free. The {done} runs written are kept: free some space and run the same "
                "command again, or sweep into a store on another disk, recording less "
                "(run.record_every, run.snapshot_every) or fewer runs"
            )

    # --------------------------------------------------------------------------------------------
    def fail(self, label: str, message: str) -> None:
        """Record why a point failed (kept until a later run of the sweep succeeds there)."""
        self.errors[label] = message
        self._set_attrs(point_errors=json.dumps(self.errors))

    def succeed(self, label: str) -> None:
        if self.errors.pop(label, None) is not None:
            self._set_attrs(point_errors=json.dumps(self.errors))

    def finish(self, status: str, aggregates: xr.Dataset | None = None) -> None:
        """Write the per-point aggregates and the sweep's status (complete, interrupted...)."""
        if aggregates is not None and aggregates.data_vars:
            aggregates = aggregates.drop_vars(
                [c for c in aggregates.coords if c in [a.name for a in self.axes] or c == "run"]
            )
            aggregates.to_zarr(self.path, mode="a", zarr_format=2)
            self._set_variable_attrs(aggregates)
        self._set_attrs(
            sweep_status=status,
            status=status,  # as results files say it (`hyosan info`)
            point_errors=json.dumps(self.errors),
            runs_done=int(self.done.sum()),
        )

    def _set_variable_attrs(self, ds: xr.Dataset) -> None:
        """Variables' attributes as ``ds`` has them (xarray keeps old ones when it rewrites)."""
        import zarr

        group = zarr.open_group(str(self.path), mode="r+", zarr_format=2)
        for name, var in ds.data_vars.items():
            array = group[str(name)]
            dims = array.attrs.get("_ARRAY_DIMENSIONS")
            array.attrs.put({**zarr_attrs(var.attrs), "_ARRAY_DIMENSIONS": dims})

    def _set_attrs(self, **attrs: Any) -> None:
        """Record attributes (all of them each time: xarray's writes may replace them)."""
        import zarr

        self.attrs.update(attrs)
        group = zarr.open_group(str(self.path), mode="r+", zarr_format=2)
        group.attrs.put(self.attrs)
        zarr.consolidate_metadata(str(self.path), zarr_format=2)  # what xarray reads first


def zarr_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes as Zarr holds them: as a results file's (:func:`netcdf_attrs`), and JSON only
    (no NaN, no numpy scalars)."""
    out = netcdf_attrs(dict(attrs))
    for key, value in out.items():
        if isinstance(value, float) and not np.isfinite(value):
            out[key] = str(value)  # NaN is not JSON
        elif isinstance(value, np.generic):
            out[key] = value.item()
    return out


def read_sweep(path: Path) -> dict[str, Any] | None:
    """The sweep stored at ``path``: None when nothing is there, {} when it is not a sweep."""
    if not path.exists():
        return None
    if path.is_dir() and not any(path.iterdir()):
        return None
    try:
        import zarr

        group = zarr.open_group(str(path), mode="r")
        return json.loads(group.attrs["sweep"])
    except Exception:
        return {}


def _labelled_interventions(ds: xr.Dataset) -> xr.Dataset:
    """Interventions by position; their descriptions (which name a varied start) per point."""
    if "intervention" not in ds.dims:
        return ds
    labels = np.asarray(ds["intervention"].values).astype(str)
    ds = ds.assign_coords(intervention=np.arange(len(labels)))
    ds["intervention_label"] = ("intervention", labels)
    return ds


def _encoded(ds: xr.Dataset) -> xr.Dataset:
    """Text as fixed-width strings (the same width at every task), for region writes."""
    ds = ds.copy()
    for name, var in ds.data_vars.items():
        if var.dtype.kind in "OUS":
            width = STRING_WIDTH if "run" in var.dims else LABEL_WIDTH
            ds[name] = var.astype(str).astype(f"<U{width}")
    return ds
