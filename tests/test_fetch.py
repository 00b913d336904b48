"""Refreshing Sotkanet and StatFin data against a loopback server: the same store content as a
file import, provenance kept, and nothing changed when the source fails."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators import auth, fetch, provenance
from indicators.__main__ import main
from indicators.http_fetch import FetchError
from indicators.imports import import_file, rollback
from indicators.readers import sotkanet_area_code
from indicators.store import StoreReader
from tests.source_server import (
    PXWEB_TABLE,
    SOTKANET_API,
    Reply,
    SourceServer,
    population,
    sotkanet_numbers,
    sotkanet_records,
)

ACTOR = auth.maintainer("test:fetch")
YEARS = [2022, 2023, 2024]


@pytest.fixture
def server(config):
    with SourceServer(config) as running:
        yield running


@pytest.fixture
def store(store_path, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(store_path, path)
    return path


@pytest.fixture
def pauses() -> list[float]:
    return []


def _options(server, tmp_path, pauses, **kwargs) -> fetch.Options:
    values = {"base_url": server.url, "years": YEARS, "sources_dir": tmp_path / "sources",
              "timeout_s": 5.0, "retries": 1, "sleep": pauses.append, **kwargs}
    return fetch.Options(**values)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content(path: Path, table: str = "observation") -> pd.DataFrame:
    """A table's rows in a fixed order, without import ids (two stores number them alike
    only by chance)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = con.execute(f"SELECT * FROM {table}").df()  # noqa: S608 - fixed test tables
    finally:
        con.close()
    frame = frame.drop(columns=[c for c in ("import_id",) if c in frame.columns])
    keys = [c for c in ("indicator_id", "area_code", "period", "sex", "grp") if c in frame]
    return frame.sort_values(keys).reset_index(drop=True)


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def _canonical_csv(server: SourceServer, config, path: Path) -> Path:
    """The rows the server gives for the catalogue's Sotkanet indicators, for the config's
    areas, as a canonical CSV a maintainer could have uploaded."""
    by_id = {r["id"]: sotkanet_area_code(r["category"], r["code"]) for r in server.regions}
    lines = ["indicator,area,period,sex,value,numerator"]
    for number in sotkanet_numbers(config):
        indicator = next(i for i in config.indicators.values()
                         if i.source_ref == f"sotkanet:{number}")
        for record in sotkanet_records(server.regions, number, [str(y) for y in YEARS],
                                       indicator.sexes):
            area = by_id[record["region"]]
            if area is None or area not in config.areas:
                continue
            lines.append(f"sotkanet:{number},{area},{record['year']},{record['gender']},"
                         f"{record['value']},{record['absValue']}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- Sotkanet -----------------------------------------------------------------------------


def test_a_sotkanet_refresh_stores_what_a_file_import_stores(config, server, store, store_path,
                                                             tmp_path, pauses):
    result = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                           actor=ACTOR)
    numbers = sotkanet_numbers(config)
    assert len(numbers) == 4
    assert result.requests == 1 + 2 * len(numbers) == len(server.seen)
    assert result.changed > 0 and not result.unchanged and pauses == []
    twin = tmp_path / "twin.duckdb"
    shutil.copy(store_path, twin)
    by_file = import_file(_canonical_csv(server, config, tmp_path / "same.csv"), config, twin,
                          actor=ACTOR)
    assert by_file.ok and by_file.changed == result.changed
    for table in ("observation", "cell_disclosure", "observation_history"):
        pd.testing.assert_frame_equal(_content(store, table), _content(twin, table))


def test_a_refresh_asks_few_batched_polite_questions(config, server, store, tmp_path, pauses):
    fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses), actor=ACTOR)
    assert {s.headers["User-Agent"] for s in server.seen} == {
        "yhteisovaikuttavuus-dashboard/0.1 (Oma Hame family-centre indicator dashboard; "
        "open source; batch refresh of open data)"}
    data = [s for s in server.seen if s.path == f"{SOTKANET_API}/json"]
    assert sorted(int(s.query["indicator"][0]) for s in data) == sorted(sotkanet_numbers(config))
    assert all(s.query["years"] == [str(y) for y in YEARS] for s in data)
    assert all(s.query["genders"] == ["total"] for s in data)  # the catalogue's sexes


