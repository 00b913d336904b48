"""The review pack as PDF, printed by Debian's Chromium (/usr/bin/chromium) through Playwright.

The PDF's text is read with a few lines of Python (no PDF library is installed): Chromium's PDFs
(Skia) keep a plain object table, Flate-compressed content streams and a ToUnicode map per font,
which is all it takes to get each page's text back and check the banner, the page numbers and
the key results on paper.
"""

from __future__ import annotations

import http.server
import re
import threading
import time
import zlib
from datetime import date

import pytest

from indicators import review
from indicators.i18n import t
from indicators.review_html import render_html
from indicators.review_pdf import (
    CHROMIUM_ENV,
    DEFAULT_CHROMIUM,
    ChromiumMissing,
    html_to_pdf,
    pdf_available,
)
from indicators.review_texts import title

needs_chromium = pytest.mark.skipif(
    not pdf_available(), reason=f"no Chromium at {DEFAULT_CHROMIUM} (or no Playwright) to print "
                                "PDFs with: `make test` installs Debian's chromium as root")

GENERATED = date(2026, 11, 2)

# ------------------------------------------------------------------ a minimal PDF text reader

_OBJ = re.compile(rb"(\d+) 0 obj\b")
_TOKEN = re.compile(rb"/([\w.+-]+) [\d.]+ Tf|<([0-9A-Fa-f]*)> ?Tj|\[((?:[^\]\\]|\\.)*)\] ?TJ",
                    re.S)


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary text, decoded stream or None)."""
    out: dict[int, tuple[bytes, bytes | None]] = {}
    pos = 0
    while match := _OBJ.search(data, pos):
        start = match.end()
        end = data.find(b"endobj", start)
        at = data.find(b"stream", start)
        if at != -1 and at < end:
            head = data[start:at]
            length = int(re.search(rb"/Length (\d+)", head).group(1))
            body = at + len(b"stream") + (2 if data[at + 6:at + 8] == b"\r\n" else 1)
            raw = data[body:body + length]
            out[int(match.group(1))] = (head, zlib.decompress(raw)
                                        if b"/FlateDecode" in head else raw)
            pos = data.find(b"endobj", body + length) + len(b"endobj")
        else:
            out[int(match.group(1))] = (data[start:end], None)
            pos = end + len(b"endobj")
    return out


def _to_unicode(cmap: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = bytes.fromhex(text.decode()).decode("utf-16-be")
            for i, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                out[code] = first[:-1] + chr(ord(first[-1]) + i)
    return out


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text in drawing order, without spaces (glyph runs are drawn apart)."""
    objects = _objects(data)
    fonts = {number: _to_unicode(objects[int(m.group(1))][1] or b"")
             for number, (head, _) in objects.items()
             if (m := re.search(rb"/ToUnicode (\d+) 0 R", head))}
    pages = []
    for head, _ in objects.values():
        if not re.search(rb"/Type /Page\b", head):
            continue
        names = {n: int(o) for n, o in re.findall(rb"/([\w.+-]+) (\d+) 0 R", head)}
        if m := re.search(rb"/Resources (\d+) 0 R", head):
            names.update({n: int(o) for n, o in re.findall(
                rb"/([\w.+-]+) (\d+) 0 R", objects[int(m.group(1))][0])})
        contents = re.search(rb"/Contents (\[[^\]]*\]|\d+ 0 R)", head).group(1)
        text = []
        for ref in re.findall(rb"(\d+) 0 R", contents):
            font: dict[int, str] = {}
            for token in _TOKEN.finditer(objects[int(ref)][1] or b""):
                if token.group(1) is not None:
                    font = fonts.get(names.get(token.group(1), -1), {})
                    continue
                runs = [token.group(2)] if token.group(2) is not None \
                    else re.findall(rb"<([0-9A-Fa-f]*)>", token.group(3))
                for run in runs:
                    hexes = run.decode()
                    text.append("".join(font.get(int(hexes[i:i + 4], 16), "\ufffd")
                                        for i in range(0, len(hexes), 4)))
        pages.append(re.sub(r"\s+", "", "".join(text)))
    return pages


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ the county pack


@pytest.fixture(scope="module")
def county(reader, config):
    return review.build_pack(reader, config, config.county_code, "2026Q3")


