"""Scenario files: TOML or YAML documents validated by pydantic into the Python API's objects.

A file names a world (a built-in scenario, or a grid / well-mixed place / building), a model and
its parameters with explicit units (``beta = "0.5/hour"``), the first cases, named characters,
interventions (with optional triggers) and run settings. Every error names the key path
(``interventions[1].zone``), the value, and what was expected; unknown keys are errors.

Example (TOML)::

    name = "small-town"
    world = { grid = { shape = [20, 20], counts = { S = 20 } } }
    model = { name = "szr", parameters = { beta = "0.05/hour", hop = "0.5/hour" } }
    outbreak = [{ place = "10,10", compartment = "Z", count = 1 }]
    run = { engine = "ssa", runs = 8, t_end = "4 days", seed = 1 }
"""

from __future__ import annotations

import inspect
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from hyosan.errors import HyosanError, suggest
from hyosan.models.units import conversion, parse_quantity, seconds_of

MAX_PLACES = 10_000_000
MAX_COUNT = 2**31 - 1
INTERVENTION_KINDS = (
    "close_links", "scale_links", "set_parameter", "cull", "cure", "bomb", "evacuate",
)  # fmt: skip
ENGINES = ("tau", "ssa", "ode")


# ------------------------------------------------------------------------------------------------
# Value types: quantities with units, zones, compartment lists.
def _check_rate(value: Any) -> float | str:
    """A number (in the unit the parameter already has) or a text such as '0.5/hour'."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(
            f"expected a number or a quantity such as '0.5/hour', got {type(value).__name__}"
        )
    if isinstance(value, str):
        number, unit = _quantity(value)
        _unit_factor(unit, "hour")
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {value!r}")
        return value
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _check_time(value: Any) -> float | str:
    """A time >= 0: a number in the model's time unit, or a text such as '30 minutes'."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(
            f"expected a time: a number or a text such as '3 days', got {type(value).__name__}"
        )
    number, unit = _quantity(value) if isinstance(value, str) else (float(value), "")
    if unit:
        try:
            seconds_of(unit)
        except HyosanError:
            raise ValueError(
                f"expected a time such as '3 days' or '30 minutes', got {value!r} "
                f"({unit!r} is not a time unit)"
            ) from None
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"expected a time >= 0, got {value!r}")
    return value if isinstance(value, str) else float(value)


def _quantity(text: str) -> tuple[float, str]:
    try:
        return parse_quantity(text)
    except HyosanError as error:
        raise ValueError(str(error)) from None


def _unit_factor(unit: str, time_unit: str) -> float:
    try:
        return conversion(unit, time_unit)
    except HyosanError as error:
        raise ValueError(str(error)) from None


def _check_zone(value: Any) -> str | list[str] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError("expected a region or place name, or a non-empty list of them")


