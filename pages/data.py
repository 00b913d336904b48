"""Data (`/data`): upload → preview → validation report → confirm import; history with rollback;
the indicator catalogue; which figures are demo and which are real."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators import audit, auth, imports, webapp
from indicators.i18n import t
from indicators.settings import db_path
from indicators.store import StoreLockedError
from indicators.ui_text import write_refusal_text

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
