"""Streamlit glue, in one place: cached config and store reader, cached queries, URL state.

Query functions in `indicators.queries` stay importable without Streamlit; here they are wrapped
with `st.cache_data`, keyed by the store's version so new data shows at once after a write.
Figures are cached as plotly dicts and reach `st.plotly_chart` through `chart`, and so are the
tables, words and files a page shows: a warm rerun then only draws (issue 10's benchmark).
"""

from __future__ import annotations

import functools
import logging
import pickle
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from indicators import (
    accounts,
    audit,
    auth,
    checkins,
    glossary,
    goals,
    methods,
    omatiimi,
    phenomena,
    queries,
    review,
)
from indicators import provenance as open_data
from indicators.build import ensure_store, resync_with_config, store_matches_config
from indicators.config import Config, Phenomenon, load_config
from indicators.figures import (
    funnel_figure,
    run_chart_figure,
    series_figure,
    stacked_bars_figure,
)
from indicators.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from indicators.settings import db_path
from indicators.store import StoreError, StoreReader

CACHE_TTL_S = 3600
_LOG = logging.getLogger(__name__)
CACHE_ENTRIES = 512


@st.cache_resource(show_spinner=False)
def get_config() -> Config:
    """The validated config (raises `ConfigError`; dashboard.py turns it into a message)."""
    return load_config()


@st.cache_resource(show_spinner=False)
def _reader(path: str) -> StoreReader:
    return StoreReader(path)


_CHECKED_VERSIONS: set[str] = set()


def reader() -> StoreReader:
    """The one shared read-only store reader.

    Builds the demo store on first start, and recomputes disclosure decisions when the config
    changed since the store was written (so a raised `min_n` applies before anything is shown).
    Any failure becomes a `StoreError` with a message, never a traceback.
    """
    path = db_path()
    config = get_config()
    try:
        if not path.exists():
            ensure_store(path, config, actor=auth.system("first-start"))
        store = _reader(str(path))
        current = store.version()
        if current not in _CHECKED_VERSIONS:
            if not store_matches_config(store, config):
                resync_with_config(path, config, actor=auth.system("config-change"))
                current = store.version()
            _CHECKED_VERSIONS.add(current)
        return store
    except StoreError:
        raise
    except Exception as exc:  # DuckDB, file-system or demo-table errors: say what failed
        raise StoreError(f"{path}: {exc}") from exc


def version() -> str:
    return reader().version()


def shared(max_entries: int):
    """Caches a function whose result pages only show: one object per key, shared by every
    session, until the store changes (its version is the first argument) or an hour passes.

    For Arrow tables and figures (`shared_figure`), which st.cache_data would copy (pickle) on
    every read. Arrow tables cannot be changed at all."""
    return st.cache_resource(ttl=CACHE_TTL_S, max_entries=max_entries, show_spinner=False)


class SharedFigure(go.Figure):
    """A figure shared by every session: what it sends is fixed when it is made, and changing it
    raises (copy it first: `go.Figure(figure)`).

    st.plotly_chart sends `to_dict()`. Plotly makes that dict afresh on every call (deep copy and
    base64 arrays: 1.5 ms for a goal card, 19 cards on the goals page); here it is a copy of the
    dict taken when the figure was made, unpickled (0.1 ms). Rebuilding a `go.Figure` from a
    cached dict on every rerun, as before, cost 4 ms more."""

    def __init__(self, figure: go.Figure) -> None:
        super().__init__(figure, _validate=False)
        self._sent = pickle.dumps(super().to_dict(), protocol=pickle.HIGHEST_PROTOCOL)

    def to_dict(self) -> dict:
        return pickle.loads(self._sent)

    def _refuse(self, *args, **kwargs) -> None:
        raise TypeError("a shared figure cannot be changed: copy it first, go.Figure(figure)")

    # every change of a figure, its layout or its traces ends in one of these
    _relayout_child = _restyle_child = plotly_relayout = plotly_restyle = _refuse
    plotly_update = add_traces = __setitem__ = _refuse

    def __setattr__(self, prop: str, value: object) -> None:
        if not prop.startswith("_") and "_sent" in self.__dict__:
            self._refuse()
        super().__setattr__(prop, value)


