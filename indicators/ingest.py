"""Put validated observations into the store (inside a writer's transaction).

One import: upsert the source rows, recompute every aggregate of the touched indicators, move
replaced rows to `observation_history`, recompute disclosure control, and log the import. The caller
runs this inside `store.write_transaction`, so a failure anywhere leaves the store as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from indicators.aggregate import KEY, compute_value, materialise
from indicators.config import Config, Indicator
from indicators.periods import period_start
from indicators.privacy import suppress

CONTENT = ["value", "numerator", "denominator", "status", "derived"]
STORE_COLUMNS = ["indicator_id", *KEY[:2], "period_start", *KEY[2:], "value", "numerator",
                 "denominator", "status", "import_id", "derived"]


def sync_reference(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Replace the `area` and `indicator` tables with what the config declares."""
    con.execute("DELETE FROM area")
    con.executemany(
        "INSERT INTO area VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[a.code, a.name_fi, a.name_sv, a.level, a.parent_code, a.family_centre, a.population,
          a.population_0_17, a.sort_order] for a in config.areas.values()],
    )
    con.execute("DELETE FROM indicator")
    con.executemany(
        "INSERT INTO indicator VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[i.id, i.name.fi, i.name.sv, i.name.en, i.definition.fi, i.definition.sv,
          i.definition.en, i.unit, i.direction, i.period_type, i.source, i.licence, i.source_ref,
          i.decimals, i.min_n, list(i.themes)] for i in config.indicators.values()],
    )


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT COALESCE(MAX(import_id), 0) + 1 FROM import_log").fetchone()
    return int(row[0]) if row else 1


def file_sha256(paths: Iterable[Path]) -> str:
    """One hash over the named files' bytes (sorted by name)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise equality where NaN equals NaN."""
    return (a == b) | (a.isna() & b.isna())


