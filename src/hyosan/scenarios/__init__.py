"""Built-in scenarios by name: ``hyosan.scenarios.load("seoul")``.

Each entry names the module and function that builds it, so listing scenarios imports nothing
heavy and a world's data is read only when that world is loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from hyosan.errors import HyosanError, suggest
from hyosan.scenarios.scenario import Scenario

BUILT_IN: dict[str, tuple[str, str, str]] = {
    "szr-lattice": (
        "hyosan.scenarios.lattice",
        "szr_lattice",
        "Alemi's SZR on a 200x200 lattice, one zombie in the middle",
    ),
    "hyosan-high": (
        "hyosan.scenarios.hyosan_high",
        "build",
        "Hyosan High at 9 a.m. (season 1): a bitten student in the science lab, 956 people",
    ),
    "seoul": (
        "hyosan.scenarios.seoul",
        "build",
        "Seoul's 425 dongs (or a 250/100 m grid), census 2020: the season-2 outbreak; "
        "the Han's bridges can be shut",
    ),
}


def names() -> list[str]:
    """The built-in scenario names."""
    return list(BUILT_IN)


def describe(name: str) -> str:
    """One line about a built-in scenario."""
    return _entry(name)[2]


def load(name: str, **options: Any) -> Scenario:
    """Build a built-in scenario; ``options`` go to its builder (e.g. ``resolution=100``)."""
    return builder(name)(**options)


def builder(name: str) -> Callable[..., Scenario]:
    """The function that builds a built-in scenario: its keyword arguments are the options."""
    module, function, _ = _entry(name)
    return getattr(importlib.import_module(module), function)


def places_of(name: str, options: dict[str, Any]) -> int | None:
    """How many places the built-in world ``name`` would have with ``options``, if its builder
    says (a ``places_of`` attribute taking the same options), without building it."""
    count = getattr(builder(name), "places_of", None)
    if count is None:
        return None
    try:
        return int(count(**options))
    except (TypeError, ValueError, OverflowError):
        return None  # building it reports the bad option


def _entry(name: str) -> tuple[str, str, str]:
    if name not in BUILT_IN:
        raise HyosanError(suggest(name, BUILT_IN, "scenario"))
    return BUILT_IN[name]
