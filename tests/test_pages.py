"""Every page rendered with Streamlit's AppTest on the session's fixture store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from indicators import auth
from indicators.settings import REPO_ROOT

APP = str(REPO_ROOT / "dashboard.py")
pytestmark = pytest.mark.usefixtures("navigation_mode")


@pytest.fixture
def app(store_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    return AppTest.from_file(APP, default_timeout=60)


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [t.value for t in at.title]
    parts += [s.value for s in at.subheader] + [h.value for h in at.header]
    return "\n".join(parts)


def _page_links(at):
    return [(p.proto.label, p.proto.query_string) for p in at.get("page_link")]


def test_overview_shows_the_three_regions_side_by_side(app, config):
    at = app.run()
    assert not at.exception
    assert "Demoaineisto" in at.warning[0].value
    labels = [label for label, _ in _page_links(at)]
    for name in ("Forssan seutu", "Hämeenlinnan seutu", "Riihimäen seutu", "Kanta-Häme",
                 "Koko maa"):
        assert labels.count(name) == len(config.headline_indicators())
    headings = [h.value for h in at.header]
    assert headings == [i.name.fi for i in config.headline_indicators()]
    text = _texts(at)
    assert "Ei selvää muutosta" in text or "Parantunut" in text
    assert ":material/" in text  # status has an icon as well as words
    # numbers in Finnish format: decimal comma
    assert any("," in m.value and 'class="card-value"' in m.value for m in at.markdown)


def test_overview_links_carry_indicator_and_area(app):
    at = app.run()
    links = dict(_page_links(at))
    assert links["Hämeenlinnan seutu"].startswith("indicator=")
    assert any("area=SK051" in q for _, q in _page_links(at))


def test_area_lives_in_the_url(app):
    app.query_params["area"] = "KU109"
    at = app.run()
    assert not at.exception
    assert at.sidebar.selectbox[0].value == "KU109"
    assert at.query_params["area"] == ["KU109"] or at.query_params["area"] == "KU109"


def test_unknown_area_gives_a_friendly_message(app):
    app.query_params["area"] = "KU999"
    at = app.run()
    assert not at.exception
    assert any("KU999" in w.value for w in at.warning)
    assert at.sidebar.selectbox[0].value == "HV07"


def test_indicator_page_renders_chart_table_metadata_and_download(app):
    app.query_params["area"] = "KU103"
    app.query_params["indicator"] = "anxiety_gr8_9"
    at = app.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("Kohtalainen tai vaikea ahdistuneisuus")
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    areas = set(table["Alue"])
    assert {"Humppila", "Forssan seutukunta", "Kanta-Hämeen hyvinvointialue",
            "Koko maa"} <= areas
    humppila = table[table["Alue"] == "Humppila"]
    assert (humppila["Arvo"] == "..").any()  # small cells are shown as the neutral mark
    assert not humppila["Arvo"].str.contains("<").any()
    assert len(at.get("download_button")) == 1
    text = _texts(at)
    assert "Lähde: THL, Kouluterveyskysely" in text
    assert "Lisenssi" in text and "Määritelmä" in text
    assert "Demoaineisto" in at.warning[0].value


def test_indicator_page_unknown_indicator_falls_back(app):
    app.query_params["indicator"] = "no_such_thing"
    at = app.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert any("no_such_thing" in w.value for w in at.warning)
    assert at.title[0].value == "Perhekeskuksen yhteydenotot tarkkaavuuden ja käyttäytymisen vuoksi"


@pytest.mark.parametrize("indicator_id", ["omatiimi_days_to_first_meeting",
                                          "fc_contacts_attention", "cw_notification_share",
                                          "omatiimi_srs_mean", "absence_over10_term"])
def test_indicator_page_for_each_kind(app, indicator_id, config):
    app.query_params["indicator"] = indicator_id
    app.query_params["area"] = "SK051"
    at = app.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert at.title[0].value == config.indicators[indicator_id].name.fi
    assert len(at.get("plotly_chart")) == 1


def test_overview_adds_a_selected_municipality(app):
    app.query_params["area"] = "KU169"
    at = app.run()
    assert not at.exception
    labels = [label for label, _ in _page_links(at)]
    assert labels[0] == "Jokioinen" and labels[1] == "Forssan seutu"
    assert any("Valittu alue: Jokioinen" in c.value for c in at.caption)


def test_municipality_with_a_region_only_indicator(app):
    app.query_params["area"] = "KU061"
    app.query_params["indicator"] = "omatiimi_requests"
    at = app.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert any("Alueelta Forssa ei ole tietoa" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 1  # the region and county are still drawn


def test_link_cannot_inject_markdown(app):
    app.query_params["area"] = "[Kirjaudu](https://example.invalid)"
    at = app.run()
    assert not at.exception
    warning = next(w.value for w in at.warning if "ei ole tiedossa" in w.value)
    assert "](" not in warning and "https" in warning


def test_broken_store_file_gives_a_message_not_a_traceback(monkeypatch, tmp_path):
    bad = tmp_path / "not_a_store.duckdb"
    bad.write_bytes(b"this is not a DuckDB file" * 100)
    monkeypatch.setenv("DASHBOARD_DB", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Tietokantaa ei voitu avata" in at.error[0].value


def test_broken_config_names_file_and_key(monkeypatch, tmp_path, store_path):
    import shutil

    from indicators import webapp
    from indicators.settings import DEFAULT_CONFIG_DIR

    root = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, root)
    text = (root / "regions.yaml").read_text(encoding="utf-8")
    (root / "regions.yaml").write_text(text.replace("code: KU433", "code: KU43"),
                                       encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(root))
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    webapp.get_config.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        webapp.get_config.clear()
    assert not at.exception
    assert "Asetukset ovat virheelliset" in at.error[0].value
    assert any("config/regions.yaml" in m.value and "KU43" in m.value for m in at.markdown)


@pytest.fixture
def writable_app(store_path, tmp_path, monkeypatch):
    import shutil

    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    return AppTest.from_file(APP, default_timeout=60)


def test_data_page_upload_validate_confirm_flow(writable_app, maintainer_account):
    at = writable_app.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert "Data" in at.title[0].value
    assert not at.get("file_uploader")  # viewers get no write controls
    maintainer_account.sign_in(at)
    assert any("Kirjauduit sisään ylläpitäjänä (maija)" in s.value for s in at.success)
    catalogue = at.dataframe[-1].value
    assert "anxiety_gr8_9" in set(catalogue["Tunnus"])

    value = f"{250 / 2680 * 1000:.1f}".replace(".", ",")
    good = ("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\r\n"
            f"cw_notifications_rate;Forssa;2026;{value};250;2680\r\n").encode("cp1252")
    at.file_uploader(key="upload_file").set_value(("uusi.csv", good, "text/csv"))
    at.run()
    assert not at.exception
    assert any("on kunnossa" in s.value for s in at.success)
    confirm = [b for b in at.button if b.label.startswith("Vahvista")]
    assert len(confirm) == 1
    confirm[0].click()
    at.run()
    assert not at.exception
    assert any("Tuonti 2 onnistui" in s.value for s in at.success), (
        [e.value for e in at.error], [i.value for i in at.info], [s.value for s in at.success])
    trail = next(d.value for d in at.dataframe if "Muutos" in d.value.columns)
    # the change log names the signed-in maintainer
    assert trail.iloc[0]["Tekijä"] == "local:maija" and trail.iloc[0]["Muutos"] == "tuonti"

    at.query_params["indicator"] = "cw_notifications_rate"
    at.query_params["area"] = "KU061"
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    forssa = table[(table["Alue"] == "Forssa") & (table["Jakso"] == "2026")]
    assert forssa["Arvo"].tolist() == [value]


def test_data_page_shows_every_problem_of_a_bad_file(writable_app, maintainer_account):
    at = writable_app.run()
    at.switch_page("pages/data.py").run()
    maintainer_account.sign_in(at)
    bad = ("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
           "cw_notifications_rate;KU999;2026;1;1;2\n"
           "anxiety_gr8_9;KU061;2026-13;120;12;10\n").encode()
    at.file_uploader(key="upload_file").set_value(("huono.csv", bad, "text/csv"))
    at.run()
    assert not at.exception
    assert "ei tuotu" in at.error[0].value
    problems = at.dataframe[1].value
    assert len(problems) >= 3 and set(problems["Rivi"]) >= {"2", "3"}
    assert not [b for b in at.button if b.label.startswith("Vahvista")]


def test_sotkanet_import_shows_on_the_indicator_page(writable_app, config, tmp_path,
                                                     monkeypatch):
    import os
    from pathlib import Path

    from test_imports import _sotkanet_files

    from indicators.imports import import_file

    data_path, regions_path = _sotkanet_files(tmp_path)
    report = import_file(data_path, config, Path(os.environ["DASHBOARD_DB"]),
                         actor=auth.maintainer("test:maintainer"), regions_path=regions_path)
    assert report.ok
    writable_app.query_params["indicator"] = "cw_notification_share"
    writable_app.query_params["area"] = "KU061"
    at = writable_app.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    forssa = table[(table["Alue"] == "Forssa") & (table["Jakso"] == "2025")]
    assert forssa["Arvo"].tolist() == ["9,4"]
    county = table[(table["Alue"] == "Kanta-Hämeen hyvinvointialue") & (table["Jakso"] == "2025")]
    assert county["Arvo"].tolist() == ["8,7"]  # the county value as Sotkanet gave it
    assert any("Osa luvuista on demoaineistoa" in w.value for w in at.warning)


def test_rolling_pools_on_the_indicator_page(app):
    app.query_params["indicator"] = "cw_notifications_rate"
    app.query_params["area"] = "KU103"
    at = app.run()
    at.switch_page("pages/indicator.py").run()
    radio = at.radio(key="url_level")
    assert radio.options == ["Vuosi", "Liukuva 3 vuotta"]
    radio.set_value("pool").run()
    assert not at.exception
    assert at.query_params["level"] in ("pool", ["pool"])  # the chosen level is in the link
    assert any("Liukuvat kolmen vuoden jaksot" in i.value for i in at.info)
    periods = set(at.dataframe[0].value["Jakso"])
    assert "2023–2025" in periods and "2025" not in periods


def test_a_link_can_open_the_pools(open_page):
    at = open_page("indicator", indicator="exercise_counselling_referrals", area="KU981",
                   level="pool")
    assert at.radio(key="url_level").value == "pool"


def test_sex_and_group_live_in_the_url(open_page):
    at = open_page("indicator", indicator="concentration_difficulties", area="SK051",
                   sex="female", group="gr4_5")
    assert at.selectbox(key="url_sex").value == "female"
    assert at.selectbox(key="url_group").value == "gr4_5"
    at.selectbox(key="url_sex").set_value("male").run()
    assert at.query_params["sex"] in ("male", ["male"])


# ------------------------------------------------------------------------------ goals page


def _goal_results(reader, config, area=None):
    from indicators import goals

    return [r for r in goals.evaluate(reader, config) if goals.concerns_area(config, r, area)]


def test_goals_page_shows_every_key_result_with_status_path_and_reason(app, reader, config):
    from indicators import goals
    from indicators.goal_texts import path_text, reason_text, status_badge, summary_text

    at = app.run()
    at.switch_page("pages/goals.py").run()
    assert not at.exception
    assert at.title[0].value == "Yhteiset tavoitteet"
    results = _goal_results(reader, config)
    assert len(results) == sum(len(o.key_results) for o in config.objectives)
    text = _texts(at)
    assert f"**{summary_text(goals.status_counts(results), 'fi')}**" in text
    for result in results:
        kr = next(k for o in config.objectives for k in o.key_results
                  if k.id == result.key_result_id)
        assert f"**{kr.name.fi}**" in text
        assert path_text(result, config, "fi") in text
        assert reason_text(result, config, "fi") in text
        assert status_badge(result.status, "fi") in text  # icon and words
    # owners as headers, objectives as subheaders
    headers = [h.value for h in at.header]
    assert headers == ["Alueellinen ohjausryhmä", "Seudullinen perhekeskustyöryhmä", "Arkitiimi"]
    # the last one closes the page: the glossary words its texts linked
    assert [s.value for s in at.subheader] == [o.name.fi for o in sorted(
        config.objectives, key=lambda o: ("steering_group", "regional_working_group",
                                          "arkitiimi").index(o.owner))] + [
        "Sivulla käytetyt käsitteet"]
    # a hidden baseline is shown as hidden, with the reason, never as a number
    hidden = [r for r in results if r.reason == "baseline_hidden"]
    assert hidden and "Lähtötaso .. (salattu)" in path_text(hidden[0], config, "fi")


def test_goals_page_links_each_key_result_to_its_indicator_and_phenomenon(app):
    app.query_params["area"] = "SK053"
    at = app.run()
    at.switch_page("pages/goals.py").run()
    assert not at.exception
    links = _page_links(at)
    assert ("Avaa mittari", "indicator=absence_over10_term&area=SK053&lang=fi") in links
    assert ("Avaa ilmiö", "phenomenon=school_absences&area=SK053&lang=fi") in links


def test_goals_page_filters_by_the_chosen_region(app, reader, config):
    app.query_params["area"] = "SK053"
    at = app.run()
    at.switch_page("pages/goals.py").run()
    assert not at.exception
    shown = _goal_results(reader, config, "SK053")
    assert shown and len(shown) < len(_goal_results(reader, config))
    text = _texts(at)
    names = {k.id: k.name.fi for o in config.objectives for k in o.key_results}
    for result in _goal_results(reader, config):
        inside = any(r.key_result_id == result.key_result_id for r in shown)
        assert (f"**{names[result.key_result_id]}**" in text) == inside
    assert any("Forssan seutukunta" in i.value for i in at.info)


def test_goals_page_check_in_is_saved_and_shown(writable_app, maintainer_account):
    import duckdb

    writable_app.query_params["area"] = "SK053"
    at = writable_app.run()
    at.switch_page("pages/goals.py").run()
    assert not at.exception
    maintainer_account.sign_in(at)
    key = "unauthorised_absence_forssa"
    assert not at.get("text_area")  # no form until a card's button asks for one
    at.button(key=f"open_{key}").click().run()
    assert len(at.get("form")) == 1
    at.text_area(key=f"seen_{key}").set_value("Kyselyn luku ei vielä muuttunut.")
    at.text_area(key=f"why_{key}").set_value("Toimet alkoivat vasta syksyllä 2025.")
    at.text_area(key=f"next_{key}").set_value("Odotetaan kouluterveyskyselyä 2027.")
    at.text_input(key=f"org_{key}").set_value("Forssan seudun perhekeskustyöryhmä")
    at.slider(key=f"c_{key}").set_value(6)
    quarter = at.selectbox(key=f"q_{key}").value
    submit = [b for b in at.button if b.label == "Tallenna arvio"]
    index = [i for i, b in enumerate(submit) if b.proto.form_id == f"checkin_{key}"][0]
    submit[index].click().run()
    assert not at.exception
    assert any("Arvio tallennettu" in s.value for s in at.success)
    import os

    con = duckdb.connect(os.environ["DASHBOARD_DB"], read_only=True)
    try:
        rows = con.execute("SELECT quarter, confidence, seen, source, actor "
                           "FROM key_result_checkin WHERE key_result_id = ?", [key]).fetchall()
    finally:
        con.close()
    assert rows == [(quarter, 6, "Kyselyn luku ei vielä muuttunut.", "ui", "local:maija")]
    # the same run shows the card again: form closed, the new check-in in its history
    assert any("luottamus 6/10" in m.value for m in at.markdown)
    assert not at.get("text_area")


def test_goals_page_refuses_a_check_in_with_personal_data(writable_app, maintainer_account):
    import os

    import duckdb

    writable_app.query_params["area"] = "SK053"
    at = writable_app.run()
    at.switch_page("pages/goals.py").run()
    maintainer_account.sign_in(at)
    key = "unauthorised_absence_forssa"
    before = os.path.getmtime(os.environ["DASHBOARD_DB"])
    at.button(key=f"open_{key}").click().run()
    at.text_area(key=f"seen_{key}").set_value("Perhe, puh. 040 123 4567, kertoi tilanteesta.")
    at.text_area(key=f"why_{key}").set_value("Syy")
    at.text_area(key=f"next_{key}").set_value("Teemme")
    at.text_input(key=f"org_{key}").set_value("Koulu")
    submit = [b for b in at.button if b.label == "Tallenna arvio"
              and b.proto.form_id == f"checkin_{key}"]
    submit[0].click().run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "henkilötietoja (puhelinnumero)" in errors and "Mitä näemme" in errors
    assert os.path.getmtime(os.environ["DASHBOARD_DB"]) == before
    con = duckdb.connect(os.environ["DASHBOARD_DB"], read_only=True)
    try:
        count = con.execute("SELECT COUNT(*) FROM key_result_checkin WHERE key_result_id = ?",
                            [key]).fetchone()[0]
    finally:
        con.close()
    assert count == 0


def test_goals_page_hides_the_check_in_form_from_viewers(app, maintainer_account):
    at = app.run()
    at.switch_page("pages/goals.py").run()
    assert not at.exception
    assert not [b for b in at.button if b.label in ("Tallenna arvio",
                                                    "Kirjaa neljännesvuosiarvio")]
    assert not at.get("text_area")
    assert any("Kirjaudu sisään sivupalkin kohdasta Ylläpitäjille" in c.value
               for c in at.caption)  # says where check-ins are recorded


def test_every_page_offers_a_link_to_its_view(app):
    app.query_params["area"] = "KU103"
    app.query_params["indicator"] = "anxiety_gr8_9"
    at = app.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    codes = [c.value for c in at.sidebar.code]
    assert len(codes) == 1
    assert codes[0].startswith("/indicator?") or "/indicator?" in codes[0]
    assert "area=KU103" in codes[0] and "indicator=anxiety_gr8_9" in codes[0]
    for page in ("pages/overview.py", "pages/goals.py", "pages/omatiimi.py",
                 "pages/phenomena.py", "pages/data.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert len(at.sidebar.code) == 1 and "area=KU103" in at.sidebar.code[0].value, page


# ------------------------------------------------------------------------------ review page


def test_review_page_assembles_the_quarter_for_a_region(app, reader, config):
    from indicators import review
    from indicators.review_texts import section_tables, title

    app.query_params["area"] = "KU061"  # a municipality: its region's review
    app.query_params["quarter"] = "2026Q3"
    at = app.run()
    at.switch_page("pages/review.py").run()
    assert not at.exception
    pack = review.build_pack(reader, config, "SK053", "2026Q3")
    assert at.header[0].value == title(pack, config, "fi")
    assert any("Forssan seutukunta" in i.value for i in at.info)  # shown as part of its region
    subheaders = [s.value for s in at.subheader]
    for section in ("Avaintulokset ja tilan muutos", "Todelliset signaalit (ajosarjasäännöt)",
                    "Uudet luvut", "Toimenpiteiden edistyminen", "Omatiimi",
                    "Neljännesvuosiarviot", "Lähteet"):
        assert section in subheaders
    tables = section_tables(pack, config, "fi")
    frames = [d.value for d in at.dataframe]
    kr_frame = next(f for f in frames if "Avaintulos" in f.columns and "Tila" in f.columns)
    assert list(kr_frame["Avaintulos"]) == list(tables["key_results"]["Avaintulos"])
    assert list(kr_frame["Avaa näkymä"]) == [review.local_link(config, i.link)
                                             for i in pack.key_results]
    # the status change is said with icons and words: Forssa's median days held, then lost
    assert any("Saavutettu" in m.value and "Vaarassa" in m.value for m in at.markdown)
    labels = [b.label for b in at.get("download_button")]
    assert "Lataa taulukot (Excel)" in labels and "Lataa diat (PowerPoint)" in labels
    assert at.query_params["quarter"] in ("2026Q3", ["2026Q3"])


def test_review_page_unknown_quarter_falls_back_to_the_latest(app):
    app.query_params["quarter"] = "1999Q1"
    at = app.run()
    at.switch_page("pages/review.py").run()
    assert not at.exception
    assert any("1999Q1" in w.value for w in at.warning)
    assert "7–9/2026" in at.header[0].value


@pytest.mark.parametrize(("lang", "city", "county"), [
    ("fi", "Hämeenlinna", "Kanta-Hämeen hyvinvointialue"),
    ("sv", "Tavastehus", "Egentliga Tavastlands välfärdsområde"),
    ("en", "Hämeenlinna", "Kanta-Häme wellbeing services county"),
])
def test_the_language_comes_from_the_url_with_area_names_in_it(app, config, lang, city, county):
    from indicators.i18n import messages

    app.query_params["lang"] = lang
    app.query_params["area"] = "KU109"
    at = app.run()
    assert not at.exception
    assert at.sidebar.radio[0].value == lang
    assert at.sidebar.selectbox[0].value == "KU109"
    options = " | ".join(at.sidebar.selectbox[0].options)
    assert city in options and county in options
    assert at.title[0].value == messages(lang)["overview.title"]
    assert [h.value for h in at.header][:1] == [config.headline_indicators()[0].name.get(lang)]
    assert messages(lang)["app.demo_banner"].split("**")[1] in at.warning[0].value


def test_the_language_switch_changes_the_page_and_the_url(app):
    at = app.run()
    assert at.title[0].value == "Seudut rinnakkain"
    at.sidebar.radio[0].set_value("sv").run()
    assert not at.exception
    assert at.query_params["lang"] in (["sv"], "sv")
    assert at.title[0].value != "Seudut rinnakkain"
    assert "Regionerna" in at.title[0].value


def test_an_unknown_language_in_the_url_falls_back_to_finnish_with_a_message(app):
    app.query_params["lang"] = "de"
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Seudut rinnakkain"
    assert any("`de`" in w.value for w in at.sidebar.warning)


def test_the_accessibility_statement_names_the_feedback_address_and_supervisor(app, config):
    at = app.run()
    at.switch_page("pages/accessibility.py").run()
    assert not at.exception
    text = _texts(at)
    access = config.site.accessibility
    assert access.feedback_email in text and access.supervisor.url in text
    assert "WCAG 2.1" in text and "osittain" in text


def test_the_data_page_shows_the_audit_log(open_page):
    at = open_page("data")
    assert "Muutosloki" in [h.value for h in at.header]
    trail = next(df.value for df in at.dataframe if "Tiiviste" in df.value.columns)
    assert "demoaineiston rakennus" in set(trail["Muutos"])
    assert trail["Tiiviste"].str.fullmatch(r"[0-9a-f]{16}").all()


def _menu_click(at, page: str):
    """What Streamlit's page menu does: switch page with an empty query string."""
    for name in list(at.query_params):
        del at.query_params[name]
    return at.switch_page(page).run()


