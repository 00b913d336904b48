"""Issue 9: all SQL parameterised, identifiers only from allow-lists.

Ruff's S608 (in `make test`) flags SQL built from strings; each place that must build one carries
`# noqa: S608 - <why it is safe>`. These tests keep those exemptions honest, keep SQL out of the
pages, and throw hostile values at every query function a caller can hand a value to: they must
read nothing they were not asked for, raise nothing but a clear error, and change nothing.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import shutil
import tokenize
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import audit, auth, backup, checkins, imports, queries

ROOT = Path(__file__).resolve().parent.parent
APP_SOURCES = sorted([*(ROOT / "indicators").rglob("*.py"), *(ROOT / "pages").rglob("*.py"),
                      ROOT / "dashboard.py", *(ROOT / "scripts").rglob("*.py")])
OUTSIDE_INDICATORS = [p for p in APP_SOURCES if (ROOT / "indicators") not in p.parents]
SQL_CALLS = {"execute", "executemany", "query_df", "sql"}

INDICATOR = "cw_notifications_rate"
AREA = "KU061"
HOSTILE = [
    "'; DROP TABLE observation; --",
    "x' OR '1'='1",
    f"{AREA}' OR area_code <> '{AREA}",
    '" OR ""="',
    f"{AREA}; DELETE FROM audit_log",
    ") OR (1=1",
    "total' OR sex <> 'total",
    "?", "$1", "%", "_", "*", "NULL", "", " ",
    f"{AREA}\x00",
    "Hämeenlinna – Tavastehus ✓ 😀 \u202e\u0301",
    "x" * 10_000,
]


# -- static: the exemptions and where SQL may live ---------------------------------------------


def _comments(path: Path) -> Iterator[tokenize.TokenInfo]:
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token


def test_app_sources_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in APP_SOURCES}
    assert {"indicators/queries.py", "dashboard.py", "pages/data.py"} <= names


def test_ruff_selects_s608_for_the_app():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"][
        "lint"]
    assert "S608" in lint["select"]
    assert "S608" not in lint.get("ignore", [])
    for pattern, codes in lint.get("per-file-ignores", {}).items():
        if "S608" in codes or "S" in codes:
            assert pattern.startswith("tests/"), pattern


def test_every_s608_exemption_says_why_it_is_safe():
    reasoned = re.compile(r"#\s*noqa:\s*S608\s+-\s+\S.{2,}")
    bad = []
    for path in APP_SOURCES:
        for token in _comments(path):
            if "S608" not in token.string:
                continue
            where = f"{path.relative_to(ROOT)}:{token.start[0]}"
            code_before = token.line[:token.start[1]].strip()
            if not code_before or not reasoned.fullmatch(token.string.strip()):
                bad.append(f"{where}: {token.string}")
    assert not bad, "write `<code>  # noqa: S608 - <why it is safe>`:\n" + "\n".join(bad)


def _silences_s608_unexplained(comment: str) -> bool:
    """A bare `# noqa`, or a file-wide `# ruff: noqa` without codes or naming S608 (or S)."""
    if re.search(r"#\s*noqa\b(?!\s*:)", comment, re.IGNORECASE):
        return True
    file_wide = re.search(r"#\s*(?:ruff|flake8)\s*:\s*noqa\b(?:\s*:\s*([\w\s,]*))?", comment,
                          re.IGNORECASE)
    if file_wide is None:
        return False
    codes = [c.strip().upper() for c in (file_wide.group(1) or "").split(",") if c.strip()]
    return not codes or any("S608".startswith(c) for c in codes)


def test_no_blanket_noqa_hides_string_built_sql():
    assert _silences_s608_unexplained("# noqa") and _silences_s608_unexplained("# ruff: noqa")
    assert _silences_s608_unexplained("# ruff: noqa: E501, S608")
    assert not _silences_s608_unexplained("# ruff: noqa: SIM108")
    assert not _silences_s608_unexplained("# noqa: S608 - names from COLUMNS")
    found = [f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string}"
             for path in APP_SOURCES for token in _comments(path)
             if _silences_s608_unexplained(token.string)]
    assert not found


def test_only_the_indicators_package_runs_sql():
    """Pages hold no SQL (DESIGN): they call query functions of `indicators`."""
    found = []
    for path in OUTSIDE_INDICATORS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_CALLS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.func.attr}(")
    assert not found
    assert any(p.parent.name == "pages" for p in OUTSIDE_INDICATORS)


# -- behaviour: hostile values read nothing else and change nothing -----------------------------


SNAPSHOT_SQL = (
    "SELECT (SELECT COUNT(*) FROM observation) AS observation, "
    "(SELECT COUNT(*) FROM observation_history) AS observation_history, "
    "(SELECT COUNT(*) FROM cell_disclosure) AS cell_disclosure, "
    "(SELECT COUNT(*) FROM import_log) AS import_log, "
    "(SELECT COUNT(*) FROM audit_log) AS audit_log, "
    "(SELECT COUNT(*) FROM key_result_checkin) AS key_result_checkin, "
    "(SELECT COUNT(*) FROM area) AS area, (SELECT COUNT(*) FROM indicator) AS indicator, "
    "(SELECT string_agg(table_name, ',' ORDER BY table_name) FROM duckdb_tables()) AS tables"
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(store_path: Path, reader) -> tuple[str, dict]:
    return _sha256(store_path), reader.query_df(SNAPSHOT_SQL).iloc[0].to_dict()


@contextmanager
def _store_unchanged(store_path: Path, reader) -> Iterator[None]:
    before = _snapshot(store_path, reader)
    assert before[1]["observation"] > 0 and before[1]["audit_log"] > 0
    yield
    assert _snapshot(store_path, reader) == before


@pytest.fixture(scope="module")
def indicator(config):
    return config.indicators[INDICATOR]


@pytest.fixture(scope="module")
def baseline(reader, indicator) -> pd.DataFrame:
    frame = queries.series(reader, indicator, [AREA])
    assert not frame.empty and set(frame["area_code"]) == {AREA}
    return frame


@pytest.fixture(scope="module")
def legit(reader, config) -> dict[str, set[str]]:
    """Values that do name something in the fixture store (a random text might, in theory)."""
    cells = reader.query_df("SELECT DISTINCT indicator_id, area_code, sex, grp "
                            "FROM observation_public")
    return {"indicator_id": set(cells["indicator_id"]), "area_code": set(cells["area_code"]),
            "sex": set(cells["sex"]), "grp": set(cells["grp"]),
            "level": {"month", "term", "quarter", "year", "pool"},
            "key_result_id": checkins.key_result_ids(config)}


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:24]))
def test_hostile_area_codes_read_no_other_area(reader, config, store_path, indicator, baseline,
                                               value):
    with _store_unchanged(store_path, reader):
        assert queries.series(reader, indicator, [value]).empty
        pd.testing.assert_frame_equal(queries.series(reader, indicator, [AREA, value]), baseline)
        assert queries.group_cells(reader, indicator, [value]).empty
        assert set(queries.group_cells(reader, indicator, [value, AREA])["area_code"]) == {AREA}
        only = queries.latest(reader, indicator, [value])
        assert [(x.area_code, x.period, x.status) for x in only] == [
            (value, None, "not_assessable")]
        assert queries.export_frame(reader, config, indicator, area_code=value).empty


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:24]))
def test_hostile_filters_and_indicator_ids_read_nothing(reader, config, store_path, indicator,
                                                        value):
    with _store_unchanged(store_path, reader):
        for filters in ({"sex": value}, {"grp": value}, {"level": value}):
            assert queries.series(reader, indicator, [AREA], **filters).empty, filters
        assert queries.period_levels(reader, value) == []
        assert queries.latest_period(reader, [value], "year") is None
        assert queries.latest_period(reader, [indicator.id], value) is None
        assert (queries.latest_period(reader, [indicator.id, value], "year")
                == queries.latest_period(reader, [indicator.id], "year"))
        forged = indicator.model_copy(update={"id": value})  # skips validation on purpose
        assert queries.series(reader, forged, [AREA]).empty
        assert queries.export_frame(reader, config, forged).empty
        assert queries.period_levels(reader, forged.id) == []


def test_a_hostile_language_only_falls_back_to_finnish(reader, config, store_path, indicator):
    with _store_unchanged(store_path, reader):
        finnish = queries.export_frame(reader, config, indicator, area_code=AREA)
        assert not finnish.empty
        for value in HOSTILE:
            pd.testing.assert_frame_equal(
                queries.export_frame(reader, config, indicator, area_code=AREA, lang=value),
                finnish)


def test_any_text_as_a_filter_value_reads_nothing_else(reader, store_path, indicator, baseline,
                                                      legit):
    with _store_unchanged(store_path, reader):
        @settings(max_examples=50, deadline=None, derandomize=True)
        @given(value=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300)))
        def check(value: str) -> None:
            if value not in legit["area_code"]:
                pd.testing.assert_frame_equal(
                    queries.series(reader, indicator, [AREA, value]), baseline)
            for name in ("sex", "grp", "level"):
                if value not in legit[name]:
                    assert queries.series(reader, indicator, [AREA], **{name: value}).empty
            if value not in legit["indicator_id"]:
                assert queries.period_levels(reader, value) == []
                assert queries.latest_period(reader, [value], "quarter") is None
            if value not in legit["key_result_id"]:
                assert checkins.history(reader, [value]).empty

        check()


def test_hostile_key_result_ids_read_no_other_check_in(reader, store_path):
    everything = checkins.history(reader)
    assert not everything.empty
    known = str(everything["key_result_id"].iloc[0])
    expected = checkins.history(reader, [known])
    assert set(expected["key_result_id"]) == {known}
    with _store_unchanged(store_path, reader):
        for value in HOSTILE:
            assert checkins.history(reader, [value]).empty
            pd.testing.assert_frame_equal(checkins.history(reader, [known, value]), expected)


@pytest.mark.parametrize("limit", ["1; DROP TABLE audit_log", "1 OR 1=1", "", -1, 2**64,
                                   float("nan")])
def test_a_hostile_audit_limit_is_a_value_error(reader, store_path, limit):
    with _store_unchanged(store_path, reader), pytest.raises(ValueError):
        audit.entries(reader, limit)


def test_audit_limits_still_limit(reader, store_path):
    with _store_unchanged(store_path, reader):
        assert audit.entries(reader, 0).empty
        assert len(audit.entries(reader, 1)) == 1
        assert len(audit.entries(reader, 2**63 - 1)) == len(audit.entries(reader))


# -- identifiers that come from a file: checked or bound ---------------------------------------

EVIL_NAME = 'x"; DROP TABLE observation; --'


def _copy(store_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "dashboard.duckdb"
    shutil.copy(store_path, copy)
    return copy


def test_rollback_refuses_a_store_with_a_column_outside_the_schema(store_path, tmp_path,
                                                                   config):
    store = _copy(store_path, tmp_path)
    quoted = '"' + EVIL_NAME.replace('"', '""') + '"'
    with duckdb.connect(str(store)) as con:
        for table in ("observation", "observation_history"):
            con.execute(f"ALTER TABLE {table} ADD COLUMN {quoted} INTEGER")
        latest = con.execute("SELECT MAX(import_id) FROM import_log").fetchone()[0]
    before = _sha256(store)
    with pytest.raises(ValueError, match="outside the schema"):
        imports.rollback(store, latest, config, actor=auth.maintainer("test:maintainer"))
    assert _sha256(store) == before


def test_a_backup_with_a_hostile_table_name_is_counted_not_run(store_path, tmp_path):
    store = _copy(store_path, tmp_path)
    quoted = '"' + EVIL_NAME.replace('"', '""') + '"'
    with duckdb.connect(str(store)) as con:
        con.execute(f"CREATE TABLE {quoted} (n INTEGER)")
        con.execute(f"INSERT INTO {quoted} VALUES (1), (2)")
        observations = con.execute("SELECT COUNT(*) FROM observation").fetchone()[0]
    before = _sha256(store)
    checked = backup.check_backup(store, require_manifest=False)
    assert checked.tables[EVIL_NAME] == 2
    assert checked.tables["observation"] == observations
    assert _sha256(store) == before
