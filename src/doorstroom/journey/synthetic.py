"""Load a synthetic history (``core.synthetic``) into the database, in bulk.

Used by the demo and by benchmarks. Every event is one that ``core.journey`` accepts (the
generator is tested for that, and the projection is rebuilt here with the same fold the
services use); loading skips the per-event service calls only for speed. The synthetic
clients have no BSN (as real clients without one: homeless, undocumented), invented names,
and an access-log entry each ("synthetic.load"). Loading twice changes nothing.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.clients.crypto import encrypt
from doorstroom.clients.models import Client
from doorstroom.core import synthetic as core_synthetic
from doorstroom.core.journey import project
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.facilities.models import Facility
from doorstroom.journey.models import ClientState, JourneyEvent
from doorstroom.journey.services import fill_state
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region

MARK = "(synthetisch)"
GIVEN = ("Sam", "Noa", "Robin", "Kim", "Luca", "Jip", "Alex", "Charlie", "Eden", "Sasha")
FAMILY = ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer")
PROVIDERS = ("Zorggroep {region} {mark}", "Stichting Wonen {region} {mark}")


@dataclass(frozen=True)
class LoadResult:
    regions: int
    facilities: int
    clients: int
    events: int


def region_office(region: Region) -> Organisation:
    office = (
        Organisation.objects.filter(region=region, kind=OrganisationKind.REGION_OFFICE)
        .order_by("pk")
        .first()
    )
    if office is None:
        office = Organisation.objects.create(
            region=region,
            kind=OrganisationKind.REGION_OFFICE,
            name=f"Regio {region.name} — Bureau Beschermd Wonen en Opvang",
        )
    return office


def _system_user(region: Region, office: Organisation) -> User:
    user = User.objects.filter(username=f"synthetisch.{region.slug}").first()
    if user is None:
        user = User(
            username=f"synthetisch.{region.slug}",
            organisation=office,
            role=Role.ACCESS_OFFICER.value,
            first_name="Synthetische",
            last_name="gegevens",
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
    return user


def already_loaded() -> bool:
    return Organisation.objects.filter(name__endswith=MARK).exists()


@transaction.atomic
def synthetic_load(
    data: core_synthetic.SyntheticData,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 2000,
) -> LoadResult:
    """Store the synthetic regions' facilities, clients and events (once)."""
    if already_loaded():
        return LoadResult(0, 0, 0, 0)
    regions = {r.name: r for r in Region.objects.filter(name__in=[s.name for s in data.regions])}
    missing = [s.name for s in data.regions if s.name not in regions]
    if missing:
        raise ValueError(f"regions not in the reference data: {', '.join(missing)}")
    municipalities = dict(Municipality.objects.values_list("code", "pk"))
    offices: dict[int, Organisation] = {}
    users: dict[int, User] = {}
    providers: dict[tuple[int, int], Organisation] = {}
    for index, spec in enumerate(data.regions):
        region = regions[spec.name]
        offices[index] = region_office(region)
        users[index] = _system_user(region, offices[index])
        for p, pattern in enumerate(PROVIDERS):
            providers[(index, p)], _ = Organisation.objects.get_or_create(
                region=region,
                name=pattern.format(region=spec.name, mark=MARK),
                defaults={"kind": OrganisationKind.CARE_PROVIDER},
            )
    facility_pk: dict[int, int] = {}
    for f in data.facilities:
        facility = Facility.objects.create(
            provider=providers[(f.region, f.provider)],
            region=regions[data.regions[f.region].name],
            name=f.name,
            facility_type=f.product.value,
            municipality_id=municipalities[f.municipality],
            places=f.places,
            min_age=f.min_age,
            max_age=f.max_age,
            price_per_day=Decimal(str(f.price_per_day)),
            target_group="Jongeren 18-24" if f.max_age else "",
        )
        facility_pk[f.id] = facility.pk
    rng = random.Random(2026)  # noqa: S311  (invented names, not security)
    log = data.log
    total = data.clients
    occupied: dict[int, int] = {}
    events_written = 0
    for start in range(0, total, chunk):
        indices = range(start, min(total, start + chunk))
        histories = [_remap(core_synthetic.history(data, i), facility_pk) for i in indices]
        clients = []
        for i, history in zip(indices, histories, strict=True):
            region_index = int(log.client_region[i])
            responsible = _responsible(history) or data.regions[region_index].centre
            clients.append(
                Client(
                    pseudonym=uuid.uuid4(),
                    region=regions[data.regions[region_index].name],
                    responsible_municipality_id=municipalities[responsible],
                    bsn_digest=f"synthetic:{uuid.uuid4().hex}",
                    bsn_encrypted=encrypt(""),
                    given_names=rng.choice(GIVEN),
                    family_name=rng.choice(FAMILY),
                    birth_date=date.fromordinal(int(log.client_birth[i])),
                    created_by=users[region_index],
                )
            )
        Client.objects.bulk_create(clients)
        stored = list(
            Client.objects.filter(pseudonym__in=[c.pseudonym for c in clients]).order_by("pk")
        )
        by_pseudonym = {c.pseudonym: c for c in stored}
        rows = []
        now = timezone.now()
        for i, client, history in zip(indices, clients, histories, strict=True):
            region_index = int(log.client_region[i])
            db_client = by_pseudonym[client.pseudonym]
            for event in history:
                rows.append(
                    (
                        uuid.uuid4(),
                        db_client.pk,
                        event.type.value,
                        event.effective,
                        now,
                        users[region_index].pk,
                        offices[region_index].pk,
                        event.payload.get("facility_id"),
                        None,
                        json.dumps(event.payload),
                    )
                )
        _insert_events(rows)
        events_written += len(rows)
        states = []
        for client, history in zip(clients, histories, strict=True):
            db_client = by_pseudonym[client.pseudonym]
            state = project(history, birth_date=db_client.birth_date)
            row = ClientState(client=db_client)
            fill_state(row, state, 0)
            states.append(row)
            if state.facility_id is not None:
                occupied[state.facility_id] = occupied.get(state.facility_id, 0) + 1
        ClientState.objects.bulk_create(states)
        access_record(
            Actor.system("synthetic-load"),
            event_type="synthetic.load",
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            clients=[c.pseudonym for c in clients],
            object_type="client",
        )
        if progress is not None:
            progress(min(total, start + chunk), total)
    # the projection's last event is the stored sequence: set it in one statement per client
    _set_last_events()
    for facility_id, count in occupied.items():
        Facility.objects.filter(pk=facility_id).update(occupied=F("occupied") + count)
    return LoadResult(len(data.regions), len(facility_pk), total, events_written)


