"""Method notes: what the dashboard's intervals, signals, hidden cells and statuses mean, with
worked examples computed from the store by the same functions the pages use.

The note texts live in the message catalogue (`locales/<lang>.methods.yaml`); the numbers in
them come from here, so a note can never disagree with the chart it explains. An example is None
when the data has nothing to show it with (a new deployment, an empty store): the page then says
so instead of inventing numbers. Examples use only public cells (`observation_public`) and counts
of hidden cells, never a hidden figure or the reason one particular cell was hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from indicators import goals, omatiimi, phenomena, privacy, progress, queries
from indicators.config import Config, Indicator
from indicators.formatting import format_date, format_number, format_period, unit_label
from indicators.i18n import t
from indicators.stats import funnel_limits

#: The sections of the methods page, in order; each is also the anchor of its heading there.
TOPICS: tuple[str, ...] = ("intervals", "small_areas", "signals", "suppression", "progress",
                           "surveys", "demo", "glossary")

#: The pages that show what a topic explains (pages/*.py), for the "where you see this" links.
TOPIC_PAGES: dict[str, tuple[str, ...]] = {
    "intervals": ("overview", "indicator", "goals", "review"),
    "small_areas": ("indicator", "phenomena"),
    "signals": ("phenomena", "omatiimi", "review"),
    "suppression": ("indicator", "omatiimi", "data"),
    "progress": ("goals", "review"),
    "surveys": ("indicator", "goals"),
    "demo": ("data",),
    "glossary": (),
}

#: Which notes each page's "what does this mean?" boxes explain (a test checks every page has
#: its box and that the links lead to existing sections).
PAGE_TOPICS: dict[str, tuple[str, ...]] = {
    "overview": ("intervals", "suppression", "demo"),
    "indicator": ("intervals", "small_areas", "suppression", "surveys"),
    "goals": ("progress", "intervals", "surveys"),
    "review": ("progress", "signals", "intervals", "suppression"),
    "phenomena": ("signals", "small_areas", "suppression"),
    "omatiimi": ("signals", "suppression", "intervals"),
    "data": ("demo", "suppression"),
}


def body_params(config: Config, lang: str) -> dict[str, str]:
    """The rule numbers the notes' body texts name (thresholds, the smallest cell size)."""
    min_n = min((i.min_n for i in config.indicators.values()), default=5)
    return {
        "min_n": str(min_n),
        "min_n_minus_one": str(min_n - 1),
        "on_track": format_number(100 * progress.ON_TRACK_RATIO, 0, lang),
        "lagging": format_number(100 * progress.LAGGING_RATIO, 0, lang),
        "too_early": format_number(100 * progress.TOO_EARLY_EXPECTED, 0, lang),
    }


def methods_href(topic: str, lang: str) -> str:
    """A relative link to one section of the methods page (`methods?lang=fi&topic=signals`),
    opened by Streamlit in a new tab. The page scrolls to the section named by `topic`: an
    address's `#anchor` alone does not survive, as the app rewrites its query string on load."""
    if topic not in TOPICS:
        raise ValueError(f"unknown method topic {topic!r}")
    return f"methods?{urlencode({'lang': lang, 'topic': topic})}#{topic}"


def note_link(topic: str, lang: str) -> str:
    """'Lue lisää: <note> (avautuu uuteen välilehteen)' as a Markdown link to the note."""
    title = t(f"methods.{topic}.title", lang)
    return f"[{t('methods.explain.more', lang, topic=title)}]({methods_href(topic, lang)})"


# --------------------------------------------------------------------------------------------
# intervals, change and small areas


@dataclass(frozen=True)
class AreaFigure:
    """One area's visible figure in one period, with its 95 % interval."""

    area_code: str
    numerator: float
    denominator: float
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class IntervalExample:
    """The county's latest figure of a headline indicator with its interval, and its change
    verdict against the comparison period, as the overview and the indicator page give them."""

    indicator_id: str
    period: str
    county: AreaFigure
    compare_period: str | None
    compare: AreaFigure | None
    change_status: str


