"""Declarative config (regions, indicator catalogue), validated at start.

Every YAML file under the config directory is parsed into pydantic models. A wrong file raises
`ConfigError` whose `issues` name the file, the key path and what is wrong, so the app can stop with
a message a data maintainer can act on (rendered in Finnish by `describe_config_error`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from indicators.yaml_safe import SAFE_LOADER

if TYPE_CHECKING:
    from indicators.goal_config import Objective

Level = Literal["country", "county", "region", "municipality"]
Direction = Literal["up_is_good", "down_is_good", "neutral"]
PeriodType = Literal["year", "term", "quarter", "month", "survey"]
Sex = Literal["total", "male", "female"]
Unit = Literal["percent", "per_1000", "count", "score_mean"]
Kind = Literal["proportion", "rate", "count", "mean"]
PeriodAggregation = Literal["none", "sum", "sum_numerator"]

# unit -> (statistical kind, scale of value relative to numerator/denominator)
UNIT_KIND: dict[str, tuple[Kind, float]] = {
    "percent": ("proportion", 100.0),
    "per_1000": ("rate", 1000.0),
    "count": ("count", 1.0),
    "score_mean": ("mean", 1.0),
}

IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{2,63}$")]
# ids of themes, groups of shared counts, actions and phenomena
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
MonthPeriod = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
GroupCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,39}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """A text in Finnish, Swedish and English (Finnish first; all three required)."""

    fi: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    sv: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    en: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

    def get(self, lang: str) -> str:
        return getattr(self, lang, None) or self.fi


# ---------------------------------------------------------------- regions.yaml


class Municipality(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^KU\d{3}$")]
    name_fi: str
    name_sv: str
    name_en: str | None = None  # English uses the Finnish name unless given
    population: int = Field(gt=0)
    population_0_17: int = Field(gt=0)
    family_centre: str | None = None

    @model_validator(mode="after")
    def _children_not_more_than_all(self) -> Municipality:
        if self.population_0_17 > self.population:
            raise PydanticCustomError(
                "child_population_too_large",
                "population_0_17 ({child}) is larger than population ({total})",
                {"child": self.population_0_17, "total": self.population},
            )
        return self


class Region(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^SK\d{3}$")]
    name_fi: str
    name_sv: str
    name_en: str | None = None
    short_fi: str
    short_sv: str
    short_en: str | None = None
    family_centre: str
    municipalities: list[Municipality] = Field(min_length=1)


class County(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^HV\d{2}$")]
    name_fi: str
    name_sv: str
    name_en: str | None = None
    short_fi: str
    short_sv: str
    short_en: str | None = None
    # only under `counties:` (several counties); the one-county form lists them in `regions:`
    regions: list[Region] = Field(default_factory=list)


class Country(_Strict):
    code: Literal["SSS"]
    name_fi: str
    name_sv: str
    name_en: str | None = None
    population: int = Field(gt=0)
    population_0_17: int = Field(gt=0)


class RegionsFile(_Strict):
    """The areas: the country and either one county (`county:` with `regions:`, the dashboard of
    one wellbeing services county) or several (`counties:`, each with its own `regions:`, up to
    the whole country). `home_county` is the county whose regions the pages compare side by side
    and whose view opens first (default: the only or first county)."""

    country: Country
    county: County | None = None
    regions: list[Region] = Field(default_factory=list)
    counties: list[County] = Field(default_factory=list)
    home_county: Annotated[str, StringConstraints(pattern=r"^HV\d{2}$")] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> RegionsFile:
        if self.counties:
            if self.county is not None or self.regions:
                raise PydanticCustomError(
                    "county_forms_mixed",
                    "give either county and regions (one county) or counties (several), not both")
            empty = [c.code for c in self.counties if not c.regions]
            if empty:
                raise PydanticCustomError("county_without_regions",
                                          "county {code} has no regions", {"code": empty[0]})
        else:
            if self.county is None or not self.regions:
                raise PydanticCustomError(
                    "county_missing", "give county and regions (one county) or counties")
            if self.county.regions:
                raise PydanticCustomError(
                    "county_forms_mixed",
                    "give either county and regions (one county) or counties (several), not both")
        codes = [c.code for c in self.all_counties()]
        if self.home_county is not None and self.home_county not in codes:
            raise PydanticCustomError("unknown_home_county",
                                      "home_county {code} is not one of the counties",
                                      {"code": self.home_county})
        return self

    @model_validator(mode="after")
    def _codes_unique(self) -> RegionsFile:
        seen: set[str] = set()
        codes = [self.country.code]
        for county in self.all_counties():
            codes.append(county.code)
            for region in county.regions:
                codes.append(region.code)
                codes.extend(m.code for m in region.municipalities)
        for code in codes:
            if code in seen:
                raise PydanticCustomError(
                    "duplicate_code", "area code {code} is used twice", {"code": code}
                )
            seen.add(code)
        return self

    def all_counties(self) -> list[County]:
        """Every county with its regions, whichever form the file uses."""
        if self.counties:
            return list(self.counties)
        if self.county is None:
            return []
        return [self.county.model_copy(update={"regions": list(self.regions)})]

    def home(self) -> County:
        counties = self.all_counties()
        return next((c for c in counties if c.code == self.home_county), counties[0])


@dataclass(frozen=True)
class Area:
    """One area of any level, flattened from regions.yaml."""

    code: str
    name_fi: str
    name_sv: str
    level: Level
    parent_code: str | None
    population: int
    population_0_17: int
    family_centre: str | None
    sort_order: int
    short_fi: str
    short_sv: str
    name_en: str | None = None
    short_en: str | None = None

    def name(self, lang: str = "fi") -> str:
        """The official name in `lang`: Swedish where it has one (Tavastehus), English where
        regions.yaml gives one, otherwise the Finnish name (municipalities keep theirs)."""
        if lang == "sv":
            return self.name_sv
        if lang == "en":
            return self.name_en or self.name_fi
        return self.name_fi

    def short(self, lang: str = "fi") -> str:
        if lang == "sv":
            return self.short_sv
        if lang == "en":
            return self.short_en or self.name_en or self.short_fi
        return self.short_fi


# ---------------------------------------------------------------- indicator catalogue


class Group(_Strict):
    code: GroupCode
    name: Texts


class SeriesBreak(_Strict):
    """A change in definition or recording from `period` on: figures before and after it are not
    comparable, so charts mark it and no change is judged across it."""

    period: Annotated[str, StringConstraints(pattern=r"^\d{4}(Q[1-4]|-T[12]|-(0[1-9]|1[0-2]))?$")]
    note: Texts


class Indicator(_Strict):
    id: IndicatorId
    name: Texts
    definition: Texts
    unit: Unit
    direction: Direction
    period_type: PeriodType
    source: str
    licence: str
    source_ref: (
        Annotated[str, StringConstraints(pattern=r"^(sotkanet|statfin|kela|thl|oma_hame):\S+$")]
        | None
    ) = None
    decimals: int = Field(ge=0, le=3)
    min_n: int = Field(default=5, ge=1, le=100)
    themes: list[str] = Field(default_factory=list)
    sexes: list[Sex] = Field(default_factory=lambda: ["total"])
    groups: list[Group] = Field(default_factory=list)
    groups_sum_to_total: bool = True
    levels: list[Level] = Field(default_factory=lambda: ["municipality", "country"])
    period_aggregation: PeriodAggregation = "none"
    headline: int | None = Field(default=None, ge=1, description="order on the overview page")
    # years in a rolling pool (e.g. 3: 2023-2025, 2024-2026 …) for small municipalities; pools
    # overlap, so they are shown without a run-chart verdict
    rolling_pool_years: int | None = Field(default=None, ge=2, le=5)
    # Indicators whose figures are the same counts (one's denominator is another's numerator)
    # share a group: their cells are suppressed together, or one would give the other away.
    disclosure_group: Slug | None = None
    # The indicator whose published count is this one's denominator (a count's numerator, a
    # mean's denominator): every cell hidden there is hidden here, so the denominator never shows
    # where that count is hidden. Cells hidden here only protect this numerator, which the other
    # does not show, so they need not be hidden there (unlike a disclosure_group, which links
    # both ways).
    denominator_from: IndicatorId | None = None
    # A population indicator (e.g. population_0_17, fetched from Statistics Finland) that gives
    # this indicator's denominator where a file brings only a numerator: the row's denominator
    # is the stored population of the same area and year, and its value is computed from both.
    # Rows that bring a value or a denominator keep them (a source's own figure is never
    # forced to agree with our population figures).
    denominator_population: IndicatorId | None = None
    # A mean of changes (ORS change between meetings) may be negative: its value and its
    # numerator (the sum of the changes) are then allowed below zero. Only for means.
    signed: bool = False
    # The month the activity began (Omatiimi: 2026-02). Months before it are structurally zero,
    # not missing, so the quarter and year it began in can still be summed from the months.
    first_period: MonthPeriod | None = None
    # definition changes (series breaks), marked on charts
    breaks: list[SeriesBreak] = Field(default_factory=list)

    @field_validator("sexes")
    @classmethod
    def _total_first(cls, value: list[str]) -> list[str]:
        if "total" not in value:
            raise PydanticCustomError("sex_total_missing", "sexes must include 'total'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.period_aggregation != "none" and self.period_type != "month":
            raise PydanticCustomError(
                "aggregation_needs_months",
                "period_aggregation {agg} needs period_type month (got {ptype})",
                {"agg": self.period_aggregation, "ptype": self.period_type},
            )
        if self.period_aggregation == "sum_numerator" and self.unit != "per_1000":
            raise PydanticCustomError(
                "sum_numerator_needs_rate",
                "period_aggregation sum_numerator is for rates (per_1000), not {unit}",
                {"unit": self.unit},
            )
        if self.first_period is not None and self.period_type != "month":
            raise PydanticCustomError(
                "first_period_needs_months", "first_period needs period_type month (got {ptype})",
                {"ptype": self.period_type})
        if self.signed and self.kind != "mean":
            raise PydanticCustomError("signed_needs_mean",
                                      "signed is only for means of changes (unit score_mean)")
        if self.denominator_from is not None and self.kind == "count":
            raise PydanticCustomError(
                "denominator_from_count", "a count has no denominator to take from {other}",
                {"other": self.denominator_from})
        if self.rolling_pool_years is not None and self.period_type != "year":
            raise PydanticCustomError(
                "pool_needs_years", "rolling_pool_years needs period_type year (got {ptype})",
                {"ptype": self.period_type})
        codes = [g.code for g in self.groups]
        if "total" in codes or len(set(codes)) != len(codes):
            raise PydanticCustomError(
                "bad_groups", "group codes must be unique and must not be 'total'"
            )
        return self

    @property
    def kind(self) -> Kind:
        return UNIT_KIND[self.unit][0]

    @property
    def scale(self) -> float:
        return UNIT_KIND[self.unit][1]

    @property
    def group_codes(self) -> list[str]:
        return ["total", *[g.code for g in self.groups]]

    def break_between(self, earlier: str, later: str) -> SeriesBreak | None:
        """The first series break after `earlier` began and by the start of `later`: a change
        from `earlier` to `later` would compare figures of two definitions."""
        from indicators.periods import period_start

        start, end = period_start(earlier), period_start(later)
        for item in sorted(self.breaks, key=lambda b: period_start(b.period)):
            if start < period_start(item.period) <= end:
                return item
        return None

    def group_name(self, code: str, lang: str = "fi") -> str | None:
        for group in self.groups:
            if group.code == code:
                return group.name.get(lang)
        return None


class ThemeFile(_Strict):
    theme: Slug
    name: Texts
    indicators: list[Indicator] = Field(min_length=1)


# ---------------------------------------------------------------- omatiimi.yaml

RolloutKind = Literal["launch", "municipality_joined", "schools_trained", "early_education_trained"]
TRAINING_EVENTS = ("schools_trained", "early_education_trained")
ROLLOUT_ORDER = ("launch", "municipality_joined", *TRAINING_EVENTS)


class RolloutEvent(_Strict):
    """One dated step of the Omatiimi rollout: a region's family centre starts the model
    (`launch`), a municipality's services join it, or a municipality's schools or early-education
    units are trained in it (`units`: how many)."""

    date: date
    area: str
    event: RolloutKind
    units: int | None = Field(default=None, ge=1, le=1000)
    note: Texts | None = None

    @model_validator(mode="after")
    def _units_for_training(self) -> RolloutEvent:
        if self.event in TRAINING_EVENTS and self.units is None:
            raise PydanticCustomError("units_missing",
                                      "{event} needs units (how many units were trained)",
                                      {"event": self.event})
        return self


class OmatiimiFile(_Strict):
    rollout: list[RolloutEvent] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_events(self) -> OmatiimiFile:
        keys = [(e.date, e.area, e.event) for e in self.rollout]
        twice = sorted({f"{k[0]} {k[1]} {k[2]}" for k in keys if keys.count(k) > 1})
        if twice:
            raise PydanticCustomError("listed_twice", "{what} listed twice: {values}",
                                      {"what": "rollout events", "values": ", ".join(twice)})
        return self


# ---------------------------------------------------------------- phenomena.yaml

ActionStatus = Literal["planned", "ongoing", "done", "paused"]


class Count(_Strict):
    as_of: date
    done: float = Field(ge=0)


class Progress(_Strict):
    """How far an action has come: `done` of `target` on `as_of`, and the earlier counts
    (`history`, oldest first) that let a key result on the action show a trend."""

    measure: Texts
    done: float = Field(ge=0)
    target: float = Field(gt=0)
    as_of: date
    history: list[Count] = Field(default_factory=list)

    @model_validator(mode="after")
    def _history_before(self) -> Progress:
        dates = [c.as_of for c in self.history]
        if dates != sorted(set(dates)) or (dates and dates[-1] >= self.as_of):
            raise PydanticCustomError(
                "history_order", "history must be in date order, each date once, all before "
                                 "as_of {as_of}", {"as_of": str(self.as_of)})
        return self

    def counts(self) -> list[Count]:
        """Every dated count, the current one last."""
        return [*self.history, Count(as_of=self.as_of, done=self.done)]


class Action(_Strict):
    id: Slug
    name: Texts
    description: Texts
    owner: str
    areas: list[str] = Field(min_length=1)
    start: date
    end: date | None = None
    status: ActionStatus
    progress: Progress | None = None

    @model_validator(mode="after")
    def _dates(self) -> Action:
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError("end_before_start", "end {end} is before start {start}",
                                      {"end": str(self.end), "start": str(self.start)})
        return self


class Chosen(_Strict):
    date: date
    by: Texts


class Note(_Strict):
    date: date
    organisation: str
    text: Texts


class Phenomenon(_Strict):
    id: Slug
    name: Texts
    description: Texts
    chosen: Chosen
    areas: list[str] = Field(min_length=1)
    comparison_areas: list[str] = Field(default_factory=list)
    outcome_indicators: list[str] = Field(min_length=1)
    process_indicators: list[str] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> Phenomenon:
        for name, values in (("indicators", self.indicator_ids),
                             ("areas", [*self.areas, *self.comparison_areas]),
                             ("actions", [a.id for a in self.actions])):
            twice = sorted({v for v in values if values.count(v) > 1})
            if twice:
                raise PydanticCustomError("listed_twice", "{what} listed twice: {values}",
                                          {"what": name, "values": ", ".join(twice)})
        return self

    @property
    def indicator_ids(self) -> list[str]:
        return [*self.outcome_indicators, *self.process_indicators]

    def first_action_start(self) -> date | None:
        starts = [a.start for a in self.actions if a.status != "planned"]
        return min(starts) if starts else None


class PhenomenaFile(_Strict):
    phenomena: list[Phenomenon] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> PhenomenaFile:
        ids = [p.id for p in self.phenomena]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise PydanticCustomError("listed_twice", "{what} listed twice: {values}",
                                      {"what": "phenomena", "values": ", ".join(twice)})
        return self


# ---------------------------------------------------------------- site.yaml


Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
                                       max_length=200)]
EMAIL_PATTERN = r"^[^\s@<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=120)]


class Supervisor(_Strict):
    name: Texts
    url: Url


class Accessibility(_Strict):
    """What the accessibility statement (Act on the Provision of Digital Services 306/2019,
    section 16) needs from the deployment: where feedback goes and who supervises."""

    feedback_email: Email
    response_days: int = Field(default=14, gt=0, le=60)
    statement_date: date
    reviewed_date: date
    supervisor: Supervisor


class SourceSettings(_Strict):
    """Where an open-data source is fetched from: its public address, or a mirror or proxy
    (a local one is allowed here, unlike `public_url`)."""

    base_url: Url
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    retries: int = Field(default=3, ge=0, le=5)


class SiteFile(_Strict):
    """Facts about the deployment: the address people open the dashboard at (links in exported
    packs and slides point there, never to localhost), the accessibility statement's
    feedback channel, and where open data is fetched from (`sources:`)."""

    public_url: Url | None = None
    publisher: Texts | None = None
    accessibility: Accessibility | None = None
    sources: dict[Literal["sotkanet", "population"], SourceSettings] = Field(
        default_factory=dict)

    @model_validator(mode="after")
    def _not_local(self) -> SiteFile:
        host = (self.public_url or "").split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if host in ("localhost", "127.0.0.1", "0.0.0.0", "[::1]"):
            raise PydanticCustomError("local_url", "public_url must be the address others open "
                                                   "({host} is this machine only)",
                                      {"host": host})
        return self


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    location: str
    kind: str
    message: str
    context: dict[str, Any] = field(default_factory=dict)


class ConfigError(Exception):
    """A config file is missing or invalid; `issues` name file, key path and problem."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__(
            "; ".join(f"{i.file}: {i.location or '(file)'}: {i.message}" for i in issues)
        )


