"""Tamper-evident hash chain for append-only logs (used by the NEN 7513 access log).

Each entry's hash is ``HMAC-SHA256(key, previous_hash || canonical(entry))``. Changing any
field of any entry, deleting an entry in the middle or reordering entries breaks the chain
from that point on; truncating the tail is caught by comparing with the recorded chain
head. Because the hash is keyed, somebody with write access to the database but without
the key cannot forge a consistent chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from doorstroom.core.i18n import Message, gettext_noop

GENESIS = "0" * 64

Scalar = str | int | float | bool | None | datetime | date | UUID


def canonical(fields: Mapping[str, Scalar]) -> bytes:
    """A stable byte representation of an entry: sorted keys, ISO dates, no whitespace."""

    def _default(value: object) -> str:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, UUID):
            return str(value)
        raise TypeError(f"cannot hash value of type {type(value).__name__}")

    return json.dumps(
        dict(fields), sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=True
    ).encode("ascii")


def link(key: bytes, previous_hash: str, fields: Mapping[str, Scalar]) -> str:
    """The hash of an entry given the previous entry's hash."""
    mac = hmac.new(key, previous_hash.encode("ascii"), hashlib.sha256)
    mac.update(b"\x00")
    mac.update(canonical(fields))
    return mac.hexdigest()


@dataclass(frozen=True, slots=True)
class ChainEntry:
    sequence: int
    previous_hash: str
    entry_hash: str
    fields: Mapping[str, Scalar]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    sequence: int
    message: Message

    def __str__(self) -> str:
        return f"entry {self.sequence}: {self.message}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    checked: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    key: bytes,
    entries: Iterable[ChainEntry],
    *,
    head_sequence: int | None = None,
    head_hash: str | None = None,
    max_problems: int = 100,
) -> VerifyResult:
    """Walk the chain in sequence order and report every break.

    ``head_sequence``/``head_hash`` are the chain head as recorded separately when the
    last entry was written; they reveal deletion of entries at the end.
    """
    problems: list[ChainProblem] = []
    expected_seq = 1
    previous = GENESIS
    checked = 0

    def note(seq: int, template: str, **params: object) -> None:
        if len(problems) < max_problems:
            problems.append(ChainProblem(seq, Message(template, params)))

    for entry in entries:
        checked += 1
        if entry.sequence != expected_seq:
            note(
                entry.sequence,
                gettext_noop("sequence gap: expected %(expected)s (entries deleted)"),
                expected=expected_seq,
            )
        if entry.previous_hash != previous:
            note(entry.sequence, gettext_noop("previous hash does not match the entry before it"))
        recomputed = link(key, entry.previous_hash, entry.fields)
        if not hmac.compare_digest(recomputed, entry.entry_hash):
            note(entry.sequence, gettext_noop("content does not match its hash (entry edited)"))
        previous = entry.entry_hash
        expected_seq = entry.sequence + 1

    last_seq = expected_seq - 1
    if head_sequence is not None and head_sequence != last_seq:
        note(
            last_seq,
            gettext_noop("chain head says %(head)s entries, found up to %(last)s"),
            head=head_sequence,
            last=last_seq,
        )
    if head_hash is not None and checked and not hmac.compare_digest(head_hash, previous):
        note(last_seq, gettext_noop("last entry does not match the recorded chain head"))
    return VerifyResult(checked=checked, problems=tuple(problems))