@dataclass(frozen=True)
class FunnelExample:
    """A phenomenon indicator's funnel plot as the phenomena page draws it (same level, period
    and county value): its smallest and largest visible municipality with their intervals and
    the 95 % funnel limits at their sizes."""

    indicator_id: str
    period: str
    target: float  # the county value the funnel is drawn around
    small: AreaFigure
    large: AreaFigure
    funnel_small: tuple[float, float]
    funnel_large: tuple[float, float]

    def one_more(self, figure: AreaFigure, scale: float) -> float:
        """How much one more event would move the area's value (the value's scale)."""
        return scale / figure.denominator


def _figure(row: pd.Series) -> AreaFigure:
    return AreaFigure(str(row["area_code"]), float(row["numerator"]), float(row["denominator"]),
                      float(row["value"]), float(row["low"]), float(row["high"]))


def _example_indicators(config: Config) -> list[Indicator]:
    """Headline proportions and rates first (what people look at), then the rest."""
    heads = [i for i in config.headline_indicators() if i.kind in ("proportion", "rate")]
    rest = [i for i in config.indicators.values()
            if i.kind in ("proportion", "rate") and i not in heads]
    return heads + rest


def _with_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """Visible rows with a numerator, a positive denominator and an interval."""
    return frame[~frame["suppressed"].astype(bool) & frame["denominator"].gt(0)
                 & frame["numerator"].notna() & frame["low"].notna()]


def interval_example(reader: queries.Reader, config: Config) -> IntervalExample | None:
    """The first headline proportion or rate (then any other) whose county figure of the latest
    period the pages show has an interval (None: no such)."""
    county = config.county_code
    for indicator in _example_indicators(config):
        level = queries.default_level(indicator, queries.period_levels(reader, indicator.id))
        if level is None or level == "pool":
            continue
        frame = queries.series(reader, indicator, [county], level=level)
        latest = queries.latest_of(frame, indicator, [county])[0]
        rows = {str(row["period"]): row for _, row in _with_interval(frame).iterrows()}
        if latest.period not in rows:
            continue  # the page's latest figure is hidden or has no interval: not this one
        compare = rows.get(latest.compare_period or "")
        return IntervalExample(indicator.id, latest.period, _figure(rows[latest.period]),
                               latest.compare_period,
                               None if compare is None else _figure(compare), latest.status)
    return None


def funnel_example(reader: queries.Reader, config: Config) -> FunnelExample | None:
    """The first phenomenon proportion or rate with a funnel plot on the phenomena page and at
    least two visible municipalities on it (None: no such)."""
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    seen: set[str] = set()
    for phenomenon in config.phenomena:
        for indicator_id in phenomenon.indicator_ids:
            indicator = config.indicators[indicator_id]
            if indicator.kind not in ("proportion", "rate") or indicator_id in seen:
                continue
            seen.add(indicator_id)
            points, period, target = queries.funnel_points(
                reader, indicator, municipalities, config.county_code,
                phenomena.funnel_level(indicator))
            local = _with_interval(points).sort_values(["denominator", "area_code"])
            if period is None or len(local) < 2:
                continue
            small, large = _figure(local.iloc[0]), _figure(local.iloc[-1])
            low, high = funnel_limits(indicator.kind, target,
                                      [small.denominator, large.denominator], indicator.scale,
                                      0.95)
            return FunnelExample(indicator_id, period, target, small, large,
                                 (float(low[0]), float(high[0])), (float(low[1]), float(high[1])))
    return None


def _area_params(prefix: str, figure: AreaFigure, indicator: Indicator, config: Config,
                 lang: str) -> dict[str, str]:
    decimals = indicator.decimals
    return {
        f"{prefix}_area": config.areas[figure.area_code].name(lang),
        f"{prefix}_numerator": format_number(figure.numerator, 0, lang),
        f"{prefix}_denominator": format_number(figure.denominator, 0, lang),
        f"{prefix}_value": format_number(figure.value, decimals, lang),
        f"{prefix}_low": format_number(figure.low, decimals, lang),
        f"{prefix}_high": format_number(figure.high, decimals, lang),
    }


