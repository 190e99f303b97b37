"""Scenarios as data: a named list of small changes applied to a baseline.

A scenario never copies the baseline: it is a diff (add or close places of a type in a
municipality from a month, more homes per year, prevention lowering (youth) inflow, faster
assessment, another population growth). ``plan(baseline, scenario)`` turns baseline and
changes into the monthly schedules the engine runs on. The parameter draws and the random
numbers depend only on the baseline's shapes and the seed, never on the scenario, so a
scenario and its baseline see the same random numbers (common random numbers): a scenario
without effect gives the baseline's result exactly.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np

from doorstroom.core.forecast.model import (
    PRODUCTS,
    Baseline,
    FloatArray,
    ForecastError,
    ProductGroup,
)


@dataclass(frozen=True, slots=True)
class PlacesChange:
    """Add (``delta > 0``) or close (``delta < 0``) places of a product in a municipality
    from a month ('YYYY-MM') on."""

    kind: ClassVar[str] = "places"
    product: str
    municipality: str
    from_month: str
    delta: int


@dataclass(frozen=True, slots=True)
class HomesChange:
    """More (or fewer) homes for outflow per year from a year on: ``extra_per_year`` in one
    municipality, or spread over all municipalities by population when ``municipality`` is
    None; ``factor`` multiplies the agreed number first."""

    kind: ClassVar[str] = "homes"
    from_year: int
    extra_per_year: float = 0.0
    factor: float = 1.0
    municipality: str | None = None


@dataclass(frozen=True, slots=True)
class InflowChange:
    """Multiply the inflow (applications) by ``factor`` from a month on, for one age band
    (prevention lowering youth inflow by 20%: ``factor=0.8, group='18-24'``) and/or one
    municipality, or for all."""

    kind: ClassVar[str] = "inflow"
    factor: float
    from_month: str
    group: str | None = None
    municipality: str | None = None


@dataclass(frozen=True, slots=True)
class AssessmentChange:
    """Assessment takes ``duration_factor`` times as long from a month on (0.5: twice as
    fast). The monthly completion probability ``h`` becomes ``1 - (1 - h)^(1/factor)``;
    the shares of the decisions stay the same."""

    kind: ClassVar[str] = "assessment"
    duration_factor: float
    from_month: str
    municipality: str | None = None


@dataclass(frozen=True, slots=True)
class PopulationChange:
    """Population grows by ``yearly_growth`` (0.01 = 1%) a year from a year on, instead of
    the baseline's figures, in one municipality or in all."""

    kind: ClassVar[str] = "population"
    yearly_growth: float
    from_year: int
    municipality: str | None = None