def test_a_refresh_keeps_provenance_and_metadata(config, server, store, tmp_path, pauses):
    result = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                           actor=ACTOR)
    log = [json.loads(line) for line in
           (result.raw_dir / "requests.jsonl").read_text().splitlines()]
    assert len(log) == result.requests
    for entry in log:
        body = (result.raw_dir / entry["file"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert entry["url"].startswith(server.url + SOTKANET_API)
    with StoreReader(store) as reader:
        refreshes = provenance.refreshes(reader)
        meta = provenance.metadata_of(reader, "cw_notification_share")
        imports = reader.query_df("SELECT source, actor, outcome FROM import_log "
                                  "WHERE import_id = ?", [result.import_id])
    assert refreshes[["source", "import_id", "requests", "changed"]].values.tolist() == [
        ["sotkanet", result.import_id, result.requests, result.changed]]
    assert imports.values.tolist() == [["sotkanet", "test:fetch", "ok"]]
    assert meta["title_fi"] == "Indikaattori 1086" and meta["data_updated"] == "2026-03-01"
    assert meta["organisation"] == "Terveyden ja hyvinvoinnin laitos (THL)"
    assert provenance.citation(meta, "fi").startswith(
        "Tilasto- ja indikaattoripankki Sotkanet. THL. Indikaattori 1086 (ind. 1086). Viitattu ")
    detail = json.loads(refreshes["detail"].iloc[0])
    assert set(detail["changes"]) == {i.id for i in config.indicators.values()
                                      if (i.source_ref or "").startswith("sotkanet:")}
    assert sum(c["added"] + c["changed"] for c in detail["changes"].values()) > 0


def test_regions_the_dashboard_does_not_follow_are_skipped_and_said(config, server, store,
                                                                    tmp_path, pauses):
    result = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                           actor=ACTOR)
    skipped = dict(result.notes)["sotkanet_skipped_regions"]["count"]
    # Helsinki, a MAAKUNTA, an ERVA, an AVI and a NUTS1 region, for each indicator and year
    assert skipped == 5 * len(YEARS) * len(sotkanet_numbers(config))
    with StoreReader(store) as reader:
        areas = set(reader.query_df("SELECT DISTINCT area_code FROM observation "
                                    "WHERE import_id = ?", [result.import_id])["area_code"])
    assert areas <= set(config.areas) and "KU091" not in areas


def test_a_second_refresh_of_the_same_answers_changes_nothing(config, server, store, tmp_path,
                                                              pauses):
    first = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                          actor=ACTOR)
    before = _content(store)
    again = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                          actor=ACTOR)
    assert again.unchanged and again.import_id is None and again.changed == 0
    pd.testing.assert_frame_equal(_content(store), before)
    with StoreReader(store) as reader:
        refreshes = provenance.refreshes(reader)
    assert refreshes["import_id"].tolist()[1] == first.import_id
    assert pd.isna(refreshes["import_id"].tolist()[0])  # recorded, with nothing imported


def test_a_changed_figure_is_history_and_rollback_restores_it(config, server, store, tmp_path,
                                                              pauses):
    first = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                          actor=ACTOR)
    after_first = _content(store)
    records = json.loads(server.default("GET", f"{SOTKANET_API}/json",
                                        {"indicator": ["1086"], "years": ["2024"],
                                         "genders": ["total"]}, b"").body)
    forssa = next(r["id"] for r in server.regions if r["category"] == "KUNTA"
                  and r["code"] == "061")
    changed = [dict(r, value=r["value"] + 1.0) if r["region"] == forssa else r for r in records]
    server.reply(f"{SOTKANET_API}/json", Reply(200, json.dumps(changed).encode()))
    second = fetch.refresh("sotkanet", config, store,
                           _options(server, tmp_path, pauses, indicators=["1086"],
                                    years=[2024]), actor=ACTOR)
    assert second.changes["cw_notification_share"]["changed"] == 1
    restored, removed = rollback(store, second.import_id, config, actor=ACTOR)
    assert restored >= 1
    pd.testing.assert_frame_equal(_content(store), after_first)
    assert first.import_id < second.import_id


