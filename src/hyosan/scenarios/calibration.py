"""The city's pace, calibrated to the show: the contact scale of city places, and its checks.

The ``jonas`` rates were fitted in a school corridor, where a zombie bites two people a minute.
People in a city meet zombies far less often (indoors, fleeing, hiding), so the worlds' city
places run with the model's ``contact`` parameter set to :data:`CITY_CONTACT`: the town around
Hyosan High (a parameter set over its regions, see ``hyosan_high.town_contact``) and every place
of Seoul. The value is fitted to the one number the show gives about the town (its officials
expect some 50,000 infected and 10,000 not infected in central Hyosan and the school when they
bomb it: 5 : 1), at the bombing's time as read from episode recaps; Seoul's pace then follows.
docs/calibration.md has the sources, the targets and the figures.

This module lives with the worlds (not in ``benchmarks/``) because the worlds import its
constants and the test suite runs its reduced form; ``python -m hyosan.scenarios.calibration``
runs the full form (medians and 10-90 % ranges over >= 100 histories).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CITY_CONTACT = 0.0011
"""Share of a school corridor's bites and kills in a city place (a choice fitted to the town's
5 : 1 at the bombing; docs/calibration.md shows the sensitivity)."""
BOMBING_HOUR = 72.0
"""Hours from the first bite to the bombing of central Hyosan (our reading of the recaps: the
students' third night ends with it; a choice, with its sensitivity shown)."""
TOWN_RATIO = 5.0
"""Infected : not infected in central Hyosan and the school at the bombing (50,000 : 10,000)."""
INFECTED = ("E", "Z", "H")
"""What the officials count as infected: the bitten, zombies and hybrids."""
TOWN_OPTIONS = {"engine": "tau", "dt": 0.5, "check_every": 5.0, "record_every": 60.0}
"""Leaps of half a minute (the town's rates are a thousandth of the school's; the school's own
calibration uses 0.1 minute for its first hours)."""
SEOUL_OPTIONS = {"record_every": 6.0}


@dataclass(frozen=True)
class Target:
    """One line of the calibration's table."""

    world: str
    quantity: str
    target: str
    source: str


TARGETS = (
    Target("hyosan-high", "school turned or dead 2 h after the first bite (median)", ">= 70 %",
           "the show: the school falls in the first morning (kept from the school's calibration)"),
    Target("hyosan-high", "town's infected : not infected at the bombing (hour 72)", "5 : 1",
           "episode 11 recaps: 50,000 infected with 10,000 not infected or without symptoms"),
    Target("hyosan-high", "town half infected or dead", "day 2 (hours 24-60)",
           "episodes 5-10: martial law, the town overrun while the students hold out for days"),
    Target("seoul", "half of Seoul turned or dead, nothing closed", "follows (days, not hours)",
           "the town's pace carried to the city: no fit"),
    Target("seoul", "south bank reached (first bitten or zombie south)", "follows",
           "as above"),
)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Hyosan: the town around the school
def town_runs(runs: int, seed: int, contact: float = CITY_CONTACT, hours: float = 96.0,
              **options: Any) -> tuple[Any, Any]:  # fmt: skip
    """(world, Dataset): the ``hyosan-high`` world without the cast, ``hours`` long."""
    from hyosan.run.simulate import simulate
    from hyosan.scenarios import hyosan_high

    world = hyosan_high.build(characters=False, city_contact=contact)
    ds = simulate(world, t_end=hours * 60.0, runs=runs, seed=seed, progress=False,
                  **{**TOWN_OPTIONS, **options})  # fmt: skip
    return world, ds


def town_figures(world: Any, ds: Any, bombing_hour: float = BOMBING_HOUR) -> dict[str, Any]:
    """Per run: the bombed area's infected : not infected at the bombing, the hour the town is
    half infected or dead, and the school's zombies at the end (the cordon keeps them its own)."""
    counts = ds["counts"]
    town = counts.sel(region="hyosan-city")
    bombed = counts.sel(region=["hyosan-city", *world.extra["school_regions"]]).sum("region")
    at = bombed.sel(time=bombing_hour * 60.0, method="nearest")
    infected = at.sel(compartment=list(INFECTED)).sum("compartment").values.astype(float)
    healthy = at.sel(compartment="S").values.astype(float)
    fallen = town.sel(compartment=[*INFECTED, "R"]).sum("compartment") / town.sum("compartment")
    hours = ds["time"].values / 60.0
    half = first_time_above(hours, fallen.values, 0.5)
    school_z = counts.sel(region=world.extra["school_regions"], compartment="Z").sum("region")
    return {
        "ratio_at_bombing": infected / np.maximum(healthy, 1.0),
        "infected_share_at_bombing": infected / np.maximum(infected + healthy, 1.0),
        "town_half_hour": half,
        "school_zombies_max": school_z.max("time").values.astype(float),
    }


# ------------------------------------------------------------------------------------------------
# Seoul
def seoul_runs(runs: int, seed: int, contact: float = CITY_CONTACT, hours: float = 480.0,
               **options: Any) -> tuple[Any, Any]:  # fmt: skip
    """(world, Dataset): ``seoul`` at dong level from Korea University, nothing closed."""
    from hyosan.run.simulate import simulate
    from hyosan.scenarios import seoul

    world = seoul.build(characters=False, contact=contact, **options.pop("world", {}))
    ds = simulate(world, t_end=hours, runs=runs, seed=seed, progress=False,
                  **{**SEOUL_OPTIONS, **world.extra.get("simulate", {}), **options})  # fmt: skip
    return world, ds


def seoul_figures(world: Any, ds: Any) -> dict[str, Any]:
    """Per run: hours until half of Seoul is turned or dead, and until the south bank has its
    first bitten or zombie, and until half of the south is turned or dead."""
    counts = ds["counts"]
    hours = ds["time"].values
    south = [r for r, b in world.extra["bank_of_region"].items() if b == "south"]

    def fallen(c: Any) -> np.ndarray:
        gone = c.sel(compartment=["Z", "H", "R"]).sum("compartment")
        return (gone / c.sum("compartment")).values

    whole = counts.sum("region")
    south_counts = counts.sel(region=south).sum("region")
    reached = south_counts.sel(compartment=["E", "Z", "H"]).sum("compartment").values
    return {
        "half_turned_hour": first_time_above(hours, fallen(whole), 0.5),
        "south_reached_hour": first_time_above(hours, reached.astype(float), 0.5),
        "south_half_hour": first_time_above(hours, fallen(south_counts), 0.5),
    }


# ------------------------------------------------------------------------------------------------
def draw_town(by_contact: dict[str, Any], world: Any, ds: Any, path: str) -> None:
    """docs/calibration.md's figure: left, the bombed area's infected share at hour 72 against
    the contact scale (median, 10-90 %); right, the town's fall over time at ``CITY_CONTACT``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.4), dpi=90)
    contacts = sorted(by_contact, key=float)
    x = [float(c) * 1000 for c in contacts]
    rows = [by_contact[c]["infected_share_at_bombing"] for c in contacts]
    mid = np.array([r["median"] for r in rows])
    low = mid - np.array([r["p10"] for r in rows])
    high = np.array([r["p90"] for r in rows]) - mid
    left.errorbar(x, mid, yerr=[low, high], fmt="o-", color="tab:red", capsize=3)
    left.axhline(TOWN_RATIO / (TOWN_RATIO + 1), color="grey", ls="--", lw=1)
    left.text(x[0], TOWN_RATIO / (TOWN_RATIO + 1) + 0.02, "5 : 1 (episode 11)", fontsize=8)
    left.axvline(CITY_CONTACT * 1000, color="grey", lw=0.8)
    left.set(xlabel="city contact (x 1/1000 of a corridor)", ylim=(0, 1),
             ylabel="infected share at hour 72", title="Hyosan at the bombing")  # fmt: skip
    town = ds["counts"].sel(region="hyosan-city")
    fallen = (town.sel(compartment=[*INFECTED, "R"]).sum("compartment")
              / town.sum("compartment")).values  # fmt: skip
    hours = ds["time"].values / 60.0
    q = np.percentile(fallen, [10, 50, 90], axis=0)
    right.fill_between(hours, q[0], q[2], color="tab:red", alpha=0.25, lw=0)
    right.plot(hours, q[1], color="tab:red", label="town infected or dead")
    right.axvline(BOMBING_HOUR, color="grey", ls="--", lw=1)
    right.text(BOMBING_HOUR - 1, 0.05, "bombing", ha="right", fontsize=8)
    right.set(
        xlabel="hours after the first bite",
        ylim=(0, 1),
        title=(
            f"the town, contact {CITY_CONTACT:g}: median, 10-90 % ({ds.sizes['run']} histories)"
        ),
    )
    right.title.set_fontsize(9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_seoul(world: Any, ds: Any, path: str) -> None:
    """docs/calibration.md's Seoul figure: the share turned or dead, north and south of the Han,
    each history a line, with nothing closed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = ds["counts"]
    banks = world.extra["bank_of_region"]
    days = ds["time"].values / 24.0
    fig, ax = plt.subplots(figsize=(6.0, 3.2), dpi=90)
    for bank, colour in (("north", "tab:red"), ("south", "tab:purple")):
        part = counts.sel(region=[r for r, b in banks.items() if b == bank]).sum("region")
        gone = (part.sel(compartment=["Z", "H", "R"]).sum("compartment")
                / part.sum("compartment")).values  # fmt: skip
        for k, line in enumerate(gone):
            ax.plot(days, line, color=colour, lw=1, label=f"{bank} bank" if k == 0 else None)
    ax.set(xlabel="days after the first bite (Korea University)", ylabel="turned or dead",
           ylim=(0, 1), title=f"Seoul at contact {CITY_CONTACT:g}, nothing closed "
           f"({ds.sizes['run']} histories)")  # fmt: skip
    ax.title.set_fontsize(10)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------
def first_time_above(times: np.ndarray, values: np.ndarray, level: float) -> np.ndarray:
    """Per run (rows), the first recorded time the value is at or above ``level`` (NaN: never)."""
    values = np.asarray(values, float)
    hit = values >= level
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), np.asarray(times, float)[first], np.nan)


