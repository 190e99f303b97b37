"""Writes of the monitor: refreshing the snapshot of spells, and the region's targets."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.core import kpi as core_kpi
from doorstroom.core.eventlog import derive_spells, spells_to_bytes
from doorstroom.core.i18n import gettext_noop
from doorstroom.journey.eventlog import event_log_load, log_version
from doorstroom.monitor.models import MonitorSnapshot, MonitorTarget
from doorstroom.reference.models import Municipality

KEEP_SNAPSHOTS = 3


def snapshot_refresh(*, force: bool = False) -> MonitorSnapshot:
    """Derive the spells of the whole event log and store them, unless the latest snapshot
    is already of the current version. Reading the log for aggregates is recorded in the
    access log once (no client is shown to anyone)."""
    version = log_version()
    latest = MonitorSnapshot.objects.only("id", "version").first()
    if latest is not None and latest.version == version and not force:
        return MonitorSnapshot.objects.get(pk=latest.pk)
    started = time.perf_counter()
    log = event_log_load()
    spells = derive_spells(log)
    data = spells_to_bytes(spells)
    with transaction.atomic():
        snapshot = MonitorSnapshot.objects.create(
            version=version,
            as_of=timezone.localdate(),
            events=len(log),
            clients=log.clients,
            seconds=round(time.perf_counter() - started, 3),
            data=data,
        )
        old = MonitorSnapshot.objects.values_list("pk", flat=True)[KEEP_SNAPSHOTS:]
        MonitorSnapshot.objects.filter(pk__in=list(old)).delete()
        access_record(
            Actor.system("monitor-refresh"),
            event_type="monitor.refresh",
            action=Action.READ,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="monitor_snapshot",
            object_id=str(snapshot.pk),
        )
    return snapshot


def _target(
    *,
    kpi: str,
    baseline_year: int,
    target_year: int,
    change_percent: Decimal | None,
    target_value: Decimal | None,
    municipality: Municipality | None,
) -> core_kpi.Target:
    target = core_kpi.Target(
        kpi=kpi,
        baseline_year=baseline_year,
        target_year=target_year,
        change=change_percent / 100 if change_percent is not None else None,
        value=target_value,
        municipality=municipality.code if municipality else "",
    )
    core_kpi.validate_target(target)  # raises TargetError with a translatable message
    return target


def target_save(
    *, user: Any, actor: Actor, target: MonitorTarget | None = None, **fields: Any
) -> MonitorTarget:
    """Create or change a target of the user's region (policy advisors)."""
    _target(
        kpi=fields["kpi"],
        baseline_year=fields["baseline_year"],
        target_year=fields["target_year"],
        change_percent=fields.get("change_percent"),
        target_value=fields.get("target_value"),
        municipality=fields.get("municipality"),
    )
    region = user.organisation.region
    municipality = fields.get("municipality")
    if municipality is not None and not region.members.filter(pk=municipality.pk).exists():
        raise core_kpi.TargetError(gettext_noop("The municipality is not part of the region."))
    with transaction.atomic():
        action = Action.CREATE if target is None else Action.UPDATE
        if target is None:
            target = MonitorTarget(region=region, created_by=user)
        elif target.region_id != region.pk:
            raise PermissionError("target of another region")
        for name in (
            "kpi",
            "baseline_year",
            "target_year",
            "change_percent",
            "target_value",
            "municipality",
            "source",
        ):
            setattr(target, name, fields.get(name))
        target.source = target.source or ""
        target.save()
        access_record(
            actor,
            event_type="monitor.target.save",
            action=action,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="monitor_target",
            object_id=str(target.pk),
        )
    return target


def target_delete(*, user: Any, actor: Actor, target: MonitorTarget) -> None:
    if target.region_id != user.organisation.region_id:
        raise PermissionError("target of another region")
    with transaction.atomic():
        pk = target.pk
        target.delete()
        access_record(
            actor,
            event_type="monitor.target.delete",
            action=Action.DELETE,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="monitor_target",
            object_id=str(pk),
        )
