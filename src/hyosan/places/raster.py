"""Polygons to places: one place per polygon (links along shared borders) or a raster grid.

Link weights discretize diffusion: a hop from i to j has weight ``border_ij / (area_i * d_ij)``
times ``reference**2`` (d_ij: distance between centres). On a square grid of side ``reference``
that is exactly 1 per neighbour, so a model's hop rate means "hops per hour to one neighbouring
cell of side ``reference``" and the same rates give the same spread at any resolution.

Rasterizing is dasymetric: each polygon's population goes to the grid cells it overlaps, in
proportion to the land area it has in them, in whole people with the largest remainders, so every
polygon's total (and the grand total) is kept exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hyosan.errors import PlacesError
from hyosan.places.graph import Places

DEFAULT_REFERENCE = 250.0
"""Reference cell side (metres) at which one neighbour link has weight 1."""


# ------------------------------------------------------------------------------------------------
def allocate_largest_remainder(
    totals: np.ndarray, group: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Split each group's whole ``totals[g]`` over its members in proportion to ``weights``.

    Every member gets the floor of its quota, and the people left over go one each to the members
    with the largest remainders. Groups whose weights are all zero split evenly.
    """
    totals = np.asarray(totals, np.int64)
    group = np.asarray(group, np.int64)
    weights = np.asarray(weights, np.float64)
    n_groups = len(totals)
    weight_sum = np.bincount(group, weights, minlength=n_groups)
    size = np.bincount(group, minlength=n_groups)
    if np.any((totals > 0) & (size == 0)):
        g = int(np.flatnonzero((totals > 0) & (size == 0))[0])
        raise PlacesError(f"allocation: group {g} has {totals[g]} people but no members")
    weighted = weight_sum[group] > 0
    share = np.where(
        weighted,
        weights / np.where(weighted, weight_sum[group], 1.0),
        1.0 / np.maximum(size[group], 1),
    )
    quota = totals[group] * share
    base = np.floor(quota).astype(np.int64)
    left = totals - np.bincount(group, base, minlength=n_groups)
    remainder = quota - base
    order = np.lexsort((np.arange(len(group)), -remainder, group))
    first = np.zeros(n_groups + 1, np.int64)
    np.cumsum(size, out=first[1:])
    rank = np.empty(len(group), np.int64)
    rank[order] = np.arange(len(group)) - first[group[order]]
    return base + (rank < left[group]).astype(np.int64)