def _location(loc: Iterable[Any], data: Any) -> str:
    """Key path like `regions[0].municipalities[2].code`, with ids for readability."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            try:
                node = node[item]
                ident = node.get("id") or node.get("code") if isinstance(node, dict) else None
            except (IndexError, KeyError, TypeError):
                ident, node = None, None
            parts.append(f"{label}({ident})" if ident else label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


class _ConfigLoader(SAFE_LOADER):
    """Safe YAML that leaves dates as text, so pydantic validates them and an impossible date
    (2026-02-30) is reported with its file and key instead of crashing the YAML reader."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path, config_root: Path) -> Any:
    rel = _relative(path, config_root)
    if not path.is_file():
        raise ConfigError([ConfigIssue(rel, "", "file_missing", "file is missing")])
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_ConfigLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            [ConfigIssue(rel, where, "yaml_syntax", f"not valid YAML: {exc}")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(rel, "", "encoding", "file is not UTF-8")]) from exc


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _validate(model: type[BaseModel], data: Any, rel: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = [
            ConfigIssue(
                rel,
                _location(err["loc"], data),
                err["type"],
                err["msg"],
                {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, str | int)},
            )
            for err in exc.errors()
        ]
        raise ConfigError(issues) from None


# ---------------------------------------------------------------- the loaded config


