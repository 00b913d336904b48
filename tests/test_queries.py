"""The query layer: no hidden count leaves it, intervals and status are right."""

from __future__ import annotations

import numpy as np
import pytest

from indicators import queries
from indicators.stats import value_interval

KEY = ["area_code", "period", "sex", "grp"]


def _hidden(reader, indicator_id):
    return reader.query_df(
        "SELECT d.area_code, d.period, d.sex, d.grp, o.numerator, o.denominator, o.value "
        "FROM cell_disclosure d JOIN observation o USING (indicator_id, area_code, period, sex, "
        "grp) WHERE d.indicator_id = ? AND d.hidden", [indicator_id])


def test_every_cell_has_a_disclosure_decision(reader):
    missing = reader.query_df(
        "SELECT COUNT(*) AS n FROM observation o ANTI JOIN cell_disclosure d "
        "USING (indicator_id, area_code, period, sex, grp)")["n"].iloc[0]
    assert missing == 0


def test_no_hidden_number_survives_any_query_function(config, reader):
    checked = 0
    for indicator in config.indicators.values():
        hidden = _hidden(reader, indicator.id)
        if hidden.empty:
            continue
        for (sex, grp), part in hidden.groupby(["sex", "grp"]):
            codes = sorted(set(part["area_code"]))
            frame = queries.series(reader, indicator, codes, sex=sex, grp=grp)
            merged = frame.merge(part[KEY], on=KEY)
            assert len(merged) == len(part)
            assert merged["suppressed"].all()
            for column in ("value", "numerator", "denominator", "low", "high"):
                assert merged[column].isna().all(), (indicator.id, column)
            for result in queries.latest(reader, indicator, codes, sex=sex, grp=grp):
                if result.suppressed:
                    assert np.isnan(result.value) and np.isnan(result.low)
                    assert np.isnan(result.delta) and result.status == "not_assessable"
            checked += len(part)
        export = queries.export_frame(reader, config, indicator)
        rows = export.merge(hidden[KEY], on=KEY)
        assert len(rows) == len(hidden)
        for column in ("value", "numerator", "denominator", "low", "high"):
            assert (rows[column] == "..").all(), (indicator.id, column)
    assert checked > 100


def test_public_view_is_fail_closed(store_path, tmp_path):
    """A cell without a disclosure decision counts as hidden."""
    import shutil

    import duckdb
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store_path, copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM cell_disclosure WHERE indicator_id = 'cw_notifications_rate'")
    visible = con.execute(
        "SELECT COUNT(*) FROM observation_public WHERE indicator_id = 'cw_notifications_rate' "
        "AND (value IS NOT NULL OR numerator IS NOT NULL OR NOT suppressed)").fetchone()[0]
    con.close()
    assert visible == 0


def test_series_intervals_come_from_numerator_and_denominator(config, reader):
    indicator = config.indicators["anxiety_gr8_9"]
    frame = queries.series(reader, indicator, ["SK051"])
    row = frame.iloc[-1]
    low, high = value_interval("proportion", row["numerator"], row["denominator"], 100.0)
    assert row["low"] == pytest.approx(float(low)) and row["high"] == pytest.approx(float(high))
    assert row["low"] < row["value"] < row["high"]


def test_values_without_denominator_get_no_interval(config, reader):
    indicator = config.indicators["cw_notification_share"]  # Sotkanet style: no denominator
    frame = queries.series(reader, indicator, ["SK051", "HV07"])
    assert frame["value"].notna().all()
    assert frame["low"].isna().all() and frame["high"].isna().all()
    results = queries.latest(reader, indicator, ["SK051"])
    assert results[0].status == "not_assessable"


def test_latest_compares_with_the_same_period_a_year_earlier(config, reader):
    indicator = config.indicators["absence_over10_term"]
    result = queries.latest(reader, indicator, ["SK053"])[0]
    assert result.period == "2026-T1" and result.compare_period == "2025-T1"
    assert result.delta == pytest.approx(result.value - result.compare_value)
    survey = queries.latest(reader, config.indicators["anxiety_gr8_9"], ["SK051"])[0]
    assert survey.period == "2025" and survey.compare_period == "2023"


def test_comparison_period_rules():
    available = {"2025Q3", "2026Q2", "2026Q3", "2026-01", "2026-02"}
    assert queries.comparison_period("2026Q3", available, survey=False) == "2025Q3"
    assert queries.comparison_period("2026-02", available, survey=False) == "2026-01"
    assert queries.comparison_period("2025", {"2023", "2024"}, survey=True) == "2023"
    assert queries.comparison_period("2025", {"2023"}, survey=False) is None


def test_default_level_prefers_quarters_for_summed_months(config, reader):
    fc = config.indicators["fc_contacts_attention"]
    levels = queries.period_levels(reader, fc.id)
    assert levels == ["month", "quarter", "year"]
    assert queries.default_level(fc, levels) == "quarter"
    absence = config.indicators["absence_over10_month"]
    assert queries.period_levels(reader, absence.id) == ["month"]


def test_export_of_an_area_includes_its_subareas_only(config, reader):
    export = queries.export_frame(reader, config, config.indicators["anxiety_gr8_9"], "SK053")
    assert set(export["area_code"]) == {"SK053", "KU061", "KU103", "KU169", "KU834", "KU981"}
    assert export["suppressed"].any()


def test_no_change_is_judged_across_a_series_break(config, reader):
    from indicators.config import SeriesBreak, Texts
    from indicators.queries import latest

    base = config.indicators["fc_contacts_attention"]
    before = latest(reader, base, ["SK051"], level="quarter")[0]
    assert before.compare_period == "2025Q3" and before.status != "not_assessable"
    note = Texts(fi="uusi määritelmä", sv="ny definition", en="new definition")
    broken = base.model_copy(update={"breaks": [SeriesBreak(period="2026-01", note=note)]})
    after = latest(reader, broken, ["SK051"], level="quarter")[0]
    assert after.period == before.period and after.value == before.value
    assert after.compare_period is None and after.status == "not_assessable"
    assert broken.break_between("2025Q3", "2026Q3") is not None
    assert broken.break_between("2026Q1", "2026Q3") is None  # both after the break
