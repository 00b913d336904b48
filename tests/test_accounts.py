"""Local maintainer accounts: argon2id hashes in a private file, a lockout that holds across
processes, no password or hash in any log or output, and the CLI that manages them.

Every test works on its own accounts file (`DASHBOARD_ACCOUNTS` in tmp_path), never the repo's.
Most tests hash with cheap argon2id parameters (`quick_hashes`): verifying reads the parameters
from the hash itself, so checks in this process and in subprocesses are quick too. The file format
test and the CLI use the real parameters.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

from indicators import accounts, auth, settings
from indicators.accounts import LOCKOUT, MAX_FAILURES, AccountError
from indicators.i18n import t
from indicators.settings import REPO_ROOT

USER = "maija"
PASSWORD = "Vanajavesi-kesäyö-7391!"  # distinctive, so a leak into any output is found
NEW_PASSWORD = "Aulangon-torni-ja-4-kuusta"
WRONG = "Väärä-arvaus-20260302"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def accounts_file(tmp_path: Path, monkeypatch) -> Path:
    """This test's accounts file (in a directory of its own), also as `DASHBOARD_ACCOUNTS`, so
    nothing here can touch data/accounts.json."""
    path = tmp_path / "private" / "accounts.json"
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(path))
    return path


@pytest.fixture
def quick_hashes(monkeypatch) -> PasswordHasher:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_HASHER", hasher)
    return hasher


@pytest.fixture
def account(quick_hashes, accounts_file) -> str:
    """USER with PASSWORD, set at T0."""
    return accounts.set_password(USER, PASSWORD, set_by="os:tester", now=T0)


def _entry(path: Path, user: str = USER) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["accounts"][user]


def _status(user: str = USER) -> accounts.AccountStatus:
    return {s.username: s for s in accounts.statuses()}[user]


def _lock(at: datetime) -> None:
    for i in range(MAX_FAILURES):
        accounts.sign_in(USER, WRONG, now=at - (MAX_FAILURES - 1 - i) * SECOND)
    assert _status().locked_until == at + LOCKOUT


# -- the file ----------------------------------------------------------------------------------


def test_the_file_holds_an_argon2id_hash_never_the_password(accounts_file):
    assert accounts.set_password(" Maija ", PASSWORD, set_by="os:tester", now=T0) == USER
    text = accounts_file.read_text(encoding="utf-8")
    for form in (PASSWORD, json.dumps(PASSWORD), json.dumps(PASSWORD, ensure_ascii=False)):
        assert form not in text
    first = _entry(accounts_file)
    assert first["hash"].startswith("$argon2id$v=19$")
    assert not PasswordHasher().check_needs_rehash(first["hash"])  # the library's parameters
    assert PasswordHasher().verify(first["hash"], PASSWORD)
    assert (first["set_at"], first["set_by"], first["failures"]) == (T0.isoformat(), "os:tester",
                                                                    0)
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(f"{accounts_file}.lock").stat().st_mode) & 0o077 == 0
    # a new password: a new hash with a new salt, a new set_at, nothing left behind
    accounts.set_password(USER, PASSWORD, set_by="os:other", now=T0 + timedelta(days=1))
    second = _entry(accounts_file)
    assert second["hash"] != first["hash"]
    assert second["hash"].split("$")[-2] != first["hash"].split("$")[-2]  # the salt
    assert (second["set_at"], second["set_by"]) == ((T0 + timedelta(days=1)).isoformat(),
                                                    "os:other")
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in accounts_file.parent.iterdir()) == ["accounts.json",
                                                                      "accounts.json.lock"]


def test_other_accounts_are_kept(account, accounts_file):
    accounts.set_password("pekka", NEW_PASSWORD, set_by="os:tester", now=T0)
    assert [s.username for s in accounts.statuses()] == ["maija", "pekka"]
    assert accounts.sign_in(USER, PASSWORD, now=T0).outcome == "ok"
    assert accounts.remove("PEKKA") and [s.username for s in accounts.statuses()] == ["maija"]
    assert accounts.any_accounts() and not accounts.any_accounts(accounts_file.with_name("x"))


def test_a_weak_hash_is_upgraded_at_the_next_sign_in(monkeypatch, accounts_file):
    real = accounts._HASHER
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024,
                                                            parallelism=1))
    accounts.set_password(USER, PASSWORD, set_by="os:tester", now=T0)
    monkeypatch.setattr(accounts, "_HASHER", real)
    old = _entry(accounts_file)["hash"]
    assert accounts.sign_in(USER, PASSWORD, now=T0).outcome == "ok"
    new = _entry(accounts_file)["hash"]
    assert new != old and not PasswordHasher().check_needs_rehash(new)
    assert _entry(accounts_file)["set_at"] == T0.isoformat()  # the same password: sessions stay


# -- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username, password, code, params", [
    (USER, "Lyhyt-7!x", "password_short", {"minimum": 12}),
    (USER, "", "password_short", {"minimum": 12}),
    (USER, ("Aa1-" * 65)[:257], "password_long", {"maximum": 256}),
    (USER, "Salasana-MAIJA-2026", "password_has_username", {}),
    ("Pekka.V", "kesä-pekka.v-2026!", "password_has_username", {}),
    (USER, "abababababababab", "password_repetitive", {}),
    (USER, "aaaabbbbccccdddd", "password_repetitive", {}),
    ("", PASSWORD, "bad_username", {}),
    ("m", PASSWORD, "bad_username", {}),
    ("m" * 65, PASSWORD, "bad_username", {}),
    ("Mäijä", PASSWORD, "bad_username", {}),
    ("maija meikäläinen", PASSWORD, "bad_username", {}),
    ("-maija", PASSWORD, "bad_username", {}),
    ("../maija", PASSWORD, "bad_username", {}),
    ("maija@example.fi", PASSWORD, "bad_username", {}),
])
def test_bad_user_names_and_passwords_are_refused_and_nothing_is_written(
        username, password, code, params, accounts_file):
    with pytest.raises(AccountError) as caught:
        accounts.set_password(username, password, set_by="os:tester")
    assert (caught.value.code, caught.value.params) == (code, params)
    assert not accounts_file.parent.exists()  # not the file, its lock or its directory


def test_a_refused_new_password_leaves_the_account_as_it_was(account, accounts_file):
    before = accounts_file.read_bytes()
    with pytest.raises(AccountError, match="password_short"):
        accounts.set_password(USER, "Lyhyt-7!x", set_by="os:tester")
    assert accounts_file.read_bytes() == before
    assert accounts.sign_in(USER, PASSWORD, now=T0).outcome == "ok"


@pytest.mark.parametrize("username, password", [
    ("mk", "abcde" + "e" * 7),  # the shortest name, 12 characters, 5 different ones
    ("m" * 64, ("Aa1-x" * 52)[:256]),  # the longest name and password
    ("Maija.Meikalainen_2", PASSWORD),
])
def test_the_limits_themselves_are_allowed(username, password, quick_hashes):
    name = accounts.set_password(username, password, set_by="os:tester", now=T0)
    assert name == username.lower()
    assert accounts.sign_in(username.upper(), password, now=T0).outcome == "ok"


# -- signing in --------------------------------------------------------------------------------


def test_the_right_password_signs_in_a_local_maintainer(account):
    result = accounts.sign_in(USER, PASSWORD, now=T0)
    assert result.outcome == "ok"
    assert result.principal == auth.maintainer("local:maija")
    assert auth.require_writer(result.principal, "import") == "local:maija"
    assert result.set_at == T0.isoformat() == _status().set_at
    for name in ("MAIJA", " Maija\t"):  # user names are case-insensitive
        assert accounts.sign_in(name, PASSWORD, now=T0).principal.name == "local:maija"


def test_a_wrong_password_and_an_unknown_user_look_alike(account):
    wrong = accounts.sign_in(USER, WRONG, now=T0)
    assert wrong.outcome == "wrong" and wrong.principal == auth.VIEWER
    assert wrong.failures_left == MAX_FAILURES - 1 and wrong.set_at is None
    for name in ("pekka", "", "maija2"):
        unknown = accounts.sign_in(name, PASSWORD, now=T0)
        assert unknown.outcome == "wrong" and unknown.principal == auth.VIEWER
        assert unknown.set_at is None and unknown.locked_until is None
    assert accounts.sign_in(USER, PASSWORD.upper(), now=T0).outcome == "wrong"  # passwords: exact
    assert accounts.sign_in(USER, PASSWORD + " ", now=T0).outcome == "wrong"
    assert accounts.sign_in(USER, "x" * (accounts.MAX_PASSWORD + 1), now=T0).outcome == "wrong"
    assert [s.username for s in accounts.statuses()] == [USER]  # an unknown name adds nothing


# -- lockout -----------------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(account):
    for i in range(1, MAX_FAILURES):
        result = accounts.sign_in(USER, WRONG, now=T0 + i * SECOND)
        assert (result.outcome, result.failures_left) == ("wrong", MAX_FAILURES - i)
    at = T0 + MAX_FAILURES * SECOND
    locked = accounts.sign_in(USER, WRONG, now=at)
    assert locked.outcome == "locked" and locked.locked_until == at + LOCKOUT
    assert locked.principal == auth.VIEWER
    assert (_status().failures, _status().locked_until) == (MAX_FAILURES, at + LOCKOUT)
    for moment in (at, at + timedelta(minutes=1), at + LOCKOUT - SECOND):
        result = accounts.sign_in(USER, PASSWORD, now=moment)
        assert (result.outcome, result.locked_until) == ("locked", at + LOCKOUT)
        assert result.principal == auth.VIEWER and result.set_at is None
    # a wrong password while locked neither counts nor extends the lockout
    assert accounts.sign_in(USER, WRONG, now=at + timedelta(minutes=2)).locked_until \
        == at + LOCKOUT
    assert (_status().failures, _status().locked_until) == (MAX_FAILURES, at + LOCKOUT)
    # once the lockout has passed, the right password works and starts the count afresh
    assert accounts.sign_in(USER, PASSWORD, now=at + LOCKOUT + SECOND).outcome == "ok"
    assert (_status().failures, _status().locked_until) == (0, None)
    assert accounts.sign_in(USER, WRONG, now=at + LOCKOUT + 2 * SECOND).failures_left \
        == MAX_FAILURES - 1


def test_one_wrong_password_after_the_lockout_locks_again_at_once(account):
    at = T0 + timedelta(minutes=1)
    _lock(at)
    later = at + LOCKOUT + SECOND
    result = accounts.sign_in(USER, WRONG, now=later)
    assert (result.outcome, result.locked_until) == ("locked", later + LOCKOUT)
    assert _status().failures >= MAX_FAILURES  # expiry does not reset the count
    assert _status().locked_until == later + LOCKOUT
    assert accounts.sign_in(USER, PASSWORD, now=later + SECOND).outcome == "locked"


def test_a_success_before_the_limit_resets_the_count(account):
    for i in range(MAX_FAILURES - 1):
        assert accounts.sign_in(USER, WRONG, now=T0 + i * SECOND).outcome == "wrong"
    assert _status().failures == MAX_FAILURES - 1
    assert accounts.sign_in(USER, PASSWORD, now=T0 + 10 * SECOND).outcome == "ok"
    assert _status().failures == 0
    for i in range(MAX_FAILURES - 1):
        result = accounts.sign_in(USER, WRONG, now=T0 + (20 + i) * SECOND)
    assert (result.outcome, result.failures_left) == ("wrong", 1)
    assert _status().locked_until is None


def test_unlock_lifts_a_lockout(account):
    _lock(T0)
    assert accounts.unlock("MAIJA")
    assert (_status().failures, _status().locked_until) == (0, None)
    assert accounts.sign_in(USER, PASSWORD, now=T0 + SECOND).outcome == "ok"
    assert not accounts.unlock("pekka")
    assert [s.username for s in accounts.statuses()] == [USER]


def test_a_new_password_lifts_a_lockout(account):
    _lock(T0)
    accounts.set_password(USER, NEW_PASSWORD, set_by="os:tester", now=T0 + SECOND)
    assert (_status().failures, _status().locked_until) == (0, None)
    assert accounts.sign_in(USER, PASSWORD, now=T0 + 2 * SECOND).outcome == "wrong"
    assert accounts.sign_in(USER, NEW_PASSWORD, now=T0 + 3 * SECOND).outcome == "ok"


# -- across processes --------------------------------------------------------------------------

ATTEMPTS = """
import sys, time
from pathlib import Path
from indicators import accounts
user, password, count, max_failures, ready, go = sys.argv[1:7]
if max_failures != "default":
    accounts.MAX_FAILURES = int(max_failures)
