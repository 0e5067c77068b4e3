"""The command line: run, validate, info, plot, schema; exit codes; interruption; re-runs."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hyosan.cli import app
from hyosan.results.io import load

runner = CliRunner()

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

[run]
engine = "ssa"
runs = 3
t_end = "12 hours"
seed = 5
record_every = 1
snapshot_every = 3
"""


@pytest.fixture
def town(tmp_path: Path) -> Path:
    path = tmp_path / "town.toml"
    path.write_text(TOWN)
    return path


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_run_file_saves_results_with_source_and_seed(town, tmp_path):
    out = tmp_path / "town.nc"
    result = invoke("run", town, "--out", out, "--json", "--batch", 2)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["runs"] == 3 and report["status"] == "complete"
    ds = load(out)
    assert ds.sizes["run"] == 3 and ds["run"].values.tolist() == [0, 1, 2]
    assert ds.attrs["source"] == TOWN and ds.attrs["source_format"] == "toml"
    assert ds.attrs["seed"] == "5"
    assert ds.attrs["runs_requested"] == 3
    assert "place_x" in ds and ds.sizes["snapshot_time"] == 5  # 0, 3, ..., 12 hours
    people = ds["counts"].isel(time=-1).sum(["region", "compartment"]).values
    assert (people == 250).all()  # nobody created or lost


