"""A place's rates in the current counts: per-capita hazards, its intensity (expected departures
and births per unit time), the fastest any unit there takes part in anything (its
involvement), and whether its rates depend on more than its own row (pairs that may meet, hops
biased toward the neighbours)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines._kinetics import attraction, place_scale, propensity, rate_row

FIRST_ORDER, PAIR, GENERAL = -1, -2, -3  # per-capita propensity kinds (``tables.partners``)
MASK_BITS = 62  # species that fit in the bit masks of the cheap test (bit 62 is for births)
BIRTH_BIT = 62


@nb.njit(cache=True, _nrt=False, inline="always")
def per_capita(counts, i, c, r, k, partner, order, reactant_species, scale, inv_scale):
    """Propensity of reaction r per unit of its source c: ``partner`` spares the general
    product and the division for one- and two-body reactions (``tables.partners``)."""
    d = partner[r]
    if d >= 0:
        return k * counts[i, d] * inv_scale
    if d == FIRST_ORDER:
        return k
    if d == PAIR:
        return k * (counts[i, c] - 1) * inv_scale
    return propensity(counts, i, r, k, order, reactant_species, scale) / counts[i, c]


@nb.njit(cache=True, _nrt=False, inline="always")
def place_intensity(i, counts, hazard, birth_rate, model, tables, own_only=False):
    """Place i's per-capita hazard of leaving each compartment (into ``hazard``), its births'
    propensities (``birth_rate``), and its intensity ``A``: expected departures and births per
    unit time. Returns (A, how many compartments and births have a positive one, births to draw,
    the biased hop rates of the compartments held here). Reads only row i of ``counts``, unless
    some species' hops are biased (attraction) and not ``own_only`` (which leaves biased hops
    out: for a place known to feel no pull)."""
    rate, order, reactant_species = model.rate, model.order, model.reactant_species
    out_ptr, link_dest, link_weight = model.out_ptr, model.link_dest, model.link_weight
    link_group, group_rate, bias = model.link_group, model.group_rate, model.bias
    attract_mask, wander, area = model.attract_mask, model.wander, model.area
    source_ptr, source_reaction = tables.source_ptr, tables.source_reaction
    births, hop_column = tables.births, tables.hop_column
    need, reaction_bit = tables.need, tables.reaction_bit
    hop_total, partner = tables.hop_total, tables.partner
    n_species = counts.shape[1]
    # Cheap test first: which compartments can anyone leave, given who is here at all?
    present = np.int64(0)
    occupied = False
    for s in range(n_species):
        hazard[s] = 0.0
        if counts[i, s] > 0:
            occupied = True
            if s < MASK_BITS:
                present |= np.int64(1) << s
    if not occupied and births.shape[0] == 0:
        return 0.0, np.int64(0), np.int64(0), 0.0
    candidates = np.int64(-1)  # every compartment, when there are too many for a mask
    if tables.use_masks:
        candidates = present & tables.mobile_mask if out_ptr[i + 1] > out_ptr[i] else np.int64(0)
        reacting = tables.reacting
        if reacting.shape[0] > 1:  # looked up for few species (see ``tables.reacting_table``)
            candidates |= reacting[present]
        else:
            for r in range(need.shape[0]):
                if (present & need[r]) == need[r]:
                    candidates |= reaction_bit[r]
        if candidates == 0:
            return 0.0, np.int64(0), np.int64(0), 0.0

    row = rate_row(rate, i)
    scale = place_scale(counts, i, model.scale_mode, model.pop_mask, area)
    inv_scale = 1.0 / scale
    first_link = out_ptr[i]
    last_link = out_ptr[i + 1]
    intensity = 0.0
    pulled = 0.0
    groups = np.int64(0)
    for c in range(n_species):
        n = np.int64(counts[i, c])
        if n <= 0 or not (candidates >> c) & 1:
            continue
        h = 0.0
        for idx in range(source_ptr[c], source_ptr[c + 1]):
            r = source_reaction[idx]
            h += per_capita(
                counts, i, c, r, rate[row, r], partner, order, reactant_species, scale, inv_scale
            )
        column = hop_column[c]
        if column >= 0 and last_link > first_link:
            if bias[c] == 0.0:
                h += hop_total[i, column]
            elif not own_only:
                for link in range(first_link, last_link):
                    w = link_weight[link] * group_rate[link_group[link], c]
                    if w > 0.0:
                        w *= attraction(
                            counts, link_dest[link], bias[c], wander[c], attract_mask, area
                        )
                    h += w
                    pulled += w
        if h > 0.0:
            hazard[c] = h
            intensity += n * h
            groups += 1
    n_births = births.shape[0] if (candidates >> BIRTH_BIT) & 1 else 0
    for idx in range(n_births):
        r = births[idx]
        a = propensity(counts, i, r, rate[row, r], order, reactant_species, scale)
        birth_rate[idx] = a
        if a > 0.0:
            intensity += a
            groups += 1
    return intensity, groups, np.int64(n_births), pulled


@nb.njit(cache=True, _nrt=False, inline="always")
def who_is_here(i, counts):
    """The bit mask of the compartments present in place i (those that fit in a mask), and
    whether anyone is there at all."""
    present = np.int64(0)
    occupied = False
    for s in range(counts.shape[1]):
        if counts[i, s] > 0:
            occupied = True
            if s < MASK_BITS:
                present |= np.int64(1) << s
    return present, occupied


@nb.njit(cache=True, _nrt=False, inline="always")
def pairs_possible(i, counts, model, tables):
    """Whether a reaction of two or more bodies has all its reactants in place i: only those
    make one unit's rate depend on how many others are here."""
    order, need = model.order, tables.need
    if not tables.use_masks:
        return True
    present, _ = who_is_here(i, counts)
    possible = False
    for r in range(order.shape[0]):
        possible = possible or (order[r] >= 2 and (present & need[r]) == need[r])
    return possible


