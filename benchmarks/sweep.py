"""Sweeps on Dask against a plain loop of ``simulate`` calls doing the same work in one process.

- overhead: histories per second of a sweep on one local worker against the plain loop (both
  with the same kernel threads), the worker already started and its kernels loaded;
- scaling: two workers of one kernel thread each against one worker of one kernel thread;
- memory: the client's peak resident memory as the number of tasks grows (one run per task).

The work: an SZR town (a 40x40 grid, 20 people a cell, tau steps of 0.0002 h for 48 h), four
points of ``model.parameters.beta``, ``--runs`` histories each. Timings are medians of
``--rounds`` rounds taken in turn, so a busy machine disturbs every configuration alike.

    python benchmarks/sweep.py [--runs 16] [--rounds 3] [--batch 4] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import psutil

from hyosan.sweeps import api
from hyosan.sweeps import source as sources

TOWN = """
name = "bench-town"

[world.grid]
shape = [40, 40]
counts = { S = 20 }

[model]
name = "szr"
parameters = { beta = "0.02/hour", kappa = "0.005/hour", hop = "0.5/hour" }

[[outbreak]]
place = "20,20"
count = 5

[run]
engine = "tau"
t_end = "48 hours"
dt = 0.0002
record_every = 0.5
"""
BETAS = ["0.01/hour", "0.02/hour", "0.04/hour", "0.08/hour"]
SEED = 7


def plain_loop(town: Path, runs: int, threads: int) -> float:
    """Seconds for every point's runs, one ``simulate`` call per point, in this process."""
    import numba

    from hyosan.run.simulate import simulate

    numba.set_num_threads(threads)
    plan = api.prepare(town, {"model.parameters.beta": BETAS}, runs, SEED)
    started = time.perf_counter()
    for k in range(len(BETAS)):
        loaded = sources.load(plan.source, plan.overrides((k,)))
        simulate(
            loaded.scenario, runs=runs, seed=SEED, progress=False,
            **loaded.settings.simulate_kwargs(),
        )  # fmt: skip
    return time.perf_counter() - started


def swept(
    town: Path, runs: int, client: object, threads: int, folder: Path, batch: int | None = None
) -> float:
    """Seconds for the same work as a sweep on ``client``'s workers (store written included)."""
    out = folder / f"sweep-{time.perf_counter_ns()}.zarr"
    started = time.perf_counter()
    api.sweep(
        town, {"model.parameters.beta": BETAS}, runs, SEED, out=out, client=client,
        threads=threads, batch=batch, progress=False,
    )  # fmt: skip
    return time.perf_counter() - started


def client_peak_mib(town: Path, tasks: int, client: object, folder: Path) -> float:
    """Peak resident memory (MiB) of this process during a sweep of ``tasks`` one-run tasks."""
    process = psutil.Process()
    peak = process.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, process.memory_info().rss)

    watcher = threading.Thread(target=sample)
    watcher.start()
    try:
        api.sweep(
            town, {"run.t_end": [0.5]}, tasks, SEED, out=folder / f"memory-{tasks}.zarr",
            client=client, batch=1, threads=1, progress=False, record_every=0.25,
        )  # fmt: skip
    finally:
        done.set()
        watcher.join()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="histories per point")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4, help="runs per task (same for all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    folder = Path(tempfile.mkdtemp(prefix="hyosan-bench-sweep-"))
    town = folder / "town.toml"
    town.write_text(TOWN)
    histories = args.runs * len(BETAS)
    plain_loop(town, 2, 1)  # compile (or load) the kernels here
    times: dict[str, list[float]] = {"plain, 1 thread": [], "plain, 2 threads": []}
    times.update({"sweep, 1 worker x 1 thread": [], "sweep, 1 worker x 2 threads": []})
    times["sweep, 2 workers x 1 thread"] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None)
        two = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with one, two, Client(one) as c1, Client(two) as c2:
        for client in (c1, c2):  # start the workers and load their kernels
            swept(town, 2, client, 1, folder)
        for _ in range(args.rounds):
            times["plain, 1 thread"].append(plain_loop(town, args.runs, 1))
            times["plain, 2 threads"].append(plain_loop(town, args.runs, 2))
            for name, client, threads in (
                ("sweep, 1 worker x 1 thread", c1, 1),
                ("sweep, 1 worker x 2 threads", c1, 2),
                ("sweep, 2 workers x 1 thread", c2, 1),
            ):
                times[name].append(swept(town, args.runs, client, threads, folder, args.batch))
        memory = {tasks: client_peak_mib(town, tasks, c2, folder) for tasks in (10, 40, 160)}
    rate = {name: histories / statistics.median(values) for name, values in times.items()}
    results = {
        "histories": histories,
        "cores": psutil.cpu_count(),
        "load_average": list(psutil.getloadavg()),
        "histories_per_s": rate,
        "seconds": times,
        "overhead_1_thread": rate["sweep, 1 worker x 1 thread"] / rate["plain, 1 thread"],
        "overhead_2_threads": rate["sweep, 1 worker x 2 threads"] / rate["plain, 2 threads"],
        "scaling_2_workers": rate["sweep, 2 workers x 1 thread"]
        / rate["sweep, 1 worker x 1 thread"],
        "client_peak_mib_by_tasks": memory,
    }
    if args.json:
        print(json.dumps(results))
        return
    print(f"{histories} histories ({len(BETAS)} points x {args.runs}), {args.rounds} rounds")
    for name, value in rate.items():
        print(f"  {name:30s} {value:8.2f} histories/s   (seconds: {times[name]})")
    print(f"overhead: sweep / plain = {results['overhead_1_thread']:.2f} (1 thread), "
          f"{results['overhead_2_threads']:.2f} (2 threads)")  # fmt: skip
    print(f"scaling: 2 workers / 1 worker = {results['scaling_2_workers']:.2f}")
    print("client peak memory: " + ", ".join(f"{t} tasks {m:.0f} MiB" for t, m in memory.items()))
    print(f"load average during the run: {results['load_average']}")


if __name__ == "__main__":
    sys.exit(main())
