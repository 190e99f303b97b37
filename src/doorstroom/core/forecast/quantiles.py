"""Streamed quantiles: per (month, output, unit) a fixed histogram over the runs.

Paths are never kept: every batch of runs adds its month-by-month values to histograms of
``bins`` equal bins between ``lo`` and ``lo + bins * width`` (plus one bin below and one
above), and sketches of several batches or threads add up (they are mergeable). Memory is
``months x outputs x units x (bins + 2)`` counters (uint16 up to 65,535 runs), whatever the
number of runs.

Accuracy: a quantile is read as the value at which the cumulative count reaches
``q x runs`` (the inverted-CDF definition), interpolating linearly inside its bin, so it is
within one bin of the exact sample quantile; ``accuracy()`` gives that bound per cell. For
counts the bins are whole numbers wide and start at whole numbers; when the width is 1 the
quantile is exact (equal to ``numpy.quantile(..., method="inverted_cdf")``). Waiting times
(0..120 months) are binned on a square-root scale over their whole range (finer for short
waits: about 0.3 months wide at 3 months with 128 bins). Other ranges come from a pilot
(expected-value paths of the parameter draws) widened for process noise; ``outside()``
reports the share of runs that fell outside the range (a quantile that lands there is
reported as the range edge and ``accuracy()`` is then infinite for that cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from doorstroom.core.forecast import kernels

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SketchSpec:
    lo: FloatArray  # (O, U, T)
    width: FloatArray  # (O, U, T)
    bins: int
    integer: npt.NDArray[np.bool_]  # (O,): whole-number outputs (counts)
    sqrt: npt.NDArray[np.bool_]  # (O,): binned on a square-root scale (lo, width in sqrt)
    dtype: type[np.uint16] | type[np.uint32]

    @classmethod
    def from_range(
        cls,
        lo: FloatArray,
        hi: FloatArray,
        kinds: Sequence[str],
        *,
        bins: int,
        runs: int,
        wait_cap: float = 120.0,
        unit: FloatArray | None = None,
    ) -> SketchSpec:
        """Ranges from pilot extremes ``lo``/``hi`` (O, U, T): counts get ±(50% of the
        spread + 4 sd of Poisson noise + 10); waiting times [0, wait_cap] on a square-root
        scale; costs the same as counts in units of ``unit`` (O, U, T: the cost of one
        person for a month), plus 25%."""
        lo = np.asarray(lo, dtype=np.float64)
        hi = np.asarray(hi, dtype=np.float64)
        spread = hi - lo
        out_lo = np.empty_like(lo)
        out_w = np.empty_like(lo)
        for o, kind in enumerate(kinds):
            a, b, s = lo[o], hi[o], spread[o]
            if kind == "count":
                low = np.floor(np.maximum(a - 0.5 * s - 4 * np.sqrt(np.maximum(a, 0)) - 10, 0))
                high = b + 0.5 * s + 4 * np.sqrt(np.maximum(b, 0)) + 10
                width = np.maximum(np.ceil((high - low) / bins), 1.0)
            elif kind == "wait":
                low = np.zeros_like(a)
                width = np.full_like(a, np.sqrt(wait_cap) / bins * (1 + 1e-3))
            else:
                un = np.ones_like(a) if unit is None else np.maximum(unit[o], 1e-9)
                noise_lo = (4 * np.sqrt(np.maximum(a / un, 0)) + 10) * un
                noise_hi = (4 * np.sqrt(np.maximum(b / un, 0)) + 10) * un
                low = np.maximum(a - 0.5 * s - 0.25 * a - noise_lo, 0)
                high = b + 0.5 * s + 0.25 * b + noise_hi
                width = (high - low) / bins
            out_lo[o] = low
            out_w[o] = width
        dtype = np.uint16 if runs < 65_535 else np.uint32
        integer = np.array([k == "count" for k in kinds], dtype=bool)
        sqrt = np.array([k == "wait" for k in kinds], dtype=bool)
        return cls(out_lo, out_w, bins, integer, sqrt, dtype)


class Sketch:
    """Histograms for all (month, output, unit); ``add`` one month of a batch at a time."""

    def __init__(self, spec: SketchSpec | None, buffer: Any = None, *, counts: Any = None) -> None:
        """``buffer``: memory to keep the counters in (e.g. shared with a worker process);
        it must be zeroed and at least ``Sketch.size(spec)`` bytes. ``counts``: an array of
        counters to adopt (``Sketch.shape_of(spec)``)."""
        if spec is None:
            raise ValueError("a sketch needs a spec")
        self.spec = spec
        o, u, _ = spec.lo.shape
        self.shape = (o, u)
        self.slots = spec.bins + 2
        shape = self.shape_of(spec)
        if counts is not None:
            self.counts = counts
        elif buffer is None:
            self.counts = np.zeros(shape, dtype=spec.dtype)
        else:
            n = int(np.prod(shape))
            self.counts = np.frombuffer(buffer, dtype=spec.dtype, count=n).reshape(shape)
        self.runs = 0
        self._inv = np.ascontiguousarray(np.moveaxis(1.0 / spec.width, -1, 0), dtype=np.float32)
        # slot = value / width - lo / width + 1 (slot 0: below the range) + the series' offset
        shift = 1.0 - spec.lo / spec.width
        self._shift = np.ascontiguousarray(np.moveaxis(shift, -1, 0), dtype=np.float32)
        self._offset = (np.arange(o * u, dtype=np.intp) * self.slots).reshape(o, u, 1)
        sq = np.flatnonzero(spec.sqrt)
        if sq.size and not np.array_equal(sq, np.arange(sq[0], sq[-1] + 1)):
            raise ValueError("square-root outputs must be consecutive")
        self._sqrt = slice(int(sq[0]), int(sq[-1]) + 1) if sq.size else None

    def add(self, t: int, values: npt.NDArray[np.float32]) -> None:
        """``values`` (O, U, B): one month of a batch of B runs (compiled kernel)."""
        if t == 0:
            self.runs += values.shape[-1]
        sq = self._sqrt or slice(0, 0)
        kernels.sketch_add(
            self.counts[t],
            np.ascontiguousarray(values, dtype=np.float32),
            self._inv[t],
            self._shift[t],
            sq.start,
            sq.stop,
            self.slots,
        )

    def add_numpy(self, t: int, values: npt.NDArray[np.float32]) -> None:
        """The same as :meth:`add` in numpy (the reference the kernel is tested against)."""
        if t == 0:
            self.runs += values.shape[-1]
        inv = self._inv[t][:, :, None]
        v = values * inv
        if self._sqrt is not None:
            sq = self._sqrt
            np.sqrt(values[sq], out=v[sq])
            v[sq] *= inv[sq]
        v += self._shift[t][:, :, None]
        np.clip(v, 0, self.slots - 1, out=v)  # scalar bounds: much faster than per series
        idx = v.astype(np.intp)
        idx += self._offset
        self.counts[t] += np.bincount(idx.reshape(-1), minlength=self.counts.shape[1]).astype(
            self.counts.dtype
        )

    def merge(self, other: Sketch) -> None:
        self.counts += other.counts
        self.runs += other.runs

    def quantile(self, q: float) -> FloatArray:
        """(O, U, T) quantiles (inverted CDF, linear inside the bin), month by month (the
        cumulative counts of one month at a time: bounded memory)."""
        o, u = self.shape
        t_count = self.counts.shape[0]
        out = np.empty((o, u, t_count))
        target = q * self.runs
        for t in range(t_count):
            cum = np.cumsum(self.counts[t].reshape(o, u, self.slots), axis=-1, dtype=np.int32)
            # first slot whose cumulative count reaches the target
            k = np.argmax(cum >= target - 1e-9, axis=-1)
            at = np.take_along_axis(cum, k[..., None], axis=-1)[..., 0]
            prev = np.take_along_axis(cum, np.maximum(k - 1, 0)[..., None], axis=-1)[..., 0]
            before = np.where(k == 0, 0, prev)
            inbin = at - before
            frac = np.where(inbin > 0, (target - before) / np.where(inbin > 0, inbin, 1), 0.0)
            lo = self.spec.lo[:, :, t]
            w = self.spec.width[:, :, t]
            edge = lo + (k - 1) * w
            frac = np.clip(frac, 0, 1)
            # counts: a whole-number bin [a, a + w) holds a..a+w-1 (width 1 gives a exactly)
            whole = np.maximum(edge + np.ceil(frac * w) - 1.0, edge)
            value = np.where(self.spec.integer[:, None], whole, edge + frac * w)
            value = np.where(k == 0, lo, value)
            value = np.where(k == self.slots - 1, lo + self.spec.bins * w, value)
            out[:, :, t] = np.where(self.spec.sqrt[:, None], value * value, value)
        return out

    def outside(self) -> FloatArray:
        o, u = self.shape
        t = self.counts.shape[0]
        c = self.counts.reshape(t, o, u, self.slots)
        out = (c[..., 0].astype(np.float64) + c[..., -1]) / max(self.runs, 1)
        return np.asarray(np.moveaxis(out, 0, -1), dtype=np.float64)

    def accuracy(self) -> FloatArray:
        """Upper bound of |streamed - exact| per cell: one bin width (0 for whole-number
        bins of width 1), infinite where runs fell outside the range."""
        exact = self.spec.integer[:, None, None] & (self.spec.width == 1.0)
        w = np.where(exact, 0.0, self.spec.width)
        # square-root bins: a bin [s, s + w) in sqrt holds values within 2 s w + w^2
        top = np.sqrt(np.maximum(self.quantile(0.999), 0.0))
        w = np.where(self.spec.sqrt[:, None, None], 2 * top * w + w * w, w)
        return np.asarray(np.where(self.outside() > 0, np.inf, w), dtype=np.float64)

    @staticmethod
    def shape_of(spec: SketchSpec) -> tuple[int, int]:
        o, u, t = spec.lo.shape
        return (t, o * u * (spec.bins + 2))

    @staticmethod
    def size(spec: SketchSpec) -> int:
        """Bytes of the counters of a sketch with this spec."""
        o, u, t = spec.lo.shape
        return int(t * o * u * (spec.bins + 2) * np.dtype(spec.dtype).itemsize)

    @property
    def nbytes(self) -> int:
        return int(self.counts.nbytes)
