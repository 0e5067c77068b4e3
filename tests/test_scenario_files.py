"""Scenario files: TOML and YAML build the Python API's objects; every bad input names its key."""

import dataclasses
import inspect
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyosan import Scenario
from hyosan.errors import HyosanError, ModelError, key_prefix
from hyosan.interventions import (
    Bomb,
    CloseLinks,
    Cull,
    Cure,
    Evacuate,
    ScaleLinks,
    SetParameter,
    Trigger,
)
from hyosan.scenarios import files

TOML = """
name = "small-town"
description = "a 6x6 town"

[world.grid]
shape = [6, 6]
counts = { S = 10 }
region_blocks = [2, 2]

[model]
name = "szr"
parameters = { beta = "0.2/hour", kappa = 0.01, hop = "12/day" }

[[outbreak]]
place = "3,3"
compartment = "Z"
count = 2

[[characters]]
name = "cheong-san"
place = "0,0"

[[interventions]]
kind = "close_links"
group = "grid"
trigger = { compartment = "Z", threshold = 20, delay = "30 minutes" }
duration = "1 day"

[run]
engine = "ssa"
runs = 3
t_end = "2 days"
seed = 7
snapshot_every = 6
"""

YAML = """
name: small-town
description: a 6x6 town
world:
  grid: {shape: [6, 6], counts: {S: 10}, region_blocks: [2, 2]}
model:
  name: szr
  parameters: {beta: 0.2/hour, kappa: 0.01, hop: 12/day}
outbreak:
  - {place: "3,3", compartment: Z, count: 2}
characters:
  - {name: cheong-san, place: "0,0"}
interventions:
  - kind: close_links
    group: grid
    trigger: {compartment: Z, threshold: 20, delay: 30 minutes}
    duration: 1 day
run: {engine: ssa, runs: 3, t_end: 2 days, seed: 7, snapshot_every: 6}
"""


def small(**changes):
    """A valid document of a 4x4 grid; ``changes`` replace its top-level keys."""
    document = {
        "world": {"grid": {"shape": [4, 4], "counts": {"S": 5}}},
        "model": {"name": "szr"},
        "outbreak": [{"place": "1,1"}],
        "run": {"t_end": 10, "engine": "ssa"},
    }
    document.update(changes)
    return document


def error_of(document) -> str:
    with pytest.raises(HyosanError) as caught:
        files.build(document)
    return str(caught.value)


def test_toml_builds_the_python_objects(tmp_path):
    path = tmp_path / "town.toml"
    path.write_text(TOML)
    loaded = files.load_file(path)
    scenario = loaded.scenario
    assert isinstance(scenario, Scenario)
    assert scenario.name == "small-town"
    assert scenario.places.n_places == 36
    assert scenario.places.regions == ["r0c0", "r0c1", "r1c0", "r1c1"]
    assert scenario.places.counts["Z"][scenario.places.index("3,3")] == 2
    assert scenario.places.total("S") == 36 * 10 - 2
    params = scenario.model.parameters
    assert (params["beta"].value, params["beta"].unit) == (0.2, "1/hour")
    assert params["kappa"].unit == "1/hour"  # a bare number keeps the parameter's unit
    assert scenario.model.values()["hop"] == pytest.approx(0.5)  # 12/day in the model's hours
    assert scenario.characters[0].name == "cheong-san"
    (close,) = scenario.interventions
    assert isinstance(close, CloseLinks)
    assert close.start == Trigger("Z", 20.0, None, 0.5, False)
    assert close.duration == 24.0
    settings_ = loaded.settings
    assert (settings_.engine, settings_.runs, settings_.t_end, settings_.seed) == ("ssa", 3, 48, 7)
    # snapshots every 6 hours fall on record times
    assert 6 / settings_.record_every == pytest.approx(round(6 / settings_.record_every))


def test_yaml_and_toml_give_the_same_scenario(tmp_path):
    pytest.importorskip("yaml")
    (tmp_path / "a.toml").write_text(TOML)
    (tmp_path / "a.yaml").write_text(YAML)
    a = files.load_file(tmp_path / "a.toml")
    b = files.load_file(tmp_path / "a.yaml")
    assert a.scenario.describe() == b.scenario.describe()
    assert a.settings == b.settings


