"""Places by total propensity, for composition and rejection (Slepoy, Thompson & Plimpton 2008).

Places with a positive total sit in bins of half a binary order of magnitude; a bin is chosen in
proportion to the sum of its totals, then a member uniformly, kept with probability total / (the
bin's upper bound), at least 2/3, or drawn again. Only the places an event changed move between
bins, in O(1), so an event costs the same however many places there are. The sums of the bins
are summed afresh every so often, and whenever a bin empties, so round-off cannot build up.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from hyosan.engines.ssa.rows import Columns
from hyosan.engines.ssa.stream import uniform

SHIFT = 51
"""A total's bin is its float64 bits shifted right by SHIFT: two bins per binary order of
magnitude, so a member is kept with probability at least 2/3."""
BINS = 256
"""Bins of places by their total, 2^-96 to 2^32 times the largest total at the last rebuild;
smaller totals share the lowest bin (still exact, rarely chosen)."""
TOP = 192
"""Bin of the largest total at a rebuild; a total that outgrows the last bin forces a rebuild."""
MIN_ROOM = 8
"""Fewest slots a bin is given at a rebuild; a full bin moves to twice the room at the pool's end,
and a full pool forces a rebuild."""
_MAX_FLOAT = 1.7976931348623157e308


class Bins(NamedTuple):
    """The bins' arrays, one set per run (allocated by ``allocate_bins``, filled by
    ``rebuild``). Bin k's members are ``pool[start[k] : start[k] + size[k]]``."""

    pool: np.ndarray
    """int32 (4 P + BINS * MIN_ROOM): the places in the bins, each bin a stretch of it."""
    weights: np.ndarray
    """float64, like ``pool``: each member's total, next to it (what a pick reads)."""
    start: np.ndarray
    """int64 (BINS,): where each bin's stretch of the pool begins."""
    room: np.ndarray
    """int64 (BINS,): how many slots the stretch has."""
    size: np.ndarray
    """int64 (BINS,): how many of them are members."""
    sums: np.ndarray
    """float64 (BINS,): the sum of the members' totals."""
    bound: np.ndarray
    """float64 (BINS,): the largest total a member of the bin can have."""


class BinSpan(NamedTuple):
    """The bins' scalars, which change as places move between bins."""

    base: np.int64
    """The key (``_key``) of the lowest bin, set at a rebuild."""
    low: np.int64
    """The lowest non-empty bin."""
    high: np.int64
    """The highest non-empty bin."""
    end: np.int64
    """The end of the used part of the pool (bins that outgrow their room move there)."""
    active: np.int64
    """Places in bins: those with a positive total."""


