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

`reading` turns text into a document and applies ``--set`` overrides, `schema` checks the
document's shape, `building` makes the Scenario, `settings` the run settings (`units`: values
with units in the model's time unit); `reference` renders the schema as Markdown to read
(``hyosan schema --markdown``).
"""

from hyosan.scenarios.files.building import LoadedScenario, build, build_spec, load_file
from hyosan.scenarios.files.reading import (
    apply_overrides,
    parse_override,
    parse_text,
    read_document,
)
from hyosan.scenarios.files.reference import schema_markdown
from hyosan.scenarios.files.schema import (
    INTERVENTION_KINDS,
    ScenarioFile,
    format_validation_error,
    schema,
    validate_document,
)
from hyosan.scenarios.files.settings import RunSettings, run_settings

__all__ = [
    "INTERVENTION_KINDS",
    "LoadedScenario",
    "RunSettings",
    "ScenarioFile",
    "apply_overrides",
    "build",
    "build_spec",
    "format_validation_error",
    "load_file",
    "parse_override",
    "parse_text",
    "read_document",
    "run_settings",
    "schema",
    "schema_markdown",
    "validate_document",
]
