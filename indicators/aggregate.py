"""Materialise the aggregates the project computes: sex and group totals, regions and the county
from municipalities, quarters and years from months.

Aggregates come only from numerators and denominators (never from rounded values), only where every
child is present with the figures needed, and never overwrite a figure a source gave.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from indicators.config import Config, Indicator
from indicators.periods import (
    months_of_quarter,
    period_level,
    pool,
    pool_years,
    quarter_of_month,
)

KEY = ["area_code", "period", "sex", "grp"]
COLUMNS = [*KEY, "numerator", "denominator", "value", "status", "import_id", "derived"]
# a cell of one of several indicators rolled up together
MANY_KEY = ["indicator_id", *KEY]


def compute_value(indicator: Indicator, numerator: pd.Series, denominator: pd.Series,
                  scale: pd.Series | None = None) -> pd.Series:
    """Value on the unit's own scale from numerator and denominator (count: the numerator).
    `scale`, per row, is the scale of each row's indicator when rows of several indicators of
    `indicator`'s kind are computed together."""
    if indicator.kind == "count":
        return numerator.astype("float64")
    den = denominator.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (numerator.astype("float64") / den.where(den > 0)
               * (indicator.scale if scale is None else scale))
    return out


def _sums(rows: pd.DataFrame, by: list[str], **extra: tuple[str, str]) -> pd.DataFrame:
    """Per group of `by`: the numerator and denominator sums (NaN when any child lacks one: a
    sum of some children is no sum), the row count `_rows`, and whether any child is preliminary.
    Vectorised (no Python per group): a national import rolls up millions of cells."""
    data = rows.assign(_num_na=rows["numerator"].isna(), _den_na=rows["denominator"].isna(),
                       _prelim=rows["status"] == "preliminary")
    agg = data.groupby(by, sort=False, dropna=False).agg(
        numerator=("numerator", "sum"), num_na=("_num_na", "sum"),
        den_sum=("denominator", "sum"), den_na=("_den_na", "sum"),
        _rows=("numerator", "size"), preliminary=("_prelim", "max"), **extra,
    ).reset_index()
    agg["numerator"] = agg["numerator"].where(agg["num_na"] == 0)
    agg["den_sum"] = agg["den_sum"].where(agg["den_na"] == 0)
    agg["preliminary"] = agg["preliminary"].astype(bool)
    return agg


