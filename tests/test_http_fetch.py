"""The polite HTTP client, against a loopback server (never the internet)."""

from __future__ import annotations

import json
import socket

import pytest

from indicators.http_fetch import (
    USER_AGENT,
    Fetcher,
    FetchError,
    Request,
    build_url,
    check_base_url,
    error_codes,
)
from indicators.i18n import LANGUAGES, t
from tests.source_server import SOTKANET_API, Reply, SourceServer


@pytest.fixture
def server(config):
    with SourceServer(config) as running:
        yield running


@pytest.fixture
def pauses() -> list[float]:
    return []


def _fetcher(tmp_path, pauses, **kwargs) -> Fetcher:
    return Fetcher("sotkanet", tmp_path / "sources", sleep=pauses.append, **kwargs)


def test_a_get_is_stored_raw_with_its_provenance(server, tmp_path, pauses):
    fetcher = _fetcher(tmp_path, pauses)
    url = build_url(server.url, f"{SOTKANET_API}/regions")
    answer = fetcher.get(url)
    assert answer.json() == server.regions
    assert answer.path.read_bytes() == answer.body
    assert answer.path.parent == fetcher.run_dir
    entries = [json.loads(line) for line in
               (fetcher.run_dir / "requests.jsonl").read_text().splitlines()]
    assert [(e["method"], e["url"], e["file"], e["bytes"]) for e in entries] == [
        ("GET", url, answer.path.name, len(answer.body))]
    assert server.seen[0].headers["User-Agent"] == USER_AGENT
    assert "yhteisovaikuttavuus-dashboard" in USER_AGENT


def test_repeated_parameters_stay_repeated(server, tmp_path, pauses):
    url = build_url(server.url, f"{SOTKANET_API}/json",
                    [("indicator", "4"), ("years", "2023"), ("years", "2024"),
                     ("genders", "total"), ("genders", "male")])
    assert url.endswith("/rest/1.1/json?indicator=4&years=2023&years=2024&genders=total"
                        "&genders=male")
    _fetcher(tmp_path, pauses).get(url)
    assert server.seen[0].query == {"indicator": ["4"], "years": ["2023", "2024"],
                                    "genders": ["total", "male"]}


def test_a_403_fails_at_once_without_retrying(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(403, b"forbidden"))
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses).get(build_url(server.url, f"{SOTKANET_API}/regions"))
    assert (caught.value.code, caught.value.params) == ("http_status", {"status": 403})
    assert len(server.seen) == 1 and pauses == []
    assert "403" in caught.value.message("fi")


def test_a_500_then_success_is_retried_with_back_off(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(500, b"oops"), Reply(502, b""),
                 Reply(200, b"[1, 2]"))
    answer = _fetcher(tmp_path, pauses, backoff_s=0.5).get(
        build_url(server.url, f"{SOTKANET_API}/regions"))
    assert answer.json() == [1, 2]
    assert len(server.seen) == 3
    assert pauses == [0.5, 1.0]
    # only the successful answer is stored
    assert len(list(answer.path.parent.glob("*.json"))) == 1


def test_a_lasting_server_error_fails_after_the_retries(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(503, b""))
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses, retries=2).get(
            build_url(server.url, f"{SOTKANET_API}/regions"))
    assert (caught.value.code, caught.value.params) == ("http_status", {"status": 503})
    assert len(server.seen) == 3
    assert not (tmp_path / "sources").exists() or not list((tmp_path / "sources").rglob("*.json"))


def test_retry_after_is_honoured_and_capped(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(429, b"", headers={"Retry-After": "7"}),
                 Reply(429, b"", headers={"Retry-After": "3600"}), Reply(200, b"[]"))
    _fetcher(tmp_path, pauses).get(build_url(server.url, f"{SOTKANET_API}/regions"))
    assert pauses == [7.0, 60.0]


def test_a_timeout_is_retried_then_reported(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(200, b"[]", delay_s=1.5))
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses, timeout_s=0.3, retries=1).get(
            build_url(server.url, f"{SOTKANET_API}/regions"))
    assert (caught.value.code, caught.value.params) == ("timeout", {"seconds": "0.3"})
    assert len(server.seen) == 2 and pauses == [1.0]


def test_an_unreachable_source_is_an_error(tmp_path, pauses):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses, retries=1).get(f"http://127.0.0.1:{port}/rest/1.1/regions")
    assert caught.value.code == "unreachable"
    assert pauses == [1.0]


def test_malformed_json_names_the_stored_answer(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(200, b"[{\"id\": 1,"))
    answer = _fetcher(tmp_path, pauses).get(build_url(server.url, f"{SOTKANET_API}/regions"))
    with pytest.raises(FetchError) as caught:
        answer.json()
    assert caught.value.code == "malformed"
    assert caught.value.params["file"] == str(answer.path)
    assert str(answer.path) in caught.value.message("en")


def test_nan_is_not_json(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(200, b"[NaN]"))
    answer = _fetcher(tmp_path, pauses).get(build_url(server.url, f"{SOTKANET_API}/regions"))
    with pytest.raises(FetchError, match="malformed"):
        answer.json()


