"""Roles: only maintainers (and the app's own system writes) change the store.

`require_writer` and the OIDC mapping on their own, then every write function refused for a
viewer (and for a bare string) with the store directory left exactly as it was, and a static
check that no function in indicators/ reaches the store's writer without a role check.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import shutil
import types
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from indicators import audit, auth, backup, build, checkins, imports
from indicators.settings import REPO_ROOT
from indicators.store import StoreReader, write_transaction

VIEWER_OIDC = auth.Principal("oidc:pekka@example.fi", "viewer")
REFUSED: list[object] = [
    auth.VIEWER,
    VIEWER_OIDC,
    auth.maintainer(""),
    auth.maintainer("   "),
    auth.Principal("local:maija", "admin"),  # type: ignore[arg-type] - not a role
    "os:root",
    "local:maija",
    None,
    types.SimpleNamespace(name="local:maija", role="maintainer", can_write=True),
]


# -- require_writer ----------------------------------------------------------------------------


@pytest.mark.parametrize("principal, name", [
    (auth.maintainer("local:maija"), "local:maija"),
    (auth.maintainer("oidc:maija@example.fi"), "oidc:maija@example.fi"),
    (auth.system("first-start"), "system:first-start"),
    (auth.Principal("os:root", "maintainer"), "os:root"),
])
def test_require_writer_accepts_maintainers_and_the_system(principal, name):
    assert principal.can_write
    assert auth.require_writer(principal, "import") == name


def test_the_cli_operator_is_a_named_maintainer():
    principal = auth.operator()
    assert principal.role == "maintainer" and principal.name.startswith("os:")
    assert auth.require_writer(principal, "import") == principal.name


@pytest.mark.parametrize("principal", REFUSED, ids=repr)
def test_require_writer_refuses_everyone_else(principal):
    with pytest.raises(auth.NotAllowedError) as caught:
        auth.require_writer(principal, "checkin")
    assert isinstance(caught.value, PermissionError)
    assert caught.value.principal is principal and caught.value.action == "checkin"
    assert str(caught.value).startswith("checkin: ")
    assert "maintainers only" in str(caught.value)
    if isinstance(principal, auth.Principal):
        assert not principal.can_write


def test_a_bare_string_is_not_named_in_the_refusal():
    """The message names a Principal, but never echoes a string as if it were a signed-in name."""
    with pytest.raises(auth.NotAllowedError) as caught:
        auth.require_writer("local:maija", "import")
    assert "local:maija" not in str(caught.value) and "str" in str(caught.value)


# -- OIDC claims -------------------------------------------------------------------------------

MAINTAINERS = ["  Maija.Meikalainen@Hameenlinna.FI ", "liisa@example.fi", ""]


def test_logged_out_is_the_viewer():
    assert auth.principal_from_claims({}, MAINTAINERS) is auth.VIEWER
    claims = {"is_logged_in": False, "email": "liisa@example.fi", "email_verified": True}
    assert auth.principal_from_claims(claims, MAINTAINERS) is auth.VIEWER


@pytest.mark.parametrize("email", ["maija.meikalainen@hameenlinna.fi",
                                   "  MAIJA.Meikalainen@hameenlinna.fi\t",
                                   "Maija.Meikalainen@Hameenlinna.FI"])
@pytest.mark.parametrize("verified", [{"email_verified": True}, {"email_verified": "true"}])
def test_a_listed_email_is_a_maintainer_whatever_its_case(email, verified):
    claims = {"is_logged_in": True, "email": email, **verified}
    principal = auth.principal_from_claims(claims, MAINTAINERS)
    assert principal == auth.Principal("oidc:maija.meikalainen@hameenlinna.fi", "maintainer")
    assert auth.require_writer(principal, "import") == "oidc:maija.meikalainen@hameenlinna.fi"


def test_an_unlisted_email_is_a_named_viewer():
    claims = {"is_logged_in": True, "email": "Pekka@Example.fi", "email_verified": True}
    principal = auth.principal_from_claims(claims, MAINTAINERS)
    assert principal == auth.Principal("oidc:pekka@example.fi", "viewer")
    assert not principal.can_write
    # no list at all: nobody signed in through OIDC may write
    assert not auth.principal_from_claims({**claims, "email": "liisa@example.fi"}, []).can_write


@pytest.mark.parametrize("flag", [{}, {"email_verified": None}, {"email_verified": 0},
                                  {"email_verified": "no"}, {"email_verified": "0"}])
def test_an_email_not_said_to_be_verified_is_a_viewer(flag):
    """Microsoft Entra ID sends no email_verified: its e-mail may be a guest's unverified one."""
    claims = {"is_logged_in": True, "email": "liisa@example.fi", **flag}
    assert not auth.principal_from_claims(claims, MAINTAINERS).can_write
    trusted = auth.principal_from_claims(claims, MAINTAINERS, trust_unverified_email=True)
    assert trusted.can_write  # only when the deployment says its provider can be trusted


