"""How many threads a run's parallel kernels use: asked for, or chosen for the work and the load.

Threads pay only when each parallel region has enough work, and hurt when a core is busy with
another program: a region ends when its slowest thread does, and a thread that shares a core
waits for its turn (a 2-thread run with one of two cores busy was 4x slower than quiet, while a
1-thread run was as fast as quiet). So the default is one thread for small work (few runs x
places), else one per core that is free now: the cores this process may use
(``os.sched_getaffinity``) less the other programs running (``/proc/loadavg``'s runnable count,
sampled a few times). ``threads=`` in ``simulate``, ``--threads`` and the environment variable
``HYOSAN_THREADS`` (a number, or 'auto') override it.

Numba's threading layer here is OpenMP (GNU libgomp; TBB is not installed, workqueue is the
fallback): its idle threads spin for a while before sleeping, which costs a busy core time;
``OMP_WAIT_POLICY=PASSIVE``, set by the first run unless the user set it
(:func:`prefer_passive_waiting`), makes them sleep at once (``benchmarks/threads_load.py`` with
``OMP_WAIT_POLICY=ACTIVE`` shows the difference).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hyosan.errors import HyosanError

ENV = "HYOSAN_THREADS"
WORK_PER_THREAD = 32
"""Runs x places each thread needs for a second thread to pay for waking it (a well-mixed
ensemble of 100 runs, 1 M people, 100 daily tau steps: 0.085 s on 1 thread, 0.047 s on 2)."""


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_LOAD_SEEN: list[float] = [-1.0, 0.0]  # [when (monotonic seconds), busy cores seen then]
LOAD_FRESH_S = 1.0
"""How long a reading of the load stands: runs started within it (an ensemble's batches, a
sweep's tasks, a page's frames) reuse it instead of sampling again."""


def busy_cores(samples: int = 3) -> int:
    """Other programs running now: the runnable tasks of ``/proc/loadavg`` less this reader,
    the median of a few samples 1 ms apart (0 where the file does not exist); a reading less
    than ``LOAD_FRESH_S`` old is reused (sampling costs milliseconds, a short run's whole time)."""
    now = time.monotonic()
    if now - _LOAD_SEEN[0] < LOAD_FRESH_S:
        return int(_LOAD_SEEN[1])
    counts = []
    for k in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as handle:
                running = int(handle.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return 0
        counts.append(max(0, running - 1))
        if k + 1 < samples:
            time.sleep(0.001)
    busy = sorted(counts)[len(counts) // 2]
    _LOAD_SEEN[:] = [time.monotonic(), float(busy)]
    return busy


def requested_threads(threads: int | str | None) -> int | None:
    """The count asked for (an argument, else ``HYOSAN_THREADS``); None for the default."""
    key = "threads"
    if threads is None:
        threads, key = os.environ.get(ENV) or None, ENV
    if threads is None or (isinstance(threads, str) and threads.strip().lower() == "auto"):
        return None
    wrong = HyosanError(f"must be a positive integer or 'auto', got {threads!r}", key=key)
    try:
        count = int(threads)
    except (TypeError, ValueError):
        raise wrong from None
    if count < 1 or (isinstance(threads, float) and threads != count):
        raise wrong
    return count


def useful_threads(work: int) -> int:
    """Threads that ``work`` (runs x places) can keep busy: one per ``WORK_PER_THREAD``."""
    return max(1, int(work) // WORK_PER_THREAD)


def choose_threads(threads: int | str | None, work: int) -> int:
    """Threads for a run whose parallel regions split ``work`` (runs x places): the count asked
    for (capped at numba's pool), else one for small work, else the cores free now (never more
    than this thread's numba setting: a caller that set it, such as a sweep's worker, keeps it)."""
    import numba

    prefer_passive_waiting()  # before anything starts numba's pool (get_num_threads does)
    pool = int(numba.config.NUMBA_NUM_THREADS)
    asked = requested_threads(threads)
    if asked is not None:
        return max(1, min(asked, pool))
    useful = useful_threads(work)
    if useful == 1:
        return 1
    free = available_cores() - busy_cores()
    caller = numba.get_num_threads()  # a caller's own limit (a sweep's worker) is kept
    return max(1, min(useful, pool, caller, available_cores(), free))


def prefer_passive_waiting() -> None:
    """Ask OpenMP's idle threads to sleep at once instead of spinning (``OMP_WAIT_POLICY=
    PASSIVE``, ``KMP_BLOCKTIME=0``) unless the user set them, if numba's thread pool has not
    started yet (OpenMP reads them once, when it starts): a spinning thread takes a busy core's
    time from the thread that has work. Under load (the ensemble row of
    ``benchmarks/threads_load.py``, one of two cores busy) 2 threads took 1.6 s spinning, 0.10 s
    passive."""
    from numba.np.ufunc import parallel

    if getattr(parallel, "_is_initialized", True):
        return
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("KMP_BLOCKTIME", "0")


@contextmanager
def numba_threads(count: int) -> Iterator[int]:
    """Run the block's kernels on ``count`` threads (this thread's setting, restored after)."""
    import numba

    prefer_passive_waiting()
    previous = numba.get_num_threads()
    numba.set_num_threads(count)
    try:
        yield count
    finally:
        numba.set_num_threads(previous)
