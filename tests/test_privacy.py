"""Tests for indicators.privacy: primary rules, secondary suppression and the relations it uses.

The property tests check the result with methods independent of the implementation: relations
rebuilt from the generator's own hierarchy, exact rational elimination (instead of the
implementation's floating-point SVD) to find recoverable cells, and the min_n sum rule computed
directly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.privacy import sum_relations, suppress

COLUMNS = ["area_code", "period", "sex", "grp", "numerator", "denominator"]
NAN = math.nan

Row = tuple[str, str, str, str, float, float]
Key = tuple[str, str, str, str]


def frame(rows: Iterable[Sequence[object]]) -> pd.DataFrame:
    """Rows (area, period, sex, grp, numerator[, denominator]) as a cells frame."""
    full = [(*r, NAN) if len(r) == 5 else tuple(r) for r in rows]
    df = pd.DataFrame(full, columns=COLUMNS)
    return df.astype({"numerator": "float64", "denominator": "float64"})


def keys_of(cells: pd.DataFrame) -> list[Key]:
    return list(zip(*(cells[c] for c in COLUMNS[:4]), strict=True))


def hidden_keys(cells: pd.DataFrame, result: pd.DataFrame) -> set[Key]:
    return {k for k, h in zip(keys_of(cells), result["hidden"], strict=True) if h}


def reasons(cells: pd.DataFrame, result: pd.DataFrame) -> dict[Key, str]:
    return {
        k: r for k, r in zip(keys_of(cells), result["reason"], strict=True) if r is not None
    }


def determined_cells(
    relations: Sequence[tuple[int, Sequence[int]]], hidden: np.ndarray
) -> list[int]:
    """Hidden positions that the visible cells fix, by exact elimination (no tolerances).

    With the relations restricted to hidden cells as rows of A_H, cell i is fixed iff e_i lies in
    the row space of A_H, i.e. iff the reduced row echelon form of A_H holds the row e_i.
    """
    reduced: dict[int, dict[int, Fraction]] = {}  # pivot column -> row with 1 there, 0 at pivots
    for parent, children in relations:
        row = {c: Fraction(-1) for c in children if hidden[c]}
        if hidden[parent]:
            row[parent] = Fraction(1)
        for col in [c for c in row if c in reduced]:  # pivot rows hold no other pivot column
            factor = row[col]
            for c, v in reduced[col].items():
                row[c] = row.get(c, Fraction(0)) - factor * v
        row = {c: v for c, v in row.items() if v != 0}
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        for other in reduced.values():  # keep the form reduced
            factor = other.get(pivot)
            if factor:
                for c, v in row.items():
                    other[c] = other.get(c, Fraction(0)) - factor * v
                for c in [c for c, v in other.items() if v == 0]:
                    del other[c]
        reduced[pivot] = row
    return sorted(i for i, row in reduced.items() if row.keys() == {i})


def protected_quantities(kind: str, cells: pd.DataFrame) -> np.ndarray:
    num = cells["numerator"].to_numpy(dtype=float)
    den = cells["denominator"].to_numpy(dtype=float)
    if kind in ("count", "rate"):
        return num[:, None]
    if kind == "proportion":
        return np.column_stack([num, den - num])
    return den[:, None]


def small_sum_violations(
    relations: Sequence[tuple[int, Sequence[int]]],
    hidden: np.ndarray,
    q: np.ndarray,
    min_n: int,
) -> list[tuple[int, tuple[int, ...]]]:
    """Relations with a visible parent whose hidden children sum to 1..min_n-1 in some quantity."""
    out = []
    for parent, children in relations:
        kids = [c for c in children if hidden[c]]
        if hidden[parent] or not kids:
            continue
        sums = np.nansum(q[kids], axis=0)
        if any(0 < s < min_n for s in sums):
            out.append((parent, tuple(children)))
    return out


def lone_hidden(relations: Sequence[tuple[int, Sequence[int]]], hidden: np.ndarray) -> list[int]:
    """Relations with exactly one hidden cell (that cell is trivially recoverable)."""
    return [
        p for p, ch in relations if int(hidden[p]) + int(hidden[list(ch)].sum()) == 1
    ]


# --------------------------------------------------------------------------------------------------
# primary rules


def single(kind: str, num: float, den: float, min_n: int = 5) -> str | None:
    """Reason for one unrelated cell."""
    result = suppress(
        frame([("A", "2025", "total", "total", num, den)]),
        kind=kind,
        min_n=min_n,
        area_parent={},
        time_sum=False,
    )
    assert bool(result["hidden"].iloc[0]) == (result["reason"].iloc[0] is not None)
    return result["reason"].iloc[0]


@pytest.mark.parametrize(
    ("num", "expected"),
    [(0, None), (1, "small_count"), (4, "small_count"), (5, None), (120, None), (NAN, None)],
)
def test_primary_count(num: float, expected: str | None) -> None:
    assert single("count", num, NAN) == expected


def test_primary_count_respects_min_n() -> None:
    assert single("count", 4, NAN, min_n=3) is None
    assert single("count", 2, NAN, min_n=3) == "small_count"
    assert single("count", 9, NAN, min_n=10) == "small_count"


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (3, 5000, "small_count"),
        (0, 5000, None),
        (7, 5000, None),
        (0, 3, "small_denominator"),
        (2, 3, "small_denominator"),  # the small group is the more fundamental reason
        (0, 0, None),  # an empty population is a zero count
        (3, NAN, "small_count"),
        (NAN, 3, "small_denominator"),
        (NAN, NAN, None),
    ],
)
def test_primary_rate(num: float, den: float, expected: str | None) -> None:
    assert single("rate", num, den) == expected


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (2, 100, "small_count"),
        (98, 100, "small_complement"),
        (96, 100, "small_complement"),
        (95, 100, None),
        (100, 100, None),  # complement zero: not suppressed
        (0, 100, None),  # numerator zero: not suppressed
        (0, 3, "small_denominator"),
        (3, 3, "small_denominator"),
        (2, 4, "small_denominator"),
        (0, 0, None),
        (NAN, 100, None),  # numerator and complement unknown
        (NAN, 4, "small_denominator"),
        (2, NAN, "small_count"),
        (98, NAN, None),  # complement unknown without a denominator
    ],
)
def test_primary_proportion(num: float, den: float, expected: str | None) -> None:
    assert single("proportion", num, den) == expected


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (12.5, 4, "small_denominator"),
        (3.0, 1, "small_denominator"),
        (20.0, 5, None),
        (2.0, 50, None),  # a small score sum is not a count of people
        (0.0, 0, None),
        (NAN, 3, "small_denominator"),
        (40.0, NAN, None),
    ],
)
def test_primary_mean(num: float, den: float, expected: str | None) -> None:
    assert single("mean", num, den) == expected


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        single("median", 3, 10)


def test_duplicate_keys_are_rejected() -> None:
    cells = frame([("A", "2025", "total", "total", 9), ("A", "2025", "total", "total", 8)])
    with pytest.raises(ValueError, match="duplicate"):
        suppress(cells, kind="count", area_parent={}, time_sum=False)


def test_result_keeps_index_and_columns() -> None:
    cells = frame([("A", "2025", "total", "total", 2), ("B", "2025", "total", "total", 9)])
    cells.index = pd.Index([17, 4])
    result = suppress(cells, kind="count", area_parent={}, time_sum=False)
    assert list(result.columns) == ["hidden", "reason"]
    assert list(result.index) == [17, 4]
    assert result["hidden"].dtype == bool
    assert result.loc[17, "reason"] == "small_count"
    assert result.loc[4, "reason"] is None


def test_empty_table() -> None:
    result = suppress(frame([]), kind="count", area_parent={}, time_sum=True)
    assert result.empty
    assert list(result.columns) == ["hidden", "reason"]


# --------------------------------------------------------------------------------------------------
# secondary suppression on hand-made tables

AREAS = {"m1": "R", "m2": "R", "m3": "R", "m4": "R2", "m5": "R2", "R": "C", "R2": "C"}


def county(m1: int, m2: int, m3: int, m4: int = 30, m5: int = 40) -> pd.DataFrame:
    """County C = regions R (m1..m3) + R2 (m4, m5), plus the country as a reference."""
    values = {"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5}
    values["R"] = m1 + m2 + m3
    values["R2"] = m4 + m5
    values["C"] = values["R"] + values["R2"]
    values["SSS"] = 100_000
    return frame((a, "2025", "total", "total", v) for a, v in values.items())


def hidden_areas(kind: str = "count", **values: int) -> dict[str, str]:
    cells = county(**values)
    result = suppress(cells, kind=kind, area_parent=AREAS, time_sum=False)
    return {k[0]: r for k, r in reasons(cells, result).items()}


def test_one_small_municipality_hides_the_smallest_other() -> None:
    assert hidden_areas(m1=2, m2=6, m3=9) == {"m1": "small_count", "m2": "secondary"}
    assert hidden_areas(m1=2, m2=9, m3=6) == {"m1": "small_count", "m3": "secondary"}


def test_nothing_hidden_without_small_cells() -> None:
    assert hidden_areas(m1=5, m2=0, m3=9, m4=0, m5=0) == {}


def test_a_zero_cell_is_no_protection() -> None:
    # hiding m2 = 0 with m1 = 2 would disclose m1 + m2 = 2 through the region total
    assert hidden_areas(m1=2, m2=0, m3=9) == {"m1": "small_count", "m3": "secondary"}


def test_min_n_sum_rule_hides_a_third_cell() -> None:
    # m1 and m2 protect each other structurally, but R - m3 = 4 would disclose their small sum
    assert hidden_areas(m1=2, m2=2, m3=20) == {
        "m1": "small_count",
        "m2": "small_count",
        "m3": "secondary",
    }


def test_small_sums_cascade_to_the_next_level() -> None:
    # R itself is small, so it is hidden with its municipalities; C then needs R2 (or a child)
    found = hidden_areas(m1=1, m2=1, m3=1, m4=30, m5=40)
    assert found["R"] == "small_count"
    assert {"m1", "m2", "m3"} <= found.keys()
    assert "C" not in found
    assert found.keys() & {"R2", "m4", "m5"}


def test_two_small_municipalities_need_no_more() -> None:
    assert hidden_areas(m1=3, m2=4, m3=50) == {"m1": "small_count", "m2": "small_count"}


def grid(values: dict[tuple[str, str], int]) -> pd.DataFrame:
    """A region R with municipalities m1..m4 split into groups a..d, with every total present."""
    munis = sorted({m for m, _ in values})
    groups = sorted({g for _, g in values})
    rows = []
    for m in munis:
        rows += [(m, "2025", "total", g, values[(m, g)]) for g in groups]
        rows.append((m, "2025", "total", "total", sum(values[(m, g)] for g in groups)))
    for g in groups:
        rows.append(("R", "2025", "total", g, sum(values[(m, g)] for m in munis)))
    rows.append(("R", "2025", "total", "total", sum(values.values())))
    return frame(rows)


GRID_AREAS = {f"m{i}": "R" for i in range(1, 5)}


def test_bridge_between_two_cycles_is_protected() -> None:
    small = {
        ("m1", "a"), ("m1", "b"), ("m2", "a"), ("m2", "b"),  # one 2x2 cycle
        ("m3", "c"), ("m3", "d"), ("m4", "c"), ("m4", "d"),  # another
        ("m2", "c"),  # the bridge
    }
    values = {(m, g): 3 if (m, g) in small else 10 for m in GRID_AREAS for g in "abcd"}
    cells = grid(values)
    relations = sum_relations(cells, area_parent=GRID_AREAS, time_sum=False)
    keys = keys_of(cells)
    primary = np.array([(k[0], k[3]) in small for k in keys])

    # Every relation check passes on the primary pattern: no lone hidden cell, no small sum...
    assert lone_hidden(relations, primary) == []
    q = protected_quantities("count", cells)
    assert small_sum_violations(relations, primary, q, 5) == []
    # ...yet the bridge is recoverable (row m1 + row m2 - column a - column b).
    assert [keys[i] for i in determined_cells(relations, primary)] == [
        ("m2", "2025", "total", "c")
    ]

    result = suppress(cells, kind="count", area_parent=GRID_AREAS, time_sum=False)
    hidden = result["hidden"].to_numpy()
    assert (hidden >= primary).all()
    assert determined_cells(relations, hidden) == []
    secondary = [k for k, r in reasons(cells, result).items() if r == "secondary"]
    assert len(secondary) == 1  # any cell linking the two sides closes a cycle through the bridge
    assert secondary[0][0] != "R" and secondary[0][3] != "total"  # totals stay visible


def test_a_rectangle_protects_itself() -> None:
    small = {("m1", "a"), ("m1", "b"), ("m2", "a"), ("m2", "b")}
    values = {(m, g): 3 if (m, g) in small else 10 for m in GRID_AREAS for g in "abcd"}
    cells = grid(values)
    result = suppress(cells, kind="count", area_parent=GRID_AREAS, time_sum=False)
    assert set(reasons(cells, result).values()) == {"small_count"}
    assert len(hidden_keys(cells, result)) == 4


def test_groups_need_not_sum_to_total() -> None:
    values = {(m, g): 2 if (m, g) == ("m1", "a") else 10 for m in GRID_AREAS for g in "abcd"}
    cells = grid(values)

    def k(m: str, g: str) -> Key:
        return (m, "2025", "total", g)

    # with the groups summing to the municipality total, m1/a needs the classic rectangle
    with_groups = suppress(cells, kind="count", area_parent=GRID_AREAS, time_sum=False)
    assert reasons(cells, with_groups) == {
        k("m1", "a"): "small_count",
        k("m1", "b"): "secondary",
        k("m2", "a"): "secondary",
        k("m2", "b"): "secondary",
    }
    # without, only the area relation R/a = m1/a + ... + m4/a remains
    without = suppress(
        cells, kind="count", area_parent=GRID_AREAS, time_sum=False, groups_sum_to_total=False
    )
    assert reasons(cells, without) == {k("m1", "a"): "small_count", k("m2", "a"): "secondary"}


def test_sex_split_hides_the_other_sex_not_the_total() -> None:
    cells = frame(
        [
            ("A", "2025", "total", "total", 20),
            ("A", "2025", "male", "total", 3),
            ("A", "2025", "female", "total", 17),
        ]
    )
    result = suppress(cells, kind="count", area_parent={}, time_sum=False)
    assert reasons(cells, result) == {
        ("A", "2025", "male", "total"): "small_count",
        ("A", "2025", "female", "total"): "secondary",
    }


def test_proportion_complement_protected_through_sex_split() -> None:
    # female: 2 of 40 do not have the property; the male cell must go with it
    cells = frame(
        [
            ("A", "2025", "total", "total", 68, 90),
            ("A", "2025", "male", "total", 30, 50),
            ("A", "2025", "female", "total", 38, 40),
        ]
    )
    result = suppress(cells, kind="proportion", area_parent={}, time_sum=False)
    assert reasons(cells, result) == {
        ("A", "2025", "female", "total"): "small_complement",
        ("A", "2025", "male", "total"): "secondary",
    }


def months_table(values: dict[str, int], *, with_quarters: bool = True) -> pd.DataFrame:
    """One area's months, with the quarters and the year computed from them."""
    rows: list[tuple[str, str, str, str, float]] = []
    quarters: dict[str, int] = {}
    for month, v in values.items():
        rows.append(("A", month, "total", "total", v))
        quarter = f"{month[:4]}Q{(int(month[5:]) - 1) // 3 + 1}"
        quarters[quarter] = quarters.get(quarter, 0) + v
    if with_quarters:
        rows += [("A", q, "total", "total", v) for q, v in quarters.items()]
    rows.append(("A", "2025", "total", "total", sum(values.values())))
    return frame(rows)


