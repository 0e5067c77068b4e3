"""Work distribution among threads: which split a call uses (``split_work``), the loops over
blocks of places for the phases of a step (``sweep``), and the one parallel kernel that hands
runs or blocks to the threads (``advance_kernel``)."""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from hyosan.engines._memory import fetch_add
from hyosan.engines.tau.arrays import Pace, VisitPlan, item_buffers, item_scratch
from hyosan.engines.tau.gather import gather_places
from hyosan.engines.tau.leap import leap_places
from hyosan.engines.tau.wake import schedule_places

TAKES_PER_THREAD = 32
"""A large world's step hands out its blocks in about this many stretches per thread (each of at
least ``TAKE_MIN`` blocks): few enough that taking one costs nothing and that neighbours, whose
flags a place writes, are mostly the same thread's; many enough that a busy region is shared
out. Smaller worlds deal their blocks to ``8 * threads`` items in turn (w, w + items, ...)."""
TAKE_MIN = 2
PLACES_PARALLEL_MIN = 8192
"""From this many places one run's step is split over places; below it whole runs go to threads
(also from ``PLACES_PARALLEL_FEW_RUNS`` places when there are fewer runs than threads)."""
PLACES_PARALLEL_FEW_RUNS = 1024
SERIAL_STEP_MAX = 512
"""A step split over places with at most this many places awake (the rest asleep, see
``wake.next_wake``) runs on one thread: two blocks' work saves less than starting the threads
costs."""

LEAP = 1  # sweep phases: phase 1 (each place's own changes and departures)
GATHER = 2  # phase 2 (own new counts plus arrivals, next visits)
SCHEDULE = 4  # the start of a call: next visits (drawn anew or kept)

PARALLEL = {
    "prange": True,
    "comprehension": False,
    "reduction": False,
    "inplace_binop": False,
    "setitem": False,
    "numpy": False,
    "stencil": False,
    "fusion": False,
}
"""Only explicit prange loops run in parallel: every implicit parallel loop (array expressions,
np.zeros) would cost a compiled kernel of its own and nothing measurable at run time."""


class WorkSplit(NamedTuple):
    """How a call's work goes to the threads (``advance_kernel``)."""

    by_place: bool
    """One run at a time, each step split over blocks of places (else whole runs per item)."""
    n_work: int
    """Work items: threads taking blocks, items dealt blocks in turn, or stretches of runs."""
    blocks_taken: int
    """Blocks a thread takes at a time from the shared counter (0: dealt in turn)."""
    serial_max: int
    """A step split over places with at most this many places awake runs on one thread."""


def split_work(runs: int, n_places: int, n_blocks: int, n_threads: int) -> WorkSplit:
    """Over places for large worlds (one run's scratch), over runs for small ones (no parallel
    launch per run and step). Results do not depend on it."""
    by_place = n_places >= PLACES_PARALLEL_MIN or (
        runs < n_threads and n_places >= PLACES_PARALLEL_FEW_RUNS
    )
    by_place = by_place and n_threads > 1  # one thread takes the runs in turn: one work item
    if by_place:
        blocks_taken = n_blocks // (TAKES_PER_THREAD * n_threads)
        if blocks_taken >= TAKE_MIN:  # each thread takes stretches of blocks as it goes
            n_work = n_threads
        else:
            n_work, blocks_taken = min(n_blocks, 8 * n_threads), 0
    else:
        n_work, blocks_taken = min(runs, 4 * n_threads) if n_threads > 1 else 1, 0
    return WorkSplit(by_place, n_work, blocks_taken, SERIAL_STEP_MAX)


@nb.njit(cache=True, _nrt=False, inline="always")
def next_blocks(b, first, stride, counter, n_blocks):
    """The next stretch of blocks for ``sweep`` to do, from ``b`` (-1: the first) to the end
    returned: one block of first, first + stride, ...; or, for a negative stride, the next
    ``-stride`` blocks not yet taken by any thread (``counter``)."""
    if stride > 0:
        start = first if b < 0 else b + stride
        return start, start + 1
    start = fetch_add(counter, 0, -stride)
    return start, min(start - stride, n_blocks)