def test_builtin_world_by_name_with_options_and_parameters():
    loaded = files.build(
        {
            "world": {"builtin": "szr-lattice", "options": {"size": 9}, "clear_outbreak": True},
            "model": {"parameters": {"beta": "0.1/hour"}},
            "outbreak": {"place": "0,0", "count": 3},
            "interventions": [{"kind": "bomb", "zone": "0,1", "fraction": 0.5, "start": 2}],
        }
    )
    places = loaded.scenario.places
    assert places.n_places == 81
    assert places.total("Z") == 3 and places.counts["Z"][0] == 3  # the world's own case cleared
    assert loaded.settings.t_end == 200.0  # the built-in world's own end time
    assert loaded.scenario.model.parameters["beta"].value == 0.1


def test_units_of_interventions_are_converted_to_the_model_time_unit():
    loaded = files.build(
        small(
            model={"name": "jonas"},
            world={"grid": {"shape": [2, 2], "counts": {"S": 5}}},
            outbreak=[],
            interventions=[
                {"kind": "cull", "value": "24/day", "zone": "0,0", "start": "90 minutes"}
            ],
        )
    )
    (cull,) = loaded.scenario.interventions
    assert isinstance(cull, Cull)
    assert cull.value == pytest.approx(1.0)  # 24/day is 1/hour
    assert cull.start == pytest.approx(1.5)
    assert cull.zone == "0,0"


def test_overrides_set_keys_lists_and_types():
    document = files.apply_overrides(
        small(),
        [
            "run.runs=8",
            "model.parameters.beta=0.3/hour",
            "outbreak[0].count=2",
            "outbreak[1].place=0,0",
            "run.engine=ode",
        ],
    )
    assert document["run"]["runs"] == 8
    assert document["model"]["parameters"]["beta"] == "0.3/hour"
    assert document["outbreak"] == [{"place": "1,1", "count": 2}, {"place": "0,0"}]
    loaded = files.build(document)
    assert loaded.settings.runs == 8 and loaded.settings.engine == "ode"
    with pytest.raises(HyosanError, match="key=value"):
        files.apply_overrides(small(), ["run.runs"])
    with pytest.raises(HyosanError, match=r"outbreak\[5\].*past the end"):
        files.apply_overrides(small(), ["outbreak[5].place=0,0"])


def test_schema_is_json_and_forbids_unknown_keys():
    schema = files.schema()
    json.dumps(schema)
    assert schema["additionalProperties"] is False
    assert {"world", "model", "run", "interventions"} <= set(schema["properties"])


def _properties(node, where="#"):
    """(path, schema) of every property of every object in a JSON Schema, however nested."""
    if isinstance(node, dict):
        for key, value in (node.get("properties") or {}).items():
            yield f"{where}.{key}", value
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _properties(value, f"{where}[{k}]")


def test_every_key_of_the_schema_says_what_it_is():
    schema = files.schema()
    found = dict(_properties(schema))
    assert len(found) > 100  # the walk reaches the $defs (worlds, model, interventions, run)
    undescribed = [
        path
        for path, prop in found.items()
        if not (isinstance(prop, dict) and str(prop.get("description", "")).strip())
    ]
    assert not undescribed, f"{len(undescribed)} keys without a description: {undescribed}"
    # the Python classes carry the same words as the file's keys
    cull = {f.name: f.metadata.get("description") for f in dataclasses.fields(Cull)}
    assert schema["$defs"]["CullSpec"]["properties"]["value"]["description"] == cull["value"]
    assert all(f.metadata.get("description") for f in dataclasses.fields(Trigger))


def test_schema_as_markdown_lists_every_table_and_key():
    text = files.schema_markdown()
    assert "## `[world.grid]`" in text and '## `[[interventions]] kind = "cull"`' in text
    assert "## `[[world.building.rooms]]`" in text and "## `[interventions.trigger]`" in text
    assert "- **shape** ([whole number, whole number], required): [rows, columns]" in text
    definitions = files.schema()["$defs"]
    keys = sum(len(d.get("properties", {})) for d in definitions.values())
    assert text.count("\n- **") == keys + len(files.schema()["properties"])


