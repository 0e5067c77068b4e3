"""Plots of results: epidemic curves with ensemble bands, maps, an animation, characters' fates.

Figures are built on matplotlib's Agg canvas directly (no pyplot, no global backend change), in
colour-blind-safe colours: the Okabe-Ito palette for compartments and viridis / inferno for maps.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from hyosan.errors import HyosanError

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
COMPARTMENT_COLOURS = {
    "S": OKABE_ITO["blue"],
    "E": OKABE_ITO["orange"],
    "I": OKABE_ITO["vermillion"],
    "Z": OKABE_ITO["vermillion"],
    "H": OKABE_ITO["purple"],
    "R": OKABE_ITO["grey"],
    "D": OKABE_ITO["black"],
    "gone": OKABE_ITO["black"],
}
_SPARE = [OKABE_ITO[k] for k in ("green", "sky_blue", "yellow", "orange", "purple", "black")]
HUMAN_CMAP = "viridis"
ZOMBIE_CMAP = "inferno"
KINDS = ("curves", "map", "animation", "characters")


def colours(names: list[str]) -> dict[str, str]:
    """A colour per compartment: fixed for the usual letters, Okabe-Ito for the rest."""
    out, spare = {}, iter(_SPARE * (1 + len(names) // len(_SPARE)))
    for name in names:
        out[name] = COMPARTMENT_COLOURS.get(name) or next(spare)
    return out


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _title(ds: xr.Dataset) -> str:
    import json

    try:
        name = json.loads(ds.attrs.get("scenario", "{}")).get("name", "")
    except json.JSONDecodeError:
        name = ""
    runs = ds.sizes.get("run", 0)
    return (
        f"{name or 'results'}: {ds.attrs.get('model', '')} model, "
        f"{ds.attrs.get('engine', '')} engine, {runs} run{'s' if runs != 1 else ''}"
    )


def _roles(ds: xr.Dataset, key: str) -> list[str]:
    known = [str(c) for c in ds["compartment"].values]
    return [c for c in str(ds.attrs.get(key, "")).split(",") if c in known]


# ------------------------------------------------------------------------------------------------
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
    figure = _figure(10, 9 if many else 5)
    top, bottom = figure.subfigures(2, 1, height_ratios=[1, 1.3]) if many else (figure, None)
    axes = top.subplots()
    total = np.asarray(counts.sum("region").values, np.float64)  # (run, time, compartment)
    q10, q50, q90 = np.nanquantile(total, [0.1, 0.5, 0.9], axis=0)
    for k, name in enumerate(names):
        axes.fill_between(times, q10[:, k], q90[:, k], color=palette[name], alpha=0.25, lw=0)
        axes.plot(times, q50[:, k], color=palette[name], lw=2, label=name)
    axes.set_xlabel(f"time ({unit})")
    axes.set_ylabel("people")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlim(times[0], times[-1])
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(title="compartment", loc="best", frameon=False)
    axes.set_title(f"{_title(ds)}\nmedian and 10-90 % band over runs, all regions")
    if bottom is not None:
        _region_multiples(bottom, ds, regions, names, palette, max_regions)
    return figure


def _region_multiples(
    figure: Any,
    ds: xr.Dataset,
    regions: list[str],
    names: list[str],
    palette: dict[str, str],
    max_regions: int,
) -> None:
    counts = np.asarray(ds["counts"].values, np.float64)  # (run, time, region, compartment)
    times = ds["time"].values
    infectious = [names.index(c) for c in _roles(ds, "infectious")] or list(range(len(names)))
    peak = np.median(counts[:, :, :, infectious].sum(axis=3), axis=0).max(axis=0)
    order = np.argsort(-peak, kind="stable")[:max_regions]
    n = len(order)
    rows = max(1, round(math.sqrt(n / 1.6)))
    cols = math.ceil(n / rows)
    grid = figure.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
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
    figure.suptitle(f"by region ({shown}, largest outbreaks first)", fontsize=10)
    figure.supxlabel(f"time ({unit})", fontsize=9)
    figure.supylabel("people", fontsize=9)


# ------------------------------------------------------------------------------------------------
def _regular(values: np.ndarray) -> bool:
    steps = np.diff(values)
    return len(values) < 3 or bool(np.allclose(steps, steps[0], rtol=1e-6))


class _Layout:
    """Where each place goes on a map: a raster for grids, points otherwise."""

    def __init__(self, ds: xr.Dataset) -> None:
        n = ds.sizes["place"]
        self.n = n
        if "place_x" in ds and "place_y" in ds:
            x = np.asarray(ds["place_x"].values, np.float64)
            y = np.asarray(ds["place_y"].values, np.float64)
            self.label = "x"
        else:  # no coordinates: a square of tiles in place order
            side = math.ceil(math.sqrt(n))
            y, x = np.divmod(np.arange(n), side)
            x, y = x.astype(float), y.astype(float)
            self.label = ""
        xs, ix = np.unique(x, return_inverse=True)
        ys, iy = np.unique(y, return_inverse=True)
        full = len(xs) * len(ys) == n and len(set(zip(ix.tolist(), iy.tolist(), strict=True))) == n
        self.raster = full and _regular(xs) and _regular(ys)  # a lattice: draw it as an image
        self.x, self.y, self.ix, self.iy, self.xs, self.ys = x, y, ix, iy, xs, ys
        self.names = [str(p) for p in ds["place"].values]

    def image(self, values: np.ndarray) -> np.ndarray:
        grid = np.full((len(self.ys), len(self.xs)), np.nan)
        grid[self.iy, self.ix] = values
        return grid

    def extent(self) -> tuple[float, float, float, float]:
        dx = (self.xs[-1] - self.xs[0]) / max(len(self.xs) - 1, 1) or 1.0
        dy = (self.ys[-1] - self.ys[0]) / max(len(self.ys) - 1, 1) or 1.0
        return (
            self.xs[0] - dx / 2,
            self.xs[-1] + dx / 2,
            self.ys[-1] + dy / 2,
            self.ys[0] - dy / 2,
        )

    def draw(self, axes: Any, values: np.ndarray, cmap: str, vmax: float) -> Any:
        if self.raster:
            artist = axes.imshow(
                self.image(values),
                cmap=cmap,
                vmin=0,
                vmax=vmax,
                extent=self.extent(),
                interpolation="nearest",
                aspect="equal",
            )
        else:
            size = max(4.0, 6000.0 / max(self.n, 1))
            artist = axes.scatter(
                self.x,
                self.y,
                c=values,
                s=size,
                cmap=cmap,
                vmin=0,
                vmax=vmax,
                marker="s",
                edgecolors="#999999",
                linewidths=0.3,
            )
            axes.set_aspect("equal", adjustable="datalim")
            axes.margins(0.12)
            axes.invert_yaxis()
            if self.n <= 40:
                for name, x, y in zip(self.names, self.x, self.y, strict=True):
                    axes.annotate(
                        name,
                        (x, y),
                        xytext=(0, -9),
                        textcoords="offset points",
                        fontsize=7,
                        ha="center",
                        va="top",
                    )
        axes.set_xticks([])
        axes.set_yticks([])
        return artist

    def update(self, artist: Any, values: np.ndarray) -> None:
        if self.raster:
            artist.set_data(self.image(values))
        else:
            artist.set_array(values)


def _snapshot_values(ds: xr.Dataset, run: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, humans, zombies) per snapshot time and place for one run (a position)."""
    if "snapshots" not in ds or ds.sizes.get("snapshot_time", 0) == 0:
        raise HyosanError(
            "results have no snapshots to map: run with --snapshot-every "
            "(or run.snapshot_every in the scenario file)"
        )
    if not 0 <= run < ds.sizes["run"]:
        raise HyosanError(f"--run {run}: the results have runs 0..{ds.sizes['run'] - 1}")
    snaps = ds["snapshots"].isel(run=run)
    humans = snaps.sel(compartment=_roles(ds, "susceptible")).sum("compartment").values
    zombies = snaps.sel(compartment=_roles(ds, "infectious")).sum("compartment").values
    return ds["snapshot_time"].values, humans.astype(float), zombies.astype(float)


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


