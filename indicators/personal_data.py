"""The personal-data guard: refuse any input file that holds personal data, before anything else.

The dashboard takes only aggregated tables (counts per area, period and indicator). `scan` runs over
every header and every cell of a freshly read file before any other validation and returns one
`Problem` per finding:

* `personal_identity_code` – Finnish personal identity codes (henkilötunnus) anywhere, also inside
  longer text or in a header; a code counts only when its date and check character are valid, so
  product codes and the like of the same shape raise no false alarm.
* `personal_column` – a column of names, addresses, phone numbers, e-mail addresses, birth dates or
  identity codes, recognised by its header (Finnish, Swedish, English) or, for e-mail addresses and
  phone numbers, by its content.
* `row_per_person` – a file that looks like one row per person: an identifier column whose values
  are all different across many rows.

Parameters (the column is `Problem.column`, not a parameter, because `Problem.message` passes it
itself): `personal_identity_code` has `count` (cells holding a code, headers included) and
`columns` (comma-separated), `row` = the first row with a code when `row_numbers` is given;
`personal_column` has `kind` (one of KINDS) and `kind_label` (the kind in words per language, which
the messages use as `{kind_label[fi]}`); `row_per_person` has `rows` (identifiers counted).

Nothing a cell holds is ever echoed: every problem has `value=None`, and its parameters name only
columns (masked where a header itself looks like personal data) and counts. The module logs nothing
and raises nothing that carries a cell's text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from indicators.columns import DIMENSIONS, FIGURES, alias_of
from indicators.i18n import LANGUAGES, t
from indicators.problems import Problem, mask_identity_codes

# ---------------------------------------------------------------------------------------------
# Finnish personal identity codes
# ---------------------------------------------------------------------------------------------

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# century sign -> century; A–F (2000s) and U–Y (1900s) came with the 2023 reform
CENTURIES = {"+": 1800, "-": 1900, **dict.fromkeys("UVWXY", 1900), **dict.fromkeys("ABCDEF", 2000)}
# hyphen look-alikes that spreadsheets and word processors put in place of "-"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"

# Broader than problems.HETU_PATTERN on purpose: letters may touch the code ("hetu131052-308T"),
# only digits may not; a digit check character must not be followed by a digit.
_HETU = re.compile(
    rf"(?<![0-9])([0-9]{{6}})([-+A-FU-Y{_DASHES}])([0-9]{{3}})(?:([0-9])(?![0-9])|([A-Y]))",
    re.IGNORECASE | re.ASCII,
)
_HETU_SHAPE = re.compile(rf"[0-9]{{6}}[-+A-FU-Ya-fu-y{_DASHES}][0-9]{{3}}")


def check_character(birth_date: str, individual_number: str) -> str:
    """The check character of an identity code from its DDMMYY and NNN parts."""
    return CHECK_CHARACTERS[int(birth_date + individual_number) % 31]


def is_identity_code(birth_date: str, sign: str, individual_number: str, check: str) -> bool:
    """Whether the parts form a valid code: real date, number 002–999, matching check character.

    900–999 are temporary identity codes; 000 and 001 are never issued.
    """
    sign = "-" if sign in _DASHES else sign.upper()
    century = CENTURIES.get(sign)
    if century is None or len(birth_date) != 6 or not birth_date.isascii():
        return False
    if not (individual_number.isascii() and individual_number.isdigit()):
        return False
    if not 2 <= int(individual_number) <= 999:
        return False
    try:
        dt.date(century + int(birth_date[4:6]), int(birth_date[2:4]), int(birth_date[0:2]))
    except ValueError:
        return False
    return check.upper() == check_character(birth_date, individual_number)


def contains_identity_code(text: str) -> bool:
    """Whether `text` contains at least one valid identity code."""
    if len(text) < 11 or not _HETU_SHAPE.search(text):
        return False
    for match in _HETU.finditer(text):
        birth_date, sign, number, digit_check, letter_check = match.groups()
        if is_identity_code(birth_date, sign, number, digit_check or letter_check):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Content: e-mail addresses and phone numbers
# ---------------------------------------------------------------------------------------------

# bounded repeats keep the search linear even in a megabyte-long cell or header
_EMAIL_BODY = r"[^@\s<>(),;:\"]{1,64}@[^@\s<>(),;:\"]{1,253}\.[^\W\d_]{2,63}"
_EMAIL = re.compile(rf"(?:mailto:)?{_EMAIL_BODY}")
_EMAIL_ANYWHERE = re.compile(_EMAIL_BODY)
_PHONE_RAW = re.compile(r"\+?[0-9(][0-9 ()\-]*[0-9]", re.ASCII)
# +358 40 1234567 / 00358 40 1234567 / 040 123 4567 / 09 123 4567
_PHONE_COMPACT = re.compile(r"\+[1-9][0-9]{7,14}|00[1-9][0-9]{7,13}|0[1-9][0-9]{6,10}", re.ASCII)
_DATE_LIKE = re.compile(r"[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}", re.ASCII)
_BUSINESS_ID = re.compile(r"[0-9]{7}-[0-9]", re.ASCII)  # Y-tunnus, an organisation's id
_PHONE_ANYWHERE = re.compile(r"(?<![0-9])(?:\+|0)[0-9][0-9 ()\-]{5,24}[0-9](?![0-9])", re.ASCII)


def is_email(text: str) -> bool:
    return bool(_EMAIL.fullmatch(text.strip().strip("<>")))


def is_phone_number(text: str) -> bool:
    """A Finnish or international phone number such as 040 123 4567 or +358 40 1234567."""
    text = text.strip()
    if not _PHONE_RAW.fullmatch(text) or _DATE_LIKE.fullmatch(text):
        return False
    if _BUSINESS_ID.fullmatch(text) or _HETU_SHAPE.fullmatch(text[:-1]):
        return False
    return bool(_PHONE_COMPACT.fullmatch(re.sub(r"[ ()\-]", "", text)))


# "nimi(at)kunta.fi", "nimi [at] kunta.fi": addresses written to dodge spam filters
_EMAIL_SPELLED = re.compile(r"[^\s@()\[\]]{1,64}\s?[(\[]\s?(?:at|ät|a)\s?[)\]]\s?"
                            r"[^\s@]{1,253}\.[^\W\d_]{2,63}", re.IGNORECASE)
# a phone number in running text does not start inside a word or code ("SK051 2026Q3")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9A-Za-zÅÄÖåäö])(?:\+|0)[0-9][0-9 ()\-]{5,24}[0-9](?![0-9])")


def personal_text_kinds(text: str) -> list[str]:
    """Which kinds of personal data a free text seems to hold: 'identity_code' (anything shaped
    like one, checked or not), 'email', 'phone'. Empty when none (for notes typed in the UI).
    Names cannot be told from other words reliably; the form asks people not to write them."""
    kinds = []
    if _HETU_SHAPE.search(text):
        kinds.append("identity_code")
    if _EMAIL_ANYWHERE.search(text) or _EMAIL_SPELLED.search(text):
        kinds.append("email")
    if any(len(re.sub(r"[^0-9]", "", m.group())) >= 7 for m in _PHONE_IN_TEXT.finditer(text)):
        kinds.append("phone")
    return kinds


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------

KINDS = ("name", "address", "phone", "email", "birth_date", "identity_code")


def normalise_header(header: str) -> str:
    """Lower-case ASCII words separated by single spaces: accents, `_ - .` and digits removed.

    "Sähköposti-osoite" -> "sahkopostiosoite"; "E-mail" -> "email"; "Puhelin_2" -> "puhelin";
    "dateOfBirth" -> "date of birth".
    """
    text = unicodedata.normalize("NFKD", str(header))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).casefold()  # firstName, absValue
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\b([es]) (?=mail|post)", r"\1", text)  # e-mail, s-posti, e-post
    text = re.sub(r"\bpuh\b (?=nro|numero)", "puh", text)
    text = re.sub(r"(?<=[a-z])[0-9]+\b", "", text)  # puhelin2, nimi1
    # "osoite" written apart from its first part: "sähköposti osoite", "verkko-osoite"
    text = re.sub(r"\b(sahkoposti|sposti|posti|koti|katu|lahi|verkko) (osoite)", r"\1\2", text)
    return " ".join(text.split())


# Words that make a header an aggregate ("number of e-mails", "phone contacts"): never personal.
_AGGREGATE_WORD = re.compile(
    r"n|lkm|kpl|count|counts|value|values|arvo|arvot|numerator|denominator|osoittaja|nimittaja"
    r"|total|totals|yhteensa|sum|summa|osuus|share|rate|prosentti|percent|percentage|pct"
    r"|mean|keskiarvo|median|mediaani|average|antal|andel|varde|lukumaara|maara|luku|lukuarvo"
    r"|tulos|result|estimate|frequency|freq|ratio|suhde|indeksi"
    r"|[a-z]+(?<!paiva)maara|[a-z]+lkm|[a-z]+osuus|[a-z]+prosentti|[a-z]+antal|[a-z]+andel"
    r"|kontaktit|kontaktia|contacts|calls|puhelut|yhteydenotot"
)
# Count-like columns of an aggregated table (for the row-per-person shape).
_COUNT_WORD = re.compile(
    r"n|lkm|kpl|count|counts|value|values|arvo|arvot|numerator|denominator|osoittaja|nimittaja"
    r"|total|yhteensa|sum|summa|osuus|share|rate|prosentti|percent|percentage|pct|mean|keskiarvo"
    r"|median|mediaani|average|antal|andel|varde|lukumaara|maara|lukuarvo|tulos|result|estimate"
    r"|frequency|ratio|[a-z]+(?<!paiva)maara|[a-z]+lkm|[a-z]+osuus|[a-z]+prosentti|[a-z]+antal|[a-z]+andel"
)
_YEAR_HEADER = re.compile(r"(?:19|20)[0-9]{2}\b.*")  # wide format: one value column per period

# Headers naming an organisation or a place, not a person ("koulun nimi", "toimipisteen osoite").
_ORGANISATION_STEMS = (
    "kunta", "kunna", "alue", "area", "region", "seutu", "maakun", "municip", "kommun", "omrad",
    "koulu", "school", "skola", "yksik", "unit", "toimipist", "palvelu", "service", "organi",
    "yritys", "yrityk", "company", "firma", "indikaat", "indicat", "indikator", "verkko", "www",
    "web", "internet", "url", "office", "toimisto", "kirjasto", "paivakoti", "neuvola",
)

# Personal subjects that may precede or follow a weak word: "asiakkaan nimi", "client name".
_SUBJECTS = frozenset({
    "asiakas", "asiakkaan", "henkilon", "oppilas", "oppilaan", "potilas", "potilaan", "lapsen",
    "lapsi", "huoltajan", "huoltaja", "vanhemman", "aidin", "isan", "yhteyshenkilon",
    "opiskelijan", "nuoren", "koti", "tyo", "oma", "client", "clients", "customer", "pupil",
    "pupils", "student", "students", "patient", "patients", "child", "childs", "children",
    "parent", "parents", "guardian", "mother", "father", "person", "persons", "personal",
    "contact", "home", "work", "private", "klient", "klientens", "kund", "kundens", "elev",
    "elevens", "patientens", "barnets", "barn", "vardnadshavare", "vardnadshavarens", "personens",
    "foralder", "foralderns", "kontakt", "of", "the", "s",
})

# kind -> (words anywhere in the header, phrases anywhere, what the header may be on its own)
_HEADER_RULES: dict[str, tuple[frozenset[str], tuple[str, ...], frozenset[str]]] = {
    "identity_code": (
        frozenset({"henkilotunnus", "henkilotunnukset", "hetu", "hetut", "sotu", "ssn",
                   "personbeteckning", "personnummer", "sotutunnus", "hetutunnus"}),
        ("henkilo tunnus", "personal identity", "personal id", "identity code",
         "identity number", "social security", "national id", "person nummer"),
        frozenset(),
    ),
    "birth_date": (
        frozenset({"syntymaaika", "syntymapaiva", "syntymapvm", "birthdate", "birthday", "dob",
                   "fodelsedatum", "fodelsedag", "syntymaajat", "syntymapaivamaara"}),
        ("syntyma aika", "syntyma paiva", "syntyma pvm", "syntyma paivamaara", "synt aika",
         "synt pvm", "birth date", "date of birth", "day of birth", "fodelse datum", "d o b"),
        frozenset({"syntynyt", "born", "fodd"}),
    ),
    "email": (
        frozenset({"email", "emails", "emailaddress", "emailosoite", "sahkoposti",
                   "sahkopostit", "sahkopostiosoite", "sahkopostiosoitteet", "sposti",
                   "spostiosoite", "epost", "epostadress", "epostadresser", "mailaddress"}),
        ("mail address", "mail adress"),
        frozenset({"mail", "posti"}),
    ),
    "phone": (
        frozenset({"puhelin", "puhelinnumero", "puhelinnumerot", "puhelinnro", "puhnro",
                   "puhnumero", "matkapuhelin", "matkapuhelinnumero", "kotipuhelin",
                   "tyopuhelin", "gsm", "kannykka", "kannykkanumero", "phone", "phones",
                   "telephone", "phonenumber", "mobilephone", "cellphone", "telefon",
                   "telefonnummer", "mobilnummer", "mobiilinumero", "mobiili", "telnro"}),
        ("phone number", "mobile number", "mobile phone", "cell phone", "mobil nummer"),
        frozenset({"puh", "tel", "tel no", "tel nro", "tfn", "mobile", "cell", "mobil",
                   "puhelinnumero"}),
    ),
    "address": (
        frozenset({"osoite", "osoitteet", "katuosoite", "lahiosoite", "postiosoite",
                   "kotiosoite", "asuinosoite", "address", "addresses", "streetaddress",
                   "adress", "adresser", "gatuadress", "hemadress", "postadress",
                   "utdelningsadress", "street"}),
        ("street address", "home address", "postal address", "mailing address"),
        frozenset({"katu", "gata", "asuinpaikka"}),
    ),
    "name": (
        frozenset({"etunimi", "etunimet", "sukunimi", "sukunimet", "kutsumanimi", "henkilonimi",
                   "asiakasnimi", "oppilasnimi", "potilasnimi", "firstname", "firstnames",
                   "lastname", "lastnames", "surname", "surnames", "forename", "forenames",
                   "fullname", "givenname", "familyname", "middlename", "maidenname", "fornamn",
                   "efternamn", "tilltalsnamn", "personnamn", "mellannamn", "yhteyshenkilo",
                   "kontaktperson"}),
        ("first name", "last name", "given name", "family name", "full name", "middle name",
         "maiden name", "koko nimi", "fullstandigt namn", "henkilon nimi", "person name",
         "contact person"),
        frozenset({"nimi", "nimet", "name", "names", "namn", "henkilo", "person", "potilas",
                   "patient"}),
    ),
}


def _core(words: list[str]) -> str:
    """The header without personal subjects around it ("asiakkaan nimi" -> "nimi")."""
    start, end = 0, len(words)
    while start < end and words[start] in _SUBJECTS:
        start += 1
    while end > start and words[end - 1] in _SUBJECTS:
        end -= 1
    return " ".join(words[start:end]) if start < end else " ".join(words)


def header_kind(header: str) -> str | None:
    """The kind of personal data a header names (one of KINDS), or None.

    A header with an aggregate word ("sähköpostien lkm", "number of phone calls") names no
    personal data. A header about an organisation or a place ("koulun nimi", "toimipisteen
    puhelin") names none either, except for words that only people have (sukunimi, syntymäaika,
    henkilötunnus).
    """
    words = [w for w in normalise_header(header).split() if not w.isdigit()]
    text = " ".join(words)
    if not words or any(_AGGREGATE_WORD.fullmatch(w) for w in words):
        return None
    padded = f" {text} "
    if " number of " in padded:
        return None
    organisation = any(w.startswith(_ORGANISATION_STEMS) for w in words)
    core = _core(words)
    for kind in ("identity_code", "birth_date", "email", "phone", "address", "name"):
        anywhere, phrases, alone = _HEADER_RULES[kind]
        if any(w in anywhere for w in words) or any(f" {p} " in padded for p in phrases):
            if not organisation or kind in _PEOPLE_ONLY or _people_only_word(kind, words):
                return kind
        elif not organisation and (core in alone or text in alone):
            return kind
    return None


_PEOPLE_ONLY = frozenset({"identity_code", "birth_date"})


def _people_only_word(kind: str, words: list[str]) -> bool:
    """A name word no organisation has ("rehtorin sukunimi", "koulun yhteyshenkilö")."""
    return kind == "name" and any(w in _HEADER_RULES["name"][0] for w in words)


# Identifier headers: "asiakas_id", "Asiakasnumero", "client id", "oppilas_id", "henkilö_id".
_PERSON_ID = re.compile(
    r"(?:asiakas|asiakkaan|client|customer|pupil|oppilas|oppilaan|henkilo|henkilon|person"
    r"|potilas|potilaan|patient|student|opiskelija|lapsi|lapsen|child|elev|klient|kund|perhe"
    r"|family|huoltaja|member|jasen|user|kayttaja)s?"
    r"(?:id|numero|nro|no|nr|number|nummer|tunniste|tunnus|key|avain|koodi|code)"
)
_GENERIC_ID_WORDS = frozenset({"id", "tunniste", "tunnus", "uuid", "guid", "key", "avain",
                               "nro", "numero", "no", "nr", "rivi", "rivinumero", "row",
                               "rowid", "record", "recordid", "tapausid", "caseid", "tietue"})
_DIMENSION_STEMS = (
    "alue", "area", "kunta", "kunna", "municip", "region", "seutu", "maakun", "kommun", "omrad",
    "indikaat", "indicat", "indikator", "period", "ajanjak", "vuosi", "year", "kausi", "term",
    "kuukau", "month", "quarter", "neljann", "sukupuol", "gender", "ryhma", "group",
    "grp", "status", "tila", "ikaryhm", "agegroup", "alder", "luokka", "grade", "koulu", "school",
    "skola",
    "yksik", "unit", "toimipist", "palvelu", "service", "pvm", "paivamaara", "date", "datum",
    "lahde", "source", "kalla", "huom", "note", "kommentti", "comment", "selite", "kuvaus",
    "description", "teema", "theme", "mittari", "measure", "muuttuja", "variable",
)
_DIMENSION_WORDS = frozenset({"ar", "kon", "ika", "age", "sex", "kk", "pv"})
MIN_ROWS_PER_PERSON = 20
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:e[-+]?[0-9]+)?",
                     re.IGNORECASE | re.ASCII)
_INTEGER = re.compile(r"[0-9]{1,15}", re.ASCII)


def is_count_header(header: str) -> bool:
    """A column of counts or values as an aggregated table has them (osoittaja, arvo, n, 2024…)."""
    if alias_of(str(header)) in FIGURES:  # a documented figure column (arvo, luku, osoittaja…)
        return True
    text = normalise_header(header)
    if _YEAR_HEADER.fullmatch(text):
        return True
    return any(_COUNT_WORD.fullmatch(w) for w in text.split())


def _id_header(header: str) -> str | None:
    """"person" for a person's identifier header, "generic" for id/tunniste/…, else None."""
    text = normalise_header(header)
    words = text.split()
    if not words:
        return None
    if _PERSON_ID.fullmatch("".join(words)):
        return "person"
    if any(_is_dimension_word(w) for w in words if w not in _GENERIC_ID_WORDS):
        return None
    if "".join(words) in _GENERIC_ID_WORDS or words[-1] in {"id", "tunniste", "uuid", "guid"}:
        return "generic"
    return None