@dataclass(frozen=True)
class Config:
    """Validated config: areas in display order and the indicator catalogue."""

    root: Path
    regions_file: RegionsFile
    themes: tuple[ThemeFile, ...]
    phenomena: tuple[Phenomenon, ...] = ()
    rollout: tuple[RolloutEvent, ...] = ()
    objectives: tuple[Objective, ...] = ()
    site: SiteFile = field(default_factory=SiteFile)

    @cached_property
    def areas(self) -> dict[str, Area]:
        rf = self.regions_file
        out: dict[str, Area] = {}
        order = 0

        def add(area: Area) -> None:
            nonlocal order
            out[area.code] = area
            order += 1

        home = rf.home()
        others = [c for c in rf.all_counties() if c.code != home.code]

        def add_regions(county: County) -> None:
            for region in county.regions:
                add(Area(region.code, region.name_fi, region.name_sv, "region", county.code,
                         sum(m.population for m in region.municipalities),
                         sum(m.population_0_17 for m in region.municipalities),
                         region.family_centre, order, region.short_fi, region.short_sv,
                         region.name_en, region.short_en))

        def add_county(county: County) -> None:
            municipalities = [m for r in county.regions for m in r.municipalities]
            add(Area(county.code, county.name_fi, county.name_sv, "county", rf.country.code,
                     sum(m.population for m in municipalities),
                     sum(m.population_0_17 for m in municipalities), None, order,
                     county.short_fi, county.short_sv, county.name_en, county.short_en))

        def add_municipalities(county: County) -> None:
            for region in county.regions:
                for m in region.municipalities:
                    add(Area(m.code, m.name_fi, m.name_sv, "municipality", region.code,
                             m.population, m.population_0_17,
                             m.family_centre or region.family_centre, order, m.name_fi,
                             m.name_sv, m.name_en, m.name_en))

        # the home county first (its regions, itself, the country, its municipalities), then
        # each other county with its regions and municipalities, in file order
        add_regions(home)
        add_county(home)
        add(Area(rf.country.code, rf.country.name_fi, rf.country.name_sv, "country", None,
                 rf.country.population, rf.country.population_0_17, None, order,
                 rf.country.name_fi, rf.country.name_sv, rf.country.name_en, rf.country.name_en))
        add_municipalities(home)
        for county in others:
            add_county(county)
            add_regions(county)
            add_municipalities(county)
        return out

    @cached_property
    def indicators(self) -> dict[str, Indicator]:
        out: dict[str, Indicator] = {}
        for theme in self.themes:
            for ind in theme.indicators:
                themes = [theme.theme, *[t for t in ind.themes if t != theme.theme]]
                out[ind.id] = ind.model_copy(update={"themes": themes})
        return out

    @property
    def region_codes(self) -> list[str]:
        """The home county's regions (the ones the pages compare side by side)."""
        return [r.code for r in self.regions_file.home().regions]

    @property
    def county_code(self) -> str:
        """The home county: the view that opens first."""
        return self.regions_file.home().code

    @property
    def country_code(self) -> str:
        return self.regions_file.country.code

    def children(self, code: str) -> list[str]:
        return [a.code for a in self.areas.values() if a.parent_code == code]

    def sum_parent(self) -> dict[str, str]:
        """child -> parent for the additive area hierarchy (the country is a reference only)."""
        return {
            a.code: a.parent_code
            for a in self.areas.values()
            if a.parent_code and self.areas[a.parent_code].level != "country"
        }

    def theme_name(self, theme: str, lang: str = "fi") -> str:
        for t in self.themes:
            if t.theme == theme:
                return t.name.get(lang)
        return theme

    def region_or_county(self, code: str | None) -> str:
        """The home county's region an area belongs to (a region itself), or the home county for
        anything else (the county, the country, another county's area, an unknown code): for
        views that exist per region of the home county (Omatiimi, reviews)."""
        area = self.areas.get(code or "")
        if area is not None and area.level == "municipality":
            area = self.areas.get(area.parent_code or "")
        if area is not None and area.level == "region" and area.code in self.region_codes:
            return area.code
        return self.county_code

    def headline_indicators(self) -> list[Indicator]:
        heads = [i for i in self.indicators.values() if i.headline is not None]
        return sorted(heads, key=lambda i: i.headline or 0)


