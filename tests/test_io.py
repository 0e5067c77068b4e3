"""Results files: NetCDF and Zarr round trips, batch-by-batch writing, summaries, foreign files."""

import numpy as np
import pytest
import xarray as xr

import hyosan
from hyosan.errors import HyosanError
from hyosan.results.io import (
    ResultsWriter,
    combine,
    describe,
    load,
    save,
    save_summary,
    summary_table,
)
from hyosan.scenarios import files

DOCUMENT = {
    "world": {"grid": {"shape": [4, 4], "counts": {"S": 8}, "region_blocks": [2, 1]}},
    "model": {"name": "szr", "parameters": {"beta": "0.3/hour", "hop": "0.5/hour"}},
    "outbreak": [{"place": "1,1"}],
    "characters": [{"name": "gwi-nam", "place": "3,3"}],
    "interventions": [{"kind": "close_links", "group": "grid", "start": 4, "duration": 2}],
    "run": {"engine": "ssa", "t_end": 8, "record_every": 1, "snapshot_every": 4},
}


@pytest.fixture(scope="module")
def loaded():
    return files.build(DOCUMENT)


def simulate(loaded, runs, first_run=0):
    return hyosan.simulate(  # with the place layout attached
        loaded.scenario,
        runs=runs,
        seed=11,
        first_run=first_run,
        **loaded.settings.simulate_kwargs(),
    )


def assert_same_results(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values, equal_nan=a[name].dtype.kind == "f")


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_save_and_load_round_trip(loaded, tmp_path, suffix):
    if suffix == ".zarr":
        pytest.importorskip("zarr")
    ds = simulate(loaded, 2)
    path = save(ds, tmp_path / f"r{suffix}")
    back = load(path)
    assert_same_results(ds, back)
    assert back.attrs["seed"] == "11" and back.attrs["engine"] == "ssa"
    assert back["character_fate"].dtype.kind == "U"


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_batches_written_as_they_finish_equal_one_ensemble(loaded, tmp_path, suffix):
    if suffix == ".zarr":
        pytest.importorskip("zarr")
    whole = simulate(loaded, 5)
    path = tmp_path / f"batches{suffix}"
    writer = ResultsWriter(path, {"source": "test"})
    for first, size in ((0, 2), (2, 2), (4, 1)):
        writer.append(simulate(loaded, size, first))
        on_disk = load(path)  # readable after every batch, holding every run so far
        assert on_disk["run"].values.tolist() == list(range(first + size))
        assert on_disk.attrs["runs"] == first + size
    writer.finish("complete")
    back = load(path)
    assert_same_results(whole, back)
    assert back.attrs["status"] == "complete" and back.attrs["source"] == "test"
    fates = whole["character_fate"].values[:, 0]
    assert back["character_still_human"].values[0] == pytest.approx(np.mean(fates == "S"))


def test_combine_redoes_ensemble_summaries(loaded):
    parts = [simulate(loaded, 1, k) for k in range(3)]
    ds = combine(parts, "interrupted")
    assert ds.attrs["runs"] == 3 and ds.attrs["status"] == "interrupted"
    fates = ds["character_fate"].values[:, 0]
    assert ds["character_still_human"].values[0] == pytest.approx(np.mean(fates == "S"))
    with pytest.raises(HyosanError, match="no runs"):
        combine([])


def test_summary_tables(loaded, tmp_path):
    import pandas as pd

    ds = simulate(loaded, 3)
    table = summary_table(ds)
    assert len(table) == 3
    assert {"run", "peak_infectious", "extinct", "fate:gwi-nam", "fate_time:gwi-nam"} <= set(
        table.columns
    )
    assert any(c.startswith("start:0:close_links") for c in table.columns)
    csv = save_summary(ds, tmp_path / "s.csv")
    assert pd.read_csv(csv)["peak_infectious"].tolist() == ds["peak_infectious"].values.tolist()
    pytest.importorskip("pyarrow")
    parquet = save_summary(ds, tmp_path / "s.parquet")
    assert pd.read_parquet(parquet)["run"].tolist() == [0, 1, 2]
    with pytest.raises(HyosanError, match=r"s\.xlsx.*\.csv or \.parquet"):
        save_summary(ds, tmp_path / "s.xlsx")


def test_describe_and_place_layout(loaded):
    ds = simulate(loaded, 2)
    assert ds["place_x"].values.tolist()[:4] == [0.0, 1.0, 2.0, 3.0]
    assert ds["place_region"].values.tolist()[0] == "r0c0"
    info = describe(ds)
    assert info["runs"] == 2 and info["compartments"] == ["S", "Z", "R"]
    assert set(info["summaries"]) >= {"peak_infectious", "peak_time", "extinct"}
    assert "gwi-nam" in info["characters_still_human"]


def test_files_that_are_not_hyosan_results(tmp_path):
    with pytest.raises(HyosanError, match=r"missing.nc.*does not exist"):
        load(tmp_path / "missing.nc")
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", np.arange(3))}).to_netcdf(foreign, engine="h5netcdf")
    with pytest.raises(HyosanError, match=r"foreign.nc.*not a hyosan results file.*'counts'"):
        load(foreign)
    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(HyosanError, match=r"garbage.nc.*not a hyosan results file"):
        load(garbage)
    with pytest.raises(HyosanError, match=r"r\.csv.*\.nc or \.zarr"):
        save(xr.Dataset(), tmp_path / "r.csv")
