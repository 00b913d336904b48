"""Plotly figures: one colour-blind-safe palette, Finnish number format, a footer on every chart.

Okabe–Ito colours that reach 3:1 contrast on white (black, blue, vermillion, bluish green, reddish
purple) are used for marks; lines always carry markers and a direct label, so colour is never the
only way to tell the series apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from indicators.config import Indicator
from indicators.formatting import format_number, format_period, plotly_separators, unit_label
from indicators.i18n import t
from indicators.periods import period_start

# Okabe & Ito (2008), the members with >= 3:1 contrast on white
PALETTE = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]
FONT = "Source Sans Pro, Arial, sans-serif"
LABEL_MARGIN = 110  # px on the right for direct labels of reference lines (at least)
LABEL_CHAR_PX = 6.5  # about one character of 11 px text, to widen the margin for long labels


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _contiguous(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """Runs of consecutive rows that all have an interval (a lone point gets an error bar)."""
    has = rows["low"].notna().to_numpy()
    segments, start = [], None
    for i, flag in enumerate([*has, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            segments.append(rows.iloc[start:i])
            start = None
    return segments


def _lone_point_bars(rows: pd.DataFrame, colour: str) -> dict[str, object]:
    """Error bars for points whose neighbours have no interval (a band needs two points)."""
    has = rows["low"].notna().to_numpy()
    lone = [bool(h) and not (i > 0 and has[i - 1]) and not (i + 1 < len(has) and has[i + 1])
            for i, h in enumerate(has)]
    plus = [hi - v if flag else None for flag, v, hi in zip(lone, rows["value"], rows["high"],
                                                            strict=True)]
    minus = [v - lo if flag else None for flag, v, lo in zip(lone, rows["value"], rows["low"],
                                                             strict=True)]
    return {"type": "data", "array": plus, "arrayminus": minus, "visible": any(lone),
            "color": colour, "thickness": 1.5, "width": 6}


def _period_ticks(frame: pd.DataFrame, lang: str, most: int = 12) -> dict[str, object]:
    """Tick labels in the period notation people read (`7–9/2025`, `syksy 2025`), not plotly's
    English month names; at most `most` ticks."""
    periods = (frame[["period_start", "period"]].drop_duplicates("period")
               .sort_values("period_start"))
    if periods.empty:
        return {}
    step = max(1, -(-len(periods) // most))
    shown = periods.iloc[::step]
    return {"tickmode": "array", "tickvals": list(shown["period_start"]),
            "ticktext": [format_period(p, lang) for p in shown["period"]]}


def _spread(labels: list[tuple[object, float, str, str]], gap: float,
            ceiling: float | None = None) -> list[tuple[object, float, str, str]]:
    """Labels (x, y, text, colour) moved apart vertically by at least `gap`, in their order;
    with a `ceiling` none goes above it (a label off the axis range would not be drawn)."""
    placed: list[tuple[object, float, str, str]] = []
    for x, y, name, colour in sorted(labels, key=lambda item: item[1]):
        if placed and y < placed[-1][1] + gap:
            y = placed[-1][1] + gap
        placed.append((x, y, name, colour))
    if ceiling is not None and placed and placed[-1][1] > ceiling:
        lowered: list[tuple[object, float, str, str]] = []
        for x, y, name, colour in reversed(placed):
            limit = ceiling if not lowered else lowered[-1][1] - gap
            lowered.append((x, min(y, limit), name, colour))
        placed = lowered[::-1]
    return placed


def _dodge(labels: list[tuple[object, float, str, str]], frame: pd.DataFrame,
           gap_share: float = 0.06) -> list[tuple[object, float, str, str]]:
    """Move end-of-line labels apart vertically so they never print over each other."""
    if len(labels) < 2:
        return labels
    values = pd.concat([frame["value"], frame["high"], frame["low"]]).dropna()
    span = float(values.max() - min(0.0, float(values.min()))) or 1.0
    return _spread(labels, gap_share * span)


# Direct labels are dark text (coloured text on white would fall below 4.5:1); a glyph in the
# series' colour beside the name ties the label to its line (graphics need only 3:1).
LABEL_COLOUR = "#1a1a1a"
GLYPHS = {"circle": "●", "square": "■", "diamond": "◆", "triangle-up": "▲",
          "x": "✕"}
LINE_GLYPH = "—"


def _label_text(name: str, colour: str, glyph: str) -> str:
    return f'<span style="color:{colour}">{glyph}</span> {name}'


def _add_line_labels(fig: go.Figure, labels: list[tuple[float, str, str]],
                     values: Sequence[float], gap_share: float = 0.07) -> int:
    """Short direct labels (y, text, line colour) at the right end of reference lines (median,
    centre line, limits, target), in the right margin and moved apart so they never overlap.
    Returns the right margin (px) the labels need; 30 without labels."""
    labels = [(y, name, colour) for y, name, colour in labels if not pd.isna(y)]
    if not labels:
        return 30
    finite = [float(v) for v in values if not pd.isna(v)] + [y for y, _, _ in labels]
    low, high = min(0.0, *finite), max(finite)
    gap = gap_share * ((high - low) or 1.0)
    for _, y, name, colour in _spread([(None, y, n, c) for y, n, c in labels], gap, high):
        fig.add_annotation(x=1, xref="paper", y=y, text=_label_text(name, colour, LINE_GLYPH),
                           xanchor="left", xshift=6, showarrow=False, align="left",
                           font={"color": LABEL_COLOUR, "size": 11})
    longest = max(len(name) for _, name, _ in labels) + 2  # the glyph and a space
    return max(LABEL_MARGIN, round(12 + LABEL_CHAR_PX * longest))


def footer_text(indicator: Indicator, lang: str = "fi",
                frame: pd.DataFrame | None = None) -> str:
    """Source, licence and unit; with the chart's frame also the periods it covers (the date
    of the data) and any series break inside them."""
    text = t("chart.footer", lang, source=indicator.source, licence=indicator.licence,
             unit=unit_label(indicator.unit, lang))
    if frame is not None and not frame.empty:
        ordered = frame.sort_values("period_start")["period"]
        text += " · " + t("chart.periods", lang, first=format_period(str(ordered.iloc[0]), lang),
                          last=format_period(str(ordered.iloc[-1]), lang))
    return text


def _add_footer(fig: go.Figure, indicator: Indicator, frame: pd.DataFrame | None, lang: str, *,
                y: float, breaks: bool = True) -> None:
    """The footer under a chart (source, licence, unit, periods), and the series breaks on it."""
    if breaks and frame is not None:
        add_break_lines(fig, indicator, frame, lang)
    fig.add_annotation(text=footer_text(indicator, lang, frame), xref="paper", yref="paper", x=0,
                       y=y, showarrow=False, xanchor="left", yanchor="top",
                       font={"size": 11, "color": "#333333"})


def add_break_lines(fig: go.Figure, indicator: Indicator, frame: pd.DataFrame,
                    lang: str = "fi") -> None:
    """Series breaks inside the chart's periods as dashed vertical lines with their note."""
    if frame.empty or not indicator.breaks:
        return
    first, last = frame["period_start"].min(), frame["period_start"].max()
    for item in indicator.breaks:
        x = pd.Timestamp(period_start(item.period))
        if not pd.Timestamp(first) < x <= pd.Timestamp(last):
            continue
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper",
                      line={"color": PALETTE[4], "width": 2, "dash": "longdash"})
        fig.add_annotation(x=x, y=0.02, yref="paper", showarrow=False, xanchor="left",
                           yanchor="bottom", xshift=4, bgcolor="#ffffff",
                           font={"color": "#1a1a1a", "size": 11},
                           text=t("chart.series_break", lang, note=item.note.get(lang)))


