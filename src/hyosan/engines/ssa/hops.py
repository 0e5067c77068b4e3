"""Hops: a unit of a mobile species moves along one of its place's links, and, with attraction,
the places whose links lead into a place whose density changed rate their hops afresh."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines._kinetics import attraction
from hyosan.engines.ssa.rows import Columns, hop_unit_rate
from hyosan.engines.ssa.stream import uniform
from hyosan.engines.ssa.tables import SharedTables
from hyosan.engines.ssa.walkers import Walkers
from hyosan.network.compiled import NetworkArrays


@nb.njit(cache=True, _nrt=False, inline="always")
def hop(
    s: np.uint64,
    rows: np.ndarray,
    columns: Columns,
    tables: SharedTables,
    network: NetworkArrays,
    walkers: Walkers,
    i: int,
    m: int,
    hop_slot: int,
) -> tuple[np.uint64, int]:
    """Move one unit of mobile index m out of place i along a link drawn in proportion to its
    rate (and attraction); ``hop_slot``: the unit's slot in its walkers' list, or -1. Return the
    advanced stream and the destination."""
    c = tables.mobile[m]
    link_dest = network.link_dest
    lo_link = network.out_ptr[i]
    hi_link = network.out_ptr[i + 1]
    s, u = uniform(s)
    if tables.even[m]:  # every link of the place has the same rate: one uniform pick
        link = lo_link + min(np.int64(u * (hi_link - lo_link)), hi_link - lo_link - 1)
    else:
        b = network.bias[c]
        target = u * rows[i, columns.hops + m]
        below = 0
        last = -1
        acc = 0.0
        for link in range(lo_link, hi_link):
            w = tables.link_rate[m, link]
            if b != 0.0 and w > 0.0:
                w *= attraction(
                    rows, link_dest[link], b, network.wander[c], network.attract_mask, network.area
                )
            if w > 0.0:
                last = link
            acc += w
            below += acc <= target
        link = lo_link + below if lo_link + below < hi_link else last
    dest = link_dest[link] if link >= 0 else i  # i: unreachable, a hop in place
    rows[i, c] -= 1.0
    rows[dest, c] += 1.0
    if hop_slot >= 0:
        walkers.where[tables.walker[m], hop_slot] = dest
    return s, dest


@nb.njit(cache=True, _nrt=False, inline="always")
def rerate_hops_into(
    rows: np.ndarray,
    columns: Columns,
    tables: SharedTables,
    network: NetworkArrays,
    pending: np.ndarray,
    n_pending: int,
) -> int:
    """The densities of the places ``pending[:n_pending]`` changed: rate afresh the hops of
    species with attraction out of every place with a link into them, and add those places to
    ``pending``. Return the new length of ``pending``."""
    in_ptr = network.in_ptr
    hops = columns.hops
    biased = tables.biased
    for side in range(n_pending):
        q = pending[side]
        for idx in range(in_ptr[q], in_ptr[q + 1]):
            src = tables.link_source[network.in_link[idx]]
            for m in range(biased.shape[0]):
                if biased[m]:
                    rows[src, hops + m] = hop_unit_rate(rows, src, m, tables, network)
            pending[n_pending] = src
            n_pending += 1
    return n_pending
