"""The review pack as one self-contained, printable HTML file (A4), and the pieces the PDF printer
(`review_pdf`) needs for its page header and footer.

`render_html(pack, config, lang)` renders `report_templates/review.html.j2` (Jinja2, autoescaped)
from the shared texts of `review_texts` (the same tables, chart texts and provenance as the page,
the workbook and the slides) and the goals page's key result charts (`goal_figures`), with
plotly.js inlined once in the file's head: no CDN, no network, no external files. Every figure
comes from the pack, which holds public figures only (a hidden cell is `..`, never a number); this
module never reads the store.

Printing: `@page` sets A4 and margins; margin boxes repeat the demo banner on every page and number
the pages ("Sivu 3 / 9") where the browser supports them (Chromium 131 and later); the banner also
sits at the top of the file and beside every section heading, so it shows on paper from any
browser. Tables repeat their header rows on each page and never split a row; a chart never splits.
For Playwright's `page.pdf()` the file names its banner and date in `<meta>` tags (`META_*`), and
`header_template` / `footer_template` build the PDF's own header and footer from them (the PDF
printer removes the margin-box style, `MARGIN_BOX_STYLE_ID`, so nothing prints twice).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from indicators import goal_figures
from indicators.config import Config
from indicators.formatting import format_date, format_period
from indicators.i18n import normalise_language, t
from indicators.review import ReviewPack
from indicators.review_texts import (
    SECTIONS,
    chart_specs,
    provenance_lines,
    section_tables,
    subtitle,
    title,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "report_templates"
TEMPLATE_NAME = "review.html.j2"

#: Page margins, shared by the file's `@page` rule and the PDF printer (header and footer sit in
#: the top and bottom margins).
PAGE_MARGINS = {"top": "20mm", "right": "14mm", "bottom": "18mm", "left": "14mm"}
#: Charts are drawn at a fixed width that fits the A4 text width (182 mm ≈ 688 CSS px): plotly
#: draws once, when the file opens, and does not redraw for the printed page.
CHART_WIDTH_PX = 660
#: `<meta name=...>` tags that carry what the PDF's header and footer print
META_BANNER = "review-print-banner"
META_FOOTER = "review-print-footer"
META_PAGE_WORD = "review-print-page-word"
#: id of the `<style>` holding the `@page` margin boxes (the PDF printer removes it and prints its
#: own header and footer instead)
MARGIN_BOX_STYLE_ID = "review-margin-boxes"
#: the class of a chart's plotly div (plotly adds `js-plotly-plot` once drawn)
CHART_CLASS = "plotly-graph-div"

#: The file's colours. Every text colour reaches at least 4.5:1 against every background it is
#: set on (`TEXT_ON`, checked by the tests); status is never shown by colour (symbol and words).
COLOURS = {
    "text": "#1a1a1a", "muted": "#3d3d3d", "link": "#0a4b86", "demo": "#8c1d18",
    "page": "#ffffff", "demo_bg": "#fdecea", "head_bg": "#e8ecf1", "stripe_bg": "#f7f8fa",
    "rule": "#8c8c8c",
}
TEXT_ON = (("text", "page"), ("text", "head_bg"), ("text", "stripe_bg"), ("text", "demo_bg"),
           ("muted", "page"), ("link", "page"), ("link", "head_bg"), ("link", "stripe_bg"),
           ("demo", "demo_bg"), ("demo", "page"))

_TEMPLATE_FONT = "font-family: Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif;"


#: a cell that is a number as shown (`1 234,5`, `−2,37`, `+4`, `75 %`) or the hidden mark `..`
_NUMBER = re.compile(r"^(?:[−+-]?\d[\d\u00a0\u202f ]*(?:,\d+)?(?:\u00a0| )?%?|\.\.)$")
SHORT_CELL = 12  # cells up to this many characters do not wrap (periods such as `10–12/2026`)


@dataclass(frozen=True)
class Cell:
    text: str
    css: str  # 'num' (right-aligned), 'short' (no wrap) or ''


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    link: str | None  # an absolute address, or None when the dashboard has no public address


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _cells(table: pd.DataFrame) -> list[tuple[Cell, ...]]:
    """The table's cells as text; a column whose every filled cell is a number is right-aligned,
    short cells (periods, dates, statuses) do not wrap."""
    texts = [[_text(v) for v in values] for values in table.itertuples(index=False, name=None)]
    numeric = [all(_NUMBER.match(row[i].strip()) for row in texts if row[i].strip())
               and any(row[i].strip() for row in texts) for i in range(len(table.columns))]
    return [tuple(Cell(text, "num" if numeric[i] else "short" if len(text) <= SHORT_CELL
                       else "") for i, text in enumerate(row)) for row in texts]


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    help: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    empty: str


@dataclass(frozen=True)
class Chart:
    key: str
    dom_id: str
    title: str
    status: str
    text: str
    source: str
    link: str | None
    figure_html: Markup


def css_string(text: str) -> Markup:
    """`text` as a quoted CSS string, safe inside `<style>` (every character that is not a plain
    letter, digit or space becomes a six-digit CSS escape)."""
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char == " "):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return Markup('"' + "".join(out) + '"')


def absolute_link(link: str | None) -> str | None:
    """A link the file may carry: only absolute http(s) addresses (a path alone would point into
    the reader's own disk once the file is saved)."""
    if link and link.startswith(("https://", "http://")):
        return link
    return None


def banner_text(pack: ReviewPack, lang: str = "fi") -> str:
    """The short demo banner for every page ('' for real data)."""
    if pack.dataset in ("demo", "mixed"):
        return t(f"review_html.banner.{pack.dataset}", lang)
    return ""


def header_template(banner: str = "") -> str:
    """Playwright's `header_template`: the demo banner on every page (an empty one otherwise, so
    Chromium does not print its default title and date)."""
    if not banner:
        return "<span></span>"
    return (f'<div style="{_TEMPLATE_FONT} width: 100%; margin: 0 {PAGE_MARGINS["left"]}; '
            f'font-size: 9pt; font-weight: bold; color: {COLOURS["demo"]}; text-align: center; '
            '-webkit-print-color-adjust: exact;">'
            f'<span style="border: 1.5px solid {COLOURS["demo"]}; padding: 1pt 6pt;">'
            f"{html.escape(banner)}</span></div>")


def footer_template(left: str = "", page_word: str | None = None, lang: str = "fi") -> str:
    """Playwright's `footer_template`: `left` (e.g. 'Tehty 31.10.2026') and 'Sivu X / Y', where
    Chromium fills the `pageNumber` and `totalPages` spans."""
    word = html.escape(page_word if page_word is not None else t("review.page", lang))
    return (f'<div style="{_TEMPLATE_FONT} width: 100%; margin: 0 {PAGE_MARGINS["left"]}; '
            f'font-size: 8pt; color: {COLOURS["muted"]}; display: flex; '
            'justify-content: space-between;">'
            f"<span>{html.escape(left)}</span>"
            f'<span>{word} <span class="pageNumber"></span> / '
            '<span class="totalPages"></span></span></div>')


def _section(pack: ReviewPack, config: Config, key: str, table: pd.DataFrame,
             lang: str) -> Section:
    links: list[str | None]
    if key == "key_results":
        links = [i.link for i in pack.key_results]
    elif key == "signals":
        links = [s.link for s in pack.signals]
    elif key == "new_figures":
        links = [f.link for f in pack.new_figures]
    elif key == "actions":
        links = [a.link for a in pack.actions]
    elif key == "omatiimi":
        links = [pack.links.get("omatiimi")] * len(table)
    else:  # check-ins are about key results: the goals page
        links = [pack.links.get("goals")] * len(table)
    if len(links) != len(table):
        raise ValueError(f"section {key}: {len(table)} rows but {len(links)} links")
    rows = tuple(Row(cells, absolute_link(link))
                 for cells, link in zip(_cells(table), links, strict=True))
    params = {"area": config.areas[pack.omatiimi_area].name(lang)} if key == "omatiimi" else {}
    return Section(key=key, heading=t(f"review.section.{key}", lang),
                   help=t(f"review.help.{key}", lang, **params),
                   columns=tuple(str(c) for c in table.columns), rows=rows,
                   empty=t(f"review.empty.{key}", lang))


def _chart(item, spec, config: Config, lang: str) -> Chart:
    figure = goal_figures.key_result_figure(item.result, config, lang)
    # an explicit template: importing Streamlit makes its own (placeholder colours that only its
    # frontend fills in) plotly's default, which would leak into a file made inside the app
    figure.update_layout(width=CHART_WIDTH_PX, template="plotly_white")
    dom_id = f"chart-{item.result.key_result_id}"
    markup = figure.to_html(full_html=False, include_plotlyjs=False, div_id=dom_id,
                            default_width=f"{CHART_WIDTH_PX}px",
                            config={"displayModeBar": False, "responsive": False,
                                    "displaylogo": False})
    return Chart(key=spec.key, dom_id=dom_id, title=spec.title, status=spec.status,
                 text=goal_figures.key_result_text(item.result, config, lang),
                 source=spec.source, link=absolute_link(item.link), figure_html=Markup(markup))


@lru_cache(maxsize=1)
def _plotly_js() -> Markup:
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    if "</script" in bundle.lower():  # cannot happen with plotly's bundle; never inline it then
        raise ValueError("the plotly.js bundle cannot be inlined in a <script> element")
    return Markup(bundle)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["css_string"] = css_string
    return env


def render_html(pack: ReviewPack, config: Config, lang: str = "fi", *,
                generated: date | None = None) -> str:
    """The pack as one self-contained printable HTML document (UTF-8; plotly.js inlined once when
    the pack has charts). `generated` is the date printed as made (default: today)."""
    lang = normalise_language(lang)
    generated = generated or date.today()
    tables = section_tables(pack, config, lang)
    sections = [_section(pack, config, key, tables[key], lang) for key in SECTIONS]
    specs = {s.key: s for s in chart_specs(pack, config, lang)}
    charts = [_chart(item, specs[f"kr:{item.result.key_result_id}"], config, lang)
              for item in pack.key_results]
    generated_text = t("review.generated", lang, date=format_date(generated, lang))
    area = config.areas[pack.area_code].name(lang)
    meta = [
        (t("review.meta.area", lang), area),
        (t("review.meta.quarter", lang), format_period(pack.quarter, lang)),
        (t("review.meta.previous", lang), format_period(pack.previous_quarter, lang)),
        (t("review.meta.data_as_of", lang),
         format_date(date.fromisoformat(pack.data_as_of), lang) if pack.data_as_of else "–"),
        (t("review.meta.dataset", lang), t(f"review.dataset_word.{pack.dataset}", lang)),
        (t("review_html.meta.generated", lang), format_date(generated, lang)),
    ]
    review_link = pack.links.get("review", "")
    context = {
        "lang": lang,
        "title": title(pack, config, lang),
        "subtitle": subtitle(pack, lang),
        "meta": meta,
        "demo": pack.dataset in ("demo", "mixed"),
        "demo_text": t(f"review.dataset.{pack.dataset}", lang)
        if pack.dataset in ("demo", "mixed") else "",
        "banner": banner_text(pack, lang),
        "generated_text": generated_text,
        "page_word": t("review.page", lang),
        "sections": sections,
        "charts": charts,
        "charts_heading": t("review.section.charts", lang),
        "charts_help": t("review_html.charts_help", lang),
        "charts_empty": t("review.empty.key_results", lang),
        "sources_heading": t("review.section.sources", lang),
        "provenance": provenance_lines(pack, config, lang),
        "suppressed_note": t("review_html.suppressed_note", lang),
        "review_link_label": t("review_html.review_link", lang),
        "review_link": absolute_link(review_link),
        "review_path": review_link,
        "no_public_url": t("review_html.no_public_url", lang),
        "link_note": t("review_html.link_note", lang),
        "link_title": lambda label: t("review_html.link_title", lang, label=label),
        "chart_status_label": t("review_html.chart_status", lang),
        "chart_text_label": t("review_html.chart_text", lang),
        "chart_link_label": t("review_html.chart_link", lang),
        "contents_heading": t("review_html.contents", lang),
        "plotly_js": _plotly_js() if charts else None,
        "margins": PAGE_MARGINS,
        "c": COLOURS,
        "chart_width": CHART_WIDTH_PX,
        "meta_names": {"banner": META_BANNER, "footer": META_FOOTER,
                       "page_word": META_PAGE_WORD},
        "margin_box_style_id": MARGIN_BOX_STYLE_ID,
    }
    return _environment().get_template(TEMPLATE_NAME).render(**context)

