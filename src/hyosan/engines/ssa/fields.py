"""Neighbour fields of reactions across links, kept in each place's row next to its counts.

Field q of place i (``network.contact``) sits in column ``n_species + q`` of the row, so a
reaction across links reads it as an ordinary reactant unit and ``place_total`` needs no change.
When an event changes a count that feeds a field, the fields of the places linked to it change
by the link's coefficient: O(in-degree) per change, and those places join ``pending`` so that
their totals move between bins. The functions here are not inlined into the event loop, which
calls them only when the network has fields, so networks without contact across links compile
and run as before.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hyosan.network.compiled import NetworkArrays
from hyosan.network.contact import ContactArrays


@nb.njit(cache=True, _nrt=False)
def fill_fields(
    counts: np.ndarray, rows: np.ndarray, contact: ContactArrays, network: NetworkArrays
) -> None:
    """Every place's fields from its counts (P, S), computed afresh into its row."""
    n_species = counts.shape[1]
    link_coef = contact.link_coef
    weight = contact.field_weight
    out_ptr, link_dest = network.out_ptr, network.link_dest
    n_places = out_ptr.shape[0] - 1
    for i in range(n_places):
        for q in range(weight.shape[0]):
            total = 0.0
            for link in range(out_ptr[i], out_ptr[i + 1]):
                c = link_coef[q, link]
                if c != 0.0:
                    j = link_dest[link]
                    there = 0.0
                    for s in range(n_species):
                        there += weight[q, s] * counts[j, s]
                    total += c * there
            rows[i, n_species + q] = total


@nb.njit(cache=True, _nrt=False)
def spread_change(
    rows: np.ndarray,
    n_species: int,
    contact: ContactArrays,
    network: NetworkArrays,
    place: int,
    species: int,
    change: float,
    pending: np.ndarray,
    n_pending: int,
) -> int:
    """Species ``species`` of ``place`` changed by ``change``: update the fields of the places
    with a link into it and add them to ``pending`` (once per link). Return its new length."""
    weight = contact.field_weight
    n_fields = weight.shape[0]
    feeds = False
    for q in range(n_fields):
        feeds = feeds or weight[q, species] != 0.0
    if not feeds:
        return n_pending
    link_coef, link_source = contact.link_coef, contact.link_source
    in_ptr, in_link = network.in_ptr, network.in_link
    for idx in range(in_ptr[place], in_ptr[place + 1]):
        link = in_link[idx]
        src = link_source[link]
        touched = False
        for q in range(n_fields):
            c = link_coef[q, link] * weight[q, species]
            if c != 0.0:
                rows[src, n_species + q] += c * change
                touched = True
        if touched:
            pending[n_pending] = src
            n_pending += 1
    return n_pending


@nb.njit(cache=True, _nrt=False)
def spread_event(
    rows: np.ndarray,
    n_species: int,
    contact: ContactArrays,
    network: NetworkArrays,
    i: int,
    r: int,
    hopper: int,
    dest: int,
    pending: np.ndarray,
    n_pending: int,
) -> int:
    """After reaction r (r >= 0) in place i, or a hop of species ``hopper`` from i to ``dest``:
    update the fields its changes feed. Return the new length of ``pending``."""
    if r >= 0:
        delta_species, delta_value = network.delta_species, network.delta_value
        for d in range(delta_species.shape[1]):
            s = delta_species[r, d]
            if s < 0:
                break
            n_pending = spread_change(
                rows, n_species, contact, network, i, s, float(delta_value[r, d]), pending,
                n_pending,
            )  # fmt: skip
        return n_pending
    if dest != i:
        n_pending = spread_change(
            rows, n_species, contact, network, i, hopper, -1.0, pending, n_pending
        )
        n_pending = spread_change(
            rows, n_species, contact, network, dest, hopper, 1.0, pending, n_pending
        )
    return n_pending


def pending_room(contact: ContactArrays, network: NetworkArrays) -> int:
    """How many places one event may add to ``pending`` through fields: each changed count
    (a reaction's changes, or a hop's two) adds its place's in-links at most."""
    if contact.field_weight.shape[0] == 0:
        return 0
    in_degree = np.diff(network.in_ptr)
    changes = max(int(network.delta_species.shape[1]), 2)
    return changes * int(in_degree.max(initial=0))
