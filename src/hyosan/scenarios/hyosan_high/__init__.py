"""The built-in world ``hyosan-high``: season 1 of *All of Us Are Dead*, the school that falls.

The plan is data (``scenarios/data/hyosan_high.toml``): four floors of a Korean high school (grade
1 on 2F, grade 2 on 3F with class 2-5, grade 3 on 4F: 24 classrooms), corridors in three segments
a floor (region ``corridor-<floor>``), two stairwells, the science lab, infirmary, library,
broadcasting room, music room, teachers' office, rooftop, gym, cafeteria, archery range, playground
and gate, with 894 students and 62 staff where they are at 9 a.m. Every door is a link group of its
own (``door-2-5``, ``door-library``); a floor's doors onto the stairwells are ``stairs-<floor>``;
the gate onto the street is ``school-gate``. Outside, the city of Hyosan (region ``hyosan-city``:
the street, downtown, apartments, market, hospital, police station, bus terminal; roads in group
``hyosan-roads``) and, beyond the roads that the military can close (``hyosan-cordon``), the rest
of the country (``outside-hyosan``).

The world holds 19,136 people: the school's 956 and the town's 18,180 (in 8 places, so that the
outbreak can leave the gate). The school is the world's focus (``Places.focus``): summaries,
curves and ``hyosan run``'s report are the school's, the town shown after it as context.

Time is in minutes from 9 a.m.; the first bitten student (compartment E) is in Lee Byeong-chan's
science lab. The named characters are tagged with their own parameters (Nam-ra and Gwi-nam become
hybrids when bitten, Su-hyeok and Ha-ri fight well).

Calibration (the story in docs/design.md; ``tests/test_hyosan_high.py`` checks it): with the
``jonas`` defaults and no intervention, the median history has over 70 % of the school's people
turned or dead (Z, H or R) two hours after the first bite, and a few groups survive the day. Those
are the groups who barricade themselves: the plan's ``[[barricade]]`` tables close a room's door (a
``CloseLinks`` started by a ``Trigger``) two or three minutes after zombies first appear in the
corridor of their floor, as class 2-5 piles its desks against the doors in the show. A barricade
saves its room unless someone bitten got in first, so who survives differs between histories.
Zombies cross a school door 12 times as often as the model's ``zombie_hop`` (the plan's
``[movement]``: a door is a few metres away, a city link is a street), so the school's fall is set
by the virus (bites, turning delay) more than by walking; people keep to their rooms (the model's
``human_hop``: a quarter of a class steps out in an hour) and rarely cross the city.

The town is a city, not a corridor: its places meet zombies at ``calibration.CITY_CONTACT``
of the school's rates (a parameter set over its regions from the start), so it falls over days,
and the military seals the gate an hour after the town's first zombie (the plan's ``[cordon]``),
so the town's zombies stay out of the school's story (docs/calibration.md).

The numbers (``python -m hyosan.scenarios.hyosan_high 200``: 200 tau histories, leaps of 0.1
minute, seed 2024; measured before the town's city pace and the gate cordon, which change the
school only after the gate closes, about two hours in): the share of the school turned or
dead is, median (10th-90th percentile),
15 % (0-49 %) at 10 a.m., 66 % at 10:30, 89 % (19-96 %) at 11 a.m. and 99 % at noon. Humans hold
out until 9 p.m. in 99.5 % of histories (median 47 people): in class 2-5 in 90 % of them, the
library 79 %, the broadcasting room 77 %. Each character of class 2-5 is human at the end in 74 to
83 % of histories, Gwi-nam (class 3-2, no barricade) in 5 %. About 5 % of histories start late or
not at all: the first zombie is destroyed before it bites. The exact engine and tau with leaps of
0.05 and 0.02 minute give the same median at 11 a.m. within sampling error (0.88 to 0.91 over 60
histories).
"""

from __future__ import annotations