@intrinsic
def _key(typingctx, value):
    """The bin key of a positive float64 x: the bits of the float just below x shifted right by
    SHIFT, so that x <= _from_bits((key + 1) << SHIFT), the bin's bound, with equality at the top
    of a bin (where powers of two, common totals, sit: they are kept at once)."""
    if not isinstance(value, types.Float):
        return None

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        bits = builder.sub(builder.bitcast(args[0], i64), ir.Constant(i64, 1))
        return builder.lshr(bits, ir.Constant(i64, SHIFT))

    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, value):
    """The float64 whose bits are the int64 ``value``."""
    if not isinstance(value, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@nb.njit(cache=True, inline="always")
def allocate_bins(n_places: int) -> Bins:
    """Uninitialised bins for a run of ``n_places`` places."""
    pool = np.empty(4 * n_places + BINS * MIN_ROOM, np.int32)
    return Bins(
        pool, np.empty(pool.shape[0]), np.empty(BINS, np.int64), np.empty(BINS, np.int64),
        np.empty(BINS, np.int64), np.empty(BINS), np.empty(BINS),
    )  # fmt: skip


@nb.njit(cache=True, _nrt=False)
def rebuild(rows: np.ndarray, columns: Columns, bins: Bins) -> BinSpan:
    """Put every place with a positive total into its bin afresh, recording its slot in its row;
    the bins' scale follows the largest total."""
    total = columns.total
    slot = columns.slot
    pool = bins.pool
    weights = bins.weights
    start = bins.start
    room = bins.room
    size = bins.size
    sums = bins.sums
    n_places = rows.shape[0]
    n_pool = pool.shape[0]
    # The places to bin, listed at the end of the pool: the bins, at most 2 slots per place and
    # MIN_ROOM per bin, never reach them (the pool holds 4 per place).
    active = 0
    largest = -1
    for i in range(n_places):
        a = rows[i, total]
        if a > 0.0:
            active += 1
            pool[n_pool - active] = i
            largest = max(largest, _key(a))
    base = min(max(largest - TOP, 0), (2047 << (52 - SHIFT)) - BINS)
    for k in range(BINS):
        size[k] = 0
        sums[k] = 0.0
        bins.bound[k] = min(_from_bits((base + k + 1) << SHIFT), _MAX_FLOAT)
    for q in range(n_pool - active, n_pool):
        size[max(_key(rows[pool[q], total]) - base, 0)] += 1
    end = 0
    low = BINS
    high = -1
    for k in range(BINS):
        start[k] = end
        room[k] = max(MIN_ROOM, 2 * size[k])
        end += room[k]
        if size[k] > 0:
            low = min(low, k)
            high = k
        size[k] = 0
    for q in range(n_pool - active, n_pool):
        i = pool[q]
        a = rows[i, total]
        k = max(_key(a) - base, 0)
        pool[start[k] + size[k]] = i
        weights[start[k] + size[k]] = a
        rows[i, slot] = size[k]
        size[k] += 1
        sums[k] += a
    return BinSpan(np.int64(base), np.int64(low), np.int64(high), np.int64(end), np.int64(active))


@nb.njit(cache=True, _nrt=False, inline="always")
def binned_total(bins: Bins, span: BinSpan) -> float:
    """The sum of the bins' sums: the total propensity of all places in bins."""
    a0 = 0.0
    for k in range(span.low, span.high + 1):
        a0 += bins.sums[k]
    return a0


@nb.njit(cache=True, _nrt=False, inline="always")
def resum(bins: Bins, span: BinSpan) -> float:
    """Sum every bin's members afresh into its sum, so that round-off cannot build up; return
    the total."""
    a0 = 0.0
    for k in range(span.low, span.high + 1):
        a = 0.0
        for j in range(bins.start[k], bins.start[k] + bins.size[k]):
            a += bins.weights[j]
        bins.sums[k] = a
        a0 += a
    return a0


@nb.njit(cache=True, _nrt=False, inline="always")
def pick_place(s: np.uint64, bins: Bins, span: BinSpan, target: float) -> tuple[np.uint64, int]:
    """The place of the next event, ``target`` uniform below the bins' total; return the
    advanced stream and the place."""
    # Which bin: the first, from the highest down, whose running sum exceeds the target (the
    # lowest if round-off runs past it); counting the sums at or below it avoids branches.
    high = span.high
    below = 0
    acc = 0.0
    for k in range(high, span.low, -1):
        acc += bins.sums[k]
        below += acc <= target
    k = high - below
    # Which place: a uniform member, kept with probability total / bound.
    offset = bins.start[k]
    members = bins.size[k]
    ceiling = bins.bound[k]
    while True:
        s, u = uniform(s)
        x = u * members
        j = min(np.int64(x), members - 1)
        if (x - j) * ceiling < bins.weights[offset + j]:
            break
    return s, bins.pool[offset + j]


@nb.njit(cache=True, _nrt=False, inline="always")
def move_place(
    rows: np.ndarray,
    columns: Columns,
    bins: Bins,
    span: BinSpan,
    q: int,
    old: float,
    new: float,
    a0: float,
) -> tuple[BinSpan, float, bool]:
    """Move place q, whose total went from ``old`` to ``new``, to its new bin (out of the bins
    at 0). Return the span, the bins' total and whether the bins must be rebuilt (the new total
    outgrew the last bin, or the pool is full: the place is then left out of the bins)."""
    pool = bins.pool
    weights = bins.weights
    start = bins.start
    size = bins.size
    sums = bins.sums
    slot = columns.slot
    base = span.base
    low = span.low
    high = span.high
    end = span.end
    active = span.active
    outgrown = False
    k_old = max(_key(old) - base, 0) if old > 0.0 else -1
    k_new = max(_key(new) - base, 0) if new > 0.0 else -1
    if k_new >= BINS:
        outgrown = True
        k_new = -1
    if k_old == k_new:
        if k_old >= 0:
            sums[k_old] += new - old
            weights[start[k_old] + np.int64(rows[q, slot])] = new
            a0 += new - old
        return span, a0, outgrown
    if k_old >= 0:  # the last member of the bin takes its slot
        n = size[k_old] - 1
        at = np.int64(rows[q, slot])
        moved = pool[start[k_old] + n]
        pool[start[k_old] + at] = moved
        weights[start[k_old] + at] = weights[start[k_old] + n]
        rows[moved, slot] = at
        size[k_old] = n
        active -= 1
        if n == 0:  # an empty bin sums to zero exactly, and so does the whole afresh
            sums[k_old] = 0.0
            a0 = 0.0
            if active > 0:
                while size[high] == 0:
                    high -= 1
                while size[low] == 0:
                    low += 1
                for k in range(low, high + 1):
                    a0 += sums[k]
        else:
            sums[k_old] -= old
            a0 -= old
    if k_new >= 0:
        n = size[k_new]
        if n == bins.room[k_new]:  # move the bin to twice the room at the end of the pool
            if end + 2 * n > pool.shape[0]:
                return BinSpan(base, low, high, end, active), a0, True
            for j in range(n):
                pool[end + j] = pool[start[k_new] + j]
                weights[end + j] = weights[start[k_new] + j]
            start[k_new] = end
            bins.room[k_new] = 2 * n
            end += 2 * n
        pool[start[k_new] + n] = q
        weights[start[k_new] + n] = new
        rows[q, slot] = n
        size[k_new] = n + 1
        sums[k_new] += new
        a0 += new
        if active == 0:
            low = k_new
            high = k_new
        else:
            low = min(low, k_new)
            high = max(high, k_new)
        active += 1
    return BinSpan(base, low, high, end, active), a0, outgrown
