"""Seoul as places: dongs or grid cells with their census people, a subset of gu, a scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, suggest
from hyosan.places import census, raster
from hyosan.places.graph import Places
from hyosan.scenarios.seoul.river import river_geometry, south_of_han

RESOLUTIONS = ("dong", 250, 100)
"""Places of the world: dongs, or grid cells of 250 m or 100 m."""


@dataclass
class SeoulMap:
    """Places of Seoul before any outbreak, with what the builder needs to find things in them."""

    places: Places
    dongs: census.Dongs
    dong_of_place: np.ndarray  # the dong each place belongs to (a cell: its main dong)
    south: np.ndarray  # bool per place
    water: Any  # shapely geometry of the river band
    mid_line: Any  # shapely geometry of the river's mid-line
    grid: raster.Raster | None = None
    dong_names: list[str] = field(default_factory=list)  # unique English name per dong

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Place index at each WGS84 point; -1 outside this world.

        On a grid, a point in one of the world's dongs but in a river or sliver cell (a station
        on the embankment) goes to the nearest land cell on its dong's bank.
        """
        import shapely
        from scipy.spatial import cKDTree

        x, y = census.lonlat_to_xy(lon, lat)
        x, y = np.atleast_1d(x), np.atleast_1d(y)
        tree = shapely.STRtree(self.dongs.geometry)
        # 'intersects', not 'within': a point on a border belongs to one of its dongs
        point_index, dong_index = tree.query(shapely.points(x, y), predicate="intersects")
        dong = np.full(len(x), -1, np.int64)
        dong[point_index[::-1]] = dong_index[::-1]  # the first match wins
        if self.grid is None:
            return np.where(dong >= 0, _place_of_dong(self)[np.maximum(dong, 0)], -1)
        place = self.grid.cell_at(x, y)
        stray = np.flatnonzero((place < 0) & (dong >= 0))
        dong_south = self.south_of_dong
        for on_south in (False, True):
            these = stray[dong_south[dong[stray]] == on_south]
            cells = np.flatnonzero(self.south == on_south)
            if len(these) and len(cells):
                _, nearest = cKDTree(self.places.coords[cells]).query(
                    np.column_stack([x[these], y[these]])
                )
                place[these] = cells[nearest]
        return place

    @property
    def south_of_dong(self) -> np.ndarray:
        """Whether each dong of this world is south of the Han."""
        return south_of_han(self.dongs)

    def nearest_place(self, x: float, y: float, among: np.ndarray | None = None) -> int:
        """The place whose centre is nearest to (x, y) metres, optionally among some places."""
        candidates = np.arange(self.places.n_places) if among is None else np.asarray(among)
        xy = self.places.coords[candidates]
        return int(candidates[np.argmin(np.hypot(xy[:, 0] - x, xy[:, 1] - y))])


def _place_of_dong(seoul: SeoulMap) -> np.ndarray:
    """At dong level, place k is dong dong_of_place[k]; -1 for dongs left out."""
    lookup = np.full(len(seoul.dongs), -1, np.int64)
    lookup[seoul.dong_of_place] = np.arange(len(seoul.dong_of_place))
    return lookup


def unique_dong_names(dongs: census.Dongs) -> list[str]:
    """English dong names, with the gu added where two gu have a dong of the same name."""
    counts: dict[str, int] = {}
    for name in dongs.names_en:
        counts[name] = counts.get(name, 0) + 1
    return [
        f"{name} ({gu})" if counts[name] > 1 else name
        for name, gu in zip(dongs.names_en, dongs.gu_names, strict=True)
    ]


def _select_gu(dongs: census.Dongs, gu: Sequence[str] | None) -> np.ndarray:
    """Indices of the dongs of the chosen gu (English names or codes); all if None."""
    if gu is None:
        return np.arange(len(dongs))
    if isinstance(gu, str):
        gu = [gu]
    known = list(dict.fromkeys(dongs.gu_names))
    codes = dict(zip(dongs.gu_names, dongs.gu_codes, strict=True))
    chosen = set()
    for name in gu:
        if name in codes:
            chosen.add(codes[name])
        elif name in codes.values():
            chosen.add(name)
        else:
            raise HyosanError("gu: " + suggest(str(name), known, "gu"))
    if not chosen:
        raise HyosanError("gu: choose at least one gu")
    return np.flatnonzero([c in chosen for c in dongs.gu_codes])


def _scaled(population: np.ndarray, scale: float) -> np.ndarray:
    """Population times ``scale``, in whole people, keeping the scaled total exact."""
    if scale == 1.0:
        return population.copy()
    if not 0 < scale <= 1:
        raise HyosanError(f"scale must be in (0, 1], got {scale!r}")
    total = round(float(population.sum()) * scale)
    return raster.allocate_largest_remainder(
        np.array([total]), np.zeros(len(population), np.int64), population.astype(float)
    )


def seoul_map(
    resolution: str | int | None = None,
    regions: str = "gu",
    gu: Sequence[str] | None = None,
    scale: float = 1.0,
) -> SeoulMap:
    """The places of Seoul (or of some gu), streets only, the two banks apart."""
    import shapely

    resolution = _resolution(resolution)
    if regions not in ("gu", "dong"):
        raise HyosanError("regions: " + suggest(str(regions), ["gu", "dong"], "region level"))
    all_dongs = census.load_dongs("11", 2020)
    all_south = south_of_han(all_dongs)
    mid_line, water = river_geometry()
    keep = _select_gu(all_dongs, gu)
    dongs = _subset(all_dongs, keep)
    south = all_south[keep]
    names = unique_dong_names(all_dongs)
    names = [names[i] for i in keep]
    population = _scaled(dongs.population, scale)

    if resolution == "dong":
        land = shapely.difference(dongs.geometry, water)
        region = list(dongs.gu_names) if regions == "gu" else names
        places = raster.from_polygons(names, land, population, region, kind="dong")
        dong_of_place = np.arange(len(dongs))
        grid = None
    else:
        grid = raster.rasterize(dongs.geometry, population, float(resolution), water=water)
        owner = grid.owner
        region = [dongs.gu_names[o] if regions == "gu" else names[o] for o in owner]
        places = raster.from_raster(grid, region)
        dong_of_place = owner
    place_south = south[dong_of_place]
    across = place_south[places.link_source] != place_south[places.link_dest]
    places = places.without_links(across)
    return SeoulMap(
        places=places,
        dongs=dongs,
        dong_of_place=dong_of_place,
        south=place_south,
        water=water,
        mid_line=mid_line,
        grid=grid,
        dong_names=names,
    )


def _subset(dongs: census.Dongs, keep: np.ndarray) -> census.Dongs:
    if len(keep) == len(dongs):
        return dongs
    pick = keep.tolist()
    return census.Dongs(
        codes=[dongs.codes[i] for i in pick],
        names_ko=[dongs.names_ko[i] for i in pick],
        names_en=[dongs.names_en[i] for i in pick],
        gu_codes=[dongs.gu_codes[i] for i in pick],
        gu_names=[dongs.gu_names[i] for i in pick],
        geometry=dongs.geometry[keep],
        population=dongs.population[keep],
        year=dongs.year,
    )


def _resolution(resolution: str | int | None) -> str | int:
    if resolution is None:
        return "dong"
    if resolution in RESOLUTIONS:
        return resolution
    raise HyosanError(
        f"resolution {resolution!r}: choose None or 'dong' (the 425 dongs), 250 or 100 (metres)"
    )