import functools
import itertools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, PlacesError, suggest
from hyosan.interventions import CloseLinks, InterventionPlan, SetParameter, Trigger
from hyosan.models.library import jonas
from hyosan.models.spec import Character, Model
from hyosan.places.builders import building
from hyosan.places.focus import Focus
from hyosan.places.graph import Places
from hyosan.scenarios.scenario import Scenario

PLAN_FILE = "plan.toml"
SIMULATE = {"engine": "tau", "dt": 0.1, "check_every": 1.0, "record_every": 5.0}
"""Options the calibration was made with (minutes); see ``build``."""
CITY_KINDS = ("city", "outside")
"""Kinds of place outside the school: not counted when asking how much of the school fell."""
SCHOOL, TOWN = "school", "town"
"""The world's focus and its context (``Places.focus``): results lead with the school's 956
people; the town's 18,000 (the rooms of kind "city" or "outside") are shown after them."""


@functools.cache
def _plan_text() -> str:
    return (resources.files(__name__) / PLAN_FILE).read_text("utf-8")


def plan() -> dict[str, Any]:
    """The school plan as read from the data file (a fresh copy: callers may change it)."""
    return tomllib.loads(_plan_text())


def door_group(room: Mapping[str, Any]) -> str:
    """A room's door link group: ``door-2-5`` for ``class-2-5``, else ``door-<name>``."""
    if "door" in room:
        return str(room["door"])
    name = str(room["name"])
    return "door-" + name.removeprefix("class-")


# ------------------------------------------------------------------------------------------------
def _room(
    name: str, area: float, kind: str, region: str, xy: Sequence[float], people: int = 0
) -> dict[str, Any]:
    return {"name": name, "area": area, "kind": kind, "region": region, "xy": tuple(xy),
            "counts": {"S": people}}  # fmt: skip


def _door(a: str, b: str, group: str, weight: float = 1.0) -> dict[str, Any]:
    return {"a": a, "b": b, "group": group, "weight": float(weight)}


def school_places(data: Mapping[str, Any] | None = None) -> Places:
    """The graph of places of the plan: rooms, corridor segments, stairwells, links and people.

    Coordinates are a schematic elevation in metres for maps, y down as in the project's grids
    (x west to east, floors stacked upward, the grounds and the city below): rooms sit just above
    the corridor segment their door opens onto.
    """
    data = plan() if data is None else data
    layout = data["layout"]
    rooms: list[dict[str, Any]] = []
    doors: list[dict[str, Any]] = []
    where: dict[str, tuple[float, float]] = {}
    floors = [str(floor["name"]) for floor in data["floor"]]
    for f, floor in enumerate(data["floor"]):
        name = str(floor["name"])
        segments = [f"corridor-{name}-{s}" for s in floor["segments"]]
        for k, segment in enumerate(segments):
            where[segment] = (layout["segment_width"] * (k + 0.5), -layout["floor_height"] * f)
            rooms.append(
                _room(segment, floor["segment_area"], "corridor", f"corridor-{name}",
                      where[segment])
            )  # fmt: skip
        for a, b in itertools.pairwise(segments):
            doors.append(_door(a, b, f"corridor-{name}"))
    stairwells = dict(data["stairwells"])
    top = stairwells.pop("rooftop_from")
    for side, spec in stairwells.items():
        for k, floor in enumerate(floors):
            landing = f"stairs-{side}-{floor}"
            corridor = f"corridor-{floor}-{spec['segment']}"
            xy = (where[corridor][0] + spec["dx"], where[corridor][1])
            rooms.append(_room(landing, spec["area"], "stairwell", f"stairwell-{side}", xy))
            doors.append(_door(corridor, landing, f"stairs-{floor}"))
            if k > 0:
                doors.append(_door(f"stairs-{side}-{floors[k - 1]}", landing, f"stairwell-{side}"))
        doors.append(_door(f"stairs-{side}-{top}", "rooftop", "rooftop-door"))
    along = {}  # rooms already placed along each corridor segment
    onto = [str(room.get("opens_to", "")) for room in data["room"]]
    for room in data["room"]:
        people = sum(int(room.get(key, 0)) for key in ("students", "staff", "residents"))
        name = str(room["name"])
        if "xy" in room:
            xy = tuple(room["xy"])
        elif room.get("opens_to") in where:  # above its corridor segment, side by side
            segment = str(room["opens_to"])
            i, n = along.get(segment, 0), onto.count(segment)
            along[segment] = i + 1
            x, y = where[segment]
            xy = (x + layout["room_width"] * (i - (n - 1) / 2), y - layout["room_offset"])
        else:
            raise HyosanError(f"room {name!r}: needs 'xy' or a door onto a corridor segment")
        region = room.get("region", name)
        rooms.append(_room(name, room["area"], room["kind"], region, xy, people))
        if "opens_to" in room:
            doors.append(
                _door(name, room["opens_to"], door_group(room), room.get("door_weight", 1.0))
            )
    for link in data["link"]:
        doors.append(_door(link["a"], link["b"], link["group"], link.get("weight", 1.0)))
    places = building(rooms, doors)
    kind = dict(zip(places.names, places.kind, strict=True))
    movement = data.get("movement", {})
    factors: dict[str, dict[str, float]] = {}
    for group in places.groups:
        ends = places.links_in(group)
        in_city = all(
            kind[places.names[i]] in CITY_KINDS
            for i in (*places.link_source[ends], *places.link_dest[ends])
        )
        table = movement.get("city" if in_city else "school", {})
        if table:
            factors[group] = {str(c): float(v) for c, v in table.items()}
    places = replace(places, group_factor=factors)
    return replace(places, focus=Focus(SCHOOL, tuple(school_regions(places)), TOWN))


