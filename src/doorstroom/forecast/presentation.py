"""The forecast's tables and charts: parameters with their uncertainty, scenarios side by
side (stocks, waiting lists, waiting times, costs per municipality and funding stream),
charts with P10-P90 bands, the capacity plan, the backtest and the facility plan.

Forecast figures are model outcomes (expected values and quantiles over simulated
futures), not counts of clients: their tables say ``counts_people=False``. Tables with
observed counts (calibration, backtest truth, the people at the start) are counts of
people and get disclosure control like every monitor table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstroom.forecast.storage import Results
from doorstroom.web.charts import Chart, Target, line_chart
from doorstroom.web.tables import BODY, Column, Kind, Row, Table

SOURCE = _("doorstroom, forecast from the journey event log of the region")
MODEL_NOTE = _(
    "Model outcomes (expected values over simulated futures), not counts of clients; "
    "P10-P90: in eight of ten simulated futures the figure lies in this band."
)
PRODUCT_LABELS: dict[str, Promise] = {
    "bw": _("Beschermd Wonen (BW)"),
    "bt": _("Beschermd Thuis (BT)"),
    "mo": _("Shelter (MO)"),
}
OUTPUT_LABELS: dict[str, Promise] = {
    "applied": _("Being assessed"),
    "waiting_bw": _("Waiting list BW"),
    "waiting_bt": _("Waiting list BT"),
    "waiting_mo": _("Waiting list MO"),
    "in_bw": _("In BW"),
    "in_bt": _("In BT"),
    "in_mo": _("In MO"),
    "ready": _("Ready to move on"),
    "inflow": _("Applications per month"),
    "placements": _("Placements per month"),
    "outflow": _("Outflow per month"),
    "exits_home": _("Exits to a home per month"),
    "wait_bw": _("Waiting time BW (months)"),
    "wait_bt": _("Waiting time BT (months)"),
    "wait_mo": _("Waiting time MO (months)"),
    "cost_bw": _("Costs BW per month"),
    "cost_bt": _("Costs BT per month"),
    "cost_mo": _("Costs MO per month"),
    "cost_total": _("Costs per month"),
}
COMPARTMENT_LABELS: dict[str, Promise] = {
    "applied": _("Application being assessed"),
    "waiting_bw": _("Waiting for BW"),
    "waiting_bt": _("Waiting for BT"),
    "waiting_mo": _("Waiting for MO"),
    "bw_1": _("In BW, first phase"),
    "bw_2": _("In BW, second phase"),
    "bt_1": _("In BT, first phase"),
    "bt_2": _("In BT, second phase"),
    "mo_1": _("In MO, first phase"),
    "mo_2": _("In MO, second phase"),
    "ready_bw": _("Ready to move on from BW"),
    "ready_bt": _("Ready to move on from BT"),
    "ready_mo": _("Ready to move on from MO"),
}
OUTCOME_LABELS: dict[str, Promise] = {
    "waiting_bw": _("decision BW"),
    "waiting_bt": _("decision BT"),
    "waiting_mo": _("decision MO"),
    "exit:no_place": _("no place needed (ambulant, not eligible, withdrawn)"),
    "exit:withdrawn": _("withdrawn or expired"),
    "ready_bw": _("ready to move on"),
    "ready_bt": _("ready to move on"),
    "ready_mo": _("ready to move on"),
    "transfer_bt": _("transfer to BT"),
    "exit:care": _("exit (not via ready to move on)"),
    "exit:ready_other": _("leaves without a home from the supply"),
    "bw_2": _("on to the second phase"),
    "bt_2": _("on to the second phase"),
    "mo_2": _("on to the second phase"),
}
STOCK_OUTPUTS = ("in_bw", "in_bt", "in_mo")
QUEUE_OUTPUTS = ("waiting_bw", "waiting_bt", "waiting_mo")
WAIT_OUTPUTS = ("wait_bw", "wait_bt", "wait_mo")
SUMMARY_OUTPUTS = (*STOCK_OUTPUTS, *QUEUE_OUTPUTS, *WAIT_OUTPUTS, "inflow", "cost_total")


def _f(value: Any) -> float | None:
    v = float(value)
    return None if not np.isfinite(v) else v


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def scenario_label(name: str) -> str:
    return gettext(name) if name == "Baseline" else name


def _month(label: str) -> date:
    return date(int(label[:4]), int(label[5:7]), 1)


def year_end_index(res: Results, year: int) -> int | None:
    """The month index of December of ``year`` (or the last month of that year)."""
    months = [t for t, m in enumerate(res.months) if int(m[:4]) == year]
    return months[-1] if months else None


def unit_label(res: Results, unit: str, names: Mapping[str, str]) -> str:
    return names.get(unit, unit)


# ------------------------------------------------------------------ parameters
PRIOR_MONTHS = 24.0  # the calibration's shrinkage (person-months of the region's estimate)


def _transition_rows(
    estimates: Sequence[Mapping[str, Any]], municipality: str | None
) -> list[dict[str, Any]]:
    """One row per transition and age band: a municipality's estimates as they are, or
    (``municipality`` None) the region's: exposure-weighted over the municipalities."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for e in estimates:
        if " -> " not in e["parameter"]:
            continue
        if municipality is not None and e["municipality"] != municipality:
            continue
        key = (e["parameter"], e["group"])
        row = rows.setdefault(
            key,
            {
                "parameter": e["parameter"],
                "group": e["group"],
                "events": 0.0,
                "exposure": 0.0,
                "weighted": 0.0,
                "low": e["low"],
                "high": e["high"],
                "counted": True,
            },
        )
        row["exposure"] += e["exposure"]
        row["weighted"] += e["value"] * max(e["exposure"], 1e-9)
        if e["events"] is None:
            row["counted"] = False
        else:
            row["events"] += e["events"]
    out = []
    for row in rows.values():
        value = row["weighted"] / max(row["exposure"], 1e-9 * len(rows))
        if municipality is None:  # the region: the interval of the pooled estimate
            sd = float(np.sqrt(value * (1 - value) / (row["exposure"] + PRIOR_MONTHS + 1)))
            row["low"], row["high"] = max(0.0, value - 1.96 * sd), min(1.0, value + 1.96 * sd)
        row["value"] = value
        out.append(row)
    return out


