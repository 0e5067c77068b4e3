"""The tau kernel's public entry points: ``tau_advance`` advances every run by its steps,
keeping the schedules of visits between calls; ``tau_prepare`` gives the kernels' view of a
network once for many calls."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines.tau.arrays import Paces, PreparedNetwork
from hyosan.engines.tau.schedule import LeapSchedule
from hyosan.engines.tau.sweep import advance_kernel, split_work
from hyosan.engines.tau.tables import network_arrays, prepare_network
from hyosan.engines.tau.wake import LEAP_STEPS_MAX
from hyosan.network import NetworkArrays


def _per_run(value, runs: int, dtype) -> np.ndarray:
    """A fresh writable copy, one value per run: a read-only view (what ``broadcast_to`` gives,
    or a caller's frozen array) is another type to numba and would compile ``advance_kernel``
    again."""
    return np.array(np.broadcast_to(value, runs), dtype)


def tau_prepare(
    n_species: int, *kernel_args: np.ndarray, schedule: LeapSchedule | None = None
) -> PreparedNetwork:
    """The kernels' view of a network (``kernel_args``: ``CompiledNetwork.kernel_args()``,
    spread), for ``prepared=`` of ``tau_advance`` and ``tau_involvement``: checking that a
    network is still the one prepared costs a few hundred microseconds, as much as a step of a
    city, and adaptive steps call every few steps. With a ``schedule``, the view it keeps (the
    same object for the same network, so that its visits still hold); without, a new one."""
    arrays = network_arrays(*kernel_args)
    if schedule is None:
        return prepare_network(n_species, arrays)
    return schedule.prepare(n_species, arrays)


def tau_advance(
    counts: np.ndarray,
    keys: np.ndarray,
    step0: int | np.ndarray,
    n_steps: int | np.ndarray,
    dt: float | np.ndarray,
    rate: np.ndarray,
    order: np.ndarray,
    reactant_species: np.ndarray,
    delta_species: np.ndarray,
    delta_value: np.ndarray,
    source: np.ndarray,
    scale_mode: int,
    pop_mask: np.ndarray,
    area: np.ndarray,
    out_ptr: np.ndarray,
    link_dest: np.ndarray,
    link_weight: np.ndarray,
    link_group: np.ndarray,
    in_ptr: np.ndarray,
    in_link: np.ndarray,
    group_rate: np.ndarray,
    bias: np.ndarray,
    attract_mask: np.ndarray,
    wander: np.ndarray | None = None,
    *,
    schedule: LeapSchedule | None = None,
    accuracy: float | None = None,
    longest: float | np.ndarray = np.inf,
    time0: float | np.ndarray = 0.0,
    prepared: PreparedNetwork | None = None,
) -> np.ndarray:
    """Advance every run by ``n_steps`` leaps of ``dt``; return the clamps each run needed.

    ``counts`` (runs, P, S) int32 is updated in place; ``keys`` (runs,) uint64 are the runs' keys
    and ``step0`` the global index of the first step, so chunked calls continue one sequence.
    ``step0``, ``n_steps`` and ``dt`` are one for all runs or one per run (adaptive steps).
    The remaining arguments are ``CompiledNetwork.kernel_args()``. A clamp is a (place, step)
    where a reaction's firings had to be cut back to keep the counts non-negative.
    ``schedule``: the runs' schedules of visits to keep for the next call (see ``LeapSchedule``);
    without one they are drawn anew, which changes the draws but not the law.

    ``accuracy`` (adaptive steps, with ``dt`` chosen for the busiest place): a place where every
    unit takes part in at most ``accuracy`` events per ``m`` steps in expectation, and that is
    busy over them, leaps over m steps at once (at most ``longest``, the longest step, and
    ``LEAP_STEPS_MAX`` steps): quiet places far from a front cost one visit per m steps. Such a
    leap ends early when arrivals or its own changes ask for shorter ones. ``time0``: the time
    at ``step0``, so these leaps keep their ends from one call to the next. ``prepared``: what
    ``tau_prepare`` gave for these arguments and this schedule, for callers that call many times
    in a row.
    """
    if counts.dtype != np.int32 or counts.ndim != 3 or not counts.flags.c_contiguous:
        raise TypeError("counts must be a C-contiguous int32 array of shape (runs, P, S)")
    runs, n_places, n_species = counts.shape
    keys = _per_run(keys, runs, np.uint64)
    step0 = _per_run(step0, runs, np.int64)
    n_steps = _per_run(n_steps, runs, np.int64)
    dt = _per_run(dt, runs, np.float64)
    if runs == 0 or n_places == 0 or not np.any(n_steps > 0):
        return np.zeros(runs, np.int64)
    if schedule is None:
        schedule = LeapSchedule(runs, n_places)
    elif schedule.wake.shape != (runs, n_places):
        raise ValueError(f"schedule is for {schedule.wake.shape}, counts for {(runs, n_places)}")
    if prepared is None:
        arrays = NetworkArrays(
            rate=rate, order=order, reactant_species=reactant_species,
            delta_species=delta_species, delta_value=delta_value, source=source,
            scale_mode=scale_mode, pop_mask=pop_mask, area=area, out_ptr=out_ptr,
            link_dest=link_dest, link_weight=link_weight, link_group=link_group, in_ptr=in_ptr,
            in_link=in_link, group_rate=group_rate, bias=bias, attract_mask=attract_mask,
            wander=wander,
        )  # fmt: skip
        prepared = schedule.prepare(n_species, arrays)
    redraw = ~((schedule.dt == dt) & (schedule.next_step == step0) & schedule.drawn_for(prepared))
    time0 = _per_run(time0, runs, np.float64)
    if accuracy is None:
        paces = Paces(np.zeros(runs), np.ones(runs, np.int64), time0, schedule.leapt)
    else:
        step = np.where(dt > 0, dt, 1.0)  # runs that do not move have dt 0
        spans = np.minimum(np.broadcast_to(longest, runs) / step * (1 + 1e-9), LEAP_STEPS_MAX)
        spans = np.maximum(spans, 1).astype(np.int64)
        schedule.leapt |= (spans > 1) & (n_steps > 0)
        paces = Paces(accuracy / step, spans, time0, schedule.leapt)
    # Hand out work items one at a time (each a stretch of runs, or of blocks of places): some
    # runs or regions are far busier than others, and a static split would leave threads idle.
    work = split_work(runs, n_places, prepared.tables.n_blocks, nb.get_num_threads())
    local, shared = schedule.scratch(prepared, work.by_place, work.n_work)
    clamps = np.zeros(runs, np.int64)
    previous = nb.set_parallel_chunksize(1)
    try:
        advance_kernel(
            counts, keys, step0, n_steps, dt, paces, schedule.plan(), redraw, work.by_place,
            work.n_work, work.blocks_taken, work.serial_max, prepared.model, prepared.tables,
            local, shared, clamps, np.zeros(work.n_work, np.int64),
        )  # fmt: skip
    except BaseException:
        schedule.forget()  # an interrupted call leaves counts, schedules and scratch half-way
        raise
    finally:
        nb.set_parallel_chunksize(previous)
    moved = n_steps > 0
    schedule.dt[moved] = dt[moved]
    schedule.next_step[moved] = step0[moved] + n_steps[moved]
    schedule.network[moved] = prepared
    return clamps
