"""Backups of the store and restoring one, each checked before it is trusted.

A backup is two files in a directory: `dashboard-<UTC yyyymmddTHHMMSSZ>.duckdb`, a byte copy of
one complete version of the store, and its manifest `dashboard-<same>.json` (sha256 and size of
the copy, when it was made, the store's `schema_version`, `dataset` and `as_of`, and the row count
of every table).

Taking a backup never blocks writers. Writers never change the store file in place: they
`os.replace` a new file onto the path (see `indicators.store`). So a backup pins the current
version (a private hard link beside the store, the way `StoreReader` does, and a file descriptor
on it) and copies from that descriptor: whatever writers do meanwhile, the copy is one complete
version, the one current when the backup started. The copy goes to a temporary name in the target
directory, is fsynced and renamed; then it is read back and verified against the manifest.

Restoring checks the backup completely before touching anything (manifest, size, sha256, DuckDB
opens it read-only, the current schema's tables and `schema_version`, the row counts). Only then,
under the same exclusive lock writers take, it saves the current store as a `pre-restore-…` backup
in `<store dir>/backups/`, copies the backup to a temporary file beside the store, checks that the
copied bytes are the ones verified, and `os.replace`s it onto the store. Open `StoreReader`s follow
the swap exactly as they follow a write.

POSIX only, like `indicators.store`.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from indicators import audit, auth
from indicators.schema import SCHEMA_VERSION, create_schema
from indicators.store import (
    StoreError,
    StoreLockedError,
    StoreMissingError,
    _exclusive_lock,
    _fsync_path,
    _live_links,
    _live_links_lock,
    _remove_stale_temp_files,
    _temp_prefix,
    lock_path,
    versions_dir,
)

__all__ = [
    "BackupCheckError",
    "BackupError",
    "BackupResult",
    "CheckedBackup",
    "RestoreCancelled",
    "RestoreResult",
    "check_backup",
    "create_backup",
    "manifest_path",
    "restore_backup",
]

MANIFEST_KIND = "indicator-store-backup"
MANIFEST_FORMAT = 1
BACKUP_PREFIX = "dashboard"
PRE_RESTORE_PREFIX = "pre-restore"
_CHUNK = 1024 * 1024
_link_seq = itertools.count(1)
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class BackupError(StoreError):
    """A backup could not be made or a restore could not be done; nothing was changed."""


class BackupCheckError(BackupError):
    """A backup file failed a check; the message names the file and what is wrong."""


class RestoreCancelled(BackupError):
    """The operator did not confirm the restore."""


@dataclass(frozen=True)
class BackupResult:
    """A backup written and verified."""

    path: Path
    manifest_path: Path
    manifest: dict


@dataclass(frozen=True)
class CheckedBackup:
    """A backup file that passed every check (manifest is None when restored without one)."""

    path: Path
    sha256: str
    size: int
    manifest: dict | None
    meta: dict[str, str]
    tables: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    store: Path
    source: CheckedBackup
    previous: BackupResult | None  # the pre-restore backup of the replaced store, if there was one


# -- small helpers -----------------------------------------------------------------------------


def manifest_path(backup: str | os.PathLike[str]) -> Path:
    """The manifest that belongs to a backup file: the same name with `.json`."""
    return Path(backup).with_suffix(".json")


def _sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """One chunk of the pinned store version (a function so a test can write in between)."""
    return os.pread(fd, size, offset)


def _copy_from_fd(src_fd: int, dst: Path, mode: int) -> tuple[str, int]:
    """Copy the whole file behind `src_fd` to the new file `dst` and fsync it: (sha256, size)."""
    digest = hashlib.sha256()
    offset = 0
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777)
    try:
        while chunk := _read_at(src_fd, _CHUNK, offset):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
            digest.update(chunk)
            offset += len(chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
    return digest.hexdigest(), offset


def _write_json(path: Path, data: dict, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Contents:
    tables: dict[str, int]
    columns: dict[str, set[str]]
    views: set[str]
    meta: dict[str, str]


def _inspect(path: Path, what: str) -> _Contents:
    """Open a DuckDB file read-only and list its tables (with row counts), views and store_meta."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupCheckError(f"{what} {path} is not a DuckDB database DuckDB {duckdb.__version__}"
                               f" can open read-only: {exc}") from None
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT internal ORDER BY table_name").fetchall()]
        # the names come from the file itself: bound, and read by query_table as one quoted name
        tables = {n: int(con.execute("SELECT count(*) FROM query_table(?)",
                                     [_quote(n)]).fetchone()[0])
                  for n in names}
        columns: dict[str, set[str]] = {}
        for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = 'main'").fetchall():
            columns.setdefault(table, set()).add(column)
        views = {r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT internal").fetchall()}
        meta: dict[str, str] = {}
        if "store_meta" in tables:
            meta = {str(k): str(v) for k, v in con.execute(
                "SELECT key, value FROM store_meta").fetchall()}
    except duckdb.Error as exc:
        raise BackupCheckError(f"{what} {path} opens in DuckDB but cannot be read: {exc}") from None
    finally:
        con.close()
    return _Contents(tables=tables, columns=columns, views=views, meta=meta)


def _expected_schema() -> _Contents:
    """The tables (with columns) and views the current code creates in a new store."""
    con = duckdb.connect(":memory:")
    try:
        create_schema(con)
        columns: dict[str, set[str]] = {}
        for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() "
                "WHERE schema_name = 'main'").fetchall():
            columns.setdefault(table, set()).add(column)
        tables = {r[0]: 0 for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        views = {r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
        ).fetchall()}
    finally:
        con.close()
    return _Contents(tables=tables, columns=columns, views=views, meta={})


