"""Plots of results: epidemic curves with ensemble bands, maps, an animation, characters' fates.

One module a kind: ``curves``, ``maps`` (and ``geometry``: what a map draws for each place),
``animation``, ``characters``; ``style`` holds the colours and the compartments' names in words.
``plot`` draws any kind into a file (what ``hyosan plot`` calls).
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from hyosan.errors import HyosanError
from hyosan.plots.animation import animation
from hyosan.plots.characters import characters
from hyosan.plots.curves import curves
from hyosan.plots.geometry import MapGeometry, map_geometry
from hyosan.plots.maps import SCALES, MapFigure, snapshot_map, typical_run
from hyosan.plots.style import (
    COMPARTMENT_COLOURS,
    COMPARTMENT_WORDS,
    HUMAN_CMAP,
    KINDS,
    OKABE_ITO,
    ZOMBIE_CMAP,
    colours,
    word,
)

__all__ = [
    "COMPARTMENT_COLOURS",
    "COMPARTMENT_WORDS",
    "HUMAN_CMAP",
    "KINDS",
    "OKABE_ITO",
    "SCALES",
    "ZOMBIE_CMAP",
    "MapFigure",
    "MapGeometry",
    "animation",
    "characters",
    "colours",
    "curves",
    "map_geometry",
    "plot",
    "snapshot_map",
    "typical_run",
    "word",
]


def plot(
    ds: xr.Dataset,
    kind: str,
    out: str | Path,
    run: int | None = None,
    time: float | None = None,
    dpi: int = 100,
    scale: str = "share",
) -> Path:
    """Draw one kind of plot of results into ``out`` (PNG, SVG, PDF; GIF or MP4 for animation).

    ``scale`` colours maps and animations by the share of each place's people ('share'), or by
    people on a 'log' or linear ('count') scale."""
    out = Path(out)
    if kind not in KINDS:
        from hyosan.errors import suggest

        raise HyosanError("kind: " + suggest(kind, KINDS, "plot kind"))
    if kind == "animation":
        return animation(ds, out, run=run, dpi=dpi, scale=scale)
    if out.suffix.lower() not in (".png", ".svg", ".pdf", ".jpg", ".jpeg"):
        raise HyosanError(f"image {str(out)!r}: use .png, .svg, .pdf or .jpg")
    if kind == "curves":
        figure = curves(ds)
    elif kind == "map":
        figure = snapshot_map(ds, run=run, time=time, scale=scale)
    else:
        figure = characters(ds)
    figure.savefig(out, dpi=dpi)
    return out
