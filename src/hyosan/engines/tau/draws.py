"""The draws of one visit: how many units leave a compartment, by which channel, given that
something happens at all; and the cut-back of firings that would overdraw a species."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hyosan.engines._random import binomial, next_uniform, poisson

UNIT_TRIALS_MAX = 16
"""Compartments of at most this many units draw their departures by inversion (one uniform)."""
UNIT_DRAWS_PER_CHANNEL = 8
"""Departures are shared out one unit at a time (one uniform each) while there are at most this
many per channel; beyond that, by conditional binomials (one binomial per channel)."""


@nb.njit(cache=True, _nrt=False)
def cut_back(row_new, fired_reaction, fired_count, n_fired, delta_species, delta_value):
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
def pick_channel(target, weight, n_channels, last):
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
        taken[pick_channel(next_uniform(rng) * total, weight, n_channels, last)] += 1


@nb.njit(cache=True, _nrt=False)
def draw_leaving(rng, n, total, dt):
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
def share_departures(rng, leaving, total, weight, n_channels, n_positive, last, taken):
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


@nb.njit(cache=True, _nrt=False)
def draw_leaving_some(rng, n, total, dt):
    """``draw_leaving`` given that at least one unit leaves (exact: the zero-truncated binomial, by
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
def draw_poisson_some(rng, lam):
    """A Poisson(lam) variate given that it is at least 1 (exact, as ``draw_leaving_some``)."""
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
def some_here(rng, own, remaining, groups_left, dt):
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