def _check_current_schema(path: Path, contents: _Contents) -> None:
    problems = []
    if "store_meta" not in contents.tables:
        problems.append("it has no table store_meta, so it is not an indicator store")
    else:
        version = contents.meta.get("schema_version")
        if version != SCHEMA_VERSION:
            problems.append(f"its schema_version is {version!r}, this program needs "
                            f"{SCHEMA_VERSION!r}")
    expected = _expected_schema()
    missing_tables = sorted(t for t in expected.tables if t not in contents.tables)
    if missing_tables:
        problems.append("it lacks the table(s) " + ", ".join(missing_tables))
    for table in sorted(expected.tables):
        if table in contents.tables:
            missing = sorted(expected.columns.get(table, set())
                             - contents.columns.get(table, set()))
            if missing:
                problems.append(f"table {table} lacks the column(s) {', '.join(missing)}")
    missing_views = sorted(expected.views - contents.views)
    if missing_views:
        problems.append("it lacks the view(s) " + ", ".join(missing_views))
    if problems:
        raise BackupCheckError(f"{path} is not a store this program can use: "
                               + "; ".join(problems) + ".")


def _read_manifest(path: Path, manifest: Path) -> dict:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupCheckError(f"the manifest {manifest} of {path} cannot be read as JSON: "
                               f"{exc}") from None
    problems = []
    if not isinstance(data, dict):
        raise BackupCheckError(f"the manifest {manifest} of {path} is not a JSON object.")
    if data.get("kind") != MANIFEST_KIND:
        problems.append(f"kind is {data.get('kind')!r}, not {MANIFEST_KIND!r}")
    if not isinstance(data.get("sha256"), str) or not _SHA256_RE.fullmatch(data["sha256"]):
        problems.append("sha256 is missing or not 64 hexadecimal digits")
    if not isinstance(data.get("size"), int) or isinstance(data.get("size"), bool):
        problems.append("size is missing or not a whole number")
    tables = data.get("tables")
    if not isinstance(tables, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in tables.items()):
        problems.append("tables is missing or not an object of row counts")
    if problems:
        raise BackupCheckError(f"the manifest {manifest} of {path} is not valid: "
                               + "; ".join(problems) + ".")
    return data


def _compare_counts(path: Path, recorded: dict[str, int], found: dict[str, int],
                    source: str) -> None:
    problems = []
    for table in sorted(set(recorded) | set(found)):
        if table not in found:
            problems.append(f"table {table} ({recorded[table]} rows in the {source}) is missing")
        elif table not in recorded:
            problems.append(f"table {table} ({found[table]} rows) is not in the {source}")
        elif recorded[table] != found[table]:
            problems.append(f"table {table} has {found[table]} rows, the {source} says "
                            f"{recorded[table]}")
    if problems:
        raise BackupCheckError(f"{path} does not match the {source}: " + "; ".join(problems) + ".")


