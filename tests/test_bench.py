"""The benchmark's machinery (its figures are printed, never asserted: no timing in tests)."""

from __future__ import annotations

import json

import pytest

from indicators import bench


def test_median_and_p95_of_rerun_times():
    timing = bench.Timing.of([s / 1000 for s in range(1, 21)])  # 1 … 20 ms
    assert timing == bench.Timing(median_ms=10.5, p95_ms=19.0, runs=20)
    assert bench.Timing.of([0.004]) == bench.Timing(4.0, 4.0, 1)


def test_a_run_measures_the_pages_and_the_floor_and_writes_json(store_path, tmp_path):
    out = tmp_path / "bench" / "results.json"
    results = bench.run(store_path, out, quick=True, pages=("overview", "accessibility"))
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(results))
    demo = written["page_warm_ms"]["demo"]
    assert list(demo) == ["overview", "accessibility"]
    for timing in [*demo.values(), written["empty_page_ms"]]:
        assert timing["runs"] == 5 and 0 < timing["median_ms"] <= timing["p95_ms"]
    assert written["machine"]["cpus"] and written["targets"]["page_warm_ms_demo"] == 150.0
    lines = bench.table(written).splitlines()
    assert lines[1].startswith("overview") and lines[-1].startswith("(empty page)")


def test_the_table_marks_a_missed_target():
    results = {"empty_page_ms": {"median_ms": 2.0, "p95_ms": 3.0, "runs": 5},
               "targets": bench.TARGETS,
               "page_warm_ms": {"demo": {"goals": {"median_ms": 400.0, "p95_ms": 500.0},
                                         "data": {"median_ms": 30.0, "p95_ms": 40.0}}}}
    rows = {line.split()[0]: line.split() for line in bench.table(results).splitlines()[1:]}
    assert rows["goals"][-2:] == ["200.0", "MISSED"] and rows["data"][-2:] == ["15.0", "met"]


def test_an_unknown_page_is_refused(store_path):
    with pytest.raises(ValueError, match="unknown pages"):
        bench.page_warm(store_path, ["nope"], repeats=1)
