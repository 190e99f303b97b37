"""Read the stored journey events into the core's columnar event log.

This is the one place where the event log leaves the database for analysis (monitor,
forecast calibration, policy replay, realised costs). It reads with plain SQL over the
JSON payload keys it needs, so that the national scale (~1,000,000 events) loads in
seconds; clients with corrections are read in full and folded with
``core.journey.resolve_corrections`` first.

The caller is responsible for the access log: reading the log for aggregates is recorded
once per computation (see ``monitor.services.snapshot_refresh``), not per client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Max
from numpy.typing import NDArray

from doorstroom.clients.models import Client
from doorstroom.core.eventlog import (
    CHANNEL_CODE,
    DESTINATION_CODE,
    EVENT_COLUMNS,
    NONE,
    PRODUCT_CODE,
    TYPE_CODE,
    EventLog,
    EventLogBuilder,
    Facilities,
)
from doorstroom.core.journey import Event, EventType
from doorstroom.facilities.models import Facility
from doorstroom.journey.models import JourneyEvent
from doorstroom.reference.models import Municipality, Region

_PAYLOAD_KEYS = (
    "channel",
    "product",
    "facility_type",
    "advice",
    "destination",
    "applied_municipality",
    "origin_municipality",
    "responsible_municipality",
    "destination_municipality",
    "action",
    "urgency",
    "months_since_exit",
)


@dataclass(frozen=True)
class Dimensions:
    municipalities: tuple[str, ...]
    regions: tuple[str, ...]  # region slugs
    region_ids: tuple[int, ...]


def dimensions() -> Dimensions:
    regions = list(Region.objects.order_by("pk").values_list("pk", "slug"))
    return Dimensions(
        municipalities=tuple(Municipality.objects.order_by("code").values_list("code", flat=True)),
        regions=tuple(slug for _, slug in regions),
        region_ids=tuple(pk for pk, _ in regions),
    )


def log_version() -> str:
    """Changes whenever an event is recorded or a facility's places change."""
    last = JourneyEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    facilities = Facility.objects.order_by("pk").values_list(
        "pk", "places", "status", "opened_on", "municipality_id", "facility_type"
    )
    digest = hashlib.sha1(repr(list(facilities)).encode(), usedforsecurity=False).hexdigest()
    return f"{last}:{digest[:12]}"


def _json_text(key: str) -> str:
    if connection.vendor == "postgresql":
        return f"payload->>'{key}'"
    return f"json_extract(payload, '$.{key}')"


def event_log_load(*, region_ids: Collection[int] | None = None) -> EventLog:
    """The corrected history of every client (of these regions) as columns."""
    dims = dimensions()
    region_index = {pk: i for i, pk in enumerate(dims.region_ids)}
    mun_index = {code: i for i, code in enumerate(dims.municipalities)}
    region_filter, params = "", []
    if region_ids is not None:
        wanted = list(region_ids) or [-1]
        region_filter = f"WHERE c.region_id IN ({', '.join(['%s'] * len(wanted))})"
        params = list(wanted)
    clients_table, events_table = Client._meta.db_table, JourneyEvent._meta.db_table
    payload = ", ".join(_json_text(k) for k in _PAYLOAD_KEYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, c.birth_date, c.region_id FROM {clients_table} c "  # noqa: S608
            f"{region_filter} ORDER BY c.id",
            params,
        )
        clients = cursor.fetchall()
        cursor.execute(
            "SELECT e.client_id, e.id, e.effective_date, e.event_type, e.facility_id, "  # noqa: S608
            f"e.corrects_id, {payload} FROM {events_table} e "
            f"JOIN {clients_table} c ON c.id = e.client_id {region_filter} "
            "ORDER BY e.client_id, e.id",
            params,
        )
        rows = cursor.fetchall()
    builder = EventLogBuilder(dims.municipalities, dims.regions)
    index_of = {
        pk: builder.client(pk, _as_date(birth).toordinal(), region_index[region])
        for pk, birth, region in clients
    }
    corrected = {row[0] for row in rows if row[5] is not None}
    for pk in sorted(corrected):  # rare: fold the corrections in Python
        history = [
            Event(str(e.event_id), EventType(e.event_type), e.effective_date, e.pk, e.payload)
            for e in JourneyEvent.objects.filter(client_id=pk).order_by("pk")
        ]
        builder.add_history(index_of[pk], history)
    slow = builder.build()
    fast = _columns([r for r in rows if r[0] not in corrected], index_of, mun_index)
    merged = {
        name: np.concatenate([fast[name], getattr(slow, name)]).astype(getattr(slow, name).dtype)
        for name in EVENT_COLUMNS
    }
    return EventLog(
        **merged,
        municipalities=slow.municipalities,
        regions=slow.regions,
        client_ids=slow.client_ids,
        client_birth=slow.client_birth,
        client_region=slow.client_region,
        facilities=_facilities(mun_index, region_index),
    ).sorted()


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _codes(values: Sequence[object], mapping: Mapping[str, int]) -> NDArray[np.int64]:
    return np.array([mapping.get(str(v), NONE) if v else NONE for v in values], dtype=np.int64)


