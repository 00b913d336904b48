"""Deterministic synthetic demo data, as of 2026-10-31 (fixed, never today's date).

Magnitudes follow the populations in regions.yaml. Municipalities (and the whole country as a
reference) are generated; regions and the county are aggregated by the store from numerators and
denominators, except for Sotkanet-style indicators, whose source publishes region and county rows
itself without denominators. Omatiimi and the therapy guarantee exist per region only.

The phenomena's monthly indicators carry a real, rule-detectable improvement after their actions
began (Hämeenlinna and Riihimäki regions: "Himmee hetki" from 2025-08-01, sensory-accessibility
surveys from 2025-10-01; Forssa region: attendance support from the autumn term, 2025-08-11) and
none in the comparison regions.
"""

from __future__ import annotations

import calendar
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.config import Area, Config, Indicator
from indicators.periods import months_between, period_start

AS_OF = date(2026, 10, 31)
SEED = 20261031
YEARS = list(range(2019, 2026))
SURVEY_YEARS = [2019, 2021, 2023, 2025]
TERMS = [f"{y}-T{t}" for y in range(2019, 2027) for t in (1, 2)][:-1]  # through 2026-T1
MONTHS = months_between("2023-01", "2026-10")
SCHOOL_MONTHS = [m for m in MONTHS if int(m[5:7]) not in (6, 7)]
OMATIIMI_MONTHS = months_between("2026-02", "2026-10")
THERAPY_MONTHS = months_between("2025-05", "2026-10")
PRELIMINARY_MONTHS = {"2026-09", "2026-10"}

ADHD_REGIONS = {"SK051", "SK052"}  # Hämeenlinna and Riihimäki regions act on ADHD-type symptoms
ABSENCE_REGIONS = {"SK053"}  # the Forssa region acts on school absences
HIMMEE_HETKI_START = "2025-08"
SENSORY_SURVEYS_START = "2025-10"
ATTENDANCE_SUPPORT_START = "2025-08"  # autumn term 2025 began 2025-08-11

DEMO_COLUMNS = ["indicator_id", "area_code", "period", "sex", "grp",
                "numerator", "denominator", "value", "status"]


def _rng(*parts: object) -> np.random.Generator:
    """A generator seeded from the names involved: one indicator's draws never shift another's."""
    key = "|".join(str(p) for p in parts)
    return np.random.default_rng([SEED, zlib.crc32(key.encode("utf-8"))])


def _children(area: Area, year: int) -> float:
    """Residents aged 0–17 in a year: the 2024 figure with a slow decline of births."""
    return area.population_0_17 * (1 - 0.008 * (year - 2024))


def _area_effect(indicator_id: str, area: Area, sd: float = 0.12) -> float:
    if area.level == "country":
        return 1.0
    return float(np.exp(_rng("effect", indicator_id, area.code).normal(0.0, sd)))


def _month_index(period: str) -> int:
    return (int(period[:4]) - 2023) * 12 + int(period[5:7]) - 1


def _row(ind: Indicator, area: str, period: str, num: float, den: float | None,
         sex: str = "total", grp: str = "total", value: float | None = None) -> dict[str, object]:
    if value is None:
        value = num if ind.kind == "count" else (num / den * ind.scale if den else float("nan"))
    status = "preliminary" if period in PRELIMINARY_MONTHS else "final"
    return {"indicator_id": ind.id, "area_code": area, "period": period, "sex": sex, "grp": grp,
            "numerator": float(num), "denominator": float(den) if den is not None else np.nan,
            "value": float(value), "status": status}


def _base_areas(config: Config, ind: Indicator) -> list[Area]:
    return [a for a in config.areas.values()
            if a.level in ("municipality", "country") and a.level in ind.levels]


SEX_SHARE = {"male": 0.512, "female": 0.488}


# ------------------------------------------------------------------ generators per indicator


def _fc_contacts(config: Config, ind: Indicator) -> list[dict[str, object]]:
    """Flat at an elevated level before the actions (the rise shows in the yearly indicators; no
    seasonality, so the run-chart rules judge the actions, not the calendar); Hämeenlinna and
    Riihimäki regions drop after "Himmee hetki" and the sensory surveys."""
    rows = []
    for area in _base_areas(config, ind):
        rng = _rng(ind.id, area.code)
        effect = _area_effect(ind.id, area)
        acting = area.parent_code in ADHD_REGIONS
        for period in MONTHS:
            rate = 6.2 * effect  # per 1 000 aged 0-17
            if acting and period >= HIMMEE_HETKI_START:
                rate *= 0.82
            if acting and period >= SENSORY_SURVEYS_START:
                rate *= 0.85
            den = round(_children(area, int(period[:4])))
            rows.append(_row(ind, area.code, period, rng.poisson(rate * den / 1000), den))
    return rows


