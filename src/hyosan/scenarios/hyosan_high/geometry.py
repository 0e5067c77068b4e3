"""Hyosan High as a map draws it: the floor plan, every room a named rectangle, y down.

The plan's ``[layout]`` puts corridor segments side by side, floors stacked upward and each room
just above the segment its door opens onto (``school_places``); here those points become the
rooms' outlines: a room is ``room_width`` wide and reaches from its corridor to the next floor, a
stairwell stands at each end of its floor's corridor, and the rooms the plan places by hand (the
rooftop, the grounds) get the sizes below. The city outside the gate is drawn as a row of boxes
under the grounds instead of at its schematic points, so the school fills the map.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from hyosan.plots.geometry import MapGeometry, place_xy

CORRIDOR_DEPTH = 5.0
STAIRWELL_WIDTH = 8.0
FREE_STANDING = {
    "rooftop": (160.0, 10.0),
    "playground": (100.0, 36.0),
    "gym": (32.0, 28.0),
    "cafeteria": (32.0, 28.0),
    "archery-range": (32.0, 16.0),
    "gate": (24.0, 10.0),
}
"""(width, depth) in metres of the rooms the plan places by their centre."""
CITY_ROW = (-36.0, 180.0, 104.0, 20.0)
"""The row of city boxes: left, right, top and depth (m)."""
SHORT_NAMES = {
    "administration": "admin",
    "broadcasting-room": "broad-\ncasting",
    "teachers-office": "teachers'\noffice",
    "music-room": "music",
    "archery-range": "archery range",
    "police-station": "police\nstation",
    "outside-hyosan": "outside\nHyosan",
}


def map_geometry(ds: xr.Dataset) -> MapGeometry | None:
    """Room rectangles with names for these results' places; None if a place is not the plan's."""
    import shapely

    from hyosan.scenarios.hyosan_high import CITY_KINDS, plan

    data = plan()
    layout = data["layout"]
    kinds = {str(room["name"]): str(room["kind"]) for room in data["room"]}
    names = [str(p) for p in ds["place"].values]
    x, y = place_xy(ds)
    where = dict(zip(names, zip(x.tolist(), y.tolist(), strict=True), strict=True))
    floors = [str(floor["name"]) for floor in data["floor"]]
    room_depth = 2 * (float(layout["room_offset"]) - CORRIDOR_DEPTH / 2)
    half_segment = float(layout["segment_width"]) / 2
    corridor_x = [where[n][0] for n in names if n.startswith("corridor-")]
    if not corridor_x:
        return None
    left, right = min(corridor_x) - half_segment, max(corridor_x) + half_segment
    city = [n for n in names if kinds.get(n) in CITY_KINDS]
    shapes, labels = [], []
    for name in names:
        cx, cy = where[name]
        if name.startswith("corridor-"):
            box = (
                cx - half_segment,
                cy - CORRIDOR_DEPTH / 2,
                cx + half_segment,
                cy + CORRIDOR_DEPTH / 2,
            )
            label = None
        elif name.startswith("stairs-"):
            x0 = left - STAIRWELL_WIDTH if cx < left else right
            box = (
                x0,
                cy - CORRIDOR_DEPTH / 2 - room_depth,
                x0 + STAIRWELL_WIDTH,
                cy + CORRIDOR_DEPTH / 2,
            )
            label = None
        elif name in city:
            x0, x1, top, depth = CITY_ROW
            step = (x1 - x0) / len(city)
            k = city.index(name)
            box = (x0 + k * step + 1.0, top, x0 + (k + 1) * step - 1.0, top + depth)
            label = _label(name.removeprefix("hyosan-"))
        elif name in FREE_STANDING:
            width, depth = FREE_STANDING[name]
            box = (cx - width / 2, cy - depth / 2, cx + width / 2, cy + depth / 2)
            label = _label(name)
        elif name in kinds:  # a room on a corridor: from the corridor's edge up to the next floor
            half = float(layout["room_width"]) / 2
            bottom = cy + float(layout["room_offset"]) - CORRIDOR_DEPTH / 2
            box = (cx - half, bottom - room_depth, cx + half, bottom)
            label = _label(name)
        else:
            return None
        shapes.append(shapely.box(*box))
        labels.append(label)
    floor_y = {
        floor: float(np.mean([where[n][1] for n in names if n.startswith(f"corridor-{floor}-")]))
        for floor in floors
        if any(n.startswith(f"corridor-{floor}-") for n in names)
    }
    areas = [(left - STAIRWELL_WIDTH - 6.0, cy - room_depth / 2, f) for f, cy in floor_y.items()]
    if city:
        areas.append(((CITY_ROW[0] + CITY_ROW[1]) / 2, CITY_ROW[2] - 4.0, "the city of Hyosan"))
    return MapGeometry(
        shapes=shapes,
        place_labels=labels,
        labels=[(ax, ay, text) for ax, ay, text in areas],
        y_down=True,
        floor_plan=True,
        place_word="room",
        note="Hyosan High: a schematic plan, floors stacked (1F at the bottom), grounds below",
    )


def _label(name: str) -> str:
    if name.startswith("class-"):
        return name.removeprefix("class-")
    return SHORT_NAMES.get(name, name.replace("-", "\n"))
