"""Words for key results: status by icon and text, the path baseline → latest → target, why the
status is what it is, the noise and the forecast. Shared by the goals page, the CLI and exports
(no Streamlit here)."""

from __future__ import annotations

import math

import pandas as pd

from indicators.config import Config
from indicators.formatting import format_date, format_number, format_period
from indicators.goals import NO_FORECAST_REASONS, KeyResultProgress, Point
from indicators.i18n import t
from indicators.progress import MIN_FORECAST_POINTS, pace_percent

STATUS_ICONS = {
    "achieved": ":material/verified:",
    "on_track": ":material/check_circle:",
    "lagging": ":material/schedule:",
    "at_risk": ":material/warning:",
    "too_early": ":material/hourglass_empty:",
    "no_new_data": ":material/update_disabled:",
    "not_assessable": ":material/help:",
}
# the same statuses as plain characters, for charts, files and terminals
STATUS_SYMBOLS = {"achieved": "★", "on_track": "✓", "lagging": "◔", "at_risk": "⚠",
                  "too_early": "…", "no_new_data": "–", "not_assessable": "?"}


def status_label(status: str, lang: str = "fi") -> str:
    return t(f"goals.status.{status}", lang)


def status_badge(status: str, lang: str = "fi") -> str:
    """Icon **and** text, as Streamlit markdown (never colour alone)."""
    return f"{STATUS_ICONS[status]} {status_label(status, lang)}"


def status_plain(status: str, lang: str = "fi") -> str:
    return f"{STATUS_SYMBOLS[status]} {status_label(status, lang)}"