def interval_params(example: IntervalExample, config: Config, lang: str) -> dict[str, str]:
    """The example's numbers as the note prints them (the indicator's decimals, the language's
    number format)."""
    indicator = config.indicators[example.indicator_id]
    params = {
        "indicator": indicator.name.get(lang),
        "unit": unit_label(indicator.unit, lang),
        "period": format_period(example.period, lang),
        "compare_period": format_period(example.compare_period, lang)
        if example.compare_period else "–",
        "status": t(f"status.{example.change_status}", lang),
    }
    params.update(_area_params("county", example.county, indicator, config, lang))
    if example.compare is not None:
        params.update(_area_params("compare", example.compare, indicator, config, lang))
    return params


def funnel_params(example: FunnelExample, config: Config, lang: str) -> dict[str, str]:
    indicator = config.indicators[example.indicator_id]
    decimals = indicator.decimals
    params = {
        "indicator": indicator.name.get(lang),
        "unit": unit_label(indicator.unit, lang),
        "period": format_period(example.period, lang),
        "target": format_number(example.target, decimals, lang),
        "small_one_more": format_number(example.one_more(example.small, indicator.scale),
                                        decimals + 1, lang),
        "large_one_more": format_number(example.one_more(example.large, indicator.scale),
                                        decimals + 2, lang),
        "funnel_small_low": format_number(example.funnel_small[0], decimals, lang),
        "funnel_small_high": format_number(example.funnel_small[1], decimals, lang),
        "funnel_large_low": format_number(example.funnel_large[0], decimals, lang),
        "funnel_large_high": format_number(example.funnel_large[1], decimals, lang),
    }
    params.update(_area_params("small", example.small, indicator, config, lang))
    params.update(_area_params("large", example.large, indicator, config, lang))
    return params


def change_key(example: IntervalExample) -> str:
    """Which sentence explains the county's change: the intervals overlap or they do not."""
    if example.compare is None or example.change_status == "not_assessable":
        return "no_compare"
    return "overlap" if example.change_status == "no_clear_change" else "apart"


# --------------------------------------------------------------------------------------------
# signals: run charts and control charts


@dataclass(frozen=True)
class SignalExample:
    """A phenomenon's run-chart verdict in one area, as the phenomena page computes it."""

    phenomenon_id: str
    indicator_id: str
    area_code: str
    verdict: phenomena.Verdict


def signal_examples(reader: queries.Reader, config: Config) -> list[SignalExample]:
    """Every verdict the phenomena page's summary shows that was judged (not 'too few points',
    not 'no data'): signals first, then 'no signal', each in the pages' order."""
    found: list[SignalExample] = []
    for phenomenon in config.phenomena:
        start = phenomenon.first_action_start()
        for indicator_id in phenomenon.indicator_ids:
            indicator = config.indicators[indicator_id]
            for area, _role in phenomena.acting_and_comparison(phenomenon):
                frame = queries.series(reader, indicator, [area],
                                       level=phenomena.chart_level(indicator))
                verdict = phenomena.verdict_for(frame, indicator, start)
                if verdict.result is not None and verdict.code not in ("too_few_points",
                                                                       "no_data"):
                    found.append(SignalExample(phenomenon.id, indicator_id, area, verdict))
    return sorted(found, key=lambda e: e.verdict.code == "no_signal")  # stable: page order kept


def signal_params(example: SignalExample, config: Config, lang: str) -> dict[str, str]:
    result = example.verdict.result
    assert result is not None  # signal_examples keeps judged verdicts only
    indicator = config.indicators[example.indicator_id]
    phenomenon = next(p for p in config.phenomena if p.id == example.phenomenon_id)
    return {
        "phenomenon": phenomenon.name.get(lang),
        "indicator": indicator.name.get(lang),
        "area": config.areas[example.area_code].name(lang),
        "action_start": format_date(phenomenon.first_action_start(), lang),
        "baseline": str(example.verdict.baseline_count),
        "after": str(example.verdict.after_count),
        "median": format_number(result.median, indicator.decimals, lang),
        "useful": str(result.n_useful),
        "run": str(result.longest_run),
        "run_limit": str(result.longest_run_limit),
        "crossings": str(result.crossings),
        "crossings_limit": str(result.crossings_limit),
        "xmr_low": format_number(result.xmr_lower, indicator.decimals, lang),
        "xmr_high": format_number(result.xmr_upper, indicator.decimals, lang),
        "astronomical": str(len(result.astronomical_indices)),
        "verdict": t(f"phenomenon.verdict.{example.verdict.code}", lang),
        "run_verdict": _rule_word(result.signal_long_run, lang),
        "crossings_verdict": _rule_word(result.signal_few_crossings, lang),
        "astronomical_verdict": _rule_word(result.signal_astronomical, lang),
    }


