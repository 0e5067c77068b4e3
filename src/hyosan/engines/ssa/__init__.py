"""The exact engine: a Gillespie simulation of reactions and hops on the whole graph, compiled
with numba.

Every place has a total propensity, "something happens here": its reactions and its hops out (the
subvolumes of Elf & Ehrenberg's next-subvolume method). The next event is drawn by the direct
method over places: its time from the sum a0 of all totals (one exponential, by the ziggurat),
its place in proportion to the totals, then the event inside the place in proportion to its
propensity. Places are chosen by composition and rejection (Slepoy, Thompson & Plimpton 2008):
places with a positive total sit in bins of half a binary order of magnitude; a bin is chosen in
proportion to the sum of its totals, then a member uniformly, kept with probability total /
(the bin's upper bound), at least 2/3, or drawn again. Only the places an event changed move
between bins, in O(1), so an event costs the same however many places there are. The sums of the
bins and a0 follow each change and are summed afresh every so often, and whenever a bin empties,
so round-off cannot build up.

Hops of a species that walks without attraction, usually most events, skip the places' bins:
the species keeps a list of its units by place, and a hop picks a uniform slot of the list (the
species' share of a0 is its top per-unit hop rate times the list's length), keeping the hop
with probability (the place's rate) / (the top rate): thinning, still exact. A reaction that
removes a walker leaves its place owing the list one unit; a slot drawn at a place that owes is
given up instead of hopping (units at one place are alike, so which one goes does not matter).
The list is compacted when a sixteenth of it is owed or empty, and doubled when full.

A call advances one chunk ``[t_start, t_stop]``. Because waiting times are memoryless each call
starts afresh from its counts, so rates, open link groups and counts may change between chunks.
Runs are independent and each draws only from its own stream, so the result does not depend on
the number of numba threads (a single run is simulated without starting any).

Speed comes from memory more than arithmetic: each place keeps its counts (as floats), total,
reaction propensities, per-unit hop rates of the species that move and its slot in its bin in one
64-byte-aligned row, and the bins keep the totals of their members next to them. The event loop
is compiled with ``_nrt=False`` and its helpers are inlined into it: otherwise numba wraps every
helper call taking arrays in atomic reference-count updates, or passes each array as seven
scalars, either costing more than an event.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from hyosan.engines._kinetics import attraction
from hyosan.engines._random import GOLDEN, mix64
from hyosan.engines._ziggurat import exponential
from hyosan.network.compiled import SCALE_AREA

LINE = 8
"""Float64 slots per cache line: each place's row of the cache is a whole number of lines."""
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
REFRESH = 1 << 16
"""Events between exact recomputations of the sums of the bins."""
MIN_ACCEPTANCE = 0.25
"""A species that hops without attraction is drawn from a list of its units (thinning at its
top hop rate) when every place's hop rate is at least this share of the top rate."""
MIN_HOLES = 64
"""Holes (removed units) a walkers' list may hold, beyond a sixteenth of its slots, before it is
compacted (in place, in O(slots))."""
DONE = 0
REBUILD = 1
WALKERS = 2
_INV_2_53 = 1.0 / 9007199254740992.0
_MAX_FLOAT = 1.7976931348623157e308


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


# --- the run's stream, held in a local: the same draws as _random.next_uniform --------------------
@nb.njit(cache=True, inline="always")
def _uniform(s):
    s = s + GOLDEN
    return s, float(mix64(s) >> np.uint64(11)) * _INV_2_53


# --- per-place rows: counts, total, propensities, hop rates, slot in its bin -------------------
@nb.njit(cache=True, _nrt=False, inline="always")
def _hop_unit(rows, i, m, b, pace, out_ptr, link_dest, link_rate, attract_mask, area):
    """Hop propensity of one unit of mobile species m (bias b, wander pace) out of place i."""
    total = 0.0
    for link in range(out_ptr[i], out_ptr[i + 1]):
        w = link_rate[m, link]
        if w > 0.0:
            total += w * attraction(rows, link_dest[link], b, pace, attract_mask, area)
    return total


