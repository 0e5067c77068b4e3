"""The shape of a scenario file: pydantic models, and checking a document against them.

Values that take units (rates, times) stay as written here; `building` converts them into the
model's time unit once the model is known. The interventions' models are made from the
dataclasses in `hyosan.interventions`, so a field added there is a key of the file format too.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hyosan import interventions as iv
from hyosan.engines import ENGINES
from hyosan.errors import HyosanError, hint, key_path, suggest
from hyosan.models.units import conversion, parse_quantity, seconds_of

MAX_PLACES = 10_000_000
MAX_COUNT = 2**31 - 1

# The interventions a file can name, by their ``kind``.
INTERVENTION_CLASSES: tuple[type[iv.Intervention], ...] = (
    iv.CloseLinks, iv.ScaleLinks, iv.SetParameter, iv.Cull, iv.Cure, iv.Bomb, iv.Evacuate,
)  # fmt: skip
INTERVENTION_KINDS = tuple(cls.kind for cls in INTERVENTION_CLASSES)


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
Fraction = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]


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
                    shown = str(key) if str(key).isprintable() else repr(str(key))[1:-1]
                    raise PydanticCustomError(
                        "unknown_key", "unknown key{hint}", {"key": shown, "hint": hint(key, known)}
                    )
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
# Outbreak and characters.
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


# ------------------------------------------------------------------------------------------------
# Interventions and their triggers, made from the dataclasses of `hyosan.interventions`.
# A field's Python type says most of how it is written in a file; these say the rest: times and
# rates take units, fractions and factors have bounds.
TIME_FIELDS = frozenset({"duration", "ramp", "delay"})
RATE_FIELDS = frozenset({"value"})
_FILE_TYPES: dict[str, Any] = {
    "duration": Time | None,
    "ramp": Time,
    "delay": Time,
    "value": Rate,
    "zone": Zone,
    "fraction": Fraction,
    "factor": NonNegative,
    "threshold": NonNegative,
}
# Fields a file must give although the dataclass has a default ("" or 0.0 stand for "unset").
_REQUIRED = frozenset({"value", "factor"})
# Fields that the kind itself sets: a cull always sets ``mu``, a cure ``cure``.
FIXED_BY_KIND: dict[str, frozenset[str]] = {
    "cull": frozenset({"parameter"}),
    "cure": frozenset({"parameter"}),
}


def _file_type(hint_: Any) -> Any:
    """The file's type for a dataclass field's Python type: str -> a name, tuples -> lists."""
    if hint_ is str:
        return Name
    if typing.get_origin(hint_) is tuple:
        (item, *_) = typing.get_args(hint_)
        return list[_file_type(item)]  # type: ignore[misc]
    if typing.get_origin(hint_) in (Union, types.UnionType):
        return Union[tuple(_file_type(arg) for arg in typing.get_args(hint_))]  # noqa: UP007
    return hint_


def _file_fields(cls: type, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """pydantic field definitions for a dataclass's fields (descriptions from their metadata)."""
    hints = typing.get_type_hints(cls)
    definitions: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        annotation = _FILE_TYPES.get(f.name, _file_type(hints[f.name]))
        description = f.metadata.get("description")
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default or f.name in _REQUIRED or f.default == "":
            info = Field(..., description=description)
        elif isinstance(f.default, tuple):
            info = Field(default_factory=lambda d=f.default: list(d), description=description)
        elif f.default is dataclasses.MISSING:
            info = Field(default_factory=f.default_factory, description=description)
        else:
            info = Field(f.default, description=description)
        definitions[f.name] = (annotation, info)
    return definitions


TriggerSpec: type[Strict] = create_model(  # type: ignore[call-overload]
    "TriggerSpec", __base__=Strict, __doc__=iv.Trigger.__doc__, **_file_fields(iv.Trigger)
)


class InterventionBase(Strict):
    """What every intervention has: when it starts (a time, or a trigger)."""

    start: Time | None = Field(None, description="a time (default 0); or give a trigger")
    trigger: TriggerSpec | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _start_or_trigger(self) -> InterventionBase:
        if self.start is not None and self.trigger is not None:
            raise ValueError("give start or trigger, not both")
        return self


