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
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq DESC"
    if limit is not None:
        return reader.query_df(sql + " LIMIT ?", [int(limit)])
    return reader.query_df(sql)


def detail_text(detail: str) -> str:
    """`{"import_id": 3, "rows": 12}` -> `import_id 3 · rows 12` for a table cell."""
    try:
        items = json.loads(detail).items()
    except (ValueError, AttributeError):
        return str(detail)
    return " · ".join(f"{key} {value}" for key, value in items)
