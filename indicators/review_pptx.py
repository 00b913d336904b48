"""The review pack as a PowerPoint deck: `deck_bytes(pack, config, lang)`.

Slides: a title slide (title, subtitle, data date, publisher, demo note); a summary (status counts
and the key results whose status changed); each non-empty section as native, editable tables
(split over several slides when long, long texts shortened with the full text in the notes); and
one slide per key result with a NATIVE line chart built from `review_texts.chart_specs` (hidden
points are gaps, never numbers), its status, its text alternative (also the chart's alt text),
its source line and a link back to the view on the dashboard's public address. The numbers behind
each chart are in its slide notes. Colours are Okabe–Ito members with at least 3:1 contrast on
white, and every series also has its own dash and marker, so no meaning rests on colour alone.
Demo data is marked on every slide.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from urllib.parse import urlsplit

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from indicators.config import Config
from indicators.formatting import format_date
from indicators.goal_texts import status_plain
from indicators.i18n import t
from indicators.review import ReviewPack, changed_key_results
from indicators.review_texts import (
    SECTIONS,
    ChartSpec,
    chart_specs,
    provenance_lines,
    section_tables,
    subtitle,
    title,
)
from indicators.review_texts import publisher as review_publisher
from indicators.review_xlsx import created_at, number_format

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
TITLE_TOP, TITLE_HEIGHT = Inches(0.3), Inches(0.95)
BODY_TOP = Inches(1.35)
FOOTER_TOP, FOOTER_HEIGHT = Inches(6.95), Inches(0.45)
TABLE_BOTTOM = Inches(6.8)
CAPTION_HEIGHT = Inches(0.3)

BLACK = RGBColor(0x00, 0x00, 0x00)
TEXT = RGBColor(0x1A, 0x1A, 0x1A)
BLUE = RGBColor(0x00, 0x72, 0xB2)
VERMILLION = RGBColor(0xD5, 0x5E, 0x00)
GREEN = RGBColor(0x00, 0x9E, 0x73)
PURPLE = RGBColor(0xCC, 0x79, 0xA7)
LINK = RGBColor(0x05, 0x63, 0xC1)
HEADER_FILL = RGBColor(0xE6, 0xE6, 0xE6)
BAND_FILL = RGBColor(0xF7, 0xF7, 0xF7)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)

#: the chart series in `chart_specs` order: observed, planned path, target (colour, dash, marker,
#: marker size); the target's short-dash marker melts into its dotted line
SERIES_STYLES = (
    (BLACK, MSO_LINE_DASH_STYLE.SOLID, XL_MARKER_STYLE.CIRCLE, 7),
    (BLUE, MSO_LINE_DASH_STYLE.DASH, XL_MARKER_STYLE.DIAMOND, 5),
    (VERMILLION, MSO_LINE_DASH_STYLE.ROUND_DOT, XL_MARKER_STYLE.DASH, 5),
)
STATUS_ORDER = ("achieved", "on_track", "lagging", "at_risk", "too_early", "no_new_data",
                "not_assessable")
TABLE_FONT = 11  # pt (one less for tables of seven or more columns)
LINE_EM = 0.55  # a character's width in ems when estimating how a cell's text wraps
CHAR_EM = 0.55  # a character's typical width in ems (table column widths)
CELL_MARGIN_IN = 0.08  # cell margin left and right (inches)
MAX_WORD = 16  # a longer word may break inside a narrow column
BOLD_EM = 1.15  # bold header text is wider
CHANGED_SHOWN = 10  # changed key results listed on the summary slide (all in its notes)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1")


def public_link(link: str | None) -> str | None:
    """`link` when it is an absolute web address others can open (never this machine)."""
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return None if parts.hostname in LOCAL_HOSTS else link


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.–-") + "…"


# ------------------------------------------------------------------------------- building blocks


def _widen_template(prs: PresentationType) -> None:
    """16:9 slides: stretch the default template's placeholders to the wider slide, so slides
    added later in PowerPoint also fit."""
    ratio = SLIDE_WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    shapes = list(prs.slide_master.placeholders)
    for layout in prs.slide_layouts:
        shapes += list(layout.placeholders)
    for shape in shapes:
        if shape.left is not None and shape.width is not None:
            shape.left, shape.width = int(shape.left * ratio), int(shape.width * ratio)


def _place(shape, left, top, width, height) -> None:
    shape.left, shape.top, shape.width, shape.height = (Emu(int(left)), Emu(int(top)),
                                                        Emu(int(width)), Emu(int(height)))


def _set_title(slide: Slide, text: str, size: int = 26) -> None:
    shape = slide.shapes.title
    _place(shape, MARGIN, TITLE_TOP, CONTENT_WIDTH, TITLE_HEIGHT)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = True
            run.font.color.rgb = TEXT


def _textbox(slide: Slide, left, top, width, height, paragraphs, size: int = 14,
             anchor=MSO_ANCHOR.TOP):
    """A text box of paragraphs; a paragraph is a text, or a list of (text, options) runs
    with options bold / italic / link / size / colour."""
    box = slide.shapes.add_textbox(Emu(int(left)), Emu(int(top)), Emu(int(width)),
                                   Emu(int(height)))
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    first = True
    for paragraph_spec in paragraphs:
        paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
        first = False
        runs = [(paragraph_spec, {})] if isinstance(paragraph_spec, str) else paragraph_spec
        if runs and runs[0][1].get("space"):
            paragraph.space_before = Pt(runs[0][1]["space"])
        for text, options in runs:
            run = paragraph.add_run()
            run.text = text
            font = run.font
            font.size = Pt(options.get("size", size))
            font.bold = options.get("bold", False)
            font.italic = options.get("italic", False)
            font.color.rgb = options.get("colour", TEXT)
            if options.get("link"):
                run.hyperlink.address = options["link"]
                font.color.rgb = LINK
                font.underline = True
    return box


def _is_demo(pack: ReviewPack) -> bool:
    return pack.dataset in ("demo", "mixed")


def _as_of_text(pack: ReviewPack, lang: str) -> str:
    if not pack.data_as_of:
        return ""
    return t("app.data_as_of", lang, as_of=format_date(pd.Timestamp(pack.data_as_of).date(),
                                                         lang))


def _footer(slide: Slide, pack: ReviewPack, config: Config, lang: str) -> None:
    """The pack and data date on every slide, after the demo marker when the data is demo."""
    runs = []
    if _is_demo(pack):
        runs.append((t(f"review.dataset.{pack.dataset}", lang) + "  ", {"bold": True}))
    runs.append((t("review_office.slide.footer", lang, title=title(pack, config, lang),
                   as_of=_as_of_text(pack, lang)).rstrip(" ·"), {}))
    box = _textbox(slide, MARGIN, FOOTER_TOP, CONTENT_WIDTH, FOOTER_HEIGHT, [runs], size=9,
                   anchor=MSO_ANCHOR.MIDDLE)
    box.name = "Footer"


def _content_slide(prs: PresentationType, pack: ReviewPack, config: Config, text: str,
                   lang: str, size: int = 26) -> Slide:
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    _set_title(slide, text, size)
    _footer(slide, pack, config, lang)
    return slide


def _notes(slide: Slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


# ------------------------------------------------------------------------------------ slides


def _title_slide(prs: PresentationType, pack: ReviewPack, config: Config, lang: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    heading = slide.shapes.title
    _place(heading, MARGIN, Inches(1.4), CONTENT_WIDTH, Inches(1.6))
    heading.text_frame.word_wrap = True
    heading.text_frame.text = title(pack, config, lang)
    for run in heading.text_frame.paragraphs[0].runs:
        run.font.size, run.font.bold, run.font.color.rgb = Pt(36), True, TEXT
    sub = slide.placeholders[1]
    _place(sub, MARGIN, Inches(3.1), CONTENT_WIDTH, Inches(0.7))
    sub.text_frame.text = subtitle(pack, lang)
    for run in sub.text_frame.paragraphs[0].runs:
        run.font.size, run.font.color.rgb = Pt(20), TEXT
    lines: list = []
    if pack.data_as_of:
        lines.append(_as_of_text(pack, lang))
    if config.site.publisher is not None:
        lines.append(t("review_office.slide.publisher", lang,
                       publisher=config.site.publisher.get(lang)))
    link = public_link(pack.links.get("review"))
    if link:
        lines.append([(t("review_office.slide.review_link", lang) + ": ", {}),
                      (link, {"link": link})])
    if _is_demo(pack):
        lines.append([(t(f"review.dataset.{pack.dataset}", lang),
                       {"bold": True, "size": 20, "space": 12})])
    _textbox(slide, MARGIN, Inches(4.0), CONTENT_WIDTH, Inches(2.6), lines, size=16)
    _footer(slide, pack, config, lang)
    _notes(slide, provenance_lines(pack, config, lang))


def _summary_slide(prs: PresentationType, pack: ReviewPack, config: Config, lang: str) -> None:
    slide = _content_slide(prs, pack, config, t("review_office.slide.summary", lang), lang)
    changes = [i.change for i in pack.key_results]
    paragraphs: list = [t("review.summary", lang, total=len(pack.key_results),
                          changed=sum(c in ("better", "worse", "new") for c in changes),
                          better=changes.count("better"), worse=changes.count("worse"),
                          new=changes.count("new"), signals=len(pack.signals),
                          new_signals=sum(s.new for s in pack.signals),
                          figures=sum(f.new for f in pack.new_figures))]
    notes = list(paragraphs)
    if not pack.key_results:
        paragraphs.append(t("review_office.slide.no_key_results", lang))
    else:
        counts = Counter(i.result.status for i in pack.key_results)
        paragraphs.append([(t("review_office.slide.status_counts", lang),
                            {"bold": True, "space": 12})])
        paragraphs += [[("   " + t("review_office.slide.status_count", lang,
                                     status=status_plain(s, lang), n=counts[s]), {})]
                       for s in STATUS_ORDER if counts[s]]
        changed = changed_key_results(pack)
        if changed:
            paragraphs.append([(t("review_office.slide.changed", lang),
                                {"bold": True, "space": 12})])
            items = [t("review_office.slide.changed_item", lang,
                       name=_kr_title(pack, config, i.result.key_result_id, lang),
                       before=status_plain(i.before.status, lang),
                       now=status_plain(i.result.status, lang)) for i in changed]
            paragraphs += [[("   " + shorten(text, 150), {})] for text in items[:CHANGED_SHOWN]]
            if len(items) > CHANGED_SHOWN:
                paragraphs.append([("   " + t("review_office.slide.more", lang,
                                              n=len(items) - CHANGED_SHOWN), {})])
            notes += [t("review_office.slide.changed", lang), *items]
        else:
            paragraphs.append([(t("review_office.slide.no_changes", lang), {"space": 12})])
    _textbox(slide, MARGIN, BODY_TOP, CONTENT_WIDTH, TABLE_BOTTOM - BODY_TOP, paragraphs,
             size=16 if len(paragraphs) <= 14 else 14)
    _notes(slide, notes)


def _kr_title(pack: ReviewPack, config: Config, kr_id: str, lang: str) -> str:
    return next(k.name.get(lang) for o in config.objectives for k in o.key_results
                if k.id == kr_id)


def _chars_to_emu(chars: float, font: int) -> int:
    return int(Inches(chars * font * CHAR_EM / 72 + 2 * CELL_MARGIN_IN))


def _column_widths(frame: pd.DataFrame, limit: int, font: int) -> list[int]:
    """Column widths (EMU): each at least its longest word (so words are not broken), the rest
    of the width in proportion to how much text a column typically holds."""
    minimum, wanted = [], []
    for column in frame.columns:
        words = [len(w) for v in frame[column] for w in str(v).split()]
        heading = max((len(w) for w in str(column).split()), default=0) * BOLD_EM
        longest = min(max(max(words, default=0), heading, 4), MAX_WORD)
        minimum.append(_chars_to_emu(longest + 1.5, font))
        lengths = sorted(min(len(str(v)), limit) for v in frame[column])
        typical = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0
        wanted.append(max(minimum[-1], _chars_to_emu(min(typical, 48), font)))
    total = int(CONTENT_WIDTH)
    if sum(wanted) <= total:
        widths = [int(w * total / sum(wanted)) for w in wanted]
    elif sum(minimum) >= total:
        widths = [int(w * total / sum(minimum)) for w in minimum]
    else:
        extra = total - sum(minimum)
        spare = [w - m for w, m in zip(wanted, minimum, strict=True)]
        widths = [m + int(extra * s / sum(spare)) for m, s in zip(minimum, spare, strict=True)]
    widths[-1] += total - sum(widths)
    return widths


def _lines(text: str, width_emu: int, font: int) -> int:
    """Lines a cell's text takes at `width_emu` (estimated on the side of too many)."""
    chars = max(int((width_emu / 914400 - 2 * CELL_MARGIN_IN) * 72 / (font * LINE_EM)), 4)
    return sum(max(math.ceil(len(part) / chars), 1) for part in str(text).split("\n"))


