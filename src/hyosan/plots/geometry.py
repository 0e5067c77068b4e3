"""What a map draws for each place: a world's own shapes, or a sensible default.

A built-in world whose package holds a ``geometry`` module with ``map_geometry(ds)`` draws its
places as it knows them (Seoul: dong polygons, gu borders and the Han, north up in projected
metres; Hyosan High: its floor plan, rooms named, y down). The world is found from the name in the
results' ``scenario`` attribute. Other worlds are drawn from ``place_x`` / ``place_y``: a full
lattice as an image, anything else as named points, y down as the project's grids and buildings
give their coordinates (row 0 at the top). No matplotlib here: worlds build these with shapely.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.plots.style import scenario_name


@dataclass(frozen=True)
class MapGeometry:
    """How to draw one results' places, in the places' order.

    shapes: a shapely (Multi)Polygon per place (None: draw that place as a point); None for all.
    cell: the side of a square grid whose cells are the places (drawn as an image), if they are.
    water, outlines: drawn under (water) and over (outlines, e.g. district borders) the places.
    labels: (x, y, text) names of areas (districts, floors); water_labels: names of rivers.
    place_labels: a name per place, drawn in its shape (None: no name).
    y_down: coordinates grow downward (a floor plan, a grid's rows); False means north up.
    floor_plan: each place is drawn split into its compartments' shares, with a legend in words,
    instead of two colour scales. place_word: what a place is ('dong', 'room'); note: a credit.
    """

    shapes: Sequence[Any] | None = None
    cell: float | None = None
    water: Any = None
    outlines: Sequence[Any] = ()
    labels: Sequence[tuple[float, float, str]] = ()
    water_labels: Sequence[tuple[float, float, str]] = ()
    place_labels: Sequence[str | None] | None = None
    y_down: bool = True
    floor_plan: bool = False
    place_word: str = "place"
    note: str = ""


def map_geometry(ds: xr.Dataset) -> MapGeometry:
    """The world's own geometry when it offers one for these results, else the default."""
    own = world_geometry(ds)
    return own if own is not None else default_geometry(ds)


def world_geometry(ds: xr.Dataset) -> MapGeometry | None:
    """``hyosan.scenarios.<world>.geometry.map_geometry(ds)`` of the world named in the results."""
    name = scenario_name(ds)
    from hyosan import scenarios

    if name not in scenarios.BUILT_IN or "place" not in ds.coords:
        return None
    package = importlib.import_module(scenarios.BUILT_IN[name][0])
    if not hasattr(package, "__path__"):  # a single module: no geometry of its own
        return None
    try:
        module = importlib.import_module(f"{package.__name__}.geometry")
    except ModuleNotFoundError as error:
        if error.name != f"{package.__name__}.geometry":
            raise
        return None
    try:
        return module.map_geometry(ds)
    except HyosanError as error:  # e.g. its data package is missing on this machine
        warnings.warn(f"{name} map drawn without its geometry: {error}", stacklevel=2)
        return None


def default_geometry(ds: xr.Dataset) -> MapGeometry:
    """Grids as an image, other places as named points; y down (rows and floor plans)."""
    x, y = place_xy(ds)
    cell = lattice_cell(x, y, full=True)
    return MapGeometry(cell=cell, y_down=True, place_word="cell" if cell else "place")


def place_xy(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Each place's position: ``place_x`` / ``place_y``, or tiles of a square in place order."""
    if "place_x" in ds and "place_y" in ds:
        return (
            np.asarray(ds["place_x"].values, np.float64),
            np.asarray(ds["place_y"].values, np.float64),
        )
    side = math.ceil(math.sqrt(ds.sizes["place"]))
    y, x = np.divmod(np.arange(ds.sizes["place"]), side)
    return x.astype(float), y.astype(float)


def lattice_cell(x: np.ndarray, y: np.ndarray, full: bool = False) -> float | None:
    """The side of the square lattice the points sit on (every node taken, if ``full``)."""
    if len(x) < 4:
        return None
    xs, ys = np.unique(x), np.unique(y)
    steps = np.concatenate([np.diff(xs), np.diff(ys)])
    if len(steps) == 0:
        return None
    cell = float(steps.min())
    if not cell > 0:
        return None
    on_lattice = np.allclose(np.round(steps / cell), steps / cell, atol=1e-6)
    if not on_lattice:
        return None
    nx = round((xs[-1] - xs[0]) / cell) + 1
    ny = round((ys[-1] - ys[0]) / cell) + 1
    if full and (nx * ny != len(x) or len(np.unique(np.column_stack([x, y]), axis=0)) != len(x)):
        return None
    return cell
