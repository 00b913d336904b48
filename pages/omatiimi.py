"""Omatiimi (`/omatiimi`): the latest quarter per region at a glance, monthly control charts with
their signals in words, lead time and participation, regions side by side, and the rollout."""

from __future__ import annotations

import math

import streamlit as st

from indicators import glossary, omatiimi, webapp
from indicators.downloads import chart_config, file_stem, period_span
from indicators.formatting import (
    format_change,
    format_number,
    format_period,
    format_value,
    unit_label,
)
from indicators.i18n import t
from indicators.ui_text import as_of_text, status_badge, value_markup

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()
meta = webapp.store_meta(version)

st.title(t("omatiimi.title", lang))
# glossary words link to their definitions at the end (not in captions: a link in grey caption
# text is below 4.5:1 contrast)
terms = glossary.TermLinker(lang)
st.markdown(terms.link(t("omatiimi.intro", lang)))
if meta.get("as_of"):
    st.caption(t("app.data_as_of", lang, as_of=as_of_text(meta["as_of"], lang)))

chosen = st.query_params.get("area")
area = omatiimi.shown_area(config, chosen)
area_name = config.areas[area].name(lang)
if chosen in config.areas and config.areas[chosen].level == "country":
    st.info(t("omatiimi.area_note_country", lang, shown=area_name), icon=":material/info:")
elif chosen in config.areas and chosen != area:
    st.info(t("omatiimi.area_note", lang, chosen=config.areas[chosen].name(lang),
              shown=area_name), icon=":material/info:")
trend = {i.id: i for i in omatiimi.trend_indicators(config)}
if not trend:  # a deployment whose catalogue has no Omatiimi indicators
    st.info(t("omatiimi.cards.none", lang), icon=":material/info:")
    st.stop()
regions = [*config.region_codes, config.county_code]


def volume_text(card: omatiimi.Card) -> str | None:
    if card.volume_noun is None or card.period is None:
        return None
    if card.suppressed or math.isnan(card.volume):
        return t("omatiimi.cards.volume_hidden", lang)
    return t(f"omatiimi.cards.volume.{card.volume_noun}", lang,
             n=format_number(card.volume, 0, lang))


def show_card(card: omatiimi.Card) -> None:
    if card.indicator_id == omatiimi.LEAD_TIME_MEDIAN:
        st.markdown(f"**{t('omatiimi.cards.lead_name', lang)}**")
        st.markdown(value_markup(omatiimi.lead_card_text(card, lang)), unsafe_allow_html=True)
        if card.compare_period and not math.isnan(card.delta):
            st.caption(t("omatiimi.cards.change", lang,
                         period=format_period(card.compare_period, lang),
                         change=t("omatiimi.cards.days_change", lang,
                                  change=format_change(card.delta, 0, lang))))
        st.caption(t("omatiimi.cards.lead_status", lang))
        volume = volume_text(card)
        if volume:
            st.caption(volume)
        return
    indicator = config.indicators[card.indicator_id]
    st.markdown(f"**{indicator.name.get(lang)}**")
    if card.period is None:
        st.markdown(value_markup(t('omatiimi.cards.no_data', lang)), unsafe_allow_html=True)
        return
    unit = unit_label(indicator.unit, lang)
    value = format_value(card.value, indicator.decimals, card.suppressed, lang)
    st.markdown(value_markup(value, unit), unsafe_allow_html=True)
    if card.suppressed:
        st.caption(t("omatiimi.cards.hidden", lang, min_n=indicator.min_n))
    elif card.compare_period:
        st.caption(t("omatiimi.cards.change", lang,
                     period=format_period(card.compare_period, lang),
                     change=format_change(card.delta, indicator.decimals, lang)))
    else:
        st.caption(t("omatiimi.cards.no_comparison", lang))
    st.markdown(status_badge(card.status, lang), help=t(f"status.help.{card.status}", lang))
    volume = volume_text(card)
    if volume:
        st.caption(volume)


# ---------------------------------------------------------------- the latest quarter
quarter, cards = webapp.omatiimi_cards(version, tuple(regions))
if quarter is None:
    st.info(t("omatiimi.cards.none", lang), icon=":material/info:")
else:
    st.header(t("omatiimi.cards.title", lang, period=format_period(quarter, lang)))
    st.caption(t("omatiimi.cards.help", lang))
    webapp.explain(("intervals", "suppression"), lang)  # the cards' status and ".."
    for column, code in zip(st.columns(len(regions)), regions, strict=True):
        with column:
            label = config.areas[code].short(lang)
            st.markdown(f"### {label}")
            for card in (c for c in cards if c.area_code == code):
                with st.container(border=True):
                    show_card(card)

