"""The SQL gate of an import (indicators/bulk_check.py) against the detailed checker.

The gate may only ever accept what the detailed checker accepts, with the very same rows: every
test here compares the two on the same file. Whatever the gate refuses goes to the detailed
checker, so refusing is always safe; accepting wrongly is the bug these tests look for.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indicators.bulk_check import allowed_periods, check_canonical_csv
from indicators.config import load_config
from indicators.readers import read_table
from indicators.settings import DEMO_DIR
from indicators.validate import validate_table

CONFIG = load_config()
HEADER = "indicator_id,area_code,period,sex,grp,numerator,denominator,value,status"
KEY = ["indicator_id", "area_code", "period", "sex", "grp"]


def detailed(path: Path) -> tuple[pd.DataFrame, list]:
    raw = read_table(path, known_areas=set(CONFIG.areas), max_bytes=10**9)
    result = validate_table(raw, CONFIG)
    return result.rows, result.problems


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.sort_values(KEY).reset_index(drop=True)
    b = b.sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def gate_agrees(path: Path) -> bool:
    """Assert the gate's answer is one the detailed checker agrees with; True when accepted."""
    bulk = check_canonical_csv(path, path.name, CONFIG)
    if bulk is None:
        return False
    rows, problems = detailed(path)
    assert problems == [], f"the gate accepted a file the detailed checker refuses: {problems}"
    same_rows(bulk.rows, rows)
    return True


# ---------------------------------------------------------------- the demo tables


@pytest.mark.parametrize("path", sorted(DEMO_DIR.glob("*.csv")), ids=lambda p: p.stem)
def test_every_demo_table_gets_the_same_rows_either_way(path):
    gate_agrees(path)


def test_most_demo_tables_take_the_sql_path():
    accepted = [p.name for p in sorted(DEMO_DIR.glob("*.csv")) if gate_agrees(p)]
    assert len(accepted) >= 20, accepted  # 24 of 32 when written


def test_phases_and_preview_are_reported(tmp_path):
    source = DEMO_DIR / "placed_outside_home_share.csv"
    bulk = check_canonical_csv(source, source.name, CONFIG)
    assert bulk is not None
    assert set(bulk.phases) == {"read_s", "scan_s", "validate_s"}
    assert all(v >= 0 for v in bulk.phases.values())
    raw = read_table(source, known_areas=set(CONFIG.areas))
    assert bulk.preview.values.tolist() == raw.frame.head(20).values.tolist()
    assert list(bulk.preview.columns) == list(raw.frame.columns)


# ---------------------------------------------------------------- one change at a time

GOOD = [
    "placed_outside_home_share,KU061,2023,total,total,30,2700,1.1111111111,final",
    "placed_outside_home_share,KU103,2023,total,total,3,340,0.8823529412,final",
    "placed_outside_home_share,KU169,2023,total,total,12,900,1.3333333333,preliminary",
]


def write(tmp_path: Path, lines: list[str], header: str = HEADER, name: str = "f.csv",
          end: str = "\n") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + end, encoding="utf-8")
    return path


def test_a_clean_file_is_accepted(tmp_path):
    assert gate_agrees(write(tmp_path, GOOD))
    assert gate_agrees(write(tmp_path, GOOD, end=""))  # no newline at the end
    assert gate_agrees(write(tmp_path, [g.replace(",total,total,", ",,,") for g in GOOD]))


@pytest.mark.parametrize("change", [
    pytest.param(lambda g: g.replace("KU061", " KU061"), id="space before a code"),
    pytest.param(lambda g: g.replace("KU061", "Forssa"), id="name instead of code"),
    pytest.param(lambda g: g.replace("KU061", "KU999"), id="unknown area"),
    pytest.param(lambda g: g.replace("placed_outside_home_share", "nope_x"), id="unknown id"),
    pytest.param(lambda g: g.replace(",2023,", ",2099,"), id="future period"),
    pytest.param(lambda g: g.replace(",2023,", ",2023Q1,"), id="wrong period level"),
    pytest.param(lambda g: g.replace(",2023,", ",1899,"), id="too early"),
    pytest.param(lambda g: g.replace(",30,2700,", ",3000,2700,"), id="numerator > denominator"),
    pytest.param(lambda g: g.replace("1.1111111111", "5.5"), id="value inconsistent"),
    pytest.param(lambda g: g.replace("1.1111111111", "101"), id="percent over 100"),
    pytest.param(lambda g: g.replace("1.1111111111", ""), id="value missing with counts"),
    pytest.param(lambda g: g.replace(",2700,", ",2700.5,"), id="denominator not whole"),
    pytest.param(lambda g: g.replace(",2700,", ",2.700,"), id="ambiguous thousands"),
    pytest.param(lambda g: g.replace(",30,", ",-30,"), id="negative"),
    pytest.param(lambda g: g.replace(",30,", ",=A1,"), id="formula"),
    pytest.param(lambda g: g.replace(",30,", ",3e1,"), id="exponent"),
    pytest.param(lambda g: g.replace(",30,", ",030,"), id="leading zero"),
    pytest.param(lambda g: g.replace(",total,total,", ",male,total,"), id="sex not in indicator"),
    pytest.param(lambda g: g.replace(",total,total,", ",yhteensä,total,"), id="sex alias"),
    pytest.param(lambda g: g.replace(",final", ",ennakko"), id="status alias"),
    pytest.param(lambda g: g.replace(",final", ",maybe"), id="unknown status"),
    pytest.param(lambda g: g.replace("1.1111111111", "1,1111111111"), id="comma decimal"),
    pytest.param(lambda g: g.replace(",final", ",final,extra"), id="ragged row"),
    pytest.param(lambda g: g.replace(",30,", ',"3\n0",'), id="line break in a cell"),
    pytest.param(lambda g: g.replace(",final", ",matti.meikalainen@example.com"), id="email"),
    pytest.param(lambda g: g.replace(",30,", ",0401234567,"), id="phone-like"),
    pytest.param(lambda g: g.replace(",final", ",010190-123A"), id="identity code"),
])
def test_one_changed_cell_sends_the_file_to_the_detailed_checker(tmp_path, change):
    path = write(tmp_path, [change(GOOD[0]), *GOOD[1:]])
    assert check_canonical_csv(path, path.name, CONFIG) is None