MONTHS = {
    "2025-01": 7, "2025-02": 2, "2025-03": 6,
    "2025-04": 10, "2025-05": 11, "2025-06": 12,
}


def test_months_quarters_year() -> None:
    cells = months_table(MONTHS)
    result = suppress(cells, kind="count", area_parent={}, time_sum=True)
    assert reasons(cells, result) == {
        ("A", "2025-02", "total", "total"): "small_count",
        ("A", "2025-03", "total", "total"): "secondary",
    }


def test_months_only_primary_without_time_sums() -> None:
    cells = months_table(MONTHS)
    result = suppress(cells, kind="count", area_parent={}, time_sum=False)
    assert reasons(cells, result) == {("A", "2025-02", "total", "total"): "small_count"}


def test_small_quarter_hides_down_the_time_hierarchy() -> None:
    cells = months_table({**MONTHS, "2025-01": 1, "2025-02": 1, "2025-03": 1})
    result = suppress(cells, kind="count", area_parent={}, time_sum=True)
    found = reasons(cells, result)
    assert found[("A", "2025Q1", "total", "total")] == "small_count"
    assert ("A", "2025", "total", "total") not in found  # the year stays visible
    # Q2 goes with Q1, and then one of Q2's months so that Q2 cannot be summed up
    assert found[("A", "2025Q2", "total", "total")] == "secondary"
    assert found[("A", "2025-04", "total", "total")] == "secondary"
    relations = sum_relations(cells, area_parent={}, time_sum=True)
    assert determined_cells(relations, result["hidden"].to_numpy()) == []


