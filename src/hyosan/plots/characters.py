"""The named characters' fates over the runs."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from hyosan.errors import HyosanError
from hyosan.plots.style import colours, figure, title, word


def characters(ds: xr.Dataset) -> Figure:
    """Each named character's fate over the runs: stacked shares, and how often still human."""
    if "character_fate" not in ds or ds.sizes.get("character", 0) == 0:
        raise HyosanError("results have no characters: add [[characters]] to the scenario")
    names = [str(c) for c in ds["character"].values]
    fates = np.asarray(ds["character_fate"].values).astype(str)  # (run, character)
    order = [str(c) for c in ds["compartment"].values]
    states = order + sorted(set(fates.ravel()) - set(order))
    palette = colours(states)
    runs = fates.shape[0]
    out = figure(9, 1.2 + 0.5 * len(names))
    axes = out.subplots()
    left = np.zeros(len(names))
    for state in states:
        share = (fates == state).mean(axis=0)
        if not share.any():
            continue
        axes.barh(
            names, share, left=left, color=palette[state], label=word(state), edgecolor="white"
        )
        left += share
    human = ds.attrs.get("human", "S")
    still = (
        ds["character_still_human"].values
        if "character_still_human" in ds
        else (fates == human).mean(axis=0)
    )
    for y, value in enumerate(still):
        axes.text(1.01, y, f"{value:.0%} human", va="center", fontsize=8)
    axes.set_xlim(0, 1.15)
    axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    axes.set_xticklabels(["0", "25 %", "50 %", "75 %", "100 %"])
    axes.set_xlabel(f"share of {runs} runs")
    axes.invert_yaxis()  # the first character on top, as in the results
    t_end = float(ds["time"].values[-1]) if ds.sizes.get("time") else 0.0
    axes.set_title(
        f"{title(ds)}\ncharacters' state at t = {t_end:g} {ds.attrs.get('time_unit', '')}"
    )
    axes.legend(title="state", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return out
