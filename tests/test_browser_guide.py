"""The user guide's screenshots, kept current: every task's view opened in a real headless
Chromium (Debian's, through Playwright) at 1280×800, in Finnish, on a copy of the fixture store.

A picture replaces the committed one in docs/guide/ only when it differs visibly
(`guide.needs_update`), so running the tests does not churn git. To regenerate after a change
of the pages: `.venv/bin/python -m pytest tests/test_browser_guide.py`, then commit docs/guide/.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from indicators import auth, guide, imports
from indicators.i18n import t
from indicators.settings import REPO_ROOT
from tests.browser_support import (
    BROWSER_MARKS,
    chromium,
    serve_copy_with_maintainer,
    wait_until_rendered,
)

pytestmark = BROWSER_MARKS

WIDTH, HEIGHT = guide.SCREENSHOT_SIZE
TEMPLATE = REPO_ROOT / "data" / "templates" / "aineistopohja.csv"
# above a section the view is scrolled to: room for Streamlit's header bar and a little context
FOCUS_MARGIN_PX = 76
SCROLL_TO_JS = """(el, margin) => {
    el.scrollIntoView({block: 'start'});
    for (let box = el.parentElement; box; box = box.parentElement) {
        if (box.scrollTop > 0) { box.scrollTop = Math.max(0, box.scrollTop - margin); break; }
    }
}"""


@pytest.fixture(scope="module")
def server(store_path, tmp_path_factory):
    with serve_copy_with_maintainer(store_path, tmp_path_factory.mktemp("guide")) as served:
        yield served


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("profile"), WIDTH, HEIGHT,
                  timezone_id="Europe/Helsinki") as context:
        yield context


def _sign_in(page) -> None:
    """Sign in as the test maintainer through the sidebar, as the guide tells a maintainer to."""
    from conftest import MaintainerAccount

    page.get_by_text(t("auth.title", "fi"), exact=True).first.click()
    page.get_by_label(t("auth.username", "fi")).fill(MaintainerAccount.user)
    page.get_by_label(t("auth.password", "fi"), exact=True).fill(MaintainerAccount.password)
    page.get_by_role("button", name=t("auth.submit", "fi")).click()
    page.get_by_text(t("auth.welcome", "fi", name=MaintainerAccount.user)).wait_for(
        timeout=30000)
    wait_until_rendered(page)
    # typing in the form scrolled the sidebar: back to its top, as a fresh page shows it
    page.locator('[data-testid="stSidebar"] *').evaluate_all(
        "els => els.forEach(el => { if (el.scrollTop > 0) el.scrollTop = 0; })")


def _main(page):
    return page.locator('[data-testid="stMain"]')


def _upload_template(page) -> None:
    """Choose the bundled template in the upload box: the check report shows, nothing is
    imported (the guide's picture of a file that passed the checks)."""
    _main(page).locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(TEMPLATE))
    _main(page).get_by_text(t("import.result.valid", "fi", file=TEMPLATE.name, rows=3)).wait_for(
        timeout=30000)
    wait_until_rendered(page)


def _open_rollback(page) -> None:
    _main(page).locator('[data-testid="stExpander"] summary').filter(
        has_text=t("data.rollback_title", "fi", import_id=2)).click()
    _main(page).get_by_text(t("data.rollback_confirm", "fi", import_id=2)).wait_for(
        timeout=30000)


def _open_checkin_form(page) -> None:
    _main(page).get_by_role("button", name=t("goals.checkin.add", "fi")).first.click()
    _main(page).locator('[data-testid="stForm"]').first.wait_for(timeout=30000)
    wait_until_rendered(page)


ACTIONS = {"import_file": _upload_template, "rollback_import": _open_rollback,
           "config_and_checkins": _open_checkin_form}


def _shoot(page, url: str, task: guide.Task) -> bytes:
    query = urlencode({**task.params, "lang": "fi"})
    page.goto(f"{url}/{task.url_path}?{query}", wait_until="domcontentloaded")
    wait_until_rendered(page)
    if task.sign_in:
        _sign_in(page)
    if task.key in ACTIONS:
        ACTIONS[task.key](page)
    if task.focus:
        target = _main(page).get_by_text(t(task.focus, "fi"), exact=True).first
        target.wait_for(timeout=30000)
        target.evaluate(SCROLL_TO_JS, FOCUS_MARGIN_PX)
    page.mouse.move(WIDTH // 2, 4)  # no hover effect or tooltip in the picture
    page.wait_for_timeout(600)
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0, task.key
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, task.key
    return page.screenshot(full_page=False, type="png")


def test_every_task_has_a_current_screenshot(server, browser, config):
    url, db = server
    written = []
    for task in guide.tasks():
        path = guide.screenshot_path(task)
        if path is None:
            continue
        imported = None
        if task.key == "rollback_import":  # an import to roll back (the demo build is the base)
            imported = imports.import_file(TEMPLATE, config, db, actor=auth.maintainer(
                "local:maija"), source="upload")
            assert imported.import_id == 2, imported.problems
        page = browser.new_page()
        try:
            png = _shoot(page, url, task)
        finally:
            page.close()
            if imported is not None:  # the other views show the demo data alone again
                imports.rollback(db, imported.import_id, config,
                                 actor=auth.maintainer("local:maija"))
        if guide.needs_update(path, png, guide.VOLATILE_SHARE if task.volatile
                              else guide.CHANGED_SHARE):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(guide.to_webp(png))
            written.append(path.name)
    print("screenshots written:", written or "none (all current)")
    _assert_screenshots_valid()


def _assert_screenshots_valid() -> None:
    from PIL import Image, ImageStat

    for task in guide.tasks():
        path: Path | None = guide.screenshot_path(task)
        assert path is not None and path.is_file(), task.key
        with Image.open(path) as image:
            assert image.format == "WEBP", path.name
            assert image.size == guide.SCREENSHOT_SIZE, path.name
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 5, f"{path.name} is blank"
        assert path.stat().st_size < 150_000, path.name
