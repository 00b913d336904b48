"""A key result's card chart, the numbers behind it as a table, and the chart in words.

The chart shows the observed figures, the baseline, the planned path (a straight line from the
baseline to the target: the pace that would reach the target on time, so a reader sees whether the
latest figure is ahead of or behind it), the milestones, the target and the forecast. Each role has
its own colour *and* marker or dash (Okabe–Ito members with >= 3:1 contrast, as in `figures`), and
the target and milestones carry direct labels, so nothing depends on colour alone.

A hidden figure is a gap in the line and a `..` mark near the axis whose hover says it is hidden;
its value never reaches the figure, even if a `Point` marked suppressed carried one.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from indicators import progress
from indicators.config import Config
from indicators.figures import FONT, PALETTE
from indicators.formatting import (
    MISSING_MARK,
    SUPPRESSED_MARK,
    format_number,
    plotly_separators,
    unit_label,
)
from indicators.goal_texts import status_plain, unit_suffix, value_text, when_text
from indicators.goals import KeyResultProgress, Point
from indicators.i18n import t

HEIGHT = 260

# one role, one look: colour, marker and dash together
OBSERVED_COLOUR, OBSERVED_MARKER = PALETTE[0], "circle"
BASELINE_COLOUR, BASELINE_MARKER = PALETTE[1], "square-open"
PLANNED_COLOUR, PLANNED_DASH = PALETTE[1], "dash"
TARGET_COLOUR, TARGET_MARKER = PALETTE[2], "star"
MILESTONE_COLOUR, MILESTONE_MARKER = PALETTE[4], "diamond"
FORECAST_COLOUR, FORECAST_DASH, FORECAST_MARKER = PALETTE[3], "dot", "circle-open"
LABEL_COLOUR = PALETTE[0]  # direct labels in black: coloured text would fall below 4.5:1

#: Reasons for which the baseline already met the target: the key result is to hold it, so a
#: path from the baseline "towards" the target would point the wrong way.
HELD_REASONS = ("target_held", "target_lost")

# vertical room under the plot (px): tick labels, a two-row legend, each footer line
TICKS_PX, LEGEND_PX, FOOTER_LINE_PX, TOP_PX = 24, 44, 13, 10
FOOTER_CHARS = 60  # a footer line's length that fits a 360 px card

#: At most this many x ticks on a card (a tick label is about a fifth of a phone-wide chart).
MOST_TICKS = 5
MIN_TICK_GAP = 0.2  # share of the time axis between two tick labels


def _visible(point: Point | None) -> bool:
    """A figure that may be drawn: present, not hidden and a number."""
    return point is not None and not point.suppressed and not math.isnan(point.value)


def _has_interval(point: Point) -> bool:
    return _visible(point) and not math.isnan(point.low) and not math.isnan(point.high)


def _number(result: KeyResultProgress, value: float, lang: str) -> str:
    return format_number(value, result.decimals, lang)


def _with_unit(result: KeyResultProgress, config: Config, value: float, lang: str) -> str:
    """`15,42 ‰` (a plain number for a visible value; hidden ones never come here). No "noin"
    here: the messages that use it already say the figure is approximate."""
    return f"{_number(result, value, lang)} {unit_suffix(result, config, lang)}".strip()


def _hover(name: str, *lines: str) -> str:
    return "<br>".join([f"<b>{name}</b>", *[line for line in lines if line]])


def _interval_text(result: KeyResultProgress, point: Point, lang: str) -> str:
    if not _has_interval(point):
        return ""
    return t("chart.interval_hover", lang, low=_number(result, point.low, lang),
             high=_number(result, point.high, lang))


def _last_visible(result: KeyResultProgress) -> Point | None:
    visible = [p for p in result.series if _visible(p)]
    return visible[-1] if visible else None


def _shows_planned_path(result: KeyResultProgress) -> bool:
    return _visible(result.baseline) and result.reason not in HELD_REASONS


def _footer(result: KeyResultProgress, config: Config, lang: str) -> str:
    """Source, licence and unit, as under every chart; an action's count names what it counts."""
    indicator = config.indicators.get(result.indicator_id or "")
    if indicator is None:
        measure = ""
        for phenomenon in config.phenomena:
            for action in phenomenon.actions:
                if action.id == result.action_id and action.progress is not None:
                    measure = action.progress.measure.get(lang)
        return t("goal_chart.footer_action", lang, measure=measure)
    unit = t("goal_chart.unit_days", lang) if result.source == "median_days" \
        else unit_label(indicator.unit, lang)
    text = t("chart.footer", lang, source=indicator.source, licence=indicator.licence, unit=unit)
    shown = [p for p in result.series if not p.suppressed]
    if shown:  # the date of the data: the periods the chart covers
        text += " · " + t("chart.periods", lang, first=when_text(shown[0], lang),
                          last=when_text(shown[-1], lang))
    return text


