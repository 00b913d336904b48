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


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.sidebar.error]


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(app, maintainer_account):
    at = _data_page(app)
    maintainer_account.sign_in(at, password="väärä salasana tämä")
    wrong = _errors(at)
    assert len(wrong) == 1 and "käyttäjätunnus tai salasana on väärin" in wrong[0]
    assert "5 peräkkäisen" in wrong[0]
    assert not _can_write(at)
    kept = {key: repr(at.session_state[key]) for key in at.session_state}
    assert not [k for k, v in kept.items() if "väärä salasana" in v]  # the form was cleared
    maintainer_account.user = "pekka"  # no such account: the very same message
    maintainer_account.sign_in(at, password="väärä salasana tämä")
    assert _errors(at) == wrong
    assert not _can_write(at)


def test_the_lockout_holds_in_a_new_session_and_looks_like_a_wrong_password(
        app, maintainer_account):
    at = _data_page(app)
    for attempt in range(accounts.MAX_FAILURES - 1):
        maintainer_account.sign_in(at, password=f"väärin numero {attempt}")
    wrong = _errors(at)
    maintainer_account.sign_in(at, password="väärin viimeisen kerran")
    assert _errors(at) == wrong  # locked now, but a guesser cannot tell
    [status] = accounts.statuses()
    assert status.locked_until is not None
    fresh = _data_page(AppTest.from_file(APP, default_timeout=60))  # another browser, later
    maintainer_account.sign_in(fresh)  # the right password, but the account is locked
    assert _errors(fresh) == wrong
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
    # a provider that does not say the address is verified (a guest account could carry it)
    ({"is_logged_in": True, "email": "maija.meikalainen@omahame.fi"},
     False, "Tällä tunnuksella ei ole ylläpitäjän oikeuksia"),
    # listed by the token's subject: trusted whatever the e-mail says
    ({"is_logged_in": True, "email": "m.m@omahame.fi", "sub": "00u-maija-7f3a"}, True,
     "Olet kirjautunut ylläpitäjänä: **m.m@omahame.fi**"),
])
def test_identity_provider_users_are_maintainers_only_when_listed(app, tmp_path, monkeypatch,
                                                                  user, writes, shown):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.secrets["roles"] = {"maintainers": ["maija.meikalainen@omahame.fi"],
                            "subjects": ["00u-maija-7f3a"]}
    app.user = {**user, "email_verified": user.get("email_verified", True)} if writes else user
    at = _data_page(app)
    assert _can_write(at) is writes
    assert shown in _sidebar_text(at)
    at.button(key="sign_out").click().run()  # st.logout: the identity is gone
    assert not at.exception
    assert not _can_write(at)
    assert not [b for b in at.sidebar.button if b.key == "sign_out"]


def test_an_unverified_provider_can_be_trusted_only_knowingly(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.secrets["roles"] = {"maintainers": ["maija@omahame.fi"],
                            "trust_unverified_email": True}
    app.user = {"is_logged_in": True, "email": "maija@omahame.fi"}  # no email_verified claim
    assert _can_write(_data_page(app))


def test_a_half_configured_provider_shows_no_button_that_would_fail(app, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = {key: value for key, value in OIDC.items() if key != "client_secret"}
    at = _data_page(app)
    assert not [b for b in at.sidebar.button if b.key == "sign_in_oidc"]
    assert "set-password" in _sidebar_text(at)


def test_viewers_see_who_changed_things_only_as_a_role(app, maintainer_account):
    at = maintainer_account.sign_in(_data_page(app))
    trail = next(d.value for d in at.dataframe if "Muutos" in d.value.columns)
    assert "test:fixture" in set(trail["Tekijä"])  # maintainers see the names
    at.button(key="sign_out").click().run()
    for frame in (d.value for d in at.dataframe):
        for column in ("Tekijä",):
            if column in frame.columns:
                assert set(frame[column]) <= {"ylläpitäjä", "järjestelmä"}, frame[column]
    shown = "\n".join(str(d.value.to_dict()) for d in at.dataframe)
    assert "test:fixture" not in shown and "maija" not in shown


def test_the_identity_provider_button_shows_when_configured(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_ACCOUNTS", str(tmp_path / "none.json"))
    app.secrets["auth"] = OIDC
    app.user = {"is_logged_in": False}
    at = _data_page(app)
    assert not _can_write(at)
    assert [b for b in at.sidebar.button if b.label == "Kirjaudu organisaation tunnuksella"]
    assert "set-password" not in _sidebar_text(at)  # the county's sign-in is the way in
