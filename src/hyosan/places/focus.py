"""The focus of a world: the regions its results are about, the rest shown as context.

Hyosan High is a school of 956 people inside a town of 18,000: a summary over every region (a
peak of 18,000 zombies) would be the town's. A world names its focus (the school's regions) once,
on its places; results carry it (see :mod:`hyosan.results.focus`), so summaries, curves and the
command line's report lead with the focus whatever the world, and a world without one is all
focus.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Focus:
    """``regions`` are the part called ``name`` ("school"); the other regions are ``context``
    ("town"): still simulated and reported, but after the focus."""

    name: str
    regions: tuple[str, ...]
    context: str = "rest"

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(str(r) for r in self.regions))
        if not self.regions:
            raise ValueError("a focus needs at least one region")
        if not self.name or self.name == self.context:
            raise ValueError(
                f"a focus needs a name of its own, not {self.name!r} (context {self.context!r})"
            )

    def part_of(self, regions: list[str]) -> list[str]:
        """For each region, the part it belongs to: the focus's name or the context's."""
        inside = set(self.regions)
        return [self.name if r in inside else self.context for r in regions]
