"""Realised costs from the journey event log, recomputed from the events themselves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from doorstroom.audit.models import AccessLogEntry
from doorstroom.audit.services import Actor
from doorstroom.core.finance import Stream
from doorstroom.core.journey import Product
from doorstroom.finance import models
from doorstroom.finance.realised import (
    region_costs,
    stays_from_events,
    stays_from_log,
    stays_from_states,
)
from doorstroom.journey import services
from tests.journey.conftest import Team, days_ago

D = Decimal


@pytest.mark.django_db
def test_realised_costs_from_the_event_log_equal_the_projection_and_the_fold(team: Team) -> None:
    region = team.side.region
    team.bw.price_per_day = D("150.00")
    team.bw.save()
    team.bt.price_per_day = D("90.00")
    team.bt.save()
    # the BW facility's price rises 100 days ago (its own tariffs with validity periods)
    change = days_ago(100)
    models.Tariff.objects.create(
        region=region,
        facility=team.bw,
        price_per_day=D("150.00"),
        valid_until=change - timedelta(days=1),
    )
    models.Tariff.objects.create(
        region=region, facility=team.bw, price_per_day=D("160.00"), valid_from=change
    )

    first = team.waiting_for_bw(start=200)
    services.placement_create(**team.pc(), client=first, facility=team.bw, effective=days_ago(150))
    services.waiting_list_add(
        **team.pc(), client=first, effective=days_ago(70), product=Product.BT_CLUSTER
    )
    services.transfer_create(**team.pc(), client=first, facility=team.bt, effective=days_ago(60))
    services.exit_record(**team.cp(), client=first, effective=days_ago(10), kind="family")
    second = team.waiting_for_bw(start=40)
    services.placement_create(**team.pc(), client=second, facility=team.bw, effective=days_ago(30))

    today = timezone.localdate()
    start = days_ago(400)
    # three independent readings of the same journeys: the columnar event log (what the
    # pages use), the projection, and folding every client's events again
    from_states = region_costs(region, start, today, actor=None)
    for source in ("projection", "fold"):
        again = region_costs(region, start, today, actor=None, source=source)
        assert again.as_dict() == from_states.as_dict()
    by_log = sorted(stays_from_log(region), key=repr)
    assert by_log == sorted(stays_from_states(region), key=repr)
    assert by_log == sorted(stays_from_events(region), key=repr)
    assert len(by_log) == 3

    # by hand: BW 150..101 days ago at 150 (50 days), 100..61 at 160 (40 days); BT from 60
    # to 11 days ago at the facility's price (50 days, the exit day not); the second client
    # from 30 days ago up to and including today at 160 (31 days)
    expected = 50 * D("150.00") + 40 * D("160.00") + 50 * D("90.00") + 31 * D("160.00")
    assert from_states.total == expected
    responsible = {first.responsible_municipality.code, second.responsible_municipality.code}
    totals = from_states.totals("municipality", "stream")
    assert set(totals) == {(code, Stream.BW) for code in responsible}  # BT counts under BW
    assert sum(totals.values()) == expected
    # months add up to the total and every month lies in the period
    months = from_states.totals("month")
    assert sum(months.values()) == expected
    assert all(start.replace(day=1) <= m <= today for (m,) in months)
    days = sum(d.days for d in from_states.details)
    assert days == 50 + 40 + 50 + 31


@pytest.mark.django_db
def test_computing_costs_is_recorded_in_the_access_log_without_clients(team: Team) -> None:
    client = team.waiting_for_bw(start=40)
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(20))
    actor = Actor.for_user(team.officer, "test")
    before = AccessLogEntry.objects.count()
    region_costs(team.side.region, days_ago(30), timezone.localdate(), actor=actor)
    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry is not None
    assert entry.event_type == "finance.realised_costs"
    assert entry.client_pseudonym is None


@pytest.mark.django_db
def test_a_future_year_has_no_realised_costs(team: Team) -> None:
    from doorstroom.accounts.models import User
    from doorstroom.core.roles import Role
    from doorstroom.finance import selectors

    client = team.waiting_for_bw(start=40)
    services.placement_create(**team.pc(), client=client, facility=team.bw, effective=days_ago(20))
    user = User.objects.create(
        username="fin", organisation=team.officer.organisation, role=Role.FINANCE_ADVISOR
    )
    actor = Actor.for_user(user, "test")
    this_year = timezone.localdate().year
    assert selectors.realised(user, actor, this_year).total > 0  # the open stay, up to today
    assert selectors.realised(user, actor, this_year + 1).total == 0
