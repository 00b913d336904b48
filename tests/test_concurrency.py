"""Real imports beside readers (issue 9): readers never fail nor see half an import, a second
simultaneous import waits for the lock, and what a killed writer leaves behind is cleaned up.

tests/test_store.py covers `write_transaction` and `StoreReader` with toy tables; these tests run
the real CLI import (`python -m indicators import`) on a copy of the fixture store.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from test_imports import _content_hash  # the store's content without time columns

from indicators.auth import operator
from indicators.config import Config
from indicators.imports import import_file
from indicators.settings import DEFAULT_CONFIG_DIR, REPO_ROOT
from indicators.store import StoreReader, lock_path, versions_dir

INDICATOR = "cw_notifications_rate"
YEARS = tuple(str(year) for year in range(2019, 2026))  # the fixture store has 2019-2025
HEADER = "indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä"
IMPORTS = 6  # alternating A, B, A, B, ...: every import changes every target cell
READER_THREADS = 3
READ_PAUSE_S = 0.05  # pacing only, so readers leave CPU to the imports on a 2-core machine
WAIT_S = 120.0  # upper bound of every wait: a hang fails instead of blocking forever

Cells = dict[tuple[str, str], tuple[float, float]]  # (area, year) -> (numerator, denominator)
Snapshot = dict[str, list[list]]

# What a reader looks at, all inside one cursor (one version of the store).
SNAPSHOT_SQL = {
    "cells": "SELECT o.area_code, o.period, o.numerator, o.denominator FROM observation o "
             "JOIN area a ON a.code = o.area_code "
             f"WHERE o.indicator_id = '{INDICATOR}' AND o.sex = 'total' AND o.grp = 'total' "
             "AND a.level IN ('municipality', 'region', 'county') ORDER BY 1, 2",
    "imports": "SELECT COUNT(*), arg_max(file, import_id), MAX(import_id) FROM import_log "
               "WHERE outcome = 'ok'",
    "audit": "SELECT COUNT(*), arg_max(detail, seq) FROM audit_log WHERE action = 'import'",
}

# The reader process: one StoreReader, one snapshot per read, printed as a JSON line. It stops
# after the first read that began once the stop file existed (so that read sees the last import).
READER_SCRIPT = r"""
import json, os, sys, time
from indicators.store import StoreReader

store, queries, stop_file, out_file, pause = sys.argv[1:6]
queries = json.loads(queries)
deadline = time.monotonic() + 300  # never outlive a test that died
with open(out_file, "w", encoding="utf-8") as out, StoreReader(store) as reader:
    while time.monotonic() < deadline:
        stopping = os.path.exists(stop_file)
        try:
            with reader.cursor() as cur:
                record = {name: [list(row) for row in cur.execute(sql).fetchall()]
                          for name, sql in queries.items()}
        except Exception as exc:
            record = {"error": repr(exc)}
        out.write(json.dumps(record, default=str) + "\n")
        out.flush()
        if stopping:
            break
        time.sleep(float(pause))
