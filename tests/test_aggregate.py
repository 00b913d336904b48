"""Aggregates come from numerators and denominators, only where every child is present."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.aggregate import materialise


def _rows(records):
    frame = pd.DataFrame(records, columns=["area_code", "period", "sex", "grp", "numerator",
                                           "denominator"])
    frame["value"] = np.nan
    frame["status"] = "final"
    frame["import_id"] = 1
    return frame


def _cell(frame, area, period, sex="total", grp="total"):
    rows = frame[(frame.area_code == area) & (frame.period == period) & (frame.sex == sex)
                 & (frame.grp == grp)]
    assert len(rows) == 1, (area, period, sex, grp)
    return rows.iloc[0]


def test_region_and_county_from_municipalities(config):
    indicator = config.indicators["anxiety_gr8_9"]  # percent, sex split
    records = []
    for muni in config.children("SK052"):
        for sex, num, den in (("male", 3, 40), ("female", 11, 38)):
            records.append((muni, "2025", sex, "total", num, den))
    out = materialise(_rows(records), indicator, config, import_id=7)
    region = _cell(out, "SK052", "2025")
    assert region["numerator"] == 3 * (3 + 11) and region["denominator"] == 3 * (40 + 38)
    assert region["value"] == 100 * 42 / 234
    assert bool(region["derived"]) and region["import_id"] == 7
    # the other regions have no rows, so the county is not computed from a part of it
    assert out[out.area_code == "HV07"].empty


def test_incomplete_children_give_no_aggregate_and_sources_win(config):
    indicator = config.indicators["cw_notifications_rate"]
    children = config.children("SK051")
    records = [(c, "2024", "total", "total", 100, 2000) for c in children[:-1]]
    out = materialise(_rows(records), indicator, config, import_id=1)
    assert out[out.area_code == "SK051"].empty
    records = [(c, "2024", "total", "total", 100, 2000) for c in children]
    records.append(("SK051", "2024", "total", "total", 999, 9999))  # as a source gave it
    out = materialise(_rows(records), indicator, config, import_id=1)
    region = _cell(out, "SK051", "2024")
    assert region["numerator"] == 999 and not bool(region["derived"])


def test_quarters_and_years_from_months_with_mean_denominator(config):
    indicator = config.indicators["fc_contacts_attention"]  # sum_numerator: population is a stock
    records = [("KU109", f"2024-{m:02d}", "total", "total", 10 + m, 1000 + m)
               for m in range(1, 13)]
    records = [r for r in records] + [("KU109", "2025-01", "total", "total", 5, 1000)]
    out = materialise(_rows(records), indicator, config, import_id=1)
    q1 = _cell(out, "KU109", "2024Q1")
    assert q1["numerator"] == 11 + 12 + 13
    assert q1["denominator"] == np.mean([1001, 1002, 1003])
    assert np.isclose(q1["value"], 36 / 1002 * 1000)
    year = _cell(out, "KU109", "2024")
    assert year["numerator"] == sum(10 + m for m in range(1, 13))
    # a quarter with one month only is not a quarter
    assert out[(out.area_code == "KU109") & (out.period == "2025Q1")].empty


def test_counts_sum_over_groups_and_time(config):
    indicator = config.indicators["omatiimi_days_to_first_meeting"]
    records = [("SK051", f"2026-0{m}", "total", g, n, np.nan)
               for m in (4, 5, 6) for g, n in (("d0_7", 2), ("d8_14", 3), ("d15_21", 0),
                                                ("d22_28", 1), ("d29_42", 0), ("d43_plus", 1))]
    out = materialise(_rows(records), indicator, config, import_id=1)
    assert _cell(out, "SK051", "2026-04")["numerator"] == 7  # group total
    assert _cell(out, "SK051", "2026Q2", grp="d8_14")["numerator"] == 9
    assert _cell(out, "SK051", "2026Q2")["value"] == 21


def test_rolling_pools_sum_whole_years(config):
    indicator = config.indicators["cw_notifications_rate"]  # rolling_pool_years: 3
    records = [("KU103", str(y), "total", "total", n, 340) for y, n in
               ((2019, 30), (2020, 28), (2021, 31), (2023, 25), (2024, 27), (2025, 33))]
    out = materialise(_rows(records), indicator, config, import_id=1)
    pool = _cell(out, "KU103", "2023-2025")
    assert pool["numerator"] == 25 + 27 + 33 and pool["denominator"] == 3 * 340
    assert np.isclose(pool["value"], 85 / 1020 * 1000)
    assert not out[(out.area_code == "KU103") & (out.period == "2021-2023")].shape[0]  # 2022
    assert _cell(out, "KU103", "2019-2021")["numerator"] == 89


def test_first_period_quarter_sums_the_months_since_the_start(config):
    indicator = config.indicators["omatiimi_requests"]  # count, first_period 2026-02
    assert indicator.first_period == "2026-02"
    records = [("SK051", "2026-02", "total", "total", 4, np.nan),
               ("SK051", "2026-03", "total", "total", 9, np.nan)]
    out = materialise(_rows(records), indicator, config, import_id=1)
    q1 = _cell(out, "SK051", "2026Q1")  # January did not exist: structurally zero
    assert q1["numerator"] == 4 + 9 and q1["value"] == 13 and bool(q1["derived"])
    # the same months without a first_period: January is missing, so no quarter
    open_ended = indicator.model_copy(update={"first_period": None})
    out = materialise(_rows(records), open_ended, config, import_id=1)
    assert out[out.period == "2026Q1"].empty
    # from the first month on every month is still awaited
    out = materialise(_rows(records[:1]), indicator, config, import_id=1)
    assert out[out.period == "2026Q1"].empty


def test_first_period_quarter_of_a_proportion_sums_both_counts(config):
    indicator = config.indicators["omatiimi_wednesday_slot"]  # percent of networks convened
    records = [("SK052", "2026-02", "total", "total", 3, 4),
               ("SK052", "2026-03", "total", "total", 6, 9)]
    out = materialise(_rows(records), indicator, config, import_id=1)
    q1 = _cell(out, "SK052", "2026Q1")
    assert q1["numerator"] == 9 and q1["denominator"] == 13
    assert np.isclose(q1["value"], 100 * 9 / 13)


def test_first_period_year_needs_every_quarter_from_the_first(config):
    # began in May: the year is Q2 (May and June only) + Q3 + Q4
    indicator = config.indicators["omatiimi_requests"].model_copy(
        update={"first_period": "2026-05"})
    records = [("SK053", f"2026-{m:02d}", "total", "total", m, np.nan) for m in range(5, 13)]
    out = materialise(_rows(records), indicator, config, import_id=1)
    assert _cell(out, "SK053", "2026Q2")["numerator"] == 5 + 6
    assert _cell(out, "SK053", "2026Q3")["numerator"] == 7 + 8 + 9
    assert _cell(out, "SK053", "2026Q4")["numerator"] == 10 + 11 + 12
    assert _cell(out, "SK053", "2026")["numerator"] == sum(range(5, 13))
    assert out[out.period == "2026Q1"].empty  # nothing before the start is made up
    # without the start, Q2 lacks April and the year lacks Q1 and Q2
    open_ended = indicator.model_copy(update={"first_period": None})
    out = materialise(_rows(records), open_ended, config, import_id=1)
    assert set(out.loc[out.derived, "period"]) == {"2026Q3", "2026Q4"}
    # December missing: no Q4, so no year either
    out = materialise(_rows(records[:-1]), indicator, config, import_id=1)
    assert out[out.period.isin(["2026Q4", "2026"])].empty
    # the following year is a whole year: it needs all four quarters
    later = records + [("SK053", f"2027-{m:02d}", "total", "total", 1, np.nan)
                       for m in range(1, 10)]
    out = materialise(_rows(later), indicator, config, import_id=1)
    assert _cell(out, "SK053", "2027Q3")["numerator"] == 3
    assert out[out.period == "2027"].empty
