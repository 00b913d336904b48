"""Local maintainer accounts: argon2id password hashes in a file outside git, with a lockout.

For local use and servers without the county's identity provider. The file
(`settings.accounts_path()`, default `data/accounts.json`, ignored by git, mode 0600) holds one
entry per account: the argon2id hash (argon2-cffi, RFC 9106 parameters), when and by whom the
password was set, and the count of failed sign-ins in a row. No account and no password ships
with the dashboard: `python -m indicators set-password USER` creates one.

After `MAX_FAILURES` wrong passwords in a row the account is locked for `LOCKOUT`; while locked,
no password is even checked, and the count lives in the file, so the lock holds across sessions,
browsers and restarts. Every read-modify-write of the file happens under an exclusive lock and
replaces the file atomically, so two sign-ins at once cannot lose a failure.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from indicators import auth
from indicators.settings import accounts_path

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_PASSWORD = 256  # argon2 takes any length; a cap keeps a huge paste from being a DoS
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
FORMAT_VERSION = 1

_HASHER = PasswordHasher()
_LOG = logging.getLogger(__name__)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against for unknown user names, so a wrong name costs as long as a wrong
    password (one per hasher, so it costs what that hasher's hashes cost). Made at the first
    sign-in, not on import: hashing takes about 0.2 s by design, and every page imports this
    module."""
    return hasher.hash(secrets.token_urlsafe(24))


class AccountError(ValueError):
    """A refused account change: `code` names the rule (messages live in the catalogue)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}" if params else code)


@dataclass(frozen=True)
class SignInResult:
    outcome: Literal["ok", "wrong", "locked", "unavailable"]
    principal: auth.Principal = auth.VIEWER
    set_at: str | None = None  # identifies the password generation a session signed in with
    locked_until: datetime | None = None
    failures_left: int | None = None


@dataclass(frozen=True)
class AccountStatus:
    username: str
    set_at: str
    set_by: str
    failures: int
    locked_until: datetime | None


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise AccountError("bad_username")
    return name


def check_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short", minimum=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise AccountError("password_long", maximum=MAX_PASSWORD)
    if normalise_username(username) in password.lower():
        raise AccountError("password_has_username")
    if len(set(password)) < 5:
        raise AccountError("password_repetitive")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _lock_file(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_file(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(path: Path) -> dict:
    """The accounts file's content; `AccountError("file_unreadable")` for anything that is not
    a well-formed accounts file (never a crash in the sign-in form)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {"version": FORMAT_VERSION, "accounts": {}}
    except OSError as exc:
        raise AccountError("file_unreadable", path=str(path)) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            raise ValueError("no accounts object")
        for entry in data["accounts"].values():
            _check_entry(entry)
    except (ValueError, TypeError, AttributeError) as exc:  # incl. UnicodeDecodeError
        raise AccountError("file_unreadable", path=str(path)) from exc
    return data


def _check_entry(entry: object) -> None:
    if not isinstance(entry, dict):
        raise ValueError("an account is not an object")
    if not isinstance(entry.get("hash"), str) or not entry["hash"].startswith("$argon2"):
        raise ValueError("an account has no argon2 hash")
    if not isinstance(entry.get("set_at"), str) or not entry["set_at"]:
        raise ValueError("an account has no set_at")
    failures = entry.get("failures", 0)
    if not isinstance(failures, int) or isinstance(failures, bool) or failures < 0:
        raise ValueError("failures is not a count")
    until = entry.get("locked_until")
    if until is not None:
        if not isinstance(until, str):
            raise ValueError("locked_until is not a time")
        if datetime.fromisoformat(until).tzinfo is None:
            raise ValueError("locked_until has no time zone")


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)  # the rename itself survives a crash (a counted failure too)
        finally:
            os.close(directory)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _locked_until(entry: dict) -> datetime | None:
    value = entry.get("locked_until")
    return datetime.fromisoformat(value) if value else None


def set_password(username: str, password: str, *, set_by: str, path: Path | None = None,
                 now: datetime | None = None) -> str:
    """Create the account or replace its password (which also lifts a lockout and signs out
    sessions that used the old one). Returns the normalised user name."""
    name = check_username(username)
    check_password(name, password)
    path = path or accounts_path()
    hashed = _HASHER.hash(password)
    with _locked(path):
        data = _read(path)
        data["accounts"][name] = {"hash": hashed, "set_at": _now(now).isoformat(),
                                  "set_by": set_by, "failures": 0, "locked_until": None}
        _write(path, data)
    _LOG.info("password set for account %s by %s", name, set_by)
    return name


