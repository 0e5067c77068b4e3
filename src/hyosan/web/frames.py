"""Frames as compact binary messages: one byte of colour per place, not JSON per place.

A frame is little-endian: magic ``b"HYF1"``, uint32 frame number, float64 time, uint16 number of
compartments C, uint16 the pane (0 the main run, 1 and 2 the two futures), uint32 places P, then
C float64 totals (the curves' next point) and P uint8 shades, each place's share turned on a log
scale (:func:`shade`). The page decodes it with a DataView (``static/app.js``).
"""

from __future__ import annotations

import struct

import numpy as np

MAGIC = b"HYF1"
HEADER = struct.Struct("<4sIdHHI")
LOG_RANGE = 5.0
"""Shades span shares from 10^-5 (one person in a large dong) to all of the place."""


def shade(turned: np.ndarray, people: np.ndarray) -> np.ndarray:
    """0 for a place where nobody turned, else 1..255 rising with log10 of the share turned,
    so one zombie among 30,000 shows as well as a place overrun."""
    turned = np.asarray(turned, np.float64)
    people = np.asarray(people, np.float64)
    share = np.divide(turned, people, out=np.zeros_like(turned), where=people > 0)
    level = np.clip((np.log10(np.maximum(share, 1e-300)) + LOG_RANGE) / LOG_RANGE, 0.0, 1.0)
    out = np.where(turned > 0, 1 + np.round(254 * level), 0)
    return out.astype(np.uint8)


LEGEND = (
    (0, "nobody turned"),
    (1, "one in 100,000"),
    (52, "one in 10,000"),
    (103, "one in 1,000"),
    (154, "one in 100"),
    (204, "one in 10"),
    (255, "everyone"),
)
"""Shade stops and their words, for the legend (shade = 1 + 254 * (log10(share) + 5) / 5)."""


def encode(frame: int, t: float, totals: np.ndarray, shades: np.ndarray, pane: int = 0) -> bytes:
    """The binary message of one frame."""
    totals = np.ascontiguousarray(totals, "<f8")
    shades = np.ascontiguousarray(shades, np.uint8)
    head = HEADER.pack(MAGIC, int(frame), float(t), len(totals), int(pane), len(shades))
    return head + totals.tobytes() + shades.tobytes()


def decode(data: bytes) -> dict:
    """The frame in ``data`` (for tests and the benchmark)."""
    magic, frame, t, n_comp, pane, n_places = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not a hyosan frame")
    at = HEADER.size
    totals = np.frombuffer(data, "<f8", n_comp, at)
    shades = np.frombuffer(data, np.uint8, n_places, at + 8 * n_comp)
    return {"frame": frame, "t": t, "pane": pane, "totals": totals, "shades": shades}
