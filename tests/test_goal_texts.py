"""Words for key results: typed text stays text, the noise sentence says why, medians are
estimates, and the pace in the reason is the one the status was judged on."""

from __future__ import annotations

import dataclasses
import re

from indicators import goals
from indicators.goal_texts import noise_text, plain_markdown, reason_text, value_text


def test_typed_text_cannot_become_markdown():
    text = "# Otsikko\n[linkki](http://x) ![kuva](http://y) <b>x</b> **lihava** 1. lista"
    shown = plain_markdown(text)
    assert "\n" not in shown
    for mark in ("#", "[", "]", "(", ")", "!", "<", ">", "*"):
        assert all(shown[i - 1] == "\\" for i, ch in enumerate(shown) if ch == mark)
    # without the escapes the words are all still there
    assert re.sub(r"\\(.)", r"\1", shown) == " ".join(text.split())


def _by_id(reader, config):
    return {r.key_result_id: r for r in goals.evaluate(reader, config)}


def test_noise_sentence_names_the_reason_there_is_no_verdict(reader, config):
    results = _by_id(reader, config)
    hidden = next(r for r in results.values() if r.suppressed)
    assert "salattu" in noise_text(hidden)
    declared = dataclasses.replace(results["contacts_attention_hml"], noise="unknown",
                                   baseline_declared=True)
    assert "annettu ilman luottamusväliä" in noise_text(declared)
    mean = results["omatiimi_srs_hml"]  # a mean has no interval in the store
    assert mean.noise == "unknown" and "ei ole luottamusväliä" in noise_text(mean)


def test_median_days_are_shown_as_estimates_and_the_target_as_given(reader, config):
    result = _by_id(reader, config)["omatiimi_days_hml"]
    assert value_text(result, result.latest, config).startswith("noin ")
    assert not value_text(result, result.target, config).startswith("noin ")


def test_reason_names_the_dates_and_the_pace_the_status_was_judged_on(reader, config):
    from indicators.formatting import format_date
    from indicators.progress import pace_percent

    result = _by_id(reader, config)["contacts_attention_hml"]
    assert result.reason == "pace"
    text = reason_text(result, config)
    assert format_date(result.baseline.when) in text and format_date(result.target.when) in text
    pace = int(pace_percent(result.score, result.expected))
    assert f"vauhti on {pace} % odotetusta" in text
