"""The regional quarterly report (PDF): the quarter's key figures against the same quarter a
year earlier, the monitor's main charts over the last two years by quarter, the
municipalities compared, the targets, and how the figures are made.

Built from the same tables and charts as the monitor pages (``presentation``), for the
whole region of the acting user. A report is an export: disclosure control always
applies, whoever asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from doorstroom.core import metrics
from doorstroom.core.kpi import Status
from doorstroom.monitor import presentation as p
from doorstroom.monitor import selectors
from doorstroom.web.pdf import Report
from doorstroom.web.tables import Table

QUARTER = re.compile(r"^\s*(\d{4})\s*-\s*[KkQq]?([1-4])\s*$")
QUARTERS_SHOWN = 8  # the charts: two years by quarter


class QuarterError(ValueError):
    """A quarter that cannot be reported on; ``message`` is translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026-3`` (also ``2026-K3``, ``2026-Q3``)."""
        match = QUARTER.match(text)
        if not match:
            raise QuarterError(
                _("Give the quarter as year-quarter, for example %(example)s.")
                % {"example": "2026-3"}
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        return metrics._add_months(self.start, 3) - timedelta(days=1)

    def plus(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def value(self) -> str:
        """As in the URL: ``2026-3``."""
        return f"{self.year}-{self.number}"

    @property
    def label(self) -> str:
        return p.quarter_label(self.start)

    def long_label(self) -> str:
        return _("%(quarter)s (%(first)s up to and including %(last)s)") % {
            "quarter": self.label,
            "first": date_format(self.start, "j F"),
            "last": date_format(self.last, "j F Y"),
        }


def available(first_day: date | None, as_of: date) -> list[Quarter]:
    """The complete quarters with figures, the latest first."""
    if first_day is None:
        return []
    last = Quarter.of(as_of)
    if last.last > as_of:
        last = last.plus(-1)
    quarters = []
    quarter = Quarter.of(first_day)
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.plus(1)
    return quarters[::-1]


def choose(text: str, quarters: list[Quarter]) -> Quarter:
    """The quarter asked for (``text``; empty: the last complete one), or QuarterError."""
    if not quarters:
        raise QuarterError(_("There is no complete quarter with figures yet."))
    if not text.strip():
        return quarters[0]
    quarter = Quarter.parse(text)
    if quarter > quarters[0]:
        raise QuarterError(
            _("%(quarter)s is not over yet; the last complete quarter is %(last)s.")
            % {"quarter": quarter.label, "last": quarters[0].label}
        )
    if quarter < quarters[-1]:
        raise QuarterError(
            _("There are no figures before %(first)s.") % {"first": quarters[-1].label}
        )
    return quarter


def waiting_figures(
    state: selectors.Current,
    filters: metrics.Filters,
    periods: metrics.Months,
    groups: list[str] | None = None,
) -> dict[str, metrics.Figures]:
    """Waiting times per product group (``presentation.waiting_time_table``)."""
    return {
        g: selectors.figures(
            state,
            replace(filters, products=frozenset(p.GROUPS[g])),
            periods,
            metric_names=["waiting_time"],
        )
        for g in groups or list(p.GROUPS)
    }


# ---------------------------------------------------------------- the report
def build(user: Any, state: selectors.Current, quarter: Quarter) -> bytes:
    """The quarterly report of the user's region as PDF bytes."""
    region = user.organisation.region
    filters = selectors.region_filters(user)
    pops = selectors.populations(user)
    first_data = Quarter.of(state.spells.first_day or quarter.start)
    first = max(quarter.plus(1 - QUARTERS_SHOWN), first_data)
    grid = metrics.Months.quarters(first.start, quarter.last)
    quarterly = selectors.figures(state, filters, grid, populations=pops)
    a_year_before = quarter.plus(-4)
    both = selectors.figures(
        state, filters, p.year_on_year_grid(quarter.start, quarter.last), populations=pops
    )
    twelve = metrics.Months.window(p._minus_year(quarter.last) + timedelta(days=1), quarter.last)
    window = selectors.figures(state, filters, twelve, populations=pops)
    at_quarter_end = replace(state, as_of=quarter.last)
    progress = selectors.target_progress(user, at_quarter_end)

    keys = p.key_figures(both, now=quarter.label, before=a_year_before.label)
    municipalities = [(m.code, m.name) for m in selectors.region_municipalities(user)]
    tables: dict[str, Table] = {
        t.id: _protected(t)
        for t in (
            keys.counts,
            keys.ratios,
            p.in_care_table(quarterly),
            p.inflow_table(quarterly),
            p.channel_table(quarterly),
            p.waiting_table(quarterly),
            p.waiting_time_table(waiting_figures(state, filters, grid)),
            p.throughflow_table(quarterly),
            p.outflow_table(quarterly),
            p.comparison_table(window, municipalities, pops),
        )
    }
    w = p.REPORT_WIDTH
    report = Report(
        _("Quarterly report on sheltered housing"),
        subtitle=f"{region.name} · {quarter.long_label()}",
        organisation=region.name,
        source=p.SOURCE,
    )

    report.heading(_("Key figures"))
    report.paragraph(
        _(
            "%(quarter)s compared with %(before)s, for the whole region. Stocks are counted on "
            "the last day of the quarter, flows over the quarter. Figures of %(as_of)s."
        )
        % {
            "quarter": quarter.label,
            "before": a_year_before.label,
            "as_of": date_format(state.as_of, "j F Y"),
        }
    )
    tiles = p.headline(
        tables["key-counts"],
        ("in_care_bw", "in_care_bt", "waiting", "ready", "applications", "exits_home"),
    )
    report.key_figures(
        [
            (
                _("%(figure)s (%(before)s: %(value)s)")
                % {"figure": label, "before": a_year_before.label, "value": then},
                now,
            )
            for label, now, then in tiles
        ]
    )
    report.table(tables["key-counts"]).table(tables["key-ratios"])

    report.heading(_("In care"))
    report.chart(p.in_care_chart(tables["in-care"], width=w), with_table=True)

    report.heading(_("Inflow"))
    targets = p.inflow_targets(progress, "", per_year=4)
    report.chart(p.inflow_chart(tables["inflow"], targets, width=w), with_table=True)
    report.table(tables["channels"])

    report.heading(_("Waiting list and waiting time"))
    report.chart(p.waiting_chart(tables["waiting"], width=w), with_table=True)
    report.chart(p.waiting_time_chart(tables["waiting-time"], width=w), with_table=True)

    report.heading(_("Throughflow and ready to move on"))
    report.chart(p.ready_chart(tables["throughflow"], width=w))
    report.chart(p.transfers_chart(tables["throughflow"], width=w))
    report.table(tables["throughflow"])

    report.heading(_("Outflow"))
    report.chart(p.outflow_chart(tables["outflow"], width=w), with_table=True)

    report.heading(_("Municipalities compared"))
    report.paragraph(
        _(
            "The twelve months up to the end of %(quarter)s, by municipality of origin. "
            "Flows over the twelve months; stocks at the end of the quarter."
        )
        % {"quarter": quarter.label}
    )
    comparison = tables["municipalities"]
    report.chart(p.comparison_chart(comparison, "applications_per_10k", width=w))
    report.chart(p.comparison_chart(comparison, "in_care_per_10k", width=w))
    report.table(p.compact(comparison))

    report.heading(_("Targets"))
    if progress:
        behind = sum(1 for _t, pr in progress if pr.status is Status.OFF_TRACK)
        report.paragraph(
            _(
                "Where the region's targets stand at the end of %(quarter)s, compared with a "
                "straight path from the baseline year to the target. Behind their path: "
                "%(behind)s of %(total)s."
            )
            % {"quarter": quarter.label, "behind": behind, "total": len(progress)}
        )
        report.table(p.targets_table(progress, threshold=p.threshold()))
    else:
        report.paragraph(_("The region has not recorded any targets in doorstroom yet."))

    report.heading(_("How the figures are made"))
    for text in methods(quarter):
        report.paragraph(text)
    return report.build()