def snapshot_map(ds: xr.Dataset, run: int | None = None, time: float | None = None) -> Figure:
    """Humans and zombies in every place at one snapshot (default: a typical run, mid-outbreak).

    ``run`` is a position (0 for the first run in the file)."""
    run = typical_run(ds) if run is None else run
    times, humans, zombies = _snapshot_values(ds, run)
    if time is None:  # mid-outbreak: where humans x zombies, over the whole map, is largest
        k = int(np.argmax(humans.sum(axis=1) * zombies.sum(axis=1)))
    else:
        k = int(np.argmin(np.abs(times - time)))
        if abs(times[k] - time) > 1e-9 * max(1.0, abs(time)) and len(times) > 1:
            step = np.min(np.diff(times))
            if abs(times[k] - time) > step / 2:
                raise HyosanError(
                    f"--time {time:g}: no snapshot there; snapshots at "
                    + ", ".join(f"{t:g}" for t in times[:10])
                    + (" ..." if len(times) > 10 else "")
                )
    layout = _Layout(ds)
    figure, _ = _map_figure(ds, layout, humans[k], zombies[k], humans.max(), zombies.max())
    figure.suptitle(_map_title(ds, run, times[k]))
    return figure


def _map_title(ds: xr.Dataset, run: int, t: float) -> str:
    return (
        f"{_title(ds)}\nrun {int(ds['run'].values[run])}, t = {t:g} {ds.attrs.get('time_unit', '')}"
    )


