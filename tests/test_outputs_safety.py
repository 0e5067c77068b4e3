"""Outputs under hostile conditions: paths checked before any work by one rule for every format,
no existing file replaced without --overwrite, never a half-written file (a full disk, a kill
during an append), a Zarr folder that is not ours never deleted, and files that tell the truth
about how many runs are done.

The world is a well-mixed SZR solved with the ode engine (no kernel to compile), so each
command takes about a second; the full-disk and read-only cases mount a small tmpfs and are
skipped with the reason where the process may not mount one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from hyosan.cli import app
from hyosan.results.batches import ResultsWriter
from hyosan.results.io import load, save, save_summary
from hyosan.results.paths import OutputError, check_output

BASE = """
name = "base"

[world.well_mixed]
counts = { S = 100, Z = 1 }

[model]
name = "szr"
parameters = { beta = "0.01/hour", kappa = "0.005/hour" }

[run]
engine = "ode"
runs = 3
t_end = 10
seed = 1
record_every = 1
"""


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base.toml"
    path.write_text(BASE)
    return path


def _results(runs: int = 4, noise: int = 0) -> xr.Dataset:
    """A small results Dataset as the writers see it (random counts do not compress)."""
    rng = np.random.default_rng(noise)
    counts = rng.integers(0, 1000, (runs, 50, 1, 3)) if noise else np.ones((runs, 50, 1, 3), int)
    ds = xr.Dataset(
        {
            "counts": (("run", "time", "region", "compartment"), counts),
            "peak_infectious": ("run", counts[:, :, 0, 1].max(axis=1).astype(float)),
        },
        coords={"run": np.arange(runs), "time": np.arange(50.0), "region": ["all"],
                "compartment": ["S", "Z", "R"]},
    )  # fmt: skip
    ds.attrs.update(hyosan_version="test", status="complete", runs=runs)
    return ds


# ------------------------------------------------------------------------------------------------
def test_one_rule_for_every_output_path(tmp_path):
    with pytest.raises(OutputError, match=r"no_such_dir.*does not exist"):
        check_output(tmp_path / "no_such_dir" / "x.nc")
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(OutputError, match=r"afile.*is a file, not a folder"):
        check_output(afile / "x.csv", key="summary")
    (tmp_path / "dir.nc").mkdir()
    with pytest.raises(OutputError, match=r"dir\.nc.*is a folder"):
        check_output(tmp_path / "dir.nc")
    with pytest.raises(OutputError, match=r"--overwrite"):
        check_output(afile)
    assert check_output(afile, overwrite=True) == afile
    precious = tmp_path / "precious.zarr"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match=r"not a hyosan Zarr store"):
        check_output(precious, overwrite=True)
    with pytest.raises(OutputError, match=r"precious\.zarr.*not a hyosan Zarr store"):
        save(_results(), precious, overwrite=True)
    assert (precious / "thesis.tex").read_text() == "years of work"
    if Path("/dev/full").exists():  # never replaced by a file, whatever overwrite says
        with pytest.raises(OutputError, match="not a regular file"):
            check_output(Path("/dev/full"), overwrite=True)
    existing = tmp_path / "s.csv"
    existing.write_text("keep")
    with pytest.raises(OutputError, match="already exists"):
        save_summary(_results(), existing, overwrite=False)
    assert existing.read_text() == "keep"


def test_every_command_checks_its_path_before_working(base, tmp_path):
    missing = tmp_path / "no_such_dir"
    cases = [
        ("run", base, "--out", missing / "x.nc"),
        ("run", base, "--out", missing / "x.zarr"),
        ("run", base, "--summary", missing / "s.csv"),
        ("schema", "--out", missing / "schema.json"),
    ]
    for args in cases:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "no_such_dir" in result.stderr and "Traceback" not in result.output
    assert not missing.exists()  # .zarr does not create the folder either
    out = tmp_path / "r.nc"
    assert invoke("run", base, "--out", out, "-q").exit_code == 0
    before = out.read_bytes()
    out.with_suffix(".csv").write_text("keep")
    refused = [
        ("run", base, "--out", out, "-q"),
        ("plot", out, "--out", out.with_suffix(".csv")),
        ("info", out, "--summary", out.with_suffix(".csv")),
        ("schema", "--out", out),
    ]
    for args in refused:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "already exists" in result.stderr and "--overwrite" in result.stderr
    assert out.read_bytes() == before and out.with_suffix(".csv").read_text() == "keep"
    assert invoke("run", base, "--out", out, "-q", "--seed", "2", "--overwrite").exit_code == 0
    assert load(out).attrs["seed"] == "2"
    image = tmp_path / "curves.png"
    assert invoke("plot", out, "--out", image, "-q").exit_code == 0
    assert invoke("plot", out, "--out", image, "-q").exit_code == 2
    assert invoke("plot", out, "--out", image, "-q", "--overwrite").exit_code == 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_zarr_store_replaced_only_when_ours_and_only_when_complete(base, tmp_path):
    store = tmp_path / "r.zarr"
    assert invoke("run", base, "--out", store, "-q", "--runs", "2").exit_code == 0
    assert invoke("run", base, "--out", store, "-q").exit_code == 2
    assert load(store).sizes["run"] == 2
    assert invoke("run", base, "--out", store, "-q", "--runs", "5", "--overwrite").exit_code == 0
    back = load(store)
    assert back.sizes["run"] == 5 and back.attrs["status"] == "complete"
    foreign = tmp_path / "other.zarr"
    foreign.mkdir()
    (foreign / "data.bin").write_bytes(b"\x01" * 10)
    result = invoke("run", base, "--out", foreign, "-q", "--overwrite")
    assert result.exit_code == 2 and "not a hyosan Zarr store" in result.stderr
    assert (foreign / "data.bin").read_bytes() == b"\x01" * 10


def test_a_store_cut_during_an_append_says_how_many_runs_are_done(tmp_path):
    """A kill between or during appends: the store holds the runs written whole, and says it
    was interrupted once its writer is gone (here: a process id that no longer runs)."""
    store = tmp_path / "cut.zarr"
    writer = ResultsWriter(store, {"source": "test"})
    writer.append(_results(2))
    writer.append(_results(2).assign_coords(run=[2, 3]))
    assert load(store).attrs["status"] == "running"  # its writer (this process) still runs
    half = _results(2).assign_coords(run=[4, 5])[["counts"]]  # an append cut after one array
    half.attrs = load(store).attrs  # as the writer sets them before an append
    half.to_zarr(store, append_dim="run", zarr_format=2)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    import zarr

    zarr.open_group(str(store), mode="a", zarr_format=2).attrs["writer"] = f"{os.uname()[1]}:{dead}"
    back = load(store)
    assert back.sizes["run"] == 4 and back.attrs["runs"] == 4
    assert back.attrs["status"] == "interrupted"
    assert back["run"].values.tolist() == [0, 1, 2, 3]
    info = invoke("info", store, "--json")
    assert info.exit_code == 0 and '"status": "interrupted"' in info.stdout


def _dead_pid() -> str:
    """The process id of a process that has ended."""
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip


def test_an_ensemble_replacing_a_file_keeps_it_until_the_run_ends(tmp_path):
    """--overwrite: the earlier file stays whole while the new runs stream (a full disk or a
    kill -9 midway leaves it), and the new file takes its place when the run ends."""
    path = tmp_path / "r.nc"
    save(_results(3), path)
    before = path.read_bytes()
    writer = ResultsWriter(path, {"source": "test"})
    writer.append(_results(2))
    writer.append(_results(2).assign_coords(run=[2, 3]))
    assert path.read_bytes() == before  # a kill here would leave the earlier file
    writer.finish("complete")
    back = load(path)
    assert back.sizes["run"] == 4 and back.attrs["status"] == "complete"
    fresh = ResultsWriter(tmp_path / "new.nc", {"source": "test"})
    fresh.append(_results(2))
    assert load(tmp_path / "new.nc").sizes["run"] == 2  # no earlier file: published at once
    fresh.finish("complete")


def test_a_store_moved_aside_by_a_killed_swap_is_put_back(base, tmp_path):
    """A kill between the two renames of a swap leaves the earlier store under its hidden
    '.old' name and nothing at the path: the next writer puts it back instead of deleting it."""
    store = tmp_path / "s.zarr"
    save(_results(3), store)
    aside = tmp_path / f".s.old-{_dead_pid()}.zarr"
    os.replace(store, aside)
    stale = tmp_path / f".s.writing-{_dead_pid()}.zarr"
    stale.mkdir()
    assert load(store).sizes["run"] == 3 and not aside.exists()  # reading puts it back
    os.replace(store, aside)
    refused = invoke("run", tmp_path / "base.toml", "--out", store, "-q")
    assert refused.exit_code == 2 and "exists" in refused.stderr  # back, so not replaced
    assert load(store).sizes["run"] == 3
    assert invoke("run", tmp_path / "base.toml", "--out", store, "-q", "--overwrite").exit_code == 0
    assert not stale.exists()  # a killed writer's own temporaries go at the next write


# ------------------------------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    """A 512 KiB tmpfs: room for a small file, not for a large one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (not root?): {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_keeps_the_earlier_file_and_says_so(tiny_disk):
    small, large = _results(2), _results(2000, noise=1)
    many_runs = xr.Dataset({"peak_infectious": ("run", np.random.default_rng(2).random(100_000))})
    for name, write in (
        ("r.nc", lambda ds, p: save(ds, p)),
        ("r.zarr", lambda ds, p: save(ds, p)),
        ("s.csv", lambda ds, p: save_summary(ds, p)),
    ):
        path = tiny_disk / name
        write(small, path)
        earlier = load(path)["counts"].values if name != "s.csv" else path.read_text()
        bigger = large if name != "s.csv" else many_runs
        with pytest.raises(OutputError, match=rf"could not write .*{name}.*unchanged"):
            write(bigger, path)
        again = load(path)["counts"].values if name != "s.csv" else path.read_text()
        assert np.array_equal(again, earlier) if name != "s.csv" else again == earlier
        assert sorted(p.name for p in tiny_disk.iterdir()) == [name]
        for leftover in tiny_disk.iterdir():
            subprocess.run(["rm", "-rf", str(leftover)], check=True)


def test_a_full_disk_in_the_cli_exits_2_without_a_traceback(base, tiny_disk):
    out = tiny_disk / "r.nc"
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\x00" * 500_000)
    done = subprocess.run(
        [sys.executable, "-m", "hyosan.cli", "run", str(base), "--runs", "40", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "could not write" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_read_only_folder_is_refused_before_the_run(base, tiny_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    for args in (
        ("run", base, "--out", tiny_disk / "r.nc"),
        ("run", base, "--out", tiny_disk / "r.zarr"),
        ("run", base, "--summary", tiny_disk / "s.parquet"),
        ("schema", "--out", tiny_disk / "schema.json"),
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "cannot write in" in result.stderr


# ------------------------------------------------------------------------------------------------
def test_run_keys_of_a_late_batch_hold_no_earlier_runs():
    """Run k's key is SeedSequence.spawn's k-th child, made without the k before it (memory and
    time flat in the batch's position)."""
    from hyosan.run.simulate import run_keys

    for seed, runs, first in ((0, 5, 0), (11, 4, 0), (2**62 + 5, 7, 13), (123, 3, 1000)):
        children = np.random.SeedSequence(seed).spawn(first + runs)[first:]
        spawned = [child.generate_state(1, np.uint64)[0] for child in children]
        assert run_keys(seed, runs, first).tolist() == spawned
