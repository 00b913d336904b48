"""Files users download: CSV for Finnish Excel and plain CSV for tools."""

from __future__ import annotations

import pandas as pd


def to_csv(frame: pd.DataFrame) -> str:
    """Plain CSV: comma separator, decimal point, UTF-8 (for scripts and data tools)."""
    return frame.to_csv(index=False, lineterminator="\n")


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
    out = frame.copy()
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
