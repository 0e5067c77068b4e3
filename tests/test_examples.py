"""The commented scenario files in ``examples/``: each validates and runs as the command line
would run it (shortened where the file's own run would take minutes), and does what its
comments say."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hyosan.cli import app
from hyosan.results.io import load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_every_example_is_listed_here():
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(SHORTER)


SHORTER = {
    "grid-szr.toml": ("--runs", 2, "--t-end", "3 days"),
    "munz-latent.toml": (),
    "seoul-bridges.toml": ("--runs", 1, "--t-end", "26 hours", "--snapshot-every", "13 hours"),
    "hyosan-high-barricade.toml": ("--runs", 2, "--t-end", "40 minutes"),
}


@pytest.mark.parametrize("name", sorted(SHORTER))
def test_example_validates_without_warnings(name):
    result = invoke("validate", EXAMPLES / name, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["warnings"] == []


def _run(name, tmp_path):
    out = tmp_path / (Path(name).stem + ".nc")
    result = invoke("run", EXAMPLES / name, *SHORTER[name], "--out", out)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr, result.stderr
    return load(out), result.stdout


def test_the_grid_szr_spreads(tmp_path):
    ds, _ = _run("grid-szr.toml", tmp_path)
    end = ds["counts"].isel(time=-1)
    # the zombies start in cell "15,15" (block r1c1) and reach every block of the grid
    reached = end.sel(compartment=["Z", "R"]).sum("compartment")
    assert (reached > 100).all(), reached.values
    assert float(ds["final_susceptible"].max()) < 0.5 * 18_000


def test_the_munz_model_overruns_the_humans(tmp_path):
    ds, _ = _run("munz-latent.toml", tmp_path)
    assert list(ds["compartment"].values) == ["S", "I", "Z", "R"]
    assert ds.attrs["engine"] == "ssa" and ds.sizes["run"] == 20
    # the chapter's figure: the humans are gone within days in most histories
    assert float(np.median(ds["final_susceptible"].values)) < 50


def test_seoul_closes_the_bridges_on_day_one(tmp_path):
    ds, _ = _run("seoul-bridges.toml", tmp_path)
    starts = dict(zip(ds["intervention"].values, ds["intervention_start"].values[0], strict=True))
    bridges = [k for k in starts if "han-bridges" in str(k)]
    assert bridges and starts[bridges[0]] == pytest.approx(24.0)


def test_hyosan_high_barricades_early_and_reports_the_school(tmp_path):
    ds, stdout = _run("hyosan-high-barricade.toml", tmp_path)
    starts = ds["intervention_start"].values  # (run, intervention)
    doors = [str(i) for i in ds["intervention"].values]
    early = [k for k, d in enumerate(doors) if "door-2-5" in d and "10" in d]
    assert early and np.all(starts[:, early[0]] == pytest.approx(10.0))
    assert ds.attrs["focus"] == "school"
    assert "about the school: 956 people" in stdout
