"""The bundled templates are what the code writes, and they validate without problems."""

from __future__ import annotations

from openpyxl import load_workbook

from indicators.imports import check_file
from indicators.settings import REPO_ROOT
from indicators.templates import write_templates

BUNDLED = REPO_ROOT / "data" / "templates"


def test_bundled_templates_are_current(tmp_path):
    written = write_templates(tmp_path)
    csv_new = tmp_path / "aineistopohja.csv"
    assert (BUNDLED / "aineistopohja.csv").read_bytes() == csv_new.read_bytes()

    def cells(path):
        sheet = load_workbook(path, read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    assert cells(BUNDLED / "aineistopohja.xlsx") == cells(written[1])


def test_templates_validate_cleanly(config):
    for name in ("aineistopohja.csv", "aineistopohja.xlsx"):
        report, result = check_file(BUNDLED / name, config)
        assert report.problems == [], [p.message("en") for p in report.problems]
        assert report.rows == 3
        assert set(result.rows["indicator_id"]) == {"cw_notifications_rate", "anxiety_gr8_9",
                                                    "attendance_support_started"}


def test_readme_documents_every_alias_and_error_code():
    from indicators.i18n import messages
    from indicators.validate import COLUMN_ALIASES

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    alias_section = readme.split("### Column names (alias table)", 1)[1].split("###", 1)[0]
    for canonical, aliases in COLUMN_ALIASES.items():
        row = next(line for line in alias_section.splitlines()
                   if line.startswith(f"| `{canonical}` |"))
        for alias in aliases:
            assert alias in row, alias
    codes = [k.split(".", 2)[2] for k in messages("fi") if k.startswith("import.error.")]
    for code in codes:
        assert f"| `{code}` |" in readme, code
