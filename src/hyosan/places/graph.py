"""The graph of places: counts per place, areas, regions, and directed links in named groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from hyosan.errors import PlacesError, suggest
from hyosan.places.focus import Focus


@dataclass
class Places:
    """N places and their links.

    ``counts`` maps a compartment to its count in every place. Links are directed; each belongs to
    a named group (``"han-bridges"``, ``"school-gate"``) so an intervention can close the group
    at once, and ``group_factor[group][compartment]`` scales a compartment's hop rate on that
    group's links (0: that compartment never uses them, e.g. zombies don't ride the subway).
    ``focus`` names the regions results are about (a school in its town); None: all of them.
    """

    names: list[str]
    area: np.ndarray
    counts: dict[str, np.ndarray]
    region: list[str]
    link_source: np.ndarray
    link_dest: np.ndarray
    link_weight: np.ndarray
    link_group: list[str]
    kind: list[str] | None = None
    coords: np.ndarray | None = None
    group_factor: dict[str, dict[str, float]] = field(default_factory=dict)
    focus: Focus | None = None

    def __post_init__(self) -> None:
        self.names = [str(n) for n in self.names]
        n = len(self.names)
        self.area = np.broadcast_to(np.asarray(self.area, np.float64), (n,)).copy()
        self.region = list(self.region) if self.region is not None else ["all"] * n
        self.kind = list(self.kind) if self.kind is not None else ["place"] * n
        counts = {}
        for comp, values in self.counts.items():
            array = np.broadcast_to(np.asarray(values), (n,))
            if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
                raise PlacesError(f"counts of {comp!r} must be whole numbers")
            counts[str(comp)] = array.astype(np.int64).copy()
        self.counts = counts
        self.link_source = np.asarray(self.link_source, np.int64).reshape(-1)
        self.link_dest = np.asarray(self.link_dest, np.int64).reshape(-1)
        self.link_weight = np.broadcast_to(
            np.asarray(self.link_weight, np.float64), self.link_source.shape
        ).copy()
        if isinstance(self.link_group, str):
            self.link_group = [self.link_group] * len(self.link_source)
        self.link_group = list(self.link_group)
        self.validate()

    # ----------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise PlacesError naming the place, count or link at fault."""
        n = len(self.names)
        if n == 0:
            raise PlacesError("there must be at least one place")
        if len(set(self.names)) != n:
            seen: set[str] = set()
            dupe = next(name for name in self.names if name in seen or seen.add(name))
            raise PlacesError(f"place name {dupe!r} is used twice")
        if len(self.region) != n or len(self.kind) != n:
            raise PlacesError(f"region and kind need one entry per place ({n})")
        bad_area = np.flatnonzero(~(self.area > 0))
        if bad_area.size:
            i = int(bad_area[0])
            raise PlacesError(f"place {self.names[i]!r}: area must be positive, got {self.area[i]}")
        for comp, values in self.counts.items():
            negative = np.flatnonzero(values < 0)
            if negative.size:
                i = int(negative[0])
                raise PlacesError(
                    f"place {self.names[i]!r}: count of {comp!r} is negative ({values[i]})"
                )
        m = len(self.link_source)
        if not (len(self.link_dest) == len(self.link_weight) == len(self.link_group) == m):
            raise PlacesError("links: source, dest, weight and group must have the same length")
        for label, ends in (("source", self.link_source), ("dest", self.link_dest)):
            outside = np.flatnonzero((ends < 0) | (ends >= n))
            if outside.size:
                raise PlacesError(
                    f"link {int(outside[0])}: {label} {int(ends[outside[0]])} "
                    f"is not a place index (0..{n - 1})"
                )
        bad_weight = np.flatnonzero(~(self.link_weight >= 0))
        if bad_weight.size:
            k = int(bad_weight[0])
            raise PlacesError(
                f"link {self.names[self.link_source[k]]!r} -> "
                f"{self.names[self.link_dest[k]]!r}: weight must be >= 0"
            )
        for group in self.group_factor:
            if group not in self.groups:
                raise PlacesError("group_factor: " + suggest(group, self.groups, "link group"))
        if self.focus is not None:
            for region in self.focus.regions:
                if region not in self.regions:
                    raise PlacesError("focus: " + suggest(region, self.regions, "region"))

    # ----------------------------------------------------------------------------------------
    @property
    def n_places(self) -> int:
        return len(self.names)

    @property
    def n_links(self) -> int:
        return len(self.link_source)

    @property
    def groups(self) -> list[str]:
        """Link group names, in order of first appearance."""
        return list(dict.fromkeys(self.link_group))

    @property
    def regions(self) -> list[str]:
        """Region names, in order of first appearance."""
        return list(dict.fromkeys(self.region))

    def index(self, place: str | int) -> int:
        """The index of a place by name (or index), with a suggestion when the name is unknown."""
        if isinstance(place, (int, np.integer)):
            if not 0 <= place < self.n_places:
                raise PlacesError(f"place index {place} is outside 0..{self.n_places - 1}")
            return int(place)
        lookup = self._lookup()
        if place not in lookup:
            raise PlacesError(suggest(place, self.names, "place"))
        return lookup[place]

    def _lookup(self) -> dict[str, int]:
        cache = self.__dict__.get("_index_cache")
        if cache is None or len(cache) != self.n_places:
            cache = {name: i for i, name in enumerate(self.names)}
            self.__dict__["_index_cache"] = cache
        return cache

    def places_in(self, region: str) -> np.ndarray:
        """Indices of the places of a region (error with suggestions if unknown)."""
        if region not in self.regions:
            raise PlacesError(suggest(region, self.regions, "region"))
        return np.flatnonzero(np.asarray(self.region) == region)

    def links_in(self, group: str) -> np.ndarray:
        """Indices of the links of a group (error with suggestions if unknown)."""
        if group not in self.groups:
            raise PlacesError(suggest(group, self.groups, "link group"))
        return np.flatnonzero(np.asarray(self.link_group) == group)

    def total(self, compartment: str | None = None) -> int:
        """People in a compartment (or in all) over every place."""
        if compartment is not None:
            return int(self.counts.get(compartment, np.zeros(1, np.int64)).sum())
        return int(sum(int(v.sum()) for v in self.counts.values()))

    # ----------------------------------------------------------------------------------------
    def with_outbreak(
        self, place: str | int, compartment: str = "Z", count: int = 1, take_from: str | None = "S"
    ) -> Places:
        """A copy with ``count`` people in ``compartment`` at ``place``.

        They are taken from ``take_from`` (humans become the first zombies) when it has enough
        people there; otherwise they are added.
        """
        if count < 0:
            raise PlacesError(f"outbreak count must be >= 0, got {count}")
        i = self.index(place)
        counts = {k: v.copy() for k, v in self.counts.items()}
        counts.setdefault(compartment, np.zeros(self.n_places, np.int64))
        counts[compartment][i] += count
        if take_from and take_from != compartment and take_from in counts:
            counts[take_from][i] = max(0, counts[take_from][i] - count)
        return replace(self, counts=counts)

    def with_counts(self, counts: Mapping[str, Sequence[int] | np.ndarray | int]) -> Places:
        """A copy with some compartments' counts replaced."""
        merged = {k: v.copy() for k, v in self.counts.items()}
        merged.update({k: np.asarray(v) for k, v in counts.items()})
        return replace(self, counts=merged)

    def with_links(
        self,
        source: Sequence[int] | np.ndarray,
        dest: Sequence[int] | np.ndarray,
        weight: float | Sequence[float] | np.ndarray,
        group: str,
        factors: Mapping[str, float] | None = None,
    ) -> Places:
        """A copy with more links in one group (e.g. a commuting layer or the bridges)."""
        source = np.asarray(source, np.int64)
        weights = np.broadcast_to(np.asarray(weight, np.float64), source.shape)
        group_factor = dict(self.group_factor)
        if factors is not None:
            group_factor[group] = dict(factors)
        return replace(
            self,
            link_source=np.concatenate([self.link_source, source]),
            link_dest=np.concatenate([self.link_dest, np.asarray(dest, np.int64)]),
            link_weight=np.concatenate([self.link_weight, weights]),
            link_group=[*self.link_group, *([group] * len(source))],
            group_factor=group_factor,
        )

    def without_links(self, mask: np.ndarray) -> Places:
        """A copy without the links where ``mask`` is true."""
        keep = ~np.asarray(mask, bool)
        return replace(
            self,
            link_source=self.link_source[keep],
            link_dest=self.link_dest[keep],
            link_weight=self.link_weight[keep],
            link_group=[g for g, k in zip(self.link_group, keep, strict=True) if k],
        )