@nb.njit(cache=True, _nrt=False, inline="always")
def _place_total(
    rows, i, n_species, mobile, walker, coef, order, units, offsets, scale_mode, pop_mask
):
    """Recompute the reaction propensities of place i into its row; return the total propensity
    of the place, hops included.

    A row holds, in turn: the counts of the place, its total, the propensity of each reaction,
    the per-unit hop rate of each mobile species and the place's slot in its bin. ``coef`` holds
    the rates, divided by area^(order - 1) for density-dependent mixing; ``units`` and
    ``offsets`` the species of each reactant unit and the earlier units of that species."""
    n_reactions = order.shape[0]
    first = n_species + 1
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
    hops = first + n_reactions
    for m in range(mobile.shape[0]):
        if walker[m] < 0:  # walkers' hops are drawn from their own list, not from places
            total += max(rows[i, mobile[m]], 0.0) * rows[i, hops + m]
    return total


@nb.njit(cache=True, _nrt=False)
def _fill_rows(
    counts,
    rows,
    coef,
    units,
    offsets,
    hop_unit,
    link_rate,
    mobile,
    walker,
    biased,
    order,
    scale_mode,
    pop_mask,
    area,
    out_ptr,
    link_dest,
    bias,
    wander,
    attract_mask,
):
    """Fill every place's row from its counts."""
    n_places, n_species = counts.shape
    n_mobile = mobile.shape[0]
    hops = n_species + 1 + order.shape[0]
    for i in range(n_places):
        for s in range(n_species):
            rows[i, s] = counts[i, s]
    for i in range(n_places):
        for m in range(n_mobile):
            if biased[m]:  # with attraction the hop rates follow the counts of this run
                rows[i, hops + m] = _hop_unit(
                    rows,
                    i,
                    m,
                    bias[mobile[m]],
                    wander[mobile[m]],
                    out_ptr,
                    link_dest,
                    link_rate,
                    attract_mask,
                    area,
                )
            else:
                rows[i, hops + m] = hop_unit[i, m]
        rows[i, n_species] = _place_total(
            rows, i, n_species, mobile, walker, coef, order, units, offsets, scale_mode, pop_mask
        )


# --- walkers: units of a species whose hops are drawn from a list of them ----------------------
@nb.njit(cache=True, _nrt=False)
def _place_walkers(rows, mobile, walker, where, debt, slots, holes):
    """List every unit of each walking species by the place it is in (``where``), afresh."""
    for m in range(mobile.shape[0]):
        w = walker[m]
        if w < 0:
            continue
        c = mobile[m]
        n = 0
        for i in range(rows.shape[0]):
            debt[w, i] = 0
            for _ in range(np.int64(rows[i, c])):
                where[w, n] = i
                n += 1
        slots[w] = n
        holes[w] = 0


@nb.njit(cache=True, _nrt=False)
def _compact_walkers(where, debt, slots, holes, w):
    """Drop the list's empty slots and settle its debts (units removed by reactions, which
    leave the list as the next listed unit of their place), keeping the order of the others."""
    n = 0
    for k in range(slots[w]):
        i = where[w, k]
        if i < 0:
            continue
        if debt[w, i] > 0:
            debt[w, i] -= 1
            continue
        where[w, n] = i
        n += 1
    slots[w] = n
    holes[w] = 0


@nb.njit(cache=True, _nrt=False)
def _rebuild(rows, total, slot, pool, weights, bins, sums, bound, meta):
    """Put every place with a positive total (column ``total`` of its row) into its bin afresh;
    the bins' scale follows the largest total. ``bins`` rows: start, room and size of each bin in
    ``pool`` (the places) and ``weights`` (their totals); column ``slot`` of a row: where the
    place is in its bin; ``meta``: key of the lowest bin, lowest and highest non-empty bins, end
    of the used pool, places in bins."""
    n_places = rows.shape[0]
    n_pool = pool.shape[0]
    start = bins[0]
    room = bins[1]
    size = bins[2]
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
        bound[k] = min(_from_bits((base + k + 1) << SHIFT), _MAX_FLOAT)
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
    meta[0] = base
    meta[1] = low
    meta[2] = high
    meta[3] = end
    meta[4] = active


