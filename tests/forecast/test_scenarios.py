"""Scenarios as data: validation against the engine's schema and the region, with an
error per bad change; form rows and engine changes convert both ways."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom.core.errors import RowErrors
from doorstroom.core.forecast.scenario import AssessmentChange, InflowChange, PlacesChange
from doorstroom.forecast.scenarios import ChangeRow, Context, change_to_row, row_to_change, validate

CTX = Context(frozenset({"GM0118", "GM1690"}), ("18-24", "25+"))


def test_valid_changes_make_the_engine_scenario() -> None:
    scenario = validate(
        "Meer BT",
        [
            {
                "kind": "places",
                "product": "bt",
                "municipality": "GM1690",
                "from_month": "2027-01",
                "delta": 8,
            },
            {
                "kind": "inflow",
                "factor": 0.8,
                "from_month": "2027-01",
                "group": "18-24",
                "municipality": None,
            },
            {"kind": "assessment", "duration_factor": 0.5, "from_month": "2026-06"},
        ],
        CTX,
    )
    assert scenario.name == "Meer BT"
    assert scenario.changes == (
        PlacesChange("bt", "GM1690", "2027-01", 8),
        InflowChange(0.8, "2027-01", "18-24", None),
        AssessmentChange(0.5, "2026-06", None),
    )


def _messages(exc: pytest.ExceptionInfo[RowErrors]) -> list[tuple[int, str]]:
    return [(e.line, str(e.message)) for e in exc.value.errors]


def test_every_bad_change_is_reported_with_its_number() -> None:
    changes: list[dict[str, Any]] = [
        {
            "kind": "places",
            "product": "xx",
            "municipality": "GM0014",
            "from_month": "2027-13",
            "delta": 0,
        },
        {"kind": "inflow", "factor": 0.8, "from_month": "2027-01", "group": "kids"},
        {"kind": "teleport", "factor": 2},
        {"kind": "homes", "from_year": 2027, "extra_per_year": "veel"},
        {"kind": "population", "yearly_growth": 0.2, "from_year": 2027, "colour": "red"},
        {"kind": "assessment", "from_month": "2027-01"},
    ]
    with pytest.raises(RowErrors) as exc:
        validate("", changes, CTX)
    found = _messages(exc)
    lines = {line for line, _ in found}
    assert lines == {0, 1, 2, 3, 4, 5, 6}
    text = " ".join(m for _, m in found)
    assert "GM0014 is not part of the region" in text
    assert "year-month" in text
    assert "BW, BT or MO" in text
    assert "not 0" in text
    assert "Unknown age band kids" in text
    assert "Unknown kind of change: teleport" in text
    assert "extra_per_year has a wrong type" in text
    assert "Unknown fields: colour" in text
    assert "between -5% and +5%" in text
    assert "Missing fields: duration_factor" in text
    assert "Give the scenario a name." in text


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(RowErrors):
        validate(
            "x",
            [
                {
                    "kind": "places",
                    "product": "bt",
                    "municipality": "GM0118",
                    "from_month": "2027-01",
                    "delta": True,
                }
            ],
            CTX,
        )


row_strategy = st.one_of(
    st.builds(
        ChangeRow,
        kind=st.just("places"),
        value=st.integers(-50, 50).filter(bool).map(float),
        start=st.just("2028-03"),
        municipality=st.sampled_from(["GM0118", "GM1690"]),
        product=st.sampled_from(["bw", "bt", "mo"]),
    ),
    st.builds(
        ChangeRow,
        kind=st.just("prevention"),
        value=st.integers(-100, 100).map(float),
        start=st.just("2027-01"),
        municipality=st.sampled_from([None, "GM0118"]),
        group=st.sampled_from([None, "18-24"]),
    ),
    st.builds(
        ChangeRow,
        kind=st.just("assessment"),
        value=st.integers(-300, 90).map(float),
        start=st.just("2027-01"),
    ),
    st.builds(
        ChangeRow,
        kind=st.just("population"),
        value=st.integers(-5, 5).map(float),
        start=st.just("2030-01"),
    ),
    st.builds(
        ChangeRow,
        kind=st.just("homes"),
        value=st.integers(0, 200).map(float),
        start=st.just("2029-01"),
        municipality=st.sampled_from([None, "GM1690"]),
    ),
)


@given(st.lists(row_strategy, max_size=6))
def test_form_rows_round_trip_and_validate(rows: list[ChangeRow]) -> None:
    changes = [row_to_change(r) for r in rows]
    assert [change_to_row(c) for c in changes] == rows
    scenario = validate("s", changes, CTX)
    assert scenario.to_dict()["changes"] == changes
