from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from doorstroom.core.waiting import Item, rank, validate_policy


def item(i: str, urgency: int, decided: date, entered: date | None = None) -> Item:
    return Item(i, urgency, decided, entered or decided)


def test_default_order_is_urgency_then_decision_date_with_reasons() -> None:
    items = [
        item("a", 3, date(2026, 1, 1)),
        item("b", 1, date(2026, 3, 1)),
        item("c", 3, date(2025, 12, 1)),
    ]
    ranked = rank(items)
    assert [r.item.id for r in ranked] == ["b", "c", "a"]
    last = ranked[-1]
    assert last.ahead_by_key == {"urgency": 1, "decision_date": 1, "tie-break": 0}
    policy = validate_policy([["urgency", "asc"], ["decision_date", "asc"]])
    texts = [str(m) for m in last.reasons(policy)]
    assert texts[0] == "Position 3: urgency=3; decision_date=2026-01-01."
    assert "1 ahead because of urgency." in texts


@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.dates(date(2024, 1, 1), date(2026, 12, 31))),
        max_size=30,
        unique_by=lambda t: t,
    )
)
def test_order_is_total_and_respects_the_policy(values: list[tuple[int, date]]) -> None:
    items = [item(str(n), u, d) for n, (u, d) in enumerate(values)]
    ranked = rank(items)
    assert [r.position for r in ranked] == list(range(1, len(items) + 1))
    keys = [(r.item.urgency, r.item.decision_date) for r in ranked]
    assert keys == sorted(keys)
    for r in ranked:
        assert sum(r.ahead_by_key.values()) == r.position - 1
