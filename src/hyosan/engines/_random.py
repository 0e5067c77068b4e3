"""Counter-based random numbers for the compiled engines.

Every draw is a pure function of (run key, step, place, counter), so a history never depends on
how many threads share the work or how many runs share a batch. The stream is SplitMix64 (Steele,
Lea & Flood 2014) seeded by hashing the key with the coordinates; samplers are written here because
numba's own ``np.random`` keeps per-thread state, which would tie results to the thread count.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_INV_2_53 = 1.0 / 9007199254740992.0


@nb.njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche of 64 bits."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@nb.njit(cache=True, inline="always")
def stream_start(key: np.uint64, step: np.int64, place: np.int64) -> np.uint64:
    """The starting state of the stream for one (key, step, place) triple."""
    z = mix64(key ^ mix64(np.uint64(step) * GOLDEN + np.uint64(0x632BE59BD9B4E019)))
    return mix64(z ^ (np.uint64(place) * _MIX2 + GOLDEN))


@nb.njit(cache=True, inline="always")
def next_uniform(state: np.ndarray) -> float:
    """Advance ``state[0]`` and return a double in [0, 1) with 53 random bits."""
    state[0] += GOLDEN
    return float(mix64(state[0]) >> np.uint64(11)) * _INV_2_53


@nb.njit(cache=True, inline="always")
def next_open_uniform(state: np.ndarray) -> float:
    """A double in (0, 1): safe to take the logarithm of."""
    state[0] += GOLDEN
    return (float(mix64(state[0]) >> np.uint64(11)) + 0.5) * _INV_2_53


@nb.njit(cache=True, inline="always")
def exponential(state: np.ndarray) -> float:
    """A unit-rate exponential variate."""
    return -math.log(next_open_uniform(state))


@nb.njit(cache=True)
def _binomial_inversion(state: np.ndarray, n: np.int64, p: float) -> np.int64:
    # Sequential search from 0 (Kachitvichyanukul & Schmeiser's BINV): O(n p) work, for small n p.
    q = 1.0 - p
    ratio = p / q
    a = (n + 1) * ratio
    r = q**n
    u = next_uniform(state)
    x = 0
    while u > r:
        u -= r
        x += 1
        if x > n:  # round-off left a sliver of mass: start again
            x = 0
            r = q**n
            u = next_uniform(state)
            continue
        r *= a / x - ratio
    return x


@nb.njit(cache=True)
def _binomial_btrs(state: np.ndarray, n: np.int64, p: float) -> np.int64:
    # Hörmann (1993) transformed rejection with squeeze, for n p >= 10 and p <= 1/2.
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / (1.0 - p))
    m = math.floor((n + 1) * p)
    h = math.lgamma(m + 1.0) + math.lgamma(n - m + 1.0)
    while True:
        u = next_uniform(state) - 0.5
        v = next_uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return np.int64(k)
        v = math.log(v * alpha / (a / (us * us) + b))
        if v <= h - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0) + (k - m) * lpq:
            return np.int64(k)


@nb.njit(cache=True)
def binomial(state: np.ndarray, n: np.int64, p: float) -> np.int64:
    """An exact Binomial(n, p) variate."""
    if n <= 0 or p <= 0.0:
        return np.int64(0)
    if p >= 1.0:
        return np.int64(n)
    if p > 0.5:
        return n - binomial(state, n, 1.0 - p)
    if n * p < 10.0:
        return _binomial_inversion(state, n, p)
    return _binomial_btrs(state, n, p)


@nb.njit(cache=True)
def poisson(state: np.ndarray, lam: float) -> np.int64:
    """An exact Poisson(lam) variate: inversion for small lam, Hörmann's PTRS otherwise."""
    if lam <= 0.0:
        return np.int64(0)
    if lam < 10.0:
        x = 0
        prob = math.exp(-lam)
        u = next_uniform(state)
        while u > prob:
            u -= prob
            x += 1
            prob *= lam / x
            if prob <= 0.0:
                break
        return np.int64(x)
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = next_uniform(state) - 0.5
        v = next_uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return np.int64(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return np.int64(k)
