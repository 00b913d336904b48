"""Phenomena: declaration, run-chart verdicts with the rule named, and the page."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from indicators import phenomena, queries
from indicators.config import ConfigError, load_config
from indicators.settings import DEFAULT_CONFIG_DIR, REPO_ROOT

pytestmark = pytest.mark.usefixtures("navigation_mode")


def _frame(values, first="2023-01"):
    periods = pd.period_range(first, periods=len(values), freq="M")
    return pd.DataFrame({"period": [p.strftime("%Y-%m") for p in periods],
                         "period_start": [p.start_time.date() for p in periods],
                         "value": values, "suppressed": [v != v for v in values]})


def test_phenomena_are_declared_and_checked(config):
    ids = [p.id for p in config.phenomena]
    assert ids == ["adhd_symptoms", "school_absences"]
    adhd = config.phenomena[0]
    assert adhd.comparison_areas == ["SK053"]
    assert adhd.first_action_start() == date(2025, 8, 1)
    assert config.phenomena[1].first_action_start() == date(2025, 8, 11)


def test_unknown_indicator_in_phenomena_names_the_key(tmp_path):
    root = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, root)
    data = yaml.safe_load((root / "phenomena.yaml").read_text(encoding="utf-8"))
    data["phenomena"][1]["process_indicators"] = ["nope"]
    (root / "phenomena.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                         encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    issue = caught.value.issues[0]
    assert issue.location == "phenomena[1](school_absences).process_indicators[0]"
    assert issue.kind == "unknown_indicator"


@pytest.mark.parametrize(("phenomenon_id", "indicator_id", "area", "expected"), [
    ("adhd_symptoms", "fc_contacts_attention", "SK051", "improvement"),
    ("adhd_symptoms", "fc_contacts_attention", "SK052", "improvement"),
    ("adhd_symptoms", "fc_contacts_attention", "SK053", "no_signal"),
    ("adhd_symptoms", "adhd_medication_5_17", "SK051", "too_few_points"),
    ("school_absences", "absence_over10_month", "SK053", "improvement"),
    ("school_absences", "absence_over10_month", "SK051", "no_signal"),
    ("school_absences", "unauthorised_absence_gr8_9", "SK053", "too_few_points"),
])
def test_demo_verdicts(config, reader, phenomenon_id, indicator_id, area, expected):
    phenomenon = next(p for p in config.phenomena if p.id == phenomenon_id)
    indicator = config.indicators[indicator_id]
    frame = queries.series(reader, indicator, [area], level=phenomena.chart_level(indicator))
    verdict = phenomena.verdict_for(frame, indicator, phenomenon.first_action_start())
    assert verdict.code == expected
    if expected == "improvement":
        assert "long_run" in verdict.rules


def test_month_of_the_action_start_counts_as_after():
    values = [10.0] * 12 + [5.0] * 12
    frame = _frame(values, first="2024-08")
    indicator = load_config().indicators["absence_over10_month"]
    verdict = phenomena.verdict_for(frame, indicator, date(2025, 8, 11))
    assert verdict.baseline_count == 12 and verdict.after_count == 12


def test_worked_examples_name_their_rule():
    indicator = load_config().indicators["fc_contacts_attention"]  # down is good
    up = phenomena.verdict_for(_frame([5.0, 6.0] * 6 + [9.0] * 12), indicator, date(2024, 1, 1))
    assert up.code == "worsening" and up.rules[0] == "long_run"
    noise = phenomena.verdict_for(_frame([5.0, 6.0] * 12), indicator, date(2024, 1, 1))
    assert noise.code == "no_signal" and noise.rules == ()
    short = phenomena.verdict_for(_frame([5.0, 6.0] * 6), indicator, date(2023, 8, 1))
    assert short.code == "too_few_points"
    neutral = load_config().indicators["attendance_support_started"]
    more = phenomena.verdict_for(_frame([4.0, 5.0] * 6 + [12.0] * 12), neutral, date(2024, 1, 1))
    assert more.code == "change_up"
    spike = [5.0, 5.2, 4.9, 5.1, 5.0, 4.8, 5.1, 5.0, 4.9, 5.2, 5.1, 5.0,
             5.1, 4.9, 5.0, 5.2, 30.0, 5.0, 4.9, 5.1, 5.0, 5.2, 4.8, 5.1]
    astro = phenomena.verdict_for(_frame(spike), indicator, date(2024, 1, 1))
    assert "astronomical" in astro.rules
    assert astro.code == "worsening"  # a spike upwards on a down-is-good indicator
    dip = [4.95 if v != 30.0 else 30.0 for v in spike[12:]]
    assert phenomena.verdict_for(_frame(spike[:12] + dip), indicator,
                                 date(2024, 1, 1)).code == "worsening"


def test_hidden_cells_are_gaps_not_points():
    indicator = load_config().indicators["fc_contacts_attention"]
    values = [5.0, 6.0] * 6 + [float("nan")] * 4 + [5.0, 6.0] * 5
    verdict = phenomena.verdict_for(_frame(values), indicator, date(2024, 1, 1))
    assert verdict.after_count == 10


@pytest.mark.parametrize(("phenomenon_id", "area"), [
    ("adhd_symptoms", None), ("adhd_symptoms", "SK052"), ("adhd_symptoms", "KU103"),
    ("school_absences", "SK053"), ("school_absences", "KU061"), ("school_absences", "SK051"),
])
def test_page_for_each_phenomenon_and_area(store_path, monkeypatch, config, phenomenon_id, area):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["phenomenon"] = phenomenon_id
    if area:
        at.query_params["area"] = area
    at.run()
    at.switch_page("pages/phenomena.py").run()
    assert not at.exception
    phenomenon = next(p for p in config.phenomena if p.id == phenomenon_id)
    assert at.title[0].value == phenomenon.name.fi
    summary = at.dataframe[0].value
    assert len(summary) == len(phenomenon.indicator_ids)
    assert any("(vertailu)" in c for c in summary.columns)
    funnels = [i for i in phenomenon.indicator_ids
               if config.indicators[i].kind in ("proportion", "rate")]
    assert len(at.get("plotly_chart")) == len(phenomenon.indicator_ids) + len(funnels)
    verdicts = [m.value for m in at.markdown if m.value.startswith("**:material/")]
    assert len(verdicts) == len(phenomenon.indicator_ids)
    assert all(" — " in v for v in verdicts)  # each verdict names its rule
    with_progress = [a for a in phenomenon.actions if a.progress is not None]
    assert len(at.get("progress")) == len(with_progress)
    if area:
        assert at.selectbox(key="url_chart_area").value == area
        # the chart area lives in the URL too, so a shared link opens the same charts
        assert at.query_params["chart_area"] in (area, [area])


def test_page_default_and_unknown_phenomenon(store_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["phenomenon"] = "ghosts"
    at.run()
    at.switch_page("pages/phenomena.py").run()
    assert not at.exception
    assert any("ghosts" in w.value for w in at.warning)
    assert at.title[0].value == "ADHD-tyyppiset oireet"


def test_funnel_leaves_hidden_municipalities_out(config, reader):
    from indicators.figures import funnel_figure

    indicator = config.indicators["concentration_difficulties"]
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    points, period, target = queries.funnel_points(reader, indicator, municipalities, "HV07",
                                                   "year")
    assert period == "2025" and 0 < target < 100
    hidden = points[points["suppressed"]]
    assert points.loc[points["suppressed"], ["value", "denominator"]].isna().all().all()
    fig = funnel_figure(points, indicator, target, "Kanta-Häme",
                        {c: config.areas[c].name_fi for c in municipalities}, "KU103")
    labelled = {text for trace in fig.data if trace.text is not None for text in trace.text}
    for code in hidden["area_code"]:
        assert config.areas[code].name_fi not in labelled
    visible = points[~points["suppressed"]]
    assert {config.areas[c].name_fi for c in visible["area_code"]} == labelled
    # the 95 % funnel narrows as the denominator grows
    upper = next(tr for tr in fig.data if tr.name == "95 %:n rajat" and not tr.showlegend)
    assert upper.y[0] > upper.y[-1]


def test_arkitiimi_brief_for_a_small_municipality(config, reader):
    from indicators.brief import brief_csv, brief_html, build_brief
    from indicators.formatting import format_number
    from indicators.periods import period_level

    phenomenon = next(p for p in config.phenomena if p.id == "school_absences")
    brief = build_brief(reader, config, phenomenon, "KU103")
    assert brief.municipality == "Humppila" and brief.region == "Forssan seutukunta"
    assert brief.demo and brief.as_of == "31.10.2026"
    assert len(brief.rows) == 2 * len(phenomenon.indicator_ids)
    region_month = next(r for r in brief.rows if r.area == "Forssan seutukunta"
                        and r.indicator.startswith("Oppilaat, joilla vähintään 10 % poissaoloja k"))
    assert region_month.verdict == "signaali parannuksesta"
    assert "pitkä sarja" in region_month.rule
    # Humppila's latest figures: '..' exactly where the cell is hidden, never its number
    html = brief_html(brief)
    for indicator_id in phenomenon.indicator_ids:
        indicator = config.indicators[indicator_id]
        level = phenomena.chart_level(indicator)
        cells = reader.query_df(
            "SELECT o.period, o.value, d.hidden FROM observation o JOIN cell_disclosure d "
            "USING (indicator_id, area_code, period, sex, grp) WHERE o.indicator_id = ? "
            "AND o.area_code = 'KU103' AND o.sex = 'total' AND o.grp = 'total' "
            "ORDER BY o.period_start", [indicator_id])
        cells = cells[cells["period"].map(period_level).eq(
            "year" if level == "year" else level)]
        row = next(r for r in brief.rows if r.area == "Humppila"
                   and r.indicator == indicator.name.fi)
        if cells.empty:
            assert row.value == "–"
            continue
        last = cells.iloc[-1]
        assert (row.value == "..") == bool(last["hidden"]), indicator_id
        if last["hidden"]:
            assert format_number(last["value"], indicator.decimals) not in row.interval
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fi">' in html
    assert "@page" in html and "A4" in html and "<script" not in html
    assert "Demoaineisto" in html and "Koulunkäynnin tuki poissaoloihin" in html
    csv_text = brief_csv(brief).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Indikaattori;Alue;Jakso;Arvo")
    assert any(r.value == ".." for r in brief.rows)  # the demo hides some of Humppila's cells


def test_page_offers_the_brief_for_a_municipality(store_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["phenomenon"] = "adhd_symptoms"
    at.query_params["area"] = "KU082"
    at.run()
    at.switch_page("pages/phenomena.py").run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Arkitiimin kooste (HTML, tulostettava)",
                      "Arkitiimin koosteen taulukko (CSV)"]


def test_page_states_the_latest_figure_with_its_interval(store_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["phenomenon"] = "school_absences"
    at.query_params["area"] = "SK053"
    at.run()
    at.switch_page("pages/phenomena.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Uusin arvo alueella Forssan seutukunta (10/2026)")
               and "95 %:n luottamusväli" in c for c in captions)


def test_an_indicator_listed_twice_is_a_config_error(tmp_path):
    root = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, root)
    data = yaml.safe_load((root / "phenomena.yaml").read_text(encoding="utf-8"))
    data["phenomena"][1]["process_indicators"] = ["absence_over10_month"]
    (root / "phenomena.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                         encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert caught.value.issues[0].kind == "listed_twice"
    assert "absence_over10_month" in caught.value.issues[0].message


def test_run_chart_verdict_uses_only_the_points_after_a_series_break(config, reader):
    from indicators import phenomena as ph
    from indicators.config import SeriesBreak, Texts
    from indicators.queries import series

    base = config.indicators["fc_contacts_attention"]
    frame = series(reader, base, ["SK051"], level="month")
    note = Texts(fi="uusi kirjaus", sv="ny registrering", en="new recording")
    broken = base.model_copy(update={"breaks": [SeriesBreak(period="2025-06", note=note)]})
    kept = ph.after_last_break(frame[frame["value"].notna()], broken)
    assert str(kept["period"].iloc[0]) == "2025-06"
    phenomenon = next(p for p in config.phenomena if p.id == "adhd_symptoms")
    start = phenomenon.first_action_start()
    whole = ph.verdict_for(frame, base, start)
    cut = ph.verdict_for(frame, broken, start)
    # the points before the action are now only June and July 2025: too few to freeze a median
    assert whole.code == "improvement" and cut.code == "too_few_points"
    assert cut.baseline_count == 2


# ---------------------------------------------------------------- the funnel as a table and words


def _funnel_points() -> pd.DataFrame:
    """Four municipalities around a 20 % target: one far above, one far below, one inside and one
    hidden whose numbers a careless caller left in the frame."""
    return pd.DataFrame({
        "area_code": ["KU061", "KU082", "KU103", "KU109"],
        "period": ["2025"] * 4,
        "value": [40.0, 5.0, 31.4159, 21.0],
        "denominator": [1000.0, 1000.0, 27.0, 500.0],
        "suppressed": [False, False, True, False],
    })


def test_funnel_positions_use_the_limits_at_each_denominator(config):
    from indicators.stats import funnel_limits

    indicator = config.indicators["concentration_difficulties"]
    positions = phenomena.funnel_positions(_funnel_points(), indicator, 20.0)
    by = positions.set_index("area_code")
    assert by.loc["KU061", "position"] == "above_998"
    assert by.loc["KU082", "position"] == "below_998"
    assert by.loc["KU109", "position"] == "inside"
    low, high = funnel_limits("proportion", 20.0, [500.0], 100.0, 0.95)
    assert by.loc["KU109", "low_95"] == low[0] and by.loc["KU109", "high_95"] == high[0]
    # a hidden cell is never judged and keeps no number, not even a limit at its denominator
    assert by.loc["KU103", "position"] == "hidden"
    assert by.loc["KU103", ["value", "denominator", "low_95", "high_95", "low_998",
                            "high_998"]].isna().all()
    # just outside the 95 % limits but inside the 99.8 % ones
    _, high95 = funnel_limits("proportion", 20.0, [1000.0], 100.0, 0.95)
    nearly = _funnel_points().assign(value=[high95[0] + 0.1, 5.0, 1.0, 21.0])
    assert phenomena.funnel_positions(nearly, indicator, 20.0)["position"][0] == "above_95"


def test_funnel_table_marks_a_hidden_municipality_with_two_dots_only(config):
    indicator = config.indicators["concentration_difficulties"]
    names = {c: config.areas[c].name_fi for c in ("KU061", "KU082", "KU103", "KU109")}
    positions = phenomena.funnel_positions(_funnel_points(), indicator, 20.0)
    table = phenomena.funnel_table(positions, indicator, names)
    assert list(table.columns) == ["Kunta", "Nimittäjä", "Arvo (%)", "95 %:n alaraja",
                                   "95 %:n yläraja", "99,8 %:n alaraja", "99,8 %:n yläraja",
                                   "Sijainti suppilossa"]
    assert list(table["Kunta"]) == sorted(names.values())  # alphabetical, not a league table
    rows = table.set_index("Kunta")
    hidden = rows.loc["Humppila"]
    assert list(hidden) == [".."] * 7
    assert not any(ch.isdigit() for ch in "".join(hidden))
    assert rows.loc["Forssa", "Arvo (%)"] == "40,0"
    assert rows.loc["Forssa", "Nimittäjä"] == "1\u00a0000"
    assert rows.loc["Forssa", "Sijainti suppilossa"] == "yli 99,8 %:n rajan"
    assert rows.loc["Hattula", "Sijainti suppilossa"] == "alle 99,8 %:n rajan"
    assert rows.loc["Hämeenlinna", "Sijainti suppilossa"] == "rajojen sisällä"
    assert "31" not in table.to_csv()


def test_funnel_summary_names_the_municipalities_outside_the_limits(config):
    indicator = config.indicators["concentration_difficulties"]
    names = {c: config.areas[c].name_fi for c in ("KU061", "KU082", "KU103", "KU109")}
    positions = phenomena.funnel_positions(_funnel_points(), indicator, 20.0)
    text = phenomena.funnel_summary(positions, names)
    assert text.startswith("Suppilon ulkopuolella: Forssa (yli 99,8 %:n rajan), "
                           "Hattula (alle 99,8 %:n rajan).")
    assert "Humppila" not in text and "Janakkala" not in text
    calm = _funnel_points().assign(value=[20.0, 21.0, 1.0, 19.0])
    assert phenomena.funnel_summary(phenomena.funnel_positions(calm, indicator, 20.0), names) \
        .startswith("Kaikki näytettävät kunnat ovat suppilon sisällä")
    all_hidden = _funnel_points().assign(suppressed=True)
    assert phenomena.funnel_summary(phenomena.funnel_positions(all_hidden, indicator, 20.0),
                                    names, "en").startswith("The funnel cannot be read")


def test_funnel_table_on_the_store_keeps_hidden_cells_hidden(config, reader):
    indicator = config.indicators["unauthorised_absence_gr8_9"]
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    points, _, target = queries.funnel_points(reader, indicator, municipalities, "HV07", "year")
    names = {c: config.areas[c].name_fi for c in municipalities}
    positions = phenomena.funnel_positions(points, indicator, target)
    table = phenomena.funnel_table(positions, indicator, names).set_index("Kunta")
    hidden = [names[c] for c in points.loc[points["suppressed"], "area_code"]]
    assert hidden
    for name in hidden:
        assert list(table.loc[name]) == [".."] * 7
    assert len(table) == len(points)
    summary = phenomena.funnel_summary(positions, names)
    assert not any(name in summary for name in hidden)


def test_page_shows_the_funnel_result_and_its_table(open_page, config):
    at = open_page("phenomena", phenomenon="school_absences", area="KU103")
    phenomenon = next(p for p in config.phenomena if p.id == "school_absences")
    funnels = [i for i in phenomenon.indicator_ids
               if config.indicators[i].kind in ("proportion", "rate")]
    sentences = [m.value for m in at.markdown
                 if m.value.startswith(("Suppilon ulkopuolella", "Kaikki näytettävät kunnat"))]
    assert len(sentences) == len(funnels)
    expanders = [e for e in at.expander if e.label == "Suppilokuvion luvut taulukkona"]
    assert len(expanders) == len(funnels)
    seen_hidden = 0
    for expander in expanders:
        table = expander.dataframe[0].value
        assert list(table.columns)[0] == "Kunta" and "Sijainti suppilossa" in table.columns
        hidden = table[table["Nimittäjä"] == ".."]
        assert (hidden.iloc[:, 1:] == "..").all().all()
        seen_hidden += len(hidden)
    assert seen_hidden  # the demo hides two municipalities' unauthorised absences


def test_chart_marks_draw_the_median_only_for_a_judged_verdict():
    action = date(2024, 3, 1)
    indicator = load_config(DEFAULT_CONFIG_DIR).indicators["concentration_difficulties"]
    few = phenomena.verdict_for(_frame([5.0, 6.0, 5.5], "2024-01"), indicator, action)
    assert few.code == "too_few_points" and phenomena.chart_marks(few) == (None, None)
    values = [10.0, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11,
              10, 11, 10, 40]
    judged = phenomena.verdict_for(_frame(values), indicator, date(2024, 1, 1))
    median, flagged = phenomena.chart_marks(judged)
    assert median == judged.result.median
    assert flagged == judged.result.astronomical_indices


def test_action_lines_are_the_started_actions_with_their_names(config):
    for phenomenon in config.phenomena:
        lines = phenomena.action_lines(phenomenon, "sv")
        started = [a for a in phenomenon.actions if a.status != "planned"]
        assert [x for x, _ in lines] == [pd.Timestamp(a.start) for a in started]
        assert all(a.name.get("sv") in label for (_, label), a in zip(lines, started,
                                                                       strict=True))


def test_funnel_view_holds_the_words_and_table_of_the_funnel(config, reader):
    indicator = config.indicators["concentration_difficulties"]
    assert phenomena.funnel_level(indicator) == "year"
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    names = {c: config.areas[c].name_fi for c in municipalities}
    points, period, target = queries.funnel_points(reader, indicator, municipalities, "HV07",
                                                   "year")
    points = points.copy()  # one municipality hidden, as disclosure control would leave it
    points.loc[0, ["value", "denominator"]] = float("nan")
    points.loc[0, "suppressed"] = True
    view = phenomena.funnel_view(points, period, target, indicator, names)
    positions = phenomena.funnel_positions(points, indicator, target)
    assert (view.period, view.target) == ("2025", target)
    assert view.hidden == int(points["suppressed"].sum()) >= 1
    assert view.summary == phenomena.funnel_summary(positions, names)
    assert view.table.equals(phenomena.funnel_table(positions, indicator, names))
    assert phenomena.funnel_view(points.iloc[:0], None, float("nan"), indicator, names) is None
