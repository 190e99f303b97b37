"""Fit the forecast model's parameters to a region's spells (a stand-in for the core's
calibration).

The core's ``doorstroom.core.forecast.calibration`` is being written on the engine branch;
until it lands, the app calibrates with this module, and :mod:`doorstroom.forecast.baseline`
switches to the core's as soon as it exists. Pure Python (no Django), so that it can move
into the core or be dropped without touching the pages.

Method (every rate is a monthly hazard: events / person-months at risk, in a window of the
last ``window_months`` before the as-of date, per municipality of origin and age band):

- **applied**: decisions for BW, BT or MO, and episodes closed without a place (ambulant
  support, not eligible, withdrawn or expired before a decision);
- **waiting_***: withdrawals and expiries from a waiting list (placements are not a hazard:
  the engine places people when places are free);
- **stays** (BW, BT, MO): "ready to move on", a transfer (BW: to BT), an exit; one phase
  only (the duration dependence of the core's Coxian fit is not estimated here);
- **ready_***: leaving other than to a home in the region (homes are the supply: exits to a
  home in the region per year are the homes available);
- **inflow**: applications per 10,000 inhabitants per month; the yearly trend from the last
  twelve months against the twelve before (region-wide per age band), shrunk towards no
  trend (``n / (n + TREND_PRIOR)`` on the log scale) and kept within -5%..+5% a year.

Sparse cells borrow strength from the region: a cell's hazard is ``(events + k * region
rate) / (exposure + k)`` with ``k = PRIOR_MONTHS`` person-months, and its uncertainty
(Dirichlet concentration) is ``exposure + k``. Competing hazards become probabilities with
``p_j = (1 - exp(-sum h)) * h_j / sum h``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from doorstroom.core.eventlog import EPOCH_ORDINAL, Spells
from doorstroom.core.forecast.model import (
    C_INDEX,
    COMPARTMENTS,
    OUTCOMES,
    FloatArray,
    Proportions,
    Rate,
)

GROUPS: tuple[str, ...] = ("18-24", "25+")
MONTH_DAYS = 30.4375
PRIOR_MONTHS = 24.0
TREND_PRIOR = 200.0  # applications: a yearly trend is believed in proportion n / (n + 200)
HOME_IN_REGION = (
    "home_origin",
    "home_origin_supported",
    "home_region",
    "home_region_supported",
)


def product_group(value: str | None) -> str | None:
    """bw / bt / mo for a place product (``journey.Product`` value), else None."""
    if value is None:
        return None
    if value == "bw_intramural":
        return "bw"
    if value.startswith("bt_"):
        return "bt"
    if value.startswith("mo_"):
        return "mo"
    return None


@dataclass(frozen=True, slots=True)
class Estimate:
    """One fitted monthly probability for the region (all municipalities) and an age
    band: what the parameters page shows, with its observations."""

    compartment: str
    outcome: str
    group: str
    events: int
    exposure: float  # person-months at risk
    mean: float  # monthly probability (the exposure-weighted mean over municipalities)
    concentration: float


@dataclass(frozen=True, slots=True)
class InflowEstimate:
    municipality: str
    group: str
    applications: int
    months: float
    population: float
    per_10k: float  # applications per 10,000 inhabitants per month
    log_sd: float


@dataclass(frozen=True, slots=True)
class Fit:
    outcomes: dict[str, Proportions]
    inflow: Rate
    inflow_trend: Rate
    initial: FloatArray  # (C, M, G)
    homes_per_year: FloatArray  # (M,)
    estimates: tuple[Estimate, ...]
    inflow_estimates: tuple[InflowEstimate, ...]
    trend: tuple[tuple[str, int, int, float], ...]  # group, previous 12 m, last 12 m, factor
    window: tuple[date, date]


def _day(value: date) -> int:
    return value.toordinal() - EPOCH_ORDINAL


def _days(frame: pl.DataFrame, column: str) -> np.ndarray:
    """Days since 1970 (int64), -1 for null."""
    return frame.get_column(column).cast(pl.Int64).fill_null(-1).to_numpy().astype(np.int64)


class _Cells:
    """Municipality of origin (unknown or outside the area: the first, the centre) and
    age band (18-24 or 25+) of every row of a spell frame."""

    def __init__(self, codes: Sequence[str]) -> None:
        self.index = {c: i for i, c in enumerate(codes)}
        self.m = len(codes)

    def __call__(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        origin = frame.get_column("origin").to_list()
        m = np.array([self.index.get(o or "", 0) for o in origin], dtype=np.intp)
        band = frame.get_column("age_band").cast(pl.String).to_list()
        g = np.array([0 if b == "18-24" else 1 for b in band], dtype=np.intp)
        return m, g


class _Hazards:
    """Events per outcome and person-months per cell, for one compartment."""

    def __init__(self, outcomes: int, m: int) -> None:
        self.events = np.zeros((outcomes, m, len(GROUPS)))
        self.exposure = np.zeros((m, len(GROUPS)))

    def add(
        self,
        m: np.ndarray,
        g: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,  # -1: open
        outcome: np.ndarray,  # -1: no event / censored
        w0: int,
        w1: int,
    ) -> None:
        stop = np.where(end < 0, w1, np.minimum(end, w1))
        exposure = np.clip(stop - np.maximum(start, w0), 0, None) / MONTH_DAYS
        np.add.at(self.exposure, (m, g), exposure)
        happened = (outcome >= 0) & (end >= w0) & (end >= 0) & (end <= w1)
        np.add.at(self.events, (outcome[happened], m[happened], g[happened]), 1.0)

    def proportions(self) -> tuple[Proportions, FloatArray, FloatArray]:
        """Shrunk monthly probabilities (M, G, k), the region's (G, k) and concentration."""
        ev = self.events  # (k, M, G)
        ex = self.exposure  # (M, G)
        region_ev = ev.sum(axis=1)  # (k, G)
        region_ex = ex.sum(axis=0)  # (G,)
        region_h = region_ev / np.where(region_ex > 0, region_ex, 1.0)
        h = (ev + PRIOR_MONTHS * region_h[:, None, :]) / (ex + PRIOR_MONTHS)[None]
        p = _probabilities(h)  # (k, M, G)
        mean = np.moveaxis(p, 0, -1)  # (M, G, k)
        conc = ex + PRIOR_MONTHS
        region_p = _probabilities(region_h)  # (k, G)
        return Proportions(mean, conc), region_p.T, region_ex


