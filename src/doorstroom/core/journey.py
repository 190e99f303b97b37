"""The client journey as an event log, and its state machine.

Every step of a client's journey is an immutable, typed :class:`Event` with an effective
date (when it happened) and a recording sequence (when it was recorded). The current state
of a client is a projection: :func:`project` folds the events in order. Corrections are
events too: they replace (or void) the payload of an earlier event, and the whole history is
folded again and must still make sense.

The fold refuses impossible sequences with a :class:`JourneyError` whose message is a
translatable template (see ``core.i18n``): placing someone who is not on a waiting list, an
exit before the placement, dates in the future, and so on. This module knows nothing about
capacity: the database enforces that (``Facility.occupied <= places``).

State machine (``Status``) of one episode; an episode starts with an application::

    (none|exited|withdrawn|expired|not_eligible|referred)
        --application_received--> applied
    applied   --assessment_done--> assessed --assessment_done--> assessed
    assessed  --decision(product)--> decided     (BW/BT/MO: a place is needed)
              --decision(ambulant)--> referred   (ambulant support at home; episode ends)
              --decision(not eligible)--> not_eligible (episode ends)
    decided   --waiting_list_entry--> waiting --offer--> offered --offer_declined--> waiting
    waiting|offered --placement--> placed
    placed    --ready_to_move_on--> ready_to_move_on
    placed|ready_to_move_on --transfer--> placed   (e.g. BW -> BT; a new stay)
    placed|ready_to_move_on --waiting_list_entry--> (same; waits for a lighter form)
    placed|ready_to_move_on --exit(destination)--> exited (episode ends)
    applied..offered --withdrawal--> withdrawn (episode ends)
    waiting|offered  --expiry--> expired (episode ends)
    any (after an application) --dispute--> (same)   responsibility disputes
    any --second_opinion--> (same)                   after an assessment

A new application within 24 months of an exit is a return: the application records it
and a ``return`` event states the months since the exit (buckets 6/12/24).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from doorstroom.core.i18n import Message, gettext_noop


class EventType(StrEnum):
    APPLICATION = "application_received"
    ASSESSMENT = "assessment_done"
    DECISION = "decision"
    SECOND_OPINION = "second_opinion"
    WAITING_LIST_ENTRY = "waiting_list_entry"
    OFFER = "offer"
    OFFER_DECLINED = "offer_declined"
    PLACEMENT = "placement"
    TRANSFER = "transfer"
    READY_TO_MOVE_ON = "ready_to_move_on"
    EXIT = "exit"
    RETURN = "return"
    WITHDRAWAL = "withdrawal"
    EXPIRY = "expiry"
    DISPUTE = "dispute"
    CORRECTION = "correction"


class Product(StrEnum):
    """The advice and decision outcomes; the place-based ones are also facility types."""

    BW = "bw_intramural"
    BT_INDIVIDUAL = "bt_individual"
    BT_CLUSTER = "bt_cluster"
    BT_YOUTH_CLUSTER = "bt_youth_cluster"
    MO_NIGHT = "mo_night"
    MO_24H = "mo_24h"
    MO_CRISIS = "mo_crisis"
    AMBULANT = "ambulant"
    NOT_ELIGIBLE = "not_eligible"


PLACE_PRODUCTS: frozenset[Product] = frozenset(
    {
        Product.BW,
        Product.BT_INDIVIDUAL,
        Product.BT_CLUSTER,
        Product.BT_YOUTH_CLUSTER,
        Product.MO_NIGHT,
        Product.MO_24H,
        Product.MO_CRISIS,
    }
)
BT_PRODUCTS = frozenset({Product.BT_INDIVIDUAL, Product.BT_CLUSTER, Product.BT_YOUTH_CLUSTER})
MO_PRODUCTS = frozenset({Product.MO_NIGHT, Product.MO_24H, Product.MO_CRISIS})

# iWmo 3.2 product categories (code list WMO020) for each product.
IWMO_CATEGORY: dict[Product, str] = {
    Product.BW: "15",
    Product.BT_INDIVIDUAL: "18",
    Product.BT_CLUSTER: "18",
    Product.BT_YOUTH_CLUSTER: "18",
    Product.MO_NIGHT: "16",
    Product.MO_24H: "16",
    Product.MO_CRISIS: "17",
    Product.AMBULANT: "02",
}


class Channel(StrEnum):
    SELF = "self"
    YOUTH_CARE = "youth_care_18"
    MENTAL_HEALTH = "mental_health"
    GP = "gp"
    JUSTICE = "justice"
    SHELTER = "shelter"
    OTHER = "other"


class Destination(StrEnum):
    HOME_ORIGIN = "home_origin"
    HOME_ORIGIN_SUPPORTED = "home_origin_supported"
    HOME_REGION = "home_region"
    HOME_REGION_SUPPORTED = "home_region_supported"
    HOME_OUTSIDE = "home_outside"
    HOME_OUTSIDE_SUPPORTED = "home_outside_supported"
    FAMILY = "family"
    WLZ = "wlz"
    CLINIC = "clinic"
    DETENTION = "detention"
    UNKNOWN = "unknown"
    DECEASED = "deceased"


OWN_HOME_DESTINATIONS = frozenset(
    {
        Destination.HOME_ORIGIN,
        Destination.HOME_ORIGIN_SUPPORTED,
        Destination.HOME_REGION,
        Destination.HOME_REGION_SUPPORTED,
        Destination.HOME_OUTSIDE,
        Destination.HOME_OUTSIDE_SUPPORTED,
    }
)


class Status(StrEnum):
    NONE = "none"
    APPLIED = "applied"
    ASSESSED = "assessed"
    DECIDED = "decided"
    WAITING = "waiting"
    OFFERED = "offered"
    PLACED = "placed"
    READY_TO_MOVE_ON = "ready_to_move_on"
    EXITED = "exited"
    REFERRED = "referred"
    NOT_ELIGIBLE = "not_eligible"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


CLOSED = frozenset(
    {
        Status.NONE,
        Status.EXITED,
        Status.REFERRED,
        Status.NOT_ELIGIBLE,
        Status.WITHDRAWN,
        Status.EXPIRED,
    }
)
IN_CARE = frozenset({Status.PLACED, Status.READY_TO_MOVE_ON})


class WaitingStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    PLACED = "placed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


RETURN_WINDOW_MONTHS = 24
RETURN_BUCKETS = (6, 12, 24)


class JourneyError(ValueError):
    """An impossible step. ``message`` is translatable; nothing may be stored."""

    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: EventType
    effective: date
    sequence: int
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    product: Product
    since: date
    urgency: int
    decision_date: date | None
    status: WaitingStatus = WaitingStatus.WAITING
    facility_id: int | None = None  # preferred facility (optional)
    offered_facility_id: int | None = None
    offered_on: date | None = None
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Stay:
    facility_id: int
    product: Product
    start: date
    end: date | None = None
    municipality: str = ""  # GM code of the facility


@dataclass(frozen=True, slots=True)
class Episode:
    number: int
    applied_on: date
    channel: Channel
    applied_municipality: str
    responsible_municipality: str
    return_months: int | None = None  # months since the previous exit, when a return
    advice: Product | None = None
    decided_product: Product | None = None
    decision_date: date | None = None
    urgency: int | None = None
    second_opinions: int = 0
    waiting: WaitingEntry | None = None
    stays: tuple[Stay, ...] = ()
    ready_since: date | None = None
    exit_date: date | None = None
    exit_destination: Destination | None = None
    closed_status: Status | None = None

    @property
    def current_stay(self) -> Stay | None:
        return self.stays[-1] if self.stays and self.stays[-1].end is None else None


@dataclass(frozen=True, slots=True)
class JourneyState:
    status: Status = Status.NONE
    episodes: tuple[Episode, ...] = ()
    last_effective: date | None = None
    open_disputes: int = 0
    responsible_municipality: str = ""
    events: int = 0

    @property
    def episode(self) -> Episode | None:
        return self.episodes[-1] if self.episodes else None

    @property
    def facility_id(self) -> int | None:
        stay = self.episode.current_stay if self.episode else None
        return stay.facility_id if stay else None


def months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months


def return_bucket(months: int | None) -> int | None:
    """6, 12 or 24 for a return within that many months, else None."""
    if months is None:
        return None
    return next((b for b in RETURN_BUCKETS if months < b), None)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# ---------------------------------------------------------------- the fold
def _need(state: JourneyState, allowed: Iterable[Status], event: Event) -> None:
    if state.status not in set(allowed):
        raise JourneyError(
            gettext_noop("'%(event)s' is not possible while the client's status is '%(status)s'."),
            event=event.type.value,
            status=state.status.value,
        )


def _episode(state: JourneyState) -> Episode:
    episode = state.episode
    if episode is None:  # pragma: no cover - guarded by _need
        raise JourneyError(gettext_noop("There is no application for this client yet."))
    return episode


def _with_episode(state: JourneyState, episode: Episode, **changes: Any) -> JourneyState:
    return replace(state, episodes=(*state.episodes[:-1], episode), **changes)


def _product(value: Any) -> Product:
    try:
        return Product(value)
    except ValueError:
        raise JourneyError(
            gettext_noop("Unknown product type '%(value)s'."), value=str(value)
        ) from None


def _facility_fits(
    payload: Mapping[str, Any], product: Product, birth_date: date | None, day: date
) -> None:
    facility_type = _product(payload.get("facility_type"))
    if facility_type is not product:
        raise JourneyError(
            gettext_noop(
                "This facility offers '%(facility)s', but the client waits for '%(product)s'."
            ),
            facility=facility_type.value,
            product=product.value,
        )
    min_age, max_age = payload.get("facility_min_age"), payload.get("facility_max_age")
    if birth_date is not None and (min_age is not None or max_age is not None):
        age = age_on(birth_date, day)
        if (min_age is not None and age < int(min_age)) or (
            max_age is not None and age > int(max_age)
        ):
            raise JourneyError(
                gettext_noop(
                    "This facility is for ages %(min)s to %(max)s; the client is %(age)s."
                ),
                min=min_age if min_age is not None else "",
                max=max_age if max_age is not None else "",
                age=age,
            )


def apply(
    state: JourneyState, event: Event, *, birth_date: date | None = None, today: date | None = None
) -> JourneyState:
    """The state after ``event``, or :class:`JourneyError` when the step is impossible."""
    if today is not None and event.effective > today:
        raise JourneyError(
            gettext_noop("The date %(date)s lies in the future."), date=event.effective.isoformat()
        )
    if state.last_effective is not None and event.effective < state.last_effective:
        raise JourneyError(
            gettext_noop(
                "The date %(date)s lies before the client's last recorded step (%(last)s). "
                "Record a correction of that step instead."
            ),
            date=event.effective.isoformat(),
            last=state.last_effective.isoformat(),
        )
    new = _apply(state, event, birth_date)
    return replace(new, last_effective=event.effective, events=state.events + 1)


def _on_application(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    day = event.effective
    _need(state, CLOSED, event)
    channel = Channel(p.get("channel", Channel.OTHER))
    previous_exit = next((e.exit_date for e in reversed(state.episodes) if e.exit_date), None)
    months = months_between(previous_exit, day) if previous_exit else None
    is_return = months is not None and months < RETURN_WINDOW_MONTHS
    responsible = str(p.get("responsible_municipality") or state.responsible_municipality)
    if not responsible:
        raise JourneyError(gettext_noop("The responsible municipality is missing."))
    episode = Episode(
        number=len(state.episodes) + 1,
        applied_on=day,
        channel=channel,
        applied_municipality=str(p.get("applied_municipality", "")),
        responsible_municipality=responsible,
        return_months=months if is_return else None,
    )
    return replace(
        state,
        status=Status.APPLIED,
        episodes=(*state.episodes, episode),
        responsible_municipality=responsible,
    )


def _on_return(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    day = event.effective
    episode = _episode(state)
    if episode.applied_on != day or episode.return_months is None:
        raise JourneyError(
            gettext_noop("A return belongs to an application within 24 months of an exit.")
        )
    return state


def _on_assessment(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    _need(state, {Status.APPLIED, Status.ASSESSED}, event)
    advice = _product(p.get("advice"))
    return _with_episode(state, replace(_episode(state), advice=advice), status=Status.ASSESSED)


def _on_second_opinion(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    episode = _episode(state) if state.episodes else None
    if episode is None or episode.advice is None or state.status in CLOSED:
        raise JourneyError(
            gettext_noop("A second opinion needs an assessment of an open application.")
        )
    return _with_episode(state, replace(episode, second_opinions=episode.second_opinions + 1))


def _on_decision(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    day = event.effective
    _need(state, {Status.ASSESSED}, event)
    product = _product(p.get("product"))
    if not str(p.get("reasons", "")).strip():
        raise JourneyError(gettext_noop("A decision needs its reasons."))
    urgency = int(p.get("urgency", 3))
    if urgency not in (1, 2, 3):
        raise JourneyError(gettext_noop("Urgency must be 1, 2 or 3."))
    episode = replace(_episode(state), decided_product=product, decision_date=day, urgency=urgency)
    if product is Product.NOT_ELIGIBLE:
        return _with_episode(
            state, replace(episode, closed_status=Status.NOT_ELIGIBLE), status=Status.NOT_ELIGIBLE
        )
    if product is Product.AMBULANT:
        return _with_episode(
            state, replace(episode, closed_status=Status.REFERRED), status=Status.REFERRED
        )
    return _with_episode(state, episode, status=Status.DECIDED)


def _on_waiting_list_entry(
    state: JourneyState, event: Event, birth_date: date | None
) -> JourneyState:
    p = event.payload
    day = event.effective
    _need(state, {Status.DECIDED, *IN_CARE}, event)
    episode = _episode(state)
    product = _product(p.get("product", episode.decided_product))
    if product not in PLACE_PRODUCTS:
        raise JourneyError(gettext_noop("Only products with places have a waiting list."))
    if state.status in IN_CARE:
        stay = episode.current_stay
        if stay is not None and stay.product is product:
            raise JourneyError(gettext_noop("The client already stays in a facility of this type."))
        if episode.waiting is not None and episode.waiting.status in (
            WaitingStatus.WAITING,
            WaitingStatus.OFFERED,
        ):
            raise JourneyError(gettext_noop("The client is already on a waiting list."))
    elif product is not episode.decided_product:
        raise JourneyError(
            gettext_noop("The waiting list must be for the decided product '%(product)s'."),
            product=str(episode.decided_product),
        )
    entry = WaitingEntry(
        product=product,
        since=day,
        urgency=int(p.get("urgency", episode.urgency or 3)),
        decision_date=episode.decision_date,
        facility_id=p.get("facility_id"),
    )
    status = state.status if state.status in IN_CARE else Status.WAITING
    return _with_episode(state, replace(episode, waiting=entry), status=status)


def _on_offer(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    day = event.effective
    episode = _episode(state)
    entry = episode.waiting
    if entry is None or entry.status is not WaitingStatus.WAITING:
        raise JourneyError(gettext_noop("Only a client who is waiting can be offered a place."))
    _facility_fits(p, entry.product, birth_date, day)
    entry = replace(
        entry,
        status=WaitingStatus.OFFERED,
        offered_facility_id=p.get("facility_id"),
        offered_on=day,
    )
    status = state.status if state.status in IN_CARE else Status.OFFERED
    return _with_episode(state, replace(episode, waiting=entry), status=status)


def _on_offer_declined(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    episode = _episode(state)
    entry = episode.waiting
    if entry is None or entry.status is not WaitingStatus.OFFERED:
        raise JourneyError(gettext_noop("There is no open offer to decline."))
    entry = replace(entry, status=WaitingStatus.WAITING, offered_facility_id=None, offered_on=None)
    status = state.status if state.status in IN_CARE else Status.WAITING
    return _with_episode(state, replace(episode, waiting=entry), status=status)


def _on_placement(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    day = event.effective
    if state.status in IN_CARE:
        raise JourneyError(
            gettext_noop("The client already has a place; record a transfer instead.")
        )
    episode = _episode(state) if state.episodes else None
    entry = episode.waiting if episode else None
    if (
        episode is None
        or entry is None
        or entry.status not in (WaitingStatus.WAITING, WaitingStatus.OFFERED)
    ):
        raise JourneyError(gettext_noop("Only a client on a waiting list can be placed."))
    _facility_fits(p, entry.product, birth_date, day)
    stay = Stay(
        int(p["facility_id"]),
        entry.product,
        day,
        municipality=str(p.get("facility_municipality", "")),
    )
    entry = replace(entry, status=WaitingStatus.PLACED, closed_on=day)
    return _with_episode(
        state, replace(episode, waiting=entry, stays=(*episode.stays, stay)), status=Status.PLACED
    )


def _on_transfer(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    day = event.effective
    _need(state, IN_CARE, event)
    episode = _episode(state)
    current = episode.current_stay
    assert current is not None
    new_product = _product(p.get("facility_type"))
    if int(p["facility_id"]) == current.facility_id:
        raise JourneyError(gettext_noop("A transfer needs another facility."))
    _facility_fits(p, new_product, birth_date, day)
    if day < current.start:
        raise JourneyError(
            gettext_noop("A transfer cannot be dated before the current stay began.")
        )
    entry = episode.waiting
    if (
        entry is not None
        and entry.product is new_product
        and entry.status
        in (
            WaitingStatus.WAITING,
            WaitingStatus.OFFERED,
        )
    ):
        entry = replace(entry, status=WaitingStatus.PLACED, closed_on=day)
    stays = (
        *episode.stays[:-1],
        replace(current, end=day),
        Stay(
            int(p["facility_id"]),
            new_product,
            day,
            municipality=str(p.get("facility_municipality", "")),
        ),
    )
    episode = replace(episode, stays=stays, waiting=entry, ready_since=None)
    return _with_episode(state, episode, status=Status.PLACED)


def _on_ready_to_move_on(
    state: JourneyState, event: Event, birth_date: date | None
) -> JourneyState:
    day = event.effective
    _need(state, {Status.PLACED}, event)
    return _with_episode(
        state, replace(_episode(state), ready_since=day), status=Status.READY_TO_MOVE_ON
    )


def _on_exit(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    day = event.effective
    _need(state, IN_CARE, event)
    episode = _episode(state)
    current = episode.current_stay
    assert current is not None
    if day < current.start:
        raise JourneyError(
            gettext_noop("The exit date %(date)s lies before the start of the stay (%(start)s)."),
            date=day.isoformat(),
            start=current.start.isoformat(),
        )
    try:
        destination = Destination(str(p.get("destination")))
    except ValueError:
        raise JourneyError(gettext_noop("Choose where the client goes after the exit.")) from None
    entry = episode.waiting
    if entry is not None and entry.status in (WaitingStatus.WAITING, WaitingStatus.OFFERED):
        entry = replace(entry, status=WaitingStatus.WITHDRAWN, closed_on=day)
    episode = replace(
        episode,
        stays=(*episode.stays[:-1], replace(current, end=day)),
        waiting=entry,
        exit_date=day,
        exit_destination=destination,
        closed_status=Status.EXITED,
    )
    return _with_episode(state, episode, status=Status.EXITED)


def _on_withdrawal(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    day = event.effective
    if state.status in IN_CARE:
        episode = _episode(state)
        entry = episode.waiting
        if entry is None or entry.status not in (WaitingStatus.WAITING, WaitingStatus.OFFERED):
            raise JourneyError(gettext_noop("There is no waiting-list entry to withdraw."))
        return _with_episode(
            state,
            replace(episode, waiting=replace(entry, status=WaitingStatus.WITHDRAWN, closed_on=day)),
        )
    _need(
        state,
        {Status.APPLIED, Status.ASSESSED, Status.DECIDED, Status.WAITING, Status.OFFERED},
        event,
    )
    episode = _episode(state)
    entry = episode.waiting
    if entry is not None:
        entry = replace(entry, status=WaitingStatus.WITHDRAWN, closed_on=day)
    return _with_episode(
        state,
        replace(episode, waiting=entry, closed_status=Status.WITHDRAWN),
        status=Status.WITHDRAWN,
    )


def _on_expiry(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    day = event.effective
    _need(state, {Status.WAITING, Status.OFFERED}, event)
    episode = _episode(state)
    assert episode.waiting is not None
    entry = replace(episode.waiting, status=WaitingStatus.EXPIRED, closed_on=day)
    return _with_episode(
        state, replace(episode, waiting=entry, closed_status=Status.EXPIRED), status=Status.EXPIRED
    )


def _on_dispute(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    p = event.payload
    if not state.episodes:
        raise JourneyError(gettext_noop("There is no application for this client yet."))
    action = p.get("action", "open")
    if action == "open":
        return replace(state, open_disputes=state.open_disputes + 1)
    if action == "resolve":
        if state.open_disputes < 1:
            raise JourneyError(gettext_noop("There is no open dispute to resolve."))
        responsible = str(p.get("responsible_municipality") or state.responsible_municipality)
        episode = replace(_episode(state), responsible_municipality=responsible)
        return _with_episode(
            state,
            episode,
            open_disputes=state.open_disputes - 1,
            responsible_municipality=responsible,
        )
    raise JourneyError(gettext_noop("A dispute is opened or resolved."))


HANDLERS: dict[EventType, Callable[[JourneyState, Event, date | None], JourneyState]] = {
    EventType.APPLICATION: _on_application,
    EventType.RETURN: _on_return,
    EventType.ASSESSMENT: _on_assessment,
    EventType.SECOND_OPINION: _on_second_opinion,
    EventType.DECISION: _on_decision,
    EventType.WAITING_LIST_ENTRY: _on_waiting_list_entry,
    EventType.OFFER: _on_offer,
    EventType.OFFER_DECLINED: _on_offer_declined,
    EventType.PLACEMENT: _on_placement,
    EventType.TRANSFER: _on_transfer,
    EventType.READY_TO_MOVE_ON: _on_ready_to_move_on,
    EventType.EXIT: _on_exit,
    EventType.WITHDRAWAL: _on_withdrawal,
    EventType.EXPIRY: _on_expiry,
    EventType.DISPUTE: _on_dispute,
}


def _apply(state: JourneyState, event: Event, birth_date: date | None) -> JourneyState:
    handler = HANDLERS.get(event.type)
    if handler is None:  # corrections are resolved by project() before folding
        raise JourneyError(gettext_noop("Unknown event type '%(type)s'."), type=str(event.type))
    return handler(state, event, birth_date)


def resolve_corrections(events: Sequence[Event]) -> list[Event]:
    """The history as corrected: each correction replaces the payload and/or effective date of
    the event it targets (``corrects``), or voids it (``void``). The latest correction of an
    event wins. Correction events themselves are left out."""
    by_id = {e.id: e for e in events}
    corrected: dict[str, Event | None] = {}
    for e in sorted(events, key=lambda x: x.sequence):
        if e.type is not EventType.CORRECTION:
            continue
        target_id = str(e.payload.get("corrects", ""))
        target = by_id.get(target_id)
        if target is None or target.type is EventType.CORRECTION:
            raise JourneyError(
                gettext_noop("A correction must refer to an earlier step of this client.")
            )
        if e.payload.get("void"):
            corrected[target_id] = None
            continue
        base = corrected.get(target_id) or target
        new_payload = {**base.payload, **dict(e.payload.get("payload", {}))}
        effective = e.payload.get("effective")
        corrected[target_id] = replace(
            base,
            payload=new_payload,
            effective=date.fromisoformat(effective) if effective else base.effective,
        )
    result: list[Event] = []
    for e in events:
        if e.type is EventType.CORRECTION:
            continue
        if e.id in corrected:
            replacement = corrected[e.id]
            if replacement is not None:
                result.append(replacement)
        else:
            result.append(e)
    return result


def order(events: Iterable[Event]) -> list[Event]:
    """Folding order: by effective date, then by recording sequence."""
    return sorted(events, key=lambda e: (e.effective, e.sequence))


def project(
    events: Sequence[Event], *, birth_date: date | None = None, today: date | None = None
) -> JourneyState:
    """The current state from the full history (corrections applied)."""
    state = JourneyState()
    for event in order(resolve_corrections(events)):
        state = apply(state, event, birth_date=birth_date, today=today)
    return state


# ---------------------------------------------------------------- serialisation
def state_to_dict(state: JourneyState) -> dict[str, Any]:
    """A JSON-safe snapshot (stored with the projection for display and debugging)."""

    def conv(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, StrEnum):
            return value.value
        if isinstance(value, tuple):
            return [conv(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: conv(getattr(value, k)) for k in value.__dataclass_fields__}
        return value

    result: dict[str, Any] = conv(state)
    return result
