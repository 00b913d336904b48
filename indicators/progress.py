"""Key-result progress: score, expected pace, status, forecast and noise. Pure numbers, no I/O.

DESIGN.md's rules:

* score = (latest − baseline) / (target − baseline), clamped to 0–1: right for targets below the
  baseline (fewer absences) and above it (more responses) alike;
* expected score = the share of the time from the end of the baseline period to the end of the
  target period that has passed *at the date of the latest data* (not today), so an indicator
  measured every second year does not slide into "at risk" between surveys;
* status from score / expected: on track ≥ 0.95, lagging 0.75–0.95, at risk < 0.75; achieved once
  the target is reached; too early while expected is still near 0 (< 0.10); no new data while
  nothing has come in since the baseline;
* a linear forecast to the target date with a 95 % prediction interval, from 4 points on;
* the change since the baseline counts as larger than the noise only when the 95 % intervals of
  the baseline and the latest value do not overlap (the rule the change cards use).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

import numpy as np
from scipy import special

from indicators.stats import change_status

Status = Literal["achieved", "on_track", "lagging", "at_risk", "too_early", "no_new_data",
                 "not_assessable"]
Noise = Literal["beyond_noise", "within_noise", "unknown"]
Reach = Literal["likely", "unlikely", "uncertain"]

STATUSES: tuple[str, ...] = ("achieved", "on_track", "lagging", "at_risk", "too_early",
                             "no_new_data", "not_assessable")
ON_TRACK_RATIO = 0.95
LAGGING_RATIO = 0.75
#: Below this expected score a judgement of pace would be mostly noise: "too early".
TOO_EARLY_EXPECTED = 0.10
MIN_FORECAST_POINTS = 4
DAYS_PER_YEAR = 365.25


def _missing(value: float | None) -> bool:
    """None, NaN (of any float type), pd.NA or an infinity: nothing to compute with."""
    try:
        return value is None or not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def score(baseline: float | None, latest: float | None, target: float) -> float:
    """Share of the way from baseline to target covered by `latest`, clamped to 0–1.

    NaN when a value is missing or the target equals the baseline (no way to cover)."""
    if _missing(baseline) or _missing(latest) or _missing(target) or target == baseline:
        return math.nan
    raw = (float(latest) - float(baseline)) / (float(target) - float(baseline))
    return min(1.0, max(0.0, raw))


def expected_score(baseline_end: date, data_date: date | None, target_end: date) -> float:
    """Share of the time from `baseline_end` to `target_end` passed at `data_date`, 0–1."""
    if data_date is None:
        return math.nan
    span = (target_end - baseline_end).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (data_date - baseline_end).days / span))


def shown(value: float, decimals: int) -> float:
    """`value` rounded as the page prints it (Babel: the float's decimal text, half to even), so
    that every judgement follows from numbers a reader sees."""
    if _missing(value):
        return math.nan
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(str(float(value))).quantize(quantum, rounding=ROUND_HALF_EVEN))


def pace_percent(score_now: float, expected: float) -> float:
    """Pace as the card shows it: score / expected in whole percent."""
    if _missing(score_now) or _missing(expected) or expected == 0:
        return math.nan
    return shown(100 * score_now / expected, 0)


def status(score_now: float, expected: float, *, new_data: bool) -> tuple[Status, float]:
    """(status, score / expected); the ratio is NaN where no pace is judged. The thresholds
    apply to the pace in whole percent as shown ("vauhti on 95 % odotetusta" is on track)."""
    if _missing(score_now):
        return "not_assessable", math.nan
    if score_now >= 1.0:
        return "achieved", math.nan
    if not new_data:
        return "no_new_data", math.nan
    if _missing(expected) or expected < TOO_EARLY_EXPECTED:
        return "too_early", math.nan
    ratio = score_now / expected
    pace = pace_percent(score_now, expected)
    if pace >= 100 * ON_TRACK_RATIO:
        return "on_track", ratio
    if pace >= 100 * LAGGING_RATIO:
        return "lagging", ratio
    return "at_risk", ratio


def noise_verdict(baseline: float | None, baseline_low: float | None,
                  baseline_high: float | None, latest: float | None, latest_low: float | None,
                  latest_high: float | None) -> Noise:
    """Whether the change since the baseline is larger than random variation (the two 95 %
    intervals do not overlap), within it, or cannot be told (a value or interval is missing)."""
    values = [baseline, baseline_low, baseline_high, latest, latest_low, latest_high]
    if any(_missing(v) for v in values):
        return "unknown"
    verdict = change_status("neutral", latest, latest_low, latest_high, baseline, baseline_low,
                            baseline_high)
    if verdict in ("increased", "decreased"):
        return "beyond_noise"
    return "within_noise" if verdict == "no_clear_change" else "unknown"


@dataclass(frozen=True)
class Forecast:
    """A straight line through the points since the baseline, read at the target date."""

    value: float
    low: float  # 95 % prediction interval for a value observed on the target date
    high: float
    slope_per_year: float
    points: int
    reach: Reach  # whether the target lies beyond the interval on the good side, etc.


def years_between(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def linear_forecast(dates: Sequence[date], values: Sequence[float], target_date: date,
                    target: float, *, upward: bool, confidence: float = 0.95) -> Forecast | None:
    """Least-squares line of `values` on time, evaluated at `target_date`.

    None with fewer than `MIN_FORECAST_POINTS` points or when all points share one date. The
    interval is the prediction interval of a new observation (t with n − 2 degrees of freedom):
    it is what the figure could read on the target date if the trend held. `reach` is 'likely'
    when the whole interval is on the target's side, 'unlikely' when it is wholly short of it.
    """
    pairs = [(d, float(v)) for d, v in zip(dates, values, strict=True) if not _missing(v)]
    n = len(pairs)
    if n < MIN_FORECAST_POINTS:
        return None
    origin = min(d for d, _ in pairs)
    x = np.array([years_between(origin, d) for d, _ in pairs])
    y = np.array([v for _, v in pairs])
    sxx = float(((x - x.mean()) ** 2).sum())
    if sxx == 0.0:
        return None
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x.mean())
    x0 = years_between(origin, target_date)
    fitted = intercept + slope * x0
    residuals = y - (intercept + slope * x)
    s = math.sqrt(float((residuals ** 2).sum()) / (n - 2))
    half = float(special.stdtrit(n - 2, 0.5 + confidence / 2)) * s * math.sqrt(
        1 + 1 / n + (x0 - x.mean()) ** 2 / sxx)
    low, high = fitted - half, fitted + half
    if upward:
        reach: Reach = "likely" if low >= target else "unlikely" if high < target else "uncertain"
    else:
        reach = "likely" if high <= target else "unlikely" if low > target else "uncertain"
    return Forecast(fitted, low, high, slope, n, reach)
