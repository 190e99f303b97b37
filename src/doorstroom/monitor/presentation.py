"""The monitor's tables and charts, built from ``core.metrics`` figures.

Every figure on the monitor pages is a cell of a :class:`~doorstroom.web.tables.Table`
(charts are drawn from those tables and have them as their text alternative), so
disclosure control, downloads and the PDF report all work on the same objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from doorstroom.core import metrics
from doorstroom.core.journey import BT_PRODUCTS, MO_PRODUCTS, Product
from doorstroom.core.kpi import Progress, Status
from doorstroom.journey.display import CHANNEL_LABELS
from doorstroom.web.charts import Chart, Target, bar_chart, line_chart, sankey
from doorstroom.web.tables import (
    BODY,
    Column,
    Row,
    Separators,
    StrOrPromise,
    Table,
    format_value,
)

GROUPS: dict[str, tuple[str, ...]] = {
    "bw": (Product.BW.value,),
    "bt": tuple(sorted(p.value for p in BT_PRODUCTS)),
    "mo": tuple(sorted(p.value for p in MO_PRODUCTS)),
}
GROUP_SHORT: dict[str, str] = {"bw": "BW", "bt": "BT", "mo": "MO"}
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


# ---------------------------------------------------------------- periods
PeriodKind = Literal["month", "quarter", "year", "period"]
PERIOD_STEPS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def period_kind(months: metrics.Months) -> PeriodKind:
    """What the periods of a grid are: calendar months, quarters or years (the last one
    may end early, at the as-of date), or anything else ("period")."""
    starts, lasts = months.starts, months.last_days
    for kind, step in PERIOD_STEPS.items():
        fits = True
        for i, (start, last) in enumerate(zip(starts, lasts, strict=True)):
            end = metrics._add_months(start, step) - timedelta(days=1)
            final = i == len(starts) - 1
            if (
                start.day != 1
                or (start.month - 1) % step
                or not (last == end or (final and start <= last < end))
            ):
                fits = False
                break
            if not final and starts[i + 1] != end + timedelta(days=1):
                fits = False
                break
        if fits and starts:
            return kind  # type: ignore[return-value]
    return "period"


def quarter_label(start: date) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}


def period_column(kind: PeriodKind) -> Column:
    """The first column of a table over periods; its key is always ``month``."""
    if kind == "month":
        return Column("month", _("Month"), "month")
    label = {"quarter": _("Quarter"), "year": _("Year")}.get(kind, _("Period"))
    return Column("month", label)


def _is_partial(kind: PeriodKind, start: date, last: date) -> bool:
    step = PERIOD_STEPS.get(kind)
    return step is not None and last < metrics._add_months(start, step) - timedelta(days=1)


def period_value(kind: PeriodKind, start: date, last: date) -> date | str:
    """The name of a period in a table: a month (a date), "K3 2026", "2026"; a quarter or
    year that is not over yet gets a star (see ``partial_note``)."""
    star = "*" if _is_partial(kind, start, last) else ""
    if kind == "month":
        return start
    if kind == "quarter":
        return quarter_label(start) + star
    if kind == "year":
        return str(start.year) + star
    return f"{date_format(start, 'j F Y')} \u2013 {date_format(last, 'j F Y')}"


def partial_note(months: metrics.Months) -> list[str]:
    """A note when the last period is not over yet (its flows are not complete)."""
    kind = period_kind(months)
    if not months.starts or not _is_partial(kind, months.starts[-1], months.last_days[-1]):
        return []
    day = date_format(months.last_days[-1], "j F Y")
    if kind == "month":
        return [
            _("The last month runs up to %(day)s: its flows are not complete yet.") % {"day": day}
        ]
    return [_("* Up to %(day)s: the period is not over yet.") % {"day": day}]


def _titled(kind: PeriodKind, month: Promise, quarter: Promise, other: Promise) -> Promise:
    return {"month": month, "quarter": quarter}.get(kind, other)


# ---------------------------------------------------------------- key figures
@dataclass(frozen=True)
class KeyFigures:
    counts: Table
    ratios: Table


KEY_COUNT_SUB = frozenset({"applications_youth", "exits_home", "exits_home_origin"})
HEADLINE = ("in_care_bw", "in_care_bt", "waiting", "ready")


def key_figures(
    two_periods: metrics.Figures,
    *,
    now: StrOrPromise | None = None,
    before: StrOrPromise | None = None,
) -> KeyFigures:
    """Key figures of two periods (e.g. the last twelve months and the twelve before, or a
    quarter and the same quarter a year earlier): stocks at the end of each, flows over
    each. ``now`` and ``before`` name the periods in the column headers."""
    earlier, later = two_periods.months.starts
    f = two_periods
    now = now or _("Last 12 months")
    before = before or _("12 months before")

    def pair(
        categories: Sequence[str], metric: str = "stock_in_care"
    ) -> tuple[int | None, int | None]:
        return _sum(f, metric, later, categories), _sum(f, metric, earlier, categories)

    rows_spec: list[tuple[str, Promise, tuple[int | None, int | None]]] = [
        ("in_care_bw", _("Clients in Beschermd Wonen (at the end)"), pair(GROUPS["bw"])),
        ("in_care_bt", _("Clients in Beschermd Thuis (at the end)"), pair(GROUPS["bt"])),
        ("in_care_mo", _("Clients in shelter (at the end)"), pair(GROUPS["mo"])),
        ("waiting", _("On a waiting list (at the end)"), pair(("",), "stock_waiting")),
        ("ready", _("Ready to move on, waiting (at the end)"), pair(("",), "stock_ready")),
        ("applications", _("Applications"), pair(("",), "applications")),
        (
            "applications_youth",
            _("of which young people (18-24)"),
            pair(("18-24",), "applications"),
        ),
        ("placements", _("New placements"), pair(("",), "placements")),
        ("bw_to_bt", _("Transfers from BW to BT"), pair(("",), "bw_to_bt")),
        ("exits", _("Exits from care"), pair(("",), "exits")),
        ("exits_home", _("of which to an own home"), pair(("",), "exits_home")),
        (
            "exits_home_origin",
            _("of which in the municipality of origin"),
            pair(("",), "exits_home_origin"),
        ),
    ]
    counts = Table(
        id="key-counts",
        title=_("Key figures: numbers of clients"),
        columns=[
            Column("label", _("Figure")),
            Column("now", now, "int"),
            Column("before", before, "int"),
            Column(
                "change",
                pgettext_lazy("key figures", "Change"),
                "percent",
                derived_from=("now", "before"),
            ),
        ],
        rows=[
            Row(
                {"label": label, "now": a, "before": b, "change": _change(a, b)},
                key=key,
                level=1 if key in KEY_COUNT_SUB else 0,
            )
            for key, label, (a, b) in rows_spec
        ],
        notes=[_("Stocks are counted on the last day of the period; flows over the period.")],
        source=SOURCE,
    )

    def ratio_row(month: date, key: str, label: StrOrPromise) -> Row:
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
                "youth_share", _("Young people (18-24)"), "percent", derived_from=("youth", "apps")
            ),
            Column(
                "origin_share",
                _("To a home in the own municipality"),
                "percent",
                derived_from=("origin", "home"),
            ),
            Column(
                "waiting_time",
                _("Waiting time, median (days)"),
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
                _("Ready to move on, median (days)"),
                "days",
                derived_from=("ready_n",),
            ),
            Column("occupancy", _("Occupancy (end)"), "percent", counts_people=False),
            Column(
                "bt_places_per_10k",
                _("BT places per 10,000 inhabitants"),
                "decimal",
                counts_people=False,
            ),
        ],
        rows=[ratio_row(later, "now", now), ratio_row(earlier, "before", before)],
        notes=[
            _("Young people: the share of the applications by people aged 18 to 24."),
            _(
                "To a home in the own municipality: of the exits to an own home, the share in "
                "the municipality of origin."
            ),
            _(
                "Waiting time: days from the decision to the placement, for the placements in "
                "the period. Ready to move on: days from 'ready to move on' until leaving that "
                "place, for those who left in the period."
            ),
        ],
        source=SOURCE,
    )
    return KeyFigures(counts, ratios)


def _change(now: int | None, before: int | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before


TILE_LABELS: dict[str, Promise] = {
    "in_care_bw": _("In Beschermd Wonen"),
    "in_care_bt": _("In Beschermd Thuis"),
    "in_care_mo": _("In shelter"),
    "waiting": _("On a waiting list"),
    "ready": _("Ready to move on"),
    "applications": _("Applications"),
    "applications_youth": _("Applications 18-24"),
    "placements": _("New placements"),
    "bw_to_bt": _("From BW to BT"),
    "exits": _("Exits"),
    "exits_home": _("Exits to an own home"),
    "exits_home_origin": _("To a home in the own municipality"),
}


def headline(counts: Table, keys: Sequence[str] = HEADLINE) -> list[tuple[str, str, str]]:
    """(short label, now, before) texts of some rows of the key-figure counts, with the
    disclosure marks of that table (protect it first where needed)."""
    seps = Separators.current()
    columns = {c.key: c for c in counts.columns}
    out = []
    for row in counts.body_rows:
        if row.key not in keys:
            continue
        texts = [
            counts.mark(row.key, key) or format_value(row.cells.get(key), columns[key], seps)
            for key in ("now", "before")
        ]
        out.append((str(TILE_LABELS.get(row.key, row.cells["label"])), texts[0], texts[1]))
    return out


def two_year_grid(as_of: date) -> metrics.Months:
    """The last twelve months up to ``as_of`` and the twelve before."""
    start_now = _minus_year(as_of) + timedelta(days=1)
    start_before = _minus_year(start_now - timedelta(days=1)) + timedelta(days=1)
    return metrics.Months((start_before, start_now), (start_now - timedelta(days=1), as_of), as_of)


def year_on_year_grid(start: date, last: date) -> metrics.Months:
    """A period (e.g. a quarter) and the same period a year earlier."""
    return metrics.Months((_minus_year(start), start), (_minus_year(last), last), last)


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return date(day.year - 1, 2, 28)


# ---------------------------------------------------------------- series over periods
def _period_table(
    table_id: str,
    title: Promise,
    figures: metrics.Figures,
    columns: Sequence[tuple[str, Promise, Any]],
    *,
    kind: str = "int",
    total: tuple[str, Promise] | None = None,
    notes: Sequence[Promise] = (),
    keep: Sequence[str] = (),
) -> Table:
    """Periods as rows; ``columns`` are (key, label, value function of the period start);
    ``keep``: the columns a chart is about (see ``Column.keep``)."""
    pk = period_kind(figures.months)
    cols = [period_column(pk)]
    cols += [Column(key, label, kind, keep=key in keep) for key, label, _fn in columns]  # type: ignore[arg-type]
    if total is not None:
        cols.append(Column(total[0], total[1], kind, sum_of=tuple(k for k, _l, _f in columns)))  # type: ignore[arg-type]
    rows = []
    for start, last in zip(figures.months.starts, figures.months.last_days, strict=True):
        cells: dict[str, Any] = {"month": period_value(pk, start, last)}
        for key, _label, fn in columns:
            cells[key] = fn(start)
        if total is not None:
            present = [cells[k] for k, _l, _f in columns if cells[k] is not None]
            cells[total[0]] = sum(present) if present else None
        rows.append(Row(cells, key=start.isoformat()))
    return Table(
        id=table_id,
        title=title,
        columns=cols,
        rows=rows,
        notes=[*notes, *partial_note(figures.months)],
        source=SOURCE,
    )


def in_care_table(f: metrics.Figures) -> Table:
    pk = period_kind(f.months)
    return _period_table(
        "in-care",
        _titled(
            pk,
            _("Clients in care at the end of the month"),
            _("Clients in care at the end of the quarter"),
            _("Clients in care at the end of the period"),
        ),
        f,
        [
            (g, GROUP_LABELS[g], lambda m, g=g: _sum(f, "stock_in_care", m, GROUPS[g]))
            for g in ("bw", "bt", "mo")
        ],
        # no total column: with a total, a small shelter count would hide BT as well
        keep=("bw", "bt"),
    )


def inflow_table(f: metrics.Figures) -> Table:
    bands = ("18-24", "25-44", "45-64", "65+")
    pk = period_kind(f.months)
    return _period_table(
        "inflow",
        _titled(
            pk,
            _("Applications per month by age band"),
            _("Applications per quarter by age band"),
            _("Applications by age band"),
        ),
        f,
        [
            (b, AGE_LABELS[b], lambda m, b=b: _int(_value(f, "applications", m, category=b) or 0))
            for b in bands
        ],
        total=("total", _("Total")),
        keep=("18-24",),
    )


def channel_table(f: metrics.Figures) -> Table:
    """Applications by referral channel (best per quarter: fewer hidden small cells)."""
    channels = list(CHANNEL_LABELS)
    pk = period_kind(f.months)
    rows = []
    for start, last in zip(f.months.starts, f.months.last_days, strict=True):
        cells: dict[str, Any] = {"month": period_value(pk, start, last)}
        for c in channels:
            cells[c] = _int(_value(f, "applications", start, category=c) or 0)
        cells["total"] = sum(v for k, v in cells.items() if k != "month")
        rows.append(Row(cells, key=start.isoformat()))
    return Table(
        id="channels",
        title=_titled(
            pk,
            _("Applications per month by referral channel"),
            _("Applications per quarter by referral channel"),
            _("Applications by referral channel"),
        ),
        columns=[
            period_column(pk),
            *[Column(c, capfirst(CHANNEL_LABELS[c]), "int") for c in channels],
            Column("total", _("Total"), "int", sum_of=tuple(channels)),
        ],
        rows=rows,
        notes=partial_note(f.months),
        source=SOURCE,
    )


def waiting_table(f: metrics.Figures) -> Table:
    pk = period_kind(f.months)
    return _period_table(
        "waiting",
        _titled(
            pk,
            _("Waiting lists at the end of the month"),
            _("Waiting lists at the end of the quarter"),
            _("Waiting lists at the end of the period"),
        ),
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


def waiting_time_table(by_group: Mapping[str, metrics.Figures]) -> Table:
    """Waiting time from decision to placement per product group (BW, BT, MO): the groups
    wait very differently, so one median over all of them would mostly show the mix.
    ``by_group``: figures computed with a filter on each group's products."""
    groups = [g for g in GROUPS if g in by_group]
    f = by_group[groups[0]]
    pk = period_kind(f.months)
    rows = []
    for start, last in zip(f.months.starts, f.months.last_days, strict=True):
        cells: dict[str, Any] = {"month": period_value(pk, start, last)}
        for g in groups:
            cells[f"{g}_p50"] = _value(by_group[g], "waiting_time_p50", start)
            cells[f"{g}_p90"] = _value(by_group[g], "waiting_time_p90", start)
            cells[f"{g}_n"] = _int(_value(by_group[g], "waiting_time_n", start) or 0)
        rows.append(Row(cells, key=start.isoformat()))
    first = period_column(pk)
    first = Column(
        "month",
        _titled(pk, _("Month of placement"), _("Quarter of placement"), first.label),  # type: ignore[arg-type]
        first.kind,
    )
    columns = [first]
    for g in groups:
        name = GROUP_SHORT[g]
        columns += [
            Column(
                f"{g}_p50",
                _("%(group)s: median") % {"group": name},
                "days",
                derived_from=(f"{g}_n",),
            ),
            Column(
                f"{g}_p90",
                _("%(group)s: 90th percentile") % {"group": name},
                "days",
                derived_from=(f"{g}_n",),
            ),
            Column(f"{g}_n", _("%(group)s: placements") % {"group": name}, "int"),
        ]
    return Table(
        id="waiting-time",
        title=_("Waiting time from decision to placement (days)"),
        columns=columns,
        rows=rows,
        notes=[
            _("Placements from a waiting list in the period, by the product placed in."),
            *partial_note(f.months),
        ],
        source=SOURCE,
    )


