from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom.core.journey import (
    Destination,
    Event,
    EventType,
    JourneyError,
    JourneyState,
    Product,
    Status,
    WaitingStatus,
    apply,
    project,
    return_bucket,
)

TODAY = date(2026, 11, 1)
BW = {"facility_id": 1, "facility_type": "bw_intramural", "facility_municipality": "GM0014"}
BT = {"facility_id": 2, "facility_type": "bt_cluster", "facility_municipality": "GM1952"}


class Log:
    """Builds an event history step by step."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: EventType, day: date, **payload: Any) -> Event:
        event = Event(f"e{len(self.events) + 1}", kind, day, len(self.events) + 1, payload)
        self.events.append(event)
        return event

    def state(self, **kwargs: Any) -> JourneyState:
        return project(self.events, today=TODAY, **kwargs)


def placed_log(start: date = date(2026, 1, 5)) -> Log:
    log = Log()
    log.add(
        EventType.APPLICATION,
        start,
        channel="gp",
        applied_municipality="GM0014",
        responsible_municipality="GM0014",
    )
    log.add(EventType.ASSESSMENT, start + timedelta(days=7), advice="bw_intramural")
    log.add(
        EventType.DECISION,
        start + timedelta(days=14),
        product="bw_intramural",
        urgency=2,
        reasons="ZRM",
    )
    log.add(EventType.WAITING_LIST_ENTRY, start + timedelta(days=14))
    log.add(EventType.PLACEMENT, start + timedelta(days=60), **BW)
    return log


def test_intake_to_exit() -> None:
    log = placed_log()
    state = log.state()
    assert state.status is Status.PLACED
    assert state.facility_id == 1
    assert state.episode is not None
    assert state.episode.waiting is not None
    assert state.episode.waiting.status is WaitingStatus.PLACED
    log.add(EventType.READY_TO_MOVE_ON, date(2026, 6, 1))
    log.add(EventType.WAITING_LIST_ENTRY, date(2026, 6, 1), product="bt_cluster")
    log.add(EventType.TRANSFER, date(2026, 7, 1), **BT)
    state = log.state()
    assert state.status is Status.PLACED
    assert [s.product for s in state.episode.stays] == [Product.BW, Product.BT_CLUSTER]
    assert state.episode.stays[0].end == date(2026, 7, 1)
    log.add(EventType.EXIT, date(2026, 10, 1), destination="home_origin_supported")
    state = log.state()
    assert state.status is Status.EXITED
    assert state.episode.exit_destination is Destination.HOME_ORIGIN_SUPPORTED
    assert state.facility_id is None


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        (EventType.PLACEMENT, BW, "Only a client on a waiting list can be placed"),
        (EventType.EXIT, {"destination": "family"}, "is not possible while"),
        (EventType.DECISION, {"product": "bw_intramural", "reasons": "x"}, "is not possible while"),
    ],
)
def test_impossible_sequences_are_refused(
    kind: EventType, payload: dict[str, Any], message: str
) -> None:
    log = Log()
    log.add(EventType.APPLICATION, date(2026, 1, 5), responsible_municipality="GM0014")
    log.add(kind, date(2026, 1, 6), **payload)
    with pytest.raises(JourneyError, match=message):
        log.state()


def test_future_dates_are_refused() -> None:
    log = Log()
    log.add(EventType.APPLICATION, TODAY + timedelta(days=1), responsible_municipality="GM0014")
    with pytest.raises(JourneyError, match="future"):
        log.state()


def test_a_step_dated_before_the_previous_step_is_refused() -> None:
    state = placed_log().state()
    backdated = Event("x", EventType.EXIT, date(2026, 1, 1), 99, {"destination": "family"})
    with pytest.raises(JourneyError, match="before the client's last recorded step"):
        apply(state, backdated, today=TODAY)


def test_placement_must_fit_the_product_and_the_age() -> None:
    log = placed_log()
    log.events.pop()
    log.add(EventType.PLACEMENT, date(2026, 3, 1), **BT)
    with pytest.raises(JourneyError, match="offers 'bt_cluster'"):
        log.state()
    youth = Log()
    youth.add(EventType.APPLICATION, date(2026, 1, 5), responsible_municipality="GM0014")
    youth.add(EventType.ASSESSMENT, date(2026, 1, 6), advice="bt_youth_cluster")
    youth.add(EventType.DECISION, date(2026, 1, 7), product="bt_youth_cluster", reasons="r")
    youth.add(EventType.WAITING_LIST_ENTRY, date(2026, 1, 7))
    youth.add(
        EventType.PLACEMENT,
        date(2026, 2, 1),
        facility_id=3,
        facility_type="bt_youth_cluster",
        facility_min_age=18,
        facility_max_age=24,
    )
    with pytest.raises(JourneyError, match="ages 18 to 24; the client is 30"):
        youth.state(birth_date=date(1995, 6, 1))
    assert youth.state(birth_date=date(2005, 6, 1)).status is Status.PLACED


def test_ambulant_and_not_eligible_decisions_close_the_episode() -> None:
    for product, status in (
        (Product.AMBULANT, Status.REFERRED),
        (Product.NOT_ELIGIBLE, Status.NOT_ELIGIBLE),
    ):
        log = Log()
        log.add(EventType.APPLICATION, date(2026, 1, 5), responsible_municipality="GM0014")
        log.add(EventType.ASSESSMENT, date(2026, 1, 6), advice=product.value)
        log.add(EventType.DECISION, date(2026, 1, 7), product=product.value, reasons="r")
        assert log.state().status is status


def test_decision_needs_reasons() -> None:
    log = Log()
    log.add(EventType.APPLICATION, date(2026, 1, 5), responsible_municipality="GM0014")
    log.add(EventType.ASSESSMENT, date(2026, 1, 6), advice="bt_cluster")
    log.add(EventType.DECISION, date(2026, 1, 7), product="bt_cluster", reasons="  ")
    with pytest.raises(JourneyError, match="reasons"):
        log.state()


def test_a_new_application_within_24_months_of_an_exit_is_a_return() -> None:
    log = placed_log()
    log.add(EventType.EXIT, date(2026, 4, 1), destination="home_region")
    log.add(EventType.APPLICATION, date(2026, 9, 15), responsible_municipality="GM0014")
    log.add(EventType.RETURN, date(2026, 9, 15))
    state = log.state()
    assert state.episode is not None
    assert state.episode.number == 2
    assert state.episode.return_months == 5
    assert return_bucket(state.episode.return_months) == 6


def test_return_buckets() -> None:
    assert [return_bucket(m) for m in (0, 5, 6, 11, 12, 23, 24, None)] == [
        6,
        6,
        12,
        12,
        24,
        24,
        None,
        None,
    ]


def test_a_correction_replaces_the_payload_and_voiding_removes_the_step() -> None:
    log = placed_log()
    exit_event = log.add(EventType.EXIT, date(2026, 5, 1), destination="unknown")
    log.add(
        EventType.CORRECTION,
        date(2026, 5, 2),
        corrects=exit_event.id,
        payload={"destination": "home_origin"},
    )
    state = log.state()
    assert state.episode is not None
    assert state.episode.exit_destination is Destination.HOME_ORIGIN
    log.add(EventType.CORRECTION, date(2026, 5, 3), corrects=exit_event.id, void=True)
    assert log.state().status is Status.PLACED


def test_a_correction_that_makes_the_history_impossible_is_refused() -> None:
    log = placed_log()
    placement = log.events[-1]
    log.add(EventType.EXIT, date(2026, 5, 1), destination="family")
    log.add(EventType.CORRECTION, date(2026, 5, 2), corrects=placement.id, effective="2026-06-01")
    with pytest.raises(JourneyError):
        log.state()


def test_disputes_open_and_resolve_with_a_new_responsible_municipality() -> None:
    log = placed_log()
    log.add(EventType.DISPUTE, date(2026, 3, 10), action="open", claimed_by="GM1952")
    assert log.state().open_disputes == 1
    log.add(
        EventType.DISPUTE, date(2026, 3, 20), action="resolve", responsible_municipality="GM1952"
    )
    state = log.state()
    assert state.open_disputes == 0
    assert state.responsible_municipality == "GM1952"


def test_offer_decline_and_withdrawal() -> None:
    log = placed_log()
    log.events.pop()
    log.add(EventType.OFFER, date(2026, 2, 1), **BW)
    assert log.state().status is Status.OFFERED
    log.add(EventType.OFFER_DECLINED, date(2026, 2, 3))
    assert log.state().status is Status.WAITING
    log.add(EventType.WITHDRAWAL, date(2026, 2, 4))
    state = log.state()
    assert state.status is Status.WITHDRAWN
    assert state.episode is not None
    assert state.episode.waiting is not None
    assert state.episode.waiting.status is WaitingStatus.WITHDRAWN


STEPS = st.lists(
    st.sampled_from(
        [
            (EventType.ASSESSMENT, {"advice": "bw_intramural"}),
            (EventType.DECISION, {"product": "bw_intramural", "reasons": "r"}),
            (EventType.WAITING_LIST_ENTRY, {}),
            (EventType.OFFER, BW),
            (EventType.OFFER_DECLINED, {}),
            (EventType.PLACEMENT, BW),
            (EventType.READY_TO_MOVE_ON, {}),
            (EventType.TRANSFER, BT),
            (EventType.EXIT, {"destination": "family"}),
            (EventType.WITHDRAWAL, {}),
            (EventType.APPLICATION, {"responsible_municipality": "GM0014"}),
        ]
    ),
    max_size=25,
)


@given(STEPS)
def test_accepted_histories_keep_their_invariants(
    steps: list[tuple[EventType, dict[str, Any]]],
) -> None:
    """Whatever is accepted: a client stays in at most one facility at a time, stays never
    overlap, and the status agrees with the stay."""
    state = JourneyState()
    day = date(2020, 1, 1)
    for n, (kind, payload) in enumerate(
        [(EventType.APPLICATION, {"responsible_municipality": "GM0014"}), *steps]
    ):
        day += timedelta(days=3)
        try:
            state = apply(state, Event(str(n), kind, day, n, payload), today=TODAY)
        except JourneyError:
            continue
        for episode in state.episodes:
            open_stays = [s for s in episode.stays if s.end is None]
            assert len(open_stays) <= (1 if episode is state.episode else 0)
            for a, b in zip(episode.stays, episode.stays[1:], strict=False):
                assert a.end is not None
                assert a.end <= b.start
        assert (state.facility_id is not None) == (
            state.status in (Status.PLACED, Status.READY_TO_MOVE_ON)
        )
