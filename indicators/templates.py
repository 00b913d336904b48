"""Templates a data maintainer fills in: a CSV (as Finnish Excel saves it) and an Excel workbook.

Both hold the Finnish column names of the alias table and three example rows that pass
validation (a test keeps them honest: the bundled files equal what this module writes, and
validate without problems).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

HEADER = ["indikaattori", "kunta", "vuosi", "sukupuoli", "ryhmä", "arvo", "osoittaja",
          "nimittäjä", "tila"]
# numerator / denominator / rounded value (1 decimal, per 1 000 or percent)
EXAMPLES = [
    ["cw_notifications_rate", "KU061", "2026", "yhteensä", "", "93,3", "250", "2680", "ennakko"],
    ["anxiety_gr8_9", "Hämeenlinna", "2025", "tytöt", "", "24,6", "118", "480", "lopullinen"],
    ["attendance_support_started", "Forssa", "2026-09", "", "", "7", "7", "", "lopullinen"],
]
TITLE = "Indikaattoriaineiston pohja – yksi rivi = yksi luku (alue × jakso × indikaattori)"


def write_templates(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / "aineistopohja.csv"
    lines = [";".join(HEADER), *(";".join(row) for row in EXAMPLES)]
    csv_path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))

    workbook = Workbook()
    sheet: Worksheet = workbook.active
    sheet.title = "aineisto"
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(HEADER)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in EXAMPLES:
        sheet.append([_excel_value(v) for v in row])
    for column, width in zip("ABCDEFGHI", (30, 14, 10, 12, 10, 10, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    xlsx_path = directory / "aineistopohja.xlsx"
    workbook.save(xlsx_path)
    return [csv_path, xlsx_path]


def _excel_value(text: str) -> object:
    """Numbers as numbers (Excel shows them in the user's locale); codes stay text."""
    if text.isdigit() and not text.startswith("0") and len(text) < 5 and not text.startswith(
            "20"):
        return int(text)
    try:
        return float(text.replace(",", ".")) if "," in text else text
    except ValueError:
        return text
