"""The benchmark's machinery (its figures are printed, never asserted: no timing in tests)."""

from __future__ import annotations

import json

import pytest

from indicators import bench, national


def test_median_and_p95_of_rerun_times():
    timing = bench.Timing.of([s / 1000 for s in range(1, 21)])  # 1 … 20 ms
    assert timing == bench.Timing(median_ms=10.5, p95_ms=19.0, runs=20)
    assert bench.Timing.of([0.004]) == bench.Timing(4.0, 4.0, 1)
    assert bench.Timing.of([0.004, 0.006], [0.001, 0.002]).script_median_ms == 1.5


def test_a_run_measures_pages_import_and_the_floor_and_writes_json(store_path, tmp_path):
    out = tmp_path / "bench" / "results.json"
    tiny = national.Scale(municipalities=16, regions=4, counties=2, yearly=3, years=3,
                          monthly=1, months=6)
    results = bench.run(store_path, out, quick=True, pages=("overview", "indicator"),
                        workdir=tmp_path / "national", server=False, scale=tiny)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(results))
    for dataset in ("demo", "national"):
        timings = written["page_warm_ms"][dataset]
        assert list(timings) == ["overview", "indicator"]
        for timing in [*timings.values(), written["empty_page_ms"]]:
            assert timing["runs"] == 5 and 0 < timing["median_ms"] <= timing["p95_ms"]
        for timing in timings.values():  # the script's own run, inside AppTest's
            assert 0 < timing["script_median_ms"] < timing["median_ms"]
    assert written["empty_page_ms"]["script_median_ms"] is None  # not through dashboard.py
    assert written["machine"]["cpus"] and written["targets"]["page_warm_ms_demo"] == 150.0
    nat = written["national"]
    assert nat["rows"] == tiny.rows and nat["checked_by"] == "sql"
    assert written["import_s"] > 0 and written["read_csv_s"] > 0
    assert written["import_vs_read_csv"] == round(written["import_s"] / written["read_csv_s"], 2)
    assert {"read_s", "scan_s", "validate_s", "write_s", "replace_s"} <= set(nat["phases"])
    text = bench.table(written)
    lines = text.splitlines()
    assert lines[0].startswith("page (demo)") and lines[1].startswith("overview")
    assert lines[1].split()[3] == str(written["page_warm_ms"]["demo"]["overview"]
                                      ["script_median_ms"])
    assert any(line.startswith("page (national)") for line in lines)
    assert f"{tiny.rows:,} rows" in text and "import / read_csv" in text
    assert "cold start" not in text  # server=False


def test_the_table_marks_a_missed_target():
    results = {"empty_page_ms": {"median_ms": 2.0, "p95_ms": 3.0, "runs": 5},
               "targets": bench.TARGETS,
               "page_warm_ms": {"demo": {"goals": {"median_ms": 400.0, "p95_ms": 500.0},
                                         "data": {"median_ms": 30.0, "p95_ms": 40.0}}}}
    rows = {line.split()[0]: line.split() for line in bench.table(results).splitlines()[1:]}
    assert rows["goals"][-4:] == ["–", "200.0", "150", "MISSED"]
    assert rows["data"][-3:] == ["15.0", "150", "met"]


def test_the_table_shows_import_and_server_figures_with_verdicts():
    results = {"empty_page_ms": {"median_ms": 2.0, "p95_ms": 3.0, "runs": 5},
               "import_s": 90.0, "read_csv_s": 3.0, "import_vs_read_csv": 30.0,
               "checks_vs_read_csv": 2.5,
               "national": {"rows": 1000, "file_mb": 1.0, "generate_s": 0.5,
                            "checked_by": "sql", "phases": {"read_s": 1.0, "write_s": 80.0}},
               "cold_start_s": 4.2, "concurrent_p50_s": 0.3, "concurrent_p95_s": 2.0,
               "rss_peak_mb": 900.0, "concurrent": {"memory_limit": "512MB"}}
    text = bench.table(results)
    assert "import / read_csv 30.0× (target 3×: MISSED)" in text
    assert "read + checks / read_csv 2.5×" in text and "phases (s): read 1.0, write 80.0" in text
    assert "cold start to first chart 4.20 s (target 5 s: met)" in text
    assert "p95 2.00 s (target 1.5 s: MISSED)" in text
    assert "peak RSS 900 MB with DuckDB memory_limit 512MB (target 1500 MB: met)" in text


def test_an_unknown_page_is_refused(store_path):
    with pytest.raises(ValueError, match="unknown pages"):
        bench.page_warm(store_path, ["nope"], repeats=1)
