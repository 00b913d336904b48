"""Polite HTTP for the open-data sources (Sotkanet, StatFin): one place that touches the network.

- Every request names the project in its `User-Agent`, has a timeout, and is retried with
  exponential back-off only where retrying can help (connection failures, timeouts, 429 and 5xx;
  `Retry-After` is honoured up to a cap). A 403 or 404 fails at once: asking again would not
  change the answer and would not be polite.
- Every successful response is stored raw under `<sources>/<source>/<YYYY-MM-DD>/` with a line in
  `requests.jsonl` saying what was asked (method, full URL, body), when, and the file's SHA-256:
  the provenance of every figure a refresh brings.
- Stored responses are re-used only when the caller asks for it (`from_cache=True`), looked up by
  the full request (method, URL and body). Without it, an unreachable source is an error, never a
  silent success from old responses.

Uses only the standard library (`urllib`), which also honours the usual `HTTPS_PROXY` settings;
a mirror or proxy can be named as the source's base URL instead.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indicators.i18n import t

PROJECT = "yhteisovaikuttavuus-dashboard"
USER_AGENT = (f"{PROJECT}/0.1 (Oma Hame family-centre indicator dashboard; open source; "
              "batch refresh of open data)")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0
DEFAULT_MAX_BYTES = 200_000_000
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class FetchError(Exception):
    """A source could not give a usable answer. `code` picks the message (`fetch.error.<code>`):
    unreachable, timeout, http_status, malformed, too_large, not_in_cache, bad_base_url,
    storage (the answer could not be saved), and
    for a refresh that has nothing to ask: no_indicators, no_years."""

    def __init__(self, code: str, url: str, **params: Any) -> None:
        self.code, self.url, self.params = code, url, params
        super().__init__(f"{code}: {url} {params}")

    def message(self, lang: str = "fi") -> str:
        return t(f"fetch.error.{self.code}", lang, url=self.url, **self.params)


def error_codes() -> list[str]:
    """Every FetchError code (the tests render each message in every language)."""
    return ["unreachable", "timeout", "http_status", "malformed", "too_large", "not_in_cache",
            "bad_base_url", "no_indicators", "no_years", "storage"]


@dataclass(frozen=True)
class Request:
    """One request: GET with a query string, or POST with a JSON body."""

    method: str
    url: str
    body: bytes | None = None

    @property
    def key(self) -> str:
        """What identifies the request for re-use: method, full URL and body."""
        digest = hashlib.sha256(f"{self.method} {self.url}\n".encode())
        digest.update(self.body or b"")
        return digest.hexdigest()

    def describe(self) -> str:
        """`GET https://…` or `POST https://… {json}` for a dry run and the provenance."""
        if self.body is None:
            return f"{self.method} {self.url}"
        return f"{self.method} {self.url} {self.body.decode('utf-8')}"


@dataclass(frozen=True)
class Fetched:
    request: Request
    body: bytes
    fetched_at: str  # ISO 8601 UTC
    path: Path  # the raw response as stored
    from_cache: bool = False

    def json(self) -> Any:
        """The body as JSON; a `malformed` FetchError (naming the stored file) otherwise."""
        try:
            return json.loads(self.body.decode("utf-8-sig"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise FetchError("malformed", self.request.url, file=str(self.path),
                             reason="JSON") from None


def _reject_constant(token: str) -> Any:
    raise ValueError(f"not JSON: {token}")


def build_url(base_url: str, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
    """`base_url` + `path` + a query string in which a name may repeat (`years=2019&years=2020`)."""
    base = base_url.rstrip("/")
    query = urllib.parse.urlencode(list(params))
    return f"{base}{path}" + (f"?{query}" if query else "")


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; FetchError(bad_base_url) if it is not http(s)."""
    parsed = urllib.parse.urlsplit(base_url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query:
        raise FetchError("bad_base_url", base_url)
    return base_url.strip().rstrip("/")


def _slug(url: str) -> str:
    path = urllib.parse.urlsplit(url).path.rstrip("/")
    tail = "-".join(path.split("/")[-2:])
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", tail)[:60] or "response"


@dataclass
class Fetcher:
    """Fetches for one source and stores what it got. Not thread-safe: one per refresh."""

    source: str
    sources_dir: Path
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    from_cache: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    fetched: list[Fetched] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]+", self.source):
            raise ValueError(f"a source name is lowercase letters, digits and _: {self.source!r}")
        started = self.now()
        self.run_dir = Path(self.sources_dir) / self.source / started.strftime("%Y-%m-%d")
        # time of day plus a random part: two refreshes in the same second keep their own files
        self.run_id = f"{started.strftime('%H%M%S')}-{secrets.token_hex(3)}"
        self._proxies = urllib.request.ProxyHandler()

    # -- the two kinds of request ---------------------------------------------------------

    def get(self, url: str) -> Fetched:
        return self.fetch(Request("GET", url))

    def post_json(self, url: str, body: dict[str, Any]) -> Fetched:
        data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self.fetch(Request("POST", url, data))

    def fetch(self, request: Request) -> Fetched:
        result = self._cached(request) if self.from_cache else self._download(request)
        self.fetched.append(result)
        return result

    # -- network ----------------------------------------------------------------------------

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        host = urllib.parse.urlsplit(url).hostname or ""
        if host in LOOPBACK_HOSTS:  # a local mirror (and the tests' server) is never proxied
            return urllib.request.build_opener(urllib.request.ProxyHandler({}))
        return urllib.request.build_opener(self._proxies)

    def _download(self, request: Request) -> Fetched:
        attempt = 0
        while True:
            try:
                body = self._once(request)
                break
            except _Retryable as retry:
                if attempt >= self.retries:
                    raise retry.error from None
                wait = retry.after if retry.after is not None else self.backoff_s * 2 ** attempt
                self.sleep(min(wait, MAX_RETRY_AFTER_S))
                attempt += 1
        return self._store(request, body)

    def _once(self, request: Request) -> bytes:
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if request.body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        http_request = urllib.request.Request(request.url, data=request.body, headers=headers,
                                              method=request.method)
        try:
            with self._opener(request.url).open(http_request, timeout=self.timeout_s) as response:
                body = response.read(self.max_bytes + 1)
                missing = getattr(response, "length", None)
                if missing and len(body) <= self.max_bytes:  # Content-Length not reached
                    raise http.client.IncompleteRead(body, missing)
        except urllib.error.HTTPError as exc:
            error = FetchError("http_status", request.url, status=exc.code)
            if exc.code in RETRY_STATUSES:
                raise _Retryable(error, _retry_after(exc.headers.get("Retry-After"))) from None
            raise error from None
        except TimeoutError:
            raise _Retryable(FetchError("timeout", request.url,
                                        seconds=f"{self.timeout_s:g}")) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise _Retryable(FetchError("timeout", request.url,
                                            seconds=f"{self.timeout_s:g}")) from None
            raise _Retryable(FetchError("unreachable", request.url,
                                        reason=str(exc.reason)[:200])) from None
        except (ConnectionError, OSError, http.client.HTTPException) as exc:
            # reset, closed or cut short mid-response (IncompleteRead), or not HTTP at all
            raise _Retryable(FetchError("unreachable", request.url,
                                        reason=f"{type(exc).__name__}: {exc}"[:200])) from None
        if len(body) > self.max_bytes:
            raise FetchError("too_large", request.url,
                             limit_mb=f"{self.max_bytes / 1_000_000:g}")
        return body

    # -- storage ----------------------------------------------------------------------------

    def write(self, name: str, text: str) -> Path:
        """A file of this run (the answers combined for the importer); FetchError(storage)
        when the disk refuses it. Also for a run served from stored answers, whose day's
        directory may not exist yet."""
        path = self.run_dir / name
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise FetchError("storage", str(path), reason=str(exc)[:200]) from None
        return path

    def _store(self, request: Request, body: bytes) -> Fetched:
        number = len(self.fetched) + 1
        path = self.run_dir / f"{self.run_id}-{number:03d}-{_slug(request.url)}.json"
        fetched_at = self.now().isoformat(timespec="seconds")
        entry = {"fetched_at": fetched_at, "method": request.method, "url": request.url,
                 "body": request.body.decode("utf-8") if request.body is not None else None,
                 "key": request.key, "file": path.name, "bytes": len(body),
                 "sha256": hashlib.sha256(body).hexdigest(), "user_agent": self.user_agent}
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            with (self.run_dir / "requests.jsonl").open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise FetchError("storage", str(path), reason=str(exc)[:200]) from None
        return Fetched(request, body, fetched_at, path)

    def _cached(self, request: Request) -> Fetched:
        """The newest stored response to exactly this request; never the network."""
        for log in stored_logs(Path(self.sources_dir) / self.source):
            for entry in reversed(_entries(log)):
                if entry.get("key") != request.key:
                    continue
                path = log.parent / str(entry.get("file", ""))
                try:
                    body = path.read_bytes()
                except OSError:
                    continue
                if hashlib.sha256(body).hexdigest() != entry.get("sha256"):
                    continue  # edited or damaged since it was fetched: not the source's answer
                return Fetched(request, body, str(entry.get("fetched_at")), path, from_cache=True)
        raise FetchError("not_in_cache", request.url)


def stored_logs(source_dir: Path) -> list[Path]:
    """The `requests.jsonl` files of one source, newest day first."""
    return sorted(Path(source_dir).glob("*/requests.jsonl"), key=lambda p: p.parent.name,
                  reverse=True)


def _entries(log: Path) -> list[dict[str, Any]]:
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out


class _Retryable(Exception):
    def __init__(self, error: FetchError, after: float | None = None) -> None:
        self.error, self.after = error, after
        super().__init__(error.code)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta seconds only; a date is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None


def describe_all(requests: Iterable[Request]) -> list[str]:
    return [request.describe() for request in requests]
