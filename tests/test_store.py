"""Tests for indicators.store: atomic writes beside readers, across threads and processes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators import auth
from indicators.store import (
    StoreError,
    StoreLockedError,
    StoreMissingError,
    StoreReader,
    lock_path,
    versions_dir,
    write_transaction,
)

REPO = Path(__file__).resolve().parents[1]


def _init(con: duckdb.DuckDBPyConnection) -> None:
    """Two tables a writer always updates together, so a reader can detect a half state."""
    con.execute("CREATE TABLE a (k INTEGER NOT NULL)")
    con.execute("CREATE TABLE b (k INTEGER NOT NULL)")
    con.execute("CREATE TABLE rows_ (writer VARCHAR, i INTEGER)")
    con.execute("INSERT INTO a VALUES (0)")
    con.execute("INSERT INTO b VALUES (0)")


def _set_k(path: Path, k: int) -> None:
    with write_transaction(path, actor=auth.maintainer("test")) as con:
        con.execute("UPDATE a SET k = ?", [k])
        con.execute("UPDATE b SET k = ?", [k])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _temp_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.tmp-"))


def _run_py(code: str, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _popen_py(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "indicators.duckdb"
    with write_transaction(path, actor=auth.maintainer("setup"), initialize=_init):
        pass
    return path


# -- writers ---------------------------------------------------------------------------------


def test_write_creates_store_with_initialize_and_leaves_one_file(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    with write_transaction(path, actor=auth.maintainer("alice"), initialize=_init) as con:
        con.execute("UPDATE a SET k = 7")
    assert lock_path(path).name == "new.duckdb.lock"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.duckdb", "new.duckdb.lock"]
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT k FROM a").fetchone() == (7,)


def test_a_write_prints_no_progress_bar(store: Path, tmp_path: Path) -> None:
    """Writes run unattended (uploads, CLI imports): DuckDB's progress bar is off for the new
    store and for an existing one."""
    for path, initialize in ((store, None), (tmp_path / "fresh.duckdb", _init)):
        with write_transaction(path, actor=auth.maintainer("alice"),
                               initialize=initialize) as con:
            assert con.execute("SELECT current_setting('enable_progress_bar')"
                               ).fetchone() == (False,)


def test_second_write_sees_first_and_no_wal(store: Path) -> None:
    with write_transaction(store, actor=auth.maintainer("alice")) as con:
        con.execute("INSERT INTO rows_ VALUES ('alice', 1)")
    with write_transaction(store, actor=auth.maintainer("bob")) as con:
        assert con.execute("SELECT writer, i FROM rows_").fetchall() == [("alice", 1)]
        con.execute("INSERT INTO rows_ VALUES ('bob', 2)")
    assert not store.with_name(store.name + ".wal").exists()
    assert _temp_files(store) == []
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rows_").fetchone() == (2,)


def test_exception_leaves_store_byte_identical(store: Path) -> None:
    before = _sha(store)
    with (pytest.raises(RuntimeError, match="boom"),
          write_transaction(store, actor=auth.maintainer("x")) as con):
        con.execute("DELETE FROM a")
        con.execute("CREATE TABLE junk AS SELECT range AS i FROM range(1000)")
        raise RuntimeError("boom")
    assert _sha(store) == before
    assert _temp_files(store) == []
    assert not store.with_name(store.name + ".wal").exists()


def test_failing_initialize_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"

    def bad_init(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE t (x INTEGER)")
        raise ValueError("schema bug")

    with (
        pytest.raises(ValueError, match="schema bug"),
        write_transaction(path, actor=auth.maintainer("x"), initialize=bad_init),
    ):
        pass
    assert not path.exists()
    assert _temp_files(path) == []


def test_missing_store_and_actor_validation(tmp_path: Path) -> None:
    path = tmp_path / "missing.duckdb"
    with pytest.raises(StoreMissingError), write_transaction(path, actor=auth.maintainer("x")):
        pass
    with pytest.raises(StoreMissingError):
        StoreReader(path)
    assert issubclass(StoreMissingError, StoreError)
    assert issubclass(StoreLockedError, StoreError)
    # only a maintainer or the system writes: a viewer, a blank name or a bare string is refused
    path = tmp_path / "refused.duckdb"
    for actor in ("os:root", auth.VIEWER, auth.Principal("oidc:a@b.fi", "viewer"),
                  auth.maintainer(""), auth.maintainer("   ")):
        with (
            pytest.raises(auth.NotAllowedError),
            write_transaction(path, actor=actor, initialize=_init),
        ):
            pass
    assert not path.exists()
    assert not lock_path(path).exists()  # refused before even the lock file was made


def test_lock_timeout_raises_store_locked(store: Path) -> None:
    with write_transaction(store, actor=auth.maintainer("holder")) as con:
        con.execute("UPDATE a SET k = 1")
        started = time.monotonic()
        with (
            pytest.raises(StoreLockedError, match="another writer"),
            write_transaction(store, actor=auth.maintainer("waiter"), lock_timeout_s=0.3),
        ):
            pass
        waited = time.monotonic() - started
        assert 0.25 <= waited < 3
        con.execute("UPDATE b SET k = 1")
    # The holder's commit went through; the waiter changed nothing.
    with StoreReader(store) as reader:
        assert reader.query_df("SELECT k FROM a UNION ALL SELECT k FROM b")["k"].tolist() == [1, 1]


def test_concurrent_writers_in_threads_are_serialised(store: Path) -> None:
    errors: list[BaseException] = []

    def append(writer: str, n: int) -> None:
        try:
            for _ in range(n):
                with write_transaction(store, actor=auth.maintainer(writer)) as con:
                    # Read-modify-write: a lost update would show up as a duplicate or gap.
                    (count,) = con.execute("SELECT count(*) FROM rows_").fetchone()
                    con.execute("INSERT INTO rows_ VALUES (?, ?)", [writer, count])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(f"t{j}", 8)) for j in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with duckdb.connect(str(store), read_only=True) as con:
        seq = [r[0] for r in con.execute("SELECT i FROM rows_ ORDER BY i").fetchall()]
    assert seq == list(range(24))


APPEND_PROCESS = """
import sys
from indicators.auth import maintainer
from indicators.store import write_transaction
path, writer, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(n):
    with write_transaction(path, actor=maintainer(writer)) as con:
        (count,) = con.execute("SELECT count(*) FROM rows_").fetchone()
        con.execute("INSERT INTO rows_ VALUES (?, ?)", [writer, count])
