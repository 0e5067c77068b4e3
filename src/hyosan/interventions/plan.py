"""The plan: interventions resolved against a compiled scenario, applied between chunks.

Triggers are evaluated per run, so each history fires at its own time; runs that share the same
active interventions share one set of arrays (a cohort). Continuous interventions give a network
rebuilt from the compiled one's formulas (:class:`~hyosan.network.ParameterOverrides`); instant
ones edit one run's counts through the engine's ``run_counts`` / ``set_counts``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from hyosan.errors import HyosanError, PlacesError, key_prefix, suggest
from hyosan.interventions.kinds import (
    Bomb,
    CloseLinks,
    Evacuate,
    Intervention,
    ScaleLinks,
    SetParameter,
    Trigger,
)
from hyosan.limits import MAX_FACTOR, MAX_PARAMETER, check_network, finite
from hyosan.models.spec import Model, Parameter
from hyosan.models.units import conversion
from hyosan.network import CompiledNetwork, ParameterChange, ParameterOverrides
from hyosan.places.graph import Places

if TYPE_CHECKING:
    from hyosan.engines.base import Engine
    from hyosan.scenarios.scenario import Scenario

_NETWORKS_KEPT = 256
"""Cohort networks cached at most (a ramp makes a new one at every chunk)."""


@dataclass
class RunTimeline:
    """What happened to one run: when each intervention was scheduled, started and ended."""

    scheduled: list[float]
    started: list[float]
    ended: list[float]
    fired: list[int] = field(default_factory=list)


class InterventionPlan:
    """Resolves interventions against a compiled scenario and applies them between chunks."""

    def __init__(
        self,
        scenario: Scenario,
        net: CompiledNetwork,
        runs: int,
        seed: int,
        first_run: int = 0,
    ) -> None:
        if net.labels is None:
            raise HyosanError("interventions need a network with labels: use Scenario.compile()")
        self.items = list(scenario.interventions)
        self.scenario = scenario
        self.base = net
        self.labels = net.labels
        self.runs = runs
        self.seed = seed
        self.first_run = first_run
        self.overrides = ParameterOverrides(net)
        self.zone_places: list[np.ndarray | None] = []
        self.group_index: list[int] = []
        for k, item in enumerate(self.items):
            if not isinstance(item, Intervention):
                raise HyosanError(f"intervention {k}: not an intervention: {item!r}")
            where = f"interventions[{k}]"  # errors carry the key: interventions[2].zone
            self._check_when(item, where)
            self.zone_places.append(_zone(scenario.places, getattr(item, "zone", None), where))
            self._check_what(item, where)
            if isinstance(item, (CloseLinks, ScaleLinks)):
                self.group_index.append(net.group_names.index(item.group))
            else:
                self.group_index.append(-1)
        n = len(self.items)
        self.timelines = [
            RunTimeline([np.nan] * n, [np.nan] * n, [np.nan] * n) for _ in range(runs)
        ]
        for timeline in self.timelines:
            for k, item in enumerate(self.items):
                if not isinstance(item.start, Trigger):
                    timeline.scheduled[k] = float(item.start)
        self._nets: dict[tuple, CompiledNetwork] = {}

    # --------------------------------------------------------------------------------------
    def _check_when(self, item: Intervention, where: str) -> None:
        """Its start (a time or a trigger on a known compartment and region) and duration."""
        labels = self.labels
        reported = labels.reported
        if isinstance(item.start, Trigger):
            trig = item.start
            if trig.compartment not in reported:
                raise HyosanError(
                    suggest(trig.compartment, reported, "compartment"),
                    key=f"{where}.trigger.compartment",
                )
            if trig.region is not None and trig.region not in labels.regions:
                raise HyosanError(
                    suggest(trig.region, labels.regions, "region"), key=f"{where}.trigger.region"
                )
            if not trig.delay >= 0:
                raise HyosanError("must be >= 0", key=f"{where}.trigger.delay")
            finite(trig.delay, f"{where}.trigger.delay", low=0, high=MAX_PARAMETER, what="a time")
            finite(trig.threshold, f"{where}.trigger.threshold", low=-MAX_PARAMETER,
                   high=MAX_PARAMETER)  # fmt: skip
        elif not (
            isinstance(item.start, numbers.Real)
            and not isinstance(item.start, bool)
            and float(item.start) >= 0
        ):
            raise HyosanError(
                f"must be a time >= 0 or a Trigger, got {item.start!r}", key=f"{where}.start"
            )
        else:
            finite(item.start, f"{where}.start", low=0, high=MAX_PARAMETER, what="a time")
        if item.duration is not None and not item.duration > 0:
            raise HyosanError("must be positive", key=f"{where}.duration")
        if item.duration is not None:
            finite(item.duration, f"{where}.duration", low=0, high=MAX_PARAMETER, what="a time")

    def _check_what(self, item: Intervention, where: str) -> None:
        """Its link group, parameter, compartments, fraction and destination."""
        model, net, reported = self.scenario.model, self.base, self.labels.reported
        if isinstance(item, (CloseLinks, ScaleLinks)) and item.group not in net.group_names:
            raise HyosanError(
                suggest(str(item.group), net.group_names, "link group"), key=f"{where}.group"
            )
        if isinstance(item, SetParameter):
            self._check_parameter(item, where)
        if isinstance(item, ScaleLinks):
            finite(item.factor, f"{where}.factor", low=0, high=MAX_FACTOR, what="a factor")
        if isinstance(item, (Bomb, ScaleLinks, Evacuate)):
            for comp in item.compartments or ():
                if comp not in model.compartments and comp not in reported:
                    raise HyosanError(
                        suggest(comp, model.compartments, "compartment"),
                        key=f"{where}.compartments",
                    )
        if isinstance(item, (Bomb, Evacuate)) and not 0 <= item.fraction <= 1:
            raise HyosanError("must be within [0, 1]", key=f"{where}.fraction")
        if isinstance(item, Bomb) and item.to and item.to not in model.compartments:
            raise HyosanError(
                suggest(item.to, model.compartments, "compartment"), key=f"{where}.to"
            )
        if isinstance(item, Evacuate):
            with key_prefix(f"{where}.to_place"):
                self.scenario.places.index(item.to_place)

    def _check_parameter(self, item: SetParameter, where: str) -> None:
        """The parameter exists, its value gives a valid model, and hop rates are set globally."""
        model = self.scenario.model
        if item.parameter not in model.parameters:
            raise HyosanError(
                suggest(item.parameter, model.parameters, "parameter"), key=f"{where}.parameter"
            )
        if not item.ramp >= 0:
            raise HyosanError(f"must be >= 0, got {item.ramp!r}", key=f"{where}.ramp")
        finite(item.ramp, f"{where}.ramp", low=0, high=MAX_PARAMETER, what="a time")
        finite(item.value, f"{where}.value", low=-MAX_PARAMETER, high=MAX_PARAMETER)
        if item.parameter in self.overrides.movement_parameters and item.zone is not None:
            raise HyosanError(
                f"{item.parameter!r} is a hop rate, which is set for every place at once "
                "(zone=None); to slow movement in one area, ScaleLinks its link groups",
                key=f"{where}.zone",
            )
        try:  # the model validates itself when built: negative rates, bad paces
            model.with_parameters(**{item.parameter: _in_unit(model, item.parameter, item.value)})
        except HyosanError as error:
            raise HyosanError(
                f"{item.parameter}={item.value!r}: {error}", key=f"{where}.value"
            ) from None

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

    # --------------------------------------------------------------------------------------
    def step(self, t: float, engine: Engine, region_counts: np.ndarray | None) -> list[float]:
        """Evaluate triggers and fire what is due at time t; return new boundary times."""
        new_times: list[float] = []
        reported = self.labels.reported
        regions = self.labels.regions
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
                        self._fire_instant(k, item, run, engine)
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

    def _fire_instant(self, k: int, item: Intervention, run: int, engine: Engine) -> None:
        """Apply a bomb or an evacuation to one run's counts, with draws of its own stream."""
        counts = engine.run_counts(run)
        zone = self.zone_places[k]
        places = np.arange(self.base.n_places) if zone is None else zone
        rng = np.random.default_rng([self.seed, self.first_run + run, k, 0x1B0B])
        if isinstance(item, Bomb):
            self._bomb(item, counts, places, rng)
        elif isinstance(item, Evacuate):
            self._evacuate(item, counts, places, rng)
        engine.set_counts(run, counts)  # lets the engine forget what it derived (tau's visits)

    def _chosen(self, s: int, compartments: tuple[str, ...]) -> bool:
        """Whether species s counts as one of ``compartments`` (its own or reported name)."""
        labels = self.labels
        name = self.scenario.model.compartments[labels.base_of[s]]
        return name in compartments or labels.reported[labels.reported_index[s]] in compartments

    def _bomb(
        self, item: Bomb, counts: np.ndarray, places: np.ndarray, rng: np.random.Generator
    ) -> None:
        base_of = self.labels.base_of
        integer = np.issubdtype(counts.dtype, np.integer)
        living = self.base.pop_mask.astype(bool)
        compartments = self.scenario.model.compartments
        target = compartments.index(item.to) if item.to else -1
        for s in range(self.base.n_species):
            chosen = living[s] if item.compartments is None else self._chosen(s, item.compartments)
            if not chosen or base_of[s] == target:
                continue
            here = counts[places, s]
            removed = (
                rng.binomial(here.astype(np.int64), item.fraction)
                if integer
                else here * item.fraction
            )
            counts[places, s] = here - removed
            if target >= 0:
                dest = s - base_of[s] + target  # the same person's copy of the target
                counts[places, dest] += removed

    def _evacuate(
        self, item: Evacuate, counts: np.ndarray, places: np.ndarray, rng: np.random.Generator
    ) -> None:
        integer = np.issubdtype(counts.dtype, np.integer)
        to = self.scenario.places.index(item.to_place)
        for s in range(self.base.n_species):
            if not self._chosen(s, item.compartments):
                continue
            here = counts[places, s]
            moved = (
                rng.binomial(here.astype(np.int64), item.fraction)
                if integer
                else here * item.fraction
            )
            counts[places, s] = here - moved
            counts[to, s] += moved.sum()

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

    def cohorts(self, t: float) -> list[tuple[np.ndarray, CompiledNetwork]]:
        """Groups of runs that share the same active interventions, each with its network."""
        groups: dict[tuple, list[int]] = {}
        for run in range(self.runs):
            groups.setdefault(self._key(run, t), []).append(run)
        return [(np.array(runs), self._network(key)) for key, runs in groups.items()]

    def network_with(self, active: list[int] | range) -> CompiledNetwork:
        """The network with the interventions ``active`` (indices) all in full effect, as a
        cost estimate's worst case sees it."""
        return self._network(tuple((k, 1.0) for k in active))

    def _network(self, key: tuple) -> CompiledNetwork:
        """The network with the active interventions of ``key`` applied (cached)."""
        if key in self._nets:
            return self._nets[key]
        active = [(entry[0], entry[1]) for entry in key if entry is not None]
        changes: list[ParameterChange] = []
        for k, level in active:
            item = self.items[k]
            if isinstance(item, SetParameter):
                changes.append((self.zone_places[k], item.parameter, item.value * level))
        net = self.overrides.apply(changes)
        group_rate = net.group_rate.copy()
        for k, _ in active:
            item = self.items[k]
            if isinstance(item, CloseLinks):
                group_rate[self.group_index[k]] = 0.0
            elif isinstance(item, ScaleLinks):
                g = self.group_index[k]
                if item.compartments is None:
                    group_rate[g] *= item.factor
                else:
                    for s in range(net.n_species):
                        if self._chosen(s, item.compartments):
                            group_rate[g, s] *= item.factor
        net = check_network(replace(net, group_rate=group_rate), "interventions")
        if len(self._nets) > _NETWORKS_KEPT:
            self._nets.clear()
        self._nets[key] = net
        return net

    def record(self) -> dict[str, np.ndarray]:
        """Per run and intervention: when it started and ended (NaN: never)."""
        return {
            "intervention_start": np.array([t.started for t in self.timelines], float),
            "intervention_end": np.array([t.ended for t in self.timelines], float),
        }


def _zone(places: Places, zone: object, where: str) -> np.ndarray | None:
    """Place indices of a zone given as region and/or place names (None: everywhere)."""
    if zone is None:
        return None
    names = [zone] if isinstance(zone, str) else list(zone)  # type: ignore[call-overload]
    regions = set(places.regions)
    picked: list[np.ndarray] = []
    for name in names:
        if name in regions:
            picked.append(places.places_in(name))
            continue
        try:
            if not isinstance(name, str):
                raise PlacesError(f"{name!r} is not a name")
            picked.append(np.array([places.index(name)]))
        except PlacesError:
            raise HyosanError(
                suggest(str(name), [*places.regions, *places.names[:2000]], "region or place"),
                key=f"{where}.zone",
            ) from None
    return np.unique(np.concatenate(picked))


def _in_unit(model: Model, name: str, value: float) -> Parameter:
    """Interventions give values in the model's time unit; express them in the parameter's."""
    unit = model.parameters[name].unit
    return Parameter(value / conversion(unit, model.time_unit), unit)
