"""Synthetic regions: years of plausible client journeys for any set of regions.

A weekly simulation per region; the parameters and the reasons for their values are in
``docs/synthetic-regions.md``. In short:

- applications arrive per municipality (Poisson, a rate per 10,000 inhabitants, higher in
  the centre municipality where the regional services are), a share of young people
  (18-24, mostly straight from youth care) that first rises and then follows a trend, a few
  clients from outside the region (national accessibility);
- each application is assessed and decided after some days; the product mix depends on the
  age band; some get a second opinion, a few a dispute about responsibility;
- clients for a product with places join that product's waiting list (urgency, then
  decision date); each week free places are offered (a facility in the municipality of
  origin first); some offers are declined, some clients withdraw, entries expire after a
  maximum time on the list, young people age out of the youth list;
- a stay lasts a sampled time (log-normal per product: not memoryless); then the client
  leaves directly (clinic, Wlz, detention, family, unknown, deceased) or becomes "ready to
  move on": part of the BW clients wait for a Beschermd Thuis place and transfer, the others
  wait for a home. Homes for outflow are scarce (a yearly supply per municipality, growing
  slowly): the housing bottleneck that makes the "ready to move on" backlog and its waiting
  time grow; homes go to clients of that municipality of origin first;
- after an exit some clients apply again (a return, recorded as such within 24 months).

Everything is reproducible by seed. The result is a columnar :class:`~core.eventlog.EventLog`
(so the national scale, ~50,000 clients and ~1,000,000 events, fits in memory) plus the
facilities. :func:`history` gives one client's events with payloads exactly as the
services store them; every history passes ``core.journey.project`` (tested), and the demo
loads them into the database in bulk.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from doorstroom.core.eventlog import (
    CHANNEL_CODE,
    CHANNELS,
    DESTINATION_CODE,
    DESTINATIONS,
    EVENT_TYPES,
    NONE,
    PRODUCT_CODE,
    PRODUCTS,
    EventLog,
    EventLogBuilder,
    Facilities,
)
from doorstroom.core.journey import (
    PLACE_PRODUCTS,
    Destination,
    Event,
    EventType,
    Product,
    months_between,
)

RESIDENCE_BILL = date(2027, 1, 1)  # from then on the municipality of origin is responsible


@dataclass(frozen=True, slots=True)
class MunicipalitySpec:
    code: str
    name: str
    population: int


@dataclass(frozen=True, slots=True)
class RegionSpec:
    name: str
    centre: str
    municipalities: tuple[MunicipalitySpec, ...]
    code: str = ""  # the region's key in the event log (default: its name)

    @property
    def key(self) -> str:
        return self.code or self.name

    @property
    def population(self) -> int:
        return sum(m.population for m in self.municipalities)


PLACE: tuple[Product, ...] = tuple(p for p in Product if p in PLACE_PRODUCTS)  # enum order
DECIDABLE: tuple[Product, ...] = (*PLACE, Product.AMBULANT, Product.NOT_ELIGIBLE)
MO = frozenset({Product.MO_NIGHT, Product.MO_24H, Product.MO_CRISIS})


@dataclass(frozen=True)
class Parameters:
    """The knobs of the simulation; defaults describe a Dutch region around 2020-2026
    (reasons in ``docs/synthetic-regions.md``). Tuples follow ``PLACE`` or ``DECIDABLE``."""

    applications_per_10k_year: float = 7.0
    centre_factor: float = 1.6
    outside_region_share: float = 0.04
    youth_share_start: float = 0.34  # share of applications by 18-24 year olds at the start
    youth_trend_per_year: float = 0.03  # relative change per year (rising youth inflow)
    burn_in_years: int = 3  # simulated before the history starts, so stocks are filled
    assessment_days: tuple[int, int] = (7, 35)
    decision_days: tuple[int, int] = (3, 21)
    second_opinion_share: float = 0.04
    dispute_share: float = 0.015
    channel_mix_youth: tuple[float, ...] = (0.05, 0.55, 0.15, 0.07, 0.04, 0.08, 0.06)
    channel_mix_adult: tuple[float, ...] = (0.12, 0.0, 0.34, 0.14, 0.10, 0.18, 0.12)
    product_mix_youth: tuple[float, ...] = (0.30, 0.08, 0.03, 0.24, 0.04, 0.04, 0.04, 0.15, 0.08)
    product_mix_adult: tuple[float, ...] = (0.30, 0.14, 0.10, 0.0, 0.11, 0.08, 0.06, 0.13, 0.08)
    urgency_mix: tuple[float, float, float] = (0.08, 0.27, 0.65)
    stay_median_months: tuple[float, ...] = (26.0, 16.0, 18.0, 15.0, 3.0, 5.0, 1.0)
    stay_sigma: float = 0.7
    capacity_factor: tuple[float, ...] = (1.12, 1.15, 1.1, 1.05, 1.2, 1.05, 1.4)
    offer_decline_share: float = 0.12
    withdraw_per_week: float = 0.003
    expiry_months: int = 18
    bw_to_bt_share: float = 0.35
    direct_exit_share: float = 0.25
    direct_exits: tuple[tuple[Destination, float], ...] = (
        (Destination.CLINIC, 0.22),
        (Destination.WLZ, 0.14),
        (Destination.DETENTION, 0.08),
        (Destination.FAMILY, 0.28),
        (Destination.UNKNOWN, 0.20),
        (Destination.DECEASED, 0.08),
    )
    mo_exits: tuple[tuple[Destination, float], ...] = (
        (Destination.HOME_REGION, 0.22),
        (Destination.FAMILY, 0.25),
        (Destination.UNKNOWN, 0.35),
        (Destination.CLINIC, 0.12),
        (Destination.DETENTION, 0.06),
    )
    mo_crisis_to_bw: float = 0.25
    homes_per_10k_year: float = 1.8  # homes for outflow per 10,000 inhabitants a year
    homes_growth_per_year: float = 0.05
    home_elsewhere_per_week: float = 0.004  # finds a home outside the region on their own
    supported_share: float = 0.65
    return_share: float = 0.16
    return_months_max: int = 36
    price_per_day: tuple[float, ...] = (185.0, 62.0, 95.0, 105.0, 48.0, 92.0, 145.0)


@dataclass(frozen=True, slots=True)
class FacilitySpec:
    id: int
    region: int
    product: Product
    municipality: str
    places: int
    price_per_day: float
    name: str
    provider: int  # 0 or 1: two providers per region
    min_age: int | None = None
    max_age: int | None = None


@dataclass
class SyntheticData:
    regions: list[RegionSpec]
    facilities: list[FacilitySpec]
    log: EventLog
    start: date
    end: date
    history_start: date  # after the burn-in
    parameters: Parameters

    @property
    def clients(self) -> int:
        return self.log.clients

    @property
    def events(self) -> int:
        return len(self.log)


# ---------------------------------------------------------------- the simulation
@dataclass
class _Client:
    index: int
    birth: int
    origin: str
    last_day: int = 0
    frozen: bool = False  # an event fell after the end: nothing more is recorded
    episode_start: int = 0
    decided: int = 0
    urgency: int = 3
    product: Product = Product.BW
    responsible: str = ""
    exit_day: int | None = None
    open: bool = False  # an episode is open (between application and its closure)
    waiting: bool = False
    facility: FacilitySpec | None = None
    ready: bool = False
    housing_since: int | None = None


_LABEL = {
    Product.BW: "Beschermd wonen",
    Product.BT_INDIVIDUAL: "Beschermd thuis",
    Product.BT_CLUSTER: "Woonvorm",
    Product.BT_YOUTH_CLUSTER: "Jongerenhuis",
    Product.MO_NIGHT: "Nachtopvang",
    Product.MO_24H: "24-uursopvang",
    Product.MO_CRISIS: "Crisisopvang",
}


class _Region:
    def __init__(
        self,
        index: int,
        spec: RegionSpec,
        p: Parameters,
        rng: np.random.Generator,
        builder: EventLogBuilder,
        start: int,
        end: int,
        next_client: int,
        next_facility: int,
        outside: Sequence[str],
    ) -> None:
        self.index, self.spec, self.p, self.rng, self.b = index, spec, p, rng, builder
        self.start, self.end = start, end
        self.next_client = next_client
        self.outside = list(outside)
        self.clients: dict[int, _Client] = {}
        self.codes = [m.code for m in spec.municipalities]
        self.population = np.array([m.population for m in spec.municipalities], dtype=float)
        self.facilities = self._facilities(next_facility)
        self.occupied: dict[int, int] = {f.id: 0 for f in self.facilities}
        self.by_product: dict[Product, list[FacilitySpec]] = defaultdict(list)
        for f in self.facilities:
            self.by_product[f.product].append(f)
        # waiting lists: heaps of (urgency, decision day, client)
        self.queues: dict[Product, list[tuple[int, int, int]]] = defaultdict(list)
        self.housing: dict[int, int] = {}  # client -> ready since (waiting for a home)
        self.timeline: list[tuple[int, int, str, int]] = []
        self.order = 0
        self.seq = 0

    # -- facilities sized from the expected stock, with a shortage where the plans see one
    def _facilities(self, next_id: int) -> list[FacilitySpec]:
        p = self.p
        yearly = self.spec.population / 10_000 * p.applications_per_10k_year
        youth = min(0.6, p.youth_share_start * 1.1)
        mix = np.array(p.product_mix_adult) * (1 - youth) + np.array(p.product_mix_youth) * youth
        ranked = sorted(self.spec.municipalities, key=lambda m: -m.population)
        others = [m.code for m in ranked if m.code != self.spec.centre]
        facilities: list[FacilitySpec] = []
        for i, product in enumerate(PLACE):
            mean_months = p.stay_median_months[i] * math.exp(p.stay_sigma**2 / 2)
            # people move on from BW/BT to BT or a home only after waiting: more stock
            extra = 1.35 if product not in MO else 1.0
            stock = yearly * mix[DECIDABLE.index(product)] * mean_months / 12 * extra
            places = max(3, round(stock * p.capacity_factor[i]))
            if product is Product.BW:
                hosts = [self.spec.centre, *others[:2]]
            elif product in MO or product is Product.BT_YOUTH_CLUSTER:
                hosts = [self.spec.centre, *others[:1]] if places > 24 else [self.spec.centre]
            else:  # Beschermd Thuis: in the larger municipalities, not yet in every one
                hosts = [self.spec.centre, *others[: max(0, math.ceil(len(ranked) * 0.5) - 1)]]
            weights = np.array(
                [self.population[self.codes.index(h)] ** 0.7 for h in hosts], dtype=float
            )
            split = np.maximum(2, np.round(places * weights / weights.sum())).astype(int)
            for n, host in enumerate(hosts):
                ages = (18, 24) if product is Product.BT_YOUTH_CLUSTER else (None, None)
                name = f"{_LABEL[product]} {_name(self.spec, host)}"
                facilities.append(
                    FacilitySpec(
                        next_id,
                        self.index,
                        product,
                        host,
                        int(split[n]),
                        p.price_per_day[i],
                        name if n == 0 or host != hosts[0] else f"{name} {n + 1}",
                        provider=(next_id + i) % 2,
                        min_age=ages[0],
                        max_age=ages[1],
                    )
                )
                next_id += 1
        return facilities

    # -- recording
    def _record(self, c: _Client, kind: EventType, day: int, **fields: int) -> int | None:
        """Record an event; dates never go back for a client. None: after the end."""
        if c.frozen:
            return None
        day = max(day, c.last_day)
        if day > self.end:
            c.frozen = True
            return None
        c.last_day = day
        self.seq += 1
        self.b.add(c.index, kind, day, self.seq, **fields)
        return day

    def _schedule(self, day: int, action: str, client: int) -> None:
        if day <= self.end:
            self.order += 1
            heapq.heappush(self.timeline, (day, self.order, action, client))

    def _age(self, c: _Client, day: int) -> int:
        b, d = date.fromordinal(c.birth), date.fromordinal(day)
        return d.year - b.year - ((d.month, d.day) < (b.month, b.day))

    def _mun(self, code: str) -> int:
        return self.b.mun(code)

    # -- an application (new client or a return)
    def apply(self, c: _Client, day: int) -> None:
        p, rng = self.p, self.rng
        youth = self._age(c, day) <= 24
        mix = np.array(p.channel_mix_youth if youth else p.channel_mix_adult)
        channel = CHANNELS[int(rng.choice(len(CHANNELS), p=mix / mix.sum()))]
        c.responsible = self.spec.centre if date.fromordinal(day) < RESIDENCE_BILL else c.origin
        recorded = self._record(
            c,
            EventType.APPLICATION,
            day,
            channel=CHANNEL_CODE[channel],
            municipality=self._mun(self.spec.centre),
            origin=self._mun(c.origin),
            responsible=self._mun(c.responsible),
        )
        if recorded is None:
            return
        c.episode_start, c.open = recorded, True
        c.waiting, c.ready, c.facility, c.housing_since = False, False, None, None
        if c.exit_day is not None:
            months = months_between(date.fromordinal(c.exit_day), date.fromordinal(recorded))
            if months < 24:
                self._record(c, EventType.RETURN, recorded, months=months)
        mix = np.array(p.product_mix_youth if youth else p.product_mix_adult)
        product = DECIDABLE[int(rng.choice(len(DECIDABLE), p=mix / mix.sum()))]
        assessed = recorded + int(rng.integers(*p.assessment_days))
        self._record(c, EventType.ASSESSMENT, assessed, product=PRODUCT_CODE[product])
        if rng.random() < p.second_opinion_share:
            assessed += int(rng.integers(10, 30))
            self._record(c, EventType.SECOND_OPINION, assessed, product=PRODUCT_CODE[product])
        if rng.random() < p.dispute_share:
            self._record(c, EventType.DISPUTE, assessed)  # opened; resolved below
            assessed += int(rng.integers(20, 60))
            other = self.codes[int(rng.integers(len(self.codes)))]
            c.responsible = other if date.fromordinal(assessed) >= RESIDENCE_BILL else c.responsible
            self._record(c, EventType.DISPUTE, assessed, municipality=self._mun(c.responsible))
        decided = assessed + int(rng.integers(*p.decision_days))
        urgency = (
            1
            if product is Product.MO_CRISIS
            else int(rng.choice((1, 2, 3), p=np.array(p.urgency_mix) / sum(p.urgency_mix)))
        )
        day_decided = self._record(
            c, EventType.DECISION, decided, product=PRODUCT_CODE[product], urgency=urgency
        )
        if day_decided is not None and product not in PLACE_PRODUCTS:
            c.open = False  # ambulant support or not eligible: the episode ends
        if day_decided is None or product not in PLACE_PRODUCTS:
            return
        c.decided, c.urgency, c.product = day_decided, urgency, product
        self._schedule(day_decided, "join", c.index)  # the list is joined on that day

    def _join(self, c: _Client, product: Product, day: int, urgency: int) -> None:
        recorded = self._record(
            c, EventType.WAITING_LIST_ENTRY, day, product=PRODUCT_CODE[product], urgency=urgency
        )
        if recorded is None:
            return
        c.waiting = True
        heapq.heappush(self.queues[product], (urgency, recorded, c.index))
        if c.facility is None:
            self._schedule(recorded + int(self.p.expiry_months * 30.44), "expire", c.index)

    # -- the weekly rhythm
    def run(self) -> None:
        p, rng = self.p, self.rng
        weekly = self.population / 10_000 * p.applications_per_10k_year / 52
        weekly *= np.array([p.centre_factor if c == self.spec.centre else 1.0 for c in self.codes])
        day = self.start
        while day <= self.end:
            years = (day - self.start) / 365.25
            youth_share = min(0.65, p.youth_share_start * (1 + p.youth_trend_per_year) ** years)
            for idx, n in enumerate(rng.poisson(weekly)):
                for _ in range(int(n)):
                    arrival = day + int(rng.integers(0, 7))
                    if arrival <= self.end:
                        self._new_client(idx, arrival, youth_share)
            week_end = day + 6
            self._timeline_until(week_end)
            self._fill_places(week_end)
            self._withdrawals(week_end)
            homes = self.population / 10_000 * p.homes_per_10k_year / 52
            homes *= (1 + p.homes_growth_per_year) ** years
            self._housing(week_end, rng.poisson(homes))
            day += 7

    def _new_client(self, municipality: int, day: int, youth_share: float) -> None:
        rng = self.rng
        youth = rng.random() < youth_share
        age = int(rng.integers(18, 25)) if youth else int(min(85, 25 + rng.gamma(2.0, 10.0)))
        birth = day - age * 365 - int(rng.integers(0, 365))
        if self.outside and rng.random() < self.p.outside_region_share:
            origin = self.outside[int(rng.integers(len(self.outside)))]
        else:
            origin = self.codes[municipality]
        c = _Client(self.b.client(self.next_client, birth, self.index), birth, origin)
        self.next_client += 1
        self.clients[c.index] = c
        self.apply(c, day)

    def _timeline_until(self, limit: int) -> None:
        while self.timeline and self.timeline[0][0] <= limit:
            when, _, action, index = heapq.heappop(self.timeline)
            c = self.clients[index]
            if action == "join":
                if c.open and not c.waiting and c.facility is None:
                    self._join(c, c.product, when, c.urgency)
            elif action == "end":
                self._end_of_need(c, when)
            elif action == "reapply":
                if not c.open:
                    self.apply(c, when)
            elif action == "expire":
                self._expire(c, when)

    def _expire(self, c: _Client, day: int) -> None:
        if not c.waiting or c.facility is not None or day - c.decided < self.p.expiry_months * 30:
            return
        if self._record(c, EventType.EXPIRY, day) is not None:
            c.waiting = c.open = False

    def _free(self, product: Product, origin: str) -> FacilitySpec | None:
        options = [f for f in self.by_product[product] if self.occupied[f.id] < f.places]
        if not options:
            return None
        local = [f for f in options if f.municipality == origin]
        return (local or options)[0]

    def _fill_places(self, limit: int) -> None:
        rng, p = self.rng, self.p
        for product, queue in self.queues.items():
            while queue:
                urgency, since, index = queue[0]
                c = self.clients[index]
                if not c.waiting or c.frozen:  # left the list meanwhile
                    heapq.heappop(queue)
                    continue
                facility = self._free(product, c.origin)
                if facility is None:
                    break
                heapq.heappop(queue)
                if facility.max_age is not None and self._age(c, limit + 7) > facility.max_age:
                    if c.facility is None and self._record(c, EventType.WITHDRAWAL, limit):
                        c.waiting = c.open = (
                            False  # aged out of the youth list: applies again later
                        )
                        self._schedule(limit + 21, "reapply", c.index)
                    elif c.facility is not None:
                        self._record(c, EventType.WITHDRAWAL, limit)
                        c.waiting = False
                        self._to_housing(c, limit)
                    continue
                fields = {"product": PRODUCT_CODE[product], "facility": facility.id}
                if c.facility is not None:  # in care, waiting for a lighter form
                    self._transfer(c, facility, limit)
                    continue
                offer = max(since, limit - int(rng.integers(1, 6)))
                if rng.random() < p.offer_decline_share:
                    self._record(c, EventType.OFFER, offer, **fields)
                    self._record(c, EventType.OFFER_DECLINED, offer + 2)
                    heapq.heappush(queue, (urgency, since, index))  # keeps the position
                    continue
                if self._record(c, EventType.OFFER, offer, **fields) is None:
                    continue
                start = self._record(c, EventType.PLACEMENT, limit, **fields)
                if start is not None:
                    self._place(c, facility, start)

    def _place(self, c: _Client, facility: FacilitySpec, start: int) -> None:
        p = self.p
        self.occupied[facility.id] += 1
        c.facility, c.waiting, c.ready = facility, False, False
        i = PLACE.index(facility.product)
        months = float(self.rng.lognormal(math.log(p.stay_median_months[i]), p.stay_sigma))
        self._schedule(start + max(7, int(months * 30.44)), "end", c.index)

    def _release(self, c: _Client) -> None:
        if c.facility is not None:
            self.occupied[c.facility.id] -= 1
            c.facility = None

    def _transfer(self, c: _Client, facility: FacilitySpec, day: int) -> None:
        fields = {"product": PRODUCT_CODE[facility.product], "facility": facility.id}
        recorded = self._record(c, EventType.TRANSFER, day, **fields)
        if recorded is None:
            return
        self._release(c)
        self.housing.pop(c.index, None)
        self._place(c, facility, recorded)

    def _end_of_need(self, c: _Client, day: int) -> None:
        if c.facility is None or c.frozen:
            return
        rng, p = self.rng, self.p
        product = c.facility.product
        if product in MO:
            if product is Product.MO_CRISIS and rng.random() < p.mo_crisis_to_bw:
                self._join(c, Product.BW, day, 1)  # stays in crisis care until BW has room
                return
            self._exit(c, day, _pick(rng, p.mo_exits), self.spec.centre)
            return
        if rng.random() < p.direct_exit_share:
            self._exit(c, day, _pick(rng, p.direct_exits), "")
            return
        if self._record(c, EventType.READY_TO_MOVE_ON, day) is None:
            return
        c.ready = True
        if product is Product.BW and rng.random() < p.bw_to_bt_share:
            young = self._age(c, day) <= 23
            target = Product.BT_CLUSTER if rng.random() < 0.45 else Product.BT_INDIVIDUAL
            if young and rng.random() < 0.6:
                target = Product.BT_YOUTH_CLUSTER
            self._join(c, target, day, 3)
            return
        self._to_housing(c, day)

    def _to_housing(self, c: _Client, day: int) -> None:
        c.housing_since = day
        self.housing[c.index] = day

    def _exit(self, c: _Client, day: int, destination: Destination, municipality: str) -> None:
        recorded = self._record(
            c,
            EventType.EXIT,
            day,
            destination=DESTINATION_CODE[destination],
            municipality=self._mun(municipality),
        )
        if recorded is None:
            return
        self._release(c)
        self.housing.pop(c.index, None)
        c.waiting, c.ready, c.open, c.exit_day = False, False, False, recorded
        if self.rng.random() < self.p.return_share:
            months = float(self.rng.exponential(self.p.return_months_max / 3))
            self._schedule(recorded + 14 + int(months * 30.44), "reapply", c.index)

    def _housing(self, limit: int, homes: np.ndarray[Any, Any]) -> None:
        p, rng = self.p, self.rng
        if not self.housing:
            return
        waiting = sorted(self.housing, key=lambda i: (self.housing[i], i))
        housed: set[int] = set()
        for idx, count in enumerate(homes):
            code = self.codes[idx]
            for _ in range(int(count)):
                pick = next(
                    (i for i in waiting if i not in housed and self.clients[i].origin == code),
                    None,
                )
                if pick is None:  # nobody from here: the longest waiting of the region
                    pick = next((i for i in waiting if i not in housed), None)
                if pick is None:
                    break
                housed.add(pick)
                c = self.clients[pick]
                where = "home_origin" if c.origin == code else "home_region"
                supported = rng.random() < p.supported_share
                self._exit(
                    c, limit, Destination(f"{where}_supported" if supported else where), code
                )
        for i in waiting:
            if i not in housed and rng.random() < p.home_elsewhere_per_week:
                c = self.clients[i]
                outside = self.outside[int(rng.integers(len(self.outside)))] if self.outside else ""
                self._exit(c, limit, Destination.HOME_OUTSIDE_SUPPORTED, outside)

    def _withdrawals(self, limit: int) -> None:
        rng, p = self.rng, self.p
        for queue in self.queues.values():
            for _urgency, since, index in queue:
                c = self.clients[index]
                if (
                    c.waiting
                    and c.facility is None
                    and since < limit
                    and rng.random() < p.withdraw_per_week
                    and self._record(c, EventType.WITHDRAWAL, limit) is not None
                ):
                    c.waiting = c.open = False


def _pick(rng: np.random.Generator, options: tuple[tuple[Destination, float], ...]) -> Destination:
    weights = np.array([w for _, w in options])
    return options[int(rng.choice(len(options), p=weights / weights.sum()))][0]


def _name(spec: RegionSpec, code: str) -> str:
    return next((m.name for m in spec.municipalities if m.code == code), code)


def generate(
    regions: Sequence[RegionSpec],
    *,
    end: date,
    years: int = 5,
    seed: int = 2026,
    params: Parameters | None = None,
    municipalities: Sequence[str] = (),
) -> SyntheticData:
    """Simulate ``years`` of history (after a burn-in) up to ``end`` for every region.

    ``municipalities`` lists every GM code (for clients from outside a region and the
    municipality columns); by default only the regions' own municipalities."""
    p = params or Parameters()
    history_start = end - timedelta(days=int(365.25 * years))
    start = history_start - timedelta(days=int(365.25 * p.burn_in_years))
    own = [m.code for r in regions for m in r.municipalities]
    codes = list(dict.fromkeys([*own, *municipalities]))
    builder = EventLogBuilder(codes, [r.key for r in regions])
    root = np.random.default_rng(seed)
    facilities: list[FacilitySpec] = []
    next_client, next_facility = 1, 1
    for index, spec in enumerate(regions):
        members = {m.code for m in spec.municipalities}
        outside = [code for code in municipalities if code not in members][:400]
        sim = _Region(
            index,
            spec,
            p,
            np.random.default_rng(root.integers(2**63)),
            builder,
            start.toordinal(),
            end.toordinal(),
            next_client,
            next_facility,
            outside or [code for code in own if code not in members],
        )
        sim.run()
        facilities.extend(sim.facilities)
        next_facility = facilities[-1].id + 1 if facilities else next_facility
        next_client = sim.next_client
    facility_table = Facilities(
        id=np.array([f.id for f in facilities], dtype=np.int32),
        product=np.array([PRODUCT_CODE[f.product] for f in facilities], dtype=np.int8),
        municipality=np.array([builder.mun(f.municipality) for f in facilities], dtype=np.int16),
        places=np.array([f.places for f in facilities], dtype=np.int32),
        price_per_day=np.array([f.price_per_day for f in facilities], dtype=np.float64),
        opened=np.full(len(facilities), NONE, dtype=np.int32),
        region=np.array([f.region for f in facilities], dtype=np.int16),
        min_age=np.array([f.min_age or NONE for f in facilities], dtype=np.int16),
        max_age=np.array([f.max_age or NONE for f in facilities], dtype=np.int16),
    )
    return SyntheticData(
        regions=list(regions),
        facilities=facilities,
        log=builder.build(facility_table).sorted(),
        start=start,
        end=end,
        history_start=history_start,
        parameters=p,
    )


