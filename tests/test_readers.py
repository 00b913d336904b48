"""indicators.readers: every kind of file a maintainer may bring reads into text, or says why not.

Every sample file is built here in `tmp_path`: Finnish-Excel CSV, other CSV dialects, Excel
workbooks made with openpyxl, Parquet written by pandas, and Sotkanet downloads with a region
listing written from the documented API format.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import readers
from indicators.i18n import messages
from indicators.problems import InputError, Problem
from indicators.readers import RawTable, read_sotkanet_regions, read_table, sotkanet_area_code

KNOWN_AREAS = {"SSS", "HV07", "SK051", "SK052", "SK053", "KU061", "KU103", "KU109", "KU169"}


def _write(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def _read(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8",
          **kwargs) -> RawTable:
    table = read_table(_write(tmp_path, name, content, encoding), **kwargs)
    _assert_text_frame(table)
    return table


def _problems(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8",
              **kwargs) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        read_table(_write(tmp_path, name, content, encoding), **kwargs)
    problems = caught.value.problems
    assert problems
    for problem in problems:  # every problem raised renders in both languages
        assert problem.file == name
        for lang in ("fi", "en"):
            assert "{" not in problem.message(lang)
    return problems


def _assert_text_frame(table: RawTable) -> None:
    assert len(table.row_numbers) == len(table.frame)
    for column in table.frame.columns:
        assert table.frame[column].dtype == object
        assert all(isinstance(cell, str) and cell == cell.strip() for cell in table.frame[column])


def _rows(table: RawTable) -> list[list[str]]:
    return table.frame.values.tolist()


# -- CSV --------------------------------------------------------------------------------------

FINNISH_EXCEL = ("Alue;Jakso;Arvo;Koodi\r\n"
                 "Hämeenlinna;2024;12,5;061\r\n"
                 "Ypäjä;2024;;0\r\n"
                 "Forssa;2024;7;103\r\n")


def test_finnish_excel_csv_in_windows_1252(tmp_path):
    table = _read(tmp_path, "excel.csv", FINNISH_EXCEL, encoding="cp1252")
    assert (table.source_format, table.encoding, table.delimiter, table.decimal) == \
        ("csv", "cp1252", ";", ",")
    assert list(table.frame.columns) == ["Alue", "Jakso", "Arvo", "Koodi"]
    assert _rows(table) == [["Hämeenlinna", "2024", "12,5", "061"],
                            ["Ypäjä", "2024", "", "0"],
                            ["Forssa", "2024", "7", "103"]]
    assert table.row_numbers == [2, 3, 4]
    assert table.file == "excel.csv" and table.notes == []


def test_finnish_excel_csv_in_utf8_with_bom(tmp_path):
    table = _read(tmp_path, "bom.csv", b"\xef\xbb\xbf" + FINNISH_EXCEL.encode("utf-8"))
    assert table.encoding == "utf-8-sig"
    assert list(table.frame.columns)[0] == "Alue"  # no BOM glued to the first heading
    assert table.frame["Alue"].tolist() == ["Hämeenlinna", "Ypäjä", "Forssa"]
    assert table.decimal == ","


def test_comma_separated_with_decimal_points(tmp_path):
    table = _read(tmp_path, "plain.csv", "area,period,value\nKU061,2024,12.5\nKU103,2024,3\n")
    assert (table.delimiter, table.decimal, table.encoding) == (",", ".", "utf-8")
    assert _rows(table) == [["KU061", "2024", "12.5"], ["KU103", "2024", "3"]]


def test_tab_separated(tmp_path):
    table = _read(tmp_path, "tabs.txt", "area\tvalue\tnote\nKU061\t1,5\ta, b; c\n")
    assert table.delimiter == "\t" and table.decimal == ","
    assert _rows(table) == [["KU061", "1,5", "a, b; c"]]


def test_semicolon_file_with_decimal_points_keeps_points(tmp_path):
    table = _read(tmp_path, "points.csv", "area;value\nKU061;12.5\nKU103;0.25\n")
    assert table.delimiter == ";" and table.decimal == "."


def test_quoted_delimiters_and_newlines_keep_line_numbers(tmp_path):
    content = ('area;note;value\r\n'
               'KU061;"one; two";1,5\r\n'
               'KU103;"first line\r\nsecond line";2\r\n'
               'KU109;"say ""hi""";3\r\n')
    table = _read(tmp_path, "quoted.csv", content)
    assert table.frame["note"].tolist() == ["one; two", "first line\r\nsecond line", 'say "hi"']
    assert table.row_numbers == [2, 3, 5]  # the third record starts on physical line 5


