"""The journey event log as columns, and the spells derived from it.

The monitor, the forecast calibration, the policy replay of the matching engine and the
realised costs of the finance module all read the same thing: every client's corrected
history (``core.journey``), held as numpy columns (:class:`EventLog`) so that the national
scale (~1,000,000 events) fits in memory and is processed with vectorised operations.

:func:`derive_spells` turns the log into the periods people spend somewhere
(:class:`Spells`, polars DataFrames): episodes (application to closure), waiting-list
entries, stays in facilities, "ready to move on" periods, and exits. The derivation follows
the state machine of ``core.journey`` exactly (a property test compares it with the fold on
generated histories):

- an episode starts with ``application_received`` and is closed by a decision for
  ambulant support or not eligible, a withdrawal while not in care, an expiry, or an exit;
- a waiting-list entry is closed by a placement, a transfer into a facility of the product
  waited for, a withdrawal, an expiry or an exit;
- a stay starts with a placement or a transfer and ends with the next transfer or the exit;
- "ready to move on" runs from its flag to the end of that stay (transfer or exit).

Dates are ``datetime.date`` ordinals (``int32``) in the columns and ``pl.Date`` in the
spells; codes are indices into the enumerations below (``-1``: not applicable).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from doorstroom.core.journey import (
    Channel,
    Destination,
    Event,
    EventType,
    Product,
    resolve_corrections,
)

EVENT_TYPES: tuple[EventType, ...] = tuple(EventType)
PRODUCTS: tuple[Product, ...] = tuple(Product)
CHANNELS: tuple[Channel, ...] = tuple(Channel)
DESTINATIONS: tuple[Destination, ...] = tuple(Destination)
TYPE_CODE: dict[EventType, int] = {t: i for i, t in enumerate(EVENT_TYPES)}
PRODUCT_CODE: dict[Product, int] = {p: i for i, p in enumerate(PRODUCTS)}
CHANNEL_CODE: dict[Channel, int] = {c: i for i, c in enumerate(CHANNELS)}
DESTINATION_CODE: dict[Destination, int] = {d: i for i, d in enumerate(DESTINATIONS)}
NONE = -1

# Age bands of the monitor: young people (18-24) are always a band of their own. The rare
# application before the 18th birthday (youth care preparing the transition) counts as 18-24.
AGE_BANDS: tuple[str, ...] = ("18-24", "25-44", "45-64", "65+")
_AGE_LIMITS = np.array([25, 45, 65])  # lower bounds of the bands after the first

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # polars dates count days from 1970-01-01

PRODUCT_ENUM = pl.Enum([p.value for p in PRODUCTS])
CHANNEL_ENUM = pl.Enum([c.value for c in CHANNELS])
DESTINATION_ENUM = pl.Enum([d.value for d in DESTINATIONS])
AGE_BAND_ENUM = pl.Enum(list(AGE_BANDS))
EPISODE_OUTCOMES = ("exited", "referred", "not_eligible", "withdrawn", "expired")
WAIT_OUTCOMES = ("placed", "withdrawn", "expired")
STAY_ENDS = ("transfer", "exit")

I8 = NDArray[np.int8]
I16 = NDArray[np.int16]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]


class EventLogError(ValueError):
    """The columns do not describe valid histories (e.g. an event before any application)."""


@dataclass(frozen=True)
class Facilities:
    """Facility attributes, one row per facility; ``id`` as in the event columns."""

    id: I32
    product: I8
    municipality: I16
    places: I32
    price_per_day: F64
    opened: I32  # date ordinal from which it takes clients; NONE: always
    region: I16
    min_age: I16  # NONE: no limit
    max_age: I16

    @classmethod
    def empty(cls) -> Facilities:
        return cls(
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
            np.zeros(0, np.int16),
            np.zeros(0, np.int32),
            np.zeros(0, np.float64),
            np.zeros(0, np.int32),
            np.zeros(0, np.int16),
            np.zeros(0, np.int16),
            np.zeros(0, np.int16),
        )

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class EventLog:
    """Every client's corrected history as columns (no correction events).

    Rows may come in any order; :meth:`sorted` orders them by client, effective date and
    recording sequence (the folding order of ``core.journey``). ``client`` holds dense
    indices into the client columns; ``client_ids`` maps them to the stored ids.
    """

    # events
    client: I32
    seq: I64
    day: I32
    type: I8
    product: I8  # decision / waiting list / facility type of offer, placement, transfer
    facility: I32
    municipality: I16  # applied (application), destination (exit), new responsible (dispute)
    origin: I16  # application: municipality of origin
    responsible: I16  # application: responsible municipality (residence principle)
    channel: I8
    destination: I8
    urgency: I8
    months: I16  # return: months since the previous exit
    # dimensions
    municipalities: tuple[str, ...]  # GM codes
    regions: tuple[str, ...]
    client_ids: I64
    client_birth: I32  # date ordinal
    client_region: I16
    facilities: Facilities = field(default_factory=Facilities.empty)

    def __len__(self) -> int:
        return len(self.client)

    @property
    def clients(self) -> int:
        return len(self.client_ids)

    def sorted(self) -> EventLog:
        order = np.lexsort((self.seq, self.day, self.client))
        if np.all(order[1:] > order[:-1]):
            return self
        return self.take(order)

    def take(self, rows: NDArray[np.intp] | B) -> EventLog:
        cols = {name: getattr(self, name)[rows] for name in EVENT_COLUMNS}
        return EventLog(
            **cols,
            municipalities=self.municipalities,
            regions=self.regions,
            client_ids=self.client_ids,
            client_birth=self.client_birth,
            client_region=self.client_region,
            facilities=self.facilities,
        )

    def for_regions(self, regions: Iterable[int]) -> EventLog:
        """The events of clients of these regions (client columns are kept as they are)."""
        wanted = np.isin(self.client_region, np.fromiter(regions, dtype=np.int16))
        return self.take(wanted[self.client])

    def municipality_index(self, code: str) -> int:
        try:
            return self.municipalities.index(code)
        except ValueError:
            return NONE


EVENT_COLUMNS: tuple[str, ...] = (
    "client",
    "seq",
    "day",
    "type",
    "product",
    "facility",
    "municipality",
    "origin",
    "responsible",
    "channel",
    "destination",
    "urgency",
    "months",
)
_DTYPES: dict[str, Any] = {
    "client": np.int32,
    "seq": np.int64,
    "day": np.int32,
    "type": np.int8,
    "product": np.int8,
    "facility": np.int32,
    "municipality": np.int16,
    "origin": np.int16,
    "responsible": np.int16,
    "channel": np.int8,
    "destination": np.int8,
    "urgency": np.int8,
    "months": np.int16,
}


class EventLogBuilder:
    """Collects events row by row (from the database or a simulation) into an EventLog."""

    def __init__(self, municipalities: Sequence[str], regions: Sequence[str] = ()) -> None:
        self.municipalities = tuple(municipalities)
        self.regions = tuple(regions)
        self._mun = {code: i for i, code in enumerate(self.municipalities)}
        self._cols: dict[str, list[int]] = {name: [] for name in EVENT_COLUMNS}
        self._client_index: dict[int, int] = {}
        self._client_ids: list[int] = []
        self._client_birth: list[int] = []
        self._client_region: list[int] = []

    def mun(self, code: str | None) -> int:
        return self._mun.get(code or "", NONE)

    def client(self, client_id: int, birth: date | int, region: int = 0) -> int:
        index = self._client_index.get(client_id)
        if index is None:
            index = len(self._client_ids)
            self._client_index[client_id] = index
            self._client_ids.append(client_id)
            self._client_birth.append(birth if isinstance(birth, int) else birth.toordinal())
            self._client_region.append(region)
        return index

    def add_core_event(self, client: int, event: Event) -> None:
        """Add one (corrected) ``core.journey`` event with a payload as the services store it."""
        p = event.payload
        kind = event.type
        product: Any = None
        municipality = NONE
        if kind in (EventType.DECISION, EventType.WAITING_LIST_ENTRY):
            product = p.get("product")
        elif kind in (EventType.OFFER, EventType.PLACEMENT, EventType.TRANSFER):
            product = p.get("facility_type")
        elif kind in (EventType.ASSESSMENT, EventType.SECOND_OPINION):
            product = p.get("advice")
        if kind is EventType.APPLICATION:
            municipality = self.mun(p.get("applied_municipality"))
        elif kind is EventType.EXIT:
            municipality = self.mun(p.get("destination_municipality"))
        elif kind is EventType.DISPUTE and p.get("action") == "resolve":
            municipality = self.mun(p.get("responsible_municipality"))
        months = p.get("months_since_exit") if kind is EventType.RETURN else None
        facility = p.get("facility_id") if "facility_type" in p else None
        self.add(
            client,
            kind,
            event.effective.toordinal(),
            event.sequence,
            product=PRODUCT_CODE[Product(product)] if product else NONE,
            facility=int(facility) if facility is not None else NONE,
            municipality=municipality,
            origin=self.mun(p.get("origin_municipality"))
            if kind is EventType.APPLICATION
            else NONE,
            responsible=self.mun(p.get("responsible_municipality"))
            if kind is EventType.APPLICATION
            else NONE,
            channel=CHANNEL_CODE[Channel(p.get("channel", Channel.OTHER))]
            if kind is EventType.APPLICATION
            else NONE,
            destination=DESTINATION_CODE[Destination(p["destination"])]
            if kind is EventType.EXIT
            else NONE,
            urgency=int(p.get("urgency") or 0),
            months=int(months) if months is not None else NONE,
        )

    def add_history(self, client: int, events: Sequence[Event]) -> None:
        """Add one client's stored history; corrections are applied first."""
        for event in resolve_corrections(events):
            self.add_core_event(client, event)

    def add(
        self,
        client: int,
        kind: EventType,
        day: int,
        seq: int,
        *,
        product: int = NONE,
        facility: int = NONE,
        municipality: int = NONE,
        origin: int = NONE,
        responsible: int = NONE,
        channel: int = NONE,
        destination: int = NONE,
        urgency: int = 0,
        months: int = NONE,
    ) -> None:
        c = self._cols
        c["client"].append(client)
        c["seq"].append(seq)
        c["day"].append(day)
        c["type"].append(TYPE_CODE[kind])
        c["product"].append(product)
        c["facility"].append(facility)
        c["municipality"].append(municipality)
        c["origin"].append(origin)
        c["responsible"].append(responsible)
        c["channel"].append(channel)
        c["destination"].append(destination)
        c["urgency"].append(urgency)
        c["months"].append(months)

    def build(self, facilities: Facilities | None = None) -> EventLog:
        cols = {name: np.array(values, dtype=_DTYPES[name]) for name, values in self._cols.items()}
        return EventLog(
            **cols,
            municipalities=self.municipalities,
            regions=self.regions,
            client_ids=np.array(self._client_ids, dtype=np.int64),
            client_birth=np.array(self._client_birth, dtype=np.int32),
            client_region=np.array(self._client_region, dtype=np.int16),
            facilities=facilities or Facilities.empty(),
        )


