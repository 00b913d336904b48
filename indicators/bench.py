"""The benchmark (issue 10): page reruns, the national import, cold start, concurrency, memory.

Streamlit reruns a page's whole script on every click, so a page's *warm rerun* time (its caches
filled, the same view drawn again) is what a meeting waits for. Each page is run through
dashboard.py with Streamlit's AppTest, once to warm it, then `repeats` times; the same is done
for an empty page, whose time is AppTest's and Streamlit's own overhead: the floor no page can
go below. Figures only: nothing here passes or fails on time (see `TARGETS`).

The national part generates its own config and dataset (indicators/national.py), imports it with
the project's importer and times DuckDB's own read_csv of the same file; the server part
(indicators/bench_server.py) runs `streamlit run` with headless Chromium.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from indicators.settings import REPO_ROOT, environment

PAGES = ("overview", "goals", "review", "indicator", "phenomena", "omatiimi", "data", "guide",
         "methods", "accessibility")
TARGETS = {"page_warm_ms_demo": 150.0, "page_warm_ms_national": 300.0,
           "import_vs_read_csv": 3.0, "cold_start_s": 5.0, "concurrent_p95_s": 1.5,
           "rss_peak_mb": 1500.0}
EMPTY_PAGE = "import streamlit as st\n"


@dataclass(frozen=True)
class Timing:
    """Rerun times of one page in milliseconds: the whole `AppTest.run` (median, nearest-rank
    p95) and, where known, the median of the script's own run inside it as dashboard.py's timing
    hook logs it (`indicators.timing`), without AppTest's reading of the elements it sent."""

    median_ms: float
    p95_ms: float
    runs: int
    script_median_ms: float | None = None

    @classmethod
    def of(cls, seconds: Sequence[float], script_seconds: Sequence[float] = ()) -> Timing:
        ms = sorted(s * 1000 for s in seconds)
        p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
        script = round(statistics.median(script_seconds) * 1000, 1) if script_seconds else None
        return cls(round(statistics.median(ms), 1), round(p95, 1), len(ms), script)


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


def _timed_reruns(at, repeats: int, timing_log: Path | None = None) -> Timing:
    """`repeats` reruns of `at`; with `timing_log` (dashboard.py's, see `indicators.timing`)
    also the script's own time of each run."""
    from indicators.timing import read_runs

    seconds, script_seconds = [], []
    for _ in range(repeats):
        logged = len(read_runs(timing_log)) if timing_log else 0
        started = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"the page failed: {at.exception[0].message}")
        if timing_log:
            runs = read_runs(timing_log)[logged:]
            if len(runs) != 1:
                raise RuntimeError(f"a rerun logged {len(runs)} script runs, not 1")
            script_seconds.append(runs[0]["seconds"])
    return Timing.of(seconds, script_seconds)


def page_warm(db: Path, pages: Sequence[str] = PAGES, repeats: int = 20,
              params: dict[str, str] | None = None,
              config_dir: Path | None = None) -> dict[str, Timing]:
    """Warm rerun time of each page on the store `db` (one warm-up run first), with the config
    in `config_dir` (default: the repo's)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        raise ValueError(f"unknown pages {unknown}; choose from {', '.join(PAGES)}")
    out = {}
    # the config and every query result are cached per process: another store or config must
    # not be served from the previous one's caches
    st.cache_resource.clear()
    st.cache_data.clear()
    with tempfile.TemporaryDirectory() as tmp, \
            environment(DASHBOARD_DB=str(db),
                         DASHBOARD_CONFIG=None if config_dir is None else str(config_dir),
                         DASHBOARD_TIMING_LOG=str(Path(tmp) / "timing.jsonl")), \
            through_navigation():
        for page in pages:
            at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=300)
            for name, value in (params or {}).items():
                at.query_params[name] = value
            at.run()
            at.switch_page(f"pages/{page}.py").run()  # the warm-up: caches filled
            if at.exception:
                raise RuntimeError(f"{page} failed: {at.exception[0].message}")
            out[page] = _timed_reruns(at, repeats, Path(tmp) / "timing.jsonl")
    st.cache_resource.clear()
    st.cache_data.clear()
    return out


@dataclass
class NationalImport:
    """The national dataset's import against DuckDB's own read of the same file."""

    rows: int
    file_mb: float
    generate_s: float
    read_csv_s: float
    import_s: float
    phases: dict[str, float]
    checked_by: str

    @property
    def ratio(self) -> float:
        return self.import_s / self.read_csv_s if self.read_csv_s else float("nan")

    @property
    def check_ratio(self) -> float:
        """Reading and every check (read, scan, validate) against read_csv."""
        checks = sum(self.phases.get(k, 0.0) for k in ("read_s", "scan_s", "validate_s"))
        return checks / self.read_csv_s if self.read_csv_s else float("nan")


def read_csv_seconds(path: Path) -> float:
    """DuckDB's own read of the CSV into a table (types detected), the yardstick of the import."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        started = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
        return time.perf_counter() - started
    finally:
        con.close()