def test_trailing_empty_rows_and_whitespace_are_ignored(tmp_path):
    content = " area ; value \nKU061 ;  4 \n\n;\n  ;  \n\n"
    table = _read(tmp_path, "trailing.csv", content)
    assert list(table.frame.columns) == ["area", "value"]
    assert _rows(table) == [["KU061", "4"]]
    assert table.row_numbers == [2]


def test_codes_keep_leading_zeros_and_nothing_becomes_a_number(tmp_path):
    table = _read(tmp_path, "zeros.csv", "kunta,koodi,arvo\n061,00123,1e3\n005,0,NaN\n")
    assert _rows(table) == [["061", "00123", "1e3"], ["005", "0", "NaN"]]


def test_excel_sep_line_names_the_delimiter(tmp_path):
    table = _read(tmp_path, "sep.csv", "sep=,\r\narea,value\r\nKU061,\"1,5\"\r\n")
    assert table.delimiter == ","
    assert _rows(table) == [["KU061", "1,5"]]
    assert table.row_numbers == [3]


def test_excel_padding_columns_without_heading_are_dropped(tmp_path):
    table = _read(tmp_path, "padded.csv", "area;value;;\nKU061;1;;\nKU103;2;;\n")
    assert list(table.frame.columns) == ["area", "value"]


def test_title_rows_above_the_csv_header_are_skipped(tmp_path):
    content = "Lastensuojeluilmoitukset;;\nLähde: THL;;\narea;period;value\nKU061;2024;5\n"
    table = _read(tmp_path, "title.csv", content)
    assert list(table.frame.columns) == ["area", "period", "value"]
    assert table.row_numbers == [4]
    assert table.notes == [("title_rows_skipped", {"count": 2, "header_row": 3})]


def test_utf16_unicode_text_from_excel(tmp_path):
    table = _read(tmp_path, "unicode.txt", "alue\tarvo\r\nYpäjä\t2,5\r\n", encoding="utf-16")
    assert table.encoding == "utf-16" and _rows(table) == [["Ypäjä", "2,5"]]


def test_ragged_rows_are_all_reported_with_line_numbers(tmp_path):
    content = ("area;value;status\n"
               "KU061;1;final\n"
               "KU103;2\n"                      # line 3: a field short
               'KU109;"multi\nline";final\n'     # lines 4-5: fine
               "KU169;3;final;extra\n"           # line 6: a field too many
               "KU834;4;final;;\n")              # line 7: empty padding only, fine
    problems = _problems(tmp_path, "ragged.csv", content)
    assert [(p.code, p.row, p.params) for p in problems] == [
        ("ragged_row", 3, {"expected": 3, "found": 2}),
        ("ragged_row", 6, {"expected": 3, "found": 4}),
    ]


def test_many_ragged_rows_are_capped_with_a_count(tmp_path):
    content = "a;b\n" + "1;2;3\n" * 60
    problems = _problems(tmp_path, "many.csv", content)
    assert [p.code for p in problems].count("ragged_row") == readers.MAX_REPORTED
    assert problems[-1].code == "more_problems"
    assert problems[-1].params == {"count": 60 - readers.MAX_REPORTED, "code": "ragged_row"}