def test_a_listed_subject_is_a_maintainer_whatever_the_email():
    claims = {"is_logged_in": True, "sub": "00u-liisa", "email": "other@example.fi"}
    assert auth.principal_from_claims(claims, [], ["00u-liisa"]) == auth.maintainer(
        "oidc:other@example.fi")
    no_email = {"is_logged_in": True, "sub": "00u-liisa"}
    assert auth.principal_from_claims(no_email, [], ["00u-liisa"]).name == "oidc:sub:00u-liisa"
    assert not auth.principal_from_claims(no_email, [], ["00u-other"]).can_write


def test_an_unverified_email_is_a_viewer_even_when_listed():
    claims = {"is_logged_in": True, "email": "liisa@example.fi", "email_verified": False}
    principal = auth.principal_from_claims(claims, MAINTAINERS)
    assert principal == auth.Principal("oidc:liisa@example.fi", "viewer")
    with pytest.raises(auth.NotAllowedError):
        auth.require_writer(principal, "import")


def test_an_unverified_email_sent_as_a_string_is_a_viewer():
    """Some identity providers (e.g. AWS Cognito) send the claim as the string 'false'."""
    for flag in ("false", " False "):
        claims = {"is_logged_in": True, "email": "liisa@example.fi", "email_verified": flag}
        assert not auth.principal_from_claims(claims, MAINTAINERS).can_write
    claims = {"is_logged_in": True, "email": "liisa@example.fi", "email_verified": "true"}
    assert auth.principal_from_claims(claims, MAINTAINERS).can_write


@pytest.mark.parametrize("email", [None, "", "liisa", 42, ["liisa@example.fi"],
                                   {"address": "liisa@example.fi"}])
def test_a_missing_or_garbage_email_is_the_viewer(email):
    claims = {"is_logged_in": True, "email_verified": True}
    if email is not None:
        claims["email"] = email
    assert auth.principal_from_claims(claims, MAINTAINERS) is auth.VIEWER


# -- every write function refuses a viewer, touching nothing -----------------------------------

RATE = f"{250 / 2680 * 1000:.1f}".replace(".", ",")  # as Finnish Excel writes it
VALID_CSV = ("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
             f"cw_notifications_rate;KU061;2026;{RATE};250;2680\n")
TODAY = date(2026, 11, 15)
VALID_CHECKIN = checkins.CheckIn(
    "contacts_attention_hml", "2026Q3", 7, "Yhteydenotot vähenivät.", "Himmee hetki käytössä.",
    "Kartoitukset kouluihin.", "Hämeenlinnan seudun perhekeskustyöryhmä", date(2026, 11, 3))


