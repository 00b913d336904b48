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


def test_file_names_say_what_the_file_holds():
    import pandas as pd

    from indicators.downloads import chart_config, file_stem, period_span

    frame = pd.DataFrame({"period": ["2026Q3", "2023Q1", "2024Q2"],
                          "period_start": pd.to_datetime(["2026-07-01", "2023-01-01",
                                                          "2024-04-01"])})
    assert period_span(frame) == "2023Q1-2026Q3"
    assert period_span(frame.iloc[:1]) == "2026Q3" and period_span(frame.iloc[0:0]) == ""
    assert file_stem("fc_contacts_attention", "SK051", None, "2023Q1-2026Q3") == \
        "fc_contacts_attention_SK051_2023Q1-2026Q3"
    assert file_stem("a/b", "../x", "Hämeenlinna") == "a-b_x_Hämeenlinna"  # no path can ride in
    assert file_stem() == "kaavio"
    config = chart_config("x_SK051")
    assert config["toImageButtonOptions"]["filename"] == "x_SK051"


def test_chart_downloads_on_the_indicator_page_are_named_after_the_view(store_path, monkeypatch):
    import json

    from streamlit.testing.v1 import AppTest

    from indicators.settings import REPO_ROOT

    monkeypatch.setenv("DASHBOARD_DB", str(store_path))
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["indicator"] = "fc_contacts_attention"
    at.query_params["area"] = "SK051"
    at.run()
    at.switch_page("pages/indicator.py").run()
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["filename"] == \
        "fc_contacts_attention_SK051_2023Q1-2026Q3"


def test_formula_like_text_is_neutralised_in_both_csvs_and_numbers_are_not():
    import pandas as pd

    frame = pd.DataFrame({
        "organisation": ["=HYPERLINK(\"http://x\",\"klikkaa\")", "@SUM(A1)", "+cmd|' /C calc'!A0",
                         "\t=1+1", "Forssan seutu", "-"],
        "change": ["+1,2", "\u22120,4", "-3", "±0,0", "..", "–"],
        "value": [-1.5, 2.0, 3.25, -0.5, float("nan"), 1.0],
    })
    for text in (to_csv(frame), to_excel_csv(frame).decode("utf-8-sig"),
                 to_excel_csv(frame, "en").decode("utf-8-sig")):
        delimiter = ";" if text.count(";") > text.count(",") else ","
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        cells = [r["organisation"] for r in rows]
        assert all(c.startswith("'") for c in cells[:4]), cells
        assert cells[4:] == ["Forssan seutu", "'-"]
        assert [r["change"] for r in rows] == ["+1,2", "\u22120,4", "-3", "±0,0", "..", "–"]
        assert rows[0]["value"] in ("-1.5", "-1,5")  # a negative number stays a number