@pytest.mark.parametrize("content", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf", b";;\n;;\n"])
def test_empty_files(tmp_path, content):
    assert [p.code for p in _problems(tmp_path, "empty.csv", content)] == ["empty_file"]


@pytest.mark.parametrize("content", ["area;value\n", "area;value\r\n\r\n;\r\n"])
def test_header_only(tmp_path, content):
    assert [p.code for p in _problems(tmp_path, "header.csv", content)] == ["header_only"]


def test_bad_headers_duplicate_and_empty(tmp_path):
    problems = _problems(tmp_path, "header.csv", "area;value;value;\nKU061;1;2;x\n")
    assert [(p.code, p.column, p.params["position"]) for p in problems] == [
        ("bad_header", "value", 3), ("bad_header", "", 4)]


def test_identity_code_in_a_header_is_never_shown(tmp_path):
    problems = _problems(tmp_path, "hetu.csv", "area;131052-308T;131052-308T\nKU061;1;2\n")
    assert [(p.code, p.column) for p in problems] == [("bad_header", "XXXXXX-XXXX")]
    assert "131052" not in problems[0].message("fi") + problems[0].location("fi")


def test_unnamed_columns_with_data_are_not_taken_for_a_title_row(tmp_path):
    problems = _problems(tmp_path, "wide.csv", "a;b;c;;\nKU061;1;2;3;4\n")
    assert [(p.code, p.row, p.params["position"]) for p in problems] == [
        ("bad_header", 1, 4), ("bad_header", 1, 5)]


def test_cell_over_a_million_characters(tmp_path):
    content = "area;note\nKU061;short\nKU103;" + "x" * 1_000_001 + "\n"
    problems = _problems(tmp_path, "big_cell.csv", content)
    assert [(p.code, p.row, p.column, p.value) for p in problems] == [
        ("cell_too_large", 3, "note", None)]


def test_unclosed_quote_is_named(tmp_path):
    content = 'area;note\nKU061;"never closed\nKU103;x\nKU109;y\n'
    codes_rows = [(p.code, p.row) for p in _problems(tmp_path, "quote.csv", content)]
    assert ("unclosed_quote", 2) in codes_rows


def test_too_large_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = _write(tmp_path, "huge.csv", "a;b\n" + "1;2\n" * 1000)

    def no_reading(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(InputError) as caught:
        read_table(path, max_bytes=2_000)
    [problem] = caught.value.problems
    assert problem.code == "file_too_large"
    assert problem.params == {"limit_mb": "0.002", "size_mb": "0.004"}
    assert "0.002" in problem.message("fi")


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as caught:
        read_table(tmp_path / "nothing.csv")
    assert [p.code for p in caught.value.problems] == ["file_unreadable"]


def test_display_name_is_used_for_problems_and_kind(tmp_path):
    path = _write(tmp_path, "upload-1234", "area;value\n")
    with pytest.raises(InputError) as caught:
        read_table(path, display_name="C:/Users/me/tiedot.csv")
    assert caught.value.problems[0].file == "tiedot.csv"


def test_undecodable_text(tmp_path):
    # 0x81 and 0x8d are not Windows-1252 characters, and not UTF-8 here either
    assert [p.code for p in _problems(tmp_path, "odd.csv", b"a;b\n\x81\x8d;1\n")] == \
        ["bad_encoding"]
    # UTF-8 ä in one row and a Windows-1252 ä in another: a mixed file is not guessed at
    mixed = "alue;arvo\nYpäjä;1\n".encode() + "Hämeenlinna;2\n".encode("cp1252")
    assert [p.code for p in _problems(tmp_path, "mixed.csv", mixed)] == ["bad_encoding"]


def test_binary_and_unsupported_files(tmp_path):
    assert [p.code for p in _problems(tmp_path, "data.csv", b"a;b\n\x00\x01\x02;1\n")] == \
        ["binary_file"]
    assert [p.code for p in _problems(tmp_path, "noise.bin", bytes(range(1, 32)) * 20)] == \
        ["binary_file"]
    [pdf] = _problems(tmp_path, "report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert (pdf.code, pdf.params) == ("unsupported_type", {"kind": "PDF"})
    [xls] = _problems(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert xls.code == "legacy_office"
    [html] = _problems(tmp_path, "page.csv", "<!DOCTYPE html><html><body>x</body></html>")
    assert (html.code, html.params) == ("unsupported_type", {"kind": "HTML/XML"})


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return buffer.getvalue()


def test_word_document_and_plain_zip_are_unsupported(tmp_path):
    docx = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    [problem] = _problems(tmp_path, "muistio.docx", docx)
    assert (problem.code, problem.params) == ("unsupported_type", {"kind": "Word (.docx)"})
    [problem] = _problems(tmp_path, "stuff.zip", _zip({"a.csv": "a;b\n1;2\n"}))
    assert (problem.code, problem.params) == ("unsupported_type", {"kind": "ZIP"})


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(tmp_path):
    """A ZIP bomb: 260 MB of zeros pack into a file of a few hundred kB."""
    path = tmp_path / "pommi.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"0" * 1_000_000
            for _ in range(260):
                sheet.write(chunk)
    assert path.stat().st_size < 2_000_000  # well under the upload limit
    [problem] = _problems(tmp_path, "pommi.xlsx", path.read_bytes())
    assert problem.code == "unpacks_too_large" and problem.params["limit_mb"] == "250"
    assert "purkautuisi liian suureksi (260 Mt" in problem.message("fi")


# -- Excel ------------------------------------------------------------------------------------


def _workbook(tmp_path: Path, name: str = "taulukko.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tiedot"
    sheet["A1"] = "Kiusaaminen 8.–9. luokalla"      # title block: one filled cell per row
    sheet["A2"], sheet["B2"] = "Lähde:", "kouluterveyskysely"  # a narrow two-cell title row
    sheet.append([])                                # row 3 empty
    sheet.append(["alue", "jakso", "arvo", "osoittaja", "pvm"])   # row 4: the header
    sheet.append(["KU061", 2024, 12.5, 7, dt.date(2024, 5, 31)])
    sheet.append(["KU103", 2024, "=C5*2", 3.0, dt.datetime(2024, 6, 1, 8, 30)])
    sheet.append([" 061 ", "2024", 1e-7, None, None])
    sheet.append([])                                # trailing empty rows
    sheet.append([None, None])
    other = workbook.create_sheet("Toinen")
    other.append(["area", "value"])
    other.append(["KU109", 0.1])
    path = tmp_path / name
    workbook.save(path)
    return path


def test_xlsx_title_block_is_skipped_and_cells_become_text(tmp_path):
    table = read_table(_workbook(tmp_path))
    _assert_text_frame(table)
    assert (table.source_format, table.decimal, table.encoding, table.delimiter) == \
        ("xlsx", ".", None, None)
    assert list(table.frame.columns) == ["alue", "jakso", "arvo", "osoittaja", "pvm"]
    assert _rows(table) == [
        ["KU061", "2024", "12.5", "7", "2024-05-31"],
        ["KU103", "2024", "=C5*2", "3", "2024-06-01T08:30:00"],  # the formula stays visible
        ["061", "2024", "0.0000001", "", ""],
    ]
    assert table.row_numbers == [5, 6, 7]  # Excel's own row numbers
    assert ("title_rows_skipped", {"count": 2, "header_row": 4}) in table.notes
    assert ("other_sheets_ignored", {"sheet": "Tiedot", "others": "Toinen"}) in table.notes


def test_xlsx_named_sheet_and_missing_sheet(tmp_path):
    path = _workbook(tmp_path)
    table = read_table(path, sheet="Toinen")
    assert _rows(table) == [["KU109", "0.1"]] and table.row_numbers == [2]
    with pytest.raises(InputError) as caught:
        read_table(path, sheet="Kolmas")
    [problem] = caught.value.problems
    assert (problem.code, problem.params) == ("sheet_missing",
                                              {"sheet": "Kolmas", "sheets": "Tiedot, Toinen"})


def test_xlsx_detected_from_content_not_extension(tmp_path):
    path = _workbook(tmp_path, "saved-as.csv")
    assert read_table(path).source_format == "xlsx"


def test_xlsx_with_year_headings_and_no_title(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["alue", 2023, 2024])
    workbook.active.append(["KU061", 1.5, 2])
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    table = read_table(path)
    assert list(table.frame.columns) == ["alue", "2023", "2024"]
    assert _rows(table) == [["KU061", "1.5", "2"]] and table.notes == []


def test_damaged_xlsx(tmp_path):
    data = _workbook(tmp_path).read_bytes()
    [problem] = _problems(tmp_path, "broken.xlsx", data[: len(data) // 2])
    assert problem.code == "damaged_file"


# -- Parquet ----------------------------------------------------------------------------------


def test_parquet_columns_become_text(tmp_path):
    frame = pd.DataFrame({
        "area": ["KU061", "KU103", None],
        "code": ["061", "103", "005"],
        "year": [2024, 2024, 2025],
        "value": [12.5, None, 3.0],
        "day": [dt.date(2024, 1, 31)] * 3,
    })
    path = tmp_path / "data.parquet"
    frame.to_parquet(path, index=False)
    table = read_table(path)
    _assert_text_frame(table)
    assert table.source_format == "parquet" and table.decimal == "."
    assert _rows(table) == [["KU061", "061", "2024", "12.5", "2024-01-31"],
                            ["KU103", "103", "2024", "", "2024-01-31"],
                            ["", "005", "2025", "3", "2024-01-31"]]
    assert table.row_numbers == [1, 2, 3]


def test_damaged_parquet(tmp_path):
    [problem] = _problems(tmp_path, "broken.parquet", b"PAR1" + b"\x15\x04" * 10)
    assert (problem.code, problem.params) == ("damaged_file", {"kind": "Parquet"})


# -- Sotkanet ---------------------------------------------------------------------------------

REGIONS = [  # the regions listing as THL's API documents it
    {"id": 1, "code": "61", "category": "KUNTA",
     "title": {"fi": "Forssa", "sv": "Forssa", "en": "Forssa"}, "memberOf": [100, 200]},
    {"id": 2, "code": "103", "category": "KUNTA",
     "title": {"fi": "Humppila", "sv": "Humppila", "en": "Humppila"}, "memberOf": [100]},
    {"id": 3, "code": "5", "category": "KUNTA",
     "title": {"fi": "Alajärvi", "sv": "Alajärvi", "en": "Alajärvi"}, "memberOf": []},
    {"id": 100, "code": "51", "category": "SEUTUKUNTA",
     "title": {"fi": "Hämeenlinnan seutukunta", "sv": "x", "en": "x"}, "memberOf": []},
    {"id": 200, "code": "7", "category": "HYVINVOINTIALUE",
     "title": {"fi": "Kanta-Hämeen hyvinvointialue", "sv": "x", "en": "x"}, "memberOf": []},
    {"id": 300, "code": "61", "category": "MAAKUNTA",  # same code as Forssa, another category
     "title": {"fi": "Maakunta", "sv": "x", "en": "x"}, "memberOf": []},
    {"id": 400, "code": "3", "category": "ERVA",
     "title": {"fi": "ERVA", "sv": "x", "en": "x"}, "memberOf": []},
    {"id": 658, "code": "246", "category": "MAA",
     "title": {"fi": "Koko maa", "sv": "Hela landet", "en": "Whole country"}, "memberOf": []},
]


@pytest.fixture
def regions_path(tmp_path: Path) -> Path:
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(REGIONS, ensure_ascii=False), encoding="utf-8")
    return path


def _record(region, value, abs_value=None, gender="total", year=2023, **extra):
    record = {"indicator": 1086, "region": region, "year": year, "gender": gender,
              "value": value, "absValue": abs_value}
    record.update(extra)
    return record


SOTKANET_RECORDS = [
    _record(1, 12.5, 40),                  # 1: KUNTA 61 -> KU061
    _record(2, None, None),                # 2: KUNTA 103 -> KU103, suppressed
    _record(3, 5.0, 2),                    # 3: KUNTA 5 (Alajärvi): not configured, skipped
    _record(100, 7.25, 300, gender="male"),  # 4: SEUTUKUNTA 51 -> SK051
    _record(200, 8, 1000, gender="female"),  # 5: HYVINVOINTIALUE 7 -> HV07
    _record(300, 99.9, 9),                 # 6: MAAKUNTA 61: skipped, never KU061
    _record(400, 1.0, 1),                  # 7: ERVA: skipped
    {"indicator": 1086, "region": 658, "year": 2023, "gender": "total", "value": 0.5},  # 8
]


def test_sotkanet_json_maps_regions_by_category_and_code(tmp_path, regions_path):
    table = _read(tmp_path, "sotkanet.json", json.dumps(SOTKANET_RECORDS),
                  regions_path=regions_path, known_areas=KNOWN_AREAS)
    assert (table.source_format, table.decimal, table.delimiter) == ("sotkanet_json", ".", None)
    assert list(table.frame.columns) == readers.SOTKANET_COLUMNS
    assert _rows(table) == [
        ["sotkanet:1086", "KU061", "2023", "total", "12.5", "40", ""],
        ["sotkanet:1086", "KU103", "2023", "total", "", "", ""],  # null stays empty, never 0
        ["sotkanet:1086", "SK051", "2023", "male", "7.25", "300", ""],
        ["sotkanet:1086", "HV07", "2023", "female", "8", "1000", ""],
        ["sotkanet:1086", "SSS", "2023", "total", "0.5", "", ""],
    ]
    assert table.row_numbers == [1, 2, 4, 5, 8]
    assert table.notes == [("sotkanet_skipped_regions", {"count": 3})]
    assert table.frame["area"].tolist().count("KU061") == 1


def test_sotkanet_json_without_known_areas_keeps_every_mapped_area(tmp_path, regions_path):
    table = _read(tmp_path, "all.json", json.dumps(SOTKANET_RECORDS), regions_path=regions_path)
    assert "KU005" in table.frame["area"].tolist()
    assert table.notes == [("sotkanet_skipped_regions", {"count": 2})]  # MAAKUNTA and ERVA


def test_sotkanet_csv_with_decimal_commas(tmp_path, regions_path):
    content = ("indicator;region;year;gender;primary value;absolute value\r\n"
               "1086;1;2023;total;12,5;40\r\n"
               "1086;2;2023;total;;\r\n"
               "1086;300;2023;total;99,9;9\r\n"
               "1086;200;2022;female;8,25;1000\r\n"
               "1086;658;2022;male;0,5;\r\n")
    table = _read(tmp_path, "sotkanet.csv", content, regions_path=regions_path,
                  known_areas=KNOWN_AREAS)
    assert (table.source_format, table.decimal, table.delimiter) == ("sotkanet_csv", ",", ";")
    assert _rows(table) == [
        ["sotkanet:1086", "KU061", "2023", "total", "12,5", "40", ""],
        ["sotkanet:1086", "KU103", "2023", "total", "", "", ""],
        ["sotkanet:1086", "HV07", "2022", "female", "8,25", "1000", ""],
        ["sotkanet:1086", "SSS", "2022", "male", "0,5", "", ""],
    ]
    assert table.row_numbers == [2, 3, 5, 6]
    assert table.notes == [("sotkanet_skipped_regions", {"count": 1})]


def test_sotkanet_csv_with_decimal_points(tmp_path, regions_path):
    content = ("indicator;region;year;gender;primary value;absolute value\n"
               "1086;100;2023;total;12.5;40\n")
    table = _read(tmp_path, "points.csv", content, regions_path=regions_path)
    assert table.decimal == "." and _rows(table)[0][1] == "SK051"


def test_sotkanet_needs_the_regions_listing(tmp_path):
    problems = _problems(tmp_path, "sotkanet.json", json.dumps(SOTKANET_RECORDS))
    assert [p.code for p in problems] == ["sotkanet_regions_missing"]
    problems = _problems(tmp_path, "sotkanet.json", json.dumps(SOTKANET_RECORDS),
                         regions_path=tmp_path / "missing.json")
    assert [p.code for p in problems] == ["sotkanet_regions_missing"]


def test_sotkanet_unknown_region_and_bad_records(tmp_path, regions_path):
    records = [_record(1, 1.0), _record(999, 2.0), _record(2, 3.0, gender="131052-308T"),
               _record(1, 4.0, year="vuosi")]
    problems = _problems(tmp_path, "bad.json", json.dumps(records), regions_path=regions_path)
    assert [(p.code, p.row, p.value, p.params) for p in problems] == [
        ("sotkanet_unknown_region", 2, "999", {}),
        ("sotkanet_bad_record", 3, "XXXXXX-XXXX", {"field": "gender"}),  # masked
        ("sotkanet_bad_record", 4, "vuosi", {"field": "year"}),
    ]
    assert "131052" not in " ".join(p.message("fi") for p in problems)


def test_sotkanet_rows_only_for_other_areas(tmp_path, regions_path):
    problems = _problems(tmp_path, "other.json", json.dumps([_record(3, 1.0), _record(400, 2)]),
                         regions_path=regions_path, known_areas=KNOWN_AREAS)
    assert [(p.code, p.params) for p in problems] == [("sotkanet_no_known_areas", {"count": 2})]


def test_read_sotkanet_regions(tmp_path, regions_path):
    regions = read_sotkanet_regions(regions_path)
    assert regions[1] == ("KUNTA", "61") and regions[300] == ("MAAKUNTA", "61")
    assert regions[658] == ("MAA", "246") and len(regions) == len(REGIONS)
    broken = _write(tmp_path, "broken.json", '[{"id": 1, "code": "61"')
    with pytest.raises(InputError) as caught:
        read_sotkanet_regions(broken)
    assert [p.code for p in caught.value.problems] == ["sotkanet_regions_invalid"]
    problems = _problems(tmp_path, "s.json", json.dumps(SOTKANET_RECORDS), regions_path=broken)
    assert [p.code for p in problems] == ["sotkanet_regions_invalid"]


@pytest.mark.parametrize(("category", "code", "expected"), [
    ("KUNTA", "61", "KU061"), ("KUNTA", "103", "KU103"), ("KUNTA", "005", "KU005"),
    ("SEUTUKUNTA", "51", "SK051"), ("HYVINVOINTIALUE", "7", "HV07"), ("MAA", "246", "SSS"),
    ("MAAKUNTA", "61", None), ("ERVA", "3", None), ("KUNTA", "1234", None), ("KUNTA", "x", None),
])
def test_sotkanet_area_code(category, code, expected):
    assert sotkanet_area_code(category, code) == expected


def test_json_that_is_not_sotkanet(tmp_path):
    [problem] = _problems(tmp_path, "broken.json", '[{"indicator": 1, "region": ')
    assert (problem.code, problem.row) == ("bad_json", 1)
    assert [p.code for p in _problems(tmp_path, "none.json", "[]")] == ["json_no_rows"]
    [problem] = _problems(tmp_path, "other.json", '{"error": "not found"}')
    assert (problem.code, problem.params) == ("unsupported_type", {"kind": "JSON"})


# -- robustness and messages ------------------------------------------------------------------

_SUFFIXES = st.sampled_from(["x.csv", "x.json", "x.xlsx", "x.parquet", "x.txt", "x"])
_ROBUST = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


def _reads_or_refuses(path: Path, regions: Path) -> None:
    try:
        table = read_table(path, regions_path=regions, known_areas=KNOWN_AREAS)
    except InputError as error:
        assert error.problems and all(isinstance(p, Problem) for p in error.problems)
        for problem in error.problems:
            problem.message("fi")
    else:
        _assert_text_frame(table)


@_ROBUST
@given(text=st.text(max_size=300), name=_SUFFIXES)
def test_any_text_reads_or_raises_input_error(tmp_path, regions_path, text, name):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    _reads_or_refuses(path, regions_path)


@_ROBUST
@given(data=st.binary(max_size=300), name=_SUFFIXES)
def test_any_bytes_read_or_raise_input_error(tmp_path, regions_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    _reads_or_refuses(path, regions_path)


@_ROBUST
@given(rows=st.lists(st.lists(st.text(alphabet="ab;,\"\n\r 01", max_size=6), min_size=1,
                              max_size=4), min_size=1, max_size=6))
def test_csv_like_text_reads_or_raises_input_error(tmp_path, regions_path, rows):
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(";".join(row) for row in rows), encoding="utf-8", newline="")
    _reads_or_refuses(path, regions_path)


# the parameters each code is raised with (kept in step with the module by the test below)
CODE_PARAMS = {
    "file_unreadable": {}, "empty_file": {}, "header_only": {}, "binary_file": {},
    "too_many_rows": {"rows": 3_000_000, "limit": 2_000_000},
    "legacy_office": {}, "bad_encoding": {}, "json_no_rows": {}, "bad_json": {},
    "sotkanet_regions_missing": {}, "sotkanet_regions_invalid": {}, "unclosed_quote": {},
    "sotkanet_unknown_region": {},
    "file_too_large": {"limit_mb": "20", "size_mb": "25.3"},
    "unsupported_type": {"kind": "PDF"}, "damaged_file": {"kind": "Excel"},
    "bad_header": {"position": 2}, "ragged_row": {"expected": 3, "found": 4},
    "cell_too_large": {"limit": 1_000_000}, "sheet_missing": {"sheet": "X", "sheets": "A, B"},
    "more_problems": {"count": 12, "code": "ragged_row"},
    "sotkanet_bad_record": {"field": "gender"}, "sotkanet_no_known_areas": {"count": 3},
    "unpacks_too_large": {"limit_mb": "250", "size_mb": "4000"},
}
NOTE_PARAMS = {"title_rows_skipped": {"count": 2, "header_row": 4},
               "other_sheets_ignored": {"sheet": "A", "others": "B"},
               "sotkanet_skipped_regions": {"count": 3}}


def test_every_code_raised_is_listed():
    source = Path(readers.__file__).read_text(encoding="utf-8")
    raised = set(re.findall(r'Problem\(\s*"([a-z_]+)"', source))
    assert raised == set(readers.problem_codes()) == set(CODE_PARAMS)
    assert set(re.findall(r'\(\s*"([a-z_]+)",\s*\{', source)) == set(readers.note_codes()) \
        == set(NOTE_PARAMS)


@pytest.mark.parametrize("code", sorted(CODE_PARAMS))
def test_every_problem_has_a_message_in_finnish_and_english(code):
    problem = Problem(code, "f.csv", row=3, column="arvo", value="KU999", params=CODE_PARAMS[code])
    fi, en = problem.message("fi"), problem.message("en")
    assert f"import.error.{code}" in messages("fi") and f"import.error.{code}" in messages("en")
    assert fi != en and "{" not in fi + en and "None" not in fi + en
    assert len(fi) > 40 and len(en) > 40


@pytest.mark.parametrize("code", sorted(NOTE_PARAMS))
def test_every_note_has_a_message(code):
    from indicators.i18n import t

    for lang in ("fi", "en"):
        assert f"import.note.{code}" in messages(lang) or lang == "en"
        assert "{" not in t(f"import.note.{code}", lang, **NOTE_PARAMS[code])