def _probabilities(h: FloatArray) -> FloatArray:
    """Competing monthly hazards (axis 0) to probabilities of each outcome in a month."""
    total = h.sum(axis=0, keepdims=True)
    leave = 1.0 - np.exp(-total)
    share = np.divide(h, total, out=np.zeros_like(h), where=total > 0)
    return np.asarray(leave * share, dtype=np.float64)


def _open_transfers(waits: pl.DataFrame, stays: pl.DataFrame, w1: int) -> np.ndarray:
    """For each stay: its client waits in care for BT at ``w1`` (same episode)."""
    if not waits.height or not stays.height:
        return np.zeros(stays.height, dtype=bool)
    day = pl.lit(w1).cast(pl.Int32).cast(pl.Date)
    keys = (
        waits.filter(
            pl.col("in_care")
            & pl.col("product").cast(pl.String).str.starts_with("bt_")
            & (pl.col("start") <= day)
            & (pl.col("end").is_null() | (pl.col("end") > day))
        )
        .select("client", "episode")
        .unique()
        .with_columns(pl.lit(True).alias("_waiting"))
    )
    joined = stays.select("client", "episode").join(
        keys, on=["client", "episode"], how="left", maintain_order="left"
    )
    return joined.get_column("_waiting").fill_null(False).to_numpy().astype(bool)


