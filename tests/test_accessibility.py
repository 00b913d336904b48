"""The accessibility statement's sections come from site.yaml and the message catalogue."""

from __future__ import annotations

import dataclasses

import pytest

from indicators.accessibility import KNOWN_GAPS, statement
from indicators.i18n import LANGUAGES, messages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_statement_has_every_part_the_act_asks_for(config, lang):
    sections = statement(config, lang)
    headings = [s.heading for s in sections]
    m = messages(lang)
    assert headings == [m["a11y.scope_title"], m["a11y.status_title"], m["a11y.use_title"],
                        m["a11y.assessed_title"], m["a11y.feedback_title"],
                        m["a11y.enforcement_title"]]
    body = "\n".join(s.body for s in sections)
    access = config.site.accessibility
    assert access.feedback_email in body
    assert access.supervisor.url in body and access.supervisor.name.get(lang) in body
    assert config.site.public_url in body
    assert body.count("\n- ") == len(KNOWN_GAPS)  # each known gap as a list item
    assert "{" not in body


def test_without_a_configured_channel_the_statement_says_so(config):
    bare = dataclasses.replace(config, site=config.site.model_copy(
        update={"accessibility": None}))
    sections = statement(bare, "fi")
    assert sections[-1].body == messages("fi")["a11y.no_feedback"]
    assert "config/site.yaml" in sections[-1].body


def test_site_config_refuses_a_feedback_address_that_is_not_one(tmp_path):
    import shutil

    from indicators.config import ConfigError, load_config

    root = tmp_path / "config"
    shutil.copytree(load_config().root, root)
    site = (root / "site.yaml").read_text(encoding="utf-8")
    (root / "site.yaml").write_text(
        site.replace("saavutettavuus@mittaristo.example.fi", "palaute at example"),
        encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert [(i.kind, i.location) for i in caught.value.issues] == [
        ("string_pattern_mismatch", "accessibility.feedback_email")]
