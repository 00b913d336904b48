"""Control charts and stacked bars: limits, flagged points, events, no figure of a hidden cell."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from indicators.figures import (
    HIDDEN_PATTERN,
    PALETTE,
    PALETTE_OUTLINED,
    PATTERNS,
    add_event_lines,
    control_chart_figure,
    run_chart_figure,
    stacked_bars_figure,
)
from indicators.i18n import t

MONTHS = [f"2026-{m:02d}" for m in range(2, 12)]  # ten months: trial limits
EVENTS = [(pd.Timestamp("2026-04-01"), "Koulut koulutettu: Riihimäki"),
          (pd.Timestamp("2026-05-01"), "Koulut koulutettu: Forssa")]
LEAD_TIMES = ["d0_7", "d8_14", "d15_21", "d22_28", "d29_42", "d43_plus"]


def _missing(y: object) -> bool:
    return y is None or (isinstance(y, float) and math.isnan(y))


def _rate_frame() -> pd.DataFrame:
    """Ten months of a response rate; month 4 (row 3) is hidden."""
    values = [62.0, 58.0, 65.0, math.nan, 60.0, 91.0, 63.0, 59.0, 61.0, 64.0]
    volumes = [31.0, 29.0, 33.0, math.nan, 30.0, 46.0, 32.0, 30.0, 31.0, 32.0]
    frame = pd.DataFrame({
        "period": MONTHS, "period_start": pd.to_datetime([f"{p}-01" for p in MONTHS]),
        "value": values, "suppressed": [math.isnan(v) for v in values],
        "denominator": [50.0, 50.0, 51.0, math.nan, 50.0, 51.0, 51.0, 51.0, 51.0, 50.0],
        "volume": volumes,
    })
    return frame


def _control(config, frame: pd.DataFrame, *, trial: bool, **kwargs):
    indicator = config.indicators["omatiimi_feedback_response_rate"]
    n = len(frame)
    return control_chart_figure(
        frame, indicator, "Riihimäen seutukunta", centre=62.0,
        lower=[48.0, 49.0, 48.5, math.nan, 48.0, 49.0, 48.0, 48.0, 48.0, 48.0][:n],
        upper=[76.0, 75.0, 75.5, math.nan, 76.0, 75.0, 76.0, 76.0, 76.0, 76.0][:n],
        trial=trial, **kwargs)


def test_control_chart_follows_the_chart_rules(config):
    fig = _control(config, _rate_frame(), trial=False, flagged=[5], events=EVENTS,
                   volume_label="vastausta")
    assert fig.layout.separators == ", "
    assert fig.layout.yaxis.exponentformat == "none"
    assert fig.layout.paper_bgcolor == "#ffffff" and fig.layout.plot_bgcolor == "#ffffff"
    assert fig.layout.yaxis.title.text == "%"
    assert "9/2026" in fig.layout.xaxis.ticktext
    series = fig.data[0]
    assert series.mode == "lines+markers" and series.line.color == PALETTE[0]
    centre = [tr for tr in fig.data if tr.name == "keskiviiva"]
    assert len(centre) == 1 and set(centre[0].y) == {62.0} and centre[0].line.dash == "dash"
    footer = fig.layout.annotations[-1].text
    assert "Oma Häme" in footer


def test_limits_are_named_by_whether_they_are_trial_limits(config):
    frame = _rate_frame()
    normal = _control(config, frame, trial=False)
    trial = _control(config, frame, trial=True)
    for fig, name in ((normal, "ohjausrajat"),
                      (trial, "alustavat ohjausrajat (alle 12 kuukautta)")):
        limits = [tr for tr in fig.data if tr.name == name]
        assert len(limits) == 2  # lower and upper, one legend entry
        assert [tr.showlegend for tr in limits] == [True, False]
        assert all(tr.line.shape == "hvh" and tr.line.color == PALETTE[2]
                   and tr.line.dash == "dot" for tr in limits)
        assert _missing(limits[0].y[3])  # undefined where the cell is hidden
        assert limits[0].y[0] == 48.0 and limits[1].y[0] == 76.0
    note = t("chart.control.trial_note")
    assert note in {a.text for a in trial.layout.annotations}
    assert note not in {a.text for a in normal.layout.annotations}
    no_limits = control_chart_figure(frame, config.indicators["omatiimi_feedback_response_rate"],
                                     "Forssan seutukunta", centre=None, lower=None, upper=None,
                                     trial=True)
    assert [tr.name for tr in no_limits.data] == ["Forssan seutukunta"]


def test_flagged_rows_are_drawn_at_their_own_months(config):
    frame = _rate_frame()
    # row positions in the frame, not among visible points: row 5 comes after the hidden row 3
    fig = _control(config, frame, trial=False, flagged=[5, 8, 3])
    flagged = [tr for tr in fig.data if tr.name == "poikkeava piste"]
    assert len(flagged) == 1
    diamonds = flagged[0]
    assert diamonds.marker.symbol == "diamond-open" and diamonds.marker.size == 16
    assert diamonds.marker.color == PALETTE[2]
    assert list(pd.to_datetime(list(diamonds.x))) == [pd.Timestamp("2026-07-01"),
                                                      pd.Timestamp("2026-10-01")]
    assert list(diamonds.y) == [91.0, 61.0]  # the hidden row 3 is never marked


def test_hidden_month_is_a_gap_with_no_figure_in_its_hover(config):
    frame = _rate_frame()
    # even if a caller forgot to blank the hidden row, none of its figures may reach the chart
    frame.loc[3, ["value", "volume", "denominator"]] = [87.0, 47.0, 53.0]
    fig = _control(config, frame, trial=False, volume_label="vastausta")
    series = fig.data[0]
    assert _missing(series.y[3]) and series.connectgaps is False
    period, shown, volume = series.customdata[3]
    assert period == "5/2026"
    assert shown == "salattu (..)" and volume == ""
    assert not re.search(r"\d", shown + volume)
    for trace in fig.data:
        assert 87.0 not in [y for y in (trace.y or []) if y is not None]
    # a visible month shows value, unit and the number of responses behind it
    assert tuple(series.customdata[0]) == ("2/2026", "62 %", "n = 31 vastausta")


def test_events_draw_dotted_lines_with_stepped_labels(config):
    fig = _control(config, _rate_frame(), trial=False, events=EVENTS)
    assert len(fig.layout.shapes) == 2
    assert all(s.line.dash == "dot" and s.yref == "paper" for s in fig.layout.shapes)
    labels = [a for a in fig.layout.annotations if a.text in {e[1] for e in EVENTS}]
    assert [a.text for a in labels] == [e[1] for e in EVENTS]
    assert labels[0].y > labels[1].y  # stepped so close dates never overlap


def test_run_chart_still_draws_its_action_lines(config):
    frame = _rate_frame()
    indicator = config.indicators["omatiimi_feedback_response_rate"]
    fig = run_chart_figure(frame, indicator, "Riihimäen seutukunta", 62.0, EVENTS)
    assert len(fig.layout.shapes) == 2
    assert [a.text for a in fig.layout.annotations[:2]] == [e[1] for e in EVENTS]
    bare = run_chart_figure(frame, indicator, "Riihimäen seutukunta", 62.0, [])
    add_event_lines(bare, EVENTS)
    assert bare.layout.shapes == fig.layout.shapes


# ---------------------------------------------------------------- stacked bars

def _lead_time_frame(*, leaky: bool = False) -> pd.DataFrame:
    """Three months of lead-time bins: March has d22_28 (17) and d43_plus (31) hidden; April has
    its total hidden as well. `leaky` keeps the hidden counts in `value` (a careless caller)."""
    counts = {
        "2026-02": {"total": 50, "d0_7": 12, "d8_14": 9, "d15_21": 7, "d22_28": 10,
                    "d29_42": 8, "d43_plus": 4},
        "2026-03": {"total": 100, "d0_7": 20, "d8_14": 15, "d15_21": 11, "d22_28": 17,
                    "d29_42": 6, "d43_plus": 31},
        "2026-04": {"total": 8, "d0_7": 2, "d8_14": 2, "d15_21": 1, "d22_28": 1, "d29_42": 1,
                    "d43_plus": 1},
    }
    hidden = {("2026-03", "d22_28"), ("2026-03", "d43_plus"),
              *(("2026-04", g) for g in ["total", *LEAD_TIMES])}
    rows = []
    for period, cells in counts.items():
        for grp, value in cells.items():
            secret = (period, grp) in hidden
            rows.append({"period": period, "period_start": pd.Timestamp(f"{period}-01"),
                         "grp": grp,
                         "value": math.nan if secret and not leaky else float(value),
                         "suppressed": secret})
    return pd.DataFrame(rows)


def _groups(indicator) -> list[tuple[str, str]]:
    return [(g.code, g.name.fi) for g in indicator.groups]


def _strings(trace) -> str:
    parts = [str(c) for row in (trace.customdata or []) for c in row]
    text = trace.text if isinstance(trace.text, str) else " ".join(map(str, trace.text or []))
    return " ".join([*parts, text, trace.hovertemplate or ""])


def test_stacked_bars_one_outlined_patterned_trace_per_group(config):
    indicator = config.indicators["omatiimi_days_to_first_meeting"]
    groups = _groups(indicator)
    assert [code for code, _ in groups] == LEAD_TIMES
    fig = stacked_bars_figure(_lead_time_frame(), indicator, "Riihimäen seutukunta",
                              groups=groups, events=EVENTS[:1])
    assert fig.layout.barmode == "stack"
    assert fig.layout.separators == ", " and fig.layout.yaxis.exponentformat == "none"
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.traceorder == "normal"
    bars = fig.data[:len(groups)]
    assert [tr.name for tr in bars] == [name for _, name in groups]
    assert [tr.marker.color for tr in bars] == PALETTE_OUTLINED[:6]
    shapes = [tr.marker.pattern.shape for tr in fig.data]
    assert len(set(shapes[:6])) == 6
    assert all(tr.marker.line.color == "#1a1a1a" and tr.marker.line.width >= 1
               for tr in fig.data)
    assert len(fig.layout.shapes) == 1  # the event line
    first = bars[0]
    assert first.y[0] == 12.0
    assert first.customdata[0][1] == "0–7 päivää: 12 (24 % kaikista)"


def test_hidden_groups_are_one_grey_segment_and_never_shown_alone(config):
    indicator = config.indicators["omatiimi_days_to_first_meeting"]
    fig = stacked_bars_figure(_lead_time_frame(leaky=True), indicator, "Riihimäen seutukunta",
                              groups=_groups(indicator))
    assert len(fig.data) == 7
    rest = fig.data[-1]
    assert rest.name == "salattu yhteensä"
    # the hidden segment's hatching is one no class has (it was group 4's "x")
    assert rest.marker.color == "#d9d9d9" and rest.marker.pattern.shape == HIDDEN_PATTERN
    assert HIDDEN_PATTERN not in {tr.marker.pattern.shape for tr in fig.data[:-1]}
    # March: total 100 − visible (20 + 15 + 11 + 6) = 48, the two hidden bins together
    assert rest.y[1] == 100.0 - (20 + 15 + 11 + 6) == 48.0
    assert _missing(rest.y[0]) and _missing(rest.y[2])
    assert "2 luokkaa salattu" in rest.customdata[1][1] and "48" in rest.customdata[1][1]
    for trace in fig.data:
        assert 17.0 not in list(trace.y) and 31.0 not in list(trace.y)
        assert not re.search(r"\b(17|31)\b", _strings(trace)), trace.name
    # April: total hidden too, so no bar at all and a "salattu" note at that month
    for trace in fig.data:
        assert _missing(trace.y[2]) and trace.customdata[2][1] == ""
    notes = [a for a in fig.layout.annotations if a.text == "salattu"]
    assert len(notes) == 1 and pd.Timestamp(notes[0].x) == pd.Timestamp("2026-04-01")


def test_lone_hidden_group_beside_a_visible_total_draws_no_bar(config):
    indicator = config.indicators["omatiimi_days_to_first_meeting"]
    frame = _lead_time_frame()
    frame = frame[frame["period"] == "2026-02"].copy()
    lone = frame["grp"] == "d29_42"
    frame.loc[lone, ["value", "suppressed"]] = [math.nan, True]
    fig = stacked_bars_figure(frame, indicator, "Forssan seutukunta", groups=_groups(indicator))
    assert all(_missing(tr.y[0]) for tr in fig.data)
    assert [a.text for a in fig.layout.annotations].count("salattu") == 1


def test_share_heights_sum_to_one_hundred(config):
    indicator = config.indicators["omatiimi_days_to_first_meeting"]
    fig = stacked_bars_figure(_lead_time_frame(), indicator, "Riihimäen seutukunta",
                              groups=_groups(indicator), share=True)
    assert fig.layout.yaxis.title.text == "% kaikista"
    for i in (0, 1):
        heights = [tr.y[i] for tr in fig.data if not _missing(tr.y[i])]
        assert sum(heights) == pytest.approx(100.0)
    assert fig.data[0].customdata[0][1] == "0–7 päivää: 24 % kaikista (12)"


def test_control_chart_draws_the_median_the_run_rules_use(config):
    import pandas as pd

    from indicators.figures import control_chart_figure

    indicator = config.indicators["omatiimi_feedback_response_rate"]
    frame = pd.DataFrame({"period": ["2026-02", "2026-03", "2026-04"],
                          "period_start": pd.to_datetime(["2026-02-01", "2026-03-01",
                                                          "2026-04-01"]),
                          "value": [50.0, 60.0, 70.0], "suppressed": [False] * 3,
                          "denominator": [10.0, 10.0, 10.0]})
    fig = control_chart_figure(frame, indicator, "SK051", centre=60.0, lower=None, upper=None,
                               trial=True, median=55.0)
    names = {tr.name: tr for tr in fig.data}
    assert list(names["mediaani (ajosarjan säännöt)"].y) == [55.0, 55.0]
    assert list(names["keskiviiva"].y) == [60.0, 60.0]
    without = control_chart_figure(frame, indicator, "SK051", centre=60.0, lower=None,
                                   upper=None, trial=True)
    assert "mediaani (ajosarjan säännöt)" not in {tr.name for tr in without.data}


def test_every_class_of_every_grouped_indicator_has_a_hatching_of_its_own(config):
    """Each class gets its own hatching and none gets the hidden segment's."""
    assert HIDDEN_PATTERN not in PATTERNS and len(set(PATTERNS)) == len(PATTERNS)
    for indicator in config.indicators.values():
        if not indicator.groups:
            continue
        assert len(indicator.groups) <= len(PATTERNS), indicator.id
        groups = [(g.code, g.name.fi) for g in indicator.groups]
        frame = pd.DataFrame([{"period": "2026-02", "period_start": pd.Timestamp("2026-02-01"),
                               "grp": code, "value": 1.0, "suppressed": False}
                              for code in ["total", *[c for c, _ in groups]]])
        fig = stacked_bars_figure(frame, indicator, "Forssan seutukunta", groups=groups)
        shapes = [tr.marker.pattern.shape for tr in fig.data]
        assert len(set(shapes)) == len(groups) and HIDDEN_PATTERN not in shapes, indicator.id


