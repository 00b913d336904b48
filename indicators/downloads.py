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


def to_excel_csv(frame: pd.DataFrame) -> bytes:
    """CSV that Finnish Excel opens as numbers: semicolon, decimal comma, UTF-8 with BOM."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(_comma)
    text = out.to_csv(index=False, sep=";", lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")
