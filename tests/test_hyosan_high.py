"""The built-in world ``hyosan-high`` and the calibration of the ``jonas`` defaults to the story.

Calibration, the story of season 1: with no intervention, the median history has at least 70 % of
the school turned or dead two hours after the first bite, and the groups who barricade themselves
survive the day. The unmarked tests check it on a few dozen tau histories; the slow one on 200.
``python -m hyosan.scenarios.hyosan_high 200`` prints the numbers.
"""

import socket

import numpy as np
import pytest

from hyosan import scenarios, simulate
from hyosan.errors import HyosanError
from hyosan.interventions import Bomb, CloseLinks, Cull, Trigger
from hyosan.results.focus import context_regions, focus_regions
from hyosan.results.io import describe
from hyosan.scenarios import hyosan_high

SEED = 2024
CAST = ["On-jo", "Cheong-san", "Su-hyeok", "Nam-ra", "Gwi-nam", "Dae-su", "Ha-ri", "Hyo-ryung",
        "Mi-jin", "Na-yeon"]  # fmt: skip
OPTIONS = {"engine": "tau", "dt": 0.1, "check_every": 1.0, "record_every": 10.0,
           "progress": False}  # fmt: skip
"""Tau leaps of 6 seconds, barricade triggers checked every minute (dt = 0.05 and the exact
engine give the same medians within their sampling error: see the module docstring)."""


@pytest.fixture(scope="module")
def world():
    return hyosan_high.build()


# ------------------------------------------------------------------------------------------------
# the plan
ENTRY = (
    "hyosan.scenarios.hyosan_high",
    "build",
    "Hyosan High at 9 a.m. (season 1): a bitten student in the science lab, 956 people",
)
"""The line for ``hyosan.scenarios.BUILT_IN``; used here until the registry has it."""  # fmt: skip


def test_the_school_loads_by_name_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("hyosan-high must build without the network")

    monkeypatch.setattr(socket, "socket", no_network)
    if "hyosan-high" not in scenarios.names():
        monkeypatch.setitem(scenarios.BUILT_IN, "hyosan-high", ENTRY)
    loaded = scenarios.load("hyosan-high", characters=False)
    assert loaded.name == "hyosan-high" and loaded.places.n_places == 66
    assert not loaded.characters and "Hyosan High" in scenarios.describe("hyosan-high")


def test_the_school_at_nine(world):
    places = world.places
    kinds = np.asarray(places.kind)
    assert (kinds == "classroom").sum() == 24
    for name in ("class-2-5", "science-lab", "infirmary", "library", "broadcasting-room",
                 "music-room", "archery-range", "cafeteria", "gym", "teachers-office", "rooftop",
                 "playground", "gate"):  # fmt: skip
        places.index(name)
    plan = hyosan_high.plan()
    students = sum(room.get("students", 0) for room in plan["room"])
    staff = sum(room.get("staff", 0) for room in plan["room"])
    assert 850 <= students <= 950 and 50 <= staff <= 70
    school = np.isin(np.asarray(places.region), world.extra["school_regions"])
    people = sum(counts[school].sum() for counts in places.counts.values())
    assert people == students + staff
    # corridors in segments, two stairwells reaching every floor
    for floor in ("1F", "2F", "3F", "4F"):
        assert len(places.places_in(f"corridor-{floor}")) == 3
        assert len(places.links_in(f"stairs-{floor}")) == 4  # two landings, both directions
    assert len(places.places_in("stairwell-west")) == len(places.places_in("stairwell-east")) == 4
    # the first bitten is in Lee Byeong-chan's lab, in the morning
    lab = places.index("science-lab")
    assert places.counts["E1"][lab] == 1 and places.counts["E1"].sum() == 1
    assert world.model.time_unit == "minute" and world.t_end == 720.0
    # a schematic elevation for maps: 2-5 is above the 3rd-floor corridor, the gate below
    xy = dict(zip(places.names, map(tuple, places.coords), strict=True))
    assert xy["class-2-5"][1] < xy["corridor-3F-center"][1] < xy["corridor-1F-center"][1]
    assert xy["rooftop"][1] < xy["class-3-1"][1] and xy["gate"][1] > xy["lobby"][1]


def test_each_door_is_its_own_link_group(world):
    places = world.places
    links = places.links_in("door-2-5")
    ends = {places.names[i] for i in (*places.link_source[links], *places.link_dest[links])}
    assert ends == {"class-2-5", "corridor-3F-center"} and len(links) == 2
    gate = places.links_in("school-gate")
    assert {places.names[i] for i in places.link_source[gate]} == {"gate", "hyosan-street"}
    city = places.places_in("hyosan-city")
    assert len(city) >= 5 and places.counts["S"][city].sum() > 5000
    assert len(places.links_in("hyosan-cordon")) > 0


