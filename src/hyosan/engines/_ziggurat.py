"""Exponential variates by the ziggurat method (Marsaglia & Tsang 2000), without a logarithm.

Unit-rate exponential, exact: 256 layers of equal area under e^-x; a draw picks a layer with 8 bits
of one 64-bit output of the stream and a point in it with 53 others, and is accepted at once about
99 times in 100. Otherwise it falls in the tail (r - log U) or in a layer's wedge, tested against
e^-x. The layout of bits follows numpy's ``random_standard_exponential``; the tables are built here.
The state is a local SplitMix64 counter advanced like ``_random.next_uniform``'s, so a run's stream
stays one stream.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hyosan.engines._random import GOLDEN, mix64

LAYERS = 256
R = 7.69711747013104972
"""Where the base layer's rectangle ends and the tail begins."""
V = 3.949659822581572e-3
"""The area of each layer (the base layer's includes the tail)."""
_SCALE = float(2**53)
_INV_2_53 = 1.0 / 9007199254740992.0


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Acceptance bounds k (53-bit integers), widths w (x per unit of the 53 bits) and heights
    f = e^-x at each layer's right edge, for ``LAYERS`` layers."""
    k = np.zeros(LAYERS, np.uint64)
    w = np.zeros(LAYERS)
    f = np.zeros(LAYERS)
    x = R
    q = V / math.exp(-x)
    k[0] = np.uint64(int(x / q * _SCALE))
    w[0] = q / _SCALE
    w[-1] = x / _SCALE
    f[0] = 1.0
    f[-1] = math.exp(-x)
    for i in range(LAYERS - 2, 0, -1):
        inner = -math.log(V / x + math.exp(-x))
        k[i + 1] = np.uint64(int(inner / x * _SCALE))
        x = inner
        f[i] = math.exp(-x)
        w[i] = x / _SCALE
    k[1] = 0
    return k, w, f


KE, WE, FE = _tables()


@nb.njit(cache=True)
def _exponential_slow(s, layer, x):
    # The rare cases: the tail beyond R, or the wedge of a layer (then, if rejected, start over).
    while True:
        if layer == 0:
            s = s + GOLDEN
            u = (float(mix64(s) >> np.uint64(11)) + 0.5) * _INV_2_53
            return s, R - math.log(u)
        s = s + GOLDEN
        u = float(mix64(s) >> np.uint64(11)) * _INV_2_53
        if FE[layer] + u * (FE[layer - 1] - FE[layer]) < math.exp(-x):
            return s, x
        s = s + GOLDEN
        bits = mix64(s)
        layer = np.int64(bits & np.uint64(0xFF))
        ri = bits >> np.uint64(11)
        x = float(ri) * WE[layer]
        if ri < KE[layer]:
            return s, x


@nb.njit(cache=True, inline="always")
def exponential(s):
    """Advance the local stream state ``s``; return it and a unit-rate exponential variate."""
    s = s + GOLDEN
    bits = mix64(s)
    layer = np.int64(bits & np.uint64(0xFF))
    ri = bits >> np.uint64(11)
    x = float(ri) * WE[layer]
    if ri < KE[layer]:
        return s, x
    return _exponential_slow(s, layer, x)
