"""Values with units (``"0.5/hour"``, ``"30 minutes"``) as numbers in a model's time unit."""

from __future__ import annotations

from typing import Any

from hyosan.models.units import conversion, parse_quantity, seconds_of


def model_rate(value: float | str, model: Any, parameter: str | None) -> float:
    """A parameter value in the model's time unit (bare numbers are in the parameter's unit)."""
    if isinstance(value, str):
        number, unit = parse_quantity(value)
    else:
        number = float(value)
        unit = model.parameters[parameter].unit if parameter in model.parameters else ""
    return number * conversion(unit, model.time_unit)


def model_time(value: float | str | None, model: Any) -> float | None:
    """A time in the model's time unit."""
    if value is None:
        return None
    if isinstance(value, str):
        number, unit = parse_quantity(value)
        if unit:
            return number * seconds_of(unit) / seconds_of(model.time_unit)
        return number
    return float(value)
