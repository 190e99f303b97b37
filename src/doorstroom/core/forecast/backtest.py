"""Backtest: fit on the first years of a history, forecast the rest, compare with what
happened.

:func:`backtest` calibrates on the event log before ``cutoff`` (nothing after it is used),
runs the stochastic projection from ``cutoff`` to ``end`` and compares, per region and month,
the stocks the event log shows at each month end (``calibration.observed_stocks``) with
the forecast:

- **MAPE** of the mean forecast per output (months where the truth is 0 are left out);
- **coverage**: the share of (output, month) cells where the truth lies inside the
  P10-P90 band. An honest band covers the truth about 80% of the time; much less means the
  bands are too narrow (overconfident), much more that they are too wide.

Months are weighted equally; the stocks of one run are correlated over time, so coverage of
one history is a noisy figure (a few percent either way); several regions or cut-off dates
give a better estimate (``benchmarks/forecast.py`` prints one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from doorstroom.core.eventlog import EventLog
from doorstroom.core.forecast.calibration import Calibration, calibrate, observed_stocks
from doorstroom.core.forecast.engine import Projection, RunConfig, project
from doorstroom.core.forecast.model import Area, FloatArray, ForecastError

COMPARED: tuple[str, ...] = (
    "applied",
    "waiting_bw",
    "waiting_bt",
    "waiting_mo",
    "in_bw",
    "in_bt",
    "in_mo",
    "ready",
)


@dataclass(frozen=True)
class BacktestResult:
    cutoff: date
    months: tuple[str, ...]
    regions: tuple[str, ...]
    outputs: tuple[str, ...]
    truth: FloatArray  # (O, R, T)
    mean: FloatArray
    p10: FloatArray
    p90: FloatArray
    mape: dict[str, float]  # per output, all regions
    coverage: dict[str, float]  # per output
    coverage_all: float
    claimed: float
    calibration: Calibration
    projection: Projection

    def table(self) -> list[dict[str, object]]:
        return [
            {"output": o, "mape": round(self.mape[o], 4), "coverage": round(self.coverage[o], 3)}
            for o in self.outputs
        ]


def _month_starts(cutoff: date, months: int) -> list[date]:
    return [
        date(cutoff.year + (cutoff.month - 1 + t) // 12, (cutoff.month - 1 + t) % 12 + 1, 1)
        for t in range(months)
    ]


def backtest(
    log: EventLog,
    area: Area,
    population: Mapping[str, float],
    *,
    cutoff: date,
    months: int,
    fit_years: float = 3.0,
    runs: int = 500,
    seed: int = 1,
    outputs: Sequence[str] = COMPARED,
    groups: tuple[str, ...] = ("18-24", "25+"),
) -> BacktestResult:
    last = _month_starts(cutoff, months)[-1]
    if log.day.size and date.fromordinal(int(log.day.max())) < last:
        raise ForecastError("the event log ends before the end of the backtest")
    cal = calibrate(
        log, area, population, cutoff=cutoff, fit_years=fit_years, months=months, groups=groups
    )
    qs = (0.1, 0.5, 0.9)
    proj = project(
        cal.baseline, config=RunConfig(mode="stochastic", runs=runs, seed=seed, quantiles=qs)
    )
    obs = observed_stocks(log, area, _month_starts(cutoff, months))
    regions = area.region_names
    r_idx = [proj.units.index(r) for r in regions]
    o_idx = [proj.outputs.index(o) for o in outputs]
    truth = np.stack([obs[o] for o in outputs])  # (O, R, T)
    mean = proj.mean[o_idx][:, r_idx]
    p10 = proj.quantiles[0.1][o_idx][:, r_idx]
    p90 = proj.quantiles[0.9][o_idx][:, r_idx]
    inside = (truth >= p10) & (truth <= p90)
    mape: dict[str, float] = {}
    coverage: dict[str, float] = {}
    for i, o in enumerate(outputs):
        nz = truth[i] > 0
        mape[o] = (
            float(np.mean(np.abs(mean[i][nz] - truth[i][nz]) / truth[i][nz])) if nz.any() else 0.0
        )
        coverage[o] = float(inside[i].mean())
    return BacktestResult(
        cutoff=cutoff,
        months=proj.months,
        regions=tuple(regions),
        outputs=tuple(outputs),
        truth=truth,
        mean=mean,
        p10=p10,
        p90=p90,
        mape=mape,
        coverage=coverage,
        coverage_all=float(inside.mean()),
        claimed=0.8,
        calibration=cal,
        projection=proj,
    )