def national(workdir: Path, scale=None) -> tuple[Path, Path, NationalImport]:
    """Generate the national config and dataset under `workdir`, build a store with the demo
    data, then import the national file into it; returns (config dir, store, figures)."""
    from indicators import auth, national
    from indicators.build import build_demo_store
    from indicators.imports import import_file

    scale = scale or national.FULL
    config_dir, csv, db = workdir / "config", workdir / "national.csv", workdir / "national.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    config = national.write_config(config_dir, scale)
    rows = national.write_dataset(csv, config, scale)
    generate_s = time.perf_counter() - started
    actor = auth.system("benchmark")
    build_demo_store(db, config, actor=actor, partial=True)
    read_csv_s = read_csv_seconds(csv)
    size = csv.stat().st_size
    started = time.perf_counter()
    report = import_file(csv, config, db, actor=actor, max_bytes=size + 1)  # the raised limit
    import_s = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"the national file was refused: {report.problems[:5]}")
    figures = NationalImport(rows=rows, file_mb=round(size / 1e6, 1),
                             generate_s=round(generate_s, 2), read_csv_s=round(read_csv_s, 3),
                             import_s=round(import_s, 2),
                             phases={k: round(v, 3) for k, v in report.phases.items()},
                             checked_by=report.checked_by)
    return config_dir, db, figures


