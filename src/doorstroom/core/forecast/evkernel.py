"""Compiled (numba) kernel for the engine's expected-value mode.

``run_batch(comp, stochastic=False)`` is the reference: a Python loop over the months with
about a hundred numpy calls per month over arrays (C, G*M*B). That overhead dominates small
batches (one deterministic run) and the 1,000 parameter draws of the interactive bands. This
module runs exactly the same arithmetic in one compiled function:

- :func:`prepare` flattens a :class:`~doorstroom.core.forecast.engine.Compiled` batch into
  contiguous float32 arrays (per-regime edge and stay probabilities, month -> regime, pool
  segments, places, homes, prices, index tables), laid out in **blocks of runs**
  ``(block, ..., cell, lane)``;
- :func:`run_ev` calls the kernel once: for each block of runs (at most :data:`LANES`), for
  each month, every step loops over a contiguous (municipality, run) stretch of one age
  group (so the compiler vectorises over the runs), and the block's state stays in the
  CPU's cache for the whole horizon. The month's steps, their order and the float32
  operations on the state are those of ``run_batch``, so the state agrees to float32
  rounding: bit for bit, except the inflow trend (a float64 running product instead of one
  float32 ``exp`` per month: within an ulp) and where numpy sums pairwise (one-run batches).

Outputs: the sums over the runs (O, U, T) as ``run_batch`` returns them (municipalities from
per-run values, like the lean path of ``run_batch`` up to the order of the additions over
runs), every run's region totals (O, R, T, B) (what ``UnitBuffer`` collects on the lean
path) and the final state (C, G, M, B).

The kernel is compiled on first use (``kernels.jit``) and cached on disk
(``cache=True``, in ``__pycache__`` or numba's user cache): only the first call in a fresh
checkout compiles (about 15 s); a later process loads it on its first call (about 1.2 s,
mostly numba setting itself up). Every batch uses one compiled signature (tested).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from doorstroom.core.forecast import kernels
from doorstroom.core.forecast.engine import (
    APPLIED,
    CARE_EXIT_EDGES,
    EV_DST,
    EV_SRC,
    EWMA,
    OUTPUTS,
    STOCK_OUTPUTS,
    WAIT_CAP,
    WITHDRAW_EDGES,
    Compiled,
    F32Array,
    _Units,
)
from doorstroom.core.forecast.model import (
    C_INDEX,
    COMPARTMENTS,
    FIRST_PHASE,
    OCCUPYING,
    PRODUCTS,
    QUEUES,
    READY,
    FloatArray,
)

F32 = np.float32
I64Array = npt.NDArray[np.int64]

THREADS_FROM = 200_000  # runs x months x municipalities: batches on threads from here
LANES = 32  # at most this many runs per block: the vectorised inner loops


def lanes_for(runs: int, cells: int = 0) -> tuple[int, int]:
    """Blocks and lanes (runs) per block: at most LANES (16 for more than 64 cells, whose
    block no longer fits the L2 cache anyway: measured 20% faster for the country), balanced,
    and a multiple of 8 (one AVX register of float32) when more than 8."""
    most = LANES if cells <= 64 else min(LANES, 16)
    blocks = -(-runs // most)
    lanes = -(-runs // blocks)
    if lanes > 8:
        lanes = -(-lanes // 8) * 8
    return blocks, lanes


def _padded(rows: list[list[int]]) -> tuple[I64Array, I64Array]:
    """Ragged integer lists as a (rows, width) table padded with -1, and their lengths."""
    width = max(1, *(len(r) for r in rows))
    table = np.full((len(rows), width), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        table[i, : len(r)] = r
    return table, np.array([len(r) for r in rows], dtype=np.int64)


def _blocked(a: npt.NDArray[Any], blocks: int, lanes: int) -> npt.NDArray[Any]:
    """(..., B) -> (blocks, ..., lanes): runs padded with zeros to blocks * lanes."""
    pad = blocks * lanes - a.shape[-1]
    if pad:
        a = np.concatenate([a, np.zeros((*a.shape[:-1], pad), dtype=a.dtype)], axis=-1)
    a = a.reshape(*a.shape[:-1], blocks, lanes)
    return np.ascontiguousarray(np.moveaxis(a, -2, 0))


def prepare(comp: Compiled) -> tuple[Any, ...]:
    """The kernel's arguments (except the output arrays) for a compiled batch."""
    pl = comp.plan
    b = pl.baseline
    m, g = b.shape
    runs = comp.runs
    k = g * m
    n_c = len(COMPARTMENTS)
    units = _Units(b)
    blocks, lanes = lanes_for(runs, k)
    pu = np.stack([r.pu_all.reshape(-1, k, runs) for r in comp.regimes])  # (R, NE, K, B)
    stay = np.stack([r.stay.reshape(n_c, k, runs) for r in comp.regimes])
    x0 = np.ascontiguousarray(b.initial.transpose(0, 2, 1).reshape(n_c, k), dtype=F32)
    into = np.array([i for i in range(EV_SRC.size) if EV_DST[i] >= 0], dtype=np.int64)
    exposure = np.ascontiguousarray(pl.exposure.transpose(0, 2, 1).reshape(-1, k), dtype=F32)
    t_count = b.months
    tfac = np.array([F32((t + 0.5) / 12.0) for t in range(t_count)], dtype=F32)
    # pools: contiguous segments of municipalities per product (a region or one municipality)
    n_p = len(PRODUCTS)
    seg_start = np.zeros((n_p, m + 1), dtype=np.int64)
    n_seg = np.zeros(n_p, dtype=np.int64)
    seg_of = np.zeros((n_p, m), dtype=np.int64)
    cap = np.zeros((n_p, m, t_count), dtype=F32)
    extra = np.zeros((n_p, m, runs), dtype=F32)
    for p_i in range(n_p):
        if b.pooling[p_i] == "region":
            starts = units.starts.astype(np.int64)
            seg_of[p_i] = np.asarray(b.area.region, dtype=np.int64)
        else:
            starts = np.arange(m, dtype=np.int64)
            seg_of[p_i] = np.arange(m)
        n_seg[p_i] = starts.size
        seg_start[p_i, : starts.size] = starts
        seg_start[p_i, starts.size] = m
        cap[p_i, : starts.size] = np.floor(
            np.add.reduceat(pl.places[p_i], starts, axis=0) * b.utilization[p_i] + 0.5
        ).astype(F32)
        if comp.extra_places is not None:
            per_m = comp.extra_places[p_i] * b.utilization[p_i]  # (M, B) float64
            extra[p_i, : starts.size] = np.stack(
                [per_m[lo:hi].sum(axis=0) for lo, hi in zip(starts, [*starts[1:], m], strict=True)]
            ).astype(F32)
    queues, n_queue = _padded([[C_INDEX[c] for c in QUEUES[p]] for p in PRODUCTS])
    occupying, n_occ = _padded([[C_INDEX[c] for c in OCCUPYING[p]] for p in PRODUCTS])
    first = np.array([C_INDEX[FIRST_PHASE[p]] for p in PRODUCTS], dtype=np.int64)
    withdraw, n_withdraw = _padded([[int(e) for e in WITHDRAW_EDGES[p]] for p in PRODUCTS])
    stock, n_stock = _padded([[C_INDEX[c] for c in comps] for comps in STOCK_OUTPUTS.values()])
    ready = np.array([C_INDEX[c] for c in READY], dtype=np.int64)
    care = np.asarray(CARE_EXIT_EDGES, dtype=np.int64)
    region_start = np.r_[units.starts, m].astype(np.int64)
    price = np.ascontiguousarray(b.price_per_day, dtype=F32)  # (P, M)
    n_r = units.starts.size
    # the mean price per region in float32, as run_batch computes it
    price_r = np.zeros((n_p, n_r), dtype=F32)
    uniform = True
    for r in range(n_r):
        lo, hi = int(region_start[r]), int(region_start[r + 1])
        for p_i in range(n_p):
            price_r[p_i, r] = price[p_i, lo:hi].sum(dtype=F32) / F32(hi - lo)
            uniform &= bool(np.ptp(price[p_i, lo:hi]) == 0)
    return (
        x0,
        _blocked(pu, blocks, lanes).reshape(blocks, len(comp.regimes), -1, k * lanes),
        _blocked(stay, blocks, lanes).reshape(blocks, len(comp.regimes), n_c, k * lanes),
        np.ascontiguousarray(comp.regime_of, dtype=np.int64),
        EV_SRC.astype(np.int64),
        EV_DST.astype(np.int64),
        into,
        _blocked(comp.log_trend.reshape(k, runs), blocks, lanes),
        _blocked(comp.rate.reshape(k, runs), blocks, lanes),
        exposure,
        tfac,
        np.ascontiguousarray(pl.homes, dtype=F32),
        ready,
        queues,
        n_queue,
        occupying,
        n_occ,
        first,
        withdraw,
        n_withdraw,
        seg_start,
        n_seg,
        seg_of,
        cap,
        _blocked(extra, blocks, lanes),
        comp.extra_places is not None,
        int(comp.extra_from),
        stock,
        n_stock,
        care,
        region_start,
        price,
        price_r,
        uniform,
        np.ascontiguousarray(pl.days, dtype=F32),
        g,
        m,
        runs,
    )


