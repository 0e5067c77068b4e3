"""What a run will cost, estimated and checked before anything is allocated; and the one
function, :func:`preflight`, that ``hyosan validate`` and ``hyosan run`` both call.

A few bytes of input can ask for a run that never ends or memory no machine has: a record every
1e-9 hours, a step of 1e-9, a bite rate of 1e12 per hour (tau's safe step becomes 1e-14 hours),
a grid of ten million cells. Each is refused here, with the key at fault and the setting that
raises the limit (:class:`hyosan.limits.Limits`, ``run.limits`` in a file). The estimates are
upper bounds from the compiled network, the same bounds that choose tau's step
(:func:`hazard_bounds`), so they cost a pass over the arrays and no simulation.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hyosan.errors import HyosanError
from hyosan.limits import Limits
from hyosan.models.expressions import names_in
from hyosan.network.compiled import SCALE_AREA, CompiledNetwork
from hyosan.network.contact import across_bound

ODE_STEP_COST = 100
"""An ode step (scipy's explicit RK45, one Python call per stage) counts as this many tau leaps
against ``Limits.steps``; RK45 needs about t_end x the fastest rate / 3 steps to stay stable."""
STATE_COPIES = 4
"""The engines hold about this many arrays of runs x places x species (counts, rates, draws)."""
BYTES = 8


@dataclass(frozen=True)
class Cost:
    """What a run asks for: the estimate :func:`estimate_cost` makes before it starts."""

    engine: str
    runs: int
    places: int
    records: int
    stops: int
    memory_gb: float
    steps: float = 0.0
    events: float = 0.0
    fastest: float = 0.0
    culprit: str = ""  # the key behind the fastest rate, e.g. 'model.parameters.beta'
    culprit_text: str = ""  # the same in words: "reaction 'bite' of S"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary (``hyosan validate --json`` shows it)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "culprit_text"}


@dataclass
class Preflight:
    """What :func:`preflight` found: the compiled network, the cost, warnings to show."""

    net: CompiledNetwork
    cost: Cost
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
def hazard_bounds(net: CompiledNetwork) -> np.ndarray:
    """(species, places): an upper bound on one person's total event rate in each place.

    The reactions that consume a species, with their other reactants bounded by the place's
    whole population (or the share 1 under frequency-dependent contact), plus its hops summed
    over every out-link; a character's variants of a reaction are alternatives, so the largest
    counts. The initial counts bound each place's population.
    """
    population = net.initial.sum(axis=1).astype(np.float64)
    rate = net.rate.max(axis=0)
    bound: dict[tuple[int, int], tuple[float, int]] = {}
    for r in range(net.n_reactions):
        source = int(net.source[r])
        if rate[r] == 0.0 or source < 0:
            continue
        key = (source, int(net.base_reaction[r]))
        bound[key] = max(bound.get(key, (0.0, r)), (float(rate[r]), r))
    per_species = np.zeros((net.n_species, net.n_places))
    with np.errstate(over="ignore"):
        for (source, _), (value, r) in bound.items():
            m = int(net.order[r])
            if net.has_contact and net.reactant_species[r, m - 1] >= net.n_species:
                per_species[source] += across_bound(net, r, population)  # reads the neighbours
            elif net.scale_mode == SCALE_AREA:
                per_species[source] += value * (population / net.area) ** (m - 1)
            else:
                per_species[source] += value
        link_source = np.repeat(np.arange(net.n_places), np.diff(net.out_ptr))
        for s in range(net.n_species):
            per_link = net.link_weight * net.group_rate[net.link_group, s]
            per_species[s] += np.bincount(link_source, per_link, net.n_places)
    return per_species


def estimate_cost(
    scenario: Any,
    net: CompiledNetwork,
    *,
    runs: int,
    engine: str,
    t_end: float,
    dt: float | None = None,
    accuracy: float | None = None,
    record_every: float | None = None,
    snapshot_every: float | None = None,
    check_every: float | None = None,
    batch: int | None = None,
) -> Cost:
    """The cost of ``runs`` histories (options as :func:`hyosan.simulate` takes them, resolved
    by ``resolve_options``); interventions count at their strongest (every one at once)."""
    from hyosan.run.options import DEFAULT_STEP_ACCURACY

    record_every = t_end / 100 if record_every is None else record_every
    records = _count(t_end, record_every) + 1
    stops = records + len(scenario.interventions)
    triggered = any(not isinstance(getattr(i, "start", 0.0), (int, float)) for i in
                    scenario.interventions) or any(getattr(i, "ramp", 0) for i in
                                                   scenario.interventions)  # fmt: skip
    if triggered:
        every = check_every if check_every is not None else (dt or record_every / 10)
        stops += _count(t_end, every)
    snapshots = _count(t_end, snapshot_every) + 1 if snapshot_every else 0
    regions = len(net.labels.regions) if net.labels is not None else 1
    reported = len(net.labels.reported) if net.labels is not None else net.n_species
    in_memory = min(runs, batch or runs)
    memory = BYTES * (
        runs * records * regions * reported
        + runs * snapshots * net.n_places * reported
        + STATE_COPIES * in_memory * net.n_places * net.n_species
    )
    bounds = hazard_bounds(net)
    fastest, culprit, text = _fastest(scenario, net, bounds)
    steps = events = 0.0
    with np.errstate(over="ignore"):
        if engine == "tau":
            if dt is not None and accuracy is None:
                steps = t_end / dt
            else:
                longest = dt if dt is not None else record_every
                per_step = accuracy if accuracy is not None else DEFAULT_STEP_ACCURACY
                steps = max(t_end / longest, t_end * fastest / per_step)
        elif engine == "ode":
            steps = ODE_STEP_COST * t_end * fastest / 3
        elif engine == "ssa":
            population = net.initial.sum(axis=1).astype(np.float64)
            per_place = bounds.max(axis=0, initial=0.0) if bounds.size else population * 0
            events = runs * t_end * float(np.sum(population * per_place))
    return Cost(
        engine=engine,
        runs=runs,
        places=net.n_places,
        records=records,
        stops=stops,
        memory_gb=memory / 2**30,
        steps=float(steps),
        events=float(events),
        fastest=fastest,
        culprit=culprit,
        culprit_text=text,
    )


def check_cost(cost: Cost, limits: Limits, given: dict[str, Any] | None = None) -> None:
    """A HyosanError if ``cost`` is over ``limits``: it names the key that asks for the most
    (``given``: the run keys the caller set, to name them rather than their defaults)."""
    given = given or {}
    if cost.stops > limits.records:
        key = "run.check_every" if given.get("check_every") and cost.records <= limits.records \
            else "run.record_every"  # fmt: skip
        raise HyosanError(
            f"a run would stop {cost.stops:,} times to record counts or check triggers; "
            f"lengthen {key.split('.')[-1]} or shorten t_end; "
            + limits.raise_hint("records", cost.stops),
            key=key,
        )
    if cost.memory_gb > limits.memory_gb:
        raise HyosanError(
            f"the results and the engine's state would take about {cost.memory_gb:,.3g} GiB "
            f"({cost.runs:,} runs x {cost.records:,} records, {cost.places:,} places); lower "
            "runs, lengthen record_every or snapshot_every, or use a smaller world; "
            + limits.raise_hint("memory_gb", cost.memory_gb),
            key="run.runs" if cost.runs > 1 else "run.record_every",
        )
    what = f" (the fastest: {cost.culprit_text} at {cost.fastest:.3g} per unit of time)" \
        if cost.culprit_text else ""  # fmt: skip
    if cost.steps > limits.steps:
        leaps = "ode steps, weighted" if cost.engine == "ode" else "tau leaps"
        fixed = cost.engine == "tau" and given.get("dt") is not None  # a dt given is fixed
        key = "run.dt" if fixed else cost.culprit or "run.t_end"
        raise HyosanError(
            f"a run would take about {cost.steps:.3g} {leaps}{what}: far beyond what can "
            f"finish; lower the rate, lengthen dt or shorten t_end; "
            + limits.raise_hint("steps", cost.steps),
            key=key,
        )
    if cost.events > limits.events:
        raise HyosanError(
            f"ssa would expect up to {cost.events:.3g} events{what}: far beyond what can "
            "finish; lower the rate, runs or t_end, or use engine tau; "
            + limits.raise_hint("events", cost.events),
            key=cost.culprit or "run.t_end",
        )


def check_places(n_places: int, limits: Limits, key: str) -> None:
    """Refuse a world of more than ``limits.places`` places before it is built."""
    if n_places > limits.places:
        raise HyosanError(
            f"{n_places:,} places is more than the limit; " + limits.raise_hint("places", n_places),
            key=key,
        )


def preflight(
    scenario: Any,
    settings: Any,
    *,
    allow_coarse_dt: bool = False,
    given: dict[str, Any] | None = None,
    own_interventions: int = 0,
) -> Preflight:
    """Every check a run makes before it starts, for ``validate`` and ``run`` alike: the
    network's numbers (compile), the interventions (resolved against it), tau's step
    (:func:`hyosan.run.checks.step_check`), the cost against ``settings.limits``; and the
    warnings (nobody can move, a coarse step). ``settings``: a
    ``hyosan.scenarios.files.RunSettings``; ``given``: the run keys the file sets (errors name
    them); ``own_interventions``: how many of the scenario's interventions are a built-in
    world's own (the file's are numbered after them)."""
    from hyosan.interventions import InterventionPlan
    from hyosan.run.checks import immobility, step_check
    from hyosan.run.options import DEFAULT_STEP_ACCURACY

    net = scenario.compile()
    plan = InterventionPlan(scenario, net, 1, 0)
    worst, raised_by = _strongest(plan, net, own_interventions)
    limits = Limits.of(getattr(settings, "limits", None))
    cost = estimate_cost(
        scenario,
        worst,
        runs=settings.runs,
        engine=settings.engine,
        t_end=settings.t_end,
        dt=settings.dt,
        accuracy=settings.accuracy,
        record_every=settings.record_every,
        snapshot_every=settings.snapshot_every,
        check_every=settings.check_every,
        batch=settings.batch,
    )
    if raised_by:
        cost = dataclasses.replace(
            cost, culprit=raised_by, culprit_text=f"{cost.culprit_text}, sped up by {raised_by}"
        )
    check_cost(cost, limits, given)
    warnings = []
    if settings.engine == "tau" and settings.dt is not None and settings.accuracy is None:
        from hyosan.run.simulate import choose_dt

        record_every = settings.record_every or settings.t_end / 100
        safe = choose_dt(net, record_every)
        try:
            text = step_check(net, settings.dt, safe, DEFAULT_STEP_ACCURACY, allow_coarse_dt)
        except HyosanError as error:
            error.key = error.key or "run.dt"
            raise
        if text:
            warnings.append(text)
    moving = immobility(scenario, net)
    if moving:
        warnings.append(moving)
    return Preflight(net, cost, warnings)


# ------------------------------------------------------------------------------------------------
def _count(t_end: float, every: float | None) -> int:
    """How many times ``every`` fits in ``t_end`` (huge counts stay huge, never overflow)."""
    if not every:
        return 0
    with np.errstate(over="ignore", divide="ignore"):
        ratio = t_end / every
    return int(ratio) if math.isfinite(ratio) and ratio < 1e18 else 10**18


def _strongest(plan: Any, net: CompiledNetwork, own: int) -> tuple[CompiledNetwork, str]:
    """The network with every intervention active at once, if that is faster than without
    any, and the key of the intervention that speeds it most (``own``: how many come from a
    built-in world, before the file's); else ``net`` and ''."""
    if not plan.items:
        return net, ""
    base = _top(net)
    strongest = plan.network_with(range(len(plan.items)))
    if _top(strongest) <= base:
        return net, ""
    k = max(range(len(plan.items)), key=lambda k: _top(plan.network_with([k])))
    item = plan.items[k]
    field_name = "factor" if hasattr(item, "factor") else "value" if hasattr(item, "value") else ""
    key = f"interventions[{k - own}]" if k >= own else "world"
    return strongest, f"{key}.{field_name}" if field_name and k >= own else key


def _top(net: CompiledNetwork) -> float:
    bounds = hazard_bounds(net)
    return float(bounds.max(initial=0.0)) if bounds.size else 0.0


def _fastest(scenario: Any, net: CompiledNetwork, bounds: np.ndarray) -> tuple[float, str, str]:
    """The largest per-person rate, the key behind it, and what it is in words."""
    from hyosan.run.checks import hazards

    fastest = float(bounds.max(initial=0.0)) if bounds.size else 0.0
    found = hazards(net)
    if not found or fastest <= 0:
        return fastest, "", ""
    top = found[0]
    model = scenario.model
    if top.what == "hops":
        expression = model.mobility.get(top.species, "")
        text = f"hops of {top.species}"
    else:
        reaction = next((r for r in model.reactions if r.name == top.what), None)
        expression = reaction.rate if reaction is not None else ""
        text = f"reaction {top.what!r} of {top.species}"
    names = sorted(names_in(expression, text)) if expression else []
    if names:
        values = model.values()
        name = max(names, key=lambda n: abs(values.get(n, 0.0)))
        return fastest, f"model.parameters.{name}", text + f" (parameter {name!r})"
    if top.what == "hops":
        return fastest, "world", text + " (the links' weights)"
    return fastest, "model", text