"""


# -- helpers ------------------------------------------------------------------------------------


def _copy_store(store_path: Path, directory: Path) -> Path:
    directory.mkdir(parents=True)
    db = directory / "dashboard.duckdb"
    shutil.copy(store_path, db)
    return db


def _write_import(path: Path, cells: Cells) -> Path:
    """A valid import file: the value is numerator / denominator per 1,000 to 4 decimals."""
    lines = [HEADER]
    for (area, year), (num, den) in sorted(cells.items()):
        value = f"{num / den * 1000:.4f}".replace(".", ",")
        lines.append(f"{INDICATOR};{area};{year};{value};{int(num)};{int(den)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _municipalities(config: Config) -> list[str]:
    return [code for code, area in config.areas.items() if area.level == "municipality"]


def _parents(config: Config) -> dict[str, list[str]]:
    """Every region and the county -> the municipalities whose sums they hold."""
    parents: dict[str, list[str]] = {}
    for code in _municipalities(config):
        region = config.areas[code].parent_code
        assert region is not None
        county = config.areas[region].parent_code
        assert county is not None
        parents.setdefault(region, []).append(code)
        parents.setdefault(county, []).append(code)
    return parents


def _env(db: Path) -> dict[str, str]:
    return dict(os.environ, DASHBOARD_DB=str(db), DASHBOARD_CONFIG=str(DEFAULT_CONFIG_DIR))


def _cli_import(data: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "indicators", "import", str(data)],
                          cwd=REPO_ROOT, env=_env(db), capture_output=True, text=True,
                          timeout=WAIT_S)


def _popen_import(data: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "indicators", "import", str(data)],
                            cwd=REPO_ROOT, env=_env(db), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S,
                poll_s: float = 0.01) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting until {what}")
        time.sleep(poll_s)


def _temp_files(db: Path) -> list[str]:
    """Writers' temporary copies (and their WALs) beside the store."""
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(f".{db.name}.tmp-"))


def _lock_is_held(db: Path) -> bool:
    """Whether some writer holds `<store>.lock` (tried without waiting, released at once)."""
    fd = os.open(lock_path(db), os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return True
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _has_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (Linux /proc)."""
    target = str(path.resolve())
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except (FileNotFoundError, PermissionError):
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                return True
        except OSError:
            continue
    return False


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _snapshot(reader: StoreReader) -> Snapshot:
    with reader.cursor() as cur:
        return {name: [list(row) for row in cur.execute(sql).fetchall()]
                for name, sql in SNAPSHOT_SQL.items()}


# -- the invariant every read checks ------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a complete version of the store looks like in each state of the alternation."""

    base_ok: int  # 'ok' imports in import_log before the first import
    base_audit: int  # 'import' entries in audit_log before the first import
    states: dict[str, Cells]  # "original", "A", "B" -> the target municipal cells
    files: dict[str, str]  # "A", "B" -> the file name import_log records
    parents: dict[str, list[str]]

    def state_after(self, imports: int) -> str:
        return "original" if imports == 0 else ("A" if imports % 2 else "B")


def _check(snapshot: Snapshot, expected: Expected) -> tuple[int, list[str]]:
    """(imports of this test visible in the snapshot, what is wrong with it).

    A complete version shows the target cells entirely as the original, A or B, matching the
    number of imports logged (which equals the number of audit entries), the latest file in the
    log, and regional, county and rolling-pool aggregates recomputed from those very cells.
    """
    problems: list[str] = []
    cells: Cells = {(a, p): (n, d) for a, p, n, d in snapshot["cells"]}
    ok_count, latest_file, max_id = snapshot["imports"][0]
    audit_count, audit_detail = snapshot["audit"][0]
    imports = ok_count - expected.base_ok
    if audit_count - expected.base_audit != imports:
        problems.append(f"{imports} imports logged but {audit_count - expected.base_audit} "
                        "audit entries")
    state = expected.state_after(imports)
    target = {key: cells.get(key) for key in expected.states["original"]}
    matching = [name for name, values in expected.states.items() if target == values]
    if matching != [state]:
        problems.append(f"{imports} imports logged (so {state}) but the cells are "
                        f"{matching or 'a mix'}")
    if imports and latest_file != expected.files[state]:
        problems.append(f"latest import is {latest_file!r}, cells are {state}")
    if imports and (audit_detail is None or json.loads(audit_detail)["import_id"] != max_id):
        problems.append(f"latest audit entry {audit_detail} is not import {max_id}")
    for parent, children in expected.parents.items():
        for year in YEARS:
            parts = [cells.get((child, year)) for child in children]
            total = cells.get((parent, year))
            if total is None or None in parts or total[0] != sum(p[0] for p in parts):
                problems.append(f"{parent} {year} = {total}, municipalities {parts}")
    for (area, period), (num, den) in cells.items():
        if "-" in period:  # a rolling pool, e.g. 2023-2025
            first, last = (int(y) for y in period.split("-"))
            parts = [cells.get((area, str(y))) for y in range(first, last + 1)]
            if None in parts or (num, den) != (sum(p[0] for p in parts),
                                               sum(p[1] for p in parts)):
                problems.append(f"pool {area} {period} = {(num, den)}, years {parts}")
    return imports, problems


@dataclass
class ReaderLog:
    """What one reader saw: reads, errors, bad snapshots and the sequence of states."""

    name: str
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    states: list[int] = field(default_factory=list)  # imports visible, each change appended
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, snapshot: Snapshot | None, error: str | None, expected: Expected) -> None:
        with self.lock:
            self.reads += 1
            if error is not None or snapshot is None:
                self.errors.append(str(error))
                return
            try:
                imports, problems = _check(snapshot, expected)
            except Exception as exc:  # a snapshot too broken to check is a failure too
                self.problems.append(f"read {self.reads}: cannot check {snapshot}: {exc!r}")
                return
            if self.states and imports < self.states[-1]:
                problems.append(f"went back from {self.states[-1]} to {imports} imports")
            self.problems.extend(f"read {self.reads}: {p}" for p in problems[:3])
            if not self.states or imports != self.states[-1]:
                self.states.append(imports)

    def has_seen(self, imports: int) -> bool:
        with self.lock:
            return imports in self.states


