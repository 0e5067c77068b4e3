"""The run library behind `hyosan run`: run options resolved once, progress callbacks, place
layout on every result, ensembles in batches, interrupt-safe writing, provenance and re-runs."""

import itertools
import json
import os
import signal

import numpy as np
import pytest

import hyosan
from hyosan import Scenario, simulate
from hyosan.errors import HyosanError
from hyosan.models import szr
from hyosan.places import grid
from hyosan.results.io import load, save
from hyosan.results.writer import deferred_interrupt
from hyosan.run import Ensemble, Provenance, Source, resolve_options

TOWN = """
name = "town"

[world.grid]
shape = [4, 4]
counts = { S = 8 }
region_blocks = [1, 2]

[model]
name = "szr"
parameters = { beta = "0.3/hour", kappa = "0.01/hour", hop = "0.5/hour" }

[[outbreak]]
place = "1,1"

[run]
engine = "ssa"
runs = 4
t_end = "6 hours"
seed = 9
record_every = 1
"""


@pytest.fixture
def town(tmp_path):
    path = tmp_path / "town.toml"
    path.write_text(TOWN)
    return path


def _lattice() -> Scenario:
    places = grid((4, 4), {"S": 8, "Z": 0, "R": 0}).with_outbreak("1,1", "Z", 2)
    return Scenario(model=szr(beta=0.3, kappa=0.01, hop=0.5), places=places, t_end=6.0)


# ------------------------------------------------------------------------------------------------
def test_run_options_given_then_world_then_hyosan():
    world = {"engine": "tau", "dt": 0.1, "check_every": 1.0, "record_every": 5.0}
    options = resolve_options(world, default_t_end=720.0)
    assert (options.engine, options.t_end, options.dt) == ("tau", 720.0, 0.1)
    assert (options.record_every, options.check_every, options.accuracy) == (5.0, 1.0, None)
    short = resolve_options(world, t_end=1.0)  # the world's record interval does not fit
    assert short.record_every is None
    assert resolve_options(world, t_end=10.0, engine="ssa").dt is None
    adaptive = {"accuracy": 0.1}
    assert resolve_options(adaptive, t_end=1.0).accuracy == 0.1
    assert resolve_options(adaptive, t_end=1.0, dt=0.01).accuracy is None  # dt alone: fixed
    assert resolve_options(adaptive, t_end=1.0, engine="ode").accuracy is None
    aligned = resolve_options({}, t_end=48.0, snapshot_every=6.0)  # records fall on snapshots
    assert 6.0 / aligned.record_every == pytest.approx(round(6.0 / aligned.record_every))
    with pytest.raises(HyosanError, match="t_end"):
        resolve_options({})
    with pytest.raises(HyosanError, match="accuracy must be a positive"):
        resolve_options({}, t_end=1.0, accuracy=-1.0)


def test_simulate_is_silent_by_default_and_reports_to_a_callback(capsys):
    seen = []
    ds = simulate(
        _lattice(),
        engine="ssa",
        seed=1,
        record_every=1.0,
        progress=lambda t, t_end: seen.append((t, t_end)),
    )
    assert [t for t, _ in seen] == [float(t) for t in ds["time"].values]
    assert {t_end for _, t_end in seen} == {6.0}
    capsys.readouterr()  # a first run on a cold cache says that it compiles (on stderr)
    simulate(_lattice(), engine="ssa", seed=1, progress=False)  # still accepted: none
    assert capsys.readouterr().err == ""
    with pytest.warns(DeprecationWarning, match="progress=True"):
        simulate(_lattice(), engine="ssa", seed=1, progress=True)
    with pytest.raises(HyosanError, match="progress must be"):
        simulate(_lattice(), engine="ssa", seed=1, progress="bar")


def test_a_run_that_must_compile_says_so_once(monkeypatch, caplog):
    import sys

    simulate_module = sys.modules["hyosan.run.simulate"]  # hyosan.run.simulate is the function

    monkeypatch.setattr(simulate_module, "is_compiled", lambda kernels: False)
    monkeypatch.setattr(simulate_module, "mark_compiled", lambda kernels: None)

    class Listener:
        def __init__(self):
            self.notices, self.reports = [], []

        def __call__(self, t, t_end):
            self.reports.append(t)

        def compiling(self, message):
            self.notices.append(message)

    listener = Listener()
    simulate(_lattice(), engine="ssa", seed=1, record_every=1.0, progress=listener)
    assert len(listener.notices) == 1
    assert "compiling the ssa engine's kernels" in listener.notices[0]
    assert listener.reports[0] == 0.0
    with caplog.at_level("WARNING", logger="hyosan"):  # no compiling method: the logger
        simulate(_lattice(), engine="ssa", seed=1, progress=lambda t, t_end: None)
    assert ["compiling the ssa" in r.getMessage() for r in caplog.records] == [True]
    caplog.clear()
    with caplog.at_level("WARNING", logger="hyosan"):
        simulate(_lattice(), engine="ode", seed=1)  # nothing to compile
    assert caplog.records == []


def test_progress_bar_shows_compiling_until_the_run_moves():
    import io

    from rich.console import Console

    from hyosan.run.progress import ProgressBar

    out = io.StringIO()
    bar = ProgressBar(unit="hour", console=Console(file=out))
    bar.compiling("compiling the tau engine's kernels")
    bar(0.0, 6.0)
    assert bar._bar.tasks[0].fields["speed"] == "compiling"
    bar(1.0, 6.0)
    bar(2.0, 6.0)
    assert bar._bar.tasks[0].fields["speed"].endswith("hour/s")
    bar.stop()
    assert "compiling the tau engine's kernels" in out.getvalue()


