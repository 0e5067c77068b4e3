"""What the indices of a compiled network mean: species, reactions, places and links by name.

Engines never read these; the recorder (species into reported compartments, places into
regions), the run loop and the interventions do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NetworkLabels:
    """Names and groupings of a network's species, reactions, places and links."""

    base_of: np.ndarray  # int32 (S,) the model compartment each species copies
    character_of: np.ndarray  # int32 (S,) the character it belongs to, -1 for the crowd
    base_reaction: np.ndarray  # int32 (R,) the model reaction each variant comes from
    reported: list[str]  # compartments as results report them (stages folded into groups)
    reported_index: np.ndarray  # int32 (S,) the reported compartment each species counts toward
    regions: list[str]  # region names, in order of first appearance
    region_index: np.ndarray  # int32 (P,) the region of each place
    link_order: np.ndarray  # int64 (L,) the Places link behind each compiled (CSR) link

    def species_of_character(self, k: int) -> np.ndarray:
        """The species that are copies of character k (one of them holds the person)."""
        return np.flatnonzero(self.character_of == k)
