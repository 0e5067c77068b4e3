"""What every run of a chunk reads and none writes: the network's rates and links rearranged for
the event loop (rates with the area folded in, reactant units with their falling factorials, hop
rates per mobile species and link, which species walk from a list)."""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from hyosan.network.compiled import SCALE_AREA, NetworkArrays

MIN_ACCEPTANCE = 0.25
"""A species that hops without attraction is drawn from a list of its units (thinning at its
top hop rate) when every place's hop rate is at least this share of the top rate."""


class SharedTables(NamedTuple):
    """Read-only tables shared by all runs of a chunk, built by ``shared_tables``.

    P places, S species, R reactions, L links; M mobile species (those with a positive hop rate
    along some link of positive weight), indexed ``m`` in ``mobile``'s order.
    """

    coef: np.ndarray
    """float64 (1 or P, R): each reaction's rate, divided by area^(order - 1) for
    density-dependent mixing; one row per place where rates or areas differ between places."""
    units: np.ndarray
    """int64 (R, max_order): the species of each reactant unit (0 past the reaction's order)."""
    offsets: np.ndarray
    """float64 (R, max_order): how many earlier units of the reaction share the unit's species,
    subtracted from its count (falling factorials)."""
    mobile: np.ndarray
    """int64 (M,): the species of each mobile index."""
    biased: np.ndarray
    """bool (M,): the species feels attraction, so its hop rates follow the counts of each run."""
    link_rate: np.ndarray
    """float64 (M, L): per-unit hop rate along each link (weight times the group's rate);
    mobile-species-major, so a place's links are adjacent."""
    hop_unit: np.ndarray
    """float64 (P, M): per-unit hop rate out of each place, the sum over its links (0 for a
    species with attraction: that rate lives in each run's rows)."""
    even: np.ndarray
    """bool (M,): without attraction, every link of every place has one rate, so a hop's link is
    one uniform pick."""
    link_source: np.ndarray
    """int64 (L,): the place each link leaves (empty when no species feels attraction)."""
    max_in: np.int64
    """The most links into one place (0 when no species feels attraction)."""
    walker: np.ndarray
    """int64 (M,): the walkers' list of a species whose hops are drawn from a list of its units,
    -1 for a species whose hops are drawn from places."""
    hop_max: np.ndarray
    """float64 (M,): a walking species' top per-unit hop rate over places (0 otherwise)."""
    species_walker: np.ndarray
    """int64 (S,): the mobile index of a walking species, -1 for every other species."""


@nb.njit(cache=True)
def shared_tables(n_places: int, n_species: int, network: NetworkArrays) -> SharedTables:
    """The tables every run of a chunk reads, from the network's arrays."""
    rate = network.rate
    order = network.order
    reactant_species = network.reactant_species
    scale_mode = network.scale_mode
    area = network.area
    out_ptr = network.out_ptr
    link_dest = network.link_dest
    link_weight = network.link_weight
    link_group = network.link_group
    in_ptr = network.in_ptr
    group_rate = network.group_rate
    bias = network.bias
    n_reactions = order.shape[0]
    uniform_area = True
    for i in range(n_places):
        uniform_area = uniform_area and area[i] == area[0]
    per_place = rate.shape[0] > 1 or (scale_mode == SCALE_AREA and not uniform_area)
    coef = np.empty((n_places if per_place else 1, n_reactions))
    for g in range(coef.shape[0]):
        for r in range(n_reactions):
            a = rate[g if rate.shape[0] > 1 else 0, r]
            if scale_mode == SCALE_AREA and n_places > 0:
                for _ in range(order[r] - 1):
                    a /= area[g]
            coef[g, r] = a
    units = np.zeros(reactant_species.shape, np.int64)
    offsets = np.zeros(reactant_species.shape)
    for r in range(n_reactions):
        for u in range(order[r]):
            units[r, u] = reactant_species[r, u]
            for v in range(u):
                if reactant_species[r, v] == reactant_species[r, u]:
                    offsets[r, u] += 1.0

    n_links = link_dest.shape[0]
    n_groups = group_rate.shape[0]
    used = np.zeros(n_groups, np.bool_)  # groups with a link of positive weight
    for link in range(n_links):
        if link_weight[link] > 0.0:
            used[link_group[link]] = True
    moves = np.zeros(n_species, np.bool_)
    for g in range(n_groups):
        for c in range(n_species):
            if used[g] and group_rate[g, c] > 0.0:
                moves[c] = True
    mobile = np.flatnonzero(moves)
    n_mobile = mobile.shape[0]
    link_rate = np.empty((n_mobile, n_links))
    for m in range(n_mobile):
        c = mobile[m]
        for link in range(n_links):
            link_rate[m, link] = link_weight[link] * group_rate[link_group[link], c]
    biased = np.empty(n_mobile, np.bool_)
    even = np.zeros(n_mobile, np.bool_)
    any_bias = False
    for m in range(n_mobile):
        biased[m] = bias[mobile[m]] != 0.0
        any_bias = any_bias or biased[m]
    hop_unit = np.zeros((n_places, n_mobile))
    for m in range(n_mobile):
        if not biased[m]:
            equal = True
            for i in range(n_places):
                lo = out_ptr[i]
                for link in range(lo, out_ptr[i + 1]):
                    w = link_rate[m, link]
                    if w > 0.0:
                        hop_unit[i, m] += w
                    equal = equal and w == link_rate[m, lo]
            even[m] = equal
    link_source = np.empty(n_links if any_bias else 0, np.int64)
    max_in = 0
    if any_bias:
        for i in range(n_places):
            max_in = max(max_in, in_ptr[i + 1] - in_ptr[i])
            for link in range(out_ptr[i], out_ptr[i + 1]):
                link_source[link] = i
    # Walkers: species without attraction whose hop rate is nowhere far below its top rate.
    walker = np.full(n_mobile, -1, np.int64)
    hop_max = np.zeros(n_mobile)
    species_walker = np.full(n_species, -1, np.int64)
    n_walkers = 0
    for m in range(n_mobile):
        if biased[m] or n_places == 0:
            continue
        top = hop_unit[:, m].max()
        if top > 0.0 and hop_unit[:, m].min() >= MIN_ACCEPTANCE * top:
            walker[m] = n_walkers
            hop_max[m] = top
            species_walker[mobile[m]] = m
            n_walkers += 1
    return SharedTables(
        coef, units, offsets, mobile, biased, link_rate, hop_unit, even, link_source,
        np.int64(max_in), walker, hop_max, species_walker,
    )  # fmt: skip
