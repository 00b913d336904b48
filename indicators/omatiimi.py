"""Omatiimi: lead-time percentiles from binned counts, control charts with their signals in plain
words, the quarter cards, and the rollout drawn on the charts.

Everything here works on public figures only (frames from `queries`, where hidden cells carry no
numbers), so nothing it derives can reveal a hidden cell: a percentile is given only where the
visible cells determine it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from indicators.config import Config, Indicator, RolloutEvent
from indicators.formatting import (
    MISSING_MARK,
    SUPPRESSED_MARK,
    format_date,
    format_number,
    format_period,
    unit_label,
)
from indicators.i18n import t
from indicators.periods import period_end, period_start
from indicators.queries import (
    Latest,
    Reader,
    comparison_period,
    group_cells,
    latest_of,
    latest_period,
    series,
)
from indicators.stats import (
    RunChartResult,
    p_chart_limits,
    run_chart,
    trial_limits,
    u_chart_limits,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

THEME = "omatiimi"
LEAD_TIME = "omatiimi_days_to_first_meeting"
PARTICIPANTS = "omatiimi_participants"
LEAD_TIME_MEDIAN = "lead_time_median"  # a card derived from the lead-time bins

# Lead-time classes of whole days, with their true class limits (0–7 days is -0.5..7.5), so an
# interpolated percentile always lies inside its class; the last class is open. Percentiles
# interpolate linearly inside a class (grouped-data formula).
LEAD_TIME_BINS: tuple[tuple[str, float, float | None], ...] = (
    ("d0_7", -0.5, 7.5), ("d8_14", 7.5, 14.5), ("d15_21", 14.5, 21.5), ("d22_28", 21.5, 28.5),
    ("d29_42", 28.5, 42.5), ("d43_plus", 42.5, None),
)

# The count behind each figure ("feedback volume"): which public column holds it, and its noun.
VOLUME: dict[str, tuple[str, str]] = {
    "omatiimi_wednesday_slot": ("denominator", "networks"),
    "omatiimi_coordinator_named": ("denominator", "networks"),
    "omatiimi_feedback_response_rate": ("numerator", "responses"),
    "omatiimi_srs_mean": ("denominator", "responses"),
    "omatiimi_srs_under_36": ("denominator", "responses"),
    "omatiimi_felt_helped": ("denominator", "responses"),
    "omatiimi_ors_change": ("denominator", "families"),
    "omatiimi_ors_reliable_improvement": ("denominator", "families"),
}

CARD_INDICATORS = ("omatiimi_convened", LEAD_TIME_MEDIAN, "omatiimi_wednesday_slot",
                   "omatiimi_feedback_response_rate", "omatiimi_srs_mean",
                   "omatiimi_felt_helped")
#: The trend the Omatiimi page opens on (the families' own view of whether it helped).
DEFAULT_TREND = "omatiimi_felt_helped"
RUN_RULE_POINTS = 10  # Anhøj's rules need about ten points (DESIGN.md)


# --------------------------------------------------------------------------------------------
# which indicators the page shows


def trend_indicators(config: Config) -> list[Indicator]:
    """Omatiimi indicators with one figure per month (the grouped ones have their own charts)."""
    return [i for i in config.indicators.values() if THEME in i.themes and not i.groups]


def with_volume(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """`frame` plus a `volume` column: the responses, networks or families behind each figure
    (NaN for hidden cells, whose numbers the public frame does not hold)."""
    column = VOLUME.get(indicator.id, (None, ""))[0]
    volume = frame[column] if column else pd.Series(np.nan, index=frame.index)
    return frame.assign(volume=volume.where(~frame["suppressed"].astype(bool)))


def volume_noun(indicator: Indicator) -> str | None:
    noun = VOLUME.get(indicator.id)
    return noun[1] if noun else None


def shown_area(config: Config, code: str | None) -> str:
    """The area the Omatiimi page shows for a chosen one: Omatiimi figures exist per region, so a
    municipality shows its region, and the country (or nothing) shows the county."""
    return config.region_or_county(code)


# --------------------------------------------------------------------------------------------
# lead time: median and 75th percentile from the binned counts


@dataclass(frozen=True)
class Percentile:
    """A percentile of days from form to first meeting.

    `status`: 'ok' (days interpolated inside `bin_code`), 'open' (in the open last class: more
    than 42 days, no number), 'hidden' (hidden classes make it undetermined from the public
    figures), 'too_few' (fewer than min_n networks, or the total is hidden), 'no_data'.
    """

    q: float
    days: float
    bin_code: str | None
    status: str


def _known_cumulative(counts: Sequence[float | None], total: float) -> list[float | None]:
    """Cumulative counts at the upper edge of each class, where the public figures determine
    them: with hidden classes (None) only their sum (total − visible) is known, so an edge is
    known when every hidden class lies on one side of it."""
    hidden = [i for i, c in enumerate(counts) if c is None]
    hidden_sum = total - sum(c for c in counts if c is not None)
    out: list[float | None] = []
    running = 0.0
    for k, count in enumerate(counts):
        running += count or 0.0
        before = [i for i in hidden if i <= k]
        if not before:
            out.append(running)
        elif len(before) == len(hidden):
            out.append(running + hidden_sum)
        else:
            out.append(None)
    return out


def percentile_from_bins(counts: Sequence[float | None], total: float | None, q: float, *,
                         min_n: int = 5) -> Percentile:
    """The q-th quantile (0 < q < 1) of lead time from public class counts (None = hidden).

    Grouped-data interpolation: L + (q·n − C_before) / f · width, where C_before and f must both
    be determined by the visible figures; otherwise the percentile is 'hidden' (never guessed).
    """
    if total is None or (isinstance(total, float) and math.isnan(total)):
        return Percentile(q, math.nan, None, "too_few")
    if total == 0:
        return Percentile(q, math.nan, None, "no_data")
    if total < min_n:
        return Percentile(q, math.nan, None, "too_few")
    cumulative = _known_cumulative(counts, float(total))
    target = q * float(total)
    edges: list[tuple[int, float]] = [(-1, 0.0)]
    edges += [(k, c) for k, c in enumerate(cumulative) if c is not None]
    for (k0, c0), (k1, c1) in zip(edges, edges[1:], strict=False):
        if c0 < target <= c1:
            code, low, high = LEAD_TIME_BINS[k1]
            if k1 != k0 + 1:  # the quantile lies in a span of classes with hidden counts
                return Percentile(q, math.nan, None, "hidden")
            if high is None:
                return Percentile(q, math.nan, code, "open")
            return Percentile(q, low + (target - c0) / (c1 - c0) * (high - low), code, "ok")
    return Percentile(q, math.nan, None, "hidden")


def lead_time_summary(cells: pd.DataFrame, min_n: int = 5) -> pd.DataFrame:
    """Median and 75th percentile per area and period from the public lead-time cells.

    `cells`: rows of the lead-time indicator with `grp` (class codes and 'total'), `value`,
    `suppressed`, `area_code`, `period`, `period_start`. Returns one row per area and period with
    `n` (networks; NaN when hidden), `median_days`, `median_bin`, `median_status`, `p75_days`,
    `p75_bin`, `p75_status`, `hidden_bins`.
    """
    columns = ["area_code", "period", "period_start", "n", "median_days", "median_bin",
               "median_status", "p75_days", "p75_bin", "p75_status", "hidden_bins"]
    rows = []
    codes = [code for code, _, _ in LEAD_TIME_BINS]
    for (area, period), part in cells.groupby(["area_code", "period"], sort=True):
        by_grp = part.set_index("grp")
        total_row = by_grp.loc["total"] if "total" in by_grp.index else None
        total = None
        if total_row is not None and not bool(total_row["suppressed"]):
            total = float(total_row["value"])
        counts: list[float | None] = []
        for code in codes:
            if code not in by_grp.index:
                # a class without a row is unknown, not zero (a month may be missing from the
                # quarter's class sum): treated like a hidden class, so no percentile is guessed
                counts.append(None)
            elif bool(by_grp.loc[code, "suppressed"]):
                counts.append(None)
            else:
                counts.append(float(by_grp.loc[code, "value"]))
        median = percentile_from_bins(counts, total, 0.5, min_n=min_n)
        p75 = percentile_from_bins(counts, total, 0.75, min_n=min_n)
        rows.append({
            "area_code": area, "period": period, "period_start": part["period_start"].iloc[0],
            "n": math.nan if total is None else total,
            "median_days": median.days, "median_bin": median.bin_code,
            "median_status": median.status, "p75_days": p75.days, "p75_bin": p75.bin_code,
            "p75_status": p75.status, "hidden_bins": sum(c is None for c in counts),
        })
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["area_code", "period_start", "period"]).reset_index(drop=True)


def percentile_text(days: float, bin_code: str | None, status: str, lang: str = "fi") -> str:
    """`noin 9 pv (luokka 8–14 pv)`, `yli 42 pv`, or why there is no figure."""
    if status == "ok":
        low, high = next((lo, hi) for c, lo, hi in LEAD_TIME_BINS if c == bin_code)
        return t("omatiimi.lead.days", lang, days=format_number(max(days, 0.0), 0, lang),
                 low=int(low + 0.5), high=int((high or 0) - 0.5))
    if status == "open":
        return t("omatiimi.lead.open", lang, days=int(LEAD_TIME_BINS[-1][1] - 0.5))
    return t(f"omatiimi.lead.{status}", lang)


# --------------------------------------------------------------------------------------------
# control charts


@dataclass(frozen=True)
class ControlChart:
    """A monthly series read as a control chart.

    `chart`: 'p' (proportions: limits from the binomial), 'u' (rates: Poisson) or 'run' (counts
    and means without a known denominator model: the median and Anhøj's rules only). `lower`
    and `upper` are aligned with the frame's rows, on the indicator's scale (NaN for hidden
    rows); `outside` and `astronomical` are row positions; `run` applies Anhøj's rules to the
    visible points.
    """

    chart: str
    centre: float
    lower: np.ndarray | None
    upper: np.ndarray | None
    trial: bool
    n_points: int
    n_hidden: int
    outside: list[int]
    run: RunChartResult
    positions: list[int]  # row positions of the visible points, in time order


def control_chart(frame: pd.DataFrame, indicator: Indicator) -> ControlChart:
    """Control chart of one area's monthly series (rows in time order, hidden cells NaN)."""
    rows = frame.reset_index(drop=True)
    hidden = rows["suppressed"].astype(bool).to_numpy()
    values = rows["value"].to_numpy(dtype="float64")
    visible = ~hidden & np.isfinite(values)
    positions = [int(i) for i in np.flatnonzero(visible)]
    # hidden months stay in place as gaps: runs and moving ranges never bridge them
    run = run_chart(np.where(visible, values, np.nan), min_points=RUN_RULE_POINTS)
    num = rows["numerator"].to_numpy(dtype="float64")
    den = rows["denominator"].to_numpy(dtype="float64")
    has_den = visible & np.isfinite(den) & (den > 0)
    chart = {"proportion": "p", "rate": "u"}.get(indicator.kind, "run")
    if chart != "run" and has_den.sum() >= 2:
        limit_function = p_chart_limits if chart == "p" else u_chart_limits
        centre, low, high = limit_function(np.where(has_den, num, np.nan),
                                           np.where(has_den, den, np.nan))
        scale = indicator.scale
        lower, upper = low * scale, high * scale
        outside = [i for i in positions if has_den[i]
                   and (values[i] > upper[i] + 1e-9 or values[i] < lower[i] - 1e-9)]
        return ControlChart(chart, float(centre[0]) * scale, lower, upper,
                            trial_limits(int(has_den.sum())), len(positions), int(hidden.sum()),
                            outside, run, positions)
    return ControlChart("run", run.median, None, None, False, len(positions), int(hidden.sum()),
                        [], run, positions)


def flagged_rows(chart: ControlChart) -> list[int]:
    """Row positions a rule flagged: beyond the control limits, or astronomical on a run chart."""
    if chart.chart != "run":
        return list(chart.outside)
    return list(chart.run.astronomical_indices)  # already row positions (gaps kept)


def trend_figure(monthly: pd.DataFrame, indicator: Indicator, area_name: str,
                 events: Sequence[tuple[date, str]], lang: str = "fi") -> go.Figure:
    """The monthly control chart of one area as a plotly figure: the centre line (not on a run
    chart, whose median is drawn anyway), the limits, flagged points, rollout events, and the
    volume behind each figure in the hover."""
    from indicators.figures import control_chart_figure

    chart = control_chart(monthly, indicator)
    noun = volume_noun(indicator)
    return control_chart_figure(
        with_volume(monthly, indicator), indicator, area_name,
        centre=None if chart.chart == "run" else chart.centre, median=chart.run.median,
        lower=chart.lower, upper=chart.upper, trial=chart.trial, flagged=flagged_rows(chart),
        events=events, volume_label=t(f"omatiimi.volume_label.{noun}", lang) if noun else None,
        lang=lang)


def _side_word(indicator: Indicator, above: bool, lang: str) -> str:
    if indicator.direction == "neutral":
        return ""
    good = above == (indicator.direction == "up_is_good")
    return " " + t("omatiimi.signal.better" if good else "omatiimi.signal.worse", lang)


def signal_texts(chart: ControlChart, frame: pd.DataFrame, indicator: Indicator,
                 lang: str = "fi") -> list[str]:
    """What the chart's rules found, in plain Finnish, one sentence per finding."""
    rows = frame.reset_index(drop=True)
    unit = unit_label(indicator.unit, lang)
    out: list[str] = []
    for i in flagged_rows(chart):
        value = float(rows.loc[i, "value"])
        period = format_period(str(rows.loc[i, "period"]), lang)
        if chart.chart == "run":
            above = value > chart.run.xmr_centre
            out.append(t("omatiimi.signal.astronomical", lang, period=period,
                         value=format_number(value, indicator.decimals, lang), unit=unit)
                       + _side_word(indicator, above, lang))
            continue
        assert chart.upper is not None and chart.lower is not None
        above = value > chart.upper[i]
        limit = chart.upper[i] if above else chart.lower[i]
        key = "omatiimi.signal.above" if above else "omatiimi.signal.below"
        out.append(t(key, lang, period=period, unit=unit,
                     value=format_number(value, indicator.decimals, lang),
                     limit=format_number(limit, indicator.decimals, lang))
                   + _side_word(indicator, above, lang))
    run = chart.run
    if run.signal_long_run and run.shift_direction:
        side = run.shift_direction
        out.append(t("omatiimi.signal.long_run", lang, run=run.longest_run,
                     limit=run.longest_run_limit or 0,
                     side=t(f"omatiimi.signal.side.{side}", lang))
                   + _side_word(indicator, side == "above", lang))
    elif run.signal_long_run:  # long runs on both sides: a change, direction not one thing
        out.append(t("omatiimi.signal.long_runs_both", lang, limit=run.longest_run_limit or 0))
    if run.signal_few_crossings:
        out.append(t("omatiimi.signal.few_crossings", lang, crossings=run.crossings,
                     limit=run.crossings_limit or 0))
    if run.verdict == "too_few_points":
        out.append(t("omatiimi.signal.too_few", lang, n=chart.n_points, needed=RUN_RULE_POINTS))
    elif not out:
        out.append(t("omatiimi.signal.none", lang))
    if chart.trial and chart.chart != "run":
        out.append(t("omatiimi.signal.trial", lang, n=chart.n_points))
    if chart.n_hidden:
        out.append(t("omatiimi.signal.hidden", lang, n=chart.n_hidden))
    return out


# --------------------------------------------------------------------------------------------
# cards: the latest quarter at a glance


@dataclass(frozen=True)
class Card:
    """One figure of one area for the latest quarter, with its change and the volume behind it."""

    indicator_id: str  # a catalogue id, or LEAD_TIME_MEDIAN
    area_code: str
    period: str | None
    value: float
    suppressed: bool
    compare_period: str | None
    delta: float
    status: str
    volume: float
    volume_noun: str | None
    note: str | None = None  # a reason without a number (e.g. 'hidden', 'open')


def _until(frame: pd.DataFrame, until: date) -> pd.DataFrame:
    """Rows of periods that began by `until` (an empty frame stays a frame with its columns)."""
    if frame.empty:
        return frame
    keep = frame["period_start"].map(lambda d: pd.Timestamp(d).date() <= until).astype(bool)
    return frame.loc[keep]


def latest_quarter(reader: Reader, config: Config) -> str | None:
    """The latest quarter with any Omatiimi figure (a quarter exists only once all its months
    are in)."""
    return latest_period(reader, [i.id for i in trend_indicators(config)], "quarter")


def _partial(period: str | None, indicator: Indicator) -> bool:
    """A period that began before the activity did (2026Q1 holds February and March only)."""
    return bool(period and indicator.first_period
                and period_start(period) < period_start(indicator.first_period))


def _card_from_latest(result: Latest, indicator: Indicator, frame: pd.DataFrame) -> Card:
    if indicator.kind == "count" and _partial(result.compare_period, indicator):
        # a count over fewer months is no baseline: say there is no comparison
        result = Latest(result.area_code, result.period, result.value, result.low, result.high,
                        result.suppressed, None, math.nan, math.nan, "not_assessable")
    row = frame[(frame["area_code"] == result.area_code) & (frame["period"] == result.period)]
    volume = math.nan
    if not row.empty:
        volume = float(with_volume(row, indicator)["volume"].iloc[0])
    return Card(indicator.id, result.area_code, result.period, result.value, result.suppressed,
                result.compare_period, result.delta, result.status, volume,
                volume_noun(indicator))


def _lead_card(summary: pd.DataFrame, area: str, quarter: str) -> Card:
    rows = summary[summary["area_code"] == area].set_index("period")
    if quarter not in rows.index:
        return Card(LEAD_TIME_MEDIAN, area, None, math.nan, False, None, math.nan,
                    "not_assessable", math.nan, "networks", note="no_data")
    now = rows.loc[quarter]
    previous = comparison_period(quarter, set(rows.index), survey=False)
    before = rows.loc[previous] if previous is not None else None
    delta = math.nan
    if before is not None and now["median_status"] == "ok" == before["median_status"]:
        delta = float(now["median_days"] - before["median_days"])
    status = now["median_status"]
    return Card(LEAD_TIME_MEDIAN, area, quarter, float(now["median_days"]),
                status in ("hidden", "too_few"), previous if before is not None else None,
                delta, "not_assessable", float(now["n"]), "networks",
                note=None if status == "ok" else str(status))


def quarter_cards(reader: Reader, config: Config, area_codes: Sequence[str],
                  quarter: str | None = None) -> tuple[str | None, list[Card]]:
    """(quarter, cards): one card per area and `CARD_INDICATORS` entry, area by area, each for
    that quarter only (an area without it gets a card without a period). The quarter is the
    latest one unless given (a review of an earlier quarter compares with the one before it,
    never with later figures)."""
    quarter = quarter or latest_quarter(reader, config)
    if quarter is None:
        return None, []
    until = period_end(quarter)
    cards: dict[tuple[str, str], Card] = {}
    for ind_id in CARD_INDICATORS:
        if ind_id == LEAD_TIME_MEDIAN:
            if LEAD_TIME not in config.indicators:
                continue
            cells = group_cells(reader, config.indicators[LEAD_TIME], area_codes, "quarter")
            cells = _until(cells, until)
            summary = lead_time_summary(cells, config.indicators[LEAD_TIME].min_n)
            for area in area_codes:
                cards[(area, ind_id)] = _lead_card(summary, area, quarter)
            continue
        if ind_id not in config.indicators:
            continue
        indicator = config.indicators[ind_id]
        frame = series(reader, indicator, area_codes, level="quarter")
        frame = _until(frame, until)
        for result in latest_of(frame, indicator, area_codes):
            if result.period != quarter:  # this area has no figure for the quarter (yet)
                cards[(result.area_code, ind_id)] = Card(
                    ind_id, result.area_code, None, math.nan, False, None, math.nan,
                    "not_assessable", math.nan, volume_noun(indicator), note="no_data")
                continue
            cards[(result.area_code, ind_id)] = _card_from_latest(result, indicator, frame)
    return quarter, [cards[(a, i)] for a in area_codes for i in CARD_INDICATORS
                     if (a, i) in cards]


# --------------------------------------------------------------------------------------------
# rollout


def _event_text(event: RolloutEvent, config: Config, lang: str) -> str:
    area = config.areas[event.area]
    return t(f"omatiimi.rollout.event.{event.event}", lang, area=area.short(lang),
             units=event.units or 0)


def rollout_events(config: Config, area_code: str, lang: str = "fi"
                   ) -> list[tuple[date, str]]:
    """Rollout steps to draw on a chart of `area_code`, one line per month (labels joined).

    A region gets its own launch and its municipalities' steps; the county gets the launches and
    the municipalities joining (the training steps are in the rollout table).
    """
    area = config.areas[area_code]
    chosen: list[RolloutEvent] = []
    for event in config.rollout:
        event_area = config.areas[event.area]
        if area.level == "region":
            keep = event.area == area_code or event_area.parent_code == area_code
        elif area.level == "municipality":
            keep = event.area in (area_code, area.parent_code)
        else:
            keep = event.event in ("launch", "municipality_joined")
        if keep:
            chosen.append(event)
    by_month: dict[str, tuple[date, list[str]]] = {}
    for event in chosen:
        month = event.date.strftime("%Y-%m")
        first, texts = by_month.setdefault(month, (event.date, []))
        texts.append(_event_text(event, config, lang))
    return [(first, _joined(texts, lang)) for first, texts in by_month.values()]


def _joined(texts: list[str], lang: str, most: int = 2) -> str:
    """At most `most` steps on one chart label; the rest are counted (the table lists them)."""
    if len(texts) <= most:
        return "; ".join(texts)
    return "; ".join(texts[:most]) + " " + t("omatiimi.rollout.more", lang,
                                             n=len(texts) - most)


def rollout_table(config: Config, lang: str = "fi") -> pd.DataFrame:
    """The rollout as a table people read: date, region, municipality, step, units trained."""
    rows = []
    for event in config.rollout:
        area = config.areas[event.area]
        region = area if area.level == "region" else config.areas[area.parent_code or ""]
        rows.append({
            t("omatiimi.rollout.col.date", lang): format_date(event.date, lang),
            t("omatiimi.rollout.col.region", lang): region.short(lang),
            t("omatiimi.rollout.col.municipality", lang):
                "" if area.level == "region" else area.name(lang),
            t("omatiimi.rollout.col.event", lang): t(f"omatiimi.rollout.kind.{event.event}",
                                                      lang),
            t("omatiimi.rollout.col.units", lang): (
                format_number(event.units, 0, lang) if event.units else ""),
            t("omatiimi.rollout.col.note", lang): event.note.get(lang) if event.note else "",
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# tables behind the charts (what the screen shows and what a download holds)


def lead_card_text(card: Card, lang: str = "fi") -> str:
    """The median lead time of a card in words: days, 'over 42 days', or why there is none."""
    if card.note is None:
        return t("omatiimi.cards.days", lang, days=format_number(card.value, 0, lang))
    if card.period is None:
        return t("omatiimi.cards.no_data", lang)
    return percentile_text(math.nan, None, card.note, lang)


def trend_table(frame: pd.DataFrame, chart: ControlChart, indicator: Indicator,
                lang: str = "fi", *, formatted: bool = True) -> pd.DataFrame:
    """The monthly control chart as a table: period, value, volume, limits and the flag.

    `frame` is the chart's frame with `volume`. Hidden months carry the suppression mark and no
    number. `formatted=False` keeps numbers as numbers (for downloads opened in Excel).
    """
    rows = frame.reset_index(drop=True)
    hidden = rows["suppressed"].astype(bool)
    flagged = set(flagged_rows(chart))

    def shown(values: pd.Series | np.ndarray, decimals: int) -> list[object]:
        out: list[object] = []
        for i, v in enumerate(values):
            if hidden.iloc[i]:
                out.append(SUPPRESSED_MARK)
            elif formatted:
                out.append(format_number(float(v), decimals, lang))
            else:
                out.append(float(v))
        return out

    table = {
        t("table.period", lang): [format_period(p, lang) for p in rows["period"]],
        t("table.value", lang) + f" ({unit_label(indicator.unit, lang)})":
            shown(rows["value"], indicator.decimals),
    }
    noun = volume_noun(indicator)
    if noun:
        table[t("omatiimi.table.volume", lang, noun=t(f"omatiimi.volume_label.{noun}", lang))] = \
            shown(rows["volume"], 0)
    if chart.lower is not None and chart.upper is not None:
        table[t("omatiimi.table.lower", lang)] = shown(chart.lower, indicator.decimals)
        table[t("omatiimi.table.upper", lang)] = shown(chart.upper, indicator.decimals)
    else:
        table[t("omatiimi.table.median", lang)] = shown(np.full(len(rows), chart.centre),
                                                         indicator.decimals)
    table[t("omatiimi.table.signal", lang)] = [
        t("omatiimi.table.flagged", lang) if i in flagged else "" for i in range(len(rows))]
    return pd.DataFrame(table)


def lead_time_table(summary: pd.DataFrame, lang: str = "fi") -> pd.DataFrame:
    """Median and 75th percentile per period in words, with the number of networks."""
    return pd.DataFrame({
        t("omatiimi.lead.col.period", lang): [format_period(p, lang) for p in summary["period"]],
        t("omatiimi.lead.col.n", lang): [SUPPRESSED_MARK if math.isnan(n)
                                         else format_number(n, 0, lang) for n in summary["n"]],
        t("omatiimi.lead.col.median", lang): [
            percentile_text(d, b, s, lang) for d, b, s in
            zip(summary["median_days"], summary["median_bin"], summary["median_status"],
                strict=True)],
        t("omatiimi.lead.col.p75", lang): [
            percentile_text(d, b, s, lang) for d, b, s in
            zip(summary["p75_days"], summary["p75_bin"], summary["p75_status"], strict=True)],
    })


def group_table(cells: pd.DataFrame, indicator: Indicator, lang: str = "fi") -> pd.DataFrame:
    """Counts per period (rows) and group (columns), the total last; hidden cells marked."""
    codes = [g.code for g in indicator.groups] + ["total"]
    names = [indicator.group_name(c, lang) or t("omatiimi.table.total", lang) for c in codes]
    out: dict[str, list[str]] = {t("table.period", lang): []}
    for name in names:
        out[name] = []
    for period, part in cells.groupby("period", sort=False):
        by_grp = part.set_index("grp")
        out[t("table.period", lang)].append(format_period(str(period), lang))
        for code, name in zip(codes, names, strict=True):
            if code not in by_grp.index:
                out[name].append(MISSING_MARK)
            elif bool(by_grp.loc[code, "suppressed"]):
                out[name].append(SUPPRESSED_MARK)
            else:
                out[name].append(format_number(float(by_grp.loc[code, "value"]), 0, lang))
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# regions side by side: the comparison chart as a table and in words


def compare_table(frame: pd.DataFrame, indicator: Indicator, area_names: Mapping[str, str],
                  lang: str = "fi") -> pd.DataFrame:
    """The regions-side-by-side chart as a table: one row per area (in `area_names` order) and
    period, with the value, its 95 % interval and the volume behind it (responses, networks or
    families, where the indicator has one). `frame` is the chart's frame (`with_volume`); a
    hidden cell shows `..` in every figure and never a number."""
    noun = volume_noun(indicator)
    order = {code: i for i, code in enumerate(area_names)}
    rows = frame[frame["area_code"].isin(order)]
    rows = rows.assign(_order=rows["area_code"].map(order)).sort_values(
        ["_order", "period_start"], kind="stable")
    decimals = indicator.decimals
    hidden = rows["suppressed"].astype(bool).to_numpy()

    def numbers(values: Sequence[float], places: int) -> list[str]:
        return [SUPPRESSED_MARK if secret else format_number(v, places, lang)
                for v, secret in zip(values, hidden, strict=True)]

    intervals = [
        SUPPRESSED_MARK if secret else MISSING_MARK if pd.isna(low) or pd.isna(high)
        else f"{format_number(low, decimals, lang)}–{format_number(high, decimals, lang)}"
        for low, high, secret in zip(rows["low"], rows["high"], hidden, strict=True)]
    table = {
        t("table.area", lang): [area_names[c] for c in rows["area_code"]],
        t("table.period", lang): [format_period(str(p), lang) for p in rows["period"]],
        t("table.value", lang) + f" ({unit_label(indicator.unit, lang)})":
            numbers(list(rows["value"]), decimals),
        t("chart_a11y.compare.col.interval", lang): intervals,
    }
    if noun:
        volume = list(rows["volume"]) if "volume" in rows.columns else [math.nan] * len(rows)
        table[t("omatiimi.table.volume", lang, noun=t(f"omatiimi.volume_label.{noun}", lang))] = \
            numbers(volume, 0)
    return pd.DataFrame(table)


def compare_summary(frame: pd.DataFrame, indicator: Indicator, area_names: Mapping[str, str],
                    lang: str = "fi") -> str:
    """The comparison chart in one sentence: each area's figure in the latest period that has a
    visible figure, with its interval; a hidden figure is said to be hidden, with no number."""
    rows = frame[frame["area_code"].isin(list(area_names))]
    visible = rows[~rows["suppressed"].astype(bool) & rows["value"].notna()]
    if visible.empty:
        return t("chart_a11y.compare.none", lang)
    period = str(visible.sort_values("period_start")["period"].iloc[-1])
    latest = rows[rows["period"] == period].set_index("area_code")
    unit = unit_label(indicator.unit, lang)
    items = []
    for code, name in area_names.items():
        if code not in latest.index:
            items.append(t("chart_a11y.compare.item_missing", lang, area=name))
            continue
        row = latest.loc[code]
        if bool(row["suppressed"]):
            items.append(t("chart_a11y.compare.item_hidden", lang, area=name))
        elif pd.isna(row["value"]):
            items.append(t("chart_a11y.compare.item_missing", lang, area=name))
        elif pd.isna(row["low"]) or pd.isna(row["high"]):
            items.append(t("chart_a11y.compare.item", lang, area=name, unit=unit,
                           value=format_number(row["value"], indicator.decimals, lang)))
        else:
            items.append(t("chart_a11y.compare.item_interval", lang, area=name, unit=unit,
                           value=format_number(row["value"], indicator.decimals, lang),
                           low=format_number(row["low"], indicator.decimals, lang),
                           high=format_number(row["high"], indicator.decimals, lang)))
    return t("chart_a11y.compare.summary", lang, period=format_period(period, lang),
             items="; ".join(items))


# --------------------------------------------------------------------------------------------
# the page's sections, ready to show (cached as they are by the app)


@dataclass(frozen=True)
class TrendView:
    """The monthly trend of one indicator in one area: the chart's kind ('p', 'u' or 'run'),
    its signals in words, the table on the page and the same table with numbers as numbers, as
    the CSV download for Excel."""

    chart: str
    signals: tuple[str, ...]
    table: pd.DataFrame
    download: bytes


def trend_view(monthly: pd.DataFrame, indicator: Indicator, lang: str = "fi") -> TrendView:
    """`monthly`: one area's monthly series (`queries.series`, rows in time order)."""
    from indicators.downloads import to_excel_csv

    chart = control_chart(monthly, indicator)
    frame = with_volume(monthly, indicator)
    return TrendView(chart.chart, tuple(signal_texts(chart, monthly, indicator, lang)),
                     trend_table(frame, chart, indicator, lang),
                     to_excel_csv(trend_table(frame, chart, indicator, lang, formatted=False),
                                  lang))


@dataclass(frozen=True)
class GroupView:
    """Grouped counts of one area (lead-time classes, participants): the lead time's median and
    75th percentile per period (lead time only), and the counts table."""

    lead: pd.DataFrame | None
    table: pd.DataFrame


def group_view(cells: pd.DataFrame, indicator: Indicator, lang: str = "fi") -> GroupView:
    """`cells`: the indicator's group cells of one area (`queries.group_cells`)."""
    lead = lead_time_table(lead_time_summary(cells, indicator.min_n), lang) \
        if indicator.id == LEAD_TIME else None
    return GroupView(lead, group_table(cells, indicator, lang))


@dataclass(frozen=True)
class CompareView:
    """Areas side by side: the comparison in one sentence, the areas whose every figure is
    hidden (names), and the table."""

    summary: str
    all_hidden: tuple[str, ...]
    table: pd.DataFrame


def compare_view(frame: pd.DataFrame, indicator: Indicator, area_names: Mapping[str, str],
                 lang: str = "fi") -> CompareView:
    """`frame`: the comparison chart's frame (`with_volume` of the areas' series)."""
    visible = frame[~frame["suppressed"].astype(bool)]
    all_hidden = tuple(name for code, name in area_names.items()
                       if not (visible["area_code"] == code).any())
    return CompareView(compare_summary(frame, indicator, area_names, lang), all_hidden,
                       compare_table(frame, indicator, area_names, lang))
