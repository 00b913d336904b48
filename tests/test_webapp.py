"""Signing in (webapp.account_control and principal) through the pages, with AppTest: local
maintainer accounts, the lockout across sessions, signing out, and the OIDC role mapping."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from indicators import accounts
from indicators.settings import REPO_ROOT

APP = str(REPO_ROOT / "dashboard.py")


@pytest.fixture
def app(store_path, tmp_path, monkeypatch, navigation_mode):
    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    return AppTest.from_file(APP, default_timeout=60)


def _data_page(at: AppTest) -> AppTest:
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def _can_write(at: AppTest) -> bool:
    """Whether the data page offers its write controls (the file upload)."""
    return bool(at.get("file_uploader"))


def _sidebar_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.sidebar.markdown] + [e.value for e in at.sidebar.error]
                     + [s.value for s in at.sidebar.success])


def test_without_accounts_nobody_can_write_and_the_sidebar_says_how_to_create_one(
        app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    at = _data_page(app)
    assert not _can_write(at)
    assert "Kirjaudu sisään sivupalkin kohdasta Ylläpitäjille" in "\n".join(
        i.value for i in at.info)
    assert "python -m indicators set-password TUNNUS" in _sidebar_text(at)
    assert not at.text_input  # no sign-in form when there is no account to sign in to
    assert not (tmp_path / "none.json").exists()  # looking does not create the file


def test_a_maintainer_signs_in_writes_and_signs_out(app, maintainer_account):
    at = _data_page(app)
    assert not _can_write(at)
    maintainer_account.sign_in(at)
    assert _can_write(at)
    assert "Kirjauduit sisään ylläpitäjänä (maija)." in _sidebar_text(at)
    assert "Kirjautunut: maija" in [e.label for e in at.sidebar.expander]
    kept = {key: repr(at.session_state[key]) for key in at.session_state}
    assert kept and not [k for k, v in kept.items() if maintainer_account.password in v]
    at.switch_page("pages/goals.py").run()  # the sign-in holds across pages
    assert [b for b in at.button if b.label == "Kirjaa neljännesvuosiarvio"]
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Kirjaa neljännesvuosiarvio"]
    at.switch_page("pages/data.py").run()
    assert not _can_write(at)


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.sidebar.error]


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(app, maintainer_account):
    at = _data_page(app)
    maintainer_account.sign_in(at, password="väärä salasana tämä")
    wrong = _errors(at)
    assert len(wrong) == 1 and "käyttäjätunnus tai salasana on väärin" in wrong[0]
    assert "5 peräkkäisen" in wrong[0]
    assert not _can_write(at)
    kept = {key: repr(at.session_state[key]) for key in at.session_state}
    assert not [k for k, v in kept.items() if "väärä salasana" in v]  # the form was cleared
    maintainer_account.user = "pekka"  # no such account: the very same message
    maintainer_account.sign_in(at, password="väärä salasana tämä")
    assert _errors(at) == wrong
    assert not _can_write(at)


def test_the_lockout_holds_in_a_new_session_and_looks_like_a_wrong_password(
        app, maintainer_account):
    at = _data_page(app)
    for attempt in range(accounts.MAX_FAILURES - 1):
        maintainer_account.sign_in(at, password=f"väärin numero {attempt}")
    wrong = _errors(at)
    maintainer_account.sign_in(at, password="väärin viimeisen kerran")
    assert _errors(at) == wrong  # locked now, but a guesser cannot tell
    [status] = accounts.statuses()
    assert status.locked_until is not None
    fresh = _data_page(AppTest.from_file(APP, default_timeout=60))  # another browser, later
    maintainer_account.sign_in(fresh)  # the right password, but the account is locked
    assert _errors(fresh) == wrong
    assert not _can_write(fresh)
    accounts.unlock(maintainer_account.user)  # what `python -m indicators unlock` does
    maintainer_account.sign_in(fresh)
    assert _can_write(fresh)


def test_removing_the_account_or_changing_its_password_ends_the_session(app,
                                                                        maintainer_account):
    at = maintainer_account.sign_in(_data_page(app))
    assert _can_write(at)
    accounts.set_password(maintainer_account.user, "Uusi salasana syksy 2026", set_by="test")
    at.run()
    assert not _can_write(at)
    maintainer_account.password = "Uusi salasana syksy 2026"
    maintainer_account.sign_in(at)
    assert _can_write(at)
    accounts.remove(maintainer_account.user)
    at.run()
    assert not _can_write(at)


OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-not-used-here",
        "client_id": "dashboard", "client_secret": "test-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.mark.parametrize(("user", "writes", "shown"), [
    ({"is_logged_in": True, "email": " Maija.Meikalainen@OmaHame.fi"}, True,
     "Olet kirjautunut ylläpitäjänä: **maija.meikalainen@omahame.fi**"),
    ({"is_logged_in": True, "email": "liisa@example.fi"}, False,
     "Tällä tunnuksella ei ole ylläpitäjän oikeuksia"),
    ({"is_logged_in": True, "email": "maija.meikalainen@omahame.fi", "email_verified": False},
     False, "Tällä tunnuksella ei ole ylläpitäjän oikeuksia"),
    # a provider that does not say the address is verified (a guest account could carry it)
    ({"is_logged_in": True, "email": "maija.meikalainen@omahame.fi"},
     False, "Tällä tunnuksella ei ole ylläpitäjän oikeuksia"),
    # listed by the token's subject: trusted whatever the e-mail says
    ({"is_logged_in": True, "email": "m.m@omahame.fi", "sub": "00u-maija-7f3a"}, True,
     "Olet kirjautunut ylläpitäjänä: **m.m@omahame.fi**"),
])
def test_identity_provider_users_are_maintainers_only_when_listed(app, tmp_path, monkeypatch,
                                                                  user, writes, shown):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.secrets["roles"] = {"maintainers": ["maija.meikalainen@omahame.fi"],
                            "subjects": ["00u-maija-7f3a"]}
    app.user = {**user, "email_verified": user.get("email_verified", True)} if writes else user
    at = _data_page(app)
    assert _can_write(at) is writes
    assert shown in _sidebar_text(at)
    at.button(key="sign_out").click().run()  # st.logout: the identity is gone
    assert not at.exception
    assert not _can_write(at)
    assert not [b for b in at.sidebar.button if b.key == "sign_out"]


def test_an_unverified_provider_can_be_trusted_only_knowingly(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.secrets["roles"] = {"maintainers": ["maija@omahame.fi"],
                            "trust_unverified_email": True}
    app.user = {"is_logged_in": True, "email": "maija@omahame.fi"}  # no email_verified claim
    assert _can_write(_data_page(app))


def test_a_half_configured_provider_shows_no_button_that_would_fail(app, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = {key: value for key, value in OIDC.items() if key != "client_secret"}
    at = _data_page(app)
    assert not [b for b in at.sidebar.button if b.key == "sign_in_oidc"]
    assert "set-password" in _sidebar_text(at)


def test_viewers_see_who_changed_things_only_as_a_role(app, maintainer_account):
    at = maintainer_account.sign_in(_data_page(app))
    trail = next(d.value for d in at.dataframe if "Muutos" in d.value.columns)
    assert "test:fixture" in set(trail["Tekijä"])  # maintainers see the names
    at.button(key="sign_out").click().run()
    for frame in (d.value for d in at.dataframe):
        for column in ("Tekijä",):
            if column in frame.columns:
                assert set(frame[column]) <= {"ylläpitäjä", "järjestelmä"}, frame[column]
    shown = "\n".join(str(d.value.to_dict()) for d in at.dataframe)
    assert "test:fixture" not in shown and "maija" not in shown


def test_the_identity_provider_button_shows_when_configured(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.user = {"is_logged_in": False}
    at = _data_page(app)
    assert not _can_write(at)
    assert [b for b in at.sidebar.button if b.label == "Kirjaudu organisaation tunnuksella"]
    assert "set-password" not in _sidebar_text(at)  # the county's sign-in is the way in


# ---------------------------------------------------------------- cached views (issue 10)
# The pages take figures, tables and words from webapp's caches (keyed by the store's version):
# what a cache returns must be what the uncached functions give, and a write must show at once.


@pytest.fixture
def cached(store_path, monkeypatch):
    """webapp on the session's fixture store, outside a page run (st.cache_data works bare)."""
    from indicators import webapp

    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    return webapp


