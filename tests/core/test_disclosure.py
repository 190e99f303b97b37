from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog  # type: ignore[import-untyped]

from doorstroom.core.disclosure import (
    CellStatus,
    Policy,
    Relation,
    Suppression,
    derived_status,
    grid_relations,
    suppress,
    suppress_grid,
)


# ------------------------------------------------------------------ an independent check
def value_range(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation[Hashable]],
    result: Suppression[Hashable],
    cell: Hashable,
    bounds: Mapping[Hashable, tuple[float, float | None]] | None = None,
) -> tuple[float, float]:
    """Min and max of a hidden ``cell`` over every table that agrees with the published
    cells and margins (x >= 0, or the given bounds per hidden cell)."""
    hidden = sorted(result.hidden, key=repr)
    col = {k: j for j, k in enumerate(hidden)}
    a_eq, b_eq = [], []
    for rel in relations:
        row = np.zeros(len(hidden))
        rhs = 0.0
        for key, sign in [(rel.total, 1.0), *((p, -1.0) for p in rel.parts)]:
            if key in col:
                row[col[key]] += sign
            else:
                rhs -= sign * values[key]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    box = [(bounds or {}).get(k, (0.0, None)) for k in hidden]
    objective = np.zeros(len(hidden))
    objective[col[cell]] = 1.0
    kwargs = {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq)} if a_eq else {}
    low = linprog(objective, bounds=box, method="highs", **kwargs)
    high = linprog(-objective, bounds=box, method="highs", **kwargs)
    assert low.status == 0, "the true table must be feasible"
    top = float("inf") if high.status == 3 else -high.fun
    return low.fun, top


def reader_bounds(
    values: Mapping[Hashable, int], result: Suppression[Hashable]
) -> dict[Hashable, tuple[float, float | None]]:
    """What the marks tell a reader: "<k" is 1..k-1 (0..k-1 with hidden zeros), "•" is
    at least k (a zero used as secondary, or a small count marked "•": only >= 0)."""
    k = result.policy.threshold
    bounds: dict[Hashable, tuple[float, float | None]] = {}
    for key in result.hidden:
        if key in result.plain_marks:
            bounds[key] = (0.0, None)
        elif result.status[key] is CellStatus.PRIMARY:
            bounds[key] = (0.0 if result.policy.suppress_zeros else 1.0, k - 1.0)
        else:
            bounds[key] = (float(k) if values[key] >= k else 0.0, None)
    return bounds


def check_protected(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation[Hashable]],
    result: Suppression[Hashable],
) -> None:
    policy = result.policy
    # (a) nothing small is published; primary is exactly the small counts
    for key, value in values.items():
        small = 0 < value < policy.threshold or (value == 0 and policy.suppress_zeros)
        assert (result.status[key] is CellStatus.PRIMARY) == small, key
    # (c) what is published is the input
    published = result.published(values)
    for key, shown in published.items():
        assert shown is None or shown == values[key]
        assert (shown is None) == result.is_hidden(key)
    assert not result.unprotected
    # (b) no hidden cell can be pinned down, neither from x >= 0 nor from the marks
    bounds = reader_bounds(values, result)
    for cell in result.hidden:
        low, high = value_range(values, relations, result, cell)
        assert high - low > 1e-6, (cell, low, high)
        low, high = value_range(values, relations, result, cell, bounds)
        assert high - low > 1e-6, ("with marks", cell, low, high)


# ------------------------------------------------------------------ generated tables
counts = st.one_of(st.integers(0, 12), st.integers(0, 60), st.just(0), st.integers(1, 3))
policies = st.builds(Policy, threshold=st.sampled_from([3, 5, 10]), suppress_zeros=st.booleans())


@st.composite
def one_way(draw: st.DrawFn) -> tuple[dict[Hashable, int], list[Relation[Hashable]]]:
    cells = draw(st.lists(counts, min_size=1, max_size=8))
    grid = [[v] for v in cells] + [[sum(cells)]]
    values = {(r, 0): row[0] for r, row in enumerate(grid)}
    relations = grid_relations(
        range(len(grid)), [0], row_sums={len(cells): list(range(len(cells)))}
    )
    return values, relations  # type: ignore[return-value]