def _map_figure(
    ds: xr.Dataset,
    layout: _Layout,
    humans: np.ndarray,
    zombies: np.ndarray,
    human_max: float,
    zombie_max: float,
) -> tuple[Figure, list[Any]]:
    figure = _figure(11, 5.6)
    left, right = figure.subplots(1, 2)
    h_names = "+".join(_roles(ds, "susceptible")) or "humans"
    z_names = "+".join(_roles(ds, "infectious")) or "zombies"
    artists = []
    for axes, values, cmap, vmax, label in (
        (left, humans, HUMAN_CMAP, human_max, f"humans ({h_names})"),
        (right, zombies, ZOMBIE_CMAP, zombie_max, f"zombies ({z_names})"),
    ):
        artist = layout.draw(axes, values, cmap, max(float(vmax), 1.0))
        axes.set_title(label)
        bar = figure.colorbar(artist, ax=axes, shrink=0.85)
        bar.set_label("people per place")
        artists.append(artist)
    return figure, artists


def animation(
    ds: xr.Dataset, path: str | Path, run: int | None = None, fps: int = 5, dpi: int = 100
) -> Path:
    """The spread over every snapshot of one run: a GIF (Pillow), or MP4 when ffmpeg exists."""
    path = Path(path)
    run = typical_run(ds) if run is None else run
    times, humans, zombies = _snapshot_values(ds, run)
    layout = _Layout(ds)
    figure, artists = _map_figure(ds, layout, humans[0], zombies[0], humans.max(), zombies.max())
    title = figure.suptitle(_map_title(ds, run, times[0]))
    suffix = path.suffix.lower()
    if suffix == ".mp4":
        from matplotlib.animation import FFMpegWriter

        if not FFMpegWriter.isAvailable():
            raise HyosanError(f"{str(path)!r}: MP4 needs ffmpeg, which is not installed; use .gif")
        writer = FFMpegWriter(fps=fps)
        with writer.saving(figure, str(path), dpi=dpi):
            for k in range(len(times)):
                _frame(layout, artists, title, ds, run, times[k], humans[k], zombies[k])
                writer.grab_frame()
        return path
    if suffix != ".gif":
        raise HyosanError(f"animation {str(path)!r}: use a .gif or .mp4 suffix")
    from PIL import Image

    frames = []
    figure.set_dpi(dpi)
    figure.canvas.draw()
    figure.set_layout_engine("none")  # keep the first frame's layout: drawing is then faster
    for k in range(len(times)):
        _frame(layout, artists, title, ds, run, times[k], humans[k], zombies[k])
        figure.canvas.draw()
        rgba = np.asarray(figure.canvas.buffer_rgba())
        frames.append(
            Image.fromarray(rgba[:, :, :3].copy()).quantize(255, Image.Quantize.FASTOCTREE)
        )
    frames[0].save(
        path,
        save_all=True,
        append_images=frames[1:],
        duration=int(1000 / fps),
        loop=0,
        optimize=False,
    )
    return path


def _frame(
    layout: _Layout,
    artists: list[Any],
    title: Any,
    ds: xr.Dataset,
    run: int,
    t: float,
    humans: np.ndarray,
    zombies: np.ndarray,
) -> None:
    layout.update(artists[0], humans)
    layout.update(artists[1], zombies)
    title.set_text(_map_title(ds, run, t))


# ------------------------------------------------------------------------------------------------
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
    figure = _figure(9, 1.2 + 0.5 * len(names))
    axes = figure.subplots()
    left = np.zeros(len(names))
    for state in states:
        share = (fates == state).mean(axis=0)
        if not share.any():
            continue
        axes.barh(names, share, left=left, color=palette[state], label=state, edgecolor="white")
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
    axes.invert_yaxis()
    t_end = float(ds["time"].values[-1]) if ds.sizes.get("time") else 0.0
    axes.set_title(
        f"{_title(ds)}\ncharacters' state at t = {t_end:g} {ds.attrs.get('time_unit', '')}"
    )
    axes.legend(title="state", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return figure


# ------------------------------------------------------------------------------------------------
def plot(
    ds: xr.Dataset,
    kind: str,
    out: str | Path,
    run: int | None = None,
    time: float | None = None,
    dpi: int = 100,
) -> Path:
    """Draw one kind of plot of results into ``out`` (PNG, SVG, PDF; GIF or MP4 for animation)."""
    out = Path(out)
    if kind not in KINDS:
        from hyosan.errors import suggest

        raise HyosanError("kind: " + suggest(kind, KINDS, "plot kind"))
    if kind == "animation":
        return animation(ds, out, run=run, dpi=dpi)
    if out.suffix.lower() not in (".png", ".svg", ".pdf", ".jpg", ".jpeg"):
        raise HyosanError(f"image {str(out)!r}: use .png, .svg, .pdf or .jpg")
    if kind == "curves":
        figure = curves(ds)
    elif kind == "map":
        figure = snapshot_map(ds, run=run, time=time)
    else:
        figure = characters(ds)
    figure.savefig(out, dpi=dpi)
    return out