# ---------------------------------------------------------------- vectorised helpers
def _next_index(mask: B) -> NDArray[np.intp]:
    """For each row i: the smallest j > i with mask[j], or len(mask)."""
    n = len(mask)
    candidates = np.where(mask, np.arange(n), n)
    # shift by one so that row i looks at rows after it, then a reverse running minimum
    shifted = np.append(candidates[1:], n)
    return np.minimum.accumulate(shifted[::-1])[::-1]


def _prev_index(mask: B) -> NDArray[np.intp]:
    """For each row i: the largest j < i with mask[j], or -1."""
    n = len(mask)
    candidates = np.where(mask, np.arange(n), -1)
    shifted = np.insert(candidates[:-1], 0, -1)
    return np.maximum.accumulate(shifted) if n else candidates


def age_band_codes(age: NDArray[np.integer[Any]]) -> I8:
    return np.searchsorted(_AGE_LIMITS, age, side="right").astype(np.int8)


def ages(birth: I32, day: I32) -> I16:
    """Age in whole years on ``day`` (both date ordinals), vectorised."""
    b = _ymd(birth)
    d = _ymd(day)
    before_birthday = (d[1] < b[1]) | ((d[1] == b[1]) & (d[2] < b[2]))
    years: I16 = (d[0] - b[0] - before_birthday.astype(np.int32)).astype(np.int16)
    return years


