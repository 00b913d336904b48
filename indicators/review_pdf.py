"""The review pack as PDF: the printable HTML (`review_html.render_html`) printed by the system's
Chromium through Playwright (`page.pdf()`), A4 with backgrounds, the demo banner on every page and
a footer "Tehty 31.10.2026 … Sivu 3 / 9".

Printing never reaches the network: the HTML is self-contained (plotly.js inlined), the browser
context is offline and every request other than `data:` / `about:` is aborted. Chromium is
`/usr/bin/chromium` (Debian's package) unless `DASHBOARD_CHROMIUM` or the `chromium` argument
names another; without it (or without Playwright) `html_to_pdf` raises `ChromiumMissing`, whose
message (Finnish) says so and offers the HTML instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from indicators import review_html
from indicators.i18n import normalise_language, t

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ENV = "DASHBOARD_CHROMIUM"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: the page is laid out this wide before printing (A4's text width is about 688 CSS px)
VIEWPORT = {"width": 800, "height": 1100}
#: how long plotly may take to draw every chart (ms)
DRAW_TIMEOUT_MS = 60_000

_ALLOWED_SCHEMES = ("data:", "about:")

_CHARTS_DRAWN = f"""n => {{
    const divs = document.querySelectorAll('.{review_html.CHART_CLASS}');
    return divs.length === n && Array.from(divs).every(
        d => d.classList.contains('js-plotly-plot') && d.querySelector('.main-svg'));
}}"""

_PRINT_META = """names => Object.fromEntries(names.map(name => {
    const tag = document.querySelector(`meta[name="${name}"]`);
    return [name, tag ? tag.getAttribute('content') : null];
}))"""


class ChromiumMissing(RuntimeError):
    """No Chromium (or no Playwright) to print with: the message, in the user's language, says so
    and offers the HTML version."""

    def __init__(self, executable: str, lang: str = "fi", detail: str = "") -> None:
        super().__init__(t("review.download.pdf_missing", lang))
        self.executable = executable
        self.detail = detail


def chromium_path(chromium: str | None = None) -> str:
    """The Chromium to print with: the argument, else `DASHBOARD_CHROMIUM`, else Debian's."""
    return chromium or os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM


def _playwright_installed() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def pdf_available(chromium: str | None = None) -> bool:
    """Can this server print PDFs (an executable Chromium and Playwright)?"""
    path = Path(chromium_path(chromium))
    return path.is_file() and os.access(path, os.X_OK) and _playwright_installed()


def _route(route) -> None:
    if route.request.url.startswith(_ALLOWED_SCHEMES):
        route.continue_()
    else:
        route.abort()


def html_to_pdf(html: str, out: Path, *, chromium: str | None = None, lang: str = "fi") -> None:
    """Print `html` (a `review_html.render_html` document) to `out` as an A4 PDF."""
    lang = normalise_language(lang)
    executable = chromium_path(chromium)
    if not pdf_available(executable):
        reason = "playwright is not installed" if _playwright_installed() is False \
            else f"no executable Chromium at {executable}"
        raise ChromiumMissing(executable, lang, reason)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out = Path(out)
    charts = html.count(f'class="{review_html.CHART_CLASS}"')
    with tempfile.TemporaryDirectory(prefix="review-pdf-profile-") as profile, \
            sync_playwright() as pw:
        try:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                viewport=VIEWPORT, locale="fi-FI", offline=True, service_workers="block",
                accept_downloads=False)
        except PlaywrightError as exc:
            if "executable" in str(exc).lower() or "no such file" in str(exc).lower():
                raise ChromiumMissing(executable, lang, str(exc)) from exc
            raise
        try:
            context.route("**/*", _route)
            page = context.new_page()
            page.set_content(html, wait_until="load")
            page.wait_for_function(_CHARTS_DRAWN, arg=charts, timeout=DRAW_TIMEOUT_MS)
            page.evaluate("() => document.fonts.ready.then(() => true)")
            meta = page.evaluate(_PRINT_META, [review_html.META_BANNER, review_html.META_FOOTER,
                                               review_html.META_PAGE_WORD])
            # the PDF prints its own header and footer: drop the CSS margin boxes
            page.evaluate("id => { const s = document.getElementById(id); if (s) s.remove(); }",
                          review_html.MARGIN_BOX_STYLE_ID)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(out), format="A4", print_background=True,
                display_header_footer=True,
                header_template=review_html.header_template(
                    meta.get(review_html.META_BANNER) or ""),
                footer_template=review_html.footer_template(
                    meta.get(review_html.META_FOOTER) or "",
                    meta.get(review_html.META_PAGE_WORD), lang),
                margin=review_html.PAGE_MARGINS, prefer_css_page_size=False)
        finally:
            context.close()