print("done")
"""


def test_concurrent_writers_in_processes_are_serialised(store: Path) -> None:
    procs = [_popen_py(APPEND_PROCESS, str(store), f"p{j}", "10") for j in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    with duckdb.connect(str(store), read_only=True) as con:
        counts = dict(con.execute("SELECT writer, count(*) FROM rows_ GROUP BY 1").fetchall())
        seq = [r[0] for r in con.execute("SELECT i FROM rows_ ORDER BY i").fetchall()]
    assert counts == {"p0": 10, "p1": 10}
    assert seq == list(range(20))


KILLED_WRITER = """
import sys, time
from indicators import auth
from indicators.store import write_transaction
with write_transaction(sys.argv[1], actor=auth.maintainer("doomed")) as con:
    con.execute("UPDATE a SET k = 999")
    con.execute("UPDATE b SET k = 999")
    con.execute("CREATE TABLE big AS SELECT range AS i FROM range(100000)")
    print("ready", flush=True)
    time.sleep(60)
"""


def test_killed_writer_leaves_store_intact_and_lock_free(store: Path) -> None:
    before = _sha(store)
    proc = _popen_py(KILLED_WRITER, str(store))
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        leftovers = _temp_files(store)
        assert leftovers, "the writer should be working on a temp file"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _sha(store) == before
    assert _temp_files(store) == leftovers  # still there until the next writer comes
    with StoreReader(store) as reader:
        assert reader.query_df("SELECT k FROM a")["k"].tolist() == [0]
    # The kernel released the flock: a new write does not wait, and it sweeps the leftovers.
    started = time.monotonic()
    _set_k(store, 5)
    assert time.monotonic() - started < 5
    assert _temp_files(store) == []
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT k FROM a").fetchone() == (5,)
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "big" not in tables


# -- readers ---------------------------------------------------------------------------------


def test_version_changes_after_write_and_not_otherwise(store: Path) -> None:
    with StoreReader(store) as reader:
        v1 = reader.version()
        assert reader.query_df("SELECT k FROM a")["k"].tolist() == [0]
        assert reader.version() == v1
        with pytest.raises(RuntimeError), write_transaction(store, actor=auth.maintainer("x")):
            raise RuntimeError("rolled back")
        assert reader.version() == v1
        _set_k(store, 1)
        v2 = reader.version()
        assert v2 != v1
        assert reader.query_df("SELECT k FROM a")["k"].tolist() == [1]
        assert reader.version() == v2
        _set_k(store, 1)  # same content, still a new file
        assert reader.version() not in (v1, v2)


def test_reader_keeps_answering_while_writes_happen(store: Path) -> None:
    n_writes = 12
    errors: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    with StoreReader(store) as reader:

        def read_loop() -> None:
            while not stop.is_set():
                try:
                    df = reader.query_df(
                        "SELECT (SELECT k FROM a) AS a, (SELECT k FROM b) AS b, "
                        "(SELECT count(*) FROM rows_) AS n"
                    )
                    a, b, n = (int(x) for x in df.iloc[0])
                    # a, b and the row count are written together: any mix is a half state.
                    if not (a == b == n):
                        raise AssertionError(f"inconsistent read a={a} b={b} n={n}")
                    seen.append(a)
                except BaseException as exc:
                    errors.append(exc)
                    return

        def write_loop() -> None:
            try:
                for k in range(1, n_writes + 1):
                    with write_transaction(store, actor=auth.maintainer("writer")) as con:
                        con.execute("UPDATE a SET k = ?", [k])
                        con.execute("INSERT INTO rows_ VALUES ('w', ?)", [k])
                        con.execute("UPDATE b SET k = ?", [k])
                    time.sleep(0.01)
            except BaseException as exc:
                errors.append(exc)

        readers = [threading.Thread(target=read_loop) for _ in range(2)]
        writer = threading.Thread(target=write_loop)
        for t in readers:
            t.start()
        writer.start()
        writer.join(timeout=60)
        stop.set()
        for t in readers:
            t.join(timeout=30)

        assert errors == []
        assert len(seen) > n_writes
        assert set(seen) <= set(range(n_writes + 1))
        row = reader.query_df("SELECT (SELECT k FROM a) AS a, (SELECT k FROM b) AS b").iloc[0]
        assert (int(row["a"]), int(row["b"])) == (n_writes, n_writes)
        assert reader.open_versions() == 1
        assert len(list(versions_dir(store).iterdir())) == 1


def test_cursor_before_swap_reads_old_version_until_released(store: Path) -> None:
    links = versions_dir(store)
    with StoreReader(store) as reader:
        with reader.cursor() as old:
            assert old.execute("SELECT k FROM a").fetchone() == (0,)
            _set_k(store, 1)
            # A new cursor moves to the new version while the old cursor is still in use.
            with reader.cursor() as new:
                assert new.execute("SELECT k FROM a").fetchone() == (1,)
            assert old.execute("SELECT k FROM a").fetchone() == (0,)
            assert old.execute("SELECT k FROM b").fetchone() == (0,)
            assert reader.open_versions() == 2
            assert len(list(links.iterdir())) == 2
        # Released: the old version's connection and link are gone.
        assert reader.open_versions() == 1
        assert len(list(links.iterdir())) == 1
        assert reader.query_df("SELECT k FROM b")["k"].tolist() == [1]
    assert list(links.iterdir()) == []
    with pytest.raises(StoreError, match="closed"), reader.cursor():
        pass


def test_close_with_cursor_in_use_disposes_on_release(store: Path) -> None:
    reader = StoreReader(store)
    with reader.cursor() as cur:
        reader.close()
        assert cur.execute("SELECT k FROM a").fetchone() == (0,)
        assert len(list(versions_dir(store).iterdir())) == 1
    assert list(versions_dir(store).iterdir()) == []
    reader.close()  # idempotent


def test_many_threads_share_one_reader(store: Path) -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    with StoreReader(store) as reader:

        def work(t: int) -> None:
            for i in range(25):
                try:
                    df = reader.query_df("SELECT ? * 1000 + ? AS v, k FROM a", [t, i])
                    assert int(df["v"].iloc[0]) == t * 1000 + i
                    with lock:
                        results.append(int(df["v"].iloc[0]))
                except BaseException as exc:
                    with lock:
                        errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(results) == sorted(t * 1000 + i for t in range(8) for i in range(25))


def test_two_readers_in_one_process_do_not_interfere(store: Path) -> None:
    r1 = StoreReader(store)
    r2 = StoreReader(store)
    try:
        _set_k(store, 3)
        assert r1.query_df("SELECT k FROM a")["k"].tolist() == [3]
        r1.close()
        assert r2.query_df("SELECT k FROM a")["k"].tolist() == [3]
    finally:
        r1.close()
        r2.close()
    assert list(versions_dir(store).iterdir()) == []


def test_stale_links_of_dead_processes_are_removed_on_open(store: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    links = versions_dir(store)
    links.mkdir(exist_ok=True)
    stale = links / f"1-2-{dead_pid}-1.duckdb"
    stale_pending = links / f"pending-{dead_pid}-2.duckdb"
    os.link(store, stale)
    os.link(store, stale_pending)
    alive = links / f"1-2-{os.getppid()}-1.duckdb"  # a living process's link must stay
    os.link(store, alive)
    # Our own pid but not in use here: left by an earlier process that had the same pid.
    reused_pid = links / f"1-2-{os.getpid()}-999999.duckdb"
    os.link(store, reused_pid)
    with StoreReader(store) as first:
        with StoreReader(store):  # must not delete the first reader's link
            names = {p.name for p in links.iterdir()}
        assert first.query_df("SELECT k FROM a")["k"].tolist() == [0]
    assert stale.name not in names and stale_pending.name not in names
    assert reused_pid.name not in names
    assert alive.name in names
    assert len(names) == 3  # alive + one link per reader


# -- across processes ------------------------------------------------------------------------


READ_ONCE = """
import sys
import duckdb
import pandas as pd
from indicators.store import StoreReader
with duckdb.connect(sys.argv[1], read_only=True) as con:
    print(con.execute("SELECT k FROM a").fetchone()[0])