def series_figure(frame: pd.DataFrame, indicator: Indicator, area_names: Mapping[str, str],
                  lang: str = "fi", volume_label: str | None = None) -> go.Figure:
    """Time series per area with 95 % interval bands; hidden cells leave gaps, not numbers.

    With a `volume` column (e.g. the feedback responses behind each figure) and `volume_label`,
    the hover also says how many there were ("n = 54 vastausta")."""
    fig = go.Figure()
    unit = unit_label(indicator.unit, lang)
    end_labels: list[tuple[object, float, str, str]] = []
    for i, (code, name) in enumerate(area_names.items()):
        rows = frame[frame["area_code"] == code].sort_values("period_start")
        if rows.empty:
            continue
        colour = PALETTE[i % len(PALETTE)]
        labels = [format_period(p, lang) for p in rows["period"]]
        shown = [
            t("chart.suppressed_hover", lang) if hidden else format_number(v, indicator.decimals,
                                                                            lang)
            for v, hidden in zip(rows["value"], rows["suppressed"], strict=True)
        ]
        intervals = [
            "" if pd.isna(lo) else t("chart.interval_hover", lang,
                                     low=format_number(lo, indicator.decimals, lang),
                                     high=format_number(hi, indicator.decimals, lang))
            for lo, hi in zip(rows["low"], rows["high"], strict=True)
        ]
        if volume_label and "volume" in rows.columns:
            intervals = [
                text if hidden or pd.isna(n) else f"{text}<br>" + t(
                    "chart.control.volume_hover_label", lang, n=format_number(n, 0, lang),
                    label=volume_label)
                for text, n, hidden in zip(intervals, rows["volume"], rows["suppressed"],
                                           strict=True)
            ]
        for segment in _contiguous(rows):  # bands never bridge a hidden or missing cell
            fig.add_trace(go.Scatter(
                x=list(segment["period_start"]) + list(segment["period_start"])[::-1],
                y=list(segment["high"]) + list(segment["low"])[::-1],
                mode="lines", fill="toself", fillcolor=_rgba(colour, 0.13),
                line={"width": 0, "color": colour}, hoverinfo="skip", showlegend=False,
                name=t("chart_a11y.band", lang, name=name),
            ))
        fig.add_trace(go.Scatter(
            x=rows["period_start"], y=rows["value"], mode="lines+markers", name=name,
            line={"color": colour, "width": 2.5, "dash": DASHES[i % len(DASHES)]},
            marker={"symbol": MARKERS[i % len(MARKERS)], "size": 8, "color": colour},
            customdata=list(zip(labels, shown, intervals, strict=True)),
            hovertemplate=(f"<b>{name}</b><br>%{{customdata[0]}}: %{{customdata[1]}} {unit}"
                           "<br>%{customdata[2]}<extra></extra>"),
            connectgaps=False,
            error_y=_lone_point_bars(rows, colour),
        ))
        visible = rows[rows["value"].notna()]
        if not visible.empty:  # direct label at the line's end
            last = visible.iloc[-1]
            glyph = GLYPHS[MARKERS[i % len(MARKERS)]]
            end_labels.append((last["period_start"], float(last["value"]),
                               _label_text(name, colour, glyph), colour))
    for x, y, text, _ in _dodge(end_labels, frame):
        fig.add_annotation(x=x, y=y, text=text, xanchor="left", xshift=8, showarrow=False,
                           font={"color": LABEL_COLOUR, "size": 12})
    fig.update_layout(
        separators=plotly_separators(lang),
        font={"family": FONT, "size": 14, "color": "#1a1a1a"},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        margin={"l": 60, "r": 140, "t": 30, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        hovermode="closest",
        yaxis={"title": {"text": unit}, "exponentformat": "none", "gridcolor": "#d9d9d9",
               "rangemode": "tozero", "zeroline": True, "zerolinecolor": "#8c8c8c"},
        xaxis={"gridcolor": "#efefef", **_period_ticks(frame, lang)},
    )
    _add_footer(fig, indicator, frame, lang, y=-0.32)
    return fig


def add_event_lines(fig: go.Figure, events: Sequence[tuple[object, str]]) -> None:
    """Dated events (actions started, rollout steps) as dotted vertical lines with a label each."""
    for step, (x, label) in enumerate(events):
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper",
                      line={"color": PALETTE[3], "width": 2, "dash": "dot"})
        # labels step down so close start dates never print over each other
        fig.add_annotation(x=x, y=1 - 0.09 * step, yref="paper", text=label, showarrow=False,
                           xanchor="left", yanchor="top", xshift=4,
                           font={"color": "#1a1a1a", "size": 11}, bgcolor="#ffffff")


