"""``hyosan plot STORE.zarr --kind sweep``: an outcome against the varied key(s), with intervals.

One key: the outcome at each value with its interval (a share of runs with its 95 % interval, or
a summary's mean with its 10-90 % range), one line per character when the outcome is per
character. Two keys: a heat map, each cell labelled with its value and interval.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError, suggest

BUILT_IN_FLAGS = ("character_human", "extinct")
SUMMARY_PREFERENCE = ("final_susceptible", "peak_infectious", "peak_time")
TIME_KEYS = {"start", "end", "t_end", "dt", "record_every", "snapshot_every", "check_every"}
"""Keys whose plain numbers are times in the scenario's unit (the axis label says which)."""
MAX_LINES = 4
"""More entries than this (characters) are drawn as a heat map rather than lines."""
LABELS = {
    "character_human": "still human at the end",
    "extinct": "outbreak died out",
    "final_susceptible": "humans left at the end",
    "peak_infectious": "peak infectious",
    "peak_time": "time of the peak",
}


def axes_of(ds: xr.Dataset) -> list[dict[str, Any]]:
    """The sweep's axes as its store records them (name, keys, values)."""
    try:
        return list(json.loads(ds.attrs["sweep"])["vary"])
    except (KeyError, ValueError, TypeError):
        raise HyosanError(
            "not a sweep's results (no 'sweep' attribute): plot it as results"
        ) from None


def outcomes(ds: xr.Dataset) -> list[str]:
    """What can be plotted: flags (shares of runs) first, the user's before the built-in ones,
    then per-run summaries (means)."""
    flags = [str(v)[: -len("_share")] for v in ds.data_vars if str(v).endswith("_share")]
    flags.sort(
        key=lambda f: (f in BUILT_IN_FLAGS, BUILT_IN_FLAGS.index(f) if f in BUILT_IN_FLAGS else 0)
    )
    summaries = [str(v)[: -len("_mean")] for v in ds.data_vars if str(v).endswith("_mean")]
    summaries = [s for s in summaries if s != "counts"]
    summaries.sort(key=lambda s: SUMMARY_PREFERENCE.index(s) if s in SUMMARY_PREFERENCE else 99)
    return [*flags, *summaries]


def interval(ds: xr.Dataset, outcome: str) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, str]:
    """(value, low, high, what the interval is) of an outcome at every point."""
    if f"{outcome}_share" in ds:
        return (
            ds[f"{outcome}_share"],
            ds[f"{outcome}_low"],
            ds[f"{outcome}_high"],
            "share of runs, 95 % interval",
        )
    if f"{outcome}_mean" in ds:
        q = ds[f"{outcome}_quantile"]
        return ds[f"{outcome}_mean"], q.sel(quantile=0.1), q.sel(quantile=0.9), "mean, 10-90 %"
    raise HyosanError("--outcome: " + suggest(outcome, outcomes(ds), "outcome"))


def plot_sweep(
    ds: xr.Dataset | str | Path, out: str | Path, outcome: str | None = None, **select: Any
) -> Path:
    """Draw ``outcome`` (a flag or a per-run summary; default: the first flag) against the
    varied keys; ``select`` picks values of other dimensions (e.g. ``character="On-jo"``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not isinstance(ds, xr.Dataset):
        ds = xr.open_zarr(ds)
    axes = axes_of(ds)
    choices = outcomes(ds)
    if outcome is None:
        if not choices:
            raise HyosanError("this sweep has no aggregates yet (it has no finished run)")
        outcome = choices[0]
    value, low, high, what = interval(ds, outcome)
    if select:
        value, low, high = (v.sel(select) for v in (value, low, high))
    value, low, high = (v.load() for v in (value, low, high))
    axes = [a for a in axes if a["name"] in value.dims]  # not those fixed by a selection
    axes = [{**a, "unit": time_unit(ds, a)} for a in axes]
    names = [a["name"] for a in axes]
    extra = [d for d in value.dims if d not in names]
    if len(extra) > 1 or (len(names) == 2 and extra and value.sizes[extra[0]] > 12):
        raise HyosanError(
            f"outcome {outcome!r} has dimensions {extra}: pick values, e.g. "
            f"{extra[0]}={value[extra[0]].values[0]!r}"
        )
    label = value.attrs.get("long_name") or LABELS.get(outcome, outcome)
    fixed = [
        f"{name} = {value[name].values}"
        for name in value.coords
        if value[name].ndim == 0 and name != "quantile"
    ]
    title = f"{label} ({what})" + (f"\n{', '.join(fixed)}" if fixed else "")
    out = Path(out)
    if len(names) == 1 and extra and value.sizes[extra[0]] > MAX_LINES:
        # many lines (a cast of characters): a heat map of entries against the key reads better
        rows = {"name": extra[0], "keys": [extra[0]]}
        figure = _heat_maps(plt, value, low, high, [rows, axes[0]], [], title)
    elif len(names) == 1:
        figure = _lines(plt, value, low, high, axes[0], extra, title)
    elif len(names) == 2:
        figure = _heat_maps(plt, value, low, high, axes, extra, title)
    else:
        raise HyosanError(
            f"a sweep of {len(names)} keys: plot one or two at a time, fixing the others "
            f"(e.g. {names[-1]}={ds[names[-1]].values[0]!r})"
        )
    figure.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return out


def time_unit(ds: xr.Dataset, axis: dict[str, Any]) -> str | None:
    """The scenario's time unit when the axis sets times as plain numbers, else None."""
    numeric = ds[axis["name"]].dtype.kind in "iuf"
    timed = all(key.rsplit(".", 1)[-1] in TIME_KEYS for key in axis["keys"])
    return str(ds.attrs["time_unit"]) if numeric and timed and "time_unit" in ds.attrs else None


