"""The review pack as words, tables and chart specifications, shared by the review page and every
export (HTML, PDF, Excel, PowerPoint), so all of them show the same pack.

* `section_tables(pack, config, lang)`: one table per section, values as display text (Finnish
  number format, `..` for a hidden figure) for the page, HTML and slides;
* `data_tables(pack, config, lang)`: the same sections with numbers as numbers and a `salattu`
  (suppressed) flag column, for spreadsheets;
* `chart_specs(pack, config, lang)`: each chart of the pack as plain data (categories, series with
  None for hidden points, unit, title, text alternative, source line and link): the HTML draws it
  with plotly, the deck as a native PowerPoint chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from indicators import phenomena
from indicators.config import Config
from indicators.formatting import (
    format_change,
    format_date,
    format_number,
    format_period,
    format_value,
    unit_label,
)
from indicators.goal_figures import key_result_text
from indicators.goal_texts import path_text, reason_text, status_label, when_text
from indicators.i18n import t
from indicators.omatiimi import LEAD_TIME_MEDIAN, lead_card_text
from indicators.review import ReviewPack, local_link, sources

SECTIONS = ("key_results", "signals", "new_figures", "actions", "omatiimi", "checkins")


def title(pack: ReviewPack, config: Config, lang: str = "fi") -> str:
    return t("review.pack_title", lang, area=config.areas[pack.area_code].name(lang),
             quarter=format_period(pack.quarter, lang))


def subtitle(pack: ReviewPack, lang: str = "fi") -> str:
    return t("review.pack_subtitle", lang, previous=format_period(pack.previous_quarter, lang),
             end=format_date(pack.quarter_end, lang))


def publisher(config: Config, lang: str = "fi") -> str:
    """Who publishes the pack (site.yaml), or the dashboard's name."""
    return config.site.publisher.get(lang) if config.site.publisher else t("app.title", lang)


def provenance_lines(pack: ReviewPack, config: Config, lang: str = "fi") -> list[str]:
    """Where the figures come from, under which licence, as of when; demo data said so."""
    lines = [t("review.sources", lang, items="; ".join(
        t("review.source_item", lang, source=s, licence=lic) for s, lic in sources(config, pack)))]
    if pack.data_as_of:
        lines.append(t("app.data_as_of", lang, as_of=format_date(
            pd.Timestamp(pack.data_as_of).date(), lang)))
    if pack.dataset in ("demo", "mixed"):
        lines.append(t(f"review.dataset.{pack.dataset}", lang))
    return lines


def _indicator_name(config: Config, indicator_id: str | None, lang: str) -> str:
    return config.indicators[indicator_id].name.get(lang) if indicator_id else ""


def _kr_name(config: Config, kr_id: str, lang: str) -> str:
    return next(k.name.get(lang) for o in config.objectives for k in o.key_results
                if k.id == kr_id)


def _action(config: Config, phenomenon_id: str, action_id: str):
    phenomenon = next(p for p in config.phenomena if p.id == phenomenon_id)
    return phenomenon, next(a for a in phenomenon.actions if a.id == action_id)


