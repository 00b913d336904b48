"""A generated national-scale config and dataset for the benchmark (issue 10), offline.

The dashboard's config schema is not tied to Kanta-Häme: `regions.yaml` may list several counties
(`counties:`). The benchmark writes a national config of its own (`write_config`): the real
Kanta-Häme county (the home county, so goals, phenomena and Omatiimi keep working) plus generated
counties, regions and municipalities up to the national counts, and the real catalogue plus a
generated one of many yearly and monthly indicators. `write_dataset` then writes one canonical CSV
of every area × indicator × period with consistent counts (regions, counties and the country are
the sums of their municipalities), generated in DuckDB so that 11 million rows take seconds.

Everything is synthetic and deterministic: no real figures, no people.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from indicators.config import Config, load_config
from indicators.settings import DEFAULT_CONFIG_DIR
from indicators.yaml_safe import safe_load

HOME_COUNTY = "HV07"  # Kanta-Häme: the real county, kept as it is
NATIONAL_THEME = "national"
LAST_YEAR = 2025


@dataclass(frozen=True)
class Scale:
    """How big the generated country and dataset are (the defaults: the issue's national size,
    about 11 million rows)."""

    municipalities: int = 300
    regions: int = 78
    counties: int = 21
    yearly: int = 1000
    years: int = 25
    monthly: int = 20
    months: int = 120

    @property
    def areas(self) -> int:
        return self.municipalities + self.regions + self.counties + 1

    @property
    def rows(self) -> int:
        return self.areas * (self.yearly * self.years + self.monthly * self.months)


FULL = Scale()
QUICK = Scale(municipalities=60, regions=16, counties=5, yearly=60, years=10, monthly=4,
              months=36)


def _codes(prefix: str, width: int, count: int, taken: set[str]) -> list[str]:
    out = []
    number = 1
    while len(out) < count:
        code = f"{prefix}{number:0{width}d}"
        if len(code) != len(prefix) + width:
            raise ValueError(f"too many {prefix} codes asked for ({count})")
        if code not in taken:
            out.append(code)
        number += 1
    return out


def _split(total: int, parts: int) -> list[int]:
    """`total` spread over `parts` as evenly as possible (each at least 1)."""
    if parts < 1 or total < parts:
        raise ValueError(f"cannot spread {total} over {parts}")
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _population(code: str) -> tuple[int, int]:
    """A deterministic, skewed municipal population (about 700 to 200 000) and its 0–17 share."""
    number = int(code[2:])
    spread = ((number * 7919) % 1000) / 1000
    population = int(700 * (300 ** (spread ** 2)))
    return population, max(1, int(population * (0.14 + 0.08 * ((number * 31) % 10) / 10)))


def regions_document(scale: Scale, base: dict) -> dict:
    """regions.yaml for the generated country: the home county from `base` (the repo's
    regions.yaml, one-county form) and generated counties around it."""
    home = {**base["county"], "regions": base["regions"]}
    home_regions = len(base["regions"])
    home_municipalities = sum(len(r["municipalities"]) for r in base["regions"])
    taken = {home["code"], *(r["code"] for r in base["regions"]),
             *(m["code"] for r in base["regions"] for m in r["municipalities"])}
    other_counties = scale.counties - 1
    county_codes = _codes("HV", 2, other_counties, taken)
    region_codes = _codes("SK", 3, scale.regions - home_regions, taken)
    municipality_codes = _codes("KU", 3, scale.municipalities - home_municipalities, taken)
    regions_per_county = _split(len(region_codes), other_counties)
    municipalities_per_region = _split(len(municipality_codes), len(region_codes))
    counties = [home]
    next_region = next_municipality = 0
    for county_code, n_regions in zip(county_codes, regions_per_county, strict=True):
        number = county_code[2:]
        county: dict = {"code": county_code, "name_fi": f"Hyvinvointialue {number}",
                        "name_sv": f"Välfärdsområde {number}",
                        "name_en": f"Wellbeing services county {number}",
                        "short_fi": f"Alue {number}", "short_sv": f"Område {number}",
                        "regions": []}
        for region_code in region_codes[next_region:next_region + n_regions]:
            number = region_code[2:]
            region: dict = {"code": region_code, "name_fi": f"Seutukunta {number}",
                            "name_sv": f"Ekonomisk region {number}",
                            "short_fi": f"Seutu {number}", "short_sv": f"Region {number}",
                            "family_centre": f"Seudun {number} perhekeskus",
                            "municipalities": []}
            count = municipalities_per_region[next_region]
            for code in municipality_codes[next_municipality:next_municipality + count]:
                population, children = _population(code)
                region["municipalities"].append(
                    {"code": code, "name_fi": f"Kunta {code[2:]}",
                     "name_sv": f"Kommun {code[2:]}", "population": population,
                     "population_0_17": children})
            next_municipality += count
            next_region += 1
            county["regions"].append(region)
        counties.append(county)
    return {"country": base["country"], "home_county": home["code"], "counties": counties}


# unit, direction and (for the data) base level of each generated indicator, in turn
_KINDS = [("percent", "down_is_good", 0.08), ("percent", "up_is_good", 0.6),
          ("per_1000", "down_is_good", 0.03), ("percent", "neutral", 0.25),
          ("per_1000", "neutral", 0.12), ("count", "down_is_good", 0.004),
          ("percent", "down_is_good", 0.015), ("per_1000", "up_is_good", 0.05),
          ("percent", "up_is_good", 0.85), ("count", "neutral", 0.01)]


def _texts(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


def catalogue_document(scale: Scale) -> dict:
    """The generated indicator catalogue: `yearly` yearly indicators (proportions, rates and
    counts for every level) and `monthly` monthly counts summed to quarters and years."""
    indicators = []
    for i in range(scale.yearly):
        unit, direction, _ = _KINDS[i % len(_KINDS)]
        n = i + 1
        indicators.append({
            "id": f"nat_y{n:04d}",
            "name": _texts(f"Vuosi-indikaattori {n}", f"Årsindikator {n}", f"Yearly indicator {n}"),
            "definition": _texts(f"Keksitty vuosi-indikaattori {n} (suorituskykytesti).",
                                 f"Påhittad årsindikator {n} (prestandatest).",
                                 f"Made-up yearly indicator {n} (benchmark)."),
            "unit": unit, "direction": direction, "period_type": "year",
            "levels": ["municipality", "region", "county", "country"],
            "source": "Suorituskykytesti (keksitty)", "licence": "CC0 1.0",
            "decimals": 0 if unit == "count" else 1,
        })
    for i in range(scale.monthly):
        n = i + 1
        indicators.append({
            "id": f"nat_m{n:03d}",
            "name": _texts(f"Kuukausimäärä {n}", f"Månadsantal {n}", f"Monthly count {n}"),
            "definition": _texts(f"Keksitty kuukausimäärä {n} (suorituskykytesti).",
                                 f"Påhittat månadsantal {n} (prestandatest).",
                                 f"Made-up monthly count {n} (benchmark)."),
            "unit": "count", "direction": "neutral", "period_type": "month",
            "period_aggregation": "sum",
            "levels": ["municipality", "region", "county", "country"],
            "source": "Suorituskykytesti (keksitty)", "licence": "CC0 1.0", "decimals": 0,
        })
    return {"theme": NATIONAL_THEME,
            "name": _texts("Suorituskykytesti", "Prestandatest", "Benchmark"),
            "indicators": indicators}


def write_config(dest: Path, scale: Scale = FULL, base: Path = DEFAULT_CONFIG_DIR) -> Config:
    """Write the national config to `dest` (replacing it) and return it, validated."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "indicators").mkdir(parents=True)
    for name in ("goals.yaml", "phenomena.yaml", "omatiimi.yaml", "site.yaml"):
        if (base / name).is_file():
            shutil.copyfile(base / name, dest / name)
    for path in sorted((base / "indicators").glob("*.yaml")):
        shutil.copyfile(path, dest / "indicators" / path.name)
    with (base / "regions.yaml").open(encoding="utf-8") as handle:
        base_regions = safe_load(handle)
    header = "# Generated by indicators/national.py for the benchmark: synthetic, not real.\n"
    for name, document in (("regions.yaml", regions_document(scale, base_regions)),
                           (f"indicators/{NATIONAL_THEME}.yaml", catalogue_document(scale))):
        with (dest / name).open("w", encoding="utf-8") as handle:
            handle.write(header)
            yaml.safe_dump(document, handle, allow_unicode=True, sort_keys=False, width=100)
    return load_config(dest)