@nb.njit(cache=True, _nrt=False)
def sweep(
    counts, key, step0, n_steps, dt, pace, first, stride, phases, redraw, plan, shared, local,
    model, tables,
):  # fmt: skip
    """The given phases of ``n_steps`` steps for blocks first, first + stride, ...; the clamps.
    A negative stride hands out blocks from a counter shared by the threads
    (``shared.blocks_handed``, zero at the start; for one phase of one step): ``-stride`` at a
    time to whichever thread asks, so a busy region does not hold up a thread while the other
    waits, and each thread needs one call only.

    Every loop over blocks runs here; each phase is a function of its own, called per block
    that has work (its first test made here: a small world's quiet step costs no call), so
    that a cold start compiles each once and no function grows past what numba compiles fast
    (inlined, the three phases took a minute and a gigabyte to compile). ``SCHEDULE`` comes first
    (once): ``redraw`` says whether the places' next visits must be drawn anew (a new run, a new
    step size, changed rates or counts) or are still those the last call left.
    """
    n_blocks = shared.block_wake.shape[0]
    counter = shared.blocks_handed
    if phases & SCHEDULE:
        for b in range(first, n_blocks, stride):
            schedule_places(
                b, counts, key, step0, dt, redraw, pace, plan, shared, local, model, tables
            )
    clamped = 0
    for t in range(n_steps):
        due = 2 * (step0 + t) + 1  # the visit code of this step (``wake.next_wake``)
        if phases & LEAP:
            start, end = next_blocks(np.int64(-1), first, stride, counter, n_blocks)
            while start < n_blocks:
                for b in range(start, end):
                    if shared.block_wake[b] > due:
                        continue  # no place due (``leap_places`` would return at once)
                    clamped += leap_places(
                        b, counts, key, step0 + t, dt, pace, plan, shared, local, model, tables
                    )
                start, end = next_blocks(start, first, stride, counter, n_blocks)
        if phases & GATHER:
            start, end = next_blocks(np.int64(-1), first, stride, counter, n_blocks)
            while start < n_blocks:
                for b in range(start, end):
                    if shared.block_wake[b] > due and not shared.block_inbox[b]:
                        continue  # nothing to gather (``gather_places`` would return at once)
                    gather_places(
                        b, counts, key, step0 + t, dt, pace, plan, shared, local, model, tables
                    )
                start, end = next_blocks(start, first, stride, counter, n_blocks)
    return clamped


@nb.njit(cache=True, _nrt=False)
def awake_places(block_wake, step, n_places, block):
    """Places in the blocks that phase 1 visits this step."""
    awake = 0
    for b in range(block_wake.shape[0]):
        if block_wake[b] <= 2 * step + 1:
            awake += min(block, n_places - b * block)
    return awake


