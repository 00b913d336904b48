"""Phenomena (`/phenomena`): where a phenomenon is worked on, run charts with the actions on them
and a verdict whose rule is named, the comparison areas, the actions and their progress."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators import glossary, phenomena, webapp
from indicators.downloads import chart_config, file_stem, period_span
from indicators.formatting import format_date, format_number, format_period, format_value
from indicators.i18n import t
from indicators.ui_text import latest_summary

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()

by_id = {p.id: p for p in config.phenomena}
phenomenon_id = webapp.url_choice(
    "phenomenon", list(by_id), next(iter(by_id)), label=t("phenomenon.choose", lang),
    format_func=lambda i: by_id[i].name.get(lang),
    unknown_message=lambda code: t("phenomenon.unknown", lang, code=code))
phenomenon = by_id[phenomenon_id]
action_start = phenomenon.first_action_start()


def names(codes: list[str]) -> str:
    return ", ".join(config.areas[c].name(lang) for c in codes)


def verdict_text(verdict: phenomena.Verdict) -> str:
    icon = {"improvement": ":material/check_circle:", "worsening": ":material/warning:",
            "change_up": ":material/north_east:", "change_down": ":material/south_east:",
            "signal_unclear": ":material/priority_high:",
            "no_signal": ":material/remove:", "too_few_points": ":material/help:",
            "no_data": ":material/help:"}[verdict.code]
    return f"{icon} {t(f'phenomenon.verdict.{verdict.code}', lang)}"


def rule_text(verdict: phenomena.Verdict) -> str:
    result = verdict.result
    if action_start is None:
        return t("phenomenon.rule.no_action", lang)
    if verdict.code == "too_few_points" or result is None:
        return t("phenomenon.rule.few", lang, before=verdict.baseline_count,
                 after=verdict.after_count, needed=phenomena.MIN_POINTS)
    if not verdict.rules:
        return t("phenomenon.rule.none", lang, after=verdict.after_count)
    parts = []
    for rule in verdict.rules:
        if rule == "long_run":
            parts.append(t("phenomenon.rule.long_run", lang, run=result.longest_run,
                           limit=result.longest_run_limit))
        elif rule == "few_crossings":
            parts.append(t("phenomenon.rule.few_crossings", lang, crossings=result.crossings,
                           limit=result.crossings_limit))
        else:
            parts.append(t("phenomenon.rule.astronomical", lang))
    return "; ".join(parts)


def series_for(indicator_id: str, area: str) -> pd.DataFrame:
    indicator = config.indicators[indicator_id]
    return webapp.series(version, indicator_id, (area,), "total", "total",
                         phenomena.chart_level(indicator))


def verdict_of(indicator_id: str, area: str) -> phenomena.Verdict:
    return webapp.phenomenon_verdict(version, phenomenon.id, indicator_id, area)


st.title(phenomenon.name.get(lang))
terms = glossary.TermLinker(lang)  # glossary words link to their definitions at the end
st.markdown(terms.link(phenomenon.description.get(lang)))
st.caption(t("phenomenon.chosen", lang, date=format_date(phenomenon.chosen.date, lang),
             by=phenomenon.chosen.by.get(lang)))
st.markdown(t("phenomenon.acting", lang, areas=names(phenomenon.areas)))
if phenomenon.comparison_areas:
    st.markdown(t("phenomenon.comparison", lang, areas=names(phenomenon.comparison_areas)))

# ---------------------------------------------------------------- comparison of verdicts
st.header(t("phenomenon.summary_title", lang))
st.caption(t("phenomenon.summary_help", lang))
regions = phenomena.acting_and_comparison(phenomenon)
summary = {t("indicator.choose", lang): [config.indicators[i].name.get(lang)
                                         for i in phenomenon.indicator_ids]}
for code, role in regions:
    column = f"{config.areas[code].short(lang)} ({t(f'phenomenon.role.{role}', lang)})"
    codes = [verdict_of(i, code).code for i in phenomenon.indicator_ids]
    # tables cannot show icons: a symbol and the words carry the meaning
    summary[column] = [f"{phenomena.VERDICT_SYMBOLS[c]} {t(f'phenomenon.verdict.{c}', lang)}"
                       for c in codes]
st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch")
webapp.explain(("signals", "suppression"), lang)  # the verdicts, and ".." as a gap

# ---------------------------------------------------------------- run charts for one area
options = [code for code, _ in regions]
for code in list(options):
    options.extend(c for c in config.children(code) if c not in options)
selected = st.query_params.get("area")
default = selected if selected in options else options[0]
area = webapp.url_choice("chart_area", options, default,
                         label=t("phenomenon.area_for_charts", lang),
                         format_func=lambda c: config.areas[c].name(lang))

if config.areas[area].level == "municipality":
    brief_page, brief_tables = webapp.arkitiimi_files(version, phenomenon.id, area, lang)
    left, right = st.columns(2)
    left.download_button(t("brief.download_html", lang), data=brief_page,
                         file_name=f"arkitiimi_{phenomenon.id}_{area}.html", mime="text/html",
                         icon=":material/print:", key=f"brief_html_{phenomenon.id}_{area}")
    right.download_button(t("brief.download_csv", lang), data=brief_tables,
                          file_name=f"arkitiimi_{phenomenon.id}_{area}.csv", mime="text/csv",
                          icon=":material/download:", key=f"brief_csv_{phenomenon.id}_{area}")
else:
    st.caption(t("brief.only_municipality", lang))

st.header(t("phenomenon.indicators_title", lang))
for indicator_id in phenomenon.indicator_ids:
    indicator = config.indicators[indicator_id]
    frame = series_for(indicator_id, area)
    verdict = verdict_of(indicator_id, area)
    role = "outcome" if indicator_id in phenomenon.outcome_indicators else "process"
    with st.container(border=True):
        st.markdown(f"### {indicator.name.get(lang)}")
        st.caption(t(f"phenomenon.{role}", lang))
        st.markdown(f"**{verdict_text(verdict)}** — {rule_text(verdict)}")
        if frame.empty:
            continue
        latest = webapp.latest(version, indicator_id, (area,), "total", "total",
                               phenomena.chart_level(indicator))[0]
        if latest.period is not None:
            st.caption(latest_summary(latest, indicator, config.areas[area].name(lang), lang))
        st.plotly_chart(webapp.run_chart(version, phenomenon.id, indicator_id, area, lang),
                        width="stretch",
                        config=chart_config(file_stem(indicator_id, area, period_span(frame))),
                        key=f"run_{phenomenon.id}_{indicator_id}_{area}")
        webapp.explain(("signals",), lang)
        if indicator.rolling_pool_years and config.areas[area].level == "municipality":
            st.page_link("pages/indicator.py", label=t("phenomenon.pool_link", lang),
                         icon=":material/stacked_line_chart:",
                         query_params=webapp.link_params(
                             {"indicator": indicator_id, "area": area, "level": "pool"}))
        if indicator.kind in ("proportion", "rate"):
            funnel = webapp.funnel_view(version, indicator_id, lang)
            if funnel is not None:
                title = t("phenomenon.funnel_title", lang,
                          period=format_period(funnel.period, lang))
                st.markdown(f"**{title}**")
                st.caption(t("phenomenon.funnel_help", lang,
                             target=format_number(funnel.target, indicator.decimals, lang)))
                st.plotly_chart(webapp.funnel_chart(version, indicator_id, area, lang),
                                width="stretch",
                                config=chart_config(file_stem(indicator_id, "suppilo",
                                                              config.county_code,
                                                              funnel.period)),
                                key=f"funnel_{phenomenon.id}_{indicator_id}_{area}")
                st.markdown(funnel.summary)
                webapp.explain(("small_areas",), lang)
                if funnel.hidden:
                    st.caption(t("phenomenon.funnel_hidden", lang, count=funnel.hidden))
                with st.expander(t("chart_a11y.funnel.table", lang)):
                    st.dataframe(funnel.table, hide_index=True, width="stretch")
        with st.expander(t("phenomenon.table", lang)):
            st.dataframe(pd.DataFrame({
                t("table.period", lang): [format_period(p, lang) for p in frame["period"]],
                t("table.value", lang): [format_value(v, indicator.decimals, s, lang)
                                         for v, s in zip(frame["value"], frame["suppressed"],
                                                         strict=True)],
            }), hide_index=True, width="stretch")

# ---------------------------------------------------------------- actions and notes
st.header(t("phenomenon.actions_title", lang))
for action in phenomenon.actions:
    with st.container(border=True):
        st.markdown(f"**{terms.link(action.name.get(lang))}**")
        meta = t("phenomenon.action_meta", lang,
                 status=t(f"action_status.{action.status}", lang), owner=action.owner,
                 areas=names(action.areas), start=format_date(action.start, lang))
        if action.end:
            meta += t("phenomenon.action_end", lang, end=format_date(action.end, lang))
        st.caption(meta)
        st.markdown(terms.link(action.description.get(lang)))
        if action.progress is not None:
            share = min(1.0, action.progress.done / action.progress.target)
            st.progress(share, text=t(
                "phenomenon.progress", lang, done=format_number(action.progress.done, 0, lang),
                target=format_number(action.progress.target, 0, lang),
                measure=action.progress.measure.get(lang),
                share=format_number(100 * share, 0, lang),
                as_of=format_date(action.progress.as_of, lang)))

if phenomenon.notes:
    st.header(t("phenomenon.notes_title", lang))
    for note in sorted(phenomenon.notes, key=lambda n: n.date, reverse=True):
        st.markdown(t("phenomenon.note", lang, date=format_date(note.date, lang),
                      organisation=note.organisation, text=note.text.get(lang)))

webapp.glossary_footer(terms, lang)