if ready:
    Path(ready).touch()
    deadline = time.monotonic() + 60
    while not Path(go).exists():
        if time.monotonic() > deadline:
            sys.exit("never started")
        time.sleep(0.002)
for _ in range(int(count)):
    result = accounts.sign_in(user, password)
    print(result.outcome, result.failures_left, flush=True)
"""


def _attempts(password: str, count: int, *, max_failures: str = "default", ready: str = "",
              go: str = "") -> subprocess.Popen:
    """A new Python process signing in `count` times (the accounts file from the environment)."""
    return subprocess.Popen([sys.executable, "-c", ATTEMPTS, USER, password, str(count),
                             max_failures, ready, go], cwd=REPO_ROOT, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _outcomes(process: subprocess.Popen) -> list[tuple[str, str]]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return [tuple(line.split()) for line in out.splitlines()]


def test_a_lockout_holds_across_processes_and_restarts(account):
    first = _outcomes(_attempts(WRONG, MAX_FAILURES))
    assert [o for o, _ in first] == ["wrong"] * (MAX_FAILURES - 1) + ["locked"]
    # this process, started before, and a fresh one both find the account locked
    result = accounts.sign_in(USER, PASSWORD)
    assert result.outcome == "locked"
    assert result.locked_until > datetime.now(UTC)
    assert _status().failures == MAX_FAILURES
    assert [o for o, _ in _outcomes(_attempts(PASSWORD, 1))] == ["locked"]
    assert accounts.unlock(USER)
    assert [o for o, _ in _outcomes(_attempts(PASSWORD, 1))] == ["ok"]


def _at_once(tmp_path: Path, processes: int, count: int, max_failures: str
             ) -> list[tuple[str, str]]:
    """`processes` processes, each `count` wrong passwords, started together."""
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(processes)]
    started = [_attempts(WRONG, count, max_failures=max_failures, ready=str(r), go=str(go))
               for r in ready]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    return [o for p in started for o in _outcomes(p)]


def test_failures_at_the_same_time_are_all_counted(account, tmp_path):
    """The read-modify-write is under a lock: 2 processes x 3 wrong passwords count 6."""
    outcomes = _at_once(tmp_path, 2, 3, max_failures="100")
    assert _status().failures == 6
    assert sorted(int(left) for _, left in outcomes) == [94, 95, 96, 97, 98, 99]


def test_failures_at_the_same_time_lock_after_exactly_the_limit(account, tmp_path):
    outcomes = _at_once(tmp_path, 2, 3, max_failures="default")
    assert collections.Counter(o for o, _ in outcomes) == {"wrong": MAX_FAILURES - 1,
                                                           "locked": 6 - (MAX_FAILURES - 1)}
    assert sorted(int(left) for o, left in outcomes if o == "wrong") \
        == list(range(1, MAX_FAILURES))
    assert _status().failures == MAX_FAILURES and _status().locked_until is not None


# -- sessions ----------------------------------------------------------------------------------


def test_a_session_lasts_until_the_password_changes_or_the_account_goes(account):
    set_at = accounts.sign_in(USER, PASSWORD, now=T0).set_at
    assert accounts.still_valid(USER, set_at) and accounts.still_valid(" MAIJA ", set_at)
    assert not accounts.still_valid(USER, None)
    assert not accounts.still_valid(USER, (T0 - SECOND).isoformat())
    assert not accounts.still_valid("pekka", set_at)
    _lock(T0 + timedelta(minutes=1))  # anyone can cause a lockout: it ends no session
    assert accounts.still_valid(USER, set_at)
    accounts.set_password(USER, NEW_PASSWORD, set_by="os:tester", now=T0 + timedelta(hours=1))
    assert not accounts.still_valid(USER, set_at)
    new_set_at = accounts.sign_in(USER, NEW_PASSWORD, now=T0 + timedelta(hours=1)).set_at
    assert new_set_at == (T0 + timedelta(hours=1)).isoformat()
    assert accounts.still_valid(USER, new_set_at)
    assert accounts.remove(USER) and not accounts.remove(USER)
    assert not accounts.still_valid(USER, new_set_at)
    assert accounts.sign_in(USER, NEW_PASSWORD).outcome == "wrong"
    assert not accounts.any_accounts()


# -- a damaged file ----------------------------------------------------------------------------

CORRUPT = {
    "not_json": b'{"version": 1, "accounts": {"maija": ',
    "empty": b"",
    "a_list": b"[]",
    "accounts_not_an_object": b'{"version": 1, "accounts": []}',
    "not_utf8": b"\xff\xfe\x00\x81 garbage",
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_file_is_a_problem_not_a_crash_and_is_left_alone(content, accounts_file,
                                                                   quick_hashes):
    accounts_file.parent.mkdir()
    accounts_file.write_bytes(content)
    result = accounts.sign_in(USER, PASSWORD)
    assert result.outcome == "unavailable" and result.principal == auth.VIEWER
    assert accounts.any_accounts()  # shown as a problem, not as "no accounts yet"
    assert not accounts.still_valid(USER, T0.isoformat())
    with pytest.raises(AccountError) as caught:
        accounts.set_password(USER, PASSWORD, set_by="os:tester")
    assert caught.value.code == "file_unreadable"
    assert caught.value.params == {"path": str(accounts_file)}
    with pytest.raises(AccountError, match="file_unreadable"):
        accounts.statuses()
    assert accounts_file.read_bytes() == content


DAMAGED_ENTRIES = {
    "entry_not_an_object": {"maija": "x"},
    "entry_without_hash": {"maija": {"set_at": T0.isoformat(), "failures": 0}},
    "locked_until_not_a_time": {"maija": {"hash": "$argon2id$x", "set_at": T0.isoformat(),
                                          "failures": 5, "locked_until": "soon"}},
    "failures_not_a_count": {"maija": {"hash": "$argon2id$x", "set_at": T0.isoformat(),
                                       "failures": "many"}},
}


@pytest.mark.parametrize("entries", DAMAGED_ENTRIES.values(), ids=DAMAGED_ENTRIES.keys())
def test_a_damaged_entry_does_not_crash_sign_in(entries, accounts_file):
    accounts_file.parent.mkdir()
    accounts_file.write_text(json.dumps({"version": 1, "accounts": entries}), encoding="utf-8")
    assert accounts.sign_in(USER, PASSWORD).outcome in ("unavailable", "wrong")
    assert not accounts.still_valid(USER, T0.isoformat())


# -- logs --------------------------------------------------------------------------------------


def test_no_password_or_hash_in_any_log_but_the_user_name_for_failures(account, accounts_file,
                                                                      caplog):
    caplog.set_level(logging.DEBUG, logger="indicators")
    accounts.set_password(USER, PASSWORD, set_by="os:tester", now=T0)
    stored = _entry(accounts_file)["hash"]
    assert accounts.sign_in(USER, PASSWORD, now=T0).outcome == "ok"
    for i in range(MAX_FAILURES):
        accounts.sign_in(USER, WRONG, now=T0 + i * SECOND)
    assert accounts.sign_in(USER, PASSWORD, now=T0 + timedelta(minutes=1)).outcome == "locked"
    accounts.sign_in(PASSWORD, WRONG, now=T0)  # a password typed into the user name field
    accounts.unlock(USER)
    accounts.set_password(USER, NEW_PASSWORD, set_by="os:tester", now=T0)
    current = _entry(accounts_file)["hash"]

    records = caplog.records
    assert records and all(r.name.startswith("indicators") for r in records)
    secrets_ = [PASSWORD, NEW_PASSWORD, WRONG, stored, current,
                *(h.split("$")[-1] for h in (stored, current)),  # the digests
                *(h.split("$")[-2] for h in (stored, current))]  # the salts
    for record in records:
        texts = [record.getMessage(), repr(record.args), record.exc_text or "",
                 str(record.msg)]
        for secret in secrets_:
            assert not any(secret in text for text in texts), record.getMessage()
    assert PASSWORD not in caplog.text and stored not in caplog.text
    failures = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    assert len(failures) == MAX_FAILURES + 2  # 4 wrong, the lock, the refusal, the unknown name
    assert sum(USER in message for message in failures) == MAX_FAILURES + 1
    assert any(USER in r.getMessage() for r in records if r.levelno == logging.INFO)


# -- the CLI -----------------------------------------------------------------------------------


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m indicators ...` with this test's DASHBOARD_ACCOUNTS; stdin a pipe (so never a
    terminal) holding `stdin`, or /dev/null."""
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=REPO_ROOT,
                          env=dict(os.environ), input=stdin,
                          stdin=subprocess.DEVNULL if stdin is None else None,
                          capture_output=True, text=True, timeout=120)


