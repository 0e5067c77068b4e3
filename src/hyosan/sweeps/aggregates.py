"""Per-point aggregates over the runs on disk: mean and 10/50/90 % quantiles of each per-run
summary and of the counts, and the share of runs with each outcome flag with its 95 % interval.

Flags are per-run yes/no outcomes: ``extinct``, ``character_human`` (the character's fate is the
human compartment), and any the user gives (a function of the sweep's Dataset).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import xarray as xr

from hyosan.errors import HyosanError

QUANTILES = (0.1, 0.5, 0.9)
Z95 = 1.959963984540054
Flag = Callable[[xr.Dataset], xr.DataArray]


def wilson_interval(successes: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score 95 % interval of a binomial share (sound at 0 and at 1 too)."""
    k = np.asarray(successes, np.float64)
    n = np.asarray(trials, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denominator = 1 + Z95**2 / n
        centre = (p + Z95**2 / (2 * n)) / denominator
        half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / denominator
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))  # exact at the ends
    high = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    return low, high


def outcome_flags(
    ds: xr.Dataset, extra: Mapping[str, Flag] | None = None
) -> dict[str, xr.DataArray]:
    """Per-run flags: the built-in ones and the user's (each must keep the ``run`` dimension)."""
    flags: dict[str, xr.DataArray] = {}
    if "extinct" in ds:
        flags["extinct"] = ds["extinct"].astype(bool)
    if "character_fate" in ds:
        human = str(ds.attrs.get("human", "S"))
        flags["character_human"] = ds["character_fate"].astype(str) == human
    for name, function in (extra or {}).items():
        value = function(ds)
        if not isinstance(value, xr.DataArray) or "run" not in value.dims:
            raise HyosanError(
                f"flag {name!r}: expected a DataArray of yes/no per run (with a 'run' dimension)"
            )
        flags[name] = value.astype(bool)
        flags[name].attrs = {}  # not the attributes of the counts it came from
    return flags


def per_run_summaries(ds: xr.Dataset, axes: Sequence[str]) -> list[str]:
    """Numeric variables with one value per run (and point): peak, its time, humans left..."""
    wanted = (*axes, "run")
    return [
        str(name)
        for name, var in ds.data_vars.items()
        if set(var.dims) == set(wanted) and var.dtype.kind in "iuf" and name != "done"
    ]


def aggregate(
    ds: xr.Dataset, axes: Sequence[str], flags: Mapping[str, xr.DataArray] | None = None
) -> xr.Dataset:
    """The aggregates of every point, over its runs marked done."""
    done = ds["done"].astype(bool)
    out = xr.Dataset()
    out["runs_done"] = done.sum("run").astype(np.int64)
    quantile = xr.DataArray(list(QUANTILES), dims="quantile")
    for name in [*per_run_summaries(ds, axes), "counts"]:
        if name not in ds:
            continue
        values = ds[name].astype(np.float64).where(done)
        out[f"{name}_mean"] = values.mean("run")
        out[f"{name}_quantile"] = values.quantile(quantile, dim="run").transpose(
            *axes, "quantile", ...
        )
    for name, flag in (flags or {}).items():
        yes = (flag & done).sum("run")
        trials = done.sum("run")
        low, high = wilson_interval(yes.values, trials.broadcast_like(yes).values)
        out[f"{name}_share"] = yes / trials.where(trials > 0)
        out[f"{name}_low"] = (yes.dims, low)
        out[f"{name}_high"] = (yes.dims, high)
        out[f"{name}_share"].attrs["interval"] = "Wilson score 95 %"
    return out.drop_vars("quantile", errors="ignore").assign_coords(quantile=list(QUANTILES))