# ------------------------------------------------------------------------------------------------
# One test per kind of bad input: the message names the key (and the value).
def test_wrong_type_names_key_and_value():
    message = error_of(small(run={"runs": "many", "t_end": 10}))
    assert "run.runs" in message and "'many'" in message and "integer" in message


def test_unknown_key_names_key_and_suggests():
    message = error_of(small(run={"rnus": 3, "t_end": 10}))
    assert "run.rnus: unknown key" in message and "'runs'" in message
    assert "modle: unknown key" in error_of({**small(), "modle": {}})


def test_negative_rate_names_key_and_value():
    message = error_of(small(model={"name": "szr", "parameters": {"beta": "-0.5/hour"}}))
    assert "model.parameters.beta" in message and "-0.5/hour" in message and ">= 0" in message
    message = error_of(
        small(model={"name": "jonas"}, outbreak=[], interventions=[{"kind": "cull", "value": -2}])
    )
    assert "interventions[0]" in message and "-2" in message


def test_unknown_place_names_key_and_suggests():
    message = error_of(small(outbreak=[{"place": "1,9"}]))
    assert "outbreak[0].place" in message and "'1,9'" in message
    message = error_of(small(characters=[{"name": "su-hyeok", "place": "lab"}]))
    assert "characters[0].place" in message and "'lab'" in message
    zone = small(
        model={"name": "jonas"},
        outbreak=[],
        interventions=[{"kind": "cull", "value": 1, "zone": "nowhere"}],
    )
    assert "interventions[0].zone" in error_of(zone)


def test_unknown_compartment_names_key_and_suggests():
    message = error_of(small(outbreak=[{"place": "1,1", "compartment": "Q"}]))
    assert "outbreak[0].compartment" in message and "'Q'" in message and "'Z'" in message
    trigger = {"compartment": "X", "threshold": 3}
    message = error_of(small(interventions=[{"kind": "close_links", "group": "grid",
                                             "trigger": trigger}]))  # fmt: skip
    assert "interventions[0].trigger.compartment" in message and "'X'" in message
    message = error_of(small(world={"grid": {"shape": [2, 2], "counts": {"Q": 1}}}))
    assert "world.grid.counts.Q" in message


def test_other_bad_values_name_their_keys():
    cases = {
        "run.engine": {"run": {"engine": "tua", "t_end": 1}},
        "run.t_end": {"run": {"t_end": "3 parsecs"}},
        "model.parameters.beta": {"model": {"name": "szr", "parameters": {"beta": "1/fortnight"}}},
        "model.parameters.betta": {"model": {"name": "szr", "parameters": {"betta": 1}}},
        "model.name": {"model": {"name": "szrr"}},
        "interventions[0].kind": {"interventions": [{"kind": "close_link", "group": "grid"}]},
        "interventions[0].group": {"interventions": [{"kind": "close_links", "group": "gird"}]},
        "world.builtin": {"world": "szr-latice"},
        "world.options.sise": {"world": {"builtin": "szr-lattice", "options": {"sise": 3}}},
        "world.grid.shape": {"world": {"grid": {"shape": [0, 2], "counts": {}}}},
    }
    for key, change in cases.items():
        message = error_of(small(**change))
        assert key in message, (key, message)


def test_a_file_that_is_not_toml_or_yaml(tmp_path):
    binary = tmp_path / "results.nc"
    binary.write_bytes(b"\x89HDF\r\n\x1a\n\x00\x00")
    with pytest.raises(HyosanError, match=r"results.nc.*\.toml, \.yaml or \.yml"):
        files.load_file(binary)
    broken = tmp_path / "broken.toml"
    broken.write_text('world = "szr-lattice"\nrun = { runs = }\n')
    with pytest.raises(HyosanError, match=r"broken.toml.*not valid TOML.*line 2"):
        files.load_file(broken)
    pytest.importorskip("yaml")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a sentence\n")
    with pytest.raises(HyosanError, match="expected a table of keys"):
        files.load_file(scalar)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("world: [unclosed\n")
    with pytest.raises(HyosanError, match="not valid YAML"):
        files.load_file(bad_yaml)


