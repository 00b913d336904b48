"""Finnish number, period and date formats."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.formatting import (
    format_change,
    format_date,
    format_number,
    format_period,
    format_value,
)


def test_numbers_use_decimal_comma_and_space_thousands():
    assert format_number(1234567.891, 1) == "1\u00a0234\u00a0567,9"
    assert format_number(0.5, 2) == "0,50"
    assert format_number(float("nan"), 1) == "–"
    assert format_number(12.0, 0) == "12"


def test_suppressed_cells_show_the_neutral_mark_not_a_bound():
    assert format_value(3.0, 0, True) == ".."
    assert format_value(3.0, 0, False) == "3"


def test_changes_are_signed():
    assert format_change(1.26, 1) == "+1,3"
    assert format_change(-0.44, 1) == "\u22120,4"
    assert format_change(0.01, 1) == "±0,0"


def test_periods_and_dates_in_finnish():
    assert format_period("2025") == "2025"
    assert format_period("2025Q3") == "7–9/2025"
    assert format_period("2025-T1") == "kevät 2025"
    assert format_period("2025-T2") == "syksy 2025"
    assert format_period("2025-09") == "9/2025"
    assert format_date(date(2026, 10, 31)) == "31.10.2026"


def test_pool_periods():
    from indicators.periods import period_end, period_level, period_start, previous_period

    assert period_level("2023-2025") == "pool"
    assert format_period("2023-2025") == "2023–2025"
    assert period_start("2023-2025") == date(2023, 1, 1)
    assert period_end("2023-2025") == date(2025, 12, 31)
    assert previous_period("2023-2025") == "2022-2024"
    assert period_level("2025-09") == "month"


@pytest.mark.parametrize(("lang", "number", "change", "day", "spring"), [
    ("fi", "12\u00a0345,7", "\u22120,4", "25.11.2026", "kevät 2025"),
    ("sv", "12\u00a0345,7", "\u22120,4", "25 nov. 2026", "våren 2025"),
    ("en", "12,345.7", "\u22120.4", "25 Nov 2026", "spring 2025"),
])
def test_numbers_periods_and_dates_per_language(lang, number, change, day, spring):
    """Decimal comma and (no-break) space thousands in Finnish and Swedish, the English
    convention in English; all from CLDR through babel, none typed by hand."""
    assert format_number(12345.67, 1, lang) == number
    assert format_value(12345.67, 1, True, lang) == ".."  # the hidden mark is the same in all
    assert format_change(-0.44, 1, lang) == change
    assert format_date(date(2026, 11, 25), lang) == day
    assert format_period("2025-T1", lang) == spring
    assert format_period("2025Q3", lang) == "7–9/2025"


@pytest.mark.parametrize(("lang", "separators"), [("fi", ", "), ("sv", ", "), ("en", ".,")])
def test_chart_axes_use_the_languages_separators(lang, separators):
    from indicators.formatting import plotly_separators

    assert plotly_separators(lang) == separators


@pytest.mark.parametrize("lang", ["fi", "sv", "en", "de"])
def test_numbers_are_babels_with_the_parsed_locale_and_pattern_reused(lang):
    import random

    from babel.numbers import format_decimal

    from indicators.formatting import BABEL_LOCALES

    locale = BABEL_LOCALES.get(lang, "fi_FI")
    values = [0, -0.0, 0.5, 1.5, 2.5, -0.05, 0.15, 1e-9, 1234.5, 12345678901.5, 7, 10**12]
    rng = random.Random(10)
    values += [rng.uniform(-1e7, 1e7) for _ in range(300)]
    for decimals in range(4):
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        for value in values:
            assert format_number(value, decimals, lang) == format_decimal(
                value, format=pattern, locale=locale)
