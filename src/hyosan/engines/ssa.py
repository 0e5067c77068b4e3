"""The exact engine: the next-subvolume method (Elf & Ehrenberg 2004), compiled with numba.

Every place holds one exponential clock for "something happens here" (a reaction or a hop out).
An indexed priority queue keyed by those clocks gives the next place to fire; the event inside the
place is chosen in proportion to its propensity. Only places whose propensities changed get new
clocks: the fired place draws a fresh time, the others are rescaled (Gibson & Bruck 2000), which
is exact because the remaining waiting time of an exponential clock is again exponential.

A call advances one chunk ``[t_start, t_stop]``. Because of that same memorylessness each call
starts from fresh clocks, so rates, open link groups and counts may change between chunks.
Runs are independent and each draws only from its own stream, so the result does not depend on
the number of numba threads.

Speed comes from memory more than arithmetic: each place keeps its total, reaction propensities
and per-unit hop rates in one 64-byte-aligned row, and the next place likely to fire and the
heap's grandchildren are prefetched. The event loop is compiled with ``_nrt=False`` and its
helpers are inlined into it: otherwise numba wraps every helper call taking arrays in atomic
reference-count updates, or passes each array as seven scalars, either costing more than an event.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from hyosan.engines._kinetics import attraction, place_scale, propensity, rate_row
from hyosan.engines._random import exponential, next_uniform

ARITY = 4
"""Children per node of the indexed heap: half the depth of a binary heap (``_sift_down`` is
written for exactly four)."""
LINE = 8
"""Float64 slots per cache line: each place's row of the cache is a whole number of lines."""
_PREFETCH = "llvm.prefetch.p0" if binding.llvm_version_info[0] >= 17 else "llvm.prefetch.p0i8"
"""The prefetch intrinsic's name: mangled by pointer type before LLVM's pointers became opaque."""


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to bring row ``index`` of ``array`` into cache; a hint, results are unchanged."""
    if not isinstance(array, types.Array):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        view = context.make_array(array_type)(context, builder, args[0])
        row = context.cast(builder, args[1], index_type, types.intp)
        stride = cgutils.unpack_tuple(builder, view.strides, array_type.ndim)[0]
        byte = ir.IntType(8).as_pointer()
        address = builder.gep(builder.bitcast(view.data, byte), [builder.mul(row, stride)])
        i32 = ir.IntType(32)
        hint = ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, hint, _PREFETCH)
        builder.call(fn, [address, i32(0), i32(3), i32(1)])  # read, keep in all levels, data
        return context.get_dummy_value()

    return types.void(array, index), codegen


# --- indexed 4-ary heap: clock in each slot, place in each slot, slot of each place -------------
@nb.njit(cache=True, _nrt=False)
def _sift_up(keys, places, slot, k):
    key = keys[k]
    place = places[k]
    while k > 0:
        parent = (k - 1) // ARITY
        parent_key = keys[parent]
        if parent_key <= key:
            break
        keys[k] = parent_key
        moved = places[parent]
        places[k] = moved
        slot[moved] = k
        k = parent
    keys[k] = key
    places[k] = place
    slot[place] = k


@nb.njit(cache=True, _nrt=False)
def _sift_down(keys, places, slot, k):
    n = keys.shape[0]
    key = keys[k]
    place = places[k]
    while True:
        first = ARITY * k + 1
        if first + 3 < n:  # a full family: a branch-free tournament
            grandchildren = ARITY * first + 1
            if grandchildren < n:  # the next level's 16 clocks, while this level is compared
                _prefetch(keys, grandchildren)
                _prefetch(keys, min(grandchildren + 8, n - 1))
                _prefetch(places, grandchildren)
            k0 = keys[first]
            k1 = keys[first + 1]
            k2 = keys[first + 2]
            k3 = keys[first + 3]
            left = first + (k1 < k0)
            left_key = min(k0, k1)
            right = first + 2 + (k3 < k2)
            right_key = min(k2, k3)
            best = right if right_key < left_key else left
            best_key = min(left_key, right_key)
        elif first < n:
            best = first
            best_key = keys[first]
            for child in range(first + 1, n):
                if keys[child] < best_key:
                    best_key = keys[child]
                    best = child
        else:
            break
        if best_key >= key:
            break
        keys[k] = best_key
        moved = places[best]
        places[k] = moved
        slot[moved] = k
        k = best
    keys[k] = key
    places[k] = place
    slot[place] = k


# --- per-place propensity caches ----------------------------------------------------------------
@nb.njit(cache=True, _nrt=False)
def _hop_unit(counts, i, c, out_ptr, link_dest, link_rate, bias, attract_mask, area):
    """Hop propensity of one unit of species c out of place i, summed over its links."""
    total = 0.0
    b = bias[c]
    for link in range(out_ptr[i], out_ptr[i + 1]):
        w = link_rate[c, link]
        if w > 0.0:
            total += w * attraction(counts, link_dest[link], b, attract_mask, area)
    return total


@nb.njit(cache=True, _nrt=False, inline="always")
def _place_total(counts, i, cache, rate, order, reactant_species, scale_mode, pop_mask, area):
    """Recompute the reaction propensities of place i into its cache row; return the total
    propensity of the place, hops included (cache row: total, reactions, per-unit hop rates)."""
    n_reactions = order.shape[0]
    row = rate_row(rate, i)
    scale = place_scale(counts, i, scale_mode, pop_mask, area)
    total = 0.0
    for r in range(n_reactions):
        a = propensity(counts, i, r, rate[row, r], order, reactant_species, scale)
        cache[i, 1 + r] = a
        total += a
    for c in range(counts.shape[1]):
        total += max(counts[i, c], 0) * cache[i, 1 + n_reactions + c]
    cache[i, 0] = total
    return total


@nb.njit(cache=True, _nrt=False)
def _simulate(
    counts,
    state,
    t_start,
    t_stop,
    cache,
    keys,
    places,
    slot,
    pending,
    link_source,
    link_rate,
    biased,
    rate,
    order,
    reactant_species,
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
    attract_mask,
):
    """The event loop of one run on preallocated caches; returns the number of events fired.

    ``pending`` lists the places whose propensities an event changed: the fired place first (it
    draws a fresh clock), then a hop's destination and, with attraction, the sources of links
    into changed places (their clocks are rescaled).
    """
    n_places = counts.shape[0]
    n_species = counts.shape[1]
    n_reactions = order.shape[0]
    n_events = n_reactions + n_species
    hops = 1 + n_reactions  # column of the first per-unit hop rate in a cache row
    max_delta = delta_species.shape[1]
    any_bias = False
    for c in range(n_species):
        any_bias = any_bias or biased[c]

    for i in range(n_places):
        total = _place_total(
            counts, i, cache, rate, order, reactant_species, scale_mode, pop_mask, area
        )
        keys[i] = t_start + exponential(state) / total if total > 0.0 else math.inf
        places[i] = i
        slot[i] = i
    for k in range((n_places - 2) // ARITY, -1, -1):
        _sift_down(keys, places, slot, k)

    fired = 0
    while n_places > 0:
        now = keys[0]
        if not now <= t_stop:  # also stops when every clock is infinite: nothing can happen
            break
        i = places[0]
        pending[0] = i
        n_pending = 1

        # The next place to fire is most likely the earliest child of this one: fetch its data
        # while this event is worked out.
        if n_places > 4:
            left = 1 + (keys[2] < keys[1])
            right = 3 + (keys[4] < keys[3])
            likely = places[right if keys[right] < keys[left] else left]
            _prefetch(cache, likely)
            _prefetch(counts, likely)
            _prefetch(slot, likely)
            _prefetch(out_ptr, likely)

        # Which event: the first whose running sum exceeds the target, so one of positive
        # propensity; counting the sums at or below the target avoids unpredictable branches.
        target = next_uniform(state) * cache[i, 0]
        below = 0
        last = -1
        acc = 0.0
        for e in range(n_events):
            if e < n_reactions:
                p = cache[i, 1 + e]
            else:
                p = max(counts[i, e - n_reactions], 0) * cache[i, hops + e - n_reactions]
            if p > 0.0:
                last = e
            acc += p
            below += acc <= target
        chosen = below if below < n_events else last  # past the total only by round-off

        density_changed = False
        if 0 <= chosen < n_reactions:
            fired += 1
            for d in range(max_delta):
                s = delta_species[chosen, d]
                if s < 0:
                    break
                v = delta_value[chosen, d]
                counts[i, s] += v
                if v != 0 and attract_mask[s] != 0:
                    density_changed = True
        elif chosen >= n_reactions:
            fired += 1
            c = chosen - n_reactions
            b = bias[c]
            target = next_uniform(state) * cache[i, hops + c]
            start = out_ptr[i]
            stop = out_ptr[i + 1]
            below = 0
            last = -1
            acc = 0.0
            for link in range(start, stop):
                w = link_rate[c, link]
                if b != 0.0 and w > 0.0:
                    w *= attraction(counts, link_dest[link], b, attract_mask, area)
                if w > 0.0:
                    last = link
                acc += w
                below += acc <= target
            link = start + below if start + below < stop else last
            dest = link_dest[link] if link >= 0 else i  # i: unreachable, a hop in place
            counts[i, c] -= 1
            counts[dest, c] += 1
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
                    for c in range(n_species):
                        if biased[c]:
                            cache[src, hops + c] = _hop_unit(
                                counts,
                                src,
                                c,
                                out_ptr,
                                link_dest,
                                link_rate,
                                bias,
                                attract_mask,
                                area,
                            )
                    pending[n_pending] = src
                    n_pending += 1

        for u in range(n_pending):
            q = pending[u]
            old_total = cache[q, 0]
            total = _place_total(
                counts, q, cache, rate, order, reactant_species, scale_mode, pop_mask, area
            )
            k = slot[q]
            old_time = keys[k]
            if total <= 0.0:
                time = math.inf
            elif u > 0 and old_total > 0.0 and old_time < math.inf:
                time = now + (old_time - now) * (old_total / total)
            else:
                time = now + exponential(state) / total
            keys[k] = time
            if time < old_time:
                _sift_up(keys, places, slot, k)
            elif time > old_time:
                _sift_down(keys, places, slot, k)
    return fired


@nb.njit(cache=True)
def _advance_run(
    counts,
    state,
    t_start,
    t_stop,
    hop_unit,
    link_source,
    link_rate,
    biased,
    rate,
    order,
    reactant_species,
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
    attract_mask,
):
    """One run's chunk: allocate its caches, then run the event loop."""
    n_places, n_species = counts.shape
    n_reactions = order.shape[0]
    hops = 1 + n_reactions
    width = -(-(hops + n_species) // LINE) * LINE
    # One row per place, starting on a 64-byte boundary (allocations are only 32-byte aligned).
    buffer = np.empty(n_places * width + LINE)
    offset = (LINE - np.int64(buffer.ctypes.data) // 8 % LINE) % LINE
    cache = buffer[offset : offset + n_places * width].reshape((n_places, width))
    max_in = 0
    for i in range(n_places):
        for c in range(n_species):
            if biased[c]:  # with attraction the hop rates follow the counts of this run
                max_in = max(max_in, in_ptr[i + 1] - in_ptr[i])
                cache[i, hops + c] = _hop_unit(
                    counts, i, c, out_ptr, link_dest, link_rate, bias, attract_mask, area
                )
            else:
                cache[i, hops + c] = hop_unit[i, c]
    return _simulate(
        counts,
        state,
        t_start,
        t_stop,
        cache,
        np.empty(n_places),
        np.empty(n_places, np.int32),
        np.empty(n_places, np.int32),
        np.empty(2 + 2 * max_in, np.int64),
        link_source,
        link_rate,
        biased,
        rate,
        order,
        reactant_species,
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
        attract_mask,
    )


@nb.njit(cache=True)
def _shared_tables(
    n_places, n_species, out_ptr, link_dest, link_weight, link_group, group_rate, bias
):
    """Read-only tables shared by all runs of a chunk.

    Who owns each link, the per-unit hop rate of each species along each link (species-major, so
    a place's links are adjacent), which species feel attraction, and for the others the per-unit
    hop rate out of each place (constant within a chunk).
    """
    n_links = link_dest.shape[0]
    link_source = np.empty(n_links, np.int64)
    for i in range(n_places):
        for link in range(out_ptr[i], out_ptr[i + 1]):
            link_source[link] = i
    link_rate = np.empty((n_species, n_links))
    for link in range(n_links):
        for c in range(n_species):
            link_rate[c, link] = link_weight[link] * group_rate[link_group[link], c]
    biased = np.empty(n_species, np.bool_)
    for c in range(n_species):
        biased[c] = bias[c] != 0.0
    hop_unit = np.zeros((n_places, n_species))
    for i in range(n_places):
        for c in range(n_species):
            if not biased[c]:
                for link in range(out_ptr[i], out_ptr[i + 1]):
                    if link_rate[c, link] > 0.0:
                        hop_unit[i, c] += link_rate[c, link]
    return hop_unit, link_source, link_rate, biased


@nb.njit(cache=True, parallel=True)
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
) -> np.ndarray:
    """Advance every run exactly from t_start to t_stop; return the events each fired.

    ``counts`` (runs, P, S) int32 and ``rng_state`` (runs, 1) uint64 are updated in place, so the
    next chunk continues each run's stream. The remaining arguments are
    ``CompiledNetwork.kernel_args()``; ``source`` is not needed by an exact engine.
    """
    runs = counts.shape[0]
    hop_unit, link_source, link_rate, biased = _shared_tables(
        counts.shape[1],
        counts.shape[2],
        out_ptr,
        link_dest,
        link_weight,
        link_group,
        group_rate,
        bias,
    )
    events = np.zeros(runs, np.int64)
    for k in nb.prange(runs):
        events[k] = _advance_run(
            counts[k],
            rng_state[k],
            t_start,
            t_stop,
            hop_unit,
            link_source,
            link_rate,
            biased,
            rate,
            order,
            reactant_species,
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
            attract_mask,
        )
    return events
