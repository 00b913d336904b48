"""The audit trail: every change to the store, with who, when, what and a content hash.

An entry is written inside the same write transaction as the change it describes, so the store
never holds a change without its entry or an entry without its change. Entries are only ever
added. The content hash is the SHA-256 of what was written: the imported file's bytes, a
check-in's fields, the config fingerprint a resync used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb
import pandas as pd

from indicators.queries import Reader

AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER NOT NULL PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL
)"""
COLUMNS = ["seq", "logged_at", "actor", "action", "target", "detail", "content_sha256"]
# what a change can be; the data page and `python -m indicators audit` name them in words
ACTIONS = ("demo_build", "import", "rollback", "checkin", "config_resync", "restore")


def content_hash(content: bytes | str | Mapping[str, object]) -> str:
    """SHA-256 of bytes, of text (UTF-8), or of a mapping as canonical JSON."""
    if isinstance(content, Mapping):
        content = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(content, str):
        content = content.encode("utf-8")
    return hashlib.sha256(content).hexdigest()


def record(con: duckdb.DuckDBPyConnection, *, actor: str, action: str, target: str,
           detail: Mapping[str, object] | None = None, sha256: str) -> int:
    """Add one entry within the caller's write transaction; returns its sequence number."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if not actor.strip():
        raise ValueError("an audit entry needs an actor")
    con.execute(AUDIT_DDL)
    seq = con.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log").fetchone()[0]
    con.execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) "  # noqa: S608 - columns from COLUMNS
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [seq, datetime.now(UTC).replace(tzinfo=None), actor, action, target,
         json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False, default=str),
         sha256])
    return int(seq)


def entries(reader: Reader, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first (empty for a store written before the trail existed)."""
    present = reader.query_df("SELECT COUNT(*) AS n FROM information_schema.tables "
                              "WHERE table_name = 'audit_log'")["n"].iloc[0]
    if not present:
        return pd.DataFrame(columns=COLUMNS)
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq DESC"  # noqa: S608 - COLUMNS
    if limit is not None:
        limit = int(limit)
        if not 0 <= limit < 2**63:
            raise ValueError(f"an audit limit is a whole number from 0 up, not {limit}")
        return reader.query_df(sql + " LIMIT ?", [limit])
    return reader.query_df(sql)


def detail_text(detail: str) -> str:
    """`{"import_id": 3, "rows": 12}` -> `import_id 3 · rows 12` for a table cell."""
    try:
        items = json.loads(detail).items()
    except (ValueError, AttributeError):
        return str(detail)
    return " · ".join(f"{key} {value}" for key, value in items)


def carry_over(con: duckdb.DuckDBPyConnection, earlier_store: str) -> int:
    """Append to this store's trail the entries of `earlier_store` (a DuckDB file) it lacks, in
    their order: a restore replaces the data, never the record of what happened. Returns how
    many entries were carried over."""
    con.execute(AUDIT_DDL)
    con.execute("ATTACH ? AS earlier (READ_ONLY)", [earlier_store])
    try:
        has_trail = con.execute(
            "SELECT COUNT(*) FROM duckdb_tables() WHERE database_name = 'earlier' "
            "AND table_name = 'audit_log'").fetchone()[0]
        if not has_trail:
            return 0
        start = con.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_log").fetchone()[0]
        before = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        con.execute(
            f"INSERT INTO audit_log ({', '.join(COLUMNS)}) "  # noqa: S608 - columns from COLUMNS
            "SELECT ? + row_number() OVER (ORDER BY e.seq), e.logged_at, e.actor, e.action, "
            "e.target, e.detail, e.content_sha256 FROM earlier.audit_log e "
            "WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.logged_at = e.logged_at "
            "AND a.actor = e.actor AND a.action = e.action AND a.target = e.target "
            "AND a.detail = e.detail AND a.content_sha256 = e.content_sha256)", [start])
        return con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] - before
    finally:
        con.execute("DETACH earlier")
