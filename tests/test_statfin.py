"""StatFin 11re population denominators: the query body, JSON-stat 2.0 parsing, import rows."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from indicators import statfin
from indicators.config import load_config
from indicators.imports import check_file
from indicators.statfin import (
    AGES_0_17,
    TABLE_PATH,
    StatfinFormatError,
    parse_jsonstat,
    population_csv,
    population_query,
    population_rows,
)


@pytest.fixture(scope="module")
def config():
    return load_config()


def dataset(dims: dict[str, list[str]], values: Any, *, list_index: bool = False,
            **extra: Any) -> dict[str, Any]:
    """A JSON-stat 2.0 dataset with the dimensions in the given order (the last varies fastest)."""
    dimension = {}
    for name, codes in dims.items():
        index: Any = list(codes) if list_index else {c: i for i, c in enumerate(codes)}
        dimension[name] = {"label": name, "category": {"index": index,
                                                       "label": {c: c for c in codes}}}
    return {"version": "2.0", "class": "dataset", "label": "test", "source": "Tilastokeskus",
            "updated": "2025-03-28T06:00:00Z", "id": list(dims),
            "size": [len(c) for c in dims.values()], "dimension": dimension, "value": values,
            "role": {"time": ["Vuosi"], "metric": ["Tiedot"]}, **extra}


# two areas x three ages: reading the values column-major would give different numbers
SMALL_DIMS = {"Vuosi": ["2024"], "Alue": ["SSS", "KU061"], "Ikä": ["SSS", "000", "001"]}
SMALL_VALUES = [5_600_000, 45_000, 47_000, 16_500, 120, 130]
SMALL_EXPECTED = pd.DataFrame({
    "Vuosi": ["2024"] * 6,
    "Alue": ["SSS", "SSS", "SSS", "KU061", "KU061", "KU061"],
    "Ikä": ["SSS", "000", "001"] * 2,
    "value": [5_600_000.0, 45_000.0, 47_000.0, 16_500.0, 120.0, 130.0],
})


# ------------------------------------------------------------------ query


def test_table_path_and_ages():
    assert TABLE_PATH == "/PxWeb/api/v1/fi/StatFin/vaerak/statfin_vaerak_pxt_11re.px"
    assert statfin.BASE_URL + TABLE_PATH == (
        "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/vaerak/statfin_vaerak_pxt_11re.px")
    assert AGES_0_17 == ["000", "001", "002", "003", "004", "005", "006", "007", "008", "009",
                         "010", "011", "012", "013", "014", "015", "016", "017"]


def test_query_body_exact():
    body = population_query([2023, 2024], ["SSS", "KU061"])
    assert body == {
        "query": [
            {"code": "Vuosi", "selection": {"filter": "item", "values": ["2023", "2024"]}},
            {"code": "Alue", "selection": {"filter": "item", "values": ["SSS", "KU061"]}},
            {"code": "Sukupuoli", "selection": {"filter": "item", "values": ["SSS"]}},
            {"code": "Ikä", "selection": {"filter": "item", "values": ["SSS", *AGES_0_17]}},
            {"code": "Tiedot", "selection": {"filter": "item", "values": ["vaesto"]}},
        ],
        "response": {"format": "json-stat2"},
    }
    assert len(body["query"][3]["selection"]["values"]) == 19


@pytest.mark.parametrize(("years", "areas"), [([], ["SSS"]), ([2024], [])])
def test_query_needs_years_and_areas(years, areas):
    with pytest.raises(ValueError):
        population_query(years, areas)


# ------------------------------------------------------------------ parsing


def test_parse_object_index():
    frame = parse_jsonstat(dataset(SMALL_DIMS, SMALL_VALUES))
    pd.testing.assert_frame_equal(frame, SMALL_EXPECTED, check_dtype=False)
    assert frame["value"].dtype == "float64"
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in ("Vuosi", "Alue", "Ikä"))


def test_parse_list_index():
    frame = parse_jsonstat(dataset(SMALL_DIMS, SMALL_VALUES, list_index=True))
    pd.testing.assert_frame_equal(frame, SMALL_EXPECTED, check_dtype=False)


def test_parse_object_index_follows_positions_not_key_order():
    doc = dataset(SMALL_DIMS, SMALL_VALUES)
    doc["dimension"]["Ikä"]["category"]["index"] = {"001": 2, "SSS": 0, "000": 1}
    doc["dimension"]["Alue"]["category"]["index"] = {"KU061": 1, "SSS": 0}
    frame = parse_jsonstat(doc)
    pd.testing.assert_frame_equal(frame, SMALL_EXPECTED, check_dtype=False)


def test_parse_row_major_last_dimension_fastest():
    # 2 x 3: value[i * 3 + j]; a transposed reading (first fastest) would put 1 at (b, x)
    doc = dataset({"A": ["a", "b"], "B": ["x", "y", "z"]}, [0, 1, 2, 3, 4, 5])
    frame = parse_jsonstat(doc)
    cell = {(r.A, r.B): r.value for r in frame.itertuples()}
    assert cell == {("a", "x"): 0.0, ("a", "y"): 1.0, ("a", "z"): 2.0,
                    ("b", "x"): 3.0, ("b", "y"): 4.0, ("b", "z"): 5.0}


def test_parse_three_dimensions_row_major():
    doc = dataset({"A": ["a0", "a1"], "B": ["b0", "b1", "b2"], "C": ["c0", "c1"]},
                  list(range(12)))
    frame = parse_jsonstat(doc)
    for row in frame.itertuples():
        i, j, k = int(row.A[1]), int(row.B[1]), int(row.C[1])
        assert row.value == i * 6 + j * 2 + k
    assert len(frame) == 12


def test_parse_nulls_are_nan_and_kept():
    values = [5_600_000, None, 47_000, None, 120, 130]
    frame = parse_jsonstat(dataset(SMALL_DIMS, values, status={"1": ".", "3": "."}))
    assert len(frame) == 6
    assert math.isnan(frame["value"][1]) and math.isnan(frame["value"][3])
    assert frame["value"][[0, 2, 4, 5]].tolist() == [5_600_000.0, 47_000.0, 120.0, 130.0]


def test_parse_sparse_value_object():
    frame = parse_jsonstat(dataset(SMALL_DIMS, {"0": 5_600_000, "5": 130, "4": None}))
    assert len(frame) == 6
    assert frame["value"][0] == 5_600_000.0
    assert frame["value"][5] == 130.0
    assert frame["value"][[1, 2, 3, 4]].isna().all()
    assert frame["Alue"][5] == "KU061" and frame["Ikä"][5] == "001"


def test_parse_lone_category_without_index():
    doc = dataset(SMALL_DIMS, SMALL_VALUES)
    del doc["dimension"]["Vuosi"]["category"]["index"]
    pd.testing.assert_frame_equal(parse_jsonstat(doc), SMALL_EXPECTED, check_dtype=False)


def _set(path: tuple, value: Any):
    def change(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _delete(path: tuple):
    def change(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


INDEX = ("dimension", "Ikä", "category", "index")
MALFORMED = {
    "class": ("class", _set(("class",), "collection")),
    "no class": ("class", _delete(("class",))),
    "version": ("version", _set(("version",), "1.0")),
    "no version": ("version", _delete(("version",))),
    "id not a list": ("id is not", _set(("id",), "Vuosi")),
    "id empty": ("id is not", _set(("id",), [])),
    "id repeats": ("twice", _set(("id",), ["Vuosi", "Alue", "Alue"])),
    "id not text": ("id is not", _set(("id",), ["Vuosi", "Alue", 3])),
    "id and size differ": ("differ in length", _set(("size",), [1, 2])),
    "size zero": ("size", _set(("size",), [1, 2, 0])),
    "size negative": ("size", _set(("size",), [1, -2, 3])),
    "size not integers": ("size", _set(("size",), [1, "2", 3])),
    "size bool": ("size", _set(("size",), [True, 2, 3])),
    "size product too large": ("every position", _set(("size",), [1, 2, 4])),
    "no size": ("size", _delete(("size",))),
    "no dimension": ("dimension is not", _delete(("dimension",))),
    "dimension not an object": ("dimension is not", _set(("dimension",), [])),
    "dimension missing": ("Alue is missing", _delete(("dimension", "Alue"))),
    "dimension not an object entry": ("no category", _set(("dimension", "Alue"), "Alue")),
    "no category": ("no category", _delete(("dimension", "Alue", "category"))),
    "no index, several labels": ("no category index", _delete(INDEX)),
    "index not list or object": ("neither", _set(INDEX, "SSS")),
    "object index out of range": ("below 3", _set(INDEX, {"SSS": 0, "000": 1, "001": 3})),
    "object index negative": ("below 3", _set(INDEX, {"SSS": 0, "000": -1, "001": 2})),
    "object index duplicated": ("used twice", _set(INDEX, {"SSS": 0, "000": 1, "001": 1})),
    "object index not an integer": ("below 3", _set(INDEX, {"SSS": 0, "000": "1", "001": 2})),
    "object index float": ("below 3", _set(INDEX, {"SSS": 0, "000": 1.0, "001": 2})),
    "object index too short": ("every position", _set(INDEX, {"SSS": 0, "000": 1})),
    "object index too long": ("below 3", _set(INDEX, {"SSS": 0, "000": 1, "001": 2, "002": 3})),
    "list index too short": ("2 categories", _set(INDEX, ["SSS", "000"])),
    "list index too long": ("4 categories", _set(INDEX, ["SSS", "000", "001", "002"])),
    "list index repeats": ("repeats", _set(INDEX, ["SSS", "000", "000"])),
    "list index not text": ("not text", _set(INDEX, ["SSS", 0, 1])),
    "list index empty code": ("not text", _set(INDEX, ["SSS", "", "001"])),
    "too few values": ("5 values", _set(("value",), [1, 2, 3, 4, 5])),
    "too many values": ("7 values", _set(("value",), [1, 2, 3, 4, 5, 6, 7])),
    "no value": ("neither", _delete(("value",))),
    "value text": ("neither", _set(("value",), "1,2,3")),
    "value numeric text": ("not a number", _set(("value",), [1, 2, 3, 4, 5, "6"])),
    "value bool": ("not a number", _set(("value",), [1, 2, 3, 4, 5, True])),
    "value nested": ("not a number", _set(("value",), [1, 2, 3, 4, 5, [6]])),
    "value infinite": ("finite", _set(("value",), [1, 2, 3, 4, 5, float("inf")])),
    "value nan": ("finite", _set(("value",), [1, 2, 3, 4, 5, float("nan")])),
    "value too large": ("finite", _set(("value",), [1, 2, 3, 4, 5, 10**400])),
    "sparse key out of range": ("'6'", _set(("value",), {"0": 1, "6": 2})),
    "sparse key negative": ("'-1'", _set(("value",), {"-1": 1})),
    "sparse key not a number": ("'a'", _set(("value",), {"a": 1})),
    "sparse key leading zero": ("'05'", _set(("value",), {"05": 1})),
    "sparse value text": ("not a number", _set(("value",), {"0": "x"})),
    "dimension called value": ("called 'value'", lambda doc: (
        doc.update(id=["Vuosi", "Alue", "value"]),
        doc["dimension"].update(value=doc["dimension"].pop("Ikä")))),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_parse_malformed_raises(case):
    doc = copy.deepcopy(dataset(SMALL_DIMS, SMALL_VALUES))
    parse_jsonstat(copy.deepcopy(doc))  # the unchanged document is fine
    fragment, change = MALFORMED[case]
    change(doc)
    with pytest.raises(StatfinFormatError) as info:
        parse_jsonstat(doc)
    assert isinstance(info.value, ValueError)
    assert fragment in info.value.reason and str(info.value) == info.value.reason


@pytest.mark.parametrize("doc", [None, [], "dataset", 3, [{"class": "dataset"}]])
def test_parse_not_an_object_raises(doc):
    with pytest.raises(StatfinFormatError):
        parse_jsonstat(doc)


# ------------------------------------------------------------------ import rows


def population_doc(years: list[str], areas: list[str], ages: list[str],
                   figures: dict[tuple[str, str, str], int | None], **kwargs: Any) -> dict:
    """An 11re answer (sex SSS, Tiedot vaesto); cells not in `figures` are null."""
    dims = {"Vuosi": years, "Alue": areas, "Sukupuoli": ["SSS"], "Ikä": ages,
            "Tiedot": ["vaesto"]}
    values = [figures.get((y, a, g)) for y in years for a in areas for g in ages]
    return dataset(dims, values, **kwargs)


def age_figures(year: str, area: str, base: int) -> dict[tuple[str, str, str], int]:
    """Ages 000..017 as base, base + 1, ..., base + 17 (sum 18 * base + 153)."""
    return {(year, area, age): base + i for i, age in enumerate(AGES_0_17)}


AGES = ["SSS", *AGES_0_17]
KNOWN = {"SSS", "HV07", "SK051", "KU061", "KU109"}


def test_population_rows_total_and_0_17():
    figures = {("2023", "KU061", "SSS"): 16_600, ("2024", "KU061", "SSS"): 16_500,
               ("2024", "SSS", "SSS"): 5_603_851,
               **age_figures("2023", "KU061", 150), **age_figures("2024", "KU061", 140),
               **age_figures("2024", "SSS", 50_000)}
    frame = parse_jsonstat(population_doc(["2023", "2024"], ["SSS", "KU061"], AGES, figures))
    rows = population_rows(frame, KNOWN)
    assert list(rows.columns) == ["indicator", "area", "period", "sex", "value"]
    assert all(pd.api.types.is_string_dtype(rows[c]) for c in rows.columns)
    assert rows.to_dict("records") == [
        {"indicator": "population_total", "area": "KU061", "period": "2023", "sex": "total",
         "value": "16600"},
        {"indicator": "population_total", "area": "KU061", "period": "2024", "sex": "total",
         "value": "16500"},
        {"indicator": "population_total", "area": "SSS", "period": "2024", "sex": "total",
         "value": "5603851"},
        {"indicator": "population_0_17", "area": "KU061", "period": "2023", "sex": "total",
         "value": str(18 * 150 + 153)},
        {"indicator": "population_0_17", "area": "KU061", "period": "2024", "sex": "total",
         "value": str(18 * 140 + 153)},
        {"indicator": "population_0_17", "area": "SSS", "period": "2024", "sex": "total",
         "value": str(18 * 50_000 + 153)},
    ]


def test_population_rows_missing_age_gives_no_0_17_row():
    figures = {("2024", "KU061", "SSS"): 16_500, ("2024", "KU109", "SSS"): 68_000,
               **age_figures("2024", "KU061", 140), **age_figures("2024", "KU109", 600)}
    figures[("2024", "KU061", "009")] = None  # one age null for Forssa
    frame = parse_jsonstat(population_doc(["2024"], ["KU061", "KU109"], AGES, figures))
    rows = population_rows(frame, KNOWN)
    young = rows[rows["indicator"] == "population_0_17"]
    assert young[["area", "value"]].values.tolist() == [["KU109", str(18 * 600 + 153)]]
    assert set(rows.loc[rows["indicator"] == "population_total", "area"]) == {"KU061", "KU109"}


def test_population_rows_absent_age_category_gives_no_0_17_row():
    ages = [a for a in AGES if a != "017"]
    figures = {("2024", "KU061", "SSS"): 16_500, **age_figures("2024", "KU061", 140)}
    frame = parse_jsonstat(population_doc(["2024"], ["KU061"], ages, figures))
    rows = population_rows(frame, KNOWN)
    assert rows["indicator"].tolist() == ["population_total"]


def test_population_rows_null_total_gives_no_total_row():
    figures = {("2024", "KU061", "SSS"): None, **age_figures("2024", "KU061", 140)}
    frame = parse_jsonstat(population_doc(["2024"], ["KU061"], AGES, figures))
    rows = population_rows(frame, KNOWN)
    assert rows[["indicator", "value"]].values.tolist() == [
        ["population_0_17", str(18 * 140 + 153)]]


def test_population_rows_only_known_municipalities_and_country():
    areas = ["SSS", "KU061", "KU999", "SK051", "MK05", "HV07", "KU109"]
    figures = {("2024", a, "SSS"): 1000 + i for i, a in enumerate(areas)}
    frame = parse_jsonstat(population_doc(["2024"], areas, ["SSS"], figures))
    rows = population_rows(frame, KNOWN)  # SK051 and HV07 are known, but summed by the store
    assert rows[["area", "value"]].values.tolist() == [
        ["KU061", "1001"], ["KU109", "1006"], ["SSS", "1000"]]


def test_population_rows_keeps_sex_total_and_population_only():
    dims = {"Vuosi": ["2024"], "Alue": ["KU061"], "Sukupuoli": ["SSS", "1", "2"],
            "Ikä": ["SSS"], "Tiedot": ["vaesto", "muutos"]}
    frame = parse_jsonstat(dataset(dims, [16_500, 12, 8_100, 3, 8_400, 9]))
    rows = population_rows(frame, KNOWN)
    assert rows[["indicator", "value"]].values.tolist() == [["population_total", "16500"]]


def test_population_rows_without_sex_and_measure_dimensions():
    frame = parse_jsonstat(dataset({"Vuosi": ["2024"], "Alue": ["KU061"], "Ikä": ["SSS"]},
                                   [16_500]))
    assert population_rows(frame, KNOWN)["value"].tolist() == ["16500"]


@pytest.mark.parametrize("dropped", ["Vuosi", "Alue", "Ikä"])
def test_population_rows_requires_dimensions(dropped):
    frame = parse_jsonstat(population_doc(["2024"], ["KU061"], ["SSS"],
                                          {("2024", "KU061", "SSS"): 16_500}))
    with pytest.raises(StatfinFormatError):
        population_rows(frame.drop(columns=[dropped]), KNOWN)


def test_population_rows_another_splitting_dimension_raises():
    dims = {"Vuosi": ["2024"], "Alue": ["KU061"], "Kieli": ["fi", "sv"], "Ikä": ["SSS"]}
    frame = parse_jsonstat(dataset(dims, [16_000, 500]))
    with pytest.raises(StatfinFormatError):
        population_rows(frame, KNOWN)


@pytest.mark.parametrize(("areas", "figures"), [
    (["KU999", "SK051"], {("2024", "KU999", "SSS"): 1, ("2024", "SK051", "SSS"): 2}),
    (["KU061"], {}),  # every figure null
])
def test_population_rows_nothing_left_raises(areas, figures):
    frame = parse_jsonstat(population_doc(["2024"], areas, ["SSS"], figures))
    with pytest.raises(StatfinFormatError):
        population_rows(frame, KNOWN)


@pytest.mark.parametrize("bad", [16_500.5, -3])
def test_population_rows_refuses_non_counts(bad):
    frame = parse_jsonstat(population_doc(["2024"], ["KU061"], ["SSS"],
                                          {("2024", "KU061", "SSS"): bad}))
    with pytest.raises(StatfinFormatError):
        population_rows(frame, KNOWN)


def test_population_rows_refuses_a_bad_year():
    frame = parse_jsonstat(population_doc(["2024*"], ["KU061"], ["SSS"],
                                          {("2024*", "KU061", "SSS"): 16_500}))
    with pytest.raises(StatfinFormatError):
        population_rows(frame, KNOWN)


# ------------------------------------------------------------------ CSV and the importer


def test_population_csv_text():
    figures = {("2024", "KU061", "SSS"): 16_500, **age_figures("2024", "KU061", 140)}
    rows = population_rows(parse_jsonstat(
        population_doc(["2024"], ["KU061"], AGES, figures)), KNOWN)
    assert population_csv(rows) == (
        "indicator,area,period,sex,value\n"
        "population_total,KU061,2024,total,16500\n"
        f"population_0_17,KU061,2024,total,{18 * 140 + 153}\n")


def test_population_csv_needs_the_columns():
    with pytest.raises(ValueError):
        population_csv(pd.DataFrame({"indicator": ["population_total"]}))


def test_population_csv_passes_the_importer(config, tmp_path: Path):
    municipalities = [a.code for a in config.areas.values() if a.level == "municipality"]
    areas = ["SSS", *municipalities, "SK051", "HV07", "KU999"]
    years = ["2023", "2024"]
    figures: dict[tuple[str, str, str], int | None] = {}
    for y, year in enumerate(years):
        for i, area in enumerate(areas):
            figures[(year, area, "SSS")] = 10_000 + 100 * i + y
            figures.update(age_figures(year, area, 100 + 10 * i + y))
    rows = population_rows(parse_jsonstat(population_doc(years, areas, AGES, figures)),
                           set(config.areas))
    assert len(rows) == 2 * 2 * (1 + len(municipalities))
    path = tmp_path / "statfin_11re.csv"
    path.write_bytes(population_csv(rows).encode("utf-8"))
    report, result = check_file(path, config)
    assert report.problems == []
    assert result is not None and result.problems == []
    got = {(r.indicator_id, r.area_code, r.period, r.sex): r.value
           for r in result.rows.itertuples()}
    want = {}
    for y, year in enumerate(years):
        for i, area in enumerate(areas):
            if area not in ("SSS", *municipalities):
                continue
            want[("population_total", area, year, "total")] = float(10_000 + 100 * i + y)
            want[("population_0_17", area, year, "total")] = float(
                18 * (100 + 10 * i + y) + 153)
    assert got == want


# ------------------------------------------------------------------ table metadata


def table_metadata(years: Any) -> dict:
    return {"title": "Väestö 31.12. muuttujina Vuosi, Alue, Sukupuoli, Ikä ja Tiedot",
            "variables": [
                {"code": "Vuosi", "text": "Vuosi", "values": years, "valueTexts": years},
                {"code": "Alue", "text": "Alue", "values": ["SSS", "KU061"],
                 "valueTexts": ["KOKO MAA", "Forssa"]}]}


def test_available_years():
    assert statfin.available_years(table_metadata(["2024", "1972", "2023"])) == [1972, 2023, 2024]


@pytest.mark.parametrize("metadata", [
    None, [], {"title": "x"}, {"variables": {}}, {"variables": [{"code": "Alue", "values": []}]},
    table_metadata([]), table_metadata(["2024", "vuosi"]), table_metadata([2024]),
    table_metadata("2024"),
    {"variables": [{"code": "Vuosi", "values": ["2024"]}, {"code": "Vuosi", "values": ["2023"]}]},
])
def test_available_years_malformed(metadata):
    with pytest.raises(StatfinFormatError):
        statfin.available_years(metadata)


def test_metadata_records(config):
    doc = population_doc(["2024"], ["KU061"], ["SSS"], {("2024", "KU061", "SSS"): 16_500})
    records = statfin.metadata_records(doc, config)
    assert [r["indicator_id"] for r in records] == ["population_total", "population_0_17"]
    assert [r["source_ref"] for r in records] == ["statfin:11re_total", "statfin:11re_0_17"]
    for record in records:
        assert record["source"] == "statfin" and record["title_fi"] == "test"
        assert record["organisation"] == "Tilastokeskus"
        assert record["data_updated"] == "2025-03-28T06:00:00Z"
        assert record["decimals"] == 0 and record["limits"] is None
        assert all(record[f"description_{lang}"] for lang in ("fi", "sv", "en"))
    with pytest.raises(StatfinFormatError):
        statfin.metadata_records([], config)


# ------------------------------------------------------------------ demo


def test_demo_population_0_17_is_the_demo_rate_denominator(config):
    from indicators.demo import YEARS, generate

    frames = generate(config)
    population = frames["population_0_17"].set_index(["area_code", "period"])
    rates = frames["cw_notifications_rate"].set_index(["area_code", "period"])
    assert set(population.index) == set(rates.index)
    assert len(population) == len(YEARS) * (1 + sum(
        a.level == "municipality" for a in config.areas.values()))
    for key, row in population.iterrows():
        assert row["value"] == row["numerator"] == rates.loc[key, "denominator"], key
        assert math.isnan(row["denominator"])
    total = frames["population_total"].set_index(["area_code", "period"])
    assert set(total.index) == set(population.index)
    assert (total["value"] > population["value"]).all()
    forssa = total.loc[("KU061", "2024"), "value"]
    assert forssa == config.areas["KU061"].population
