"""Writes of the finance app. Each checks what it may change under a row lock, in one
transaction; an adopted budget set or a stored calculation never changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from doorstroom.core.finance import (
    DistributionResult,
    FinanceError,
    FundResult,
    PhaseInPath,
    Tariff,
    distribute_from_dict,
    settle_from_dict,
)
from doorstroom.core.finance.budgets import DISTRIBUTED_STREAMS, parse_budget_rows
from doorstroom.core.finance.costs import TariffBook
from doorstroom.core.i18n import gettext_noop
from doorstroom.core.journey import Product
from doorstroom.finance import models
from doorstroom.reference.models import Municipality, Region


def _region(user: Any) -> Region:
    region: Region = user.organisation.region
    return region


def _locked_draft(budget_set: models.BudgetSet) -> models.BudgetSet:
    locked = models.BudgetSet.objects.select_for_update().get(pk=budget_set.pk)
    if locked.adopted:
        raise models.Immutable("the budget set is adopted")
    return locked


# ---------------------------------------------------------------- budget sets
@transaction.atomic
def budget_set_create(
    *,
    user: Any,
    name: str,
    note: str = "",
    phase_in_path: models.PhaseInPath | None = None,
    copy_from: models.BudgetSet | None = None,
) -> models.BudgetSet:
    """A new draft, empty or as a copy of another set (a new version)."""
    region = _region(user)
    if copy_from is not None and copy_from.region_id != region.pk:
        raise PermissionError("another region's budget set")
    new = models.BudgetSet.objects.create(
        region=region,
        name=name,
        note=note,
        phase_in_path=phase_in_path or (copy_from.phase_in_path if copy_from else None),
        based_on=copy_from,
        created_by=user,
    )
    if copy_from is not None:
        models.BudgetLine.objects.bulk_create(
            models.BudgetLine(
                budget_set=new,
                municipality_id=line.municipality_id,
                year=line.year,
                stream=line.stream,
                amount=line.amount,
                historical=line.historical,
                objective=line.objective,
            )
            for line in copy_from.lines.all()
        )
    return new


@transaction.atomic
def budget_set_update(
    *, budget_set: models.BudgetSet, name: str, note: str, phase_in_path: models.PhaseInPath | None
) -> models.BudgetSet:
    locked = _locked_draft(budget_set)
    locked.name, locked.note, locked.phase_in_path = name, note, phase_in_path
    locked.save()
    return locked


@transaction.atomic
def budget_set_adopt(*, user: Any, budget_set: models.BudgetSet) -> models.BudgetSet:
    """Adopt a draft: from now on it never changes. Refused without lines, or when BW/MO
    budgets must come from a phase-in path the set does not have."""
    locked = _locked_draft(budget_set)
    lines = locked.lines.all()
    if not lines.exists():
        raise FinanceError(gettext_noop("A budget set without lines cannot be adopted."))
    if locked.phase_in_path_id is None and lines.filter(amount__isnull=True).exists():
        raise FinanceError(
            gettext_noop(
                "Some BW/MO budgets follow from historical and objective amounts: choose a "
                "phase-in path before adopting."
            )
        )
    locked.status = models.BudgetSet.Status.ADOPTED
    locked.adopted_at = timezone.now()
    locked.adopted_by = user
    locked.save()
    return locked


def budget_rows_import(*, budget_set: models.BudgetSet, rows: Sequence[Sequence[Any]]) -> int:
    """Replace the lines of a draft by the rows of a file; all or nothing (RowErrors)."""
    region = budget_set.region
    codes = dict(region.members.values_list("code", "pk"))
    records = parse_budget_rows(rows, codes.keys())
    with transaction.atomic():
        locked = _locked_draft(budget_set)
        locked.lines.all().delete()
        models.BudgetLine.objects.bulk_create(
            models.BudgetLine(
                budget_set=locked,
                municipality_id=codes[r.municipality],
                year=r.year,
                stream=r.stream.value,
                amount=r.amount,
                historical=r.historical,
                objective=r.objective,
            )
            for r in records
        )
    return len(records)


@transaction.atomic
def budget_line_save(
    *,
    budget_set: models.BudgetSet,
    municipality: Municipality,
    year: int,
    stream: str,
    amount: Decimal | None,
    historical: Decimal | None,
    objective: Decimal | None,
) -> models.BudgetLine:
    """Add or change one line of a draft (the same checks as the import)."""
    locked = _locked_draft(budget_set)
    if not locked.region.members.filter(pk=municipality.pk).exists():
        raise FinanceError(
            gettext_noop("Municipality %(code)s is not part of this region."),
            code=municipality.code,
        )
    if (historical is None) != (objective is None):
        raise FinanceError(
            gettext_noop("Give both the historical and the objective amount, or neither.")
        )
    if amount is None and historical is None:
        raise FinanceError(gettext_noop("There is no amount on this line."))
    if historical is not None and stream not in {s.value for s in DISTRIBUTED_STREAMS}:
        raise FinanceError(
            gettext_noop(
                "Historical and objective amounts are for BW and MO only (the distribution model)."
            )
        )
    line, _ = models.BudgetLine.objects.update_or_create(
        budget_set=locked,
        municipality=municipality,
        year=year,
        stream=stream,
        defaults={"amount": amount, "historical": historical, "objective": objective},
    )
    return line


# ---------------------------------------------------------------- phase-in paths
def phase_in_path_create(
    *, user: Any, name: str, start_year: int, percentages: Sequence[Decimal]
) -> models.PhaseInPath:
    path = PhaseInPath(start_year, tuple(percentages))  # validates (FinanceError)
    return models.PhaseInPath.objects.create(
        region=_region(user),
        name=name,
        start_year=path.start_year,
        percentages=[str(p) for p in path.percentages],
        created_by=user,
    )


# ---------------------------------------------------------------- tariffs
def _core_tariff(row: models.Tariff) -> Tariff:
    return Tariff(
        row.price_per_day,
        row.valid_from,
        row.valid_until,
        facility_id=row.facility_id,
        product=Product(row.product) if row.product else None,
    )


@transaction.atomic
def tariff_save(*, user: Any, tariff: models.Tariff) -> models.Tariff:
    """Store a tariff; refused when it overlaps another of the same facility or product."""
    region = _region(user)
    if tariff.facility is not None and tariff.facility.region_id != region.pk:
        raise PermissionError("another region's facility")
    tariff.region = region
    # order by pk: the default ordering joins the (nullable) facility, which PostgreSQL
    # cannot lock FOR UPDATE
    others = (
        models.Tariff.objects.select_for_update()
        .filter(region=region)
        .exclude(pk=tariff.pk)
        .order_by("pk")
    )
    TariffBook([*(_core_tariff(t) for t in others), _core_tariff(tariff)])  # FinanceError
    tariff.save()
    return tariff


# ---------------------------------------------------------------- the fund
@transaction.atomic
def fund_payment_add(
    *,
    fund: models.SolidarityFund,
    year: int,
    description: str,
    amount: Decimal,
    payee: Municipality | None,
) -> models.FundPayment:
    if payee is not None and not fund.region.members.filter(pk=payee.pk).exists():
        raise FinanceError(
            gettext_noop("Municipality %(code)s is not part of this region."), code=payee.code
        )
    return models.FundPayment.objects.create(
        fund=fund, year=year, description=description, amount=amount, payee=payee
    )


@transaction.atomic
def fund_advances_save(
    *, fund: models.SolidarityFund, year: int, amounts: Mapping[Municipality, Decimal]
) -> None:
    models.FundAdvance.objects.filter(fund=fund, year=year).delete()
    models.FundAdvance.objects.bulk_create(
        models.FundAdvance(fund=fund, year=year, municipality=m, amount=a)
        for m, a in amounts.items()
        if a
    )


# ---------------------------------------------------------------- stored calculations
def _json(value: Any) -> Any:
    """JSON-safe (Decimals as strings), exactly as it is stored."""
    loaded: Any = json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))
    return loaded


def digest(inputs: Any) -> str:
    text = json.dumps(_json(inputs), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def calculation_store(
    *,
    user: Any,
    result: DistributionResult | FundResult,
    label: str,
    budget_set: models.BudgetSet | None = None,
) -> models.Calculation:
    kind = (
        models.Calculation.Kind.DISTRIBUTION
        if isinstance(result, DistributionResult)
        else models.Calculation.Kind.FUND
    )
    return models.Calculation.objects.create(
        region=_region(user),
        kind=kind,
        year=result.year,
        label=label,
        rule_version=result.rule_version,
        inputs=_json(result.inputs()),
        outputs=_json(result.as_dict()),
        digest=digest(result.inputs()),
        budget_set=budget_set,
        created_by=user,
    )


@dataclass(frozen=True)
class CheckResult:
    same: bool
    differences: list[str]  # dotted paths of what differs
    rule_version_now: str


def _diff(stored: Any, now: Any, path: str = "") -> list[str]:
    if isinstance(stored, dict) and isinstance(now, dict):
        out: list[str] = []
        for key in sorted(set(stored) | set(now)):
            out.extend(_diff(stored.get(key), now.get(key), f"{path}.{key}" if path else key))
        return out
    if isinstance(stored, list) and isinstance(now, list) and len(stored) == len(now):
        out = []
        for index, (a, b) in enumerate(zip(stored, now, strict=True)):
            out.extend(_diff(a, b, f"{path}[{index}]"))
        return out
    return [] if stored == now else [path or "."]


def recompute(calculation: models.Calculation) -> DistributionResult | FundResult:
    if calculation.kind == models.Calculation.Kind.DISTRIBUTION:
        return distribute_from_dict(calculation.inputs)
    return settle_from_dict(calculation.inputs)


def calculation_check(calculation: models.Calculation) -> CheckResult:
    """Recompute from the stored inputs and compare with the stored outputs."""
    now = recompute(calculation)
    differences = _diff(calculation.outputs, _json(now.as_dict()))
    if digest(calculation.inputs) != calculation.digest:
        differences.insert(0, "digest")
    return CheckResult(not differences, differences, now.rule_version)
