"""Building what a checked scenario document describes: the Scenario and how to run it.

Each part is built under its key (``with key_prefix("interventions[2]")``), so an error raised
inside, here or anywhere in the library, names the key of the file it concerns; no message is
ever read back to find a key.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hyosan import interventions as iv
from hyosan.errors import HyosanError, key_prefix, suggest
from hyosan.limits import Limits
from hyosan.models.expressions import names_in
from hyosan.models.units import parse_quantity
from hyosan.scenarios.files.reading import apply_overrides, read_document
from hyosan.scenarios.files.schema import (
    FIXED_BY_KIND,
    INTERVENTION_CLASSES,
    RATE_FIELDS,
    TIME_FIELDS,
    CharacterSpec,
    ModelSpec,
    OutbreakSpec,
    ScenarioFile,
    WorldSpec,
    validate_document,
)
from hyosan.scenarios.files.settings import RunSettings, run_settings
from hyosan.scenarios.files.units import model_rate, model_time

_CLASS_OF_KIND = {cls.kind: cls for cls in INTERVENTION_CLASSES}


@dataclass
class LoadedScenario:
    """What a scenario file describes: the Scenario, how to run it, and the document itself."""

    scenario: Any
    settings: RunSettings
    document: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    """What the ``world`` key gives: places, and for a built-in world its own model, characters,
    interventions, end time and run defaults."""

    places: Any
    name: str = "custom"
    model: Any = None
    characters: tuple[Any, ...] = ()
    interventions: tuple[Any, ...] = ()
    t_end: float | None = None
    description: str = ""
    run_defaults: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
def build(document: Mapping[str, Any], where: str = "scenario") -> LoadedScenario:
    """Validate a document and build the Scenario and run settings it describes."""
    spec = validate_document(document, where)
    try:
        return build_spec(spec)
    except HyosanError as error:
        error.source = f"{where}: {error.source}" if error.source else where
        raise


def load_file(path: str | Path, overrides: list[str] | None = None) -> LoadedScenario:
    """Read, override (``--set``), validate and build a scenario file."""
    document, _, _ = read_document(path)
    document = apply_overrides(document, overrides or [])
    return build(document, where=f"scenario file {str(path)!r}")


def build_spec(spec: ScenarioFile) -> LoadedScenario:
    """The Scenario and run settings of a checked document."""
    from hyosan.scenarios.scenario import Scenario

    limits = Limits.of(spec.run.limits.model_dump())
    with key_prefix("world"):
        _check_size(spec.world, limits)
        world = build_world(spec.world)
    with key_prefix("model"):
        model = build_model(spec.model, world.model)
    places = world.places
    if spec.world.clear_outbreak:
        places = _clear_outbreak(places, model)
    _check_counts(places, model, spec.world)
    for k, outbreak in enumerate(spec.outbreak):
        with key_prefix(f"outbreak[{k}]"):
            places = _add_outbreak(places, model, outbreak)
    characters = list(world.characters)
    for k, character in enumerate(spec.characters):
        with key_prefix(f"characters[{k}]"):
            characters.append(_build_character(character, places, model, characters))
    interventions = []
    for k, item in enumerate(spec.interventions):
        with key_prefix(f"interventions[{k}]"):
            interventions.append(build_intervention(item, model))
    settings = run_settings(spec.run, model, world.t_end, world.run_defaults)
    scenario = Scenario(
        model=model,
        places=places,
        characters=characters,
        interventions=[*world.interventions, *interventions],
        name=spec.name or world.name,
        description=spec.description or world.description,
        t_end=settings.t_end,
    )
    _check_resolves(scenario, len(world.interventions))
    document = spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return LoadedScenario(scenario, settings, document)


def _check_resolves(scenario: Any, n_own: int) -> None:
    """Compile once and resolve the interventions, so that `validate` finds what `run` would.

    The world's own interventions and the file's are resolved apart, so that the keys of the
    plan's errors (``interventions[k].zone``) are the file's keys.
    """
    from hyosan.interventions import InterventionPlan

    net = scenario.compile()
    own, given = scenario.interventions[:n_own], scenario.interventions[n_own:]
    try:
        InterventionPlan(dataclasses.replace(scenario, interventions=own), net, 1, 0)
    except HyosanError as error:
        raise HyosanError(f"built-in {error}", key="world") from None
    InterventionPlan(dataclasses.replace(scenario, interventions=given), net, 1, 0)


# ------------------------------------------------------------------------------------------------
# The world.
def build_world(spec: WorldSpec) -> World:
    """The places (and a built-in world's own model, characters, ...) of the ``world`` key."""
    from hyosan.places.builders import building, grid, well_mixed

    if spec.builtin is not None:
        return _builtin_world(spec)
    if spec.grid is not None:
        g = spec.grid
        regions = None
        if g.region_blocks is not None:
            rows, cols = g.shape
            br, bc = g.region_blocks
            if br > rows or bc > cols:
                raise HyosanError(
                    f"{list(g.region_blocks)} is more blocks than cells {list(g.shape)}",
                    key="grid.region_blocks",
                )
            rr = np.arange(rows)[:, None] * br // rows
            cc = np.arange(cols)[None, :] * bc // cols
            regions = np.char.add(np.char.add("r", (rr + 0 * cc).astype(str)), "c")
            regions = np.char.add(regions, (cc + 0 * rr).astype(str))
        with key_prefix("grid"):
            places = grid(
                g.shape,
                dict(g.counts),
                periodic=g.periodic,
                cell_area=g.cell_area,
                cell_size=g.cell_size,
                hop_weight=g.hop_weight,
                regions=regions,
            )
        return World(places, name="grid")
    if spec.well_mixed is not None:
        w = spec.well_mixed
        with key_prefix("well_mixed"):
            return World(well_mixed(dict(w.counts), area=w.area, name=w.name))
    assert spec.building is not None
    with key_prefix("building"):
        rooms = [room.model_dump(exclude_none=True) for room in spec.building.rooms]
        doors = [door.model_dump() for door in spec.building.doors]
        return World(building(rooms, doors), name="building")


def _check_size(spec: WorldSpec, limits: Limits) -> None:
    """Refuse a world over ``limits.places`` before building it (a grid's shape, a built-in
    world's size option), so that a huge world fails at once, not after minutes and gigabytes."""
    from hyosan import scenarios
    from hyosan.run.preflight import check_places

    if spec.grid is not None:
        check_places(spec.grid.shape[0] * spec.grid.shape[1], limits, "grid.shape")
    elif spec.building is not None:
        check_places(len(spec.building.rooms), limits, "building.rooms")
    elif spec.builtin is not None and spec.builtin in scenarios.names():
        estimate = scenarios.places_of(spec.builtin, dict(spec.options))
        if estimate is not None:  # the options decide the size: name the one given
            named = [key for key in spec.options if key in ("size", "resolution", "shape")]
            check_places(estimate, limits, f"options.{named[0]}" if named else "builtin")


def _builtin_world(spec: WorldSpec) -> World:
    from hyosan import scenarios

    assert spec.builtin is not None
    with key_prefix("builtin"):
        builder = scenarios.builder(spec.builtin)
    accepted = inspect.signature(builder).parameters
    options = dict(spec.options)
    for key, value in spec.options.items():
        if key not in accepted:
            raise HyosanError(
                f"built-in world {spec.builtin!r} has no "
                + suggest(key, accepted, "option", lead=""),
                key=f"options.{key}",
            )
        default = accepted[key].default
        if default is not inspect.Parameter.empty and default is not None:
            if isinstance(default, (int, float)) and (
                isinstance(value, (bool, str)) or isinstance(default, bool)
            ):
                raise HyosanError(
                    f"expected a {type(default).__name__}, got {value!r}", key=f"options.{key}"
                )
            if isinstance(default, int) and not isinstance(default, bool):
                if value != int(value) or not 0 <= value <= 100_000:
                    raise HyosanError(
                        f"expected a whole number from 0 to 100000, got {value!r}",
                        key=f"options.{key}",
                    )
                options[key] = int(value)
    with _option_errors(options):
        built = builder(**options)
    return World(
        places=built.places,
        name=built.name,
        model=built.model,
        characters=tuple(built.characters),
        interventions=tuple(built.interventions),
        t_end=built.t_end,
        description=built.description,
        run_defaults=dict(getattr(built, "extra", {}).get("simulate", {})),
    )


@contextmanager
def _option_errors(options: Mapping[str, Any]) -> Iterator[None]:
    """A builder's errors name ``options``; a TypeError or ValueError there is a bad option too."""
    try:
        with key_prefix("options"):
            yield
    except HyosanError:
        raise
    except (TypeError, ValueError) as error:
        raise HyosanError(f"{error} (options {dict(options)!r})", key="options") from None


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
            lacks = suggest(comp, model.compartments, "compartment", lead="")
            if spec.builtin:
                raise HyosanError(
                    f"the world {spec.builtin!r} has people in compartment {comp!r}, "
                    f"but model {model.name!r} has no {lacks}",
                    key="model",
                )
            kind = next(k for k in ("grid", "well_mixed", "building") if getattr(spec, k))
            raise HyosanError(
                f"model {model.name!r} has no {lacks}", key=f"world.{kind}.counts.{comp}"
            )


# ------------------------------------------------------------------------------------------------
# The model.
def build_model(spec: ModelSpec | None, world_model: Any) -> Any:
    """The ``model`` key's model: custom (with reactions), built in by name, or the world's own."""
    from hyosan.models.library import BUILT_IN

    if spec is None:
        if world_model is None:
            raise HyosanError(
                "required for a grid, well_mixed or building world "
                f'(e.g. model = {{ name = "szr" }}; built in: {", ".join(BUILT_IN)})'
            )
        return world_model
    if spec.reactions is not None:
        return _custom_model(spec)
    return _builtin_model(spec, world_model)


def _custom_model(spec: ModelSpec) -> Any:
    from hyosan.models.spec import Model, Parameter, Reaction

    assert spec.reactions is not None and spec.compartments is not None
    _check_signs(
        spec.parameters,
        [r.rate for r in spec.reactions]
        + list(spec.mobility.values())
        + list(spec.wander.values()),
        list(spec.attraction.values()),
    )
    parameters = {}
    for key, value in spec.parameters.items():
        with key_prefix(f"parameters.{key}"):
            parameters[key] = Parameter.of(value)
    optional = {
        k: tuple(v) if isinstance(v, list) else v
        for k in ("time_unit", "contact", "population", "susceptible", "infectious", "latent")
        if (v := getattr(spec, k)) is not None
    }
    _check_reactions(spec, parameters, optional.get("time_unit", "hour"))
    try:
        return Model(
            name=spec.name or "custom",
            compartments=tuple(spec.compartments),
            reactions=tuple(
                Reaction(r.name, r.equation, r.rate, groups=r.groups) for r in spec.reactions
            ),
            parameters=parameters,
            mobility=dict(spec.mobility),
            attraction=dict(spec.attraction),
            wander=dict(spec.wander),
            attractors=tuple(spec.attractors),
            groups={k: tuple(v) for k, v in spec.groups.items()},
            **optional,
        )
    except OverflowError:
        raise HyosanError("a rate is too large to compute", key="reactions") from None


def _check_reactions(spec: ModelSpec, parameters: Mapping[str, Any], time_unit: str) -> None:
    """Each reaction's equation (at most MAX_ORDER people a side) and rate (a finite real
    number), checked under its own key before the model checks them all."""
    from hyosan.models.expressions import evaluate
    from hyosan.models.spec import Reaction
    from hyosan.models.units import conversion

    values = {}
    for name, parameter in parameters.items():
        with key_prefix(f"parameters.{name}"):
            values[name] = parameter.value * conversion(parameter.unit, time_unit)
    assert spec.reactions is not None
    for k, item in enumerate(spec.reactions):
        reaction = Reaction(item.name, item.equation, item.rate)
        with key_prefix(f"reactions[{k}].equation"):
            reaction.sides  # noqa: B018 - parsing is the check
        with key_prefix(f"reactions[{k}].rate"):
            if all(name in values for name in names_in(item.rate, f"reaction {item.name!r}")):
                evaluate(item.rate, values, f"reaction {item.name!r}")


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
            "only a custom model (with reactions) sets it; "
            "a built-in model is changed through parameters and options",
            key=custom_only[0],
        )
    if spec.name is not None:
        if spec.name not in BUILT_IN:
            raise HyosanError(
                suggest(spec.name, BUILT_IN, "model")
                + "; or give compartments and reactions for a custom model",
                key="name",
            )
        builder = BUILT_IN[spec.name]
        accepted = inspect.signature(builder).parameters
        for key in spec.options:
            if key not in accepted:
                raise HyosanError(
                    f"model {spec.name!r} has no " + suggest(key, accepted, "option", lead=""),
                    key=f"options.{key}",
                )
        with _option_errors(spec.options):
            model = builder(
                **spec.options,
                **({"time_unit": spec.time_unit} if spec.time_unit else {}),
            )
    elif world_model is not None:
        if spec.options or spec.time_unit:
            raise HyosanError("options and time_unit need a model name")
        model = world_model
    else:
        raise HyosanError(f"missing; built-in models: {', '.join(BUILT_IN)}", key="name")
    if spec.contact is not None:
        raise HyosanError("only a custom model (with reactions) sets it", key="contact")
    for key in spec.parameters:
        if key not in model.parameters:
            raise HyosanError(
                f"model {model.name!r} has no "
                + suggest(key, model.parameters, "parameter", lead=""),
                key=f"parameters.{key}",
            )
    _check_signs(
        spec.parameters,
        [r.rate for r in model.reactions]
        + list(model.mobility.values())
        + list(model.wander.values()),
        list(model.attraction.values()),
    )
    for key, value in spec.parameters.items():
        with key_prefix(f"parameters.{key}"):
            model = model.with_parameters(**{key: value})
    return model


