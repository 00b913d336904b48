"""The glossary: complete in every language, and a linker that links each term once, as written."""

from __future__ import annotations

import re

import pytest
import yaml

from indicators.glossary import (
    TERM_KEYS,
    Term,
    TermLinker,
    anchor,
    sort_key,
    stem_pattern,
    stems,
    term,
    terms,
)
from indicators.i18n import LANGUAGES, LOCALE_DIR, messages

LINK = re.compile(r"\[([^\]]*)\]\(#term-([a-z_]+)\)")


def links(markdown: str) -> list[tuple[str, str]]:
    """(link text, term key) of every glossary link in `markdown`, in order."""
    return [(m.group(1), m.group(2)) for m in LINK.finditer(markdown)]


def linked(text: str, lang: str = "fi") -> list[tuple[str, str]]:
    return links(TermLinker(lang).link(text))


# --- the catalogue -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_term_has_a_name_definition_and_match_and_nothing_else(lang):
    with (LOCALE_DIR / f"{lang}.glossary.yaml").open(encoding="utf-8") as handle:
        catalogue = yaml.safe_load(handle)
    assert list(catalogue) == ["glossary"]
    entries = catalogue["glossary"]["terms"]
    assert tuple(entries) == TERM_KEYS  # TERM_KEYS follows the file's order
    for key, entry in entries.items():
        assert sorted(entry) == ["definition", "match", "name"], key
        assert all(isinstance(v, str) and v.strip() for v in entry.values()), key
        assert not any(brace in value for value in entry.values() for brace in "{}"), key
        assert entry["definition"].rstrip().endswith("."), key
    glossary_keys = {k for k in messages(lang) if k.startswith("glossary.")}
    assert glossary_keys == {f"glossary.terms.{k}.{f}" for k in TERM_KEYS
                             for f in ("name", "definition", "match")}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_stem_compiles(lang):
    for key in TERM_KEYS:
        assert stems(key, lang), key
        for stem in stems(key, lang):
            assert isinstance(stem_pattern(stem), re.Pattern)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", TERM_KEYS)
def test_each_terms_own_name_is_linked_whole_to_that_term(key, lang):
    """A renamed term cannot silently stop linking, nor link as another term."""
    name = term(key, lang).name
    linker = TermLinker(lang)
    assert linker.link(name) == f"[{name}](#term-{key})"
    assert linker.used == [key]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_proper_names_stay_as_they_are_in_every_language(lang):
    names = {key: term(key, lang).name for key in ("omatiimi", "arkitiimi", "himmee_hetki", "fit",
                                                 "ors", "srs", "okr")}
    assert names == {"omatiimi": "Omatiimi", "arkitiimi": "Arkitiimi",
                     "himmee_hetki": "Himmee hetki", "fit": "FIT", "ors": "ORS", "srs": "SRS",
                     "okr": "OKR"}


def test_term_and_anchor():
    omatiimi = term("omatiimi", "sv")
    assert omatiimi == Term(key="omatiimi", name="Omatiimi", definition=omatiimi.definition)
    assert "samtycke" in omatiimi.definition
    assert anchor("salattu_luku") == "term-salattu_luku" == term("salattu_luku", "en").anchor
    assert term("perhekeskus", "en").name == "family centre"
    assert term("perhekeskus", "xx") == term("perhekeskus", "fi")  # falls back like t()
    with pytest.raises(KeyError):
        term("no_such_term", "fi")


# --- sorting -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", ["aamu", "Zeta", "åker", "äes", "Ärrä", "öljy"]),
    ("sv", ["aamu", "Zeta", "åker", "äes", "Ärrä", "öljy"]),
    ("en", ["aamu", "äes", "åker", "Ärrä", "öljy", "Zeta"]),
])
def test_sort_key_puts_nordic_letters_after_z_in_finnish_and_swedish(lang, expected):
    words = ["öljy", "Zeta", "äes", "åker", "aamu", "Ärrä"]
    assert sorted(words, key=lambda w: sort_key(w, lang)) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_terms_are_every_term_sorted_by_name(lang):
    listed = terms(lang)
    assert sorted(t.key for t in listed) == sorted(TERM_KEYS)
    assert [t.name for t in listed] == sorted((t.name for t in listed),
                                              key=lambda n: sort_key(n, lang))


def test_terms_order_in_finnish_ignores_case():
    names = [t.name for t in terms("fi")]
    assert names[:4] == ["aistiesteettömyyskartoitus", "ajosarjakaavio", "Arkitiimi",
                         "avaintulos"]
    assert names[-1] == "yhteisövaikuttavuus"
    assert names.index("ohjausryhmä") < names.index("OKR") < names.index("Omatiimi") \
        < names.index("ORS")


