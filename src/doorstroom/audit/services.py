"""Writing the access log. Every read or write of client data calls :func:`access_record`.

Entries are appended in the caller's transaction: a write of client data and its log
entry commit together or not at all. The chain head row is locked for the append, which
serialises writers (short: one INSERT and one UPDATE).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from doorstroom.audit.models import AccessLogEntry, Action, ChainHead, Outcome, Purpose
from doorstroom.core import hashchain


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, for which organisation, from where (NEN 7513 'wie')."""

    user_identifier: str
    user_display: str
    role: str
    organisation_id: str
    organisation_name: str
    region_id: str
    on_behalf_of: str
    source: str
    request_id: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user: Any = request.user
        org = getattr(user, "organisation", None) if user.is_authenticated else None
        return cls(
            user_identifier=user.get_username() if user.is_authenticated else "anoniem",
            user_display=user.get_full_name() if user.is_authenticated else "",
            role=getattr(user, "role", "") or "",
            organisation_id=str(org.pk) if org else "",
            organisation_name=org.name if org else "",
            region_id=str(org.region_id) if org else "",
            on_behalf_of=org.name if org else "",
            source=request.META.get("REMOTE_ADDR", "") or "",
            request_id=getattr(request, "request_id", ""),
        )

    @classmethod
    def for_user(cls, user: Any, source: str) -> Actor:
        """A user acting outside a web request (command line, import, demo seed)."""
        org = user.organisation
        return cls(
            user_identifier=user.get_username(),
            user_display=user.get_full_name(),
            role=user.role,
            organisation_id=str(org.pk) if org else "",
            organisation_name=org.name if org else "",
            region_id=str(org.region_id) if org else "",
            on_behalf_of=org.name if org else "",
            source=source,
        )

    @classmethod
    def system(cls, process: str, *, on_behalf_of: str = "", region_id: str = "") -> Actor:
        return cls(
            user_identifier=f"systeem:{process}",
            user_display="",
            role="system",
            organisation_id="",
            organisation_name="",
            region_id=region_id,
            on_behalf_of=on_behalf_of,
            source=process,
        )

    def acting_for(self, on_behalf_of: str) -> Actor:
        """The same person acting on behalf of someone else (delegation)."""
        return replace(self, on_behalf_of=on_behalf_of)


def _key() -> bytes:
    key = settings.DOORSTROOM_ACCESS_LOG_KEY
    if not key:
        raise RuntimeError("DOORSTROOM_ACCESS_LOG_KEY is not set")
    return str(key).encode()


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=1, last_sequence=0, last_hash=hashchain.GENESIS)
    except IntegrityError:
        pass  # created concurrently
    return ChainHead.objects.select_for_update().get(pk=1)


def access_record(
    actor: Actor,
    *,
    event_type: str,
    action: Action,
    purpose: Purpose,
    outcome: Outcome = Outcome.SUCCESS,
    clients: Sequence[uuid.UUID | None] = (None,),
    object_type: str = "",
    object_id: str = "",
    region_id: str | int | None = None,
) -> list[AccessLogEntry]:
    """Append one entry per client (one entry without client when ``clients`` is empty
    of pseudonyms, e.g. a search that found nobody)."""
    targets = list(clients) or [None]
    key = _key()
    now = timezone.now()
    region = str(region_id) if region_id is not None else actor.region_id
    with transaction.atomic():
        head = _locked_head()
        sequence, previous = head.last_sequence, head.last_hash
        entries: list[AccessLogEntry] = []
        for pseudonym in targets:
            sequence += 1
            entry = AccessLogEntry(
                sequence=sequence,
                event_id=uuid.uuid4(),
                occurred_at=now,
                event_type=event_type,
                action=action,
                outcome=outcome,
                user_identifier=actor.user_identifier,
                user_display=actor.user_display,
                role=actor.role,
                on_behalf_of=actor.on_behalf_of,
                organisation_id_snapshot=actor.organisation_id,
                organisation_name=actor.organisation_name,
                region_id_snapshot=region,
                client_pseudonym=pseudonym,
                object_type=object_type,
                object_id=object_id,
                purpose=purpose,
                source=actor.source,
                request_id=actor.request_id,
                previous_hash=previous,
            )
            entry.entry_hash = hashchain.link(key, previous, entry.chain_fields())
            previous = entry.entry_hash
            entries.append(entry)
        AccessLogEntry.objects.bulk_create(entries)
        ChainHead.objects.filter(pk=1).update(last_sequence=sequence, last_hash=previous)
    return entries


def access_log_verify(*, progress: Any = None) -> hashchain.VerifyResult:
    """Recompute the whole chain; report edits, deletions and truncation."""
    head = ChainHead.objects.filter(pk=1).first()
    total = AccessLogEntry.objects.count()

    def entries() -> Any:
        for done, row in enumerate(
            AccessLogEntry.objects.order_by("sequence").iterator(chunk_size=5000), 1
        ):
            if progress is not None and done % 5000 == 0:
                progress(done, total)
            yield hashchain.ChainEntry(
                row.sequence, row.previous_hash, row.entry_hash, row.chain_fields()
            )

    return hashchain.verify(
        _key(),
        entries(),
        head_sequence=head.last_sequence if head else 0,
        head_hash=head.last_hash if head else None,
    )
