"""Fast binomial and Poisson counts for the stochastic mode: one 32-bit random word and one
table look-up per draw (compiled in ``kernels.py``; the vectorised numpy version here is the
reference it is tested against).

Why: numpy's ``Generator.binomial`` costs 25-30 ns a draw; the stochastic benchmark needs
about 2.5 billion draws. This sampler costs about 5 ns a draw (see benchmarks/forecast.py).

How: a draw ``X ~ Binomial(n, p)`` has mean ``mu = n p``. A table holds, for a grid of
``mu`` and for 22 classes of ``p``, the distribution as an alias table of 64 columns
(Walker's alias method: pick a column uniformly, keep it with probability ``threshold`` or
take its alias). One 32-bit random word gives the column (6 bits), the threshold test
(16 bits) and the randomised rounding of ``mu`` to the grid (10 bits):

- the ``mu`` grid is the float32 exponent and the first 4 mantissa bits of ``mu`` (16 rows
  per octave, 2^-13 .. 32); ``mu`` is rounded to one of its two neighbouring grid points at
  random with the probabilities that keep the mean exact (the draw is a mixture of the two
  rows: mean exact, variance up by at most ``(mu/16)^2 / 4``, below 2% for ``mu <= 32``);
- the ``p`` class is the grid point above or below ``p`` (grid 0 (Poisson), 0.02, 0.05,
  0.1, 0.15, ..., 1.0), chosen at random once per run and parameter (mean-preserving in the
  variance ``mu (1 - p)``); a row of class ``p_c`` is ``Binomial(n', mu / n')`` with
  ``n' = round(mu / p_c)``: exact when ``p`` is on the grid, otherwise the variance is off
  by at most the grid step in ``p`` for that run and exact on average over runs;
- draws are clipped at ``n`` (a table row may in rare cases reach above ``n`` when the
  class lies below ``p``; the clip loses less than 0.5% of the mean in the worst cell and
  nothing when ``n p`` is small);
- ``mu < 2^-13`` draws 0 (a bias of at most 0.0001 people per draw); ``mu >= 32`` uses
  the normal approximation with a Cornish-Fisher skewness term (same random word). The
  table has a row for every key from 0, so the index needs no clamping (the rows of tiny
  ``mu`` are never touched unless used; the table is 6.5 MB, built once per process).

Accuracy of the table itself (alias thresholds in 16 bits, tails beyond 63 cut): the mean of
every row is within 1e-4 (relative) of its grid ``mu``; ``table_error()`` reports it and a
test checks it.
"""

from __future__ import annotations

import functools
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from doorstroom.core.forecast import kernels

U32 = np.uint32
F32 = np.float32

MANTISSA_BITS = 4
SHIFT = 23 - MANTISSA_BITS
KEY_LO = (127 - 13) << MANTISSA_BITS  # mu = 2^-13: smaller mu draw 0
KEY_HI = (127 + 5) << MANTISSA_BITS  # mu = 32
MU_MAX = 32.0
ROWS = KEY_HI + 1  # a row for every key 0 .. KEY_HI (rows below KEY_LO - 1 draw 0)
COLS = 64
P_GRID: tuple[float, ...] = (0.0, 0.02, 0.05, *tuple(round(0.1 + 0.05 * i, 2) for i in range(9)))
assert kernels._SHIFT == SHIFT, "kernels.py repeats the table layout"
P_MAX = P_GRID[-1]  # callers draw n - Binomial(n, 1 - p) when p > 0.5

U32Array = npt.NDArray[np.uint32]
F32Array = npt.NDArray[np.float32]