# ---------------------------------------------------------------- monthly trend
st.header(t("omatiimi.trend.title", lang) + f": {area_name}")
st.caption(t("omatiimi.trend.help", lang))
default_trend = omatiimi.DEFAULT_TREND if omatiimi.DEFAULT_TREND in trend else next(iter(trend))
# the generic message: a link may name a known indicator that is just not an Omatiimi trend
indicator_id = webapp.url_choice(
    "indicator", list(trend), default_trend, label=t("omatiimi.trend.indicator", lang),
    format_func=lambda i: trend[i].name.get(lang))
indicator = trend[indicator_id]
trend_stem = file_stem(indicator_id, area, period_span(
    webapp.series(version, indicator_id, (area,), "total", "total", "month")))
trend_view = webapp.omatiimi_trend(version, indicator_id, area, lang)
st.caption(t(f"omatiimi.trend.chart_{trend_view.chart}", lang))
st.plotly_chart(
    webapp.omatiimi_trend_chart(version, indicator_id, area, lang),
    width="stretch", config=chart_config(trend_stem),
    key=f"omatiimi_trend_{indicator_id}_{area}")
st.markdown(f"**{t('omatiimi.trend.signals', lang)}**")
st.markdown("\n".join(f"- {line}" for line in trend_view.signals))
webapp.explain(("signals", "suppression"), lang)  # control limits, signals, hidden months
with st.expander(t("omatiimi.trend.table", lang)):
    st.dataframe(trend_view.table, hide_index=True, width="stretch")
st.download_button(t("omatiimi.trend.download", lang), data=trend_view.download,
                   file_name=f"{trend_stem}.csv",
                   mime="text/csv",
                   icon=":material/download:", key=f"omatiimi_dl_{indicator_id}_{area}")

# ---------------------------------------------------------------- lead time and participation
level = webapp.url_choice("lead_level", ["quarter", "month"], "quarter",
                          label=t("omatiimi.lead.level", lang),
                          format_func=lambda lvl: t(f"period_level.{lvl}", lang), widget="radio")
for indicator_key, title_key, help_key, share in (
        (omatiimi.LEAD_TIME, "omatiimi.lead.title", "omatiimi.lead.help", True),
        (omatiimi.PARTICIPANTS, "omatiimi.participants.title", "omatiimi.participants.help",
         False)):
    if indicator_key not in config.indicators:
        continue
    cells = webapp.group_cells(version, indicator_key, (area,), level)
    groups = webapp.omatiimi_groups(version, indicator_key, area, level, lang)
    st.header(t(title_key, lang) + f": {area_name}")
    st.caption(t(help_key, lang))
    st.plotly_chart(
        webapp.group_bars_chart(version, indicator_key, area, level, share, lang),
        width="stretch", config=chart_config(file_stem(indicator_key, area, period_span(cells))),
        key=f"omatiimi_bars_{indicator_key}_{area}_{level}")
    webapp.explain(("suppression",), lang)  # hidden classes, and a percentile not given
    if groups.lead is not None:
        st.dataframe(groups.lead, hide_index=True, width="stretch")
    with st.expander(t("omatiimi.trend.table", lang)):
        st.dataframe(groups.table, hide_index=True, width="stretch")

# ---------------------------------------------------------------- regions side by side
st.header(t("omatiimi.compare.title", lang) + f": {indicator.name.get(lang)}")
st.caption(t("omatiimi.compare.help", lang))
compare_level = webapp.url_choice("compare_level", ["quarter", "month"], "quarter",
                                  label=t("omatiimi.compare.level", lang),
                                  format_func=lambda lvl: t(f"period_level.{lvl}", lang),
                                  widget="radio")
compared = webapp.series(version, indicator_id, tuple(regions), "total", "total", compare_level)
comparison = webapp.omatiimi_compare(version, indicator_id, tuple(regions), compare_level, lang)
st.plotly_chart(webapp.omatiimi_compare_chart(version, indicator_id, tuple(regions),
                                             compare_level, lang),
                width="stretch",
                config=chart_config(file_stem(indicator_id, "seudut", period_span(compared))),
                key=f"omatiimi_compare_{indicator_id}_{compare_level}")
st.markdown(comparison.summary)
webapp.explain(("intervals",), lang)
if comparison.all_hidden:
    st.caption(t("omatiimi.compare.all_hidden", lang, areas=", ".join(comparison.all_hidden)))
with st.expander(t("chart_a11y.table", lang)):
    st.dataframe(comparison.table, hide_index=True, width="stretch")

# ---------------------------------------------------------------- rollout
st.header(t("omatiimi.rollout.title", lang))
st.caption(t("omatiimi.rollout.help", lang))
st.dataframe(webapp.omatiimi_rollout(version, lang), hide_index=True, width="stretch")

webapp.glossary_footer(terms, lang)
