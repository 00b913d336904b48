"""Shared goals (`/goals`): objectives by owner and area, each key result a card with its trend,
baseline → latest → target, status by icon and words with the reason, the forecast, and the
quarterly check-ins (entered here by maintainers)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from indicators import checkins, glossary, goals, methods, webapp
from indicators.downloads import to_excel_csv
from indicators.formatting import format_date, format_number, format_period
from indicators.goal_config import OWNER_ORDER
from indicators.goal_export import key_result_frame, key_result_records
from indicators.goal_figures import key_result_text
from indicators.goal_texts import (
    area_text,
    forecast_text,
    noise_text,
    path_text,
    percent,
    reason_text,
    status_badge,
    summary_text,
    typed_text_html,
)
from indicators.i18n import t
from indicators.store import StoreLockedError
from indicators.ui_text import as_of_text

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()
meta = webapp.store_meta(version)

st.title(t("goals.title", lang))
terms = glossary.TermLinker(lang)  # glossary words link to their definitions at the end
st.markdown(terms.link(t("goals.intro", lang)))
if meta.get("as_of"):
    st.caption(t("app.data_as_of", lang, as_of=as_of_text(meta["as_of"], lang)))
if not config.objectives:
    st.info(t("goals.no_goals", lang), icon=":material/info:")
    st.stop()

chosen = st.query_params.get("area")
chosen = chosen if chosen in config.areas else None
results = [r for r in webapp.goal_results(version) if goals.concerns_area(config, r, chosen)]
if chosen is not None and config.areas[chosen].level not in ("county", "country"):
    st.info(t("goals.area_filter", lang, area=config.areas[chosen].name(lang)),
            icon=":material/filter_alt:")
if not results:
    st.info(t("goals.none", lang), icon=":material/info:")
    st.stop()

history = webapp.checkin_history(version)
latest_checkins = webapp.latest_checkins(version)
st.markdown(f"**{summary_text(goals.status_counts(results), lang)}**")
st.caption(t("goals.status_help", lang))
webapp.explain(methods.PAGE_TOPICS["goals"], lang)
# the file is made when the button is pressed, not on every rerun
st.download_button(t("goals.download", lang),
                   data=lambda: to_excel_csv(key_result_frame(key_result_records(
                       results, config, history, lang)), lang), on_click="ignore",
                   file_name=t("goals.file.key_results", lang, area=chosen or config.county_code),
                   mime="text/csv", key="goals_download")

can_write = webapp.writes_enabled()
if not can_write:  # say where check-ins are recorded, instead of silently showing no button
    st.caption(t("goals.checkin.writes_off", lang))
by_objective: dict[str, list[goals.KeyResultProgress]] = {}
for result in results:
    by_objective.setdefault(result.objective_id, []).append(result)
objectives = [o for o in config.objectives if o.id in by_objective]
phenomenon_names = {p.id: p.name.get(lang) for p in config.phenomena}


def quarter_choices() -> list[str]:
    """The quarter just ended and the three before it (check-ins look back on a quarter)."""
    today = date.today()
    year, quarter = today.year, (today.month - 1) // 3  # the previous quarter, 0 = last year's Q4
    out = []
    for _ in range(4):
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append(f"{year}Q{quarter}")
        quarter -= 1
    return out


def open_form(key_result_id: str | None) -> None:
    st.session_state["checkin_for"] = key_result_id


def checkin_form(result: goals.KeyResultProgress) -> None:
    key = result.key_result_id
    with st.form(f"checkin_{key}", clear_on_submit=False):
        st.caption(t("goals.checkin.privacy", lang))
        quarter = st.selectbox(t("goals.checkin.quarter", lang), quarter_choices(),
                               format_func=lambda q: format_period(q, lang), key=f"q_{key}")
        confidence = st.slider(t("goals.checkin.confidence", lang), 1, 10, 5, key=f"c_{key}")
        seen = st.text_area(t("goals.checkin.seen", lang), max_chars=checkins.MAX_TEXT,
                            key=f"seen_{key}")
        why = st.text_area(t("goals.checkin.why", lang), max_chars=checkins.MAX_TEXT,
                           key=f"why_{key}")
        next_steps = st.text_area(t("goals.checkin.next_steps", lang),
                                  max_chars=checkins.MAX_TEXT, key=f"next_{key}")
        organisation = st.text_input(t("goals.checkin.organisation", lang),
                                     max_chars=checkins.MAX_ORGANISATION, key=f"org_{key}")
        day = st.date_input(t("goals.checkin.date", lang), value=date.today(),
                            max_value=date.today(), format="DD.MM.YYYY", key=f"d_{key}")
        if not st.form_submit_button(t("goals.checkin.save", lang)):
            return
    checkin = checkins.CheckIn(key, quarter, int(confidence), seen, why, next_steps,
                               organisation, day, text_lang=lang)
    try:
        revision = webapp.save_checkin(checkin)
    except checkins.CheckInError as exc:
        lines = [t("goals.checkin.failed", lang)]
        for problem in exc.problems:
            context = dict(problem.context)
            if problem.code == "personal":
                context["kinds"] = ", ".join(t(f"goals.checkin.kinds.{k}", lang)
                                             for k in str(context["kinds"]).split(", "))
            lines.append(f"- {t(f'goals.checkin.field.{problem.field}', lang)}: "
                         f"{t(f'goals.checkin.problem.{problem.code}', lang, **context)}")
        st.error("\n".join(lines), icon=":material/error:")
        return
    except PermissionError:  # auth.NotAllowedError: signed out or the account was removed
        st.error(t("goals.checkin.writes_off", lang), icon=":material/lock:")
        return
    except StoreLockedError:
        st.error(t("store.locked", lang), icon=":material/hourglass_top:")
        return
    # close the form and show the card again with the new check-in in its history
    st.session_state.pop("checkin_for", None)
    st.session_state["checkin_saved"] = (key, t("goals.checkin.saved", lang,
                                                quarter=format_period(quarter, lang),
                                                revision=revision))
    st.rerun()


def show_key_result(result: goals.KeyResultProgress) -> None:
    objective = next(o for o in config.objectives if o.id == result.objective_id)
    kr = next(k for k in objective.key_results if k.id == result.key_result_id)
    with st.container(border=True):
        st.markdown(f"**{kr.name.get(lang)}**")
        st.markdown(f"{status_badge(result.status, lang)} · "
                    f"{t(f'goals.kr.{result.commitment}', lang)}",
                    help=t("goals.kr.commitment_help", lang))
        st.markdown(path_text(result, config, lang))
        st.plotly_chart(webapp.goal_figure(version, result.key_result_id, lang), width="stretch",
                        config={"displaylogo": False, "displayModeBar": False},
                        key=f"chart_{result.key_result_id}")
        st.caption(key_result_text(result, config, lang))
        st.markdown(reason_text(result, config, lang))
        st.caption(noise_text(result, lang))
        st.caption(forecast_text(result, config, lang))
        if result.milestones:
            items = ", ".join(
                f"{format_period(m.label, lang)}: {format_number(m.value, result.decimals, lang)}"
                for m in result.milestones)
            st.caption(t("goals.kr.milestones", lang, items=items))
        st.caption(t("goals.kr.area", lang, areas=area_text(result, config, lang)))
        last = latest_checkins.get(result.key_result_id)
        if last is not None:
            confidence, checkin_table = webapp.goal_checkins(version, result.key_result_id, lang)
            st.markdown(t("goals.kr.latest_checkin", lang,
                          quarter=format_period(str(last["quarter"]), lang),
                          organisation=last["organisation"],
                          date=format_date(pd.Timestamp(last["checkin_date"]).date(), lang),
                          confidence=int(last["confidence"])))
            st.markdown(typed_text_html([last[field] for field in checkins.TEXT_FIELDS],
                                        str(last["text_lang"])), unsafe_allow_html=True)
            st.caption(t("goals.kr.confidence_trend", lang, items=confidence))
        else:
            st.caption(t("goals.kr.no_checkins", lang))
        links = st.columns(2)
        area = result.area_codes[0]
        if result.indicator_id is not None:
            links[0].page_link("pages/indicator.py", label=t("goals.kr.open_indicator", lang),
                               icon=":material/show_chart:",
                               query_params=webapp.link_params(
                                   {"indicator": result.indicator_id, "area": area}))
        if result.phenomenon_id is not None:
            links[1].page_link("pages/phenomena.py", label=t("goals.kr.open_phenomenon", lang),
                               icon=":material/insights:",
                               query_params=webapp.link_params(
                                   {"phenomenon": result.phenomenon_id, "area": area}))
        with st.expander(t("goals.kr.details", lang)):
            st.dataframe(webapp.goal_table(version, result.key_result_id, lang),
                         hide_index=True, width="stretch")
            if last is not None:
                st.markdown(f"**{t('goals.checkin.history', lang)}**")
                st.dataframe(checkin_table, hide_index=True, width="stretch")
        saved = st.session_state.get("checkin_saved")
        if saved and saved[0] == result.key_result_id:
            st.success(saved[1], icon=":material/check:")
        if can_write:  # one form at a time: the card whose button was pressed
            if st.session_state.get("checkin_for") == result.key_result_id:
                with st.container(border=True):
                    st.markdown(f"**{t('goals.checkin.add', lang)}**")
                    checkin_form(result)
                    st.button(t("goals.checkin.cancel", lang), key=f"close_{result.key_result_id}",
                              on_click=open_form, args=(None,))
            else:
                st.button(t("goals.checkin.add", lang), icon=":material/edit_note:",
                          key=f"open_{result.key_result_id}", on_click=open_form,
                          args=(result.key_result_id,))


for owner in OWNER_ORDER:
    owned = [o for o in objectives if o.owner == owner]
    if not owned:
        continue
    st.header(t(f"goals.owner.{owner}", lang))
    for objective in owned:
        members = by_objective[objective.id]
        st.subheader(objective.name.get(lang))
        if objective.description is not None:
            st.markdown(terms.link(objective.description.get(lang)))
        facts = [", ".join(config.areas[c].name(lang) for c in objective.areas),
                 t("goals.objective.period", lang,
                   start=format_period(objective.period.start, lang),
                   end=format_period(objective.period.end, lang))]
        if objective.phenomenon in phenomenon_names:
            facts.append(t("goals.objective.phenomenon", lang,
                           name=phenomenon_names[objective.phenomenon]))
        st.caption(" · ".join(facts))
        score = goals.objective_score(members)
        scored = sum(not math.isnan(r.score) for r in members)
        if math.isnan(score):
            st.markdown(t("goals.objective.score_none", lang))
        else:
            st.markdown(t("goals.objective.score", lang, score=percent(score, lang), n=scored,
                          total=len(members)))
        for first in range(0, len(members), 2):  # row by row, so narrow screens keep the order
            columns = st.columns(2)
            for column, result in zip(columns, members[first:first + 2], strict=False):
                with column:
                    show_key_result(result)

if not history.empty:
    st.download_button(t("goals.checkin.download", lang),
                       data=webapp.checkins_csv(version,
                                                tuple(r.key_result_id for r in results), lang),
                       file_name=t("goals.file.checkins", lang,
                                   area=chosen or config.county_code),
                       mime="text/csv", key="checkins_download")

webapp.glossary_footer(terms, lang)
