"""Interventions as data: what, where, when (a time or a trigger, plus a delay) and for how long.

Continuous interventions (closing links, scaling travel, setting a parameter such as the cull
rate in a zone, a cure with a ramp) change the compiled arrays while they are active; instant ones
(bomb, evacuate) change the counts once. Triggers are evaluated per run, so each history fires at
its own time; runs that share the same intervention state share one set of arrays.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hyosan.errors import HyosanError, key_prefix, suggest


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


# ------------------------------------------------------------------------------------------------
@dataclass
class RunTimeline:
    """What happened to one run: when each intervention was scheduled, started and ended."""

    scheduled: list[float]
    started: list[float]
    ended: list[float]
    fired: list[int] = field(default_factory=list)


class InterventionPlan:
    """Resolves interventions against a compiled scenario and applies them between chunks."""

    def __init__(self, scenario: Any, net: Any, runs: int, seed: int, first_run: int = 0) -> None:
        from hyosan.models.compiler import compile_model

        self.items = list(scenario.interventions)
        self.scenario = scenario
        self.base = net
        self.runs = runs
        self.seed = seed
        self.first_run = first_run
        self._compile_model = compile_model
        places, model = scenario.places, scenario.model
        self.zone_places: list[np.ndarray | None] = []
        self.group_index: list[int] = []
        reported = net.extra["reported"]
        for k, item in enumerate(self.items):
            if not isinstance(item, Intervention):
                raise HyosanError(f"intervention {k}: not an intervention: {item!r}")
            where = f"interventions[{k}]"  # errors name the key: interventions[2].zone
            if isinstance(item.start, Trigger):
                trig = item.start
                if trig.compartment not in reported:
                    raise HyosanError(
                        suggest(trig.compartment, reported, "compartment"),
                        key=f"{where}.trigger.compartment",
                    )
                if trig.region is not None and trig.region not in net.extra["regions"]:
                    raise HyosanError(
                        suggest(trig.region, net.extra["regions"], "region"),
                        key=f"{where}.trigger.region",
                    )
                if trig.delay < 0:
                    raise HyosanError("must be >= 0", key=f"{where}.trigger.delay")
            elif not (isinstance(item.start, numbers.Real) and float(item.start) >= 0):
                raise HyosanError(
                    f"must be a time >= 0 or a Trigger, got {item.start!r}", key=f"{where}.start"
                )
            if item.duration is not None and not item.duration > 0:
                raise HyosanError("must be positive", key=f"{where}.duration")
            self.zone_places.append(self._zone(getattr(item, "zone", None), where))
            group = getattr(item, "group", None)
            if isinstance(item, (CloseLinks, ScaleLinks)):
                if group not in net.group_names:
                    raise HyosanError(
                        suggest(str(group), net.group_names, "link group"), key=f"{where}.group"
                    )
                self.group_index.append(net.group_names.index(group))
            else:
                self.group_index.append(-1)
            if isinstance(item, SetParameter):
                self._check_parameter(item, where)
            if isinstance(item, ScaleLinks) and not item.factor >= 0:
                raise HyosanError(f"must be >= 0, got {item.factor!r}", key=f"{where}.factor")
            if isinstance(item, (Bomb, ScaleLinks, Evacuate)):
                for comp in item.compartments or ():
                    if comp not in model.compartments and comp not in reported:
                        raise HyosanError(
                            suggest(comp, model.compartments, "compartment"),
                            key=f"{where}.compartments",
                        )
            if isinstance(item, Bomb):
                if not 0 <= item.fraction <= 1:
                    raise HyosanError("must be within [0, 1]", key=f"{where}.fraction")
                if item.to and item.to not in model.compartments:
                    raise HyosanError(
                        suggest(item.to, model.compartments, "compartment"), key=f"{where}.to"
                    )
            if isinstance(item, Evacuate):
                if not 0 <= item.fraction <= 1:
                    raise HyosanError("must be within [0, 1]", key=f"{where}.fraction")
                with key_prefix(f"{where}.to_place"):
                    places.index(item.to_place)
        n = len(self.items)
        self.timelines = [
            RunTimeline([np.nan] * n, [np.nan] * n, [np.nan] * n) for _ in range(runs)
        ]
        for timeline in self.timelines:
            for k, item in enumerate(self.items):
                if not isinstance(item.start, Trigger):
                    timeline.scheduled[k] = float(item.start)
        self._nets: dict[tuple, Any] = {}
        self._rates: dict[tuple, np.ndarray] = {}
        self._movement: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def _check_parameter(self, item: SetParameter, where: str) -> None:
        """The parameter exists, its value gives a valid model, and hop rates are set globally."""
        model = self.scenario.model
        if item.parameter not in model.parameters:
            raise HyosanError(
                suggest(item.parameter, model.parameters, "parameter"), key=f"{where}.parameter"
            )
        if not item.ramp >= 0:
            raise HyosanError(f"must be >= 0, got {item.ramp!r}", key=f"{where}.ramp")
        if item.parameter in self._movement_parameters() and item.zone is not None:
            raise HyosanError(
                f"{item.parameter!r} is a hop rate, which is set for every place at once "
                "(zone=None); to slow movement in one area, ScaleLinks its link groups",
                key=f"{where}.zone",
            )
        try:
            model.with_parameters(**{item.parameter: _in_unit(model, item.parameter, item.value)})
        except HyosanError as error:
            raise HyosanError(
                f"{item.parameter}={item.value!r}: {error}", key=f"{where}.value"
            ) from None

    def _movement_parameters(self) -> set[str]:
        """Parameters that hop rates or attraction depend on."""
        from hyosan.models.expressions import names_in

        model = self.scenario.model
        names: set[str] = set()
        for table in (model.mobility, model.attraction, model.wander):
            for comp, expression in table.items():
                names |= names_in(expression, f"mobility of {comp!r}")
        return names

    @property
    def has_triggers(self) -> bool:
        return any(isinstance(item.start, Trigger) for item in self.items)

    @property
    def has_ramps(self) -> bool:
        return any(isinstance(item, SetParameter) and item.ramp > 0 for item in self.items)

    def fixed_times(self) -> list[float]:
        """Times known in advance at which something starts or ends (after t=0: what starts at
        0 is applied before the first step, and a boundary at the current time would be a
        second stop there)."""
        times = []
        for item in self.items:
            if not isinstance(item.start, Trigger):
                times.append(float(item.start))
                if item.duration is not None:
                    times.append(float(item.start) + item.duration)
        return [t for t in times if t > 0]

    def _zone(self, zone: Any, where: str) -> np.ndarray | None:
        """Place indices of a zone given as region and/or place names (None: everywhere)."""
        if zone is None:
            return None
        names = [zone] if isinstance(zone, str) else list(zone)
        places = self.scenario.places
        regions = set(places.regions)
        lookup = places._lookup()
        picked: list[np.ndarray] = []
        for name in names:
            if name in regions:
                picked.append(places.places_in(name))
            elif name in lookup:
                picked.append(np.array([lookup[name]]))
            else:
                raise HyosanError(
                    suggest(name, [*places.regions, *places.names[:2000]], "region or place"),
                    key=f"{where}.zone",
                )
        return np.unique(np.concatenate(picked))

    # --------------------------------------------------------------------------------------
    def step(self, t: float, engine: Any, region_counts: np.ndarray | None) -> list[float]:
        """Evaluate triggers and fire what is due at time t; return new boundary times."""
        new_times: list[float] = []
        reported = self.base.extra["reported"]
        regions = self.base.extra["regions"]
        for run, timeline in enumerate(self.timelines):
            for k, item in enumerate(self.items):
                if isinstance(item.start, Trigger) and np.isnan(timeline.scheduled[k]):
                    trig = item.start
                    counts = region_counts[run, :, reported.index(trig.compartment)]
                    value = (
                        counts.sum() if trig.region is None else counts[regions.index(trig.region)]
                    )
                    hit = value <= trig.threshold if trig.below else value >= trig.threshold
                    if hit:
                        timeline.scheduled[k] = t + trig.delay
                        if trig.delay > 0:  # no delay: it starts below, at this very time
                            new_times.append(t + trig.delay)
                due = timeline.scheduled[k]
                if np.isnan(timeline.started[k]) and not np.isnan(due) and t >= due - 1e-9:
                    timeline.started[k] = t
                    if item.instant:
                        self._fire_instant(k, item, run, engine, t)
                        engine.state_edited(run)  # e.g. tau's schedules of visits
                        timeline.ended[k] = t  # done at once
                    elif item.duration is not None:
                        new_times.append(t + item.duration)
                if (
                    not np.isnan(timeline.started[k])
                    and np.isnan(timeline.ended[k])
                    and item.duration is not None
                    and not item.instant
                    and t >= timeline.started[k] + item.duration - 1e-9
                ):
                    timeline.ended[k] = t
        return new_times

    def _fire_instant(self, k: int, item: Intervention, run: int, engine: Any, t: float) -> None:
        net = self.base
        state = engine.state
        model = self.scenario.model
        zone = self.zone_places[k]
        places = np.arange(net.n_places) if zone is None else zone
        base_of = net.extra["base_of"]
        reported_index = net.extra["reported_index"]
        reported = net.extra["reported"]
        rng = np.random.default_rng([self.seed, self.first_run + run, k, 0x1B0B])
        integer = np.issubdtype(state.dtype, np.integer)
        if isinstance(item, Bomb):
            wanted = item.compartments
            living = net.pop_mask.astype(bool)
            target = model.compartments.index(item.to) if item.to else -1
            for s in range(net.n_species):
                name = model.compartments[base_of[s]]
                chosen = (
                    living[s]
                    if wanted is None
                    else name in wanted or reported[reported_index[s]] in wanted
                )
                if not chosen or base_of[s] == target:
                    continue
                counts = state[run, places, s]
                removed = (
                    rng.binomial(counts.astype(np.int64), item.fraction)
                    if integer
                    else counts * item.fraction
                )
                state[run, places, s] = counts - removed
                if target >= 0:
                    dest = s - base_of[s] + target  # the same person's copy of the target
                    state[run, places, dest] += removed
        elif isinstance(item, Evacuate):
            to = self.scenario.places.index(item.to_place)
            for s in range(net.n_species):
                name = model.compartments[base_of[s]]
                if (
                    name not in item.compartments
                    and reported[reported_index[s]] not in item.compartments
                ):
                    continue
                counts = state[run, places, s]
                moved = (
                    rng.binomial(counts.astype(np.int64), item.fraction)
                    if integer
                    else counts * item.fraction
                )
                state[run, places, s] = counts - moved
                state[run, to, s] += moved.sum()

    # --------------------------------------------------------------------------------------
    def _key(self, run: int, t: float) -> tuple:
        timeline = self.timelines[run]
        key = []
        for k, item in enumerate(self.items):
            if item.instant:
                continue
            active = not np.isnan(timeline.started[k]) and np.isnan(timeline.ended[k])
            level = 1.0
            if active and isinstance(item, SetParameter) and item.ramp > 0:
                level = min(1.0, (t - timeline.started[k]) / item.ramp)
            key.append((k, round(level, 12)) if active else None)
        return tuple(key)

    def cohorts(self, t: float) -> list[tuple[np.ndarray, Any]]:
        """Groups of runs that share the same active interventions, each with its network."""
        groups: dict[tuple, list[int]] = {}
        for run in range(self.runs):
            groups.setdefault(self._key(run, t), []).append(run)
        return [(np.array(runs), self._network(key)) for key, runs in groups.items()]

    def _network(self, key: tuple) -> Any:
        if key in self._nets:
            return self._nets[key]
        from dataclasses import replace

        base = self.base
        overrides: list[tuple[np.ndarray | None, str, float]] = []
        for entry in key:
            if entry is not None and isinstance(self.items[entry[0]], SetParameter):
                item = self.items[entry[0]]
                overrides.append(
                    (self.zone_places[entry[0]], item.parameter, item.value * entry[1])
                )
        movement = self._movement_parameters()
        moving = tuple((name, value) for _, name, value in overrides if name in movement)
        group_rate, bias, wander = base.group_rate, base.bias, base.wander
        if moving:
            group_rate, bias, wander = self._movement_with(moving)
        group_rate = group_rate.copy()
        for entry in key:
            if entry is None:
                continue
            k = entry[0]
            item = self.items[k]
            if isinstance(item, CloseLinks):
                group_rate[self.group_index[k]] = 0.0
            elif isinstance(item, ScaleLinks):
                g = self.group_index[k]
                if item.compartments is None:
                    group_rate[g] *= item.factor
                else:
                    model = self.scenario.model
                    for s, b in enumerate(base.extra["base_of"]):
                        name = model.compartments[b]
                        if (
                            name in item.compartments
                            or model.reported_of(name) in item.compartments
                        ):
                            group_rate[g, s] *= item.factor
        rate = base.rate
        reacting = [o for o in overrides if o[1] not in movement or self._in_reactions(o[1])]
        if reacting:
            rate = self._rates_with(reacting)
        net = replace(base, rate=rate, group_rate=group_rate, bias=bias, wander=wander)
        if len(self._nets) > 256:
            self._nets.clear()
        self._nets[key] = net
        return net

    def _in_reactions(self, name: str) -> bool:
        from hyosan.models.expressions import names_in

        return any(name in names_in(r.rate, r.name) for r in self.scenario.model.reactions)

    def _movement_with(
        self, values: tuple[tuple[str, float], ...]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Hop rates per (group, species), attraction biases and wander with hop parameters
        changed."""
        if values in self._movement:
            return self._movement[values]
        model = self.scenario.model
        changed = model.with_parameters(**{k: _in_unit(model, k, v) for k, v in values})
        compiled = self._compile_model(changed, self.scenario.characters)
        base = self.base
        factors = self.scenario.places.group_factor
        group_rate = np.zeros_like(base.group_rate)
        base_of = base.extra["base_of"]
        for j, group in enumerate(base.group_names):
            table = factors.get(group, {})
            for s in range(base.n_species):
                name = model.compartments[base_of[s]]
                group_rate[j, s] = compiled.mobility[s] * float(table.get(name, 1.0))
        result = (group_rate, compiled.bias, compiled.wander)
        self._movement[values] = result
        return result

    def _rates_with(self, overrides: list[tuple[np.ndarray | None, str, float]]) -> np.ndarray:
        """Per-place rate table where each place sees the parameters set over it."""
        n_places = self.base.n_places
        signature = [()] * n_places if any(z is not None for z, _, _ in overrides) else [()]
        for zone, name, value in overrides:
            targets = range(len(signature)) if zone is None else zone
            for i in targets:
                signature[i] = (*signature[i], (name, value))
        table = np.empty((len(signature), self.base.n_reactions))
        cache: dict[tuple, np.ndarray] = {}
        for i, sig in enumerate(signature):
            if sig not in cache:
                cache[sig] = self._rate_vector(sig)
            table[i] = cache[sig]
        return table

    def _rate_vector(self, signature: tuple) -> np.ndarray:
        if signature in self._rates:
            return self._rates[signature]
        model = self.scenario.model
        values = dict(signature)
        units = {name: values[name] for name in values}
        changed = model.with_parameters(**{k: _in_unit(model, k, v) for k, v in units.items()})
        vector = self._compile_model(changed, self.scenario.characters).rate
        self._rates[signature] = vector
        return vector

    def record(self) -> dict[str, np.ndarray]:
        """Per run and intervention: when it started and ended (NaN: never)."""
        return {
            "intervention_start": np.array([t.started for t in self.timelines], float),
            "intervention_end": np.array([t.ended for t in self.timelines], float),
        }


def _in_unit(model: Any, name: str, value: float) -> Any:
    """Interventions give values in the model's time unit; express them so."""
    from hyosan.models.spec import Parameter
    from hyosan.models.units import conversion

    unit = model.parameters[name].unit
    return Parameter(value / conversion(unit, model.time_unit), unit)
