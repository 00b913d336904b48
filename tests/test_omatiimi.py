"""Omatiimi: lead-time percentiles from public class counts, control charts and their signals,
the quarter cards, the rollout, and small feedback counts hidden everywhere they could show."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from indicators import auth, omatiimi, queries
from indicators.build import build_demo_store
from indicators.omatiimi import LEAD_TIME_BINS, percentile_from_bins
from indicators.periods import months_of_quarter
from indicators.settings import REPO_ROOT
from indicators.store import StoreReader

APP = str(REPO_ROOT / "dashboard.py")
REGIONS = ["SK051", "SK052", "SK053"]


# ------------------------------------------------------------------ percentiles from classes


def test_percentiles_interpolate_inside_the_class():
    counts = [10, 20, 10, 5, 3, 2]  # 50 networks
    median = percentile_from_bins(counts, 50, 0.5)
    # 25th network: 10 before class 8–14 (true limits 7.5–14.5, 20 in it) -> 7.5 + 15/20 * 7
    assert median.status == "ok" and median.bin_code == "d8_14"
    assert median.days == pytest.approx(7.5 + 15 / 20 * 7)
    p75 = percentile_from_bins(counts, 50, 0.75)  # 37.5th: 30 before 15–21 (10 in it)
    assert p75.bin_code == "d15_21" and p75.days == pytest.approx(14.5 + 7.5 / 10 * 7)
    # a percentile at a class edge stays inside its class in words
    edge = percentile_from_bins([25, 25, 0, 0, 0, 0], 50, 0.5)
    assert edge.days == pytest.approx(7.5)
    assert omatiimi.percentile_text(edge.days, edge.bin_code, edge.status) == \
        "noin 8 pv (luokka 0–7 pv)"


def test_a_percentile_hidden_classes_would_decide_is_not_given():
    # 30 networks hidden in 8–14 and 15–21 together: the median lies somewhere inside them
    assert percentile_from_bins([10, None, None, 5, 3, 2], 50, 0.5).status == "hidden"
    # hidden classes after the quantile do not matter: they only move the upper tail
    median = percentile_from_bins([30, 10, None, None, 3, 2], 50, 0.5)
    assert median.status == "ok" and median.days == pytest.approx(-0.5 + 25 / 30 * 8)
    p75 = percentile_from_bins([30, 10, None, None, 3, 2], 50, 0.75)
    assert p75.status == "ok" and p75.days == pytest.approx(7.5 + 7.5 / 10 * 7)
    # all hidden classes before the quantile: the edge after them is known (total - visible)
    p90 = percentile_from_bins([None, None, 10, 15, 5, 0], 50, 0.9)  # 20 hidden before
    assert p90.status == "ok" and p90.bin_code == "d22_28"
    assert p90.days == pytest.approx(21.5 + (45 - 30) / 15 * 7)


def test_open_class_too_few_and_none():
    assert percentile_from_bins([1, 1, 1, 1, 1, 45], 50, 0.5).status == "open"
    assert percentile_from_bins([1, 1, 1, 0, 0, 0], 3, 0.5, min_n=5).status == "too_few"
    assert percentile_from_bins([None] * 6, None, 0.5).status == "too_few"
    assert percentile_from_bins([0] * 6, 0, 0.5).status == "no_data"


@settings(max_examples=300, deadline=None)
@given(counts=st.lists(st.integers(0, 40), min_size=6, max_size=6),
       hidden=st.lists(st.booleans(), min_size=6, max_size=6),
       q=st.sampled_from([0.25, 0.5, 0.75, 0.9]))
def test_public_percentile_is_the_true_one_or_none(counts, hidden, q):
    """Whatever is hidden, a percentile given from the public figures equals the one computed
    from all the counts: it is derived, never estimated, so it cannot mislead or leak."""
    total = sum(counts)
    public = [None if h else c for c, h in zip(counts, hidden, strict=True)]
    truth = percentile_from_bins(counts, total, q)
    shown = percentile_from_bins(public, total, q)
    if shown.status in ("ok", "open"):
        assert shown.status == truth.status and shown.bin_code == truth.bin_code
        if shown.status == "ok":
            assert shown.days == pytest.approx(truth.days)
    else:
        assert shown.status in ("hidden", "too_few", "no_data")


def test_lead_time_summary_on_the_store_matches_the_unsuppressed_counts(config, reader):
    indicator = config.indicators[omatiimi.LEAD_TIME]
    cells = queries.group_cells(reader, indicator, [*REGIONS, config.county_code], "quarter")
    summary = omatiimi.lead_time_summary(cells, indicator.min_n)
    raw = reader.query_df(
        "SELECT area_code, period, grp, numerator FROM observation WHERE indicator_id = ? "
        "AND sex = 'total'", [indicator.id])
    checked = 0
    for row in summary.itertuples():
        part = raw[(raw["area_code"] == row.area_code) & (raw["period"] == row.period)]
        counts = [float(part.loc[part["grp"] == code, "numerator"].sum())
                  for code, _, _ in LEAD_TIME_BINS]
        truth = percentile_from_bins(counts, sum(counts), 0.5)
        if row.median_status == "ok":
            assert row.median_days == pytest.approx(truth.days)
            checked += 1
    assert checked >= 4  # the quarters have medians to show


# ------------------------------------------------------------------ control charts


def _frame(num, den, hidden=()):
    periods = [f"2026-{m:02d}" if m <= 12 else f"2027-{m - 12:02d}" for m in
               range(1, len(num) + 1)]
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    frame = pd.DataFrame({
        "period": periods, "period_start": pd.to_datetime([p + "-01" for p in periods]),
        "numerator": num, "denominator": den, "value": num / den * 100,
        "suppressed": [i in hidden for i in range(len(num))]})
    frame.loc[frame["suppressed"], ["numerator", "denominator", "value"]] = np.nan
    return frame


def test_p_chart_limits_and_an_outlying_month(config):
    indicator = config.indicators["omatiimi_felt_helped"]
    num = [40] * 13 + [10]
    den = [50] * 14
    frame = _frame(num, den)
    chart = omatiimi.control_chart(frame, indicator)
    p = sum(num) / sum(den)
    sigma = math.sqrt(p * (1 - p) / 50)
    assert chart.chart == "p" and chart.centre == pytest.approx(100 * p)
    assert chart.upper[0] == pytest.approx(100 * min(1, p + 3 * sigma))
    assert chart.lower[0] == pytest.approx(100 * max(0, p - 3 * sigma))
    assert chart.outside == [13] and not chart.trial  # 14 months: limits no longer trial
    texts = omatiimi.signal_texts(chart, frame, indicator)
    assert texts[0].startswith("2/2027: 20 %")  # Finnish month and number, plain words
    assert "alemman ohjausrajan" in texts[0] and "huonompaan" in texts[0]


def test_trial_limits_hidden_months_and_too_few_points(config):
    indicator = config.indicators["omatiimi_feedback_response_rate"]
    frame = _frame([30, 31, 29, 30, 32, 28, 30, 31, 30], [50] * 9, hidden={2})
    chart = omatiimi.control_chart(frame, indicator)
    assert chart.trial and chart.n_points == 8 and chart.n_hidden == 1
    assert math.isnan(chart.lower[2]) and math.isnan(chart.upper[2])  # no limit on a hidden month
    texts = " ".join(omatiimi.signal_texts(chart, frame, indicator))
    assert "alustavia" in texts and "8 kuukautta" in texts
    assert "näkyviä kuukausia on 8" in texts and "vähintään 10" in texts
    assert "1 kuukautta on salattu" in texts


def test_run_chart_for_counts_names_a_long_run(config):
    indicator = config.indicators["omatiimi_convened"]
    values = [10, 11, 9, 10, 12, 9, 11, 20, 21, 22, 23, 24, 25, 26, 27, 28]
    frame = _frame(values, [1] * len(values)).assign(value=np.asarray(values, dtype=float),
                                                      denominator=np.nan)
    chart = omatiimi.control_chart(frame, indicator)
    assert chart.chart == "run" and chart.lower is None
    assert chart.run.signal_long_run
    texts = omatiimi.signal_texts(chart, frame, indicator)
    # 8 months below the median, then 8 above (limit 7): a change, but not one direction
    assert chart.run.shift_direction is None
    assert any("molemmin puolin" in line for line in texts)
    assert not any("yläpuolella" in line for line in texts)
    # one long run above a stable level: named with its side
    values = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 20, 21, 22, 23, 24, 25, 26, 27, 28]
    frame = _frame(values, [1] * len(values)).assign(value=np.asarray(values, dtype=float),
                                                      denominator=np.nan)
    chart = omatiimi.control_chart(frame, indicator)
    assert chart.run.shift_direction == "above"
    assert any("mediaanin yläpuolella" in line
               for line in omatiimi.signal_texts(chart, frame, indicator))


def test_trend_table_keeps_hidden_months_without_numbers(config):
    indicator = config.indicators["omatiimi_srs_mean"]
    frame = _frame([70.0, 75.0, 370.0], [2, 2, 10], hidden={0, 1}).assign(
        value=lambda f: f["numerator"] / f["denominator"])
    chart = omatiimi.control_chart(frame, indicator)
    table = omatiimi.trend_table(omatiimi.with_volume(frame, indicator), chart, indicator,
                                 formatted=False)
    assert list(table.iloc[0, 1:3]) == ["..", ".."]
    assert table.iloc[2, 1] == pytest.approx(37.0) and table.iloc[2, 2] == 10
    assert "35" not in table.to_csv() and "37.5" not in table.to_csv()


# ------------------------------------------------------------------ cards, areas, rollout


def test_cards_for_the_latest_quarter(config, reader):
    quarter, cards = omatiimi.quarter_cards(reader, config, [*REGIONS, config.county_code])
    assert quarter == "2026Q3" and {c.period for c in cards} == {"2026Q3"}
    assert len(cards) == 4 * len(omatiimi.CARD_INDICATORS)
    by = {(c.area_code, c.indicator_id): c for c in cards}
    srs = by[("SK051", "omatiimi_srs_mean")]
    responses = reader.query_df(
        "SELECT value FROM observation_public WHERE indicator_id = "
        "'omatiimi_feedback_responses' AND area_code = 'SK051' AND period = '2026Q3'")
    assert srs.volume == responses["value"].iloc[0] and srs.volume_noun == "responses"
    assert srs.compare_period == "2026Q2" and srs.status == "not_assessable"  # no spread, no CI
    convened = by[("HV07", "omatiimi_convened")]
    regions_sum = sum(by[(r, "omatiimi_convened")].value for r in REGIONS)
    assert convened.value == regions_sum
    lead = by[("SK051", omatiimi.LEAD_TIME_MEDIAN)]
    assert lead.volume == by[("SK051", "omatiimi_convened")].value
    assert lead.note is None and 0 < lead.value < 42.5


def test_shown_area_maps_to_the_level_omatiimi_reports(config):
    assert omatiimi.shown_area(config, "KU061") == "SK053"
    assert omatiimi.shown_area(config, "SK052") == "SK052"
    assert omatiimi.shown_area(config, "SSS") == config.county_code
    assert omatiimi.shown_area(config, None) == config.county_code
    assert omatiimi.shown_area(config, "nonsense") == config.county_code


def test_rollout_lines_per_area(config):
    region = omatiimi.rollout_events(config, "SK052")
    text = " ".join(label for _, label in region)
    assert "Riihimäen seutu" in text and "Hausjärvi mukaan" in text
    assert "Hämeenlinna" not in text and "Forssa" not in text
    months = [d.strftime("%Y-%m") for d, _ in region]
    assert len(months) == len(set(months))  # one line per month
    county = omatiimi.rollout_events(config, config.county_code)
    assert "koulutettu" not in " ".join(label for _, label in county)
    assert any("muuta" in label for _, label in county)  # a crowded month is counted, not listed
    table = omatiimi.rollout_table(config)
    assert len(table) == len(config.rollout)
    assert table.iloc[0]["Päivä"] == "2.2.2026"


# ------------------------------------------------------------------ disclosure across time


def test_no_hidden_month_can_be_recovered_from_a_visible_quarter(config, reader):
    """Quarters built from months (2026Q1 from February and March alone) obey the same control:
    a visible quarter never has exactly one hidden month, for numerators and denominators."""
    ids = [i.id for i in config.indicators.values() if omatiimi.THEME in i.themes]
    cells = reader.query_df(
        "SELECT indicator_id, area_code, period, sex, grp, suppressed FROM observation_public "
        f"WHERE indicator_id IN ({', '.join('?' for _ in ids)})", ids)
    hidden = {tuple(r[:5]): r[5] for r in cells.itertuples(index=False)}
    quarters = 0
    for (ind, area, period, sex, grp), is_hidden in hidden.items():
        if len(period) != 6 or is_hidden:
            continue
        months = [m for m in months_of_quarter(period) if (ind, area, m, sex, grp) in hidden]
        assert months, (ind, area, period)
        quarters += 1
        assert sum(hidden[(ind, area, m, sex, grp)] for m in months) != 1, (ind, area, period)
    assert quarters > 100
    assert ("omatiimi_requests", "SK051", "2026Q1", "total", "total") in hidden


# ------------------------------------------------------------------ small feedback counts


FEEDBACK = ("omatiimi_feedback_responses", "omatiimi_feedback_response_rate",
            "omatiimi_srs_mean", "omatiimi_srs_under_36", "omatiimi_felt_helped")
SMALL_MONTHS = ("2026-07", "2026-08", "2026-09")


@pytest.fixture(scope="module")
def small_feedback_store(tmp_path_factory, config, demo_tables_dir) -> Path:
    """The demo with Forssa's summer feedback cut to one response a month (3 in 2026Q3)."""
    tables = tmp_path_factory.mktemp("small_feedback")
    for path in Path(demo_tables_dir).glob("*.csv"):
        shutil.copy(path, tables / path.name)
    for ind in FEEDBACK:
        path = tables / f"{ind}.csv"
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        rows = (frame["area_code"] == "SK053") & frame["period"].isin(SMALL_MONTHS)
        numerator = {"omatiimi_srs_mean": 36.0, "omatiimi_srs_under_36": 0.0}.get(ind, 1.0)
        frame.loc[rows, "numerator"] = numerator
        if ind != "omatiimi_feedback_response_rate" and ind != "omatiimi_feedback_responses":
            frame.loc[rows, "denominator"] = 1.0
        indicator = config.indicators[ind]
        frame.loc[rows, "value"] = (frame.loc[rows, "numerator"] if indicator.kind == "count"
                                    else frame.loc[rows, "numerator"]
                                    / frame.loc[rows, "denominator"] * indicator.scale)
        frame.to_csv(path, index=False)
    store = tmp_path_factory.mktemp("small_store") / "dashboard.duckdb"
    build_demo_store(store, config, actor=auth.maintainer("test:small"), tables_dir=tables)
    return store