def summary(values: np.ndarray) -> dict[str, float | None]:
    """Median and 10-90 % range (NaN, 'never', counts as later than every time and is reported
    as None, so the JSON stays standard)."""
    v = np.where(np.isnan(values), np.inf, np.asarray(values, float))
    q = [float(x) for x in np.percentile(v, [10, 50, 90], method="inverted_cdf")]
    p10, median, p90 = (x if np.isfinite(x) else None for x in q)
    return {"p10": p10, "median": median, "p90": p90, "never": float(np.isinf(v).mean())}


def calibrate(world: str = "town", runs: int = 100, seed: int = 19,
              contacts: Sequence[float] = (CITY_CONTACT,), figure: str | None = None,
              **options: Any) -> dict[str, Any]:  # fmt: skip
    """The figures of docs/calibration.md: per contact scale, medians and 10-90 % ranges;
    ``figure`` draws them (the town's: all contacts, the first one's curves; Seoul's: the first
    contact's histories)."""
    out: dict[str, Any] = {"world": world, "runs": runs, "seed": seed, "by_contact": {}}
    drawn = None
    for contact in contacts:
        if world == "town":
            town = town_runs(runs, seed, contact, **options)
            drawn = drawn or town
            figures = town_figures(*town)
        elif world == "seoul":
            city = seoul_runs(runs, seed, contact, **options)
            if figure and not out["by_contact"]:
                draw_seoul(*city, figure)
            figures = seoul_figures(*city)
        else:
            from hyosan.errors import HyosanError

            raise HyosanError(f"calibration: unknown world {world!r} (town or seoul)", key="world")
        out["by_contact"][f"{contact:g}"] = {k: summary(v) for k, v in figures.items()}
    if figure and drawn is not None:
        draw_town(out["by_contact"], *drawn, figure)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", choices=["town", "seoul"])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--contact", type=float, nargs="+", default=[CITY_CONTACT])
    parser.add_argument("--hours", type=float, default=None)
    parser.add_argument("--figure", default=None, help="draw the figure to this PNG")
    args = parser.parse_args(argv)
    options = {} if args.hours is None else {"hours": args.hours}
    result = calibrate(args.world, args.runs, args.seed, args.contact, args.figure, **options)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