def test_cli_set_password_from_stdin_and_list_users(accounts_file):
    result = _cli("set-password", "Maija", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == t("accounts.cli.set", "fi", user=USER, path=str(accounts_file)) + "\n"
    assert result.stdout == ""
    assert PASSWORD not in result.stdout + result.stderr
    stored = _entry(accounts_file)["hash"]
    assert PasswordHasher().verify(stored, PASSWORD)  # the line without its newline
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, PASSWORD + "\n")

    listed = _cli("users")
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [(r["user"], r["failures_in_a_row"], r["locked_until"]) for r in rows] \
        == [(USER, "0", "")]
    assert rows[0]["set_by"].startswith("os:") and rows[0]["password_set_at"]
    assert "argon2" not in listed.stdout and stored.split("$")[-1] not in listed.stdout


def test_cli_refuses_a_short_password_in_finnish(accounts_file):
    result = _cli("set-password", USER, "--password-stdin", stdin="Qz7!xK\n")
    assert result.returncode == 1
    assert result.stderr == t("accounts.error.password_short", "fi", minimum=12) + "\n"
    assert "liian lyhyt" in result.stderr and "Qz7!xK" not in result.stderr + result.stdout
    assert not accounts_file.exists()


def test_cli_without_a_terminal_asks_for_password_stdin(accounts_file):
    result = _cli("set-password", USER, stdin=PASSWORD + "\n")
    assert result.returncode == 2
    assert result.stderr == t("accounts.cli.needs_tty", "fi") + "\n"
    assert "--password-stdin" in result.stderr and PASSWORD not in result.stderr
    assert not accounts_file.exists()