def _rule_word(hit: bool, lang: str) -> str:
    return t("methods.signals.rule_hit" if hit else "methods.signals.rule_miss", lang)


def contrast_example(examples: Sequence[SignalExample]) -> SignalExample | None:
    """A 'no signal' verdict to set beside the first signal: the same indicator if it has one."""
    quiet = [e for e in examples if e.verdict.code == "no_signal"]
    if not quiet or examples[0].verdict.code == "no_signal":
        return None  # nothing to contrast with: the first example is already the quiet kind
    same = [e for e in quiet if e.indicator_id == examples[0].indicator_id]
    return (same or quiet)[0]


@dataclass(frozen=True)
class ControlExample:
    """The latest visible month of an Omatiimi control chart (p or u chart) in one region."""

    indicator_id: str
    area_code: str
    period: str
    value: float
    centre: float
    lower: float
    upper: float
    months: int
    trial: bool
    outside: int  # months outside the limits on the whole chart


def control_example(reader: queries.Reader, config: Config) -> ControlExample | None:
    """The Omatiimi page's default trend indicator, if it has a p or u chart, in the area the page
    opens on (the county), else the first region whose chart has limits; its latest month with
    limits."""
    trend = omatiimi.trend_indicators(config)
    trend.sort(key=lambda i: i.id != omatiimi.DEFAULT_TREND)  # the page's default first
    for indicator in trend:
        if indicator.kind not in ("proportion", "rate"):
            continue
        for area in dict.fromkeys([omatiimi.shown_area(config, None), *config.region_codes]):
            frame = queries.series(reader, indicator, [area], level="month")
            if frame.empty:
                continue
            rows = frame.sort_values("period_start").reset_index(drop=True)
            chart = omatiimi.control_chart(rows, indicator)
            if chart.chart == "run" or chart.lower is None or chart.upper is None:
                continue
            with_limits = [i for i in chart.positions
                           if np.isfinite(chart.lower[i]) and np.isfinite(chart.upper[i])]
            if not with_limits:
                continue
            last = with_limits[-1]
            return ControlExample(indicator.id, area, str(rows.loc[last, "period"]),
                                  float(rows.loc[last, "value"]), chart.centre,
                                  float(chart.lower[last]), float(chart.upper[last]),
                                  chart.n_points, chart.trial, len(chart.outside))
    return None


def control_params(example: ControlExample, config: Config, lang: str) -> dict[str, str]:
    indicator = config.indicators[example.indicator_id]
    decimals = indicator.decimals
    inside = example.lower <= example.value <= example.upper
    return {
        "indicator": indicator.name.get(lang),
        "unit": unit_label(indicator.unit, lang),
        "area": config.areas[example.area_code].name(lang),
        "period": format_period(example.period, lang),
        "position": t("methods.signals.control_inside" if inside
                      else "methods.signals.control_outside", lang),
        "trial": t("methods.signals.control_trial" if example.trial
                   else "methods.signals.control_settled", lang),
        "value": format_number(example.value, decimals, lang),
        "centre": format_number(example.centre, decimals, lang),
        "lower": format_number(example.lower, decimals, lang),
        "upper": format_number(example.upper, decimals, lang),
        "months": str(example.months),
        "outside": str(example.outside),
    }


# --------------------------------------------------------------------------------------------
# hidden cells


@dataclass(frozen=True)
class SuppressionCounts:
    """How many figures of the store (every area level, the sums to regions and the county
    included) are hidden, by area level. Only these counts: not why, since a split into "own
    small figures" and "protecting another" could tell why every ".." of a small store is one."""

    cells: int
    hidden: int
    municipality_hidden: int
    municipality_cells: int
    wider_hidden: int  # regions, the county and the country
    wider_cells: int