def unit_suffix(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    if result.source == "median_days":
        return t("goals.unit.days", lang)
    if result.source == "action":
        return ""
    return t(f"goals.unit.{config.indicators[result.indicator_id or ''].unit}", lang)


def when_text(point: Point, lang: str = "fi") -> str:
    """A period as people read it (`7–9/2026`), or a count's date (`31.10.2026`)."""
    try:
        return format_period(point.label, lang)
    except ValueError:
        return format_date(point.when, lang)


def value_text(result: KeyResultProgress, point: Point | None, config: Config,
               lang: str = "fi") -> str:
    """`15,42 ‰`, `..` for a hidden figure, `–` for none."""
    if point is None:
        return t("goals.no_figure", lang)
    if point.suppressed:
        return t("goals.hidden_figure", lang)
    if math.isnan(point.value):
        return t("goals.no_figure", lang)
    suffix = unit_suffix(result, config, lang)
    number = format_number(point.value, result.decimals, lang)
    text = f"{number} {suffix}".strip()
    if result.source == "median_days" and point is not result.target:
        return t("goals.about", lang, value=text)  # estimated inside a class of days
    return text


def path_text(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    """Lähtötaso 19,2 ‰ (10–12/2024) → Viimeisin 15,4 ‰ (7–9/2026) → Tavoite 14,0 ‰ (10–12/2027)."""
    parts = []
    for key, point in (("baseline", result.baseline), ("latest", result.latest),
                       ("target", result.target)):
        when = when_text(point, lang) if point is not None else t("goals.no_figure", lang)
        parts.append(t(f"goals.path.{key}", lang, value=value_text(result, point, config, lang),
                       when=when))
    return " → ".join(parts)


def percent(share: float, lang: str = "fi") -> str:
    return format_number(100 * share, 0, lang) if not math.isnan(share) else "–"


def reason_text(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    """Why the status is what it is, in one or two sentences a reader can check."""
    latest = result.latest
    params = {
        "score": percent(result.score, lang),
        "expected": percent(result.expected, lang),
        "ratio": format_number(pace_percent(result.score, result.expected), 0, lang),
        "start": format_date(result.baseline.when, lang) if result.baseline else "–",
        "end": format_date(result.target.when, lang),
        "when": when_text(latest, lang) if latest else "–",
        "baseline_when": when_text(result.baseline, lang) if result.baseline else "–",
        "target": value_text(result, result.target, config, lang),
        "latest": value_text(result, latest, config, lang),
    }
    text = t(f"goals.reason.{result.reason}", lang, **params)
    if result.next_period and result.status in ("no_new_data", "too_early", "on_track",
                                                "lagging", "at_risk", "achieved"):
        text += " " + next_text(result, config, lang)
    return text


def next_text(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    indicator = config.indicators.get(result.indicator_id or "")
    key = "goals.next.survey" if indicator is not None and indicator.period_type == "survey" \
        else "goals.next.year"
    return t(key, lang, period=result.next_period)


def noise_text(result: KeyResultProgress, lang: str = "fi") -> str:
    if result.noise == "unknown":
        if result.suppressed:
            return t("goals.noise.hidden", lang)
        if result.latest is None or result.baseline is None \
                or result.latest.when <= result.baseline.when:
            return t("goals.noise.no_change_yet", lang)
        if result.baseline_declared:
            return t("goals.noise.declared", lang)
    return t(f"goals.noise.{result.noise}", lang)


def typed_text_html(texts: list[str], text_lang: str) -> str:
    """Texts people typed (a check-in's three answers) as an HTML quote marked with the language
    they were written in (WCAG 3.1.2: a Finnish note on an English page is read as Finnish).
    Escaped: typed text never becomes markup."""
    from html import escape

    lang = text_lang if text_lang in ("fi", "sv", "en") else "fi"
    paragraphs = "".join(f"<p>{escape(' '.join(str(text).split()))}</p>" for text in texts)
    return f'<blockquote lang="{lang}">{paragraphs}</blockquote>'


def forecast_text(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    forecast = result.forecast
    if forecast is None:
        if result.reason in NO_FORECAST_REASONS:
            return t("goals.forecast.none", lang)
        return t("goals.forecast.too_few", lang, n=result.forecast_points,
                 needed=MIN_FORECAST_POINTS)
    # the sentence says "about" itself: the number alone, not value_text's "about 12 days"
    value = f"{format_number(forecast.value, result.decimals, lang)} " \
            f"{unit_suffix(result, config, lang)}"
    return t(f"goals.forecast.{forecast.reach}", lang,
             when=when_text(result.target, lang), value=value.strip(),
             low=format_number(forecast.low, result.decimals, lang),
             high=format_number(forecast.high, result.decimals, lang),
             n=forecast.points)


def summary_text(counts: dict[str, int], lang: str = "fi") -> str:
    """'7 / 18 avaintulosta aikataulussa tai saavutettu' and the rest by status."""
    total = sum(counts.values())
    good = counts.get("on_track", 0) + counts.get("achieved", 0)
    rest = [f"{status_plain(code, lang)} {n}" for code, n in counts.items() if n]
    return t("goals.summary", lang, good=good, total=total, rest=" · ".join(rest))


def area_text(result: KeyResultProgress, config: Config, lang: str = "fi") -> str:
    return ", ".join(config.areas[c].short(lang) for c in result.area_codes)


# ---------------------------------------------------------------- check-ins on a key result's card


def confidence_items(rows: pd.DataFrame, lang: str = "fi") -> str:
    """`7–9/2026: 6, 10–12/2026: 7`: a key result's check-ins' confidence, oldest quarter first."""
    ordered = rows.sort_values("quarter")
    return ", ".join(f"{format_period(str(r['quarter']), lang)}: {int(r['confidence'])}"
                     for r in ordered.to_dict("records"))


def checkin_table(rows: pd.DataFrame, lang: str = "fi") -> pd.DataFrame:
    """A key result's check-ins (a `checkins.history` frame's rows) as shown on its card, newest
    quarter first."""
    ordered = rows.sort_values("quarter", ascending=False)
    return pd.DataFrame({
        t("goals.checkin.col.quarter", lang): [format_period(str(q), lang)
                                               for q in ordered["quarter"]],
        t("goals.checkin.col.confidence", lang): ordered["confidence"].astype(int).to_list(),
        t("goals.checkin.col.seen", lang): ordered["seen"].to_list(),
        t("goals.checkin.col.why", lang): ordered["why"].to_list(),
        t("goals.checkin.col.next_steps", lang): ordered["next_steps"].to_list(),
        t("goals.checkin.col.organisation", lang): ordered["organisation"].to_list(),
        t("goals.checkin.col.checkin_date", lang): [
            format_date(pd.Timestamp(d).date(), lang) for d in ordered["checkin_date"]],
    })
