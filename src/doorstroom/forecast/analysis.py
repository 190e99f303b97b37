"""The capacity planner and the backtest, as run by a forecast job.

Both are the engine's (``core.forecast.planner.plan_capacity``, ``core.forecast.backtest``);
this module feeds them the region's baseline and event log and keeps what the pages show
(JSON on the run).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

import numpy as np

from doorstroom.core.forecast.backtest import backtest as core_backtest
from doorstroom.core.forecast.model import Baseline
from doorstroom.core.forecast.planner import Target, plan_capacity
from doorstroom.forecast import baseline as bl

Progress = Callable[[int, int], None]


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


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def backtest(run: Any, progress: Progress | None) -> dict[str, Any]:
    """The engine's backtest on the region's event log: forecast the last ``test_months``
    whole months from a calibration on (at most three years of) the history before them,
    and compare with the event log's stocks (region totals)."""
    from django.utils import timezone

    from doorstroom.journey.eventlog import event_log_load

    region = run.region
    if progress is not None:
        progress(0, 1)
    log = event_log_load(region_ids=[region.pk])
    if not len(log):
        raise ValueError("the region has no history")
    first = date.fromordinal(int(log.day.min()))
    this_month = bl.cutoff_of(timezone.localdate())
    months = int(run.params["test_months"])
    y, m = divmod(this_month.month - 1 - months, 12)
    cutoff = date(this_month.year + y, m + 1, 1)
    history = _months_between(first, cutoff)
    if history < 12:
        raise ValueError("less than a year of history before the test")
    area = bl.region_area(region)
    pops = bl.populations(region)
    growth = bl.observed_growth(pops)
    result = core_backtest(
        log,
        area,
        bl.population_now(area, pops, cutoff.year, growth),
        cutoff=cutoff,
        months=months,
        fit_years=min(bl.FIT_YEARS, history / 12),
        runs=run.runs,
        seed=run.seed,
        groups=bl.GROUPS,
    )
    if progress is not None:
        progress(1, 1)

    def rows(a: Any) -> dict[str, list[float]]:
        return {o: [float(v) for v in a[i, 0]] for i, o in enumerate(result.outputs)}

    p50 = result.projection.quantiles.get(0.5)
    r = result.projection.units.index(result.regions[0])
    median = (
        {o: [float(v) for v in p50[result.projection.outputs.index(o), r]] for o in result.outputs}
        if p50 is not None
        else rows(result.mean)
    )
    return {
        "summary": {
            "cut": cutoff.isoformat(),
            "fit_window": [result.calibration.fit_start.isoformat(), cutoff.isoformat()],
            "months": list(result.months),
            "first": result.months[0],
            "last": result.months[-1],
            "outputs": list(result.outputs),
            "truth": rows(result.truth),
            "mean": rows(result.mean),
            "p50": median,
            "p10": rows(result.p10),
            "p90": rows(result.p90),
            "mape": dict(result.mape),
            "coverage_by_output": dict(result.coverage),
            "coverage": result.coverage_all,
            "claimed": result.claimed,
            "mape_mean": float(np.mean(list(result.mape.values()))),
            "mape_in_care": float(
                np.mean([result.mape[o] for o in ("in_bw", "in_bt", "in_mo") if o in result.mape])
            ),
        }
    }
