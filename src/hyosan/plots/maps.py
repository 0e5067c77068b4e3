"""Maps of one run's snapshots: where the humans and the zombies are, drawn over the world's shape.

Colour scales show a place's fate whatever its size: by default the share of the people there
(``scale="share"``), or the number on a log scale (``"log"``) or a linear one (``"count"``).
Geographic worlds get two panels (humans, zombies); a floor plan gets one, every room split into
its compartments' shares with a legend in words. The same ``MapFigure`` draws the animation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from matplotlib import colormaps, patheffects
from matplotlib.collections import PatchCollection
from matplotlib.colors import ListedColormap, Normalize, SymLogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path

from hyosan.errors import HyosanError
from hyosan.plots.geometry import MapGeometry, map_geometry, place_xy
from hyosan.plots.style import (
    EMPTY_COLOUR,
    HUMAN_CMAP,
    WATER_COLOUR,
    ZOMBIE_CMAP,
    colours,
    figure,
    roles,
    title,
    word,
    words,
)

SCALES = ("share", "log", "count")
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
MAX_POINT_LABELS = 60


@dataclass(frozen=True)
class Snapshots:
    """One run's snapshots: people per snapshot time, place and compartment."""

    times: np.ndarray
    counts: np.ndarray  # (time, place, compartment), float
    compartments: list[str]
    humans: list[str]
    zombies: list[str]

    def of(self, names: list[str]) -> np.ndarray:
        index = [self.compartments.index(c) for c in names]
        return self.counts[:, :, index].sum(axis=2)

    @property
    def total(self) -> np.ndarray:
        return self.counts.sum(axis=2)


def snapshots(ds: xr.Dataset, run: int) -> Snapshots:
    """The snapshots of the run at position ``run``, with the roles of its compartments."""
    if "snapshots" not in ds or ds.sizes.get("snapshot_time", 0) == 0:
        raise HyosanError(
            "results have no snapshots to map: run with --snapshot-every "
            "(or run.snapshot_every in the scenario file)"
        )
    if not 0 <= run < ds.sizes["run"]:
        raise HyosanError(f"--run {run}: the results have runs 0..{ds.sizes['run'] - 1}")
    snaps = ds["snapshots"].isel(run=run).transpose("snapshot_time", "place", "compartment")
    return Snapshots(
        times=np.asarray(ds["snapshot_time"].values, np.float64),
        counts=np.asarray(snaps.values, np.float64),
        compartments=[str(c) for c in ds["compartment"].values],
        humans=roles(ds, "susceptible"),
        zombies=roles(ds, "infectious"),
    )


def typical_run(ds: xr.Dataset) -> int:
    """The position of a typical history: of the runs whose outbreak did not die out, the one
    whose peak is the median (all runs if every outbreak died out)."""
    if "peak_infectious" not in ds or ds.sizes.get("run", 0) == 0:
        return 0
    peaks = np.asarray(ds["peak_infectious"].values, np.float64)
    candidates = np.arange(len(peaks))
    if "extinct" in ds and not np.all(ds["extinct"].values):
        candidates = np.flatnonzero(~np.asarray(ds["extinct"].values, bool))
    middle = np.median(peaks[candidates])
    return int(candidates[np.argmin(np.abs(peaks[candidates] - middle))])


def snapshot_index(snaps: Snapshots, time: float | None) -> int:
    """The snapshot at ``time``; by default mid-outbreak (humans x zombies largest)."""
    times = snaps.times
    if time is None:
        humans = snaps.of(snaps.humans).sum(axis=1)
        zombies = snaps.of(snaps.zombies).sum(axis=1)
        return int(np.argmax(humans * zombies))
    k = int(np.argmin(np.abs(times - time)))
    if abs(times[k] - time) > 1e-9 * max(1.0, abs(time)) and len(times) > 1:
        step = np.min(np.diff(times))
        if abs(times[k] - time) > step / 2:
            raise HyosanError(
                f"--time {time:g}: no snapshot there; snapshots at "
                + ", ".join(f"{t:g}" for t in times[:10])
                + (" ..." if len(times) > 10 else "")
            )
    return k


def snapshot_map(
    ds: xr.Dataset,
    run: int | None = None,
    time: float | None = None,
    scale: str = "share",
) -> Figure:
    """Humans and zombies in every place at one snapshot (default: a typical run, mid-outbreak).

    ``run`` is a position (0 for the first run in the file); ``scale`` is 'share' (of the people
    in each place), 'log' or 'count' (people)."""
    run = typical_run(ds) if run is None else run
    drawing = MapFigure(ds, run, scale)
    drawing.show(snapshot_index(drawing.snaps, time))
    return drawing.figure


