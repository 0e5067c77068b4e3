"""Make the gallery: pictures of the built-in worlds, written to docs/gallery/ with docs/gallery.md.

    python docs/gallery.py                        # every world (a few minutes on two cores)
    python docs/gallery.py --only hyosan-high     # one world's pictures (gallery.md unchanged)

Each world is built by ``hyosan.scenarios.load`` and simulated by ``hyosan.simulate`` with a
fixed seed and the world's own run defaults, which is what ``hyosan run NAME`` does; every
picture is drawn by ``hyosan.plots.plot``, as ``hyosan plot`` draws it. So the command printed
under each picture in gallery.md remakes it (at the CLI's 100 dpi; the gallery draws at 90 or
less to keep the files small).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

HERE = Path(__file__).resolve().parent
OUT = HERE / "gallery"
HALF_FALLEN = "half_fallen"
"""A picture's time: the first snapshot at which half of the focus's humans are gone."""


@dataclass(frozen=True)
class Picture:
    """One image of a world's results: a plot kind, an optional snapshot time, a caption."""

    kind: str
    alt: str  # a few words for readers who cannot see the picture
    caption: str
    suffix: str = ".png"
    time: float | str | None = None  # a snapshot time, HALF_FALLEN, or None (mid-outbreak)
    dpi: int = 90
    name: str = ""  # the file's name after the world's (default: the kind)


@dataclass(frozen=True)
class World:
    """A built-in world, how the gallery runs it, and what it draws."""

    name: str
    title: str
    about: str
    run: dict[str, Any]  # hyosan.simulate's runs, seed, t_end, record_every, snapshot_every
    pictures: tuple[Picture, ...]