def _check_signs(given: Mapping[str, Any], rates: list[str], biases: list[str]) -> None:
    """Rates cannot be negative; only a parameter used solely in attraction biases may be."""
    from hyosan.models.expressions import names_in

    used: set[str] = set()
    for expression in rates:
        with key_prefix("reactions"):
            used |= names_in(expression, f"rate {expression!r}")
    bias_only: set[str] = set()
    for expression in biases:
        with key_prefix("attraction"):
            bias_only |= names_in(expression, f"attraction {expression!r}")
    bias_only -= used
    for key, value in given.items():
        number = parse_quantity(value)[0] if isinstance(value, str) else float(value)
        if number < 0 and key not in bias_only:
            raise HyosanError(f"a rate must be >= 0, got {value!r}", key=f"parameters.{key}")


# ------------------------------------------------------------------------------------------------
# Outbreak and characters (keys relative to their item, e.g. ``place`` of ``outbreak[0]``).
def _no_compartment(model: Any, comp: str) -> str:
    lacks = suggest(comp, model.compartments, "compartment", lead="")
    return f"model {model.name!r} has no {lacks}"


def _add_outbreak(places: Any, model: Any, spec: OutbreakSpec) -> Any:
    for key in ("compartment", "take_from"):
        comp = getattr(spec, key)
        if comp is not None and comp not in model.compartments:
            raise HyosanError(_no_compartment(model, comp), key=key)
    with key_prefix("place"):
        i = places.index(spec.place)
    if spec.take_from is not None and spec.take_from != spec.compartment:
        there = int(places.counts.get(spec.take_from, np.zeros(places.n_places))[i])
        if there < spec.count:
            raise HyosanError(
                f"{spec.count} {spec.compartment} from {spec.take_from!r} at "
                f"{spec.place!r}, which has only {there}; lower count, or set "
                f'take_from = "{spec.compartment}" to add them on top',
                key="count",
            )
    return places.with_outbreak(spec.place, spec.compartment, spec.count, spec.take_from)