@nb.njit(cache=True, parallel=PARALLEL, _nrt=False)
def advance_kernel(
    counts, keys, step0, n_steps, dt, paces, plans, redraw, by_place, n_work, blocks_taken,
    serial_max, model, tables, local, shared, clamps, work_clamps,
):  # fmt: skip
    """The one parallel kernel (each prange costs seconds of compilation, so there is one).

    ``by_place``: one run at a time, each step a parallel sweep of phase 1 over blocks and then
    one of phase 2, sharing one run's scratch: with ``blocks_taken`` > 0 each of the ``n_work``
    items (one per thread) takes that many blocks at a time as it goes, from a counter (so a
    busy region is shared out, and each thread gets its ~60 arrays once per phase), else item w
    takes blocks w, w + n_work, ... (``TAKES_PER_THREAD``); a step with at most ``serial_max``
    places awake runs on this thread instead (a launch would cost more). Otherwise the
    ``n_work`` items each take a stretch of whole runs (every step; runs side by side in memory
    share cache lines, so two threads had better not do neighbours at once) with scratch of
    their own. ``plans`` (``VisitPlan``): each run's schedule of visits, kept between calls;
    ``redraw``: the runs whose schedule is stale. ``paces`` (``Paces``): per run, how far places
    may leap. ``local`` and ``shared``: scratch per work item (``ItemBuffers``, ``RunScratch``:
    one copy of the latter when ``by_place``); ``clamps`` (per run) and ``work_clamps`` (per
    item) start at zero.

    Compiled without reference counting, like everything it calls: the caller allocates, and
    handing ~60 arrays to every work item of every step would otherwise cost two atomic
    operations per array, contended between the threads (a tenth of a city's run).
    """
    runs, n_places, _ = counts.shape
    # Typed constants: a literal argument would compile another copy of the callee.
    zero, one = np.int64(0), np.int64(1)
    both, start = np.int64(LEAP | GATHER), np.int64(SCHEDULE)
    stride = -blocks_taken if blocks_taken > 0 else n_work
    for k in range(runs if by_place else 1):
        plan = VisitPlan(plans.wake[k], plans.no_pull[k], plans.until[k])
        pace = Pace(
            paces.ratio[k], np.int64(paces.most_steps[k]), paces.time0[k], step0[k], paces.leapt[k]
        )
        run_shared = item_scratch(shared, zero)
        if by_place and n_steps[k] <= 0:
            continue
        # By places, pass -1 draws or keeps the visits (``SCHEDULE``, blocks dealt in turn) and
        # each step t >= 0 is two passes (``LEAP``, then ``GATHER``); by runs, one pass does all.
        # Every pass runs the one prange loop below: each prange is a parallel function of its
        # own, with its own compiled copy of ``sweep`` (seconds of a cold start each).
        for t in range(-1 if by_place else 0, n_steps[k] if by_place else 1):
            step = step0[k] + max(t, zero)
            if (
                by_place
                and t >= 0
                and awake_places(run_shared.block_wake, step, n_places, tables.block) <= serial_max
            ):
                clamps[k] += sweep(
                    counts[k], keys[k], step, one, dt[k], pace, zero, one, both, redraw[k], plan,
                    run_shared, item_buffers(local, zero), model, tables,
                )  # fmt: skip
                continue
            for half in range(2 if by_place and t >= 0 else 1):
                phase = start if t < 0 else (np.int64(LEAP) if half == 0 else np.int64(GATHER))
                pass_steps = zero if t < 0 else one
                pass_stride = n_work if t < 0 else stride
                run_shared.blocks_handed[0] = 0  # blocks are handed out from the first again
                for w_ in nb.prange(n_work):
                    w = np.int64(w_)  # prange indices are unsigned: keep callees' signatures
                    if by_place:
                        work_clamps[w] += sweep(
                            counts[k], keys[k], step, pass_steps, dt[k], pace, w, pass_stride,
                            phase, redraw[k], plan, item_scratch(shared, zero),
                            item_buffers(local, w), model, tables,
                        )  # fmt: skip
                    else:
                        for run in range(w * runs // n_work, (w + 1) * runs // n_work):
                            if n_steps[run] <= 0:
                                continue
                            run_pace = Pace(
                                paces.ratio[run], np.int64(paces.most_steps[run]),
                                paces.time0[run], step0[run], paces.leapt[run],
                            )  # fmt: skip
                            run_plan = VisitPlan(
                                plans.wake[run], plans.no_pull[run], plans.until[run]
                            )
                            clamps[run] = sweep(
                                counts[run], keys[run], step0[run], n_steps[run], dt[run],
                                run_pace, zero, one, both | start, redraw[run], run_plan,
                                item_scratch(shared, w), item_buffers(local, w), model, tables,
                            )  # fmt: skip
        if by_place:
            for w in range(n_work):
                clamps[k] += work_clamps[w]
                work_clamps[w] = 0
    return clamps