def run_chart_figure(frame: pd.DataFrame, indicator: Indicator, area_name: str,
                     median: float | None, action_lines: list[tuple[object, str]],
                     highlight: list[int] | None = None, lang: str = "fi") -> go.Figure:
    """A run chart: the series, the median frozen before the actions, the actions' start dates,
    and points a rule flagged drawn as open diamonds (shape, not colour alone)."""
    rows = frame.sort_values("period_start")
    fig = go.Figure()
    labels = [format_period(p, lang) for p in rows["period"]]
    shown = [t("chart.suppressed_hover", lang) if hidden else format_number(v, indicator.decimals,
                                                                            lang)
             for v, hidden in zip(rows["value"], rows["suppressed"], strict=True)]
    fig.add_trace(go.Scatter(
        x=rows["period_start"], y=rows["value"], mode="lines+markers", name=area_name,
        line={"color": PALETTE[0], "width": 2}, marker={"size": 7, "color": PALETTE[0]},
        customdata=list(zip(labels, shown, strict=True)),
        hovertemplate=(f"<b>{area_name}</b><br>%{{customdata[0]}}: %{{customdata[1]}} "
                       f"{unit_label(indicator.unit, lang)}<extra></extra>"),
    ))
    if highlight:
        visible = rows[rows["value"].notna()].reset_index(drop=True)
        flagged = visible.iloc[[i for i in highlight if i < len(visible)]]
        fig.add_trace(go.Scatter(
            x=flagged["period_start"], y=flagged["value"], mode="markers",
            name=t("phenomenon.rule.astronomical", lang),
            marker={"symbol": "diamond-open", "size": 16, "color": PALETTE[2],
                    "line": {"width": 2.5}}, hoverinfo="skip"))
    if median is not None and not rows.empty:
        fig.add_trace(go.Scatter(
            x=[rows["period_start"].iloc[0], rows["period_start"].iloc[-1]], y=[median, median],
            mode="lines", name=t("phenomenon.median", lang),
            line={"color": PALETTE[1], "width": 2, "dash": "dash"}, hoverinfo="skip"))
    add_event_lines(fig, action_lines)
    right = _add_line_labels(
        fig, [(median, t("chart_a11y.label.median", lang), PALETTE[1])]
        if median is not None and not rows.empty else [], rows["value"])
    fig.update_layout(
        separators=plotly_separators(lang), font={"family": FONT, "size": 13, "color": "#1a1a1a"},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", height=360,
        margin={"l": 60, "r": right, "t": 20, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        yaxis={"title": {"text": unit_label(indicator.unit, lang)}, "exponentformat": "none",
               "gridcolor": "#d9d9d9", "rangemode": "tozero"},
        xaxis={"gridcolor": "#efefef", **_period_ticks(rows, lang)},
    )
    _add_footer(fig, indicator, rows, lang, y=-0.38)
    return fig


def funnel_figure(points: pd.DataFrame, indicator: Indicator, target: float, target_name: str,
                  names: Mapping[str, str], own: str | None, lang: str = "fi") -> go.Figure:
    """Municipalities against the funnel of 95 % and 99.8 % limits around the target value
    (instead of a league table): a point outside the funnel differs more than chance allows."""
    from indicators.stats import funnel_limits

    fig = go.Figure()
    dens = points["denominator"].dropna()
    top = float(dens.max()) * 1.15 if not dens.empty else 1000.0
    bottom = max(1.0, float(dens.min()) * 0.6) if not dens.empty else 1.0
    grid = np.union1d(np.geomspace(bottom, top, 80), dens.to_numpy(dtype=float))
    line_labels: list[tuple[float, str, str]] = []
    drawn: list[float] = [target]
    for confidence, dash, key in ((0.95, "dash", "chart.funnel_95"),
                                  (0.998, "dot", "chart.funnel_998")):
        low, high = funnel_limits(indicator.kind, target, grid, indicator.scale, confidence)
        short = t(f"chart_a11y.label.{key.removeprefix('chart.')}", lang)
        line_labels += [(float(low[-1]), short, PALETTE[1]), (float(high[-1]), short, PALETTE[1])]
        drawn += [*low, *high]
        for bound, show in ((low, True), (high, False)):
            fig.add_trace(go.Scatter(x=grid, y=bound, mode="lines", name=t(key, lang),
                                     line={"color": PALETTE[1], "dash": dash, "width": 1.5,
                                           "shape": "hv"},
                                     showlegend=show, legendgroup=key, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[bottom, top], y=[target, target], mode="lines",
                             name=t("chart.funnel_target", lang, area=target_name),
                             line={"color": PALETTE[0], "width": 1.5}, hoverinfo="skip"))
    line_labels.append((target, target_name, PALETTE[0]))
    visible = points[points["value"].notna() & ~points["suppressed"].astype(bool)]
    unit = unit_label(indicator.unit, lang)
    others = visible[visible["area_code"] != own]
    mine = visible[visible["area_code"] == own]
    for frame, symbol, size, colour, label in (
            (others, "circle", 10, PALETTE[3], t("chart.funnel_others", lang)),
            (mine, "star", 18, PALETTE[2], names.get(own or "", ""))):
        if frame.empty:
            continue
        shown = [t("chart_a11y.funnel_hover", lang, unit=unit,
                   value=format_number(v, indicator.decimals, lang),
                   denominator=format_number(d, 0, lang))
                 for v, d in zip(frame["value"], frame["denominator"], strict=True)]
        fig.add_trace(go.Scatter(
            x=frame["denominator"], y=frame["value"], mode="markers+text", name=label,
            text=[names.get(c, c) for c in frame["area_code"]], textposition="top center",
            marker={"symbol": symbol, "size": size, "color": colour,
                    "line": {"color": "#1a1a1a", "width": 1}},
            customdata=list(zip([names.get(c, c) for c in frame["area_code"]], shown,
                                strict=True)),
            hovertemplate="<b>%{customdata[0]}</b>: %{customdata[1]}<extra></extra>"))
    right = _add_line_labels(fig, line_labels, [*drawn, *visible["value"]])
    fig.update_layout(
        separators=plotly_separators(lang), font={"family": FONT, "size": 13, "color": "#1a1a1a"},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", height=380,
        margin={"l": 60, "r": right, "t": 20, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        xaxis={"title": {"text": t("chart.funnel_x", lang)}, "type": "log",
               "exponentformat": "none", "gridcolor": "#efefef"},
        yaxis={"title": {"text": unit_label(indicator.unit, lang)}, "exponentformat": "none",
               "gridcolor": "#d9d9d9", "rangemode": "tozero"},
    )
    footer_rows = points if "period_start" in points.columns else None
    fig.update_layout(margin={"b": 120})
    _add_footer(fig, indicator, footer_rows, lang, y=-0.42, breaks=False)
    return fig


# ---------------------------------------------------------------- control charts and stacked bars

# All eight Okabe & Ito (2008) colours, for filled areas (bars) only. Orange, sky blue and yellow
# fall short of 3:1 contrast on white, so every filled mark drawn from this list also gets a dark
# outline (OUTLINE) and its own hatching (PATTERNS, same index): a category is told apart by
# pattern and outline as well as colour, never by colour alone. Plotly has eight hatchings; seven
# go to the classes (up to seven classes each have their own) and the dots are kept for the
# hidden segment.
PALETTE_OUTLINED = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                    "#F0E442"]
PATTERNS = ["", "/", "\\", "x", "-", "|", "+"]
OUTLINE = {"color": "#1a1a1a", "width": 1}
# The hidden segment has the one hatching no class has (dots) on a light grey fill.
HIDDEN_FILL = "#d9d9d9"
HIDDEN_PATTERN = "."


def _is_dark(hex_colour: str) -> bool:
    """Whether white hatching reads better on this fill than near-black (WCAG luminance)."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05)


def _outlined_marker(index: int) -> dict[str, object]:
    colour = PALETTE_OUTLINED[index % len(PALETTE_OUTLINED)]
    return {"color": colour, "line": OUTLINE,
            "pattern": {"shape": PATTERNS[index % len(PATTERNS)], "fillmode": "overlay",
                        "fgcolor": "#ffffff" if _is_dark(colour) else "#1a1a1a",
                        "solidity": 0.3}}


def _small_chart_layout(fig: go.Figure, frame: pd.DataFrame, indicator: Indicator, y_title: str,
                        lang: str, *, height: int = 360, bottom: int = 90,
                        footer_y: float = -0.38, top: int = 20, right: int = 30) -> None:
    """The run chart's look (font, white background, separators of the language, footer)."""
    fig.update_layout(
        separators=plotly_separators(lang), font={"family": FONT, "size": 13, "color": "#1a1a1a"},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", height=height,
        margin={"l": 60, "r": right, "t": top, "b": bottom},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0,
                "traceorder": "normal"},
        yaxis={"title": {"text": y_title}, "exponentformat": "none", "gridcolor": "#d9d9d9",
               "rangemode": "tozero"},
        xaxis={"gridcolor": "#efefef", **_period_ticks(frame, lang)},
    )
    _add_footer(fig, indicator, frame, lang, y=footer_y)