def _current(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pd.DataFrame:
    return con.execute(
        f"SELECT {', '.join(STORE_COLUMNS)} FROM observation WHERE indicator_id = ?",
        [indicator_id],
    ).df()


class NothingChanged(Exception):
    """The file's content equals the store's: the import is discarded, nothing is written."""


def _apply_indicator(con: duckdb.DuckDBPyConnection, indicator: Indicator, rows: pd.DataFrame,
                     config: Config, import_id: int) -> int:
    """Store one indicator's rows of an import; returns how many cells changed."""
    current = _current(con, indicator.id)
    # source rows after this import: old source rows not in the file, plus the file's rows
    old_source = current[~current["derived"].astype(bool)]
    incoming = rows.assign(import_id=import_id)
    incoming_keys = pd.MultiIndex.from_frame(incoming[KEY])
    kept = old_source[~pd.MultiIndex.from_frame(old_source[KEY]).isin(incoming_keys)]
    base_cols = [*KEY, "numerator", "denominator", "value", "status", "import_id"]
    base = pd.concat([kept[base_cols], incoming[base_cols]], ignore_index=True)
    cells = materialise(base, indicator, config, import_id=import_id)

    merged = cells.merge(current, on=KEY, how="outer", suffixes=("", "_old"), indicator=True)
    unchanged = merged["_merge"] == "both"
    for column in CONTENT:
        unchanged &= _same(merged[column], merged[f"{column}_old"])
    # unchanged rows keep the import that brought them
    merged.loc[unchanged, "import_id"] = merged.loc[unchanged, "import_id_old"]
    replaced = merged[(merged["_merge"] != "left_only") & ~unchanged]
    changed = int((~unchanged).sum())
    if changed == 0:
        return 0
    if not replaced.empty:
        history = current.merge(replaced[KEY], on=KEY)
        history = history.assign(replaced_by_import_id=import_id)
        con.register("history_rows", history)
        con.execute(
            f"INSERT INTO observation_history SELECT {', '.join(STORE_COLUMNS)}, "
            "replaced_by_import_id FROM history_rows"
        )
        con.unregister("history_rows")

    final = merged[merged["_merge"] != "right_only"].copy()
    final["indicator_id"] = indicator.id
    final["period_start"] = [period_start(p) for p in final["period"]]
    final["import_id"] = final["import_id"].astype("int64")
    final["derived"] = final["derived"].astype(bool)
    final = final[STORE_COLUMNS]
    con.execute("DELETE FROM observation WHERE indicator_id = ?", [indicator.id])
    con.register("final_rows", final)
    con.execute(f"INSERT INTO observation SELECT {', '.join(STORE_COLUMNS)} FROM final_rows")
    con.unregister("final_rows")
    return changed


def _disclosure_members(indicator: Indicator, config: Config) -> list[Indicator]:
    if indicator.disclosure_group is None:
        return [indicator]
    return [i for i in config.indicators.values()
            if i.disclosure_group == indicator.disclosure_group]


def refresh_disclosure(con: duckdb.DuckDBPyConnection, indicator: Indicator,
                       config: Config) -> None:
    """Recompute primary and secondary suppression for one indicator and its linked ones.

    Indicators of one `disclosure_group` share counts, so a cell hidden in one is hidden in all
    (same key), and each member's secondary suppression runs again until no member adds a cell.
    """
    members = _disclosure_members(indicator, config)
    cells = {
        m.id: con.execute(
            "SELECT area_code, period, sex, grp, numerator, denominator FROM observation "
            "WHERE indicator_id = ? ORDER BY area_code, period, sex, grp", [m.id]).df()
        for m in members
    }
    forced: set[tuple[str, str, str, str]] = set()
    flags: dict[str, pd.DataFrame] = {}
    changed = True
    while changed:
        changed = False
        for member in members:
            frame = cells[member.id]
            if frame.empty:
                continue
            keys = list(frame[KEY].itertuples(index=False, name=None))
            flags[member.id] = suppress(
                frame,
                kind=member.kind,
                min_n=member.min_n,
                area_parent=config.sum_parent(),
                time_sum=member.period_aggregation != "none",
                groups_sum_to_total=member.groups_sum_to_total,
                force_hidden=np.array([k in forced for k in keys], dtype=bool),
            )
            hidden = {k for k, h in zip(keys, flags[member.id]["hidden"], strict=True) if h}
            if not hidden <= forced:
                forced |= hidden
                changed = len(members) > 1
    for member in members:
        con.execute("DELETE FROM cell_disclosure WHERE indicator_id = ?", [member.id])
        if member.id not in flags:
            continue
        out = cells[member.id][KEY].assign(
            indicator_id=member.id,
            hidden=flags[member.id]["hidden"].astype(bool).to_numpy(),
            reason=flags[member.id]["reason"].to_numpy(),
            min_n=member.min_n,
        )
        con.register("disclosure_rows", out)
        con.execute(
            "INSERT INTO cell_disclosure SELECT indicator_id, area_code, period, sex, grp, hidden, "
            "reason, min_n FROM disclosure_rows"
        )
        con.unregister("disclosure_rows")


def refresh_disclosure_of(con: duckdb.DuckDBPyConnection, indicator_ids: Iterable[str],
                          config: Config) -> None:
    """Recompute disclosure for these indicators, each disclosure group once."""
    done: set[str] = set()
    for indicator_id in indicator_ids:
        if indicator_id in done or indicator_id not in config.indicators:
            continue
        indicator = config.indicators[indicator_id]
        refresh_disclosure(con, indicator, config)
        done.update(m.id for m in _disclosure_members(indicator, config))


def refresh_all_disclosure(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Recompute the disclosure decision of every cell (after a config change)."""
    refresh_disclosure_of(con, config.indicators, config)


def import_observations(
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    config: Config,
    *,
    file: str,
    sha256: str,
    source: str,
    actor: str,
    skip_if_unchanged: bool = False,
) -> tuple[int, int]:
    """Store validated source rows of one file; returns (new import id, cells changed).

    With `skip_if_unchanged`, a file whose content equals the store's raises `NothingChanged`
    (the caller's transaction is then discarded, so a second import of a file changes nothing).
    """
    if not actor:
        raise ValueError("actor is required for every write")
    import_id = next_import_id(con)
    rows = rows.copy()
    changed = 0
    touched: list[str] = []
    for indicator_id, part in rows.groupby("indicator_id", sort=True):
        indicator = config.indicators[str(indicator_id)]
        part = part.drop(columns=["indicator_id"])
        missing_value = part["value"].isna()
        if missing_value.any():
            part.loc[missing_value, "value"] = compute_value(
                indicator, part.loc[missing_value, "numerator"],
                part.loc[missing_value, "denominator"])
        changed_here = _apply_indicator(con, indicator, part.reset_index(drop=True), config,
                                        import_id)
        if changed_here:
            touched.append(indicator.id)
        changed += changed_here
    if changed == 0 and skip_if_unchanged:
        raise NothingChanged
    refresh_disclosure_of(con, touched, config)  # once per disclosure group, after all rows
    con.execute(
        "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [import_id, file, sha256, int(len(rows)), datetime.now(UTC).replace(tzinfo=None),
         source, actor, "ok"],
    )
    return import_id, changed


def set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [key, str(value)])