def shared_figure(max_entries: int):
    """`shared` for a function that builds a chart: its figure becomes a `SharedFigure`."""
    def decorate(build: Callable[..., go.Figure]) -> Callable[..., SharedFigure]:
        @functools.wraps(build)
        def frozen(*args, **kwargs) -> SharedFigure:
            return SharedFigure(build(*args, **kwargs))

        return shared(max_entries)(frozen)

    return decorate


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """A table to show, converted to Arrow as st.dataframe converts a frame (the same bytes reach
    the browser). A page that shows many small tables gets them cached this way (`shared`):
    st.dataframe sends an Arrow table as it is, and it needs no copy."""
    return pa.Table.from_pandas(frame)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def store_meta(store_version: str) -> dict[str, str]:
    return queries.store_meta(reader())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def dataset_kind(store_version: str) -> str:
    return queries.dataset_kind(reader())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def provenance(store_version: str) -> pd.DataFrame:
    return queries.provenance(reader())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def import_history(store_version: str) -> pd.DataFrame:
    return queries.import_history(reader())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def audit_entries(store_version: str, limit: int) -> pd.DataFrame:
    return audit.entries(reader(), limit)


def failure_log_stamp() -> str:
    """The failed-refresh log beside the store (`provenance.failure_log_path`) changes without
    a new store version: its size and modification time join `source_status`'s cache key."""
    try:
        info = open_data.failure_log_path(db_path()).stat()
    except OSError:
        return "none"
    return f"{info.st_size}:{info.st_mtime_ns}"


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def source_status(store_version: str, failures_stamp: str) -> dict[str, dict]:
    """Each open-data source's latest refresh and its latest failed attempt after it
    (`provenance.source_status`); pass `failure_log_stamp()` as `failures_stamp`."""
    return open_data.source_status(reader(), db_path())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def source_metadata(store_version: str, indicator_id: str) -> dict | None:
    """An indicator's metadata as its open-data source gave it, or None (never fetched)."""
    return open_data.metadata_of(reader(), indicator_id)


OIDC_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret",
             "server_metadata_url")


def oidc_configured() -> bool:
    """Whether the county's identity provider is set up: an `[auth]` section in
    .streamlit/secrets.toml with every key `st.login()` needs (a half-filled section would only
    turn the sign-in button into an error)."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file, or one that does not parse
        return False
    return hasattr(section, "get") and all(section.get(key) for key in OIDC_KEYS)


def oidc_roles() -> dict:
    """Who is a maintainer among OIDC users (`[roles]` in secrets.toml, outside git: people's
    addresses do not belong in the repository): `maintainers` (e-mails), `subjects` (`sub`
    claims) and `trust_unverified_email`."""
    try:
        roles = st.secrets.get("roles", {})
    except Exception:
        return {}
    if not hasattr(roles, "get"):
        return {}

    def listed(name: str) -> list[str]:
        value = roles.get(name, [])
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    return {"maintainer_emails": listed("maintainers"),
            "maintainer_subjects": listed("subjects"),
            "trust_unverified_email": roles.get("trust_unverified_email") is True}


_SIGNED_IN = "_local_sign_in"


def principal() -> auth.Principal:
    """Who uses this session: a local maintainer account signed in here, else the OIDC user
    (a maintainer when listed), else an anonymous viewer. A local sign-in ends as soon as the
    account is removed or its password replaced (checked on every run)."""
    signed = st.session_state.get(_SIGNED_IN)
    if signed is not None:
        if accounts.still_valid(signed["user"], signed["set_at"]):
            return auth.maintainer(f"local:{signed['user']}")
        st.session_state.pop(_SIGNED_IN, None)
    if oidc_configured():
        try:
            claims = st.user.to_dict()
        except Exception:
            claims = {}
        return auth.principal_from_claims(claims, **oidc_roles())
    return auth.VIEWER


def writes_enabled() -> bool:
    """Whether this session may change data (import, rollback, check-ins): maintainers only.
    Pages hide write controls when false; the write functions refuse viewers anyway."""
    return principal().can_write


def sign_in_local(username: str, password: str) -> accounts.SignInResult:
    """Check a local account's password and, when right, sign this session in."""
    result = accounts.sign_in(username, password)
    if result.outcome == "ok":
        st.session_state[_SIGNED_IN] = {"user": accounts.normalise_username(username),
                                        "set_at": result.set_at}
    return result


def sign_out() -> None:
    """End this session's sign-in (a local account here; an OIDC session via `st.logout`)."""
    had_local = st.session_state.pop(_SIGNED_IN, None) is not None
    if not had_local and oidc_configured() and st.user.is_logged_in:
        st.logout()


