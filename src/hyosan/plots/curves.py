"""Epidemic curves: the median and 10-90 % band over runs, for the whole world and by region."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from hyosan.errors import HyosanError
from hyosan.plots.style import colours, figure, roles, title, word


def curves(ds: xr.Dataset, max_regions: int = 24) -> Figure:
    """Median and 10-90 % band over runs of every compartment; per-region small multiples."""
    counts = ds["counts"]
    if counts.sizes["time"] == 0:
        raise HyosanError("results have no recorded times to plot")
    times = ds["time"].values
    unit = ds.attrs.get("time_unit", "")
    names = [str(c) for c in ds["compartment"].values]
    palette = colours(names)
    regions = [str(r) for r in ds["region"].values]
    many = len(regions) > 1
    out = figure(10, 9 if many else 5)
    top, bottom = out.subfigures(2, 1, height_ratios=[1, 1.3]) if many else (out, None)
    axes = top.subplots()
    total = np.asarray(counts.sum("region").values, np.float64)  # (run, time, compartment)
    q10, q50, q90 = np.nanquantile(total, [0.1, 0.5, 0.9], axis=0)
    for k, name in enumerate(names):
        axes.fill_between(times, q10[:, k], q90[:, k], color=palette[name], alpha=0.25, lw=0)
        axes.plot(times, q50[:, k], color=palette[name], lw=2, label=word(name))
    axes.set_xlabel(f"time ({unit})")
    axes.set_ylabel("people")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlim(times[0], times[-1])
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", frameon=False)
    axes.set_title(f"{title(ds)}\nmedian and 10-90 % band over runs, all regions")
    if bottom is not None:
        _region_multiples(bottom, ds, regions, names, palette, max_regions)
    return out


def _region_multiples(
    panel: Any,
    ds: xr.Dataset,
    regions: list[str],
    names: list[str],
    palette: dict[str, str],
    max_regions: int,
) -> None:
    counts = np.asarray(ds["counts"].values, np.float64)  # (run, time, region, compartment)
    times = ds["time"].values
    infectious = [names.index(c) for c in roles(ds, "infectious")] or list(range(len(names)))
    peak = np.median(counts[:, :, :, infectious].sum(axis=3), axis=0).max(axis=0)
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
    panel.suptitle(f"by region ({shown}, largest outbreaks first)", fontsize=10)
    panel.supxlabel(f"time ({unit})", fontsize=9)
    panel.supylabel("people", fontsize=9)
