"""Refreshing open data: Sotkanet's indicators and StatFin's population, with provenance.

A refresh asks its source few, batched questions (`http_fetch` stores every answer raw), turns the
answers into one file in a format the importer already reads, and imports it through
`imports.import_file`: the same checks, the same atomic write, the same history and rollback as a
file a maintainer uploads. The source's indicator metadata and a record of the refresh are written
in that same transaction. Any failure (unreachable source, HTTP error, malformed answer, a row the
importer rejects) raises `RefreshFailed` before the store is touched, and is logged beside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from indicators import auth, provenance, sotkanet, statfin
from indicators.config import Config
from indicators.http_fetch import Fetcher, FetchError, Request, build_url, check_base_url
from indicators.imports import ImportReport, import_file

SOURCES = ("population", "sotkanet")  # in this order: the population gives denominators
STORED_SOURCE = {"sotkanet": "sotkanet", "population": "statfin"}
DEFAULT_BASE_URLS = {"sotkanet": sotkanet.DEFAULT_BASE_URL, "population": statfin.DEFAULT_BASE_URL}
FIRST_YEAR = 2019
FETCHED_MAX_BYTES = 200_000_000  # a refresh's combined answer; uploads keep their own limit


class RefreshFailed(Exception):
    """Nothing was changed. `fetch_error` (the source failed) or `report` (the importer
    rejected the answer) says why; `message(lang)` says it in words."""

    def __init__(self, source: str, *, fetch_error: FetchError | None = None,
                 report: ImportReport | None = None) -> None:
        if (fetch_error is None) == (report is None):
            raise ValueError("a failed refresh has either a fetch error or an import report")
        self.source, self.fetch_error, self.report = source, fetch_error, report
        super().__init__(self.message("en"))

    def messages(self, lang: str = "fi") -> list[str]:
        if self.fetch_error is not None:
            return [self.fetch_error.message(lang)]
        assert self.report is not None
        return [f"{p.location(lang)}: {p.message(lang)}" for p in self.report.problems]

    def message(self, lang: str = "fi") -> str:
        return "\n".join(self.messages(lang))

    def log_entry(self) -> tuple[str, dict[str, Any]]:
        if self.fetch_error is not None:
            params = {"url": self.fetch_error.url, **self.fetch_error.params}
            if "file" in params:  # the log is shown on the Data page: no server paths
                params["file"] = Path(str(params["file"])).name
            return self.fetch_error.code, params
        assert self.report is not None
        first = self.report.problems[0]
        return f"import:{first.code}", {"file": self.report.file, "row": first.row or 0,
                                        "problems": len(self.report.problems)}


@dataclass
class Plan:
    """What a refresh would ask (a dry run prints it)."""

    source: str
    base_url: str
    years: list[int]
    indicators: list[str]  # catalogue ids
    requests: list[Request]


@dataclass
class RefreshResult:
    source: str
    refresh_id: int | None
    import_id: int | None
    rows: int
    changed: int
    unchanged: bool
    requests: int
    from_cache: bool
    raw_dir: Path
    changes: dict[str, dict] = field(default_factory=dict)
    metadata_changes: list[dict] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)


# -- choosing what to ask -------------------------------------------------------------------


def parse_years(text: str, today: date | None = None) -> list[int]:
    """`2019-2025` or `2023` -> years; ValueError with a clear reason otherwise."""
    today = today or date.today()
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4})\s*)?", text or "")
    if not match:
        raise ValueError(f"years must look like 2019-2025 or 2023, not {text!r}")
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if first > last:
        raise ValueError(f"the first year {first} is after the last {last}")
    if first < 1990 or last > today.year:
        raise ValueError(f"years must be between 1990 and {today.year}, not {text!r}")
    return list(range(first, last + 1))


def default_years(today: date | None = None) -> list[int]:
    """From 2019 (the demo's and the goals' first year) to last year."""
    today = today or date.today()
    return list(range(FIRST_YEAR, today.year))


def sotkanet_indicators(config: Config, selected: list[str] | None = None
                        ) -> list[tuple[str, int]]:
    """(catalogue id, Sotkanet id) of the catalogue's Sotkanet indicators, or of `selected`
    (catalogue ids or Sotkanet numbers); ValueError for one that is not a Sotkanet indicator of
    the catalogue (its rows could not be imported)."""
    known = [(ind.id, number) for ind in config.indicators.values()
             if (number := sotkanet.sotkanet_id(ind.source_ref)) is not None]
    if not selected:
        return known
    out: list[tuple[str, int]] = []
    for wanted in selected:
        match = [pair for pair in known if wanted in (pair[0], str(pair[1]))]
        if not match:
            raise ValueError(
                f"{wanted!r} is not a Sotkanet indicator of the catalogue (source_ref "
                f"sotkanet:<id>); known: {', '.join(f'{i} ({n})' for i, n in known)}")
        out.extend(p for p in match if p not in out)
    return out


def base_url_for(source: str, config: Config, override: str | None = None) -> str:
    """`override`, else the config's (site.yaml `sources:`), else the public address."""
    configured = config.site.sources.get(source)
    url = override or (configured.base_url if configured else None) or DEFAULT_BASE_URLS[source]
    return check_base_url(url)


