"""The event loop of one run: draw the time of the next event, where it happens and what it is,
fire it, and move the places it changed between bins.

The loop is compiled with ``_nrt=False`` and its helpers are inlined into it: otherwise numba
wraps every helper call taking arrays in atomic reference-count updates, or passes each array as
seven scalars, either costing more than an event.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines._ziggurat import exponential
from hyosan.engines.ssa.bins import Bins, BinSpan, binned_total, move_place, pick_place, resum
from hyosan.engines.ssa.events import fire_reaction, pick_event
from hyosan.engines.ssa.fields import spread_event
from hyosan.engines.ssa.hops import hop, rerate_hops_into
from hyosan.engines.ssa.rows import Columns, place_total
from hyosan.engines.ssa.stream import uniform
from hyosan.engines.ssa.tables import SharedTables
from hyosan.engines.ssa.walkers import Walkers, pick_walker, walking_rate
from hyosan.network.compiled import NetworkArrays
from hyosan.network.contact import ContactArrays

DONE = 0
"""The loop reached the chunk's end, or nothing can happen any more."""
REBUILD = 1
"""A total outgrew the bins or the pool is full: rebuild the bins and call again."""
WALKERS = 2
"""A walkers' list is full: grow it and call again."""
REFRESH = 1 << 16
"""Events between exact recomputations of the sums of the bins."""


@nb.njit(cache=True, _nrt=False)
def run_events(
    rows: np.ndarray,
    columns: Columns,
    state: np.ndarray,
    now: float,
    t_stop: float,
    bins: Bins,
    span: BinSpan,
    walkers: Walkers,
    room: int,
    pending: np.ndarray,
    tables: SharedTables,
    network: NetworkArrays,
    contact: ContactArrays | None,
) -> tuple[int, int, float, BinSpan]:
    """Fire events from time ``now`` until ``t_stop``, on bins made by ``rebuild``; ``state[0]``
    is the run's stream, ``room`` the slots a walkers' list may fill.

    Returns (DONE, REBUILD or WALKERS, events fired, time of the last event, the bins' span); the
    state is consistent either way. ``pending`` is scratch (2 + 2 * max_in): the places whose
    propensities an event changed, the fired place, a hop's destination and, with attraction,
    the sources of links into changed places, and those whose neighbour fields (``contact``,
    in the rows after the counts) an event changed.
    """
    n_reactions = network.order.shape[0]
    n_species = network.pop_mask.shape[0]
    any_bias = False
    for m in range(tables.biased.shape[0]):
        any_bias = any_bias or tables.biased[m]
    a0 = binned_total(bins, span)
    s = state[0]
    fired = 0
    status = DONE
    until_refresh = REFRESH

    while True:
        # Walkers' hops are drawn by thinning: each listed unit hops at its species' top rate,
        # and a hop is kept with probability (its place's rate) / (the top rate).
        walking = walking_rate(tables, walkers)
        if span.active == 0 and not walking > 0.0:
            break
        if span.active > 0 and (until_refresh == 0 or not a0 > 0.0):
            until_refresh = REFRESH
            a0 = resum(bins, span)
        until_refresh -= 1
        s, wait = exponential(s)
        now += wait / (a0 + walking)
        if not now <= t_stop:
            break
        s, u = uniform(s)
        target = u * (a0 + walking)
        hop_slot = -1
        if walking > 0.0 and (span.active == 0 or target >= a0):
            i, m, hop_slot = pick_walker(rows, columns, tables, walkers, max(target - a0, 0.0))
            if hop_slot < 0:
                continue
            chosen = n_reactions + m
        else:
            s, i = pick_place(s, bins, span, target)
            s, chosen = pick_event(s, rows, columns, tables, i)
        pending[0] = i
        n_pending = 1

        density_changed = False
        dest = i
        if 0 <= chosen < n_reactions:
            fired += 1
            density_changed, full = fire_reaction(rows, i, chosen, tables, network, walkers, room)
            if full:
                status = WALKERS
        elif chosen >= n_reactions:
            fired += 1
            m = chosen - n_reactions
            s, dest = hop(s, rows, columns, tables, network, walkers, i, m, hop_slot)
            if dest != i:
                pending[1] = dest
                n_pending = 2
                density_changed = network.attract_mask[tables.mobile[m]] != 0

        # With attraction, a change of density in a place changes the hops into it.
        if any_bias and density_changed:
            n_pending = rerate_hops_into(rows, columns, tables, network, pending, n_pending)

        if contact is not None:  # noqa: SIM102  (alone, so that numba prunes it for None)
            if chosen >= 0:
                n_pending = spread_event(
                    rows, n_species, contact, network, i, chosen if chosen < n_reactions else -1,
                    tables.mobile[chosen - n_reactions] if chosen >= n_reactions else -1, dest,
                    pending, n_pending,
                )  # fmt: skip

        # Move the changed places between bins.
        for v in range(n_pending):
            q = pending[v]
            old = rows[q, columns.total]
            new = place_total(rows, q, columns, tables, network)
            rows[q, columns.total] = new
            span, a0, outgrown = move_place(rows, columns, bins, span, q, old, new, a0)
            if outgrown:
                status = REBUILD
        if status != DONE:
            break

    state[0] = s
    return status, fired, now, span
