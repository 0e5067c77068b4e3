"""The table ``hyosan sweep`` prints at the end: one row per point, its main outcomes.

As ``hyosan run`` ends with its summary over runs, a sweep ends with what changed between its
points (means, and shares of runs with their 95 % intervals), read from the aggregates in the
store; the store has everything else (quantiles, every run).
"""

from __future__ import annotations

import itertools
import json
import math
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import xarray as xr

MAX_ROWS = 40
"""Points shown; a larger sweep says how many more there are (they are all in the store)."""
MAX_CHARACTERS = 4
COLUMN_WIDTH = 12
"""Room a column of numbers or shares takes, borders included (to fit characters' columns)."""
MEANS = {
    "final_susceptible": "humans left",
    "peak_infectious": "peak infectious",
    "peak_time": "peak time ({unit})",
}


def _share(ds: xr.Dataset, name: str, pick: dict[str, Any]) -> str:
    share, low, high = (float(ds[f"{name}_{part}"].sel(pick)) for part in ("share", "low", "high"))
    if math.isnan(share):  # a point without finished runs
        return "-"
    return f"{share:.0%} ({100 * low:.0f}-{100 * high:.0f})"


def short_name(axis: str) -> str:
    """A column header for an axis: a model parameter by its name, tied keys by the first."""
    keys = axis.split("+")
    first = keys[0].removeprefix("model.parameters.")
    return first + (f" (+{len(keys) - 1} tied)" if len(keys) > 1 else "")


def _number(value: float) -> str:
    """Short enough for a narrow terminal: 4.99 M, 123 k, 8.87."""
    if math.isnan(value):  # a point without finished runs
        return "-"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f} k"
    return f"{value:.3g}"


def point_table(sweep: str | Path | xr.Dataset, max_rows: int = MAX_ROWS, width: int = 120) -> Any:
    """A rich Table of a sweep (its store, or its Dataset); None when no run has finished.
    Characters' columns are added while they fit in ``width`` (the terminal's)."""
    from rich.table import Table

    opened = nullcontext(sweep) if isinstance(sweep, xr.Dataset) else xr.open_zarr(sweep)
    with opened as stored:  # a Dataset given is the caller's: not closed here
        if "extinct_share" not in stored:
            return None
        axes = [a["name"] for a in json.loads(stored.attrs["sweep"])["vary"]]
        wanted = [f"{m}_mean" for m in MEANS if f"{m}_mean" in stored]
        wanted += [v for v in stored.data_vars if str(v).endswith(("_share", "_low", "_high"))]
        ds = stored[wanted].load()
        done = stored["done"].sum("run").load() if "done" in stored else None
        unit = str(stored.attrs.get("time_unit", ""))
    means = [m for m in MEANS if f"{m}_mean" in ds]
    characters: list[str] = []
    if "character_human_share" in ds and "character" in ds.dims:
        characters = [str(c) for c in ds["character"].values]
    taken = sum(min(COLUMN_WIDTH, len(short_name(a)) + 3) for a in axes)
    taken += (len(means) + 2) * COLUMN_WIDTH  # runs, means, died out
    fit = max(0, min(MAX_CHARACTERS, (width - taken) // COLUMN_WIDTH))
    left_out = len(characters) - fit
    characters = characters[:fit]
    table = Table(title="the sweep's points: means, and shares of runs (95 % interval, in %)")
    for name in axes:
        table.add_column(short_name(name), overflow="fold")
    table.add_column("runs", justify="right", overflow="fold")
    for m in means:
        table.add_column(MEANS[m].format(unit=unit), justify="right", overflow="fold")
    table.add_column("died out", justify="right", overflow="fold")
    for name in characters:
        table.add_column(f"{name} human", justify="right", overflow="fold")
    positions = list(itertools.product(*(range(ds.sizes[a]) for a in axes)))
    for position in positions[:max_rows]:
        pick = {a: ds[a].values[k] for a, k in zip(axes, position, strict=True)}
        row = [str(v) for v in pick.values()]
        row.append("" if done is None else str(int(done.sel(pick))))
        row += [_number(float(ds[f"{m}_mean"].sel(pick))) for m in means]
        row.append(_share(ds, "extinct", pick))
        row += [_share(ds, "character_human", {**pick, "character": c}) for c in characters]
        table.add_row(*row)
    notes = []
    if len(positions) > max_rows:
        notes.append(f"... and {len(positions) - max_rows} more points in the store")
    if left_out > 0:
        notes.append(f"{left_out} more character(s) in the store (character_human_share)")
    table.caption = "; ".join(notes) or None
    return table