# -- checking a backup -------------------------------------------------------------------------


def check_backup(
    path: str | os.PathLike[str],
    *,
    require_manifest: bool = True,
    require_current_schema: bool = True,
) -> CheckedBackup:
    """Check a backup file without changing anything; raise `BackupCheckError` on any problem.

    With its manifest: size and sha256 equal the manifest's, DuckDB opens the file read-only,
    every table counts the rows the manifest records. Always (unless `require_current_schema` is
    False): the file has the current schema's tables, columns and views and `store_meta` says
    `schema_version` = `indicators.schema.SCHEMA_VERSION`. Without a manifest
    (`require_manifest=False` and none found) only the DuckDB and schema checks are possible.
    """
    path = Path(path).absolute()
    if not path.is_file():
        raise BackupCheckError(f"the backup {path} does not exist or is not a file.")
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise BackupCheckError(
            f"{path} has a write-ahead log {wal} beside it: the file was opened for writing "
            "after the backup was made, so its bytes are not the backup's any more.")
    man_path = manifest_path(path)
    manifest: dict | None = None
    if man_path.is_file():
        manifest = _read_manifest(path, man_path)
    elif require_manifest:
        raise BackupCheckError(
            f"the backup {path} has no manifest {man_path} beside it, so its integrity "
            "(sha256, size, row counts) cannot be checked. Restore a backup made by "
            "`python -m indicators backup`, or give --no-manifest to restore this file anyway "
            "with only the DuckDB and schema checks.")

    sha, size = _sha256_of(path)
    if manifest is not None:
        if size != manifest["size"]:
            raise BackupCheckError(
                f"{path} is {size} bytes but its manifest {man_path} says {manifest['size']}: "
                "the file is truncated or was changed after the backup was made.")
        if sha != manifest["sha256"]:
            raise BackupCheckError(
                f"the sha256 of {path} is {sha} but its manifest {man_path} says "
                f"{manifest['sha256']}: the file (or the manifest) was changed or damaged after "
                "the backup was made.")

    contents = _inspect(path, "the backup")
    if require_current_schema:
        _check_current_schema(path, contents)
    if manifest is not None:
        _compare_counts(path, manifest["tables"], contents.tables, f"manifest {man_path}")
        recorded = manifest.get("schema_version")
        if recorded is not None and recorded != contents.meta.get("schema_version"):
            raise BackupCheckError(
                f"{path} has schema_version {contents.meta.get('schema_version')!r} but its "
                f"manifest {man_path} says {recorded!r}.")
    # Re-hash: the bytes DuckDB just read must be the bytes that were checked.
    if _sha256_of(path) != (sha, size):
        raise BackupCheckError(f"{path} changed while it was being checked; try again.")
    return CheckedBackup(path=path, sha256=sha, size=size, manifest=manifest,
                         meta=contents.meta, tables=contents.tables)


# -- taking a backup ---------------------------------------------------------------------------


@contextlib.contextmanager
def _pinned_version(store: Path) -> Iterator[tuple[int, Path | None]]:
    """A read-only fd on the store's current version and, when the file system allows, a private
    hard link to it (in the readers' versions directory, named so readers leave it alone while
    this process lives and remove it after this process has died).

    The link is made first and the fd opened on the link, so both are the same inode however
    writers swap the store meanwhile. Without a link (hard links refused) the fd is opened on
    the store path: still one complete version, but DuckDB cannot count it independently.
    """
    name = f"backup-{os.getpid()}-{next(_link_seq)}.duckdb"
    link: Path | None = versions_dir(store) / name
    with _live_links_lock:
        _live_links.add(name)
    try:
        try:
            link.parent.mkdir(exist_ok=True)
            os.link(store, link)
        except FileNotFoundError:
            if not store.exists():
                raise StoreMissingError(f"The indicator store {store} does not exist.") from None
            raise
        except OSError:  # e.g. EPERM under protected_hardlinks, or no hard links on this fs
            link = None
        try:
            fd = os.open(link or store, os.O_RDONLY)
        except FileNotFoundError:
            raise StoreMissingError(f"The indicator store {store} does not exist.") from None
        try:
            yield fd, link
        finally:
            os.close(fd)
    finally:
        if link is not None:
            link.unlink(missing_ok=True)
        with _live_links_lock:
            _live_links.discard(name)