@st.composite
def two_way(draw: st.DrawFn) -> tuple[dict[Hashable, int], list[Relation[Hashable]]]:
    m = draw(st.integers(1, 5))
    n = draw(st.integers(1, 5))
    body = [[draw(counts) for _ in range(n)] for _ in range(m)]
    grid = [[*row, sum(row)] for row in body]
    grid.append([sum(row[c] for row in grid) for c in range(n + 1)])
    values = {(r, c): grid[r][c] for r in range(m + 1) for c in range(n + 1)}
    relations = grid_relations(
        range(m + 1),
        range(n + 1),
        row_sums={m: list(range(m))},
        column_sums={n: list(range(n))},
    )
    return values, relations  # type: ignore[return-value]


@st.composite
def hierarchical(draw: st.DrawFn) -> tuple[dict[Hashable, int], list[Relation[Hashable]]]:
    """Regions with their municipality rows, a country total, columns with a total."""
    n = draw(st.integers(1, 3))
    regions = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    columns = [*range(n), "total"]
    values: dict[Hashable, int] = {}
    row_sums: dict[Hashable, list[Hashable]] = {}
    for r, size in enumerate(regions):
        munis = [f"m{r}.{i}" for i in range(size)]
        row_sums[f"region{r}"] = munis  # type: ignore[assignment]
        for mun in munis:
            row = [draw(counts) for _ in range(n)]
            for c, v in enumerate(row):
                values[(mun, c)] = v
            values[(mun, "total")] = sum(row)
    row_sums["country"] = [f"region{r}" for r in range(len(regions))]
    for region, members in row_sums.items():
        if region == "country":
            continue
        for c in columns:
            values[(region, c)] = sum(values[(m, c)] for m in members)
    for c in columns:
        values[("country", c)] = sum(values[(r, c)] for r in row_sums["country"])
    rows = sorted({k[0] for k in values}, key=str)  # type: ignore[index]
    relations = grid_relations(
        rows, columns, row_sums=row_sums, column_sums={"total": list(range(n))}
    )
    return values, relations  # type: ignore[return-value]


@settings(max_examples=120, deadline=None)
@given(table=st.one_of(one_way(), two_way(), hierarchical()), policy=policies)
def test_suppression_protects_every_hidden_cell(
    table: tuple[dict[Hashable, int], list[Relation[Hashable]]], policy: Policy
) -> None:
    values, relations = table
    result = suppress(values, relations, policy)
    check_protected(values, relations, result)


# ------------------------------------------------------------------ known answers
def hidden_cells(result: Suppression[tuple[int, int]]) -> dict[tuple[int, int], str]:
    return {k: s.value for k, s in result.status.items() if s.hidden}


def test_one_way_table_hides_the_smallest_other_cell() -> None:
    result = suppress_grid([[3], [12], [40], [55]], row_sums={3: [0, 1, 2]})
    assert hidden_cells(result) == {(0, 0): "primary", (1, 0): "secondary"}
    assert result.mark((0, 0)) == "<10"
    assert result.mark((1, 0)) == "•"
    assert result.mark((2, 0)) is None


def test_zeros_are_shown_by_default_and_hidden_on_request() -> None:
    grid = [[0], [25], [40], [65]]
    assert not suppress_grid(grid, row_sums={3: [0, 1, 2]}).any_hidden
    result = suppress_grid(grid, row_sums={3: [0, 1, 2]}, policy=Policy(suppress_zeros=True))
    assert hidden_cells(result) == {(0, 0): "primary", (1, 0): "secondary"}


def test_a_zero_is_not_chosen_as_secondary_when_a_count_is_available() -> None:
    result = suppress_grid([[4], [0], [30], [34]], row_sums={3: [0, 1, 2]})
    assert hidden_cells(result) == {(0, 0): "primary", (2, 0): "secondary"}


def test_two_small_cells_that_pin_each_other_get_a_third() -> None:
    # 1 + 1 + 100 = 102: hiding both ones leaves x + y = 2 with x, y in 1..9, so x = y = 1.
    result = suppress_grid([[1], [1], [100], [102]], row_sums={3: [0, 1, 2]})
    assert hidden_cells(result) == {(0, 0): "primary", (1, 0): "primary", (2, 0): "secondary"}


