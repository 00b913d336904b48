"""The SQL path of an import: a canonical CSV read, scanned and validated in DuckDB.

The detailed checker (`readers.read_table` + `validate.validate_table`) reads every cell in Python,
which takes minutes for a national file of millions of rows. This module decides in DuckDB, with
set operations over the whole file, whether *every* row is already in the canonical form that the
detailed checker would accept unchanged: catalogue ids, area codes, canonical periods the indicator
allows, plain numbers (`123`, `12.5`), counts that are whole, values that agree with their counts,
no duplicate keys, nothing that could be personal data. Only then are the rows taken from DuckDB.

It is a gate, not a second validator: whenever a file or a single row is anything else (another
delimiter, a comma decimal, a title row, a name instead of a code, a stray space, a suspicious
column, one bad value), `check_canonical_csv` returns None and the caller runs the detailed
checker, which names every problem with file, row and column exactly as before. So the SQL path
can only ever accept what the detailed path accepts (tests/test_bulk_check.py compares the two).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from indicators.columns import normalise_header
from indicators.config import Config, Indicator
from indicators.periods import period_end, period_start
from indicators.personal_data import (
    MIN_ROWS_PER_PERSON,
    contains_identity_code,
    is_email,
    is_phone_number,
    scan,
)
from indicators.readers import _detect_delimiter
from indicators.store import rows_frame
from indicators.validate import _ALIAS_LOOKUP, REQUIRED, _allowed_levels

FIRST_YEAR = 1900  # the detailed checker's earliest year
# a plain number as the detailed checker reads it with a decimal point: no sign, no leading zero
# (a phone number starts with 0 or +), no exponent, no thousands separator
_PLAIN_NUMBER = r"(0|[1-9][0-9]{0,14})(\.[0-9]{1,30})?"
# 1.234 in a column of counts reads as a decimal here and as thousands elsewhere: the detailed
# checker refuses it, so it never passes the gate
_AMBIGUOUS = r"[0-9]{1,3}(\.[0-9]{3})+"
_SAMPLE_BYTES = 65_536


@dataclass
class BulkResult:
    """Rows accepted by the SQL path, the file's first rows as text, and the time of each phase
    (seconds): read (DuckDB's read_csv into a table), scan (personal data), validate."""

    rows: pd.DataFrame
    preview: pd.DataFrame
    phases: dict[str, float] = field(default_factory=dict)


def _header(path: Path) -> list[str] | None:
    """The header cells of a plain canonical CSV, or None when the start of the file is anything
    else (a byte-order mark, quotes, a `sep=` line, a title row, unknown or doubled columns)."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    if sample.startswith(b"\xef\xbb\xbf") or b"\n" not in sample:
        return None
    try:
        text = sample[: sample.rindex(b"\n")].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _detect_delimiter(text) != ",":
        return None
    first = text.split("\n", 1)[0].rstrip("\r")
    if '"' in first:
        return None
    cells = first.split(",")
    canonical = [_ALIAS_LOOKUP.get(normalise_header(c)) for c in cells]
    if any(c is None or c != c.strip() or not c for c in cells):
        return None
    if None in canonical or len(set(canonical)) != len(canonical):
        return None
    if not set(REQUIRED) <= set(canonical):  # type: ignore[arg-type]
        return None
    return cells


def _line_count(path: Path) -> tuple[int, bool]:
    """(newline characters in the file, whether it ends with one)."""
    count, last = 0, b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count, last == b"\n"


def allowed_periods(indicator: Indicator, today: date) -> list[str]:
    """Every canonical period the detailed checker accepts for `indicator` up to `today`."""
    levels = _allowed_levels(indicator)
    out: list[str] = []
    for year in range(FIRST_YEAR, today.year + 1):
        if "year" in levels:
            out.append(str(year))
        if "term" in levels:
            out.extend(f"{year}-T{t}" for t in (1, 2))
        if "quarter" in levels:
            out.extend(f"{year}Q{q}" for q in range(1, 5))
        if "month" in levels:
            out.extend(f"{year}-{m:02d}" for m in range(1, 13))
    out = [p for p in out if period_start(p) <= today]
    if indicator.first_period:
        first = period_start(indicator.first_period)
        out = [p for p in out if period_end(p) >= first]
    return out


def _reference_tables(con: duckdb.DuckDBPyConnection, config: Config, today: date) -> None:
    """The config's areas, indicators and allowed periods as tables, each filled in one
    statement: a statement per row (executemany) took 4 s for a national config once the file's
    millions of rows were loaded beside them."""
    indicators = list(config.indicators.values())
    tables = {
        "ref_area": ("code VARCHAR PRIMARY KEY", pa.table({"code": list(config.areas)})),
        "ref_indicator": (
            "id VARCHAR PRIMARY KEY, kind VARCHAR, unit VARCHAR, scale DOUBLE, signed BOOLEAN, "
            "sexes VARCHAR[], grps VARCHAR[]",
            pa.table({"id": [i.id for i in indicators], "kind": [i.kind for i in indicators],
                      "unit": [i.unit for i in indicators],
                      "scale": pa.array([i.scale for i in indicators], pa.float64()),
                      "signed": pa.array([i.signed for i in indicators], pa.bool_()),
                      "sexes": pa.array([list(i.sexes) for i in indicators],
                                        pa.list_(pa.string())),
                      "grps": pa.array([list(i.group_codes) for i in indicators],
                                       pa.list_(pa.string()))})),
        "ref_period": ("indicator_id VARCHAR, period VARCHAR", pa.Table.from_pandas(
            pd.DataFrame([(i.id, p) for i in indicators for p in allowed_periods(i, today)],
                         columns=["indicator_id", "period"]), preserve_index=False)),
    }
    for name, (columns, rows) in tables.items():
        con.execute(f"CREATE TEMP TABLE {name} ({columns})")  # noqa: S608 - fixed names
        con.register("reference_rows", rows)
        con.execute(f"INSERT INTO {name} SELECT * FROM reference_rows")  # noqa: S608 - fixed names
        con.unregister("reference_rows")


def _text(column: str | None, default: str = "") -> str:
    """SQL for a column's text ('' for an empty cell), or a constant when the file lacks it."""
    if column is None:
        return f"'{default}'"
    return f'coalesce(r."{column}", \'\')'


def check_canonical_csv(path: Path, name: str, config: Config, *,
                        today: date | None = None) -> BulkResult | None:
    """The rows of `path` when every one passes the SQL gate, else None (use the detailed path)."""
    phases: dict[str, float] = {}
    started = time.perf_counter()
    headers = _header(path)
    if headers is None:
        return None
    newlines, trailing = _line_count(path)
    canonical = {_ALIAS_LOOKUP[normalise_header(h)]: h for h in headers}
    con = duckdb.connect(":memory:", config={"threads": "2"})
    try:
        # the header cells are documented aliases (letters, spaces, `-./_`): no quotes to escape
        columns = ", ".join(f"'{h}': 'VARCHAR'" for h in headers)
        try:
            con.execute(
                "CREATE TEMP TABLE r AS SELECT * FROM read_csv(?, header = true, delim = ',', "  # noqa: S608 - alias names
                f"quote = '\"', escape = '\"', columns = {{{columns}}}, auto_detect = false, "
                "strict_mode = true, null_padding = false, ignore_errors = false)",
                [str(path)])
        except duckdb.Error:
            return None  # ragged rows, bad quoting, not UTF-8: the detailed reader explains
        rows = con.execute("SELECT COUNT(*) FROM r").fetchone()[0]
        # every physical line is one record: no blank lines, no line breaks inside cells (the
        # detailed path's row numbers are physical lines)
        if rows == 0 or newlines != rows + (1 if trailing else 0):
            return None
        phases["read_s"] = time.perf_counter() - started

        started = time.perf_counter()
        if not _no_personal_data(con, headers, canonical, rows, name):
            return None
        phases["scan_s"] = time.perf_counter() - started

        started = time.perf_counter()
        _reference_tables(con, config, today or date.today())
        if not _all_rows_clean(con, canonical):
            return None
        frame = _canonical_rows(con, canonical)
        preview = con.execute("SELECT * FROM r LIMIT 20").df().fillna("").astype(str)
        phases["validate_s"] = time.perf_counter() - started
    finally:
        con.close()
    return BulkResult(frame, preview, phases)


def _no_personal_data(con: duckdb.DuckDBPyConnection, headers: list[str],
                      canonical: dict[str, str], rows: int, name: str) -> bool:
    """True when the personal-data guard certainly finds nothing: the headers pass the guard's
    own scan, no column has a different value on (nearly) every row, and no value of a
    dimension column looks like an identity code, e-mail address or phone number. Numbers that
    pass the gate's number pattern cannot look like any of those."""
    if scan(pd.DataFrame(columns=headers), name):
        return False
    # every column's filled and distinct cells in one pass (headers are documented aliases)
    counts = ", ".join(
        f'COUNT(*) FILTER (WHERE trim(r."{h}") <> \'\'), '
        f'COUNT(DISTINCT trim(r."{h}")) FILTER (WHERE trim(r."{h}") <> \'\')' for h in headers)
    stats = con.execute(f"SELECT {counts} FROM r").fetchone()  # noqa: S608 - alias names
    for filled, distinct in zip(stats[0::2], stats[1::2], strict=True):
        if filled >= MIN_ROWS_PER_PERSON and filled * 2 >= rows and distinct == filled:
            return False  # could be one row per person: the detailed guard decides
    for canonical_name in ("indicator", "area", "period", "sex", "grp", "status"):
        column = canonical.get(canonical_name)
        if column is None:
            continue
        values = [v for (v,) in con.execute(
            f'SELECT DISTINCT "{column}" FROM r '  # noqa: S608 - alias from the allow-list
            f'WHERE "{column}" IS NOT NULL LIMIT 100001').fetchall()]
        if len(values) > 100_000 or _looks_personal(values):
            return False
    return True


def _looks_personal(values: list[str]) -> bool:
    return any(contains_identity_code(v) or is_email(v) or is_phone_number(v) for v in values)


def _all_rows_clean(con: duckdb.DuckDBPyConnection, canonical: dict[str, str]) -> bool:
    """Whether every row passes every check in SQL (one pass over the table)."""
    query = _checked_sql(canonical) + """
        SELECT COUNT(*) FILTER (WHERE clean IS NOT TRUE) AS unclean,
               COUNT(*) - COUNT(DISTINCT (ind, area, period,
                     CASE WHEN sex = '' THEN 'total' ELSE sex END,
                     CASE WHEN grp = '' THEN 'total' ELSE grp END)) AS duplicates
        FROM checked"""  # noqa: S608 - fixed SQL with alias column names
    unclean, duplicates = con.execute(query).fetchone()
    return unclean == 0 and duplicates == 0


def _checked_sql(canonical: dict[str, str]) -> str:
    """`WITH … checked AS (…)`: every row with `clean`, true when it passes every check."""
    def col(name: str) -> str | None:
        return canonical.get(name)

    ind, area, period = (_text(col(c)) for c in ("indicator", "area", "period"))
    sex = _text(col("sex"), "total")
    grp = _text(col("grp"), "total")
    status = _text(col("status"), "final")
    value, num, den = (_text(col(c)) for c in ("value", "numerator", "denominator"))
    plain, ambiguous = _PLAIN_NUMBER, _AMBIGUOUS
    return f"""
        WITH t AS (
            SELECT {ind} AS ind, {area} AS area, {period} AS period,
                   {sex} AS sex, {grp} AS grp, {status} AS status,
                   {value} AS v_text, {num} AS n_text, {den} AS d_text
            FROM r),
        typed AS (
            SELECT t.*, i.kind, i.unit, i.scale, i.sexes, i.grps,
                   TRY_CAST(nullif(v_text, '') AS DOUBLE) AS v,
                   TRY_CAST(nullif(n_text, '') AS DOUBLE) AS n,
                   TRY_CAST(nullif(d_text, '') AS DOUBLE) AS d,
                   CASE WHEN v_text LIKE '%.%' THEN length(split_part(v_text, '.', 2))
                        ELSE 0 END AS v_decimals,
                   a.code IS NOT NULL AS area_ok, p.period IS NOT NULL AS period_ok
            FROM t LEFT JOIN ref_indicator i ON i.id = t.ind
            LEFT JOIN ref_area a ON a.code = t.area
            LEFT JOIN ref_period p ON p.indicator_id = t.ind AND p.period = t.period),
        checked AS (
            SELECT *,
                kind IS NOT NULL AND area_ok AND period_ok
                AND list_contains(sexes, CASE WHEN sex = '' THEN 'total' ELSE sex END)
                AND list_contains(grps, CASE WHEN grp = '' THEN 'total' ELSE grp END)
                AND status IN ('', 'final', 'preliminary')
                AND (v_text = '' OR regexp_full_match(v_text, '{plain}'))
                AND (n_text = '' OR regexp_full_match(n_text, '{plain}'))
                AND (d_text = '' OR regexp_full_match(d_text, '{plain}'))
                -- counts (denominators, numerators but a mean's, a count's value) are whole
                AND (d_text = '' OR (d = floor(d)
                                     AND NOT regexp_full_match(d_text, '{ambiguous}')))
                AND (n_text = '' OR kind = 'mean' OR (n = floor(n)
                                     AND NOT regexp_full_match(n_text, '{ambiguous}')))
                AND (v_text = '' OR kind <> 'count' OR (v = floor(v)
                                     AND NOT regexp_full_match(v_text, '{ambiguous}')))
                AND NOT (v IS NULL AND (n IS NOT NULL OR d IS NOT NULL))
                AND NOT coalesce(unit = 'percent' AND v > 100, false)
                AND NOT coalesce(kind = 'proportion' AND n > d, false)
                AND (v IS NULL OR n IS NULL
                     OR (kind <> 'count' AND (d IS NULL OR d <= 0))
                     OR abs((CASE WHEN kind = 'count' THEN n ELSE n / d * scale END) - v)
                        <= 0.5 * pow(10, -v_decimals)
                           + 1e-9 * greatest(1, abs(CASE WHEN kind = 'count' THEN n
                                                         ELSE n / d * scale END)))
                AS clean
            FROM typed)"""  # noqa: S608 - fixed SQL with alias column names


def _canonical_rows(con: duckdb.DuckDBPyConnection, canonical: dict[str, str]) -> pd.DataFrame:
    """The rows as the detailed checker returns them (file order, NaN for a missing number)."""
    def col(name: str) -> str | None:
        return canonical.get(name)

    def number(name: str) -> str:
        column = col(name)
        if column is None:
            return "CAST('NaN' AS DOUBLE)"
        return f'coalesce(TRY_CAST(nullif(r."{column}", \'\') AS DOUBLE), CAST(\'NaN\' AS DOUBLE))'

    def dimension(name: str, default: str) -> str:
        column = col(name)
        if column is None:
            return f"'{default}'"
        return f'CASE WHEN coalesce(r."{column}", \'\') = \'\' THEN \'{default}\' ' \
               f'ELSE r."{column}" END'

    status = dimension("status", "final")
    query = f"""
        SELECT r."{col('indicator')}" AS indicator_id, r."{col('area')}" AS area_code,
               r."{col('period')}" AS period, {dimension('sex', 'total')} AS sex,
               {dimension('grp', 'total')} AS grp,
               {number('numerator')} AS numerator, {number('denominator')} AS denominator,
               {number('value')} AS value, {status} AS status
        FROM r ORDER BY r.rowid"""  # noqa: S608 - fixed SQL with alias column names
    return rows_frame(con, query)