# ------------------------------------------------------------------------------------------------
class MapFigure:
    """A map figure of one run that can show any of its snapshots (a still, or animation frames)."""

    def __init__(
        self,
        ds: xr.Dataset,
        run: int,
        scale: str = "share",
        geometry: MapGeometry | None = None,
    ) -> None:
        if scale not in SCALES:
            from hyosan.errors import suggest

            raise HyosanError("scale: " + suggest(scale, SCALES, "map scale"))
        self.ds, self.run, self.scale = ds, run, scale
        self.snaps = snapshots(ds, run)
        self.geometry = map_geometry(ds) if geometry is None else geometry
        self.places = Places(ds, self.geometry)
        x0, y0, x1, y1 = self.places.bounds()
        aspect = (y1 - y0) / max(x1 - x0, 1e-9)
        if self.geometry.floor_plan:
            self.figure = figure(10, min(max(9.0 * aspect + 1.6, 4.0), 14.0))
            axes = self.figure.subplots()
            axes.set_axis_off()
            self.panels: list[Any] = [FloorPlanPanel(axes, self.places, self.snaps)]
            self.figure.legend(
                handles=self.panels[0].legend_handles(),
                loc="outside lower center",
                ncols=len(self.snaps.compartments) + 1,
                frameon=False,
                title=f"share of each {self.geometry.place_word}'s people",
            )
        else:
            self.figure = figure(12, min(max(4.7 * aspect + 1.3, 4.0), 10.0))
            left, right = self.figure.subplots(1, 2)
            self.panels = [
                SharePanel(left, self.places, self.snaps, self.snaps.humans, "humans", scale),
                SharePanel(right, self.places, self.snaps, self.snaps.zombies, "zombies", scale),
            ]
        if self.geometry.note:
            self.figure.text(
                0.995,
                0.003,
                self.geometry.note,
                ha="right",
                va="bottom",
                fontsize=6,
                color="#555555",
            )
        self.title = self.figure.suptitle("")

    def show(self, k: int) -> None:
        """Draw snapshot ``k``."""
        for panel in self.panels:
            panel.show(k)
        t = self.snaps.times[k]
        self.title.set_text(
            f"{title(self.ds)}\nrun {int(self.ds['run'].values[self.run])}, "
            f"t = {t:g} {self.ds.attrs.get('time_unit', '')}"
        )


