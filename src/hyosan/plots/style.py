"""What every figure shares: colour-blind-safe colours, compartments named in words, titles.

Figures are built on matplotlib's Agg canvas directly (no pyplot, no global backend change), in the
Okabe-Ito palette for compartments and single-hue scales (light to dark) for maps.
"""

from __future__ import annotations

import json

import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
COMPARTMENT_COLOURS = {
    "S": OKABE_ITO["blue"],
    "E": OKABE_ITO["orange"],
    "I": OKABE_ITO["vermillion"],
    "Z": OKABE_ITO["vermillion"],
    "H": OKABE_ITO["purple"],
    "R": OKABE_ITO["grey"],
    "D": OKABE_ITO["black"],
    "gone": OKABE_ITO["black"],
}
COMPARTMENT_WORDS = {
    "S": "Susceptible",
    "E": "Exposed",
    "I": "Infectious",
    "Z": "Zombie",
    "H": "Hybrid",
    "R": "Removed",
    "D": "Dead",
    "gone": "Gone",
}
"""Legends say what a compartment is; a model's own letters outside this table stay as they are."""
_SPARE = [OKABE_ITO[k] for k in ("green", "sky_blue", "yellow", "orange", "purple", "black")]
HUMAN_CMAP = "Blues"
ZOMBIE_CMAP = "Reds"
"""Map colour scales: light where nobody of the kind is, dark where everybody is."""
EMPTY_COLOUR = "#e4e4e4"
"""Places with nobody in them (a share of nothing) on a map."""
WATER_COLOUR = "#cfe3f3"
KINDS = ("curves", "map", "animation", "characters")


def colours(names: list[str]) -> dict[str, str]:
    """A colour per compartment: fixed for the usual letters, Okabe-Ito for the rest."""
    out, spare = {}, iter(_SPARE * (1 + len(names) // len(_SPARE)))
    for name in names:
        out[name] = COMPARTMENT_COLOURS.get(name) or next(spare)
    return out


def word(compartment: str) -> str:
    """'Z' -> 'Zombie'; stages of one compartment (E1, E2) -> 'Exposed 1'; others unchanged."""
    if compartment in COMPARTMENT_WORDS:
        return COMPARTMENT_WORDS[compartment]
    head = compartment.rstrip("0123456789")
    tail = compartment[len(head) :]
    if tail and head in COMPARTMENT_WORDS:
        return f"{COMPARTMENT_WORDS[head]} {tail}"
    return compartment


def words(compartments: list[str], fallback: str) -> str:
    """'Zombie + Hybrid' for a role's compartments, ``fallback`` for none."""
    return " + ".join(word(c) for c in compartments) or fallback


def figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas, laid out by matplotlib's constrained layout."""
    out = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(out)
    return out


def scenario_name(ds: xr.Dataset) -> str:
    """The world's name recorded in the results ('' when none)."""
    try:
        return str(json.loads(ds.attrs.get("scenario", "{}") or "{}").get("name", ""))
    except (json.JSONDecodeError, AttributeError):
        return ""


def title(ds: xr.Dataset) -> str:
    runs = ds.sizes.get("run", 0)
    return (
        f"{scenario_name(ds) or 'results'}: {ds.attrs.get('model', '')} model, "
        f"{ds.attrs.get('engine', '')} engine, {runs} run{'s' if runs != 1 else ''}"
    )


def roles(ds: xr.Dataset, key: str) -> list[str]:
    """The compartments the results name for a role ('susceptible', 'infectious')."""
    known = [str(c) for c in ds["compartment"].values]
    return [c for c in str(ds.attrs.get(key, "")).split(",") if c in known]