def account_control() -> None:
    """'Ylläpitäjille' in the sidebar: sign in (the county's identity provider and/or a local
    maintainer account), who is signed in, and sign out. Viewing never needs it."""
    lang = current_language()
    who = principal()
    signed_in = who != auth.VIEWER  # a maintainer, or someone signed in through OIDC as viewer
    label = (t("auth.title_signed_in", lang, name=display_name(who)) if signed_in
             else t("auth.title", lang))
    welcome = st.session_state.pop(_WELCOME, None)
    if welcome and who.can_write:  # once, outside the (now renamed, so closed) expander
        st.sidebar.success(t("auth.welcome", lang, name=welcome), icon=":material/check_circle:")
    with st.sidebar.expander(label, icon=":material/key:", expanded=False):
        if signed_in:
            key = "auth.signed_in" if who.can_write else "auth.signed_in_viewer"
            st.markdown(t(key, lang, name=display_name(who)))
            if st.button(t("auth.sign_out", lang), icon=":material/logout:", key="sign_out"):
                sign_out()
                st.rerun()
            return
        st.markdown(f":small[{t('auth.intro', lang)}]")
        if oidc_configured() and st.button(t("auth.oidc_button", lang),
                                           icon=":material/badge:", key="sign_in_oidc"):
            try:
                st.login()
            except Exception as exc:  # e.g. the provider's metadata URL is wrong
                _LOG.error("OIDC sign-in could not start: %s", type(exc).__name__)
                st.error(t("auth.oidc_failed", lang), icon=":material/error:")
        if not accounts.any_accounts():
            if not oidc_configured():
                st.markdown(f":small[{t('auth.no_accounts', lang)}]")
            return
        with st.form("sign_in", clear_on_submit=True, border=False):
            username = st.text_input(t("auth.username", lang), max_chars=64,
                                     autocomplete="username", key="sign_in_user")
            password = st.text_input(t("auth.password", lang), type="password",
                                     max_chars=accounts.MAX_PASSWORD,
                                     autocomplete="current-password", key="sign_in_password")
            submitted = st.form_submit_button(t("auth.submit", lang), icon=":material/login:")
        if submitted:
            st.session_state.pop("sign_in_password", None)  # not kept after a failed attempt
            result = sign_in_local(username or "", password or "")
            if result.outcome == "ok":  # draw the sidebar and the page again as a maintainer
                st.session_state[_WELCOME] = display_name(result.principal)
                st.rerun()
            show_sign_in_problem(result, lang)


_WELCOME = "_signed_in_now"