EVENT_COLUMNS = (
    "event_id",
    "client_id",
    "event_type",
    "effective_date",
    "recorded_at",
    "actor_id",
    "organisation_id",
    "facility_id",
    "corrects_id",
    "payload",
)


def _insert_events(rows: Sequence[tuple[Any, ...]]) -> None:
    """Append events in recording order: COPY on PostgreSQL, executemany elsewhere (the
    ORM's bulk_create spends most of its time building model instances)."""
    table = JourneyEvent._meta.db_table
    columns = ", ".join(EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(EVENT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                [(str(r[0]).replace("-", ""), *r[1:]) for r in rows],
            )


def _remap(history: Sequence[Any], facility_pk: dict[int, int]) -> list[Any]:
    """Synthetic facility ids -> stored facility ids, in payloads."""
    from dataclasses import replace

    result = []
    for event in history:
        facility = event.payload.get("facility_id")
        if facility is not None:
            event = replace(event, payload={**event.payload, "facility_id": facility_pk[facility]})
        result.append(event)
    return result


def _responsible(history: Sequence[Any]) -> str:
    """The responsible municipality after the history (last application, then disputes)."""
    responsible = ""
    for event in history:
        value = event.payload.get("responsible_municipality")
        if value and (
            event.type.value == "application_received" or event.payload.get("action") == "resolve"
        ):
            responsible = str(value)
    return responsible


def _set_last_events() -> None:
    from django.db.models import Max, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    last = (
        JourneyEvent.objects.filter(client=OuterRef("client"))
        .values("client")
        .annotate(last=Max("pk"))
        .values("last")
    )
    ClientState.objects.filter(last_event=0).update(last_event=Coalesce(Subquery(last), 0))


def demo_synthetic_data(
    *, end: date, years: int = 5, seed: int = 2026, regions: Sequence[str] | None = None
) -> core_synthetic.SyntheticData:
    """The five demo regions (reference data), simulated up to ``end``."""
    specs = []
    for region in Region.objects.prefetch_related("members").order_by("name"):
        if regions is not None and region.name not in regions:
            continue
        members = tuple(
            core_synthetic.MunicipalitySpec(m.code, m.name, _population(m))
            for m in region.members.order_by("code")
        )
        specs.append(
            core_synthetic.RegionSpec(region.name, region.centre.code, members, code=region.slug)
        )
    codes = list(Municipality.objects.order_by("code").values_list("code", flat=True))
    return core_synthetic.generate(specs, end=end, years=years, seed=seed, municipalities=codes)


def _population(municipality: Municipality) -> int:
    latest = municipality.population.order_by("-year").first()
    return int(latest.population) if latest else 30_000
