"""Writes of the client journey. Every step goes through :func:`journey_event_record`:

1. the user's role may record this step, for a client (and facility) in their scope;
2. the step is applied to the current state by the pure core (``core.journey.apply``),
   which refuses impossible sequences with a translatable message;
3. the event is stored (append-only), the projection and the facility counters are
   updated, and the access log is written - all in one transaction.

Capacity is enforced by the database (``occupied <= places``); a second coordinator who
takes the last place gets :class:`~doorstroom.core.journey.JourneyError` and nothing is
stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.clients.crypto import bsn_digest
from doorstroom.clients.models import Client
from doorstroom.clients.services import client_register
from doorstroom.core import assessment as core_assessment
from doorstroom.core import residence as core_residence
from doorstroom.core.journey import (
    PLACE_PRODUCTS,
    Destination,
    Event,
    EventType,
    JourneyError,
    JourneyState,
    Product,
    WaitingStatus,
    age_on,
    apply,
    project,
    state_to_dict,
)
from doorstroom.core.roles import Role
from doorstroom.facilities.models import Facility
from doorstroom.journey import config
from doorstroom.journey.models import ClientState, JourneyEvent
from doorstroom.journey.permissions import EVENT_ROLES, PROVIDER_OWN_FACILITY
from doorstroom.organisations.scoping import scope
from doorstroom.reference.models import Municipality

PURPOSE = {
    Role.ACCESS_OFFICER: Purpose.ACCESS,
    Role.PLACEMENT_COORDINATOR: Purpose.PLACEMENT,
    Role.CARE_PROVIDER: Purpose.CARE,
    Role.MUNICIPAL_OFFICER: Purpose.FOLLOW_UP,
}
_NEXT = 2**62  # sequence placeholder for an event not stored yet: after every stored event


# ---------------------------------------------------------------- the one write path
def core_events(client: Client) -> list[Event]:
    return [
        Event(str(e.event_id), EventType(e.event_type), e.effective_date, e.pk, e.payload)
        for e in client.events.order_by("pk")
    ]


def _authorise(user: Any, client: Client, event_type: EventType, facility: Facility | None) -> None:
    role = user.role_enum
    if role not in EVENT_ROLES[event_type]:
        raise PermissionDenied
    if role is Role.CARE_PROVIDER and event_type in PROVIDER_OWN_FACILITY:
        target = facility if event_type is EventType.PLACEMENT else client_facility(client)
        if target is None or target.provider_id != user.organisation_id:
            raise PermissionDenied
        return
    if not scope(user, Client.objects.filter(pk=client.pk)).exists():
        raise PermissionDenied


def client_facility(client: Client) -> Facility | None:
    state = ClientState.objects.filter(client=client).select_related("facility").first()
    return state.facility if state else None


def _facility_payload(facility: Facility) -> dict[str, Any]:
    return {
        "facility_id": facility.pk,
        "facility_type": facility.facility_type,
        "facility_municipality": facility.municipality.code,
        "facility_min_age": facility.min_age,
        "facility_max_age": facility.max_age,
    }


def journey_event_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    event_type: EventType,
    effective: date,
    payload: Mapping[str, Any] | None = None,
    facility: Facility | None = None,
    corrects: JourneyEvent | None = None,
) -> JourneyEvent:
    _authorise(user, client, event_type, facility)
    data = dict(payload or {})
    if facility is not None:
        if facility.region_id != client.region_id:
            raise JourneyError(gettext_noop("This facility is not in the client's region."))
        if not facility.takes_clients:
            raise JourneyError(
                gettext_noop("This facility is not in use yet (planned or proposed).")
            )
        data.update(_facility_payload(facility))
    if corrects is not None:
        data["corrects"] = str(corrects.event_id)
    today = timezone.localdate()
    with transaction.atomic():
        row, _ = ClientState.objects.select_for_update().get_or_create(client=client)
        history = core_events(client)
        old = project(history, birth_date=client.birth_date)
        new_event = Event("new", event_type, effective, _NEXT, data)
        if event_type is EventType.CORRECTION:
            if effective > today:
                raise JourneyError(
                    gettext_noop("The date %(date)s lies in the future."),
                    date=effective.isoformat(),
                )
            new = project([*history, new_event], birth_date=client.birth_date, today=today)
        else:
            new = apply(old, new_event, birth_date=client.birth_date, today=today)
        event = JourneyEvent.objects.create(
            client=client,
            event_type=event_type,
            effective_date=effective,
            actor=user,
            organisation=user.organisation,
            facility=facility,
            corrects=corrects,
            payload=data,
        )
        _sync(row, client, old, new, event.pk)
        access_record(
            actor,
            event_type=f"journey.{event_type.value}",
            action=Action.CREATE,
            purpose=PURPOSE.get(user.role_enum, Purpose.ACCESS),
            clients=[client.pseudonym],
            object_type="journey_event",
            object_id=str(event.event_id),
            region_id=client.region_id,
        )
    return event


def _sync(
    row: ClientState, client: Client, old: JourneyState, new: JourneyState, last_event: int
) -> None:
    """Bring the projection and the facility counters in line with ``new``."""
    if old.facility_id != new.facility_id:
        if old.facility_id is not None:
            Facility.objects.filter(pk=old.facility_id).update(occupied=F("occupied") - 1)
        if new.facility_id is not None:
            _take_place(new.facility_id)
    write_state(row, new, last_event)
    if (
        new.responsible_municipality
        and new.responsible_municipality != client.responsible_municipality.code
    ):
        client.responsible_municipality = Municipality.objects.get(
            code=new.responsible_municipality
        )
        client.save(update_fields=["responsible_municipality"])


def _take_place(facility_id: int) -> None:
    try:
        with transaction.atomic():  # savepoint: the CHECK constraint may refuse
            Facility.objects.filter(pk=facility_id).update(occupied=F("occupied") + 1)
    except IntegrityError:
        name = Facility.objects.filter(pk=facility_id).values_list("name", flat=True).first()
        raise JourneyError(
            gettext_noop(
                "There is no free place left in %(facility)s. Someone else took the last place just now."
            ),
            facility=name or facility_id,
        ) from None


def write_state(row: ClientState, state: JourneyState, last_event: int) -> None:
    fill_state(row, state, last_event)
    row.save()


def fill_state(row: ClientState, state: JourneyState, last_event: int) -> None:
    """Set the projection fields of ``row`` from ``state`` (without saving)."""
    episode = state.episode
    waiting = episode.waiting if episode else None
    stay = episode.current_stay if episode else None
    row.status = state.status.value
    row.episode = episode.number if episode else 0
    row.applied_on = episode.applied_on if episode else None
    row.advice = episode.advice.value if episode and episode.advice else ""
    row.product = episode.decided_product.value if episode and episode.decided_product else ""
    row.decision_date = episode.decision_date if episode else None
    row.urgency = episode.urgency if episode else None
    row.facility_id = stay.facility_id if stay else None
    row.stay_since = stay.start if stay else None
    row.ready_since = episode.ready_since if episode and stay else None
    open_wait = waiting is not None and waiting.status in (
        WaitingStatus.WAITING,
        WaitingStatus.OFFERED,
    )
    row.waiting_product = waiting.product.value if waiting else ""
    row.waiting_status = waiting.status.value if waiting else ""
    row.waiting_since = waiting.since if waiting else None
    row.waiting_facility_id = waiting.facility_id if open_wait and waiting else None
    row.offered_facility_id = waiting.offered_facility_id if open_wait and waiting else None
    row.open_disputes = state.open_disputes
    row.last_effective = state.last_effective
    row.last_event = last_event
    row.snapshot = state_to_dict(state)


# ---------------------------------------------------------------- intake
@dataclass(frozen=True)
class Intake:
    application_date: date
    channel: str
    applied_municipality: Municipality
    brp_municipality: Municipality | None
    postal_municipality: Municipality | None
    homeless: bool
    regional_ties: str  # "yes" / "no" / "unknown"
    ties_explanation: str
    notes: str = ""


def residence_outcome(client_region: Any, intake: Intake) -> core_residence.ResidenceOutcome:
    """The responsible municipality for this application, with the reasoning."""
    applied_region = intake.applied_municipality.regions.first()
    facts = core_residence.ResidenceFacts(
        applied_municipality=intake.applied_municipality.code,
        centre_of_applied=applied_region.centre.code if applied_region else "",
        brp_before_care=intake.brp_municipality.code if intake.brp_municipality else "",
        postal_address=intake.postal_municipality.code if intake.postal_municipality else "",
        homeless=intake.homeless,
    )
    rules = config.residence_rules(client_region, intake.application_date)
    rule = core_residence.rule_for(rules.definition, intake.application_date)
    return core_residence.evaluate(rule, facts)


def application_register(
    *,
    user: Any,
    actor: Actor,
    intake: Intake,
    client: Client | None = None,
    bsn: str = "",
    given_names: str = "",
    family_name: str = "",
    birth_date: date | None = None,
) -> Client:
    """An application (aanmelding): for a known client, or registering a new one. A new
    application within 24 months of an exit also records a return."""
    region = user.organisation.region
    outcome = residence_outcome(region, intake)
    responsible = Municipality.objects.get(code=outcome.municipality)
    origin = intake.brp_municipality or intake.postal_municipality or intake.applied_municipality
    payload = {
        "channel": intake.channel,
        "applied_municipality": intake.applied_municipality.code,
        "responsible_municipality": responsible.code,
        "origin_municipality": origin.code,
        "brp_municipality": intake.brp_municipality.code if intake.brp_municipality else "",
        "postal_municipality": intake.postal_municipality.code
        if intake.postal_municipality
        else "",
        "homeless": intake.homeless,
        "regional_ties": intake.regional_ties,
        "ties_explanation": intake.ties_explanation,
        "notes": intake.notes,
        "residence": {
            **outcome.as_dict(),
            "rules_version": config.residence_rules(region, intake.application_date).version,
        },
    }
    with transaction.atomic():
        if client is None:
            existing = (
                Client.objects.filter(region=region, bsn_digest=bsn_digest(bsn)).first()
                if bsn
                else None
            )
            if existing is not None:
                client = existing
            else:
                assert birth_date is not None
                client = client_register(
                    user=user,
                    actor=actor,
                    bsn=bsn,
                    family_name=family_name,
                    given_names=given_names,
                    birth_date=birth_date,
                    responsible_municipality=responsible,
                )
                ClientState.objects.get_or_create(client=client)
        journey_event_record(
            user=user,
            actor=actor,
            client=client,
            event_type=EventType.APPLICATION,
            effective=intake.application_date,
            payload=payload,
        )
        state = ClientState.objects.get(client=client)
        months = (state.snapshot.get("episodes") or [{}])[-1].get("return_months")
        if months is not None:
            journey_event_record(
                user=user,
                actor=actor,
                client=client,
                event_type=EventType.RETURN,
                effective=intake.application_date,
                payload={"months_since_exit": months},
            )
    return client


# ---------------------------------------------------------------- assessment and decision
def assessment_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    effective: date,
    scores: Mapping[str, int],
    criteria: Mapping[str, Any],
    notes: str = "",
) -> JourneyEvent:
    framework = config.assessment_framework(client.region, effective)
    answers = core_assessment.Answers(
        dict(scores), dict(criteria), age_on(client.birth_date, effective)
    )
    advice = core_assessment.evaluate(framework.definition, answers)
    payload = {
        "framework_version": framework.version,
        "scores": dict(scores),
        "criteria": dict(criteria),
        "age": answers.age,
        "advice": advice.product.value,
        "rule_id": advice.rule_id,
        "outcomes": [
            {
                "rule_id": o.rule_id,
                "advice": o.advice.value,
                "description_nl": o.description_nl,
                "description_en": o.description_en,
                "held": o.held,
                "facts": [f.as_dict() for f in o.facts],
            }
            for o in advice.outcomes
        ],
        "notes": notes,
    }
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.ASSESSMENT,
        effective=effective,
        payload=payload,
    )


def decision_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    effective: date,
    product: Product,
    urgency: int,
    reasons: str,
    to_waiting_list: bool = True,
    preferred_facility: Facility | None = None,
) -> JourneyEvent:
    with transaction.atomic():
        state = ClientState.objects.get(client=client)
        deviates = bool(state.advice) and state.advice != product.value
        event = journey_event_record(
            user=user,
            actor=actor,
            client=client,
            event_type=EventType.DECISION,
            effective=effective,
            payload={
                "product": product.value,
                "urgency": urgency,
                "reasons": reasons.strip(),
                "advice": state.advice,
                "deviates_from_advice": deviates,
            },
        )
        if to_waiting_list and product in PLACE_PRODUCTS:
            journey_event_record(
                user=user,
                actor=actor,
                client=client,
                event_type=EventType.WAITING_LIST_ENTRY,
                effective=effective,
                payload={
                    "product": product.value,
                    "urgency": urgency,
                    "facility_id": preferred_facility.pk if preferred_facility else None,
                },
            )
    return event


def second_opinion_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    effective: date,
    expert: str,
    expert_organisation: str,
    advice: Product,
    agrees: bool,
    notes: str,
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.SECOND_OPINION,
        effective=effective,
        payload={
            "expert": expert,
            "expert_organisation": expert_organisation,
            "advice": advice.value,
            "agrees": agrees,
            "notes": notes,
        },
    )


# ---------------------------------------------------------------- waiting, places, outflow
def waiting_list_add(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    effective: date,
    product: Product,
    urgency: int | None = None,
    facility: Facility | None = None,
) -> JourneyEvent:
    payload: dict[str, Any] = {
        "product": product.value,
        "facility_id": facility.pk if facility else None,
    }
    if urgency is not None:
        payload["urgency"] = urgency
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.WAITING_LIST_ENTRY,
        effective=effective,
        payload=payload,
    )


def offer_make(
    *, user: Any, actor: Actor, client: Client, facility: Facility, effective: date
) -> JourneyEvent:
    if facility.free < 1:
        raise JourneyError(
            gettext_noop("%(facility)s has no free place to offer."), facility=facility.name
        )
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.OFFER,
        effective=effective,
        facility=facility,
    )


def offer_decline(
    *, user: Any, actor: Actor, client: Client, effective: date, reason: str
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.OFFER_DECLINED,
        effective=effective,
        payload={"reason": reason},
    )


def placement_create(
    *, user: Any, actor: Actor, client: Client, facility: Facility, effective: date
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.PLACEMENT,
        effective=effective,
        facility=facility,
    )


def transfer_create(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    facility: Facility,
    effective: date,
    reason: str = "",
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.TRANSFER,
        effective=effective,
        facility=facility,
        payload={"reason": reason},
    )


def ready_to_move_on_flag(
    *, user: Any, actor: Actor, client: Client, effective: date, notes: str = ""
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.READY_TO_MOVE_ON,
        effective=effective,
        payload={"notes": notes},
    )


HOME = "own_home"
OTHER_DESTINATIONS = ("family", "wlz", "clinic", "detention", "unknown", "deceased")


def destination_for(
    client: Client, kind: str, municipality: Municipality | None, supported: bool
) -> tuple[Destination, str]:
    """Map "own home in municipality X (with support)" to the destinations of the monitor."""
    if kind != HOME:
        return Destination(kind), municipality.code if municipality else ""
    if municipality is None:
        raise JourneyError(gettext_noop("Choose the municipality of the new home."))
    origin = ""
    application = client.events.filter(event_type=EventType.APPLICATION).order_by("-pk").first()
    if application is not None:
        origin = str(application.payload.get("origin_municipality", ""))
    if municipality.code == origin:
        where = "home_origin"
    elif client.region.members.filter(pk=municipality.pk).exists():
        where = "home_region"
    else:
        where = "home_outside"
    return Destination(f"{where}_supported" if supported else where), municipality.code


def exit_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    effective: date,
    kind: str,
    municipality: Municipality | None = None,
    supported: bool = False,
    notes: str = "",
) -> JourneyEvent:
    destination, municipality_code = destination_for(client, kind, municipality, supported)
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.EXIT,
        effective=effective,
        payload={
            "destination": destination.value,
            "destination_municipality": municipality_code,
            "notes": notes,
        },
    )


def withdrawal_record(
    *, user: Any, actor: Actor, client: Client, effective: date, reason: str
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.WITHDRAWAL,
        effective=effective,
        payload={"reason": reason},
    )


def expiry_record(
    *, user: Any, actor: Actor, client: Client, effective: date, reason: str = ""
) -> JourneyEvent:
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.EXPIRY,
        effective=effective,
        payload={"reason": reason},
    )


def dispute_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    effective: date,
    action: str,
    reason: str,
    municipality: Municipality | None = None,
) -> JourneyEvent:
    payload: dict[str, Any] = {"action": action, "reason": reason}
    if action == "open":
        payload["claimed_by"] = municipality.code if municipality else ""
    else:
        payload["responsible_municipality"] = municipality.code if municipality else ""
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.DISPUTE,
        effective=effective,
        payload=payload,
    )


def correction_record(
    *,
    user: Any,
    actor: Actor,
    client: Client,
    target: JourneyEvent,
    reason: str,
    effective: date | None = None,
    changes: Mapping[str, Any] | None = None,
    void: bool = False,
) -> JourneyEvent:
    if target.client_id != client.pk or target.event_type == EventType.CORRECTION:
        raise JourneyError(
            gettext_noop("A correction must refer to an earlier step of this client.")
        )
    payload: dict[str, Any] = {"reason": reason, "void": void, "payload": dict(changes or {})}
    if effective is not None:
        payload["effective"] = effective.isoformat()
    return journey_event_record(
        user=user,
        actor=actor,
        client=client,
        event_type=EventType.CORRECTION,
        effective=timezone.localdate(),
        payload=payload,
        corrects=target,
    )


# ---------------------------------------------------------------- rebuild
@dataclass(frozen=True)
class RebuildResult:
    clients: int
    events: int
    facilities_corrected: int


@transaction.atomic
def projections_rebuild() -> RebuildResult:
    """Recompute every client's state and every facility's occupancy from the events."""
    occupied: dict[int, int] = {}
    events = 0
    clients = 0
    for client in Client.objects.order_by("pk").iterator(chunk_size=500):
        history = core_events(client)
        events += len(history)
        state = project(history, birth_date=client.birth_date)
        row, _ = ClientState.objects.select_for_update().get_or_create(client=client)
        write_state(row, state, history[-1].sequence if history else 0)
        if state.facility_id is not None:
            occupied[state.facility_id] = occupied.get(state.facility_id, 0) + 1
        clients += 1
    corrected = 0
    for facility in Facility.objects.select_for_update().order_by("pk"):
        count = occupied.get(facility.pk, 0)
        if facility.occupied != count:
            Facility.objects.filter(pk=facility.pk).update(occupied=count)
            corrected += 1
    return RebuildResult(clients, events, corrected)


# ---------------------------------------------------------------- region configuration
def configuration_store(
    *, user: Any, actor: Actor, kind: str, version: str, valid_from: date, raw: bytes
) -> Any:
    """Validate and store a new version of a region configuration (all-or-nothing)."""
    import json

    from doorstroom.core import waiting as core_waiting
    from doorstroom.journey.models import RegionConfiguration

    try:
        definition = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JourneyError(gettext_noop("The file is not valid JSON.")) from None
    try:
        if kind == RegionConfiguration.Kind.ASSESSMENT_FRAMEWORK:
            core_assessment.validate_framework(definition)
        elif kind == RegionConfiguration.Kind.RESIDENCE_RULES:
            core_residence.validate_rules(definition)
        else:
            core_waiting.validate_policy(definition)
    except (core_assessment.FrameworkError, core_residence.ResidenceError) as exc:
        raise JourneyError(exc.message.template, **dict(exc.message.params)) from None
    except (ValueError, KeyError, TypeError, IndexError):
        raise JourneyError(gettext_noop("The file does not have the expected structure.")) from None
    region = user.org.region
    if RegionConfiguration.objects.filter(region=region, kind=kind, version=version).exists():
        raise JourneyError(gettext_noop("Version %(version)s exists already."), version=version)
    with transaction.atomic():
        stored = RegionConfiguration.objects.create(
            region=region,
            kind=kind,
            version=version,
            valid_from=valid_from,
            definition=definition,
            created_by=user,
        )
        access_record(
            actor,
            event_type="configuration.store",
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            object_type=f"configuration.{kind}",
            object_id=version,
            region_id=region.pk,
        )
    return stored
