"""Phenomenon work: run-chart verdicts on the points after the first action began.

One rule set everywhere (DESIGN.md, Anhøj): the median is frozen on the points before the first
started action and the rules are applied to the points after it; fewer than 10 points is "too few
to judge", never "normal variation". Hidden (suppressed) cells are gaps, not points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from indicators.config import Indicator, Phenomenon
from indicators.i18n import t
from indicators.periods import period_end, period_start
from indicators.stats import RunChartResult, run_chart

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
