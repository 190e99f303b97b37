"""Realised care costs: stays x price per day, per municipality, funding stream and month.

A stay (from the journey event log) is charged to the municipality responsible for the
client (residence principle) at the tariff in force on each day. Tariffs are per facility or
per product type, each with a validity period; a facility tariff goes before a product
tariff, and the facility's plain price per day (``fallback``) applies on days that neither
covers. A stay that crosses a tariff change or a month boundary is split there.

**Days** (``DAY_RULE``), as in Dutch care billing: the day a stay begins counts, the day it
ends does not (on a transfer the receiving facility charges that day). A stay that begins
and ends on the same day counts one day, unless another stay of the same client covers that
day (then that stay charges it); of two such same-day stays the later one counts. An open
stay counts up to and including the last day of the period.

**Funding streams** (``PRODUCT_STREAM``): BW is the BW stream; Beschermd Thuis (individual,
cluster, youth cluster) is paid from the same BW/"Wmo beschermd thuis" money (the
decentralised budget for protected living covers both, and the transfer BW -> BT moves a
client within it), so it counts under BW; night, 24-hour and crisis shelter are MO;
ambulant support is Wmo support. Youth care and participation have no stays (budgets only).

Amounts are whole cents x whole days: exact, no rounding.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import polars as pl

from doorstroom.core.finance.money import RULE_VERSION, FinanceError, money
from doorstroom.core.i18n import gettext_noop
from doorstroom.core.journey import PLACE_PRODUCTS, Product

DAY_RULE = (
    "the first day counts, the last day does not; a same-day stay counts one day unless "
    "another stay of the client covers it; open stays run to the end of the period"
)
ONE_DAY = timedelta(days=1)


class Stream(StrEnum):
    """Funding streams of the social domain."""

    BW = "bw"
    MO = "mo"
    WMO_SUPPORT = "wmo_support"
    YOUTH = "youth"
    PARTICIPATION = "participation"


STREAM_LABELS: dict[Stream, str] = {
    Stream.BW: gettext_noop("Sheltered housing (BW, incl. Beschermd Thuis)"),
    Stream.MO: gettext_noop("Social shelter (MO)"),
    Stream.WMO_SUPPORT: gettext_noop("Wmo support"),
    Stream.YOUTH: gettext_noop("Youth care"),
    Stream.PARTICIPATION: gettext_noop("Participation"),
}

PRODUCT_STREAM: dict[Product, Stream] = {
    Product.BW: Stream.BW,
    Product.BT_INDIVIDUAL: Stream.BW,
    Product.BT_CLUSTER: Stream.BW,
    Product.BT_YOUTH_CLUSTER: Stream.BW,
    Product.MO_NIGHT: Stream.MO,
    Product.MO_24H: Stream.MO,
    Product.MO_CRISIS: Stream.MO,
    Product.AMBULANT: Stream.WMO_SUPPORT,
}


@dataclass(frozen=True, slots=True)
class Tariff:
    """A price per day for one facility or for one product type, from ``valid_from`` up to
    and including ``valid_until`` (None: without a start or an end)."""

    price_per_day: Decimal
    valid_from: date | None = None
    valid_until: date | None = None
    facility_id: int | None = None
    product: Product | None = None

    def __post_init__(self) -> None:
        if (self.facility_id is None) == (self.product is None):
            raise FinanceError(
                gettext_noop("A tariff is either for one facility or for one product type.")
            )
        price = money(self.price_per_day)
        if price < 0:
            raise FinanceError(gettext_noop("A price per day cannot be negative."))
        object.__setattr__(self, "price_per_day", price)
        if self.product is not None:
            object.__setattr__(self, "product", Product(self.product))
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_until < self.valid_from
        ):
            raise FinanceError(
                gettext_noop("A tariff ends (%(until)s) before it begins (%(from)s)."),
                until=self.valid_until.isoformat(),
                **{"from": self.valid_from.isoformat()},
            )

    @property
    def start(self) -> date:
        return self.valid_from or date.min

    @property
    def stop(self) -> date | None:
        """First day no longer covered (exclusive), None when open-ended."""
        return (
            None
            if self.valid_until is None or self.valid_until == date.max
            else self.valid_until + ONE_DAY
        )

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.stop is None or day < self.stop)

    def target(self) -> str:
        return f"facility {self.facility_id}" if self.facility_id is not None else str(self.product)


@dataclass(frozen=True, slots=True)
class CostStay:
    client: int  # pseudonymous number; never leaves this module
    facility_id: int
    product: Product
    start: date
    end: date | None  # the day the client left (exclusive), None while still there
    municipality: str  # responsible municipality (GM code)

    def __post_init__(self) -> None:
        if not isinstance(self.product, Product):
            try:
                object.__setattr__(self, "product", Product(self.product))
            except ValueError:
                raise FinanceError(
                    gettext_noop("Unknown product type '%(value)s'."), value=str(self.product)
                ) from None


@dataclass(frozen=True, slots=True)
class CostDetail:
    """Days and money of one municipality, stream, month, facility and tariff."""

    municipality: str
    stream: Stream
    month: date  # first day of the month
    facility_id: int
    product: Product
    price_per_day: Decimal
    tariff_source: str  # "facility", "product" or "price" (the facility's plain price)
    days: int

    @property
    def amount(self) -> Decimal:
        return self.price_per_day * self.days

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "stream": self.stream.value,
            "month": self.month.isoformat(),
            "facility_id": self.facility_id,
            "product": self.product.value,
            "price_per_day": str(self.price_per_day),
            "tariff_source": self.tariff_source,
            "days": self.days,
            "amount": str(self.amount),
        }


@dataclass(frozen=True, slots=True)
class CostLine:
    municipality: str
    stream: Stream
    month: date
    days: int
    amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "stream": self.stream.value,
            "month": self.month.isoformat(),
            "days": self.days,
            "amount": str(self.amount),
        }


@dataclass(frozen=True, slots=True)
class CostResult:
    period_start: date
    period_end: date
    stays: int
    details: tuple[CostDetail, ...]
    lines: tuple[CostLine, ...]
    rule_version: str = RULE_VERSION
    day_rule: str = DAY_RULE

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def totals(self, *fields: str) -> dict[tuple[Any, ...], Decimal]:
        """Amounts summed by the given line fields, e.g. ``totals("stream", "month")``."""
        result: dict[tuple[Any, ...], Decimal] = defaultdict(lambda: Decimal("0.00"))
        for line in self.lines:
            result[tuple(getattr(line, f) for f in fields)] += line.amount
        return dict(result)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "realised_costs",
            "rule_version": self.rule_version,
            "day_rule": self.day_rule,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "stays": self.stays,
            "total": str(self.total),
            "lines": [line.as_dict() for line in self.lines],
            "details": [d.as_dict() for d in self.details],
        }


class TariffBook:
    """Tariffs indexed by facility and product; refuses overlapping validity periods."""

    def __init__(
        self, tariffs: Iterable[Tariff], fallback: Mapping[int, Decimal] | None = None
    ) -> None:
        self.fallback = {
            facility_id: Tariff(price, facility_id=facility_id)
            for facility_id, price in (fallback or {}).items()
        }
        facility: dict[int, list[Tariff]] = defaultdict(list)
        product: dict[Product, list[Tariff]] = defaultdict(list)
        for tariff in tariffs:
            if tariff.facility_id is not None:
                facility[tariff.facility_id].append(tariff)
            else:
                assert tariff.product is not None
                product[tariff.product].append(tariff)
        self.facility = {k: self._sorted(v) for k, v in facility.items()}
        self.product = {k: self._sorted(v) for k, v in product.items()}
        self._facility_starts = {k: [t.start for t in v] for k, v in self.facility.items()}
        self._product_starts = {k: [t.start for t in v] for k, v in self.product.items()}
        self._schedules: dict[
            tuple[int, Product], tuple[list[date], list[tuple[Tariff | None, str]]]
        ] = {}

    @staticmethod
    def _sorted(tariffs: list[Tariff]) -> list[Tariff]:
        ordered = sorted(tariffs, key=lambda t: t.start)
        for before, after in itertools.pairwise(ordered):
            if before.stop is None or after.start < before.stop:
                raise FinanceError(
                    gettext_noop(
                        "Two tariffs of %(target)s overlap (from %(first)s and from %(second)s)."
                    ),
                    target=before.target(),
                    first=before.start.isoformat() if before.valid_from else "-",
                    second=after.start.isoformat(),
                )
        return ordered

    @staticmethod
    def _find(tariffs: list[Tariff], starts: list[date], day: date) -> Tariff | None:
        index = bisect.bisect_right(starts, day) - 1
        if index >= 0 and tariffs[index].covers(day):
            return tariffs[index]
        return None

    @staticmethod
    def _next_start(starts: list[date], day: date) -> date | None:
        index = bisect.bisect_right(starts, day)
        return starts[index] if index < len(starts) else None

    def schedule(
        self, facility_id: int, product: Product
    ) -> tuple[list[date], list[tuple[Tariff | None, str]]]:
        """The tariff of a facility and product over all time, as sorted start days and
        the tariff (and its source) from each start day on; computed once and cached."""
        key = (facility_id, product)
        cached = self._schedules.get(key)
        if cached is not None:
            return cached
        points = {date.min}
        for tariff in (*self.facility.get(facility_id, ()), *self.product.get(product, ())):
            points.add(tariff.start)
            if tariff.stop is not None:
                points.add(tariff.stop)
        starts: list[date] = []
        entries: list[tuple[Tariff | None, str]] = []
        for point in sorted(points):
            tariff, source, _ = self.lookup(facility_id, product, point)
            if entries and entries[-1][0] is tariff and entries[-1][1] == source:
                continue
            starts.append(point)
            entries.append((tariff, source))
        self._schedules[key] = (starts, entries)
        return starts, entries

    def lookup(
        self, facility_id: int, product: Product, day: date
    ) -> tuple[Tariff | None, str, date | None]:
        """The tariff on ``day``, where it comes from, and the first later day on which the
        answer may change (None: never)."""
        own = self.facility.get(facility_id, [])
        own_starts = self._facility_starts.get(facility_id, [])
        tariff = self._find(own, own_starts, day)
        if tariff is not None:
            return tariff, "facility", tariff.stop
        next_own = self._next_start(own_starts, day)
        general = self.product.get(product, [])
        general_starts = self._product_starts.get(product, [])
        tariff = self._find(general, general_starts, day)
        changes = [
            d
            for d in (next_own, tariff.stop if tariff else self._next_start(general_starts, day))
            if d
        ]
        change = min(changes) if changes else None
        if tariff is None and facility_id in self.fallback:
            return self.fallback[facility_id], "price", change
        return tariff, "product", change


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _check_stays(stays: Sequence[CostStay]) -> dict[int, list[CostStay]]:
    by_client: dict[int, list[CostStay]] = defaultdict(list)
    for stay in stays:
        if stay.product not in PLACE_PRODUCTS:
            raise FinanceError(
                gettext_noop("A stay has product type '%(product)s', which has no places."),
                product=str(stay.product),
            )
        if stay.end is not None and stay.end < stay.start:
            raise FinanceError(
                gettext_noop("A stay ends (%(end)s) before it begins (%(start)s)."),
                end=stay.end.isoformat(),
                start=stay.start.isoformat(),
            )
        if not stay.municipality:
            raise FinanceError(
                gettext_noop("A stay in facility %(facility)s has no responsible municipality."),
                facility=stay.facility_id,
            )
        by_client[stay.client].append(stay)
    for own in by_client.values():
        own.sort(key=lambda s: (s.start, s.end or date.max))
        for before, after in itertools.pairwise(own):
            if before.end is None or after.start < before.end:
                raise FinanceError(
                    gettext_noop(
                        "Two stays of one client overlap (facility %(first_facility)s from "
                        "%(first)s, facility %(second_facility)s from %(second)s)."
                    ),
                    first_facility=before.facility_id,
                    first=before.start.isoformat(),
                    second_facility=after.facility_id,
                    second=after.start.isoformat(),
                )
    return by_client


def charged_days(own: Sequence[CostStay], period_end: date) -> list[tuple[CostStay, date, date]]:
    """The charged half-open day ranges of one client's stays (sorted, not overlapping) by
    the day rule, up to and including ``period_end``."""
    result: list[tuple[CostStay, date, date]] = []
    stop = period_end + ONE_DAY
    for index, stay in enumerate(own):
        if stay.end is None:
            result.append((stay, stay.start, max(stop, stay.start)))
        elif stay.end > stay.start:
            result.append((stay, stay.start, stay.end))
        else:
            day = stay.start
            covered = any(
                other is not stay and other.start <= day and (other.end is None or day < other.end)
                for other in own
            ) or any(other.start == day and other.end == day for other in own[index + 1 :])
            if not covered:
                result.append((stay, day, day + ONE_DAY))
    return result


def realised_costs(
    stays: Sequence[CostStay],
    tariffs: Iterable[Tariff],
    period_start: date,
    period_end: date,
    fallback: Mapping[int, Decimal] | None = None,
) -> CostResult:
    """Costs of ``stays`` from ``period_start`` up to and including ``period_end``.

    Per day the tariff is: the facility's own tariff valid that day, else the product
    tariff valid that day, else the facility's plain price per day (``fallback``)."""
    if period_end < period_start:
        raise FinanceError(
            gettext_noop("The period ends (%(end)s) before it begins (%(start)s)."),
            end=period_end.isoformat(),
            start=period_start.isoformat(),
        )
    book = TariffBook(tariffs, fallback)
    by_client = _check_stays(stays)
    stop = period_end + ONE_DAY
    days: dict[tuple[str, Stream, date, int, Product, Decimal, str], int] = defaultdict(int)
    missing: dict[tuple[int, Product], date] = {}
    for own in by_client.values():
        for stay, first, last in charged_days(own, period_end):
            day, until = max(first, period_start), min(last, stop)
            if day >= until:
                continue
            starts, entries = book.schedule(stay.facility_id, stay.product)
            index = bisect.bisect_right(starts, day) - 1
            stream = PRODUCT_STREAM[stay.product]
            while day < until:
                change = starts[index + 1] if index + 1 < len(starts) else None
                segment_end = _next_month(day)
                if until < segment_end:
                    segment_end = until
                if change is not None and change < segment_end:
                    segment_end = change
                tariff, source = entries[index]
                if tariff is None:
                    key = (stay.facility_id, stay.product)
                    missing[key] = min(missing.get(key, day), day)
                else:
                    days[
                        (
                            stay.municipality,
                            stream,
                            day.replace(day=1),
                            stay.facility_id,
                            stay.product,
                            tariff.price_per_day,
                            source,
                        )
                    ] += (segment_end - day).days
                day = segment_end
                if change is not None and day >= change:
                    index += 1
    if missing:
        (facility_id, product), first = min(missing.items(), key=lambda kv: (kv[1], kv[0][0]))
        raise FinanceError(
            gettext_noop(
                "No tariff for facility %(facility)s (%(product)s) on %(date)s; "
                "%(count)s facility/product combination(s) lack a tariff."
            ),
            facility=facility_id,
            product=product.value,
            date=first.isoformat(),
            count=len(missing),
        )
    # Stream and Product are str enums: the keys sort as plain tuples.
    details = tuple(CostDetail(*key, n) for key, n in sorted(days.items()))
    return CostResult(period_start, period_end, len(stays), details, _lines(details))