def _shown(value: object, hidden: bool) -> bool:
    return not hidden and not pd.isna(value)


def _control_hover(rows: pd.DataFrame, indicator: Indicator, volume_label: str | None,
                   lang: str) -> list[tuple[str, str, str]]:
    """(period, value with unit, volume) per row; a hidden row carries the neutral text only, so
    no figure of it (value, volume, denominator) reaches the browser."""
    unit = unit_label(indicator.unit, lang)
    has_volume = "volume" in rows.columns
    out = []
    for _, row in rows.iterrows():
        period = format_period(row["period"], lang)
        if bool(row["suppressed"]):
            out.append((period, t("chart.suppressed_hover", lang), ""))
            continue
        if pd.isna(row["value"]):  # no figure exists (not hidden): the missing mark
            out.append((period, format_number(None, indicator.decimals, lang), ""))
            continue
        volume = ""
        if has_volume and not pd.isna(row["volume"]):
            n = format_number(row["volume"], 0, lang)
            volume = (t("chart.control.volume_hover_label", lang, n=n, label=volume_label)
                      if volume_label else t("chart.control.volume_hover", lang, n=n))
        out.append((period, f"{format_number(row['value'], indicator.decimals, lang)} {unit}",
                    volume))
    return out


def _add_limits(fig: go.Figure, rows: pd.DataFrame, lower: Sequence[float] | None,
                upper: Sequence[float] | None, trial: bool, lang: str) -> None:
    name = t("chart.control.limits_trial" if trial else "chart.control.limits", lang)
    first = True
    for bound in (lower, upper):
        if bound is None:
            continue
        y = [None if pd.isna(v) else float(v) for v in bound]
        if len(y) != len(rows):
            raise ValueError("control limits must be aligned with the frame's rows")
        fig.add_trace(go.Scatter(
            x=rows["period_start"], y=y, mode="lines", name=name, legendgroup="limits",
            showlegend=first, line={"color": PALETTE[2], "width": 1.5, "dash": "dot",
                                    "shape": "hvh"},
            connectgaps=False, hoverinfo="skip"))
        first = False
    if trial and not first:
        fig.add_annotation(text=t("chart.control.trial_note", lang), xref="paper", yref="paper",
                           x=1, y=1, xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 11, "color": "#1a1a1a"})


