"""Streamlit glue, in one place: cached config and store reader, cached queries, URL state.

Query functions in `indicators.queries` stay importable without Streamlit; here they are wrapped
with `st.cache_data`, keyed by the store's version so new data shows at once after a write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from indicators import queries
from indicators.build import ensure_store
from indicators.config import Config, load_config
from indicators.i18n import t
from indicators.settings import db_path
from indicators.store import StoreReader

CACHE_TTL_S = 3600
CACHE_ENTRIES = 512


@st.cache_resource(show_spinner=False)
def get_config() -> Config:
    """The validated config (raises `ConfigError`; dashboard.py turns it into a message)."""
    return load_config()


@st.cache_resource(show_spinner=False)
def _reader(path: str) -> StoreReader:
    return StoreReader(path)


def reader() -> StoreReader:
    """The one shared read-only store reader; builds the demo store on first start."""
    path = db_path()
    if not path.exists():
        ensure_store(path, get_config(), actor="system:first-start")
    return _reader(str(path))


def version() -> str:
    return reader().version()


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def store_meta(store_version: str) -> dict[str, str]:
    return queries.store_meta(reader())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def period_levels(store_version: str, indicator_id: str) -> list[str]:
    return queries.period_levels(reader(), indicator_id)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def series(store_version: str, indicator_id: str, area_codes: tuple[str, ...], sex: str,
           grp: str, level: str | None) -> pd.DataFrame:
    indicator = get_config().indicators[indicator_id]
    return queries.series(reader(), indicator, area_codes, sex=sex, grp=grp, level=level)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_ENTRIES, show_spinner=False)
def latest(store_version: str, indicator_id: str, area_codes: tuple[str, ...], sex: str,
           grp: str, level: str | None) -> list[queries.Latest]:
    indicator = get_config().indicators[indicator_id]
    return queries.latest(reader(), indicator, area_codes, sex=sex, grp=grp, level=level)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=64, show_spinner=False)
def export_frame(store_version: str, indicator_id: str, area_code: str | None) -> pd.DataFrame:
    config = get_config()
    return queries.export_frame(reader(), config, config.indicators[indicator_id], area_code)


def url_choice(param: str, options: Sequence[str], default: str, *, label: str,
               format_func: Callable[[str], str] = str, container=None,
               unknown_message: Callable[[str], str] | None = None) -> str:
    """A selectbox whose value lives in the URL (`?param=value`) so a link reproduces the view.

    A value in the URL that differs from the one this session last wrote (a shared link, a
    click-through) wins over the widget's state; an unknown value shows `unknown_message` and
    falls back to `default` instead of failing.
    """
    container = container or st
    key = f"url_{param}"
    written_key = f"_url_written_{param}"
    raw = st.query_params.get(param)
    if raw is not None and raw not in options:
        if unknown_message is not None:
            container.warning(unknown_message(raw), icon=":material/link_off:")
        raw = None
    if raw is not None and raw != st.session_state.get(written_key):
        st.session_state[key] = raw
    elif st.session_state.get(key) not in options:
        st.session_state[key] = default
    value = container.selectbox(label, list(options), key=key, format_func=format_func,
                                placeholder=t("sidebar.placeholder", current_language()))
    st.query_params[param] = value
    st.session_state[written_key] = value
    return value


def current_language() -> str:
    """Finnish for now; the language issue adds `?lang=fi|sv|en`."""
    return "fi"


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