def load_config(root: Path | None = None) -> Config:
    """Read and validate every config file; raise `ConfigError` listing what is wrong."""
    from indicators.settings import config_dir

    root = Path(root) if root else config_dir()
    issues: list[ConfigIssue] = []
    regions: RegionsFile | None = None
    try:
        regions_path = root / "regions.yaml"
        regions = _validate(RegionsFile, _read_yaml(regions_path, root),
                            _relative(regions_path, root))
    except ConfigError as exc:
        issues.extend(exc.issues)

    themes: list[ThemeFile] = []
    files = sorted((root / "indicators").glob("*.yaml"))
    if not files:
        issues.append(ConfigIssue(_relative(root / "indicators", root), "", "no_catalogue",
                                  "no indicator catalogue files (*.yaml)"))
    seen: dict[str, str] = {}
    for path in files:
        rel = _relative(path, root)
        try:
            theme = _validate(ThemeFile, _read_yaml(path, root), rel)
        except ConfigError as exc:
            issues.extend(exc.issues)
            continue
        for i, ind in enumerate(theme.indicators):
            if ind.id in seen:
                issues.append(ConfigIssue(rel, f"indicators[{i}]({ind.id}).id", "duplicate_id",
                                          f"indicator id {ind.id} is also in {seen[ind.id]}",
                                          {"id": ind.id, "other": seen[ind.id]}))
            seen[ind.id] = rel
        themes.append(theme)
    issues.extend(_denominator_sources(themes, seen))
    phenomena: PhenomenaFile | None = None
    phenomena_path = root / "phenomena.yaml"
    phenomena_rel = _relative(phenomena_path, root)
    try:
        phenomena = _validate(PhenomenaFile, _read_yaml(phenomena_path, root), phenomena_rel)
    except ConfigError as exc:
        issues.extend(exc.issues)
    from indicators.goal_config import GoalsFile, goal_references

    # optional files: a deployment without Omatiimi has no rollout, one may follow no goals
    omatiimi_rel, omatiimi_file = _optional(OmatiimiFile, root, "omatiimi.yaml", issues)
    rollout: list[RolloutEvent] = omatiimi_file.rollout if omatiimi_file else []
    goals_rel, goals_file = _optional(GoalsFile, root, "goals.yaml", issues)
    _, site_file = _optional(SiteFile, root, "site.yaml", issues)
    objectives: list[Objective] = goals_file.objectives if goals_file else []
    if issues:
        raise ConfigError(issues)
    assert regions is not None and phenomena is not None
    config = Config(root=root, regions_file=regions, themes=tuple(themes),
                    phenomena=tuple(phenomena.phenomena),
                    rollout=tuple(sorted(rollout, key=lambda e: (
                        e.date, ROLLOUT_ORDER.index(e.event), e.area))),
                    objectives=tuple(objectives), site=site_file or SiteFile())
    issues.extend(_cross_references(config, phenomena_rel))
    issues.extend(_rollout_references(config, rollout, omatiimi_rel))
    issues.extend(goal_references(config, objectives, goals_rel))
    if issues:
        raise ConfigError(issues)
    return config


