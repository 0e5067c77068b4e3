"""Ensembles: many runs of one scenario, computed in batches and written as each finishes.

Run k of a seed is the same history in any batch (``simulate``'s ``first_run``), so batching
never changes the results; it bounds memory (with ``out``, batches are streamed to the file and
only summaries stay in memory) and keeps the finished runs on disk if the rest are interrupted.
Ctrl-C or SIGTERM (:mod:`hyosan.run.stopping`) stop the batch under way at its next check: its
runs are kept up to the time they reached (``simulated_until``; later record times hold -1),
written with every earlier batch (``status = "interrupted"``) and returned.

Output paths are checked when the ensemble is made, before any simulation
(:func:`hyosan.results.paths.check_output`).
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError
from hyosan.results.batches import ResultsWriter
from hyosan.results.io import load, save_summary
from hyosan.results.paths import check_output
from hyosan.results.writer import combine, deferred_interrupt, results_format
from hyosan.run.progress import Progress
from hyosan.run.simulate import simulate
from hyosan.run.stopping import stop_on_signals, stop_requested
from hyosan.scenarios.scenario import Scenario

SUMMARY_SUFFIXES = (".csv", ".parquet")


MAX_DEFAULT_BATCH = 1000
"""Runs per batch at most by default: a batch's histories are what an ensemble holds in memory,
so this keeps memory flat in the number of runs (1000 runs of 100 records of 3 compartments in
one region are 2.4 MB)."""


def default_batch(runs: int) -> int:
    """Runs per batch: enough to use every core, at most about 20 batches in all, and at most
    ``MAX_DEFAULT_BATCH`` runs."""
    per_batch = max(os.cpu_count() or 1, min(math.ceil(runs / 20), MAX_DEFAULT_BATCH))
    return max(1, min(runs, per_batch))


class Ensemble:
    """``runs`` histories of ``scenario`` from one ``seed``, run in batches of ``batch``.

    out: a results file (.nc or .zarr) written after every batch. summary: a per-run table
    (.csv or .parquet) written at the end. overwrite: replace existing outputs (checked here,
    before any work; a folder that is not a hyosan store is never replaced). attrs: added to the
    results (provenance). The other keyword arguments are ``simulate``'s (t_end, engine, dt,
    record_every, ...). After :meth:`run`, ``status`` is 'complete' or 'interrupted',
    ``interrupted`` says whether Ctrl-C was pressed at any point, even while the last write was
    being finished, and ``signal`` which signal stopped it (None: none, or a KeyboardInterrupt).
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
        overwrite: bool = True,
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
        if out is not None and summary is not None and Path(out) == Path(summary):
            raise HyosanError(f"out and summary are the same file {str(out)!r}", key="summary")
        for path, key in ((out, "out"), (summary, "summary")):
            if path is not None:
                check_output(path, overwrite=overwrite, key=key)
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
        self.signal: int | None = None

    @property
    def t_end(self) -> float:
        """Each run's end time (the scenario's own unless given)."""
        t_end = self.options.get("t_end")
        return float(t_end if t_end is not None else self.scenario.t_end or 0.0)

    def run(self, progress: Progress | None = None) -> xr.Dataset | None:
        """Run every batch; the results, or None if interrupted before any time was simulated.

        progress: a callable ``(t, t_end)`` given the simulated time summed over the runs, out
        of ``runs * t_end``. With ``out``, the results returned are read lazily from the file
        (memory does not grow with the runs); without, they are combined in memory.
        """
        writer = ResultsWriter(self.out, self.attrs) if self.out is not None else None
        try:
            with stop_on_signals(terminate=False):
                batches = self._batches(writer, progress)
                self.signal = stop_requested()
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        self.interrupted = self.status == "interrupted"
        if writer is None and not batches:
            return None
        try:
            with deferred_interrupt():
                if writer is not None:
                    if writer.finish(self.status) is None:
                        return None
                    results = load(self.out, lazy=True)
                else:
                    results = combine(batches, self.status)
                if self.summary is not None:
                    save_summary(results, self.summary)
        except KeyboardInterrupt:  # Ctrl-C while the last write was made: it was completed
            self.interrupted = True
        return results

    def _batches(self, writer: ResultsWriter | None, progress: Progress | None) -> list[xr.Dataset]:
        """Simulate batch after batch, each written as it ends; the batches kept in memory
        (none with a writer). Sets ``status``."""
        batches: list[xr.Dataset] = []
        self.status = "complete"
        done = 0
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
            cut = ds.attrs.get("status") == "interrupted"
            if cut:
                self.status = "interrupted"
                if not ds.sizes["time"] or float(ds["time"].values[-1]) <= 0.0:
                    break  # nothing simulated in this batch
            ds.attrs.update(self.attrs)
            reached = float(ds["time"].values[-1]) if ds.sizes["time"] else 0.0
            ds["simulated_until"] = ("run", np.full(n, reached))
            ds["simulated_until"].attrs["long_name"] = "time each run was simulated to"
            with deferred_interrupt():
                if writer is not None:
                    writer.append(ds)
                else:
                    batches.append(ds)
            done += n
            if cut or stop_requested():
                self.status = "interrupted"
                break
            if progress is not None:
                progress(done * float(ds.attrs["t_end"]), self.runs * float(ds.attrs["t_end"]))
        return batches


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
    overwrite: bool = True,
    **simulate_options: Any,
) -> xr.Dataset:
    """Run an :class:`Ensemble` and return its results (``status`` says if Ctrl-C cut it short;
    KeyboardInterrupt if no run finished)."""
    ensemble = Ensemble(
        scenario,
        runs,
        seed,
        batch=batch,
        out=out,
        summary=summary,
        attrs=attrs,
        overwrite=overwrite,
        **simulate_options,
    )
    results = ensemble.run(progress)
    if results is None:
        raise KeyboardInterrupt
    return results
