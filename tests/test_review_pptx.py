"""The review pack as a PowerPoint deck, on the demo store: native editable charts equal to the
chart specifications (hidden points are gaps), numbers in the notes, alt text, public links only,
the demo marker on every slide, and nothing hidden leaking into the chart's embedded data."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections import Counter

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE, XL_MARKER_STYLE
from pptx.oxml.ns import qn

from indicators import review
from indicators.config import SiteFile
from indicators.goal_texts import status_plain
from indicators.i18n import t
from indicators.omatiimi import lead_time_summary
from indicators.review_pptx import deck_bytes, public_link, shorten
from indicators.review_texts import chart_specs, section_tables, title

PUBLIC = "https://mittaristo.example.fi/"
OKABE_ITO = {"000000", "0072B2", "D55E00", "009E73", "CC79A7"}


@pytest.fixture(scope="module")
def county_file(county_pack, config):
    return deck_bytes(county_pack, config)


@pytest.fixture(scope="module")
def forssa_file(forssa_pack, config):
    return deck_bytes(forssa_pack, config)


def _deck(data: bytes):
    return Presentation(io.BytesIO(data))


def _chart_slides(prs):
    return [(s, next(sh for sh in s.shapes if sh.has_chart)) for s in prs.slides
            if any(sh.has_chart for sh in s.shapes)]


def _texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def _links(slide) -> list[str]:
    return [run.hyperlink.address for sh in slide.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for run in p.runs if run.hyperlink.address]


def _notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def test_deck_opens_with_title_summary_and_section_slides(county_pack, county_file, config):
    prs = _deck(county_file)
    slides = list(prs.slides)
    assert prs.slide_width > prs.slide_height  # 16:9
    assert slides[0].shapes.title.text == title(county_pack, config)
    assert t("review.dataset.demo") in _texts(slides[0])
    assert "31.10.2026" in _texts(slides[0])
    assert slides[1].shapes.title.text == t("review_office.slide.summary")
    summary = _texts(slides[1])
    assert "Avaintuloksia 19" in summary
    counts = Counter(i.result.status for i in county_pack.key_results)
    for status, n in counts.items():
        assert t("review_office.slide.status_count", status=status_plain(status), n=n) in summary
    for item in review.changed_key_results(county_pack):
        assert status_plain(item.before.status) + " → " + status_plain(item.result.status) \
            in _notes(slides[1])
    assert len(review.changed_key_results(county_pack)) == 9
    assert summary.count(" → ") == 9  # all nine fit on the slide
    tables = section_tables(county_pack, config)
    for key, frame in tables.items():
        name = t(f"review.section.{key}")
        mine = [s for s in slides if s.shapes.title is not None
                and s.shapes.title.text.startswith(name)]
        if frame.empty:
            assert not mine
            continue
        shown = [sh.table for s in mine for sh in s.shapes if sh.has_table]
        assert len(shown) == len(mine) >= 1
        assert all([c.text for c in tb.rows[0].cells] == list(frame.columns) for tb in shown)
        assert sum(len(tb.rows) - 1 for tb in shown) == len(frame), key  # every row, once
    assert len(tables["key_results"]) == 19


def test_one_native_chart_per_key_result_equal_to_its_spec(county_pack, county_file,
                                                           forssa_pack, forssa_file, config):
    for pack, data in ((county_pack, county_file), (forssa_pack, forssa_file)):
        specs = chart_specs(pack, config)
        charts = _chart_slides(_deck(data))
        assert len(charts) == len(specs) == len(pack.key_results) > 0
        for (slide, frame), spec in zip(charts, specs, strict=True):
            chart = frame.chart
            assert chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
            assert slide.shapes.title.text == spec.title
            assert chart.chart_title.text_frame.text == spec.title
            assert chart.has_legend
            assert tuple(chart.plots[0].categories) == spec.categories
            assert [(s.name, tuple(s.values)) for s in chart.plots[0].series] == [
                (name, tuple(values)) for name, values in spec.series]
            fmt = "#,##0" + ("." + "0" * spec.decimals if spec.decimals else "")
            assert chart.value_axis.tick_labels.number_format == fmt
            assert chart._chartSpace.chart.find(qn("c:dispBlanksAs")).get("val") == "gap"
            assert t("review_office.slide.status", status=spec.status) in _texts(slide)
            assert spec.source in _texts(slide)


def test_series_differ_by_dash_and_marker_in_okabe_ito_colours(county_file):
    for _, frame in _chart_slides(_deck(county_file)):
        series = list(frame.chart.plots[0].series)
        colours = [str(s.format.line.color.rgb) for s in series]
        dashes = [s.format.line.dash_style for s in series]
        assert set(colours) <= OKABE_ITO and len(set(colours)) == 3
        assert len(set(dashes)) == 3
        markers = [s.marker.style for s in series]
        assert markers[0] == XL_MARKER_STYLE.CIRCLE and len(set(markers)) == 3


def test_the_hidden_baseline_is_a_gap_and_nowhere_in_the_chart_data(reader, county_pack,
                                                                    county_file, config):
    specs = chart_specs(county_pack, config)
    index = [s.key for s in specs].index("kr:omatiimi_days_rmk")
    _, frame = _chart_slides(_deck(county_file))[index]
    observed = dict(zip(frame.chart.plots[0].categories, frame.chart.plots[0].series[0].values,
                        strict=True))
    assert observed["4–6/2026"] is None and observed["7–9/2026"] == 8
    # the unsuppressed median of 2026Q2, recomputed from the store's hidden class counts
    cells = reader.query_df(
        "SELECT * FROM observation JOIN cell_disclosure "
        "USING (indicator_id, area_code, period, sex, grp) "
        "WHERE indicator_id = 'omatiimi_days_to_first_meeting' AND area_code = 'SK052' "
        "AND period = '2026Q2'")
    assert cells["hidden"].any()
    median = lead_time_summary(cells.assign(suppressed=False))["median_days"].iloc[0]
    assert median == median  # a real figure exists behind the gap
    # the chart's embedded workbook (what "Edit data" opens) has an empty cell there
    workbook = load_workbook(io.BytesIO(frame.chart.part.chart_workbook.xlsx_part.blob))
    sheet = workbook.worksheets[0]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["4–6/2026"][0] is None
    numbers = [v for r in rows.values() for v in r if isinstance(v, (int, float))]
    assert numbers and all(abs(v - median) > 1e-9 for v in numbers)


def test_notes_hold_the_numbers_and_the_alt_text_is_set(county_pack, county_file, config):
    specs = chart_specs(county_pack, config)
    for (slide, frame), spec in zip(_chart_slides(_deck(county_file)), specs, strict=True):
        notes = _notes(slide)
        table = spec.table.astype(str)
        for value in pd.unique(table.iloc[:, 2:].to_numpy().ravel()):
            if value:
                assert value in notes, (spec.key, value)
        for when in table.iloc[:, 1]:
            assert when in notes
        assert spec.text in notes
        c_nv_pr = frame._element.find(qn("p:nvGraphicFramePr")).find(qn("p:cNvPr"))
        assert c_nv_pr.get("descr") == spec.text
        assert spec.text in _texts(slide)  # also readable on the slide
    rmk = _notes(_chart_slides(_deck(county_file))[
        [s.key for s in specs].index("kr:omatiimi_days_rmk")][0])
    assert "havainto | 4–6/2026 | .." in rmk


def test_every_chart_slide_links_to_its_view_on_the_public_address(county_pack, county_file,
                                                                  forssa_file, config):
    specs = chart_specs(county_pack, config)
    for (slide, _), spec in zip(_chart_slides(_deck(county_file)), specs, strict=True):
        assert spec.link in _links(slide) and spec.link.startswith(PUBLIC)
    for data in (county_file, forssa_file):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                body = archive.read(name)
                assert b"localhost" not in body and b"127.0.0.1" not in body, name
        for slide in _deck(data).slides:
            for rel in slide.part.rels.values():
                if rel.is_external and rel.reltype.endswith("/hyperlink"):
                    assert rel.target_ref.startswith(PUBLIC), rel.target_ref


def test_demo_marker_and_footer_on_every_slide(county_file, forssa_file):
    for data in (county_file, forssa_file):
        for slide in _deck(data).slides:
            assert t("review.dataset.demo") in _texts(slide)


def test_core_properties(county_pack, county_file, config):
    props = _deck(county_file).core_properties
    assert props.title == title(county_pack, config)
    assert props.author == config.site.publisher.fi
    assert props.created.date().isoformat() == "2026-10-31"


def test_without_a_public_address_no_link_is_made(reader, config):
    local = dataclasses.replace(config, site=SiteFile())
    pack = review.build_pack(reader, local, "SK053", "2026Q3")
    prs = _deck(deck_bytes(pack, local))
    for slide in prs.slides:
        assert _links(slide) == []
    slide, _ = _chart_slides(prs)[0]
    assert "/goals?area=SK053" in _texts(slide)


def test_long_texts_are_shortened_on_the_slide_and_whole_in_the_notes(forssa_pack, config):
    row = forssa_pack.checkins.iloc[[0]].copy()
    long = "Pitkä havainto " * 30 + "loppu."
    row["seen"] = long
    pack = dataclasses.replace(forssa_pack, checkins=row.reset_index(drop=True))
    prs = _deck(deck_bytes(pack, config))
    slide = next(s for s in prs.slides if s.shapes.title is not None
                 and s.shapes.title.text.startswith(t("review.section.checkins")))
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    cell = table.cell(1, list(section_tables(pack, config)["checkins"].columns).index(
        t("review.col.seen"))).text
    assert cell.endswith("…") and len(cell) <= 110 and long not in cell
    assert long.strip() in _notes(slide)
    assert t("review_office.slide.shortened") in _texts(slide)


def test_helpers():
    assert public_link("https://mittaristo.example.fi/goals?area=HV07").startswith(PUBLIC)
    assert public_link("/goals?area=HV07") is None
    assert public_link("http://localhost:8501/goals") is None
    assert shorten("yksi kaksi kolme neljä", 12) == "yksi kaksi…"
    assert shorten("lyhyt", 12) == "lyhyt"
