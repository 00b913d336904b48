"""The method notes' worked examples: each number is checked against an independent computation
from the public figures (observation_public) and the statistics functions, so a note cannot drift
from what the pages compute."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from indicators import goals, methods, phenomena, progress, queries, stats
from indicators.formatting import format_number
from indicators.i18n import t

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def results(reader, config):
    return goals.evaluate(reader, config)


@pytest.fixture(scope="module")
def examples(reader, config, results):
    return methods.examples(reader, config, results, TODAY)


def _public(reader, indicator_id: str, area: str, period: str) -> tuple[float, float, float]:
    row = reader.query_df(
        "SELECT numerator, denominator, value FROM observation_public WHERE indicator_id = ? "
        "AND area_code = ? AND period = ? AND sex = 'total' AND grp = 'total' "
        "AND NOT suppressed", [indicator_id, area, period])
    assert len(row) == 1
    return tuple(float(v) for v in row.iloc[0])


def test_every_topic_has_its_link_and_every_page_topic_is_a_topic():
    assert methods.methods_href("signals", "sv") == "methods?lang=sv&topic=signals#signals"
    with pytest.raises(ValueError):
        methods.methods_href("nonsense", "fi")
    assert set(methods.TOPIC_PAGES) == set(methods.TOPICS)
    for topics in methods.PAGE_TOPICS.values():
        assert set(topics) <= set(methods.TOPICS) - {"glossary"}
    shown_somewhere = {topic for topics in methods.PAGE_TOPICS.values() for topic in topics}
    assert shown_somewhere == set(methods.TOPICS) - {"glossary"}


def _check_figure(reader, indicator, figure, period):
    numerator, denominator, value = _public(reader, indicator.id, figure.area_code, period)
    assert (figure.numerator, figure.denominator) == (numerator, denominator)
    assert figure.value == pytest.approx(value)
    assert figure.value == pytest.approx(numerator / denominator * indicator.scale)
    low, high = stats.value_interval(indicator.kind, numerator, denominator, indicator.scale)
    assert (figure.low, figure.high) == pytest.approx((float(low), float(high)))
    assert figure.low < figure.value < figure.high


def test_interval_example_is_the_pages_latest_county_figure_and_its_verdict(examples, reader,
                                                                            config):
    example = examples.intervals
    assert example is not None
    indicator = config.indicators[example.indicator_id]
    assert example.county.area_code == config.county_code
    _check_figure(reader, indicator, example.county, example.period)
    # the period and the verdict are those the overview card shows (queries.latest)
    level = queries.default_level(indicator, queries.period_levels(reader, indicator.id))
    card = queries.latest(reader, indicator, [config.county_code], level=level)[0]
    assert (card.period, card.compare_period, card.status) == (
        example.period, example.compare_period, example.change_status)
    assert example.compare is not None
    _check_figure(reader, indicator, example.compare, example.compare_period)
    # the verdict follows the non-overlap rule on the two intervals
    assert example.change_status == stats.change_status(
        indicator.direction, example.county.value, example.county.low, example.county.high,
        example.compare.value, example.compare.low, example.compare.high)
    overlap = not (example.county.low > example.compare.high
                   or example.county.high < example.compare.low)
    assert methods.change_key(example) == ("overlap" if overlap else "apart")
    params = methods.interval_params(example, config, "fi")
    assert params["county_low"] == format_number(example.county.low, indicator.decimals, "fi")
    assert params["status"] == t(f"status.{example.change_status}", "fi")
    assert "." in methods.interval_params(example, config, "en")["county_value"]


def test_funnel_example_is_the_phenomena_pages_funnel(examples, reader, config):
    example = examples.funnel
    assert example is not None
    indicator = config.indicators[example.indicator_id]
    assert any(example.indicator_id in p.indicator_ids for p in config.phenomena)
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    points, period, target = queries.funnel_points(reader, indicator, municipalities,
                                                   config.county_code,
                                                   phenomena.funnel_level(indicator))
    assert (example.period, example.target) == (period, pytest.approx(target))
    positions = phenomena.funnel_positions(points, indicator, target).set_index("area_code")
    for figure, limits in ((example.small, example.funnel_small),
                           (example.large, example.funnel_large)):
        _check_figure(reader, indicator, figure, period)
        row = positions.loc[figure.area_code]
        assert limits == pytest.approx((row["low_95"], row["high_95"]))
        assert limits[0] < target < limits[1]
    visible = points[~points["suppressed"].astype(bool)]
    assert example.small.denominator == visible["denominator"].min()
    assert example.large.denominator == visible["denominator"].max()
    # the smaller municipality: the wider interval and funnel, the bigger step per case
    assert (example.small.high - example.small.low) > (example.large.high - example.large.low)
    assert (example.funnel_small[1] - example.funnel_small[0]) > \
        (example.funnel_large[1] - example.funnel_large[0])
    params = methods.funnel_params(example, config, "fi")
    assert params["small_one_more"] == format_number(indicator.scale / example.small.denominator,
                                                     indicator.decimals + 1, "fi")
    assert params["target"] == format_number(target, indicator.decimals, "fi")


def test_signal_example_is_the_phenomena_pages_verdict_and_the_rules_hold(examples, reader,
                                                                           config):
    assert examples.signals, "the demo data has run-chart signals"
    first = examples.signals[0]
    assert first.verdict.code not in ("no_signal", "too_few_points", "no_data")
    phenomenon = next(p for p in config.phenomena if p.id == first.phenomenon_id)
    indicator = config.indicators[first.indicator_id]
    frame = reader.query_df(
        "SELECT period, period_start, value FROM observation_public WHERE indicator_id = ? "
        "AND area_code = ? AND sex = 'total' AND grp = 'total' ORDER BY period_start",
        [indicator.id, first.area_code])
    frame = frame[frame["period"].map(lambda p: len(p) == 7 and p[4] == "-")]  # months
    values = frame["value"].dropna().to_numpy(dtype=float)
    baseline = first.verdict.baseline_count
    result = stats.run_chart(values.tolist(), baseline_count=baseline,
                             min_points=phenomena.MIN_POINTS)
    assert first.verdict.result == result
    assert result.median == pytest.approx(float(np.median(values[:baseline])))
    assert result.longest_run_limit == round(math.log2(result.n_useful) + 3)
    assert first.verdict.result.longest_run > first.verdict.result.longest_run_limit
    assert first.verdict.after_count == len(values) - baseline
    assert phenomenon.first_action_start() is not None
    params = methods.signal_params(first, config, "fi")
    assert params["run"] == str(result.longest_run)
    assert params["run_verdict"] == t("methods.signals.rule_hit", "fi")
    assert params["verdict"] == t(f"phenomenon.verdict.{first.verdict.code}", "fi")
    contrast = methods.contrast_example(examples.signals)
    assert contrast is not None and contrast.verdict.code == "no_signal"
    assert contrast.indicator_id == first.indicator_id
    quiet = contrast.verdict.result
    assert quiet.longest_run <= quiet.longest_run_limit
    assert quiet.crossings >= quiet.crossings_limit
    assert not quiet.astronomical_indices


def test_signals_list_only_judged_verdicts_signals_first(examples):
    codes = [e.verdict.code for e in examples.signals]
    assert "too_few_points" not in codes and "no_data" not in codes
    first_quiet = codes.index("no_signal")
    assert all(code != "no_signal" for code in codes[:first_quiet])
    assert all(code == "no_signal" for code in codes[first_quiet:])


def test_control_example_is_the_omatiimi_pages_chart(examples, reader, config):
    from indicators import omatiimi, queries

    example = examples.control
    assert example is not None
    indicator = config.indicators[example.indicator_id]
    assert example.indicator_id == omatiimi.DEFAULT_TREND
    frame = queries.series(reader, indicator, [example.area_code], level="month")
    visible = frame[~frame["suppressed"].astype(bool)]
    centre, low, high = stats.p_chart_limits(visible["numerator"], visible["denominator"])
    last = visible.sort_values("period_start").iloc[-1]
    assert example.period == last["period"]
    assert example.centre == pytest.approx(centre[0] * indicator.scale)
    position = list(visible.sort_values("period_start").index).index(last.name)
    assert example.lower == pytest.approx(low[position] * indicator.scale)
    assert example.upper == pytest.approx(high[position] * indicator.scale)
    assert example.trial == (len(visible) < stats.TRIAL_LIMIT_POINTS)


def test_suppression_counts_agree_with_the_public_view(examples, reader):
    counts = examples.suppression
    public = reader.query_df("SELECT COUNT(*) AS n, SUM(CASE WHEN suppressed THEN 1 ELSE 0 END) "
                             "AS hidden FROM observation_public")
    assert counts.cells == int(public["n"].iloc[0])
    assert counts.hidden == int(public["hidden"].iloc[0])
    municipal = reader.query_df(
        "SELECT COUNT(*) AS n FROM observation_public o JOIN area a ON a.code = o.area_code "
        "WHERE o.suppressed AND a.level = 'municipality'")
    assert counts.municipality_hidden == int(municipal["n"].iloc[0])
    assert counts.municipality_hidden + counts.wider_hidden == counts.hidden
    assert counts.municipality_cells + counts.wider_cells == counts.cells
    # totals mostly stay: a smaller share hidden above the municipalities than among them
    assert counts.wider_hidden / counts.wider_cells < \
        counts.municipality_hidden / counts.municipality_cells
    assert not {"primary", "secondary", "linked"} & set(vars(counts))  # never why


@pytest.mark.parametrize("min_n", [2, 3, 5, 10, 42, 100])
def test_suppression_illustration_hides_a_neighbour_and_keeps_the_total(min_n):
    example = methods.suppression_illustration(min_n)
    assert example.hidden == (True, True, False)
    assert example.reasons[0] == "small_count" and example.reasons[1] == "secondary"
    assert not example.total_hidden
    assert 0 < example.counts[0] < min_n <= min(example.counts[1:])
    params = methods.illustration_params(example, "fi")
    assert params["min_n"] == str(min_n)
    # the sum the note shows really recovers the small count
    a, b, c = (format_number(n, 0, "fi") for n in example.counts)
    assert params["recovered"] == f"{format_number(example.total, 0, 'fi')} − {b} − {c} = {a}"
    assert example.total - example.counts[1] - example.counts[2] == example.counts[0]
    assert (params["primary"], params["secondary"], params["shown"]) == ("A", "B", "C")


def test_no_illustration_when_nothing_is_small():
    assert methods.suppression_illustration(1) is None


def test_progress_example_redoes_the_goals_cards_arithmetic(examples, config):
    result = examples.progress
    assert result is not None and result.status in methods.PACE_STATUSES
    baseline = progress.shown(result.baseline.value, result.decimals)
    latest = progress.shown(result.latest.value, result.decimals)
    assert result.score == pytest.approx(progress.score(baseline, latest, result.target.value))
    passed = (result.latest.when - result.baseline.when).days
    total = (result.target.when - result.baseline.when).days
    assert result.expected == pytest.approx(passed / total)
    params = methods.progress_params(result, config, "fi")
    assert params["days_passed"] == format_number(passed, 0, "fi")
    assert params["score"] == format_number(100 * result.score, 0, "fi")
    pace = progress.pace_percent(result.score, result.expected)
    assert params["pace"] == format_number(pace, 0, "fi")
    # the printed one-decimal shares give the printed pace when divided
    shown_ratio = float(params["score_precise"].replace(",", ".")) / \
        float(params["expected_precise"].replace(",", "."))
    assert round(100 * shown_ratio) == pace
    expected_status = progress.status(result.score, result.expected, new_data=True)[0]
    assert result.status == expected_status


def test_survey_example_compares_with_the_previous_survey(examples, config):
    example = examples.survey
    assert example is not None
    assert config.indicators[example.indicator_id].period_type == "survey"
    assert example.latest == example.periods[-1]
    assert example.compare_period == str(int(example.latest) - 2)
    assert example.next_period == str(int(example.latest) + 2)
    result = example.key_result
    assert result is not None and result.indicator_id == example.indicator_id
    # measured at the survey's date the expected share is smaller than if measured today
    assert result.expected == pytest.approx(progress.expected_score(
        result.baseline.when, result.latest.when, result.target.when))
    assert example.expected_today == pytest.approx(progress.expected_score(
        result.baseline.when, TODAY, result.target.when))
    assert example.expected_today > result.expected


def test_data_origin_counts_the_demo_rows(examples, reader):
    origin = examples.origin
    assert origin.kind == "demo"
    assert origin.rows == origin.demo_rows > 0
    rows = reader.query_df("SELECT COUNT(*) AS n FROM observation WHERE NOT derived")
    assert origin.rows == int(rows["n"].iloc[0])
    assert methods.origin_params(origin, "fi")["as_of"].count(".") == 2


def test_examples_are_none_or_empty_on_a_store_without_figures(tmp_path, config):
    from indicators.auth import maintainer
    from indicators.schema import create_schema
    from indicators.store import StoreReader, write_transaction

    path = tmp_path / "empty.duckdb"
    with write_transaction(path, actor=maintainer("test:empty"), initialize=create_schema):
        pass
    reader = StoreReader(path)
    try:
        found = methods.examples(reader, config, [], TODAY)
    finally:
        reader.close()
    assert found.intervals is None and found.control is None and found.survey is None
    assert found.signals == [] and found.progress is None
    assert found.suppression.cells == 0 and found.origin.kind == "empty"


def test_body_params_name_the_rules_thresholds(config):
    params = methods.body_params(config, "fi")
    assert params["on_track"] == "95" and params["lagging"] == "75"
    assert params["too_early"] == "10"
    assert params["min_n"] == str(min(i.min_n for i in config.indicators.values()))


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_note_but_the_glossary_has_its_example_text_on_the_demo_data(examples, config,
                                                                          lang):
    for topic in methods.TOPICS:
        lines = methods.example_lines(topic, examples, config, lang)
        if topic == "glossary":
            assert lines == []
            continue
        assert lines, topic
        assert not any("{" in line or "}" in line for line in lines), topic  # all filled in
    with pytest.raises(ValueError):
        methods.example_lines("nonsense", examples, config, lang)


def test_the_progress_example_text_carries_its_computed_numbers(examples, config):
    lines = methods.example_lines("progress", examples, config, "fi")
    params = methods.progress_params(examples.progress, config, "fi")
    assert f"= {params['score']} %" in lines[1]
    assert f"{params['score_precise']} % / {params['expected_precise']} % = {params['pace']} %" \
        in lines[1]


def test_progress_example_is_a_judged_pace_and_prefers_an_uncapped_share(examples, results,
                                                                         config):
    chosen = examples.progress
    assert chosen.reason == "pace"
    assert 0 <= methods.raw_share(chosen) <= 1
    judged = [r for r in results if r.reason == "pace" and r.source == "indicator"]
    assert any(not 0 <= methods.raw_share(r) <= 1 for r in judged)  # the demo has capped ones
    # a store where only a capped one is judged: the text says the share was capped
    capped = next(r for r in judged if methods.raw_share(r) < 0)
    assert methods.progress_example([capped]) is capped
    params = methods.progress_params(capped, config, "fi")
    assert params["capped"] == "away" and params["score"] == "0"
    assert params["raw_score"].startswith("-")


def test_a_capped_share_is_explained_in_the_example(examples, results, config):
    capped = next(r for r in results if r.reason == "pace" and r.source == "indicator"
                  and methods.raw_share(r) < 0)
    found = methods.Examples(**{**vars(examples), "progress": capped})
    lines = methods.example_lines("progress", found, config, "fi")
    assert "siirtynyt poispäin tavoitteesta" in lines[1]
    # no false arithmetic: the division printed is the raw one, the 0 % comes after it
    params = methods.progress_params(capped, config, "fi")
    assert f"{params['covered']} / {params['way']} = {params['raw_score']} %" in lines[1]


def test_key_results_not_judged_on_pace_are_never_the_example(results):
    others = [r for r in results if r.reason != "pace"]
    assert others and methods.progress_example(others) is None


def test_the_demo_label_follows_the_figures_each_example_uses(examples):
    assert all(methods.example_is_demo(topic, examples) for topic in methods.TOPICS
               if topic != "glossary")
    real_signal = methods.DataOrigin("mixed", 10, 5, 2,
                                     frozenset({examples.intervals.indicator_id}) - frozenset(
                                         methods.example_indicators("signals", examples)),
                                     None)
    mixed = methods.Examples(**{**vars(examples), "origin": real_signal})
    assert not methods.example_is_demo("signals", mixed)
    assert methods.example_is_demo("suppression", mixed)  # store-wide: some of it is demo
    real = methods.Examples(**{**vars(examples), "origin": methods.DataOrigin(
        "real", 10, 0, 2, frozenset(), None)})
    assert not any(methods.example_is_demo(topic, real) for topic in methods.TOPICS)
