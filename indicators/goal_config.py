"""Shared goals (`config/goals.yaml`): objectives and their key results, validated at start.

A key result follows one of three things:

* an **indicator** of the catalogue in one area (optionally one sex or group) at one period level,
  from a baseline (a period, with a value or "from data") to a target value in a target period;
* an **action** declared in `config/phenomena.yaml`, counted by its `progress` (done so far and
  the dated counts before), from zero (or a declared value) at the action's start;
* the **median days to the first meeting** of Omatiimi networks (`measure: median_days`), which
  is derived from the lead-time classes rather than stored.

The models check what one file can show; `goal_references` checks what needs the rest of the
config (indicator ids, areas, levels, directions, actions). Both report the file and key path.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from indicators.config import (
    Config,
    ConfigIssue,
    Slug,
    Texts,
    _Strict,
)
from indicators.periods import PeriodError, period_end, period_level, period_start

Owner = Literal["steering_group", "regional_working_group", "arkitiimi"]
Commitment = Literal["committed", "aspirational"]
Measure = Literal["value", "median_days"]
OWNER_ORDER: tuple[str, ...] = ("steering_group", "regional_working_group", "arkitiimi")
OWNER_LEVEL = {"steering_group": "county", "regional_working_group": "region",
               "arkitiimi": "municipality"}
#: The indicator whose classes give the median days to the first meeting.
LEAD_TIME_INDICATOR = "omatiimi_days_to_first_meeting"
#: The period levels a key result may follow, by the indicator's period type.
LEVELS_OF_PERIOD_TYPE = {
    "month": ("month", "quarter", "year"),
    "quarter": ("quarter", "year"),
    "term": ("term",),
    "year": ("year",),
    "survey": ("year",),
}

# `period: 2027` in YAML is a number: a year is accepted as one
Period = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v),
                   StringConstraints(strip_whitespace=True, min_length=4, max_length=9)]


def _check_period(value: str) -> str:
    try:
        level = period_level(value)
    except PeriodError:
        raise PydanticCustomError(
            "bad_period", "{value} is not a period (2025, 2025Q3, 2025-T2 or 2025-09)",
            {"value": value}) from None
    if level == "pool":
        raise PydanticCustomError("pool_period", "a key result cannot follow a rolling pool "
                                                 "({value})", {"value": value})
    return value


class Baseline(_Strict):
    """Where the key result starts: a period and its value (omit `value` to take it from the
    data). An action key result may omit both: it starts from zero at the action's start."""

    period: Period | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _period_ok(self) -> Baseline:
        if self.period is not None:
            _check_period(self.period)
        return self


class TargetPoint(_Strict):
    period: Period
    value: float

    @model_validator(mode="after")
    def _period_ok(self) -> TargetPoint:
        _check_period(self.period)
        return self


class ActionRef(_Strict):
    phenomenon: Slug
    action: Slug


