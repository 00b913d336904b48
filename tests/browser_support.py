"""Shared by the real-browser tests: Debian's Chromium driven by Playwright, and the dashboard
served by `streamlit run` on a free loopback port against a store file of the test's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from indicators import bench_server
from indicators.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_VERSION = "4.14.1"  # the one scripts/fetch_axe.py installs (make test)
AXE_JS = REPO_ROOT / ".cache" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
SCREENSHOT_DIR = REPO_ROOT / "build" / "screenshots"
# every browser test module: `pytestmark = BROWSER_MARKS`
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is not installed (make test installs it as root)"),
]


@contextmanager
def serve_copy_with_maintainer(store_path: Path, directory: Path) -> Iterator[tuple[str, Path]]:
    """A copy of `store_path` in `directory`, the test maintainer's account beside it (where the
    server looks by default), served; yields (base URL, the copy's path)."""
    import shutil

    from conftest import MaintainerAccount

    from indicators import accounts

    db = directory / "dashboard.duckdb"
    shutil.copy(store_path, db)
    accounts.set_password(MaintainerAccount.user, MaintainerAccount.password, set_by="test",
                          path=db.parent / "accounts.json")
    with serve(db) as url:
        yield url, db


@contextmanager
def chromium(profile: Path, width: int, height: int, **options) -> Iterator:
    """Debian's Chromium, headless, as a persistent Playwright context in Finnish."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height}, locale="fi-FI", **options)
        try:
            yield context
        finally:
            context.close()


@contextmanager
def serve(db: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run dashboard.py` on a free port; yields the base URL, stops the server after
    (the benchmark's server: its output goes to a file, never to a pipe nobody reads)."""
    with bench_server.serve(db, env=extra_env) as server:
        yield server.url


def wait_until_rendered(page, timeout_ms: int = 60000) -> None:
    """Until the script run has finished and every element has been drawn: Streamlit shows a
    skeleton while a lazily loaded component (plotly) loads, after the run has ended."""
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=timeout_ms)
    ready = bench_server.READY_JS  # an exception shown on the page ends the wait too
    for _ in range(2):  # twice, apart: a component that starts loading late is waited for too
        page.wait_for_function(ready, timeout=timeout_ms)
        page.wait_for_timeout(400)
    page.wait_for_function(ready, timeout=timeout_ms)


def wait_for_document_language(page, lang: str, timeout_ms: int = 15000) -> None:
    """Until `<html lang>` names `lang` (set by a script the page runs once it has drawn)."""
    page.wait_for_function("(lang) => document.documentElement.lang === lang", arg=lang,
                           timeout=timeout_ms)


# Streamlit's own front end probes the server's base path from the page's address: for
# /goals it first asks /goals/_stcore/health and host-config (404), then /_stcore/…. Those
# two requests are the framework's, expected, and the only console errors tolerated.
_BASE_PATH_PROBE = re.compile(r"^https?://[^/]+/[a-z_]+/_stcore/(health|host-config)$")


def is_tolerated_console_error(message) -> bool:
    location = (message.location or {}).get("url", "")
    return "status of 404" in message.text and bool(_BASE_PATH_PROBE.match(location))


def full_page_screenshot(page, path: Path, width: int) -> None:
    """A screenshot of the whole page at `width` pixels: Streamlit scrolls inside its main
    block, so the window is made as tall as the content first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(400)
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return Math.max(main ? main.scrollHeight : 0, document.body.scrollHeight);
    }""")
    page.set_viewport_size({"width": width, "height": min(max(int(height), 900), 16000)})
    page.wait_for_timeout(600)
    page.screenshot(path=str(path), full_page=True)
