"""The exact engine's entry point: one chunk of every run, each run on its own caches (rows,
bins, walkers' lists) built afresh from its counts, so rates, open link groups and counts may
change between chunks (waiting times are memoryless)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines.ssa.bins import BinSpan, allocate_bins, rebuild
from hyosan.engines.ssa.fields import fill_fields, pending_room
from hyosan.engines.ssa.loop import DONE, REBUILD, run_events
from hyosan.engines.ssa.rows import allocate_rows, fill_rows, row_columns
from hyosan.engines.ssa.tables import SharedTables, shared_tables
from hyosan.engines.ssa.walkers import allocate_walkers, most_added, place_walkers, tidy_walkers
from hyosan.network.compiled import NetworkArrays
from hyosan.network.contact import ContactArrays


@nb.njit(cache=True)
def advance_run(
    counts: np.ndarray,
    state: np.ndarray,
    t_start: float,
    t_stop: float,
    tables: SharedTables,
    network: NetworkArrays,
    contact: ContactArrays | None,
    room_fields: int,
) -> int:
    """One run's chunk: build its caches, run the event loop (rebuilding the bins or growing a
    walkers' list whenever it asks), write the counts back; return the events fired. The row
    holds the neighbour fields (``contact``) after the counts; ``room_fields`` is how many
    places one event may touch through them."""
    n_places, n_species = counts.shape
    n_fields = 0
    if contact is not None:  # None: pruned at compile time, the loop compiled without fields
        n_fields = contact.field_weight.shape[0]
    columns = row_columns(n_species + n_fields, network.order.shape[0], tables.mobile.shape[0])
    rows = allocate_rows(n_places, columns)
    if contact is not None:
        fill_fields(counts, rows, contact, network)
    fill_rows(counts, rows, columns, tables, network)
    walkers = allocate_walkers(counts, tables)
    gain = most_added(tables, network)
    place_walkers(rows, tables, walkers)
    bins = allocate_bins(n_places)
    span = BinSpan(np.int64(0), np.int64(0), np.int64(0), np.int64(0), np.int64(0))
    pending = np.empty(2 + 2 * tables.max_in + room_fields, np.int64)
    now = t_start
    fired = 0
    status = REBUILD
    while status != DONE:
        walkers = tidy_walkers(walkers, gain)
        if status == REBUILD:
            span = rebuild(rows, columns, bins)
        room = walkers.where.shape[1] - gain
        status, more, now, span = run_events(
            rows, columns, state, now, t_stop, bins, span, walkers, room, pending, tables, network,
            contact,
        )  # fmt: skip
        fired += more
    for i in range(n_places):
        for s in range(n_species):
            counts[i, s] = np.int32(rows[i, s])
    return fired


@nb.njit(cache=True, parallel=True)
def advance_runs(
    counts: np.ndarray,
    rng_state: np.ndarray,
    t_start: float,
    t_stop: float,
    tables: SharedTables,
    network: NetworkArrays,
    contact: ContactArrays | None,
    room_fields: int,
) -> np.ndarray:
    """Every run on its own thread's share: runs are independent."""
    runs = counts.shape[0]
    events = np.zeros(runs, np.int64)
    for k in nb.prange(runs):
        events[k] = advance_run(
            counts[k], rng_state[k], t_start, t_stop, tables, network, contact, room_fields
        )
    return events


def ssa_advance(
    counts: np.ndarray,
    rng_state: np.ndarray,
    t_start: float,
    t_stop: float,
    network: NetworkArrays,
    contact: ContactArrays | None = None,
) -> np.ndarray:
    """Advance every run exactly from t_start to t_stop; return the events each fired (see
    ``advance_all``); ``contact``: the network's neighbour fields (``CompiledNetwork.
    contact_args()``), None for a network without reactions across links.

    Without fields the kernels get None, for which numba prunes every field branch: the event
    loop compiles as it would without contact across links (a call left in it, even untaken,
    slows every event by a quarter); with fields they compile a second time."""
    if contact is not None and contact.field_weight.shape[0] == 0:
        contact = None
    room = 0 if contact is None else pending_room(contact, network)
    return advance_all(counts, rng_state, t_start, t_stop, network, contact, room)


@nb.njit(cache=True)
def advance_all(
    counts: np.ndarray,
    rng_state: np.ndarray,
    t_start: float,
    t_stop: float,
    network: NetworkArrays,
    contact: ContactArrays | None,
    room_fields: int,
) -> np.ndarray:
    """Advance every run exactly from t_start to t_stop; return the events each fired.

    ``counts`` (runs, P, S) int32 and ``rng_state`` (runs, 1) uint64 are updated in place, so the
    next chunk continues each run's stream; ``network`` is ``CompiledNetwork.kernel_args()``
    (its ``source`` is not needed by an exact engine). One run is simulated on the calling
    thread: starting the thread pool costs more than a small run.
    """
    tables = shared_tables(counts.shape[1], counts.shape[2], network)
    if counts.shape[0] != 1:
        return advance_runs(
            counts, rng_state, t_start, t_stop, tables, network, contact, room_fields
        )
    events = np.zeros(1, np.int64)
    events[0] = advance_run(
        counts[0], rng_state[0], t_start, t_stop, tables, network, contact, room_fields
    )
    return events