def _absence_month(config: Config, ind: Indicator) -> list[dict[str, object]]:
    """Flat before the action (no seasonality, so the run-chart rules judge the action, not the
    calendar); the Forssa region drops after its attendance support began (autumn term 2025)."""
    rows = []
    for area in _base_areas(config, ind):
        rng = _rng(ind.id, area.code)
        effect = _area_effect(ind.id, area)
        acting = area.parent_code in ABSENCE_REGIONS
        for period in SCHOOL_MONTHS:
            share = 0.16 * effect
            if acting and period >= ATTENDANCE_SUPPORT_START:
                share *= 0.72
            pupils = round(0.54 * _children(area, int(period[:4])))
            rows.append(_row(ind, area.code, period, rng.binomial(pupils, min(share, 0.9)), pupils))
    return rows


def _absence_term(config: Config, ind: Indicator) -> list[dict[str, object]]:
    rows = []
    for area in _base_areas(config, ind):
        rng = _rng(ind.id, area.code)
        effect = _area_effect(ind.id, area)
        acting = area.parent_code in ABSENCE_REGIONS
        for i, period in enumerate(TERMS):
            for sex, sex_factor in (("male", 1.06), ("female", 0.94)):
                share = 0.115 * effect * sex_factor * (1 + 0.025 * i)
                if period.endswith("T2"):
                    share *= 1.08
                if acting and period >= "2025-T2":
                    share *= 0.74
                pupils = round(0.54 * _children(area, int(period[:4])) * SEX_SHARE[sex])
                rows.append(_row(ind, area.code, period, rng.binomial(pupils, share), pupils,
                                 sex=sex))
    return rows


def _attendance_support(config: Config, ind: Indicator) -> list[dict[str, object]]:
    rows = []
    for area in _base_areas(config, ind):
        if area.level == "country":
            continue  # a local process measure: no national figure exists
        rng = _rng(ind.id, area.code)
        acting = area.parent_code in ABSENCE_REGIONS
        for period in MONTHS:
            month_no = int(period[5:7])
            rate = 0.0 if month_no in (6, 7) else 0.0035
            if acting and period >= ATTENDANCE_SUPPORT_START:
                rate *= 2.6
            pupils = 0.54 * _children(area, int(period[:4]))
            rows.append(_row(ind, area.code, period, rng.poisson(rate * pupils), None))
    return rows


def _yearly_rate(base: float, growth: float, *, sexes: tuple[tuple[str, float], ...] = (),
                 age_share: float = 1.0) -> Callable[[Config, Indicator], list[dict[str, object]]]:
    """A yearly per-1 000 (or count) indicator from the 0–17 population."""

    def generate(config: Config, ind: Indicator) -> list[dict[str, object]]:
        rows = []
        for area in _base_areas(config, ind):
            rng = _rng(ind.id, area.code)
            effect = _area_effect(ind.id, area, 0.18)
            for year in YEARS:
                rate = base * effect * (1 + growth) ** (year - 2019)
                pop = _children(area, year) * age_share
                for sex, factor in sexes or (("total", 1.0),):
                    den = round(pop * (SEX_SHARE.get(sex, 1.0)))
                    num = rng.poisson(rate * factor * den / 1000)
                    rows.append(_row(ind, area.code, str(year), num,
                                     None if ind.kind == "count" else den, sex=sex))
        return rows

    return generate


Generator = Callable[[Config, Indicator], list[dict[str, object]]]


