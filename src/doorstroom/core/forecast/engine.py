"""The projection engine: expected-value mode and stochastic mode on one compiled model.

Layout: the state of a batch of ``B`` runs is one float32 array ``X[c, n]`` with
``n = (group, municipality, run)`` flattened (runs innermost), so that every step is a few
numpy calls over all runs, municipalities and groups at once; there is no Python loop over
runs, municipalities or states, only over the months. The stochastic month runs as compiled
kernels (``kernels.py``: hazards, then homes, placements and outputs), the expected-value
region bands as one compiled kernel (``evkernel.py``); the numpy month of ``run_batch``
stays as the reference they are tested against.

**Expected-value mode** (``mode="expected"``): deterministic mean flows for each parameter
draw (flows = stock x probability, placements = min(queue, free places) shared in proportion
to the queues). With ``draws=1`` and ``fixed=True`` it is the deterministic model that is
exported to XMILE and compared with PySD.

**Stochastic mode** (``mode="stochastic"``): the same model with binomial process noise on
every hazard (a multinomial per compartment, drawn as conditional binomials in four stages
with the table sampler of ``sampler.py``/``kernels.py``), Poisson applications, and integer placements and
homes shared by systematic sampling (each queue's share is its expected share, rounded at
random; the total is exact and a pool is never overfilled). Phase progression (``x_1 ->
x_2``) moves the expected number rounded at random: it changes no stock, only the phase.

Random numbers: parameter draws come from stream ``(seed, 1, batch)``, process noise from
``(seed, 2, batch)``: it seeds 32 interleaved SFC64 lanes (``kernels.sfc64_lanes``) that
give each month's one 32-bit word per draw, and gives the offsets of the shares itself;
each month consumes a fixed amount of random words in a fixed layout, whatever the
scenario. So a scenario and the baseline share all random numbers (common
random numbers), and the same seed gives the same result (for the same batch size).

Waiting time (months) per municipality and product is Little's law on exponentially
smoothed figures: ``queue / departures`` (departures = placements + withdrawals), both
smoothed with weight 1/6 per month (a memory of about half a year), capped at 120 months.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from doorstroom.core.forecast import kernels
from doorstroom.core.forecast import sampler as smp
from doorstroom.core.forecast.model import (
    C_INDEX,
    COMPARTMENTS,
    FIRST_PHASE,
    OCCUPYING,
    OUTCOMES,
    PRODUCTS,
    PROGRESS,
    QUEUES,
    READY,
    Baseline,
    FloatArray,
    ForecastError,
)
from doorstroom.core.forecast.quantiles import Sketch, SketchSpec
from doorstroom.core.forecast.scenario import BASELINE, Plan, Scenario, plan

F32 = np.float32
Mode = Literal["expected", "stochastic"]
IntArray = npt.NDArray[np.intp]
F32Array = npt.NDArray[np.float32]

EWMA = 1.0 / 6.0
WAIT_CAP = 120.0
DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


# ---------------------------------------------------------------- static structure
@dataclass(frozen=True, slots=True)
class Edge:
    src: int
    outcome: int  # index into OUTCOMES[src]
    dst: int  # compartment, or -1 for an exit
    exit_kind: str  # "" for a move between compartments


def _edges() -> tuple[tuple[Edge, ...], tuple[tuple[int, int, int], ...]]:
    edges: list[Edge] = []
    progress: list[tuple[int, int, int]] = []
    for name, outs in OUTCOMES.items():
        c = C_INDEX[name]
        for j, dest in enumerate(outs):
            if PROGRESS.get(name) == dest:
                progress.append((c, j, C_INDEX[dest]))
            elif dest.startswith("exit:"):
                edges.append(Edge(c, j, -1, dest[5:]))
            else:
                edges.append(Edge(c, j, C_INDEX[dest], ""))
    # by stage (outcome index), then by source: stage s takes the s-th random outcome of
    # every compartment that has one; its sources are a prefix of COMPARTMENTS and its
    # edges a contiguous block
    edges.sort(key=lambda e: (e.outcome, e.src))
    return tuple(edges), tuple(progress)


EDGES, PROGRESS_EDGES = _edges()
N_EDGES = len(EDGES)
STAGES: tuple[slice, ...] = tuple(
    slice(
        min(i for i, e in enumerate(EDGES) if e.outcome == s),
        1 + max(i for i, e in enumerate(EDGES) if e.outcome == s),
    )
    for s in range(max(e.outcome for e in EDGES) + 1)
)
STAGE_SOURCES: tuple[int, ...] = tuple(st.stop - st.start for st in STAGES)
for _st, _k in zip(STAGES, STAGE_SOURCES, strict=True):
    assert [e.src for e in EDGES[_st]] == list(range(_k)), (
        "compartments must be ordered by outcomes"
    )


def _edge_index(src: str, exit_kind: str = "", dst: str = "") -> IntArray:
    return np.array(
        [
            i
            for i, e in enumerate(EDGES)
            if COMPARTMENTS[e.src].startswith(src)
            and (not exit_kind or e.exit_kind == exit_kind)
            and (not dst or (e.dst >= 0 and COMPARTMENTS[e.dst] == dst))
        ],
        dtype=np.intp,
    )


INTO: tuple[tuple[int, int], ...] = tuple((i, e.dst) for i, e in enumerate(EDGES) if e.dst >= 0)
APPLIED = C_INDEX["applied"]
WITHDRAW_EDGES = {p: _edge_index(f"waiting_{p.value}", "withdrawn") for p in PRODUCTS}
CARE_EXIT_EDGES = np.array(
    [i for i, e in enumerate(EDGES) if e.exit_kind in ("care", "ready_other")], dtype=np.intp
)
NO_PLACE_EDGES = _edge_index("applied", "no_place")

OUTPUTS: tuple[str, ...] = (
    "applied",
    "waiting_bw",
    "waiting_bt",
    "waiting_mo",
    "in_bw",
    "in_bt",
    "in_mo",
    "ready",
    "inflow",
    "placements",
    "outflow",
    "exits_home",
    "wait_bw",
    "wait_bt",
    "wait_mo",
    "cost_bw",
    "cost_bt",
    "cost_mo",
    "cost_total",
)
O_INDEX = {name: i for i, name in enumerate(OUTPUTS)}
OUTPUT_KIND: dict[str, str] = {
    name: ("wait" if name.startswith("wait_") else "cost" if name.startswith("cost") else "count")
    for name in OUTPUTS
}
STOCK_OUTPUTS: dict[str, tuple[str, ...]] = {
    "applied": ("applied",),
    "waiting_bw": QUEUES[PRODUCTS[0]],
    "waiting_bt": QUEUES[PRODUCTS[1]],
    "waiting_mo": QUEUES[PRODUCTS[2]],
    "in_bw": OCCUPYING[PRODUCTS[0]],
    "in_bt": OCCUPYING[PRODUCTS[1]],
    "in_mo": OCCUPYING[PRODUCTS[2]],
    "ready": READY,
}
# expected-value mode: all edges including phase progression, one in-place add per edge
EDGE_SRC = np.array([e.src for e in EDGES], dtype=np.intp)
EDGE_DST = np.array([e.dst for e in EDGES], dtype=np.intp)
EV_SRC = np.array([e.src for e in EDGES] + [c for c, _, _ in PROGRESS_EDGES], dtype=np.intp)
EV_DST = np.array([e.dst for e in EDGES] + [d for _, _, d in PROGRESS_EDGES], dtype=np.intp)


# ---------------------------------------------------------------- parameter draws
@dataclass(frozen=True, slots=True)
class Draws:
    """Parameter values of B runs in the engine's layout (runs last): ``pi[c]`` (k, G, M, B);
    ``rate``/``log_trend`` (G, M, B); ``class_u`` (E, G, M, B): uniforms that pick the
    sampler's probability class per run and edge."""

    pi: dict[str, FloatArray]
    rate: FloatArray
    log_trend: FloatArray
    class_u: FloatArray


def stream(seed: int, kind: int, batch: int) -> np.random.Generator:
    """Independent, reproducible stream ``kind`` (1 parameters, 2 process) of a batch."""
    seq = np.random.SeedSequence(seed, spawn_key=(kind, batch))
    return np.random.Generator(np.random.SFC64(seq))


