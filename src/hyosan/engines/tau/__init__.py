"""The approximate engine: a chain-binomial tau leap of fixed step ``dt``, compiled with numba.

Each step reads the counts at its start (the old state) for every propensity, scale and
attraction. In every place, each unit of a species ``c`` leaves its compartment with probability
``1 - exp(-h dt)``, ``h`` the per-capita hazard of the reactions whose ``source`` is ``c`` plus
its hops along the out-links; the departures are shared among those channels by a multinomial
draw. A binomial never takes more units than there are, so the source of a reaction cannot go
negative; reactions that consume nothing (births) fire Poisson(a dt) times. Only a reaction that
consumes more than its source (``A + B -> C`` with source ``A``, or ``2A -> B``) can overdraw a
species: its firings are then cut back, in a fixed order, and the cut is counted so the caller
can warn that ``dt`` is too coarse.

Hops write into other places, so a step has two phases: the first computes each place's own
changes and its departures per link into scratch buffers, the second gathers arrivals through the
incoming links. Every draw for (run, step, place) comes from ``stream_start(key, step, place)``
(a place's schedule below from place numbers P + i and 2 P + i),
so a history does not depend on the number of threads, on how the work is split, nor on which
other runs share the batch. Large worlds are split over places (one run at a time, so scratch is
one run's size); small worlds over runs (no parallel launch per run and step).

Quiet places sleep. Each step something happens in a place with probability ``1 - exp(-A dt)``
(``A`` its intensity: expected departures and births per unit time), independently of other
steps while its counts stay as they are, so the first step with something happening is drawn
at once (one exponential: ``_next_wake``) and the place is visited only then, or earlier if
someone arrives (its intensity changed: the draw is made again, which memorylessness allows).
Places where the expected changes per step reach ``PLACE_TEST_MAX`` are visited every step.
Places are handled in blocks that know their earliest visit, so a map where a few places are
active costs what those places cost. The schedules are kept between calls (``LeapSchedule``).

With adaptive steps (``accuracy``), the step is chosen for the busiest place anywhere: where
zombies meet people it is seconds long, and a city far from them would be visited every step
for a few hops. A place whose units all take part in at most ``LEAP_SHARE * accuracy`` events
per m steps in expectation, and that is busy over them, leaps over m steps at once: its events
for those steps are drawn and applied at the first, and its next visit is the m-th
(``_steps_allowed``). Arrivals of kinds already there wait for that visit unless they meet in
pairs there; units of a new kind, a pull felt, or own changes that ask for shorter leaps end
the leap at the next step. Each leap's end is kept as a time, so it survives a new step size.

The loops over places are compiled with ``_nrt=False``: they never allocate, and in
reference-counted code every call that takes arrays costs an atomic increment and decrement per
array, far more than an inert place.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hyosan.engines._kinetics import attraction, place_scale, propensity, rate_row
from hyosan.engines._memory import fetch_add, prefetch
from hyosan.engines._random import binomial, next_uniform, poisson, stream_start
from hyosan.engines._ziggurat import exponential

BLOCK = 256
"""Places per block: the unit of parallel work and of skipping quiet regions. Small enough to
balance a moving front between threads and to skip most of a map, large enough that handing out
blocks costs nothing."""
TAKES_PER_THREAD = 32
"""A large world's step hands out its blocks in about this many stretches per thread (each of at
least ``TAKE_MIN`` blocks): few enough that taking one costs nothing and that neighbours, whose
flags a place writes, are mostly the same thread's; many enough that a busy region is shared
out. Smaller worlds deal their blocks to ``8 * threads`` items in turn (w, w + items, ...)."""
TAKE_MIN = 2
PLACES_PARALLEL_MIN = 8192
"""From this many places one run's step is split over places; below it whole runs go to threads
(also from ``PLACES_PARALLEL_FEW_RUNS`` places when there are fewer runs than threads)."""
PLACES_PARALLEL_FEW_RUNS = 1024
SERIAL_STEP_MAX = 512
"""A step split over places with at most this many places awake (the rest asleep, see above)
runs on one thread: two blocks' work saves less than starting the threads costs."""
UNIT_TRIALS_MAX = 16
"""Compartments of at most this many units draw their departures by inversion (one uniform)."""
PLACE_TEST_MAX = 1.0
"""Places whose expected number of changes in a step is below this first draw whether anything
happens there at all (see ``_leap_places``)."""
LEAP_STEPS_MAX = 4096
LEAP_SHARE = 0.25
"""A place's leap over several steps keeps each unit's expected events below this share of
``accuracy``: long leaps of slow places lose what happens in between (a unit that hops in a
leap cannot also turn in it), and a quarter keeps that below what ssa can tell apart in the
tests while most of a city's quiet places still leap over tens of steps."""
"""The most base steps one place's leap may span (adaptive steps, see ``tau_advance``)."""
INVOLVEMENT_PIECE = 1024
"""Fewest places per parallel piece of work of ``tau_involvement``."""
UNIT_DRAWS_PER_CHANNEL = 8
"""Departures are shared out one unit at a time (one uniform each) while there are at most this
many per channel; beyond that, by conditional binomials (one binomial per channel)."""

_FIRST_ORDER, _PAIR, _GENERAL = -1, -2, -3  # per-capita propensity kinds (``_partners``)
_MASK_BITS = 62  # species that fit in the bit masks of the cheap test (bit 62 is for births)
_BIRTH_BIT = 62
_CHANGED = np.uint8(1)  # status bit: the place's own new counts are in the ``fresh`` buffer
_BUSY = np.uint8(2)  # status bit: visited this step as a busy place (it is visited again next)
_LONE = np.uint8(2)  # an in-link's mail byte: 1, see its departures row; _LONE + k: one unit of k
_LONE_COLUMNS = 256 - 2
_VISITED = np.uint8(4)  # status bit: visited in phase 1 of this step (phase 2 draws its next visit)
NEVER = np.int64(1) << np.int64(61)
"""The next visit of a place where nothing can happen until something arrives."""
# A place's next visit is stored as one code, 2 * step + sure: ``sure`` (1) if something
# surely happens there then, 0 if the visit must draw whether anything does. It is due at
# ``step`` when its code is at most 2 * step + 1.


