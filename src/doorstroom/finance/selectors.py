"""Reads of the finance app. Everything is scoped to the user's region through
``organisations.scoping``; nothing here returns client data (realised costs are aggregates)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from doorstroom.audit.services import Actor
from doorstroom.core.finance import (
    Cap,
    CapKind,
    CostResult,
    DistributionResult,
    FinanceError,
    FundKey,
    FundMember,
    FundResult,
    FundSettings,
    Payment,
    PhaseInPath,
    Stream,
    distribute,
    settle,
)
from doorstroom.finance import display, models
from doorstroom.finance.forecast import forecast_costs
from doorstroom.finance.realised import region_costs, region_costs_periods
from doorstroom.organisations.scoping import scope
from doorstroom.reference.models import Municipality, PopulationFigure, Region

DISTRIBUTED = (Stream.BW.value, Stream.MO.value)
ALL_STREAMS = [s.value for s in Stream]


def member_region(user: Any) -> Region:
    org = user.organisation
    region: Region = org.region
    return region


def members(region: Region) -> list[Municipality]:
    return list(region.members.order_by("name"))


def names(region: Region) -> dict[str, str]:
    return {m.code: m.name for m in members(region)}


# ---------------------------------------------------------------- scoped lists and objects
def budget_sets(user: Any) -> QuerySet[models.BudgetSet]:
    return scope(user, models.BudgetSet.objects.select_related("phase_in_path", "created_by"))


def budget_set_get(user: Any, pk: int) -> models.BudgetSet | None:
    return budget_sets(user).filter(pk=pk).first()


def default_budget_set(user: Any) -> models.BudgetSet | None:
    sets = budget_sets(user)
    return (
        sets.filter(status=models.BudgetSet.Status.ADOPTED).order_by("-adopted_at", "-id").first()
        or sets.order_by("-created_at", "-id").first()
    )


def phase_in_paths(user: Any) -> QuerySet[models.PhaseInPath]:
    return scope(user, models.PhaseInPath.objects.all())


def tariffs(user: Any) -> QuerySet[models.Tariff]:
    return scope(user, models.Tariff.objects.select_related("facility"))


def fund_get(user: Any) -> models.SolidarityFund | None:
    return scope(user, models.SolidarityFund.objects.all()).first()


def calculations(user: Any) -> QuerySet[models.Calculation]:
    return scope(user, models.Calculation.objects.select_related("created_by", "budget_set"))


def calculation_get(user: Any, pk: int) -> models.Calculation | None:
    return calculations(user).filter(pk=pk).first()


# ---------------------------------------------------------------- budgets and distribution
def path_of(budget_set: models.BudgetSet) -> PhaseInPath | None:
    row = budget_set.phase_in_path
    if row is None:
        return None
    return PhaseInPath(row.start_year, tuple(Decimal(str(p)) for p in row.percentages))


def lines_of(budget_set: models.BudgetSet) -> list[models.BudgetLine]:
    return list(budget_set.lines.select_related("municipality").order_by("year", "stream"))


def years_of(budget_set: models.BudgetSet) -> list[int]:
    return sorted(set(budget_set.lines.values_list("year", flat=True)))


def distribution(
    budget_set: models.BudgetSet,
    year: int,
    stream: str,
    lines: list[models.BudgetLine] | None = None,
) -> DistributionResult | None:
    """The phase-in distribution of one stream and year, when the set has a path and
    historical and objective amounts for it."""
    path = path_of(budget_set)
    rows = [
        line
        for line in (lines if lines is not None else lines_of(budget_set))
        if line.year == year and line.stream == stream and line.historical is not None
    ]
    if path is None or not rows:
        return None
    return distribute(
        year,
        {line.municipality.code: line.historical for line in rows if line.historical is not None},
        {line.municipality.code: line.objective for line in rows if line.objective is not None},
        path,
    )


def effective_budgets(budget_set: models.BudgetSet) -> dict[tuple[str, int, str], Decimal | None]:
    """Budget per (municipality, year, stream): the amount given, or else the outcome of
    the phase-in distribution (None when the set has no phase-in path yet)."""
    lines = lines_of(budget_set)
    result: dict[tuple[str, int, str], Decimal | None] = {}
    distributed: dict[tuple[int, str], DistributionResult | None] = {}
    for line in lines:
        key = (line.municipality.code, line.year, line.stream)
        if line.amount is not None:
            result[key] = line.amount
            continue
        group = (line.year, line.stream)
        if group not in distributed:
            distributed[group] = distribution(budget_set, line.year, line.stream, lines)
        outcome = distributed[group]
        result[key] = outcome.line(line.municipality.code).budget if outcome else None
    return result


@dataclass
class BudgetMatrix:
    years: list[int]
    rows: list[dict[str, Any]]  # municipality, year, one value per stream, total
    totals: dict[int, dict[str, Decimal]]
    missing_path: bool


def budget_matrix(budget_set: models.BudgetSet, region: Region) -> BudgetMatrix:
    budgets = effective_budgets(budget_set)
    years = sorted({year for _, year, _ in budgets})
    rows = []
    totals: dict[int, dict[str, Decimal]] = {y: defaultdict(Decimal) for y in years}
    missing = False
    for year in years:
        for municipality in members(region):
            row: dict[str, Any] = {"municipality": municipality.name, "year": year}
            total = Decimal("0.00")
            present = False
            for stream in ALL_STREAMS:
                key = (municipality.code, year, stream)
                value = budgets.get(key)
                if key in budgets and value is None:
                    missing = True
                row[stream] = value
                if value is not None:
                    total += value
                    present = True
                    totals[year][stream] += value
            row["total"] = total if present else None
            totals[year]["total"] += total
            rows.append(row)
    return BudgetMatrix(years, rows, {y: dict(t) for y, t in totals.items()}, missing)


# ---------------------------------------------------------------- realised costs
def cost_period(year: int) -> tuple[date, date]:
    today = timezone.localdate()
    return date(year, 1, 1), min(date(year, 12, 31), today)


def realised(user: Any, actor: Actor, year: int) -> CostResult:
    start, end = cost_period(year)
    if end < start:  # a future year: nothing realised yet
        return CostResult(start, start, 0, (), ())
    return region_costs(member_region(user), start, end, actor=actor)


# ---------------------------------------------------------------- solidarity fund
@dataclass
class FundPreview:
    year: int
    members: list[FundMember] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    settings: FundSettings | None = None
    result: FundResult | None = None
    error: str = ""
    outside_region: Decimal = Decimal("0.00")  # realised costs of non-members (not paid)


def fund_settings(fund: models.SolidarityFund) -> FundSettings:
    caps: tuple[Cap, ...] = ()
    if fund.cap_kind:
        caps = (
            Cap(
                CapKind(fund.cap_kind),
                percent=fund.cap_percent if fund.cap_amount is None else None,
                amount=fund.cap_amount,
            ),
        )
    return FundSettings(
        FundKey(fund.key), caps, Decimal(fund.reserve_rate).normalize(), fund.reserve_opening
    )


def population_for(region: Region, year: int) -> dict[str, int]:
    result: dict[str, int] = {}
    figures = (
        PopulationFigure.objects.filter(municipality__in=region.members.all())
        .order_by("municipality_id", "year")
        .values_list("municipality__code", "year", "population")
    )
    for code, figure_year, population in figures:
        if figure_year <= year or code not in result:
            result[code] = population
    return result


def fund_preview(
    user: Any,
    actor: Actor,
    fund: models.SolidarityFund,
    year: int,
    budget_set: models.BudgetSet | None,
) -> FundPreview:
    """The fund's inputs for ``year`` gathered from budgets, realised costs, payments and
    advances, and the settlement they give (or the error that prevents it)."""
    region = member_region(user)
    preview = FundPreview(year)
    streams = list(fund.need_streams or DISTRIBUTED)
    names_ = names(region)
    budgets = effective_budgets(budget_set) if budget_set else {}
    lines = lines_of(budget_set) if budget_set else []
    population = population_for(region, year)
    advances = dict(
        models.FundAdvance.objects.filter(fund=fund, year=year).values_list(
            "municipality__code", "amount"
        )
    )
    for code in names_:
        need = sum(
            (budgets.get((code, year, s)) or Decimal("0.00") for s in streams), Decimal("0.00")
        )
        own = [
            x
            for x in lines
            if x.municipality.code == code and x.year == year and x.stream in streams
        ]
        preview.members.append(
            FundMember(
                code,
                need,
                sum((x.objective or Decimal("0.00") for x in own), Decimal("0.00")),
                sum((x.historical or Decimal("0.00") for x in own), Decimal("0.00")),
                population.get(code, 0),
                advances.get(code, Decimal("0.00")),
            )
        )
    for payment in fund.payments.filter(year=year).select_related("payee"):
        preview.payments.append(
            Payment(
                payment.description, payment.amount, payment.payee.code if payment.payee else ""
            )
        )
    if fund.pay_realised_costs:
        costs = realised(user, actor, year)
        per = costs.totals("municipality", "stream")
        for code, name in names_.items():
            amount = sum(
                (per.get((code, Stream(s)), Decimal("0.00")) for s in streams), Decimal("0.00")
            )
            if amount:
                preview.payments.append(
                    Payment(
                        gettext("Realised care costs %(year)s, %(name)s")
                        % {"year": year, "name": name},
                        amount,
                        code,
                    )
                )
        preview.outside_region = sum(
            (
                v
                for (code, stream), v in per.items()
                if code not in names_ and stream.value in streams
            ),
            Decimal("0.00"),
        )
    try:
        preview.settings = fund_settings(fund)
        preview.result = settle(year, preview.members, preview.payments, preview.settings)
    except FinanceError as error:
        preview.error = display.text(error.message, names_)
    return preview


# ---------------------------------------------------------------- masterplan
@dataclass
class MasterplanRow:
    municipality: str
    code: str
    year: int
    budgets: dict[str, Decimal | None]
    realised: Decimal | None
    forecast: Decimal | None

    @property
    def total(self) -> Decimal:
        return sum((v for v in self.budgets.values() if v is not None), Decimal("0.00"))

    @property
    def bw_mo_budget(self) -> Decimal:
        return sum((self.budgets.get(s) or Decimal("0.00") for s in DISTRIBUTED), Decimal("0.00"))

    @property
    def costs(self) -> Decimal | None:
        return self.realised if self.realised is not None else self.forecast

    @property
    def balance(self) -> Decimal | None:
        return None if self.costs is None else self.bw_mo_budget - self.costs


def masterplan(user: Any, actor: Actor, budget_set: models.BudgetSet) -> list[MasterplanRow]:
    """Every stream per municipality over the years, with realised BW/MO costs for years
    that have begun and forecast costs (from the forecast issue) where available."""
    region = member_region(user)
    budgets = effective_budgets(budget_set)
    years = sorted({year for _, year, _ in budgets})
    this_year = timezone.localdate().year
    begun = [year for year in years if year <= this_year]
    costs = region_costs_periods(region, [cost_period(y) for y in begun], actor=actor)
    realised_by_year: dict[int, dict[tuple[str, Stream], Decimal]] = {
        year: result.totals("municipality", "stream")
        for year, result in zip(begun, costs, strict=True)
    }
    forecast = forecast_costs(region, years)
    rows = []
    for year in years:
        for municipality in members(region):
            code = municipality.code
            per = realised_by_year.get(year)
            spent = (
                sum(
                    (per.get((code, Stream(s)), Decimal("0.00")) for s in DISTRIBUTED),
                    Decimal("0.00"),
                )
                if per is not None
                else None
            )
            predicted = None
            if forecast is not None:
                values = [forecast.get((code, year, s)) for s in DISTRIBUTED]
                if any(v is not None for v in values):
                    predicted = sum((v for v in values if v is not None), Decimal("0.00"))
            rows.append(
                MasterplanRow(
                    municipality.name,
                    code,
                    year,
                    {s: budgets.get((code, year, s)) for s in ALL_STREAMS},
                    spent,
                    predicted,
                )
            )
    return rows
