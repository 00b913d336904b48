"""Words for key results: typed text stays text, the noise sentence says why, medians are
estimates, and the pace in the reason is the one the status was judged on."""

from __future__ import annotations

import dataclasses

from indicators import goals
from indicators.formatting import format_period
from indicators.goal_texts import noise_text, reason_text, typed_text_html, value_text


def test_typed_text_cannot_become_markup_and_carries_its_language():
    from html.parser import HTMLParser

    text = "# Otsikko\n[linkki](http://x) <b>x</b> <script>alert(1)</script> & **lihava**"
    shown = typed_text_html([text, "Toinen", "Kolmas"], "sv")

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.data = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

        def handle_data(self, data):
            self.data.append(data)

    parser = Tags()
    parser.feed(shown)
    assert parser.tags == [("blockquote", {"lang": "sv"}), ("p", {}), ("p", {}), ("p", {})]
    assert parser.data[0] == " ".join(text.split())  # all the words, as text, on one line
    assert 'lang="fi"' in typed_text_html(["x"], "de")  # never an unknown language code


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


def test_a_forecast_of_a_median_says_about_once(reader, config):
    from indicators.goal_texts import forecast_text
    from indicators.progress import Forecast

    # the demo's Omatiimi quarters are too few for a forecast yet: give the medians one
    medians = [dataclasses.replace(r, forecast=Forecast(9.4, 6.1, 12.7, -2.0, 4, "likely"))
               for r in _by_id(reader, config).values() if r.source == "median_days"]
    assert medians
    for lang, about in (("fi", "noin"), ("sv", "cirka"), ("en", "about")):
        for result in medians:
            text = forecast_text(result, config, lang)
            assert f"{about} {about}" not in text and about in text, text


def test_check_ins_on_a_card_newest_first_and_confidence_oldest_first(reader):
    from indicators import checkins
    from indicators.goal_export import checkin_frame
    from indicators.goal_texts import checkin_table, confidence_items
    from indicators.i18n import t

    history = checkins.history(reader)
    key_result_id = history["key_result_id"].value_counts().index[0]
    rows = history[history["key_result_id"] == key_result_id]
    assert len(rows) >= 2
    quarters = sorted(rows["quarter"])
    table = checkin_table(rows, "fi")
    assert list(table.columns) == [t(f"goals.checkin.col.{c}", "fi") for c in (
        "quarter", "confidence", "seen", "why", "next_steps", "organisation", "checkin_date")]
    assert table.iloc[0, 0] == format_period(quarters[-1], "fi")
    assert table.iloc[-1, 0] == format_period(quarters[0], "fi")
    assert all("." in day for day in table.iloc[:, -1])  # 3.11.2026: a Finnish date
    items = confidence_items(rows.sample(frac=1, random_state=1), "fi").split(", ")
    assert [item.split(": ")[0] for item in items] == [format_period(q, "fi") for q in quarters]
    download = checkin_frame(history, [key_result_id])
    assert set(download["key_result_id"]) == {key_result_id}
    assert not {"actor", "source", "entered_at", "revision"} & set(download.columns)
