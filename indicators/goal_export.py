"""Key results as records and tables: one shape for the CLI (`goals --format json|csv`), the goals
page's download and later exports, so they cannot disagree.

Numbers are the ones the status was computed from: baseline and latest rounded to the decimals
shown on the page. A hidden figure is `null` with `suppressed: true`, never its number.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from indicators.config import Config
from indicators.goal_config import Objective
from indicators.goal_texts import (
    forecast_text,
    noise_text,
    path_text,
    reason_text,
    status_label,
)
from indicators.goals import KeyResultProgress, Point


def _number(value: float | None, decimals: int | None = None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), decimals) if decimals is not None else float(value)


def _figure(point: Point | None, decimals: int) -> float | None:
    if point is None or point.suppressed:
        return None
    return _number(point.value, decimals)


def _objective(config: Config, objective_id: str) -> Objective:
    return next(o for o in config.objectives if o.id == objective_id)


def key_result_record(result: KeyResultProgress, config: Config, checkins: pd.DataFrame,
                      lang: str = "fi") -> dict[str, Any]:
    """One key result as a JSON-ready dict."""
    objective = _objective(config, result.objective_id)
    kr = next(k for k in objective.key_results if k.id == result.key_result_id)
    forecast = None
    if result.forecast is not None:
        forecast = {"value": _number(result.forecast.value, result.decimals),
                    "low": _number(result.forecast.low, result.decimals),
                    "high": _number(result.forecast.high, result.decimals),
                    "period": result.target.label, "reach": result.forecast.reach,
                    "points": result.forecast.points}
    rows = checkins[checkins["key_result_id"] == result.key_result_id] \
        if not checkins.empty else checkins
    history = [{"quarter": str(r["quarter"]), "confidence": int(r["confidence"]),
                "seen": str(r["seen"]), "why": str(r["why"]),
                "next_steps": str(r["next_steps"]), "organisation": str(r["organisation"]),
                "date": pd.Timestamp(r["checkin_date"]).date().isoformat()}
               for r in rows.sort_values("quarter").to_dict("records")] if len(rows) else []
    return {
        "id": result.key_result_id,
        "name": kr.name.get(lang),
        "objective": result.objective_id,
        "objective_name": objective.name.get(lang),
        "owner": objective.owner,
        "area": ",".join(result.area_codes),
        "area_name": ", ".join(config.areas[c].name(lang) for c in result.area_codes),
        "indicator": result.indicator_id,
        "action": None if result.action_id is None else f"{result.phenomenon_id}/"
                                                        f"{result.action_id}",
        "measure": result.source,
        "level": result.level,
        "commitment": result.commitment,
        "baseline": _figure(result.baseline, result.decimals),
        "baseline_period": result.baseline.label if result.baseline else None,
        "baseline_declared": result.baseline_declared,
        "latest": _figure(result.latest, result.decimals),
        "latest_period": result.latest.label if result.latest else None,
        "target": _number(result.target.value),
        "target_period": result.target.label,
        "milestones": [{"period": m.label, "value": m.value} for m in result.milestones],
        "score": _number(result.score, 4),
        "expected": _number(result.expected, 4),
        "pace": _number(result.ratio, 4),
        "status": result.status,
        "status_text": status_label(result.status, lang),
        "reason": result.reason,
        "reason_text": reason_text(result, config, lang),
        "path_text": path_text(result, config, lang),
        "noise": result.noise,
        "noise_text": noise_text(result, lang),
        "forecast": forecast,
        "forecast_text": forecast_text(result, config, lang),
        "next_period": result.next_period,
        "suppressed": result.suppressed,
        "checkins": history,
        "latest_confidence": history[-1]["confidence"] if history else None,
    }


def key_result_records(results: list[KeyResultProgress], config: Config,
                       checkins: pd.DataFrame, lang: str = "fi") -> list[dict[str, Any]]:
    return [key_result_record(r, config, checkins, lang) for r in results]


FLAT_COLUMNS = ["id", "name", "objective", "owner", "area", "indicator", "action", "measure",
                "commitment", "baseline_period", "baseline", "latest_period", "latest",
                "target_period", "target", "score", "expected", "pace", "status", "status_text",
                "reason_text", "noise", "forecast_value", "forecast_low", "forecast_high",
                "forecast_reach", "next_period", "suppressed", "latest_confidence"]


def key_result_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The records flattened to one row per key result (for CSV and spreadsheets); a hidden
    figure is an empty cell with `suppressed` TRUE."""
    rows = []
    for record in records:
        forecast = record["forecast"] or {}
        rows.append({**{k: record.get(k) for k in FLAT_COLUMNS if k in record},
                     "forecast_value": forecast.get("value"), "forecast_low": forecast.get("low"),
                     "forecast_high": forecast.get("high"),
                     "forecast_reach": forecast.get("reach")})
    return pd.DataFrame(rows, columns=FLAT_COLUMNS)


#: check-in columns that stay out of the page's download (who entered it, how, and when)
CHECKIN_INTERNAL = ["actor", "source", "entered_at", "revision"]


def checkin_frame(history: pd.DataFrame, key_result_ids: list[str]) -> pd.DataFrame:
    """The check-ins of the key results shown (a `checkins.history` frame), for the download."""
    shown = history[history["key_result_id"].isin(key_result_ids)]
    return shown.drop(columns=CHECKIN_INTERNAL)
