"""Validation of a read table into canonical observation rows, reporting every problem at once.

Order matters for privacy: the personal-data guard runs over every cell first, and when it finds
anything nothing else runs, so no later message can echo a personal value.

Column names are matched through `COLUMN_ALIASES` (documented in README, "Bringing your own data").
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from indicators.columns import COLUMN_ALIASES, normalise_header
from indicators.config import Config, Indicator
from indicators.periods import PeriodError, period_end, period_level, period_start
from indicators.personal_data import scan as personal_data_scan
from indicators.problems import Problem, mask_identity_codes
from indicators.readers import RawTable

CANONICAL = ["indicator", "area", "period", "sex", "grp", "value", "numerator", "denominator",
             "status"]
REQUIRED = ["indicator", "area", "period", "value"]

MISSING_MARKERS = {"", "..", "-", "–", "…", "...", "."}
SEX_ALIASES = {
    "total": "total", "yhteensä": "total", "yhteensa": "total", "kaikki": "total", "both": "total",
    "molemmat": "total", "totalt": "total", "alla": "total",
    "male": "male", "m": "male", "mies": "male", "miehet": "male", "pojat": "male", "poika": "male",
    "men": "male", "boys": "male", "män": "male", "pojkar": "male",
    "female": "female", "f": "female", "n": "female", "nainen": "female", "naiset": "female",
    "tytöt": "female", "tyttö": "female", "women": "female", "girls": "female",
    "kvinnor": "female", "flickor": "female",
}
STATUS_ALIASES = {"": "final", "final": "final", "lopullinen": "final", "preliminary":
                  "preliminary", "ennakko": "preliminary", "ennakkotieto": "preliminary",
                  "p": "preliminary", "preliminär": "preliminary"}
FORMULA_START = ("=", "+", "-", "@")
MAX_PROBLEMS = 200

_NUMBER_POINT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NUMBER_COMMA = re.compile(r"^[+-]?(\d+(,\d*)?|,\d+)([eE][+-]?\d+)?$")
_NON_FINITE = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
_PERIOD_FORMS = [
    (re.compile(r"^(\d{4})$"), lambda m: m[1]),
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*Q(\d)$", re.IGNORECASE), lambda m: f"{m[1]}Q{m[2]}"),
    (re.compile(r"^(\d{4})\s*-?\s*T(\d)$", re.IGNORECASE), lambda m: f"{m[1]}-T{m[2]}"),
    (re.compile(r"^(\d{4})[-/M](\d{1,2})$", re.IGNORECASE), lambda m: f"{m[1]}-{int(m[2]):02d}"),
]


_ALIAS_LOOKUP = {normalise_header(alias): canonical
                 for canonical, aliases in COLUMN_ALIASES.items() for alias in aliases}


@dataclass
class ValidationResult:
    rows: pd.DataFrame  # canonical rows for the store (indicator_id, area_code, period, ...)
    problems: list[Problem]
    notes: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_SPACED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d*)?$")
# 1,234 or 1.234.567: reads as a decimal in one convention and as thousands in another
_AMBIGUOUS_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def parse_number(text: str, decimal: str) -> float | None:
    """A number as written in the file, or None when it is not one (spaces only between groups
    of three digits, as in `1 234,5`)."""
    cleaned = text.strip().replace("\u2212", "-")
    if _SPACED_THOUSANDS.match(cleaned):
        cleaned = re.sub(r"[ \u00a0\u202f]", "", cleaned)
    if decimal == ",":
        if _NUMBER_COMMA.match(cleaned):
            return float(cleaned.replace(",", "."))
        return None
    if _NUMBER_POINT.match(cleaned):
        return float(cleaned)
    return None


def decimals_written(text: str, decimal: str) -> int:
    """How many decimals a number was written with (`12,30` -> 2)."""
    cleaned = text.strip()
    if "e" in cleaned.lower():
        return 10
    return len(cleaned.split(decimal, 1)[1]) if decimal in cleaned else 0


def normalise_period(text: str) -> str | None:
    for pattern, build in _PERIOD_FORMS:
        match = pattern.match(text.strip())
        if match:
            return build(match)
    return None


class _Areas:
    """Area codes from codes, plain municipality codes (`061`, `61`) and names."""

    def __init__(self, config: Config):
        self.codes = set(config.areas)
        self.lookup: dict[str, str] = {}
        for area in config.areas.values():
            for name in (area.name_fi, area.name_sv, area.short_fi, area.short_sv):
                self.lookup[name.casefold()] = area.code
            if area.level == "municipality":
                digits = area.code[2:]
                self.lookup[digits] = area.code
                self.lookup[str(int(digits))] = area.code

    def resolve(self, text: str) -> str | None:
        value = text.strip()
        if value.upper() in self.codes:
            return value.upper()
        return self.lookup.get(value.casefold())


def _indicator_lookup(config: Config) -> dict[str, str]:
    out = {}
    for ind in config.indicators.values():
        out[ind.id.casefold()] = ind.id
        if ind.source_ref:
            out[ind.source_ref.casefold()] = ind.id
    return out


def _value_range_problem(indicator: Indicator, value: float) -> bool:
    if value < 0:
        return not indicator.signed
    if indicator.unit == "percent" and value > 100:
        return True
    return indicator.unit == "count" and not float(value).is_integer()


def validate_table(raw: RawTable, config: Config,
                   phases: dict[str, float] | None = None) -> ValidationResult:
    """Check every cell and row; return canonical rows and every problem found. `phases`, when
    given, receives the seconds of the personal-data scan (scan_s) and the rest (validate_s)."""
    file = raw.file
    started = time.perf_counter()
    problems = personal_data_scan(raw.frame, file, raw.row_numbers)
    if phases is not None:
        phases["scan_s"] = time.perf_counter() - started
        started = time.perf_counter()
    result = _validate_rows(raw, config, problems)
    if phases is not None:
        phases["validate_s"] = time.perf_counter() - started
    return result


def _validate_rows(raw: RawTable, config: Config, problems: list[Problem]) -> ValidationResult:
    file = raw.file
    if problems:  # stop here: nothing after this may echo a personal value
        return ValidationResult(pd.DataFrame(), problems, list(raw.notes))

    frame = raw.frame.map(lambda v: unicodedata.normalize("NFC", str(v)))  # ä as one character
    problems.extend(_formula_cells(frame, raw))
    mapping, header_problems = _map_columns(list(frame.columns), file)
    problems.extend(header_problems)
    if header_problems:
        return ValidationResult(pd.DataFrame(), problems[:MAX_PROBLEMS], list(raw.notes))

    areas = _Areas(config)
    indicators = _indicator_lookup(config)
    out_rows: list[dict[str, object]] = []
    seen: dict[tuple[str, str, str, str], tuple[int, tuple]] = {}
    notes = list(raw.notes)
    duplicates_identical = 0
    notes_only = 0
    reverse = {canonical: original for original, canonical in mapping.items()}

    for position, record in enumerate(frame.itertuples(index=False, name=None)):
        row_no = raw.row_numbers[position] if position < len(raw.row_numbers) else position + 2
        cells = {mapping[col]: str(val) for col, val in zip(frame.columns, record, strict=True)
                 if col in mapping}
        row_problems: list[Problem] = []

        def bad(code: str, canonical: str, value: str | None = None, _row: int = row_no,
                _probs: list[Problem] = row_problems, **params: object) -> None:
            _probs.append(Problem(code, file, _row, reverse.get(canonical, canonical),
                                  None if value is None else mask_identity_codes(value), params))

        if all(not v.strip() for v in cells.values()):
            if any(str(v).strip() for v in record):
                notes_only += 1  # text only in columns the dashboard does not use
            continue
        ind_text = cells.get("indicator", "").strip()
        indicator_id: str | None = indicators.get(ind_text.casefold())
        if indicator_id is None:
            bad("unknown_indicator", "indicator", ind_text)
        area_code = areas.resolve(cells.get("area", ""))
        if area_code is None:
            bad("unknown_area", "area", cells.get("area", ""))
        period_text = cells.get("period", "").strip()
        period = normalise_period(period_text)
        level: str | None = None
        if period is None:
            bad("malformed_period", "period", period_text)
        else:
            try:
                level = period_level(period)
                _check_period_value(period)
            except (PeriodError, ValueError):
                bad("impossible_period", "period", period_text)
                period, level = None, None
            if period is not None and period_start(period) > date.today():
                bad("future_period", "period", period_text)
                period, level = None, None
        sex = SEX_ALIASES.get(cells.get("sex", "").strip().casefold())
        if "sex" in cells and cells["sex"].strip() == "":
            sex = "total"
        if sex is None and "sex" not in cells:
            sex = "total"
        if sex is None:
            bad("unknown_sex", "sex", cells.get("sex", ""))
        status = STATUS_ALIASES.get(cells.get("status", "").strip().casefold())
        if status is None:
            bad("unknown_status", "status", cells.get("status", ""))

        numbers: dict[str, float | None] = {}
        for column in ("value", "numerator", "denominator"):
            text = cells.get(column, "").strip()
            if text in MISSING_MARKERS:
                numbers[column] = None
                continue
            if _NON_FINITE.match(text):
                bad("not_finite", column, text)
                numbers[column] = None
                continue
            parsed = parse_number(text, raw.decimal)
            if parsed is not None and _AMBIGUOUS_THOUSANDS.match(text) and _is_count_column(
                    config.indicators.get(indicator_id or ""), column):
                bad("ambiguous_thousands", column, text)
                numbers[column] = None
                continue
            if parsed is None or not math.isfinite(parsed):
                if not text.startswith(FORMULA_START):  # formulas are reported once, above
                    bad("not_a_number", column, text, decimal=raw.decimal)
                numbers[column] = None
            else:
                numbers[column] = parsed

        indicator = config.indicators.get(indicator_id) if indicator_id else None
        grp = "total"
        if indicator is not None:
            if sex is not None and sex not in indicator.sexes:
                bad("sex_not_in_indicator", "sex", cells.get("sex", ""),
                    allowed=", ".join(indicator.sexes))
            grp_text = cells.get("grp", "").strip()
            if grp_text and grp_text.casefold() not in ("total", "yhteensä", "kaikki"):
                grp = _resolve_group(indicator, grp_text) or ""
                if not grp:
                    bad("unknown_group", "grp", grp_text,
                        allowed=", ".join(indicator.group_codes[1:]) or "–")
            if period is not None and level is not None:
                allowed = _allowed_levels(indicator)
                if level not in allowed:
                    bad("period_type_mismatch", "period", period_text,
                        expected=indicator.period_type)
                elif (indicator.first_period
                      and period_end(period) < period_start(indicator.first_period)):
                    bad("before_first_period", "period", period_text,
                        first=indicator.first_period)
            _check_numbers(indicator, numbers, cells, raw.decimal, bad)

        if not row_problems and indicator_id and area_code and period and sex:
            key = (indicator_id, area_code, period, sex, grp)
            content = (numbers["value"], numbers["numerator"], numbers["denominator"], status)
            if key in seen:
                first_row, first_content = seen[key]
                if first_content != content:
                    bad("duplicate_conflict", "value", cells.get("value", ""),
                        first_row=first_row)
                else:
                    duplicates_identical += 1
                    continue
            else:
                seen[key] = (row_no, content)
        if row_problems:
            problems.extend(row_problems)
            continue
        out_rows.append({
            "indicator_id": indicator_id, "area_code": area_code, "period": period,
            "sex": sex, "grp": grp,
            "numerator": _nan(numbers["numerator"]), "denominator": _nan(numbers["denominator"]),
            "value": _nan(numbers["value"]), "status": status,
        })

    if duplicates_identical:
        notes.append(("identical_duplicates_dropped", {"count": duplicates_identical}))
    if notes_only:
        notes.append(("rows_without_figures_skipped", {"count": notes_only}))
    if not out_rows and not problems:
        problems.append(Problem("no_rows", file))
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem("too_many_problems", file,
                                                      params={"count": extra})]
    rows = pd.DataFrame(out_rows, columns=["indicator_id", "area_code", "period", "sex", "grp",
                                           "numerator", "denominator", "value", "status"])
    return ValidationResult(rows, problems, notes)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _check_period_value(period: str) -> None:
    level = period_level(period)
    if level == "quarter" and not 1 <= int(period[-1]) <= 4:
        raise ValueError(period)
    if level == "term" and period[-1] not in "12":
        raise ValueError(period)
    if level == "month" and not 1 <= int(period[5:7]) <= 12:
        raise ValueError(period)
    if not 1900 <= int(period[:4]) <= 2100:
        raise ValueError(period)


def _allowed_levels(indicator: Indicator) -> set[str]:
    base = {"year": "year", "survey": "year", "term": "term", "quarter": "quarter",
            "month": "month"}[indicator.period_type]
    allowed = {base}
    if indicator.period_aggregation != "none":
        allowed |= {"quarter", "year"}
    return allowed


def _resolve_group(indicator: Indicator, text: str) -> str | None:
    folded = text.casefold()
    for group in indicator.groups:
        names = {group.code.casefold(), group.name.fi.casefold(), group.name.sv.casefold(),
                 group.name.en.casefold()}
        if folded in names:
            return group.code
    return None


def _check_numbers(indicator: Indicator, numbers: dict[str, float | None],
                   cells: dict[str, str], decimal: str, bad) -> None:
    value, num, den = numbers["value"], numbers["numerator"], numbers["denominator"]
    text = cells.get("value", "").strip()
    if "value" not in cells:
        return
    if value is None and (num is not None or den is not None) and text in MISSING_MARKERS:
        if not (indicator.denominator_population is not None and num is not None
                and den is None and text == ""):  # the store takes the population as its
            bad("value_missing_with_counts", "value", text)  # denominator and computes it
        return
    if value is not None and _value_range_problem(indicator, value):
        bad("value_out_of_range", "value", text, unit=indicator.unit)
    for column, number in (("numerator", num), ("denominator", den)):
        if number is not None and number < 0 and not (indicator.signed
                                                       and column == "numerator"):
            bad("negative_count", column, cells.get(column, ""))
        elif number is not None and _is_count_column(indicator, column) and not float(
                number).is_integer():
            bad("count_not_whole", column, cells.get(column, ""))
            return
    if indicator.kind == "proportion" and num is not None and den is not None and num > den:
        bad("numerator_exceeds_denominator", "numerator", cells.get("numerator", ""),
            denominator=cells.get("denominator", ""))
        return
    if value is None or num is None:
        return
    if indicator.kind == "count":
        expected = num
    elif den is None or den <= 0:
        return
    else:
        expected = num / den * indicator.scale
    tolerance = 0.5 * 10 ** (-decimals_written(text, decimal)) + 1e-9 * max(1.0, abs(expected))
    if abs(expected - value) > tolerance:
        shown = f"{expected:.{min(decimals_written(text, decimal), 6)}f}"
        bad("value_inconsistent", "value", text, expected=shown.replace(".", decimal))


def _is_count_column(indicator: Indicator | None, column: str) -> bool:
    """Numerators and denominators are counts (people, events, responses), except a mean's
    numerator (a sum of scores); a count indicator's value is a count too."""
    if column == "value":
        return indicator is not None and indicator.kind == "count"
    if indicator is not None and indicator.kind == "mean" and column == "numerator":
        return False
    return column in ("numerator", "denominator")