def _free_name(directory: Path, prefix: str, stamp: str) -> str:
    """`<prefix>-<stamp>`, or with `-2`, `-3` … when a backup of that second already exists."""
    for n in itertools.count(1):
        stem = f"{prefix}-{stamp}" if n == 1 else f"{prefix}-{stamp}-{n}"
        if not any((directory / f"{stem}{ext}").exists() for ext in (".duckdb", ".json")):
            return stem
    raise AssertionError("unreachable")


def create_backup(
    store: str | os.PathLike[str],
    directory: str | os.PathLike[str],
    *,
    prefix: str = BACKUP_PREFIX,
    now: datetime | None = None,
) -> BackupResult:
    """Write a verified backup of the store's current version into `directory` (created if
    missing): `<prefix>-<UTC yyyymmddTHHMMSSZ>.duckdb` and its manifest `.json`.

    Takes no lock and so never blocks writers: it copies from a file descriptor on the version
    current when it starts (writers replace the store file, they never change it in place).
    Raises `StoreMissingError` when there is no store and `BackupError` when the copy cannot be
    made or does not verify (nothing is left behind then).
    """
    store = Path(store).absolute()
    directory = Path(directory).absolute()
    if not store.is_file():
        raise StoreMissingError(f"The indicator store {store} does not exist.")
    store_wal = store.with_name(store.name + ".wal")
    if store_wal.exists():
        raise BackupError(
            f"{store_wal} exists: some process opened the store {store} directly for writing "
            "(not through `python -m indicators` or the dashboard), and its changes are not in the "
            "store file yet. Stop that process; the next import, rollback or check-in folds the "
            "log into the store. No backup was written.")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    stem = _free_name(directory, prefix, now.strftime("%Y%m%dT%H%M%SZ"))
    final = directory / f"{stem}.duckdb"
    final_manifest = directory / f"{stem}.json"
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp = directory / f".{final.name}.tmp-{token}"
    tmp_manifest = directory / f".{final_manifest.name}.tmp-{token}"
    renamed: list[Path] = []
    try:
        with _pinned_version(store) as (fd, link):
            st = os.fstat(fd)
            sha, size = _copy_from_fd(fd, tmp, st.st_mode)
            if size != st.st_size:
                raise BackupError(
                    f"the store {store} changed size while it was copied ({st.st_size} -> {size}"
                    " bytes): a process is writing to it directly. No backup was written.")
            try:
                source = _inspect(link or tmp, "the copy of the store")
            except BackupCheckError as exc:
                raise BackupError(f"cannot back up the store {store}: {exc} No backup was "
                                  "written.") from None
        manifest = {
            "kind": MANIFEST_KIND,
            "format": MANIFEST_FORMAT,
            "file": final.name,
            "sha256": sha,
            "size": size,
            "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "source": str(store),
            "schema_version": source.meta.get("schema_version"),
            "dataset": source.meta.get("dataset"),
            "as_of": source.meta.get("as_of"),
            "duckdb_version": duckdb.__version__,
            "tables": source.tables,
        }
        _write_json(tmp_manifest, manifest, st.st_mode)
        # The data file first: a manifest only ever sits beside a complete copy.
        os.rename(tmp, final)
        renamed.append(final)
        os.rename(tmp_manifest, final_manifest)
        renamed.append(final_manifest)
        _fsync_path(directory, directory=True)
        try:
            check_backup(final, require_current_schema=False)
        except BackupCheckError as exc:
            raise BackupError(f"the backup {final} did not verify after writing, so it was "
                              f"deleted: {exc}") from None
    except BaseException:
        for path in (tmp, tmp_manifest, *renamed):
            path.unlink(missing_ok=True)
        raise
    return BackupResult(path=final, manifest_path=final_manifest, manifest=manifest)


