"""The benchmark (issue 10), the running server: cold start, concurrent sessions, peak memory.

Everything runs on this machine over loopback: `streamlit run dashboard.py` on a free port of
127.0.0.1, driven by Debian's headless Chromium through Playwright (no browser download).

- `cold_start`: seconds from launching a fresh server process to the first plotly chart drawn
  in the browser. The browser is started first, so its own start-up is not counted.
- `concurrent`: one Chromium, one browser context (a Streamlit session) per simulated user, all
  clicking through the pages at once. Page times are the server's own script-run times, taken
  by dashboard.py's timing hook (`indicators.timing`), so the browser's drawing is not counted;
  but the browser runs on the same cores, and on a small machine it takes most of them from
  the server: `server_cpu_per_s` and `machine_cpu_per_s` tell how much. The peak resident
  memory of the server process is read at the end.

Figures only: nothing here passes or fails on time.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from indicators.settings import REPO_ROOT
from indicators.timing import read_runs

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEFAULT_MEMORY_LIMIT = "512MB"
# The first page with a plotly chart on the demo data: the overview (`/`) shows figures as text
# only; the indicator page draws the default headline indicator's series for the county.
COLD_START_PAGE = "indicator"
CHART = '[data-testid="stMain"] .js-plotly-plot .main-svg'
EXCEPTION = '[data-testid="stException"]'
VIEWPORT = {"width": 1400, "height": 1000}

# Until the script run has finished and every element has been drawn: Streamlit shows a skeleton
# while a lazily loaded component (plotly) loads, after the run itself has ended. An exception
# shown on the page ends the wait too (the caller raises). Same test as
# tests/browser_support.wait_until_rendered, which uses this one.
READY_JS = """() => {
    if (document.querySelector('[data-testid="stException"]')) return true;
    if (!document.querySelector('[data-testid="stMain"] h1')) return false;
    const app = document.querySelector('[data-test-script-state]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    return [...charts].every(c => c.querySelector('.main-svg'));
}"""
_CHART_OR_EXCEPTION_JS = f"""() => {{
    if (document.querySelector('{EXCEPTION}')) return 'exception';
    if (document.querySelector('{CHART}')) return 'chart';
    return null;
}}"""


class Server(NamedTuple):
    """A running `streamlit run dashboard.py`: its base URL, process, timing log and the file
    holding its output (stdout and stderr: a page's traceback is there)."""

    url: str
    process: subprocess.Popen
    timing_log: Path
    output: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


@contextmanager
def serve(db: Path, config_dir: Path | None = None, *,
          memory_limit: str = DEFAULT_MEMORY_LIMIT, env: dict[str, str] | None = None,
          startup_timeout_s: float = 90) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free loopback port against the store `db`, with its
    timing log on (a temporary file, gone after the block) and DuckDB's memory limit set;
    yields once `/_stcore/health` answers, terminates the server after. `env` adds to or
    overrides the server's environment."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        timing_log = Path(tmp) / "timing.jsonl"
        output = Path(tmp) / "server.log"  # a file, not a pipe nobody reads (it would fill up)
        server_env = dict(os.environ, DASHBOARD_DB=str(db), DASHBOARD_TIMING_LOG=str(timing_log),
                          DASHBOARD_DUCKDB_MEMORY_LIMIT=memory_limit)
        if config_dir is not None:
            server_env["DASHBOARD_CONFIG"] = str(config_dir)
        server_env.update(env or {})
        url = f"http://127.0.0.1:{port}"
        with output.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py",
                 "--server.address", "127.0.0.1", "--server.port", str(port),
                 "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 # no reloading of edited modules mid-measurement (nor a watcher thread)
                 "--server.fileWatcherType", "none"],
                cwd=REPO_ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_timeout_s
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start (exit code {process.poll()}): "
                                       + _tail(output))
                time.sleep(0.05)  # fine-grained: cold_start counts this wait
            yield Server(url, process, timing_log, output)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium is missing: the server benchmark needs Debian's {CHROMIUM} "
                           "(`apt-get install chromium`; make test installs it as root)")
    try:
        import playwright  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("Playwright is missing: install requirements-dev.txt") from exc


def _descendants(pid: int) -> list[int]:
    """`pid`'s child processes, their children and so on (from /proc)."""
    found: list[int] = []
    queue = [pid]
    while queue:
        current = queue.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.append(child)
                    queue.append(child)
    return found


