"""Interventions as data: what, where, when (a time or a trigger, plus a delay) and for how long.

Continuous interventions (closing links, scaling travel, setting a parameter such as the cull
rate in a zone, a cure with a ramp) change the compiled arrays while they are active; instant ones
(bomb, evacuate) change the counts once. :mod:`hyosan.interventions.plan` applies them.

Each field says what it is in its metadata (``dataclasses.fields(Cull)``, ``.metadata
["description"]``); scenario files are made from these classes, so ``hyosan schema`` shows the
same words. In Python, times and rates are numbers in the model's time unit; a scenario file may
also write them with a unit (``"30 minutes"``, ``"0.5/hour"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_TIME = "a number in the model's time unit (in a scenario file also a text such as '30 minutes')"
_PLACES = "a region name, a place name, or a list of them (all their places together)"
_ZONE = f"Where: {_PLACES}. Default: none, every place."
_NAMES = "model compartments (E1) or compartments as results report them (E: all of E1..Ek)"


@dataclass(frozen=True)
class Trigger:
    """'``compartment`` in ``region`` (everywhere if None) >= ``threshold``', then wait ``delay``.

    ``below=True`` fires when the count falls to or below the threshold instead. A trigger fires
    once per run, at the first check where it holds (checks come every ``check_every``); each
    run fires at its own time.
    """

    compartment: str = field(
        metadata={
            "description": "The compartment whose count is watched, as results report it "
            "(a group such as E counts all its stages E1..Ek), e.g. 'Z'. Required."
        }
    )
    threshold: float = field(
        metadata={
            "description": "The number of people (>= 0, finite) in `compartment` (summed over "
            "`region`) "
            "at which the trigger fires: when the count reaches it (>=), or with `below` when "
            "it falls to it (<=). Required."
        }
    )
    region: str | None = field(
        default=None,
        metadata={
            "description": "A region name (not a place name) whose count is watched. "
            "Default: none, the count over the whole world."
        },
    )
    delay: float = field(
        default=0.0,
        metadata={
            "description": "How long after the trigger fires the intervention starts: "
            f"{_TIME}, >= 0. Default 0: at once."
        },
    )
    below: bool = field(
        default=False,
        metadata={
            "description": "Fire when the count falls to or below `threshold` (e.g. the last "
            "zombie gone) instead of when it rises to it. Default false: rises to (>=)."
        },
    )

    def describe(self) -> str:
        where = f" in {self.region}" if self.region else ""
        sign = "<=" if self.below else ">="
        return f"{self.compartment}{where} {sign} {self.threshold:g}, then {self.delay:g}"


Start = float | int | Trigger


@dataclass(frozen=True)
class Intervention:
    """Base: ``start`` is a time or a Trigger; ``duration`` None means until the end."""

    start: Start = field(
        default=0.0,
        metadata={
            "description": f"When it starts: a time >= 0, {_TIME}; or a Trigger. Default 0: "
            "at the start of the run."
        },
    )
    duration: float | None = field(
        default=None,
        metadata={
            "description": f"How long it lasts once started: {_TIME}, > 0; afterwards things are "
            "as before. Default: none, until the end of the run. Bomb and evacuate happen at "
            "one instant and ignore it."
        },
    )

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

    group: str = field(
        default="",
        metadata={
            "description": "The link group to close, e.g. 'doors' or 'han-bridges': a grid's "
            "links are 'grid', a building's doors are in their `group` (default 'doors'); an "
            "unknown name is an error that lists the world's groups. Required."
        },
    )
    kind = "close_links"

    def _what(self) -> str:
        return self.group


@dataclass(frozen=True)
class ScaleLinks(Intervention):
    """Scale the hop rates of a link group (0.1: shut most of the subway)."""

    group: str = field(
        default="",
        metadata={
            "description": "The link group whose hop rates are scaled (see close_links' "
            "`group`). Required."
        },
    )
    factor: float = field(
        default=0.0,
        metadata={
            "description": "A number from 0 to 1e6 (hyosan.limits.MAX_FACTOR) that multiplies "
            "the hop rates along the group's links: 0 closes them, 0.1 leaves a tenth, 2 doubles "
            "them. Required."
        },
    )
    compartments: tuple[str, ...] | None = field(
        default=None,
        metadata={
            "description": f"Only these move differently: a list of {_NAMES}. "
            "Default: none, everyone."
        },
    )
    kind = "scale_links"

    def _what(self) -> str:
        return f"{self.group} x{self.factor:g}"


@dataclass(frozen=True)
class SetParameter(Intervention):
    """Set a model parameter in a zone (all places if None), e.g. the cull rate ``mu``.

    ``ramp`` > 0 raises the value linearly from 0 over that time (a cure being rolled out).
    When it ends (``duration``) the parameter is the model's own again.
    """

    parameter: str = field(
        default="",
        metadata={"description": "The name of the model parameter to set, e.g. 'beta'. Required."},
    )
    value: float = field(
        default=0.0,
        metadata={
            "description": "The parameter's value while the intervention lasts (>= 0 unless "
            "it is an attraction bias). In Python a "
            "number in the model's time unit; in a scenario file a quantity with its unit "
            "('0.5/hour', '20 minutes') or a number in the parameter's own unit. Required."
        },
    )
    zone: tuple[str, ...] | str | None = field(
        default=None,
        metadata={
            "description": f"{_ZONE} A hop rate (a parameter of mobility) can only be set "
            "everywhere; to slow movement in one area, scale its link groups."
        },
    )
    ramp: float = field(
        default=0.0,
        metadata={
            "description": "Roll-out time: the value set grows linearly from 0 to `value` over "
            f"this long after the start, {_TIME}, >= 0. Default 0: `value` at once."
        },
    )
    kind = "set_parameter"

    def _what(self) -> str:
        return f"{self.parameter}={self.value:g} in {self.zone or 'everywhere'}"


@dataclass(frozen=True)
class Cull(SetParameter):
    """Soldiers shoot zombies (and the hybrids they find) at rate ``value`` in a zone.

    It sets the model's ``mu`` (jonas has it; a custom model needs one).
    """

    parameter: str = "mu"
    value: float = field(
        default=0.0,
        metadata={
            "description": "The cull rate `mu` (in jonas: how often each zombie or hybrid is "
            "destroyed), >= 0. "
            "In Python per the model's time unit; in a scenario file a rate with its unit "
            "('2/hour') or a number in mu's own unit. Required."
        },
    )
    kind = "cull"


@dataclass(frozen=True)
class Cure(SetParameter):
    """A cure given at up to rate ``value`` from ``start``, ramped up over ``ramp``.

    It sets the model's ``cure`` (jonas has it; a custom model needs one).
    """

    parameter: str = "cure"
    value: float = field(
        default=0.0,
        metadata={
            "description": "The cure rate `cure` once rolled out (in jonas: how often each "
            "zombie or bitten person turns human again), >= 0. In Python per the model's time "
            "unit; in a "
            "scenario file a rate with its unit ('0.1/hour') or a number in cure's own unit. "
            "Required."
        },
    )
    kind = "cure"


@dataclass(frozen=True)
class Bomb(Intervention):
    """Remove a fraction of everyone (or of some compartments) in a zone at one instant."""

    zone: tuple[str, ...] | str | None = field(
        default=None, metadata={"description": f"{_ZONE} (A bomb everywhere hits everyone.)"}
    )
    fraction: float = field(
        default=1.0,
        metadata={
            "description": "The chance, from 0 to 1, that each person there is hit (drawn "
            "person by person). Default 1: everyone."
        },
    )
    compartments: tuple[str, ...] | None = field(
        default=None,
        metadata={
            "description": f"Who is hit: a list of {_NAMES}. Default: none, everyone living "
            "(the model's population, else all but R and D)."
        },
    )
    to: str = field(
        default="R",
        metadata={
            "description": "The compartment those hit are moved to. Default 'R' (removed). "
            "In Python '' takes them out of the world."
        },
    )
    kind = "bomb"
    instant = True

    def _what(self) -> str:
        return f"{self.fraction:g} of {self.compartments or 'everyone'} in {self.zone}"


@dataclass(frozen=True)
class Evacuate(Intervention):
    """Move (a fraction of) the humans of a zone to a safe place at one instant."""

    zone: tuple[str, ...] | str | None = field(
        default=None,
        metadata={"description": f"Evacuated from where: {_PLACES}. Default: none, every place."},
    )
    to_place: str = field(
        default="",
        metadata={"description": "The name of the place everyone evacuated goes to. Required."},
    )
    fraction: float = field(
        default=1.0,
        metadata={
            "description": "The chance, from 0 to 1, that each person there is moved (drawn "
            "person by person). Default 1: everyone."
        },
    )
    compartments: tuple[str, ...] = field(
        default=("S",),
        metadata={"description": f"Who is moved: a list of {_NAMES}. Default ['S'], the humans."},
    )
    kind = "evacuate"
    instant = True

    def _what(self) -> str:
        return f"{self.zone} -> {self.to_place}"
