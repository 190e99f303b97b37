"""Streamed quantiles: per (month, output, unit) a fixed histogram over the runs.

Paths are never kept: every batch of runs adds its month-by-month values to histograms of
``bins`` equal bins between ``lo`` and ``lo + bins * width`` (plus one bin below and one
above), and sketches of several batches or threads add up (they are mergeable). Memory is
``months x outputs x units x (bins + 2)`` counters (uint16 up to 65,535 runs), whatever the
number of runs.

Accuracy: a quantile is read as the value at which the cumulative count reaches
``q x runs`` (the inverted-CDF definition), interpolating linearly inside its bin, so it is
within one bin ``width`` of the exact sample quantile. For counts the bins are whole numbers
wide and start at whole numbers; when the width is 1 the quantile is exact (equal to
``numpy.quantile(..., method="inverted_cdf")``). Ranges come from a pilot (expected-value
paths of the parameter draws) widened for process noise; ``outside()`` reports the share of
runs that fell outside the range (a quantile that lands there is reported as the range edge
and ``accuracy()`` is then infinite for that cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SketchSpec:
    lo: FloatArray  # (O, U, T)
    width: FloatArray  # (O, U, T)
    bins: int
    integer: npt.NDArray[np.bool_]  # (O,): whole-number outputs (counts)
    dtype: type[np.uint16] | type[np.uint32]

    @classmethod
    def from_range(
        cls, lo: FloatArray, hi: FloatArray, kinds: Sequence[str], *, bins: int, runs: int
    ) -> SketchSpec:
        """Ranges from pilot extremes ``lo``/``hi`` (O, U, T): counts get ±(50% of the
        spread + 4 sd of Poisson noise + 10); waiting times [0, max(2 hi + 6, 24)]; costs
        ±(50% of the spread + 25%)."""
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
                high = np.maximum(2 * b + 6, 24.0)
                width = (high - low) / bins
            else:
                low = np.maximum(a - 0.5 * s - 0.25 * a, 0)
                high = b + 0.5 * s + 0.25 * b + 1.0
                width = (high - low) / bins
            out_lo[o] = low
            out_w[o] = width
        dtype = np.uint16 if runs < 65_535 else np.uint32
        integer = np.array([k == "count" for k in kinds], dtype=bool)
        return cls(out_lo, out_w, bins, integer, dtype)


class Sketch:
    """Histograms for all (month, output, unit); ``add`` one month of a batch at a time."""

    def __init__(self, spec: SketchSpec | None, batch: int = 0) -> None:
        if spec is None:
            raise ValueError("a sketch needs a spec")
        self.spec = spec
        o, u, t = spec.lo.shape
        self.shape = (o, u)
        self.slots = spec.bins + 2
        self.counts = np.zeros((t, o * u * self.slots), dtype=spec.dtype)
        self.runs = 0
        self._inv = (1.0 / spec.width).astype(np.float32)
        self._shift = (1.0 - spec.lo / spec.width).astype(np.float32)  # +1: underflow bin
        self._offset = (np.arange(o * u, dtype=np.int32) * self.slots).reshape(o, u, 1)

    def add(self, t: int, values: npt.NDArray[np.float32]) -> None:
        """``values`` (O, U, B): one month of a batch of B runs."""
        if t == 0:
            self.runs += values.shape[-1]
        v = values * self._inv[:, :, t, None] + self._shift[:, :, t, None]
        np.clip(v, 0, self.slots - 1, out=v)
        idx = v.astype(np.int32) + self._offset
        self.counts[t] += np.bincount(idx.reshape(-1), minlength=self.counts.shape[1]).astype(
            self.counts.dtype
        )

    def merge(self, other: Sketch) -> None:
        self.counts += other.counts
        self.runs += other.runs

    def _cum(self) -> npt.NDArray[np.int64]:
        o, u = self.shape
        t = self.counts.shape[0]
        c = self.counts.reshape(t, o, u, self.slots).astype(np.int64)
        return np.cumsum(c, axis=-1)

    def quantile(self, q: float) -> FloatArray:
        """(O, U, T) quantiles (inverted CDF, linear inside the bin)."""
        cum = self._cum()
        target = q * self.runs
        # first slot whose cumulative count reaches the target
        k = np.argmax(cum >= target - 1e-9, axis=-1)
        before = np.take_along_axis(cum, np.maximum(k - 1, 0)[..., None], axis=-1)[..., 0]
        before = np.where(k == 0, 0, before)
        inbin = np.take_along_axis(cum, k[..., None], axis=-1)[..., 0] - before
        frac = np.where(inbin > 0, (target - before) / np.where(inbin > 0, inbin, 1), 0.0)
        lo = np.moveaxis(self.spec.lo, -1, 0)
        w = np.moveaxis(self.spec.width, -1, 0)
        edge = lo + (k - 1) * w
        frac = np.clip(frac, 0, 1)
        # counts: a whole-number bin [a, a + w) holds a..a+w-1 (width 1 gives a exactly)
        whole = np.maximum(edge + np.ceil(frac * w) - 1.0, edge)
        integer = self.spec.integer[None, :, None]
        value = np.where(integer, whole, edge + frac * w)
        value = np.where(k == 0, lo, value)
        value = np.where(k == self.slots - 1, lo + self.spec.bins * w, value)
        return np.asarray(np.moveaxis(value, 0, -1), dtype=np.float64)

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
        return np.asarray(np.where(self.outside() > 0, np.inf, w), dtype=np.float64)

    @property
    def nbytes(self) -> int:
        return int(self.counts.nbytes)