Rate = Annotated[
    float | str,
    PlainValidator(_check_rate),
    WithJsonSchema(
        {"anyOf": [{"type": "number"}, {"type": "string"}], "examples": ["0.5/hour", 0.02]}
    ),
]
Time = Annotated[
    float | str,
    PlainValidator(_check_time),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
            "examples": [48, "3 days", "30 minutes"],
        }
    ),
]
Zone = Annotated[
    str | list[str] | None,
    PlainValidator(_check_zone),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
                {"type": "null"},
            ]
        }
    ),
]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    """Unknown keys are errors, with the closest known key suggested."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = [f.alias or name for name, f in cls.model_fields.items()]
            for key in data:
                if key not in known:
                    raise ValueError(suggest(str(key), known, "key"))
        return data


# ------------------------------------------------------------------------------------------------
# The world.
class GridWorld(Strict):
    """A lattice of cells named 'row,col', everyone of ``counts`` in every cell."""

    shape: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]]
    counts: dict[Name, Count] = Field(description="people per cell, by compartment")
    periodic: bool = False
    cell_area: Annotated[float, Field(gt=0)] = 1.0
    cell_size: Annotated[float, Field(gt=0)] = 1.0
    hop_weight: Annotated[float, Field(ge=0)] = 1.0
    region_blocks: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] | None = Field(
        None, description="split the grid into rows x cols blocks named 'r0c0', 'r0c1', ..."
    )

    @field_validator("shape")
    @classmethod
    def _not_too_big(cls, shape: tuple[int, int]) -> tuple[int, int]:
        if shape[0] * shape[1] > MAX_PLACES:
            raise ValueError(f"{shape[0]} x {shape[1]} cells is more than {MAX_PLACES:,}")
        return shape


class WellMixedWorld(Strict):
    """One place where everyone meets everyone."""

    counts: dict[Name, Count]
    area: Annotated[float, Field(gt=0)] = 1.0
    name: Name = "world"


class Room(Strict):
    name: Name
    area: Annotated[float, Field(gt=0)] = 1.0
    counts: dict[Name, Count] = Field(default_factory=dict)
    kind: str = "room"
    region: str | None = None
    xy: tuple[float, float] | None = None


class Door(Strict):
    a: Name
    b: Name
    group: Name = "doors"
    weight: Annotated[float, Field(ge=0)] = 1.0


class BuildingWorld(Strict):
    """Rooms and the doors between them."""

    rooms: list[Room] = Field(min_length=1)
    doors: list[Door] = Field(default_factory=list)


class WorldSpec(Strict):
    """Exactly one of: a built-in scenario name, a grid, a well-mixed place, a building."""

    builtin: Name | None = Field(None, description="a built-in scenario (`hyosan scenarios`)")
    options: dict[Name, int | float | str | bool] = Field(
        default_factory=dict, description="options of the built-in scenario, e.g. size = 50"
    )
    grid: GridWorld | None = None
    well_mixed: WellMixedWorld | None = None
    building: BuildingWorld | None = None
    clear_outbreak: bool = Field(
        False, description="turn the world's own first cases back into humans"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> WorldSpec:
        given = [k for k in ("builtin", "grid", "well_mixed", "building") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of builtin, grid, well_mixed or building"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.options and not self.builtin:
            raise ValueError("options are for a builtin world only")
        return self


# ------------------------------------------------------------------------------------------------
# The model.
class ReactionSpec(Strict):
    name: Name
    equation: Name = Field(description="e.g. 'S + Z -> 2 Z'")
    rate: Name = Field(description="an expression of parameters, e.g. 'beta'")


class ModelSpec(Strict):
    """A built-in model by name (with options and parameters), or a custom one with reactions."""

    name: Name | None = Field(None, description="szr, sizr, sir, seir, jonas, or a custom name")
    options: dict[Name, int | float | str] = Field(
        default_factory=dict, description="arguments of the built-in model, e.g. stages = 3"
    )
    parameters: dict[Name, Rate] = Field(
        default_factory=dict,
        description="values with units ('0.5/hour', '20 minutes'); a bare number keeps the unit",
    )
    compartments: list[Name] | None = None
    reactions: list[ReactionSpec] | None = None
    time_unit: Literal["second", "minute", "hour", "day", "week"] | None = None
    contact: Literal["density", "frequency"] | None = None
    population: list[Name] | None = None
    mobility: dict[Name, Name] = Field(default_factory=dict)
    attraction: dict[Name, Name] = Field(default_factory=dict)
    wander: dict[Name, Name] = Field(
        default_factory=dict, description="pace where no attractor is (0: stand still)"
    )
    attractors: list[Name] = Field(default_factory=list)
    groups: dict[Name, list[Name]] = Field(default_factory=dict)
    susceptible: list[Name] | None = None
    infectious: list[Name] | None = None
    latent: list[Name] | None = None

    @model_validator(mode="after")
    def _custom_is_complete(self) -> ModelSpec:
        if self.reactions is not None and not self.compartments:
            raise ValueError("a custom model (with reactions) needs compartments")
        return self


# ------------------------------------------------------------------------------------------------
# Outbreak, characters, interventions, run settings.
class OutbreakSpec(Strict):
    place: Name | Annotated[int, Field(ge=0)]
    compartment: Name = "Z"
    count: Count = 1
    take_from: Name | None = Field("S", description="compartment the first cases come from")


class CharacterSpec(Strict):
    name: Name
    place: Name | Annotated[int, Field(ge=0)]
    compartment: Name = "S"
    overrides: dict[Name, Rate] = Field(default_factory=dict)
    description: str = ""


class TriggerSpec(Strict):
    compartment: Name
    threshold: Annotated[float, Field(ge=0)]
    region: Name | None = None
    delay: Time = 0.0
    below: bool = False


class InterventionBase(Strict):
    start: Time | None = Field(None, description="a time (default 0); or give a trigger")
    trigger: TriggerSpec | None = None
    duration: Time | None = None

    @model_validator(mode="after")
    def _start_or_trigger(self) -> InterventionBase:
        if self.start is not None and self.trigger is not None:
            raise ValueError("give start or trigger, not both")
        return self


class CloseLinksSpec(InterventionBase):
    kind: Literal["close_links"]
    group: Name


class ScaleLinksSpec(InterventionBase):
    kind: Literal["scale_links"]
    group: Name
    factor: Annotated[float, Field(ge=0)]
    compartments: list[Name] | None = None


class SetParameterSpec(InterventionBase):
    kind: Literal["set_parameter"]
    parameter: Name
    value: Rate
    zone: Zone = None
    ramp: Time = 0.0


class CullSpec(InterventionBase):
    kind: Literal["cull"]
    value: Rate
    zone: Zone = None
    ramp: Time = 0.0


class CureSpec(InterventionBase):
    kind: Literal["cure"]
    value: Rate
    zone: Zone = None
    ramp: Time = 0.0


class BombSpec(InterventionBase):
    kind: Literal["bomb"]
    zone: Zone = None
    fraction: Annotated[float, Field(ge=0, le=1)] = 1.0
    compartments: list[Name] | None = None
    to: Name = "R"


class EvacuateSpec(InterventionBase):
    kind: Literal["evacuate"]
    zone: Zone = None
    to_place: Name
    fraction: Annotated[float, Field(ge=0, le=1)] = 1.0
    compartments: list[Name] = Field(default_factory=lambda: ["S"])


InterventionSpec = Annotated[
    CloseLinksSpec
    | ScaleLinksSpec
    | SetParameterSpec
    | CullSpec
    | CureSpec
    | BombSpec
    | EvacuateSpec,
    Field(discriminator="kind"),
]


class RunSpec(Strict):
    """How to run: engine, number of histories, end time, steps, seed."""

    engine: Literal["tau", "ssa", "ode"] | None = Field(
        None, description="default: the built-in world's own choice, else tau"
    )
    runs: Annotated[int, Field(ge=1, le=10_000_000)] = 1
    t_end: Time | None = Field(None, description="default: the built-in world's own end time")
    dt: Time | None = Field(None, description="tau step (default: chosen from the rates)")
    record_every: Time | None = Field(None, description="default: t_end / 100")
    snapshot_every: Time | None = Field(None, description="keep per-place maps this often")
    check_every: Time | None = Field(None, description="how often triggers are checked")
    seed: Annotated[int, Field(ge=0, lt=2**128)] | None = None
    batch: Annotated[int, Field(ge=1)] | None = Field(
        None, description="runs per batch written to the results file as it finishes"
    )

    @field_validator("t_end", "dt", "record_every", "snapshot_every", "check_every")
    @classmethod
    def _positive(cls, value: float | str | None) -> float | str | None:
        if value is not None:
            number = _quantity(value)[0] if isinstance(value, str) else float(value)
            if not number > 0:
                raise ValueError(f"expected a time > 0, got {value!r}")
        return value


class ScenarioFile(Strict):
    """The whole document of a scenario file."""

    model_config = ConfigDict(
        extra="forbid",
        title="hyosan scenario file",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    name: Name | None = None
    description: str | None = None
    world: WorldSpec
    model: ModelSpec | None = None
    outbreak: list[OutbreakSpec] = Field(default_factory=list)
    characters: list[CharacterSpec] = Field(default_factory=list)
    interventions: list[InterventionSpec] = Field(default_factory=list)
    run: RunSpec = Field(default_factory=RunSpec)

    @field_validator("world", mode="before")
    @classmethod
    def _world_by_name(cls, value: Any) -> Any:
        return {"builtin": value} if isinstance(value, str) else value

    @field_validator("outbreak", mode="before")
    @classmethod
    def _one_outbreak(cls, value: Any) -> Any:
        return [value] if isinstance(value, Mapping) else value


# ------------------------------------------------------------------------------------------------
@dataclass
class RunSettings:
    """Run settings in the model's time unit, ready for ``hyosan.simulate``."""

    engine: str
    runs: int
    t_end: float
    dt: float | None
    record_every: float | None
    snapshot_every: float | None
    seed: int | None
    batch: int | None
    check_every: float | None = None
    accuracy: float | None = None

    def simulate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``hyosan.simulate`` (all but runs, seed and progress)."""
        return {
            "t_end": self.t_end,
            "engine": self.engine,
            "dt": self.dt,
            "record_every": self.record_every,
            "snapshot_every": self.snapshot_every,
            "check_every": self.check_every,
            "accuracy": self.accuracy,
        }


@dataclass
class LoadedScenario:
    """What a scenario file describes: the Scenario, how to run it, and the document itself."""

    scenario: Any
    settings: RunSettings
    document: dict[str, Any] = field(default_factory=dict)


def schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    return ScenarioFile.model_json_schema()


def read_document(path: str | Path) -> tuple[dict[str, Any], str, str]:
    """Parse a TOML or YAML file: (document, text, format)."""
    path = Path(path)
    where = f"scenario file {str(path)!r}"
    if not path.is_file():
        raise HyosanError(f"{where} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise HyosanError(f"{where}: expected a .toml, .yaml or .yml file, got {suffix!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        raise HyosanError(f"{where}: not a TOML or YAML text file ({error})") from None
    fmt = "toml" if suffix == ".toml" else "yaml"
    return parse_text(text, fmt, where), text, fmt


def parse_text(text: str, fmt: str, where: str = "scenario") -> dict[str, Any]:
    """Parse TOML or YAML text into a document (a mapping)."""
    if fmt == "toml":
        try:
            document: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise HyosanError(f"{where}: not valid TOML: {error}") from None
    elif fmt == "yaml":
        import yaml

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise HyosanError(f"{where}: not valid YAML: {error}") from None
        document = {} if document is None else document
    else:
        raise HyosanError(f"{where}: unknown format {fmt!r}; expected 'toml' or 'yaml'")
    if not isinstance(document, dict):
        raise HyosanError(
            f"{where}: expected a table of keys (world, model, run, ...), "
            f"got {type(document).__name__}"
        )
    return document


# ------------------------------------------------------------------------------------------------
# --set key=value overrides.
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """'model.parameters.beta=0.1/hour' -> (['model', 'parameters', 'beta'], '0.1/hour').

    The value is read as TOML (numbers, booleans, lists, inline tables) or else kept as text.
    """
    if "=" not in text:
        raise HyosanError(f"--set {text!r}: expected key=value, e.g. run.runs=8")
    key, raw = text.split("=", 1)
    key = key.strip()
    parts: list[str | int] = []
    position = 0
    for match in _PATH_PART.finditer(key):
        if match.start() != position and key[position : match.start()] != ".":
            raise HyosanError(f"--set {text!r}: cannot read key {key!r}")
        position = match.end()
        name, index = match.groups()
        parts.append(int(index) if index is not None else int(name) if name.isdigit() else name)
    if not parts or position != len(key):
        raise HyosanError(f"--set {text!r}: cannot read key {key!r}")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return parts, value


def apply_overrides(document: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """A copy of the document with each 'key=value' set (lists: an index, or one past the end)."""
    document = json.loads(json.dumps(document, default=_jsonable))
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = document
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            here = render_path(parts[: depth + 1])
            if isinstance(part, int):
                if not isinstance(node, list):
                    raise HyosanError(f"--set {text!r}: {here}: not a list")
                if part > len(node):
                    raise HyosanError(
                        f"--set {text!r}: {here}: index {part} is past the end ({len(node)} items)"
                    )
                if part == len(node):
                    node.append({})
            elif not isinstance(node, dict):
                raise HyosanError(f"--set {text!r}: {here}: not a table")
            if last:
                node[part] = value
            else:
                if isinstance(part, str) and not isinstance(node.get(part), (dict, list)):
                    following = parts[depth + 1]
                    if isinstance(following, int) and part not in node:
                        node[part] = []
                    elif part == "world" and isinstance(node.get(part), str):
                        node[part] = {"builtin": node[part]}
                    else:
                        node[part] = {}
                node = node[part]
    return document


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return str(value)


# ------------------------------------------------------------------------------------------------
# Errors with key paths.
def render_path(loc: tuple | list) -> str:
    """('interventions', 0, 'zone') -> 'interventions[0].zone'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(document)"


