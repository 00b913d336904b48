"""Shared goals (config/goals.yaml): the shipped file is valid, and each kind of mistake is
reported with its file, the objective and key result it is in, and a Finnish message."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from indicators.config import ConfigError, ConfigIssue, load_config
from indicators.goal_config import LEVELS_OF_PERIOD_TYPE, key_result_area
from indicators.i18n import messages
from indicators.periods import period_end, period_level
from indicators.settings import DEFAULT_CONFIG_DIR
from indicators.ui_text import config_error_lines

GOALS = "config/goals.yaml"
PHENOMENA = "config/phenomena.yaml"
# where things are in the shipped goals.yaml
CALM = "objectives[0](calmer_growth_environments)"
ABSENCES = "objectives[1](fewer_school_absences)"
FORSSA_TOWN = "objectives[2](forssa_early_contact)"
OMATIIMI = "objectives[3](quick_useful_omatiimi)"
CONTACTS_HML = f"{CALM}.key_results[0](contacts_attention_hml)"
CONCENTRATION_HML = f"{CALM}.key_results[2](concentration_hml)"
HIMMEE = f"{CALM}.key_results[4](himmee_hetki_organisations)"
ABSENCE_FORSSA = f"{ABSENCES}.key_results[0](absence_over10_forssa)"

Change = Callable[[dict[str, Any]], None]


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def _edit(root: Path, name: str, change: Change) -> None:
    path = root / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _issues(root: Path) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    return caught.value.issues


def _kr(data: dict[str, Any], objective: int, key_result: int) -> dict[str, Any]:
    return data["objectives"][objective]["key_results"][key_result]


def _finnish_line_is_specific(issue: ConfigIssue) -> None:
    """The kind has its own Finnish message, and the rendered line uses it."""
    catalogue = messages("fi")
    assert f"config.problem.{issue.kind}" in catalogue, issue.kind
    [line] = config_error_lines(ConfigError([issue]), "fi")
    assert issue.file in line and (issue.location or "–") in line
    assert issue.message not in line  # not the English detail of config.problem.other
    assert "{" not in line  # every placeholder had its value


# ---------------------------------------------------------------- the shipped file


def test_shipped_goals_have_the_demo_objectives(config):
    assert [o.id for o in config.objectives] == [
        "calmer_growth_environments", "fewer_school_absences", "forssa_early_contact",
        "quick_useful_omatiimi"]
    ids = [kr.id for o in config.objectives for kr in o.key_results]
    assert len(ids) == len(set(ids)) == 19
    by_id = {o.id: o for o in config.objectives}
    omatiimi = by_id["quick_useful_omatiimi"]
    assert omatiimi.owner == "steering_group" and omatiimi.areas == ["HV07"]
    covered = {key_result_area(omatiimi, kr) for kr in omatiimi.key_results}
    assert covered == {"SK051", "SK052", "SK053"}
    # each region follows all three Omatiimi measures
    for region in ("SK051", "SK052", "SK053"):
        followed = {(kr.indicator, kr.measure) for kr in omatiimi.key_results
                    if kr.area == region}
        assert followed == {("omatiimi_days_to_first_meeting", "median_days"),
                            ("omatiimi_feedback_response_rate", "value"),
                            ("omatiimi_srs_mean", "value")}
    calm = by_id["calmer_growth_environments"]
    assert calm.phenomenon == "adhd_symptoms" and calm.areas == ["SK051", "SK052"]
    assert by_id["forssa_early_contact"].level == "municipality"
    # the quoted survey years stay text
    concentration = next(kr for kr in calm.key_results if kr.id == "concentration_hml")
    assert concentration.baseline.period == "2023" and concentration.level == "year"
    assert concentration.commitment == "aspirational" and concentration.group == "gr4_5"


def _key_results(config):
    return [(o, kr) for o in config.objectives for kr in o.key_results]


def test_every_shipped_key_result_is_consistent(config):
    phenomena = {p.id: p for p in config.phenomena}
    checked = 0
    for objective, kr in _key_results(config):
        label = f"{objective.id}/{kr.id}"
        area = key_result_area(objective, kr)
        target_end = period_end(kr.target.period)
        assert target_end <= period_end(objective.period.end), label
        if kr.indicator is not None:
            assert kr.action is None, label
            indicator = config.indicators.get(kr.indicator)
            assert indicator is not None, label
            assert kr.level in LEVELS_OF_PERIOD_TYPE[indicator.period_type], label
            assert kr.baseline.period is not None, label
            assert period_level(kr.baseline.period) == kr.level, label
            assert area in config.areas, label
            assert kr.group in indicator.group_codes and kr.sex in indicator.sexes, label
            start = period_end(kr.baseline.period)
            base_value = kr.baseline.value
            # from the data: a milestone is at least not past the target
            worse_side = -1.0 if indicator.direction == "up_is_good" else 1.0
        else:
            assert kr.action is not None, label
            action = next(a for a in phenomena[kr.action.phenomenon].actions
                          if a.id == kr.action.action)
            assert action.progress is not None, label
            start = action.start
            base_value = kr.baseline.value or 0.0
            worse_side = -1.0
        assert start < target_end, label
        for milestone in kr.milestones:
            assert start < period_end(milestone.period) < target_end, label
            assert (milestone.value - kr.target.value) * worse_side > 0, label
            if base_value is not None:
                low, high = sorted((base_value, kr.target.value))
                assert low < milestone.value < high, label
        checked += 1
    assert checked == 19


def test_shipped_action_histories_count_up_to_the_current_figure(config):
    actions = {a.id: a for p in config.phenomena for a in p.actions}
    counts = actions["himmee_hetki"].progress.counts()
    assert [c.done for c in counts] == [6, 14, 21, 27, 34]
    assert counts[-1].as_of.isoformat() == "2026-10-31"
    for action in actions.values():
        if action.progress is None:
            continue
        dates = [c.as_of for c in action.progress.counts()]
        assert dates == sorted(set(dates)), action.id


# ---------------------------------------------------------------- loading variants


def test_a_year_written_as_a_number_is_a_period(config_copy):
    def change(data):
        kr = _kr(data, 0, 2)
        kr["baseline"]["period"] = 2023
        kr["target"]["period"] = 2027
        data["objectives"][1]["period"] = {"start": 2025, "end": 2027}
    _edit(config_copy, "goals.yaml", change)
    assert "period: 2023\n" in (config_copy / "goals.yaml").read_text(encoding="utf-8")
    config = load_config(config_copy)
    kr = config.objectives[0].key_results[2]
    assert kr.baseline.period == "2023" and kr.target.period == "2027"
    assert kr.level == "year"
    assert config.objectives[1].period.start == "2025"


def test_config_without_goals_file_has_no_objectives(config_copy):
    (config_copy / "goals.yaml").unlink()
    config = load_config(config_copy)
    assert config.objectives == ()
    assert config.phenomena  # the rest still loads


# ---------------------------------------------------------------- one mistake at a time


def _set(objective: int, key_result: int, **fields: Any) -> Change:
    def change(data):
        _kr(data, objective, key_result).update(fields)
    return change


def _drop(objective: int, key_result: int, key: str) -> Change:
    def change(data):
        del _kr(data, objective, key_result)[key]
    return change


def _objective(objective: int, **fields: Any) -> Change:
    def change(data):
        data["objectives"][objective].update(fields)
    return change


def _duplicate_within_objective(data):
    _kr(data, 0, 1)["id"] = "contacts_attention_hml"


def _add_key_result(objective: int, **fields: Any) -> Change:
    def change(data):
        data["objectives"][objective]["key_results"].append(
            {"id": "added", "name": {"fi": "Lisätty", "sv": "Tillagd", "en": "Added"},
             **fields})
    return change


GOAL_CASES = [
    # kind, change, the location of the issue
    ("bad_period", _set(0, 0, target={"period": "2027Q5", "value": 14.0}),
     f"{CONTACTS_HML}.target"),
    ("bad_period", _set(0, 0, baseline={"period": "syksy-24"}), f"{CONTACTS_HML}.baseline"),
    ("bad_period", _objective(1, period={"start": "2025-01", "end": "2027-13"}),
     f"{ABSENCES}.period"),
    ("pool_period", _set(0, 2, baseline={"period": "2021-2023"}),
     f"{CONCENTRATION_HML}.baseline"),
    ("kr_source", _set(0, 0, action={"phenomenon": "adhd_symptoms", "action": "himmee_hetki"}),
     CONTACTS_HML),
    ("kr_source", _drop(0, 0, "indicator"), CONTACTS_HML),
    ("baseline_period_missing", _set(0, 0, baseline={}), CONTACTS_HML),
    ("mixed_levels", _set(0, 0, target={"period": "2027", "value": 14.0}), CONTACTS_HML),
    ("mixed_levels", _set(0, 0, milestones=[{"period": "2026-12", "value": 16.0}]),
     CONTACTS_HML),
    ("season_mismatch", _set(1, 0, target={"period": "2027-T1", "value": 12.0}),
     ABSENCE_FORSSA),
    ("target_before_baseline", _set(0, 0, target={"period": "2024Q3", "value": 14.0},
                                    milestones=[]), CONTACTS_HML),
    ("target_before_baseline", _set(0, 0, target={"period": "2024Q4", "value": 14.0},
                                    milestones=[]), CONTACTS_HML),
    ("milestone_outside", _set(0, 0, milestones=[{"period": "2024Q4", "value": 16.0}]),
     CONTACTS_HML),
    ("milestone_outside", _set(0, 0, milestones=[{"period": "2027Q4", "value": 16.0}]),
     CONTACTS_HML),
    ("milestone_outside", _set(0, 4, milestones=[{"period": "2027-06", "value": 40}]), HIMMEE),
    ("target_equals_baseline", _set(0, 0, baseline={"period": "2024Q4", "value": 14.0}),
     CONTACTS_HML),
    ("median_days_indicator", _set(0, 0, measure="median_days"), CONTACTS_HML),
    ("action_split", _set(0, 4, sex="female"), HIMMEE),
    ("listed_twice", _duplicate_within_objective, CALM),
    ("unknown_indicator", _set(0, 0, indicator="no_such_indicator"),
     f"{CONTACTS_HML}.indicator"),
    ("unknown_area", _objective(0, areas=["SK051", "SK099"]), f"{CALM}.areas[1]"),
    ("unknown_area", _set(0, 0, area="SK099"), f"{CONTACTS_HML}.area"),
    ("goal_wrong_level", _objective(0, areas=["KU109", "SK052"]), f"{CALM}.areas[0]"),
    ("area_outside_objective", _set(1, 0, area="SK051"), f"{ABSENCE_FORSSA}.area"),
    ("area_missing", _drop(0, 0, "area"), f"{CONTACTS_HML}.area"),
    ("target_after_objective", _set(0, 0, target={"period": "2028Q4", "value": 14.0}),
     f"{CONTACTS_HML}.target.period"),
    ("unknown_action", _set(0, 4, action={"phenomenon": "adhd_symptoms", "action": "nothing"}),
     f"{HIMMEE}.action"),
    ("unknown_action", _set(0, 4, action={"phenomenon": "nothing", "action": "himmee_hetki"}),
     f"{HIMMEE}.action"),
    ("action_without_progress",
     _set(0, 4, action={"phenomenon": "adhd_symptoms", "action": "adhd_pathway"}),
     f"{HIMMEE}.action"),
    ("area_outside_action",
     _add_key_result(3, action={"phenomenon": "adhd_symptoms", "action": "himmee_hetki"},
                     area="SK053", target={"period": "2027-06", "value": 60}),
     f"{OMATIIMI}.key_results[9](added).area"),
    ("level_not_available", _set(0, 2, baseline={"period": "2023Q4"},
                                 target={"period": "2027Q4", "value": 16.0}),
     f"{CONCENTRATION_HML}.target.period"),
    ("level_not_available", _set(1, 0, baseline={"period": "2024"},
                                 target={"period": "2027", "value": 12.0}),
     f"{ABSENCE_FORSSA}.target.period"),
    ("group_not_available", _set(0, 0, group="gr4_5"), f"{CONTACTS_HML}.group"),
    ("sex_not_available", _set(0, 0, sex="female"), f"{CONTACTS_HML}.sex"),
    ("area_level_not_available",
     _set(2, 0, indicator="omatiimi_srs_mean", baseline={"period": "2026Q2"},
          target={"period": "2027Q4", "value": 38}),
     f"{FORSSA_TOWN}.key_results[0](absence_over10_forssa_town).area"),
    # fewer contacts is better: a declared baseline below the target is the wrong way round
    ("target_wrong_direction", _set(0, 0, baseline={"period": "2024Q4", "value": 10.0},
                                    milestones=[]),
     f"{CONTACTS_HML}.target.value"),
    # a milestone must lie between the baseline and the target ...
    ("milestone_value_outside", _set(0, 0, baseline={"period": "2024Q4", "value": 20.0},
                                     milestones=[{"period": "2026Q4", "value": 21.0}]),
     CONTACTS_HML),
    # ... and, with the baseline from the data, at least not past the target
    ("milestone_past_target", _set(0, 0, milestones=[{"period": "2026Q4", "value": 10.0}]),
     f"{CONTACTS_HML}.milestones[0].value"),
    # the action's counts cover Hämeenlinna and Riihimäki together: not one region's result
    ("action_counts_all_areas", _set(0, 4, area="SK051"), f"{HIMMEE}.area"),
    # a target before the action even began
    ("before_action_start", _set(0, 4, target={"period": "2025-06", "value": 60},
                                 milestones=[]), f"{HIMMEE}.target.period"),
    # monthly absences are not summed to quarters: a quarterly key result has no figures
    ("level_not_available", _set(1, 0, indicator="absence_over10_month",
                                 baseline={"period": "2025Q3"},
                                 target={"period": "2027Q3", "value": 10.0}),
     "objectives[1](fewer_school_absences).key_results[0](absence_over10_forssa)"
     ".target.period"),
    # an action done only in Hämeenlinna and Riihimäki cannot count for Forssa's objective
    ("action_outside_objective", _set(1, 2, action={"phenomenon": "adhd_symptoms",
                                                    "action": "himmee_hetki"}),
     "objectives[1](fewer_school_absences).key_results[2](attendance_support_schools).action"),
    # a higher response rate is better: a target below the baseline is the wrong way round
    ("target_wrong_direction", _set(3, 3, baseline={"period": "2026Q2", "value": 80.0}),
     f"{OMATIIMI}.key_results[3](omatiimi_response_hml).target.value"),
    ("unknown_phenomenon", _objective(0, phenomenon="no_such_phenomenon"),
     f"{CALM}.phenomenon"),
    ("period_end_before_start", _objective(0, period={"start": "2028-01", "end": "2027-12"}),
     f"{CALM}.period"),
]


KNOCK_ON = {"goal_wrong_level": ("area_outside_objective",)}


@pytest.mark.parametrize(("kind", "change", "where"), GOAL_CASES,
                         ids=[f"{i}-{case[0]}" for i, case in enumerate(GOAL_CASES)])
def test_goal_mistake_names_file_place_and_kind(config_copy, kind, change, where):
    _edit(config_copy, "goals.yaml", change)
    issues = _issues(config_copy)
    found = [i for i in issues if i.kind == kind]
    assert found, [(i.kind, i.location, i.message) for i in issues]
    assert all(i.file == GOALS for i in issues)
    assert where in [i.location for i in found]
    # the one mistake gives only its own kind (a wrong-level area also leaves its key results
    # outside the objective)
    assert {i.kind for i in issues} <= {kind, *KNOCK_ON.get(kind, ())}
    for issue in found:
        _finnish_line_is_specific(issue)


def test_duplicate_key_result_across_objectives_is_named(config_copy):
    _edit(config_copy, "goals.yaml", _set(1, 0, id="contacts_attention_hml"))
    [issue] = _issues(config_copy)
    # a duplicate across objectives is a file-level issue: the message names the id
    assert (issue.file, issue.location, issue.kind) == (GOALS, "", "listed_twice")
    assert issue.context["values"] == "contacts_attention_hml"
    [line] = config_error_lines(ConfigError([issue]), "fi")
    assert "contacts_attention_hml" in line and "listed twice" not in line
    _finnish_line_is_specific(issue)


def test_duplicate_objective_is_named(config_copy):
    _edit(config_copy, "goals.yaml", _objective(2, id="fewer_school_absences"))
    issues = _issues(config_copy)
    assert [(i.kind, i.context.get("values")) for i in issues] == [
        ("listed_twice", "fewer_school_absences")]


def test_every_mistake_in_one_file_is_reported_together(config_copy):
    def change(data):
        _set(0, 0, indicator="no_such_indicator")(data)
        _set(1, 0, area="SK051")(data)
        _objective(3, phenomenon="no_such_phenomenon")(data)
    _edit(config_copy, "goals.yaml", change)
    issues = _issues(config_copy)
    assert sorted(i.kind for i in issues) == [
        "area_outside_objective", "unknown_indicator", "unknown_phenomenon"]
    assert len(config_error_lines(ConfigError(issues), "fi")) == 3


def test_a_wrong_model_value_in_goals_uses_the_generic_finnish_message(config_copy):
    _edit(config_copy, "goals.yaml", _set(0, 0, commitment="maybe"))
    [issue] = _issues(config_copy)
    assert issue.kind == "literal_error"
    assert issue.location == f"{CONTACTS_HML}.commitment"
    assert "ei ole sallittu" in config_error_lines(ConfigError([issue]), "fi")[0]


# ---------------------------------------------------------------- action progress history

HISTORY = "phenomena[0](adhd_symptoms).actions[0](himmee_hetki).progress"


def _history(*entries: tuple[str, int]) -> Change:
    def change(data):
        data["phenomena"][0]["actions"][0]["progress"]["history"] = [
            {"as_of": day, "done": done} for day, done in entries]
    return change


@pytest.mark.parametrize("change", [
    _history(("2025-12-31", 14), ("2025-09-30", 6)),  # out of order
    _history(("2025-09-30", 6), ("2025-09-30", 7)),  # one date twice
    _history(("2025-09-30", 6), ("2026-10-31", 30)),  # on the current as_of
    _history(("2025-09-30", 6), ("2026-12-31", 30)),  # after it
], ids=["order", "twice", "on_as_of", "after_as_of"])
def test_progress_history_must_be_dated_before_the_current_count(config_copy, change):
    _edit(config_copy, "phenomena.yaml", change)
    issues = _issues(config_copy)
    assert [(i.file, i.location, i.kind) for i in issues] == [
        (PHENOMENA, HISTORY, "history_order")]
    assert issues[0].context == {"as_of": "2026-10-31"}
    _finnish_line_is_specific(issues[0])
    assert "2026-10-31" in config_error_lines(ConfigError(issues), "fi")[0]


def test_progress_without_history_is_accepted(config_copy):
    def change(data):
        del data["phenomena"][0]["actions"][0]["progress"]["history"]
    _edit(config_copy, "phenomena.yaml", change)
    config = load_config(config_copy)
    progress = config.phenomena[0].actions[0].progress
    assert progress.history == []
    assert [c.done for c in progress.counts()] == [34]
