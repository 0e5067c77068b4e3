"""The limits every input is held to, stated once: numbers, sizes and the cost of a run.

Two kinds of limit live here. *Ranges* (``MAX_NUMBER``, ``MAX_FACTOR``, ``MAX_ORDER``, ...) are
fixed: beyond them a value is a typo or an attack, never a model (a rate of 1e300 per hour, a
reaction of 300 people at once), and the engines' arithmetic would overflow. *Costs*
(:class:`Limits`: places, memory, records, steps, events) bound what a run may ask of the
machine; a run over one is refused before anything is allocated, with the key at fault and the
setting that raises the limit (``run.limits`` in a scenario file, ``--set run.limits.steps=1e9``
on the command line).

This module imports nothing of hyosan but its errors, so that every layer can check against it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from hyosan.errors import HyosanError

MAX_NUMBER = 1e12
"""The largest magnitude of a number written for a rate, a time or a parameter, in its own unit
(``"1e12/hour"`` is allowed, ``"1e13/hour"`` not): with the largest unit conversion (weeks to
seconds, 604,800) every value stays below 1e18, far from overflow in any product the engines
form."""
MAX_PARAMETER = 1e18
"""The largest magnitude of a parameter in a model's time unit (MAX_NUMBER in the largest unit)."""
MAX_FACTOR = 1e6
"""The largest link weight (``hop_weight``, a door's ``weight``) or ``scale_links`` factor."""
MAX_AREA = 1e12
"""The largest area of a place (``cell_area``, a room's ``area``) and cell size."""
MAX_ORDER = 4
"""The most people a reaction may take at once (the sum of its reactant coefficients), and the
largest coefficient of a product: real encounters involve two or three."""
MAX_STAGES = 100
"""The most Erlang stages of a delay (``jonas(stages=...)``): each is a compartment and a
reaction, and 100 already makes the delay nearly fixed (its spread is 1/10 of its mean)."""
MAX_OPTION = 1e12
"""The largest magnitude of a numeric option of a built-in world or model."""
MAX_YAML_NODES = 1_000_000
"""The most nodes a YAML document may hold once its aliases are expanded (the 424-byte
'billion laughs' holds a billion)."""


@dataclass(frozen=True)
class Limits:
    """What one run may cost; each is raised with ``run.limits.<name>`` (see the schema).

    places: places in the world (a grid's rows x columns, a built-in world's size option).
    memory_gb: the results (every run's records and snapshots) and the engines' state, GiB.
    records: times one run stops at (records, snapshots and trigger checks).
    steps: tau leaps of one run (t_end / dt, or what the adaptive step's accuracy implies).
    events: expected events of every run together, by an upper bound on each person's event
    rate (ssa simulates events one by one).
    """

    places: int = 2_000_000
    memory_gb: float = 8.0
    records: int = 1_000_000
    steps: float = 1e8
    events: float = 1e11

    @classmethod
    def of(cls, given: Limits | Mapping[str, Any] | None) -> Limits:
        """Limits from a mapping of the ones to change (None: the defaults)."""
        if given is None:
            return cls()
        if isinstance(given, Limits):
            return given
        known = {f.name for f in fields(cls)}
        values = {}
        for name, value in given.items():
            if name not in known:
                raise HyosanError(f"unknown limit; known: {', '.join(sorted(known))}", key=name)
            if value is None:
                continue
            values[name] = finite(value, name, low=0, high=math.inf, what="a limit")
        return cls(**values)

    def raise_hint(self, name: str, needed: float) -> str:
        """'raise the limit with --set run.limits.steps=2e+09 (run.limits.steps in a file)'."""
        value = f"{needed * 1.1:.2g}"
        return (
            f"the limit is {getattr(self, name):.3g}; if you mean it, raise it with "
            f"--set run.limits.{name}={value} (or [run.limits] {name} = {value} in the file)"
        )