_UNKNOWN_KEY = re.compile(r"unknown key '([^']*)'(.*)", re.S)


def format_validation_error(error: ValidationError, where: str = "") -> str:
    """One line per problem: key path, what is wrong, the value given."""
    lines = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        if len(loc) > 2 and loc[0] == "interventions" and loc[2] in INTERVENTION_KINDS:
            del loc[2]
        kind = item["type"]
        message = item["msg"].removeprefix("Value error, ")
        value = item.get("input")
        if kind == "union_tag_invalid":
            loc.append("kind")
            tag = item.get("ctx", {}).get("tag", value)
            message = suggest(str(tag), INTERVENTION_KINDS, "intervention kind")
            value = None
        elif kind == "union_tag_not_found":
            loc.append("kind")
            message = "missing; expected one of " + ", ".join(map(repr, INTERVENTION_KINDS))
            value = None
        elif kind == "missing":
            message = "missing (required)"
            value = None
        elif kind == "value_error" and (unknown := _UNKNOWN_KEY.match(message)):
            loc.append(unknown.group(1))
            message = "unknown key" + unknown.group(2)
            value = None
        elif kind == "value_error" and value is not None and repr(value) in message:
            value = None
        text = f"{render_path(loc)}: {message}"
        if value is not None and not isinstance(value, (dict, list)):
            text += f" (got {value!r})"
        elif isinstance(value, (dict, list)) and kind.endswith("_type"):
            text += f" (got a {'table' if isinstance(value, dict) else 'list'})"
        lines.append(text)
    head = f"{where}: " if where else ""
    if len(lines) == 1:
        return head + lines[0]
    return head + f"{len(lines)} problems:\n  " + "\n  ".join(lines)


