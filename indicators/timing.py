"""Server-side timing of script runs, for the benchmark (issue 10).

When env `DASHBOARD_TIMING_LOG` names a file, dashboard.py appends one JSON line per finished
script run:

    {"page": "goals", "started": <time.time()>, "seconds": <duration>, "session": "1a2b3c4d"}

Unset (the normal case) nothing is written and `start` returns None at once. The benchmark
(`indicators.bench_server`) sets the variable on the server it starts and reads the lines back
with `read_runs`. Streamlit runs each session's script in its own thread, so appends take a lock.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ENV = "DASHBOARD_TIMING_LOG"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunStart:
    """When a script run began: wall clock (for the log) and perf counter (for the duration)."""

    wall: float
    clock: float


def log_path() -> Path | None:
    """The timing log named by env `DASHBOARD_TIMING_LOG`, or None when timing is off."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def start() -> RunStart | None:
    """Call at the very top of the script; None when timing is off."""
    if log_path() is None:
        return None
    return RunStart(wall=time.time(), clock=time.perf_counter())


def _session_id() -> str:
    """A short id of the Streamlit session running this thread, else the thread's name."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # Streamlit absent or not running: the thread still tells runs apart
        ctx = None
    return ctx.session_id[:8] if ctx is not None else threading.current_thread().name


def finish(run: RunStart | None, page: str, session: str | None = None) -> None:
    """Append the run that began at `run` (from `start`) as one line; no-op when `run` is None.

    `session` defaults to the current Streamlit session's short id (or the thread's name)."""
    if run is None:
        return
    path = log_path()
    if path is None:
        return
    record = {"page": page, "started": run.wall,
              "seconds": time.perf_counter() - run.clock,
              "session": session if session is not None else _session_id()}
    line = json.dumps(record) + "\n"
    with _LOCK, path.open("a", encoding="utf-8") as out:
        out.write(line)  # one write per line: lines never interleave


def read_runs(path: Path) -> list[dict]:
    """The runs logged in `path`, oldest first ([] when there is no file yet). A last line
    without its newline is a run still being written and is left out."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    return [json.loads(line) for line in lines[:-1] if line.strip()]
