"""Calibration of the forecast model on the event log.

From the event log up to ``cutoff`` (events on or after it are not used: a backtest cannot
peek) and a fitting window of ``fit_years`` before it, :func:`calibrate` estimates a
:class:`~doorstroom.core.forecast.model.Baseline` that starts at ``cutoff``:

- **cells**: the client's municipality of *origin* (inflow is per inhabitant, homes are
  sought there) and age band at application (18-24 / 25+, or one band); clients from outside
  the region count for its centre municipality. Money follows the residence rules in the
  finance module; the forecast's costs per municipality are those of its own clients;
- **monthly probabilities** from person-time: for a compartment with exposure ``X``
  person-months and ``E_j`` exits to outcome ``j`` in the window, ``p_j = E_j / X`` (the
  total capped at 0.98). Not ``1 - exp(-E/X)``: the engine counts people at month ends and
  everyone who arrives in a month is counted at its end, so its mean sojourn in month-ends
  is ``1 / p``, which must equal the mean duration ``X / E`` in months for the stocks to
  come out right (a compartment whose mean stay is under a month cannot be represented
  exactly with monthly steps and is overestimated). Cells (municipality x
  band) are shrunk towards the pooled estimate with ``shrink`` person-months of it
  (empirical-Bayes style), so a small municipality borrows strength from the region;
- **trends** (inflow per band, home supply): a Poisson regression on the monthly counts,
  shrunk towards "no change" with a normal prior (sd ``trend_prior`` / ``homes_prior`` a
  year): three years of a few hundred applications give a trend whose standard error is
  about 7% a year, and extrapolating that noise for years would move the whole forecast;
- **uncertainty**: every outcome vector is a Dirichlet with concentration = exposure
  (+ ``shrink``) person-months: its standard deviation is the binomial/Poisson standard
  error of the estimate. Inflow rates are log-normal with ``sd = 1/sqrt(count)``, the
  trend's sd is the standard error of a Poisson regression. :attr:`Calibration.estimates`
  lists every parameter with its 95% interval;
- **duration dependence** of stays: per product group a 2-phase Coxian (phase-1 exit
  probability, progression probability, phase-2 exit probability) by maximum likelihood on
  the monthly durations, with censoring at the cutoff and delayed entry for stays that began
  before the window (a vectorised grid search, refined twice). Cells scale both exit
  probabilities by their observed / expected exits (shrunk). Where a stay goes (ready to
  move on, transfer to BT, exit) is a share per product group and band (shrunk per cell);
- **stocks at the cutoff**: every open spell, stays split over the phases by the fitted
  posterior probability of being in phase 2 after the time already spent;
- **places** from the facilities; **homes** per municipality: the realised supply, i.e. the
  ready-to-move-on periods that ended in a home in the region (own municipality or elsewhere
  in the region) over the window, with their growth (Poisson trend, bounded to ±10% a
  year); **prices** per product group (place-weighted); **utilisation** per product group:
  the median share of the places occupied at the month ends when the waiting list held at
  least 10% of the places (frictional vacancy).

Waiting lists are pooled per region by default (``pooling``): in the synthetic regions (and
many real ones) a free place goes to the longest waiting of the region, local first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstroom.core.eventlog import EventLog, derive_spells
from doorstroom.core.forecast.model import (
    C_INDEX,
    COMPARTMENTS,
    OUTCOMES,
    PRODUCTS,
    Area,
    Baseline,
    FloatArray,
    ForecastError,
    Proportions,
    Rate,
)
from doorstroom.core.journey import BT_PRODUCTS, MO_PRODUCTS, Destination, Product

DAYS_PER_MONTH = 30.4375
GROUP: dict[str, int] = {Product.BW.value: 0}
GROUP.update({p.value: 1 for p in BT_PRODUCTS})
GROUP.update({p.value: 2 for p in MO_PRODUCTS})
HOME_SUPPLY = frozenset(
    d.value
    for d in (
        Destination.HOME_ORIGIN,
        Destination.HOME_ORIGIN_SUPPORTED,
        Destination.HOME_REGION,
        Destination.HOME_REGION_SUPPORTED,
    )
)
MAX_MONTHS = 240


@dataclass(frozen=True, slots=True)
class Coxian:
    """Monthly 2-phase Coxian stay: exit probability in phase 1 and 2, progression."""

    leave1: float
    progress: float
    leave2: float
    stays: int
    exits: int
    loglik: float


@dataclass(frozen=True, slots=True)
class Estimate:
    parameter: str
    municipality: str
    group: str
    value: float
    low: float
    high: float
    events: float
    exposure: float  # person-months (rates: inhabitant-months / 10,000)


@dataclass(frozen=True)
class Calibration:
    baseline: Baseline
    coxian: dict[str, Coxian]
    estimates: tuple[Estimate, ...]
    cutoff: date
    fit_start: date
    notes: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- helpers
def _ordinal(col: pl.Series) -> npt.NDArray[np.int64]:
    """Date column as day ordinals (null -> -1)."""
    epoch = date(1970, 1, 1).toordinal()
    days = col.cast(pl.Int32).fill_null(-epoch - 1).to_numpy().astype(np.int64)
    return days + epoch


def _months(days: npt.NDArray[np.int64]) -> FloatArray:
    return np.asarray(days / DAYS_PER_MONTH, dtype=np.float64)


class _Cells:
    """Maps spell rows to (municipality, band) cells of the area."""

    def __init__(self, area: Area, groups: Sequence[str]) -> None:
        self.area = area
        self.groups = tuple(groups)
        self.code = {c: i for i, c in enumerate(area.codes)}
        starts = area.region_starts()
        self.centre = {name: int(starts[r]) for r, name in enumerate(area.region_names)}

    def of(
        self, df: pl.DataFrame
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        origin = df["origin"].to_list()
        region = df["region"].to_list()
        m = np.array(
            [self.code.get(o, self.centre.get(r, -1)) for o, r in zip(origin, region, strict=True)],
            dtype=np.intp,
        )
        if len(self.groups) == 1:
            g = np.zeros(len(df), dtype=np.intp)
        else:
            young = self.groups.index("18-24") if "18-24" in self.groups else 0
            is_young = (df["age_band"].cast(pl.String) == "18-24").to_numpy()
            g = np.where(is_young, young, 1 - young).astype(np.intp)
        return m, g, m >= 0


def _window(
    start: npt.NDArray[np.int64], end: npt.NDArray[np.int64], lo: int, hi: int
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Exposure (months) inside [lo, hi) and whether the spell ends inside it."""
    e = np.where(end < 0, hi, end)
    s = np.maximum(start, lo)
    exposure = np.maximum(np.minimum(e, hi) - s, 0)
    ended = (end >= lo) & (end < hi) & (end >= 0)
    return _months(exposure), ended