def _ymd(ordinals: I32) -> tuple[I32, I32, I32]:
    days = (ordinals.astype(np.int64) - EPOCH_ORDINAL).astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int32) + 1970
    m = (months - years).astype(np.int32) + 1
    d = (days - months).astype(np.int32) + 1
    return y.astype(np.int32), m.astype(np.int32), d.astype(np.int32)


def _pl_dates(ordinals: NDArray[np.integer[Any]], missing: B | None = None) -> pl.Series:
    values = pl.Series(ordinals.astype(np.int64) - EPOCH_ORDINAL, dtype=pl.Int64)
    if missing is not None:
        values = values.set(pl.Series(missing), None)
    return values.cast(pl.Int32).cast(pl.Date)


def _enum(codes: NDArray[np.integer[Any]], values: Sequence[str], dtype: pl.Enum) -> pl.Series:
    labels = np.array([*values, None], dtype=object)
    return pl.Series(labels[np.where(codes < 0, len(values), codes)].tolist(), dtype=dtype)


def _codes(codes: NDArray[np.integer[Any]], names: Sequence[str]) -> pl.Series:
    labels = np.array([*names, None], dtype=object)
    return pl.Series(labels[np.where(codes < 0, len(names), codes)].tolist(), dtype=pl.String)


def _nullable(values: NDArray[np.integer[Any]], missing: B, dtype: Any) -> pl.Series:
    series = pl.Series(values.astype(np.int64))
    return series.set(pl.Series(missing), None).cast(dtype)


