"""The story's buttons as scenario-file interventions, starting at the current time.

Each action gives ``[[interventions]]`` tables of the file format, so what the page does is what
the download says. Values carry their units ("2/hour"), so they mean the same in any world's
time unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hyosan.errors import HyosanError, suggest

CULL_RATE = "2/hour"
"""Each zombie or hybrid in the zone is shot at this rate (a platoon sweeping a district)."""
CURE_RATE = "0.5/hour"
CURE_RAMP_HOURS = 2.0
"""The cure reaches its full rate two hours after it starts (doses being handed out)."""
BOMB_FRACTION = 0.9
"""A bomb hits nine in ten of everyone in the region."""

ACTIONS: dict[str, str] = {
    "close-crossings": "close the Han crossings (bridges, rail, cross-river commuting)",
    "close-gate": "shut the school gate",
    "cordon": "cordon the region (close the links of its own)",
    "cull": f"cull in the region ({CULL_RATE} per zombie)",
    "bomb": f"bomb the region ({BOMB_FRACTION:.0%} of everyone)",
    "evacuate": "evacuate the region's humans to the farthest place",
    "cure": f"start a cure ({CURE_RATE}, rolled out over {CURE_RAMP_HOURS:g} hours)",
}
ZONED = ("cordon", "cull", "bomb", "evacuate")
"""The actions that act in the chosen region (the others act everywhere)."""


def available(scenario: Any, extra: dict[str, Any]) -> dict[str, bool]:
    """Which actions make sense in this world (the others are shown disabled); ``extra``: the
    built-in world's notes (``worlds.extra``)."""
    groups = set(scenario.places.groups)
    params = scenario.model.parameters
    regions = len(scenario.places.regions) > 1
    return {
        "close-crossings": bool(extra.get("river_groups")),
        "close-gate": "school-gate" in groups,
        "cordon": regions and bool(_own_groups_by_region(scenario)),
        "cull": "mu" in params,
        "bomb": True,
        "evacuate": scenario.places.n_places > 1,
        "cure": "cure" in params,
    }


def _own_groups_by_region(scenario: Any) -> dict[str, list[str]]:
    """Link groups whose every link touches one region: closing them cordons it."""
    places = scenario.places
    region = np.asarray(places.region)
    groups = np.asarray(places.link_group)
    out: dict[str, list[str]] = {}
    for g in places.groups:
        links = groups == g
        ends = np.stack([region[places.link_source[links]], region[places.link_dest[links]]])
        for r in np.unique(ends):
            if np.all((ends == r).any(axis=0)):  # a door belongs to both rooms it joins
                out.setdefault(str(r), []).append(str(g))
    return out


def interventions_for(
    action: str, scenario: Any, extra: dict[str, Any], t: float, region: str | None
) -> list[dict[str, Any]]:
    """The ``[[interventions]]`` tables of ``action`` at time ``t`` (model time unit)."""
    if action not in ACTIONS:
        raise HyosanError(suggest(str(action), ACTIONS, "action"), key="action")
    if not available(scenario, extra)[action]:
        raise HyosanError(f"{action!r} does not apply to this world", key="action")
    start = float(t)
    if action == "close-crossings":
        return [{"kind": "close_links", "group": g, "start": start} for g in extra["river_groups"]]
    if action == "close-gate":
        return [{"kind": "close_links", "group": "school-gate", "start": start}]
    if action == "cure":
        ramp = f"{CURE_RAMP_HOURS:g} hours"
        return [{"kind": "cure", "value": CURE_RATE, "ramp": ramp, "start": start}]
    if region is None or region not in scenario.places.regions:
        raise HyosanError(suggest(str(region), scenario.places.regions, "region"), key="region")
    if action == "cordon":
        groups = _own_groups_by_region(scenario).get(region)
        if not groups:
            raise HyosanError(f"{region!r} has no links of its own to close", key="region")
        return [{"kind": "close_links", "group": g, "start": start} for g in groups]
    if action == "cull":
        return [{"kind": "cull", "value": CULL_RATE, "zone": region, "start": start}]
    if action == "bomb":
        return [{"kind": "bomb", "zone": region, "fraction": BOMB_FRACTION, "start": start}]
    return [
        {
            "kind": "evacuate",
            "zone": region,
            "to_place": _farthest(scenario, region),
            "start": start,
        }
    ]


def _farthest(scenario: Any, region: str) -> str:
    """The place farthest from the region's centre (by coordinates), where evacuees go."""
    places = scenario.places
    inside = places.places_in(region)
    if places.coords is None:
        outside = np.setdiff1d(np.arange(places.n_places), inside)
        return str(places.names[int(outside[0]) if len(outside) else 0])
    xy = np.asarray(places.coords, float)
    centre = xy[inside].mean(axis=0)
    return str(places.names[int(np.argmax(((xy - centre) ** 2).sum(axis=1)))])


def build_items(document: dict[str, Any], tables: list[dict[str, Any]], model: Any) -> list:
    """Intervention objects of ``tables`` as the file layer builds them (checked, units read)."""
    from hyosan.scenarios.files import validate_document
    from hyosan.scenarios.files.building import build_intervention

    spec = validate_document({**document, "interventions": tables}, "action")
    return [build_intervention(item, model) for item in spec.interventions]
