"""The regional monitor's figures, per month, computed from the spells of the event log.

Every figure is a row of one long table (:attr:`Figures.table`) with the columns
``metric``, ``month`` (first day), ``municipality`` (GM code; ``""`` = the whole selection),
``category`` (a product, age band, channel, destination, ...; ``""`` = all) and ``value``.

Municipality means the **municipality of origin** of the client (herkomstgemeente; where the
client lived before applying) for everything about clients, and the municipality where the
facility stands for places and occupancy. The responsible municipality under the residence
principle is a filter, not the dimension: until the residence-principle bill it is the
centre municipality for nearly everyone.

Stocks are counted at the end of each month (for the running month: at the as-of date). A
period [start, end) counts on its start day and no longer on its end day.

=========================  ================================================================
metric                     definition
=========================  ================================================================
stock_assessment           applied, not yet decided and not closed
stock_waiting              on a waiting list, not in care (category: product)
stock_waiting_in_care      in care and on a waiting list for a lighter form (product)
stock_in_care              staying in a facility (category: product)
stock_ready                "ready to move on" (category: product of the stay)
applications               applications in the month (category: age band / channel /
                           ``return``); the municipality is the one of origin
placements                 first placements of an episode (category: product / age band)
bw_to_bt                   transfers from Beschermd Wonen to Beschermd Thuis
exits                      exits from care (category: destination)
exits_home                 exits to an own home (anywhere)
exits_home_origin          exits to an own home in the municipality of origin
share_home_origin          exits_home_origin / exits_home
waiting_time_p50/_p90/_n   days from decision to placement, for placements in the month
                           (category: product)
length_of_stay_p50/_p90/_n days from the first placement to the exit, exits in the month
ready_wait_p50/_p90/_n     days from "ready to move on" to leaving that stay (a home or a
                           transfer), for those leaving in the month
ready_backlog_age_p50      median days "ready to move on" of the backlog at month end
returns                    applications that are a return (category: within 6, 12, 24
                           months of the previous exit)
return_rate_6/_12/_24      of the exits in the month, the share that applied again within
                           6 / 12 / 24 months; only when that time has passed
places                     places in facilities open at month end (category: product)
occupied                   places occupied at month end (category: product)
occupancy                  occupied / places
bt_places                  places of Beschermd Thuis (individual, cluster, youth cluster)
bt_places_per_10k          bt_places per 10,000 inhabitants (when populations are given)
=========================  ================================================================
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from doorstroom.core.eventlog import AGE_BANDS, EPOCH_ORDINAL, Spells
from doorstroom.core.journey import (
    BT_PRODUCTS,
    OWN_HOME_DESTINATIONS,
    Destination,
    Product,
)

HOME_ORIGIN = (Destination.HOME_ORIGIN.value, Destination.HOME_ORIGIN_SUPPORTED.value)
OWN_HOME = tuple(d.value for d in OWN_HOME_DESTINATIONS)
BT = tuple(p.value for p in BT_PRODUCTS)
RETURN_WINDOWS = (6, 12, 24)

UNKNOWN = "?"  # a missing municipality or category ("" means: all)
COLUMNS = ("metric", "month", "municipality", "category", "value")
SCHEMA: dict[str, Any] = {
    "metric": pl.String,
    "month": pl.Date,
    "municipality": pl.String,
    "category": pl.String,
    "value": pl.Float64,
}


@dataclass(frozen=True)
class Months:
    """The periods figures are given for: calendar months (the usual), calendar years, or
    one window. Each period runs from its start to its last day; the last period ends at the
    as-of date. Stocks are counted on the last day of each period."""

    starts: tuple[date, ...]
    last_days: tuple[date, ...]
    as_of: date

    @classmethod
    def between(cls, first: date, as_of: date) -> Months:
        """Every calendar month from the month of ``first`` to the month of ``as_of``."""
        starts = []
        y, m = first.year, first.month
        while (y, m) <= (as_of.year, as_of.month):
            starts.append(date(y, m, 1))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        last = [min(_add_months(s, 1) - timedelta(days=1), as_of) for s in starts]
        return cls(tuple(starts), tuple(last), as_of)

    @classmethod
    def years(cls, first_year: int, as_of: date) -> Months:
        """Calendar years from ``first_year`` to the year of ``as_of`` (the last one partial)."""
        starts = [date(y, 1, 1) for y in range(first_year, as_of.year + 1)]
        last = [min(date(s.year, 12, 31), as_of) for s in starts]
        return cls(tuple(starts), tuple(last), as_of)

    @classmethod
    def quarters(cls, first: date, as_of: date) -> Months:
        """Calendar quarters from the quarter of ``first`` to that of ``as_of``."""
        starts = []
        y, q = first.year, (first.month - 1) // 3
        while (y, q) <= (as_of.year, (as_of.month - 1) // 3):
            starts.append(date(y, 3 * q + 1, 1))
            y, q = (y + 1, 0) if q == 3 else (y, q + 1)
        last = [min(_add_months(s, 3) - timedelta(days=1), as_of) for s in starts]
        return cls(tuple(starts), tuple(last), as_of)

    @classmethod
    def window(cls, first: date, last: date) -> Months:
        """One period from ``first`` to ``last`` (e.g. the last twelve months)."""
        return cls((first,), (last,), last)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def ends(self) -> list[date]:
        """The day a stock is counted: the last day of each period."""
        return list(self.last_days)

    def start_days(self) -> NDArray[np.int64]:
        return np.array([d.toordinal() - EPOCH_ORDINAL for d in self.starts], dtype=np.int64)

    def end_days(self) -> NDArray[np.int64]:
        return np.array([d.toordinal() - EPOCH_ORDINAL for d in self.last_days], dtype=np.int64)

    def assign(self, frame: pl.DataFrame, day: str) -> pl.DataFrame:
        """The rows whose ``day`` falls in a period, with that period's start as ``month``."""
        frame = frame.filter(pl.col(day).is_not_null())
        if frame.height == 0:
            return frame.with_columns(pl.lit(None, dtype=pl.Date).alias("month"))
        days = frame[day].cast(pl.Int32).to_numpy().astype(np.int64)
        index = np.searchsorted(self.start_days(), days, side="right") - 1
        inside = (index >= 0) & (days <= self.end_days()[np.maximum(index, 0)])
        starts = pl.Series(list(self.starts), dtype=pl.Date)
        picked = starts.gather(np.maximum(index, 0)[inside])
        return frame.filter(pl.Series(inside)).with_columns(picked.alias("month"))


