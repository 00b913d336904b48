"""The demo generator: deterministic, complete, consistent, and honest about the phenomena."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from indicators import demo, queries
from indicators.periods import months_between
from indicators.settings import DEMO_DIR
from indicators.stats import run_chart


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.glob("*.csv"))}


def test_generator_is_deterministic(config, demo_tables_dir, tmp_path):
    demo.write_tables(demo.generate(config), tmp_path)
    assert _digest(tmp_path) == _digest(demo_tables_dir)


def test_bundled_demo_tables_are_current(demo_tables_dir):
    """data/demo is exactly what `python -m indicators demo` writes (no hand edits)."""
    assert _digest(DEMO_DIR) == _digest(demo_tables_dir)


def test_catalogue_and_store_agree(config, reader):
    observed = set(reader.query_df("SELECT DISTINCT indicator_id FROM observation")["indicator_id"])
    assert observed == set(config.indicators)
    stored = set(reader.query_df("SELECT id FROM indicator")["id"])
    assert stored == set(config.indicators)
    areas = reader.query_df("SELECT code, level, parent_code FROM area")
    assert set(areas["code"]) == set(config.areas)


def test_periods_cover_the_promised_ranges(reader):
    frame = reader.query_df(
        "SELECT o.indicator_id, o.period, o.area_code, i.period_type FROM observation o "
        "JOIN indicator i ON i.id = o.indicator_id WHERE NOT o.derived")
    by_type = frame.groupby("period_type")["period"].agg(lambda s: sorted(set(s)))
    assert by_type["year"] == [str(y) for y in range(2019, 2026)]
    assert by_type["survey"] == ["2019", "2021", "2023", "2025"]
    assert by_type["term"][0] == "2019-T1" and by_type["term"][-1] == "2026-T1"
    assert by_type["month"] == months_between("2023-01", "2026-10")
    omatiimi = frame[frame["indicator_id"] == "omatiimi_requests"]
    assert min(omatiimi["period"]) == "2026-02"
    assert set(omatiimi["area_code"]) == {"SK051", "SK052", "SK053"}  # regions only


def test_every_area_level_has_rows(reader):
    levels = reader.query_df(
        "SELECT a.level, COUNT(*) AS n FROM observation o JOIN area a ON a.code = o.area_code "
        "WHERE o.indicator_id = 'anxiety_gr8_9' GROUP BY a.level")
    assert set(levels["level"]) == {"municipality", "region", "county", "country"}


@pytest.mark.parametrize("indicator_id", ["fc_contacts_attention", "anxiety_gr8_9",
                                          "absence_over10_term", "adhd_medication_5_17"])
def test_regions_are_sums_of_their_municipalities(config, reader, indicator_id):
    frame = reader.query_df(
        "SELECT area_code, period, sex, grp, numerator, denominator, derived FROM observation "
        "WHERE indicator_id = ?", [indicator_id])
    munis = frame[frame["area_code"].str.startswith("KU")].copy()
    munis["region"] = munis["area_code"].map(lambda c: config.areas[c].parent_code)
    sums = munis.groupby(["region", "period", "sex", "grp"])[["numerator"]].sum().reset_index()
    regions = frame[frame["area_code"].isin(config.region_codes)].merge(
        sums, left_on=["area_code", "period", "sex", "grp"],
        right_on=["region", "period", "sex", "grp"], suffixes=("", "_sum"))
    assert len(regions) > 0 and regions["derived"].all()
    assert (regions["numerator"] == regions["numerator_sum"]).all()
    county = frame[frame["area_code"] == config.county_code].set_index(["period", "sex", "grp"])
    region_sum = frame[frame["area_code"].isin(config.region_codes)].groupby(
        ["period", "sex", "grp"])["numerator"].sum()
    assert (county["numerator"] == region_sum.reindex(county.index)).all()


def test_small_municipalities_have_small_counts(reader):
    """So that suppression has real work to do."""
    small = reader.query_df(
        "SELECT COUNT(*) AS n FROM observation WHERE area_code = 'KU103' "
        "AND numerator BETWEEN 1 AND 4")["n"].iloc[0]
    hidden = reader.query_df(
        "SELECT COUNT(*) AS n FROM cell_disclosure WHERE hidden")["n"].iloc[0]
    assert small > 20 and hidden > 100


def _verdict(reader, config, indicator_id: str, area: str, action_start: str):
    indicator = config.indicators[indicator_id]
    frame = queries.series(reader, indicator, [area], level="month").sort_values("period")
    baseline = int((frame["period"] < action_start).sum())
    assert baseline >= 10 and len(frame) - baseline >= 10
    return run_chart(frame["value"].tolist(), baseline_count=baseline)


@pytest.mark.parametrize(("indicator_id", "acting", "comparison", "start"), [
    ("fc_contacts_attention", ["SK051", "SK052"], ["SK053"], "2025-08"),
    ("absence_over10_month", ["SK053"], ["SK051", "SK052"], "2025-08"),
])
def test_phenomena_improve_where_acted_on_and_not_elsewhere(config, reader, indicator_id, acting,
                                                            comparison, start):
    for area in acting:
        result = _verdict(reader, config, indicator_id, area, start)
        assert result.verdict == "signal" and result.signal_long_run, area
        assert result.shift_direction == "below", area  # both are down-is-good: improvement
    for area in comparison:
        result = _verdict(reader, config, indicator_id, area, start)
        assert result.verdict == "normal_variation", area


def test_demo_store_is_labelled(reader):
    meta = queries.store_meta(reader)
    assert meta["dataset"] == "demo" and meta["as_of"] == "2026-10-31"


def test_status_preliminary_only_for_latest_months(reader):
    frame = reader.query_df("SELECT DISTINCT period FROM observation WHERE status = 'preliminary'")
    assert set(frame["period"]) <= {"2026-09", "2026-10", "2026Q3", "2026"}