def test_small_feedback_is_hidden_on_cards_and_charts(config, small_feedback_store):
    small = StoreReader(small_feedback_store)
    try:
        _, cards = omatiimi.quarter_cards(small, config, [*REGIONS, config.county_code])
        by = {(c.area_code, c.indicator_id): c for c in cards}
        for ind in ("omatiimi_feedback_response_rate", "omatiimi_srs_mean",
                    "omatiimi_felt_helped"):
            card = by[("SK053", ind)]
            assert card.suppressed and math.isnan(card.value) and math.isnan(card.volume)
        # a hidden quarter cannot come back as county minus the other regions
        srs_q3 = [c for c in cards if c.indicator_id == "omatiimi_srs_mean"]
        assert sum(c.suppressed for c in srs_q3) >= 2
        indicator = config.indicators["omatiimi_srs_mean"]
        monthly = queries.series(small, indicator, ["SK053"], level="month")
        summer = monthly[monthly["period"].isin(SMALL_MONTHS)]
        assert summer["suppressed"].all() and summer["value"].isna().all()
        assert summer["denominator"].isna().all()
    finally:
        small.close()


@pytest.mark.usefixtures("navigation_mode")
def test_page_hides_small_feedback_in_cards_hovers_and_tables(small_feedback_store,
                                                              monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(small_feedback_store))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["area"] = "SK053"
    at.query_params["indicator"] = "omatiimi_srs_mean"
    at.run()
    at.switch_page("pages/omatiimi.py").run()
    assert not at.exception
    forssa = next(c for c in at.columns
                  if c.markdown and c.markdown[0].value.startswith("### Forssan seutu"))
    shown = [m.value for m in forssa.markdown]
    srs_at = shown.index("**Omatiimin tapaamisten SRS-keskiarvo**")
    assert 'class="card-value"' in shown[srs_at + 1] and '">.. <small>' in shown[srs_at + 1]
    assert "Määrä salattu" in [c.value for c in forssa.caption]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    line = next(tr for tr in chart["data"] if tr.get("mode") == "lines+markers")
    for x, y, custom in zip(line["x"], line["y"], line["customdata"], strict=True):
        if str(x)[:7] in SMALL_MONTHS:
            assert y is None
            assert custom[0].endswith("/2026")  # the period label, then no number at all
            assert not any(ch.isdigit() for ch in json.dumps(custom[1:])), custom
    tables = [df.value for df in at.dataframe]
    trend = tables[0]
    summer = trend[trend.iloc[:, 0].isin(["7/2026", "8/2026", "9/2026"])]
    assert (summer.iloc[:, 1] == "..").all() and (summer.iloc[:, 2] == "..").all()


