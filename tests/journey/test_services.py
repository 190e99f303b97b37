from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstroom.audit.models import AccessLogEntry
from doorstroom.clients.models import Client
from doorstroom.core.journey import EventType, JourneyError, Product, Status
from doorstroom.facilities.models import Facility
from doorstroom.journey import services
from doorstroom.journey.models import ClientState, JourneyEvent, RegionConfiguration
from doorstroom.reference.models import Municipality
from tests.journey.conftest import BW_CRITERIA, Team, days_ago, scores

pytestmark = pytest.mark.django_db


def state(client: Client) -> ClientState:
    return ClientState.objects.get(client=client)


def occupied(facility: Facility) -> int:
    facility.refresh_from_db()
    return facility.occupied


def snapshot() -> dict[str, Any]:
    return {
        "events": JourneyEvent.objects.count(),
        "log": AccessLogEntry.objects.count(),
        "occupied": dict(Facility.objects.values_list("pk", "occupied")),
        "states": {
            s.pk: (s.status, s.facility_id, s.waiting_status) for s in ClientState.objects.all()
        },
    }


def test_intake_to_exit(team: Team) -> None:
    client = team.new_client(start=300)
    assert state(client).status == Status.APPLIED
    advice = services.assessment_record(
        **team.ao(), client=client, effective=days_ago(299), scores=scores(6), criteria=BW_CRITERIA
    )
    assert advice.payload["advice"] == "bw_intramural"
    assert advice.payload["rule_id"] == "R2"
    services.decision_record(
        **team.ao(),
        client=client,
        effective=days_ago(298),
        product=Product.BW,
        urgency=2,
        reasons="Conform advies.",
    )
    assert state(client).status == Status.WAITING
    services.offer_make(**team.pc(), client=client, facility=team.bw, effective=days_ago(250))
    assert state(client).offered_facility == team.bw
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(240))
    assert occupied(team.bw) == 1
    services.ready_to_move_on_flag(**team.cp(), client=client, effective=days_ago(100))
    services.waiting_list_add(
        **team.pc(), client=client, effective=days_ago(100), product=Product.BT_CLUSTER
    )
    assert state(client).waiting_product == "bt_cluster"
    services.transfer_create(**team.pc(), client=client, facility=team.bt, effective=days_ago(50))
    assert (occupied(team.bw), occupied(team.bt)) == (0, 1)
    services.exit_record(
        **team.cp(),
        client=client,
        effective=days_ago(10),
        kind="own_home",
        municipality=team.side.municipality,
        supported=True,
    )
    final = state(client)
    assert final.status == Status.EXITED
    assert final.facility is None
    assert occupied(team.bt) == 0
    exit_event = client.events.get(event_type=EventType.EXIT)
    assert (
        exit_event.payload["destination"] == "home_origin_supported"
    )  # origin = municipality applied to
    types = list(client.events.order_by("id").values_list("event_type", flat=True))
    assert types == [
        "application_received",
        "assessment_done",
        "decision",
        "waiting_list_entry",
        "offer",
        "placement",
        "ready_to_move_on",
        "waiting_list_entry",
        "transfer",
        "exit",
    ]
    assert (
        AccessLogEntry.objects.filter(
            client_pseudonym=client.pseudonym, event_type="journey.exit"
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("place", "Only a client on a waiting list can be placed"),
        ("exit", "is not possible while"),
        ("future", "lies in the future"),
    ],
)
def test_impossible_steps_change_nothing(team: Team, step: str, message: str) -> None:
    client = team.new_client()
    before = snapshot()
    attempts = {
        "place": lambda: services.placement_create(
            **team.pc(), client=client, facility=team.bw, effective=days_ago(5)
        ),
        "exit": lambda: services.exit_record(
            **team.pc(), client=client, effective=days_ago(5), kind="family"
        ),
        "future": lambda: services.assessment_record(
            **team.ao(),
            client=client,
            effective=days_ago(-3),
            scores=scores(6),
            criteria=BW_CRITERIA,
        ),
    }
    with pytest.raises(JourneyError, match=message):
        attempts[step]()
    assert snapshot() == before


def test_exit_dated_before_the_stay_is_refused(team: Team) -> None:
    client = team.waiting_for_bw(start=100)
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(50))
    before = snapshot()
    with pytest.raises(JourneyError, match="before the client's last recorded step"):
        services.exit_record(**team.pc(), client=client, effective=days_ago(60), kind="family")
    assert snapshot() == before


def test_a_full_facility_refuses_a_placement(team: Team) -> None:
    first, second = team.waiting_for_bw(), team.waiting_for_bw()
    services.placement_create(
        **team.pc(), client=first, facility=team.bt if False else team.bw, effective=days_ago(30)
    )
    third = team.waiting_for_bw()
    services.placement_create(**team.pc(), client=second, facility=team.bw, effective=days_ago(30))
    before = snapshot()
    with pytest.raises(JourneyError, match="no free place left"):
        services.placement_create(
            **team.pc(), client=third, facility=team.bw, effective=days_ago(29)
        )
    assert snapshot() == before
    assert occupied(team.bw) == 2