# ---------------------------------------------------------------- spells
@dataclass(frozen=True)
class Spells:
    """The periods derived from an event log (see the module docstring).

    ``episodes``: client, episode, region, applied, age, age_band, channel,
    applied_municipality, origin, responsible, return_months, advice, decided, product,
    urgency, first_placed, closed, outcome.
    ``waits``: client, episode, region, responsible, origin, age_band, product, start, end,
    outcome, decided, urgency, in_care.
    ``stays``: client, episode, region, responsible, origin, age_band, facility, product,
    facility_municipality, start, end, end_reason, ready, destination.
    ``ready``: client, episode, region, responsible, origin, age_band, product, start, end,
    outcome.
    ``exits``: client, episode, region, responsible, origin, age_band, day, destination,
    destination_municipality, product, first_placed.

    ``end`` / ``closed`` are null while open. ``client`` is the stored client id.
    """

    episodes: pl.DataFrame
    waits: pl.DataFrame
    stays: pl.DataFrame
    ready: pl.DataFrame
    exits: pl.DataFrame
    facilities: pl.DataFrame  # id, product, municipality, places, opened, region
    municipalities: tuple[str, ...]
    regions: tuple[str, ...]
    first_day: date | None
    last_day: date | None


def derive_spells(log: EventLog) -> Spells:
    """All spells of the log, vectorised (no per-client Python loop)."""
    log = log.sorted()
    n = len(log)
    t = log.type
    code = TYPE_CODE
    is_app = t == code[EventType.APPLICATION]
    if n:
        first_of_client = np.ones(n, dtype=bool)
        first_of_client[1:] = log.client[1:] != log.client[:-1]
        if np.any(first_of_client & ~is_app):
            bad = int(log.client_ids[log.client[np.argmax(first_of_client & ~is_app)]])
            raise EventLogError(f"client {bad}: the first event is not an application")
    # episode index (0-based, global) of every event
    ep = np.cumsum(is_app) - 1
    app_rows = np.flatnonzero(is_app)
    n_ep = len(app_rows)
    ep_client = log.client[app_rows]
    ep_number = np.zeros(n_ep, dtype=np.int16)
    if n_ep:
        new_client = np.ones(n_ep, dtype=bool)
        new_client[1:] = ep_client[1:] != ep_client[:-1]
        start_of_client = np.maximum.accumulate(np.where(new_client, np.arange(n_ep), 0))
        ep_number = (np.arange(n_ep) - start_of_client + 1).astype(np.int16)

    # per-episode attributes
    ep_applied = log.day[app_rows]
    ep_age = ages(log.client_birth[ep_client], ep_applied)
    ep_band = age_band_codes(ep_age)
    ep_region = log.client_region[ep_client]
    ep_responsible = log.responsible[app_rows].copy()
    resolve = (t == code[EventType.DISPUTE]) & (log.municipality >= 0)
    # the last resolution within an episode wins (rows are in folding order)
    ep_responsible[ep[resolve]] = log.municipality[resolve]
    ep_origin = log.origin[app_rows]
    missing_origin = ep_origin < 0
    ep_origin = np.where(missing_origin, ep_responsible, ep_origin).astype(np.int16)

    def first_in_episode(mask: B, values: NDArray[Any], fill: int) -> NDArray[Any]:
        out = np.full(n_ep, fill, dtype=values.dtype)
        rows = np.flatnonzero(mask)[::-1]  # reversed: the first assignment wins
        out[ep[rows]] = values[rows]
        return out

    def last_in_episode(mask: B, values: NDArray[Any], fill: int) -> NDArray[Any]:
        out = np.full(n_ep, fill, dtype=values.dtype)
        rows = np.flatnonzero(mask)
        out[ep[rows]] = values[rows]
        return out

    is_decision = t == code[EventType.DECISION]
    ep_decided = first_in_episode(is_decision, log.day, NONE)
    ep_product = first_in_episode(is_decision, log.product, NONE)
    ep_urgency = first_in_episode(is_decision, log.urgency, 0)
    ep_advice = last_in_episode(t == code[EventType.ASSESSMENT], log.product, NONE)
    is_placement = t == code[EventType.PLACEMENT]
    is_transfer = t == code[EventType.TRANSFER]
    is_stay_start = is_placement | is_transfer
    ep_first_placed = first_in_episode(is_placement, log.day, NONE)
    is_exit = t == code[EventType.EXIT]
    is_withdrawal = t == code[EventType.WITHDRAWAL]
    is_expiry = t == code[EventType.EXPIRY]
    # in care at a row: a placement earlier in the same episode (an exit closes the episode)
    placements_so_far = np.cumsum(is_placement)
    placements_before_episode = placements_so_far[app_rows] - is_placement[app_rows]
    in_care = (placements_so_far - is_placement - placements_before_episode[ep]) > 0
    ambulant = is_decision & np.isin(
        log.product, [PRODUCT_CODE[Product.AMBULANT], PRODUCT_CODE[Product.NOT_ELIGIBLE]]
    )
    closing = ambulant | is_exit | is_expiry | (is_withdrawal & ~in_care)
    outcome_code = np.full(n, NONE, dtype=np.int8)
    outcome_code[is_exit] = 0
    outcome_code[ambulant & (log.product == PRODUCT_CODE[Product.AMBULANT])] = 1
    outcome_code[ambulant & (log.product == PRODUCT_CODE[Product.NOT_ELIGIBLE])] = 2
    outcome_code[is_withdrawal & ~in_care] = 3
    outcome_code[is_expiry] = 4
    ep_closed = first_in_episode(closing, log.day, NONE)
    ep_outcome = first_in_episode(closing, outcome_code, NONE)
    return_months = first_in_episode(t == code[EventType.RETURN], log.months, NONE)

    def episode_columns(index: NDArray[np.intp]) -> dict[str, pl.Series]:
        return {
            "client": pl.Series(log.client_ids[ep_client[index]], dtype=pl.Int64),
            "episode": pl.Series(ep_number[index], dtype=pl.Int16),
            "region": _codes(ep_region[index], log.regions),
            "responsible": _codes(ep_responsible[index], log.municipalities),
            "origin": _codes(ep_origin[index], log.municipalities),
            "age_band": _enum(ep_band[index], AGE_BANDS, AGE_BAND_ENUM),
        }

    all_eps = np.arange(n_ep)
    episodes = pl.DataFrame(
        {
            **episode_columns(all_eps),
            "applied": _pl_dates(ep_applied),
            "age": pl.Series(ep_age, dtype=pl.Int16),
            "channel": _enum(log.channel[app_rows], CHANNELS_VALUES, CHANNEL_ENUM),
            "applied_municipality": _codes(log.municipality[app_rows], log.municipalities),
            "return_months": _nullable(return_months, return_months < 0, pl.Int16),
            "advice": _enum(ep_advice, PRODUCT_VALUES, PRODUCT_ENUM),
            "decided": _pl_dates(ep_decided, ep_decided < 0),
            "product": _enum(ep_product, PRODUCT_VALUES, PRODUCT_ENUM),
            "urgency": _nullable(ep_urgency, ep_urgency <= 0, pl.Int8),
            "first_placed": _pl_dates(ep_first_placed, ep_first_placed < 0),
            "closed": _pl_dates(ep_closed, ep_closed < 0),
            "outcome": _codes(ep_outcome, EPISODE_OUTCOMES),
        }
    )

    same_episode_as = _same_episode(ep)

    # stays: start at placement/transfer, end at the next transfer/exit of the episode
    stay_rows = np.flatnonzero(is_stay_start)
    stay_end_row = same_episode_as(stay_rows, _next_index(is_transfer | is_exit))
    stay_open = stay_end_row < 0
    end_rows = np.where(stay_open, 0, stay_end_row)
    stay_end = np.where(stay_open, NONE, log.day[end_rows] if n else 0)
    stay_reason = np.where(stay_open, NONE, np.where(is_exit[end_rows], 1, 0))
    stay_destination = np.where(stay_open | ~is_exit[end_rows], NONE, log.destination[end_rows])
    # ready to move on: belongs to the stay that started last before it
    ready_rows = np.flatnonzero(t == code[EventType.READY_TO_MOVE_ON])
    stay_of_ready = np.searchsorted(stay_rows, ready_rows, side="right") - 1
    stay_ready = np.full(len(stay_rows), NONE, dtype=np.int32)
    stay_ready[stay_of_ready] = log.day[ready_rows]
    stay_eps = ep[stay_rows]
    stays = pl.DataFrame(
        {
            **episode_columns(stay_eps),
            "facility": pl.Series(log.facility[stay_rows], dtype=pl.Int32),
            "product": _enum(log.product[stay_rows], PRODUCT_VALUES, PRODUCT_ENUM),
            "facility_municipality": _codes(
                _facility_municipality(log, log.facility[stay_rows]), log.municipalities
            ),
            "start": _pl_dates(log.day[stay_rows]),
            "end": _pl_dates(stay_end, stay_open),
            "end_reason": _codes(stay_reason, STAY_ENDS),
            "ready": _pl_dates(stay_ready, stay_ready < 0),
            "destination": _enum(stay_destination, DESTINATION_VALUES, DESTINATION_ENUM),
        }
    )
    ready_stays = np.flatnonzero(stay_ready >= 0)
    ready = pl.DataFrame(
        {
            **episode_columns(stay_eps[ready_stays]),
            "product": _enum(log.product[stay_rows[ready_stays]], PRODUCT_VALUES, PRODUCT_ENUM),
            "start": _pl_dates(stay_ready[ready_stays]),
            "end": _pl_dates(stay_end[ready_stays], stay_open[ready_stays]),
            "outcome": _codes(stay_reason[ready_stays], ("transfer", "exit")),
        }
    )

    # waiting-list entries
    is_wait = t == code[EventType.WAITING_LIST_ENTRY]
    wait_rows = np.flatnonzero(is_wait)
    last_wait = _prev_index(is_wait)
    transfer_to_waited = np.zeros(n, dtype=bool)
    if n:
        lw = np.where(last_wait < 0, 0, last_wait)
        transfer_to_waited = (
            is_transfer & (last_wait >= 0) & (ep[lw] == ep) & (log.product[lw] == log.product)
        )
    wait_ends = is_placement | transfer_to_waited | is_withdrawal | is_expiry | is_exit
    wait_end_row = same_episode_as(wait_rows, _next_index(wait_ends))
    wait_open = wait_end_row < 0
    w_end_rows = np.where(wait_open, 0, wait_end_row)
    w_end = np.where(wait_open, NONE, log.day[w_end_rows] if n else 0)
    w_end_type = t[w_end_rows] if n else np.zeros(0, np.int8)
    w_outcome = np.where(
        wait_open,
        NONE,
        np.where(
            np.isin(w_end_type, [code[EventType.PLACEMENT], code[EventType.TRANSFER]]),
            0,
            np.where(w_end_type == code[EventType.EXPIRY], 2, 1),
        ),
    )
    wait_eps = ep[wait_rows]
    waits = pl.DataFrame(
        {
            **episode_columns(wait_eps),
            "product": _enum(log.product[wait_rows], PRODUCT_VALUES, PRODUCT_ENUM),
            "start": _pl_dates(log.day[wait_rows]),
            "end": _pl_dates(w_end, wait_open),
            "outcome": _codes(w_outcome, WAIT_OUTCOMES),
            "decided": _pl_dates(ep_decided[wait_eps], ep_decided[wait_eps] < 0),
            "urgency": pl.Series(
                np.where(log.urgency[wait_rows] > 0, log.urgency[wait_rows], ep_urgency[wait_eps]),
                dtype=pl.Int8,
            ),
            "in_care": pl.Series(in_care[wait_rows], dtype=pl.Boolean),
        }
    )

    # exits
    exit_rows = np.flatnonzero(is_exit)
    exit_eps = ep[exit_rows]
    last_stay = _prev_index(is_stay_start)
    exits = pl.DataFrame(
        {
            **episode_columns(exit_eps),
            "day": _pl_dates(log.day[exit_rows]),
            "destination": _enum(log.destination[exit_rows], DESTINATION_VALUES, DESTINATION_ENUM),
            "destination_municipality": _codes(log.municipality[exit_rows], log.municipalities),
            "product": _enum(
                log.product[np.maximum(last_stay[exit_rows], 0)] if n else log.product[exit_rows],
                PRODUCT_VALUES,
                PRODUCT_ENUM,
            ),
            "first_placed": _pl_dates(ep_first_placed[exit_eps], ep_first_placed[exit_eps] < 0),
        }
    )
    return Spells(
        episodes=episodes,
        waits=waits,
        stays=stays,
        ready=ready,
        exits=exits,
        facilities=facility_frame(log),
        municipalities=log.municipalities,
        regions=log.regions,
        first_day=date.fromordinal(int(log.day.min())) if n else None,
        last_day=date.fromordinal(int(log.day.max())) if n else None,
    )