def _key_mu(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """The float32 value whose bits are ``key << SHIFT``."""
    bits = (keys.astype(np.uint32) << np.uint32(SHIFT)).astype(np.uint32)
    return bits.view(np.float32).astype(np.float64)


def _pmf_rows(mu: npt.NDArray[np.float64], p_class: float) -> npt.NDArray[np.float64]:
    """Rows of probabilities over 0..COLS-1 for each ``mu`` (class ``p_class``)."""
    k = np.arange(COLS, dtype=np.float64)
    mu = mu[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        if p_class == 0.0:
            steps = np.log(np.maximum(mu, 1e-300)) - np.log(k[1:] + 0.0)[None, :]
            logp = np.concatenate([-mu, -mu + np.cumsum(steps, axis=1)], axis=1)
            pmf = np.exp(logp)
        else:
            n = np.maximum(np.ceil(mu - 1e-12), np.round(mu / p_class))
            n = np.maximum(n, 1.0)
            q = np.minimum(mu / n, 1.0)
            degenerate = q >= 1.0 - 1e-12
            qs = np.where(degenerate, 0.5, q)
            base = n * np.log1p(-qs)
            ratio = (np.log(np.maximum(n - k[:-1][None, :], 1e-300)) - np.log(k[1:])[None, :]) + (
                np.log(qs) - np.log1p(-qs)
            )
            logp = np.concatenate([base, base + np.cumsum(ratio, axis=1)], axis=1)
            pmf = np.where(k[None, :] <= n, np.exp(logp), 0.0)
            point = (k[None, :] == n).astype(np.float64)
            pmf = np.where(degenerate, point, pmf)
    pmf = np.where(np.isfinite(pmf), pmf, 0.0)
    pmf[mu[:, 0] == 0.0] = 0.0
    pmf[mu[:, 0] == 0.0, 0] = 1.0
    total = pmf.sum(axis=1, keepdims=True)
    return np.asarray(pmf / total, dtype=np.float64)


def _alias(pmf: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Walker/Vose alias tables for many rows at once (vectorised over rows)."""
    rows, cols = pmf.shape
    scaled = pmf * cols
    thr = np.ones((rows, cols))
    alias = np.tile(np.arange(cols), (rows, 1))
    done = np.zeros((rows, cols), dtype=bool)
    r = np.arange(rows)
    for _ in range(cols - 1):
        small_key = np.where(done, np.inf, scaled)
        large_key = np.where(done, -np.inf, scaled)
        i = np.argmin(small_key, axis=1)
        j = np.argmax(large_key, axis=1)
        same = i == j
        si = scaled[r, i]
        thr[r, i] = np.where(same, 1.0, np.minimum(si, 1.0))
        alias[r, i] = np.where(same, i, j)
        done[r, i] = True
        scaled[r, j] = np.where(same, scaled[r, j], scaled[r, j] - (1.0 - si))
    return thr, alias


@functools.cache
def table() -> U32Array:
    """The packed table: entry = threshold (17 bits, of 65536) << 15 | alias (6 bits)."""
    keys = np.arange(KEY_LO - 1, KEY_HI + 1, dtype=np.int64)
    mu = _key_mu(keys)
    blocks = []
    for p_class in P_GRID:
        pmf = _pmf_rows(mu, p_class)
        thr, alias = _alias(pmf)
        t17 = np.rint(thr * 65536.0).astype(np.uint32)
        entry = (t17 << np.uint32(15)) | alias.astype(np.uint32)
        zero = np.zeros((KEY_LO - 1, COLS), dtype=np.uint32)  # threshold 0, alias 0: draw 0
        blocks.append(np.concatenate([zero, entry], axis=0))
    out = np.ascontiguousarray(np.stack(blocks).reshape(-1))
    out.flags.writeable = False
    return out


@functools.cache
def normal_table() -> F32Array:
    """Standard normal quantiles at the midpoints of 65536 equal cells."""
    nd = NormalDist()
    u = (np.arange(65536) + 0.5) / 65536.0
    out = np.array([nd.inv_cdf(float(x)) for x in u], dtype=np.float32)
    out.flags.writeable = False
    return out


def table_error() -> float:
    """Largest relative error of a row's mean against its grid ``mu`` (for mu >= 1e-3),
    as sampled (thresholds as stored)."""
    tab = table().reshape(len(P_GRID), ROWS, COLS)
    thr = (tab >> np.uint32(15)).astype(np.float64) / 65536.0
    alias = (tab & np.uint32(0x3F)).astype(np.float64)
    col = np.arange(COLS, dtype=np.float64)
    mean = (thr * col + (1.0 - thr) * alias).mean(axis=2)[:, KEY_LO - 1 :]
    keys = np.arange(KEY_LO - 1, KEY_HI + 1, dtype=np.int64)
    mu = _key_mu(keys)
    ok = mu >= 1e-3
    return float(np.max(np.abs(mean[:, ok] - mu[ok]) / mu[ok]))


def class_base(p: F32Array, u: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Row offset (class * ROWS * COLS) for each probability ``p``: the grid class just
    below or above ``p``, chosen with ``u`` (uniform) so that the class is ``p`` on average
    (compiled: ``kernels.class_rows``; :func:`class_base_numpy` is the reference)."""
    out = np.empty(p.shape, dtype=np.intp)
    kernels.class_rows(
        np.ascontiguousarray(p, dtype=np.float32).reshape(-1),
        np.ascontiguousarray(u, dtype=np.float64).reshape(-1),
        _GRID,
        ROWS * COLS,
        out.reshape(-1),
    )
    return out


def class_base_numpy(p: F32Array, u: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """:func:`class_base` in numpy."""
    grid = np.asarray(P_GRID)
    pc = np.clip(p.astype(np.float64), 0.0, 1.0)
    hi = np.clip(np.searchsorted(grid, pc, side="right"), 1, len(grid) - 1)
    lo = hi - 1
    w = (pc - grid[lo]) / (grid[hi] - grid[lo])
    cls = np.where(u < w, hi, lo)
    return (cls * ROWS * COLS).astype(np.intp)


_GRID = np.asarray(P_GRID, dtype=np.float64)


POISSON_BASE = 0  # class 0 is Poisson


CHUNK = 65_536  # draws per pass: the work arrays stay in the L2 cache (30% faster here)


class Sampler:
    """Draws with preallocated work arrays (one sampler per thread), in chunks of
    ``CHUNK`` draws so that the ~20 passes over the work arrays hit the L2 cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        size = min(size, CHUNK)
        self.tab = table()
        self.ntab = normal_table()
        self._mu = np.empty(size, F32)
        self._key = np.empty(size, U32)
        self._t1 = np.empty(size, U32)
        self._t2 = np.empty(size, U32)
        self._e = np.empty(size, U32)
        self._b = np.empty(size, bool)
        self._ki = np.empty(size, np.intp)

    def draw(
        self,
        n: F32Array,
        p: F32Array,
        base: npt.NDArray[np.intp],
        bits: U32Array,
        out: F32Array,
        *,
        clip: bool = True,
    ) -> F32Array:
        """``out = Binomial(n, p)`` (or Poisson(n p) for class 0 rows); all arrays 1-D of
        equal length; ``bits`` uniform 32-bit words (consumed one per draw). Compiled
        (``kernels.draw``); :meth:`draw_numpy` is the reference, equal bit for bit."""
        kernels.draw(n, p, base, bits, out, self.tab, self.ntab, ROWS * COLS, clip)
        return out

    def draw_numpy(
        self,
        n: F32Array,
        p: F32Array,
        base: npt.NDArray[np.intp],
        bits: U32Array,
        out: F32Array,
        *,
        clip: bool = True,
    ) -> F32Array:
        """:meth:`draw` in vectorised numpy (chunked so the work arrays stay in cache)."""
        total = n.size
        for a in range(0, total, CHUNK):
            b = min(total, a + CHUNK)
            self._draw(n[a:b], p[a:b], base[a:b], bits[a:b], out[a:b], clip)
        return out

    def _draw(
        self,
        n: F32Array,
        p: F32Array,
        base: npt.NDArray[np.intp],
        bits: U32Array,
        out: F32Array,
        clip: bool,
    ) -> None:
        k = n.size
        mu, key, t1, t2, e, b, ki = (
            self._mu[:k],
            self._key[:k],
            self._t1[:k],
            self._t2[:k],
            self._e[:k],
            self._b[:k],
            self._ki[:k],
        )
        np.multiply(n, p, out=mu)
        # randomised rounding of mu to its grid row: add 10 random bits just below the row
        # bits; the carry moves to the next row with probability = position between rows
        np.right_shift(bits, 7, out=t2)
        np.bitwise_and(t2, 0x3FF << (SHIFT - 10), out=t2)
        np.add(mu.view(U32), t2, out=key)
        np.right_shift(key, SHIFT - 6, out=key)  # row * 64 (and 6 fraction bits, cleared:)
        np.bitwise_and(key, ~np.uint32(0x3F), out=key)
        np.add(key, base, out=ki)  # base: class * ROWS * 64; an intp index for take
        np.right_shift(bits, 26, out=t1)  # column
        np.bitwise_or(ki, t1, out=ki)
        np.take(self.tab, ki, out=e, mode="clip")  # mu >= 32 is redrawn below
        np.bitwise_and(bits, 0xFFFF, out=t2)
        np.right_shift(e, 15, out=key)
        np.greater(key, t2, out=b)  # keep the column?
        np.bitwise_and(e, 0x3F, out=e)  # alias
        np.subtract(t1, e, out=t1)
        np.multiply(t1, b, out=t1, casting="unsafe")
        np.add(t1, e, out=t1)
        np.copyto(out, t1, casting="unsafe")
        if k and float(mu.max()) >= MU_MAX:
            self._normal(np.flatnonzero(mu >= MU_MAX), n, p, base, bits, out)
        if clip:
            np.minimum(out, n, out=out)

    def _normal(
        self,
        idx: npt.NDArray[np.intp],
        n: F32Array,
        p: F32Array,
        base: npt.NDArray[np.intp],
        bits: U32Array,
        out: F32Array,
    ) -> None:
        nn = n[idx].astype(np.float64)
        pp = p[idx].astype(np.float64)
        poisson = base[idx] < ROWS * COLS
        mu = nn * pp
        q = np.where(poisson, 1.0, 1.0 - pp)
        sd = np.sqrt(np.maximum(mu * q, 1e-12))
        z = self.ntab[bits[idx] >> np.uint32(16)].astype(np.float64)
        skew = np.where(poisson, 1.0, 1.0 - 2.0 * pp) / sd
        x = np.floor(mu + sd * (z + skew * (z * z - 1.0) / 6.0) + 0.5)
        out[idx] = np.maximum(x, 0.0)


def uniforms(bits: U32Array) -> F32Array:
    """Uniform [0, 1) float32 from 32-bit words (24 bits of resolution)."""
    return (bits >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)
