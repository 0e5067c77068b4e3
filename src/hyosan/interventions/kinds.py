"""Interventions as data: what, where, when (a time or a trigger, plus a delay) and for how long.

Continuous interventions (closing links, scaling travel, setting a parameter such as the cull
rate in a zone, a cure with a ramp) change the compiled arrays while they are active; instant ones
(bomb, evacuate) change the counts once. :mod:`hyosan.interventions.plan` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trigger:
    """'``compartment`` in ``region`` (everywhere if None) >= ``threshold``', then wait ``delay``.

    ``below=True`` fires when the count falls to or below the threshold instead.
    """

    compartment: str
    threshold: float
    region: str | None = None
    delay: float = 0.0
    below: bool = False

    def describe(self) -> str:
        where = f" in {self.region}" if self.region else ""
        sign = "<=" if self.below else ">="
        return f"{self.compartment}{where} {sign} {self.threshold:g}, then {self.delay:g}"


Start = float | int | Trigger


@dataclass(frozen=True)
class Intervention:
    """Base: ``start`` is a time or a Trigger; ``duration`` None means until the end."""

    start: Start = 0.0
    duration: float | None = None

    kind = "intervention"
    instant = False

    def describe(self) -> str:
        start = self.start.describe() if isinstance(self.start, Trigger) else f"t={self.start:g}"
        length = "" if self.duration is None else f" for {self.duration:g}"
        return f"{self.kind}({self._what()}) from {start}{length}"

    def _what(self) -> str:
        return ""


@dataclass(frozen=True)
class CloseLinks(Intervention):
    """Close a link group (cordon, bridges, barricaded doors): nobody crosses it."""

    group: str = ""
    kind = "close_links"

    def _what(self) -> str:
        return self.group


@dataclass(frozen=True)
class ScaleLinks(Intervention):
    """Scale the hop rates of a link group (0.1: shut most of the subway)."""

    group: str = ""
    factor: float = 0.0
    compartments: tuple[str, ...] | None = None
    kind = "scale_links"

    def _what(self) -> str:
        return f"{self.group} x{self.factor:g}"


@dataclass(frozen=True)
class SetParameter(Intervention):
    """Set a model parameter in a zone (all places if None), e.g. the cull rate ``mu``.

    ``ramp`` > 0 raises the value linearly from 0 over that time (a cure being rolled out).
    """

    parameter: str = ""
    value: float = 0.0
    zone: tuple[str, ...] | str | None = None
    ramp: float = 0.0
    kind = "set_parameter"

    def _what(self) -> str:
        return f"{self.parameter}={self.value:g} in {self.zone or 'everywhere'}"


@dataclass(frozen=True)
class Cull(SetParameter):
    """Soldiers shoot zombies (and the hybrids they find) at rate ``value`` in a zone."""

    parameter: str = "mu"
    kind = "cull"


@dataclass(frozen=True)
class Cure(SetParameter):
    """A cure given at up to rate ``value`` from ``start``, ramped up over ``ramp``."""

    parameter: str = "cure"
    kind = "cure"


@dataclass(frozen=True)
class Bomb(Intervention):
    """Remove a fraction of everyone (or of some compartments) in a zone at one instant."""

    zone: tuple[str, ...] | str | None = None
    fraction: float = 1.0
    compartments: tuple[str, ...] | None = None
    to: str = "R"
    kind = "bomb"
    instant = True

    def _what(self) -> str:
        return f"{self.fraction:g} of {self.compartments or 'everyone'} in {self.zone}"


@dataclass(frozen=True)
class Evacuate(Intervention):
    """Move (a fraction of) the humans of a zone to a safe place at one instant."""

    zone: tuple[str, ...] | str | None = None
    to_place: str = ""
    fraction: float = 1.0
    compartments: tuple[str, ...] = ("S",)
    kind = "evacuate"
    instant = True

    def _what(self) -> str:
        return f"{self.zone} -> {self.to_place}"