def _vm_hwm_kb(pid: int) -> int:
    """The peak resident set size ("high water mark") of one process in kB, 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process `pid` has used so far, 0 if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time all the machine's cores have spent busy so far (/proc/stat: all but idle and
    I/O wait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def runs_in_progress(runs: Sequence[dict]) -> tuple[float, int]:
    """The mean and the largest number of script runs in progress at once, over the span from
    the first run's start to the last one's end."""
    if not runs:
        return 0.0, 0
    events = sorted([(r["started"], 1) for r in runs]
                    + [(r["started"] + r["seconds"], -1) for r in runs])
    span = events[-1][0] - events[0][0]
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    mean = sum(r["seconds"] for r in runs) / span if span > 0 else float(len(runs))
    return round(mean, 2), most


def peak_rss_mb(pid: int) -> float:
    """Peak RSS of process `pid` and its descendants (each one's own peak, summed: an upper
    bound when there are children), in MB (2^20 bytes)."""
    return round(sum(_vm_hwm_kb(p) for p in (pid, *_descendants(pid))) / 1024, 1)


def percentiles(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """p50 (median) and nearest-rank p95 in seconds and the count, as `bench.Timing.of`."""
    if not seconds:
        return {"p50_s": None, "p95_s": None, "runs": 0}
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50_s": round(statistics.median(ordered), 4), "p95_s": round(p95, 4),
            "runs": len(ordered)}


def cold_start(db: Path, config_dir: Path | None = None, *, page: str = COLD_START_PAGE,
               memory_limit: str = DEFAULT_MEMORY_LIMIT,
               timeout_s: float = 120) -> dict[str, object]:
    """Seconds from launching a fresh `streamlit run dashboard.py` to the first plotly chart
    drawn on `page` in Chromium (`seconds`), and to the server answering its health check
    (`server_ready_s`). The page is the process's first request, as a shared link would be."""
    _require_chromium()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(viewport=VIEWPORT).new_page()
            tab.goto("about:blank")  # the browser fully up before the clock starts
            started = time.perf_counter()
            with serve(db, config_dir, memory_limit=memory_limit) as server:
                ready = time.perf_counter() - started
                tab.goto(_href(server.url, page), wait_until="commit")
                try:
                    found = tab.wait_for_function(_CHART_OR_EXCEPTION_JS,
                                                  timeout=timeout_s * 1000).json_value()
                except PlaywrightError as exc:
                    raise RuntimeError(f"no plotly chart on /{page} within {timeout_s} s: "
                                       f"{_main_text(tab)}") from exc
                seconds = time.perf_counter() - started
                if found == "exception":
                    raise RuntimeError(f"/{page} shows an exception: {_exception_text(tab)}\n"
                                       f"--- the server's output ends:\n{_tail(server.output)}")
                charts = tab.locator('[data-testid="stMain"] .js-plotly-plot').count()
                runs = read_runs(server.timing_log)
        finally:
            browser.close()
    return {"seconds": round(seconds, 3), "server_ready_s": round(ready, 3),
            # the server's own time for the first run through dashboard.py (without its imports)
            "first_run_s": round(runs[0]["seconds"], 3) if runs else None,
            "page": page, "waited_for": CHART, "charts": charts, "memory_limit": memory_limit}


def _main_text(tab) -> str:
    """What the page's main block shows (the start), for an error message."""
    try:
        text = tab.locator('[data-testid="stMain"]').first.inner_text(timeout=2000)
    except Exception:  # only for an error message
        return "(the page has no main block)"
    return " ".join(text.split())[:500]


def _exception_text(tab) -> str:
    try:
        return tab.locator(EXCEPTION).first.inner_text(timeout=2000)[:1000]
    except Exception:  # only for an error message
        return "(no text)"


def concurrent(db: Path, config_dir: Path | None = None, *, sessions: int = 10, rounds: int = 2,
               memory_limit: str = DEFAULT_MEMORY_LIMIT, pages: Sequence[str] | None = None,
               warmup: bool = True, timeout_s: float = 180) -> dict[str, object]:
    """`sessions` users at once, each in its own browser context (its own Streamlit session),
    opening the dashboard and clicking through every page `rounds` times; each session starts
    at a different page so the load spreads over them.

    `p50_s`/`p95_s`/`runs` and `per_page` are the server's script runs that began during the
    concurrent phase; `rss_peak_mb` is the server process's peak RSS at its end; `wall_s` the
    phase's length. With `warmup`, one session first visits every page alone (not counted), so
    the figures are those of a server whose caches are filled, as after its first meeting.
    """
    from indicators.bench import PAGES

    pages = tuple(pages or PAGES)
    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        raise ValueError(f"unknown pages {unknown}; choose from {', '.join(PAGES)}")
    if sessions < 1 or rounds < 1:
        raise ValueError("sessions and rounds must be at least 1")
    _require_chromium()
    with serve(db, config_dir, memory_limit=memory_limit) as server:
        try:
            phase = asyncio.run(_drive(server, pages, sessions=sessions, rounds=rounds,
                                       warmup=warmup, timeout_ms=timeout_s * 1000))
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n--- the server's output ends:\n{_tail(server.output)}"
                               ) from exc
        rss = peak_rss_mb(server.process.pid)
        runs = [run for run in read_runs(server.timing_log) if run["started"] >= phase.started]
    per_page = {page: percentiles([r["seconds"] for r in runs if r["page"] == page])
                for page in pages}
    mean_in_progress, max_in_progress = runs_in_progress(runs)
    return {**percentiles([r["seconds"] for r in runs]), "per_page": per_page,
            "sessions_seen": len({r["session"] for r in runs}), "rss_peak_mb": rss,
            "memory_limit": memory_limit, "sessions": sessions, "rounds": rounds,
            "warmup": warmup, "wall_s": round(phase.wall_s, 2),
            # cores kept busy on average: by the server (one Python process: its script runs
            # share one GIL) and by everything, the browser too; and the runs overlapping
            "server_cpu_per_s": round(phase.server_cpu_s / phase.wall_s, 2),
            "machine_cpu_per_s": round(phase.machine_cpu_s / phase.wall_s, 2),
            "cpus": os.cpu_count(),
            "runs_in_progress_mean": mean_in_progress, "runs_in_progress_max": max_in_progress}