def _read_in_thread(reader: StoreReader, log: ReaderLog, expected: Expected,
                    stop: threading.Event, pause_s: float) -> None:
    while True:
        stopping = stop.is_set()  # the read after this began once the last import was done
        try:
            snapshot, error = _snapshot(reader), None
        except Exception as exc:  # every error is a failure, counted and reported
            snapshot, error = None, repr(exc)
        log.record(snapshot, error, expected)
        if stopping:
            return
        stop.wait(pause_s)


class ProcessTail:
    """Feeds the reader process's JSON lines, as they appear, into a ReaderLog."""

    def __init__(self, path: Path, log: ReaderLog, expected: Expected) -> None:
        self.path, self.log, self.expected = path, log, expected
        self.offset = 0

    def update(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self.offset += len(complete)
        for line in complete.decode("utf-8").splitlines():
            record = json.loads(line)
            self.log.record(record if "error" not in record else None, record.get("error"),
                            self.expected)


# -- 1. readers during repeated real imports ----------------------------------------------------


def test_readers_never_fail_nor_see_half_an_import_during_repeated_imports(
        store_path: Path, config: Config, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    """Six alternating CLI imports (A, B, A, B, A, B) each change the same 77 cells, while three
    threads sharing one StoreReader and a separate reader process query in a loop: no read errors,
    every read shows one complete version (cells, aggregates, import and audit logs agree), no
    reader goes back in time, every reader sees all seven states in order, and no import writes
    into the file of a version readers have open (it swaps in a new file)."""
    db = _copy_store(store_path, tmp_path / "store")
    municipalities = _municipalities(config)
    keys = [(code, year) for code in municipalities for year in YEARS]
    values_a = {key: (100.0 + i, 3000.0 + i) for i, key in enumerate(keys)}
    values_b = {key: (200.0 + i, 3000.0 + i) for i, key in enumerate(keys)}
    files = {"A": _write_import(tmp_path / "a.csv", values_a),
             "B": _write_import(tmp_path / "b.csv", values_b)}

    reader = StoreReader(db)
    request.addfinalizer(reader.close)  # also when the test fails (closing twice is safe)
    base = _snapshot(reader)
    original = {(a, p): (n, d) for a, p, n, d in base["cells"] if (a, p) in values_a}
    assert len(original) == len(keys) == 77
    assert original != values_a and original != values_b
    expected = Expected(base_ok=base["imports"][0][0], base_audit=base["audit"][0][0],
                        states={"original": original, "A": values_a, "B": values_b},
                        files={name: path.name for name, path in files.items()},
                        parents=_parents(config))
    assert _check(base, expected) == (0, [])  # the checks hold for the fixture store itself

    stop = threading.Event()
    thread_logs = [ReaderLog(f"thread {i}") for i in range(READER_THREADS)]
    threads = [threading.Thread(target=_read_in_thread,
                                args=(reader, log, expected, stop, READ_PAUSE_S), daemon=True)
               for log in thread_logs]
    stop_file, out_file = tmp_path / "stop", tmp_path / "reader.jsonl"
    err_file = tmp_path / "reader.stderr"
    with err_file.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", READER_SCRIPT, str(db), json.dumps(SNAPSHOT_SQL),
             str(stop_file), str(out_file), str(READ_PAUSE_S * 2)],
            cwd=REPO_ROOT, env=_env(db), stdout=subprocess.DEVNULL, stderr=err)
    process_log = ReaderLog("process")
    tail = ProcessTail(out_file, process_log, expected)

    def everyone_saw(imports: int) -> bool:
        tail.update()
        if process.poll() is not None:
            pytest.fail(f"the reader process ended early: {err_file.read_text()}")
        return all(log.has_seen(imports) for log in [*thread_logs, process_log])

    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        _wait_until(lambda: everyone_saw(0), "every reader has read the original store")
        for i in range(IMPORTS):
            data = files["A" if i % 2 == 0 else "B"]
            # a second name for the version readers have open: the import must replace the
            # store by a new file, never write into this one (readers would see it torn)
            pin = tmp_path / f"pinned-{i}.duckdb"
            os.link(db, pin)
            pinned = hashlib.sha256(pin.read_bytes()).hexdigest()
            result = _cli_import(data, db)
            assert result.returncode == 0, result.stderr
            assert db.stat().st_ino != pin.stat().st_ino
            assert hashlib.sha256(pin.read_bytes()).hexdigest() == pinned
            pin.unlink()
            # every reader moves on to the new version (and reads it) before the next import
            _wait_until(lambda i=i: everyone_saw(i + 1), f"every reader saw import {i + 1}")
    finally:
        stop.set()
        stop_file.touch()
        for thread in threads:
            thread.join(WAIT_S)
        try:
            process.wait(timeout=WAIT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=WAIT_S)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads)
    assert process.returncode == 0, err_file.read_text()
    tail.update()

    logs = [*thread_logs, process_log]
    for log in logs:
        assert log.errors == [], f"{log.name}: {log.errors[:3]}"
        assert log.problems == [], f"{log.name}: {log.problems[:3]}"
        # in order, each state seen: never back, never a state skipped, the last read is final
        assert log.states == list(range(IMPORTS + 1)), f"{log.name}: {log.states}"
    assert all(log.reads >= 50 for log in thread_logs), [log.reads for log in thread_logs]
    assert process_log.reads >= 20, process_log.reads
    final = _snapshot(reader)
    assert _check(final, expected) == (IMPORTS, [])
    assert reader.open_versions() == 1  # the versions readers used meanwhile were closed
    reader.close()
    assert list(versions_dir(db).iterdir()) == []  # and no reader left a link behind
    assert _temp_files(db) == [] and not db.with_name(db.name + ".wal").exists()
    print(f"\n{IMPORTS} imports in {elapsed:.1f} s; reads: "
          + ", ".join(f"{log.name} {log.reads}" for log in logs))


