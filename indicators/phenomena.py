"""Phenomenon work: run-chart verdicts on the points after the first action began.

One rule set everywhere (DESIGN.md, Anhøj): the median is frozen on the points before the first
started action and the rules are applied to the points after it; fewer than 10 points is "too few
to judge", never "normal variation". Hidden (suppressed) cells are gaps, not points.

The funnel plot of municipalities also has its table and its result in words here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from indicators.config import Indicator, Phenomenon
from indicators.formatting import MISSING_MARK, SUPPRESSED_MARK, format_number, unit_label
from indicators.i18n import t
from indicators.periods import period_end, period_start
from indicators.stats import RunChartResult, funnel_limits, run_chart

MIN_POINTS = 10


@dataclass(frozen=True)
class Verdict:
    code: str  # improvement | worsening | change_up | change_down | no_signal | too_few_points |
    # no_data
    rules: tuple[str, ...]  # long_run | few_crossings | astronomical
    baseline_count: int
    after_count: int
    result: RunChartResult | None


def chart_level(indicator: Indicator) -> str:
    """The period level a run chart uses: the finest one the indicator has."""
    return {"month": "month", "term": "term", "quarter": "quarter"}.get(indicator.period_type,
                                                                       "year")


def verdict_for(frame: pd.DataFrame, indicator: Indicator, action_start: date | None) -> Verdict:
    """Verdict for one area's series (`period_start`, `value`; hidden cells have NaN values)."""
    rows = frame.sort_values("period_start")
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return Verdict("no_data", (), 0, 0, None)
    rows = after_last_break(rows, indicator)
    # the baseline is the periods that ended before the first action began; the period in which
    # it began already counts as "after"
    ends = [period_end(p) for p in rows["period"]]
    baseline = sum(end < action_start for end in ends) if action_start else len(rows)
    after = len(rows) - baseline
    if action_start is None or baseline < MIN_POINTS or after < MIN_POINTS:
        return Verdict("too_few_points", (), baseline, after, None)
    values = rows["value"].to_numpy(dtype=float)
    result = run_chart(values.tolist(), baseline_count=baseline, min_points=MIN_POINTS)
    if result.verdict == "too_few_points":
        return Verdict("too_few_points", (), baseline, after, result)
    if result.verdict != "signal":
        return Verdict("no_signal", (), baseline, after, result)
    rules = tuple(name for name, hit in (("long_run", result.signal_long_run),
                                         ("few_crossings", result.signal_few_crossings),
                                         ("astronomical", result.signal_astronomical)) if hit)
    side = result.shift_direction
    if side is None and result.signal_astronomical:  # the side the flagged points lie on
        flagged = {"below" if values[i] < result.median else "above"
                   for i in result.astronomical_indices if values[i] != result.median}
        side = flagged.pop() if len(flagged) == 1 else None
    if side is None and not result.signal_astronomical:  # too few crossings: later points
        after_median = float(np.median(values[baseline:]))
        if after_median != result.median:
            side = "below" if after_median < result.median else "above"
    if side is None:
        return Verdict("signal_unclear", rules, baseline, after, result)
    if indicator.direction == "neutral":
        code = "change_down" if side == "below" else "change_up"
    else:
        good = (side == "below") == (indicator.direction == "down_is_good")
        code = "improvement" if good else "worsening"
    return Verdict(code, rules, baseline, after, result)


