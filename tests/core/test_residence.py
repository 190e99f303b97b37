from __future__ import annotations

from datetime import date

import pytest

from doorstroom.core.residence import (
    ResidenceError,
    ResidenceFacts,
    default_rules,
    evaluate,
    rule_for,
    validate_rules,
)

RULES = default_rules()


def test_the_rule_in_force_depends_on_the_date() -> None:
    validate_rules(RULES)
    assert rule_for(RULES, date(2026, 6, 1))["code"] == "centre-2015"
    assert rule_for(RULES, date(2027, 1, 1))["code"] == "residence-bill"
    with pytest.raises(ResidenceError):
        rule_for(RULES, date(2000, 1, 1))


def test_current_rule_makes_the_centre_responsible() -> None:
    outcome = evaluate(
        rule_for(RULES, date(2026, 6, 1)),
        ResidenceFacts("GM1952", "GM0014", brp_before_care="GM0363"),
    )
    assert outcome.municipality == "GM0014"
    assert outcome.steps[0].decided


def test_bill_uses_the_brp_registration_before_care() -> None:
    outcome = evaluate(
        rule_for(RULES, date(2027, 3, 1)),
        ResidenceFacts("GM0014", "GM0014", brp_before_care="GM0363"),
    )
    assert outcome.municipality == "GM0363"  # Amsterdam, outside the region: national accessibility
    assert [s.decided for s in outcome.steps] == [True, False, False]


def test_bill_falls_back_for_homeless_clients() -> None:
    rule = rule_for(RULES, date(2027, 3, 1))
    with_postal = evaluate(
        rule, ResidenceFacts("GM0014", "GM0014", postal_address="GM1969", homeless=True)
    )
    assert with_postal.municipality == "GM1969"
    without = evaluate(rule, ResidenceFacts("GM1952", "GM0014", homeless=True))
    assert without.municipality == "GM1952"
    assert [s.value for s in without.steps] == ["", "", "GM1952"]
