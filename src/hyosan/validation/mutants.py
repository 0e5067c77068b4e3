"""Deliberately broken models, to show that the validation checks would catch a subtle error.

``swap-rates`` exchanges the rates of two reactions (bite/kill in the zombie models,
infect/recover in SIR, progress/recover in SEIR); ``no-resurrection`` drops Munz's R -> Z term;
``bite-10pct`` makes the bite (or infection) rate 10% too high, a subtler error.
A mutant applies to hyosan's models only; the references (closed forms, scipy, GillesPy2) stay
right, so a case that still passes under a mutant is a case that cannot see that error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hyosan.errors import HyosanError, suggest
from hyosan.models.spec import Model, Reaction

SWAPS = (("bite", "kill"), ("infect", "recover"), ("progress", "recover"))


def swap_rates(model: Model) -> Model:
    """Exchange the rate expressions of the first pair in :data:`SWAPS` the model has."""
    names = [r.name for r in model.reactions]
    for first, second in SWAPS:
        if first in names and second in names:
            rates = {r.name: r.rate for r in model.reactions}
            swapped = {first: rates[second], second: rates[first]}
            reactions = tuple(
                Reaction(r.name, r.equation, swapped.get(r.name, r.rate)) for r in model.reactions
            )
            return replace(model, reactions=reactions)
    return model


def no_resurrection(model: Model) -> Model:
    """Drop the reaction called 'resurrect' (R -> Z), if any."""
    kept = tuple(r for r in model.reactions if r.name != "resurrect")
    return model if len(kept) == len(model.reactions) else replace(model, reactions=kept)


def bite_10pct(model: Model) -> Model:
    """Multiply the rate of 'bite' (or 'infect') by 1.1."""
    reactions = tuple(
        Reaction(r.name, r.equation, f"1.1 * ({r.rate})") if r.name in ("bite", "infect") else r
        for r in model.reactions
    )
    return replace(model, reactions=reactions)


MUTANTS: dict[str, Callable[[Model], Model]] = {
    "swap-rates": swap_rates,
    "no-resurrection": no_resurrection,
    "bite-10pct": bite_10pct,
}


def get(name: str) -> Callable[[Model], Model]:
    """The mutant called ``name``."""
    if name not in MUTANTS:
        raise HyosanError("mutant: " + suggest(name, MUTANTS, "mutant"))
    return MUTANTS[name]
