"""Plots: every kind is drawn from a small run, and the image is not blank."""

import numpy as np
import pytest

import hyosan
from hyosan.errors import HyosanError
from hyosan.scenarios import files

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")

GRID = {
    "world": {"grid": {"shape": [6, 6], "counts": {"S": 10}, "region_blocks": [2, 2]}},
    "model": {"name": "szr", "parameters": {"beta": "0.3/hour", "hop": "0.5/hour"}},
    "outbreak": [{"place": "2,2", "count": 2}],
    "characters": [{"name": "cheong-san", "place": "0,0"}, {"name": "nam-ra", "place": "5,5"}],
    "run": {"engine": "ssa", "t_end": 12, "record_every": 1, "snapshot_every": 3},
}
BUILDING = {
    "world": {
        "building": {
            "rooms": [
                {"name": "class-2-5", "counts": {"S": 30}, "xy": [0, 0]},
                {"name": "hall", "counts": {"S": 10}, "xy": [1, 0]},
                {"name": "lab", "counts": {"S": 5}, "xy": [3, 1]},
            ],
            "doors": [{"a": "class-2-5", "b": "hall"}, {"a": "hall", "b": "lab"}],
        }
    },
    "model": {"name": "szr", "parameters": {"beta": "0.1/hour", "hop": "0.5/hour"}},
    "outbreak": [{"place": "lab"}],
    "run": {"engine": "ssa", "t_end": 12, "record_every": 1, "snapshot_every": 4},
}


def results(document, runs=3):
    loaded = files.build(document)
    # simulate attaches the place layout (coordinates) that maps need
    return hyosan.simulate(loaded.scenario, runs=runs, seed=2, **loaded.settings.simulate_kwargs())


@pytest.fixture(scope="module")
def grid_results():
    return results(GRID)


@pytest.fixture(scope="module")
def school_results():
    return results(BUILDING, runs=2)


def assert_not_blank(path, frames=1):
    with Image.open(path) as image:
        assert getattr(image, "n_frames", 1) >= frames
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert pixels.std() > 10  # not one flat colour
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # lines, text, colour scales


@pytest.mark.parametrize("kind", ["curves", "map", "characters"])
def test_each_kind_of_image(grid_results, tmp_path, kind):
    from hyosan import plots

    path = plots.plot(grid_results, kind, tmp_path / f"{kind}.png")
    assert_not_blank(path)


def test_animation_gif_has_one_frame_per_snapshot(grid_results, tmp_path):
    from hyosan import plots

    path = plots.plot(grid_results, "animation", tmp_path / "spread.gif")
    assert_not_blank(path, frames=grid_results.sizes["snapshot_time"])


def test_map_of_a_building_without_a_raster(school_results, tmp_path):
    from hyosan import plots

    ds = school_results
    path = plots.plot(ds, "map", tmp_path / "school.png", run=1, time=4)
    assert_not_blank(path)
    with pytest.raises(HyosanError, match="--time 30: no snapshot"):
        plots.snapshot_map(ds, time=30)


def test_map_without_coordinates_or_snapshots(grid_results, school_results, tmp_path):
    from hyosan import plots

    bare = grid_results.drop_vars(["place_x", "place_y"])
    assert_not_blank(plots.plot(bare, "map", tmp_path / "tiles.png"))
    with pytest.raises(HyosanError, match="no snapshots"):
        plots.plot(grid_results.drop_vars("snapshots"), "map", tmp_path / "none.png")
    with pytest.raises(HyosanError, match="no characters"):
        plots.plot(school_results, "characters", tmp_path / "none.png")
    with pytest.raises(HyosanError, match=r"--run 7"):
        plots.plot(grid_results, "map", tmp_path / "none.png", run=7)


def test_mp4_needs_ffmpeg(grid_results, tmp_path):
    from matplotlib.animation import FFMpegWriter

    from hyosan import plots

    if FFMpegWriter.isAvailable():
        path = plots.plot(grid_results, "animation", tmp_path / "spread.mp4")
        assert path.stat().st_size > 1000
    else:
        with pytest.raises(HyosanError, match="MP4 needs ffmpeg"):
            plots.plot(grid_results, "animation", tmp_path / "spread.mp4")


def test_palette_is_colour_blind_safe_and_stable():
    from hyosan.plots import OKABE_ITO, colours

    palette = colours(["S", "E", "Z", "H", "R", "X", "Y"])
    assert palette["S"] == OKABE_ITO["blue"] and palette["Z"] == OKABE_ITO["vermillion"]
    assert set(palette.values()) <= set(OKABE_ITO.values())
    assert palette["X"] != palette["Y"]
