"""The Seoul world's facts tables: bridges and tunnels, named places, which bank each gu is on.

Small tables of public facts written by the project (this folder's CSV files).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


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
    text = (resources.files(__package__) / name.removeprefix("seoul_")).read_text(encoding="utf-8")
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


@functools.lru_cache(maxsize=1)
def census_gu_korean() -> dict[str, str]:
    """KOSTAT gu code -> Korean gu name (from the gu-bank table)."""
    return {row["gu_code"]: row["name_ko"] for row in _table("seoul_gu_bank.csv")}


def data_path(name: str) -> Path:
    """Path of one of the project's facts tables (for tests and curious users)."""
    return Path(str(resources.files(__package__) / name.removeprefix("seoul_")))