@nb.njit(cache=True, _nrt=False, inline="always")
def leans(j, counts, model, may_sleep):
    """Whether place j's hazards depend on its neighbours' counts: it holds units whose hops
    are biased. Only such places must be visited every step (or stay dormant, see
    ``leap.nudge_if_first``); the others sleep as usual."""
    if may_sleep:
        return False
    bias = model.bias
    held = False
    for c in range(bias.shape[0]):
        held = held or (bias[c] != 0.0 and counts[j, c] > 0)
    return held


@nb.njit(cache=True, _nrt=False, inline="always")
def pull(i, counts, model):
    """The biased hop rates per unit out of place i, summed over its biased species (held or
    not): zero when nothing next door pulls them (a ``wander`` of 0 and no attractors)."""
    area, out_ptr, link_dest = model.area, model.out_ptr, model.link_dest
    link_weight, link_group, group_rate = model.link_weight, model.link_group, model.group_rate
    bias, attract_mask, wander = model.bias, model.attract_mask, model.wander
    total = 0.0
    for c in range(bias.shape[0]):
        if bias[c] == 0.0:
            continue
        for link in range(out_ptr[i], out_ptr[i + 1]):
            w = link_weight[link] * group_rate[link_group[link], c]
            if w > 0.0:
                total += w * attraction(
                    counts, link_dest[link], bias[c], wander[c], attract_mask, area
                )
    return total


@nb.njit(cache=True, _nrt=False, inline="always")
def place_involvement(i, counts, scratch, model, tables, no_pull=False):
    """The largest rate at which one unit present in place i takes part in anything (as any
    reactant of a reaction, consumed or not, or by hopping); ``no_pull``: the place is known to
    feel no pull (``rates.pull`` is zero), so its biased hops are left out."""
    rate, order, reactant_species = model.rate, model.order, model.reactant_species
    out_ptr, link_dest, link_weight = model.out_ptr, model.link_dest, model.link_weight
    link_group, group_rate, bias = model.link_group, model.group_rate, model.bias
    attract_mask, wander, area = model.attract_mask, model.wander, model.area
    hop_column, hop_total = tables.hop_column, tables.hop_total
    need, use_masks = tables.need, tables.use_masks
    n_species = counts.shape[1]
    for s in range(n_species):
        scratch[s] = 0.0
    present, occupied = who_is_here(i, counts)
    if not occupied:
        return 0.0
    row = rate_row(rate, i)
    scale = place_scale(counts, i, model.scale_mode, model.pop_mask, area)
    for r in range(order.shape[0]):
        if use_masks and (present & need[r]) != need[r]:
            continue  # a reactant is missing
        a = propensity(counts, i, r, rate[row, r], order, reactant_species, scale)
        if a <= 0.0:
            continue
        for u in range(order[r]):
            j = reactant_species[r, u]
            seen = False
            for v in range(u):
                seen = seen or reactant_species[r, v] == j
            if not seen:
                scratch[j] += a / counts[i, j]
    for c in range(n_species):
        column = hop_column[c]
        if column < 0 or counts[i, c] <= 0:
            continue
        if bias[c] == 0.0:
            scratch[c] += hop_total[i, column]
            continue
        if no_pull:
            continue
        for link in range(out_ptr[i], out_ptr[i + 1]):
            w = link_weight[link] * group_rate[link_group[link], c]
            if w > 0.0:
                w *= attraction(counts, link_dest[link], bias[c], wander[c], attract_mask, area)
                scratch[c] += w
    bound = 0.0
    for s in range(n_species):
        if counts[i, s] > 0 and scratch[s] > bound:
            bound = scratch[s]
    return bound