def _is_dimension_word(word: str) -> bool:
    return word in _DIMENSION_WORDS or word.startswith(_DIMENSION_STEMS)


def _is_dimension(header: str) -> bool:
    """A dimension of an aggregated table (area, period, indicator, sex, group, …)."""
    if alias_of(str(header)) in DIMENSIONS:  # a documented column name (aika, jakso, tunnus…)
        return True
    return any(_is_dimension_word(w) for w in normalise_header(header).split())


# ---------------------------------------------------------------------------------------------
# Showing a column name safely
# ---------------------------------------------------------------------------------------------


def mask_personal_text(text: str) -> str:
    """`text` with identity codes (checked or not), e-mail addresses and phone numbers masked."""
    text = _HETU.sub("XXXXXX-XXXX", mask_identity_codes(text))
    text = _EMAIL_ANYWHERE.sub("xxx@xxx", text)
    return _PHONE_ANYWHERE.sub(
        lambda m: "XXX XXXXXXX" if len(re.sub(r"[^0-9]", "", m.group())) >= 7 else m.group(), text
    )


def safe_column_name(header: Any) -> str:
    """The header as it may be shown: masked (`mask_personal_text`) and at most 80 characters.

    A file read without a header row has a data row as its header, so a header is treated like
    a cell; `scan` goes further and shows every column by position when any header was masked.
    """
    text = mask_personal_text(str(header))
    return text if len(text) <= 80 else text[:79] + "…"


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------