def test_kernel_markers_live_in_the_cache(monkeypatch, tmp_path):
    from hyosan import kernel_cache

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert kernel_cache.kernels_dir().parent == tmp_path
    assert not kernel_cache.is_compiled("no-such-engine")
    kernel_cache.mark_compiled("no-such-engine")
    assert (kernel_cache.kernels_dir() / "no-such-engine.compiled").exists()
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and "darwin" not in os.uname().sysname.lower():
        assert kernel_cache.cache_root() == tmp_path / "xdg" / "hyosan"


def test_every_result_carries_the_place_layout():
    ds = simulate(_lattice(), engine="ssa", seed=1)  # no snapshots asked for
    assert ds.sizes["place"] == 16
    assert ds["place_x"].values.tolist()[:4] == [0.0, 1.0, 2.0, 3.0]
    assert set(ds["place_region"].values.tolist()) == {"grid"}


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_ensemble_in_batches_equals_one_run_and_is_written(tmp_path, suffix):
    if suffix == ".zarr":
        pytest.importorskip("zarr")
    whole = simulate(_lattice(), engine="ssa", runs=5, seed=3)
    reports = []
    out = tmp_path / f"e{suffix}"
    ds = hyosan.run_ensemble(
        _lattice(),
        5,
        3,
        batch=2,
        out=out,
        engine="ssa",
        progress=lambda t, total: reports.append((t, total)),
    )
    assert np.array_equal(ds["counts"].values, whole["counts"].values)
    assert ds.attrs["status"] == "complete" and ds.attrs["runs_requested"] == 5
    assert np.array_equal(load(out)["counts"].values, whole["counts"].values)
    assert reports[-1] == (5 * 6.0, 5 * 6.0)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(reports))


def test_ensemble_interrupted_keeps_the_batches_that_finished(tmp_path):
    out = tmp_path / "cut.nc"

    def interrupt_in_second_batch(t, total):
        if t > 2 * 6.0:
            raise KeyboardInterrupt

    ensemble = Ensemble(_lattice(), 6, 3, batch=2, out=out, engine="ssa")
    ds = ensemble.run(interrupt_in_second_batch)
    assert ensemble.interrupted and ensemble.status == "interrupted"
    assert ds["run"].values.tolist() == [0, 1, 2, 3]  # the batch cut short is kept too
    until = ds["simulated_until"].values
    assert until[:2].tolist() == [6.0, 6.0] and 0 < until[2] == until[3] < 6.0
    assert (ds["counts"].isel(run=2, time=-1).values == -1).all()  # a time it did not reach
    on_disk = load(out)
    assert on_disk.attrs["status"] == "interrupted" and on_disk.sizes["run"] == 4

    def at_once(t, total):
        raise KeyboardInterrupt

    assert Ensemble(_lattice(), 2, 3, engine="ssa").run(at_once) is None
    with pytest.raises(KeyboardInterrupt):
        hyosan.run_ensemble(_lattice(), 2, 3, engine="ssa", progress=at_once)
    with pytest.raises(HyosanError, match="batch must be"):
        Ensemble(_lattice(), 2, batch=0)


def test_deferred_interrupt_finishes_the_write_then_raises():
    written = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupt():
        os.kill(os.getpid(), signal.SIGINT)
        written.append("whole")
    assert written == ["whole"]


def test_deferred_sigterm_reaches_its_handler_after_the_write():
    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("handled"))
    try:
        with deferred_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            seen.append("whole")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == ["whole", "handled"]


# ------------------------------------------------------------------------------------------------
def test_run_source_then_rerun_gives_the_same_histories(town, tmp_path):
    first = tmp_path / "first.nc"
    a = hyosan.run_source(town, ["model.parameters.beta=0.4/hour"], out=first, runs=3)
    assert a.sizes["run"] == 3 and a.attrs["seed"] == "9"
    stored = load(first).attrs
    assert stored["source"] == TOWN and json.loads(stored["options"]) == {"runs": 3}
    assert json.loads(stored["overrides"]) == ["model.parameters.beta=0.4/hour"]
    b = hyosan.rerun(first, batch=1)
    assert np.array_equal(a["counts"].values, b["counts"].values)
    c = hyosan.rerun(first, runs=4)  # the same first three, one more
    assert np.array_equal(c["counts"].values[:3], a["counts"].values)
    assert "place_x" in load(first)  # maps work from the file alone


def test_provenance_draws_and_keeps_a_seed_and_refuses_foreign_results(town, tmp_path):
    unseeded = Provenance(Source.resolve(town), ("run.seed=",)).amended(runs=1)
    with pytest.raises(HyosanError, match=r"run\.seed"):
        unseeded.ensemble()
    no_seed = tmp_path / "no-seed.toml"
    no_seed.write_text(TOWN.replace("seed = 9\n", ""))
    ensemble = Provenance(Source.resolve(no_seed)).amended(runs=1).ensemble()
    assert json.loads(ensemble.attrs["options"])["seed"] == ensemble.seed
    plain = tmp_path / "plain.nc"
    save(simulate(_lattice(), engine="ssa", seed=1), plain)
    with pytest.raises(HyosanError, match="no 'source' attribute"):
        hyosan.rerun(plain)
    with pytest.raises(HyosanError, match="did you mean 'szr-lattice'"):
        Source.resolve("szr-latice")
    with pytest.raises(HyosanError, match="run option"):
        Provenance(Source.resolve(town)).amended(rnus=3)
