"""Importing a file end to end: read → personal-data guard → validate → atomic, idempotent write.

Every write goes through `store.write_transaction`, so a rejected or failed import leaves the store
byte-for-byte unchanged. Rejections are appended to `<store>.rejections.log` (JSON lines) with the
file name, its hash and the problem codes and places, never cell values.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from indicators import audit, auth
from indicators.bulk_check import BulkResult, check_canonical_csv
from indicators.config import Config
from indicators.ingest import (
    STORE_COLUMNS,
    NothingChanged,
    PopulationMissing,
    check_one_row_per_cell,
    import_observations,
    refresh_disclosure_of,
)
from indicators.personal_data import mask_personal_text
from indicators.problems import InputError, Problem
from indicators.readers import RawTable, read_table
from indicators.store import write_transaction
from indicators.validate import (
    COLUMN_ALIASES,
    ValidationResult,
    normalise_header,
    validate_table,
)

KNOWN_HEADERS = {normalise_header(alias) for aliases in COLUMN_ALIASES.values()
                 for alias in aliases}

def _max_bytes_from_env() -> int:
    """The size limit of one imported file: env `DASHBOARD_MAX_IMPORT_MB` (default 20 MB)."""
    try:
        megabytes = float(os.environ.get("DASHBOARD_MAX_IMPORT_MB", "20"))
    except ValueError:
        megabytes = 20.0
    return int(max(megabytes, 0.001) * 1_000_000)


DEFAULT_MAX_BYTES = _max_bytes_from_env()
MAX_LISTED = 20  # problems found while storing (a missing population) listed one by one


@dataclass
class ImportReport:
    file: str
    sha256: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)
    import_id: int | None = None
    changed: int = 0
    unchanged: bool = False
    preview: pd.DataFrame | None = None  # the file's first rows, only when no personal data
    # seconds per phase: read_s, scan_s, validate_s (checks), write_s (aggregates and disclosure
    # control), of which disclosure_s, and replace_s (copy, commit, atomic swap of the store)
    phases: dict[str, float] = field(default_factory=dict)
    checked_by: str = "detailed"  # "sql": every row passed the SQL gate (bulk_check)

    @property
    def ok(self) -> bool:
        return not self.problems


class RollbackError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.code)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path, config: Config, *, display_name: str | None = None,
               sheet: str | None = None, regions_path: Path | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[ImportReport, ValidationResult | None]:
    """Read and validate without writing anything."""
    name = mask_personal_text(display_name or path.name)  # a file may be named after a person
    report = ImportReport(file=name, sha256=file_hash(path))
    bulk = _sql_checked(path, name, config, max_bytes)
    if bulk is not None:
        report.rows, report.preview, report.phases = len(bulk.rows), bulk.preview, bulk.phases
        report.checked_by = "sql"
        return report, ValidationResult(bulk.rows, [])
    started = time.perf_counter()
    try:
        raw: RawTable = read_table(path, display_name=name, sheet=sheet,
                                   regions_path=regions_path, known_areas=set(config.areas),
                                   max_bytes=max_bytes)
    except InputError as exc:
        report.problems = [_before_the_guard(p) for p in exc.problems]
        return report, None
    report.phases["read_s"] = time.perf_counter() - started
    result = validate_table(raw, config, phases=report.phases)
    report.problems = result.problems
    report.notes = result.notes
    report.rows = len(result.rows)
    if not any(p.code.startswith(("personal", "row_per_person")) for p in result.problems):
        report.preview = raw.frame.head(20)
    return report, result


def _sql_checked(path: Path, name: str, config: Config, max_bytes: int) -> BulkResult | None:
    """The SQL gate's result for a canonical CSV within the size limit, else None."""
    try:
        if path.suffix.lower() != ".csv" or not 0 < path.stat().st_size <= max_bytes:
            return None
        return check_canonical_csv(path, name, config)
    except OSError:
        return None  # the detailed reader reports an unreadable file


def _before_the_guard(problem: Problem) -> Problem:
    """A reading problem comes before the personal-data guard could look at the cells, so it
    carries no cell value, and a column only when its name is one of the documented aliases."""
    column = problem.column
    if column is not None and normalise_header(column) not in KNOWN_HEADERS:
        column = None
    params = {k: mask_personal_text(v) if isinstance(v, str) else v
              for k, v in problem.params.items()}
    return replace(problem, column=column, value=None, params=params)