def test_a_decision_that_differs_from_the_advice_is_recorded_as_such(team: Team) -> None:
    client = team.new_client()
    services.assessment_record(
        **team.ao(), client=client, effective=days_ago(150), scores=scores(6), criteria=BW_CRITERIA
    )
    event = services.decision_record(
        **team.ao(),
        client=client,
        effective=days_ago(149),
        product=Product.BT_CLUSTER,
        urgency=3,
        reasons="Cliënt wil niet intramuraal; BT cluster met extra toezicht.",
    )
    assert event.payload["deviates_from_advice"] is True


def test_a_new_application_within_24_months_is_a_return(team: Team) -> None:
    client = team.waiting_for_bw(start=400)
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(350))
    services.exit_record(**team.pc(), client=client, effective=days_ago(200), kind="family")
    services.application_register(**team.ao(), intake=team.intake(days_ago(30)), client=client)
    ret = client.events.get(event_type=EventType.RETURN)
    assert ret.payload["months_since_exit"] in (5, 6)
    assert state(client).episode == 2


def test_residence_rule_version_of_the_region_decides_and_shows_its_reasoning(team: Team) -> None:
    amsterdam = Municipality.objects.get(code="GM0363")
    rules = [
        {**r, "valid_from": "2020-01-01"}
        for r in services.core_residence.default_rules()
        if r["code"] == "residence-bill"
    ]
    RegionConfiguration.objects.create(
        region=team.side.region,
        kind=RegionConfiguration.Kind.RESIDENCE_RULES,
        version="vroeg-2026",
        valid_from=date(2020, 1, 1),
        definition=rules,
        created_by=team.officer,
    )
    client = team.new_client(brp_municipality=amsterdam)
    client.refresh_from_db()
    assert (
        client.responsible_municipality == amsterdam
    )  # outside the region: national accessibility
    application = client.events.get(event_type=EventType.APPLICATION)
    assert application.payload["residence"]["rules_version"] == "vroeg-2026"
    assert [s["decided"] for s in application.payload["residence"]["steps"]] == [True, False, False]
    homeless = team.new_client(homeless=True)
    homeless.refresh_from_db()
    assert homeless.responsible_municipality == team.side.municipality


def test_a_dispute_can_change_the_responsible_municipality(team: Team) -> None:
    client = team.waiting_for_bw()
    other = Municipality.objects.get(code="GM1952")
    services.dispute_record(
        user=team.municipal,
        actor=services.Actor.for_user(team.municipal, "t"),
        client=client,
        effective=days_ago(20),
        action="open",
        reason="Woonde in Midden-Groningen.",
        municipality=other,
    )
    assert state(client).open_disputes == 1
    services.dispute_record(
        **team.ao(),
        client=client,
        effective=days_ago(10),
        action="resolve",
        reason="Afgesproken in het regio-overleg.",
        municipality=other,
    )
    client.refresh_from_db()
    assert client.responsible_municipality == other
    assert state(client).open_disputes == 0


def test_a_care_provider_acts_only_on_its_own_facilities(team: Team, make_user: Any) -> None:
    from doorstroom.core.roles import Role
    from tests.factories import FacilityFactory, OrganisationFactory

    stranger_org = OrganisationFactory(kind="care_provider", region=team.side.region)
    foreign = FacilityFactory(
        provider=stranger_org, region=team.side.region, municipality=team.side.municipality
    )
    client = team.waiting_for_bw()
    with pytest.raises(PermissionDenied):
        services.placement_create(
            **team.cp(), client=client, facility=foreign, effective=days_ago(10)
        )
    services.placement_create(**team.cp(), client=client, facility=team.bw, effective=days_ago(10))
    other_provider = make_user(Role.CARE_PROVIDER, team.side)
    other_provider.organisation = stranger_org
    other_provider.save()
    with pytest.raises(PermissionDenied):
        services.exit_record(
            user=other_provider,
            actor=services.Actor.for_user(other_provider, "t"),
            client=client,
            effective=days_ago(1),
            kind="family",
        )


def test_corrections_are_new_events_and_are_checked(team: Team) -> None:
    client = team.waiting_for_bw(start=100)
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(50))
    exit_event = services.exit_record(
        **team.pc(), client=client, effective=days_ago(20), kind="unknown"
    )
    assert occupied(team.bw) == 0
    services.correction_record(
        **team.pc(),
        client=client,
        target=exit_event,
        reason="Bestemming bekend geworden",
        changes={"destination": "home_region"},
    )
    assert client.events.filter(event_type=EventType.EXIT).count() == 1
    assert state(client).snapshot["episodes"][-1]["exit_destination"] == "home_region"
    services.correction_record(
        **team.pc(), client=client, target=exit_event, reason="Uitstroom ging niet door", void=True
    )
    assert state(client).status == Status.PLACED
    assert occupied(team.bw) == 1  # the place is taken again
    placement = client.events.get(event_type=EventType.PLACEMENT)
    before = snapshot()
    with pytest.raises(JourneyError):
        services.correction_record(
            **team.pc(), client=client, target=placement, reason="x", effective=days_ago(200)
        )
    assert snapshot() == before