@contextmanager
def at(path: str) -> Iterator[None]:
    """Re-raise a HyosanError with the key path it concerns in front."""
    try:
        yield
    except HyosanError as error:
        raise HyosanError(join_path(path, str(error))) from None


_KEY_FIRST = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")


def join_path(path: str, message: str) -> str:
    """'world' + 'builtin: unknown...' -> 'world.builtin: unknown...'; else 'world: message'."""
    if _KEY_FIRST.match(message):
        return f"{path}.{message}"
    return f"{path}: {message}"


# ------------------------------------------------------------------------------------------------
# Building the objects.
def validate_document(document: Mapping[str, Any], where: str = "scenario") -> ScenarioFile:
    """Check a document's shape and types; a HyosanError names every key at fault."""
    if not isinstance(document, Mapping):
        raise HyosanError(f"{where}: expected a table of keys, got {type(document).__name__}")
    try:
        return ScenarioFile.model_validate(dict(document))
    except ValidationError as error:
        raise HyosanError(format_validation_error(error, where)) from None


def build(document: Mapping[str, Any], where: str = "scenario") -> LoadedScenario:
    """Validate a document and build the Scenario and run settings it describes."""
    spec = validate_document(document, where)
    try:
        return _build(spec)
    except HyosanError as error:
        raise HyosanError(f"{where}: {error}") from None