def _sent(figure) -> dict:
    """A figure as st.plotly_chart sends it to the browser (its spec, parsed)."""
    import json

    import plotly.io
    import plotly.tools

    return json.loads(plotly.io.to_json(
        plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True),
        validate=False))


def test_cached_charts_send_the_same_figure_as_one_built_afresh(cached, reader, config):
    from indicators import goals, omatiimi, phenomena, queries, review
    from indicators.figures import (
        funnel_figure,
        run_chart_figure,
        series_figure,
        stacked_bars_figure,
    )
    from indicators.goal_figures import key_result_figure
    from indicators.i18n import t

    version = cached.version()
    indicators = config.indicators
    for result in goals.evaluate(reader, config)[:4]:
        for lang in ("fi", "sv"):
            assert _sent(cached.goal_figure(version, result.key_result_id, lang)) == \
                _sent(key_result_figure(result, config, lang))

    pack = review.build_pack(reader, config, "HV07", "2026Q3")
    item = review.changed_key_results(pack)[0]
    assert _sent(cached.review_figure(version, "HV07", "2026Q3", item.result.key_result_id,
                                      "fi")) == _sent(key_result_figure(item.result, config))

    phenomenon = config.phenomena[0]
    indicator = indicators[phenomenon.indicator_ids[0]]
    frame = queries.series(reader, indicator, ["SK051"], level=phenomena.chart_level(indicator))
    verdict = phenomena.verdict_for(frame, indicator, phenomenon.first_action_start())
    median, highlight = phenomena.chart_marks(verdict)
    assert _sent(cached.run_chart(version, phenomenon.id, indicator.id, "SK051", "fi")) == \
        _sent(run_chart_figure(frame, indicator, config.areas["SK051"].name("fi"), median,
                               phenomena.action_lines(phenomenon), highlight))

    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    names = {c: config.areas[c].name("fi") for c in municipalities}
    points, _, target = queries.funnel_points(reader, indicator, municipalities,
                                              config.county_code,
                                              phenomena.funnel_level(indicator))
    assert _sent(cached.funnel_chart(version, indicator.id, "KU109", "fi")) == \
        _sent(funnel_figure(points, indicator, target, config.areas["HV07"].short("fi"), names,
                            "KU109"))

    felt = indicators["omatiimi_felt_helped"]
    monthly = queries.series(reader, felt, ["SK051"], level="month")
    assert _sent(cached.omatiimi_trend_chart(version, felt.id, "SK051", "fi")) == \
        _sent(omatiimi.trend_figure(monthly, felt, config.areas["SK051"].name("fi"),
                                    omatiimi.rollout_events(config, "SK051")))
    lead = indicators[omatiimi.LEAD_TIME]
    cells = queries.group_cells(reader, lead, ["SK051"], "month")
    assert _sent(cached.group_bars_chart(version, lead.id, "SK051", "month", True, "fi")) == \
        _sent(stacked_bars_figure(cells, lead, config.areas["SK051"].name("fi"),
                                  groups=[(g.code, g.name.fi) for g in lead.groups], share=True,
                                  events=omatiimi.rollout_events(config, "SK051")))
    regions = (*config.region_codes, config.county_code)
    compared = omatiimi.with_volume(queries.series(reader, felt, regions, level="quarter"), felt)
    assert _sent(cached.omatiimi_compare_chart(version, felt.id, regions, "quarter", "fi")) == \
        _sent(series_figure(compared, felt, {c: config.areas[c].short("fi") for c in regions},
                            volume_label=t("omatiimi.volume_label.responses", "fi")))

    anxiety = indicators["anxiety_gr8_9"]
    areas = ("SK053", "HV07", "SSS")
    shown = queries.series(reader, anxiety, list(areas), level="year")
    assert _sent(cached.series_chart(version, anxiety.id, areas, "total", "total", "year",
                                     "en")) == \
        _sent(series_figure(shown, anxiety, {c: config.areas[c].name("en") for c in areas
                                             if c in set(shown["area_code"])}, "en"))


