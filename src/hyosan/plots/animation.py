"""The spread over every snapshot of one run, drawn as the still map is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.plots.maps import MapFigure, typical_run


def animation(
    ds: xr.Dataset,
    path: str | Path,
    run: int | None = None,
    fps: int = 5,
    dpi: int = 100,
    scale: str = "share",
) -> Path:
    """The spread over every snapshot of one run: a GIF (Pillow), or MP4 when ffmpeg exists."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise HyosanError(f"animation {str(path)!r}: use a .gif or .mp4 suffix")
    run = typical_run(ds) if run is None else run
    drawing = MapFigure(ds, run, scale)
    figure = drawing.figure
    frames = range(len(drawing.snaps.times))
    drawing.show(0)
    if suffix == ".mp4":
        from matplotlib.animation import FFMpegWriter

        if not FFMpegWriter.isAvailable():
            raise HyosanError(f"{str(path)!r}: MP4 needs ffmpeg, which is not installed; use .gif")
        writer = FFMpegWriter(fps=fps)
        with writer.saving(figure, str(path), dpi=dpi):
            for k in frames:
                drawing.show(k)
                writer.grab_frame()
        return path
    from PIL import Image

    images = []
    figure.set_dpi(dpi)
    figure.canvas.draw()
    figure.set_layout_engine("none")  # keep the first frame's layout: drawing is then faster
    for k in frames:
        drawing.show(k)
        figure.canvas.draw()
        rgba = np.asarray(figure.canvas.buffer_rgba())
        images.append(
            Image.fromarray(rgba[:, :, :3].copy()).quantize(255, Image.Quantize.FASTOCTREE)
        )
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=int(1000 / fps),
        loop=0,
        optimize=False,
    )
    return path
