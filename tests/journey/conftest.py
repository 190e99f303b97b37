from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.clients.models import Client
from doorstroom.core.journey import Product
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.facilities.models import Facility
from doorstroom.journey import services
from doorstroom.reference.models import Municipality
from tests.conftest import Side
from tests.factories import FacilityFactory, next_bsn

# ZRM scores that make the default framework advise BW (with 24/7 supervision).
BW_CRITERIA = {
    "needs_24h_supervision": True,
    "acute_crisis": False,
    "housing_situation": "own_home",
    "risk": "low",
}


def scores(low: int) -> dict[str, int]:
    from doorstroom.core.assessment import default_framework

    codes = [d["code"] for d in default_framework()["domains"]]
    return {code: (2 if i < low else 4) for i, code in enumerate(codes)}


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


@dataclass
class Team:
    side: Side
    officer: User
    coordinator: User
    provider: User
    municipal: User
    bw: Facility
    bt: Facility

    def ao(self) -> dict[str, Any]:
        return {"user": self.officer, "actor": Actor.for_user(self.officer, "test")}

    def pc(self) -> dict[str, Any]:
        return {"user": self.coordinator, "actor": Actor.for_user(self.coordinator, "test")}

    def cp(self) -> dict[str, Any]:
        return {"user": self.provider, "actor": Actor.for_user(self.provider, "test")}

    def intake(self, day: date, **overrides: Any) -> services.Intake:
        values: dict[str, Any] = {
            "application_date": day,
            "channel": "gp",
            "applied_municipality": self.side.municipality,
            "brp_municipality": None,
            "postal_municipality": None,
            "homeless": False,
            "regional_ties": "yes",
            "ties_explanation": "",
        }
        values.update(overrides)
        return services.Intake(**values)

    def new_client(
        self, start: int = 200, birth: date = date(1990, 1, 1), **overrides: Any
    ) -> Client:
        return services.application_register(
            **self.ao(),
            intake=self.intake(days_ago(start), **overrides),
            bsn=next_bsn(),
            given_names="Test",
            family_name="Cliënt",
            birth_date=birth,
        )

    def waiting_for_bw(self, start: int = 200) -> Client:
        client = self.new_client(start)
        services.assessment_record(
            **self.ao(),
            client=client,
            effective=days_ago(start - 1),
            scores=scores(6),
            criteria=BW_CRITERIA,
        )
        services.decision_record(
            **self.ao(),
            client=client,
            effective=days_ago(start - 2),
            product=Product.BW,
            urgency=2,
            reasons="Past bij advies.",
        )
        return client


def make_team(own_side: Side, make_user: Callable[..., User], *, bw_places: int) -> Team:
    """The region's people (access, placement, provider, municipality) and two facilities:
    a BW house with ``bw_places`` places in the own municipality, one BT place in GM1952."""
    provider_org = own_side.organisations[OrganisationKind.CARE_PROVIDER]
    return Team(
        side=own_side,
        officer=make_user(Role.ACCESS_OFFICER, own_side),
        coordinator=make_user(Role.PLACEMENT_COORDINATOR, own_side),
        provider=make_user(Role.CARE_PROVIDER, own_side),
        municipal=make_user(Role.MUNICIPAL_OFFICER, own_side),
        bw=FacilityFactory(
            provider=provider_org,
            region=own_side.region,
            municipality=own_side.municipality,
            facility_type="bw_intramural",
            places=bw_places,
        ),
        bt=FacilityFactory(
            provider=provider_org,
            region=own_side.region,
            municipality=Municipality.objects.get(code="GM1952"),
            facility_type="bt_cluster",
            places=1,
        ),
    )


@pytest.fixture
def team(own_side: Side, make_user: Callable[..., User]) -> Team:
    return make_team(own_side, make_user, bw_places=2)