def _row_height(values: list[str], widths: list[int], font: int) -> int:
    lines = max(_lines(v, w, font) for v, w in zip(values, widths, strict=True))
    return int(Pt(font * 1.2) * lines + Inches(0.1))


def _fill_cell(cell, text: str, bold: bool, fill: RGBColor, font: int) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = fill
    frame = cell.text_frame
    frame.word_wrap = True
    frame.text = text
    cell.margin_top = cell.margin_bottom = Inches(0.04)
    cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_IN)
    cell.vertical_anchor = MSO_ANCHOR.TOP
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(font)
            run.font.bold = bold
            run.font.color.rgb = TEXT


def _table_slides(prs: PresentationType, pack: ReviewPack, config: Config, key: str,
                  frame: pd.DataFrame, lang: str) -> int:
    """The section as native tables over as many slides as it needs; returns the count."""
    limit = 160 if len(frame.columns) <= 5 else 110
    font = TABLE_FONT if len(frame.columns) < 7 else TABLE_FONT - 1
    full = frame.astype(object).where(frame.notna(), "").astype(str)
    shown = full.map(lambda v: shorten(v, limit))
    widths = _column_widths(shown, limit, font)
    header = [str(c) for c in shown.columns]
    header_height = _row_height(header, widths, font)
    normal = full.map(lambda v: " ".join(v.split()))
    shortened = shown.ne(normal)  # cells cut short on the slide (whole in the notes)
    room = int(TABLE_BOTTOM - BODY_TOP) - header_height
    if shortened.to_numpy().any():
        room -= int(CAPTION_HEIGHT)  # for the line saying so
    pages: list[list[int]] = [[]]
    used = 0
    for i, record in enumerate(shown.itertuples(index=False, name=None)):
        height = _row_height(list(record), widths, font)
        if pages[-1] and used + height > room:
            pages.append([])
            used = 0
        pages[-1].append(i)
        used += height
    section = t(f"review.section.{key}", lang)
    for number, rows in enumerate(pages, start=1):
        heading = section if len(pages) == 1 else t(
            "review_office.slide.continued", lang, title=section, page=number, pages=len(pages))
        slide = _content_slide(prs, pack, config, heading, lang)
        heights = [header_height] + [_row_height(list(shown.iloc[i]), widths, font)
                                     for i in rows]
        graphic = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, BODY_TOP,
                                         CONTENT_WIDTH, sum(heights))
        graphic.name = section
        table = graphic.table
        table.first_row, table.horz_banding = True, False
        for j, width in enumerate(widths):
            table.columns[j].width = Emu(width)
        for r, height in enumerate(heights):
            table.rows[r].height = Emu(height)
        for j, name in enumerate(header):
            _fill_cell(table.cell(0, j), name, True, HEADER_FILL, font)
        for r, i in enumerate(rows, start=1):
            for j in range(len(header)):
                _fill_cell(table.cell(r, j), shown.iat[i, j], False,
                           BAND_FILL if r % 2 == 0 else WHITE, font)
        notes = [section]
        cut = [i for i in rows if shortened.iloc[i].any()]
        if cut:
            _textbox(slide, MARGIN, TABLE_BOTTOM - CAPTION_HEIGHT, CONTENT_WIDTH, CAPTION_HEIGHT,
                     [[(t("review_office.slide.shortened", lang), {"italic": True})]], size=10)
            notes += ["", t("review_office.slide.notes_full", lang)]
            for i in cut:
                notes += [f"{name}: {full.iat[i, j]}" for j, name in enumerate(header)
                          if full.iat[i, j]]
                notes.append("")
        _notes(slide, notes)
    return len(pages)


