"""The plan of a sweep: its axes (varied keys and their values), its points and its tasks.

A point is one combination of values, applied as ``--set`` overrides after the sweep's own. A
task is (point, a contiguous range of runs); runs are numbered within the ensemble, so run k of
every point uses the same random stream (common random numbers) and a run belongs to one task.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hyosan.errors import HyosanError
from hyosan.scenarios.files.writing import toml_value as written

TIED = "+"
"""Joins keys that take the same values together, e.g. every crossing's closing time."""
FIXED_BY_SWEEP = ("run.runs", "run.seed", "run.batch")
"""Keys a sweep sets once for every point: they cannot be varied."""


@dataclass(frozen=True)
class Axis:
    """One varied key (or several tied keys set together) and its values, in order."""

    name: str
    keys: tuple[str, ...]
    values: tuple[Any, ...]

    def overrides(self, position: int) -> list[str]:
        """The ``key=value`` overrides that put this axis at ``position``."""
        text = toml_value(self.values[position])
        return [f"{key}={text}" for key in self.keys]

    def coordinate(self) -> list[Any]:
        """The values as one coordinate: numbers when every value is a number, else text."""
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values):
            if all(isinstance(v, int) for v in self.values):
                return [int(v) for v in self.values]
            return [float(v) for v in self.values]
        if all(isinstance(v, bool) for v in self.values):
            return [bool(v) for v in self.values]
        return [v if isinstance(v, str) else toml_value(v) for v in self.values]


@dataclass(frozen=True)
class Task:
    """Runs ``first .. first + runs - 1`` of the point at ``position`` (one index per axis)."""

    position: tuple[int, ...]
    first: int
    runs: int


def toml_value(value: Any) -> str:
    """A value as ``--set`` reads it back (TOML: numbers, booleans, strings, lists)."""
    try:
        return written(value)
    except ValueError as error:
        raise HyosanError(f"--vary: {error}") from None


def read_value(text: str) -> Any:
    """One value as ``--set`` reads it: TOML (numbers, booleans, quoted text), else the text."""
    text = text.strip()
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def split_values(text: str) -> list[str]:
    """'0.5,1,"2 hours"' -> ['0.5', '1', '"2 hours"']: commas outside quotes and brackets."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_vary(text: str) -> Axis:
    """``KEY=V1,V2,...`` (``KEY1+KEY2=...`` ties keys) as an axis; errors say what is wrong."""
    if "=" not in text:
        raise HyosanError(
            f"--vary {text!r}: expected KEY=V1,V2,..., e.g. model.parameters.beta=1,2"
        )
    name, raw = text.split("=", 1)
    values = [read_value(v) for v in split_values(raw) if v != ""]
    return make_axis(name.strip(), values, f"--vary {text!r}")


def make_axis(name: str, values: Iterable[Any], where: str = "vary") -> Axis:
    """An axis from a key (or tied keys joined by '+') and its values."""
    keys = tuple(k.strip() for k in name.split(TIED))
    if not name or any(not k for k in keys):
        raise HyosanError(f"{where}: missing key (the dotted key --set takes)")
    for key in keys:
        if key in FIXED_BY_SWEEP:
            raise HyosanError(
                f"{where}: {key} is set once for the whole sweep (--runs, --seed), not varied"
            )
    values = tuple(values)
    if not values:
        raise HyosanError(f"{where}: no values")
    labels = [toml_value(v) for v in values]
    if len(set(labels)) != len(labels):
        raise HyosanError(f"{where}: a value is given twice")
    return Axis(name=TIED.join(keys), keys=keys, values=values)


def axes_from(vary: Mapping[str | tuple[str, ...], Sequence[Any]] | Sequence[str]) -> list[Axis]:
    """Axes from ``{"KEY": [v1, v2]}`` (a tuple of keys ties them) or ``["KEY=v1,v2", ...]``."""
    if isinstance(vary, Mapping):
        axes = []
        for key, values in vary.items():
            name = TIED.join(key) if isinstance(key, tuple) else str(key)
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise HyosanError(f"vary[{name!r}]: expected a list of values, got {values!r}")
            axes.append(make_axis(name, list(values), f"vary[{name!r}]"))
    else:
        axes = [parse_vary(text) for text in vary]
    if not axes:
        raise HyosanError("vary: give at least one key to vary, e.g. --vary run.engine=tau,ssa")
    seen: set[str] = set()
    for axis in axes:
        for key in axis.keys:
            if key in seen:
                raise HyosanError(f"vary: key {key!r} is varied twice")
            seen.add(key)
    return axes


def positions(axes: Sequence[Axis]) -> Iterator[tuple[int, ...]]:
    """Every point, as one index per axis, in C order."""
    return itertools.product(*(range(len(a.values)) for a in axes))


def point_overrides(axes: Sequence[Axis], position: Sequence[int]) -> list[str]:
    """The overrides of one point (after the sweep's own)."""
    return [text for axis, k in zip(axes, position, strict=True) for text in axis.overrides(k)]


def point_label(axes: Sequence[Axis], position: Sequence[int]) -> str:
    """'beta=0.5, engine="ssa"': a point, for messages."""
    return ", ".join(
        f"{a.name}={toml_value(a.values[k])}" for a, k in zip(axes, position, strict=True)
    )


def chunks(missing: Sequence[int], size: int) -> Iterator[tuple[int, int]]:
    """Contiguous ranges (first, count) of the runs in ``missing`` (sorted), at most ``size``."""
    start = None
    previous = None
    count = 0
    for run in missing:
        if start is not None and (run != previous + 1 or count == size):
            yield start, count
            start = None
        if start is None:
            start, count = run, 0
        previous = run
        count += 1
    if start is not None:
        yield start, count
