"""Key figures of the monitor and the region's targets on them.

A key figure (:class:`Kpi`) is one number per period derived from the monthly figures of
``core.metrics``: a flow (summed over the period), a stock (at the end of the period), a
share (ratio of two flows) or a duration (median over the period). Targets are data: "youth
applications -20% in 2028 compared with 2024" is ``Target("applications_youth",
baseline_year=2024, target_year=2028, change=-0.20)``. :func:`progress` compares the last
twelve months with the straight path from the baseline to the target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from doorstroom.core.eventlog import Spells
from doorstroom.core.i18n import Message, gettext_noop
from doorstroom.core.journey import BT_PRODUCTS, MO_PRODUCTS, Product
from doorstroom.core.metrics import Figures, Filters, Months, compute


class Kind(StrEnum):
    FLOW = "flow"
    STOCK = "stock"
    SHARE = "share"
    DURATION = "duration"


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    DAYS = "days"
    PER_10K = "per_10k"


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    label: str  # English template, translated by the web layer
    kind: Kind
    metric: str
    categories: tuple[str, ...] = ("",)  # summed
    denominator: str = ""  # shares: the metric below the line (same categories: all)
    denominator_categories: tuple[str, ...] = ("",)
    unit: Unit = Unit.COUNT
    lower_is_better: bool = True

    @property
    def metrics(self) -> frozenset[str]:
        """The ``core.metrics`` families needed to compute it."""
        family = {
            "stock_in_care": "stock_in_care",
            "stock_waiting": "stock_waiting",
            "stock_ready": "stock_ready",
            "exits_home_origin": "exits",
            "exits_home": "exits",
            "exits": "exits",
            "waiting_time_p50": "waiting_time",
            "ready_wait_p50": "ready_wait",
            "bt_places_per_10k": "bt_places",
            "bt_places": "bt_places",
        }
        names = {family.get(self.metric, self.metric)}
        if self.denominator:
            names.add(family.get(self.denominator, self.denominator))
        return frozenset(names)


BT = tuple(p.value for p in sorted(BT_PRODUCTS))
MO = tuple(p.value for p in sorted(MO_PRODUCTS))

KPIS: dict[str, Kpi] = {
    k.key: k
    for k in (
        Kpi("applications", gettext_noop("Applications"), Kind.FLOW, "applications"),
        Kpi(
            "applications_youth",
            gettext_noop("Applications by young people (18-24)"),
            Kind.FLOW,
            "applications",
            ("18-24",),
        ),
        Kpi(
            "youth_share",
            gettext_noop("Share of young people (18-24) in the applications"),
            Kind.SHARE,
            "applications",
            ("18-24",),
            denominator="applications",
            unit=Unit.PERCENT,
        ),
        Kpi(
            "placements_bw",
            gettext_noop("New placements in Beschermd Wonen"),
            Kind.FLOW,
            "placements",
            (Product.BW.value,),
        ),
        Kpi(
            "in_care_bw",
            gettext_noop("Clients in Beschermd Wonen"),
            Kind.STOCK,
            "stock_in_care",
            (Product.BW.value,),
        ),
        Kpi(
            "in_care_bt",
            gettext_noop("Clients in Beschermd Thuis"),
            Kind.STOCK,
            "stock_in_care",
            BT,
            lower_is_better=False,
        ),
        Kpi("in_care_mo", gettext_noop("Clients in shelter (MO)"), Kind.STOCK, "stock_in_care", MO),
        Kpi("waiting", gettext_noop("On a waiting list"), Kind.STOCK, "stock_waiting"),
        Kpi("ready", gettext_noop("Ready to move on, waiting"), Kind.STOCK, "stock_ready"),
        Kpi(
            "bw_to_bt",
            gettext_noop("Transfers from BW to BT"),
            Kind.FLOW,
            "bw_to_bt",
            lower_is_better=False,
        ),
        Kpi(
            "exits_home",
            gettext_noop("Exits to an own home"),
            Kind.FLOW,
            "exits_home",
            lower_is_better=False,
        ),
        Kpi(
            "share_home_origin",
            gettext_noop("Share of exits to a home in the municipality of origin"),
            Kind.SHARE,
            "exits_home_origin",
            denominator="exits_home",
            unit=Unit.PERCENT,
            lower_is_better=False,
        ),
        Kpi(
            "waiting_time",
            gettext_noop("Median waiting time from decision to placement"),
            Kind.DURATION,
            "waiting_time",
            unit=Unit.DAYS,
        ),
        Kpi(
            "ready_wait",
            gettext_noop("Median time ready to move on before leaving"),
            Kind.DURATION,
            "ready_wait",
            unit=Unit.DAYS,
        ),
        Kpi(
            "bt_places_per_10k",
            gettext_noop("Beschermd Thuis places per 10,000 inhabitants"),
            Kind.STOCK,
            "bt_places_per_10k",
            unit=Unit.PER_10K,
            lower_is_better=False,
        ),
    )
}


def kpi_value(kpi: Kpi, figures: Figures, period: date, municipality: str = "") -> float | None:
    """The key figure for one period of ``figures`` (periods as computed)."""

    def total(metric: str, categories: Sequence[str]) -> float | None:
        values = [
            figures.value(metric, period, municipality=municipality, category=c) for c in categories
        ]
        present = [v for v in values if v is not None]
        return float(sum(present)) if present else None

    if kpi.kind is Kind.DURATION:
        return figures.value(f"{kpi.metric}_p50", period, municipality=municipality)
    value = total(kpi.metric, kpi.categories)
    if kpi.kind is Kind.SHARE:
        below = total(kpi.denominator, kpi.denominator_categories)
        if not below:
            return None
        return (value or 0.0) / below
    if value is None and kpi.kind is Kind.FLOW:
        return 0.0
    return value


def kpi_values(
    kpi: Kpi,
    spells: Spells,
    periods: Months,
    filters: Filters | None = None,
    *,
    populations: Mapping[str, int] | None = None,
    municipality: str = "",
) -> list[float | None]:
    """The key figure for every period (years, a window, or months)."""
    figures = compute(spells, periods, filters, populations=populations, metrics=kpi.metrics)
    return [kpi_value(kpi, figures, start, municipality) for start in periods.starts]


# ---------------------------------------------------------------- targets
@dataclass(frozen=True, slots=True)
class Target:
    kpi: str
    baseline_year: int
    target_year: int
    change: Decimal | None = None  # relative: -0.20 is 20% less than the baseline
    value: Decimal | None = None  # or an absolute target value
    municipality: str = ""


class TargetError(ValueError):
    def __init__(self, template: str, **params: object) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


def validate_target(target: Target) -> None:
    if target.kpi not in KPIS:
        raise TargetError(gettext_noop("Unknown key figure '%(kpi)s'."), kpi=target.kpi)
    if target.target_year <= target.baseline_year:
        raise TargetError(gettext_noop("The target year must lie after the baseline year."))
    if (target.change is None) == (target.value is None):
        raise TargetError(gettext_noop("Give either a change in percent or a target value."))
    if target.change is not None and target.change <= -1:
        raise TargetError(gettext_noop("A decrease cannot be 100% or more."))
    if target.value is not None and target.value < 0:
        raise TargetError(gettext_noop("A target value cannot be negative."))


class Status(StrEnum):
    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


@dataclass(frozen=True, slots=True)
class Progress:
    target: Target
    baseline: float | None
    goal: float | None
    current: float | None  # the last twelve months (stocks: at the as-of date)
    expected: float | None  # on the straight path from baseline to goal, today
    status: Status


def progress(
    target: Target,
    spells: Spells,
    as_of: date,
    filters: Filters | None = None,
    *,
    populations: Mapping[str, int] | None = None,
) -> Progress:
    """Where a target stands: baseline year, goal, the last twelve months and the path."""
    kpi = KPIS[target.kpi]
    selection = filters or Filters()
    if target.municipality:
        selection = Filters(
            municipalities=frozenset({target.municipality}),
            age_bands=selection.age_bands,
            products=selection.products,
            regions=selection.regions,
        )
    year = Months.years(target.baseline_year, date(target.baseline_year, 12, 31))
    baseline = kpi_values(kpi, spells, year, selection, populations=populations)[0]
    recent = Months.window(_twelve_months_before(as_of), as_of)
    current = kpi_values(kpi, spells, recent, selection, populations=populations)[0]
    if baseline is None:
        return Progress(target, None, None, current, None, Status.NO_DATA)
    goal = (
        float(target.value)
        if target.value is not None
        else baseline * (1 + float(target.change or 0))
    )
    start, end = date(target.baseline_year, 12, 31), date(target.target_year, 12, 31)
    share = min(1.0, max(0.0, (as_of - start).days / max(1, (end - start).days)))
    expected = baseline + (goal - baseline) * share
    if current is None:
        status = Status.NO_DATA
    else:
        better_or_equal = current <= expected if kpi.lower_is_better else current >= expected
        status = Status.ON_TRACK if better_or_equal else Status.OFF_TRACK
    return Progress(target, baseline, goal, current, expected, status)


def _twelve_months_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(day.year - 1, 3, 1)