def control_chart_figure(frame: pd.DataFrame, indicator: Indicator, area_name: str, *,
                         centre: float | None, lower: Sequence[float] | None,
                         upper: Sequence[float] | None, trial: bool,
                         flagged: Sequence[int] = (),
                         events: Sequence[tuple[object, str]] = (),
                         volume_label: str | None = None, median: float | None = None,
                         lang: str = "fi") -> go.Figure:
    """A control (Shewhart) chart of one area's monthly series: centre line, step limits that
    follow each month's denominator, flagged points as open diamonds and dated events.

    `frame` is in time order and `lower`, `upper` and `flagged` (row positions) refer to its rows.
    `median` draws the line the run rules (long runs, crossings) are counted against.
    """
    rows = frame.reset_index(drop=True)
    fig = go.Figure()
    y = [float(v) if _shown(v, bool(h)) else None
         for v, h in zip(rows["value"], rows["suppressed"], strict=True)]
    fig.add_trace(go.Scatter(
        x=rows["period_start"], y=y, mode="lines+markers", name=area_name,
        line={"color": PALETTE[0], "width": 2}, marker={"size": 7, "color": PALETTE[0]},
        customdata=_control_hover(rows, indicator, volume_label, lang), connectgaps=False,
        hovertemplate=(f"<b>{area_name}</b><br>%{{customdata[0]}}: %{{customdata[1]}}"
                       "<br>%{customdata[2]}<extra></extra>"),
    ))
    if centre is not None and not rows.empty:
        fig.add_trace(go.Scatter(
            x=[rows["period_start"].iloc[0], rows["period_start"].iloc[-1]], y=[centre, centre],
            mode="lines", name=t("chart.control.centre", lang),
            line={"color": PALETTE[1], "width": 2, "dash": "dash"}, hoverinfo="skip"))
    if median is not None and not rows.empty and not np.isnan(median):
        fig.add_trace(go.Scatter(
            x=[rows["period_start"].iloc[0], rows["period_start"].iloc[-1]], y=[median, median],
            mode="lines", name=t("chart.control.median", lang),
            line={"color": PALETTE[4], "width": 2, "dash": "dashdot"}, hoverinfo="skip"))
    _add_limits(fig, rows, lower, upper, trial, lang)
    # a hidden point is never marked: its diamond would give its value away
    marked = [i for i in flagged if 0 <= i < len(rows) and y[i] is not None]
    if marked:
        fig.add_trace(go.Scatter(
            x=rows["period_start"].iloc[marked], y=[y[i] for i in marked], mode="markers",
            name=t("chart.control.flagged", lang),
            marker={"symbol": "diamond-open", "size": 16, "color": PALETTE[2],
                    "line": {"width": 2.5}}, hoverinfo="skip"))
    add_event_lines(fig, events)
    line_labels: list[tuple[float, str, str]] = []
    if centre is not None and not rows.empty:
        line_labels.append((centre, t("chart.control.centre", lang), PALETTE[1]))
    if median is not None and not rows.empty and not np.isnan(median):
        line_labels.append((median, t("chart_a11y.label.median", lang), PALETTE[4]))
    drawn = [v for v in y if v is not None]
    for bound, key in ((lower, "lower"), (upper, "upper")):
        shown = [float(v) for v in (bound if bound is not None else []) if not pd.isna(v)]
        if shown:  # the limit where the line ends: its last defined step
            line_labels.append((shown[-1], t(f"chart_a11y.label.{key}", lang), PALETTE[2]))
            drawn += shown
    right = _add_line_labels(fig, line_labels, drawn)
    _small_chart_layout(fig, rows, indicator, unit_label(indicator.unit, lang), lang,
                        top=40 if trial else 20, right=right)
    return fig


