"""The store's schema: a public interface (documented in README.md).

`observation` holds unsuppressed figures for maintainers; everything that leaves the store for users
goes through the view `observation_public`, which joins `cell_disclosure` and is fail-closed: a cell
without a disclosure row counts as hidden.
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = "1"

OBSERVATION_COLUMNS = (
    "indicator_id VARCHAR NOT NULL",
    "area_code VARCHAR NOT NULL",
    "period VARCHAR NOT NULL",
    "period_start DATE NOT NULL",
    "sex VARCHAR NOT NULL CHECK (sex IN ('total', 'male', 'female'))",
    "grp VARCHAR NOT NULL",
    "value DOUBLE",
    "numerator DOUBLE",
    "denominator DOUBLE",
    "status VARCHAR NOT NULL CHECK (status IN ('final', 'preliminary'))",
    "import_id INTEGER NOT NULL",
    # TRUE for aggregates the project computed (regions, county, quarters, years, totals);
    # FALSE for figures as a source gave them. Recomputed after every import.
    "derived BOOLEAN NOT NULL DEFAULT FALSE",
)

DDL = [
    """CREATE TABLE IF NOT EXISTS store_meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS area (
        code VARCHAR PRIMARY KEY,
        name_fi VARCHAR NOT NULL,
        name_sv VARCHAR NOT NULL,
        level VARCHAR NOT NULL CHECK (level IN ('country', 'county', 'region', 'municipality')),
        parent_code VARCHAR,
        family_centre VARCHAR,
        population INTEGER,
        population_0_17 INTEGER,
        sort_order INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS indicator (
        id VARCHAR PRIMARY KEY,
        name_fi VARCHAR NOT NULL, name_sv VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
        definition_fi VARCHAR NOT NULL, definition_sv VARCHAR NOT NULL,
        definition_en VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        direction VARCHAR NOT NULL CHECK (direction IN ('up_is_good', 'down_is_good', 'neutral')),
        period_type VARCHAR NOT NULL
            CHECK (period_type IN ('year', 'term', 'quarter', 'month', 'survey')),
        source VARCHAR NOT NULL,
        licence VARCHAR NOT NULL,
        source_ref VARCHAR,
        decimals INTEGER NOT NULL,
        min_n INTEGER NOT NULL,
        themes VARCHAR[] NOT NULL
    )""",
    # observation and cell_disclosure hold one row per (indicator, area, period, sex, grp)
    # without a PRIMARY KEY: the importer writes them so and checks it after every write
    # (`ingest.check_one_row_per_cell`). The key's index made a national import's inserts 6
    # times and its deletes 100 times slower, and the store 5 to 12 times larger.
    "CREATE TABLE IF NOT EXISTS observation (\n    "
    + ",\n    ".join(OBSERVATION_COLUMNS)
    + "\n)",
    "CREATE TABLE IF NOT EXISTS observation_history (\n    "
    + ",\n    ".join(OBSERVATION_COLUMNS)
    + ",\n    replaced_by_import_id INTEGER NOT NULL\n)",
    """CREATE TABLE IF NOT EXISTS import_log (
        import_id INTEGER PRIMARY KEY,
        file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        rows INTEGER NOT NULL,
        imported_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,
        actor VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS cell_disclosure (
        indicator_id VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        sex VARCHAR NOT NULL,
        grp VARCHAR NOT NULL,
        hidden BOOLEAN NOT NULL,
        reason VARCHAR,
        min_n INTEGER NOT NULL
    )""",
    # The only way figures leave the store for users. Fail-closed: no disclosure row -> hidden.
    """CREATE OR REPLACE VIEW observation_public AS
    SELECT o.indicator_id, o.area_code, o.period, o.period_start, o.sex, o.grp,
           CASE WHEN COALESCE(NOT d.hidden, FALSE) THEN o.value END AS value,
           CASE WHEN COALESCE(NOT d.hidden, FALSE) THEN o.numerator END AS numerator,
           CASE WHEN COALESCE(NOT d.hidden, FALSE) THEN o.denominator END AS denominator,
           NOT COALESCE(NOT d.hidden, FALSE) AS suppressed,
           o.status, o.derived
    FROM observation o
    LEFT JOIN cell_disclosure d
      ON d.indicator_id = o.indicator_id AND d.area_code = o.area_code
     AND d.period = o.period AND d.sex = o.sex AND d.grp = o.grp""",
]


KEYLESS_TABLES = ("observation", "cell_disclosure")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view (idempotent) and record the schema version. A store made
    before `KEYLESS_TABLES` lost their PRIMARY KEY gets them rebuilt without it, rows kept."""
    keyed = {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
        "AND schema_name = 'main' AND list_contains(?, table_name)",
        [list(KEYLESS_TABLES)]).fetchall()}
    for table in sorted(keyed):
        con.execute("DROP VIEW IF EXISTS observation_public")  # it reads both; made again below
        con.execute(f"ALTER TABLE {table} RENAME TO {table}_keyed")  # noqa: S608 - fixed names
    for statement in DDL:
        con.execute(statement)
    for table in sorted(keyed):
        con.execute(f"INSERT INTO {table} SELECT * FROM {table}_keyed")  # noqa: S608 - KEYLESS_TABLES
        con.execute(f"DROP TABLE {table}_keyed")  # noqa: S608 - fixed table names
    con.execute(
        "INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
    )
