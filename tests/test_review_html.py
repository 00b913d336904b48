"""The printable review pack (HTML) on the demo store: every section, chart and source, plotly.js
inlined once and nothing fetched from the network, links to the public address, print CSS, and no
hidden figure anywhere a reader could take it from."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from html.parser import HTMLParser

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from indicators import omatiimi, review
from indicators.formatting import SUPPRESSED_MARK, format_number
from indicators.goal_figures import key_result_text
from indicators.i18n import t
from indicators.review_html import (
    COLOURS,
    MARGIN_BOX_STYLE_ID,
    META_BANNER,
    TEXT_ON,
    css_string,
    footer_template,
    header_template,
    render_html,
)
from indicators.review_texts import SECTIONS, provenance_lines, title

QUARTER = "2026Q3"
GENERATED = date(2026, 11, 2)
PUBLIC = "https://mittaristo.example.fi/"
#: the licence header that opens plotly.js's bundle: it occurs once per inlined copy
PLOTLY_JS = get_plotlyjs()
PLOTLY_MARKER = PLOTLY_JS[:80]


class Doc(HTMLParser):
    """What the tests read from the file: sections (heading, text, table rows with the first
    cell's link), every element's URL attributes, scripts and styles."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, dict] = {}
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scripts: list[dict[str, str | None]] = []
        self.stylesheets: list[str] = []
        self.h3: list[str] = []
        self.lang: str | None = None
        self._section: str | None = None
        self._stack: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._row_link: str | None = None
        self._h2: list[str] | None = None
        self._h3: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        for name in ("href", "src", "action", "data", "poster"):
            if attrs.get(name):
                self.urls.append((tag, name, attrs[name]))
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.stylesheets.append(attrs.get("href") or "")
        if tag == "section":
            self._section = attrs["id"]
            self.sections[self._section] = {"heading": "", "text": [], "rows": [], "links": []}
        if self._section is None:
            return
        if tag == "h2":
            self._h2 = []
        if tag == "h3":
            self._h3 = []
        if tag == "tr" and "tbody" in self._stack:
            self._row, self._row_link = [], None
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag == "a" and self._cell is not None and not self._row:
            self._row_link = attrs.get("href")
        self._stack.append(tag)

    def handle_endtag(self, tag):
        if self._section is None:
            return
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag == "h2" and self._h2 is not None:
            self.sections[self._section]["heading"] = "".join(self._h2).strip()
            self._h2 = None
        if tag == "h3" and self._h3 is not None:
            self.h3.append("".join(self._h3).strip())
            self._h3 = None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.sections[self._section]["rows"].append(self._row)
            self.sections[self._section]["links"].append(self._row_link)
            self._row = None
        if tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._section is not None:
            self.sections[self._section]["text"].append(data)
        for part in (self._cell, self._h2, self._h3):
            if part is not None:
                part.append(data)

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]["text"]).split())


def figures(html: str) -> dict[str, list[dict]]:
    """Each chart's plotly traces as drawn in the file (div id -> data)."""
    out = {}
    decoder = json.JSONDecoder()
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        out[match.group(1)], _ = decoder.raw_decode(html, match.end())
    return out


@pytest.fixture(scope="module")
def packs(reader, config):
    return {area: review.build_pack(reader, config, area, QUARTER)
            for area in ("SK053", config.county_code)}


@pytest.fixture(scope="module")
def rendered(packs, config):
    return {area: render_html(pack, config, "fi", generated=GENERATED)
            for area, pack in packs.items()}


@pytest.fixture(scope="module")
def docs(rendered):
    return {area: Doc(html) for area, html in rendered.items()}


@pytest.fixture(scope="module")
def hidden_cells(reader, packs):
    """Every cell hidden in the store for the packs' indicators: key -> its unsuppressed value."""
    ids = sorted({i for pack in packs.values() for i in pack.indicator_ids})
    frame = reader.query_df(
        "SELECT o.indicator_id, o.area_code, o.period, o.sex, o.grp, o.value "
        "FROM observation o JOIN cell_disclosure d "
        "USING (indicator_id, area_code, period, sex, grp) "
        f"WHERE d.hidden AND o.indicator_id IN ({', '.join('?' for _ in ids)})", ids)
    assert len(frame) > 100  # the demo store hides cells of these indicators
    return {(r.indicator_id, r.area_code, r.period, r.sex, r.grp): r.value
            for r in frame.itertuples()}


