"""Kernels compiled and worlds built when the server starts, so the first page waits on neither.

The page says "warming up" until :func:`warm` is done (``/api/status``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("hyosan.web")


KERNELS_ONE_AT_A_TIME = threading.Lock()
"""Held around every session's kernel work when numba's threading layer is 'workqueue', which
cannot run parallel kernels from two threads at once ('omp' and 'tbb' can)."""


def kernels_shareable() -> bool:
    """Whether parallel kernels may run from several threads at once (after a first launch)."""
    import numba

    try:
        return numba.threading_layer() != "workqueue"
    except ValueError:  # no parallel kernel launched yet: be careful
        return False


class Warmth:
    """Whether the server is ready, and what it is doing meanwhile."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.shareable = False
        self.doing = "starting"
        self.error: str | None = None
        self.seconds = 0.0

    def status(self) -> dict[str, Any]:
        return {
            "ready": self.ready.is_set(),
            "doing": self.doing,
            "error": self.error,
            "seconds": round(self.seconds, 1),
        }


def warm(warmth: Warmth, worlds: tuple[str, ...]) -> None:
    """Build each world, draw its map and run a few frames of it (compiling its kernels)."""
    from hyosan.web.geometry import page_geometry
    from hyosan.web.session import Session

    started = time.perf_counter()
    try:
        for key in worlds:
            warmth.doing = f"building {key}"
            page_geometry(key)
            warmth.doing = f"compiling kernels ({key})"
            session = Session(key)
            session.setup(key, 1)
            for _ in range(2):
                session.step()
        warmth.shareable = kernels_shareable()
        warmth.doing = "ready"
    except Exception as error:  # the page shows it; the server still serves what it can
        log.exception("warming up failed")
        warmth.error = f"{type(error).__name__}: {error}"
        warmth.doing = "failed"
    finally:
        warmth.seconds = time.perf_counter() - started
        warmth.ready.set()
