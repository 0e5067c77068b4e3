"""Epidemic curves: the median and 10-90 % band over runs, for the whole world and by region.

Results with a focus (a school in its town, :mod:`hyosan.results.focus`) lead with it: the
large panel and the small multiples are the focus's regions, the context is a small panel
beside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from hyosan.errors import HyosanError
from hyosan.plots.style import colours, figure, roles, title, word
from hyosan.results.focus import context_name, context_regions, focus_name, focus_regions


def curves(ds: xr.Dataset, max_regions: int = 24) -> Figure:
    """Median and 10-90 % band over runs of every compartment (the focus's regions, the
    context beside them); per-region small multiples of the focus."""
    reached = (ds["counts"] >= 0).all(["region", "compartment"]).any("run")  # a run cut short
    ds = ds.isel(time=np.flatnonzero(reached.values))
    counts = ds["counts"]
    if counts.sizes["time"] == 0:
        raise HyosanError("results have no recorded times to plot")
    names = [str(c) for c in ds["compartment"].values]
    palette = colours(names)
    regions = focus_regions(ds)
    context = context_regions(ds)
    many = len(regions) > 1
    out = figure(10, 9 if many else 5)
    top, bottom = out.subfigures(2, 1, height_ratios=[1, 1.3]) if many else (out, None)
    if context:
        axes, beside = top.subplots(1, 2, width_ratios=[2.2, 1])
    else:
        axes, beside = top.subplots(), None
    _band(axes, ds, regions, names, palette, lw=2)
    axes.legend(loc="best", frameon=False)
    if focus_name(ds):
        people = int(counts.isel(run=0, time=0).sel(region=regions).sum())
        about = f"the {focus_name(ds)} ({people:,} people)"
    else:
        about = "all regions"
    axes.set_title(f"{title(ds)}\nmedian and 10-90 % band over runs, {about}")
    if beside is not None:
        _band(beside, ds, context, names, palette, lw=1.2)
        people = int(counts.isel(run=0, time=0).sel(region=context).sum())
        beside.set_title(f"context: the {context_name(ds)}\n({people:,} people)", fontsize=9)
        beside.set_ylabel("")
    if bottom is not None:
        _region_multiples(bottom, ds, regions, names, palette, max_regions)
    return out


def _simulated(counts: xr.DataArray) -> np.ndarray:
    """Counts as floats, NaN at the times a run cut short never reached (stored as -1)."""
    values = np.asarray(counts.values, np.float64)
    values[values < 0] = np.nan
    return values


def _band(
    axes: Any, ds: xr.Dataset, regions: list[str], names: list[str], palette: dict[str, str],
    lw: float,
) -> None:  # fmt: skip
    """The median and 10-90 % band over runs of each compartment, summed over ``regions``."""
    times = ds["time"].values
    total = _simulated(ds["counts"].sel(region=regions)).sum(axis=2)  # NaN stays NaN
    q10, q50, q90 = np.nanquantile(total, [0.1, 0.5, 0.9], axis=0)  # (time, compartment)
    for k, name in enumerate(names):
        axes.fill_between(times, q10[:, k], q90[:, k], color=palette[name], alpha=0.25, lw=0)
        axes.plot(times, q50[:, k], color=palette[name], lw=lw, label=word(name))
    axes.set_xlabel(f"time ({ds.attrs.get('time_unit', '')})")
    axes.set_ylabel("people")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlim(times[0], times[-1])
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)


def _region_multiples(
    panel: Any,
    ds: xr.Dataset,
    regions: list[str],
    names: list[str],
    palette: dict[str, str],
    max_regions: int,
) -> None:
    counts = _simulated(ds["counts"].sel(region=regions))  # run, time, region, compartment
    times = ds["time"].values
    infectious = [names.index(c) for c in roles(ds, "infectious")] or list(range(len(names)))
    peak = np.nan_to_num(np.nanmedian(counts[:, :, :, infectious].sum(axis=3), axis=0)).max(axis=0)
    order = np.argsort(-peak, kind="stable")[:max_regions]
    n = len(order)
    rows = max(1, round(math.sqrt(n / 1.6)))
    cols = math.ceil(n / rows)
    # each region its own y scale: a classroom of 30 next to a town of 13,000
    grid = panel.subplots(rows, cols, sharex=True, squeeze=False)
    q10, q50, q90 = np.nanquantile(counts, [0.1, 0.5, 0.9], axis=0)
    for slot, axes in enumerate(grid.flat):
        if slot >= n:
            axes.set_visible(False)
            continue
        g = int(order[slot])
        for k, name in enumerate(names):
            axes.fill_between(
                times, q10[:, g, k], q90[:, g, k], color=palette[name], alpha=0.25, lw=0
            )
            axes.plot(times, q50[:, g, k], color=palette[name], lw=1.2)
        axes.set_title(regions[g], fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
    unit = ds.attrs.get("time_unit", "")
    shown = f"{n} of {len(regions)} regions" if n < len(regions) else f"{n} regions"
    where = f" of the {focus_name(ds)}" if focus_name(ds) else ""
    panel.suptitle(f"by region{where} ({shown}, largest outbreaks first)", fontsize=10)
    panel.supxlabel(f"time ({unit})", fontsize=9)
    panel.supylabel("people", fontsize=9)