def _kr_config(config, kr_id):
    return next(k for o in config.objectives for k in o.key_results if k.id == kr_id)


def test_document_is_finnish_utf8_with_title_and_meta(packs, rendered, docs, config):
    for area, html in rendered.items():
        pack = packs[area]
        assert html.startswith("<!DOCTYPE html>")
        assert docs[area].lang == "fi" and '<html lang="fi">' in html
        assert '<meta charset="utf-8">' in html
        name = title(pack, config, "fi")
        assert f"<title>{name}</title>" in html and f"<h1>{name}</h1>" in html
        assert config.areas[pack.area_code].name("fi") in html
        assert "7–9/2026" in html  # the quarter as people read it
        assert t("review.generated", "fi", date="2.11.2026") in html
        html.encode("utf-8")  # nothing that UTF-8 cannot carry


def test_every_section_in_order_with_heading_help_and_rows_or_empty_text(packs, docs, config):
    for area, doc in docs.items():
        pack = packs[area]
        assert list(doc.sections) == [*SECTIONS, "charts", "sources"]
        counts = {"key_results": len(pack.key_results), "signals": len(pack.signals),
                  "new_figures": len(pack.new_figures), "actions": len(pack.actions),
                  "omatiimi": len(pack.omatiimi_cards), "checkins": len(pack.checkins)}
        for key in SECTIONS:
            section = doc.sections[key]
            assert section["heading"].startswith(t(f"review.section.{key}", "fi"))
            params = {"area": config.areas[pack.omatiimi_area].name("fi")}
            assert t(f"review.help.{key}", "fi", **params) in doc.text(key)
            assert len(section["rows"]) == counts[key]
            if counts[key] == 0:
                assert t(f"review.empty.{key}", "fi") in doc.text(key)
        assert doc.sections["charts"]["heading"].startswith(t("review.section.charts", "fi"))
        assert doc.sections["sources"]["heading"].startswith(t("review.section.sources", "fi"))
    # the demo region has something in every section
    assert all(docs["SK053"].sections[key]["rows"] for key in SECTIONS)


def test_an_empty_section_says_so(packs, config):
    pack = dataclasses.replace(packs["SK053"], signals=(), actions=(), key_results=())
    doc = Doc(render_html(pack, config, generated=GENERATED))
    for key in ("signals", "actions", "key_results"):
        assert doc.sections[key]["rows"] == []
        assert t(f"review.empty.{key}", "fi") in doc.text(key)
    # no key results: no charts, and then no plotly.js either
    assert t("review.empty.key_results", "fi") in doc.text("charts")
    assert not doc.scripts


def test_every_key_result_named_in_its_table_and_charted_once(packs, rendered, docs, config):
    for area, html in rendered.items():
        pack, doc = packs[area], docs[area]
        names = [_kr_config(config, i.result.key_result_id).name.get("fi")
                 for i in pack.key_results]
        assert [row[0] for row in doc.sections["key_results"]["rows"]] == names
        assert doc.h3 == names  # one chart per key result, titled by its name
        charts = figures(html)
        assert list(charts) == [f"chart-{i.result.key_result_id}" for i in pack.key_results]
        assert html.count('class="plotly-graph-div"') == len(pack.key_results)
        text = doc.text("charts")
        for item in pack.key_results:
            spec_status = t(f"goals.status.{item.result.status}", "fi")
            assert spec_status in text
            assert key_result_text(item.result, config, "fi") in text
    assert len(packs[config.county_code].key_results) == 19


def test_chart_status_carries_a_symbol_and_words(packs, docs, config):
    from indicators.goal_texts import status_plain

    text = docs[config.county_code].text("charts")
    for item in packs[config.county_code].key_results:
        assert f"{t('review_html.chart_status', 'fi')} {status_plain(item.result.status)}" \
            in text


