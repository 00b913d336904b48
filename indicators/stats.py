"""Statistics behind the dashboard's honesty cues: 95 % intervals, change verdicts, run and
control charts.

Everything here is a pure function of numbers: no I/O, no Streamlit, no config objects. The
dashboard's readers are not statisticians, so the functions prefer to say "cannot tell" (NaN,
'not_assessable', 'too_few_points') over an answer the data cannot support:

* an interval is only computed from the numerator and denominator a source gave; a missing
  denominator is never back-calculated from a rounded value;
* a change between two periods counts only when the two 95 % intervals do not overlap (a
  conservative rule that is easy to explain: "the ranges do not touch");
* a run chart with too few points never reports "normal variation".

Methods:

* proportions: Wilson score interval (Wilson 1927; Newcombe 1998, method 3);
* counts and rates: exact Poisson interval from the chi-square / gamma quantiles below 10 events,
  Byar's approximation (Breslow & Day 1987) from 10 events up;
* run charts: Anhøj's rules (Anhøj & Olesen 2014; Anhøj 2015) with an optional frozen baseline,
  plus points outside the 3-sigma limits of an individuals (XmR) chart;
* p and u charts: 3-sigma limits around the pooled centre line (Montgomery; Provost & Murray).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

# scipy.special, not scipy.stats: importing scipy.stats takes over a second and every page (so a
# fresh server's first request) imports this module; its quantiles are these same scipy.special
# functions. The few uses of scipy.stats import it where they run.

Kind = Literal["proportion", "rate", "count", "mean"]
Direction = Literal["up_is_good", "down_is_good", "neutral"]
ChangeStatus = Literal[
    "improved", "worsened", "increased", "decreased", "no_clear_change", "not_assessable"
]
Verdict = Literal["too_few_points", "signal", "normal_variation"]
Side = Literal["below", "above"]

#: Below this many events the exact Poisson interval is used, from here on Byar's approximation.
EXACT_POISSON_BELOW = 10
#: XmR chart: 3 sigma = 3 / d2 (d2 = 1.128 for moving ranges of two) x mean moving range.
XMR_FACTOR = 2.66
#: Control limits computed from fewer points than this are "trial" limits.
TRIAL_LIMIT_POINTS = 12

ArrayLike = Any  # scalars, sequences, numpy arrays, pandas Series (possibly with pd.NA)


# --------------------------------------------------------------------------------------------
# helpers

def _as_float(values: ArrayLike) -> np.ndarray:
    """Float64 array (0-d for a scalar) with every kind of missing value (None, pd.NA) as NaN."""
    try:
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        # object data holding pd.NA and friends; anything non-numeric still raises
        obj = np.asarray(values, dtype=object)
        flat = pd.to_numeric(pd.Series(obj.ravel(), dtype=object))
        return flat.to_numpy(dtype="float64", na_value=np.nan).reshape(obj.shape)


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    return float(special.ndtri(0.5 + confidence / 2.0))


def _nan_like(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan, dtype="float64")


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


# --------------------------------------------------------------------------------------------
# intervals


def wilson_interval(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, on the 0–1 scale, vectorised.

    Chosen over the textbook Wald interval because it stays inside 0–1 and keeps close to its
    nominal coverage with the small numbers and extreme proportions a municipality produces
    (0 of 12, 11 of 12). NaN where the numerator or denominator is missing, the denominator is
    not positive, or the numerator is outside 0..denominator (an impossible proportion is not
    given a range).
    """
    z = _z(confidence)
    x, n = np.broadcast_arrays(_as_float(numerator), _as_float(denominator))
    low, high = _nan_like(x.shape), _nan_like(x.shape)
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n)
    if not valid.any():
        return low, high
    xs, ns = x[valid], n[valid]
    z2 = z * z
    p = xs / ns
    shrink = 1.0 + z2 / ns
    centre = (p + z2 / (2.0 * ns)) / shrink
    half = z * np.sqrt(p * (1.0 - p) / ns + z2 / (4.0 * ns * ns)) / shrink
    # the bounds are exactly 0 and 1 at the edges; do not let rounding say otherwise
    low[valid] = np.where(xs == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high[valid] = np.where(xs == ns, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def poisson_interval(count: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Interval for the expected number of events given an observed count, vectorised.

    Exact (Garwood) limits from the gamma quantiles, equivalent to chi-square(2x)/2 and
    chi-square(2x + 2)/2, for fewer than 10 events; Byar's approximation from 10 events up, where
    it agrees with the exact limits to within a few per cent. The lower limit is 0 for a count of 0.
    NaN for a missing or negative count.
    """
    z = _z(confidence)
    alpha = 1.0 - confidence
    x = _as_float(count)
    low, high = _nan_like(x.shape), _nan_like(x.shape)
    valid = np.isfinite(x) & (x >= 0)

    exact = valid & (x < EXACT_POISSON_BELOW)
    if exact.any():
        xe = x[exact]
        safe_shape = np.where(xe > 0, xe, 1.0)  # gamma with shape 0 is undefined; lower is 0 there
        low[exact] = np.where(xe > 0, special.gammaincinv(safe_shape, alpha / 2.0), 0.0)
        high[exact] = special.gammaincinv(xe + 1.0, 1.0 - alpha / 2.0)

    byar = valid & (x >= EXACT_POISSON_BELOW)
    if byar.any():
        xb = x[byar]
        xb1 = xb + 1.0
        low[byar] = xb * (1.0 - 1.0 / (9.0 * xb) - z / (3.0 * np.sqrt(xb))) ** 3
        high[byar] = xb1 * (1.0 - 1.0 / (9.0 * xb1) + z / (3.0 * np.sqrt(xb1))) ** 3
    return low, high


def value_interval(
    kind: Kind,
    numerator: ArrayLike,
    denominator: ArrayLike,
    scale: float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Interval on the indicator's own scale (the scale `indicators.aggregate.compute_value` uses).

    * proportion: Wilson interval x scale (scale 100 for percent);
    * rate: Poisson interval of the count / denominator x scale (1000 for per 1 000), treating
      the denominator (population) as fixed;
    * count: Poisson interval of the count itself (like the value, not multiplied by scale);
    * mean: NaN: an interval for a mean needs the spread of the responses, which the store does
      not hold.

    NaN wherever a figure that is needed is missing. The denominator is never back-calculated
    from a published value and a numerator, because a rounded value would give a wrong one.
    """
    x, n = np.broadcast_arrays(_as_float(numerator), _as_float(denominator))
    if kind == "mean":
        return _nan_like(x.shape), _nan_like(x.shape)
    if kind == "count":
        return poisson_interval(x, confidence)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if kind == "proportion":
        low, high = wilson_interval(x, n, confidence)
        low *= scale  # in place: keeps 0-d arrays arrays for scalar input
        high *= scale
        return low, high
    if kind == "rate":
        low, high = poisson_interval(x, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(np.isfinite(n) & (n > 0), scale / n, np.nan)
        low *= factor
        high *= factor
        return low, high
    raise ValueError(f"unknown indicator kind {kind!r}")


# --------------------------------------------------------------------------------------------
# change between two periods


def change_status(
    direction: Direction,
    latest: float,
    latest_low: float,
    latest_high: float,
    previous: float,
    previous_low: float,
    previous_high: float,
) -> ChangeStatus:
    """Verdict on the change from `previous` to `latest`.

    A change counts only when the two 95 % intervals do not overlap; intervals that merely touch
    count as overlapping. This is stricter than a test of the difference (two intervals can
    overlap a little while the difference is still significant at 5 %), which is deliberate: a
    reader can check the rule by eye on the chart, and a "no clear change" is the safe error.

    Returns 'improved' / 'worsened' for indicators with a good direction, 'increased' /
    'decreased' for neutral ones, 'no_clear_change' when the intervals overlap, and
    'not_assessable' when either value or any interval bound is missing (no interval, no verdict)
    or a bound pair is inverted.
    """
    if direction not in ("up_is_good", "down_is_good", "neutral"):
        raise ValueError(f"unknown direction {direction!r}")
    figures = (latest, latest_low, latest_high, previous, previous_low, previous_high)
    if any(_is_missing(v) for v in figures):
        return "not_assessable"
    _, lo1, hi1, _, lo0, hi0 = (float(v) for v in figures)
    if lo1 > hi1 or lo0 > hi0:
        return "not_assessable"
    if lo1 > hi0:
        went = "up"
    elif hi1 < lo0:
        went = "down"
    else:
        return "no_clear_change"
    if direction == "neutral":
        return "increased" if went == "up" else "decreased"
    good = (went == "up") == (direction == "up_is_good")
    return "improved" if good else "worsened"


# --------------------------------------------------------------------------------------------
# run chart (Anhøj's rules)


@dataclass(frozen=True)
class RunChartResult:
    """Outcome of `run_chart`.

    `astronomical_indices` index into the `values` given to `run_chart`. The limits are None when
    no useful point was tested. With `verdict == 'too_few_points'` no rule is applied: all
    signal flags are False, `astronomical_indices` is empty and `shift_direction` is None, while
    the descriptive numbers (median, runs, crossings) are still filled in. `xmr_centre`,
    `xmr_lower` and `xmr_upper` are the individuals-chart line and 3-sigma limits from the
    baseline (NaN when the baseline has no two adjacent points).
    """

    median: float
    n_tested: int
    n_useful: int
    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None
    astronomical_indices: list[int]
    signal_long_run: bool
    signal_few_crossings: bool
    signal_astronomical: bool
    verdict: Verdict
    shift_direction: Side | None
    xmr_centre: float = float("nan")
    xmr_lower: float = float("nan")
    xmr_upper: float = float("nan")


def longest_run_limit(n_useful: int) -> int:
    """Anhøj's upper prediction limit for the longest run: round(log2(n) + 3), half up."""
    if n_useful < 1:
        raise ValueError("the longest-run limit needs at least one useful observation")
    return int(np.floor(np.log2(n_useful) + 3.0 + 0.5))


def crossings_limit(n_useful: int) -> int:
    """Anhøj's lower prediction limit for crossings: the 5th percentile of Bin(n - 1, 0.5).

    The smallest k with P(X <= k) >= 0.05, as R's qbinom(0.05, n - 1, 0.5). The cumulative
    probabilities are multiples of 2^-(n-1), so none equals 0.05 exactly and rounding cannot move
    the answer.
    """
    if n_useful < 1:
        raise ValueError("the crossings limit needs at least one useful observation")
    trials = n_useful - 1
    from scipy.stats import binom  # here, not on import: see the note on scipy.special

    cdf = binom.cdf(np.arange(trials + 1), trials, 0.5)
    return int(np.argmax(cdf >= 0.05))


def run_chart(
    values: Sequence[float], *, baseline_count: int | None = None, min_points: int = 10
) -> RunChartResult:
    """Apply Anhøj's run-chart rules, optionally against a frozen baseline.

    `baseline_count` is the number of leading points measured before an action started: the
    median (centre line) and the XmR limits are computed on those points only and the rules are
    applied to the points after them. Without it, the median of all points is used and all points
    are tested.

    * Points exactly on the median are not useful and neither start, break nor extend a run;
      missing values (NaN) are skipped the same way.
    * Unusually long run: the longest run of useful points on one side of the median exceeds
      round(log2(n) + 3), n = useful points tested.
    * Too few crossings: fewer crossings of the median than the 5th percentile of Bin(n - 1, 0.5).
    * Astronomical point: a tested point outside mean ± 2.66 x mean moving range of the baseline.

    Verdict: 'too_few_points' when fewer than `min_points` non-missing points are tested; else
    'signal' when any rule fires; else 'normal_variation', but only if at least `min_points`
    useful points were tested: points on the median reduce the power of the rules, and too little
    information must not read as "no change" ('too_few_points' then).

    `shift_direction` is the side of the median ('below' / 'above') of the run(s) longer than the
    limit, so a caller can tell improvement from worsening; None without a long-run signal, or
    when runs longer than the limit lie on both sides (the direction is then not one thing).
    """
    if min_points < 1:
        raise ValueError("min_points must be at least 1")
    data = _as_float(values).ravel()
    if baseline_count is None:
        baseline, start = data, 0
    else:
        if baseline_count < 1:
            raise ValueError("baseline_count must be at least 1 (or None for no baseline)")
        baseline, start = data[:baseline_count], min(baseline_count, data.size)

    observed_base = baseline[~np.isnan(baseline)]
    median = float(np.median(observed_base)) if observed_base.size else float("nan")

    # individuals (XmR) chart on the baseline; moving ranges only between adjacent periods
    moving_ranges = np.abs(np.diff(baseline))
    moving_ranges = moving_ranges[~np.isnan(moving_ranges)]
    if moving_ranges.size:
        centre = float(observed_base.mean())
        spread = XMR_FACTOR * float(moving_ranges.mean())
        xmr_lower, xmr_upper = centre - spread, centre + spread
    else:
        centre = xmr_lower = xmr_upper = float("nan")

    tested = data[start:]
    positions = np.arange(start, data.size)
    observed = ~np.isnan(tested)
    tested, positions = tested[observed], positions[observed]
    n_tested = int(tested.size)

    sides = np.sign(tested - median) if np.isfinite(median) else np.zeros(0)
    sides = sides[sides != 0]
    n_useful = int(sides.size)

    if n_useful:
        changes = np.flatnonzero(sides[1:] != sides[:-1])
        bounds = np.concatenate(([0], changes + 1, [n_useful]))
        run_lengths = np.diff(bounds)
        run_sides = sides[bounds[:-1]]
        longest, crossings = int(run_lengths.max()), int(changes.size)
        run_limit, cross_limit = longest_run_limit(n_useful), crossings_limit(n_useful)
    else:
        run_lengths = run_sides = np.zeros(0)
        longest = crossings = 0
        run_limit = cross_limit = None

    descriptive = {
        "median": median,
        "n_tested": n_tested,
        "n_useful": n_useful,
        "longest_run": longest,
        "longest_run_limit": run_limit,
        "crossings": crossings,
        "crossings_limit": cross_limit,
        "xmr_centre": centre,
        "xmr_lower": xmr_lower,
        "xmr_upper": xmr_upper,
    }
    if n_tested < min_points:
        return RunChartResult(
            **descriptive,
            astronomical_indices=[],
            signal_long_run=False,
            signal_few_crossings=False,
            signal_astronomical=False,
            verdict="too_few_points",
            shift_direction=None,
        )

    signal_long_run = run_limit is not None and longest > run_limit
    signal_few_crossings = cross_limit is not None and crossings < cross_limit
    outside = (tested > xmr_upper) | (tested < xmr_lower)  # False throughout for NaN limits
    astronomical = [int(i) for i in positions[outside]]

    shift: Side | None = None
    if signal_long_run:
        long_sides = set(run_sides[run_lengths > run_limit].tolist())
        if len(long_sides) == 1:
            shift = "above" if long_sides.pop() > 0 else "below"

    any_signal = signal_long_run or signal_few_crossings or bool(astronomical)
    if any_signal:
        verdict: Verdict = "signal"
    elif n_useful < min_points:
        verdict = "too_few_points"
    else:
        verdict = "normal_variation"
    return RunChartResult(
        **descriptive,
        astronomical_indices=astronomical,
        signal_long_run=signal_long_run,
        signal_few_crossings=signal_few_crossings,
        signal_astronomical=bool(astronomical),
        verdict=verdict,
        shift_direction=shift,
    )


# --------------------------------------------------------------------------------------------
# control charts for proportions and rates


def p_chart_limits(
    numerators: ArrayLike, denominators: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre line and per-point 3-sigma limits of a p chart, on the 0–1 scale.

    The centre is the pooled proportion sum(numerators) / sum(denominators) over the points with
    both figures; the limits are p ± 3 sqrt(p (1 - p) / n_i), clipped to 0..1. The centre is
    returned for every point; limits are NaN where a point's figures are missing or impossible.
    """
    x, n = np.broadcast_arrays(_as_float(numerators), _as_float(denominators))
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n)
    lower, upper = _nan_like(x.shape), _nan_like(x.shape)
    if not valid.any():
        return _nan_like(x.shape), lower, upper
    p = float(x[valid].sum() / n[valid].sum())
    sigma = np.sqrt(p * (1.0 - p) / n[valid])
    lower[valid] = np.maximum(p - 3.0 * sigma, 0.0)
    upper[valid] = np.minimum(p + 3.0 * sigma, 1.0)
    return np.full(x.shape, p), lower, upper


def u_chart_limits(
    counts: ArrayLike, exposures: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre line and per-point 3-sigma limits of a u chart, as events per unit of exposure.

    The centre is the pooled rate sum(counts) / sum(exposures); the limits are
    u ± 3 sqrt(u / e_i), the lower one clipped at 0. Multiply by the indicator's scale (e.g. 1000)
    for display. Limits are NaN where a point's figures are missing or invalid.
    """
    c, e = np.broadcast_arrays(_as_float(counts), _as_float(exposures))
    valid = np.isfinite(c) & np.isfinite(e) & (e > 0) & (c >= 0)
    lower, upper = _nan_like(c.shape), _nan_like(c.shape)
    if not valid.any():
        return _nan_like(c.shape), lower, upper
    u = float(c[valid].sum() / e[valid].sum())
    sigma = np.sqrt(u / e[valid])
    lower[valid] = np.maximum(u - 3.0 * sigma, 0.0)
    upper[valid] = u + 3.0 * sigma
    return np.full(c.shape, u), lower, upper


def trial_limits(n_points: int) -> bool:
    """True when control limits rest on fewer than 12 points and should be labelled 'trial'."""
    return n_points < TRIAL_LIMIT_POINTS


def funnel_limits(kind: str, target: float, denominators: ArrayLike, scale: float,
                  confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Funnel-plot control limits around `target` (on the indicator's scale) for each denominator.

    Exact: binomial quantiles for proportions, Poisson quantiles for rates, as the share of the
    denominator; 95 % and 99.8 % are the usual pair (about 2 and 3 standard errors). NaN where
    the denominator is missing or zero, or for kinds without a count model (counts, means).
    """
    from scipy.stats import binom, poisson

    n = _as_float(denominators)
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    ok = np.isfinite(n) & (n > 0) & np.isfinite(target)
    if kind not in ("proportion", "rate") or not ok.any():
        return low, high
    tail = (1 - confidence) / 2
    rate = target / scale
    size = np.round(n[ok]).astype(int)
    if kind == "proportion":
        p = min(max(rate, 0.0), 1.0)
        lo, hi = binom.ppf(tail, size, p), binom.ppf(1 - tail, size, p)
    else:
        mu = np.maximum(rate * size, 0.0)
        lo, hi = poisson.ppf(tail, mu), poisson.ppf(1 - tail, mu)
    low[ok] = lo / size * scale
    high[ok] = hi / size * scale
    return low, high
