"""Many histories of the page's set-up (bands and odds), and two futures side by side.

Both run ``hyosan.simulate`` on the page's own scenario document, so their runs share the live
run's random streams: run 0 of "many histories" is the page's history, and the two futures use
the same seed (common random numbers), so they differ only by their plans.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from hyosan.errors import HyosanError
from hyosan.web import frames

BATCH = 10
"""Histories per call of ``simulate``: the progress bar moves after each batch."""


def _build(document: dict[str, Any]) -> Any:
    from hyosan.scenarios.files import build

    return build(document, where="histories")


def run_histories(
    document: dict[str, Any],
    runs: int,
    seed: int,
    extra: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """``runs`` histories of ``document`` to its end time: curves with a 10-90 % band and the
    odds that matter for the world."""
    from hyosan import simulate

    loaded = _build(document)
    scenario, settings = loaded.scenario, loaded.settings
    parts = []
    for first in range(0, runs, BATCH):
        if cancelled is not None and cancelled():
            raise HyosanError("cancelled", key="histories")
        n = min(BATCH, runs - first)
        parts.append(
            simulate(scenario, runs=n, seed=seed, first_run=first, **settings.simulate_kwargs())
        )
        if progress is not None:
            progress(first + n, runs)
    import xarray as xr

    ds = xr.concat(parts, dim="run", data_vars="all") if len(parts) > 1 else parts[0]
    totals = ds["counts"].sum("region")  # (run, time, compartment)
    q = totals.quantile([0.1, 0.5, 0.9], dim="run").transpose("quantile", "time", "compartment")
    return {
        "type": "histories",
        "runs": int(ds.sizes["run"]),
        "times": ds["time"].values.tolist(),
        "compartments": [str(c) for c in ds["compartment"].values],
        "bands": np.round(q.values, 3).tolist(),
        "odds": odds(ds, extra),
    }


def odds(ds: Any, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """What a viewer wants to know: each named character still human at the end (Hyosan High),
    the south bank still human (Seoul: under 1 % of its people bitten at the end), the zombies
    gone (a lattice)."""
    out = []
    human = ds.attrs.get("human", "S")
    if "character_fate" in ds:
        fate = ds["character_fate"].values
        for k, name in enumerate(ds["character"].values):
            out.append(
                {"what": f"{name} still human at the end", "p": float(np.mean(fate[:, k] == human))}
            )
    banks = extra.get("bank_of_region")
    if banks:
        south = [r for r, b in banks.items() if b == "south" and r in ds["region"].values]
        counts = ds["counts"].isel(time=-1).sel(region=south).sum("region")
        people = counts.sum("compartment")
        bitten_names = [c for c in ("E", "Z", "H") if c in ds["compartment"].values]
        bitten = counts.sel(compartment=bitten_names).sum("compartment")
        safe = (bitten < 0.01 * people).values
        out.append(
            {"what": "the south bank still human (under 1 % bitten)", "p": float(np.mean(safe))}
        )
    if "extinct" in ds:
        out.append({"what": "the outbreak died out", "p": float(ds["extinct"].mean())})
    return out


def two_futures(
    document: dict[str, Any],
    plan_a: list[dict[str, Any]],
    plan_b: list[dict[str, Any]],
    seed: int,
    turned_of: Callable[[Any], list[str]],
) -> dict[str, Any]:
    """The same world and seed under two plans: per frame, both maps' shades and both curves."""
    from hyosan import simulate

    panes = []
    for plan in (plan_a, plan_b):
        doc = copy.deepcopy(document)
        doc.pop("interventions", None)
        if plan:
            doc["interventions"] = copy.deepcopy(plan)
        loaded = _build(doc)
        kwargs = loaded.settings.simulate_kwargs()
        kwargs["snapshot_every"] = kwargs["record_every"]
        ds = simulate(loaded.scenario, runs=1, seed=seed, **kwargs)
        snaps = ds["snapshots"].isel(run=0)  # (snapshot_time, place, compartment)
        turned = snaps.sel(compartment=turned_of(loaded.scenario)).sum("compartment")
        people = snaps.sum("compartment")
        shades = [frames.shade(turned.values[i], people.values[i]) for i in range(len(turned))]
        panes.append(
            {
                "times": snaps["snapshot_time"].values.tolist(),
                "shades": shades,
                "totals": ds["counts"].isel(run=0).sum("region").values,
            }
        )
    return {"panes": panes}