def sotkanet_plan(config: Config, base_url: str, years: list[int],
                  selected: list[str] | None = None) -> Plan:
    pairs = sotkanet_indicators(config, selected)
    requests = [Request("GET", build_url(base_url, sotkanet.regions_path()))]
    for _, number in pairs:
        requests.append(Request("GET", build_url(base_url, sotkanet.metadata_path(number))))
    for indicator_id, number in pairs:
        path, params = sotkanet.data_query(number, years, config.indicators[indicator_id].sexes)
        requests.append(Request("GET", build_url(base_url, path, params)))
    return Plan("sotkanet", base_url, years, [p[0] for p in pairs], requests)


def population_plan(config: Config, base_url: str, years: list[int]) -> Plan:
    url = build_url(base_url, statfin.TABLE_PATH)
    body = statfin.population_query(years, population_areas(config))
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Plan("population", base_url, years, list(statfin.INDICATORS),
                [Request("GET", url), Request("POST", url, data)])


def population_areas(config: Config) -> list[str]:
    """The municipalities of the config and the whole country (the store sums the rest)."""
    return [code for code, area in config.areas.items()
            if area.level in ("municipality", "country")]


# -- refreshing -------------------------------------------------------------------------------


@dataclass
class Options:
    base_url: str
    years: list[int]
    sources_dir: Path
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    from_cache: bool = False
    indicators: list[str] | None = None
    sleep: Callable[[float], None] | None = None
    lock_timeout_s: float = 60.0  # waiting for another writer before giving up

    def fetcher(self, source: str) -> Fetcher:
        extra = {"sleep": self.sleep} if self.sleep is not None else {}
        return Fetcher(STORED_SOURCE[source], self.sources_dir, timeout_s=self.timeout_s,
                       retries=self.retries, backoff_s=self.backoff_s,
                       from_cache=self.from_cache, **extra)


def options_for(source: str, config: Config, *, sources_dir: Path,
                base_url: str | None = None, years: list[int] | None = None,
                timeout_s: float | None = None, retries: int | None = None,
                **more: Any) -> Options:
    """The options of one source: what is given here, else config/site.yaml `sources:`, else
    the defaults (the public address, 30 s, 3 retries, 2019 to last year)."""
    configured = config.site.sources.get(source)
    return Options(
        base_url=base_url_for(source, config, base_url),
        years=years or default_years(), sources_dir=sources_dir,
        timeout_s=timeout_s if timeout_s is not None else (
            configured.timeout_s if configured else 30.0),
        retries=retries if retries is not None else (configured.retries if configured else 3),
        **more)


def refresh(source: str, config: Config, store_path: Path, options: Options, *,
            actor: auth.Principal) -> RefreshResult:
    """Fetch one source and import it; `RefreshFailed` (store unchanged, failure logged) if
    anything goes wrong. Maintainers only."""
    name = auth.require_writer(actor, "fetch")
    try:
        if source == "sotkanet":
            return _refresh_sotkanet(config, store_path, options, actor=actor)
        if source == "population":
            return _refresh_population(config, store_path, options, actor=actor)
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    except FetchError as error:
        failure = RefreshFailed(source, fetch_error=error)
    except RefreshFailed as error:
        failure = error
    code, params = failure.log_entry()
    provenance.log_failure(store_path, source=STORED_SOURCE[source], actor=name, code=code,
                           params=params)
    raise failure


