"""The built-in world ``seoul``: census places, the Han and its crossings, commuting, names."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hyosan import simulate
from hyosan.errors import HyosanError
from hyosan.interventions import CloseLinks
from hyosan.models import jonas
from hyosan.places import census, raster, transit
from hyosan.scenarios import seoul

CENSUS_TOTAL_2020 = 9_586_195
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "seoul"
SUBWAY_NODES = SHARED / "subway" / "seoul_metro_network_nodes_2022.csv"
SUBWAY_EDGES = SHARED / "subway" / "seoul_metro_network_edges_2022.csv"
SHARED_CROSSINGS = SHARED / "places" / "seoul_han_river_crossings_facts.csv"
SHARED_NAMED = SHARED / "places" / "seoul_named_places_facts.csv"
CLOSE_RIVER = tuple(CloseLinks(group=g) for g in ("han-bridges", "han-rail", "commute-han"))
WEST_OF_RIVER = ["Mapo-gu", "Yongsan-gu", "Yeongdeungpo-gu", "Dongjak-gu"]


@pytest.fixture(scope="module")
def dongs():
    return census.load_dongs()


@pytest.fixture(scope="module")
def dong_world():
    return seoul.build()


@pytest.fixture(scope="module")
def grid_world():
    return seoul.build(250)


def _south_regions(scenario):
    return [r for r, bank in scenario.extra["bank_of_region"].items() if bank == "south"]


# ------------------------------------------------------------------------------------------------
# facts tables
def test_gu_bank_table_matches_the_census(dongs):
    banks = seoul.gu_banks()
    assert len(banks) == 25
    assert sorted(banks.values()).count("south") == 11
    census_names = dict(zip(dongs.gu_codes, dongs.gu_names, strict=True))
    rows = list(csv.DictReader(seoul.data_path("seoul_gu_bank.csv").open(encoding="utf-8")))
    assert {r["gu_code"]: r["name_en"] for r in rows} == census_names


def test_crossings_table_has_the_27_bridges_west_to_east():
    table = seoul.crossings()
    bridges = [c for c in table if c.kind != "tunnel"]
    assert len(bridges) == 27
    assert {c.kind for c in table} <= {"road", "rail", "both", "tunnel"}
    longitudes = [c.lon for c in bridges]
    assert longitudes == sorted(longitudes)
    assert all(37.45 < c.lat < 37.62 and 126.78 < c.lon < 127.18 for c in table)


def test_crossing_ends_are_on_their_banks_next_to_the_crossing(dongs):
    import shapely

    index = {code: k for k, code in enumerate(dongs.codes)}
    south = seoul.south_of_han(dongs)
    for crossing in seoul.crossings():
        x, y = census.lonlat_to_xy(crossing.lon, crossing.lat)
        point = shapely.Point(float(x), float(y))
        assert crossing.south_code, f"{crossing.name}: every crossing touches Seoul's south bank"
        for code, on_south in ((crossing.north_code, False), (crossing.south_code, True)):
            if not code:
                continue
            k = index[code]
            assert south[k] == on_south, f"{crossing.name}: {dongs.names_ko[k]} on wrong bank"
            gap = shapely.distance(dongs.geometry[k], point)
            assert gap < 800, f"{crossing.name}: end dong {dongs.names_ko[k]} is {gap:.0f} m away"


@pytest.mark.skipif(not SHARED_CROSSINGS.exists(), reason="shared facts table absent")
def test_crossing_ends_agree_with_the_shared_facts_table(dongs):
    """Our end dong is the one the other table names, or borders it (both are approximate)."""
    a, b, _ = raster.shared_borders(dongs.geometry)
    neighbours = {k: {k} for k in range(len(dongs))}
    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        neighbours[i].add(j)
        neighbours[j].add(i)
    index = {code: k for k, code in enumerate(dongs.codes)}
    theirs = {
        row["name_ko"].split("·")[0]: row
        for row in csv.DictReader(SHARED_CROSSINGS.open(encoding="utf-8"))
    }
    checked = 0
    for crossing in seoul.crossings():
        row = theirs.get(crossing.name_ko.split("·")[0].split(" ")[0])
        if row is None:
            continue
        for ours, text in (
            (crossing.north_code, row["north_end"]),
            (crossing.south_code, row["south_end"]),
        ):
            if "outside" in text:
                assert not ours, f"{crossing.name}: the other table puts this end outside Seoul"
                continue
            named = set(re.findall(r"[가-힣0-9·]+동", text))
            close = {dongs.names_ko[n] for n in neighbours[index[ours]]}
            assert named & close, f"{crossing.name}: ours {dongs.names_ko[index[ours]]}, {text}"
            checked += 1
    assert checked >= 40


def test_named_places_fall_in_their_gu(dongs):
    import shapely

    tree = shapely.STRtree(dongs.geometry)
    for place in seoul.named_places():
        x, y = census.lonlat_to_xy(place.lon, place.lat)
        hits = tree.query(shapely.Point(float(x), float(y)), predicate="within")
        assert len(hits) == 1, f"{place.name} is not in Seoul"
        assert dongs.gu_names[int(hits[0])] == place.gu, place.name
    universities = [p for p in seoul.named_places() if p.category == "university"]
    assert len(universities) >= 19


@pytest.mark.skipif(not SHARED_NAMED.exists(), reason="shared facts table absent")
def test_named_places_agree_with_the_shared_facts_table():
    theirs = {
        row["name_ko"].split(" ")[0]: (float(row["lat"]), float(row["lon"]))
        for row in csv.DictReader(SHARED_NAMED.open(encoding="utf-8"))
    }
    compared = 0
    for place in seoul.named_places():
        if place.name_ko in theirs:
            x0, y0 = census.lonlat_to_xy(place.lon, place.lat)
            lat, lon = theirs[place.name_ko]
            x1, y1 = census.lonlat_to_xy(lon, lat)
            assert np.hypot(x1 - x0, y1 - y0) < 1000, place.name
            compared += 1
    assert compared >= 15


# ------------------------------------------------------------------------------------------------
# the worlds
def test_dong_world_is_the_census(dong_world, dongs):
    places = dong_world.places
    assert places.n_places == 425
    assert int(dongs.population.sum()) == CENSUS_TOTAL_2020
    assert places.total() == CENSUS_TOTAL_2020
    assert len(places.regions) == 25
    assert dong_world.model.name == "jonas" and dong_world.model.time_unit == "hour"
    assert dong_world.t_end == 720.0
    assert places.counts["Z"].sum() == 1
    assert places.names[int(np.argmax(places.counts["Z"]))] == "Anam-dong"  # Korea University
    assert set(places.groups) == {"streets", "commute", *seoul.RIVER_GROUPS} - {"subway-han"}
    assert places.group_factor["commute"] == {"Z": 0.0}
    assert places.group_factor["commute-han"] == {"Z": 0.0}


def test_grid_world_keeps_the_census_total_and_leaves_the_river_empty(grid_world):
    places = grid_world.places
    assert places.total() == CENSUS_TOTAL_2020
    assert 9000 < places.n_places < 10_000
    assert len(places.regions) == 25
    import shapely

    world = seoul.seoul_map(250)
    line = shapely.line_merge(world.mid_line)
    lines = list(getattr(line, "geoms", [line]))
    points = np.concatenate(
        [
            shapely.get_coordinates(
                shapely.line_interpolate_point(g, np.arange(0, g.length, 100.0))
            )
            for g in lines
        ]
    )
    in_water = world.grid.cell_at(points[:, 0], points[:, 1]) < 0
    # points in Seoul (not on its limit) snap to the nearest cell of their bank
    inner = shapely.buffer(shapely.union_all(world.dongs.geometry), -10.0)
    inside = shapely.contains_xy(inner, points[:, 0], points[:, 1])
    lon, lat = census.xy_to_lonlat(points[inside, 0], points[inside, 1])
    assert inside.sum() > 200 and np.all(world.locate(lon, lat) >= 0)
    assert len(points) > 300 and in_water.mean() > 0.99


@pytest.mark.parametrize("world", ["dong_world", "grid_world"])
def test_no_link_crosses_the_river_except_the_crossings(world, request):
    scenario = request.getfixturevalue(world)
    places = scenario.places
    south = np.array(scenario.extra["bank"]) == "south"
    crossing = south[places.link_source] != south[places.link_dest]
    groups = np.array(places.link_group)
    assert set(groups[crossing]) <= set(seoul.RIVER_GROUPS)
    for group in ("han-bridges", "han-rail", "commute-han"):
        assert np.all(crossing[groups == group]), group
    assert crossing.sum() > 0


def test_streets_never_jump_over_the_water(grid_world):
    import shapely

    places = grid_world.places
    streets = places.links_in("streets")
    mid_line = seoul.seoul_map(250).mid_line
    segments = shapely.linestrings(
        np.stack(
            [places.coords[places.link_source[streets]], places.coords[places.link_dest[streets]]],
            axis=1,
        )
    )
    assert not np.any(shapely.intersects(segments, mid_line))
    length = np.hypot(
        *(places.coords[places.link_source[streets]] - places.coords[places.link_dest[streets]]).T
    )
    np.testing.assert_allclose(length, 250.0)


def test_commuting_carries_the_requested_trips(dong_world):
    places = dong_world.places
    human_hop = dong_world.model.parameters["human_hop"].value
    people = places.counts["S"] + places.counts.get("Z", 0)
    links = np.concatenate([places.links_in("commute"), places.links_in("commute-han")])
    per_hour = np.sum(people[places.link_source[links]] * places.link_weight[links]) * human_hop
    # 2 trips a day per person (half out, half back); the one zombie's count is negligible
    assert per_hour == pytest.approx(2.0 * CENSUS_TOTAL_2020 / 24, rel=1e-5)


def test_reduced_world_and_characters():
    world = seoul.build(gu=WEST_OF_RIVER, scale=0.01, outbreak="Hongik University")
    assert set(world.places.regions) == set(WEST_OF_RIVER)
    assert world.places.total() == round(
        sum(
            int(p)
            for p, g in zip(
                census.load_dongs().population, census.load_dongs().gu_names, strict=True
            )
            if g in WEST_OF_RIVER
        )
        * 0.01
    )
    assert world.characters == ()  # neither Korea University nor the NIS is in these gu
    full = seoul.build(outbreak=None)
    cast = {c.name: c.place for c in full.characters}
    assert cast == {"On-jo": "Anam-dong", "Du-seok": "Naegok-dong"}
    assert "Z" not in full.places.counts or full.places.counts["Z"].sum() == 0


# ------------------------------------------------------------------------------------------------
# finding places
@pytest.mark.parametrize(
    ("where", "dong"),
    [
        ("Seoul National University", "Daehak-dong"),
        ("snu", "Daehak-dong"),
        ("연세대학교", "Sinchon-dong"),
        ("Sinchon-dong", "Sinchon-dong"),
        ("신촌동", "Sinchon-dong"),
        ("Sinsa-dong (Gangnam-gu)", "Sinsa-dong (Gangnam-gu)"),
        ("강남구 신사동", "Sinsa-dong (Gangnam-gu)"),
        ((37.5116, 127.0594), "Samseong 1-dong"),  # COEX
    ],
)
def test_outbreak_by_name_dong_or_coordinates(where, dong):
    world = seoul.seoul_map()
    assert world.places.names[seoul.find_place(world, where)] == dong


def test_unknown_names_are_named_with_suggestions(dong_world):
    with pytest.raises(HyosanError, match=r"'Yonsai University'.*'Yonsei University'"):
        seoul.build(outbreak="Yonsai University")
    with pytest.raises(HyosanError, match=r"'Sinsa-dong' is ambiguous.*'Sinsa-dong \(Gwanak-gu\)'"):
        seoul.find_place(seoul.seoul_map(), "Sinsa-dong")
    with pytest.raises(HyosanError, match=r"'Mapo'.*'Mapo-gu'"):
        seoul.build(gu=["Mapo"])
    with pytest.raises(HyosanError, match=r"outside Seoul"):
        seoul.build(outbreak=(35.1796, 129.0756))  # Busan
    with pytest.raises(HyosanError, match=r"resolution 500"):
        seoul.build(500)
    with pytest.raises(HyosanError, match=r"'Gangnam'.*'Gangnam-gu'"):
        dong_world.places.places_in("Gangnam")
    with pytest.raises(HyosanError, match=r"'han-bridge'.*'han-bridges'"):
        dong_world.places.links_in("han-bridge")
    closing_typo = replace(dong_world, interventions=(CloseLinks(group="han-bridge"),))
    with pytest.raises(HyosanError, match=r"'han-bridge'.*'han-bridges'"):
        simulate(closing_typo, t_end=1.0, engine="ode", progress=False)


# ------------------------------------------------------------------------------------------------
# the river holds
@pytest.mark.parametrize(("resolution", "engine"), [(None, "ssa"), (250, "ssa"), (None, "tau")])
def test_closing_the_crossings_keeps_every_zombie_north(resolution, engine):
    world = seoul.build(
        resolution,
        gu=WEST_OF_RIVER,
        scale=0.002,
        outbreak="Hongik University",
        outbreak_size=3,
        characters=False,
        contact=1.0,  # the school's pace: the river's mechanics, not the city's calibration
    )
    south = _south_regions(world)
    north = [r for r in world.places.regions if r not in south]
    t_end = 24.0 if resolution is None else 8.0
    runs = {(None, "ssa"): 20, (250, "ssa"): 4, (None, "tau"): 10}[resolution, engine]
    options = {"engine": engine, "dt": 0.01} if engine == "tau" else {"engine": engine}
    closed = simulate(
        replace(world, interventions=CLOSE_RIVER),
        t_end=t_end,
        runs=runs,
        seed=11,
        progress=False,
        **options,
    )
    counts = closed["counts"]
    bitten = counts.sel(region=south, compartment=["E", "Z", "H"]).sum(["region", "compartment"])
    assert int(bitten.max()) == 0
    assert int(counts.sel(region=south, compartment="S").sum("region").min()) > 0
    # the test has teeth: the north is overrun, and with the crossings open the south falls too
    overrun = counts.sel(region=north, compartment="Z").sum("region").max("time")
    assert int(overrun.min()) > 100
    open_river = simulate(world, t_end=t_end, runs=runs, seed=11, progress=False, **options)
    reached = open_river["counts"].sel(region=south, compartment="Z").sum("region").max("time")
    assert int((reached > 0).sum()) >= runs // 2


@pytest.mark.parametrize(("close_at", "south_safe"), [(None, False), (24.0, True), (96.0, False)])
def test_the_story_closing_the_river_in_the_first_day_saves_the_south(
    dong_world, close_at, south_safe
):
    """The city at the show's pace (docs/calibration.md, ``calibration.CITY_CONTACT``): from
    Korea University, with nothing closed the bitten reach the south bank on day 2 to 4 (hour
    60, 10-90 %: 42-84, in the calibration's histories); closing the bridges, the rail and the
    commuting across the river within the first day keeps the south human in most histories;
    by day 4 it is too late in most (the bitten have crossed)."""
    runs = 8
    closing = () if close_at is None else tuple(replace(c, start=close_at) for c in CLOSE_RIVER)
    world = replace(dong_world, interventions=closing)
    result = simulate(world, t_end=108.0, runs=runs, seed=5, progress=False, record_every=6.0)
    south = result["counts"].sel(region=_south_regions(world), compartment=["E", "Z"])
    kept_human = int((south.sum(["region", "compartment"]).max("time") == 0).sum())
    if south_safe:
        assert kept_human > runs // 2, kept_human
    else:
        assert kept_human < runs // 2, kept_human


# ------------------------------------------------------------------------------------------------
# transit CSV
def test_transit_loader_reads_stations_and_track_only(tmp_path):
    stations = tmp_path / "stations.csv"
    edges = tmp_path / "edges.csv"
    stations.write_text(
        "fr_code,name_en,line,lat,lon\n"
        "A,Hapjeong,2,37.5496,126.9139\n"
        "B,Dangsan,2,37.5343,126.9025\n"
        "C,Nowhere,2,,\n",
        encoding="utf-8",
    )
    edges.write_text(
        "line,from_fr_code,to_fr_code,kind\n2,A,B,track\n2,B,C,track\ntransfer,A,B,transfer:x\n",
        encoding="utf-8",
    )
    network = transit.load_transit(stations, edges)
    assert network.n_stations == 3 and network.n_edges == 2
    assert network.located.tolist() == [True, True, False]
    world = seoul.seoul_map()
    with_rail = seoul.add_transit(world, network, 0.05, jonas())
    crossing = with_rail.links_in("subway-han")  # Hapjeong (Mapo) - Dangsan (Yeongdeungpo)
    assert len(crossing) == 2
    gu = {with_rail.region[i] for i in with_rail.link_source[crossing]}
    assert gu == {"Mapo-gu", "Yeongdeungpo-gu"}
    bad = tmp_path / "bad.csv"
    bad.write_text("line,from_fr_code,to_fr_code\n2,A,Z\n", encoding="utf-8")
    with pytest.raises(HyosanError, match=r"row 2.*'Z'"):
        transit.load_transit(stations, bad)
    with pytest.raises(HyosanError, match=r"'latitude'.*'lat'"):
        transit.load_transit(stations, edges, lat_column="latitude")


@pytest.mark.skipif(not SUBWAY_NODES.exists(), reason="shared subway network absent")
def test_transit_loader_on_the_seoul_metro_network():
    network = transit.load_transit(SUBWAY_NODES, SUBWAY_EDGES)
    assert network.n_stations == 767
    assert network.n_edges == 747  # track only; the 152 transfers are walks inside stations
    assert network.located.sum() == 607
    world = seoul.build(transit=(SUBWAY_NODES, SUBWAY_EDGES), commute=None, outbreak=None)
    places = world.places
    assert places.group_factor["subway"] == {"Z": 0.0}
    pairs = {
        frozenset((places.names[places.link_source[k]], places.names[places.link_dest[k]]))
        for k in places.links_in("subway-han")
    }
    assert frozenset(("Yonggang-dong", "Yeoui-dong")) in pairs  # line 5 under the river
    assert 6 <= len(pairs) <= 14
    south = np.array(world.extra["bank"]) == "south"
    subway = places.links_in("subway")
    assert np.all(south[places.link_source[subway]] == south[places.link_dest[subway]])


# ------------------------------------------------------------------------------------------------
def test_100m_grid_of_one_gu_keeps_its_census_total(dongs):
    world = seoul.build(100, gu=["Jongno-gu"], outbreak="Sungkyunkwan University")
    jongno = sum(
        int(p) for p, g in zip(dongs.population, dongs.gu_names, strict=True) if g == "Jongno-gu"
    )
    assert world.places.total() == jongno
    assert 2000 < world.places.n_places < 2600  # Jongno-gu is about 23.9 km2
    assert world.places.names[int(np.argmax(world.places.counts["Z"]))].count(",") == 1


@pytest.mark.slow
def test_100m_grid_keeps_the_census_total():
    world = seoul.build(100)
    assert world.places.total() == CENSUS_TOTAL_2020
    assert 50_000 < world.places.n_places < 70_000


# ------------------------------------------------------------------------------------------------
# the world's adaptive tau steps against the exact engine
def test_adaptive_steps_agree_with_ssa_on_a_small_seoul():
    """Seoul's default tau steps (adaptive, see ``seoul.STEP_ACCURACY``) against ssa on four gu
    at 1/500 of their people: mean humans and zombies each hour within 4 standard errors."""
    world = seoul.build(
        gu=WEST_OF_RIVER, scale=0.002, outbreak="Hongik University", outbreak_size=3,
        characters=False, contact=1.0,  # the school's pace: fast, the hard case for leaps
    )  # fmt: skip
    runs = 300
    options = dict(t_end=6.0, runs=runs, record_every=1.0, progress=False)
    exact = simulate(world, engine="ssa", seed=21, **options)
    leap = simulate(world, engine="tau", seed=22, **options)
    assert np.isnan(leap.attrs["dt"]) and leap.attrs["accuracy"] == seoul.STEP_ACCURACY
    for compartment in ("S", "Z"):
        a = exact["counts"].sel(compartment=compartment).sum("region").values.astype(float)
        b = leap["counts"].sel(compartment=compartment).sum("region").values.astype(float)
        se = np.sqrt(a.var(axis=0, ddof=1) / runs + b.var(axis=0, ddof=1) / runs)
        gap = np.abs(a.mean(axis=0) - b.mean(axis=0))
        assert np.all(gap <= 4 * se + 1e-9), (compartment, gap, se)
