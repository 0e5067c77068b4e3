"""Hostile inputs: every class of issue 18's input repros gives exit 2 naming the key, or the
documented behaviour; none crashes, hangs or allocates before it is refused.

Most cases go through the CLI in this process (typer's CliRunner): each is refused before any
engine runs, so nothing here can crash the test process. The one repro that used to segfault
(scale_links factor=inf with ssa) also runs in a subprocess, where a crash cannot take the suite
down with it. Numbers from hypothesis are derandomized and bounded, so the suite is
deterministic and quick.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hyosan.cli import app
from hyosan.errors import HyosanError
from hyosan.scenarios import files

GRID = """name = "grid"
[world.grid]
shape = [10, 10]
counts = { S = 20 }
[model]
name = "szr"
[model.parameters]
hop = "0.5/hour"
[[outbreak]]
place = "5,5"
count = 1
[run]
t_end = 4
"""
BASE = """name = "base"
[world.well_mixed]
counts = { S = 100 }
[model]
name = "szr"
[[outbreak]]
place = "world"
count = 1
[run]
t_end = 10
seed = 1
"""
CUSTOM = """name = "custom"
[world.well_mixed]
counts = {{ S = 100, I = 5 }}
[model]
name = "custom"
compartments = ["S", "I", "R"]
infectious = ["I"]
parameters = {{ g = 0.5 }}
[[model.reactions]]
name = "r"
equation = "{equation}"
rate = "{rate}"
[run]
t_end = 10
"""
BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{x}: &{x} [{', '.join(['*' + p] * 9)}]"
            for p, x in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)
SCALE_INF = 'interventions=[{kind="scale_links", group="grid", factor=inf, start=1}]'

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    paths = {"grid": folder / "grid.toml", "base": folder / "base.toml"}
    paths["grid"].write_text(GRID)
    paths["base"].write_text(BASE)
    for name, equation, rate in (
        ("order300", "300 I -> R", "g"),
        ("order_huge", "99999999999999999999 I -> R", "g"),
        ("complex", "I -> R", "(-g)**0.5"),
        ("overflow", "I -> R", "g * 1e300 * 1e300"),
    ):
        paths[name] = folder / f"{name}.toml"
        paths[name].write_text(CUSTOM.format(equation=equation, rate=rate))
    paths["bomb"] = folder / "bomb.yaml"
    paths["bomb"].write_text(BOMB)
    paths["big"] = folder / "big.toml"
    paths["big"].write_text(GRID.replace("[10, 10]", "[1, 10000000]").replace('"5,5"', '"0,5"'))
    return paths


def _refused(result, key: str) -> None:
    """Exit 2, one message naming ``key``, no traceback."""
    text = result.output
    assert result.exit_code == 2, text
    assert key in text, text
    assert "Traceback" not in text


# Each: (file, extra CLI arguments, the key the message must name).
VALIDATE_CASES = [
    ("grid", ["--set", SCALE_INF], "interventions[0].factor"),
    ("grid", ["--set", SCALE_INF.replace("inf", "1e308")], "interventions[0].factor"),
    ("grid", ["--set", "world.grid.hop_weight=inf"], "world.grid.hop_weight"),
    ("grid", ["--set", "world.grid.hop_weight=1e7"], "world.grid.hop_weight"),
    ("base", ["--set", "model.parameters.beta=1e308/second"], "model.parameters.beta"),
    ("base", ["--set", "model.parameters.beta=1e309"], "model.parameters.beta"),
    ("base", ["--set", "model.parameters.beta=1e300/hour"], "model.parameters.beta"),
    ("base", ["--set", "model.parameters.beta=true"], "model.parameters.beta"),
    ("base", ["--set", "model.parameters.beta=nan"], "model.parameters.beta"),
    ("base", ["--set", "model.parameters.beta=1e12/hour"], "model.parameters.beta"),
    ("grid", ["--set", "run.t_end=inf"], "run.t_end"),
    ("grid", ["--set", "run.t_end=1e300"], "run.t_end"),
    ("grid", ["--set", "run.record_every=1e-9"], "run.record_every"),
    ("grid", ["--set", "run.record_every=1e-6"], "run.record_every"),
    ("grid", ["--set", "run.dt=1e-9"], "run.dt"),
    ("grid", ["--set", "run.dt=nan"], "run.dt"),
    ("grid", ["--set", "run.runs=true"], "run.runs"),
    ("grid", ["--set", "run.runs=10000000", "--set", "run.record_every=0.01"], "run.runs"),
    ("grid", ["--set", "world.grid.counts.S=1e30"], "world.grid.counts.S"),
    (
        "grid",
        ["--set", 'interventions=[{kind="scale_links", group="grid", factor=2, start=nan}]'],
        "interventions[0].start",
    ),
    (
        "grid",
        [
            "--set",
            'interventions=[{kind="set_parameter", parameter="beta", value="1e308/second"}]',
        ],
        "interventions[0].value",
    ),
    ("order300", [], "model.reactions[0].equation"),
    ("order_huge", [], "model.reactions[0].equation"),
    ("complex", [], "model.reactions[0].rate"),
    ("overflow", [], "model.reactions[0].rate"),
    ("big", [], "world.grid.shape"),
    ("base", ["--set", 'model={name="jonas", options={stages=100000}}'], "model.options"),
    ("grid", ["--set", "world.grid.cell_area=1e300"], "world.grid.cell_area"),
]


@pytest.mark.parametrize("name, extra, key", VALIDATE_CASES)
def test_validate_refuses_with_the_key(scenario_files, name, extra, key):
    _refused(runner.invoke(app, ["validate", str(scenario_files[name]), *extra]), key)


def test_run_refuses_what_validate_refuses(scenario_files, tmp_path):
    """`validate` runs exactly `run`'s checks: the same message, before anything runs."""
    for name, extra, key in VALIDATE_CASES[::3]:
        target = str(scenario_files[name])
        checked = runner.invoke(app, ["validate", target, *extra])
        ran = runner.invoke(app, ["run", target, "-q", "--out", str(tmp_path / "x.nc"), *extra])
        _refused(ran, key)
        assert ran.output == checked.output
        assert not (tmp_path / "x.nc").exists()


