"""Policy replay: re-run a past period of the event log under another matching policy and
compare the outcomes with history and with each other.

From the spells of the event log (``core.eventlog.derive_spells``) the replay rebuilds,
per period (week or month):

- **who waited for a home**: every "ready to move on" spell of the region that has started;
  a client leaves the pool when the engine houses them, or at the end of their historical
  spell when that end was not a move into an own home in the region (a transfer to a
  lighter form, a clinic, a home found outside the region, death, ...): those are facts
  the policy does not change. A client who historically moved into a home of the region
  stays in the pool until the replayed policy houses them.
- **which homes came free**: every historical exit into an own home in the region (home of
  origin or elsewhere in the region), in the destination municipality on that day; a
  policy may add homes (``extra_homes``: a share, placed in the municipalities where homes
  came free, deterministic).

Each period runs the matching engine (``match``) with the policy's configuration. The
history of who was housed feeds the fairness rule, exactly as in live rounds. Historical
homes carry no type, rent or size, so the replay matches on location, priority, waiting
time and fairness only (all clients fit a studio; youth and household rules do not apply).

Outcomes per scenario: clients housed, homes to the municipality of origin, and the wait
from "ready to move on" to housing (median and p90, days) overall, by age band and by
municipality of origin; clients still waiting at the end are counted separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from doorstroom.core.matching.model import (
    Client,
    Fairness,
    History,
    Home,
    MatchConfig,
    UnitType,
    age_band,
)

HOME_DESTINATIONS = ("home_origin", "home_origin_supported", "home_region", "home_region_supported")
# The event log's age bands (core.eventlog.AGE_BANDS), as fairness bands of the engine.
REPLAY_AGE_BANDS = (18, 25, 45, 65)
BAND_AGE = {"18-24": 21, "25-44": 35, "45-64": 55, "65+": 70}
STUDIO = frozenset({UnitType.STUDIO})


@dataclass(frozen=True)
class Policy:
    """A matching policy to replay: the engine's configuration and extra homes."""

    name: str
    config: MatchConfig = field(default_factory=MatchConfig)
    extra_homes: float = 0.0  # e.g. 0.2: 20% more homes, where homes came free
    seed: int = 1


@dataclass(frozen=True)
class ReplayResult:
    summary: pl.DataFrame  # scenario, housed, to_origin, origin_share, median, p90, waiting
    by_group: pl.DataFrame  # scenario, dimension, group, housed, median, p90
    housed: pl.DataFrame  # scenario, client, day, municipality, origin, age_band, wait


@dataclass
class _Pool:
    client: np.ndarray[Any, np.dtype[np.int64]]
    start: np.ndarray[Any, np.dtype[np.int64]]  # ordinal
    leave: np.ndarray[Any, np.dtype[np.int64]]  # ordinal of leaving without the engine
    origin: list[str]
    band: list[str]
    urgency: np.ndarray[Any, np.dtype[np.int64]]


def _ordinals(series: pl.Series) -> np.ndarray[Any, np.dtype[np.int64]]:
    epoch = date(1970, 1, 1).toordinal()
    return series.cast(pl.Int32).fill_null(2**30).to_numpy().astype(np.int64) + epoch


def _pool(spells: Any, region: str, start: date, end: date) -> _Pool:
    ready = spells.ready.filter(pl.col("region") == region)
    exits = spells.exits.filter(pl.col("region") == region).select(
        "client", "episode", "destination"
    )
    ready = ready.join(exits, on=["client", "episode"], how="left")
    urgency = spells.episodes.select("client", "episode", "urgency")
    ready = ready.join(urgency, on=["client", "episode"], how="left")
    # spells that overlap the period
    ready = ready.filter(
        (pl.col("start") < end) & (pl.col("end").is_null() | (pl.col("end") >= start))
    )
    to_home = (pl.col("outcome") == "exit") & pl.col("destination").cast(pl.String).is_in(
        list(HOME_DESTINATIONS)
    )
    ready = ready.with_columns(
        pl.when(to_home | pl.col("end").is_null())
        .then(None)
        .otherwise(pl.col("end"))
        .alias("leave")
    ).sort("start", "client")
    return _Pool(
        client=ready["client"].to_numpy().astype(np.int64),
        start=_ordinals(ready["start"]),
        leave=_ordinals(ready["leave"]),
        origin=[str(x or "") for x in ready["origin"].cast(pl.String).to_list()],
        band=[str(x or "25-44") for x in ready["age_band"].cast(pl.String).to_list()],
        urgency=ready["urgency"].fill_null(3).to_numpy().astype(np.int64),
    )