@nb.njit(cache=True, _nrt=False)
def _simulate(
    rows,
    state,
    now,
    t_stop,
    pool,
    weights,
    bins,
    sums,
    bound,
    meta,
    pending,
    coef,
    units,
    offsets,
    link_source,
    link_rate,
    even,
    mobile,
    biased,
    order,
    delta_species,
    delta_value,
    scale_mode,
    pop_mask,
    area,
    out_ptr,
    link_dest,
    in_ptr,
    in_link,
    bias,
    wander,
    attract_mask,
    walker,
    hop_max,
    species_walker,
    where,
    debt,
    slots,
    holes,
    walker_room,
):
    """The event loop of one run from time ``now``, on bins made by ``_rebuild``.

    Returns (DONE, REBUILD or WALKERS, events fired, time of the last event). REBUILD: a total
    outgrew the bins or the pool is full; WALKERS: a walkers' list is full; the state is
    consistent either way: rebuild the bins (or grow the list) and call again.
    ``pending`` lists the places whose propensities an event changed: the fired place, a hop's
    destination and, with attraction, the sources of links into changed places.
    """
    n_species = pop_mask.shape[0]
    n_reactions = order.shape[0]
    n_mobile = mobile.shape[0]
    n_events = n_reactions + n_mobile
    total = n_species  # columns of a row: counts, total, reactions, hop rates, slot
    first = total + 1
    hops = first + n_reactions
    slot = hops + n_mobile
    max_delta = delta_species.shape[1]
    n_pool = pool.shape[0]
    any_bias = False
    for m in range(n_mobile):
        any_bias = any_bias or biased[m]
    start = bins[0]
    room = bins[1]
    size = bins[2]
    base = meta[0]
    low = meta[1]
    high = meta[2]
    end = meta[3]
    active = meta[4]
    a0 = 0.0
    for k in range(low, high + 1):
        a0 += sums[k]
    s = state[0]
    fired = 0
    status = DONE
    until_refresh = REFRESH

    while True:
        # Walkers' hops are drawn by thinning: each listed unit hops at its species' top rate,
        # and a hop is kept with probability (its place's rate) / (the top rate).
        walking = 0.0
        for m in range(n_mobile):
            if walker[m] >= 0:
                walking += hop_max[m] * slots[walker[m]]
        if active == 0 and not walking > 0.0:
            break
        if active > 0 and (until_refresh == 0 or not a0 > 0.0):
            # Sum the bins afresh now and then, so that round-off in their sums cannot build up.
            until_refresh = REFRESH
            a0 = 0.0
            for k in range(low, high + 1):
                a = 0.0
                for j in range(start[k], start[k] + size[k]):
                    a += weights[j]
                sums[k] = a
                a0 += a
        until_refresh -= 1
        s, wait = exponential(s)
        now += wait / (a0 + walking)
        if not now <= t_stop:
            break
        s, u = _uniform(s)
        target = u * (a0 + walking)
        hop_slot = -1

        if walking > 0.0 and (active == 0 or target >= a0):
            # Which walker: a uniform slot of a species' list (its unit's place is where it is).
            target = max(target - a0, 0.0)
            m = -1
            for mm in range(n_mobile):
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
                continue
            here = rows[i, mobile[m]]
            listed = here + debt[lw, i]
            if fraction * listed >= here:  # one removed by a reaction: it leaves the list now
                where[lw, k] = -1
                debt[lw, i] -= 1
                continue
            rate = rows[i, hops + m]
            if rate < hop_max[m] and fraction * listed * hop_max[m] >= here * rate:
                continue  # thinned: this place's units hop slower than the top rate
            hop_slot = k
            chosen = n_reactions + m
            pending[0] = i
            n_pending = 1
        else:
            # Which bin: the first, from the highest down, whose running sum exceeds the target
            # (the lowest if round-off runs past it); counting the sums at or below it avoids
            # branches.
            below = 0
            acc = 0.0
            for k in range(high, low, -1):
                acc += sums[k]
                below += acc <= target
            k = high - below
            # Which place: a uniform member, kept with probability total / bound.
            offset = start[k]
            members = size[k]
            ceiling = bound[k]
            while True:
                s, u = _uniform(s)
                x = u * members
                j = min(np.int64(x), members - 1)
                if (x - j) * ceiling < weights[offset + j]:
                    break
            i = pool[offset + j]
            pending[0] = i
            n_pending = 1

            # Which event: the first whose running sum exceeds the target, so one of positive
            # propensity; counting the sums at or below the target avoids unpredictable branches.
            s, u = _uniform(s)
            target = u * rows[i, total]
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
            chosen = below if below < n_events else last  # past the total only by round-off

        density_changed = False
        if 0 <= chosen < n_reactions:
            fired += 1
            for d in range(max_delta):
                sp = delta_species[chosen, d]
                if sp < 0:
                    break
                v = delta_value[chosen, d]
                rows[i, sp] += v
                if v != 0 and attract_mask[sp] != 0:
                    density_changed = True
                if species_walker[sp] >= 0:  # new units join the list, removed ones owe it
                    lw = walker[species_walker[sp]]
                    if v > 0:
                        for _ in range(v):
                            where[lw, slots[lw]] = i
                            slots[lw] += 1
                    else:
                        debt[lw, i] -= v
                        holes[lw] -= v
                    if holes[lw] > MIN_HOLES and 16 * holes[lw] > slots[lw]:
                        _compact_walkers(where, debt, slots, holes, lw)
                    if slots[lw] > walker_room:
                        status = WALKERS
        elif chosen >= n_reactions:
            fired += 1
            m = chosen - n_reactions
            c = mobile[m]
            lo_link = out_ptr[i]
            hi_link = out_ptr[i + 1]
            s, u = _uniform(s)
            if even[m]:  # every link of the place has the same rate: one uniform pick
                link = lo_link + min(np.int64(u * (hi_link - lo_link)), hi_link - lo_link - 1)
            else:
                b = bias[c]
                target = u * rows[i, hops + m]
                below = 0
                last = -1
                acc = 0.0
                for link in range(lo_link, hi_link):
                    w = link_rate[m, link]
                    if b != 0.0 and w > 0.0:
                        w *= attraction(rows, link_dest[link], b, wander[c], attract_mask, area)
                    if w > 0.0:
                        last = link
                    acc += w
                    below += acc <= target
                link = lo_link + below if lo_link + below < hi_link else last
            dest = link_dest[link] if link >= 0 else i  # i: unreachable, a hop in place
            rows[i, c] -= 1.0
            rows[dest, c] += 1.0
            if hop_slot >= 0:
                where[walker[m], hop_slot] = dest
            if dest != i:
                pending[1] = dest
                n_pending = 2
                density_changed = attract_mask[c] != 0

        # With attraction, a change of density in a place changes the hops into it.
        if any_bias and density_changed:
            for side in range(n_pending):
                q = pending[side]
                for idx in range(in_ptr[q], in_ptr[q + 1]):
                    src = link_source[in_link[idx]]
                    for m in range(n_mobile):
                        if biased[m]:
                            rows[src, hops + m] = _hop_unit(
                                rows,
                                src,
                                m,
                                bias[mobile[m]],
                                wander[mobile[m]],
                                out_ptr,
                                link_dest,
                                link_rate,
                                attract_mask,
                                area,
                            )
                    pending[n_pending] = src
                    n_pending += 1

        # Move the changed places between bins.
        for v in range(n_pending):
            q = pending[v]
            old = rows[q, total]
            new = _place_total(
                rows,
                q,
                n_species,
                mobile,
                walker,
                coef,
                order,
                units,
                offsets,
                scale_mode,
                pop_mask,
            )
            rows[q, total] = new
            k_old = max(_key(old) - base, 0) if old > 0.0 else -1
            k_new = max(_key(new) - base, 0) if new > 0.0 else -1
            if k_new >= BINS:
                status = REBUILD
                k_new = -1
            if k_old == k_new:
                if k_old >= 0:
                    sums[k_old] += new - old
                    weights[start[k_old] + np.int64(rows[q, slot])] = new
                    a0 += new - old
                continue
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
                if n == room[k_new]:  # move the bin to twice the room at the end of the pool
                    if end + 2 * n > n_pool:
                        status = REBUILD
                        continue
                    for j in range(n):
                        pool[end + j] = pool[start[k_new] + j]
                        weights[end + j] = weights[start[k_new] + j]
                    start[k_new] = end
                    room[k_new] = 2 * n
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
        if status != DONE:
            break

    state[0] = s
    meta[1] = low
    meta[2] = high
    meta[3] = end
    meta[4] = active
    return status, fired, now


