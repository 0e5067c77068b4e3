"""simulate(): the Dataset's layout, interruption and time limits, saving, bad input."""

import numpy as np
import pytest

import hyosan
from hyosan import Scenario, simulate
from hyosan.errors import HyosanError
from hyosan.models import Character, jonas, szr
from hyosan.places import grid, well_mixed


def _lattice() -> Scenario:
    places = grid((10, 10), {"S": 20, "Z": 0, "R": 0}, regions=np.repeat(["west", "east"], 50))
    places = places.with_outbreak("5,5", "Z", 3)
    return Scenario(model=szr(beta=0.1, kappa=0.05, hop=1.0), places=places)


def test_dataset_layout_and_attrs():
    ds = simulate(_lattice(), t_end=10.0, engine="ssa", runs=3, seed=4, record_every=2.0)
    assert ds["counts"].dims == ("run", "time", "region", "compartment")
    assert ds["counts"].shape == (3, 6, 2, 3)
    assert list(ds["region"].values) == ["west", "east"]
    np.testing.assert_allclose(ds["time"].values, [0, 2, 4, 6, 8, 10])
    assert ds.attrs["seed"] == "4" and ds.attrs["engine"] == "ssa"
    assert ds.attrs["status"] == "complete"
    assert '"szr"' in ds.attrs["scenario"]
    for name in ("peak_infectious", "peak_time", "final_susceptible", "extinct", "events"):
        assert ds[name].dims == ("run",)
    peak = ds["counts"].sel(compartment="Z").sum("region").max("time")
    np.testing.assert_array_equal(ds["peak_infectious"].values, peak.values)


def test_seed_is_drawn_and_recorded_when_not_given():
    ds = simulate(_lattice(), t_end=1.0, engine="ssa")
    again = simulate(_lattice(), t_end=1.0, engine="ssa", seed=int(ds.attrs["seed"]))
    np.testing.assert_array_equal(ds["counts"].values, again["counts"].values)


def test_interrupted_run_keeps_what_it_computed():
    def interrupt_midway(t, t_end):
        if t >= t_end / 2:
            raise KeyboardInterrupt

    ds = simulate(
        _lattice(),
        t_end=10.0,
        engine="ssa",
        runs=2,
        seed=1,
        record_every=1.0,
        progress=interrupt_midway,
    )
    assert ds.attrs["status"] == "interrupted"
    assert 1 < ds.sizes["time"] < 11
    assert float(ds["time"][-1]) == pytest.approx(5.0)
    full = simulate(_lattice(), t_end=10.0, engine="ssa", runs=2, seed=1, record_every=1.0)
    np.testing.assert_array_equal(ds["counts"].values, full["counts"].values[:, :6])


def test_time_limit_stops_early_with_status():
    ds = simulate(
        _lattice(), t_end=1000.0, engine="ssa", runs=1, seed=1, record_every=0.01, time_limit=0.0
    )
    assert ds.attrs["status"] == "time_limit"
    assert ds.sizes["time"] == 1  # only the start: the limit was already spent


def test_characters_are_reported():
    places = well_mixed({"S": 50, "E1": 0, "E2": 0, "Z": 5, "H": 0, "R": 0})
    scenario = Scenario(
        model=jonas(stages=2),
        places=places,
        characters=[Character("namra", "world", overrides={"h": 1.0}), Character("onjo", "world")],
    )
    ds = simulate(scenario, t_end=5.0, engine="ssa", runs=40, seed=3)
    assert list(ds["character"].values) == ["namra", "onjo"]
    fates = ds["character_fate"].sel(character="namra").values
    assert "Z" not in set(fates)  # Nam-ra becomes a hybrid, never a zombie
    assert set(fates) <= {"S", "E", "H", "R"}
    still = ds["character_still_human"].values
    np.testing.assert_allclose(still, (ds["character_fate"].values == "S").mean(axis=0))


def test_save_and_load_round_trip(tmp_path):
    ds = simulate(_lattice(), t_end=4.0, engine="ssa", runs=2, seed=2)
    path = hyosan.save(ds, tmp_path / "out.nc")
    back = hyosan.load(path)
    np.testing.assert_array_equal(back["counts"].values, ds["counts"].values)
    assert back.attrs["seed"] == "2"
    (tmp_path / "not-ours.nc").write_text("hello")
    with pytest.raises(HyosanError, match="not a hyosan results file"):
        hyosan.load(tmp_path / "not-ours.nc")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "gillespie"}, "unknown engine 'gillespie'"),
        ({"runs": 0}, "runs must be a positive integer"),
        ({"t_end": -1.0}, "t_end must be a positive number"),
        ({"seed": -5}, "seed must be a non-negative integer"),
        ({"engine": "tau", "dt": -0.1}, "dt must be positive"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    args = {"t_end": 1.0, **kwargs}
    with pytest.raises(HyosanError, match=message):
        simulate(_lattice(), **args)