def test_the_event_log_is_append_only(team: Team) -> None:
    client = team.new_client()
    event = client.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        JourneyEvent.objects.filter(pk=event.pk).update(effective_date=date(2020, 1, 1))
    with pytest.raises(DatabaseError), transaction.atomic():
        JourneyEvent.objects.filter(pk=event.pk).delete()


def test_rebuild_equals_live_state_for_the_demo_region(db: Any) -> None:
    from doorstroom.web.demo import demo_seed

    demo_seed()
    live_states = {
        s.pk: (s.status, s.facility_id, s.waiting_status, s.waiting_product, s.snapshot)
        for s in ClientState.objects.all()
    }
    live_occupied = dict(Facility.objects.values_list("pk", "occupied"))
    assert sum(live_occupied.values()) > 0
    ClientState.objects.all().update(
        status="none", facility=None, snapshot={}, waiting_status="", waiting_product=""
    )
    Facility.objects.update(occupied=0)
    result = services.projections_rebuild()
    assert result.clients == Client.objects.count()
    rebuilt = {
        s.pk: (s.status, s.facility_id, s.waiting_status, s.waiting_product, s.snapshot)
        for s in ClientState.objects.all()
    }
    assert rebuilt == live_states
    assert dict(Facility.objects.values_list("pk", "occupied")) == live_occupied


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["place_bw", "place_bt", "transfer_bt", "transfer_bw", "exit", "ready"]),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_a_place_is_never_overbooked(team: Team, operations: list[tuple[str, int]]) -> None:
    """Whatever coordinators try, in whatever order: occupancy equals the clients staying,
    never exceeds the places, and a rebuild from the events gives the same."""
    savepoint = transaction.savepoint()
    try:
        clients = [team.waiting_for_bw(start=300) for _ in range(4)]
        day = 250
        for operation, who in operations:
            client = clients[who]
            day -= 3
            try:
                if operation == "place_bw":
                    services.placement_create(
                        **team.pc(), client=client, facility=team.bw, effective=days_ago(day)
                    )
                elif operation == "place_bt":
                    services.placement_create(
                        **team.pc(), client=client, facility=team.bt, effective=days_ago(day)
                    )
                elif operation in ("transfer_bt", "transfer_bw"):
                    target = team.bt if operation == "transfer_bt" else team.bw
                    services.transfer_create(
                        **team.pc(), client=client, facility=target, effective=days_ago(day)
                    )
                elif operation == "exit":
                    services.exit_record(
                        **team.pc(), client=client, effective=days_ago(day), kind="family"
                    )
                else:
                    services.ready_to_move_on_flag(
                        **team.pc(), client=client, effective=days_ago(day)
                    )
            except JourneyError:
                pass
            for facility in (team.bw, team.bt):
                facility.refresh_from_db()
                staying = ClientState.objects.filter(facility=facility).count()
                assert facility.occupied == staying <= facility.places
        live = dict(Facility.objects.values_list("pk", "occupied"))
        services.projections_rebuild()
        assert dict(Facility.objects.values_list("pk", "occupied")) == live
    finally:
        transaction.savepoint_rollback(savepoint)


def test_a_new_framework_version_is_validated_and_applies_from_its_date(
    team: Team, administrator: Any
) -> None:
    import json

    from doorstroom.core.assessment import default_framework
    from doorstroom.journey import config

    actor = services.Actor.for_user(administrator, "t")
    broken = default_framework()
    broken["rules"][1]["advice"] = "castle"
    with pytest.raises(JourneyError, match="unknown advice"):
        services.configuration_store(
            user=administrator,
            actor=actor,
            kind="assessment_framework",
            version="x",
            valid_from=days_ago(10),
            raw=json.dumps(broken).encode(),
        )
    with pytest.raises(JourneyError, match="not valid JSON"):
        services.configuration_store(
            user=administrator,
            actor=actor,
            kind="residence_rules",
            version="y",
            valid_from=days_ago(10),
            raw=b"{nope",
        )
    assert not RegionConfiguration.objects.exists()
    stricter = default_framework()
    stricter["rules"][1]["when"] = {"criterion": "needs_24h_supervision", "is": True}
    services.configuration_store(
        user=administrator,
        actor=actor,
        kind="assessment_framework",
        version="2026.2",
        valid_from=days_ago(10),
        raw=json.dumps(stricter).encode(),
    )
    assert config.assessment_framework(team.side.region, days_ago(20)).version.startswith(
        "standaard"
    )
    assert config.assessment_framework(team.side.region, days_ago(5)).version == "2026.2"
    client = team.new_client(start=30)
    event = services.assessment_record(
        **team.ao(), client=client, effective=days_ago(4), scores=scores(0), criteria=BW_CRITERIA
    )
    assert event.payload["framework_version"] == "2026.2"
    assert (
        event.payload["advice"] == "bw_intramural"
    )  # the stricter rule R2 needs only the criterion
