"""Errors that name what is wrong, and suggest what was probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class HyosanError(ValueError):
    """Bad input: the message names the offending field or value."""


class ModelError(HyosanError):
    """A model that cannot be built: names the reaction or parameter at fault."""


class PlacesError(HyosanError):
    """A graph of places that cannot be built: names the place, link or count at fault."""


class HyosanWarning(RuntimeWarning):
    """A run that completes but may not answer the question: a tau step too coarse, a world
    where nobody can move (see ``hyosan.run.checks``)."""


def suggest(name: str, known: Iterable[str], kind: str) -> str:
    """'unknown place 'labb'; did you mean 'lab'?' with the closest known names."""
    known = list(known)
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    text = f"unknown {kind} {name!r}"
    if close:
        return text + "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    preview = ", ".join(repr(k) for k in known[:8])
    more = ", ..." if len(known) > 8 else ""
    return text + f"; known: {preview}{more}"