def historical_homes(spells: Any, region: str, start: date, end: date) -> pl.DataFrame:
    """Exits into own homes of the region in the period: day, municipality."""
    result: pl.DataFrame = (
        spells.exits.filter(
            (pl.col("region") == region)
            & pl.col("destination").cast(pl.String).is_in(list(HOME_DESTINATIONS))
            & (pl.col("day") >= start)
            & (pl.col("day") < end)
            & pl.col("destination_municipality").is_not_null()
        )
        .select("day", pl.col("destination_municipality").cast(pl.String).alias("municipality"))
        .sort("day", "municipality")
    )
    return result


def _periods(start: date, end: date, step: str) -> list[tuple[date, date]]:
    result = []
    day = start
    while day < end:
        if step == "week":
            nxt = day + timedelta(days=7)
        else:
            nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        result.append((day, min(nxt, end)))
        day = nxt
    return result


def _homes(
    history: pl.DataFrame, policy: Policy
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[str]]:
    days = _ordinals(history["day"])
    muns = [str(m) for m in history["municipality"].to_list()]
    extra = round(policy.extra_homes * len(muns))
    if extra > 0 and muns:
        rng = np.random.default_rng(policy.seed)
        pick = rng.integers(0, len(muns), extra)
        days = np.concatenate([days, days[pick]])
        muns = muns + [muns[k] for k in pick]
    order = np.argsort(days, kind="stable")
    return days[order], [muns[k] for k in order]


def _replay_config(config: MatchConfig) -> MatchConfig:
    return replace(config, fairness=replace(config.fairness, age_bands=REPLAY_AGE_BANDS))


def run_policy(
    spells: Any, region: str, start: date, end: date, policy: Policy, step: str = "month"
) -> pl.DataFrame:
    """Who the policy houses, when and where: client, day, municipality, origin, age_band,
    wait (days)."""
    from doorstroom.core.matching import match

    pool = _pool(spells, region, start, end)
    home_days, home_muns = _homes(historical_homes(spells, region, start, end), policy)
    config = _replay_config(policy.config)
    region_of = None
    housed_client: list[int] = []
    housed_day: list[int] = []
    housed_mun: list[str] = []
    housed_rows: list[int] = []
    is_housed = np.zeros(len(pool.client), dtype=np.bool_)
    groups: list[Mapping[str, str]] = []
    next_home = 0
    for lo, hi in _periods(start, end, step):
        hi_ord = hi.toordinal()
        first = next_home
        while next_home < len(home_days) and home_days[next_home] < hi_ord:
            next_home += 1
        if first == next_home:
            continue
        # waiting at the end of the period: started, not housed, not left before the homes
        present = (pool.start < hi_ord) & ~is_housed & (pool.leave >= lo.toordinal())
        rows = np.flatnonzero(present)
        clients = [
            Client(
                id=int(r),
                age=BAND_AGE.get(pool.band[r], 35),
                household_size=1,
                max_rent=None,
                needs_accessible=False,
                origin=pool.origin[r] or "?",
                wishes=(),
                urgency=int(pool.urgency[r]) if 1 <= pool.urgency[r] <= 3 else 3,
                waiting_since=date.fromordinal(int(pool.start[r])),
                eligible=STUDIO,
            )
            for r in rows
        ]
        homes = [
            Home(
                id=k,
                municipality=home_muns[k],
                type=UnitType.STUDIO,
                rooms=1,
                rent=0,
                accessible=False,
                available_from=date.fromordinal(int(home_days[k])),
            )
            for k in range(first, next_home)
        ]
        history = History.from_groups(groups)
        _, result = match(
            clients, homes, hi - timedelta(days=1), config, history=history, region_of=region_of
        )
        for p in result.proposals:
            r = p.client_id
            day = max(int(home_days[p.home_id]), int(pool.start[r]))
            # housed: the client's later "ready" spells (in this episode or another) are
            # moot in this counterfactual
            is_housed[pool.client == pool.client[r]] = True
            housed_rows.append(r)
            housed_client.append(int(pool.client[r]))
            housed_day.append(day)
            housed_mun.append(home_muns[p.home_id])
            groups.append(
                {
                    "age_band": age_band(BAND_AGE.get(pool.band[r], 35), REPLAY_AGE_BANDS),
                    "origin": pool.origin[r],
                }
            )
    epoch = date(1970, 1, 1).toordinal()
    return pl.DataFrame(
        {
            "client": pl.Series(housed_client, dtype=pl.Int64),
            "day": pl.Series([d - epoch for d in housed_day], dtype=pl.Int32).cast(pl.Date),
            "municipality": pl.Series(housed_mun, dtype=pl.String),
            "origin": pl.Series([pool.origin[r] for r in housed_rows], dtype=pl.String),
            "age_band": pl.Series([pool.band[r] for r in housed_rows], dtype=pl.String),
            "wait": pl.Series(
                [housed_day[k] - int(pool.start[r]) for k, r in enumerate(housed_rows)],
                dtype=pl.Int64,
            ),
        }
    )