# ------------------------------------------------------------------ the page for each area


@pytest.mark.usefixtures("navigation_mode")
@pytest.mark.parametrize("area", [*REGIONS, "HV07", "KU694"])
def test_page_for_each_region(store_path, monkeypatch, config, area):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["area"] = area
    at.run()
    at.switch_page("pages/omatiimi.py").run()
    assert not at.exception
    shown = omatiimi.shown_area(config, area)
    name = config.areas[shown].name_fi
    headings = [s.value for s in at.header]
    assert headings[0] == "Viimeisin neljännes: 7–9/2026"
    assert f"Kuukausittainen kehitys: {name}" in headings
    assert f"Viive lomakkeesta ensimmäiseen tapaamiseen: {name}" in headings
    assert f"Ketkä osallistuvat: {name}" in headings
    assert "Käyttöönotto" in headings
    if area != shown:
        assert any(name in i.value for i in at.info)
    text = "\n".join(m.value for m in at.markdown)
    assert ":material/" in text and 'class="card-value"' in text  # icon and values on cards
    # the control chart, both bar charts and the comparison
    assert len(at.get("plotly_chart")) == 4
    assert at.selectbox(key="url_indicator").value == "omatiimi_felt_helped"
    assert "vastausta" in "\n".join(c.value for c in at.caption)


