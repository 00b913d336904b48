"""Data (`/data`): upload → preview → validation report → confirm import; history with rollback;
the indicator catalogue; which figures are demo and which are real; the open-data sources'
refresh status, and (maintainers) the one button that fetches them: the app's only network use."""

from __future__ import annotations

import logging
from datetime import UTC, date
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from babel.dates import format_time

from indicators import audit, auth, fetch, imports, methods, webapp
from indicators.formatting import BABEL_LOCALES, format_date
from indicators.http_fetch import FetchError
from indicators.i18n import t
from indicators.settings import db_path, sources_dir
from indicators.store import StoreLockedError
from indicators.ui_text import inert, write_refusal_text

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()
who = webapp.principal()
can_write = who.can_write  # the write functions refuse viewers too: this only hides controls


def shown_actors(names: pd.Series) -> list[str]:
    """Who made a change: the name for maintainers; for viewers only the kind (maintainer or
    system), so the page does not hand out maintainers' e-mail addresses or user names."""
    if can_write:
        return names.tolist()
    return [t(f"auth.actor.{auth.actor_kind(name)}", lang) for name in names]


st.title(t("data.title", lang))
st.caption(t("data.intro", lang))

# ---------------------------------------------------------------- which data is demo and which real
st.header(t("data.provenance_title", lang))
prov = webapp.provenance(version)
names = {i: ind.name.get(lang) for i, ind in config.indicators.items()}
st.dataframe(pd.DataFrame({
    t("data.col.indicator", lang): [names.get(i, i) for i in prov["indicator_id"]],
    t("data.col.rows", lang): prov["rows"].astype(int),
    t("data.col.origin", lang): [
        t("data.origin.demo", lang) if d == r else t("data.origin.real", lang) if d == 0
        else t("data.origin.mixed", lang) for d, r in zip(prov["demo_rows"], prov["rows"],
                                                           strict=True)],
    t("data.col.latest_import", lang): prov["latest_import"].astype(int),
}), hide_index=True, width="stretch")
webapp.explain(methods.PAGE_TOPICS["data"], lang)

# ---------------------------------------------------------------- open data: status and refresh
SHOWN_SOURCES = ("sotkanet", "population")  # as the section lists them
REFRESH_ORDER = ("population", "sotkanet")  # population first: the denominators of the rates
LOCAL_TIME = ZoneInfo("Europe/Helsinki")
_REFRESH_RESULTS = "_open_data_results"
_LOG = logging.getLogger(__name__)



def when_text(value: object) -> str:
    """A UTC time (naive, as stored, or ISO text with an offset) as local date and time."""
    stamp = pd.Timestamp(value)
    moment = stamp.to_pydatetime()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL_TIME)
    return t("sources.when", lang, date=format_date(local.date(), lang),
             time=format_time(local, format="short", locale=BABEL_LOCALES[lang]))


def source_licence(source: str) -> str:
    """The licence(s) the catalogue gives the source's indicators."""
    if source == "sotkanet":
        mine = [config.indicators[i] for i, _ in fetch.sotkanet_indicators(config)]
    else:
        mine = [i for i in config.indicators.values()
                if (i.source_ref or "").startswith("statfin:")]
    return ", ".join(sorted({i.licence for i in mine})) or "–"


def source_address(source: str, latest: dict | None) -> str:
    if latest is not None:
        return str(latest["base_url"])
    try:
        return fetch.base_url_for(source, config)
    except FetchError:
        return "–"


def failure_text(failure: dict) -> str:
    """A logged failed attempt in words; a message whose parameters the log lacks falls back
    to a general sentence rather than failing the page."""
    code = str(failure.get("code") or "")
    params = failure.get("params") or {}
    try:
        if code.startswith("import:"):
            key = "sources.failure_import_row" if params.get("row") else "sources.failure_import"
            return t(key, lang, file=params["file"], row=params.get("row"),
                     problems=params.get("problems", 1))
        return t(f"fetch.error.{code}", lang, **params)
    except (KeyError, IndexError, ValueError):
        return t("sources.failure_generic", lang)


def metadata_value(field: str, value: object) -> str:
    if value is None:
        return "–"
    if field == "data_updated":
        try:
            return format_date(date.fromisoformat(str(value)[:10]), lang)
        except ValueError:
            return str(value)
    return str(value)