def _snapshot(directory: Path) -> dict[str, str]:
    """Every file and directory under `directory`, files with their sha256."""
    out = {}
    for path in sorted(directory.rglob("*")):
        key = str(path.relative_to(directory))
        out[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return out


def _audit_count(store: Path) -> int:
    with StoreReader(store) as reader:
        return len(audit.entries(reader))


def _latest_import(store: Path) -> int:
    with StoreReader(store) as reader:
        return int(reader.query_df("SELECT max(import_id) AS i FROM import_log "
                                   "WHERE outcome = 'ok'")["i"].iloc[0])


def _write_in_transaction(store: Path, actor: object) -> None:
    with write_transaction(store, actor=actor) as con:  # type: ignore[arg-type]
        audit.record(con, actor="test", action="import", target="role test", sha256="0" * 64)


Call = Callable[[object], object]


def _call(function: str, store: Path, new_store: Path, inputs: Path, config,
          demo_tables_dir: Path) -> Call:
    """The write function `function`, ready to call with only the actor missing: a valid file
    to import, the latest import to roll back, a valid check-in, a verified backup to restore."""
    if function == "imports.import_file":
        data = inputs / "uusi.csv"
        data.write_text(VALID_CSV, encoding="utf-8")
        assert imports.check_file(data, config)[0].ok
        return lambda actor: imports.import_file(data, config, store, actor=actor)
    if function == "imports.rollback":
        import_id = _latest_import(store)
        return lambda actor: imports.rollback(store, import_id, config, actor=actor)
    if function == "checkins.save":
        assert checkins.problems(VALID_CHECKIN, config, TODAY) == []
        return lambda actor: checkins.save(store, VALID_CHECKIN, config, actor=actor,
                                           today=TODAY)
    if function == "backup.restore_backup":
        saved = backup.create_backup(store, inputs / "bk")
        return lambda actor: backup.restore_backup(saved.path, store, actor=actor)
    if function == "build.build_demo_store":
        # only_if_empty: a maintainer's call then leaves the demo store as it is (a rebuild
        # would take many seconds and prove nothing more about the role)
        return lambda actor: build.build_demo_store(store, config, actor=actor,
                                                    tables_dir=demo_tables_dir,
                                                    only_if_empty=True)
    if function == "build.resync_with_config":
        return lambda actor: build.resync_with_config(store, config, actor=actor)
    if function == "build.ensure_store":
        return lambda actor: build.ensure_store(new_store, config, actor=actor)
    assert function == "store.write_transaction"
    return lambda actor: _write_in_transaction(store, actor)


WRITE_FUNCTIONS = ["imports.import_file", "imports.rollback", "checkins.save",
                   "backup.restore_backup", "build.build_demo_store",
                   "build.resync_with_config", "build.ensure_store", "store.write_transaction"]


@pytest.mark.parametrize("function", WRITE_FUNCTIONS)
def test_every_write_function_refuses_a_viewer_and_changes_nothing(
        function, store_path, tmp_path, config, demo_tables_dir):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    store = store_dir / "dashboard.duckdb"
    shutil.copy(store_path, store)
    new_store = tmp_path / "new" / "sub" / "dashboard.duckdb"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    call = _call(function, store, new_store, inputs, config, demo_tables_dir)
    entries = _audit_count(store)
    before = _snapshot(store_dir)
    store_sha = hashlib.sha256(store.read_bytes()).hexdigest()

    for actor in (auth.VIEWER, VIEWER_OIDC, "os:root", auth.maintainer(" ")):
        with pytest.raises(auth.NotAllowedError):
            call(actor)
        # byte for byte the same store, and no temp file, lock, rejection log or backup appeared
        assert hashlib.sha256(store.read_bytes()).hexdigest() == store_sha
        assert _snapshot(store_dir) == before
        assert not imports.rejection_log_path(store).exists()
        assert not (tmp_path / "new").exists()
    assert _audit_count(store) == entries

    # the same call by a maintainer goes through: the refusal was the role, nothing else
    result = call(auth.maintainer("test:role-check"))
    if function == "build.ensure_store":
        assert result is True and new_store.exists() and _audit_count(new_store) == 1
    elif function == "build.build_demo_store":
        assert result is None and _audit_count(store) == entries  # it held an import already
    else:
        assert hashlib.sha256(store.read_bytes()).hexdigest() != store_sha
        assert _audit_count(store) == entries + 1
        with StoreReader(store) as reader:
            newest = audit.entries(reader).iloc[0]
        expected_actor = "test" if function == "store.write_transaction" else "test:role-check"
        assert newest["actor"] == expected_actor


def test_the_role_is_checked_before_anything_is_read(tmp_path, config):
    """A viewer learns nothing from a write function, not even whether a file exists."""
    missing = tmp_path / "no_such_file.csv"
    store = tmp_path / "no_store.duckdb"
    with pytest.raises(auth.NotAllowedError):
        imports.import_file(missing, config, store, actor=auth.VIEWER)
    with pytest.raises(auth.NotAllowedError):
        backup.restore_backup(tmp_path / "no_backup.duckdb", store, actor=auth.VIEWER)
    with pytest.raises(auth.NotAllowedError):
        imports.rollback(store, 1, config, actor=auth.VIEWER)
    with pytest.raises(auth.NotAllowedError):
        checkins.save(store, VALID_CHECKIN, config, actor=auth.VIEWER, today=TODAY)
    assert list(tmp_path.iterdir()) == []


# -- statically: no write path without a role check --------------------------------------------

PRIMITIVES = {"write_transaction", "_exclusive_lock"}  # the store's writer and its lock


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _opens_duckdb_for_writing(call: ast.Call) -> bool:
    """`duckdb.connect(<file>)` without read_only=True (":memory:" is no store)."""
    if ast.unparse(call.func) not in ("duckdb.connect", "connect"):
        return False
    if call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value == ":memory:":
        return False
    return not any(k.arg == "read_only" and isinstance(k.value, ast.Constant)
                   and k.value.value is True for k in call.keywords)


def _body_without_docstring(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _checks_role_first(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The first statement (after the docstring) is `[name =] auth.require_writer(actor, ...)`
    on the function's own `actor` parameter: checked before anything is touched."""
    body = _body_without_docstring(node)
    if not body or not isinstance(body[0], ast.Expr | ast.Assign):
        return False
    call = body[0].value
    params = {a.arg for a in (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs)}
    return (isinstance(call, ast.Call)
            and ast.unparse(call.func) in ("auth.require_writer", "require_writer")
            and bool(call.args) and isinstance(call.args[0], ast.Name)
            and call.args[0].id == "actor" and "actor" in params)


@functools.cache
def _parse(source: str) -> ast.Module:
    return ast.parse(source)  # cached: each test of the checker parses the whole package


def unchecked_write_paths(sources: dict[str, str]) -> tuple[list[str], set[str]]:
    """(problems, names of the functions found to write) for modules given as {name: source}.

    A function *writes* when it calls the store's writer or lock (`write_transaction`,
    `_exclusive_lock`), opens a DuckDB file for writing, or calls a function that writes without
    checking the role itself. Each writing function must check the role first, or be private and
    called only from functions that do (a helper like `backup._write_lock`). Module-level write
    calls are problems too. `store.py` defines the primitives and is left out by the caller.
    """
    functions: dict[str, list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]] = {}
    problems = []
    for module, source in sources.items():
        tree = _parse(source)
        for node in tree.body:  # statements run at import time
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for call in (c for c in ast.walk(node) if isinstance(c, ast.Call)):
                if _called_name(call) in PRIMITIVES or _opens_duckdb_for_writing(call):
                    problems.append(f"{module}: a write at module level, line {call.lineno}")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.setdefault(node.name, []).append((module, node))

    nodes = [node for defs in functions.values() for _, node in defs]
    called: dict[int, set[str]] = {}
    writing: set[int] = set()
    for node in nodes:
        found = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
        called[id(node)] = {_called_name(c) for c in found} - {node.name}
        if called[id(node)] & PRIMITIVES or any(_opens_duckdb_for_writing(c) for c in found):
            writing.add(id(node))
    checked = {id(node) for node in nodes if _checks_role_first(node)}
    unchecked_writers: set[str] = set()  # names a call to which is a write
    changed = True
    while changed:
        unchecked_writers = {n.name for n in nodes if id(n) in writing and id(n) not in checked}
        grown = {id(n) for n in nodes if called[id(n)] & unchecked_writers} - writing
        writing |= grown
        changed = bool(grown)

    callers: dict[str, set[str]] = {}
    for node in nodes:
        for name in called[id(node)]:
            callers.setdefault(name, set()).add(node.name)
    names = set()
    for name, defs in functions.items():
        for module, node in defs:
            if id(node) not in writing:
                continue
            names.add(f"{module}:{name}")
            if id(node) in checked:
                continue
            if not name.startswith("_"):
                problems.append(f"{module}:{name} writes without `auth.require_writer(actor, …)` "
                                "as its first statement")
            elif not callers.get(name):
                problems.append(f"{module}:{name} is a private writer that nothing here calls")
            # else: its callers write in turn and are checked themselves
    return problems, names


def _package_sources() -> dict[str, str]:
    paths = [*sorted((REPO_ROOT / "indicators").glob("*.py")), REPO_ROOT / "dashboard.py",
             *sorted((REPO_ROOT / "pages").glob("*.py"))]
    return {str(p.relative_to(REPO_ROOT)): p.read_text(encoding="utf-8") for p in paths
            if p.name != "store.py" or p.parent.name != "indicators"}


def test_every_write_path_checks_the_role():
    """Statically: every function in indicators/ (and the pages) that reaches the store's writer
    or its lock checks the role first, or is a private helper called only by ones that do."""
    problems, writers = unchecked_write_paths(_package_sources())
    assert problems == []
    for expected in ("imports.py:import_file", "imports.py:rollback", "checkins.py:save",
                     "backup.py:restore_backup", "backup.py:_write_lock",
                     "backup.py:_record_restore", "build.py:build_demo_store",
                     "build.py:resync_with_config"):
        assert f"indicators/{expected}" in writers, writers


def test_every_function_taking_a_principal_checks_it_first():
    """A function with `actor: auth.Principal` (the write functions, `write_transaction`) checks
    it in its first statement, so a caller cannot skip the check by choosing another entry."""
    found = {}
    for path in sorted((REPO_ROOT / "indicators").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs)
            if any(a.arg == "actor" and a.annotation is not None
                   and ast.unparse(a.annotation) in ("auth.Principal", "Principal")
                   for a in args):
                found[f"{path.name}:{node.name}"] = _checks_role_first(node)
    assert {"imports.py:import_file", "imports.py:rollback", "checkins.py:save",
            "backup.py:restore_backup", "build.py:build_demo_store",
            "build.py:resync_with_config", "build.py:ensure_store",
            "store.py:write_transaction"} <= set(found)
    assert [name for name, ok in found.items() if not ok] == []


@pytest.mark.parametrize("module, function, action", [
    ("imports", "import_file", "import"), ("imports", "rollback", "rollback"),
    ("checkins", "save", "checkin"), ("backup", "restore_backup", "restore"),
    ("build", "build_demo_store", "demo_build"), ("build", "resync_with_config", "config_resync"),
])
def test_the_static_check_fails_when_a_real_write_function_loses_its_check(module, function,
                                                                           action):
    sources = _package_sources()
    key = f"indicators/{module}.py"
    check = f'auth.require_writer(actor, "{action}")'
    assert check in sources[key]
    sources[key] = sources[key].replace(check, "str(actor)", 1)  # the first: `function`'s
    problems, _ = unchecked_write_paths(sources)
    # (its callers are then writers too, and by name: a lost check shows up more than once)
    assert (f"{key}:{function} writes without `auth.require_writer(actor, …)` as its first "
            "statement") in problems


@pytest.mark.parametrize("source, problem", [
    ("from indicators.store import write_transaction\n"
     "def save_note(path, actor):\n"
     "    with write_transaction(path, actor=actor) as con:\n"
     "        con.execute('INSERT INTO note VALUES (1)')\n", "new.py:save_note writes"),
    ("def save_note(path, actor):\n"
     "    with write_transaction(path, actor=actor) as con:\n"
     "        auth.require_writer(actor, 'note')\n", "new.py:save_note writes"),
    ("def save_note(path, actor):\n"
     "    if actor:\n"
     "        auth.require_writer(actor, 'note')\n"
     "    _write(path)\n"
     "def _write(path):\n"
     "    with store._exclusive_lock(path, 1.0):\n"
     "        pass\n", "new.py:save_note writes"),
    ("def save_note(path, actor):\n"
     "    auth.require_writer(someone_else, 'note')\n"
     "    _write(path)\n"
     "def _write(path):\n"
     "    con = duckdb.connect(str(path))\n", "new.py:save_note writes"),
    ("def _orphan(path):\n"
     "    with write_transaction(path, actor=auth.system('x')):\n"
     "        pass\n", "new.py:_orphan is a private writer"),
    ("with write_transaction('x.duckdb', actor=auth.system('x')) as con:\n"
     "    pass\n", "new.py: a write at module level"),
])
def test_the_static_check_finds_a_new_write_path_without_a_role_check(source, problem):
    problems, _ = unchecked_write_paths({"new.py": source})
    assert any(p.startswith(problem) for p in problems), problems


def test_the_static_check_accepts_a_checked_writer_and_its_private_helper():
    source = ("def save_note(path, *, actor):\n"
              "    '''Save.'''\n"
              "    name = auth.require_writer(actor, 'note')\n"
              "    _write(path, name)\n"
              "def _write(path, name):\n"
              "    with _exclusive_lock(path, 1.0):\n"
              "        duckdb.connect(str(path), read_only=True)\n"
              "def cmd_note(args):\n"
              "    save_note(args.path, actor=operator())\n")
    problems, writers = unchecked_write_paths({"new.py": source})
    assert problems == [] and writers == {"new.py:save_note", "new.py:_write"}