@nb.njit(cache=True, _nrt=False)
def _cut_back(row_new, fired_reaction, fired_count, n_fired, delta_species, delta_value):
    """Reduce firings until no count is negative; return whether anything had to be cut.

    The most recently recorded firings are cut first, each by just enough. Hops are never cut:
    a species' departures never exceed its old count, so with every firing cut back the row is
    the old one minus hops, which is non-negative; hence the loop ends.
    """
    n_species = row_new.shape[0]
    max_delta = delta_species.shape[1]
    cut_any = False
    while True:
        negative = -1
        for s in range(n_species):
            if row_new[s] < 0:
                negative = s
                break
        if negative < 0:
            return cut_any
        cut_any = True
        progressed = False
        for k in range(n_fired - 1, -1, -1):
            fired = fired_count[k]
            if fired == 0:
                continue
            r = fired_reaction[k]
            used = 0
            for d in range(max_delta):
                if delta_species[r, d] == negative:
                    used = -delta_value[r, d]
                    break
            if used <= 0:
                continue
            deficit = -row_new[negative]
            cut = min(fired, (deficit + used - 1) // used)
            fired_count[k] = fired - cut
            progressed = True
            for d in range(max_delta):
                s = delta_species[r, d]
                if s < 0:
                    break
                row_new[s] -= cut * delta_value[r, d]
            if row_new[negative] >= 0:
                break
        if not progressed:  # unreachable (see above); never loop forever
            return cut_any


@nb.njit(cache=True, _nrt=False, inline="always")
def _pick(target, weight, n_channels, last):
    """The channel whose stretch of the running sum of weights holds ``target``."""
    acc = 0.0
    for k in range(n_channels):
        acc += weight[k]
        if target < acc:
            return k
    return last  # round-off may leave the target past the running sum


@nb.njit(cache=True, _nrt=False, inline="always")
def _share_units(rng, leaving, total, weight, n_channels, n_positive, last, taken):
    """Send each of ``leaving`` units down a channel drawn in proportion to ``weight``."""
    if n_positive == 1:
        taken[last] = leaving
        return
    for _ in range(leaving):
        taken[_pick(next_uniform(rng) * total, weight, n_channels, last)] += 1


@nb.njit(cache=True, _nrt=False)
def _leaving(rng, n, total, dt):
    """How many of ``n`` units leave within dt, each at per-capita hazard ``total``: exactly
    Binomial(n, 1 - exp(-total dt)). Few units: by inversion from one uniform (most steps stop
    at "nobody left", one uniform and no exp); many: a binomial draw."""
    if n <= UNIT_TRIALS_MAX:
        u = next_uniform(rng)
        x = n * total * dt
        if u < 1.0 - x:  # 1 - x <= exp(-x) = P(nobody leaves): mostly no exp needed
            return np.int64(0)
        f = math.exp(-x)
        if u < f:
            return np.int64(0)
        stay = math.exp(-total * dt)
        leaving = n
        if stay > 0.0:
            odds = (1.0 - stay) / stay
            leaving = 0
            while u >= f and leaving < n:
                u -= f
                leaving += 1
                f *= (n - leaving + 1) / leaving * odds
        return np.int64(leaving)
    return np.int64(binomial(rng, n, -math.expm1(-total * dt)))


@nb.njit(cache=True, _nrt=False)
def _share(rng, leaving, total, weight, n_channels, n_positive, last, taken):
    """Share ``leaving`` departures among the channels (``taken``): a multinomial with
    probabilities ``weight / total``, by one uniform per departure or, for many, by a
    conditional binomial per channel."""
    for k in range(n_channels):
        taken[k] = 0
    if n_positive == 1 or leaving <= UNIT_DRAWS_PER_CHANNEL * n_positive:
        _share_units(rng, leaving, total, weight, n_channels, n_positive, last, taken)
        return
    left = leaving
    remaining = total
    for k in range(n_channels):
        w = weight[k]
        if w <= 0.0:
            continue
        if k == last:
            taken[k] = left
            break
        got = binomial(rng, left, w / remaining)
        taken[k] = got
        left -= got
        remaining -= w
        if left == 0:
            break


@nb.njit(cache=True, _nrt=False, inline="always")
def _per_capita(counts, i, c, r, k, partner, order, reactant_species, scale, inv_scale):
    """Propensity of reaction r per unit of its source c: ``partner`` spares the general
    product and the division for one- and two-body reactions (``_partners``)."""
    d = partner[r]
    if d >= 0:
        return k * counts[i, d] * inv_scale
    if d == _FIRST_ORDER:
        return k
    if d == _PAIR:
        return k * (counts[i, c] - 1) * inv_scale
    return propensity(counts, i, r, k, order, reactant_species, scale) / counts[i, c]


@nb.njit(cache=True)
def _partners(order, reactant_species, source):
    """For each reaction: the other reactant of a two-body reaction with its source, or how
    its per-capita propensity is computed (first order, a pair of the same species, general)."""
    partner = np.full(order.shape[0], _GENERAL, np.int64)
    for r in range(order.shape[0]):
        c = source[r]
        if c < 0:
            continue
        if order[r] == 1 and reactant_species[r, 0] == c:
            partner[r] = _FIRST_ORDER
        elif order[r] == 2:
            a, b = reactant_species[r, 0], reactant_species[r, 1]
            if a == c and b == c:
                partner[r] = _PAIR
            elif a == c:
                partner[r] = b
            elif b == c:
                partner[r] = a
    return partner


@nb.njit(cache=True, _nrt=False)
def _leaving_some(rng, n, total, dt):
    """``_leaving`` given that at least one unit leaves (exact: the zero-truncated binomial, by
    inversion when few leave, else by drawing again until some do)."""
    some = -math.expm1(-n * total * dt)  # P(at least one leaves)
    nothing = 1.0 - some if some <= 0.5 else math.exp(-n * total * dt)
    if n <= UNIT_TRIALS_MAX or nothing >= 0.5:
        stay = math.exp(-total * dt)
        # The excess of a uniform on [P(0), 1) over P(0), drawn without cancellation.
        w = next_uniform(rng) * some
        leaving = n
        if stay > 0.0:
            odds = (1.0 - stay) / stay
            leaving = 1
            f = nothing * n * odds  # P(1)
            while w >= f and leaving < n:
                w -= f
                leaving += 1
                f *= (n - leaving + 1) / leaving * odds
        return np.int64(leaving)
    p = -math.expm1(-total * dt)
    leaving = 0
    while leaving == 0:
        leaving = binomial(rng, n, p)
    return np.int64(leaving)


@nb.njit(cache=True, _nrt=False)
def _poisson_some(rng, lam):
    """A Poisson(lam) variate given that it is at least 1 (exact, as ``_leaving_some``)."""
    nothing = math.exp(-lam)
    if nothing < 0.5:
        fired = 0
        while fired == 0:
            fired = poisson(rng, lam)
        return fired
    w = next_uniform(rng) * -math.expm1(-lam)
    fired = 1
    f = nothing * lam
    while w >= f and f > 0.0:
        w -= f
        fired += 1
        f *= lam / fired
    return fired


@nb.njit(cache=True, _nrt=False, inline="always")
def _some_here(rng, own, remaining, groups_left, dt):
    """Given that something happens among the groups still to be drawn (total intensity
    ``remaining``), whether it happens in this one (intensity ``own``)."""
    if groups_left <= 1:
        return True
    # Whether u (1 - e^(-R dt)) < 1 - e^(-a dt); with y - y^2/2 <= 1 - e^(-y) <= y, most draws
    # are decided without an exponential.
    u = next_uniform(rng)
    x_rest, x_own = remaining * dt, own * dt
    if u * x_rest < x_own - 0.5 * x_own * x_own:
        return True
    if u * (x_rest - 0.5 * x_rest * x_rest) >= x_own:
        return False
    return u * math.expm1(-x_rest) > math.expm1(-x_own)


@nb.njit(cache=True, _nrt=False, inline="always")
def _place_intensity(i, counts, hazard, birth_rate, model, tables, own_only=False):
    """Place i's per-capita hazard of leaving each compartment (into ``hazard``), its births'
    propensities (``birth_rate``), and its intensity ``A``: expected departures and births per
    unit time. Returns (A, how many compartments and births have a positive one, births to draw,
    the biased hop rates of the compartments held here). Reads only row i of ``counts``, unless
    some species' hops are biased (attraction) and not ``own_only`` (which leaves biased hops
    out: for a place known to feel no pull)."""
    (
        rate,
        order,
        reactant_species,
        _,
        _,
        scale_mode,
        pop_mask,
        area,
        out_ptr,
        link_dest,
        link_weight,
        link_group,
        _,
        _,
        group_rate,
        bias,
        attract_mask,
        wander,
    ) = model
    source_ptr, source_reaction, births, hop_column = tables[:4]
    need, reaction_bit, mobile_mask, use_masks = tables[7:11]
    hop_total, partner = tables[13], tables[14]
    n_species = counts.shape[1]
    # Cheap test first: which compartments can anyone leave, given who is here at all?
    present = np.int64(0)
    occupied = False
    for s in range(n_species):
        hazard[s] = 0.0
        if counts[i, s] > 0:
            occupied = True
            if s < _MASK_BITS:
                present |= np.int64(1) << s
    if not occupied and births.shape[0] == 0:
        return 0.0, np.int64(0), np.int64(0), 0.0
    candidates = np.int64(-1)  # every compartment, when there are too many for a mask
    if use_masks:
        candidates = present & mobile_mask if out_ptr[i + 1] > out_ptr[i] else np.int64(0)
        reacting = tables[17]
        if reacting.shape[0] > 1:  # looked up for few species (see ``_reacting``)
            candidates |= reacting[present]
        else:
            for r in range(need.shape[0]):
                if (present & need[r]) == need[r]:
                    candidates |= reaction_bit[r]
        if candidates == 0:
            return 0.0, np.int64(0), np.int64(0), 0.0

    row = rate_row(rate, i)
    scale = place_scale(counts, i, scale_mode, pop_mask, area)
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
            h += _per_capita(
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
    n_births = births.shape[0] if (candidates >> _BIRTH_BIT) & 1 else 0
    for idx in range(n_births):
        r = births[idx]
        a = propensity(counts, i, r, rate[row, r], order, reactant_species, scale)
        birth_rate[idx] = a
        if a > 0.0:
            intensity += a
            groups += 1
    return intensity, groups, np.int64(n_births), pulled


@nb.njit(cache=True, _nrt=False, inline="always")
def _who_is_here(i, counts):
    """The bit mask of the compartments present in place i (those that fit in a mask), and
    whether anyone is there at all."""
    present = np.int64(0)
    occupied = False
    for s in range(counts.shape[1]):
        if counts[i, s] > 0:
            occupied = True
            if s < _MASK_BITS:
                present |= np.int64(1) << s
    return present, occupied


@nb.njit(cache=True, _nrt=False, inline="always")
def _pairs_possible(i, counts, model, tables):
    """Whether a reaction of two or more bodies has all its reactants in place i: only those
    make one unit's rate depend on how many others are here."""
    order = model[1]
    need, use_masks = tables[7], tables[10]
    if not use_masks:
        return True
    present, _ = _who_is_here(i, counts)
    possible = False
    for r in range(order.shape[0]):
        possible = possible or (order[r] >= 2 and (present & need[r]) == need[r])
    return possible


@nb.njit(cache=True, _nrt=False, inline="always")
def _time_of(pace, step, dt):
    """The time at the start of ``step`` (``pace`` holds the time of one step)."""
    return pace[2] + (step - pace[3]) * dt


@nb.njit(cache=True, _nrt=False, inline="always")
def _steps_allowed(i, counts, pace, scratch, model, tables):
    """How many base steps one leap of place i may span (1: it leaps every step): every unit
    present takes part in at most ``accuracy`` events per leap in expectation, as the base step
    is chosen for the busiest place anywhere (``pace``: accuracy / dt, the most steps)."""
    ratio, most = pace[0] * LEAP_SHARE, pace[1]
    if most <= 1:
        return np.int64(1)
    involvement = _place_involvement(i, counts, scratch, model, tables)
    if involvement * most <= ratio:
        return most
    return np.int64(max(ratio / involvement, 1.0))


@nb.njit(cache=True, _nrt=False, inline="always")
def _next_wake(rng, intensity, dt, after, may_sleep):
    """The code of the first step from ``after`` on in which a place of this intensity must be
    visited, and whether something surely happens there then or it must draw whether it does.

    Each step something happens with probability ``1 - exp(-A dt)``, independently, while A
    stays as it is: the first such step is ``after + floor(E / (A dt))``, E a unit exponential.
    A busy place (``A dt >= PLACE_TEST_MAX``), or any place whose hazards depend on its
    neighbours (it holds units with biased hops: ``may_sleep`` false), is visited every step
    instead.
    """
    x = intensity * dt
    if x <= 0.0:
        return 2 * NEVER
    if x >= PLACE_TEST_MAX or not may_sleep:
        return 2 * after
    rng[0], unit = exponential(rng[0])  # the ziggurat: no logarithm
    wait = unit / x
    if wait >= NEVER - after:
        return 2 * NEVER
    return 2 * (after + np.int64(wait)) + 1


@nb.njit(cache=True, _nrt=False, inline="always")
def _schedule_places(b, counts, key, step, dt, redraw, pace, plan, shared, local, model, tables):
    """Block b at the start of a call: each place's next visit (drawn anew when ``redraw``, else
    kept from the last call; a leap over several steps keeps its end if it still may), and the
    block's earliest."""
    wake, no_pull, until = plan
    block_wake = shared[5]
    hazard, birth_rate, scratch = local[6], local[7], local[8]
    rng = local[0]
    block = tables[11]
    may_sleep = tables[15]
    n_places = counts.shape[0]
    earliest = 2 * NEVER
    for i in range(b * block, min((b + 1) * block, n_places)):
        if redraw:
            intensity, _, _, _ = _place_intensity(i, counts, hazard, birth_rate, model, tables)
            rng[0] = stream_start(key, step, 2 * n_places + i)
            no_pull[i] = not may_sleep and _pull(i, counts, model) == 0.0
            sleepy = no_pull[i] or not _leans(i, counts, model, may_sleep)
            wake[i] = _next_wake(rng, intensity, dt, step, sleepy)
            if until[i] != -np.inf:  # inside a leap over several steps, drawn for older steps
                left = np.int64(round((until[i] - _time_of(pace, step, dt)) / dt))
                if (
                    left >= 1
                    and sleepy
                    and _steps_allowed(i, counts, pace, scratch, model, tables) >= left
                ):
                    wake[i] = 2 * (step + left)
                else:
                    until[i] = -np.inf
        earliest = min(earliest, wake[i])
    block_wake[b] = earliest


@nb.njit(cache=True, _nrt=False, inline="always")
def _leap_places(b, counts, key, step, dt, pace, plan, shared, local, model, tables):
    """Phase 1 for the places of block b due a visit this step; the clamps it needed.

    Each place's own new counts go to ``fresh[i]``, its departures per out-link to ``hops`` (and
    a flag to the destination's inbox). Reads ``counts`` (the old state) only and writes only
    the rows of its own places, their out-links and inbox flags, so blocks can be done in any
    order or in parallel.

    A place is visited only in the steps its schedule names (``_next_wake``): in every other step
    nothing happens there, which is what its per-step draw would have said. At a visit where
    something surely happens, or where one uniform says it does (probability ``1 - exp(-A dt)``,
    for places not scheduled that way), the compartments (then births) are drawn in turn given
    that: each is the first to change with probability ``(1 - e^(-a dt)) / (1 - e^(-R dt))``
    (``a`` its own intensity, ``R`` that of it and the rest), drawn zero-truncated if so, and
    everything after it is drawn freely. The joint law is the free one's. A busy place
    (``A dt >= PLACE_TEST_MAX``) draws freely every step.
    """
    fresh, status, block_inbox, block_wake = shared[0], shared[2], shared[4], shared[5]
    due = 2 * step + 1
    if block_wake[b] > due:
        return 0
    wake, no_pull, until = plan
    rng, weight, taken, row_new, fired_reaction, fired_count, hazard, birth_rate = local[:8]
    scratch = local[8]
    (
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
        _,
        _,
        group_rate,
        bias,
        attract_mask,
        wander,
    ) = model
    source_ptr, source_reaction, births, hop_column = tables[:4]
    hop_total, partner, even_hops = tables[13], tables[14], tables[18]
    may_sleep = tables[15]
    n_species = counts.shape[1]
    clamped = 0
    block = tables[11]
    # Phase 2 looks only at the places with a flag (visited, changed, arrivals, pulled): the
    # block's earliest next visit among the others is known here.
    rest = 2 * NEVER
    block_inbox[b] = 1
    # First the places due, their rows asked for at once (``prefetch``): one visit is too long
    # for the processor to run ahead into the next one's cache misses by itself.
    places = local[9]
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
    in_slot = tables[12]
    for q in range(n_due):  # where their departures would be told
        i = places[q]
        prefetch(in_slot, out_ptr[i])
        prefetch(link_dest, out_ptr[i])
    for q in range(n_due):
        i = places[q]
        code = wake[i]
        status[i] = _VISITED
        if pace[1] > 1:
            until[i] = -np.inf
        # A place known to feel no pull still feels none: attractors coming next door clear
        # the mark (``_nudge_if_first``), so only the others look at their neighbours. Where
        # the compartments held here feel a pull, the place does (``_pull`` sums them all).
        intensity, groups, n_births, pulled = _place_intensity(
            i, counts, hazard, birth_rate, model, tables, no_pull[i]
        )
        if not no_pull[i] and pulled == 0.0 and _leans(i, counts, model, may_sleep):
            # No pull on what is here: the same intensity as without biased hops.
            no_pull[i] = _pull(i, counts, model) == 0.0
        if intensity <= 0.0:
            continue
        # A place that can leap over several steps and is busy over them does so (its next
        # visit is when that leap ends); the others leap one step.
        leap_dt = dt
        fastest = 0.0  # a lower bound of the place's involvement (``_steps_allowed``)
        if pace[1] > 1:
            for c in range(n_species):
                fastest = max(fastest, hazard[c])
        if (
            pace[1] > 1
            and 2.0 * fastest <= pace[0] * LEAP_SHARE
            and (no_pull[i] or not _leans(i, counts, model, may_sleep))
        ):
            span = _steps_allowed(i, counts, pace, scratch, model, tables)
            if span > 1 and intensity * span * dt >= PLACE_TEST_MAX:
                leap_dt = span * dt
                wake[i] = 2 * (step + span)
                until[i] = _time_of(pace, step + span, dt)
        rng[0] = stream_start(key, step, i)
        given_some = False  # drawing given that something happens here
        if leap_dt > dt:
            pass  # drawn freely over its span
        elif intensity * dt >= PLACE_TEST_MAX:
            status[i] = _BUSY | _VISITED
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
                here = _some_here(rng, own, intensity, groups, leap_dt)
                intensity -= own
                groups -= 1
                if not here:
                    continue
                given_some = False
                left = _leaving_some(rng, n, hazard[c], leap_dt)
            else:
                left = _leaving(rng, n, hazard[c], leap_dt)
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
                w = _per_capita(
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
                    k = _pick(target, weight, n_channels, last)
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
                _send(taken_link, c, column, np.int64(1), counts, shared, model, tables)
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
            _share(rng, left, total, weight, n_channels, n_positive, last, taken)
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
                    _send(link, c, column, got, counts, shared, model, tables)
                    row_new[c] -= got
                    sends = True

        for idx in range(n_births):
            a = birth_rate[idx]
            if a <= 0.0:
                continue
            if given_some:
                here = _some_here(rng, a, intensity, groups, leap_dt)
                intensity -= a
                groups -= 1
                if not here:
                    continue
                given_some = False
                fired = _poisson_some(rng, a * leap_dt)
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
        if _cut_back(row_new, fired_reaction, fired_count, n_fired, delta_species, delta_value):
            clamped += 1
        gained = False
        for s in range(n_species):
            fresh[i, s] = row_new[s]
            gained = gained or (attract_mask[s] != 0 and row_new[s] > counts[i, s])
        if gained and not may_sleep:
            _nudge_if_first(i, counts, shared, model, tables)
        status[i] |= _CHANGED
    block_wake[b] = rest  # the earliest of the places not visited: phase 2 adds the others'
    return clamped


@nb.njit(cache=True, _nrt=False, inline="always")
def _send(link, c, column, got, counts, shared, model, tables):
    """Phase 1: ``got`` units of compartment c leave along ``link``: their count goes
    where the destination gathers it (the in-link's row, or its flag for one unit alone), with
    flags for its in-link, itself and its block."""
    hops, inbox, block_inbox, mail = shared[1], shared[3], shared[4], shared[7]
    link_dest, attract_mask = model[9], model[16]
    in_slot, block, may_sleep = tables[12], tables[11], tables[15]
    slot = in_slot[link]
    mailed = mail[slot]
    if got == 1 and mailed == 0 and column < _LONE_COLUMNS:
        # One unit (the usual case: a walker alone): the in-link's mail byte says which kind,
        # and the departures row (a cache miss at both ends) is not touched.
        mail[slot] = _LONE + column
    else:
        if mailed >= _LONE:  # a lone unit went this way already this step: it joins the row
            hops[slot, mailed - _LONE] = 1
        hops[slot, column] = got
        mail[slot] = 1
    destination = link_dest[link]
    # Other threads may flag the same place: they all write 1.
    inbox[destination] = 1
    block_inbox[destination // block] = 1
    if not may_sleep and attract_mask[c]:
        _nudge_if_first(destination, counts, shared, model, tables)


@nb.njit(cache=True, _nrt=False, inline="always")
def _leans(j, counts, model, may_sleep):
    """Whether place j's hazards depend on its neighbours' counts: it holds units whose hops
    are biased. Only such places must be visited every step (or stay dormant, see
    ``_nudge_if_first``); the others sleep as usual."""
    if may_sleep:
        return False
    bias = model[15]
    held = False
    for c in range(bias.shape[0]):
        held = held or (bias[c] != 0.0 and counts[j, c] > 0)
    return held


@nb.njit(cache=True, _nrt=False, inline="always")
def _pull(i, counts, model):
    """The biased hop rates per unit out of place i, summed over its biased species (held or
    not): zero when nothing next door pulls them (a ``wander`` of 0 and no attractors)."""
    area, out_ptr, link_dest, link_weight, link_group = model[7:12]
    group_rate, bias, attract_mask, wander = model[14:18]
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
def _nudge_if_first(j, counts, shared, model, tables):
    """Attractors come to place j: if it had none, units that only walk toward them (a
    ``wander`` of 0) may now leave the places linking into j, which may be asleep (they felt no
    pull). Flag those places, so phase 2 has them visited next step. Reads the old state only,
    so the flags do not depend on the order of the blocks."""
    attract_mask = model[16]
    for s in range(attract_mask.shape[0]):
        if attract_mask[s] != 0 and counts[j, s] > 0:
            return
    block_inbox, nudged = shared[4], shared[6]
    in_ptr, in_link = model[12], model[13]
    link_source, block = tables[16], tables[11]
    for idx in range(in_ptr[j], in_ptr[j + 1]):
        k = link_source[in_link[idx]]
        nudged[k] = 1
        block_inbox[k // block] = 1


@nb.njit(cache=True, _nrt=False, inline="always")
def _gather_places(b, counts, key, step, dt, pace, plan, shared, local, model, tables):
    """Phase 2 for block b: own new counts plus arrivals, then the next visit of every place
    that was visited or changed (the others keep theirs: nothing about them changed)."""
    fresh, hops, status, inbox, block_inbox, block_wake, nudged, mail = shared[:8]
    due = 2 * step + 1
    if block_wake[b] > due and not block_inbox[b]:
        return
    block_inbox[b] = 0
    wake, no_pull, until = plan
    rng, hazard, birth_rate, scratch = local[0], local[6], local[7], local[8]
    in_ptr = model[12]
    hop_species = tables[4]
    may_sleep = tables[15]
    block = tables[11]
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
    places = local[9]
    hop_total = tables[13]
    out_ptr = model[8]
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
        if state & _CHANGED:
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
                if mailed >= _LONE:  # one unit, its kind in the mail byte (``_send``)
                    arrival = hop_species[mailed - _LONE]
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
        if pace[4] and wake[j] > due and until[j] != -np.inf:
            # Inside a leap over several steps (its events are in): it ends early, with a visit
            # next step, if what came in or what it did asks for shorter leaps. Units of kinds
            # already here change no one's rate per unit unless they meet in pairs.
            if pulled:
                nudged[j] = 0
                no_pull[j] = False
                pulled = _leans(j, counts, model, may_sleep)
            if pulled or newcomer or (
                (arrived or state & _CHANGED) and _pairs_possible(j, counts, model, tables)
            ):
                left = wake[j] // 2 - (step + 1)
                if pulled or _steps_allowed(j, counts, pace, scratch, model, tables) < left:
                    wake[j] = 2 * (step + 1)
                    until[j] = -np.inf
            status[j] = 0
        elif wake[j] <= due or arrived or pulled:
            if pulled:
                nudged[j] = 0
                no_pull[j] = False
            leans = _leans(j, counts, model, may_sleep)
            if state & _BUSY or (leans and not no_pull[j]):
                # Busy, most likely still; or biased hops lean on the neighbours' counts,
                # which other blocks are writing now: the visit next step tells.
                wake[j] = 2 * (step + 1)
            else:  # what happens here depends on this row only (no pull felt: no biased hops)
                intensity, _, _, _ = _place_intensity(
                    j, counts, hazard, birth_rate, model, tables, True
                )
                rng[0] = stream_start(key, step, n_places + j)
                wake[j] = _next_wake(rng, intensity, dt, step + 1, True)
            status[j] = 0
        earliest = min(earliest, wake[j])
    block_wake[b] = earliest


LEAP = 1  # _sweep phases: phase 1 (each place's own changes and departures)
GATHER = 2  # phase 2 (own new counts plus arrivals, next visits)
SCHEDULE = 4  # the start of a call: next visits (drawn anew or kept)


@nb.njit(cache=True, _nrt=False, inline="always")
def _next_blocks(b, first, stride, counter, n_blocks):
    """The next stretch of blocks for ``_sweep`` to do, from ``b`` (-1: the first) to the end
    returned: one block of first, first + stride, ...; or, for a negative stride, the next
    ``-stride`` blocks not yet taken by any thread (``counter``)."""
    if stride > 0:
        start = first if b < 0 else b + stride
        return start, start + 1
    start = fetch_add(counter, 0, -stride)
    return start, min(start - stride, n_blocks)


@nb.njit(cache=True, _nrt=False)
def _sweep(
    counts, key, step0, n_steps, dt, pace, first, stride, phases, redraw, plan, shared, local,
    model, tables,
):  # fmt: skip
    """The given phases of ``n_steps`` steps for blocks first, first + stride, ...; the clamps.
    A negative stride hands out blocks from a counter shared by the threads (``shared[8]``,
    zero at the start; for one phase of one step): ``-stride`` at a time to whichever thread
    asks, so a busy region does not hold up a thread while the other waits, and each thread
    needs one call only.

    Every loop over places runs here, with the phases inlined: a small world's step is so short
    that passing the ~30 arrays to a call per step would triple it. ``SCHEDULE`` comes first
    (once): ``redraw`` says whether the places' next visits must be drawn anew (a new run, a new
    step size, changed rates or counts) or are still those the last call left.
    """
    n_blocks = shared[5].shape[0]
    counter = shared[8]
    if phases & SCHEDULE:
        for b in range(first, n_blocks, stride):
            _schedule_places(
                b, counts, key, step0, dt, redraw, pace, plan, shared, local, model, tables
            )
    clamped = 0
    for t in range(n_steps):
        if phases & LEAP:
            start, end = _next_blocks(np.int64(-1), first, stride, counter, n_blocks)
            while start < n_blocks:
                for b in range(start, end):
                    clamped += _leap_places(
                        b, counts, key, step0 + t, dt, pace, plan, shared, local, model, tables
                    )
                start, end = _next_blocks(start, first, stride, counter, n_blocks)
        if phases & GATHER:
            start, end = _next_blocks(np.int64(-1), first, stride, counter, n_blocks)
            while start < n_blocks:
                for b in range(start, end):
                    _gather_places(
                        b, counts, key, step0 + t, dt, pace, plan, shared, local, model, tables
                    )
                start, end = _next_blocks(start, first, stride, counter, n_blocks)
    return clamped


@nb.njit(cache=True, _nrt=False)
def _awake_places(block_wake, step, n_places, block):
    """Places in the blocks that phase 1 visits this step."""
    awake = 0
    for b in range(block_wake.shape[0]):
        if block_wake[b] <= 2 * step + 1:
            awake += min(block, n_places - b * block)
    return awake


@nb.njit(cache=True)
def _shared(n_items, n_places, n_links, n_species, n_mobile, n_blocks):
    """Scratch of one run, one copy per work item: new rows of changed places, departures per
    link (all zero between steps: the gathering place takes them out), status and inbox flags
    per place, inbox flags and earliest next visit per block, flags of places whose biased units
    may now feel a pull (``_nudge_if_first``), and which in-links carry departures (a place
    gathers only those: most of its links carry nothing in a step, and each is a row of every
    mobile species; a lone unit is told by the flag itself, ``_LONE``). The flags per place are
    padded to whole words of eight (phase 2 reads them eight at a time). Last, the counter of
    blocks handed out (``_sweep``)."""
    flags = (n_places + 7) // 8 * 8
    return (
        np.empty((n_items, n_places, n_species), np.int32),
        np.zeros((n_items, n_links, n_mobile), np.int32),
        np.zeros((n_items, flags), np.uint8),
        np.zeros((n_items, flags), np.uint8),
        np.zeros((n_items, n_blocks), np.uint8),
        np.empty((n_items, n_blocks), np.int64),
        np.zeros((n_items, flags), np.uint8),
        np.zeros((n_items, n_links), np.uint8),
        np.zeros((n_items, 1), np.int64),
    )


@nb.njit(cache=True)
def _tables(n_species, source, reactant_species, group_rate, out_ptr, in_link, block):
    """Read-only tables shared by every run: reactions by source, births, hopping species, the
    most channels out of one compartment, the number of blocks, the masks of the cheap test."""
    n_reactions = source.shape[0]
    n_places = out_ptr.shape[0] - 1
    source_ptr = np.zeros(n_species + 1, np.int64)
    n_births = 0
    for r in range(n_reactions):
        if source[r] >= 0:
            source_ptr[source[r] + 1] += 1
        else:
            n_births += 1
    for c in range(n_species):
        source_ptr[c + 1] += source_ptr[c]
    source_reaction = np.empty(max(source_ptr[n_species], 1), np.int64)
    births = np.empty(n_births, np.int64)
    fill = source_ptr[:-1].copy()
    n_births = 0
    for r in range(n_reactions):
        c = source[r]
        if c >= 0:
            source_reaction[fill[c]] = r
            fill[c] += 1
        else:
            births[n_births] = r
            n_births += 1

    hop_column = np.full(n_species, -1, np.int64)
    n_mobile = 0
    for c in range(n_species):
        for g in range(group_rate.shape[0]):
            if group_rate[g, c] > 0.0:
                hop_column[c] = n_mobile
                n_mobile += 1
                break
    hop_species = np.empty(n_mobile, np.int64)
    for c in range(n_species):
        if hop_column[c] >= 0:
            hop_species[hop_column[c]] = c

    max_degree = 0
    for i in range(n_places):
        max_degree = max(max_degree, out_ptr[i + 1] - out_ptr[i])
    most_sourced = 0
    for c in range(n_species):
        most_sourced = max(most_sourced, source_ptr[c + 1] - source_ptr[c])
    n_weights = most_sourced + max_degree  # channels out of one compartment at most
    n_blocks = (n_places + block - 1) // block
    # Departures along a link are written where its destination reads its arrivals: in the
    # order of in-links, so a place gathers them from one stretch of memory.
    in_slot = np.empty(in_link.shape[0], np.int64)
    for idx in range(in_link.shape[0]):
        in_slot[in_link[idx]] = idx

    # Bit masks for the cheap test: the species each reaction needs present, the bit it sets
    # (its source's, or _BIRTH_BIT), the species that hop. Only while the species fit in a mask.
    use_masks = n_species <= _MASK_BITS
    need = np.zeros(n_reactions, np.int64)
    reaction_bit = np.zeros(n_reactions, np.int64)
    mobile_mask = np.int64(0)
    if use_masks:
        for r in range(n_reactions):
            for u in range(reactant_species.shape[1]):
                if reactant_species[r, u] >= 0:
                    need[r] |= np.int64(1) << reactant_species[r, u]
            reaction_bit[r] = np.int64(1) << (source[r] if source[r] >= 0 else _BIRTH_BIT)
        for c in range(n_species):
            if hop_column[c] >= 0:
                mobile_mask |= np.int64(1) << c
    return (
        source_ptr,
        source_reaction,
        births,
        hop_column,
        hop_species,
        n_weights,
        n_blocks,
        need,
        reaction_bit,
        mobile_mask,
        use_masks,
        block,
        in_slot,
    )


REACTING_TABLE_MAX_SPECIES = 16
"""Up to this many species the cheap test looks up, by who is present, the compartments that
some reaction may leave (a table of 2^species entries) instead of testing every reaction."""


@nb.njit(cache=True)
def _reacting(n_species, need, reaction_bit, use_masks):
    """For every set of compartments present (a bit mask), the bits of the reactions' sources
    whose reactants are all present (``_place_intensity``'s cheap test); one entry (unused) for
    more species than ``REACTING_TABLE_MAX_SPECIES``."""
    if not use_masks or n_species > REACTING_TABLE_MAX_SPECIES:
        return np.zeros(1, np.int64)
    table = np.zeros(1 << n_species, np.int64)
    for present in range(1 << n_species):
        for r in range(need.shape[0]):
            if (present & need[r]) == need[r]:
                table[present] |= reaction_bit[r]
    return table


@nb.njit(cache=True)
def _even_hops(out_ptr, link_weight, link_group, group_rate, hop_species):
    """Per place and mobile compartment, whether every out-link carries it at the same positive
    rate (a lattice's cells): a lone departure then takes one uniformly, reading no link."""
    n_places = out_ptr.shape[0] - 1
    even = np.zeros((n_places, hop_species.shape[0]), np.bool_)
    for i in range(n_places):
        first, last = out_ptr[i], out_ptr[i + 1]
        for col in range(hop_species.shape[0]):
            c = hop_species[col]
            w0 = link_weight[first] * group_rate[link_group[first], c] if last > first else 0.0
            alike = w0 > 0.0
            for link in range(first + 1, last):
                alike = alike and link_weight[link] * group_rate[link_group[link], c] == w0
            even[i, col] = alike
    return even


@nb.njit(cache=True)
def _hop_totals(out_ptr, link_weight, link_group, group_rate, hop_species):
    """Per-capita hop hazard out of each place for each mobile compartment (without attraction,
    which depends on the destinations' counts): the rates of this call's open link groups."""
    n_places = out_ptr.shape[0] - 1
    totals = np.zeros((n_places, hop_species.shape[0]), np.float64)
    for i in range(n_places):
        for link in range(out_ptr[i], out_ptr[i + 1]):
            w = link_weight[link]
            g = link_group[link]
            for col in range(hop_species.shape[0]):
                totals[i, col] += w * group_rate[g, hop_species[col]]
    return totals


_GAP = 8
"""Elements (of 8 bytes: a cache line) left unused before each work item's row of a local
buffer (``_row``), so that no two threads ever write to the same cache line: each write would
take the line from the other core, and the random streams' states are written at every draw."""


@nb.njit(cache=True)
def _locals(n_rows, n_species, n_reactions, n_weights, block):
    """Small buffers, one row per work item: random stream, channel weights and shares, a row,
    firings, per-compartment hazards, births' propensities, per-compartment involvement, the
    places of a block to look at. Each row starts ``_GAP`` elements after the last one ends.
    Allocated by the caller and kept between calls (``LeapSchedule.scratch``): a block is too
    small a piece of work to allocate for."""
    return (
        np.empty((n_rows, _GAP + 1), np.uint64),
        np.empty((n_rows, _GAP + n_weights), np.float64),
        np.empty((n_rows, _GAP + n_weights), np.int64),
        np.empty((n_rows, _GAP + n_species), np.int64),
        np.empty((n_rows, _GAP + n_reactions), np.int64),
        np.empty((n_rows, _GAP + n_reactions), np.int64),
        np.empty((n_rows, _GAP + n_species), np.float64),
        np.empty((n_rows, _GAP + max(n_reactions, 1)), np.float64),
        np.empty((n_rows, _GAP + n_species), np.float64),
        np.empty((n_rows, _GAP + block), np.int64),
    )


@nb.njit(cache=True, _nrt=False, inline="always")
def _row(local, w):
    """Work item w's row of each local buffer."""
    return (
        local[0][w, _GAP:], local[1][w, _GAP:], local[2][w, _GAP:], local[3][w, _GAP:],
        local[4][w, _GAP:], local[5][w, _GAP:], local[6][w, _GAP:], local[7][w, _GAP:],
        local[8][w, _GAP:], local[9][w, _GAP:],
    )  # fmt: skip


@nb.njit(cache=True, _nrt=False, inline="always")
def _item(shared, w):
    """Work item w's copy of the run scratch (``_shared``)."""
    return (
        shared[0][w], shared[1][w], shared[2][w], shared[3][w], shared[4][w], shared[5][w],
        shared[6][w], shared[7][w], shared[8][w],
    )  # fmt: skip


_PARALLEL = {
    "prange": True,
    "comprehension": False,
    "reduction": False,
    "inplace_binop": False,
    "setitem": False,
    "numpy": False,
    "stencil": False,
    "fusion": False,
}
"""Only explicit prange loops run in parallel: every implicit parallel loop (array expressions,
np.zeros) would cost a compiled kernel of its own and nothing measurable at run time."""


@nb.njit(cache=True, parallel=_PARALLEL, _nrt=False)
def _advance(
    counts, keys, step0, n_steps, dt, paces, plans, redraw, by_place, n_work, blocks_taken,
    serial_max, model, tables, local, shared, clamps, work_clamps,
):  # fmt: skip
    """The one parallel kernel (each prange costs seconds of compilation, so there is one).

    ``by_place``: one run at a time, each step a parallel sweep of phase 1 over blocks and then
    one of phase 2, sharing one run's scratch: with ``blocks_taken`` > 0 each of the ``n_work``
    items (one per thread) takes that many blocks at a time as it goes, from a counter (so a
    busy region is shared out, and each thread gets its ~60 arrays once per phase), else item w
    takes blocks w, w + n_work, ... (``TAKES_PER_THREAD``); a step with at most ``serial_max``
    places awake runs on this thread instead (a launch would cost more). Otherwise the
    ``n_work`` items each take a stretch of whole runs (every step; runs side by side in memory
    share cache lines, so two threads had better not do neighbours at once) with scratch of
    their own. ``plans``: each run's schedule of visits (``_next_wake``), which places feel no
    pull (``_pull``) and when their leaps over several steps end, kept between calls;
    ``redraw``: the runs whose schedule is stale. ``paces``: per run, accuracy / dt, the most
    steps one leap may span, the time at step0, and whether a leap over several steps may be
    under way (``LeapSchedule.leapt``).
    ``local`` and ``shared``: scratch per work item (``_locals``, ``_shared``: one copy when
    ``by_place``); ``clamps`` (per run) and ``work_clamps`` (per item) start at zero.

    Compiled without reference counting, like everything it calls: the caller allocates, and
    handing ~60 arrays to every work item of every step would otherwise cost two atomic
    operations per array, contended between the threads (a tenth of a city's run).
    """
    runs, n_places, _ = counts.shape
    # Typed constants: a literal argument would compile another copy of the callee.
    zero, one = np.int64(0), np.int64(1)
    both, start = np.int64(LEAP | GATHER), np.int64(SCHEDULE)
    stride = -blocks_taken if blocks_taken > 0 else n_work
    for k in range(runs if by_place else 1):
        plan = (plans[0][k], plans[1][k], plans[2][k])
        pace = (paces[0][k], np.int64(paces[1][k]), paces[2][k], step0[k], paces[3][k])
        run_shared = _item(shared, zero)
        if by_place:
            if n_steps[k] <= 0:
                continue
            for w_ in nb.prange(n_work):
                w = np.int64(w_)
                _sweep(
                    counts[k], keys[k], step0[k], zero, dt[k], pace, w, n_work, start, redraw[k],
                    plan, _item(shared, zero), _row(local, w), model, tables,
                )  # fmt: skip
        for t in range(n_steps[k] if by_place else 1):
            step = step0[k] + t
            if by_place and _awake_places(run_shared[5], step, n_places, tables[11]) <= serial_max:
                clamps[k] += _sweep(
                    counts[k], keys[k], step, one, dt[k], pace, zero, one, both, redraw[k], plan,
                    run_shared, _row(local, zero), model, tables,
                )  # fmt: skip
                continue
            for sweep in range(2 if by_place else 1):
                phase = np.int64(LEAP) if sweep == 0 else np.int64(GATHER)
                run_shared[8][0] = 0  # blocks are handed out from the first again
                for w_ in nb.prange(n_work):
                    w = np.int64(w_)  # prange indices are unsigned: keep callees' signatures
                    if by_place:
                        work_clamps[w] += _sweep(
                            counts[k], keys[k], step, one, dt[k], pace, w, stride, phase,
                            redraw[k], plan, _item(shared, zero), _row(local, w), model, tables,
                        )  # fmt: skip
                    else:
                        for run in range(w * runs // n_work, (w + 1) * runs // n_work):
                            if n_steps[run] <= 0:
                                continue
                            run_pace = (
                                paces[0][run], np.int64(paces[1][run]), paces[2][run], step0[run],
                                paces[3][run],
                            )
                            clamps[run] = _sweep(
                                counts[run], keys[run], step0[run], n_steps[run], dt[run],
                                run_pace, zero, one, both | start, redraw[run],
                                (plans[0][run], plans[1][run], plans[2][run]), _item(shared, w),
                                _row(local, w), model, tables,
                            )  # fmt: skip
        if by_place:
            for w in range(n_work):
                clamps[k] += work_clamps[w]
                work_clamps[w] = 0
    return clamps


def _c(array: np.ndarray, dtype: type) -> np.ndarray:
    return np.ascontiguousarray(array, dtype)


_PREPARED: dict[tuple, tuple] = {}
_PREPARED_MAX = 8
_NETWORKS_SEEN = 0  # a serial number per prepared network: schedules name the one they are for


class LeapSchedule:
    """Each run's schedule of visits (``_next_wake``), kept from one ``tau_advance`` call to the
    next so that a history does not depend on how it is cut into calls. It holds for the step
    size, first step and network it was drawn for; ``forget`` marks runs whose counts were
    changed outside the kernel (an intervention), and any other mismatch redraws it. With it,
    for worlds with biased hops, the places known to feel no pull (nothing next door attracts
    their biased units; cleared when attractors come next door, see ``_nudge_if_first``); and
    when each place's leap over several steps ends (adaptive steps; -inf when none), and
    whether any call leapt over several steps (if not, none of those ends is read)."""

    def __init__(self, runs: int, n_places: int) -> None:
        self.wake = np.zeros((runs, n_places), np.int64)
        self.no_pull = np.zeros((runs, n_places), np.bool_)
        self.until = np.full((runs, n_places), -np.inf)
        self.leapt = np.zeros(runs, np.bool_)
        self.dt = np.full(runs, np.nan)
        self.next_step = np.full(runs, -1, np.int64)
        self.network = np.zeros(runs, np.int64)
        self._scratch = None

    def forget(self, runs: slice | np.ndarray | int = slice(None)) -> None:
        """Draw these runs' schedules anew at the next call."""
        self.dt[runs] = np.nan
        self._scratch = None

    def scratch(self, network: int, by_place: bool, n_work: int, model: tuple, tables: tuple):
        """The kernel's scratch (``_locals``, ``_shared``), kept from the last call when it fits:
        a city's is megabytes to allocate and clear every few steps, and a call that ends
        normally leaves it as it found it (departures gathered, flags cleared)."""
        key = (network, by_place, n_work)
        if getattr(self, "_scratch", None) is None or self._scratch[0] != key:
            n_places, n_species = self.wake.shape[1], tables[3].shape[0]
            n_links, n_mobile, n_weights, n_blocks = (
                model[9].shape[0], tables[4].shape[0], tables[5], tables[6]
            )  # fmt: skip
            local = _locals(n_work, n_species, model[1].shape[0], n_weights, tables[11])
            shared = _shared(
                1 if by_place else n_work, n_places, n_links, n_species, n_mobile, n_blocks
            )
            self._scratch = (key, local, shared)
        return self._scratch[1], self._scratch[2]

    def take(self, runs: np.ndarray) -> LeapSchedule:
        """A copy for some runs (``put`` writes it back)."""
        part = LeapSchedule.__new__(LeapSchedule)
        for name in ("wake", "no_pull", "until", "leapt", "dt", "next_step", "network"):
            setattr(part, name, np.ascontiguousarray(getattr(self, name)[runs]))
        return part

    def put(self, runs: np.ndarray, part: LeapSchedule) -> None:
        for name in ("wake", "no_pull", "until", "leapt", "dt", "next_step", "network"):
            getattr(self, name)[runs] = getattr(part, name)


def _prepare_keyed(n_species: int, *kernel_args: np.ndarray) -> tuple[int, tuple[tuple, tuple]]:
    """The kernel's two argument tuples, remembered for the last few networks: deriving the
    tables costs about as much as a step of a large world, and adaptive steps ask every few
    steps. The key holds the arrays themselves (so their ids stay theirs) and a digest of the
    ones interventions change (rates, link groups' rates, link weights)."""
    rate, group_rate, link_weight = kernel_args[0], kernel_args[15], kernel_args[11]
    digest = hash(
        (
            rate.tobytes(),
            group_rate.tobytes(),
            link_weight.tobytes(),
            kernel_args[16].tobytes(),
            kernel_args[18].tobytes() if len(kernel_args) > 18 else b"",
        )
    )
    key = (n_species, digest, *(id(a) if isinstance(a, np.ndarray) else a for a in kernel_args))
    found = _PREPARED.get(key)
    if found is not None:
        return found[1], found[2]
    prepared = _derive(n_species, *kernel_args)
    if len(_PREPARED) >= _PREPARED_MAX:
        _PREPARED.pop(next(iter(_PREPARED)))
    global _NETWORKS_SEEN
    _NETWORKS_SEEN += 1
    _PREPARED[key] = (kernel_args, _NETWORKS_SEEN, prepared)
    return _NETWORKS_SEEN, prepared


def _derive(
    n_species, rate, order, reactant_species, delta_species, delta_value, source, scale_mode,
    pop_mask, area, out_ptr, link_dest, link_weight, link_group, in_ptr, in_link, group_rate,
    bias, attract_mask, wander=None,
):  # fmt: skip
    """The kernel's two argument tuples: the network in the compiler's dtypes, and the derived
    tables."""
    # Exactly the compiler's dtypes, contiguous: any other layout would compile the kernel anew.
    i32, i64, f64, i8 = np.int32, np.int64, np.float64, np.int8
    if wander is None:
        wander = np.ones(n_species)
    model = (
        _c(rate, f64), _c(order, i32), _c(reactant_species, i32), _c(delta_species, i32),
        _c(delta_value, i32), np.int64(scale_mode), _c(pop_mask, i8), _c(area, f64),
        _c(out_ptr, i64), _c(link_dest, i32), _c(link_weight, f64), _c(link_group, i32),
        _c(in_ptr, i64), _c(in_link, i32), _c(group_rate, f64), _c(bias, f64),
        _c(attract_mask, i8), _c(wander, f64),
    )  # fmt: skip
    out_ptr, in_ptr, in_link = model[8], model[12], model[13]
    tables = _tables(
        n_species, _c(source, i32), model[2], model[14], out_ptr, in_link, np.int64(BLOCK)
    )
    tables = (
        *tables,
        _hop_totals(out_ptr, model[10], model[11], model[14], tables[4]),
        _partners(model[1], model[2], _c(source, i32)),
        # Places may sleep between visits unless some hops lean on the neighbours' counts.
        not np.any(model[15] != 0.0),
        np.repeat(np.arange(len(out_ptr) - 1, dtype=np.int64), np.diff(out_ptr)),
        _reacting(n_species, tables[7], tables[8], tables[10]),
        _even_hops(out_ptr, model[10], model[11], model[14], tables[4]),
    )
    return model, tables


def _per_run(value, runs: int, dtype) -> np.ndarray:
    """A fresh writable copy, one value per run: a read-only view (what ``broadcast_to`` gives,
    or a caller's frozen array) is another type to numba and would compile ``_advance`` again."""
    return np.array(np.broadcast_to(value, runs), dtype)


def tau_advance(
    counts: np.ndarray,
    keys: np.ndarray,
    step0: int | np.ndarray,
    n_steps: int | np.ndarray,
    dt: float | np.ndarray,
    rate: np.ndarray,
    order: np.ndarray,
    reactant_species: np.ndarray,
    delta_species: np.ndarray,
    delta_value: np.ndarray,
    source: np.ndarray,
    scale_mode: int,
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
    wander: np.ndarray | None = None,
    *,
    schedule: LeapSchedule | None = None,
    accuracy: float | None = None,
    longest: float | np.ndarray = np.inf,
    time0: float | np.ndarray = 0.0,
    prepared: tuple | None = None,
) -> np.ndarray:
    """Advance every run by ``n_steps`` leaps of ``dt``; return the clamps each run needed.

    ``counts`` (runs, P, S) int32 is updated in place; ``keys`` (runs,) uint64 are the runs' keys
    and ``step0`` the global index of the first step, so chunked calls continue one sequence.
    ``step0``, ``n_steps`` and ``dt`` are one for all runs or one per run (adaptive steps).
    The remaining arguments are ``CompiledNetwork.kernel_args()``. A clamp is a (place, step)
    where a reaction's firings had to be cut back to keep the counts non-negative.
    ``schedule``: the runs' schedules of visits to keep for the next call (see ``LeapSchedule``);
    without one they are drawn anew, which changes the draws but not the law.

    ``accuracy`` (adaptive steps, with ``dt`` chosen for the busiest place): a place where every
    unit takes part in at most ``accuracy`` events per ``m`` steps in expectation, and that is
    busy over them, leaps over m steps at once (at most ``longest``, the longest step, and
    ``LEAP_STEPS_MAX`` steps): quiet places far from a front cost one visit per m steps. Such a
    leap ends early when arrivals or its own changes ask for shorter ones. ``time0``: the time
    at ``step0``, so these leaps keep their ends from one call to the next. ``prepared``: what
    ``tau_prepare`` gave for these arguments, for callers that call many times in a row.
    """
    if counts.dtype != np.int32 or counts.ndim != 3 or not counts.flags.c_contiguous:
        raise TypeError("counts must be a C-contiguous int32 array of shape (runs, P, S)")
    runs, n_places, n_species = counts.shape
    keys = _per_run(keys, runs, np.uint64)
    step0 = _per_run(step0, runs, np.int64)
    n_steps = _per_run(n_steps, runs, np.int64)
    dt = _per_run(dt, runs, np.float64)
    if runs == 0 or n_places == 0 or not np.any(n_steps > 0):
        return np.zeros(runs, np.int64)
    if prepared is None:
        prepared = _prepare_keyed(
            n_species, rate, order, reactant_species, delta_species, delta_value, source,
            scale_mode, pop_mask, area, out_ptr, link_dest, link_weight, link_group, in_ptr,
            in_link, group_rate, bias, attract_mask, wander,
        )  # fmt: skip
    network, (model, tables) = prepared
    if schedule is None:
        schedule = LeapSchedule(runs, n_places)
    elif schedule.wake.shape != (runs, n_places):
        raise ValueError(f"schedule is for {schedule.wake.shape}, counts for {(runs, n_places)}")
    redraw = ~((schedule.dt == dt) & (schedule.next_step == step0) & (schedule.network == network))
    time0 = _per_run(time0, runs, np.float64)
    if accuracy is None:
        paces = (np.zeros(runs), np.ones(runs, np.int64), time0, schedule.leapt)
    else:
        step = np.where(dt > 0, dt, 1.0)  # runs that do not move have dt 0
        spans = np.minimum(np.broadcast_to(longest, runs) / step * (1 + 1e-9), LEAP_STEPS_MAX)
        spans = np.maximum(spans, 1).astype(np.int64)
        schedule.leapt |= (spans > 1) & (n_steps > 0)
        paces = (accuracy / step, spans, time0, schedule.leapt)
    n_threads = nb.get_num_threads()
    by_place = n_places >= PLACES_PARALLEL_MIN or (
        runs < n_threads and n_places >= PLACES_PARALLEL_FEW_RUNS
    )
    by_place = by_place and n_threads > 1  # one thread takes the runs in turn: one work item
    if by_place:
        n_blocks = (n_places + BLOCK - 1) // BLOCK
        blocks_taken = n_blocks // (TAKES_PER_THREAD * n_threads)
        if blocks_taken >= TAKE_MIN:  # each thread takes stretches of blocks as it goes
            n_work = n_threads
        else:
            n_work, blocks_taken = min(n_blocks, 8 * n_threads), 0
    else:
        n_work, blocks_taken = min(runs, 4 * n_threads) if n_threads > 1 else 1, 0
    # Hand out work items one at a time (each a stretch of runs, or of blocks of places): some
    # runs or regions are far busier than others, and a static split would leave threads idle.
    # Results do not depend on it.
    local, shared = schedule.scratch(network, by_place, n_work, model, tables)
    clamps = np.zeros(runs, np.int64)
    previous = nb.set_parallel_chunksize(1)
    try:
        _advance(
            counts, keys, step0, n_steps, dt, paces,
            (schedule.wake, schedule.no_pull, schedule.until), redraw, by_place, n_work,
            blocks_taken, SERIAL_STEP_MAX, model, tables, local, shared, clamps,
            np.zeros(n_work, np.int64),
        )  # fmt: skip
    except BaseException:
        schedule.forget()  # an interrupted call leaves counts, schedules and scratch half-way
        raise
    finally:
        nb.set_parallel_chunksize(previous)
    moved = n_steps > 0
    schedule.dt[moved] = dt[moved]
    schedule.next_step[moved] = step0[moved] + n_steps[moved]
    schedule.network[moved] = network
    return clamps


@nb.njit(cache=True, parallel=_PARALLEL, _nrt=False)
def _involvement_bounds(counts, model, tables, scratch, piece_bounds, no_pull, known):
    """Per run and piece of its places, the largest ``_place_involvement`` (into
    ``piece_bounds``, (runs, pieces); ``scratch``: a row per piece and run, each of at least
    ``_GAP`` + species elements, the first ``_GAP`` unused). Where a run's schedule is ``known``
    to match its counts, places it marks as feeling no pull skip their biased hops, whose rates
    are then zero: a fallen city's idle zombies everywhere.

    In parallel, and without reference counting: a counted function takes a reference to
    every array it reads out of ``model`` and ``tables``, at every place, two atomic
    operations each (most of this loop's time in a city)."""
    runs, n_places = counts.shape[0], counts.shape[1]
    n_pieces = piece_bounds.shape[1]
    for item_ in nb.prange(runs * n_pieces):
        item = np.int64(item_)
        k, piece = item // n_pieces, item % n_pieces
        bound = 0.0
        for i in range(piece * n_places // n_pieces, (piece + 1) * n_places // n_pieces):
            idle = known[k] and no_pull[k, i]
            bound = max(
                bound, _place_involvement(i, counts[k], scratch[item, _GAP:], model, tables, idle)
            )
        piece_bounds[k, piece] = bound


@nb.njit(cache=True, _nrt=False, inline="always")
def _place_involvement(i, counts, scratch, model, tables, no_pull=False):
    """The largest rate at which one unit present in place i takes part in anything (as any
    reactant of a reaction, consumed or not, or by hopping); ``no_pull``: the place is known to
    feel no pull (``_pull`` is zero), so its biased hops are left out."""
    rate, order, reactant_species = model[0], model[1], model[2]
    scale_mode, pop_mask, area = model[5], model[6], model[7]
    out_ptr, link_dest, link_weight, link_group = model[8], model[9], model[10], model[11]
    group_rate, bias, attract_mask, wander = model[14], model[15], model[16], model[17]
    hop_column, hop_total = tables[3], tables[13]
    need, use_masks = tables[7], tables[10]
    n_species = counts.shape[1]
    for s in range(n_species):
        scratch[s] = 0.0
    present, occupied = _who_is_here(i, counts)
    if not occupied:
        return 0.0
    row = rate_row(rate, i)
    scale = place_scale(counts, i, scale_mode, pop_mask, area)
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


def tau_prepare(n_species: int, *kernel_args: np.ndarray) -> tuple:
    """The kernels' view of a network (``kernel_args``), for ``prepared=`` of ``tau_advance``
    and ``tau_involvement``: checking that a network is still the one prepared costs a few
    hundred microseconds, as much as a step of a city, and adaptive steps call every few
    steps."""
    return _prepare_keyed(n_species, *kernel_args)


def tau_involvement(
    counts: np.ndarray,
    *kernel_args: np.ndarray,
    prepared: tuple | None = None,
    schedule: LeapSchedule | None = None,
    step: np.ndarray | None = None,
) -> np.ndarray:
    """Per run, the largest per-unit rate of taking part in any event, in the current state.

    An adaptive step ``accuracy / bound`` keeps every unit's expected events per step below
    ``accuracy``: where the fast reactions have no partners left (a city with no humans left,
    a school before the first bite) the step grows; where they meet it shrinks. ``schedule``
    and ``step`` (per run, the next step): the schedule ``tau_advance`` left, whose marks of
    places that feel no pull spare looking at their neighbours while it still holds.
    """
    network, (model, tables) = prepared or _prepare_keyed(counts.shape[2], *kernel_args)
    runs, n_places, n_species = counts.shape
    if schedule is None or step is None:
        no_pull, known = np.zeros((runs, n_places), np.bool_), np.zeros(runs, np.bool_)
    else:
        no_pull = schedule.no_pull
        known = np.isfinite(schedule.dt) & (schedule.next_step == step)
        known &= schedule.network == network
    n_pieces = max(min(n_places // INVOLVEMENT_PIECE, 4 * nb.get_num_threads()), 1)
    piece_bounds = np.empty((runs, n_pieces), np.float64)
    scratch = np.empty((runs * n_pieces, _GAP + n_species), np.float64)  # rows apart (``_GAP``)
    _involvement_bounds(counts, model, tables, scratch, piece_bounds, no_pull, known)
    return piece_bounds.max(axis=1)
