"""The shape of a scenario file: pydantic models, and checking a document against them.

Values that take units (rates, times) stay as written here; `building` converts them into the
model's time unit once the model is known. The interventions' models are made from the
dataclasses in `hyosan.interventions`, so a field added there is a key of the file format too.

Every key says what it is, its form or unit, its default and its limits, on the field itself
(``Field(description=...)``; an intervention's in its dataclass field's metadata): ``hyosan
schema`` and ``hyosan schema --markdown`` show these words to users, and a test fails on a key
without one. They make up much of this module's length (some 800 lines), which is why it is
longer than most.
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
    BeforeValidator,
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
from hyosan.limits import MAX_AREA, MAX_FACTOR, MAX_NUMBER, MAX_OPTION, MAX_ORDER, Limits
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
        _in_range(number, value)
        return value
    _in_range(value, value)
    return float(value)


def _in_range(number: float, value: Any) -> None:
    """Finite, and at most MAX_NUMBER in magnitude (in the unit it is written in)."""
    try:
        number = float(number)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"expected at most {MAX_NUMBER:g} in magnitude, got {value!r}")


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
        raise ValueError(f"expected a finite time >= 0, got {value!r}")
    _in_range(number, value)
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
        {
            "anyOf": [
                {"type": "number", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER},
                {"type": "string"},
            ],
            "examples": ["0.5/hour", 0.02],
        }
    ),
]
Time = Annotated[
    float | str,
    PlainValidator(_check_time),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "minimum": 0, "maximum": MAX_NUMBER}, {"type": "string"}],
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


def _not_bool(value: Any) -> Any:
    """true and false are not numbers (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {str(value).lower()}")
    return value


Whole = Annotated[int, BeforeValidator(_not_bool)]
Count = Annotated[Whole, Field(ge=0, le=MAX_COUNT)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Fraction = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR, allow_inf_nan=False)]
Area = Annotated[float, Field(gt=0, le=MAX_AREA, allow_inf_nan=False)]
Coordinate = Annotated[float, Field(ge=-MAX_AREA, le=MAX_AREA, allow_inf_nan=False)]


def _check_option(value: Any) -> int | float | str | bool:
    """An option of a built-in world or model: a text, true/false, or a finite number."""
    if isinstance(value, (str, bool)):
        return value
    if not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, a text or true/false, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (math.isfinite(number) and abs(number) <= MAX_OPTION):
        raise ValueError(f"expected a finite number at most {MAX_OPTION:g} in magnitude")
    return value


Option = Annotated[
    int | float | str | bool,
    PlainValidator(_check_option),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": -MAX_OPTION, "maximum": MAX_OPTION},
                {"type": "string"},
                {"type": "boolean"},
            ]
        }
    ),
]


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
# The world. Descriptions say what a key is, its form, its default and its limits: `hyosan schema`
# shows them, and a test checks that every key has one.
_COUNTS = "a whole number >= 0 for each of the model's compartments, e.g. { S = 20 }"
_AREA = (
    f"(> 0, at most {MAX_AREA:g}): density contact divides encounter rates by it, and "
    "attraction counts people per unit area. Default 1"
)


class GridWorld(Strict):
    """A lattice of cells named 'row,col', everyone of ``counts`` in every cell."""

    shape: tuple[Annotated[Whole, Field(ge=1)], Annotated[Whole, Field(ge=1)]] = Field(
        description="[rows, columns], each >= 1, at most 10,000,000 cells in all. Cells are "
        "named 'row,col' from '0,0'; a cell's index is row * columns + col. Required."
    )
    counts: dict[Name, Count] = Field(description=f"People in every cell: {_COUNTS}. Required.")
    periodic: bool = Field(
        False,
        description="Whether the edges wrap around (a torus: the last column neighbours the "
        "first). Default false: edge cells have fewer neighbours.",
    )
    cell_area: Area = Field(1.0, description=f"Each cell's area {_AREA}.")
    cell_size: Area = Field(
        1.0,
        description=f"The side of a cell (> 0, at most {MAX_AREA:g}), for maps only: cell "
        "'r,c' is drawn at x = c * cell_size, y = r * cell_size. Default 1.",
    )
    hop_weight: Factor = Field(
        1.0,
        description=f"The weight (from 0 to {MAX_FACTOR:g}) of each link between neighbouring "
        "cells: a hop along it runs at the model's hop rate times this. All links are in the "
        "group 'grid'. Default 1.",
    )
    region_blocks: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] | None = Field(
        None,
        description="[rows, columns] of regions: the grid split into blocks named 'r0c0', "
        "'r0c1', ... (results are counted per region; zones and triggers name regions), at most "
        "as many as cells. Default: none, one region 'grid'.",
    )

    @field_validator("shape")
    @classmethod
    def _not_too_big(cls, shape: tuple[int, int]) -> tuple[int, int]:
        if shape[0] * shape[1] > MAX_PLACES:
            raise ValueError(f"{shape[0]} x {shape[1]} cells is more than {MAX_PLACES:,}")
        return shape