def test_region_comparison_hover_gives_the_volume_of_visible_figures_only(config, reader):
    from indicators.figures import series_figure

    indicator = config.indicators["omatiimi_felt_helped"]
    frame = omatiimi.with_volume(queries.series(reader, indicator, REGIONS, level="month"),
                                 indicator)
    fig = series_figure(frame, indicator, {c: c for c in REGIONS}, volume_label="vastausta")
    lines = [tr for tr in fig.data if tr.mode == "lines+markers"]
    seen = 0
    for trace, code in zip(lines, REGIONS, strict=True):
        rows = frame[frame["area_code"] == code].sort_values("period_start")
        for custom, (_, row) in zip(trace.customdata, rows.iterrows(), strict=True):
            if row["suppressed"]:
                assert "vastausta" not in custom[2] and not any(c.isdigit() for c in custom[1])
            else:
                assert f"n = {int(row['volume'])} vastausta" in custom[2].replace("\u00a0", " ")
                seen += 1
    assert seen >= 10


def test_u_chart_for_a_rate_with_known_denominators(config):
    indicator = config.indicators["cw_notifications_rate"]  # per 1 000
    counts = np.array([30, 35, 28, 32, 31, 90], dtype=float)
    exposure = np.full(6, 1000.0)
    frame = _frame(counts, exposure).assign(value=counts / exposure * 1000)
    chart = omatiimi.control_chart(frame, indicator)
    u = counts.sum() / exposure.sum()
    assert chart.chart == "u" and chart.centre == pytest.approx(1000 * u)
    assert chart.upper[0] == pytest.approx(1000 * (u + 3 * math.sqrt(u / 1000)))
    assert chart.outside == [5] and chart.trial