def _cell_sum(
    m: npt.NDArray[np.intp], g: npt.NDArray[np.intp], w: FloatArray, shape: tuple[int, int]
) -> FloatArray:
    out = np.zeros(shape)
    np.add.at(out, (m, g), w)
    return out


def _probabilities(
    events: FloatArray, exposure: FloatArray, shrink: float
) -> tuple[FloatArray, FloatArray]:
    """Monthly outcome probabilities (M, G, k) from events (M, G, k) and exposure (M, G),
    shrunk towards the pooled estimate; the concentration (M, G) is the exposure."""
    pooled_rate = events.sum(axis=(0, 1)) / max(exposure.sum(), 1e-9)  # (k,)
    rate = (events + shrink * pooled_rate) / (exposure[..., None] + shrink)
    total = rate.sum(axis=-1, keepdims=True)
    probs = rate * np.minimum(1.0, 0.98 / np.where(total > 0, total, 1.0))
    return probs, exposure + shrink


def _coxian_curves(
    a: FloatArray, q: FloatArray, b: FloatArray, months: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For candidate parameters (n,): P(leave in month k) (n, months+1), survival S(k)
    (n, months+1) and P(phase 2 | survived k months) (n, months+1); k = 0 is unused."""
    n = a.size
    p1 = np.ones(n)
    p2 = np.zeros(n)
    pmf = np.zeros((n, months + 1))
    surv = np.ones((n, months + 1))
    post = np.zeros((n, months + 1))
    for k in range(1, months + 1):
        leave = p1 * a + p2 * b
        p1, p2 = p1 * (1 - a - q), p2 * (1 - b) + p1 * q
        pmf[:, k] = leave
        surv[:, k] = p1 + p2
        post[:, k] = np.where(surv[:, k] > 0, p2 / np.where(surv[:, k] > 0, surv[:, k], 1), 1)
    return pmf, surv, post


def fit_coxian(
    duration: npt.NDArray[np.int64], ended: npt.NDArray[np.bool_], entry: npt.NDArray[np.int64]
) -> Coxian:
    """Maximum likelihood 2-phase Coxian on monthly durations (>= 1) with censoring
    (``ended`` False: still in care after ``duration`` months) and delayed entry (observed
    only from ``entry`` months into the stay)."""
    d = np.clip(duration, 1, MAX_MONTHS).astype(np.intp)
    e = np.clip(entry, 0, MAX_MONTHS - 1).astype(np.intp)
    if d.size == 0:
        return Coxian(0.03, 0.05, 0.03, 0, 0, 0.0)
    grid_a = np.geomspace(0.002, 0.6, 28)
    grid_q = np.concatenate([[0.0], np.geomspace(0.003, 0.6, 27)])
    grid_b = np.geomspace(0.002, 0.6, 28)
    best: tuple[float, float, float] = (0.03, 0.05, 0.03)
    # histograms over the months: the likelihood is counts . log(pmf / survival)
    n_end = np.bincount(d[ended], minlength=MAX_MONTHS + 1).astype(np.float64)
    n_cens = np.bincount(d[~ended], minlength=MAX_MONTHS + 1).astype(np.float64)
    n_entry = np.bincount(e, minlength=MAX_MONTHS + 1).astype(np.float64)
    loglik = 0.0
    for _ in range(3):
        A, Q, Bb = (x.ravel() for x in np.meshgrid(grid_a, grid_q, grid_b, indexing="ij"))
        ok = A + Q < 0.98
        A, Q, Bb = A[ok], Q[ok], Bb[ok]
        pmf, surv, _ = _coxian_curves(A, Q, Bb, MAX_MONTHS)
        with np.errstate(divide="ignore"):
            lp = np.log(np.maximum(pmf, 1e-300))
            ls = np.log(np.maximum(surv, 1e-300))
        # (no BLAS: OpenBLAS threads spin on a busy machine)
        ll = (lp * n_end).sum(axis=1) + (ls * (n_cens - n_entry)).sum(axis=1)
        i = int(np.argmax(ll))
        best = (float(A[i]), float(Q[i]), float(Bb[i]))
        grid_a = np.clip(best[0] * np.geomspace(0.6, 1.6, 15), 1e-4, 0.9)
        grid_q = np.clip(
            np.concatenate([[0.0], max(best[1], 1e-3) * np.geomspace(0.6, 1.6, 14)]), 0, 0.9
        )
        grid_b = np.clip(best[2] * np.geomspace(0.6, 1.6, 15), 1e-4, 0.9)
        loglik = float(ll[i])
    return Coxian(best[0], best[1], best[2], int(d.size), int(ended.sum()), loglik)


def _shrunk(slope: float, se: float, prior_sd: float) -> tuple[float, float]:
    """Posterior mean and sd of a slope with a normal prior N(0, prior_sd^2) (per month):
    a trend from a few years of small counts is mostly noise, and extrapolating noise for
    years moves the whole forecast."""
    w = prior_sd**2 / (prior_sd**2 + se**2)
    return slope * w, float(np.sqrt(w) * se)


def _poisson_trend(counts: FloatArray, exposure: FloatArray) -> tuple[float, float]:
    """Log-linear Poisson regression of monthly counts on time (months from the start):
    (slope per month, standard error), by iteratively reweighted least squares."""
    t = np.arange(counts.size, dtype=np.float64)
    x = np.stack([np.ones_like(t), t - t.mean()], axis=1)
    beta = np.array([np.log(max(counts.sum(), 0.5) / max(exposure.sum(), 1e-9)), 0.0])
    cov = np.eye(2)
    for _ in range(25):
        mu = exposure * np.exp(x @ beta)
        info = x.T @ (mu[:, None] * x)
        cov = np.linalg.inv(info + 1e-9 * np.eye(2))
        step = cov @ (x.T @ (counts - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(beta[1]), float(np.sqrt(max(cov[1, 1], 0.0)))


# ---------------------------------------------------------------- calibration
def calibrate(
    log: EventLog,
    area: Area,
    population: Mapping[str, float],
    *,
    cutoff: date,
    fit_years: float = 3.0,
    months: int = 60,
    groups: tuple[str, ...] = ("18-24", "25+"),
    pooling: tuple[str, ...] = ("region", "region", "region"),
    population_growth: float = 0.0,
    shrink: float = 24.0,
    trend_prior: float = 0.03,
    homes_prior: float = 0.05,
    estimate_utilization: bool = False,
) -> Calibration:
    """A calibrated baseline that starts at ``cutoff`` (see the module doc)."""
    if cutoff.day != 1:
        raise ForecastError("the cutoff must be the first day of a month")
    keep = log.day < cutoff.toordinal()
    spells = derive_spells(log.take(np.flatnonzero(keep)))
    fit_start = cutoff - timedelta(days=round(365.25 * fit_years))
    lo, hi = fit_start.toordinal(), cutoff.toordinal()
    cells = _Cells(area, groups)
    m_count, g_count = area.size, len(groups)
    shape = (m_count, g_count)
    estimates: list[Estimate] = []
    outcomes: dict[str, Proportions] = {}
    initial = np.zeros((len(COMPARTMENTS), m_count, g_count))

    # ---- assessment: application -> decision
    ep = spells.episodes
    m, g, ok = cells.of(ep)
    applied = _ordinal(ep["applied"])
    decided = _ordinal(ep["decided"])
    closed = _ordinal(ep["closed"])
    leave = np.where(decided >= 0, decided, closed)
    exposure, ended = _window(applied, leave, lo, hi)
    prod = ep["product"].cast(pl.String).fill_null("").to_list()
    group = np.array([GROUP.get(p, 3) for p in prod])  # 3: no place (ambulant, not eligible, none)
    events = np.zeros((*shape, 4))
    for j in range(4):
        sel = ok & ended & (group == j)
        np.add.at(events, (m[sel], g[sel], j), 1.0)
    expo = _cell_sum(m[ok], g[ok], exposure[ok], shape)
    probs, conc = _probabilities(events, expo, shrink)
    outcomes["applied"] = Proportions(probs, conc)
    open_app = ok & (leave < 0)
    np.add.at(initial[C_INDEX["applied"]], (m[open_app], g[open_app]), 1.0)
    _estimates(estimates, "applied", OUTCOMES["applied"], probs, conc, events, expo, area, groups)

    # ---- inflow: applications per 10,000 inhabitants per month, with a trend per band
    pop = np.array([float(population[c]) for c in area.codes])
    n_months = max(1, round((hi - lo) / DAYS_PER_MONTH))
    in_window = ok & (applied >= lo) & (applied < hi)
    month_of = np.clip(((applied - lo) / DAYS_PER_MONTH).astype(np.intp), 0, n_months - 1)
    monthly = np.zeros((n_months, *shape))
    np.add.at(monthly, (month_of[in_window], m[in_window], g[in_window]), 1.0)
    counts = monthly.sum(axis=0)
    expo_pop = pop[:, None] / 10_000 * n_months
    trend_mean = np.ones(shape)
    trend_sd = np.zeros(shape)
    for k in range(g_count):
        slope, se = _poisson_trend(
            monthly[:, :, k].sum(axis=1), np.full(n_months, pop.sum() / 10_000)
        )
        slope, se = _shrunk(slope, se, trend_prior / 12)
        trend_mean[:, k] = np.exp(12 * slope)
        trend_sd[:, k] = 12 * se
        estimates.append(
            Estimate(
                "inflow_trend_per_year",
                "",
                groups[k],
                float(np.exp(12 * slope)),
                float(np.exp(12 * (slope - 1.96 * se))),
                float(np.exp(12 * (slope + 1.96 * se))),
                float(monthly[:, :, k].sum()),
                float(n_months),
            )
        )
    pooled = counts.sum(axis=0, keepdims=True) / expo_pop.sum(axis=0, keepdims=True)
    rate = (counts + 12 * pooled * (pop[:, None] / 10_000)) / (
        expo_pop + 12 * pop[:, None] / 10_000
    )
    # the mean rate belongs to the middle of the window: move it to the cutoff
    rate = rate * trend_mean ** (n_months / 24.0)
    rate_sd = 1.0 / np.sqrt(counts + 1.0)
    for mi, code in enumerate(area.codes):
        for k in range(g_count):
            r, s = rate[mi, k], rate_sd[mi, k]
            estimates.append(
                Estimate(
                    "inflow_per_10k_month",
                    code,
                    groups[k],
                    float(r),
                    float(r * np.exp(-1.96 * s)),
                    float(r * np.exp(1.96 * s)),
                    float(counts[mi, k]),
                    float(expo_pop[mi, 0]),
                )
            )

    # ---- waiting lists (not yet in care): withdrawal / expiry hazard; transfer queue
    w = spells.waits
    m, g, ok = cells.of(w)
    wgroup = np.array([GROUP.get(p, -1) for p in w["product"].cast(pl.String).to_list()])
    in_care = w["in_care"].to_numpy()
    start, end = _ordinal(w["start"]), _ordinal(w["end"])
    outcome = w["outcome"].fill_null("").to_list()
    left = np.array([o in ("withdrawn", "expired") for o in outcome], dtype=bool)
    exposure, ended = _window(start, end, lo, hi)
    for p_i, prod_g in enumerate(PRODUCTS):
        name = f"waiting_{prod_g.value}"
        queue = ok & (wgroup == p_i) & (~in_care | (p_i == 0))
        ev = _cell_sum(
            m[queue & ended & left],
            g[queue & ended & left],
            np.ones(int((queue & ended & left).sum())),
            shape,
        )
        ex = _cell_sum(m[queue], g[queue], exposure[queue], shape)
        probs, conc = _probabilities(ev[..., None], ex, shrink)
        outcomes[name] = Proportions(probs, conc)
        _estimates(estimates, name, OUTCOMES[name], probs, conc, ev[..., None], ex, area, groups)
        open_q = queue & (end < 0)
        np.add.at(initial[C_INDEX[name]], (m[open_q], g[open_q]), 1.0)
    transfer = ok & (wgroup == 1) & in_care & (end < 0)
    np.add.at(initial[C_INDEX["transfer_bt"]], (m[transfer], g[transfer]), 1.0)
    # clients counted in a queue while in care (in-care waits) are not counted in care too
    queued_in_care = set(
        zip(
            w.filter(pl.col("in_care") & pl.col("end").is_null())["client"].to_list(),
            w.filter(pl.col("in_care") & pl.col("end").is_null())["episode"].to_list(),
            strict=True,
        )
    )
    bt_wait_after = w.filter(pl.col("in_care")).select("client", "episode", "start", "product")

    # ---- stays: phases (Coxian), destinations, cell factors
    st = spells.stays
    m, g, ok = cells.of(st)
    sgroup = np.array([GROUP.get(p, -1) for p in st["product"].cast(pl.String).to_list()])
    start, end, ready = _ordinal(st["start"]), _ordinal(st["end"]), _ordinal(st["ready"])
    leave = np.where(ready >= 0, ready, end)
    # where a stay went: ready for a home (0), ready for BT (1), exit or other (2)
    key = list(zip(st["client"].to_list(), st["episode"].to_list(), strict=True))
    bt_after = {
        (c, e): s
        for c, e, s, p in zip(
            bt_wait_after["client"].to_list(),
            bt_wait_after["episode"].to_list(),
            _ordinal(bt_wait_after["start"]).tolist(),
            bt_wait_after["product"].cast(pl.String).to_list(),
            strict=True,
        )
        if GROUP.get(p) == 1
    }
    dest = np.full(len(st), 2)
    for i, (k_, r) in enumerate(zip(key, ready.tolist(), strict=True)):
        if r >= 0:
            dest[i] = 1 if (sgroup[i] == 0 and bt_after.get(k_, -1) >= r) else 0
    open_now = leave < 0
    dur_days = np.where(open_now, hi, leave) - start
    duration = np.maximum(1, np.round(dur_days / DAYS_PER_MONTH)).astype(np.int64)
    entry = np.maximum(0, np.floor((lo - start) / DAYS_PER_MONTH)).astype(np.int64)
    counted = np.where(open_now, hi, leave) >= lo
    coxians: dict[str, Coxian] = {}
    for p_i, prod_g in enumerate(PRODUCTS):
        sel = ok & (sgroup == p_i) & counted
        cx = fit_coxian(duration[sel], ~open_now[sel], entry[sel])
        coxians[prod_g.value] = cx
        pmf, surv, post = _coxian_curves(
            np.array([cx.leave1]), np.array([cx.progress]), np.array([cx.leave2]), MAX_MONTHS
        )
        hazard = np.where(surv[0, :-1] > 0, pmf[0, 1:] / np.maximum(surv[0, :-1], 1e-300), 0.0)
        cum = np.concatenate([[0.0], np.cumsum(-np.log1p(-np.minimum(hazard, 0.999999)))])
        d_end = np.clip(duration, 0, MAX_MONTHS)
        expected = cum[d_end] - cum[np.clip(entry, 0, MAX_MONTHS)]
        obs = _cell_sum(
            m[sel & ~open_now], g[sel & ~open_now], np.ones(int((sel & ~open_now).sum())), shape
        )
        exp_ = _cell_sum(m[sel], g[sel], expected[sel], shape)
        factor = (obs + shrink * 0.05) / (exp_ + shrink * 0.05)
        ex = _cell_sum(m[sel], g[sel], _window(start[sel], leave[sel], lo, hi)[0], shape)
        # destination shares per band, shrunk per cell
        share = np.zeros((*shape, 3))
        for j in range(3):
            pick = sel & ~open_now & (dest == j)
            np.add.at(share[..., j], (m[pick], g[pick]), 1.0)
        band_total = share.sum(axis=0, keepdims=True)
        band_share = band_total / np.maximum(band_total.sum(axis=-1, keepdims=True), 1e-9)
        share = (share + 10 * band_share) / (share.sum(axis=-1, keepdims=True) + 10)
        a1 = np.minimum(cx.leave1 * factor, 0.95 - cx.progress)
        a2 = np.minimum(cx.leave2 * factor, 0.95)
        conc = ex + shrink
        v = prod_g.value
        s_home, s_bt, s_exit = share[..., 0], share[..., 1], share[..., 2]
        if p_i == 0:
            o1 = np.stack([a1 * s_home, a1 * s_bt, a1 * s_exit, np.full(shape, cx.progress)], -1)
            o2 = np.stack([a2 * s_bt, a2 * s_exit, a2 * s_home], -1)
        else:  # BT and MO: no transfer outcome (a transfer share counts as ready)
            o1 = np.stack([a1 * (s_home + s_bt), a1 * s_exit, np.full(shape, cx.progress)], -1)
            o2 = np.stack([a2 * s_exit, a2 * (s_home + s_bt)], -1)
        outcomes[f"{v}_1"] = Proportions(o1, conc)
        outcomes[f"{v}_2"] = Proportions(o2, conc)
        for phase, o in ((1, o1), (2, o2)):
            _estimates(
                estimates, f"{v}_{phase}", OUTCOMES[f"{v}_{phase}"], o, conc, None, ex, area, groups
            )
        # stocks at the cutoff: open stays not yet ready, split over the phases
        here = ok & (sgroup == p_i) & open_now
        here &= np.array([k_ not in queued_in_care for k_ in key]) if queued_in_care else here
        p2 = post[0, np.clip(duration[here], 0, MAX_MONTHS)]
        np.add.at(initial[C_INDEX[f"{v}_2"]], (m[here], g[here]), p2)
        np.add.at(initial[C_INDEX[f"{v}_1"]], (m[here], g[here]), 1 - p2)

    # ---- ready to move on: other exits (homes from the supply are a constraint)
    rd = spells.ready
    m, g, ok = cells.of(rd)
    rgroup = np.array([GROUP.get(p, -1) for p in rd["product"].cast(pl.String).to_list()])
    rstart, rend = _ordinal(rd["start"]), _ordinal(rd["end"])
    rkey = list(zip(rd["client"].to_list(), rd["episode"].to_list(), strict=True))
    to_bt = np.array(
        [bt_after.get(k_, -1) >= s for k_, s in zip(rkey, rstart.tolist(), strict=True)]
    )
    ex_dest = {
        (c, e): d
        for c, e, d in zip(
            spells.exits["client"].to_list(),
            spells.exits["episode"].to_list(),
            spells.exits["destination"].cast(pl.String).to_list(),
            strict=True,
        )
    }
    other = np.array(
        [(ex_dest.get(k_) is not None and ex_dest.get(k_) not in HOME_SUPPLY) for k_ in rkey]
    )
    exposure, ended = _window(rstart, rend, lo, hi)
    for p_i, prod_g in enumerate(PRODUCTS):
        name = f"ready_{prod_g.value}"
        sel = ok & (rgroup == p_i) & ~to_bt
        hit = sel & ended & other
        ev = _cell_sum(m[hit], g[hit], np.ones(int(hit.sum())), shape)
        ex = _cell_sum(m[sel], g[sel], exposure[sel], shape)
        probs, conc = _probabilities(ev[..., None], ex, shrink)
        outcomes[name] = Proportions(probs, conc)
        _estimates(estimates, name, OUTCOMES[name], probs, conc, ev[..., None], ex, area, groups)
        still = sel & (rend < 0)
        np.add.at(initial[C_INDEX[name]], (m[still], g[still]), 1.0)

    # ---- places, prices, homes
    fac = log.facilities
    places = np.zeros((len(PRODUCTS), m_count))
    price_sum = np.zeros(len(PRODUCTS))
    price_w = np.zeros(len(PRODUCTS))
    fac_products = [log_product(int(p)) for p in fac.product]
    for i in range(len(fac)):
        p_i = GROUP.get(fac_products[i], -1)
        code = log.municipalities[int(fac.municipality[i])] if fac.municipality[i] >= 0 else ""
        if p_i < 0 or code not in cells.code:
            continue
        places[p_i, cells.code[code]] += float(fac.places[i])
        price_sum[p_i] += float(fac.price_per_day[i]) * float(fac.places[i])
        price_w[p_i] += float(fac.places[i])
    price = np.where(price_w > 0, price_sum / np.maximum(price_w, 1e-9), 100.0)
    # realised supply: ready-to-move-on spells that end in a home in the region (direct
    # exits to a home, e.g. from shelter, do not use the supply)
    ex_df = spells.exits
    ex_muni = {
        (c, e): mu
        for c, e, mu in zip(
            ex_df["client"].to_list(),
            ex_df["episode"].to_list(),
            ex_df["destination_municipality"].to_list(),
            strict=True,
        )
    }
    home_day = rend
    home_code = [ex_muni.get(k_, "") for k_ in rkey]
    is_home = np.array([ex_dest.get(k_) in HOME_SUPPLY for k_ in rkey]) & (rend >= 0)
    home_monthly = np.zeros((n_months, m_count))
    for d_, c_, h_ in zip(home_day.tolist(), home_code, is_home.tolist(), strict=True):
        if h_ and c_ in cells.code and lo <= d_ < hi:
            home_monthly[min(int((d_ - lo) / DAYS_PER_MONTH), n_months - 1), cells.code[c_]] += 1.0
    slope, se = _poisson_trend(home_monthly.sum(axis=1), np.ones(n_months))
    slope, se = _shrunk(slope, se, homes_prior / 12)
    growth = float(np.clip(np.exp(12 * slope) - 1.0, -0.10, 0.10))
    # the window's homes per municipality, moved to the cutoff with the growth
    per_year = home_monthly.sum(axis=0) * 12.0 / n_months
    per_year = per_year * (1.0 + growth) ** (n_months / 24.0)
    # utilisation (frictional vacancy): estimated only on request; in the synthetic regions
    # the estimate is confounded by facilities still filling up and did not help backtests
    util = (
        _utilization(log.take(np.flatnonzero(keep)), area, places, fit_start, cutoff)
        if estimate_utilization
        else (1.0, 1.0, 1.0)
    )
    horizon_years = (cutoff.month - 1 + months + 11) // 12 + 1
    homes = per_year[:, None] * (1.0 + growth) ** (np.arange(horizon_years)[None, :] + 0.5)
    estimates.append(
        Estimate(
            "homes_growth_per_year",
            "",
            "",
            growth,
            float(np.exp(12 * (slope - 1.96 * se)) - 1),
            float(np.exp(12 * (slope + 1.96 * se)) - 1),
            float(home_monthly.sum()),
            float(n_months),
        )
    )
    pop_years = pop[:, None] * (1.0 + population_growth) ** np.arange(horizon_years + 1)[None, :]

    notes = (
        f"fitted on {fit_start.isoformat()} .. {(cutoff - timedelta(days=1)).isoformat()}",
        f"homes per year from the realised moves of ready clients to a home, growth {growth:+.1%}",
    )
    baseline = Baseline(
        area=area,
        groups=groups,
        start_year=cutoff.year,
        start_month=cutoff.month,
        months=months,
        initial=np.round(initial),
        population=pop_years,
        inflow=Rate(rate, rate_sd),
        inflow_trend=Rate(trend_mean, trend_sd),
        outcomes=outcomes,
        places=np.round(places),
        pooling=pooling,
        homes=homes,
        price_per_day=np.repeat(price[:, None], m_count, axis=1),
        utilization=util,
        meta={"calibrated": True, "cutoff": cutoff.isoformat(), "fit_start": fit_start.isoformat()},
    )
    return Calibration(baseline, coxians, tuple(estimates), cutoff, fit_start, notes)


def _utilization(
    log: EventLog, area: Area, places: FloatArray, fit_start: date, cutoff: date
) -> tuple[float, ...]:
    """Per product group: the median of occupied / places over the month ends of the window
    at which the region's waiting list held at least 10% of the places (the pool was
    clearly full); 1.0 with fewer than six such months; between 0.9 and 1."""
    months: list[date] = []
    d = date(fit_start.year, fit_start.month, 1)
    while d < cutoff:
        months.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    months = months[:-1]  # the last month end lies after the cutoff
    if not months:
        return (1.0, 1.0, 1.0)
    obs = observed_stocks(log, area, months)
    out = []
    for p_i, prod_g in enumerate(PRODUCTS):
        occ = obs[f"in_{prod_g.value}"].sum(axis=0)
        queue = obs[f"waiting_{prod_g.value}"].sum(axis=0)
        cap = places[p_i].sum()
        busy = queue >= 0.1 * cap
        u = float(np.median(occ[busy]) / cap) if busy.sum() >= 6 and cap > 0 else 1.0
        out.append(float(np.clip(u, 0.9, 1.0)))
    return tuple(out)


def log_product(code: int) -> str:
    from doorstroom.core.eventlog import PRODUCTS as LOG_PRODUCTS

    return LOG_PRODUCTS[code].value if code >= 0 else ""


def _estimates(
    out: list[Estimate],
    compartment: str,
    names: Sequence[str],
    probs: FloatArray,
    conc: FloatArray,
    events: FloatArray | None,
    exposure: FloatArray,
    area: Area,
    groups: Sequence[str],
) -> None:
    """One row per outcome, municipality and band: value with a 95% interval (normal
    approximation of the Dirichlet marginal Beta(c p, c (1 - p)))."""
    sd = np.sqrt(probs * (1 - probs) / (conc[..., None] + 1))
    for mi, code in enumerate(area.codes):
        for k, band in enumerate(groups):
            for j, name in enumerate(names):
                p = float(probs[mi, k, j])
                out.append(
                    Estimate(
                        f"{compartment} -> {name}",
                        code,
                        band,
                        p,
                        max(0.0, p - 1.96 * float(sd[mi, k, j])),
                        min(1.0, p + 1.96 * float(sd[mi, k, j])),
                        float(events[mi, k, j]) if events is not None else float("nan"),
                        float(exposure[mi, k]),
                    )
                )


def observed_stocks(log: EventLog, area: Area, months: Sequence[date]) -> dict[str, FloatArray]:
    """The stocks of the model's outputs at the end of each given month (region totals per
    region, (R, T)), counted from the event log: what a backtest compares the forecast with."""
    spells = derive_spells(log)
    cells = _Cells(area, ("all",))
    ends = np.array([(_month_end(d)).toordinal() for d in months], dtype=np.int64)
    region_of = np.asarray(area.region)
    r_count = len(area.region_names)
    res: dict[str, FloatArray] = {}

    def count(
        df: pl.DataFrame, start: npt.NDArray[np.int64], end: npt.NDArray[np.int64], mask: Any
    ) -> FloatArray:
        m, _, ok = cells.of(df)
        sel = ok & mask
        out = np.zeros((r_count, ends.size))
        open_at = (start[sel, None] <= ends[None, :]) & (
            (end[sel, None] < 0) | (end[sel, None] > ends[None, :])
        )
        np.add.at(out, region_of[m[sel]], open_at.astype(np.float64))
        return out

    ep = spells.episodes
    dec = _ordinal(ep["decided"])
    clo = _ordinal(ep["closed"])
    res["applied"] = count(ep, _ordinal(ep["applied"]), np.where(dec >= 0, dec, clo), True)
    w = spells.waits
    wg = np.array([GROUP.get(p, -1) for p in w["product"].cast(pl.String).to_list()])
    inc = w["in_care"].to_numpy()
    ws, we = _ordinal(w["start"]), _ordinal(w["end"])
    res["waiting_bw"] = count(w, ws, we, wg == 0)
    res["waiting_bt"] = count(w, ws, we, wg == 1)
    res["waiting_mo"] = count(w, ws, we, (wg == 2) & ~inc)
    st = spells.stays
    sg = np.array([GROUP.get(p, -1) for p in st["product"].cast(pl.String).to_list()])
    ss, se = _ordinal(st["start"]), _ordinal(st["end"])
    for p_i, prod_g in enumerate(PRODUCTS):
        res[f"in_{prod_g.value}"] = count(st, ss, se, sg == p_i)
    rd = spells.ready
    rs, re_ = _ordinal(rd["start"]), _ordinal(rd["end"])
    rkey = list(zip(rd["client"].to_list(), rd["episode"].to_list(), strict=True))
    bt = {
        (c, e)
        for c, e, p, i in zip(
            w["client"].to_list(),
            w["episode"].to_list(),
            w["product"].cast(pl.String).to_list(),
            inc.tolist(),
            strict=True,
        )
        if i and GROUP.get(p) == 1
    }
    res["ready"] = count(rd, rs, re_, np.array([k not in bt for k in rkey], dtype=bool))
    return res


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def summary(cal: Calibration) -> dict[str, Any]:
    """Key figures for display: Coxian fits per product group and the notes."""
    return {
        "cutoff": cal.cutoff.isoformat(),
        "fit_start": cal.fit_start.isoformat(),
        "coxian": {
            k: {"leave1": v.leave1, "progress": v.progress, "leave2": v.leave2, "stays": v.stays}
            for k, v in cal.coxian.items()
        },
        "notes": list(cal.notes),
        "parameters": len(cal.estimates),
    }
