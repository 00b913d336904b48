"""Config validation: the shipped files are valid, and broken ones give messages naming the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from indicators.config import ConfigError, load_config
from indicators.settings import DEFAULT_CONFIG_DIR
from indicators.ui_text import config_error_lines


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def _edit_regions(root: Path, change) -> None:
    path = root / "regions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_regions_have_every_level_and_unique_codes(config):
    levels = {}
    for area in config.areas.values():
        levels.setdefault(area.level, []).append(area.code)
    assert levels["country"] == ["SSS"]
    assert levels["county"] == ["HV07"]
    assert sorted(levels["region"]) == ["SK051", "SK052", "SK053"]
    assert sorted(levels["municipality"]) == sorted(
        ["KU061", "KU103", "KU169", "KU834", "KU981", "KU109", "KU082", "KU165",
         "KU694", "KU086", "KU433"])
    assert config.areas["KU109"].name_sv == "Tavastehus"
    assert config.areas["KU109"].parent_code == "SK051"
    assert config.areas["KU061"].family_centre == "Forssan seudun perhekeskus"
    # the region population is the sum of its municipalities
    assert config.areas["SK052"].population == 28800 + 8000 + 7900
    # the country is a reference area, never the sum of what we hold
    assert "HV07" not in config.sum_parent()


def test_wrong_municipality_code_names_the_key(config_copy):
    _edit_regions(config_copy, lambda d: d["regions"][1]["municipalities"][0].update(code="K109"))
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    issue = caught.value.issues[0]
    assert issue.file == "config/regions.yaml"
    assert issue.location == "regions[1](SK051).municipalities[0](K109).code"
    assert issue.kind == "string_pattern_mismatch"
    line = config_error_lines(caught.value)[0]
    assert "config/regions.yaml" in line and "municipalities[0](K109).code" in line
    assert "ei ole oikeaa muotoa" in line


def test_missing_key_and_duplicate_code_are_reported(config_copy):
    def change(data):
        del data["regions"][0]["municipalities"][1]["name_sv"]
    _edit_regions(config_copy, change)
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    assert [(i.location, i.kind) for i in caught.value.issues] == [
        ("regions[0](SK053).municipalities[1](KU103).name_sv", "missing")]
    assert "puuttuu" in config_error_lines(caught.value)[0]

    shutil.copy(DEFAULT_CONFIG_DIR / "regions.yaml", config_copy / "regions.yaml")
    _edit_regions(config_copy,
                  lambda d: d["regions"][2]["municipalities"][0].update(code="KU061"))
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    assert caught.value.issues[0].kind == "duplicate_code"
    assert "KU061" in config_error_lines(caught.value)[0]


def test_yaml_syntax_error_names_line(config_copy):
    (config_copy / "regions.yaml").write_text("country: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    issue = caught.value.issues[0]
    assert issue.kind == "yaml_syntax" and issue.location.startswith("line ")


def test_catalogue_error_names_indicator_and_field(config_copy):
    path = config_copy / "indicators" / "wellbeing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["indicators"][2]["direction"] = "sideways"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    issue = caught.value.issues[0]
    assert issue.file == "config/indicators/wellbeing.yaml"
    assert issue.location == "indicators[2](placed_outside_home_share).direction"
    assert "sallitut" in config_error_lines(caught.value)[0]


def test_duplicate_indicator_id_across_files(config_copy):
    src = config_copy / "indicators" / "adhd.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["theme"] = "copy"
    (config_copy / "indicators" / "zz_copy.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    assert {i.kind for i in caught.value.issues} == {"duplicate_id"}


@pytest.mark.parametrize("path", sorted((DEFAULT_CONFIG_DIR / "indicators").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_catalogue_file_is_complete(path, config):
    """Every indicator has fi/sv/en names and definitions, source, licence and a valid kind."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["indicators"]:
        indicator = config.indicators[entry["id"]]
        for lang in ("fi", "sv", "en"):
            assert indicator.name.get(lang) and indicator.definition.get(lang)
        assert indicator.source and indicator.licence
        assert indicator.kind in {"proportion", "rate", "count", "mean"}


def test_catalogue_covers_the_themes_and_sotkanet_indicators(config):
    assert len(config.indicators) >= 20
    themes = {ind.themes[0] for ind in config.indicators.values()}
    assert themes == {"adhd", "absences", "omatiimi", "wellbeing"}
    refs = {ind.source_ref: ind.id for ind in config.indicators.values()}
    for sotkanet_id in (1086, 3563, 4, 3219):
        assert f"sotkanet:{sotkanet_id}" in refs
    assert len(config.headline_indicators()) >= 3