# ---------------------------------------------------------------- traces


def _observed_trace(result: KeyResultProgress, config: Config, lang: str) -> go.Scatter:
    name = t("goal_chart.trace.observed", lang)
    y: list[float | None] = []
    plus: list[float | None] = []
    minus: list[float | None] = []
    hover: list[str] = []
    for point in result.series:
        when = when_text(point, lang)
        if point.suppressed:
            y.append(None)
            hover.append(_hover(name, t("goal_chart.hover.hidden", lang, when=when)))
        else:
            y.append(point.value if _visible(point) else None)
            hover.append(_hover(name, t("goal_chart.hover.point", lang, when=when,
                                        value=value_text(result, point, config, lang)),
                                _interval_text(result, point, lang)))
        bars = _has_interval(point)
        plus.append(point.high - point.value if bars else None)
        minus.append(point.value - point.low if bars else None)
    return go.Scatter(
        x=[p.when for p in result.series], y=y, mode="lines+markers", name=name,
        line={"color": OBSERVED_COLOUR, "width": 2, "dash": "solid"},
        marker={"symbol": OBSERVED_MARKER, "size": 6, "color": OBSERVED_COLOUR},
        error_y={"type": "data", "array": plus, "arrayminus": minus,
                 "visible": any(v is not None for v in plus), "color": OBSERVED_COLOUR,
                 "thickness": 1, "width": 3},
        connectgaps=False, hovertext=hover, hoverinfo="text", legendrank=1)


def _hidden_marks(result: KeyResultProgress, lang: str) -> go.Scatter | None:
    """A `..` near the axis for every hidden figure, on an invisible 0–1 axis, so the mark sits
    at the same height whatever the values: its position says nothing about the figure."""
    hidden = [p for p in result.series if p.suppressed]
    if not hidden:
        return None
    name = t("goal_chart.trace.hidden", lang)
    return go.Scatter(
        x=[p.when for p in hidden], y=[0.03] * len(hidden), yaxis="y2", mode="text",
        text=[SUPPRESSED_MARK] * len(hidden), textposition="top center",
        textfont={"color": OBSERVED_COLOUR, "size": 13}, name=name,
        hovertext=[_hover(name, t("goal_chart.hover.hidden", lang, when=when_text(p, lang)))
                   for p in hidden],
        hoverinfo="text", showlegend=False)


def _baseline_trace(result: KeyResultProgress, config: Config, lang: str) -> go.Scatter | None:
    base = result.baseline
    if base is None or not _visible(base):
        return None
    name = t("goal_chart.trace.baseline", lang)
    declared = t("goal_chart.hover.declared", lang) if result.baseline_declared \
        and result.source != "action" else ""
    return go.Scatter(
        x=[base.when], y=[base.value], mode="markers", name=name,
        marker={"symbol": BASELINE_MARKER, "size": 12, "color": BASELINE_COLOUR,
                "line": {"width": 2.5, "color": BASELINE_COLOUR}},
        hovertext=[_hover(name, t("goal_chart.hover.point", lang, when=when_text(base, lang),
                                  value=value_text(result, base, config, lang)),
                          _interval_text(result, base, lang), declared)],
        hoverinfo="text", legendrank=2)


def _planned_trace(result: KeyResultProgress, config: Config, lang: str) -> go.Scatter | None:
    base, target = result.baseline, result.target
    if base is None or not _shows_planned_path(result):
        return None
    name = t("goal_chart.trace.planned", lang)
    note = t("goal_chart.hover.planned", lang)
    return go.Scatter(
        x=[base.when, target.when], y=[base.value, target.value], mode="lines", name=name,
        line={"color": PLANNED_COLOUR, "width": 2, "dash": PLANNED_DASH},
        hovertext=[_hover(name, t("goal_chart.hover.point", lang, when=when_text(p, lang),
                                  value=value_text(result, p, config, lang)), note)
                   for p in (base, target)],
        hoverinfo="text", legendrank=3)


