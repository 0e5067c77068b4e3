"""The two sweeps of docs/sweeps.md: Seoul's crossings closed at 0.5 to 6 hours, and Hyosan
High's library barricaded at 5 to 80 minutes with one more student in one of four rooms.

    python docs/sweeps/showcase.py [--seoul-runs 200] [--school-runs 200] [--workers 2]
        [--stores DIR] [--only seoul|school] [--minutes 5 10 20 40 80] [--rooms library ...]

Stores go to DIR (default: a folder in the temporary directory), figures to docs/sweeps/.
Prints each sweep's wall time, store size and the figures' numbers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import xarray as xr

import hyosan
from hyosan.sweeps.plot import plot_sweep

HERE = Path(__file__).resolve().parent
CLOSING_HOURS = [0.5, 1, 1.5, 2, 3, 4, 6]
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


def seoul(runs: int, workers: int, stores: Path) -> dict:
    out = stores / "seoul-crossings.zarr"
    started = time.perf_counter()
    ds = hyosan.sweep(
        HERE / "seoul-crossings.toml",
        vary={CROSSINGS: CLOSING_HOURS},
        runs=runs,
        seed=2024,
        out=out,
        workers=workers,
        flags={"south_clear": south_bank_clear},
    )
    wall = time.perf_counter() - started
    name = "+".join(CROSSINGS)
    figure = plot_sweep(ds, HERE / "seoul-crossings.png", "south_clear")
    share = ds["south_clear_share"].values
    low, high = ds["south_clear_low"].values, ds["south_clear_high"].values
    return {
        "store": str(out),
        "store_mib": folder_size(out) / 2**20,
        "wall_s": wall,
        "runs_per_point": runs,
        "figure": str(figure),
        "south_clear": {
            f"{h:g} h": [round(float(s), 3), round(float(lo), 3), round(float(hi), 3)]
            for h, s, lo, hi in zip(ds[name].values, share, low, high, strict=True)
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
    parser.add_argument("--school-runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--stores", type=Path, default=None)
    parser.add_argument("--only", choices=("seoul", "school"), default=None)
    parser.add_argument("--minutes", type=float, nargs="+", default=BARRICADE_MINUTES)
    parser.add_argument("--rooms", nargs="+", default=ROOMS)
    args = parser.parse_args()
    stores = args.stores or Path(tempfile.mkdtemp(prefix="hyosan-showcase-"))
    stores.mkdir(parents=True, exist_ok=True)
    results = {}
    if args.only in (None, "seoul"):
        results["seoul"] = seoul(args.seoul_runs, args.workers, stores)
    if args.only in (None, "school"):
        results["school"] = school(args.school_runs, args.workers, stores, args.minutes, args.rooms)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