FAILURES = {
    "forbidden": (f"{SOTKANET_API}/regions", [Reply(403, b"no")], "http_status"),
    "server_error": (f"{SOTKANET_API}/json", [Reply(500, b"")], "http_status"),
    "timeout": (f"{SOTKANET_API}/json", [Reply(200, b"[]", delay_s=2.0)], "timeout"),
    "malformed_json": (f"{SOTKANET_API}/json", [Reply(200, b"[{\"indicator\": 4,")],
                       "malformed"),
    "not_an_array": (f"{SOTKANET_API}/json", [Reply(200, b"{\"rows\": []}")], "malformed"),
    "wrong_metadata": (f"{SOTKANET_API}/indicators/4", [Reply(200, b"{\"id\": 5}")],
                       "malformed"),
    "broken_regions": (f"{SOTKANET_API}/regions", [Reply(200, b"[]")], "import:"),
    "bad_record": (f"{SOTKANET_API}/json",
                   [Reply(200, b'[{"indicator": 4, "region": 1, "year": "x", '
                               b'"gender": "total", "value": 1, "absValue": 1}]')], "import:"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failed_refresh_changes_nothing_and_says_why(case, config, server, store, tmp_path,
                                                       pauses):
    path, replies, code = FAILURES[case]
    server.reply(path, *replies)
    before = _digest(store)
    with pytest.raises(fetch.RefreshFailed) as caught:
        fetch.refresh("sotkanet", config, store,
                      _options(server, tmp_path, pauses, timeout_s=0.5), actor=ACTOR)
    assert _digest(store) == before
    assert "source_refresh" not in _tables(store)
    failure = caught.value
    logged = provenance.last_failures(store)["sotkanet"]
    assert logged["code"].startswith(code) and logged["actor"] == "test:fetch"
    text = failure.message("fi")
    assert text and "{" not in text
    if failure.fetch_error is not None:
        assert failure.fetch_error.code == code
        assert server.url in text
    else:
        assert failure.report is not None and failure.report.problems


def test_a_500_then_success_refreshes(config, server, store, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(500, b""), Reply(200, json.dumps(
        server.regions).encode()))
    result = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                           actor=ACTOR)
    assert result.changed > 0 and pauses == [1.0]


def test_a_large_answer_without_pagination_imports(config, server, store, tmp_path, pauses):
    others = [n for n in range(200, 990) if f"KU{n:03d}" not in config.areas]
    server.regions.extend({"id": 5000 + n, "code": f"{n:03d}", "category": "KUNTA",
                           "title": {"fi": f"Kunta {n}"}, "memberOf": []} for n in others)
    years = list(range(2005, 2025))
    result = fetch.refresh("sotkanet", config, store,
                           _options(server, tmp_path, pauses, years=years), actor=ACTOR)
    biggest = max(p.stat().st_size for p in result.raw_dir.glob("*-json.json"))
    assert biggest > 1_000_000  # one answer of over a megabyte, in one piece
    assert dict(result.notes)["sotkanet_skipped_regions"]["count"] == (
        (len(others) + 5) * len(years) * len(sotkanet_numbers(config)))


def test_stored_answers_are_used_only_when_asked(config, server, store, tmp_path, pauses):
    fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses), actor=ACTOR)
    for path in (f"{SOTKANET_API}/regions", f"{SOTKANET_API}/json"):
        server.reply(path, Reply(500, b""))
    before = _digest(store)
    with pytest.raises(fetch.RefreshFailed):
        fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                      actor=ACTOR)
    assert _digest(store) == before
    asked = len(server.seen)
    cached = fetch.refresh("sotkanet", config, store,
                           _options(server, tmp_path, pauses, from_cache=True), actor=ACTOR)
    assert cached.unchanged and cached.from_cache and len(server.seen) == asked


