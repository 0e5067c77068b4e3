"""How a network's rates follow from the parameters: the model's formulas and the link groups.

Kept in the compiled network so a changed parameter is rebuilt from it (see
:mod:`hyosan.network.overrides`), never by compiling the model again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hyosan.models.formulas import RateFormulas


@dataclass(frozen=True)
class NetworkFormulas:
    """The model's rate formulas, and each link group's factor on each species' hop rate."""

    model: RateFormulas
    group_factor: np.ndarray  # float64 (G, S): hop rate along group g = mobility * factor
    n_groups: int  # G; group_rate keeps one row of zeros when there are no links

    def group_rate(self, mobility: np.ndarray) -> np.ndarray:
        """float64 (max(G, 1), S): per-unit-weight hop rate of each species along each group."""
        out = np.zeros((max(self.n_groups, 1), len(mobility)), np.float64)
        out[: self.n_groups] = mobility[None, :] * self.group_factor[: self.n_groups]
        return out
