"""A network with some parameters changed, rebuilt from its formulas (no compiling again).

An intervention such as a cull sets a parameter in a zone: places in the zone get their own row
of reaction rates (``rate`` becomes per place), and a changed hop-rate parameter gives new hop
rates everywhere. Results are cached by the values asked for, since a ramp asks again at each
chunk and many runs share the same changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from hyosan.errors import HyosanError
from hyosan.network.compiled import CompiledNetwork

ParameterChange = tuple[np.ndarray | None, str, float]
"""(places, or None for every place; parameter; value in the model's time unit)."""


class ParameterOverrides:
    """Rebuilds a compiled network's rates for changed parameters."""

    def __init__(self, net: CompiledNetwork) -> None:
        if net.formulas is None:
            raise HyosanError("this network keeps no formulas: build it with build_network")
        self.base = net
        self.formulas = net.formulas
        self.movement_parameters = net.formulas.model.movement_parameters
        self.reaction_parameters = net.formulas.model.reaction_parameters
        self._rates: dict[tuple, np.ndarray] = {}
        self._movement: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def apply(self, changes: Sequence[ParameterChange]) -> CompiledNetwork:
        """The base network with ``changes`` applied in order (a later one wins where they
        overlap); hop-rate parameters must be changed everywhere (places None)."""
        if not changes:
            return self.base
        base = self.base
        moving = tuple(
            (name, value) for _, name, value in changes if name in self.movement_parameters
        )
        group_rate, bias, wander = base.group_rate, base.bias, base.wander
        if moving:
            group_rate, bias, wander = self.movement_with(moving)
        reacting = [
            change
            for change in changes
            if change[1] not in self.movement_parameters or change[1] in self.reaction_parameters
        ]
        rate = self.rates_with(reacting) if reacting else base.rate
        return replace(base, rate=rate, group_rate=group_rate, bias=bias, wander=wander)

    def movement_with(
        self, values: tuple[tuple[str, float], ...]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Hop rates per (group, species), attraction biases and paces with hop parameters
        changed (values in the model's time unit)."""
        if values not in self._movement:
            model = self.formulas.model
            changes = {name: model.in_own_unit(name, value) for name, value in values}
            mobility, bias, wander = model.movement(changes)
            self._movement[values] = (self.formulas.group_rate(mobility), bias, wander)
        return self._movement[values]

    def rates_with(self, changes: Sequence[ParameterChange]) -> np.ndarray:
        """float64 (1 or P, R): the rate table where each place sees the parameters set over it
        (one row when every change covers every place)."""
        n_places = self.base.n_places
        zoned = any(places is not None for places, _, _ in changes)
        signature: list[tuple] = [()] * n_places if zoned else [()]
        for places, name, value in changes:
            targets = range(len(signature)) if places is None else places
            for i in targets:
                signature[i] = (*signature[i], (name, value))
        table = np.empty((len(signature), self.base.n_reactions))
        for i, sig in enumerate(signature):
            table[i] = self._rate_vector(sig)
        return table

    def _rate_vector(self, signature: tuple) -> np.ndarray:
        if signature not in self._rates:
            model = self.formulas.model
            changes = {
                name: model.in_own_unit(name, value) for name, value in dict(signature).items()
            }
            self._rates[signature] = model.rates(changes)
        return self._rates[signature]