def axis_label(axis: dict[str, Any]) -> str:
    keys = axis["keys"]
    label = keys[0] if len(keys) == 1 else f"{keys[0]} (and {len(keys) - 1} tied)"
    return label + (f", {axis['unit']}s" if axis.get("unit") else "")


def _positions(values: np.ndarray) -> tuple[np.ndarray, list[str] | None]:
    """Numeric values as they are; text as evenly spaced categories."""
    if values.dtype.kind in "iuf":
        return values.astype(float), None
    return np.arange(len(values), dtype=float), [str(v) for v in values]


def _lines(
    plt: Any,
    value: xr.DataArray,
    low: xr.DataArray,
    high: xr.DataArray,
    axis: dict[str, Any],
    extra: list[str],
    title: str,
) -> Any:
    figure, ax = plt.subplots(figsize=(7, 4.2))
    name = axis["name"]
    x, ticks = _positions(value[name].values)
    series = [None] if not extra else list(value[extra[0]].values)
    offsets = np.linspace(-0.15, 0.15, len(series)) if len(series) > 1 else [0.0]
    step = float(np.min(np.diff(x))) if len(x) > 1 else 1.0
    for entry, offset in zip(series, offsets, strict=True):
        pick = {} if entry is None else {extra[0]: entry}
        v, lo, hi = (a.sel(pick).values.astype(float) for a in (value, low, high))
        xs = x + offset * step * (0.5 if ticks is None else 1.0)
        ax.errorbar(
            xs,
            v,
            yerr=[v - lo, hi - v],
            marker="o",
            capsize=3,
            label=None if entry is None else str(entry),
        )
    if ticks is not None:
        ax.set_xticks(x, ticks)
    ax.set_xlabel(axis_label(axis))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if extra:
        ax.legend(fontsize=8, ncol=2 if len(series) > 6 else 1)
    return figure


def _heat_maps(
    plt: Any,
    value: xr.DataArray,
    low: xr.DataArray,
    high: xr.DataArray,
    axes: list[dict[str, Any]],
    extra: list[str],
    title: str,
) -> Any:
    series = [None] if not extra else list(value[extra[0]].values)
    columns = min(len(series), 3)
    rows = int(np.ceil(len(series) / columns))
    row_name, column_name = axes[0]["name"], axes[1]["name"]
    shape = (value.sizes[row_name], value.sizes[column_name])
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(1.2 + 1.1 * shape[1] * columns, 0.9 + 0.75 * shape[0] * rows),
        squeeze=False,
    )
    share = value.max() <= 1.0 and value.min() >= 0.0
    for k, entry in enumerate(series):
        ax = grid.flat[k]
        pick = {} if entry is None else {extra[0]: entry}
        v, lo, hi = (
            a.sel(pick).transpose(row_name, column_name).values.astype(float)
            for a in (value, low, high)
        )
        image = ax.imshow(
            v, cmap="viridis", vmin=0 if share else None, vmax=1 if share else None, aspect="auto"
        )
        for i in range(shape[0]):
            for j in range(shape[1]):
                text = (
                    f"{v[i, j]:.0%}\n{lo[i, j]:.0%}-{hi[i, j]:.0%}"
                    if share
                    else f"{v[i, j]:.3g}\n{lo[i, j]:.3g}-{hi[i, j]:.3g}"
                )
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if (v[i, j] < 0.5 if share else False) else "black",
                )
        ax.set_xticks(range(shape[1]), [str(x) for x in value[column_name].values], fontsize=8)
        ax.set_yticks(range(shape[0]), [str(y) for y in value[row_name].values], fontsize=8)
        ax.set_xlabel(axis_label(axes[1]), fontsize=8)
        ax.set_ylabel(axis_label(axes[0]), fontsize=8)
        if entry is not None:
            ax.set_title(str(entry), fontsize=9)
        figure.colorbar(image, ax=ax, shrink=0.8)
    for ax in list(grid.flat)[len(series) :]:
        ax.set_visible(False)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
