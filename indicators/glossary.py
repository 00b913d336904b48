"""The glossary of the dashboard's domain words, and a linker that links a word to its definition.

The terms live in the message catalogue (`locales/<lang>.glossary.yaml`): for each term key a
`name` (the word as shown), a `definition` (a few plain sentences) and `match` (the word stems the
linker looks for). A page shows each definition under the HTML id `anchor(key)`, and runs its
texts through one `TermLinker`, which links the first occurrence of each term on the page
(Wikipedia style) as `[word as written](#term-<key>)`.

Matching rule (the `match` message):

* `match` is a comma-separated list of stems; a stem is one or more words separated by spaces.
* Every word of a stem matches a word of the text that *starts with* it, so Finnish inflections
  are caught ("Omatiim" → Omatiimi, Omatiimin, Omatiimissä); a stem word ending in `$` must match
  the whole word ("demo$" → demo, not demokratia). The words of a multi-word stem are separated by
  any whitespace in the text.
* Word characters are letters (with diacritics) and digits; a match starts only where no word
  character precedes it, so nothing links in the middle of a word ("sorsa" is not SRS/ORS).
* A hyphen ends a word: in a hyphenated compound the linked part is the term itself and the rest
  stays outside the link ("[ORS](#term-ors)-mittarilla", "[Himmee hetki](#term-himmee_hetki)
  -käytäntö"), unless the stem itself spells the hyphen ("family-centre working group").
* A stem with an uppercase letter matches case-sensitively ("FIT" does not match "fitness",
  "Omatiim" not "omatiimi"); an all-lowercase stem matches in any case ("perhekesku" →
  Perhekeskus).
* Where matches overlap, the longest wins; of equal spans the longer stem (the more specific term)
  wins, so "perhekeskustyöryhmän" belongs to the working group, not to the family centre, even when
  the working group is already linked.
* Nothing is linked inside Markdown links or images (text or target), reference definitions,
  inline code or fenced code blocks, HTML tags (and the content of `<a>`, `<code>`, `<pre>`),
  URLs and e-mail addresses, Streamlit icon/emoji codes (`:material/info:`), escaped characters,
  or Markdown headings (a heading has its own anchor; the first mention in running text is linked).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from indicators.i18n import normalise_language, t

#: The glossary's terms in the order of the catalogue file.
TERM_KEYS: tuple[str, ...] = (
    "yhteisovaikuttavuus", "ohjausryhma", "perhekeskustyoryhma", "perhekeskus", "arkitiimi",
    "omatiimi", "ilmiolahtoinen_tyo", "okr", "avaintulos", "hyte", "fit", "ors", "srs",
    "aistiesteettomyyskartoitus", "himmee_hetki", "hyvinvointialue", "seutu",
    "kouluterveyskysely", "luottamusvali", "mediaani", "signaali", "salattu_luku",
    "demoaineisto", "ajosarjakaavio",
)

_WORD = r"[^\W_]"  # a letter (any script, with diacritics) or a digit

#: Letters Finnish and Swedish sort after z, in this order.
_NORDIC_TAIL = {"å": 0, "ä": 1, "æ": 1, "ö": 2, "ø": 2}

#: Text the linker never touches; the first alternative that matches at a position wins.
_PROTECTED = re.compile(
    r"""
      ^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^[ \t]{0,3}(?P=fence)[^\n]*$  # fenced code
    | ^[ \t]{0,3}\#{1,6}(?:[ \t][^\n]*)?$                     # ATX heading
    | (?<!`)(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`)  # inline code
    | <!--.*?-->                                              # HTML comment
    | (?i:<(?P<elem>a|code|pre|script|style)\b[^>]*>.*?</(?P=elem)\s*>)  # element and content
    | </?[A-Za-z][^<>\n]*>                                    # any other tag, or an autolink
    | !?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]                     # link or image text ...
      (?:\((?:[^()\n]|\([^()\n]*\))*\)|\[[^\[\]\n]*\])        # ... with (target) or [reference]
    | ^[ \t]{0,3}\[[^\]\n]+\]:[^\n]*$                          # reference definition
    | (?i:(?:https?|ftp)://[^\s<>]+ | www\.[^\s<>]+ | mailto:[^\s<>]+)   # URL
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                            # e-mail address
    | :material/[a-z0-9_]+: | :[a-z0-9_+-]+:                  # Streamlit icon, emoji code
    | \\.                                                     # escaped character
    """,
    re.VERBOSE | re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Term:
    """One glossary entry in one language."""

    key: str
    name: str
    definition: str

    @property
    def anchor(self) -> str:
        """The HTML id of the definition on the page (`term-<key>`)."""
        return anchor(self.key)


def anchor(key: str) -> str:
    """The HTML id that the definition of term `key` carries on the page."""
    return f"term-{key}"


def _check_key(key: str) -> None:
    if key not in TERM_KEYS:
        raise KeyError(f"unknown glossary term {key!r}")


def term(key: str, lang: str) -> Term:
    """The term `key` in `lang` (an unknown language falls back to Finnish, like `t`).

    Raises KeyError for a key that is not in `TERM_KEYS`.
    """
    _check_key(key)
    return Term(key=key, name=t(f"glossary.terms.{key}.name", lang),
                definition=t(f"glossary.terms.{key}.definition", lang))


def sort_key(text: str, lang: str) -> tuple[tuple[tuple[int, object], ...], str]:
    """A key that sorts `text` alphabetically in `lang`, ignoring case.

    Finnish and Swedish put å, ä, ö after z (and ü with y); other languages sort a letter with
    diacritics with its base letter (ä with a).
    """
    nordic = normalise_language(lang) in ("fi", "sv")
    letters: list[tuple[int, object]] = []
    for char in text.casefold():
        if nordic and char in _NORDIC_TAIL:
            letters.append((1, _NORDIC_TAIL[char]))
            continue
        if nordic and char == "ü":
            char = "y"
        letters.append((0, unicodedata.normalize("NFD", char)[0]))
    return tuple(letters), text


def terms(lang: str) -> list[Term]:
    """All terms in `lang`, sorted alphabetically by name in that language."""
    return sorted((term(key, lang) for key in TERM_KEYS),
                  key=lambda item: sort_key(item.name, lang))


def stems(key: str, lang: str) -> list[str]:
    """The stems of term `key` in `lang` (its `match` message split at commas)."""
    _check_key(key)
    return [stem.strip() for stem in t(f"glossary.terms.{key}.match", lang).split(",")
            if stem.strip()]


def stem_pattern(stem: str) -> re.Pattern[str]:
    """The regular expression of one stem (see the module docstring for the rule)."""
    words = stem.split()
    if not words or any(word == "$" for word in words):
        raise ValueError(f"empty glossary stem {stem!r}")
    parts = []
    for word in words:
        if word.endswith("$"):
            parts.append(re.escape(word[:-1]) + rf"(?!{_WORD})")
        else:
            parts.append(re.escape(word) + rf"{_WORD}*")
    body = r"\s+".join(parts)
    if not any(char.isupper() for char in stem):
        body = f"(?i:{body})"
    return re.compile(rf"(?<!{_WORD}){body}")


@lru_cache(maxsize=8)
def _patterns(lang: str) -> tuple[tuple[str, int, re.Pattern[str]], ...]:
    """(term key, stem length, pattern) for every stem of every term in `lang`, compiled once."""
    return tuple((key, len(stem), stem_pattern(stem))
                 for key in TERM_KEYS for stem in stems(key, lang))


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _PROTECTED.finditer(text) if match.end() > match.start()]


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


class TermLinker:
    """Links the first occurrence of each glossary term, once per linker (use one per page)."""

    def __init__(self, lang: str) -> None:
        self.lang = normalise_language(lang)
        self._used: list[str] = []

    @property
    def used(self) -> list[str]:
        """The keys of the terms linked so far, in the order they were first linked."""
        return list(self._used)

    def occurrences(self, text: str) -> list[tuple[int, int, str]]:
        """Every term occurrence the linker sees in `text` as (start, end, key), in text order:
        outside protected text, overlaps resolved (longest span, then longest stem, wins)."""
        protected = _protected_spans(text)
        candidates = []
        for key, stem_length, pattern in _patterns(self.lang):
            for match in pattern.finditer(text):
                if not _overlaps(match.span(), protected):
                    candidates.append((match.start(), match.end(), key, stem_length))
        candidates.sort(key=lambda c: (-(c[1] - c[0]), -c[3], c[0]))
        chosen: list[tuple[int, int, str]] = []
        for start, end, key, _ in candidates:
            if not _overlaps((start, end), [(s, e) for s, e, _ in chosen]):
                chosen.append((start, end, key))
        return sorted(chosen)

    def link(self, text: str) -> str:
        """`text` (Markdown) with the first occurrence of each term this linker has not linked
        yet turned into `[word as written](#term-<key>)`; everything else is left as it was."""
        pieces: list[str] = []
        position = 0
        for start, end, key in self.occurrences(text):
            if key in self._used:
                continue
            self._used.append(key)
            pieces.append(text[position:start])
            pieces.append(f"[{text[start:end]}](#{anchor(key)})")
            position = end
        if not pieces:
            return text
        pieces.append(text[position:])
        return "".join(pieces)