def test_cli_unlock_and_remove_user(quick_hashes, accounts_file):
    for command in ("unlock", "remove-user"):
        result = _cli(command, "pekka")
        assert result.returncode == 1
        assert result.stderr == t("accounts.cli.not_found", "fi", user="pekka") + "\n"
    accounts.set_password(USER, PASSWORD, set_by="os:tester")
    _lock(datetime.now(UTC))
    result = _cli("unlock", "MAIJA")
    assert result.returncode == 0 and USER in result.stderr
    assert (_status().failures, _status().locked_until) == (0, None)
    result = _cli("remove-user", "Maija")
    assert result.returncode == 0
    assert result.stderr == t("accounts.cli.removed", "fi", user=USER) + "\n"
    assert accounts.statuses() == [] and not accounts.any_accounts()


def test_cli_leaves_a_corrupt_file_alone(accounts_file):
    accounts_file.parent.mkdir()
    accounts_file.write_bytes(CORRUPT["not_json"])
    result = _cli("set-password", USER, "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 1
    assert result.stderr == t("accounts.error.file_unreadable", "fi",
                              path=str(accounts_file)) + "\n"
    assert _cli("users").returncode == 1
    assert accounts_file.read_bytes() == CORRUPT["not_json"]


# -- never in git ------------------------------------------------------------------------------


def test_the_default_accounts_file_is_beside_the_store(monkeypatch, tmp_path):
    monkeypatch.delenv("DASHBOARD_ACCOUNTS")
    monkeypatch.delenv("DASHBOARD_DB", raising=False)
    assert settings.accounts_path() == REPO_ROOT / "data" / "accounts.json"
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "srv" / "dashboard.duckdb"))
    assert settings.accounts_path() == tmp_path / "srv" / "accounts.json"


def test_the_accounts_file_is_never_in_git():
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    for path in ("data/accounts.json", "data/accounts.json.lock",
                 "data/.accounts.json.0a1b2c3d.tmp"):
        check = subprocess.run([git, "check-ignore", "-q", path], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, f"{path} is not ignored by git: {check.stderr}"
    tracked = subprocess.run([git, "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=60, check=True).stdout.splitlines()
    assert tracked and not [p for p in tracked if Path(p).name.startswith("accounts.json")]


def test_a_lock_file_the_app_cannot_open_makes_sign_in_unavailable_not_a_crash(accounts_file,
                                                                               quick_hashes):
    """E.g. `sudo python -m indicators set-password` left root-owned files behind."""
    accounts.set_password(USER, PASSWORD, set_by="os:tester")
    lock = accounts_file.with_name(accounts_file.name + ".lock")
    lock.unlink()
    lock.mkdir()  # opening it for writing fails as a foreign-owned file would
    before = accounts_file.read_bytes()
    assert accounts.sign_in(USER, PASSWORD).outcome == "unavailable"
    assert accounts_file.read_bytes() == before