# ------------------------------------------------------------------------------------------------
# Random documents: a valid scenario or a clean HyosanError, never anything else. Documents are
# drawn mostly well-formed (so that deep checks run: places, compartments, interventions), then
# mutated: a value replaced by junk, a key deleted, an unknown key added.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 100),
    st.just(2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(-1, 4), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
compartment = st.sampled_from(["S", "Z", "R", "S", "Z", "E", "H", "I", "Q"])
quantity = st.one_of(
    st.floats(0, 2),
    st.sampled_from(["0.5/hour", "2 per day", "30 minutes", "3 days", "2"]),
    st.sampled_from(["-1/day", "abc", "1e400", "-0.5", "1/fortnight"]),
)
time = st.one_of(st.integers(1, 48), st.sampled_from(["1 day", "12 hours", "-3 hours"]))
place = st.sampled_from(["0,0", "1,1", "2,3", "9,9", "world", "lab", "hall"])
counts = st.dictionaries(compartment, st.integers(0, 30), min_size=1, max_size=3)
world = st.one_of(
    st.just("szr-lattice"),
    st.fixed_dictionaries(
        {
            "builtin": st.just("szr-lattice"),
            "options": st.fixed_dictionaries(
                {"size": st.integers(1, 5)}, optional={"humans_per_cell": st.integers(0, 9)}
            ),
        },
        optional={"clear_outbreak": st.booleans()},
    ),
    st.fixed_dictionaries(
        {
            "grid": st.fixed_dictionaries(
                {"shape": st.lists(st.integers(1, 4), min_size=2, max_size=2), "counts": counts},
                optional={
                    "periodic": st.booleans(),
                    "region_blocks": st.lists(st.integers(1, 3), min_size=2, max_size=2),
                },
            )
        }
    ),
    st.fixed_dictionaries({"well_mixed": st.fixed_dictionaries({"counts": counts})}),
    st.fixed_dictionaries(
        {
            "building": st.fixed_dictionaries(
                {
                    "rooms": st.lists(
                        st.fixed_dictionaries(
                            {"name": st.sampled_from(["lab", "hall", "roof"])},
                            optional={
                                "counts": counts,
                                "area": st.floats(0.1, 50),
                                "region": place,
                            },
                        ),
                        min_size=1,
                        max_size=3,
                    )
                },
                optional={
                    "doors": st.lists(
                        st.fixed_dictionaries({"a": place, "b": place}, optional={"group": place}),
                        max_size=2,
                    )
                },
            )
        }
    ),
)
parameter = st.sampled_from(["beta", "kappa", "hop", "mu", "tau", "h", "gamma", "noise_bias"])
model = st.one_of(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["szr", "sir", "seir", "sizr", "jonas"])},
        optional={
            "parameters": st.dictionaries(parameter, quantity, max_size=3),
            "options": st.dictionaries(st.sampled_from(["stages", "beta"]), st.integers(-1, 4)),
        },
    ),
    st.fixed_dictionaries(
        {
            "compartments": st.lists(compartment, min_size=1, max_size=3, unique=True),
            "reactions": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from(["a", "b"]),
                        "equation": st.sampled_from(["S + Z -> 2 Z", "Z -> R", "S ->", "x"]),
                        "rate": st.sampled_from(["k", "k / 0", "2 * k", "import os", "k ** 999"]),
                    }
                ),
                max_size=2,
            ),
            "parameters": st.dictionaries(st.just("k"), quantity, max_size=1),
        },
        optional={
            "infectious": st.lists(compartment, max_size=1),
            "mobility": st.dictionaries(compartment, st.just("k"), max_size=1),
        },
    ),
)
kinds = ["close_links", "scale_links", "set_parameter", "cull", "cure", "bomb", "evacuate"]
intervention = st.fixed_dictionaries(
    {"kind": st.sampled_from(kinds)},
    optional={
        "group": st.sampled_from(["grid", "doors", "x"]),
        "value": quantity,
        "factor": st.floats(0, 2),
        "zone": st.one_of(place, st.lists(place, min_size=1, max_size=2)),
        "start": time,
        "duration": time,
        "ramp": time,
        "trigger": st.fixed_dictionaries(
            {"compartment": compartment, "threshold": st.integers(0, 50)},
            optional={"delay": time, "region": place, "below": st.booleans()},
        ),
        "fraction": st.floats(0, 1),
        "to_place": place,
        "parameter": parameter,
        "compartments": st.lists(compartment, min_size=1, max_size=2),
    },
)
run = st.fixed_dictionaries(
    {"t_end": time},
    optional={
        "engine": st.sampled_from(["ssa", "ode", "tau"]),
        "runs": st.integers(1, 5),
        "dt": time,
        "record_every": time,
        "snapshot_every": time,
        "seed": st.integers(0, 2**64),
    },
)
base_documents = st.fixed_dictionaries(
    {"world": world, "model": model, "run": run},
    optional={
        "name": st.text(max_size=8),
        "outbreak": st.lists(
            st.fixed_dictionaries(
                {"place": place},
                optional={"compartment": compartment, "count": st.integers(0, 40)},
            ),
            max_size=2,
        ),
        "characters": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["namra", "bad name!"]), "place": place},
                optional={
                    "compartment": compartment,
                    "overrides": st.dictionaries(parameter, quantity, max_size=2),
                },
            ),
            max_size=2,
        ),
        "interventions": st.lists(intervention, max_size=2),
    },
)


