"""The documented column-name aliases of input files (README: "Bringing your own data").

Shared by validation (to map columns) and the personal-data guard (so a documented column such as
`aika` or `tunnus` is never mistaken for a person's identifier).
"""

from __future__ import annotations

import re
import unicodedata

# canonical column -> accepted header names (compared after normalise_header)
COLUMN_ALIASES: dict[str, list[str]] = {
    "indicator": ["indicator", "indikaattori", "mittari", "indicator_id", "indikaattori_id",
                  "indikator", "tunnus", "mittarin_tunnus"],
    "area": ["area", "alue", "kunta", "area_code", "aluekoodi", "kuntakoodi", "kunnan_koodi",
             "kunta_koodi", "region", "kommun", "omrade", "alue_koodi"],
    "period": ["period", "vuosi", "kausi", "jakso", "aika", "ajanjakso", "year", "ar", "tid"],
    "sex": ["sex", "sukupuoli", "gender", "kon"],
    "grp": ["grp", "group", "luokka", "ryhma", "ryhmä", "luokka_aste", "grupp", "ikaryhma"],
    "value": ["value", "arvo", "varde", "primary_value", "luku"],
    "numerator": ["numerator", "osoittaja", "absolute_value", "absvalue", "taljare"],
    "denominator": ["denominator", "nimittaja", "namnare"],
    "status": ["status", "tila", "tietojen_tila"],
}

DIMENSIONS = ("indicator", "area", "period", "sex", "grp", "status")
FIGURES = ("value", "numerator", "denominator")


def normalise_header(name: str) -> str:
    """`Nimittäjä ` -> `nimittaja`: lower case, accents off, separators to `_`."""
    text = unicodedata.normalize("NFKD", name.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-./]+", "_", text).strip("_")


def alias_of(header: str) -> str | None:
    """The canonical column a header names, if it is one of the documented aliases."""
    return _LOOKUP.get(normalise_header(header))


_LOOKUP = {normalise_header(alias): canonical
           for canonical, aliases in COLUMN_ALIASES.items() for alias in aliases}
