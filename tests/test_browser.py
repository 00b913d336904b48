"""The whole app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Starts `streamlit run dashboard.py` on a free port against a copy of the fixture store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.settings import REPO_ROOT
from tests.browser_support import (
    BROWSER_MARKS,
    chromium,
    serve_copy_with_maintainer,
    wait_for_document_language,
    wait_until_rendered,
)

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(store_path, tmp_path_factory):
    with serve_copy_with_maintainer(store_path, tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("profile"), 1400, 1000) as context:
        yield context


def _sign_in(page) -> None:
    """Sign in as the test maintainer through the sidebar, as a person would."""
    from conftest import MaintainerAccount

    page.get_by_text("Ylläpitäjille", exact=True).first.click()
    page.get_by_label("Käyttäjätunnus").fill(MaintainerAccount.user)
    page.get_by_label("Salasana", exact=True).fill(MaintainerAccount.password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.get_by_text("Kirjauduit sisään ylläpitäjänä (maija).").wait_for(timeout=30000)


def _assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_overview_in_a_real_browser(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page()
    page.goto(url + "/", wait_until="domcontentloaded")
    page.get_by_text("Demoaineisto", exact=False).first.wait_for(timeout=30000)
    for name in ("Forssan seutu", "Hämeenlinnan seutu", "Riihimäen seutu"):
        page.get_by_text(name, exact=True).first.wait_for(timeout=30000)
    # a status on a card (the "what does this mean?" box names it too, folded away)
    page.get_by_text("Ei selvää muutosta", exact=False).filter(visible=True).first.wait_for(
        timeout=30000)
    _assert_no_error(page)
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.close()


def test_shared_indicator_link_opens_through_the_entrypoint(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page()
    page.goto(url + "/indicator?indicator=anxiety_gr8_9&area=KU103",
              wait_until="domcontentloaded")
    page.get_by_role("heading", name="Kohtalainen tai vaikea ahdistuneisuus").first.wait_for(
        timeout=30000)
    page.get_by_text("Demoaineisto", exact=False).first.wait_for(timeout=30000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30000)
    # the chart's footer names source and licence; the hover/table mark for hidden cells is '..'
    footer = page.locator(".js-plotly-plot .annotation-text").all_text_contents()
    assert any("THL, Kouluterveyskysely" in text for text in footer)
    area = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Alue")
    assert area.input_value() == "Humppila"
    assert "area=KU103" in page.url and "indicator=anxiety_gr8_9" in page.url
    _assert_no_error(page)
    page.screenshot(path=str(tmp_path / "indicator.png"), full_page=True)
    page.close()


def test_omatiimi_page_in_a_real_browser(server, browser, tmp_path):
    """The Omatiimi page from a shared link: cards, the control chart with its limits and the
    rollout lines, the stacked bars with patterns, and the signals in words."""
    url, _ = server
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "/omatiimi?area=SK052&indicator=omatiimi_feedback_response_rate",
              wait_until="domcontentloaded")
    page.get_by_role("heading", name="Viimeisin neljännes: 7–9/2026").first.wait_for(
        timeout=30000)
    page.get_by_text("Mitä kaavio kertoo").first.wait_for(timeout=30000)
    charts = page.locator(".js-plotly-plot")
    charts.nth(3).wait_for(timeout=30000)
    assert charts.count() == 4
    legend = " ".join(charts.first.locator(".legendtext").all_text_contents())
    assert "alustavat ohjausrajat" in legend  # nine months: trial limits, said in the legend
    notes = " ".join(charts.first.locator(".annotation-text").all_text_contents())
    assert "Omatiimi alkoi: Riihimäen seutu" in notes and "Hausjärvi mukaan" in notes
    assert "alustavia" in page.locator("body").inner_text()
    # the bars carry a pattern per class, not colour alone
    assert charts.nth(1).locator("pattern").count() >= 5
    assert "area=SK052" in page.url and "indicator=omatiimi_feedback_response_rate" in page.url
    _assert_no_error(page)
    page.screenshot(path=str(tmp_path / "omatiimi.png"), full_page=True)
    page.close()


def test_cli_import_while_serving_shows_on_the_next_load(server, browser, tmp_path):
    """A maintainer imports from the CLI while the dashboard serves; no restart is needed."""
    url, db = server
    link = url + "/indicator?indicator=cw_notifications_rate&area=KU061"
    page = browser.new_page()
    page.goto(link, wait_until="domcontentloaded")
    page.get_by_text("Uusin arvo alueella Forssa (2025)").first.wait_for(timeout=30000)

    value = f"{250 / 2680 * 1000:.1f}".replace(".", ",")
    data = tmp_path / "uusi.csv"
    data.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
                    f"cw_notifications_rate;KU061;2026;{value};250;2680\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "indicators", "import", str(data)],
                            cwd=REPO_ROOT, env=dict(os.environ, DASHBOARD_DB=str(db)),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    page.goto(link, wait_until="domcontentloaded")
    page.get_by_text(f"Uusin arvo alueella Forssa (2026): {value}").first.wait_for(
        timeout=30000)
    _assert_no_error(page)
    page.close()


def test_goals_page_and_a_check_in_in_a_real_browser(server, browser, tmp_path):
    """The goals page for the Forssa region: a card per key result with its chart, status in
    words, and a check-in typed into the form, saved and shown after a reload."""
    import duckdb

    url, db = server
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "/goals?area=SK053", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Yhteiset tavoitteet").first.wait_for(timeout=30000)
    page.get_by_text("avaintulosta aikataulussa tai saavutettu", exact=False).first.wait_for(
        timeout=30000)
    charts = page.locator(".js-plotly-plot")
    charts.nth(6).wait_for(timeout=30000)
    assert charts.count() == 7  # the seven key results that concern the Forssa region
    labels = " ".join(charts.first.locator(".annotation-text").all_text_contents())
    assert "Tavoite" in labels
    body = page.locator("body").inner_text()
    assert "Lähtötaso" in body and "Viimeisin" in body and "Vaarassa" in body
    _assert_no_error(page)
    assert page.get_by_role("button", name="Kirjaa neljännesvuosiarvio").count() == 0  # viewer

    _sign_in(page)
    wait_until_rendered(page)
    # the card's own button (by its widget key), not whichever card happens to render first
    page.locator(".st-key-open_omatiimi_days_forssa").get_by_role(
        "button", name="Kirjaa neljännesvuosiarvio").click()
    form = page.locator('[data-testid="stForm"]')
    form.wait_for(timeout=30000)
    assert form.count() == 1
    form.get_by_label("Mitä näemme").fill("Viive lyheni syksyllä.")
    form.get_by_label("Miksi ajattelemme niin").fill("Keskiviikon aika on taas käytössä.")
    form.get_by_label("Mitä teemme seuraavaksi").fill("Seurataan lokakuun lukuja.")
    form.get_by_label("Kirjaajan organisaatio").fill("Forssan seudun perhekeskus")
    form.get_by_role("button", name="Tallenna arvio").click()
    page.get_by_text("Arvio tallennettu", exact=False).first.wait_for(timeout=30000)
    _assert_no_error(page)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT key_result_id, seen, source, actor FROM key_result_checkin "
                           "WHERE source = 'ui'").fetchall()
    finally:
        con.close()
    assert rows == [("omatiimi_days_forssa", "Viive lyheni syksyllä.", "ui", "local:maija")]
    page.reload(wait_until="domcontentloaded")
    page.get_by_text("Viive lyheni syksyllä.", exact=False).first.wait_for(timeout=30000)
    page.screenshot(path=str(tmp_path / "goals.png"), full_page=True)
    page.close()


def test_review_page_downloads_the_pack_in_a_real_browser(server, browser, tmp_path):
    """The review of the Forssa region: sections on screen, the share box holds the whole view,
    and the Excel and HTML packs download with meaningful names."""
    import io

    import openpyxl

    url, _ = server
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "/review?area=SK053&quarter=2026Q3", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Neljännesvuosikatsaus: Forssan seutukunta, 7–9/2026").first\
        .wait_for(timeout=30000)
    page.get_by_role("heading", name="Todelliset signaalit (ajosarjasäännöt)").first.wait_for(
        timeout=30000)
    _assert_no_error(page)
    page.get_by_text("Jaa tämä näkymä").first.click()
    share = page.locator('[data-testid="stSidebar"] code').first
    share.wait_for(timeout=30000)
    link = share.inner_text()
    assert link.startswith(url + "/review?") and "area=SK053" in link and "quarter=2026Q3" in link

    with page.expect_download(timeout=60000) as caught:
        page.get_by_role("button", name="Lataa taulukot (Excel)").click()
    download = caught.value
    assert download.suggested_filename == "katsaus_SK053_2026Q3.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert "Avaintulokset" in workbook.sheetnames
    with page.expect_download(timeout=60000) as caught:
        page.get_by_role("button", name="Lataa katsaus (HTML, tulostettava)").click()
    html = Path(caught.value.path()).read_text(encoding="utf-8")
    assert caught.value.suggested_filename == "katsaus_SK053_2026Q3.html"
    assert "Neljännesvuosikatsaus: Forssan seutukunta" in html and "#000033" not in html
    # the PDF is printed by the server's Chromium when the button is pressed
    with page.expect_download(timeout=120000) as caught:
        page.get_by_role("button", name="Lataa katsaus (PDF)").click()
    assert caught.value.suggested_filename == "katsaus_SK053_2026Q3.pdf"
    assert Path(caught.value.path()).read_bytes()[:5] == b"%PDF-"
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    page.close()


def _nav(page, label: str):
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label)


def test_language_area_and_indicator_survive_page_switches(server, browser):
    """Streamlit's page menu drops the query string; the dashboard carries lang, area and
    indicator over, and a page that has no use for a carried indicator leaves it be."""
    url, _ = server
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "/indicator?lang=sv&area=KU109&indicator=anxiety_gr8_9",
              wait_until="domcontentloaded")
    wait_until_rendered(page)
    wait_for_document_language(page, "sv")

    _nav(page, "Mål").click()
    page.wait_for_url("**/goals?*", timeout=30000)
    wait_until_rendered(page)
    assert page.get_by_role("heading", name="Gemensamma mål").count() == 1
    for param in ("lang=sv", "area=KU109", "indicator=anxiety_gr8_9"):
        assert param in page.url, page.url

    _nav(page, "Omatiimi").click()  # an Omatiimi page takes only Omatiimi indicators
    page.wait_for_url("**/omatiimi?*", timeout=30000)
    wait_until_rendered(page)
    assert "lang=sv" in page.url and "area=KU109" in page.url
    assert page.locator('[data-testid="stAlertContentWarning"]').filter(
        has_text="anxiety_gr8_9").count() == 0  # no 'unknown indicator' for a carried value

    _nav(page, "Indikator").click()
    page.wait_for_url("**/indicator?*", timeout=30000)
    wait_until_rendered(page)
    assert "indicator=anxiety_gr8_9" in page.url and "area=KU109" in page.url
    area = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Område")
    assert area.input_value() == "Tavastehus"
    wait_for_document_language(page, "sv")
    _assert_no_error(page)
    page.close()


def test_language_and_area_can_be_chosen_with_the_keyboard_alone(server, browser):
    url, _ = server
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "/goals", wait_until="domcontentloaded")
    wait_until_rendered(page)
    page.locator("body").focus()
    for _ in range(80):  # Tab through the page until the language switch has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.getAttribute('type') === 'radio'"
                         " && document.activeElement?.value !== undefined"
                         " && !!document.activeElement.closest('[data-testid=stSidebar]')"):
            break
    else:
        pytest.fail("the language switch cannot be reached with Tab")
    page.keyboard.press("ArrowRight")  # suomi -> svenska
    page.wait_for_function("document.documentElement.lang === 'sv'", timeout=30000)
    wait_until_rendered(page)
    assert "lang=sv" in page.url
    assert page.get_by_role("heading", name="Gemensamma mål").count() == 1

    for _ in range(20):  # on to the area selector
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.getAttribute('role') === 'combobox'"):
            break
    else:
        pytest.fail("the area selector cannot be reached with Tab")
    page.keyboard.type("Tavastehusreg")
    page.keyboard.press("Enter")
    page.wait_for_url("**area=SK051*", timeout=30000)
    wait_until_rendered(page)
    assert "lang=sv" in page.url
    _assert_no_error(page)
    page.close()


_IN_VIEW_JS = """(selector) => {
    const element = document.querySelector(selector);
    if (!element) return false;
    const box = element.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.top < window.innerHeight;
}"""


def test_method_notes_open_at_their_section_and_glossary_words_jump_to_definitions(server,
                                                                                   browser):
    """A link from a "what does this mean?" box lands on its note (Streamlit scrolls to the
    heading's anchor), and a glossary word on a page scrolls to its definition on the same page
    without leaving it."""
    url, _ = server
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url + "/omatiimi?lang=fi", wait_until="domcontentloaded")
    wait_until_rendered(page)
    boxes = page.get_by_text("Mitä tämä tarkoittaa?")
    assert boxes.count() >= 3  # beside the cards, the control chart and the other charts
    for i in range(boxes.count()):
        boxes.nth(i).click()
    link = page.get_by_role("link", name="Lue lisää: Signaalit", exact=False).first
    link.wait_for(timeout=30000)
    assert link.get_attribute("href") == "methods?lang=fi&topic=signals#signals"
    assert link.get_attribute("target") == "_blank"  # the view here stays as it is

    word = page.locator('a[href="#term-omatiimi"]').first
    assert not page.evaluate(_IN_VIEW_JS, "#term-omatiimi")  # the definition is far below
    before = page.url
    word.click()
    page.wait_for_function(_IN_VIEW_JS, arg="#term-omatiimi", timeout=15000)
    assert page.url.split("#")[0] == before.split("#")[0]  # same page, no reload
    assert "Omatiimi on verkosto" in page.locator("#term-omatiimi + dd").inner_text()
    _assert_no_error(page)

    notes = browser.new_page()
    notes.set_viewport_size({"width": 1280, "height": 800})
    notes.goto(url + "/" + link.get_attribute("href"), wait_until="domcontentloaded")
    wait_until_rendered(notes)
    notes.wait_for_function(_IN_VIEW_JS, arg="#signals", timeout=15000)
    assert not notes.evaluate(_IN_VIEW_JS, "#intervals")
    _assert_no_error(notes)
    notes.close()
    page.close()
