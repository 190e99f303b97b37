"""The tables and charts of the finance pages (``web.tables`` and ``web.charts``), built
from selector and core results. Every table holds money (or care days), not counts of
people: ``counts_people=False``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from doorstroom.core.finance import CostResult, DistributionResult, FundResult, PhaseInPath, Stream
from doorstroom.facilities.products import product_label
from doorstroom.finance import display, models
from doorstroom.finance.selectors import ALL_STREAMS, BudgetMatrix, MasterplanRow
from doorstroom.web.charts import Chart, bar_chart, line_chart
from doorstroom.web.tables import Column, Table

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def _money_table(**kwargs: Any) -> Table:
    return Table(counts_people=False, **kwargs)


def _fraction(percentage: Decimal) -> Decimal:
    """web.tables shows a percentage from a fraction (0.125 is 12,5%)."""
    return percentage / HUNDRED


def _places(values: Sequence[Decimal], most: int = 2) -> int:
    """Decimals needed to show every percentage exactly (at most ``most``)."""
    places = 0
    for value in values:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            places = max(places, -exponent)
    return min(places, most)


def stream_columns() -> list[Column]:
    return [Column(s, models.STREAM_LABELS[s], "money") for s in ALL_STREAMS]


def budget_tables(matrix: BudgetMatrix, year: int | None) -> list[Table]:
    years = [year] if year is not None else matrix.years
    tables = []
    for y in years:
        rows = [{k: v for k, v in r.items() if k != "year"} for r in matrix.rows if r["year"] == y]
        tables.append(
            _money_table(
                id=f"budgets-{y}",
                title=_("Budgets %(year)s") % {"year": y},
                columns=[
                    Column("municipality", _("Municipality")),
                    *stream_columns(),
                    Column("total", _("Total"), "money"),
                ],
                rows=rows,
                footer=[{"municipality": _("Region"), **matrix.totals.get(y, {})}] if rows else [],
            )
        )
    return tables


def budget_lines_table(lines: Sequence[models.BudgetLine], *, all_years: bool) -> Table:
    """The lines as the import reads them (same column names): export, edit, import again."""
    return _money_table(
        id="budget-lines",
        title=_("Budget lines (import format)"),
        columns=[
            Column("gemeentecode", "gemeentecode"),
            Column("jaar", "jaar"),
            Column("stroom", "stroom"),
            Column("budget", "budget", "money"),
            Column("historisch", "historisch", "money"),
            Column("objectief", "objectief", "money"),
        ],
        rows=[
            {
                "gemeentecode": line.municipality.code,
                "jaar": str(line.year),
                "stroom": line.stream,
                "budget": line.amount,
                "historisch": line.historical,
                "objectief": line.objective,
            }
            for line in lines
        ],
        notes=[]
        if all_years
        else [_("On this page the lines of the chosen year; the downloads hold every year.")],
    )


def distribution_table(result: DistributionResult, names: Mapping[str, str]) -> Table:
    ordered = sorted(result.lines, key=lambda x: names.get(x.municipality, x.municipality))
    return _money_table(
        id="distribution",
        title=_("Distribution %(year)s: %(pct)s%% objective")
        % {"year": result.year, "pct": display.number(result.percentage)},
        columns=[
            Column("municipality", _("Municipality")),
            Column("historical", _("Historical"), "money"),
            Column("objective", _("Objective"), "money"),
            Column("budget", _("Budget"), "money"),
            Column("difference", _("Gain (+) or loss (-)"), "money"),
        ],
        rows=[
            {
                "municipality": names.get(line.municipality, line.municipality),
                "historical": line.historical,
                "objective": line.objective,
                "budget": line.budget,
                "difference": line.difference,
            }
            for line in ordered
        ],
        footer=[
            {
                "municipality": _("Region"),
                "historical": result.total_historical,
                "objective": result.total_objective,
                "budget": result.total_budget,
                "difference": result.total_budget - result.total_historical,
            }
        ],
    )


def path_years(path: PhaseInPath, years: Sequence[int]) -> list[int]:
    return sorted(set(range(path.start_year, path.end_year + 1)) | set(years))


def path_table(path: PhaseInPath, years: Sequence[int]) -> Table:
    shown = path_years(path, years)
    places = _places([path.percentage(y) for y in shown])
    return _money_table(
        id="phase-in-path",
        title=_("Phase-in path per year"),
        columns=[
            Column("year", _("Year")),
            Column("objective", _("% objective"), "percent", decimals=places),
            Column("historical", _("% historical"), "percent", decimals=places),
        ],
        rows=[
            {
                "year": str(y),
                "objective": _fraction(path.percentage(y)),
                "historical": _fraction(HUNDRED - path.percentage(y)),
            }
            for y in shown
        ],
    )


def path_chart(table: Table) -> Chart:
    return line_chart(
        table,
        x="year",
        series=["objective"],
        description=_("Percentage of the budget by the objective model per year."),
    )


def gain_loss_chart(table: Table) -> Chart:
    return bar_chart(
        table,
        category="municipality",
        series=["difference"],
        horizontal=True,
        description=_("Gain or loss of each municipality against its historical amount."),
        chart_id="chart-gain-loss",
    )


def region_view_table(results: Sequence[DistributionResult]) -> Table:
    places = _places([r.percentage for r in results])
    return _money_table(
        id="region-years",
        title=_("Region over the years"),
        columns=[
            Column("year", _("Year")),
            Column("percentage", _("% objective"), "percent", decimals=places),
            Column("historical", _("Historical"), "money"),
            Column("objective", _("Objective"), "money"),
            Column("budget", _("Budget"), "money"),
            Column("moved", _("Moved between municipalities"), "money"),
        ],
        rows=[
            {
                "year": str(r.year),
                "percentage": _fraction(r.percentage),
                "historical": r.total_historical,
                "objective": r.total_objective,
                "budget": r.total_budget,
                "moved": sum((x.difference for x in r.lines if x.difference > 0), ZERO),
            }
            for r in results
        ],
    )


def cost_tables(
    result: CostResult, names: Mapping[str, str], facilities: Mapping[int, str]
) -> list[Table]:
    by_month = result.totals("month", "stream")
    months = sorted({m for m, _stream in by_month})
    month_rows: list[dict[str, Any]] = []
    for month in months:
        bw = by_month.get((month, Stream.BW), ZERO)
        mo = by_month.get((month, Stream.MO), ZERO)
        month_rows.append({"month": month, "bw": bw, "mo": mo, "total": bw + mo})
    per = result.totals("municipality", "stream")
    muni_rows: list[dict[str, Any]] = []
    for code in sorted({code for code, _stream in per}, key=lambda c: names.get(c, c)):
        bw = per.get((code, Stream.BW), ZERO)
        mo = per.get((code, Stream.MO), ZERO)
        muni_rows.append(
            {
                "municipality": names.get(code)
                or _("%(code)s (outside the region)") % {"code": code},
                "bw": bw,
                "mo": mo,
                "total": bw + mo,
            }
        )
    grouped: dict[tuple[int, str, str, Decimal], int] = defaultdict(int)
    for d in result.details:
        grouped[(d.facility_id, d.product.value, d.tariff_source, d.price_per_day)] += d.days
    sources = {
        "facility": _("facility tariff"),
        "product": _("product tariff"),
        "price": _("facility price"),
    }
    facility_rows = [
        {
            "facility": facilities.get(fid, str(fid)),
            "product": str(product_label(product)),
            "source": sources[source],
            "price": price,
            "days": days,
            "amount": price * days,
        }
        for (fid, product, source, price), days in sorted(
            grouped.items(), key=lambda kv: (facilities.get(kv[0][0], ""), kv[0][3])
        )
    ]
    money = [
        Column("bw", models.STREAM_LABELS[Stream.BW.value], "money"),
        Column("mo", models.STREAM_LABELS[Stream.MO.value], "money"),
        Column("total", _("Total"), "money"),
    ]
    totals = {
        "bw": sum((r["bw"] for r in month_rows), ZERO),
        "mo": sum((r["mo"] for r in month_rows), ZERO),
        "total": result.total,
    }
    return [
        _money_table(
            id="costs-month",
            title=_("Realised costs per month"),
            columns=[Column("month", _("Month"), "month"), *money],
            rows=month_rows,
            notes=[] if month_rows else [_("No care days in this period.")],
        ),
        _money_table(
            id="costs-municipality",
            title=_("Realised costs per responsible municipality"),
            columns=[Column("municipality", _("Municipality")), *money],
            rows=muni_rows,
            footer=[{"municipality": _("Total"), **totals}] if muni_rows else [],
        ),
        _money_table(
            id="costs-facility",
            title=_("Care days and tariffs per facility"),
            columns=[
                Column("facility", _("Facility")),
                Column("product", _("Type")),
                Column("source", _("Tariff from")),
                Column("price", _("Price per day"), "money"),
                Column("days", _("Days"), "int", counts_people=False),
                Column("amount", _("Amount"), "money"),
            ],
            rows=facility_rows,
            footer=[
                {
                    "facility": _("Total"),
                    "product": "",
                    "source": "",
                    "days": sum(r["days"] for r in facility_rows),
                    "amount": result.total,
                }
            ]
            if facility_rows
            else [],
        ),
    ]


def cost_chart(month_table: Table) -> Chart:
    return line_chart(
        month_table,
        x="month",
        series=["bw", "mo"],
        description=_("Realised care costs per month for BW and MO."),
    )


def tariff_table(rows: Sequence[models.Tariff]) -> Table:
    return _money_table(
        id="tariffs",
        title=_("Tariffs"),
        columns=[
            Column("target", _("Facility or product type")),
            Column("price", _("Price per day"), "money"),
            Column("from", _("Valid from")),
            Column("until", _("Valid until")),
        ],
        rows=[
            {
                "target": t.facility.name if t.facility else str(product_label(t.product)),
                "price": t.price_per_day,
                "from": t.valid_from.isoformat() if t.valid_from else "—",
                "until": t.valid_until.isoformat() if t.valid_until else "—",
            }
            for t in rows
        ],
        notes=[
            _(
                "A facility's own tariff goes first, then the tariff of its product type, "
                "then the facility's price per day."
            )
        ],
    )


def fund_table(result: FundResult, names: Mapping[str, str]) -> Table:
    population = result.settings.key.value == "population"
    rows = []
    for line in sorted(result.lines, key=lambda x: names.get(x.municipality, x.municipality)):
        rows.append(
            {
                "municipality": names.get(line.municipality, line.municipality),
                "weight": line.weight if population else Decimal(line.weight) / 100,
                "share": line.share / HUNDRED,
                "contribution": line.contribution,
                "cap": line.cap,
                "received": line.received,
                "advance": line.advance,
                "settlement": line.settlement,
                "outcome": _("pays")
                if line.settlement > 0
                else _("receives")
                if line.settlement < 0
                else "",
            }
        )
    return _money_table(
        id="fund",
        title=_("Contributions and settlement %(year)s") % {"year": result.year},
        columns=[
            Column("municipality", _("Municipality")),
            Column("weight", _("Key"), "int" if population else "money", counts_people=False),
            Column("share", _("Share"), "percent", decimals=4),
            Column("contribution", _("Contribution"), "money"),
            Column("cap", _("Cap"), "money"),
            Column("received", _("Received from the fund"), "money"),
            Column("advance", _("Advances"), "money"),
            Column("settlement", _("Settlement"), "money"),
            Column("outcome", _("Pays or receives")),
        ],
        rows=rows,
        footer=[
            {
                "municipality": _("Region"),
                "weight": sum(line.weight for line in result.lines)
                if population
                else Decimal(sum(line.weight for line in result.lines)) / 100,
                "share": Decimal(1) if any(line.weight for line in result.lines) else None,
                "outcome": "",
                "contribution": result.total_contributions,
                "received": sum((line.received for line in result.lines), ZERO),
                "advance": result.total_advances,
                "settlement": result.total_settlement,
            }
        ],
    )


def fund_totals_table(result: FundResult) -> Table:
    rows = [
        (_("Regional costs paid by the fund"), result.total_payments),
        (_("of which to outside parties"), result.external_payments),
        (_("Change of the reserve"), result.reserve_change),
        (_("Contributions (= payments + change of the reserve)"), result.total_contributions),
        (_("Reserve at the start"), result.settings.reserve_opening),
        (_("Reserve at the end"), result.reserve_closing),
        (
            _("Settlements plus advances (= outside payments + change of the reserve)"),
            result.total_settlement + result.total_advances,
        ),
    ]
    return _money_table(
        id="fund-totals",
        title=_("The fund in %(year)s") % {"year": result.year},
        columns=[Column("what", _("Item")), Column("amount", _("Amount"), "money")],
        rows=[{"what": what, "amount": amount} for what, amount in rows],
    )


def payments_table(result: FundResult, names: Mapping[str, str]) -> Table:
    return _money_table(
        id="fund-payments",
        title=_("Payments by the fund"),
        columns=[
            Column("description", _("Description")),
            Column("payee", _("Paid to")),
            Column("amount", _("Amount"), "money"),
        ],
        rows=[
            {
                "description": p.description,
                "payee": names.get(p.payee, p.payee) if p.payee else _("outside party"),
                "amount": p.amount,
            }
            for p in result.payments
        ],
        footer=[{"description": _("Total"), "payee": "", "amount": result.total_payments}]
        if result.payments
        else [],
        notes=[] if result.payments else [_("No payments in this year.")],
    )


def stored_lines_table(calculation: models.Calculation, names: Mapping[str, str]) -> Table:
    if calculation.kind == models.Calculation.Kind.DISTRIBUTION:
        keys = [
            ("historical", _("Historical")),
            ("objective", _("Objective")),
            ("budget", _("Budget")),
            ("difference", _("Gain (+) or loss (-)")),
        ]
    else:
        keys = [
            ("contribution", _("Contribution")),
            ("received", _("Received from the fund")),
            ("advance", _("Advances")),
            ("settlement", _("Settlement")),
        ]
    rows = sorted(
        (
            {
                "municipality": names.get(line["municipality"], line["municipality"]),
                **{key: Decimal(str(line[key])) for key, _label in keys},
            }
            for line in calculation.outputs["lines"]
        ),
        key=lambda row: str(row["municipality"]),
    )
    return _money_table(
        id="calculation",
        title=calculation.label,
        columns=[
            Column("municipality", _("Municipality")),
            *(Column(key, label, "money") for key, label in keys),
        ],
        rows=rows,
        footer=[
            {
                "municipality": _("Region"),
                **{key: sum((r[key] for r in rows), ZERO) for key, _label in keys},
            }
        ],
    )


def masterplan_tables(rows: Sequence[MasterplanRow]) -> list[Table]:
    by_year: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = by_year.setdefault(
            r.year, {"year": str(r.year), "budget": ZERO, "bw_mo": ZERO, "costs": None}
        )
        entry["budget"] += r.total
        entry["bw_mo"] += r.bw_mo_budget
        if r.costs is not None:
            entry["costs"] = (entry["costs"] or ZERO) + r.costs
    for entry in by_year.values():
        entry["balance"] = None if entry["costs"] is None else entry["bw_mo"] - entry["costs"]
    region = _money_table(
        id="masterplan-region",
        title=_("Region per year"),
        columns=[
            Column("year", _("Year")),
            Column("budget", _("Total budget, all streams"), "money"),
            Column("bw_mo", _("BW/MO budget"), "money"),
            Column("costs", _("BW/MO costs"), "money"),
            Column("balance", _("BW/MO budget minus costs"), "money"),
        ],
        rows=[by_year[y] for y in sorted(by_year)],
    )
    detail = _money_table(
        id="masterplan",
        title=_("All streams per municipality and year"),
        columns=[
            Column("municipality", _("Municipality")),
            Column("year", _("Year")),
            *stream_columns(),
            Column("total", _("Total budget"), "money"),
            Column("costs", _("BW/MO costs"), "money"),
            Column("source", _("Costs from")),
            Column("balance", _("BW/MO budget minus costs"), "money"),
        ],
        rows=[
            {
                "municipality": r.municipality,
                "year": str(r.year),
                **r.budgets,
                "total": r.total,
                "costs": r.costs,
                "source": _("realised")
                if r.realised is not None
                else _("forecast")
                if r.forecast is not None
                else None,
                "balance": r.balance,
            }
            for r in rows
        ],
    )
    return [region, detail]


def masterplan_chart(region: Table) -> Chart:
    return line_chart(
        region,
        x="year",
        series=["bw_mo", "costs"],
        description=_("Per year the BW/MO budget and the realised or forecast costs."),
    )
