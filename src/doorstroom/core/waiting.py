"""Ordering of a waiting list by a transparent, configurable rule.

A policy is an ordered list of sort keys (data); the default is urgency class (1 first),
then decision date (earliest first). Ties are broken by the date of entry on the list and
finally by a stable id, so the order is always total and reproducible. For each client the
result says which key put whom before them: "why is this client here?"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from doorstroom.core.i18n import Message, gettext_noop

KEYS: dict[str, str] = {
    "urgency": gettext_noop("urgency class"),
    "decision_date": gettext_noop("decision date"),
    "entry_date": gettext_noop("date on the waiting list"),
}
TIE_BREAK = gettext_noop("date on the waiting list (tie-break)")
DEFAULT_POLICY: tuple[tuple[str, str], ...] = (("urgency", "asc"), ("decision_date", "asc"))


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    urgency: int
    decision_date: date
    entry_date: date

    def value(self, key: str) -> Any:
        return getattr(self, key)


@dataclass(frozen=True, slots=True)
class Ranked:
    item: Item
    position: int
    ahead_by_key: Mapping[str, int]  # sort key -> how many clients are ahead because of it

    def reasons(self, policy: Sequence[tuple[str, str]]) -> list[Message]:
        """Why this position: the client's own values, then who is ahead and why."""
        messages = [
            Message(
                gettext_noop("Position %(position)s: %(values)s."),
                {
                    "position": self.position,
                    "values": "; ".join(f"{key}={_fmt(self.item.value(key))}" for key, _ in policy),
                },
            )
        ]
        for key, count in self.ahead_by_key.items():
            if count:
                messages.append(
                    Message(
                        gettext_noop("%(count)s ahead because of %(key)s."),
                        {"count": count, "key": key},
                    )
                )
        return messages


def _fmt(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def validate_policy(policy: Sequence[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    result: list[tuple[str, str]] = []
    for entry in policy:
        key, direction = entry[0], entry[1] if len(entry) > 1 else "asc"
        if key not in KEYS or direction not in {"asc", "desc"}:
            raise ValueError(f"bad sort key {entry!r}")
        result.append((key, direction))
    if not result:
        raise ValueError("a policy needs at least one key")
    return tuple(result)


def _sort_key(item: Item, policy: Sequence[tuple[str, str]]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for key, direction in policy:
        value = item.value(key)
        number = value.toordinal() if isinstance(value, date) else int(value)
        parts.append(number if direction == "asc" else -number)
    parts.extend([item.entry_date.toordinal(), item.id])
    return tuple(parts)


def rank(items: Sequence[Item], policy: Sequence[tuple[str, str]] = DEFAULT_POLICY) -> list[Ranked]:
    ordered = sorted(items, key=lambda i: _sort_key(i, policy))
    keys = [_sort_key(i, policy) for i in ordered]
    result: list[Ranked] = []
    for position, (item, own) in enumerate(zip(ordered, keys, strict=True), start=1):
        ahead: dict[str, int] = {key: 0 for key, _ in policy}
        ahead["tie-break"] = 0
        for other in keys[: position - 1]:
            decisive = next(
                (i for i, (a, b) in enumerate(zip(other, own, strict=True)) if a != b), None
            )
            if decisive is not None and decisive < len(policy):
                ahead[policy[decisive][0]] += 1
            else:
                ahead["tie-break"] += 1
        result.append(Ranked(item, position, ahead))
    return result
