"""The store's schema: observation and cell_disclosure keep one row per cell without a key."""

from __future__ import annotations

import duckdb

from indicators import schema


def _keyed_ddl() -> list[str]:
    """The DDL as stores were made before `schema.KEYLESS_TABLES` lost their PRIMARY KEY."""
    key = "PRIMARY KEY (indicator_id, area_code, period, sex, grp)"
    out = []
    for statement in schema.DDL:
        if statement.startswith("CREATE TABLE IF NOT EXISTS observation ("):
            statement = statement.removesuffix("\n)") + f",\n    {key}\n)"
        elif statement.startswith("CREATE TABLE IF NOT EXISTS cell_disclosure ("):
            statement = statement.replace("min_n INTEGER NOT NULL\n",
                                          f"min_n INTEGER NOT NULL, {key}\n")
        out.append(statement)
    return out


def _keyed_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()}


def test_a_new_store_has_no_key_on_the_cell_tables(tmp_path):
    with duckdb.connect(str(tmp_path / "new.duckdb")) as con:
        schema.create_schema(con)
        assert not _keyed_tables(con) & set(schema.KEYLESS_TABLES)
        assert {"area", "indicator", "store_meta", "import_log"} <= _keyed_tables(con)


def test_an_older_store_loses_the_keys_and_keeps_its_rows(tmp_path):
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        for statement in _keyed_ddl():
            con.execute(statement)
        assert set(schema.KEYLESS_TABLES) <= _keyed_tables(con)
        con.execute("INSERT INTO observation VALUES ('a', 'KU061', '2024', DATE '2024-01-01', "
                    "'total', 'total', 12.5, 5, 40, 'final', 1, FALSE)")
        con.execute("INSERT INTO cell_disclosure VALUES "
                    "('a', 'KU061', '2024', 'total', 'total', FALSE, NULL, 5)")
        schema.create_schema(con)
        assert not _keyed_tables(con) & set(schema.KEYLESS_TABLES)
        assert con.execute("SELECT indicator_id, value, suppressed FROM observation_public"
                           ).fetchall() == [("a", 12.5, False)]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not any(name.endswith("_keyed") for name in tables)
        schema.create_schema(con)  # again: nothing left to change
        assert con.execute("SELECT COUNT(*) FROM cell_disclosure").fetchone() == (1,)