def _map_columns(headers: list[str], file: str) -> tuple[dict[str, str], list[Problem]]:
    """original header -> canonical name; problems for missing or doubled columns."""
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    taken: dict[str, str] = {}
    for header in headers:
        canonical = _ALIAS_LOOKUP.get(normalise_header(header))
        if canonical is None:
            continue
        if canonical in taken:
            problems.append(Problem("column_twice", file, None, mask_identity_codes(header),
                                    params={"other": taken[canonical], "canonical": canonical}))
            continue
        taken[canonical] = header
        mapping[header] = canonical
    for canonical in REQUIRED:
        if canonical not in taken:
            problems.append(Problem("column_missing", file, None, None,
                                    params={"canonical": canonical,
                                            "aliases": ", ".join(COLUMN_ALIASES[canonical][:4]),
                                            "found": mask_identity_codes(
                                                ", ".join(headers))[:200]}))
    return mapping, problems


def _formula_cells(frame: pd.DataFrame, raw: RawTable) -> list[Problem]:
    """Spreadsheet formulas or formula-like text: `=`, `+`, `-`, `@` at the start of a cell that
    does not parse as a number (negative numbers are fine)."""
    out: list[Problem] = []
    for column in frame.columns:
        for position, text in enumerate(frame[column]):
            cell = str(text).strip()
            if not cell or cell[0] not in FORMULA_START or cell in MISSING_MARKERS:
                continue
            if parse_number(cell, raw.decimal) is not None or parse_number(cell, ".") is not None:
                continue
            row = raw.row_numbers[position] if position < len(raw.row_numbers) else None
            out.append(Problem("formula_text", raw.file, row, str(column),
                               mask_identity_codes(cell)[:40]))
    return out