def fit(
    spells: Spells,
    *,
    region: str,
    codes: Sequence[str],
    population: Mapping[str, float],
    as_of: date,
    window_months: int = 36,
) -> Fit:
    """Fit every parameter of the model for the municipalities ``codes`` (the region
    ``region`` in the spells) on the window ending at ``as_of`` (see the module doc)."""
    m_count = len(codes)
    cells = _Cells(codes)
    w1 = _day(as_of)
    first = spells.first_day or as_of
    w0 = max(_day(first), w1 - round(window_months * MONTH_DAYS))
    window = (date.fromordinal(w0 + EPOCH_ORDINAL), as_of)
    months = max((w1 - w0) / MONTH_DAYS, 1.0)

    def mine(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("region") == region)

    episodes = mine(spells.episodes)
    waits = mine(spells.waits)
    stays = mine(spells.stays)
    hazards = {c: _Hazards(len(o), m_count) for c, o in OUTCOMES.items() if o}
    initial = np.zeros((len(COMPARTMENTS), m_count, len(GROUPS)))

    # ---- applied: a decision for a place (by product), or closed without one
    if episodes.height:
        m, g = cells(episodes)
        applied = _days(episodes, "applied")
        decided = _days(episodes, "decided")
        closed = _days(episodes, "closed")
        groups = [product_group(v) for v in episodes.get_column("product").cast(pl.String)]
        end = np.where(decided >= 0, decided, closed)
        outcome = np.array(
            [
                ("bw", "bt", "mo").index(gr) if d >= 0 and gr is not None else 3
                for d, gr in zip(decided, groups, strict=True)
            ],
            dtype=np.intp,
        )
        outcome = np.where(end >= 0, outcome, -1)
        hazards["applied"].add(m, g, applied, end, outcome, w0, w1)
        open_now = (applied <= w1) & ((end < 0) | (end > w1))
        np.add.at(initial[C_INDEX["applied"]], (m[open_now], g[open_now]), 1.0)

    # ---- waiting lists (not in care): withdrawals and expiries; transfers to BT (in care)
    if waits.height:
        m, g = cells(waits)
        start, end = _days(waits, "start"), _days(waits, "end")
        in_care = waits.get_column("in_care").to_numpy()
        prod = [product_group(v) for v in waits.get_column("product").cast(pl.String)]
        left = np.array([o in ("withdrawn", "expired") for o in waits.get_column("outcome")])
        open_now = (start <= w1) & ((end < 0) | (end > w1))
        for p in ("bw", "bt", "mo"):
            rows = np.array([x == p for x in prod]) & ~in_care
            comp = f"waiting_{p}"
            hazards[comp].add(
                m[rows], g[rows], start[rows], end[rows], np.where(left[rows], 0, -1), w0, w1
            )
            now = rows & open_now
            np.add.at(initial[C_INDEX[comp]], (m[now], g[now]), 1.0)

    # ---- stays: ready, transfer, exit; then the ready period. A BW stay that ends in a
    # transfer (to BT) is a move to transfer_bt (waiting for BT in the BW place), also
    # when it was flagged "ready" first; who waits for BT in care now is in transfer_bt.
    homes = np.zeros(m_count)
    if stays.height:
        m, g = cells(stays)
        start, end, ready = _days(stays, "start"), _days(stays, "end"), _days(stays, "ready")
        reason = np.array(stays.get_column("end_reason").fill_null("").to_list())
        dest = stays.get_column("destination").cast(pl.String).to_list()
        stay_prod = np.array(
            [product_group(v) or "" for v in stays.get_column("product").cast(pl.String)]
        )
        waiting_for_bt = _open_transfers(waits, stays, w1)
        in_stay = (start <= w1) & ((end < 0) | (end > w1))
        to_bt = (stay_prod == "bw") & ((reason == "transfer") | waiting_for_bt)
        ready = np.where(to_bt, -1, ready)
        stay_end = np.where(ready >= 0, ready, end)
        home = np.array([d in HOME_IN_REGION for d in dest]) & (reason == "exit")
        for p in ("bw", "bt", "mo"):
            rows = stay_prod == p
            comp = f"{p}_1"
            names = OUTCOMES[comp]
            outcome = np.full(len(stay_prod), -1, dtype=np.intp)
            outcome[ready >= 0] = names.index(f"ready_{p}")
            outcome[(ready < 0) & (reason == "exit")] = names.index("exit:care")
            transfer = (ready < 0) & (reason == "transfer")
            outcome[transfer] = names.index("transfer_bt" if p == "bw" else "exit:care")
            hazards[comp].add(m[rows], g[rows], start[rows], stay_end[rows], outcome[rows], w0, w1)
            now = rows & in_stay
            moving = now & to_bt & waiting_for_bt
            np.add.at(initial[C_INDEX["transfer_bt"]], (m[moving], g[moving]), 1.0)
            before_ready = now & ~moving & ((ready < 0) | (ready > w1))
            np.add.at(initial[C_INDEX[comp]], (m[before_ready], g[before_ready]), 1.0)
            is_ready = now & ~moving & (ready >= 0) & (ready <= w1)
            np.add.at(initial[C_INDEX[f"ready_{p}"]], (m[is_ready], g[is_ready]), 1.0)
            # the ready period: leaving other than to a home in the region is the hazard
            r_rows = rows & (ready >= 0)
            r_out = np.where(home, -1, 0)
            hazards[f"ready_{p}"].add(
                m[r_rows], g[r_rows], ready[r_rows], end[r_rows], r_out[r_rows], w0, w1
            )
            counted = r_rows & home & (end >= w0) & (end <= w1)
            np.add.at(homes, m[counted], 1.0)

    # ---- outcome probabilities; second phases copy the first (one-phase stays)
    outcomes: dict[str, Proportions] = {}
    estimates: list[Estimate] = []
    for comp, hz in hazards.items():
        prop, region_p, region_ex = hz.proportions()
        outcomes[comp] = prop
        for j, name in enumerate(OUTCOMES[comp]):
            for gi, group in enumerate(GROUPS):
                estimates.append(
                    Estimate(
                        comp,
                        name,
                        group,
                        int(hz.events[j, :, gi].sum()),
                        float(region_ex[gi]),
                        float(region_p[gi, j]),
                        float(region_ex[gi] + PRIOR_MONTHS),
                    )
                )
    for p in ("bw", "bt", "mo"):
        first_phase = outcomes[f"{p}_1"]
        names1, names2 = OUTCOMES[f"{p}_1"], OUTCOMES[f"{p}_2"]
        mean1 = first_phase.mean.copy()
        mean1[..., names1.index(f"{p}_2")] = 0.0
        outcomes[f"{p}_1"] = Proportions(mean1, first_phase.concentration)
        mean2 = np.stack([mean1[..., names1.index(n)] for n in names2], axis=-1)
        outcomes[f"{p}_2"] = Proportions(mean2, first_phase.concentration)
    estimates = [e for e in estimates if not e.outcome.endswith("_2")]

    # ---- inflow per 10,000 inhabitants and its trend
    apps = np.zeros((m_count, len(GROUPS)))
    last12 = np.zeros(len(GROUPS))
    prev12 = np.zeros(len(GROUPS))
    if episodes.height:
        m, g = cells(episodes)
        applied = _days(episodes, "applied")
        inside = (applied >= w0) & (applied <= w1)
        np.add.at(apps, (m[inside], g[inside]), 1.0)
        year = round(12 * MONTH_DAYS)
        recent = (applied > w1 - year) & (applied <= w1)
        before = (applied > w1 - 2 * year) & (applied <= w1 - year)
        np.add.at(last12, g[recent], 1.0)
        np.add.at(prev12, g[before], 1.0)
    pop = np.array([max(float(population.get(c, 0.0)), 1.0) for c in codes])
    exposure = pop[:, None] / 10_000.0 * months
    region_rate = apps.sum(axis=0) / exposure.sum(axis=0)
    rate = (apps + region_rate[None, :] * PRIOR_MONTHS / months * pop[:, None] / 10_000) / (
        exposure + PRIOR_MONTHS / months * pop[:, None] / 10_000
    )
    rate = np.maximum(rate, 1e-6)
    log_sd = 1.0 / np.sqrt(apps + PRIOR_MONTHS / months * pop[:, None] / 10_000 * region_rate + 1)
    inflow_estimates = tuple(
        InflowEstimate(
            codes[i],
            GROUPS[gi],
            int(apps[i, gi]),
            months,
            float(pop[i]),
            float(rate[i, gi]),
            float(log_sd[i, gi]),
        )
        for i in range(m_count)
        for gi in range(len(GROUPS))
    )
    two_years = w1 - w0 >= 2 * round(12 * MONTH_DAYS)
    # a noisy ratio of two small counts, shrunk towards no trend and kept within +-5%
    n = last12 + prev12
    shrunk = np.exp(np.log((last12 + 1) / (prev12 + 1)) * n / (n + TREND_PRIOR))
    factor = np.where(two_years, np.clip(shrunk, 0.95, 1.05), 1.0)
    trend_sd = np.where(two_years, np.sqrt(1 / (last12 + 1) + 1 / (prev12 + 1)), 0.05)
    trend = tuple(
        (GROUPS[gi], int(prev12[gi]), int(last12[gi]), float(factor[gi]))
        for gi in range(len(GROUPS))
    )
    return Fit(
        outcomes=outcomes,
        inflow=Rate(rate, log_sd),
        inflow_trend=Rate(
            np.broadcast_to(factor, (m_count, len(GROUPS))).copy(),
            np.broadcast_to(trend_sd, (m_count, len(GROUPS))).copy(),
        ),
        initial=initial,
        homes_per_year=homes / (months / 12.0),
        estimates=tuple(estimates),
        inflow_estimates=inflow_estimates,
        trend=trend,
        window=window,
    )