def _ints(values: Sequence[object], missing: int) -> NDArray[np.int64]:
    return np.array(
        [int(str(v)) if v not in (None, "") else missing for v in values], dtype=np.int64
    )


def _columns(
    rows: Sequence[Sequence[Any]], index_of: Mapping[int, int], mun_index: Mapping[str, int]
) -> dict[str, NDArray[Any]]:
    """Event columns from the SQL rows (client, id, date, type, facility, corrects, keys)."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * (6 + len(_PAYLOAD_KEYS))
    get = dict(
        zip(
            ["client", "seq", "day", "type", "facility", "corrects", *_PAYLOAD_KEYS],
            cols,
            strict=True,
        )
    )
    types = [EventType(t) for t in get["type"]]
    code = np.array([TYPE_CODE[t] for t in types], dtype=np.int64)
    is_app = code == TYPE_CODE[EventType.APPLICATION]
    products = {p.value: i for p, i in PRODUCT_CODE.items()}
    product = [
        _row_product(t, p, f, a)
        for t, p, f, a in zip(
            types, get["product"], get["facility_type"], get["advice"], strict=True
        )
    ]
    municipality = [
        _row_municipality(t, a, d, action, r)
        for t, a, d, action, r in zip(
            types,
            get["applied_municipality"],
            get["destination_municipality"],
            get["action"],
            get["responsible_municipality"],
            strict=True,
        )
    ]
    with_facility = np.isin(
        code,
        [TYPE_CODE[EventType.OFFER], TYPE_CODE[EventType.PLACEMENT], TYPE_CODE[EventType.TRANSFER]],
    )
    return {
        "client": np.array([index_of[c] for c in get["client"]], dtype=np.int64),
        "seq": np.array(get["seq"], dtype=np.int64),
        "day": np.array([_as_date(d).toordinal() for d in get["day"]], dtype=np.int64),
        "type": code,
        "product": _codes(product, products),
        "facility": np.where(with_facility, _ints(get["facility"], NONE), NONE),
        "municipality": _codes(municipality, mun_index),
        "origin": np.where(is_app, _codes(get["origin_municipality"], mun_index), NONE),
        "responsible": np.where(is_app, _codes(get["responsible_municipality"], mun_index), NONE),
        "channel": np.where(
            is_app,
            _codes(
                [c or "other" for c in get["channel"]],
                {c.value: i for c, i in CHANNEL_CODE.items()},
            ),
            NONE,
        ),
        "destination": np.where(
            code == TYPE_CODE[EventType.EXIT],
            _codes(get["destination"], {d.value: i for d, i in DESTINATION_CODE.items()}),
            NONE,
        ),
        "urgency": _ints(get["urgency"], 0),
        "months": np.where(
            code == TYPE_CODE[EventType.RETURN], _ints(get["months_since_exit"], NONE), NONE
        ),
    }


def _row_product(kind: EventType, product: object, facility_type: object, advice: object) -> object:
    if kind in (EventType.DECISION, EventType.WAITING_LIST_ENTRY):
        return product
    if kind in (EventType.OFFER, EventType.PLACEMENT, EventType.TRANSFER):
        return facility_type
    if kind in (EventType.ASSESSMENT, EventType.SECOND_OPINION):
        return advice
    return None


def _row_municipality(
    kind: EventType, applied: object, destination: object, action: object, responsible: object
) -> object:
    if kind is EventType.APPLICATION:
        return applied
    if kind is EventType.EXIT:
        return destination
    if kind is EventType.DISPUTE and action == "resolve":
        return responsible
    return None


def _facilities(mun_index: Mapping[str, int], region_index: Mapping[int, int]) -> Facilities:
    """Facilities in use (planned and proposed ones have no places yet)."""
    rows = list(
        Facility.objects.filter(status=Facility.Status.EXISTING)
        .order_by("pk")
        .values_list(
            "pk",
            "facility_type",
            "municipality__code",
            "places",
            "price_per_day",
            "opened_on",
            "region_id",
            "min_age",
            "max_age",
        )
    )
    product = {p.value: i for p, i in PRODUCT_CODE.items()}
    return Facilities(
        id=np.array([r[0] for r in rows], dtype=np.int32),
        product=np.array([product[r[1]] for r in rows], dtype=np.int8),
        municipality=np.array([mun_index.get(r[2], NONE) for r in rows], dtype=np.int16),
        places=np.array([r[3] for r in rows], dtype=np.int32),
        price_per_day=np.array([float(r[4]) for r in rows], dtype=np.float64),
        opened=np.array([r[5].toordinal() if r[5] else NONE for r in rows], dtype=np.int32),
        region=np.array([region_index.get(r[6], NONE) for r in rows], dtype=np.int16),
        min_age=np.array([r[7] if r[7] is not None else NONE for r in rows], dtype=np.int16),
        max_age=np.array([r[8] if r[8] is not None else NONE for r in rows], dtype=np.int16),
    )
