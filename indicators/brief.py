"""The Arkitiimi brief: one municipality and one phenomenon on one printable page.

Built from the same suppressing query layer as the pages (hidden cells appear only as `..`), as a
structure first (tested), then rendered as self-contained HTML (print CSS, A4) and as CSV tables.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators import phenomena, queries
from indicators.config import Config, Phenomenon
from indicators.downloads import to_excel_csv
from indicators.formatting import format_date, format_number, format_period, format_value
from indicators.i18n import t


@dataclass(frozen=True)
class BriefRow:
    indicator: str
    area: str
    period: str
    value: str
    interval: str
    verdict: str
    rule: str


@dataclass(frozen=True)
class Brief:
    title: str
    municipality: str
    region: str
    as_of: str
    demo: bool
    rows: list[BriefRow]
    actions: list[tuple[str, str, str]]  # name, status, progress
    questions: list[str]
    sources: list[str]


def build_brief(reader: queries.Reader, config: Config, phenomenon: Phenomenon,
                municipality: str, lang: str = "fi") -> Brief:
    area = config.areas[municipality]
    region = config.areas[area.parent_code] if area.parent_code else area
    start = phenomenon.first_action_start()
    rows: list[BriefRow] = []
    for indicator_id in phenomenon.indicator_ids:
        indicator = config.indicators[indicator_id]
        level = phenomena.chart_level(indicator)
        for code in (municipality, region.code):
            frame = queries.series(reader, indicator, [code], level=level)
            latest = queries.latest(reader, indicator, [code], level=level)[0]
            verdict = phenomena.verdict_for(frame, indicator, start)
            if latest.period is None:
                value, interval, period = "–", "", ""
            else:
                period = format_period(latest.period, lang)
                value = format_value(latest.value, indicator.decimals, latest.suppressed, lang)
                interval = "" if latest.suppressed or pd.isna(latest.low) else (
                    f"{format_number(latest.low, indicator.decimals, lang)}–"
                    f"{format_number(latest.high, indicator.decimals, lang)}")
            rows.append(BriefRow(indicator.name.get(lang), config.areas[code].name(lang), period,
                                 value, interval, t(f"phenomenon.verdict.{verdict.code}", lang),
                                 phenomena.rule_text(verdict, lang)))
    actions = []
    for action in phenomenon.actions:
        progress = ""
        if action.progress is not None:
            progress = (f"{format_number(action.progress.done, 0, lang)} / "
                        f"{format_number(action.progress.target, 0, lang)} "
                        f"{action.progress.measure.get(lang)}")
        actions.append((action.name.get(lang), t(f"action_status.{action.status}", lang),
                        progress))
    meta = queries.store_meta(reader)
    sources = sorted({f"{config.indicators[i].source} ({config.indicators[i].licence})"
                      for i in phenomenon.indicator_ids})
    as_of = meta.get("as_of", "")
    return Brief(
        title=t("brief.title", lang, phenomenon=phenomenon.name.get(lang),
                municipality=area.name(lang)),
        municipality=area.name(lang), region=region.name(lang),
        as_of=format_date(date.fromisoformat(as_of), lang) if as_of else "",
        demo=queries.dataset_kind(reader) != "real", rows=rows, actions=actions,
        questions=[t(f"brief.question.{k}", lang, municipality=area.name(lang))
                   for k in ("where", "who", "next")],
        sources=sources)


def brief_tables(brief: Brief, lang: str = "fi") -> pd.DataFrame:
    return pd.DataFrame({
        t("brief.col.indicator", lang): [r.indicator for r in brief.rows],
        t("brief.col.area", lang): [r.area for r in brief.rows],
        t("brief.col.period", lang): [r.period for r in brief.rows],
        t("brief.col.value", lang): [r.value for r in brief.rows],
        t("brief.col.interval", lang): [r.interval for r in brief.rows],
        t("brief.col.verdict", lang): [r.verdict for r in brief.rows],
        t("brief.col.rule", lang): [r.rule for r in brief.rows],
    })


def brief_csv(brief: Brief, lang: str = "fi") -> bytes:
    return to_excel_csv(brief_tables(brief, lang), lang)


def brief_html(brief: Brief, lang: str = "fi") -> str:
    """A self-contained, printable A4 page (no scripts, no external files)."""
    e = html.escape
    table = brief_tables(brief, lang)
    head = "".join(f"<th>{e(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    actions = "".join(f"<li><strong>{e(n)}</strong> – {e(s)}{' – ' + e(p) if p else ''}</li>"
                      for n, s, p in brief.actions)
    questions = "".join(f"<li>{e(q)}</li>" for q in brief.questions)
    demo = f'<p class="demo">{e(t("brief.demo", lang))}</p>' if brief.demo else ""
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(brief.title)}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: Arial, sans-serif; color: #1a1a1a; font-size: 10.5pt; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt; }} h2 {{ font-size: 12pt; margin: 12pt 0 4pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #8c8c8c; padding: 3pt 4pt; text-align: left; vertical-align: top; }}
th {{ background: #f2f4f7; }}
.demo {{ border: 2px solid #D55E00; padding: 4pt; font-weight: bold; }}
.meta, footer {{ color: #333; font-size: 9pt; }}
</style></head><body>
<h1>{e(brief.title)}</h1>
<p class="meta">{e(t("brief.meta", lang, region=brief.region, as_of=brief.as_of))}</p>
{demo}
<h2>{e(t("brief.figures", lang))}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p class="meta">{e(t("brief.reading", lang))}</p>
<h2>{e(t("brief.actions", lang))}</h2><ul>{actions}</ul>
<h2>{e(t("brief.questions", lang))}</h2><ul>{questions}</ul>
<footer>{e(t("brief.sources", lang))}: {e("; ".join(brief.sources))}</footer>
</body></html>
"""
