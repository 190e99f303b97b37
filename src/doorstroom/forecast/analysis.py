"""The capacity planner and the backtest, as run by a forecast job.

The planner is the engine's (``core.forecast.planner.plan_capacity``). The backtest uses the
core's ``backtest`` when the engine branch provides one; until then it is done here with the
same pieces: calibrate on the history up to a cut-off, project the rest in stochastic mode
and compare with what the event log shows (the monitor's stocks per municipality of origin):
MAPE of the stocks (P50 against the truth) and the share of months in which the truth lies
inside the P10-P90 band (claimed: 80%).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import numpy as np

from doorstroom.core import metrics
from doorstroom.core.forecast.engine import RunConfig, project
from doorstroom.core.forecast.model import Baseline
from doorstroom.core.forecast.planner import Target, plan_capacity
from doorstroom.forecast import baseline as bl
from doorstroom.forecast import storage

Progress = Callable[[int, int], None]

# Engine outputs compared with the monitor's stocks: (metric, categories that add up).
BW, MO = ("bw_intramural",), ("mo_night", "mo_24h", "mo_crisis")
BT = ("bt_individual", "bt_cluster", "bt_youth_cluster")
BACKTEST_OUTPUTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "in_bw": (("stock_in_care", BW),),
    "in_bt": (("stock_in_care", BT),),
    "in_mo": (("stock_in_care", MO),),
    "waiting_bw": (("stock_waiting", BW),),
    "waiting_bt": (("stock_waiting", BT), ("stock_waiting_in_care", BT)),
    "waiting_mo": (("stock_waiting", MO),),
}


def capacity_plan(
    run: Any, baseline: Baseline, planned: Sequence[Mapping[str, Any]], progress: Progress | None
) -> dict[str, Any]:
    from doorstroom.forecast.services import BASELINE_NAME, with_planned

    target = run.params["target"]
    if progress is not None:
        progress(0, 1)
    spec = run.scenarios[0] if run.scenarios else {"name": BASELINE_NAME, "changes": []}
    scenario = with_planned(spec, planned)
    goal = Target(
        output=target["output"],
        month=target["month"],
        threshold=float(target["threshold"]),
        probability=float(target["probability"]),
        unit=target.get("unit") or None,
    )
    result = plan_capacity(
        baseline,
        [goal],
        scenario=scenario,
        from_month=target.get("from_month") or None,
        draws=run.runs,
        seed=run.seed,
        verify_runs=int(run.params.get("verify_runs", 0)),
        max_steps=int(run.params.get("max_steps", 60)),
    )
    if progress is not None:
        progress(1, 1)
    return {
        "summary": {
            "target": dict(target),
            "scenario": spec.get("name", ""),
            "start": list(result.start),
            "met": result.met,
            "reason": result.reason,
            "steps": [asdict(s) for s in result.steps],
            "extra_places": [
                {"product": p, "municipality": m, "places": n}
                for (p, m), n in sorted(result.extra_places.items())
            ],
            "extra_cost_per_year": result.extra_cost_per_year,
            "verified": list(result.verified) if result.verified is not None else None,
            "plan_scenario": result.scenario.to_dict(),
        }
    }


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def backtest(run: Any, progress: Progress | None) -> dict[str, Any]:
    from doorstroom.monitor import selectors as monitor

    state = monitor.current()
    spells = state.spells
    region = run.region
    first = spells.first_day or state.as_of
    fit_months = int(run.params["fit_months"])
    y, m = divmod(first.month - 1 + fit_months, 12)
    cut = date(first.year + y, m + 1, 1) - timedelta(days=1)  # last day of the fit period
    last_full = date(state.as_of.year, state.as_of.month, 1) - timedelta(days=1)
    if cut >= last_full:
        raise ValueError("no months left to test")
    calibrated = bl.calibrate_region(region, spells, cut)
    b = calibrated.baseline
    horizon = (last_full.year - b.start_year) * 12 + last_full.month - b.start_month + 1
    b = bl.with_horizon(b, horizon)
    if progress is not None:
        progress(0, 1000)

    def step(fraction: float) -> None:
        if progress is not None:
            progress(round(fraction * 1000), 1000)

    p = project(b, config=RunConfig(mode="stochastic", runs=run.runs, seed=run.seed), progress=step)
    results = storage.results_from([p])
    starts = [date(int(lbl[:4]), int(lbl[5:]), 1) for lbl in results.months]
    months = metrics.Months(tuple(starts), tuple(_month_end(s) for s in starts), last_full)
    figures = metrics.compute(
        spells,
        months,
        metrics.Filters(regions=frozenset({region.slug})),
        metrics=["stock_in_care", "stock_waiting", "stock_waiting_in_care"],
    )
    units = [*list(b.area.codes), b.area.region_names[0]]
    truth: dict[str, list[list[float]]] = {}
    scores: dict[str, dict[str, float | None]] = {}
    for output, parts in BACKTEST_OUTPUTS.items():
        rows = []
        for unit in units:
            code = "" if unit == b.area.region_names[0] else unit
            series = np.zeros(len(starts))
            for metric, categories in parts:
                for category in categories:
                    values = figures.series(metric, municipality=code, category=category)
                    series += np.array([v or 0.0 for v in values])
            rows.append(series.tolist())
        truth[output] = rows
        scores[output] = _scores(results, output, units, np.array(rows))
    return {
        "result": storage.results_to_bytes(results),
        "summary": {
            "cut": cut.isoformat(),
            "fit_window": calibrated.summary["window"],
            "first": results.months[0],
            "last": results.months[-1],
            "units": units,
            "truth": truth,
            "scores": scores,
            "coverage": _overall(scores, "coverage"),
            "mape": _overall(scores, "mape"),
        },
    }


def _scores(
    results: storage.Results,
    output: str,
    units: Sequence[str],
    truth: np.ndarray,
) -> dict[str, float | None]:
    o = results.outputs.index(output)
    idx = [results.units.index(u) for u in units]
    p10, p50, p90 = (getattr(results, k)[0, o][idx] for k in ("p10", "p50", "p90"))
    region = len(units) - 1
    positive = truth[region] > 0
    mape = (
        float(
            np.mean(
                np.abs(p50[region][positive] - truth[region][positive]) / truth[region][positive]
            )
        )
        if positive.any()
        else None
    )
    inside = (truth >= np.floor(p10)) & (truth <= np.ceil(p90))
    return {
        "mape": mape,
        "coverage": float(inside.mean()),
        "coverage_region": float(inside[region].mean()),
        "cells": int(inside.size),
    }


def _overall(scores: Mapping[str, Mapping[str, float | None]], key: str) -> float | None:
    values = [s[key] for s in scores.values() if s[key] is not None]
    return float(np.mean(values)) if values else None  # type: ignore[arg-type]
