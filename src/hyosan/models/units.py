"""Parameter units: rates per time and durations, converted to a model's time unit."""

from __future__ import annotations

import re

from hyosan.errors import ModelError

_SECONDS = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "week": 604800.0, "weeks": 604800.0,
}  # fmt: skip
TIME_UNITS = ("second", "minute", "hour", "day", "week")
_PER = re.compile(r"^\s*(?:1\s*/|per\s+|/)\s*\(?\s*(?:[a-z]+\s*[*·]?\s*)*?([a-z]+)\s*\)?\s*$")
_QUANTITY = re.compile(r"^\s*([-+0-9.eE]+)\s*(.*)$")


def seconds_of(unit: str) -> float:
    """Seconds in one time unit ('hour' -> 3600)."""
    try:
        return _SECONDS[unit.strip().lower()]
    except KeyError:
        raise ModelError(
            f"unknown time unit {unit!r}; use one of {', '.join(TIME_UNITS)}"
        ) from None


def conversion(unit: str, time_unit: str) -> float:
    """Factor that turns a value in ``unit`` into the model's ``time_unit``.

    '1/hour', 'per hour', '/hour', '1/(person hour)' are rates; 'hour', 'minutes' are durations;
    '' or '1' is dimensionless. Person or area factors are accepted and ignored: the contact scale
    of the model carries them.
    """
    text = unit.strip().lower()
    if text in ("", "1", "-", "dimensionless", "fraction", "probability"):
        return 1.0
    target = seconds_of(time_unit)
    if text in _SECONDS:
        return _SECONDS[text] / target
    match = _PER.match(text)
    if match and match.group(1) in _SECONDS:
        return target / _SECONDS[match.group(1)]
    raise ModelError(
        f"unknown unit {unit!r}: expected a rate such as '1/hour' or 'per day', "
        "a duration such as 'minutes', or '1'"
    )


def parse_quantity(text: str | float | int) -> tuple[float, str]:
    """'0.5/hour' -> (0.5, '1/hour'); '30 minutes' -> (30.0, 'minutes'); 3 -> (3.0, '')."""
    if isinstance(text, (int, float)):
        return float(text), ""
    match = _QUANTITY.match(str(text))
    if not match:
        raise ModelError(f"cannot read quantity {text!r}: expected a number and a unit")
    try:
        value = float(match.group(1))
    except ValueError:
        raise ModelError(
            f"cannot read quantity {text!r}: {match.group(1)!r} is not a number"
        ) from None
    unit = match.group(2).strip()
    if unit.startswith("/"):
        unit = "1" + unit
    return value, unit
