"""The daily work on screens: intake -> assessment -> decision -> waiting list -> offer ->
placement -> ready to move on -> transfer -> exit, as the users would click it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from doorstroom.accounts.models import User
from doorstroom.clients.models import Client
from doorstroom.journey.models import ClientState, JourneyEvent
from tests.factories import next_bsn
from tests.journey.conftest import Team, days_ago, scores

pytestmark = pytest.mark.django_db


def post(
    http: HttpClient, name: str, client: Client, data: dict[str, Any], expect: int = 302
) -> Any:
    response = http.post(reverse(name, args=[client.pseudonym]), data)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def test_walk_the_journey_on_the_screens(team: Team, login: Callable[[User], HttpClient]) -> None:
    officer, coordinator, provider = (
        login(team.officer),
        login(team.coordinator),
        login(team.provider),
    )
    response = officer.post(
        reverse("journey:intake"),
        {
            "bsn": next_bsn(),
            "given_names": "Noa",
            "family_name": "Visser",
            "birth_date": "1991-02-03",
            "application_date": days_ago(60).isoformat(),
            "channel": "mental_health",
            "applied_municipality": team.side.municipality.pk,
            "regional_ties": "yes",
        },
    )
    assert response.status_code == 302
    client = Client.objects.get()
    page = officer.get(response["Location"]).content.decode()
    assert "Verantwoordelijke gemeente (woonplaatsbeginsel)" in page
    assert "beslist" in page  # the step of the residence rule that decided

    assessment = {
        "effective": days_ago(59).isoformat(),
        "criterion_needs_24h_supervision": "on",
        "criterion_housing_situation": "own_home",
        "criterion_risk": "low",
    }
    assessment.update({f"score_{k}": v for k, v in scores(6).items()})
    post(officer, "journey:assess", client, assessment)
    page = officer.get(reverse("clients:detail", args=[client.pseudonym])).content.decode()
    assert "ja — geeft het advies" in page  # the rules that were tried, and the one that held

    decision = {
        "effective": days_ago(58).isoformat(),
        "product": "bt_cluster",
        "urgency": "2",
        "reasons": "kort",
        "to_waiting_list": "on",
    }
    response = post(officer, "journey:decide", client, decision, expect=400)
    assert "wijkt af van het advies" in response.content.decode()
    assert not JourneyEvent.objects.filter(event_type="decision").exists()
    decision.update(product="bw_intramural", reasons="Conform advies van het afwegingskader.")
    post(officer, "journey:decide", client, decision)

    waiting = coordinator.get(reverse("waiting:list", args=["bw_intramural"])).content.decode()
    assert str(client) in waiting
    assert "Niemand gaat voor: eerste in de rij." in waiting

    post(
        coordinator,
        "journey:offer",
        client,
        {"effective": days_ago(40).isoformat(), "facility": team.bw.pk},
    )
    assert (
        provider.get(reverse("clients:detail", args=[client.pseudonym])).status_code == 200
    )  # offered to its facility
    post(
        provider,
        "journey:place",
        client,
        {"effective": days_ago(39).isoformat(), "facility": team.bw.pk},
    )
    facility_page = provider.get(reverse("facilities:detail", args=[team.bw.pk])).content.decode()
    assert str(client) in facility_page
    post(
        provider,
        "journey:ready",
        client,
        {"effective": days_ago(20).isoformat(), "notes": "Klaar voor BT."},
    )
    post(
        coordinator,
        "journey:waiting_list_add",
        client,
        {"effective": days_ago(20).isoformat(), "product": "bt_cluster", "urgency": "3"},
    )
    post(
        coordinator,
        "journey:transfer",
        client,
        {"effective": days_ago(10).isoformat(), "facility": team.bt.pk},
    )
    post(
        coordinator,
        "journey:exit",
        client,
        {
            "effective": days_ago(2).isoformat(),
            "kind": "own_home",
            "municipality": team.side.municipality.pk,
            "supported": "on",
        },
    )
    state = ClientState.objects.get(client=client)
    assert state.status == "exited"
    page = officer.get(reverse("clients:detail", args=[client.pseudonym])).content.decode()
    assert (
        "Uitstroom naar: eigen woning in de gemeente van herkomst, met ambulante begeleiding."
        in page
    )
    assert page.count("ds-timeline__item") == 10


def test_an_impossible_step_shows_a_dutch_message_and_stores_nothing(
    team: Team, login: Callable[[User], HttpClient]
) -> None:
    client = team.new_client()
    response = post(
        login(team.coordinator),
        "journey:place",
        client,
        {"effective": days_ago(1).isoformat(), "facility": team.bw.pk},
        expect=400,
    )
    html = response.content.decode()
    assert (
        "Selecteer een geldige keuze" in html
        or "Alleen een cliënt op de wachtlijst kan worden geplaatst" in html
    )
    assert not JourneyEvent.objects.filter(event_type="placement").exists()


def test_future_dates_are_refused_on_the_form(
    team: Team, login: Callable[[User], HttpClient]
) -> None:
    client = team.waiting_for_bw()
    response = post(
        login(team.coordinator),
        "journey:offer",
        client,
        {"effective": days_ago(-2).isoformat(), "facility": team.bw.pk},
        expect=400,
    )
    assert "De datum ligt in de toekomst." in response.content.decode()


def test_a_municipal_officer_sees_only_own_clients_on_the_waiting_list(
    team: Team, login: Callable[[User], HttpClient]
) -> None:
    from doorstroom.reference.models import Municipality

    mine = team.waiting_for_bw()
    theirs = team.waiting_for_bw()
    theirs.responsible_municipality = Municipality.objects.get(code="GM1952")
    theirs.save()
    page = (
        login(team.municipal).get(reverse("waiting:list", args=["bw_intramural"])).content.decode()
    )
    assert str(mine) in page
    assert str(theirs) not in page