def notes_table(frame: pd.DataFrame) -> list[str]:
    """A table as readable text lines: a header line, then one line per row (` | ` between)."""
    lines = [" | ".join(str(c) for c in frame.columns)]
    for record in frame.itertuples(index=False, name=None):
        lines.append(" | ".join("" if pd.isna(v) else str(v) for v in record).rstrip(" |"))
    return lines


def _chart_slide(prs: PresentationType, pack: ReviewPack, config: Config, spec: ChartSpec,
                 lang: str) -> None:
    slide = _content_slide(prs, pack, config, spec.title, lang, size=22)
    _textbox(slide, MARGIN, Inches(1.22), CONTENT_WIDTH, Inches(0.4),
             [[(t("review_office.slide.status", lang, status=spec.status), {"bold": True})]],
             size=16)
    fmt = number_format(spec.decimals)
    data = CategoryChartData(number_format=fmt)
    data.categories = list(spec.categories)
    for name, values in spec.series:
        data.add_series(name, list(values), number_format=fmt)
    chart_left, chart_top = MARGIN, Inches(1.65)
    chart_width, chart_height = Inches(8.4), Inches(4.3)
    graphic = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, chart_left, chart_top,
                                     chart_width, chart_height, data)
    graphic.name = spec.title
    c_nv_pr = graphic._element.find(qn("p:nvGraphicFramePr")).find(qn("p:cNvPr"))
    c_nv_pr.set("descr", spec.text)  # the alt text screen readers and PowerPoint show
    c_nv_pr.set("title", spec.title)
    chart = graphic.chart
    chart.font.size = Pt(12)
    chart.font.color.rgb = TEXT
    chart.has_title = True
    chart.chart_title.text_frame.text = spec.title
    for paragraph in chart.chart_title.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold = Pt(13), True
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    axis = chart.value_axis
    axis.tick_labels.number_format = fmt
    axis.tick_labels.number_format_is_linked = False
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = RGBColor(0xD9, 0xD9, 0xD9)
    if spec.unit:
        axis.has_title = True
        axis.axis_title.text_frame.text = spec.unit
    chart.category_axis.tick_labels.font.size = Pt(10)
    blanks = chart._chartSpace.chart.find(qn("c:dispBlanksAs"))
    if blanks is not None:
        blanks.set("val", "gap")  # a hidden point is a gap in the line, never zero
    for series, (colour, dash, marker, size) in zip(chart.plots[0].series, SERIES_STYLES,
                                                    strict=False):
        series.smooth = False
        line = series.format.line
        line.color.rgb = colour
        line.width = Pt(2.25)
        line.dash_style = dash
        series.marker.style = marker
        series.marker.size = size
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour

    side_left = chart_left + chart_width + Inches(0.25)
    _textbox(slide, side_left, chart_top, SLIDE_WIDTH - MARGIN - side_left, chart_height,
             [[(t("review_office.slide.alt_label", lang), {"bold": True})], spec.text],
             size=12)
    _textbox(slide, MARGIN, Inches(6.0), CONTENT_WIDTH, Inches(0.45), [spec.source], size=10)
    link = public_link(spec.link)
    line = ([(t("review_office.slide.link", lang) + ": ", {}), (link, {"link": link})]
            if link else [(t("review_office.slide.no_public_url", lang, path=spec.link), {})])
    _textbox(slide, MARGIN, Inches(6.5), CONTENT_WIDTH, Inches(0.35), [line], size=11)
    notes = [spec.title, t("review_office.slide.status", lang, status=spec.status), "",
             t("review_office.slide.alt_label", lang) + ": " + spec.text, "", spec.source]
    if link:
        notes.append(link)
    notes += ["", t("review_office.slide.notes_numbers", lang), *notes_table(spec.table)]
    _notes(slide, notes)


# ------------------------------------------------------------------------------------ the deck


def build_deck(pack: ReviewPack, config: Config, lang: str = "fi") -> PresentationType:
    prs = Presentation()
    _widen_template(prs)
    _title_slide(prs, pack, config, lang)
    _summary_slide(prs, pack, config, lang)
    tables = section_tables(pack, config, lang)
    for key in SECTIONS:
        if not tables[key].empty:
            _table_slides(prs, pack, config, key, tables[key], lang)
    for spec in chart_specs(pack, config, lang):
        _chart_slide(prs, pack, config, spec, lang)
    props = prs.core_properties
    props.title = title(pack, config, lang)
    props.subject = t("review.title", lang)
    publisher = review_publisher(config, lang)
    props.author = props.last_modified_by = publisher
    props.language = lang
    props.keywords = f"{pack.area_code} {pack.quarter}"
    props.created = props.modified = created_at(pack)
    props.revision = 1
    return prs


def deck_bytes(pack: ReviewPack, config: Config, lang: str = "fi") -> bytes:
    """The review pack as a .pptx file."""
    buffer = io.BytesIO()
    build_deck(pack, config, lang).save(buffer)
    return buffer.getvalue()