def _refresh_sotkanet(config: Config, store_path: Path, options: Options, *,
                      actor: auth.Principal) -> RefreshResult:
    auth.require_writer(actor, "fetch")
    plan = sotkanet_plan(config, options.base_url, options.years, options.indicators)
    if not plan.indicators:
        raise FetchError("no_indicators", options.base_url)
    fetcher = options.fetcher("sotkanet")
    regions = fetcher.fetch(plan.requests[0])
    regions.json()  # malformed JSON is the source's fault: say so before the importer does
    pairs = list(zip(plan.indicators, plan.requests[1:1 + len(plan.indicators)], strict=True))
    metadata = []
    for indicator_id, request in pairs:
        answer = fetcher.fetch(request)
        try:
            record = sotkanet.metadata_record(
                answer.json(), indicator_id,
                sotkanet.sotkanet_id(config.indicators[indicator_id].source_ref) or 0)
        except sotkanet.MetadataError as exc:
            raise FetchError("malformed", request.url, file=str(answer.path),
                             reason=str(exc)) from None
        metadata.append({**record, "fetched_at": answer.fetched_at})  # when the source said it
    records: list[Any] = []
    for request in plan.requests[1 + len(plan.indicators):]:
        answer = fetcher.fetch(request)
        data = answer.json()
        if not isinstance(data, list):
            raise FetchError("malformed", request.url, file=str(answer.path),
                             reason="not a JSON array")
        records.extend(data)
    combined = fetcher.write(f"{fetcher.run_id}-sotkanet-data.json",
                             json.dumps(records, ensure_ascii=False))
    return _import(config, store_path, options, fetcher, combined, metadata,
                   actor=actor, source="sotkanet", regions_path=regions.path)


def _refresh_population(config: Config, store_path: Path, options: Options, *,
                        actor: auth.Principal) -> RefreshResult:
    auth.require_writer(actor, "fetch")
    plan = population_plan(config, options.base_url, options.years)
    fetcher = options.fetcher("population")
    table = fetcher.fetch(plan.requests[0])
    try:
        available = statfin.available_years(table.json())
    except statfin.StatfinFormatError as exc:
        raise FetchError("malformed", table.request.url, file=str(table.path),
                         reason=exc.reason) from None
    years = [year for year in options.years if year in available]
    if not years:
        raise FetchError("no_years", table.request.url, years=_span(options.years),
                         available=_span(sorted(available)))
    request = plan.requests[1] if years == options.years else population_plan(
        config, options.base_url, years).requests[1]
    answer = fetcher.fetch(request)
    doc = answer.json()
    try:
        rows = statfin.population_rows(statfin.parse_jsonstat(doc), set(config.areas))
    except statfin.StatfinFormatError as exc:
        raise FetchError("malformed", request.url, file=str(answer.path),
                         reason=exc.reason) from None
    combined = fetcher.write(f"{fetcher.run_id}-population.csv", statfin.population_csv(rows))
    metadata = [{**record, "fetched_at": answer.fetched_at}
                for record in statfin.metadata_records(doc, config)]
    return _import(config, store_path, options, fetcher, combined, metadata,
                   actor=actor, source="statfin", regions_path=None)


def _span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if years else "–"


def _import(config: Config, store_path: Path, options: Options, fetcher: Fetcher, path: Path,
            metadata: list[dict[str, Any]], *, actor: auth.Principal, source: str,
            regions_path: Path | None) -> RefreshResult:
    name = auth.require_writer(actor, "fetch")
    outcome: dict[str, Any] = {}
    now = datetime.now(UTC)

    def record(con: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
        refresh_id = provenance.next_refresh_id(con)
        outcome["metadata"] = provenance.store_metadata(con, metadata, refresh_id=refresh_id,
                                                        fetched_at=now)
        outcome["changes"] = provenance.changes_of_import(con, report.import_id)
        outcome["refresh_id"] = provenance.record_refresh(
            con, source=source, actor=name, base_url=options.base_url,
            requests=len(fetcher.fetched), from_cache=options.from_cache,
            raw_dir=str(fetcher.run_dir), import_id=report.import_id, rows=report.rows,
            changed=report.changed, refreshed_at=now,
            detail={"changes": outcome["changes"], "metadata": outcome["metadata"],
                    "file": path.name, "years": _span(options.years),
                    "notes": [[code, params] for code, params in report.notes]})

    report = import_file(path, config, store_path, actor=actor, source=source,
                         regions_path=regions_path, max_bytes=FETCHED_MAX_BYTES,
                         lock_timeout_s=options.lock_timeout_s, also=record)
    if report.problems:
        raise RefreshFailed(source, report=report)
    return RefreshResult(
        source=source, refresh_id=outcome.get("refresh_id"), import_id=report.import_id,
        rows=report.rows, changed=report.changed, unchanged=report.unchanged,
        requests=len(fetcher.fetched), from_cache=options.from_cache, raw_dir=fetcher.run_dir,
        changes=outcome.get("changes", {}), metadata_changes=outcome.get("metadata", []),
        notes=report.notes)