def test_the_cast_is_tagged_with_their_gifts(world):
    cast = {c.name: c for c in world.characters}
    assert list(cast) == CAST
    assert all(cast[n].place == "class-2-5" for n in CAST if n != "Gwi-nam")
    values = world.model.values()
    assert cast["Nam-ra"].overrides == {"h": 1.0} and cast["Gwi-nam"].overrides == {"h": 1.0}
    assert cast["Su-hyeok"].overrides["kappa"] > values["kappa"]
    assert cast["Ha-ri"].overrides["kappa"] > values["kappa"]
    assert cast["On-jo"].overrides == {}
    assert world.extra["full_names"]["Nam-ra"] == "Choi Nam-ra"
    picked = hyosan_high.build(characters=["Choi Nam-ra", "On-jo"],
                               character_places={"On-jo": "library"})  # fmt: skip
    assert [(c.name, c.place) for c in picked.characters] == [
        ("Nam-ra", "class-2-5"), ("On-jo", "library")]  # fmt: skip


def test_barricades_are_triggered_door_closures(world):
    closures = [i for i in world.interventions if isinstance(i, CloseLinks)]
    assert {c.group for c in closures} >= {"door-2-5"}
    assert all(isinstance(c.start, Trigger) and c.start.compartment == "Z" for c in closures)
    assert not any(
        isinstance(i, CloseLinks) and i.group.startswith("door")
        for i in hyosan_high.build(barricade=False).interventions
    )
    bare = hyosan_high.build(barricade=False, cordon_gate=False, city_contact=1.0)
    assert bare.interventions == ()


def test_the_town_meets_zombies_at_the_city_pace_and_the_gate_is_cordoned(world):
    """Issue 19: the town's places run at ``calibration.CITY_CONTACT`` (the school at 1) and
    the military seals the gate once the town has zombies (``tests/test_calibration.py`` runs
    it)."""
    from hyosan.interventions import SetParameter
    from hyosan.scenarios.calibration import CITY_CONTACT

    contact = [i for i in world.interventions if isinstance(i, SetParameter)]
    assert len(contact) == 1 and contact[0].parameter == "contact"
    assert contact[0].value == CITY_CONTACT and contact[0].start == 0.0
    assert set(contact[0].zone) == {"hyosan-city", "outside-hyosan"}
    closing = [i for i in world.interventions if isinstance(i, CloseLinks)]
    gate = [i for i in closing if i.group == "school-gate"]
    assert len(gate) == 1 and gate[0].start.region == "hyosan-city"
    assert world.model.values()["contact"] == 1.0  # the school keeps the corridor's rates


def test_the_military_cordons_the_gate_and_bombs_the_city():
    world = hyosan_high.build(
        characters=False,
        barricade=False,
        interventions=[
            CloseLinks(group="school-gate"),
            CloseLinks(group="hyosan-cordon"),
            Bomb(zone="hyosan-city", start=100.0),
        ],
    )
    ds = simulate(world, t_end=120.0, runs=4, seed=SEED, **OPTIONS)
    city = ds["counts"].sel(region="hyosan-city")
    t = ds["time"].values
    assert int(city.sel(compartment=["E", "Z", "H"]).sum()) == 0  # nothing got out of the school
    living = city.sel(compartment=["S", "E", "Z", "H"]).sum("compartment").values
    assert np.all(living[:, t < 100] > 10000) and np.all(living[:, t >= 100] == 0)
    school = ds["counts"].sel(region=world.extra["school_regions"], compartment="Z")
    assert int(school.isel(time=-1).sum("region").max()) > 0  # the school is left to itself


def test_the_school_is_the_focus_and_the_town_its_context(world):
    """Issue 22: 19,136 people in the world, 956 in the school; results lead with the school."""
    focus = world.places.focus
    assert (focus.name, focus.context) == ("school", "town")
    assert list(focus.regions) == world.extra["school_regions"]
    assert world.places.total() == 19_136
    ds = simulate(world, t_end=30.0, runs=3, seed=SEED, **OPTIONS)
    assert ds.attrs["focus"] == "school" and ds.attrs["context"] == "town"
    assert focus_regions(ds) == world.extra["school_regions"]
    assert set(context_regions(ds)) == {"hyosan-city", "outside-hyosan"}
    school = ds["counts"].sel(region=focus_regions(ds))
    assert (school.isel(time=0).sum(["region", "compartment"]) == 956).all()
    humans = school.sel(compartment="S").isel(time=-1).sum("region")
    np.testing.assert_array_equal(ds["final_susceptible"].values, humans.values)
    zombies = school.sel(compartment="Z").sum("region").max("time")
    np.testing.assert_array_equal(ds["peak_infectious"].values, zombies.values)
    info = describe(ds)
    assert info["focus"] == {"name": "school", "regions": len(focus.regions), "people": 956}
    assert info["context"]["name"] == "town" and info["context"]["people"] == 18_180
    assert info["context"]["summaries"]["final_susceptible"]["median"] > 17_000


