"""The review pack as an Excel workbook: `workbook_bytes(pack, config, lang)`.

One sheet per table of `review_texts.data_tables` (the metadata sheet first), then one sheet with
the numbers behind every key result's chart. Numbers are numbers, shown with the indicator's
decimals through an Excel number format (Finnish Excel shows them with a decimal comma and space
thousands); a unit sits in its own column (values stay in the unit's own scale: 15,4 for 15,4 ‰);
a hidden figure is an EMPTY cell with the `Salattu` flag TRUE, never a number. Typed text (check-in
notes) is always stored as text: a cell that starts like a formula is marked as text (the
apostrophe prefix, `quotePrefix`), so nothing typed into the dashboard can run in Excel.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from indicators.config import Config
from indicators.downloads import is_formula_like
from indicators.formatting import MISSING_MARK, SUPPRESSED_MARK, unit_label
from indicators.i18n import t
from indicators.review import KeyResultItem, ReviewPack
from indicators.review_texts import SECTIONS, chart_specs, data_tables, title
from indicators.review_texts import publisher as review_publisher

MIN_WIDTH, MAX_WIDTH = 8, 60  # column widths in characters
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))
TOP = Alignment(vertical="top")
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
SCORE_FORMAT = "0.00"

Format = str | Callable[[int], str] | None


def number_format(decimals: int, signed: bool = False) -> str:
    """`#,##0.0` for one decimal; signed: `+#,##0.0;-#,##0.0;0.0` (Excel shows the locale's
    decimal and thousands separators: `1 234,5` in Finnish Excel)."""
    body = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if not signed:
        return body
    zero = "0" + ("." + "0" * decimals if decimals > 0 else "")
    return f"+{body};-{body};{zero}"


def _plain(value: Any) -> Any:
    """A cell value: numbers as float/int, flags as bool, missing as None, text as str."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (int, date)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text or None


