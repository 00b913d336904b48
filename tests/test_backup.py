"""Backups and restores of the store: consistent copies, checked before they are trusted."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from indicators import audit, auth, backup
from indicators.backup import (
    BackupCheckError,
    BackupError,
    RestoreCancelled,
    check_backup,
    create_backup,
    manifest_path,
    restore_backup,
)
from indicators.settings import REPO_ROOT
from indicators.store import (
    StoreLockedError,
    StoreReader,
    _exclusive_lock,
    lock_path,
    versions_dir,
    write_transaction,
)

AS_OF = "2026-10-31"


@pytest.fixture
def store(store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the session's fixture store (never the fixture itself)."""
    path = tmp_path / "site" / "dashboard.duckdb"
    path.parent.mkdir()
    shutil.copyfile(store_path, path)
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1").fetchall()]


def _content(path: Path) -> dict[str, str]:
    """A hash of every table's rows (`SELECT * … ORDER BY ALL`), by table name; the audit
    trail apart (a restore adds to it: see `_trail`)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: hashlib.sha256(repr(con.execute(
                    f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()).encode()).hexdigest()
                for t in _tables(con) if t != "audit_log"}


def _trail(path: Path) -> list[tuple[str, str, str]]:
    """The audit trail, oldest first: (action, actor, target)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return [tuple(r) for r in con.execute(
            "SELECT action, actor, target FROM audit_log ORDER BY seq").fetchall()]


def _meta(path: Path, key: str) -> str | None:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT value FROM store_meta WHERE key = ?", [key]).fetchone()
    return None if row is None else row[0]


def _change(store: Path) -> None:
    """A write like an import: fewer observations and a new as_of."""
    with write_transaction(store, actor=auth.maintainer("test:change")) as con:
        con.execute("DELETE FROM observation WHERE area_code = 'KU061'")
        con.execute("UPDATE store_meta SET value = '2099-01-01' WHERE key = 'as_of'")
        audit.record(con, actor="test:change", action="import", target="change.csv",
                     sha256="1" * 64)


def _leftovers(store: Path) -> list[str]:
    """Temp files beside the store and backup links in the readers' directory."""
    names = [p.name for p in store.parent.iterdir() if ".tmp-" in p.name]
    links = versions_dir(store)
    if links.exists():
        names += [p.name for p in links.iterdir() if p.name.startswith("backup-")]
    return names


# -- backup ------------------------------------------------------------------------------------


def test_backup_writes_a_verified_copy_and_manifest(store: Path, tmp_path: Path) -> None:
    before = _sha(store)
    result = create_backup(store, tmp_path / "bk" / "new")
    assert re.fullmatch(r"dashboard-\d{8}T\d{6}Z\.duckdb", result.path.name)
    assert result.manifest_path == manifest_path(result.path) == result.path.with_suffix(".json")
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest == result.manifest
    assert manifest["sha256"] == _sha(result.path) == before
    assert manifest["size"] == result.path.stat().st_size == store.stat().st_size
    created = datetime.fromisoformat(manifest["created_at"])
    assert manifest["created_at"].endswith("Z") and created.tzinfo is not None
    assert result.path.name == f"dashboard-{created.strftime('%Y%m%dT%H%M%SZ')}.duckdb"
    assert (manifest["schema_version"], manifest["dataset"], manifest["as_of"]) == ("1", "demo",
                                                                                     AS_OF)
    with duckdb.connect(str(store), read_only=True) as con:
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in _tables(con)}
    assert manifest["tables"] == counts and counts["observation"] > 1000
    assert sorted(p.name for p in result.path.parent.iterdir()) == sorted(
        [result.path.name, result.manifest_path.name])
    assert _sha(store) == before and _leftovers(store) == []
    assert check_backup(result.path).sha256 == before