def test_year_from_months_without_quarters() -> None:
    cells = months_table(MONTHS, with_quarters=False)
    result = suppress(cells, kind="count", area_parent={}, time_sum=True)
    assert reasons(cells, result) == {
        ("A", "2025-02", "total", "total"): "small_count",
        ("A", "2025-03", "total", "total"): "secondary",
    }


# --------------------------------------------------------------------------------------------------
# sum_relations


def relation_set(
    cells: pd.DataFrame, relations: list[tuple[int, tuple[int, ...]]]
) -> set[tuple[Key, frozenset[Key]]]:
    keys = keys_of(cells)
    return {(keys[p], frozenset(keys[c] for c in ch)) for p, ch in relations}


def test_sum_relations_areas_and_sexes() -> None:
    rows = [
        (a, "2025", s, "total", 10)
        for a in ("R", "m1", "m2")
        for s in ("total", "male", "female")
        if (a, s) != ("m2", "male")  # a missing row counts as a known zero
    ]
    rows += [("SSS", "2025", "total", "total", 900), ("R9", "2025", "male", "total", 3)]
    cells = frame(rows)
    mapping = {"m1": "R", "m2": "R", "m3": "R", "m9": "R9", "R": "C", "R9": "C"}
    relations = sum_relations(cells, area_parent=mapping, time_sum=True)

    def k(a: str, s: str) -> Key:
        return (a, "2025", s, "total")

    assert relation_set(cells, relations) == {
        (k("R", "total"), frozenset({k("m1", "total"), k("m2", "total")})),
        (k("R", "male"), frozenset({k("m1", "male")})),
        (k("R", "female"), frozenset({k("m1", "female"), k("m2", "female")})),
        (k("R", "total"), frozenset({k("R", "male"), k("R", "female")})),
        (k("m1", "total"), frozenset({k("m1", "male"), k("m1", "female")})),
        (k("m2", "total"), frozenset({k("m2", "female")})),
    }
    # positions: sorted by parent, children ascending
    assert relations == sorted(relations)
    assert all(list(ch) == sorted(ch) for _, ch in relations)


