"""Key results against the store: baseline, latest, target, score, status and forecast.

One function, `evaluate`, computes everything the goals page, the CLI and exports show, from the
public figures only (a hidden cell is a hidden figure here too: its key result is "not
assessable", never scored from an unsuppressed number). The arithmetic lives in
`indicators.progress`; the words in `goal_texts`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators import progress
from indicators.config import Action, Config, Indicator, Phenomenon
from indicators.goal_config import KeyResult, Objective, key_result_area, within
from indicators.omatiimi import lead_time_summary
from indicators.periods import period_end, period_level
from indicators.progress import Forecast
from indicators.queries import Reader, group_cells, series


@dataclass(frozen=True)
class Point:
    """One figure of a key result: a period (or, for actions, a date) and its value."""

    label: str  # period notation, or an ISO date for action counts
    when: date  # the period's last day, or the count's date
    value: float  # NaN when hidden or not computable
    low: float = math.nan
    high: float = math.nan
    suppressed: bool = False


@dataclass(frozen=True)
class KeyResultProgress:
    objective_id: str
    key_result_id: str
    source: str  # 'indicator' | 'median_days' | 'action'
    area_code: str | None  # None: an action key result over all the action's areas
    area_codes: tuple[str, ...]
    indicator_id: str | None
    phenomenon_id: str | None
    action_id: str | None
    level: str  # period level, or 'date' for actions
    decimals: int
    upward: bool  # is the target above the baseline?
    commitment: str
    baseline: Point | None
    baseline_declared: bool
    latest: Point | None
    target: Point
    milestones: tuple[Point, ...]
    series: tuple[Point, ...]
    score: float
    expected: float
    ratio: float
    status: str
    reason: str  # why the status: a key of goal_texts' reasons
    noise: str  # progress.Noise, or 'not_applicable' (counted actions)
    forecast: Forecast | None
    forecast_points: int
    next_period: str | None  # when the next value comes, for yearly and biennial figures
    suppressed: bool  # the baseline or the latest figure is hidden


#: Without a usable baseline there is nothing to forecast progress from.
NO_FORECAST_REASONS = ("no_data", "baseline_missing", "baseline_hidden", "target_equals_baseline",
                       "series_break")


def shown_value(value: float, decimals: int) -> float:
    """`value` rounded exactly as the page prints it (see `progress.shown`)."""
    return progress.shown(value, decimals)


def _point_from_row(row: pd.Series) -> Point:
    hidden = bool(row["suppressed"])
    return Point(str(row["period"]), period_end(str(row["period"])),
                 math.nan if hidden else float(row["value"]),
                 math.nan if hidden else float(row["low"]),
                 math.nan if hidden else float(row["high"]), hidden)


def _indicator_points(reader: Reader, config: Config, kr: KeyResult, area: str) -> list[Point]:
    indicator = config.indicators[kr.indicator or ""]
    level = kr.level
    if kr.measure == "median_days":
        cells = group_cells(reader, indicator, [area], level)
        summary = lead_time_summary(cells, indicator.min_n)
        out = []
        for _, row in summary.iterrows():
            hidden = row["median_status"] in ("hidden", "too_few")
            value = float(row["median_days"]) if row["median_status"] == "ok" else math.nan
            out.append(Point(str(row["period"]), period_end(str(row["period"])), value,
                             suppressed=hidden))
        return out
    frame = series(reader, indicator, [area], sex=kr.sex, grp=kr.group, level=level)
    return [_point_from_row(row) for _, row in frame.iterrows()]


def find_action(config: Config, kr: KeyResult) -> tuple[Phenomenon, Action]:
    assert kr.action is not None
    phenomenon = next(p for p in config.phenomena if p.id == kr.action.phenomenon)
    return phenomenon, next(a for a in phenomenon.actions if a.id == kr.action.action)


def good_direction(kr: KeyResult, indicator: Indicator | None) -> str | None:
    """'up' or 'down' when the figure has a better direction (days to a meeting: down), else
    None (a neutral indicator, an action count: the target alone says which way)."""
    if kr.measure == "median_days":
        return "down"
    if indicator is None or indicator.direction == "neutral":
        return None
    return "down" if indicator.direction == "down_is_good" else "up"


def _upward(kr: KeyResult, baseline: float | None, indicator: Indicator | None) -> bool:
    good = good_direction(kr, indicator)
    if good is not None:
        return good == "up"
    if baseline is not None and not math.isnan(baseline) and baseline != kr.target.value:
        return kr.target.value > baseline
    return True


def meets(value: float, target: float, upward: bool) -> bool:
    return value >= target if upward else value <= target


def same_season(points: list[Point], baseline_period: str) -> list[Point]:
    """Terms are compared like with like: spring with spring, autumn with autumn (absences
    differ systematically between them, so a spring figure after an autumn baseline would pass
    for progress)."""
    if period_level(baseline_period) != "term":
        return points
    return [p for p in points if p.label[-2:] == baseline_period[-2:]]


def _clipped(forecast: Forecast | None, indicator: Indicator) -> Forecast | None:
    """A straight line knows no bounds; shares stay within 0–100 and counts, rates and
    (unsigned) means at or above zero."""
    if forecast is None:
        return None
    low_bound = -math.inf if indicator.signed else 0.0
    high_bound = 100.0 if indicator.unit == "percent" else math.inf

    def clip(v: float) -> float:
        return min(high_bound, max(low_bound, v))

    return Forecast(clip(forecast.value), clip(forecast.low), clip(forecast.high),
                    forecast.slope_per_year, forecast.points, forecast.reach)


def next_period(indicator: Indicator, latest: str | None) -> str | None:
    """When the next value of a yearly or biennial (school survey) figure comes."""
    if latest is None or period_level(latest) != "year":
        return None
    step = 2 if indicator.period_type == "survey" else 1
    return str(int(latest) + step)


def evaluate_key_result(reader: Reader, config: Config, objective: Objective,
                        kr: KeyResult, as_of: date | None = None) -> KeyResultProgress:
    """Everything shown about one key result, from the public figures; with `as_of`, as it
    stood then (only figures of periods ended by that day, action counts dated by it)."""
    target_end = period_end(kr.target.period)
    target = Point(kr.target.period, target_end, kr.target.value)
    milestones = tuple(Point(m.period, period_end(m.period), m.value) for m in kr.milestones)
    if kr.action is not None:
        return _evaluate_action(config, objective, kr, target, milestones, as_of)
    indicator = config.indicators[kr.indicator or ""]
    area = key_result_area(objective, kr)
    assert area is not None  # config validation guarantees it
    base_period = kr.baseline.period or ""
    points = same_season(_indicator_points(reader, config, kr, area), base_period)
    if as_of is not None:
        points = [p for p in points if p.when <= as_of]
    by_label = {p.label: p for p in points}
    data_base = by_label.get(base_period)
    declared = kr.baseline.value is not None
    if declared and not (data_base is not None and data_base.suppressed):
        baseline: Point | None = Point(base_period, period_end(base_period),
                                       float(kr.baseline.value or 0.0))
    else:  # from the data; a declared value never stands in for a hidden cell of that period
        baseline = data_base
    base_end = period_end(base_period)
    # the latest figure is one from the baseline period on: an older one says nothing of progress
    since = [p for p in points if p.when >= base_end]
    latest = since[-1] if since else None
    # scored on the figures as shown (rounded as the card rounds them), so a reader can
    # recompute the status from the numbers on the page
    decimals = 0 if kr.measure == "median_days" else indicator.decimals
    base_value = shown_value(baseline.value if baseline is not None else math.nan, decimals)
    latest_value = shown_value(latest.value if latest is not None else math.nan, decimals)
    upward = _upward(kr, base_value, indicator)
    directed = good_direction(kr, indicator) is not None
    reason = ""
    if not points:
        reason = "no_data"
    elif baseline is None:
        reason = "baseline_missing"
    elif baseline.suppressed:
        reason = "baseline_hidden"
    elif latest is None:
        reason = "no_new_data"
    elif latest.suppressed:
        reason = "latest_hidden"
    elif math.isnan(latest_value) or math.isnan(base_value):
        reason = "not_computable"
    elif base_value == kr.target.value and not directed:
        reason = "target_equals_baseline"
    elif indicator.break_between(base_period, latest.label):
        reason = "series_break"  # two definitions: baseline and latest are not comparable
    new_data = latest is not None and latest.when > base_end
    expected = progress.expected_score(base_end, latest.when if latest else None, target_end)
    if not reason and directed and meets(base_value, kr.target.value, upward):
        # the baseline already met the target: the key result is to hold it
        held = meets(latest_value, kr.target.value, upward)
        score_now, status, ratio = (1.0 if held else 0.0), ("achieved" if held else "at_risk"), \
            math.nan
        reason = "target_held" if held else "target_lost"
    elif reason == "no_new_data":
        score_now, status, ratio = math.nan, "no_new_data", math.nan
    else:
        score_now = progress.score(base_value, latest_value, kr.target.value) if not reason \
            else math.nan
        status, ratio = progress.status(score_now, expected, new_data=new_data)
        if not reason:
            reason = {"no_new_data": "no_new_data", "too_early": "too_early",
                      "achieved": "achieved"}.get(status, "pace")
    forecast = None
    if reason not in NO_FORECAST_REASONS:
        forecast = _clipped(progress.linear_forecast(
            [p.when for p in since], [p.value for p in since], target_end, kr.target.value,
            upward=upward), indicator)
    noise = "unknown"
    if baseline is not None and latest is not None and new_data:
        noise = progress.noise_verdict(baseline.value, baseline.low, baseline.high,
                                       latest.value, latest.low, latest.high)
    return KeyResultProgress(
        objective_id=objective.id, key_result_id=kr.id,
        source="median_days" if kr.measure == "median_days" else "indicator",
        area_code=area, area_codes=(area,), indicator_id=indicator.id,
        phenomenon_id=objective.phenomenon, action_id=None, level=kr.level,
        decimals=decimals, upward=upward,
        commitment=kr.commitment, baseline=baseline, baseline_declared=declared, latest=latest,
        target=target, milestones=milestones, series=tuple(points), score=score_now,
        expected=expected, ratio=ratio, status=status, reason=reason, noise=noise,
        forecast=forecast, forecast_points=sum(not math.isnan(p.value) for p in since),
        next_period=next_period(indicator, latest.label if latest else None),
        suppressed=bool((baseline and baseline.suppressed) or (latest and latest.suppressed)))


def _evaluate_action(config: Config, objective: Objective, kr: KeyResult, target: Point,
                     milestones: tuple[Point, ...], as_of: date | None) -> KeyResultProgress:
    phenomenon, action = find_action(config, kr)
    assert action.progress is not None
    if kr.baseline.period is not None:
        base_when = period_end(kr.baseline.period)
        base_label = kr.baseline.period
    else:
        base_when, base_label = action.start, action.start.isoformat()
    if kr.baseline.value is not None:
        base_value = float(kr.baseline.value)
    else:  # what was done by then: the last count on or before the baseline date, else zero
        before = [c for c in action.progress.counts() if c.as_of <= base_when]
        base_value = float(before[-1].done) if before else 0.0
    baseline = Point(base_label, base_when, base_value)
    counts = [Point(c.as_of.isoformat(), c.as_of, float(c.done))
              for c in action.progress.counts()
              if c.as_of > base_when and (as_of is None or c.as_of <= as_of)]
    points = [baseline, *counts]
    latest = points[-1]
    new_data = latest.when > base_when
    score_now = progress.score(baseline.value, latest.value, target.value)
    expected = progress.expected_score(base_when, latest.when, target.when)
    status, ratio = progress.status(score_now, expected, new_data=new_data)
    reason = {"no_new_data": "no_new_data", "too_early": "too_early",
              "achieved": "achieved", "not_assessable": "target_equals_baseline"
              }.get(status, "pace")
    upward = target.value > baseline.value
    forecast = progress.linear_forecast([p.when for p in points], [p.value for p in points],
                                        target.when, target.value, upward=upward)
    if forecast is not None:  # a count of what has been done is never below zero
        forecast = Forecast(max(forecast.value, 0.0), max(forecast.low, 0.0),
                            max(forecast.high, 0.0), forecast.slope_per_year, forecast.points,
                            forecast.reach)
    area_codes = tuple(c for c in action.areas
                       if any(within(config, c, top) for top in objective.areas))
    return KeyResultProgress(
        objective_id=objective.id, key_result_id=kr.id, source="action", area_code=kr.area,
        area_codes=(kr.area,) if kr.area else area_codes, indicator_id=None,
        phenomenon_id=phenomenon.id, action_id=action.id, level="date", decimals=0,
        upward=upward, commitment=kr.commitment, baseline=baseline, baseline_declared=True,
        latest=latest, target=target, milestones=milestones, series=tuple(points),
        score=score_now, expected=expected, ratio=ratio, status=status, reason=reason,
        noise="not_applicable", forecast=forecast, forecast_points=len(points),
        next_period=None, suppressed=False)


def evaluate(reader: Reader, config: Config, as_of: date | None = None
             ) -> list[KeyResultProgress]:
    """Every key result of every objective, in declaration order (as it stood on `as_of`)."""
    return [evaluate_key_result(reader, config, objective, kr, as_of)
            for objective in config.objectives for kr in objective.key_results]


def concerns_area(config: Config, result: KeyResultProgress, area_code: str | None) -> bool:
    """Whether a key result belongs to the view of `area_code`: a region or municipality sees
    the key results of its region (and the region's municipalities); the county and the country
    see all."""
    if area_code is None or area_code not in config.areas:
        return True
    area = config.areas[area_code]
    if area.level in ("county", "country"):
        return True
    region = area_code if area.level == "region" else area.parent_code or ""
    return any(within(config, code, region) for code in result.area_codes)


def objective_score(results: Sequence[KeyResultProgress]) -> float:
    """Mean score of an objective's key results that have one (NaN when none has)."""
    scores = [r.score for r in results if not math.isnan(r.score)]
    return sum(scores) / len(scores) if scores else math.nan


def status_counts(results: Sequence[KeyResultProgress]) -> dict[str, int]:
    out = {code: 0 for code in progress.STATUSES}
    for result in results:
        out[result.status] += 1
    return out
