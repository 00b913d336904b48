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
    assert themes == {"adhd", "absences", "omatiimi", "wellbeing", "population"}
    refs = {ind.source_ref: ind.id for ind in config.indicators.values()}
    for sotkanet_id in (1086, 3563, 4, 3219):
        assert f"sotkanet:{sotkanet_id}" in refs
    assert len(config.headline_indicators()) >= 3


# ---- first_period, denominator_from and the Omatiimi rollout (config/omatiimi.yaml) ----------


def _edit_yaml(root: Path, name: str, change) -> None:
    """Like `_edit_regions`, for any file under the config directory."""
    path = root / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set_field(indicator_id: str, **fields):
    """A change for `_edit_yaml` setting fields of one catalogue entry, found by its id."""
    def change(data):
        [entry] = [e for e in data["indicators"] if e["id"] == indicator_id]
        entry.update(fields)
    return change


def _issues(root: Path) -> tuple[list, list[str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    return caught.value.issues, config_error_lines(caught.value)


def _assert_finnish_line(issue, line: str, fragment: str) -> None:
    """The kind has its own Finnish message (not the generic fallback, which repeats the English
    message) and the line names the file and the key path."""
    assert issue.file in line and f"`{issue.location or '–'}`" in line
    assert fragment in line
    assert issue.message not in line


def test_shipped_rollout_is_sorted_by_date_then_kind_then_area(config):
    rollout = config.rollout
    assert len(rollout) == 23
    # 2026-02-02: the three regions launch before any municipality joins that day
    assert [(e.event, e.area) for e in rollout[:6]] == [
        ("launch", "SK051"), ("launch", "SK052"), ("launch", "SK053"),
        ("municipality_joined", "KU061"), ("municipality_joined", "KU109"),
        ("municipality_joined", "KU694")]
    kinds = ("launch", "municipality_joined", "schools_trained", "early_education_trained")
    keys = [(e.date, kinds.index(e.event), e.area) for e in rollout]
    assert keys == sorted(keys)
    assert {e.area for e in rollout if e.event == "launch"} == set(config.region_codes)
    # every municipality of the county joins exactly once
    joined = [e.area for e in rollout if e.event == "municipality_joined"]
    assert sorted(joined) == sorted(c for c, a in config.areas.items()
                                    if a.level == "municipality")
    trained = [e for e in rollout if e.event in ("schools_trained", "early_education_trained")]
    assert trained and all(e.units and e.units >= 1 for e in trained)


def test_rollout_order_does_not_depend_on_file_order(config, config_copy):
    def change(data):
        data["rollout"].reverse()
        # same day and place: joining comes before the training, and schools before early education
        data["rollout"][:0] = [
            {"date": "2026-08-17", "area": "KU082", "event": "early_education_trained",
             "units": 2},
            {"date": "2026-08-17", "area": "KU082", "event": "schools_trained", "units": 3}]
    _edit_yaml(config_copy, "omatiimi.yaml", change)
    loaded = load_config(config_copy)
    on_day = [(e.event, e.area) for e in loaded.rollout if str(e.date) == "2026-08-17"]
    assert on_day == [("municipality_joined", "KU082"), ("municipality_joined", "KU834"),
                      ("schools_trained", "KU082"), ("early_education_trained", "KU082")]
    shipped = [e for e in loaded.rollout
               if not (e.area == "KU082" and e.event != "municipality_joined")]
    assert shipped == list(config.rollout)


def test_config_without_omatiimi_file_has_no_rollout(config, config_copy):
    (config_copy / "omatiimi.yaml").unlink()
    loaded = load_config(config_copy)
    assert loaded.rollout == ()
    assert set(loaded.indicators) == set(config.indicators)


@pytest.mark.parametrize(("change", "location", "kind", "fragment"), [
    # a year indicator cannot begin in a month
    (_set_field("cw_notifications_rate", first_period="2026-02"),
     "indicators[0](cw_notifications_rate)", "first_period_needs_months",
     "aloituskuukausi (first_period) sopii vain kuukausitiedoille"),
    # a count takes nothing from another indicator
    (_set_field("exercise_counselling_referrals", denominator_from="cw_notifications_rate"),
     "indicators[10](exercise_counselling_referrals)", "denominator_from_count",
     "lukumäärällä ei ole nimittäjää, jota ottaa indikaattorista cw_notifications_rate"),
    # only a mean of changes may go below zero
    (_set_field("cw_notifications_rate", signed=True),
     "indicators[0](cw_notifications_rate)", "signed_needs_mean",
     "negatiiviset arvot (signed) sallitaan vain muutosten keskiarvoille"),
])
def test_indicator_field_rules_name_the_indicator(config_copy, change, location, kind, fragment):
    _edit_yaml(config_copy, "indicators/wellbeing.yaml", change)
    issues, lines = _issues(config_copy)
    assert [(i.file, i.location, i.kind) for i in issues] == [
        ("config/indicators/wellbeing.yaml", location, kind)]
    _assert_finnish_line(issues[0], lines[0], fragment)


def test_first_period_must_be_a_real_month(config_copy):
    _edit_yaml(config_copy, "indicators/omatiimi.yaml",
               _set_field("omatiimi_requests", first_period="2026-13"))
    issues, _ = _issues(config_copy)
    assert [(i.location, i.kind) for i in issues] == [
        ("indicators[0](omatiimi_requests).first_period", "string_pattern_mismatch")]


@pytest.mark.parametrize(("source", "kind", "fragment"), [
    ("omatiimi_no_such", "unknown_indicator",
     "indikaattoria omatiimi_no_such ei ole indikaattoriluettelossa"),
    # a percent is neither a count nor a mean
    ("omatiimi_wednesday_slot", "bad_denominator_source",
     "nimittäjän lähteen omatiimi_wednesday_slot pitää olla lukumäärä tai keskiarvo"),
    # a count, but yearly: the months would take their denominator from years
    ("exercise_counselling_referrals", "bad_denominator_source",
     "jonka luvut ilmoitetaan kuukausittain"),
    # pointing at itself is the shortest circle
    ("omatiimi_srs_mean", "denominator_cycle",
     "kiertävät kehää indikaattorin omatiimi_srs_mean kautta"),
])
def test_denominator_source_must_be_a_known_count_or_mean(config_copy, source, kind, fragment):
    _edit_yaml(config_copy, "indicators/omatiimi.yaml",
               _set_field("omatiimi_srs_mean", denominator_from=source))
    issues, lines = _issues(config_copy)
    assert [(i.file, i.location, i.kind) for i in issues] == [
        ("config/indicators/omatiimi.yaml", "indicators(omatiimi_srs_mean).denominator_from",
         kind)]
    _assert_finnish_line(issues[0], lines[0], fragment)


def test_denominator_cycle_between_two_means_is_found_from_both(config_copy):
    _edit_yaml(config_copy, "indicators/omatiimi.yaml",
               _set_field("omatiimi_ors_change", denominator_from="omatiimi_srs_mean"))
    _edit_yaml(config_copy, "indicators/omatiimi.yaml",
               _set_field("omatiimi_srs_mean", denominator_from="omatiimi_ors_change"))
    issues, lines = _issues(config_copy)
    assert {i.kind for i in issues} == {"denominator_cycle"}
    where = {i.location for i in issues}
    assert {"indicators(omatiimi_srs_mean).denominator_from",
            "indicators(omatiimi_ors_change).denominator_from"} <= where
    for issue, line in zip(issues, lines, strict=True):
        _assert_finnish_line(issue, line, "kiertävät kehää")


def test_denominator_source_may_be_in_another_file(config_copy):
    _edit_yaml(config_copy, "indicators/wellbeing.yaml",
               _set_field("therapy_guarantee_met", denominator_from="omatiimi_convened"))
    loaded = load_config(config_copy)
    assert loaded.indicators["therapy_guarantee_met"].denominator_from == "omatiimi_convened"


def _rollout_change(index: int, **fields):
    def change(data):
        data["rollout"][index].update(fields)
    return change


def _append_event(**event):
    def change(data):
        data["rollout"].append(event)
    return change


def _drop_event(area: str, event: str):
    def change(data):
        data["rollout"] = [e for e in data["rollout"]
                           if not (e["area"] == area and e["event"] == event)]
    return change


# Positions in the shipped file: 0-2 the launches, 7 KU109 schools trained, 8 KU165 joins,
# 17 KU165 schools trained, 21 KU086 schools trained; 23 is one appended at the end.
@pytest.mark.parametrize(("change", "expected", "fragment"), [
    (_append_event(date="2026-05-01", area="KU999", event="municipality_joined"),
     [("rollout[23].area", "unknown_area")], "aluetta KU999 ei ole tiedostossa regions.yaml"),
    (_append_event(date="2026-02-02", area="KU109", event="launch"),
     [("rollout[23].area", "rollout_wrong_level")],
     "tapahtumalle launch pitää antaa alue, jonka taso on seutukunta; KU109 on tasoa kunta"),
    (_append_event(date="2026-03-02", area="SK053", event="municipality_joined"),
     [("rollout[23].area", "rollout_wrong_level")],
     "tapahtumalle municipality_joined pitää antaa alue, jonka taso on kunta; "
     "SK053 on tasoa seutukunta"),
    (_append_event(date="2026-03-02", area="HV07", event="launch"),
     [("rollout[23].area", "rollout_wrong_level")], "HV07 on tasoa hyvinvointialue"),
    # Forssa (KU061) joined on 2026-02-02, before its region now launches
    (_rollout_change(2, date="2026-03-01"), [("rollout[5].date", "rollout_before_launch")],
     "kunnan KU061 tapahtuma 2026-02-02 on ennen kuin sen seutu SK053 otti"),
    # Janakkala (KU165) now joins after its schools were trained (2026-09-16)
    (_rollout_change(8, date="2026-10-01"), [("rollout[17].date", "rollout_before_joining")],
     "kunnan KU165 koulutus 2026-09-16 on ennen kuin kunta liittyi"),
    # Hausjärvi (KU086) never joins, but its schools are trained (21, now 20)
    (_drop_event("KU086", "municipality_joined"), [("rollout[20].date",
                                                    "rollout_before_joining")],
     "kunnan KU086 koulutus 2026-10-14"),
    (_rollout_change(7, units=None), [("rollout[7]", "units_missing")],
     "koulutusta koskevalle tapahtumalle (schools_trained) pitää antaa"),
    (_append_event(date="2026-03-02", area="KU169", event="municipality_joined"),
     [("", "listed_twice")],
     "sama arvo on listattu kahdesti (rollout events: 2026-03-02 KU169 municipality_joined)"),
], ids=["unknown_area", "launch_in_municipality", "municipality_event_in_region",
        "launch_in_county", "before_launch", "trained_before_joining", "trained_never_joined",
        "units_missing", "listed_twice"])
def test_rollout_problems_name_the_event(config_copy, change, expected, fragment):
    def edit(data):
        change(data)
        for event in data["rollout"]:  # a None from the change means the key is left out
            for key in [k for k, v in event.items() if v is None]:
                del event[key]
    _edit_yaml(config_copy, "omatiimi.yaml", edit)
    issues, lines = _issues(config_copy)
    assert [(i.location, i.kind) for i in issues] == expected
    assert all(i.file == "config/omatiimi.yaml" for i in issues)
    _assert_finnish_line(issues[0], lines[0], fragment)


@pytest.mark.parametrize(("day", "accepted"), [("2026-03-01", False), ("2026-03-02", True)])
def test_training_from_the_joining_day_on_is_accepted(config_copy, day, accepted):
    # Jokioinen (KU169) joined on 2026-03-02: training that day is fine, the day before is not
    _edit_yaml(config_copy, "omatiimi.yaml", _append_event(
        date=day, area="KU169", event="schools_trained", units=2))
    if accepted:
        loaded = load_config(config_copy)
        assert [(e.event, e.area) for e in loaded.rollout if str(e.date) == day] == [
            ("municipality_joined", "KU169"), ("schools_trained", "KU169")]
    else:
        issues, _ = _issues(config_copy)
        assert [(i.location, i.kind) for i in issues] == [("rollout[23].date",
                                                           "rollout_before_joining")]


def test_an_impossible_date_names_file_and_key(config_copy):
    path = config_copy / "omatiimi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{date: 2026-03-02, area: KU169", "{date: 2026-02-30, area: KU169"), encoding="utf-8")
    issues, lines = _issues(config_copy)
    assert [(i.file, i.location) for i in issues] == [("config/omatiimi.yaml", "rollout[6].date")]
    assert "VVVV-KK-PP" in lines[0] and "config/omatiimi.yaml" in lines[0]