def _line_labels(fig) -> dict[str, object]:
    """Direct labels of reference lines (right margin), by their text without the glyph."""
    return {re.sub(r"<span[^>]*>[^<]*</span> ", "", a.text): a for a in fig.layout.annotations
            if a.xref == "paper" and a.x == 1 and a.xanchor == "left"}


def test_control_chart_reference_lines_have_direct_labels_that_do_not_overlap(config):
    frame = _rate_frame()
    fig = _control(config, frame, trial=False, median=62.0, events=EVENTS)
    labels = _line_labels(fig)
    assert set(labels) == {"keskiviiva", "mediaani", "yläraja", "alaraja"}
    assert {a.font.color for a in labels.values()} == {"#1a1a1a"}  # dark text, 4.5:1
    assert labels["yläraja"].y == 76.0 and labels["alaraja"].y == 48.0  # the last steps
    # the centre line and the median lie on one value: their labels are moved apart
    ys = sorted(a.y for a in labels.values())
    gap = 0.07 * (max(76.0, 91.0) - 0.0)
    assert all(b - a >= gap - 1e-9 for a, b in zip(ys, ys[1:], strict=False))
    assert max(ys) <= 91.0  # never above the highest mark: it would fall off the axis
    assert fig.layout.margin.r >= 100  # room in the right margin
    # the glyph is drawn in the line's colour
    assert f'color:{PALETTE[2]}' in labels["yläraja"].text
    assert f'color:{PALETTE[1]}' in labels["keskiviiva"].text
    # the events keep their labels (first) and the footer stays last
    assert [a.text for a in fig.layout.annotations[:2]] == [e[1] for e in EVENTS]
    assert "Oma Häme" in fig.layout.annotations[-1].text
    english = _line_labels(_control(config, frame, trial=False, lang="en"))
    assert set(english) == {"centre line", "upper limit", "lower limit"}


def test_run_chart_median_has_a_direct_label(config):
    indicator = config.indicators["omatiimi_feedback_response_rate"]
    fig = run_chart_figure(_rate_frame(), indicator, "Riihimäen seutukunta", 62.0, EVENTS)
    labels = _line_labels(fig)
    assert list(labels) == ["mediaani"] and labels["mediaani"].y == 62.0
    assert labels["mediaani"].font.color == "#1a1a1a"
    assert not _line_labels(run_chart_figure(_rate_frame(), indicator, "x", None, []))