def test_an_import_that_makes_responses_small_hides_the_borrowed_denominators(config, store_path,
                                                                             tmp_path):
    """Importing only the responses count (by its value, as a person would type it): the SRS
    mean, under-36 and felt-helped figures of that month are hidden too, though their own files
    were not touched (denominator_from)."""
    from indicators.imports import import_file

    store = tmp_path / "store.duckdb"
    shutil.copy(store_path, store)
    csv = tmp_path / "palautteet.csv"
    csv.write_text("indicator;area;period;value\n"
                   "omatiimi_feedback_responses;SK051;2026-09;3\n", encoding="utf-8")
    report = import_file(csv, config, store, actor=auth.maintainer("test:omatiimi"))
    assert not report.problems
    small = StoreReader(store)
    try:
        cells = small.query_df(
            "SELECT indicator_id, suppressed FROM observation_public WHERE area_code = 'SK051' "
            "AND period = '2026-09' AND sex = 'total' AND grp = 'total'")
        hidden = dict(zip(cells["indicator_id"], cells["suppressed"], strict=True))
        for ind in ("omatiimi_feedback_responses", "omatiimi_feedback_response_rate",
                    "omatiimi_srs_mean", "omatiimi_srs_under_36", "omatiimi_felt_helped"):
            assert hidden[ind], ind
        assert not hidden["omatiimi_convened"]  # another count, untouched
        # a count given by its value alone still counts: the quarter and county sums remain
        sums = small.query_df(
            "SELECT area_code, period FROM observation_public WHERE indicator_id = "
            "'omatiimi_feedback_responses' AND period IN ('2026Q3', '2026-09') "
            "AND area_code IN ('SK051', 'HV07')")
        assert len(sums) == 4
    finally:
        small.close()


