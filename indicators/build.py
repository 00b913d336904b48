"""Build the store from the bundled demo tables (first start, `python -m indicators demo`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators import demo
from indicators.config import Config
from indicators.ingest import file_sha256, import_observations, set_meta, sync_reference
from indicators.schema import create_schema
from indicators.settings import DEMO_DIR, REPO_ROOT
from indicators.store import write_transaction


def build_demo_store(path: Path, config: Config, *, actor: str,
                     tables_dir: Path = DEMO_DIR) -> int:
    """Load the demo CSVs into the store at `path` as one import; returns its import id."""
    tables = demo.read_tables(tables_dir)
    unknown = sorted(set(tables) - set(config.indicators))
    missing = sorted(set(config.indicators) - set(tables))
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
        sync_reference(con, config)
        import_id = import_observations(
            con, rows, config, file=label, sha256=file_sha256(files), source="demo", actor=actor
        )
        set_meta(con, dataset="demo", as_of=demo.AS_OF.isoformat())
    return import_id


def ensure_store(path: Path, config: Config, *, actor: str) -> bool:
    """Build the demo store if `path` does not exist; True when it was built now."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    build_demo_store(path, config, actor=actor)
    return True