def test_validate_and_run_share_one_check(scenario_files, monkeypatch, tmp_path):
    """Both commands call hyosan.run.preflight.preflight, once, with the same settings."""
    import hyosan.run.provenance as provenance

    seen = []
    real = provenance.preflight

    def spy(scenario, settings, **kwargs):
        seen.append((settings.engine, settings.t_end, settings.runs, settings.limits))
        return real(scenario, settings, **kwargs)

    monkeypatch.setattr(provenance, "preflight", spy)
    extra = ["--set", "run.record_every=1e-6"]
    runner.invoke(app, ["validate", str(scenario_files["grid"]), *extra])
    runner.invoke(app, ["run", str(scenario_files["grid"]), "-q", *extra])
    assert len(seen) == 2 and seen[0] == seen[1]


def test_limits_are_raised_by_run_limits(scenario_files):
    """The option each refusal names raises the limit: the same file then validates."""
    extra = ["--set", "run.record_every=1e-6"]
    _refused(runner.invoke(app, ["validate", str(scenario_files["grid"]), *extra]), "run.")
    result = runner.invoke(
        app,
        ["validate", str(scenario_files["grid"]), *extra, "--set", "run.limits.records=1e7"],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["validate", str(scenario_files["grid"]), "--set", "run.limits.bogus=1"]
    )
    _refused(result, "run.limits.bogus")


def test_sizes_are_refused_quickly(scenario_files):
    """A ten-million-cell grid and a 5000 x 5000 built-in lattice fail at once, with the cap."""
    started = time.process_time()
    _refused(runner.invoke(app, ["validate", str(scenario_files["big"])]), "run.limits.places")
    result = runner.invoke(app, ["validate", "szr-lattice", "--set", "world.options.size=5000"])
    _refused(result, "world.options.size")
    assert time.process_time() - started < 5


