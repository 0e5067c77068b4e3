"""The Han River: which dongs are south of it, its mid-line, and the water band nobody lives in.

Dong borders run to the middle of the river; the band is drawn around their shared mid-line.
"""

from __future__ import annotations

import functools

import numpy as np

from hyosan.errors import HyosanError
from hyosan.places import census, raster
from hyosan.scenarios.seoul.facts import crossings, gu_banks

RIVER_HALF_WIDTH = 400.0
"""Half the width (m) of the band around the Han's mid-line where nobody lives (the river is
about 0.7 to 1.2 km wide in Seoul)."""


def south_of_han(dongs: census.Dongs) -> np.ndarray:
    """Whether each dong's gu lies south of the Han (from the gu-bank table)."""
    banks = gu_banks()
    unknown = sorted({g for g in dongs.gu_codes if g not in banks})
    if unknown:
        raise HyosanError(f"gu-bank table: no bank for gu codes {unknown}")
    return np.array([banks[g] == "south" for g in dongs.gu_codes])


def han_mid_line(dongs: census.Dongs, south: np.ndarray):
    """The Han's mid-line through Seoul (metres), from the dong borders.

    In the middle of the city the mid-line is where the north-bank and south-bank dongs meet. At
    both ends only one bank is in Seoul and the city limit follows the river, so the line goes on
    along that limit to the westernmost and easternmost road bridges.
    """
    import shapely
    from shapely.ops import substring

    geometry = dongs.geometry
    a, b, _ = raster.shared_borders(geometry)
    across = south[a] != south[b]
    grown = shapely.buffer(geometry, 5.0)
    border = shapely.union_all(
        shapely.intersection(shapely.boundary(geometry[a[across]]), grown[b[across]])
    )
    city = shapely.union_all(geometry)
    limit = shapely.LineString(city.exterior.coords)
    points = shapely.get_coordinates(border)
    on_limit = points[shapely.distance(limit, shapely.points(points)) < 20.0]
    if len(on_limit) < 2:
        raise HyosanError("han_mid_line: the river's mid-line does not reach the city limit")
    roads = [c for c in crossings() if c.kind in ("road", "both")]
    ends_x, ends_y = census.lonlat_to_xy(
        [roads[0].lon, roads[-1].lon], [roads[0].lat, roads[-1].lat]
    )
    pieces = [border]
    for start, end in (
        (on_limit[np.argmin(on_limit[:, 0])], (ends_x[0], ends_y[0])),
        (on_limit[np.argmax(on_limit[:, 0])], (ends_x[1], ends_y[1])),
    ):
        s0 = limit.project(shapely.Point(start))
        s1 = limit.project(shapely.Point(end))
        low, high = sorted((s0, s1))
        if high - low <= limit.length / 2:
            pieces.append(substring(limit, low, high))
        else:  # the shorter way round passes the ring's start
            pieces += [substring(limit, high, limit.length), substring(limit, 0.0, low)]
    return shapely.union_all(pieces)


def han_river(dongs: census.Dongs, mid_line, half_width: float = RIVER_HALF_WIDTH):
    """The river as a band of ``half_width`` each side of its mid-line, clipped to Seoul."""
    import shapely

    return shapely.intersection(
        shapely.buffer(mid_line, half_width), shapely.union_all(dongs.geometry)
    )


@functools.lru_cache(maxsize=1)
def river_geometry():
    """The river's mid-line and its water band (computed once: both depend on nothing else)."""
    dongs = census.load_dongs("11", 2020)
    mid_line = han_mid_line(dongs, south_of_han(dongs))
    return mid_line, han_river(dongs, mid_line)