def test_a_region_launched_twice_is_reported_whatever_the_order(config_copy):
    def twice(data):
        data["rollout"].insert(0, {"date": "2026-06-01", "area": "SK053", "event": "launch"})
    _edit_yaml(config_copy, "omatiimi.yaml", twice)
    issues, lines = _issues(config_copy)
    assert [(i.location, i.kind) for i in issues] == [("rollout[3]", "rollout_twice")]
    assert "SK053" in lines[0] and "useampi kuin yksi" in lines[0]



def test_groups_borrowing_from_each_other_in_a_circle_are_refused(config_copy):
    """Each indicator alone is fine, but the feedback group borrows from the networks group and
    the networks group from the feedback group: disclosure could not be ordered."""
    def edit(data):
        for entry in data["indicators"]:
            if entry["id"] == "omatiimi_wednesday_slot":
                entry["disclosure_group"] = "omatiimi_feedback"
            if entry["id"] == "omatiimi_felt_helped":
                entry["disclosure_group"] = "omatiimi_networks"
    _edit_yaml(config_copy, "indicators/omatiimi.yaml", edit)
    issues, lines = _issues(config_copy)
    assert [i.kind for i in issues] == ["denominator_cycle"]
    assert "kiertävät kehää" in lines[0] and "config/indicators/omatiimi.yaml" in lines[0]