def run_ev(
    comp: Compiled,
    runvals: F32Array | None = None,
    state_out: FloatArray | F32Array | None = None,
) -> FloatArray:
    """Expected-value run of a compiled batch; returns the sums over the runs (O, U, T)
    like ``run_batch(comp, stochastic=False, lean_units=True)``. ``runvals`` (O, R, T, B)
    float32 receives every run's region totals; ``state_out`` (C, G, M, B) the final state."""
    b = comp.plan.baseline
    m, g = b.shape
    runs = comp.runs
    units = _Units(b)
    n_r = units.starts.size
    sums = np.zeros((len(OUTPUTS), units.count, b.months), dtype=np.float64)
    vals = (
        runvals if runvals is not None else np.zeros((len(OUTPUTS), n_r, b.months, runs), dtype=F32)
    )
    if vals.shape != (len(OUTPUTS), n_r, b.months, runs) or vals.dtype != F32:
        raise ValueError("runvals must be float32 (O, R, T, B)")
    state = np.zeros((len(COMPARTMENTS), g * m, runs), dtype=F32)
    kernel()(*prepare(comp), sums, vals, state)
    if state_out is not None:
        state_out[...] = state.reshape(len(COMPARTMENTS), g, m, runs)
    return sums


_LOCK = threading.Lock()
_KERNEL: list[Callable[..., None]] = []


