"""The region's baseline for the forecast engine: the calibrated parameters (from the
event log's spells) plus what the database knows about the region: its municipalities,
their population (``reference.PopulationFigure`` with a growth assumption), the places of
the facilities (existing at the start; planned ones as changes from their opening date),
prices per day, and the homes for outflow.

Reads only; the service that stores a calibration (and writes the access-log entry) is in
``services.py``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from doorstroom.core.eventlog import Spells
from doorstroom.core.forecast.model import PRODUCTS, Area, Baseline, FloatArray
from doorstroom.core.forecast.scenario import PlacesChange
from doorstroom.facilities.models import Facility
from doorstroom.forecast import fit as interim
from doorstroom.reference.models import Municipality, PopulationFigure, Region

MAX_MONTHS = 180  # the longest horizon (15 years): a calibration covers it
DEFAULT_GROWTH = 0.003  # inhabitants per year when the figures do not show a trend
FUNDING = ("bw", "bw", "mo")  # funding stream per product (finance: BT counts under BW)
PRODUCT_KEYS: tuple[str, ...] = tuple(p.value for p in PRODUCTS)


@dataclass(frozen=True)
class RegionFacts:
    """Municipalities (centre first, then by name), population on 1 January per year,
    facilities per product, prices."""

    area: Area
    names: dict[str, str]
    population_years: dict[str, dict[int, int]]
    places: FloatArray  # (P, M) existing facilities in use at the start
    planned: tuple[PlacesChange, ...]
    price_per_day: FloatArray  # (P, M)


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


def start_of(as_of: date) -> tuple[int, int]:
    """The first month of a projection from ``as_of``: the month after it."""
    return (as_of.year + 1, 1) if as_of.month == 12 else (as_of.year, as_of.month + 1)


def month_label(year: int, month: int, plus: int = 0) -> str:
    y, m = divmod(month - 1 + plus, 12)
    return f"{year + y:04d}-{m + 1:02d}"


def region_facts(region: Region, as_of: date) -> RegionFacts:
    area = region_area(region)
    codes = area.codes
    index = {c: i for i, c in enumerate(codes)}
    pops: dict[str, dict[int, int]] = defaultdict(dict)
    for code, year, population in PopulationFigure.objects.filter(
        municipality__code__in=codes
    ).values_list("municipality__code", "year", "population"):
        pops[code][year] = population
    places = np.zeros((len(PRODUCTS), len(codes)))
    spend = np.zeros((len(PRODUCTS), len(codes)))
    planned: list[PlacesChange] = []
    start_year, start_month = start_of(as_of)
    default_open = month_label(start_year, start_month, 12)
    facilities = Facility.objects.filter(region=region).select_related("municipality")
    for f in facilities:
        group = interim.product_group(f.facility_type)
        code = f.municipality.code
        if group is None or code not in index:
            continue
        p = PRODUCT_KEYS.index(group)
        m = index[code]
        if f.status == Facility.Status.EXISTING and (f.opened_on is None or f.opened_on <= as_of):
            places[p, m] += f.places
            spend[p, m] += f.places * float(f.price_per_day)
        elif f.status == Facility.Status.EXISTING or f.status == Facility.Status.PLANNED:
            when = (
                month_label(f.opened_on.year, f.opened_on.month)
                if f.opened_on is not None
                else default_open
            )
            planned.append(PlacesChange(group, code, when, int(f.places)))
            spend[p, m] += f.places * float(f.price_per_day)
    price = np.zeros_like(places)
    for p in range(len(PRODUCTS)):
        total_places = places[p].sum()
        region_price = (
            spend[p].sum() / total_places if total_places > 0 else interim_price(PRODUCT_KEYS[p])
        )
        own = np.divide(spend[p], places[p], out=np.zeros(len(codes)), where=places[p] > 0)
        # BT places serve their own municipality; BW and MO are regional (region price)
        price[p] = np.where((places[p] > 0) & (PRODUCT_KEYS[p] == "bt"), own, region_price)
    return RegionFacts(
        area=area,
        names=dict(zip(codes, area.names, strict=True)),
        population_years={c: dict(pops.get(c, {})) for c in codes},
        places=places,
        planned=tuple(planned),
        price_per_day=price,
    )


DEFAULT_PRICES = {"bw": 185.0, "bt": 85.0, "mo": 100.0}


def interim_price(product: str) -> float:
    """Euros per day when the region has no facility of a product (for costs only)."""
    return DEFAULT_PRICES[product]


def population_at(years: dict[int, int], year: int) -> float:
    """Inhabitants on 1 January of ``year`` (the nearest known year; 0 when unknown)."""
    if not years:
        return 0.0
    if year in years:
        return float(years[year])
    known = sorted(years)
    nearest = min(known, key=lambda y: (abs(y - year), -y))
    return float(years[nearest])


def observed_growth(facts: RegionFacts) -> float:
    """Yearly growth of the region's inhabitants over the known years (clipped to
    -1%..+2%), or the default when fewer than two years are known."""
    totals: dict[int, float] = defaultdict(float)
    for years in facts.population_years.values():
        for year, value in years.items():
            totals[year] += value
    known = sorted(y for y, v in totals.items() if v > 0)
    if len(known) < 2 or known[-1] == known[0]:
        return DEFAULT_GROWTH
    first, last = known[0], known[-1]
    rate = (totals[last] / totals[first]) ** (1 / (last - first)) - 1
    return float(min(max(rate, -0.01), 0.02))


def population_matrix(facts: RegionFacts, start_year: int, years: int, growth: float) -> FloatArray:
    """(M, years): the latest known figure up to the start year, then ``growth`` a year."""
    out = np.zeros((facts.area.size, years))
    for i, code in enumerate(facts.area.codes):
        known = facts.population_years.get(code, {})
        last_known = max((y for y in known if y <= start_year), default=None)
        base_year = last_known if last_known is not None else start_year
        base = population_at(known, base_year) or 1.0
        for y in range(years):
            year = start_year + y
            out[i, y] = base * (1.0 + growth) ** (year - base_year)
    return out


@dataclass(frozen=True)
class Calibrated:
    baseline: Baseline
    method: str  # "interim" (this app's fit) or "core"
    summary: dict[str, Any]  # what the parameters page shows (JSON)


def calibrate_region(
    region: Region, spells: Spells, as_of: date, *, growth: float | None = None
) -> Calibrated:
    """The baseline of ``region`` from the spells as of ``as_of`` (see the module doc)."""
    facts = region_facts(region, as_of)
    growth = observed_growth(facts) if growth is None else growth
    start_year, start_month = start_of(as_of)
    years = (start_month - 1 + MAX_MONTHS + 11) // 12 + 1
    population = population_matrix(facts, start_year, years, growth)
    pop_now = {c: population[i, 0] for i, c in enumerate(facts.area.codes)}
    f = interim.fit(
        spells, region=region.slug, codes=facts.area.codes, population=pop_now, as_of=as_of
    )
    homes = np.repeat(np.round(f.homes_per_year)[:, None], years, axis=1)
    baseline = Baseline(
        area=facts.area,
        groups=interim.GROUPS,
        start_year=start_year,
        start_month=start_month,
        months=MAX_MONTHS,
        initial=f.initial,
        population=population,
        inflow=f.inflow,
        inflow_trend=f.inflow_trend,
        outcomes=f.outcomes,
        places=facts.places,
        pooling=("region", "municipality", "region"),
        homes=homes,
        price_per_day=facts.price_per_day,
        funding=FUNDING,
        youth_group="18-24",
        meta={"region": region.slug, "as_of": as_of.isoformat(), "growth": growth},
    )
    summary = {
        "method": "interim",
        "window": [f.window[0].isoformat(), f.window[1].isoformat()],
        "growth": growth,
        "planned": [dataclasses.asdict(c) for c in facts.planned],
        "estimates": [dataclasses.asdict(e) for e in f.estimates],
        "inflow": [dataclasses.asdict(e) for e in f.inflow_estimates],
        "trend": [list(t) for t in f.trend],
        "homes_per_year": {c: float(f.homes_per_year[i]) for i, c in enumerate(facts.area.codes)},
        "names": facts.names,
    }
    return Calibrated(baseline, "interim", summary)


def with_horizon(baseline: Baseline, months: int, growth: float | None = None) -> Baseline:
    """The baseline cut to ``months``, with another population growth when given."""
    b = dataclasses.replace(baseline, months=min(months, baseline.months))
    if growth is None:
        return b
    pop = baseline.population
    grown = pop[:, :1] * (1.0 + growth) ** np.arange(pop.shape[1])[None, :]
    return dataclasses.replace(b, population=grown, meta={**b.meta, "growth": growth})