PRIMARY_REASONS = ("small_count", "small_complement", "small_denominator")


def suppression_counts(reader: queries.Reader, config: Config) -> SuppressionCounts:
    frame = reader.query_df(
        "SELECT area_code, suppressed, COUNT(*) AS cells FROM observation_public "
        "GROUP BY area_code, suppressed")
    levels = frame["area_code"].map(lambda c: config.areas[c].level if c in config.areas
                                    else "municipality")
    hidden = frame["suppressed"].astype(bool)
    cells = frame["cells"].astype(int)
    municipal = levels.eq("municipality")
    return SuppressionCounts(
        cells=int(cells.sum()), hidden=int(cells[hidden].sum()),
        municipality_hidden=int(cells[hidden & municipal].sum()),
        municipality_cells=int(cells[municipal].sum()),
        wider_hidden=int(cells[hidden & ~municipal].sum()),
        wider_cells=int(cells[~municipal].sum()))


def suppression_params(counts: SuppressionCounts, lang: str) -> dict[str, str]:
    return {name: format_number(value, 0, lang) for name, value in vars(counts).items()}


@dataclass(frozen=True)
class SuppressionIllustration:
    """A made-up region of three municipalities run through the real disclosure control."""

    counts: tuple[int, ...]  # cases per municipality A, B, C
    populations: tuple[int, ...]
    hidden: tuple[bool, ...]
    reasons: tuple[str | None, ...]
    total: int
    total_hidden: bool
    min_n: int


def illustration_counts(min_n: int) -> tuple[int, int, int]:
    """Cases in the made-up municipalities A, B, C: one small (below `min_n`, not zero), two
    well above it (3, 41 and 58 for the usual 5)."""
    return max(1, min_n - 2), 8 * min_n + 1, 11 * min_n + 3


def suppression_illustration(min_n: int = 5) -> SuppressionIllustration | None:
    """Municipalities A, B, C of region R with made-up figures (not data), hidden by
    `privacy.suppress` exactly as the store hides real cells of a proportion. None when
    `min_n` is 1: nothing is small then."""
    if min_n < 2:
        return None
    counts = illustration_counts(min_n)
    populations = tuple(70 * c + 140 * min_n for c in counts)  # no complement is small
    cells = pd.DataFrame({
        "area_code": ["A", "B", "C", "R"], "period": "2025", "sex": "total", "grp": "total",
        "numerator": [*counts, sum(counts)], "denominator": [*populations, sum(populations)],
    })
    out = privacy.suppress(cells, kind="proportion", min_n=min_n,
                           area_parent={"A": "R", "B": "R", "C": "R"}, time_sum=False)
    hidden = out["hidden"].tolist()
    return SuppressionIllustration(counts, populations, tuple(bool(h) for h in hidden[:3]),
                                   tuple(out["reason"].tolist()[:3]), sum(counts),
                                   bool(hidden[3]), min_n)


def illustration_params(example: SuppressionIllustration, lang: str) -> dict[str, str]:
    names = ("A", "B", "C")
    primary = [n for n, r in zip(names, example.reasons, strict=True) if r in PRIMARY_REASONS]
    secondary = [n for n, r, h in zip(names, example.reasons, example.hidden, strict=True)
                 if h and r not in PRIMARY_REASONS]
    shown = [n for n, h in zip(names, example.hidden, strict=True) if not h]
    first = names.index(primary[0]) if primary else 0
    others = [c for i, c in enumerate(example.counts) if i != first]
    return {
        "a": format_number(example.counts[0], 0, lang),
        "b": format_number(example.counts[1], 0, lang),
        "c": format_number(example.counts[2], 0, lang),
        "total": format_number(example.total, 0, lang),
        "min_n": str(example.min_n),
        "primary": ", ".join(primary) or "–",
        "secondary": ", ".join(secondary) or "–",
        "shown": ", ".join(shown) or "–",
        "recovered": " − ".join([format_number(example.total, 0, lang),
                                 *(format_number(c, 0, lang) for c in others)])
        + f" = {format_number(example.counts[first], 0, lang)}",
    }