def after_last_break(rows: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The rows from the last series break inside them on: points of two definitions are never
    judged against one median."""
    if not indicator.breaks or rows.empty:
        return rows
    starts = pd.to_datetime(rows["period_start"])
    inside = [pd.Timestamp(period_start(b.period)) for b in indicator.breaks]
    inside = [x for x in inside if starts.min() < x <= starts.max()]
    if not inside:
        return rows
    return rows.loc[(starts >= max(inside)).to_numpy()]


def chart_marks(verdict: Verdict) -> tuple[float | None, list[int] | None]:
    """What a run chart draws of its verdict: the frozen median (none when there are too few
    points to judge) and the points the astronomical rule flagged."""
    result = verdict.result
    median = result.median if result is not None and verdict.code != "too_few_points" else None
    highlight = result.astronomical_indices if result is not None else None
    return median, highlight


def action_lines(phenomenon: Phenomenon, lang: str = "fi") -> list[tuple[pd.Timestamp, str]]:
    """The actions that have started, as (start, label) lines on the run charts."""
    return [(pd.Timestamp(a.start), t("phenomenon.action_line", lang, name=a.name.get(lang)))
            for a in phenomenon.actions if a.status != "planned"]


VERDICT_SYMBOLS = {"improvement": "✓", "worsening": "⚠", "change_up": "↑", "change_down": "↓",
                   "signal_unclear": "!", "no_signal": "–", "too_few_points": "?",
                   "no_data": "?"}


def acting_and_comparison(phenomenon: Phenomenon) -> list[tuple[str, str]]:
    """(area code, role) for the areas that act and the comparison areas."""
    return ([(code, "acting") for code in phenomenon.areas]
            + [(code, "comparison") for code in phenomenon.comparison_areas])


def rule_text(verdict: Verdict, lang: str = "fi") -> str:
    """Which rule gave the verdict, in words with its numbers ("pisin putki 9, raja 7")."""
    result = verdict.result
    if verdict.code in ("too_few_points", "no_data") or result is None:
        return t("phenomenon.rule.few", lang, before=verdict.baseline_count,
                 after=verdict.after_count, needed=MIN_POINTS)
    if not verdict.rules:
        return t("phenomenon.rule.none", lang, after=verdict.after_count)
    texts = {"long_run": t("phenomenon.rule.long_run", lang, run=result.longest_run,
                           limit=result.longest_run_limit),
             "few_crossings": t("phenomenon.rule.few_crossings", lang,
                                crossings=result.crossings, limit=result.crossings_limit),
             "astronomical": t("phenomenon.rule.astronomical", lang)}
    return "; ".join(texts[r] for r in verdict.rules)


# ---------------------------------------------------------------- the funnel plot as a table

FUNNEL_POSITIONS = ("above_998", "above_95", "inside", "below_95", "below_998")


def funnel_positions(points: pd.DataFrame, indicator: Indicator, target: float) -> pd.DataFrame:
    """Where each municipality of a funnel plot lies: its value, denominator, the 95 % and
    99.8 % limits at its own denominator, and `position` (one of FUNNEL_POSITIONS; `hidden` for
    a suppressed cell, `missing` where no figure or limit exists).

    `points` is the funnel's public frame (`queries.funnel_points`). A hidden row keeps no
    number, even if the frame carried one, so its limits (which would give its denominator
    away) are not computed either.
    """
    hidden = points["suppressed"].astype(bool).to_numpy()
    value = points["value"].to_numpy(dtype=float).copy()
    denominator = points["denominator"].to_numpy(dtype=float).copy()
    value[hidden] = np.nan
    denominator[hidden] = np.nan
    out = pd.DataFrame({"area_code": points["area_code"].to_numpy(), "value": value,
                        "denominator": denominator})
    for confidence, suffix in ((0.95, "95"), (0.998, "998")):
        low, high = funnel_limits(indicator.kind, target, denominator, indicator.scale,
                                  confidence)
        out[f"low_{suffix}"], out[f"high_{suffix}"] = low, high
    positions = []
    for row, secret in zip(out.itertuples(index=False), hidden, strict=True):
        if secret:
            positions.append("hidden")
        elif np.isnan(row.value) or np.isnan(row.low_95) or np.isnan(row.high_95):
            positions.append("missing")
        elif row.value > row.high_998:
            positions.append("above_998")
        elif row.value > row.high_95:
            positions.append("above_95")
        elif row.value < row.low_998:
            positions.append("below_998")
        elif row.value < row.low_95:
            positions.append("below_95")
        else:
            positions.append("inside")
    return out.assign(position=positions)


def _funnel_cell(value: float, decimals: int, position: str, lang: str) -> str:
    return SUPPRESSED_MARK if position == "hidden" else format_number(value, decimals, lang)


def funnel_table(positions: pd.DataFrame, indicator: Indicator, names: Mapping[str, str],
                 lang: str = "fi") -> pd.DataFrame:
    """The funnel plot as a table, municipalities in alphabetical order: denominator, value,
    both pairs of limits and the position in words; `..` in every cell of a hidden figure."""
    rows = positions.assign(name=[names.get(c, c) for c in positions["area_code"]])
    rows = rows.sort_values("name", key=lambda s: s.str.casefold(), kind="stable")
    decimals = indicator.decimals
    columns = {
        t("chart_a11y.funnel.col.municipality", lang): list(rows["name"]),
        t("table.denominator", lang): [_funnel_cell(d, 0, p, lang) for d, p in
                                       zip(rows["denominator"], rows["position"], strict=True)],
        t("table.value", lang) + f" ({unit_label(indicator.unit, lang)})": [
            _funnel_cell(v, decimals, p, lang)
            for v, p in zip(rows["value"], rows["position"], strict=True)],
    }
    for column in ("low_95", "high_95", "low_998", "high_998"):
        columns[t(f"chart_a11y.funnel.col.{column}", lang)] = [
            _funnel_cell(v, decimals, p, lang)
            for v, p in zip(rows[column], rows["position"], strict=True)]
    columns[t("chart_a11y.funnel.col.position", lang)] = [
        SUPPRESSED_MARK if p == "hidden" else MISSING_MARK if p == "missing"
        else t(f"chart_a11y.funnel.position.{p}", lang) for p in rows["position"]]
    return pd.DataFrame(columns)


def funnel_summary(positions: pd.DataFrame, names: Mapping[str, str], lang: str = "fi") -> str:
    """The funnel plot's result in one sentence: the municipalities outside the 95 % limits (and
    which limit they cross), or that none is. Hidden figures are never judged."""
    judged = positions[positions["position"].isin(FUNNEL_POSITIONS)]
    if judged.empty:
        return t("chart_a11y.funnel.none_shown", lang)
    outside = judged[judged["position"] != "inside"]
    if outside.empty:
        return t("chart_a11y.funnel.none_outside", lang)
    items = sorted((names.get(code, code), position) for code, position in
                   zip(outside["area_code"], outside["position"], strict=True))
    text = ", ".join(t("chart_a11y.funnel.item", lang, area=name,
                       position=t(f"chart_a11y.funnel.position.{position}", lang))
                     for name, position in items)
    return t("chart_a11y.funnel.outside", lang, items=text)


def funnel_level(indicator: Indicator) -> str:
    """The period level a funnel plot compares: years where the indicator adds up to years,
    else its run chart's level."""
    return "year" if indicator.period_aggregation != "none" else chart_level(indicator)


@dataclass(frozen=True)
class FunnelView:
    """One indicator's funnel plot, all but the figure: its public points, period and target
    value, the result in words, how many figures are hidden, and the table. None of it depends
    on the municipality the figure marks."""

    points: pd.DataFrame
    period: str
    target: float
    summary: str
    hidden: int
    table: pd.DataFrame


def funnel_view(points: pd.DataFrame, period: str | None, target: float, indicator: Indicator,
                names: Mapping[str, str], lang: str = "fi") -> FunnelView | None:
    """The funnel's words and table from `queries.funnel_points`' result (None: no period)."""
    if period is None:
        return None
    positions = funnel_positions(points, indicator, target)
    return FunnelView(points, period, target, funnel_summary(positions, names, lang),
                      int(points["suppressed"].sum()),
                      funnel_table(positions, indicator, names, lang))