# -- restoring ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _write_lock(store: Path, timeout_s: float, notify: Callable[[str], None],
                backup: Path) -> Iterator[None]:
    """The writers' exclusive lock; says so when it has to wait, explains when it gives up."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_exclusive_lock(store, 0.0))
        except StoreLockedError:
            notify(f"another writer holds the store's lock {lock_path(store)}; waiting up to "
                   f"{timeout_s:g} s")
            try:
                stack.enter_context(_exclusive_lock(store, timeout_s))
            except StoreLockedError:
                raise StoreLockedError(
                    f"cannot restore {backup}: another writer (an import, rollback, check-in or "
                    f"restore) kept the store {store} locked (lock file {lock_path(store)}) for "
                    f"more than {timeout_s:g} s. Nothing was changed; try again when it has "
                    "finished.") from None
        yield


def _record_restore(copy: Path, checked: CheckedBackup, previous: BackupResult | None,
                    actor: str) -> None:
    """In the copy about to become the store: keep the trail of the store it replaces (its
    verified pre-restore backup) and add the restore itself, before the swap, so the restored
    store never lacks them."""
    con = duckdb.connect(str(copy))
    try:
        if previous is not None:
            audit.carry_over(con, str(previous.path))
        audit.record(con, actor=actor, action="restore", target=checked.path.name,
                     detail={"previous": previous.path.name if previous else None},
                     sha256=checked.sha256)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = copy.with_name(copy.name + ".wal")
    if wal.exists():  # as write_transaction: never swap in a file whose changes sit in a log
        wal.unlink()
        raise BackupError(f"DuckDB left a WAL file {wal} after closing; nothing was restored.")


def restore_backup(
    backup: str | os.PathLike[str],
    store: str | os.PathLike[str],
    *,
    actor: auth.Principal,
    require_manifest: bool = True,
    lock_timeout_s: float = 60.0,
    confirm: Callable[[CheckedBackup], bool] | None = None,
    notify: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> RestoreResult:
    """Replace the store with a backup, after checking the backup completely.

    Raises `BackupCheckError` (the backup failed a check), `RestoreCancelled` (`confirm` said
    no), `StoreLockedError` (another writer held the lock longer than `lock_timeout_s`) or
    `BackupError` (the current store could not be saved first); in every case the store is
    unchanged. `confirm` is asked after the checks and before the lock is taken. Maintainers
    only (`auth.NotAllowedError` before anything is read).
    """
    name = auth.require_writer(actor, "restore")
    notify = notify or (lambda message: None)
    store = Path(store).absolute()
    checked = check_backup(backup, require_manifest=require_manifest)
    if checked.manifest is None:
        notify(f"warning: {checked.path} has no manifest, so only DuckDB and the schema were "
               "checked (not its sha256, size or row counts)")
    if confirm is not None and not confirm(checked):
        raise RestoreCancelled(f"restore of {checked.path} cancelled; the store {store} is "
                               "unchanged.")
    store.parent.mkdir(parents=True, exist_ok=True)
    with _write_lock(store, lock_timeout_s, notify, checked.path):
        _remove_stale_temp_files(store)
        previous: BackupResult | None = None
        if store.exists():
            try:
                previous = create_backup(store, store.parent / "backups",
                                         prefix=PRE_RESTORE_PREFIX, now=now)
            except BackupError as exc:
                raise BackupError(f"cannot restore {checked.path}: the current store could not "
                                  f"be saved first, so nothing was changed. {exc}") from None
            notify(f"saved the current store as {previous.path} (verified)")
        tmp = store.with_name(f"{_temp_prefix(store)}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            mode = os.stat(store).st_mode if store.exists() else 0o644
            src = os.open(checked.path, os.O_RDONLY)
            try:
                sha, size = _copy_from_fd(src, tmp, mode)
            finally:
                os.close(src)
            if (sha, size) != (checked.sha256, checked.size):
                raise BackupCheckError(
                    f"{checked.path} changed after it was checked (sha256 now {sha}); nothing "
                    "was restored.")
            _record_restore(tmp, checked, previous, name)
            _fsync_path(tmp)
            os.replace(tmp, store)
        except BaseException:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            raise
        # Like a write: a WAL left by a direct opener belongs to the replaced file.
        store.with_name(store.name + ".wal").unlink(missing_ok=True)
        _fsync_path(store.parent, directory=True)
    return RestoreResult(store=store, source=checked, previous=previous)
