"""Importing files: a corpus of bad files (each refused with its message, store unchanged), good
Finnish-Excel and Sotkanet files, idempotency, rollback, and no personal value in any output."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from indicators import auth
from indicators.imports import (
    RollbackError,
    check_file,
    import_file,
    rejection_log_path,
    rollback,
)
from indicators.store import StoreReader

HEADER = "indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä"


def _hetu(ddmmyy: str, sign: str, individual: str) -> str:
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(ddmmyy + individual) % 31]
    return f"{ddmmyy}{sign}{individual}{check}"


VALID_HETU = _hetu("131052", "-", "308")


def _rate(num: int, den: int) -> str:
    return f"{num / den * 1000:.1f}".replace(".", ",")


def _csv(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


GOOD_ROW = f"cw_notifications_rate;KU061;2026;{_rate(250, 2680)};250;2680"

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "unknown_indicator": (_csv(HEADER, "no_such_indicator;KU061;2026;1;1;2"),
                          "unknown_indicator"),
    "unknown_area": (_csv(HEADER, f"cw_notifications_rate;KU999;2026;{_rate(250, 2680)};250;2680"),
                     "unknown_area"),
    "quarter_five": (_csv("indikaattori;kunta;kausi;arvo;osoittaja",
                          "attendance_support_started;KU061;2025Q5;4;4"), "impossible_period"),
    "month_thirteen": (_csv("indikaattori;kunta;kausi;arvo;osoittaja",
                            "attendance_support_started;KU061;2026-13;4;4"), "impossible_period"),
    "malformed_period": (_csv(HEADER, "cw_notifications_rate;KU061;kevät;1;1;2"),
                         "malformed_period"),
    "period_type": (_csv("indikaattori;kunta;kausi;arvo;osoittaja;nimittäjä",
                         "absence_over10_month;KU061;2025;10;10;100"), "period_type_mismatch"),
    "percent_over_100": (_csv(HEADER, "anxiety_gr8_9;KU061;2025;120;12;10"),
                         "value_out_of_range"),
    "negative_count": (_csv("indikaattori;kunta;vuosi;arvo;osoittaja",
                            "exercise_counselling_referrals;KU061;2025;-3;-3"),
                       "value_out_of_range"),
    "numerator_over_denominator": (_csv(HEADER, "anxiety_gr8_9;KU061;2025;50;60;40"),
                                   "numerator_exceeds_denominator"),
    "inconsistent": (_csv(HEADER, "cw_notifications_rate;KU061;2026;50,0;250;2680"),
                     "value_inconsistent"),
    "duplicate_conflict": (_csv(HEADER, GOOD_ROW,
                                f"cw_notifications_rate;KU061;2026;{_rate(251, 2680)};251;2680"),
                           "duplicate_conflict"),
    "nan_text": (_csv(HEADER, "cw_notifications_rate;KU061;2026;NaN;250;2680"), "not_finite"),
    "inf_text": (_csv(HEADER, "cw_notifications_rate;KU061;2026;inf;250;2680"), "not_finite"),
    "formula": (_csv(HEADER, "cw_notifications_rate;KU061;2026;=250/2680*1000;250;2680"),
                "formula_text"),
    "formula_at": (_csv(HEADER + ";huom", GOOD_ROW + ";@SUM(A1)"), "formula_text"),
    "no_value_column": (_csv("indikaattori;kunta;vuosi;osoittaja;nimittäjä",
                             "cw_notifications_rate;KU061;2026;250;2680"), "column_missing"),
    "sql_text": (_csv(HEADER, "cw_notifications_rate;\"KU061'); DROP TABLE observation;--\";"
                      f"2026;{_rate(250, 2680)};250;2680"), "unknown_area"),
    "ragged": (_csv(HEADER, GOOD_ROW, "cw_notifications_rate;KU109;2026;1"), "ragged_row"),
    "empty": (b"", "empty_file"),
    "header_only": (_csv(HEADER), "header_only"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", None),
    "binary": (bytes(range(256)) * 40, None),
    "mixed_encoding": ("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n".encode()
                       + "cw_notifications_rate;Hämeenlinna;2026;1,0;12;12000\n".encode()
                       + "cw_notifications_rate;Hämeenlinna;2026;1,0;12;12000\n".encode("cp1252"),
                       None),
    "huge_cell": (_csv(HEADER, GOOD_ROW.replace("KU061", "K" * 1_100_000)), "cell_too_large"),
    "identity_code_anywhere": (_csv(HEADER + ";lisätieto", GOOD_ROW + f";soitettu {VALID_HETU}"),
                               "personal_identity_code"),
    "name_column": (_csv(HEADER + ";sukunimi", GOOD_ROW + ";Virtanen"), "personal_column"),
    "email_content": (_csv(HEADER + ";yhteys", GOOD_ROW + ";matti.virtanen@example.fi"),
                      "personal_column"),
    "row_per_person": (_csv("asiakas_id;kunta;vuosi;diagnoosi",
                            *[f"A{1000 + i};KU061;2025;F90" for i in range(40)]),
                       "row_per_person"),
    "before_first_period": (_csv("indikaattori;alue;kausi;arvo",  # Omatiimi began 2026-02
                                 "omatiimi_requests;SK051;2026-01;4"), "before_first_period"),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(store_path, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(store_path, path)
    return path


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_and_the_store_is_unchanged(name, config, store, tmp_path):
    data, expected = BAD_FILES[name]
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    before = _digest(store)
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"),
                         max_bytes=5_000_000)
    assert report.problems, name
    codes = {p.code for p in report.problems}
    if expected is not None:
        assert expected in codes, (name, codes)
    for problem in report.problems:
        assert problem.file == path.name
        for lang in ("fi", "en"):
            message = problem.message(lang)
            assert message and "{" not in message
    assert _digest(store) == before
    assert report.import_id is None
    assert rejection_log_path(store).exists()


def test_file_over_the_size_limit(config, store, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(_csv(HEADER, *[GOOD_ROW] * 2000))
    before = _digest(store)
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"),
                         max_bytes=10_000)
    assert {p.code for p in report.problems} == {"file_too_large"}
    assert _digest(store) == before


def test_every_problem_names_row_and_column(config, tmp_path):
    path = tmp_path / "many.csv"
    path.write_bytes(_csv(HEADER, GOOD_ROW, "cw_notifications_rate;KU999;2026;1;1;2",
                          "anxiety_gr8_9;KU061;2026-13;120;12;10"))
    report, _ = check_file(path, config)
    located = {(p.code, p.row, p.column) for p in report.problems}
    assert ("unknown_area", 3, "kunta") in located
    assert ("impossible_period", 4, "vuosi") in located
    assert ("value_out_of_range", 4, "arvo") in located


def test_personal_values_never_appear_in_any_output(config, store, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(_csv(HEADER + ";etunimi;henkilötunnus",
                          GOOD_ROW + f";Aino;{VALID_HETU}"))
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
    assert report.problems and report.preview is None
    texts = [p.message(lang) for p in report.problems for lang in ("fi", "en")]
    texts += [repr(p) for p in report.problems]
    texts.append(rejection_log_path(store).read_text(encoding="utf-8"))
    for text in texts:
        assert VALID_HETU not in text and "Aino" not in text


def test_finnish_excel_csv_imports_and_reimport_changes_nothing(config, store, tmp_path):
    path = tmp_path / "ilmoitukset.csv"
    lines = ["Indikaattori;Kunta;Vuosi;Arvo;Osoittaja;Nimittäjä",
             f"cw_notifications_rate;Forssa;2026;{_rate(250, 2680)};250;2680",
             f"cw_notifications_rate;061;2025;{_rate(240, 2700)};240;2700",
             f"cw_notifications_rate;Jokioinen;2026;{_rate(90, 890)};90;890", ";;;;;", ""]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))  # Finnish Excel: cp1252, ;, CRLF
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
    assert report.ok, [p.message("en") for p in report.problems]
    assert report.import_id == 2 and report.rows == 3 and report.changed >= 3
    reader = StoreReader(store)
    try:
        row = reader.query_df(
            "SELECT value, numerator, denominator, import_id FROM observation "
            "WHERE indicator_id = 'cw_notifications_rate' AND area_code = 'KU061' "
            "AND period = '2026'")
        assert row["numerator"].iloc[0] == 250 and row["import_id"].iloc[0] == 2
        history = reader.query_df("SELECT COUNT(*) AS n FROM observation_history "
                                  "WHERE replaced_by_import_id = 2")["n"].iloc[0]
        assert history >= 1  # 2025 of Forssa replaced, and its region and county aggregates
    finally:
        reader.close()
    before = _digest(store)
    again = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
    assert again.ok and again.unchanged and again.import_id is None
    assert _digest(store) == before


def test_rollback_restores_exactly_and_allows_reimport(config, store, tmp_path):
    reader = StoreReader(store)
    query = ("SELECT indicator_id, area_code, period, sex, grp, value, numerator, denominator, "
             "status, import_id, derived FROM observation ORDER BY ALL")
    try:
        original = reader.query_df(query)
        path = tmp_path / "fix.csv"
        path.write_bytes(_csv(HEADER, f"cw_notifications_rate;KU061;2025;{_rate(241, 2700)};241;"
                                      "2700", GOOD_ROW))
        report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
        assert report.ok and report.import_id == 2
        assert not reader.query_df(query).equals(original)
        restored, removed = rollback(store, 2, config, actor=auth.maintainer("test:maintainer"))
        assert restored >= 1 and removed >= 2
        after = reader.query_df(query)
        assert after.equals(original)
        log = reader.query_df("SELECT import_id, outcome FROM import_log ORDER BY 1")
        assert log["outcome"].tolist() == ["ok", "rolled_back"]
        with pytest.raises(RollbackError):
            rollback(store, 2, config, actor=auth.maintainer("test:maintainer"))
        with pytest.raises(RollbackError):
            rollback(store, 7, config, actor=auth.maintainer("test:maintainer"))
        again = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
        assert again.ok and again.import_id == 3
    finally:
        reader.close()


def _sotkanet_files(tmp_path: Path) -> tuple[Path, Path]:
    regions = [
        {"id": 1, "code": "061", "category": "KUNTA", "title": {"fi": "Forssa", "sv": "Forssa",
                                                               "en": "Forssa"}, "memberOf": []},
        {"id": 2, "code": "103", "category": "KUNTA", "title": {"fi": "Humppila",
                                                               "sv": "Humppila",
                                                               "en": "Humppila"}, "memberOf": []},
        {"id": 3, "code": "53", "category": "SEUTUKUNTA",
         "title": {"fi": "Forssan seutukunta", "sv": "Forssa", "en": "Forssa"}, "memberOf": []},
        {"id": 4, "code": "7", "category": "HYVINVOINTIALUE",
         "title": {"fi": "Kanta-Häme", "sv": "Egentliga Tavastland", "en": "Kanta-Häme"},
         "memberOf": []},
        {"id": 5, "code": "0", "category": "MAA",
         "title": {"fi": "Koko maa", "sv": "Hela landet", "en": "Finland"}, "memberOf": []},
        {"id": 6, "code": "091", "category": "KUNTA",
         "title": {"fi": "Helsinki", "sv": "Helsingfors", "en": "Helsinki"}, "memberOf": []},
        {"id": 7, "code": "061", "category": "MAAKUNTA",
         "title": {"fi": "Ei kunta", "sv": "x", "en": "x"}, "memberOf": []},
    ]
    rows = []
    for region, value, abs_value in ((1, 9.4, 254), (2, None, None), (3, 9.0, 470),
                                     (4, 8.7, 2630), (5, 8.1, 82000), (6, 7.7, 7300),
                                     (7, 1.0, 1)):
        rows.append({"indicator": 1086, "region": region, "year": 2025, "gender": "total",
                     "value": value, "absValue": abs_value})
    regions_path = tmp_path / "regions.json"
    regions_path.write_text(json.dumps(regions), encoding="utf-8")
    data_path = tmp_path / "sotkanet_1086.json"
    data_path.write_text(json.dumps(rows), encoding="utf-8")
    return data_path, regions_path


def test_sotkanet_export_imports(config, store, tmp_path):
    data_path, regions_path = _sotkanet_files(tmp_path)
    report = import_file(data_path, config, store, actor=auth.maintainer("test:maintainer"),
                         source="sotkanet",
                         regions_path=regions_path)
    assert report.ok, [p.message("en") for p in report.problems]
    assert ("sotkanet_skipped_regions", {"count": 2}) in report.notes
    reader = StoreReader(store)
    try:
        rows = reader.query_df(
            "SELECT area_code, value, numerator, denominator, derived FROM observation "
            "WHERE indicator_id = 'cw_notification_share' AND period = '2025' "
            "AND import_id = ? ORDER BY area_code", [report.import_id]).set_index("area_code")
    finally:
        reader.close()
    assert rows.loc["KU061", "value"] == 9.4 and rows.loc["KU061", "numerator"] == 254
    assert rows["denominator"].isna().all()  # never filled in from our population figures
    assert rows.loc["HV07", "value"] == 8.7 and not rows.loc["HV07", "derived"]
    assert rows.loc["SSS", "numerator"] == 82000
    assert rows.loc["KU103", "value"] != rows.loc["KU103", "value"]  # null: suppressed, not 0


def test_bom_semicolon_decimal_comma_with_quotes_and_trailing_rows(config, store, tmp_path):
    path = tmp_path / "excel_utf8.csv"
    text = ("Indikaattori;Alue;Kausi;Arvo;Osoittaja;Nimittäjä;Huomautus\r\n"
            f"cw_notifications_rate;Tammela;2026;{_rate(80, 1000)};80;1000;"
            "\"arvio; tarkistettu\"\r\n"
            ";;;;;;\r\n\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
    assert report.ok and report.rows == 1, [p.message("en") for p in report.problems]


def test_sotkanet_semicolon_csv_imports(config, store, tmp_path):
    _, regions_path = _sotkanet_files(tmp_path)
    path = tmp_path / "sotkanet.csv"
    path.write_text("indicator;region;year;gender;primary value;absolute value\n"
                    "3563;1;2025;total;1,4;38\n"
                    "3563;4;2025;total;1,3;390\n"
                    "3563;6;2025;total;1,1;1200\n", encoding="utf-8")
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"),
                         source="sotkanet",
                         regions_path=regions_path)
    assert report.ok, [p.message("en") for p in report.problems]
    assert ("sotkanet_skipped_regions", {"count": 1}) in report.notes
    reader = StoreReader(store)
    try:
        rows = reader.query_df(
            "SELECT area_code, value, numerator FROM observation WHERE import_id = ? "
            "AND indicator_id = 'placed_outside_home_share' ORDER BY 1", [report.import_id])
        assert rows.values.tolist() == [["HV07", 1.3, 390.0], ["KU061", 1.4, 38.0]]
        from indicators.queries import dataset_kind
        assert dataset_kind(reader) == "mixed"
    finally:
        reader.close()


def test_unknown_sotkanet_indicator_is_reported_not_guessed(config, store, tmp_path):
    _, regions_path = _sotkanet_files(tmp_path)
    path = tmp_path / "sotkanet_other.json"
    path.write_text(json.dumps([{"indicator": 9999, "region": 1, "year": 2025,
                                 "gender": "total", "value": 1.0, "absValue": 3}]),
                    encoding="utf-8")
    report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"),
                         regions_path=regions_path)
    assert [p.code for p in report.problems] == ["unknown_indicator"]
    assert "sotkanet:9999" in report.problems[0].message("en")


@pytest.mark.parametrize("seed_text", ["", "a;b\n1;2\n", "indikaattori;kunta;vuosi;arvo\n"])
def test_any_text_is_a_report_never_an_exception(config, tmp_path, seed_text):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(max_size=300))
    def check(text):
        path = tmp_path / "any.csv"
        path.write_text(seed_text + text, encoding="utf-8", errors="replace")
        report, result = check_file(path, config)
        assert report.problems or (result is not None and report.rows >= 0)
        for problem in report.problems:
            assert problem.message("fi")

    check()


# ---- regressions found in review ----------------------------------------------------------


def test_thousands_separators_are_not_read_as_decimals(config, tmp_path):
    path = tmp_path / "english_excel.csv"
    path.write_text("indicator,area,period,value,numerator,denominator\n"
                    'cw_notifications_rate,Forssa,2024,93,"1,234","13,250"\n', encoding="utf-8")
    report, _ = check_file(path, config)
    assert {p.code for p in report.problems} & {"ambiguous_thousands", "count_not_whole"}
    dots = tmp_path / "dots.csv"
    dots.write_text("indikaattori;kunta;vuosi;arvo\n"
                    "exercise_counselling_referrals;Hämeenlinna;2024;1.000\n", encoding="utf-8")
    report, _ = check_file(dots, config)
    assert [p.code for p in report.problems] == ["ambiguous_thousands"]
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
                      "cw_notifications_rate;Hämeenlinna;2024;93,3;1 139;12 208\n"
                      "cw_notifications_rate;Forssa;2024;9 3;250;2680\n", encoding="utf-8")
    report, result = check_file(spaced, config)
    assert [(p.code, p.row) for p in report.problems] == [("not_a_number", 3)]


def test_excel_percent_cells_mean_what_they_show(config, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indikaattori", "kunta", "vuosi", "arvo"])
    sheet.append(["cw_notification_share", "KU061", "2024", 0.125])
    sheet["D2"].number_format = "0.0%"
    path = tmp_path / "percent.xlsx"
    workbook.save(path)
    report, result = check_file(path, config)
    assert report.ok and result.rows["value"].tolist() == [12.5]


def test_reading_problems_do_not_echo_headers_or_file_names(config, store, tmp_path):
    hetu_name = tmp_path / f"asiakkaat_{VALID_HETU}.csv"
    hetu_name.write_text("Virtanen;Matti;Virtanen;matti.virtanen@example.com\n", encoding="utf-8")
    report = import_file(hetu_name, config, store, actor=auth.maintainer("test:maintainer"))
    assert report.problems
    texts = [p.message(lang) + p.location(lang) for p in report.problems for lang in ("fi", "en")]
    texts.append(rejection_log_path(store).read_text(encoding="utf-8"))
    for text in texts:
        assert VALID_HETU not in text and "Virtanen" not in text and "matti." not in text


@pytest.mark.parametrize("header", ["mittari;alue;aika;luku", "mittari;alue;jakso;arvo",
                                    "tunnus;kunta;vuosi;luku"])
def test_documented_column_names_are_not_taken_for_person_ids(config, tmp_path, header):
    path = tmp_path / "monthly.csv"
    rows = [f"attendance_support_started;KU061;{2023 + m // 12}-{m % 12 + 1:02d};3"
            for m in range(24)]
    if "vuosi" in header:
        rows = [f"exercise_counselling_referrals;KU061;{2001 + y};3" for y in range(24)]
    if "jakso" in header:
        rows = [f"exercise_counselling_referrals;KU061;{2001 + y};3" for y in range(24)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report, _ = check_file(path, config)
    assert not {p.code for p in report.problems} & {"row_per_person", "personal_column"}


def test_a_region_value_without_counts_keeps_the_county(config, store, tmp_path):
    path = tmp_path / "region.csv"
    path.write_text("indikaattori;alue;vuosi;arvo\ncw_notifications_rate;SK053;2024;90,9\n",
                    encoding="utf-8")
    reader = StoreReader(store)
    try:
        query = ("SELECT numerator FROM observation WHERE indicator_id = 'cw_notifications_rate' "
                 "AND area_code = 'HV07' AND period = '2024'")
        before = reader.query_df(query)["numerator"].tolist()
        report = import_file(path, config, store, actor=auth.maintainer("test:maintainer"))
        assert report.ok
        assert reader.query_df(query)["numerator"].tolist() == before
    finally:
        reader.close()


def test_future_periods_nfc_names_and_text_only_rows(config, tmp_path):
    import unicodedata

    path = tmp_path / "misc.csv"
    decomposed = unicodedata.normalize("NFD", "Hämeenlinna")
    path.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä;huom\n"
                    f"cw_notifications_rate;{decomposed};2024;93,3;1139;12208;\n"
                    ";;;;;;vain huomautus\n", encoding="utf-8")
    report, result = check_file(path, config)
    assert report.ok and result.rows["area_code"].tolist() == ["KU109"]
    assert ("rows_without_figures_skipped", {"count": 1}) in report.notes
    future = tmp_path / "future.csv"
    future.write_text("indikaattori;kunta;vuosi;arvo\nexercise_counselling_referrals;KU061;2062;3\n",
                      encoding="utf-8")
    report, _ = check_file(future, config)
    assert [p.code for p in report.problems] == ["future_period"]


def test_float32_parquet_is_read_as_written(config, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"indicator": ["cw_notification_share"], "area": ["KU061"],
                      "period": ["2024"], "value": pa.array([12.3], type=pa.float32()),
                      "numerator": [123], "denominator": [1000]})
    path = tmp_path / "f32.parquet"
    pq.write_table(table, path)
    report, result = check_file(path, config)
    assert report.ok and result.rows["value"].tolist() == [12.3]


def test_size_limit_is_configurable(monkeypatch):
    from indicators import imports

    monkeypatch.setenv("DASHBOARD_MAX_IMPORT_MB", "0.5")
    assert imports._max_bytes_from_env() == 500_000
    monkeypatch.setenv("DASHBOARD_MAX_IMPORT_MB", "not a number")
    assert imports._max_bytes_from_env() == 20_000_000


def test_months_before_the_first_period_are_refused_and_the_first_month_is_not(config, tmp_path):
    path = tmp_path / "omatiimi.csv"
    path.write_bytes(_csv("indikaattori;alue;kausi;arvo",
                          "omatiimi_requests;SK051;2026-01;4",
                          "omatiimi_requests;SK051;2026-02;5",
                          "omatiimi_convened;SK052;2025-12;3",
                          "omatiimi_convened;SK052;2026-02;3"))
    report, _ = check_file(path, config)
    assert [(p.code, p.row, p.column) for p in report.problems] == [
        ("before_first_period", 2, "kausi"), ("before_first_period", 4, "kausi")]
    message = report.problems[0].message("fi")
    assert "2026-01" in message and "2026-02" in message
    assert "2026-02" in report.problems[1].message("en")

    first = tmp_path / "first_month.csv"
    first.write_bytes(_csv("indikaattori;alue;kausi;arvo",
                           "omatiimi_requests;SK051;2026-02;5",
                           "omatiimi_requests;SK051;2026-03;7"))
    report, result = check_file(first, config)
    assert report.ok, [p.message("en") for p in report.problems]
    assert result.rows["period"].tolist() == ["2026-02", "2026-03"]
    # a quarter or year wholly before the start is refused; the quarter it began in is not
    periods = tmp_path / "periods.csv"
    periods.write_bytes(_csv("indikaattori;alue;kausi;arvo",
                             "omatiimi_requests;SK051;2025Q4;4",
                             "omatiimi_requests;SK051;2025;9",
                             "omatiimi_requests;SK052;2026Q1;12"))
    report, _ = check_file(periods, config)
    assert [(p.code, p.row) for p in report.problems] == [
        ("before_first_period", 2), ("before_first_period", 3)]
    # an indicator without a first_period takes any past month
    other = tmp_path / "other.csv"
    other.write_bytes(_csv("indikaattori;kunta;kausi;arvo",
                           "attendance_support_started;KU061;2026-01;3"))
    report, _ = check_file(other, config)
    assert report.ok, [p.message("en") for p in report.problems]


def test_a_signed_mean_takes_negative_changes_and_other_means_do_not(config, tmp_path):
    """ORS change is a mean of changes: a negative value and sum are real data, not typos."""
    path = tmp_path / "ors.csv"
    path.write_bytes(_csv("indikaattori;alue;kausi;arvo;osoittaja;nimittäjä",
                          "omatiimi_ors_change;SK051;2026-05;-1,2;-12;10",
                          "omatiimi_srs_mean;SK051;2026-05;-1,2;-12;10"))
    report, _ = check_file(path, config)
    assert [(p.code, p.row, p.column) for p in report.problems] == [
        ("value_out_of_range", 3, "arvo"), ("negative_count", 3, "osoittaja")]


# ------------------------------------------------------------------ an import killed half-way

# what a store holds, without the columns that record when (they differ on every run)
_CONTENT_QUERIES = {
    "observation": "SELECT * FROM observation ORDER BY ALL",
    "observation_history": "SELECT * FROM observation_history ORDER BY ALL",
    "cell_disclosure": "SELECT * FROM cell_disclosure ORDER BY ALL",
    "import_log": "SELECT * EXCLUDE (imported_at) FROM import_log ORDER BY ALL",
    "audit_log": "SELECT * EXCLUDE (logged_at) FROM audit_log ORDER BY ALL",
    "store_meta": "SELECT * FROM store_meta ORDER BY ALL",
}


def _content_hash(path: Path) -> str:
    import duckdb

    digest = hashlib.sha256()
    with duckdb.connect(str(path), read_only=True) as con:
        for name, sql in _CONTENT_QUERIES.items():
            digest.update(name.encode() + repr(con.execute(sql).fetchall()).encode())
    return digest.hexdigest()


def test_an_import_killed_at_any_point_leaves_the_store_before_or_after(store_path, tmp_path):
    """SIGKILL the CLI import at spread-out moments (bounded runs, fixed seed): the store's
    content is always exactly the state before the import or after it, never in between; the
    next import cleans up what the killed one left and works."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    from indicators.settings import REPO_ROOT

    data = tmp_path / "uusi.csv"
    lines = ["indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä"]
    for code, kids in (("KU061", 2680), ("KU109", 12200), ("KU694", 5200), ("KU165", 3100)):
        lines.append(f"cw_notifications_rate;{code};2026;"
                     f"{f'{250 / kids * 1000:.1f}'.replace('.', ',')};250;{kids}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(db: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "indicators", "import", str(data)],
                                cwd=REPO_ROOT, env=dict(os.environ, DASHBOARD_DB=str(db)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    before_db = tmp_path / "before" / "dashboard.duckdb"
    before_db.parent.mkdir()
    shutil.copy(store_path, before_db)
    before = _content_hash(before_db)
    after_db = tmp_path / "after" / "dashboard.duckdb"
    after_db.parent.mkdir()
    shutil.copy(store_path, after_db)
    started = time.monotonic()
    assert run(after_db).wait(timeout=120) == 0
    full_s = time.monotonic() - started
    after = _content_hash(after_db)
    assert after != before

    rng = random.Random(20261125)
    for attempt in range(8):
        db = tmp_path / f"run{attempt}" / "dashboard.duckdb"
        db.parent.mkdir()
        shutil.copy(store_path, db)
        process = run(db)
        # spread over the run's second half: the first is start-up (imports, reading the file)
        time.sleep(full_s * (0.5 + 0.5 * (attempt + rng.random()) / 8))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        state = _content_hash(db)
        assert state in (before, after), f"attempt {attempt}: a state between before and after"
        assert run(db).wait(timeout=120) == 0  # the next import works and finishes the job
        assert _content_hash(db) == after
        leftovers = [p.name for p in db.parent.iterdir() if ".tmp-" in p.name or
                     p.name.endswith(".wal")]
        assert leftovers == []
