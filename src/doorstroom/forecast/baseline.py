"""The region's baseline for the forecast engine: the engine's calibration
(``core.forecast.calibration.calibrate``) on the region's event log, with what the database
knows about the region: its municipalities (the centre first), their population
(``reference.PopulationFigure`` with a growth assumption) and the planned facilities (as
changes from their opening month; the calibration takes the existing ones from the log).

Reads only; the service that stores a calibration (and writes the access-log entry) is in
``services.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import Count, Max

from doorstroom.core.eventlog import EventLog
from doorstroom.core.forecast import calibration as core_calibration
from doorstroom.core.forecast.model import Area, Baseline, FloatArray
from doorstroom.core.forecast.scenario import PlacesChange
from doorstroom.facilities.models import Facility
from doorstroom.journey.models import JourneyEvent
from doorstroom.reference.models import Municipality, PopulationFigure, Region

MIN_APPLICATIONS = 20  # a calibration needs some history: applications before the cutoff
MAX_MONTHS = 180  # the longest horizon (15 years): a calibration covers it
FIT_YEARS = 3.0
DEFAULT_GROWTH = 0.003  # inhabitants per year when the figures do not show a trend
GROUPS: tuple[str, ...] = ("18-24", "25+")
FUNDING = ("bw", "bw", "mo")  # funding stream per product (finance: BT counts under BW)


def product_group(value: str | None) -> str | None:
    """bw / bt / mo for a place product (``journey.Product`` value), else None."""
    if value is None:
        return None
    if value == "bw_intramural":
        return "bw"
    if value.startswith("bt_"):
        return "bt"
    if value.startswith("mo_"):
        return "mo"
    return None


def members(region: Region) -> list[Municipality]:
    """The region's municipalities, the centre first."""
    rows = list(region.members.order_by("name"))
    rows.sort(key=lambda m: m.pk != region.centre_id)
    return rows


def region_area(region: Region) -> Area:
    rows = members(region)
    return Area(
        codes=tuple(m.code for m in rows),
        names=tuple(m.name for m in rows),
        region=tuple(0 for _ in rows),
        region_names=(region.name,),
    )


def cutoff_of(as_of: date) -> date:
    """The first month of a forecast made on ``as_of``: the current month (the calibration
    uses the events before it, so the month in progress does not count)."""
    return date(as_of.year, as_of.month, 1)


def month_label(year: int, month: int, plus: int = 0) -> str:
    y, m = divmod(month - 1 + plus, 12)
    return f"{year + y:04d}-{m + 1:02d}"


def calibration_key(region: Region, cutoff: date) -> str:
    """Changes when anything a calibration as of ``cutoff`` reads changes: the region's
    events before the cutoff (also a late correction), its facilities, its population."""
    events = JourneyEvent.objects.filter(
        client__region=region, effective_date__lt=cutoff
    ).aggregate(n=Count("pk"), last=Max("pk"))
    facilities = list(
        Facility.objects.filter(region=region)
        .order_by("pk")
        .values_list("pk", "places", "status", "opened_on", "municipality_id", "facility_type")
    )
    population = list(
        PopulationFigure.objects.filter(municipality__memberships__region=region)
        .order_by("municipality_id", "year")
        .values_list("municipality_id", "year", "population")
    )
    digest = hashlib.sha1(
        repr((facilities, population)).encode(), usedforsecurity=False
    ).hexdigest()[:12]
    return f"{cutoff.isoformat()}:{events['n']}:{events['last'] or 0}:{digest}"


class NotEnoughHistory(ValueError):
    """The region's event log is too short to calibrate the model on."""


def applications_before(region: Region, cutoff: date) -> int:
    return JourneyEvent.objects.filter(
        client__region=region, event_type="application_received", effective_date__lt=cutoff
    ).count()


def enough_history(region: Region, as_of: date) -> bool:
    return applications_before(region, cutoff_of(as_of)) >= MIN_APPLICATIONS


def populations(region: Region) -> dict[str, dict[int, int]]:
    pops: dict[str, dict[int, int]] = defaultdict(dict)
    for code, year, population in PopulationFigure.objects.filter(
        municipality__memberships__region=region
    ).values_list("municipality__code", "year", "population"):
        pops[code][year] = population
    return dict(pops)