def test_sum_relations_groups() -> None:
    cells = frame(
        [
            ("A", "2025", "total", "total", 10),
            ("A", "2025", "total", "g1", 4),
            ("A", "2025", "total", "g2", 6),
            ("A", "2024", "total", "g1", 6),  # no total row in 2024
        ]
    )
    assert sum_relations(cells, area_parent={}, time_sum=True) == [(0, (1, 2))]
    no_sum = sum_relations(cells, area_parent={}, time_sum=True, groups_sum_to_total=False)
    assert no_sum == []


def test_sum_relations_time() -> None:
    periods = ["2025-01", "2025-02", "2025-04", "2025Q1", "2025Q2", "2025", "2025-T1", "2024"]
    cells = frame(("A", p, "total", "total", 5) for p in periods)
    relations = sum_relations(cells, area_parent={}, time_sum=True)

    def k(p: str) -> Key:
        return ("A", p, "total", "total")

    assert relation_set(cells, relations) == {
        (k("2025Q1"), frozenset({k("2025-01"), k("2025-02")})),
        (k("2025Q2"), frozenset({k("2025-04")})),
        (k("2025"), frozenset({k("2025Q1"), k("2025Q2")})),  # quarters, not months
    }
    assert sum_relations(cells, area_parent={}, time_sum=False) == []


def test_sum_relations_year_from_months_and_terms_never() -> None:
    periods = ["2025-01", "2025-02", "2025", "2024-T1", "2024-T2", "2024"]
    cells = frame(("A", p, "total", "total", 5) for p in periods)
    assert sum_relations(cells, area_parent={}, time_sum=True) == [(2, (0, 1))]


def test_sum_relations_combine_dimensions() -> None:
    rows = [
        (a, p, s, "total", 5)
        for a in ("R", "m1")
        for p in ("2025-01", "2025Q1")
        for s in ("total", "male")
    ]
    cells = frame(rows)
    relations = sum_relations(cells, area_parent={"m1": "R"}, time_sum=True)
    # 4 area + 4 sex + 4 time relations, each varying one key part
    assert len(relations) == 12
    keys = keys_of(cells)
    for parent, children in relations:
        for c in children:
            differing = [i for i in range(4) if keys[parent][i] != keys[c][i]]
            assert len(differing) == 1


# --------------------------------------------------------------------------------------------------
# property test: random consistent tables


