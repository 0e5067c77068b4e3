"""A scenario: a model on a graph of places, with characters and interventions, compiled once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from hyosan.errors import HyosanError
from hyosan.limits import check_network
from hyosan.models.spec import Character, Model
from hyosan.network.build import build_network
from hyosan.network.compiled import CompiledNetwork
from hyosan.places.graph import Places


@dataclass
class Scenario:
    """What to simulate. ``simulate`` reads it; engines read only its compiled arrays."""

    model: Model
    places: Places
    characters: tuple[Character, ...] | list[Character] = ()
    interventions: tuple[Any, ...] | list[Any] = ()
    name: str = "custom"
    description: str = ""
    t_end: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.model, Model):
            raise HyosanError(
                f"Scenario.model must be a hyosan Model, got {type(self.model).__name__}"
            )
        if not isinstance(self.places, Places):
            raise HyosanError(
                f"Scenario.places must be hyosan Places, got {type(self.places).__name__}"
            )
        self.characters = tuple(self.characters)
        self.interventions = tuple(self.interventions)

    def compile(self) -> CompiledNetwork:
        """Arrays for the engines: species x places counts, reactions, link CSR, hop rates;
        checked finite and in range (:func:`hyosan.limits.check_network`)."""
        return check_network(build_network(self.model, self.places, self.characters))

    def describe(self) -> dict[str, Any]:
        """A JSON-able description kept in results, so a result says what produced it."""
        model = self.model
        return {
            "name": self.name,
            "model": {
                "name": model.name,
                "compartments": list(model.compartments),
                "reactions": [[r.name, r.equation, r.rate] for r in model.reactions],
                "parameters": {k: [p.value, p.unit] for k, p in model.parameters.items()},
                "time_unit": model.time_unit,
                "contact": model.contact,
            },
            "places": {
                "n_places": self.places.n_places,
                "n_links": self.places.n_links,
                "regions": len(self.places.regions),
                "groups": self.places.groups,
                "initial": {k: int(v.sum()) for k, v in self.places.counts.items()},
            },
            "characters": [asdict(c) for c in self.characters],
            "interventions": [
                getattr(i, "describe", lambda i=i: repr(i))() for i in self.interventions
            ],
        }

    def describe_json(self) -> str:
        return json.dumps(self.describe(), default=str)
