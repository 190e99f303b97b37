"""Monitor writes: snapshots of the event log, and targets."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from doorstroom.accounts.models import User
from doorstroom.audit.models import AccessLogEntry
from doorstroom.audit.services import Actor
from doorstroom.core.eventlog import spells_from_bytes
from doorstroom.core.kpi import TargetError
from doorstroom.core.roles import Role
from doorstroom.facilities.models import Facility
from doorstroom.journey.models import JourneyEvent
from doorstroom.monitor import services
from doorstroom.monitor.models import MonitorSnapshot, MonitorTarget
from doorstroom.reference.models import Municipality
from tests.conftest import Side

pytestmark = pytest.mark.django_db


def test_a_snapshot_is_made_once_per_version_and_old_ones_go(drenthe: Side) -> None:
    first = services.snapshot_refresh()
    assert first.events == JourneyEvent.objects.count()
    spells = spells_from_bytes(bytes(first.data))
    assert spells.episodes.height > 0
    assert services.snapshot_refresh().pk == first.pk  # nothing changed
    assert AccessLogEntry.objects.filter(event_type="monitor.refresh").count() == 1
    facility = Facility.objects.first()
    assert facility is not None
    for extra in range(1, 5):
        Facility.objects.filter(pk=facility.pk).update(places=facility.places + extra)
        services.snapshot_refresh()
    assert MonitorSnapshot.objects.count() == services.KEEP_SNAPSHOTS
    assert services.snapshot_refresh(force=True).pk > first.pk


def test_targets_are_validated_and_stay_in_the_region(
    drenthe: Side, other_side: Side, make_user: Callable[..., User]
) -> None:
    advisor = make_user(Role.POLICY_ADVISOR, drenthe)
    actor = Actor.for_user(advisor, "test")
    fields = {
        "kpi": "youth_share",
        "baseline_year": 2024,
        "target_year": 2027,
        "change_percent": None,
        "target_value": Decimal("0.25"),
        "municipality": Municipality.objects.get(code="GM0119"),
        "source": "",
    }
    target = services.target_save(user=advisor, actor=actor, **fields)
    assert target.region == drenthe.region
    with pytest.raises(TargetError):
        services.target_save(
            user=advisor, actor=actor, **{**fields, "municipality": other_side.municipality}
        )
    with pytest.raises(TargetError):
        services.target_save(user=advisor, actor=actor, **{**fields, "change_percent": Decimal(5)})
    other = make_user(Role.POLICY_ADVISOR, other_side)
    with pytest.raises(PermissionError):
        services.target_delete(user=other, actor=Actor.for_user(other, "t"), target=target)
    assert MonitorTarget.objects.count() == 1
