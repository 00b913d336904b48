"""Imports: unchanged rows keep their import, replaced rows go to history, aggregates follow."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd

from indicators.ingest import import_observations
from indicators.store import write_transaction


def _source_rows(con, indicator_id):
    return con.execute(
        "SELECT ? AS indicator_id, area_code, period, sex, grp, numerator, denominator, "
        "value, status FROM observation WHERE indicator_id = ? AND NOT derived",
        [indicator_id, indicator_id]).df()


def test_reimport_and_change(config, store_path, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(store_path, path)
    ind = "cw_notifications_rate"
    with duckdb.connect(str(path), read_only=True) as con:
        rows = _source_rows(con, ind)
        before_region = con.execute(
            "SELECT numerator FROM observation WHERE indicator_id = ? AND area_code = 'SK051' "
            "AND period = '2024'", [ind]).fetchone()[0]

    with write_transaction(path, actor="test:alice") as con:
        second = import_observations(con, rows, config, file="same.csv", sha256="x",
                                     source="test", actor="test:alice")
        assert con.execute("SELECT COUNT(*) FROM observation_history").fetchone()[0] == 0
        assert con.execute(
            "SELECT COUNT(*) FROM observation WHERE import_id = ?", [second]).fetchone()[0] == 0

    changed = rows[(rows["area_code"] == "KU109") & (rows["period"] == "2024")].copy()
    changed["numerator"] = changed["numerator"] + 10
    changed["value"] = float("nan")
    with write_transaction(path, actor="test:bob") as con:
        third = import_observations(con, changed, config, file="fix.csv", sha256="y",
                                    source="test", actor="test:bob")
        history = con.execute(
            "SELECT area_code, period, import_id, replaced_by_import_id FROM observation_history "
            "ORDER BY area_code").df()
        after = con.execute(
            "SELECT area_code, numerator, value, denominator, import_id FROM observation "
            "WHERE indicator_id = ? AND period = '2024' AND area_code IN ('KU109', 'SK051', "
            "'HV07') ORDER BY area_code", [ind]).df().set_index("area_code")
        log = con.execute("SELECT import_id, actor, file FROM import_log ORDER BY 1").df()
    # the municipality, its region and the county were replaced; the old rows are kept
    assert set(history["area_code"]) == {"KU109", "SK051", "HV07"}
    assert (history["replaced_by_import_id"] == third).all()
    assert (history["import_id"] == 1).all()
    assert after.loc["SK051", "numerator"] == before_region + 10
    assert after.loc["KU109", "value"] == after.loc["KU109", "numerator"] / after.loc[
        "KU109", "denominator"] * 1000
    assert (after["import_id"] == third).all()
    assert list(log["actor"]) == ["test:fixture", "test:alice", "test:bob"]


def test_failed_import_leaves_store_unchanged(config, store_path, tmp_path):
    import hashlib

    import pytest
    path = tmp_path / "store.duckdb"
    shutil.copy(store_path, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    bad = pd.DataFrame([{"indicator_id": "no_such_indicator", "area_code": "KU109",
                         "period": "2024", "sex": "total", "grp": "total", "numerator": 1.0,
                         "denominator": 2.0, "value": 50.0, "status": "final"}])
    with pytest.raises(KeyError), write_transaction(path, actor="test:carol") as con:
        import_observations(con, bad, config, file="bad.csv", sha256="z", source="test",
                            actor="test:carol")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
