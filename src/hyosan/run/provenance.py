"""Provenance: what produced a results file (scenario text, overrides, options, seed), and
:func:`rerun`, which runs it again from the file alone.

A results file made by :meth:`Provenance.ensemble` (as ``hyosan run`` does) holds the scenario's
own text (or built-in name), the ``--set`` overrides, the run options given as values and the
seed, so the same histories come back draw for draw, in any batching.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import xarray as xr

from hyosan.errors import HyosanError, suggest
from hyosan.run.ensemble import Ensemble
from hyosan.run.preflight import Preflight, preflight
from hyosan.run.progress import Progress

SCENARIO_SUFFIXES = (".toml", ".yaml", ".yml")
# run options a caller may give as values (each a key of the file's [run] table)
OPTION_KEYS = ("runs", "seed", "engine", "t_end", "dt", "record_every", "snapshot_every")


@dataclass(frozen=True)
class Source:
    """Where a scenario came from: file text (TOML/YAML), a built-in name, or a document given
    from Python (JSON text); kept in results and in a sweep's store."""

    text: str
    format: str  # "toml", "yaml", "name" or "json"
    label: str

    @classmethod
    def resolve(cls, target: str | Path) -> Source:
        """A scenario file path, or the name of a built-in scenario."""
        from hyosan import scenarios
        from hyosan.scenarios import files

        path = Path(target)
        if path.exists() or path.suffix.lower() in SCENARIO_SUFFIXES:
            _, text, fmt = files.read_document(path)
            return cls(text, fmt, str(path))
        if str(target) in scenarios.names():
            return cls(str(target), "name", str(target))
        raise HyosanError(
            f"scenario {str(target)!r}: no such file, and "
            + suggest(str(target), scenarios.names(), "built-in scenario")
        )

    def document(self) -> dict[str, Any]:
        """The scenario document (a built-in name is a document naming its world)."""
        from hyosan.scenarios import files

        if self.format == "name":
            return {"world": {"builtin": self.text}}
        if self.format == "json":
            return json.loads(self.text)
        return files.parse_text(self.text, self.format, f"scenario file {self.label!r}")

    @property
    def where(self) -> str:
        """How errors name this scenario."""
        if self.format == "name":
            return self.label
        return "scenario document" if self.format == "json" else f"scenario file {self.label!r}"

    def describe(self) -> dict[str, str]:
        """Text, format and label, as a sweep's store records them."""
        return {"text": self.text, "format": self.format, "label": self.label}