def school_regions(places: Places) -> list[str]:
    """Regions of the school itself (everything but the city and the world beyond): the
    places' focus."""
    city = {r for r, k in zip(places.region, places.kind, strict=True) if k in CITY_KINDS}
    return [r for r in places.regions if r not in city]


def city_regions(places: Places) -> list[str]:
    """Regions outside the gate."""
    school = set(school_regions(places))
    return [r for r in places.regions if r not in school]


# ------------------------------------------------------------------------------------------------
def cast(
    model: Model,
    data: Mapping[str, Any] | None = None,
    names: Iterable[str] | None = None,
    places: Mapping[str, str] | None = None,
) -> tuple[Character, ...]:
    """The named characters, with overrides in the model's own units.

    ``names`` picks some (short or full names: "Nam-ra" or "Choi Nam-ra"); ``places`` moves some
    ("On-jo": "library"). ``kappa_factor`` and ``beta_factor`` in the plan multiply the model's
    rates, ``h`` sets the hybrid fraction.
    """
    data = plan() if data is None else data
    table = {str(c["name"]): c for c in data.get("character", [])}
    full = {str(c.get("full_name", c["name"])): str(c["name"]) for c in table.values()}
    known = [*table, *full]

    def short(name: str, where: str) -> str:
        if name in table:
            return name
        if name in full:
            return full[name]
        raise HyosanError(f"{where}: " + suggest(name, known, "character"))

    chosen = list(table) if names is None else [short(n, "characters") for n in names]
    moved = {short(n, "character_places"): p for n, p in (places or {}).items()}
    values = model.values()
    out = []
    for name in dict.fromkeys(chosen):
        spec = table[name]
        overrides: dict[str, float] = {}
        for key, value in spec.items():
            if key.endswith("_factor"):
                parameter = key.removesuffix("_factor")
                overrides[parameter] = values[parameter] * float(value)
            elif key in model.parameters:
                overrides[key] = float(value)
        out.append(
            Character(
                name,
                moved.get(name, str(spec["place"])),
                overrides=overrides,
                description=str(spec.get("full_name", name)),
            )
        )
    return tuple(out)


def barricades(data: Mapping[str, Any] | None = None) -> tuple[CloseLinks, ...]:
    """The plan's barricades: each closes a door once zombies are seen on the floor."""
    data = plan() if data is None else data
    return tuple(
        CloseLinks(
            group=str(b["door"]),
            start=Trigger(
                "Z",
                float(b.get("threshold", 1)),
                region=str(b["watch"]),
                delay=float(b.get("delay", 0.0)),
            ),
        )
        for b in data.get("barricade", [])
    )


