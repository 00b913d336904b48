"""Population denominators from Statistics Finland (StatFin table 11re, PxWeb API v1): pure part.

No network and no Streamlit here: `population_query` builds the JSON body to POST to
`BASE_URL + TABLE_PATH`, `parse_jsonstat` reads the JSON-stat 2.0 answer into a tidy frame (and
refuses anything malformed with `StatfinFormatError`), `population_rows` turns that frame into the
project's canonical import rows for `population_total` and `population_0_17`, and
`population_csv` renders them as the canonical CSV the importer takes.

Only municipalities and the whole country are imported: the store sums regions and the county
from the municipalities, so a figure the source gives for a region would only be a second,
possibly different, version of the same cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from indicators.config import Config

BASE_URL = "https://pxdata.stat.fi"
DEFAULT_BASE_URL = BASE_URL
TABLE_PATH = "/PxWeb/api/v1/fi/StatFin/vaerak/statfin_vaerak_pxt_11re.px"

YEAR, AREA, SEX, AGE, MEASURE = "Vuosi", "Alue", "Sukupuoli", "Ikä", "Tiedot"
TOTAL = "SSS"  # the whole country, both sexes, all ages: the source's code for "total"
POPULATION = "vaesto"  # Tiedot: population on 31 December
AGES_0_17 = [f"{age:03d}" for age in range(18)]

INDICATOR_TOTAL = "population_total"
INDICATOR_0_17 = "population_0_17"
INDICATORS = (INDICATOR_TOTAL, INDICATOR_0_17)
SOURCE_REFS = {INDICATOR_TOTAL: "statfin:11re_total", INDICATOR_0_17: "statfin:11re_0_17"}
IMPORT_COLUMNS = ["indicator", "area", "period", "sex", "value"]

_FLAT_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")
_YEAR = re.compile(r"^[0-9]{4}$")


class StatfinFormatError(ValueError):
    """The source's answer is not what this module understands; `reason` says why (English)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------ query


def _item(code: str, values: Iterable[str]) -> dict[str, Any]:
    return {"code": code, "selection": {"filter": "item", "values": list(values)}}


def population_query(years: list[int], areas: list[str]) -> dict[str, Any]:
    """The PxWeb query body: population on 31 Dec, both sexes, all ages and each age 0-17, for
    `years` and `areas` (Statistics Finland codes such as `SSS`, `KU061`)."""
    if not years or not areas:
        raise ValueError("population_query needs at least one year and one area")
    return {
        "query": [
            _item(YEAR, [str(int(y)) for y in years]),
            _item(AREA, [str(a) for a in areas]),
            _item(SEX, [TOTAL]),
            _item(AGE, [TOTAL, *AGES_0_17]),
            _item(MEASURE, [POPULATION]),
        ],
        "response": {"format": "json-stat2"},
    }


# ------------------------------------------------------------------ JSON-stat 2.0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _header(doc: dict[str, Any]) -> tuple[list[str], list[int], dict[str, Any]]:
    """(ids, sizes, dimensions) of a JSON-stat 2.0 dataset, checked."""
    if doc.get("class") != "dataset":
        raise StatfinFormatError("class is not 'dataset'")
    if doc.get("version") != "2.0":
        raise StatfinFormatError("version is not '2.0'")
    ids, sizes, dims = doc.get("id"), doc.get("size"), doc.get("dimension")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise StatfinFormatError("id is not a non-empty list of dimension names")
    if len(set(ids)) != len(ids):
        raise StatfinFormatError("id names a dimension twice")
    if "value" in ids:
        raise StatfinFormatError("a dimension is called 'value'")
    if not isinstance(sizes, list) or not all(_is_int(s) and s >= 1 for s in sizes):
        raise StatfinFormatError("size is not a list of positive integers")
    if len(sizes) != len(ids):
        raise StatfinFormatError("id and size differ in length")
    if not isinstance(dims, dict):
        raise StatfinFormatError("dimension is not an object")
    return ids, sizes, dims


def _categories(name: str, dimension: object, size: int) -> list[str]:
    """A dimension's category codes in index order, exactly `size` of them."""
    category = dimension.get("category") if isinstance(dimension, dict) else None
    if not isinstance(category, dict):
        raise StatfinFormatError(f"dimension {name} has no category")
    index = category.get("index")
    if index is None:  # JSON-stat allows a lone category without an index
        labels = category.get("label")
        if isinstance(labels, dict) and len(labels) == 1:
            index = list(labels)
        else:
            raise StatfinFormatError(f"dimension {name} has no category index")
    if isinstance(index, list):
        codes = index
    elif isinstance(index, dict):
        codes = _codes_by_position(name, index, size)
    else:
        raise StatfinFormatError(f"dimension {name}: category index is neither a list nor an "
                                 "object")
    if len(codes) != size:
        raise StatfinFormatError(f"dimension {name} has {len(codes)} categories, size says {size}")
    if not all(isinstance(c, str) and c for c in codes):
        raise StatfinFormatError(f"dimension {name}: a category code is not text")
    if len(set(codes)) != len(codes):
        raise StatfinFormatError(f"dimension {name} repeats a category code")
    return codes