def _marker_trace(result: KeyResultProgress, config: Config, points: Sequence[Point], *,
                  name: str, symbol: str, colour: str, size: int, lang: str) -> go.Scatter:
    """Target or milestones: markers with a hover (their labels are annotations)."""
    return go.Scatter(
        x=[p.when for p in points], y=[p.value for p in points], mode="markers", name=name,
        marker={"symbol": symbol, "size": size, "color": colour,
                "line": {"width": 1, "color": PALETTE[0]}},
        cliponaxis=False,
        hovertext=[_hover(name, t("goal_chart.hover.point", lang, when=when_text(p, lang),
                                  value=value_text(result, p, config, lang))) for p in points],
        hoverinfo="text", showlegend=False)


def _forecast_trace(result: KeyResultProgress, config: Config, lang: str) -> go.Scatter | None:
    forecast, start = result.forecast, _last_visible(result)
    if forecast is None or start is None:
        return None
    name = t("goal_chart.trace.forecast", lang)
    when = when_text(result.target, lang)
    end_hover = _hover(name, t("goal_chart.hover.forecast_end", lang, when=when,
                               value=_with_unit(result, config, forecast.value, lang)),
                       t("goal_chart.hover.forecast_interval", lang,
                         low=_number(result, forecast.low, lang),
                         high=_number(result, forecast.high, lang)))
    start_hover = _hover(name, t("goal_chart.hover.forecast_start", lang,
                                 when=when_text(start, lang),
                                 value=value_text(result, start, config, lang)))
    return go.Scatter(
        x=[start.when, result.target.when], y=[start.value, forecast.value],
        mode="lines+markers", name=name,
        line={"color": FORECAST_COLOUR, "width": 2, "dash": FORECAST_DASH},
        marker={"symbol": FORECAST_MARKER, "size": [0, 10], "color": FORECAST_COLOUR,
                "line": {"width": 2, "color": FORECAST_COLOUR}},
        error_y={"type": "data", "array": [None, forecast.high - forecast.value],
                 "arrayminus": [None, forecast.value - forecast.low], "visible": True,
                 "color": FORECAST_COLOUR, "thickness": 1.5, "width": 6},
        hovertext=[start_hover, end_hover], hoverinfo="text", legendrank=4)


# ---------------------------------------------------------------- axis


def _all_points(result: KeyResultProgress) -> list[Point]:
    extra = [p for p in (result.baseline,) if p is not None]
    return [*result.series, *extra, *result.milestones, result.target]


def _ticks(result: KeyResultProgress, lang: str) -> dict[str, object]:
    """Tick labels in the period notation people read, at the figures that matter most (target,
    latest, baseline, first, milestones, the rest), far enough apart not to print over each
    other."""
    points = _all_points(result)
    first, last = min(p.when for p in points), max(p.when for p in points)
    span = max((last - first).days, 1)
    latest = _last_visible(result) or result.latest
    wanted = [result.target, latest, result.baseline,
              result.series[0] if result.series else None, *result.milestones,
              *reversed(result.series)]
    chosen: list[Point] = []
    for point in wanted:
        if point is None or len(chosen) >= MOST_TICKS:
            continue
        if all(abs((point.when - c.when).days) / span >= MIN_TICK_GAP for c in chosen):
            chosen.append(point)
    chosen.sort(key=lambda p: p.when)
    # more room on the left, where the first tick label would meet the y axis's labels
    left, right = timedelta(days=round(0.09 * span) + 1), timedelta(days=round(0.04 * span) + 1)
    return {"tickmode": "array", "tickvals": [p.when for p in chosen],
            "ticktext": [when_text(p, lang) for p in chosen], "range": [first - left, last + right]}


# ---------------------------------------------------------------- direct labels

Segment = tuple[float, float, float, float]  # x0 <= x1 (days), y0, y1; a point has x0 == x1

LABEL_PX = 40  # a two-line label and its gap to the marks it sits by
LABEL_GAP_PX = 8  # clears the largest marker (the target's star)
LEADER_MIN_PX = 12  # a milestone's label further than this from its marker gets a leader line
LABEL_HALF_WIDTH = 0.12  # half a label's width, as a share of the time axis of a 360 px card


