"""Key-result progress (indicators/progress.py): score, expected pace, status, forecast, noise."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indicators import progress
from indicators.progress import (
    LAGGING_RATIO,
    MIN_FORECAST_POINTS,
    ON_TRACK_RATIO,
    TOO_EARLY_EXPECTED,
    expected_score,
    linear_forecast,
    noise_verdict,
    pace_percent,
    score,
    status,
)

# figures on the pages are percentages, rates per 1 000, counts and means: well inside ±1e6
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
SETTINGS = settings(max_examples=200, deadline=None)


# ---------------------------------------------------------------- score


def test_score_examples_up_and_down():
    # fewer absences: 20 % -> 12 %, now at 16 %: half way
    assert score(20.0, 16.0, 12.0) == pytest.approx(0.5)
    # more feedback: 40 % -> 70 %, now at 49 %: 30 % of the way
    assert score(40.0, 49.0, 70.0) == pytest.approx(0.3)
    # the wrong way is clamped to 0, beyond the target to 1
    assert score(20.0, 25.0, 12.0) == 0.0
    assert score(20.0, 10.0, 12.0) == 1.0
    assert score(40.0, 30.0, 70.0) == 0.0
    assert score(40.0, 90.0, 70.0) == 1.0
    # integers are fine
    assert score(0, 34, 60) == pytest.approx(34 / 60)


@SETTINGS
@given(baseline=values, latest=values, target=values)
def test_score_is_clamped_and_direction_aware(baseline, latest, target):
    assume(target != baseline)
    got = score(baseline, latest, target)
    assert 0.0 <= got <= 1.0
    # mirroring every figure (a target below the baseline instead of above) changes nothing
    assert score(-baseline, -latest, -target) == pytest.approx(got, abs=1e-12)
    raw = (latest - baseline) / (target - baseline)
    assert got == pytest.approx(min(1.0, max(0.0, raw)), abs=1e-12)
    # moving past the target on its side reaches 1; moving away from it on the other side is 0
    beyond = target + (target - baseline)
    away = baseline - (target - baseline)
    assert score(baseline, beyond, target) == 1.0
    assert score(baseline, away, target) == 0.0


@SETTINGS
@given(baseline=values, target=values)
def test_score_is_exactly_zero_at_baseline_and_one_at_target(baseline, target):
    assume(target != baseline)
    assert score(baseline, baseline, target) == 0.0
    assert score(baseline, target, target) == 1.0


@SETTINGS
@given(baseline=values, target=values, a=values, b=values)
def test_score_grows_as_latest_moves_toward_the_target(baseline, target, a, b):
    assume(target != baseline)
    # distances that tie in floating point (a ≠ b, both 1e-249 from the target) cannot be ordered
    assume(abs(a - target) != abs(b - target) or a == b)
    nearer, further = (a, b) if abs(a - target) <= abs(b - target) else (b, a)
    # comparable only on one side of the target, ordered along the way to it
    lo, hi = sorted((a, b))
    if target > baseline:
        assert score(baseline, lo, target) <= score(baseline, hi, target)
    else:
        assert score(baseline, lo, target) >= score(baseline, hi, target)
    if (nearer - target) * (further - target) > 0:  # same side of the target
        assert score(baseline, nearer, target) >= score(baseline, further, target)


@pytest.mark.parametrize("args", [
    (10.0, 12.0, 10.0),  # target equals the baseline: no way to cover
    (math.nan, 12.0, 14.0),
    (10.0, math.nan, 14.0),
    (10.0, 12.0, math.nan),
    (None, 12.0, 14.0),
    (10.0, None, 14.0),
    (np.float64("nan"), 12.0, 14.0),
])
def test_score_is_nan_without_a_way_or_a_value(args):
    assert math.isnan(score(*args))


@SETTINGS
@given(baseline=values, latest=values)
def test_score_is_nan_whenever_target_equals_baseline(baseline, latest):
    assert math.isnan(score(baseline, latest, baseline))


# ---------------------------------------------------------------- expected score

BASE_END = date(2024, 12, 31)
TARGET_END = date(2027, 12, 31)


def test_expected_score_is_the_share_of_time_passed():
    span = (TARGET_END - BASE_END).days
    assert expected_score(BASE_END, BASE_END, TARGET_END) == 0.0
    assert expected_score(BASE_END, TARGET_END, TARGET_END) == 1.0
    assert expected_score(BASE_END, date(2029, 1, 1), TARGET_END) == 1.0
    assert expected_score(BASE_END, date(2023, 6, 30), TARGET_END) == 0.0
    mid = date(2026, 6, 30)
    assert expected_score(BASE_END, mid, TARGET_END) == pytest.approx(
        (mid - BASE_END).days / span)
    assert math.isnan(expected_score(BASE_END, None, TARGET_END))


@SETTINGS
@given(days=st.integers(min_value=-2000, max_value=4000))
def test_expected_score_is_linear_in_days_and_clamped(days):
    span = (TARGET_END - BASE_END).days
    got = expected_score(BASE_END, BASE_END + timedelta(days=days), TARGET_END)
    assert got == pytest.approx(min(1.0, max(0.0, days / span)))
    later = expected_score(BASE_END, BASE_END + timedelta(days=days + 1), TARGET_END)
    assert later >= got
    if 0 <= days < span:
        assert later - got == pytest.approx(1 / span)


# ---------------------------------------------------------------- status


def test_status_boundaries_at_the_ratio_thresholds():
    assert status(ON_TRACK_RATIO, 1.0, new_data=True) == ("on_track", ON_TRACK_RATIO)
    assert status(LAGGING_RATIO, 1.0, new_data=True) == ("lagging", LAGGING_RATIO)
    # the thresholds apply to the pace in whole percent as the card prints it: 94.51 % is shown
    # as 95 % and is on track; 94.5 % is shown as 94 % (half to even) and is lagging
    assert status(0.9451, 1.0, new_data=True)[0] == "on_track"
    assert status(0.945, 1.0, new_data=True)[0] == "lagging"
    assert status(0.9449, 1.0, new_data=True)[0] == "lagging"
    assert status(0.7451, 1.0, new_data=True)[0] == "lagging"
    assert status(0.745, 1.0, new_data=True)[0] == "at_risk"
    assert pace_percent(0.4748, 0.5) == 95.0  # the reviewer's case: shown 95 %, so on track
    assert status(0.4748, 0.5, new_data=True)[0] == "on_track"
    # the ratio is score / expected, not the score
    assert status(0.475, 0.5, new_data=True) == ("on_track", pytest.approx(0.95))
    assert status(0.4, 0.5, new_data=True) == ("lagging", pytest.approx(0.8))
    assert status(0.3, 0.5, new_data=True) == ("at_risk", pytest.approx(0.6))
    assert status(0.2, 0.5, new_data=True) == ("at_risk", pytest.approx(0.4))
    # ahead of time is on track
    assert status(0.9, 0.3, new_data=True) == ("on_track", pytest.approx(3.0))
    assert status(0.0, 0.5, new_data=True) == ("at_risk", 0.0)


def test_status_achieved_no_new_data_too_early_and_not_assessable():
    achieved, ratio = status(1.0, 0.2, new_data=True)
    assert achieved == "achieved" and math.isnan(ratio)
    # reached is reached, whatever the date of the data
    assert status(1.0, 0.0, new_data=False)[0] == "achieved"
    assert status(1.0, math.nan, new_data=False)[0] == "achieved"
    assert status(0.4, 0.8, new_data=False)[0] == "no_new_data"
    assert status(0.0, 0.05, new_data=False)[0] == "no_new_data"
    assert status(0.0, below_too_early(), new_data=True)[0] == "too_early"
    assert status(0.05, 0.05, new_data=True)[0] == "too_early"
    assert status(0.0, TOO_EARLY_EXPECTED, new_data=True)[0] == "at_risk"
    assert status(0.5, math.nan, new_data=True)[0] == "too_early"
    for expected in (0.0, 0.5, 1.0):
        state, ratio = status(math.nan, expected, new_data=True)
        assert state == "not_assessable" and math.isnan(ratio)
    assert status(math.nan, 0.5, new_data=False)[0] == "not_assessable"


def below_too_early() -> float:
    return math.nextafter(TOO_EARLY_EXPECTED, 0)


@SETTINGS
@given(score_now=unit, expected=unit, new_data=st.booleans())
def test_status_follows_the_ratio_thresholds(score_now, expected, new_data):
    state, ratio = status(score_now, expected, new_data=new_data)
    assert state in progress.STATUSES
    if score_now >= 1.0:
        assert state == "achieved"
    elif not new_data:
        assert state == "no_new_data"
    elif expected < TOO_EARLY_EXPECTED:
        assert state == "too_early"
    else:
        assert ratio == score_now / expected
        shown_pace = pace_percent(score_now, expected)
        wanted = ("on_track" if shown_pace >= 100 * ON_TRACK_RATIO
                  else "lagging" if shown_pace >= 100 * LAGGING_RATIO else "at_risk")
        assert state == wanted
    if state not in ("on_track", "lagging", "at_risk"):
        assert math.isnan(ratio)


@SETTINGS
@given(expected=st.floats(min_value=TOO_EARLY_EXPECTED, max_value=1.0), a=unit, b=unit)
def test_more_progress_never_gives_a_worse_status(expected, a, b):
    rank = {"at_risk": 0, "lagging": 1, "on_track": 2, "achieved": 3}
    lo, hi = sorted((a, b))
    assert rank[status(lo, expected, new_data=True)[0]] <= \
        rank[status(hi, expected, new_data=True)[0]]


# ---------------------------------------------------------------- noise


def test_noise_verdict_from_interval_overlap():
    # apart, both ways
    assert noise_verdict(20.0, 18.0, 22.0, 14.0, 12.0, 16.0) == "beyond_noise"
    assert noise_verdict(14.0, 12.0, 16.0, 20.0, 18.0, 22.0) == "beyond_noise"
    # overlapping, and merely touching, is within the noise
    assert noise_verdict(20.0, 18.0, 22.0, 17.0, 15.0, 19.0) == "within_noise"
    assert noise_verdict(20.0, 18.0, 22.0, 15.0, 13.0, 18.0) == "within_noise"
    # one interval inside the other
    assert noise_verdict(20.0, 10.0, 30.0, 21.0, 20.5, 21.5) == "within_noise"


@pytest.mark.parametrize("missing", range(6))
@pytest.mark.parametrize("blank", [None, math.nan])
def test_noise_verdict_unknown_when_any_figure_is_missing(missing, blank):
    figures = [20.0, 18.0, 22.0, 14.0, 12.0, 16.0]  # clearly apart when complete
    figures[missing] = blank
    assert noise_verdict(*figures) == "unknown"


def test_noise_verdict_unknown_for_an_inverted_interval():
    assert noise_verdict(20.0, 22.0, 18.0, 14.0, 12.0, 16.0) == "unknown"


# ---------------------------------------------------------------- forecast

START = date(2025, 1, 1)


def _line(days: list[int], slope: float, intercept: float) -> list[float]:
    return [intercept + slope * d / 365.25 for d in days]


def test_forecast_on_an_exact_line_reads_the_line_at_the_target_date():
    days = [0, 91, 182, 273, 365, 456]
    dates = [START + timedelta(days=d) for d in days]
    target_date = date(2027, 12, 31)
    x0 = (target_date - START).days / 365.25
    got = linear_forecast(dates, _line(days, -2.5, 20.0), target_date, 12.0, upward=False)
    assert got is not None
    assert got.value == pytest.approx(20.0 - 2.5 * x0, abs=1e-9)
    assert got.slope_per_year == pytest.approx(-2.5, abs=1e-9)
    assert got.high - got.low == pytest.approx(0.0, abs=1e-9)
    assert got.low <= got.value <= got.high
    assert got.points == len(days)
    # 20 - 2.5 * 3 years = 12.5 > 12: a perfect line that stops short is 'unlikely'
    assert got.value > 12.0 and got.reach == "unlikely"


def test_forecast_origin_is_the_first_date_in_any_order():
    days = [400, 0, 800, 200, 600]
    dates = [START + timedelta(days=d) for d in days]
    got = linear_forecast(dates, _line(days, 3.0, 40.0), START + timedelta(days=1461), 70.0,
                          upward=True)
    assert got is not None
    assert got.value == pytest.approx(40.0 + 3.0 * 1461 / 365.25, abs=1e-9)
    assert got.slope_per_year == pytest.approx(3.0, abs=1e-9)


@pytest.mark.parametrize(("slope", "target", "upward", "reach"), [
    (10.0, 60.0, True, "likely"),      # reaches 40 + 30 = 70 ≥ 60
    (2.0, 60.0, True, "unlikely"),     # 46 < 60
    (0.0, 40.0, True, "likely"),       # a flat line exactly on the target reaches it
    (-10.0, 15.0, False, "likely"),    # 40 - 30 = 10 ≤ 15
    (-2.0, 15.0, False, "unlikely"),   # 34 > 15
    (0.0, 40.0, False, "likely"),
    (0.0, 40.5, True, "unlikely"),
    (0.0, 39.5, False, "unlikely"),
])
def test_forecast_reach_on_exact_lines(slope, target, upward, reach):
    days = [0, 365, 730, 1096]  # whole days; the target is 3 × 365.25 days on
    dates = [START + timedelta(days=d) for d in days]
    values = [40.0 + slope * d / 365.25 for d in days]
    got = linear_forecast(dates, values, START + timedelta(days=1096), target, upward=upward)
    assert got is not None
    assert got.value == pytest.approx(40.0 + slope * 1096 / 365.25, abs=1e-9)
    assert got.reach == reach


@pytest.mark.parametrize(("upward", "target"), [(True, 50.0), (False, 50.0)])
def test_forecast_reach_uncertain_when_the_interval_covers_the_target(upward, target):
    days = [0, 120, 240, 365, 480, 600]
    dates = [START + timedelta(days=d) for d in days]
    values = [40.0, 46.0, 41.0, 47.0, 42.0, 48.0]
    got = linear_forecast(dates, values, START + timedelta(days=730), target, upward=upward)
    assert got is not None
    assert got.low < target < got.high
    assert got.reach == "uncertain"


def test_forecast_interval_is_the_textbook_prediction_interval():
    from scipy import stats

    days = [0, 90, 181, 273, 365, 455, 546]
    ys = [30.0, 31.5, 30.8, 33.1, 33.9, 33.0, 35.2]
    dates = [START + timedelta(days=d) for d in days]
    target_date = START + timedelta(days=1000)
    got = linear_forecast(dates, ys, target_date, 40.0, upward=True)
    assert got is not None
    x = np.array(days) / 365.25
    fit = stats.linregress(x, ys)
    x0 = 1000 / 365.25
    n = len(x)
    resid = np.array(ys) - (fit.intercept + fit.slope * x)
    s = math.sqrt(float((resid ** 2).sum()) / (n - 2))
    half = stats.t.ppf(0.975, n - 2) * s * math.sqrt(
        1 + 1 / n + (x0 - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
    assert got.value == pytest.approx(fit.intercept + fit.slope * x0)
    assert got.slope_per_year == pytest.approx(fit.slope)
    assert got.low == pytest.approx(got.value - half)
    assert got.high == pytest.approx(got.value + half)
    # a wider confidence gives a wider interval around the same value
    wide = linear_forecast(dates, ys, target_date, 40.0, upward=True, confidence=0.99)
    assert wide is not None and wide.value == pytest.approx(got.value)
    assert wide.high - wide.low > got.high - got.low


def _noisy_forecast(rng: np.random.Generator, n: int, sigma: float = 2.0):
    days = np.linspace(0, 730, n).round().astype(int)
    dates = [START + timedelta(days=int(d)) for d in days]
    truth = 30.0 + 4.0 * days / 365.25
    values = truth + rng.normal(0.0, sigma, n)
    target_day = 1096
    got = linear_forecast(dates, list(values), START + timedelta(days=target_day), 45.0,
                          upward=True)
    assert got is not None
    true_value = 30.0 + 4.0 * target_day / 365.25
    new_observation = true_value + rng.normal(0.0, sigma)
    return got, true_value, new_observation


def test_forecast_interval_covers_the_truth_in_most_seeded_cases():
    rng = np.random.default_rng(20261031)
    runs = [_noisy_forecast(rng, 6) for _ in range(400)]
    line = np.mean([f.low <= truth <= f.high for f, truth, _ in runs])
    new = np.mean([f.low <= obs <= f.high for f, _, obs in runs])
    # a prediction interval is wider than one for the line itself: it covers the line > 95 %
    assert line >= 0.95
    # and a new observation about 95 % of the time
    assert 0.91 <= new <= 0.99


def test_forecast_interval_narrows_with_more_points():
    rng = np.random.default_rng(7)
    widths = {}
    for n in (4, 8, 30):
        runs = [_noisy_forecast(rng, n)[0] for _ in range(60)]
        widths[n] = float(np.median([f.high - f.low for f in runs]))
    assert widths[4] > widths[8] > widths[30] > 0


def test_forecast_needs_four_points_and_skips_missing_values():
    dates = [START + timedelta(days=d) for d in (0, 100, 200, 300, 400)]
    three = linear_forecast(dates[:3], [1.0, 2.0, 3.0], date(2027, 1, 1), 5.0, upward=True)
    assert MIN_FORECAST_POINTS == 4 and three is None
    # five dates, but two values missing: three points, no forecast
    assert linear_forecast(dates, [1.0, math.nan, 2.0, None, 3.0], date(2027, 1, 1), 5.0,
                           upward=True) is None
    # a missing value is skipped, not read as zero
    with_gap = linear_forecast(dates, [10.0, math.nan, 12.0, 13.0, 14.0], date(2027, 1, 1),
                               20.0, upward=True)
    without = linear_forecast([dates[0], *dates[2:]], [10.0, 12.0, 13.0, 14.0],
                              date(2027, 1, 1), 20.0, upward=True)
    assert with_gap is not None and without is not None
    assert with_gap.points == 4
    assert with_gap == without


def test_forecast_none_when_every_point_shares_one_date():
    dates = [START] * 5
    assert linear_forecast(dates, [1.0, 2.0, 3.0, 4.0, 5.0], date(2027, 1, 1), 5.0,
                           upward=True) is None


def test_forecast_rejects_dates_and_values_of_different_length():
    with pytest.raises(ValueError):
        linear_forecast([START] * 4, [1.0] * 5, date(2027, 1, 1), 5.0, upward=True)