def show_sign_in_problem(result: accounts.SignInResult, lang: str) -> None:
    """A wrong password, an unknown user name and a locked account get one message: telling
    them apart would tell a guesser which user names exist."""
    if result.outcome == "unavailable":
        st.error(t("auth.unavailable", lang), icon=":material/error:")
    else:
        st.error(t("auth.refused", lang, failures=accounts.MAX_FAILURES,
                   minutes=int(accounts.LOCKOUT.total_seconds() // 60)),
                 icon=":material/error:")


def display_name(who: auth.Principal) -> str:
    """A principal's name without its kind prefix ('local:maija' → 'maija')."""
    return who.name.split(":", 1)[-1]


def save_upload(name: str, data: bytes) -> Path:
    """An uploaded file in a private temporary directory (kept for this session only)."""
    directory = Path(st.session_state.setdefault("_upload_dir", tempfile.mkdtemp(prefix="upl-")))
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-120:] or "upload"
    path = directory / safe
    path.write_bytes(data)
    return path


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def funnel_points(store_version: str, indicator_id: str, area_codes: tuple[str, ...],
                  target_area: str, level: str) -> tuple[pd.DataFrame, str | None, float]:
    indicator = get_config().indicators[indicator_id]
    return queries.funnel_points(reader(), indicator, area_codes, target_area, level)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def arkitiimi_brief(store_version: str, phenomenon_id: str, municipality: str, lang: str):
    from indicators.brief import build_brief

    config = get_config()
    phenomenon = next(p for p in config.phenomena if p.id == phenomenon_id)
    return build_brief(reader(), config, phenomenon, municipality, lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def arkitiimi_files(store_version: str, phenomenon_id: str, municipality: str,
                    lang: str) -> tuple[str, bytes]:
    """The Arkitiimi brief's downloads: the printable HTML page and the CSV tables."""
    from indicators.brief import brief_csv, brief_html

    brief = arkitiimi_brief(store_version, phenomenon_id, municipality, lang)
    return brief_html(brief, lang), brief_csv(brief, lang)


def _phenomenon(config: Config, phenomenon_id: str) -> Phenomenon:
    return next(p for p in config.phenomena if p.id == phenomenon_id)


def _municipalities(config: Config) -> tuple[str, ...]:
    return tuple(code for code, area in config.areas.items() if area.level == "municipality")


def _phenomenon_series(store_version: str, indicator_id: str, area: str) -> pd.DataFrame:
    """One area's series as a phenomenon's run chart reads it (totals, the finest level)."""
    indicator = get_config().indicators[indicator_id]
    return series(store_version, indicator_id, (area,), "total", "total",
                  phenomena.chart_level(indicator))


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def phenomenon_verdict(store_version: str, phenomenon_id: str, indicator_id: str,
                       area: str) -> phenomena.Verdict:
    """The run-chart verdict of one indicator in one area, after the phenomenon's first action."""
    config = get_config()
    return phenomena.verdict_for(_phenomenon_series(store_version, indicator_id, area),
                                 config.indicators[indicator_id],
                                 _phenomenon(config, phenomenon_id).first_action_start())


@shared_figure(max_entries=128)
def run_chart(store_version: str, phenomenon_id: str, indicator_id: str, area: str,
              lang: str) -> go.Figure:
    """An indicator's run chart on the phenomena page: median, flagged points, actions."""
    config = get_config()
    median, highlight = phenomena.chart_marks(
        phenomenon_verdict(store_version, phenomenon_id, indicator_id, area))
    return run_chart_figure(_phenomenon_series(store_version, indicator_id, area),
                            config.indicators[indicator_id], config.areas[area].name(lang),
                            median, phenomena.action_lines(_phenomenon(config, phenomenon_id),
                                                           lang),
                            highlight, lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def funnel_view(store_version: str, indicator_id: str,
                lang: str) -> phenomena.FunnelView | None:
    """The municipalities' funnel plot of an indicator against the county (None: no figures)."""
    config = get_config()
    indicator = config.indicators[indicator_id]
    municipalities = _municipalities(config)
    points, period, target = funnel_points(store_version, indicator_id, municipalities,
                                           config.county_code, phenomena.funnel_level(indicator))
    names = {code: config.areas[code].name(lang) for code in municipalities}
    return phenomena.funnel_view(points, period, target, indicator, names, lang)


@shared_figure(max_entries=128)
def funnel_chart(store_version: str, indicator_id: str, area: str, lang: str) -> go.Figure:
    """The funnel plot of `funnel_view`, with `area` marked (needs a view that is not None)."""
    config = get_config()
    view = funnel_view(store_version, indicator_id, lang)
    if view is None:
        raise ValueError(f"{indicator_id} has no funnel plot")
    names = {code: config.areas[code].name(lang) for code in _municipalities(config)}
    return funnel_figure(view.points, config.indicators[indicator_id], view.target,
                         config.areas[config.county_code].short(lang), names, area,
                         lang)


def forget_upload(path: Path) -> None:
    path.unlink(missing_ok=True)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def period_levels(store_version: str, indicator_id: str) -> list[str]:
    return queries.period_levels(reader(), indicator_id)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def series(store_version: str, indicator_id: str, area_codes: tuple[str, ...], sex: str,
           grp: str, level: str | None) -> pd.DataFrame:
    indicator = get_config().indicators[indicator_id]
    return queries.series(reader(), indicator, area_codes, sex=sex, grp=grp, level=level)


@shared_figure(max_entries=128)
def series_chart(store_version: str, indicator_id: str, area_codes: tuple[str, ...], sex: str,
                 grp: str, level: str | None, lang: str) -> go.Figure:
    """The indicator page's chart: `series` of the areas that have figures, in their order."""
    config = get_config()
    frame = series(store_version, indicator_id, area_codes, sex, grp, level)
    shown = set(frame["area_code"])
    names = {code: config.areas[code].name(lang) for code in area_codes if code in shown}
    return series_figure(frame, config.indicators[indicator_id], names, lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def latest(store_version: str, indicator_id: str, area_codes: tuple[str, ...], sex: str,
           grp: str, level: str | None) -> list[queries.Latest]:
    indicator = get_config().indicators[indicator_id]
    return queries.latest(reader(), indicator, area_codes, sex=sex, grp=grp, level=level)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def export_frame(store_version: str, indicator_id: str, area_code: str | None,
                 lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    config = get_config()
    return queries.export_frame(reader(), config, config.indicators[indicator_id], area_code,
                                lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def export_csv(store_version: str, indicator_id: str, area_code: str | None,
               lang: str = DEFAULT_LANGUAGE) -> bytes:
    """`export_frame` as the indicator page's CSV download for Excel."""
    from indicators.downloads import to_excel_csv

    return to_excel_csv(export_frame(store_version, indicator_id, area_code, lang), lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def omatiimi_cards(store_version: str, area_codes: tuple[str, ...]
                   ) -> tuple[str | None, list[omatiimi.Card]]:
    return omatiimi.quarter_cards(reader(), get_config(), area_codes)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def group_cells(store_version: str, indicator_id: str, area_codes: tuple[str, ...],
                level: str | None) -> pd.DataFrame:
    indicator = get_config().indicators[indicator_id]
    return queries.group_cells(reader(), indicator, area_codes, level)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=128, show_spinner=False)
def omatiimi_trend(store_version: str, indicator_id: str, area: str,
                   lang: str) -> omatiimi.TrendView:
    """One area's monthly trend of an Omatiimi indicator: signals, table and download."""
    monthly = series(store_version, indicator_id, (area,), "total", "total", "month")
    return omatiimi.trend_view(monthly, get_config().indicators[indicator_id], lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=128, show_spinner=False)
def omatiimi_groups(store_version: str, indicator_id: str, area: str, level: str,
                    lang: str) -> omatiimi.GroupView:
    """One area's grouped counts (lead time, participants) as tables."""
    cells = group_cells(store_version, indicator_id, (area,), level)
    return omatiimi.group_view(cells, get_config().indicators[indicator_id], lang)


def _omatiimi_compared(store_version: str, indicator_id: str, area_codes: tuple[str, ...],
                       level: str) -> pd.DataFrame:
    """The areas' series with the volume the comparison shows beside the rate."""
    return omatiimi.with_volume(series(store_version, indicator_id, area_codes, "total", "total",
                                       level), get_config().indicators[indicator_id])


@st.cache_data(ttl=CACHE_TTL_S, max_entries=128, show_spinner=False)
def omatiimi_compare(store_version: str, indicator_id: str, area_codes: tuple[str, ...],
                     level: str, lang: str) -> omatiimi.CompareView:
    """An Omatiimi indicator's areas side by side (short names), in words and as a table."""
    config = get_config()
    indicator = config.indicators[indicator_id]
    compared = _omatiimi_compared(store_version, indicator_id, area_codes, level)
    return omatiimi.compare_view(compared, indicator,
                                 {c: config.areas[c].short(lang) for c in area_codes}, lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def omatiimi_rollout(store_version: str, lang: str) -> pd.DataFrame:
    """The rollout table. It comes from the config, which the server reads once (`get_config`),
    so the store's version is key enough."""
    return omatiimi.rollout_table(get_config(), lang)


@shared_figure(max_entries=128)
def omatiimi_trend_chart(store_version: str, indicator_id: str, area: str,
                         lang: str) -> go.Figure:
    """One area's monthly control chart of an Omatiimi indicator, with the rollout on it."""
    config = get_config()
    monthly = series(store_version, indicator_id, (area,), "total", "total", "month")
    return omatiimi.trend_figure(monthly, config.indicators[indicator_id],
                                 config.areas[area].name(lang),
                                 omatiimi.rollout_events(config, area, lang), lang)


@shared_figure(max_entries=128)
def group_bars_chart(store_version: str, indicator_id: str, area: str, level: str, share: bool,
                     lang: str) -> go.Figure:
    """One area's grouped counts as stacked bars (shares of the total when `share`); monthly
    bars carry the rollout events."""
    config = get_config()
    grouped = config.indicators[indicator_id]
    cells = group_cells(store_version, indicator_id, (area,), level)
    events = omatiimi.rollout_events(config, area, lang) if level == "month" else []
    return stacked_bars_figure(cells, grouped, config.areas[area].name(lang),
                               groups=[(g.code, g.name.get(lang)) for g in grouped.groups],
                               share=share, events=events, lang=lang)


@shared_figure(max_entries=128)
def omatiimi_compare_chart(store_version: str, indicator_id: str, area_codes: tuple[str, ...],
                           level: str, lang: str) -> go.Figure:
    """An Omatiimi indicator's series of several areas side by side (short names)."""
    config = get_config()
    indicator = config.indicators[indicator_id]
    compared = _omatiimi_compared(store_version, indicator_id, area_codes, level)
    noun = omatiimi.volume_noun(indicator)
    return series_figure(compared, indicator, {c: config.areas[c].short(lang) for c in area_codes},
                         lang, volume_label=t(f"omatiimi.volume_label.{noun}", lang)
                         if noun else None)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def goal_results(store_version: str) -> list[goals.KeyResultProgress]:
    """Every key result evaluated on the store's public figures (frozen dataclasses)."""
    return goals.evaluate(reader(), get_config())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=8, show_spinner=False)
def method_examples(store_version: str, today: date) -> methods.Examples:
    """The methods page's worked examples, computed from the store's public figures."""
    return methods.examples(reader(), get_config(), goal_results(store_version), today)


def explain(topics: Sequence[str], lang: str) -> None:
    """'Mitä tämä tarkoittaa?' beside a chart or a status: each topic's short note in plain
    words and a link to its full method note (a new tab, so the view here stays as it is)."""
    # the label names the topics: several boxes on one page must not sound alike to a screen
    # reader (WCAG 2.4.6)
    label = t("methods.explain.label", lang, title=t("methods.explain.title", lang),
              topics=", ".join(t(f"methods.{topic}.label", lang) for topic in topics))
    with st.expander(label, icon=":material/help:"):
        for topic in topics:
            st.markdown(f"**{t(f'methods.{topic}.title', lang)}.** "
                        f"{t(f'methods.{topic}.short', lang)}")
            st.markdown(methods.note_link(topic, lang))


def scroll_to(anchor: str) -> None:
    """Scroll the page to the element with id `anchor` once it has been drawn (call after it).
    Only a plain identifier is accepted: the anchor is written into a script."""
    import json
    import re

    if not re.fullmatch(r"[a-z0-9_-]{1,64}", anchor):
        raise ValueError(f"not an anchor: {anchor!r}")
    st.html(f"<script>document.getElementById({json.dumps(anchor)})?.scrollIntoView();</script>",
            unsafe_allow_javascript=True)


def glossary_list(keys: Sequence[str], lang: str) -> None:
    """Terms and their definitions as an HTML definition list whose terms carry the anchors the
    linked words point to (`#term-omatiimi`): a click on a word scrolls here."""
    from html import escape

    items = []
    for key in keys:
        term = glossary.term(key, lang)
        items.append(f'<dt id="{glossary.anchor(key)}" style="font-weight:600;margin-top:0.6em">'
                     f"{escape(term.name)}</dt><dd style='margin-left:1.2em'>"
                     f"{escape(term.definition)}</dd>")
    st.html(f'<dl style="margin:0">{"".join(items)}</dl>')


def glossary_footer(linker: glossary.TermLinker, lang: str) -> None:
    """The end of a page: the glossary words its texts linked, with their definitions, and a
    link to the whole glossary (nothing when the page linked none)."""
    if not linker.used:
        return
    st.divider()
    st.subheader(t("methods.glossary.on_page", lang), anchor="page-terms")
    glossary_list(linker.used, lang)
    st.markdown(f"[{t('methods.glossary.all', lang)}]({methods.methods_href('glossary', lang)})")


def _key_result(store_version: str, key_result_id: str) -> goals.KeyResultProgress:
    return next(r for r in goal_results(store_version) if r.key_result_id == key_result_id)


def _pack_item(store_version: str, area_code: str, quarter: str,
               key_result_id: str) -> review.KeyResultItem:
    """A key result as a review pack holds it (as the figures stood at the quarter's end)."""
    pack = review_pack(store_version, area_code, quarter)
    return next(i for i in pack.key_results if i.result.key_result_id == key_result_id)


@shared_figure(max_entries=256)
def goal_figure(store_version: str, key_result_id: str, lang: str) -> go.Figure:
    """A key result's card chart: building a figure costs ~30 ms and the goals page draws one per
    key result, so the page reuses them until the store changes."""
    from indicators.goal_figures import key_result_figure

    result = _key_result(store_version, key_result_id)
    return key_result_figure(result, get_config(), lang)


@shared(max_entries=256)
def goal_table(store_version: str, key_result_id: str, lang: str) -> pa.Table:
    """A key result's chart as a table (`goal_figures.key_result_table`), for its card."""
    from indicators.goal_figures import key_result_table

    result = _key_result(store_version, key_result_id)
    return arrow_table(key_result_table(result, get_config(), lang))


@shared_figure(max_entries=128)
def review_figure(store_version: str, area_code: str, quarter: str, key_result_id: str,
                  lang: str) -> go.Figure:
    """A key result's chart in a review pack: as the figures stood at the quarter's end."""
    from indicators.goal_figures import key_result_figure

    item = _pack_item(store_version, area_code, quarter, key_result_id)
    return key_result_figure(item.result, get_config(), lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=32, show_spinner=False)
def review_tables(store_version: str, area_code: str, quarter: str,
                  lang: str) -> dict[str, pd.DataFrame]:
    """The review page's section tables, with their links (`review_texts.page_tables`)."""
    from indicators.review_texts import page_tables

    return page_tables(review_pack(store_version, area_code, quarter), get_config(), lang)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=128, show_spinner=False)
def review_chart_words(store_version: str, area_code: str, quarter: str, key_result_id: str,
                       lang: str) -> tuple[str, pd.DataFrame]:
    """A key result's chart in a review pack in words and as a table."""
    from indicators.goal_figures import key_result_table, key_result_text

    config = get_config()
    item = _pack_item(store_version, area_code, quarter, key_result_id)
    return (key_result_text(item.result, config, lang),
            key_result_table(item.result, config, lang))


@st.cache_data(ttl=CACHE_TTL_S, max_entries=32, show_spinner=False)
def review_pack(store_version: str, area_code: str, quarter: str) -> review.ReviewPack:
    return review.build_pack(reader(), get_config(), area_code, quarter)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def review_quarters(store_version: str) -> list[str]:
    return review.quarters(reader(), get_config())


def review_file(area_code: str, quarter: str, fmt: str, lang: str):
    """A callable that makes one file of the pack when its download button is pressed (Streamlit
    runs it on another thread: it holds the reader and config, and touches no Streamlit state)."""
    from indicators.review_export import pack_bytes

    store, config = reader(), get_config()

    def make() -> bytes:
        return pack_bytes(review.build_pack(store, config, area_code, quarter), config, fmt, lang)

    return make


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def checkin_history(store_version: str) -> pd.DataFrame:
    return checkins.history(reader())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def latest_checkins(store_version: str) -> dict[str, dict[str, object]]:
    """Each key result's newest check-in (`checkins.latest_by_key_result`)."""
    return checkins.latest_by_key_result(checkin_history(store_version))


@shared(max_entries=256)
def goal_checkins(store_version: str, key_result_id: str, lang: str) -> tuple[str, pa.Table]:
    """A key result's check-ins on its card: the confidence by quarter in words, and the table."""
    from indicators.goal_texts import checkin_table, confidence_items

    history = checkin_history(store_version)
    rows = history[history["key_result_id"] == key_result_id]
    return confidence_items(rows, lang), arrow_table(checkin_table(rows, lang))


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def checkins_csv(store_version: str, key_result_ids: tuple[str, ...], lang: str) -> bytes:
    """The check-ins of the key results shown, as the goals page's CSV download."""
    from indicators.downloads import to_excel_csv
    from indicators.goal_export import checkin_frame

    return to_excel_csv(checkin_frame(checkin_history(store_version), list(key_result_ids)),
                        lang)


def save_checkin(checkin: checkins.CheckIn) -> int:
    """Store a check-in as this session's principal (raises `checkins.CheckInError`, or
    `auth.NotAllowedError` for a viewer); cached reads follow the new store version."""
    return checkins.save(db_path(), checkin, get_config(), actor=principal())


# Query parameters that follow the user from page to page: Streamlit's page menu drops the query
# string, so the entrypoint puts these back (a page that has no use for one just leaves it be).
CARRIED_PARAMS = ("lang", "area", "indicator")
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
LANGUAGE_LABEL = "Kieli · Språk · Language"  # in all three, so anyone finds the switch


def carry_params() -> None:
    """Put back the carried parameters a page switch dropped from the URL (call before any page
    reads the URL). Values that came back this way are remembered, so a page for which one is
    not valid (an Omatiimi page given a school-survey indicator) quietly uses its default."""
    restored = []
    for param in CARRIED_PARAMS:
        kept = st.session_state.get(f"_carry_{param}")
        if kept and param not in st.query_params:
            st.query_params[param] = kept
            restored.append(param)
    st.session_state["_carried_now"] = tuple(restored)


def remember_param(param: str, value: str) -> None:
    """Remember a valid choice of a carried parameter for the next page switch."""
    if param in CARRIED_PARAMS:
        st.session_state[f"_carry_{param}"] = value


def url_choice(param: str, options: Sequence[str], default: str, *, label: str,
               format_func: Callable[[str], str] = str, container=None,
               unknown_message: Callable[[str], str] | None = None,
               widget: str = "selectbox") -> str:
    """A selectbox (or radio) whose value lives in the URL (`?param=value`) so a link
    reproduces the view.

    A value in the URL that differs from the one this session last wrote (a shared link, a
    click-through) wins over the widget's state; an unknown value shows `unknown_message` (by
    default one naming the value, the choice and the default) and falls back to `default`
    instead of failing: never silently. A carried value (see `carry_params`) that this
    page does not offer falls back silently and stays remembered for the pages that do.
    """
    container = container or st
    key = f"url_{param}"
    written_key = f"_url_written_{param}"
    raw = st.query_params.get(param)
    written = st.session_state.get(written_key)
    carried_miss = False
    if raw is not None and not raw.strip():
        raw = None  # `?area=`: as if not given
    if raw is not None and raw not in options:
        carried_miss = param in st.session_state.get("_carried_now", ())
        if not carried_miss and raw != written:  # a link or an edited address: really fall back
            message = unknown_message or (lambda value: t(
                "url.unknown_choice", current_language(), value=value, label=label,
                default=format_func(default)))
            container.warning(message(shown_safely(raw)), icon=":material/link_off:")
            st.session_state[key] = default
        raw = None
    # The URL wins when it differs from what this session last wrote (a link), and also when the
    # widget has no state: a page that does not draw it lets Streamlit forget it, so coming back
    # to the page, the carried value is the choice to restore.
    if raw is not None and (raw != written or st.session_state.get(key) not in options):
        st.session_state[key] = raw
    elif st.session_state.get(key) not in options:
        st.session_state[key] = default
    if widget == "radio":
        value = container.radio(label, list(options), key=key, format_func=format_func,
                                horizontal=True)
    else:
        value = container.selectbox(label, list(options), key=key, format_func=format_func,
                                    placeholder=t("sidebar.placeholder", current_language()))
    st.query_params[param] = value
    st.session_state[written_key] = value
    if not (carried_miss and value == default):
        remember_param(param, value)
    return value


def shown_safely(value: str, limit: int = 40) -> str:
    """A value from the URL as inert text: no Markdown, links or HTML can ride in on a link."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "?" for ch in value[:limit])
    return f"`{cleaned}`" + ("…" if len(value) > limit else "")


def current_language() -> str:
    """The language of this run: `?lang=fi|sv|en` from a link or an edited address, else the
    language switch's choice, else Finnish. Resolved the way `url_choice` resolves any
    parameter, so the title set before the switch is drawn already has the right language."""
    raw = st.query_params.get("lang")
    if raw is not None and raw != st.session_state.get("_url_written_lang"):
        return raw if raw in LANGUAGES else DEFAULT_LANGUAGE  # unknown: Finnish, as it says
    chosen = st.session_state.get("url_lang")
    if chosen in LANGUAGES:
        return chosen
    return raw if raw in LANGUAGES else DEFAULT_LANGUAGE


def language_control() -> str:
    """The language switch (suomi · svenska · English) in the sidebar, kept in `?lang=`."""
    return url_choice("lang", LANGUAGES, DEFAULT_LANGUAGE, label=LANGUAGE_LABEL,
                      format_func=LANGUAGE_NAMES.__getitem__, container=st.sidebar,
                      widget="radio",
                      unknown_message=lambda code: t("url.unknown_language", DEFAULT_LANGUAGE,
                                                     code=code))


def set_document_language(lang: str) -> None:
    """Streamlit serves `<html lang="en">` whatever the content: set the real language so screen
    readers pronounce Finnish as Finnish (WCAG 3.1.1). Runs in the page itself, not in a frame."""
    st.html(f"<script>document.documentElement.lang = {lang!r};</script>",
            unsafe_allow_javascript=True)


def ensure_entrypoint() -> None:
    """Make sure a page runs inside dashboard.py's navigation, never alone.

    Streamlit treats a `pages/` folder beside the entrypoint as a legacy multipage app until the
    entrypoint first calls `st.navigation`. If a shared link such as `/indicator?…` is the server
    process's first request, the page script would run alone: no area selector, no demo label.
    Page hashes derive from `url_path`, so turning the legacy mode off and rerunning lands on the
    same page, now through the entrypoint. (Reads a Streamlit internal; tested in the browser.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def share_link(page_path: str) -> str:
    """The address of the current view: the browser's own address (scheme, host, page) and the
    view's query parameters, so a colleague opening it sees the same view."""
    from urllib.parse import urlencode

    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # no browser session (AppTest)
        base = ""
    if not base:
        base = "/" + page_path.strip("/")
    params = {key: st.query_params.get(key) for key in st.query_params}
    query = urlencode({k: v for k, v in params.items() if v})
    return base + (f"?{query}" if query else "")


def share_control(page_path: str) -> None:
    """'Jaa tämä näkymä': the link in a copyable code box (copy button, or select the text)."""
    with st.sidebar.expander(t("share.title", current_language()), icon=":material/link:"):
        # plain text, not a caption: grey caption text on the grey sidebar is below 4.5:1
        st.markdown(f":small[{t('share.help', current_language())}]")
        st.code(share_link(page_path), language=None, wrap_lines=True)


def link_params(params: dict[str, str]) -> dict[str, str]:
    """Query parameters of a link to another page, with the current language, so a link opened
    in a new tab (a new session) keeps it too."""
    return {**params, "lang": current_language()}