def _protected(table: Table) -> Table:
    """Every table that counts people is protected in a report (an export)."""
    return table.protect() if table.counts_people else table


def methods(quarter: Quarter) -> list[str]:
    return [
        _(
            "Source. All figures are computed from the event log of the client journeys in "
            "doorstroom: every application, decision, placement, transfer and exit is an "
            "event. Steps that are recorded late can still change the figures of a past "
            "quarter a little."
        ),
        _(
            "Municipality of origin. Figures about clients are given by municipality of "
            "origin: where the client lived before applying. Places and occupancy are given "
            "by the municipality where the facility stands."
        ),
        _(
            "Stocks and flows. A stock (in care, on a waiting list, ready to move on) is "
            "counted on the last day of the period; a flow (applications, placements, "
            "transfers, exits) over the whole period. Waiting times are medians in days, for "
            "the placements in the period."
        ),
        _(
            "Targets. A target compares a key figure of the last twelve months up to the end "
            "of %(quarter)s with its value in the baseline year and a straight path to the "
            "target year."
        )
        % {"quarter": quarter.label},
        _(
            "Disclosure control. To protect the privacy of clients, numbers of fewer than "
            "%(threshold)s people are not shown (<%(threshold)s), and neither are other "
            "cells from which they could be worked out (•). Shares and medians that rest on "
            "a hidden number are hidden too. This applies to every report and download, "
            "whoever makes it."
        )
        % {"threshold": p.threshold()},
    ]
