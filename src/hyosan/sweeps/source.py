"""The scenario a sweep varies: a file, a built-in name or a document, loaded per point exactly
as ``hyosan run FILE|NAME --set KEY=VALUE ...`` loads it, so a point's runs are that command's."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyosan.errors import HyosanError, suggest

SCENARIO_SUFFIXES = (".toml", ".yaml", ".yml")
RUN_OPTIONS = ("engine", "t_end", "dt", "record_every", "snapshot_every", "check_every")
"""``simulate`` options that are run settings of a scenario file (set as ``run.KEY``)."""


@dataclass(frozen=True)
class Source:
    """Where the scenario comes from: file text (toml/yaml), a built-in name, or a document."""

    text: str
    format: str  # "toml", "yaml", "name" or "json" (a document given from Python)
    label: str

    def document(self) -> dict[str, Any]:
        from hyosan.scenarios import files

        if self.format == "name":
            return {"world": {"builtin": self.text}}
        if self.format == "json":
            return json.loads(self.text)
        return files.parse_text(self.text, self.format, f"scenario file {self.label!r}")

    def describe(self) -> dict[str, str]:
        return {"text": self.text, "format": self.format, "label": self.label}


def resolve(target: str | Path | Mapping[str, Any]) -> Source:
    """A scenario file path, a built-in scenario's name, or a scenario-file document (a dict)."""
    from hyosan import scenarios
    from hyosan.scenarios import files

    if isinstance(target, Mapping):
        return Source(json.dumps(dict(target), sort_keys=True), "json", "document")
    if not isinstance(target, (str, Path)):
        raise HyosanError(
            f"sweep: expected a scenario file, a built-in name or a scenario document, got "
            f"{type(target).__name__} (a Scenario object has no keys to vary: write it as a file)"
        )
    path = Path(target)
    if path.exists() or path.suffix.lower() in SCENARIO_SUFFIXES:
        _, text, fmt = files.read_document(path)
        return Source(text, fmt, str(path))
    if str(target) in scenarios.names():
        return Source(str(target), "name", str(target))
    raise HyosanError(
        f"scenario {str(target)!r}: no such file, and "
        + suggest(str(target), scenarios.names(), "built-in scenario")
    )


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
    from hyosan.scenarios import files

    document = files.apply_overrides(source.document(), overrides)
    if source.format not in ("name", "json") and isinstance(document, dict):
        document.setdefault("name", Path(source.label).stem)  # a file's scenario: its name
    if source.format == "name":
        where = source.label
    elif source.format == "json":
        where = "scenario document"
    else:
        where = f"scenario file {source.label!r}"
    return files.build(document, where=where)


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
