"""Reading and writing results: NetCDF and Zarr files that carry their scenario and seed."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from hyosan.errors import HyosanError


def save(ds: xr.Dataset, path: str | Path) -> Path:
    """Write results to NetCDF (``.nc``) or Zarr (``.zarr``)."""
    path = Path(path)
    if path.suffix == ".zarr":
        ds.to_zarr(path, mode="w")
    elif path.suffix in (".nc", ".nc4", ".netcdf"):
        encoded = ds.copy()
        for name in ("character_state", "character_fate"):
            if name in encoded:
                encoded[name] = encoded[name].astype(str)
        encoded.to_netcdf(path, engine="h5netcdf")
    else:
        raise HyosanError(f"results file {str(path)!r}: use a .nc or .zarr suffix")
    return path


def load(path: str | Path) -> xr.Dataset:
    """Read results written by :func:`save`; refuses files that are not hyosan results."""
    path = Path(path)
    if not path.exists():
        raise HyosanError(f"results file {str(path)!r} does not exist")
    try:
        if path.suffix == ".zarr":
            ds = xr.open_zarr(path).load()
        else:
            with xr.open_dataset(path, engine="h5netcdf") as handle:
                ds = handle.load()
    except Exception as error:
        raise HyosanError(
            f"results file {str(path)!r} is not a hyosan results file: {error}"
        ) from None
    if "hyosan_version" not in ds.attrs or "counts" not in ds:
        raise HyosanError(f"results file {str(path)!r} is not a hyosan results file")
    return ds
