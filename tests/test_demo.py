"""The demo generator: deterministic, complete, consistent, and honest about the phenomena."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
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


# ---- Omatiimi: the story the demo tells, measured on the generated frames and the store ------


@pytest.fixture(scope="module")
def omatiimi(config) -> dict[str, pd.DataFrame]:
    """The generated Omatiimi frames, indexed by (area_code, period)."""
    frames = demo.generate(config)
    return {ind_id: frames[ind_id].set_index(["area_code", "period"])
            for ind_id in demo.OMATIIMI_FIELDS}


def _monthly(frame: pd.DataFrame, column: str = "numerator") -> pd.Series:
    """A count per (area_code, period): the group total where the indicator has groups."""
    return frame.groupby(level=["area_code", "period"])[column].sum(min_count=1)


def test_omatiimi_volumes_grow_with_the_rollout(config, omatiimi):
    requests = _monthly(omatiimi["omatiimi_requests"])
    assert set(requests.index.get_level_values("area_code")) == set(config.region_codes)
    for region in config.region_codes:
        by_month = requests.loc[region]
        first_quarter = by_month.loc[["2026-02", "2026-03"]].sum()  # began in February
        third_quarter = by_month.loc[["2026-07", "2026-08", "2026-09"]].sum()
        assert third_quarter > first_quarter, region
        # not only because Q1 had two months: the average month grew too, summer and all
        assert third_quarter / 3 > first_quarter / 2, region


def test_omatiimi_lead_times_shorten(omatiimi):
    bins = omatiimi["omatiimi_days_to_first_meeting"].reset_index()
    county = bins.groupby(["period", "grp"])["numerator"].sum().unstack("grp")  # sum of regions
    assert list(county.columns.sort_values()) == sorted(demo.OMATIIMI_BINS)

    def share_within_a_week(months: list[str]) -> float:
        return county.loc[months, "d0_7"].sum() / county.loc[months].to_numpy().sum()

    early = share_within_a_week(["2026-02", "2026-03", "2026-04"])
    late = share_within_a_week(["2026-08", "2026-09", "2026-10"])
    assert late > early


def test_omatiimi_summer_dip(omatiimi):
    county = _monthly(omatiimi["omatiimi_requests"]).groupby(level="period").sum()
    assert county["2026-07"] < county["2026-06"] and county["2026-07"] < county["2026-08"]
    # a holiday dip, clearly more than month-to-month noise: a quarter below each neighbour
    assert county["2026-07"] < 0.75 * min(county["2026-06"], county["2026-08"])


def test_omatiimi_indicators_agree_with_each_other(omatiimi):
    keys = _monthly(omatiimi["omatiimi_requests"]).index
    assert len(keys) == 3 * len(demo.OMATIIMI_MONTHS)
    for ind_id, frame in omatiimi.items():  # every indicator has every region-month, only those
        assert set(_monthly(frame).index) == set(keys), ind_id
    num = {ind_id: _monthly(frame).reindex(keys) for ind_id, frame in omatiimi.items()}
    den = {ind_id: _monthly(frame, "denominator").reindex(keys)
           for ind_id, frame in omatiimi.items()}
    requests, convened = num["omatiimi_requests"], num["omatiimi_convened"]
    responses = num["omatiimi_feedback_responses"]
    assert (convened <= requests).all()
    assert (num["omatiimi_days_to_first_meeting"] == convened).all()  # classes sum to convened
    for share in ("omatiimi_wednesday_slot", "omatiimi_coordinator_named"):
        assert (num[share] <= convened).all(), share
        assert (den[share] == convened).all(), share
    assert (num["omatiimi_feedback_response_rate"] == responses).all()
    assert (den["omatiimi_feedback_response_rate"] == num["omatiimi_meetings"]).all()
    assert (responses <= num["omatiimi_meetings"]).all()
    for per_response in ("omatiimi_srs_mean", "omatiimi_srs_under_36", "omatiimi_felt_helped"):
        assert (den[per_response] == responses).all(), per_response
    assert (num["omatiimi_srs_under_36"] <= responses).all()
    assert (num["omatiimi_felt_helped"] <= responses).all()
    answered = responses > 0
    srs = num["omatiimi_srs_mean"][answered] / responses[answered]
    assert answered.any() and srs.between(0, 40).all()
    assert (den["omatiimi_ors_reliable_improvement"] == den["omatiimi_ors_change"]).all()
    assert (num["omatiimi_ors_reliable_improvement"] <= den["omatiimi_ors_change"]).all()
    # a percent's value is its numerator over its denominator
    rate = omatiimi["omatiimi_wednesday_slot"]
    shown = rate[rate["denominator"] > 0]
    assert np.allclose(shown["value"], 100 * shown["numerator"] / shown["denominator"])


def test_small_regions_have_hidden_months(reader):
    frame = reader.query_df(
        "SELECT area_code, period, suppressed, value FROM observation_public "
        "WHERE indicator_id = 'omatiimi_srs_mean' AND sex = 'total' AND grp = 'total' "
        "AND period LIKE '____-__' AND area_code IN ('SK051', 'SK053')")
    hidden = frame.groupby("area_code")["suppressed"].agg(["sum", "size"])
    assert hidden.loc["SK053", "size"] == hidden.loc["SK051", "size"] == len(
        demo.OMATIIMI_MONTHS)
    assert hidden.loc["SK053", "sum"] >= 1  # the Forssa region: a hidden monthly figure
    assert hidden.loc["SK051", "sum"] < hidden.loc["SK051", "size"] / 2  # Hämeenlinna: mostly seen
    assert frame.loc[frame["suppressed"], "value"].isna().all()  # hidden means no number


def test_rollout_state_reaches_more_children_as_municipalities_join(config):
    for region in config.region_codes:
        assert demo._rollout_state(config, region, "2026-01") == (0.0, 0)  # before the launch
        states = [demo._rollout_state(config, region, m) for m in demo.OMATIIMI_MONTHS]
        reached = [s[0] for s in states]
        trained = [s[1] for s in states]
        assert all(a <= b for a, b in zip(reached, reached[1:], strict=False)), region
        assert all(a <= b for a, b in zip(trained, trained[1:], strict=False)), region
        members = set(config.children(region))
        for before, month, after in zip(reached, demo.OMATIIMI_MONTHS[1:], reached[1:],
                                        strict=False):
            joins = [e for e in config.rollout if e.event == "municipality_joined"
                     and e.area in members and str(e.date)[:7] == month]
            if joins:
                assert after > before, (region, month)
        # by the end every municipality of the region has joined
        joined = {e.area for e in config.rollout if e.event == "municipality_joined"
                  and e.area in members and str(e.date) <= "2026-10-31"}
        assert joined == members
    # Forssa alone in its first month: a third of its children (ramping up over three months)
    assert demo._rollout_state(config, "SK053", "2026-02") == (
        config.areas["KU061"].population_0_17 / 3, 0)


def test_rollout_state_counts_only_municipalities_that_joined(config):
    """The same rollout without Janakkala (KU165, joined 2026-04) reaches fewer children in the
    Hämeenlinna region from April on, and the same before."""
    without = dataclasses.replace(config, rollout=tuple(
        e for e in config.rollout if e.area != "KU165"))
    for month in demo.OMATIIMI_MONTHS:
        full, less = (demo._rollout_state(c, "SK051", month)[0] for c in (config, without))
        if month < "2026-04":
            assert full == less, month
        else:
            assert less < full, month
    # other regions are untouched
    assert demo._rollout_state(without, "SK052", "2026-10") == demo._rollout_state(
        config, "SK052", "2026-10")
