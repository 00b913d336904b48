"""Files users download: CSV for Finnish Excel and plain CSV for tools."""

from __future__ import annotations

import re

import pandas as pd

#: text that a spreadsheet could read as a formula (or a DDE/command payload) when it starts so
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_SIGNED_NUMBER = re.compile(r"^[+-]?\d[\d\s\u00a0.,]*%?$")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def neutralised(value: object) -> object:
    """Text that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`) gets a leading
    apostrophe, so it opens as the text it is; numbers, and text that is just a signed number
    (`+1,2`), stay as they are."""
    if isinstance(value, str) and is_formula_like(value) and not _SIGNED_NUMBER.match(value):
        return "'" + value
    return value


def _text_cells_neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralised).astype(object)
    out.columns = [neutralised(str(c)) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> str:
    """Plain CSV: comma separator, decimal point, UTF-8 (for scripts and data tools); text that
    looks like a formula is neutralised."""
    return _text_cells_neutralised(frame).to_csv(index=False, lineterminator="\n")


def _comma(value: object) -> object:
    if isinstance(value, float):
        return "" if value != value else repr(value).replace(".", ",")  # NaN -> empty
    return value


def _point(value: object) -> object:
    if isinstance(value, float):
        return "" if value != value else repr(value)
    return value


def to_excel_csv(frame: pd.DataFrame, lang: str = "fi") -> bytes:
    """CSV that Excel opens as numbers in the user's language: semicolon and decimal comma for
    Finnish and Swedish (Finland's Excel), comma and decimal point for English; UTF-8 with BOM."""
    out = _text_cells_neutralised(frame)  # before numbers become text: -1.5 stays a number
    comma_locale = lang != "en"
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(_comma if comma_locale else _point)
    text = out.to_csv(index=False, sep=";" if comma_locale else ",", lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def file_stem(*parts: object) -> str:
    """A file name without extension from its parts (indicator, area, periods …): letters, digits,
    `-` and `_` only, joined by `_` (`fc_contacts_attention_SK051_2023-2026Q3`)."""
    cleaned = []
    for part in parts:
        text = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(part or ""))
        text = text.strip("-_")
        if text:
            cleaned.append(text)
    return "_".join(cleaned)[:150] or "kaavio"


def period_span(frame: pd.DataFrame) -> str:
    """`2023-2026Q3`: the first and last period of a frame (`period`, `period_start`)."""
    if frame.empty:
        return ""
    ordered = frame.sort_values("period_start")["period"].astype(str)
    first, last = ordered.iloc[0], ordered.iloc[-1]
    return first if first == last else f"{first}-{last}"


def chart_config(stem: str) -> dict[str, object]:
    """plotly's options for a chart on a page: no logo, and the camera button saves a PNG named
    after what the chart shows."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2}}