def test_the_chosen_indicator_survives_a_round_trip_through_another_page(open_page):
    at = open_page("indicator", indicator="anxiety_gr8_9", area="KU103", lang="sv")
    assert at.selectbox(key="url_indicator").value == "anxiety_gr8_9"
    _menu_click(at, "pages/overview.py")  # a page that does not draw the indicator widget
    assert not at.exception
    _menu_click(at, "pages/indicator.py")
    assert not at.exception
    assert at.selectbox(key="url_indicator").value == "anxiety_gr8_9"
    _menu_click(at, "pages/omatiimi.py")  # does not offer it: its own default, no warning
    assert not at.exception and not [w for w in at.warning if "anxiety_gr8_9" in w.value]
    _menu_click(at, "pages/indicator.py")
    assert at.selectbox(key="url_indicator").value == "anxiety_gr8_9"
    assert at.sidebar.selectbox[0].value == "KU103" and at.sidebar.radio[0].value == "sv"


def test_an_unknown_language_in_an_edited_address_really_falls_back(app):
    app.query_params["lang"] = "en"
    at = app.run()
    assert at.title[0].value == "Regions side by side"
    at.query_params["lang"] = "de"
    at.run()
    assert at.title[0].value == "Seudut rinnakkain"  # Finnish, as the message says
    assert at.sidebar.radio[0].value == "fi"
    assert any("`de`" in w.value for w in at.sidebar.warning)
