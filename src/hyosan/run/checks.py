"""Checks before a run that would otherwise give a silent non-answer.

- A world whose places are linked but where every hop rate is 0 (``szr`` on a grid keeps its
  default ``hop = 0``): the outbreak can never leave the places it starts in. A warning names the
  parameters to set.
- A fixed tau step far above the safe one (:func:`hyosan.run.simulate.choose_dt`): the leap
  draws many events per unit per step and the result is biased, or garbage, without a clamp to
  say so (a chain-binomial step never clamps). A warning names the reaction (or the hops), its
  expected events per unit per step and the step to use; above ``HARD_EVENTS`` it is an error
  unless the caller insists (``allow_coarse_dt=True``, ``--allow-coarse-dt``).

Both read the compiled network's bounds, the same that choose the default step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hyosan.errors import HyosanError, HyosanWarning
from hyosan.models.expressions import names_in
from hyosan.network.compiled import SCALE_AREA, CompiledNetwork

__all__ = ["HARD_EVENTS", "WARN_EVENTS", "WARN_HOPS", "Hazard", "HyosanWarning", "hazards",
           "immobility", "step_check"]  # fmt: skip

WARN_EVENTS = 0.5
"""Expected events of one reaction per unit per step above which a fixed step warns (a
first-order leap's bias is then several per cent: see ``benchmarks/tau_bias.py``)."""
WARN_HOPS = 1.0
"""Expected hops per unit per step above which a fixed step warns: a leap moves a unit at most
once a step, so movement is slowed (Hyosan High's calibrated 0.1 minute: 0.36 hops)."""
HARD_EVENTS = 3.0
"""Above this, a fixed step is an error unless ``allow_coarse_dt``: most units would react
several times in one step, which a leap cannot represent."""


@dataclass(frozen=True)
class Hazard:
    """One bound on a unit's event rate: ``what`` (a reaction or 'hops') of ``species``."""

    what: str
    species: str
    rate: float


def hazards(net: CompiledNetwork) -> list[Hazard]:
    """Every reaction's and every species' hops' bound on one unit's event rate, largest
    first: a reaction's other reactants are bounded by the place's whole population at the start
    (or the share 1 under frequency-dependent contact), hops are summed over a place's out-links;
    a character's variants of a reaction are alternatives, so the largest counts."""
    population = net.initial.sum(axis=1).astype(np.float64)
    rate = net.rate.max(axis=0)
    names = _reaction_names(net)
    species = [str(name).split(":")[0] for name in net.species]
    best: dict[tuple[str, str], float] = {}  # (species, reaction): a character's copies count once
    for r in range(net.n_reactions):
        source = int(net.source[r])
        if rate[r] == 0.0 or source < 0:
            continue
        m = int(net.order[r])
        if net.scale_mode == SCALE_AREA:
            per_place = rate[r] * (population / net.area) ** (m - 1)
        else:
            per_place = np.full(net.n_places, float(rate[r]))
        key = (species[source], names[r])
        best[key] = max(best.get(key, 0.0), float(per_place.max(initial=0.0)))
    link_source = np.repeat(np.arange(net.n_places), np.diff(net.out_ptr))
    for s in range(net.n_species):
        per_link = net.link_weight * net.group_rate[net.link_group, s]
        per_place = np.bincount(link_source, per_link, net.n_places)
        if per_place.size and per_place.max() > 0:
            key = (species[s], "hops")
            best[key] = max(best.get(key, 0.0), float(per_place.max()))
    out = [Hazard(what, name, value) for (name, what), value in best.items()]
    return sorted(out, key=lambda h: -h.rate)


def step_check(
    net: CompiledNetwork,
    dt: float,
    safe_dt: float,
    accuracy: float,
    allow_coarse_dt: bool = False,
) -> str | None:
    """A warning (text) when a fixed step ``dt`` lets one unit expect more than
    ``WARN_EVENTS`` events of one reaction per step (or ``WARN_HOPS`` hops); a HyosanError
    above ``HARD_EVENTS`` unless ``allow_coarse_dt``; None when the step is fine.
    ``safe_dt``: the step tau would choose, ``accuracy`` events per unit per step."""
    found = hazards(net)
    reaction = next((h for h in found if h.what != "hops"), None)
    hops = next((h for h in found if h.what == "hops"), None)
    worst = None
    if reaction is not None and reaction.rate * dt > WARN_EVENTS:
        worst = reaction
    elif hops is not None and hops.rate * dt > WARN_HOPS:
        worst = hops
    if worst is None:
        return None
    events = worst.rate * dt
    what = "hops" if worst.what == "hops" else f"events of reaction {worst.what!r}"
    text = (
        f"dt = {dt:.3g} is too coarse for this world: one {worst.species} can expect up to "
        f"{events:.3g} {what} per step (tau's own step keeps every unit under {accuracy:g} "
        f"events); use dt = {safe_dt:.3g} or less, or leave dt out to let tau choose"
    )
    if events > HARD_EVENTS and not allow_coarse_dt:
        raise HyosanError(
            text + f". Above {HARD_EVENTS:g} expected events per unit per step a leap does not "
            "approximate the model; to run it anyway pass allow_coarse_dt=True (on the "
            "command line: --allow-coarse-dt)"
        )
    return text + "; the results will be biased"


def immobility(scenario: object, net: CompiledNetwork) -> str | None:
    """A warning (text) when places are linked but nobody can ever move along a link: every
    hop rate is 0 and no intervention sets one. None otherwise."""
    if net.n_places < 2 or len(net.link_dest) == 0 or net.has_contact:
        return None  # (people reached across links are reached without moving)
    per_link = net.link_weight[:, None] * net.group_rate[net.link_group]
    if np.any(per_link > 0):
        return None
    model = scenario.model  # type: ignore[attr-defined]
    parameters = sorted(
        {name for expression in model.mobility.values() for name in names_in(expression, "")}
    )
    set_later = {
        str(getattr(item, "parameter", ""))
        for item in scenario.interventions  # type: ignore
    }
    if set_later & set(parameters):
        return None  # an intervention turns movement on
    head = (
        f"nobody can move: {net.n_places:,} places are linked but every hop rate is 0, so the "
        "outbreak stays in the places where it starts"
    )
    if not parameters:
        return head + f"; model {model.name!r} has no hop rates (its 'mobility' is empty)"
    values = model.values()
    now = ", ".join(f"{p} = {values[p]:g}" for p in parameters)
    example = parameters[0]
    unit = model.parameters[example].unit
    value = f"0.5{unit[1:]}" if unit.startswith("1/") else f"0.5 {unit}"
    return (
        head + f" ({now} in model {model.name!r}); set {' or '.join(map(repr, parameters))}: "
        f"e.g. {model.name}({example}=0.5) in Python, or model.parameters.{example} = "
        f'"{value}" in a scenario file (--set model.parameters.{example}={value})'
    )


def _reaction_names(net: CompiledNetwork) -> list[str]:
    """The model reaction each compiled reaction comes from ('bite:nam-ra' is a 'bite')."""
    return [str(name).split(":")[0] for name in net.reactions]
