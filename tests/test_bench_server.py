"""The running-server benchmark (indicators.bench_server): a real `streamlit run` and Chromium.

Figures are never compared with thresholds here, only checked to be real measurements."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indicators import bench_server
from indicators.bench import PAGES
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture
def db(store_path, tmp_path) -> Path:
    """A copy of the fixture store: the server writes its reader links beside the store."""
    path = tmp_path / "store" / "dashboard.duckdb"
    path.parent.mkdir()
    shutil.copy(store_path, path)
    return path


def test_concurrent_sessions_are_timed_on_the_server(db):
    sessions = 2
    result = bench_server.concurrent(db, sessions=sessions, rounds=1, warmup=False,
                                     memory_limit="256MB")
    visited = sessions * len(PAGES)
    assert result["runs"] >= visited  # one logged run per page opened at least
    assert result["sessions_seen"] == sessions  # each browser context its own session
    assert set(result["per_page"]) == set(PAGES)
    for page, timing in result["per_page"].items():
        assert timing["runs"] >= sessions, page
        assert 0 < timing["p50_s"] <= timing["p95_s"], page
    assert sum(t["runs"] for t in result["per_page"].values()) == result["runs"]
    assert 0 < result["p50_s"] <= result["p95_s"]
    assert result["rss_peak_mb"] > 0
    assert result["memory_limit"] == "256MB"
    assert (result["sessions"], result["rounds"]) == (sessions, 1)
    assert result["wall_s"] > 0
    assert 0 < result["server_cpu_per_s"] <= result["machine_cpu_per_s"]
    assert 0 < result["runs_in_progress_mean"] <= result["runs_in_progress_max"] <= sessions


def test_cold_start_waits_for_a_drawn_chart(db):
    result = bench_server.cold_start(db)
    assert result["page"] == "indicator"
    assert result["charts"] >= 1  # a plotly chart really was drawn
    assert 0 < result["server_ready_s"] < result["seconds"]
    assert result["first_run_s"] is not None and result["first_run_s"] > 0


def test_a_page_without_its_chart_is_an_error_not_a_figure(db, tmp_path):
    broken = tmp_path / "config"
    broken.mkdir()  # no regions.yaml: the dashboard shows its config error, never a chart
    with pytest.raises(RuntimeError, match="no plotly chart on /indicator"):
        bench_server.cold_start(db, broken, timeout_s=5)


def test_missing_chromium_is_a_clear_error(db, monkeypatch):
    monkeypatch.setattr(bench_server, "CHROMIUM", Path("/nonexistent/chromium"))
    with pytest.raises(RuntimeError, match="Chromium is missing"):
        bench_server.concurrent(db, sessions=1, rounds=1)
    with pytest.raises(RuntimeError, match="Chromium is missing"):
        bench_server.cold_start(db)
