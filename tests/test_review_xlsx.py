"""The review pack as an Excel workbook, on the demo store: sheets, numbers as numbers with the
indicator's decimals, hidden figures as empty cells with the flag, nothing hidden leaking in, and
typed text never becoming a formula."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import zipfile
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from indicators.formatting import format_period
from indicators.i18n import t
from indicators.omatiimi import lead_time_summary
from indicators.review_texts import SECTIONS, chart_specs, data_tables, title
from indicators.review_xlsx import number_format, workbook_bytes

PUBLIC = "https://mittaristo.example.fi/"


@pytest.fixture(scope="module")
def county_file(county_pack, config):
    return workbook_bytes(county_pack, config)


@pytest.fixture(scope="module")
def forssa_file(forssa_pack, config):
    return workbook_bytes(forssa_pack, config)


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rows(ws) -> tuple[list[str], list[dict[str, object]]]:
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]
    return header, rows


def _cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _hidden_store_cells(reader, indicator_ids, area_codes) -> pd.DataFrame:
    marks = ", ".join("?" * len(indicator_ids))
    areas = ", ".join("?" * len(area_codes))
    return reader.query_df(
        "SELECT * FROM observation JOIN cell_disclosure "
        "USING (indicator_id, area_code, period, sex, grp) "
        f"WHERE hidden AND indicator_id IN ({marks}) AND area_code IN ({areas})",
        [*indicator_ids, *area_codes])


def hidden_key_result_figures(reader, config, pack) -> list[tuple[str, str, float, int]]:
    """(key result, period, the unsuppressed figure, decimals) for every hidden point of the
    pack's key results, recomputed from the store's unsuppressed cells."""
    out = []
    for item in pack.key_results:
        r = item.result
        points = [p for p in (*r.series, r.baseline, r.latest) if p is not None and p.suppressed]
        if not points or r.indicator_id is None:
            continue
        periods = sorted({p.label for p in points})
        cells = reader.query_df(
            "SELECT o.*, d.hidden FROM observation o JOIN cell_disclosure d "
            "USING (indicator_id, area_code, period, sex, grp) "
            f"WHERE indicator_id = ? AND area_code = ? AND period IN "
            f"({', '.join('?' * len(periods))})", [r.indicator_id, r.area_code, *periods])
        assert cells["hidden"].any(), r.key_result_id  # the store hides something here
        if r.source == "median_days":
            cells = cells.assign(suppressed=False)  # as if nothing were hidden
            for row in lead_time_summary(cells).itertuples():
                if row.median_status == "ok":
                    out.append((r.key_result_id, row.period, float(row.median_days), 0))
        else:
            kr = next(k for o in config.objectives for k in o.key_results
                      if k.id == r.key_result_id)
            chosen = cells[(cells["sex"] == kr.sex) & (cells["grp"] == kr.group) & cells["hidden"]]
            out += [(r.key_result_id, p, float(v), r.decimals)
                    for p, v in zip(chosen["period"], chosen["value"], strict=True)]
    return out


def _kr_name(config, kr_id):
    return next(k.name.fi for o in config.objectives for k in o.key_results if k.id == kr_id)


def test_sheets_in_order_with_a_bold_frozen_header(county_file, forssa_file):
    expected = [t(f"review.sheet.{k}") for k in ("meta", *SECTIONS)]
    expected.append(t("review_office.sheet.charts"))
    for data in (county_file, forssa_file):
        wb = _book(data)
        assert wb.sheetnames == expected
        for ws in wb.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
            assert ws.max_row >= 2, ws.title
            for letter, dim in ws.column_dimensions.items():
                assert 8 <= dim.width <= 64, (ws.title, letter, dim.width)


def test_workbook_properties_and_the_demo_note(county_pack, county_file, config):
    wb = _book(county_file)
    assert wb.properties.title == title(county_pack, config)
    assert wb.properties.creator == config.site.publisher.fi
    assert wb.properties.created == datetime(2026, 10, 31)
    meta = wb[t("review.sheet.meta")]
    values = [row[1].value for row in meta.iter_rows(min_row=2)]
    assert t("review.dataset.demo") in values[:3]  # near the top, where it is read first
    link = next(c for c in meta["B"] if isinstance(c.value, str) and "/review?" in c.value)
    assert link.hyperlink.target == link.value and link.value.startswith(PUBLIC)
    assert county_pack.links["review"] in values


def test_key_results_are_numbers_with_each_key_results_decimals(county_pack, county_file,
                                                                config):
    ws = _book(county_file)[t("review.sheet.key_results")]
    header, rows = _rows(ws)
    frame = data_tables(county_pack, config)["key_results"]
    assert header[:len(frame.columns)] != []
    assert set(frame.columns) <= set(header) and t("review.col.unit") in header
    assert len(rows) == len(county_pack.key_results) == 19
    for i, (item, row) in enumerate(zip(county_pack.key_results, rows, strict=True)):
        r = item.result
        for key in ("baseline", "latest", "target"):
            column = header.index(t(f"review.col.{key}")) + 1
            cell = ws.cell(row=i + 2, column=column)
            expected = frame.iloc[i][t(f"review.col.{key}")]
            if expected is None or (isinstance(expected, float) and math.isnan(expected)):
                assert cell.value is None
                continue
            assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
            assert cell.value == pytest.approx(expected)
            assert cell.number_format == number_format(r.decimals)
        assert row[t("review.col.suppressed")] is r.suppressed
    hml = rows[[i.result.key_result_id for i in county_pack.key_results].index(
        "contacts_attention_hml")]
    assert hml[t("review.col.latest")] == pytest.approx(15.42)
    assert hml[t("review.col.unit")] == "/ 1 000"  # the unit in its own column, value in ‰
    score = ws.cell(row=2, column=header.index(t("review.col.score")) + 1)
    assert isinstance(score.value, float) and score.number_format == "0.00"
    assert number_format(1) == "#,##0.0" and number_format(0) == "#,##0"


def test_new_figures_are_numbers_with_the_indicators_decimals(forssa_pack, forssa_file, config):
    ws = _book(forssa_file)[t("review.sheet.new_figures")]
    header, rows = _rows(ws)
    assert len(rows) == len(forssa_pack.new_figures) > 0
    value_col = header.index(t("review.col.value")) + 1
    delta_col = header.index(t("review.col.delta")) + 1
    for i, figure in enumerate(forssa_pack.new_figures):
        decimals = config.indicators[figure.indicator_id].decimals
        cell = ws.cell(row=i + 2, column=value_col)
        assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
        assert cell.number_format == number_format(decimals)
        assert cell.value == pytest.approx(figure.latest.value)
        delta = ws.cell(row=i + 2, column=delta_col)
        assert delta.number_format.startswith("+" + number_format(decimals))
        assert rows[i][t("review.col.suppressed")] is False
        assert rows[i][t("review.col.new")] is figure.new
    assert {r[t("review.col.unit")] for r in rows} <= {"%", "/ 1 000", "lkm",
                                                       "pistettä (keskiarvo)"}


def test_the_hidden_baseline_is_an_empty_cell_flagged_true(county_pack, county_file, config):
    wb = _book(county_file)
    _, rows = _rows(wb[t("review.sheet.key_results")])
    name = _kr_name(config, "omatiimi_days_rmk")
    row = next(r for r in rows if r[t("review.col.key_result")] == name)
    assert row[t("review.col.baseline_period")] == "2026Q2"
    assert row[t("review.col.baseline")] is None
    assert row[t("review.col.suppressed")] is True
    assert row[t("review.col.latest")] == 8  # the latest figure is visible
    # the chart's numbers: the hidden quarter is an empty cell flagged TRUE, for each kind
    _, numbers = _rows(wb[t("review_office.sheet.charts")])
    hidden = [r for r in numbers if r[t("review.col.key_result")] == name
              and r[t("goals.col.when")] == "4–6/2026"]
    assert {r[t("goals.col.kind")] for r in hidden} == {"havainto", "lähtötaso"}
    assert all(r[t("goals.col.value")] is None and r[t("review.col.suppressed")] is True
               for r in hidden)


def test_no_cell_holds_a_hidden_store_figure(reader, config, county_pack, county_file,
                                            forssa_pack, forssa_file):
    for pack, data in ((county_pack, county_file), (forssa_pack, forssa_file)):
        wb = _book(data)
        numbers = [c.value for c in _cells(wb)
                   if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
        # 1. key results: the unsuppressed figure of each hidden point, recomputed from the store
        figures = hidden_key_result_figures(reader, config, pack)
        if pack.area_code == "HV07":
            assert ("omatiimi_days_rmk", "2026Q2") in {(k, p) for k, p, _, _ in figures}
        ws = wb[t("review.sheet.key_results")]
        _, rows = _rows(ws)
        by_name = {r[t("review.col.key_result")]: r for r in rows}
        _, charts = _rows(wb[t("review_office.sheet.charts")])
        for kr_id, period, value, decimals in figures:
            row = by_name[_kr_name(config, kr_id)]
            for key in ("baseline", "latest"):
                if row[t(f"review.col.{key}_period")] == period:
                    assert row[t(f"review.col.{key}")] is None, (kr_id, key)
                shown = row[t(f"review.col.{key}")]
                assert shown is None or round(shown, decimals) != round(value, decimals), kr_id
            for r in charts:
                if r[t("review.col.key_result")] == row[t("review.col.key_result")] and r[
                        t("goals.col.when")] == format_period(period):
                    assert r[t("goals.col.value")] is None, (kr_id, period)
            if value != round(value, 2):  # more decimals than any figure shown: nowhere at all
                assert not any(abs(n - value) < 1e-9 for n in numbers), (kr_id, value)
        # 2. every hidden store cell of the pack's indicators and areas: its exact value (those
        # with more decimals than any figure is shown with, which cannot coincide with a
        # visible one) is nowhere
        areas = {pack.area_code, pack.omatiimi_area}
        areas |= {c for i in pack.key_results for c in i.result.area_codes}
        areas |= {f.area_code for f in pack.new_figures}
        cells = _hidden_store_cells(reader, list(pack.indicator_ids), sorted(areas))
        assert len(cells) > 0
        exact = [v for v in cells["value"] if v == v and v != round(v, 2)]
        assert exact
        for value in exact:
            assert not any(abs(n - value) < 1e-9 for n in numbers), value


def test_chart_numbers_match_the_chart_specs(county_pack, county_file, config):
    _, rows = _rows(_book(county_file)[t("review_office.sheet.charts")])
    specs = chart_specs(county_pack, config)
    assert len(rows) == sum(len(s.table) for s in specs)
    for spec in specs:
        mine = [r for r in rows if r[t("review.col.key_result")] == spec.title]
        assert len(mine) == len(spec.table)
        observed = {(r[t("goals.col.when")], r[t("goals.col.value")]) for r in mine
                    if r[t("goals.col.kind")] == "havainto" and r[t("goals.col.value")]
                    is not None}
        expected = {(c, v) for c, v in zip(spec.categories, spec.series[0][1], strict=True)
                    if v is not None}
        assert observed == expected, spec.key


def test_formula_like_text_is_stored_as_text(forssa_pack, config):
    row = forssa_pack.checkins.iloc[[0]].copy()
    typed = {"seen": '=HYPERLINK("http://x")', "why": "+1+2", "next_steps": "-SUM(A1)",
             "organisation": "@cmd"}
    for column, text in typed.items():
        row[column] = text
    pack = dataclasses.replace(forssa_pack, checkins=row.reset_index(drop=True))
    data = workbook_bytes(pack, config)
    wb = _book(data)
    ws = wb[t("review.sheet.checkins")]
    header, _ = _rows(ws)
    for column, text in typed.items():
        cell = ws.cell(row=2, column=header.index(t(f"review.col.{column}")) + 1)
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for c in _cells(wb))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_links_are_public_and_nothing_points_to_localhost(county_file):
    wb = _book(county_file)
    links = [c.hyperlink.target for c in _cells(wb) if c.hyperlink is not None]
    assert links and all(link.startswith(PUBLIC) for link in links)
    with zipfile.ZipFile(io.BytesIO(county_file)) as archive:
        for name in archive.namelist():
            body = archive.read(name)
            assert b"localhost" not in body and b"127.0.0.1" not in body, name


def test_empty_sections_say_so(forssa_pack, config):
    pack = dataclasses.replace(forssa_pack, key_results=(), checkins=forssa_pack.checkins[:0])
    wb = _book(workbook_bytes(pack, config))
    for sheet, key in ((t("review.sheet.key_results"), "key_results"),
                       (t("review.sheet.checkins"), "checkins"),
                       (t("review_office.sheet.charts"), "key_results")):
        values = [c.value for row in wb[sheet].iter_rows() for c in row]
        assert t(f"review.empty.{key}") in values, sheet