def empty_page(repeats: int = 20) -> Timing:
    """The floor: rerun time of a page that draws nothing."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(EMPTY_PAGE, default_timeout=60)
    at.run()
    return _timed_reruns(at, repeats)


def machine() -> dict[str, object]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True), "processor": platform.machine()}


def run(db: Path, out: Path, *, quick: bool = False, pages: Sequence[str] = PAGES,
        workdir: Path | None = None, server: bool = True, scale=None,
        progress=lambda message: None) -> dict[str, object]:
    """Measure everything, write `out` (JSON) and return the results.

    The demo data's warm reruns and the empty page; the national dataset (generated under
    `workdir`, default `bench/national/`, git-ignored): its import against DuckDB's read_csv and
    its pages' warm reruns; then, with `server`, a real server in headless Chromium: cold start
    and 10 concurrent sessions with peak memory, on the national store. `quick`: 5 reruns and
    a small country (`national.QUICK`), a few minutes in all; `scale` sets the country's size.
    """
    import logging

    from indicators import national as national_data

    # AppTest's runs warn "missing ScriptRunContext" from the main thread: noise here
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    repeats = 5 if quick else 20
    scale = scale or (national_data.QUICK if quick else national_data.FULL)
    workdir = workdir or REPO_ROOT / "bench" / "national"
    results: dict[str, object] = {"machine": machine(), "quick": quick, "repeats": repeats,
                                  "targets": TARGETS}
    started = time.perf_counter()
    progress("warm reruns on the demo data")
    demo = page_warm(db, pages, repeats=repeats)
    results["empty_page_ms"] = asdict(empty_page(repeats))
    progress(f"national dataset: {scale.rows:,} rows, generating and importing")
    config_dir, national_db, figures = national(workdir, scale)
    results.update({
        "national": {**asdict(figures), "scale": asdict(scale)},
        "import_s": figures.import_s, "read_csv_s": figures.read_csv_s,
        "import_vs_read_csv": round(figures.ratio, 2),
        "checks_vs_read_csv": round(figures.check_ratio, 2),
    })
    progress("warm reruns on the national data")
    results["page_warm_ms"] = {
        "demo": {page: asdict(t) for page, t in demo.items()},
        "national": {page: asdict(t) for page, t in
                     page_warm(national_db, pages, repeats=repeats,
                               config_dir=config_dir).items()}}
    if server:
        from indicators import bench_server

        progress("cold start in headless Chromium (national data)")
        cold = bench_server.cold_start(national_db, config_dir)
        progress("10 concurrent sessions (national data)")
        crowd = bench_server.concurrent(national_db, config_dir, sessions=10,
                                        rounds=1 if quick else 2)
        results.update({"cold_start_s": cold["seconds"], "cold_start": cold,
                        "concurrent_p50_s": crowd["p50_s"], "concurrent_p95_s": crowd["p95_s"],
                        "rss_peak_mb": crowd["rss_peak_mb"], "concurrent": crowd})
    results["bench_s"] = round(time.perf_counter() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return results


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "–"
    return "met" if value <= target else "MISSED"


def table(results: dict) -> str:
    """The figures as plain text: each page's median and p95 on the demo and national data, the
    median of its script's own run (without AppTest's reading of the result), its ratio to the
    empty page and its verdict (on the whole AppTest run), then the import, the server and their
    targets."""
    floor = results["empty_page_ms"]["median_ms"]
    lines = []
    for dataset, target in (("demo", TARGETS["page_warm_ms_demo"]),
                            ("national", TARGETS["page_warm_ms_national"])):
        timings = results.get("page_warm_ms", {}).get(dataset)
        if not timings:
            continue
        lines.append(f"{'page (' + dataset + ')':<20} {'median ms':>10} {'p95 ms':>8} "
                     f"{'script ms':>10} {'× empty':>8} {'target':>7} {'':>7}")
        for page, timing in timings.items():
            ratio = timing["median_ms"] / floor if floor else float("nan")
            script = timing.get("script_median_ms")
            lines.append(f"{page:<20} {timing['median_ms']:>10.1f} {timing['p95_ms']:>8.1f} "
                         f"{'–' if script is None else f'{script:.1f}':>10} "
                         f"{ratio:>8.1f} {target:>7.0f} {_verdict(timing['median_ms'], target):>7}")
    lines.append(f"{'(empty page)':<20} {floor:>10.1f} "
                 f"{results['empty_page_ms']['p95_ms']:>8.1f} {'–':>10} {1.0:>8.1f} {'floor':>7}")
    if "import_s" in results:
        nat = results["national"]
        phases = ", ".join(f"{k.removesuffix('_s')} {v:.1f}" for k, v in nat["phases"].items())
        lines += [
            "",
            f"national file: {nat['rows']:,} rows, {nat['file_mb']} MB "
            f"(generated in {nat['generate_s']:.1f} s), checked by {nat['checked_by']}",
            f"import {results['import_s']:.1f} s; DuckDB read_csv {results['read_csv_s']:.2f} s; "
            f"import / read_csv {results['import_vs_read_csv']:.1f}× (target 3×: "
            f"{_verdict(results['import_vs_read_csv'], TARGETS['import_vs_read_csv'])}); "
            f"read + checks / read_csv {results['checks_vs_read_csv']:.1f}×",
            f"phases (s): {phases}",
        ]
    if "cold_start_s" in results:
        lines += [
            f"cold start to first chart {results['cold_start_s']:.2f} s (target "
            f"{TARGETS['cold_start_s']:.0f} s: "
            f"{_verdict(results['cold_start_s'], TARGETS['cold_start_s'])})",
            f"10 concurrent sessions: p50 {results['concurrent_p50_s']:.2f} s, p95 "
            f"{results['concurrent_p95_s']:.2f} s (target {TARGETS['concurrent_p95_s']} s: "
            f"{_verdict(results['concurrent_p95_s'], TARGETS['concurrent_p95_s'])})",
            f"server peak RSS {results['rss_peak_mb']:.0f} MB with DuckDB memory_limit "
            f"{results['concurrent']['memory_limit']} (target {TARGETS['rss_peak_mb']:.0f} MB: "
            f"{_verdict(results['rss_peak_mb'], TARGETS['rss_peak_mb'])})",
        ]
    if "bench_s" in results:
        lines.append(f"benchmark took {results['bench_s'] / 60:.1f} min")
    return "\n".join(lines)
