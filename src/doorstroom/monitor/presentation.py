"""The monitor's tables and charts, built from ``core.metrics`` figures.

Every figure on the monitor pages is a cell of a :class:`~doorstroom.web.tables.Table`
(charts are drawn from those tables and have them as their text alternative), so
disclosure control, downloads and the PDF report all work on the same objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstroom.core import metrics
from doorstroom.core.journey import BT_PRODUCTS, MO_PRODUCTS, Product
from doorstroom.core.kpi import Progress, Status
from doorstroom.journey.display import CHANNEL_LABELS
from doorstroom.web.charts import Chart, Target, bar_chart, line_chart, sankey
from doorstroom.web.tables import BODY, Column, Row, Table

GROUPS: dict[str, tuple[str, ...]] = {
    "bw": (Product.BW.value,),
    "bt": tuple(sorted(p.value for p in BT_PRODUCTS)),
    "mo": tuple(sorted(p.value for p in MO_PRODUCTS)),
}
GROUP_LABELS: dict[str, Promise] = {
    "bw": _("Beschermd Wonen (BW)"),
    "bt": _("Beschermd Thuis (BT)"),
    "mo": _("Shelter (MO)"),
}
DESTINATION_GROUPS: dict[str, tuple[str, ...]] = {
    "home_origin": ("home_origin", "home_origin_supported"),
    "home_region": ("home_region", "home_region_supported"),
    "home_outside": ("home_outside", "home_outside_supported"),
    "family": ("family",),
    "care": ("wlz", "clinic"),
    "detention": ("detention",),
    "unknown": ("unknown", "deceased"),
}
DESTINATION_GROUP_LABELS: dict[str, Promise] = {
    "home_origin": _("Own home, municipality of origin"),
    "home_region": _("Own home, elsewhere in the region"),
    "home_outside": _("Own home, outside the region"),
    "family": _("Family"),
    "care": _("Clinic or long-term care (Wlz)"),
    "detention": _("Detention"),
    "unknown": _("Unknown or deceased"),
}
AGE_LABELS: dict[str, Promise] = {
    "18-24": _("18-24 years"),
    "25-44": _("25-44 years"),
    "45-64": _("45-64 years"),
    "65+": _("65 years and older"),
}
SOURCE = _("doorstroom, journey event log of the region")


def _sum(
    figures: metrics.Figures,
    metric: str,
    month: date,
    categories: Sequence[str],
    municipality: str = "",
) -> int | None:
    values = [
        figures.value(metric, month, municipality=municipality, category=c) for c in categories
    ]
    present = [v for v in values if v is not None]
    return round(sum(present)) if present else None


def _value(figures: metrics.Figures, metric: str, month: date, **kw: str) -> float | None:
    return figures.value(metric, month, **kw)


def _int(value: float | None) -> int | None:
    return round(value) if value is not None else None


# ---------------------------------------------------------------- key figures
@dataclass(frozen=True)
class KeyFigures:
    counts: Table
    ratios: Table
    tiles: list[dict[str, Any]]


def key_figures(two_years: metrics.Figures) -> KeyFigures:
    """Key figures of the last twelve months and the twelve before (a two-period grid)."""
    before, now = two_years.months.starts
    f = two_years

    def stock(
        categories: Sequence[str], metric: str = "stock_in_care"
    ) -> tuple[int | None, int | None]:
        return _sum(f, metric, now, categories), _sum(f, metric, before, categories)

    rows_spec: list[tuple[str, Promise, tuple[int | None, int | None]]] = [
        ("in_care_bw", _("Clients in Beschermd Wonen (at the end)"), stock(GROUPS["bw"])),
        ("in_care_bt", _("Clients in Beschermd Thuis (at the end)"), stock(GROUPS["bt"])),
        ("in_care_mo", _("Clients in shelter (at the end)"), stock(GROUPS["mo"])),
        ("waiting", _("On a waiting list (at the end)"), stock(("",), "stock_waiting")),
        ("ready", _("Ready to move on, waiting (at the end)"), stock(("",), "stock_ready")),
        ("applications", _("Applications"), stock(("",), "applications")),
        (
            "applications_youth",
            _("of which young people (18-24)"),
            stock(("18-24",), "applications"),
        ),
        ("placements", _("New placements"), stock(("",), "placements")),
        ("bw_to_bt", _("Transfers from BW to BT"), stock(("",), "bw_to_bt")),
        ("exits", _("Exits from care"), stock(("",), "exits")),
        ("exits_home", _("of which to an own home"), stock(("",), "exits_home")),
        (
            "exits_home_origin",
            _("of which in the municipality of origin"),
            stock(("",), "exits_home_origin"),
        ),
    ]
    counts = Table(
        id="key-counts",
        title=_("Key figures: numbers of clients"),
        columns=[
            Column("label", _("Figure")),
            Column("now", _("Now / last 12 months"), "int"),
            Column("before", _("A year earlier"), "int"),
        ],
        rows=[
            Row(
                {"label": label, "now": a, "before": b},
                key=key,
                level=1 if str(label).startswith(("of ", "waarvan")) else 0,
            )
            for key, label, (a, b) in rows_spec
        ],
        notes=[_("Stocks are counted on the last day of the period; flows over the period.")],
        source=SOURCE,
    )

    def ratio_row(month: date, key: str, label: Promise) -> Row:
        apps = _value(f, "applications", month) or 0
        youth = _value(f, "applications", month, category="18-24") or 0
        home = _value(f, "exits_home", month) or 0
        origin = _value(f, "exits_home_origin", month) or 0
        return Row(
            {
                "label": label,
                "youth_share": youth / apps if apps else None,
                "apps": _int(apps),
                "youth": _int(youth),
                "origin_share": origin / home if home else None,
                "home": _int(home),
                "origin": _int(origin),
                "waiting_time": _value(f, "waiting_time_p50", month),
                "waiting_time_p90": _value(f, "waiting_time_p90", month),
                "waiting_n": _int(_value(f, "waiting_time_n", month)),
                "ready_wait": _value(f, "ready_wait_p50", month),
                "ready_n": _int(_value(f, "ready_wait_n", month)),
                "occupancy": _value(f, "occupancy", month),
                "bt_places_per_10k": _value(f, "bt_places_per_10k", month),
            },
            key=key,
        )

    ratios = Table(
        id="key-ratios",
        title=_("Key figures: shares and waiting times"),
        columns=[
            Column("label", _("Period")),
            Column(
                "youth_share",
                _("Share 18-24 in applications"),
                "percent",
                derived_from=("youth", "apps"),
            ),
            Column(
                "origin_share",
                _("Exits to a home: share in the municipality of origin"),
                "percent",
                derived_from=("origin", "home"),
            ),
            Column(
                "waiting_time",
                _("Waiting time decision to placement, median (days)"),
                "days",
                derived_from=("waiting_n",),
            ),
            Column(
                "waiting_time_p90",
                _("Waiting time, 90th percentile (days)"),
                "days",
                derived_from=("waiting_n",),
            ),
            Column(
                "ready_wait",
                _("Ready to move on until leaving, median (days)"),
                "days",
                derived_from=("ready_n",),
            ),
            Column("occupancy", _("Occupancy at the end"), "percent", counts_people=False),
            Column(
                "bt_places_per_10k",
                _("BT places per 10,000 inhabitants"),
                "decimal",
                counts_people=False,
            ),
        ],
        rows=[
            ratio_row(now, "now", _("Last 12 months")),
            ratio_row(before, "before", _("12 months before")),
        ],
        source=SOURCE,
    )
    tiles = [
        {"key": key, "label": label, "now": a, "before": b}
        for key, label, (a, b) in rows_spec
        if key in {"in_care_bw", "in_care_bt", "waiting", "ready"}
    ]
    return KeyFigures(counts, ratios, tiles)


def two_year_grid(as_of: date) -> metrics.Months:
    """The last twelve months up to ``as_of`` and the twelve before."""
    start_now = _minus_year(as_of) + timedelta(days=1)
    start_before = _minus_year(start_now - timedelta(days=1)) + timedelta(days=1)
    return metrics.Months((start_before, start_now), (start_now - timedelta(days=1), as_of), as_of)


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return date(day.year - 1, 2, 28)


# ---------------------------------------------------------------- monthly series
def _monthly_table(
    table_id: str,
    title: Promise,
    figures: metrics.Figures,
    columns: Sequence[tuple[str, Promise, Any]],
    *,
    kind: str = "int",
    total: tuple[str, Promise] | None = None,
    notes: Sequence[Promise] = (),
    extra: Sequence[Column] = (),
) -> Table:
    """Months as rows; ``columns`` are (key, label, value function of the month)."""
    cols = [Column("month", _("Month"), "month")]
    cols += [Column(key, label, kind) for key, label, _fn in columns]  # type: ignore[arg-type]
    if total is not None:
        cols.append(Column(total[0], total[1], kind, sum_of=tuple(k for k, _l, _f in columns)))  # type: ignore[arg-type]
    cols += list(extra)
    rows = []
    for month in figures.months.starts:
        cells: dict[str, Any] = {"month": month}
        for key, _label, fn in columns:
            cells[key] = fn(month)
        if total is not None:
            present = [cells[k] for k, _l, _f in columns if cells[k] is not None]
            cells[total[0]] = sum(present) if present else None
        for column in extra:
            cells[column.key] = None
        rows.append(Row(cells, key=month.isoformat()))
    return Table(id=table_id, title=title, columns=cols, rows=rows, notes=notes, source=SOURCE)


def in_care_table(f: metrics.Figures) -> Table:
    return _monthly_table(
        "in-care",
        _("Clients in care at the end of the month"),
        f,
        [
            (g, GROUP_LABELS[g], lambda m, g=g: _sum(f, "stock_in_care", m, GROUPS[g]))
            for g in ("bw", "bt", "mo")
        ],
        total=("total", _("Total")),
    )


def inflow_table(f: metrics.Figures) -> Table:
    bands = ("18-24", "25-44", "45-64", "65+")
    return _monthly_table(
        "inflow",
        _("Applications per month by age band"),
        f,
        [
            (b, AGE_LABELS[b], lambda m, b=b: _int(_value(f, "applications", m, category=b) or 0))
            for b in bands
        ],
        total=("total", _("Total")),
    )


def quarter_label(start: date) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}


def channel_table(f: metrics.Figures) -> Table:
    """Applications per quarter by referral channel (quarters: fewer hidden small cells)."""
    channels = list(CHANNEL_LABELS)
    rows = []
    for month in f.months.starts:
        cells: dict[str, Any] = {"month": quarter_label(month)}
        for c in channels:
            cells[c] = _int(_value(f, "applications", month, category=c) or 0)
        cells["total"] = sum(v for k, v in cells.items() if k != "month")
        rows.append(Row(cells, key=month.isoformat()))
    return Table(
        id="channels",
        title=_("Applications per quarter by referral channel"),
        columns=[
            Column("month", _("Quarter")),
            *[Column(c, CHANNEL_LABELS[c], "int") for c in channels],
            Column("total", _("Total"), "int", sum_of=tuple(channels)),
        ],
        rows=rows,
        source=SOURCE,
    )


def waiting_table(f: metrics.Figures) -> Table:
    table = _monthly_table(
        "waiting",
        _("Waiting lists at the end of the month"),
        f,
        [
            (g, GROUP_LABELS[g], lambda m, g=g: _sum(f, "stock_waiting", m, GROUPS[g]))
            for g in ("bw", "bt", "mo")
        ],
        total=("total", _("Total")),
        notes=[
            _(
                "Clients who are not in care yet; clients in care waiting for a lighter form are not included."
            )
        ],
    )
    return table


def waiting_time_table(f: metrics.Figures) -> Table:
    rows = []
    for month in f.months.starts:
        rows.append(
            Row(
                {
                    "month": month,
                    "p50": _value(f, "waiting_time_p50", month),
                    "p90": _value(f, "waiting_time_p90", month),
                    "n": _int(_value(f, "waiting_time_n", month) or 0),
                },
                key=month.isoformat(),
            )
        )
    return Table(
        id="waiting-time",
        title=_("Waiting time from decision to placement (days)"),
        columns=[
            Column("month", _("Month of placement"), "month"),
            Column("p50", _("Median"), "days", derived_from=("n",)),
            Column("p90", _("90th percentile"), "days", derived_from=("n",)),
            Column("n", _("Placements"), "int"),
        ],
        rows=rows,
        source=SOURCE,
    )


def outflow_table(f: metrics.Figures) -> Table:
    """Exits per quarter by destination (quarters: fewer hidden small cells)."""
    groups = list(DESTINATION_GROUPS)
    rows = []
    for month in f.months.starts:
        cells: dict[str, Any] = {"month": quarter_label(month)}
        for g in groups:
            cells[g] = _sum(f, "exits", month, DESTINATION_GROUPS[g]) or 0
        cells["total"] = sum(cells[g] for g in groups)
        home = cells["home_origin"] + cells["home_region"] + cells["home_outside"]
        cells["share_origin"] = cells["home_origin"] / home if home else None
        cells["home"] = home
        rows.append(Row(cells, key=month.isoformat()))
    return Table(
        id="outflow",
        title=_("Exits per quarter by destination"),
        columns=[
            Column("month", _("Quarter")),
            *[Column(g, DESTINATION_GROUP_LABELS[g], "int") for g in groups],
            Column("total", _("Total"), "int", sum_of=tuple(groups)),
            Column(
                "share_origin",
                _("Share of exits to a home in the municipality of origin"),
                "percent",
                derived_from=("home_origin", "home"),
            ),
        ],
        rows=rows,
        source=SOURCE,
    )


def throughflow_table(f: metrics.Figures) -> Table:
    rows = []
    for month in f.months.starts:
        rows.append(
            Row(
                {
                    "month": month,
                    "bw_to_bt": _int(_value(f, "bw_to_bt", month) or 0),
                    "ready": _int(_value(f, "stock_ready", month)),
                    "ready_wait": _value(f, "ready_wait_p50", month),
                    "ready_n": _int(_value(f, "ready_wait_n", month) or 0),
                    "backlog_age": _value(f, "ready_backlog_age_p50", month),
                },
                key=month.isoformat(),
            )
        )
    return Table(
        id="throughflow",
        title=_("Throughflow and the 'ready to move on' backlog"),
        columns=[
            Column("month", _("Month"), "month"),
            Column("bw_to_bt", _("Transfers BW to BT"), "int"),
            Column("ready", _("Ready to move on, waiting (end of month)"), "int"),
            Column(
                "ready_wait",
                _("Time ready until leaving, median (days)"),
                "days",
                derived_from=("ready_n",),
            ),
            Column(
                "backlog_age",
                _("Time waiting so far, median of the backlog (days)"),
                "days",
                derived_from=("ready",),
            ),
        ],
        rows=rows,
        source=SOURCE,
    )


def capacity_table(f: metrics.Figures) -> Table:
    month = f.months.starts[-1]
    products = [p for p in Product if p.value in {v for g in GROUPS.values() for v in g}]
    from doorstroom.facilities.products import PRODUCT_LABELS

    rows = []
    for p in products:
        places = _int(_value(f, "places", month, category=p.value))
        occupied = _int(_value(f, "occupied", month, category=p.value))
        if places is None and occupied is None:
            continue
        rows.append(
            Row(
                {
                    "product": PRODUCT_LABELS[p],
                    "places": places or 0,
                    "occupied": occupied or 0,
                    "occupancy": (occupied or 0) / places if places else None,
                },
                key=p.value,
            )
        )
    return Table(
        id="capacity",
        title=_("Places and occupancy at the end of the period"),
        columns=[
            Column("product", _("Type")),
            Column("places", _("Places"), "int", counts_people=False),
            Column("occupied", _("Occupied"), "int"),
            Column("occupancy", _("Occupancy"), "percent", counts_people=False),
        ],
        rows=rows,
        footer=[
            Row(
                {
                    "product": _("Total"),
                    "places": sum(r.cells["places"] for r in rows),
                    "occupied": sum(r.cells["occupied"] for r in rows),
                    "occupancy": (sum(r.cells["occupied"] for r in rows) / s)
                    if (s := sum(r.cells["places"] for r in rows))
                    else None,
                },
                key="total",
                sum_of=BODY,
            )
        ],
        source=SOURCE,
    )


def returns_table(yearly: metrics.Figures) -> Table:
    rows = []
    for year in yearly.months.starts:
        rows.append(
            Row(
                {
                    "year": str(year.year),
                    "returns": _int(_value(yearly, "returns", year) or 0),
                    "rate_6": _value(yearly, "return_rate_6", year),
                    "rate_12": _value(yearly, "return_rate_12", year),
                    "rate_24": _value(yearly, "return_rate_24", year),
                    "exits": _int(_value(yearly, "exits", year) or 0),
                },
                key=str(year.year),
            )
        )
    return Table(
        id="returns",
        title=_("Returns after an exit"),
        columns=[
            Column("year", _("Year")),
            Column("returns", _("Applications that are a return"), "int"),
            Column("exits", _("Exits"), "int"),
            Column(
                "rate_6",
                _("Of the exits: back within 6 months"),
                "percent",
                derived_from=("exits",),
            ),
            Column("rate_12", _("... within 12 months"), "percent", derived_from=("exits",)),
            Column("rate_24", _("... within 24 months"), "percent", derived_from=("exits",)),
        ],
        rows=rows,
        notes=[_("A share is given only when its whole window has passed.")],
        source=SOURCE,
    )


# ---------------------------------------------------------------- charts
def in_care_chart(table: Table) -> Chart:
    return line_chart(table, x="month", series=["bw", "bt", "mo"], y_label=_("clients"))


def inflow_chart(table: Table, targets: Sequence[Target] = ()) -> Chart:
    return line_chart(
        table, x="month", series=["total", "18-24"], targets=targets, y_label=_("applications")
    )


def waiting_chart(table: Table) -> Chart:
    return line_chart(table, x="month", series=["bw", "bt", "mo"], y_label=_("clients"))


def waiting_time_chart(table: Table) -> Chart:
    return line_chart(table, x="month", series=["p50", "p90"], y_label=_("days"))


def outflow_chart(table: Table) -> Chart:
    return bar_chart(
        table, category="month", series=list(DESTINATION_GROUPS), stacked=True, y_label=_("exits")
    )


def throughflow_chart(table: Table) -> Chart:
    return line_chart(table, x="month", series=["ready", "bw_to_bt"], y_label=_("clients"))


# ---------------------------------------------------------------- municipalities
COMPARISON_INDICATORS: dict[str, Promise] = {
    "applications_per_10k": _("Applications per 10,000 inhabitants"),
    "youth_share": _("Share 18-24 in applications"),
    "in_care_per_10k": _("In care per 10,000 inhabitants"),
    "bt_places_per_10k": _("BT places per 10,000 inhabitants"),
    "origin_share": _("Exits to a home: share in the municipality of origin"),
    "ready": _("Ready to move on, waiting"),
}


def comparison_table(
    window: metrics.Figures,
    municipalities: Sequence[tuple[str, str]],
    populations: Mapping[str, int],
) -> Table:
    """One row per municipality of origin for a window period (e.g. the last 12 months)."""
    (period,) = window.months.starts
    rows = []
    for code, name in municipalities:
        pop = populations.get(code)
        apps = _int(_value(window, "applications", period, municipality=code) or 0) or 0
        youth = (
            _int(_value(window, "applications", period, municipality=code, category="18-24") or 0)
            or 0
        )
        in_care = _int(_value(window, "stock_in_care", period, municipality=code) or 0) or 0
        bt_in_care = _sum(window, "stock_in_care", period, GROUPS["bt"], municipality=code) or 0
        home = _int(_value(window, "exits_home", period, municipality=code) or 0) or 0
        origin = _int(_value(window, "exits_home_origin", period, municipality=code) or 0) or 0
        bt_places = _int(_value(window, "bt_places", period, municipality=code) or 0) or 0
        rows.append(
            Row(
                {
                    "name": name,
                    "population": pop,
                    "applications": apps,
                    "applications_per_10k": apps / pop * 10_000 if pop else None,
                    "youth": youth,
                    "youth_share": youth / apps if apps else None,
                    "in_care": in_care,
                    "in_care_per_10k": in_care / pop * 10_000 if pop else None,
                    "bt_in_care": bt_in_care,
                    "waiting": _int(
                        _value(window, "stock_waiting", period, municipality=code) or 0
                    ),
                    "ready": _int(_value(window, "stock_ready", period, municipality=code) or 0),
                    "home": home,
                    "origin": origin,
                    "origin_share": origin / home if home else None,
                    "bt_places": bt_places,
                    "bt_places_per_10k": bt_places / pop * 10_000 if pop else None,
                    "has_bt": _("yes") if bt_places else _("no"),
                },
                key=code,
            )
        )
    count_keys = (
        "applications",
        "youth",
        "in_care",
        "bt_in_care",
        "waiting",
        "ready",
        "home",
        "origin",
    )
    footer_cells: dict[str, Any] = {"name": _("Region")}
    for key in (*count_keys, "bt_places"):
        footer_cells[key] = sum(r.cells[key] or 0 for r in rows)
    total_pop = sum(p for p in populations.values())
    footer_cells.update(
        {
            "population": total_pop or None,
            "applications_per_10k": footer_cells["applications"] / total_pop * 10_000
            if total_pop
            else None,
            "youth_share": footer_cells["youth"] / footer_cells["applications"]
            if footer_cells["applications"]
            else None,
            "in_care_per_10k": footer_cells["in_care"] / total_pop * 10_000 if total_pop else None,
            "origin_share": footer_cells["origin"] / footer_cells["home"]
            if footer_cells["home"]
            else None,
            "bt_places_per_10k": footer_cells["bt_places"] / total_pop * 10_000
            if total_pop
            else None,
            "has_bt": "",
        }
    )
    return Table(
        id="municipalities",
        title=_("Municipalities of origin compared"),
        columns=[
            Column("name", _("Municipality")),
            Column("population", _("Inhabitants"), "int", counts_people=False),
            Column("applications", _("Applications"), "int"),
            Column(
                "applications_per_10k",
                _("Applications per 10,000"),
                "decimal",
                derived_from=("applications",),
            ),
            Column(
                "youth_share", _("Share 18-24"), "percent", derived_from=("youth", "applications")
            ),
            Column("in_care", _("In care (end)"), "int"),
            Column(
                "in_care_per_10k", _("In care per 10,000"), "decimal", derived_from=("in_care",)
            ),
            Column("waiting", _("Waiting (end)"), "int"),
            Column("ready", _("Ready to move on (end)"), "int"),
            Column(
                "origin_share",
                _("Exits to a home in own municipality"),
                "percent",
                derived_from=("origin", "home"),
            ),
            Column("bt_places", _("BT places"), "int", counts_people=False),
            Column("bt_places_per_10k", _("BT places per 10,000"), "decimal", counts_people=False),
            Column("has_bt", _("BT in the municipality")),
        ],
        rows=rows,
        footer=[Row(footer_cells, key="region", sum_of=BODY)],
        notes=[
            _(
                "Municipality of origin: where the client lived before applying. Places: where the facility is."
            ),
            _("Flows over the period; stocks (in care, waiting) at its end."),
        ],
        source=SOURCE,
    )


def comparison_chart(table: Table, indicator: str) -> Chart:
    return bar_chart(
        table,
        category="name",
        series=[indicator],
        horizontal=True,
        y_label=COMPARISON_INDICATORS[indicator],
    )


# ---------------------------------------------------------------- pathways
PATH_FIRST: dict[str, Promise] = dict(CHANNEL_LABELS.items())
PATH_SECOND: dict[str, Promise] = {
    "bw": _("Decision: BW"),
    "bt": _("Decision: BT"),
    "mo": _("Decision: MO"),
    "ambulant": _("Ambulant support"),
    "not_eligible": _("Not eligible"),
    "open": _("Not decided yet"),
}
PATH_THIRD: dict[str, Promise] = {
    "in_care": _("Still in care"),
    "waiting": _("Still waiting"),
    "home_origin": _("Home in own municipality"),
    "home_other": _("Home elsewhere"),
    "other_exit": _("Other exit"),
    "stopped": _("Withdrawn or expired"),
    "closed": _("No place needed"),
}


def pathway_flows(
    spells: Any, filters: metrics.Filters, first: date, last: date
) -> list[tuple[str, str, int]]:
    """(source, target, count) flows of the episodes that started in [first, last]:
    channel -> decision -> where they are now."""
    import polars as pl

    episodes = filters.apply(spells.episodes).filter(
        (pl.col("applied") >= first) & (pl.col("applied") <= last)
    )
    if episodes.height == 0:
        return []
    exits = spells.exits.select(
        "client", "episode", pl.col("destination").cast(pl.String).alias("dest")
    )
    in_care = (
        spells.stays.filter(pl.col("end").is_null())
        .select("client", "episode")
        .unique()
        .with_columns(pl.lit(True).alias("care"))
    )
    frame = episodes.join(exits, on=["client", "episode"], how="left").join(
        in_care, on=["client", "episode"], how="left"
    )
    group_of = {v: g for g, values in GROUPS.items() for v in values}
    flows: dict[tuple[str, str], int] = {}
    for row in frame.select("channel", "product", "outcome", "dest", "care").iter_rows():
        channel, product, outcome, dest, care = row
        second = group_of.get(product or "", product or "open") if product else "open"
        if second not in PATH_SECOND:
            second = "open"
        if care:
            third = "in_care"
        elif outcome == "exited":
            third = (
                "home_origin"
                if dest in DESTINATION_GROUPS["home_origin"]
                else "home_other"
                if dest in (*DESTINATION_GROUPS["home_region"], *DESTINATION_GROUPS["home_outside"])
                else "other_exit"
            )
        elif outcome in ("withdrawn", "expired"):
            third = "stopped"
        elif outcome in ("referred", "not_eligible"):
            third = "closed"
        else:
            third = "waiting"
        a = f"1:{channel}"
        b = f"2:{second}"
        c = f"3:{third}"
        flows[(a, b)] = flows.get((a, b), 0) + 1
        if second not in ("ambulant", "not_eligible", "open"):
            flows[(b, c)] = flows.get((b, c), 0) + 1
    return [(a, b, n) for (a, b), n in sorted(flows.items())]


def pathway_label(node: str) -> Promise | str:
    column, key = node.split(":", 1)
    return {"1": PATH_FIRST, "2": PATH_SECOND, "3": PATH_THIRD}[column].get(key, key)


def pathway_table(flows: Sequence[tuple[str, str, int]]) -> Table:
    return Table(
        id="pathways",
        title=_("Pathways: from application to where clients are now"),
        columns=[
            Column("source", _("From")),
            Column("target", _("To")),
            Column("count", _("Clients"), "int"),
        ],
        rows=[
            Row(
                {"source": str(pathway_label(a)), "target": str(pathway_label(b)), "count": n},
                key=f"{a}>{b}",
            )
            for a, b, n in flows
        ],
        notes=[_("Episodes that started in the period. A client who applied twice counts twice.")],
        source=SOURCE,
    )


def pathway_chart(table: Table, flows: Sequence[tuple[str, str, int]]) -> Chart:
    nodes: list[list[str]] = [[], [], []]
    for a, b, _n in flows:
        for node in (a, b):
            label = str(pathway_label(node))
            column = int(node.split(":", 1)[0]) - 1
            if label not in nodes[column]:
                nodes[column].append(label)
    order = [
        [str(PATH_FIRST[k]) for k in PATH_FIRST if str(PATH_FIRST[k]) in nodes[0]],
        [str(PATH_SECOND[k]) for k in PATH_SECOND if str(PATH_SECOND[k]) in nodes[1]],
        [str(PATH_THIRD[k]) for k in PATH_THIRD if str(PATH_THIRD[k]) in nodes[2]],
    ]
    return sankey(table, source="source", target="target", value="count", columns=order, height=460)


# ---------------------------------------------------------------- targets
STATUS_LABELS: dict[Status, Promise] = {
    Status.ON_TRACK: _("on track"),
    Status.OFF_TRACK: _("behind"),
    Status.NO_DATA: _("no data yet"),
}


def targets_table(items: Sequence[tuple[Any, Progress]], *, threshold: int | None = None) -> Table:
    """Targets with their progress. With a ``threshold`` (roles without client access),
    counts of people between 1 and threshold - 1 are hidden."""
    from doorstroom.core.kpi import KPIS, Unit

    def guard(value: float | None, unit: Unit) -> float | None:
        if threshold is None or unit is not Unit.COUNT or value is None:
            return value
        return None if 0 < value < threshold else value

    rows = []
    for target, p in items:
        unit = KPIS[target.kpi].unit
        scale = 100 if unit is Unit.PERCENT else 1
        rows.append(
            Row(
                {
                    "kpi": target.get_kpi_display(),
                    "where": target.municipality.name if target.municipality else _("Region"),
                    "baseline": _scaled(guard(p.baseline, unit), scale),
                    "goal": _scaled(p.goal, scale),
                    "target_year": str(target.target_year),
                    "current": _scaled(guard(p.current, unit), scale),
                    "expected": _scaled(p.expected, scale),
                    "status": STATUS_LABELS[p.status],
                },
                key=str(target.pk),
            )
        )
    return Table(
        id="targets",
        title=_("Targets of the region"),
        columns=[
            Column("kpi", _("Key figure")),
            Column("where", _("Where")),
            Column("baseline", _("Baseline year"), "decimal", counts_people=False),
            Column("goal", _("Target"), "decimal", counts_people=False),
            Column("target_year", _("In")),
            Column("current", _("Last 12 months"), "decimal", counts_people=False),
            Column("expected", _("On the path today"), "decimal", counts_people=False),
            Column("status", _("Status")),
        ],
        rows=rows,
        notes=[
            _(
                "Percentages are shown as numbers (12.5 = 12.5%). The path runs in a straight line from the baseline year to the target year."
            ),
            _("Numbers of clients below the disclosure threshold are not shown (—)."),
        ],
        source=SOURCE,
    )


def _scaled(value: float | None, scale: int) -> float | None:
    return value * scale if value is not None else None


def threshold() -> int:
    from doorstroom.web.tables import default_policy

    return int(default_policy().threshold)
