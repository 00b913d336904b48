"""Where open-data figures came from: the refresh log and each source's indicator metadata.

Both tables are created by the first refresh (like the audit trail), so stores written before
refreshes existed, and their backups, stay valid; the readers below treat a missing table as
"never refreshed". Failed refreshes never touch the store: they are appended to
`<store>.fetch.log` (JSON lines, no data values) so the data page can say that the last attempt
failed and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from indicators.queries import Reader

REFRESH_DDL = """CREATE TABLE IF NOT EXISTS source_refresh (
    refresh_id INTEGER PRIMARY KEY,
    source VARCHAR NOT NULL,
    refreshed_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    base_url VARCHAR NOT NULL,
    requests INTEGER NOT NULL,
    from_cache BOOLEAN NOT NULL,
    raw_dir VARCHAR NOT NULL,
    import_id INTEGER,
    rows INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    detail VARCHAR NOT NULL
)"""
METADATA_DDL = """CREATE TABLE IF NOT EXISTS source_metadata (
    indicator_id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    source_ref VARCHAR NOT NULL,
    title_fi VARCHAR NOT NULL, title_sv VARCHAR NOT NULL, title_en VARCHAR NOT NULL,
    description_fi VARCHAR NOT NULL, description_sv VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    decimals INTEGER,
    limits VARCHAR,
    organisation VARCHAR NOT NULL,
    data_updated VARCHAR,
    fetched_at TIMESTAMP NOT NULL,
    refresh_id INTEGER NOT NULL
)"""
METADATA_FIELDS = ("title_fi", "title_sv", "title_en", "description_fi", "description_sv",
                   "description_en", "decimals", "limits", "organisation", "data_updated")
REFRESH_COLUMNS = ("refresh_id", "source", "refreshed_at", "actor", "base_url", "requests",
                   "from_cache", "raw_dir", "import_id", "rows", "changed", "detail")
METADATA_COLUMNS = ("indicator_id", "source", "source_ref", *METADATA_FIELDS, "fetched_at",
                    "refresh_id")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(REFRESH_DDL)
    con.execute(METADATA_DDL)


def changes_of_import(con: duckdb.DuckDBPyConnection, import_id: int | None) -> dict[str, dict]:
    """Per indicator, how many of the source's own cells an import added and changed
    (computed aggregates are left out: they follow from these)."""
    if import_id is None:
        return {}
    rows = con.execute(
        """SELECT o.indicator_id,
                  COUNT(*) FILTER (WHERE h.indicator_id IS NULL) AS added,
                  COUNT(*) FILTER (WHERE h.indicator_id IS NOT NULL) AS changed
           FROM observation o
           LEFT JOIN observation_history h
             ON h.replaced_by_import_id = o.import_id AND h.indicator_id = o.indicator_id
            AND h.area_code = o.area_code AND h.period = o.period AND h.sex = o.sex
            AND h.grp = o.grp
           WHERE o.import_id = ? AND NOT o.derived
           GROUP BY o.indicator_id ORDER BY o.indicator_id""", [import_id]).fetchall()
    return {str(r[0]): {"added": int(r[1]), "changed": int(r[2])} for r in rows}


def store_metadata(con: duckdb.DuckDBPyConnection, records: Iterable[Mapping[str, Any]],
                   *, refresh_id: int, fetched_at: datetime) -> list[dict[str, Any]]:
    """Insert or replace each indicator's source metadata; returns what differs from before
    (`[{"indicator_id", "field", "old", "new"}]`, a first fetch shows as `old` None). A
    record's own `fetched_at` (when the source gave it: older for stored answers re-used with
    `--from-cache`) wins over `fetched_at`, which the citation's "Viitattu" date comes from."""
    ensure_tables(con)
    changes: list[dict[str, Any]] = []
    for record in records:
        indicator_id = str(record["indicator_id"])
        before = con.execute(
            f"SELECT {', '.join(METADATA_FIELDS)} FROM source_metadata "  # noqa: S608 - fixed
            "WHERE indicator_id = ?", [indicator_id]).fetchone()
        old = dict(zip(METADATA_FIELDS, before, strict=True)) if before else {}
        for name in ("title_fi", "data_updated", "decimals", "limits", "organisation"):
            if old.get(name) != record.get(name):
                changes.append({"indicator_id": indicator_id, "field": name,
                                "old": old.get(name), "new": record.get(name)})
        con.execute("DELETE FROM source_metadata WHERE indicator_id = ?", [indicator_id])
        when = _naive_utc(str(record.get("fetched_at") or fetched_at.isoformat()))
        values = [indicator_id, record["source"], record["source_ref"],
                  *(record.get(name) for name in METADATA_FIELDS), when.to_pydatetime(),
                  refresh_id]
        con.execute(
            f"INSERT INTO source_metadata ({', '.join(METADATA_COLUMNS)}) "  # noqa: S608 - fixed
            f"VALUES ({', '.join('?' for _ in METADATA_COLUMNS)})", values)
    return changes