def _texts(column: pd.Series) -> list[str]:
    """The column's cells as text ("" for missing); robust to cells that are not str."""
    out = []
    for cell in column.to_numpy(dtype=object):
        if isinstance(cell, str):
            out.append(cell)
        elif cell is None or (isinstance(cell, float) and cell != cell) or cell is pd.NA:
            out.append("")
        else:
            out.append(str(cell))
    return out


def _kind_label(kind: str) -> dict[str, str]:
    return {lang: t(f"import.personal_kind.{kind}", lang) for lang in LANGUAGES}


def _personal_column(file: str, column: str, kind: str) -> Problem:
    return Problem(code="personal_column", file=file, row=None, column=column, value=None,
                   params={"kind": kind, "kind_label": _kind_label(kind)})


def _content_kind(texts: Sequence[str]) -> str | None:
    """"email" or "phone" when at least half of the non-empty cells are such."""
    filled = [x for x in texts if x.strip()]
    if not filled:
        return None
    for kind, test in (("email", is_email), ("phone", is_phone_number)):
        hits = sum(1 for x in filled if test(x))
        if hits and hits * 2 >= len(filled):
            return kind
    return None


def _looks_like_identifiers(texts: Sequence[str]) -> bool:
    """All different, and either not numbers (codes, names) or a run of consecutive integers."""
    values = [x.strip() for x in texts if x.strip()]
    if len(values) < MIN_ROWS_PER_PERSON or len(values) * 2 < len(texts):
        return False
    if len(set(values)) != len(values):
        return False
    if all(_INTEGER.fullmatch(v) for v in values):
        numbers = sorted(int(v) for v in values)
        return numbers[-1] - numbers[0] + 1 == len(numbers)
    return not any(_NUMBER.fullmatch(v) for v in values)


