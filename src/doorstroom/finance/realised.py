"""Realised care costs of a region, from the journey event log.

Stays come from the columnar event log (``journey.eventlog.event_log_load`` and
``core.eventlog.derive_spells``: the ``stays`` spells), the same reading the monitor and the
forecast use. Two independent readings check it in the tests: the journey projection
(:func:`stays_from_states`, ``ClientState.snapshot``) and folding every client's events
with ``core.journey`` again (:func:`stays_from_events`). Each stay is charged to the
municipality responsible for the client's episode (residence principle; after a resolved
dispute the whole episode goes to the municipality it was resolved to).

Only aggregates leave this module. The computation reads client data, so it writes one
access-log entry (no client pseudonym: nobody is shown) for the acting user.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.core.eventlog import derive_spells
from doorstroom.core.finance import CostResult, CostStay, Tariff, realised_costs
from doorstroom.core.finance.costs import stays_from_frame
from doorstroom.core.journey import Event, EventType, JourneyState, Product, project
from doorstroom.facilities.models import Facility
from doorstroom.finance import models
from doorstroom.journey.eventlog import event_log_load
from doorstroom.journey.models import ClientState, JourneyEvent
from doorstroom.reference.models import Region


def _stays(client_id: int, episodes: Iterable[Mapping[str, Any]]) -> list[CostStay]:
    result = []
    for episode in episodes:
        responsible = str(episode.get("responsible_municipality") or "")
        for stay in episode.get("stays") or ():
            end = stay.get("end")
            result.append(
                CostStay(
                    client_id,
                    int(stay["facility_id"]),
                    Product(stay["product"]),
                    date.fromisoformat(stay["start"]),
                    date.fromisoformat(end) if end else None,
                    responsible,
                )
            )
    return result


def stays_from_log(region: Region) -> list[CostStay]:
    """Every stay of the region's clients, from the columnar event log."""
    return stays_from_frame(derive_spells(event_log_load(region_ids=[region.pk])).stays)


def stays_from_states(region: Region) -> list[CostStay]:
    """Every stay of the region's clients, from the journey projection."""
    stays: list[CostStay] = []
    rows = ClientState.objects.filter(client__region=region).values_list("client_id", "snapshot")
    for client_id, snapshot in rows.iterator(chunk_size=2000):
        stays.extend(_stays(client_id, (snapshot or {}).get("episodes") or ()))
    return stays


def _state_episodes(state: JourneyState) -> list[dict[str, Any]]:
    return [
        {
            "responsible_municipality": e.responsible_municipality,
            "stays": [
                {
                    "facility_id": s.facility_id,
                    "product": s.product.value,
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat() if s.end else None,
                }
                for s in e.stays
            ],
        }
        for e in state.episodes
    ]


def stays_from_events(region: Region) -> list[CostStay]:
    """Every stay of the region's clients, by folding their journey events again."""
    history: dict[int, list[Event]] = defaultdict(list)
    rows = (
        JourneyEvent.objects.filter(client__region=region)
        .order_by("client_id", "id")
        .values_list("client_id", "event_id", "event_type", "effective_date", "id", "payload")
    )
    for client_id, event_id, kind, effective, sequence, payload in rows.iterator(chunk_size=5000):
        history[client_id].append(
            Event(str(event_id), EventType(kind), effective, sequence, payload)
        )
    stays: list[CostStay] = []
    for client_id, events in history.items():
        stays.extend(_stays(client_id, _state_episodes(project(events))))
    return stays


def tariffs_for(
    region: Region, facility_ids: Iterable[int] = ()
) -> tuple[list[Tariff], dict[int, Decimal]]:
    """The region's tariffs, and the plain price per day of the region's facilities (and of
    ``facility_ids`` elsewhere) as the fallback."""
    tariffs = [
        Tariff(
            t.price_per_day,
            t.valid_from,
            t.valid_until,
            facility_id=t.facility_id,
            product=Product(t.product) if t.product else None,
        )
        for t in models.Tariff.objects.filter(region=region)
    ]
    facilities = Facility.objects.filter(Q(region=region) | Q(pk__in=set(facility_ids)))
    prices = dict(facilities.values_list("pk", "price_per_day"))
    return tariffs, prices


def region_costs(
    region: Region,
    start: date,
    end: date,
    *,
    actor: Actor | None,
    source: str = "log",
) -> CostResult:
    """Realised costs of the region's clients from ``start`` to ``end`` (inclusive); the
    stays from the event log (``source="log"``), or, to check it, from the projection
    (``"projection"``) or the fold (``"fold"``)."""
    return region_costs_periods(region, [(start, end)], actor=actor, source=source)[0]


def region_costs_periods(
    region: Region,
    periods: Sequence[tuple[date, date]],
    *,
    actor: Actor | None,
    source: str = "log",
) -> list[CostResult]:
    """Realised costs for several periods, reading the stays and tariffs once."""
    reader = {"log": stays_from_log, "projection": stays_from_states, "fold": stays_from_events}
    stays = reader[source](region)
    tariffs, prices = tariffs_for(region, {s.facility_id for s in stays})
    results = [realised_costs(stays, tariffs, first, last, prices) for first, last in periods]
    if actor is not None:
        access_record(
            actor,
            event_type="finance.realised_costs",
            action=Action.READ,
            purpose=Purpose.ACCOUNTABILITY,
            clients=(),
            object_type="region",
            object_id=str(region.pk),
            region_id=region.pk,
        )
    return results
