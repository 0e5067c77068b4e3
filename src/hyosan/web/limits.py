"""What one server allows, all in one place and all configurable (``hyosan serve`` flags)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The server's limits; beyond them a clear answer, never a crash.

    sessions: simulations running at once (the next page is told the server is busy).
    places: the largest world offered (places); runs: histories per "run many".
    message_bytes: the largest websocket message read from a page.
    lifetime_s: a session is closed after this long, its simulation freed.
    max_fps: frames per second sent to one page at most.
    """

    sessions: int = 8
    places: int = 50_000
    runs: int = 200
    message_bytes: int = 4096
    lifetime_s: float = 3600.0
    max_fps: float = 30.0