def _period_cells(cells: pd.DataFrame, codes: Sequence[str]) -> tuple[float | None,
                                                                      dict[str, float | None]]:
    """A period's total and its groups' counts; None marks a hidden (or missing) cell."""
    by_group = {g: (None if not _shown(v, bool(h)) else float(v))
                for g, v, h in zip(cells["grp"], cells["value"], cells["suppressed"], strict=True)}
    return by_group.get("total"), {code: by_group.get(code) for code in codes}


def _stack_text(name: str, count: float, total: float, share: bool, lang: str) -> str:
    n = format_number(count, 0, lang)
    pct = format_number(100.0 * count / total if total else float("nan"), 0, lang)
    key = "chart.stack.share_hover" if share else "chart.stack.count_hover"
    return t(key, lang, group=name, n=n, share=pct)


@dataclass
class _Stack:
    """Bar heights and hover texts per trace (group codes, then HIDDEN_KEY), one item per period."""

    x: list[object]
    labels: list[str]
    heights: dict[str, list[float | None]]
    texts: dict[str, list[str]]
    blank: list[object]  # periods drawn without a bar (hidden)


HIDDEN_KEY = "_hidden"


def _stack_columns(frame: pd.DataFrame, indicator: Indicator, groups: list[tuple[str, str]],
                   share: bool, lang: str) -> _Stack:
    codes = [code for code, _ in groups]
    periods = (frame[["period", "period_start"]].drop_duplicates("period")
               .sort_values("period_start"))
    keys = [*codes, HIDDEN_KEY]
    stack = _Stack(list(periods["period_start"]), [], {k: [] for k in keys},
                   {k: [] for k in keys}, [])
    additive = indicator.groups_sum_to_total  # else total − visible is no hidden sum
    for period, start in zip(periods["period"], periods["period_start"], strict=True):
        total, counts = _period_cells(frame[frame["period"] == period], codes)
        hidden = [c for c in codes if counts[c] is None]
        stack.labels.append(format_period(period, lang))
        cells: dict[str, tuple[float, str] | None] = dict.fromkeys(keys)
        if total is None or (additive and len(hidden) == 1):
            stack.blank.append(start)
        else:
            scale = 100.0 / total if share and total else 1.0
            for code, name in groups:
                count = counts[code]
                if count is not None:
                    cells[code] = (count * scale, _stack_text(name, count, total, share, lang))
            if hidden and additive:
                rest = total - sum(counts[c] for c in codes if counts[c] is not None)
                text = _stack_text(t("chart.stack.hidden_sum", lang), rest, total, share, lang)
                cells[HIDDEN_KEY] = (rest * scale, t("chart.stack.hidden_hover", lang,
                                                     categories=len(hidden), text=text))
        for key, cell in cells.items():
            stack.heights[key].append(None if cell is None else cell[0])
            stack.texts[key].append("" if cell is None else cell[1])
    return stack


