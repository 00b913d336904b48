"""Statistical disclosure control for the cells of one indicator: primary and secondary suppression.

Follows Statistics Finland practice. Primary suppression hides cells whose own figures are too small
(by the indicator's kind). Secondary suppression then hides further cells so that no hidden cell can
be recovered from the visible ones through the additive relations the pages show (areas, sexes,
groups and, for summable periods, months -> quarters -> year).

A hidden cell hides numerator, denominator and value together, so the recoverability check is
structural: the hidden cells are the unknowns of the linear system the relations form, and a hidden
cell is *determined* when its coordinate is fixed by that system (e_i lies in the row space of the
relation matrix restricted to hidden columns). Besides that, in every relation whose parent is
visible the sum over its hidden children is disclosed, so that sum of each protected quantity must
not be a small count either (the "min_n sum" rule).

Secondary cells are chosen greedily and deterministically: deepest cells first (municipality before
region before county, male/female before total, a group before 'total', month before quarter before
year), so that the regional and county totals users need stay visible wherever possible. Hiding a
cell never makes a hidden cell determined, so the loop terminates.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from indicators.periods import PeriodError, period_level

Kind = Literal["proportion", "rate", "count", "mean"]
Relation = tuple[int, tuple[int, ...]]

KEY = ("area_code", "period", "sex", "grp")
REQUIRED_COLUMNS = (*KEY, "numerator", "denominator")
TOTAL = "total"
SEX_SPLITS = ("male", "female")
REASONS = ("small_count", "small_complement", "small_denominator", "secondary", "linked")

# Squared distance of e_i from the row space below which a hidden cell counts as determined. The
# relation matrices hold only 0/±1, so genuine distances are far larger than this.
_DETERMINED_TOL = 1e-8
# Relative tolerance for "a certificate relation has a non-zero coefficient".
_COEF_TOL = 1e-9
# sums of hidden siblings are checked subset by subset; a relation with more hidden children than
# this is skipped (2^n subsets), which no table here comes near (at most 7 groups)
_MAX_SUBSET_CHILDREN = 12


@dataclass(frozen=True)
class _Table:
    """The cells in canonical (key-sorted) order, so results never depend on the row order."""

    original_pos: np.ndarray  # canonical index -> 0-based row position in the input
    size: int  # number of cells
    relations: list[Relation]  # canonical indices, in processing order
    depth: np.ndarray  # hierarchy depth summed over the four dimensions
    is_child: np.ndarray  # a child in at least one relation (so not a top total)
    # the relations flat, in the same order: parents, every child, and where each relation's
    # children start in `children` (one more entry than relations)
    parents: np.ndarray
    children: np.ndarray
    offsets: np.ndarray


# --------------------------------------------------------------------------------------------------
# relations


def _time_level(period: str) -> str | None:
    try:
        return period_level(period)
    except PeriodError:
        return None


def _area_depths(area_parent: Mapping[str, str]) -> dict[str, int]:
    """Steps from each area up to its top along `area_parent` (a cycle guard stops loops)."""
    depth: dict[str, int] = {}
    for start in area_parent:
        chain = [start]
        seen = {start}
        node = start
        while node in area_parent and area_parent[node] not in seen:
            node = area_parent[node]
            chain.append(node)
            seen.add(node)
        known = depth.get(chain[-1], 0)
        for steps, code in enumerate(reversed(chain)):
            depth.setdefault(code, known + steps)
    return depth


def _check_input(cells: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lack columns: {missing}")


def _quarter_of_month(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def _pool_years(pool: str) -> list[str]:
    return [str(y) for y in range(int(pool[:4]), int(pool[5:9]) + 1)]


class _Codes:
    """One key part as sorted codes: `codes` per cell, `values` the sorted distinct strings."""

    def __init__(self, column: pd.Series) -> None:
        codes, values = pd.factorize(column.astype(str).to_numpy(dtype=object), sort=True)
        self.codes = codes.astype(np.int64)
        self.values: list[str] = [str(v) for v in values]
        self.index = {v: i for i, v in enumerate(self.values)}

    def of(self, value: str | None) -> int:
        """The code of `value`, -1 when no cell has it."""
        return -1 if value is None else self.index.get(value, -1)

    def mapped(self, to: Callable[[str], str | None]) -> np.ndarray:
        """Per distinct value, the code of `to(value)` (-1: none, or no cell has it)."""
        return np.array([self.of(to(v)) for v in self.values], dtype=np.int64)


def _prepare(
    cells: pd.DataFrame,
    area_parent: Mapping[str, str],
    time_sum: bool,
    groups_sum_to_total: bool,
) -> _Table:
    """The cells in canonical order and their relations, built with array operations (a
    national indicator has tens of thousands of cells; a loop over them took most of the time).

    Every relation is found from its children: a child cell differs from its parent in one key
    part, so each (parent, kind of relation) pair gathers its children, and a relation exists
    exactly when the parent cell and at least one child cell do."""
    _check_input(cells)
    area, period, sex, grp = (_Codes(cells[c]) for c in KEY)
    # canonical order: the keys sorted as string tuples (codes are in string order)
    order = np.lexsort((grp.codes, sex.codes, period.codes, area.codes))
    a, p, s, g = (part.codes[order] for part in (area, period, sex, grp))
    n = len(order)
    if n > 1:
        same = ((a[1:] == a[:-1]) & (p[1:] == p[:-1]) & (s[1:] == s[:-1]) & (g[1:] == g[:-1]))
        if same.any():
            raise ValueError("cells have duplicate keys (area_code, period, sex, grp)")
    where = pd.MultiIndex.from_arrays([a, p, s, g])

    def locate(rows: np.ndarray, a_: np.ndarray, p_: np.ndarray, s_: np.ndarray,
               g_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, canonical index of the key (a_, p_, s_, g_)) where such a cell exists."""
        known = (a_ >= 0) & (p_ >= 0) & (s_ >= 0) & (g_ >= 0)
        rows, a_, p_, s_, g_ = rows[known], a_[known], p_[known], s_[known], g_[known]
        if rows.size == 0:
            return rows, rows
        found = where.get_indexer(pd.MultiIndex.from_arrays([a_, p_, s_, g_]))
        hit = found >= 0
        return rows[hit], found[hit].astype(np.int64)

    everyone = np.arange(n, dtype=np.int64)
    levels = [_time_level(v) for v in period.values]
    level_of = np.array(levels, dtype=object)[p]
    pairs: list[tuple[np.ndarray, np.ndarray, int]] = []  # (parents, children, kind)

    def relate(kind: int, children: np.ndarray, a_=None, p_=None, s_=None, g_=None) -> None:
        rows, parents = locate(children, a[children] if a_ is None else a_,
                               p[children] if p_ is None else p_,
                               s[children] if s_ is None else s_,
                               g[children] if g_ is None else g_)
        pairs.append((parents, rows, kind))

    # 0: areas (a child area names its parent), 1: sexes, 2: groups, 3: pools, 4: time
    parent_area = area.mapped(lambda v: area_parent.get(v) if area_parent.get(v) != v else None)
    relate(0, everyone, a_=parent_area[a])
    splits = np.isin(s, [code for x in SEX_SPLITS if (code := sex.of(x)) >= 0])
    relate(1, everyone[splits], s_=np.full(int(splits.sum()), sex.of(TOTAL)))
    if groups_sum_to_total:
        in_group = g != grp.of(TOTAL)
        relate(2, everyone[in_group], g_=np.full(int(in_group.sum()), grp.of(TOTAL)))
    # a rolling pool is the sum of its years, always: pool cells gather their years
    pool_cells = everyone[level_of == "pool"]
    if pool_cells.size:
        years = {code: [y for y in (period.of(v) for v in _pool_years(period.values[code]))
                        if y >= 0] for code in np.unique(p[pool_cells]).tolist()}
        counts = np.array([len(years[code]) for code in p[pool_cells].tolist()], dtype=np.int64)
        parent_rows = np.repeat(pool_cells, counts)
        year_codes = np.array([y for code in p[pool_cells].tolist() for y in years[code]],
                              dtype=np.int64)
        rows, found = locate(parent_rows, a[parent_rows], year_codes, s[parent_rows],
                             g[parent_rows])
        pairs.append((rows, found, 3))
    if time_sum:
        months = everyone[level_of == "month"]
        quarters = everyone[level_of == "quarter"]
        quarter_of = period.mapped(lambda v: _quarter_of_month(v)
                                   if _time_level(v) == "month" else None)
        year_of = period.mapped(lambda v: v[:4]
                                if _time_level(v) in ("month", "quarter") else None)
        relate(4, months, p_=quarter_of[p[months]])
        relate(4, quarters, p_=year_of[p[quarters]])
        # a year is the sum of its quarters, or of its months where it has no quarter
        with_quarters = pairs[-1][0]
        rows, parents = locate(months, a[months], year_of[p[months]], s[months], g[months])
        free = ~np.isin(parents, with_quarters)
        pairs.append((parents[free], rows[free], 4))

    parents = np.concatenate([x[0] for x in pairs]) if pairs else np.zeros(0, np.int64)
    children = np.concatenate([x[1] for x in pairs]) if pairs else np.zeros(0, np.int64)
    kinds = np.concatenate([np.full(len(x[0]), x[2], np.int64) for x in pairs]) \
        if pairs else np.zeros(0, np.int64)

    area_depth = _area_depths(area_parent)
    time_depth = {"year": 0, "pool": 1, "quarter": 1, "term": 1, "month": 2, None: 0}
    depth = (np.array([area_depth.get(v, 0) for v in area.values], dtype=np.int64)[a]
             + (s != sex.of(TOTAL)) + (g != grp.of(TOTAL))
             + np.array([time_depth[lv] for lv in levels], dtype=np.int64)[p])

    # each (parent, kind) is one relation with its children ascending
    by = np.lexsort((children, kinds, parents))
    parents, children, kinds = parents[by], children[by], kinds[by]
    new = np.ones(len(parents), dtype=bool)
    new[1:] = (parents[1:] != parents[:-1]) | (kinds[1:] != kinds[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(parents))
    rel_parent = parents[starts]
    # deepest relations first, so that local fixes happen before those near the top totals;
    # relations of one parent never share a child, so the first child breaks the tie
    rank = np.lexsort((children[starts], rel_parent, -depth[rel_parent]))
    position = np.empty_like(rank)
    position[rank] = np.arange(len(rank))
    flat = children[np.lexsort((children, position[np.cumsum(new) - 1]))]
    offsets = np.concatenate([[0], np.cumsum((ends - starts)[rank])]).astype(np.int64)
    rel_parent = rel_parent[rank]
    flat_list = flat.tolist()
    bounds = offsets.tolist()
    relations = [(parent, tuple(flat_list[bounds[i]:bounds[i + 1]]))
                 for i, parent in enumerate(rel_parent.tolist())]
    is_child = np.zeros(n, dtype=bool)
    is_child[flat] = True
    return _Table(order.astype(np.int64), n, relations, depth, is_child, rel_parent, flat,
                  offsets)


def _months_of_quarter(quarter: str) -> list[str]:
    year, q = quarter[:4], int(quarter[-1])
    return [f"{year}-{3 * (q - 1) + n:02d}" for n in (1, 2, 3)]


def sum_relations(
    cells: pd.DataFrame,
    *,
    area_parent: Mapping[str, str],
    time_sum: bool,
    groups_sum_to_total: bool = True,
) -> list[tuple[int, tuple[int, ...]]]:
    """The additive relations between cells as (parent_position, child_positions) using 0-based
    row positions in `cells`: parent = sum(children).

    Every relation varies one key part and fixes the other three. A relation uses the children
    present (a missing child row counts as a known zero) and exists only when the parent row and at
    least one child row exist. Sorted by parent position; child positions ascend.
    """
    table = _prepare(cells, area_parent, time_sum, groups_sum_to_total)
    orig = table.original_pos
    out = [
        (int(orig[p]), tuple(sorted(int(orig[c]) for c in children)))
        for p, children in table.relations
    ]
    return sorted(out)


# --------------------------------------------------------------------------------------------------
# primary suppression


def _small(x: np.ndarray, min_n: int) -> np.ndarray:
    """1..min_n-1 (any positive value below min_n); NaN and zero are never small."""
    with np.errstate(invalid="ignore"):
        return (x > 0) & (x < min_n)


def _protected(kind: Kind, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """The counts a cell must not disclose, one column each (NaN where unknown)."""
    if kind in ("count", "rate"):
        return num[:, None]
    if kind == "proportion":
        return np.column_stack([num, den - num])
    if kind == "mean":
        return den[:, None]
    raise ValueError(f"unknown kind: {kind!r}")


def _primary(kind: Kind, num: np.ndarray, den: np.ndarray, min_n: int) -> np.ndarray:
    """Primary reason per cell (None where the cell may be shown).

    A small denominator (the whole group is small) takes precedence over a small numerator, which
    takes precedence over a small complement. A zero denominator is a zero count, not suppressed.
    """
    reason = np.full(len(num), None, dtype=object)
    rules: list[tuple[str, np.ndarray]] = []
    if kind in ("rate", "proportion", "mean"):
        rules.append(("small_denominator", _small(den, min_n)))
    if kind in ("count", "rate", "proportion"):
        rules.append(("small_count", _small(num, min_n)))
    if kind == "proportion":
        rules.append(("small_complement", _small(den - num, min_n)))
    if kind not in ("count", "rate", "proportion", "mean"):
        raise ValueError(f"unknown kind: {kind!r}")
    for name, hit in reversed(rules):  # the first listed rule wins
        reason[hit] = name
    return reason


# --------------------------------------------------------------------------------------------------
# secondary suppression


@dataclass(frozen=True)
class _Determined:
    """A hidden cell the visible cells fix, with the proof: coefficients y over relations such
    that the combination of the relations' equations leaves this cell alone (y^T A_H = e_cell)."""

    cell: int
    coef: dict[int, float]  # relation index -> coefficient (non-zero ones only)
    component_relations: list[int]


class _Suppressor:
    """Greedy secondary suppression over one table (canonical indices throughout)."""

    def __init__(self, table: _Table, q: np.ndarray, min_n: int, hidden: np.ndarray,
                 may_hide: np.ndarray | None = None) -> None:
        self.t = table
        # cells secondary suppression may hide (all, unless a caller restricts it)
        self.may_hide = (np.ones(table.size, dtype=bool) if may_hide is None
                         else may_hide.astype(bool))
        self.stuck = False  # a violation found no cell it may hide
        self.q = np.nan_to_num(q, nan=0.0)  # unknown quantities add nothing to a disclosed sum
        self.size = self.q.sum(axis=1)
        self.min_n = min_n
        self.hidden = hidden.copy()
        self.secondary: list[int] = []
        # the relations of each cell, ascending, and each relation's number of hidden cells
        counts = np.diff(table.offsets)
        relation_ids = np.arange(len(counts), dtype=np.int64)
        members = np.concatenate([table.parents, table.children])
        of = np.concatenate([relation_ids, np.repeat(relation_ids, counts)])
        by = np.lexsort((of, members))
        # cell c's relations are _rels_listed[_rels_bounds[c]:_rels_bounds[c + 1]] (`_rels_of`):
        # sliced when asked, since only the cells that get hidden are ever asked about
        self._rels_bounds: list[int] = np.searchsorted(
            members[by], np.arange(table.size + 1)).tolist()
        self._rels_listed: list[int] = of[by].tolist()
        self.n_hidden = hidden[table.parents].astype(np.int64)
        if len(counts):
            self.n_hidden += np.add.reduceat(hidden[table.children].astype(np.int64),
                                             table.offsets[:-1])
        self.unfixable: set[int] = set()
        self._find_components(members, of)

    # ---- choosing a cell ---------------------------------------------------------------------

    def _child_order(self, c: int, column: int | None) -> tuple[float, ...]:
        """Non-zero first (a hidden zero adds no cover and could be pinned at 0), then deepest,
        then smallest protected count, then key order."""
        size = self.size[c] if column is None else self.q[c, column]
        return (float(size <= 0), -float(self.t.depth[c]), float(size), float(c))

    def _parent_order(self, c: int) -> tuple[float, ...]:
        return (float(not self.t.is_child[c]), *self._child_order(c, None))

    def _choose(self, relations: list[int], column: int | None = None) -> int | None:
        """A visible cell of `relations` to hide: a child if any qualifies, else a parent.

        With `column` (the min_n sum rule), only children non-zero in that quantity qualify, since
        hiding a zero child does not change the disclosed sum.
        """
        children: set[int] = set()
        parents: set[int] = set()
        for r in relations:
            parent, kids = self.t.relations[r]
            for c in kids:
                if (not self.hidden[c] and self.may_hide[c]
                        and (column is None or self.q[c, column] > 0)):
                    children.add(c)
            if not self.hidden[parent] and self.may_hide[parent]:
                parents.add(parent)
        if children:
            return min(children, key=lambda c: self._child_order(c, column))
        if parents:
            return min(parents, key=self._parent_order)
        return None

    def _hide(self, c: int, queue: list[int], queued: set[int]) -> None:
        self.hidden[c] = True
        self.secondary.append(c)
        for r in self._rels_of(c):
            self.n_hidden[r] += 1
            if r not in queued:
                queued.add(r)
                heapq.heappush(queue, r)
        self._join(c)

    # ---- local rules: a lone hidden cell in a relation, and the min_n sum rule ---------------

    def _local_violation(self, r: int) -> tuple[bool, int | None]:
        """(violated, quantity column): column None means a lone hidden cell, which the relation
        alone determines; a column means that quantity's hidden sum under a visible parent is
        small."""
        parent, children = self.t.relations[r]
        if self.n_hidden[r] == 1:
            return True, None
        if self.hidden[parent] or self.n_hidden[r] == 0:
            return False, None
        hidden_children = [c for c in children if self.hidden[c]]
        sums = self.q[hidden_children].sum(axis=0)
        for column, total in enumerate(sums):
            if 0 < total < self.min_n:
                return True, column
        return False, None

    def _run_local(self, queue: list[int], queued: set[int]) -> None:
        """Fix local violations, always the first relation in processing order that has one."""
        while queue:
            r = heapq.heappop(queue)
            queued.discard(r)
            violated, column = self._local_violation(r)
            if not violated:
                continue
            cell = self._choose([r], column)
            if cell is None:  # nothing it may hide (a restricted pass): the caller falls back
                self.stuck = True
                continue
            self._hide(cell, queue, queued)  # re-queues r: one more cell may not be enough

    # ---- the linear check ---------------------------------------------------------------------

    def _rels_of(self, c: int) -> list[int]:
        """The relations cell `c` belongs to, ascending."""
        return self._rels_listed[self._rels_bounds[c]:self._rels_bounds[c + 1]]

    def _find_components(self, members: np.ndarray, of: np.ndarray) -> None:
        """The components of the hidden cells: hidden cells linked by shared relations, with the
        relations touching them. A component's findings (`_determined`, `_component_small_sums`)
        depend on nothing else, so they are kept per component until it changes.

        Hiding a cell only ever joins components (`_join`): they are kept in a union-find forest
        over cells (nodes 0..size-1) and relations (size + r), found here at the start as
        connected components in array operations. The main loop asks for the findings after
        every hidden cell; finding every component afresh each time, or decomposing the ones
        that did not change, made this the slowest part of a national import."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        size = self.t.size
        nodes = size + len(self.t.parents)
        linked = self.hidden[members]
        graph = coo_matrix((np.ones(int(linked.sum()), dtype=np.int8),
                            (members[linked], size + of[linked])), shape=(nodes, nodes))
        _, label = connected_components(graph, directed=False)
        first = np.full(int(label.max()) + 1 if nodes else 0, nodes, dtype=np.int64)
        np.minimum.at(first, label, np.arange(nodes, dtype=np.int64))
        self._up: list[int] = first[label].tolist()  # each node's parent; a root is its own
        self._cells: dict[int, list[int]] = {}  # a component's hidden cells, by its root
        self._relations: dict[int, list[int]] = {}  # and the relations touching them
        hidden_cells = np.flatnonzero(self.hidden)
        for cell, root in zip(hidden_cells.tolist(), first[label[hidden_cells]].tolist(),
                              strict=True):
            self._cells.setdefault(root, []).append(cell)
            self._relations.setdefault(root, [])
        touched = np.flatnonzero(self.n_hidden > 0)
        for r, root in zip(touched.tolist(), first[label[size + touched]].tolist(), strict=True):
            self._relations[root].append(r)
        # roots whose findings are not known yet, and the non-empty findings by root
        self._unchecked = set(self._cells)
        self._unsummed = set(self._cells)
        self._hits: dict[int, tuple[int, list[_Determined]]] = {}
        self._sums: dict[int, tuple[int, list[_Determined]]] = {}
        self._svd: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _find(self, node: int) -> int:
        up = self._up
        root = node
        while up[root] != root:
            root = up[root]
        while up[node] != root:  # path compression
            up[node], node = root, up[node]
        return root

    def _join(self, c: int) -> None:
        """Cell `c` was just hidden: join it and the components of its relations."""
        size = self.t.size
        root = self._find(c)  # a visible cell is a component of its own, without cells
        self._cells[root] = [c]
        self._relations[root] = []
        for r in self._rels_of(c):
            other = self._find(size + r)
            if other == root:
                continue
            if other not in self._cells:  # a relation no hidden cell touched until now
                self._up[other] = root
                self._relations[root].append(r)
                continue
            if len(self._cells[other]) > len(self._cells[root]):
                root, other = other, root
            self._up[other] = root
            self._cells[root] += self._cells.pop(other)
            self._relations[root] += self._relations.pop(other)
            for found in (self._unchecked, self._unsummed):
                found.discard(other)
            self._hits.pop(other, None)
            self._sums.pop(other, None)
            self._svd.pop(other, None)
        self._cells[root].sort()
        self._relations[root].sort()
        self._unchecked.add(root)
        self._unsummed.add(root)
        self._hits.pop(root, None)
        self._sums.pop(root, None)
        self._svd.pop(root, None)

    def _matrix(self, cells: list[int], relations: list[int]) -> np.ndarray:
        col = {c: j for j, c in enumerate(cells)}
        a = np.zeros((len(relations), len(cells)))
        for i, r in enumerate(relations):
            parent, children = self.t.relations[r]
            if parent in col:
                a[i, col[parent]] = 1.0
            for c in children:
                if c in col:
                    a[i, col[c]] = -1.0
        return a

    def _decomposition(self, root: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The SVD of a component's relations over its hidden cells, to its rank: u, s and the
        row space (vt). Kept until the component changes: the checks for single cells and for
        small sums decompose the same matrix, and in large monthly tables this is the cost."""
        found = self._svd.get(root)
        if found is None:
            a = self._matrix(self._cells[root], self._relations[root])
            u, s, vt = np.linalg.svd(a, full_matrices=False)
            tol = (s.max() if s.size else 0.0) * max(a.shape) * np.finfo(float).eps
            rank = int((s > tol).sum())
            found = self._svd[root] = (u[:, :rank], s[:rank], vt[:rank])
        return found

    def _determined(self, root: int) -> list[_Determined]:
        """Hidden cells of one component whose value the visible cells fix, with certificates,
        in the order of its cells."""
        cells, relations = self._cells[root], self._relations[root]
        if not relations:
            return []
        if len(relations) == 1 and len(cells) > 1:
            # one equation over several unknowns (each cell of a component is in one of its
            # relations): it fixes only their signed sum, never one cell
            return []
        u, s, row_space = self._decomposition(root)
        # squared distance of e_i from the row space = 1 - ||projection of e_i||^2
        distance = 1.0 - np.einsum("ij,ij->j", row_space, row_space)
        columns = np.flatnonzero(distance < _DETERMINED_TOL)
        # least-norm y with A^T y = e_i, for every determined i at once: y = pinv(A)^T e_i
        certificates = u @ (row_space[:, columns] / s[:, None])
        found = []
        for j, column in enumerate(columns):
            y = certificates[:, j]
            scale = max(float(np.abs(y).max()), 1.0)
            coef = {
                r: float(c) for r, c in zip(relations, y, strict=True) if abs(c) > _COEF_TOL * scale
            }
            found.append(_Determined(cells[column], coef, relations))
        return found

    def _small_sums(self) -> list[_Determined]:
        """Sums of hidden siblings (2 or more children of one relation) that the visible cells
        fix although no single cell is fixed, and that are 1..min_n-1 in a protected quantity:
        e.g. three hidden classes of one region pinned down by the county and the other regions.
        Returned as `_Determined` whose `cell` is one member and whose certificate isolates the
        sum, so the caller hides a cell of a relation the proof uses. Components in the order of
        their first cell."""
        for root in self._unsummed:
            cells, relations = self._cells[root], self._relations[root]
            if len(cells) < 2 or not relations:
                continue
            found = self._component_small_sums(root)
            if found:
                self._sums[root] = (cells[0], found)
        self._unsummed.clear()
        return [hit for _, found in sorted(self._sums.values(), key=lambda f: f[0])
                for hit in found]

    def _component_small_sums(self, root: int) -> list[_Determined]:
        cells, relations = self._cells[root], self._relations[root]
        # the candidate sums first (cheap): most components have none, and need no decomposition
        candidates: list[tuple[int, ...]] = []
        seen: set[tuple[int, ...]] = set()
        for r in relations:
            hidden_children = [c for c in self.t.relations[r][1] if self.hidden[c]]
            if len(hidden_children) > _MAX_SUBSET_CHILDREN:
                continue
            quantities = dict(zip(hidden_children, self.q[hidden_children].tolist(),
                                  strict=True))
            for size in range(2, len(hidden_children) + 1):
                for subset in itertools.combinations(hidden_children, size):
                    if subset in seen:
                        continue
                    seen.add(subset)
                    rows = [quantities[c] for c in subset]
                    if any(0 < sum(column) < self.min_n
                           for column in zip(*rows, strict=True)):
                        candidates.append(subset)
        if not candidates:
            return []
        col = {c: j for j, c in enumerate(cells)}
        u, s, row_space = self._decomposition(root)
        found: list[_Determined] = []
        for subset in candidates:
            v = np.zeros(len(cells))
            v[[col[c] for c in subset]] = 1.0
            projection = row_space @ v
            if float(v @ v - projection @ projection) > _DETERMINED_TOL * len(subset):
                continue
            y = u @ (projection / s)
            scale = max(float(np.abs(y).max()), 1.0)
            coef = {rel: float(c) for rel, c in zip(relations, y, strict=True)
                    if abs(c) > _COEF_TOL * scale}
            found.append(_Determined(subset[0], coef, relations))
        return found

    def _all_determined(self) -> list[_Determined]:
        """Every hidden cell the visible cells fix (but those hiding cannot help), components
        in the order of their first cell."""
        for root in self._unchecked:
            found = self._determined(root)
            if found:
                self._hits[root] = (self._cells[root][0], found)
        self._unchecked.clear()
        return [hit for _, found in sorted(self._hits.values(), key=lambda f: f[0])
                for hit in found if hit.cell not in self.unfixable]

    def _still_certified(self, hit: _Determined, added: list[int]) -> bool:
        """Whether the certificate still isolates `hit.cell` after hiding `added`.

        Hiding c adds its column to the system; the old combination y still yields e_i exactly when
        y is orthogonal to that column. Otherwise the cell may have become free (or not): it is
        left for the next full check.
        """
        for c in added:
            total = 0.0
            for r in self._rels_of(c):
                if r in hit.coef:
                    total += hit.coef[r] * (1.0 if self.t.relations[r][0] == c else -1.0)
            if abs(total) > _COEF_TOL:
                return False
        return True

    # ---- main loop ----------------------------------------------------------------------------

    def run(self) -> None:
        queue = list(range(len(self.t.relations)))  # already a heap
        queued = set(queue)
        while True:
            self._run_local(queue, queued)
            pending = self._all_determined()
            if not pending:
                pending = self._small_sums()
                if not pending:
                    return
                hit = pending[0]  # one at a time: a hidden cell changes every other proof
                choice = self._choose(sorted(hit.coef)) or self._choose(hit.component_relations)
                if choice is None:  # cannot be helped by hiding more
                    return
                self._hide(choice, queue, queued)
                continue
            # One full check yields every determined cell; fix them in key order as long as their
            # certificates show they are still determined, to save repeating the decomposition.
            start = len(self.secondary)
            for hit in pending:
                if not self._still_certified(hit, self.secondary[start:]):
                    continue
                choice = self._choose(sorted(hit.coef))
                if choice is None:
                    choice = self._choose(hit.component_relations)
                if choice is None:  # determined by the structure alone: hiding cannot help
                    self.unfixable.add(hit.cell)
                    continue
                self._hide(choice, queue, queued)
                self._run_local(queue, queued)


def suppress(
    cells: pd.DataFrame,
    *,
    kind: Kind,
    min_n: int = 5,
    area_parent: Mapping[str, str],
    time_sum: bool,
    groups_sum_to_total: bool = True,
    force_hidden: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return a DataFrame with the same index as `cells` and columns `hidden` (bool) and `reason`
    (str or None): 'small_count' | 'small_complement' | 'small_denominator' | 'secondary' |
    'linked'.

    `force_hidden` (bool per row of `cells`) hides cells whose figures another indicator shares
    and hides ('linked'); secondary suppression then protects them like primary cells.

    `cells` holds every cell of one indicator (columns area_code, period, sex, grp, numerator,
    denominator). Primary rules by `kind`: count and rate protect the numerator, proportion the
    numerator and its complement, mean the number of respondents (denominator); rate, proportion
    and mean also hide a denominator in 1..min_n-1. Secondary suppression then follows the
    relations of `sum_relations` (see the module docstring). Deterministic and independent of the
    row order.
    """
    _check_input(cells)
    periods = cells["period"].astype(str)
    pool_periods = [p for p in periods.unique() if _time_level(p) == "pool"]
    pools = periods.isin(pool_periods).to_numpy(dtype=bool)
    num = cells["numerator"].to_numpy(dtype="float64", na_value=np.nan)
    den = cells["denominator"].to_numpy(dtype="float64", na_value=np.nan)
    reason = _primary(kind, num, den, min_n)
    forced = (np.zeros(len(cells), dtype=bool) if force_hidden is None
              else np.asarray(force_hidden, dtype=bool))
    if not forced.any() and all(r is None for r in reason):
        # nothing to protect, so nothing to hide: secondary suppression would add no cell
        if cells.duplicated(subset=list(KEY)).any():
            raise ValueError("cells have duplicate keys (area_code, period, sex, grp)")
        return pd.DataFrame({"hidden": np.zeros(len(cells), dtype=bool),
                             "reason": pd.Series([None] * len(cells), index=cells.index,
                                                 dtype=object)}, index=cells.index)
    if pools.any():
        return _suppress_with_pools(cells, pools, kind=kind, min_n=min_n,
                                    area_parent=area_parent, time_sum=time_sum,
                                    groups_sum_to_total=groups_sum_to_total,
                                    force_hidden=force_hidden)
    table = _prepare(cells, area_parent, time_sum, groups_sum_to_total)
    pos = table.original_pos
    num, den, reason, forced = num[pos], den[pos], reason[pos], forced[pos]
    reason[forced & (reason == None)] = "linked"  # noqa: E711 - element-wise on objects
    hidden = reason != None  # noqa: E711

    suppressor = _Suppressor(table, _protected(kind, num, den), min_n, hidden)
    suppressor.run()
    reason[suppressor.secondary] = "secondary"

    out_hidden = np.zeros(len(cells), dtype=bool)
    out_reason = np.full(len(cells), None, dtype=object)
    out_hidden[table.original_pos] = suppressor.hidden
    out_reason[table.original_pos] = reason
    # object dtype keeps None (pandas would otherwise infer its str dtype and turn None into NaN)
    return pd.DataFrame(
        {"hidden": out_hidden, "reason": pd.Series(out_reason, index=cells.index, dtype=object)},
        index=cells.index,
    )


def _suppress_with_pools(cells: pd.DataFrame, pools: np.ndarray, *, kind: Kind, min_n: int,
                         area_parent: Mapping[str, str], time_sum: bool,
                         groups_sum_to_total: bool,
                         force_hidden: np.ndarray | None) -> pd.DataFrame:
    """Rolling pools must never cost the single periods or the totals: decide the other cells
    first, exactly as without pools, then add the pools and let only pool cells be hidden.
    Hiding every pool always gives back the first decision, which is safe, so that is the
    fallback when the restricted pass cannot settle."""
    forced = (np.zeros(len(cells), dtype=bool) if force_hidden is None
              else np.asarray(force_hidden, dtype=bool))
    first = suppress(cells[~pools], kind=kind, min_n=min_n, area_parent=area_parent,
                     time_sum=time_sum, groups_sum_to_total=groups_sum_to_total,
                     force_hidden=forced[~pools])
    hidden_first = np.zeros(len(cells), dtype=bool)
    hidden_first[~pools] = first["hidden"].to_numpy()
    reason_first = np.full(len(cells), None, dtype=object)
    reason_first[~pools] = first["reason"].to_numpy()

    table = _prepare(cells, area_parent, time_sum, groups_sum_to_total)
    pos = table.original_pos
    num = cells["numerator"].to_numpy(dtype="float64", na_value=np.nan)[pos]
    den = cells["denominator"].to_numpy(dtype="float64", na_value=np.nan)[pos]
    primary = _primary(kind, num, den, min_n)
    start_hidden = hidden_first[pos] | (forced[pos] & pools[pos]) | np.array(
        [r is not None for r in primary], dtype=bool) & pools[pos]
    suppressor = _Suppressor(table, _protected(kind, num, den), min_n, start_hidden,
                             may_hide=pools[pos])
    suppressor.run()
    hidden = suppressor.hidden
    if suppressor.stuck or suppressor.unfixable:
        hidden = start_hidden | pools[pos]
    reason = reason_first[pos].copy()
    pool_primary = pools[pos] & np.array([r is not None for r in primary], dtype=bool)
    reason[pool_primary] = primary[pool_primary]
    reason[pools[pos] & forced[pos] & (reason == None)] = "linked"  # noqa: E711
    reason[hidden & (reason == None)] = "secondary"  # noqa: E711

    out_hidden = np.zeros(len(cells), dtype=bool)
    out_reason = np.full(len(cells), None, dtype=object)
    out_hidden[pos] = hidden
    out_reason[pos] = reason
    return pd.DataFrame(
        {"hidden": out_hidden, "reason": pd.Series(out_reason, index=cells.index, dtype=object)},
        index=cells.index,
    )