@nb.njit(cache=True)
def _advance_run(
    counts,
    state,
    t_start,
    t_stop,
    tables,
    order,
    delta_species,
    delta_value,
    scale_mode,
    pop_mask,
    area,
    out_ptr,
    link_dest,
    in_ptr,
    in_link,
    bias,
    wander,
    attract_mask,
):
    """One run's chunk: allocate its caches, run the event loop, write the counts back."""
    coef, units, offsets, hop_unit, link_source, link_rate, even, mobile, biased = tables[:9]
    max_in, walker, hop_max, species_walker = tables[9:]
    n_places, n_species = counts.shape
    width = -(-(n_species + order.shape[0] + mobile.shape[0] + 2) // LINE) * LINE
    # One row per place, starting on a 64-byte boundary (allocations are only 32-byte aligned).
    buffer = np.empty(n_places * width + LINE)
    offset = (LINE - np.int64(buffer.ctypes.data) // 8 % LINE) % LINE
    rows = buffer[offset : offset + n_places * width].reshape((n_places, width))
    _fill_rows(
        counts,
        rows,
        coef,
        units,
        offsets,
        hop_unit,
        link_rate,
        mobile,
        walker,
        biased,
        order,
        scale_mode,
        pop_mask,
        area,
        out_ptr,
        link_dest,
        bias,
        wander,
        attract_mask,
    )
    # Walkers: a list per walking species, room for twice its units (it grows when full).
    n_walkers = 0
    capacity = 1024
    for m in range(mobile.shape[0]):
        if walker[m] >= 0:
            n_walkers += 1
            capacity = max(capacity, 2 * np.int64(counts[:, mobile[m]].sum()) + 1024)
    gain = 0  # the most units of a walking species one reaction adds
    for r in range(delta_species.shape[0]):
        for d in range(delta_species.shape[1]):
            sp = delta_species[r, d]
            if sp >= 0 and species_walker[sp] >= 0:
                gain = max(gain, np.int64(delta_value[r, d]))
    where = np.empty((n_walkers, capacity), np.int32)
    debt = np.zeros((n_walkers, n_places), np.int64)
    slots = np.zeros(n_walkers, np.int64)
    holes = np.zeros(n_walkers, np.int64)
    _place_walkers(rows, mobile, walker, where, debt, slots, holes)
    pool = np.empty(4 * n_places + BINS * MIN_ROOM, np.int32)
    weights = np.empty(pool.shape[0])
    bins = np.empty((3, BINS), np.int64)
    sums = np.empty(BINS)
    bound = np.empty(BINS)
    meta = np.empty(5, np.int64)
    pending = np.empty(2 + 2 * max_in, np.int64)
    total = n_species
    slot = n_species + 1 + order.shape[0] + mobile.shape[0]
    now = t_start
    fired = 0
    status = REBUILD
    while status != DONE:
        for w in range(n_walkers):
            if 16 * holes[w] > slots[w]:
                _compact_walkers(where, debt, slots, holes, w)
            if 2 * slots[w] > capacity - gain:
                capacity *= 2
                grown = np.empty((n_walkers, capacity), np.int32)
                grown[:, : where.shape[1]] = where
                where = grown
        if status == REBUILD:
            _rebuild(rows, total, slot, pool, weights, bins, sums, bound, meta)
        status, more, now = _simulate(
            rows,
            state,
            now,
            t_stop,
            pool,
            weights,
            bins,
            sums,
            bound,
            meta,
            pending,
            coef,
            units,
            offsets,
            link_source,
            link_rate,
            even,
            mobile,
            biased,
            order,
            delta_species,
            delta_value,
            scale_mode,
            pop_mask,
            area,
            out_ptr,
            link_dest,
            in_ptr,
            in_link,
            bias,
            wander,
            attract_mask,
            walker,
            hop_max,
            species_walker,
            where,
            debt,
            slots,
            holes,
            capacity - gain,
        )
        fired += more
    for i in range(n_places):
        for s in range(n_species):
            counts[i, s] = np.int32(rows[i, s])
    return fired


@nb.njit(cache=True)
def _shared_tables(
    n_places,
    n_species,
    rate,
    order,
    reactant_species,
    scale_mode,
    area,
    out_ptr,
    link_dest,
    link_weight,
    link_group,
    in_ptr,
    group_rate,
    bias,
):
    """Read-only tables shared by all runs of a chunk.

    Reactions: the rate of each, divided by area^(order - 1) for density-dependent mixing (one
    row, or one per place where rates or areas differ), and of each reactant unit its species
    and how many earlier units share it (falling factorials). Hops: the species that can hop
    (mobile), which of them feel attraction, the per-unit hop rate of each along each link
    (mobile-species-major, so a place's links are adjacent); for the others the per-unit hop
    rate out of each place (constant within a chunk) and whether every place's links share one
    rate; with attraction, who owns each link and the most links into a place.
    """
    n_reactions = order.shape[0]
    uniform_area = True
    for i in range(n_places):
        uniform_area = uniform_area and area[i] == area[0]
    per_place = rate.shape[0] > 1 or (scale_mode == SCALE_AREA and not uniform_area)
    coef = np.empty((n_places if per_place else 1, n_reactions))
    for g in range(coef.shape[0]):
        for r in range(n_reactions):
            a = rate[g if rate.shape[0] > 1 else 0, r]
            if scale_mode == SCALE_AREA and n_places > 0:
                for _ in range(order[r] - 1):
                    a /= area[g]
            coef[g, r] = a
    units = np.zeros(reactant_species.shape, np.int64)
    offsets = np.zeros(reactant_species.shape)
    for r in range(n_reactions):
        for u in range(order[r]):
            units[r, u] = reactant_species[r, u]
            for v in range(u):
                if reactant_species[r, v] == reactant_species[r, u]:
                    offsets[r, u] += 1.0

    n_links = link_dest.shape[0]
    n_groups = group_rate.shape[0]
    used = np.zeros(n_groups, np.bool_)  # groups with a link of positive weight
    for link in range(n_links):
        if link_weight[link] > 0.0:
            used[link_group[link]] = True
    moves = np.zeros(n_species, np.bool_)
    for g in range(n_groups):
        for c in range(n_species):
            if used[g] and group_rate[g, c] > 0.0:
                moves[c] = True
    mobile = np.flatnonzero(moves)
    n_mobile = mobile.shape[0]
    link_rate = np.empty((n_mobile, n_links))
    for m in range(n_mobile):
        c = mobile[m]
        for link in range(n_links):
            link_rate[m, link] = link_weight[link] * group_rate[link_group[link], c]
    biased = np.empty(n_mobile, np.bool_)
    even = np.zeros(n_mobile, np.bool_)
    any_bias = False
    for m in range(n_mobile):
        biased[m] = bias[mobile[m]] != 0.0
        any_bias = any_bias or biased[m]
    hop_unit = np.zeros((n_places, n_mobile))
    for m in range(n_mobile):
        if not biased[m]:
            equal = True
            for i in range(n_places):
                lo = out_ptr[i]
                for link in range(lo, out_ptr[i + 1]):
                    w = link_rate[m, link]
                    if w > 0.0:
                        hop_unit[i, m] += w
                    equal = equal and w == link_rate[m, lo]
            even[m] = equal
    link_source = np.empty(n_links if any_bias else 0, np.int64)
    max_in = 0
    if any_bias:
        for i in range(n_places):
            max_in = max(max_in, in_ptr[i + 1] - in_ptr[i])
            for link in range(out_ptr[i], out_ptr[i + 1]):
                link_source[link] = i
    # Walkers: species without attraction whose hop rate is nowhere far below its top rate.
    walker = np.full(n_mobile, -1, np.int64)
    hop_max = np.zeros(n_mobile)
    species_walker = np.full(n_species, -1, np.int64)
    n_walkers = 0
    for m in range(n_mobile):
        if biased[m] or n_places == 0:
            continue
        top = hop_unit[:, m].max()
        if top > 0.0 and hop_unit[:, m].min() >= MIN_ACCEPTANCE * top:
            walker[m] = n_walkers
            hop_max[m] = top
            species_walker[mobile[m]] = m
            n_walkers += 1
    return (
        coef, units, offsets, hop_unit, link_source, link_rate, even, mobile, biased, max_in,
        walker, hop_max, species_walker,
    )  # fmt: skip


@nb.njit(cache=True, parallel=True)
def _advance_runs(
    counts,
    rng_state,
    t_start,
    t_stop,
    tables,
    order,
    delta_species,
    delta_value,
    scale_mode,
    pop_mask,
    area,
    out_ptr,
    link_dest,
    in_ptr,
    in_link,
    bias,
    wander,
    attract_mask,
):
    """Every run on its own thread's share: runs are independent."""
    runs = counts.shape[0]
    events = np.zeros(runs, np.int64)
    for k in nb.prange(runs):
        events[k] = _advance_run(
            counts[k],
            rng_state[k],
            t_start,
            t_stop,
            tables,
            order,
            delta_species,
            delta_value,
            scale_mode,
            pop_mask,
            area,
            out_ptr,
            link_dest,
            in_ptr,
            in_link,
            bias,
            wander,
            attract_mask,
        )
    return events


@nb.njit(cache=True)
def ssa_advance(
    counts: np.ndarray,
    rng_state: np.ndarray,
    t_start: float,
    t_stop: float,
    rate: np.ndarray,
    order: np.ndarray,
    reactant_species: np.ndarray,
    delta_species: np.ndarray,
    delta_value: np.ndarray,
    source: np.ndarray,
    scale_mode: np.int64,
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
    wander: np.ndarray,
) -> np.ndarray:
    """Advance every run exactly from t_start to t_stop; return the events each fired.

    ``counts`` (runs, P, S) int32 and ``rng_state`` (runs, 1) uint64 are updated in place, so the
    next chunk continues each run's stream. The remaining arguments are
    ``CompiledNetwork.kernel_args()``; ``source`` is not needed by an exact engine. One run is
    simulated on the calling thread: starting the thread pool costs more than a small run.
    """
    tables = _shared_tables(
        counts.shape[1],
        counts.shape[2],
        rate,
        order,
        reactant_species,
        scale_mode,
        area,
        out_ptr,
        link_dest,
        link_weight,
        link_group,
        in_ptr,
        group_rate,
        bias,
    )
    if counts.shape[0] != 1:
        return _advance_runs(
            counts,
            rng_state,
            t_start,
            t_stop,
            tables,
            order,
            delta_species,
            delta_value,
            scale_mode,
            pop_mask,
            area,
            out_ptr,
            link_dest,
            in_ptr,
            in_link,
            bias,
            wander,
            attract_mask,
        )
    events = np.zeros(1, np.int64)
    events[0] = _advance_run(
        counts[0],
        rng_state[0],
        t_start,
        t_stop,
        tables,
        order,
        delta_species,
        delta_value,
        scale_mode,
        pop_mask,
        area,
        out_ptr,
        link_dest,
        in_ptr,
        in_link,
        bias,
        wander,
        attract_mask,
    )
    return events
