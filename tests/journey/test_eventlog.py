"""Reading the stored event log back into columns: the same spells as the generator's own
columns, corrections folded in, regions filtered, and the version changes on every write."""

from __future__ import annotations

from datetime import date

import pytest

from doorstroom.audit.models import AccessLogEntry
from doorstroom.clients.models import Client
from doorstroom.core.eventlog import derive_spells
from doorstroom.core.journey import project
from doorstroom.facilities.models import Facility
from doorstroom.journey import eventlog, services
from doorstroom.journey.models import ClientState, JourneyEvent
from doorstroom.journey.synthetic import already_loaded, demo_synthetic_data, synthetic_load
from doorstroom.reference.models import Region
from tests.journey.conftest import Team, days_ago

pytestmark = pytest.mark.django_db

END = date(2026, 3, 31)


@pytest.fixture
def loaded() -> object:
    data = demo_synthetic_data(end=END, years=2, seed=3, regions=["Zuidwest-Drenthe"])
    synthetic_load(data)
    return data


def test_the_database_gives_the_same_spells_as_the_generator(loaded: object) -> None:
    data = loaded
    stored = derive_spells(eventlog.event_log_load())
    generated = derive_spells(data.log)  # type: ignore[attr-defined]
    for name in ("episodes", "waits", "stays", "ready", "exits"):
        a, b = getattr(generated, name), getattr(stored, name)
        assert a.height == b.height, name
        for column in a.columns:
            if column in {"client", "facility"}:
                continue  # stored ids differ from the generator's
            assert a[column].to_list() == b[column].to_list(), (name, column)


def test_loading_writes_projections_counters_and_the_access_log(loaded: object) -> None:
    clients = Client.objects.count()
    assert clients == loaded.clients  # type: ignore[attr-defined]
    assert ClientState.objects.count() == clients
    assert AccessLogEntry.objects.filter(event_type="synthetic.load").count() == clients
    client = Client.objects.order_by("?").first()
    assert client is not None
    history = [
        eventlog.Event(
            str(e.event_id), eventlog.EventType(e.event_type), e.effective_date, e.pk, e.payload
        )
        for e in client.events.order_by("pk")
    ]
    state = project(history, birth_date=client.birth_date)
    row = ClientState.objects.get(client=client)
    assert row.status == state.status.value
    assert row.last_event == history[-1].sequence
    for facility in Facility.objects.all():
        assert facility.occupied == ClientState.objects.filter(facility=facility).count()
    assert already_loaded()
    again = synthetic_load(loaded)  # type: ignore[arg-type]
    assert again.clients == 0
    assert Client.objects.count() == clients


def test_regions_are_filtered_and_the_version_moves(loaded: object) -> None:
    region = Region.objects.get(name="Zuidwest-Drenthe")
    other = Region.objects.exclude(pk=region.pk).first()
    assert other is not None
    assert len(eventlog.event_log_load(region_ids=[other.pk])) == 0
    assert len(eventlog.event_log_load(region_ids=[region.pk])) == JourneyEvent.objects.count()
    before = eventlog.log_version()
    facility = Facility.objects.first()
    assert facility is not None
    Facility.objects.filter(pk=facility.pk).update(places=facility.places + 1)
    assert eventlog.log_version() != before


def test_events_recorded_by_the_services_with_corrections(team: Team) -> None:
    client = team.waiting_for_bw(start=100)
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(50))
    exit_event = services.exit_record(
        **team.pc(), client=client, effective=days_ago(20), kind="unknown"
    )
    services.correction_record(
        **team.pc(),
        client=client,
        target=exit_event,
        reason="Bestemming bekend geworden",
        changes={"destination": "family"},
    )
    other = team.waiting_for_bw(start=90)  # no corrections: the fast path
    spells = derive_spells(eventlog.event_log_load())
    exits = spells.exits.filter(spells.exits["client"] == client.pk)
    assert exits["destination"].to_list() == ["family"]
    assert exits["day"].to_list() == [days_ago(20)]
    stays = spells.stays.filter(spells.stays["client"] == client.pk)
    assert stays["facility"].to_list() == [team.bw.pk]
    assert stays["facility_municipality"].to_list() == [team.bw.municipality.code]
    waiting = spells.waits.filter(spells.waits["client"] == other.pk)
    assert waiting["product"].to_list() == ["bw_intramural"]
    assert waiting["end"].to_list() == [None]
    episodes = spells.episodes.filter(spells.episodes["client"] == other.pk)
    assert episodes["channel"].to_list() == ["gp"]
    assert episodes["origin"].to_list() == [team.side.municipality.code]
