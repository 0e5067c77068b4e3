"""Propensities shared by every compiled engine (see ``CompiledNetwork`` for the formulas)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.network.compiled import SCALE_AREA


@nb.njit(cache=True, inline="always")
def place_scale(
    counts: np.ndarray, i: np.int64, scale_mode: np.int64, pop_mask: np.ndarray, area: np.ndarray
) -> float:
    """The contact scale of place i: its area, or its current living population (at least 1)."""
    if scale_mode == SCALE_AREA:
        return area[i]
    total = 0
    for s in range(pop_mask.shape[0]):
        if pop_mask[s]:
            total += counts[i, s]
    return float(max(total, 1))


@nb.njit(cache=True, inline="always")
def propensity(
    counts: np.ndarray,
    i: np.int64,
    r: np.int64,
    rate: float,
    order: np.ndarray,
    reactant_species: np.ndarray,
    scale: float,
) -> float:
    """Mass-action propensity of reaction r in place i (falling factorials for repeated units)."""
    a = rate
    if a == 0.0:
        return 0.0
    m = order[r]
    for u in range(m):
        s = reactant_species[r, u]
        repeats = 0
        for v in range(u):
            if reactant_species[r, v] == s:
                repeats += 1
        n = counts[i, s] - repeats
        if n <= 0:
            return 0.0
        a *= n
    for _ in range(m - 1):
        a /= scale
    return a


@nb.njit(cache=True, inline="always")
def attraction(
    counts: np.ndarray,
    j: np.int64,
    bias: float,
    wander: float,
    attract_mask: np.ndarray,
    area: np.ndarray,
) -> float:
    """How much more (bias > 0) or less (bias < 0) likely a hop into place j is; ``wander``
    is the factor where nobody attracts (1 unless the model sets a pace)."""
    if bias == 0.0:
        return 1.0
    total = 0
    for s in range(attract_mask.shape[0]):
        if attract_mask[s]:
            total += counts[j, s]
    density = total / area[j]
    if bias > 0.0:
        return wander + bias * density
    return wander / (1.0 - bias * density)


@nb.njit(cache=True, inline="always")
def rate_row(rate: np.ndarray, i: np.int64) -> np.int64:
    """Row of the rate table for place i: rates are global (one row) or per place."""
    return i if rate.shape[0] > 1 else 0