def test_two_backups_in_one_second_get_distinct_names(store: Path, tmp_path: Path) -> None:
    now = datetime(2026, 11, 2, 8, 30, 5, tzinfo=UTC)
    first = create_backup(store, tmp_path / "bk", now=now)
    second = create_backup(store, tmp_path / "bk", now=now)
    assert first.path.name == "dashboard-20261102T083005Z.duckdb"
    assert second.path.name == "dashboard-20261102T083005Z-2.duckdb"
    assert first.manifest["created_at"] == "2026-11-02T08:30:05Z"
    assert check_backup(second.path).sha256 == first.manifest["sha256"]


def test_backup_copies_the_version_current_when_it_started(store: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    """A writer swapping the store in the middle of the copy does not reach the backup."""
    before, before_content = _sha(store), _content(store)
    calls = []
    read_at = backup._read_at

    def read_then_write(fd: int, size: int, offset: int) -> bytes:
        calls.append(offset)
        if len(calls) == 2:
            _change(store)  # replaces the store file between two chunks of the copy
        return read_at(fd, size, offset)

    monkeypatch.setattr(backup, "_CHUNK", 256 * 1024)
    monkeypatch.setattr(backup, "_read_at", read_then_write)
    result = create_backup(store, tmp_path / "bk")
    assert len(calls) > 3
    assert _sha(store) != before and _meta(store, "as_of") == "2099-01-01"
    assert result.manifest["sha256"] == before and result.manifest["as_of"] == AS_OF
    assert _content(result.path) == before_content
    assert _leftovers(store) == []


def test_backup_during_concurrent_writes_is_always_a_complete_version(store: Path,
                                                                      tmp_path: Path) -> None:
    """Every write adds probe row k and sets store_meta probe = k together; a backup taken
    meanwhile must hold a state some write committed: k rows and probe = k, never a mix."""
    with write_transaction(store, actor=auth.maintainer("test:setup")) as con:
        con.execute("CREATE TABLE probe (k INTEGER NOT NULL)")
        con.execute("INSERT INTO store_meta VALUES ('probe', '0')")
    writes, stop, errors = 12, threading.Event(), []

    def writer() -> None:
        try:
            for k in range(1, writes + 1):
                with write_transaction(store, actor=auth.maintainer("test:writer")) as con:
                    con.execute("INSERT INTO probe VALUES (?)", [k])
                    time.sleep(0.02)  # a writer mid-way: its copy holds the row, not yet probe
                    con.execute("UPDATE store_meta SET value = ? WHERE key = 'probe'", [str(k)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    seen = []
    try:
        while not stop.is_set() or len(seen) < 2:
            result = create_backup(store, tmp_path / "bk")
            with duckdb.connect(str(result.path), read_only=True) as con:
                rows = [r[0] for r in con.execute("SELECT k FROM probe ORDER BY k").fetchall()]
                probe = int(con.execute(
                    "SELECT value FROM store_meta WHERE key = 'probe'").fetchone()[0])
            assert rows == list(range(1, probe + 1))
            assert result.manifest["tables"]["probe"] == probe
            seen.append(probe)
    finally:
        thread.join()
    assert errors == []
    assert len(seen) >= 2 and seen == sorted(seen)
    assert _leftovers(store) == []


def test_backup_refuses_a_store_with_a_pending_wal(store: Path, tmp_path: Path) -> None:
    store.with_name(store.name + ".wal").write_bytes(b"direct writer")
    with pytest.raises(BackupError, match="opened the store .* directly for writing"):
        create_backup(store, tmp_path / "bk")
    assert not (tmp_path / "bk").exists()


# -- restore -----------------------------------------------------------------------------------


def test_backup_then_restore_round_trips(store: Path, tmp_path: Path) -> None:
    original = _content(store)
    saved = create_backup(store, tmp_path / "bk")
    _change(store)
    changed, changed_sha = _content(store), _sha(store)
    assert changed != original
    messages: list[str] = []
    result = restore_backup(saved.path, store, actor=auth.maintainer("test:restore"),
                            notify=messages.append)
    assert _content(store) == original
    # the trail keeps what happened in between (the change, now undone) and the restore itself
    assert _trail(store) == [*_trail(saved.path), ("import", "test:change", "change.csv"),
                             ("restore", "test:restore", saved.path.name)]
    assert result.source.path == saved.path and result.store == store

    # The store it replaced was saved first, in the same format, and verifies.
    previous = result.previous
    assert previous is not None
    assert previous.path.parent == store.parent / "backups"
    assert re.fullmatch(r"pre-restore-\d{8}T\d{6}Z\.duckdb", previous.path.name)
    assert previous.manifest["sha256"] == changed_sha and previous.manifest["as_of"] == "2099-01-01"
    assert check_backup(previous.path).sha256 == changed_sha
    assert _content(previous.path) == changed
    assert any(str(previous.path) in m for m in messages)
    assert _leftovers(store) == [] and not store.with_name(store.name + ".wal").exists()

    # And undoing the restore is one more restore.
    restore_backup(previous.path, store, actor=auth.maintainer("test:restore"))
    assert _content(store) == changed
    assert [a for a, _, _ in _trail(store)][-2:] == ["restore", "restore"]


def test_restore_onto_a_missing_store_creates_it(store: Path, tmp_path: Path) -> None:
    saved = create_backup(store, tmp_path / "bk")
    target = tmp_path / "fresh" / "dashboard.duckdb"
    result = restore_backup(saved.path, target, actor=auth.maintainer("test:restore"))
    assert result.previous is None and not (target.parent / "backups").exists()
    assert _content(target) == _content(saved.path)


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(path: Path, **changes) -> None:
    manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    for key, value in changes.items():
        if callable(value):
            value(manifest)
        else:
            manifest[key] = value
    manifest_path(path).write_text(json.dumps(manifest), encoding="utf-8")


def _backup_of_changed_copy(store: Path, tmp_path: Path, *statements: str) -> Path:
    """A correctly made backup (valid manifest) of a copy of the store changed by `statements`."""
    other = tmp_path / "other" / "dashboard.duckdb"
    other.parent.mkdir()
    shutil.copyfile(store, other)
    with write_transaction(other, actor=auth.maintainer("test:break")) as con:
        for statement in statements:
            con.execute(statement)
    return create_backup(other, tmp_path / "bk").path


def _tamper(case: str, store: Path, tmp_path: Path) -> Path:
    if case == "wrong_schema_version":
        return _backup_of_changed_copy(
            store, tmp_path, "UPDATE store_meta SET value = '0' WHERE key = 'schema_version'")
    if case == "missing_table":
        return _backup_of_changed_copy(store, tmp_path, "DROP VIEW observation_public",
                                       "DROP TABLE cell_disclosure")
    path = create_backup(store, tmp_path / "bk").path
    if case == "flipped_byte":
        _flip_byte(path)
    elif case == "manifest_sha":
        _edit_manifest(path, sha256="0" * 64)
    elif case == "truncated":
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size - 4096)
    elif case == "not_duckdb":
        junk = os.urandom(64 * 1024)
        path.write_bytes(junk)
        _edit_manifest(path, sha256=hashlib.sha256(junk).hexdigest(), size=len(junk))
    elif case == "manifest_counts":
        _edit_manifest(path, tables=lambda m: m["tables"].update(
            observation=m["tables"]["observation"] + 1))
    elif case == "no_manifest":
        manifest_path(path).unlink()
    elif case == "manifest_not_json":
        manifest_path(path).write_text("{not json", encoding="utf-8")
    else:  # pragma: no cover
        raise AssertionError(case)
    return path


@pytest.mark.parametrize("case, message", [
    ("flipped_byte", r"sha256 of .* is [0-9a-f]{64} but its manifest"),
    ("manifest_sha", r"sha256 of .* but its manifest .* says 0{64}"),
    ("truncated", r"is \d+ bytes but its manifest .* says \d+: the file is truncated"),
    ("not_duckdb", r"is not a DuckDB database"),
    ("wrong_schema_version", r"its schema_version is '0', this program needs '1'"),
    ("missing_table", r"lacks the table\(s\) cell_disclosure; it lacks the view\(s\) "
                      r"observation_public"),
    ("manifest_counts", r"table observation has \d+ rows, the manifest .* says \d+"),
    ("no_manifest", r"has no manifest .* --no-manifest"),
    ("manifest_not_json", r"cannot be read as JSON"),
])
def test_a_bad_backup_is_refused_and_the_store_untouched(store: Path, tmp_path: Path,
                                                         case: str, message: str) -> None:
    bad = _tamper(case, store, tmp_path)
    before = _sha(store)
    with pytest.raises(BackupCheckError, match=message) as info:
        restore_backup(bad, store, actor=auth.maintainer("test:restore"), lock_timeout_s=1)
    assert str(bad) in str(info.value)  # the message names the file
    assert _sha(store) == before
    assert not (store.parent / "backups").exists()  # refused before anything was done
    assert _leftovers(store) == []


def test_no_manifest_flag_restores_with_only_duckdb_and_schema_checks(store: Path,
                                                                      tmp_path: Path) -> None:
    saved = create_backup(store, tmp_path / "bk")
    manifest_path(saved.path).unlink()
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"\0" * 8192)
    before = _sha(store)
    with pytest.raises(BackupCheckError, match="not a DuckDB database"):
        restore_backup(junk, store, actor=auth.maintainer("test:restore"), require_manifest=False)
    assert _sha(store) == before
    _change(store)
    messages: list[str] = []
    result = restore_backup(saved.path, store, actor=auth.maintainer("test:restore"),
                            require_manifest=False,
                            notify=messages.append)
    assert result.source.manifest is None and _content(store) == _content(saved.path)
    assert any("has no manifest" in m for m in messages)


def test_declined_confirmation_changes_nothing(store: Path, tmp_path: Path) -> None:
    saved = create_backup(store, tmp_path / "bk")
    _change(store)
    before = _sha(store)
    asked = []
    with pytest.raises(RestoreCancelled, match="cancelled"):
        restore_backup(saved.path, store, actor=auth.maintainer("test:restore"),
                       confirm=lambda checked: asked.append(checked) or False)
    assert asked and asked[0].manifest["as_of"] == AS_OF
    assert _sha(store) == before and not (store.parent / "backups").exists()


def _hold_write_lock(store: Path, release: threading.Event) -> threading.Thread:
    """A writer in another thread that keeps its write transaction open until `release`."""
    holding = threading.Event()

    def slow_writer() -> None:
        with write_transaction(store, actor=auth.maintainer("test:slow")) as con:
            holding.set()
            release.wait(20)
            con.execute("UPDATE store_meta SET value = 'slow' WHERE key = 'dataset'")

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(20)
    return thread


def test_restore_waits_for_the_write_lock_then_gives_up_clearly(store: Path,
                                                                tmp_path: Path) -> None:
    saved = create_backup(store, tmp_path / "bk")
    before = _sha(store)
    release = threading.Event()
    thread = _hold_write_lock(store, release)
    messages: list[tuple[float, str]] = []
    try:
        with pytest.raises(StoreLockedError, match="another writer") as info:
            restore_backup(saved.path, store, actor=auth.maintainer("test:restore"),
                           lock_timeout_s=0.4,
                           notify=lambda m: messages.append((time.monotonic(), m)))
        gave_up = time.monotonic()
        assert _sha(store) == before
    finally:
        release.set()
        thread.join()
    [(started_waiting, waiting)] = messages
    assert "waiting up to 0.4 s" in waiting and str(lock_path(store)) in waiting
    assert gave_up - started_waiting >= 0.35  # it did wait for the timeout before giving up
    text = str(info.value)
    assert str(saved.path) in text and str(store) in text and "0.4 s" in text
    assert "Nothing was changed" in text
    assert not (store.parent / "backups").exists()
    assert _meta(store, "dataset") == "slow"  # the writer that held the lock went through


def test_restore_proceeds_once_the_writer_finishes(store: Path, tmp_path: Path) -> None:
    saved = create_backup(store, tmp_path / "bk")
    release = threading.Event()
    thread = _hold_write_lock(store, release)
    timer = threading.Timer(0.3, release.set)
    timer.start()
    try:
        result = restore_backup(saved.path, store, actor=auth.maintainer("test:restore"),
                                lock_timeout_s=20)
    finally:
        release.set()
        timer.cancel()
        thread.join()
    assert _content(store) == _content(saved.path) and _meta(store, "dataset") == "demo"
    assert result.previous is not None and result.previous.manifest["dataset"] == "slow"


def test_open_reader_follows_a_restore(store: Path, tmp_path: Path) -> None:
    saved = create_backup(store, tmp_path / "bk")
    count_sql = "SELECT count(*) AS n FROM observation"
    as_of_sql = "SELECT value FROM store_meta WHERE key = 'as_of'"
    with StoreReader(store) as reader:
        full = int(reader.query_df(count_sql)["n"][0])
        _change(store)
        assert reader.query_df(as_of_sql)["value"][0] == "2099-01-01"
        fewer = int(reader.query_df(count_sql)["n"][0])
        assert fewer < full
        version = reader.version()
        with reader.cursor() as cur:  # a query in flight across the restore
            restore_backup(saved.path, store, actor=auth.maintainer("test:restore"))
            assert cur.execute(count_sql).fetchone()[0] == fewer
        assert reader.version() != version
        assert reader.query_df(as_of_sql)["value"][0] == AS_OF
        assert int(reader.query_df(count_sql)["n"][0]) == full
        assert reader.open_versions() == 1
    assert _leftovers(store) == []


# -- CLI ---------------------------------------------------------------------------------------


def _cli(*args: str, db: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=REPO_ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_cli_backup_and_restore(store: Path, tmp_path: Path) -> None:
    made = _cli("backup", str(tmp_path / "bk"), db=store)
    assert made.returncode == 0, made.stderr
    path = Path(made.stdout.strip())
    assert path.parent == tmp_path / "bk" and path.is_file() and manifest_path(path).is_file()
    assert "verified" in made.stderr and str(path) in made.stderr
    assert _sha(path) == _sha(store)

    _change(store)
    changed = _sha(store)
    declined = _cli("restore", str(path), db=store, stdin="n\n")
    assert declined.returncode == 1 and "cancelled" in declined.stderr
    assert "Restore? [y/N]" in declined.stderr and _sha(store) == changed

    done = _cli("restore", str(path), "--yes", db=store)
    assert done.returncode == 0, done.stderr
    assert _content(store) == _content(path)
    assert _trail(store)[-1][0] == "restore"
    previous = Path(done.stdout.strip())
    assert previous.parent == store.parent / "backups" and previous.is_file()
    assert f"restored the store {store} from {path}" in done.stderr
    assert f"previous store was saved to {previous}" in done.stderr
    assert check_backup(previous).sha256 == changed


def test_cli_refuses_bad_backups_and_a_locked_store(store: Path, tmp_path: Path) -> None:
    path = create_backup(store, tmp_path / "bk").path
    _change(store)
    before = _sha(store)

    missing = _cli("restore", str(tmp_path / "nope.duckdb"), "--yes", db=store)
    assert missing.returncode == 2 and "no such file" in missing.stderr

    with _exclusive_lock(store, 1):
        locked = _cli("restore", str(path), "--yes", "--lock-timeout", "0.3", db=store)
    assert locked.returncode == 1
    assert "another writer" in locked.stderr and "0.3 s" in locked.stderr

    _flip_byte(path)
    tampered = _cli("restore", str(path), "--yes", db=store)
    assert tampered.returncode == 1
    assert f"refused: the sha256 of {path}" in tampered.stderr
    assert "was not changed" in tampered.stderr and tampered.stdout == ""
    assert _sha(store) == before and not (store.parent / "backups").exists()

    no_store = _cli("backup", str(tmp_path / "bk2"), db=tmp_path / "absent.duckdb")
    assert no_store.returncode == 2 and "no store" in no_store.stderr
