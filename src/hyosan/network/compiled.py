"""The arrays every engine reads: a model and a graph of places, compiled together.

Engines know nothing of zombies or SEIR: they see species (compartments after Erlang stages and
character copies are expanded), reactions as reactant units and net changes, per-place rates, and
links in CSR form. Everything an intervention may change between chunks (rates, which link groups
are open, counts) lives here as plain arrays so the engines can be resumed after a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from hyosan.network.contact import ContactArrays, no_contact
from hyosan.network.formulas import NetworkFormulas
from hyosan.network.labels import NetworkLabels

SCALE_AREA = 0
"""Density-dependent mixing: a reaction of order m is divided by area**(m-1)."""
SCALE_POPULATION = 1
"""Frequency-dependent mixing: divided by N**(m-1), N the place's current living population."""


class NetworkArrays(NamedTuple):
    """The network's arrays as compiled kernels take them: one argument, fields by name.

    Each is documented on ``CompiledNetwork`` below; numba passes a named tuple of arrays by
    value and resolves its fields at compile time, so naming them costs nothing at run time.
    """

    rate: np.ndarray
    order: np.ndarray
    reactant_species: np.ndarray
    delta_species: np.ndarray
    delta_value: np.ndarray
    source: np.ndarray
    scale_mode: np.int64
    pop_mask: np.ndarray
    area: np.ndarray
    out_ptr: np.ndarray
    link_dest: np.ndarray
    link_weight: np.ndarray
    link_group: np.ndarray
    in_ptr: np.ndarray
    in_link: np.ndarray
    group_rate: np.ndarray
    bias: np.ndarray
    attract_mask: np.ndarray
    wander: np.ndarray


@dataclass
class CompiledNetwork:
    """A model on a graph of places, as arrays.

    Propensity of reaction r in place i, with n = counts[i]:
        rate[i or 0, r] * prod_u (n[reactant_species[r, u]] - earlier units of that species)
                        / scale_i ** (order[r] - 1)
    where scale_i = area[i] (SCALE_AREA) or max(sum(n[pop_mask]), 1) (SCALE_POPULATION).

    Hop of one unit of species c along link l (from i to dest[l]):
        n[c] * link_weight[l] * group_rate[link_group[l], c] * attraction(c, dest[l])
    attraction(c, j) = wander[c] + bias[c] * d_j if bias[c] >= 0
                       else wander[c] / (1 - bias[c] * d_j),      (1 if bias[c] == 0)
    d_j = sum(counts[j, attract_mask]) / area[j]: ``wander`` is the pace where nothing
    attracts (0: zombies that stand still until they hear someone).

    Reactions across links: a reactant unit ``n_species + q`` is neighbour field q of the place
    (``contact``, see ``network.contact``), a float standing in for that unit's count.
    """

    species: list[str]
    reactions: list[str]
    # --- reactions -------------------------------------------------------------------------
    rate: np.ndarray  # float64 (1 or P, R): per-place rates when shape[0] == P
    order: np.ndarray  # int32 (R,) number of reactant units
    reactant_species: np.ndarray  # int32 (R, max_order) species of each unit, -1 padding
    delta_species: np.ndarray  # int32 (R, max_delta) species whose count changes, -1 padding
    delta_value: np.ndarray  # int32 (R, max_delta) the net change, 0 padding
    source: np.ndarray  # int32 (R,) the net-consumed species (-1: none, e.g. births)
    scale_mode: int
    pop_mask: np.ndarray  # int8 (S,) species counted in N for SCALE_POPULATION
    # --- places and links ------------------------------------------------------------------
    area: np.ndarray  # float64 (P,)
    out_ptr: (
        np.ndarray
    )  # int64 (P+1,) CSR over sources: links of place i are out_ptr[i]:out_ptr[i+1]
    link_dest: np.ndarray  # int32 (L,)
    link_weight: np.ndarray  # float64 (L,)
    link_group: np.ndarray  # int32 (L,)
    in_ptr: np.ndarray  # int64 (P+1,) CSR over destinations
    in_link: np.ndarray  # int32 (L,) link ids arriving at place i: in_link[in_ptr[i]:in_ptr[i+1]]
    group_names: list[str]
    group_rate: np.ndarray  # float64 (G, S) per-unit-weight hop rate; 0 where closed or immobile
    bias: np.ndarray  # float64 (S,)
    attract_mask: np.ndarray  # int8 (S,)
    # --- bookkeeping -----------------------------------------------------------------------
    initial: np.ndarray  # int32 (P, S) initial counts
    wander: np.ndarray | None = None  # float64 (S,) attraction where the density is 0; None: 1
    labels: NetworkLabels | None = None  # names of species, places; None for bare test arrays
    formulas: NetworkFormulas | None = None  # how rate and group_rate follow from parameters
    contact: ContactArrays | None = None  # neighbour fields of reactions across links; None: none

    def __post_init__(self) -> None:
        if self.wander is None:
            self.wander = np.ones(len(self.species), np.float64)

    @property
    def has_contact(self) -> bool:
        """Whether some reaction reads a neighbour field (a reactant '@there')."""
        return self.contact is not None and self.contact.n_fields > 0

    def contact_args(self) -> ContactArrays:
        """The neighbour fields' arrays as kernels take them (empty without contact)."""
        if self.contact is None:
            return no_contact(self.n_species, len(self.link_dest))
        return self.contact

    @property
    def n_places(self) -> int:
        return int(self.area.shape[0])

    @property
    def n_species(self) -> int:
        return len(self.species)

    @property
    def n_reactions(self) -> int:
        return len(self.reactions)

    @property
    def has_bias(self) -> bool:
        return bool(np.any(self.bias != 0.0))

    @property
    def base_reaction(self) -> np.ndarray:
        """The model reaction each variant comes from (each its own without labels)."""
        if self.labels is None:
            return np.arange(self.n_reactions)
        return self.labels.base_reaction

    def kernel_args(self) -> NetworkArrays:
        """The arrays every compiled kernel takes, as one named tuple."""
        return NetworkArrays(
            self.rate,
            self.order,
            self.reactant_species,
            self.delta_species,
            self.delta_value,
            self.source,
            np.int64(self.scale_mode),
            self.pop_mask,
            self.area,
            self.out_ptr,
            self.link_dest,
            self.link_weight,
            self.link_group,
            self.in_ptr,
            self.in_link,
            self.group_rate,
            self.bias,
            self.attract_mask,
            self.wander,
        )
