"""A world's map for the page: SVG paths (or a grid of cells) in one JSON, sent once per world.

The shapes are the library's own (``hyosan.plots.geometry.map_geometry``: Seoul's dong polygons,
gu borders and the Han, north up; Hyosan High's floor plan; a lattice's cells), simplified for
the page and projected into a box about 1000 units wide with y down, as SVG draws.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np
import xarray as xr

WIDTH = 1000.0
SIMPLIFY = 0.6
"""Simplification tolerance in page units (a dong's outline loses what is under a pixel)."""


def results_stub(scenario: Any) -> xr.Dataset:
    """The least a Dataset needs for ``map_geometry``: the world's name and its places."""
    from hyosan.results.layout import with_place_layout

    ds = xr.Dataset(attrs={"scenario": json.dumps({"name": scenario.name})})
    return with_place_layout(ds, scenario.places)


def _bounds(geo: Any, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    import shapely

    parts = [s for s in (geo.shapes or []) if s is not None]
    if parts:
        xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(parts, dtype=object))
    else:
        half = (geo.cell or 1.0) / 2
        xmin, xmax, ymin, ymax = x.min() - half, x.max() + half, y.min() - half, y.max() + half
    return float(xmin), float(ymin), float(xmax), float(ymax)


class _Projection:
    def __init__(self, bounds: tuple[float, float, float, float], y_down: bool) -> None:
        self.xmin, self.ymin, self.xmax, self.ymax = bounds
        self.scale = WIDTH / max(self.xmax - self.xmin, 1e-9)
        self.y_down = y_down
        self.height = (self.ymax - self.ymin) * self.scale

    def xy(self, x: float, y: float) -> tuple[float, float]:
        px = (x - self.xmin) * self.scale
        py = (y - self.ymin) * self.scale if self.y_down else (self.ymax - y) * self.scale
        return round(px, 1), round(py, 1)

    def path(self, shape: Any, closed: bool = True) -> str:
        """An SVG path of a (multi)polygon or (multi)line, simplified."""
        if shape is None or shape.is_empty:
            return ""
        tolerance = SIMPLIFY / self.scale
        shape = shape.simplify(tolerance, preserve_topology=True)
        rings: list[Any] = []
        for part in getattr(shape, "geoms", [shape]):
            if part.geom_type == "Polygon":
                rings.append(part.exterior.coords)
                rings.extend(i.coords for i in part.interiors)
            elif part.geom_type in ("LineString", "LinearRing"):
                rings.append(part.coords)
            elif part.geom_type == "MultiLineString":
                rings.extend(p.coords for p in part.geoms)
            elif part.geom_type == "MultiPolygon":
                for poly in part.geoms:
                    rings.append(poly.exterior.coords)
        out = []
        for ring in rings:
            pts = [self.xy(x, y) for x, y, *_ in ring]
            if len(pts) < 2:
                continue
            out.append("M" + "L".join(f"{px:g},{py:g}" for px, py in pts) + ("Z" if closed else ""))
        return "".join(out)


@functools.lru_cache(maxsize=8)
def page_geometry(key: str) -> str:
    """The JSON map of a page world (cached: Seoul's shapes take a second to simplify)."""
    from hyosan.plots.geometry import map_geometry, place_xy
    from hyosan.web.worlds import loaded

    scenario = loaded(key).scenario
    ds = results_stub(scenario)
    geo = map_geometry(ds)
    x, y = place_xy(ds)
    proj = _Projection(_bounds(geo, x, y), geo.y_down)
    places = scenario.places
    out: dict[str, Any] = {
        "key": key,
        "width": WIDTH,
        "height": round(proj.height, 1),
        "names": [str(n) for n in places.names],
        "region": [str(r) for r in places.region],
        "regions": list(places.regions),
        "place_word": geo.place_word,
        "note": geo.note,
    }
    if geo.shapes is not None:
        out["mode"] = "shapes"
        paths, points = [], []
        for k, shape in enumerate(geo.shapes):
            if shape is None:
                paths.append("")
                points.append(list(proj.xy(float(x[k]), float(y[k]))))
            else:
                paths.append(proj.path(shape))
                points.append(None)
        out["paths"], out["points"] = paths, points
    else:
        cell = float(geo.cell or 1.0)
        cols = np.round((x - x.min()) / cell).astype(int)
        rows = (
            np.round((y - y.min()) / cell) if geo.y_down else np.round((y.max() - y) / cell)
        ).astype(int)
        out["mode"] = "cells"
        out["cols"], out["rows"] = int(cols.max()) + 1, int(rows.max()) + 1
        out["cell_col"], out["cell_row"] = cols.tolist(), rows.tolist()
        out["cell_px"] = cell * proj.scale
        # cells are drawn from the top-left corner of the box around their centres
        out["origin"] = list(proj.xy(float(x.min()) - cell / 2, float(y.min()) - cell / 2))
        if not geo.y_down:
            out["origin"] = list(proj.xy(float(x.min()) - cell / 2, float(y.max()) + cell / 2))
    out["water"] = proj.path(geo.water) if geo.water is not None else ""
    out["outlines"] = [
        proj.path(
            o.boundary if hasattr(o, "boundary") and o.geom_type.endswith("Polygon") else o,
            closed=False,
        )
        for o in geo.outlines
    ]
    out["labels"] = [[*proj.xy(lx, ly), str(text)] for lx, ly, text in geo.labels]
    out["labels"] += [[*proj.xy(lx, ly), str(text), "water"] for lx, ly, text in geo.water_labels]
    if geo.place_labels is not None:
        out["place_labels"] = [str(p) if p else "" for p in geo.place_labels]
    return json.dumps(out, separators=(",", ":"))