def test_plotly_js_inlined_exactly_once_and_nothing_from_the_network(rendered, docs):
    for area, html in rendered.items():
        doc = docs[area]
        assert html.count(PLOTLY_MARKER) == 1
        assert html.count("plotly.js v") == 1
        assert all(s.get("src") is None for s in doc.scripts)  # every script inline
        assert doc.stylesheets == []
        assert "@import" not in html
        assert re.search(r"url\(\s*['\"]?(https?:)?//", html) is None
        fetched = [(tag, attr, url) for tag, attr, url in doc.urls if tag != "a"]
        assert fetched == []  # no image, frame, script or stylesheet address at all
        # outside the bundle (which names its CDN in strings it never uses for these charts)
        outside = html.replace(PLOTLY_JS, "")
        assert len(outside) < len(html) - 4_000_000
        assert "cdn.plot.ly" not in outside and "cdn.jsdelivr" not in outside
        assert "mathjax" not in outside.lower()
        assert re.search(r"https?://(?!mittaristo\.example\.fi/)", outside) is None


def test_demo_banner_on_every_page_and_section(packs, rendered, docs, config):
    banner = t("review_html.banner.demo", "fi")
    for area, html in rendered.items():
        assert packs[area].dataset == "demo"
        assert t("review.dataset.demo", "fi") in html  # the banner at the top
        # beside every section heading, so every printed section carries it
        for key, section in docs[area].sections.items():
            assert banner in section["heading"], key
        # the page header of every printed page (CSS margin box) and of the PDF (meta)
        assert f"content: {css_string(banner)};" in html
        assert f'<meta name="{META_BANNER}" content="{banner}">' in html
    real = dataclasses.replace(packs["SK053"], dataset="real")
    html = render_html(real, config, generated=GENERATED)
    assert banner not in html and t("review.dataset.demo", "fi") not in html
    assert "DEMOAINEISTO" not in html


def test_sources_licences_date_and_public_link(packs, docs, config):
    for area, doc in docs.items():
        pack = packs[area]
        text = doc.text("sources")
        for line in provenance_lines(pack, config, "fi"):
            assert line in text
        for source, licence in review.sources(config, pack):
            assert source in text and licence in text
        assert "31.10.2026" in text  # the data's date
        assert pack.links["review"] in text
        assert ("a", "href", pack.links["review"]) in doc.urls
    assert "CC BY 4.0" in docs[config.county_code].text("sources")


def test_rows_link_to_their_views_on_the_public_address(packs, docs, config):
    for area, doc in docs.items():
        pack = packs[area]
        expected = {"key_results": [i.link for i in pack.key_results],
                    "signals": [s.link for s in pack.signals],
                    "new_figures": [f.link for f in pack.new_figures],
                    "actions": [a.link for a in pack.actions],
                    "omatiimi": [pack.links["omatiimi"]] * len(pack.omatiimi_cards),
                    "checkins": [pack.links["goals"]] * len(pack.checkins)}
        for key, links in expected.items():
            assert doc.sections[key]["links"] == links, key
        hrefs = [url for tag, attr, url in doc.urls if tag == "a"]
        assert hrefs and all(h.startswith(PUBLIC) or h.startswith("#") for h in hrefs)
        assert any("/indicator?indicator=" in h for h in hrefs)
        assert any("/phenomena?phenomenon=" in h for h in hrefs)


def test_no_localhost_anywhere_and_no_link_without_a_public_address(packs, rendered, config):
    for html in rendered.values():
        assert "localhost" not in html and "127.0.0.1" not in html
    pack = packs["SK053"]  # as built where the dashboard has no public address
    relative = dataclasses.replace(
        pack, key_results=tuple(dataclasses.replace(i, link=review.local_link(config, i.link))
                                for i in pack.key_results),
        links={k: review.local_link(config, v) for k, v in pack.links.items()})
    doc = Doc(render_html(relative, config, generated=GENERATED))
    # a bare path would point into the reader's disk once saved: shown as text, not linked
    assert doc.sections["key_results"]["links"] == [None] * len(pack.key_results)
    assert "/review?area=SK053" in doc.text("sources")
    assert t("review_html.no_public_url", "fi") in doc.text("sources")


def test_text_from_people_is_escaped(packs, config):
    pack = packs["SK053"]
    assert len(pack.checkins)
    checkins = pack.checkins.copy()
    checkins.loc[0, "seen"] = '<script>alert("x")</script> & <b>lihava</b>'
    html = render_html(dataclasses.replace(pack, checkins=checkins), config,
                       generated=GENERATED)
    assert '<script>alert("x")</script>' not in html and "<b>lihava</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;lihava&lt;/b&gt;" \
        in html
    assert Doc(html).sections["checkins"]["rows"][0][2] == checkins.loc[0, "seen"]