@dataclass(frozen=True)
class Filters:
    """A selection of clients: municipalities of origin, age bands, products (None: all).
    The product of an episode is its decided product; of a stay, wait or exit its own."""

    municipalities: frozenset[str] | None = None
    age_bands: frozenset[str] | None = None
    products: frozenset[str] | None = None
    responsible: frozenset[str] | None = None
    regions: frozenset[str] | None = None

    def apply(self, frame: pl.DataFrame, *, product_column: str | None = "product") -> pl.DataFrame:
        conditions = []
        if self.regions is not None:
            conditions.append(pl.col("region").is_in(list(self.regions)))
        if self.municipalities is not None:
            conditions.append(pl.col("origin").is_in(list(self.municipalities)))
        if self.responsible is not None:
            conditions.append(pl.col("responsible").is_in(list(self.responsible)))
        if self.age_bands is not None:
            conditions.append(pl.col("age_band").cast(pl.String).is_in(list(self.age_bands)))
        if self.products is not None and product_column is not None:
            conditions.append(pl.col(product_column).cast(pl.String).is_in(list(self.products)))
        return frame.filter(*conditions) if conditions else frame

    def apply_facilities(self, frame: pl.DataFrame) -> pl.DataFrame:
        conditions = []
        if self.regions is not None:
            conditions.append(pl.col("region").is_in(list(self.regions)))
        if self.municipalities is not None:
            conditions.append(pl.col("municipality").is_in(list(self.municipalities)))
        if self.products is not None:
            conditions.append(pl.col("product").cast(pl.String).is_in(list(self.products)))
        return frame.filter(*conditions) if conditions else frame