def _set(ws: Worksheet, row: int, column: int, value: Any, fmt: str | None = None):
    """Write one cell; text is always text (never a formula), numbers get `fmt`."""
    cell = ws.cell(row=row, column=column)
    value = _plain(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store a text starting with '=' as a formula
        if is_formula_like(value):
            cell.quotePrefix = True  # Excel's leading apostrophe: text even when edited
    elif fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = fmt
    elif isinstance(value, (date, datetime)):
        cell.number_format = "d.m.yyyy"
    return cell


def _text_width(value: Any, fmt: str | None) -> int:
    value = _plain(value)
    if value is None:
        return 0
    if isinstance(value, bool):
        return 6
    if isinstance(value, (int, float)):
        decimals = len(fmt.split(";")[0].split(".")[1]) if fmt and "." in fmt else 0
        return len(f"{abs(value):,.{decimals}f}") + 2
    if isinstance(value, date):
        return 11
    return max(len(line) for line in str(value).splitlines() or [""])


def write_table(ws: Worksheet, frame: pd.DataFrame, formats: dict[str, Format] | None = None,
                empty_text: str | None = None, first_row: int = 1) -> int:
    """`frame` under a bold, frozen header row at `first_row`; returns the next free row.

    `formats`: column -> an Excel number format, or a function of the row position giving one
    (decimals that differ by row)."""
    formats = formats or {}
    columns = list(frame.columns)
    widths = [min(max(len(str(c)), MIN_WIDTH), MAX_WIDTH) for c in columns]
    for j, name in enumerate(columns, start=1):
        cell = _set(ws, first_row, j, str(name))
        cell.font, cell.fill, cell.border, cell.alignment = (HEADER_FONT, HEADER_FILL,
                                                             HEADER_BORDER, TOP_WRAP)
    row = first_row + 1
    long_columns: set[int] = set()
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        for j, (name, value) in enumerate(zip(columns, record, strict=True), start=1):
            fmt = formats.get(name)
            fmt = fmt(i) if callable(fmt) else fmt
            cell = _set(ws, row, j, value, fmt)
            width = _text_width(value, fmt)
            if width > MAX_WIDTH:
                long_columns.add(j)
            widths[j - 1] = min(max(widths[j - 1], width), MAX_WIDTH)
            cell.alignment = TOP
        row += 1
    for j in long_columns:
        for r in range(first_row + 1, row):
            ws.cell(row=r, column=j).alignment = TOP_WRAP
    for j, width in enumerate(widths, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 width + 2)
    if frame.empty and empty_text:
        cell = _set(ws, row, 1, empty_text)
        cell.font = Font(italic=True)
        row += 1
    if columns and first_row == 1:
        ws.freeze_panes = "A2"
        if not frame.empty:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{row - 1}"
    return row


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _col(key: str, lang: str) -> str:
    return t(f"review.col.{key}", lang)


def _kr_unit(item: KeyResultItem, config: Config, lang: str) -> str:
    """The unit of a key result's figures in words (the chart footers' unit)."""
    r = item.result
    if r.source == "median_days":
        return t("review.unit_median_days", lang)
    if r.source == "indicator":
        return unit_label(config.indicators[r.indicator_id or ""].unit, lang)
    phenomenon = next(p for p in config.phenomena if p.id == r.phenomenon_id)
    action = next(a for a in phenomenon.actions if a.id == r.action_id)
    return action.progress.measure.get(lang) if action.progress else ""


def _key_results(pack: ReviewPack, config: Config, frame: pd.DataFrame,
                 lang: str) -> tuple[pd.DataFrame, dict[str, Format]]:
    frame = frame.copy()
    if frame.empty:
        return frame, {}
    unit = _col("unit", lang)
    frame.insert(list(frame.columns).index(_col("target", lang)) + 1, unit,
                 [_kr_unit(i, config, lang) for i in pack.key_results])
    decimals = [i.result.decimals for i in pack.key_results]

    def by_row(i: int) -> str:
        return number_format(decimals[i])

    formats: dict[str, Format] = {_col(k, lang): by_row for k in ("baseline", "latest", "target")}
    formats |= {_col("score", lang): SCORE_FORMAT, _col("expected", lang): SCORE_FORMAT}
    return frame, formats


def _new_figures(pack: ReviewPack, config: Config, frame: pd.DataFrame,
                 lang: str) -> tuple[pd.DataFrame, dict[str, Format]]:
    frame = frame.copy()
    if frame.empty:
        return frame, {}
    unit = _col("unit", lang)
    frame[unit] = [unit_label(config.indicators[f.indicator_id].unit, lang)
                   for f in pack.new_figures]
    decimals = [config.indicators[f.indicator_id].decimals for f in pack.new_figures]

    def plain(i: int) -> str:
        return number_format(decimals[i])

    def signed(i: int) -> str:
        return number_format(decimals[i], signed=True)

    formats: dict[str, Format] = {_col(k, lang): plain for k in ("value", "low", "high")}
    formats[_col("delta", lang)] = signed
    return frame, formats


def _display(frame: pd.DataFrame, key: str, lang: str) -> tuple[pd.DataFrame, dict[str, Format]]:
    """The display-text sections with their counts as numbers and their days as dates."""
    frame = frame.copy()
    formats: dict[str, Format] = {}
    volume = _col("volume", lang)
    if key == "omatiimi" and volume in frame.columns:
        frame[volume] = pd.Series([parse_shown(v) for v in frame[volume]], index=frame.index,
                                  dtype=object)
        formats[volume] = number_format(0)
    for name in (_col("as_of", lang), _col("date", lang)):
        if key in ("actions", "checkins") and name in frame.columns:
            frame[name] = pd.Series([_parse_day(v) for v in frame[name]], index=frame.index,
                                    dtype=object)
    return frame, formats


def _parse_day(text: Any) -> Any:
    """`2.10.2026` (a Finnish date as printed) to a date; anything else unchanged."""
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", str(text or "").strip())
    if not match:
        return text
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return text


def _parse_iso(text: Any) -> Any:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return text


def _meta(pack: ReviewPack, config: Config, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    key, value = _col("key", lang), _col("value", lang)
    rows: list[dict[str, Any]] = [{key: t("review_office.meta.title", lang),
                                   value: title(pack, config, lang)}]
    if pack.dataset in ("demo", "mixed"):
        rows.append({key: t("review_office.meta.note", lang),
                     value: t(f"review.dataset.{pack.dataset}", lang)})
    for record in frame.to_dict("records"):
        if record[key] == t("review.meta.data_as_of", lang) and record[value]:
            record[value] = _parse_iso(record[value])
        rows.append(record)
    if config.site.publisher is not None:
        rows.append({key: t("review_office.meta.publisher", lang),
                     value: config.site.publisher.get(lang)})
    rows.append({key: t("review_office.meta.note", lang),
                 value: t("review_office.col.hidden_note", lang)})
    return pd.DataFrame(rows, columns=[key, value], dtype=object)


def _link_cells(ws: Worksheet) -> None:
    """Web addresses in the metadata sheet become clickable links."""
    for row in ws.iter_rows(min_row=2, max_col=2):
        cell = row[1]
        if isinstance(cell.value, str) and re.match(r"^https?://", cell.value):
            cell.hyperlink = cell.value
            cell.font = Font(underline="single", color="0563C1")


def parse_shown(text: Any) -> float | None:
    """A number as the page prints it (`1 234,5`, `−0,4`) back to a float; None for `..`,
    `–` or an empty cell."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    cleaned = str(text).strip()
    if cleaned in ("", SUPPRESSED_MARK, MISSING_MARK):
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", cleaned).replace("\u2212", "-").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def chart_numbers(pack: ReviewPack, config: Config, lang: str = "fi") -> pd.DataFrame:
    """Every key result chart's table stacked in one long table (one header row), numbers as
    numbers: key result, point, period, value, interval, unit, hidden flag, status."""
    columns = [_col("key_result", lang), t("goals.col.kind", lang), t("goals.col.when", lang),
               t("goals.col.value", lang), t("goals.col.low", lang), t("goals.col.high", lang),
               _col("unit", lang), _col("suppressed", lang), _col("status", lang)]
    rows = []
    for item, spec in zip(pack.key_results, chart_specs(pack, config, lang), strict=True):
        unit = _kr_unit(item, config, lang)
        for record in spec.table.itertuples(index=False, name=None):
            kind, when, value, low, high = record[:5]
            rows.append([spec.title, kind, when, parse_shown(value), parse_shown(low),
                         parse_shown(high), unit, str(value).strip() == SUPPRESSED_MARK,
                         spec.status])
    return pd.DataFrame(rows, columns=columns, dtype=object)


def build_workbook(pack: ReviewPack, config: Config, lang: str = "fi") -> Workbook:
    tables = data_tables(pack, config, lang)
    wb = Workbook()
    wb.remove(wb.active)
    for key in ("meta", *SECTIONS):
        ws = wb.create_sheet(t(f"review.sheet.{key}", lang))
        frame, formats = tables[key], {}
        if key == "meta":
            frame = _meta(pack, config, frame, lang)
        elif key == "key_results":
            frame, formats = _key_results(pack, config, frame, lang)
        elif key == "new_figures":
            frame, formats = _new_figures(pack, config, frame, lang)
        else:
            frame, formats = _display(frame, key, lang)
        write_table(ws, frame, formats, empty_text=None if key == "meta"
                    else t(f"review.empty.{key}", lang))
        if key == "meta":
            _link_cells(ws)
        _print_setup(ws)
    ws = wb.create_sheet(t("review_office.sheet.charts", lang))
    specs = chart_specs(pack, config, lang)
    decimals = [s.decimals for s in specs for _ in range(len(s.table))]

    def by_row(i: int) -> str:
        return number_format(decimals[i])

    numbers = chart_numbers(pack, config, lang)
    write_table(ws, numbers, {c: by_row for c in numbers.columns[3:6]},
                empty_text=t("review.empty.key_results", lang))
    _print_setup(ws)

    props = wb.properties
    props.title = title(pack, config, lang)
    props.subject = t("review.title", lang)
    publisher = review_publisher(config, lang)
    props.creator = props.lastModifiedBy = publisher
    props.language = lang
    props.keywords = f"{pack.area_code} {pack.quarter}"
    props.created = created_at(pack)
    return wb


def created_at(pack: ReviewPack) -> datetime:
    """The files' creation date: the data's as-of day (else the quarter's end)."""
    try:
        day = date.fromisoformat(pack.data_as_of) if pack.data_as_of else pack.quarter_end
    except ValueError:
        day = pack.quarter_end
    return datetime(day.year, day.month, day.day)


def workbook_bytes(pack: ReviewPack, config: Config, lang: str = "fi") -> bytes:
    """The review pack as an .xlsx file."""
    buffer = io.BytesIO()
    build_workbook(pack, config, lang).save(buffer)
    return buffer.getvalue()