def test_only_maintainers_refresh(config, server, store, tmp_path, pauses):
    with pytest.raises(auth.NotAllowedError):
        fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                      actor=auth.Principal("someone", "viewer"))
    assert server.seen == []


def test_indicators_are_chosen_from_the_catalogue(config):
    assert fetch.sotkanet_indicators(config, ["1086", "placed_outside_home_share"]) == [
        ("cw_notification_share", 1086), ("placed_outside_home_share", 3563)]
    with pytest.raises(ValueError, match="not a Sotkanet indicator"):
        fetch.sotkanet_indicators(config, ["anxiety_gr8_9"])


@pytest.mark.parametrize(("text", "years"), [("2019-2021", [2019, 2020, 2021]),
                                             ("2023", [2023]), (" 2020 – 2021 ", [2020, 2021])])
def test_years_are_read(text, years):
    assert fetch.parse_years(text) == years


@pytest.mark.parametrize("text", ["2021-2019", "19-21", "1900-1901", "2019-3000", ""])
def test_bad_years_are_refused(text):
    with pytest.raises(ValueError):
        fetch.parse_years(text)


# -- population -----------------------------------------------------------------------------


def test_the_population_is_fetched_summed_and_stored(config, server, store, tmp_path, pauses):
    result = fetch.refresh("population", config, store, _options(server, tmp_path, pauses),
                           actor=ACTOR)
    assert result.requests == 2 and result.changed > 0
    posted = json.loads(next(s.body for s in server.seen if s.method == "POST"))
    chosen = {q["code"]: q["selection"]["values"] for q in posted["query"]}
    assert chosen["Vuosi"] == [str(y) for y in YEARS]
    assert set(chosen["Alue"]) == set(fetch.population_areas(config))
    with StoreReader(store) as reader:
        stored = reader.query_df(
            "SELECT indicator_id, area_code, period, value, derived FROM observation "
            "WHERE indicator_id LIKE 'population_%' AND period = '2024' AND sex = 'total'")
    got = {(r.indicator_id, r.area_code): r.value for r in stored.itertuples()}
    children = [f"{a:03d}" for a in range(18)]
    for code in ("KU061", "SSS"):
        assert got[("population_total", code)] == population(code, "2024", "SSS")
        assert got[("population_0_17", code)] == sum(population(code, "2024", a)
                                                     for a in children)
    region = config.areas["SK053"]
    members = [c for c, a in config.areas.items() if a.parent_code == region.code]
    assert got[("population_total", "SK053")] == sum(population(c, "2024", "SSS")
                                                     for c in members)
    assert bool(stored[(stored.area_code == "SK053")].derived.all())


def test_missing_years_are_not_asked_for(config, server, store, tmp_path, pauses):
    result = fetch.refresh("population", config, store,
                           _options(server, tmp_path, pauses, years=[2023, 2024, 2025]),
                           actor=ACTOR)
    posted = json.loads(next(s.body for s in server.seen if s.method == "POST"))
    assert next(q for q in posted["query"] if q["code"] == "Vuosi")["selection"]["values"] == [
        "2023", "2024"]
    assert result.changed > 0
    with pytest.raises(fetch.RefreshFailed) as caught:
        fetch.refresh("population", config, store,
                      _options(server, tmp_path, pauses, years=[2025]), actor=ACTOR)
    assert caught.value.fetch_error.code == "no_years"