def hierarchy_table(
    regions: list[int],
    split_sex: bool,
    quarters: list[int],
    groups: int,
    kind: str,
    leaf_values: list[tuple[int, int, int]],
) -> tuple[pd.DataFrame, dict[str, str], list[tuple[int, tuple[int, ...]]]]:
    """County -> regions -> municipalities, optionally x sexes x months -> quarters -> year x
    groups, with every aggregate summed exactly from the leaves.

    `regions` holds the number of municipalities per region, `quarters` the number of months per
    quarter (empty: the year only), `groups` the number of groups (0: no split). Returns the cells,
    the area mapping and the relations built from the generator's own hierarchy (independent of
    `sum_relations`).
    """
    area_parent: dict[str, str] = {}
    for r, n_munis in enumerate(regions):
        area_parent[f"R{r}"] = "C"
        for m in range(n_munis):
            area_parent[f"M{r}{m}"] = f"R{r}"
    months = [f"2025-{3 * q + i + 1:02d}" for q, n in enumerate(quarters) for i in range(n)]
    time_parent = {m: f"2025Q{(int(m[5:]) - 1) // 3 + 1}" for m in months}
    time_parent |= {q: "2025" for q in sorted(set(time_parent.values()))}
    sex_parent = {"male": "total", "female": "total"} if split_sex else {}
    grp_parent = {f"g{i}": "total" for i in range(groups)}
    parents = (area_parent, time_parent, sex_parent, grp_parent)
    tops = ("C", "2025", "total", "total")

    def ancestors(x: str, parent: dict[str, str]) -> list[str]:
        out = [x]
        while out[-1] in parent:
            out.append(parent[out[-1]])
        return out

    def leaves_of(dim: int) -> list[str]:
        below = set(parents[dim].values())
        return [x for x in parents[dim] if x not in below] or [tops[dim]]

    sums: dict[Key, np.ndarray] = {}
    leaves = itertools.product(*(leaves_of(d) for d in range(4)))
    for leaf, (a_val, b_val, c_val) in zip(leaves, leaf_values, strict=False):
        if kind == "proportion":
            figures = np.array([a_val, a_val + b_val], dtype=float)
        elif kind == "mean":
            figures = np.array([b_val * (1 + c_val % 5), b_val], dtype=float)  # score 1..5
        else:
            figures = np.array([a_val, NAN])
        lines = (ancestors(x, parent) for x, parent in zip(leaf, parents, strict=True))
        for key in itertools.product(*lines):
            sums[key] = sums.get(key, np.zeros(2)) + figures
    keys = sorted(sums)
    cells = frame((*k, *sums[k]) for k in keys)
    pos = {k: i for i, k in enumerate(keys)}

    relations = []
    for i, key in enumerate(keys):
        for dim, parent_map in enumerate(parents):
            child_keys = [
                (*key[:dim], x, *key[dim + 1 :]) for x, px in parent_map.items() if px == key[dim]
            ]
            children = [pos[k] for k in child_keys if k in pos]
            if children:
                relations.append((i, tuple(sorted(children))))
    return cells, area_parent, relations


def n_leaves(regions: list[int], split_sex: bool, quarters: list[int], groups: int) -> int:
    return sum(regions) * (2 if split_sex else 1) * max(1, sum(quarters)) * max(1, groups)


small_heavy = st.one_of(st.integers(0, 4), st.integers(0, 40))
KINDS = ["proportion", "count", "mean"]
MAX_LEAVES = 72  # keeps the rank test per hidden cell cheap


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, str], list, str, int]:
    """Random consistent tables over every hierarchy, with many small counts."""
    regions = draw(st.lists(st.integers(1, 4), min_size=2, max_size=3))
    split_sex = draw(st.booleans())
    quarters = draw(st.one_of(st.just([]), st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    base = n_leaves(regions, split_sex, quarters, 0)
    groups = draw(st.sampled_from([0, *(g for g in (2, 3) if base * g <= MAX_LEAVES)]))
    kind = draw(st.sampled_from(KINDS))
    min_n = draw(st.sampled_from([5, 5, 3, 10]))
    size = n_leaves(regions, split_sex, quarters, groups)
    leaf_values = draw(
        st.lists(
            st.tuples(small_heavy, small_heavy, st.integers(0, 4)), min_size=size, max_size=size
        )
    )
    cells, area_parent, relations = hierarchy_table(
        regions, split_sex, quarters, groups, kind, leaf_values
    )
    return cells, area_parent, relations, kind, min_n


@st.composite
def cycle_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, str], list, str, int]:
    """Municipalities x groups of one region whose small cells form two cycles, often joined by
    a bridge, plus a few random small cells: patterns the local checks alone cannot protect."""
    n_munis = draw(st.integers(4, 6))
    n_groups = draw(st.integers(4, 6))
    rows = draw(st.permutations(range(n_munis)))[:4]
    cols = draw(st.permutations(range(n_groups)))[:4]
    small = {(rows[i], cols[j]) for i in (0, 1) for j in (0, 1)}
    small |= {(rows[i], cols[j]) for i in (2, 3) for j in (2, 3)}
    if draw(st.booleans()):
        small.add((rows[draw(st.integers(0, 1))], cols[draw(st.integers(2, 3))]))
    cell_ids = st.tuples(st.integers(0, n_munis - 1), st.integers(0, n_groups - 1))
    small |= set(draw(st.lists(cell_ids, max_size=2)))
    kind = draw(st.sampled_from(KINDS))
    leaf_values = []
    for i in range(n_munis):
        for j in range(n_groups):
            if (i, j) in small:
                # count and proportion: a small numerator; mean: few respondents. 3..4 so that
                # two of them pass the min_n sum rule and the cycles survive the local checks.
                leaf_values.append((draw(st.integers(3, 4)), draw(st.integers(3, 4)), 2))
            else:
                leaf_values.append((draw(st.integers(5, 40)), draw(st.integers(5, 40)), 2))
    if kind == "proportion":  # the complement of a small cell stays large
        leaf_values = [(a, b if (a >= 5) else b + 10, c) for a, b, c in leaf_values]
    cells, area_parent, relations = hierarchy_table([n_munis], False, [], n_groups, kind,
                                                    leaf_values)
    return cells, area_parent, relations, kind, 5