def draw_parameters(b: Baseline, runs: int, rng: np.random.Generator, *, fixed: bool) -> Draws:
    """Parameter draws for ``runs`` runs (``fixed``: every run gets the means). The same
    random numbers are consumed whatever the values, so draws line up across scenarios."""
    m, g = b.shape
    pi: dict[str, FloatArray] = {}
    for comp, outs in OUTCOMES.items():
        if not outs:
            continue
        prop = b.outcomes[comp]
        mean = np.moveaxis(np.asarray(prop.mean, dtype=np.float64), -1, 0).transpose(0, 2, 1)
        full = np.concatenate([mean, 1.0 - mean.sum(axis=0, keepdims=True)], axis=0)
        full = np.maximum(full, 0.0)[..., None]  # (k+1, G, M, 1)
        conc = np.asarray(prop.concentration, dtype=np.float64).T[None, :, :, None]
        shape = (full.shape[0], g, m, runs)
        alpha = np.broadcast_to(conc * full, shape)
        finite = np.isfinite(alpha)
        gam = rng.standard_gamma(np.where(finite, alpha, 1.0))
        if fixed:
            pi[comp] = np.broadcast_to(mean[..., None], (len(outs), g, m, runs)).copy()
            continue
        exact = ~np.all(finite, axis=0, keepdims=True)
        total = gam.sum(axis=0, keepdims=True)
        frac = gam / np.where(total > 0, total, 1.0)
        frac = np.where(exact | (total <= 0), np.broadcast_to(full, shape), frac)
        pi[comp] = frac[:-1]
    z = rng.standard_normal((2, g, m, runs))
    if fixed:
        z[:] = 0.0
    sd = b.inflow.log_sd.T[..., None]
    rate = b.inflow.mean.T[..., None] * np.exp(sd * z[0] - 0.5 * sd * sd)
    tsd = b.inflow_trend.log_sd.T[..., None]
    log_mean = np.log(np.maximum(b.inflow_trend.mean.T[..., None], 1e-12))
    log_trend = log_mean - 0.5 * tsd * tsd + tsd * z[1]
    class_u = rng.random((N_EDGES, g, m, runs))
    return Draws(pi, rate, log_trend, class_u)


def _faster(pi: FloatArray, factor: FloatArray) -> FloatArray:
    """Applied-compartment outcome probabilities (k, G, M, B) when assessment takes
    ``factor[m]`` times as long: completion ``h -> 1 - (1 - h)^(1/factor)``."""
    h = pi.sum(axis=0, keepdims=True)
    f = factor[None, None, :, None]
    h2 = 1.0 - np.power(np.clip(1.0 - h, 0.0, 1.0), 1.0 / f)
    scale = h2 / np.where(h > 0, h, 1.0)
    return np.asarray(pi * np.where(h > 0, scale, 0.0), dtype=np.float64)


# ---------------------------------------------------------------- compiled batch
@dataclass(slots=True)
class Regime:
    """Edge probabilities of one period with the same assessment speed (N = G*M*B)."""

    pu_all: F32Array  # (E + progress, N) unconditional edge probabilities
    stay: F32Array  # (C, N) probability to take no outcome at all (progress included)
    prog_u: F32Array  # (len(PROGRESS_EDGES), N) unconditional progress probabilities
    prog_q: F32Array  # (len(PROGRESS_EDGES), N) progress probability among those who stay
    pc: list[F32Array] = field(default_factory=list)  # per stage: conditional p (<= 0.5)
    flip: list[F32Array | None] = field(default_factory=list)  # per stage: 1 = complement
    base: list[npt.NDArray[np.intp]] = field(default_factory=list)  # sampler class rows
    # the same for all stages at once (E, N), for the compiled hazard step
    pc_all: F32Array = field(default_factory=lambda: np.zeros((0, 0), dtype=F32))
    flip_all: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 0), bool))
    base_all: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros((0, 0), np.uint32))


@dataclass(slots=True)
class Compiled:
    plan: Plan
    runs: int
    regimes: list[Regime]
    regime_of: IntArray  # (T,)
    rate: F32Array  # (G, M, B)
    log_trend: F32Array  # (G, M, B)
    extra_places: FloatArray | None = None  # (P, M, B) places added per run (planner)
    extra_from: int = 0  # ... from this month


def tile_draws(d: Draws, times: int) -> Draws:
    """The same parameter draws repeated ``times`` times along the runs (candidate-major),
    so that candidates of the capacity planner share their random numbers."""

    def rep(a: FloatArray) -> FloatArray:
        return np.tile(a, (1,) * (a.ndim - 1) + (times,))

    return Draws(
        {c: rep(p) for c, p in d.pi.items()}, rep(d.rate), rep(d.log_trend), rep(d.class_u)
    )


def compile_batch(pl: Plan, d: Draws, *, stochastic: bool) -> Compiled:
    runs = d.rate.shape[-1]
    n = d.rate.size
    rows, inverse = np.unique(pl.assessment, axis=0, return_inverse=True)
    regimes: list[Regime] = []
    for row in rows:
        pis = dict(d.pi)
        pis["applied"] = _faster(d.pi["applied"], row)
        flat = {c: p.reshape(p.shape[0], n) for c, p in pis.items()}
        pu = np.stack([flat[COMPARTMENTS[e.src]][e.outcome] for e in EDGES])
        stay = np.ones((len(COMPARTMENTS), n))
        for comp, p in flat.items():
            stay[C_INDEX[comp]] = 1.0 - p.sum(axis=0)
        prog_u = np.stack([flat[COMPARTMENTS[c]][j] for c, j, _ in PROGRESS_EDGES])
        leave = np.stack(
            [
                flat[COMPARTMENTS[c]].sum(axis=0) - flat[COMPARTMENTS[c]][j]
                for c, j, _ in PROGRESS_EDGES
            ]
        )
        denom = 1.0 - leave
        prog_q = np.where(denom > 1e-12, prog_u / np.where(denom > 1e-12, denom, 1.0), 0.0)
        reg = Regime(
            pu_all=np.concatenate([pu, prog_u]).astype(F32),
            stay=np.clip(stay, 0.0, 1.0).astype(F32),
            prog_u=prog_u.astype(F32),
            prog_q=np.clip(prog_q, 0.0, 1.0).astype(F32),
        )
        if stochastic:
            used = np.zeros((len(COMPARTMENTS), n))
            cond = np.zeros((N_EDGES, n))
            for stage in STAGES:
                for i in range(stage.start, stage.stop):
                    e = EDGES[i]
                    rest = 1.0 - used[e.src]
                    cond[i] = np.where(rest > 1e-12, pu[i] / np.where(rest > 1e-12, rest, 1.0), 0.0)
                    used[e.src] += pu[i]
            cond = np.clip(cond, 0.0, 1.0)
            u = d.class_u.reshape(N_EDGES, n)
            for stage in STAGES:
                c = cond[stage]
                flipped = c > smp.P_MAX
                p_draw = np.where(flipped, 1.0 - c, c).astype(F32)
                reg.pc.append(p_draw)
                reg.flip.append(flipped.astype(F32) if flipped.any() else None)
                reg.base.append(smp.class_base(p_draw, u[stage]))
            reg.pc_all = np.ascontiguousarray(np.concatenate(reg.pc))
            reg.base_all = np.concatenate(reg.base).astype(np.uint32)  # < 2^21: 4 bytes
            reg.flip_all = np.ascontiguousarray(cond > smp.P_MAX)
        regimes.append(reg)
    return Compiled(
        plan=pl,
        runs=runs,
        regimes=regimes,
        regime_of=inverse.reshape(-1).astype(np.intp),
        rate=d.rate.astype(F32),
        log_trend=d.log_trend.astype(F32),
    )


# ---------------------------------------------------------------- fast reductions
class _Seg:
    """Sums over consecutive row segments along axis 0 (numpy's reduceat along axis 0 is
    slow: ~40x a plain sum here)."""

    def __init__(self, starts: IntArray, rows: int) -> None:
        self.starts = np.asarray(starts, dtype=np.intp)
        self.ends = np.r_[self.starts[1:], rows].astype(np.intp)
        self.single = self.starts.size == 1
        self.identity = self.starts.size == rows

    def __call__(self, a: npt.NDArray[Any], axis: int = 0) -> npt.NDArray[Any]:
        if self.identity:
            return a
        if self.single:
            return np.asarray(a.sum(axis=axis, keepdims=True))
        head = (slice(None),) * axis
        return np.stack(
            [
                a[(*head, slice(s, e))].sum(axis=axis)
                for s, e in zip(self.starts, self.ends, strict=True)
            ],
            axis=axis,
        )


