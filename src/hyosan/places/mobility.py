"""Long-range travel: where people go, from populations and distances alone.

Two kernels give, for each origin i, the probability ``p[i, j]`` that a trip from i ends in j:

- the radiation model (Simini, González, Maritan & Barabási, Nature 484, 96-100, 2012): a
  traveller takes the nearest job better than all those closer to home, which gives
  ``p_ij = m_i n_j / ((m_i + s_ij) (m_i + n_j + s_ij))`` with m_i, n_j the populations and s_ij
  the population closer to i than j is (i and j excluded). It has no free parameter; rows sum to
  1 - m_i / M, and the finite-size correction (Masucci et al. 2013) divides by that.
- a gravity model: ``p_ij`` proportional to ``n_j / d_ij**exponent``.

A trip layer keeps the ``top_k`` destinations of each origin, and travel is a pair of links per
trip, out and back, each carrying half of the trips: the flow i -> j equals the flow j -> i, so the
census populations stay (on average) where they are however long people travel.
"""

from __future__ import annotations

import numpy as np

from hyosan.errors import HyosanError

HOURS_PER_DAY = 24.0


def _check(population: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    population = np.asarray(population, np.float64)
    xy = np.asarray(xy, np.float64)
    if population.ndim != 1 or xy.shape != (len(population), 2):
        raise HyosanError(
            f"mobility: need one population and one (x, y) per place, got "
            f"{population.shape} and {xy.shape}"
        )
    if np.any(population < 0) or not np.all(np.isfinite(population)):
        raise HyosanError("mobility: populations must be finite and >= 0")
    return population, xy


def distances(xy: np.ndarray) -> np.ndarray:
    """Pairwise Euclidean distances between the rows of ``xy``."""
    xy = np.asarray(xy, np.float64)
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def radiation(population: np.ndarray, xy: np.ndarray, finite_size: bool = True) -> np.ndarray:
    """The radiation model's trip probabilities ``p[i, j]`` (dense, zero diagonal).

    Places at equal distance from i are taken in index order, so every row telescopes to
    exactly 1 - m_i / M (or 1 with ``finite_size``).
    """
    m, xy = _check(population, xy)
    n = len(m)
    dist = distances(xy)
    np.fill_diagonal(dist, -1.0)  # the origin first: it is never inside anyone's circle
    order = np.argsort(dist, axis=1, kind="stable")
    sorted_pop = m[order]
    sorted_pop[:, 0] = 0.0  # the origin itself (column 0 after sorting) is excluded from s_ij
    s = np.cumsum(sorted_pop, axis=1) - sorted_pop  # population strictly before j in the order
    mi = m[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_sorted = mi * sorted_pop / ((mi + s) * (mi + sorted_pop + s))
    p_sorted = np.nan_to_num(p_sorted, nan=0.0, posinf=0.0)
    p = np.zeros((n, n))
    np.put_along_axis(p, order, p_sorted, axis=1)
    np.fill_diagonal(p, 0.0)
    if finite_size:
        total = m.sum()
        keep = 1.0 - m / total if total > 0 else np.ones(n)
        p /= np.where(keep > 0, keep, 1.0)[:, None]
    return p


def gravity(
    population: np.ndarray,
    xy: np.ndarray,
    exponent: float = 2.0,
    min_distance: float = 1.0,
) -> np.ndarray:
    """Gravity-model trip probabilities: p[i, j] proportional to n_j / max(d_ij, min)**exponent."""
    m, xy = _check(population, xy)
    if not (exponent >= 0 and min_distance > 0):
        raise HyosanError(
            f"gravity: exponent must be >= 0 and min_distance > 0, got {exponent}, {min_distance}"
        )
    dist = np.maximum(distances(xy), min_distance)
    attraction = m[None, :] / dist**exponent
    np.fill_diagonal(attraction, 0.0)
    total = attraction.sum(axis=1, keepdims=True)
    return attraction / np.where(total > 0, total, 1.0)


def top_k(p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` most likely destinations of each origin, renormalized: (origin, dest, p)."""
    p = np.asarray(p, np.float64)
    n = p.shape[0]
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise HyosanError(f"top_k must be a positive integer, got {k!r}")
    k = min(int(k), n - 1) if n > 1 else 0
    if k == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0)
    dest = np.argpartition(-p, k - 1, axis=1)[:, :k]
    prob = np.take_along_axis(p, dest, axis=1)
    origin = np.repeat(np.arange(n), k)
    dest, prob = dest.reshape(-1), prob.reshape(-1)
    keep = prob > 0
    origin, dest, prob = origin[keep], dest[keep], prob[keep]
    row_sum = np.bincount(origin, prob, minlength=n)
    return origin, dest.astype(np.int64), prob / row_sum[origin]


def trip_links(
    origin: np.ndarray,
    dest: np.ndarray,
    trips: np.ndarray,
    population: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-and-back links for trips per day between places: (source, dest, rate per person).

    ``trips[k]`` people a day go origin[k] -> dest[k] and as many come back, so each pair gets
    both links with the same flow; a person's rate on a link is that flow over the people at its
    source (per day). Duplicate pairs (either direction) are merged.
    """
    origin = np.asarray(origin, np.int64)
    dest = np.asarray(dest, np.int64)
    trips = np.asarray(trips, np.float64)
    population = np.asarray(population, np.float64)
    keep = (origin != dest) & (trips > 0)
    low = np.minimum(origin, dest)[keep]
    high = np.maximum(origin, dest)[keep]
    n = len(population)
    key, inverse = np.unique(low * n + high, return_inverse=True)
    flow = np.bincount(inverse, trips[keep], minlength=len(key))
    a, b = np.divmod(key, n)
    source = np.concatenate([a, b])
    target = np.concatenate([b, a])
    flow2 = np.concatenate([flow, flow])
    at_source = population[source]
    rate = np.where(at_source > 0, flow2 / np.where(at_source > 0, at_source, 1.0), 0.0)
    keep = rate > 0
    return source[keep], target[keep], rate[keep]


def downscale(
    origin: np.ndarray,
    dest: np.ndarray,
    prob: np.ndarray,
    member_of: np.ndarray,
    member_population: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zone-to-zone trip probabilities as member-to-member pairs (cells of dongs).

    Every member of an origin zone travels to each destination zone of its origin; there it
    lands in one member picked in proportion to population, by systematic sampling (the member's
    population quantile in its own zone, shifted per zone pair), so the arrivals spread over the
    destination like its people. Returns (member origin, member dest, probability).
    """
    member_of = np.asarray(member_of, np.int64)
    weight = np.asarray(member_population, np.float64)
    n_zones = (
        int(max(member_of.max(initial=-1), np.max(origin, initial=-1), np.max(dest, initial=-1)))
        + 1
    )
    by_zone = np.lexsort((np.arange(len(member_of)), member_of))
    zone_sorted = member_of[by_zone]
    zone_total = np.bincount(member_of, weight, minlength=n_zones)
    cum = np.cumsum(weight[by_zone])
    start = np.searchsorted(zone_sorted, np.arange(n_zones))
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    safe_total = np.where(zone_total > 0, zone_total, 1.0)
    upper = (cum - before[zone_sorted]) / safe_total[zone_sorted]  # quantile at the member's end
    quantile = np.empty(len(member_of))
    quantile[by_zone] = upper - 0.5 * weight[by_zone] / safe_total[zone_sorted]
    key = zone_sorted + np.minimum(upper, 1.0 - 1e-12)  # members' upper edges, zone by zone

    # pair every member of each origin zone with every destination zone of that zone
    pairs_of_zone = np.argsort(origin, kind="stable")
    pair_start = np.searchsorted(origin[pairs_of_zone], np.arange(n_zones + 1))
    count = (pair_start[1:] - pair_start[:-1])[member_of]
    member = np.repeat(np.arange(len(member_of)), count)
    offset = np.arange(len(member)) - np.repeat(np.cumsum(count) - count, count)
    pair = pairs_of_zone[pair_start[member_of[member]] + offset]
    to_zone = dest[pair]
    shift = np.mod(0.6180339887498949 * (member_of[member] * 7919 + to_zone), 1.0)
    u = np.mod(quantile[member] + shift, 1.0)
    where = np.searchsorted(key, to_zone + u, side="left")
    where = np.minimum(where, len(key) - 1)
    target = by_zone[where]
    ok = (member_of[target] == to_zone) & (zone_total[to_zone] > 0)
    return member[ok], target[ok].astype(np.int64), np.asarray(prob, float)[pair][ok]
