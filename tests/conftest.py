"""Shared fixtures: one seeded fixture store per session, built from the demo generator.

Under `CI=true` a skipped test counts as a failure: nothing may be skipped on CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indicators import auth, demo
from indicators.build import build_demo_store
from indicators.config import Config, load_config
from indicators.settings import DEFAULT_CONFIG_DIR
from indicators.store import StoreReader


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() == "true" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (not allowed): {report.longrepr}"


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(DEFAULT_CONFIG_DIR)


@pytest.fixture(scope="session")
def demo_tables_dir(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Path:
    """Demo tables generated afresh for this session (not the bundled copies)."""
    directory = tmp_path_factory.mktemp("demo_tables")
    demo.write_tables(demo.generate(config), directory)
    return directory


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory, config: Config,
               demo_tables_dir: Path) -> Path:
    """The session's fixture DuckDB store (read-only use: tests that write copy it)."""
    path = tmp_path_factory.mktemp("store") / "dashboard.duckdb"
    build_demo_store(path, config, actor=auth.maintainer("test:fixture"),
                     tables_dir=demo_tables_dir)
    return path


@pytest.fixture(scope="session")
def reader(store_path: Path):
    store_reader = StoreReader(store_path)
    yield store_reader
    store_reader.close()


@pytest.fixture
def navigation_mode():
    """Run pages as a long-running server does after its first request: through dashboard.py's
    st.navigation. (Streamlit starts in legacy `pages/`-folder mode until the entrypoint first
    calls st.navigation, and AppTest resets that on every run, so `webapp.ensure_entrypoint`
    would rerun each page once and swallow a button click; the first-request case itself is
    covered by the real-browser test of a shared link.)"""
    from indicators.bench import through_navigation

    with through_navigation():
        yield


@pytest.fixture(scope="session")
def county_pack(reader, config):
    """The county's review pack for the demo's last complete quarter (read-only)."""
    from indicators import review

    return review.build_pack(reader, config, "HV07", "2026Q3")


@pytest.fixture(scope="session")
def forssa_pack(reader, config):
    """The Forssa region's review pack for 2026Q3 (read-only)."""
    from indicators import review

    return review.build_pack(reader, config, "SK053", "2026Q3")


@pytest.fixture
def open_page(store_path, monkeypatch, navigation_mode):
    """`open_page("phenomena", area="KU103", db=other_store)`: the page run through dashboard.py
    by AppTest with those query parameters, on the fixture store unless `db` is given."""
    from streamlit.testing.v1 import AppTest

    from indicators.settings import REPO_ROOT

    def run(page: str, db: Path | None = None, **params: str) -> AppTest:
        monkeypatch.setenv("DASHBOARD_DB", str(db or store_path))
        at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
        for name, value in params.items():
            at.query_params[name] = value
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception
        return at

    return run


class MaintainerAccount:
    """A local maintainer account made for one test (in its own accounts file)."""

    user = "maija"
    password = "Kanta-Häme kevät 2026!"  # a test account's, in a temporary file only

    def sign_in(self, at, password: str | None = None):
        """Sign in through the sidebar form of an AppTest run, as a person would; returns `at`
        after the run the submit started."""
        at.text_input(key="sign_in_user").set_value(self.user)
        at.text_input(key="sign_in_password").set_value(password or self.password)
        submit = [b for b in at.button if b.proto.form_id == "sign_in"]
        assert len(submit) == 1, "the sign-in form is not on the page"
        submit[0].click().run()
        assert not at.exception
        return at


@pytest.fixture
def maintainer_account(tmp_path: Path, monkeypatch) -> MaintainerAccount:
    """`DASHBOARD_ACCOUNTS` pointing at a fresh file holding one maintainer account."""
    from indicators import accounts

    path = tmp_path / "accounts.json"
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(path))
    account = MaintainerAccount()
    accounts.set_password(account.user, account.password, set_by="test", path=path)
    return account