def kernel() -> Callable[..., None]:
    """The compiled kernel (compiled or loaded from the cache on the first call)."""
    with _LOCK:
        if not _KERNEL:
            _KERNEL.append(kernels.jit(_ev_kernel))
        return _KERNEL[0]


def _pooled_py(
    x2: F32Array,
    comps: I64Array,
    n_comps: int,
    n_g: int,
    ml: int,
    seg_start: I64Array,
    n_seg: int,
    pm2: F32Array,
    per_m: F32Array,
    pooled: F32Array,
) -> None:
    """Sum the compartments ``comps[:n_comps]`` over every group into ``pm2`` (the
    (municipality, lane) block, also seen as ``per_m``), then over the municipalities of
    each pool into ``pooled`` (pool, lane); the additions in ``run_batch``'s order."""
    ln = per_m.shape[1]
    for i in range(ml):
        pm2[i] = x2[comps[0], i]
    for q in range(n_comps):
        c = comps[q]
        for gg in range(n_g):
            if q > 0 or gg > 0:
                base = gg * ml
                for i in range(ml):
                    pm2[i] += x2[c, base + i]
    for s in range(n_seg):
        lo = seg_start[s]
        for j in range(ln):
            pooled[s, j] = per_m[lo, j]
        for mm in range(lo + 1, seg_start[s + 1]):
            for j in range(ln):
                pooled[s, j] += per_m[mm, j]


