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
_WHERE = re.compile(r"^(.*?)@\s*([A-Za-z_]\w*)\s*$")
Contact = Literal["density", "frequency"]
HERE, THERE = "here", "there"
"""Where a unit of a reaction across links sits: the place that changes, or a linked place."""


def parse_side(text: str, where: str) -> dict[str, int]:
    """'S + 2 Z' -> {'S': 1, 'Z': 2}; '0' or '' or '∅' -> {} (the units '@here' only)."""
    return parse_located_side(text, where)[0]


def parse_located_side(text: str, where: str) -> tuple[dict[str, int], dict[str, int]]:
    """'S@here + Z@there' -> ({'S': 1}, {'Z': 1}): the units in the place that changes (a term
    without '@' is there) and the units in a linked place."""
    text = text.strip()
    if text in ("", "0", "∅", "nothing"):
        return {}, {}
    terms: dict[str, Counter[str]] = {HERE: Counter(), THERE: Counter()}
    for part in text.split("+"):
        located = _WHERE.match(part)
        place = HERE
        if located:
            part, place = located.group(1), located.group(2)
            if place not in terms:
                raise ModelError(
                    f"{where}: cannot read term {located.group(0).strip()!r}: a unit sits "
                    "'@here' (the place that changes) or '@there' (a linked place)"
                )
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
        terms[place][match.group(2)] += int(digits)
    people = sum(terms[HERE].values()) + sum(terms[THERE].values())
    if people > MAX_ORDER:
        raise ModelError(
            f"{where}: {people} people on one side is more than {MAX_ORDER} "
            "(hyosan.limits.MAX_ORDER: a reaction takes or makes at most "
            f"{MAX_ORDER} people at once)"
        )
    return dict(terms[HERE]), dict(terms[THERE])


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
    """One reaction: ``equation`` like 'S + Z -> E1 + Z', ``rate`` an expression of parameters.

    A reaction *across links* has one unit in a linked place, written ``@there``:
    'S@here + Z@there -> Z@here + Z@there' (a zombie bites across a border). Only the place
    written ``@here`` (or without '@') changes; the ``@there`` unit is a catalyst. Its propensity
    in place i is rate * f_g * sum_j w_ij * (the '@here' product in i) * n_j(Z) / scale_i^m, m
    the number of '@here' units: the neighbours' counts, weighted by the links, stand in for a
    local partner (see ``CompiledNetwork``). ``groups`` maps the link groups it reaches across
    to their factor f_g; None: every group, factor 1.
    """

    name: str
    equation: str
    rate: str
    groups: dict[str, float] | tuple[tuple[str, float], ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.groups, dict):  # kept as pairs, so a reaction stays hashable
            object.__setattr__(self, "groups", tuple(self.groups.items()))

    def group_factors(self) -> dict[str, float] | None:
        """Link group -> factor for a reaction across links; None: every group, factor 1."""
        return None if self.groups is None else dict(self.groups)

    def _located(self) -> tuple[tuple[dict[str, int], dict[str, int]], ...]:
        where = f"reaction {self.name!r}"
        if "->" not in self.equation:
            raise ModelError(f"{where}: equation {self.equation!r} needs '->'")
        left, right = self.equation.split("->", 1)
        return parse_located_side(left, where), parse_located_side(right, where)

    @property
    def sides(self) -> tuple[dict[str, int], dict[str, int]]:
        """The reactants and products '@here' (all of them for a local reaction)."""
        (left, _), (right, _) = self._located()
        return left, right

    @property
    def there(self) -> dict[str, int]:
        """The reactants '@there', in a linked place (empty for a local reaction)."""
        return self._located()[0][1]

    @property
    def across(self) -> bool:
        """Whether a reactant sits in a linked place."""
        return bool(self.there)

    def check_across(self) -> None:
        """Raise ModelError unless the '@there' side is one catalyst unit, named once on each
        side, with a unit '@here' to act on, and the groups' factors are numbers >= 0."""
        where = f"reaction {self.name!r}"
        (reactants, there_in), (_, there_out) = self._located()
        if not there_in:
            if there_out:
                raise ModelError(
                    f"{where}: products '@there' need the same reactants '@there' "
                    "(a reaction changes only the place '@here')"
                )
            if self.groups is not None:
                raise ModelError(f"{where}: 'groups' is only for a reaction across links (@there)")
            return
        if there_in != there_out:
            raise ModelError(
                f"{where}: the units '@there' must come out unchanged ({self.equation}): a "
                "reaction across links changes only the place '@here'; write the other side's "
                "change as its own reaction"
            )
        if sum(there_in.values()) != 1:
            raise ModelError(
                f"{where}: a reaction across links takes exactly one unit '@there' "
                f"({self.equation})"
            )
        if not reactants:
            raise ModelError(f"{where}: a reaction across links needs a reactant '@here'")
        for group, factor in (self.group_factors() or {}).items():
            if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor >= 0):
                raise ModelError(
                    f"{where}: factor of link group {group!r} = {factor!r} is not >= 0"
                )

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
            reaction.check_across()
            for comp in [*reactants, *products, *reaction.there]:
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
