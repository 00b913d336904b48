"""Signing in (webapp.account_control and principal) through the pages, with AppTest: local
maintainer accounts, the lockout across sessions, signing out, and the OIDC role mapping."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from indicators import accounts
from indicators.settings import REPO_ROOT

APP = str(REPO_ROOT / "dashboard.py")


@pytest.fixture
def app(store_path, tmp_path, monkeypatch, navigation_mode):
    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    return AppTest.from_file(APP, default_timeout=60)


def _data_page(at: AppTest) -> AppTest:
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def _can_write(at: AppTest) -> bool:
    """Whether the data page offers its write controls (the file upload)."""
    return bool(at.get("file_uploader"))


def _sidebar_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.sidebar.markdown] + [e.value for e in at.sidebar.error]
                     + [s.value for s in at.sidebar.success])


def test_without_accounts_nobody_can_write_and_the_sidebar_says_how_to_create_one(
        app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    at = _data_page(app)
    assert not _can_write(at)
    assert "Kirjaudu sisään sivupalkin kohdasta Ylläpitäjille" in "\n".join(
        i.value for i in at.info)
    assert "python -m indicators set-password TUNNUS" in _sidebar_text(at)
    assert not at.text_input  # no sign-in form when there is no account to sign in to
    assert not (tmp_path / "none.json").exists()  # looking does not create the file


def test_a_maintainer_signs_in_writes_and_signs_out(app, maintainer_account):
    at = _data_page(app)
    assert not _can_write(at)
    maintainer_account.sign_in(at)
    assert _can_write(at)
    assert "Kirjauduit sisään ylläpitäjänä (maija)." in _sidebar_text(at)
    assert "Kirjautunut: maija" in [e.label for e in at.sidebar.expander]
    kept = {key: repr(at.session_state[key]) for key in at.session_state}
    assert kept and not [k for k, v in kept.items() if maintainer_account.password in v]
    at.switch_page("pages/goals.py").run()  # the sign-in holds across pages
    assert [b for b in at.button if b.label == "Kirjaa neljännesvuosiarvio"]
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Kirjaa neljännesvuosiarvio"]
    at.switch_page("pages/data.py").run()
    assert not _can_write(at)


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(app, maintainer_account):
    at = _data_page(app)
    maintainer_account.sign_in(at, password="väärä salasana tämä")
    wrong = _sidebar_text(at)
    assert "Käyttäjätunnus tai salasana on väärin" in wrong and "5 peräkkäisen" in wrong
    assert not _can_write(at)
    maintainer_account.user = "pekka"  # no such account: the very same message
    maintainer_account.sign_in(at, password="väärä salasana tämä")
    assert "Käyttäjätunnus tai salasana on väärin" in _sidebar_text(at)
    assert not _can_write(at)


def test_the_lockout_holds_in_a_new_session(app, maintainer_account):
    at = _data_page(app)
    for attempt in range(accounts.MAX_FAILURES):
        maintainer_account.sign_in(at, password=f"väärin numero {attempt}")
    assert "Tunnus on lukittu" in _sidebar_text(at) and "15 minuutin" in _sidebar_text(at)
    fresh = _data_page(AppTest.from_file(APP, default_timeout=60))  # another browser, later
    maintainer_account.sign_in(fresh)  # the right password, but the account is locked
    assert "Tunnus on lukittu" in _sidebar_text(fresh)
    assert not _can_write(fresh)
    accounts.unlock(maintainer_account.user)  # what `python -m indicators unlock` does
    maintainer_account.sign_in(fresh)
    assert _can_write(fresh)


def test_removing_the_account_or_changing_its_password_ends_the_session(app,
                                                                        maintainer_account):
    at = maintainer_account.sign_in(_data_page(app))
    assert _can_write(at)
    accounts.set_password(maintainer_account.user, "Uusi salasana syksy 2026", set_by="test")
    at.run()
    assert not _can_write(at)
    maintainer_account.password = "Uusi salasana syksy 2026"
    maintainer_account.sign_in(at)
    assert _can_write(at)
    accounts.remove(maintainer_account.user)
    at.run()
    assert not _can_write(at)


OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-not-used-here",
        "client_id": "dashboard", "client_secret": "test-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.mark.parametrize(("user", "writes", "shown"), [
    ({"is_logged_in": True, "email": " Maija.Meikalainen@OmaHame.fi"}, True,
     "Olet kirjautunut ylläpitäjänä: **maija.meikalainen@omahame.fi**"),
    ({"is_logged_in": True, "email": "liisa@example.fi"}, False,
     "Tällä tunnuksella ei ole ylläpitäjän oikeuksia"),
    ({"is_logged_in": True, "email": "maija.meikalainen@omahame.fi", "email_verified": False},
     False, "Tällä tunnuksella ei ole ylläpitäjän oikeuksia"),
])
def test_identity_provider_users_are_maintainers_only_when_listed(app, tmp_path, monkeypatch,
                                                                  user, writes, shown):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.secrets["roles"] = {"maintainers": ["maija.meikalainen@omahame.fi"]}
    app.user = user
    at = _data_page(app)
    assert _can_write(at) is writes
    assert shown in _sidebar_text(at)
    assert [b for b in at.sidebar.button if b.key == "sign_out"]


def test_the_identity_provider_button_shows_when_configured(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.user = {"is_logged_in": False}
    at = _data_page(app)
    assert not _can_write(at)
    assert [b for b in at.sidebar.button if b.label == "Kirjaudu organisaation tunnuksella"]
    assert "set-password" not in _sidebar_text(at)  # the county's sign-in is the way in


def test_a_url_cannot_grant_rights(app, maintainer_account):
    for name, value in {"role": "maintainer", "user": "maija", "admin": "1",
                        "_local_sign_in": "maija"}.items():
        app.query_params[name] = value
    at = _data_page(app)
    assert not _can_write(at)
