"""The columnar event log and the spells derived from it: hand-built histories with known
answers, and a property test that the vectorised derivation agrees with the fold of
``core.journey`` on generated histories."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstroom.core import synthetic
from doorstroom.core.eventlog import EventLogBuilder, EventLogError, ages, derive_spells
from doorstroom.core.journey import EventType, Status, WaitingStatus, project
from tests.core.histories import MUNS, History, spells_of


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in frame.select(columns).iter_rows()]


D = date.fromisoformat


def test_a_full_journey_bw_to_bt_to_own_home() -> None:
    h = (
        History()
        .apply("2024-01-10")
        .decide("2024-02-01", "bw_intramural")
        .wait("2024-02-01", "bw_intramural")
        .add(EventType.OFFER, "2024-03-01", facility_id=1, facility_type="bw_intramural")
        .place("2024-03-04", 1)
        .add(EventType.READY_TO_MOVE_ON, "2025-01-15")
        .wait("2025-01-15", "bt_cluster")
        .place("2025-04-01", 2, EventType.TRANSFER)
        .add(EventType.READY_TO_MOVE_ON, "2025-10-01")
        .exit("2026-01-05", "home_origin_supported", "GM1952")
    )
    s = spells_of((D("2003-05-01"), h))
    assert rows(s.episodes, "episode", "applied", "decided", "product", "closed", "outcome") == [
        (1, D("2024-01-10"), D("2024-02-01"), "bw_intramural", D("2026-01-05"), "exited")
    ]
    assert rows(s.episodes, "age", "age_band", "origin", "channel") == [
        (20, "18-24", "GM1952", "youth_care_18")
    ]
    assert rows(
        s.stays,
        "facility",
        "product",
        "facility_municipality",
        "start",
        "end",
        "end_reason",
        "ready",
    ) == [
        (
            1,
            "bw_intramural",
            "GM0014",
            D("2024-03-04"),
            D("2025-04-01"),
            "transfer",
            D("2025-01-15"),
        ),
        (2, "bt_cluster", "GM1952", D("2025-04-01"), D("2026-01-05"), "exit", D("2025-10-01")),
    ]
    assert rows(s.waits, "product", "start", "end", "outcome", "in_care") == [
        ("bw_intramural", D("2024-02-01"), D("2024-03-04"), "placed", False),
        ("bt_cluster", D("2025-01-15"), D("2025-04-01"), "placed", True),
    ]
    assert rows(s.ready, "product", "start", "end", "outcome") == [
        ("bw_intramural", D("2025-01-15"), D("2025-04-01"), "transfer"),
        ("bt_cluster", D("2025-10-01"), D("2026-01-05"), "exit"),
    ]
    assert rows(
        s.exits, "day", "destination", "destination_municipality", "product", "first_placed"
    ) == [(D("2026-01-05"), "home_origin_supported", "GM1952", "bt_cluster", D("2024-03-04"))]


def test_open_episode_and_open_spells_have_no_end() -> None:
    h = (
        History()
        .apply("2025-05-01")
        .decide("2025-05-20", "bt_individual")
        .wait("2025-05-20", "bt_individual")
    )
    s = spells_of((D("1980-01-01"), h))
    assert rows(s.episodes, "closed", "outcome", "first_placed") == [(None, None, None)]
    assert rows(s.waits, "end", "outcome") == [(None, None)]
    assert s.stays.height == 0
    assert s.exits.height == 0


def test_same_day_events_keep_the_recording_order() -> None:
    # applied, assessed, decided, on the list and placed on one day; exit the same day
    day = "2025-03-03"
    h = History().apply(day).decide(day, "bw_intramural").wait(day, "bw_intramural").place(day, 1)
    h.exit(day, "clinic")
    s = spells_of((D("1970-02-02"), h))
    assert rows(s.stays, "start", "end", "end_reason", "destination") == [
        (D(day), D(day), "exit", "clinic")
    ]
    assert rows(s.waits, "start", "end", "outcome") == [(D(day), D(day), "placed")]


def test_transfer_to_another_product_leaves_the_waiting_entry_open_until_the_exit() -> None:
    h = (
        History()
        .apply("2024-01-01")
        .decide("2024-01-10", "bw_intramural")
        .wait("2024-01-10", "bw_intramural")
        .place("2024-01-20", 1)
        .wait("2024-06-01", "bt_cluster")  # waits for a cluster ...
        .place("2024-07-01", 4, EventType.TRANSFER)  # ... but moves to an individual place
        .exit("2024-12-01", "family")
    )
    s = spells_of((D("1990-01-01"), h))
    # the cluster entry stayed open through the transfer and was withdrawn by the exit
    assert rows(s.waits, "product", "end", "outcome", "in_care") == [
        ("bw_intramural", D("2024-01-20"), "placed", False),
        ("bt_cluster", D("2024-12-01"), "withdrawn", True),
    ]
    state = project(h.events)
    assert state.episode is not None
    assert state.episode.waiting is not None
    assert state.episode.waiting.status is WaitingStatus.WITHDRAWN


def test_withdrawal_in_care_ends_only_the_waiting_entry() -> None:
    h = (
        History()
        .apply("2024-01-01")
        .decide("2024-01-10", "bw_intramural")
        .wait("2024-01-10", "bw_intramural")
        .place("2024-01-20", 1)
        .wait("2024-06-01", "bt_cluster")
        .add(EventType.WITHDRAWAL, "2024-08-01", reason="r")
    )
    s = spells_of((D("1990-01-01"), h))
    assert rows(s.waits, "product", "end", "outcome") == [
        ("bw_intramural", D("2024-01-20"), "placed"),
        ("bt_cluster", D("2024-08-01"), "withdrawn"),
    ]
    assert rows(s.episodes, "closed", "outcome") == [(None, None)]
    assert rows(s.stays, "end") == [(None,)]


def test_returns_episodes_and_outcomes() -> None:
    h = (
        History()
        .apply("2022-01-01")
        .decide("2022-01-10", "ambulant")
        .apply("2022-06-01")  # referred episodes end: a new application is possible
        .decide("2022-06-10", "mo_night")
        .wait("2022-06-10", "mo_night")
        .add(EventType.EXPIRY, "2023-06-10", reason="r")
        .apply("2023-07-01")
        .decide("2023-07-05", "not_eligible")
        .apply("2023-08-01")
        .decide("2023-08-05", "bw_intramural")
        .wait("2023-08-05", "bw_intramural")
        .place("2023-09-01", 1)
        .exit("2024-01-01", "unknown")
        .apply("2024-05-01")
        .add(EventType.RETURN, "2024-05-01", months_since_exit=4)
        .add(EventType.WITHDRAWAL, "2024-05-02", reason="r")
    )
    s = spells_of((D("1960-01-01"), h))
    assert rows(s.episodes, "episode", "outcome", "return_months", "closed") == [
        (1, "referred", None, D("2022-01-10")),
        (2, "expired", None, D("2023-06-10")),
        (3, "not_eligible", None, D("2023-07-05")),
        (4, "exited", None, D("2024-01-01")),
        (5, "withdrawn", 4, D("2024-05-02")),
    ]
    assert rows(s.waits, "episode", "outcome") == [(2, "expired"), (4, "placed")]


def test_a_resolved_dispute_changes_the_responsible_municipality() -> None:
    h = (
        History()
        .apply("2027-02-01", origin="GM0047")
        .add(EventType.DISPUTE, "2027-02-05", action="open", reason="r")
        .add(
            EventType.DISPUTE,
            "2027-03-01",
            action="resolve",
            reason="r",
            responsible_municipality="GM1952",
        )
    )
    s = spells_of((D("1990-01-01"), h))
    assert rows(s.episodes, "responsible", "origin") == [("GM1952", "GM0047")]


def test_corrections_are_applied_before_the_columns_are_built() -> None:
    h = History().apply("2024-01-01").decide("2024-01-10", "bw_intramural")
    h.wait("2024-01-10", "bw_intramural").place("2024-02-01", 1)
    placement_id = h.events[-1].id
    h.add(EventType.CORRECTION, "2024-02-03", corrects=placement_id, effective="2024-01-25")
    wrong_exit = h.exit("2024-05-01", "clinic").events[-1].id
    h.add(EventType.CORRECTION, "2024-05-02", corrects=wrong_exit, void=True)
    s = spells_of((D("1990-01-01"), h))
    assert rows(s.stays, "start", "end") == [(D("2024-01-25"), None)]
    assert s.exits.height == 0


def test_a_history_must_start_with_an_application() -> None:
    builder = EventLogBuilder(MUNS)
    c = builder.client(1, date(1990, 1, 1))
    builder.add(c, EventType.DECISION, date(2024, 1, 1).toordinal(), 1)
    with pytest.raises(EventLogError):
        derive_spells(builder.build())


def test_empty_log() -> None:
    s = derive_spells(EventLogBuilder(MUNS).build())
    assert s.episodes.height == s.stays.height == s.waits.height == 0
    assert s.first_day is None


def test_ages_match_the_calendar_including_leap_days() -> None:
    births = [date(2000, 2, 29), date(2000, 3, 1), date(1999, 12, 31), date(2006, 11, 23)]
    days = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 12, 30), date(2024, 11, 23)]
    expected = [23, 23, 24, 18]
    got = ages(
        np.array([b.toordinal() for b in births], dtype=np.int32),
        np.array([d.toordinal() for d in days], dtype=np.int32),
    )
    assert got.tolist() == expected


# ---------------------------------------------------------------- agreement with the fold
REGION = synthetic.RegionSpec(
    "Testregio",
    "GM0014",
    (
        synthetic.MunicipalitySpec("GM0014", "Groningen", 90_000),
        synthetic.MunicipalitySpec("GM1952", "Midden-Groningen", 40_000),
        synthetic.MunicipalitySpec("GM0047", "Veendam", 25_000),
    ),
)
STATUS_OF = {
    "exited": Status.EXITED,
    "referred": Status.REFERRED,
    "not_eligible": Status.NOT_ELIGIBLE,
    "withdrawn": Status.WITHDRAWN,
    "expired": Status.EXPIRED,
}


def _grouped(frame: pl.DataFrame, *keys: str) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in frame.iter_rows(named=True):  # rows are in folding order
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


WAIT_OUTCOME = {
    WaitingStatus.WAITING: None,
    WaitingStatus.OFFERED: None,
    WaitingStatus.PLACED: "placed",
    WaitingStatus.WITHDRAWN: "withdrawn",
    WaitingStatus.EXPIRED: "expired",
}


def assert_agrees_with_fold(data: synthetic.SyntheticData) -> None:
    spells = derive_spells(data.log)
    episodes = _grouped(spells.episodes, "client")
    stays = _grouped(spells.stays, "client", "episode")
    waits = _grouped(spells.waits, "client", "episode")
    for index in range(data.clients):
        client_id = int(data.log.client_ids[index])
        state = project(
            synthetic.history(data, index),
            birth_date=date.fromordinal(int(data.log.client_birth[index])),
        )
        eps = episodes[(client_id,)]
        assert len(eps) == len(state.episodes)
        for row, episode in zip(eps, state.episodes, strict=True):
            key = (client_id, episode.number)
            assert row["episode"] == episode.number
            assert row["applied"] == episode.applied_on
            assert row["decided"] == episode.decision_date
            assert row["responsible"] == episode.responsible_municipality
            assert (row["return_months"] is not None) == (episode.return_months is not None)
            assert (STATUS_OF[row["outcome"]] if row["outcome"] else None) == episode.closed_status
            if episode.exit_date is not None:
                assert row["closed"] == episode.exit_date
            got_stays = [
                (r["facility"], r["product"], r["start"], r["end"]) for r in stays.get(key, [])
            ]
            assert got_stays == [
                (s.facility_id, s.product.value, s.start, s.end) for s in episode.stays
            ]
            if episode.waiting is not None:
                w = waits[key][-1]
                assert (w["product"], w["start"]) == (
                    episode.waiting.product.value,
                    episode.waiting.since,
                )
                assert w["outcome"] == WAIT_OUTCOME[episode.waiting.status]
                assert w["end"] == episode.waiting.closed_on
            else:
                assert key not in waits


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    withdraw=st.sampled_from([0.003, 0.03]),
    decline=st.sampled_from([0.0, 0.12, 0.5]),
    homes=st.sampled_from([0.5, 1.8, 6.0]),
)
def test_spells_agree_with_the_fold_on_generated_histories(
    seed: int, withdraw: float, decline: float, homes: float
) -> None:
    params = synthetic.Parameters(
        withdraw_per_week=withdraw,
        offer_decline_share=decline,
        homes_per_10k_year=homes,
        dispute_share=0.05,
        burn_in_years=1,
    )
    data = synthetic.generate([REGION], end=date(2026, 6, 30), years=3, seed=seed, params=params)
    assert data.clients > 50
    assert_agrees_with_fold(data)


def test_spells_survive_storage() -> None:
    from doorstroom.core.eventlog import spells_from_bytes, spells_to_bytes

    data = synthetic.generate([REGION], end=date(2026, 6, 30), years=2, seed=4)
    spells = derive_spells(data.log)
    back = spells_from_bytes(spells_to_bytes(spells))
    for name in ("episodes", "waits", "stays", "ready", "exits", "facilities"):
        assert getattr(back, name).equals(getattr(spells, name)), name
    assert (back.municipalities, back.regions) == (spells.municipalities, spells.regions)
    assert (back.first_day, back.last_day) == (spells.first_day, spells.last_day)