# -- 2. two imports at the same moment ----------------------------------------------------------


def test_a_second_simultaneous_import_waits_for_the_lock(store_path: Path, config: Config,
                                                         tmp_path: Path) -> None:
    """Two CLI imports released at the same instant (both already waiting for the lock) both
    succeed, one after the other: both are logged complete, the later one wins the cells both
    change, and the store's content equals importing them one by one in the order the log
    shows (so the second one started from the first one's result, nothing was lost)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs Linux /proc to see that both imports wait for the lock")
    db = _copy_store(store_path, tmp_path / "live")
    forssa = [code for code in _municipalities(config) if config.areas[code].parent_code
              == "SK053"]
    # overlapping cells (Forssa region 2021-2023), so the order of the two imports matters
    c_cells = {(code, str(year)): (90.0 + i, 2500.0)
               for i, (code, year) in enumerate((c, y) for c in forssa for y in range(2019, 2024))}
    d_cells = {(code, str(year)): (300.0 + i, 4100.0)
               for i, (code, year) in enumerate((c, y) for c in _municipalities(config)
                                                for y in range(2021, 2026))}
    files = [_write_import(tmp_path / "c.csv", c_cells), _write_import(tmp_path / "d.csv", d_cells)]
    cells_of = {"c.csv": c_cells, "d.csv": d_cells}
    overlap = c_cells.keys() & d_cells.keys()
    assert len(overlap) == 15 and all(c_cells[key] != d_cells[key] for key in overlap)
    base_id = _query(db, "SELECT MAX(import_id) FROM import_log")[0][0]
    base_seq = _query(db, "SELECT MAX(seq) FROM audit_log")[0][0]
    before = db.read_bytes()

    lock_fd = os.open(lock_path(db), os.O_RDWR | os.O_CREAT, 0o666)
    processes: list[subprocess.Popen[str]] = []
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)  # hold the lock until both imports wait for it
        processes = [_popen_import(path, db) for path in files]
        # a writer opens the lock file only to wait for it, right before its first try
        _wait_until(lambda: all(_has_open(p.pid, lock_path(db)) or p.poll() is not None
                                for p in processes), "both imports wait for the lock")
        assert [p.poll() for p in processes] == [None, None], "an import did not wait"
        assert _temp_files(db) == [] and db.read_bytes() == before
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)
        outputs = []
        for process in processes:
            try:
                outputs.append(process.communicate(timeout=WAIT_S))
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=WAIT_S)
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr

    log = _query(db, "SELECT import_id, file, rows, outcome FROM import_log "
                     f"WHERE import_id > {base_id} ORDER BY import_id")
    assert [row[0] for row in log] == [base_id + 1, base_id + 2]
    assert sorted(row[1] for row in log) == ["c.csv", "d.csv"]
    for _, name, rows, outcome in log:
        assert outcome == "ok" and rows == len(cells_of[name])
    audit = _query(db, "SELECT target, detail FROM audit_log WHERE action = 'import' "
                       f"AND seq > {base_seq} ORDER BY seq")
    assert [(target, json.loads(detail)["import_id"]) for target, detail in audit] == [
        (name, import_id) for import_id, name, _, _ in log]
    assert all(json.loads(detail)["changed"] > 0 for _, detail in audit)
    first, second = (row[1] for row in log)
    shown = {(a, p): (n, d) for a, p, n, d in _query(
        db, f"SELECT area_code, period, numerator, denominator FROM observation WHERE "
            f"indicator_id = '{INDICATOR}' AND sex = 'total' AND grp = 'total'")}
    # the later import wins the overlap, so the other order would leave other figures
    expected_cells = {**cells_of[first], **cells_of[second]}
    assert {key: shown.get(key) for key in expected_cells} == expected_cells

    sequential = _copy_store(store_path, tmp_path / "sequential")
    for name in (first, second):
        path = next(path for path in files if path.name == name)
        report = import_file(path, config, sequential, actor=operator())
        assert report.ok and report.import_id is not None and not report.unchanged
    assert _content_hash(db) == _content_hash(sequential)
    assert not _lock_is_held(db) and _temp_files(db) == []


# -- 3. what a killed writer leaves behind ------------------------------------------------------


def _stop_while_writing(process: subprocess.Popen[str], db: Path) -> bool:
    """Freeze `process` (SIGSTOP) as soon as its temporary copy appears beside the store; True
    when it is then frozen holding the lock with the temp file present (False if it was too
    fast, or finished, and the attempt must be repeated)."""
    deadline = time.monotonic() + WAIT_S
    while not _temp_files(db):
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGSTOP)
    return bool(_temp_files(db)) and _lock_is_held(db)


def test_a_killed_import_leaves_only_its_temp_file_which_the_next_import_removes(
        store_path: Path, config: Config, tmp_path: Path) -> None:
    """SIGKILL a CLI import while it holds the lock and writes: its temp file stays, the store is
    byte-identical, the lock is free; the next import succeeds and removes the temp file and its
    WAL, and the lock file stays (never deleted) and is not held."""
    data = _write_import(tmp_path / "a.csv", {
        (code, year): (150.0 + i, 2800.0) for i, (code, year) in
        enumerate((c, y) for c in _municipalities(config) for y in YEARS)})
    for attempt in range(3):
        db = _copy_store(store_path, tmp_path / f"attempt{attempt}")
        before = db.read_bytes()
        base_id = _query(db, "SELECT MAX(import_id) FROM import_log")[0][0]
        process = _popen_import(data, db)
        try:
            caught = _stop_while_writing(process, db)
        finally:
            process.kill()  # SIGKILL, also ends a stopped process
            process.communicate(timeout=WAIT_S)
        if caught:
            break
    else:
        pytest.fail("the import was never caught holding the lock in 3 attempts")
    assert process.returncode == -signal.SIGKILL

    leftovers = _temp_files(db)
    assert leftovers and all(name.startswith(f".{db.name}.tmp-{process.pid}-")
                             for name in leftovers), leftovers
    assert db.read_bytes() == before  # nothing of the killed import reached the store
    assert not db.with_name(db.name + ".wal").exists()
    assert lock_path(db).exists() and not _lock_is_held(db)  # the kernel released the flock

    result = _cli_import(data, db)
    assert result.returncode == 0, result.stderr
    assert _temp_files(db) == []  # the temp copy and any WAL of it are gone
    assert lock_path(db).exists() and not _lock_is_held(db)
    log = _query(db, f"SELECT file, outcome FROM import_log WHERE import_id > {base_id}")
    assert log == [("a.csv", "ok")]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=WAIT_S)
    return process.pid


def test_the_next_import_removes_planted_temp_files_and_nothing_that_only_resembles_them(
        store_path: Path, config: Config, tmp_path: Path) -> None:
    """A temp file (and WAL) named like a dead writer's copy of this store is removed by the next
    import; files beside it that merely resemble one (another prefix, another store) are kept."""
    db = _copy_store(store_path, tmp_path / "store")
    dead = _dead_pid()
    planted = [db.with_name(f".{db.name}.tmp-{dead}-0badf00d"),
               db.with_name(f".{db.name}.tmp-{dead}-0badf00d.wal")]
    resembling = [db.with_name(f"{db.name}.tmp-{dead}-0badf00d"),  # no leading dot
                  db.with_name(f".{db.name}.tmp"),  # no dash
                  db.with_name(f".{db.name}.tmpx-{dead}-0badf00d"),
                  db.with_name(f".archive.duckdb.tmp-{dead}-0badf00d"),  # another store's
                  db.with_name(f".{db.stem}.tmp-{dead}-0badf00d")]
    for path in [*planted, *resembling]:
        path.write_bytes(b"left behind " + path.name.encode())
    assert _temp_files(db) == sorted(p.name for p in planted)
    data = _write_import(tmp_path / "uusi.csv", {("KU061", "2025"): (230.0, 2678.0)})

    report = import_file(data, config, db, actor=operator())
    assert report.ok and report.import_id is not None and not report.unchanged
    assert [p.name for p in planted if p.exists()] == []
    for path in resembling:
        assert path.read_bytes() == b"left behind " + path.name.encode(), path.name
    assert lock_path(db).exists() and not _lock_is_held(db)
