"""The server-side timing log (indicators.timing) and dashboard.py's hook that writes it."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

from indicators import timing


def test_off_when_the_variable_is_unset(monkeypatch, tmp_path):
    monkeypatch.delenv(timing.ENV, raising=False)
    assert timing.log_path() is None
    run = timing.start()
    assert run is None
    timing.finish(run, "goals")
    monkeypatch.setenv(timing.ENV, "  ")
    assert timing.log_path() is None
    assert list(tmp_path.iterdir()) == []


def test_one_well_formed_line_per_run(monkeypatch, tmp_path):
    log = tmp_path / "timing.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    before = time.time()
    run = timing.start()
    time.sleep(0.01)
    timing.finish(run, "goals", session="abc")
    timing.finish(timing.start(), "data")
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == 2 and all(line.endswith("\n") for line in lines)
    first = json.loads(lines[0])
    assert set(first) == {"page", "started", "seconds", "session"}
    assert first["page"] == "goals" and first["session"] == "abc"
    assert before <= first["started"] <= time.time()
    assert 0.01 <= first["seconds"] < 10
    second = json.loads(lines[1])
    # outside Streamlit the session is the thread's name
    assert second["page"] == "data" and second["session"] == threading.current_thread().name
    assert timing.read_runs(log) == [first, second]


def test_a_run_begun_before_timing_was_switched_off_is_not_written(monkeypatch, tmp_path):
    log = tmp_path / "timing.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    run = timing.start()
    monkeypatch.delenv(timing.ENV)
    timing.finish(run, "goals")
    assert not log.exists()


def test_appends_from_many_threads_never_interleave(monkeypatch, tmp_path):
    log = tmp_path / "timing.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    threads, runs_each = 16, 96
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()
        for i in range(runs_each):
            timing.finish(timing.start(), f"page-{i % 8}")

    workers = [threading.Thread(target=work, name=f"worker-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads * runs_each
    records = [json.loads(line) for line in lines]  # every line parses on its own
    assert Counter(r["session"] for r in records) == {f"worker-{n}": runs_each
                                                      for n in range(threads)}
    assert Counter(r["page"] for r in records) == {f"page-{i}": threads * runs_each // 8
                                                   for i in range(8)}


def test_read_runs_leaves_out_a_line_still_being_written(tmp_path):
    log = tmp_path / "timing.jsonl"
    assert timing.read_runs(log) == []
    log.write_text('{"page": "goals", "started": 1.0, "seconds": 0.5, "session": "a"}\n'
                   '{"page": "da', encoding="utf-8")
    assert timing.read_runs(log) == [{"page": "goals", "started": 1.0, "seconds": 0.5,
                                      "session": "a"}]


def test_the_dashboard_logs_each_run_with_its_page_name(open_page, monkeypatch, tmp_path):
    log = tmp_path / "timing.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    open_page("goals")  # dashboard.py run on its default page, then switched to goals
    runs = timing.read_runs(log)
    assert [r["page"] for r in runs] == ["overview", "goals"]
    assert all(r["seconds"] > 0 for r in runs)
    assert len({r["session"] for r in runs}) == 1  # one AppTest session


def test_a_run_ended_by_st_stop_is_logged_too(open_page, monkeypatch, tmp_path):
    import streamlit as st

    from indicators import webapp

    log = tmp_path / "timing.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    # dashboard.py imports share_control afresh on every run: it now ends the run with st.stop
    monkeypatch.setattr(webapp, "share_control", lambda page_path: st.stop())
    open_page("data")
    assert [r["page"] for r in timing.read_runs(log)] == ["overview", "data"]
