"""The benchmark (issue 10), first slice: warm page reruns on the demo data, against the floor.

Streamlit reruns a page's whole script on every click, so a page's *warm rerun* time (its caches
filled, the same view drawn again) is what a meeting waits for. Each page is run through
dashboard.py with Streamlit's AppTest, once to warm it, then `repeats` times; the same is done
for an empty page, whose time is AppTest's and Streamlit's own overhead: the floor no page can
go below. Figures only: nothing here passes or fails on time (see `TARGETS`).

Still to come (issue 10): the national-scale dataset, import vs DuckDB's read_csv, cold start in
Chromium, concurrent sessions and peak memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from indicators.settings import REPO_ROOT

PAGES = ("overview", "goals", "review", "indicator", "phenomena", "omatiimi", "data",
         "accessibility")
TARGETS = {"page_warm_ms_demo": 150.0, "page_warm_ms_national": 300.0}
EMPTY_PAGE = "import streamlit as st\n"


@dataclass(frozen=True)
class Timing:
    """Rerun times of one page in milliseconds."""

    median_ms: float
    p95_ms: float
    runs: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timing:
        ms = sorted(s * 1000 for s in seconds)
        p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
        return cls(round(statistics.median(ms), 1), round(p95, 1), len(ms))


@contextlib.contextmanager
def through_navigation() -> Iterator[None]:
    """Run pages as a long-running server does after its first request: through dashboard.py's
    st.navigation (AppTest starts every run in Streamlit's legacy pages/ mode, which would make
    `webapp.ensure_entrypoint` rerun each page once and double its time). Reads a Streamlit
    internal; tests/conftest.py's `navigation_mode` fixture uses this too."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    try:
        yield
    finally:
        PagesManager.__init__ = original


def _timed_reruns(at, repeats: int) -> Timing:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"the page failed: {at.exception[0].message}")
    return Timing.of(seconds)


def page_warm(db: Path, pages: Sequence[str] = PAGES, repeats: int = 20,
              params: dict[str, str] | None = None) -> dict[str, Timing]:
    """Warm rerun time of each page on the store `db` (one warm-up run first)."""
    from streamlit.testing.v1 import AppTest

    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        raise ValueError(f"unknown pages {unknown}; choose from {', '.join(PAGES)}")
    out = {}
    previous = os.environ.get("DASHBOARD_DB")
    os.environ["DASHBOARD_DB"] = str(db)
    try:
        with through_navigation():
            for page in pages:
                at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=120)
                for name, value in (params or {}).items():
                    at.query_params[name] = value
                at.run()
                at.switch_page(f"pages/{page}.py").run()  # the warm-up: caches filled
                out[page] = _timed_reruns(at, repeats)
    finally:
        if previous is None:
            os.environ.pop("DASHBOARD_DB", None)
        else:
            os.environ["DASHBOARD_DB"] = previous
    return out


def empty_page(repeats: int = 20) -> Timing:
    """The floor: rerun time of a page that draws nothing."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(EMPTY_PAGE, default_timeout=60)
    at.run()
    return _timed_reruns(at, repeats)


def machine() -> dict[str, object]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True), "processor": platform.machine()}


def run(db: Path, out: Path, *, quick: bool = False,
        pages: Sequence[str] = PAGES) -> dict[str, object]:
    """Measure, write `out` (JSON) and return the results."""
    import logging

    # AppTest's runs warn "missing ScriptRunContext" from the main thread: noise here
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    repeats = 5 if quick else 20
    timings = page_warm(db, pages, repeats=repeats)
    results: dict[str, object] = {
        "machine": machine(),
        "quick": quick,
        "repeats": repeats,
        "page_warm_ms": {"demo": {page: asdict(t) for page, t in timings.items()}},
        "empty_page_ms": asdict(empty_page(repeats)),
        "targets": TARGETS,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return results


def table(results: dict) -> str:
    """The figures as a plain-text table: each page's median and p95, their ratio to the empty
    page's median, and the target."""
    floor = results["empty_page_ms"]["median_ms"]
    target = results["targets"]["page_warm_ms_demo"]
    lines = [f"{'page (demo data)':<16} {'median ms':>10} {'p95 ms':>8} {'× empty':>8} "
             f"{'target':>8}"]
    for page, timing in results["page_warm_ms"]["demo"].items():
        ratio = timing["median_ms"] / floor if floor else float("nan")
        verdict = "met" if timing["median_ms"] <= target else "MISSED"
        lines.append(f"{page:<16} {timing['median_ms']:>10.1f} {timing['p95_ms']:>8.1f} "
                     f"{ratio:>8.1f} {verdict:>8}")
    lines.append(f"{'(empty page)':<16} {floor:>10.1f} "
                 f"{results['empty_page_ms']['p95_ms']:>8.1f} {1.0:>8.1f} {'floor':>8}")
    return "\n".join(lines)
