"""Problems found in an input file: where (file, row, column), what, and what to do.

A problem carries a code and parameters, never a rendered sentence, so the same problem can be
shown in Finnish in the UI and in English on the CLI (`import.error.<code>` in the catalogues).
`value` is the offending cell as text, already masked where it could be personal; the personal-data
guard sets it to None so nothing personal is ever echoed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from indicators.i18n import t

# A Finnish personal identity code (henkilötunnus) in any text: DDMMYY, century sign, NNN, check
HETU_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![0-9A-Za-z])",
                          re.IGNORECASE)


def mask_identity_codes(text: str) -> str:
    """Replace anything shaped like an identity code with a fixed mask (checked or not)."""
    return HETU_PATTERN.sub("XXXXXX-XXXX", text)


@dataclass(frozen=True)
class Problem:
    code: str
    file: str
    row: int | None = None  # 1-based line/row number in the file as the user sees it
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "fi") -> str:
        """The problem as one sentence with what to do, in `lang`."""
        shown = None if self.value is None else mask_identity_codes(self.value)[:80]
        params = {name: coded_word(self.code, name, value, lang)
                  for name, value in self.params.items()}
        return t(f"import.error.{self.code}", lang, value=shown, column=self.column,
                 row=self.row, **params)

    def location(self, lang: str = "fi") -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(t("import.where.row", lang, row=self.row))
        if self.column is not None:
            parts.append(t("import.where.column", lang, column=self.column))
        return ", ".join(parts)

    def as_dict(self, lang: str = "fi") -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "code": self.code,
                "message": self.message(lang)}


class InputError(Exception):
    """A file cannot be used; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.code} ({p.file}:{p.row}:{p.column})" for p in problems))


# Parameters that hold a code ("month", "region") are shown as the word in the reader's language:
# (problem code, parameter) -> message family of that code's words.
CODED_PARAMS = {
    ("period_type_mismatch", "expected"): "period_type.",
    ("bad_denominator_source", "ptype"): "period_type.",
    ("rollout_wrong_level", "wanted"): "area_level.",
    ("rollout_wrong_level", "level"): "area_level.",
}


def coded_word(problem: str, name: str, value: object, lang: str = "fi") -> object:
    """`month` -> `kuukausi` for a parameter that names a code; other values as they are."""
    family = CODED_PARAMS.get((problem, name))
    if family is None:
        return value
    try:
        return t(f"{family}{value}", lang)
    except KeyError:  # an unexpected code: show it as it is rather than fail
        return value