def _x(day: date) -> float:
    return float(day.toordinal())


def _segment(a: tuple[date, float], b: tuple[date, float]) -> Segment:
    (xa, ya), (xb, yb) = sorted([(_x(a[0]), a[1]), (_x(b[0]), b[1])])
    return xa, ya, xb, yb


def _marks(result: KeyResultProgress) -> list[Segment]:
    """Everything the chart draws, as segments: where a label must not go."""
    dots: list[tuple[date, float]] = []
    lines: list[Segment] = []
    for point in result.series:
        if _visible(point):
            dots.append((point.when, point.value))
        if _has_interval(point):
            dots += [(point.when, point.low), (point.when, point.high)]
    lines += [_segment((a.when, a.value), (b.when, b.value))
              for a, b in itertools.pairwise(result.series) if _visible(a) and _visible(b)]
    base, target = result.baseline, result.target
    if base is not None and _shows_planned_path(result):
        lines.append(_segment((base.when, base.value), (target.when, target.value)))
    start, forecast = _last_visible(result), result.forecast
    if forecast is not None and start is not None:
        lines.append(_segment((start.when, start.value), (target.when, forecast.value)))
        dots += [(target.when, forecast.low), (target.when, forecast.high)]
    dots += [(p.when, p.value) for p in (*result.milestones, target)]
    return lines + [(_x(d), y, _x(d), y) for d, y in dots if not math.isnan(y)]