def transitions_table(
    summary: Mapping[str, Any], municipality: str | None = None, name: str | None = None
) -> Table:
    rows = []
    for i, r in enumerate(_transition_rows(summary.get("estimates", []), municipality)):
        source, outcome = r["parameter"].split(" -> ")
        rows.append(
            Row(
                {
                    "step": COMPARTMENT_LABELS.get(source, source),
                    "outcome": OUTCOME_LABELS.get(outcome, outcome),
                    "group": r["group"],
                    "events": round(r["events"]) if r["counted"] else None,
                    "exposure": r["exposure"],
                    "p": r["value"],
                    "low": r["low"],
                    "high": r["high"],
                },
                key=f"t{i}",
            )
        )
    where = name or _("region")
    return Table(
        "transitions",
        _("Monthly transition probabilities (%(where)s)") % {"where": where},
        [
            Column("step", _("From")),
            Column("outcome", _("To")),
            Column("group", _("Age band")),
            Column("events", _("Observed"), "int"),
            Column("exposure", _("Person-months"), "decimal", decimals=0, counts_people=False),
            Column("p", _("Per month"), "percent", decimals=2, derived_from=("events",)),
            Column("low", _("95% interval from"), "percent", decimals=2, derived_from=("events",)),
            Column("high", _("to"), "percent", decimals=2, derived_from=("events",)),
        ],
        rows,
        notes=[
            _(
                "The chance per month that someone in a state takes this step: events in the "
                "calibration window per person-month at risk, small municipalities shrunk "
                "towards the region. The interval is the uncertainty the forecast draws from."
            ),
            _(
                "Stays have two phases (the chance to leave depends on the time already "
                "spent); their steps are fitted on the durations, so they have no single "
                "count of events (—)."
            ),
            _(
                "Placements are not a probability: they happen when places are free. Homes "
                "for people ready to move on come from the housing supply."
            ),
        ],
        source=SOURCE,
    )


