"""Tests for indicators.stats against published values and independent hand computations.

Expected numbers come from the literature (Newcombe 1998, Table II; standard exact Poisson
tables; Anhøj's run-chart tables) or are computed here from the closed-form formulas, never by
calling the code under test.
"""

from __future__ import annotations

import math
from typing import get_args

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2, norm

from indicators import config
from indicators.stats import (
    Kind,
    RunChartResult,
    change_status,
    crossings_limit,
    longest_run_limit,
    p_chart_limits,
    poisson_interval,
    run_chart,
    trial_limits,
    u_chart_limits,
    value_interval,
    wilson_interval,
)

Z95 = norm.ppf(0.975)


def test_kind_matches_config() -> None:
    assert get_args(Kind) == get_args(config.Kind)


# --------------------------------------------------------------------------------------------
# Wilson


def wilson_by_hand(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) in the form (x + z²/2 ± z sqrt(x(n - x)/n + z²/4)) / (n + z²)."""
    root = z * math.sqrt(x * (n - x) / n + z * z / 4)
    return (x + z * z / 2 - root) / (n + z * z), (x + z * z / 2 + root) / (n + z * z)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (1, 10), (5, 10), (10, 10), (81, 263), (3, 7)])
def test_wilson_matches_closed_form(x: int, n: int) -> None:
    low, high = wilson_interval(x, n)
    exp_low, exp_high = wilson_by_hand(x, n)
    assert float(low) == pytest.approx(exp_low, abs=1e-12)
    assert float(high) == pytest.approx(exp_high, abs=1e-12)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [  # Newcombe (1998) Stat Med 17:857, Table II, method 3 (score interval without correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_newcombe_table(x: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(x, n)
    assert float(got_low) == pytest.approx(low, abs=6e-5)
    assert float(got_high) == pytest.approx(high, abs=6e-5)


def test_wilson_edges_are_exact_and_vectorised() -> None:
    low, high = wilson_interval(np.array([0, 1, 5, 10]), np.array([10, 10, 10, 10]))
    assert isinstance(low, np.ndarray) and low.shape == (4,)
    assert low[0] == 0.0 and high[3] == 1.0
    assert np.all(low <= high)
    # 5/10 is symmetric around 0.5
    assert low[2] + high[2] == pytest.approx(1.0)


def test_wilson_missing_and_impossible_inputs_give_nan() -> None:
    num = pd.Series([3, np.nan, 3, 3, 3, 12, -1], dtype="float64")
    den = pd.Series([10, 10, np.nan, 0, -5, 10, 10], dtype="float64")
    low, high = wilson_interval(num, den)
    assert not np.isnan(low[0]) and not np.isnan(high[0])
    assert np.isnan(low[1:]).all() and np.isnan(high[1:]).all()


def test_wilson_accepts_nullable_integers() -> None:
    low, high = wilson_interval(pd.Series([1, pd.NA], dtype="Int64"),
                                pd.Series([10, 10], dtype="Int64"))
    assert float(low[0]) == pytest.approx(wilson_by_hand(1, 10)[0])
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_wilson_confidence_level() -> None:
    low90, high90 = wilson_interval(5, 20, confidence=0.90)
    exp = wilson_by_hand(5, 20, z=norm.ppf(0.95))
    assert (float(low90), float(high90)) == pytest.approx(exp)
    low95, high95 = wilson_interval(5, 20)
    assert low95 < low90 and high95 > high90
    with pytest.raises(ValueError):
        wilson_interval(5, 20, confidence=95)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_estimate(case: tuple[int, int]) -> None:
    x, n = case
    low, high = wilson_interval(x, n)
    assert 0.0 <= float(low) <= x / n <= float(high) <= 1.0


# --------------------------------------------------------------------------------------------
# Poisson


def exact_poisson_by_hand(x: float, confidence: float = 0.95) -> tuple[float, float]:
    alpha = 1 - confidence
    low = 0.0 if x == 0 else chi2.ppf(alpha / 2, 2 * x) / 2
    return low, chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [  # exact (Garwood) 95 % limits as tabulated, e.g. in Ulm (1990) / public-health manuals
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (2, 0.2422, 7.225),
        (5, 1.6235, 11.668),
    ],
)
def test_exact_poisson_published_values(count: int, low: float, high: float) -> None:
    got_low, got_high = poisson_interval(count)
    assert float(got_low) == pytest.approx(low, abs=6e-4)
    assert float(got_high) == pytest.approx(high, abs=6e-4)


def test_poisson_switches_to_byar_at_ten() -> None:
    counts = np.arange(0, 12)
    low, high = poisson_interval(counts)
    for x in range(10):
        assert (low[x], high[x]) == pytest.approx(exact_poisson_by_hand(x), rel=1e-9)
    for x in (10, 11):  # Byar, written out: x (1 - 1/(9x) - z/(3 sqrt x))^3 etc.
        byar_low = x * (1 - 1 / (9 * x) - Z95 / (3 * math.sqrt(x))) ** 3
        byar_high = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z95 / (3 * math.sqrt(x + 1))) ** 3
        assert (low[x], high[x]) == pytest.approx((byar_low, byar_high), rel=1e-12)


@pytest.mark.parametrize("count", [10, 15, 20, 30, 50])
def test_byar_close_to_exact(count: int) -> None:
    low, high = poisson_interval([count])
    exp_low, exp_high = exact_poisson_by_hand(count)
    assert low[0] == pytest.approx(exp_low, rel=0.03)
    assert high[0] == pytest.approx(exp_high, rel=0.03)


def test_poisson_vectorised_with_nan() -> None:
    counts = pd.Series([0, 3, np.nan, 25, -2], dtype="float64")
    low, high = poisson_interval(counts)
    assert isinstance(low, np.ndarray) and low.shape == (5,)
    assert low[0] == 0.0 and high[0] == pytest.approx(-math.log(0.025))
    assert np.isnan(low[[2, 4]]).all() and np.isnan(high[[2, 4]]).all()
    assert low[3] < 25 < high[3]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000))
def test_poisson_contains_count(count: int) -> None:
    low, high = poisson_interval(count)
    assert 0.0 <= float(low) <= count < float(high)


def test_poisson_monotone_across_switch() -> None:
    low, high = poisson_interval(np.arange(0, 200))
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) > 0)


# --------------------------------------------------------------------------------------------
# value_interval


def test_value_interval_rate_per_1000() -> None:
    low, high = value_interval("rate", [5, 5], [1000, 2500], 1000)
    # 5 events: exact 1.6235–11.668 expected events; per 1 000 of 1 000 / of 2 500 people
    assert low == pytest.approx([1.6235, 1.6235 / 2.5], abs=1e-3)
    assert high == pytest.approx([11.668, 11.668 / 2.5], abs=1e-3)


def test_value_interval_percent() -> None:
    low, high = value_interval("proportion", 81, 263, 100)
    assert float(low) == pytest.approx(25.53, abs=6e-3)
    assert float(high) == pytest.approx(36.62, abs=6e-3)


@pytest.mark.parametrize("kind", ["rate", "proportion"])
def test_value_interval_never_back_calculates_denominator(kind: str) -> None:
    # a numerator and a published value exist, but no denominator: no interval
    num = pd.Series([12.0, 12.0])
    den = pd.Series([np.nan, 0.0])
    low, high = value_interval(kind, num, den, 100)
    assert np.isnan(low).all() and np.isnan(high).all()
    low, high = value_interval(kind, 12, None, 100)
    assert np.isnan(low) and np.isnan(high)


def test_value_interval_missing_numerator() -> None:
    low, high = value_interval("rate", [np.nan], [1000], 1000)
    assert np.isnan(low).all() and np.isnan(high).all()


def test_value_interval_count_is_poisson_of_the_count() -> None:
    low, high = value_interval("count", [1, np.nan], None, 1.0)
    assert low[0] == pytest.approx(0.0253, abs=1e-4) and high[0] == pytest.approx(5.572, abs=1e-3)
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_value_interval_mean_has_none() -> None:
    low, high = value_interval("mean", [3.5, 4.0], [20, 30], 1.0)
    assert low.shape == (2,) and np.isnan(low).all() and np.isnan(high).all()


def test_value_interval_rejects_unknown_kind_and_bad_scale() -> None:
    with pytest.raises(ValueError):
        value_interval("median", 1, 2, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        value_interval("rate", 1, 2, 0)


def test_value_interval_with_nullable_frame_columns() -> None:
    frame = pd.DataFrame({"numerator": pd.array([4, pd.NA, 7], dtype="Int64"),
                          "denominator": pd.array([800, 900, pd.NA], dtype="Int64")})
    low, high = value_interval("rate", frame["numerator"], frame["denominator"], 1000)
    exp_low, exp_high = exact_poisson_by_hand(4)
    assert low[0] == pytest.approx(exp_low / 800 * 1000)
    assert high[0] == pytest.approx(exp_high / 800 * 1000)
    assert np.isnan(low[1:]).all() and np.isnan(high[1:]).all()


# --------------------------------------------------------------------------------------------
# change_status

UP = (30.0, 28.0, 32.0, 20.0, 18.0, 22.0)  # latest interval entirely above the previous one
DOWN = (20.0, 18.0, 22.0, 30.0, 28.0, 32.0)
OVERLAP = (25.0, 22.0, 28.0, 23.0, 20.0, 26.0)
TOUCH = (26.0, 24.0, 28.0, 22.0, 20.0, 24.0)  # latest_low == previous_high


@pytest.mark.parametrize(
    ("direction", "figures", "expected"),
    [
        ("up_is_good", UP, "improved"),
        ("up_is_good", DOWN, "worsened"),
        ("down_is_good", UP, "worsened"),
        ("down_is_good", DOWN, "improved"),
        ("neutral", UP, "increased"),
        ("neutral", DOWN, "decreased"),
        ("up_is_good", OVERLAP, "no_clear_change"),
        ("down_is_good", OVERLAP, "no_clear_change"),
        ("neutral", OVERLAP, "no_clear_change"),
        ("up_is_good", TOUCH, "no_clear_change"),
    ],
)
def test_change_status_branches(direction: str, figures: tuple, expected: str) -> None:
    assert change_status(direction, *figures) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("missing", [np.nan, None, pd.NA])
@pytest.mark.parametrize("position", range(6))
def test_change_status_missing_anything_is_not_assessable(missing: object, position: int) -> None:
    figures = list(UP)
    figures[position] = missing
    assert change_status("up_is_good", *figures) == "not_assessable"


def test_change_status_no_interval_no_verdict() -> None:
    # both values present and far apart, but no intervals (e.g. a mean score)
    nan = float("nan")
    assert change_status("up_is_good", 4.5, nan, nan, 2.0, nan, nan) == "not_assessable"


def test_change_status_inverted_bounds_and_bad_direction() -> None:
    assert change_status("neutral", 30, 32, 28, 20, 18, 22) == "not_assessable"
    with pytest.raises(ValueError):
        change_status("sideways", *UP)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# run chart limits

# Published upper limits for the longest run, round(log2(n) + 3) (Anhøj & Olesen 2014; the same
# table is reprinted e.g. in the unaettie.com run-chart FAQ), n = useful observations.
PUBLISHED_RUN_LIMITS = {10: 6, 11: 6, 12: 7, 19: 7, 22: 7, 23: 8, 30: 8, 45: 8, 46: 9, 59: 9,
                        90: 9, 91: 10, 100: 10}


@pytest.mark.parametrize(("n", "limit"), sorted(PUBLISHED_RUN_LIMITS.items()))
def test_longest_run_limit_published_table(n: int, limit: int) -> None:
    assert longest_run_limit(n) == limit


@pytest.mark.parametrize(("n", "limit"), [(10, 2), (13, 3), (20, 6), (30, 10)])
def test_crossings_limit_published_values(n: int, limit: int) -> None:
    assert crossings_limit(n) == limit


def qbinom05_by_hand(n: int) -> int:
    """Smallest k with P(X <= k) >= 0.05 for X ~ Bin(n - 1, 1/2), in exact integer arithmetic."""
    trials = n - 1
    total, acc = 2**trials, 0
    for k in range(trials + 1):
        acc += math.comb(trials, k)
        if 20 * acc >= total:
            return k
    raise AssertionError("unreachable")


def test_crossings_limit_exact_binomial() -> None:
    for n in range(1, 120):
        assert crossings_limit(n) == qbinom05_by_hand(n), n


# --------------------------------------------------------------------------------------------
# run chart behaviour

# a frozen baseline with median 0 and mean 0 (moving range 2 -> XmR limits ±5.32)
BASELINE = [-1.0, 1.0] * 5


def series_after(sides: list[int]) -> list[float]:
    """Values +1 / -1 / 0 (on the median) after the baseline."""
    return BASELINE + [float(s) for s in sides]


def test_run_of_six_in_ten_is_not_a_signal_but_seven_is() -> None:
    six = run_chart(series_after([1] * 6 + [-1, 1, -1, 1]), baseline_count=10)
    assert (six.n_useful, six.longest_run, six.longest_run_limit) == (10, 6, 6)
    assert (six.crossings, six.crossings_limit) == (4, 2)
    assert not six.signal_long_run and six.verdict == "normal_variation"
    assert six.shift_direction is None

    seven = run_chart(series_after([1] * 7 + [-1, 1, -1]), baseline_count=10)
    assert seven.longest_run == 7 and seven.signal_long_run
    assert not seven.signal_few_crossings and not seven.signal_astronomical
    assert seven.verdict == "signal" and seven.shift_direction == "above"


def test_too_few_crossings_in_ten() -> None:
    two = run_chart(series_after([1] * 4 + [-1] * 3 + [1] * 3), baseline_count=10)
    assert two.crossings == 2 and not two.signal_few_crossings
    assert two.verdict == "normal_variation"
    one = run_chart(series_after([1] * 5 + [-1] * 5), baseline_count=10)
    assert one.crossings == 1 and one.longest_run == 5
    assert one.signal_few_crossings and not one.signal_long_run
    assert one.verdict == "signal" and one.shift_direction is None


def test_crossings_limit_at_twenty() -> None:
    # 20 useful points, runs of 3 and 4: 5 crossings (< 6) is a signal, 6 crossings is not
    five = [1] * 4 + [-1] * 4 + [1] * 3 + [-1] * 3 + [1] * 3 + [-1] * 3
    six = [1] * 4 + [-1] * 3 + [1] * 3 + [-1] * 3 + [1] * 3 + [-1] * 3 + [1]
    r5 = run_chart(series_after(five), baseline_count=10)
    r6 = run_chart(series_after(six), baseline_count=10)
    assert (r5.n_useful, r5.crossings, r5.crossings_limit, r5.longest_run_limit) == (20, 5, 6, 7)
    assert r5.signal_few_crossings and r5.verdict == "signal"
    assert (r6.n_useful, r6.crossings) == (20, 6)
    assert not r6.signal_few_crossings and r6.verdict == "normal_variation"


def test_points_on_the_median_do_not_count() -> None:
    # 4 above, one on the median, 3 above: one run of 7 useful points, the 0 neither breaks it
    # nor counts
    sides = [1] * 4 + [0] + [1] * 3 + [-1, 1, -1]
    result = run_chart(series_after(sides), baseline_count=10)
    assert result.n_tested == 11 and result.n_useful == 10
    assert result.longest_run == 7 and result.longest_run_limit == 6
    assert result.crossings == 3
    assert result.signal_long_run and result.shift_direction == "above"


def test_without_baseline_uses_median_of_all_points() -> None:
    result = run_chart([float(v) for v in range(1, 21)])
    assert result.median == 10.5 and result.n_tested == 20 and result.n_useful == 20
    assert result.longest_run == 10 and result.crossings == 1
    assert result.signal_long_run and result.signal_few_crossings
    # runs of 10 below and 10 above: both exceed the limit, so no single direction
    assert result.shift_direction is None


def test_clear_shift_after_frozen_baseline() -> None:
    before = [20, 22, 19, 21, 23, 20, 18, 22, 21, 19, 20, 22]
    after = [17, 16, 18, 15, 17, 16, 19, 15, 16, 17, 18, 16]
    result = run_chart(before + after, baseline_count=len(before))
    assert result.median == 20.5  # median of the baseline only
    assert result.n_tested == 12 and result.n_useful == 12
    assert result.longest_run == 12 and result.crossings == 0
    assert result.signal_long_run and result.signal_few_crossings
    assert result.verdict == "signal" and result.shift_direction == "below"
    assert all(i >= len(before) for i in result.astronomical_indices)


def test_alternating_noise_is_normal_variation() -> None:
    noise = [10.2, 9.7, 10.4, 9.9, 10.1, 9.6, 10.3, 9.8, 10.0, 10.5,
             9.5, 10.2, 9.9, 10.3, 9.7, 10.1, 9.8, 10.4, 9.6, 10.2]
    result = run_chart(noise)
    assert result.n_useful == 20
    assert result.longest_run <= result.longest_run_limit
    assert result.crossings >= result.crossings_limit
    assert result.astronomical_indices == []
    assert result.verdict == "normal_variation" and result.shift_direction is None


def test_nine_points_are_too_few_even_with_an_obvious_shift() -> None:
    result = run_chart([1, 2, 3, 4, 5, 6, 7, 8, 100])
    assert result.n_tested == 9 and result.verdict == "too_few_points"
    assert not (result.signal_long_run or result.signal_few_crossings
                or result.signal_astronomical)
    assert result.astronomical_indices == [] and result.shift_direction is None
    after_baseline = run_chart(BASELINE + [5.0] * 9, baseline_count=10)
    assert after_baseline.n_tested == 9 and after_baseline.verdict == "too_few_points"


def test_too_few_useful_points_is_not_normal_variation() -> None:
    # 12 points tested but 4 of them on the median: only 8 useful points, nothing fires
    sides = [0, 1, -1, 0, 1, -1, 0, 1, -1, 0, 1, -1]
    result = run_chart(series_after(sides), baseline_count=10)
    assert result.n_tested == 12 and result.n_useful == 8
    assert not (result.signal_long_run or result.signal_few_crossings)
    assert result.verdict == "too_few_points"


def test_astronomical_point_against_hand_computed_xmr_limits() -> None:
    baseline = [10.0, 12.0] * 6  # mean 11, mean moving range 2 -> limits 11 ± 5.32
    after = [11.0, 10.0, 12.0, 17.0, 11.0, 10.0, 12.0, 11.0, 10.0, 12.0, 5.5, 12.0]
    result = run_chart(baseline + after, baseline_count=12)
    assert result.xmr_centre == pytest.approx(11.0)
    assert (result.xmr_lower, result.xmr_upper) == pytest.approx((5.68, 16.32))
    assert result.astronomical_indices == [15, 22]
    assert result.signal_astronomical and result.verdict == "signal"
    assert not result.signal_long_run and result.shift_direction is None


def test_astronomical_point_without_baseline() -> None:
    values = [10.0, 12.0] * 7 + [40.0]
    result = run_chart(values)
    assert result.astronomical_indices == [14]
    assert result.verdict == "signal"


def test_missing_values_are_skipped_and_indices_kept() -> None:
    baseline = [10.0, 12.0] * 6
    after = [11.5, np.nan, 10.5, 30.0, 11.5, 10.5, 11.5, 10.5, 11.5, 10.5, 11.5]
    result = run_chart(baseline + after, baseline_count=12)
    assert result.n_tested == 10 and result.n_useful == 10
    assert result.astronomical_indices == [15]


def test_baseline_edge_cases() -> None:
    everything_baseline = run_chart([1.0, 2.0, 3.0], baseline_count=5)
    assert everything_baseline.n_tested == 0 and everything_baseline.verdict == "too_few_points"
    assert everything_baseline.longest_run_limit is None
    with pytest.raises(ValueError):
        run_chart([1.0, 2.0], baseline_count=0)


def test_result_is_frozen() -> None:
    result = run_chart([1.0, 2.0] * 6)
    assert isinstance(result, RunChartResult)
    with pytest.raises(AttributeError):
        result.verdict = "signal"  # type: ignore[misc]


def runs_by_hand(values: list[float], median: float) -> tuple[int, int]:
    """Longest run and crossings with a plain loop (the definitions, written out)."""
    sides = [1 if v > median else -1 for v in values if v != median]
    longest = crossings = 0
    current = 0
    for i, side in enumerate(sides):
        if i and side != sides[i - 1]:
            crossings += 1
            current = 0
        current += 1
        longest = max(longest, current)
    return longest, crossings


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 6).map(float), min_size=1, max_size=60),
       st.integers(1, 20), st.integers(1, 15))
def test_run_chart_matches_definitions(values: list[float], baseline: int, min_points: int) -> None:
    result = run_chart(values, baseline_count=baseline, min_points=min_points)
    base = values[:baseline]
    assert result.median == pytest.approx(float(np.median(base)))
    rest = values[baseline:]
    assert (result.longest_run, result.crossings) == runs_by_hand(rest, result.median)
    assert result.n_tested == len(rest)
    if result.n_tested < min_points:
        assert result.verdict == "too_few_points"
    if result.verdict == "normal_variation":
        assert result.n_useful >= min_points


# --------------------------------------------------------------------------------------------
# p and u charts


def test_p_chart_limits_by_hand() -> None:
    centre, lower, upper = p_chart_limits([10, 20, 30, 5], [100, 200, 300, np.nan])
    # pooled p = 60 / 600 = 0.1 (the point without a denominator is left out)
    assert centre == pytest.approx([0.1] * 4)
    sigma = np.array([0.03, math.sqrt(0.09 / 200), math.sqrt(0.09 / 300)])
    assert lower[:3] == pytest.approx(0.1 - 3 * sigma)
    assert upper[:3] == pytest.approx(0.1 + 3 * sigma)
    assert lower[0] == pytest.approx(0.01) and upper[0] == pytest.approx(0.19)
    assert np.isnan(lower[3]) and np.isnan(upper[3])


def test_p_chart_limits_are_clipped() -> None:
    _, lower, upper = p_chart_limits([1, 9], [10, 10])  # p = 0.5, sigma 0.158 -> 0.5 ± 0.474
    assert lower == pytest.approx([0.5 - 3 * math.sqrt(0.025)] * 2)
    _, lower, upper = p_chart_limits([1, 0], [5, 5])  # p = 0.1, 3 sigma = 0.402
    assert (lower == 0.0).all()
    _, lower, upper = p_chart_limits([9, 10], [10, 10])  # p = 0.95, 3 sigma = 0.207
    assert (upper == 1.0).all()


def test_u_chart_limits_by_hand() -> None:
    centre, lower, upper = u_chart_limits([40, 90, 20], [20, 30, 10])
    # pooled u = 150 / 60 = 2.5; sigma = sqrt(2.5 / e): 0.35355, 0.28868, 0.5
    assert centre == pytest.approx([2.5] * 3)
    assert lower == pytest.approx([2.5 - 3 * math.sqrt(0.125), 2.5 - 3 * math.sqrt(2.5 / 30), 1.0])
    assert upper == pytest.approx([2.5 + 3 * math.sqrt(0.125), 2.5 + 3 * math.sqrt(2.5 / 30), 4.0])


def test_u_chart_lower_clipped_and_missing() -> None:
    centre, lower, upper = u_chart_limits([4, np.nan, 2], [2, 3, 1])
    # pooled u = 6 / 3 = 2 (the missing count is left out); e = 1: 2 - 3 sqrt(2) < 0
    assert centre == pytest.approx([2.0] * 3)
    assert lower[2] == 0.0 and upper[2] == pytest.approx(2 + 3 * math.sqrt(2))
    assert np.isnan(lower[1]) and np.isnan(upper[1])


def test_control_limits_without_any_valid_point() -> None:
    for limits in (p_chart_limits([np.nan], [np.nan]), u_chart_limits([1], [0])):
        assert all(np.isnan(part).all() for part in limits)


@pytest.mark.parametrize(("n", "expected"), [(0, True), (11, True), (12, False), (40, False)])
def test_trial_limits(n: int, expected: bool) -> None:
    assert trial_limits(n) is expected


def test_funnel_limits_against_exact_binomial_sums():
    """n = 100, p = 0.2: the 2.5 % and 97.5 % quantiles by summing binomial terms by hand."""
    from math import comb

    from indicators.stats import funnel_limits

    def quantile(q, n, p):
        total = 0.0
        for k in range(n + 1):
            total += comb(n, k) * p ** k * (1 - p) ** (n - k)
            if total >= q:
                return k
        return n

    low, high = funnel_limits("proportion", 20.0, [100, 400, np.nan], 100.0, 0.95)
    assert low[0] == pytest.approx(quantile(0.025, 100, 0.2))  # 12 of 100 -> 12 %
    assert high[0] == pytest.approx(quantile(0.975, 100, 0.2))
    assert low[0] < low[1] < 20 < high[1] < high[0]  # the funnel narrows as n grows
    assert np.isnan(low[2])
    wide_low, wide_high = funnel_limits("proportion", 20.0, [100], 100.0, 0.998)
    assert wide_low[0] < low[0] and wide_high[0] > high[0]
    rate_low, rate_high = funnel_limits("rate", 5.0, [2000], 1000.0, 0.95)
    assert rate_low[0] < 5.0 < rate_high[0]
    assert np.isnan(funnel_limits("mean", 30.0, [50], 1.0, 0.95)[0][0])
