"""How every rate of a compiled model follows from the parameters, kept after compiling.

The compiler evaluates each reaction variant's rate and each species' hop rate, attraction and
pace from the model's expressions. It keeps those expressions here, with the parameter values
and each character's overrides, so a changed parameter (an intervention's cull rate, a slower
hop rate) gives new rates by evaluating them again, without compiling the model again. The
compiler uses the same evaluation, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hyosan.errors import ModelError, suggest
from hyosan.models.expressions import evaluate, names_in
from hyosan.models.spec import Character, Model
from hyosan.models.units import conversion


@dataclass(frozen=True)
class RateFormulas:
    """The expressions behind a compiled model's rates, and the values they were evaluated with.

    ``changes`` below map a parameter to a new value in the parameter's own unit (as
    ``Model.with_parameters`` takes a bare number); a character's overrides still win over them.
    """

    time_unit: str
    own_value: Mapping[str, float]  # each parameter's value in its own unit
    unit_factor: Mapping[str, float]  # its own unit -> the model's time unit
    character_overrides: tuple[Mapping[str, float], ...]  # per character, in the time unit
    reaction_rate: tuple[str, ...]  # (R,) rate expression of each reaction variant
    reaction_name: tuple[str, ...]  # (R,) the model reaction it comes from (for messages)
    reaction_character: np.ndarray  # int32 (R,) whose overrides apply, -1 the crowd
    species_compartment: tuple[str, ...]  # (S,) the model compartment each species copies
    species_character: np.ndarray  # int32 (S,) whose overrides apply, -1 the crowd
    mobility: tuple[str, ...]  # (S,) hop-rate expression per unit link weight
    attraction: tuple[str, ...]  # (S,) bias toward attractors
    wander: tuple[str, ...]  # (S,) pace where nothing attracts

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.own_value)

    @property
    def reaction_parameters(self) -> frozenset[str]:
        """Parameters some reaction rate uses."""
        names: set[str] = set()
        for expression, reaction in set(zip(self.reaction_rate, self.reaction_name, strict=True)):
            names |= names_in(expression, reaction)
        return frozenset(names)

    @property
    def movement_parameters(self) -> frozenset[str]:
        """Parameters that hop rates, attraction or pace use."""
        names: set[str] = set()
        for table in (self.mobility, self.attraction, self.wander):
            for expression, comp in set(zip(table, self.species_compartment, strict=True)):
                names |= names_in(expression, f"mobility of {comp!r}")
        return frozenset(names)

    def values(self, changes: Mapping[str, float] | None = None) -> list[dict[str, float]]:
        """Parameter values in the time unit: the crowd's, then each character's."""
        own = dict(self.own_value)
        own.update(changes or {})
        crowd = {name: value * self.unit_factor[name] for name, value in own.items()}
        per_character = []
        for overrides in self.character_overrides:
            values = dict(crowd)
            for name, value in overrides.items():
                if name not in values:
                    raise ModelError(suggest(name, values, "parameter"))
                values[name] = float(value)
            per_character.append(values)
        return [crowd, *per_character]

    def rates(self, changes: Mapping[str, float] | None = None) -> np.ndarray:
        """float64 (R,): every reaction variant's rate in the time unit."""
        environments = self.values(changes)
        known: dict[tuple[str, str, int], float] = {}
        out = np.empty(len(self.reaction_rate), np.float64)
        for r, key in enumerate(
            zip(
                self.reaction_rate,
                self.reaction_name,
                self.reaction_character.tolist(),
                strict=True,
            )
        ):
            if key not in known:
                expression, reaction, who = key
                known[key] = evaluate(expression, environments[who + 1], f"reaction {reaction!r}")
            out[r] = known[key]
        return out

    def movement(
        self, changes: Mapping[str, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """float64 (S,) each: hop rate, attraction bias and pace of every species.

        Without attraction the pace is one number: it is folded into the hop rate (and the
        pace set to 1), so engines may take a species with zero bias as a plain walker.
        """
        environments = self.values(changes)

        def per_species(table: tuple[str, ...], kind: str) -> np.ndarray:
            out = np.zeros(len(table), np.float64)
            for s, (expression, comp, who) in enumerate(
                zip(table, self.species_compartment, self.species_character.tolist(), strict=True)
            ):
                out[s] = evaluate(expression, environments[who + 1], f"{kind} of {comp!r}")
            return out

        mobility = per_species(self.mobility, "mobility")
        bias = per_species(self.attraction, "attraction")
        wander = per_species(self.wander, "wander")
        mobility = np.where(bias == 0.0, mobility * wander, mobility)
        wander = np.where(bias == 0.0, 1.0, wander)
        return mobility, bias, wander

    def in_own_unit(self, name: str, value: float) -> float:
        """A value given in the model's time unit, expressed in the parameter's own unit."""
        return value / self.unit_factor[name]


def formulas_of(
    model: Model,
    characters: list[Character] | tuple[Character, ...],
    reaction_variants: list[tuple[int, int]],
    species_variants: list[tuple[int, int]],
) -> RateFormulas:
    """The formulas of a model whose reaction variants are (model reaction, character) pairs
    and whose species are (compartment index, character) pairs (character -1: the crowd)."""
    compartments = model.compartments
    return RateFormulas(
        time_unit=model.time_unit,
        own_value={name: p.value for name, p in model.parameters.items()},
        unit_factor={
            name: conversion(p.unit, model.time_unit) for name, p in model.parameters.items()
        },
        character_overrides=tuple(dict(c.overrides) for c in characters),
        reaction_rate=tuple(model.reactions[r].rate for r, _ in reaction_variants),
        reaction_name=tuple(model.reactions[r].name for r, _ in reaction_variants),
        reaction_character=np.array([who for _, who in reaction_variants], np.int32),
        species_compartment=tuple(compartments[b] for b, _ in species_variants),
        species_character=np.array([who for _, who in species_variants], np.int32),
        mobility=tuple(model.mobility.get(compartments[b], "0") for b, _ in species_variants),
        attraction=tuple(model.attraction.get(compartments[b], "0") for b, _ in species_variants),
        wander=tuple(model.wander.get(compartments[b], "1") for b, _ in species_variants),
    )
