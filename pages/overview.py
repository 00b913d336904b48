"""Overview (default page, `/`): the three regions side by side on the headline indicators."""

from __future__ import annotations

import streamlit as st

from indicators import methods, queries, webapp
from indicators.formatting import format_change, format_period, format_value, unit_label
from indicators.i18n import t
from indicators.ui_text import as_of_text, status_badge, value_markup

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()
meta = webapp.store_meta(version)

st.title(t("overview.title", lang))
st.caption(t("overview.intro", lang))
if meta.get("as_of"):
    st.caption(t("app.data_as_of", lang, as_of=as_of_text(meta["as_of"], lang)))
webapp.explain(methods.PAGE_TOPICS["overview"], lang)  # the cards' values, "..", status

columns_areas = [*config.region_codes, config.county_code, config.country_code]
selected = st.query_params.get("area")
if selected in config.areas and config.areas[selected].level == "municipality":
    # a municipality chosen in the sidebar is shown first, beside its region
    columns_areas.insert(0, selected)
    st.caption(t("overview.selected_area", lang, name=config.areas[selected].name(lang)))

for indicator in config.headline_indicators():
    level = queries.default_level(indicator, webapp.period_levels(version, indicator.id))
    results = webapp.latest(version, indicator.id, tuple(columns_areas), "total", "total", level)
    unit = unit_label(indicator.unit, lang)
    with st.container(border=True):
        st.header(indicator.name.get(lang))
        period_note = t(f"period_level.{level}", lang) if level else ""
        st.caption(" · ".join(p for p in (unit, period_note,
                                           t(f"direction.{indicator.direction}", lang)) if p))
        for column, result in zip(st.columns(len(columns_areas)), results, strict=True):
            area = config.areas[result.area_code]
            with column:
                st.page_link(
                    "pages/indicator.py",
                    label=area.short(lang),
                    icon=":material/open_in_new:",
                    query_params=webapp.link_params({"indicator": indicator.id, "area": area.code}),
                    help=t("overview.open_indicator", lang),
                )
                if result.period is None:
                    st.markdown(value_markup(t('overview.no_data', lang)), unsafe_allow_html=True)
                    continue
                value = format_value(result.value, indicator.decimals, result.suppressed, lang)
                st.markdown(value_markup(value, unit), unsafe_allow_html=True)
                st.caption(t("overview.latest_period", lang,
                             period=format_period(result.period, lang)))
                if result.compare_period:
                    st.caption(t("overview.compared_with", lang,
                                 period=format_period(result.compare_period, lang))
                               + f": {format_change(result.delta, indicator.decimals, lang)}")
                else:
                    st.caption(t("overview.no_comparison", lang))
                st.markdown(status_badge(result.status, lang),
                            help=t(f"status.help.{result.status}", lang))