def test_yaml_alias_bomb_is_refused_quickly(scenario_files):
    started = time.process_time()
    result = runner.invoke(app, ["validate", str(scenario_files["bomb"])])
    _refused(result, "alias")
    assert time.process_time() - started < 5
    with pytest.raises(HyosanError, match="holds it"):
        files.parse_text("a: &x [1, *x]\n", "yaml")
    assert files.parse_text("a: &x {b: 1}\nc: *x\n", "yaml") == {"a": {"b": 1}, "c": {"b": 1}}


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_plot_time_must_be_finite(tmp_path, value):
    result = runner.invoke(app, ["plot", str(tmp_path / "r.nc"), "--time", value])
    _refused(result, "--time")


# ------------------------------------------------------------------------------------------------
# Crafted results files: `run --from` names the attribute at fault.
def _crafted(tmp_path: Path, **attrs: str) -> Path:
    base = {
        "source": BASE,
        "source_format": "toml",
        "source_label": "base.toml",
        "overrides": "[]",
        "options": "{}",
        "hyosan_version": "0",
    }
    base.update(attrs)
    path = tmp_path / "crafted.nc"
    counts = np.zeros((1, 1, 1, 1))
    ds = xr.Dataset(
        {"counts": (("run", "time", "region", "compartment"), counts)},
        attrs={k: v for k, v in base.items() if v},
    )
    ds.to_netcdf(path)
    return path


@pytest.mark.parametrize(
    "attrs, key",
    [
        ({"overrides": "{not json"}, "attrs.overrides"),
        ({"overrides": '{"a": 1}'}, "attrs.overrides"),
        ({"overrides": "[1, 2]"}, "attrs.overrides"),
        ({"options": "not json"}, "attrs.options"),
        ({"options": '{"bogus": 1}'}, "attrs.options"),
        ({"source_label": ""}, "attrs.source_label"),
        ({"source_format": "pickle"}, "attrs.source_format"),
    ],
)
def test_crafted_results_files_name_the_attribute(tmp_path, attrs, key):
    path = _crafted(tmp_path, **attrs)
    result = runner.invoke(app, ["run", "--from", str(path), "-q"])
    _refused(result, key)


def test_info_on_a_crafted_results_file_is_bad_input(tmp_path):
    path = _crafted(tmp_path, runs_requested="many")
    _refused(runner.invoke(app, ["info", str(path)]), "cannot read it")


# ------------------------------------------------------------------------------------------------
# Random numbers and texts into rate and time fields, through the file layer.
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
)
TEXTS = st.one_of(
    st.text(max_size=12),
    st.builds(lambda n, u: f"{n!r}{u}", st.floats(), st.sampled_from(["/hour", " minutes", "/s",
                                                                      " weeks", "", "/fortnight"])),
)  # fmt: skip
FIELDS = [
    ("model.parameters.beta", "model", "parameters", "beta"),
    ("model.parameters.hop", "model", "parameters", "hop"),
    ("run.t_end", "run", "t_end", None),
    ("run.record_every", "run", "record_every", None),
    ("run.dt", "run", "dt", None),
]


def _document(path: tuple[str, str, str | None], value: object) -> dict:
    document = files.parse_text(GRID, "toml")
    table, key, inner = path
    node = document.setdefault(table, {})
    if inner is None:
        node[key] = value
    else:
        node.setdefault(key, {})[inner] = value
    return document


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(FIELDS), st.one_of(NUMBERS, TEXTS))
def test_random_values_are_accepted_or_refused_by_key(field, value):
    """Whatever goes into a rate or time field: a scenario with finite, in-range numbers, or a
    HyosanError naming that field; never another exception."""
    key, *path = field
    document = _document(tuple(path), value)
    try:
        loaded = files.build(document)
    except HyosanError as error:
        assert key in str(error), str(error)
        return
    from hyosan.run.preflight import preflight

    try:
        found = preflight(loaded.scenario, loaded.settings)
    except HyosanError as error:
        assert error.key, str(error)
        return
    net = found.net
    assert np.all(np.isfinite(net.rate)) and np.all(np.isfinite(net.group_rate))
    assert math.isfinite(loaded.settings.t_end) and loaded.settings.t_end > 0


