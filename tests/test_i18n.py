"""The message catalogue: every key the code uses exists in Finnish."""

from __future__ import annotations

import re

import pytest

from indicators.i18n import messages, t
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


def test_missing_key_raises_and_other_languages_fall_back():
    with pytest.raises(KeyError):
        t("no.such.key")
    assert t("nav.overview", "xx") == messages("fi")["nav.overview"]
