"""The methods page and the "what does this mean?" boxes, with Streamlit's AppTest on the fixture
store: the numbers the notes print are recomputed here from the public figures, and every page
links to the notes that explain it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from indicators import glossary, goals, methods, progress, stats
from indicators.formatting import format_number
from indicators.i18n import LANGUAGES, t
from indicators.settings import REPO_ROOT

APP = str(REPO_ROOT / "dashboard.py")
pytestmark = pytest.mark.usefixtures("navigation_mode")


@pytest.fixture
def app(store_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    return AppTest.from_file(APP, default_timeout=90)


def _page(app, name: str, lang: str = "fi", **params: str):
    app.query_params["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    if name != "overview":
        at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.fixture(scope="module")
def methods_text(store_path):
    """The methods page's text in Finnish (rendered once for the module's number checks)."""
    import os

    from indicators.bench import through_navigation

    os.environ["DASHBOARD_DB"] = str(store_path)
    try:
        with through_navigation():
            at = AppTest.from_file(APP, default_timeout=90)
            at.query_params["lang"] = "fi"
            at.run()
            at.switch_page("pages/methods.py").run()
            assert not at.exception, [e.value for e in at.exception]
            return _text(at), [(h.value, h.proto.anchor) for h in at.header]
    finally:
        os.environ.pop("DASHBOARD_DB", None)


def _figure(reader, indicator_id, area, period):
    row = reader.query_df(
        "SELECT numerator, denominator, value FROM observation_public WHERE indicator_id = ? "
        "AND area_code = ? AND period = ? AND sex = 'total' AND grp = 'total'",
        [indicator_id, area, period]).iloc[0]
    return float(row["numerator"]), float(row["denominator"]), float(row["value"])


def test_every_section_has_its_heading_anchor_and_the_contents_link_to_them(methods_text):
    text, headers = methods_text
    assert [anchor for _, anchor in headers] == list(methods.TOPICS)
    for topic in methods.TOPICS:
        assert f"](#{topic})" in text
        assert t(f"methods.{topic}.title", "fi") in [title for title, _ in headers]


def test_the_interval_note_prints_the_county_figure_and_its_interval(methods_text, reader,
                                                                     config):
    text, _ = methods_text
    example = methods.interval_example(reader, config)
    indicator = config.indicators[example.indicator_id]
    numerator, denominator, value = _figure(reader, indicator.id, config.county_code,
                                            example.period)
    low, high = stats.value_interval(indicator.kind, numerator, denominator, indicator.scale)
    d = indicator.decimals
    printed = (f"{format_number(value, d, 'fi')} {t(f'unit.{indicator.unit}', 'fi')}, 95 %:n "
               f"luottamusväli {format_number(float(low), d, 'fi')}–"
               f"{format_number(float(high), d, 'fi')}")
    assert printed in text


def test_the_small_areas_note_prints_the_phenomena_pages_funnel(methods_text, reader, config):
    from indicators import phenomena, queries

    text, _ = methods_text
    example = methods.funnel_example(reader, config)
    indicator = config.indicators[example.indicator_id]
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    points, period, target = queries.funnel_points(reader, indicator, municipalities,
                                                   config.county_code,
                                                   phenomena.funnel_level(indicator))
    positions = phenomena.funnel_positions(points, indicator, target)
    d = indicator.decimals
    assert f"suppilokaavio maakunnan tason {format_number(target, d, 'fi')}" in text
    visible = positions[positions["position"] != "hidden"].sort_values("denominator")
    small = visible.iloc[0]
    num, den, value = _figure(reader, indicator.id, small["area_code"], period)
    low, high = stats.value_interval(indicator.kind, num, den, indicator.scale)
    assert (f"{format_number(num, 0, 'fi')} / {format_number(den, 0, 'fi')} → "
            f"{format_number(value, d, 'fi')}") in text
    assert f"{format_number(float(low), d, 'fi')}–{format_number(float(high), d, 'fi')}" in text
    assert format_number(indicator.scale / den, d + 1, 'fi') in text
    assert (f"{format_number(small['low_95'], d, 'fi')}–"
            f"{format_number(small['high_95'], d, 'fi')}") in text


def test_the_signal_note_prints_the_run_chart_rules_numbers(methods_text, reader, config):
    text, _ = methods_text
    first = methods.signal_examples(reader, config)[0]
    values = reader.query_df(
        "SELECT period, value FROM observation_public WHERE indicator_id = ? AND area_code = ? "
        "AND sex = 'total' AND grp = 'total' AND NOT suppressed ORDER BY period_start",
        [first.indicator_id, first.area_code])
    values = values[values["period"].str.fullmatch(r"\d{4}-\d{2}")]["value"].tolist()
    result = stats.run_chart(values, baseline_count=first.verdict.baseline_count, min_points=10)
    assert f"{result.longest_run} pistettä, raja {result.longest_run_limit}: signaali" in text
    assert f"Mediaanin ylityksiä: {result.crossings}, vähintään {result.crossings_limit}" in text
    assert f"niiden ulkopuolella {len(result.astronomical_indices)} pistettä" in text
    assert t(f"phenomenon.verdict.{first.verdict.code}", "fi") in text


def test_the_progress_note_redoes_a_goals_card(methods_text, reader, config):
    text, _ = methods_text
    result = methods.progress_example(goals.evaluate(reader, config))
    baseline = progress.shown(result.baseline.value, result.decimals)
    latest = progress.shown(result.latest.value, result.decimals)
    score = progress.score(baseline, latest, result.target.value)
    days = (result.latest.when - result.baseline.when).days
    total = (result.target.when - result.baseline.when).days
    pace = progress.pace_percent(score, days / total)
    assert f"= {format_number(100 * score, 0, 'fi')} %." in text
    assert f"{format_number(days, 0, 'fi')} päivää {format_number(total, 0, 'fi')} päivästä" \
        in text
    assert re.search(rf"= {format_number(pace, 0, 'fi')} % → \*\*", text)


def test_the_suppression_note_counts_the_hidden_cells(methods_text, reader):
    text, _ = methods_text
    counts = reader.query_df("SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE suppressed) AS hidden "
                             "FROM observation_public").iloc[0]
    assert f"yhteensä {format_number(counts['n'], 0, 'fi')} lukua" in text
    assert f"joista {format_number(counts['hidden'], 0, 'fi')} on salattu" in text
    assert "102 − 41 − 58 = 3" in text


def test_the_control_chart_example_prints_the_omatiimi_pages_limits(methods_text, reader,
                                                                   config):
    from indicators import omatiimi, queries

    text, _ = methods_text
    example = methods.control_example(reader, config)
    indicator = config.indicators[example.indicator_id]
    frame = queries.series(reader, indicator, [example.area_code], level="month")
    chart = omatiimi.control_chart(frame.sort_values("period_start").reset_index(drop=True),
                                   indicator)
    d = indicator.decimals
    assert f"Keskiviiva on {format_number(chart.centre, d, 'fi')}" in text
    i = chart.positions[-1]
    assert (f"ohjausrajat {format_number(chart.lower[i], d, 'fi')}–"
            f"{format_number(chart.upper[i], d, 'fi')}") in text
    assert f"Rajat perustuvat {chart.n_points} kuukauteen" in text


def test_the_survey_note_names_the_survey_years(methods_text, reader, config):
    text, _ = methods_text
    example = methods.survey_example(reader, config, goals.evaluate(reader, config),
                                     date.today())
    years = reader.query_df(
        "SELECT DISTINCT period FROM observation_public WHERE indicator_id = ? "
        "AND area_code = ? ORDER BY period", [example.indicator_id, config.county_code])
    listed = ", ".join(years["period"])
    assert f"kyselyvuodet {listed}." in text
    latest = int(years["period"].iloc[-1])
    assert f"verrataan vuoteen {latest - 2}, ja seuraava luku tulee vuodelta {latest + 2}" in text


def test_the_demo_note_says_the_data_is_demo(methods_text):
    text, _ = methods_text
    assert "Esimerkki demoaineistosta" in text
    assert "ovat demoaineistoa" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_methods_page_in_each_language(app, lang):
    at = _page(app, "methods", lang)
    assert at.title[0].value == t("methods.title", lang)
    assert [h.value for h in at.header][:len(methods.TOPICS)] == [
        t(f"methods.{topic}.title", lang) for topic in methods.TOPICS]
    text = _text(at)
    assert "{" not in text  # every placeholder filled
    assert t("methods.no_example", lang) not in text  # the demo data has every example


@pytest.mark.parametrize("page", sorted(methods.PAGE_TOPICS))
def test_every_page_explains_itself_and_links_to_its_notes(app, page):
    params = {"indicator": "fc_contacts_attention"} if page == "indicator" else {}
    at = _page(app, page, **params)
    boxes = [e for e in at.expander if e.label.startswith(t("methods.explain.title", "fi"))]
    assert boxes, f"{page} has no 'what does this mean?' box"
    text = "\n".join(m.value for box in boxes for m in box.markdown)
    for topic in methods.PAGE_TOPICS[page]:
        assert f"]({methods.methods_href(topic, 'fi')})" in text
        assert t(f"methods.{topic}.short", "fi") in text
    # PAGE_TOPICS says exactly which notes the page's boxes explain
    linked = set(re.findall(r"\]\(methods\?lang=fi&topic=(\w+)#", text))
    assert linked == set(methods.PAGE_TOPICS[page])
    # each box's label names its topics, so boxes on one page do not sound alike
    for box in boxes:
        named = {topic for topic in methods.TOPICS
                 if f"]({methods.methods_href(topic, 'fi')})" in "\n".join(
                     m.value for m in box.markdown)}
        assert all(t(f"methods.{topic}.label", "fi") in box.label for topic in named)
    assert len({box.label for box in boxes}) == len({
        frozenset(re.findall(r"topic=(\w+)", "\n".join(m.value for m in box.markdown)))
        for box in boxes})
    # a box beside every chart kind: none of the page's charts is far from an explanation
    if page in ("omatiimi", "phenomena"):
        assert len(boxes) >= 3


def test_the_boxes_follow_the_language(app):
    at = _page(app, "indicator", "sv")
    boxes = [e for e in at.expander if e.label.startswith(t("methods.explain.title", "sv"))]
    assert boxes
    text = "\n".join(m.value for m in boxes[0].markdown)
    assert "methods?lang=sv&topic=intervals#intervals" in text


def _html(at) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


@pytest.mark.parametrize("page", ["indicator", "goals", "review", "phenomena", "omatiimi",
                                  "guide", "methods"])
def test_glossary_words_link_to_definitions_on_the_same_page(app, page):
    params = {"indicator": "anxiety_gr8_9"} if page == "indicator" else {}
    at = _page(app, page, **params)
    text = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    # never in grey caption text, where a link's colour is below 4.5:1 contrast
    assert not [c.value for c in at.caption if "](#term-" in c.value]
    linked = re.findall(r"\]\(#term-([a-z_]+)\)", text)
    assert linked, f"{page} links no glossary word"
    assert len(linked) == len(set(linked))  # each word once per page
    html = _html(at)
    defined = re.findall(r'<dt id="term-([a-z_]+)"', html)
    for key in linked:
        assert key in defined
        assert glossary.term(key, "fi").definition.replace('"', "&quot;") in html
    if page == "methods":  # the whole glossary
        assert sorted(defined) == sorted(glossary.TERM_KEYS)
    else:  # only the words the page used, under their own heading, and a link to all
        assert defined == linked
        assert t("methods.glossary.on_page", "fi") in [s.value for s in at.subheader]
        assert f"]({methods.methods_href('glossary', 'fi')})" in text


def test_the_omatiimi_page_explains_omatiimi_and_fit_words(app):
    at = _page(app, "omatiimi")
    text = "\n".join(m.value for m in at.markdown)
    assert "[Omatiimi](#term-omatiimi)" in text
    html = _html(at)
    assert 'id="term-omatiimi"' in html


def test_glossary_in_swedish(app):
    at = _page(app, "methods", "sv")
    html = _html(at)
    for term in glossary.terms("sv"):
        assert f'<dt id="{term.anchor}"' in html
    assert glossary.term("omatiimi", "sv").definition != glossary.term("omatiimi", "fi").definition


def _scroll_scripts(at) -> list[str]:
    return [body for body in (e.proto.body for e in at.get("html")) if "scrollIntoView" in body]


def test_a_link_from_a_box_opens_the_methods_page_at_its_note(app):
    at = _page(app, "methods", topic="signals")
    assert _scroll_scripts(at) == [
        '<script>document.getElementById("signals")?.scrollIntoView();</script>']
    assert "topic" not in at.query_params  # once: a later rerun keeps the reader's place


@pytest.mark.parametrize("topic", ["nonsense", "</script><script>alert(1)//"])
def test_an_unknown_topic_in_the_address_scrolls_nowhere(app, topic):
    at = _page(app, "methods", topic=topic)
    assert _scroll_scripts(at) == []


@pytest.mark.parametrize("anchor", ['x");alert(1)//', "</script>", "", "A" * 65, "sig nals"])
def test_scroll_to_refuses_anything_but_a_plain_anchor(anchor):
    from indicators import webapp

    with pytest.raises(ValueError):
        webapp.scroll_to(anchor)
