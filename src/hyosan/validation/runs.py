"""Thin helpers over ``simulate`` for the cases: run a model, read one compartment's series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from hyosan.models.spec import Model
from hyosan.places.builders import well_mixed
from hyosan.places.graph import Places
from hyosan.run.simulate import simulate
from hyosan.scenarios.scenario import Scenario
from hyosan.validation.core import prepared


def run(
    model: Model,
    counts: Mapping[str, int] | Places,
    t_end: float,
    engine: str = "ode",
    runs: int = 1,
    seed: int = 1,
    record_every: float | None = None,
    interventions: Sequence[Any] = (),
    **options: Any,
) -> xr.Dataset:
    """Simulate ``model`` (through :func:`prepared`, so mutants apply) in one well-mixed place
    of area 1 holding ``counts`` (or on the given places)."""
    places = counts if isinstance(counts, Places) else well_mixed(dict(counts))
    scenario = Scenario(model=prepared(model), places=places, interventions=tuple(interventions))
    return simulate(
        scenario,
        t_end=t_end,
        engine=engine,
        runs=runs,
        seed=seed,
        record_every=record_every,
        progress=False,
        **options,
    )


def series(ds: xr.Dataset, compartment: str) -> np.ndarray:
    """Counts of one compartment summed over regions, shape (runs, times), as floats."""
    if compartment not in ds["compartment"].values:
        return np.zeros((ds.sizes["run"], ds.sizes["time"]))
    return ds["counts"].sel(compartment=compartment).sum("region").values.astype(np.float64)


def first_time_below(times: np.ndarray, values: np.ndarray, level: float) -> np.ndarray:
    """Per run, the first recorded time at which ``values`` < level (NaN if never)."""
    values = np.atleast_2d(values)
    below = values < level
    hit = below.any(axis=1)
    return np.where(hit, times[below.argmax(axis=1)], np.nan)


def trapezoid(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Time integral of each run's series (last axis) by the trapezoid rule."""
    dt = np.diff(times)
    return ((values[..., 1:] + values[..., :-1]) * 0.5 * dt).sum(axis=-1)