class _Phase(NamedTuple):
    started: float  # time.time(), as in the timing log
    wall_s: float
    server_cpu_s: float
    machine_cpu_s: float


async def _drive(server: Server, pages: tuple[str, ...], *, sessions: int, rounds: int,
                 warmup: bool, timeout_ms: float) -> _Phase:
    """One Chromium, the warm-up, then the sessions together; returns when the concurrent phase
    began, how long it took and the CPU time the server and the whole machine used in it.

    Playwright's async API: its sync API cannot drive several pages at once from one thread,
    and one browser per session would take the cores the server is measured on."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=CHROMIUM_ARGS)
        try:
            if warmup:
                await _session(browser, server.url, pages, 1, timeout_ms)
            started, clock = time.time(), time.perf_counter()
            cpu, machine = cpu_seconds(server.process.pid), machine_cpu_seconds()
            await asyncio.gather(*(
                _session(browser, server.url, pages[k % len(pages):] + pages[:k % len(pages)],
                         rounds, timeout_ms)
                for k in range(sessions)))
            return _Phase(started, time.perf_counter() - clock,
                          cpu_seconds(server.process.pid) - cpu, machine_cpu_seconds() - machine)
        finally:
            await browser.close()


async def _session(browser, url: str, pages: tuple[str, ...], rounds: int,
                   timeout_ms: float) -> None:
    """One user: opens the dashboard at `pages[0]` (a new Streamlit session), then goes through
    the pages by the sidebar's page menu, as a person clicks, `rounds` times in all."""
    context = await browser.new_context(viewport=VIEWPORT)
    try:
        tab = await context.new_page()
        await tab.goto(_href(url, pages[0]), wait_until="commit")
        await _rendered(tab, pages[0], timeout_ms)
        for step in range(1, rounds * len(pages)):
            page = pages[step % len(pages)]
            await tab.locator(f'[data-testid="stSidebarNav"] a[href="{_href(url, page)}"]').click(
                timeout=timeout_ms)
            await tab.wait_for_url(lambda address, page=page: _on_page(address, page),
                                   wait_until="commit", timeout=timeout_ms)
            await _rendered(tab, page, timeout_ms)
    finally:
        await context.close()


def _href(url: str, page: str) -> str:
    """The address of `page`, as in the page menu: the default page, the overview, is the root
    (`/overview` is not found: Streamlit runs the root page under a "Page not found" dialog)."""
    return f"{url}/" if page == "overview" else f"{url}/{page}"


def _on_page(address: str, page: str) -> bool:
    """Whether the browser's `address` (with its query string) is that of `page`."""
    path = urlsplit(address).path.strip("/")
    return path == page or (page == "overview" and path == "")


async def _rendered(tab, page: str, timeout_ms: float) -> None:
    from playwright.async_api import Error as PlaywrightError

    try:
        for _ in range(2):  # twice, apart: a component that starts loading late is waited for
            await tab.wait_for_function(READY_JS, timeout=timeout_ms)
            await tab.wait_for_timeout(300)
        await tab.wait_for_function(READY_JS, timeout=timeout_ms)
    except PlaywrightError as exc:
        try:
            shown = " ".join((await tab.locator('[data-testid="stMain"]').first.inner_text(
                timeout=2000)).split())[:500]
        except PlaywrightError:
            shown = "(the page has no main block)"
        raise RuntimeError(f"/{page} was not drawn within {timeout_ms / 1000:.0f} s; "
                           f"it shows: {shown}") from exc
    if await tab.locator(EXCEPTION).count():
        text = await tab.locator(EXCEPTION).first.inner_text()
        raise RuntimeError(f"/{page} shows an exception: {text[:1000]}")
