"""The exact engine: the next-subvolume method (Elf & Ehrenberg 2004), compiled with numba.

Every place holds one exponential clock for "something happens here" (a reaction or a hop out).
An indexed binary heap keyed by those clocks gives the next place to fire; the event inside the
place is chosen in proportion to its propensity. Only places whose propensities changed get new
clocks: the fired place draws a fresh time, the others are rescaled (Gibson & Bruck 2000), which
is exact because the remaining waiting time of an exponential clock is again exponential.

A call advances one chunk ``[t_start, t_stop]``. Because of that same memorylessness each call
starts from fresh clocks, so rates, open link groups and counts may change between chunks.
Runs are independent and each draws only from its own stream, so the result does not depend on
the number of numba threads.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hyosan.engines._kinetics import attraction, place_scale, propensity, rate_row
from hyosan.engines._random import exponential, next_uniform


# --- indexed binary heap: keys in heap order, place at each slot, slot of each place ---------------
@nb.njit(cache=True, inline="always")
def _sift_up(keys: np.ndarray, places: np.ndarray, slot: np.ndarray, k: np.int64) -> None:
    key = keys[k]
    place = places[k]
    while k > 0:
        parent = (k - 1) >> 1
        if keys[parent] <= key:
            break
        keys[k] = keys[parent]
        places[k] = places[parent]
        slot[places[k]] = k
        k = parent
    keys[k] = key
    places[k] = place
    slot[place] = k


@nb.njit(cache=True, inline="always")
def _sift_down(keys: np.ndarray, places: np.ndarray, slot: np.ndarray, k: np.int64) -> None:
    n = keys.shape[0]
    key = keys[k]
    place = places[k]
    while True:
        child = 2 * k + 1
        if child >= n:
            break
        right = child + 1
        if right < n and keys[right] < keys[child]:
            child = right
        if keys[child] >= key:
            break
        keys[k] = keys[child]
        places[k] = places[child]
        slot[places[k]] = k
        k = child
    keys[k] = key
    places[k] = place
    slot[place] = k


@nb.njit(cache=True, inline="always")
def _set_time(
    keys: np.ndarray, places: np.ndarray, slot: np.ndarray, place: np.int64, time: float
) -> None:
    k = slot[place]
    old = keys[k]
    keys[k] = time
    if time < old:
        _sift_up(keys, places, slot, k)
    elif time > old:
        _sift_down(keys, places, slot, k)


# --- per-place propensity caches ----------------------------------------------------------------
@nb.njit(cache=True, inline="always")
def _hop_unit(
    counts, i, c, out_ptr, link_dest, link_weight, link_group, group_rate, bias, attract_mask, area
):
    """Hop propensity of one unit of species c out of place i, summed over its links."""
    total = 0.0
    b = bias[c]
    for link in range(out_ptr[i], out_ptr[i + 1]):
        w = link_weight[link] * group_rate[link_group[link], c]
        if w != 0.0:
            total += w * attraction(counts, link_dest[link], b, attract_mask, area)
    return total


@nb.njit(cache=True, inline="always")
def _refresh(
    counts, i, props, hop_unit, hop_total, rate, order, reactant_species, scale_mode, pop_mask, area
):
    """Recompute the reaction and hop propensities of place i; return their sum."""
    row = rate_row(rate, i)
    scale = place_scale(counts, i, scale_mode, pop_mask, area)
    total = 0.0
    for r in range(props.shape[1]):
        a = propensity(counts, i, r, rate[row, r], order, reactant_species, scale)
        props[i, r] = a
        total += a
    for c in range(hop_unit.shape[1]):
        h = counts[i, c] * hop_unit[i, c]
        hop_total[i, c] = h
        total += h
    return total


@nb.njit(cache=True, inline="always")
def _reschedule(i, a_new, now, totals, keys, places, slot):
    """New clock for a place that did not fire: rescale the old one, or draw if it was stopped."""
    k = slot[i]
    a_old = totals[i]
    old_time = keys[k]
    totals[i] = a_new
    if a_new <= 0.0:
        new_time = math.inf
    elif a_old > 0.0 and old_time < math.inf:
        new_time = now + (old_time - now) * (a_old / a_new)
    else:
        return True  # the caller draws a fresh exponential
    _set_time(keys, places, slot, i, new_time)
    return False


@nb.njit(cache=True)
def _advance_run(
    counts,
    state,
    t_start,
    t_stop,
    link_source,
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
    link_weight,
    link_group,
    in_ptr,
    in_link,
    group_rate,
    bias,
    attract_mask,
):
    """One run's chunk: counts (P, S) and its stream state (1,) are updated in place."""
    n_places, n_species = counts.shape
    n_reactions = order.shape[0]
    max_delta = delta_species.shape[1]
    biased = np.zeros(n_species, np.bool_)
    any_bias = False
    for c in range(n_species):
        if bias[c] != 0.0:
            biased[c] = True
            any_bias = True

    props = np.empty((n_places, n_reactions))
    hop_unit = np.empty((n_places, n_species))
    hop_total = np.empty((n_places, n_species))
    totals = np.empty(n_places)
    keys = np.empty(n_places)
    places = np.empty(n_places, np.int64)
    slot = np.empty(n_places, np.int64)

    for i in range(n_places):
        for c in range(n_species):
            hop_unit[i, c] = _hop_unit(
                counts,
                i,
                c,
                out_ptr,
                link_dest,
                link_weight,
                link_group,
                group_rate,
                bias,
                attract_mask,
                area,
            )
    for i in range(n_places):
        a = _refresh(
            counts,
            i,
            props,
            hop_unit,
            hop_total,
            rate,
            order,
            reactant_species,
            scale_mode,
            pop_mask,
            area,
        )
        totals[i] = a
        keys[i] = t_start + exponential(state) / a if a > 0.0 else math.inf
        places[i] = i
        slot[i] = i
    for k in range(n_places // 2 - 1, -1, -1):
        _sift_down(keys, places, slot, k)

    events = 0
    while n_places > 0:
        now = keys[0]
        if not now <= t_stop:  # also stops when every clock is infinite: nothing can happen
            break
        i = places[0]
        a_i = totals[i]

        # Which event: reactions first, then hops by species; never one of zero propensity.
        target = next_uniform(state) * a_i
        chosen = -1
        acc = 0.0
        for r in range(n_reactions):
            p = props[i, r]
            if p > 0.0:
                chosen = r
                acc += p
                if target < acc:
                    break
        if not target < acc:
            for c in range(n_species):
                h = hop_total[i, c]
                if h > 0.0:
                    chosen = n_reactions + c
                    acc += h
                    if target < acc:
                        break
        if chosen < 0:  # a stale clock on a place with nothing left to do
            totals[i] = 0.0
            _set_time(keys, places, slot, i, math.inf)
            continue
        events += 1

        dest = -1
        attract_moved = False
        if chosen < n_reactions:
            for d in range(max_delta):
                s = delta_species[chosen, d]
                if s < 0:
                    break
                v = delta_value[chosen, d]
                counts[i, s] += v
                if v != 0 and attract_mask[s]:
                    attract_moved = True
        else:
            c = chosen - n_reactions
            target = next_uniform(state) * hop_unit[i, c]
            acc = 0.0
            b = bias[c]
            for link in range(out_ptr[i], out_ptr[i + 1]):
                w = link_weight[link] * group_rate[link_group[link], c]
                if w != 0.0:
                    if b != 0.0:
                        w *= attraction(counts, link_dest[link], b, attract_mask, area)
                    if w > 0.0:
                        dest = link_dest[link]
                        acc += w
                        if target < acc:
                            break
            if dest < 0:  # unreachable while the caches are consistent; never write out of bounds
                dest = i
            counts[i, c] -= 1
            counts[dest, c] += 1
            attract_moved = attract_mask[c] != 0 and dest != i

        # The fired place draws a fresh clock.
        a_new = _refresh(
            counts,
            i,
            props,
            hop_unit,
            hop_total,
            rate,
            order,
            reactant_species,
            scale_mode,
            pop_mask,
            area,
        )
        totals[i] = a_new
        _set_time(
            keys, places, slot, i, now + exponential(state) / a_new if a_new > 0.0 else math.inf
        )
        if dest >= 0 and dest != i:
            a_new = _refresh(
                counts,
                dest,
                props,
                hop_unit,
                hop_total,
                rate,
                order,
                reactant_species,
                scale_mode,
                pop_mask,
                area,
            )
            if _reschedule(dest, a_new, now, totals, keys, places, slot):
                _set_time(keys, places, slot, dest, now + exponential(state) / a_new)

        # With attraction, a change of density at a place changes hops into it from its
        # neighbours.
        if any_bias and attract_moved:
            for side in range(2):
                q = i if side == 0 else dest
                if q < 0:
                    continue
                for idx in range(in_ptr[q], in_ptr[q + 1]):
                    src = link_source[in_link[idx]]
                    for c in range(n_species):
                        if biased[c]:
                            hop_unit[src, c] = _hop_unit(
                                counts,
                                src,
                                c,
                                out_ptr,
                                link_dest,
                                link_weight,
                                link_group,
                                group_rate,
                                bias,
                                attract_mask,
                                area,
                            )
                    a_new = _refresh(
                        counts,
                        src,
                        props,
                        hop_unit,
                        hop_total,
                        rate,
                        order,
                        reactant_species,
                        scale_mode,
                        pop_mask,
                        area,
                    )
                    if _reschedule(src, a_new, now, totals, keys, places, slot):
                        _set_time(keys, places, slot, src, now + exponential(state) / a_new)
    return events


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
    ``CompiledNetwork.kernel_args()``.
    """
    runs = counts.shape[0]
    n_places = counts.shape[1]
    link_source = np.empty(link_dest.shape[0], np.int64)
    for i in range(n_places):
        for link in range(out_ptr[i], out_ptr[i + 1]):
            link_source[link] = i
    events = np.zeros(runs, np.int64)
    for k in nb.prange(runs):
        events[k] = _advance_run(
            counts[k],
            rng_state[k],
            t_start,
            t_stop,
            link_source,
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
            link_weight,
            link_group,
            in_ptr,
            in_link,
            group_rate,
            bias,
            attract_mask,
        )
    return events