@pytest.fixture(scope="module")
def printed(county, config, tmp_path_factory):
    html = render_html(county, config, "fi", generated=GENERATED)
    out = tmp_path_factory.mktemp("pdf") / "katsaus.pdf"
    start = time.perf_counter()
    html_to_pdf(html, out)
    seconds = time.perf_counter() - start
    data = out.read_bytes()
    print(f"county pack PDF: {len(data):,} bytes, {len(pdf_pages(data))} pages, "
          f"{seconds:.1f} s")
    return data, seconds


@needs_chromium
def test_pdf_is_a4_with_several_pages(printed):
    data, seconds = printed
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert pages >= 2
    assert len(pdf_pages(data)) == pages
    # A4 in points (595 × 842), every page
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(boxes) == pages
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
    assert seconds < 120


@needs_chromium
def test_every_page_has_the_banner_and_its_number(printed):
    data, _ = printed
    pages = pdf_pages(data)
    banner = _squash(t("review_html.banner.demo", "fi"))
    for number, text in enumerate(pages, start=1):
        assert banner in text, number
        assert f"Sivu{number}/{len(pages)}" in text, number
        assert _squash(t("review.generated", "fi", date="2.11.2026")) in text
    # printed once: the PDF's own header and footer replace the file's CSS margin boxes
    assert all(text.count(f"Sivu{n}/{len(pages)}") == 1
               for n, text in enumerate(pages, start=1))


@needs_chromium
def test_pdf_text_holds_the_pack(printed, county, config):
    data, _ = printed
    pages = pdf_pages(data)
    everything = "".join(pages)
    assert _squash(title(county, config, "fi")) in pages[0]
    for key in ("key_results", "signals", "new_figures", "actions", "omatiimi", "checkins",
                "charts", "sources"):
        assert _squash(t(f"review.section.{key}", "fi")) in everything, key
    for item in county.key_results:
        kr = next(k for o in config.objectives for k in o.key_results
                  if k.id == item.result.key_result_id)
        assert _squash(kr.name.get("fi")) in everything, kr.id
    assert _squash("CC BY 4.0") in everything
    # the hidden baseline is the mark on paper too
    assert _squash("Lähtötaso .. (salattu) (4–6/2026)") in everything


@needs_chromium
def test_pdf_links_point_to_the_public_address(printed, county):
    data, _ = printed
    links = re.findall(rb"/URI \(([^)]*)\)", data)
    assert links
    assert all(link.startswith(b"https://mittaristo.example.fi/") for link in links)
    assert county.links["review"].encode() in links
    assert b"localhost" not in data and b"127.0.0.1" not in data


@needs_chromium
def test_printing_never_reaches_the_network(tmp_path):
    """A page that asks for an image, a script and a stylesheet from a local server: the
    printer aborts every request, so the server sees none."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        html = (f'<!DOCTYPE html><html lang="fi"><head><meta charset="utf-8">'
                f'<link rel="stylesheet" href="{base}/style.css">'
                f'<script src="{base}/script.js"></script></head>'
                f'<body><p>Testi</p><img src="{base}/image.png" alt=""></body></html>')
        out = tmp_path / "offline.pdf"
        html_to_pdf(html, out)
    finally:
        server.shutdown()
        server.server_close()
    assert out.read_bytes().startswith(b"%PDF-")
    assert seen == []


def test_missing_chromium_says_so_in_finnish(tmp_path, monkeypatch, county, config):
    html = render_html(county, config, "fi", generated=GENERATED)
    out = tmp_path / "katsaus.pdf"
    assert not pdf_available("/nonexistent")
    with pytest.raises(ChromiumMissing) as caught:
        html_to_pdf(html, out, chromium="/nonexistent")
    assert isinstance(caught.value, RuntimeError)
    message = str(caught.value)
    assert message == t("review.download.pdf_missing", "fi")
    assert "Chromium" in message and "HTML" in message
    assert caught.value.executable == "/nonexistent"
    assert not out.exists()
    # the environment variable chooses the browser too
    monkeypatch.setenv(CHROMIUM_ENV, "/nonexistent")
    assert not pdf_available()
    with pytest.raises(ChromiumMissing):
        html_to_pdf(html, out)