def test_run_builtin_name_with_overrides(tmp_path):
    out = tmp_path / "lattice.nc"
    result = invoke(
        "run", "szr-lattice", "--set", "world.options.size=6", "--runs", 2, "--seed", 1,
        "--engine", "ssa", "--t-end", "10", "--out", out, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ds = load(out)
    assert ds.sizes["run"] == 2 and ds.attrs["engine"] == "ssa"
    assert ds.attrs["source"] == "szr-lattice" and ds.attrs["source_format"] == "name"
    assert "world.options.size=6" in json.loads(ds.attrs["overrides"])
    assert float(ds["time"][-1]) == 10.0


def test_run_without_seed_records_the_seed_it_drew(town, tmp_path):
    out = tmp_path / "a.nc"
    result = invoke("run", town, "--set", "run.seed=", "--runs", 1, "--out", out, "-q")
    assert result.exit_code == 2  # an empty value is not a seed
    no_seed = tmp_path / "no-seed.toml"
    no_seed.write_text(TOWN.replace("seed = 5\n", ""))
    assert invoke("run", no_seed, "--runs", 1, "--out", out, "-q").exit_code == 0
    drawn = load(out).attrs["seed"]
    assert json.loads(load(out).attrs["options"])["seed"] == int(drawn)  # --from re-runs it


def test_from_reproduces_the_file_bit_for_bit(town, tmp_path):
    first, again = tmp_path / "first.nc", tmp_path / "again.nc"
    assert invoke("run", town, "--set", "run.runs=4", "--out", first, "-q").exit_code == 0
    assert invoke("run", "--from", first, "--out", again, "-q", "--batch", 3).exit_code == 0
    a, b = load(first), load(again)
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert a[name].equals(b[name]), name

    def attrs(ds):  # as text, so that NaN equals NaN; wall time differs from run to run
        return {k: str(v) for k, v in ds.attrs.items() if k != "wall_seconds"}

    assert attrs(a) == attrs(b)
    assert np.array_equal(a["counts"].values, b["counts"].values)


def test_zarr_output_and_summaries(town, tmp_path):
    pytest.importorskip("zarr")
    pytest.importorskip("pyarrow")
    import pandas as pd

    nc, zarr_path = tmp_path / "a.nc", tmp_path / "a.zarr"
    csv, parquet = tmp_path / "a.csv", tmp_path / "a.parquet"
    assert invoke("run", town, "--out", nc, "--summary", csv, "-q").exit_code == 0
    result = invoke("run", town, "--out", zarr_path, "--summary", parquet, "--batch", 1, "-q")
    assert result.exit_code == 0, result.output
    a, b = load(nc), load(zarr_path)
    assert np.array_equal(a["counts"].values, b["counts"].values)
    assert np.array_equal(a["character_fate"].values, b["character_fate"].values)
    assert b.attrs["runs"] == 3 and b.attrs["status"] == "complete"
    table_csv, table_parquet = pd.read_csv(csv), pd.read_parquet(parquet)
    assert len(table_csv) == len(table_parquet) == 3
    assert {"run", "peak_infectious", "peak_time", "fate:on-jo"} <= set(table_csv.columns)
    assert table_csv["peak_infectious"].tolist() == table_parquet["peak_infectious"].tolist()


def test_validate_info_schema_and_scenarios(town, tmp_path):
    result = invoke("validate", town, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["places"] == 25 and report["characters"] == ["on-jo"]
    assert "ok" in invoke("validate", town).stdout
    schema = json.loads(invoke("schema").stdout)
    assert "world" in schema["properties"]
    reference = invoke("schema", "--markdown").stdout
    assert reference.startswith("# hyosan scenario file") and "## `[run]`" in reference
    listing = json.loads(invoke("scenarios", "--json").stdout)
    assert "szr-lattice" in listing
    out = tmp_path / "r.nc"
    invoke("run", town, "--out", out, "-q")
    info = json.loads(invoke("info", out, "--json").stdout)
    assert info["runs"] == 3 and info["seed"] == "5" and info["rerun"]
    assert "hyosan run --from" in invoke("info", out).stdout


def test_plot_command_names_its_output_after_the_results(town, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.nc"
    invoke("run", town, "--out", out, "-q")
    result = invoke("plot", out, "--kind", "map", "--json")  # every kind: tests/test_plots.py
    assert result.exit_code == 0, result.output
    written = Path(json.loads(result.stdout)["out"])
    assert written == tmp_path / "r-map.png" and written.stat().st_size > 5000
    result = invoke("plot", out, "--kind", "map", "--time", "99", "--overwrite")
    assert result.exit_code == 2 and "--time 99" in result.stderr


# ------------------------------------------------------------------------------------------------
# Bad input: exit code 2 and a message that names the key or value.
def test_bad_scenario_file_exits_2_naming_the_key(town, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TOWN.replace('place = "2,2"', 'place = "7,7"'))
    result = invoke("run", bad)
    assert result.exit_code == 2
    assert "outbreak[0].place" in result.stderr and "'7,7'" in result.stderr
    result = invoke("validate", town, "--set", "run.runs=-1", "--json")
    assert result.exit_code == 2
    assert "run.runs" in json.loads(result.stdout)["error"]
    result = invoke("run", town, "--set", "model.parameters.beta=-1/hour")
    assert result.exit_code == 2 and "model.parameters.beta" in result.stderr


def test_unknown_names_and_files_exit_2(town, tmp_path):
    result = invoke("run", "szr-latice")
    assert result.exit_code == 2 and "did you mean 'szr-lattice'" in result.stderr
    result = invoke("run", town, "--set", "runs")
    assert result.exit_code == 2 and "key=value" in result.stderr
    result = invoke("run", town, "--out", tmp_path / "results.csv")
    assert result.exit_code == 2 and "--out" in result.stderr
    not_toml = tmp_path / "notes.txt"
    not_toml.write_text("hello")
    result = invoke("validate", not_toml)
    assert result.exit_code == 2 and ".toml, .yaml or .yml" in result.stderr
    result = invoke("plot", town, "--kind", "curve")
    assert result.exit_code == 2 and "did you mean 'curves'" in result.stderr


def test_results_file_that_is_not_ours_exits_2(tmp_path):
    import xarray as xr

    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", np.arange(3))}).to_netcdf(foreign, engine="h5netcdf")
    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(b"not a netcdf file at all")
    for path in (foreign, garbage):
        for args in (("info", path), ("plot", path), ("run", "--from", path)):
            result = invoke(*args)
            assert result.exit_code == 2, args
            assert "not a hyosan results file" in result.stderr
            assert str(path.name) in result.stderr
    assert "'counts'" in invoke("info", foreign).stderr  # names what is missing


# ------------------------------------------------------------------------------------------------
def _hyosan() -> list[str]:
    script = Path(sys.executable).with_name("hyosan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hyosan.cli"]


def test_interrupt_keeps_the_runs_that_finished(tmp_path):
    slow = tmp_path / "slow.toml"
    slow.write_text(
        TOWN.replace("shape = [5, 5]", "shape = [8, 8]")
        .replace("runs = 3", "runs = 500")
        .replace("snapshot_every = 3\n", "batch = 1\n")
    )
    out = tmp_path / "slow.nc"
    process = subprocess.Popen(
        [*_hyosan(), "run", str(slow), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    deadline = time.monotonic() + 120
    while not out.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert out.exists(), process.communicate(timeout=30)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted" in stderr
    ds = load(out)
    runs = ds.sizes["run"]
    assert 1 <= runs < 500
    assert ds["run"].values.tolist() == list(range(runs))
    assert ds.attrs["status"] == "interrupted" and ds.attrs["runs_requested"] == 500
    whole = ds["simulated_until"].values == ds.attrs["t_end"]  # a run cut short is kept too
    assert whole[:-1].all()
    people = ds["counts"].isel(time=-1).sum(["region", "compartment"]).values
    assert (people[whole] == 640).all()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------------------------------------------
# What a new user sees first: the version, messages as written, warnings before a run.
def test_version():
    from hyosan import __version__

    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"hyosan {__version__}"


def test_square_brackets_in_messages_are_printed_as_written(town, tmp_path):
    out = tmp_path / "r.nc"
    invoke("run", town, "--set", "characters=[]", "--out", out, "-q")
    result = invoke("plot", out, "--kind", "characters")
    assert result.exit_code == 2
    assert "add [[characters]] to the scenario" in result.stderr  # not "add [] to"
    bracketed = tmp_path / "[red]town.toml"
    bracketed.write_text(TOWN.replace('name = "town"', 'name = "[bold]town[/bold]"'))
    result = invoke("run", bracketed, "--runs", 1)
    assert result.exit_code == 0, result.output
    assert "[bold]town[/bold]: 1 run(s)" in result.stdout
    assert "[red]town.toml" in invoke("validate", bracketed).stdout


def test_warnings_of_a_run_are_printed_before_the_report(town):
    result = invoke("run", town, "--set", "model.parameters.hop=0/hour", "--runs", 1)
    assert result.exit_code == 0, result.output
    assert "warning: nobody can move" in result.stderr and "model.parameters.hop" in result.stderr
    result = invoke("validate", town, "--set", "model.parameters.hop=0", "--json")
    report = json.loads(result.stdout)
    assert any("nobody can move" in w for w in report["warnings"])


def test_a_step_far_too_coarse_is_bad_input_unless_insisted_on(town):
    beta = "model.parameters.beta=2/hour"
    args = ("run", town, "--engine", "tau", "--dt", "1 hour", "--set", beta)
    result = invoke(*args)
    assert result.exit_code == 2 and "--allow-coarse-dt" in result.stderr
    assert "reaction 'bite'" in result.stderr
    result = invoke(*args, "--allow-coarse-dt", "--runs", 1)
    assert result.exit_code == 0 and "warning: dt = 1 is too coarse" in result.stderr
