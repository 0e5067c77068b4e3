"""The scenario a sweep varies: a file, a built-in name or a document, loaded per point exactly
as ``hyosan run FILE|NAME --set KEY=VALUE ...`` loads it, so a point's runs are that command's."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hyosan.errors import HyosanError, suggest
from hyosan.run.provenance import Provenance, Source

RUN_OPTIONS = ("engine", "t_end", "dt", "record_every", "snapshot_every", "check_every")
"""``simulate`` options that are run settings of a scenario file (set as ``run.KEY``)."""


def resolve(target: str | Path | Mapping[str, Any]) -> Source:
    """A scenario file path, a built-in scenario's name, or a scenario-file document (a dict)."""
    if isinstance(target, Mapping):
        return Source(json.dumps(dict(target), sort_keys=True), "json", "document")
    if not isinstance(target, (str, Path)):
        raise HyosanError(
            f"sweep: expected a scenario file, a built-in name or a scenario document, got "
            f"{type(target).__name__} (a Scenario object has no keys to vary: write it as a file)"
        )
    return Source.resolve(target)


def option_overrides(options: Mapping[str, Any]) -> list[str]:
    """Run options as ``run.KEY=VALUE`` overrides, as ``hyosan run``'s options are."""
    out = []
    for key, value in options.items():
        if value is None:
            continue
        if key not in (*RUN_OPTIONS, "runs", "seed"):
            raise HyosanError(
                f"sweep: unknown option {key!r}; "
                + suggest(key, (*RUN_OPTIONS, "accuracy"), "simulate option")
            )
        text = json.dumps(value) if isinstance(value, str) else str(value)
        out.append(f"run.{key}={text}")
    return out


def load(source: Source, overrides: list[str]) -> Any:
    """The LoadedScenario (Scenario and run settings) of the source with ``overrides`` set."""
    return Provenance(source, tuple(overrides)).load()


_CACHE: OrderedDict[tuple, Any] = OrderedDict()
CACHE_SIZE = 8
"""Points kept built in each worker process (building a world and compiling it takes seconds)."""


def load_cached(source: Source, overrides: list[str]) -> Any:
    """``load``, remembered for the last few points of this process."""
    key = (source, tuple(overrides))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    loaded = load(source, overrides)
    _CACHE[key] = loaded
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return loaded