# --------------------------------------------------------------------------------------------
# key results and biennial surveys


PACE_STATUSES = ("on_track", "lagging", "at_risk")


def raw_share(result: goals.KeyResultProgress) -> float:
    """The share of the way covered before it is capped to 0–1 (NaN without figures)."""
    if result.baseline is None or result.latest is None:
        return math.nan
    baseline = goals.shown_value(result.baseline.value, result.decimals)
    latest = goals.shown_value(result.latest.value, result.decimals)
    if math.isnan(baseline) or math.isnan(latest) or result.target.value == baseline:
        return math.nan
    return (latest - baseline) / (result.target.value - baseline)


def progress_example(results: Sequence[goals.KeyResultProgress]
                     ) -> goals.KeyResultProgress | None:
    """A key result of an indicator whose pace was judged (on track, lagging, at risk: the
    reason 'pace'), preferably one whose share covered needs no capping to 0–1."""
    judged = [r for r in results if r.status in PACE_STATUSES and r.reason == "pace"
              and r.source == "indicator" and not math.isnan(raw_share(r))]
    judged.sort(key=lambda r: not 0.0 <= raw_share(r) <= 1.0)  # stable: the goals page's order
    return judged[0] if judged else None


def progress_params(result: goals.KeyResultProgress, config: Config,
                    lang: str) -> dict[str, str]:
    """The steps of the key result's status, from the figures as the goals card prints them."""
    from indicators.goal_texts import status_plain, value_text, when_text

    assert result.baseline is not None and result.latest is not None
    baseline = goals.shown_value(result.baseline.value, result.decimals)
    latest = goals.shown_value(result.latest.value, result.decimals)
    target = result.target.value
    kr_name = next(k.name.get(lang) for o in config.objectives for k in o.key_results
                   if k.id == result.key_result_id)
    raw = raw_share(result)
    days_passed = (result.latest.when - result.baseline.when).days
    days_total = (result.target.when - result.baseline.when).days
    return {
        "key_result": kr_name,
        "area": config.areas[result.area_code].name(lang) if result.area_code else "–",
        "baseline": value_text(result, result.baseline, config, lang),
        "baseline_when": when_text(result.baseline, lang),
        "latest": value_text(result, result.latest, config, lang),
        "latest_when": when_text(result.latest, lang),
        "target": value_text(result, result.target, config, lang),
        "target_when": when_text(result.target, lang),
        "covered": format_number(latest - baseline, result.decimals, lang),
        "way": format_number(target - baseline, result.decimals, lang),
        "score": format_number(100 * result.score, 0, lang),
        "raw_score": format_number(100 * raw, 0, lang),
        "capped": "away" if raw < 0 else "beyond" if raw > 1 else "",
        "start": format_date(result.baseline.when, lang),
        "data_date": format_date(result.latest.when, lang),
        "end": format_date(result.target.when, lang),
        "days_passed": format_number(days_passed, 0, lang),
        "days_total": format_number(days_total, 0, lang),
        "expected": format_number(100 * result.expected, 0, lang),
        "pace": format_number(progress.pace_percent(result.score, result.expected), 0, lang),
        # the pace is judged on the unrounded shares: one decimal lets a reader redo the division
        "score_precise": format_number(100 * result.score, 1, lang),
        "expected_precise": format_number(100 * result.expected, 1, lang),
        "status": status_plain(result.status, lang),
        "on_track": format_number(100 * progress.ON_TRACK_RATIO, 0, lang),
        "lagging": format_number(100 * progress.LAGGING_RATIO, 0, lang),
        "too_early": format_number(100 * progress.TOO_EARLY_EXPECTED, 0, lang),
    }


@dataclass(frozen=True)
class SurveyExample:
    """A biennial survey indicator in the county: its years, the latest and what it is compared
    with, when the next figure comes; and a key result on a survey indicator, whose expected
    pace is measured at its latest figure's date, not today."""

    indicator_id: str
    periods: tuple[str, ...]
    latest: str
    compare_period: str | None
    next_period: str | None
    key_result: goals.KeyResultProgress | None
    expected_today: float  # what the expected share would be if it were measured today


