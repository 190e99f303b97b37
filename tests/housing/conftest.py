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
from doorstroom.core.roles import Role
from doorstroom.housing import services
from doorstroom.housing.models import Home
from doorstroom.journey import services as journey
from doorstroom.reference.models import Municipality
from tests.conftest import Side
from tests.journey.conftest import Team, days_ago, make_team


@dataclass
class Housing:
    team: Team
    association: User
    coordinator2: User

    def ha(self) -> dict[str, Any]:
        return {"user": self.association, "actor": Actor.for_user(self.association, "test")}

    def pc(self) -> dict[str, Any]:
        return self.team.pc()

    def ready_client(self, birth: date = date(1990, 1, 1)) -> Client:
        """A client placed in BW and ready to move on."""
        client = self.team.new_client(200, birth=birth)
        from tests.journey.conftest import BW_CRITERIA, scores

        ao = self.team.ao()
        journey.assessment_record(
            **ao, client=client, effective=days_ago(199), scores=scores(6), criteria=BW_CRITERIA
        )
        journey.decision_record(
            **ao,
            client=client,
            effective=days_ago(198),
            product=Product.BW,
            urgency=2,
            reasons="Past bij advies.",
        )
        journey.placement_create(
            **self.pc(), client=client, facility=self.team.bw, effective=days_ago(150)
        )
        journey.ready_to_move_on_flag(**self.pc(), client=client, effective=days_ago(60))
        return client

    def home(self, **kw: Any) -> Home:
        values: dict[str, Any] = {
            "reference": f"H-{Home.objects.count() + 1}",
            "municipality": self.team.side.municipality,
            "unit_type": "studio",
            "youth_only": False,
            "rooms": 1,
            "rent": 600,
            "accessible": False,
            "available_from": timezone.localdate() - timedelta(days=1),
        }
        values.update(kw)
        return services.home_offer(user=self.association, data=values)


@pytest.fixture
def housing(own_side: Side, make_user: Callable[..., User]) -> Housing:
    team = make_team(own_side, make_user, bw_places=20)
    return Housing(
        team=team,
        association=make_user(Role.HOUSING_ASSOCIATION, own_side),
        coordinator2=make_user(Role.PLACEMENT_COORDINATOR, own_side),
    )


def municipality(code: str) -> Municipality:
    return Municipality.objects.get(code=code)
