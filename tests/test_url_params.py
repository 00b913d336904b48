"""Hostile and unknown values in the address (issue 9): a link is input from anyone.

Every page registered in dashboard.py is opened straight from a link (a fresh session landing on
the page's own address) with fuzzed query parameters. Whatever the link holds, the page must
finish without a traceback or an error box; each choice the page offers whose value in the link
is not an option shows a friendly warning naming the value (inertly, as `shown_safely` makes it)
and falls back to the choice's default; a valid value is honoured; and no value from the link is
ever rendered as HTML or Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from indicators import methods, omatiimi, phenomena, queries, review
from indicators.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from indicators.settings import REPO_ROOT
from indicators.webapp import shown_safely

APP = REPO_ROOT / "dashboard.py"
pytestmark = pytest.mark.usefixtures("navigation_mode")

# pages and their addresses, as dashboard.py registers them
PAGE_PATHS = dict(re.findall(r'st\.Page\(\s*"pages/(\w+)\.py".*?url_path="(\w*)"',
                             APP.read_text(encoding="utf-8"), flags=re.S))
PAGES = sorted(PAGE_PATHS)
DEFAULT_PAGE = "overview"


def _read_params(sources: list[Path] | None = None) -> set[str]:
    """The query parameters the app (or `sources`) reads: url_choice's first argument and
    direct reads of st.query_params."""
    sources = sources or [APP, REPO_ROOT / "indicators" / "webapp.py",
                          *sorted((REPO_ROOT / "pages").glob("*.py"))]
    found: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'url_choice\(\s*"(\w+)"', text))
        found.update(re.findall(r'query_params(?:\.get\(|\[)\s*"(\w+)"', text))
    return found


PARAMS = sorted(_read_params())
# the parameters each page reads itself, besides the sidebar's language and area
PAGE_PARAMS = {
    page: sorted({"lang", "area"} | _read_params([REPO_ROOT / "pages" / f"{page}.py"]))
    for page in PAGES}
UNKNOWN_KEYS = ("zzz", "utm_source", "Area", "area ", "page", "<b>key</b>", "")
HOSTILE = (
    "", " ", "\t\n ", "x" * 3000, "ä" * 41, "\u202eevil\u202c", "\u200fשלום", "مرحبا", "a\x00b",
    "\x07\x1b[31m\x7f", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))", "javascript:alert(1)", ":red[x]", ":material/warning:",
    "**bold**", "`code`", "' OR 1=1 --", "1; DROP TABLE observation", "../../etc/passwd",
    "..\\..\\boot.ini", "42", "-1", "0", "1e309", "NaN", "{code}", "{0}", "%3Cscript%3E",
    "&lang=sv", "HV07 ", "hv07", "total\x00", "2026q3",
)
# never rendered as markup anywhere (the page's own document-language script aside)
MARKERS = ("<script", "<img", "onerror=", "javascript:")
DOC_LANG_SCRIPT = re.compile(r"<script>document\.documentElement\.lang = '(fi|sv|en)';</script>")
# the methods page's scroll to the note a link names (only a known topic: never the link's text)
SCROLL_SCRIPT = re.compile(r'<script>document\.getElementById\("(' + "|".join(methods.TOPICS)
                           + r')"\)\?\.scrollIntoView\(\);</script>')
# a value with one of these is checked never to appear verbatim in what the page renders
MARKUP_CHARS = set("<>[]()`*\\{}|")
# what a value from the link may look like inside a warning's code span (webapp.shown_safely)
INERT = re.compile(r"[\w\-.?]*")
# examples per page (an AppTest run costs 0.1-0.5 s warm): the pages with choices of their own
# get more; a new page gets 8
FUZZ_BUDGET = {"indicator": 20, "omatiimi": 14, "phenomena": 14, "review": 12, "overview": 9,
               "goals": 9, "data": 9, "accessibility": 9}
LINK_OFF = ":material/link_off:"  # the icon of url_choice's warning


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]
    default: str


def last(value: str | list[str] | None) -> str | None:
    """What Streamlit reads for a parameter given several times: the last value."""
    return value[-1] if isinstance(value, list) else value


class App:
    """What the app offers for a link, built from the config and the store: which choices kept
    in the URL a page draws, their options and defaults, and every valid value of a parameter."""

    def __init__(self, config, reader):
        self.config, self.reader = config, reader
        levels = sorted({lv for i in config.indicators for lv in queries.period_levels(reader, i)})
        self.quarters = tuple(review.quarters(reader, config))
        self.valid = {
            "lang": LANGUAGES,
            "area": tuple(config.areas),
            "chart_area": tuple(config.areas),
            "indicator": tuple(config.indicators),
            "phenomenon": tuple(p.id for p in config.phenomena),
            "level": tuple(levels),
            "lead_level": tuple(levels),
            "compare_level": tuple(levels),
            "sex": tuple(sorted({s for i in config.indicators.values() for s in i.sexes})),
            "group": tuple(sorted({g for i in config.indicators.values()
                                   for g in i.group_codes})),
            "quarter": self.quarters,
            "topic": methods.TOPICS,
        }
        self.all_valid = {v for values in self.valid.values() for v in values}

    def __repr__(self) -> str:  # hypothesis prints the test's arguments
        return "App(config, store)"

    def offered(self, page: str, params: dict) -> dict[str, Choice]:
        """The choices kept in the URL that `page` draws for a link with `params`."""
        config = self.config
        out = {"lang": Choice(LANGUAGES, DEFAULT_LANGUAGE),
               "area": Choice(tuple(config.areas), config.county_code)}

        def pick(param: str) -> str:
            raw = last(params.get(param))
            return raw if raw in out[param].options else out[param].default

        area = pick("area")
        if page == "indicator":
            ids = tuple(config.indicators)
            headlines = config.headline_indicators()
            out["indicator"] = Choice(ids, headlines[0].id if headlines else ids[0])
            indicator = config.indicators[pick("indicator")]
            levels = queries.period_levels(self.reader, indicator.id)
            if len(levels) > 1:
                out["level"] = Choice(tuple(levels),
                                      queries.default_level(indicator, levels) or levels[0])
            if len(indicator.sexes) > 1:
                out["sex"] = Choice(tuple(indicator.sexes), "total")
            if indicator.groups:
                out["group"] = Choice(tuple(indicator.group_codes), "total")
        elif page == "phenomena":
            ids = tuple(p.id for p in config.phenomena)
            out["phenomenon"] = Choice(ids, ids[0])
            phenomenon = next(p for p in config.phenomena if p.id == pick("phenomenon"))
            options = [code for code, _ in phenomena.acting_and_comparison(phenomenon)]
            for code in list(options):
                options.extend(c for c in config.children(code) if c not in options)
            out["chart_area"] = Choice(tuple(options), area if area in options else options[0])
        elif page == "review":
            out["quarter"] = Choice(self.quarters, self.quarters[0])
        elif page == "omatiimi":
            trend = tuple(i.id for i in omatiimi.trend_indicators(config))
            out["indicator"] = Choice(trend, "omatiimi_felt_helped"
                                      if "omatiimi_felt_helped" in trend else trend[0])
            for param in ("lead_level", "compare_level"):
                out[param] = Choice(("quarter", "month"), "quarter")
        return out

    def check(self, at: AppTest, page: str, params: dict) -> None:
        """Everything a link may not break, for the page `at` opened with `params`."""
        assert not at.exception, [e.message for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        # the script ran to its end on the right page: the share box is drawn after the page
        codes = [c.value for c in at.sidebar.code]
        assert len(codes) == 1, codes
        address = PAGE_PATHS[page] if page != DEFAULT_PAGE else ""
        assert codes[0].startswith(f"/{address}?") or (
            page == DEFAULT_PAGE and codes[0] == "/"), codes[0][:80]

        # each offered choice: an invalid value warns (naming it inertly) and falls back
        link_warnings = [w.value for w in at.warning if w.icon == LINK_OFF]
        expected_warnings = 0
        for param, choice in self.offered(page, params).items():
            raw = last(params.get(param))
            if raw is not None and not raw.strip():
                raw = None  # `?level=`: as if not given, silently
            value = widget(at, param).value
            if raw is not None and raw not in choice.options:
                expected_warnings += 1
                assert [w for w in link_warnings if shown_safely(raw) in w], (
                    param, raw[:60], link_warnings)
                assert value == choice.default, (param, value)
            else:
                assert value == (raw if raw is not None else choice.default), (param, value)
            shown = last(at.query_params.get(param))
            assert shown == value, (param, shown, value)  # the link now holds what is shown
        assert len(link_warnings) == expected_warnings, link_warnings

        # the language: a known one from the link, else Finnish
        lang = last(params.get("lang"))
        assert widget(at, "lang").value == (lang if lang in LANGUAGES else DEFAULT_LANGUAGE)

        # nothing from the link is rendered as markup: the warnings name a value only as inert
        # code text, and no value with a markup character appears verbatim anywhere
        for text in link_warnings:
            for span in re.findall(r"`([^`]*)`", text):
                assert INERT.fullmatch(span), (span, text)
        texts = [(kind, SCROLL_SCRIPT.sub("", DOC_LANG_SCRIPT.sub("", text)) if kind == "html"
                  else text)
                 for kind, text in rendered(at)]
        for kind, text in texts:
            lowered = text.lower()
            assert not any(marker in lowered for marker in MARKERS), (kind, text[:200])
        values = [v for key, value in params.items()
                  for v in [key, *(value if isinstance(value, list) else [value])]]
        risky = {v for v in values
                 if len(v) >= 4 and MARKUP_CHARS & set(v) and v not in self.all_valid}
        for kind, text in texts:
            leaked = [v for v in risky if v in text]
            assert not leaked, (kind, leaked, text[:200])


@pytest.fixture(scope="session")
def app(config, reader) -> App:
    return App(config, reader)


@pytest.fixture
def open_link(store_path, monkeypatch, navigation_mode):
    """`open_link("review", {"quarter": "x"})`: a fresh session opening the page's own address
    with these query parameters (like conftest's `open_page`, but the link lands on the page
    itself, so the page, not the default page, is the first to read it)."""
    monkeypatch.setenv("DASHBOARD_DB", str(store_path))

    def run(page: str, params: dict) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params.update(params)
        at.switch_page(f"pages/{page}.py").run()
        return at

    return run


def _strings(value):
    """Every text field of an element, nested messages and repeated fields included."""
    if isinstance(value, str):
        yield value
    elif hasattr(value, "ListFields"):
        for _, item in value.ListFields():
            yield from _strings(item)
    elif isinstance(value, bytes | int | float | bool):
        return
    else:  # a repeated field or a map
        for item in (value.values() if hasattr(value, "values") else value):
            yield from _strings(item)


def rendered(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of everything the page shows: bodies, labels, help, options."""
    out: list[tuple[str, str]] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and node.type not in ("plotly_chart", "arrow_data_frame"):
            out.extend((node.type, text) for text in _strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return out


def widget(at: AppTest, param: str):
    matches = [w for w in [*at.get("selectbox"), *at.get("radio")] if w.key == f"url_{param}"]
    assert len(matches) == 1, (param, len(matches))
    return matches[0]


# ------------------------------------------------------------------------------ the model


def test_every_page_registered_in_the_dashboard_is_tested():
    assert set(PAGES) == {p.stem for p in (REPO_ROOT / "pages").glob("*.py")}
    assert DEFAULT_PAGE in PAGES


def test_every_parameter_the_app_reads_is_fuzzed_with_its_valid_values(app):
    known = {"lang", "area", "indicator", "level", "sex", "group", "chart_area", "phenomenon",
             "quarter", "lead_level", "compare_level", "topic"}
    assert known <= set(PARAMS)
    assert set(PARAMS) <= set(app.valid), "a new URL parameter: add its valid values to App"
    assert all(app.valid[p] for p in PARAMS)


# ------------------------------------------------------------------------------ fuzzing


@st.composite
def query_strings(draw, page: str, valid: dict[str, tuple[str, ...]]):
    """Query parameters for a link to `page`: each parameter the page reads with an even chance,
    a few it does not read and unknown keys; valid, hostile and random values, some given twice
    (Streamlit reads the last)."""
    def value(key: str):
        single = st.one_of(
            st.sampled_from(valid.get(key) or HOSTILE),
            st.sampled_from(HOSTILE),
            st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
        )
        return st.one_of(single, single, st.lists(single, min_size=2, max_size=3))

    params = {key: draw(value(key)) for key in PAGE_PARAMS[page] if draw(st.booleans())}
    others = draw(st.lists(st.one_of(st.sampled_from(PARAMS), st.sampled_from(UNKNOWN_KEYS),
                                     st.text(max_size=8)), max_size=3, unique=True))
    for key in others:
        if key not in params:
            params[key] = draw(value(key))
    return params


@pytest.mark.parametrize("page", PAGES)
def test_any_link_opens_the_page_with_friendly_fallbacks_and_nothing_rendered(
        page, open_link, app):
    @settings(max_examples=FUZZ_BUDGET.get(page, 8), deadline=None, derandomize=True,
              database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(params=query_strings(page, app.valid))
    def fuzz(params):
        choices = app.offered(page, params)
        unknown = [p for p, choice in choices.items()
                   if p in params and last(params[p]) not in choice.options]
        event(f"{len(unknown)} unknown value(s) in a choice the page offers")
        reached.update(unknown)
        app.check(open_link(page, params), page, params)

    reached: set[str] = set()
    fuzz()
    # the examples reached the fallback of every choice the page always offers (a choice that
    # depends on another, like an indicator's sexes, only by chance: pinned below)
    assert reached >= set(app.offered(page, {})), reached


# ------------------------------------------------------------------------------ pinned cases


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_area_warns_and_shows_the_county(page, open_link, app, config):
    at = open_link(page, {"area": "KU999"})
    app.check(at, page, {"area": "KU999"})
    assert t("url.unknown_area", "fi", code="`KU999`") in [w.value for w in at.sidebar.warning]
    assert at.sidebar.selectbox(key="url_area").value == config.county_code == "HV07"
    assert at.query_params["area"] in ("HV07", ["HV07"])


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_indicator_warns_where_the_page_offers_indicators(page, open_link, app,
                                                                     config):
    params = {"indicator": "no_such_indicator", "lang": "en"}
    at = open_link(page, params)
    app.check(at, page, params)
    warnings = [w.value for w in at.warning if "no_such_indicator" in w.value]
    choices = app.offered(page, params)
    if "indicator" in choices:
        assert len(warnings) == 1
        assert warnings[0] in (t("url.unknown_indicator", "en", code="`no_such_indicator`"),
                               t("url.unknown_choice", "en", value="`no_such_indicator`",
                                 label=t("omatiimi.trend.indicator", "en"),
                                 default=config.indicators["omatiimi_felt_helped"].name.get(
                                     "en")))
        assert at.selectbox(key="url_indicator").value == choices["indicator"].default
    else:  # a page without an indicator choice leaves the parameter alone
        assert warnings == []


SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize("page", PAGES)
def test_script_in_every_parameter_is_shown_inert(page, open_link, app):
    params = {param: SCRIPT for param in PARAMS}
    params["<img src=x onerror=alert(1)>"] = "[x](javascript:alert(1))"
    at = open_link(page, params)
    app.check(at, page, params)
    inert = "`?script?alert?1???script?`"
    warned = [w.value for w in at.warning if inert in w.value]
    assert len(warned) == len(app.offered(page, params)) >= 2  # lang, area and the page's own
    assert not any("<" in w.value or "](" in w.value for w in at.warning)


def _unknown_choice(lang: str, value: str, label_key: str, default: str) -> str:
    return t("url.unknown_choice", lang, value=shown_safely(value), label=t(label_key, lang),
             default=default)


# (page, link, the unknown parameter, its label's key, the default's label in Finnish)
CHOICES = [
    ("indicator", {"indicator": "cw_notifications_rate", "level": "decade"}, "level",
     "indicator.period_level", "Vuosi"),
    ("indicator", {"indicator": "concentration_difficulties", "sex": "other"}, "sex",
     "indicator.sex", "Kaikki"),
    ("indicator", {"indicator": "concentration_difficulties", "group": "gr99"}, "group",
     "indicator.group", "Kaikki"),
    ("phenomena", {"chart_area": "KU999"}, "chart_area", "phenomenon.area_for_charts", None),
    ("omatiimi", {"lead_level": "week"}, "lead_level", "omatiimi.lead.level", "Neljännes"),
    ("omatiimi", {"compare_level": "<b>x</b>"}, "compare_level", "omatiimi.compare.level",
     "Neljännes"),
    ("omatiimi", {"indicator": "anxiety_gr8_9"}, "indicator", "omatiimi.trend.indicator", None),
]


@pytest.mark.parametrize(("page", "params", "param", "label_key", "default_label"), CHOICES,
                         ids=[c[2] for c in CHOICES])
def test_every_choice_names_an_unknown_value_and_the_default_shown(
        page, params, param, label_key, default_label, open_link, app, config):
    at = open_link(page, params)
    app.check(at, page, params)
    choice = app.offered(page, params)[param]
    assert widget(at, param).value == choice.default
    if default_label is None:  # an area or an indicator: its name
        default_label = (config.areas[choice.default].name("fi") if choice.default in config.areas
                         else config.indicators[choice.default].name.fi)
    expected = _unknown_choice("fi", params[param], label_key, default_label)
    assert expected in [w.value for w in at.warning]


def test_the_message_speaks_the_language_of_the_link(open_link, app):
    params = {"indicator": "concentration_difficulties", "sex": "x", "lang": "sv"}
    at = open_link("indicator", params)
    app.check(at, "indicator", params)
    expected = _unknown_choice("sv", "x", "indicator.sex", t("sex.total", "sv"))
    assert expected in [w.value for w in at.warning]
    assert "Värdet `x` i adressen" in expected


def test_a_valid_value_for_every_choice_is_honoured_without_a_warning(open_link, app, config):
    for page, params in [
        ("indicator", {"indicator": "concentration_difficulties", "area": "SK051", "sex": "male",
                       "group": "gr8_9", "lang": "sv"}),
        ("indicator", {"indicator": "cw_notifications_rate", "level": "pool", "area": "KU981"}),
        ("omatiimi", {"indicator": "omatiimi_srs_mean", "lead_level": "month",
                      "compare_level": "month", "area": "SK053"}),
        ("phenomena", {"phenomenon": config.phenomena[-1].id, "chart_area": "KU061"}),
        ("review", {"quarter": app.quarters[-1], "area": "SK052", "lang": "en"}),
    ]:
        choices = app.offered(page, params)
        assert all(v in choices[k].options for k, v in params.items()), (page, params)
        at = open_link(page, params)
        app.check(at, page, params)
        assert not [w for w in at.warning if w.icon == LINK_OFF]
        for param, value in params.items():
            assert widget(at, param).value == value, (page, param)
