"""The capacity planner: greedy per euro, each step buys something, targets met."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from doorstroom.core.forecast import demo
from doorstroom.core.forecast.engine import RunConfig, project
from doorstroom.core.forecast.model import Baseline, ForecastError
from doorstroom.core.forecast.planner import Target, plan_capacity
from doorstroom.core.forecast.scenario import InflowChange, Scenario

AREA = demo.area_of(
    [("Testregio", [("GM0001", "Centrum"), ("GM0002", "Midden"), ("GM0003", "Klein")])]
)


@functools.cache
def crowded() -> Baseline:
    """A region whose waiting times grow: more applications from the start."""
    return demo.demo_baseline(AREA, [80_000, 30_000, 15_000], months=36, burn_in=60)


GROWTH = Scenario("growth", (InflowChange(1.5, "2026-01"),))


def test_the_plan_meets_the_targets_and_every_step_buys_something() -> None:
    b = crowded()
    targets = [
        Target("wait_bw", b.month_label(35), 1.5, 0.9, unit="Testregio"),
        Target("wait_bt", b.month_label(35), 2.0, 0.9, unit="GM0002"),
    ]
    res = plan_capacity(b, targets, scenario=GROWTH, draws=60, max_steps=40)
    assert res.start[0] > 1.5  # the target was not met without extra places
    assert res.met
    assert res.reason == "met"
    assert res.steps
    for s in res.steps:
        assert s.cost_per_year > 0
        assert s.places >= 1
        # each step lowers the total excess over the thresholds
        excess_before = sum(max(v - t.threshold, 0) for v, t in zip(s.before, targets, strict=True))
        excess_after = sum(max(v - t.threshold, 0) for v, t in zip(s.after, targets, strict=True))
        assert excess_after < excess_before
    assert all(v <= t.threshold + 1e-9 for v, t in zip(res.steps[-1].after, targets, strict=True))
    assert sum(res.extra_places.values()) == sum(s.places for s in res.steps)
    assert res.extra_cost_per_year == pytest.approx(sum(s.cost_per_year for s in res.steps))
    # the resulting scenario, run on its own, meets the targets in expected-value mode
    p = project(b, res.scenario, RunConfig(mode="expected", runs=60, bands="all", quantiles=(0.9,)))
    o = p.outputs.index("wait_bw")
    assert p.quantiles[0.9][o, p.units.index("Testregio"), 35] <= 1.5 + 0.05
    assert len(res.summary()) == len(res.steps)


def test_a_target_that_is_already_met_needs_nothing() -> None:
    b = crowded()
    res = plan_capacity(b, [Target("wait_mo", b.month_label(20), 24.0, 0.9)], draws=30)
    assert res.met
    assert res.steps == ()
    assert res.extra_cost_per_year == 0


def test_cheapest_first() -> None:
    """BT places in the centre are used when they are as cheap as elsewhere; when they cost
    ten times as much, the planner buys BT elsewhere."""
    from dataclasses import replace

    b = crowded()
    target = [Target("wait_bt", b.month_label(35), 1.0, 0.9, unit="Testregio")]
    normal = plan_capacity(b, target, scenario=GROWTH, draws=40, max_steps=8)
    price = b.price_per_day.copy()
    price[1, 0] *= 10  # BT in the centre (GM0001) is ten times dearer
    dear = plan_capacity(
        replace(b, price_per_day=price), target, scenario=GROWTH, draws=40, max_steps=8
    )
    assert "GM0001" in {s.municipality for s in normal.steps}
    assert "GM0001" not in {s.municipality for s in dear.steps}
    assert dear.extra_cost_per_year <= normal.extra_cost_per_year * 1.5


def test_verification_in_stochastic_mode() -> None:
    b = crowded()
    target = [Target("wait_bw", b.month_label(35), 1.5, 0.9, unit="Testregio")]
    res = plan_capacity(
        b, target, scenario=GROWTH, draws=40, max_steps=40, verify_runs=150, rounds=3
    )
    assert res.verified is not None
    assert len(res.verified) == 1
    if res.met:
        assert res.verified[0] <= 1.5
    assert np.isfinite(res.verified[0])


def test_bad_targets_are_refused() -> None:
    b = crowded()
    with pytest.raises(ForecastError):
        plan_capacity(b, [])
    with pytest.raises(ForecastError):
        plan_capacity(b, [Target("wait_xx", b.month_label(3), 1.0)], draws=5)
    with pytest.raises(ForecastError):
        plan_capacity(b, [Target("wait_bw", "2099-01", 1.0)], draws=5)
    with pytest.raises(ForecastError):
        plan_capacity(b, [Target("wait_bw", b.month_label(3), 1.0, unit="nowhere")], draws=5)
