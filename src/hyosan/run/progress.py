"""Progress reports: a callable ``(t, t_end)``; :class:`ProgressBar` draws one in the terminal.

``simulate`` and ensembles only call the callable they are given (None: silent); the drawing is
here, so that the core loop has no user interface of its own. An ensemble reports simulated time
summed over its runs, ``(t, runs * t_end)``, so one bar covers every batch.

Before a run that must first compile its engine's kernels (the first run after installing),
``simulate`` tells the callable's ``compiling(message)`` method if it has one (:class:`ProgressBar`
prints the message and shows "compiling" instead of a speed until the run moves), else the
``hyosan`` logger, whose warnings reach stderr even when logging is not configured
(:func:`announce_compiling`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

Progress = Callable[[float, float], None]

COMPILE_MINUTES = {"tau": "1", "ssa": "1"}
"""About how long the engines' kernels take to compile (``benchmarks/cold_start.py``'s cold run on
a quiet 2-core machine: 57 s of CPU for tau, the README's main job included; ssa about 30 s), for
the notice."""


def compiling_message(engine: str) -> str:
    """The notice before a run that must compile ``engine``'s kernels first."""
    from hyosan.kernel_cache import cache_root

    minutes = COMPILE_MINUTES.get(engine, "1-2")
    return (
        f"compiling the {engine} engine's kernels: once, about {minutes} min "
        f"(they are kept in {cache_root()} for later runs)"
    )


def announce_compiling(progress: Progress | None, engine: str) -> None:
    """Tell ``progress`` (its ``compiling`` method) or the ``hyosan`` logger that ``engine``'s
    kernels are being compiled."""
    message = compiling_message(engine)
    notify = getattr(progress, "compiling", None)
    if callable(notify):
        notify(message)
    else:
        logging.getLogger("hyosan").warning(message)


class ProgressBar:
    """A rich progress bar as a ``(t, t_end)`` callable; started at the first report, stopped
    when ``t`` reaches ``t_end`` or by :meth:`stop`.

    runs: for an ensemble's reports, the number of runs, to show how many are done. unit: the
    model's time unit, to show the speed (simulated time per second of wall time).
    """

    def __init__(self, runs: int | None = None, unit: str = "", console: Any = None) -> None:
        self.runs, self.unit, self.console = runs, unit, console
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None
        self._moved_from = 0.0  # the simulated time the speed counts from
        self._compiling_at: float | None = None  # the time reported when compiling began

    def compiling(self, message: str) -> None:
        """Print ``message`` (kernels are being compiled) and show "compiling" until the run
        moves; the speed then counts from there."""
        console = self.console
        if console is None:
            from rich.console import Console

            console = Console(stderr=True, highlight=False, markup=False)
        console.print(message, soft_wrap=True)
        self._compiling_at = -1.0

    def __call__(self, t: float, t_end: float) -> None:
        if self._bar is None:
            self._start(t_end)
        compiling = self._compiling_at is not None
        if compiling and self._compiling_at < 0:
            self._compiling_at = t  # the first report after the notice: the run's start
        elif compiling and t > self._compiling_at:
            self._compiling_at, compiling = None, False
            self.started = time.perf_counter() - 1e-9  # the speed from the first move on
            self._moved_from = t
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        done = ""
        if self.runs is not None and t_end > 0:
            done = f"runs {min(int(t / t_end * self.runs + 1e-9), self.runs)}/{self.runs}"
        moved = t - self._moved_from
        speed = f"{moved / elapsed:.3g} {self.unit}/s" if self.unit else f"{moved / elapsed:.3g}/s"
        if compiling:
            speed = "compiling"
        elif moved <= 0:
            speed = ""
        self._bar.update(self._task, completed=t, done=done, speed=speed)
        if t >= t_end:
            self.stop()

    def _start(self, t_end: float) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            TextColumn("{task.fields[done]}"),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[speed]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._bar.add_task("simulate", total=t_end, done="", speed="")
        self._bar.start()

    def stop(self) -> None:
        """Take the bar off the terminal (safe to call more than once)."""
        if self._bar is not None:
            self._bar.stop()