def _build_character(spec: CharacterSpec, places: Any, model: Any, others: list[Any]) -> Any:
    """A character of the file, checked as `compile` would check it (so its errors have a key)."""
    from hyosan.models.compiler import compile_model
    from hyosan.models.spec import Character

    with key_prefix("place"):
        places.index(spec.place)
    if spec.compartment not in model.compartments:
        raise HyosanError(_no_compartment(model, spec.compartment), key="compartment")
    if spec.name in [other.name for other in others]:
        raise HyosanError(f"another character is already named {spec.name!r}", key="name")
    overrides = {}
    for key, value in spec.overrides.items():
        if key not in model.parameters:
            raise HyosanError(
                f"model {model.name!r} has no "
                + suggest(key, model.parameters, "parameter", lead=""),
                key=f"overrides.{key}",
            )
        with key_prefix(f"overrides.{key}"):
            overrides[key] = model_rate(value, model, key)
    place = spec.place if isinstance(spec.place, str) else places.names[spec.place]
    character = Character(spec.name, place, spec.compartment, overrides, spec.description)
    compile_model(model, [character])  # e.g. an override that makes a rate negative
    return character


# ------------------------------------------------------------------------------------------------
# Interventions: the dataclass of the item's kind, its times and rates in the model's unit.
def build_intervention(spec: Any, model: Any) -> iv.Intervention:
    """The intervention of one ``interventions`` item (errors keyed relative to the item)."""
    cls = _CLASS_OF_KIND[spec.kind]
    parameter = None
    if issubclass(cls, iv.SetParameter):
        parameter = _parameter_set(spec, cls, model)
    start: Any = model_time(spec.start, model) or 0.0
    if spec.trigger is not None:
        with key_prefix("trigger"):
            start = iv.Trigger(**_python_values(spec.trigger, model, None))
    with_units = _python_values(spec, model, parameter, skip=("kind", "start", "trigger"))
    if parameter is not None:
        with_units["parameter"] = parameter
        # set_parameter may set an attraction bias, which can be negative; cull and cure not
        if with_units["value"] < 0 and cls is not iv.SetParameter:
            raise HyosanError(f"a rate must be >= 0, got {spec.value!r}", key="value")
    return cls(start=start, **with_units)


