"""Numbers, periods and dates as people read them: decimal comma and space thousands in Finnish."""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import NumberPattern, format_decimal, parse_pattern

from indicators.i18n import normalise_language, t
from indicators.periods import period_level

BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
SUPPRESSED_MARK = ".."  # one neutral mark for a hidden cell: never "<5"
MISSING_MARK = "–"  # no figure exists


def _locale(lang: str) -> str:
    return BABEL_LOCALES[normalise_language(lang)]


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


# A page formats hundreds of numbers on every rerun: the locale and the pattern are parsed once
# (babel would parse both again on each call, more than half of its time), not per number.
@lru_cache(maxsize=16)
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(_locale(lang))


@lru_cache(maxsize=16)
def _number_pattern(decimals: int) -> NumberPattern:
    return parse_pattern(_pattern(decimals))


def format_number(value: float | None, decimals: int, lang: str = "fi") -> str:
    """`1234.5` → `1 234,5` in Finnish; missing → `–`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_MARK
    return format_decimal(value, format=_number_pattern(decimals), locale=_babel_locale(lang))


def format_value(value: float | None, decimals: int, suppressed: bool, lang: str = "fi") -> str:
    """A cell as shown to users: the suppression mark wins over any number."""
    if suppressed:
        return SUPPRESSED_MARK
    return format_number(value, decimals, lang)


def format_change(delta: float | None, decimals: int, lang: str = "fi") -> str:
    """A signed change: `+1,2`, `−0,4`, `±0,0`."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return MISSING_MARK
    rounded = round(delta, decimals)
    text = format_number(abs(rounded), decimals, lang)
    if rounded > 0:
        return f"+{text}"
    if rounded < 0:
        return f"\u2212{text}"
    return f"±{text}"


def format_date(day: date, lang: str = "fi") -> str:
    return babel_format_date(day, format="medium", locale=_locale(lang))


def format_period(period: str, lang: str = "fi") -> str:
    """`2025`, `7–9/2025` (quarter), `syksy 2025` (term), `9/2025` (month) in Finnish."""
    level = period_level(period)
    year = period[:4]
    if level == "year":
        return year
    if level == "pool":
        return f"{year}–{period[5:9]}"
    if level == "quarter":
        q = int(period[-1])
        return t("period.quarter", lang, first=3 * q - 2, last=3 * q, year=year)
    if level == "term":
        key = "period.spring" if period.endswith("T1") else "period.autumn"
        return t(key, lang, year=year)
    return t("period.month", lang, month=int(period[5:7]), year=year)


def unit_label(unit: str, lang: str = "fi") -> str:
    return t(f"unit.{unit}", lang)


def plotly_separators(lang: str = "fi") -> str:
    """Plotly's `separators` (decimal mark, then thousands mark) for axis ticks, taken from the
    same CLDR data that formats every other number: `, ` in Finnish and Swedish, `.,` in English.
    Plotly takes one character each, so the narrow no-break space of Swedish becomes a space."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = _locale(lang)
    group = get_group_symbol(locale)
    return get_decimal_symbol(locale) + (" " if group.isspace() else group)
