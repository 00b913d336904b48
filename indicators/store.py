"""Access to the DuckDB store that never locks readers out while a writer works.

DuckDB allows either many read-only processes or one read-write process on a file, never both.
So writers never open the store itself: `write_transaction` copies it to a temporary file beside
it, changes the copy, and atomically renames the copy onto the store path. Readers therefore only
ever see complete versions.

A reader cannot simply reopen the store path after a swap, because DuckDB caches database
instances by path within a process: as long as one connection to the old file is open, a new
connect to the same path returns the old data. `StoreReader` therefore opens every version under
its own hard link (`.<store>.versions/<inode>-<mtime_ns>-<pid>-<seq>.duckdb`), which also keeps
the old version alive for queries in flight, and drops the link once nothing uses it any more.

POSIX only (`fcntl.flock`, hard links).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from indicators import auth

__all__ = [
    "StoreError",
    "StoreLockedError",
    "StoreMissingError",
    "StoreReader",
    "write_transaction",
]

_LOCK_POLL_S = 0.05
_link_seq = itertools.count(1)
# Names of the version links this process is using or about to create. A link carrying our own
# pid but missing here was left by an earlier process that had the same pid (containers restart
# with the same small pids), so it is stale.
_live_links: set[str] = set()
_live_links_lock = threading.Lock()


class StoreError(Exception):
    """Base class of the errors of this module."""


class StoreLockedError(StoreError):
    """Another writer held the store's lock for longer than the timeout."""


class StoreMissingError(StoreError):
    """The store file does not exist (and nothing was asked to create it)."""


DEFAULT_READER_MEMORY_LIMIT = "512MB"


def reader_config() -> dict[str, str]:
    """DuckDB settings of every read-only connection: a memory limit (env
    `DASHBOARD_DUCKDB_MEMORY_LIMIT`, default 512MB), so a big query spills or fails instead of
    growing the server past its memory, and at most 2 threads per query (the server is shared)."""
    limit = os.environ.get("DASHBOARD_DUCKDB_MEMORY_LIMIT", "").strip()
    return {"memory_limit": limit or DEFAULT_READER_MEMORY_LIMIT, "threads": "2"}


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file writers take: `<store>.lock`."""
    p = Path(path)
    return p.with_name(p.name + ".lock")


def versions_dir(path: str | os.PathLike[str]) -> Path:
    """Directory holding the readers' hard links: `.<store>.versions` beside the store."""
    p = Path(path)
    return p.with_name(f".{p.name}.versions")


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


def _version_of(st: os.stat_result) -> str:
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _forget_link(link: Path) -> None:
    with _live_links_lock:
        _live_links.discard(link.name)


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """Hold `flock(LOCK_EX)` on `<store>.lock`, polling up to `timeout_s`.

    flock belongs to the open file description, so it also serialises threads of one process
    (each call opens the file anew) and is released by the kernel when a writer is killed. The lock
    file itself is never deleted: deleting it would let two writers lock two different inodes.
    """
    lp = lock_path(path)
    fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreLockedError(
                    f"The indicator store {path} is being updated by another writer "
                    f"(lock file {lp}); gave up after waiting {timeout_s:g} s. "
                    "Try again when the other update has finished."
                )
            time.sleep(min(_LOCK_POLL_S, remaining))
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _remove_stale_temp_files(path: Path) -> None:
    """Delete temp files (and their WALs) of writers that died; only call under the lock."""
    prefix = _temp_prefix(path)
    for entry in path.parent.iterdir():
        if entry.name.startswith(prefix):
            entry.unlink(missing_ok=True)


def rows_frame(con: duckdb.DuckDBPyConnection, sql: str,
               params: list | tuple | None = None) -> pd.DataFrame:
    """The rows of one query as a frame, fetched through Arrow: for millions of rows DuckDB's
    own `.df()` spends most of its time making pandas strings (2.96 s against 0.36 s for 200
    indicators of a national import). DATE columns come as datetime64[us], as from `.df()`.
    For queries whose integer and boolean columns hold no NULLs (`.df()` makes nullable pandas
    types of those, Arrow floats and objects), as the importer's are: its tables declare them
    NOT NULL."""
    con.complete()  # a result left unread on `con` is finished, as a new execute() would
    table = con.sql(sql, params=params).to_arrow_table()
    frame = table.to_pandas(date_as_object=False)
    for field in table.schema:
        if pa.types.is_date(field.type):
            frame[field.name] = frame[field.name].astype("datetime64[us]")
    return frame


