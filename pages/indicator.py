"""One indicator in depth: series per area with 95 % intervals, metadata, table and download;
for an indicator fetched from an open-data source, the source's own citation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from indicators import glossary, methods, provenance, queries, webapp
from indicators.downloads import chart_config, file_stem, period_span
from indicators.figures import footer_text
from indicators.formatting import format_date, format_period, format_value, unit_label
from indicators.i18n import t
from indicators.ui_text import area_lineage, inert, latest_summary

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()

indicator_ids = list(config.indicators)
headlines = config.headline_indicators()
default_id = headlines[0].id if headlines else indicator_ids[0]
indicator_id = webapp.url_choice(
    "indicator", indicator_ids, default_id, label=t("indicator.choose", lang),
    format_func=lambda i: f"{config.theme_name(config.indicators[i].themes[0], lang)} – "
                          f"{config.indicators[i].name.get(lang)}",
    unknown_message=lambda code: t("url.unknown_indicator", lang, code=code),
)
indicator = config.indicators[indicator_id]
area_code = st.query_params.get("area")
if area_code not in config.areas:
    area_code = config.county_code
areas = area_lineage(config, area_code)



def source_block() -> None:
    """'Lähde': the source's citation, licence, data-updated date and producer, once the
    indicator has been fetched from its open-data source (nothing before that)."""
    meta = webapp.source_metadata(version, indicator.id)
    if meta is None:
        return
    updated = meta.get("data_updated")
    if updated:
        try:
            updated = format_date(date.fromisoformat(str(updated)[:10]), lang)
        except ValueError:
            updated = str(updated)
    st.header(t("sources.block.title", lang))
    st.markdown(inert(provenance.citation(meta, lang)))
    facts = [(t("sources.block.licence", lang), indicator.licence),
             (t("sources.block.data_updated", lang), updated or "–"),
             (t("sources.block.organisation", lang), meta.get("organisation") or "–")]
    st.markdown(" · ".join(f"**{label}:** {inert(value)}" for label, value in facts))


st.title(indicator.name.get(lang))
# plain text, not a caption: a link in grey caption text is below 4.5:1 contrast
terms = glossary.TermLinker(lang)
st.markdown(terms.link(indicator.definition.get(lang)))

levels = webapp.period_levels(version, indicator.id)
controls = st.columns(3)
level = queries.default_level(indicator, levels)
if len(levels) > 1:  # period level, sex and group live in the URL like the indicator and area
    level = webapp.url_choice("level", levels, level or levels[0],
                              label=t("indicator.period_level", lang),
                              format_func=lambda lv: t(f"period_level.{lv}", lang),
                              container=controls[0], widget="radio")
elif levels:
    level = levels[0]
sex = "total"
if len(indicator.sexes) > 1:
    sex = webapp.url_choice("sex", indicator.sexes, "total", label=t("indicator.sex", lang),
                            format_func=lambda s: t(f"sex.{s}", lang), container=controls[1])
grp = "total"
if indicator.groups:
    grp = webapp.url_choice(
        "group", indicator.group_codes, "total", label=t("indicator.group", lang),
        format_func=lambda g: indicator.group_name(g, lang) or t("group.total", lang),
        container=controls[2])

frame = webapp.series(version, indicator.id, tuple(areas), sex, grp, level)
if level == "pool":
    st.info(t("indicator.pool_note", lang), icon=":material/info:")
unit = unit_label(indicator.unit, lang)

if frame.empty:
    st.info(t("indicator.no_data", lang), icon=":material/info:")
    source_block()
else:
    # text summary first: the chart's content in words, for everyone and for screen readers
    for result in webapp.latest(version, indicator.id, (area_code,), sex, grp, level):
        st.markdown(latest_summary(result, indicator, config.areas[result.area_code].name(lang),
                                   lang))
    stem = file_stem(indicator.id, area_code, sex if sex != "total" else None,
                     grp if grp != "total" else None, period_span(frame))
    st.plotly_chart(webapp.series_chart(version, indicator.id, tuple(areas), sex, grp, level,
                                        lang), width="stretch",
                    config=chart_config(stem))
    st.caption(footer_text(indicator, lang, frame))
    for item in indicator.breaks:
        st.caption(t("chart.series_break", lang, note=f"{format_period(item.period, lang)}: "
                                                         f"{item.note.get(lang)}"))
    st.caption(t("indicator.interval_note", lang) + " " + t("indicator.suppressed_note", lang))
    webapp.explain(methods.PAGE_TOPICS["indicator"], lang)
    source_block()

    st.header(t("indicator.table", lang))
    ordered = frame.assign(_o=frame["area_code"].map({c: i for i, c in enumerate(areas)}))
    ordered = ordered.sort_values(["_o", "period_start"], ascending=[True, False])
    table = pd.DataFrame({
        t("table.area", lang): [config.areas[c].name(lang) for c in ordered["area_code"]],
        t("table.period", lang): [format_period(p, lang) for p in ordered["period"]],
        t("table.value", lang): [format_value(v, indicator.decimals, s, lang)
                                 for v, s in zip(ordered["value"], ordered["suppressed"],
                                                 strict=True)],
        t("table.low", lang): [format_value(v, indicator.decimals, s, lang)
                               for v, s in zip(ordered["low"], ordered["suppressed"],
                                               strict=True)],
        t("table.high", lang): [format_value(v, indicator.decimals, s, lang)
                                for v, s in zip(ordered["high"], ordered["suppressed"],
                                                strict=True)],
        t("table.numerator", lang): [format_value(v, 0 if float(v or 0).is_integer() else 1, s,
                                                  lang)
                                     for v, s in zip(ordered["numerator"], ordered["suppressed"],
                                                     strict=True)],
        t("table.denominator", lang): [format_value(v, 0, s, lang)
                                       for v, s in zip(ordered["denominator"],
                                                       ordered["suppressed"], strict=True)],
        t("table.status", lang): [t(f"table.status_{s}", lang) for s in ordered["status"]],
    })
    st.dataframe(table, hide_index=True, width="stretch")

    st.download_button(
        t("indicator.download", lang), data=webapp.export_csv(version, indicator.id, area_code,
                                                              lang),
        file_name=f"{file_stem(indicator.id, area_code, t('file.all_periods', lang))}.csv",
        mime="text/csv",
        help=t("indicator.download_help", lang), icon=":material/download:",
    )

with st.expander(t("indicator.metadata", lang)):
    rows = [
        ("definition", indicator.definition.get(lang)),
        ("source", indicator.source),
        ("licence", indicator.licence),
        ("unit", unit),
        ("direction", t(f"direction.{indicator.direction}", lang)),
        ("period_type", t(f"period_type.{indicator.period_type}", lang)),
        ("source_ref", indicator.source_ref or "–"),
        ("min_n", str(indicator.min_n)),
        ("themes", ", ".join(config.theme_name(th, lang) for th in indicator.themes)),
    ]
    for key, value in rows:
        st.markdown(f"**{t(f'indicator.meta.{key}', lang)}:** {value}")

webapp.glossary_footer(terms, lang)