class WellMixedWorld(Strict):
    """One place where everyone meets everyone."""

    counts: dict[Name, Count] = Field(description=f"People in the place: {_COUNTS}. Required.")
    area: Area = Field(1.0, description=f"The place's area {_AREA}.")
    name: Name = Field(
        "world",
        description="The place's name (also its region's), e.g. for outbreak.place. "
        "Default 'world'.",
    )


class Room(Strict):
    """One room of a building: a place of its own."""

    name: Name = Field(
        description="The room's name, unique; doors, outbreak.place, zones and to_place name "
        "it. Required."
    )
    area: Area = Field(1.0, description=f"The room's area {_AREA}.")
    counts: dict[Name, Count] = Field(
        default_factory=dict,
        description=f"People in the room: {_COUNTS}. Default: nobody.",
    )
    kind: str = Field(
        "room",
        description="A label such as 'classroom' or 'corridor', for your own use: no effect "
        "on the run. Default 'room'.",
    )
    region: str | None = Field(
        None,
        description="The region the room belongs to, e.g. 'floor-3': results are counted per "
        "region, and zones and triggers name regions. Default: the room's own name.",
    )
    xy: tuple[Coordinate, Coordinate] | None = Field(
        None,
        description="[x, y]: where the room is drawn on maps; used only if every room has "
        "one. Default: none.",
    )


class Door(Strict):
    """A door between two rooms: people hop through it both ways."""

    a: Name = Field(description="The name of the room on one side. Required.")
    b: Name = Field(description="The name of the room on the other side. Required.")
    group: Name = Field(
        "doors",
        description="The link group of the door, which close_links and scale_links name. "
        "Default 'doors', shared by every door; give a door a group of its own to close it "
        "alone.",
    )
    weight: Factor = Field(
        1.0,
        description=f"A factor (from 0 to {MAX_FACTOR:g}) on the hop rate through the door, "
        "both ways. Default 1; 0: shut.",
    )


class BuildingWorld(Strict):
    """Rooms and the doors between them."""

    rooms: list[Room] = Field(
        min_length=1, description="The rooms ([[world.building.rooms]] tables), at least one."
    )
    doors: list[Door] = Field(
        default_factory=list,
        description="The doors ([[world.building.doors]] tables). Default: none, nobody moves "
        "between rooms.",
    )


