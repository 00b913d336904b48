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
