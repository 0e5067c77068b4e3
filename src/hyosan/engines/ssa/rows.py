"""Each place's row of a run's cache: its counts, total, reaction propensities, per-unit hop rates
and slot in its bin, side by side in one 64-byte-aligned row (the event loop reads a place's row
and little else, so memory rather than arithmetic sets the pace)."""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from hyosan.engines._kinetics import attraction
from hyosan.engines.ssa.tables import SharedTables
from hyosan.network.compiled import SCALE_AREA, NetworkArrays

LINE = 8
"""Float64 slots per cache line: each place's row of the cache is a whole number of lines."""


class Columns(NamedTuple):
    """Where each thing sits in a place's row of ``rows``, a float64 (P, width) array.

    Columns ``0 .. S-1`` hold the place's counts (as floats); the rest follow them in turn.
    """

    total: np.int64
    """The place's total propensity: its reactions, and its hops drawn from places (not those
    of walking species, drawn from their lists)."""
    first: np.int64
    """Reaction r's propensity at ``first + r``."""
    hops: np.int64
    """The per-unit hop rate out of the place of mobile index m at ``hops + m``."""
    slot: np.int64
    """The place's slot in its bin (as a float); meaningless while its total is 0."""


@nb.njit(cache=True, inline="always")
def row_columns(n_species: int, n_reactions: int, n_mobile: int) -> Columns:
    """The row layout for these many species, reactions and mobile species."""
    total = np.int64(n_species)
    first = total + 1
    hops = first + n_reactions
    return Columns(total, first, hops, hops + n_mobile)


@nb.njit(cache=True, inline="always")
def allocate_rows(n_places: int, columns: Columns) -> np.ndarray:
    """Uninitialised rows for ``n_places`` places, each starting on a 64-byte boundary
    (allocations are only 32-byte aligned)."""
    width = -(-(columns.slot + 1) // LINE) * LINE
    buffer = np.empty(n_places * width + LINE)
    offset = (LINE - np.int64(buffer.ctypes.data) // 8 % LINE) % LINE
    return buffer[offset : offset + n_places * width].reshape((n_places, width))


@nb.njit(cache=True, _nrt=False, inline="always")
def hop_unit_rate(
    rows: np.ndarray, i: int, m: int, tables: SharedTables, network: NetworkArrays
) -> float:
    """Hop propensity of one unit of mobile species m out of place i, attraction included."""
    c = tables.mobile[m]
    b = network.bias[c]
    pace = network.wander[c]
    out_ptr = network.out_ptr
    link_rate = tables.link_rate
    total = 0.0
    for link in range(out_ptr[i], out_ptr[i + 1]):
        w = link_rate[m, link]
        if w > 0.0:
            total += w * attraction(
                rows, network.link_dest[link], b, pace, network.attract_mask, network.area
            )
    return total


@nb.njit(cache=True, _nrt=False, inline="always")
def place_total(
    rows: np.ndarray, i: int, columns: Columns, tables: SharedTables, network: NetworkArrays
) -> float:
    """Recompute the reaction propensities of place i into its row; return the place's total
    propensity, hops drawn from places included (the caller stores it)."""
    coef = tables.coef
    units = tables.units
    offsets = tables.offsets
    order = network.order
    pop_mask = network.pop_mask
    scale_mode = network.scale_mode
    n_species = pop_mask.shape[0]
    n_reactions = order.shape[0]
    first = columns.first
    g = i if coef.shape[0] > 1 else 0
    inverse = 1.0
    if scale_mode != SCALE_AREA:
        population = 0.0
        for s in range(n_species):
            if pop_mask[s]:
                population += rows[i, s]
        inverse = 1.0 / max(population, 1.0)
    total = 0.0
    for r in range(n_reactions):
        a = coef[g, r]
        m = order[r]
        # Orders 1 and 2 written out (a loop over units costs more than the arithmetic); a
        # factor of zero or less makes the product zero.
        if m == 1:
            a *= max(rows[i, units[r, 0]], 0.0)
        elif m == 2:
            a *= max(rows[i, units[r, 0]], 0.0) * max(rows[i, units[r, 1]] - offsets[r, 1], 0.0)
            if scale_mode != SCALE_AREA:
                a *= inverse
        elif m > 2:
            for u in range(m):
                a *= max(rows[i, units[r, u]] - offsets[r, u], 0.0)
            if scale_mode != SCALE_AREA:
                for _ in range(m - 1):
                    a *= inverse
        rows[i, first + r] = a
        total += a
    hops = columns.hops
    mobile = tables.mobile
    walker = tables.walker
    for m in range(mobile.shape[0]):
        if walker[m] < 0:  # walkers' hops are drawn from their own list, not from places
            total += max(rows[i, mobile[m]], 0.0) * rows[i, hops + m]
    return total


@nb.njit(cache=True, _nrt=False)
def fill_rows(
    counts: np.ndarray,
    rows: np.ndarray,
    columns: Columns,
    tables: SharedTables,
    network: NetworkArrays,
) -> None:
    """Fill every place's row from its counts (the slot is left to the bins)."""
    n_places, n_species = counts.shape
    mobile = tables.mobile
    n_mobile = mobile.shape[0]
    hops = columns.hops
    for i in range(n_places):
        for s in range(n_species):
            rows[i, s] = counts[i, s]
    for i in range(n_places):
        for m in range(n_mobile):
            if tables.biased[m]:  # with attraction the hop rates follow the counts of this run
                rows[i, hops + m] = hop_unit_rate(rows, i, m, tables, network)
            else:
                rows[i, hops + m] = tables.hop_unit[i, m]
        rows[i, columns.total] = place_total(rows, i, columns, tables, network)
