"""Sweeps on Dask: plan, equality with `hyosan run` per point (common random numbers), resuming
after a stop, a worker killed mid-sweep, refusing another sweep's store, a bad point, the plot
and the command. One 2-process LocalCluster serves the module (tiny worlds, exact SSA)."""

import json
import os
import signal
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import typer
import xarray as xr
from typer.testing import CliRunner

from hyosan.errors import HyosanError
from hyosan.sweeps import api, runner, sweep, wilson_interval
from hyosan.sweeps import plan as plans
from hyosan.sweeps.command import sweep_command
from hyosan.sweeps.plot import plot_sweep
from hyosan.sweeps.store import StoreRefusedError, SweepStore

distributed = pytest.importorskip("distributed")

TOWN = """
name = "town"

[world.grid]
shape = [5, 5]
counts = { S = 10 }
region_blocks = [1, 2]

[model]
name = "szr"
parameters = { beta = "0.2/hour", kappa = "0.01/hour", hop = "0.5/hour" }

[[outbreak]]
place = "2,2"

[[characters]]
name = "on-jo"
place = "0,0"

[[interventions]]
kind = "close_links"
group = "grid"
start = 3

[run]
engine = "ssa"
t_end = "12 hours"
record_every = 1
"""
BETAS = ["0.1/hour", "0.3/hour"]
STARTS = [2, 6]


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "town.toml"
    path.write_text(TOWN)
    return path


@pytest.fixture(scope="module")
def reference(town, client, tmp_path_factory) -> xr.Dataset:
    """A 2 x 2 sweep, uninterrupted."""
    out = tmp_path_factory.mktemp("reference") / "ref.zarr"
    return sweep(
        town,
        vary={"model.parameters.beta": BETAS, "interventions[0].start": STARTS},
        runs=6,
        seed=11,
        out=out,
        client=client,
        progress=False,
    ).load()


def vary_town(town, out, client, **options):
    return sweep(
        town,
        vary={"model.parameters.beta": BETAS, "interventions[0].start": STARTS},
        runs=6,
        seed=11,
        out=out,
        client=client,
        progress=False,
        **options,
    )


# ------------------------------------------------------------------------------------------------
def test_vary_texts_are_read_as_set_reads_values():
    axis = plans.parse_vary('interventions[0].start+interventions[1].start=0.5,1,"2 hours"')
    assert axis.keys == ("interventions[0].start", "interventions[1].start")
    assert axis.values == (0.5, 1, "2 hours")
    assert axis.overrides(2) == [
        'interventions[0].start="2 hours"',
        'interventions[1].start="2 hours"',
    ]
    assert plans.parse_vary("run.engine=tau,ssa").coordinate() == ["tau", "ssa"]
    assert plans.parse_vary("model.parameters.beta=[1,2],3").values == ([1, 2], 3)
    with pytest.raises(HyosanError, match="set once for the whole sweep"):
        plans.parse_vary("run.seed=1,2")
    with pytest.raises(HyosanError, match="expected KEY=V1"):
        plans.parse_vary("beta")
    with pytest.raises(HyosanError, match="varied twice"):
        plans.axes_from(["a.b=1,2", "a.b=3"])
    assert list(plans.chunks([0, 1, 2, 5, 6, 9], 2)) == [(0, 2), (2, 1), (5, 2), (9, 1)]


def test_wilson_interval_brackets_the_share():
    low, high = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert low[0] == 0 and 0.25 < high[0] < 0.35  # 0 of 10: still up to about 30 %
    assert low[1] < 0.5 < high[1]
    assert high[2] == 1 and 0.65 < low[2] < 0.75