def load_file(path: str | Path, overrides: list[str] | None = None) -> LoadedScenario:
    """Read, override (``--set``), validate and build a scenario file."""
    document, _, _ = read_document(path)
    document = apply_overrides(document, overrides or [])
    return build(document, where=f"scenario file {str(path)!r}")


def _build(spec: ScenarioFile) -> LoadedScenario:
    from hyosan.scenarios.scenario import Scenario

    with at("world"):
        world = _build_world(spec.world)
    with at("model"):
        model = _build_model(spec.model, world.get("model"))
    places = world["places"]
    if spec.world.clear_outbreak:
        places = _clear_outbreak(places, model)
    _check_counts(places, model, spec.world)
    for k, outbreak in enumerate(spec.outbreak):
        places = _add_outbreak(places, model, outbreak, f"outbreak[{k}]")
    characters = [
        _build_character(c, places, model, f"characters[{k}]")
        for k, c in enumerate(spec.characters)
    ]
    own = list(world.get("interventions", ()))
    interventions = [
        _build_intervention(item, model, f"interventions[{k}]")
        for k, item in enumerate(spec.interventions)
    ]
    settings = _build_run(spec.run, model, world.get("t_end"), world.get("simulate", {}))
    scenario = Scenario(
        model=model,
        places=places,
        characters=[*world.get("characters", ()), *characters],
        interventions=[*own, *interventions],
        name=spec.name or world.get("name", "custom"),
        description=spec.description or world.get("description", ""),
        t_end=settings.t_end,
    )
    _check_compiles(scenario, len(own))
    document = spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return LoadedScenario(scenario, settings, document)


def _build_world(spec: WorldSpec) -> dict[str, Any]:
    from hyosan import scenarios
    from hyosan.places.builders import building, grid, well_mixed

    if spec.builtin is not None:
        with at("builtin"):
            module, function, _ = scenarios._entry(spec.builtin)
        import importlib

        builder = getattr(importlib.import_module(module), function)
        accepted = inspect.signature(builder).parameters
        for key, value in spec.options.items():
            if key not in accepted:
                raise HyosanError(
                    f"options.{key}: built-in world {spec.builtin!r} has no "
                    + suggest(key, accepted, "option")[len("unknown ") :]
                )
            default = accepted[key].default
            if default is not inspect.Parameter.empty and default is not None:
                if isinstance(default, (int, float)) and (
                    isinstance(value, (bool, str)) or isinstance(default, bool)
                ):
                    raise HyosanError(
                        f"options.{key}: expected a {type(default).__name__}, got {value!r}"
                    )
                if isinstance(default, int) and not isinstance(default, bool):
                    if value != int(value) or not 0 <= value <= 100_000:
                        raise HyosanError(
                            f"options.{key}: expected a whole number from 0 to 100000, "
                            f"got {value!r}"
                        )
                    value = int(value)
        try:
            built = scenarios.load(spec.builtin, **spec.options)
        except HyosanError as error:
            raise HyosanError(f"options: {error}") from None
        except (TypeError, ValueError) as error:
            raise HyosanError(f"options {spec.options!r}: {error}") from None
        return {
            "places": built.places,
            "model": built.model,
            "characters": built.characters,
            "interventions": built.interventions,
            "t_end": built.t_end,
            "name": built.name,
            "description": built.description,
            "simulate": dict(getattr(built, "extra", {}).get("simulate", {})),
        }
    if spec.grid is not None:
        g = spec.grid
        regions = None
        if g.region_blocks is not None:
            rows, cols = g.shape
            br, bc = g.region_blocks
            if br > rows or bc > cols:
                raise HyosanError(
                    f"grid.region_blocks: {list(g.region_blocks)} is more blocks than cells "
                    f"{list(g.shape)}"
                )
            rr = np.arange(rows)[:, None] * br // rows
            cc = np.arange(cols)[None, :] * bc // cols
            regions = np.char.add(np.char.add("r", (rr + 0 * cc).astype(str)), "c")
            regions = np.char.add(regions, (cc + 0 * rr).astype(str))
        with at("grid"):
            places = grid(
                g.shape,
                dict(g.counts),
                periodic=g.periodic,
                cell_area=g.cell_area,
                cell_size=g.cell_size,
                hop_weight=g.hop_weight,
                regions=regions,
            )
        return {"places": places, "name": "grid"}
    if spec.well_mixed is not None:
        w = spec.well_mixed
        with at("well_mixed"):
            return {"places": well_mixed(dict(w.counts), area=w.area, name=w.name)}
    assert spec.building is not None
    with at("building"):
        rooms = [room.model_dump(exclude_none=True) for room in spec.building.rooms]
        doors = [door.model_dump() for door in spec.building.doors]
        return {"places": building(rooms, doors), "name": "building"}


