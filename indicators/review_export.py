"""One entry point for every file of the review pack, shared by the CLI and the review page, so
both produce the same pack: `export_bytes(reader, config, area, quarter, fmt)`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from indicators.config import Config
from indicators.i18n import t
from indicators.queries import Reader
from indicators.review import ReviewPack, build_pack, pack_area

FORMATS: dict[str, str] = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def file_name(config: Config, area_code: str, quarter: str, fmt: str, lang: str = "fi") -> str:
    """`katsaus_SK053_2026Q3.pdf`: area and quarter in the name, so an archive sorts itself."""
    return t("review.file", lang, area=pack_area(config, area_code), quarter=quarter, ext=fmt)


def pack_bytes(pack: ReviewPack, config: Config, fmt: str, lang: str = "fi") -> bytes:
    """The pack rendered as `fmt` (html | pdf | xlsx | pptx)."""
    if fmt == "html":
        from indicators.review_html import render_html

        return render_html(pack, config, lang).encode("utf-8")
    if fmt == "pdf":
        from indicators.review_html import render_html
        from indicators.review_pdf import html_to_pdf

        with tempfile.TemporaryDirectory(prefix="review-pdf-") as directory:
            out = Path(directory) / "pack.pdf"
            html_to_pdf(render_html(pack, config, lang), out)
            return out.read_bytes()
    if fmt == "xlsx":
        from indicators.review_xlsx import workbook_bytes

        return workbook_bytes(pack, config, lang)
    if fmt == "pptx":
        from indicators.review_pptx import deck_bytes

        return deck_bytes(pack, config, lang)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def export_bytes(reader: Reader, config: Config, area_code: str, quarter: str, fmt: str,
                 lang: str = "fi") -> bytes:
    return pack_bytes(build_pack(reader, config, area_code, quarter), config, fmt, lang)