def test_a_malformed_jsonstat_answer_changes_nothing(config, server, store, tmp_path, pauses):
    server.reply(PXWEB_TABLE, Reply(200, json.dumps(
        {"title": "x", "variables": [{"code": "Vuosi", "values": ["2024"]}]}).encode()),
        Reply(200, b'{"version": "2.0", "class": "dataset", "id": ["Vuosi"], "size": [2], '
                   b'"dimension": {}, "value": [1]}'))
    before = _digest(store)
    with pytest.raises(fetch.RefreshFailed) as caught:
        fetch.refresh("population", config, store,
                      _options(server, tmp_path, pauses, years=[2024]), actor=ACTOR)
    assert caught.value.fetch_error.code == "malformed"
    assert _digest(store) == before


def test_the_population_is_the_denominator_where_the_catalogue_says(config, server, store,
                                                                    tmp_path, pauses):
    indicator = config.indicators["cw_notifications_rate"]
    assert indicator.denominator_population == "population_0_17"
    fetch.refresh("population", config, store, _options(server, tmp_path, pauses), actor=ACTOR)
    path = tmp_path / "notifications.csv"
    path.write_text("indicator,area,period,value,numerator\n"
                    "cw_notifications_rate,KU061,2024,,150\n"
                    "cw_notifications_rate,KU103,2024,30.5,20\n", encoding="utf-8")
    report = import_file(path, config, store, actor=ACTOR)
    assert report.ok, [p.message("en") for p in report.problems]
    with StoreReader(store) as reader:
        rows = reader.query_df(
            "SELECT area_code, value, numerator, denominator FROM observation "
            "WHERE indicator_id = 'cw_notifications_rate' AND period = '2024' "
            "AND area_code IN ('KU061', 'KU103') ORDER BY area_code")
        children = reader.query_df(
            "SELECT value FROM observation WHERE indicator_id = 'population_0_17' "
            "AND area_code = 'KU061' AND period = '2024' AND sex = 'total'")["value"].iloc[0]
    forssa, humppila = rows.to_dict("records")
    assert forssa["denominator"] == children
    assert forssa["value"] == pytest.approx(150 / children * 1000)
    # a row that brings its own value keeps it, and gets no population denominator
    assert humppila["value"] == 30.5 and pd.isna(humppila["denominator"])


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, store, tmp_path):
    monkeypatch.setenv("DASHBOARD_DB", str(store))
    monkeypatch.setenv("DASHBOARD_SOURCES", str(tmp_path / "sources"))
    return store


