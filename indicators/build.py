"""Build the store from the bundled demo tables, and keep it in step with the config.

Disclosure decisions depend on the catalogue (`min_n`, units, groups) and the area hierarchy, so the
store records a fingerprint of the config it was computed with; when the config changes, the
reference tables and every disclosure decision are recomputed before anything is served.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd

from indicators import audit, auth, demo
from indicators.checkins import CheckIn, key_result_ids, problems, replace_demo
from indicators.config import Config
from indicators.ingest import (
    file_sha256,
    import_observations,
    refresh_all_disclosure,
    set_meta,
    sync_reference,
)
from indicators.schema import create_schema
from indicators.settings import DEMO_DIR, REPO_ROOT
from indicators.store import StoreReader, write_transaction
from indicators.yaml_safe import safe_load

STORE_TABLES = ("observation", "observation_history", "import_log", "cell_disclosure")


def config_fingerprint(config: Config) -> str:
    """A hash of everything in the config that disclosure control and aggregation depend on."""
    payload = {
        "areas": [[a.code, a.level, a.parent_code] for a in config.areas.values()],
        "sum_parent": sorted(config.sum_parent().items()),
        "indicators": {i: ind.model_dump(mode="json") for i, ind in config.indicators.items()},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def build_demo_store(path: Path, config: Config, *, actor: auth.Principal,
                     tables_dir: Path = DEMO_DIR, only_if_empty: bool = False,
                     partial: bool = False) -> int | None:
    """Rebuild the store at `path` from the demo CSVs as one import; returns its import id.

    Everything the store held is replaced (a demo rebuild, not an upsert). With `only_if_empty`,
    a store that already holds an import is left as it is (two sessions starting at once). With
    `partial`, catalogue indicators without a demo table are allowed (the benchmark's national
    config adds its own, imported afterwards).
    """
    name = auth.require_writer(actor, "demo_build")
    tables = demo.read_tables(tables_dir)
    unknown = sorted(set(tables) - set(config.indicators))
    missing = [] if partial else sorted(set(config.indicators) - set(tables))
    if unknown or missing:
        raise ValueError(
            f"demo tables in {tables_dir} do not match the catalogue: "
            f"not in catalogue {unknown}, no table for {missing}; run `python -m indicators demo`"
        )
    rows = pd.concat(tables.values(), ignore_index=True)
    files = sorted(tables_dir.glob("*.csv"))
    try:
        label = str(tables_dir.relative_to(REPO_ROOT))
    except ValueError:
        label = str(tables_dir)
    with write_transaction(path, actor=actor, initialize=create_schema) as con:
        create_schema(con)
        if only_if_empty and con.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]:
            return None
        for table in STORE_TABLES:
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        for table in ("source_refresh", "source_metadata"):  # provenance of replaced imports
            con.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - fixed table names
        sync_reference(con, config)
        import_id, _ = import_observations(
            con, rows, config, file=label, sha256=file_sha256(files), source="demo", actor=name
        )
        set_meta(con, dataset="demo", as_of=demo.AS_OF.isoformat(),
                 config_fingerprint=config_fingerprint(config))
        replace_demo(con, demo_checkins(config), actor=name)
        audit.record(con, actor=name, action="demo_build", target=label,
                     detail={"import_id": import_id, "rows": len(rows)},
                     sha256=file_sha256(files))
    return import_id


def demo_checkins(config: Config, path: Path = DEMO_DIR / "checkins.yaml") -> list[CheckIn]:
    """The demo check-ins on the configured key results (others are skipped: a different
    config, e.g. the national benchmark's, has other goals)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        rows = (safe_load(handle) or {}).get("checkins", [])
    known = key_result_ids(config)
    out = []
    for row in rows:
        if row["key_result_id"] not in known:
            continue
        checkin = CheckIn(**{**row, "checkin_date": date.fromisoformat(str(row["checkin_date"]))})
        found = problems(checkin, config, today=demo.AS_OF)
        if found:
            raise ValueError(f"{path}: check-in {row['key_result_id']} {row['quarter']}: "
                             + "; ".join(f"{p.field} {p.code}" for p in found))
        out.append(checkin)
    return out


def resync_with_config(path: Path, config: Config, *, actor: auth.Principal) -> None:
    """Recompute reference tables and every disclosure decision for the current config."""
    name = auth.require_writer(actor, "config_resync")
    with write_transaction(path, actor=actor) as con:
        sync_reference(con, config)
        con.execute(
            "DELETE FROM cell_disclosure WHERE indicator_id NOT IN (SELECT id FROM indicator)")
        refresh_all_disclosure(con, config)
        fingerprint = config_fingerprint(config)
        set_meta(con, config_fingerprint=fingerprint)
        audit.record(con, actor=name, action="config_resync", target=str(config.root),
                     detail={}, sha256=fingerprint)


def store_matches_config(reader: StoreReader, config: Config) -> bool:
    row = reader.query_df(
        "SELECT value FROM store_meta WHERE key = 'config_fingerprint'")["value"]
    return bool(len(row)) and row.iloc[0] == config_fingerprint(config)


def ensure_store(path: Path, config: Config, *, actor: auth.Principal) -> bool:
    """Build the demo store if `path` does not exist; True when it was built now."""
    auth.require_writer(actor, "demo_build")
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_demo_store(path, config, actor=actor, only_if_empty=True) is not None