def _gsum(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sum over axis 1 (the groups, short) by adding slices (faster than a reduction)."""
    res = np.array(a[:, 0])
    for i in range(1, a.shape[1]):
        res += a[:, i]
    return res


# ---------------------------------------------------------------- allocation
def _share(q: npt.NDArray[Any], total: npt.NDArray[Any], phi: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Share ``total[...]`` (<= ``q.sum(0)``) over the rows of ``q[k, ...]`` in whole
    numbers by systematic sampling: each share is its expected share ``q * total / sum``
    rounded up or down at random (``phi`` uniform; mean exact), the shares add up to
    ``total`` exactly and none exceeds its queue. ``(cum * total) / sum`` is exact at the
    last row (``cum == sum``) as long as ``cum * total`` is exact in the dtype (the caller
    picks float64 when it could exceed 2^24), and a row's lower end is the previous row's
    upper end, so the shares telescope exactly."""
    cum = np.cumsum(q, axis=0) if q.shape[0] > 8 else _cumsum_rows(q)
    safe = np.maximum(cum[-1], 1)
    upper = cum * total
    upper /= safe
    upper += phi
    np.floor(upper, out=upper)
    out = np.empty_like(q)
    np.subtract(upper[0], np.floor(phi), out=out[0])
    np.subtract(upper[1:], upper[:-1], out=out[1:])
    return out


def _cumsum_rows(q: npt.NDArray[Any]) -> npt.NDArray[Any]:
    cum = np.empty_like(q)
    cum[0] = q[0]
    for i in range(1, q.shape[0]):
        np.add(cum[i - 1], q[i], out=cum[i])
    return cum


def _allocate(cells: F32Array, seg: _Seg, total: F32Array, rng: np.random.Generator) -> F32Array:
    """Whole-number shares of ``total[s, b]`` over ``cells[k, m, b]``: first over the
    municipalities of each segment ``s`` (pool) in proportion to their queues, then within
    each municipality over its cells. Two uniforms per (pool, run) and (municipality, run)
    are always consumed (fixed random-number layout).

    Exactness: the offsets are multiples of 2^-10, so ``cumulative + offset`` is exact next
    to any cumulative count below 2^13 (float32) or 2^42 (float64), and ``floor`` can only
    cross a whole number where the exact value does. float32 is used when the largest pool
    queue is at most 512: then every product ``cumulative * total`` is exact (< 2^24) and
    the rounding error of the division (< 2^-13) stays below the gap ``q/W >= 2^-9`` that
    keeps each share within its queue."""
    per_m = cells.sum(axis=0)  # (M, B)
    phi_pool = np.floor(rng.random(total.shape, dtype=F32) * F32(1024)) * F32(1 / 1024)
    phi_m = np.floor(rng.random(per_m.shape, dtype=F32) * F32(1024)) * F32(1 / 1024)
    pool_max = float(seg(per_m).max(initial=0.0))  # bounds every cumulative queue and total
    dt = F32 if pool_max <= 512 else np.float64
    if seg.identity:
        at_m = total.astype(dt)
    else:
        at_m = np.empty(per_m.shape, dtype=dt)
        pm = per_m.astype(dt)
        for s_i, (lo, hi) in enumerate(zip(seg.starts, seg.ends, strict=True)):
            at_m[lo:hi] = _share(pm[lo:hi], total[s_i].astype(dt), phi_pool[s_i].astype(dt))
    if cells.shape[0] == 1:  # one queue per municipality: its share is the municipality's
        return np.asarray(at_m[None], dtype=F32)
    return np.asarray(_share(cells.astype(dt), at_m, phi_m.astype(dt)), dtype=F32)


# ---------------------------------------------------------------- collectors
class Collector(Protocol):
    def add(self, t: int, values: F32Array) -> None:
        """``values`` (O, U, B): month ``t`` of every run of a batch."""


class MinMax:
    def __init__(self, shape: tuple[int, int, int]) -> None:
        self.lo = np.full(shape, np.inf)
        self.hi = np.full(shape, -np.inf)

    def add(self, t: int, values: F32Array) -> None:
        np.minimum(self.lo[:, :, t], values.min(axis=-1), out=self.lo[:, :, t])
        np.maximum(self.hi[:, :, t], values.max(axis=-1), out=self.hi[:, :, t])


class MonthQuantiles:
    """Exact quantiles over the runs of one batch, month by month (expected-value mode,
    bands for every unit): one sort over the runs per month."""

    def __init__(self, qs: Sequence[float], shape: tuple[int, int, int], runs: int) -> None:
        self.qs = tuple(qs)
        self.k = _ranks(self.qs, runs)
        self.values = np.full((len(self.qs), *shape), np.nan)

    def add(self, t: int, values: F32Array) -> None:
        srt = np.sort(values, axis=-1)
        self.values[:, :, :, t] = np.moveaxis(srt[..., self.k], -1, 0)


class UnitBuffer:
    """Every run's values for some units (the region totals), to take exact quantiles
    after all batches (expected-value mode; O x units x T x runs float32)."""

    def __init__(self, units: IntArray, shape: tuple[int, int, int], runs: int) -> None:
        o, _, t = shape
        self.units = units
        self.values = np.zeros((o, units.size, t, runs), dtype=F32)

    def add(self, t: int, values: F32Array) -> None:
        self.values[:, :, t, :] = values[:, self.units]


def _ranks(qs: Sequence[float], runs: int) -> list[int]:
    """0-based ranks of the inverted-CDF quantiles."""
    return [min(max(int(np.ceil(q * runs - 1e-9)) - 1, 0), runs - 1) for q in qs]


class Paths:
    def __init__(self, runs: int, shape: tuple[int, int, int]) -> None:
        self.values = np.zeros((runs, *shape))

    def add(self, t: int, values: F32Array) -> None:
        self.values[:, :, :, t] = np.moveaxis(values, -1, 0)


@dataclass(frozen=True, slots=True)
class MonthView:
    """What happened in one month of a batch (for tests and audits): the state at the end
    of the month ``state`` (C, G, M, B), the hazard flows ``flows`` (E, G, M, B) in the
    order of ``EDGES``, applications ``inflow`` (G, M, B), placements ``placed`` (P, G, M, B)
    and moves to a home ``homes`` (len(READY), G, M, B)."""

    t: int
    state: F32Array
    flows: F32Array
    inflow: F32Array
    placed: F32Array
    homes: F32Array


# ---------------------------------------------------------------- the month loop
class _Units:
    """Municipalities and region totals (the 'units' of the outputs)."""

    def __init__(self, b: Baseline) -> None:
        self.m = b.area.size
        self.starts = b.area.region_starts()
        self.names = (*b.area.codes, *b.area.region_names)
        self.count = len(self.names)
        self.regions = np.arange(self.m, self.count, dtype=np.intp)


@dataclass(slots=True)
class _Pool:
    queues: IntArray  # compartments
    first: int
    occupying: IntArray
    occ_rows: list[int]  # rows of the state viewed as (C * G, M, B)
    starts_m: IntArray  # first municipality of each pool
    seg_of_m: IntArray  # pool of each municipality
    cap: FloatArray  # (S, T)


def _pools(pl: Plan, units: _Units) -> list[_Pool]:
    b = pl.baseline
    m, g = b.shape
    out = []
    for p_i, prod in enumerate(PRODUCTS):
        if b.pooling[p_i] == "region":
            starts_m = units.starts.astype(np.intp)
            seg_of_m = np.asarray(b.area.region, dtype=np.intp)
        else:
            starts_m = np.arange(m, dtype=np.intp)
            seg_of_m = np.arange(m, dtype=np.intp)
        out.append(
            _Pool(
                queues=np.array([C_INDEX[c] for c in QUEUES[prod]], dtype=np.intp),
                first=C_INDEX[FIRST_PHASE[prod]],
                occupying=np.array([C_INDEX[c] for c in OCCUPYING[prod]], dtype=np.intp),
                occ_rows=[C_INDEX[c] * g + k for c in OCCUPYING[prod] for k in range(g)],
                starts_m=starts_m,
                seg_of_m=seg_of_m,
                cap=np.floor(
                    np.add.reduceat(pl.places[p_i], starts_m, axis=0) * b.utilization[p_i] + 0.5
                ),
            )
        )
    return out


def run_batch(
    comp: Compiled,
    *,
    stochastic: bool,
    rng: np.random.Generator | None,
    sampler: smp.Sampler | None,
    collectors: Sequence[Collector] = (),
    state_out: FloatArray | None = None,
    inspect: Callable[[MonthView], None] | None = None,
    lean_units: bool = False,
    compiled: bool = True,
) -> FloatArray:
    """Run one compiled batch over the horizon; returns the sums over its runs (O, U, T)
    and feeds every month's values (O, U, B) to the collectors (and a :class:`MonthView`
    to ``inspect``). ``compiled=False``: the stochastic hazard step and draws in numpy
    (the reference the compiled kernels are tested against; same results bit for bit)."""
    pl = comp.plan
    b = pl.baseline
    m, g = b.shape
    bsz = comp.runs
    n = g * m * bsz
    t_count = b.months
    n_c = len(COMPARTMENTS)
    units = _Units(b)
    x = np.ascontiguousarray(
        np.broadcast_to(b.initial.transpose(0, 2, 1)[..., None], (n_c, g, m, bsz)), dtype=F32
    ).reshape(n_c, n)
    xv = x.reshape(n_c, g, m, bsz)
    xv_cg = x.reshape(n_c * g, m, bsz)
    if stochastic:
        flows = np.zeros((N_EDGES, n), dtype=F32)
    else:
        evf = np.zeros((EV_SRC.size, n), dtype=F32)
        flows = evf[:N_EDGES]
    fv = flows.reshape(N_EDGES, g, m, bsz)
    fv_eg = flows.reshape(N_EDGES * g, m, bsz)
    withdraw_rows = [
        [int(e) * g + k for e in WITHDRAW_EDGES[p] for k in range(g)] for p in PRODUCTS
    ]
    [[C_INDEX[c] * g + k for c in comps for k in range(g)] for comps in STOCK_OUTPUTS.values()]
    ev_into = [i for i in range(EV_SRC.size) if EV_DST[i] >= 0]
    out = np.zeros((len(OUTPUTS), units.count, bsz), dtype=F32)
    sums = np.zeros((len(OUTPUTS), units.count, t_count), dtype=np.float64)
    psrc = np.array([c for c, _, _ in PROGRESS_EDGES], dtype=np.intp)
    pdst = np.array([d for _, _, d in PROGRESS_EDGES], dtype=np.intp)
    ones = np.ones(n, dtype=F32)
    poisson = np.zeros(n, dtype=np.intp)
    inflow = np.empty(n, dtype=F32)
    bits_per_month = (N_EDGES + len(PROGRESS_EDGES) + 1) * n
    if stochastic:  # the month's random words: SFC64 lanes seeded from the batch stream
        assert rng is not None
        lanes = kernels.sfc64_lanes(rng.bit_generator.random_raw(3 * kernels.LANES))
        words = np.empty(-(-bits_per_month // (2 * kernels.LANES)) * kernels.LANES, np.uint64)
    exposure = pl.exposure.transpose(0, 2, 1)[..., None].astype(F32)  # (T, G, M, 1)
    pools = _pools(pl, units)
    pool_seg = [_Seg(p.starts_m, m) for p in pools]
    per_muni = _Seg(np.arange(m, dtype=np.intp), m)
    cap = [p.cap.astype(F32) for p in pools]
    extra = (
        None
        if comp.extra_places is None
        else [
            pool_seg[i](comp.extra_places[i] * b.utilization[i]).astype(F32)
            for i in range(len(pools))
        ]
    )
    ready_idx = np.array([C_INDEX[c] for c in READY], dtype=np.intp)
    homes = pl.homes.astype(F32)
    price = b.price_per_day.astype(F32)  # (P, M)
    region = _Seg(units.starts, m)
    lbar = np.zeros((len(PRODUCTS), m, bsz), dtype=F32)
    dbar = np.zeros((len(PRODUCTS), m, bsz), dtype=F32)
    placed = np.zeros((len(PRODUCTS), m, bsz), dtype=F32)
    placed_cells = np.zeros((len(PRODUCTS), g, m, bsz), dtype=F32)
    len(STOCK_OUTPUTS)
    o_wait = [O_INDEX[f"wait_{p.value}"] for p in PRODUCTS]
    o_cost = [O_INDEX[f"cost_{p.value}"] for p in PRODUCTS]
    o_total = O_INDEX["cost_total"]
    [O_INDEX[f"waiting_{p.value}"] for p in PRODUCTS]
    [O_INDEX[f"in_{p.value}"] for p in PRODUCTS]
    [O_INDEX[f"cost_{p.value}"] for p in PRODUCTS]
    _o_inflow, _o_placements = O_INDEX["inflow"], O_INDEX["placements"]
    _o_outflow, _o_home, _o_total = O_INDEX["outflow"], O_INDEX["exits_home"], O_INDEX["cost_total"]
    ewma = F32(EWMA)
    queue_rows = [[C_INDEX[c] * g + k for c in QUEUES[p] for k in range(g)] for p in PRODUCTS]
    lean = lean_units and not stochastic and inspect is None
    out_m = np.zeros((len(OUTPUTS), m), dtype=F32)
    out_r = np.zeros((len(OUTPUTS), len(units.starts), bsz), dtype=F32)
    price_r = np.stack([region(price[p_i][:, None])[:, 0] for p_i in range(len(PRODUCTS))])
    price_r /= np.asarray([region(np.ones((m, 1), dtype=F32))[:, 0]] * len(PRODUCTS))
    uniform_price = bool(
        all(
            np.ptp(price[p_i][lo_:hi_]) == 0
            for p_i in range(len(PRODUCTS))
            for lo_, hi_ in zip(region.starts, region.ends, strict=True)
        )
    )

    fast = (
        _MonthKernel(comp, pools, units, homes, cap, extra, price)
        if stochastic and compiled and inspect is None
        else None
    )

    def _pool_wait(p_i: int) -> F32Array:
        """Waiting time per municipality and run: the pool's for a regional pool."""
        if pool_seg[p_i].identity:
            return _little(lbar[p_i], dbar[p_i])
        wait = _little(pool_seg[p_i](lbar[p_i]), pool_seg[p_i](dbar[p_i]))
        return np.asarray(wait[pools[p_i].seg_of_m], dtype=F32)

    for t in range(t_count):
        reg = comp.regimes[comp.regime_of[t]]
        # ---- hazards on the stocks at the start of the month
        if stochastic:
            assert rng is not None
            assert sampler is not None
            kernels.sfc64_lanes_fill(lanes, words)
            bits = words.view(np.uint32)
            pos = (N_EDGES + len(PROGRESS_EDGES)) * n
            if compiled:
                kernels.hazards(
                    x,
                    reg.pc_all,
                    reg.base_all,
                    reg.flip_all,
                    EDGE_SRC,
                    EDGE_DST,
                    psrc,
                    pdst,
                    reg.prog_q,
                    bits,
                    flows,
                    sampler.tab,
                    sampler.ntab,
                    smp.ROWS * smp.COLS,
                )
            else:
                _hazards_numpy(x, reg, bits, flows, sampler, psrc, pdst, n)
        else:
            for s_i, stage in enumerate(STAGES):
                np.multiply(x[: STAGE_SOURCES[s_i]], reg.pu_all[stage], out=evf[stage])
            np.multiply(x[psrc], reg.pu_all[N_EDGES:], out=evf[N_EDGES:])
            x *= reg.stay
            for i in ev_into:
                x[EV_DST[i]] += evf[i]
        # ---- applications
        trend = np.exp(comp.log_trend * F32((t + 0.5) / 12.0))
        trend *= comp.rate
        trend *= exposure[t]
        lam = trend.reshape(-1)
        if stochastic:
            assert sampler is not None
            draw = sampler.draw if compiled else sampler.draw_numpy
            draw(lam, ones, poisson, bits[pos : pos + n], inflow, clip=False)
        else:
            inflow[...] = lam
        x[APPLIED] += inflow
        if fast is not None:
            # homes, placements, waiting times and outputs in one compiled pass, on random
            # offsets drawn here in the numpy reference's order
            assert rng is not None
            fast.month(rng, t, xv, fv, inflow.reshape(g, m, bsz), lbar, dbar, out)
            sums[:, :, t] = out.sum(axis=-1)
            for col in collectors:
                col.add(t, out)
            continue
        # ---- homes for the ready (they leave as homes come)
        rv = xv[ready_idx]  # (3, G, M, B)
        homes_t = homes[:, t : t + 1]
        if stochastic:
            assert rng is not None
            cells = rv.reshape(-1, m, bsz)
            moved = np.minimum(cells.sum(axis=0), homes_t)
            h32 = _allocate(cells, per_muni, moved, rng).reshape(rv.shape)
        else:
            ready_tot = rv.reshape(-1, m, bsz).sum(axis=0)
            moved32 = np.minimum(ready_tot, homes_t)
            h32 = rv * (moved32 / np.where(ready_tot > 0, ready_tot, F32(1.0)))
        xv[ready_idx] -= h32
        homes_out = h32.reshape(-1, m, bsz).sum(axis=0)  # (M, B)
        # ---- placements into the places that are free after this month's exits and moves
        for p_i, pool in enumerate(pools):
            occ = _rowsum(xv_cg, pool.occ_rows)  # (M, B)
            room = cap[p_i][:, t : t + 1] - pool_seg[p_i](occ)  # (S, B)
            if extra is not None and t >= comp.extra_from:
                room = room + extra[p_i]
            free = np.maximum(room, F32(0.0))
            qv = xv[pool.queues]  # (nq, G, M, B)
            if stochastic:
                assert rng is not None
                cells = qv.reshape(-1, m, bsz)  # (nq*G, M, B)
                total = np.minimum(pool_seg[p_i](cells.sum(axis=0)), free)
                a32 = _allocate(cells, pool_seg[p_i], total, rng).reshape(qv.shape)
            else:
                waiting = pool_seg[p_i](qv.reshape(-1, m, bsz).sum(axis=0))
                total = np.minimum(waiting, free)
                frac = total / np.where(waiting > 0, waiting, F32(1.0))
                a32 = qv * (frac if frac.shape[0] == m else frac[pool.seg_of_m])
            xv[pool.queues] -= a32
            per_cell = a32.sum(axis=0)  # (G, M, B)
            xv[pool.first] += per_cell
            if inspect is not None:
                placed_cells[p_i] = per_cell
            placed[p_i] = _gsum(per_cell[None])[0] if g > 1 else per_cell[0]
        # ---- outputs
        for p_i in range(len(PRODUCTS)):
            dep = _rowsum(fv_eg, withdraw_rows[p_i])
            dep += placed[p_i]
            queue = _rowsum(xv_cg, queue_rows[p_i])
            if t == 0:
                lbar[p_i] = queue
                dbar[p_i] = dep
            else:
                lbar[p_i] += ewma * (queue - lbar[p_i])
                dbar[p_i] += ewma * (dep - dbar[p_i])
        days = F32(pl.days[t])
        if lean:
            # expected value, bands for the regions only: municipality means from sums over
            # the runs and every run's region totals, both small (no per-run municipality
            # outputs). No BLAS: OpenBLAS threads spin on a busy machine
            _fill_outputs(
                out_m[:, :, None],
                xv_cg.sum(axis=2, keepdims=True),
                fv_eg.sum(axis=2, keepdims=True),
                inflow.reshape(g, m, bsz).sum(axis=(0, 2))[:, None],
                placed.sum(axis=2, keepdims=True),
                homes_out.sum(axis=1, keepdims=True),
                price,
                days,
                costs=False,
            )
            _fill_outputs(
                out_r,
                region(xv_cg, axis=1),
                region(fv_eg, axis=1),
                region(inflow.reshape(g, m, bsz).sum(axis=0)),
                region(placed, axis=1),
                region(homes_out),
                price_r,
                days,
                costs=False,
            )
            for p_i, prod in enumerate(PRODUCTS):
                o_c, o_i = O_INDEX[f"cost_{prod.value}"], O_INDEX[f"in_{prod.value}"]
                np.multiply(out_m[o_i], price[p_i] * days, out=out_m[o_c])
                if uniform_price:
                    np.multiply(out_r[o_i], (price_r[p_i] * days)[:, None], out=out_r[o_c])
                else:
                    rows = [C_INDEX[c] * g + k for c in OCCUPYING[prod] for k in range(g)]
                    out_r[o_c] = region(_rowsum(xv_cg, rows) * (price[p_i] * days)[:, None])
                out_m[o_wait[p_i]] = _pool_wait(p_i).sum(axis=1)
            out_m[o_total] = out_m[o_cost[0]] + out_m[o_cost[1]] + out_m[o_cost[2]]
            out_r[o_total] = out_r[o_cost[0]] + out_r[o_cost[1]] + out_r[o_cost[2]]
            out_r[o_wait] = _little(region(lbar, axis=1), region(dbar, axis=1))
            sums[:, :m, t] = out_m
            sums[:, m:, t] = out_r.sum(axis=-1)
            for col in collectors:
                col.add(t, out_r)
        else:
            _fill_outputs(
                out[:, :m],
                xv_cg,
                fv_eg,
                inflow.reshape(g, m, bsz).sum(axis=0),
                placed,
                homes_out,
                price,
                days,
            )
            for p_i in range(len(PRODUCTS)):
                out[o_wait[p_i], :m] = _pool_wait(p_i)
            out[:, m:] = region(out[:, :m], axis=1)
            out[o_wait, m:] = _little(region(lbar, axis=1), region(dbar, axis=1))
            sums[:, :, t] = out.sum(axis=-1)
            for col in collectors:
                col.add(t, out)
        if inspect is not None:
            inspect(
                MonthView(
                    t,
                    xv.copy(),
                    fv.copy(),
                    inflow.reshape(g, m, bsz).copy(),
                    placed_cells.copy(),
                    h32.copy(),
                )
            )
    if state_out is not None:
        state_out[...] = xv
    return sums


def _phi(rng: np.random.Generator, shape: tuple[int, ...]) -> F32Array:
    """Random offsets of systematic sampling, multiples of 2^-10 (see ``_allocate``)."""
    return np.asarray(np.floor(rng.random(shape, dtype=F32) * F32(1024)) * F32(1 / 1024))


class _MonthKernel:
    """Static arrays of ``kernels.month_rest`` for one batch (the stochastic mode's homes,
    placements, waiting times and outputs), and the random offsets of each month drawn in
    the order of the numpy reference (``_allocate``: per allocation the pools' offsets,
    then the municipalities')."""

    def __init__(
        self,
        comp: Compiled,
        pools: list[_Pool],
        units: _Units,
        homes: F32Array,
        cap: list[F32Array],
        extra: list[F32Array] | None,
        price: F32Array,
    ) -> None:
        pl = comp.plan
        m = pl.baseline.shape[0]
        self.comp = comp
        self.m, self.b = m, comp.runs
        self.homes = homes
        ip = np.intp

        def ragged(parts: Sequence[Sequence[int]]) -> tuple[IntArray, IntArray]:
            ptr = np.cumsum([0, *[len(p) for p in parts]]).astype(ip)
            idx = np.array([i for p in parts for i in p], dtype=ip)
            return ptr, idx

        self.ready = np.array([C_INDEX[c] for c in READY], dtype=ip)
        self.q_ptr, self.q_idx = ragged([list(p.queues) for p in pools])
        self.first = np.array([p.first for p in pools], dtype=ip)
        self.o_ptr, self.o_idx = ragged([list(p.occupying) for p in pools])
        self.s_ptr = np.cumsum([0, *[p.starts_m.size for p in pools]]).astype(ip)
        self.s_start = np.concatenate([p.starts_m for p in pools]).astype(ip)
        self.s_end = np.concatenate([np.r_[p.starts_m[1:], m] for p in pools]).astype(ip)
        self.s_sizes = [p.starts_m.size for p in pools]
        self.phi_size = (2 * m + sum(size + m for size in self.s_sizes)) * self.b
        self.cap = np.concatenate(cap, axis=0)  # (S, T)
        self.extra = (
            np.ascontiguousarray(np.concatenate(extra, axis=0), dtype=F32)
            if extra is not None
            else np.zeros((self.s_start.size, self.b), dtype=F32)
        )
        self.w_ptr, self.w_idx = ragged([list(WITHDRAW_EDGES[p]) for p in PRODUCTS])
        self.so_ptr, self.so_idx = ragged(
            [[C_INDEX[c] for c in comps] for comps in STOCK_OUTPUTS.values()]
        )
        assert list(STOCK_OUTPUTS) == list(OUTPUTS[: len(STOCK_OUTPUTS)])
        self.r_start = units.starts.astype(ip)
        self.r_end = np.r_[units.starts[1:], m].astype(ip)
        self.price = np.ascontiguousarray(price, dtype=F32)
        names = ["inflow", "placements", "outflow", "exits_home"]
        names += [f"in_{p.value}" for p in PRODUCTS] + [f"wait_{p.value}" for p in PRODUCTS]
        names += [f"cost_{p.value}" for p in PRODUCTS] + ["cost_total"]
        self.oi = np.array([O_INDEX[o] for o in names], dtype=ip)

    def month(
        self,
        rng: np.random.Generator,
        t: int,
        xv: F32Array,
        fv: F32Array,
        inflow: F32Array,
        lbar: F32Array,
        dbar: F32Array,
        out: F32Array,
    ) -> None:
        m, b = self.m, self.b
        # one call for the offsets that ``_allocate`` draws in turn (numpy's float32 draws
        # are the same whether asked for at once or in parts): the homes' pool offsets (a
        # pool per municipality: unused) and municipality offsets, then each product's
        phi = _phi(rng, (self.phi_size,))
        phi_home = phi[m * b : 2 * m * b].reshape(m, b)
        phi_pool, phi_m = [], []
        at = 2 * m * b
        for size in self.s_sizes:
            phi_pool.append(phi[at : at + size * b].reshape(size, b))
            at += size * b
            phi_m.append(phi[at : at + m * b].reshape(m, b))
            at += m * b
        comp = self.comp
        kernels.month_rest(
            xv,
            fv,
            inflow,
            self.ready,
            np.ascontiguousarray(self.homes[:, t]),
            phi_home,
            self.q_ptr,
            self.q_idx,
            self.first,
            self.o_ptr,
            self.o_idx,
            self.s_ptr,
            self.s_start,
            self.s_end,
            np.ascontiguousarray(self.cap[:, t]),
            self.extra,
            comp.extra_places is not None and t >= comp.extra_from,
            np.concatenate(phi_pool, axis=0),
            np.stack(phi_m),
            self.w_ptr,
            self.w_idx,
            lbar,
            dbar,
            t == 0,
            F32(EWMA),
            self.so_ptr,
            self.so_idx,
            CARE_EXIT_EDGES,
            self.r_start,
            self.r_end,
            self.price,
            F32(comp.plan.days[t]),
            self.oi,
            out,
        )


def _hazards_numpy(
    x: F32Array,
    reg: Regime,
    bits: npt.NDArray[np.uint32],
    flows: F32Array,
    sampler: smp.Sampler,
    psrc: IntArray,
    pdst: IntArray,
    n: int,
) -> None:
    """The stochastic hazard step in numpy (reference of ``kernels.hazards``): the
    outcomes of each stage as conditional binomials on what the earlier stages left, then
    phase progression rounded at random, then the moves."""
    pos = 0
    for s_i, stage in enumerate(STAGES):
        c_s = STAGE_SOURCES[s_i]
        k = c_s * n
        nn = x[:c_s]
        res = flows[stage]
        sampler.draw_numpy(
            nn.reshape(-1),
            reg.pc[s_i].reshape(-1),
            reg.base[s_i].reshape(-1),
            bits[pos : pos + k],
            res.reshape(-1),
        )
        pos += k
        fl = reg.flip[s_i]
        if fl is not None:
            res += fl * (nn - F32(2.0) * res)
        nn -= res
    u = smp.uniforms(bits[pos : pos + len(PROGRESS_EDGES) * n]).reshape(-1, n)
    stayers = x[psrc]
    prog = np.minimum(np.floor(stayers * reg.prog_q + u), stayers)
    x[psrc] = stayers - prog
    x[pdst] += prog
    for i, d in INTO:
        x[d] += flows[i]


def _fill_outputs(
    dst: F32Array,
    xcg: F32Array,
    fcg: F32Array,
    inflow: F32Array,
    placed: F32Array,
    homes: F32Array,
    price: F32Array,
    days: np.float32,
    weighted: tuple[F32Array, F32Array, _Seg] | None = None,
    *,
    costs: bool = True,
) -> None:
    """All outputs except the waiting times into ``dst`` (O, U, K) from reduced arrays:
    stocks ``xcg`` (C*G, U, K), hazard flows ``fcg`` (E*G, U, K), applications (U, K),
    placements (P, U, K), moves to a home (U, K), price per day (P, U). ``weighted``:
    (state (C*G, M, B), price (P, M), region sums) when the units are regions whose
    municipalities charge different prices."""
    g = xcg.shape[0] // len(COMPARTMENTS)
    for i, comps in enumerate(STOCK_OUTPUTS.values()):
        _rowsum(xcg, [C_INDEX[c] * g + k for c in comps for k in range(g)], out=dst[i])
    dst[O_INDEX["inflow"]] = inflow
    dst[O_INDEX["placements"]] = placed.sum(axis=0)
    _rowsum(
        fcg,
        [int(e) * g + k for e in CARE_EXIT_EDGES for k in range(g)],
        out=dst[O_INDEX["outflow"]],
    )
    dst[O_INDEX["outflow"]] += homes
    dst[O_INDEX["exits_home"]] = homes
    if not costs:
        return
    total = dst[O_INDEX["cost_total"]]
    total[...] = 0
    for p_i, prod in enumerate(PRODUCTS):
        cost = dst[O_INDEX[f"cost_{prod.value}"]]
        if weighted is None:
            np.multiply(dst[O_INDEX[f"in_{prod.value}"]], (price[p_i] * days)[:, None], out=cost)
        else:
            state, price_m, region = weighted
            rows = [C_INDEX[c] * g + k for c in OCCUPYING[prod] for k in range(g)]
            per_m = _rowsum(state, rows) * (price_m[p_i] * days)[:, None]
            cost[...] = region(per_m)
        total += cost


def _little(queue: F32Array, departures: F32Array) -> F32Array:
    """Little's law waiting time (months): queue / departures, at most WAIT_CAP (0 for an
    empty queue)."""
    dep = np.maximum(departures, queue * F32(1.0 / WAIT_CAP))
    np.maximum(dep, F32(1e-9), out=dep)
    return np.asarray(np.divide(queue, dep, out=dep), dtype=F32)


def _rowsum(a: npt.NDArray[Any], rows: Sequence[int], out: npt.NDArray[Any] | None = None) -> Any:
    """Sum of the given rows of ``a`` (views, no gather), into ``out`` when given."""
    if out is None:
        out = np.array(a[rows[0]])
    else:
        np.copyto(out, a[rows[0]])
    for r in rows[1:]:
        out += a[r]
    return out


# ---------------------------------------------------------------- public API
@dataclass(frozen=True, slots=True)
class Projection:
    """Result of one scenario: means and quantiles over runs, per output, unit
    (municipality code or region name) and month (arrays (O, U, T))."""

    scenario: str
    mode: str
    runs: int
    seed: int
    batch_size: int
    outputs: tuple[str, ...]
    units: tuple[str, ...]
    months: tuple[str, ...]
    mean: FloatArray
    quantiles: dict[float, FloatArray]  # NaN where not computed (expected mode, bands)
    accuracy: FloatArray  # quantiles are within this of the exact sample quantiles
    outside: FloatArray  # share of runs outside the histogram range (stochastic)
    paths: FloatArray | None = None  # (R, O, U, T), only with keep_paths

    def series(self, output: str, unit: str) -> dict[str, FloatArray]:
        o, u = self.outputs.index(output), self.units.index(unit)
        res = {"mean": self.mean[o, u]}
        for q, arr in self.quantiles.items():
            res[f"p{round(q * 100):d}"] = arr[o, u]
        return res


@dataclass(frozen=True, slots=True)
class RunConfig:
    """How to run. ``bands``: units with quantiles in expected-value mode, "regions" (the
    region totals; fast, for interactive use) or "all"; stochastic mode always streams
    quantiles for all units."""

    mode: Mode = "stochastic"
    runs: int = 1000
    seed: int = 1
    batch_size: int = 250
    workers: int = 0  # threads or processes; 0: one per core
    parallel: Literal["auto", "threads", "processes"] = "auto"  # stochastic mode
    fixed: bool = False  # every run gets the parameter means (no parameter uncertainty)
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    bins: int = 128
    bands: Literal["regions", "all"] = "regions"
    keep_paths: bool = False  # small runs only (tests): keep every path


def _workers(cfg: RunConfig, batches: int) -> int:
    w = cfg.workers or (os.cpu_count() or 1)
    return max(1, min(w, batches))


def project(
    baseline: Baseline,
    scenario: Scenario = BASELINE,
    config: RunConfig | None = None,
    *,
    progress: Callable[[float], None] | None = None,
) -> Projection:
    """Run one scenario.

    Expected-value mode runs the parameter draws in one batch per thread and takes exact
    quantiles over the draws. Stochastic mode runs batches of ``batch_size`` runs, shared
    over ``workers`` processes (large runs: numpy's bincount and bit generator hold the GIL,
    so threads would mostly take turns) or threads (small runs), each worker feeding its own
    histogram sketch; the sketches are merged at the end."""
    cfg = config or RunConfig()
    if cfg.runs < 1 or cfg.batch_size < 1:
        raise ForecastError("runs and batch size must be positive")
    pl = plan(baseline, scenario)
    units = _Units(baseline)
    shape = (len(OUTPUTS), units.count, baseline.months)
    months = tuple(baseline.month_label(t) for t in range(baseline.months))
    if cfg.mode == "expected":
        return _project_expected(baseline, scenario, pl, cfg, units, shape, months, progress)
    batches = [
        (i, min(cfg.batch_size, cfg.runs - i * cfg.batch_size))
        for i in range((cfg.runs + cfg.batch_size - 1) // cfg.batch_size)
    ]
    spec = _sketch_spec(pl, cfg)
    workers = _workers(cfg, len(batches))
    groups = [batches[k::workers] for k in range(workers)]
    results: list[_GroupResult] = []
    use_processes = workers > 1 and (
        cfg.parallel == "processes"
        or (cfg.parallel == "auto" and cfg.runs * baseline.months * units.m >= PROCESS_THRESHOLD)
    )
    lock = threading.Lock()
    done = [0]

    def tick(runs: int) -> None:
        if progress is not None:
            with lock:
                done[0] += runs
                progress(done[0] / cfg.runs)

    ctx = _context() if use_processes else None
    if workers == 1:
        results = [_run_group(baseline, scenario, cfg, spec, groups[0], tick)]
    elif ctx is not None:
        results = _in_processes(ctx, baseline, scenario, cfg, spec, groups, progress)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(_run_group, baseline, scenario, cfg, spec, grp, tick) for grp in groups
            ]
            results = [f.result() for f in futures]
    # batch sums in batch order (bit-exact whatever the scheduling); sketches add up
    by_batch = {i: s for r in results for i, s in r.sums.items()}
    sums = np.zeros(shape)
    for i in sorted(by_batch):
        sums += by_batch[i]
    counted = [r.counts for r in results if r.counts is not None]
    sketch = Sketch(spec, counts=counted[0])  # adopts the first: no extra copy
    for extra in counted[1:]:
        sketch.counts += extra
    sketch.runs = sum(r.runs for r in results)
    all_paths = None
    if cfg.keep_paths:
        parts = {i: p for r in results for i, p in (r.paths or {}).items()}
        all_paths = np.concatenate([parts[i] for i in sorted(parts)], axis=0)
    return Projection(
        scenario=scenario.name,
        mode=cfg.mode,
        runs=cfg.runs,
        seed=cfg.seed,
        batch_size=cfg.batch_size,
        outputs=OUTPUTS,
        units=units.names,
        months=months,
        mean=sums / cfg.runs,
        quantiles={q: sketch.quantile(q) for q in cfg.quantiles},
        accuracy=sketch.accuracy(),
        outside=sketch.outside(),
        paths=all_paths,
    )


PROCESS_THRESHOLD = 20_000_000  # runs x months x municipalities: worth starting processes


@dataclass(slots=True)
class _GroupResult:
    sums: dict[int, FloatArray]
    counts: npt.NDArray[np.unsignedinteger[Any]] | None  # None: in shared memory
    runs: int
    paths: dict[int, FloatArray] | None


_SHARED: list[Any] = []  # shared memory for the workers' sketches (set before the fork)


def _run_group(
    baseline: Baseline,
    scenario: Scenario,
    cfg: RunConfig,
    spec: SketchSpec,
    batches: Sequence[tuple[int, int]],
    tick: Callable[[int], None] | None = None,
    shared: int = -1,
) -> _GroupResult:
    """Run some batches one after another with one sampler and one sketch (a thread's or a
    worker process's share of the work)."""
    pl = plan(baseline, scenario)
    m, g = baseline.shape
    units = _Units(baseline)
    shape = (len(OUTPUTS), units.count, baseline.months)
    sampler = smp.Sampler(max(STAGE_SOURCES) * cfg.batch_size * m * g)
    sketch = Sketch(spec, _SHARED[shared] if shared >= 0 else None)
    sums: dict[int, FloatArray] = {}
    paths: dict[int, FloatArray] | None = {} if cfg.keep_paths else None
    for index, size in batches:
        draws = draw_parameters(baseline, size, stream(cfg.seed, 1, index), fixed=cfg.fixed)
        comp = compile_batch(pl, draws, stochastic=True)
        cols: list[Collector] = [sketch]
        keep = Paths(size, shape) if paths is not None else None
        if keep is not None:
            cols.append(keep)
        sums[index] = run_batch(
            comp, stochastic=True, rng=stream(cfg.seed, 2, index), sampler=sampler, collectors=cols
        )
        if paths is not None and keep is not None:
            paths[index] = keep.values
        if tick is not None:
            tick(size)
        if _PROGRESS is not None:  # a worker process: the sums go to the main process now
            _PROGRESS.put((size, index, sums.pop(index)))
    return _GroupResult(sums, None if shared >= 0 else sketch.counts, sketch.runs, paths)


_PROGRESS: Any = None  # a worker process's progress queue


def _init_worker(queue: Any) -> None:
    global _PROGRESS
    _PROGRESS = queue


def _context() -> Any:
    """Worker processes are forked (fast; nothing is imported again; the built tables are
    shared copy-on-write), but only from a single-threaded process: forking while other
    threads hold locks is unsafe. None: use threads instead (e.g. inside a web server)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return None


def _in_processes(
    ctx: Any,
    baseline: Baseline,
    scenario: Scenario,
    cfg: RunConfig,
    spec: SketchSpec,
    groups: Sequence[Sequence[tuple[int, int]]],
    progress: Callable[[float], None] | None,
) -> list[_GroupResult]:
    """The groups of batches in worker processes (numpy's bincount and the bit generator
    hold the GIL, so threads mostly take turns; processes use every core)."""
    import mmap
    from concurrent.futures import ProcessPoolExecutor

    smp.table()  # built before the fork: shared by the workers
    queue = ctx.Queue()
    # each worker counts into its own shared, zeroed memory (no copies of the sketches)
    _SHARED[:] = [mmap.mmap(-1, max(Sketch.size(spec), 1)) for _ in groups]
    try:
        with ProcessPoolExecutor(
            max_workers=len(groups), mp_context=ctx, initializer=_init_worker, initargs=(queue,)
        ) as pool:
            futures = [
                pool.submit(_run_group, baseline, scenario, cfg, spec, grp, None, k)
                for k, grp in enumerate(groups)
            ]
            done = received = 0
            expected = sum(len(grp) for grp in groups)
            summed: FloatArray | None = None
            pending: dict[int, FloatArray] = {}  # added in batch order: bit-exact
            next_index = min(i for grp in groups for i, _ in grp)
            while received < expected:
                try:
                    size, index, part = queue.get(timeout=0.5)
                except Exception:  # queue.Empty: nothing reported yet
                    if any(f.done() and f.exception() for f in futures):
                        break
                    continue
                received += 1
                pending[index] = part
                while next_index in pending:
                    nxt = pending.pop(next_index)
                    summed = nxt if summed is None else summed + nxt
                    next_index += 1
                done += size
                if progress is not None:
                    progress(done / cfg.runs)
            results = [f.result() for f in futures]  # raises a worker's error
        results[0].sums = {} if summed is None else {0: summed}
        shape = Sketch.shape_of(spec)
        n = int(np.prod(shape))
        total: npt.NDArray[Any] = np.frombuffer(_SHARED[0], dtype=spec.dtype, count=n).copy()
        for k in range(1, len(groups)):
            view: npt.NDArray[Any] = np.frombuffer(_SHARED[k], dtype=spec.dtype, count=n)
            np.add(total, view, out=total)
            del view  # the memory map can only be closed without views on it
        results[0].counts = total.reshape(shape)
        return results
    finally:
        for mm in _SHARED:
            mm.close()
        _SHARED.clear()


def _ev_batch(
    baseline: Baseline, scenario: Scenario, cfg: RunConfig, item: tuple[int, int]
) -> tuple[FloatArray, Collector, FloatArray | None]:
    """One batch of parameter draws in expected-value mode (a thread's or a worker
    process's share)."""
    index, n_runs = item
    pl = plan(baseline, scenario)
    units = _Units(baseline)
    shape = (len(OUTPUTS), units.count, baseline.months)
    every = cfg.bands == "all"
    draws = draw_parameters(baseline, n_runs, stream(cfg.seed, 1, index), fixed=cfg.fixed)
    comp = compile_batch(pl, draws, stochastic=False)
    lean = not every and not cfg.keep_paths
    regions = np.arange(units.regions.size) if lean else units.regions
    col: Collector = (
        MonthQuantiles(cfg.quantiles, shape, n_runs)
        if every
        else UnitBuffer(regions, shape, n_runs)
    )
    if lean and isinstance(col, UnitBuffer):
        # the compiled kernel: the same arithmetic as run_batch, every run's region totals
        # straight into the buffer
        from doorstroom.core.forecast import evkernel

        return evkernel.run_ev(comp, col.values), col, None
    cols = [col]
    paths = Paths(n_runs, shape) if cfg.keep_paths else None
    if paths is not None:
        cols.append(paths)
    sums = run_batch(
        comp, stochastic=False, rng=None, sampler=None, collectors=cols, lean_units=lean
    )
    return sums, col, paths.values if paths is not None else None


def _project_expected(
    baseline: Baseline,
    scenario: Scenario,
    pl: Plan,
    cfg: RunConfig,
    units: _Units,
    shape: tuple[int, int, int],
    months: tuple[str, ...],
    progress: Callable[[float], None] | None,
) -> Projection:
    """Expected-value mode. Bands for the region totals: the draws run in one batch per
    worker (forked processes from a single-threaded caller, threads otherwise), every run's
    region totals are kept (small) and sorted at the end. Bands for every unit: one batch,
    sorted month by month."""
    every = cfg.bands == "all"
    workers = 1 if every else _workers(cfg, cfg.runs)
    size = -(-cfg.runs // workers)
    batches = [(i, min(size, cfg.runs - i * size)) for i in range(workers)]

    # region bands run in the compiled kernel, which releases the GIL: threads, no fork;
    # small runs in this thread (a thread's start costs more than it saves)
    from doorstroom.core.forecast import evkernel  # (numba itself is imported on first use)

    kernel = not every and not cfg.keep_paths
    if workers == 1:
        results = [_ev_batch(baseline, scenario, cfg, batches[0])]
    elif kernel and cfg.runs * baseline.months * units.m < evkernel.THREADS_FROM:
        results = [_ev_batch(baseline, scenario, cfg, b) for b in batches]
    elif kernel:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda b: _ev_batch(baseline, scenario, cfg, b), batches))
    else:
        ctx = _context()
        if ctx is not None:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as procs:
                results = list(
                    procs.map(
                        _ev_batch,
                        *zip(*[(baseline, scenario, cfg, b) for b in batches], strict=True),
                    )
                )
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(lambda b: _ev_batch(baseline, scenario, cfg, b), batches))
    if progress is not None:
        progress(1.0)
    sums = np.sum([r[0] for r in results], axis=0)
    if every:
        col = results[0][1]
        assert isinstance(col, MonthQuantiles)
        qvalues = col.values
    else:
        bufs = [r[1] for r in results]
        assert all(isinstance(b, UnitBuffer) for b in bufs)
        allv = np.concatenate([b.values for b in bufs if isinstance(b, UnitBuffer)], axis=-1)
        srt = np.sort(allv, axis=-1)[..., _ranks(cfg.quantiles, cfg.runs)]  # (O, R, T, Q)
        qvalues = np.full((len(cfg.quantiles), *shape), np.nan)
        qvalues[:, :, units.regions, :] = np.moveaxis(srt, -1, 0)
    paths = None
    if cfg.keep_paths:
        paths = np.concatenate([r[2] for r in results if r[2] is not None], axis=0)
    return Projection(
        scenario=scenario.name,
        mode=cfg.mode,
        runs=cfg.runs,
        seed=cfg.seed,
        batch_size=size,
        outputs=OUTPUTS,
        units=units.names,
        months=months,
        mean=sums / cfg.runs,
        quantiles={q: qvalues[i] for i, q in enumerate(cfg.quantiles)},
        accuracy=np.zeros(shape),
        outside=np.zeros(shape),
        paths=paths,
    )


def _sketch_spec(pl: Plan, cfg: RunConfig) -> SketchSpec:
    """Histogram ranges from a pilot: the expected-value paths of the first batch's
    parameter draws (their extremes per month), widened for process noise."""
    b = pl.baseline
    size = min(cfg.batch_size, cfg.runs)
    draws = draw_parameters(b, size, stream(cfg.seed, 1, 0), fixed=cfg.fixed)
    comp = compile_batch(pl, draws, stochastic=False)
    units = _Units(b)
    mm = MinMax((len(OUTPUTS), units.count, b.months))
    run_batch(comp, stochastic=False, rng=None, sampler=None, collectors=[mm])
    kinds = [OUTPUT_KIND[o] for o in OUTPUTS]
    # cost of one person for one month, per output, unit and month (regions: the dearest)
    unit = np.ones_like(mm.lo)
    per_m = b.price_per_day[:, :, None] * pl.days[None, None, :]  # (P, M, T)
    region_max = np.stack(
        [per_m[:, b.area.region_starts()[r] : e].max(axis=1) for r, e in enumerate(_ends(b))],
        axis=1,
    )  # (P, R, T)
    for p_i, prod in enumerate(PRODUCTS):
        unit[O_INDEX[f"cost_{prod.value}"]] = np.concatenate([per_m[p_i], region_max[p_i]])
    unit[O_INDEX["cost_total"]] = np.concatenate([per_m.max(axis=0), region_max.max(axis=0)])
    return SketchSpec.from_range(mm.lo, mm.hi, kinds, bins=cfg.bins, runs=cfg.runs, unit=unit)


def _ends(b: Baseline) -> list[int]:
    starts = list(b.area.region_starts())
    return [*starts[1:], b.area.size]


def final_state(b: Baseline, months: int, scenario: Scenario = BASELINE) -> FloatArray:
    """Expected-value stocks (C, M, G) after ``months`` months with the parameter means."""
    pl = plan(replace(b, months=months), scenario)
    draws = draw_parameters(pl.baseline, 1, stream(0, 1, 0), fixed=True)
    comp = compile_batch(pl, draws, stochastic=False)
    m, g = b.shape
    state = np.zeros((len(COMPARTMENTS), g, m, 1))
    from doorstroom.core.forecast import evkernel  # the compiled run_batch (expected value)

    evkernel.run_ev(comp, state_out=state)
    return np.asarray(state[..., 0].transpose(0, 2, 1), dtype=np.float64)


def compare(
    baseline: Baseline, scenarios: Sequence[Scenario], config: RunConfig | None = None
) -> list[Projection]:
    """Baseline first, then each scenario, all on the same random numbers."""
    cfg = config or RunConfig()
    return [project(baseline, s, cfg) for s in (BASELINE, *scenarios)]
