"""Builders of common graphs of places: one well-mixed place, a lattice, a building."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hyosan.errors import PlacesError
from hyosan.places.graph import Places

CountSpec = Mapping[str, int | float | np.ndarray]


def well_mixed(counts: CountSpec, area: float = 1.0, name: str = "world") -> Places:
    """One place where everyone meets everyone: the classic non-spatial model."""
    return Places(
        names=[name],
        area=np.array([area], np.float64),
        counts={k: np.array([v]) for k, v in counts.items()},
        region=[name],
        link_source=np.zeros(0, np.int64),
        link_dest=np.zeros(0, np.int64),
        link_weight=np.zeros(0),
        link_group=[],
        kind=["world"],
    )


def lattice_links(shape: tuple[int, int], periodic: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Directed 4-neighbour links of a row-major lattice, as (source, dest) index arrays."""
    rows, cols = shape
    index = np.arange(rows * cols).reshape(rows, cols)
    sources, dests = [], []
    for axis, shift in ((0, 1), (0, -1), (1, 1), (1, -1)):
        neighbour = np.roll(index, -shift, axis=axis)
        valid = np.ones(shape, bool)
        if not periodic:
            if axis == 0:
                valid[-1 if shift == 1 else 0, :] = False
            else:
                valid[:, -1 if shift == 1 else 0] = False
        sources.append(index[valid])
        dests.append(neighbour[valid])
    source = np.concatenate(sources)
    dest = np.concatenate(dests)
    order = np.lexsort((dest, source))
    return source[order], dest[order]


def grid(
    shape: tuple[int, int],
    counts_per_cell: CountSpec,
    periodic: bool = False,
    cell_area: float = 1.0,
    cell_size: float = 1.0,
    hop_weight: float = 1.0,
    regions: np.ndarray | None = None,
    group: str = "grid",
) -> Places:
    """A rows x cols lattice with 4-neighbour links (each of weight ``hop_weight``).

    ``counts_per_cell`` values are a number for every cell or an array of ``shape`` (a population
    raster). Cells are named 'row,col'; ``regions`` is an optional array of ``shape`` of labels.
    """
    rows, cols = (int(s) for s in shape)
    if rows < 1 or cols < 1:
        raise PlacesError(f"grid shape must be positive, got {shape}")
    n = rows * cols
    counts = {}
    for comp, value in counts_per_cell.items():
        array = np.asarray(value)
        if array.ndim == 2 and array.shape != (rows, cols):
            raise PlacesError(f"counts of {comp!r}: raster shape {array.shape} is not {shape}")
        counts[comp] = np.broadcast_to(array.reshape(-1) if array.ndim == 2 else array, (n,))
    source, dest = lattice_links((rows, cols), periodic)
    rr, cc = np.divmod(np.arange(n), cols)
    region = ["grid"] * n if regions is None else [str(x) for x in np.asarray(regions).reshape(-1)]
    return Places(
        names=[f"{r},{c}" for r, c in zip(rr, cc, strict=True)],
        area=np.full(n, float(cell_area)),
        counts=counts,
        region=region,
        link_source=source,
        link_dest=dest,
        link_weight=np.full(len(source), float(hop_weight)),
        link_group=[group] * len(source),
        kind=["cell"] * n,
        coords=np.column_stack([cc * cell_size, rr * cell_size]).astype(np.float64),
    )


def building(rooms: Sequence[Mapping], doors: Sequence[Mapping | Sequence]) -> Places:
    """Rooms and the doors between them (each door is two links, both in the door's group).

    A room: {'name', 'area', 'counts': {...}, optional 'kind', 'region', 'xy'}. A door: (a, b) or
    {'a', 'b', optional 'group' (default 'doors'), 'weight' (default 1)}.
    """
    names = [str(room["name"]) for room in rooms]
    index = {name: i for i, name in enumerate(names)}
    compartments = sorted({c for room in rooms for c in room.get("counts", {})})
    counts = {
        c: np.array([room.get("counts", {}).get(c, 0) for room in rooms]) for c in compartments
    }
    source, dest, weight, groups = [], [], [], []
    for k, door in enumerate(doors):
        if isinstance(door, Mapping):
            a, b = door.get("a"), door.get("b")
            group, w = str(door.get("group", "doors")), float(door.get("weight", 1.0))
        else:
            a, b = door[0], door[1]
            group, w = "doors", 1.0
        for end in (a, b):
            if end not in index:
                from hyosan.errors import suggest

                raise PlacesError(f"door {k}: " + suggest(str(end), names, "room"))
        source += [index[a], index[b]]
        dest += [index[b], index[a]]
        weight += [w, w]
        groups += [group, group]
    xy = [room.get("xy") for room in rooms]
    coords = np.array(xy, np.float64) if all(p is not None for p in xy) else None
    return Places(
        names=names,
        area=np.array([float(room.get("area", 1.0)) for room in rooms]),
        counts=counts,
        region=[str(room.get("region", room["name"])) for room in rooms],
        link_source=np.array(source, np.int64),
        link_dest=np.array(dest, np.int64),
        link_weight=np.array(weight),
        link_group=groups,
        kind=[str(room.get("kind", "room")) for room in rooms],
        coords=coords,
    )