# ---------------------------------------------------------------- several counties


def _as_counties(data: dict, second: dict | None = None) -> None:
    """Rewrite the one-county regions.yaml in the `counties:` form, with an extra county."""
    home = {**data.pop("county"), "regions": data.pop("regions")}
    data["counties"] = [home, *([second] if second else [])]


OTHER_COUNTY = {
    "code": "HV01", "name_fi": "Testialue", "name_sv": "Testområde", "short_fi": "Testi",
    "short_sv": "Test",
    "regions": [{"code": "SK001", "name_fi": "Seutu 1", "name_sv": "Region 1",
                 "short_fi": "S1", "short_sv": "R1", "family_centre": "PK 1",
                 "municipalities": [
                     {"code": "KU001", "name_fi": "Yksi", "name_sv": "Ett", "population": 900,
                      "population_0_17": 150},
                     {"code": "KU002", "name_fi": "Kaksi", "name_sv": "Två", "population": 4000,
                      "population_0_17": 700}]}],
}


def test_counties_form_gives_the_same_home_view(config, config_copy):
    _edit_regions(config_copy, lambda d: _as_counties(d, OTHER_COUNTY))
    several = load_config(config_copy)
    assert several.county_code == config.county_code == "HV07"
    assert several.region_codes == config.region_codes
    home = [c for c in several.areas if c not in ("HV01", "SK001", "KU001", "KU002")]
    assert home == list(config.areas)  # the home county's areas first, in the same order
    assert [several.areas[c].level for c in ("HV01", "SK001", "KU001")] == \
        ["county", "region", "municipality"]
    assert several.areas["HV01"].parent_code == "SSS"
    assert several.areas["HV01"].population == 4900
    assert several.sum_parent()["KU001"] == "SK001" and several.sum_parent()["SK001"] == "HV01"
    assert "HV01" not in several.sum_parent()  # the country is a reference, never a sum


