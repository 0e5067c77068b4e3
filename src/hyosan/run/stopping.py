"""Stopping a run cleanly on SIGINT (Ctrl-C) or SIGTERM: a flag the run loop reads.

A signal raised as an exception lands wherever Python happens to be: inside a write, or after a
compiled kernel returns with the counts half way to the next record. Here a signal only sets a
flag; the run loop checks it between chunks (every ~0.2 s of work where the engine allows it),
records the time it reached, and the ensemble writes what it has, ``status = 'interrupted'``.
A second signal while the first is being honoured raises KeyboardInterrupt at once (the escape
hatch if a write hangs). Outside the main thread signals cannot be caught: nothing is installed.

Exit codes of the command line: 130 after SIGINT, 143 after SIGTERM (128 + the signal).
"""

from __future__ import annotations

import signal
import threading
import time as wallclock
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_received: list[int] = []
_depth = 0


def stop_requested() -> int | None:
    """The signal that asked the run to stop (SIGINT, SIGTERM), or None."""
    return _received[0] if _received else None


def request_stop(signum: int = signal.SIGINT) -> None:
    """Ask the run under way to stop at its next check (as a signal would)."""
    if not _received:
        _received.append(int(signum))


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _received:
        raise KeyboardInterrupt  # asked twice: stop now
    _received.append(int(signum))


@contextmanager
def stop_on_signals(terminate: bool = True) -> Iterator[None]:
    """While the block runs, SIGINT (and SIGTERM with ``terminate``) ask the run to stop instead
    of raising; nested uses share the outermost's handlers. The flag is cleared when the
    outermost block is entered, and kept after it ends so the caller can read it."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, object] = {}
    if _depth == 0:
        _received.clear()
        wanted = [signal.SIGINT] + ([signal.SIGTERM] if terminate else [])
        previous = {signum: signal.signal(signum, _on_signal) for signum in wanted}
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def exit_code(signum: int | None) -> int:
    """128 + the signal that stopped the run (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + int(signum or signal.SIGINT)


SLICE_SECONDS = 0.2
"""About how long one slice of an advance runs before the loop checks for a stop request."""


class Pace:
    """Wall seconds per unit of simulated time, measured on the last slice. A slice is at most
    twice the last one: the cost per unit grows as an outbreak spreads."""

    def __init__(self) -> None:
        self.seconds_per_unit: float | None = None
        self.last_steps = 1

    def steps(self, dt: float) -> int:
        """How many steps of ``dt`` fit in one slice (at least one)."""
        if not self.seconds_per_unit:
            return 1
        fit = max(1, int(SLICE_SECONDS / (self.seconds_per_unit * dt)))
        self.last_steps = min(fit, 2 * self.last_steps)
        return self.last_steps

    def update(self, span: float, seconds: float) -> None:
        if span > 0:
            self.seconds_per_unit = max(seconds, 1e-9) / span


def advance_in_slices(
    sim: object, t: float, t_next: float, cohorts: object, grid: float | None, pace: Pace
) -> float:
    """Advance ``sim`` from t to t_next; with tau's fixed steps (``grid``), in slices on the step
    grid, checking for a stop request between them. The time reached (t_next unless asked to
    stop). Tau's draws are keyed by step, so stopping on its step grid changes nothing; the exact
    and adaptive engines draw from where each call starts (adaptive steps divide the interval
    left), so their advances are never cut: a signal waits for the chunk under way, one record
    interval at most."""
    if grid is None:
        sim.advance(t, t_next, cohorts)  # type: ignore[attr-defined]
        return t_next
    step = round(t / grid)
    while t < t_next - 1e-12:
        if stop_requested():
            return t
        step += pace.steps(grid)
        t_stop = step * grid
        if t_stop >= t_next - 1e-9 * grid:
            t_stop = t_next
        began = wallclock.perf_counter()
        sim.advance(t, t_stop, cohorts)  # type: ignore[attr-defined]
        pace.update(t_stop - t, wallclock.perf_counter() - began)
        t = t_stop
    return t