def cordon(data: Mapping[str, Any] | None = None) -> tuple[CloseLinks, ...]:
    """The plan's gate cordon: the school is sealed once zombies are seen in the town."""
    data = plan() if data is None else data
    spec = data.get("cordon")
    if not spec:
        return ()
    start = Trigger("Z", float(spec.get("threshold", 1)), region=str(spec["watch"]),
                    delay=float(spec.get("delay", 0.0)))  # fmt: skip
    return (CloseLinks(group=str(spec["group"]), start=start),)


def town_contact(places: Places, contact: float) -> tuple[SetParameter, ...]:
    """The town's places meet zombies at the city's pace (``contact``), from the start.

    The school keeps the model's own rates (a corridor: ``contact`` 1); the city's rates are set
    as data, a parameter over the town's regions, so the model and the engines stay the same.
    """
    if contact == 1.0:
        return ()
    return (SetParameter(parameter="contact", value=float(contact),
                         zone=tuple(city_regions(places)), start=0.0),)  # fmt: skip


def _stage_of(model: Model, compartment: str) -> str:
    """The compartment people enter: 'E' means the first stage of the bitten."""
    if compartment in model.groups:
        return model.groups[compartment][0]
    if compartment not in model.compartments:
        raise HyosanError(
            "outbreak: "
            + suggest(compartment, [*model.reported, *model.compartments], "compartment")
        )
    return compartment


# ------------------------------------------------------------------------------------------------
def build(
    outbreak: str | None = None,
    outbreak_count: int | None = None,
    outbreak_compartment: str | None = None,
    characters: bool | Sequence[str] = True,
    character_places: Mapping[str, str] | None = None,
    barricade: bool = True,
    interventions: Sequence[Any] = (),
    t_end: float | None = None,
    cordon_gate: bool = True,
    city_contact: float | None = None,
    **parameters: Any,
) -> Scenario:
    """Hyosan High at 9 a.m., minutes as the time unit, 12 hours by default.

    outbreak: the place of the first bitten (default the science lab; None for no outbreak),
    ``outbreak_count`` people in ``outbreak_compartment`` ('E' bitten, 'Z' zombie). characters:
    True for the whole cast, False for none, or some names; ``character_places`` moves some.
    barricade: whether the plan's groups barricade themselves. The world's own interventions
    (the town's contact, the gate cordon, the barricades, in that order) come first in the
    scenario's interventions, then ``interventions``. cordon_gate: whether the military seals
    the gate an hour after the town's first zombie (the plan's ``[cordon]``), so that the town's
    zombies stay out of the school's story. city_contact: the town's share of a corridor's bites
    and kills (default ``calibration.CITY_CONTACT``, set over the town's regions from the start;
    1 for the school's rates everywhere). Other keyword arguments set parameters of
    the jonas model (``beta=180`` in its unit, per hour, or ``beta="3/minute"``). Unknown places,
    regions, link groups and names are errors that suggest the closest known ones.

    ``extra["simulate"]`` holds the options the calibration uses (tau leaps of 0.1 minute,
    barricade triggers checked every minute): ``simulate(world, **world.extra["simulate"])``.
    The defaults (a step from the worst-case hazard, triggers checked every step) are far slower.
    """
    data = plan()
    school = data["school"]
    model = jonas(time_unit=str(school.get("time_unit", "minute")))
    if parameters:
        model = model.with_parameters(**parameters)
    places = school_places(data)
    where = school["outbreak_place"] if outbreak is None else outbreak
    count = int(school.get("outbreak_count", 1) if outbreak_count is None else outbreak_count)
    if outbreak_compartment is None:
        outbreak_compartment = str(school.get("outbreak_compartment", "E"))
    compartment = _stage_of(model, outbreak_compartment)
    description = "Hyosan High at 9 a.m."
    if where:
        try:
            places = places.with_outbreak(where, compartment, count)
        except PlacesError as error:
            raise PlacesError(f"outbreak: {error}") from None
        description += f", {count} {model.reported_of(compartment)} in the {where}"
    if characters is True:
        chosen = cast(model, data, places=character_places)
    elif characters is False:
        chosen = ()
    else:
        chosen = cast(model, data, names=characters, places=character_places)
    from hyosan.scenarios.calibration import CITY_CONTACT

    contact = CITY_CONTACT if city_contact is None else float(city_contact)
    plan_interventions = (
        *town_contact(places, contact),
        *(cordon(data) if cordon_gate else ()),
        *(barricades(data) if barricade else ()),
    )
    scenario = Scenario(
        model=model,
        places=places,
        characters=chosen,
        interventions=(*plan_interventions, *interventions),
        name="hyosan-high",
        description=description
        + f": {places.n_places} places, {_school_people(places):,} students and staff",
        t_end=float(school.get("t_end", 720.0) if t_end is None else t_end),
        extra={
            "school_regions": school_regions(places),
            "city_regions": city_regions(places),
            "full_names": {c.name: c.description for c in chosen},
            "barricades": len(barricades(data)) if barricade else 0,
            "city_contact": contact,
            "plan": PLAN_FILE,
            "simulate": dict(SIMULATE),
        },
    )
    _check(scenario)
    return scenario


