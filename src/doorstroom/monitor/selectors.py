"""Reads of the monitor. Everything is scoped to the acting user's region here: the spells
are filtered on the region before any figure is computed, and figures for roles without
client access (and every export) go through disclosure control in the presentation.

Spells come from the latest snapshot (loaded once per process per snapshot); when the
event log has moved on, a refresh is queued and the stale figures are shown with their
date until it is done. Without any snapshot the first one is made on the spot.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max

from doorstroom.core import kpi as core_kpi
from doorstroom.core import metrics
from doorstroom.core.eventlog import Spells, spells_from_bytes
from doorstroom.core.roles import CLIENT_SCOPE, ClientScope
from doorstroom.journey.eventlog import log_version
from doorstroom.monitor.models import MonitorSnapshot, MonitorTarget
from doorstroom.organisations.scoping import scope
from doorstroom.reference.models import Municipality, PopulationFigure


@dataclass(frozen=True)
class Current:
    snapshot_id: int
    spells: Spells
    as_of: date
    created_at: Any
    stale: bool


_lock = threading.Lock()
_spells: dict[int, Spells] = {}
_figures: OrderedDict[Hashable, metrics.Figures] = OrderedDict()
FIGURE_CACHE = 64


def current() -> Current:
    """The latest spells, and whether the event log has moved on since."""
    from doorstroom.monitor.tasks import refresh

    latest = _latest()
    version = _version()
    if latest is None:
        from doorstroom.monitor.services import snapshot_refresh

        latest = snapshot_refresh()
        forget_version()
    stale = latest.version != version
    if stale:
        refresh.enqueue()
    with _lock:
        spells = _spells.get(latest.pk)
    if spells is None:
        data = MonitorSnapshot.objects.values_list("data", flat=True).get(pk=latest.pk)
        spells = spells_from_bytes(bytes(data))
        with _lock:
            _spells.clear()  # one snapshot in memory per process
            _spells[latest.pk] = spells
    return Current(latest.pk, spells, latest.as_of, latest.created_at, stale)


VERSION_TTL = 5.0  # seconds: how often a process looks whether the event log moved on
_version_seen: tuple[float, str] = (0.0, "")


def _version() -> str:
    global _version_seen
    now = time.monotonic()
    seen_at, version = _version_seen
    if now - seen_at > VERSION_TTL or not version:
        version = log_version()
        _version_seen = (now, version)
    return version


_latest_seen: tuple[float, MonitorSnapshot | None] = (0.0, None)


def _latest() -> MonitorSnapshot | None:
    """The latest snapshot's row (without its data), looked up at most every few seconds."""
    global _latest_seen
    now = time.monotonic()
    seen_at, snapshot = _latest_seen
    if now - seen_at > VERSION_TTL or snapshot is None:
        snapshot = MonitorSnapshot.objects.defer("data").first()
        _latest_seen = (now, snapshot)
    return snapshot


def forget_version() -> None:
    """Look at the event log again on the next request (tests, after a refresh)."""
    global _version_seen, _latest_seen
    _version_seen = (0.0, "")
    _latest_seen = (0.0, None)


def region_slug(user: Any) -> str:
    return str(user.organisation.region.slug)


def sees_small_counts(user: Any) -> bool:
    """Only roles that see every client of the region see unsuppressed region figures."""
    return CLIENT_SCOPE[user.role_enum] is ClientScope.REGION


def region_filters(
    user: Any,
    *,
    municipalities: Collection[str] | None = None,
    age_bands: Collection[str] | None = None,
    products: Collection[str] | None = None,
) -> metrics.Filters:
    """The user's region, narrowed by the dashboard's filters."""
    return metrics.Filters(
        regions=frozenset({region_slug(user)}),
        municipalities=frozenset(municipalities) if municipalities else None,
        age_bands=frozenset(age_bands) if age_bands else None,
        products=frozenset(products) if products else None,
    )


def figures(
    state: Current,
    filters: metrics.Filters,
    periods: metrics.Months,
    *,
    metric_names: Collection[str] | None = None,
    populations: dict[str, int] | None = None,
) -> metrics.Figures:
    """Figures for the filters (always carrying a region), memoised per snapshot."""
    if not filters.regions:
        raise ValueError("figures are computed for a region")
    key = (
        state.snapshot_id,
        filters,
        periods,
        frozenset(metric_names) if metric_names is not None else None,
        tuple(sorted((populations or {}).items())),
    )
    with _lock:
        cached = _figures.get(key)
        if cached is not None:
            _figures.move_to_end(key)
            return cached
    result = metrics.compute(
        state.spells, periods, filters, populations=populations, metrics=metric_names
    )
    with _lock:
        _figures[key] = result
        while len(_figures) > FIGURE_CACHE:
            _figures.popitem(last=False)
    return result


def region_municipalities(user: Any) -> list[Municipality]:
    region_id = user.organisation.region_id
    key = f"monitor:municipalities:{region_id}"
    cached = cache.get(key)
    if cached is None:
        cached = list(
            Municipality.objects.filter(memberships__region_id=region_id).order_by("name")
        )
        cache.set(key, cached, 300)
    return list(cached)


def populations(user: Any) -> dict[str, int]:
    """The latest population figure of every municipality of the user's region (cached a
    few minutes per process: population figures change once a year)."""
    region_id = user.organisation.region_id
    key = f"monitor:populations:{region_id}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    rows = (
        PopulationFigure.objects.filter(municipality__memberships__region_id=region_id)
        .order_by("year")
        .values_list("municipality__code", "population")
    )
    result = dict(rows)  # ordered by year: the latest year wins
    cache.set(key, result, 300)
    return result


def targets(user: Any) -> list[MonitorTarget]:
    return list(scope(user, MonitorTarget.objects.select_related("municipality")))


def targets_stamp(user: Any) -> str:
    """Changes when a target of the user's region is added, changed or removed."""
    rows = scope(user, MonitorTarget.objects.all()).aggregate(n=Count("pk"), last=Max("updated_at"))
    return f"{rows['n']}:{rows['last']}"


def target_get(user: Any, pk: int) -> MonitorTarget | None:
    return scope(user, MonitorTarget.objects.filter(pk=pk)).first()


def target_progress(user: Any, state: Current) -> list[tuple[MonitorTarget, core_kpi.Progress]]:
    filters = region_filters(user)
    pops = populations(user)
    result = []
    for target in targets(user):
        core_target = core_kpi.Target(
            kpi=target.kpi,
            baseline_year=target.baseline_year,
            target_year=target.target_year,
            change=target.change_percent / 100 if target.change_percent is not None else None,
            value=target.target_value,
            municipality=target.municipality.code if target.municipality else "",
        )
        result.append(
            (
                target,
                core_kpi.progress(
                    core_target, state.spells, state.as_of, filters, populations=pops
                ),
            )
        )
    return result