def _sotkanet_style(base_pct: float, growth: float, *, per: float = 100.0,
                    age_share: float = 1.0) -> Generator:
    """Sotkanet publishes a value and an absolute count for every level, but no denominator."""

    def generate(config: Config, ind: Indicator) -> list[dict[str, object]]:
        rows = []
        for year in YEARS:
            counts: dict[str, int] = {}
            pops: dict[str, float] = {}
            for area in config.areas.values():
                if area.level != "municipality":
                    continue
                rng = _rng(ind.id, area.code, year)
                trend = (1 + growth) ** (year - 2019)
                rate = base_pct / per * _area_effect(ind.id, area, 0.2) * trend
                pops[area.code] = _children(area, year) * age_share
                counts[area.code] = int(rng.binomial(round(pops[area.code]), rate))
            for parent in [*config.region_codes, config.county_code]:
                kids = [c for c in counts if _is_below(config, c, parent)]
                counts[parent] = sum(counts[c] for c in kids)
                pops[parent] = sum(pops[c] for c in kids)
            country = config.areas[config.country_code]
            rng = _rng(ind.id, country.code, year)
            pops[country.code] = _children(country, year) * age_share
            counts[country.code] = int(rng.binomial(
                round(pops[country.code]), base_pct / per * (1 + growth) ** (year - 2019)))
            for code, count in counts.items():
                value = round(count / pops[code] * per, ind.decimals)  # published rounded
                rows.append(_row(ind, code, str(year), count, None, value=value))
        return rows

    return generate


def _is_below(config: Config, code: str, ancestor: str) -> bool:
    parent = config.areas[code].parent_code
    while parent:
        if parent == ancestor:
            return True
        parent = config.areas[parent].parent_code
    return False


def _survey(shares: dict[tuple[str, str], float], trend: float,
            grade_share: dict[str, float]) -> Generator:
    """School Health Promotion study: respondents by sex (and grade group) in odd years."""

    def generate(config: Config, ind: Indicator) -> list[dict[str, object]]:
        rows = []
        for area in _base_areas(config, ind):
            rng = _rng(ind.id, area.code)
            effect = _area_effect(ind.id, area, 0.1)
            for k, year in enumerate(SURVEY_YEARS):
                for (sex, grp), share in shares.items():
                    respondents = round(_children(area, year) * grade_share[grp]
                                        * SEX_SHARE[sex] * rng.uniform(0.62, 0.78))
                    p = min(0.95, share * effect * (1 + trend * k))
                    rows.append(_row(ind, area.code, str(year), rng.binomial(respondents, p),
                                     respondents, sex=sex, grp=grp))
        return rows

    return generate


GR8_9 = {"total": 0.112}


def _gr8_9(male: float, female: float, trend: float) -> Callable[[Config, Indicator], list]:
    return _survey({("male", "total"): male, ("female", "total"): female}, trend, GR8_9)


def _region_monthly(config: Config, ind: Indicator,
                    months: list[str], make: Callable[[np.random.Generator, Area, int, str], list]
                    ) -> list[dict[str, object]]:
    rows = []
    for code in config.region_codes:
        area = config.areas[code]
        rng = _rng(ind.id, code)
        for i, period in enumerate(months):
            rows.extend(make(rng, area, i, period))
    return rows


OMATIIMI_BINS = ["d0_7", "d8_14", "d15_21", "d22_28", "d29_42", "d43_plus"]
OMATIIMI_SECTORS = {  # participants per network at the first meeting, besides the family
    "county_services": 1.7, "municipality": 0.6, "school_ecec": 0.5, "ngo": 0.25,
    "parish": 0.08, "relatives_friends": 0.9, "other": 0.15,
}
OMATIIMI_SEASON = {"06": 0.8, "07": 0.45, "08": 0.85}  # summer holidays


def _rollout_state(config: Config, region: str, period: str) -> tuple[float, int]:
    """(children reached, units trained) in a region by the end of a month, from the rollout
    config: a municipality ramps up over three months after it joins, and each trained school or
    early-education unit brings a little more."""
    first = period_start(period)
    month_end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    reached, trained = 0.0, 0
    for code in config.children(region):
        joined = [e.date for e in config.rollout
                  if e.area == code and e.event == "municipality_joined" and e.date <= month_end]
        if not joined:
            continue
        months_in = ((month_end.year - joined[0].year) * 12 + month_end.month
                     - joined[0].month + 1)
        units = sum(e.units or 0 for e in config.rollout if e.area == code
                    and e.event != "municipality_joined" and e.date <= month_end)
        trained += units
        reached += (config.areas[code].population_0_17 * min(1.0, months_in / 3)
                    * (1 + 0.012 * units))
    return reached, trained


