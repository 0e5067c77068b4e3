"""The sweeps of docs/sweeps.md: Seoul's crossings closed at 0.5 to 6 hours (at the school's
pace) and at 12 to 96 hours (at the city's calibrated pace), and Hyosan High's library barricaded
at 5 to 80 minutes with one more student in one of four rooms.

    python docs/sweeps/showcase.py [--seoul-runs 200] [--city-runs 200] [--school-runs 200]
        [--workers 2] [--stores DIR] [--only seoul|city|school] [--minutes 5 10 20 40 80]
        [--rooms library ...]

Stores go to DIR (default: a folder in the temporary directory), figures to docs/sweeps/.
Prints each sweep's wall time, store size and the figures' numbers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import xarray as xr

import hyosan
from hyosan.sweeps.plot import plot_sweep

HERE = Path(__file__).resolve().parent
CLOSING_HOURS = [0.5, 1, 1.5, 2, 3, 4, 6]
CITY_CLOSING_HOURS = [12, 24, 36, 48, 60, 72, 96]
CROSSINGS = ("interventions[0].start", "interventions[1].start", "interventions[2].start")
BARRICADE_MINUTES = [5, 10, 20, 40, 80]
ROOMS = ["library", "class-2-5", "broadcasting-room", "music-room"]


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def south_bank_clear(ds: xr.Dataset) -> xr.DataArray:
    """No zombie south of the Han at 48 h.

    Per run, from the zombies (Z) in the gu south of the river at the last recorded time."""
    bank = hyosan.scenarios.load("seoul").extra["bank_of_region"]
    south = [r for r in ds["region"].values if bank.get(str(r)) == "south"]
    zombies = ds["counts"].sel(region=south, compartment="Z").isel(time=-1).sum("region")
    return zombies == 0


def south_bank_human(ds: xr.Dataset) -> xr.DataArray:
    """No one bitten and no zombie south of the Han at day 5.

    Per run, from the bitten (E) and the zombies (Z) in the gu south of the river at the last
    recorded time: a bitten person who crossed just before the closing counts, though not yet
    turned."""
    bank = hyosan.scenarios.load("seoul").extra["bank_of_region"]
    south = [r for r in ds["region"].values if bank.get(str(r)) == "south"]
    last = ds["counts"].sel(region=south, compartment=["E", "Z"]).isel(time=-1)
    return last.sum(["region", "compartment"]) == 0


def seoul(runs: int, workers: int, stores: Path) -> dict:
    """The crossings closed at 0.5 to 6 hours, the city at the school's pace."""
    return crossings(
        "seoul-crossings", CLOSING_HOURS, runs, workers, stores, "south_clear", south_bank_clear
    )


def city(runs: int, workers: int, stores: Path) -> dict:
    """The crossings closed at 12 to 96 hours, the city at its calibrated pace."""
    return crossings(
        "seoul-crossings-city",
        CITY_CLOSING_HOURS,
        runs,
        workers,
        stores,
        "south_human",
        south_bank_human,
    )


def crossings(
    name: str,
    hours: list[float],
    runs: int,
    workers: int,
    stores: Path,
    flag: str,
    function: Callable[[xr.Dataset], xr.DataArray],
) -> dict:
    """Sweep docs/sweeps/NAME.toml with the three crossings' starts tied at ``hours``, ``flag``
    computed per run by ``function``; draw docs/sweeps/NAME.png and return its numbers."""
    out = stores / f"{name}.zarr"
    started = time.perf_counter()
    ds = hyosan.sweep(
        HERE / f"{name}.toml",
        vary={CROSSINGS: hours},
        runs=runs,
        seed=2024,
        out=out,
        workers=workers,
        flags={flag: function},
    )
    wall = time.perf_counter() - started
    key = "+".join(CROSSINGS)
    figure = plot_sweep(ds, HERE / f"{name}.png", flag)
    share = ds[f"{flag}_share"].values
    low, high = ds[f"{flag}_low"].values, ds[f"{flag}_high"].values
    humans = ds["final_susceptible_mean"].values
    return {
        "store": str(out),
        "store_mib": folder_size(out) / 2**20,
        "wall_s": wall,
        "runs_per_point": runs,
        "figure": str(figure),
        flag: {
            f"{h:g} h": [
                round(float(s), 3),
                round(float(lo), 3),
                round(float(hi), 3),
                round(float(m)),
            ]
            for h, s, lo, hi, m in zip(ds[key].values, share, low, high, humans, strict=True)
        },
    }


def school(runs: int, workers: int, stores: Path, minutes: list[float], rooms: list[str]) -> dict:
    out = stores / "hyosan-high-library.zarr"
    started = time.perf_counter()
    ds = hyosan.sweep(
        HERE / "hyosan-high-library.toml",
        vary={"interventions[0].start": minutes, "characters[0].place": rooms},
        runs=runs,
        seed=2024,
        out=out,
        workers=workers,
    )
    wall = time.perf_counter() - started
    you = plot_sweep(ds, HERE / "hyosan-high-you.png", "character_human", character="you")
    cast = [c for c in ds["character"].values if c != "you"]
    named = plot_sweep(
        ds.sel({"characters[0].place": "library", "character": cast}),
        HERE / "hyosan-high-cast.png",
        "character_human",
    )
    share = ds["character_human_share"]
    return {
        "store": str(out),
        "store_mib": folder_size(out) / 2**20,
        "wall_s": wall,
        "runs_per_point": runs,
        "figures": [str(you), str(named)],
        "you": {
            room: [
                round(float(v), 3)
                for v in share.sel(character="you", **{"characters[0].place": room}).values
            ]
            for room in rooms
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seoul-runs", type=int, default=200)
    parser.add_argument("--city-runs", type=int, default=200)
    parser.add_argument("--school-runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--stores", type=Path, default=None)
    parser.add_argument("--only", choices=("seoul", "city", "school"), default=None)
    parser.add_argument("--minutes", type=float, nargs="+", default=BARRICADE_MINUTES)
    parser.add_argument("--rooms", nargs="+", default=ROOMS)
    args = parser.parse_args()
    stores = args.stores or Path(tempfile.mkdtemp(prefix="hyosan-showcase-"))
    stores.mkdir(parents=True, exist_ok=True)
    results = {}
    if args.only in (None, "seoul"):
        results["seoul"] = seoul(args.seoul_runs, args.workers, stores)
    if args.only in (None, "city"):
        results["city"] = city(args.city_runs, args.workers, stores)
    if args.only in (None, "school"):
        results["school"] = school(args.school_runs, args.workers, stores, args.minutes, args.rooms)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