def primary_mask(kind: str, cells: pd.DataFrame, min_n: int) -> np.ndarray:
    num = cells["numerator"].to_numpy(dtype=float)
    den = cells["denominator"].to_numpy(dtype=float)

    def small(x: np.ndarray) -> np.ndarray:
        return (x >= 1) & (x <= min_n - 1)

    if kind == "count":
        return small(num)
    if kind == "proportion":
        return small(num) | small(den - num) | small(den)
    return small(den)


def check_suppression(table: tuple) -> None:
    cells, area_parent, relations, kind, min_n = table
    assert relation_set(cells, sum_relations(cells, area_parent=area_parent, time_sum=True)) == (
        relation_set(cells, relations)
    )
    result = suppress(cells, kind=kind, min_n=min_n, area_parent=area_parent, time_sum=True)
    hidden = result["hidden"].to_numpy()
    primary = primary_mask(kind, cells, min_n)

    # (a) every primary cell is hidden, with a primary reason; secondary only for the others
    assert hidden[primary].all()
    assert (result["reason"][primary] != "secondary").all()
    assert (result["reason"][~primary & hidden] == "secondary").all()
    assert result["reason"][~hidden].isna().all()
    # (b) no hidden cell is recoverable from the visible cells
    assert determined_cells(relations, hidden) == []
    # (c) no small sum of hidden children under a visible parent
    q = protected_quantities(kind, cells)
    assert small_sum_violations(relations, hidden, q, min_n) == []
    # (d) deterministic, and independent of the row order
    shuffled = cells.iloc[::-1]
    again = suppress(shuffled, kind=kind, min_n=min_n, area_parent=area_parent, time_sum=True)
    assert again["hidden"].reindex(cells.index).tolist() == hidden.tolist()
    assert again["reason"].reindex(cells.index).tolist() == result["reason"].tolist()
    # (e) nothing is hidden without need
    if not primary.any():
        assert not hidden.any()


PROPERTY_SETTINGS = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(tables())
def test_suppression_properties(table: tuple) -> None:
    check_suppression(table)


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(cycle_tables())
def test_suppression_properties_on_cycles(table: tuple) -> None:
    check_suppression(table)


def top_totals_hidden(n_tables: int) -> dict[str, tuple[int, int]]:
    """Per level (county, region): how many totals of the year (sex total) are hidden though not
    small themselves, out of how many such cells, over seeded random count tables."""
    rng = np.random.default_rng(12345)
    counts = {"C": [0, 0], "R": [0, 0]}
    for _ in range(n_tables):
        regions = rng.integers(1, 5, size=rng.integers(2, 4)).tolist()
        split_sex = bool(rng.integers(0, 2))
        quarters = rng.integers(1, 4, size=rng.integers(0, 3)).tolist()
        size = n_leaves(regions, split_sex, quarters, 0)
        values = [
            (int(a), int(b), 0) for a, b in rng.choice([0, 1, 2, 3, 4, 8, 15, 30], size=(size, 2))
        ]
        cells, area_parent, _ = hierarchy_table(regions, split_sex, quarters, 0, "count", values)
        result = suppress(cells, kind="count", area_parent=area_parent, time_sum=True)
        totals = (cells["sex"].eq("total") & cells["period"].eq("2025")).to_numpy()
        totals = totals & ~primary_mask("count", cells, 5)
        for level, count in counts.items():
            eligible = totals & cells["area_code"].str.startswith(level).to_numpy()
            count[0] += int((eligible & result["hidden"].to_numpy()).sum())
            count[1] += int(eligible.sum())
    return {level: (hidden, eligible) for level, (hidden, eligible) in counts.items()}


def test_top_totals_stay_visible() -> None:
    found = top_totals_hidden(60)
    county_hidden, county_eligible = found["C"]
    assert county_eligible >= 50
    assert county_hidden == 0
    # a region goes only when a sibling region is small and the county must not give it away
    region_hidden, region_eligible = found["R"]
    assert region_eligible >= 100
    assert region_hidden <= 0.1 * region_eligible


# --------------------------------------------------------------------------------------------------
# a realistic size


def big_table(lam: float) -> tuple[pd.DataFrame, dict[str, str]]:
    """County, 2 regions, 12 municipalities x 4 years of months, quarters and years x 3 sexes."""
    rng = np.random.default_rng(7)
    regions = {"R1": [f"m{i:02d}" for i in range(6)], "R2": [f"m{i:02d}" for i in range(6, 12)]}
    area_parent = {m: r for r, ms in regions.items() for m in ms} | {"R1": "C", "R2": "C"}
    months = [f"{y}-{m:02d}" for y in range(2021, 2025) for m in range(1, 13)]
    sums: dict[tuple[str, str, str], int] = {}
    for m in area_parent:
        if not m.startswith("m"):
            continue
        for p in months:
            for s in ("male", "female"):
                v = int(rng.poisson(lam))
                quarter = f"{p[:4]}Q{(int(p[5:]) - 1) // 3 + 1}"
                for key in itertools.product(
                    (m, area_parent[m], "C"), (p, quarter, p[:4]), (s, "total")
                ):
                    sums[key] = sums.get(key, 0) + v
    cells = frame((a, p, s, "total", v) for (a, p, s), v in sorted(sums.items()))
    return cells, area_parent


@pytest.mark.parametrize("lam", [2.0, 6.0])
def test_big_table(lam: float) -> None:
    cells, area_parent = big_table(lam)
    assert len(cells) == 15 * 68 * 3
    result = suppress(cells, kind="count", area_parent=area_parent, time_sum=True)
    hidden = result["hidden"].to_numpy()
    primary = primary_mask("count", cells, 5)
    assert hidden[primary].all()
    assert (hidden & ~primary).any()
    relations = sum_relations(cells, area_parent=area_parent, time_sum=True)
    assert lone_hidden(relations, hidden) == []
    q = protected_quantities("count", cells)
    assert small_sum_violations(relations, hidden, q, 5) == []
    # the county and the regions stay visible for both sexes, every period
    top = cells["area_code"].isin(["C", "R1", "R2"]).to_numpy()
    assert not hidden[top & ~primary].any()