COUNTS = frozenset(
    {
        "stock_assessment",
        "stock_waiting",
        "stock_waiting_in_care",
        "stock_in_care",
        "stock_ready",
        "applications",
        "returns",
        "placements",
        "bw_to_bt",
        "exits",
        "exits_home",
        "exits_home_origin",
        "places",
        "occupied",
        "bt_places",
    }
)
FAMILIES: dict[str, str] = {
    "exits_home": "exits",
    "exits_home_origin": "exits",
    "share_home_origin": "exits",
    "occupied": "places",
    "occupancy": "places",
    "bt_places_per_10k": "bt_places",
}


def is_count(metric: str) -> bool:
    return metric in COUNTS or metric.endswith("_n")


def _family(metric: str) -> str:
    for suffix in ("_p50", "_p90", "_n"):
        if metric.endswith(suffix):
            return metric.removesuffix(suffix)
    if metric.startswith("return_rate"):
        return "return_rate"
    return FAMILIES.get(metric, metric)


ALL_FAMILIES = frozenset(
    {
        "stock_assessment",
        "stock_waiting",
        "stock_waiting_in_care",
        "stock_in_care",
        "stock_ready",
        "applications",
        "returns",
        "placements",
        "bw_to_bt",
        "exits",
        "waiting_time",
        "length_of_stay",
        "ready_wait",
        "ready_backlog_age",
        "return_rate",
        "places",
        "bt_places",
    }
)