class WorldSpec(Strict):
    """Exactly one of: a built-in scenario name, a grid, a well-mixed place, a building."""

    builtin: Name | None = Field(
        None,
        description="A built-in world by name, e.g. 'hyosan-high' or 'seoul' (`hyosan "
        "scenarios` lists them): its places, model, characters, interventions, end time and "
        'run settings. world = "seoul" is short for world = { builtin = "seoul" }.',
    )
    options: dict[Name, Option] = Field(
        default_factory=dict,
        description="Options of the built-in world (numbers, texts, true or false), e.g. "
        '{ outbreak = "Korea University" }; an unknown option is an error that lists them. '
        "Only with builtin. Default: none, the world's own.",
    )
    grid: GridWorld | None = Field(None, description="A lattice of cells named 'row,col'.")
    well_mixed: WellMixedWorld | None = Field(
        None, description="One place where everyone meets everyone."
    )
    building: BuildingWorld | None = Field(None, description="Rooms and the doors between them.")
    clear_outbreak: bool = Field(
        False,
        description="Turn the world's own first cases (everyone in the model's infectious and "
        "latent compartments) back into its first susceptible compartment, so that `outbreak` "
        "alone says where it starts. Default false.",
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
_CUSTOM = "Only for a custom model (with reactions)."


class ReactionSpec(Strict):
    """One reaction of a custom model, happening in every place."""

    name: Name = Field(
        description="The reaction's name, unique in the model (errors name it), e.g. 'bite'."
    )
    equation: Name = Field(
        description="'reactants -> products' in the model's compartments, e.g. 'S + Z -> 2 Z' "
        "or 'I -> Z'; '0' on the left for arrivals. Only a reaction with no reactants may make "
        f"more people than it takes. At most {MAX_ORDER} people on each side. A unit in a linked "
        "place is written '@there' and must come out unchanged: "
        "'S@here + Z@there -> Z@here + Z@there' (contact across links)."
    )
    rate: Name = Field(
        description="The rate constant: an expression of parameters, e.g. 'beta' or "
        "'(1 - h) / tau'. Per person for one reactant; per pair for two, scaled by the model's "
        "contact."
    )
    groups: dict[str, float] | None = Field(
        None,
        description="Only for a reaction across links (a reactant written '@there', e.g. "
        "'S@here + I@there -> I@here + I@there'): the link groups it reaches across and each "
        "one's factor, e.g. {commute = 0.5}; the rate is then rate * factor * link weight per "
        "pair. Default: every group, factor 1.",
    )


class ModelSpec(Strict):
    """A built-in model by name (with options and parameters), or a custom one with reactions."""

    name: Name | None = Field(
        None,
        description="A built-in model: szr, sizr, sir, seir or jonas (changed through options "
        "and parameters). With reactions: the custom model's name (default 'custom'). Default: "
        "the built-in world's own model.",
    )
    options: dict[Name, Option] = Field(
        default_factory=dict,
        description="Arguments of the built-in model, e.g. { stages = 3 } for jonas; an unknown "
        "one is an error. Only with a built-in name. Default: none.",
    )
    parameters: dict[Name, Rate] = Field(
        default_factory=dict,
        description='Parameter values, e.g. { beta = "0.5/hour", tau = "20 minutes" }: a '
        "quantity with its unit, or a bare number (in the parameter's own unit for a built-in "
        "model, in the model's time unit for a custom one), finite and at most "
        f"{MAX_NUMBER:g} in magnitude in the unit written. A built-in model takes only its own "
        "parameters. Rates are >= 0; only a parameter used in attraction alone may be negative.",
    )
    compartments: list[Name] | None = Field(
        None,
        description='The custom model\'s compartments, e.g. ["S", "I", "Z", "R"]: '
        "letters, digits and _, each once. Required with reactions.",
    )
    reactions: list[ReactionSpec] | None = Field(
        None,
        description="The custom model's reactions ([[model.reactions]] tables); giving them "
        "makes the model custom. Default: none, a built-in model.",
    )
    time_unit: Literal["second", "minute", "hour", "day", "week"] | None = Field(
        None,
        description="The unit the model counts time in: bare numbers for times and rates are "
        "in it, and so are the results. For a custom model (default 'hour') or a built-in one "
        "that takes it (szr, jonas: default 'hour').",
    )
    contact: Literal["density", "frequency"] | None = Field(
        None,
        description="How encounter rates scale: 'density' divides a reaction of two people by "
        "the place's area (of three by area squared), 'frequency' by its living people (see "
        f"population). {_CUSTOM} Default 'density'.",
    )
    population: list[Name] | None = Field(
        None,
        description="The compartments counted as living people (frequency contact's "
        f"denominator; whom a bomb hits by default). {_CUSTOM} Default: all but R and D.",
    )
    mobility: dict[Name, Name] = Field(
        default_factory=dict,
        description='Who moves: compartment -> hop rate expression, e.g. { Z = "hop" }, per '
        "link and per unit of link weight, in the model's time unit. Compartments not listed "
        f"stay where they are. {_CUSTOM} Default: nobody moves.",
    )
    attraction: dict[Name, Name] = Field(
        default_factory=dict,
        description="compartment -> bias expression: a hop into a place is weighted by wander "
        "+ bias x (attractors per unit area there); a negative bias flees them instead. "
        f"{_CUSTOM} Default: none, plain random walks.",
    )
    wander: dict[Name, Name] = Field(
        default_factory=dict,
        description="compartment -> pace expression: the weight of a hop where no attractor "
        "is (0: stand still until attractors are next door). Without attraction it simply "
        f"multiplies the hop rate. {_CUSTOM} Default: 1 for every compartment.",
    )
    attractors: list[Name] = Field(
        default_factory=list,
        description="The compartments whose people per unit area attract (see attraction), "
        f'e.g. ["S"]. {_CUSTOM} Default: none.',
    )
    groups: dict[Name, list[Name]] = Field(
        default_factory=dict,
        description='Reported compartment -> its stages, e.g. { E = ["E1", "E2"] }: results '
        "report the sum as E, and triggers and interventions may name E. "
        f"{_CUSTOM} Default: none.",
    )
    susceptible: list[Name] | None = Field(
        None,
        description="The compartments of those who can still be infected: results' "
        "final_susceptible; clear_outbreak puts people back into the first. "
        f'{_CUSTOM} Default ["S"].',
    )
    infectious: list[Name] | None = Field(
        None,
        description="The infectious compartments: results' peak_infectious, peak_time and "
        f'extinct; clear_outbreak empties them. {_CUSTOM} Default ["Z"].',
    )
    latent: list[Name] | None = Field(
        None,
        description="The compartments of the infected who are not yet infectious: a run is "
        "not extinct while they hold anyone; clear_outbreak empties them. "
        f"{_CUSTOM} Default: none.",
    )

    @model_validator(mode="after")
    def _custom_is_complete(self) -> ModelSpec:
        if self.reactions is not None and not self.compartments:
            raise ValueError("a custom model (with reactions) needs compartments")
        return self


# ------------------------------------------------------------------------------------------------
# Outbreak and characters.
_PLACE = (
    "a place name (a grid cell 'row,col', a room, the well-mixed place's name) or a place "
    "index from 0"
)


class OutbreakSpec(Strict):
    """First cases, put into the world before the run starts."""

    place: Name | Annotated[int, Field(ge=0)] = Field(description=f"Where: {_PLACE}. Required.")
    compartment: Name = Field(
        "Z", description="The compartment of the first cases. Default 'Z' (zombies)."
    )
    count: Count = Field(1, description="How many, a whole number >= 0. Default 1.")
    take_from: Name | None = Field(
        "S",
        description="The compartment they are taken from at that place, which must hold "
        "enough people. Default 'S': humans become the first cases. The same as compartment "
        "(or null in YAML): added on top of the world's people.",
    )


class CharacterSpec(Strict):
    """A named person followed on their own, with parameters of their own."""

    name: Name = Field(
        description="The character's name: letters, digits, '-' or '_', unique. Results "
        "follow them under it."
    )
    place: Name | Annotated[int, Field(ge=0)] = Field(
        description=f"Where they start: {_PLACE}. Required."
    )
    compartment: Name = Field(
        "S",
        description="The compartment they start in; they are taken out of the crowd there if "
        "it has anyone in it. Default 'S'.",
    )
    overrides: dict[Name, Rate] = Field(
        default_factory=dict,
        description="Parameters that differ for this person, e.g. { h = 1 } (bitten, they "
        "become a hybrid): a quantity with its unit, or a number in the parameter's own unit. "
        "Default: none.",
    )
    description: str = Field(
        "", description="Who they are, in a line; kept with the results. Default: none."
    )


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
    "factor": Factor,
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

    start: Time | None = Field(
        None,
        description="When it starts: a time >= 0 (at most 1e12 in its unit), a number in the "
        "model's time unit or a text such as '2 hours'. Default 0, the start of the run. "
        "Give start or trigger, not both.",
    )
    trigger: TriggerSpec | None = Field(  # type: ignore[valid-type]
        None,
        description="Start when a count crosses a threshold instead, e.g. { compartment = "
        '"Z", threshold = 10, region = "floor-3", delay = "5 minutes" }. '
        "Default: none, start at start.",
    )

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
    what = (cls.__doc__ or "").strip().splitlines()[0]
    ordered["kind"] = (Literal[cls.kind], Field(description=f"{cls.kind!r}: {what}"))
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
_RUN_TIME = (
    "a time > 0 (at most 1e12 in its unit), a number in the model's time unit or a text such "
    "as '3 days'"
)
_DEFAULT_LIMITS = Limits()
_RAISE = "A run over it is refused before it starts, naming the key at fault."


class LimitsSpec(Strict):
    """What one run may cost: raise a limit here when a run is refused and you mean it."""

    places: Annotated[int, Field(ge=1)] = Field(
        _DEFAULT_LIMITS.places,
        description="The most places in the world (a grid's rows x columns, a built-in "
        f"world's size). Default {_DEFAULT_LIMITS.places:,}. {_RAISE}",
    )
    memory_gb: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        _DEFAULT_LIMITS.memory_gb,
        description="The most memory, in GiB, that the results (every run's records and "
        "snapshots) and the engine's state may take, by an estimate made before the run. "
        f"Default {_DEFAULT_LIMITS.memory_gb:g}. {_RAISE}",
    )
    records: Annotated[int, Field(ge=1)] = Field(
        _DEFAULT_LIMITS.records,
        description="The most times one run stops at: t_end / record_every records, and as "
        "many trigger checks (t_end / check_every). Default "
        f"{_DEFAULT_LIMITS.records:,}. {_RAISE}",
    )
    steps: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        _DEFAULT_LIMITS.steps,
        description="The most tau leaps of one run: t_end / dt, or for adaptive steps "
        "t_end x the fastest rate a person has / the accuracy (with every intervention in full "
        "effect); an ode step counts as 100 leaps, and ode needs about t_end x that rate / 3 "
        "steps. Default "
        f"{_DEFAULT_LIMITS.steps:g}. {_RAISE}",
    )
    events: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        _DEFAULT_LIMITS.events,
        description="The most events ssa may expect over every run, by an upper bound: "
        "runs x t_end x the sum over places of their people x the fastest rate a person there "
        f"has. Default {_DEFAULT_LIMITS.events:g}. {_RAISE}",
    )