def record_refresh(con: duckdb.DuckDBPyConnection, *, source: str, actor: str, base_url: str,
                   requests: int, from_cache: bool, raw_dir: str, import_id: int | None,
                   rows: int, changed: int, detail: Mapping[str, Any],
                   refreshed_at: datetime) -> int:
    """Append one successful refresh (also one that changed nothing); returns its id."""
    refresh_id = next_refresh_id(con)
    con.execute(
        f"INSERT INTO source_refresh ({', '.join(REFRESH_COLUMNS)}) "  # noqa: S608 - fixed
        f"VALUES ({', '.join('?' for _ in REFRESH_COLUMNS)})",
        [refresh_id, source, refreshed_at.replace(tzinfo=None), actor, base_url, requests,
         from_cache, raw_dir, import_id, rows, changed,
         json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, default=str)])
    return int(refresh_id)


def next_refresh_id(con: duckdb.DuckDBPyConnection) -> int:
    ensure_tables(con)
    return int(con.execute(
        "SELECT COALESCE(MAX(refresh_id), 0) + 1 FROM source_refresh").fetchone()[0])


# -- reading --------------------------------------------------------------------------------


def _present(reader: Reader, table: str) -> bool:
    found = reader.query_df("SELECT COUNT(*) AS n FROM information_schema.tables "
                            "WHERE table_name = ?", [table])["n"].iloc[0]
    return bool(found)


def refreshes(reader: Reader) -> pd.DataFrame:
    """Every successful refresh, newest first, with the outcome of its import
    (`import_outcome`: ok, rolled_back, or empty when nothing changed)."""
    if not _present(reader, "source_refresh"):
        return pd.DataFrame(columns=[*REFRESH_COLUMNS, "import_outcome"])
    return reader.query_df(
        f"SELECT {', '.join('r.' + c for c in REFRESH_COLUMNS)}, "  # noqa: S608 - fixed columns
        "l.outcome AS import_outcome FROM source_refresh r "
        "LEFT JOIN import_log l ON l.import_id = r.import_id ORDER BY r.refresh_id DESC")


def metadata_of(reader: Reader, indicator_id: str) -> dict[str, Any] | None:
    """The stored source metadata of one indicator, or None (never fetched)."""
    if not _present(reader, "source_metadata"):
        return None
    frame = reader.query_df(
        f"SELECT {', '.join(METADATA_COLUMNS)} FROM source_metadata "  # noqa: S608 - fixed
        "WHERE indicator_id = ?", [indicator_id])
    if frame.empty:
        return None
    record = frame.iloc[0].to_dict()
    return {k: (None if _missing(v) else v) for k, v in record.items()}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- failed attempts (beside the store, never in it) ----------------------------------------


def failure_log_path(store_path: Path) -> Path:
    return Path(store_path).with_name(Path(store_path).name + ".fetch.log")


def log_failure(store_path: Path, *, source: str, actor: str, code: str,
                params: Mapping[str, Any], at: datetime | None = None) -> None:
    """Append a failed refresh: the message code and its parameters (URLs, file names, row
    numbers), never cell values."""
    entry = {"at": (at or datetime.now(UTC)).isoformat(timespec="microseconds"),
             "source": source,
             "actor": actor, "code": code,
             "params": {k: v for k, v in params.items() if isinstance(v, str | int | float)}}
    path = failure_log_path(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def last_failures(store_path: Path) -> dict[str, dict[str, Any]]:
    """The latest failed attempt per source."""
    path = failure_log_path(store_path)
    out: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("source"), str):
            out[entry["source"]] = entry
    return out


# -- what the pages show -------------------------------------------------------------------


def citation(meta: Mapping[str, Any], lang: str = "fi") -> str:
    """The source's own citation form for an indicator's fetched metadata: THL's for Sotkanet
    ("Tilasto- ja indikaattoripankki Sotkanet. THL. <title> (ind. N). Viitattu <date>.")."""
    from indicators.formatting import format_date
    from indicators.i18n import t
    from indicators.sotkanet import sotkanet_id

    fetched = pd.Timestamp(meta["fetched_at"]).date()
    title = str(meta.get(f"title_{lang}") or meta.get("title_fi") or "")
    if meta.get("source") == "sotkanet":
        return t("fetch.citation.sotkanet", lang, title=title,
                 number=sotkanet_id(str(meta.get("source_ref"))),
                 date=format_date(fetched, lang))
    return t("fetch.citation.statfin", lang, title=title, date=format_date(fetched, lang))


def source_status(reader: Reader, store_path: Path) -> dict[str, dict[str, Any]]:
    """Per stored source ("sotkanet", "statfin"): its latest successful refresh (None if never)
    with what changed, and its latest failed attempt when that came after it."""
    done = refreshes(reader)
    failures = last_failures(store_path)
    out: dict[str, dict[str, Any]] = {}
    for source in ("sotkanet", "statfin"):
        mine = done[done["source"] == source]
        latest = None
        if not mine.empty:
            row = mine.iloc[0].to_dict()
            latest = {k: (None if _missing(v) else v) for k, v in row.items()}
            latest["detail"] = json.loads(str(latest["detail"]))
        failure = failures.get(source)
        if failure is not None and latest is not None and _naive_utc(
                failure["at"]) <= pd.Timestamp(latest["refreshed_at"]):
            failure = None  # an older failure, already put right
        out[source] = {"latest": latest, "failure": failure, "count": int(len(mine))}
    return out


def _naive_utc(text: str) -> pd.Timestamp:
    stamp = pd.Timestamp(text)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