def _omatiimi_flows(config: Config) -> dict[tuple[str, str], dict[str, object]]:
    """Shared monthly flows per region so the Omatiimi indicators agree with each other:
    volumes follow the rollout, lead times shorten, summer dips, small regions stay small."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    for code in config.region_codes:
        rng = _rng("omatiimi", code)
        convened_by_month: list[int] = []
        for i, period in enumerate(OMATIIMI_MONTHS):
            season = OMATIIMI_SEASON.get(period[5:7], 1.0)
            reached, trained = _rollout_state(config, code, period)
            requests = int(rng.poisson(reached / 1000 * 2.5 * season))
            convened = int(rng.binomial(requests, 0.88))
            progress = i / max(1, len(OMATIIMI_MONTHS) - 1)
            slow, fast = np.array([0.25, 0.3, 0.18, 0.12, 0.09, 0.06]), np.array(
                [0.5, 0.3, 0.1, 0.05, 0.03, 0.02])
            probs = (1 - progress) * slow + progress * fast
            if season < 1.0:  # holidays stretch lead times
                probs = 0.6 * probs + 0.4 * slow[::-1]
            by_bin = rng.multinomial(convened, probs / probs.sum())
            wednesday = int(rng.binomial(convened, min(0.88, 0.55 + 0.04 * i) * season ** 0.5))
            coordinator = int(rng.binomial(convened, min(0.88, 0.68 + 0.02 * i)))
            rates = {**OMATIIMI_SECTORS,
                     "school_ecec": min(1.4, OMATIIMI_SECTORS["school_ecec"] + 0.02 * trained)}
            participants = {s: int(rng.poisson(convened * r)) for s, r in rates.items()}
            active = sum(convened_by_month[-3:])
            meetings = convened + int(rng.poisson(1.2 * active))
            responses = int(rng.binomial(meetings, min(0.8, 0.45 + 0.04 * i) * season ** 0.5))
            srs = np.clip(rng.normal(36.9 + 0.1 * i, 2.6, responses), 0, 40).round(1)
            helped = int(rng.binomial(responses, min(0.8, 0.66 + 0.012 * i)))
            closing = sum(convened_by_month[-3:-1])  # networks run two to three months
            closed = int(rng.binomial(closing, 0.45)) if closing else 0
            ors = np.clip(rng.normal(3.0 + 0.25 * i, 6.0, closed), -20, 30).round(0)
            convened_by_month.append(convened)
            out[(code, period)] = {
                "requests": requests, "convened": convened,
                "bins": dict(zip(OMATIIMI_BINS, by_bin.tolist(), strict=True)),
                "wednesday": wednesday, "coordinator": coordinator,
                "participants": participants, "meetings": meetings, "responses": responses,
                "scores": float(srs.sum()), "under_36": int((srs < 36).sum()), "helped": helped,
                "closed": closed, "ors_change": float(ors.sum()),
                "ors_improved": int((ors >= 5).sum()),
            }
    return out


# indicator id -> (numerator field, denominator field or None); grouped ones by `grp`
OMATIIMI_FIELDS: dict[str, tuple[str, str | None]] = {
    "omatiimi_requests": ("requests", None),
    "omatiimi_convened": ("convened", None),
    "omatiimi_days_to_first_meeting": ("bins", None),
    "omatiimi_wednesday_slot": ("wednesday", "convened"),
    "omatiimi_coordinator_named": ("coordinator", "convened"),
    "omatiimi_participants": ("participants", None),
    "omatiimi_meetings": ("meetings", None),
    "omatiimi_feedback_responses": ("responses", None),
    "omatiimi_feedback_response_rate": ("responses", "meetings"),
    "omatiimi_srs_mean": ("scores", "responses"),
    "omatiimi_srs_under_36": ("under_36", "responses"),
    "omatiimi_felt_helped": ("helped", "responses"),
    "omatiimi_ors_change": ("ors_change", "closed"),
    "omatiimi_ors_reliable_improvement": ("ors_improved", "closed"),
}


def _omatiimi(config: Config, ind: Indicator) -> list[dict[str, object]]:
    numerator, denominator = OMATIIMI_FIELDS[ind.id]
    rows = []
    for (code, period), flow in _omatiimi_flows(config).items():
        value = flow[numerator]
        if isinstance(value, dict):  # counts per group; the total is computed from them
            for grp, n in value.items():
                rows.append(_row(ind, code, period, n, None, grp=grp))
        else:
            rows.append(_row(ind, code, period, value,
                             None if denominator is None else flow[denominator]))
    return rows


def _therapy_guarantee(config: Config, ind: Indicator) -> list[dict[str, object]]:
    def make(rng: np.random.Generator, area: Area, i: int, period: str) -> list:
        started = int(rng.poisson(area.population_0_17 * 0.0016))
        share = min(0.92, 0.68 + 0.012 * i)
        return [_row(ind, area.code, period, rng.binomial(started, share), started)]

    return _region_monthly(config, ind, THERAPY_MONTHS, make)


def _population(size: Callable[[Area, int], float]) -> Generator:
    """A yearly population count (31 Dec) per municipality and for the whole country; the store
    sums regions and the county."""

    def generate(config: Config, ind: Indicator) -> list[dict[str, object]]:
        return [_row(ind, area.code, str(year), round(size(area, year)), None)
                for area in _base_areas(config, ind) for year in YEARS]

    return generate


def _residents(area: Area, year: int) -> float:
    """All residents in a year: the 2024 figure with a mild decline."""
    return area.population * (1 - 0.002 * (year - 2024))


GENERATORS: dict[str, Callable[[Config, Indicator], list[dict[str, object]]]] = {
    "fc_contacts_attention": _fc_contacts,
    "adhd_medication_5_17": _yearly_rate(32.0, 0.09, sexes=(("male", 1.45), ("female", 0.55)),
                                         age_share=0.72),
    "concentration_difficulties": _survey(
        {("male", "gr4_5"): 0.21, ("female", "gr4_5"): 0.16,
         ("male", "gr8_9"): 0.27, ("female", "gr8_9"): 0.33},
        0.06, {"gr4_5": 0.112, "gr8_9": 0.112}),
    "absence_over10_term": _absence_term,
    "absence_over10_month": _absence_month,
    "unauthorised_absence_gr8_9": _gr8_9(0.13, 0.11, 0.05),
    "attendance_support_started": _attendance_support,
    "cw_notifications_rate": _yearly_rate(88.0, 0.03),
    "cw_notification_share": _sotkanet_style(8.2, 0.025),
    "placed_outside_home_share": _sotkanet_style(1.4, 0.01),
    "psychiatric_inpatients_0_17": _sotkanet_style(4.2, 0.04, per=1000.0),
    "outside_education_17_24": _sotkanet_style(8.5, -0.01, age_share=0.5),
    "anxiety_gr8_9": _gr8_9(0.09, 0.26, 0.04),
    "loneliness_gr8_9": _gr8_9(0.08, 0.17, 0.03),
    "bullied_weekly_gr8_9": _gr8_9(0.075, 0.065, -0.03),
    "hobby_weekly_gr8_9": _gr8_9(0.69, 0.71, 0.0),
    "therapy_guarantee_met": _therapy_guarantee,
    "exercise_counselling_referrals": _yearly_rate(1.6, 0.12, age_share=0.6),
    **{ind_id: _omatiimi for ind_id in OMATIIMI_FIELDS},
    # the same 0-17 figure the per-1 000 rates above divide by, so the two agree
    "population_total": _population(_residents),
    "population_0_17": _population(_children),
}


def generate(config: Config) -> dict[str, pd.DataFrame]:
    """One tidy frame per catalogue indicator (source-level rows only)."""
    missing = set(config.indicators) - set(GENERATORS)
    if missing:
        raise KeyError(f"no demo generator for indicators: {sorted(missing)}")
    out: dict[str, pd.DataFrame] = {}
    for ind_id, ind in config.indicators.items():
        frame = pd.DataFrame(GENERATORS[ind_id](config, ind), columns=DEMO_COLUMNS)
        out[ind_id] = frame.sort_values(["area_code", "period", "sex", "grp"]).reset_index(
            drop=True)
    return out


def write_tables(frames: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """Write one CSV per indicator (UTF-8, comma, decimal point); byte-identical across runs."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for ind_id, frame in sorted(frames.items()):
        path = directory / f"{ind_id}.csv"
        frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
        paths.append(path)
    return paths


def read_tables(directory: Path) -> dict[str, pd.DataFrame]:
    """The bundled demo CSVs as frames, with explicit dtypes."""
    out = {}
    for path in sorted(directory.glob("*.csv")):
        frame = pd.read_csv(
            path,
            dtype={"indicator_id": "string", "area_code": "string", "period": "string",
                   "sex": "string", "grp": "string", "numerator": "float64",
                   "denominator": "float64", "value": "float64", "status": "string"},
            keep_default_na=False, na_values=[""],
        )
        out[path.stem] = frame
    return out