def inflow_table(summary: Mapping[str, Any], names: Mapping[str, str]) -> Table:
    rows = [
        Row(
            {
                "municipality": names.get(e["municipality"], e["municipality"]),
                "group": e["group"],
                "applications": round(e["events"]) if e["events"] is not None else None,
                "rate": e["value"],
                "low": e["low"],
                "high": e["high"],
            },
            key=f"i{i}",
        )
        for i, e in enumerate(summary.get("estimates", []))
        if e["parameter"] == "inflow_per_10k_month"
    ]
    return Table(
        "inflow",
        _("Applications per 10,000 inhabitants per month"),
        [
            Column("municipality", _("Municipality of origin")),
            Column("group", _("Age band")),
            Column("applications", _("Applications in the window"), "int"),
            Column("rate", _("Per 10,000 per month"), "decimal", decimals=3),
            Column("low", _("95% interval from"), "decimal", decimals=3),
            Column("high", _("to"), "decimal", decimals=3),
        ],
        rows,
        notes=[
            _(
                "At the start of the forecast (the window's rate moved along the trend). "
                "Small municipalities borrow strength from the region."
            )
        ],
        source=SOURCE,
    )


def trend_table(summary: Mapping[str, Any]) -> Table:
    labels = {
        "inflow_trend_per_year": _("Applications"),
        "homes_growth_per_year": _("Homes for outflow"),
    }
    rows = []
    for i, e in enumerate(summary.get("estimates", [])):
        if e["parameter"] not in labels:
            continue
        factor = e["parameter"] == "inflow_trend_per_year"
        rows.append(
            Row(
                {
                    "what": labels[e["parameter"]],
                    "group": e["group"] or "—",
                    "count": round(e["events"]) if e["events"] is not None else None,
                    "change": e["value"] - 1.0 if factor else e["value"],
                    "low": e["low"] - 1.0 if factor else e["low"],
                    "high": e["high"] - 1.0 if factor else e["high"],
                },
                key=f"g{i}",
            )
        )
    return Table(
        "trend",
        _("Trends per year"),
        [
            Column("what", _("What")),
            Column("group", _("Age band")),
            Column("count", _("Number in the window"), "int"),
            Column("change", _("Change per year"), "percent", derived_from=("count",)),
            Column("low", _("95% interval from"), "percent", derived_from=("count",)),
            Column("high", _("to"), "percent", derived_from=("count",)),
        ],
        rows,
        notes=[
            _(
                "A few years of small numbers give a noisy trend: it is damped towards no "
                "change before the forecast extrapolates it."
            )
        ],
        source=SOURCE,
    )


def stay_table(summary: Mapping[str, Any]) -> Table:
    rows = []
    coxian = summary.get("coxian", {})  # a JSON object: PostgreSQL does not keep the order
    for product in [k for k in PRODUCT_LABELS if k in coxian]:
        c = coxian[product]
        a, q, b = c["leave1"], c["progress"], c["leave2"]
        mean = 1 / (a + q) + (q / (a + q)) / b if a + q > 0 and b > 0 else None
        rows.append(
            Row(
                {
                    "product": PRODUCT_LABELS.get(product, product),
                    "stays": c["stays"],
                    "leave1": a,
                    "progress": q,
                    "leave2": b,
                    "mean": mean,
                },
                key=product,
            )
        )
    return Table(
        "stays",
        _("Length of stay in two phases"),
        [
            Column("product", _("Product")),
            Column("stays", _("Stays"), "int"),
            Column("leave1", _("Leaves per month, first phase"), "percent", decimals=2),
            Column("progress", _("On to the second phase per month"), "percent", decimals=2),
            Column("leave2", _("Leaves per month, second phase"), "percent", decimals=2),
            Column("mean", _("Mean stay (months)"), "decimal"),
        ],
        rows,
        notes=[
            _(
                "A stay is not memoryless: who has stayed long leaves at another rate than "
                "a newcomer. Fitted by maximum likelihood on the durations (still running "
                "stays count as censored)."
            )
        ],
        source=SOURCE,
    )


