"""A rail network read from two CSV files, turned into links between the places its tracks join.

Stations: one row per station and line, with an id, a name, the line and WGS84 coordinates (rows
without coordinates are kept but cannot be placed). Edges: one row per pair of consecutive stations
of a line; a ``kind`` column, when there is one, marks which rows are track (``track``) and which
are walks between platforms (``transfer:...``), which are left out.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hyosan.errors import HyosanError, suggest
from hyosan.places.graph import Places


@dataclass(frozen=True)
class TransitNetwork:
    """Stations (arrays of one entry per station-line) and the track edges between them."""

    ids: list[str]
    names: list[str]
    lines: list[str]
    lat: np.ndarray  # NaN where unknown
    lon: np.ndarray
    edge_from: np.ndarray  # station indices
    edge_to: np.ndarray
    edge_line: list[str]

    @property
    def n_stations(self) -> int:
        return len(self.ids)

    @property
    def n_edges(self) -> int:
        return len(self.edge_from)

    @property
    def located(self) -> np.ndarray:
        """Which stations have coordinates."""
        return np.isfinite(self.lat) & np.isfinite(self.lon)


def _read(path: Path | str, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    path = Path(path)
    if not path.exists():
        raise HyosanError(f"{what} file {str(path)!r} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in required:
            if column not in header:
                raise HyosanError(
                    f"{what} file {path.name!r}: " + suggest(column, header, "column")
                )
        return list(reader)


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else np.nan
    except ValueError:
        return np.nan


def load_transit(
    stations: Path | str,
    edges: Path | str,
    *,
    id_column: str = "fr_code",
    name_column: str = "name_en",
    line_column: str = "line",
    lat_column: str = "lat",
    lon_column: str = "lon",
    from_column: str = "from_fr_code",
    to_column: str = "to_fr_code",
    kind_column: str | None = "kind",
    track_kind: str = "track",
) -> TransitNetwork:
    """Read a station table and an edge table (column names configurable).

    Edges naming an unknown station raise an error naming the station and the row.
    """
    station_rows = _read(
        stations, (id_column, name_column, line_column, lat_column, lon_column), "stations"
    )
    ids = [row[id_column].strip() for row in station_rows]
    index: dict[str, int] = {}
    for k, station in enumerate(ids):
        if station in index:
            raise HyosanError(
                f"stations: id {station!r} appears twice (rows {index[station] + 2} and {k + 2})"
            )
        index[station] = k
    edge_rows = _read(edges, (from_column, to_column), "edges")
    has_kind = kind_column is not None and edge_rows and kind_column in edge_rows[0]
    source, target, line = [], [], []
    for k, row in enumerate(edge_rows):
        if has_kind and row[kind_column].strip() != track_kind:
            continue
        ends = []
        for column in (from_column, to_column):
            station = row[column].strip()
            if station not in index:
                raise HyosanError(f"edges row {k + 2}: " + suggest(station, ids, "station"))
            ends.append(index[station])
        source.append(ends[0])
        target.append(ends[1])
        line.append(row.get(line_column, "") or station_rows[ends[0]][line_column])
    return TransitNetwork(
        ids=ids,
        names=[row[name_column] for row in station_rows],
        lines=[row[line_column] for row in station_rows],
        lat=np.array([_number(row[lat_column]) for row in station_rows]),
        lon=np.array([_number(row[lon_column]) for row in station_rows]),
        edge_from=np.array(source, np.int64),
        edge_to=np.array(target, np.int64),
        edge_line=line,
    )


def station_places(
    network: TransitNetwork, locate: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """The place of each station (``locate(lon, lat)`` -> place index or -1); -1 if unknown."""
    place = np.full(network.n_stations, -1, np.int64)
    located = network.located
    if located.any():
        place[located] = np.asarray(locate(network.lon[located], network.lat[located]), np.int64)
    return place


def transit_pairs(
    network: TransitNetwork, locate: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct place pairs (a < b) joined by track, and how many track edges join them.

    Edges with a station that has no coordinates, lies in no place, or whose two stations are in
    the same place are left out.
    """
    place = station_places(network, locate)
    a, b = place[network.edge_from], place[network.edge_to]
    keep = (a >= 0) & (b >= 0) & (a != b)
    low, high = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    pairs, count = np.unique(np.column_stack([low, high]), axis=0, return_counts=True)
    if len(pairs) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    return pairs[:, 0], pairs[:, 1], count


def with_transit(
    places: Places,
    network: TransitNetwork,
    locate: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rate: float,
    group: str = "subway",
    factors: dict[str, float] | None = None,
    split: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    split_group: str | None = None,
) -> Places:
    """``places`` plus a link each way between the places of consecutive stations.

    Each link has weight ``rate`` per track edge it stands for. ``split(a, b)`` -> bool mask sends
    some pairs (e.g. those crossing a river) to ``split_group`` instead, so they can be shut apart.
    """
    a, b, count = transit_pairs(network, locate)
    weight = rate * count.astype(float)
    apart = (
        np.asarray(split(a, b), bool) if split is not None and len(a) else np.zeros(len(a), bool)
    )
    for chosen, name in ((~apart, group), (apart, split_group or group)):
        if not chosen.any():
            continue
        source = np.concatenate([a[chosen], b[chosen]])
        dest = np.concatenate([b[chosen], a[chosen]])
        places = places.with_links(
            source, dest, np.concatenate([weight[chosen]] * 2), name, factors
        )
    return places
