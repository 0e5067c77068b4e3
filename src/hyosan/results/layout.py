"""Where each place is: coordinates, region and area attached to results, so maps need no world.

:func:`hyosan.simulate` attaches them to every Dataset it returns, so results made in Python map
as well as those made by ``hyosan run``, and a results file can be plotted on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr


def with_place_layout(ds: xr.Dataset, places: Any) -> xr.Dataset:
    """Add ``place_x``, ``place_y`` (where the places have coordinates), ``place_region`` and
    ``place_area`` along ``place`` (the coordinate is added from the places' names if missing)."""
    if "place" in ds.coords and ds.sizes["place"] != places.n_places:
        return ds  # another world's places: leave them alone
    ds = ds.copy()
    if "place" not in ds.coords:
        ds = ds.assign_coords(place=np.asarray(places.names, dtype=str))
    if places.coords is not None:
        coords = np.asarray(places.coords, np.float64)
        ds["place_x"] = ("place", coords[:, 0])
        ds["place_y"] = ("place", coords[:, 1])
    ds["place_region"] = ("place", np.asarray(places.region, dtype=str))
    ds["place_area"] = ("place", np.asarray(places.area, np.float64))
    return ds
