"""Display text built from data: labels, status badges, error messages (no Streamlit here)."""

from __future__ import annotations

import math
from datetime import date

from indicators.config import Area, Config, ConfigError, Indicator
from indicators.formatting import format_date, format_number, format_period, unit_label
from indicators.i18n import t
from indicators.problems import coded_word
from indicators.queries import Latest
from indicators.store import StoreError, StoreLockedError

STATUS_ICONS = {
    "improved": ":material/check_circle:",
    "worsened": ":material/warning:",
    "increased": ":material/north_east:",
    "decreased": ":material/south_east:",
    "no_clear_change": ":material/remove:",
    "not_assessable": ":material/help:",
}


def status_badge(status: str, lang: str = "fi") -> str:
    """Status as icon **and** text (never colour alone), as Streamlit markdown."""
    return f"{STATUS_ICONS[status]} {t(f'status.{status}', lang)}"


def area_option_label(area: Area, lang: str = "fi") -> str:
    return t(f"sidebar.level_prefix.{area.level}", lang) + area.name(lang)


def as_of_text(iso_day: str, lang: str = "fi") -> str:
    try:
        return format_date(date.fromisoformat(iso_day), lang)
    except ValueError:
        return iso_day


def config_error_lines(exc: ConfigError, lang: str = "fi") -> list[str]:
    """One Finnish line per problem, naming the file and the key path."""
    lines = []
    for issue in exc.issues:
        key = f"config.problem.{issue.kind}"
        context = {name: coded_word(issue.kind, name, value, lang)
                   for name, value in issue.context.items()}
        try:
            problem = t(key, lang, **{**context, "detail": issue.message})
        except KeyError:  # an unlisted kind, or a message needing context pydantic did not give
            problem = t("config.problem.other", lang, detail=issue.message)
        lines.append(t("config.issue", lang, file=issue.file, location=issue.location or "–",
                       problem=problem))
    return lines


def write_refusal_text(exc: Exception, lang: str = "fi") -> str:
    """Why a write did not happen (nothing changed): signed out, or another writer too long."""
    if isinstance(exc, StoreError):
        return store_error_text(exc, lang)
    return t("auth.not_allowed", lang)


def store_error_text(exc: StoreError, lang: str = "fi") -> str:
    if isinstance(exc, StoreLockedError):
        return t("store.locked", lang)
    return t("store.error_title", lang) + f": {exc}"


def area_lineage(config: Config, code: str) -> list[str]:
    """Areas to compare with `code`: itself, its ancestors up to the county, and the country.

    For the county itself: the county, its regions and the country.
    """
    area = config.areas[code]
    if area.level == "country":
        return [config.county_code, *config.region_codes, code]
    if area.level == "county":
        return [code, *config.region_codes, config.country_code]
    out = [code]
    parent = area.parent_code
    while parent and config.areas[parent].level != "country":
        out.append(parent)
        parent = config.areas[parent].parent_code
    return [*out, config.country_code]


def latest_summary(result: Latest, indicator: Indicator, area_name: str, lang: str = "fi") -> str:
    """The latest figure in words, with its interval; a hidden cell says so and gives no number."""
    if result.period is None:
        return t("indicator.summary_no_data", lang, area=area_name)
    period = format_period(result.period, lang)
    if result.suppressed:
        return t("indicator.summary_suppressed", lang, area=area_name, period=period)
    text = t("indicator.summary", lang, area=area_name, period=period,
             value=format_number(result.value, indicator.decimals, lang),
             unit=unit_label(indicator.unit, lang))
    if not math.isnan(result.low):
        text += " " + t("indicator.summary_interval", lang,
                        low=format_number(result.low, indicator.decimals, lang),
                        high=format_number(result.high, indicator.decimals, lang))
    return text


def value_markup(value: str, unit: str = "") -> str:
    """A card's big figure as HTML: large type but not a heading, so the page's heading outline
    stays the page's sections (screen-reader users jump by headings)."""
    from html import escape

    small = f" <small>{escape(unit)}</small>" if unit else ""
    return f'<p class="card-value" style="font-size:1.75rem;font-weight:600;margin:0 0 0.25rem">' \
           f"{escape(value)}{small}</p>"


def inert(text: object) -> str:
    """Text from a source or a log as plain text in Markdown (no emphasis, links or HTML)."""
    out = str(text)
    for char in "\\`*_[]<>#|~$":
        out = out.replace(char, "\\" + char)
    return out