def _optional(model: type[BaseModel], root: Path, name: str,
              issues: list[ConfigIssue]) -> tuple[str, Any]:
    """(relative name, validated file or None): None when the file is absent or invalid (its
    problems are added to `issues`)."""
    path = root / name
    rel = _relative(path, root)
    if not path.is_file():
        return rel, None
    try:
        return rel, _validate(model, _read_yaml(path, root), rel)
    except ConfigError as exc:
        issues.extend(exc.issues)
        return rel, None


def _cross_references(config: Config, rel: str) -> list[ConfigIssue]:
    """Phenomena may only name catalogue indicators and configured areas."""
    out: list[ConfigIssue] = []
    for i, phenomenon in enumerate(config.phenomena):
        where = f"phenomena[{i}]({phenomenon.id})"
        for key in ("outcome_indicators", "process_indicators"):
            for j, ind in enumerate(getattr(phenomenon, key)):
                if ind not in config.indicators:
                    out.append(ConfigIssue(rel, f"{where}.{key}[{j}]", "unknown_indicator",
                                           f"indicator {ind} is not in the catalogue",
                                           {"id": ind}))
        areas = [("areas", phenomenon.areas), ("comparison_areas", phenomenon.comparison_areas)]
        areas += [(f"actions[{k}]({a.id}).areas", a.areas)
                  for k, a in enumerate(phenomenon.actions)]
        for key, codes in areas:
            for j, code in enumerate(codes):
                if code not in config.areas:
                    out.append(ConfigIssue(rel, f"{where}.{key}[{j}]", "unknown_area",
                                           f"area {code} is not in regions.yaml", {"code": code}))
    return out


