"""Built-in demo worlds that need no data: the ``szr-lattice`` of the README's main command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hyosan.errors import HyosanError, suggest
from hyosan.models.library import szr
from hyosan.places.builders import grid
from hyosan.scenario import Scenario


@dataclass(frozen=True)
class Demo:
    """A scenario builder with a sensible end time."""

    description: str
    build: Callable[[], Scenario]
    t_end: float

    @property
    def scenario(self) -> Scenario:
        return self.build()


def szr_lattice(size: int = 200, humans_per_cell: int = 20) -> Scenario:
    """A size x size lattice of 20 people per cell, one zombie in the middle (Alemi's SZR)."""
    places = grid((size, size), {"S": humans_per_cell, "Z": 0, "R": 0}, cell_area=1.0)
    places = places.with_outbreak(f"{size // 2},{size // 2}", "Z", 1)
    model = szr(beta=0.05, kappa=0.02, hop=0.5)
    return Scenario(model=model, places=places, name="szr-lattice",
                    description="SZR on a 200x200 lattice, one zombie in the middle")


BUILT_IN: dict[str, Demo] = {
    "szr-lattice": Demo("SZR on a 200x200 lattice of 20 people per cell, one zombie in the middle",
                        szr_lattice, 200.0),
}


class _Loaded:
    def __init__(self, demo: Demo) -> None:
        self.scenario = demo.build()
        self.t_end = demo.t_end


def load(name: str) -> _Loaded:
    """A built-in scenario and its default end time, by name."""
    if name not in BUILT_IN:
        raise HyosanError(suggest(name, BUILT_IN, "scenario"))
    return _Loaded(BUILT_IN[name])