def _unique_values(texts: Sequence[str]) -> int | None:
    """How many rows, when every non-empty cell differs and there are enough of them."""
    values = [x.strip() for x in texts if x.strip()]
    if len(values) < MIN_ROWS_PER_PERSON or len(values) * 2 < len(texts):
        return None
    return len(values) if len(set(values)) == len(values) else None


def _row_number(position: int, row_numbers: Sequence[int] | None) -> int | None:
    if row_numbers is None or not 0 <= position < len(row_numbers):
        return None
    return row_numbers[position]


def scan(frame: pd.DataFrame, file: str, row_numbers: list[int] | None = None) -> list[Problem]:
    """Every sign of personal data in `frame` (read from `file`), as problems without values.

    `frame` holds the file's cells as text ("" for an empty cell) under the original headers;
    `row_numbers[i]` is the file line of the frame's i-th row (for the identity-code finding).
    """
    headers = [str(h) for h in frame.columns]
    shown = [safe_column_name(h) for h in headers]
    if any(mask_personal_text(h) != h for h in headers):
        # A header holding an identity code, e-mail address or phone number means the header row
        # is a data row (a file without headers): its other "headers" may be names, so columns
        # are shown by position only.
        shown = [f"#{i + 1}" for i in range(len(headers))]
    columns = [_texts(frame.iloc[:, i]) for i in range(len(headers))]
    problems: list[Problem] = []

    # 1. identity codes in headers and cells
    cells_with_code = 0
    code_columns: list[str] = []
    first_position: int | None = None
    for i, (header, texts) in enumerate(zip(headers, columns, strict=True)):
        found = contains_identity_code(header)
        cells_with_code += int(found)
        for position, text in enumerate(texts):
            if contains_identity_code(text):
                found = True
                cells_with_code += 1
                if first_position is None or position < first_position:
                    first_position = position
        if found and shown[i] not in code_columns:
            code_columns.append(shown[i])
    if cells_with_code:
        problems.append(Problem(
            code="personal_identity_code", file=file,
            row=None if first_position is None else _row_number(first_position, row_numbers),
            column=code_columns[0] if len(code_columns) == 1 else None, value=None,
            params={"count": cells_with_code, "columns": ", ".join(code_columns)}))

    # 2. personal columns by header, else by content
    flagged: set[int] = set()
    for i, (header, texts) in enumerate(zip(headers, columns, strict=True)):
        kind = header_kind(header) or _content_kind(texts)
        if kind is not None:
            flagged.add(i)
            problems.append(_personal_column(file, shown[i], kind))

    # 3. one row per person
    problems.extend(_row_per_person(file, headers, shown, columns, flagged))
    return problems


def _row_per_person(file: str, headers: Sequence[str], shown: Sequence[str],
                    columns: Sequence[list[str]], skip: Iterable[int]) -> list[Problem]:
    skip = set(skip)
    has_counts = any(is_count_header(h) for h in headers)
    out: list[Problem] = []
    for i, (header, texts) in enumerate(zip(headers, columns, strict=True)):
        if i in skip or len(texts) < MIN_ROWS_PER_PERSON or is_count_header(header):
            continue
        rows = _unique_values(texts)
        if rows is None:
            continue
        id_kind = _id_header(header)
        # a person's identifier unique on every row is refused even next to count columns
        person_shape = id_kind == "person" or (
            not has_counts
            and (id_kind == "generic"
                 or (not _is_dimension(header) and _looks_like_identifiers(texts))))
        if person_shape:
            out.append(Problem(code="row_per_person", file=file, row=None, column=shown[i],
                               value=None, params={"rows": rows}))
    return out
