"""Which regions results are about: the focus a world names (a school in its town), read back.

Results carry it as the coordinate ``region_part`` along ``region`` (each region's part: the
focus's name or the context's) and the attribute ``focus`` (the focus's name); results without
them (a world with no focus, or files written before) are all focus. Summaries, curves and the
command line's report read it through the functions here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

PART = "region_part"
"""The coordinate along ``region`` naming each region's part."""


def attach_focus(ds: xr.Dataset, focus: Any) -> xr.Dataset:
    """``ds`` with ``region_part`` and the ``focus`` and ``context`` attributes (a
    :class:`hyosan.places.Focus`; None leaves ``ds`` as it is)."""
    if focus is None:
        return ds
    regions = [str(r) for r in ds["region"].values]
    ds = ds.assign_coords({PART: ("region", np.asarray(focus.part_of(regions), dtype=str))})
    ds.attrs["focus"] = focus.name
    ds.attrs["context"] = focus.context
    return ds


def focus_name(ds: xr.Dataset) -> str:
    """The focus's name ("school"), or '' when results are about the whole world."""
    return str(ds.attrs.get("focus", "")) if PART in ds.coords else ""


def context_name(ds: xr.Dataset) -> str:
    """The context's name ("town"), or '' when there is none."""
    return str(ds.attrs.get("context", "")) if focus_name(ds) else ""


def focus_mask(ds: xr.Dataset) -> np.ndarray:
    """True for each region in the focus (every region when there is no focus)."""
    name = focus_name(ds)
    if not name:
        return np.ones(ds.sizes.get("region", 0), bool)
    return np.asarray(ds[PART].values).astype(str) == name


def focus_regions(ds: xr.Dataset) -> list[str]:
    """The regions results are about (all of them without a focus)."""
    regions = [str(r) for r in ds["region"].values]
    return [r for r, inside in zip(regions, focus_mask(ds), strict=True) if inside]


def context_regions(ds: xr.Dataset) -> list[str]:
    """The regions shown as context (none without a focus)."""
    regions = [str(r) for r in ds["region"].values]
    return [r for r, inside in zip(regions, focus_mask(ds), strict=True) if not inside]
