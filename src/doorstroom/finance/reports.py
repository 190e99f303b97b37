"""The tables and charts of the finance pages, built from selector and core results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from doorstroom.core.finance import CostResult, DistributionResult, FundResult, PhaseInPath, Stream
from doorstroom.facilities.products import product_label
from doorstroom.finance import charts, display, models
from doorstroom.finance.selectors import ALL_STREAMS, BudgetMatrix, MasterplanRow
from doorstroom.finance.tables import Column, Table


def stream_columns() -> list[Column]:
    return [Column(s, models.STREAM_LABELS[s], "money") for s in ALL_STREAMS]


def budget_tables(matrix: BudgetMatrix, year: int | None) -> list[Table]:
    years = [year] if year is not None else matrix.years
    tables = []
    for y in years:
        rows = [r for r in matrix.rows if r["year"] == y]
        footer = {"municipality": _("Region"), **matrix.totals.get(y, {})}
        tables.append(
            Table(
                _("Budgets %(year)s") % {"year": y},
                [
                    Column("municipality", _("Municipality")),
                    *stream_columns(),
                    Column("total", _("Total"), "money"),
                ],
                rows,
                footer=footer,
                empty=_("No budgets for this year."),
            )
        )
    return tables


def budget_lines_table(lines: Sequence[models.BudgetLine]) -> Table:
    """The lines as the import reads them (same column names): export, edit, import again."""
    return Table(
        _("Budget lines (import format)"),
        [
            Column("gemeentecode", "gemeentecode"),
            Column("jaar", "jaar"),
            Column("stroom", "stroom"),
            Column("budget", "budget", "money"),
            Column("historisch", "historisch", "money"),
            Column("objectief", "objectief", "money"),
        ],
        [
            {
                "gemeentecode": line.municipality.code,
                "jaar": line.year,
                "stroom": line.stream,
                "budget": line.amount,
                "historisch": line.historical,
                "objectief": line.objective,
            }
            for line in lines
        ],
        description=_("On this page the lines of the chosen year; the downloads hold every year."),
        empty=_("This budget set has no lines yet."),
    )


def distribution_table(result: DistributionResult, names: Mapping[str, str]) -> Table:
    rows = [
        {
            "municipality": names.get(line.municipality, line.municipality),
            "historical": line.historical,
            "objective": line.objective,
            "percentage": result.percentage,
            "budget": line.budget,
            "difference": line.difference,
        }
        for line in sorted(result.lines, key=lambda x: names.get(x.municipality, x.municipality))
    ]
    return Table(
        _("Distribution %(year)s: %(pct)s%% objective")
        % {"year": result.year, "pct": display.number(result.percentage)},
        [
            Column("municipality", _("Municipality")),
            Column("historical", _("Historical"), "money"),
            Column("objective", _("Objective"), "money"),
            Column("percentage", _("% objective"), "percent"),
            Column("budget", _("Budget"), "money"),
            Column("difference", _("Gain (+) or loss (-)"), "money"),
        ],
        rows,
        footer={
            "municipality": _("Region"),
            "historical": result.total_historical,
            "objective": result.total_objective,
            "budget": result.total_budget,
            "difference": result.total_budget - result.total_historical,
        },
    )


def path_years(path: PhaseInPath, years: Sequence[int]) -> list[int]:
    return sorted(set(range(path.start_year, path.end_year + 1)) | set(years))


def path_chart(path: PhaseInPath, years: Sequence[int]) -> Any:
    shown = path_years(path, years)
    return charts.line_chart(
        [str(y) for y in shown],
        [charts.Series(_("% objective"), [path.percentage(y) for y in shown])],
        ident="phase-in",
        title=_("Phase-in path"),
        desc=_("Percentage of the budget by the objective model per year: %(values)s.")
        % {"values": ", ".join(f"{y}: {display.number(path.percentage(y))}%" for y in shown)},
        fmt=lambda v: f"{display.number(v.quantize(Decimal(1)))}%",
        top=Decimal(100),
    )


def path_table(path: PhaseInPath, years: Sequence[int]) -> Table:
    shown = path_years(path, years)
    return Table(
        _("Phase-in path per year"),
        [
            Column("year", _("Year")),
            Column("objective", _("% objective"), "percent"),
            Column("historical", _("% historical"), "percent"),
        ],
        [
            {
                "year": y,
                "objective": path.percentage(y),
                "historical": Decimal(100) - path.percentage(y),
            }
            for y in shown
        ],
    )


def gain_loss_chart(result: DistributionResult, names: Mapping[str, str]) -> Any:
    items = sorted(
        (names.get(line.municipality, line.municipality), line.difference) for line in result.lines
    )
    return charts.diverging_bars(
        items,
        ident="gain-loss",
        title=_("Gain or loss against the historical amount, %(year)s") % {"year": result.year},
        desc="; ".join(f"{label}: {display.euros(value)}" for label, value in items),
        fmt=display.euros,
    )


def region_view_table(results: Sequence[DistributionResult]) -> Table:
    return Table(
        _("Region over the years"),
        [
            Column("year", _("Year")),
            Column("percentage", _("% objective"), "percent"),
            Column("historical", _("Historical"), "money"),
            Column("objective", _("Objective"), "money"),
            Column("budget", _("Budget"), "money"),
            Column("moved", _("Moved between municipalities"), "money"),
        ],
        [
            {
                "year": r.year,
                "percentage": r.percentage,
                "historical": r.total_historical,
                "objective": r.total_objective,
                "budget": r.total_budget,
                "moved": sum(
                    (line.difference for line in r.lines if line.difference > 0), Decimal("0.00")
                ),
            }
            for r in results
        ],
    )


def _month(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def cost_tables(
    result: CostResult, names: Mapping[str, str], facilities: Mapping[int, str]
) -> list[Table]:
    by_month = result.totals("month", "stream")
    months = sorted({m for m, _ in by_month})
    month_rows: list[dict[str, Any]] = []
    for month in months:
        bw = by_month.get((month, Stream.BW), Decimal("0.00"))
        mo = by_month.get((month, Stream.MO), Decimal("0.00"))
        month_rows.append({"month": _month(month), "bw": bw, "mo": mo, "total": bw + mo})
    per = result.totals("municipality", "stream")
    muni_rows: list[dict[str, Any]] = []
    codes = sorted({code for code, _ in per}, key=lambda c: names.get(c, c))
    for code in codes:
        bw = per.get((code, Stream.BW), Decimal("0.00"))
        mo = per.get((code, Stream.MO), Decimal("0.00"))
        muni_rows.append(
            {
                "municipality": names.get(
                    code, _("%(code)s (outside the region)") % {"code": code}
                ),
                "bw": bw,
                "mo": mo,
                "total": bw + mo,
            }
        )
    grouped: dict[tuple[int, str, str, Decimal], int] = defaultdict(int)
    for d in result.details:
        grouped[(d.facility_id, d.product.value, d.tariff_source, d.price_per_day)] += d.days
    facility_rows = [
        {
            "facility": facilities.get(fid, str(fid)),
            "product": str(product_label(product)),
            "source": {
                "facility": _("facility tariff"),
                "product": _("product tariff"),
                "price": _("facility price"),
            }[source],
            "price": price,
            "days": days,
            "amount": price * days,
        }
        for (fid, product, source, price), days in sorted(
            grouped.items(), key=lambda kv: (facilities.get(kv[0][0], ""), kv[0][3])
        )
    ]
    total = result.total
    money_cols = [
        Column("bw", models.STREAM_LABELS[Stream.BW.value], "money"),
        Column("mo", models.STREAM_LABELS[Stream.MO.value], "money"),
        Column("total", _("Total"), "money"),
    ]
    totals = {
        "bw": sum((r["bw"] for r in month_rows), Decimal("0.00")),
        "mo": sum((r["mo"] for r in month_rows), Decimal("0.00")),
        "total": total,
    }
    return [
        Table(
            _("Realised costs per month"),
            [Column("month", _("Month")), *money_cols],
            month_rows,
            footer={"month": _("Total"), **totals},
            empty=_("No care days in this period."),
        ),
        Table(
            _("Realised costs per responsible municipality"),
            [Column("municipality", _("Municipality")), *money_cols],
            muni_rows,
            footer={"municipality": _("Total"), **totals},
            empty=_("No care days in this period."),
        ),
        Table(
            _("Care days and tariffs per facility"),
            [
                Column("facility", _("Facility")),
                Column("product", _("Type")),
                Column("source", _("Tariff from")),
                Column("price", _("Price per day"), "money"),
                Column("days", _("Days"), "int"),
                Column("amount", _("Amount"), "money"),
            ],
            facility_rows,
            footer={
                "facility": _("Total"),
                "days": sum(r["days"] for r in facility_rows),
                "amount": total,
            },
            empty=_("No care days in this period."),
        ),
    ]


def cost_chart(result: CostResult) -> Any:
    by_month = result.totals("month", "stream")
    months = sorted({m for m, _ in by_month})
    series = [
        charts.Series(
            str(models.STREAM_LABELS[s.value]), [by_month.get((m, s), Decimal(0)) for m in months]
        )
        for s in (Stream.BW, Stream.MO)
    ]
    return charts.line_chart(
        [date_format(m, "M") for m in months],
        series,
        ident="costs",
        title=_("Realised costs per month"),
        desc=_(
            "Realised care costs per month for BW and MO; the same figures are in the table below."
        ),
        fmt=lambda v: display.euros(v.quantize(Decimal(1))).replace(",00", ""),
    )


def tariff_table(rows: Sequence[models.Tariff]) -> Table:
    return Table(
        _("Tariffs"),
        [
            Column("target", _("Facility or product type")),
            Column("price", _("Price per day"), "money"),
            Column("from", _("Valid from")),
            Column("until", _("Valid until")),
        ],
        [
            {
                "target": t.facility.name if t.facility else str(product_label(t.product)),
                "price": t.price_per_day,
                "from": t.valid_from.isoformat() if t.valid_from else "",
                "until": t.valid_until.isoformat() if t.valid_until else "",
            }
            for t in rows
        ],
        description=_(
            "A facility's own tariff goes first, then the tariff of its product type, then the "
            "facility's price per day."
        ),
        empty=_("No tariffs: every facility's price per day applies."),
    )


def fund_table(result: FundResult, names: Mapping[str, str]) -> Table:
    population = result.settings.key.value == "population"
    rows = []
    for line in sorted(result.lines, key=lambda x: names.get(x.municipality, x.municipality)):
        rows.append(
            {
                "municipality": names.get(line.municipality, line.municipality),
                "weight": line.weight if population else Decimal(line.weight) / 100,
                "share": line.share.quantize(Decimal("0.0001")),
                "contribution": line.contribution,
                "cap": line.cap,
                "received": line.received,
                "advance": line.advance,
                "settlement": line.settlement,
                "outcome": _("pays")
                if line.settlement > 0
                else _("receives")
                if line.settlement < 0
                else "—",
            }
        )
    return Table(
        _("Contributions and settlement %(year)s") % {"year": result.year},
        [
            Column("municipality", _("Municipality")),
            Column("weight", _("Key"), "int" if population else "money"),
            Column("share", _("Share"), "percent"),
            Column("contribution", _("Contribution"), "money"),
            Column("cap", _("Cap"), "money"),
            Column("received", _("Received from the fund"), "money"),
            Column("advance", _("Advances"), "money"),
            Column("settlement", _("Settlement"), "money"),
            Column("outcome", _("Pays or receives")),
        ],
        rows,
        footer={
            "municipality": _("Region"),
            "contribution": result.total_contributions,
            "received": sum((line.received for line in result.lines), Decimal("0.00")),
            "advance": result.total_advances,
            "settlement": result.total_settlement,
        },
    )


def fund_totals_table(result: FundResult) -> Table:
    rows = [
        {"what": _("Regional costs paid by the fund"), "amount": result.total_payments},
        {"what": _("of which to outside parties"), "amount": result.external_payments},
        {"what": _("Change of the reserve"), "amount": result.reserve_change},
        {
            "what": _("Contributions (= payments + change of the reserve)"),
            "amount": result.total_contributions,
        },
        {"what": _("Reserve at the start"), "amount": result.settings.reserve_opening},
        {"what": _("Reserve at the end"), "amount": result.reserve_closing},
        {
            "what": _("Settlements plus advances (= outside payments + change of the reserve)"),
            "amount": result.total_settlement + result.total_advances,
        },
    ]
    return Table(
        _("The fund in %(year)s") % {"year": result.year},
        [Column("what", _("Item")), Column("amount", _("Amount"), "money")],
        rows,
    )


def payments_table(result: FundResult, names: Mapping[str, str]) -> Table:
    return Table(
        _("Payments by the fund"),
        [
            Column("description", _("Description")),
            Column("payee", _("Paid to")),
            Column("amount", _("Amount"), "money"),
        ],
        [
            {
                "description": p.description,
                "payee": names.get(p.payee, p.payee) if p.payee else _("outside party"),
                "amount": p.amount,
            }
            for p in result.payments
        ],
        footer={"description": _("Total"), "amount": result.total_payments},
        empty=_("No payments in this year."),
    )


def stored_lines_table(calculation: models.Calculation, names: Mapping[str, str]) -> Table:
    outputs = calculation.outputs
    if calculation.kind == models.Calculation.Kind.DISTRIBUTION:
        columns = [
            Column("municipality", _("Municipality")),
            Column("historical", _("Historical"), "money"),
            Column("objective", _("Objective"), "money"),
            Column("budget", _("Budget"), "money"),
            Column("difference", _("Gain (+) or loss (-)"), "money"),
        ]
    else:
        columns = [
            Column("municipality", _("Municipality")),
            Column("contribution", _("Contribution"), "money"),
            Column("received", _("Received from the fund"), "money"),
            Column("advance", _("Advances"), "money"),
            Column("settlement", _("Settlement"), "money"),
        ]
    rows = sorted(
        (
            {**line, "municipality": names.get(line["municipality"], line["municipality"])}
            for line in outputs["lines"]
        ),
        key=lambda row: str(row["municipality"]),
    )
    return Table(calculation.label, columns, rows)


def masterplan_tables(rows: Sequence[MasterplanRow]) -> list[Table]:
    detail = Table(
        _("All streams per municipality and year"),
        [
            Column("year", _("Year")),
            Column("municipality", _("Municipality")),
            *stream_columns(),
            Column("total", _("Total budget"), "money"),
            Column("costs", _("BW/MO costs"), "money"),
            Column("source", _("Costs from")),
            Column("balance", _("BW/MO budget minus costs"), "money"),
        ],
        [
            {
                "year": r.year,
                "municipality": r.municipality,
                **r.budgets,
                "total": r.total,
                "costs": r.costs,
                "source": _("realised")
                if r.realised is not None
                else _("forecast")
                if r.forecast is not None
                else "",
                "balance": r.balance,
            }
            for r in rows
        ],
        empty=_("This budget set has no lines yet."),
    )
    by_year: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = by_year.setdefault(
            r.year,
            {"year": r.year, "budget": Decimal("0.00"), "bw_mo": Decimal("0.00"), "costs": None},
        )
        entry["budget"] += r.total
        entry["bw_mo"] += r.bw_mo_budget
        if r.costs is not None:
            entry["costs"] = (entry["costs"] or Decimal("0.00")) + r.costs
    for entry in by_year.values():
        entry["balance"] = None if entry["costs"] is None else entry["bw_mo"] - entry["costs"]
    region = Table(
        _("Region per year"),
        [
            Column("year", _("Year")),
            Column("budget", _("Total budget, all streams"), "money"),
            Column("bw_mo", _("BW/MO budget"), "money"),
            Column("costs", _("BW/MO costs"), "money"),
            Column("balance", _("BW/MO budget minus costs"), "money"),
        ],
        [by_year[y] for y in sorted(by_year)],
    )
    return [region, detail]


def masterplan_chart(region: Table) -> Any:
    years = [str(r["year"]) for r in region.rows]
    return charts.line_chart(
        years,
        [
            charts.Series(_("BW/MO budget"), [r["bw_mo"] for r in region.rows]),
            charts.Series(_("BW/MO costs"), [r["costs"] for r in region.rows]),
        ],
        ident="masterplan",
        title=_("BW/MO budget and costs of the region"),
        desc=_(
            "Per year the BW/MO budget and the realised or forecast costs; the figures are in the table below."
        ),
        fmt=lambda v: display.euros(v.quantize(Decimal(1))).replace(",00", ""),
    )
