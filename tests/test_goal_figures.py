"""Key-result card charts: the figure's data, no figure of a hidden cell, the table and the text."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest

from indicators.formatting import format_number
from indicators.goal_figures import (
    key_result_figure,
    key_result_table,
    key_result_text,
    planned_value,
)
from indicators.goal_texts import status_plain, value_text, when_text
from indicators.goals import KeyResultProgress, Point, evaluate
from indicators.i18n import t
from indicators.progress import Forecast

# the Okabe–Ito members with >= 3:1 contrast on white (indicators.figures.PALETTE)
CONTRAST_PALETTE = {"#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7"}

# a hidden figure carrying numbers it must never show (real hidden points carry NaN)
LEAK_VALUE, LEAK_LOW, LEAK_HIGH = 31.4159, 27.1828, 35.7771
LEAK_STRINGS = ("31.41", "31,41", "31,42", "27.18", "27,18", "35.77", "35,78")


@pytest.fixture(scope="module")
def results(reader, config) -> dict[str, KeyResultProgress]:
    return {r.key_result_id: r for r in evaluate(reader, config)}


def _trace(fig, key: str):
    name = t(f"goal_chart.trace.{key}")
    found = [tr for tr in fig.data if tr.name == name]
    assert len(found) <= 1
    return found[0] if found else None


def _missing(y: object) -> bool:
    return y is None or (isinstance(y, float) and math.isnan(y))


def _colours(node: object) -> set[str]:
    """Every colour value anywhere under a (plotly JSON) node."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("color") and isinstance(value, str):
                out.add(value)
            elif key.endswith("color") and isinstance(value, list):
                out.update(v for v in value if isinstance(v, str))
            else:
                out |= _colours(value)
    elif isinstance(node, list):
        for value in node:
            out |= _colours(value)
    return out


def _hidden_latest(result: KeyResultProgress) -> KeyResultProgress:
    """The Hämeenlinna contacts key result with its latest quarter hidden, the hidden point still
    carrying numbers (a careless producer): none of them may reach the chart."""
    last = result.series[-1]
    hidden = Point(last.label, last.when, LEAK_VALUE, LEAK_LOW, LEAK_HIGH, suppressed=True)
    return dataclasses.replace(result, series=(*result.series[:-1], hidden), latest=hidden,
                               suppressed=True, status="not_assessable", reason="latest_hidden")