# --- linking -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Omatiimin palaute", [("Omatiimin", "omatiimi")]),
    ("Arkitiimissä sovittiin", [("Arkitiimissä", "arkitiimi")]),
    ("perhekeskuksen tilat", [("perhekeskuksen", "perhekeskus")]),
    ("Perhekeskusten verkosto", [("Perhekeskusten", "perhekeskus")]),
    ("mitattiin ORS-mittarilla", [("ORS", "ors")]),
    ("SRS:n keskiarvo", [("SRS", "srs")]),
    ("Himmee hetki -käytäntö", [("Himmee hetki", "himmee_hetki")]),
    ("salattua lukua ei näytetä", [("salattua lukua", "salattu_luku")]),
    ("Salatut luvut", [("Salatut luvut", "salattu_luku")]),
    ("seudullisten perhekeskustyöryhmien kokous",
     [("seudullisten perhekeskustyöryhmien", "perhekeskustyoryhma")]),
    ("hyvinvointialueella", [("hyvinvointialueella", "hyvinvointialue")]),
    ("luottamusvälit ovat päällekkäin", [("luottamusvälit", "luottamusvali")]),
    ("kouluterveyskyselystä", [("kouluterveyskyselystä", "kouluterveyskysely")]),
    ("aistiesteettömyyskartoituksen tulos", [("aistiesteettömyyskartoituksen",
                                              "aistiesteettomyyskartoitus")]),
    ("HYTE-työ", [("HYTE", "hyte")]),
])
def test_finnish_inflected_forms_link_as_written(text, expected):
    linker = TermLinker("fi")
    out = linker.link(text)
    assert links(out) == expected
    assert LINK.sub(r"\1", out) == text  # nothing but the link markup was added


@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("sv", "De regionala familjecentralsarbetsgrupperna möts",
     [("regionala familjecentralsarbetsgrupperna", "perhekeskustyoryhma")]),
    ("sv", "en Himmee hetki-praxis", [("Himmee hetki", "himmee_hetki")]),
    ("sv", "Kartläggningar av sensorisk tillgänglighet",
     [("Kartläggningar av sensorisk tillgänglighet", "aistiesteettomyyskartoitus")]),
    ("sv", "talet är sekretessbelagt", [("sekretessbelagt", "salattu_luku")]),
    ("en", "The regional family-centre working groups met",
     [("regional family-centre working groups", "perhekeskustyoryhma")]),
    ("en", "a Himmee hetki practice", [("Himmee hetki", "himmee_hetki")]),
    ("en", "the run-chart rules", [("run-chart", "ajosarjakaavio")]),
    ("en", "Kanta-Häme wellbeing services county", [("wellbeing services county",
                                                     "hyvinvointialue")]),
])
def test_swedish_and_english_forms_link_as_written(lang, text, expected):
    assert linked(text, lang) == expected


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "fitness and outfitting"),
    ("fi", "sorsa ui, Fitness"),
    ("fi", "orsi ja sorsat"),
    ("en", "forsythia, ForSale, horse"),
    ("fi", "omatiimi kirjoitettuna pienellä"),  # the proper name is case-sensitive
    ("fi", "demokratia ja demonstraatio"),  # demo$ matches the whole word only
    ("en", "democratic demographics"),
    ("fi", "yhteisöllinen vaikuttaminen"),
    ("fi", "Kotiperhekeskus"),  # no link in the middle of a word
    ("fi", "POMATIIMI ja XOmatiimi"),
])
def test_no_link_in_the_middle_of_a_word_or_in_another_case(lang, text):
    assert linked(text, lang) == []


@pytest.mark.parametrize("text", [
    "Katso [Omatiimi ja perhekeskus](https://example.fi/omatiimi) sivulta.",
    "Katso [lisää](https://example.fi/Omatiimi/perhekeskus).",
    "Katso [lisää](#Omatiimi).",
    "![Omatiimi](kuva.png)",
    "[Omatiimi][viite]\n\n[viite]: https://example.fi",
    "Komento `Omatiimi --perhekeskus` ajetaan.",
    "``Omatiimi ` perhekeskus``",
    "```\nOmatiimi perhekeskus\n```",
    '<span title="Omatiimi perhekeskus">x</span>',
    '<a href="x">Omatiimi ja perhekeskus</a>',
    "<!-- Omatiimi -->",
    "Osoite https://example.fi/Omatiimi/perhekeskus ja www.perhekeskus.fi",
    "<https://omatiimi.fi>",
    "perhekeskus@example.fi",
    ":material/signal_cellular_alt: kuvake",
    "## Omatiimi ja perhekeskus",
    r"\Omatiimi",  # an escaped character is never split from its backslash
])
def test_no_link_inside_links_code_html_urls_icons_or_headings(text):
    lang = "en" if "signal" in text else "fi"
    linker = TermLinker(lang)
    assert linker.link(text) == text
    assert linker.used == []