def test_a_shared_figure_is_left_as_it_was_by_the_pages_that_show_it(cached, reader, config,
                                                                    store_path, monkeypatch,
                                                                    navigation_mode):
    """Figures are cached as objects shared by every session (`webapp.shared`): showing
    one with st.plotly_chart, rerun after rerun, must not change it."""
    from indicators import goals
    from indicators.goal_figures import key_result_figure

    version = cached.version()
    results = goals.evaluate(reader, config)
    figure = cached.goal_figure(version, results[0].key_result_id, "fi")
    assert cached.goal_figure(version, results[0].key_result_id, "fi") is figure  # shared

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/goals.py").run()
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= len(results) > 1
    for result in results:
        shown = cached.goal_figure(version, result.key_result_id, "fi")
        assert _sent(shown) == _sent(key_result_figure(result, config, "fi"))
    assert cached.goal_figure(version, results[0].key_result_id, "fi") is figure


def test_a_shared_figure_refuses_changes_and_sends_a_copy(cached, reader, config):
    import plotly.graph_objects as go
    import pytest

    from indicators import goals
    from indicators.goal_figures import key_result_figure

    result = goals.evaluate(reader, config)[0]
    figure = cached.goal_figure(cached.version(), result.key_result_id, "fi")
    before = _sent(figure)
    for change in (lambda f: f.update_layout(height=999),
                   lambda f: f.data[0].update(name="muutettu"),
                   lambda f: setattr(f.layout, "title", "muutettu"),
                   lambda f: f.update_traces(visible=False),
                   lambda f: f.add_trace(go.Scatter(x=[1], y=[1])),
                   lambda f: setattr(f, "layout", {}),
                   lambda f: f.plotly_relayout({"height": 1})):
        with pytest.raises(TypeError, match="shared figure"):
            change(figure)
    assert _sent(figure) == before == _sent(key_result_figure(result, config, "fi"))
    sent = figure.to_dict()
    sent["layout"]["height"] = 1  # a copy: the next one is as before
    assert figure.to_dict() != sent and _sent(figure) == before
    copy = go.Figure(figure)  # a page that wants another figure copies it
    copy.update_layout(height=999)
    assert copy.layout.height == 999 and _sent(figure) == before