def supply_table(baseline: Any, summary: Mapping[str, Any]) -> Table:
    names = dict(zip(baseline.area.codes, baseline.area.names, strict=True))
    planned: dict[tuple[str, str], int] = {}
    for c in summary.get("planned", []):
        key = (c["product"], c["municipality"])
        planned[key] = planned.get(key, 0) + int(c["delta"])
    rows = []
    for i, code in enumerate(baseline.area.codes):
        cells: dict[str, Any] = {"municipality": names[code]}
        for p_i, p in enumerate(("bw", "bt", "mo")):
            cells[p] = int(baseline.places[p_i, i])
            cells[f"{p}_planned"] = planned.get((p, code), 0)
        cells["homes"] = float(baseline.homes[i, 0])
        rows.append(Row(cells, key=code))
    cols = [Column("municipality", _("Municipality"))]
    for p in ("bw", "bt", "mo"):
        cols.append(Column(p, _("Places %(product)s") % {"product": p.upper()}, "int"))
        cols.append(Column(f"{p}_planned", _("planned"), "int"))
    cols.append(Column("homes", _("Homes for outflow per year"), "decimal", decimals=0))
    total: dict[str, Any] = {"municipality": _("Region")}
    for col in cols[1:]:
        total[col.key] = sum(r.cells[col.key] for r in rows)
    footer = [Row(total, key="region", sum_of=BODY)]
    return Table(
        "supply",
        _("Places and homes the forecast starts from"),
        cols,
        rows,
        footer=footer,
        notes=[
            _(
                "Places: facilities of the region in use at the start; planned facilities "
                "are added from their opening month (without a date: a year after the start)."
            ),
            _("Homes: exits to a home in the region of people ready to move on, per year."),
        ],
        source=SOURCE,
        counts_people=False,
    )


INITIAL_COLUMNS = (
    ("applied", ("applied",)),
    ("waiting", ("waiting_bw", "waiting_bt", "waiting_mo")),
    ("bw", ("bw_1", "bw_2", "ready_bw", "transfer_bt")),
    ("bt", ("bt_1", "bt_2", "ready_bt")),
    ("mo", ("mo_1", "mo_2", "ready_mo")),
)


def initial_table(baseline: Any) -> Table:
    from doorstroom.core.forecast.model import C_INDEX

    names = baseline.area.names
    rows = []
    for i, code in enumerate(baseline.area.codes):
        cells: dict[str, Any] = {"municipality": names[i]}
        for key, comps in INITIAL_COLUMNS:
            cells[key] = int(sum(baseline.initial[C_INDEX[c], i].sum() for c in comps))
        rows.append(Row(cells, key=code))
    total = {"municipality": _("Region")}
    for key, _comps in INITIAL_COLUMNS:
        total[key] = sum(r.cells[key] for r in rows)
    return Table(
        "start",
        _("People at the start of the forecast"),
        [
            Column("municipality", _("Municipality of origin")),
            Column("applied", _("Being assessed"), "int"),
            Column("waiting", _("On a waiting list"), "int"),
            Column("bw", _("In BW"), "int"),
            Column("bt", _("In BT"), "int"),
            Column("mo", _("In MO"), "int"),
        ],
        rows,
        footer=[Row(total, key="region", sum_of=BODY)],
        source=_("doorstroom, journey event log of the region"),
    )


# ------------------------------------------------------------------ results
def _scenario_columns(res: Results, suffix: str, label: Any, kind: str = "decimal") -> list[Column]:
    return [
        Column(
            f"s{s}_{suffix}",
            f"{scenario_label(name)}: {label}",
            kind,  # type: ignore[arg-type]
            decimals=1 if kind == "decimal" else None,
            counts_people=False,
        )
        for s, name in enumerate(res.scenarios)
    ]


def summary_table(res: Results, unit: str, year: int, unit_name: str) -> Table:
    """The main figures at the end of ``year`` (costs: that year's sum), per scenario."""
    t = year_end_index(res, year)
    assert t is not None
    months = [i for i, m in enumerate(res.months) if int(m[:4]) == year]
    u = res.units.index(unit)
    rows = []
    for output in SUMMARY_OUTPUTS:
        o = res.outputs.index(output)
        cells: dict[str, Any] = {"indicator": OUTPUT_LABELS[output]}
        for s in range(len(res.scenarios)):
            if output == "cost_total":
                cells["indicator"] = _("Costs in %(year)s") % {"year": year}
                cells[f"s{s}_p50"] = float(res.mean[s, o, u, months].sum())
                cells[f"s{s}_p10"] = cells[f"s{s}_p90"] = None
            elif output == "inflow":
                cells["indicator"] = _("Applications in %(year)s") % {"year": year}
                cells[f"s{s}_p50"] = float(res.mean[s, o, u, months].sum())
                cells[f"s{s}_p10"] = cells[f"s{s}_p90"] = None
            else:
                for q in ("p10", "p50", "p90"):
                    cells[f"s{s}_{q}"] = _f(getattr(res, q)[s, o, u, t])
        rows.append(Row(cells, key=output))
    cols = [Column("indicator", _("End of %(year)s") % {"year": year})]
    for s, name in enumerate(res.scenarios):
        label = scenario_label(name)
        cols += [
            Column(f"s{s}_p10", f"{label}: P10", "decimal", decimals=1, counts_people=False),
            Column(f"s{s}_p50", f"{label}: P50", "decimal", decimals=1, counts_people=False),
            Column(f"s{s}_p90", f"{label}: P90", "decimal", decimals=1, counts_people=False),
        ]
    return Table(
        "summary",
        _("%(unit)s at the end of %(year)s") % {"unit": unit_name, "year": year},
        cols,
        rows,
        notes=[
            MODEL_NOTE,
            _("Costs and applications: the expected total of the year (P50 column)."),
        ],
        source=SOURCE,
        counts_people=False,
    )