def _bar(stack: _Stack, key: str, name: str, marker: dict[str, object], area: str) -> go.Bar:
    return go.Bar(x=stack.x, y=stack.heights[key], name=name, marker=marker,
                  customdata=list(zip(stack.labels, stack.texts[key], strict=True)),
                  hovertemplate=(f"<b>{area}</b><br>%{{customdata[0]}}<br>%{{customdata[1]}}"
                                 "<extra></extra>"))


def stacked_bars_figure(frame: pd.DataFrame, indicator: Indicator, area_name: str, *,
                        groups: list[tuple[str, str]], share: bool = False,
                        events: Sequence[tuple[object, str]] = (),
                        lang: str = "fi") -> go.Figure:
    """One area's grouped counts per period as stacked bars (counts, or % of the period total).

    Hidden group cells are shown only as one grey segment of their combined count (the period
    total minus the visible groups: public figures). When the total is hidden, or when only one
    group is hidden (the remainder would be that group's own count), the period gets no bar but
    a "hidden" note; disclosure control should never leave a lone hidden group beside a visible
    total.
    """
    stack = _stack_columns(frame, indicator, groups, share, lang)
    fig = go.Figure([_bar(stack, code, name, _outlined_marker(i), area_name)
                     for i, (code, name) in enumerate(groups)])
    if any(h is not None for h in stack.heights[HIDDEN_KEY]):
        fig.add_trace(_bar(stack, HIDDEN_KEY, t("chart.stack.hidden_sum", lang),
                           {"color": HIDDEN_FILL, "line": OUTLINE,
                            "pattern": {"shape": HIDDEN_PATTERN, "fillmode": "overlay",
                                        "fgcolor": "#595959", "solidity": 0.3}},
                           area_name))
    for start in stack.blank:
        fig.add_annotation(x=start, y=0, yanchor="bottom", showarrow=False,
                           text=t("chart.stack.hidden_period", lang),
                           font={"size": 11, "color": "#1a1a1a"})
    add_event_lines(fig, events)
    y_title = t("chart.stack.share_axis", lang) if share else unit_label(indicator.unit, lang)
    _small_chart_layout(fig, frame, indicator, y_title, lang, height=420, bottom=130,
                        footer_y=-0.42)
    fig.update_layout(barmode="stack", bargap=0.25)
    return fig