@dataclass(frozen=True)
class Provenance:
    """A scenario source, ``--set`` overrides (text) and run options (values, see OPTION_KEYS)."""

    source: Source
    overrides: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_results(cls, path: str | Path) -> Provenance:
        """What produced a results file; an error if it was not made from a scenario source."""
        from hyosan.results.io import load

        attrs = load(path).attrs
        where = f"results file {str(path)!r}"
        if "source" not in attrs or "source_format" not in attrs:
            raise HyosanError(
                f"--from {str(path)!r}: these results were not made by `hyosan run` "
                "(no 'source' attribute); re-run them from Python with ds.attrs['scenario']"
            )
        if attrs["source_format"] not in ("toml", "yaml", "name"):
            raise HyosanError(
                f"expected 'toml', 'yaml' or 'name', got {attrs['source_format']!r}",
                key="attrs.source_format",
                source=where,
            )
        label = attrs.get("source_label", attrs["source"] if attrs["source_format"] == "name"
                          else None)  # fmt: skip
        if label is None:
            raise HyosanError(
                "missing: the name the scenario was read from", key="attrs.source_label",
                source=where,
            )  # fmt: skip
        source = Source(str(attrs["source"]), str(attrs["source_format"]), str(label))
        overrides = _json_attr(attrs, "overrides", "[]", list, where)
        if not all(isinstance(item, str) for item in overrides):
            raise HyosanError("expected a list of 'key=value' texts", key="attrs.overrides",
                              source=where)  # fmt: skip
        options = _json_attr(attrs, "options", "{}", dict, where)
        unknown = sorted(set(options) - set(OPTION_KEYS))
        if unknown:
            raise HyosanError(suggest(unknown[0], OPTION_KEYS, "option"), key="attrs.options",
                              source=where)  # fmt: skip
        return cls(source, tuple(overrides), options)

    def amended(self, overrides: list[str] | tuple[str, ...] = (), **options: Any) -> Provenance:
        """More overrides (after the stored ones) and options (given ones win; None: unchanged)."""
        unknown = set(options) - set(OPTION_KEYS)
        if unknown:
            key = sorted(unknown)[0]
            raise HyosanError("run option: " + suggest(key, OPTION_KEYS, "option"))
        given = {k: v for k, v in options.items() if v is not None}
        return replace(
            self,
            overrides=(*self.overrides, *overrides),
            options={**self.options, **given},
        )

    def document(self) -> dict[str, Any]:
        """The source's document with the overrides and options applied (not yet validated)."""
        from hyosan.scenarios import files

        document = files.apply_overrides(self.source.document(), list(self.overrides))
        if self.source.format not in ("name", "json") and isinstance(document, dict):
            document.setdefault("name", Path(self.source.label).stem)  # a file's: its name
        if self.options:
            run = document.setdefault("run", {})
            if isinstance(run, dict):  # else validation names what is wrong with it
                run.update(self.options)
        return document

    def load(self) -> Any:
        """The scenario and run settings (a ``LoadedScenario``); errors name the key at fault."""
        from hyosan.scenarios import files

        return files.build(self.document(), where=self.source.where)

    def attrs(self, document: dict[str, Any] | None = None) -> dict[str, Any]:
        """The results' attributes that make :func:`rerun` possible."""
        attrs = {
            "source": self.source.text,
            "source_format": self.source.format,
            "source_label": self.source.label,
            "overrides": json.dumps(list(self.overrides)),
            "options": json.dumps(self.options, sort_keys=True),
        }
        if document is not None:
            attrs["document"] = json.dumps(document)
        return attrs

    def check(self, allow_coarse_dt: bool = False) -> tuple[Any, Preflight]:
        """The scenario and settings (a ``LoadedScenario``), and every check a run makes before
        it starts (:func:`hyosan.run.preflight.preflight`): ``hyosan validate`` and ``hyosan
        run`` both come through here, so validate passes exactly what run would start."""
        loaded = self.load()
        document = loaded.document if isinstance(loaded.document, dict) else {}
        own = len(loaded.scenario.interventions) - len(document.get("interventions", []))
        with key_source(self.source.where):
            found = preflight(
                loaded.scenario,
                loaded.settings,
                allow_coarse_dt=allow_coarse_dt,
                given=document.get("run", {}),
                own_interventions=own,
            )
        return loaded, found

    def ensemble(
        self,
        out: str | Path | None = None,
        summary: str | Path | None = None,
        batch: int | None = None,
        allow_coarse_dt: bool = False,
    ) -> Ensemble:
        """The ensemble this describes, checked (:meth:`check`); a seed is drawn (and kept) if
        none is given."""
        loaded, _ = self.check(allow_coarse_dt)
        provenance = self
        if loaded.settings.seed is None:
            provenance = self.amended(seed=secrets.randbits(63))
            loaded.settings.seed = provenance.options["seed"]
        settings = loaded.settings
        return Ensemble(
            loaded.scenario,
            settings.runs,
            settings.seed,
            batch=batch if batch is not None else settings.batch,
            out=out,
            summary=summary,
            attrs=provenance.attrs(loaded.document),
            **settings.simulate_kwargs(),
            **({"allow_coarse_dt": True} if allow_coarse_dt else {}),
        )


def _json_attr(attrs: Any, name: str, default: str, kind: type, where: str) -> Any:
    """A results attribute holding JSON of type ``kind``, or an error naming it."""
    try:
        value = json.loads(attrs.get(name, default))
    except (TypeError, ValueError) as error:
        raise HyosanError(f"not valid JSON ({error})", key=f"attrs.{name}", source=where) from None
    if not isinstance(value, kind):
        raise HyosanError(
            f"expected a JSON {'list' if kind is list else 'object'}, got {type(value).__name__}",
            key=f"attrs.{name}",
            source=where,
        )
    return value


@contextmanager
def key_source(where: str) -> Iterator[None]:
    """Errors of the checks name the scenario they are about, as the file layer's do."""
    try:
        yield
    except HyosanError as error:
        error.source = error.source or where
        raise


def run_source(
    target: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    *,
    out: str | Path | None = None,
    summary: str | Path | None = None,
    batch: int | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> xr.Dataset:
    """Run a scenario file or built-in name as ``hyosan run`` does, provenance kept in the
    results. options: runs, seed, engine, t_end, dt, record_every, snapshot_every (values, times
    as numbers in the model's unit or text such as '3 days')."""
    provenance = Provenance(Source.resolve(target)).amended(overrides, **options)
    return _run(provenance.ensemble(out, summary, batch), progress)


def rerun(
    path: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    *,
    out: str | Path | None = None,
    summary: str | Path | None = None,
    batch: int | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> xr.Dataset:
    """Run again what produced the results file ``path`` (the same histories, draw for draw),
    optionally changed by more overrides or options."""
    provenance = Provenance.from_results(path).amended(overrides, **options)
    return _run(provenance.ensemble(out, summary, batch), progress)


def _run(ensemble: Ensemble, progress: Progress | None) -> xr.Dataset:
    results = ensemble.run(progress)
    if results is None:
        raise KeyboardInterrupt
    return results
