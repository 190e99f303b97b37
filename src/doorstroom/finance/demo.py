"""Demo finance for the demo region: a phase-in path, an adopted budget set and a draft
version of it, tariffs with a change, the solidarity fund with payments and advances, and
stored calculations (last year's settlement, this year's distribution). Invented figures;
years are relative to today so the demo always looks current. Running it twice changes
nothing."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.core.finance import PhaseInPath, Stream, allocate
from doorstroom.core.finance.money import from_cents, to_cents
from doorstroom.core.journey import Product
from doorstroom.facilities.models import Facility
from doorstroom.finance import models, selectors, services
from doorstroom.reference.models import Municipality, PopulationFigure, Region

# Share of the region's historical BW/MO money per municipality (the centre municipality
# carried most of it); the objective model follows the population more closely.
HISTORICAL_WEIGHT = {"GM0014": 62}
PER_INHABITANT = {  # euros per inhabitant per year, first year
    Stream.WMO_SUPPORT: Decimal("310.00"),
    Stream.YOUTH: Decimal("455.00"),
    Stream.PARTICIPATION: Decimal("265.00"),
}
BW_TOTAL = Decimal("58400000.00")
MO_TOTAL = Decimal("11200000.00")
GROWTH = Decimal("1.025")


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def seed_finance(region: Region) -> None:
    user = User.objects.get(username="financien")
    if models.BudgetSet.objects.filter(region=region).exists():
        return
    this_year = timezone.localdate().year
    first = this_year - 1
    years = list(range(first, first + 6))
    path = PhaseInPath.linear(this_year - 2, 10, 10, 100)
    path_row = services.phase_in_path_create(
        user=user,
        name=f"Ingroeipad {path.start_year}-{path.end_year} (10 jaar)",
        start_year=path.start_year,
        percentages=list(path.percentages),
    )
    members = list(region.members.order_by("code"))
    population = {
        m.code: p
        for m, p in (
            (m, PopulationFigure.objects.filter(municipality=m).order_by("-year").first())
            for m in members
        )
        if p is not None
    }
    inhabitants = {
        m.code: (population[m.code].population if m.code in population else 20000) for m in members
    }
    historical_weights = {
        code: HISTORICAL_WEIGHT.get(code, 0) * 1000 or inhabitants[code] // 100
        for code in inhabitants
    }
    objective_weights = {
        code: inhabitants[code] * (14 if code == region.centre.code else 10) for code in inhabitants
    }
    budget_set = services.budget_set_create(
        user=user,
        name=f"Begroting {years[0]}-{years[-1]}",
        note="Demo: verzonnen bedragen.",
        phase_in_path=path_row,
    )
    lines = []
    for offset, year in enumerate(years):
        factor = GROWTH**offset
        for stream, total in ((Stream.BW, BW_TOTAL), (Stream.MO, MO_TOTAL)):
            grown = to_cents(_money(total * factor))
            hist = allocate(grown, historical_weights)
            obj = allocate(grown, objective_weights)
            for m in members:
                lines.append(
                    models.BudgetLine(
                        budget_set=budget_set,
                        municipality=m,
                        year=year,
                        stream=stream.value,
                        historical=from_cents(hist[m.code]),
                        objective=from_cents(obj[m.code]),
                    )
                )
        for stream, per_head in PER_INHABITANT.items():
            for m in members:
                lines.append(
                    models.BudgetLine(
                        budget_set=budget_set,
                        municipality=m,
                        year=year,
                        stream=stream.value,
                        amount=_money(per_head * inhabitants[m.code] * factor),
                    )
                )
    models.BudgetLine.objects.bulk_create(lines)
    services.budget_set_adopt(user=user, budget_set=budget_set)
    draft = services.budget_set_create(
        user=user,
        name=f"Begroting {years[0]}-{years[-1]}, wijziging (concept)",
        copy_from=budget_set,
    )
    centre = Municipality.objects.get(pk=region.centre_id)
    youth = models.BudgetLine.objects.get(
        budget_set=draft, municipality=centre, year=this_year, stream=Stream.YOUTH.value
    )
    youth.amount = _money(youth.amount * Decimal("1.04")) if youth.amount else youth.amount
    youth.save()

    _tariffs(region, this_year)
    fund = models.SolidarityFund.objects.create(
        region=region,
        name="Solidariteitsfonds Beschermd Wonen en Opvang",
        need_streams=[Stream.BW.value, Stream.MO.value],
        pay_realised_costs=True,
        cap_kind="loss",
        cap_percent=Decimal("5"),
        reserve_rate=Decimal("2"),
        reserve_opening=Decimal("250000.00"),
    )
    for year in (this_year - 1, this_year):
        models.FundPayment.objects.create(
            fund=fund,
            year=year,
            description="Regionale coördinatie en crisisdienst",
            amount=Decimal("186500.00"),
        )
        models.FundPayment.objects.create(
            fund=fund,
            year=year,
            description="Regionale toegang (centrumgemeente)",
            amount=Decimal("412000.00"),
            payee=centre,
        )
    # advances paid last year: 90% of a budgeted 600.000 euros, by the share of the need
    budgets = selectors.effective_budgets(budget_set)
    need = {
        m.code: sum(
            (
                budgets.get((m.code, this_year - 1, s.value)) or Decimal(0)
                for s in (Stream.BW, Stream.MO)
            ),
            Decimal(0),
        )
        for m in members
    }
    advances = allocate(to_cents(Decimal("540000.00")), need)
    for m in members:
        models.FundAdvance.objects.create(
            fund=fund, year=this_year - 1, municipality=m, amount=from_cents(advances[m.code])
        )
    actor = Actor.for_user(user, "demo-seed")
    preview = selectors.fund_preview(user, actor, fund, this_year - 1, budget_set)
    if preview.result is not None:
        services.calculation_store(
            user=user,
            result=preview.result,
            label=f"Solidariteitsfonds {this_year - 1}: jaarafrekening ({budget_set.name})",
            budget_set=budget_set,
        )
    distribution = selectors.distribution(budget_set, this_year, Stream.BW.value)
    if distribution is not None:
        services.calculation_store(
            user=user,
            result=distribution,
            label=f"Verdeling BW {this_year} ({budget_set.name})",
            budget_set=budget_set,
        )


def _tariffs(region: Region, this_year: int) -> None:
    linde = Facility.objects.filter(region=region, name="De Linde").first()
    if linde is not None:
        models.Tariff.objects.create(
            region=region,
            facility=linde,
            price_per_day=Decimal("182.00"),
            valid_until=date(this_year - 1, 12, 31),
        )
        models.Tariff.objects.create(
            region=region,
            facility=linde,
            price_per_day=Decimal("189.50"),
            valid_from=date(this_year, 1, 1),
        )
    models.Tariff.objects.create(
        region=region,
        product=Product.BT_CLUSTER.value,
        price_per_day=Decimal("97.25"),
        valid_from=date(this_year, 1, 1),
    )