def test_cached_tables_and_words_are_those_of_the_uncached_functions(cached, reader, config):
    import pyarrow as pa

    from indicators import goals, omatiimi, phenomena, queries, review
    from indicators.brief import brief_csv, brief_html, build_brief
    from indicators.downloads import to_excel_csv
    from indicators.goal_figures import key_result_table, key_result_text
    from indicators.review_texts import page_tables

    version = cached.version()
    result = goals.evaluate(reader, config)[0]
    table = cached.goal_table(version, result.key_result_id, "sv")
    assert table.equals(pa.Table.from_pandas(key_result_table(result, config, "sv")))
    assert table.to_pandas().equals(key_result_table(result, config, "sv"))

    pack = review.build_pack(reader, config, "SK051", "2026Q3")
    tables = cached.review_tables(version, "SK051", "2026Q3", "fi")
    expected = page_tables(pack, config)
    assert list(tables) == list(expected)
    assert all(tables[s].equals(expected[s]) for s in tables)
    item = pack.key_results[0]
    words, table = cached.review_chart_words(version, "SK051", "2026Q3",
                                             item.result.key_result_id, "fi")
    assert words == key_result_text(item.result, config)
    assert table.equals(key_result_table(item.result, config))

    phenomenon = config.phenomena[1]
    for indicator_id in phenomenon.indicator_ids:
        indicator = config.indicators[indicator_id]
        frame = queries.series(reader, indicator, ["KU061"],
                               level=phenomena.chart_level(indicator))
        assert cached.phenomenon_verdict(version, phenomenon.id, indicator_id, "KU061") == \
            phenomena.verdict_for(frame, indicator, phenomenon.first_action_start())
    indicator = config.indicators[phenomenon.indicator_ids[0]]
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    view = phenomena.funnel_view(*queries.funnel_points(
        reader, indicator, municipalities, config.county_code,
        phenomena.funnel_level(indicator)), indicator,
        {c: config.areas[c].name("fi") for c in municipalities})
    funnel = cached.funnel_view(version, indicator.id, "fi")
    assert (funnel.period, funnel.target, funnel.summary, funnel.hidden) == \
        (view.period, view.target, view.summary, view.hidden)
    assert funnel.points.equals(view.points) and funnel.table.equals(view.table)
    brief = build_brief(reader, config, phenomenon, "KU061", "fi")
    assert cached.arkitiimi_files(version, phenomenon.id, "KU061", "fi") == \
        (brief_html(brief, "fi"), brief_csv(brief, "fi"))

    felt = config.indicators["omatiimi_felt_helped"]
    trend = cached.omatiimi_trend(version, felt.id, "SK053", "fi")
    expected_trend = omatiimi.trend_view(queries.series(reader, felt, ["SK053"], level="month"),
                                         felt)
    assert (trend.chart, trend.signals, trend.download) == \
        (expected_trend.chart, expected_trend.signals, expected_trend.download)
    assert trend.table.equals(expected_trend.table)
    lead = config.indicators[omatiimi.LEAD_TIME]
    groups = cached.omatiimi_groups(version, lead.id, "SK053", "quarter", "fi")
    expected_groups = omatiimi.group_view(
        queries.group_cells(reader, lead, ["SK053"], "quarter"), lead)
    assert groups.lead.equals(expected_groups.lead)
    assert groups.table.equals(expected_groups.table)
    regions = (*config.region_codes, config.county_code)
    compare = cached.omatiimi_compare(version, felt.id, regions, "month", "fi")
    expected_compare = omatiimi.compare_view(
        omatiimi.with_volume(queries.series(reader, felt, regions, level="month"), felt), felt,
        {c: config.areas[c].short("fi") for c in regions})
    assert (compare.summary, compare.all_hidden) == \
        (expected_compare.summary, expected_compare.all_hidden)
    assert compare.table.equals(expected_compare.table)
    assert cached.omatiimi_rollout(version, "en").equals(omatiimi.rollout_table(config, "en"))

    anxiety = config.indicators["anxiety_gr8_9"]
    assert cached.export_csv(version, anxiety.id, "SK053", "fi") == to_excel_csv(
        queries.export_frame(reader, config, anxiety, "SK053", "fi"), "fi")