def section_tables(pack: ReviewPack, config: Config, lang: str = "fi") -> dict[str, pd.DataFrame]:
    """Section key -> table of display text (column headers from the message catalogue)."""
    def col(key: str) -> str:
        return t(f"review.col.{key}", lang)

    out: dict[str, pd.DataFrame] = {}
    out["key_results"] = pd.DataFrame([{
        col("key_result"): _kr_name(config, i.result.key_result_id, lang),
        col("area"): ", ".join(config.areas[c].short(lang) for c in i.result.area_codes),
        col("status_before"): status_label(i.before.status, lang),
        col("status"): status_label(i.result.status, lang),
        col("change"): t(f"review.change.{i.change}", lang),
        col("path"): path_text(i.result, config, lang),
        col("reason"): reason_text(i.result, config, lang),
    } for i in pack.key_results], columns=[col(k) for k in (
        "key_result", "area", "status_before", "status", "change", "path", "reason")])
    out["signals"] = pd.DataFrame([{
        col("indicator"): _indicator_name(config, s.indicator_id, lang),
        col("area"): config.areas[s.area_code].name(lang),
        col("verdict"): t(f"phenomenon.verdict.{s.verdict.code}", lang),
        col("rule"): phenomena.rule_text(s.verdict, lang),
        col("new_signal"): t("review.answer_yes", lang) if s.new else t("review.answer_no", lang),
        col("last_period"): format_period(s.last_period, lang) if s.last_period else "",
    } for s in pack.signals], columns=[col(k) for k in (
        "indicator", "area", "verdict", "rule", "new_signal", "last_period")])
    rows = []
    for f in pack.new_figures:
        indicator = config.indicators[f.indicator_id]
        latest = f.latest
        rows.append({
            col("indicator"): indicator.name.get(lang),
            col("area"): config.areas[f.area_code].name(lang),
            col("period"): format_period(latest.period or "", lang),
            col("value"): format_value(latest.value, indicator.decimals, latest.suppressed, lang),
            col("unit"): unit_label(indicator.unit, lang),
            col("compared_with"): format_period(latest.compare_period, lang)
            if latest.compare_period else "",
            col("delta"): format_change(latest.delta, indicator.decimals, lang),
            col("status"): t(f"status.{latest.status}", lang),
            col("new"): t("review.answer_yes", lang) if f.new else t("review.answer_no", lang),
        })
    out["new_figures"] = pd.DataFrame(rows, columns=[col(k) for k in (
        "indicator", "area", "period", "value", "unit", "compared_with", "delta", "status",
        "new")])
    rows = []
    for a in pack.actions:
        phenomenon, action = _action(config, a.phenomenon_id, a.action_id)
        measure = action.progress.measure.get(lang) if action.progress else ""
        rows.append({
            col("phenomenon"): phenomenon.name.get(lang),
            col("action"): action.name.get(lang),
            col("status"): t(f"review.action_status.{a.status}", lang),
            col("progress"): t("review.progress", lang, done=format_number(a.done, 0, lang),
                               target=format_number(a.target, 0, lang), measure=measure)
            if a.done is not None else "",
            col("as_of"): format_date(a.as_of, lang) if a.as_of else "",
        })
    out["actions"] = pd.DataFrame(rows, columns=[col(k) for k in (
        "phenomenon", "action", "status", "progress", "as_of")])
    rows = []
    for card in pack.omatiimi_cards:
        if card.indicator_id == LEAD_TIME_MEDIAN:
            name, value = t("omatiimi.cards.lead_name", lang), lead_card_text(card, lang)
        else:
            indicator = config.indicators[card.indicator_id]
            name = indicator.name.get(lang)
            value = format_value(card.value, indicator.decimals, card.suppressed, lang) \
                if card.period else t("omatiimi.cards.no_data", lang)
            value = f"{value} {unit_label(indicator.unit, lang)}" if card.period else value
        rows.append({col("indicator"): name, col("value"): value,
                     col("status"): t(f"status.{card.status}", lang),
                     col("volume"): "" if math.isnan(card.volume) else format_number(
                         card.volume, 0, lang)})
    out["omatiimi"] = pd.DataFrame(rows, columns=[col(k) for k in (
        "indicator", "value", "status", "volume")])
    out["checkins"] = pd.DataFrame([{
        col("key_result"): _kr_name(config, str(r["key_result_id"]), lang),
        col("confidence"): f"{int(r['confidence'])}/10",
        col("seen"): r["seen"], col("why"): r["why"], col("next_steps"): r["next_steps"],
        col("organisation"): r["organisation"],
        col("date"): format_date(pd.Timestamp(r["checkin_date"]).date(), lang),
    } for r in pack.checkins.to_dict("records")], columns=[col(k) for k in (
        "key_result", "confidence", "seen", "why", "next_steps", "organisation", "date")])
    return out


#: the sections whose rows each open a view in the dashboard
LINKED_SECTIONS = ("key_results", "signals", "new_figures", "actions")


def page_tables(pack: ReviewPack, config: Config, lang: str = "fi") -> dict[str, pd.DataFrame]:
    """`section_tables` as the review page shows them: the table of a linked section that has
    rows ends in a column (`review.open`) of links to each row's view in this dashboard."""
    items = {"key_results": pack.key_results, "signals": pack.signals,
             "new_figures": pack.new_figures, "actions": pack.actions}
    column = t("review.open", lang)
    out = {}
    for section, table in section_tables(pack, config, lang).items():
        if section in items and not table.empty:
            table = table.assign(**{column: [local_link(config, i.link)
                                             for i in items[section]]})
        out[section] = table
    return out