def test_home_county_picks_the_opening_view(config_copy):
    def change(data):
        _as_counties(data, OTHER_COUNTY)
        data["home_county"] = "HV01"

    _edit_regions(config_copy, change)
    several = load_config(config_copy)
    assert several.county_code == "HV01" and several.region_codes == ["SK001"]
    assert list(several.areas)[:3] == ["SK001", "HV01", "SSS"]
    # views per region of the home county: another county's areas show the home county
    assert several.region_or_county("KU002") == "SK001"
    assert several.region_or_county("KU061") == "HV01"
    assert several.region_or_county("HV07") == "HV01"


@pytest.mark.parametrize("change, kind, fragment", [
    (lambda d: d.update(counties=[{**OTHER_COUNTY}]), "county_forms_mixed", "ei molempia"),
    (lambda d: (_as_counties(d), d.update(home_county="HV09")), "unknown_home_county", "HV09"),
    (lambda d: (_as_counties(d, {**OTHER_COUNTY, "regions": []})), "county_without_regions",
     "HV01"),
    (lambda d: (_as_counties(d, {**OTHER_COUNTY, "code": "HV07"})), "duplicate_code", "HV07"),
    (lambda d: (d.pop("county")), "county_missing", "counties"),
])
def test_county_form_problems_are_named(config_copy, change, kind, fragment):
    _edit_regions(config_copy, change)
    with pytest.raises(ConfigError) as err:
        load_config(config_copy)
    issue = err.value.issues[0]
    assert issue.kind == kind and issue.file.endswith("regions.yaml")
    assert fragment in config_error_lines(err.value)[0]


