"""A scenario: a model on a graph of places, with characters and interventions, compiled once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, PlacesError, suggest
from hyosan.models.compiler import compile_model
from hyosan.models.spec import Character, Model
from hyosan.network.compiled import SCALE_AREA, SCALE_POPULATION, CompiledNetwork
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
        """Arrays for the engines: species x places counts, reactions, link CSR, hop rates."""
        model, places = self.model, self.places
        for comp in places.counts:
            if comp not in model.compartments:
                raise PlacesError(
                    f"initial counts: model {model.name!r} has no "
                    + suggest(comp, model.compartments, "compartment")[len("unknown ") :]
                )
        compiled = compile_model(model, self.characters)
        n_places, n_species = places.n_places, len(compiled.species)
        initial = np.zeros((n_places, n_species), np.int64)
        for comp, values in places.counts.items():
            initial[:, model.compartments.index(comp)] = values
        for k, character in enumerate(self.characters):
            try:
                i = places.index(character.place)
            except PlacesError as error:
                raise PlacesError(f"character {character.name!r}: {error}") from None
            base = model.compartments.index(character.compartment)
            if initial[i, base] > 0:
                initial[i, base] -= 1
            initial[i, (k + 1) * len(model.compartments) + base] = 1
        if initial.max(initial=0) >= 2**31:
            raise PlacesError("a place holds more than 2**31 people in one compartment")

        order = np.argsort(places.link_source, kind="stable")
        source = places.link_source[order]
        dest = places.link_dest[order].astype(np.int32)
        groups = places.groups
        group_index = {g: j for j, g in enumerate(groups)}
        link_group = np.array([group_index[places.link_group[k]] for k in order], np.int32)
        out_ptr = np.zeros(n_places + 1, np.int64)
        np.cumsum(np.bincount(source, minlength=n_places), out=out_ptr[1:])
        in_link = np.argsort(dest, kind="stable").astype(np.int32)
        in_ptr = np.zeros(n_places + 1, np.int64)
        np.cumsum(np.bincount(dest, minlength=n_places), out=in_ptr[1:])
        group_rate = np.zeros((max(len(groups), 1), n_species), np.float64)
        for j, group in enumerate(groups):
            factors = places.group_factor.get(group, {})
            for comp in factors:
                if comp not in model.compartments:
                    raise PlacesError(
                        f"group_factor of {group!r}: model {model.name!r} has no "
                        + suggest(comp, model.compartments, "compartment")[8:]
                    )
            for s in range(n_species):
                base_name = model.compartments[compiled.base_of[s]]
                group_rate[j, s] = compiled.mobility[s] * float(factors.get(base_name, 1.0))

        reported = list(model.reported)
        region_names = places.regions
        region_index = {r: j for j, r in enumerate(region_names)}
        return CompiledNetwork(
            species=compiled.species,
            reactions=compiled.reactions,
            rate=compiled.rate.reshape(1, -1).copy(),
            order=compiled.order,
            reactant_species=compiled.reactant_species,
            delta_species=compiled.delta_species,
            delta_value=compiled.delta_value,
            source=compiled.source,
            scale_mode=SCALE_AREA if model.contact == "density" else SCALE_POPULATION,
            pop_mask=compiled.pop_mask,
            area=places.area.astype(np.float64),
            out_ptr=out_ptr,
            link_dest=dest,
            link_weight=places.link_weight[order].astype(np.float64),
            link_group=link_group,
            in_ptr=in_ptr,
            in_link=in_link,
            group_names=groups,
            group_rate=group_rate,
            bias=compiled.bias,
            wander=compiled.wander,
            attract_mask=compiled.attract_mask,
            initial=initial.astype(np.int32),
            extra={
                "base_of": compiled.base_of,
                "character_of": compiled.character_of,
                "base_reaction": compiled.base_reaction,
                "link_order": order,
                "reported": reported,
                "reported_index": np.array(
                    [
                        reported.index(model.reported_of(model.compartments[b]))
                        for b in compiled.base_of
                    ],
                    np.int32,
                ),
                "regions": region_names,
                "region_index": np.array([region_index[r] for r in places.region], np.int32),
            },
        )

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