def data_tables(pack: ReviewPack, config: Config, lang: str = "fi") -> dict[str, pd.DataFrame]:
    """The sections with numbers as numbers (hidden: empty) and a suppression flag, plus a
    metadata table: for spreadsheets."""
    def col(key: str) -> str:
        return t(f"review.col.{key}", lang)

    hidden = col("suppressed")
    out: dict[str, pd.DataFrame] = {}
    rows = []
    for i in pack.key_results:
        r = i.result

        def number(point, decimals=r.decimals):
            if point is None or point.suppressed or math.isnan(point.value):
                return None
            return round(point.value, decimals)

        rows.append({
            col("key_result"): _kr_name(config, r.key_result_id, lang),
            col("area"): ", ".join(r.area_codes), col("indicator"): r.indicator_id or "",
            col("baseline_period"): r.baseline.label if r.baseline else "",
            col("baseline"): number(r.baseline),
            col("latest_period"): r.latest.label if r.latest else "",
            col("latest"): number(r.latest), col("target_period"): r.target.label,
            col("target"): r.target.value,
            col("score"): None if math.isnan(r.score) else round(r.score, 4),
            col("expected"): None if math.isnan(r.expected) else round(r.expected, 4),
            col("status_before"): status_label(i.before.status, lang),
            col("status"): status_label(r.status, lang), col("change"):
                t(f"review.change.{i.change}", lang),
            hidden: r.suppressed,
        })
    out["key_results"] = pd.DataFrame(rows)
    rows = []
    for f in pack.new_figures:
        latest = f.latest
        rows.append({
            col("indicator"): f.indicator_id, col("area"): f.area_code,
            col("period"): latest.period,
            col("value"): None if latest.suppressed or math.isnan(latest.value) else latest.value,
            col("low"): None if latest.suppressed or math.isnan(latest.low) else latest.low,
            col("high"): None if latest.suppressed or math.isnan(latest.high) else latest.high,
            col("unit"): config.indicators[f.indicator_id].unit,
            col("compared_with"): latest.compare_period or "",
            col("delta"): None if math.isnan(latest.delta) else latest.delta,
            col("status"): t(f"status.{latest.status}", lang),
            col("new"): f.new, hidden: latest.suppressed,
        })
    out["new_figures"] = pd.DataFrame(rows)
    display = section_tables(pack, config, lang)
    for key in ("signals", "actions", "omatiimi", "checkins"):
        out[key] = display[key]
    meta = [(t("review.meta.area", lang), config.areas[pack.area_code].name(lang)),
            (t("review.meta.quarter", lang), pack.quarter),
            (t("review.meta.previous", lang), pack.previous_quarter),
            (t("review.meta.data_as_of", lang), pack.data_as_of),
            (t("review.meta.dataset", lang), t(f"review.dataset_word.{pack.dataset}", lang)),
            (t("review.meta.link", lang), pack.links["review"])]
    meta += [(t("review.meta.source", lang), f"{s} ({lic})") for s, lic in sources(config, pack)]
    out["meta"] = pd.DataFrame(meta, columns=[col("key"), col("value")])
    return out


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the pack as plain data, for any renderer."""

    key: str  # e.g. 'kr:contacts_attention_hml'
    title: str
    categories: tuple[str, ...]  # x labels (periods or dates as people read them)
    series: tuple[tuple[str, tuple[float | None, ...]], ...]  # (name, values; None = gap)
    unit: str
    decimals: int
    text: str  # the text alternative
    source: str  # source · licence · unit
    link: str
    status: str  # the status in words (with its symbol)
    table: pd.DataFrame  # the numbers behind the chart


def chart_specs(pack: ReviewPack, config: Config, lang: str = "fi") -> list[ChartSpec]:
    """One chart per key result: observed figures, the planned path from baseline to target
    and the target, on the periods of the series plus the target period."""
    from indicators.goal_figures import key_result_table, planned_value
    from indicators.goal_texts import status_plain, unit_suffix

    out = []
    for item in pack.key_results:
        r = item.result
        points = [p for p in r.series]
        categories = [when_text(p, lang) for p in points]
        observed: list[float | None] = [
            None if p.suppressed or math.isnan(p.value) else round(p.value, r.decimals)
            for p in points]
        planned: list[float | None] = []
        for p in points:  # the path starts at the baseline
            value = planned_value(r, p.when) if r.baseline and p.when >= r.baseline.when \
                else math.nan
            planned.append(None if math.isnan(value) else round(value, r.decimals))
        target_label = when_text(r.target, lang)
        if target_label not in categories:
            categories.append(target_label)
            observed.append(None)
            planned.append(r.target.value if any(v is not None for v in planned) else None)
        target_line = [r.target.value] * len(categories)
        if r.source == "indicator":
            indicator = config.indicators[r.indicator_id or ""]
            source = t("chart.footer", lang, source=indicator.source, licence=indicator.licence,
                       unit=unit_label(indicator.unit, lang))
        elif r.source == "median_days":
            indicator = config.indicators[r.indicator_id or ""]
            source = t("chart.footer", lang, source=indicator.source, licence=indicator.licence,
                       unit=t("review.unit_median_days", lang))
        else:
            phenomenon, action = _action(config, r.phenomenon_id or "", r.action_id or "")
            measure = action.progress.measure.get(lang) if action.progress else ""
            source = t("review.action_source", lang, owner=action.owner, measure=measure)
        series = [(t("goals.point.observed", lang), tuple(observed)),
                  (t("goal_chart.trace.planned", lang), tuple(planned)),
                  (t("goals.point.target", lang), tuple(target_line))]
        out.append(ChartSpec(
            key=f"kr:{r.key_result_id}", title=_kr_name(config, r.key_result_id, lang),
            categories=tuple(categories), series=tuple(series),
            unit=unit_suffix(r, config, lang), decimals=r.decimals,
            text=key_result_text(r, config, lang), source=source, link=item.link,
            status=status_plain(r.status, lang), table=key_result_table(r, config, lang)))
    return out
