"""The personal-data guard: identity codes, personal columns, row-per-person files, no echo."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.i18n import messages
from indicators.personal_data import KINDS, header_kind, is_phone_number, scan
from indicators.problems import Problem
from indicators.settings import DEMO_DIR

# The documented algorithm, written out independently of the module under test.
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CODES = ("personal_identity_code", "personal_column", "row_per_person")


def hetu(ddmmyy: str, sign: str, number: str) -> str:
    """A valid identity code: check character = CHECK_CHARACTERS[int(DDMMYY + NNN) % 31]."""
    return f"{ddmmyy}{sign}{number}{CHECK_CHARACTERS[int(ddmmyy + number) % 31]}"


def wrong_check(code: str) -> str:
    """The same code with another check character (valid shape, invalid code)."""
    other = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(code[-1].upper()) + 1) % 31]
    return code[:-1] + other


def table(columns: dict[str, list[str]]) -> pd.DataFrame:
    """A frame as the reader hands it over: every column object dtype holding str."""
    return pd.DataFrame(columns, dtype=object)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def rendered(problems: list[Problem]) -> str:
    """Everything a problem could show or log: repr, params and the messages in fi, sv, en."""
    parts = []
    for problem in problems:
        parts += [repr(problem), str(problem.params), str(problem.column)]
        parts += [problem.message(lang) for lang in ("fi", "sv", "en")]
    return "\n".join(parts)


def assert_nothing_echoed(problems: list[Problem], secrets: list[str]) -> None:
    text = rendered(problems)
    for problem in problems:
        assert problem.value is None
        assert set(problem.params) <= {"count", "columns", "kind", "kind_label", "rows"}
    for secret in secrets:
        assert secret not in text
        assert secret.upper() not in text.upper()


def aggregated_file(rows: int = 500) -> pd.DataFrame:
    """A realistic aggregated table: indicator × municipality × year × sex with counts."""
    rng = random.Random(7)
    keys = itertools.product(
        ["lastensuojeluilmoitukset", "koulupoissaolot", "yksinaisyys", "harrastus", "kiusaaminen"],
        ["Forssa", "Hattula", "Hausjärvi", "Humppila", "Hämeenlinna", "Janakkala", "Jokioinen",
         "Loppi", "Riihimäki", "Tammela"],
        ["2020", "2021", "2022", "2023", "2024"],
        ["naiset", "miehet"],
    )
    data: dict[str, list[str]] = {k: [] for k in ("indikaattori", "kunta", "vuosi", "sukupuoli",
                                                  "arvo", "osoittaja", "nimittäjä")}
    for indicator, municipality, year, sex in itertools.islice(keys, rows):
        denominator = rng.randint(200, 5000)
        numerator = rng.randint(0, denominator // 3)
        for key, value in (("indikaattori", indicator), ("kunta", municipality), ("vuosi", year),
                           ("sukupuoli", sex), ("osoittaja", str(numerator)),
                           ("nimittäjä", str(denominator)),
                           ("arvo", f"{100 * numerator / denominator:.1f}".replace(".", ","))):
            data[key].append(value)
    return table(data)


# -------------------------------------------------------------------------------------------
# Identity codes
# -------------------------------------------------------------------------------------------

VALID_CODES = [
    "131052-308T",  # the textbook example
    hetu("010594", "Y", "903"),  # 2023 reform sign for the 1900s, temporary 900-series number
    hetu("290200", "A", "123"),  # 29 Feb 2000
    hetu("311299", "-", "002"),
    hetu("150723", "B", "456"),  # 2023 reform sign for the 2000s
    hetu("010180", "+", "899"),  # 1880
    hetu("241209", "F", "999"),
    hetu("030375", "U", "411"),
]


def test_check_character_of_the_textbook_example():
    assert hetu("131052", "-", "308") == "131052-308T"


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_identity_code_is_refused(code):
    problems = scan(table({"tieto": ["a", code, "b"]}), "f.csv", [2, 3, 4])
    assert codes(problems) == ["personal_identity_code"]
    problem = problems[0]
    assert (problem.file, problem.row, problem.column) == ("f.csv", 3, "tieto")
    assert problem.params == {"count": 1, "columns": "tieto"}
    assert_nothing_echoed(problems, [code])


@pytest.mark.parametrize("code", VALID_CODES)
def test_wrong_check_character_is_not_an_identity_code(code):
    assert scan(table({"tuotekoodi": [wrong_check(code)]}), "f.csv") == []


@pytest.mark.parametrize("shape", [
    hetu("310299", "-", "123"),  # 31 February
    hetu("290201", "A", "123"),  # 29 February 2001
    hetu("011399", "-", "123"),  # month 13
    hetu("010199", "-", "000"),  # individual numbers 000 and 001 are not issued
    hetu("010199", "-", "001"),
    "010199G123" + "4",  # G is no century sign
])
def test_impossible_codes_are_not_identity_codes(shape):
    assert scan(table({"koodi": [shape]}), "f.csv") == []


@pytest.mark.parametrize("written", [
    "131052-308t",  # lower-case check character
    "131052\u2013308T",  # en dash from a word processor
    "hetu131052-308T",  # letters glued to the code
    "(131052-308T)",
])
def test_identity_code_variants_are_found(written):
    assert codes(scan(table({"x": [written]}), "f.csv")) == ["personal_identity_code"]


def test_identity_code_hidden_in_free_text_and_in_an_unexpected_column():
    hidden = hetu("240587", "-", "912")
    other = hetu("101010", "A", "345")
    frame = table({
        "kunta": ["Forssa", "Loppi", "Hattula", "Tammela"],
        "vuosi": ["2023", "2024", other, "2024"],
        "lisätiedot": ["", f"Asiakas {hidden} soitti, palaa asiaan.", "", f"ks. {hidden}"],
        "osoittaja": ["3", "5", "7", "2"],
    })
    problems = scan(frame, "data.csv", [5, 6, 7, 8])
    assert codes(problems) == ["personal_identity_code"]
    problem = problems[0]
    assert problem.row == 6  # the first row holding a code
    assert problem.column is None  # two columns: both named in params
    assert problem.params == {"count": 3, "columns": "vuosi, lisätiedot"}
    assert_nothing_echoed(problems, [hidden, other, "soitti"])


def test_identity_code_without_row_numbers_has_no_row():
    problems = scan(table({"x": ["", "131052-308T"]}), "f.csv")
    assert problems[0].row is None


def test_identity_code_in_a_header_is_counted_and_masked():
    code = hetu("050505", "-", "505")
    frame = table({code: ["1", "2"], "kunta": ["Forssa", "Loppi"]})
    problems = scan(frame, "f.csv")
    assert codes(problems) == ["personal_identity_code"]
    assert problems[0].params["count"] == 1
    assert problems[0].row is None
    assert code not in problems[0].params["columns"]
    assert_nothing_echoed(problems, [code])


def test_header_with_wrong_check_is_not_flagged_but_never_echoed():
    shape = wrong_check(hetu("050505", "-", "505"))
    frame = table({shape: ["matti@example.fi", "liisa@example.fi"]})  # flagged by content
    problems = scan(frame, "f.csv")
    assert codes(problems) == ["personal_column"]
    assert_nothing_echoed(problems, [shape, "example.fi"])


# -------------------------------------------------------------------------------------------
# Personal columns by header
# -------------------------------------------------------------------------------------------

PERSONAL_HEADERS = [
    # names
    ("Etunimi", "name"), ("sukunimi", "name"), ("Nimi", "name"), ("henkilö", "name"),
    ("Henkilön nimi", "name"), ("asiakkaan_nimi", "name"), ("Asiakas nimi", "name"),
    ("oppilaan nimi", "name"), ("Oppilas-nimi", "name"), ("potilas", "name"),
    ("First name", "name"), ("last_name", "name"), ("Surname", "name"), ("FULL NAME", "name"),
    ("person", "name"), ("Client name", "name"), ("pupil name", "name"), ("Patient", "name"),
    ("child's name", "name"), ("Förnamn", "name"), ("efternamn", "name"), ("Namn", "name"),
    ("Elevens namn", "name"), ("Nimi (asiakas)", "name"), ("nimi2", "name"),
    ("rehtorin sukunimi", "name"),
    # addresses
    ("Osoite", "address"), ("katuosoite", "address"), ("Lähiosoite", "address"),
    ("postiosoite", "address"), ("Address", "address"), ("street", "address"),
    ("Home address", "address"), ("Adress", "address"), ("gatuadress", "address"),
    # phone numbers
    ("Puhelin", "phone"), ("puh.", "phone"), ("Puh.nro", "phone"), ("matkapuhelin", "phone"),
    ("GSM", "phone"), ("Phone", "phone"), ("mobile", "phone"), ("Phone number", "phone"),
    ("Telefon", "phone"), ("telefonnummer", "phone"), ("huoltajan puhelin", "phone"),
    # e-mail addresses
    ("Sähköposti", "email"), ("sähköpostiosoite", "email"), ("Sähköposti-osoite", "email"),
    ("email", "email"), ("E-mail", "email"), ("e_mail", "email"), ("S-posti", "email"),
    ("E-post", "email"), ("e-postadress", "email"), ("Email address", "email"),
    # birth dates
    ("Syntymäaika", "birth_date"), ("syntymäpäivä", "birth_date"),
    ("Syntymä_aika", "birth_date"), ("Birth date", "birth_date"),
    ("date_of_birth", "birth_date"), ("DOB", "birth_date"), ("d.o.b.", "birth_date"),
    ("Födelsedatum", "birth_date"),
    # identity codes
    ("Henkilötunnus", "identity_code"), ("HETU", "identity_code"), ("sotu", "identity_code"),
    ("SSN", "identity_code"), ("Personal identity code", "identity_code"),
    ("personbeteckning", "identity_code"), ("personnummer", "identity_code"),
    ("henkilo-tunnus", "identity_code"),
    # camelCase as in JSON exports
    ("firstName", "name"), ("dateOfBirth", "birth_date"), ("phoneNumber", "phone"),
    ("emailAddress", "email"), ("clientName", "name"),
]


@pytest.mark.parametrize(("header", "kind"), PERSONAL_HEADERS)
def test_personal_header_is_refused(header, kind):
    assert header_kind(header) == kind
    frame = table({"kunta": ["Forssa", "Loppi"], header: ["", ""], "lkm": ["4", "9"]})
    problems = scan(frame, "f.csv")
    assert codes(problems) == ["personal_column"]
    problem = problems[0]
    assert (problem.row, problem.column, problem.value) == (None, header, None)
    assert problem.params["kind"] == kind
    assert header in problem.message("fi") and header in problem.message("en")


AGGREGATE_HEADERS = [
    "kunnan nimi", "Kunta", "alueen nimi", "indikaattorin nimi", "Indicator name", "area name",
    "nimittäjä", "Nimittaja", "nimike", "name_fi", "name_sv", "name_en", "koulun nimi",
    "osoittaja", "arvo", "lkm", "n", "value", "numerator", "denominator", "indicator_id",
    "area_code", "period", "sex", "grp", "status", "vuosi", "sukupuoli", "ikäryhmä", "indikaattori",
    "henkilömäärä", "asiakasmäärä", "oppilaiden lukumäärä", "sähköpostien lkm",
    "puhelinkontaktit", "number of phone calls", "päivämäärä", "verkko-osoite",
    "toimipisteen osoite", "koulun puhelin", "postinumeroalue", "syntyneiden lkm", "lähde",
    "nimi_fi", "alue", "palvelu", "kommentti", "absValue", "regionName", "indicatorTitle",
]


@pytest.mark.parametrize("header", AGGREGATE_HEADERS)
def test_aggregate_header_is_not_personal(header):
    assert header_kind(header) is None
    frame = table({header: ["Forssa", "12", "", "Hämeenlinna", "0,4"], "kunta": ["Forssa"] * 5})
    assert scan(frame, "f.csv") == []


def test_realistic_aggregated_file_passes():
    frame = aggregated_file(500)
    assert len(frame) == 500
    assert scan(frame, "aggregated.csv", list(range(2, 502))) == []


def test_aggregated_file_with_names_of_areas_and_indicators_passes():
    areas = [f"Alue {i}" for i in range(30)]
    frame = table({
        "indikaattorin nimi": ["Lastensuojeluilmoitukset"] * 30, "kunnan nimi": areas,
        "alueen nimi": areas, "name_fi": areas, "koulun nimi": [f"Koulu {i}" for i in range(30)],
        "area_code": [f"KU{i:03d}" for i in range(30)], "period": ["2024"] * 30,
        "numerator": [str(i) for i in range(30)], "denominator": ["100"] * 30,
    })
    assert scan(frame, "f.csv") == []


@pytest.mark.parametrize("path", sorted(DEMO_DIR.glob("*.csv")), ids=lambda p: p.name)
def test_bundled_demo_tables_pass(path):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).astype(object)
    assert scan(frame, path.name) == []


# -------------------------------------------------------------------------------------------
# Personal columns by content
# -------------------------------------------------------------------------------------------

EMAILS = ["matti.meikalainen@example.fi", "liisa@esimerkki.fi", "Kalle.K@Posti.Example.com",
          "anna-maija.virtanen@kunta.example.fi"]
PHONES = ["040 123 4567", "+358 40 1234567", "0501234567", "09 123 4567", "+358401234567",
          "044-7654321", "(09) 310 1234", "00358 50 765 4321"]


def test_column_of_email_addresses_is_refused_under_an_innocent_header():
    frame = table({"yhteystieto": [*EMAILS, ""], "kunta": ["Forssa"] * 5})
    problems = scan(frame, "f.csv")
    assert codes(problems) == ["personal_column"]
    assert problems[0].column == "yhteystieto"
    assert problems[0].params["kind"] == "email"
    assert_nothing_echoed(problems, EMAILS)


def test_column_of_phone_numbers_is_refused_under_an_innocent_header():
    frame = table({"x": PHONES + ["", "ei"], "vuosi": ["2024"] * 10})
    problems = scan(frame, "f.csv")
    assert codes(problems) == ["personal_column"]
    assert problems[0].params["kind"] == "phone"
    assert_nothing_echoed(problems, PHONES)


@pytest.mark.parametrize("phone", PHONES)
def test_finnish_phone_formats(phone):
    assert is_phone_number(phone)


@pytest.mark.parametrize("text", [
    "0.13788659", "0,5", "12345678", "2024", "091", "00100", "01-02-2020", "01.02.2020",
    "2020-01-02", "0145678-5", "0", "-0123456789", "1234 5678", "131052-3081",
])
def test_numbers_that_are_not_phone_numbers(text):
    assert not is_phone_number(text)


def test_a_few_stray_addresses_in_a_text_column_do_not_make_it_personal():
    frame = table({"selite": ["katso liite"] * 9 + ["palaute@example.fi"], "lkm": ["1"] * 10})
    assert scan(frame, "f.csv") == []


# -------------------------------------------------------------------------------------------
# One row per person
# -------------------------------------------------------------------------------------------


def person_rows(id_header: str, ids: list[str], **extra: list[str]) -> pd.DataFrame:
    n = len(ids)
    columns = {id_header: ids, "kunta": (["Forssa", "Loppi", "Hattula"] * n)[:n],
               "palvelu": (["perheneuvola", "neuvola"] * n)[:n], "ikä": [str(3 + i % 14)
                                                                       for i in range(n)]}
    columns.update(extra)
    return table(columns)


@pytest.mark.parametrize(("header", "ids"), [
    ("asiakas_id", [f"A{i:05d}" for i in range(40)]),
    ("Asiakasnumero", [str(100000 + 37 * i) for i in range(25)]),
    ("client id", [f"c-{i * 7919 % 10007}" for i in range(30)]),
    ("oppilas_id", [str(i) for i in range(1, 31)]),
    ("pupil id", [f"P{i}" for i in range(20)]),
    ("henkilö_id", [f"H{i:03d}" for i in range(60)]),
    ("tunniste", [f"{i:08x}" for i in range(1000, 1030)]),
    ("id", [str(i) for i in range(500, 550)]),
    ("nro", [str(i) for i in range(1, 26)]),
    ("rivi", [str(i) for i in range(26)]),
    ("koodi", [f"X{i * 31 % 97}Z" for i in range(25)]),  # innocent header, unique codes
    ("", [f"k{i}" for i in range(25)]),  # no header at all
])
def test_unique_identifier_without_counts_is_refused(header, ids):
    problems = scan(person_rows(header, ids), "clients.csv")
    assert codes(problems) == ["row_per_person"]
    assert problems[0].column == header
    assert problems[0].params == {"rows": len(ids)}
    assert_nothing_echoed(problems, [i for i in ids if len(i) >= 5])


def test_unique_names_under_an_innocent_header_are_refused():
    people = [f"Etunimi{i} Sukunimi{i}" for i in range(25)]
    problems = scan(person_rows("kuka", people), "f.csv")
    assert codes(problems) == ["row_per_person"]
    assert_nothing_echoed(problems, people)


def test_a_person_identifier_is_refused_even_next_to_count_columns():
    ids = [f"A{i:05d}" for i in range(40)]
    frame = person_rows("asiakas_id", ids, käyntien_lkm=[str(i % 5) for i in range(40)])
    assert codes(scan(frame, "f.csv")) == ["row_per_person"]


@pytest.mark.parametrize("frame", [
    person_rows("asiakas_id", [f"A{i:05d}" for i in range(19)]),  # too few rows to tell
    person_rows("id", [f"A{i % 20:05d}" for i in range(40)]),  # ids repeat
    person_rows("id", [str(i) for i in range(40)], osoittaja=["5"] * 40),  # row id + counts
    person_rows("summa", [str(i) for i in range(40)]),  # a count column itself
    person_rows("koodi", [str(i * i) for i in range(40)]),  # numbers, not a sequence
], ids=["19 rows", "repeating", "with counts", "count column", "numbers"])
def test_shapes_that_are_not_row_per_person(frame):
    assert scan(frame, "f.csv") == []


def test_one_row_per_area_with_counts_passes():
    frame = table({"area_code": [f"KU{i:03d}" for i in range(40)],
                   "kunnan nimi": [f"Kunta {i}" for i in range(40)],
                   "vuosi": ["2024"] * 40, "lkm": [str(i) for i in range(40)]})
    assert scan(frame, "f.csv") == []


def test_wide_aggregated_file_with_year_columns_passes():
    frame = table({"kunnan nimi": [f"Kunta {i}" for i in range(25)],
                   "tunnus": [f"K{i:03d}" for i in range(25)],
                   "2022": [str(i) for i in range(25)], "2023": [str(i) for i in range(25)]})
    assert scan(frame, "f.csv") == []


# -------------------------------------------------------------------------------------------
# Nothing is ever echoed
# -------------------------------------------------------------------------------------------


def test_file_read_without_header_row_shows_columns_by_position_only():
    code = hetu("121212", "A", "912")
    rows = [["Matti Meikäläinen", code, "040 123 4567", "matti@example.fi"],
            ["Liisa Virtanen", hetu("010101", "-", "234"), "050 765 4321", "liisa@example.fi"]]
    frame = table({h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])})
    problems = scan(frame, "no_header.csv", [2])
    assert {"personal_identity_code", "personal_column"} <= set(codes(problems))
    assert {p.column for p in problems} <= {None, "#1", "#2", "#3", "#4"}
    secrets = [*rows[0], *rows[1], "Meikäläinen", "Virtanen", "0401234567", "example.fi"]
    assert_nothing_echoed(problems, secrets)


def test_everything_at_once_echoes_nothing():
    code = hetu("300690", "-", "123")
    n = 30
    frame = table({
        "asiakas_id": [f"AS{i:04d}" for i in range(n)],
        "Etunimi": [f"Nimi{i}" for i in range(n)],
        "Sähköposti": [f"henkilo{i}@example.fi" for i in range(n)],
        "yhteys": [f"040 {i:03d} 4567" for i in range(n)],
        "muistiinpano": [f"tunnus {code}" if i == 11 else "" for i in range(n)],
    })
    problems = scan(frame, "f.csv", list(range(2, n + 2)))
    assert sorted(codes(problems)) == ["personal_column"] * 3 + ["personal_identity_code",
                                                                 "row_per_person"]
    kinds = {p.column: p.params["kind"] for p in problems if p.code == "personal_column"}
    assert kinds == {"Etunimi": "name", "Sähköposti": "email", "yhteys": "phone"}
    assert next(p for p in problems if p.code == "personal_identity_code").row == 13
    secrets = [code, "example.fi", "AS0011", "Nimi11", "040 011 4567", "0400114567"]
    assert_nothing_echoed(problems, secrets)


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_catalogue_has_every_message_and_kind(lang):
    catalogue = messages(lang)
    for code in CODES:
        assert f"import.error.{code}" in catalogue
    for kind in KINDS:
        assert f"import.personal_kind.{kind}" in catalogue


def test_messages_say_why_and_what_to_do_in_finnish_and_english():
    problems = [
        Problem("personal_identity_code", "f.csv", params={"count": 2, "columns": "a, b"}),
        *scan(table({"Sukunimi": [""]}), "f.csv"),
        *scan(person_rows("asiakas_id", [f"A{i}" for i in range(20)]), "f.csv"),
    ]
    for problem in problems:
        fi, en = problem.message("fi"), problem.message("en")
        assert fi != en and "{" not in fi + en and "}" not in fi + en
        assert "Tiedostoa ei tuoda" in fi and "alueittain ja ajanjaksoittain" in fi
        assert "refused" in en and "per area and period" in en


# -------------------------------------------------------------------------------------------
# Properties
# -------------------------------------------------------------------------------------------

SIGNS = {1800: "+", 1900: "-UVWXY", 2000: "ABCDEF"}


@st.composite
def identity_codes(draw) -> str:
    day = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)))
    sign = draw(st.sampled_from(SIGNS[day.year // 100 * 100]))
    number = draw(st.integers(min_value=2, max_value=999))
    return hetu(day.strftime("%d%m%y"), sign, f"{number:03d}")


cells = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, c, b: f"{a} {c} {b}", st.text(max_size=10), identity_codes(),
              st.text(max_size=10)),
    st.emails(),
    st.sampled_from(PHONES),
)


@st.composite
def frames(draw) -> pd.DataFrame:
    width = draw(st.integers(min_value=1, max_value=4))
    length = draw(st.integers(min_value=0, max_value=25))
    headers = draw(st.lists(st.sampled_from(["sarake_q", "kunta", "Nimi", "id", "tietoa", "lkm",
                                             "yhteys"]),
                            min_size=width, max_size=width, unique=True))
    return table({h: draw(st.lists(cells, min_size=length, max_size=length)) for h in headers})


# text a problem shows whatever the file: messages, codes, kinds and the repr's own words
CATALOGUE_TEXT = "\n".join([*(v for lang in ("fi", "en") for v in messages(lang).values()),
                            *CODES, *KINDS, repr(Problem("x", "f.csv", params={
                                "count": 1, "columns": "", "kind": "", "kind_label": {
                                    "fi": "", "sv": "", "en": ""}, "rows": 1}))])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_scan_never_raises_and_never_echoes_a_cell(frame):
    problems = scan(frame, "f.csv", list(range(2, len(frame) + 2)))
    headers = [str(h) for h in frame.columns]
    labels = {kind: {lang: messages(lang)[f"import.personal_kind.{kind}"]
                     for lang in ("fi", "en")} for kind in KINDS}
    # structurally, a problem is made of headers, counts and catalogue text only ...
    for problem in problems:
        assert problem.code in CODES and problem.value is None and problem.file == "f.csv"
        assert problem.column is None or problem.column in headers
        params = problem.params
        assert set(params) <= {"count", "columns", "kind", "kind_label", "rows"}
        assert all(isinstance(params[k], int) for k in ("count", "rows") if k in params)
        if "columns" in params:
            assert set(params["columns"].split(", ")) <= set(headers)
        if "kind" in params:
            assert {k: params["kind_label"][k] for k in ("fi", "en")} == labels[params["kind"]]
    # ... so no cell text shows up, unless the same words are in a header or the catalogue
    text = rendered(problems)
    for column in frame.columns:
        for cell in frame[column]:
            cell = cell.strip()
            if len(cell) >= 6 and cell not in CATALOGUE_TEXT and cell not in "".join(headers):
                assert cell not in text


@settings(max_examples=150, deadline=None)
@given(identity_codes(), st.text(alphabet="abc xyzÄÖ.,:;", max_size=8),
       st.text(alphabet="abc xyzÄÖ.,:;", max_size=8))
def test_any_valid_code_is_found_and_a_wrong_check_is_not(code, before, after):
    found = scan(table({"x": [f"{before} {code} {after}"]}), "f.csv")
    assert codes(found) == ["personal_identity_code"]
    assert_nothing_echoed(found, [code])
    assert scan(table({"x": [f"{before} {wrong_check(code)} {after}"]}), "f.csv") == []


@settings(max_examples=100, deadline=None)
@given(identity_codes(),
       st.text(alphabet=st.characters(exclude_categories=["Nd", "Cs"]), max_size=20))
def test_a_header_with_a_code_is_never_shown(code, text):
    frame = table({f"{text}{code}": ["a@b.fi"], "kunta": ["Forssa"]})
    problems = scan(frame, "f.csv")
    assert "personal_identity_code" in codes(problems)
    assert_nothing_echoed(problems, [code])


@pytest.mark.parametrize(("text", "kinds"), [
    ("Soita 040 123 4567 huomenna", ["phone"]),
    ("puh.0401234567", ["phone"]),
    ("tel +358 40 123 4567", ["phone"]),
    ("nimi(at)forssa.fi", ["email"]),
    ("nimi [at] forssa.fi", ["email"]),
    ("etunimi.sukunimi@kunta.fi", ["email"]),
    ("hetu 131052-308T", ["identity_code"]),
    ("SK051 2026Q3 14 yksikköä", []),  # an area code and a quarter, not a phone number
    ("KU061 0,5 % ja 2025-2026", []),
    ("Tapasimme (at) koululla.", []),
    ("Koulut (017 kpl) mukana", []),
])
def test_personal_text_kinds_in_typed_notes(text, kinds):
    from indicators.personal_data import personal_text_kinds

    assert personal_text_kinds(text) == kinds