def write_dataset(path: Path, config: Config, scale: Scale = FULL) -> int:
    """Write the canonical CSV of every generated indicator for every area; returns its rows.

    Municipal counts are drawn (deterministically, from hashes) around each indicator's base
    level; regions, counties and the country are exact sums of their municipalities, and each
    value is computed from its own numerator and denominator, so the file passes every check.
    """
    areas = [(a.code, a.level, a.parent_code or "", a.population, a.population_0_17)
             for a in config.areas.values()]
    indicators = [(i.id, i.unit, i.scale, _KINDS[n % len(_KINDS)][2], i.period_type)
                  for n, i in enumerate(i for i in config.indicators.values()
                                        if NATIONAL_THEME in i.themes)]
    first_year = LAST_YEAR - scale.years + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE area (code VARCHAR, level VARCHAR, parent VARCHAR, "
                    "pop BIGINT, kids BIGINT)")
        con.executemany("INSERT INTO area VALUES (?, ?, ?, ?, ?)", areas)
        con.execute("CREATE TABLE ind (id VARCHAR, unit VARCHAR, scale DOUBLE, base DOUBLE, "
                    "ptype VARCHAR)")
        con.executemany("INSERT INTO ind VALUES (?, ?, ?, ?, ?)", indicators)
        con.execute("CREATE TABLE period AS "
                    "SELECT CAST(y AS VARCHAR) AS period, 'year' AS ptype, y - ? AS t "
                    "FROM range(?, ?) r(y) UNION ALL "
                    "SELECT strftime(make_date(?, 1, 1) + to_months(m), '%Y-%m'), 'month', m "
                    "FROM range(0, ?) r(m)",
                    [first_year, first_year, LAST_YEAR + 1,
                     LAST_YEAR - (scale.months + 11) // 12 + 1, scale.months])
        # municipal numerators: the base level, an area effect, a trend and binomial-like noise
        con.execute("""
            CREATE TABLE municipal AS
            WITH draws AS (
                SELECT i.id, i.unit, i.scale, a.code, a.parent, p.period,
                       CASE WHEN i.ptype = 'month' THEN greatest(1, a.pop // 12)
                            WHEN i.unit = 'percent' THEN a.kids ELSE a.pop END AS den,
                       i.base * (0.7 + 0.6 * (hash(i.id, a.code) % 1000) / 1000.0)
                              * (1 + 0.01 * p.t * (CAST(hash(i.id) % 5 AS INTEGER) - 2)) AS p,
                       (hash(i.id, a.code, p.period) % 1000003 + 1) / 1000004.0 AS u1,
                       (hash(a.code, p.period, i.id) % 1000003 + 1) / 1000004.0 AS u2
                FROM ind i JOIN period p ON p.ptype = i.ptype
                CROSS JOIN area a WHERE a.level = 'municipality')
            SELECT id, unit, scale, code, parent, period, den,
                   CAST(least(den, greatest(0, round(den * least(p, 0.99)
                        + sqrt(den * least(p, 0.99) * (1 - least(p, 0.99)))
                          * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)))) AS BIGINT) AS num
            FROM draws""")
        con.execute("""
            CREATE TABLE counts AS
            WITH region AS (
                SELECT m.id, m.unit, m.scale, m.parent AS code, a.parent, m.period,
                       sum(m.den) AS den, sum(m.num) AS num
                FROM municipal m JOIN area a ON a.code = m.parent
                GROUP BY ALL),
            county AS (
                SELECT r.id, r.unit, r.scale, r.parent AS code, a.parent, r.period,
                       sum(r.den) AS den, sum(r.num) AS num
                FROM region r JOIN area a ON a.code = r.parent
                GROUP BY ALL),
            country AS (
                SELECT id, unit, scale, parent AS code, '' AS parent, period,
                       sum(den) AS den, sum(num) AS num
                FROM county GROUP BY ALL)
            SELECT * FROM municipal UNION ALL SELECT * FROM region
            UNION ALL SELECT * FROM county UNION ALL SELECT * FROM country""")
        con.execute(f"""
            COPY (
                SELECT id AS indicator_id, code AS area_code, period, 'total' AS sex,
                       'total' AS grp, num AS numerator,
                       CASE WHEN unit = 'count' THEN NULL ELSE den END AS denominator,
                       CASE WHEN unit = 'count' THEN CAST(num AS DOUBLE)
                            ELSE CAST(num AS DOUBLE) / den * scale END AS value,
                       'final' AS status
                FROM counts ORDER BY indicator_id, area_code, period
            ) TO '{_sql_path(path)}' (HEADER, DELIMITER ',')""")  # noqa: S608 - own temp path
        return int(con.execute("SELECT COUNT(*) FROM counts").fetchone()[0])
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    """A file path as a SQL string literal's body (COPY takes no bound parameter)."""
    return str(path).replace("'", "''")