@dataclass(frozen=True)
class Figures:
    table: pl.DataFrame
    months: Months
    families: frozenset[str] = ALL_FAMILIES
    _index: dict[str, dict[tuple[date, str, str], float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _metric(self, metric: str) -> dict[tuple[date, str, str], float]:
        """(month, municipality, category) -> value of one metric, built once."""
        index = self._index.get(metric)
        if index is None:
            rows = self.table.filter(pl.col("metric") == metric).select(
                "month", "municipality", "category", "value"
            )
            index = {(m, mun, cat): v for m, mun, cat, v in rows.iter_rows()}
            self._index[metric] = index
        return index

    def series(
        self, metric: str, *, municipality: str = "", category: str = ""
    ) -> list[float | None]:
        """One metric as a list over the months (None where there is no value)."""
        return [
            self.value(metric, m, municipality=municipality, category=category)
            for m in self.months.starts
        ]

    def value(
        self, metric: str, month: date, *, municipality: str = "", category: str = ""
    ) -> float | None:
        """A figure; a count without a row is 0 (zeros are not stored), a share, median or
        other derived figure without a row has no value (None)."""
        found = self._metric(metric).get((month, municipality, category))
        if found is None and is_count(metric) and self.computed(metric):
            return 0.0
        return found

    def computed(self, metric: str) -> bool:
        """Whether the metric's family was computed (``compute(..., metrics=...)``)."""
        return metric in self.families or _family(metric) in self.families

    def categories(self, metric: str) -> list[str]:
        return sorted({cat for (_m, _mun, cat) in self._metric(metric) if cat != ""})


# ---------------------------------------------------------------- helpers
def _days(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int32)


def _codes(series: pl.Series) -> tuple[list[str], NDArray[np.int64]]:
    """The distinct values (sorted) and each row's index into them; fast for strings."""
    values = series.cast(pl.String).fill_null(UNKNOWN)
    distinct = values.unique().sort()
    return distinct.to_list(), distinct.search_sorted(values).to_numpy().astype(np.int64)


def _stock(
    frame: pl.DataFrame,
    months: Months,
    metric: str,
    *,
    start: str = "start",
    end: str = "end",
    municipality: str = "origin",
    category: str | None = None,
) -> pl.DataFrame:
    """Counts of periods [start, end) open at each month end, per municipality x category,
    with the totals over municipalities and over categories."""
    if frame.height == 0:
        return _empty()
    ends = months.end_days()
    s = frame[start].cast(pl.Int32).to_numpy().astype(np.int64)
    e_series = frame[end].cast(pl.Int32).fill_null(np.iinfo(np.int32).max)
    e = e_series.to_numpy().astype(np.int64)
    first = np.searchsorted(ends, s, side="left")  # first month end >= start
    last = np.searchsorted(ends, e, side="left")  # first month end >= end: gone by then
    keep = last > first
    mun_codes, mun_index = _codes(frame[municipality])
    if category is not None:
        cat_codes, cat_index = _codes(frame[category])
    else:
        cat_codes, cat_index = [""], np.zeros(frame.height, dtype=np.int64)
    n_m, n_c, n_t = len(mun_codes), len(cat_codes), len(ends)
    diff = np.zeros((n_m, n_c, n_t + 1), dtype=np.int64)
    np.add.at(diff, (mun_index[keep], cat_index[keep], first[keep]), 1)
    np.add.at(diff, (mun_index[keep], cat_index[keep], last[keep]), -1)
    counts = np.cumsum(diff, axis=2)[:, :, :n_t]
    return _cube_to_rows(metric, months, mun_codes, cat_codes, counts, category is not None)


def _cube_to_rows(
    metric: str,
    months: Months,
    mun_codes: Sequence[str],
    cat_codes: Sequence[str],
    counts: NDArray[Any],
    with_categories: bool,
) -> pl.DataFrame:
    """Rows for the non-zero municipality x category cells and margins ("" = all). Zeros
    are left out: :class:`Figures` answers 0 for a count without a row."""
    n_m, n_c, n_t = counts.shape
    # margins as extra index values: municipality n_m = "", category n_c = ""
    full = np.zeros((n_m + 1, n_c + 1, n_t), dtype=counts.dtype)
    full[:n_m, :n_c] = counts
    full[n_m, :n_c] = counts.sum(axis=0)
    full[:n_m, n_c] = counts.sum(axis=1)
    full[n_m, n_c] = counts.sum(axis=(0, 1))
    if not with_categories:
        full = full[:, n_c:]  # only the "all categories" column
    i, j, k = np.nonzero(full)
    municipalities = pl.Series([*mun_codes, ""], dtype=pl.String).gather(i)
    categories = pl.Series([*cat_codes, ""] if with_categories else [""], dtype=pl.String).gather(j)
    return pl.DataFrame(
        {
            "metric": pl.repeat(metric, len(i), dtype=pl.String, eager=True),
            "month": pl.Series(list(months.starts), dtype=pl.Date).gather(k),
            "municipality": municipalities,
            "category": categories,
            "value": full[i, j, k].astype(np.float64),
        },
        schema=SCHEMA,
    )


def _count(
    frame: pl.DataFrame,
    months: Months,
    metric: str,
    *,
    day: str,
    municipality: str = "origin",
    category: str | None = None,
) -> pl.DataFrame:
    """Counts of events per month, per municipality x category, with margins."""
    base = months.assign(frame, day).select(
        "month",
        pl.col(municipality).fill_null(UNKNOWN).alias("municipality"),
        (pl.col(category).cast(pl.String).fill_null(UNKNOWN) if category else pl.lit("")).alias(
            "category"
        ),
    )
    cells = base.group_by("month", "municipality", "category").len("value")
    levels = [
        cells.group_by("month").agg(pl.col("value").sum()),
        cells.group_by("month", "municipality").agg(pl.col("value").sum()),
    ]
    if category:
        levels += [cells.group_by("month", "category").agg(pl.col("value").sum()), cells]
    out = []
    for level in levels:
        for key in ("municipality", "category"):
            if key not in level.columns:
                level = level.with_columns(pl.lit("").alias(key))
        out.append(
            level.select(
                pl.lit(metric).alias("metric"),
                "month",
                "municipality",
                "category",
                pl.col("value").cast(pl.Float64),
            )
        )
    return pl.concat(out)


def _quantiles(
    frame: pl.DataFrame,
    months: Months,
    metric: str,
    *,
    day: str,
    duration: pl.Expr,
    municipality: str = "origin",
    category: str | None = None,
) -> pl.DataFrame:
    """Median, 90th percentile and number of durations per month (and margins)."""
    base = months.assign(frame, day).select(
        "month",
        pl.col(municipality).fill_null(UNKNOWN).alias("municipality"),
        (pl.col(category).cast(pl.String).fill_null(UNKNOWN) if category else pl.lit("")).alias(
            "category"
        ),
        duration.cast(pl.Float64).alias("d"),
    )
    groupings = [["month"], ["month", "municipality"]]
    if category:
        groupings += [["month", "category"], ["month", "municipality", "category"]]
    out = []
    for keys in groupings:
        g = base.group_by(keys).agg(
            pl.col("d").quantile(0.5, "linear").alias(f"{metric}_p50"),
            pl.col("d").quantile(0.9, "linear").alias(f"{metric}_p90"),
            pl.len().cast(pl.Float64).alias(f"{metric}_n"),
        )
        for k in ("municipality", "category"):
            if k not in keys:
                g = g.with_columns(pl.lit("").alias(k))
        out.append(
            g.unpivot(
                index=["month", "municipality", "category"],
                variable_name="metric",
                value_name="value",
            ).select(COLUMNS)
        )
    return _concat(out)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def _concat(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    present = [f for f in frames if f.height]
    return pl.concat(present, how="vertical") if present else _empty()


def _ratio(table: pl.DataFrame, metric: str, numerator: str, denominator: str) -> pl.DataFrame:
    keys = ["month", "municipality", "category"]
    num = table.filter(pl.col("metric") == numerator).select(*keys, pl.col("value").alias("a"))
    den = table.filter(pl.col("metric") == denominator).select(*keys, pl.col("value").alias("b"))
    joined = den.join(num, on=keys, how="left").filter(pl.col("b") > 0)
    return joined.select(
        pl.lit(metric).alias("metric"),
        *keys,
        (pl.col("a").fill_null(0) / pl.col("b")).alias("value"),
    ).select(COLUMNS)


# ---------------------------------------------------------------- the figures
def compute(
    spells: Spells,
    months: Months,
    filters: Filters | None = None,
    *,
    populations: Mapping[str, int] | None = None,
    metrics: Collection[str] | None = None,
) -> Figures:
    """Every monthly figure for the selection (see the module docstring)."""
    f = filters or Filters()

    def want(name: str) -> bool:
        return metrics is None or name in metrics

    parts: list[pl.DataFrame] = []
    episodes = f.apply(spells.episodes)
    waits = f.apply(spells.waits)
    stays = f.apply(spells.stays)
    ready = f.apply(spells.ready)
    exits = f.apply(spells.exits)

    if want("stock_assessment"):
        assessing = episodes.select(
            "origin",
            pl.col("applied").alias("start"),
            pl.min_horizontal("decided", "closed").alias("end"),
        )
        parts.append(_stock(assessing, months, "stock_assessment"))
    if want("stock_waiting"):
        parts.append(
            _stock(waits.filter(~pl.col("in_care")), months, "stock_waiting", category="product")
        )
    if want("stock_waiting_in_care"):
        parts.append(
            _stock(
                waits.filter(pl.col("in_care")), months, "stock_waiting_in_care", category="product"
            )
        )
    if want("stock_in_care"):
        parts.append(_stock(stays, months, "stock_in_care", category="product"))
    if want("stock_ready"):
        parts.append(_stock(ready, months, "stock_ready", category="product"))

    if want("applications"):
        parts.append(_count(episodes, months, "applications", day="applied", category="age_band"))
        channel = _count(episodes, months, "applications", day="applied", category="channel")
        parts.append(channel.filter(pl.col("category") != ""))
    if want("returns"):
        returning = episodes.filter(pl.col("return_months").is_not_null()).with_columns(
            pl.when(pl.col("return_months") < 6)
            .then(pl.lit("6"))
            .when(pl.col("return_months") < 12)
            .then(pl.lit("12"))
            .otherwise(pl.lit("24"))
            .alias("window")
        )
        parts.append(_count(returning, months, "returns", day="applied", category="window"))
    if want("placements"):
        placed = episodes.filter(pl.col("first_placed").is_not_null())
        first_stays = stays.sort("client", "episode", "start").unique(
            ["client", "episode"], keep="first", maintain_order=True
        )
        parts.append(_count(first_stays, months, "placements", day="start", category="product"))
        by_age = _count(placed, months, "placements", day="first_placed", category="age_band")
        parts.append(by_age.filter(pl.col("category") != ""))
    if want("bw_to_bt"):
        ordered = stays.sort("client", "episode", "start")
        transfers = ordered.with_columns(
            pl.col("product").shift(1).over(["client", "episode"]).alias("previous")
        ).filter(
            (pl.col("previous").cast(pl.String) == Product.BW.value)
            & pl.col("product").cast(pl.String).is_in(BT)
        )
        parts.append(_count(transfers, months, "bw_to_bt", day="start", category="product"))
    if want("exits"):
        parts.append(_count(exits, months, "exits", day="day", category="destination"))
        home = exits.filter(pl.col("destination").cast(pl.String).is_in(OWN_HOME))
        parts.append(_count(home, months, "exits_home", day="day"))
        origin = home.filter(pl.col("destination").cast(pl.String).is_in(HOME_ORIGIN))
        parts.append(_count(origin, months, "exits_home_origin", day="day"))

    durations = {
        # metric: (the periods that ended, the day they ended, the day they started)
        "waiting_time": (
            waits.filter((pl.col("outcome") == "placed") & ~pl.col("in_care")),
            "end",
            "decided",
        ),
        "length_of_stay": (
            exits.filter(pl.col("first_placed").is_not_null()),
            "day",
            "first_placed",
        ),
        "ready_wait": (ready.filter(pl.col("end").is_not_null()), "end", "start"),
    }
    for name, (frame, ended, started) in durations.items():
        if want(name):
            duration = _days(ended) - _days(started)
            parts.append(
                _quantiles(frame, months, name, day=ended, duration=duration, category="product")
            )
    if want("ready_backlog_age"):
        parts.append(_backlog_age(ready, months))
    if want("return_rate"):
        parts.append(_return_rates(spells.episodes, exits, months))

    facilities = f.apply_facilities(spells.facilities)
    if want("occupancy") or want("places") or want("bt_places"):
        parts.append(_places(facilities, months, "places"))
        occupied_stays = stays.join(
            facilities.select(pl.col("id").alias("facility")), on="facility", how="semi"
        )
        parts.append(
            _stock(
                occupied_stays,
                months,
                "occupied",
                municipality="facility_municipality",
                category="product",
            )
        )
    table = _concat(parts)
    derived = []
    if want("exits"):
        derived.append(_ratio(table, "share_home_origin", "exits_home_origin", "exits_home"))
    if want("occupancy") or want("places"):
        derived.append(_ratio(table, "occupancy", "occupied", "places"))
    if want("bt_places") or want("places"):
        bt = _places(
            facilities.filter(pl.col("product").cast(pl.String).is_in(BT)), months, "bt_places"
        )
        derived.append(bt.filter(pl.col("category") == ""))
        if populations:
            derived.append(_per_10k(bt.filter(pl.col("category") == ""), populations))
    table = _concat([table, *derived])
    families = ALL_FAMILIES if metrics is None else frozenset(_family(m) for m in metrics)
    if metrics is not None and ({"occupancy", "places", "bt_places"} & set(metrics)):
        families |= {"places", "bt_places"}
    return Figures(table.sort("metric", "municipality", "category", "month"), months, families)


def _places(facilities: pl.DataFrame, months: Months, metric: str) -> pl.DataFrame:
    """Places of the facilities open at each month end (opened null: always open)."""
    if facilities.height == 0:
        return _empty()
    ends = months.end_days()
    opened = facilities["opened"].cast(pl.Int32).fill_null(np.iinfo(np.int32).min).to_numpy()
    first = np.searchsorted(ends, opened.astype(np.int64), side="left")
    mun_codes, mun_index = _codes(facilities["municipality"])
    cat_codes, cat_index = _codes(facilities["product"])
    places = facilities["places"].to_numpy().astype(np.int64)
    diff = np.zeros((len(mun_codes), len(cat_codes), len(ends) + 1), dtype=np.int64)
    np.add.at(diff, (mun_index, cat_index, first), places)
    counts = np.cumsum(diff, axis=2)[:, :, : len(ends)]
    return _cube_to_rows(metric, months, mun_codes, cat_codes, counts, True)


def _per_10k(bt: pl.DataFrame, populations: Mapping[str, int]) -> pl.DataFrame:
    pop = pl.DataFrame(
        {"municipality": list(populations), "population": [float(v) for v in populations.values()]},
        schema={"municipality": pl.String, "population": pl.Float64},
    )
    total = float(sum(populations.values()))
    joined = bt.join(pop, on="municipality", how="left").with_columns(
        pl.when(pl.col("municipality") == "")
        .then(pl.lit(total))
        .otherwise(pl.col("population"))
        .alias("population")
    )
    return joined.filter(pl.col("population") > 0).select(
        pl.lit("bt_places_per_10k").alias("metric"),
        "month",
        "municipality",
        "category",
        (pl.col("value") / pl.col("population") * 10_000).alias("value"),
    )


def _backlog_age(ready: pl.DataFrame, months: Months) -> pl.DataFrame:
    """Median days "ready to move on" of those still waiting at each month end."""
    if ready.height == 0:
        return _empty()
    ends = months.end_days()
    s = ready["start"].cast(pl.Int32).to_numpy().astype(np.int64)
    e = ready["end"].cast(pl.Int32).fill_null(np.iinfo(np.int32).max).to_numpy().astype(np.int64)
    first = np.searchsorted(ends, s, side="left")
    last = np.searchsorted(ends, e, side="left")
    spans = np.maximum(last - first, 0)
    rows = np.repeat(np.arange(ready.height), spans)  # one row per spell and month
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(spans) - spans, spans)
    month_index = first[rows] + offsets
    long = pl.DataFrame(
        {
            "month": pl.Series(list(months.starts), dtype=pl.Date).gather(month_index),
            "municipality": ready["origin"].fill_null(UNKNOWN).gather(rows),
            "value": (ends[month_index] - s[rows]).astype(np.float64),
        }
    )
    per_municipality = long.group_by("month", "municipality").agg(pl.col("value").median())
    total = long.group_by("month").agg(pl.lit("").alias("municipality"), pl.col("value").median())
    return pl.concat([total.select(per_municipality.columns), per_municipality]).select(
        pl.lit("ready_backlog_age_p50").alias("metric"),
        "month",
        "municipality",
        pl.lit("").alias("category"),
        "value",
    )


def _return_rates(all_episodes: pl.DataFrame, exits: pl.DataFrame, months: Months) -> pl.DataFrame:
    """Of the exits in a month: the share that applied again within 6/12/24 months. A month
    only gets a rate when its whole window has passed by the as-of date."""
    if exits.height == 0:
        return _empty()
    next_application = (
        all_episodes.sort("client", "episode")
        .with_columns(pl.col("applied").shift(-1).over("client").alias("next_applied"))
        .select("client", "episode", "next_applied")
    )
    frame = months.assign(exits.join(next_application, on=["client", "episode"], how="left"), "day")
    out = []
    for window in RETURN_WINDOWS:
        returned = pl.col("next_applied").is_not_null() & (
            pl.col("next_applied") <= pl.col("day").dt.offset_by(f"{window}mo")
        )
        flagged = frame.with_columns(
            returned.alias("returned"),
            pl.col("origin").fill_null(UNKNOWN).alias("municipality"),
        )
        # only months whose window is complete: month end + window <= as of
        complete = [
            m
            for m, e in zip(months.starts, months.ends, strict=True)
            if _add_months(e, window) <= months.as_of
        ]
        flagged = flagged.filter(pl.col("month").is_in(complete))
        for keys in (["month"], ["month", "municipality"]):
            g = flagged.group_by(keys).agg(pl.col("returned").mean().alias("value"))
            if "municipality" not in keys:
                g = g.with_columns(pl.lit("").alias("municipality"))
            out.append(
                g.select(
                    pl.lit(f"return_rate_{window}").alias("metric"),
                    "month",
                    "municipality",
                    pl.lit("").alias("category"),
                    pl.col("value").cast(pl.Float64),
                )
            )
    return _concat(out)


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def age_bands() -> Sequence[str]:
    return AGE_BANDS