def test_cards_of_an_area_without_the_latest_quarter_say_so(config, store_path, tmp_path):
    """An area whose September is missing has no 2026Q3: its cards say there is no figure for
    the quarter (never the previous quarter under this quarter's heading, never 'hidden')."""
    import duckdb

    store = tmp_path / "store.duckdb"
    shutil.copy(store_path, store)
    con = duckdb.connect(str(store))
    con.execute("DELETE FROM observation WHERE area_code IN ('SK052', 'HV07') "
                "AND period IN ('2026-09', '2026Q3')")
    con.close()
    small = StoreReader(store)
    try:
        quarter, cards = omatiimi.quarter_cards(small, config, [*REGIONS, config.county_code])
    finally:
        small.close()
    assert quarter == "2026Q3"
    for card in cards:
        if card.area_code in ("SK052", "HV07"):
            assert card.period is None and card.note == "no_data" and not card.suppressed
            if card.indicator_id == omatiimi.LEAD_TIME_MEDIAN:
                assert omatiimi.lead_card_text(card) == "Ei lukua tältä neljännekseltä"
        else:
            assert card.period == "2026Q3"


def test_a_count_is_not_compared_with_the_partial_first_quarter(config):
    from indicators.queries import Latest

    convened = config.indicators["omatiimi_convened"]
    frame = pd.DataFrame({"area_code": ["SK051"], "period": ["2026Q2"], "value": [132.0],
                          "numerator": [132.0], "denominator": [np.nan],
                          "suppressed": [False]})
    partial = Latest("SK051", "2026Q2", 132.0, 110.0, 156.0, False, "2026Q1", 20.0, 112.0,
                     "increased")
    card = omatiimi._card_from_latest(partial, convened, frame)
    assert card.compare_period is None and card.status == "not_assessable"
    assert math.isnan(card.delta) and card.value == 132.0
    # a share over the same two months is still a fair comparison
    share = config.indicators["omatiimi_wednesday_slot"]
    kept = omatiimi._card_from_latest(partial, share, frame)
    assert kept.compare_period == "2026Q1" and kept.status == "increased"


def test_run_rules_keep_hidden_months_as_gaps(config):
    indicator = config.indicators["omatiimi_convened"]
    values = [10.0, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 60]
    frame = _frame(values, [1] * 12, hidden={5}).assign(
        value=lambda f: f["numerator"], denominator=np.nan)
    chart = omatiimi.control_chart(frame, indicator)
    assert chart.run.n_tested == 11  # the hidden month is not a point
    assert omatiimi.flagged_rows(chart) == [11]  # row position of the astronomical month