class KeyResult(_Strict):
    id: Slug
    name: Texts
    indicator: Slug | None = None
    action: ActionRef | None = None
    measure: Measure = "value"
    area: str | None = None  # default: the objective's only area
    sex: Literal["total", "male", "female"] = "total"
    group: str = "total"
    baseline: Baseline = Field(default_factory=Baseline)
    target: TargetPoint
    commitment: Commitment = "committed"
    milestones: list[TargetPoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> KeyResult:
        if (self.indicator is None) == (self.action is None):
            raise PydanticCustomError("kr_source", "a key result needs exactly one of "
                                                   "indicator or action")
        if self.indicator is not None and self.baseline.period is None:
            raise PydanticCustomError("baseline_period_missing",
                                      "an indicator key result needs baseline.period")
        if self.measure == "median_days" and self.indicator != LEAD_TIME_INDICATOR:
            raise PydanticCustomError("median_days_indicator",
                                      "measure median_days is only for {id}",
                                      {"id": LEAD_TIME_INDICATOR})
        if self.action is not None and (self.sex != "total" or self.group != "total"):
            raise PydanticCustomError("action_split", "an action key result has no sex or group")
        points = [p for p in (self.baseline.period, self.target.period,
                              *(m.period for m in self.milestones)) if p is not None]
        if self.indicator is not None and len({period_level(p) for p in points}) > 1:
            raise PydanticCustomError(
                "mixed_levels", "baseline, target and milestones must use one period level "
                                "(got {periods})", {"periods": ", ".join(points)})
        if self.indicator is not None and period_level(points[0]) == "term" \
                and len({p[-2:] for p in points}) > 1:
            raise PydanticCustomError(
                "season_mismatch", "terms are compared spring with spring and autumn with "
                                   "autumn: baseline, target and milestones must be one kind")
        first = period_end(self.baseline.period) if self.baseline.period else None
        end = period_end(self.target.period)
        if first is not None and end <= first:
            raise PydanticCustomError("target_before_baseline",
                                      "target period {target} is not after baseline {baseline}",
                                      {"target": self.target.period,
                                       "baseline": self.baseline.period or ""})
        for milestone in self.milestones:
            when = period_end(milestone.period)
            if when >= end or (first is not None and when <= first):
                raise PydanticCustomError(
                    "milestone_outside", "milestone {period} is not between baseline and target",
                    {"period": milestone.period})
        base = self.baseline.value if self.baseline.value is not None else \
            (0.0 if self.action is not None else None)
        if base is not None and base != self.target.value:
            low, high = sorted((base, self.target.value))
            for milestone in self.milestones:
                if not low <= milestone.value <= high:
                    raise PydanticCustomError(
                        "milestone_value_outside",
                        "milestone {period} value {value} is not between baseline {base} and "
                        "target {target}", {"period": milestone.period,
                                            "value": f"{milestone.value:g}", "base": f"{base:g}",
                                            "target": f"{self.target.value:g}"})
        if self.baseline.value is not None and self.baseline.value == self.target.value:
            raise PydanticCustomError("target_equals_baseline",
                                      "target value equals the baseline value")
        return self

    @property
    def level(self) -> str:
        """The period level the key result follows (actions: dated counts, 'date')."""
        return "date" if self.action is not None else period_level(self.target.period)


class ObjectivePeriod(_Strict):
    start: Period
    end: Period

    @model_validator(mode="after")
    def _ordered(self) -> ObjectivePeriod:
        _check_period(self.start)
        _check_period(self.end)
        if period_end(self.end) < period_start(self.start):
            raise PydanticCustomError("period_end_before_start",
                                      "end {end} is before start {start}",
                                      {"end": self.end, "start": self.start})
        return self


class Objective(_Strict):
    id: Slug
    name: Texts
    description: Texts | None = None
    owner: Owner
    level: Literal["county", "region", "municipality"]
    areas: list[str] = Field(min_length=1)
    period: ObjectivePeriod
    phenomenon: Slug | None = None
    key_results: list[KeyResult] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Objective:
        ids = [kr.id for kr in self.key_results]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise PydanticCustomError("listed_twice", "{what} listed twice: {values}",
                                      {"what": "key results", "values": ", ".join(twice)})
        return self


class GoalsFile(_Strict):
    objectives: list[Objective] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> GoalsFile:
        for what, ids in (("objectives", [o.id for o in self.objectives]),
                          ("key results", [kr.id for o in self.objectives
                                           for kr in o.key_results])):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise PydanticCustomError("listed_twice", "{what} listed twice: {values}",
                                          {"what": what, "values": ", ".join(twice)})
        return self


# ---------------------------------------------------------------- references to the rest


def within(config: Config, code: str, ancestor: str) -> bool:
    """Whether area `code` is `ancestor` or lies inside it."""
    while code:
        if code == ancestor:
            return True
        code = config.areas[code].parent_code or ""
    return False


def key_result_area(objective: Objective, kr: KeyResult) -> str | None:
    """The area a key result is followed in (its own, or its objective's only area)."""
    if kr.area is not None:
        return kr.area
    return objective.areas[0] if len(objective.areas) == 1 else None


def goal_references(config: Config, objectives: list[Objective], rel: str) -> list[ConfigIssue]:
    """Cross-checks against regions, the catalogue and the phenomena."""
    out: list[ConfigIssue] = []
    phenomena = {p.id: p for p in config.phenomena}

    def issue(where: str, kind: str, message: str, **context: str | int) -> None:
        out.append(ConfigIssue(rel, where, kind, message, dict(context)))

    for i, objective in enumerate(objectives):
        where = f"objectives[{i}]({objective.id})"
        for j, code in enumerate(objective.areas):
            area = config.areas.get(code)
            if area is None:
                issue(f"{where}.areas[{j}]", "unknown_area", f"area {code} is not in regions.yaml",
                      code=code)
            elif area.level != objective.level:
                issue(f"{where}.areas[{j}]", "goal_wrong_level",
                      f"{code} is a {area.level}, the objective's level is {objective.level}",
                      code=code, level=area.level, wanted=objective.level)
        if objective.phenomenon is not None and objective.phenomenon not in phenomena:
            issue(f"{where}.phenomenon", "unknown_phenomenon",
                  f"phenomenon {objective.phenomenon} is not in phenomena.yaml",
                  id=objective.phenomenon)
        if any(c not in config.areas for c in objective.areas):
            continue
        for k, kr in enumerate(objective.key_results):
            out.extend(_key_result_references(config, objective, kr,
                                              f"{where}.key_results[{k}]({kr.id})", rel))
    return out


def _key_result_references(config: Config, objective: Objective, kr: KeyResult, where: str,
                           rel: str) -> list[ConfigIssue]:
    out: list[ConfigIssue] = []

    def issue(key: str, kind: str, message: str, **context: str | int) -> None:
        out.append(ConfigIssue(rel, f"{where}{key}", kind, message, dict(context)))

    area = key_result_area(objective, kr)
    if kr.area is None and area is None and kr.indicator is not None:
        issue(".area", "area_missing", "the objective has several areas: name the key result's "
                                       "area")
        return out
    if area is not None:
        if area not in config.areas:
            issue(".area", "unknown_area", f"area {area} is not in regions.yaml", code=area)
            return out
        if not any(within(config, area, top) for top in objective.areas):
            issue(".area", "area_outside_objective",
                  f"area {area} is not one of the objective's areas or inside them", code=area)
    end = period_end(objective.period.end)
    if period_end(kr.target.period) > end:
        issue(".target.period", "target_after_objective",
              f"target period {kr.target.period} ends after the objective "
              f"({objective.period.end})", period=kr.target.period, end=objective.period.end)
    if kr.action is not None:
        phenomenon = next((p for p in config.phenomena if p.id == kr.action.phenomenon), None)
        action = None if phenomenon is None else next(
            (a for a in phenomenon.actions if a.id == kr.action.action), None)
        if action is None:
            issue(".action", "unknown_action", f"action {kr.action.phenomenon}/"
                                               f"{kr.action.action} is not in phenomena.yaml",
                  id=f"{kr.action.phenomenon}/{kr.action.action}")
        elif action.progress is None:
            issue(".action", "action_without_progress",
                  f"action {action.id} declares no progress to count", id=action.id)
        elif kr.area is not None and kr.area not in action.areas:
            issue(".area", "area_outside_action", f"action {action.id} is not done in {kr.area}",
                  code=kr.area, id=action.id)
        elif kr.area is not None and len(action.areas) > 1:
            issue(".area", "action_counts_all_areas",
                  f"action {action.id} counts its areas ({', '.join(action.areas)}) together: "
                  "a key result on it cannot be for one of them", id=action.id)
        elif kr.area is None and not any(within(config, code, top) for code in action.areas
                                         for top in objective.areas):
            issue(".action", "action_outside_objective",
                  f"action {action.id} is done in {', '.join(action.areas)}, none of them in the "
                  "objective's areas", id=action.id)
        if action is not None:
            for key, when in ((".target.period", kr.target.period),
                              *((f".milestones[{m}].period", ms.period)
                                for m, ms in enumerate(kr.milestones))):
                if period_end(when) <= action.start:
                    issue(key, "before_action_start",
                          f"{when} ends before action {action.id} starts ({action.start})",
                          period=when, start=str(action.start))
        return out
    indicator = config.indicators.get(kr.indicator or "")
    if indicator is None:
        issue(".indicator", "unknown_indicator", f"indicator {kr.indicator} is not in the "
                                                 "catalogue", id=kr.indicator or "")
        return out
    level = kr.level
    allowed = LEVELS_OF_PERIOD_TYPE[indicator.period_type]
    if indicator.period_type == "month" and indicator.period_aggregation == "none":
        allowed = ("month",)  # quarters and years are not summed for this indicator
    if level not in allowed:
        issue(".target.period", "level_not_available",
              f"{indicator.id} is reported by {indicator.period_type}: a key result can follow "
              f"{', '.join(allowed)}, not {level}", id=indicator.id, level=level)
    if kr.sex not in indicator.sexes:
        issue(".sex", "sex_not_available", f"{indicator.id} has no figures by sex {kr.sex}",
              id=indicator.id, sex=kr.sex)
    if kr.group not in indicator.group_codes:
        issue(".group", "group_not_available", f"{indicator.id} has no group {kr.group}",
              id=indicator.id, group=kr.group)
    if area is not None and indicator.levels and config.areas[area].level not in (
            *indicator.levels, *_derived_levels(indicator.levels)):
        issue(".area", "area_level_not_available",
              f"{indicator.id} has no figures for a {config.areas[area].level}",
              id=indicator.id, level=config.areas[area].level)
    good = "down" if kr.measure == "median_days" else {"down_is_good": "down",
                                                       "up_is_good": "up"}.get(indicator.direction)
    for m, milestone in enumerate(kr.milestones):
        past = milestone.value < kr.target.value if good == "down" else \
            milestone.value > kr.target.value if good == "up" else False
        if past:
            issue(f".milestones[{m}].value", "milestone_past_target",
                  f"milestone {milestone.period} ({milestone.value:g}) is already past the "
                  f"target {kr.target.value:g}", period=milestone.period)
    base = kr.baseline.value
    if base is not None and kr.measure == "value" and indicator.direction != "neutral":
        better = kr.target.value < base if indicator.direction == "down_is_good" \
            else kr.target.value > base
        if not better:
            issue(".target.value", "target_wrong_direction",
                  f"{indicator.id} is better when {'lower' if indicator.direction == 'down_is_good' else 'higher'}: "  # noqa: E501
                  f"target {kr.target.value:g} is not better than baseline {base:g}",
                  id=indicator.id)
    return out


def _derived_levels(levels: list[str]) -> tuple[str, ...]:
    """Area levels the project adds by summing up: a municipality figure gives the region's and
    the county's, a region's gives the county's."""
    if "municipality" in levels:
        return ("region", "county")
    if "region" in levels:
        return ("county",)
    return ()