with StoreReader(sys.argv[1]) as reader:
    print(int(reader.query_df("SELECT k FROM b")["k"].iloc[0]))
"""


def test_other_process_reads_while_this_process_holds_a_reader(store: Path) -> None:
    _set_k(store, 4)
    with StoreReader(store) as reader:
        assert reader.query_df("SELECT k FROM a")["k"].tolist() == [4]
        with reader.cursor():
            res = _run_py(READ_ONCE, str(store))
        assert res.returncode == 0, res.stderr
        assert res.stdout.split() == ["4", "4"]


READER_PROCESS = """
import sys
from indicators.store import StoreReader
with StoreReader(sys.argv[1]) as reader:
    def k():
        return int(reader.query_df("SELECT k FROM a")["k"].iloc[0])
    with reader.cursor() as held:
        print("before", k(), flush=True)
        sys.stdin.readline()
        print("held", held.execute("SELECT k FROM b").fetchone()[0], flush=True)
    print("after", k(), flush=True)
"""

WRITE_PROCESS = """
import sys
from indicators import auth
from indicators.store import write_transaction
with write_transaction(sys.argv[1], actor=auth.maintainer("cli"), lock_timeout_s=5) as con:
    con.execute("UPDATE a SET k = 8")
    con.execute("UPDATE b SET k = 8")
