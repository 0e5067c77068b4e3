"""Progress reports: a callable ``(t, t_end)``; :class:`ProgressBar` draws one in the terminal.

``simulate`` and ensembles only call the callable they are given (None: silent); the drawing is
here, so that the core loop has no user interface of its own. An ensemble reports simulated time
summed over its runs, ``(t, runs * t_end)``, so one bar covers every batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Progress = Callable[[float, float], None]


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

    def __call__(self, t: float, t_end: float) -> None:
        if self._bar is None:
            self._start(t_end)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        done = ""
        if self.runs is not None and t_end > 0:
            done = f"runs {min(int(t / t_end * self.runs + 1e-9), self.runs)}/{self.runs}"
        speed = f"{t / elapsed:.3g} {self.unit}/s" if self.unit else f"{t / elapsed:.3g}/s"
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
