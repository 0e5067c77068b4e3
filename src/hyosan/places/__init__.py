"""The graph of places: the Places object and its builders."""

from hyosan.places.builders import building, grid, lattice_links, well_mixed
from hyosan.places.focus import Focus
from hyosan.places.graph import Places

__all__ = ["Focus", "Places", "building", "grid", "lattice_links", "well_mixed"]
