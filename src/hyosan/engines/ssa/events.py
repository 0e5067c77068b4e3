"""What happens inside a place: which of its events fires, and what a reaction changes."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines.ssa.rows import Columns
from hyosan.engines.ssa.stream import uniform
from hyosan.engines.ssa.tables import SharedTables
from hyosan.engines.ssa.walkers import Walkers, list_change
from hyosan.network.compiled import NetworkArrays


@nb.njit(cache=True, _nrt=False, inline="always")
def pick_event(
    s: np.uint64, rows: np.ndarray, columns: Columns, tables: SharedTables, i: int
) -> tuple[np.uint64, int]:
    """The event to fire in place i, in proportion to its propensity: reaction r is r, a hop of
    mobile index m is R + m. Return the advanced stream and the event."""
    first = columns.first
    mobile = tables.mobile
    walker = tables.walker
    n_reactions = tables.coef.shape[1]
    n_events = n_reactions + mobile.shape[0]
    s, u = uniform(s)
    target = u * rows[i, columns.total]
    # The first whose running sum exceeds the target, so one of positive propensity; counting
    # the sums at or below the target avoids unpredictable branches.
    below = 0
    last = -1
    acc = 0.0
    for e in range(n_events):
        if e < n_reactions:
            p = rows[i, first + e]
        elif walker[e - n_reactions] < 0:
            p = max(rows[i, mobile[e - n_reactions]], 0.0) * rows[i, first + e]
        else:
            p = 0.0
        if p > 0.0:
            last = e
        acc += p
        below += acc <= target
    return s, below if below < n_events else last  # past the total only by round-off


@nb.njit(cache=True, _nrt=False, inline="always")
def fire_reaction(
    rows: np.ndarray,
    i: int,
    r: int,
    tables: SharedTables,
    network: NetworkArrays,
    walkers: Walkers,
    room: int,
) -> tuple[bool, bool]:
    """Apply reaction r's changes to place i's counts (and to the walkers' lists). Return
    whether a density that attracts changed, and whether a walkers' list outgrew ``room``."""
    delta_species = network.delta_species
    density_changed = False
    full = False
    for d in range(delta_species.shape[1]):
        sp = delta_species[r, d]
        if sp < 0:
            break
        v = network.delta_value[r, d]
        rows[i, sp] += v
        if v != 0 and network.attract_mask[sp] != 0:
            density_changed = True
        m = tables.species_walker[sp]
        if m >= 0 and list_change(walkers, tables.walker[m], i, v, room):
            full = True
    return density_changed, full
