"""The audit trail: every write leaves one entry, in the same transaction, with a content hash."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import shutil
from datetime import date

import pytest

from indicators import audit, auth, checkins, imports
from indicators.build import file_sha256
from indicators.settings import DEMO_DIR, REPO_ROOT
from indicators.store import StoreReader, write_transaction


@pytest.fixture
def store(store_path, tmp_path):
    path = tmp_path / "dashboard.duckdb"
    shutil.copy(store_path, path)
    return path


def _trail(path):
    with StoreReader(path) as reader:
        return audit.entries(reader)


def test_the_demo_build_is_the_first_entry(reader):
    trail = audit.entries(reader)
    first = trail.iloc[-1]
    assert first["action"] == "demo_build" and first["actor"] == "test:fixture"
    assert first["content_sha256"] == file_sha256(sorted(DEMO_DIR.glob("*.csv")))


def test_an_import_and_its_rollback_are_logged_with_the_files_hash(store, config, tmp_path):
    data = tmp_path / "uusi.csv"
    data.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
                    "cw_notifications_rate;KU061;2026;93,3;250;2680\n", encoding="utf-8")
    before = len(_trail(store))
    report = imports.import_file(data, config, store, actor=auth.maintainer("maija@host"))
    assert report.import_id is not None
    trail = _trail(store)
    assert len(trail) == before + 1
    entry = trail.iloc[0]
    assert (entry["action"], entry["actor"], entry["target"]) == ("import", "maija@host",
                                                                   report.file)
    assert entry["content_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert "import_id" in audit.detail_text(entry["detail"])

    imports.rollback(store, report.import_id, config, actor=auth.maintainer("pekka@host"))
    entry = _trail(store).iloc[0]
    assert (entry["action"], entry["actor"]) == ("rollback", "pekka@host")
    assert entry["content_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()


def test_a_refused_import_or_check_in_writes_no_entry(store, config, tmp_path):
    bad = tmp_path / "huono.csv"
    bad.write_text("indikaattori;kunta;vuosi;arvo\nno_such;KU061;2026;1\n", encoding="utf-8")
    before = _trail(store)
    assert imports.import_file(bad, config, store, actor=auth.maintainer("maija@host")).problems
    checkin = checkins.CheckIn("contacts_attention_hml", "2026Q3", 7, "", "b", "c", "Org",
                               date(2026, 11, 3))
    with pytest.raises(checkins.CheckInError):
        checkins.save(store, checkin, config, actor=auth.maintainer("maija@host"),
                      today=date(2026, 11, 15))
    assert _trail(store).equals(before)


def test_a_check_in_is_logged_with_the_hash_of_what_was_typed(store, config):
    checkin = checkins.CheckIn("contacts_attention_hml", "2026Q3", 7, "  Näemme\n", "Koska",
                               "Teemme", "Hämeenlinnan seutu", date(2026, 11, 3))
    revision = checkins.save(store, checkin, config, actor=auth.maintainer("liisa@host"),
                             today=date(2026, 11, 15))
    entry = _trail(store).iloc[0]
    assert (entry["action"], entry["target"]) == ("checkin", "contacts_attention_hml 2026Q3")
    with StoreReader(store) as reader:  # the hash can be recomputed from what the store holds
        row = checkins.history(reader, ["contacts_attention_hml"]).iloc[-1]
    fields = {name: row[name] for name in dataclasses.asdict(checkin)}
    fields = {**fields, "checkin_date": row["checkin_date"].date(), "confidence": 7,
              "revision": revision}
    assert fields["seen"] == "Näemme"
    assert entry["content_sha256"] == audit.content_hash(fields)
    assert entry["content_sha256"] != audit.content_hash({**fields, "seen": "Muuta"})


def test_an_entry_is_part_of_its_transaction(store):
    before = _trail(store)
    with pytest.raises(RuntimeError), write_transaction(store,
                                                        actor=auth.maintainer("test")) as con:
        audit.record(con, actor="test", action="import", target="x", sha256="0" * 64)
        raise RuntimeError("the change fails after its entry was written")
    assert _trail(store).equals(before)
    with pytest.raises(ValueError, match="unknown audit action"), \
            write_transaction(store, actor=auth.maintainer("test")) as con:
        audit.record(con, actor="test", action="delete_everything", target="x", sha256="0")


def test_every_function_that_writes_the_store_records_an_audit_entry():
    """Statically: each function in indicators/ that opens a write transaction also calls
    audit.record (the trail cannot be forgotten by a new writer)."""
    writers = {}
    for path in sorted((REPO_ROOT / "indicators").glob("*.py")):
        if path.name in ("store.py", "audit.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            calls = {ast.unparse(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
            if "write_transaction" in calls:
                writers[f"{path.name}:{node.name}"] = "audit.record" in calls
    assert len(writers) >= 5, writers
    assert [name for name, audited in writers.items() if not audited] == []
