"""Sotkanet indicator metadata (`/rest/1.1/indicators/{id}`) as a catalogue entry to start from.

The maintained YAML stays the single source: this only drafts an entry for a maintainer to check
(unit, direction and period type cannot be read reliably from the metadata, so they are guessed
from the title and marked for review).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml


def _texts(node: Any) -> dict[str, str]:
    node = node if isinstance(node, dict) else {}
    fi = str(node.get("fi") or "").strip()
    return {lang: str(node.get(lang) or fi).strip() for lang in ("fi", "sv", "en")}


def _guess_unit(title_fi: str) -> str:
    if "1 000" in title_fi or "1000" in title_fi:
        return "per_1000"
    if "%" in title_fi:
        return "percent"
    return "count"


def catalogue_entry(metadata: dict[str, Any]) -> dict[str, Any]:
    """A draft catalogue entry from Sotkanet's metadata of one indicator."""
    sotkanet_id = int(metadata["id"])
    title = _texts(metadata.get("title"))
    description = _texts(metadata.get("description"))
    organisation = _texts((metadata.get("organization") or {}).get("title")).get("fi")
    slug = re.sub(r"[^a-z0-9]+", "_", title["en"].lower()).strip("_")[:40] or "indicator"
    return {
        "id": f"sotkanet_{sotkanet_id}_{slug}"[:64].rstrip("_"),
        "name": title,
        "definition": description,
        "unit": _guess_unit(title["fi"]),
        "direction": "neutral",
        "period_type": "year",
        "levels": ["municipality", "region", "county", "country"],
        "source": f"THL, Sotkanet.fi ({organisation})" if organisation else "THL, Sotkanet.fi",
        "licence": "CC BY 4.0",
        "source_ref": f"sotkanet:{sotkanet_id}",
        "decimals": int(metadata.get("decimals", 1) or 0),
    }


def draft_yaml(path: Path) -> str:
    """YAML text of the draft entry, with the fields a maintainer must check marked."""
    metadata = json.loads(path.read_text(encoding="utf-8"))
    entry = catalogue_entry(metadata)
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    for field in ("unit", "direction", "period_type"):
        text = re.sub(rf"^(  {field}: .*)$", r"\1  # CHECK: guessed", text, flags=re.MULTILINE)
    limits = metadata.get("limits")
    if limits:
        text += f"# Sotkanet limits: {json.dumps(limits, ensure_ascii=False)}\n"
    return text


# -- the REST API (fetching lives in indicators.fetch; these only say what to ask) ------------

API_PATH = "/rest/1.1"
DEFAULT_BASE_URL = "https://sotkanet.fi"
GENDERS = {"total": "total", "male": "male", "female": "female"}  # our sex -> Sotkanet gender


def sotkanet_id(source_ref: str | None) -> int | None:
    """`sotkanet:1086` -> 1086; None for another source."""
    match = re.fullmatch(r"sotkanet:([0-9]+)", source_ref or "")
    return int(match.group(1)) if match else None


def regions_path() -> str:
    return f"{API_PATH}/regions"


def metadata_path(indicator: int) -> str:
    return f"{API_PATH}/indicators/{indicator}"


def data_query(indicator: int, years: list[int],
               sexes: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """Path and parameters of one indicator's figures: `years` and `genders` repeat."""
    params = [("indicator", str(indicator))]
    params += [("years", str(year)) for year in years]
    params += [("genders", GENDERS[sex]) for sex in sexes if sex in GENDERS]
    return f"{API_PATH}/json", params


class MetadataError(ValueError):
    """Sotkanet's metadata of an indicator is not in the documented form."""


def metadata_record(doc: Any, indicator_id: str, expected: int) -> dict[str, Any]:
    """The fields the store keeps from `/rest/1.1/indicators/{id}`, checked."""
    if not isinstance(doc, dict):
        raise MetadataError("not an object")
    found = doc.get("id")
    if isinstance(found, bool) or not isinstance(found, int | str) or str(found) != str(expected):
        raise MetadataError(f"id {found!r}, expected {expected}")
    title = doc.get("title")
    if not isinstance(title, dict) or not str(title.get("fi") or "").strip():
        raise MetadataError("no Finnish title")
    texts = _texts(title)
    description = _texts(doc.get("description"))
    organisation = doc.get("organization")
    organisation_title = _texts(organisation.get("title") if isinstance(organisation, dict)
                                else None)["fi"]
    decimals = doc.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)):
        raise MetadataError(f"decimals {decimals!r}")
    limits = doc.get("limits")
    updated = doc.get("data-updated")
    return {"indicator_id": indicator_id, "source": "sotkanet",
            "source_ref": f"sotkanet:{expected}",
            "title_fi": texts["fi"], "title_sv": texts["sv"], "title_en": texts["en"],
            "description_fi": description["fi"], "description_sv": description["sv"],
            "description_en": description["en"], "decimals": decimals,
            "limits": json.dumps(limits, ensure_ascii=False, sort_keys=True)
            if limits is not None else None,
            "organisation": organisation_title,
            "data_updated": str(updated) if updated is not None else None}
