"""The residence principle (woonplaatsbeginsel): which municipality is responsible.

The rule is versioned data (``data/residence_rules.json``, or a region's own version): a
rule is an ordered list of steps, each naming a source of facts; the first step whose
source gives a municipality decides. The outcome carries every step with the value it
found, so the officer sees the reasoning. The shipped versions are the current arrangement
(the centre municipality of the region where the client applies) and the rule of the
residence-principle bill (municipality of registration in the BRP before entering care,
then the postal address, then - homeless - the municipality applied to). Which version
applies depends on the application date; a region may set its own dates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from doorstroom.core.i18n import Message, gettext_noop

SOURCES = ("centre_of_applied", "brp_before_care", "postal_address", "applied_municipality")


@dataclass(frozen=True, slots=True)
class ResidenceFacts:
    applied_municipality: str  # GM code
    centre_of_applied: str  # GM code of the centre municipality of that region ("" if none)
    brp_before_care: str = ""  # GM code, "" when unknown or none
    postal_address: str = ""  # GM code of the briefadres, if any
    homeless: bool = False


@dataclass(frozen=True, slots=True)
class Step:
    source: str
    description_nl: str
    description_en: str
    value: str  # what the source gave ("" = nothing)
    decided: bool


@dataclass(frozen=True, slots=True)
class ResidenceOutcome:
    municipality: str
    rule_code: str
    rule_label_nl: str
    rule_label_en: str
    steps: tuple[Step, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "rule_code": self.rule_code,
            "rule_label_nl": self.rule_label_nl,
            "rule_label_en": self.rule_label_en,
            "steps": [
                {
                    "source": s.source,
                    "description_nl": s.description_nl,
                    "description_en": s.description_en,
                    "value": s.value,
                    "decided": s.decided,
                }
                for s in self.steps
            ],
        }


class ResidenceError(ValueError):
    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


def default_rules() -> list[dict[str, Any]]:
    text = (resources.files("doorstroom.core") / "data" / "residence_rules.json").read_text("utf-8")
    rules: list[dict[str, Any]] = json.loads(text)
    return rules


def validate_rules(rules: Sequence[Mapping[str, Any]]) -> None:
    if not rules:
        raise ResidenceError(gettext_noop("There must be at least one residence rule."))
    for rule in rules:
        date.fromisoformat(str(rule["valid_from"]))
        steps = rule.get("steps") or []
        if not steps:
            raise ResidenceError(
                gettext_noop("Rule %(code)s has no steps."), code=str(rule.get("code"))
            )
        for step in steps:
            if step.get("source") not in SOURCES:
                raise ResidenceError(
                    gettext_noop("Rule %(code)s uses unknown source '%(source)s'."),
                    code=str(rule.get("code")),
                    source=str(step.get("source")),
                )


def rule_for(rules: Sequence[Mapping[str, Any]], on: date) -> Mapping[str, Any]:
    """The rule in force on a date: the one with the latest ``valid_from`` not after it."""
    candidates = [r for r in rules if date.fromisoformat(str(r["valid_from"])) <= on]
    if not candidates:
        raise ResidenceError(
            gettext_noop("No residence rule applies on %(date)s."), date=on.isoformat()
        )
    return max(candidates, key=lambda r: date.fromisoformat(str(r["valid_from"])))


def evaluate(rule: Mapping[str, Any], facts: ResidenceFacts) -> ResidenceOutcome:
    steps: list[Step] = []
    decided = ""
    for step in rule["steps"]:
        source = str(step["source"])
        value = {
            "centre_of_applied": facts.centre_of_applied,
            "brp_before_care": ""
            if facts.homeless and not facts.brp_before_care
            else facts.brp_before_care,
            "postal_address": facts.postal_address,
            "applied_municipality": facts.applied_municipality,
        }[source]
        takes = bool(value) and not decided
        steps.append(
            Step(
                source,
                str(step.get("description_nl", "")),
                str(step.get("description_en", "")),
                value,
                takes,
            )
        )
        if takes:
            decided = value
    if not decided:
        raise ResidenceError(
            gettext_noop("The residence rule gives no municipality for these facts.")
        )
    return ResidenceOutcome(
        decided,
        str(rule["code"]),
        str(rule.get("label_nl", "")),
        str(rule.get("label_en", "")),
        tuple(steps),
    )
