"""What a Dask worker does for one task: load the point's scenario (remembered between tasks of
the same point), run its range of runs with ``hyosan.simulate`` and hand back the Dataset.

Kernels compile once per worker process (numba keeps them, and its disk cache is shared), and a
task's kernels run on the worker's share of the cores (``threads``), fewer only when the task is
too small to use them. The load on the machine is not consulted as ``simulate`` does by default:
the sweep's own client, writing the last task's results as this one starts, would count as load
and halve a lone worker's threads (``benchmarks/sweep.py``: 1 worker x 2 threads reached 0.68 of
a plain 2-thread loop that way).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import xarray as xr

from hyosan.sweeps import source as sources


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs for one task (small, pickled to the worker)."""

    source: sources.Source
    overrides: tuple[str, ...]
    position: tuple[int, ...]
    first: int
    runs: int
    seed: int
    simulate_options: tuple[tuple[str, Any], ...] = ()
    threads: int | None = None


def cores() -> int:
    """The cores this process may use (its CPU affinity where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_threads(requested: int | None) -> int:
    """Kernel threads for a task: as requested, else this machine's cores shared among the
    tasks its Dask worker runs at once; never more than numba's own limit."""
    import numba

    if requested is None:
        concurrent = 1
        try:
            from distributed import get_worker

            concurrent = max(1, int(get_worker().state.nthreads))
        except (ImportError, ValueError):
            pass
        requested = max(1, cores() // concurrent)
    return max(1, min(int(requested), numba.config.NUMBA_NUM_THREADS))


def run_task(spec: TaskSpec) -> tuple[TaskSpec, xr.Dataset, float]:
    """Run one task: (its spec, its runs as ``simulate`` returns them, seconds it took)."""
    import numba

    from hyosan.run.simulate import simulate
    from hyosan.run.threads import useful_threads

    started = time.perf_counter()
    share = worker_threads(spec.threads)
    numba.set_num_threads(share)
    loaded = sources.load_cached(spec.source, list(spec.overrides))
    options = {**loaded.settings.simulate_kwargs(), **dict(spec.simulate_options)}
    options["threads"] = min(share, useful_threads(spec.runs * loaded.scenario.places.n_places))
    ds = simulate(
        loaded.scenario,
        runs=spec.runs,
        seed=spec.seed,
        first_run=spec.first,
        progress=False,
        **options,
    )
    if ds.attrs.get("status") != "complete":
        raise RuntimeError(f"runs stopped early ({ds.attrs.get('status')})")
    from hyosan.results.io import with_place_layout

    ds = with_place_layout(ds, loaded.scenario.places)
    return spec, ds, time.perf_counter() - started