def _mapped(column: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """`column.map(mapping)` for a column holding few distinct values in many rows: each
    distinct value is mapped once (pandas maps string arrays value by value)."""
    codes, uniques = pd.factorize(column)
    mapped = pd.Series(uniques).map(mapping).to_numpy(dtype=object)
    return pd.Series(pd.array(mapped[codes], dtype=column.dtype), index=column.index)


def _rows_in(keys: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Whether each row of `keys` is also a row of `rows` (same columns), compared as one
    integer per row: the key parts' codes in a mixed radix. Building pandas MultiIndexes of
    millions of string keys for `isin` was most of a national import's roll-ups."""
    left = np.zeros(len(keys), dtype=np.int64)
    right = np.zeros(len(rows), dtype=np.int64)
    radix = 1
    for column in keys.columns:
        codes, uniques = pd.factorize(pd.concat([keys[column], rows[column]],
                                                ignore_index=True), use_na_sentinel=False)
        radix *= max(len(uniques), 1)
        if radix >= 2**62:  # too many distinct keys for one integer: compare them as tuples
            return pd.MultiIndex.from_frame(keys).isin(pd.MultiIndex.from_frame(rows))
        left = left * len(uniques) + codes[:len(keys)]
        right = right * len(uniques) + codes[len(keys):]
    return np.isin(left, right)


def _roll_up(
    df: pd.DataFrame,
    column: str,
    parent_of: dict[str, str],
    children_of: dict[str, set[str]],
    *,
    denominator_mode: str,
    import_id: int,
) -> pd.DataFrame:
    """Rows for missing parents along one dimension, where all children are complete."""
    sub = df[df[column].isin(parent_of.keys())]
    if sub.empty:
        return df.iloc[0:0]
    sub = sub.assign(_parent=_mapped(sub[column], parent_of))
    # a parent the rows already hold is never overwritten: skip its children before summing (a
    # national file gives every region and county, and the sums were most of storing it)
    sub = sub[~_rows_in(sub[MANY_KEY].assign(**{column: sub["_parent"]}), df[MANY_KEY])]
    if sub.empty:
        return df.iloc[0:0]
    others = [k for k in MANY_KEY if k != column]
    agg = _sums(sub, [*others, "_parent"], n_children=(column, "nunique"))
    agg["den_mean"] = agg["den_sum"] / agg["_rows"]
    expected = agg["_parent"].map({p: len(c) for p, c in children_of.items()})
    complete = (agg["n_children"] == expected) & agg["numerator"].notna()
    if denominator_mode == "sum":
        agg["denominator"] = agg["den_sum"]
        complete &= agg["denominator"].notna()
    elif denominator_mode == "mean":
        agg["denominator"] = agg["den_mean"]
        complete &= agg["denominator"].notna()
    else:  # counts: a denominator is optional and summed when every child has one
        agg["denominator"] = agg["den_sum"]
    agg = agg[complete].rename(columns={"_parent": column})
    return pd.DataFrame(
        {
            **{k: agg[k] for k in MANY_KEY},
            "numerator": agg["numerator"].astype("float64"),
            "denominator": agg["denominator"].astype("float64"),
            "value": np.nan,  # computed below from numerator and denominator
            "status": np.where(agg["preliminary"], "preliminary", "final"),
            "import_id": import_id,
            "derived": True,
        }
    )


def _pools(df: pd.DataFrame, years: int, denominator_mode: str,
           import_id: int) -> pd.DataFrame:
    """Rolling pools of `years` whole years (numerators and denominators summed), only where
    every year of the pool is present."""
    yearly = df[df["period"].map(lambda p: period_level(p) == "year")]
    found = sorted({int(p) for p in yearly["period"]})
    children = {pool(last, years): set(pool_years(pool(last, years)))
                for last in found if last - years + 1 >= found[0]} if found else {}
    frame = _roll_up_all(yearly, children, denominator_mode, import_id)
    return frame[~_rows_in(frame[MANY_KEY], df[MANY_KEY])]


def _roll_up_all(rows: pd.DataFrame, children: dict[str, set[str]], denominator_mode: str,
                 import_id: int) -> pd.DataFrame:
    """Sum years into pools: each pool needs all of its years."""
    # group every (area, sex, grp, pool) over the years that belong to the pool
    expanded = []
    for pool_period, years in children.items():
        part = rows[rows["period"].isin(years)].assign(_pool=pool_period)
        expanded.append(part)
    if not expanded:
        return rows.iloc[0:0].assign(derived=True)
    data = pd.concat(expanded, ignore_index=True)
    data = data.assign(period=data["_pool"]).drop(columns=["_pool"])
    agg = _sums(data, MANY_KEY)
    agg = agg.rename(columns={"den_sum": "denominator", "_rows": "n"})
    need = agg["period"].map({p: len(c) for p, c in children.items()})
    complete = (agg["n"] == need) & agg["numerator"].notna()
    if denominator_mode != "none":
        complete &= agg["denominator"].notna()
    agg = agg[complete]
    return pd.DataFrame({
        **{k: agg[k] for k in MANY_KEY},
        "numerator": agg["numerator"].astype("float64"),
        "denominator": agg["denominator"].astype("float64"),
        "value": np.nan,
        "status": np.where(agg["preliminary"], "preliminary", "final"),
        "import_id": import_id,
        "derived": True,
    })


def _children_of(parent_of: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for child, parent in parent_of.items():
        out.setdefault(parent, set()).add(child)
    return out


def materialise(
    base: pd.DataFrame, indicator: Indicator, config: Config, *, import_id: int
) -> pd.DataFrame:
    """All cells of one indicator: the given rows plus every computable aggregate.

    `base` holds the source rows (KEY, numerator, denominator, value, status, import_id). Returns
    the same columns plus `derived`; derived values are computed from numerators/denominators.
    """
    cells = materialise_many(base.assign(indicator_id=indicator.id), [indicator], config,
                             import_id=import_id)
    return cells.drop(columns=["indicator_id"])


def _shape(indicator: Indicator) -> tuple[object, ...]:
    """What decides how an indicator's cells are summed: indicators alike are summed together."""
    return (indicator.kind == "count", tuple(indicator.sexes),
            tuple(g.code for g in indicator.groups), indicator.groups_sum_to_total,
            indicator.period_aggregation, indicator.first_period or "",
            indicator.rolling_pool_years)


def materialise_many(
    base: pd.DataFrame, indicators: Sequence[Indicator], config: Config, *, import_id: int
) -> pd.DataFrame:
    """`materialise` for several indicators at once: `base` and the result have `indicator_id`.

    Indicators summed alike are rolled up in the same group-bys (a national import stores a
    thousand indicators, and a group-by per indicator and level took most of its time)."""
    alike: dict[tuple[object, ...], list[Indicator]] = {}
    for indicator in indicators:
        alike.setdefault(_shape(indicator), []).append(indicator)
    parts = []
    for members in alike.values():
        rows = base[base["indicator_id"].isin([m.id for m in members])]
        parts.append(_materialise_alike(rows, members, config, import_id=import_id))
    if not parts:
        return base.iloc[0:0].assign(derived=False)[["indicator_id", *COLUMNS]]
    return pd.concat(parts, ignore_index=True)


def _materialise_alike(
    base: pd.DataFrame, members: list[Indicator], config: Config, *, import_id: int
) -> pd.DataFrame:
    indicator = members[0]  # all members are summed alike (`_shape`)
    df = base.copy()
    df["derived"] = False
    df = df[["indicator_id", *COLUMNS]]
    denominator_mode = "none" if indicator.kind == "count" else "sum"

    def add(rows: pd.DataFrame) -> None:
        nonlocal df
        if not rows.empty:
            df = pd.concat([df, rows[["indicator_id", *COLUMNS]]], ignore_index=True)

    splits = [s for s in indicator.sexes if s != "total"]
    if splits:
        add(_roll_up(df, "sex", {s: "total" for s in splits}, {"total": set(splits)},
                     denominator_mode=denominator_mode, import_id=import_id))
    groups = [g.code for g in indicator.groups]
    if groups and indicator.groups_sum_to_total:
        add(_roll_up(df, "grp", {g: "total" for g in groups}, {"total": set(groups)},
                     denominator_mode=denominator_mode, import_id=import_id))

    # municipalities -> regions -> county (the country is a reference, never a sum). Every
    # ancestor is summed from the municipalities first, so a region row a source gave without
    # counts does not stop the county; then from regions where only they exist (Omatiimi).
    sum_parent = config.sum_parent()
    municipalities = [c for c in sum_parent if config.areas[c].level == "municipality"]
    for ancestor_level in ("region", "county"):
        parent_of = {}
        for code in municipalities:
            ancestor = sum_parent.get(code)
            while ancestor is not None and config.areas[ancestor].level != ancestor_level:
                ancestor = sum_parent.get(ancestor)
            if ancestor is not None:
                parent_of[code] = ancestor
        add(_roll_up(df, "area_code", parent_of, _children_of(parent_of),
                     denominator_mode=denominator_mode, import_id=import_id))
    regions_up = {c: p for c, p in sum_parent.items() if config.areas[c].level == "region"}
    add(_roll_up(df, "area_code", regions_up, _children_of(regions_up),
                 denominator_mode=denominator_mode, import_id=import_id))

    if indicator.period_aggregation != "none":
        time_den = "mean" if indicator.period_aggregation == "sum_numerator" else denominator_mode
        # months before `first_period` did not exist (structural zeros), so they are not awaited
        start = indicator.first_period or ""
        months = sorted({p for p in df["period"].unique()
                         if period_level(p) == "month" and p >= start})
        q_of = {m: quarter_of_month(m) for m in months}
        months_of = {q: {m for m in months_of_quarter(q) if m >= start} for q in q_of.values()}
        add(_roll_up(df, "period", q_of, months_of, denominator_mode=time_den,
                     import_id=import_id))
        first_quarter = quarter_of_month(start) if start else ""
        quarters = sorted({p for p in df["period"].unique() if period_level(p) == "quarter"})
        y_of = {q: q[:4] for q in quarters}
        quarters_of = {y: {q for q in (f"{y}Q{i}" for i in range(1, 5)) if q >= first_quarter}
                       for y in y_of.values()}
        add(_roll_up(df, "period", y_of, quarters_of,
                     denominator_mode=time_den, import_id=import_id))

    if indicator.rolling_pool_years:  # which pools exist depends on each member's years
        for member in members:
            add(_pools(df[df["indicator_id"] == member.id], indicator.rolling_pool_years,
                       denominator_mode, import_id))

    derived = df["derived"].astype(bool)
    scale = df.loc[derived, "indicator_id"].map({m.id: m.scale for m in members}).astype(float)
    df.loc[derived, "value"] = compute_value(
        indicator, df.loc[derived, "numerator"], df.loc[derived, "denominator"], scale
    )
    df["derived"] = derived
    return df.reset_index(drop=True)