# ---------------------------------------------------------------- payloads
_REASONS = {
    EventType.OFFER_DECLINED: "Past niet bij de wensen van de cliënt (synthetisch).",
    EventType.WITHDRAWAL: "Aanmelding ingetrokken (synthetisch).",
    EventType.EXPIRY: "Maximale termijn op de wachtlijst verstreken (synthetisch).",
}


def history(data: SyntheticData, client: int) -> list[Event]:
    """One client's events (dense client index) with payloads as the services store them."""
    log = data.log
    lo = int(np.searchsorted(log.client, client, side="left"))
    hi = int(np.searchsorted(log.client, client, side="right"))
    facilities = {f.id: f for f in data.facilities}
    region = data.regions[int(log.client_region[client])]
    mun = log.municipalities
    events: list[Event] = []
    open_dispute = False
    for row in range(lo, hi):
        kind = EVENT_TYPES[int(log.type[row])]
        product = PRODUCTS[int(log.product[row])].value if log.product[row] >= 0 else None
        payload: dict[str, Any] = {}
        if kind is EventType.APPLICATION:
            origin = mun[int(log.origin[row])]
            payload = {
                "channel": CHANNELS[int(log.channel[row])].value,
                "applied_municipality": mun[int(log.municipality[row])],
                "responsible_municipality": mun[int(log.responsible[row])],
                "origin_municipality": origin,
                "brp_municipality": origin,
                "postal_municipality": "",
                "homeless": False,
                "regional_ties": "unknown",
                "ties_explanation": "",
                "notes": "",
                "synthetic": True,
            }
        elif kind is EventType.RETURN:
            payload = {"months_since_exit": int(log.months[row])}
        elif kind is EventType.ASSESSMENT:
            payload = {"advice": product, "framework_version": "synthetisch", "synthetic": True}
        elif kind is EventType.SECOND_OPINION:
            payload = {
                "expert": "Onafhankelijk deskundige",
                "expert_organisation": "Synthetisch",
                "advice": product,
                "agrees": True,
                "notes": "",
            }
        elif kind is EventType.DECISION:
            payload = {
                "product": product,
                "urgency": int(log.urgency[row]),
                "reasons": "Conform advies (synthetisch).",
                "advice": product,
                "deviates_from_advice": False,
            }
        elif kind is EventType.WAITING_LIST_ENTRY:
            payload = {"product": product, "urgency": int(log.urgency[row]), "facility_id": None}
        elif kind in (EventType.OFFER, EventType.PLACEMENT, EventType.TRANSFER):
            f = facilities[int(log.facility[row])]
            payload = {
                "facility_id": f.id,
                "facility_type": f.product.value,
                "facility_municipality": f.municipality,
                "facility_min_age": f.min_age,
                "facility_max_age": f.max_age,
            }
            if kind is EventType.TRANSFER:
                payload["reason"] = "Doorstroom naar een lichtere vorm (synthetisch)."
        elif kind is EventType.READY_TO_MOVE_ON:
            payload = {"notes": ""}
        elif kind is EventType.EXIT:
            m = int(log.municipality[row])
            payload = {
                "destination": DESTINATIONS[int(log.destination[row])].value,
                "destination_municipality": mun[m] if m >= 0 else "",
                "notes": "",
            }
        elif kind is EventType.DISPUTE:
            if not open_dispute:
                payload = {"action": "open", "reason": "Herkomst onduidelijk.", "claimed_by": ""}
            else:
                m = int(log.municipality[row])
                payload = {
                    "action": "resolve",
                    "reason": "Opgelost in regionaal overleg.",
                    "responsible_municipality": mun[m] if m >= 0 else region.centre,
                }
            open_dispute = not open_dispute
        elif kind in _REASONS:
            payload = {"reason": _REASONS[kind]}
        events.append(
            Event(
                f"s{int(log.seq[row])}",
                kind,
                date.fromordinal(int(log.day[row])),
                int(log.seq[row]),
                payload,
            )
        )
    return events