def _denominator_sources(themes: list[ThemeFile], file_of: dict[str, str]) -> list[ConfigIssue]:
    """`denominator_from` names a count or a mean of the same period type, without cycles."""
    by_id = {i.id: i for theme in themes for i in theme.indicators}
    out: list[ConfigIssue] = []
    for ind in by_id.values():
        other_id = ind.denominator_from
        if other_id is None:
            continue
        where = f"indicators({ind.id}).denominator_from"
        other = by_id.get(other_id)
        if other is None:
            out.append(_unknown_indicator(file_of[ind.id], where, other_id))
            continue
        if other.kind not in ("count", "mean") or other.period_type != ind.period_type:
            out.append(ConfigIssue(file_of[ind.id], where, "bad_denominator_source",
                                   f"{other_id} must be a count or a mean reported by "
                                   f"{ind.period_type}", {"id": other_id,
                                                          "ptype": ind.period_type}))
        seen, current = {ind.id}, other
        while current is not None and current.denominator_from is not None:
            if current.denominator_from in seen:
                out.append(ConfigIssue(file_of[ind.id], where, "denominator_cycle",
                                       f"denominator_from goes round in a circle via {current.id}",
                                       {"id": current.id}))
                break
            seen.add(current.id)
            current = by_id.get(current.denominator_from)
    out.extend(_population_denominators(by_id, file_of))
    if not out:
        out.extend(_group_cycles(by_id, file_of))
    return out