def _intervention_spec(cls: type[iv.Intervention]) -> type[InterventionBase]:
    """The file's model of one intervention kind: ``kind``, then the dataclass's fields."""
    skip = frozenset({"start"}) | FIXED_BY_KIND.get(cls.kind, frozenset())
    shared = {f.name for f in dataclasses.fields(iv.Intervention)}
    definitions = _file_fields(cls, skip)
    ordered = {k: v for k, v in definitions.items() if k in shared}
    ordered["kind"] = (Literal[cls.kind], ...)  # type: ignore[assignment]
    ordered |= {k: v for k, v in definitions.items() if k not in shared}
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"{cls.__name__}Spec", __base__=InterventionBase, __doc__=cls.__doc__, **ordered
    )


INTERVENTION_SPECS = {cls.kind: _intervention_spec(cls) for cls in INTERVENTION_CLASSES}
InterventionSpec = Annotated[
    Union[tuple(INTERVENTION_SPECS.values())],  # noqa: UP007
    Field(discriminator="kind"),
]


# ------------------------------------------------------------------------------------------------
# Run settings and the whole document.
class RunSpec(Strict):
    """How to run: engine, number of histories, end time, steps, seed."""

    engine: Literal[ENGINES] | None = Field(  # type: ignore[valid-type]
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
    interventions: list[InterventionSpec] = Field(default_factory=list)  # type: ignore[valid-type]
    run: RunSpec = Field(default_factory=RunSpec)

    @field_validator("world", mode="before")
    @classmethod
    def _world_by_name(cls, value: Any) -> Any:
        return {"builtin": value} if isinstance(value, str) else value

    @field_validator("outbreak", mode="before")
    @classmethod
    def _one_outbreak(cls, value: Any) -> Any:
        return [value] if isinstance(value, Mapping) else value


def schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    return ScenarioFile.model_json_schema()


# ------------------------------------------------------------------------------------------------
# Checking a document: one line per problem, each naming its key.
def validate_document(document: Mapping[str, Any], where: str = "scenario") -> ScenarioFile:
    """Check a document's shape and types; a HyosanError names every key at fault."""
    if not isinstance(document, Mapping):
        raise HyosanError(f"expected a table of keys, got {type(document).__name__}", source=where)
    try:
        return ScenarioFile.model_validate(dict(document))
    except ValidationError as error:
        raise validation_error(error, where) from None


def validation_error(error: ValidationError, where: str = "") -> HyosanError:
    """A pydantic error as a HyosanError: with one problem its key; with several, a list."""
    problems = [_problem(item) for item in error.errors(include_url=False)]
    if len(problems) == 1:
        key, message = problems[0]
        return HyosanError(message, key=key, source=where or None)
    lines = [f"{key}: {message}" for key, message in problems]
    return HyosanError(f"{len(lines)} problems:\n  " + "\n  ".join(lines), source=where or None)


def format_validation_error(error: ValidationError, where: str = "") -> str:
    """One line per problem: key path, what is wrong, the value given."""
    return str(validation_error(error, where))


def _problem(item: Any) -> tuple[str, str]:
    """(key path, what is wrong and the value given) of one pydantic error."""
    loc = list(item["loc"])
    if len(loc) > 2 and loc[0] == "interventions" and loc[2] in INTERVENTION_KINDS:
        del loc[2]  # the tag of the union, which the document does not write
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
    elif kind == "unknown_key":
        loc.append(item["ctx"]["key"])
        value = None
    elif kind == "value_error" and value is not None and repr(value) in message:
        value = None
    if value is not None and not isinstance(value, (dict, list)):
        message += f" (got {value!r})"
    elif isinstance(value, (dict, list)) and kind.endswith("_type"):
        message += f" (got a {'table' if isinstance(value, dict) else 'list'})"
    return key_path(loc) or "(document)", message