def indicator_name(indicator_id: str) -> str:
    known = config.indicators.get(indicator_id)
    return known.name.get(lang) if known is not None else indicator_id


def refresh_source(source: str) -> tuple[str, str]:
    """Refresh one source as this session's principal; (kind, text) to show. Never raises, so
    a failing source does not stop the next one."""
    label = t(f"fetch.source.{source}", lang)
    try:
        options = fetch.options_for(source, config, sources_dir=sources_dir(),
                                    lock_timeout_s=10.0)
        result = fetch.refresh(source, config, db_path(), options, actor=webapp.principal())
    except fetch.RefreshFailed as failure:
        lines = "\n".join(f"- {inert(line)}" for line in failure.messages(lang))
        return "error", t("sources.result.failed", lang, source=label) + "\n\n" + lines
    except FetchError as error:  # the configured address itself is not usable
        return "error", (t("sources.result.failed", lang, source=label) + "\n\n- "
                         + inert(error.message(lang)))
    except (auth.NotAllowedError, StoreLockedError) as exc:
        return "error", f"{label}: {write_refusal_text(exc, lang)}"
    except Exception as exc:  # keep the other source going; the log has the traceback
        _LOG.exception("refreshing %s failed", source)
        return "error", (t("sources.result.failed", lang, source=label) + " "
                         + t("sources.result.unexpected", lang, error=type(exc).__name__))
    if result.unchanged:
        return "info", t("sources.result.unchanged", lang, source=label,
                         requests=result.requests, rows=result.rows)
    return "success", t("sources.result.refreshed", lang, source=label, requests=result.requests,
                        rows=result.rows, changed=result.changed, import_id=result.import_id)


RESULT_ICONS = {"success": ":material/check_circle:", "info": ":material/info:",
                "error": ":material/error:"}


def show_source(source: str, state: dict) -> None:
    latest, failure = state["latest"], state["failure"]
    st.subheader(t(f"fetch.source.{source}", lang))
    if latest is None:
        st.info(t("sources.never", lang), icon=":material/schedule:")
    else:
        detail = latest.get("detail") or {}
        actor = shown_actors(pd.Series([str(latest["actor"])]))[0]
        st.markdown(t("sources.refreshed", lang, when=when_text(latest["refreshed_at"]),
                      actor=inert(actor)))
        st.markdown(t("sources.counts", lang, requests=int(latest["requests"]),
                      rows=int(latest["rows"]), changed=int(latest["changed"]),
                      years=inert(detail.get("years", "–"))))
        if latest.get("from_cache"):  # stored answers re-used, not asked of the source now
            st.warning(t("sources.from_cache", lang), icon=":material/history:")
        if latest.get("import_id") is None:
            st.markdown(t("sources.no_import", lang))
        elif latest.get("import_outcome") == "rolled_back":
            st.warning(t("sources.import_rolled_back", lang, import_id=int(latest["import_id"])),
                       icon=":material/undo:")
        else:
            st.markdown(":material/check_circle: "
                        + t("sources.import_ok", lang, import_id=int(latest["import_id"])))
        changes = detail.get("changes") or {}
        if changes:
            st.caption(t("sources.changes_title", lang))
            st.dataframe(pd.DataFrame({
                t("sources.col.indicator", lang): [indicator_name(i) for i in changes],
                t("sources.col.added", lang): [int(c.get("added", 0)) for c in changes.values()],
                t("sources.col.changed", lang): [int(c.get("changed", 0))
                                                 for c in changes.values()],
            }), hide_index=True, width="stretch")
        metadata = detail.get("metadata") or []
        first = {m["indicator_id"] for m in metadata if m.get("old") is None}
        changed_meta = [m for m in metadata if m.get("old") is not None]
        if changed_meta:
            st.caption(t("sources.metadata_title", lang))
            st.dataframe(pd.DataFrame({
                t("sources.col.indicator", lang): [indicator_name(m["indicator_id"])
                                                   for m in changed_meta],
                t("sources.col.field", lang): [t(f"sources.field.{m['field']}", lang)
                                               for m in changed_meta],
                t("sources.col.change", lang): [
                    f"{metadata_value(m['field'], m['old'])} → "
                    f"{metadata_value(m['field'], m['new'])}" for m in changed_meta],
            }), hide_index=True, width="stretch")
        if first:
            st.caption(t("sources.metadata_first", lang, count=len(first)))
        for code, params in detail.get("notes") or []:
            try:
                st.caption(inert(t(f"import.note.{code}", lang, **params)))
            except (KeyError, IndexError, ValueError):
                continue
    if failure is not None:
        st.warning(t("sources.failure", lang, when=when_text(failure["at"]),
                     message=inert(failure_text(failure))), icon=":material/warning:")
    st.caption(t("sources.address", lang, url=inert(source_address(source, latest))) + " · "
               + t("sources.licence", lang, licence=inert(source_licence(source))))