def _build_model(spec: ModelSpec | None, world_model: Any) -> Any:
    from hyosan.models.library import BUILT_IN
    from hyosan.models.spec import Parameter

    if spec is None:
        if world_model is None:
            raise HyosanError(
                "required for a grid, well_mixed or building world "
                f'(e.g. model = {{ name = "szr" }}; built in: {", ".join(BUILT_IN)})'
            )
        return world_model
    if spec.reactions is not None:
        assert spec.compartments is not None
        _check_signs(
            spec.parameters,
            [r.rate for r in spec.reactions]
            + list(spec.mobility.values())
            + list(spec.wander.values()),
            list(spec.attraction.values()),
        )
        parameters = {}
        for key, value in spec.parameters.items():
            with at(f"parameters.{key}"):
                parameters[key] = Parameter.of(value)
        optional = {
            k: tuple(v) if isinstance(v, list) else v
            for k in ("time_unit", "contact", "population", "susceptible", "infectious", "latent")
            if (v := getattr(spec, k)) is not None
        }
        try:
            model = _custom_model(spec, parameters, optional)
        except OverflowError:
            raise HyosanError("reactions: a rate is too large to compute") from None
        return model
    return _builtin_model(spec, world_model)


def _custom_model(spec: ModelSpec, parameters: dict[str, Any], optional: dict[str, Any]) -> Any:
    from hyosan.models.spec import Model, Reaction

    assert spec.reactions is not None and spec.compartments is not None
    return Model(
        name=spec.name or "custom",
        compartments=tuple(spec.compartments),
        reactions=tuple(Reaction(r.name, r.equation, r.rate) for r in spec.reactions),
        parameters=parameters,
        mobility=dict(spec.mobility),
        attraction=dict(spec.attraction),
        wander=dict(spec.wander),
        attractors=tuple(spec.attractors),
        groups={k: tuple(v) for k, v in spec.groups.items()},
        **optional,
    )


def _builtin_model(spec: ModelSpec, world_model: Any) -> Any:
    from hyosan.models.library import BUILT_IN

    custom_only = [
        k
        for k in ("compartments", "population", "susceptible", "infectious", "latent")
        if getattr(spec, k) is not None
    ] + [
        k for k in ("mobility", "attraction", "wander", "attractors", "groups") if getattr(spec, k)
    ]
    if custom_only:
        raise HyosanError(
            f"{custom_only[0]}: only a custom model (with reactions) sets it; "
            "a built-in model is changed through parameters and options"
        )
    if spec.name is not None:
        if spec.name not in BUILT_IN:
            raise HyosanError(
                f"name: {suggest(spec.name, BUILT_IN, 'model')}; "
                "or give compartments and reactions for a custom model"
            )
        builder = BUILT_IN[spec.name]
        accepted = inspect.signature(builder).parameters
        for key in spec.options:
            if key not in accepted:
                raise HyosanError(
                    f"options.{key}: model {spec.name!r} has no "
                    + suggest(key, accepted, "option")[len("unknown ") :]
                )
        try:
            model = builder(
                **spec.options,
                **({"time_unit": spec.time_unit} if spec.time_unit else {}),
            )
        except HyosanError as error:
            raise HyosanError(f"options: {error}") from None
        except (TypeError, ValueError) as error:
            raise HyosanError(f"options {spec.options!r}: {error}") from None
    elif world_model is not None:
        if spec.options or spec.time_unit:
            raise HyosanError("options and time_unit need a model name")
        model = world_model
    else:
        raise HyosanError(f"name: missing; built-in models: {', '.join(BUILT_IN)}")
    if spec.contact is not None:
        raise HyosanError("contact: only a custom model (with reactions) sets it")
    for key in spec.parameters:
        if key not in model.parameters:
            raise HyosanError(
                f"parameters.{key}: model {model.name!r} has no "
                + suggest(key, model.parameters, "parameter")[len("unknown ") :]
            )
    _check_signs(
        spec.parameters,
        [r.rate for r in model.reactions]
        + list(model.mobility.values())
        + list(model.wander.values()),
        list(model.attraction.values()),
    )
    for key, value in spec.parameters.items():
        with at(f"parameters.{key}"):
            model = model.with_parameters(**{key: value})
    return model


