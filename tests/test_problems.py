"""Import and config problems name codes in the reader's words, never as raw codes."""

from __future__ import annotations

import pytest

from indicators.config import ConfigError, ConfigIssue
from indicators.problems import Problem, coded_word
from indicators.ui_text import config_error_lines


@pytest.mark.parametrize(("lang", "word"), [("fi", "kuukausittain"), ("sv", "månadsvis"),
                                            ("en", "monthly")])
def test_a_period_type_in_an_import_error_is_a_word(lang, word):
    problem = Problem("period_type_mismatch", "data.csv", row=3, column="vuosi", value="2025",
                      params={"expected": "month"})
    text = problem.message(lang)
    assert word in text and " month." not in text and "2025" in text


def test_area_levels_in_config_errors_are_words():
    error = ConfigError([ConfigIssue("omatiimi.yaml", "rollout[3].area", "rollout_wrong_level",
                                     "needs municipality", {"event": "schools_trained",
                                                            "wanted": "municipality",
                                                            "code": "SK051",
                                                            "level": "region"})])
    (line,) = config_error_lines(error, "fi")
    assert "tasoa seutukunta" in line and "on kunta" in line and "region" not in line
    (line,) = config_error_lines(error, "en")
    assert "level municipality" in line and "level sub-region" in line


def test_an_unknown_code_is_shown_as_it_is():
    assert coded_word("period_type_mismatch", "expected", "fortnight") == "fortnight"
    assert coded_word("other_problem", "expected", "month") == "month"
