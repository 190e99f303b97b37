"""Compact bytes for what the forecast stores: a calibrated baseline (the run's input) and
the results of a run (means and P10/P50/P90 per scenario, output, unit and month; never
paths). Both are compressed numpy archives with a JSON header, read without pickle."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from doorstroom.core.forecast.engine import Projection
from doorstroom.core.forecast.model import Area, Baseline, Proportions, Rate

F32 = npt.NDArray[np.float32]
QUANTILES = (0.1, 0.5, 0.9)
Q_KEYS = ("p10", "p50", "p90")


def _pack(header: dict[str, Any], arrays: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    meta = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez_compressed(out, __header__=meta, **arrays)
    return out.getvalue()


def _unpack(data: bytes) -> tuple[dict[str, Any], Any]:
    archive = np.load(io.BytesIO(data), allow_pickle=False)
    header = json.loads(bytes(archive["__header__"]).decode())
    return header, archive


# ------------------------------------------------------------------ baseline
def baseline_to_bytes(b: Baseline) -> bytes:
    header = {
        "codes": list(b.area.codes),
        "names": list(b.area.names),
        "region": list(b.area.region),
        "region_names": list(b.area.region_names),
        "groups": list(b.groups),
        "start_year": b.start_year,
        "start_month": b.start_month,
        "months": b.months,
        "pooling": list(b.pooling),
        "funding": list(b.funding),
        "youth_group": b.youth_group,
        "utilization": list(b.utilization),
        "outcomes": sorted(b.outcomes),
        "meta": dict(b.meta),
    }
    arrays: dict[str, Any] = {
        "initial": b.initial,
        "population": b.population,
        "inflow_mean": b.inflow.mean,
        "inflow_log_sd": b.inflow.log_sd,
        "trend_mean": b.inflow_trend.mean,
        "trend_log_sd": b.inflow_trend.log_sd,
        "places": b.places,
        "homes": b.homes,
        "price_per_day": b.price_per_day,
    }
    for comp, prop in b.outcomes.items():
        arrays[f"o_{comp}_mean"] = prop.mean
        arrays[f"o_{comp}_conc"] = prop.concentration
    return _pack(header, arrays)


def baseline_from_bytes(data: bytes) -> Baseline:
    h, a = _unpack(data)
    return Baseline(
        area=Area(
            tuple(h["codes"]), tuple(h["names"]), tuple(h["region"]), tuple(h["region_names"])
        ),
        groups=tuple(h["groups"]),
        start_year=int(h["start_year"]),
        start_month=int(h["start_month"]),
        months=int(h["months"]),
        initial=a["initial"],
        population=a["population"],
        inflow=Rate(a["inflow_mean"], a["inflow_log_sd"]),
        inflow_trend=Rate(a["trend_mean"], a["trend_log_sd"]),
        outcomes={c: Proportions(a[f"o_{c}_mean"], a[f"o_{c}_conc"]) for c in h["outcomes"]},
        places=a["places"],
        pooling=tuple(h["pooling"]),
        homes=a["homes"],
        price_per_day=a["price_per_day"],
        funding=tuple(h["funding"]),
        youth_group=h["youth_group"],
        utilization=tuple(h.get("utilization", (1.0, 1.0, 1.0))),
        meta=h["meta"],
    )


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class Results:
    """A run's results: per scenario (baseline first) the mean and the P10/P50/P90 over
    the runs, arrays ``(S, O, U, T)``; NaN where a quantile was not computed."""

    scenarios: tuple[str, ...]
    outputs: tuple[str, ...]
    units: tuple[str, ...]
    months: tuple[str, ...]
    mode: str
    runs: int
    seed: int
    mean: F32
    p10: F32
    p50: F32
    p90: F32

    def index(self, scenario: int, output: str, unit: str) -> tuple[int, int, int]:
        return scenario, self.outputs.index(output), self.units.index(unit)

    def series(self, scenario: int, output: str, unit: str) -> dict[str, F32]:
        s, o, u = self.index(scenario, output, unit)
        return {
            "mean": self.mean[s, o, u],
            "p10": self.p10[s, o, u],
            "p50": self.p50[s, o, u],
            "p90": self.p90[s, o, u],
        }

    @property
    def years(self) -> list[int]:
        return sorted({int(m[:4]) for m in self.months})


def results_from(projections: Sequence[Projection]) -> Results:
    first = projections[0]

    def stack(get: Any) -> F32:
        return np.stack([get(p) for p in projections]).astype(np.float32)

    def q(p: Projection, level: float) -> Any:
        return p.quantiles.get(level, np.full_like(p.mean, np.nan))

    return Results(
        scenarios=tuple(p.scenario for p in projections),
        outputs=tuple(first.outputs),
        units=tuple(first.units),
        months=tuple(first.months),
        mode=first.mode,
        runs=first.runs,
        seed=first.seed,
        mean=stack(lambda p: p.mean),
        p10=stack(lambda p: q(p, 0.1)),
        p50=stack(lambda p: q(p, 0.5)),
        p90=stack(lambda p: q(p, 0.9)),
    )


def results_to_bytes(r: Results) -> bytes:
    header = {
        "scenarios": list(r.scenarios),
        "outputs": list(r.outputs),
        "units": list(r.units),
        "months": list(r.months),
        "mode": r.mode,
        "runs": r.runs,
        "seed": r.seed,
    }
    return _pack(header, {"mean": r.mean, "p10": r.p10, "p50": r.p50, "p90": r.p90})


def results_from_bytes(data: bytes) -> Results:
    h, a = _unpack(data)
    return Results(
        scenarios=tuple(h["scenarios"]),
        outputs=tuple(h["outputs"]),
        units=tuple(h["units"]),
        months=tuple(h["months"]),
        mode=h["mode"],
        runs=int(h["runs"]),
        seed=int(h["seed"]),
        mean=a["mean"],
        p10=a["p10"],
        p50=a["p50"],
        p90=a["p90"],
    )
