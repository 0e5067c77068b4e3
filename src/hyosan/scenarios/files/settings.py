"""Run settings of a scenario file: the file's ``run`` table, else the built-in world's own.

The file's own checks are here; defaults are resolved by ``hyosan.run.options.resolve_options``,
the same function ``simulate`` uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hyosan.errors import HyosanError
from hyosan.limits import Limits
from hyosan.run.options import resolve_options  # the one place run defaults are resolved
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
    accuracy: float | None = None
    limits: Limits = field(default_factory=Limits)

    def simulate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``hyosan.simulate`` (all but runs, seed and progress)."""
        return {
            "t_end": self.t_end,
            "engine": self.engine,
            "dt": self.dt,
            "record_every": self.record_every,
            "snapshot_every": self.snapshot_every,
            "check_every": self.check_every,
            "accuracy": self.accuracy,
            "limits": self.limits,
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
    snapshot, record = given["snapshot_every"], given["record_every"]
    if snapshot is not None and record is not None:
        steps = snapshot / record
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise HyosanError(
                f"{spec.snapshot_every!r} is not a multiple of record_every "
                f"({spec.record_every!r}); maps are taken at record times",
                key="run.snapshot_every",
            )
    options = resolve_options(defaults, t_end=t_end, engine=spec.engine, **given)
    return RunSettings(
        engine=options.engine,
        runs=spec.runs,
        t_end=options.t_end,
        dt=options.dt,
        record_every=options.record_every,
        snapshot_every=options.snapshot_every,
        seed=spec.seed,
        batch=spec.batch,
        check_every=options.check_every,
        accuracy=options.accuracy,
        limits=Limits.of(spec.limits.model_dump()),
    )
