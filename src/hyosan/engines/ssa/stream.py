"""A run's random stream held in a local (a register) rather than in its array slot: the same
draws as ``_random.next_uniform``, and the ziggurat's ``exponential`` continues the same stream."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.engines._random import GOLDEN, mix64

_INV_2_53 = 1.0 / 9007199254740992.0


@nb.njit(cache=True, inline="always")
def uniform(s: np.uint64) -> tuple[np.uint64, float]:
    """Advance the stream state ``s``; return it and a double in [0, 1) with 53 random bits."""
    s = s + GOLDEN
    return s, float(mix64(s) >> np.uint64(11)) * _INV_2_53
