"""Entry point: `streamlit run dashboard.py`. Page registry, area selector, demo label."""

from __future__ import annotations

import streamlit as st

from indicators import timing
from indicators.app_icon import app_icon
from indicators.config import ConfigError
from indicators.i18n import t
from indicators.settings import config_dir
from indicators.store import StoreError
from indicators.ui_text import (
    area_option_label,
    as_of_text,
    config_error_lines,
    store_error_text,
)
from indicators.webapp import (
    account_control,
    carry_params,
    current_language,
    dataset_kind,
    get_config,
    language_control,
    reader,
    set_document_language,
    share_control,
    store_meta,
    url_choice,
)

run_started = timing.start()  # None unless env DASHBOARD_TIMING_LOG is set (benchmark)
carry_params()  # the page menu drops the query string: language, area and indicator come back
lang = current_language()
st.set_page_config(page_title=t("app.title", lang), page_icon=app_icon(), layout="wide",
                   initial_sidebar_state="auto")
set_document_language(lang)

try:
    config = get_config()
except ConfigError as exc:
    st.error(t("config.invalid_title", lang), icon=":material/error:")
    for line in config_error_lines(exc, lang):
        st.markdown(line)
    st.caption(t("config.invalid_help", lang, root=str(config_dir())))
    st.stop()

try:
    with st.spinner(t("store.building", lang)):
        store = reader()
    meta = store_meta(store.version())
except StoreError as exc:
    st.error(store_error_text(exc, lang), icon=":material/error:")
    st.stop()

PAGES = {
    "overview": st.Page("pages/overview.py", title=t("nav.overview", lang), url_path="overview",
                        icon=":material/dashboard:", default=True),
    "goals": st.Page("pages/goals.py", title=t("nav.goals", lang), url_path="goals",
                     icon=":material/flag:"),
    "review": st.Page("pages/review.py", title=t("nav.review", lang), url_path="review",
                      icon=":material/event_note:"),
    "indicator": st.Page("pages/indicator.py", title=t("nav.indicator", lang),
                         url_path="indicator", icon=":material/show_chart:"),
    "phenomena": st.Page("pages/phenomena.py", title=t("nav.phenomena", lang),
                         url_path="phenomena", icon=":material/insights:"),
    "omatiimi": st.Page("pages/omatiimi.py", title=t("nav.omatiimi", lang),
                        url_path="omatiimi", icon=":material/diversity_3:"),
    "data": st.Page("pages/data.py", title=t("nav.data", lang), url_path="data",
                    icon=":material/database:"),
    "guide": st.Page("pages/guide.py", title=t("nav.guide", lang), url_path="guide",
                     icon=":material/menu_book:"),
    "methods": st.Page("pages/methods.py", title=t("nav.methods", lang), url_path="methods",
                       icon=":material/school:"),
    "accessibility": st.Page("pages/accessibility.py", title=t("nav.accessibility", lang),
                             url_path="accessibility", icon=":material/accessibility_new:"),
}
navigation = st.navigation(list(PAGES.values()))

with st.sidebar:
    st.markdown(f"**{t('app.title', lang)}**  \n{t('app.subtitle', lang)}")
    language_control()
    url_choice(
        "area", list(config.areas), config.county_code, label=t("sidebar.area", lang),
        format_func=lambda code: area_option_label(config.areas[code], lang),
        container=st.sidebar,
        unknown_message=lambda code: t("url.unknown_area", lang, code=code),
    )
account_control()  # sign-in for maintainers; before the page, which asks who is signed in

kind = dataset_kind(store.version())
if kind == "demo":
    st.warning(t("app.demo_banner", lang, as_of=as_of_text(meta.get("as_of", ""), lang)),
               icon=":material/science:")
elif kind == "mixed":
    st.warning(t("app.mixed_banner", lang), icon=":material/science:")

try:
    navigation.run()
    share_control(navigation.url_path)  # after the page ran: the URL now holds its whole view
finally:  # a run a page ended with st.stop or st.rerun is a run too
    timing.finish(run_started, next(name for name, page in PAGES.items() if page is navigation))