def yearly_table(
    res: Results, unit: str, outputs: Sequence[str], table_id: str, title: Any
) -> Table:
    """Per year (December) the P50 of ``outputs`` for every scenario."""
    u = res.units.index(unit)
    rows = []
    for year in res.years:
        t = year_end_index(res, year)
        if t is None:
            continue
        cells: dict[str, Any] = {"year": str(year)}
        for s in range(len(res.scenarios)):
            for output in outputs:
                o = res.outputs.index(output)
                cells[f"s{s}_{output}"] = _f(res.p50[s, o, u, t])
        rows.append(Row(cells, key=f"y{year}"))
    cols = [Column("year", _("End of year"))]
    for s, name in enumerate(res.scenarios):
        for output in outputs:
            cols.append(
                Column(
                    f"s{s}_{output}",
                    f"{scenario_label(name)}: {OUTPUT_LABELS[output]}",
                    "decimal",
                    decimals=1 if output.startswith("wait_") else 0,
                    counts_people=False,
                )
            )
    return Table(
        table_id, title, cols, rows, notes=[MODEL_NOTE], source=SOURCE, counts_people=False
    )


def band_table(res: Results, s: int, output: str, unit: str, unit_name: str) -> Table:
    """Month by month P10, P50, P90 of one scenario, with the baseline's P50."""
    o, u = res.outputs.index(output), res.units.index(unit)
    rows = []
    for t, label in enumerate(res.months):
        cells = {
            "month": _month(label),
            "p10": _f(res.p10[s, o, u, t]),
            "p50": _f(res.p50[s, o, u, t]),
            "p90": _f(res.p90[s, o, u, t]),
        }
        if s > 0:
            cells["base"] = _f(res.p50[0, o, u, t])
        rows.append(Row(cells, key=f"m{t}"))
    decimals = 1 if output.startswith("wait_") else 0
    kind: Kind = "decimal"
    cols = [
        Column("month", _("Month"), "month"),
        Column("p50", _("P50 (median)"), kind, decimals=decimals, counts_people=False),
        Column("p10", "P10", kind, decimals=decimals, counts_people=False),
        Column("p90", "P90", kind, decimals=decimals, counts_people=False),
    ]
    if s > 0:
        cols.append(Column("base", _("Baseline P50"), kind, decimals=decimals, counts_people=False))
    return Table(
        f"band-s{s}-{output}",
        f"{scenario_label(res.scenarios[s])}: {OUTPUT_LABELS[output]}, {unit_name}",
        cols,
        rows,
        notes=[MODEL_NOTE],
        source=SOURCE,
        counts_people=False,
    )


def band_chart(table: Table, *, targets: Sequence[Target] = ()) -> Chart:
    keys = [c.key for c in table.columns]
    series = ["p50", "base"] if "base" in keys else ["p50"]
    return line_chart(
        table,
        x="month",
        series=series,
        band=("p10", "p90"),
        band_label=_("P10-P90"),
        targets=targets,
    )


