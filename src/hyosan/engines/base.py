"""What every engine offers the run loop and the interventions, and nothing more.

An engine owns the counts ``(runs, places, species)`` of an ensemble and advances them in time.
The run loop reads the counts to record them; an instant intervention (a bomb, an evacuation)
replaces one run's counts through ``set_counts``, which lets the engine drop whatever it had
derived from the old ones (tau's schedule of visits). Nobody else writes an engine's state.
"""

from __future__ import annotations

import numpy as np

from hyosan.network import CompiledNetwork

Cohorts = list[tuple[np.ndarray | None, CompiledNetwork]]
"""Groups of runs that share one set of arrays (runs whose interventions differ split apart)."""


class Engine:
    """Base of the engines: holds the counts; subclasses advance them."""

    name = "engine"
    state: np.ndarray  # (runs, places, species): int32 for stochastic engines, float64 for ode

    def advance(self, t0: float, t1: float, cohorts: Cohorts | None = None) -> None:
        """Advance every run from t0 to t1 (each cohort with its own arrays)."""
        raise NotImplementedError

    def counters(self) -> dict[str, np.ndarray]:
        """Per-run figures the engine keeps (events, steps, clamps), for the results."""
        return {}

    def counts(self) -> np.ndarray:
        """The current counts ``(runs, places, species)``: read them, do not write them."""
        return self.state

    def run_counts(self, run: int) -> np.ndarray:
        """A copy of one run's counts ``(places, species)``, to edit and give back."""
        return self.state[run].copy()

    def set_counts(self, run: int, counts: np.ndarray) -> None:
        """Replace one run's counts between calls to ``advance`` (an instant intervention)."""
        self.state[run] = counts
        self.state_edited(run)

    def state_edited(self, run: int) -> None:
        """Counts of ``run`` were replaced: forget what was derived from them (default: nothing)."""