def test_an_answer_over_the_limit_is_refused(server, tmp_path, pauses):
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses, max_bytes=100).get(
            build_url(server.url, f"{SOTKANET_API}/regions"))
    assert caught.value.code == "too_large"
    assert not list((tmp_path / "sources").rglob("*.json"))


def test_stored_answers_are_reused_only_when_asked(server, tmp_path, pauses):
    url = build_url(server.url, f"{SOTKANET_API}/regions")
    first = _fetcher(tmp_path, pauses).get(url)
    server.reply(f"{SOTKANET_API}/regions", Reply(500, b""))
    # without from_cache the network is asked, and its failure is not hidden
    with pytest.raises(FetchError, match="http_status"):
        _fetcher(tmp_path, pauses, retries=0).get(url)
    asked = len(server.seen)
    cached = _fetcher(tmp_path, pauses, from_cache=True).get(url)
    assert cached.from_cache and cached.body == first.body and cached.path == first.path
    assert len(server.seen) == asked  # the network was not touched
    with pytest.raises(FetchError) as caught:  # keyed by the full URL
        _fetcher(tmp_path, pauses, from_cache=True).get(url + "?x=1")
    assert caught.value.code == "not_in_cache"


def test_a_changed_stored_answer_is_not_reused(server, tmp_path, pauses):
    url = build_url(server.url, f"{SOTKANET_API}/regions")
    first = _fetcher(tmp_path, pauses).get(url)
    first.path.write_bytes(b"[]")
    with pytest.raises(FetchError, match="not_in_cache"):
        _fetcher(tmp_path, pauses, from_cache=True).get(url)


def test_a_post_is_keyed_by_its_body_too(server, tmp_path, pauses):
    url = build_url(server.url, "/PxWeb/api/v1/fi/StatFin/vaerak/statfin_vaerak_pxt_11re.px")
    assert Request("POST", url, b"{}").key != Request("POST", url, b"{\"a\": 1}").key
    assert Request("POST", url, b"{}").key != Request("GET", url).key
    query = {"query": [{"code": c, "selection": {"filter": "item", "values": v}}
                       for c, v in (("Vuosi", ["2024"]), ("Alue", ["KU061"]),
                                    ("Sukupuoli", ["SSS"]), ("Ikä", ["SSS"]),
                                    ("Tiedot", ["vaesto"]))],
             "response": {"format": "json-stat2"}}
    answer = _fetcher(tmp_path, pauses).post_json(url, query)
    assert json.loads(server.seen[0].body) == query
    assert server.seen[0].headers["Content-Type"].startswith("application/json")
    assert answer.json()["class"] == "dataset"
    other = {**query, "response": {"format": "json-stat"}}
    with pytest.raises(FetchError, match="not_in_cache"):
        _fetcher(tmp_path, pauses, from_cache=True).post_json(url, other)
    assert _fetcher(tmp_path, pauses, from_cache=True).post_json(url, query).body == answer.body


@pytest.mark.parametrize("url", ["ftp://example.fi", "sotkanet.fi", "https://", "https://x.fi?a=1"])
def test_a_base_url_must_be_http(url):
    with pytest.raises(FetchError, match="bad_base_url"):
        check_base_url(url)


def test_a_base_url_loses_its_trailing_slash():
    assert check_base_url(" https://sotkanet.fi/ ") == "https://sotkanet.fi"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_error_has_a_message(lang):
    params = {"url": "https://x.fi/a", "reason": "r", "seconds": "3", "status": 403,
              "file": "f.json", "limit_mb": "1", "years": "2019–2020", "available": "2021–2024"}
    for code in error_codes():
        text = t(f"fetch.error.{code}", lang, **params)
        assert "{" not in text and len(text) > 30


def test_two_fetches_in_the_same_second_keep_their_own_files(server, tmp_path, pauses):
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
    url = build_url(server.url, f"{SOTKANET_API}/regions")
    server.reply(f"{SOTKANET_API}/regions", Reply(200, b"[1]"), Reply(200, b"[2]"))
    first = _fetcher(tmp_path, pauses, now=lambda: moment).get(url)
    second = _fetcher(tmp_path, pauses, now=lambda: moment).get(url)
    assert first.path != second.path and first.path.parent == second.path.parent
    assert (first.path.read_bytes(), second.path.read_bytes()) == (b"[1]", b"[2]")
    # the newest stored answer is the one re-used
    assert _fetcher(tmp_path, pauses, from_cache=True).get(url).body == b"[2]"


def test_an_answer_cut_short_is_retried_then_reported(server, tmp_path, pauses):
    server.reply(f"{SOTKANET_API}/regions", Reply(200, b"[1, 2", length=500))
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses, retries=1, timeout_s=2.0).get(
            build_url(server.url, f"{SOTKANET_API}/regions"))
    assert caught.value.code == "unreachable" and "IncompleteRead" in caught.value.params["reason"]
    assert len(server.seen) == 2
    assert not list((tmp_path / "sources").rglob("*.json"))


def test_an_answer_that_cannot_be_saved_is_an_error(server, tmp_path, pauses):
    (tmp_path / "sources").write_text("not a directory")
    with pytest.raises(FetchError) as caught:
        _fetcher(tmp_path, pauses).get(build_url(server.url, f"{SOTKANET_API}/regions"))
    assert caught.value.code == "storage"
    assert "Nothing was changed" in caught.value.message("en")
