"""Drafting a catalogue entry from Sotkanet's indicator metadata."""

from __future__ import annotations

import json

import yaml

from indicators.config import Indicator
from indicators.sotkanet import draft_yaml

METADATA = {
    "id": 3563,
    "title": {"fi": "Kodin ulkopuolelle sijoitetut 0-17-vuotiaat, % vastaavanikäisestä väestöstä",
              "sv": "0-17-åringar placerade utom hemmet, % av befolkningen i samma ålder",
              "en": "Children aged 0-17 placed outside the home, % of population of same age"},
    "description": {"fi": "Indikaattori ilmaisee...", "sv": "Indikatorn anger...",
                    "en": "The indicator shows..."},
    "organization": {"id": 2, "title": {"fi": "Terveyden ja hyvinvoinnin laitos (THL)",
                                        "sv": "THL", "en": "THL"}},
    "decimals": 1,
    "limits": {"minimum": 0},
}


def test_draft_entry_validates_and_marks_guesses(tmp_path):
    path = tmp_path / "3563.json"
    path.write_text(json.dumps(METADATA), encoding="utf-8")
    text = draft_yaml(path)
    assert "unit: percent  # CHECK: guessed" in text
    assert "sotkanet:3563" in text and '"minimum": 0' in text
    entry = yaml.safe_load(text)[0]
    indicator = Indicator.model_validate(entry)
    assert indicator.name.sv.startswith("0-17") and indicator.decimals == 1
    assert indicator.source == "THL, Sotkanet.fi (Terveyden ja hyvinvoinnin laitos (THL))"
