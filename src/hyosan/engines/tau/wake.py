"""When places are visited: a quiet place's next visit is drawn at once (``next_wake``), a quiet
place may leap over several steps (``steps_allowed``), and each call starts by drawing or
keeping every place's next visit (``schedule_places``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines._random import stream_start
from hyosan.engines._ziggurat import exponential
from hyosan.engines.tau.arrays import NEVER
from hyosan.engines.tau.rates import leans, place_intensity, place_involvement, pull

PLACE_TEST_MAX = 1.0
"""Places whose expected number of changes in a step is below this first draw whether anything
happens there at all (see ``leap.leap_places``)."""
LEAP_STEPS_MAX = 4096
"""The most base steps one place's leap may span (adaptive steps, see ``tau_advance``)."""
LEAP_SHARE = 0.25
"""A place's leap over several steps keeps each unit's expected events below this share of
``accuracy``: long leaps of slow places lose what happens in between (a unit that hops in a
leap cannot also turn in it), and a quarter keeps that below what ssa can tell apart in the
tests while most of a city's quiet places still leap over tens of steps."""


@nb.njit(cache=True, _nrt=False, inline="always")
def time_of(pace, step, dt):
    """The time at the start of ``step`` (``pace`` holds the time of one step)."""
    return pace.time0 + (step - pace.step0) * dt


@nb.njit(cache=True, _nrt=False, inline="always")
def steps_allowed(i, counts, pace, scratch, model, tables):
    """How many base steps one leap of place i may span (1: it leaps every step): every unit
    present takes part in at most ``accuracy`` events per leap in expectation, as the base step
    is chosen for the busiest place anywhere (``pace``: accuracy / dt, the most steps)."""
    ratio, most = pace.ratio * LEAP_SHARE, pace.most_steps
    if most <= 1:
        return np.int64(1)
    involvement = place_involvement(i, counts, scratch, model, tables, np.bool_(False))
    if involvement * most <= ratio:
        return most
    return np.int64(max(ratio / involvement, 1.0))


@nb.njit(cache=True, _nrt=False, inline="always")
def next_wake(rng, intensity, dt, after, may_sleep):
    """The code of the first step from ``after`` on in which a place of this intensity must be
    visited, and whether something surely happens there then or it must draw whether it does.

    Each step something happens with probability ``1 - exp(-A dt)``, independently, while A
    stays as it is: the first such step is ``after + floor(E / (A dt))``, E a unit exponential.
    A busy place (``A dt >= PLACE_TEST_MAX``), or any place whose hazards depend on its
    neighbours (it holds units with biased hops: ``may_sleep`` false), is visited every step
    instead.
    """
    x = intensity * dt
    if x <= 0.0:
        return 2 * NEVER
    if x >= PLACE_TEST_MAX or not may_sleep:
        return 2 * after
    rng[0], unit = exponential(rng[0])  # the ziggurat: no logarithm
    wait = unit / x
    if wait >= NEVER - after:
        return 2 * NEVER
    return 2 * (after + np.int64(wait)) + 1


@nb.njit(cache=True, _nrt=False)
def schedule_places(b, counts, key, step, dt, redraw, pace, plan, shared, local, model, tables):
    """Block b at the start of a call: each place's next visit (drawn anew when ``redraw``, else
    kept from the last call; a leap over several steps keeps its end if it still may), and the
    block's earliest."""
    wake, no_pull, until = plan.wake, plan.no_pull, plan.until
    block_wake = shared.block_wake
    hazard, birth_rate, scratch = local.hazard, local.birth_rate, local.involvement
    rng = local.rng
    block = tables.block
    may_sleep = tables.may_sleep
    n_places = counts.shape[0]
    earliest = 2 * NEVER
    for i in range(b * block, min((b + 1) * block, n_places)):
        if redraw:
            intensity, _, _, _ = place_intensity(
                i, counts, hazard, birth_rate, model, tables, np.bool_(False)
            )
            rng[0] = stream_start(key, step, 2 * n_places + i)
            no_pull[i] = not may_sleep and pull(i, counts, model) == 0.0
            sleepy = no_pull[i] or not leans(i, counts, model, may_sleep)
            wake[i] = next_wake(rng, intensity, dt, step, sleepy)
            if until[i] != -np.inf:  # inside a leap over several steps, drawn for older steps
                left = np.int64(round((until[i] - time_of(pace, step, dt)) / dt))
                if (
                    left >= 1
                    and sleepy
                    and steps_allowed(i, counts, pace, scratch, model, tables) >= left
                ):
                    wake[i] = 2 * (step + left)
                else:
                    until[i] = -np.inf
        earliest = min(earliest, wake[i])
    block_wake[b] = earliest