def test_print_css_a4_page_numbers_repeated_headers_and_unbroken_charts(rendered):
    html = rendered["SK053"]
    assert "size: A4;" in html
    assert re.search(r"@bottom-right\s*\{\s*content:\s*\"Sivu\s*\"\s*counter\(page\) \" / \" "
                     r"counter\(pages\);", html)
    assert f'<style id="{MARGIN_BOX_STYLE_ID}">' in html
    assert "thead { display: table-header-group; }" in html
    assert "tr { break-inside: avoid; page-break-inside: avoid; }" in html
    assert re.search(r"\.chart \{ break-inside: avoid; page-break-inside: avoid;", html)
    # the PDF's footer: the page number and count that Chromium fills in, and the date
    footer = footer_template("Tehty 2.11.2026")
    assert 'Sivu <span class="pageNumber"></span> / <span class="totalPages"></span>' in footer
    assert "Tehty 2.11.2026" in footer
    assert "DEMO" in header_template("DEMO <x>") and "&lt;x&gt;" in header_template("DEMO <x>")
    assert header_template("") == "<span></span>"


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_text_colours_reach_4_5_to_1(rendered):
    for fg, bg in TEXT_ON:
        light, dark = sorted((_luminance(COLOURS[fg]), _luminance(COLOURS[bg])), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (fg, bg)
    # the template takes every colour from COLOURS
    style = rendered["SK053"].split("<script>")[0]
    assert set(re.findall(r"#[0-9a-fA-F]{6}\b", style)) <= set(COLOURS.values())


def test_css_string_is_safe_inside_style():
    assert css_string('a"b</style>ä') == '"a\\000022b\\00003c\\00002fstyle\\00003e\\0000e4"'


# ------------------------------------------------------------------------ suppression


def _true_median(reader, config, area, period):
    """The lead-time median the public figures hide, from the unsuppressed store."""
    cells = reader.query_df(
        "SELECT area_code, period, period_start, grp, value, FALSE AS suppressed "
        "FROM observation WHERE indicator_id = ? AND area_code = ? AND period = ? "
        "AND sex = 'total'", [omatiimi.LEAD_TIME, area, period])
    assert len(cells) > 1
    indicator = config.indicators[omatiimi.LEAD_TIME]
    summary = omatiimi.lead_time_summary(cells, indicator.min_n)
    row = summary.iloc[0]
    assert row["median_status"] == "ok"
    return float(row["median_days"])


def test_the_hidden_baseline_shows_only_the_mark(reader, packs, rendered, docs, config):
    county = config.county_code
    pack, doc = packs[county], docs[county]
    item = next(i for i in pack.key_results if i.result.key_result_id == "omatiimi_days_rmk")
    base = item.result.baseline
    assert base is not None and base.suppressed and base.label == "2026Q2"
    true_days = _true_median(reader, config, "SK052", "2026Q2")
    shown = format_number(true_days, 0, "fi")
    row = doc.sections["key_results"]["rows"][pack.key_results.index(item)]
    path = row[5]
    baseline_part = path.split("→")[0]
    assert baseline_part.startswith(f"Lähtötaso {SUPPRESSED_MARK}")
    assert re.search(r"\d", baseline_part.replace("4–6/2026", "")) is None
    assert shown not in baseline_part
    # the chart: a gap where the baseline is, its value nowhere in the drawn numbers
    traces = figures(rendered[county])["chart-omatiimi_days_rmk"]
    observed = next(tr for tr in traces if tr["name"] == t("goal_chart.trace.observed", "fi"))
    at = observed["x"].index("2026-06-30")
    assert observed["y"][at] is None
    drawn = [y for tr in traces for y in (tr.get("y") or []) if isinstance(y, (int, float))]
    assert all(abs(y - true_days) > 1e-9 for y in drawn)
    assert not any(tr["name"] == t("goal_chart.trace.baseline", "fi") for tr in traces)
    alt = key_result_text(item.result, config, "fi")
    assert f"lähtötaso {t('goals.hidden_figure', 'fi')} (4–6/2026)" in alt
    assert alt in doc.text("charts") and shown + " pv (4–6/2026)" not in alt


def test_no_hidden_cell_reaches_a_table_or_chart(reader, packs, rendered, docs, config,
                                                 hidden_cells):
    """Every figure at a position the store hides shows `..` and never the hidden value; every
    number a chart draws is a visible cell's."""
    checked = hidden_seen = 0
    for area, pack in packs.items():
        doc = docs[area]
        # new figures: value column of the row of (indicator, area, latest period)
        rows = doc.sections["new_figures"]["rows"]
        for item, row in zip(pack.new_figures, rows, strict=True):
            key = (item.indicator_id, item.area_code, item.latest.period, "total", "total")
            value = row[3]
            checked += 1
            if key in hidden_cells:
                hidden_seen += 1
                decimals = config.indicators[item.indicator_id].decimals
                assert value == SUPPRESSED_MARK
                assert format_number(hidden_cells[key], decimals) != value
            else:
                assert not item.latest.suppressed or value == SUPPRESSED_MARK
        # Omatiimi cards: the value cell of (indicator, area, quarter)
        for card, row in zip(pack.omatiimi_cards, doc.sections["omatiimi"]["rows"],
                             strict=True):
            key = (card.indicator_id, card.area_code, card.period, "total", "total")
            checked += 1
            if key in hidden_cells or card.suppressed:
                hidden_seen += 1
                assert row[1].startswith(SUPPRESSED_MARK)
        # key results: baseline and latest in the path text, and every drawn point
        charts = figures(rendered[area])
        for item, row in zip(pack.key_results, doc.sections["key_results"]["rows"],
                             strict=True):
            result = item.result
            kr = _kr_config(config, result.key_result_id)
            parts = row[5].split("→")
            for point, part in ((result.baseline, parts[0]), (result.latest, parts[1])):
                if point is None:
                    continue
                key = (result.indicator_id, result.area_code, point.label, kr.sex, kr.group)
                checked += 1
                if point.suppressed or key in hidden_cells:
                    hidden_seen += 1
                    assert SUPPRESSED_MARK in part
                    if key in hidden_cells:
                        assert format_number(hidden_cells[key], result.decimals) not in part
            traces = charts[f"chart-{result.key_result_id}"]
            observed = next((tr for tr in traces
                             if tr["name"] == t("goal_chart.trace.observed", "fi")), None)
            if observed is None:
                continue
            by_when = {p.when.isoformat(): p for p in result.series}
            for x, y in zip(observed["x"], observed["y"], strict=True):
                point = by_when[x[:10]]
                key = (result.indicator_id, result.area_code, point.label, kr.sex, kr.group)
                checked += 1
                if point.suppressed or key in hidden_cells:
                    hidden_seen += 1
                    assert y is None
                elif result.source == "indicator":
                    assert y is not None and abs(y - point.value) < 1e-9
    assert checked > 200
    # the hidden lead-time medians (in tables and charts): the demo hides no other shown cell
    assert hidden_seen >= 5


def test_render_is_deterministic_and_measured(packs, config, rendered):
    import time

    pack = packs[config.county_code]
    start = time.perf_counter()
    again = render_html(pack, config, generated=GENERATED)
    elapsed = time.perf_counter() - start
    assert again == rendered[config.county_code]
    size = len(again.encode("utf-8"))
    assert 4_000_000 < size < 8_000_000  # plotly.js (~4.8 MB) once plus the pack
    assert elapsed < 20
    print(f"county pack HTML: {size:,} bytes in {elapsed:.2f} s")


def test_checkins_table_shows_the_quarters_notes(packs, docs):
    pack = packs["SK053"]
    rows = docs["SK053"].sections["checkins"]["rows"]
    assert [r[2] for r in rows] == [str(s) for s in pack.checkins["seen"]]
    assert all(re.fullmatch(r"\d+/10", r[1]) for r in rows)
    assert isinstance(pack.checkins, pd.DataFrame)


def test_charts_do_not_depend_on_the_default_plotly_template(reader, config):
    """Importing Streamlit makes its placeholder template plotly's default; a pack made inside
    the app must look the same as one made by the CLI."""
    import plotly.io as pio

    from indicators import review
    from indicators.review_html import render_html

    pack = review.build_pack(reader, config, "SK053", "2026Q3")
    saved = pio.templates.default
    try:
        pio.templates.default = "plotly"
        plain = render_html(pack, config, generated=date(2026, 11, 2))
        import streamlit  # noqa: F401  (sets its own default template)

        pio.templates.default = "streamlit"
        in_app = render_html(pack, config, generated=date(2026, 11, 2))
    finally:
        pio.templates.default = saved
    assert plain == in_app
    assert "#000033" not in in_app  # Streamlit's placeholder colours