def actual(spells: Any, region: str, start: date, end: date) -> pl.DataFrame:
    """What happened: clients of the pool who moved into an own home of the region."""
    ready = spells.ready.filter(pl.col("region") == region)
    exits = spells.exits.filter(
        (pl.col("region") == region)
        & pl.col("destination").cast(pl.String).is_in(list(HOME_DESTINATIONS))
        & (pl.col("day") >= start)
        & (pl.col("day") < end)
    )
    joined = ready.join(exits, on=["client", "episode"], how="inner", suffix="_exit")
    result: pl.DataFrame = joined.select(
        pl.col("client").cast(pl.Int64),
        pl.col("day"),
        pl.col("destination_municipality").cast(pl.String).alias("municipality"),
        pl.col("origin").cast(pl.String),
        pl.col("age_band").cast(pl.String),
        (pl.col("day") - pl.col("start")).dt.total_days().cast(pl.Int64).alias("wait"),
    )
    return result


def _stats(frame: pl.DataFrame) -> dict[str, Any]:
    waits = frame["wait"]
    return {
        "housed": frame.height,
        "median": float(waits.median()) if frame.height else None,  # type: ignore[arg-type]
        "p90": float(waits.quantile(0.9, "nearest")) if frame.height else None,  # type: ignore[arg-type]
    }


def compare(
    spells: Any,
    region: str,
    start: date,
    end: date,
    policies: list[Policy],
    step: str = "month",
) -> ReplayResult:
    """History and each policy over the same period, side by side."""
    total = _pool(spells, region, start, end).client.size
    scenarios = {"history": actual(spells, region, start, end)}
    for policy in policies:
        scenarios[policy.name] = run_policy(spells, region, start, end, policy, step)
    summary, groups, housed = [], [], []
    for name, frame in scenarios.items():
        to_origin = int((frame["municipality"] == frame["origin"]).sum())
        stats = _stats(frame)
        summary.append(
            {
                "scenario": name,
                **stats,
                "to_origin": to_origin,
                "origin_share": to_origin / frame.height if frame.height else None,
                "waiting": total - frame.height,
            }
        )
        for dimension in ("age_band", "origin"):
            for (group,), part in sorted(frame.group_by(dimension), key=lambda x: str(x[0])):
                groups.append(
                    {"scenario": name, "dimension": dimension, "group": str(group), **_stats(part)}
                )
        housed.append(frame.with_columns(pl.lit(name).alias("scenario")))
    group_schema = {
        "scenario": pl.String,
        "dimension": pl.String,
        "group": pl.String,
        "housed": pl.Int64,
        "median": pl.Float64,
        "p90": pl.Float64,
    }
    return ReplayResult(
        summary=pl.DataFrame(summary),
        by_group=pl.DataFrame(groups, schema=group_schema),
        housed=pl.concat(housed) if housed else pl.DataFrame(),
    )


def fairness_off(config: MatchConfig | None = None) -> MatchConfig:
    config = config or MatchConfig()
    return replace(config, fairness=replace(config.fairness, points_per_pp=0))


def strong_fairness(config: MatchConfig | None = None, points: int = 20) -> MatchConfig:
    config = config or MatchConfig()
    return replace(config, fairness=Fairness(points_per_pp=points, max_bonus=1000))