st.header(t("sources.title", lang))
st.caption(t("sources.intro", lang))
if can_write:
    if st.button(t("sources.button", lang), icon=":material/cloud_download:",
                 help=t("sources.button_help", lang), key="refresh_open_data"):
        with st.spinner(t("sources.spinner", lang)):
            outcomes = [refresh_source(source) for source in REFRESH_ORDER]
        st.session_state[_REFRESH_RESULTS] = outcomes
        st.rerun()  # draw the whole page again on the new store version
    for kind, text in st.session_state.pop(_REFRESH_RESULTS, []):
        getattr(st, kind)(text, icon=RESULT_ICONS[kind])
else:
    st.caption(t("sources.viewer_note", lang))
status = webapp.source_status(webapp.version(), webapp.failure_log_stamp())
for source in SHOWN_SOURCES:
    show_source(source, status[fetch.STORED_SOURCE[source]])

# ---------------------------------------------------------------- upload, validate, confirm
st.header(t("data.upload_title", lang))
if not can_write:
    st.info(t("data.writes_disabled", lang), icon=":material/lock:")
else:
    st.caption(t("data.writes_as", lang, name=webapp.display_name(who)))
    upload = st.file_uploader(t("data.upload_label", lang),
                              type=["csv", "txt", "xlsx", "parquet", "json"],
                              help=t("data.upload_help", lang), key="upload_file")
    regions = st.file_uploader(t("data.regions_label", lang), type=["json"],
                               help=t("data.regions_help", lang), key="upload_regions")
    sheet = st.text_input(t("data.sheet_label", lang), help=t("data.sheet_help", lang)) or None
    if upload is not None:
        path = webapp.save_upload(upload.name, upload.getvalue())
        regions_path = (webapp.save_upload("regions-" + regions.name, regions.getvalue())
                        if regions is not None else None)
        try:
            report, _ = imports.check_file(path, config, display_name=upload.name, sheet=sheet,
                                           regions_path=regions_path)
        finally:  # nothing uploaded stays on disk (it may be a refused personal-data file)
            webapp.forget_upload(path)
        if report.problems:
            st.error(t("import.result.rejected", lang, file=report.file,
                       count=len(report.problems)), icon=":material/error:")
            st.dataframe(pd.DataFrame({
                t("data.col.row", lang): [p.row if p.row is not None else "–"
                                          for p in report.problems],
                t("data.col.column", lang): [p.column or "–" for p in report.problems],
                t("data.col.problem", lang): [p.message(lang) for p in report.problems],
            }).astype(str), hide_index=True, width="stretch")
        else:
            st.success(t("import.result.valid", lang, file=report.file, rows=report.rows),
                       icon=":material/check_circle:")
            for code, params in report.notes:
                st.caption(t(f"import.note.{code}", lang, **params))
            if report.preview is not None:
                st.caption(t("data.preview", lang))
                st.dataframe(report.preview, hide_index=True, width="stretch")
            if st.button(t("data.confirm", lang, rows=report.rows), type="primary",
                         icon=":material/upload:", key=f"confirm_{report.sha256[:12]}"):
                path = webapp.save_upload(upload.name, upload.getvalue())
                try:
                    done = imports.import_file(path, config, db_path(), actor=webapp.principal(),
                                               source="upload", display_name=upload.name,
                                               sheet=sheet, regions_path=regions_path,
                                               lock_timeout_s=10.0)
                except (auth.NotAllowedError, StoreLockedError) as exc:
                    st.error(write_refusal_text(exc, lang), icon=":material/lock:")
                else:
                    if done.problems:
                        st.error(t("import.result.rejected", lang, file=done.file,
                                   count=len(done.problems)), icon=":material/error:")
                    elif done.unchanged:
                        st.info(t("import.result.unchanged", lang, file=done.file),
                                icon=":material/info:")
                    else:
                        st.success(t("import.result.imported", lang, import_id=done.import_id,
                                     rows=done.rows, file=done.file, changed=done.changed),
                                   icon=":material/check_circle:")
                finally:
                    webapp.forget_upload(path)
                    if regions_path is not None:
                        webapp.forget_upload(regions_path)