def _unknown_indicator(file: str, where: str, other_id: str) -> ConfigIssue:
    return ConfigIssue(file, where, "unknown_indicator",
                       f"indicator {other_id} is not in the catalogue", {"id": other_id})


def _population_denominators(by_id: dict[str, Indicator],
                             file_of: dict[str, str]) -> list[ConfigIssue]:
    """`denominator_population` names a yearly count of the catalogue, for a yearly proportion
    or rate (a population is counted once a year, on 31 December)."""
    out: list[ConfigIssue] = []
    for ind in by_id.values():
        other_id = ind.denominator_population
        if other_id is None:
            continue
        where = f"indicators({ind.id}).denominator_population"
        other = by_id.get(other_id)
        if other is None:
            out.append(_unknown_indicator(file_of[ind.id], where, other_id))
        elif (other.kind != "count" or other.period_type != "year" or ind.period_type != "year"
              or ind.kind not in ("proportion", "rate")):
            out.append(ConfigIssue(file_of[ind.id], where, "bad_population_denominator",
                                   f"{other_id} must be a yearly count, for a yearly proportion "
                                   "or rate", {"id": other_id}))
    return out


def _group_cycles(by_id: dict[str, Indicator], file_of: dict[str, str]) -> list[ConfigIssue]:
    """Disclosure is computed per group, sources first, so two groups must not borrow from each
    other in a circle (which single indicators can hide: A in group G borrows from H, B in H from
    G)."""
    def unit(ind: Indicator) -> str:
        return f"group {ind.disclosure_group}" if ind.disclosure_group else ind.id

    edges: dict[str, set[str]] = {}
    for ind in by_id.values():
        if ind.denominator_from in by_id:
            edges.setdefault(unit(ind), set()).add(unit(by_id[ind.denominator_from]))
    done: set[str] = set()
    for start in sorted(edges):
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        on_path = {start}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                member = next(i for i in by_id.values() if unit(i) == child)
                return [ConfigIssue(file_of[member.id], f"indicators({member.id}).denominator_from",
                                    "denominator_cycle", f"denominator_from goes round in a "
                                    f"circle via {child}", {"id": child})]
            elif child not in done and child != node:
                stack.append((child, iter(sorted(edges.get(child, ())))))
                on_path.add(child)
    return []