class Places:
    """The places' positions and shapes, and how to frame and decorate a map of them."""

    def __init__(self, ds: xr.Dataset, geometry: MapGeometry) -> None:
        self.geometry = geometry
        self.names = [str(p) for p in ds["place"].values]
        self.n = len(self.names)
        self.x, self.y = place_xy(ds)
        shapes = geometry.shapes
        self.paths = [None if s is None else shape_path(s) for s in shapes] if shapes else None
        self.labels = list(geometry.place_labels) if geometry.place_labels is not None else None

    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of everything the places cover, with a small margin."""
        boxes = []
        if self.paths is not None:
            boxes += [p.get_extents().bounds for p in self.paths if p is not None]
        cell = self.geometry.cell or 0.0
        lone = [k for k in range(self.n) if self.paths is None or self.paths[k] is None]
        if lone:
            x, y = self.x[lone], self.y[lone]
            boxes.append(
                (x.min() - cell / 2, y.min() - cell / 2, np.ptp(x) + cell, np.ptp(y) + cell)
            )
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[0] + b[2] for b in boxes)
        y1 = max(b[1] + b[3] for b in boxes)
        share = 0.15 if self.paths is None and not cell else 0.03  # room for points' names
        pad = share * max(x1 - x0, y1 - y0, 1e-9)
        return x0 - pad, y0 - pad, x1 + pad, y1 + pad

    def frame(self, axes: Any) -> None:
        """Water underneath, limits, orientation, no ticks."""
        geometry = self.geometry
        if geometry.water is not None:
            axes.add_patch(
                PathPatch(
                    shape_path(geometry.water), facecolor=WATER_COLOUR, edgecolor="none", zorder=0
                )
            )
        x0, y0, x1, y1 = self.bounds()
        axes.set_xlim(x0, x1)
        axes.set_ylim((y1, y0) if geometry.y_down else (y0, y1))
        axes.set_aspect("equal")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_facecolor("white")

    def decorate(self, axes: Any) -> None:
        """Borders, area names and place names over the colours."""
        geometry = self.geometry
        if geometry.outlines:
            axes.add_collection(
                PatchCollection(
                    [PathPatch(shape_path(s)) for s in geometry.outlines],
                    facecolor="none",
                    edgecolor="#333333",
                    linewidth=0.8,
                    zorder=3,
                )
            )
        x0, x1 = sorted(axes.get_xlim())
        y0, y1 = sorted(axes.get_ylim())
        area_size = 9 if geometry.floor_plan else 6.5
        for x, y, text in geometry.labels:
            if x0 <= x <= x1 and y0 <= y <= y1:
                axes.text(
                    x,
                    y,
                    text,
                    fontsize=area_size,
                    ha="center",
                    va="center",
                    color="#222222",
                    zorder=5,
                    path_effects=HALO,
                )
        for x, y, text in geometry.water_labels:
            if x0 <= x <= x1 and y0 <= y <= y1:
                axes.text(
                    x,
                    y,
                    text,
                    fontsize=7,
                    ha="center",
                    va="center",
                    color="#1f4e79",
                    style="italic",
                    zorder=5,
                    path_effects=HALO,
                )
        labels = self.labels
        if labels is None and self.paths is None and geometry.cell is None:
            labels = self.names if self.n <= MAX_POINT_LABELS else None
        if labels is None:
            return
        place_size = 7 if geometry.floor_plan else 6
        for k, text in enumerate(labels):
            if not text:
                continue
            if self.paths is not None and self.paths[k] is not None:
                (bx0, by0), (bx1, by1) = self.paths[k].get_extents().get_points()
                axes.text(
                    (bx0 + bx1) / 2,
                    (by0 + by1) / 2,
                    text,
                    fontsize=place_size,
                    ha="center",
                    va="center",
                    zorder=5,
                    path_effects=HALO,
                    linespacing=1.0,
                )
            else:
                axes.annotate(
                    text,
                    (self.x[k], self.y[k]),
                    xytext=(0, -9),  # below the point, whichever way the y axis runs
                    textcoords="offset points",
                    fontsize=7,
                    ha="center",
                    va="top",
                    zorder=5,
                    path_effects=HALO,
                )


def shape_path(shape: Any) -> Path:
    """A shapely (Multi)Polygon, or the polygons of a collection, as one matplotlib Path."""
    vertices, codes = [], []
    stack = [shape]
    while stack:
        item = stack.pop()
        if hasattr(item, "geoms"):
            stack.extend(item.geoms)
            continue
        if item.geom_type != "Polygon" or item.is_empty:
            continue
        for ring in (item.exterior, *item.interiors):
            xy = np.asarray(ring.coords, np.float64)[:, :2]
            if len(xy) < 3:
                continue
            vertices.append(xy)
            codes += [Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY]
    if not vertices:
        return Path(np.zeros((1, 2)), [Path.MOVETO])
    return Path(np.concatenate(vertices), codes)


# ------------------------------------------------------------------------------------------------
class SharePanel:
    """One role (humans or zombies) over the places, on one colour scale."""

    def __init__(
        self,
        axes: Any,
        places: Places,
        snaps: Snapshots,
        role: list[str],
        fallback: str,
        scale: str,
    ) -> None:
        self.axes, self.places, self.scale = axes, places, scale
        self.people = snaps.of(role)
        self.total = snaps.total
        cmap_name = HUMAN_CMAP if fallback == "humans" else ZOMBIE_CMAP
        cmap = colormaps[cmap_name].with_extremes(bad=EMPTY_COLOUR)
        vmax = max(float(self.people.max(initial=0.0)), 1.0)
        norm = {
            "share": Normalize(0.0, 1.0),
            "log": SymLogNorm(linthresh=1.0, vmin=0.0, vmax=vmax, base=10),
            "count": Normalize(0.0, vmax),
        }[scale]
        places.frame(axes)
        self.artist = self._draw(cmap, norm)
        places.decorate(axes)
        name = words(role, fallback)
        each = places.geometry.place_word
        axes.set_title(name if scale == "share" else f"{name}: people in each {each}")
        bar = axes.figure.colorbar(self.artist, ax=axes, shrink=0.8, pad=0.02)
        if scale == "share":
            empty = " (grey: nobody there)" if np.any(self.total <= 0) else ""
            bar.set_label(f"share of each {each}'s people{empty}")
            bar.set_ticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0", "25 %", "50 %", "75 %", "100 %"])
        else:
            bar.set_label(f"people{' (log scale)' if scale == 'log' else ''}")

    def values(self, k: int) -> np.ndarray:
        if self.scale != "share":
            return self.people[k]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.total[k] > 0, self.people[k] / self.total[k], np.nan)

    def _draw(self, cmap: Any, norm: Any) -> Any:
        places, axes = self.places, self.axes
        values = np.ma.masked_invalid(self.values(0))
        if places.paths is not None and all(p is not None for p in places.paths):
            artist = PatchCollection(
                [PathPatch(p) for p in places.paths],
                cmap=cmap,
                norm=norm,
                edgecolor="#ffffff",
                linewidth=0.3,
                zorder=2,
            )
            artist.set_array(values)
            axes.add_collection(artist)
            self.mode = "shapes"
            return artist
        cell = places.geometry.cell
        if cell:
            self.mode = "image"
            self.ix = np.round((places.x - places.x.min()) / cell).astype(np.int64)
            self.iy = np.round((places.y - places.y.min()) / cell).astype(np.int64)
            self.shape = (int(self.iy.max()) + 1, int(self.ix.max()) + 1)
            x0, x1 = places.x.min() - cell / 2, places.x.max() + cell / 2
            y0, y1 = places.y.min() - cell / 2, places.y.max() + cell / 2
            extent = (x0, x1, y1, y0) if places.geometry.y_down else (x0, x1, y0, y1)
            origin = "upper" if places.geometry.y_down else "lower"
            footprint = self._image(np.zeros(places.n))
            axes.imshow(
                footprint,
                cmap=ListedColormap([EMPTY_COLOUR]),
                extent=extent,
                origin=origin,
                interpolation="nearest",
                zorder=1,
            )
            artist = axes.imshow(
                self._image(self.values(0)),
                cmap=cmap.with_extremes(bad=(0, 0, 0, 0)),
                norm=norm,
                extent=extent,
                origin=origin,
                interpolation="nearest",
                zorder=2,
            )
            axes.set_aspect("equal")
            x_0, y_0, x_1, y_1 = places.bounds()
            axes.set_xlim(x_0, x_1)
            axes.set_ylim((y_1, y_0) if places.geometry.y_down else (y_0, y_1))
            return artist
        self.mode = "points"
        size = max(6.0, 9000.0 / max(places.n, 1))
        return axes.scatter(
            places.x,
            places.y,
            c=values,
            s=size,
            cmap=cmap,
            norm=norm,
            marker="s",
            edgecolors="#777777",
            linewidths=0.4,
            zorder=2,
        )

    def _image(self, values: np.ndarray) -> np.ndarray:
        grid = np.full(self.shape, np.nan)
        grid[self.iy, self.ix] = values
        return grid

    def show(self, k: int) -> None:
        values = self.values(k)
        if self.mode == "image":
            self.artist.set_data(self._image(values))
        else:
            self.artist.set_array(np.ma.masked_invalid(values))


# ------------------------------------------------------------------------------------------------
class FloorPlanPanel:
    """Every room split from left to right into the shares of its people in each compartment."""

    def __init__(self, axes: Any, places: Places, snaps: Snapshots) -> None:
        self.axes, self.places, self.snaps = axes, places, snaps
        self.palette = colours(snaps.compartments)
        places.frame(axes)
        self.boxes = []
        self.stripes: list[list[Rectangle]] = []
        for k in range(places.n):
            path = places.paths[k] if places.paths is not None else None
            if path is None:  # a place the plan has no room for: a small square at its point
                half = 2.0
                box = (places.x[k] - half, places.y[k] - half, 2 * half, 2 * half)
            else:
                (x0, y0), (x1, y1) = path.get_extents().get_points()
                box = (x0, y0, x1 - x0, y1 - y0)
            self.boxes.append(box)
            axes.add_patch(
                Rectangle(
                    box[:2], box[2], box[3], facecolor=EMPTY_COLOUR, edgecolor="none", zorder=1
                )
            )
            row = []
            for name in snaps.compartments:
                stripe = Rectangle(
                    box[:2], 0.0, box[3], facecolor=self.palette[name], edgecolor="none", zorder=2
                )
                axes.add_patch(stripe)
                row.append(stripe)
            self.stripes.append(row)
            axes.add_patch(
                Rectangle(
                    box[:2],
                    box[2],
                    box[3],
                    facecolor="none",
                    edgecolor="#333333",
                    linewidth=0.7,
                    zorder=3,
                )
            )
        places.decorate(axes)

    def legend_handles(self) -> list[Patch]:
        handles = [Patch(color=self.palette[c], label=word(c)) for c in self.snaps.compartments]
        return [*handles, Patch(color=EMPTY_COLOUR, label="nobody there")]

    def show(self, k: int) -> None:
        counts = self.snaps.counts[k]  # (place, compartment)
        total = counts.sum(axis=1)
        for p, row in enumerate(self.stripes):
            x0, _, width, _ = self.boxes[p]
            left = x0
            for c, stripe in enumerate(row):
                share = counts[p, c] / total[p] if total[p] > 0 else 0.0
                stripe.set_x(left)
                stripe.set_width(width * share)
                left += width * share
