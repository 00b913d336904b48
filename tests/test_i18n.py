"""The message catalogue: every key the code uses exists in Finnish."""

from __future__ import annotations

import re
import string

import pytest

from indicators.i18n import LANGUAGES, LOCALE_DIR, messages, t
from indicators.settings import REPO_ROOT

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
FSTRING_KEY = re.compile(r"""\bt\(\s*f["']([a-z0-9_.]+)\{""")


def _sources():
    yield REPO_ROOT / "dashboard.py"
    yield from sorted((REPO_ROOT / "pages").glob("*.py"))
    yield from sorted((REPO_ROOT / "indicators").glob("*.py"))


def test_every_literal_key_used_in_code_exists_in_finnish():
    fi = messages("fi")
    used = set()
    for path in _sources():
        used.update(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 40
    missing = sorted(k for k in used if k not in fi)
    assert missing == []


def test_every_dynamic_key_family_is_complete(config):
    fi = messages("fi")
    prefixes = set()
    for path in _sources():
        prefixes.update(FSTRING_KEY.findall(path.read_text(encoding="utf-8")))
    assert {"status.", "direction.", "period_level.", "sex.", "unit."} <= prefixes
    expected = {
        "status.": ["improved", "worsened", "increased", "decreased", "no_clear_change",
                    "not_assessable"],
        "status.help.": ["improved", "worsened", "increased", "decreased", "no_clear_change",
                         "not_assessable"],
        "direction.": ["up_is_good", "down_is_good", "neutral"],
        "period_level.": ["month", "term", "quarter", "year"],
        "period_type.": ["year", "term", "quarter", "month", "survey"],
        "sex.": ["total", "male", "female"],
        "unit.": sorted({i.unit for i in config.indicators.values()}),
        "sidebar.level_prefix.": ["country", "county", "region", "municipality"],
    }
    for prefix, suffixes in expected.items():
        for suffix in suffixes:
            assert prefix + suffix in fi, prefix + suffix


def test_missing_key_raises_and_an_unknown_language_falls_back_to_finnish():
    with pytest.raises(KeyError):
        t("no.such.key")
    assert t("nav.overview", "xx") == messages("fi")["nav.overview"]


def _fields(text: str) -> list[str]:
    """The names a message formats (`{n}`, `{kind_label[sv]}` -> kind_label), sorted."""
    return sorted({name.split("[")[0].split(".")[0]
                   for _, name, _, _ in string.Formatter().parse(text) if name is not None})


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "fi"])
def test_every_language_has_every_finnish_message_with_the_same_placeholders(lang):
    fi, other = messages("fi"), messages(lang)
    assert sorted(set(fi) - set(other)) == []  # nothing falls back to Finnish
    assert sorted(set(other) - set(fi)) == []  # nothing stale
    differing = {key: (_fields(fi[key]), _fields(other[key])) for key in fi
                 if _fields(fi[key]) != _fields(other[key])}
    assert differing == {}


def test_every_catalogue_file_has_its_counterpart_in_each_language():
    names = {path.name.split(".", 1)[1] for path in LOCALE_DIR.glob("*.yaml")}
    for lang in LANGUAGES:
        assert {n for n in names if (LOCALE_DIR / f"{lang}.{n}").is_file()} == names, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_formats_with_its_own_placeholders(lang):
    """A message with a stray brace or an unknown format spec fails here, not on a page."""
    class Value:
        """Stands in for any argument: indexable (`{kind_label[fi]}`), any format spec."""

        def __getitem__(self, key):
            return self

        def __format__(self, spec):
            return format(1.5, spec) if spec else "x"

    for key, text in messages(lang).items():
        formatted = text.format(**{name: Value() for name in _fields(text)})
        assert "{" not in formatted.replace("{{", ""), key


def test_every_config_problem_kind_raised_in_code_has_a_message():
    fi = messages("fi")
    kinds: set[str] = set()
    for path in _sources():
        kinds.update(re.findall(r'PydanticCustomError\(\s*"([a-z_]+)"',
                                path.read_text(encoding="utf-8")))
    assert len(kinds) > 20
    assert sorted(k for k in kinds if f"config.problem.{k}" not in fi) == []