def test_a_missing_class_row_is_unknown_not_zero():
    """A quarter whose 29–42-day class could not be summed (a month missing) must not be read
    as zero: the median is still known if the missing class lies after it, never guessed."""
    def cells(rows):
        return pd.DataFrame([{"area_code": "SK051", "period": "2026Q3",
                              "period_start": pd.Timestamp("2026-07-01"), "grp": grp,
                              "value": value, "suppressed": False} for grp, value in rows])

    full = [("total", 40.0), ("d0_7", 20.0), ("d8_14", 10.0), ("d15_21", 4.0),
            ("d22_28", 2.0), ("d43_plus", 1.0)]  # d29_42 (3 networks) has no row
    summary = omatiimi.lead_time_summary(cells(full))
    assert summary.loc[0, "median_status"] == "ok"  # 20th network: inside 0–7 days
    assert summary.loc[0, "median_days"] == pytest.approx(-0.5 + 20 / 20 * 8)
    assert summary.loc[0, "p75_status"] == "ok"  # 30th: the end of 8–14, before the gap
    # one unknown class is total minus the rest; with two, a quantile inside them is withheld
    assert percentile_from_bins([20, 10, 4, 2, None, 1], 40, 0.92).status == "ok"
    assert percentile_from_bins([20, 10, 4, None, None, 1], 40, 0.9).status == "hidden"


# ------------------------------------------------------------------ regions side by side in words


def test_compare_table_gives_two_dots_and_no_number_for_a_hidden_cell(config):
    indicator = config.indicators["omatiimi_felt_helped"]
    frame = pd.DataFrame({
        "area_code": ["SK051", "SK053", "SK053"], "period": ["2026Q2", "2026Q2", "2026Q3"],
        "period_start": pd.to_datetime(["2026-04-01", "2026-04-01", "2026-07-01"]),
        "value": [81.25, 77.0, 31.4159], "low": [75.5, 70.0, 27.1828],
        "high": [86.0, 83.0, 35.7771], "denominator": [64.0, 48.0, 3.0],
        "suppressed": [False, False, True]})
    # a careless caller left the hidden cell's numbers in: with_volume drops its volume and the
    # table shows none of them
    frame = omatiimi.with_volume(frame, indicator)
    names = {"SK053": "Forssan seutu", "SK051": "Hämeenlinnan seutu"}
    table = omatiimi.compare_table(frame, indicator, names)
    assert list(table.columns) == ["Alue", "Jakso", "Arvo (%)", "95 %:n luottamusväli",
                                   "Määrä (vastausta)"]
    assert list(table["Alue"]) == ["Forssan seutu", "Forssan seutu", "Hämeenlinnan seutu"]
    assert list(table.iloc[0]) == ["Forssan seutu", "4–6/2026", "77", "70–83", "48"]
    hidden = table.iloc[1]
    assert list(hidden)[2:] == ["..", "..", ".."]
    assert not any(ch.isdigit() for ch in "".join(list(hidden)[2:]))
    assert "31" not in table.to_csv() and "27" not in table.to_csv()
    # the summary sentence: the latest period with a visible figure, a hidden one said in words
    text = omatiimi.compare_summary(frame, indicator, names)
    assert text == ("Jakso 4–6/2026: Forssan seutu 77 % (luottamusväli 70–83); "
                    "Hämeenlinnan seutu 81 % (luottamusväli 76–86).")
    frame.loc[1, "suppressed"] = True
    text = omatiimi.compare_summary(frame, indicator, names, "en")
    assert text.startswith("Period 4–6/2026: Forssan seutu suppressed (..); Hämeenlinnan seutu 81")
    nothing = omatiimi.compare_summary(frame.assign(suppressed=True), indicator, names)
    assert nothing.startswith("Näytettäviä lukuja ei ole")


