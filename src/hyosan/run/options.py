"""Run options: what was given, else the world's own defaults, else hyosan's; resolved once.

``simulate`` and the scenario-file layer both call :func:`resolve_options`, so a world's defaults
(``scenario.extra["simulate"]``: engine, dt, accuracy, record_every, snapshot_every, check_every)
mean the same thing from Python and from ``hyosan run``. What needs the compiled network (the
tau step chosen from the rates) is decided later, in ``simulate``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hyosan.errors import HyosanError

DEFAULT_ENGINE = "tau"
DEFAULT_STEP_ACCURACY = 0.05
"""Tau's own steps keep every unit under this many expected events per step: adaptive steps
from each run's state unless a dt is given (also the accuracy of ``choose_dt``'s fixed step).
On issue 22's final size the bias is 0.2 % (a fixed step of 0.2 events: 1.3 %); see
``benchmarks/tau_bias.py``."""
WORLD_KEYS = ("engine", "dt", "accuracy", "record_every", "snapshot_every", "check_every")


@dataclass(frozen=True)
class RunOptions:
    """Options of one run, in the model's time unit; None where ``simulate`` decides later
    (dt: from the rates; record_every: t_end / 100; check_every: from the step)."""

    engine: str
    t_end: float
    dt: float | None = None
    accuracy: float | None = None
    record_every: float | None = None
    snapshot_every: float | None = None
    check_every: float | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``hyosan.simulate``."""
        return asdict(self)


def resolve_options(
    defaults: Mapping[str, Any] | None = None,
    *,
    t_end: float | None = None,
    default_t_end: float | None = None,
    engine: str | None = None,
    dt: float | None = None,
    accuracy: float | None = None,
    record_every: float | None = None,
    snapshot_every: float | None = None,
    check_every: float | None = None,
) -> RunOptions:
    """The options a run uses: each given value, else the world's ``defaults``, else hyosan's.

    - engine: given, else the world's, else 'tau'.
    - t_end: given, else ``default_t_end`` (the scenario's own); an error if neither.
    - accuracy (adaptive tau steps): the world's applies only to tau and only when neither dt
      nor accuracy is given (an explicit dt alone means fixed steps); with neither given nor
      the world's, tau is adaptive with ``DEFAULT_STEP_ACCURACY``; dt and accuracy are dropped
      for engines other than tau unless dt was given.
    - record_every and snapshot_every: the world's apply only where they fit in t_end.
    - snapshots fall on record times: without a record_every of its own, the run records a
      little more often so that each snapshot time is a record time.
    """
    world = dict(defaults or {})
    if t_end is None:
        t_end = default_t_end
    if t_end is None:
        raise HyosanError("t_end: this scenario has no default end time; pass t_end")
    engine = engine if engine is not None else world.get("engine", DEFAULT_ENGINE)
    if engine == "tau":
        if accuracy is None and dt is None:
            accuracy = world.get("accuracy")
        if dt is None:
            dt = world.get("dt")
        if accuracy is None and dt is None:
            accuracy = DEFAULT_STEP_ACCURACY
    else:
        accuracy = None
    if accuracy is not None and not (accuracy > 0 and math.isfinite(accuracy)):
        raise HyosanError(f"accuracy must be a positive number, got {accuracy!r}")
    if check_every is None:
        check_every = world.get("check_every")
    record_given = record_every is not None
    if record_every is None and _fits(world.get("record_every"), t_end):
        record_every = world["record_every"]
    if snapshot_every is None and _fits(world.get("snapshot_every"), t_end):
        snapshot_every = world["snapshot_every"]
    if snapshot_every is not None and not record_given and snapshot_every > 0 and t_end > 0:
        every = record_every if record_every is not None else t_end / 100
        steps = snapshot_every / every
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            record_every = snapshot_every / max(1, math.ceil(steps - 1e-9))
    return RunOptions(
        engine=str(engine),
        t_end=float(t_end),
        dt=_number(dt),
        accuracy=_number(accuracy),
        record_every=_number(record_every),
        snapshot_every=_number(snapshot_every),
        check_every=_number(check_every),
    )


def _fits(value: float | None, t_end: float) -> bool:
    return value is not None and value <= t_end


def _number(value: Any) -> Any:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if is_number else value
