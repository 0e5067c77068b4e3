"""Errors that name what is wrong and where, and suggest what was probably meant.

An error carries the key path of the input at fault (``interventions[2].start``) apart from its
message, so that a layer which knows more of the path (a scenario file knows that the intervention
came from ``interventions[2]``) adds to the key instead of rewording or parsing the message.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class HyosanError(ValueError):
    """Bad input: ``message`` says what is wrong, ``key`` (optional) which input it is.

    ``str(error)`` reads ``"<source>: <key>: <message>"``, leaving out what is not given, e.g.
    ``HyosanError("must be >= 0", key="interventions[2].start")`` reads
    ``"interventions[2].start: must be >= 0"``. ``source`` names the document the key is in
    (``scenario file 'town.toml'``).
    """

    def __init__(self, message: str = "", key: str | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.source = source

    def __str__(self) -> str:
        return ": ".join(part for part in (self.source, self.key, self.message) if part)

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (("key", self.key), ("source", self.source))
            if value
        )
        return f"{type(self).__name__}({self.message!r}{extra})"


class ModelError(HyosanError):
    """A model that cannot be built: names the reaction or parameter at fault."""


class PlacesError(HyosanError):
    """A graph of places that cannot be built: names the place, link or count at fault."""


class HyosanWarning(RuntimeWarning):
    """A run that completes but may not answer the question: a tau step too coarse, a world
    where nobody can move (see ``hyosan.run.checks``)."""


def join_keys(prefix: str, key: str | None) -> str:
    """'world' + 'grid.shape' -> 'world.grid.shape'; 'outbreak' + '[2]' -> 'outbreak[2]'."""
    if not key:
        return prefix
    if not prefix:
        return key
    return prefix + key if key.startswith("[") else f"{prefix}.{key}"


@contextmanager
def key_prefix(prefix: str) -> Iterator[None]:
    """Put ``prefix`` in front of the key of any HyosanError raised inside (its class and
    message unchanged): ``with key_prefix("interventions[2]"): ...``."""
    try:
        yield
    except HyosanError as error:
        error.key = join_keys(prefix, error.key)
        raise


def suggest(name: str, known: Iterable[str], kind: str, *, lead: str = "unknown") -> str:
    """'unknown place 'labb'; did you mean 'lab'?' with the closest known names.

    ``lead=""`` leaves out the first word, for sentences such as "model 'szr' has no ...".
    """
    return f"{lead} {kind} {name!r}".lstrip() + hint(name, known)


def hint(name: str, known: Iterable[str]) -> str:
    """'; did you mean 'lab'?' (the closest known names), else '; known: ...' (the first few)."""
    known = list(known)
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    preview = ", ".join(repr(k) for k in known[:8])
    more = ", ..." if len(known) > 8 else ""
    return f"; known: {preview}{more}"


def key_path(parts: Iterable[str | int]) -> str:
    """('interventions', 0, 'zone') -> 'interventions[0].zone'."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text