def _rollout_references(config: Config, rollout: list[RolloutEvent],
                        rel: str) -> list[ConfigIssue]:
    """A launch names a region; joining and training name a municipality, on or after its region's
    launch; training comes on or after the municipality joined."""
    out: list[ConfigIssue] = []
    launches: dict[str, date] = {}
    joins: dict[str, date] = {}
    for i, event in enumerate(rollout):
        seen = launches if event.event == "launch" else joins \
            if event.event == "municipality_joined" else None
        if seen is None:
            continue
        if event.area in seen:
            out.append(ConfigIssue(rel, f"rollout[{i}]", "rollout_twice",
                                   f"{event.area} has more than one {event.event}",
                                   {"code": event.area, "event": event.event}))
        seen[event.area] = min(event.date, seen.get(event.area, event.date))
    for i, event in enumerate(rollout):
        where = f"rollout[{i}]"
        area = config.areas.get(event.area)
        if area is None:
            out.append(ConfigIssue(rel, f"{where}.area", "unknown_area",
                                   f"area {event.area} is not in regions.yaml",
                                   {"code": event.area}))
            continue
        wanted = "region" if event.event == "launch" else "municipality"
        if area.level != wanted:
            out.append(ConfigIssue(rel, f"{where}.area", "rollout_wrong_level",
                                   f"{event.event} needs a {wanted} code, {event.area} is a "
                                   f"{area.level}",
                                   {"event": event.event, "wanted": wanted, "code": event.area,
                                    "level": area.level}))
            continue
        if event.event != "launch":
            region = area.parent_code or ""
            start = launches.get(region)
            if start is None or event.date < start:
                out.append(ConfigIssue(rel, f"{where}.date", "rollout_before_launch",
                                       f"{event.area}: {event.event} on {event.date}, before its "
                                       f"region {region} launched Omatiimi",
                                       {"code": event.area, "date": str(event.date),
                                        "region": region}))
            elif event.event in TRAINING_EVENTS and (
                    event.area not in joins or event.date < joins[event.area]):
                out.append(ConfigIssue(rel, f"{where}.date", "rollout_before_joining",
                                       f"{event.area} is trained on {event.date}, before it "
                                       f"joined Omatiimi (municipality_joined)",
                                       {"code": event.area, "date": str(event.date)}))
    return out


def iter_catalogue_files(root: Path) -> Iterator[Path]:
    yield from sorted((root / "indicators").glob("*.yaml"))