def survey_example(reader: queries.Reader, config: Config,
                   results: Sequence[goals.KeyResultProgress],
                   today: date) -> SurveyExample | None:
    surveys = [i for i in _example_indicators(config) if i.period_type == "survey"]
    by_indicator = {r.indicator_id: r for r in results
                    if r.source == "indicator" and r.latest is not None
                    and r.baseline is not None and not math.isnan(r.expected)}
    surveys.sort(key=lambda i: i.id not in by_indicator)  # one with a key result first
    for indicator in surveys:
        frame = queries.series(reader, indicator, [config.county_code], level="year")
        periods = tuple(sorted(frame["period"].astype(str)))
        if not periods:
            continue
        latest = periods[-1]
        result = by_indicator.get(indicator.id)
        expected_today = math.nan
        if result is not None and result.baseline is not None:
            expected_today = progress.expected_score(result.baseline.when, today,
                                                     result.target.when)
        return SurveyExample(indicator.id, periods, latest,
                             queries.comparison_period(latest, set(periods), survey=True),
                             goals.next_period(indicator, latest), result, expected_today)
    return None


def survey_params(example: SurveyExample, config: Config, lang: str) -> dict[str, str]:
    indicator = config.indicators[example.indicator_id]
    params = {
        "indicator": indicator.name.get(lang),
        "years": ", ".join(example.periods),
        "latest": example.latest,
        "compare_period": example.compare_period or "–",
        "next_period": example.next_period or "–",
    }
    result = example.key_result
    if result is not None and result.latest is not None:
        params.update({
            "key_result": next(k.name.get(lang) for o in config.objectives
                               for k in o.key_results if k.id == result.key_result_id),
            "data_date": format_date(result.latest.when, lang),
            "expected": format_number(100 * result.expected, 0, lang),
            "expected_today": format_number(100 * example.expected_today, 0, lang),
        })
    return params


# --------------------------------------------------------------------------------------------
# demo data


@dataclass(frozen=True)
class DataOrigin:
    kind: str  # queries.dataset_kind: demo | mixed | real | empty
    rows: int
    demo_rows: int
    indicators: int
    demo_indicator_ids: frozenset[str]  # indicators whose every source row is demo
    as_of: str | None

    @property
    def demo_indicators(self) -> int:
        return len(self.demo_indicator_ids)


def data_origin(reader: queries.Reader) -> DataOrigin:
    frame = queries.provenance(reader)
    rows = frame["rows"].astype(int)
    demo_rows = frame["demo_rows"].fillna(0).astype(int)
    all_demo = frame.loc[(demo_rows == rows).to_numpy(), "indicator_id"]
    return DataOrigin(queries.dataset_kind(reader), int(rows.sum()), int(demo_rows.sum()),
                      len(frame), frozenset(all_demo.astype(str)),
                      queries.store_meta(reader).get("as_of"))


def origin_params(origin: DataOrigin, lang: str) -> dict[str, str]:
    as_of = "–"
    if origin.as_of:
        as_of = format_date(date.fromisoformat(origin.as_of[:10]), lang)
    return {
        "rows": format_number(origin.rows, 0, lang),
        "demo_rows": format_number(origin.demo_rows, 0, lang),
        "indicators": str(origin.indicators),
        "demo_indicators": str(origin.demo_indicators),
        "as_of": as_of,
    }


# --------------------------------------------------------------------------------------------
# all examples of the page, computed once per store version, and their text


@dataclass(frozen=True)
class Examples:
    intervals: IntervalExample | None
    funnel: FunnelExample | None
    signals: list[SignalExample]
    control: ControlExample | None
    suppression: SuppressionCounts
    illustration: SuppressionIllustration | None
    progress: goals.KeyResultProgress | None
    survey: SurveyExample | None
    origin: DataOrigin