def _school_people(places: Places) -> int:
    inside = np.isin(np.asarray(places.region), school_regions(places))
    return int(sum(int(v[inside].sum()) for v in places.counts.values()))


def _check(scenario: Scenario) -> None:
    """Fail at build time, not at the first run, on unknown places, regions and link groups."""
    net = scenario.compile()
    InterventionPlan(scenario, net, 1, 0)


def school_fallen(ds: Any, regions: Sequence[str]) -> Any:
    """Per run and time, the share of the people in ``regions`` who are turned or dead.

    Turned or dead: zombies, hybrids and the removed (Z, H, R) over everyone there.
    """
    counts = ds["counts"].sel(region=list(regions)).sum("region")
    fallen = counts.sel(compartment=[c for c in ("Z", "H", "R") if c in counts.compartment])
    return fallen.sum("compartment") / counts.sum("compartment")


# ------------------------------------------------------------------------------------------------
def calibrate(
    runs: int = 100,
    seed: int = 2024,
    t_end: float = 720.0,
    dt: float = 0.1,
    characters: bool = True,
    progress: bool = False,
) -> dict[str, Any]:
    """The numbers behind the calibration: the school's fall and who survives, over ``runs``.

    Tau leaps of ``dt`` minutes, triggers checked every minute. Returns the median (and 10th and
    90th percentiles) of the share of the school turned or dead at each hour, the share of runs
    with humans left in the school at the end and the median number left, the rooms they hold
    out in, and each character's chance of being human at the end.
    """
    from hyosan.run.simulate import simulate

    world = build(characters=characters)
    options = {**SIMULATE, "dt": dt, "record_every": 10.0}
    ds = simulate(world, t_end=t_end, runs=runs, seed=seed, progress=progress, **options)
    regions = world.extra["school_regions"]
    fallen = school_fallen(ds, regions)
    hours = [t for t in (30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 480.0, 720.0) if t <= t_end]
    humans = ds["counts"].sel(region=regions, compartment="S").isel(time=-1)
    holding = (humans > 0).mean("run").to_series()
    out: dict[str, Any] = {
        "runs": runs,
        "seed": seed,
        "dt": dt,
        "fallen": {
            t: [float(np.percentile(fallen.sel(time=t).values, q)) for q in (10, 50, 90)]
            for t in hours
        },
        "runs_with_survivors": float((humans.sum("region") > 0).mean()),
        "median_survivors": float(humans.sum("region").median()),
        "held_rooms": {r: float(v) for r, v in holding[holding > 0.1].items()},
    }
    if characters:
        out["still_human"] = {
            str(c): float(v) for c, v in ds["character_still_human"].to_series().items()
        }
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(calibrate(runs=int(sys.argv[1]) if len(sys.argv) > 1 else 100), indent=1))