def _action_result(**changes: object) -> KeyResultProgress:
    """A hand-built action key result: counts on dates, a milestone and a target by month."""
    start = Point("2025-09-01", date(2025, 9, 1), 0.0)
    counts = (start, Point("2025-12-31", date(2025, 12, 31), 5.0),
              Point("2026-03-31", date(2026, 3, 31), 9.0),
              Point("2026-06-30", date(2026, 6, 30), 14.0),
              Point("2026-10-31", date(2026, 10, 31), 18.0))
    fields: dict[str, object] = {
        "objective_id": "calmer_growth_environments", "key_result_id": "hand_built_action",
        "source": "action", "area_code": None, "area_codes": ("SK051",), "indicator_id": None,
        "phenomenon_id": "adhd_symptoms", "action_id": "himmee_hetki", "level": "date",
        "decimals": 0, "upward": True, "commitment": "committed", "baseline": start,
        "baseline_declared": True, "latest": counts[-1],
        "target": Point("2027-06", date(2027, 6, 30), 40.0),
        "milestones": (Point("2026-12", date(2026, 12, 31), 25.0),), "series": counts,
        "score": 0.45, "expected": 0.52, "ratio": 0.87, "status": "lagging", "reason": "pace",
        "noise": "not_applicable",
        "forecast": Forecast(33.6, 29.2, 38.1, 14.9, 5, "unlikely"), "forecast_points": 5,
        "next_period": None, "suppressed": False,
    }
    fields.update(changes)
    return KeyResultProgress(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the observed series


def test_observed_trace_is_the_series_with_gaps_where_hidden(results, config):
    assert any(p.suppressed for r in results.values() for p in r.series)  # the demo has some
    for result in results.values():
        trace = _trace(key_result_figure(result, config), "observed")
        assert trace is not None and trace.mode == "lines+markers"
        assert list(trace.x) == [p.when for p in result.series]
        for point, y, hover in zip(result.series, trace.y, trace.hovertext, strict=True):
            if point.suppressed:
                assert _missing(y)
                assert t("goal_chart.hover.hidden", when=when_text(point)) in hover
            else:
                assert y == pytest.approx(point.value)
        assert trace.connectgaps is False
        assert trace.line.color == "#000000"


def test_interval_error_bars_where_the_figure_has_one(results, config):
    result = results["contacts_attention_hml"]
    trace = _trace(key_result_figure(result, config), "observed")
    assert trace.error_y.visible
    for point, plus, minus in zip(result.series, trace.error_y.array, trace.error_y.arrayminus,
                                  strict=True):
        assert plus == pytest.approx(point.high - point.value)
        assert minus == pytest.approx(point.value - point.low)
    action = _trace(key_result_figure(results["himmee_hetki_organisations"], config), "observed")
    assert not action.error_y.visible  # counted, not sampled: no interval


def test_demo_hidden_baseline_draws_no_baseline_and_no_path(results, config):
    result = results["omatiimi_days_rmk"]
    assert result.baseline is not None and result.baseline.suppressed
    fig = key_result_figure(result, config)
    assert _trace(fig, "baseline") is None and _trace(fig, "planned") is None
    hidden = _trace(fig, "hidden")
    assert list(hidden.x) == [p.when for p in result.series if p.suppressed]
    assert set(hidden.text) == {".."}
    assert all(tr.yaxis == "y2" for tr in fig.data if tr.name == hidden.name)


def test_hidden_latest_never_shows_its_numbers(results, config):
    result = _hidden_latest(results["contacts_attention_hml"])
    fig = key_result_figure(result, config)
    observed = _trace(fig, "observed")
    assert _missing(observed.y[-1])
    assert observed.error_y.array[-1] is None and observed.error_y.arrayminus[-1] is None
    hidden_hover = t("goal_chart.hover.hidden", when=when_text(result.series[-1]))
    assert hidden_hover in observed.hovertext[-1]
    assert any(hidden_hover in text for text in _trace(fig, "hidden").hovertext)
    dumped = fig.to_json()
    assert not any(leak in dumped for leak in LEAK_STRINGS)
    # the forecast starts from the latest figure that can be shown
    forecast = _trace(fig, "forecast")
    shown = result.series[-2]
    assert forecast.x[0] == shown.when and forecast.y[0] == pytest.approx(shown.value)
    table = key_result_table(result, config)
    text = key_result_text(result, config)
    for rendered in (table.to_csv(), text):
        assert not any(leak in rendered for leak in LEAK_STRINGS)
    assert t("goal_chart.alt.latest", value=t("goals.hidden_figure"),
             when=when_text(result.series[-1])) in text


# ---------------------------------------------------------------- baseline, path, target, forecast


def test_planned_path_runs_from_baseline_to_target(results, config):
    drawn = 0
    for result in results.values():
        trace = _trace(key_result_figure(result, config), "planned")
        if result.reason in ("target_held", "target_lost", "baseline_hidden") \
                or result.baseline is None:
            assert trace is None  # a held target has no path towards it
            continue
        drawn += 1
        base, target = result.baseline, result.target
        assert list(trace.x) == [base.when, target.when]
        assert list(trace.y) == [base.value, target.value]
        assert trace.line.dash == "dash" and trace.mode == "lines"
    assert drawn >= 10
    assert _trace(key_result_figure(results["omatiimi_days_forssa"], config), "planned") is None


def test_planned_value_is_the_expected_pace(results):
    result = results["contacts_attention_hml"]
    base, target, latest = result.baseline, result.target, result.latest
    pace = planned_value(result, latest.when)
    assert pace == pytest.approx(base.value + result.expected * (target.value - base.value))
    assert planned_value(result, base.when) == pytest.approx(base.value)
    assert planned_value(result, target.when) == pytest.approx(target.value)


def test_baseline_is_its_own_marker(results, config):
    result = results["contacts_attention_hml"]
    trace = _trace(key_result_figure(result, config), "baseline")
    assert list(trace.x) == [result.baseline.when]
    assert list(trace.y) == [result.baseline.value]
    assert trace.marker.symbol == "square-open"
    assert value_text(result, result.baseline, config) in trace.hovertext[0]


def test_forecast_ends_at_its_value_with_its_interval(results, config):
    with_forecast = [r for r in results.values() if r.forecast is not None]
    assert len(with_forecast) >= 3
    for result in with_forecast:
        trace = _trace(key_result_figure(result, config), "forecast")
        forecast = result.forecast
        assert trace.line.dash == "dot"
        assert trace.x[-1] == result.target.when
        assert trace.y[-1] == pytest.approx(forecast.value)
        assert trace.error_y.array[-1] == pytest.approx(forecast.high - forecast.value)
        assert trace.error_y.arrayminus[-1] == pytest.approx(forecast.value - forecast.low)
        assert trace.error_y.array[0] is None
        last = [p for p in result.series if not p.suppressed][-1]
        assert (trace.x[0], trace.y[0]) == (last.when, last.value)
        assert format_number(forecast.low, result.decimals) in trace.hovertext[-1]


def test_without_forecast_no_forecast_trace_row_or_words(results, config):
    result = dataclasses.replace(results["contacts_attention_hml"], forecast=None)
    assert _trace(key_result_figure(result, config), "forecast") is None
    table = key_result_table(result, config)
    assert t("goals.point.forecast") not in set(table[t("goals.col.kind")])
    assert t("goal_chart.alt.no_forecast") in key_result_text(result, config)
    assert _trace(key_result_figure(results["concentration_hml"], config), "forecast") is None


def test_target_and_milestones_are_marked_and_labelled(results, config):
    result = results["contacts_attention_hml"]
    fig = key_result_figure(result, config)
    target = _trace(fig, "target")
    assert (list(target.x), list(target.y)) == ([result.target.when], [result.target.value])
    assert target.marker.symbol == "star"
    milestones = _trace(fig, "milestone")
    assert list(milestones.x) == [p.when for p in result.milestones]
    assert list(milestones.y) == [p.value for p in result.milestones]
    assert milestones.marker.symbol == "diamond"
    labels = [a.text.replace("<br>", " ") for a in fig.layout.annotations]
    assert "Tavoite 14,00 ‰" in labels and "Välitavoite 16,00 ‰" in labels
    # each label sits in its marker's column
    by_text = {a.text.replace("<br>", " "): a for a in fig.layout.annotations}
    assert by_text["Tavoite 14,00 ‰"].x == result.target.when
    assert by_text["Välitavoite 16,00 ‰"].x == result.milestones[0].when


def test_labels_fit_inside_the_y_range(results, config):
    for result in results.values():
        fig = key_result_figure(result, config)
        bottom, top = fig.layout.yaxis.range
        for annotation in fig.layout.annotations:
            if annotation.xref == "paper":  # the footer
                continue
            assert bottom <= annotation.y <= top
        values = [p.value for p in result.series if not p.suppressed and not math.isnan(p.value)]
        values += [result.target.value, *(p.high for p in result.series
                                          if not p.suppressed and not math.isnan(p.high))]
        assert top >= max(values) and bottom <= min(0.0, *values)


# ---------------------------------------------------------------- look


def test_chart_rules(results, config):
    for result in results.values():
        fig = key_result_figure(result, config)
        assert fig.layout.separators == ", "
        assert fig.layout.yaxis.exponentformat == "none"
        assert 240 <= fig.layout.height <= 320
        assert fig.layout.title.text is None  # the card has the title
        assert fig.layout.legend.orientation == "h"
        for trace in fig.data:
            assert trace.name and trace.hovertext and all(trace.hovertext)
        colours = _colours([trace.to_plotly_json() for trace in fig.data])
        assert "#000000" in colours  # the observed line, at least
        assert colours <= CONTRAST_PALETTE, colours - CONTRAST_PALETTE
        label_colours = {a.font.color for a in fig.layout.annotations if a.xref != "paper"}
        assert label_colours <= {"#000000"}  # coloured text would fall below 4.5:1


def test_roles_differ_by_marker_or_dash_not_colour_alone(results, config):
    fig = key_result_figure(results["contacts_attention_hml"], config)
    assert len(_colours([trace.to_plotly_json() for trace in fig.data])) == 5
    dashes = {tr.name: tr.line.dash for tr in fig.data if "lines" in (tr.mode or "")}
    assert len(set(dashes.values())) == len(dashes) == 3  # observed, planned, forecast
    symbols = {tr.marker.symbol for tr in fig.data if tr.mode == "markers"}
    assert symbols == {"square-open", "diamond", "star"}


def test_time_axis_reads_as_periods_and_dates(results, config):
    result = results["contacts_attention_hml"]
    xaxis = key_result_figure(result, config).layout.xaxis
    assert "10–12/2027" in xaxis.ticktext and when_text(result.latest) in xaxis.ticktext
    assert len(xaxis.ticktext) <= 5 and list(xaxis.tickvals) == sorted(xaxis.tickvals)
    action = key_result_figure(_action_result(), config).layout.xaxis
    assert "6/2027" in action.ticktext and "1.9.2025" in action.ticktext
    assert not any(month in " ".join(action.ticktext) for month in ("Jan", "Sep", "Dec"))


def test_footer_names_source_licence_and_unit(results, config):
    fig = key_result_figure(results["concentration_hml"], config)
    footer = fig.layout.annotations[-1].text.replace("<br>", " ")
    assert "THL, Kouluterveyskysely" in footer and "CC BY 4.0" in footer
    action = key_result_figure(_action_result(), config).layout.annotations[-1].text
    assert "Himmee hetki" in action.replace("<br>", " ")


def test_hand_built_action_key_result(config):
    result = _action_result()
    fig = key_result_figure(result, config)
    assert list(_trace(fig, "observed").y) == [0.0, 5.0, 9.0, 14.0, 18.0]
    assert _trace(fig, "hidden") is None
    assert list(_trace(fig, "planned").x) == [date(2025, 9, 1), date(2027, 6, 30)]
    assert _trace(fig, "forecast").y[-1] == pytest.approx(33.6)
    labels = {a.text.replace("<br>", " ") for a in fig.layout.annotations}
    assert {"Tavoite 40", "Välitavoite 25"} <= labels
    assert fig.layout.yaxis.ticksuffix == ""  # a count: no unit after the numbers


# ---------------------------------------------------------------- table


def test_table_has_one_row_per_point_with_finnish_numbers(results, config):
    result = results["contacts_attention_hml"]
    table = key_result_table(result, config)
    assert list(table.columns) == [t("goals.col.kind"), t("goals.col.when"),
                                   t("goals.col.value") + " (‰)", t("goals.col.low"),
                                   t("goals.col.high")]
    assert len(table) == len(result.series) + 1 + len(result.milestones) + 1 + 1
    kinds = list(table[t("goals.col.kind")])
    assert kinds.count("havainto") == len(result.series)
    assert kinds.count("lähtötaso") == kinds.count("tavoite") == kinds.count("ennuste") == 1
    assert kinds.count("välitavoite") == len(result.milestones)
    rows = table.set_index([t("goals.col.kind"), t("goals.col.when")])
    value, low = t("goals.col.value") + " (‰)", t("goals.col.low")
    assert rows.loc[("tavoite", "10–12/2027"), value] == "14,00"
    latest = rows.loc[("havainto", when_text(result.latest))]
    assert latest[value] == format_number(result.latest.value, 2) and "," in latest[value]
    assert latest[low] == format_number(result.latest.low, 2)
    assert rows.loc[("välitavoite", "10–12/2026"), low] == ""
    forecast = rows.loc[("ennuste", "10–12/2027")]
    assert forecast[value] == format_number(result.forecast.value, 2)
    assert forecast[t("goals.col.high")] == format_number(result.forecast.high, 2)
    assert not any("." in str(cell) for cell in table[value])  # decimal comma only


def test_table_marks_hidden_figures_with_two_dots(results, config):
    for result in (_hidden_latest(results["contacts_attention_hml"]),
                   results["omatiimi_days_rmk"]):
        table = key_result_table(result, config)
        value = [c for c in table.columns if c.startswith(t("goals.col.value"))][0]
        hidden_rows = table[table[value] == ".."]
        assert len(hidden_rows) == sum(p.suppressed for p in result.series) \
            + (1 if result.baseline is not None and result.baseline.suppressed else 0)
        assert set(hidden_rows[t("goals.col.low")]) == {""}
        assert set(hidden_rows[t("goals.col.high")]) == {""}


def test_action_table_has_dates_and_counts(config):
    table = key_result_table(_action_result(), config)
    assert t("goals.col.value") in table.columns  # a count has no unit
    assert list(table[t("goals.col.when")])[:2] == ["1.9.2025", "1.9.2025"]
    assert list(table[t("goals.col.value")])[-2:] == ["40", "34"]  # target, forecast


# ---------------------------------------------------------------- text alternative


def test_text_names_latest_and_target_as_on_the_page(results, config):
    for result in results.values():
        text = key_result_text(result, config)
        assert text.startswith("Kaavio:") and text.endswith(".")
        assert value_text(result, result.target, config) in text
        if result.latest is not None:
            assert value_text(result, result.latest, config) in text
        assert status_plain(result.status) in text
    hml = key_result_text(results["contacts_attention_hml"], config)
    assert "15 havaintoa ajalta 1–3/2023 – 7–9/2026" in hml
    assert "viimeisin 15,42 ‰ (7–9/2026)" in hml and "tavoite 14,00 ‰ (10–12/2027)" in hml
    assert "välitavoitteet 16,00 ‰ (10–12/2026)" in hml
    assert "ennuste 10–12/2027 noin 10,14 ‰" in hml
    assert "(joista 1 salattu)" in key_result_text(results["omatiimi_days_rmk"], config)


def test_text_of_a_hand_built_action(config):
    text = key_result_text(_action_result(), config)
    assert "5 havaintoa ajalta 1.9.2025 – 31.10.2026" in text
    assert "viimeisin 18 (31.10.2026)" in text and "tavoite 40 (6/2027)" in text
    assert "ennuste 6/2027 noin 34 (95 %:n ennusteväli 29–38)" in text



def test_review_page_gives_each_changed_key_results_chart_its_table(open_page, reader, config):
    """The review page's key-result charts have the goals page's table beside them."""
    from indicators import review

    at = open_page("review", area="SK053", quarter="2026Q3")
    changed = review.changed_key_results(review.build_pack(reader, config, "SK053", "2026Q3"))
    assert changed
    expanders = [e for e in at.expander if e.label == "Kaavion luvut taulukkona"]
    assert len(expanders) == len(changed) == len(at.get("plotly_chart"))
    for expander, item in zip(expanders, changed, strict=True):
        shown = expander.dataframe[0].value
        expected = key_result_table(item.result, config, "fi")
        assert list(shown.columns) == list(expected.columns)
        assert shown.astype(str).values.tolist() == expected.astype(str).values.tolist()