def test_points_equal_hyosan_run_count_for_count(town, reference, tmp_path):
    from hyosan.cli import app as cli
    from hyosan.results.io import load

    assert reference["counts"].dims[:3] == (
        "model.parameters.beta",
        "interventions[0].start",
        "run",
    )
    assert reference.attrs["sweep_status"] == "complete"
    assert json.loads(reference.attrs["sweep"])["seed"] == "11"
    for beta in BETAS:
        for start in STARTS:
            out = tmp_path / "point.nc"
            result = CliRunner().invoke(
                cli,
                [
                    "run", str(town), "--set", f'model.parameters.beta="{beta}"',
                    "--set", f"interventions[0].start={start}",
                    "--runs", "6", "--seed", "11", "--out", str(out), "--quiet", "--overwrite",
                ],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            alone = load(out)
            point = reference.sel({"model.parameters.beta": beta, "interventions[0].start": start})
            np.testing.assert_array_equal(point["counts"].values, alone["counts"].values)
            np.testing.assert_array_equal(
                point["character_fate"].values.astype(str), alone["character_fate"].values
            )
            labels = point["intervention_label"].values.astype(str)
            assert list(labels) == list(alone["intervention"].values)
    # aggregates: shares with intervals, means and quantiles per point
    share = reference["character_human_share"]
    assert share.dims == ("model.parameters.beta", "interventions[0].start", "character")
    assert bool(
        (
            (reference["character_human_low"] <= share)
            & (share <= reference["character_human_high"])
        ).all()
    )
    assert reference["final_susceptible_quantile"].sizes["quantile"] == 3
    np.testing.assert_allclose(
        reference["final_susceptible_mean"].values,
        reference["final_susceptible"].mean("run").values,
    )


def test_a_stopped_sweep_continues_where_it_stopped(town, reference, client, tmp_path):
    out = tmp_path / "stopped.zarr"
    plan = api.prepare(
        town, {"model.parameters.beta": BETAS, "interventions[0].start": STARTS}, 6, 11
    )
    store = SweepStore.open(out, plan.axes, plan.runs, plan.description())

    def stop_after_two_tasks(runs, tasks):
        if tasks == 2:
            raise KeyboardInterrupt  # as Ctrl-C would, between two tasks

    first = runner.execute(plan, store, client, 1, batch=2, report=stop_after_two_tasks)
    assert first.status == "interrupted" and first.runs_done == 4
    api.finish(store, plan)
    assert xr.open_zarr(out).attrs["sweep_status"] == "interrupted"
    # the same sweep again: only the missing runs are done
    again = SweepStore.open(out, plan.axes, plan.runs, plan.description())
    assert int(again.done.sum()) == 4
    second = runner.execute(plan, again, client, 1, batch=2)
    assert second.status == "complete" and second.runs_done == 4 * 6 - 4
    api.finish(again, plan)
    resumed = xr.open_zarr(out).load()
    assert resumed.attrs["sweep_status"] == "complete"
    for name in ("counts", "character_fate", "peak_infectious", "character_human_share"):
        np.testing.assert_array_equal(resumed[name].values, reference[name].values)


def test_a_worker_killed_mid_sweep_changes_nothing(town, client, tmp_path):
    """Tasks of about a second each (tau, tiny steps); one worker is killed while busy."""
    from hyosan import simulate
    from hyosan.sweeps import source as sources

    pids = client.run(os.getpid)
    killed: list[str] = []
    finished = threading.Event()

    def kill_a_busy_worker() -> None:  # once a task is done, kill a worker in the middle of one
        while not killed and not finished.wait(0.02):
            busy = [w for w, keys in client.processing().items() if keys]
            if busy and store.done.any():
                killed.append(busy[0])
                os.kill(pids[busy[0]], signal.SIGKILL)

    slow = ['run.engine="tau"', "run.dt=0.0001"]
    plan = api.prepare(town, {"model.parameters.beta": BETAS}, 5, 11, overrides=slow)
    store = SweepStore.open(tmp_path / "killed.zarr", plan.axes, plan.runs, plan.description())
    watcher = threading.Thread(target=kill_a_busy_worker)
    watcher.start()
    try:
        outcome = runner.execute(plan, store, client, 1, batch=1)
    finally:
        finished.set()
        watcher.join()
    assert killed, "no worker was busy to kill"
    assert outcome.status == "complete" and outcome.runs_done == 10 and outcome.tasks_done == 10
    api.finish(store, plan)
    result = xr.open_zarr(store.path).load()
    np.testing.assert_array_equal(result["done"].values, True)
    for k, beta in enumerate(BETAS):
        loaded = sources.load(plan.source, plan.overrides((k,)))
        alone = simulate(loaded.scenario, runs=5, seed=11, progress=False,
                         **loaded.settings.simulate_kwargs())  # fmt: skip
        np.testing.assert_array_equal(
            result["counts"].sel({"model.parameters.beta": beta}).values, alone["counts"].values
        )
    client.wait_for_workers(2, timeout=120)


def test_another_sweep_into_the_same_store_is_refused(town, client, tmp_path):
    out = tmp_path / "one.zarr"
    sweep(town, vary={"model.parameters.beta": BETAS}, runs=2, seed=1, out=out, client=client,
          progress=False)  # fmt: skip
    with pytest.raises(StoreRefusedError, match=r"different sweep \(it differs in runs, vary\)"):
        sweep(town, vary={"model.parameters.hop": [0.1, 0.2]}, runs=3, seed=1, out=out,
              client=client, progress=False)  # fmt: skip
    replaced = sweep(town, vary={"model.parameters.hop": [0.1, 0.2]}, runs=3, seed=1, out=out,
                     client=client, progress=False, overwrite=True)  # fmt: skip
    assert list(replaced["model.parameters.hop"].values) == [0.1, 0.2]
    results = tmp_path / "results.zarr"
    xr.Dataset({"x": ("a", [1])}).to_zarr(results, zarr_format=2)
    with pytest.raises(StoreRefusedError, match="not a sweep store"):
        sweep(town, vary={"model.parameters.hop": [0.1]}, runs=1, seed=1, out=results,
              client=client, progress=False)  # fmt: skip


def test_a_bad_point_fails_alone_with_its_message(town, client, tmp_path):
    with pytest.warns(RuntimeWarning, match=r"1 point\(s\) failed"):
        ds = sweep(town, vary={"model.parameters.beta": ["0.2/hour", "-1/hour"]}, runs=3, seed=2,
                   out=tmp_path / "bad.zarr", client=client, progress=False)  # fmt: skip
    errors = json.loads(ds.attrs["point_errors"])
    assert list(errors) == ['model.parameters.beta="-1/hour"']
    assert "beta" in next(iter(errors.values()))
    assert ds.attrs["sweep_status"] == "failed"
    assert ds["done"].sel({"model.parameters.beta": "0.2/hour"}).all()
    assert not ds["done"].sel({"model.parameters.beta": "-1/hour"}).any()


def test_plot_draws_lines_for_one_key_and_a_heat_map_for_two(reference, tmp_path):
    two = plot_sweep(reference, tmp_path / "two.png")
    one = plot_sweep(
        reference.sel({"interventions[0].start": 2}), tmp_path / "one.png", "final_susceptible"
    )
    assert two.stat().st_size > 5000 and one.stat().st_size > 5000
    from hyosan.sweeps.plot import axes_of, axis_label, time_unit

    beta, start = axes_of(reference)
    assert time_unit(reference, start) == "hour" and time_unit(reference, beta) is None
    assert axis_label({**start, "unit": "hour"}) == "interventions[0].start, hours"
    with pytest.raises(HyosanError, match="unknown outcome"):
        plot_sweep(reference, tmp_path / "x.png", "peak_infection")


def test_command_runs_continues_and_refuses(town, client, tmp_path):
    app = typer.Typer()
    app.command("sweep")(sweep_command)
    app.command("other")(lambda: None)  # more than one command: `sweep` is a subcommand
    out = tmp_path / "cli.zarr"
    address = client.scheduler.address
    args = ["sweep", str(town), "--vary", "model.parameters.hop=0.2,0.5", "--runs", "3",
            "--seed", "4", "--out", str(out), "--scheduler", address, "--json"]  # fmt: skip
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    info = json.loads(first.stdout.strip().splitlines()[-1])
    assert info["runs_done"] == 6 and info["tasks_this_time"] >= 1
    again = CliRunner().invoke(app, args)
    assert json.loads(again.stdout.strip().splitlines()[-1])["tasks_this_time"] == 0
    other = CliRunner().invoke(app, [*args[:3], "model.parameters.hop=0.3", *args[4:]])
    assert other.exit_code == 2 and "different sweep" in other.output
    ds = xr.open_zarr(out)
    assert list(ds["model.parameters.hop"].values) == [0.2, 0.5]
    assert ds.attrs["sweep_status"] == "complete"


def test_client_memory_does_not_hold_results(town, client, tmp_path):
    """Results go to the store as they come: the client keeps no futures once written."""
    seen = []
    plan = api.prepare(town, {"model.parameters.hop": [0.1, 0.2, 0.3]}, 4, 1)
    store = SweepStore.open(tmp_path / "m.zarr", plan.axes, plan.runs, plan.description())
    runner.execute(plan, store, client, 1, batch=1, report=lambda r, t: seen.append(
        len(client.futures)))  # fmt: skip
    assert max(seen) <= 2 * 2  # the window of tasks in flight, never all twelve
    time.sleep(0.1)
    assert threading.active_count() < 50


def test_a_task_uses_its_share_of_the_cores_whatever_the_load(town, monkeypatch):
    """The sweep's own client, busy writing the last task, must not halve a worker's threads;
    a task too small for a second thread keeps one."""
    import numba

    from hyosan.run import threads
    from hyosan.sweeps.tasks import TaskSpec, run_task

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread here")
    monkeypatch.setattr(threads, "busy_cores", lambda samples=3: 1)  # one core "busy"
    plan = api.prepare(town, {"model.parameters.beta": BETAS}, 4, 11)

    def used(runs: int) -> int:
        spec = TaskSpec(plan.source, tuple(plan.overrides((0,))), (0,), 0, runs, 11, threads=2)
        return int(run_task(spec)[1].attrs["threads"])

    assert used(4) == 2  # 4 runs x 25 places: work for two threads
    assert used(1) == 1  # 1 run x 25 places: too small for a second
    assert threads.choose_threads(None, 4 * 25) == 1  # simulate's own default counts the load


def test_sigterm_stops_the_command_as_ctrl_c_does(town, client, tmp_path):
    """A batch system's time limit (SIGTERM) keeps every finished task, exits 143, and the same
    command continues."""
    import subprocess
    import sys

    import zarr

    script = Path(sys.executable).with_name("hyosan")
    hyosan = [str(script)] if script.exists() else [sys.executable, "-m", "hyosan.cli"]
    out = tmp_path / "term.zarr"
    args = [*hyosan, "sweep", str(town), "--vary", "model.parameters.hop=0.2,0.5", "--runs",
            "60", "--seed", "4", "--batch", "1", "--out", str(out), "--quiet",
            "--scheduler", client.scheduler.address]  # fmt: skip

    def done() -> int:
        try:
            return int(zarr.open_group(str(out), mode="r")["done"][:].sum())
        except Exception:  # not created yet
            return 0

    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while done() < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr.decode()
    ds = xr.open_zarr(out)
    assert ds.attrs["sweep_status"] == "interrupted" and json.loads(ds.attrs["point_errors"]) == {}
    kept = int(ds["done"].sum())
    assert 3 <= kept < 120
    again = subprocess.run(args, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    ds = xr.open_zarr(out)
    assert ds.attrs["sweep_status"] == "complete" and int(ds["done"].sum()) == 120


def test_the_command_ends_with_a_table_of_its_points(reference):
    from rich.console import Console

    from hyosan.sweeps.report import point_table

    console = Console(width=200, record=True)
    console.print(point_table(reference))
    text = console.export_text()
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == 4  # 2 betas x 2 starts, one line each at this width
    assert "beta" in text and "interventions[0].start" in text and "on-jo human" in text
    share = float(reference["extinct_share"].isel({"model.parameters.beta": 0}).values[0])
    assert rows[0].split("│")[1].strip() == "0.1/hour" and f"{share:.0%} (" in rows[0]
    assert point_table(reference, max_rows=2).caption == "... and 2 more points in the store"
    narrow = point_table(reference, width=80)  # no room for on-jo's column: said, not cut
    assert "on-jo human" not in [c.header for c in narrow.columns]
    assert narrow.caption == "1 more character(s) in the store (character_human_share)"
    from hyosan.sweeps.report import _number

    assert [_number(v) for v in (4_985_445, 123_456, 8.8765)] == ["4.99 M", "123 k", "8.88"]


def test_a_sweep_that_would_fill_its_disk_stops_early_and_keeps_its_runs(
    town, client, tmp_path, monkeypatch
):
    """The store's growth over its first chunks is measured against the disk's free space."""
    import shutil
    from collections import namedtuple

    from hyosan.sweeps import store as stores

    usage = namedtuple("usage", "total used free")
    real_usage = shutil.disk_usage
    monkeypatch.setattr(stores.shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 5000, 5000))
    plan = api.prepare(town, {"model.parameters.hop": [0.1, 0.2]}, 40, 1)
    store = SweepStore.open(tmp_path / "full.zarr", plan.axes, plan.runs, plan.description())
    with pytest.raises(stores.StoreFullError, match=r"needs about .* KiB on this disk"):
        runner.execute(plan, store, client, 1, batch=8)
    kept = int(store.done.sum())
    assert stores.ROOM_CHECK_RUNS <= kept < 80
    ds = xr.open_zarr(tmp_path / "full.zarr")
    assert ds.attrs["sweep_status"] == "interrupted" and int(ds["done"].sum()) == kept
    monkeypatch.setattr(stores.shutil, "disk_usage", real_usage)
    again = SweepStore.open(tmp_path / "full.zarr", plan.axes, plan.runs, plan.description())
    assert runner.execute(plan, again, client, 1, batch=8).status == "complete"  # room again