def costs_table(res: Results, year: int, names: Mapping[str, str]) -> Table:
    """Expected costs in ``year`` per municipality and funding stream, per scenario."""
    months = [t for t, m in enumerate(res.months) if int(m[:4]) == year]
    codes = [u for u in res.units if u in names]
    o = {k: res.outputs.index(k) for k in ("cost_bw", "cost_bt", "cost_mo")}
    rows = []
    for code in codes:
        u = res.units.index(code)
        cells: dict[str, Any] = {"municipality": names[code]}
        for s in range(len(res.scenarios)):
            bw = float(res.mean[s, o["cost_bw"], u, months].sum())
            bt = float(res.mean[s, o["cost_bt"], u, months].sum())
            mo = float(res.mean[s, o["cost_mo"], u, months].sum())
            cells[f"s{s}_bw"] = money(bw + bt)
            cells[f"s{s}_mo"] = money(mo)
            cells[f"s{s}_total"] = cells[f"s{s}_bw"] + cells[f"s{s}_mo"]
        rows.append(Row(cells, key=code))
    total: dict[str, Any] = {"municipality": _("Region")}
    for s in range(len(res.scenarios)):
        for k in ("bw", "mo", "total"):
            total[f"s{s}_{k}"] = sum((r.cells[f"s{s}_{k}"] for r in rows), Decimal("0.00"))
    stream_bw = gettext("BW and BT stream")
    stream_mo = gettext("MO stream")
    total_label = gettext("Total")
    cols = [Column("municipality", _("Municipality"))]
    for s, name in enumerate(res.scenarios):
        label = scenario_label(name)
        cols += [
            Column(f"s{s}_bw", f"{label}: {stream_bw}", "money", decimals=0),
            Column(f"s{s}_mo", f"{label}: {stream_mo}", "money", decimals=0),
            Column(f"s{s}_total", f"{label}: {total_label}", "money", decimals=0),
        ]
    partial = len(months) < 12
    notes = [
        _(
            "Expected costs (mean over the runs): people in care x price per day x days, "
            "charged to the municipality of origin. BW and BT are paid from the BW stream "
            "(Wmo beschermd wonen), shelter from the MO stream."
        )
    ]
    if partial:
        notes.append(_("The forecast covers only part of this year."))
    return Table(
        "costs",
        _("Costs in %(year)s per municipality and funding stream") % {"year": year},
        cols,
        rows,
        footer=[Row(total, key="region")],
        notes=notes,
        source=SOURCE,
        counts_people=False,
    )


def cost_years_table(res: Results, unit: str, unit_name: str) -> Table:
    u = res.units.index(unit)
    o = res.outputs.index("cost_total")
    rows = []
    for year in res.years:
        months = [t for t, m in enumerate(res.months) if int(m[:4]) == year]
        if len(months) < 12:
            continue
        cells: dict[str, Any] = {"year": str(year)}
        for s in range(len(res.scenarios)):
            cells[f"s{s}"] = money(float(res.mean[s, o, u, months].sum()))
        rows.append(Row(cells, key=f"y{year}"))
    cols = [Column("year", _("Year"))] + [
        Column(f"s{s}", scenario_label(name), "money", decimals=0)
        for s, name in enumerate(res.scenarios)
    ]
    return Table(
        "cost-years",
        _("Costs per year, %(unit)s") % {"unit": unit_name},
        cols,
        rows,
        notes=[_("Whole calendar years within the horizon; expected values.")],
        source=SOURCE,
        counts_people=False,
    )


def cost_years_chart(table: Table) -> Chart:
    return line_chart(
        table, x="year", series=[c.key for c in table.columns[1:]], y_label=_("Euros per year")
    )