def remove(username: str, *, path: Path | None = None) -> bool:
    name = normalise_username(username)
    path = path or accounts_path()
    with _locked(path):
        data = _read(path)
        found = data["accounts"].pop(name, None) is not None
        if found:
            _write(path, data)
    if found:
        _LOG.info("account %s removed", name)
    return found


def unlock(username: str, *, path: Path | None = None) -> bool:
    name = normalise_username(username)
    path = path or accounts_path()
    with _locked(path):
        data = _read(path)
        entry = data["accounts"].get(name)
        if entry is None:
            return False
        entry["failures"], entry["locked_until"] = 0, None
        _write(path, data)
    _LOG.info("account %s unlocked", name)
    return True


def statuses(path: Path | None = None) -> list[AccountStatus]:
    data = _read(path or accounts_path())
    return [AccountStatus(name, entry.get("set_at", ""), entry.get("set_by", ""),
                          int(entry.get("failures", 0)), _locked_until(entry))
            for name, entry in sorted(data["accounts"].items())]


def any_accounts(path: Path | None = None) -> bool:
    try:
        return bool(_read(path or accounts_path())["accounts"])
    except AccountError:
        return True  # a broken file is shown as a sign-in problem, not as "no accounts"


def sign_in(username: str, password: str, *, path: Path | None = None,
            now: datetime | None = None) -> SignInResult:
    """Check a password. A wrong user name and a wrong password look alike; a locked account
    says so (and until when) without checking the password at all. Never raises for a file
    problem: the result is then "unavailable"."""
    path = path or accounts_path()
    try:
        return _sign_in(username, password, path, now)
    except OSError as exc:  # e.g. the file or its lock belongs to another user (sudo set-password)
        _LOG.error("sign-in impossible: the accounts file %s cannot be used (%s)", path,
                   type(exc).__name__)
        return SignInResult("unavailable")


def _sign_in(username: str, password: str, path: Path, now: datetime | None) -> SignInResult:
    name = normalise_username(username)
    moment = _now(now)
    if len(password) > MAX_PASSWORD or not name:
        return SignInResult("wrong")
    with _locked(path):
        try:
            data = _read(path)
        except AccountError:
            _LOG.error("sign-in impossible: the accounts file %s is unreadable", path)
            return SignInResult("unavailable")
        entry = data["accounts"].get(name)
        if entry is None:
            with contextlib.suppress(VerificationError):
                _HASHER.verify(_dummy_hash(_HASHER), password)
            _LOG.warning("failed sign-in for an unknown account")
            return SignInResult("wrong")
        until = _locked_until(entry)
        if until is not None and until > moment:
            _LOG.warning("sign-in refused: account %s is locked until %s", name,
                         until.isoformat())
            return SignInResult("locked", locked_until=until)
        try:
            _HASHER.verify(entry["hash"], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            entry["failures"] = int(entry.get("failures", 0)) + 1
            if entry["failures"] >= MAX_FAILURES:
                entry["locked_until"] = (moment + LOCKOUT).isoformat()
            _write(path, data)
            if entry["failures"] >= MAX_FAILURES:
                _LOG.warning("account %s locked after %d failed sign-ins", name,
                             entry["failures"])
                return SignInResult("locked", locked_until=moment + LOCKOUT)
            _LOG.warning("failed sign-in for account %s (%d in a row)", name, entry["failures"])
            return SignInResult("wrong", failures_left=MAX_FAILURES - entry["failures"])
        entry["failures"], entry["locked_until"] = 0, None
        if _HASHER.check_needs_rehash(entry["hash"]):
            entry["hash"] = _HASHER.hash(password)
        _write(path, data)
    _LOG.info("account %s signed in", name)
    return SignInResult("ok", auth.maintainer(f"local:{name}"), set_at=entry["set_at"])


def still_valid(username: str, set_at: str | None, path: Path | None = None) -> bool:
    """Whether a session signed in as `username` with the password set at `set_at` may go on:
    false once the account is removed or its password replaced. (A lockout, which anyone who
    knows the user name can cause, does not end a session already signed in.)"""
    try:
        entry = _read(path or accounts_path())["accounts"].get(normalise_username(username))
    except AccountError:
        return False
    return entry is not None and entry.get("set_at") == set_at
