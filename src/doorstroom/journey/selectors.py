"""Reads of the journey. Everything that shows clients is scoped through
``organisations.scoping`` and written to the access log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from doorstroom.audit.services import Actor
from doorstroom.clients.models import Client
from doorstroom.clients.selectors import log_client_reads
from doorstroom.core import waiting as core_waiting
from doorstroom.core.journey import PLACE_PRODUCTS, Product, WaitingStatus
from doorstroom.facilities.models import Facility
from doorstroom.journey import config
from doorstroom.journey.display import Names, describe
from doorstroom.journey.models import ClientState, JourneyEvent
from doorstroom.organisations.scoping import scope

OPEN = (WaitingStatus.WAITING.value, WaitingStatus.OFFERED.value)


@dataclass(frozen=True)
class TimelineItem:
    event: JourneyEvent
    text: str
    corrected: bool  # a later correction changed or voided this step


def timeline(client: Client) -> list[TimelineItem]:
    """The client's events, newest first, as readable sentences. The caller has checked
    access and logged the read (``clients.selectors.client_get``)."""
    events = list(
        client.events.select_related("actor", "organisation", "corrects", "facility").order_by(
            "-id"
        )
    )
    corrected = {e.corrects_id for e in events if e.corrects_id}
    names = Names(events)
    return [TimelineItem(e, describe(e, names), e.pk in corrected) for e in events]


@dataclass(frozen=True)
class WaitingRow:
    state: ClientState
    position: int
    waiting_days: int
    reasons: list[str]  # in the active language


def explain(ranked: core_waiting.Ranked, policy: tuple[tuple[str, str], ...]) -> list[str]:
    """ "Why is this client here?": the client's own values, then who is ahead and why."""
    reasons = [
        gettext("%(key)s: %(value)s")
        % {"key": gettext(core_waiting.KEYS[key]), "value": _value(ranked.item.value(key))}
        for key, _direction in policy
    ]
    for key, count in ranked.ahead_by_key.items():
        if count:
            label = (
                gettext(core_waiting.TIE_BREAK)
                if key == "tie-break"
                else gettext(core_waiting.KEYS[key])
            )
            reasons.append(
                ngettext(
                    "%(count)s client is ahead because of the %(key)s.",
                    "%(count)s clients are ahead because of the %(key)s.",
                    count,
                )
                % {"count": count, "key": label}
            )
    if ranked.position == 1:
        reasons.append(gettext("Nobody is ahead: first in line."))
    return reasons


def _value(value: Any) -> str:
    return value.strftime("%d-%m-%Y") if isinstance(value, date) else str(value)


def waiting_list(
    *, user: Any, actor: Actor, product: Product, facility_id: int | None = None
) -> list[WaitingRow]:
    """The ordered waiting list of the user's region for one product (and optionally one
    preferred facility), each client with the reasons for their position."""
    region = user.organisation.region
    policy = config.waiting_list_policy(region, timezone.localdate()).definition
    rows = list(
        scope(
            user,
            ClientState.objects.select_related(
                "client", "client__responsible_municipality", "offered_facility", "waiting_facility"
            ),
        ).filter(client__region=region, waiting_product=product.value, waiting_status__in=OPEN)
    )
    if facility_id is not None:
        rows = [r for r in rows if r.waiting_facility_id in (None, facility_id)]
    items = {
        str(r.pk): core_waiting.Item(
            str(r.pk),
            r.urgency or 3,
            r.decision_date or r.waiting_since or date.min,
            r.waiting_since or date.min,
        )
        for r in rows
    }
    by_id = {str(r.pk): r for r in rows}
    today = timezone.localdate()
    ranked = core_waiting.rank(list(items.values()), policy)
    result = [
        WaitingRow(
            by_id[x.item.id], x.position, (today - x.item.entry_date).days, explain(x, policy)
        )
        for x in ranked
    ]
    log_client_reads(actor, user, [r.state.client for r in result], "waiting_list.read")
    return result


def waiting_list_counts(*, user: Any) -> dict[str, dict[str, int]]:
    """Per product: how many wait and how many have an offer (no client data)."""
    qs = (
        ClientState.objects.filter(client__region=user.organisation.region, waiting_status__in=OPEN)
        .values("waiting_product")
        .annotate(
            waiting=Count("pk", filter=Q(waiting_status=WaitingStatus.WAITING.value)),
            offered=Count("pk", filter=Q(waiting_status=WaitingStatus.OFFERED.value)),
        )
    )
    counts = {p.value: {"waiting": 0, "offered": 0} for p in Product if p in PLACE_PRODUCTS}
    for row in qs:
        counts[row["waiting_product"]] = {"waiting": row["waiting"], "offered": row["offered"]}
    return counts


def facility_list(*, user: Any) -> QuerySet[Facility]:
    return scope(user, Facility.objects.select_related("provider", "municipality")).order_by(
        "facility_type", "municipality__name", "name"
    )


def facility_get(*, user: Any, pk: int) -> Facility | None:
    return facility_list(user=user).filter(pk=pk).first()


def facility_residents(*, user: Any, actor: Actor, facility: Facility) -> list[ClientState]:
    """The clients staying in a facility now, for users who may see them (logged)."""
    rows = list(
        scope(
            user, ClientState.objects.select_related("client", "client__responsible_municipality")
        )
        .filter(facility=facility)
        .order_by("stay_since")
    )
    log_client_reads(actor, user, [r.client for r in rows], "facility.residents.read")
    return rows


def free_facilities(*, user: Any, product: str) -> QuerySet[Facility]:
    """Facilities of the region with a free place of this type, for offers and placements."""
    return (
        Facility.objects.filter(
            region=user.organisation.region, facility_type=product, status=Facility.Status.EXISTING
        )
        .exclude(occupied__gte=F("places"))
        .select_related("municipality", "provider")
        .order_by("municipality__name", "name")
    )
