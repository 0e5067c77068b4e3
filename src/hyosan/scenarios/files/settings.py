"""Run settings of a scenario file: the file's ``run`` table, else the built-in world's own.

All of it, defaults included, is resolved in one function: `run_settings`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hyosan.errors import HyosanError
from hyosan.scenarios.files.schema import RunSpec
from hyosan.scenarios.files.units import model_time


@dataclass
class RunSettings:
    """Run settings in the model's time unit, ready for ``hyosan.simulate``."""

    engine: str
    runs: int
    t_end: float
    dt: float | None
    record_every: float | None
    snapshot_every: float | None
    seed: int | None
    batch: int | None
    check_every: float | None = None

    def simulate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``hyosan.simulate`` (all but runs, seed and progress)."""
        return {
            "t_end": self.t_end,
            "engine": self.engine,
            "dt": self.dt,
            "record_every": self.record_every,
            "snapshot_every": self.snapshot_every,
            "check_every": self.check_every,
        }


def run_settings(
    spec: RunSpec, model: Any, world_t_end: float | None, defaults: Mapping[str, Any]
) -> RunSettings:
    """Run settings in the model's time unit: the file's, else the built-in world's own
    (``defaults``: its ``extra["simulate"]``), else chosen from t_end."""
    t_end = model_time(spec.t_end, model)
    if t_end is None:
        t_end = world_t_end
    if t_end is None:
        raise HyosanError(
            f"missing; this world has no end time of its own (e.g. t_end = "
            f'"30 {model.time_unit}s")',
            key="run.t_end",
        )
    keys = ("dt", "record_every", "snapshot_every", "check_every")
    given = {k: model_time(getattr(spec, k), model) for k in keys}
    for key, value in given.items():
        if value is not None and value > t_end:
            raise HyosanError(
                f"{getattr(spec, key)!r} is longer than t_end ({t_end:g})", key=f"run.{key}"
            )
    times = {k: given[k] if given[k] is not None else defaults.get(k) for k in keys}
    engine = spec.engine or defaults.get("engine", "tau")
    if engine != "tau" and given["dt"] is None:
        times["dt"] = None
    snapshot, record = times["snapshot_every"], times["record_every"]
    if snapshot is not None:
        every = record if record is not None else t_end / 100
        steps = snapshot / every
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            if given["record_every"] is not None:
                raise HyosanError(
                    f"{spec.snapshot_every!r} is not a multiple of record_every "
                    f"({spec.record_every!r}); maps are taken at record times",
                    key="run.snapshot_every",
                )
            # record a little more often, so that snapshots fall on record times
            times["record_every"] = snapshot / max(1, math.ceil(steps - 1e-9))
    return RunSettings(
        engine=engine,
        runs=spec.runs,
        t_end=float(t_end),
        seed=spec.seed,
        batch=spec.batch,
        **times,
    )