def test_two_way_table_hides_a_rectangle() -> None:
    grid = [[12, 3, 15], [40, 25, 65], [52, 28, 80]]
    result = suppress_grid(grid, row_sums={2: [0, 1]}, column_sums={2: [0, 1]})
    assert hidden_cells(result) == {
        (0, 1): "primary",
        (0, 0): "secondary",
        (1, 1): "secondary",
        (1, 0): "secondary",
    }


def test_small_margin_is_hidden_and_protected() -> None:
    # Column 0 adds up to 5: the margin itself is a small count.
    grid = [[2, 30, 32], [3, 40, 43], [5, 70, 75]]
    relations_args = {"row_sums": {2: [0, 1]}, "column_sums": {2: [0, 1]}}
    result = suppress_grid(grid, **relations_args)  # type: ignore[arg-type]
    assert result.status[(2, 0)] is CellStatus.PRIMARY
    values = {(r, c): grid[r][c] for r in range(3) for c in range(3)}
    relations = grid_relations(range(3), range(3), **relations_args)
    check_protected(values, relations, result)  # type: ignore[arg-type]


def test_region_row_above_municipality_rows() -> None:
    values = {
        ("a", "n"): 4,
        ("b", "n"): 20,
        ("c", "n"): 30,
        ("region", "n"): 54,
    }
    relations = [Relation(("region", "n"), (("a", "n"), ("b", "n"), ("c", "n")))]
    result = suppress(values, relations)
    assert result.status[("a", "n")] is CellStatus.PRIMARY
    assert result.status[("b", "n")] is CellStatus.SECONDARY
    assert result.status[("region", "n")] is CellStatus.SHOWN


def test_table_without_small_counts_is_untouched() -> None:
    result = suppress_grid([[10, 20, 30], [40, 50, 90]], column_sums={2: [0, 1]})
    assert not result.any_hidden
    assert result.published({(0, 0): 10}) == {(0, 0): 10}


def test_derived_figures_follow_their_counts() -> None:
    result = suppress_grid([[3], [12], [15]], row_sums={2: [0, 1]})
    assert result.derived((0, 0), (2, 0)) is CellStatus.DERIVED  # 3 / 15
    assert result.derived((2, 0)) is CellStatus.SHOWN
    assert derived_status(CellStatus.SHOWN, CellStatus.SECONDARY) is CellStatus.DERIVED
    assert result.mark((1, 0)) == "•"


@pytest.mark.parametrize(
    ("values", "relations", "message"),
    [
        ({"a": -1}, [], "non-negative"),
        ({"a": 1.5}, [], "non-negative"),
        ({"a": True}, [], "non-negative"),
        ({"a": 1, "t": 2}, [Relation("t", ("a",))], "not the sum"),
        ({"a": 1}, [Relation("t", ("a",))], "unknown cells"),
        ({"a": 1, "t": 2}, [Relation("t", ("a", "a"))], "repeats"),
    ],
)
def test_bad_input_is_refused(
    values: dict[str, object], relations: list[Relation[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        suppress(values, relations)  # type: ignore[arg-type]


def test_policy_is_validated() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        Policy(threshold=1)
    with pytest.raises(ValueError, match="threshold 2"):
        Policy(threshold=2)
    assert Policy(threshold=2, suppress_zeros=True).primary_mark == "<2"


def test_ragged_grid_is_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        suppress_grid([[1, 2], [3]])


def test_marks_that_would_give_a_count_away_become_plain() -> None:
    # 1 + 1 = 2 with threshold 3: "<3" everywhere says 1 + 1 = 2, so the parts are marked "•".
    grid = [[1, 1, 2], [1, 1, 2]]
    result = suppress_grid(grid, row_sums={1: [0]}, column_sums={2: [0, 1]}, policy=Policy(3))
    assert result.hidden == frozenset(result.status)
    assert result.plain_marks
    assert {result.mark(k) for k in result.plain_marks} == {"•"}
    assert all(result.status[k] is CellStatus.PRIMARY for k in result.plain_marks)
    values = {(r, c): grid[r][c] for r in range(2) for c in range(3)}
    relations = grid_relations(range(2), range(3), row_sums={1: [0]}, column_sums={2: [0, 1]})
    check_protected(values, relations, result)  # type: ignore[arg-type]
