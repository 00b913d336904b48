"""A loopback HTTP server that answers like Sotkanet's REST API and StatFin's PxWeb API.

The answers follow the documented formats and are computed from the config (every area of it in
Sotkanet's region listing, plus areas and categories the dashboard does not use). A test can
replace any path's answer by a list of `Reply`s (a 403, a 500 then success, a slow answer,
malformed JSON …); the last one repeats. Every request is recorded. Never the internet.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from indicators.config import Config
from indicators.sotkanet import sotkanet_id

SOTKANET_API = "/rest/1.1"
PXWEB_TABLE = "/PxWeb/api/v1/fi/StatFin/vaerak/statfin_vaerak_pxt_11re.px"
PXWEB_YEARS = [str(y) for y in range(2015, 2025)]
AGES = ["SSS", *[f"{a:03d}" for a in range(100)], "100-"]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None  # a Content-Length that lies: the answer is cut short


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


def _number(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode()) % 1000


def sotkanet_regions(config: Config) -> list[dict]:
    """Sotkanet's region listing for the config's areas, plus others the dashboard skips."""
    out: list[dict] = []
    for position, (code, area) in enumerate(config.areas.items(), start=1):
        if area.level == "country":
            category, number = "MAA", "0"
        elif area.level == "county":
            category, number = "HYVINVOINTIALUE", str(int(code[2:]))
        else:
            category = "KUNTA" if area.level == "municipality" else "SEUTUKUNTA"
            number = code[2:]
        out.append({"id": position, "code": number, "category": category,
                    "title": {"fi": area.name_fi, "sv": area.name_sv, "en": area.name_fi},
                    "memberOf": []})
    others = [("KUNTA", "091", "Helsinki"), ("MAAKUNTA", "05", "Kanta-Häme"),
              ("ERVA", "3", "Tampereen erva"), ("AVI", "2", "Etelä-Suomen avi"),
              ("NUTS1", "1", "Manner-Suomi")]
    for offset, (category, number, name) in enumerate(others, start=900):
        out.append({"id": offset, "code": number, "category": category,
                    "title": {"fi": name, "sv": name, "en": name}, "memberOf": []})
    return out


def sotkanet_metadata(number: int, *, updated: str = "2026-03-01") -> dict:
    return {"id": number,
            "title": {"fi": f"Indikaattori {number}", "sv": f"Indikator {number}",
                      "en": f"Indicator {number}"},
            "description": {"fi": f"Kuvaus {number}", "sv": f"Beskrivning {number}",
                            "en": f"Description {number}"},
            "organization": {"id": 1, "title": {"fi": "Terveyden ja hyvinvoinnin laitos (THL)",
                                                "sv": "THL", "en": "THL"}},
            "decimals": 1, "limits": {"min": 0}, "data-updated": updated,
            "range": {"start": 1990, "end": 2025}}


def sotkanet_records(regions: list[dict], number: int, years: list[str],
                     genders: list[str]) -> list[dict]:
    """Figures for every listed region: a value and an absolute count, no denominator."""
    out = []
    for region in regions:
        for year in years:
            for gender in genders:
                count = 20 + _number(number, region["id"], year, gender)
                value = round(1.0 + _number("v", number, region["id"], year, gender) / 100, 1)
                out.append({"indicator": number, "region": region["id"], "year": int(year),
                            "gender": gender, "value": value, "absValue": count})
    return out


def population(code: str, year: str, age: str) -> int:
    base = 20 + _number("pop", code, year, age) if age != "SSS" else 0
    if age == "SSS":
        return sum(population(code, year, a) for a in AGES[1:])
    return base


def pxweb_metadata() -> dict:
    return {"title": "Väestö 31.12. muuttujina Vuosi, Alue, Sukupuoli, Ikä ja Tiedot",
            "variables": [
                {"code": "Vuosi", "text": "Vuosi", "values": PXWEB_YEARS,
                 "valueTexts": PXWEB_YEARS, "time": True},
                {"code": "Alue", "text": "Alue", "values": ["SSS", "KU061"],
                 "valueTexts": ["KOKO MAA", "Forssa"]},
                {"code": "Sukupuoli", "text": "Sukupuoli", "values": ["SSS", "1", "2"],
                 "valueTexts": ["Yhteensä", "Miehet", "Naiset"]},
                {"code": "Ikä", "text": "Ikä", "values": AGES, "valueTexts": AGES},
                {"code": "Tiedot", "text": "Tiedot", "values": ["vaesto"],
                 "valueTexts": ["Väestö 31.12."]}]}


def pxweb_answer(query: dict) -> dict:
    """A JSON-stat2 dataset for a PxWeb query (last dimension varies fastest)."""
    chosen = {q["code"]: q["selection"]["values"] for q in query["query"]}
    ids = ["Vuosi", "Alue", "Sukupuoli", "Ikä", "Tiedot"]
    dims = [chosen[i] for i in ids]
    values = []
    for year in dims[0]:
        for area in dims[1]:
            for _sex in dims[2]:
                for age in dims[3]:
                    for _ in dims[4]:
                        values.append(population(area, year, age))
    return {"version": "2.0", "class": "dataset",
            "label": "Väestö 31.12. muuttujina Vuosi, Alue, Sukupuoli, Ikä ja Tiedot",
            "source": "Tilastokeskus", "updated": "2026-04-30T05:00:00Z", "id": ids,
            "size": [len(d) for d in dims],
            "dimension": {i: {"label": i, "category": {
                "index": {code: n for n, code in enumerate(d)},
                "label": {code: code for code in d}}} for i, d in zip(ids, dims, strict=True)},
            "value": values, "role": {"time": ["Vuosi"], "metric": ["Tiedot"]}}


class SourceServer:
    """`with SourceServer(config) as server: server.url …`"""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.regions = sotkanet_regions(config)
        self.replies: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> SourceServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply(self, path: str, *replies: Reply) -> None:
        """Answer `path` (without query) with these replies in turn; the last one repeats."""
        with self._lock:
            self.replies[path] = list(replies)

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    # -- the default answers -----------------------------------------------------------------

    def default(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        if path == f"{SOTKANET_API}/regions":
            return _json(self.regions)
        if path.startswith(f"{SOTKANET_API}/indicators/"):
            return _json(sotkanet_metadata(int(path.rsplit("/", 1)[1])))
        if path == f"{SOTKANET_API}/json":
            number = int(query["indicator"][0])
            return _json(sotkanet_records(self.regions, number, query.get("years", []),
                                          query.get("genders", ["total"])))
        if path == PXWEB_TABLE and method == "GET":
            return _json(pxweb_metadata())
        if path == PXWEB_TABLE and method == "POST":
            return _json(pxweb_answer(json.loads(body)))
        return Reply(404, b'{"error": "not found"}')

    def _answer(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        with self._lock:
            queue = self.replies.get(path)
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return self.default(method, path, query, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = parse_qs(parts.query)
                with server._lock:
                    server.seen.append(Seen(self.command, parts.path, query,
                                            dict(self.headers.items()), body))
                reply = server._answer(self.command, parts.path, query, body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(reply.length or len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _json(doc: object) -> Reply:
    return Reply(200, json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def sotkanet_numbers(config: Config) -> list[int]:
    return [n for ind in config.indicators.values()
            if (n := sotkanet_id(ind.source_ref)) is not None]