def examples(reader: queries.Reader, config: Config,
             results: Sequence[goals.KeyResultProgress], today: date) -> Examples:
    """Every worked example of the methods page (`results`: the goals page's key results)."""
    min_n = min((i.min_n for i in config.indicators.values()), default=5)
    return Examples(
        intervals=interval_example(reader, config),
        funnel=funnel_example(reader, config),
        signals=signal_examples(reader, config),
        control=control_example(reader, config),
        suppression=suppression_counts(reader, config),
        illustration=suppression_illustration(min_n),
        progress=progress_example(results),
        survey=survey_example(reader, config, results, today),
        origin=data_origin(reader),
    )


def example_indicators(topic: str, found: Examples) -> list[str]:
    """The indicators whose figures a note's example shows (for its demo label); the hidden-cell
    and demo notes count the whole store."""
    ids = {
        "intervals": [found.intervals.indicator_id] if found.intervals else [],
        "small_areas": [found.funnel.indicator_id] if found.funnel else [],
        "signals": [e.indicator_id for e in found.signals[:1]]
        + ([found.control.indicator_id] if found.control else []),
        "progress": [found.progress.indicator_id or ""] if found.progress else [],
        "surveys": [found.survey.indicator_id] if found.survey else [],
    }
    return ids.get(topic, [])


def example_is_demo(topic: str, found: Examples) -> bool:
    """Whether a note's example shows demo figures: any of its indicators is all demo, or for
    the store-wide notes, the store holds any demo data."""
    ids = example_indicators(topic, found)
    if topic in ("suppression", "demo") or not ids:
        return found.origin.kind in ("demo", "mixed")
    return any(i in found.origin.demo_indicator_ids for i in ids)


def example_lines(topic: str, found: Examples, config: Config, lang: str) -> list[str]:
    """The worked example of one note as Markdown paragraphs ([] when the data has none; the
    glossary has no example)."""
    if topic == "intervals":
        if found.intervals is None:
            return []
        params = interval_params(found.intervals, config, lang)
        return [t("methods.intervals.example", lang, **params),
                t(f"methods.intervals.change.{change_key(found.intervals)}", lang, **params)]
    if topic == "small_areas":
        if found.funnel is None:
            return []
        params = funnel_params(found.funnel, config, lang)
        return [t("methods.small_areas.example", lang, **params),
                f"- {t('methods.small_areas.example_small', lang, **params)}\n"
                f"- {t('methods.small_areas.example_large', lang, **params)}"]
    if topic == "signals":
        lines = []
        if found.signals:
            params = signal_params(found.signals[0], config, lang)
            lines = [t("methods.signals.example", lang, **params),
                     "\n".join(f"- {t(f'methods.signals.example_{rule}', lang, **params)}"
                               for rule in ("run", "crossings", "points")),
                     t("methods.signals.example_result", lang, **params)]
            contrast = contrast_example(found.signals)
            if contrast is not None:
                lines.append(t("methods.signals.contrast", lang,
                               **signal_params(contrast, config, lang)))
        if found.control is not None:
            lines.append(t("methods.signals.control_example", lang,
                           **control_params(found.control, config, lang)))
        return lines
    if topic == "suppression":
        lines = [t("methods.suppression.example", lang,
                   **suppression_params(found.suppression, lang))]
        if found.illustration is not None:
            lines.append(t("methods.suppression.illustration", lang,
                           **illustration_params(found.illustration, lang)))
        return lines
    if topic == "progress":
        if found.progress is None:
            return []
        params = progress_params(found.progress, config, lang)
        score_key = f"score_{params['capped']}" if params["capped"] else "score"
        return [t("methods.progress.example", lang, **params),
                "\n".join(f"{n}. {t(f'methods.progress.example_{step}', lang, **params)}"
                          for n, step in enumerate((score_key, "expected", "pace"), start=1))]
    if topic == "surveys":
        if found.survey is None:
            return []
        params = survey_params(found.survey, config, lang)
        lines = [t("methods.surveys.example", lang, **params)]
        if "key_result" in params:
            lines.append(t("methods.surveys.example_key_result", lang, **params))
        return lines
    if topic == "demo":
        return [t(f"methods.demo.example.{found.origin.kind}", lang,
                  **origin_params(found.origin, lang))]
    if topic == "glossary":
        return []
    raise ValueError(f"unknown method topic {topic!r}")