def _check_signs(given: Mapping[str, Any], rates: list[str], biases: list[str]) -> None:
    """Rates cannot be negative; only a parameter used solely in attraction biases may be."""
    from hyosan.models.expressions import names_in

    used: set[str] = set()
    for expression in rates:
        with at("reactions"):
            used |= names_in(expression, f"rate {expression!r}")
    bias_only: set[str] = set()
    for expression in biases:
        with at("attraction"):
            bias_only |= names_in(expression, f"attraction {expression!r}")
    bias_only -= used
    for key, value in given.items():
        number = parse_quantity(value)[0] if isinstance(value, str) else float(value)
        if number < 0 and key not in bias_only:
            raise HyosanError(f"parameters.{key}: a rate must be >= 0, got {value!r}")


def _clear_outbreak(places: Any, model: Any) -> Any:
    target = model.susceptible[0]
    counts = {k: v.copy() for k, v in places.counts.items()}
    counts.setdefault(target, np.zeros(places.n_places, np.int64))
    for comp in (*model.infectious, *model.latent):
        if comp in counts and comp != target:
            counts[target] += counts[comp]
            counts[comp][:] = 0
    return places.with_counts(counts)


def _check_counts(places: Any, model: Any, spec: WorldSpec) -> None:
    for comp in places.counts:
        if comp not in model.compartments:
            lacks = suggest(comp, model.compartments, "compartment")[len("unknown ") :]
            if spec.builtin:
                raise HyosanError(
                    f"model: the world {spec.builtin!r} has people in compartment {comp!r}, "
                    f"but model {model.name!r} has no {lacks}"
                )
            kind = next(k for k in ("grid", "well_mixed", "building") if getattr(spec, k))
            raise HyosanError(f"world.{kind}.counts.{comp}: model {model.name!r} has no {lacks}")


def _add_outbreak(places: Any, model: Any, spec: OutbreakSpec, path: str) -> Any:
    for key in ("compartment", "take_from"):
        comp = getattr(spec, key)
        if comp is not None and comp not in model.compartments:
            raise HyosanError(
                f"{path}.{key}: model {model.name!r} has no "
                + suggest(comp, model.compartments, "compartment")[len("unknown ") :]
            )
    with at(f"{path}.place"):
        places.index(spec.place)
    if spec.take_from is not None and spec.take_from != spec.compartment:
        i = places.index(spec.place)
        there = int(places.counts.get(spec.take_from, np.zeros(places.n_places))[i])
        if there < spec.count:
            raise HyosanError(
                f"{path}.count: {spec.count} {spec.compartment} from {spec.take_from!r} at "
                f"{spec.place!r}, which has only {there}; lower count or set take_from = ''"
            )
    with at(path):
        return places.with_outbreak(spec.place, spec.compartment, spec.count, spec.take_from)


def _build_character(spec: CharacterSpec, places: Any, model: Any, path: str) -> Any:
    from hyosan.models.spec import Character

    with at(f"{path}.place"):
        places.index(spec.place)
    if spec.compartment not in model.compartments:
        raise HyosanError(
            f"{path}.compartment: model {model.name!r} has no "
            + suggest(spec.compartment, model.compartments, "compartment")[len("unknown ") :]
        )
    overrides = {}
    for key, value in spec.overrides.items():
        if key not in model.parameters:
            raise HyosanError(
                f"{path}.overrides.{key}: model {model.name!r} has no "
                + suggest(key, model.parameters, "parameter")[len("unknown ") :]
            )
        overrides[key] = _in_model_unit(value, model, f"{path}.overrides.{key}", key)
    place = spec.place if isinstance(spec.place, str) else places.names[spec.place]
    with at(path):
        return Character(spec.name, place, spec.compartment, overrides, spec.description)


def _in_model_unit(value: float | str, model: Any, path: str, parameter: str | None) -> float:
    """A parameter value in the model's time unit (bare numbers are in the parameter's unit)."""
    if isinstance(value, str):
        number, unit = parse_quantity(value)
    else:
        number = float(value)
        unit = model.parameters[parameter].unit if parameter in model.parameters else ""
    with at(path):
        return number * conversion(unit, model.time_unit)


def _time(value: float | str | None, model: Any) -> float | None:
    """A time in the model's time unit."""
    if value is None:
        return None
    if isinstance(value, str):
        number, unit = parse_quantity(value)
        if unit:
            return number * seconds_of(unit) / seconds_of(model.time_unit)
        return number
    return float(value)