def test_an_unclosed_backtick_does_not_hide_the_next_paragraph():
    out = TermLinker("fi").link("yksi ` merkki\n\nOmatiimi ja `koodi`")
    assert links(out) == [("Omatiimi", "omatiimi")]


def test_a_term_after_an_escape_or_a_code_span_is_linked():
    assert TermLinker("fi").link(r"\*Omatiimi") == r"\*[Omatiimi](#term-omatiimi)"
    assert TermLinker("fi").link("`x`Omatiimi") == "`x`[Omatiimi](#term-omatiimi)"


def test_a_term_inside_a_link_does_not_use_it_up_and_links_later_in_text():
    linker = TermLinker("fi")
    out = linker.link("[Omatiimi](https://x.fi) ja `ORS` – Omatiimin ORS-luku")
    assert links(out) == [("Omatiimin", "omatiimi"), ("ORS", "ors")]
    assert out.startswith("[Omatiimi](https://x.fi) ja `ORS` – ")


def test_the_longest_match_wins_where_terms_overlap():
    assert linked("Seudullinen perhekeskustyöryhmä kokoontui") == [
        ("Seudullinen perhekeskustyöryhmä", "perhekeskustyoryhma")]
    assert linked("alueellinen perhekeskus- ja opiskeluhuollon yhteistyöryhmä") == [
        ("alueellinen perhekeskus- ja opiskeluhuollon yhteistyöryhmä", "ohjausryhma")]
    assert linked("Outcome Rating Scale", "en") == [("Outcome Rating Scale", "ors")]
    assert linked("Objectives and Key Results", "en") == [("Objectives and Key Results", "okr")]


def test_a_compound_belongs_to_the_longer_term_even_when_that_is_used_up():
    linker = TermLinker("fi")
    linker.link("perhekeskustyöryhmä")
    assert linker.link("Perhekeskustyöryhmän jäsenet ja perhekeskus") == \
        "Perhekeskustyöryhmän jäsenet ja [perhekeskus](#term-perhekeskus)"


def test_each_term_is_linked_once_per_linker_across_calls_and_used_keeps_the_order():
    linker = TermLinker("fi")
    first = linker.link("Omatiimi ja ORS. Omatiimin ORS-luku.")
    second = linker.link("Omatiimi, Arkitiimi ja signaali; Arkitiimi uudelleen.")
    third = linker.link("Omatiimi, Arkitiimi, ORS")
    assert links(first) == [("Omatiimi", "omatiimi"), ("ORS", "ors")]
    assert links(second) == [("Arkitiimi", "arkitiimi"), ("signaali", "signaali")]
    assert third == "Omatiimi, Arkitiimi, ORS"
    assert linker.used == ["omatiimi", "ors", "arkitiimi", "signaali"]
    linker.used.append("x")  # a copy: the linker's state cannot be changed from outside
    assert linker.used == ["omatiimi", "ors", "arkitiimi", "signaali"]
    assert links(TermLinker("fi").link("Omatiimi")) == [("Omatiimi", "omatiimi")]  # new page


@pytest.mark.parametrize("text", [
    "",
    "Tavallinen lause ilman sanastoa.",
    "**Lihavoitu** _kursiivi_ | taulukko | `koodi` [linkki](https://x.fi) <br> \\* # ~ > - 1.",
])
def test_text_without_terms_is_returned_unchanged(text):
    linker = TermLinker("fi")
    assert linker.link(text) == text
    assert linker.used == []


def test_markdown_around_a_term_stays_intact():
    text = ("**Omatiimin** palaute: _ORS_ < 36 & SRS > 30 | *perhekeskus* (katso [ohje](#x))\n"
            "- kohta ~~signaali~~ \\*tähti\\*")
    out = TermLinker("fi").link(text)
    assert LINK.sub(r"\1", out) == text
    assert links(out) == [("Omatiimin", "omatiimi"), ("ORS", "ors"), ("SRS", "srs"),
                          ("perhekeskus", "perhekeskus"), ("signaali", "signaali")]
    assert out.startswith("**[Omatiimin](#term-omatiimi)** palaute: _[ORS](#term-ors)_ < 36")


def test_a_multi_word_term_links_across_a_line_break_as_written():
    assert linked("Himmee\nhetki") == [("Himmee\nhetki", "himmee_hetki")]


def test_an_unknown_language_links_with_the_finnish_stems():
    assert linked("perhekeskuksen", "xx") == [("perhekeskuksen", "perhekeskus")]
