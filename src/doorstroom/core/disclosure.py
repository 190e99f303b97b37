"""Statistical disclosure control for tables of counts of people.

A published count of 1 to 9 people in a municipality can identify a client. This module
decides which cells of a count table to hide:

- **Primary suppression**: counts from 1 to ``threshold - 1`` (default 10: 1..9) are
  hidden. Zeros are shown, unless ``suppress_zeros``. Totals (margins) follow the same rule.
- **Secondary suppression**: a hidden cell must not be derivable from what is published.
  The table's additive structure is given as :class:`Relation` s (``total = sum(parts)``):
  a 1-D table with its total, a 2-D table with row and column margins and a grand total,
  a region total above its municipality rows, or any mix. The classic rule is applied
  first: every relation that contains a hidden cell contains at least two; the extra cells
  are the smallest non-zero counts (least information lost), preferring a cell that repairs
  more than one relation. Then an exact audit checks every hidden cell; where the published
  figures still pin a hidden cell to one value, another cell is hidden and the rule applied
  again, until nothing changes.

The audit assumes a reader who knows the rules: a cell marked ``<10`` lies in 1..9 (0..9
when zeros are hidden too), a cell marked ``•`` is at least the threshold (secondary cells
are non-zero counts; when no other cell is left a zero may be used, then only ``>= 0`` is
assumed). A hidden cell counts as protected when the published totals, the shown cells and
those bounds allow more than one value for it (checked exactly: the feasible set of the
hidden cells is a polytope; the cell varies iff some feasible direction at the true table
moves it; one linear programme finds the bounds that are pinned, the null space of the
remaining equalities does the rest).

Derived figures (a share, a rate per 10,000, a median over a group) are hidden when a count
they are computed from is hidden: :meth:`Suppression.derived`.

Example::

    grid = [[12, 3, 15], [40, 25, 65], [52, 28, 80]]  # last row and column are totals
    result = suppress_grid(grid, row_sums={2: [0, 1]}, column_sums={2: [0, 1]})
    result.status[(0, 1)]  # CellStatus.PRIMARY
    result.mark((0, 1))    # "<10"
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped]

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)

SECONDARY_MARK = "•"
_EPS = 1e-9


class CellStatus(StrEnum):
    SHOWN = "shown"
    PRIMARY = "primary"  # a small count (1..threshold-1, or 0 with suppress_zeros)
    SECONDARY = "secondary"  # hidden so that a small count cannot be derived from totals
    DERIVED = "derived"  # a share or rate computed from a hidden count

    @property
    def hidden(self) -> bool:
        return self is not CellStatus.SHOWN


@dataclass(frozen=True, slots=True)
class Policy:
    """Counts from 1 to ``threshold - 1`` are hidden; zeros too when ``suppress_zeros``."""

    threshold: int = 10
    suppress_zeros: bool = False

    def __post_init__(self) -> None:
        if self.threshold < 2:
            raise ValueError("threshold must be at least 2")
        if self.threshold == 2 and not self.suppress_zeros:
            # "<2" with zeros shown can only mean 1: the mark itself would disclose.
            raise ValueError("threshold 2 discloses nothing unless zeros are hidden too")

    def is_small(self, value: int) -> bool:
        return value < self.threshold and (value > 0 or self.suppress_zeros)

    @property
    def primary_mark(self) -> str:
        return f"<{self.threshold}"


@dataclass(frozen=True, slots=True)
class Relation(Generic[K]):
    """``total == sum(parts)``: a margin and the cells it adds up."""

    total: K
    parts: tuple[K, ...]


@dataclass(frozen=True)
class Suppression(Generic[K]):
    """The outcome: a status per cell. Cells not in the table have no status (KeyError)."""

    policy: Policy
    status: Mapping[K, CellStatus]
    # Small counts marked "•" instead of "<10": in a table that is small throughout (say
    # 1 + 1 = 2 with threshold 3) "<3" alone would pin them down even with every cell hidden.
    plain_marks: frozenset[K] = field(default_factory=frozenset)
    # Cells that could not be protected even so (empty for any table that adds up; a
    # caller may choose to hide the whole table).
    unprotected: frozenset[K] = field(default_factory=frozenset)

    def is_hidden(self, key: K) -> bool:
        return self.status[key].hidden

    @property
    def hidden(self) -> frozenset[K]:
        return frozenset(k for k, s in self.status.items() if s.hidden)

    @property
    def any_hidden(self) -> bool:
        return any(s.hidden for s in self.status.values())

    def count(self, status: CellStatus) -> int:
        return sum(1 for s in self.status.values() if s is status)

    def mark(self, key: K) -> str | None:
        """What to print instead of the value: ``"<10"``, ``"•"``, or None when shown."""
        if key in self.plain_marks:
            return SECONDARY_MARK
        return mark_for(self.status[key], self.policy)

    def published(self, values: Mapping[K, int]) -> dict[K, int | None]:
        """The values as published: hidden cells become None."""
        return {k: (None if self.status[k].hidden else v) for k, v in values.items()}

    def derived(self, *keys: K) -> CellStatus:
        """Status of a figure computed from these cells (a share, rate or median):
        hidden (DERIVED) when any of them is hidden."""
        return derived_status(*(self.status[k] for k in keys))


def derived_status(*statuses: CellStatus) -> CellStatus:
    """A figure computed from cells with these statuses is hidden when any of them is."""
    return CellStatus.DERIVED if any(s.hidden for s in statuses) else CellStatus.SHOWN


def mark_for(status: CellStatus, policy: Policy) -> str | None:
    if status is CellStatus.SHOWN:
        return None
    if status is CellStatus.PRIMARY:
        return policy.primary_mark
    return SECONDARY_MARK


# ------------------------------------------------------------------------------ builders
def grid_relations(
    rows: Sequence[R],
    columns: Sequence[C],
    *,
    row_sums: Mapping[R, Sequence[R]] | None = None,
    column_sums: Mapping[C, Sequence[C]] | None = None,
) -> list[Relation[tuple[R, C]]]:
    """Relations of a grid whose cells are keyed ``(row, column)``.

    ``row_sums[t] = [a, b]``: in every column, row ``t`` is the sum of rows ``a`` and ``b``
    (a total row, or a region row above its municipality rows; nest freely).
    ``column_sums[t] = [x, y]``: in every row, column ``t`` is the sum of columns x and y.
    """
    relations: list[Relation[tuple[R, C]]] = []
    for total, parts in (row_sums or {}).items():
        for c in columns:
            relations.append(Relation((total, c), tuple((p, c) for p in parts)))
    for total_c, parts_c in (column_sums or {}).items():
        for r in rows:
            relations.append(Relation((r, total_c), tuple((r, p) for p in parts_c)))
    return relations


def suppress_grid(
    grid: Sequence[Sequence[int]],
    *,
    row_sums: Mapping[int, Sequence[int]] | None = None,
    column_sums: Mapping[int, Sequence[int]] | None = None,
    policy: Policy | None = None,
) -> Suppression[tuple[int, int]]:
    """Suppress a list-of-rows grid; cells are keyed ``(row index, column index)``.

    ``suppress_grid([[3], [12], [15]], row_sums={2: [0, 1]})`` is a 1-D table with total.
    """
    n_cols = {len(row) for row in grid}
    if len(n_cols) > 1:
        raise ValueError("every row of the grid must have the same length")
    rows = list(range(len(grid)))
    columns = list(range(n_cols.pop() if n_cols else 0))
    values = {(r, c): grid[r][c] for r in rows for c in columns}
    relations = grid_relations(rows, columns, row_sums=row_sums, column_sums=column_sums)
    return suppress(values, relations, policy)


# ------------------------------------------------------------------------------ algorithm
def suppress(
    values: Mapping[K, int],
    relations: Iterable[Relation[K]] = (),
    policy: Policy | None = None,
) -> Suppression[K]:
    """Decide which cells to hide. ``values``: every cell (counts, margins included);
    ``relations``: which cells add up to which margin. Raises ValueError for negative or
    non-integer counts and for relations that do not add up."""
    policy = policy or Policy()
    keys = list(values)
    index = {k: i for i, k in enumerate(keys)}
    vals = []
    for k in keys:
        v = values[k]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"cell {k!r}: counts must be non-negative integers, got {v!r}")
        vals.append(int(v))
    groups: list[tuple[int, tuple[int, ...]]] = []
    for rel in relations:
        missing = [k for k in (rel.total, *rel.parts) if k not in index]
        if missing:
            raise ValueError(f"relation refers to unknown cells {missing!r}")
        if rel.total in rel.parts or len(set(rel.parts)) != len(rel.parts):
            raise ValueError(f"relation for {rel.total!r} repeats a cell")
        total = index[rel.total]
        parts = tuple(index[p] for p in rel.parts)
        if vals[total] != sum(vals[p] for p in parts):
            raise ValueError(
                f"cell {rel.total!r} ({vals[total]}) is not the sum of its parts "
                f"({sum(vals[p] for p in parts)})"
            )
        groups.append((total, parts))
    solver = _Solver(vals, groups, policy)
    hidden, primary, unprotected = solver.run()
    plain = solver.plain
    status: dict[K, CellStatus] = {}
    for i, k in enumerate(keys):
        if i in primary:
            status[k] = CellStatus.PRIMARY
        elif i in hidden:
            status[k] = CellStatus.SECONDARY
        else:
            status[k] = CellStatus.SHOWN
    return Suppression(
        policy,
        status,
        plain_marks=frozenset(keys[i] for i in plain),
        unprotected=frozenset(keys[i] for i in unprotected),
    )


class _Solver:
    """Works on cell indices; see the module docstring for the method."""

    def __init__(
        self, vals: list[int], groups: list[tuple[int, tuple[int, ...]]], policy: Policy
    ) -> None:
        self.vals = vals
        self.policy = policy
        self.members = [(t, *parts) for t, parts in groups]
        self.cell_groups: list[list[int]] = [[] for _ in vals]
        for g, cells in enumerate(self.members):
            for c in cells:
                self.cell_groups[c].append(g)
        self.hidden: set[int] = set()
        self.hidden_in_group = [0] * len(self.members)
        self.plain: set[int] = set()  # small counts marked "•": only ">= 0" is known

    # -- bookkeeping
    def hide(self, cell: int) -> None:
        if cell in self.hidden:
            return
        self.hidden.add(cell)
        for g in self.cell_groups[cell]:
            self.hidden_in_group[g] += 1

    def cost(self, cell: int) -> tuple[int, int, int, int]:
        """Smallest non-zero count first; among equals the cell repairing most relations."""
        v = self.vals[cell]
        repairs = sum(1 for g in self.cell_groups[cell] if self.hidden_in_group[g] == 1)
        return (v == 0, v, -repairs, cell)

    # -- main loop
    def run(self) -> tuple[set[int], set[int], set[int]]:
        primary = {i for i, v in enumerate(self.vals) if self.policy.is_small(v)}
        for cell in sorted(primary):
            self.hide(cell)
        if not primary:
            return set(), set(), set()
        while True:
            self.apply_rule()
            determined = self.audit()
            if not determined:
                return self.hidden, primary, set()
            if self.repair(determined):
                continue
            # Nothing left to hide near them: mark the small ones "•" instead of "<k".
            relax = {c for c in determined if c in primary and c not in self.plain}
            if not relax:
                return self.hidden, primary, determined
            self.plain |= relax

    def apply_rule(self) -> None:
        """Every relation with a hidden cell gets at least two."""
        pending = [g for g, n in enumerate(self.hidden_in_group) if n == 1]
        while pending:
            g = pending.pop()
            if self.hidden_in_group[g] != 1:
                continue
            candidates = [c for c in self.members[g] if c not in self.hidden]
            if not candidates:
                continue
            chosen = min(candidates, key=self.cost)
            self.hide(chosen)
            pending.extend(h for h in self.cell_groups[chosen] if self.hidden_in_group[h] == 1)

    def repair(self, determined: set[int]) -> bool:
        """Hide one more cell near each determined cell (nearest relations first)."""
        touched: set[int] = set()
        added = False
        for cell in sorted(determined):
            if touched & set(self.cell_groups[cell]):
                continue  # a cell hidden for a neighbour in this round may already help
            chosen = self.nearest_candidate(cell)
            if chosen is None:
                continue
            self.hide(chosen)
            touched.update(self.cell_groups[chosen])
            added = True
        return added

    def nearest_candidate(self, cell: int) -> int | None:
        seen_groups: set[int] = set()
        frontier = set(self.cell_groups[cell])
        reached = {cell}
        fallback: int | None = None
        while frontier:
            seen_groups |= frontier
            candidates = {c for g in frontier for c in self.members[g] if c not in self.hidden}
            if candidates:
                best = min(candidates, key=self.cost)
                if self.vals[best] != 0:
                    return best
                if fallback is None:
                    fallback = best
            next_cells = {c for g in frontier for c in self.members[g] if c in self.hidden}
            next_cells -= reached
            reached |= next_cells
            frontier = {g for c in next_cells for g in self.cell_groups[c]} - seen_groups
        return fallback

    # -- exact audit
    def bounds(self, cell: int) -> tuple[float, float]:
        """What a reader knows about a hidden cell from its mark."""
        v = self.vals[cell]
        k = self.policy.threshold
        if self.policy.is_small(v) and cell not in self.plain:
            return (0.0 if self.policy.suppress_zeros else 1.0, float(k - 1))
        if v >= k:
            return (float(k), float("inf"))
        if self.policy.is_small(v):
            return (0.0, float("inf"))
        return (0.0, float("inf"))  # a zero used as secondary: "0 or >= k", relaxed

    def audit(self) -> set[int]:
        """Hidden cells whose value follows from the published figures."""
        cells = sorted(self.hidden)
        col = {c: j for j, c in enumerate(cells)}
        rows = [g for g, n in enumerate(self.hidden_in_group) if n > 0]
        a = np.zeros((len(rows), len(cells)))
        for i, g in enumerate(rows):
            total, *parts = self.members[g]
            if total in col:
                a[i, col[total]] += 1.0
            for p in parts:
                if p in col:
                    a[i, col[p]] -= 1.0
        # Bounds active at the true table: a feasible direction must not cross them.
        sign: dict[int, float] = {}
        for j, c in enumerate(cells):
            lo, hi = self.bounds(c)
            v = self.vals[c]
            if v == lo:
                sign[j] = 1.0
            elif v == hi:
                sign[j] = -1.0
        pinned = self._pinned(a, sign)
        free = [j for j in range(len(cells)) if j not in pinned]
        determined = {cells[j] for j in pinned}
        if free:
            moves = _null_space_support(a[:, free])
            determined |= {cells[j] for j, moves_j in zip(free, moves, strict=True) if not moves_j}
        return determined

    @staticmethod
    def _pinned(a: np.ndarray, sign: dict[int, float]) -> set[int]:
        """Columns with an active bound that no feasible direction can move.

        maximise sum(t) s.t. A d = 0, 0 <= t_j <= 1, t_j <= sign_j * d_j: at the optimum
        t_j = 1 exactly for every bound that some direction leaves (the directions form a
        cone, so their witnesses add up), and t_j = 0 for the pinned ones."""
        if not sign:
            return set()
        n = a.shape[1]
        active = sorted(sign)
        m = len(active)
        c = np.concatenate([np.zeros(n), -np.ones(m)])
        a_ub = np.zeros((m, n + m))
        for i, j in enumerate(active):
            a_ub[i, j] = -sign[j]
            a_ub[i, n + i] = 1.0
        a_eq = np.hstack([a, np.zeros((a.shape[0], m))]) if a.shape[0] else None
        b_eq = np.zeros(a.shape[0]) if a.shape[0] else None
        bounds = [(None, None)] * n + [(0.0, 1.0)] * m
        res = linprog(
            c, A_ub=a_ub, b_ub=np.zeros(m), A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
        )
        if res.status != 0:  # cannot happen (d = 0, t = 0 is feasible); be safe
            return set(active)
        t = res.x[n:]
        return {j for i, j in enumerate(active) if t[i] < 0.5}


def _null_space_support(a: np.ndarray) -> list[bool]:
    """For each column j: does some vector in the null space of ``a`` have x_j != 0?

    Reduced row echelon form by plain elementwise numpy (no LAPACK, whose threads only
    slow such small matrices down on a busy machine): a free column always moves; a pivot
    column is fixed at zero iff its row has no entry in any free column."""
    m, n = a.shape
    work = a.astype(float, copy=True)
    pivots: list[int] = []
    row = 0
    for col in range(n):
        if row == m:
            break
        p = row + int(np.argmax(np.abs(work[row:, col])))
        if abs(work[p, col]) < _EPS:
            continue
        if p != row:
            work[[row, p]] = work[[p, row]]
        work[row] /= work[row, col]
        factors = work[:, col].copy()
        factors[row] = 0.0
        nz = np.flatnonzero(np.abs(factors) > _EPS)
        if nz.size:
            work[nz] -= factors[nz, None] * work[row]
        pivots.append(col)
        row += 1
    moves = [True] * n
    is_free = np.ones(n, dtype=bool)
    is_free[pivots] = False
    for r, col in enumerate(pivots):
        moves[col] = bool(np.any(np.abs(work[r, is_free]) > _EPS))
    return moves