# ---------------------------------------------------------------- regions from data
def regions_from_rows(rows: Sequence[dict[str, str]]) -> list[RegionSpec]:
    """Regions from rows shaped like ``demo_regions.csv`` (region, centre_code,
    municipality_code, municipality_name, approx_population)."""
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["region"]].append(row)
    return [
        RegionSpec(
            name,
            members[0]["centre_code"],
            tuple(
                MunicipalitySpec(
                    r["municipality_code"], r["municipality_name"], int(r["approx_population"])
                )
                for r in members
            ),
        )
        for name, members in grouped.items()
    ]


def national_regions(
    municipalities: Sequence[tuple[str, str, str]],
    regions: Sequence[RegionSpec],
    *,
    populations: dict[str, int] | None = None,
    seed: int = 7,
    target_population: int = 18_000_000,
) -> list[RegionSpec]:
    """Regions covering every municipality (for benchmarks): the given regions, and for the
    other municipalities synthetic regions per province of about 10 members with the largest
    as centre. Missing populations get a synthetic size (log-normal), scaled so that the
    country has about ``target_population`` inhabitants."""
    rng = np.random.default_rng(seed)
    covered = {m.code for r in regions for m in r.municipalities}
    known = populations or {}
    sizes = {
        code: known.get(code) or int(rng.lognormal(math.log(30_000), 0.75))
        for code, _, _ in municipalities
        if code not in covered
    }
    given = sum(r.population for r in regions)
    scale = max(0.1, (target_population - given) / max(1, sum(sizes.values())))
    by_province: dict[str, list[MunicipalitySpec]] = defaultdict(list)
    for code, name, province in municipalities:
        if code in sizes:
            by_province[province].append(MunicipalitySpec(code, name, int(sizes[code] * scale)))
    result = list(regions)
    for province, members in sorted(by_province.items()):
        members.sort(key=lambda m: -m.population)
        groups = max(1, round(len(members) / 10))
        for g in range(groups):
            chunk = members[g::groups]
            result.append(RegionSpec(f"{province} {g + 1}", chunk[0].code, tuple(chunk)))
    return result