def test_consecutive_rolling_pools_do_not_reveal_a_hidden_year():
    """P(2020-2022) - P(2019-2021) = y2022 - y2019: with y2019 visible, the pools must give way."""
    years = {"2019": 40, "2020": 35, "2021": 38, "2022": 2, "2023": 41, "2024": 37}
    pools = {f"{y - 2}-{y}": sum(years[str(v)] for v in range(y - 2, y + 1))
             for y in range(2021, 2025)}
    cells = pd.DataFrame([("KU103", p, "total", "total", float(n), float("nan"))
                          for p, n in {**years, **pools}.items()],
                         columns=["area_code", "period", "sex", "grp", "numerator",
                                  "denominator"])
    flags = suppress(cells, kind="count", min_n=5, area_parent={}, time_sum=False)
    hidden = flags["hidden"].to_numpy()
    assert hidden[list(cells["period"]).index("2022")]
    relations = sum_relations(cells, area_parent={}, time_sum=False)
    assert len(relations) == 4  # one per pool
    matrix = np.zeros((len(relations), len(cells)))
    for row, (parent, children) in enumerate(relations):
        matrix[row, parent] = -1
        matrix[row, list(children)] = 1
    unknown = np.flatnonzero(hidden)
    sub = matrix[:, unknown]
    for j in range(len(unknown)):
        e = np.zeros(len(unknown))
        e[j] = 1
        assert np.linalg.matrix_rank(np.vstack([sub, e])) > np.linalg.matrix_rank(sub)


def test_pools_never_change_the_decisions_for_years_and_totals():
    """Adding rolling pools may hide pools, never a year or a total that was visible."""
    rows = []
    for area, counts in (("KU1", [40, 35, 38, 2, 41, 37]), ("KU2", [3, 50, 44, 47, 52, 49]),
                         ("KU3", [60, 58, 61, 59, 3, 64])):
        for year, n in zip(range(2019, 2025), counts, strict=True):
            rows.append((area, str(year), n))
    totals: dict[str, int] = {}
    for _area, year, n in rows:
        totals[year] = totals.get(year, 0) + n
    rows += [("R", year, n) for year, n in totals.items()]
    base = pd.DataFrame([(a, p, "total", "total", float(n), float("nan")) for a, p, n in rows],
                        columns=["area_code", "period", "sex", "grp", "numerator",
                                 "denominator"])
    parent = {"KU1": "R", "KU2": "R", "KU3": "R"}
    without = suppress(base, kind="count", area_parent=parent, time_sum=False)
    pool_rows = []
    for area in ("KU1", "KU2", "KU3", "R"):
        part = base[base["area_code"] == area].set_index("period")["numerator"]
        for last in range(2021, 2025):
            pool_rows.append((area, f"{last - 2}-{last}", "total", "total",
                              float(sum(part[str(y)] for y in range(last - 2, last + 1))),
                              float("nan")))
    with_pools = pd.concat([base, pd.DataFrame(pool_rows, columns=base.columns)],
                           ignore_index=True)
    flags = suppress(with_pools, kind="count", area_parent=parent, time_sum=False)
    assert flags["hidden"].iloc[:len(base)].tolist() == without["hidden"].tolist()
    assert flags["hidden"].iloc[len(base):].any()  # some pools had to give way
    relations = sum_relations(with_pools, area_parent=parent, time_sum=False)
    matrix = np.zeros((len(relations), len(with_pools)))
    for row, (p, children) in enumerate(relations):
        matrix[row, p] = -1
        matrix[row, list(children)] = 1
    unknown = np.flatnonzero(flags["hidden"].to_numpy())
    sub = matrix[:, unknown]
    for j in range(len(unknown)):
        e = np.zeros(len(unknown))
        e[j] = 1
        assert np.linalg.matrix_rank(np.vstack([sub, e])) > np.linalg.matrix_rank(sub)


def test_no_small_sum_of_hidden_siblings_is_fixed_by_the_visible_cells(config, reader):
    """On the fixture store, for every indicator: no set of hidden children of one sum (one
    region's lead-time classes, a quarter's months …) has a total the visible cells determine
    through any combination of sums and that total is 1..min_n-1 (in the count, its complement
    or the respondents). Independent of the suppressor: its own linear algebra. Regression: the
    county and the other regions once pinned three hidden classes of one region at 3."""
    from indicators.privacy import sum_relations

    checked = 0
    for ind in config.indicators.values():
        frame = reader.query_df(
            "SELECT o.area_code, o.period, o.sex, o.grp, o.numerator, o.denominator, d.hidden "
            "FROM observation o JOIN cell_disclosure d USING (indicator_id, area_code, period, "
            "sex, grp) WHERE o.indicator_id = ? ORDER BY 1, 2, 3, 4", [ind.id])
        hidden = frame["hidden"].to_numpy(dtype=bool)
        if not hidden.any():
            continue
        relations = sum_relations(frame, area_parent=config.sum_parent(),
                                  time_sum=ind.period_aggregation != "none",
                                  groups_sum_to_total=ind.groups_sum_to_total)
        unknown = {cell: j for j, cell in enumerate(np.flatnonzero(hidden))}
        rows = []
        for parent, children in relations:
            row = np.zeros(len(unknown))
            for cell, sign in [(parent, 1.0), *((c, -1.0) for c in children)]:
                if hidden[cell]:
                    row[unknown[cell]] = sign
            if row.any():
                rows.append(row)
        if not rows:
            continue
        _, s, vt = np.linalg.svd(np.array(rows), full_matrices=False)
        basis = vt[: int((s > s.max() * 1e-12).sum())]
        num = frame["numerator"].to_numpy(dtype=float)
        den = frame["denominator"].to_numpy(dtype=float)
        for _, children in relations:
            siblings = [c for c in children if hidden[c]]
            for size in range(1, len(siblings) + 1):
                for subset in itertools.combinations(siblings, size):
                    v = np.zeros(len(unknown))
                    v[[unknown[c] for c in subset]] = 1.0
                    if float(v @ v - (basis @ v) @ (basis @ v)) > 1e-8 * size:
                        continue  # not determined by the visible cells
                    checked += 1
                    count = np.nansum(num[list(subset)])
                    quantities = [count] if ind.kind == "count" else \
                        [np.nansum(den[list(subset)])] if ind.kind == "mean" else \
                        [count, np.nansum(den[list(subset)]) - count]
                    assert not any(0 < q < ind.min_n for q in quantities), (
                        ind.id, [tuple(frame.iloc[c, :4]) for c in subset], quantities)
    assert checked > 0