def test_a_saved_check_in_shows_in_the_cached_views_at_once(store_path, tmp_path, monkeypatch,
                                                            config):
    from datetime import date

    from indicators import auth, checkins, webapp
    from indicators.i18n import t
    from indicators.store import StoreReader

    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    key_result_id = "contacts_attention_hml"
    before = webapp.version()
    old_words, old_table = webapp.goal_checkins(before, key_result_id, "fi")
    old_csv = webapp.checkins_csv(before, (key_result_id,), "fi")
    checkin = checkins.CheckIn(key_result_id, "2026Q3", 9, "Jonot lyhenivät", "Koska",
                               "Jatkamme", "Hämeenlinnan seutu", date(2026, 11, 3))
    checkins.save(db, checkin, config, actor=auth.maintainer("test:cache"),
                  today=date(2026, 11, 15))
    after = webapp.version()
    assert after != before
    latest = webapp.latest_checkins(after)[key_result_id]
    assert (latest["quarter"], latest["seen"], latest["confidence"]) == \
        ("2026Q3", "Jonot lyhenivät", 9)
    words, table = webapp.goal_checkins(after, key_result_id, "fi")
    assert words.endswith("7–9/2026: 9") and words != old_words
    shown = table.to_pandas()
    assert shown.iloc[0][t("goals.checkin.col.seen", "fi")] == "Jonot lyhenivät"
    assert len(shown) >= len(old_table.to_pandas())
    assert "Jonot lyhenivät" in webapp.checkins_csv(after, (key_result_id,), "fi").decode(
        "utf-8") and "Jonot lyhenivät" not in old_csv.decode("utf-8")
    with StoreReader(db) as reader:
        assert webapp.latest_checkins(after) == checkins.latest_by_key_result(
            checkins.history(reader))