# ------------------------------------------------------------------ capacity plan
def plan_tables(summary: Mapping[str, Any], names: Mapping[str, str]) -> list[Table]:
    target = summary["target"]
    steps = summary.get("steps", [])
    rows = []
    cumulative = 0.0
    for i, s in enumerate(steps, start=1):
        cumulative += s["cost_per_year"]
        rows.append(
            Row(
                {
                    "step": str(i),
                    "product": PRODUCT_LABELS.get(s["product"], s["product"]),
                    "municipality": names.get(s["municipality"], s["municipality"]),
                    "places": s["places"],
                    "cost": money(s["cost_per_year"]),
                    "cumulative": money(cumulative),
                    "before": s["before"][0],
                    "after": s["after"][0],
                },
                key=f"s{i}",
            )
        )
    label = OUTPUT_LABELS.get(target["output"], target["output"])
    before, after = gettext("before"), gettext("after")
    steps_table = Table(
        "steps",
        _("Steps, cheapest effect first"),
        [
            Column("step", _("Step")),
            Column("product", _("Product")),
            Column("municipality", _("Municipality")),
            Column("places", _("Extra places"), "int", counts_people=False),
            Column("cost", _("Costs per year"), "money", decimals=0),
            Column("cumulative", _("Costs per year, cumulative"), "money", decimals=0),
            Column("before", f"{label}: {before}", "decimal"),
            Column("after", f"{label}: {after}", "decimal"),
        ],
        rows,
        notes=[
            _(
                "Each step adds the block of places that lowers the waiting time most per "
                "euro, given the steps before it. Before/after: the %(p)s%% quantile over "
                "the parameter draws (the worst unit when the target is for every one)."
            )
            % {"p": round(100 * float(target["probability"]))}
        ],
        source=SOURCE,
        counts_people=False,
    )
    extra = [
        Row(
            {
                "product": PRODUCT_LABELS.get(e["product"], e["product"]),
                "municipality": names.get(e["municipality"], e["municipality"]),
                "places": e["places"],
            },
            key=f"e{i}",
        )
        for i, e in enumerate(summary.get("extra_places", []))
    ]
    extra_table = Table(
        "places",
        _("Places needed per product and municipality"),
        [
            Column("product", _("Product")),
            Column("municipality", _("Municipality")),
            Column("places", _("Extra places"), "int", counts_people=False),
        ],
        extra,
        footer=[
            Row(
                {
                    "product": _("Total"),
                    "places": sum(e["places"] for e in summary.get("extra_places", [])),
                },
                key="total",
            )
        ],
        source=SOURCE,
        counts_people=False,
    )
    return [steps_table, extra_table]


def plan_chart(steps_table: Table, threshold: float) -> Chart:
    return line_chart(
        steps_table,
        x="step",
        series=["after"],
        targets=[Target(_("Target"), threshold)],
        y_label=_("Months"),
    )


# ------------------------------------------------------------------ backtest
def backtest_scores_table(summary: Mapping[str, Any]) -> Table:
    rows = [
        Row(
            {
                "output": OUTPUT_LABELS.get(o, o),
                "mape": summary["mape"].get(o),
                "coverage": summary["coverage_by_output"].get(o),
            },
            key=o,
        )
        for o in summary.get("outputs", [])
    ]
    return Table(
        "scores",
        _("Forecast error on the held-out months"),
        [
            Column("output", _("Stock")),
            Column("mape", _("MAPE"), "percent"),
            Column("coverage", _("Months in the P10-P90 band"), "percent"),
        ],
        rows,
        footer=[
            Row(
                {
                    "output": _("All"),
                    "mape": None,
                    "coverage": summary.get("coverage"),
                },
                key="all",
            )
        ],
        notes=[
            _(
                "MAPE: mean absolute difference between the forecast and the event log, as a "
                "share of the event log (months above zero). A well calibrated band holds the "
                "truth in about 80% of the months; far less means the bands are too narrow."
            )
        ],
        source=SOURCE,
        counts_people=False,
    )


def backtest_table(summary: Mapping[str, Any], output: str) -> Table:
    """Month by month the truth (counts of people) against the band, for the region."""
    truth = summary["truth"][output]
    rows = [
        Row(
            {
                "month": _month(label),
                "truth": round(truth[t]),
                "p50": _f(summary["p50"][output][t]),
                "p10": _f(summary["p10"][output][t]),
                "p90": _f(summary["p90"][output][t]),
            },
            key=f"m{t}",
        )
        for t, label in enumerate(summary["months"])
    ]
    return Table(
        f"backtest-{output}",
        _("%(output)s: event log against the forecast") % {"output": OUTPUT_LABELS[output]},
        [
            Column("month", _("Month"), "month"),
            Column("truth", _("Event log"), "int"),
            Column("p50", _("Forecast P50"), "decimal", decimals=0, counts_people=False),
            Column("p10", "P10", "decimal", decimals=0, counts_people=False),
            Column("p90", "P90", "decimal", decimals=0, counts_people=False),
        ],
        rows,
        source=SOURCE,
    )


def backtest_chart(table: Table) -> Chart:
    return line_chart(
        table, x="month", series=["truth", "p50"], band=("p10", "p90"), band_label=_("P10-P90")
    )
