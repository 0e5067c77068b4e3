"""Running a sweep on Dask: tasks are handed out a few at a time, each result is written to the
store as it arrives and then dropped (the client holds no list of results), a point whose task
raises is recorded as failed while the others go on, and Ctrl-C keeps every finished task.

Task sizes adapt: the first tasks of a sweep are small, later ones hold as many runs as take
about ``task_seconds`` at the speed seen so far (a run's stream depends on its number only, so
the sizes never change the results). A worker that dies mid-task has its task redone by Dask.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hyosan.results.writer import deferred_interrupt
from hyosan.sweeps import plan as plans
from hyosan.sweeps.source import Source
from hyosan.sweeps.store import StoreFullError, SweepStore
from hyosan.sweeps.tasks import TaskSpec, run_task

TASK_SECONDS = 10.0
"""Aimed-for length of a task: long next to Dask's overhead per task (milliseconds), short
enough that a stop loses little and the progress bar moves."""


@dataclass
class Sweep:
    """What to run: the scenario, its overrides, the axes, runs and seed shared by every point."""

    source: Source
    settings: list[str]  # the user's --set overrides, applied first
    axes: list[plans.Axis]
    options: list[str]  # run options (runs, seed, engine...) as run.KEY overrides, applied last
    runs: int
    seed: int
    simulate_options: dict[str, Any] = field(default_factory=dict)  # straight to simulate

    def overrides(self, position: tuple[int, ...]) -> list[str]:
        """A point's overrides, in the order ``hyosan run --set ... --runs --seed`` uses."""
        return [*self.settings, *plans.point_overrides(self.axes, position), *self.options]

    def description(self) -> dict[str, Any]:
        """What identifies the sweep in its store (a re-run must match it to continue)."""
        return {
            "source": self.source.describe(),
            "set": list(self.settings),
            "vary": [
                {
                    "name": a.name,
                    "keys": list(a.keys),
                    "values": [plans.toml_value(v) for v in a.values],
                }
                for a in self.axes
            ],
            "options": [o for o in self.options if not o.startswith(("run.runs=", "run.seed="))],
            "simulate_options": {k: repr(v) for k, v in sorted(self.simulate_options.items())},
            "runs": self.runs,
            "seed": str(self.seed),
        }


class TaskSizer:
    """Runs per task: fixed, or sized from the recent seconds per run to take ``seconds``."""

    def __init__(self, runs: int, fixed: int | None, seconds: float, start: int) -> None:
        self.runs, self.fixed, self.seconds = runs, fixed, seconds
        self.start = max(1, min(runs, start))
        self.per_run: deque[float] = deque(maxlen=8)

    def observe(self, runs: int, seconds: float) -> None:
        self.per_run.append(seconds / max(runs, 1))

    @property
    def size(self) -> int:
        if self.fixed is not None:
            return max(1, min(self.fixed, self.runs))
        if len(self.per_run) < 2:
            return self.start
        wanted = self.seconds / max(statistics.median(self.per_run), 1e-9)
        return max(1, min(self.runs, int(wanted)))


@dataclass
class Outcome:
    """How a sweep ended: complete, interrupted or failed (some points failed)."""

    status: str
    tasks_done: int = 0
    runs_done: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def tasks_of(
    sweep: Sweep, store: SweepStore, sizer: TaskSizer, failed: set
) -> Iterator[plans.Task]:
    """The tasks still to do, point by point, sized as they are handed out."""
    for position in plans.positions(sweep.axes):
        missing = store.missing(position)
        while missing and position not in failed:
            first, count = next(plans.chunks(missing, sizer.size))
            yield plans.Task(position, first, count)
            missing = missing[count:]


def execute(
    sweep: Sweep,
    store: SweepStore,
    client: Any,
    threads: int | None,
    batch: int | None = None,
    task_seconds: float = TASK_SECONDS,
    report: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Run every task not on disk yet; ``report(runs_done, tasks_done)`` after each task."""
    from distributed import as_completed

    workers = max(1, sum(client.nthreads().values()) if client.nthreads() else 1)
    window = 2 * workers
    sizer = TaskSizer(sweep.runs, batch, task_seconds, start=max(1, (threads or 1)))
    failed: set[tuple[int, ...]] = set()
    outcome = Outcome("complete")
    pending = tasks_of(sweep, store, sizer, failed)
    running = as_completed()
    in_flight: dict[Any, plans.Task] = {}

    def submit_more() -> None:
        while len(in_flight) < window:
            task = next(pending, None)
            if task is None:
                return
            spec = TaskSpec(
                source=sweep.source,
                overrides=tuple(sweep.overrides(task.position)),
                position=task.position,
                first=task.first,
                runs=task.runs,
                seed=sweep.seed,
                simulate_options=tuple(sorted(sweep.simulate_options.items())),
                threads=threads,
            )
            future = client.submit(run_task, spec, pure=False, retries=0)
            in_flight[future] = task
            running.add(future)

    try:
        submit_more()
        for future in running:
            task = in_flight.pop(future)
            label = plans.point_label(sweep.axes, task.position)
            try:
                _, ds, seconds = future.result()
            except Exception as error:  # a bad point: record it, go on with the others
                failed.add(task.position)
                outcome.failed[label] = f"{type(error).__name__}: {error}"
                with deferred_interrupt():
                    store.fail(label, outcome.failed[label])
                future.release()
                submit_more()
                continue
            future.release()
            try:
                with deferred_interrupt():
                    store.write(task, ds)
                    if label in store.errors and not store.missing(task.position):
                        store.succeed(label)
            except Exception as error:  # e.g. recorded times that differ from the first point's
                failed.add(task.position)
                outcome.failed[label] = str(error)
                store.fail(label, outcome.failed[label])
            else:
                sizer.observe(task.runs, seconds)
                outcome.tasks_done += 1
                outcome.runs_done += task.runs
                if report is not None:
                    report(task.runs, outcome.tasks_done)
                try:
                    store.check_room()
                except StoreFullError:
                    _cancel(in_flight)
                    store.finish("interrupted")
                    raise
            del ds
            submit_more()
    except KeyboardInterrupt:
        outcome.status = "interrupted"
        _cancel(in_flight)
        return outcome
    if outcome.failed:
        outcome.status = "failed"
    return outcome


def _cancel(in_flight: dict[Any, plans.Task]) -> None:
    """Cancel the tasks handed out and not yet written."""
    for future in list(in_flight):
        future.cancel()
    in_flight.clear()
