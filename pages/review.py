"""Quarterly review (`/review?area=&quarter=`): the working group's agenda for one quarter, and the
pack as a printable HTML/PDF, an Excel workbook and a slide deck."""

from __future__ import annotations

import streamlit as st

from indicators import glossary, methods, review, webapp
from indicators.formatting import format_period
from indicators.goal_texts import status_badge
from indicators.i18n import t
from indicators.review_export import FORMATS, file_name
from indicators.review_texts import (
    LINKED_SECTIONS,
    SECTIONS,
    provenance_lines,
    subtitle,
    title,
)
from indicators.ui_text import as_of_text

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()
meta = webapp.store_meta(version)

st.title(t("review.title", lang))
terms = glossary.TermLinker(lang)  # glossary words link to their definitions at the end
st.markdown(terms.link(t("review.intro", lang)))
if meta.get("as_of"):
    st.caption(t("app.data_as_of", lang, as_of=as_of_text(meta["as_of"], lang)))

quarters = webapp.review_quarters(version)
if not quarters:
    st.info(t("review.no_quarters", lang), icon=":material/info:")
    st.stop()
chosen = st.query_params.get("area")
area = review.pack_area(config, chosen)
if chosen in config.areas and chosen != area:
    st.info(t("review.area_note", lang, chosen=config.areas[chosen].name(lang),
              shown=config.areas[area].name(lang)), icon=":material/info:")
quarter = webapp.url_choice("quarter", quarters, quarters[0], label=t("review.quarter", lang),
                            format_func=lambda q: format_period(q, lang),
                            unknown_message=lambda q: t("url.unknown_quarter", lang, value=q))
pack = webapp.review_pack(version, area, quarter)

st.header(title(pack, config, lang))
st.caption(subtitle(pack, lang))
changes = [i.change for i in pack.key_results]
st.markdown(t("review.summary", lang, total=len(pack.key_results),
              changed=sum(c in ("better", "worse", "new") for c in changes),
              better=changes.count("better"), worse=changes.count("worse"),
              new=changes.count("new"), signals=len(pack.signals),
              new_signals=sum(s.new for s in pack.signals),
              figures=sum(f.new for f in pack.new_figures)))
webapp.explain(methods.PAGE_TOPICS["review"], lang)

columns = st.columns(4)
for column, fmt in zip(columns, ("html", "pdf", "xlsx", "pptx"), strict=True):
    with column:
        if fmt == "pdf":
            from indicators.review_pdf import pdf_available

            if not pdf_available():
                st.caption(t("review.download.pdf_missing", lang))
                continue
        st.download_button(t(f"review.download.{fmt}", lang),
                           data=webapp.review_file(area, quarter, fmt, lang),
                           file_name=file_name(config, area, quarter, fmt, lang),
                           mime=FORMATS[fmt], key=f"review_{fmt}", on_click="ignore",
                           icon=":material/download:")

tables = webapp.review_tables(version, area, quarter, lang)
for section in SECTIONS:
    st.subheader(t(f"review.section.{section}", lang))
    help_params = {"area": config.areas[pack.omatiimi_area].name(lang)} \
        if section == "omatiimi" else {}
    st.caption(t(f"review.help.{section}", lang, **help_params))
    table = tables[section]
    if table.empty:
        st.markdown(t(f"review.empty.{section}", lang))
        continue
    if section == "key_results":
        for item in pack.key_results:
            if item.change in ("better", "worse", "new"):
                st.markdown(f"{status_badge(item.before.status, lang)} → "
                            f"{status_badge(item.result.status, lang)} · "
                            f"**{table.iloc[pack.key_results.index(item), 0]}**")
    config_columns = {}
    if section in LINKED_SECTIONS:
        link_column = t("review.open", lang)
        config_columns[link_column] = st.column_config.LinkColumn(
            link_column, display_text=t("review.open", lang))
    st.dataframe(table, hide_index=True, width="stretch", column_config=config_columns)
    if section == "omatiimi":
        st.page_link("pages/omatiimi.py", label=t("review.open", lang),
                     icon=":material/diversity_3:",
                     query_params=webapp.link_params({"area": pack.omatiimi_area}))

changed = review.changed_key_results(pack)
if changed:
    st.subheader(t("review.section.charts", lang))
    for item in changed:
        with st.container(border=True):
            st.markdown(f"**{tables['key_results'].iloc[pack.key_results.index(item), 0]}** · "
                        f"{status_badge(item.result.status, lang)}")
            st.plotly_chart(webapp.review_figure(version, area, quarter,
                                                 item.result.key_result_id, lang),
                            width="stretch",
                            config={"displaylogo": False, "displayModeBar": False},
                            key=f"review_chart_{item.result.key_result_id}")
            words, table = webapp.review_chart_words(version, area, quarter,
                                                     item.result.key_result_id, lang)
            st.caption(words)
            with st.expander(t("chart_a11y.table", lang)):
                st.dataframe(table, hide_index=True, width="stretch")

st.subheader(t("review.section.sources", lang))
for line in provenance_lines(pack, config, lang):
    st.caption(line)

webapp.glossary_footer(terms, lang)
