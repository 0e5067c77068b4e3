"""Phase 2 of a step (``gather_places``): each flagged place takes its own new counts and its
arrivals, and its next visit is drawn."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines._memory import prefetch
from hyosan.engines._random import stream_start
from hyosan.engines.tau.arrays import BUSY, CHANGED, LONE
from hyosan.engines.tau.rates import leans, pairs_possible, place_intensity
from hyosan.engines.tau.wake import next_wake, steps_allowed


@nb.njit(cache=True, _nrt=False)
def gather_places(b, counts, key, step, dt, pace, plan, shared, local, model, tables):
    """Phase 2 for block b: own new counts plus arrivals, then the next visit of every place
    that was visited or changed (the others keep theirs: nothing about them changed)."""
    fresh, hops, status, inbox = shared.fresh, shared.hops, shared.status, shared.inbox
    block_inbox, block_wake = shared.block_inbox, shared.block_wake
    nudged, mail = shared.nudged, shared.mail
    due = 2 * step + 1
    if block_wake[b] > due and not block_inbox[b]:
        return
    block_inbox[b] = 0
    wake, no_pull, until = plan.wake, plan.no_pull, plan.until
    rng, hazard, birth_rate = local.rng, local.hazard, local.birth_rate
    scratch = local.involvement
    in_ptr = model.in_ptr
    hop_species = tables.hop_species
    may_sleep = tables.may_sleep
    block = tables.block
    n_places = counts.shape[0]
    # A place without flags keeps its next visit, which the block's earliest (left by phase 1,
    # or from the last step where phase 1 skipped the block) already counts. So the flags are
    # read eight places at a time, and only flagged places are looked at. (A place flagged
    # now may come to be visited later than before: the earliest may then be early, which costs
    # one look at the block and is put right by phase 1 then.)
    earliest = block_wake[b]
    status_words, inbox_words = status.view(np.uint64), inbox.view(np.uint64)
    nudged_words = nudged.view(np.uint64)
    first, last = b * block, min((b + 1) * block, n_places)
    # The flagged places first, their rows asked for at once (as in phase 1), then the mail
    # of those with arrivals (where it is depends on a row just asked for).
    places = local.places
    hop_total = tables.hop_total
    out_ptr = model.out_ptr
    n_flagged = 0
    for word in range(first // 8, (last + 7) // 8):
        if status_words[word] | inbox_words[word] | nudged_words[word] == 0:
            continue
        for j in range(max(word * 8, first), min(word * 8 + 8, last)):
            if status[j] or inbox[j] or nudged[j]:
                places[n_flagged] = j
                n_flagged += 1
                prefetch(counts, j)
                prefetch(fresh, j)
                prefetch(in_ptr, j)
                prefetch(out_ptr, j)
                prefetch(hop_total, j)
    for q in range(n_flagged):
        j = places[q]
        if inbox[j]:
            prefetch(mail, in_ptr[j])
    for q in range(n_flagged):
        j = places[q]
        state = status[j]
        arrived = inbox[j]
        newcomer = False  # a compartment that was empty here is not any more
        if state & CHANGED:
            for s in range(counts.shape[1]):
                newcomer = newcomer or (counts[j, s] == 0 and fresh[j, s] > 0)
                counts[j, s] = fresh[j, s]
        if arrived:
            inbox[j] = 0
            for idx in range(in_ptr[j], in_ptr[j + 1]):
                mailed = mail[idx]
                if mailed == 0:
                    continue
                mail[idx] = 0
                if mailed >= LONE:  # one unit, its kind in the mail byte (``leap.send``)
                    arrival = hop_species[mailed - LONE]
                    newcomer = newcomer or counts[j, arrival] == 0
                    counts[j, arrival] += 1
                    continue
                for col in range(hop_species.shape[0]):
                    got = hops[idx, col]
                    if got != 0:
                        newcomer = newcomer or counts[j, hop_species[col]] == 0
                        counts[j, hop_species[col]] += got
                        hops[idx, col] = 0
        pulled = nudged[j] != 0
        if pace.leapt and wake[j] > due and until[j] != -np.inf:
            # Inside a leap over several steps (its events are in): it ends early, with a visit
            # next step, if what came in or what it did asks for shorter leaps. Units of kinds
            # already here change no one's rate per unit unless they meet in pairs.
            if pulled:
                nudged[j] = 0
                no_pull[j] = False
                pulled = leans(j, counts, model, may_sleep)
            if (
                pulled
                or newcomer
                or ((arrived or state & CHANGED) and pairs_possible(j, counts, model, tables))
            ):
                left = wake[j] // 2 - (step + 1)
                if pulled or steps_allowed(j, counts, pace, scratch, model, tables) < left:
                    wake[j] = 2 * (step + 1)
                    until[j] = -np.inf
            status[j] = 0
        elif wake[j] <= due or arrived or pulled:
            if pulled:
                nudged[j] = 0
                no_pull[j] = False
            leaning = leans(j, counts, model, may_sleep)
            if state & BUSY or (leaning and not no_pull[j]):
                # Busy, most likely still; or biased hops lean on the neighbours' counts,
                # which other blocks are writing now: the visit next step tells.
                wake[j] = 2 * (step + 1)
            else:  # what happens here depends on this row only (no pull felt: no biased hops)
                intensity, _, _, _ = place_intensity(  # a typed flag: one signature
                    j, counts, hazard, birth_rate, model, tables, np.bool_(True)
                )
                rng[0] = stream_start(key, step, n_places + j)
                wake[j] = next_wake(rng, intensity, dt, step + 1, True)
            status[j] = 0
        earliest = min(earliest, wake[j])
    block_wake[b] = earliest
