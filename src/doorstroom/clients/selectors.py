"""Reads of client data. Every function here scopes through
``doorstroom.organisations.scoping`` and writes the access log for what it returns,
including refused attempts on clients outside the user's scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from doorstroom.audit.models import AccessLogEntry, Action, Outcome, Purpose
from doorstroom.audit.selectors import access_log_for_pseudonym
from doorstroom.audit.services import Actor, access_record
from doorstroom.clients.crypto import bsn_digest
from doorstroom.clients.models import Client
from doorstroom.core.roles import Role
from doorstroom.organisations.scoping import scope, scope_for_audit

PURPOSE_BY_ROLE = {
    Role.ACCESS_OFFICER: Purpose.ACCESS,
    Role.PLACEMENT_COORDINATOR: Purpose.PLACEMENT,
    Role.MUNICIPAL_OFFICER: Purpose.FOLLOW_UP,
    Role.CARE_PROVIDER: Purpose.CARE,
    Role.ADMINISTRATOR: Purpose.ACCOUNTABILITY,
}


class ClientNotFound(LookupError):
    """No such client, or not one the user may see (the two are not distinguished)."""


def purpose_for(user: Any) -> Purpose:
    return PURPOSE_BY_ROLE.get(user.role_enum, Purpose.ACCESS)


def _visible(user: Any) -> QuerySet[Client]:
    return scope(user, Client.objects.select_related("responsible_municipality", "region", "state"))


def log_client_reads(actor: Actor, user: Any, clients: Sequence[Client], event_type: str) -> None:
    """One access-log entry per client shown (NEN 7513: which client, by whom, why)."""
    if clients:
        access_record(
            actor,
            event_type=event_type,
            action=Action.READ,
            purpose=purpose_for(user),
            clients=[c.pseudonym for c in clients],
            object_type="client",
            region_id=clients[0].region_id,
        )


def _log_denied(actor: Actor, user: Any, pseudonym: UUID, event_type: str) -> None:
    other = Client.objects.filter(pseudonym=pseudonym).values_list("region_id", flat=True).first()
    if other is not None:
        access_record(
            actor,
            event_type=event_type,
            action=Action.READ,
            purpose=purpose_for(user),
            outcome=Outcome.DENIED,
            clients=[pseudonym],
            object_type="client",
            object_id=str(pseudonym),
            region_id=other,
        )


def client_page(
    *, user: Any, actor: Actor, page_number: Any = 1, per_page: int = 50
) -> Page[Client]:
    """One page of the clients the user may see; each client shown is logged."""
    paginator = Paginator(_visible(user).order_by("-created_at", "pk"), per_page)
    page = paginator.get_page(page_number)
    log_client_reads(actor, user, list(page.object_list), "client.list")
    return page


def client_get(
    *, user: Any, actor: Actor, pseudonym: UUID, event_type: str = "client.read"
) -> Client:
    client = _visible(user).filter(pseudonym=pseudonym).first()
    if client is None:
        _log_denied(actor, user, pseudonym, event_type)
        raise ClientNotFound(str(pseudonym))
    log_client_reads(actor, user, [client], event_type)
    return client


def client_find_by_bsn(*, user: Any, actor: Actor, bsn: str) -> Client | None:
    """Look a client up by BSN (validated by the caller). The search itself is logged,
    with the client found; a search outside the user's scope is logged as refused."""
    digest = bsn_digest(bsn)
    client = _visible(user).filter(bsn_digest=digest).first()
    if client is not None:
        log_client_reads(actor, user, [client], "client.search")
        return client
    outside = Client.objects.filter(bsn_digest=digest).values_list("pseudonym", "region_id")
    if outside:
        for pseudonym, region_id in outside:
            access_record(
                actor,
                event_type="client.search",
                action=Action.READ,
                purpose=purpose_for(user),
                outcome=Outcome.DENIED,
                clients=[pseudonym],
                object_type="client",
                region_id=region_id,
            )
    else:
        access_record(
            actor,
            event_type="client.search",
            action=Action.READ,
            purpose=purpose_for(user),
            object_type="client",
            object_id="geen resultaat",
        )
    return None


def client_access_log(
    *, user: Any, actor: Actor, pseudonym: UUID
) -> tuple[Client, QuerySet[AccessLogEntry]]:
    """The access log of one client, for administrators and access officers in scope."""
    client = (
        scope_for_audit(user, Client.objects.select_related("region"))
        .filter(pseudonym=pseudonym)
        .first()
    )
    if client is None:
        _log_denied(actor, user, pseudonym, "client.access_log.read")
        raise ClientNotFound(str(pseudonym))
    entries = access_log_for_pseudonym(pseudonym)
    access_record(
        actor,
        event_type="client.access_log.read",
        action=Action.READ,
        purpose=Purpose.DATA_SUBJECT if user.role_enum is Role.ADMINISTRATOR else purpose_for(user),
        clients=[client.pseudonym],
        object_type="access_log",
        region_id=client.region_id,
    )
    return client, entries


def client_exists_in_region(*, region: Any, bsn: str) -> bool:
    """Whether a BSN is known in the region (no client data returned; used by intake)."""
    return Client.objects.filter(region=region, bsn_digest=bsn_digest(bsn)).exists()
