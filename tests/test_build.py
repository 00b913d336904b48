"""Building the demo store, and keeping disclosure decisions in step with the config."""

from __future__ import annotations

import shutil

import yaml

from indicators import auth
from indicators.build import (
    build_demo_store,
    config_fingerprint,
    ensure_store,
    resync_with_config,
    store_matches_config,
)
from indicators.config import load_config
from indicators.settings import DEFAULT_CONFIG_DIR
from indicators.store import StoreReader


def test_raised_min_n_is_applied_after_a_config_change(config, store_path, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    root = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, root)
    path = root / "indicators" / "wellbeing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["indicators"]:
        if entry["id"] == "cw_notifications_rate":
            entry["min_n"] = 50
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    changed = load_config(root)
    assert config_fingerprint(changed) != config_fingerprint(config)

    reader = StoreReader(db)
    try:
        assert store_matches_config(reader, config)
        assert not store_matches_config(reader, changed)
        query = ("SELECT COUNT(*) AS n FROM cell_disclosure WHERE indicator_id = "
                 "'cw_notifications_rate' AND hidden")
        before = reader.query_df(query)["n"].iloc[0]
        resync_with_config(db, changed, actor=auth.maintainer("test:resync"))
        after = reader.query_df(query)["n"].iloc[0]
        assert after > before
        assert store_matches_config(reader, changed)
        min_n = reader.query_df("SELECT DISTINCT min_n FROM cell_disclosure WHERE indicator_id "
                                "= 'cw_notifications_rate'")["min_n"].tolist()
        assert min_n == [50]
    finally:
        reader.close()


def test_demo_rebuild_replaces_everything_and_first_start_builds_once(config, demo_tables_dir,
                                                                      tmp_path):
    db = tmp_path / "store.duckdb"
    assert ensure_store(db, config, actor=auth.maintainer("test:first")) is True and db.exists()
    assert ensure_store(db, config,
                        actor=auth.maintainer("test:second")) is False  # exists: nothing to do
    first = build_demo_store(db, config, actor=auth.maintainer("test:rebuild"),
                             tables_dir=demo_tables_dir)
    again = build_demo_store(db, config, actor=auth.maintainer("test:rebuild"),
                             tables_dir=demo_tables_dir)
    assert first == again == 1  # a rebuild starts from an empty store
    reader = StoreReader(db)
    try:
        log = reader.query_df("SELECT import_id, actor FROM import_log")
        assert log["import_id"].tolist() == [1] and log["actor"].tolist() == ["test:rebuild"]
        skipped = build_demo_store(db, config, actor=auth.maintainer("test:other"),
                                   tables_dir=demo_tables_dir,
                                   only_if_empty=True)
        assert skipped is None
    finally:
        reader.close()