# ------------------------------------------------------------------------------------------------
# The segfault repro, in a subprocess: exit 2 with the key, whatever the engine would have done.
def test_scale_links_inf_with_ssa_is_refused_in_a_subprocess(scenario_files, tmp_path):
    command = [
        sys.executable, "-m", "hyosan.cli", "run", str(scenario_files["grid"]), "--engine",
        "ssa", "--set", SCALE_INF, "-q", "--out", str(tmp_path / "x.nc"), "--json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "interventions[0].factor" in done.stderr
    assert json.loads(done.stdout)["ok"] is False


# ------------------------------------------------------------------------------------------------
# The engines at the extremes the checks allow: every intervention kind, each engine.
def _extreme_interventions():
    from hyosan import interventions as iv
    from hyosan.limits import MAX_FACTOR

    window = {"start": 0.1, "duration": 1e-4}
    return {
        "close_links": iv.CloseLinks(group="grid", start=0.1, duration=0.2),
        "scale_links": iv.ScaleLinks(group="grid", factor=MAX_FACTOR, **window),
        "set_parameter": iv.SetParameter(parameter="beta", value=1e6, **window),
        "cull": iv.Cull(value=1e6, start=0.3, duration=1e-3),
        "cure": iv.Cure(value=1e6, start=0.3, duration=1e-3),
        "bomb": iv.Bomb(zone="1,1", fraction=1.0, start=0.2),
        "evacuate": iv.Evacuate(zone="1,1", to_place="0,0", fraction=1.0, start=0.2),
    }


@pytest.mark.parametrize("engine", ["ssa", "tau", "ode"])
def test_engines_at_extreme_allowed_values_stay_finite_and_conserved(engine):
    """A factor of MAX_FACTOR, rates of 1e6 per hour, fractions of 1: counts stay finite,
    non-negative, and every person is somewhere (jonas has no births: the total is constant)."""
    from hyosan.models.library import jonas
    from hyosan.places.builders import grid
    from hyosan.run.simulate import simulate
    from hyosan.scenarios.scenario import Scenario

    model = jonas(time_unit="hour", zombie_hop=0.5, human_hop=0.1)
    places = grid((3, 3), {"S": 10}).with_outbreak("1,1", "Z", 2)
    total = 90
    for kind, item in _extreme_interventions().items():
        scenario = Scenario(model=model, places=places, interventions=[item], name=kind)
        ds = simulate(scenario, t_end=0.5, engine=engine, runs=2, seed=7, record_every=0.05)
        counts = ds["counts"].values.astype(float)
        assert np.all(np.isfinite(counts)), kind
        assert counts.min() >= -1e-6 * total, kind
        people = counts.sum(axis=(2, 3))
        assert np.allclose(people, total, rtol=1e-6), (kind, people)
        assert ds.attrs["status"] == "complete", kind


def test_python_api_checks_the_same_boundary():
    """From Python too: an infinite factor, a NaN rate in a network, a run that cannot finish
    are errors before any engine sees them."""
    from dataclasses import replace

    from hyosan import interventions as iv
    from hyosan.limits import check_network
    from hyosan.models.library import szr
    from hyosan.places.builders import grid
    from hyosan.run.simulate import simulate
    from hyosan.scenarios.scenario import Scenario

    places = grid((3, 3), {"S": 5}).with_outbreak("1,1", "Z", 1)
    scenario = Scenario(model=szr(hop=0.5), places=places)
    for factor in (math.inf, math.nan, -1.0, 1e7):
        bad = replace(scenario, interventions=[iv.ScaleLinks(group="grid", factor=factor)])
        with pytest.raises(HyosanError) as caught:
            simulate(bad, t_end=1.0, engine="ssa", seed=1)
        assert caught.value.key == "interventions[0].factor"
    with pytest.raises(HyosanError) as caught:
        simulate(scenario, t_end=1.0, engine="tau", seed=1, record_every=1e-9)
    assert caught.value.key == "run.record_every"
    net = scenario.compile()
    for name in ("rate", "group_rate", "link_weight"):
        values = getattr(net, name).copy()
        values.flat[0] = math.nan
        with pytest.raises(HyosanError, match="finite"):
            check_network(replace(net, **{name: values}))
    with pytest.raises(HyosanError, match="parameter 'beta'"):
        szr(beta=1e300)