def test_the_command_line_leads_with_the_school():
    from typer.testing import CliRunner

    from hyosan.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["validate", "hyosan-high"], catch_exceptions=False)
    assert "956 people in the school (and 18,180 in the town around it)" in result.stdout
    result = runner.invoke(app, ["run", "hyosan-high", "--runs", "2", "--t-end", "20",
                                 "--seed", "1"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "about the school: 956 people" in result.stdout
    assert "school: summary over runs" in result.stdout and "town: median" in result.stdout


# ------------------------------------------------------------------------------------------------
# unknown names are errors that suggest the closest ones
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"outbreak": "sience-lab"}, "unknown place 'sience-lab'; did you mean 'science-lab'"),
        ({"outbreak_compartment": "Zz"}, "unknown compartment 'Zz'"),
        ({"characters": ["Namra"]}, "unknown character 'Namra'; did you mean 'Nam-ra'"),
        ({"character_places": {"On-jo": "libary"}}, "unknown place 'libary'.*'library'"),
        ({"interventions": [CloseLinks(group="door-25")]},
         "unknown link group 'door-25'; did you mean 'door-2-5'"),
        ({"interventions": [Bomb(zone="hyosan-cty")]},
         "unknown region or place 'hyosan-cty'; did you mean 'hyosan-city'"),
        ({"interventions": [Cull(value=1.0, start=Trigger("Z", 100, region="corridor-3"))]},
         "unknown region 'corridor-3'; did you mean 'corridor-3F'"),
        ({"betta": 2.0}, "unknown parameter 'betta'; did you mean 'beta'"),
    ],
)  # fmt: skip
def test_unknown_names_suggest_the_closest(options, message):
    with pytest.raises(HyosanError, match=message):
        hyosan_high.build(**options)


# ------------------------------------------------------------------------------------------------
# the calibration
def test_the_school_falls_within_two_hours_in_the_median_history():
    runs = 30
    world = hyosan_high.build(characters=False)
    ds = simulate(world, t_end=120.0, runs=runs, seed=SEED, **OPTIONS)
    fallen = hyosan_high.school_fallen(ds, world.extra["school_regions"])
    at_two_hours = fallen.sel(time=120.0).values
    assert np.median(at_two_hours) >= 0.7, np.percentile(at_two_hours, [10, 50, 90])
    assert np.median(fallen.sel(time=30.0).values) < 0.1  # it takes time: not at once


def _day(runs: int) -> tuple:
    world = hyosan_high.build()
    options = {**OPTIONS, "dt": 0.2} if runs < 50 else OPTIONS
    return world, simulate(world, runs=runs, seed=SEED + 1, **options)


def _check_day(world, ds, runs: int) -> None:
    regions = world.extra["school_regions"]
    humans = ds["counts"].sel(region=regions, compartment="S").isel(time=-1)  # at 9 p.m.
    left = humans.sum("region").values
    assert np.mean(left >= 10) >= 0.75, left  # a few groups survive the day...
    barricaded = humans.sel(region=["class-2-5", "library", "broadcasting-room"]).sum("region")
    share = barricaded.values[left > 0] / left[left > 0]
    assert np.median(share) > 0.8, share  # ...behind their barricades
    fallen = hyosan_high.school_fallen(ds, regions).isel(time=-1).values
    assert np.median(fallen) > 0.9  # while the rest of the school has fallen
    # each character's chance of being human at the end is in the results
    still = ds["character_still_human"]
    assert list(still["character"].values) == CAST
    assert np.all((still.values >= 0) & (still.values <= 1))
    fates = ds["character_fate"].values
    np.testing.assert_allclose(still.values, (fates == "S").mean(axis=0))
    # Nam-ra and Gwi-nam become hybrids when bitten: never zombies, at any time of any history
    states = ds["character_state"].sel(character=["Nam-ra", "Gwi-nam"]).values
    assert "Z" not in set(states.ravel())


def test_barricaded_groups_survive_the_day_and_the_cast_is_followed():
    runs = 8
    world, ds = _day(runs)
    _check_day(world, ds, runs)
    assert np.isnan(ds["intervention_start"].values).mean() < 0.5  # the barricades go up


@pytest.mark.slow
def test_calibration_over_200_histories():
    runs = 200
    world, ds = _day(runs)
    _check_day(world, ds, runs)
    fallen = hyosan_high.school_fallen(ds, world.extra["school_regions"])
    assert np.median(fallen.sel(time=120.0).values) >= 0.7
    states = ds["character_state"].sel(character="Nam-ra").values
    assert "H" in set(states.ravel())  # she is bitten in some histories, and turns hybrid
