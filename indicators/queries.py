"""Query functions: the only way pages, downloads and exports read figures.

Everything here reads the view `observation_public`, where hidden cells carry no numbers, and
computes intervals only from visible numerators and denominators. Functions take any object with
`query_df(sql, params)` (a `StoreReader`, or a test double around a connection) and return frames
that callers must not mutate (they may be cached).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from indicators.config import Config, Indicator
from indicators.periods import period_level, previous_period
from indicators.stats import change_status, value_interval


class Reader(Protocol):
    def query_df(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame: ...


PUBLIC_COLUMNS = ["area_code", "period", "period_start", "sex", "grp", "value", "numerator",
                  "denominator", "suppressed", "status"]


def store_meta(reader: Reader) -> dict[str, str]:
    frame = reader.query_df("SELECT key, value FROM store_meta")
    return dict(zip(frame["key"], frame["value"], strict=True))


def is_demo(reader: Reader) -> bool:
    return store_meta(reader).get("dataset") == "demo"


def period_levels(reader: Reader, indicator_id: str) -> list[str]:
    """Period levels present for an indicator, finest first (month, term, quarter, year)."""
    frame = reader.query_df(
        "SELECT DISTINCT period FROM observation_public WHERE indicator_id = ?", [indicator_id]
    )
    levels = {period_level(p) for p in frame["period"]}
    return [lvl for lvl in ("month", "term", "quarter", "year", "pool") if lvl in levels]


def default_level(indicator: Indicator, levels: Sequence[str]) -> str | None:
    """The level a page opens on: quarters for summed monthly data (less noise), else finest."""
    if indicator.period_aggregation != "none" and "quarter" in levels:
        return "quarter"
    return levels[0] if levels else None


def _with_intervals(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    low, high = value_interval(indicator.kind, frame["numerator"].to_numpy(dtype="float64"),
                               frame["denominator"].to_numpy(dtype="float64"), indicator.scale)
    out = frame.assign(low=low, high=high)
    hidden = out["suppressed"].astype(bool)
    out.loc[hidden, ["value", "numerator", "denominator", "low", "high"]] = np.nan
    return out


def _cells(reader: Reader, indicator: Indicator, area_codes: Sequence[str], sex: str,
           grp: str | None, level: str | None) -> pd.DataFrame:
    """Public cells of the given areas (one `grp`, or every `grp` when None), with intervals."""
    if not area_codes:
        return pd.DataFrame(columns=[*PUBLIC_COLUMNS, "low", "high"])
    placeholders = ", ".join("?" for _ in area_codes)
    grp_filter = "" if grp is None else "AND grp = ? "
    frame = reader.query_df(
        f"SELECT {', '.join(PUBLIC_COLUMNS)} "  # noqa: S608 - PUBLIC_COLUMNS, literals, ? marks
        "FROM observation_public "
        f"WHERE indicator_id = ? AND sex = ? {grp_filter}AND area_code IN ({placeholders}) "
        "ORDER BY area_code, period_start, period, grp",
        [indicator.id, sex, *([] if grp is None else [grp]), *area_codes],
    )
    if level is not None:
        frame = frame[frame["period"].map(period_level).eq(level)]
    return _with_intervals(frame.reset_index(drop=True), indicator)


def series(reader: Reader, indicator: Indicator, area_codes: Sequence[str], *,
           sex: str = "total", grp: str = "total", level: str | None = None) -> pd.DataFrame:
    """Time series of the given areas with 95 % intervals (hidden cells: no numbers)."""
    return _cells(reader, indicator, area_codes, sex, grp, level)


def group_cells(reader: Reader, indicator: Indicator, area_codes: Sequence[str],
                level: str | None = None) -> pd.DataFrame:
    """Public cells of a grouped indicator, every `grp` (the total too), sex total, with 95 %
    intervals (hidden cells: no numbers)."""
    return _cells(reader, indicator, area_codes, "total", None, level)


def latest_period(reader: Reader, indicator_ids: Sequence[str], level: str) -> str | None:
    """The latest period of `level` in which any of the indicators has a cell."""
    if not indicator_ids:
        return None
    marks = ", ".join("?" for _ in indicator_ids)
    frame = reader.query_df(
        "SELECT DISTINCT period FROM observation_public "  # noqa: S608 - only ? marks spliced in
        f"WHERE indicator_id IN ({marks})",
        list(indicator_ids))
    periods = sorted(p for p in frame["period"] if period_level(p) == level)
    return periods[-1] if periods else None


@dataclass(frozen=True)
class Latest:
    area_code: str
    period: str | None
    value: float
    low: float
    high: float
    suppressed: bool
    compare_period: str | None
    compare_value: float
    delta: float
    status: str


def comparison_period(period: str, available: set[str], *, survey: bool) -> str | None:
    """The period a change is measured from: the same period a year earlier (biennial surveys:
    the previous survey), so seasons do not pass for change; else the immediately previous one."""
    level = period_level(period)
    year = int(period[:4])
    if level == "year":
        candidates = [str(year - 2)] if survey else [str(year - 1)]
    else:
        same_last_year = f"{year - 1}{period[4:]}"
        candidates = [same_last_year, previous_period(period)]
    for candidate in candidates:
        if candidate in available:
            return candidate
    return None


def latest(reader: Reader, indicator: Indicator, area_codes: Sequence[str], *,
           sex: str = "total", grp: str = "total", level: str | None = None) -> list[Latest]:
    """Latest figure per area, its change from the comparison period and a status."""
    return latest_of(series(reader, indicator, area_codes, sex=sex, grp=grp, level=level),
                     indicator, area_codes)


def latest_of(frame: pd.DataFrame, indicator: Indicator,
              area_codes: Sequence[str]) -> list[Latest]:
    """`latest` on a series already read (one level), so a caller needing both reads once."""
    out: list[Latest] = []
    for code in area_codes:
        rows = frame[frame["area_code"] == code].sort_values("period_start")
        if rows.empty:
            out.append(Latest(code, None, np.nan, np.nan, np.nan, False, None, np.nan, np.nan,
                              "not_assessable"))
            continue
        last = rows.iloc[-1]
        by_period = rows.set_index("period")
        compare = comparison_period(str(last["period"]), set(by_period.index),
                                    survey=indicator.period_type == "survey")
        prev = by_period.loc[compare] if compare else None
        if prev is not None and indicator.break_between(str(compare), str(last["period"])):
            prev, compare = None, None  # two definitions: no change is judged across a break
        if prev is not None:
            status = change_status(indicator.direction, last["value"], last["low"], last["high"],
                                   prev["value"], prev["low"], prev["high"])
            delta = float(last["value"] - prev["value"])
            prev_value = float(prev["value"])
        else:
            status, delta, prev_value = "not_assessable", np.nan, np.nan
        out.append(Latest(code, str(last["period"]), float(last["value"]), float(last["low"]),
                          float(last["high"]), bool(last["suppressed"]), compare, prev_value,
                          delta, status))
    return out


def export_frame(reader: Reader, config: Config, indicator: Indicator,
                 area_code: str | None = None, lang: str = "fi") -> pd.DataFrame:
    """All cells of an indicator (optionally one area and its sub-areas) for download, area names
    in `lang` (column names are the data format's own, the same in every language).

    Hidden cells carry the mark `..` in every number column, so a file can never hold them.
    """
    params: list[object] = [indicator.id]
    where = "indicator_id = ?"
    if area_code is not None:
        codes = [area_code, *_descendants(config, area_code)]
        where += f" AND area_code IN ({', '.join('?' for _ in codes)})"
        params.extend(codes)
    frame = reader.query_df(
        f"SELECT {', '.join(PUBLIC_COLUMNS)} "  # noqa: S608 - PUBLIC_COLUMNS, literals, ? marks
        f"FROM observation_public WHERE {where}", params
    )
    frame = _with_intervals(frame, indicator)
    order = {code: area.sort_order for code, area in config.areas.items()}
    frame = frame.assign(_order=frame["area_code"].map(order)).sort_values(
        ["_order", "period_start", "period", "sex", "grp"])
    out = pd.DataFrame({
        "indicator_id": indicator.id,
        "area_code": frame["area_code"],
        "area_name": frame["area_code"].map(lambda c: config.areas[c].name(lang)),
        "period": frame["period"],
        "sex": frame["sex"],
        "grp": frame["grp"],
        "unit": indicator.unit,
    })
    hidden = frame["suppressed"].astype(bool)
    for column in ("value", "numerator", "denominator", "low", "high"):
        out[column] = frame[column].astype(object).where(~hidden, "..")
    out["suppressed"] = hidden
    out["status"] = frame["status"]
    return out.reset_index(drop=True)


def _descendants(config: Config, code: str) -> list[str]:
    out: list[str] = []
    for child in config.children(code):
        if config.areas[child].level == "country":
            continue
        out.append(child)
        out.extend(_descendants(config, child))
    return out


def provenance(reader: Reader) -> pd.DataFrame:
    """Per indicator: source rows, how many came from the demo, and the latest import."""
    return reader.query_df(
        "SELECT o.indicator_id, COUNT(*) AS rows, "
        "SUM(CASE WHEN l.source = 'demo' THEN 1 ELSE 0 END) AS demo_rows, "
        "MAX(o.import_id) AS latest_import "
        "FROM observation o LEFT JOIN import_log l ON l.import_id = o.import_id "
        "WHERE NOT o.derived GROUP BY o.indicator_id ORDER BY o.indicator_id")


def dataset_kind(reader: Reader) -> str:
    """'demo' (all figures synthetic), 'mixed', 'real' or 'empty'."""
    frame = provenance(reader)
    if frame.empty:
        return "empty"
    demo_rows, rows = int(frame["demo_rows"].sum()), int(frame["rows"].sum())
    if demo_rows == rows:
        return "demo"
    return "mixed" if demo_rows else "real"


def import_history(reader: Reader) -> pd.DataFrame:
    return reader.query_df(
        "SELECT import_id, imported_at, file, rows, source, actor, outcome "
        "FROM import_log ORDER BY import_id DESC")


def funnel_points(reader: Reader, indicator: Indicator, area_codes: Sequence[str],
                  target_area: str, level: str) -> tuple[pd.DataFrame, str | None, float]:
    """The latest period's visible cells of `area_codes` and the `target_area` value to draw a
    funnel around. Hidden cells are left out (the caller says how many)."""
    frame = series(reader, indicator, [*area_codes, target_area], level=level)
    target_rows = frame[(frame["area_code"] == target_area) & frame["value"].notna()]
    if target_rows.empty:
        return frame.iloc[0:0], None, float("nan")
    period = str(target_rows.sort_values("period_start")["period"].iloc[-1])
    target = float(target_rows[target_rows["period"] == period]["value"].iloc[0])
    points = frame[(frame["period"] == period) & frame["area_code"].isin(area_codes)]
    return points.reset_index(drop=True), period, target
