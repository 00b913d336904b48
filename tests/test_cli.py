"""The maintainers' CLI: data on stdout, messages on stderr, suppressed cells stay suppressed."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys

from indicators import auth
from indicators.settings import REPO_ROOT


def _run(*args: str, db=None, check=True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if db is not None:
        env["DASHBOARD_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, check=check, timeout=120)


def test_help_lists_commands():
    result = _run("--help")
    for command in ("demo", "export", "ensure-store"):
        assert command in result.stdout
    assert result.stderr == ""


def test_export_csv_keeps_suppressed_cells_suppressed(store_path, reader):
    result = _run("export", "--indicator", "anxiety_gr8_9", "--area", "SK053", "--format", "csv",
                  db=store_path)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and "exported" in result.stderr and "exported" not in result.stdout
    assert {r["area_code"] for r in rows} == {"SK053", "KU061", "KU103", "KU169", "KU834",
                                              "KU981"}
    hidden = reader.query_df(
        "SELECT area_code, period, sex, grp, numerator FROM cell_disclosure "
        "JOIN observation USING (indicator_id, area_code, period, sex, grp) "
        "WHERE indicator_id = 'anxiety_gr8_9' AND hidden")
    hidden_keys = {tuple(r) for r in hidden[["area_code", "period", "sex", "grp"]].itertuples(
        index=False)}
    exported_hidden = [r for r in rows if (r["area_code"], r["period"], r["sex"], r["grp"])
                       in hidden_keys]
    assert exported_hidden, "the Forssa region has suppressed cells in the demo"
    for row in exported_hidden:
        assert row["suppressed"] == "True"
        for column in ("value", "numerator", "denominator", "low", "high"):
            assert row[column] == ".."


def test_export_unknown_indicator_is_a_clear_error(store_path):
    result = _run("export", "--indicator", "nope", db=store_path, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown indicator 'nope'" in result.stderr


def test_ensure_store_builds_missing_store(tmp_path):
    db = tmp_path / "new.duckdb"
    result = _run("ensure-store", db=db)
    assert db.exists() and "built" in result.stderr and result.stdout == ""
    again = _run("ensure-store", db=db)
    assert "exists" in again.stderr


def test_validate_import_history_and_rollback(store_path, tmp_path):
    import shutil

    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    value = f"{250 / 2680 * 1000:.1f}".replace(".", ",")
    good = tmp_path / "uusi.csv"
    good.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
                    f"cw_notifications_rate;KU061;2026;{value};250;2680\n", encoding="utf-8")
    bad = tmp_path / "huono.csv"
    bad.write_text("indikaattori;kunta;vuosi;arvo\ncw_notifications_rate;KU999;2026;1\n",
                   encoding="utf-8")

    checked = _run("validate", str(bad), db=db, check=False)
    assert checked.returncode == 1 and checked.stdout == ""
    assert "huono.csv, rivi 2, sarake kunta" in checked.stderr and "KU999" in checked.stderr
    english = _run("validate", str(bad), "--lang", "en", db=db, check=False)
    assert "row 2, column kunta" in english.stderr and "Unknown area" in english.stderr

    imported = _run("import", str(good), "--source", "test", db=db)
    assert "Tuonti 2 onnistui" in imported.stderr and imported.stdout == ""
    again = _run("import", str(good), db=db)
    assert "on jo tuotu" in again.stderr

    history = list(csv.DictReader(io.StringIO(_run("imports", db=db).stdout)))
    assert [h["import_id"] for h in history] == ["1", "2"]
    assert history[1]["source"] == "test" and history[1]["actor"].startswith("os:")

    refused = _run("rollback", "1", db=db, check=False)
    assert refused.returncode == 1 and "Peru ensin uudemmat" in refused.stderr
    undone = _run("rollback", "2", db=db)
    assert "Tuonti 2 peruttiin" in undone.stderr

    missing = _run("import", str(tmp_path / "nope.csv"), db=db, check=False)
    assert missing.returncode == 2


def test_goals_json_agrees_with_the_functions_the_page_uses(store_path, reader, config):
    import json
    import math

    from indicators import goals
    from indicators.goal_texts import reason_text

    result = _run("goals", "--format", "json", db=store_path)
    records = json.loads(result.stdout)
    assert "key results" in result.stderr and "key results" not in result.stdout
    expected = goals.evaluate(reader, config)
    assert [r["id"] for r in records] == [e.key_result_id for e in expected]
    for record, evaluated in zip(records, expected, strict=True):
        for key in ("id", "objective", "area", "indicator", "baseline", "latest", "target",
                    "score", "expected", "status", "forecast", "suppressed"):
            assert key in record
        assert record["status"] == evaluated.status
        assert record["reason_text"] == reason_text(evaluated, config, "fi")
        assert record["target"] == evaluated.target.value
        if math.isnan(evaluated.score):
            assert record["score"] is None
        else:
            assert record["score"] == round(evaluated.score, 4)
            assert 0 <= record["score"] <= 1
            if evaluated.baseline_declared is False and record["baseline"] is not None:
                # a reader can recompute the score from the numbers given
                raw = (record["latest"] - record["baseline"]) / (record["target"]
                                                                - record["baseline"])
                if evaluated.reason == "pace":
                    assert record["score"] == round(min(1, max(0, raw)), 4)
        if record["forecast"] is not None:
            assert record["forecast"]["low"] <= record["forecast"]["value"] \
                <= record["forecast"]["high"]
        if evaluated.suppressed:
            hidden = evaluated.baseline if evaluated.baseline and evaluated.baseline.suppressed \
                else evaluated.latest
            key = "baseline" if hidden is evaluated.baseline else "latest"
            assert record[key] is None and record["suppressed"] is True
    assert any(r["suppressed"] for r in records), "the demo has a hidden baseline"
    assert any(r["checkins"] for r in records), "the demo has check-ins"


def test_goals_csv_for_one_region_and_unknown_area(store_path, reader, config):
    from indicators import goals

    result = _run("goals", "--area", "SK053", "--format", "csv", db=store_path)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    wanted = [r.key_result_id for r in goals.evaluate(reader, config)
              if goals.concerns_area(config, r, "SK053")]
    assert [r["id"] for r in rows] == wanted
    assert all("SK053" in r["area"] or r["area"] == "KU061" for r in rows)
    bad = _run("goals", "--area", "KU999", db=store_path, check=False)
    assert bad.returncode == 2 and "unknown area" in bad.stderr and bad.stdout == ""


def test_goals_recomputes_disclosure_when_the_config_changed(store_path, tmp_path):
    """A raised min_n hides cells before the CLI prints anything, as the app would."""
    import json
    import shutil

    import yaml

    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir)
    catalogue = config_dir / "indicators" / "omatiimi.yaml"
    data = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    for indicator in data["indicators"]:
        if indicator["id"] == "omatiimi_feedback_response_rate":
            indicator["min_n"] = 100  # every region's quarter has fewer meetings than this
    catalogue.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    before = json.loads(_run("goals", "--area", "SK053", db=db).stdout)
    env = dict(os.environ, DASHBOARD_DB=str(db), DASHBOARD_CONFIG=str(config_dir))
    result = subprocess.run([sys.executable, "-m", "indicators", "goals", "--area", "SK053"],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
                            timeout=120)
    after = {r["id"]: r for r in json.loads(result.stdout)}
    assert "disclosure decisions recomputed" in result.stderr
    was = next(r for r in before if r["id"] == "omatiimi_response_forssa")
    assert was["latest"] is not None and not was["suppressed"]
    now = after["omatiimi_response_forssa"]
    assert now["latest"] is None and now["baseline"] is None and now["suppressed"] is True
    assert now["status"] == "not_assessable"


def test_review_pack_in_every_format_from_the_cli(store_path, reader, config, tmp_path):
    import io as _io

    import openpyxl
    from pptx import Presentation

    from indicators import review
    from indicators.review_export import pack_bytes

    outputs = {}
    for fmt in ("html", "xlsx", "pptx", "pdf"):
        out = tmp_path / f"pack.{fmt}"
        result = _run("review", "--area", "SK053", "--quarter", "2026Q3", "--format", fmt,
                      "--out", str(out), db=store_path)
        assert "wrote the review pack of SK053 for 2026Q3" in result.stderr
        assert result.stdout == ""
        outputs[fmt] = out.read_bytes()
    assert outputs["pdf"].startswith(b"%PDF")
    html = outputs["html"].decode("utf-8")
    pack = review.build_pack(reader, config, "SK053", "2026Q3")
    # the CLI and the page render the same pack: the same function, the same input
    expected = pack_bytes(pack, config, "html").decode("utf-8")
    strip = __import__("re").compile(r"Tehty [0-9.]+")
    assert strip.sub("", html) == strip.sub("", expected)
    workbook = openpyxl.load_workbook(_io.BytesIO(outputs["xlsx"]))
    assert "Avaintulokset" in workbook.sheetnames
    deck = Presentation(_io.BytesIO(outputs["pptx"]))
    charts = [s for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert len(charts) == len(pack.key_results)


def test_review_refuses_an_unknown_area_or_quarter(store_path, tmp_path):
    out = tmp_path / "x.html"
    bad = _run("review", "--area", "KU061", "--out", str(out), db=store_path, check=False)
    assert bad.returncode == 2 and "a region or the county" in bad.stderr
    bad = _run("review", "--area", "SK053", "--quarter", "2030Q1", "--out", str(out),
               db=store_path, check=False)
    assert bad.returncode == 2 and "quarters with figures" in bad.stderr
    assert not out.exists()


def test_review_pdf_without_chromium_says_so_and_writes_the_html(store_path, tmp_path):
    env = dict(os.environ, DASHBOARD_DB=str(store_path), DASHBOARD_CHROMIUM="/nonexistent")
    out = tmp_path / "pack.pdf"
    result = subprocess.run([sys.executable, "-m", "indicators", "review", "--area", "SK051",
                             "--format", "pdf", "--out", str(out)], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Chromium" in result.stderr and "pack.html" in result.stderr
    assert not out.exists() and (tmp_path / "pack.html").read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>")


def test_export_names_areas_in_the_chosen_language(store_path):
    def names(*lang: str) -> set[str]:
        result = _run("export", "--indicator", "anxiety_gr8_9", "--area", "SK051", *lang,
                      db=store_path)
        return {r["area_name"] for r in csv.DictReader(io.StringIO(result.stdout))}

    assert "Hämeenlinna" in names() and "Tavastehus" not in names()
    assert {"Tavastehus", "Tavastehus ekonomiska region"} <= names("--lang", "sv")
    assert "Hämeenlinna sub-region" in names("--lang", "en")


def test_audit_prints_the_trail_oldest_first(store_path, tmp_path):
    import json
    import shutil

    db = tmp_path / "dashboard.duckdb"
    shutil.copy(store_path, db)
    data = tmp_path / "uusi.csv"
    data.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
                    "cw_notifications_rate;KU061;2026;93,3;250;2680\n", encoding="utf-8")
    _run("import", str(data), db=db)
    entries = json.loads(_run("audit", "--format", "json", db=db).stdout)
    assert [e["action"] for e in entries] == ["demo_build", "import"]
    assert entries[1]["target"] == "uusi.csv" and entries[1]["detail"]["rows"] == 1
    rows = list(csv.DictReader(io.StringIO(_run("audit", db=db).stdout)))
    assert [r["seq"] for r in rows] == ["1", "2"]
    assert rows[1]["content_sha256"] == entries[1]["content_sha256"]


def test_import_and_rollback_refuse_clearly_while_another_writer_holds_the_store(store_path,
                                                                                tmp_path):
    """A second simultaneous update gives up after --lock-timeout with exit status 3 and a
    message; the store is untouched. Once the first writer is done, the same import succeeds."""
    import hashlib
    import shutil
    import threading

    from indicators.store import write_transaction

    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    good = tmp_path / "uusi.csv"
    good.write_text("indikaattori;kunta;vuosi;arvo;osoittaja;nimittäjä\n"
                    "cw_notifications_rate;KU061;2026;93,3;250;2680\n", encoding="utf-8")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with write_transaction(db, actor=auth.maintainer("test:other-writer")):
            holding.set()
            release.wait(60)
            raise RuntimeError("the other writer gives up")  # so it changes nothing itself

    other = threading.Thread(target=lambda: _swallow(hold_the_lock))
    other.start()
    try:
        assert holding.wait(30)
        refused = _run("import", str(good), "--lock-timeout", "0.5", db=db, check=False)
        refused_en = _run("rollback", "1", "--lock-timeout", "0.2", "--lang", "en", db=db,
                          check=False)
    finally:
        release.set()
        other.join(30)
    assert refused.returncode == 3 and refused.stdout == ""
    assert "toinen tuonti" in refused.stderr and "0.5 s" in refused.stderr
    assert "Mitään ei muutettu" in refused.stderr and "Traceback" not in refused.stderr
    assert refused_en.returncode == 3 and "Nothing was changed" in refused_en.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # not even rewritten
    done = _run("import", str(good), "--lock-timeout", "5", db=db)
    assert "Tuonti 2 onnistui" in done.stderr


def _swallow(func) -> None:
    with contextlib.suppress(RuntimeError):
        func()


def test_lock_timeout_must_be_a_finite_number_of_seconds(store_path):
    for bad in ("nan", "inf", "-1", "soon"):
        result = _run("rollback", "1", "--lock-timeout", bad, db=store_path, check=False)
        assert result.returncode == 2 and "not a number of seconds" in result.stderr, bad