_pooled = kernels.jit(_pooled_py)


# ---------------------------------------------------------------- the kernel (numba)
def _ev_kernel(
    x0: F32Array,  # (C, K) initial stocks, K = G*M cells (group-major)
    pu: F32Array,  # (NB, R, NE, K*L) edge probabilities (hazards, then progress)
    stay: F32Array,  # (NB, R, C, K*L)
    regime_of: I64Array,  # (T,)
    esrc: I64Array,  # (NE,)
    edst: I64Array,  # (NE,) -1: exit
    into: I64Array,  # edges with a destination, in the order run_batch adds them
    log_trend: F32Array,  # (NB, K, L)
    rate: F32Array,  # (NB, K, L)
    exposure: F32Array,  # (T, K)
    tfac: F32Array,  # (T,) years since the start, mid-month
    homes: F32Array,  # (M, T)
    ready: I64Array,  # ready compartments
    queues: I64Array,  # (P, nq) queue compartments per product
    n_queue: I64Array,
    occupying: I64Array,  # (P, no)
    n_occ: I64Array,
    first: I64Array,  # (P,) first phase
    withdraw: I64Array,  # (P, nw) withdrawal edges
    n_withdraw: I64Array,
    seg_start: I64Array,  # (P, M + 1) first municipality of each pool, then M
    n_seg: I64Array,  # (P,)
    seg_of: I64Array,  # (P, M) pool of each municipality
    cap: F32Array,  # (P, M, T) people a pool takes (pools first)
    extra: F32Array,  # (NB, P, M, L) places added per pool and run (planner)
    has_extra: bool,
    extra_from: int,
    stock: I64Array,  # (8, ns) compartments of the stock outputs
    n_stock: I64Array,
    care: I64Array,  # care exit edges
    region_start: I64Array,  # (R + 1,)
    price: F32Array,  # (P, M) per day
    price_r: F32Array,  # (P, R) mean per region
    uniform_price: bool,
    days: F32Array,  # (T,)
    n_g: int,
    n_m: int,
    runs: int,
    sums: FloatArray,  # out (O, M + R, T) sums over the runs
    runvals: F32Array,  # out (O, R, T, B) every run's region totals
    state_out: F32Array,  # out (C, K, B) final state
) -> None:
    ln = log_trend.shape[2]  # lanes: runs per block (a run-time trip count vectorises best)
    n_blocks = pu.shape[0]
    n_e = pu.shape[2]
    n_k = x0.shape[1]
    kl = n_k * ln  # a state row: (cell, lane)
    ml = n_m * ln  # one group's part of a row: (municipality, lane)
    n_c = x0.shape[0]
    n_t = regime_of.shape[0]
    n_p = 3
    n_r = region_start.shape[0] - 1
    n_st = stock.shape[0]
    n_o = runvals.shape[0]
    zero = np.float32(0.0)
    one = np.float32(1.0)
    ewma = np.float32(EWMA)
    inv_cap = np.float32(1.0 / WAIT_CAP)
    tiny = np.float32(1e-9)
    o_inflow, o_placed, o_out, o_home, o_wait, o_cost, o_total = 8, 9, 10, 11, 12, 15, 18
    applied = APPLIED
    n_ready = ready.shape[0]
    n_care = care.shape[0]

    x = np.empty((n_c, n_k, ln), dtype=np.float32)
    f = np.empty((n_e, n_k, ln), dtype=np.float32)
    inflow = np.empty((n_k, ln), dtype=np.float32)
    growth = np.empty((n_k, ln), dtype=np.float64)
    step = np.empty((n_k, ln), dtype=np.float64)
    tf0 = np.float64(tfac[0]) if n_t > 0 else 0.0  # years at mid-month: 0.5 / 12
    tf1 = 1.0 / 12.0
    hout = np.empty(ml, dtype=np.float32)
    placed = np.empty((n_p, ml), dtype=np.float32)
    lbar = np.zeros((n_p, n_m, ln), dtype=np.float32)
    dbar = np.zeros((n_p, n_m, ln), dtype=np.float32)
    tot = np.empty(ml, dtype=np.float32)
    ratio = np.empty(ml, dtype=np.float32)
    per_m = np.empty((n_m, ln), dtype=np.float32)
    pooled = np.empty((n_m, ln), dtype=np.float32)
    free = np.empty((n_m, ln), dtype=np.float32)
    frac = np.empty((n_m, ln), dtype=np.float32)
    fm = np.empty(ml, dtype=np.float32)
    cell = np.empty(ml, dtype=np.float32)
    acc = np.empty(ml, dtype=np.float32)
    ql = np.empty(ln, dtype=np.float32)
    qd = np.empty(ln, dtype=np.float32)
    wq = np.empty(ln, dtype=np.float32)
    # per-run outputs of the month: municipalities (costs apart) and regions
    vm = np.empty((o_cost, n_m, ln), dtype=np.float32)
    vr = np.empty((n_o, n_r, ln), dtype=np.float32)
    # flat views: a row of the state is (cell, lane), group-major, so one group's
    # municipalities are a contiguous (municipality, lane) stretch of length ml
    x2 = x.reshape((n_c, kl))
    f2 = f.reshape((n_e, kl))
    in2 = inflow.reshape(kl)
    pm2 = per_m.reshape(ml)
    lb2 = lbar.reshape((n_p, ml))
    db2 = dbar.reshape((n_p, ml))
    vm2 = vm.reshape((o_cost, ml))

    for blk in range(n_blocks):
        j0 = blk * ln
        nb = min(ln, runs - j0)
        for c in range(n_c):
            for k in range(n_k):
                v = x0[c, k]
                for j in range(ln):
                    x[c, k, j] = v
        for k in range(n_k):
            for j in range(ln):
                lt = np.float64(log_trend[blk, k, j])
                growth[k, j] = np.exp(lt * tf0)
                step[k, j] = np.exp(lt * tf1)
        for t in range(n_t):
            r = regime_of[t]
            # ---- hazard flows on the stocks at the start of the month (progress included)
            for e in range(n_e):
                s = esrc[e]
                for i in range(kl):
                    f2[e, i] = x2[s, i] * pu[blk, r, e, i]
            for c in range(n_c):
                for i in range(kl):
                    x2[c, i] *= stay[blk, r, c, i]
            for ii in range(into.shape[0]):
                e = into[ii]
                d = edst[e]
                for i in range(kl):
                    x2[d, i] += f2[e, i]
            # ---- applications: exp(log_trend * (t + 0.5) / 12) as a running product in
            # float64 (one exp per run and cell, not per month: within a float32 ulp)
            for k in range(n_k):
                ex = exposure[t, k]
                for j in range(ln):
                    lam = np.float32(growth[k, j])
                    growth[k, j] *= step[k, j]
                    lam = lam * rate[blk, k, j]
                    lam = lam * ex
                    inflow[k, j] = lam
                    x[applied, k, j] += lam
            # ---- homes for the ready, in proportion, at most the month's homes
            for i in range(ml):
                tot[i] = x2[ready[0], i]
            for q in range(n_ready):
                c = ready[q]
                for gg in range(n_g):
                    if q > 0 or gg > 0:
                        base = gg * ml
                        for i in range(ml):
                            tot[i] += x2[c, base + i]
            for mm in range(n_m):
                hm = homes[mm, t]
                for j in range(mm * ln, mm * ln + ln):
                    tj = tot[j]
                    ratio[j] = min(tj, hm) / (tj if tj > zero else one)
            for q in range(n_ready):
                c = ready[q]
                for gg in range(n_g):
                    base = gg * ml
                    if q == 0 and gg == 0:
                        for i in range(ml):
                            h = x2[c, i] * ratio[i]
                            x2[c, i] -= h
                            hout[i] = h
                    else:
                        for i in range(ml):
                            h = x2[c, base + i] * ratio[i]
                            x2[c, base + i] -= h
                            hout[i] += h
            # ---- placements into the free places of each pool
            for p in range(n_p):
                add = has_extra and t >= extra_from
                # occupancy per municipality, then per pool: free places
                _pooled(
                    x2, occupying[p], n_occ[p], n_g, ml, seg_start[p], n_seg[p], pm2, per_m, pooled
                )
                for s in range(n_seg[p]):
                    cp = cap[p, s, t]
                    if add:
                        for j in range(ln):
                            free[s, j] = max((cp - pooled[s, j]) + extra[blk, p, s, j], zero)
                    else:
                        for j in range(ln):
                            free[s, j] = max(cp - pooled[s, j], zero)
                # queues per municipality, then per pool: the share placed
                _pooled(
                    x2, queues[p], n_queue[p], n_g, ml, seg_start[p], n_seg[p], pm2, per_m, pooled
                )
                for s in range(n_seg[p]):
                    for j in range(ln):
                        w = pooled[s, j]
                        frac[s, j] = min(w, free[s, j]) / (w if w > zero else one)
                for mm in range(n_m):
                    s = seg_of[p, mm]
                    for j in range(ln):
                        fm[mm * ln + j] = frac[s, j]
                fc = first[p]
                for gg in range(n_g):
                    base = gg * ml
                    for q in range(n_queue[p]):
                        c = queues[p, q]
                        if q == 0:
                            for i in range(ml):
                                a = x2[c, base + i] * fm[i]
                                x2[c, base + i] -= a
                                cell[i] = a
                        else:
                            for i in range(ml):
                                a = x2[c, base + i] * fm[i]
                                x2[c, base + i] -= a
                                cell[i] += a
                    for i in range(ml):
                        x2[fc, base + i] += cell[i]
                    if gg == 0:
                        for i in range(ml):
                            placed[p, i] = cell[i]
                    else:
                        for i in range(ml):
                            placed[p, i] += cell[i]
            # ---- smoothed queues and departures
            for p in range(n_p):
                for i in range(ml):
                    acc[i] = f2[withdraw[p, 0], i]
                for q in range(n_withdraw[p]):
                    e = withdraw[p, q]
                    for gg in range(n_g):
                        if q > 0 or gg > 0:
                            base = gg * ml
                            for i in range(ml):
                                acc[i] += f2[e, base + i]
                for i in range(ml):
                    acc[i] += placed[p, i]
                    cell[i] = x2[queues[p, 0], i]
                for q in range(n_queue[p]):
                    c = queues[p, q]
                    for gg in range(n_g):
                        if q > 0 or gg > 0:
                            base = gg * ml
                            for i in range(ml):
                                cell[i] += x2[c, base + i]
                if t == 0:
                    for i in range(ml):
                        lb2[p, i] = cell[i]
                        db2[p, i] = acc[i]
                else:
                    for i in range(ml):
                        lb2[p, i] += ewma * (cell[i] - lb2[p, i])
                        db2[p, i] += ewma * (acc[i] - db2[p, i])
            # ---- every run's outputs per municipality (costs apart: from the sums)
            for o in range(n_st):
                for q in range(n_stock[o]):
                    c = stock[o, q]
                    for gg in range(n_g):
                        base = gg * ml
                        if q == 0 and gg == 0:
                            for i in range(ml):
                                vm2[o, i] = x2[c, i]
                        else:
                            for i in range(ml):
                                vm2[o, i] += x2[c, base + i]
            for i in range(ml):
                vm2[o_inflow, i] = in2[i]
                vm2[o_placed, i] = placed[0, i] + placed[1, i] + placed[2, i]
                vm2[o_out, i] = hout[i]
                vm2[o_home, i] = hout[i]
            for gg in range(1, n_g):
                base = gg * ml
                for i in range(ml):
                    vm2[o_inflow, i] += in2[base + i]
            for ci in range(n_care):
                e = care[ci]
                for gg in range(n_g):
                    base = gg * ml
                    for i in range(ml):
                        vm2[o_out, i] += f2[e, base + i]
            # waiting time (Little's law): a municipality's is its pool's
            for p in range(n_p):
                for s in range(n_seg[p]):
                    lo = seg_start[p, s]
                    hi = seg_start[p, s + 1]
                    for j in range(ln):
                        ql[j] = lbar[p, lo, j]
                        qd[j] = dbar[p, lo, j]
                    for mm in range(lo + 1, hi):
                        for j in range(ln):
                            ql[j] += lbar[p, mm, j]
                            qd[j] += dbar[p, mm, j]
                    for j in range(ln):
                        dep = max(max(qd[j], ql[j] * inv_cap), tiny)
                        wq[j] = ql[j] / dep
                    for mm in range(lo, hi):
                        for j in range(ln):
                            vm[o_wait + p, mm, j] = wq[j]
            # ---- every run's region totals
            for rr in range(n_r):
                lo = region_start[rr]
                hi = region_start[rr + 1]
                for o in range(o_wait):
                    for j in range(ln):
                        vr[o, rr, j] = vm[o, lo, j]
                    for mm in range(lo + 1, hi):
                        for j in range(ln):
                            vr[o, rr, j] += vm[o, mm, j]
                for p in range(n_p):
                    if uniform_price:
                        pr = price_r[p, rr] * days[t]
                        for j in range(ln):
                            vr[o_cost + p, rr, j] = vr[4 + p, rr, j] * pr
                    else:
                        for mm in range(lo, hi):
                            pm = price[p, mm] * days[t]
                            if mm == lo:
                                for j in range(ln):
                                    vr[o_cost + p, rr, j] = vm[4 + p, mm, j] * pm
                            else:
                                for j in range(ln):
                                    vr[o_cost + p, rr, j] += vm[4 + p, mm, j] * pm
                    for j in range(ln):
                        ql[j] = lbar[p, lo, j]
                        qd[j] = dbar[p, lo, j]
                    for mm in range(lo + 1, hi):
                        for j in range(ln):
                            ql[j] += lbar[p, mm, j]
                            qd[j] += dbar[p, mm, j]
                    for j in range(ln):
                        dep = max(max(qd[j], ql[j] * inv_cap), tiny)
                        vr[o_wait + p, rr, j] = ql[j] / dep
                for j in range(ln):
                    vr[o_total, rr, j] = (
                        vr[o_cost, rr, j] + vr[o_cost + 1, rr, j] + vr[o_cost + 2, rr, j]
                    )
            # ---- sums over the runs (float64) and every run's region totals
            if nb < ln:  # the last block's spare lanes
                for o in range(o_cost):
                    for mm in range(n_m):
                        for j in range(nb, ln):
                            vm[o, mm, j] = zero
                for o in range(n_o):
                    for rr in range(n_r):
                        for j in range(nb, ln):
                            vr[o, rr, j] = zero
            for o in range(o_cost):
                for mm in range(n_m):
                    sm = 0.0
                    for j in range(ln):
                        sm += vm[o, mm, j]
                    sums[o, mm, t] += sm
            for o in range(n_o):
                for rr in range(n_r):
                    sm = 0.0
                    for j in range(ln):
                        sm += vr[o, rr, j]
                    sums[o, n_m + rr, t] += sm
                    for j in range(nb):
                        runvals[o, rr, t, j0 + j] = vr[o, rr, j]
        for c in range(n_c):
            for k in range(n_k):
                for j in range(nb):
                    state_out[c, k, j0 + j] = x[c, k, j]
    # municipalities' costs from their occupancy sums (as run_batch's lean path)
    for t in range(n_t):
        for mm in range(n_m):
            total_cost = 0.0
            for p in range(n_p):
                cost = sums[4 + p, mm, t] * np.float64(price[p, mm] * days[t])
                sums[o_cost + p, mm, t] = cost
                total_cost += cost
            sums[o_total, mm, t] = total_cost