Change = PlacesChange | HomesChange | InflowChange | AssessmentChange | PopulationChange
KINDS: dict[str, type[Any]] = {
    c.kind: c for c in (PlacesChange, HomesChange, InflowChange, AssessmentChange, PopulationChange)
}


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    changes: tuple[Change, ...] = ()
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "changes": [{"kind": c.kind, **asdict(c)} for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        changes: list[Change] = []
        for raw in data.get("changes", ()):
            item = dict(raw)
            kind = item.pop("kind", None)
            if kind not in KINDS:
                raise ForecastError(f"unknown change kind {kind!r}")
            try:
                changes.append(KINDS[kind](**item))
            except TypeError as exc:
                raise ForecastError(f"bad {kind} change: {exc}") from None
        return cls(str(data["name"]), tuple(changes), str(data.get("description", "")))

    def with_changes(self, *changes: Change, name: str | None = None) -> Scenario:
        return Scenario(name or self.name, (*self.changes, *changes), self.description)


BASELINE = Scenario("baseline")


@dataclass(frozen=True, slots=True)
class Plan:
    """Monthly schedules of one scenario (T months, M municipalities, G groups):

    - ``places[p, m, t]`` places of each product;
    - ``homes[m, t]`` whole homes arriving in each month (the yearly number spread over the
      months by cumulative rounding: the yearly total is kept);
    - ``exposure[t, m, g]`` inhabitants / 10,000 times the inflow factor of the scenario
      (the inflow of a run is its drawn rate times this times its trend);
    - ``assessment[t, m]`` duration factor of the assessment;
    - ``days[t]`` days in each month (costs).
    """

    baseline: Baseline
    scenario: Scenario
    places: FloatArray
    homes: FloatArray
    exposure: FloatArray
    assessment: FloatArray
    days: FloatArray
    notes: tuple[str, ...] = field(default=())


def _month(b: Baseline, label: str) -> int:
    return min(max(b.month_index(label), 0), b.months)


def _muni(b: Baseline, code: str | None) -> slice | int:
    return slice(None) if code is None else b.area.index(code)


def monthly_population(b: Baseline, yearly: FloatArray) -> FloatArray:
    """(M, T): linear between the 1 January figures."""
    t = np.arange(b.months)
    months_from_jan = b.start_month - 1 + t
    y = months_from_jan // 12
    frac = (months_from_jan % 12) / 12.0
    return np.asarray(yearly[:, y] * (1 - frac) + yearly[:, y + 1] * frac, dtype=np.float64)


def homes_schedule(yearly: FloatArray, start_month: int, months: int) -> FloatArray:
    """Whole homes per month from homes per year (M, Y), by cumulative rounding (half up):
    the running total is always the rounded running total of the yearly figures."""
    t = np.arange(months)
    y = (start_month - 1 + t) // 12
    per_month = yearly[:, y] / 12.0
    cum = np.floor(np.cumsum(per_month, axis=1) + 0.5 + 1e-9)
    out = np.diff(cum, axis=1, prepend=0.0)
    return np.asarray(out, dtype=np.float64)


def plan(b: Baseline, scenario: Scenario = BASELINE) -> Plan:
    m, g = b.shape
    t_count = b.months
    places = np.repeat(b.places[:, :, None].astype(np.float64), t_count, axis=2)
    homes_year = b.homes[:, : b.years].astype(np.float64).copy()
    pop_year = b.population.astype(np.float64).copy()
    inflow = np.ones((t_count, m, g))
    assessment = np.ones((t_count, m))
    products = [p.value for p in PRODUCTS]
    for change in scenario.changes:
        if isinstance(change, PlacesChange):
            if change.product not in products:
                raise ForecastError(f"unknown product {change.product!r}")
            p = products.index(ProductGroup(change.product).value)
            t0 = _month(b, change.from_month)
            places[p, b.area.index(change.municipality), t0:] += int(change.delta)
        elif isinstance(change, HomesChange):
            y0 = max(change.from_year - b.start_year, 0)
            homes_year[:, y0:] *= change.factor
            if change.municipality is None:
                share = pop_year[:, 0] / pop_year[:, 0].sum()
                homes_year[:, y0:] += change.extra_per_year * share[:, None]
            else:
                homes_year[b.area.index(change.municipality), y0:] += change.extra_per_year
        elif isinstance(change, InflowChange):
            if change.group is not None and change.group not in b.groups:
                raise ForecastError(f"unknown group {change.group!r}")
            gi: slice | int = slice(None) if change.group is None else b.groups.index(change.group)
            inflow[_month(b, change.from_month) :, _muni(b, change.municipality), gi] *= (
                change.factor
            )
        elif isinstance(change, AssessmentChange):
            if change.duration_factor <= 0:
                raise ForecastError("the assessment duration factor must be positive")
            assessment[_month(b, change.from_month) :, _muni(b, change.municipality)] *= (
                change.duration_factor
            )
        elif isinstance(change, PopulationChange):
            y0 = max(change.from_year - b.start_year, 1)
            mi = _muni(b, change.municipality)
            for y in range(y0, pop_year.shape[1]):
                pop_year[mi, y] = pop_year[mi, y - 1] * (1.0 + change.yearly_growth)
        else:  # pragma: no cover - the union is exhaustive
            raise ForecastError(f"unknown change {change!r}")
    if np.any(inflow < 0) or np.any(homes_year < 0):
        raise ForecastError("a change makes the inflow or the homes negative")
    places = np.maximum(places, 0.0)
    pop = monthly_population(b, pop_year)  # (M, T)
    exposure = pop.T[:, :, None] / 10_000.0 * inflow
    days = np.array(
        [
            calendar.monthrange(
                b.start_year + (b.start_month - 1 + t) // 12, (b.start_month - 1 + t) % 12 + 1
            )[1]
            for t in range(t_count)
        ],
        dtype=np.float64,
    )
    return Plan(
        baseline=b,
        scenario=scenario,
        places=places,
        homes=homes_schedule(homes_year, b.start_month, t_count),
        exposure=exposure,
        assessment=assessment,
        days=days,
    )


def changes_summary(changes: Sequence[Change]) -> list[dict[str, Any]]:
    return [{"kind": c.kind, **asdict(c)} for c in changes]
