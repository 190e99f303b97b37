"""Who may record which step of a client's journey (PRODUCT.md, "Users")."""

from __future__ import annotations

from doorstroom.core.journey import EventType
from doorstroom.core.roles import Role

AO, PC, MO, CP = (
    Role.ACCESS_OFFICER,
    Role.PLACEMENT_COORDINATOR,
    Role.MUNICIPAL_OFFICER,
    Role.CARE_PROVIDER,
)

EVENT_ROLES: dict[EventType, frozenset[Role]] = {
    EventType.APPLICATION: frozenset({AO}),
    EventType.RETURN: frozenset({AO}),
    EventType.ASSESSMENT: frozenset({AO}),
    EventType.SECOND_OPINION: frozenset({AO}),
    EventType.DECISION: frozenset({AO}),
    EventType.WAITING_LIST_ENTRY: frozenset({AO, PC}),
    EventType.OFFER: frozenset({PC}),
    EventType.OFFER_DECLINED: frozenset({PC}),
    EventType.PLACEMENT: frozenset({PC, CP}),
    EventType.TRANSFER: frozenset({PC}),
    EventType.READY_TO_MOVE_ON: frozenset({PC, CP}),
    EventType.EXIT: frozenset({PC, CP}),
    EventType.WITHDRAWAL: frozenset({AO, PC}),
    EventType.EXPIRY: frozenset({AO, PC}),
    EventType.DISPUTE: frozenset({AO, MO}),
    EventType.CORRECTION: frozenset({AO, PC}),
}

# Steps a care provider records only for its own facilities.
PROVIDER_OWN_FACILITY = frozenset({EventType.PLACEMENT, EventType.READY_TO_MOVE_ON, EventType.EXIT})
