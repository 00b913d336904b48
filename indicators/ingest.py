"""Put validated observations into the store (inside a writer's transaction).

One import: upsert the source rows, recompute every aggregate of the touched indicators, move
replaced rows to `observation_history`, recompute disclosure control, and log the import. The caller
runs this inside `store.write_transaction`, so a failure anywhere leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import time
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
        f"SELECT {', '.join(STORE_COLUMNS)} FROM observation "  # noqa: S608 - STORE_COLUMNS
        "WHERE indicator_id = ?",
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
            "INSERT INTO observation_history "  # noqa: S608 - columns from STORE_COLUMNS
            f"SELECT {', '.join(STORE_COLUMNS)}, replaced_by_import_id FROM history_rows"
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
    con.execute("INSERT INTO observation "  # noqa: S608 - columns from STORE_COLUMNS
                f"SELECT {', '.join(STORE_COLUMNS)} FROM final_rows")
    con.unregister("final_rows")
    return changed


def _disclosure_members(indicator: Indicator, config: Config) -> list[Indicator]:
    if indicator.disclosure_group is None:
        return [indicator]
    return [i for i in config.indicators.values()
            if i.disclosure_group == indicator.disclosure_group]


def _hidden_keys(con: duckdb.DuckDBPyConnection,
                 indicator_id: str) -> set[tuple[str, str, str, str]]:
    rows = con.execute("SELECT area_code, period, sex, grp FROM cell_disclosure "
                       "WHERE indicator_id = ? AND hidden", [indicator_id]).fetchall()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def refresh_disclosure(con: duckdb.DuckDBPyConnection, indicator: Indicator,
                       config: Config) -> None:
    """Recompute primary and secondary suppression for one indicator and its linked ones.

    Indicators of one `disclosure_group` share counts, so a cell hidden in one is hidden in all
    (same key), and each member's secondary suppression runs again until no member adds a cell.
    A member with `denominator_from` also hides every cell hidden in that indicator (whose
    decision must be current: `refresh_disclosure_of` orders the work).
    """
    members = _disclosure_members(indicator, config)
    cells = {
        m.id: con.execute(
            # a count's value is its count, also in rows stored before imports filled the
            # numerator from it: a missing numerator must never make a small count look safe
            f"SELECT area_code, period, sex, grp, "  # noqa: S608 - one of two literal expressions
            f"{'COALESCE(numerator, value)' if m.kind == 'count' else 'numerator'} AS numerator, "
            "denominator FROM observation "
            "WHERE indicator_id = ? ORDER BY area_code, period, sex, grp", [m.id]).df()
        for m in members
    }
    upstream = {m.id: _hidden_keys(con, m.denominator_from) if m.denominator_from else set()
                for m in members}
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
                force_hidden=np.array([k in forced or k in upstream[member.id] for k in keys],
                                      dtype=bool),
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


def _unit_of(indicator: Indicator) -> str:
    """The unit of disclosure work: a disclosure group, or a lone indicator."""
    return f"group:{indicator.disclosure_group}" if indicator.disclosure_group else indicator.id


def disclosure_order(indicator_ids: Iterable[str], config: Config) -> list[str]:
    """One indicator per unit of disclosure work, for the given indicators and every indicator
    whose denominator comes from them (transitively), sources before the indicators using them."""
    wanted = {i for i in indicator_ids if i in config.indicators}
    users: dict[str, set[str]] = {}
    for ind in config.indicators.values():
        if ind.denominator_from:
            users.setdefault(ind.denominator_from, set()).add(ind.id)
    units: dict[str, set[str]] = {}
    for ind in config.indicators.values():
        units.setdefault(_unit_of(ind), set()).add(ind.id)
    todo, pending = set(), [_unit_of(config.indicators[i]) for i in sorted(wanted)]
    while pending:
        unit = pending.pop()
        if unit in todo:
            continue
        todo.add(unit)
        for member in units[unit]:
            pending.extend(_unit_of(config.indicators[u]) for u in users.get(member, ()))
    depends = {unit: {_unit_of(config.indicators[config.indicators[m].denominator_from])
                      for m in units[unit] if config.indicators[m].denominator_from} - {unit}
               for unit in todo}
    ordered: list[str] = []
    while len(ordered) < len(todo):
        ready = sorted(u for u in todo - set(ordered) if depends[u] & todo <= set(ordered))
        if not ready:  # groups borrowing from each other in a circle: refuse, never spin
            left = sorted(todo - set(ordered))
            raise ValueError(f"denominator_from forms a cycle between {left}")
        ordered.extend(ready)
    return [min(units[u]) for u in ordered]


def refresh_disclosure_of(con: duckdb.DuckDBPyConnection, indicator_ids: Iterable[str],
                          config: Config) -> None:
    """Recompute disclosure for these indicators and those whose denominator comes from them,
    each disclosure group once, sources first."""
    for indicator_id in disclosure_order(indicator_ids, config):
        refresh_disclosure(con, config.indicators[indicator_id], config)


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
    phases: dict[str, float] | None = None,
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
        if indicator.kind == "count":  # a count's value is its numerator: suppression and
            # the sums need it even when a file gives only the value
            missing_count = part["numerator"].isna() & part["value"].notna()
            part.loc[missing_count, "numerator"] = part.loc[missing_count, "value"]
        if indicator.denominator_population is not None:
            part = _with_population_denominators(con, indicator, part, rows)
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
    started = time.perf_counter()
    refresh_disclosure_of(con, touched, config)  # once per disclosure group, after all rows
    if phases is not None:
        phases["disclosure_s"] = time.perf_counter() - started
    con.execute(
        "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [import_id, file, sha256, int(len(rows)), datetime.now(UTC).replace(tzinfo=None),
         source, actor, "ok"],
    )
    return import_id, changed


class PopulationMissing(Exception):
    """Rows that bring only a numerator, for cells without a population to divide by:
    `cells` lists (indicator, area, period, sex, grp, population indicator)."""

    def __init__(self, cells: list[tuple[str, str, str, str, str, str]]):
        self.cells = cells
        super().__init__(f"{len(cells)} rows have no population to divide by")


def _with_population_denominators(con: duckdb.DuckDBPyConnection, indicator: Indicator,
                                  part: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows that bring only a numerator get the population of their area and year as their
    denominator. The same file's population rows come first, then the store's current figures
    from real sources (never the demo's synthetic population). The population is not split by
    sex or group, so such a row elsewhere, or one whose area and year have no population,
    raises PopulationMissing rather than being stored without a value."""
    only_numerator = (part["denominator"].isna() & part["numerator"].notna()
                      & part["value"].isna())
    if not only_numerator.any():
        return part
    population_id = indicator.denominator_population
    stored = con.execute(
        "SELECT o.area_code, o.period, o.value FROM observation o "
        "JOIN import_log l ON l.import_id = o.import_id "
        "WHERE o.indicator_id = ? AND o.sex = 'total' AND o.grp = 'total' "
        "AND o.value IS NOT NULL AND l.source <> 'demo'", [population_id]).fetchall()
    lookup = {(str(area), str(period)): float(value) for area, period, value in stored}
    same_file = rows[(rows["indicator_id"] == population_id) & (rows["sex"] == "total")
                     & (rows["grp"] == "total")]
    for area, period, value, numerator in same_file[
            ["area_code", "period", "value", "numerator"]].itertuples(index=False):
        figure = value if pd.notna(value) else numerator
        if pd.notna(figure):
            lookup[(str(area), str(period))] = float(figure)
    part = part.copy()
    missing = []
    for index in part.index[only_numerator]:
        area, period = str(part.at[index, "area_code"]), str(part.at[index, "period"])
        sex, grp = str(part.at[index, "sex"]), str(part.at[index, "grp"])
        figure = lookup.get((area, period)) if sex == grp == "total" else None
        if figure is None:
            missing.append((indicator.id, area, period, sex, grp, str(population_id)))
        else:
            part.at[index, "denominator"] = figure
    if missing:
        raise PopulationMissing(missing)
    return part


def set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [key, str(value)])