def test_a_dry_run_prints_the_requests_and_asks_nothing(cli_env, server, capsys):
    code = main(["fetch", "sotkanet", "--dry-run", "--base-url", server.url,
                 "--years", "2023-2024", "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == 0 and server.seen == []
    lines = out.splitlines()
    assert lines[0] == f"GET {server.url}/rest/1.1/regions"
    assert f"GET {server.url}/rest/1.1/json?indicator=1086&years=2023&years=2024&genders=total" \
        in lines
    assert "Nothing was fetched" in err


def test_the_cli_refreshes_both_sources_from_the_configured_mirror(cli_env, server, tmp_path,
                                                                    monkeypatch, capsys):
    config_dir = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", config_dir)
    with (config_dir / "site.yaml").open("a", encoding="utf-8") as site:
        site.write(f"sources:\n  sotkanet:\n    base_url: {server.url}\n"
                   f"  population:\n    base_url: {server.url}/\n")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(config_dir))
    code = main(["fetch", "all", "--years", "2023-2024", "--lang", "en"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert err.count("refreshed (") == 2
    # the population first (it gives denominators), then Sotkanet
    assert server.seen[0].path.startswith("/PxWeb/") and server.seen[-1].path.endswith("/json")
    with StoreReader(cli_env) as reader:
        sources = provenance.refreshes(reader)["source"].tolist()
    assert sources == ["sotkanet", "statfin"]


def test_an_unreachable_source_exits_non_zero_and_changes_nothing(cli_env, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    before = _digest(cli_env)
    code = main(["fetch", "sotkanet", "--base-url", f"http://127.0.0.1:{port}", "--retries",
                 "0", "--lang", "en"])
    _, err = capsys.readouterr()
    assert code == 1 and _digest(cli_env) == before
    assert "could not be reached" in err and "Nothing was changed" in err


def test_the_cli_refreshes_one_source_from_a_mirror(cli_env, server, capsys):
    code = main(["fetch", "population", "--base-url", server.url, "--years", "2023-2024",
                 "--lang", "en"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "refreshed (2 requests" in err
    assert [s.method for s in server.seen] == ["GET", "POST"]


@pytest.mark.parametrize("argv", [["fetch", "sotkanet", "--indicator", "anxiety_gr8_9"],
                                  ["fetch", "population", "--indicator", "1086"],
                                  ["fetch", "sotkanet", "--years", "2025-2019"],
                                  ["fetch", "sotkanet", "--base-url", "ftp://x.fi"],
                                  ["fetch", "all", "--base-url", "http://127.0.0.1:9"],
                                  ["fetch", "sotkanet", "--timeout", "0"]])
def test_usage_errors_exit_2_before_any_request(argv, cli_env):
    assert main([*argv, "--dry-run"]) == 2


def test_fetch_error_codes_are_distinct_from_import_problems():
    error = FetchError("timeout", "http://x", seconds="3")
    assert fetch.RefreshFailed("sotkanet", fetch_error=error).log_entry() == (
        "timeout", {"url": "http://x", "seconds": "3"})


def test_stored_answers_of_an_earlier_day_are_reused_with_their_own_date(config, server, store,
                                                                         tmp_path, pauses):
    first = fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses),
                          actor=ACTOR)
    earlier = first.raw_dir.with_name("2026-01-02")
    first.raw_dir.rename(earlier)
    log = earlier / "requests.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    log.write_text("".join(json.dumps({**e, "fetched_at": "2026-01-02T10:00:00+00:00"}) + "\n"
                           for e in entries))
    asked = len(server.seen)
    again = fetch.refresh("sotkanet", config, store,
                          _options(server, tmp_path, pauses, from_cache=True), actor=ACTOR)
    assert again.from_cache and again.unchanged and len(server.seen) == asked
    with StoreReader(store) as reader:
        meta = provenance.metadata_of(reader, "cw_notification_share")
    # the citation says when the source gave the figures, not when they were re-used
    assert provenance.citation(meta, "fi").endswith("Viitattu 2.1.2026.")


def test_a_demo_rebuild_forgets_the_provenance_of_replaced_imports(config, server, store,
                                                                   tmp_path, pauses):
    from indicators.build import build_demo_store

    fetch.refresh("sotkanet", config, store, _options(server, tmp_path, pauses), actor=ACTOR)
    assert {"source_refresh", "source_metadata"} <= _tables(store)
    build_demo_store(store, config, actor=ACTOR)
    with StoreReader(store) as reader:
        assert provenance.refreshes(reader).empty
        assert provenance.metadata_of(reader, "cw_notification_share") is None


@pytest.mark.parametrize("row", ["cw_notifications_rate,KU061,2024,total,,150",
                                 "cw_notifications_rate,KU061,2010,total,,150"])
def test_a_numerator_without_a_real_population_is_refused(config, server, store, tmp_path,
                                                          pauses, row):
    """The demo's synthetic population is never a real figure's denominator; without a
    fetched one for that area and year the file is refused and nothing changes."""
    path = tmp_path / "notifications.csv"
    path.write_text(f"indicator,area,period,sex,value,numerator\n{row}\n", encoding="utf-8")
    before = _digest(store)
    report = import_file(path, config, store, actor=ACTOR)
    assert [p.code for p in report.problems] == ["population_missing"]
    assert report.problems[0].params["area"] == "KU061"
    assert "fetch population" in report.problems[0].message("fi")
    assert _digest(store) == before