def _parameter_set(spec: Any, cls: type, model: Any) -> str:
    """The parameter a set_parameter, cull or cure sets; the model must have it."""
    parameter: str = getattr(spec, "parameter", None) or _default(cls, "parameter")
    if parameter not in model.parameters:
        if spec.kind in FIXED_BY_KIND:
            raise HyosanError(
                f"{spec.kind} sets parameter {parameter!r}, which model {model.name!r} "
                f"does not have (parameters: {', '.join(model.parameters)})",
                key="kind",
            )
        raise HyosanError(
            f"model {model.name!r} has no "
            + suggest(parameter, model.parameters, "parameter", lead=""),
            key="parameter",
        )
    return parameter


def _python_values(
    spec: Any, model: Any, parameter: str | None, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A file item's values as its dataclass takes them: times and rates in the model's unit,
    lists as tuples."""
    values: dict[str, Any] = {}
    for name in type(spec).model_fields:
        if name in skip:
            continue
        value = getattr(spec, name)
        with key_prefix(name):
            if name in TIME_FIELDS:
                value = model_time(value, model)
            elif name in RATE_FIELDS:
                value = model_rate(value, model, parameter)
            elif isinstance(value, list):
                value = tuple(value)
        values[name] = value
    return values


def _default(cls: type, name: str) -> Any:
    return {f.name: f.default for f in dataclasses.fields(cls)}[name]
