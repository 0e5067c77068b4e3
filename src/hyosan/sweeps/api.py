"""``hyosan.sweep``: many ensembles of one scenario, one per combination of varied keys, on Dask."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from hyosan.errors import HyosanError
from hyosan.sweeps import aggregates, cluster, runner
from hyosan.sweeps import plan as plans
from hyosan.sweeps import source as sources
from hyosan.sweeps.store import SweepStore, read_sweep

PASSED_TO_SIMULATE = ("accuracy",)
"""``simulate`` options that are not run settings of a scenario file."""


def prepare(
    scenario_or_file: str | Path | Mapping[str, Any],
    vary: Mapping[str | tuple[str, ...], Sequence[Any]] | Sequence[str],
    runs: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    **simulate_options: Any,
) -> runner.Sweep:
    """Resolve the scenario, the axes, the runs and the seed (without running anything)."""
    source = sources.resolve(scenario_or_file)
    axes = plans.axes_from(vary)
    passed = {k: simulate_options.pop(k) for k in PASSED_TO_SIMULATE if k in simulate_options}
    for key in ("progress", "first_run", "time_limit"):
        if key in simulate_options:
            raise HyosanError(f"sweep: {key} is the sweep's to set, not an option of it")
    options = sources.option_overrides(simulate_options)
    if runs is not None:
        if not (isinstance(runs, int) and runs >= 1):
            raise HyosanError(f"runs must be a positive integer, got {runs!r}")
        options.append(f"run.runs={runs}")
    base = sources.load(source, [*overrides, *options])  # the scenario before any point's values
    if seed is None:
        seed = base.settings.seed
    if seed is None and out is not None:  # continue a stored sweep with its own seed
        stored = read_sweep(Path(out))
        if stored and "seed" in stored:
            seed = int(stored["seed"])
    if seed is None:
        seed = secrets.randbits(63)
    if not (isinstance(seed, int) and seed >= 0):
        raise HyosanError(f"seed must be a non-negative integer, got {seed!r}")
    options.append(f"run.seed={seed}")
    return runner.Sweep(
        source=source,
        settings=list(overrides),
        axes=axes,
        options=options,
        runs=int(base.settings.runs),
        seed=int(seed),
        simulate_options=passed,
    )


def sweep(
    scenario_or_file: str | Path | Mapping[str, Any],
    vary: Mapping[str | tuple[str, ...], Sequence[Any]] | Sequence[str],
    runs: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    client: Any = None,
    *,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
    batch: int | None = None,
    overwrite: bool = False,
    flags: Mapping[str, aggregates.Flag] | None = None,
    progress: bool = True,
    task_seconds: float = runner.TASK_SECONDS,
    **simulate_options: Any,
) -> xr.Dataset:
    """Run ``runs`` histories of a scenario at every combination of the ``vary`` values.

    scenario_or_file: a scenario file, a built-in name, or a scenario-file document (a dict).
    vary: ``{"model.parameters.beta": [0.1, 0.2]}``: the dotted keys ``--set`` takes; a tuple of
    keys (or 'KEY1+KEY2') sets them all to each value. Every point uses the same per-run random
    streams (common random numbers): ``ds.sel(KEY=v)`` holds the runs ``hyosan run FILE --set
    KEY=v --runs N --seed S`` gives. overrides: ``--set`` texts applied first.
    out: a ``.zarr`` store written as tasks finish; running the same sweep again continues it,
    another sweep there is refused unless ``overwrite``. Without ``out`` a temporary store is used
    and the results come back in memory; with it they are read lazily from the store.
    client / workers / scheduler: a Dask client, a local cluster of that many processes (the
    default: one per core), or a scheduler's address. threads: kernel threads per task.
    flags: extra yes/no outcomes per run, ``{"name": lambda ds: ...}`` on the sweep's Dataset;
    each gets a share of runs with its 95 % interval, as ``extinct`` and ``character_human`` do.
    simulate_options: engine, t_end, dt, record_every, snapshot_every, check_every (run
    settings, as ``hyosan run``'s options) and accuracy.
    """
    plan = prepare(scenario_or_file, vary, runs, seed, overrides, out, **simulate_options)
    with _store_path(out) as path:
        store = SweepStore.open(path, plan.axes, plan.runs, plan.description(), overwrite)
        with cluster.connect(client, workers, scheduler, threads) as where:
            outcome = run_with_progress(plan, store, where, batch, task_seconds, progress)
        finish(store, plan, flags)
        result = xr.open_zarr(path)
        if out is None:
            result = result.load()
    _warn_about(outcome)
    return result


def run_with_progress(
    plan: runner.Sweep,
    store: SweepStore,
    where: cluster.Workers,
    batch: int | None,
    task_seconds: float,
    progress: bool,
    console: Any = None,
) -> runner.Outcome:
    """``runner.execute`` under a progress bar over the runs still to do (and tasks done)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = console or Console(stderr=True, highlight=False)
    todo = int((~store.done).sum())
    if progress and where.dashboard:
        console.print(f"Dask dashboard: {where.dashboard}")
    if not progress or todo == 0:
        return runner.execute(plan, store, where.client, where.threads, batch, task_seconds)
    bar = Progress(
        TextColumn("[bold]sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs, {task.fields[tasks]} tasks"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("sweep", total=todo, tasks=0)

    def report(runs: int, tasks: int) -> None:
        bar.update(task, advance=runs, tasks=tasks)

    with bar:
        return runner.execute(plan, store, where.client, where.threads, batch, task_seconds, report)


def finish(
    store: SweepStore,
    plan: runner.Sweep,
    flags: Mapping[str, Callable[[xr.Dataset], xr.DataArray]] | None = None,
    status: str | None = None,
) -> None:
    """Compute the per-point aggregates from the store and record the sweep's status."""
    import dask

    if status is None:
        missing = int((~store.done).sum())
        status = "complete" if missing == 0 else "failed" if store.errors else "interrupted"
    if "counts" not in _variables(store.path):
        store.finish(status)
        return
    names = [a.name for a in plan.axes]
    with dask.config.set(scheduler="threads"), xr.open_zarr(store.path) as ds:
        found = aggregates.outcome_flags(ds, flags)
        summary = aggregates.aggregate(ds, names, found)
        for name, function in (flags or {}).items():
            summary[name] = found[name]  # the user's flags per run, kept in the store
            about = (getattr(function, "__doc__", None) or "").strip().splitlines()
            if about:  # its docstring's first line labels plots
                summary[f"{name}_share"].attrs["long_name"] = about[0].rstrip(".")
        summary = summary.compute()
    store.finish(status, summary)


def _variables(path: Path) -> set[str]:
    with xr.open_zarr(path) as ds:
        return set(map(str, ds.data_vars))


@contextlib.contextmanager
def _store_path(out: str | Path | None) -> Iterator[Path]:
    if out is not None:
        yield Path(out)
        return
    folder = Path(tempfile.mkdtemp(prefix="hyosan-sweep-"))
    try:
        yield folder / "sweep.zarr"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _warn_about(outcome: runner.Outcome) -> None:
    if outcome.failed:
        lines = "\n".join(f"  {point}: {message}" for point, message in outcome.failed.items())
        warnings.warn(f"{len(outcome.failed)} point(s) failed:\n{lines}", RuntimeWarning, 3)
    elif outcome.status == "interrupted":
        warnings.warn("sweep interrupted: finished tasks are kept", RuntimeWarning, 3)