def _build_intervention(spec: Any, model: Any, path: str) -> Any:
    from hyosan import interventions as iv

    start: Any = _time(spec.start, model) or 0.0
    if spec.trigger is not None:
        t = spec.trigger
        start = iv.Trigger(t.compartment, t.threshold, t.region, _time(t.delay, model), t.below)
    common = {"start": start, "duration": _time(spec.duration, model)}
    zone = getattr(spec, "zone", None)
    zone = tuple(zone) if isinstance(zone, list) else zone
    kind = spec.kind
    if kind == "close_links":
        return iv.CloseLinks(group=spec.group, **common)
    if kind == "scale_links":
        comps = tuple(spec.compartments) if spec.compartments is not None else None
        return iv.ScaleLinks(group=spec.group, factor=spec.factor, compartments=comps, **common)
    if kind in ("set_parameter", "cull", "cure"):
        parameter = {"cull": "mu", "cure": "cure"}.get(kind, getattr(spec, "parameter", None))
        if kind != "set_parameter" and parameter not in model.parameters:
            raise HyosanError(
                f"{path}.kind: {kind} sets parameter {parameter!r}, which model {model.name!r} "
                f"does not have (parameters: {', '.join(model.parameters)})"
            )
        if parameter not in model.parameters:
            raise HyosanError(
                f"{path}.parameter: model {model.name!r} has no "
                + suggest(parameter, model.parameters, "parameter")[len("unknown ") :]
            )
        value = _in_model_unit(spec.value, model, f"{path}.value", parameter)
        if value < 0 and kind != "set_parameter":
            raise HyosanError(f"{path}.value: a rate must be >= 0, got {spec.value!r}")
        cls = {"cull": iv.Cull, "cure": iv.Cure, "set_parameter": iv.SetParameter}[kind]
        extra = {"parameter": parameter} if kind == "set_parameter" else {}
        return cls(value=value, zone=zone, ramp=_time(spec.ramp, model), **extra, **common)
    if kind == "bomb":
        comps = tuple(spec.compartments) if spec.compartments is not None else None
        return iv.Bomb(zone=zone, fraction=spec.fraction, compartments=comps, to=spec.to, **common)
    comps = tuple(spec.compartments)
    return iv.Evacuate(
        zone=zone, to_place=spec.to_place, fraction=spec.fraction, compartments=comps, **common
    )


def _build_run(
    spec: RunSpec, model: Any, world_t_end: float | None, defaults: Mapping[str, Any]
) -> RunSettings:
    """Run settings in the model's time unit: the file's, else the built-in world's own."""
    t_end = _time(spec.t_end, model)
    if t_end is None:
        t_end = world_t_end
    if t_end is None:
        raise HyosanError(
            f"run.t_end: missing; this world has no end time of its own (e.g. t_end = "
            f'"30 {model.time_unit}s")'
        )
    keys = ("dt", "record_every", "snapshot_every", "check_every")
    given = {k: _time(getattr(spec, k), model) for k in keys}
    for key, value in given.items():
        if value is not None and value > t_end:
            raise HyosanError(f"run.{key}: {getattr(spec, key)!r} is longer than t_end ({t_end:g})")
    snapshot, record = given["snapshot_every"], given["record_every"]
    if snapshot is not None and record is not None:
        steps = snapshot / record
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise HyosanError(
                f"run.snapshot_every: {spec.snapshot_every!r} is not a multiple of "
                f"record_every ({spec.record_every!r}); maps are taken at record times"
            )
    from hyosan.run.options import resolve_options  # the one place run defaults are resolved

    options = resolve_options(defaults, t_end=t_end, engine=spec.engine, **given)
    return RunSettings(
        engine=options.engine,
        runs=spec.runs,
        t_end=options.t_end,
        dt=options.dt,
        record_every=options.record_every,
        snapshot_every=options.snapshot_every,
        seed=spec.seed,
        batch=spec.batch,
        check_every=options.check_every,
        accuracy=options.accuracy,
    )


def _check_compiles(scenario: Any, n_own: int) -> None:
    """Compile once and resolve interventions, so `validate` finds what `run` would."""
    from hyosan.interventions import InterventionPlan

    try:
        net = scenario.compile()
    except HyosanError as error:
        message = str(error)
        match = re.match(r"character '([^']+)': (.*)", message, re.S)
        if match:
            names = [c.name for c in scenario.characters]
            k = names.index(match.group(1)) if match.group(1) in names else 0
            raise HyosanError(f"characters[{k}]: {match.group(2)}") from None
        raise
    try:
        InterventionPlan(scenario, net, 1, 0)
    except HyosanError as error:
        match = re.match(r"intervention (\d+) \([a-z_]+\): (.*)", str(error), re.S)
        if not match:
            raise
        k = int(match.group(1))
        if k < n_own:
            raise HyosanError(f"world: built-in intervention {k}: {match.group(2)}") from None
        detail = match.group(2)
        key = _intervention_key(detail)
        raise HyosanError(f"interventions[{k - n_own}]{key}: {detail}") from None


def _intervention_key(detail: str) -> str:
    """Guess the key a resolved intervention's message is about (zone, group, trigger...)."""
    for prefix, key in (
        ("zone:", ".zone"),
        ("trigger unknown region", ".trigger.region"),
        ("trigger unknown compartment", ".trigger.compartment"),
        ("trigger", ".trigger"),
        ("to_place:", ".to_place"),
        ("to unknown", ".to"),
        ("unknown link group", ".group"),
        ("unknown parameter", ".parameter"),
        ("unknown compartment", ".compartments"),
        ("fraction", ".fraction"),
        ("duration", ".duration"),
        ("start", ".start"),
    ):
        if detail.startswith(prefix):
            return key
    return ""