WORLDS = (
    World(
        name="seoul",
        title="Seoul: the season-2 outbreak, dong by dong",
        about=(
            "Seoul's 425 administrative dongs with their 2020 census population (9.6 million), "
            "the Han crossable only by its bridges and tunnels, one zombie at Korea University "
            "(Seongbuk-gu), people meeting zombies at the city's pace (a thousandth of a school "
            "corridor's, docs/calibration.md). Two histories of ten days (240 hours), recorded "
            "every 2 hours, a map every 6."
        ),
        run={"runs": 2, "seed": 1, "t_end": 240, "record_every": 2, "snapshot_every": 6},
        pictures=(
            Picture(
                "map",
                "Map of Seoul's dongs: humans' and zombies' shares as the outbreak crosses the Han",
                "North up, the Han in pale blue, the gu named. Hour 150 (day 6 and a quarter), "
                "the first snapshot at which half of Seoul's humans are gone, in a typical "
                "history: left, the humans' (Susceptible) share of each dong's people; right, "
                "the zombies'. The north bank has fallen (most of its dongs three-quarters or "
                "more zombie, Eunpyeong in the north-west a little less); across the "
                "Han the south-east (Gangdong, Songpa, Gangnam, Seocho) is a quarter or so "
                "zombie; the south-west (Gangseo to Gwanak and Dongjak) is still almost all "
                "human.",
                time=HALF_FALLEN,
            ),
            Picture(
                "curves",
                "Seoul's epidemic curves: the whole city, then each gu",
                "Top: the whole city, median and 10-90 % band of the two histories. For four "
                "days almost nothing shows; the humans (Susceptible, blue) then fall from about "
                "hour 100, half are gone by hour 148-154 (the two histories) and all but a few "
                "hundred by hour 200 (day 8 and a half). Nearly all of them turned (Zombie, dark "
                "orange: 9.08 million at the end); about 0.48 million are dead (Removed, grey) "
                "and 29,000 are hybrids (pink, a line on the axis at this scale); Exposed (light "
                "orange), the bitten who have not turned yet, are too few to show. Below: 24 of "
                "the 25 gu (Jung-gu left out), each on its own scale, the largest outbreaks "
                "first: the north-east (Dongdaemun, Gangbuk, Jungnang) is half gone by hour "
                "124-138, the south-west (Gangseo, Guro, Yangcheon, Geumcheon) last, by hour "
                "174-178. Some gu gain people before they fall (Jongno from about 150,000 to "
                "200,000 over the first four days), as people move between dongs.",
            ),
            Picture(
                "animation",
                "Animation of Seoul's dongs falling over ten days, six hours a frame",
                "The same history as the map, a frame every 6 hours for ten days: nothing shows "
                "for three days; from about hour 84 the first pink shows in the north-east, "
                "around Korea University; by hour 126 the north-east is half zombie and by hour "
                "144 the north bank has fallen; across the bridges the south-east (Gangdong, "
                "Songpa, Gangnam, Seocho) turns visibly from about hour 144 and is mostly zombie "
                "by hour 168, while the south-west (Gangseo to Gwanak) falls last; by hour 192 "
                "almost nothing human is left.",
                suffix=".gif",
                dpi=70,
            ),
        ),
    ),
    World(
        name="hyosan-high",
        title="Hyosan High: season 1, room by room",
        about=(
            "The school at 9 a.m.: 956 students and staff in 66 rooms, corridors and stairwells "
            "(and the town of Hyosan around it), one bitten student in the science lab, the "
            "groups that barricade themselves in, and the named characters; the military "
            "cordons the school gate an hour after the town's first zombie. Sixteen histories "
            "of twelve hours (9 a.m. to 9 p.m.)."
        ),
        run={"runs": 16, "seed": 1, "t_end": 720, "record_every": 5, "snapshot_every": 10},
        pictures=(
            Picture(
                "map",
                "Hyosan High's floor plan, each room coloured by its people's states",
                "The floor plan (floors stacked, 1F at the bottom; the grounds and the town "
                "below), each room split into its people's shares. Minute 60 (10 a.m.), the "
                "first snapshot at which half of the school's humans are gone, in a typical "
                "history: from the science lab (3F, now all zombie, as is class 2-1) the "
                "outbreak has reached every floor through the corridors and stairwells, and "
                "most classrooms are a mix of the bitten (Exposed, light orange) and zombies; "
                "still human are the barricaded class 2-5 and broadcasting room, class 3-8, the "
                "teachers' office and a few people in other rooms (the library, barricaded in "
                "the story, is not spared in this history); outside, the gym, playground, "
                "cafeteria, archery range, gate and the town are untouched.",
                time=HALF_FALLEN,
            ),
            Picture(
                "curves",
                "Hyosan High's epidemic curves: the school, the town, each room",
                "Top: the school (its 956 people at 9 a.m.), median and 10-90 % band over 16 "
                "histories; beside it, the town. The school's humans (Susceptible, blue) fall "
                "between about minute 40 and 100 (half gone at minute 65 in the median history; "
                "one history is as late as minute 160, and in one the outbreak dies out at "
                "once), leaving about 45 holding out. The zombies (dark orange) "
                "level off by about minute 250 at about 890, a little under the school's own "
                "people, with about 45 dead (grey) and a few hybrids: the gate is cordoned an "
                "hour after the town's first zombie, so the town's zombies stay out. The town "
                "(18,180 people) barely moves in these twelve hours (40-120 zombies at 9 p.m.); "
                "it falls over days. Below: 24 of the school's 44 regions (rooms, corridors, "
                "stairwells, grounds), each on its own scale, the largest outbreaks first: the "
                "stairwells and corridors hold 50-65 zombies each.",
            ),
            Picture(
                "characters",
                "Bars of each named character's state over the histories",
                "Each named character's state at 9 p.m., twelve hours in, over the 16 "
                "histories (one of them with no outbreak): human (Susceptible, blue), Zombie, "
                "Hybrid (pink) or Removed (grey), and on the right the share of histories in "
                "which they are still human: Gwi-nam in 6 % (a hybrid in all the others), the "
                "rest in 56-75 % (Nam-ra a hybrid in a quarter of them).",
            ),
        ),
    ),
    World(
        name="szr-lattice",
        title="szr-lattice: Alemi's SZR on a lattice",
        about=(
            "A 200 x 200 lattice of 20 humans a cell with one zombie in the middle "
            "(Alemi et al.'s SZR model). Four histories, tau leaps of 0.1 hour."
        ),
        run={"runs": 4, "seed": 1, "dt": 0.1, "snapshot_every": 10},
        pictures=(
            Picture(
                "curves",
                "The lattice's epidemic curves",
                "Median and 10-90 % band over the four histories. In one of them the first "
                "zombie is killed at once and the humans stay untouched, which is why the band "
                "is so wide; in the others a zombie front sweeps the lattice in about 150 hours.",
            ),
            Picture(
                "map",
                "Map of the lattice: a round zombie front mid-outbreak",
                "Humans' (Susceptible) and zombies' shares of every cell at hour 100, "
                "mid-outbreak, in a typical history: a round front moving outwards from the "
                "middle, a ragged edge where the noise of small numbers shows.",
            ),
            Picture(
                "animation",
                "Animation of the lattice's front spreading",
                "The same history, a frame every 10 hours: the front spreads at a steady speed.",
                suffix=".gif",
                dpi=60,
            ),
        ),
    ),
)