# --------------------------------------------------------------------------------------------------
# the relations built with array operations equal their definition, written as plain loops


def reference_relations(cells: pd.DataFrame, area_parent: dict[str, str], time_sum: bool,
                        groups_sum_to_total: bool) -> tuple[list[Key], list]:
    """The canonical keys and the relations in processing order, straight from the definition:
    for each parent cell, its children one key part apart; deepest parent first, then by parent
    and children."""
    keys = sorted(keys_of(cells))
    pos = {k: i for i, k in enumerate(keys)}
    levels = {p: level(p) for p in {k[1] for k in keys}}
    relations = []
    for i, (a, p, s, g) in enumerate(keys):
        found = [[pos[k] for c, parent in sorted(area_parent.items())
                  if parent == a and c != a and (k := (c, p, s, g)) in pos]]
        if s == "total":
            found.append([pos[k] for x in ("male", "female") if (k := (a, p, x, g)) in pos])
        if groups_sum_to_total and g == "total":
            found.append([j for j, k in enumerate(keys) if k[0] == a and k[1] == p
                          and k[2] == s and k[3] != "total"])
        if levels[p] == "pool":
            found.append([pos[k] for y in range(int(p[:4]), int(p[5:]) + 1)
                          if (k := (a, str(y), s, g)) in pos])
        if time_sum and levels[p] == "quarter":
            first = 3 * (int(p[-1]) - 1) + 1
            found.append([pos[k] for m in range(first, first + 3)
                          if (k := (a, f"{p[:4]}-{m:02d}", s, g)) in pos])
        if time_sum and levels[p] == "year":
            quarters = [pos[k] for q in range(1, 5) if (k := (a, f"{p}Q{q}", s, g)) in pos]
            found.append(quarters or [pos[k] for m in range(1, 13)
                                      if (k := (a, f"{p}-{m:02d}", s, g)) in pos])
        relations += [(i, tuple(sorted(children))) for children in found if children]
    depth_of_area = {"C": 0, "R1": 1, "R2": 1}
    time_depth = {"year": 0, "pool": 1, "quarter": 1, "term": 1, "month": 2}
    depth = [depth_of_area.get(a, 2) + (s != "total") + (g != "total") + time_depth[levels[p]]
             for a, p, s, g in keys]
    relations.sort(key=lambda r: (-depth[r[0]], r[0], r[1]))
    return keys, relations


def level(period: str) -> str:
    if len(period) == 4:
        return "year"
    if "Q" in period:
        return "quarter"
    if "T" in period:
        return "term"
    return "pool" if len(period) == 9 else "month"


RELATION_AREAS = {"m1": "R1", "m2": "R1", "m3": "R2", "m4": "R2", "R1": "C", "R2": "C"}
RELATION_PERIODS = ["2023", "2024", "2025", "2024Q4", "2025Q1", "2025Q2", "2024-12", "2025-01",
                "2025-02", "2025-04", "2025-T1", "2023-2025", "2024-2025"]


@st.composite
def grids(draw: st.DrawFn) -> list[Key]:
    """Keys of a table: some areas x periods x sexes x groups, a few dropped, shuffled."""
    parts = [draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
             for values in (["C", *RELATION_AREAS], RELATION_PERIODS, ["total", "male", "female"],
                            ["total", "g1", "g2"])]
    keys = list(itertools.product(*parts))
    dropped = draw(st.sets(st.integers(0, len(keys) - 1), max_size=len(keys) // 3))
    return draw(st.permutations([k for i, k in enumerate(keys) if i not in dropped]))


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(grids(), st.booleans(), st.booleans())
def test_relations_equal_their_definition(keys: list[Key], time_sum: bool,
                                          groups_sum_to_total: bool) -> None:
    from indicators.privacy import _prepare

    cells = frame((*k, 1) for k in keys)  # in drawn order: the result must not depend on it
    table = _prepare(cells, RELATION_AREAS, time_sum, groups_sum_to_total)
    canonical, relations = reference_relations(cells, RELATION_AREAS, time_sum, groups_sum_to_total)
    assert [keys[i] for i in table.original_pos] == canonical
    assert table.relations == relations
    # the flat copy the suppressor counts with holds the same relations
    assert [(int(p), tuple(table.children[table.offsets[r]:table.offsets[r + 1]].tolist()))
            for r, p in enumerate(table.parents)] == relations
    assert table.is_child.tolist() == [any(i in ch for _, ch in relations)
                                       for i in range(len(keys))]
