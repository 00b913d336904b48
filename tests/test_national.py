"""The benchmark's generated national config and dataset (indicators/national.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from indicators import auth, national
from indicators.build import build_demo_store
from indicators.imports import import_file
from indicators.store import StoreReader

TINY = national.Scale(municipalities=20, regions=6, counties=3, yearly=4, years=3, monthly=1,
                      months=6)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, object, Path, int]:
    root = tmp_path_factory.mktemp("national")
    config = national.write_config(root / "config", TINY)
    rows = national.write_dataset(root / "national.csv", config, TINY)
    return root, config, root / "national.csv", rows


def test_the_config_has_the_asked_counts_and_keeps_the_home_county(generated, config):
    _, nat, _, _ = generated
    levels: dict[str, int] = {}
    for area in nat.areas.values():
        levels[area.level] = levels.get(area.level, 0) + 1
    assert levels == {"country": 1, "county": 3, "region": 6, "municipality": 20}
    assert nat.county_code == "HV07" and nat.region_codes == config.region_codes
    for code, area in config.areas.items():  # Kanta-Häme is kept as it is
        assert nat.areas[code].parent_code == area.parent_code
    generated_ids = [i for i in nat.indicators if i.startswith("nat_")]
    assert len(generated_ids) == TINY.yearly + TINY.monthly
    assert set(config.indicators) < set(nat.indicators)
    assert nat.objectives and nat.phenomena  # goals and phenomena still resolve


def test_the_full_scale_is_the_issues(tmp_path):
    assert national.FULL.areas == 400
    assert 10_900_000 < national.FULL.rows < 11_000_000
    document = national.regions_document(national.FULL, yaml_regions())
    assert len(document["counties"]) == 21
    assert sum(len(c["regions"]) for c in document["counties"]) == 78
    assert sum(len(r["municipalities"]) for c in document["counties"]
               for r in c["regions"]) == 300


def yaml_regions() -> dict:
    import yaml

    from indicators.settings import DEFAULT_CONFIG_DIR

    return yaml.safe_load((DEFAULT_CONFIG_DIR / "regions.yaml").read_text(encoding="utf-8"))


def test_the_dataset_is_complete_and_its_sums_add_up(generated):
    _, nat, csv, rows = generated
    assert rows == TINY.rows
    con = duckdb.connect()
    table = con.execute("SELECT * FROM read_csv(?, all_varchar = true)", [str(csv)]).df()
    assert len(table) == rows
    assert not table.duplicated(["indicator_id", "area_code", "period"]).any()
    assert set(table["area_code"]) == set(nat.areas)
    table["numerator"] = table["numerator"].astype(float)
    for region in [a for a in nat.areas.values() if a.level == "region"][:4]:
        children = [c for c, a in nat.areas.items() if a.parent_code == region.code]
        one = table[(table.indicator_id == "nat_y0001") & (table.period == "2025")]
        assert one[one.area_code.isin(children)]["numerator"].sum() == \
            one[one.area_code == region.code]["numerator"].iloc[0]


def test_the_dataset_passes_every_check_through_the_sql_path(generated, tmp_path):
    _, nat, csv, rows = generated
    db = tmp_path / "store.duckdb"
    actor = auth.maintainer("test:national")
    build_demo_store(db, nat, actor=actor, partial=True)
    report = import_file(csv, nat, db, actor=actor, max_bytes=csv.stat().st_size + 1)
    assert report.ok, report.problems[:3]
    assert report.checked_by == "sql" and report.rows == rows
    assert {"read_s", "scan_s", "validate_s", "write_s", "disclosure_s", "replace_s"} \
        <= set(report.phases)
    with StoreReader(db) as reader:
        stored = reader.query_df(
            "SELECT COUNT(*) AS n FROM observation WHERE indicator_id LIKE 'nat_%' "
            "AND NOT derived")["n"].iloc[0]
        derived_quarters = reader.query_df(
            "SELECT COUNT(*) AS n FROM observation WHERE indicator_id = 'nat_m001' "
            "AND derived AND period LIKE '%Q%'")["n"].iloc[0]
    assert stored == rows
    assert derived_quarters > 0  # months were summed into quarters


def test_a_partial_demo_build_needs_the_flag(generated, tmp_path):
    _, nat, _, _ = generated
    with pytest.raises(ValueError, match="no table for"):
        build_demo_store(tmp_path / "s.duckdb", nat, actor=auth.maintainer("test:national"))
