"""Walkers: the units of a species that hops without attraction, listed by the place each is in,
so that its hops, usually most events, skip the places' bins.

A hop picks a uniform slot of the list (the species' share of the total rate is its top per-unit
hop rate times the list's length), kept with probability (the place's rate) / (the top rate):
thinning, still exact. A reaction that removes a walker leaves its place owing the list one unit;
a slot drawn at a place that owes is given up instead of hopping (units at one place are alike,
so which one goes does not matter). The list is compacted when a sixteenth of it is owed or
empty, and doubled when full.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from hyosan.engines.ssa.rows import Columns
from hyosan.engines.ssa.tables import SharedTables
from hyosan.network.compiled import NetworkArrays

MIN_HOLES = 64
"""Holes (removed units) a walkers' list may hold, beyond a sixteenth of its slots, before it is
compacted (in place, in O(slots))."""
MIN_CAPACITY = 1024
"""Fewest slots a list starts with (beyond twice the units of its species)."""


class Walkers(NamedTuple):
    """One run's lists of walking units, one list per walking species (W of them, numbered by
    ``SharedTables.walker``)."""

    where: np.ndarray
    """int32 (W, capacity): the place of each listed unit; -1 marks an empty slot."""
    debt: np.ndarray
    """int64 (W, P): units of each place removed by reactions, still listed."""
    slots: np.ndarray
    """int64 (W,): the used length of each list."""
    holes: np.ndarray
    """int64 (W,): empty slots and debts of each list (listed units that no longer exist)."""


@nb.njit(cache=True, inline="always")
def allocate_walkers(counts: np.ndarray, tables: SharedTables) -> Walkers:
    """Empty lists for one run, with room for twice the units of each walking species."""
    n_walkers = 0
    capacity = MIN_CAPACITY
    mobile = tables.mobile
    for m in range(mobile.shape[0]):
        if tables.walker[m] >= 0:
            n_walkers += 1
            capacity = max(capacity, 2 * np.int64(counts[:, mobile[m]].sum()) + MIN_CAPACITY)
    return Walkers(
        np.empty((n_walkers, capacity), np.int32),
        np.zeros((n_walkers, counts.shape[0]), np.int64),
        np.zeros(n_walkers, np.int64),
        np.zeros(n_walkers, np.int64),
    )


@nb.njit(cache=True, inline="always")
def most_added(tables: SharedTables, network: NetworkArrays) -> int:
    """The most units of a walking species one reaction adds: the room a list keeps spare."""
    gain = 0
    delta_species = network.delta_species
    for r in range(delta_species.shape[0]):
        for d in range(delta_species.shape[1]):
            sp = delta_species[r, d]
            if sp >= 0 and tables.species_walker[sp] >= 0:
                gain = max(gain, np.int64(network.delta_value[r, d]))
    return gain


@nb.njit(cache=True, _nrt=False)
def place_walkers(rows: np.ndarray, tables: SharedTables, walkers: Walkers) -> None:
    """List every unit of each walking species by the place it is in, afresh."""
    where = walkers.where
    for m in range(tables.mobile.shape[0]):
        w = tables.walker[m]
        if w < 0:
            continue
        c = tables.mobile[m]
        n = 0
        for i in range(rows.shape[0]):
            walkers.debt[w, i] = 0
            for _ in range(np.int64(rows[i, c])):
                where[w, n] = i
                n += 1
        walkers.slots[w] = n
        walkers.holes[w] = 0


@nb.njit(cache=True, _nrt=False)
def compact_walkers(walkers: Walkers, w: int) -> None:
    """Drop list w's empty slots and settle its debts (units removed by reactions, which leave
    the list as the next listed unit of their place), keeping the order of the others."""
    where = walkers.where
    debt = walkers.debt
    n = 0
    for k in range(walkers.slots[w]):
        i = where[w, k]
        if i < 0:
            continue
        if debt[w, i] > 0:
            debt[w, i] -= 1
            continue
        where[w, n] = i
        n += 1
    walkers.slots[w] = n
    walkers.holes[w] = 0


@nb.njit(cache=True, inline="always")
def tidy_walkers(walkers: Walkers, gain: int) -> Walkers:
    """Between calls of the event loop: compact lists with many holes, double full ones (with
    ``gain`` slots to spare)."""
    for w in range(walkers.slots.shape[0]):
        if 16 * walkers.holes[w] > walkers.slots[w]:
            compact_walkers(walkers, w)
        capacity = walkers.where.shape[1]
        if 2 * walkers.slots[w] > capacity - gain:
            grown = np.empty((walkers.where.shape[0], 2 * capacity), np.int32)
            grown[:, :capacity] = walkers.where
            walkers = Walkers(grown, walkers.debt, walkers.slots, walkers.holes)
    return walkers


@nb.njit(cache=True, _nrt=False, inline="always")
def walking_rate(tables: SharedTables, walkers: Walkers) -> float:
    """The total rate of walkers' hops at their species' top rates (before thinning)."""
    walking = 0.0
    for m in range(tables.walker.shape[0]):
        if tables.walker[m] >= 0:
            walking += tables.hop_max[m] * walkers.slots[tables.walker[m]]
    return walking


@nb.njit(cache=True, _nrt=False, inline="always")
def pick_walker(
    rows: np.ndarray, columns: Columns, tables: SharedTables, walkers: Walkers, target: float
) -> tuple[int, int, int]:
    """The walker to hop, ``target`` uniform below ``walking_rate``: return its place, its
    mobile index and its slot in the list; slot -1 when nothing hops (an empty slot, a unit
    owed to a reaction, which leaves the list now, or a hop thinned away)."""
    walker = tables.walker
    hop_max = tables.hop_max
    slots = walkers.slots
    where = walkers.where
    debt = walkers.debt
    # Which walker: a uniform slot of a species' list (its unit's place is where it is).
    m = -1
    for mm in range(walker.shape[0]):
        lw = walker[mm]
        if lw >= 0 and slots[lw] > 0:
            m = mm
            share = hop_max[mm] * slots[lw]
            if target < share:
                break
            target -= share
    lw = walker[m]
    x = target / hop_max[m]
    k = min(np.int64(x), slots[lw] - 1)
    fraction = min(x - k, 0.9999999999999999)
    i = where[lw, k]
    if i < 0:  # an empty slot
        return i, m, -1
    here = rows[i, tables.mobile[m]]
    listed = here + debt[lw, i]
    if fraction * listed >= here:  # one removed by a reaction: it leaves the list now
        where[lw, k] = -1
        debt[lw, i] -= 1
        return i, m, -1
    rate = rows[i, columns.hops + m]
    if rate < hop_max[m] and fraction * listed * hop_max[m] >= here * rate:
        return i, m, -1  # thinned: this place's units hop slower than the top rate
    return i, m, k


@nb.njit(cache=True, _nrt=False, inline="always")
def list_change(walkers: Walkers, lw: int, i: int, v: int, room: int) -> bool:
    """Place i's count of list lw's species changed by v: new units join the list, removed ones
    owe it. Return whether the list has outgrown ``room``."""
    slots = walkers.slots
    holes = walkers.holes
    if v > 0:
        for _ in range(v):
            walkers.where[lw, slots[lw]] = i
            slots[lw] += 1
    else:
        walkers.debt[lw, i] -= v
        holes[lw] -= v
    if holes[lw] > MIN_HOLES and 16 * holes[lw] > slots[lw]:
        compact_walkers(walkers, lw)
    return slots[lw] > room
