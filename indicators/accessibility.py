"""The accessibility statement (Act on the Provision of Digital Services 306/2019, section 16):
its sections as Markdown in the chosen language, filled from `config/site.yaml`."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.config import Config
from indicators.formatting import format_date
from indicators.i18n import t

# Known gaps, each one a message `a11y.gap.<key>`: what is not accessible, why, and the way round.
KNOWN_GAPS = ("charts", "framework", "documents", "user_text")


@dataclass(frozen=True)
class Section:
    heading: str
    body: str  # Markdown


def statement(config: Config, lang: str) -> list[Section]:
    """The statement's sections; without `accessibility` in site.yaml the feedback section says
    that the channel is not configured yet (the page still states what it can)."""
    site = config.site
    publisher = site.publisher.get(lang) if site.publisher else t("app.subtitle", lang)
    address = site.public_url or t("a11y.no_public_url", lang)
    sections = [
        Section(t("a11y.scope_title", lang),
                t("a11y.scope", lang, app=t("app.title", lang), url=address,
                  publisher=publisher)),
        Section(t("a11y.status_title", lang),
                t("a11y.status", lang) + "\n\n"
                + "\n".join(f"- {t(f'a11y.gap.{key}', lang)}" for key in KNOWN_GAPS)),
        Section(t("a11y.use_title", lang), t("a11y.use", lang)),
    ]
    access = site.accessibility
    if access is None:
        sections.append(Section(t("a11y.feedback_title", lang), t("a11y.no_feedback", lang)))
        return sections
    sections += [
        Section(t("a11y.assessed_title", lang),
                t("a11y.assessed", lang, made=format_date(access.statement_date, lang),
                  reviewed=format_date(access.reviewed_date, lang))),
        Section(t("a11y.feedback_title", lang),
                t("a11y.feedback", lang, email=access.feedback_email,
                  days=access.response_days)),
        Section(t("a11y.enforcement_title", lang),
                t("a11y.enforcement", lang, days=access.response_days,
                  supervisor=access.supervisor.name.get(lang), url=access.supervisor.url)),
    ]
    return sections