# ------------------------------------------------------------------------------------------------
def simulate(world: World) -> xr.Dataset:
    """The world's results, as ``hyosan run NAME`` with the gallery's options gives them."""
    import hyosan
    from hyosan import scenarios

    scenario = scenarios.load(world.name)
    started = time.perf_counter()
    ds = hyosan.simulate(scenario, progress=None, **world.run)
    seconds = time.perf_counter() - started
    print(f"{world.name}: {ds.sizes['run']} runs with {ds.attrs['engine']} in {seconds:.0f} s")
    return ds


def half_fallen_time(ds: xr.Dataset, run: int) -> float:
    """The first snapshot time at which the focus's humans (the whole world's without a focus)
    are half gone in run ``run``; the last snapshot if they never are."""
    from hyosan.results.focus import focus_regions

    human = ds.attrs.get("human", "S")
    counts = ds["counts"].isel(run=run).sel(region=focus_regions(ds), compartment=human)
    humans = np.asarray(counts.sum("region").values, np.float64)
    times = np.asarray(ds["time"].values, np.float64)
    below = np.flatnonzero(humans <= humans[0] / 2)
    moment = times[below[0]] if below.size else times[-1]
    snapshots = np.asarray(ds["snapshot_time"].values, np.float64)
    later = snapshots[snapshots >= moment - 1e-9]
    return float(later[0] if later.size else snapshots[-1])


def draw(world: World, ds: xr.Dataset) -> list[tuple[Picture, str, str]]:
    """Every picture of a world: [(picture, file name, the command that remakes it), ...]."""
    from hyosan import plots

    made = []
    for picture in world.pictures:
        file = f"{world.name}-{picture.name or picture.kind}{picture.suffix}"
        at = picture.time
        if at == HALF_FALLEN:
            at = half_fallen_time(ds, plots.typical_run(ds))
        plots.plot(ds, picture.kind, OUT / file, time=at, dpi=picture.dpi)
        size = (OUT / file).stat().st_size
        print(f"  docs/gallery/{file} ({size / 1024:.0f} KB)")
        made.append((picture, file, plot_command(world, picture, file, at)))
    return made


def run_command(world: World) -> str:
    """The `hyosan run` command that makes the world's results file."""
    options = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in world.run.items())
    return f"hyosan run {world.name} {options} --out {world.name}.nc"


def plot_command(world: World, picture: Picture, file: str, at: Any) -> str:
    """The `hyosan plot` command that draws one picture from the results file."""
    when = f" --time {at:g}" if at is not None else ""
    return f"hyosan plot {world.name}.nc --kind {picture.kind}{when} --out {file}"


def write_index(made: dict[str, list[tuple[Picture, str, str]]]) -> Path:
    """docs/gallery.md: every picture made, world by world, each with its caption and command."""
    lines = [
        "# Gallery",
        "",
        "Made by `python docs/gallery.py` (a few minutes) from the built-in worlds",
        "(`hyosan scenarios`), each with a fixed seed. Under each world, the command that makes",
        "its results; under each picture, the command that draws it from them. Colours:",
        "Okabe-Ito for compartments, blues (humans) and reds (zombies) for maps; maps are drawn",
        "north up.",
        "",
    ]
    for world in WORLDS:
        if world.name not in made:
            continue
        lines += [f"## {world.title}", "", world.about, ""]
        lines += ["```bash", run_command(world), "```", ""]
        for picture, file, command in made[world.name]:
            image = f"![{picture.alt}](gallery/{file})"
            lines += [image, "", picture.caption, "", f"`{command}`", ""]
    path = HERE / "gallery.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="worlds to draw (default: all)")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    made = {}
    for world in WORLDS:
        if args.only and world.name not in args.only:
            continue
        made[world.name] = draw(world, simulate(world))
    if len(made) < len(WORLDS):
        print("docs/gallery.md not rewritten: it is written by a run of every world")
        return
    print(write_index(made))


if __name__ == "__main__":
    main()
