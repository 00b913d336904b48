"""Quarterly check-ins: saved as revisions; refused, nothing written, when wrong or personal."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from indicators import auth, checkins
from indicators.checkins import COLUMNS, CheckIn, CheckInError
from indicators.ingest import set_meta, sync_reference
from indicators.schema import create_schema
from indicators.store import StoreReader, write_transaction

TODAY = date(2026, 11, 15)
KR = "contacts_attention_hml"
OTHER_KR = "absence_over10_forssa"


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory, config) -> Path:
    """A store with the schema and reference tables only: no observations, no check-in table."""
    path = tmp_path_factory.mktemp("checkin_store") / "dashboard.duckdb"
    with write_transaction(path, actor=auth.maintainer("test:checkins"),
                           initialize=create_schema) as con:
        sync_reference(con, config)
        set_meta(con, dataset="test")
    return path


@pytest.fixture
def store(empty_store, tmp_path) -> Path:
    path = tmp_path / "dashboard.duckdb"
    shutil.copy(empty_store, path)
    return path


def _checkin(**changes) -> CheckIn:
    base = CheckIn(key_result_id=KR, quarter="2026Q3", confidence=7,
                   seen="Yhteydenotot vähenivät kolmannella neljänneksellä.",
                   why="Himmee hetki on käytössä jo 34 organisaatiossa.",
                   next_steps="Kartoitukset kouluihin syksyn aikana.",
                   organisation="Hämeenlinnan seudun perhekeskustyöryhmä",
                   checkin_date=date(2026, 11, 3))
    return dataclasses.replace(base, **changes)


def _rows(path: Path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM key_result_checkin "
            "ORDER BY key_result_id, quarter, revision").df()


def _history(path: Path, ids=None):
    with StoreReader(path) as reader:
        return checkins.history(reader, ids)


def _fingerprint(path: Path) -> tuple[str, int, int, tuple[str, ...]]:
    st = os.stat(path)
    return (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_ino, st.st_mtime_ns,
            tuple(sorted(p.name for p in path.parent.iterdir())))


def test_a_valid_checkin_has_no_problems(config):
    assert checkins.problems(_checkin(), config, today=TODAY) == []
    assert KR in checkins.key_result_ids(config)


def test_save_then_history_shows_it(config, store):
    revision = checkins.save(store, _checkin(seen="  Luvut laskivat.  "), config,
                             actor=auth.maintainer("test:alice"), today=TODAY)
    assert revision == 1
    frame = _history(store)
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["key_result_id"], row["quarter"], row["revision"]) == (KR, "2026Q3", 1)
    assert row["confidence"] == 7
    assert row["seen"] == "Luvut laskivat."  # stored without the surrounding blanks
    assert row["organisation"] == "Hämeenlinnan seudun perhekeskustyöryhmä"
    assert (row["actor"], row["source"]) == ("test:alice", "ui")
    assert str(row["checkin_date"])[:10] == "2026-11-03"


def test_saving_again_makes_a_revision_and_history_shows_the_newest(config, store):
    assert checkins.save(store, _checkin(), config, actor=auth.maintainer("test:alice"),
                         today=TODAY) == 1
    assert checkins.save(store, _checkin(confidence=4, why="Syksyn luvut heikkenivät."), config,
                         actor=auth.maintainer("test:bob"), today=TODAY) == 2
    # another quarter and another key result are their own check-ins
    assert checkins.save(store, _checkin(quarter="2026Q2", confidence=6), config,
                         actor=auth.maintainer("test:alice"), today=TODAY) == 1
    assert checkins.save(store, _checkin(key_result_id=OTHER_KR), config,
                         actor=auth.maintainer("test:carol"),
                         today=TODAY) == 1

    raw = _rows(store)
    assert len(raw) == 4  # nothing typed is lost
    both = raw[(raw["key_result_id"] == KR) & (raw["quarter"] == "2026Q3")]
    assert list(both["revision"]) == [1, 2]
    assert list(both["confidence"]) == [7, 4]

    frame = _history(store)
    assert len(frame) == 3
    keys = list(zip(frame["key_result_id"], frame["quarter"], frame["revision"], strict=True))
    # one row per key result and quarter, oldest quarter first within a key result
    assert keys == [(OTHER_KR, "2026Q3", 1), (KR, "2026Q2", 1), (KR, "2026Q3", 2)]
    newest = frame[(frame["key_result_id"] == KR) & (frame["quarter"] == "2026Q3")].iloc[0]
    assert newest["confidence"] == 4 and newest["why"] == "Syksyn luvut heikkenivät."
    assert newest["actor"] == "test:bob"

    only = _history(store, [KR])
    assert set(only["key_result_id"]) == {KR} and len(only) == 2
    assert _history(store, []).empty

    latest = checkins.latest_by_key_result(frame)
    assert set(latest) == {KR, OTHER_KR}
    assert latest[KR]["quarter"] == "2026Q3" and latest[KR]["revision"] == 2


TOO_LONG = "x" * (checkins.MAX_TEXT + 1)
PROBLEMS = [
    pytest.param({"key_result_id": "no_such_key_result"}, "key_result_id", "unknown_key_result",
                 id="unknown_key_result"),
    pytest.param({"quarter": "2026Q5"}, "quarter", "bad_quarter", id="quarter_5"),
    pytest.param({"quarter": "2026-Q3"}, "quarter", "bad_quarter", id="quarter_notation"),
    pytest.param({"confidence": 0}, "confidence", "bad_confidence", id="confidence_0"),
    pytest.param({"confidence": 11}, "confidence", "bad_confidence", id="confidence_11"),
    pytest.param({"why": ""}, "why", "empty", id="empty"),
    pytest.param({"next_steps": "   \n "}, "next_steps", "empty", id="blank"),
    pytest.param({"organisation": ""}, "organisation", "empty", id="empty_organisation"),
    pytest.param({"seen": TOO_LONG}, "seen", "too_long", id="too_long"),
    pytest.param({"organisation": "o" * (checkins.MAX_ORGANISATION + 1)}, "organisation",
                 "too_long", id="too_long_organisation"),
    pytest.param({"checkin_date": date(2026, 11, 16)}, "checkin_date", "future_date",
                 id="future_date"),
    pytest.param({"seen": "Perheen tilanne (131052-308T) puhututti."}, "seen", "personal",
                 id="identity_code"),
    pytest.param({"why": "Kysy lisää: matti.meikalainen@example.fi"}, "why", "personal",
                 id="email"),
    pytest.param({"next_steps": "Äiti pyysi soittamaan numeroon 040 123 4567."}, "next_steps",
                 "personal", id="phone"),
    pytest.param({"organisation": "Tiimi, p. 040 123 4567"}, "organisation", "personal",
                 id="phone_in_organisation"),
]
KINDS = {"identity_code": "identity_code", "email": "email", "phone": "phone",
         "phone_in_organisation": "phone"}


@pytest.fixture(scope="module")
def saved_store(empty_store, tmp_path_factory, config) -> Path:
    """A store that already holds one check-in (the table exists)."""
    path = tmp_path_factory.mktemp("saved") / "dashboard.duckdb"
    shutil.copy(empty_store, path)
    checkins.save(path, _checkin(), config, actor=auth.maintainer("test:alice"), today=TODAY)
    return path


@pytest.mark.parametrize(("changes", "field", "code"), PROBLEMS)
def test_a_refused_checkin_names_the_field_and_writes_nothing(config, saved_store, request,
                                                              changes, field, code):
    checkin = _checkin(**changes)
    found = checkins.problems(checkin, config, today=TODAY)
    assert [(p.field, p.code) for p in found] == [(field, code)]
    before = _fingerprint(saved_store)
    with pytest.raises(CheckInError) as caught:
        checkins.save(saved_store, checkin, config, actor=auth.maintainer("test:mallory"),
                      today=TODAY)
    assert [(p.field, p.code) for p in caught.value.problems] == [(field, code)]
    assert _fingerprint(saved_store) == before  # byte for byte, same file, no temp or lock file
    assert len(_rows(saved_store)) == 1
    problem = found[0]
    if code == "too_long":
        limit = checkins.MAX_ORGANISATION if field == "organisation" else checkins.MAX_TEXT
        assert problem.context == {"limit": limit, "length": limit + 1}
    if code == "personal":
        kind = KINDS[request.node.callspec.id]
        assert kind in str(problem.context["kinds"]).split(", ")
        # the message names the kind, never the personal value itself
        assert "131052" not in str(caught.value) and "040" not in str(caught.value)


def test_several_problems_are_reported_together(config, saved_store):
    before = _fingerprint(saved_store)
    bad = _checkin(quarter="2026Q5", confidence=0, seen="", checkin_date=date(2027, 1, 1))
    with pytest.raises(CheckInError) as caught:
        checkins.save(saved_store, bad, config, actor=auth.maintainer("test:mallory"), today=TODAY)
    assert {(p.field, p.code) for p in caught.value.problems} == {
        ("quarter", "bad_quarter"), ("confidence", "bad_confidence"), ("seen", "empty"),
        ("checkin_date", "future_date")}
    assert _fingerprint(saved_store) == before


def test_todays_date_and_confidence_limits_are_accepted(config):
    for confidence in (1, 10):
        assert checkins.problems(_checkin(confidence=confidence, checkin_date=TODAY), config,
                                 today=TODAY) == []
    long_enough = _checkin(seen="x" * checkins.MAX_TEXT,
                           organisation="o" * checkins.MAX_ORGANISATION)
    assert checkins.problems(long_enough, config, today=TODAY) == []


def test_a_store_without_the_table_has_an_empty_history(empty_store):
    with duckdb.connect(str(empty_store), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
    assert "key_result_checkin" not in tables
    for ids in (None, [KR]):
        frame = _history(empty_store, ids)
        assert frame.empty and list(frame.columns) == COLUMNS
    assert checkins.latest_by_key_result(_history(empty_store)) == {}


def test_replace_demo_keeps_the_checkins_typed_in_the_ui(config, store):
    checkins.save(store, _checkin(key_result_id=OTHER_KR, quarter="2026Q3"), config,
                  actor=auth.maintainer("test:alice"), today=TODAY)
    first_demo = [_checkin(quarter="2026Q2", seen="Demo 1"),
                  _checkin(key_result_id=OTHER_KR, quarter="2026Q2", seen="Demo 2")]
    with write_transaction(store, actor=auth.maintainer("test:demo")) as con:
        checkins.replace_demo(con, first_demo, actor="test:demo")
    raw = _rows(store)
    assert sorted(raw["source"]) == ["demo", "demo", "ui"]

    with write_transaction(store, actor=auth.maintainer("test:demo")) as con:
        checkins.replace_demo(con, [_checkin(quarter="2026Q1", seen="Demo 3")],
                              actor="test:demo")
    raw = _rows(store)
    demo_rows = raw[raw["source"] == "demo"]
    ui_rows = raw[raw["source"] == "ui"]
    assert list(zip(demo_rows["key_result_id"], demo_rows["quarter"], demo_rows["seen"],
                    strict=True)) == [(KR, "2026Q1", "Demo 3")]
    assert list(zip(ui_rows["key_result_id"], ui_rows["quarter"], ui_rows["actor"],
                    strict=True)) == [(OTHER_KR, "2026Q3", "test:alice")]
    history = _history(store)
    assert set(zip(history["key_result_id"], history["quarter"], strict=True)) == {
        (KR, "2026Q1"), (OTHER_KR, "2026Q3")}


def test_replace_demo_creates_the_table_in_a_store_without_it(config, store):
    with write_transaction(store, actor=auth.maintainer("test:demo")) as con:
        checkins.replace_demo(con, [_checkin()], actor="test:demo")
    frame = _history(store)
    assert len(frame) == 1 and frame.iloc[0]["source"] == "demo"
    assert frame.iloc[0]["actor"] == "test:demo"


def test_a_demo_rebuild_never_buries_what_a_person_typed(tmp_path, config):
    from indicators.checkins import CheckIn, _insert, history, replace_demo
    from indicators.schema import create_schema
    from indicators.store import StoreReader, write_transaction

    path = tmp_path / "store.duckdb"
    kr = next(k.id for o in config.objectives for k in o.key_results)
    demo_text = CheckIn(kr, "2026Q2", 5, "demo", "demo", "demo", "Demo", date(2026, 7, 1))
    typed = CheckIn(kr, "2026Q2", 8, "typed", "typed", "typed", "Koulu", date(2026, 7, 2))
    with write_transaction(path, actor=auth.maintainer("test"), initialize=create_schema) as con:
        replace_demo(con, [demo_text], actor="test")
        _insert(con, typed, actor="test", source="ui")
    # `python -m indicators demo` again
    with write_transaction(path, actor=auth.maintainer("test")) as con:
        replace_demo(con, [demo_text], actor="test")
    reader = StoreReader(path)
    try:
        rows = history(reader, [kr])
    finally:
        reader.close()
    assert rows["seen"].tolist() == ["typed"] and rows["source"].tolist() == ["ui"]


def test_a_check_in_keeps_the_language_it_was_written_in_also_in_an_older_store(config, store):
    """A store from before check-ins knew their language reads as Finnish until the next write
    adds the column; a check-in written on the Swedish page is marked Swedish."""
    old_columns = [c for c in COLUMNS if c != "text_lang"]
    ddl = checkins.CHECKIN_DDL.replace("    text_lang VARCHAR NOT NULL DEFAULT 'fi',\n", "")
    assert "text_lang" not in ddl
    with write_transaction(store, actor=auth.maintainer("test:old")) as con:
        con.execute(ddl)
        con.execute(f"INSERT INTO key_result_checkin ({', '.join(old_columns)}) VALUES "
                    "(?, '2026Q2', 1, 6, 'a', 'b', 'c', 'Org', DATE '2026-07-01', "
                    "TIMESTAMP '2026-07-01 10:00:00', 'test', 'ui')", [KR])
    assert _history(store)["text_lang"].to_list() == ["fi"]
    checkins.save(store, _checkin(text_lang="sv"), config, actor=auth.maintainer("test:sv"),
                  today=TODAY)
    frame = _history(store)
    assert frame[["quarter", "text_lang"]].values.tolist() == [["2026Q2", "fi"],
                                                               ["2026Q3", "sv"]]
    with pytest.raises(ValueError, match="text language"):
        checkins.save(store, _checkin(text_lang="de"), config, actor=auth.maintainer("test"),
                      today=TODAY)