@pytest.mark.parametrize("lines, header", [
    pytest.param([*GOOD, GOOD[0]], HEADER, id="identical duplicate"),
    pytest.param([*GOOD, GOOD[0].replace(",final", ",preliminary")], HEADER, id="conflict"),
    pytest.param([GOOD[0], "", *GOOD[1:]], HEADER, id="blank line"),
    pytest.param(GOOD, HEADER.replace(",status", ",status,notes"), id="unknown column"),
    pytest.param(GOOD, HEADER.replace("area_code", "area_code,kunta").replace(
        "KU061,", "KU061,KU061,"), id="column twice"),
    pytest.param([g.replace(",", ";") for g in GOOD], HEADER.replace(",", ";"), id="semicolons"),
    pytest.param(GOOD, "Taulukko 1\n" + HEADER, id="title row"),
    pytest.param(GOOD, "sep=,\n" + HEADER, id="sep line"),
    pytest.param(GOOD, "\ufeff" + HEADER, id="byte-order mark"),
    pytest.param(GOOD, HEADER.replace("value", "Value"), id="alias spelling is fine"),
])
def test_file_shapes(tmp_path, lines, header):
    path = write(tmp_path, lines, header)
    accepted = gate_agrees(path)
    assert accepted == (header == HEADER.replace("value", "Value"))


def test_a_column_unique_on_every_row_goes_to_the_guard(tmp_path):
    """20 or more rows where one column differs on every row could be one row per person: the
    personal-data guard, not the gate, decides."""
    lines = [f"placed_outside_home_share,{code},{year},total,total,,,{1 + n / 100:.2f},final"
             for n, (code, year) in enumerate(
                 (c, y) for c in ["KU061", "KU103", "KU169", "KU834"] for y in range(2015, 2021))]
    assert check_canonical_csv(write(tmp_path, lines), "f.csv", CONFIG) is None
    assert gate_agrees(write(tmp_path, lines[:19]))


def test_allowed_periods_follow_the_indicator():
    monthly = next(i for i in CONFIG.indicators.values() if i.period_aggregation != "none")
    yearly = CONFIG.indicators["placed_outside_home_share"]
    today = date(2026, 11, 25)
    assert allowed_periods(yearly, today)[-1] == "2026"
    assert "2026Q4" in allowed_periods(monthly, today)  # summed quarters are allowed
    assert "2026-12" not in allowed_periods(monthly, today)  # the future is not
    if monthly.first_period:
        assert min(p for p in allowed_periods(monthly, today) if len(p) == 7) \
            == monthly.first_period


# ---------------------------------------------------------------- random files

# per column: values the detailed checker accepts as they are, and other values (some of them
# also accepted by it after interpretation: an alias, a name, a stray space)
VALID = {
    "indicator_id": ["placed_outside_home_share", "cw_notification_share"],
    "area_code": ["KU061", "KU103", "KU169", "KU834", "KU981", "SK053", "HV07", "SSS"],
    "period": [str(y) for y in range(2015, 2026)],
    "sex": ["total", ""],
    "grp": ["total", ""],
    "status": ["final", "", "preliminary"],
}
OTHER = {
    "indicator_id": ["PLACED_outside_home_share", "x", "absence_over10_month"],
    "area_code": ["Forssa", "61", "KU0610", " KU061"],
    "period": ["2024Q1", "2030", "2022-T1", "2023 ", "1899"],
    "sex": ["male", "Total", "yhteensä"],
    "grp": ["x", "Total"],
    "status": ["p", "ennakko", "draft"],
    "counts": [("", "", ""), ("0", "100", "0"), ("30", "2700", "1.11"), ("30.0", "2700", "1.1"),
               ("1.234", "2000", "0.0617"), ("-1", "100", "-1"), ("12.5", "100", "12.5"),
               ("30", "2,700", "1.11"), ("30", "2700.0", "1.1111111111"), ("", "100", "5"),
               ("5", "", "5"), ("200", "100", "200"), ("30", "2700", "")],
}
COUNTS = [("30", "2700"), ("5", "100"), ("0", "100"), ("3", "340"), ("100", "100")]


@st.composite
def files(draw):
    """1–6 rows, each cell valid as it is most of the time."""
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        cells = {}
        for column, values in VALID.items():
            odd = draw(st.integers(0, 11)) == 0
            cells[column] = draw(st.sampled_from(OTHER[column] if odd else values))
        if draw(st.integers(0, 5)) == 0:
            num, den, value = draw(st.sampled_from(OTHER["counts"]))
        else:
            num, den = draw(st.sampled_from(COUNTS))
            value = repr(int(num) / int(den) * 100)
        cells.update(numerator=num, denominator=den, value=value)
        order = ["indicator_id", "area_code", "period", "sex", "grp", "numerator", "denominator",
                 "value", "status"]
        rows.append(",".join(cells[c] for c in order))
    return rows


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=files())
@example(lines=GOOD)
def test_random_files_accepted_only_when_the_detailed_checker_agrees(tmp_path, lines):
    gate_agrees(write(tmp_path, lines))
