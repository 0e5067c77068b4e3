"""Models as data: compartments, reactions written as text, parameters with units.

A model is plain data in the spirit of SimInf: ``Reaction("bite", "S + Z -> E1 + Z", "beta")``.
It is validated when built, so a typo fails at once with the name of the reaction at fault, and
it is compiled into arrays by :mod:`hyosan.models.compiler` for engines that know nothing of it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

from hyosan.errors import ModelError, suggest
from hyosan.limits import MAX_ORDER, MAX_PARAMETER
from hyosan.models.expressions import evaluate, names_in
from hyosan.models.units import TIME_UNITS, conversion, parse_quantity

_TERM = re.compile(r"^\s*(\d*)\s*\*?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
Contact = Literal["density", "frequency"]


def parse_side(text: str, where: str) -> dict[str, int]:
    """'S + 2 Z' -> {'S': 1, 'Z': 2}; '0' or '' or '∅' -> {}."""
    text = text.strip()
    if text in ("", "0", "∅", "nothing"):
        return {}
    terms: Counter[str] = Counter()
    for part in text.split("+"):
        match = _TERM.match(part)
        if not match:
            raise ModelError(f"{where}: cannot read term {part.strip()!r}")
        digits = match.group(1) or "1"
        if len(digits) > 3 or int(digits) > MAX_ORDER:
            raise ModelError(
                f"{where}: coefficient {digits} of {match.group(2)!r} is more than "
                f"{MAX_ORDER} (hyosan.limits.MAX_ORDER: a reaction takes or makes at most "
                f"{MAX_ORDER} people at once)"
            )
        terms[match.group(2)] += int(digits)
    if sum(terms.values()) > MAX_ORDER:
        raise ModelError(
            f"{where}: {sum(terms.values())} people on one side is more than {MAX_ORDER} "
            "(hyosan.limits.MAX_ORDER: a reaction takes or makes at most "
            f"{MAX_ORDER} people at once)"
        )
    return dict(terms)


@dataclass(frozen=True)
class Parameter:
    """A value with its unit ('1/hour', 'minutes', '' for a number) and what it means."""

    value: float
    unit: str = ""
    description: str = ""

    @classmethod
    def of(cls, spec: Parameter | float | int | str | tuple) -> Parameter:
        """Accept 0.5, '0.5/hour', (0.5, '1/hour') or a Parameter."""
        if isinstance(spec, Parameter):
            return spec
        if isinstance(spec, tuple):
            return cls(float(spec[0]), *spec[1:])
        value, unit = parse_quantity(spec)
        return cls(value, unit)


@dataclass(frozen=True)
class Reaction:
    """One reaction: ``equation`` like 'S + Z -> E1 + Z', ``rate`` an expression of parameters."""

    name: str
    equation: str
    rate: str

    @property
    def sides(self) -> tuple[dict[str, int], dict[str, int]]:
        where = f"reaction {self.name!r}"
        if "->" not in self.equation:
            raise ModelError(f"{where}: equation {self.equation!r} needs '->'")
        left, right = self.equation.split("->", 1)
        return parse_side(left, where), parse_side(right, where)

    @property
    def reactants(self) -> dict[str, int]:
        return self.sides[0]

    @property
    def products(self) -> dict[str, int]:
        return self.sides[1]


@dataclass(frozen=True)
class Model:
    """A reaction network per place, and how its compartments move between places.

    contact: 'density' divides a reaction of order m by area**(m-1) (Alemi's lattice, mass action),
    'frequency' by the place's living population N**(m-1) (the usual epidemic convention).
    mobility: compartment -> hop-rate expression (per unit link weight). attraction: compartment ->
    bias toward places dense in ``attractors`` (zombies drawn to noise); negative flees them.
    wander: compartment -> its pace where no attractor is (a factor of its hop rate, default 1;
    0: zombies stand still until they hear people next door, as in the show).
    groups: reported compartment -> its stages (E -> E1..Ek). Roles name the compartments that
    summaries use: ``susceptible`` (humans left) and ``infectious`` (zombies, peak and extinction).
    """

    name: str
    compartments: tuple[str, ...]
    reactions: tuple[Reaction, ...]
    parameters: dict[str, Parameter]
    time_unit: str = "hour"
    contact: Contact = "density"
    population: tuple[str, ...] | None = None
    mobility: dict[str, str] = field(default_factory=dict)
    attraction: dict[str, str] = field(default_factory=dict)
    wander: dict[str, str] = field(default_factory=dict)
    attractors: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    susceptible: tuple[str, ...] = ("S",)
    infectious: tuple[str, ...] = ("Z",)
    latent: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "compartments", tuple(self.compartments))
        object.__setattr__(self, "reactions", tuple(self.reactions))
        params = {k: Parameter.of(v) for k, v in self.parameters.items()}
        object.__setattr__(self, "parameters", params)
        self.validate()

    # ----------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise ModelError naming the reaction, parameter or compartment at fault."""
        if self.time_unit not in TIME_UNITS:
            raise ModelError(
                f"model {self.name!r}: time_unit {self.time_unit!r} not in {TIME_UNITS}"
            )
        if self.contact not in ("density", "frequency"):
            raise ModelError(f"model {self.name!r}: contact must be 'density' or 'frequency'")
        known = set(self.compartments)
        if len(known) != len(self.compartments):
            dupes = [c for c, n in Counter(self.compartments).items() if n > 1]
            raise ModelError(f"model {self.name!r}: compartment {dupes[0]!r} is listed twice")
        for comp in self.compartments:
            if ":" in comp or not comp.replace("_", "").isalnum():
                raise ModelError(
                    f"model {self.name!r}: compartment name {comp!r} must be alphanumeric"
                )
        names = [r.name for r in self.reactions]
        if len(set(names)) != len(names):
            dupes = [n for n, k in Counter(names).items() if k > 1]
            raise ModelError(f"model {self.name!r}: reaction {dupes[0]!r} is defined twice")
        values = self.values()
        for reaction in self.reactions:
            where = f"reaction {reaction.name!r}"
            reactants, products = reaction.sides
            for comp in [*reactants, *products]:
                if comp not in known:
                    raise ModelError(f"{where}: " + suggest(comp, self.compartments, "compartment"))
            if not reaction.rate.strip():
                raise ModelError(f"{where}: needs a rate")
            if sum(products.values()) > sum(reactants.values()) and reactants:
                raise ModelError(
                    f"{where}: creates people from nothing ({reaction.equation}); "
                    "only a reaction with no reactants (births, arrivals) may add people"
                )
            for name in names_in(reaction.rate, where):
                if name not in self.parameters:
                    raise ModelError(
                        f"{where}: rate {reaction.rate!r} uses "
                        + suggest(name, self.parameters, "parameter")
                    )
            rate = evaluate(reaction.rate, values, where)
            if not rate >= 0.0:
                raise ModelError(f"{where}: rate {reaction.rate!r} = {rate} is negative")
        movement = {"mobility": self.mobility, "attraction": self.attraction, "wander": self.wander}
        for kind, table in movement.items():
            for comp, expression in table.items():
                where = f"{kind} of {comp!r}"
                if comp not in known:
                    raise ModelError(suggest(comp, self.compartments, "compartment"), key=kind)
                value = evaluate(expression, values, where)
                if kind == "mobility" and not value >= 0.0:
                    raise ModelError(f"{where}: hop rate {expression!r} = {value} is negative")
                if kind == "wander" and not (value >= 0.0 and math.isfinite(value)):
                    raise ModelError(f"{where}: pace {expression!r} = {value} is not >= 0")
        listed = [
            *(self.population or ()), *self.attractors, *self.susceptible, *self.infectious,
            *self.latent, *(c for stages in self.groups.values() for c in stages),
        ]  # fmt: skip
        for comp in listed:
            if comp not in known:
                raise ModelError(
                    f"model {self.name!r}: " + suggest(comp, self.compartments, "compartment")
                )

    def values(self, overrides: dict[str, float] | None = None) -> dict[str, float]:
        """Parameter values converted to the model's time unit (overrides are in those units)."""
        out: dict[str, float] = {}
        for name, param in self.parameters.items():
            try:
                factor = conversion(param.unit, self.time_unit)
            except ModelError as error:
                raise ModelError(f"parameter {name!r}: {error}") from None
            out[name] = param.value * factor
            if not (math.isfinite(out[name]) and abs(out[name]) <= MAX_PARAMETER):
                raise ModelError(
                    f"parameter {name!r} = {param.value!r} {param.unit} is "
                    f"{out[name]:g} per {self.time_unit}: expected a finite number at most "
                    f"{MAX_PARAMETER:g} in magnitude"
                )
        for name, value in (overrides or {}).items():
            if name not in out:
                raise ModelError(suggest(name, out, "parameter"))
            out[name] = float(value)
        return out

    def with_parameters(self, **changes: Parameter | float | str) -> Model:
        """A copy with some parameters changed; a bare number keeps the parameter's unit."""
        params = dict(self.parameters)
        for name, value in changes.items():
            if name not in params:
                raise ModelError(f"model {self.name!r}: " + suggest(name, params, "parameter"))
            if isinstance(value, (int, float)):
                params[name] = replace(params[name], value=float(value))
            else:
                params[name] = Parameter.of(value)
        return replace(self, parameters=params)

    @property
    def reported(self) -> tuple[str, ...]:
        """Compartments as results report them: stages folded into their group."""
        staged = {c: g for g, stages in self.groups.items() for c in stages}
        out: list[str] = []
        for comp in self.compartments:
            name = staged.get(comp, comp)
            if name not in out:
                out.append(name)
        return tuple(out)

    def reported_of(self, compartment: str) -> str:
        """The reported compartment a (possibly staged) compartment counts toward."""
        for group, stages in self.groups.items():
            if compartment in stages:
                return group
        return compartment

    def living(self) -> tuple[str, ...]:
        """Compartments counted in N for frequency-dependent contact."""
        if self.population is not None:
            return tuple(self.population)
        return tuple(c for c in self.compartments if c not in ("R", "D"))


@dataclass(frozen=True)
class Character:
    """A named person: a copy of every compartment with count 1, and parameter overrides.

    ``overrides`` are in the model's time unit (e.g. {'h': 1.0} makes the bitten Nam-ra a hybrid).
    """

    name: str
    place: str
    compartment: str = "S"
    overrides: dict[str, float] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ModelError(f"character name {self.name!r} must be letters, digits, '-' or '_'")
