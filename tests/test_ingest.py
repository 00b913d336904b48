"""Imports: unchanged rows keep their import, replaced rows go to history, aggregates follow."""

from __future__ import annotations

import os
import shutil

import duckdb
import pandas as pd

from indicators import auth
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

    with write_transaction(path, actor=auth.maintainer("test:alice")) as con:
        second, changed = import_observations(con, rows, config, file="same.csv", sha256="x",
                                     source="test", actor="test:alice")
        assert changed == 0
        assert con.execute("SELECT COUNT(*) FROM observation_history").fetchone()[0] == 0
        assert con.execute(
            "SELECT COUNT(*) FROM observation WHERE import_id = ?", [second]).fetchone()[0] == 0

    changed = rows[(rows["area_code"] == "KU109") & (rows["period"] == "2024")].copy()
    changed["numerator"] = changed["numerator"] + 10
    changed["value"] = float("nan")
    with write_transaction(path, actor=auth.maintainer("test:bob")) as con:
        third, _ = import_observations(con, changed, config, file="fix.csv", sha256="y",
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
    with pytest.raises(KeyError), write_transaction(path,
                                                    actor=auth.maintainer("test:carol")) as con:
        import_observations(con, bad, config, file="bad.csv", sha256="z", source="test",
                            actor="test:carol")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_a_write_that_would_give_a_cell_two_rows_is_refused_and_undone(config, store_path,
                                                                       tmp_path):
    """observation has no key to refuse a second row for a cell (schema.py): the write checks
    what it wrote, and the whole transaction is rolled back."""
    import hashlib

    import pytest

    from indicators import ingest

    path = tmp_path / "store.duckdb"
    shutil.copy(store_path, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with duckdb.connect(str(path), read_only=True) as con:
        row = ingest.rows_frame(con, f"SELECT {', '.join(ingest.STORE_COLUMNS)} FROM observation "
                                     "ORDER BY ALL LIMIT 1")
    indicator_id = str(row["indicator_id"][0])
    twice = pd.concat([row, row], ignore_index=True)
    changes = ingest._Changes({indicator_id: 2}, twice, twice.iloc[0:0].assign(
        replaced_by_import_id=pd.Series(dtype="int64")))
    with pytest.raises(ingest.DuplicateCellError, match=indicator_id), \
            write_transaction(path, actor=auth.maintainer("test:carol")) as con:
        ingest._write_changes(con, changes)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    with write_transaction(path, actor=auth.maintainer("test:carol")) as con:  # one row: fine
        ingest._write_changes(con, ingest._Changes({indicator_id: 1}, row, changes.history))


def _independent_relations(cells, indicator, config):
    """parent = sum(children) relations, built here from the config without indicators.privacy."""
    index = {tuple(row): i for i, row in enumerate(
        cells[["area_code", "period", "sex", "grp"]].itertuples(index=False))}
    relations = []
    sum_parent = config.sum_parent()
    children_of = {}
    for child, parent in sum_parent.items():
        children_of.setdefault(parent, []).append(child)
    for (area, period, sex, grp), i in index.items():
        kids = [index.get((c, period, sex, grp)) for c in children_of.get(area, [])]
        if any(k is not None for k in kids):
            relations.append((i, [k for k in kids if k is not None]))
        if sex == "total":
            kids = [index.get((area, period, s, grp)) for s in ("male", "female")]
            if any(k is not None for k in kids):
                relations.append((i, [k for k in kids if k is not None]))
        if grp == "total" and indicator.groups_sum_to_total:
            kids = [index.get((area, period, sex, g)) for g in indicator.group_codes[1:]]
            if any(k is not None for k in kids):
                relations.append((i, [k for k in kids if k is not None]))
        if len(period) == 9 and period[4] == "-" and period[5:].isdigit():  # rolling pool
            kids = [index.get((area, str(y), sex, grp))
                    for y in range(int(period[:4]), int(period[5:]) + 1)]
            if any(k is not None for k in kids):
                relations.append((i, [k for k in kids if k is not None]))
        if indicator.period_aggregation != "none":
            if "Q" in period:
                q = int(period[-1])
                months = [f"{period[:4]}-{3 * (q - 1) + m:02d}" for m in (1, 2, 3)]
                kids = [index.get((area, m, sex, grp)) for m in months]
            elif len(period) == 4:
                kids = [index.get((area, f"{period}Q{q}", sex, grp)) for q in (1, 2, 3, 4)]
            else:
                kids = []
            if any(k is not None for k in kids):
                relations.append((i, [k for k in kids if k is not None]))
    return relations


def test_no_hidden_cell_in_the_store_is_determined_by_visible_cells(config, reader):
    """For every indicator of the fixture store: the hidden cells are not fixed by the sums."""
    import numpy as np

    checked = 0
    for indicator in config.indicators.values():
        cells = reader.query_df(
            "SELECT o.area_code, o.period, o.sex, o.grp, o.numerator, o.denominator, d.hidden "
            "FROM observation o JOIN cell_disclosure d USING (indicator_id, area_code, period, "
            "sex, grp) WHERE o.indicator_id = ? ORDER BY 1, 2, 3, 4", [indicator.id])
        hidden = np.flatnonzero(cells["hidden"].to_numpy())
        if hidden.size == 0:
            continue
        relations = _independent_relations(cells, indicator, config)
        matrix = np.zeros((len(relations), len(cells)))
        for row, (parent, kids) in enumerate(relations):
            matrix[row, parent] = -1.0
            matrix[row, kids] = 1.0
        sub = matrix[:, hidden]
        sub = sub[np.abs(sub).sum(axis=1) > 0]
        if sub.size:
            # orthonormal basis of the row space; e_i lies in it iff its projection has norm 1
            _, s, vt = np.linalg.svd(sub, full_matrices=False)
            basis = vt[s > 1e-9 * max(s.max(), 1.0)]
            projection = (basis ** 2).sum(axis=0)
            determined = [cells.iloc[hidden[j]][["area_code", "period", "sex", "grp"]].tolist()
                          for j in np.flatnonzero(projection > 1 - 1e-6)]
            assert determined == [], (indicator.id, determined[:5])
        # every revealed sum of hidden children (parent visible) is 0 or at least min_n
        protected = cells["numerator"].to_numpy(dtype=float)
        if indicator.kind == "mean":
            protected = cells["denominator"].to_numpy(dtype=float)
        is_hidden = cells["hidden"].to_numpy()
        for parent, kids in relations:
            if is_hidden[parent]:
                continue
            total = sum(protected[k] for k in kids if is_hidden[k] and not np.isnan(protected[k]))
            assert total == 0 or total >= indicator.min_n, (indicator.id, parent, total)
        checked += hidden.size
    assert checked > 500


def test_indicators_sharing_counts_are_suppressed_together(config, reader):
    """Wherever a protected count of one indicator (a numerator, or the respondents of a mean)
    equals a numerator or denominator of another on every common cell, the sharing must be
    declared: both in one disclosure group (hidden cells coincide), or one takes its denominator
    from the other's count (`denominator_from`, directly or through a group), and then every cell
    hidden where the count is published is hidden where it is a denominator. (Shared population
    denominators are public and large, so two denominators only count when one is a mean's
    respondents or declared, and a population count of the catalogue, theme `population`, may
    equal another's denominator.)"""
    frames = {
        i: reader.query_df(
            "SELECT o.area_code, o.period, o.sex, o.grp, o.numerator, o.denominator, d.hidden "
            "FROM observation o JOIN cell_disclosure d USING (indicator_id, area_code, period, "
            "sex, grp) WHERE o.indicator_id = ?", [i]).set_index(
            ["area_code", "period", "sex", "grp"])
        for i in config.indicators
    }

    def owner(indicator_id: str, column: str) -> tuple[str, bool]:
        """(who publishes this count, whether `indicator_id` only borrows it)"""
        ind = config.indicators[indicator_id]
        if column == "denominator" and ind.denominator_from:
            source = config.indicators[ind.denominator_from]
            return owner(source.id, "numerator" if source.kind == "count" else "denominator")[0], \
                True
        return (f"group:{ind.disclosure_group}" if ind.disclosure_group else ind.id), False

    population = {i for i, ind in config.indicators.items() if "population" in ind.themes}
    shared = []
    ids = sorted(frames)
    for a_pos, a in enumerate(ids):
        for b in ids[a_pos + 1:]:
            common = frames[a].index.intersection(frames[b].index)
            if len(common) < 10:
                continue
            kinds = (config.indicators[a].kind, config.indicators[b].kind)
            declared = a in (config.indicators[b].denominator_from,) or \
                b in (config.indicators[a].denominator_from,)
            for col_a in ("numerator", "denominator"):
                for col_b in ("numerator", "denominator"):
                    if col_a == col_b == "denominator" and "mean" not in kinds and not declared \
                            and not (config.indicators[a].denominator_from
                                     and config.indicators[a].denominator_from
                                     == config.indicators[b].denominator_from):
                        continue
                    if {(a, col_a), (b, col_b)} & {(p, "numerator") for p in population} and \
                            "denominator" in (col_a, col_b):
                        continue  # the published population is the denominator of rates
                    x = frames[a].loc[common, col_a]
                    y = frames[b].loc[common, col_b]
                    if x.notna().all() and y.notna().all() and (x == y).all():
                        shared.append((a, col_a, b, col_b))
    assert len(shared) >= 10, "the demo has indicators that share counts (Omatiimi)"
    for a, col_a, b, col_b in shared:
        (root_a, borrows_a), (root_b, borrows_b) = owner(a, col_a), owner(b, col_b)
        assert root_a == root_b, (a, col_a, b, col_b)
        common = frames[a].index.intersection(frames[b].index)
        hidden_a, hidden_b = frames[a].loc[common, "hidden"], frames[b].loc[common, "hidden"]
        if not borrows_a and not borrows_b:  # one disclosure group
            assert (hidden_a == hidden_b).all(), (a, b)
        elif not borrows_a:
            assert not (hidden_a & ~hidden_b).any(), (a, b)
        elif not borrows_b:
            assert not (hidden_b & ~hidden_a).any(), (a, b)


def test_disclosure_order_adds_borrowers_after_their_source(config):
    from indicators.ingest import disclosure_order

    order = disclosure_order(["omatiimi_feedback_responses"], config)
    groups = [config.indicators[i].disclosure_group or i for i in order]
    # the feedback group once, first; then every indicator whose denominator is its count
    assert groups[0] == "omatiimi_feedback" and groups.count("omatiimi_feedback") == 1
    assert {"omatiimi_srs_mean", "omatiimi_srs_under_36", "omatiimi_felt_helped"} <= set(order)
    assert "omatiimi_convened" not in order and "omatiimi_ors_change" not in order
    chain = disclosure_order(["omatiimi_ors_change"], config)
    assert chain == ["omatiimi_ors_change", "omatiimi_ors_reliable_improvement"]
    everything = disclosure_order(config.indicators, config)
    position = {config.indicators[i].disclosure_group or i: n for n, i in enumerate(everything)}
    for ind in config.indicators.values():
        if ind.denominator_from:
            source = config.indicators[ind.denominator_from]
            assert position[source.disclosure_group or source.id] < \
                position[ind.disclosure_group or ind.id]


def test_disclosure_in_worker_processes_equals_one_process(config, store_path, tmp_path,
                                                           monkeypatch):
    """A national import decides disclosure in worker processes, batch after batch, writing one
    batch while the workers decide the next: same decisions, cell by cell, for every indicator
    of the demo store (sexes, groups, pools, shared counts, denominators borrowed from an
    indicator of the same batch or of an earlier one)."""
    from indicators import ingest

    units = ingest.disclosure_order(config.indicators, config)
    position = {config.indicators[u].id: n for n, u in enumerate(units)}
    unit_of = {i.id: ingest._unit_of(i) for i in config.indicators.values()}
    first_of = {unit_of[u]: n for n, u in enumerate(units)}
    # batches of 13 put a source in the batch just before its borrower (still unwritten when
    # the borrower's jobs are made), batches of 3 further apart
    assert any(first_of[unit_of[i.denominator_from]] // 13 + 1 == position.get(i.id, -13) // 13
               for i in config.indicators.values() if i.denominator_from)
    decisions = {}
    for workers, batch in ((1, 200), (2, 200), (2, 13), (2, 3), (1, 3)):
        monkeypatch.setattr(ingest, "BATCH_INDICATORS", batch)
        path = tmp_path / f"store{workers}_{batch}.duckdb"
        shutil.copy(store_path, path)
        with duckdb.connect(str(path)) as con:
            con.execute("DELETE FROM cell_disclosure")
            ingest.refresh_disclosure_of(con, config.indicators, config, workers=workers)
            decisions[workers, batch] = con.execute(
                "SELECT indicator_id, area_code, period, sex, grp, hidden, reason, min_n "
                "FROM cell_disclosure ORDER BY ALL").fetchall()
    reference = decisions[1, 200]
    assert all(found == reference for found in decisions.values())
    assert len({row[0] for row in reference}) == len(config.indicators)
    assert any(row[6] == "secondary" for row in reference)
    assert any(row[6] == "linked" for row in reference)


def test_worker_processes_run_blas_in_one_thread(config, store_path, tmp_path, monkeypatch):
    """Workers start as jobs are submitted and read their BLAS threads from the environment
    then: it says one thread while jobs go out, and is as it was afterwards."""
    from concurrent.futures import ProcessPoolExecutor

    from indicators import ingest

    seen: list[str | None] = []

    class Recording(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            seen.append(os.environ.get("OPENBLAS_NUM_THREADS"))
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(ingest, "ProcessPoolExecutor", Recording)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    path = tmp_path / "store.duckdb"
    shutil.copy(store_path, path)
    with duckdb.connect(str(path)) as con:
        ingest.refresh_disclosure_of(con, config.indicators, config, workers=2)
    assert seen and set(seen) == {"1"}
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7"


def test_worker_processes_start_only_under_a_guarded_main(tmp_path):
    """Workers import the main module again: a script run by path might redo its work in
    every worker, so only a program run as a module (`python -m ...`) gets them."""
    import subprocess
    import sys

    from indicators.settings import REPO_ROOT

    (tmp_path / "probe.py").write_text(
        "from indicators.ingest import _workers_may_start\nprint(_workers_may_start())\n",
        encoding="utf-8")
    env = {"PYTHONPATH": f"{REPO_ROOT}", "PATH": "/usr/bin:/bin"}

    def answer(*args: str) -> str:
        return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    assert answer("probe.py") == "False"
    assert answer("-m", "probe") == "True"