# ------------------------------------------------------------------------------------------------
def shared_borders(
    geometry: Sequence, min_length: float = 20.0, snap: float = 5.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of polygons sharing more than ``min_length`` of border, and that length.

    Simplified boundaries leave slivers and overlaps, so a border is the part of i's boundary
    within ``snap`` of j (averaged with the part of j's boundary within ``snap`` of i).
    """
    import shapely

    geometry = np.asarray(geometry, dtype=object)
    tree = shapely.STRtree(geometry)
    grown = shapely.buffer(geometry, snap)
    a, b = tree.query(grown, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    rim = shapely.boundary(geometry)
    length = 0.5 * (
        shapely.length(shapely.intersection(rim[a], grown[b]))
        + shapely.length(shapely.intersection(rim[b], grown[a]))
    )
    keep = length > min_length
    return a[keep].astype(np.int64), b[keep].astype(np.int64), length[keep]


def diffusion_weights(
    source: np.ndarray,
    dest: np.ndarray,
    width: np.ndarray,
    area: np.ndarray,
    xy: np.ndarray,
    reference: float = DEFAULT_REFERENCE,
) -> np.ndarray:
    """Weight of each link source -> dest: width / (area[source] * distance) * reference**2.

    Lengths in metres, areas in square metres; the result has no unit.
    """
    distance = np.hypot(*(xy[dest] - xy[source]).T)
    distance = np.maximum(distance, 1e-3 * reference)
    return np.asarray(width, float) / (area[source] * distance) * reference**2


def from_polygons(
    names: Sequence[str],
    geometry: Sequence,
    population: np.ndarray,
    region: Sequence[str],
    kind: str = "polygon",
    group: str = "streets",
    reference: float = DEFAULT_REFERENCE,
    min_border: float = 20.0,
) -> Places:
    """One place per polygon, linked both ways across every shared border (length-weighted).

    Coordinates are the polygons' centroids and areas are in km² (geometry in metres).
    """
    import shapely

    geometry = np.asarray(geometry, dtype=object)
    a, b, length = shared_borders(geometry, min_border)
    area = shapely.area(geometry)
    xy = shapely.get_coordinates(shapely.centroid(geometry))
    source = np.concatenate([a, b])
    dest = np.concatenate([b, a])
    width = np.concatenate([length, length])
    return Places(
        names=list(names),
        area=area / 1e6,
        counts={"S": np.asarray(population, np.int64)},
        region=list(region),
        link_source=source,
        link_dest=dest,
        link_weight=diffusion_weights(source, dest, width, area, xy, reference),
        link_group=group,
        kind=[kind] * len(geometry),
        coords=xy,
    )


# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Raster:
    """The land cells of a grid laid over polygons, with population taken from the polygons."""

    cell: float  # side in metres
    origin: tuple[float, float]  # (x, y) of the grid's top-left corner
    shape: tuple[int, int]  # rows, cols of the full grid
    row: np.ndarray  # int64 per land cell
    col: np.ndarray
    land_area: np.ndarray  # m² of land in each cell
    owner: np.ndarray  # the polygon with the most land in each cell
    population: np.ndarray  # int64 people in each cell

    @property
    def n_cells(self) -> int:
        return len(self.row)

    @property
    def xy(self) -> np.ndarray:
        """Cell centres in the polygons' coordinates."""
        x0, y0 = self.origin
        return np.column_stack(
            [x0 + (self.col + 0.5) * self.cell, y0 - (self.row + 0.5) * self.cell]
        )

    def cell_at(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Index of the land cell containing each point, -1 where there is none."""
        x0, y0 = self.origin
        col = np.floor((np.asarray(x, float) - x0) / self.cell).astype(np.int64)
        row = np.floor((y0 - np.asarray(y, float)) / self.cell).astype(np.int64)
        rows, cols = self.shape
        lookup = np.full(rows * cols, -1, np.int64)
        lookup[self.row * cols + self.col] = np.arange(self.n_cells)
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        flat = np.where(inside, row * cols + col, 0)
        return np.where(inside, lookup[flat], -1)

    def neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """Directed 4-neighbour (source, dest) pairs between land cells."""
        source, dest = [], []
        for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            target = self.cell_at(*self.xy.T + np.array([[dc * self.cell], [-dr * self.cell]]))
            ok = target >= 0
            source.append(np.flatnonzero(ok))
            dest.append(target[ok])
        source_all, dest_all = np.concatenate(source), np.concatenate(dest)
        order = np.lexsort((dest_all, source_all))
        return source_all[order], dest_all[order]


def rasterize(
    geometry: Sequence,
    population: np.ndarray,
    cell: float = 250.0,
    water=None,
    min_land: float = 0.25,
) -> Raster:
    """A ``cell``-metre grid over the polygons, keeping cells with at least ``min_land`` of land.

    ``water`` (a shapely geometry) is taken out of every polygon first, so nobody lives in the
    river. Each polygon keeps at least the cell where it has the most land, so no one is lost.
    """
    import shapely

    if not cell > 0:
        raise PlacesError(f"raster cell size must be positive, got {cell!r}")
    geometry = np.asarray(geometry, dtype=object)
    population = np.asarray(population, np.int64)
    if len(population) != len(geometry):
        raise PlacesError("rasterize: one population per polygon is needed")
    land = shapely.difference(geometry, water) if water is not None else geometry
    minx, miny, maxx, maxy = shapely.total_bounds(geometry)
    x0 = np.floor(minx / cell) * cell
    y0 = np.ceil(maxy / cell) * cell
    cols = int(np.ceil((maxx - x0) / cell))
    rows = int(np.ceil((y0 - miny) / cell))
    rr, cc = np.divmod(np.arange(rows * cols), cols)
    boxes = shapely.box(x0 + cc * cell, y0 - (rr + 1) * cell, x0 + (cc + 1) * cell, y0 - rr * cell)
    tree = shapely.STRtree(boxes)

    # Cells wholly inside a polygon need no clipping; only the rim cells do.
    inner_poly, inner_box = tree.query(land, predicate="contains_properly")
    poly, box = tree.query(land, predicate="intersects")
    rim = ~np.isin(poly * len(boxes) + box, inner_poly * len(boxes) + inner_box)
    area = np.full(len(poly), cell * cell)
    if rim.any():
        area[rim] = shapely.area(shapely.intersection(land[poly[rim]], boxes[box[rim]]))
    keep_pair = area > 0
    poly, box, area = poly[keep_pair], box[keep_pair], area[keep_pair]

    cell_land = np.bincount(box, area, minlength=len(boxes))
    kept = cell_land >= min_land * cell * cell
    # Each polygon keeps its best cell even if that cell is mostly water or another polygon's.
    best = np.lexsort((-area, poly))
    first = best[np.r_[True, poly[best][1:] != poly[best][:-1]]]
    kept[box[first]] = True
    missing = np.setdiff1d(np.flatnonzero(population > 0), poly)
    if missing.size:
        raise PlacesError(f"rasterize: polygon {int(missing[0])} has people but no land area")

    cells = np.flatnonzero(kept)
    position = np.full(len(boxes), -1, np.int64)
    position[cells] = np.arange(len(cells))
    in_kept = kept[box]
    share = allocate_largest_remainder(population, poly[in_kept], area[in_kept])
    people = np.bincount(position[box[in_kept]], share, minlength=len(cells)).astype(np.int64)

    by_cell = np.lexsort((-area[in_kept], position[box[in_kept]]))
    cell_sorted = position[box[in_kept]][by_cell]
    lead = by_cell[np.r_[True, cell_sorted[1:] != cell_sorted[:-1]]]
    owner = np.empty(len(cells), np.int64)
    owner[position[box[in_kept]][lead]] = poly[in_kept][lead]
    return Raster(
        cell=float(cell),
        origin=(float(x0), float(y0)),
        shape=(rows, cols),
        row=rr[cells].astype(np.int64),
        col=cc[cells].astype(np.int64),
        land_area=cell_land[cells],
        owner=owner,
        population=people,
    )


def from_raster(
    raster: Raster,
    region: Sequence[str],
    kind: str = "cell",
    group: str = "streets",
    reference: float = DEFAULT_REFERENCE,
) -> Places:
    """The land cells as places named 'row,col', linked to their 4 neighbours.

    Neighbour links have weight (reference / cell)**2; areas are land areas in km².
    """
    source, dest = raster.neighbours()
    weight = (reference / raster.cell) ** 2
    return Places(
        names=[f"{r},{c}" for r, c in zip(raster.row.tolist(), raster.col.tolist(), strict=True)],
        area=raster.land_area / 1e6,
        counts={"S": raster.population},
        region=list(region),
        link_source=source,
        link_dest=dest,
        link_weight=np.full(len(source), weight),
        link_group=group,
        kind=[kind] * raster.n_cells,
        coords=raster.xy,
    )
