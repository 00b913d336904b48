"""Put validated observations into the store (inside a writer's transaction).

One import: upsert the source rows, recompute every aggregate of the touched indicators, move
replaced rows to `observation_history`, recompute disclosure control, and log the import. The caller
runs this inside `store.write_transaction`, so a failure anywhere leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.aggregate import KEY, MANY_KEY, compute_value, materialise_many
from indicators.config import Config, Indicator
from indicators.periods import period_start
from indicators.privacy import suppress
from indicators.settings import environment
from indicators.store import rows_frame

CONTENT = ["value", "numerator", "denominator", "status", "derived"]
STORE_COLUMNS = ["indicator_id", *KEY[:2], "period_start", *KEY[2:], "value", "numerator",
                 "denominator", "status", "import_id", "derived"]

Key = tuple[str, str, str, str]
# indicators read and written together: a national import touches a thousand of them, and a
# statement per indicator scans the whole table each time
BATCH_INDICATORS = 200
# disclosure control of this many units of work or more runs in worker processes: starting
# them takes about a second, which only a national-scale import wins back
PARALLEL_MIN_UNITS = 100
# each worker's linear algebra (numpy's BLAS) in one thread: the workers already fill the cores,
# and BLAS threads waiting for work on busy cores made a 220-indicator import's disclosure
# control three times slower (77 s against 24 s). Read by numpy as it starts, in each worker.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                      "MKL_NUM_THREADS": "1"}


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


def _current_of(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> pd.DataFrame:
    """The stored rows of these indicators, read in one query."""
    return rows_frame(
        con, f"SELECT {', '.join(STORE_COLUMNS)} FROM observation "  # noqa: S608 - STORE_COLUMNS
        "WHERE list_contains(?, indicator_id)", [indicator_ids])


class NothingChanged(Exception):
    """The file's content equals the store's: the import is discarded, nothing is written."""


@dataclass
class _Changes:
    """What an import does to some indicators: the cells changed per indicator (those with
    changes only), their rows after the import, and the rows replaced (moved to the history)."""

    changed: dict[str, int]
    final: pd.DataFrame
    history: pd.DataFrame


def _changes_of(indicators: list[Indicator], rows: pd.DataFrame, current: pd.DataFrame,
                config: Config, import_id: int) -> _Changes:
    """The file's rows of some indicators (with `indicator_id`) against the rows the store
    holds for them (`current`)."""
    # source rows after this import: old source rows not in the file, plus the file's rows
    old_source = current[~current["derived"].astype(bool)]
    incoming = rows.assign(import_id=import_id)
    incoming_keys = pd.MultiIndex.from_frame(incoming[MANY_KEY])
    kept = old_source[~pd.MultiIndex.from_frame(old_source[MANY_KEY]).isin(incoming_keys)]
    base_cols = [*MANY_KEY, "numerator", "denominator", "value", "status", "import_id"]
    base = pd.concat([kept[base_cols], incoming[base_cols]], ignore_index=True)
    cells = materialise_many(base, indicators, config, import_id=import_id)

    merged = cells.merge(current, on=MANY_KEY, how="outer", suffixes=("", "_old"),
                         indicator=True)
    unchanged = merged["_merge"] == "both"
    for column in CONTENT:
        unchanged &= _same(merged[column], merged[f"{column}_old"])
    # unchanged rows keep the import that brought them
    merged.loc[unchanged, "import_id"] = merged.loc[unchanged, "import_id_old"]
    per_indicator = (~unchanged).groupby(merged["indicator_id"]).sum()
    changed = {str(i): int(n) for i, n in per_indicator.items() if n}
    replaced = merged[(merged["_merge"] != "left_only") & ~unchanged]
    history = current.merge(replaced[MANY_KEY], on=MANY_KEY)
    history = history.assign(replaced_by_import_id=import_id)
    final = merged[(merged["_merge"] != "right_only")
                   & merged["indicator_id"].isin(list(changed))].copy()
    starts = {p: period_start(p) for p in final["period"].unique()}
    final["period_start"] = final["period"].map(starts)
    final["import_id"] = final["import_id"].astype("int64")
    final["derived"] = final["derived"].astype(bool)
    return _Changes(changed, final[STORE_COLUMNS],
                    history[[*STORE_COLUMNS, "replaced_by_import_id"]])


def _write_changes(con: duckdb.DuckDBPyConnection, changes: _Changes) -> None:
    """Move the replaced rows to the history and replace the changed indicators' rows, in one
    statement each for all of them."""
    if not changes.changed:
        return
    if not changes.history.empty:
        con.register("history_rows", changes.history)
        con.execute(
            "INSERT INTO observation_history "  # noqa: S608 - columns from STORE_COLUMNS
            f"SELECT {', '.join(STORE_COLUMNS)}, replaced_by_import_id FROM history_rows"
        )
        con.unregister("history_rows")
    con.execute("DELETE FROM observation WHERE list_contains(?, indicator_id)",
                [list(changes.changed)])
    con.register("final_rows", changes.final)
    con.execute("INSERT INTO observation "  # noqa: S608 - columns from STORE_COLUMNS
                f"SELECT {', '.join(STORE_COLUMNS)} FROM final_rows")
    con.unregister("final_rows")
    check_one_row_per_cell(con, list(changes.changed))


class DuplicateCellError(RuntimeError):
    """A write would leave two rows for one cell: a fault in the program, never in a file."""


def check_one_row_per_cell(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> None:
    """Raise `DuplicateCellError` if `observation` holds more than one row for a cell of these
    indicators. The table has no key that would refuse them (see schema.py), so each write checks
    what it wrote, inside its transaction: the error rolls the whole write back."""
    row = con.execute(
        "SELECT indicator_id, area_code, period, sex, grp, COUNT(*) FROM observation "
        "WHERE list_contains(?, indicator_id) GROUP BY ALL HAVING COUNT(*) > 1 LIMIT 1",
        [indicator_ids]).fetchone()
    if row is not None:
        raise DuplicateCellError(f"observation would hold {row[5]} rows for the cell "
                                 f"{', '.join(map(str, row[:5]))}; nothing was written")


def _disclosure_members(indicator: Indicator, config: Config) -> list[Indicator]:
    if indicator.disclosure_group is None:
        return [indicator]
    return [i for i in config.indicators.values()
            if i.disclosure_group == indicator.disclosure_group]


def _cells_of(con: duckdb.DuckDBPyConnection,
              indicators: list[Indicator]) -> dict[str, pd.DataFrame]:
    """The cells disclosure control reads (KEY, numerator, denominator) of each indicator, in
    key order, read in one query."""
    frame = rows_frame(
        con, "SELECT indicator_id, area_code, period, sex, grp, numerator, value, denominator "
        "FROM observation WHERE list_contains(?, indicator_id) "
        "ORDER BY indicator_id, area_code, period, sex, grp", [[i.id for i in indicators]])
    parts = {str(k): v for k, v in frame.groupby("indicator_id", sort=False)}
    out = {}
    for indicator in indicators:
        part = parts.get(indicator.id, frame.iloc[0:0])
        # a count's value is its count, also in rows stored before imports filled the
        # numerator from it: a missing numerator must never make a small count look safe
        numerator = (part["numerator"].fillna(part["value"]) if indicator.kind == "count"
                     else part["numerator"])
        out[indicator.id] = pd.DataFrame({**{k: part[k] for k in KEY}, "numerator": numerator,
                                          "denominator": part["denominator"]}
                                         ).reset_index(drop=True)
    return out


# an indicator's disclosure decision, per cell in the order of its cells: hidden, and the reason
Decision = tuple[np.ndarray, np.ndarray]


@dataclass
class _Decided:
    """A batch of disclosure work: each indicator's cells (`_cells_of`) and, as they come, the
    decisions (`_decide`). Workers send back only the decisions; the keys are here already."""

    cells: dict[str, pd.DataFrame]
    decisions: dict[str, Decision]


def _hidden_keys(con: duckdb.DuckDBPyConnection, indicator_id: str,
                 known: list[_Decided]) -> set[Key]:
    """The cells hidden in an indicator: as decided in a batch not yet stored, else as stored."""
    for batch in known:
        if indicator_id in batch.decisions:
            hidden, _ = batch.decisions[indicator_id]
            frame = batch.cells[indicator_id]
            return set(frame.loc[hidden, KEY].itertuples(index=False, name=None))
    rows = con.execute("SELECT area_code, period, sex, grp FROM cell_disclosure "
                       "WHERE indicator_id = ? AND hidden", [indicator_id]).fetchall()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def _decide(members: list[Indicator], cells: dict[str, pd.DataFrame],
            upstream: dict[str, set[Key]],
            area_parent: dict[str, str]) -> dict[str, Decision]:
    """Primary and secondary suppression for one indicator and its linked ones: the decision
    for each member's cells (none for a member without cells).

    Indicators of one `disclosure_group` share counts, so a cell hidden in one is hidden in all
    (same key), and each member's secondary suppression runs again until no member adds a cell.
    A member with `denominator_from` also hides every cell hidden in that indicator
    (`upstream`, whose decision must be current: `disclosure_order` orders the work). Reads
    nothing else, so it may run in another process.
    """
    keys: dict[str, pd.MultiIndex] = {}  # only for linked cells: most indicators have none

    def keys_of(member: Indicator) -> pd.MultiIndex:
        if member.id not in keys:
            keys[member.id] = pd.MultiIndex.from_frame(cells[member.id][KEY])
        return keys[member.id]

    forced: set[Key] = set()
    flags: dict[str, pd.DataFrame] = {}
    changed = True
    while changed:
        changed = False
        for member in members:
            frame = cells[member.id]
            if frame.empty:
                continue
            linked = forced | upstream[member.id]
            flags[member.id] = suppress(
                frame,
                kind=member.kind,
                min_n=member.min_n,
                area_parent=area_parent,
                time_sum=member.period_aggregation != "none",
                groups_sum_to_total=member.groups_sum_to_total,
                force_hidden=keys_of(member).isin(list(linked)) if linked else None,
            )
            if len(members) == 1:
                break
            hidden = set(keys_of(member)[flags[member.id]["hidden"].to_numpy(dtype=bool)])
            if not hidden <= forced:
                forced |= hidden
                changed = True
    return {member.id: (flags[member.id]["hidden"].to_numpy(dtype=bool),
                        flags[member.id]["reason"].to_numpy(dtype=object))
            for member in members if member.id in flags}


def _decide_job(job: tuple) -> dict[str, Decision]:
    """`_decide` with its arguments in one tuple, for a worker process."""
    return _decide(*job)


def _write_disclosure(con: duckdb.DuckDBPyConnection, batch: _Decided, config: Config) -> None:
    """Replace the stored decisions of the batch's indicators with its decisions (an indicator
    without any has no cells), written from one Arrow table: DuckDB reads pandas' object
    columns (the reasons) value by value."""
    con.execute("DELETE FROM cell_disclosure WHERE list_contains(?, indicator_id)",
                [list(batch.cells)])
    parts = []
    for indicator_id, (hidden, reason) in batch.decisions.items():
        frame, n = batch.cells[indicator_id], len(hidden)
        parts.append(pa.table({
            "indicator_id": pa.array([indicator_id] * n, pa.string()),
            **{k: pa.array(frame[k]).cast(pa.string()) for k in KEY},
            "hidden": pa.array(hidden, pa.bool_()),
            "reason": pa.array(reason, pa.string()),
            "min_n": pa.array(np.full(n, config.indicators[indicator_id].min_n), pa.int32()),
        }))
    if not parts:
        return
    con.register("disclosure_rows", pa.concat_tables(parts))
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


def _workers_may_start() -> bool:
    """Whether worker processes may start: each imports the main module again, and only a
    program run as a module (`python -m indicators`, `-m pytest`, `-m streamlit`) is known to
    keep its work behind `if __name__ == "__main__"`; any other runs disclosure in-process."""
    return getattr(sys.modules.get("__main__"), "__spec__", None) is not None


def refresh_disclosure_of(con: duckdb.DuckDBPyConnection, indicator_ids: Iterable[str],
                          config: Config, *, workers: int | None = None) -> None:
    """Recompute disclosure for these indicators and those whose denominator comes from them,
    each disclosure group once, sources first.

    With `PARALLEL_MIN_UNITS` units of work or more (a national import), the decisions are
    made in `workers` processes (default: one per core, at most 4, where they may start); the
    result is the same, since each unit's decision depends only on its cells and its sources'
    decisions."""
    units = disclosure_order(indicator_ids, config)
    if workers is None:
        workers = (min(os.cpu_count() or 1, 4)
                   if len(units) >= PARALLEL_MIN_UNITS and _workers_may_start() else 1)
    area_parent = config.sum_parent()
    batches = [[_disclosure_members(config.indicators[unit], config)
                for unit in units[first:first + BATCH_INDICATORS]]
               for first in range(0, len(units), BATCH_INDICATORS)]

    def members_of(batch: list[list[Indicator]]) -> list[Indicator]:
        return [m for group in batch for m in group]

    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1:
            # workers start as jobs arrive, so the environment they inherit stays while they run
            stack.enter_context(environment(**WORKER_ENVIRONMENT))
            pool = stack.enter_context(ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn")))
        # the decisions of the batch before, written while the workers decide the next one
        unwritten: _Decided | None = None
        cells = _cells_of(con, members_of(batches[0])) if batches else {}
        for index, groups in enumerate(batches):
            following = batches[index + 1] if index + 1 < len(batches) else None
            next_cells = None
            batch = _Decided(cells, {})
            while groups:
                # a group waits while a group of this batch its denominators come from waits
                waiting = {m.id for group in groups for m in group}
                ready = [group for group in groups
                         if not any(m.denominator_from in waiting - {x.id for x in group}
                                    for m in group)]
                known = [batch, unwritten] if unwritten is not None else [batch]
                jobs = [(group, {m.id: cells[m.id] for m in group},
                         {m.id: _hidden_keys(con, m.denominator_from, known)
                          if m.denominator_from else set() for m in group}, area_parent)
                        for group in ready]
                if pool is None:
                    results = map(_decide_job, jobs)
                else:  # the jobs are out: meanwhile write the batch before and read the next
                    results = pool.map(_decide_job, jobs)
                    if unwritten is not None:
                        _write_disclosure(con, unwritten, config)
                        unwritten = None
                    if following is not None and next_cells is None:
                        next_cells = _cells_of(con, members_of(following))
                for result in results:
                    batch.decisions.update(result)
                if not ready:  # disclosure_order refuses cycles; never spin
                    raise ValueError("denominator_from forms a cycle")
                done = {id(group) for group in ready}
                groups = [group for group in groups if id(group) not in done]
            if unwritten is not None:
                _write_disclosure(con, unwritten, config)
            unwritten = batch
            if following is not None:
                cells = next_cells if next_cells is not None else _cells_of(
                    con, members_of(following))
        if unwritten is not None:
            _write_disclosure(con, unwritten, config)


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
    changed: dict[str, int] = {}
    parts = [(config.indicators[str(i)], part) for i, part in
             rows.groupby("indicator_id", sort=True)]

    def store(ready: list[tuple[Indicator, pd.DataFrame]], current: pd.DataFrame) -> None:
        if not ready:
            return
        ids = [indicator.id for indicator, _ in ready]
        changes = _changes_of([indicator for indicator, _ in ready],
                              pd.concat([part for _, part in ready], ignore_index=True),
                              current[current["indicator_id"].isin(ids)], config, import_id)
        _write_changes(con, changes)
        changed.update(changes.changed)

    for first in range(0, len(parts), BATCH_INDICATORS):
        batch = parts[first:first + BATCH_INDICATORS]
        current = _current_of(con, [indicator.id for indicator, _ in batch])
        ready: list[tuple[Indicator, pd.DataFrame]] = []
        for indicator, part in batch:
            part = part.copy()
            if indicator.kind == "count":  # a count's value is its numerator: suppression and
                # the sums need it even when a file gives only the value
                missing_count = part["numerator"].isna() & part["value"].notna()
                part.loc[missing_count, "numerator"] = part.loc[missing_count, "value"]
            if indicator.denominator_population is not None:
                # the population is read from the store: store the indicators before it first
                store(ready, current)
                ready = []
                part = _with_population_denominators(con, indicator, part, rows)
            missing_value = part["value"].isna()
            if missing_value.any():
                part.loc[missing_value, "value"] = compute_value(
                    indicator, part.loc[missing_value, "numerator"],
                    part.loc[missing_value, "denominator"])
            ready.append((indicator, part))
        store(ready, current)
    touched = sorted(changed)
    changed_cells = sum(changed.values())
    if changed_cells == 0 and skip_if_unchanged:
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
    return import_id, changed_cells


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