class RunSpec(Strict):
    """How to run: engine, number of histories, end time, steps, seed."""

    engine: Literal[ENGINES] | None = Field(  # type: ignore[valid-type]
        None,
        description="'tau' (fast approximate leaps), 'ssa' (exact, one event at a time) or "
        "'ode' (the mean field, without chance). Default: the built-in world's own, else 'tau'.",
    )
    runs: Annotated[Whole, Field(ge=1, le=10_000_000)] = Field(
        1, description="How many histories, from 1 to 10,000,000. Default 1."
    )
    t_end: Time | None = Field(
        None,
        description=f"When the run ends: {_RUN_TIME}. Default: the built-in world's own end "
        "time; required for other worlds.",
    )
    dt: Time | None = Field(
        None,
        description=f"The tau engine's fixed step: {_RUN_TIME}, at most t_end; ssa and ode "
        "ignore it. A step far above tau's safe one warns, or fails where leaps cannot follow "
        "the model (hyosan run --allow-coarse-dt runs it anyway). Default: the built-in world's "
        "own, else adaptive steps that keep the expected events per step small.",
    )
    record_every: Time | None = Field(
        None,
        description=f"Time between recorded counts: {_RUN_TIME}, at most t_end. Default: the "
        "built-in world's own, else t_end / 100.",
    )
    snapshot_every: Time | None = Field(
        None,
        description=f"Time between per-place maps kept in the results (hyosan plot --kind map): "
        f"{_RUN_TIME}, at most t_end, a multiple of record_every when both are given. Default: "
        "the built-in world's own, else none (no maps).",
    )
    check_every: Time | None = Field(
        None,
        description=f"How often triggers are checked: {_RUN_TIME}, at most t_end. Default: the "
        "built-in world's own, else every step of tau with a fixed dt, else record_every / 10.",
    )
    seed: Annotated[Whole, Field(ge=0, lt=2**128)] | None = Field(
        None,
        description="The random seed, a whole number >= 0: the same seed gives the same "
        "histories, draw for draw. Default: one is drawn, and kept in the results.",
    )
    limits: LimitsSpec = Field(
        default_factory=LimitsSpec,
        description="What one run may cost: places, memory_gb, records, steps, events (a "
        "table; see its keys). Default: each limit's own default.",
    )
    batch: Annotated[Whole, Field(ge=1)] | None = Field(
        None,
        description="Runs per batch; each batch is written to the results file as it finishes, "
        "and the histories are the same in any batching. Default: enough to keep every core "
        "busy, about 20 batches at most.",
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

    name: Name | None = Field(
        None,
        description="The scenario's name, shown by hyosan and kept in the results. Default: the "
        "built-in world's name, else 'grid', 'building' or 'custom'.",
    )
    description: str | None = Field(
        None,
        description="A line about the scenario, kept in the results. Default: the built-in "
        "world's own, else none.",
    )
    world: WorldSpec = Field(
        description="Where it happens: a table with exactly one of builtin, grid, well_mixed "
        'or building, or a built-in world\'s name (world = "seoul"). Required.'
    )
    model: ModelSpec | None = Field(
        None,
        description="What happens: a built-in model by name, or a custom one with compartments "
        "and reactions. Required unless the world is built in (default: the world's own model).",
    )
    outbreak: list[OutbreakSpec] = Field(
        default_factory=list,
        description="The first cases: a table, or a list of them ([[outbreak]]), added in "
        "order after clear_outbreak. Default: none beyond the world's own.",
    )
    characters: list[CharacterSpec] = Field(
        default_factory=list,
        description="Named people followed on their own ([[characters]] tables), added to a "
        "built-in world's own. Default: none.",
    )
    interventions: list[InterventionSpec] = Field(  # type: ignore[valid-type]
        default_factory=list,
        description="What is done about it ([[interventions]] tables, each with its kind: "
        f"{', '.join(INTERVENTION_KINDS)}), added to a built-in world's own. Default: none.",
    )
    run: RunSpec = Field(
        default_factory=RunSpec,
        description="How to run it: engine, runs, end time, steps, seed. Default: the built-in "
        "world's own settings, else tau.",
    )

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
