"""Contact across links: the neighbour fields that reactions such as
'S@here + Z@there -> Z@here + Z@there' read, as arrays.

Field q of place i is F[i, q] = sum over links l from i to j of
``link_coef[q, l] * sum_s field_weight[q, s] * n[j, s]``, with ``link_coef[q, l]`` the link's
weight times its group's factor for that field (0 for a group the reaction does not reach
across). A reaction across links is an ordinary reaction whose last reactant unit is the field
(``reactant_species = n_species + q``), so its propensity in place i is
``rate * (its '@here' units in i) * F[i, q] / scale_i ** (order - 1)``: the field stands in for a
local partner, scaled by place i's area or population exactly as a local encounter is.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hyosan.errors import PlacesError, suggest


class ContactArrays(NamedTuple):
    """What the engines need to keep neighbour fields (Q fields, S species, L links)."""

    field_weight: np.ndarray
    """float64 (Q, S): how much one unit of species s counts toward field q (1 for the '@there'
    compartment and its characters' copies, 0 otherwise)."""
    link_coef: np.ndarray
    """float64 (Q, L): weight times the group's factor of each link (in the network's order)."""
    link_source: np.ndarray
    """int64 (L,): the place each link leaves (the place whose field the link feeds)."""

    @property
    def n_fields(self) -> int:
        return int(self.field_weight.shape[0])


def no_contact(n_species: int, n_links: int) -> ContactArrays:
    """The arrays of a network without reactions across links (no fields)."""
    return ContactArrays(
        np.zeros((0, n_species)), np.zeros((0, n_links)), np.zeros(n_links, np.int64)
    )


def contact_arrays(
    fields: list[tuple[int, tuple[tuple[str, float], ...] | None]],
    base_of: np.ndarray,
    out_ptr: np.ndarray,
    link_weight: np.ndarray,
    link_group: np.ndarray,
    group_names: list[str],
    reaction_of_field: list[str],
) -> ContactArrays:
    """The fields of a compiled model on a graph of links (CSR over sources); an unknown group
    is an error naming the reaction."""
    n_species, n_links = len(base_of), len(link_weight)
    n_places = len(out_ptr) - 1
    weight = np.zeros((len(fields), n_species))
    coef = np.zeros((len(fields), n_links))
    for q, (compartment, groups) in enumerate(fields):
        weight[q] = base_of == compartment
        factor = np.ones(max(len(group_names), 1))
        if groups is not None:
            factor[:] = 0.0
            for group, value in groups:
                if group not in group_names:
                    raise PlacesError(
                        f"reaction {reaction_of_field[q]!r}: "
                        + suggest(group, group_names, "link group")
                    )
                factor[group_names.index(group)] = float(value)
        coef[q] = link_weight * factor[link_group] if n_links else coef[q]
    source = np.repeat(np.arange(n_places, dtype=np.int64), np.diff(out_ptr))
    return ContactArrays(weight, coef, source)


def neighbour_fields(
    counts: np.ndarray, contact: ContactArrays, out_ptr: np.ndarray, link_dest: np.ndarray
) -> np.ndarray:
    """float64 (P, Q): every place's fields from counts (P, S), computed afresh (numpy)."""
    n_places = counts.shape[0]
    if contact.n_fields == 0:
        return np.zeros((n_places, 0))
    there = counts.astype(np.float64) @ contact.field_weight.T  # (P, Q): each place's '@there'
    per_link = contact.link_coef.T * there[link_dest]  # (L, Q)
    out = np.zeros((n_places, contact.n_fields))
    for q in range(contact.n_fields):
        out[:, q] = np.bincount(contact.link_source, per_link[:, q], n_places)
    return out


def across_bound(net, r: int, population: np.ndarray) -> np.ndarray:
    """float64 (P,): an upper bound on one unit's rate in reaction r across links, per place,
    when each place holds at most ``population`` people (its other '@here' units and the
    neighbours' '@there' units bounded by the populations)."""
    from hyosan.network.compiled import SCALE_AREA

    contact = net.contact
    m = int(net.order[r])
    q = int(net.reactant_species[r, m - 1]) - net.n_species
    field = np.bincount(
        contact.link_source, contact.link_coef[q] * population[net.link_dest], net.n_places
    )
    if net.scale_mode == SCALE_AREA:
        return net.rate.max(axis=0)[r] * (population / net.area) ** (m - 2) * field / net.area
    return net.rate.max(axis=0)[r] * field / np.maximum(population, 1.0)
