"""The assessment framework (afwegingskader): data, not code.

A framework is a JSON document, versioned per region::

    {
      "name": "...", "version": "2026.1",
      "domains": [{"code": "finances", "label_nl": "Financiën", "label_en": "Finances"}, ...],
      "criteria": [{"code": "needs_24h_supervision", "type": "bool", ...},
                   {"code": "housing_situation", "type": "choice", "choices": [...]}, ...],
      "rules": [{"id": "R2", "advice": "bw_intramural", "description_nl": "...",
                 "description_en": "...", "when": <condition>}, ...]
    }

Conditions are small structured expressions, never code::

    {"all": [c, ...]}  {"any": [c, ...]}  {"not": c}
    {"criterion": "needs_24h_supervision", "is": true}
    {"criterion": "housing_situation", "in": ["homeless", "unstable"]}
    {"age": {"min": 18, "max": 24}}
    {"domain": "mental_health", "at_most": 2}
    {"domains_at_most": 2, "count_at_least": 5}        (how many domains score <= 2)
    {"domains_at_most": 2, "count_between": [2, 4]}

Rules are tried in order; the first whose condition holds gives the advice. The result
lists every rule with whether it held and the facts that decided it, so the officer sees
why this advice and why not another.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from doorstroom.core.i18n import Message, gettext_noop
from doorstroom.core.journey import Product

SCORES = (1, 2, 3, 4, 5)


class FrameworkError(ValueError):
    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


@dataclass(frozen=True, slots=True)
class Answers:
    scores: Mapping[str, int]  # domain code -> 1..5
    criteria: Mapping[str, Any]  # criterion code -> bool or choice value
    age: int


@dataclass(frozen=True, slots=True)
class Fact:
    """What a condition looked at: ``kind`` is criterion, domain, age or count."""

    kind: str
    subject: str
    actual: Any
    needed: Any

    def __str__(self) -> str:
        return f"{self.subject} = {self.actual!r} (needs {self.needed})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "actual": self.actual,
            "needed": self.needed,
        }


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule_id: str
    advice: Product
    description_nl: str
    description_en: str
    held: bool
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class Advice:
    product: Product
    rule_id: str
    outcomes: tuple[RuleOutcome, ...]  # every rule tried, in order, up to the one that held

    @property
    def fired(self) -> RuleOutcome:
        return next(o for o in self.outcomes if o.held)


def default_framework() -> dict[str, Any]:
    text = (
        resources.files("doorstroom.core") / "data" / "assessment_framework_default.json"
    ).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def validate_framework(data: Mapping[str, Any]) -> None:
    """Refuse a framework document that cannot be evaluated (translatable message)."""
    domains = data.get("domains")
    rules = data.get("rules")
    criteria = data.get("criteria")
    if not isinstance(domains, list) or not domains or not isinstance(rules, list) or not rules:
        raise FrameworkError(gettext_noop("A framework needs domains and rules."))
    if not isinstance(criteria, list):
        raise FrameworkError(
            gettext_noop("A framework needs a list of criteria (it may be empty).")
        )
    domain_codes = {d.get("code") for d in domains}
    criterion_codes = {c.get("code") for c in criteria}
    seen: set[str] = set()
    for rule in rules:
        rule_id = str(rule.get("id", ""))
        if not rule_id or rule_id in seen:
            raise FrameworkError(
                gettext_noop("Every rule needs a unique id (problem: '%(id)s')."), id=rule_id
            )
        seen.add(rule_id)
        try:
            Product(rule.get("advice"))
        except ValueError:
            raise FrameworkError(
                gettext_noop("Rule %(id)s gives an unknown advice '%(advice)s'."),
                id=rule_id,
                advice=str(rule.get("advice")),
            ) from None
        _check_condition(rule.get("when", {"all": []}), domain_codes, criterion_codes, rule_id)
    if rules[-1].get("when", {"all": []}) != {"all": []}:
        raise FrameworkError(
            gettext_noop(
                'The last rule must always hold ("when": {"all": []}), so there is always an advice.'
            )
        )


def _check_condition(cond: Any, domains: set[Any], criteria: set[Any], rule_id: str) -> None:
    if not isinstance(cond, Mapping) or len(cond) == 0:
        raise FrameworkError(
            gettext_noop("Rule %(id)s has an empty or malformed condition."), id=rule_id
        )
    if "all" in cond or "any" in cond:
        for sub in cond.get("all", cond.get("any", [])):
            _check_condition(sub, domains, criteria, rule_id)
    elif "not" in cond:
        _check_condition(cond["not"], domains, criteria, rule_id)
    elif "criterion" in cond:
        if cond["criterion"] not in criteria:
            raise FrameworkError(
                gettext_noop("Rule %(id)s uses unknown criterion '%(c)s'."),
                id=rule_id,
                c=str(cond["criterion"]),
            )
    elif "domain" in cond:
        if cond["domain"] not in domains:
            raise FrameworkError(
                gettext_noop("Rule %(id)s uses unknown domain '%(c)s'."),
                id=rule_id,
                c=str(cond["domain"]),
            )
    elif "age" in cond or "domains_at_most" in cond:
        return
    else:
        raise FrameworkError(
            gettext_noop("Rule %(id)s has a condition of unknown kind."), id=rule_id
        )


def _eval(cond: Mapping[str, Any], answers: Answers, facts: list[Fact]) -> bool:
    if "all" in cond:
        # Evaluate every part (no short-circuit) so that all facts are shown.
        return all([_eval(c, answers, facts) for c in cond["all"]])  # noqa: C419
    if "any" in cond:
        return any([_eval(c, answers, facts) for c in cond["any"]])  # noqa: C419
    if "not" in cond:
        return not _eval(cond["not"], answers, facts)
    if "criterion" in cond:
        code = cond["criterion"]
        value = answers.criteria.get(code)
        if "is" in cond:
            held = bool(value == cond["is"])
            facts.append(Fact("criterion", code, value, [cond["is"]]))
            return held
        held = bool(value in cond.get("in", []))
        facts.append(Fact("criterion", code, value, list(cond.get("in", []))))
        return held
    if "age" in cond:
        low, high = cond["age"].get("min"), cond["age"].get("max")
        held = (low is None or answers.age >= low) and (high is None or answers.age <= high)
        facts.append(Fact("age", "age", answers.age, [low, high]))
        return held
    if "domain" in cond:
        score = answers.scores.get(cond["domain"])
        held = score is not None and score <= cond["at_most"]
        facts.append(Fact("domain", cond["domain"], score, cond["at_most"]))
        return held
    if "domains_at_most" in cond:
        limit = cond["domains_at_most"]
        count = sum(1 for s in answers.scores.values() if s <= limit)
        if "count_at_least" in cond:
            held = bool(count >= cond["count_at_least"])
            facts.append(Fact("count", str(limit), count, [cond["count_at_least"], None]))
        else:
            low, high = cond["count_between"]
            held = bool(low <= count <= high)
            facts.append(Fact("count", str(limit), count, [low, high]))
        return held
    raise FrameworkError(gettext_noop("Unknown condition."))  # pragma: no cover - validated


def check_answers(framework: Mapping[str, Any], answers: Answers) -> None:
    for domain in framework["domains"]:
        score = answers.scores.get(domain["code"])
        if score not in SCORES:
            raise FrameworkError(
                gettext_noop("Score every domain from 1 to 5 (missing: %(domain)s)."),
                domain=domain["code"],
            )
    for criterion in framework["criteria"]:
        value = answers.criteria.get(criterion["code"])
        if criterion.get("type") == "choice" and value not in {
            c["value"] for c in criterion["choices"]
        }:
            raise FrameworkError(gettext_noop("Answer the criterion '%(c)s'."), c=criterion["code"])


def evaluate(framework: Mapping[str, Any], answers: Answers) -> Advice:
    """Apply the rules in order; the first that holds gives the advice."""
    check_answers(framework, answers)
    outcomes: list[RuleOutcome] = []
    for rule in framework["rules"]:
        facts: list[Fact] = []
        held = _eval(rule.get("when", {"all": []}), answers, facts)
        outcomes.append(
            RuleOutcome(
                rule_id=str(rule["id"]),
                advice=Product(rule["advice"]),
                description_nl=str(rule.get("description_nl", "")),
                description_en=str(rule.get("description_en", "")),
                held=held,
                facts=tuple(facts),
            )
        )
        if held:
            return Advice(Product(rule["advice"]), str(rule["id"]), tuple(outcomes))
    raise FrameworkError(
        gettext_noop("No rule of the framework applies.")
    )  # pragma: no cover - validated