print("written")
"""


def test_writer_process_replaces_store_while_reader_process_is_open(store: Path) -> None:
    reader_proc = _popen_py(READER_PROCESS, str(store))
    try:
        assert reader_proc.stdout is not None and reader_proc.stdin is not None
        assert reader_proc.stdout.readline().split() == ["before", "0"]
        with StoreReader(store) as local:
            assert local.query_df("SELECT k FROM a")["k"].tolist() == [0]
            res = _run_py(WRITE_PROCESS, str(store))
            assert res.returncode == 0, res.stderr
            assert res.stdout.strip() == "written"
            assert local.query_df("SELECT k FROM a")["k"].tolist() == [8]
        out, err = reader_proc.communicate("go\n", timeout=30)
    finally:
        if reader_proc.poll() is None:
            reader_proc.kill()
            reader_proc.wait()
    assert reader_proc.returncode == 0, err
    # The reader process's held cursor finished on the old version, then it moved on.
    assert out.split() == ["held", "0", "after", "8"]
    assert list(versions_dir(store).iterdir()) == []


def test_rows_frame_equals_duckdbs_own_frame_for_the_importers_columns() -> None:
    """`rows_frame` fetches through Arrow (faster for strings): the same frame as `.df()` for
    columns without NULLs in integers and booleans, dates included, also after a result was
    left unread on the connection."""
    from indicators.store import rows_frame

    con = duckdb.connect()
    con.execute("CREATE TABLE t (id VARCHAR, day DATE, n INTEGER NOT NULL, x DOUBLE, "
                "ok BOOLEAN NOT NULL)")
    con.execute("INSERT INTO t VALUES ('a', DATE '2024-02-29', 1, 0.5, TRUE), "
                "(NULL, NULL, 2, NULL, FALSE)")
    query = "SELECT * FROM t WHERE n >= ? ORDER BY n"
    expected = con.execute(query, [1]).df()
    con.execute("SELECT * FROM t")  # left unread
    got = rows_frame(con, query, [1])
    pd.testing.assert_frame_equal(got, expected)
    assert str(got["day"].dtype) == "datetime64[us]"