def outflow_table(f: metrics.Figures) -> Table:
    """Exits by destination (best per quarter: fewer hidden small cells)."""
    groups = list(DESTINATION_GROUPS)
    pk = period_kind(f.months)
    rows = []
    for start, last in zip(f.months.starts, f.months.last_days, strict=True):
        cells: dict[str, Any] = {"month": period_value(pk, start, last)}
        for g in groups:
            cells[g] = _sum(f, "exits", start, DESTINATION_GROUPS[g]) or 0
        cells["total"] = sum(cells[g] for g in groups)
        home = cells["home_origin"] + cells["home_region"] + cells["home_outside"]
        cells["share_origin"] = cells["home_origin"] / home if home else None
        cells["home"] = home
        rows.append(Row(cells, key=start.isoformat()))
    return Table(
        id="outflow",
        title=_titled(
            pk,
            _("Exits per month by destination"),
            _("Exits per quarter by destination"),
            _("Exits by destination"),
        ),
        columns=[
            period_column(pk),
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
        notes=partial_note(f.months),
        source=SOURCE,
    )


def throughflow_table(f: metrics.Figures) -> Table:
    """Transfers from BW to BT and the 'ready to move on' backlog (best per quarter: the
    transfers are few)."""
    pk = period_kind(f.months)
    rows = []
    for start, last in zip(f.months.starts, f.months.last_days, strict=True):
        rows.append(
            Row(
                {
                    "month": period_value(pk, start, last),
                    "bw_to_bt": _int(_value(f, "bw_to_bt", start) or 0),
                    "ready": _int(_value(f, "stock_ready", start)),
                    "ready_wait": _value(f, "ready_wait_p50", start),
                    "ready_n": _int(_value(f, "ready_wait_n", start) or 0),
                    "backlog_age": _value(f, "ready_backlog_age_p50", start),
                },
                key=start.isoformat(),
            )
        )
    return Table(
        id="throughflow",
        title=_("Throughflow and the 'ready to move on' backlog"),
        columns=[
            period_column(pk),
            Column("bw_to_bt", _("Transfers BW to BT"), "int"),
            Column("ready", _("Ready to move on, waiting (at the end)"), "int"),
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
        notes=[
            _(
                "Ready to move on: clients in BW or BT whom the provider reported ready for a "
                "lighter form or an own home, and who are still waiting for it."
            ),
            *partial_note(f.months),
        ],
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
SCREEN_WIDTH = 960  # drawn at this size; the page scales it to the column (CSS)
REPORT_WIDTH = 720  # A4: scaled to the text width, the text stays readable


def in_care_chart(table: Table, *, width: int = SCREEN_WIDTH) -> Chart:
    return line_chart(
        table, x="month", series=["bw", "bt", "mo"], y_label=_("clients"), width=width
    )


def inflow_chart(
    table: Table, targets: Sequence[Target] = (), *, width: int = SCREEN_WIDTH
) -> Chart:
    return line_chart(
        table,
        x="month",
        series=["total", "18-24"],
        targets=targets,
        y_label=_("applications"),
        width=width,
    )


def waiting_chart(table: Table, *, width: int = SCREEN_WIDTH) -> Chart:
    return line_chart(
        table, x="month", series=["bw", "bt", "mo"], y_label=_("clients"), width=width
    )


def waiting_time_chart(table: Table, *, width: int = SCREEN_WIDTH) -> Chart:
    """The medians of the product groups in the table."""
    series = [f"{g}_p50" for g in GROUPS if any(c.key == f"{g}_p50" for c in table.columns)]
    return line_chart(table, x="month", series=series, y_label=_("days (median)"), width=width)


def outflow_chart(table: Table, *, width: int = SCREEN_WIDTH) -> Chart:
    return bar_chart(
        table,
        category="month",
        series=list(DESTINATION_GROUPS),
        stacked=True,
        y_label=_("exits"),
        width=width,
    )


def ready_chart(table: Table, *, width: int = SCREEN_WIDTH) -> Chart:
    """The 'ready to move on' backlog, from the throughflow table."""
    pk = "month" if table.columns[0].kind == "month" else "quarter"
    title = {
        "month": _("Ready to move on and still waiting, at the end of the month"),
        "quarter": _("Ready to move on and still waiting, at the end of the quarter"),
    }[pk]
    return line_chart(
        replace(table, title=title),
        x="month",
        series=["ready"],
        y_label=_("clients"),
        chart_id="chart-ready",
        description=_(
            "Line chart of the clients ready to move on who are still waiting; the figures "
            "are in the table below the chart."
        ),
        width=width,
    )


def transfers_chart(table: Table, *, width: int = SCREEN_WIDTH) -> Chart:
    """Transfers from BW to BT per period, from the throughflow table."""
    return bar_chart(
        replace(table, title=_("Transfers from Beschermd Wonen to Beschermd Thuis")),
        category="month",
        series=["bw_to_bt"],
        y_label=_("transfers"),
        chart_id="chart-transfers",
        width=width,
        height=260,
    )


def kpi_label(key: str) -> str:
    """The translated name of a key figure (the core holds English templates)."""
    from doorstroom.core.kpi import KPIS

    kpi = KPIS.get(key)
    return gettext(kpi.label) if kpi else key


def inflow_targets(
    items: Sequence[tuple[Any, Progress]], municipality: str, *, per_year: int
) -> list[Target]:
    """The region's targets on applications as horizontal lines in the inflow chart, per
    month (``per_year=12``) or per quarter (4). Targets of another municipality are left
    out."""
    result = []
    for target, progress in items:
        code = target.municipality.code if target.municipality else ""
        if target.kpi not in ("applications", "applications_youth") or code != municipality:
            continue
        if progress.goal is None:
            continue
        template = (
            _("Target %(year)s: %(kpi)s, per month")
            if per_year == 12
            else _("Target %(year)s: %(kpi)s, per quarter")
        )
        label = template % {"year": target.target_year, "kpi": kpi_label(target.kpi).lower()}
        result.append(Target(label, progress.goal / per_year))
    return result


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
    footer_cells: dict[str, Any] = {"name": _("Municipalities of the region together")}
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


COMPARISON_COMPACT = (
    "name",
    "applications",
    "applications_per_10k",
    "youth_share",
    "in_care",
    "in_care_per_10k",
    "waiting",
    "ready",
    "origin_share",
    "bt_places_per_10k",
)


def compact(table: Table, keys: Sequence[str] = COMPARISON_COMPACT) -> Table:
    """The table with fewer columns (e.g. for A4), disclosure control as it was: protect
    the full table first, so that the sums it declares are all there."""
    return replace(table, columns=[c for c in table.columns if c.key in keys])


def comparison_chart(table: Table, indicator: str, *, width: int = SCREEN_WIDTH) -> Chart:
    """Bars per municipality, highest first, with the region's figure as a line. Cells
    hidden by disclosure control are sorted last (by name), so that the order reveals
    nothing about them."""
    columns = {c.key: c for c in table.columns}

    def shown(row: Row) -> float | None:
        value = row.cells.get(indicator)
        if value is None or table.status(row.key, indicator).hidden:
            return None
        return float(value)

    ordered = sorted(
        table.body_rows,
        key=lambda r: (shown(r) is None, -(shown(r) or 0.0), str(r.cells.get("name"))),
    )
    region = table.footer_rows[0] if table.footer_rows else None
    references = []
    if region is not None and (value := shown(region)) is not None:
        references.append(
            Target(
                _("Region: %(value)s")
                % {"value": format_value(value, columns[indicator], Separators.current())},
                value,
            )
        )
    return bar_chart(
        replace(table, rows=ordered),
        category="name",
        series=[indicator],
        horizontal=True,
        y_label=COMPARISON_INDICATORS[indicator],
        targets=references,
        width=width,
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


PATH_COLUMNS: dict[str, dict[str, Promise]] = {"1": PATH_FIRST, "2": PATH_SECOND, "3": PATH_THIRD}


def pathway_label(node: str) -> str:
    column, key = node.split(":", 1)
    return capfirst(str(PATH_COLUMNS[column].get(key, key)))


def _node_order(node: str) -> tuple[int, int]:
    column, key = node.split(":", 1)
    keys = list(PATH_COLUMNS[column])
    return int(column), keys.index(key) if key in keys else len(keys)


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
            for a, b, n in sorted(flows, key=lambda f: (_node_order(f[0]), _node_order(f[1])))
        ],
        notes=[
            _("Episodes that started in the period. A client who applied twice counts twice."),
            _(
                "A step whose flows are partly hidden to protect small numbers is shown without "
                "its total."
            ),
        ],
        source=SOURCE,
    )


def pathway_chart(
    table: Table, flows: Sequence[tuple[str, str, int]], *, width: int = SCREEN_WIDTH
) -> Chart:
    present = {node for a, b, _n in flows for node in (a, b)}
    order = [
        [pathway_label(f"{c}:{k}") for k in PATH_COLUMNS[c] if f"{c}:{k}" in present]
        for c in ("1", "2", "3")
    ]
    return sankey(
        table,
        source="source",
        target="target",
        value="count",
        columns=order,
        width=width,
        height=520,
    )


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
                    "kpi": kpi_label(target.kpi),
                    "unit": _unit(KPIS[target.kpi].kind, unit),
                    "where": target.municipality.name if target.municipality else _("Region"),
                    "baseline": _scaled(guard(p.baseline, unit), scale),
                    "goal": _scaled(p.goal, scale),
                    "target_year": str(target.target_year),
                    "current": _scaled(guard(p.current, unit), scale),
                    "expected": _scaled(p.expected, scale),
                    "status": STATUS_LABELS[p.status],
                    "status_key": p.status.value,
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
            Column("unit", _("Unit")),
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


def _unit(kind: Any, unit: Any) -> Promise:
    from doorstroom.core.kpi import Kind, Unit

    if unit is Unit.PERCENT:
        return _("percent")
    if unit is Unit.DAYS:
        return _("days (median)")
    if unit is Unit.PER_10K:
        return _("per 10,000 inhabitants")
    if kind is Kind.STOCK:
        return _("clients (at the end)")
    return _("clients per year")


def _scaled(value: float | None, scale: int) -> float | None:
    return value * scale if value is not None else None


def threshold() -> int:
    from doorstroom.web.tables import default_policy

    return int(default_policy().threshold)