def population_at(years: dict[int, int], year: int) -> float:
    """Inhabitants on 1 January of ``year`` (the nearest known year; 0 when unknown)."""
    if not years:
        return 0.0
    if year in years:
        return float(years[year])
    nearest = min(years, key=lambda y: (abs(y - year), -y))
    return float(years[nearest])


def observed_growth(population_years: dict[str, dict[int, int]]) -> float:
    """Yearly growth of the region's inhabitants over the known years (clipped to
    -1%..+2%), or the default when fewer than two years are known."""
    totals: dict[int, float] = defaultdict(float)
    for years in population_years.values():
        for year, value in years.items():
            totals[year] += value
    known = sorted(y for y, v in totals.items() if v > 0)
    if len(known) < 2:
        return DEFAULT_GROWTH
    first, last = known[0], known[-1]
    rate = (totals[last] / totals[first]) ** (1 / (last - first)) - 1
    return float(min(max(rate, -0.01), 0.02))


def population_now(
    area: Area, population_years: dict[str, dict[int, int]], year: int, growth: float
) -> dict[str, float]:
    """Inhabitants on 1 January of ``year``: the latest known figure up to that year, grown
    by ``growth`` a year when it is older (at least 1 so that a rate can be computed)."""
    out = {}
    for code in area.codes:
        known = population_years.get(code, {})
        base_year = max((y for y in known if y <= year), default=None)
        if base_year is None:
            out[code] = max(population_at(known, year), 1.0)
        else:
            out[code] = max(float(known[base_year]) * (1.0 + growth) ** (year - base_year), 1.0)
    return out


def planned_changes(region: Region, cutoff: date) -> list[PlacesChange]:
    """Planned facilities (and existing ones opening later) as places from their opening
    month; without an opening date, a year after the start."""
    default = month_label(cutoff.year, cutoff.month, 12)
    codes = set(region.members.values_list("code", flat=True))
    out = []
    rows = Facility.objects.filter(region=region).select_related("municipality")
    for f in rows.order_by("pk"):
        group = product_group(f.facility_type)
        if group is None or f.municipality.code not in codes:
            continue
        if f.status == Facility.Status.PLANNED:
            when = month_label(f.opened_on.year, f.opened_on.month) if f.opened_on else default
            out.append(PlacesChange(group, f.municipality.code, when, int(f.places)))
    return out


@dataclass(frozen=True)
class Calibrated:
    baseline: Baseline
    method: str
    summary: dict[str, Any]  # what the parameters page shows (JSON)


def calibrate_region(
    region: Region, log: EventLog, as_of: date, *, growth: float | None = None
) -> Calibrated:
    """The baseline of ``region`` from its event log, starting in the month of ``as_of``
    (the engine's calibration; see ``core.forecast.calibration``)."""
    cutoff = cutoff_of(as_of)
    if not enough_history(region, as_of):
        raise NotEnoughHistory(region.slug)
    area = region_area(region)
    pops = populations(region)
    growth = observed_growth(pops) if growth is None else growth
    population = population_now(area, pops, cutoff.year, growth)
    cal = core_calibration.calibrate(
        log,
        area,
        population,
        cutoff=cutoff,
        fit_years=FIT_YEARS,
        months=MAX_MONTHS,
        groups=GROUPS,
        population_growth=growth,
    )
    baseline = dataclasses.replace(
        cal.baseline,
        funding=FUNDING,
        meta={**cal.baseline.meta, "region": region.slug, "growth": growth},
    )
    estimates = [{**dataclasses.asdict(e), "events": _finite(e.events)} for e in cal.estimates]
    summary = {
        "method": "core",
        **core_calibration.summary(cal),
        "window": [cal.fit_start.isoformat(), cutoff.isoformat()],
        "growth": growth,
        "planned": [dataclasses.asdict(c) for c in planned_changes(region, cutoff)],
        "estimates": estimates,
        "names": dict(zip(area.codes, area.names, strict=True)),
    }
    return Calibrated(baseline, "core", summary)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def with_horizon(baseline: Baseline, months: int, growth: float | None = None) -> Baseline:
    """The baseline cut to ``months``, with another population growth when given."""
    b = dataclasses.replace(baseline, months=min(months, baseline.months))
    if growth is None:
        return b
    pop = baseline.population
    grown: FloatArray = pop[:, :1] * (1.0 + growth) ** np.arange(pop.shape[1])[None, :]
    return dataclasses.replace(b, population=grown, meta={**b.meta, "growth": growth})
