"""One sortable period notation: `2025`, `2025Q3`, `2025-T1`/`2025-T2`, `2025-09`.

Survey years (biennial) use the year notation. Terms: T1 is the spring term (starts in January),
T2 the autumn term (starts in August).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

PeriodLevel = Literal["year", "quarter", "term", "month", "pool"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_TERM = re.compile(r"^(\d{4})-T([12])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# a rolling pool of whole years, first and last included: 2023-2025
_POOL = re.compile(r"^(\d{4})-(\d{4})$")


class PeriodError(ValueError):
    """A period string is not in the project's notation."""


def period_level(period: str) -> PeriodLevel:
    """The level of a period string; raises `PeriodError` for anything else."""
    if _YEAR.match(period):
        return "year"
    if _QUARTER.match(period):
        return "quarter"
    if _TERM.match(period):
        return "term"
    if _MONTH.match(period):
        return "month"
    match = _POOL.match(period)
    if match and int(match[1]) < int(match[2]):
        return "pool"
    raise PeriodError(f"unknown period notation: {period!r}")


def period_start(period: str) -> date:
    """First day of the period (terms: spring 1 Jan, autumn 1 Aug)."""
    level = period_level(period)
    year = int(period[:4])
    if level in ("year", "pool"):
        return date(year, 1, 1)
    if level == "quarter":
        return date(year, 3 * (int(period[-1]) - 1) + 1, 1)
    if level == "term":
        return date(year, 1 if period.endswith("T1") else 8, 1)
    return date(year, int(period[5:7]), 1)


def period_end(period: str) -> date:
    """Last day of the period (terms: spring to 31 Jul, autumn to 31 Dec)."""
    level = period_level(period)
    year = int(period[:4])
    if level == "pool":
        return date(int(period[5:9]), 12, 31)
    if level == "year":
        return date(year, 12, 31)
    if level == "quarter":
        last_month = 3 * int(period[-1])
        return _month_last_day(year, last_month)
    if level == "term":
        return date(year, 7, 31) if period.endswith("T1") else date(year, 12, 31)
    return _month_last_day(year, int(period[5:7]))


def _month_last_day(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date.fromordinal(date(year, month + 1, 1).toordinal() - 1)


def month(year: int, month_no: int) -> str:
    return f"{year:04d}-{month_no:02d}"


def quarter_of_month(period: str) -> str:
    """`2025-09` -> `2025Q3`."""
    return f"{period[:4]}Q{(int(period[5:7]) - 1) // 3 + 1}"


def months_of_quarter(period: str) -> list[str]:
    year, q = int(period[:4]), int(period[-1])
    return [month(year, 3 * (q - 1) + i) for i in (1, 2, 3)]


def months_between(first: str, last: str) -> list[str]:
    """Inclusive list of months from `first` to `last` (both `YYYY-MM`)."""
    y, m = int(first[:4]), int(first[5:7])
    out: list[str] = []
    while (y, m) <= (int(last[:4]), int(last[5:7])):
        out.append(month(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def pool_years(period: str) -> list[str]:
    """`2023-2025` -> ['2023', '2024', '2025']."""
    return [str(y) for y in range(int(period[:4]), int(period[5:9]) + 1)]


def pool(last_year: int, years: int) -> str:
    return f"{last_year - years + 1}-{last_year}"


def previous_period(period: str, *, survey_step: int = 1) -> str:
    """The period before `period` at the same level (years step by `survey_step`)."""
    level = period_level(period)
    year = int(period[:4])
    if level == "pool":
        return f"{year - 1}-{int(period[5:9]) - 1}"
    if level == "year":
        return f"{year - survey_step}"
    if level == "quarter":
        q = int(period[-1])
        return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"
    if level == "term":
        return f"{year - 1}-T2" if period.endswith("T1") else f"{year}-T1"
    m = int(period[5:7])
    return month(year - 1, 12) if m == 1 else month(year, m - 1)
