"""Downloaded files: Finnish-Excel CSV and plain CSV keep suppressed cells suppressed."""

from __future__ import annotations

import csv
import io

from indicators import queries
from indicators.downloads import to_csv, to_excel_csv


def test_excel_csv_has_bom_semicolons_decimal_commas_and_marks(config, reader):
    export = queries.export_frame(reader, config, config.indicators["anxiety_gr8_9"], "SK053")
    data = to_excel_csv(export)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(export)
    visible = [r for r in rows if r["suppressed"] == "False"]
    hidden = [r for r in rows if r["suppressed"] == "True"]
    assert visible and hidden
    assert all("," in r["value"] and "." not in r["value"] for r in visible
               if r["value"] not in ("", "..") and not r["value"].isdigit())
    assert all(r[c] == ".." for r in hidden for c in ("value", "numerator", "denominator"))


def test_plain_csv_round_trips(config, reader):
    export = queries.export_frame(reader, config, config.indicators["cw_notifications_rate"])
    rows = list(csv.DictReader(io.StringIO(to_csv(export))))
    assert len(rows) == len(export)
    first = rows[0]
    assert float(first["value"]) == export.iloc[0]["value"]