PRODUCT_VALUES: tuple[str, ...] = tuple(p.value for p in PRODUCTS)
CHANNELS_VALUES: tuple[str, ...] = tuple(c.value for c in CHANNELS)
DESTINATION_VALUES: tuple[str, ...] = tuple(d.value for d in DESTINATIONS)


def _same_episode(ep: NDArray[np.intp]) -> Any:
    def check(rows: NDArray[np.intp], nxt: NDArray[np.intp]) -> NDArray[np.intp]:
        """``nxt[rows]`` where it lies in the same episode as the row, else -1."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.intp)
        candidate = nxt[rows]
        valid = candidate < len(ep)
        safe = np.where(valid, candidate, 0)
        same = valid & (ep[safe] == ep[rows])
        return np.where(same, candidate, -1)

    return check


def _facility_municipality(log: EventLog, facility_ids: I32) -> I16:
    f = log.facilities
    out = np.full(len(facility_ids), NONE, dtype=np.int16)
    if len(f) == 0 or len(facility_ids) == 0:
        return out
    order = np.argsort(f.id)
    pos = np.searchsorted(f.id[order], facility_ids)
    pos = np.minimum(pos, len(order) - 1)
    found = f.id[order][pos] == facility_ids
    out[found] = f.municipality[order][pos[found]]
    return out


def facility_frame(log: EventLog) -> pl.DataFrame:
    f = log.facilities
    return pl.DataFrame(
        {
            "id": pl.Series(f.id, dtype=pl.Int32),
            "product": _enum(f.product, PRODUCT_VALUES, PRODUCT_ENUM),
            "municipality": _codes(f.municipality, log.municipalities),
            "places": pl.Series(f.places, dtype=pl.Int32),
            "opened": _pl_dates(np.maximum(f.opened, 1), f.opened < 0),
            "region": _codes(f.region, log.regions),
        }
    )


# ---------------------------------------------------------------- storage
_FRAMES = ("episodes", "waits", "stays", "ready", "exits", "facilities")


def spells_to_bytes(spells: Spells) -> bytes:
    """The spells as one file (a zip of Arrow IPC frames and a JSON header)."""
    import io
    import json
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        header = {
            "municipalities": list(spells.municipalities),
            "regions": list(spells.regions),
            "first_day": spells.first_day.isoformat() if spells.first_day else None,
            "last_day": spells.last_day.isoformat() if spells.last_day else None,
        }
        archive.writestr("header.json", json.dumps(header))
        for name in _FRAMES:
            frame_buffer = io.BytesIO()
            getattr(spells, name).write_ipc(frame_buffer, compression="lz4")
            archive.writestr(f"{name}.arrow", frame_buffer.getvalue())
    return buffer.getvalue()


def spells_from_bytes(data: bytes) -> Spells:
    import io
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        header = json.loads(archive.read("header.json"))
        frames = {name: pl.read_ipc(io.BytesIO(archive.read(f"{name}.arrow"))) for name in _FRAMES}
    return Spells(
        **frames,
        municipalities=tuple(header["municipalities"]),
        regions=tuple(header["regions"]),
        first_day=date.fromisoformat(header["first_day"]) if header["first_day"] else None,
        last_day=date.fromisoformat(header["last_day"]) if header["last_day"] else None,
    )