# ---------------------------------------------------------------- history and rollback
st.header(t("data.history_title", lang))
history = webapp.import_history(webapp.version())
st.dataframe(pd.DataFrame({
    t("data.col.import_id", lang): history["import_id"].astype(int),
    t("data.col.time", lang): history["imported_at"].astype(str).str[:19],
    t("data.col.file", lang): history["file"],
    t("data.col.rows", lang): history["rows"].astype(int),
    t("data.col.source", lang): history["source"],
    t("data.col.actor", lang): shown_actors(history["actor"]),
    t("data.col.outcome", lang): [t(f"data.outcome.{o}", lang) for o in history["outcome"]],
}), hide_index=True, width="stretch")
active = history[history["outcome"] == "ok"]
if can_write and len(active) > 1:  # the first import (the demo build) is the base, not undone here
    latest = int(active["import_id"].iloc[0])
    with st.expander(t("data.rollback_title", lang, import_id=latest)):
        st.caption(t("data.rollback_help", lang))
        sure = st.checkbox(t("data.rollback_confirm", lang, import_id=latest),
                           key=f"rollback_sure_{latest}")
        if st.button(t("data.rollback_button", lang, import_id=latest), disabled=not sure,
                     icon=":material/undo:", key=f"rollback_{latest}"):
            try:
                restored, removed = imports.rollback(db_path(), latest, config,
                                                     actor=webapp.principal(),
                                                     lock_timeout_s=10.0)
                st.success(t("import.result.rolled_back", lang, import_id=latest,
                             restored=restored, removed=removed), icon=":material/undo:")
            except imports.RollbackError as exc:
                st.error(exc.problem.message(lang), icon=":material/error:")
            except (auth.NotAllowedError, StoreLockedError) as exc:
                st.error(write_refusal_text(exc, lang), icon=":material/lock:")

# ---------------------------------------------------------------- audit trail
AUDIT_SHOWN = 200
st.header(t("audit.title", lang))
st.caption(t("audit.intro", lang, limit=AUDIT_SHOWN))
trail = webapp.audit_entries(webapp.version(), AUDIT_SHOWN)
if trail.empty:
    st.info(t("audit.empty", lang), icon=":material/info:")
else:
    st.dataframe(pd.DataFrame({
        t("audit.col.time", lang): trail["logged_at"].astype(str).str[:19],
        t("audit.col.actor", lang): shown_actors(trail["actor"]),
        t("audit.col.action", lang): [t(f"audit.action.{a}", lang) if a in audit.ACTIONS else a
                                      for a in trail["action"]],
        t("audit.col.target", lang): trail["target"],
        t("audit.col.detail", lang): [audit.detail_text(d) for d in trail["detail"]],
        t("audit.col.hash", lang): trail["content_sha256"].str[:16],
    }), hide_index=True, width="stretch")

# ---------------------------------------------------------------- the catalogue
st.header(t("data.catalogue_title", lang))
catalogue = pd.DataFrame({
    t("data.col.id", lang): list(config.indicators),
    t("data.col.indicator", lang): [i.name.get(lang) for i in config.indicators.values()],
    t("data.col.theme", lang): [config.theme_name(i.themes[0], lang)
                                for i in config.indicators.values()],
    t("data.col.unit", lang): [t(f"unit.{i.unit}", lang) for i in config.indicators.values()],
    t("data.col.period", lang): [t(f"period_type.{i.period_type}", lang)
                                 for i in config.indicators.values()],
    t("data.col.source", lang): [i.source for i in config.indicators.values()],
    t("data.col.licence", lang): [i.licence for i in config.indicators.values()],
    t("data.col.source_ref", lang): [i.source_ref or "–" for i in config.indicators.values()],
})
st.dataframe(catalogue, hide_index=True, width="stretch")
chosen = st.selectbox(t("data.definition_of", lang), list(config.indicators),
                      format_func=lambda i: config.indicators[i].name.get(lang),
                      key="catalogue_pick")
st.markdown(f"**{config.indicators[chosen].name.get(lang)}** — "
            f"{config.indicators[chosen].definition.get(lang)}")