def finite(
    value: Any, key: str | None, *, low: float, high: float, what: str = "a number"
) -> float:
    """``value`` as a float if it is a real number (not a boolean) within [low, high];
    otherwise a HyosanError naming ``key``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HyosanError(f"expected {what}, got {value!r}", key=key)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise HyosanError(f"expected {what}: a finite number, got {value!r}", key=key)
    if not low <= number <= high:
        raise HyosanError(f"expected {what} from {low:g} to {high:g}, got {value!r}", key=key)
    return number


# ------------------------------------------------------------------------------------------------
# The boundary before the engines. Compiled kernels trust their arrays: a NaN or infinite rate
# there gives NaN counts, an endless loop or a crash, with nothing to say which input caused it.
# Every network an engine sees passes through check_network first: when a scenario compiles it,
# and when interventions change it.
MAX_RATE = 1e30
"""The largest rate constant or hop rate (per unit of the model's time) a kernel is given: far
above any rate that can be simulated (the cost checks refuse those with the key at fault), and
far below what makes a product of rates and counts overflow."""


def check_network(net: Any, where: str = "network") -> Any:
    """``net`` itself if every rate, weight, area, bias and pace is finite and in range;
    otherwise a HyosanError naming the reaction, group or place at fault."""
    _rates(net, where)
    _movement(net, where)
    area = np.asarray(net.area)
    bad = np.flatnonzero(~(np.isfinite(area) & (area > 0)))
    if bad.size:
        raise HyosanError(
            f"{where}: place {_place(net, int(bad[0]))} has area {area[bad[0]]!r}; "
            "expected a finite number > 0"
        )
    return net


def _rates(net: Any, where: str) -> None:
    rate = np.asarray(net.rate)
    bad = ~(np.isfinite(rate) & (rate >= 0) & (rate <= MAX_RATE))
    if bad.any():
        row, r = (int(i) for i in np.argwhere(bad)[0])
        place = f" in place {_place(net, row)}" if rate.shape[0] > 1 else ""
        raise HyosanError(
            f"{where}: reaction {net.reactions[r]!r}{place} has rate {rate[row, r]!r}; expected "
            f"a finite number from 0 to {MAX_RATE:g} (check the parameters in its rate)"
        )


def _movement(net: Any, where: str) -> None:
    weight = np.asarray(net.link_weight)
    bad = np.flatnonzero(~(np.isfinite(weight) & (weight >= 0)))
    if bad.size:
        raise HyosanError(
            f"{where}: link {int(bad[0])} has weight {weight[bad[0]]!r}; expected a finite "
            "number >= 0"
        )
    group_rate = np.asarray(net.group_rate)
    per_link = group_rate.max(axis=1, initial=0.0) if group_rate.size else group_rate
    bad = ~(np.isfinite(group_rate) & (group_rate >= 0) & (group_rate <= MAX_RATE))
    if bad.any():
        g, s = (int(i) for i in np.argwhere(bad)[0])
        raise HyosanError(
            f"{where}: hops of {net.species[s]!r} along link group {net.group_names[g]!r} run "
            f"at {group_rate[g, s]!r}; expected a finite rate from 0 to {MAX_RATE:g}"
        )
    if weight.size and per_link.size:
        fastest = float(np.max(weight * per_link[net.link_group], initial=0.0))
        if not fastest <= MAX_RATE:
            raise HyosanError(
                f"{where}: a hop rate times its link weight is {fastest:g}; expected at most "
                f"{MAX_RATE:g}"
            )
    for name in ("bias", "wander"):
        values = np.asarray(getattr(net, name))
        if not np.all(np.isfinite(values)):
            s = int(np.flatnonzero(~np.isfinite(values))[0])
            raise HyosanError(
                f"{where}: the {name} of {net.species[s]!r} is {values[s]!r}; expected a finite "
                "number"
            )


def _place(net: Any, index: int) -> str:
    return f"{index} (by index)"
