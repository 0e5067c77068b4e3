"""Ensembles: many runs of one scenario, computed in batches and written as each finishes.

Run k of a seed is the same history in any batch (``simulate``'s ``first_run``), so batching
never changes the results; it bounds memory and keeps the finished runs on disk if the rest are
interrupted. Ctrl-C stops the ensemble after the batch under way: the runs that finished are
combined, written (``status = "interrupted"``) and returned.
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path
from typing import Any

import xarray as xr

from hyosan.errors import HyosanError
from hyosan.results.io import save_summary
from hyosan.results.writer import ResultsWriter, combine, deferred_interrupt, results_format
from hyosan.run.progress import Progress
from hyosan.run.simulate import simulate
from hyosan.scenarios.scenario import Scenario

SUMMARY_SUFFIXES = (".csv", ".parquet")


def default_batch(runs: int) -> int:
    """Runs per batch: enough to use every core, at most about 20 batches in all."""
    return max(1, min(runs, max(os.cpu_count() or 1, math.ceil(runs / 20))))


class Ensemble:
    """``runs`` histories of ``scenario`` from one ``seed``, run in batches of ``batch``.

    out: a results file (.nc or .zarr) written after every batch. summary: a per-run table
    (.csv or .parquet) written at the end. attrs: added to the results (provenance). The other
    keyword arguments are ``simulate``'s (t_end, engine, dt, record_every, ...). After
    :meth:`run`, ``status`` is 'complete' or 'interrupted' and ``interrupted`` says whether
    Ctrl-C was pressed at any point, even while the last write was being finished.
    """

    def __init__(
        self,
        scenario: Scenario,
        runs: int = 1,
        seed: int | None = None,
        *,
        batch: int | None = None,
        out: str | Path | None = None,
        summary: str | Path | None = None,
        attrs: dict[str, Any] | None = None,
        **simulate_options: Any,
    ) -> None:
        if not (isinstance(runs, int) and runs >= 1):
            raise HyosanError(f"runs must be a positive integer, got {runs!r}")
        if batch is not None and not (isinstance(batch, int) and batch >= 1):
            raise HyosanError(f"batch must be a positive number of runs, got {batch!r}")
        if out is not None:
            results_format(out)
        if summary is not None and Path(summary).suffix.lower() not in SUMMARY_SUFFIXES:
            raise HyosanError(f"summary file {str(summary)!r}: use a .csv or .parquet suffix")
        self.scenario = scenario
        self.runs = runs
        self.seed = secrets.randbits(63) if seed is None else int(seed)
        self.batch = batch or default_batch(runs)
        self.out = Path(out) if out is not None else None
        self.summary = Path(summary) if summary is not None else None
        self.attrs = {**(attrs or {}), "runs_requested": runs}
        self.options = simulate_options
        self.status = "not run"
        self.interrupted = False

    @property
    def t_end(self) -> float:
        """Each run's end time (the scenario's own unless given)."""
        t_end = self.options.get("t_end")
        return float(t_end if t_end is not None else self.scenario.t_end or 0.0)

    def run(self, progress: Progress | None = None) -> xr.Dataset | None:
        """Run every batch; the combined results, or None if interrupted before any finished.

        progress: a callable ``(t, t_end)`` given the simulated time summed over the runs, out
        of ``runs * t_end``.
        """
        writer = ResultsWriter(self.out, self.attrs) if self.out is not None else None
        batches: list[xr.Dataset] = []
        self.status = "complete"
        done = 0
        try:
            for first in range(0, self.runs, self.batch):
                n = min(self.batch, self.runs - first)
                ds = simulate(
                    self.scenario,
                    runs=n,
                    seed=self.seed,
                    first_run=first,
                    progress=_ensemble_report(progress, done, n, self.runs),
                    **self.options,
                )
                if ds.attrs.get("status") == "interrupted":
                    self.status = "interrupted"
                    break
                ds.attrs.update(self.attrs)
                with deferred_interrupt():
                    batches.append(ds)
                    if writer is not None:
                        writer.append(ds)
                done += n
                if progress is not None:
                    progress(done * float(ds.attrs["t_end"]), self.runs * float(ds.attrs["t_end"]))
        except KeyboardInterrupt:
            self.status = "interrupted"
        self.interrupted = self.status == "interrupted"
        if not batches:
            return None
        try:
            with deferred_interrupt():
                results = writer.finish(self.status) if writer is not None else None
                if results is None:
                    results = combine(batches, self.status)
                if self.summary is not None:
                    save_summary(results, self.summary)
        except KeyboardInterrupt:  # Ctrl-C while the last write was made: it was completed
            self.interrupted = True
        return results


def _ensemble_report(progress: Progress | None, done: int, n: int, runs: int) -> Progress | None:
    """A batch's ``(t, t_end)`` as the ensemble's: simulated time over every run."""
    if progress is None:
        return None
    return _BatchReport(progress, done, n, runs)


class _BatchReport:
    """One batch's reports as the ensemble's; a compiling notice is passed on as it is."""

    def __init__(self, progress: Progress, done: int, n: int, runs: int) -> None:
        self.progress, self.done, self.n, self.runs = progress, done, n, runs
        notify = getattr(progress, "compiling", None)
        if callable(notify):
            self.compiling = notify

    def __call__(self, t: float, t_end: float) -> None:
        self.progress(self.done * t_end + self.n * t, self.runs * t_end)


def run_ensemble(
    scenario: Scenario,
    runs: int = 1,
    seed: int | None = None,
    *,
    batch: int | None = None,
    out: str | Path | None = None,
    summary: str | Path | None = None,
    progress: Progress | None = None,
    attrs: dict[str, Any] | None = None,
    **simulate_options: Any,
) -> xr.Dataset:
    """Run an :class:`Ensemble` and return its results (``status`` says if Ctrl-C cut it short;
    KeyboardInterrupt if no run finished)."""
    ensemble = Ensemble(
        scenario, runs, seed, batch=batch, out=out, summary=summary, attrs=attrs, **simulate_options
    )
    results = ensemble.run(progress)
    if results is None:
        raise KeyboardInterrupt
    return results
