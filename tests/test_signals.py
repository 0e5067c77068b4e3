"""Signals during a run: SIGINT and SIGTERM stop it within about a second, keeping the runs and
the time already simulated (``status = 'interrupted'``, exit 130 / 143); kill -9 during a write
leaves the file at the output path whole.

The world is a 60 x 60 SZR lattice with tau's fixed steps (whose advances are cut into slices of
about 0.2 s to check for a signal); each run takes a few seconds of CPU.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hyosan import simulate
from hyosan.results.io import load
from hyosan.scenarios.lattice import szr_lattice

REACTION_SECONDS = 1.5
"""How soon a stop must follow the signal: one slice (~0.2 s) plus the load of a shared machine."""
EXIT_SECONDS = 2.0
"""Then the write and the interpreter's exit (about 1 s on a loaded 2-core machine, measured)."""

LATTICE = """
name = "lattice"

[world.grid]
shape = [60, 60]
counts = { S = 20 }

[model]
name = "szr"
parameters = { beta = "0.05/hour", kappa = "0.02/hour", hop = "0.5/hour" }

[[outbreak]]
place = "30,30"
count = 10

[run]
engine = "tau"
dt = 0.05
record_every = 40
"""


@pytest.fixture
def world(tmp_path: Path) -> list[str]:
    """`hyosan run` arguments for the lattice, with tau's fixed steps (sliced advances)."""
    path = tmp_path / "lattice.toml"
    path.write_text(LATTICE)
    return [str(path), "-q"]


def _hyosan() -> list[str]:
    script = Path(sys.executable).with_name("hyosan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hyosan.cli"]


def test_a_signal_inside_a_chunk_keeps_the_time_simulated():
    """One chunk of 400 hours would take ~15 s: SIGINT after 1 s stops it within a slice."""
    scenario = szr_lattice(60)
    simulate(scenario, engine="tau", dt=0.05, t_end=0.1, seed=1)  # kernels loaded before timing
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    started = time.perf_counter()
    timer.start()
    ds = simulate(scenario, engine="tau", dt=0.05, t_end=400, record_every=400, seed=1)
    elapsed = time.perf_counter() - started
    timer.join()
    assert ds.attrs["status"] == "interrupted"
    reached = float(ds["time"].values[-1])
    assert ds["time"].values[0] == 0 and 0 < reached < 400  # inside the only chunk, kept
    assert elapsed < 1.0 + REACTION_SECONDS, elapsed
    people = ds["counts"].isel(run=0).sum(["region", "compartment"]).values
    assert people[-1] == people[0] > 0  # the state at the stop, whole


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_hyosan_run_stopped_by_a_signal_keeps_runs_and_time(tmp_path, world, signum, code):
    out = tmp_path / "cut.nc"
    process = subprocess.Popen(
        [*_hyosan(), "run", *world, "--t-end", "300", "--runs", "3", "--batch", "1",
         "--seed", "1", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while not out.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert out.exists(), process.communicate(timeout=30)
    time.sleep(1.0)  # well inside the second run
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    reaction = time.monotonic() - sent
    assert process.returncode == code, stderr.decode()
    assert reaction < REACTION_SECONDS + EXIT_SECONDS, reaction  # the write and the exit too
    ds = load(out)
    assert ds.attrs["status"] == "interrupted" and ds.attrs["runs_requested"] == 3
    assert ds.sizes["run"] == 2
    until = ds["simulated_until"].values
    assert until[0] == 300 and 0 < until[1] < 300
    last = ds["counts"].isel(run=1, time=-1).values
    assert (last == -1).all()  # a time the second run did not reach
    assert "Traceback" not in stderr.decode()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_kill_during_a_write_leaves_the_earlier_file_whole(tmp_path, world):
    out = tmp_path / "r.nc"
    first = subprocess.run(
        [*_hyosan(), "run", *world, "--t-end", "1", "--record-every", "0.5", "--runs", "2",
         "--seed", "1", "--out", str(out)],
        capture_output=True, timeout=240,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr.decode()
    earlier = load(out)["counts"].values
    process = subprocess.Popen(
        [*_hyosan(), "run", *world, "--t-end", "40", "--runs", "4", "--batch", "1",
         "--seed", "2", "--out", str(out), "--overwrite"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if [p for p in tmp_path.iterdir() if p.name.startswith(".r.")]:
            break  # a write has begun beside the file
        time.sleep(0.01)
    process.kill()
    process.wait(timeout=30)
    ds = load(out)  # the earlier file, or a later one written whole: never half of one
    if ds.attrs["seed"] == "1":
        assert np.array_equal(ds["counts"].values, earlier)
    else:
        assert ds.attrs["status"] == "interrupted"  # its writer was killed
        assert ds.sizes["run"] >= 1
    again = subprocess.run(
        [*_hyosan(), "run", *world, "--t-end", "1", "--record-every", "0.5", "--runs", "1",
         "--seed", "3", "--out", str(out), "--overwrite"],
        capture_output=True, timeout=240,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr.decode()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the dead's removed