def test_compare_summary_and_table_on_a_store_with_small_feedback(config, small_feedback_store):
    small = StoreReader(small_feedback_store)
    try:
        indicator = config.indicators["omatiimi_srs_mean"]
        regions = [*REGIONS, config.county_code]
        names = {c: config.areas[c].name_fi for c in regions}
        monthly = omatiimi.with_volume(queries.series(small, indicator, regions, level="month"),
                                       indicator)
        table = omatiimi.compare_table(monthly, indicator, names)
        forssa = table[(table["Alue"] == "Forssan seutukunta")
                       & table["Jakso"].isin(["7/2026", "8/2026", "9/2026"])]
        assert len(forssa) == 3 and (forssa.iloc[:, 2:] == "..").all().all()
        assert len(table) == len(monthly)
        text = omatiimi.compare_summary(monthly, indicator, names)
        assert text.startswith("Jakso ") and "Forssan seutukunta" in text
        latest = monthly[~monthly["suppressed"]].sort_values("period_start")["period"].iloc[-1]
        hidden_then = monthly[(monthly["period"] == latest) & monthly["suppressed"]]
        for code in hidden_then["area_code"]:
            assert f"{names[code]} salattu (..)" in text
    finally:
        small.close()


def test_page_gives_the_region_comparison_in_words_and_as_a_table(small_feedback_store,
                                                                  open_page):
    at = open_page("omatiimi", db=small_feedback_store, area="SK053",
                   indicator="omatiimi_srs_mean", compare_level="month")
    assert any(m.value.startswith("Jakso ") for m in at.markdown)
    table = next(df.value for df in at.dataframe if "95 %:n luottamusväli" in df.value.columns)
    assert list(table.columns)[:2] == ["Alue", "Jakso"]
    summer = table[(table["Alue"] == "Forssan seutu")
                   & table["Jakso"].isin(["7/2026", "8/2026", "9/2026"])]
    assert len(summer) == 3 and (summer.iloc[:, 2:] == "..").all().all()


# ------------------------------------------------------------------ the page's sections


def test_section_views_hold_what_the_page_shows(config, reader):
    from indicators.downloads import to_excel_csv

    felt = config.indicators["omatiimi_felt_helped"]
    monthly = queries.series(reader, felt, ["SK051"], level="month")
    view = omatiimi.trend_view(monthly, felt, "en")
    chart = omatiimi.control_chart(monthly, felt)
    framed = omatiimi.with_volume(monthly, felt)
    assert view.chart == chart.chart == "p"
    assert list(view.signals) == omatiimi.signal_texts(chart, monthly, felt, "en")
    assert view.table.equals(omatiimi.trend_table(framed, chart, felt, "en"))
    assert view.download == to_excel_csv(
        omatiimi.trend_table(framed, chart, felt, "en", formatted=False), "en")

    for key in (omatiimi.LEAD_TIME, omatiimi.PARTICIPANTS):
        grouped = config.indicators[key]
        cells = queries.group_cells(reader, grouped, ["SK051"], "quarter")
        groups = omatiimi.group_view(cells, grouped)
        assert groups.table.equals(omatiimi.group_table(cells, grouped))
        if key == omatiimi.LEAD_TIME:
            assert groups.lead.equals(omatiimi.lead_time_table(
                omatiimi.lead_time_summary(cells, grouped.min_n)))
        else:
            assert groups.lead is None


def test_compare_view_names_the_areas_whose_every_figure_is_hidden(config):
    felt = config.indicators["omatiimi_felt_helped"]
    frame = pd.DataFrame({
        "area_code": ["SK051", "SK051", "SK052", "SK052"],
        "period": ["2026Q1", "2026Q2"] * 2,
        "period_start": pd.to_datetime(["2026-01-01", "2026-04-01"] * 2),
        "value": [80.0, 82.0, np.nan, np.nan], "low": [70.0, 72.0, np.nan, np.nan],
        "high": [88.0, 90.0, np.nan, np.nan], "suppressed": [False, False, True, True],
        "volume": [40.0, 42.0, np.nan, np.nan]})
    names = {"SK051": "Hämeenlinna", "SK052": "Riihimäki", "SK053": "Forssa"}
    view = omatiimi.compare_view(frame, felt, names)
    assert view.all_hidden == ("Riihimäki", "Forssa")  # Forssa: no rows at all
    assert view.summary == omatiimi.compare_summary(frame, felt, names)
    assert view.table.equals(omatiimi.compare_table(frame, felt, names))