def _codes_by_position(name: str, index: dict[Any, Any], size: int) -> list[Any]:
    codes: list[Any] = [None] * size
    for code, position in index.items():
        if not _is_int(position) or not 0 <= position < size:
            raise StatfinFormatError(f"dimension {name}: index position of "
                                     f"{str(code)[:20]!r} is not an integer below {size}")
        if codes[position] is not None:
            raise StatfinFormatError(f"dimension {name}: index position {position} is used twice")
        codes[position] = code
    if any(c is None for c in codes):
        raise StatfinFormatError(f"dimension {name}: index does not cover every position")
    return codes


def _number(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StatfinFormatError("a value is not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise StatfinFormatError("a value is not a finite number")
    return number


def _values(raw: object, total: int) -> list[float]:
    """The flat values (row-major), NaN for null and for cells a sparse object leaves out."""
    if isinstance(raw, list):
        if len(raw) != total:
            raise StatfinFormatError(f"{len(raw)} values, the sizes give {total}")
        return [_number(v) for v in raw]
    if isinstance(raw, dict):
        out = [math.nan] * total
        for key, value in raw.items():
            if not _FLAT_INDEX.match(key) or int(key) >= total:
                raise StatfinFormatError(f"value key {key[:20]!r} is not a position below {total}")
            out[int(key)] = _number(value)
        return out
    raise StatfinFormatError("value is neither a list nor an object")


def parse_jsonstat(doc: object) -> pd.DataFrame:
    """A JSON-stat 2.0 dataset as one row per cell: one str column per dimension (category
    codes) and `value` (float, NaN where the source has none). The last dimension in `id` varies
    fastest. Raises `StatfinFormatError` on anything malformed."""
    if not isinstance(doc, dict):
        raise StatfinFormatError("the answer is not a JSON object")
    ids, sizes, dims = _header(doc)
    codes = []
    for name, size in zip(ids, sizes, strict=True):
        if name not in dims:
            raise StatfinFormatError(f"dimension {name} is missing")
        codes.append(_categories(name, dims[name], size))
    total = math.prod(sizes)
    values = _values(doc.get("value"), total)
    frame = pd.MultiIndex.from_product(codes, names=ids).to_frame(index=False)
    frame = frame.astype(dict.fromkeys(ids, "str"))
    frame["value"] = pd.Series(values, dtype="float64")
    return frame


# ------------------------------------------------------------------ import rows


def _population_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Population (31 Dec, both sexes) by year, area and age, one row each; checked."""
    missing = [c for c in (YEAR, AREA, AGE, "value") if c not in frame.columns]
    if missing:
        raise StatfinFormatError(f"the table has no {', '.join(missing)}")
    cells = frame
    if SEX in cells.columns:
        cells = cells[cells[SEX] == TOTAL]
    if MEASURE in cells.columns:
        cells = cells[cells[MEASURE] == POPULATION]
    cells = cells[[YEAR, AREA, AGE, "value"]]
    if cells.duplicated([YEAR, AREA, AGE]).any():
        raise StatfinFormatError("a year, area and age occur more than once (another dimension "
                                 "splits them)")
    bad_year = ~cells[YEAR].astype(str).str.fullmatch(_YEAR.pattern)
    if bad_year.any():
        raise StatfinFormatError(f"year {str(cells[YEAR][bad_year].iloc[0])[:20]!r} is not a "
                                 "year")
    counts = cells["value"].dropna()
    if ((counts < 0) | (counts % 1 != 0)).any():
        raise StatfinFormatError("a population figure is not a whole non-negative number")
    return cells


def _wanted_area(code: str, known_areas: set[str]) -> bool:
    return (code == TOTAL or code.startswith("KU")) and code in known_areas


def _rows(indicator: str, series: pd.Series) -> pd.DataFrame:
    """Import rows from counts indexed by (area, year)."""
    return pd.DataFrame({
        "indicator": indicator,
        "area": [str(area) for area, _ in series.index],
        "period": [str(year) for _, year in series.index],
        "sex": "total",
        "value": [str(int(v)) for v in series],
    }, columns=IMPORT_COLUMNS)


def population_rows(frame: pd.DataFrame, known_areas: set[str]) -> pd.DataFrame:
    """Canonical import rows (`indicator, area, period, sex, value`, all str) for
    `population_total` (age SSS) and `population_0_17` (the sum of ages 000-017, only where all
    18 are present), sex total, for municipalities and the whole country in `known_areas`.
    Raises `StatfinFormatError` when required dimensions are missing or nothing is left."""
    cells = _population_cells(frame)
    cells = cells[[_wanted_area(str(a), known_areas) for a in cells[AREA]]].dropna(
        subset=["value"])
    keys = [AREA, YEAR]
    total = cells[cells[AGE] == TOTAL].set_index(keys)["value"]
    young = cells[cells[AGE].isin(AGES_0_17)].groupby(keys)["value"].agg(["sum", "count"])
    young = young.loc[young["count"] == len(AGES_0_17), "sum"]
    rows = pd.concat([_rows(INDICATOR_TOTAL, total.sort_index()),
                      _rows(INDICATOR_0_17, young.sort_index())], ignore_index=True)
    if rows.empty:
        raise StatfinFormatError("no population figure for a known municipality or the country")
    return rows.astype("str")


def population_csv(rows: pd.DataFrame) -> str:
    """The rows as the canonical import CSV: UTF-8 text, comma separated, `\\n` line ends,
    header `indicator,area,period,sex,value`."""
    missing = [c for c in IMPORT_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack columns: {', '.join(missing)}")
    return rows[IMPORT_COLUMNS].to_csv(index=False, lineterminator="\n")


# ------------------------------------------------------------------ table metadata


def available_years(metadata: object) -> list[int]:
    """The years table 11re offers (ascending), from its metadata (a GET of `TABLE_PATH`:
    `{"title": ..., "variables": [{"code": "Vuosi", "values": ["1972", ...]}, ...]}`)."""
    variables = metadata.get("variables") if isinstance(metadata, dict) else None
    if not isinstance(variables, list):
        raise StatfinFormatError("the table metadata has no variables")
    found = [v for v in variables if isinstance(v, dict) and v.get("code") == YEAR]
    if len(found) != 1 or not isinstance(found[0].get("values"), list):
        raise StatfinFormatError(f"the table metadata has no single {YEAR} variable")
    values = found[0]["values"]
    if not values or not all(isinstance(v, str) and _YEAR.match(v) for v in values):
        raise StatfinFormatError(f"{YEAR} values are not years")
    return sorted({int(v) for v in values})


# what each indicator takes from the table, for the source-metadata record
_DESCRIPTIONS = {
    INDICATOR_TOTAL: {
        "fi": "StatFin 11re: Väestö 31.12., Sukupuoli yhteensä (SSS), Ikä yhteensä (SSS).",
        "sv": "StatFin 11re: Befolkning 31.12., kön totalt (SSS), ålder totalt (SSS).",
        "en": "StatFin 11re: population on 31 Dec, both sexes (SSS), all ages (SSS)."},
    INDICATOR_0_17: {
        "fi": "StatFin 11re: Väestö 31.12., Sukupuoli yhteensä (SSS), iät 000–017 laskettu "
              "yhteen (vain kun kaikki 18 ikää on julkaistu).",
        "sv": "StatFin 11re: Befolkning 31.12., kön totalt (SSS), åldrarna 000–017 summerade "
              "(bara när alla 18 åldrar är publicerade).",
        "en": "StatFin 11re: population on 31 Dec, both sexes (SSS), ages 000–017 summed (only "
              "where all 18 ages are published)."},
}


def metadata_records(doc: object, config: Config) -> list[dict[str, Any]]:
    """Source-metadata records (the fields `provenance.store_metadata` keeps) for the population
    indicators of the catalogue, from the JSON-stat answer's label, source and update time."""
    if not isinstance(doc, dict):
        raise StatfinFormatError("the answer is not a JSON object")
    title = str(doc.get("label") or "").strip() or "StatFin 11re"
    updated = doc.get("updated")
    out = []
    for indicator_id in INDICATORS:
        indicator = config.indicators.get(indicator_id)
        if indicator is None:
            continue
        texts = _DESCRIPTIONS[indicator_id]
        out.append({
            "indicator_id": indicator_id, "source": "statfin",
            "source_ref": indicator.source_ref or SOURCE_REFS[indicator_id],
            "title_fi": title, "title_sv": title, "title_en": title,
            "description_fi": texts["fi"], "description_sv": texts["sv"],
            "description_en": texts["en"], "decimals": 0, "limits": None,
            "organisation": str(doc.get("source") or "").strip() or "Tilastokeskus",
            "data_updated": str(updated) if updated is not None else None})
    return out
