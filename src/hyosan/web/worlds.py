"""The worlds the page offers, each as a scenario-file document, so a page's run is a file.

A session's set-up is a document of the scenario-file format (``hyosan.scenarios.files``): the
built-in world and its options, the parameters moved by the sliders, the first case clicked, the
live interventions and the run settings. The page runs what that document builds, and the
download is that document, so ``hyosan run`` on it builds the very same scenario.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

from hyosan.errors import HyosanError, suggest


@dataclass(frozen=True)
class WebWorld:
    """A world of the page: a built-in scenario with options, how long and how finely to run.

    t_end, frame_every, histories_t_end (the default end of "many histories": Seoul at the
    city's pace turns its north bank in about five days and its south bank in about seven) and
    story_at (when "two futures" acts if the page has no plan: Seoul's crossings closed after a
    day, the school's gate after an hour) are in the world's time unit; frame_every is also the
    run's ``record_every`` and ``check_every`` (when triggers and ramps are checked), so every frame
    is a record time of ``hyosan run`` on the download, and a cure added mid-run lays no chunk
    boundary between frames (under adaptive tau, where chunks end changes a history).
    """

    key: str
    label: str
    builtin: str
    options: dict[str, Any] = field(default_factory=dict)
    t_end: float = 48.0
    frame_every: float = 0.25
    histories_t_end: float = 12.0
    story_at: float = 1.0


WORLDS: dict[str, WebWorld] = {
    w.key: w
    for w in (
        WebWorld("seoul", "Seoul, 425 dongs", "seoul", {}, 240.0, 1.0, 120.0, 24.0),
        WebWorld(
            "seoul-250", "Seoul at 250 m", "seoul", {"resolution": 250}, 240.0, 1.0, 96.0, 24.0
        ),
        WebWorld("hyosan-high", "Hyosan High", "hyosan-high", {}, 240.0, 1.0, 240.0, 60.0),
        WebWorld(
            "lattice", "SZR lattice (100 x 100)", "szr-lattice", {"size": 100}, 200.0, 1.0, 200.0
        ),
    )
}

SLIDERS: tuple[tuple[str, str], ...] = (
    ("beta", "bite rate"),
    ("kappa", "kill rate"),
    ("tau", "turning delay"),
    ("h", "hybrid share"),
    ("zombie_wander", "zombies wander (1) or wait for noise (0)"),
    ("hop", "hop rate"),
)
"""Parameters the page offers as sliders, where the world's model has them."""


def world(key: str) -> WebWorld:
    """The page's world called ``key``; a clear error naming it otherwise."""
    if key not in WORLDS:
        raise HyosanError(suggest(str(key), WORLDS, "world"), key="world")
    return WORLDS[key]


def base_document(key: str, seed: int) -> dict[str, Any]:
    """The document of a world with nothing changed: its own outbreak, parameters and plan."""
    w = world(key)
    doc: dict[str, Any] = {
        "world": {"builtin": w.builtin},
        "run": {
            "runs": 1,
            "seed": int(seed),
            "t_end": w.t_end,
            "record_every": w.frame_every,
            "check_every": w.frame_every,
        },
    }
    if w.options:
        doc["world"]["options"] = dict(w.options)
    return doc


@functools.lru_cache(maxsize=8)
def loaded(key: str) -> Any:
    """The world as built from its base document (cached: Seoul takes seconds to build)."""
    from hyosan.scenarios.files import build

    return build(base_document(key, 0))


@functools.lru_cache(maxsize=8)
def extra(key: str) -> dict[str, Any]:
    """The world builder's own notes (Seoul's river groups and banks): a scenario file keeps
    the places, not these, so they are read from the built-in world once."""
    from hyosan import scenarios

    w = world(key)
    return dict(scenarios.load(w.builtin, **w.options).extra)


def sliders(key: str) -> list[dict[str, Any]]:
    """The sliders of a world: each parameter its model has, with unit and the model's default."""
    model = loaded(key).scenario.model
    out = []
    for name, label in SLIDERS:
        if name not in model.parameters:
            continue
        p = model.parameters[name]
        value = float(p.value)
        if name in ("h", "zombie_wander"):
            low, high = 0.0, 1.0
        else:
            low, high = 0.0, max(value * 4.0, 1e-6)
        out.append(
            {
                "name": name,
                "label": label,
                "unit": p.unit or "",
                "default": value,
                "min": low,
                "max": high,
            }
        )
    return out


def with_setup(
    key: str,
    seed: int,
    parameters: dict[str, Any] | None = None,
    place: str | None = None,
) -> dict[str, Any]:
    """A world's document with slider values and, if a place was clicked, one zombie there
    instead of the world's own first cases."""
    doc = base_document(key, seed)
    allowed = {s["name"]: s for s in sliders(key)}
    chosen: dict[str, float] = {}
    for name, value in (parameters or {}).items():
        if name not in allowed:
            raise HyosanError(suggest(str(name), allowed, "parameter"), key=f"params.{name}")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise HyosanError(f"expected a number, got {value!r}", key=f"params.{name}")
        s = allowed[name]
        if not s["min"] <= float(value) <= s["max"]:
            raise HyosanError(
                f"{value!r} is outside {s['min']:g}..{s['max']:g}", key=f"params.{name}"
            )
        if float(value) != s["default"]:
            chosen[name] = float(value)
    if chosen:
        doc["model"] = {"parameters": chosen}
    if place is not None:
        doc["world"]["clear_outbreak"] = True
        doc["outbreak"] = [{"place": str(place), "compartment": "Z", "count": 1}]
    return copy.deepcopy(doc)
