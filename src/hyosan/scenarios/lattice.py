"""Demo worlds that need no data: the ``szr-lattice`` lattice of Alemi's SZR model."""

from __future__ import annotations

from typing import Any

from hyosan.models.library import szr
from hyosan.places.builders import grid
from hyosan.scenarios.scenario import Scenario


def szr_lattice(size: int = 200, humans_per_cell: int = 20) -> Scenario:
    """A size x size lattice of 20 people per cell, one zombie in the middle (Alemi's SZR)."""
    places = grid((size, size), {"S": humans_per_cell, "Z": 0, "R": 0}, cell_area=1.0)
    places = places.with_outbreak(f"{size // 2},{size // 2}", "Z", 1)
    model = szr(beta=0.05, kappa=0.02, hop=0.5)
    return Scenario(
        model=model,
        places=places,
        name="szr-lattice",
        description=f"SZR on a {size}x{size} lattice of {humans_per_cell} people per cell, "
        "one zombie in the middle",
        t_end=200.0,
    )


def lattice_places(size: int = 200, **_: Any) -> int:
    """The places ``szr_lattice(size)`` has, without building it (checked against the limits)."""
    return int(size) * int(size)


szr_lattice.places_of = lattice_places  # type: ignore[attr-defined]
