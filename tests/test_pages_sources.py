"""Open data on the pages: the data page's "Avoin data" section (each source's refresh status,
and the maintainers' one refresh button, the app's only network use) and the indicator page's
"Lähde" block, run with Streamlit's AppTest against a loopback fake of Sotkanet and StatFin
(`tests/source_server.py`; never the internet)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators import auth, fetch, imports, provenance
from indicators.config import Config, load_config
from indicators.settings import DEFAULT_CONFIG_DIR, REPO_ROOT
from indicators.store import StoreReader
from tests.source_server import PXWEB_TABLE, SOTKANET_API, Reply, SourceServer

APP = str(REPO_ROOT / "dashboard.py")
BUTTON = "Päivitä avoin data nyt"
SOURCES_FI = {"sotkanet": "Sotkanet (THL)", "population": "Väestö (Tilastokeskus, StatFin)"}
SOTKANET_INDICATOR = "cw_notification_share"  # source_ref sotkanet:1086
pytestmark = pytest.mark.usefixtures("navigation_mode")


@dataclass
class Site:
    """A writable copy of the fixture store, its raw-answer directory, and a config whose
    site.yaml fetches both sources from `server`."""

    db: Path
    sources: Path
    server: SourceServer

    def app(self, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for name, value in params.items():
            at.query_params[name] = value
        return at

    def store_hash(self) -> str:
        return hashlib.sha256(self.db.read_bytes()).hexdigest()

    def observations(self, indicator_id: str):
        reader = StoreReader(self.db)
        try:
            return reader.query_df(
                "SELECT area_code, period, sex, grp, value, numerator FROM observation "
                "WHERE indicator_id = ? AND NOT derived ORDER BY ALL", [indicator_id])
        finally:
            reader.close()

    def status(self) -> dict:
        reader = StoreReader(self.db)
        try:
            return provenance.source_status(reader, self.db)
        finally:
            reader.close()


@pytest.fixture
def site(store_path: Path, tmp_path: Path, monkeypatch, config: Config):
    from indicators import webapp

    db = tmp_path / "store" / "dashboard.duckdb"
    db.parent.mkdir()
    shutil.copy(store_path, db)
    root = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, root)
    with SourceServer(config) as server:
        site_yaml = root / "site.yaml"
        text = site_yaml.read_text(encoding="utf-8")
        assert "\nsources:" not in text  # the test adds its own
        # one retry: the failing-source test waits out the back-off for real (1 s)
        site_yaml.write_text(text + f"\nsources:\n  sotkanet:\n    base_url: {server.url}\n"
                             "    retries: 1\n"
                             f"  population:\n    base_url: {server.url}\n    retries: 1\n",
                             encoding="utf-8")
        monkeypatch.setenv("DASHBOARD_DB", str(db))
        monkeypatch.setenv("DASHBOARD_CONFIG", str(root))
        monkeypatch.setenv("DASHBOARD_SOURCES", str(tmp_path / "sources"))
        webapp.get_config.clear()
        try:
            yield Site(db, tmp_path / "sources", server)
        finally:
            webapp.get_config.clear()


def data_page(at: AppTest) -> AppTest:
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def refresh_button(at: AppTest):
    return [b for b in at.button if b.label == BUTTON]


def test_a_fresh_store_was_never_refreshed_and_viewers_get_no_button(store_path, tmp_path,
                                                                     monkeypatch):
    db = tmp_path / "dashboard.duckdb"
    shutil.copy(store_path, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = data_page(AppTest.from_file(APP, default_timeout=60))
    headers = [h.value for h in at.header]
    assert headers.index("Avoin data") == headers.index("Mistä luvut tulevat") + 1
    assert headers.index("Tuo tiedosto") == headers.index("Avoin data") + 1
    shown = [s.value for s in at.subheader]
    assert SOURCES_FI["sotkanet"] in shown and SOURCES_FI["population"] in shown
    assert [i.value for i in at.info].count("Ei vielä päivitetty.") == 2
    assert not refresh_button(at)  # viewers see the status, not the button
    assert not any("epäonnistui" in w.value for w in at.warning)
    lines = texts(at)
    assert any("https://sotkanet.fi" in line and "CC BY 4.0" in line for line in lines)
    assert any("pxdata.stat.fi" in line and "CC BY 4.0" in line for line in lines)


def test_a_maintainer_refreshes_both_sources_and_the_page_shows_what_changed(
        site: Site, maintainer_account):
    at = data_page(site.app())
    assert not refresh_button(at)
    maintainer_account.sign_in(at)
    before = site.observations(SOTKANET_INDICATOR)

    refresh_button(at)[0].click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    successes = [s.value for s in at.success]
    for name in SOURCES_FI.values():
        assert any(s.startswith(f"{name}: päivitetty") for s in successes), successes

    paths = site.server.paths()
    assert f"{SOTKANET_API}/regions" in paths and PXWEB_TABLE in paths
    assert paths.index(PXWEB_TABLE) < paths.index(f"{SOTKANET_API}/regions")  # population first
    after = site.observations(SOTKANET_INDICATOR)
    assert not after.equals(before)  # the store now holds the source's figures
    assert len(after) >= len(before)

    status = site.status()
    sotkanet = status["sotkanet"]["latest"]
    assert sotkanet is not None and status["statfin"]["latest"] is not None
    assert sotkanet["actor"] == "local:maija" and sotkanet["import_outcome"] == "ok"
    lines = texts(at)
    assert any(line.startswith("Päivitetty ") and "maija" in line for line in lines)
    counts = (f"{sotkanet['requests']} pyyntöä · {sotkanet['rows']} riviä · "
              f"{sotkanet['changed']} solua muuttui")
    assert any(counts in line for line in lines), lines
    assert any(f"Tuonti {sotkanet['import_id']} on voimassa." in line for line in lines)
    assert any("metatiedot tallennettiin ensimmäistä kertaa 4 indikaattorille" in line
               for line in lines)
    assert any(site.server.url in line and "CC BY 4.0" in line for line in lines)
    assert [i.value for i in at.info].count("Ei vielä päivitetty.") == 0

    # the per-indicator table says what the import added and changed, as the store recorded it
    changes = sotkanet["detail"]["changes"]
    tables = [d.value for d in at.dataframe if "Lisätty" in d.value.columns]
    assert len(tables) == 2  # population and Sotkanet
    name = site_name(SOTKANET_INDICATOR)
    shown = next(t for t in tables if name in set(t["Indikaattori"]))
    row = shown[shown["Indikaattori"] == name].iloc[0]
    assert (int(row["Lisätty"]), int(row["Muuttunut"])) == (
        changes[SOTKANET_INDICATOR]["added"], changes[SOTKANET_INDICATOR]["changed"])
    assert changes[SOTKANET_INDICATOR]["added"] + changes[SOTKANET_INDICATOR]["changed"] > 0

    # an import undone later says so in the status
    imports.rollback(site.db, int(sotkanet["import_id"]), load_site_config(),
                     actor=auth.maintainer("test:maintainer"))
    at.run()
    assert not at.exception
    assert any(f"Tuonti {sotkanet['import_id']} on myöhemmin peruttu" in w.value
               for w in at.warning)

    # pressing again: the population is as it was, so it says so; Sotkanet's figures come back
    refresh_button(at)[0].click().run()
    assert not at.exception and not at.error
    infos = [i.value for i in at.info]
    assert any(i.startswith(f"{SOURCES_FI['population']}: haettu") and "eivät muuttuneet" in i
               for i in infos), infos
    assert any(s.value.startswith(f"{SOURCES_FI['sotkanet']}: päivitetty") for s in at.success)
    assert site.observations(SOTKANET_INDICATOR).equals(after)
    assert not any("peruttu" in w.value for w in at.warning)


def test_a_failing_source_shows_an_error_and_changes_nothing(site: Site, maintainer_account):
    site.server.reply(f"{SOTKANET_API}/regions", Reply(500, b""))
    site.server.reply(PXWEB_TABLE, Reply(403, b""))  # so the whole store stays as it was
    at = data_page(site.app())
    maintainer_account.sign_in(at)
    before = site.store_hash()

    refresh_button(at)[0].click().run()
    assert not at.exception
    assert site.store_hash() == before  # byte-identical: nothing was imported
    errors = [e.value for e in at.error]
    assert not at.success
    assert len(errors) == 2, errors
    population = next(e for e in errors if e.startswith(SOURCES_FI["population"]))
    sotkanet = next(e for e in errors if e.startswith(SOURCES_FI["sotkanet"]))
    assert "päivitys epäonnistui, mitään ei muutettu" in sotkanet
    assert "Lähde vastasi virheellä 403" in population
    assert "Lähde vastasi virheellä 500" in sotkanet and "/rest/1.1/regions" in sotkanet
    # the population failing did not stop Sotkanet, which was asked again once (5xx is
    # retried; site.yaml gives retries: 1)
    assert site.server.paths().count(f"{SOTKANET_API}/regions") == 2

    # the status shows the failed attempt, also to viewers
    viewer = data_page(site.app())
    warnings = [w.value for w in viewer.warning]
    assert any("epäonnistui" in w and "Lähde vastasi virheellä 500" in w for w in warnings)
    assert any("epäonnistui" in w and "Lähde vastasi virheellä 403" in w for w in warnings)
    assert [i.value for i in viewer.info].count("Ei vielä päivitetty.") == 2


def test_logged_failures_are_told_in_words_even_with_incomplete_parameters(store_path, tmp_path,
                                                                          monkeypatch):
    db = tmp_path / "dashboard.duckdb"
    shutil.copy(store_path, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    provenance.log_failure(db, source="statfin", actor="local:maija", code="import:bad_value",
                           params={"file": "population.csv", "row": 7, "problems": 2})
    provenance.log_failure(db, source="sotkanet", actor="local:maija", code="http_status",
                           params={"url": "https://sotkanet.fi/rest/1.1/regions"})  # no status
    at = data_page(AppTest.from_file(APP, default_timeout=60))
    warnings = [w.value for w in at.warning]
    assert any("rivillä 7 tiedostossa population.csv" in w and "2 ongelmaa" in w
               for w in warnings), warnings
    assert any("Lähteestä ei saatu käyttökelpoista vastausta" in w for w in warnings), warnings
    assert not any("maija" in w for w in warnings)  # viewers are not told who tried

    provenance.log_failure(db, source="sotkanet", actor="local:maija", code="no_such_code",
                           params={})
    at.run()
    assert not at.exception
    assert any("Lähteestä ei saatu käyttökelpoista vastausta" in w.value for w in at.warning)


def test_the_indicator_page_cites_the_source_after_a_refresh(site: Site):
    indicator_page = {"indicator": SOTKANET_INDICATOR, "area": "KU061"}
    at = site.app(**indicator_page).run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert "Lähde" not in [h.value for h in at.header]
    assert not any("(ind. 1086)" in m.value for m in at.markdown)

    options = fetch.Options(base_url=site.server.url, years=fetch.default_years(),
                            sources_dir=site.sources)
    fetch.refresh("sotkanet", load_site_config(), site.db, options,
                  actor=auth.maintainer("test:maintainer"))
    at = site.app(**indicator_page).run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert "Lähde" in [h.value for h in at.header]
    citation = next(m.value for m in at.markdown if "(ind. 1086)" in m.value)
    assert citation.startswith("Tilasto- ja indikaattoripankki Sotkanet. THL. Indikaattori 1086")
    assert "Viitattu" in citation
    facts = next(m.value for m in at.markdown if "Lisenssi" in m.value)
    assert "CC BY 4.0" in facts and "1.3.2026" in facts and "THL" in facts

    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Source" in [h.value for h in at.header]
    assert any("(ind. 1086)" in m.value and "Indicator 1086" in m.value for m in at.markdown)


def load_site_config() -> Config:
    return load_config()  # DASHBOARD_CONFIG: the site's copy


def site_name(indicator_id: str) -> str:
    return load_site_config().indicators[indicator_id].name.get("fi")


def test_the_data_page_button_is_the_apps_only_way_to_the_network():
    """Only the data page refreshes (the pages, the entrypoint and the Streamlit glue import
    neither the fetcher nor any HTTP client), and only from inside its button's branch."""
    import ast

    app_files = [REPO_ROOT / "dashboard.py", REPO_ROOT / "indicators" / "webapp.py",
                 *sorted((REPO_ROOT / "pages").glob("*.py"))]
    clients = ("urllib.request", "http.client", "requests", "httpx", "socket", "aiohttp")
    fetchers = ("indicators.fetch", "indicators.http_fetch")
    for path in app_files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                imported += [f"{node.module}.{a.name}" for a in node.names]
        assert not [n for n in imported if n.startswith(clients)], path
        if path.name != "data.py":
            assert not [n for n in imported if n.startswith(fetchers)], path
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Attribute) and n.func.attr == "refresh"
                 and isinstance(n.func.value, ast.Name) and n.func.value.id == "fetch"]
        assert len(calls) == (1 if path.name == "data.py" else 0), path