def _column(marks: Sequence[Segment], centre: float, half: float) -> tuple[float, float] | None:
    """The lowest and highest mark within `half` days of `centre`."""
    ys = []
    for x0, y0, x1, y1 in marks:
        left, right = max(x0, centre - half), min(x1, centre + half)
        if left > right:
            continue
        for x in (left, right):
            ys.append(y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return (min(ys), max(ys)) if ys else None


def _place_labels(result: KeyResultProgress, labels: Sequence[tuple[Point, str, bool]],
                  plot_px: float) -> tuple[list[dict[str, object]], list[float]]:
    """Two-line labels (point, text, with a leader line?) above or below their marker, on the
    side where the nearest free room is; where above has no room, the y axis grows upwards to
    make it. Returns the annotations and the y range."""
    marks = _marks(result)
    ys = [y for x0, y0, x1, y1 in marks for y in (y0, y1)]
    low, high = min(0.0, *ys), max(0.0, *ys)
    span = (high - low) or 1.0
    top, bottom = high + 0.06 * span, low - (0.06 * span if low < 0 else 0.0)
    xs = [x for x0, _, x1, _ in marks for x in (x0, x1)]
    half = LABEL_HALF_WIDTH * max(max(xs) - min(xs), 1.0)
    frac = LABEL_PX / plot_px
    placed: list[tuple[Point, str, bool, bool, float]] = []
    for point, text, leader in labels:
        centre = _x(point.when)
        column_low, column_high = _column(marks, centre, half) or (point.value, point.value)
        need = frac * (top - bottom)
        below_fits = column_low - bottom >= need
        above = not below_fits or column_high - point.value <= point.value - column_low
        if above and top - column_high < need:  # solve top - column_high = frac * (top - bottom)
            top = (column_high - frac * bottom) / (1 - frac)
            need = frac * (top - bottom)
        edge = column_high if above else column_low
        box = (edge, edge + need) if above else (edge - need, edge)
        marks += [(centre - half, y, centre + half, y) for y in box]
        placed.append((point, text, leader, above, edge))
    px_per_unit = plot_px / (top - bottom)
    annotations: list[dict[str, object]] = []
    for point, text, leader, above, edge in placed:
        gap = abs(edge - point.value) * px_per_unit + LABEL_GAP_PX
        common = {"text": text, "xanchor": "center", "align": "center",
                  "yanchor": "bottom" if above else "top",
                  "font": {"size": 11, "color": LABEL_COLOUR}}
        if leader and gap > LEADER_MIN_PX:  # a thin line from the label to its marker
            annotations.append({**common, "x": point.when, "y": point.value, "showarrow": True,
                                "arrowhead": 0, "arrowwidth": 1, "arrowcolor": LABEL_COLOUR,
                                "standoff": 6, "ax": 0, "ay": -gap if above else gap})
        else:
            annotations.append({**common, "x": point.when, "y": edge, "showarrow": False,
                                "yshift": LABEL_GAP_PX if above else -LABEL_GAP_PX})
    return annotations, [bottom, top]


def _label(key: str, result: KeyResultProgress, point: Point, config: Config, lang: str) -> str:
    return f"{t(key, lang)}<br>{value_text(result, point, config, lang)}"


def key_result_figure(result: KeyResultProgress, config: Config, lang: str = "fi") -> go.Figure:
    """The card chart of one key result: about 260 px high, readable from 360 px wide."""
    fig = go.Figure()
    traces = [
        _planned_trace(result, config, lang),
        _observed_trace(result, config, lang) if result.series else None,
        _hidden_marks(result, lang),
        _baseline_trace(result, config, lang),
        _forecast_trace(result, config, lang),
    ]
    if result.milestones:
        traces.append(_marker_trace(
            result, config, result.milestones, name=t("goal_chart.trace.milestone", lang),
            symbol=MILESTONE_MARKER, colour=MILESTONE_COLOUR, size=11, lang=lang))
    traces.append(_marker_trace(
        result, config, [result.target], name=t("goal_chart.trace.target", lang),
        symbol=TARGET_MARKER, colour=TARGET_COLOUR, size=15, lang=lang))
    for trace in traces:
        if trace is not None:
            fig.add_trace(trace)
    footer = textwrap.wrap(_footer(result, config, lang), FOOTER_CHARS) or [""]
    footer_px = FOOTER_LINE_PX * len(footer) + 4
    height = HEIGHT + FOOTER_LINE_PX * (len(footer) - 1)
    bottom_px = TICKS_PX + LEGEND_PX + footer_px
    # the target's label first: it sits at the axis's end, where most lines meet
    # (the target's label never gets a leader: it would run along the forecast's error bar)
    labels = [(result.target, _label("goal_chart.label.target", result, result.target, config,
                                     lang), False),
              *[(p, _label("goal_chart.label.milestone", result, p, config, lang), True)
                for p in result.milestones]]
    annotations, y_range = _place_labels(result, labels, height - TOP_PX - bottom_px)
    for annotation in annotations:
        fig.add_annotation(**annotation)
    unit = unit_suffix(result, config, lang)
    fig.update_layout(
        separators=plotly_separators(lang), height=height,
        font={"family": FONT, "size": 12, "color": "#1a1a1a"},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        margin={"l": 8, "r": 30, "t": TOP_PX, "b": bottom_px},
        showlegend=True, hovermode="closest",
        # dark text on white: white text on the lighter palette colours would fall below 4.5:1
        hoverlabel={"bgcolor": "#ffffff", "bordercolor": "#1a1a1a",
                    "font": {"color": "#1a1a1a", "size": 12}},
        legend={"orientation": "h", "yref": "container", "yanchor": "top",
                "y": (LEGEND_PX + footer_px) / height, "x": 0, "font": {"size": 11}},
        yaxis={"ticksuffix": f" {unit}" if unit else "", "automargin": True,
               "exponentformat": "none", "separatethousands": True, "gridcolor": "#d9d9d9",
               "range": y_range, "zeroline": True, "zerolinecolor": "#8c8c8c",
               "tickfont": {"size": 11}},
        yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        xaxis={"gridcolor": "#efefef", "tickfont": {"size": 11}, **_ticks(result, lang)},
    )
    fig.add_annotation(text="<br>".join(footer), xref="paper", yref="paper", x=0, y=0,
                       yshift=-bottom_px, showarrow=False,
                       xanchor="left", yanchor="bottom", align="left",
                       font={"size": 10, "color": "#333333"})
    return fig


# ---------------------------------------------------------------- table and text


KINDS = ("baseline", "observed", "milestone", "target", "forecast")


def _cell(result: KeyResultProgress, value: float, lang: str) -> str:
    return "" if math.isnan(value) else _number(result, value, lang)


def _row(result: KeyResultProgress, kind: str, point: Point, lang: str) -> dict[str, object]:
    if point.suppressed:
        value, low, high = SUPPRESSED_MARK, "", ""
    else:
        value = _number(result, point.value, lang) if not math.isnan(point.value) \
            else MISSING_MARK
        low = _cell(result, point.low, lang) if _has_interval(point) else ""
        high = _cell(result, point.high, lang) if _has_interval(point) else ""
    return {"kind": kind, "when": point.when, "order": KINDS.index(kind),
            "kind_text": t(f"goals.point.{kind}", lang), "when_text": when_text(point, lang),
            "value": value, "low": low, "high": high}


def key_result_table(result: KeyResultProgress, config: Config,
                     lang: str = "fi") -> pd.DataFrame:
    """The chart's figures for reading and copying: one row per point in time order (kind,
    period or date, value, interval), numbers as shown on the page; `..` for a hidden figure."""
    rows = [_row(result, "observed", p, lang) for p in result.series]
    if result.baseline is not None:
        rows.append(_row(result, "baseline", result.baseline, lang))
    rows += [_row(result, "milestone", p, lang) for p in result.milestones]
    rows.append(_row(result, "target", result.target, lang))
    forecast = result.forecast
    if forecast is not None and _last_visible(result) is not None:
        rows.append(_row(result, "forecast", Point(result.target.label, result.target.when,
                                                   forecast.value, forecast.low, forecast.high),
                         lang))
    rows.sort(key=lambda r: (r["when"], r["order"]))
    unit = unit_suffix(result, config, lang)
    value_header = t("goals.col.value", lang)
    if unit:
        value_header = t("goal_chart.col_with_unit", lang, label=value_header, unit=unit)
    columns = {"kind_text": t("goals.col.kind", lang), "when_text": t("goals.col.when", lang),
               "value": value_header, "low": t("goals.col.low", lang),
               "high": t("goals.col.high", lang)}
    return pd.DataFrame(rows, columns=list(columns)).rename(columns=columns)


def _observations(result: KeyResultProgress, lang: str) -> str:
    series = result.series
    if not series:
        return t("goal_chart.alt.intro_none", lang)
    n = len(series)
    count = t("goal_chart.alt.observations_one" if n == 1 else "goal_chart.alt.observations_many",
              lang, n=n)
    hidden = sum(p.suppressed for p in series)
    if hidden:
        count += " (" + t("goal_chart.alt.hidden", lang, n=hidden) + ")"
    return t("goal_chart.alt.intro", lang, observations=count,
             first=when_text(series[0], lang), last=when_text(series[-1], lang))


def planned_value(result: KeyResultProgress, when: date) -> float:
    """The planned path's value on `when` (NaN where no path is drawn)."""
    base = result.baseline
    if base is None or not _shows_planned_path(result):
        return math.nan
    share = progress.expected_score(base.when, when, result.target.when)
    return base.value + share * (result.target.value - base.value)


def key_result_text(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    """The chart in words (for screen readers and anyone who prefers text), with the figures
    formatted as on the card."""
    parts = [_observations(result, lang)]
    for key, point in (("baseline", result.baseline), ("latest", result.latest),
                       ("target", result.target)):
        if point is not None:
            parts.append(t(f"goal_chart.alt.{key}", lang,
                           value=value_text(result, point, config, lang),
                           when=when_text(point, lang)))
    if result.milestones:
        items = ", ".join(t("goal_chart.alt.milestone_item", lang,
                            value=value_text(result, p, config, lang), when=when_text(p, lang))
                          for p in result.milestones)
        parts.append(t("goal_chart.alt.milestones", lang, items=items))
    latest = result.latest
    if _visible(latest) and latest is not None and result.baseline is not None \
            and result.baseline.when < latest.when <= result.target.when:
        pace = planned_value(result, latest.when)
        if not math.isnan(pace):
            parts.append(t("goal_chart.alt.pace", lang, when=when_text(latest, lang),
                           value=_with_unit(result, config, pace, lang)))
    forecast = result.forecast
    if forecast is not None and _last_visible(result) is not None:
        parts.append(t("goal_chart.alt.forecast", lang, when=when_text(result.target, lang),
                       value=_with_unit(result, config, forecast.value, lang),
                       low=_number(result, forecast.low, lang),
                       high=_number(result, forecast.high, lang)))
    else:
        parts.append(t("goal_chart.alt.no_forecast", lang))
    parts.append(t("goal_chart.alt.status", lang, status=status_plain(result.status, lang)))
    return "; ".join(parts) + "."
