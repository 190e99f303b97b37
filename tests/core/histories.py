"""Client histories written as the services store them, for the tests of the event log,
the metrics and everything else that reads spells."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from doorstroom.core import synthetic
from doorstroom.core.eventlog import EventLogBuilder, Facilities, Spells, derive_spells
from doorstroom.core.journey import Event, EventType, project

MUNS = ("GM0014", "GM1952", "GM0047")
FACILITIES = {
    1: ("bw_intramural", "GM0014", None, None),
    2: ("bt_cluster", "GM1952", None, None),
    3: ("bt_youth_cluster", "GM0014", 18, 24),
    4: ("bt_individual", "GM0047", None, None),
}


def facilities() -> Facilities:
    ids = sorted(FACILITIES)
    return Facilities(
        id=np.array(ids, dtype=np.int32),
        product=np.array(
            [[p.value for p in synthetic.PRODUCTS].index(FACILITIES[i][0]) for i in ids],
            dtype=np.int8,
        ),
        municipality=np.array([MUNS.index(FACILITIES[i][1]) for i in ids], dtype=np.int16),
        places=np.array([10, 5, 4, 6], dtype=np.int32),
        price_per_day=np.array([185.0, 95.0, 105.0, 62.0]),
        opened=np.full(4, -1, dtype=np.int32),
        region=np.zeros(4, dtype=np.int16),
        min_age=np.array([-1, -1, 18, -1], dtype=np.int16),
        max_age=np.array([-1, -1, 24, -1], dtype=np.int16),
    )


class History:
    """A client's history written as the services store it."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: EventType, day: str, **payload: Any) -> History:
        self.events.append(
            Event(
                f"e{len(self.events)}", kind, date.fromisoformat(day), len(self.events) + 1, payload
            )
        )
        return self

    def apply(self, day: str, origin: str = "GM1952", channel: str = "youth_care_18") -> History:
        return self.add(
            EventType.APPLICATION,
            day,
            channel=channel,
            applied_municipality="GM0014",
            responsible_municipality="GM0014",
            origin_municipality=origin,
        )

    def decide(self, day: str, product: str, urgency: int = 2) -> History:
        self.add(EventType.ASSESSMENT, day, advice=product)
        self.add(EventType.DECISION, day, product=product, urgency=urgency, reasons="r")
        return self

    def wait(self, day: str, product: str) -> History:
        return self.add(EventType.WAITING_LIST_ENTRY, day, product=product)

    def place(self, day: str, facility: int, kind: EventType = EventType.PLACEMENT) -> History:
        product, municipality, lo, hi = FACILITIES[facility]
        return self.add(
            kind,
            day,
            facility_id=facility,
            facility_type=product,
            facility_municipality=municipality,
            facility_min_age=lo,
            facility_max_age=hi,
        )

    def exit(self, day: str, destination: str, municipality: str = "") -> History:
        return self.add(
            EventType.EXIT, day, destination=destination, destination_municipality=municipality
        )


def spells_of(*histories: tuple[date, History]) -> Spells:
    builder = EventLogBuilder(MUNS, ("Groningen",))
    for number, (birth, history) in enumerate(histories, start=1):
        index = builder.client(number, birth)
        project(history.events, birth_date=birth)  # every history here is valid
        builder.add_history(index, history.events)
    return derive_spells(builder.build(facilities()))


D = date.fromisoformat


def small_world() -> Spells:
    """The world of tests/core/test_metrics.py (its docstring tells the story)."""
    a = (
        History()
        .apply("2025-01-10", origin="GM1952")
        .decide("2025-01-20", "bw_intramural")
        .wait("2025-01-20", "bw_intramural")
        .place("2025-02-10", 1)
        .add(EventType.READY_TO_MOVE_ON, "2025-04-01")
        .exit("2025-05-31", "home_origin", "GM1952")
    )
    b = (
        History()
        .apply("2025-01-31", origin="GM0014", channel="gp")
        .decide("2025-02-05", "bt_cluster")
        .wait("2025-02-05", "bt_cluster")
        .place("2025-03-31", 2)
    )
    c = (
        History()
        .apply("2025-02-15", origin="GM0014", channel="self")
        .decide("2025-02-20", "ambulant")
    )
    d = (
        History()
        .apply("2024-06-01", origin="GM0047", channel="mental_health")
        .decide("2024-06-10", "bw_intramural")
        .wait("2024-06-10", "bw_intramural")
        .place("2024-07-01", 1)
        .place("2025-03-15", 4, EventType.TRANSFER)
        .exit("2025-06-01", "family")
        .apply("2025-06-10", origin="GM0047", channel="mental_health")
        .add(EventType.RETURN, "2025-06-10", months_since_exit=0)
    )
    return spells_of(
        (D("2004-06-01"), a), (D("1985-01-01"), b), (D("1995-01-01"), c), (D("1975-01-01"), d)
    )