@contextlib.contextmanager
def write_transaction(
    path: str | os.PathLike[str],
    *,
    actor: auth.Principal,
    initialize: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    lock_timeout_s: float = 60.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Change the store atomically: `with write_transaction(path, actor="alice") as con: ...`.

    Yields a read-write connection to a private copy of the store. On normal exit the copy
    replaces the store in one `os.replace` (readers see the old or the new version, never a mix);
    on an exception the copy is discarded and the store is unchanged. Writers are serialised by
    an exclusive lock on `<store>.lock`; waiting longer than `lock_timeout_s` raises
    `StoreLockedError`. When the store does not exist, `initialize(con)` must create its schema,
    otherwise `StoreMissingError` is raised. `actor` is who writes: a maintainer or the system,
    else `auth.NotAllowedError` before anything is touched (the write functions check first, this
    is the last line). It is not recorded here: the caller records it in the audit log.
    """
    auth.require_writer(actor, "write")
    store = Path(path).absolute()
    if initialize is not None:
        store.parent.mkdir(parents=True, exist_ok=True)
    elif not store.parent.is_dir():
        raise StoreMissingError(f"The indicator store {store} does not exist.")

    with _exclusive_lock(store, lock_timeout_s):
        _remove_stale_temp_files(store)
        exists = store.exists()
        if not exists and initialize is None:
            raise StoreMissingError(f"The indicator store {store} does not exist.")
        tmp = store.with_name(f"{_temp_prefix(store)}{os.getpid()}-{secrets.token_hex(4)}")
        tmp_wal = tmp.with_name(tmp.name + ".wal")
        store_wal = store.with_name(store.name + ".wal")
        con: duckdb.DuckDBPyConnection | None = None
        try:
            if exists:
                shutil.copyfile(store, tmp)
                shutil.copymode(store, tmp)
                if store_wal.exists():
                    # Left by a process that opened the store directly and died; DuckDB replays
                    # it when the copy is opened, so its changes are not lost.
                    shutil.copyfile(store_wal, tmp_wal)
            con = duckdb.connect(str(tmp))
            # a write runs unattended (an upload, a CLI import): DuckDB's progress bar for long
            # queries would only print to the server's or the terminal's error stream
            con.execute("SET enable_progress_bar = false")
            con.execute("BEGIN TRANSACTION")
            if not exists:
                assert initialize is not None
                initialize(con)
            # One transaction for the whole change: without it every statement would commit
            # (and sync the WAL) on its own, and a national import makes thousands of them.
            # Readers never see the copy anyway; the atomic rename below publishes it.
            yield con
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            con = None
            if tmp_wal.exists():
                raise StoreError(f"DuckDB left a WAL file {tmp_wal} after closing; not swapping")
            _fsync_path(tmp)
            os.replace(tmp, store)
            store_wal.unlink(missing_ok=True)
            _fsync_path(store.parent, directory=True)
        except BaseException:
            if con is not None:
                with contextlib.suppress(Exception):
                    con.close()
            tmp.unlink(missing_ok=True)
            tmp_wal.unlink(missing_ok=True)
            raise


@dataclass(eq=False)
class _Version:
    """One opened version of the store: its hard link, connection and users."""

    key: str
    link: Path
    con: duckdb.DuckDBPyConnection
    refs: int = 0


class StoreReader:
    """Thread-safe read-only access to the store that follows swaps made by writers.

    Every `cursor()` first checks (one `os.stat`) whether the store file was replaced and, if so,
    opens the new version; cursors already handed out keep reading the version they started on.
    A version is closed, and its hard link deleted, when it is no longer current and its last
    cursor has been released.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).absolute()
        if not self.path.exists():
            raise StoreMissingError(f"The indicator store {self.path} does not exist.")
        self._links_dir = versions_dir(self.path)
        self._links_dir.mkdir(exist_ok=True)
        self._lock = threading.Lock()
        self._closed = False
        self._retired: list[_Version] = []
        self._remove_stale_links()
        self._current: _Version | None = self._open_version()

    # -- public API ------------------------------------------------------------------------

    def version(self) -> str:
        """Opaque id of the store file on disk (inode, mtime, size); changes on every write."""
        try:
            return _version_of(os.stat(self.path))
        except FileNotFoundError:
            raise StoreMissingError(f"The indicator store {self.path} does not exist.") from None

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor on the newest version, valid until the `with` block ends."""
        with self._lock:
            if self._closed:
                raise StoreError(f"The reader of {self.path} is closed.")
            self._refresh_locked()
            version = self._current
            assert version is not None
            cur = version.con.cursor()
            version.refs += 1
        try:
            yield cur
        finally:
            with contextlib.suppress(Exception):
                cur.close()
            with self._lock:
                version.refs -= 1
                if version is not self._current and version.refs == 0:
                    self._dispose_locked(version)

    def query_df(self, sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
        """Run one query (values only as bound parameters) and return its result as a frame."""
        with self.cursor() as cur:
            rel = cur.execute(sql) if params is None else cur.execute(sql, params)
            return rel.df()

    def open_versions(self) -> int:
        """How many versions this reader holds open (the current one plus any still in use)."""
        with self._lock:
            return len(self._retired) + (self._current is not None)

    def close(self) -> None:
        """Close every connection and remove this reader's links; safe to call twice.

        Cursors still in use keep working; their version is closed when they are released.
        """
        with self._lock:
            self._closed = True
            current, self._current = self._current, None
            if current is not None:
                self._retire_locked(current)

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _open_version(self) -> _Version:
        """Hard-link the store's current file under a private name and open it read-only.

        The link is made first and named after the link's own stat, so a swap between the two
        steps cannot mislabel it. The name carries pid and a per-process sequence number: two
        readers in one process never share a path, hence never share DuckDB's cached instance or
        delete each other's links.
        """
        pid = os.getpid()
        seq = next(_link_seq)
        pending = self._links_dir / f"pending-{pid}-{seq}.duckdb"
        link: Path | None = None
        with _live_links_lock:
            _live_links.add(pending.name)
        try:
            os.link(self.path, pending)
            st = os.stat(pending)
            link = self._links_dir / f"{st.st_ino}-{st.st_mtime_ns}-{pid}-{seq}.duckdb"
            with _live_links_lock:
                _live_links.add(link.name)
            os.replace(pending, link)
            con = duckdb.connect(str(link), read_only=True, config=reader_config())
        except BaseException as exc:
            pending.unlink(missing_ok=True)
            if link is not None:
                link.unlink(missing_ok=True)
                _forget_link(link)
            if isinstance(exc, FileNotFoundError) and not self.path.exists():
                raise StoreMissingError(
                    f"The indicator store {self.path} does not exist."
                ) from None
            raise
        finally:
            _forget_link(pending)
        return _Version(key=_version_of(st), link=link, con=con)

    def _refresh_locked(self) -> None:
        assert self._current is not None
        try:
            key = _version_of(os.stat(self.path))
        except FileNotFoundError:
            return  # keep serving the last version seen; os.replace never leaves a gap
        if key == self._current.key:
            return
        new = self._open_version()
        old, self._current = self._current, new
        self._retire_locked(old)

    def _retire_locked(self, version: _Version) -> None:
        if version.refs == 0:
            self._dispose_locked(version)
        else:
            self._retired.append(version)

    def _dispose_locked(self, version: _Version) -> None:
        with contextlib.suppress(Exception):
            version.con.close()
        version.link.unlink(missing_ok=True)
        _forget_link(version.link)
        if version in self._retired:
            self._retired.remove(version)

    def _remove_stale_links(self) -> None:
        """Delete links (and any WAL beside them) left by processes that no longer exist.

        Deleting a link another process still uses would be harmless anyway: DuckDB keeps its
        file descriptor, so the version stays readable until that process closes it.
        """
        me = os.getpid()
        for entry in self._links_dir.iterdir():
            stem, _, _ = entry.name.partition(".")
            parts = stem.split("-")
            if len(parts) < 2 or not parts[-2].isdigit():
                continue
            pid = int(parts[-2])
            if pid == me:
                with _live_links_lock:
                    stale = f"{stem}.duckdb" not in _live_links
            else:
                stale = not _pid_alive(pid)
            if stale:
                entry.unlink(missing_ok=True)
