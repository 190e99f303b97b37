from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom.core.assessment import (
    Answers,
    FrameworkError,
    default_framework,
    evaluate,
    validate_framework,
)
from doorstroom.core.journey import Product

FRAMEWORK = default_framework()
DOMAINS = [d["code"] for d in FRAMEWORK["domains"]]


def answers(low: int = 0, age: int = 35, **criteria: Any) -> Answers:
    scores = {code: (2 if i < low else 4) for i, code in enumerate(DOMAINS)}
    base = {
        "needs_24h_supervision": False,
        "acute_crisis": False,
        "housing_situation": "own_home",
        "risk": "low",
    }
    return Answers(scores, {**base, **criteria}, age)


def test_the_default_framework_has_the_13_zrm_domains_and_is_valid() -> None:
    assert len(DOMAINS) == 13
    validate_framework(FRAMEWORK)


@pytest.mark.parametrize(
    ("given_answers", "product", "rule"),
    [
        (answers(acute_crisis=True), Product.MO_CRISIS, "R1"),
        (answers(low=6, needs_24h_supervision=True), Product.BW, "R2"),
        (answers(low=2, age=19, housing_situation="youth_care"), Product.BT_YOUTH_CLUSTER, "R3"),
        (answers(low=6), Product.BT_CLUSTER, "R4"),
        (answers(low=3, housing_situation="homeless"), Product.MO_24H, "R5"),
        (answers(low=1, housing_situation="homeless"), Product.MO_NIGHT, "R6"),
        (answers(low=3), Product.BT_INDIVIDUAL, "R7"),
        (answers(low=1), Product.AMBULANT, "R8"),
        (answers(low=0), Product.NOT_ELIGIBLE, "R9"),
    ],
)
def test_rules_give_an_explained_advice(
    given_answers: Answers, product: Product, rule: str
) -> None:
    advice = evaluate(FRAMEWORK, given_answers)
    assert advice.product is product
    assert advice.rule_id == rule
    assert advice.fired.facts or rule == "R9"  # the facts that decided it (the fallback has none)
    assert all(not o.held for o in advice.outcomes[:-1])  # why not the earlier rules


def test_missing_scores_are_refused() -> None:
    incomplete = Answers({"finances": 3}, answers().criteria, 30)
    with pytest.raises(FrameworkError, match="Score every domain"):
        evaluate(FRAMEWORK, incomplete)


def test_a_framework_with_unknown_parts_is_refused() -> None:
    broken = copy.deepcopy(FRAMEWORK)
    broken["rules"][0]["when"] = {"criterion": "no_such_thing", "is": True}
    with pytest.raises(FrameworkError, match="unknown criterion"):
        validate_framework(broken)
    broken = copy.deepcopy(FRAMEWORK)
    broken["rules"].pop()
    with pytest.raises(FrameworkError, match="last rule must always hold"):
        validate_framework(broken)


@given(
    st.lists(st.integers(1, 5), min_size=13, max_size=13),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["own_home", "with_family", "youth_care", "clinic", "unstable", "homeless"]),
    st.sampled_from(["low", "medium", "high"]),
    st.integers(18, 90),
)
def test_every_complete_answer_gets_exactly_one_advice(
    scores: list[int], supervision: bool, crisis: bool, housing: str, risk: str, age: int
) -> None:
    result = evaluate(
        FRAMEWORK,
        Answers(
            dict(zip(DOMAINS, scores, strict=True)),
            {
                "needs_24h_supervision": supervision,
                "acute_crisis": crisis,
                "housing_situation": housing,
                "risk": risk,
            },
            age,
        ),
    )
    assert sum(o.held for o in result.outcomes) == 1
    assert result.outcomes[-1].held