def _paths(node, prefix=()):
    """Every key path of a document, leaves and tables alike."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, (dict, list)):
            yield from _paths(value, (*prefix, key))


@st.composite
def documents(draw):
    document = draw(base_documents)
    for _ in range(draw(st.integers(0, 2))):
        paths = list(_paths(document))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["junk", "delete", "unknown key"]))
        if action == "junk":
            parent[path[-1]] = draw(junk)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=4))] = draw(junk)
    return document


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents())
def test_random_documents_give_a_scenario_or_a_clean_error(document):
    try:
        loaded = files.build(document)
    except HyosanError as error:
        assert str(error).strip()
        return
    assert isinstance(loaded.scenario, Scenario)
    assert loaded.settings.t_end > 0
    json.dumps(loaded.document)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["toml", "yaml"]))
def test_random_text_gives_a_document_or_a_clean_error(text, fmt):
    if fmt == "yaml":
        pytest.importorskip("yaml")
    try:
        document = files.parse_text(text, fmt)
        files.build(document)
    except HyosanError:
        pass


# ------------------------------------------------------------------------------------------------
# Errors carry their key apart from the message; the schema follows the interventions' classes.
def test_errors_carry_the_key_apart_from_the_message():
    document = small(
        model={"name": "jonas"},
        outbreak=[],
        interventions=[{"kind": "cull", "value": 1, "zone": "nowhere"}],
    )
    with pytest.raises(HyosanError) as caught:
        files.build(document, where="scenario file 'town.toml'")
    error = caught.value
    assert error.key == "interventions[0].zone"
    assert error.source == "scenario file 'town.toml'"
    assert error.message.startswith("unknown region or place 'nowhere'")
    assert str(error) == f"scenario file 'town.toml': interventions[0].zone: {error.message}"
    with pytest.raises(HyosanError) as caught:
        files.build(small(run={"rnus": 3, "t_end": 10}))
    assert caught.value.key == "run.rnus"


def test_key_prefix_puts_the_outer_key_in_front():
    with pytest.raises(ModelError) as caught, key_prefix("interventions[2]"):
        raise ModelError("must be >= 0", key="start")
    assert caught.value.key == "interventions[2].start"
    assert str(caught.value) == "interventions[2].start: must be >= 0"
    with pytest.raises(HyosanError) as caught, key_prefix("outbreak"), key_prefix("[1]"):
        raise HyosanError("no such place")
    assert str(caught.value) == "outbreak[1]: no such place"


def test_schema_follows_the_intervention_dataclasses():
    definitions = files.schema()["$defs"]
    for cls in (CloseLinks, ScaleLinks, SetParameter, Cull, Cure, Bomb, Evacuate):
        spec = definitions[f"{cls.__name__}Spec"]
        assert spec["properties"]["kind"]["const"] == cls.kind
        assert spec["description"] == inspect.cleandoc(cls.__doc__)
        fixed = {"parameter"} if cls in (Cull, Cure) else set()
        expected = {f.name for f in dataclasses.fields(cls)} - fixed | {"kind", "trigger"}
        assert set(spec["properties"]) == expected
    assert set(definitions["TriggerSpec"]["properties"]) == {
        f.name for f in dataclasses.fields(Trigger)
    }