def import_file(path: Path, config: Config, store_path: Path, *, actor: auth.Principal,
                source: str = "file", display_name: str | None = None, sheet: str | None = None,
                regions_path: Path | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES,
                lock_timeout_s: float = 60.0,
                also: Callable[[duckdb.DuckDBPyConnection, ImportReport], None] | None = None,
                ) -> ImportReport:
    """Validate and import one file; on any problem the store is left unchanged.

    Waits up to `lock_timeout_s` for another writer to finish, then raises `StoreLockedError`
    (nothing changed). Refuses anyone but a maintainer (`auth.NotAllowedError`) before reading.
    `also(con, report)` runs in the same transaction after the rows are stored, with the
    report's `import_id` and `changed` set (a refresh from an open-data source records its
    provenance with them); when the file changes nothing, it runs in a transaction of its own
    with `report.unchanged` set and no import id.
    """
    name = auth.require_writer(actor, "import")
    report, result = check_file(path, config, display_name=display_name, sheet=sheet,
                                regions_path=regions_path, max_bytes=max_bytes)
    if report.problems or result is None:
        log_rejection(store_path, report, name)
        return report
    started = time.perf_counter()
    written = started
    try:
        with write_transaction(store_path, actor=actor, lock_timeout_s=lock_timeout_s) as con:
            opened = time.perf_counter()
            import_id, changed = import_observations(
                con, result.rows, config, file=report.file, sha256=report.sha256,
                source=source, actor=name, skip_if_unchanged=True, phases=report.phases)
            audit.record(con, actor=name, action="import", target=report.file,
                         detail={"import_id": import_id, "rows": report.rows,
                                 "changed": changed, "source": source},
                         sha256=report.sha256)
            if also is not None:
                report.import_id, report.changed = import_id, changed
                also(con, report)
            written = time.perf_counter()
    except PopulationMissing as missing:  # the transaction was discarded: nothing changed
        report.import_id, report.changed = None, 0
        report.problems = [
            Problem("population_missing", report.file,
                    params={"indicator": indicator, "area": area, "period": period,
                            "population": population})
            for indicator, area, period, _, _, population in missing.cells[:MAX_LISTED]]
        if len(missing.cells) > MAX_LISTED:
            report.problems.append(Problem("more_problems", report.file,
                                           params={"count": len(missing.cells) - MAX_LISTED,
                                                   "code": "population_missing"}))
        log_rejection(store_path, report, name)
        return report
    except NothingChanged:
        report.unchanged = True
        report.import_id, report.changed = None, 0
        if also is not None:
            with write_transaction(store_path, actor=actor, lock_timeout_s=lock_timeout_s) as con:
                also(con, report)
        return report
    report.phases["write_s"] = written - opened
    report.phases["replace_s"] = (opened - started) + (time.perf_counter() - written)
    report.import_id, report.changed = import_id, changed
    return report


def rollback(store_path: Path, import_id: int, config: Config, *, actor: auth.Principal,
             lock_timeout_s: float = 60.0) -> tuple[int, int]:
    """Return `observation` exactly to its state before import `import_id` (the latest one).

    Rows it replaced come back with their old import id; rows it added are removed; disclosure is
    recomputed. Returns (rows restored, rows removed). Maintainers only.
    """
    name = auth.require_writer(actor, "rollback")
    with write_transaction(store_path, actor=actor, lock_timeout_s=lock_timeout_s) as con:
        active = con.execute(
            "SELECT import_id FROM import_log WHERE outcome = 'ok' ORDER BY import_id DESC"
        ).fetchall()
        ids = [row[0] for row in active]
        if import_id not in ids:
            raise RollbackError(Problem("rollback_unknown", str(store_path.name),
                                        params={"import_id": import_id}))
        if ids[0] != import_id:
            raise RollbackError(Problem("rollback_not_latest", str(store_path.name),
                                        params={"import_id": import_id, "latest": ids[0]}))
        affected = [r[0] for r in con.execute(
            "SELECT indicator_id FROM observation WHERE import_id = ? UNION "
            "SELECT indicator_id FROM observation_history WHERE replaced_by_import_id = ?",
            [import_id, import_id]).fetchall()]
        removed = con.execute("SELECT COUNT(*) FROM observation WHERE import_id = ?",
                              [import_id]).fetchone()[0]
        con.execute("DELETE FROM observation WHERE import_id = ?", [import_id])
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'observation' "
            "ORDER BY ordinal_position").fetchall()]
        unknown = sorted(set(columns) - set(STORE_COLUMNS))
        if unknown:  # the names come from the store file: only the schema's own may be spliced in
            raise ValueError(f"observation has columns outside the schema: {unknown}")
        column_list = ", ".join(columns)
        restored = con.execute(
            "SELECT COUNT(*) FROM observation_history WHERE replaced_by_import_id = ?",
            [import_id]).fetchone()[0]
        con.execute(
            f"INSERT INTO observation ({column_list}) "  # noqa: S608 - all in STORE_COLUMNS
            f"SELECT {column_list} FROM observation_history WHERE replaced_by_import_id = ?",
            [import_id])
        con.execute("DELETE FROM observation_history WHERE replaced_by_import_id = ?",
                    [import_id])
        check_one_row_per_cell(con, sorted(set(affected)))
        con.execute("UPDATE import_log SET outcome = 'rolled_back' WHERE import_id = ?",
                    [import_id])
        refresh_disclosure_of(con, sorted(set(affected)), config)
        file, file_sha = con.execute("SELECT file, sha256 FROM import_log WHERE import_id = ?",
                                     [import_id]).fetchone()
        audit.record(con, actor=name, action="rollback", target=str(file),
                     detail={"import_id": import_id, "restored": restored, "removed": removed},
                     sha256=file_sha)
    return int(restored), int(removed)


def rejection_log_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".rejections.log")


def log_rejection(store_path: Path, report: ImportReport, actor: str) -> None:
    """Append a rejection beside the store: codes and places only, never values."""
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "file": report.file,
        "sha256": report.sha256,
        "actor": actor,
        "problems": [{"code": p.code, "row": p.row,
                      "column": None if p.column is None else mask_personal_text(p.column)}
                     for p in report.problems[:200]],
    }
    path = rejection_log_path(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
