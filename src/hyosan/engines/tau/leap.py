"""Phase 1 of a step (``leap_places``): each place due a visit draws its own changes and its
departures per out-link, and tells the destinations (``send``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hyosan.engines._kinetics import attraction, place_scale, rate_row
from hyosan.engines._memory import prefetch
from hyosan.engines._random import next_uniform, poisson, stream_start
from hyosan.engines.tau.arrays import BUSY, CHANGED, LONE, LONE_COLUMNS, NEVER, VISITED
from hyosan.engines.tau.draws import (
    cut_back,
    draw_leaving,
    draw_leaving_some,
    draw_poisson_some,
    pick_channel,
    share_departures,
    some_here,
)
from hyosan.engines.tau.rates import leans, per_capita, place_intensity, pull
from hyosan.engines.tau.wake import LEAP_SHARE, PLACE_TEST_MAX, steps_allowed, time_of


@nb.njit(cache=True, _nrt=False)
def leap_places(b, counts, key, step, dt, pace, plan, shared, local, model, tables):
    """Phase 1 for the places of block b due a visit this step; the clamps it needed.

    Each place's own new counts go to ``fresh[i]``, its departures per out-link to ``hops`` (and
    a flag to the destination's inbox). Reads ``counts`` (the old state) only and writes only
    the rows of its own places, their out-links and inbox flags, so blocks can be done in any
    order or in parallel.

    A place is visited only in the steps its schedule names (``wake.next_wake``): in every other
    step nothing happens there, which is what its per-step draw would have said. At a visit where
    something surely happens, or where one uniform says it does (probability ``1 - exp(-A dt)``,
    for places not scheduled that way), the compartments (then births) are drawn in turn given
    that: each is the first to change with probability ``(1 - e^(-a dt)) / (1 - e^(-R dt))``
    (``a`` its own intensity, ``R`` that of it and the rest), drawn zero-truncated if so, and
    everything after it is drawn freely. The joint law is the free one's. A busy place
    (``A dt >= PLACE_TEST_MAX``) draws freely every step.
    """
    fresh, status = shared.fresh, shared.status
    block_inbox, block_wake = shared.block_inbox, shared.block_wake
    due = 2 * step + 1
    if block_wake[b] > due:
        return 0
    wake, no_pull, until = plan.wake, plan.no_pull, plan.until
    rng, weight, taken, row_new = local.rng, local.weight, local.taken, local.row_new
    fired_reaction, fired_count = local.fired_reaction, local.fired_count
    hazard, birth_rate, scratch = local.hazard, local.birth_rate, local.involvement
    rate, order, reactant_species = model.rate, model.order, model.reactant_species
    delta_species, delta_value = model.delta_species, model.delta_value
    scale_mode, pop_mask, area = model.scale_mode, model.pop_mask, model.area
    out_ptr, link_dest, link_weight = model.out_ptr, model.link_dest, model.link_weight
    link_group, group_rate, bias = model.link_group, model.group_rate, model.bias
    attract_mask, wander = model.attract_mask, model.wander
    source_ptr, source_reaction = tables.source_ptr, tables.source_reaction
    births, hop_column = tables.births, tables.hop_column
    hop_total, partner, even_hops = tables.hop_total, tables.partner, tables.even_hops
    may_sleep = tables.may_sleep
    n_species = counts.shape[1]
    clamped = 0
    block = tables.block
    # Phase 2 looks only at the places with a flag (visited, changed, arrivals, pulled): the
    # block's earliest next visit among the others is known here.
    rest = 2 * NEVER
    block_inbox[b] = 1
    # First the places due, their rows asked for at once (``prefetch``): one visit is too long
    # for the processor to run ahead into the next one's cache misses by itself.
    places = local.places
    n_due = 0
    for i in range(b * block, min((b + 1) * block, counts.shape[0])):
        code = wake[i]
        if code > due:
            rest = min(rest, code)
            continue
        places[n_due] = i
        n_due += 1
        prefetch(counts, i)
        prefetch(out_ptr, i)
        prefetch(hop_total, i)
        prefetch(even_hops, i)
    in_slot = tables.in_slot
    for q in range(n_due):  # where their departures would be told
        i = places[q]
        prefetch(in_slot, out_ptr[i])
        prefetch(link_dest, out_ptr[i])
    for q in range(n_due):
        i = places[q]
        code = wake[i]
        status[i] = VISITED
        if pace.most_steps > 1:
            until[i] = -np.inf
        # A place known to feel no pull still feels none: attractors coming next door clear
        # the mark (``nudge_if_first``), so only the others look at their neighbours. Where
        # the compartments held here feel a pull, the place does (``pull`` sums them all).
        intensity, groups, n_births, pulled = place_intensity(
            i, counts, hazard, birth_rate, model, tables, no_pull[i]
        )
        if not no_pull[i] and pulled == 0.0 and leans(i, counts, model, may_sleep):
            # No pull on what is here: the same intensity as without biased hops.
            no_pull[i] = pull(i, counts, model) == 0.0
        if intensity <= 0.0:
            continue
        # A place that can leap over several steps and is busy over them does so (its next
        # visit is when that leap ends); the others leap one step.
        leap_dt = dt
        fastest = 0.0  # a lower bound of the place's involvement (``steps_allowed``)
        if pace.most_steps > 1:
            for c in range(n_species):
                fastest = max(fastest, hazard[c])
        if (
            pace.most_steps > 1
            and 2.0 * fastest <= pace.ratio * LEAP_SHARE
            and (no_pull[i] or not leans(i, counts, model, may_sleep))
        ):
            span = steps_allowed(i, counts, pace, scratch, model, tables)
            if span > 1 and intensity * span * dt >= PLACE_TEST_MAX:
                leap_dt = span * dt
                wake[i] = 2 * (step + span)
                until[i] = time_of(pace, step + span, dt)
        rng[0] = stream_start(key, step, i)
        given_some = False  # drawing given that something happens here
        if leap_dt > dt:
            pass  # drawn freely over its span
        elif intensity * dt >= PLACE_TEST_MAX:
            status[i] = BUSY | VISITED
        else:
            if not code & 1:
                u = next_uniform(rng)
                x = intensity * dt
                if u < 1.0 - x or u < math.exp(-x):  # 1 - x <= exp(-x): mostly no exp needed
                    continue  # nothing happens here this step
            given_some = True

        row = rate_row(rate, i)
        scale = place_scale(counts, i, scale_mode, pop_mask, area)
        inv_scale = 1.0 / scale
        first_link = out_ptr[i]
        last_link = out_ptr[i + 1]
        sends = False
        n_fired = np.int64(0)
        for s in range(n_species):
            row_new[s] = counts[i, s]
        for c in range(n_species):
            if hazard[c] <= 0.0:
                continue
            n = np.int64(counts[i, c])
            if given_some:
                own = n * hazard[c]
                here = some_here(rng, own, intensity, groups, leap_dt)
                intensity -= own
                groups -= 1
                if not here:
                    continue
                given_some = False
                left = draw_leaving_some(rng, n, hazard[c], leap_dt)
            else:
                left = draw_leaving(rng, n, hazard[c], leap_dt)
            if left == 0:
                continue
            # Who left, by which channel out of compartment c: reactions, then out-links.
            # (Counters start as np.int64, not literals, so each callee is compiled once.)
            total = 0.0
            n_channels = np.int64(0)
            n_positive = np.int64(0)
            last = np.int64(-1)
            for idx in range(source_ptr[c], source_ptr[c + 1]):
                r = source_reaction[idx]
                w = per_capita(
                    counts, i, c, r, rate[row, r], partner, order, reactant_species, scale,
                    inv_scale,
                )  # fmt: skip
                weight[n_channels] = w
                if w > 0.0:
                    total += w
                    n_positive += 1
                    last = n_channels
                n_channels += 1
            n_reaction_channels = n_channels
            column = hop_column[c]
            if left == 1 and (column < 0 or bias[c] == 0.0):
                # One departure (the usual case) by plain hops or reactions: its channel is
                # drawn directly, the hops' total known (``hop_total``, summed in link order as
                # below), walking the links only as far as the one taken.
                hop_rate = hop_total[i, column] if column >= 0 else 0.0
                target = next_uniform(rng) * (total + hop_rate)
                if target < total or not hop_rate > 0.0:
                    k = pick_channel(target, weight, n_channels, last)
                    fired_reaction[n_fired] = source_reaction[source_ptr[c] + k]
                    fired_count[n_fired] = 1
                    n_fired += 1
                    continue
                target -= total
                acc = 0.0
                taken_link = np.int64(-1)
                if even_hops[i, column]:  # every link alike: one of them uniformly
                    n_out = last_link - first_link
                    k = min(np.int64(target / hop_rate * n_out), n_out - 1)
                    taken_link = first_link + k
                for link in range(first_link, last_link if taken_link < 0 else first_link):
                    w = link_weight[link] * group_rate[link_group[link], c]
                    if w > 0.0:
                        acc += w
                        taken_link = link
                        if target < acc:
                            break
                send(taken_link, c, column, np.int64(1), counts, shared, model, tables)
                row_new[c] -= 1
                sends = True
                continue
            if column >= 0:
                species_bias = bias[c]
                for link in range(first_link, last_link):
                    w = link_weight[link] * group_rate[link_group[link], c]
                    if w > 0.0 and species_bias != 0.0:
                        w *= attraction(
                            counts, link_dest[link], species_bias, wander[c], attract_mask, area
                        )
                    weight[n_channels] = w
                    if w > 0.0:
                        total += w
                        n_positive += 1
                        last = n_channels
                    n_channels += 1
            share_departures(rng, left, total, weight, n_channels, n_positive, last, taken)
            for k in range(n_channels):
                got = taken[k]
                if got == 0:
                    continue
                if k < n_reaction_channels:
                    fired_reaction[n_fired] = source_reaction[source_ptr[c] + k]
                    fired_count[n_fired] = got
                    n_fired += 1
                else:
                    link = first_link + k - n_reaction_channels
                    send(link, c, column, got, counts, shared, model, tables)
                    row_new[c] -= got
                    sends = True

        for idx in range(n_births):
            a = birth_rate[idx]
            if a <= 0.0:
                continue
            if given_some:
                here = some_here(rng, a, intensity, groups, leap_dt)
                intensity -= a
                groups -= 1
                if not here:
                    continue
                given_some = False
                fired = draw_poisson_some(rng, a * leap_dt)
            else:
                fired = poisson(rng, a * leap_dt)
            if fired > 0:
                fired_reaction[n_fired] = births[idx]
                fired_count[n_fired] = fired
                n_fired += 1

        if n_fired == 0 and not sends:
            continue
        for k in range(n_fired):
            r = fired_reaction[k]
            for d in range(delta_species.shape[1]):
                s = delta_species[r, d]
                if s < 0:
                    break
                row_new[s] += fired_count[k] * delta_value[r, d]
        if cut_back(row_new, fired_reaction, fired_count, n_fired, delta_species, delta_value):
            clamped += 1
        gained = False
        for s in range(n_species):
            fresh[i, s] = row_new[s]
            gained = gained or (attract_mask[s] != 0 and row_new[s] > counts[i, s])
        if gained and not may_sleep:
            nudge_if_first(i, counts, shared, model, tables)
        status[i] |= CHANGED
    block_wake[b] = rest  # the earliest of the places not visited: phase 2 adds the others'
    return clamped


@nb.njit(cache=True, _nrt=False, inline="always")
def send(link, c, column, got, counts, shared, model, tables):
    """Phase 1: ``got`` units of compartment c leave along ``link``: their count goes
    where the destination gathers it (the in-link's row, or its flag for one unit alone), with
    flags for its in-link, itself and its block."""
    hops, inbox, block_inbox, mail = shared.hops, shared.inbox, shared.block_inbox, shared.mail
    link_dest, attract_mask = model.link_dest, model.attract_mask
    in_slot, block, may_sleep = tables.in_slot, tables.block, tables.may_sleep
    slot = in_slot[link]
    mailed = mail[slot]
    if got == 1 and mailed == 0 and column < LONE_COLUMNS:
        # One unit (the usual case: a walker alone): the in-link's mail byte says which kind,
        # and the departures row (a cache miss at both ends) is not touched.
        mail[slot] = LONE + column
    else:
        if mailed >= LONE:  # a lone unit went this way already this step: it joins the row
            hops[slot, mailed - LONE] = 1
        hops[slot, column] = got
        mail[slot] = 1
    destination = link_dest[link]
    # Other threads may flag the same place: they all write 1.
    inbox[destination] = 1
    block_inbox[destination // block] = 1
    if not may_sleep and attract_mask[c]:
        nudge_if_first(destination, counts, shared, model, tables)


@nb.njit(cache=True, _nrt=False, inline="always")
def nudge_if_first(j, counts, shared, model, tables):
    """Attractors come to place j: if it had none, units that only walk toward them (a
    ``wander`` of 0) may now leave the places linking into j, which may be asleep (they felt no
    pull). Flag those places, so phase 2 has them visited next step. Reads the old state only,
    so the flags do not depend on the order of the blocks."""
    attract_mask = model.attract_mask
    for s in range(attract_mask.shape[0]):
        if attract_mask[s] != 0 and counts[j, s] > 0:
            return
    block_inbox, nudged = shared.block_inbox, shared.nudged
    in_ptr, in_link = model.in_ptr, model.in_link
    link_source, block = tables.link_source, tables.block
    for idx in range(in_ptr[j], in_ptr[j + 1]):
        k = link_source[in_link[idx]]
        nudged[k] = 1
        block_inbox[k // block] = 1