@pytest.mark.parametrize(("indicator", "population", "kind", "fragment"), [
    ("cw_notifications_rate", "population_no_such", "unknown_indicator",
     "indikaattoria population_no_such ei ole indikaattoriluettelossa"),
    # a rate is not a population count
    ("cw_notifications_rate", "psychiatric_inpatients_0_17", "bad_population_denominator",
     "väestön psychiatric_inpatients_0_17 pitää olla vuosittainen lukumäärä"),
    # a count has no denominator at all
    ("exercise_counselling_referrals", "population_0_17", "bad_population_denominator",
     "vain vuosittaisen osuuden tai suhdeluvun nimittäjänä"),
])
def test_population_denominator_must_be_a_yearly_count(config_copy, indicator, population, kind,
                                                       fragment):
    _edit_yaml(config_copy, "indicators/wellbeing.yaml",
               _set_field(indicator, denominator_population=population))
    issues, lines = _issues(config_copy)
    assert [(i.file, i.location, i.kind) for i in issues] == [
        ("config/indicators/wellbeing.yaml",
         f"indicators({indicator}).denominator_population", kind)]
    _assert_finnish_line(issues[0], lines[0], fragment)


def test_source_settings_are_validated(config_copy):
    with (config_copy / "site.yaml").open("a", encoding="utf-8") as site:
        site.write("sources:\n  sotkanet:\n    base_url: http://127.0.0.1:8080/mirror\n"
                   "    retries: 9\n  statfin:\n    base_url: https://pxdata.stat.fi\n")
    issues, _ = _issues(config_copy)
    assert {(i.file, i.kind) for i in issues} >= {("config/site.yaml", "less_than_equal")}
    assert len(issues) == 2  # retries over 5, and an unknown source name
