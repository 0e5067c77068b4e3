"""``hyosan sweep FILE|NAME --vary KEY=V1,V2 ... --runs N --seed S --out STORE.zarr``.

Registered in the CLI with ``app.command("sweep")(sweep_command)``. Exit codes: 0 done, 1 some
points failed (the others are saved), 2 bad input, 130 interrupted by Ctrl-C and 143 by SIGTERM
(a batch system's time limit; finished tasks are saved, the same command continues).
"""

from __future__ import annotations

import json
import signal
from contextlib import suppress
from pathlib import Path

import typer
from rich.console import Console

from hyosan.errors import HyosanError
from hyosan.sweeps import runner
from hyosan.sweeps.report import point_table
from hyosan.sweeps.store import SweepStore

EXIT_FAILED_POINTS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

console = Console(stderr=True, highlight=False)
stdout = Console(highlight=False, soft_wrap=True)


def sweep_command(
    scenario: str = typer.Argument(
        ..., help="a scenario file (.toml, .yaml) or a built-in name (see `hyosan scenarios`)"
    ),
    vary: list[str] = typer.Option(
        ...,
        "--vary",
        help="a key and its values, e.g. --vary model.parameters.beta=0.1,0.2 (one dimension "
        "each; KEY1+KEY2=... sets several keys to each value)",
    ),
    runs: int | None = typer.Option(None, help="histories per point"),
    seed: int | None = typer.Option(None, help="random seed, shared by every point"),
    out: Path = typer.Option(..., "--out", "-o", help="the sweep's store (.zarr)"),
    set_: list[str] = typer.Option([], "--set", "-s", help="override a key at every point"),
    engine: str | None = typer.Option(None, help="tau, ssa or ode"),
    t_end: str | None = typer.Option(None, help="end time, e.g. 72 or '3 days'"),
    dt: str | None = typer.Option(None, help="tau step"),
    record_every: str | None = typer.Option(None, help="time between recorded counts"),
    workers: int | None = typer.Option(None, help="local worker processes (default: one per core)"),
    scheduler: str | None = typer.Option(
        None, help="a Dask scheduler's address (e.g. tcp://host:8786) instead of local workers"
    ),
    threads: int | None = typer.Option(None, help="kernel threads per task"),
    batch: int | None = typer.Option(
        None, help="runs per task (default: sized to take about ten seconds)"
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace what the store holds"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar, no report"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object on stdout"),
) -> None:
    """Run an ensemble at every combination of the varied keys' values, on Dask."""
    from hyosan.sweeps import api, cluster

    with suppress(ValueError):  # Ctrl-C raises KeyboardInterrupt even if the shell ignores it
        signal.signal(signal.SIGINT, signal.default_int_handler)
    terminated = _stop_on_sigterm()
    options = {"engine": engine, "t_end": t_end, "dt": dt, "record_every": record_every}
    try:
        if batch is not None and batch < 1:
            raise HyosanError(f"--batch must be a positive number of runs, got {batch}")
        if workers is not None and scheduler is not None:
            raise HyosanError("give --workers (a local cluster) or --scheduler, not both")
        plan = api.prepare(scenario, vary, runs, seed, set_, out, **options)
        store = SweepStore.open(out, plan.axes, plan.runs, plan.description(), overwrite)
        with cluster.connect(None, workers, scheduler, threads) as where:
            outcome = api.run_with_progress(
                plan, store, where, batch, runner.TASK_SECONDS, not quiet, console
            )
        api.finish(store, plan)
    except HyosanError as error:
        console.print(f"[red]error:[/red] {error}", markup=True, soft_wrap=True)
        if as_json:
            print(json.dumps({"ok": False, "error": str(error)}))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _report(store, outcome, out, quiet, as_json)
    if outcome.status == "interrupted":
        raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
    if outcome.failed:
        raise typer.Exit(EXIT_FAILED_POINTS)


def _stop_on_sigterm() -> list[int]:
    """SIGTERM (Slurm's time limit, ``kill``, a container stopping) stops the sweep as Ctrl-C
    does: tasks in flight are cancelled, finished ones are kept. The list holds the signal once
    it came."""
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    with suppress(ValueError):  # not the main thread: nothing to install
        signal.signal(signal.SIGTERM, stop)
    return received


def _report(
    store: SweepStore, outcome: runner.Outcome, out: Path, quiet: bool, as_json: bool
) -> None:
    done, total = int(store.done.sum()), int(store.done.size)
    info = {
        "ok": not outcome.failed and outcome.status != "interrupted",
        "status": outcome.status,
        "out": str(out),
        "points": int(store.done.size // max(store.runs, 1)),
        "runs_done": done,
        "runs_total": total,
        "tasks_this_time": outcome.tasks_done,
        "failed": outcome.failed,
    }
    if as_json:
        print(json.dumps(info))
        return
    if quiet:
        return
    table = point_table(out, width=stdout.width)  # what was found first, then what is left
    if table is not None:
        stdout.print(table)
    for point, message in outcome.failed.items():
        console.print(f"[red]point failed:[/red] {point}: {message}", markup=True)
    if outcome.status == "interrupted":
        console.print(
            f"[yellow]interrupted:[/yellow] {done} of {total} runs are saved in {out}; "
            "run the same command again to continue"
        )
    else:
        stdout.print(f"{info['points']} points, {done} of {total} runs in {out}")