def _lines(details: Iterable[CostDetail]) -> tuple[CostLine, ...]:
    grouped: dict[tuple[str, Stream, date], list[CostDetail]] = defaultdict(list)
    for d in details:
        grouped[(d.municipality, d.stream, d.month)].append(d)
    return tuple(
        CostLine(m, s, month, sum(d.days for d in ds), sum((d.amount for d in ds), Decimal("0.00")))
        for (m, s, month), ds in sorted(
            grouped.items(), key=lambda kv: (kv[0][0], kv[0][1].value, kv[0][2])
        )
    )


def stays_from_frame(stays: pl.DataFrame) -> list[CostStay]:
    """Stays from the ``stays`` spells of ``core.eventlog.derive_spells`` (columns client,
    facility, product, start, end, responsible)."""
    frame = stays.select("client", "facility", "product", "start", "end", "responsible")
    return [
        CostStay(int(client), int(facility), Product(product), start, end, responsible or "")
        for client, facility, product, start, end, responsible in frame.iter_rows()
    ]


def stream_of(product: Product | str) -> Stream:
    return PRODUCT_STREAM[Product(product)]


def month_range(first: date, last: date) -> list[date]:
    """First days of the months from ``first`` to ``last`` inclusive."""
    months, month = [], _month_start(first)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months
