"""Capacity planner: the places per product and municipality needed to meet waiting-time
targets, cheapest first, with what each step buys.

A target says: at month ``month``, the output (a waiting time ``wait_bw``/``wait_bt``/
``wait_mo`` in months, or a waiting list) must be at most ``threshold`` with probability
``probability`` (for example: waiting time for BW under 3 months with 90% probability by
2030-12), for one unit (a municipality or a region) or for every municipality and region.
"With probability 0.9" is read as: the 0.9-quantile over the parameter draws is at most
the threshold. Waiting time is the engine's Little's-law figure (queue / departures,
smoothed over about half a year; see ``engine``).

Search (greedy marginal benefit per euro): start from the scenario; at each step every
candidate adds a block of places (5% of its pool's places, at least 1): for a regional pool
(BW, MO) one candidate per region, placed in its cheapest municipality (the pool is shared,
so only the price depends on where); for a municipal pool (BT) one per municipality. All
candidates are evaluated at once in one expected-value batch with the same parameter draws
(common random numbers, so differences between candidates are not noise). A candidate that
wins twice in a row takes a doubled block next time (at most 8x the base block). The candidate
with the largest reduction of the total excess ``sum(max(0, quantile - threshold))`` per
euro of yearly cost (places x price per day x 365) is taken; the search stops when all
targets are met, when no candidate helps (then places alone cannot meet the target, e.g.
homes are missing) or after ``max_steps``. Greedy is not guaranteed optimal, but each step is
the best value for money given the earlier steps, which is what a policy advisor reads.
The result is checked with the stochastic mode (process noise as well): ``verified``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from doorstroom.core.forecast.engine import (
    OUTPUTS,
    RunConfig,
    UnitBuffer,
    _Units,
    compile_batch,
    draw_parameters,
    project,
    run_batch,
    stream,
    tile_draws,
)
from doorstroom.core.forecast.model import PRODUCTS, Baseline, FloatArray, ForecastError
from doorstroom.core.forecast.scenario import BASELINE, PlacesChange, Scenario, plan


@dataclass(frozen=True, slots=True)
class Target:
    output: str
    month: str
    threshold: float
    probability: float = 0.9
    unit: str | None = None  # municipality code or region name; None: every unit


@dataclass(frozen=True, slots=True)
class Step:
    """One greedy step: ``places`` more of ``product`` in ``municipality`` from
    ``from_month``, costing ``cost_per_year`` euros, moving the targets' quantiles (the
    worst unit of each target) from ``before`` to ``after``."""

    product: str
    municipality: str
    places: int
    cost_per_year: float
    before: tuple[float, ...]
    after: tuple[float, ...]
    met: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    targets: tuple[Target, ...]
    steps: tuple[Step, ...]
    start: tuple[float, ...]  # the targets' quantiles (worst unit) without extra places
    met: bool
    reason: str  # "met", "no candidate helps", "step limit"
    extra_places: dict[tuple[str, str], int]
    extra_cost_per_year: float
    scenario: Scenario
    verified: tuple[float, ...] | None  # stochastic mode: the targets' quantiles (worst unit)

    def summary(self) -> list[dict[str, object]]:
        return [
            {
                "step": i + 1,
                "product": s.product,
                "municipality": s.municipality,
                "places": s.places,
                "cost_per_year": round(s.cost_per_year),
                "before": [round(v, 2) for v in s.before],
                "after": [round(v, 2) for v in s.after],
            }
            for i, s in enumerate(self.steps)
        ]


def _candidates(
    b: Baseline, extra: FloatArray, step: float, boost: dict[tuple[int, int], int] | None = None
) -> list[tuple[int, int, int]]:
    """(product, municipality, places) for each candidate block; ``boost`` multiplies the
    block of a candidate that won the previous steps."""
    boost = boost or {}
    out: list[tuple[int, int, int]] = []
    region = np.asarray(b.area.region)
    for p_i in range(len(PRODUCTS)):
        places = b.places[p_i] + extra[p_i]
        if b.pooling[p_i] == "region":
            for r in range(len(b.area.region_names)):
                members = np.flatnonzero(region == r)
                price = b.price_per_day[p_i, members]
                # cheapest; among equals the one with most places already
                order = np.lexsort((-places[members], price))
                where = int(members[order[0]])
                size = max(1, round(step * float(places[members].sum())))
                out.append((p_i, where, size * boost.get((p_i, where), 1)))
        else:
            for m in range(b.area.size):
                size = max(1, round(step * float(places[m])))
                out.append((p_i, m, size * boost.get((p_i, m), 1)))
    return out


class _Evaluator:
    """Target quantiles for many capacity variants in one expected-value batch."""

    def __init__(
        self,
        b: Baseline,
        scenario: Scenario,
        targets: Sequence[Target],
        draws: int,
        seed: int,
        start: int,
    ) -> None:
        self.targets = tuple(targets)
        self.months = [b.month_index(t.month) for t in targets]
        if min(self.months) < 0 or max(self.months) >= b.months:
            raise ForecastError("a target month lies outside the horizon")
        self.b = replace(b, months=max(self.months) + 1)
        self.plan = plan(self.b, scenario)
        self.units = _Units(self.b)
        self.draws = draw_parameters(self.b, draws, stream(seed, 1, 0), fixed=False)
        self.n = draws
        self.start = start
        self.rows: list[tuple[int, list[int]]] = []
        for t in self.targets:
            if t.output not in OUTPUTS:
                raise ForecastError(f"unknown output {t.output!r}")
            if t.unit is None:
                idx = list(range(self.units.count))
            elif t.unit in self.units.names:
                idx = [self.units.names.index(t.unit)]
            else:
                raise ForecastError(f"unknown unit {t.unit!r}")
            self.rows.append((OUTPUTS.index(t.output), idx))

    def __call__(self, variants: Sequence[FloatArray]) -> FloatArray:
        """(variants, targets): per target the worst unit's probability-quantile."""
        k = len(variants)
        d = tile_draws(self.draws, k)
        comp = compile_batch(self.plan, d, stochastic=False)
        extra = np.stack(variants, axis=-1)  # (P, M, K)
        comp.extra_places = np.repeat(extra, self.n, axis=-1)
        comp.extra_from = self.start
        shape = (len(OUTPUTS), self.units.count, self.b.months)
        buf = UnitBuffer(np.arange(self.units.count), shape, k * self.n)
        run_batch(comp, stochastic=False, rng=None, sampler=None, collectors=[buf])
        res = np.zeros((k, len(self.targets)))
        for j, (t, month, (o, idx)) in enumerate(
            zip(self.targets, self.months, self.rows, strict=True)
        ):
            vals = buf.values[o, idx, month, :].reshape(len(idx), k, self.n)
            q = np.quantile(vals, t.probability, axis=-1, method="inverted_cdf")  # (units, K)
            res[:, j] = q.max(axis=0)
        return res


def _excess(values: FloatArray, targets: Sequence[Target]) -> FloatArray:
    thr = np.array([t.threshold for t in targets])
    return np.asarray(np.maximum(values - thr, 0.0).sum(axis=-1), dtype=np.float64)


def plan_capacity(
    baseline: Baseline,
    targets: Sequence[Target],
    *,
    scenario: Scenario = BASELINE,
    from_month: str | None = None,
    draws: int = 100,
    step: float = 0.05,
    max_steps: int = 60,
    seed: int = 1,
    verify_runs: int = 0,
    rounds: int = 4,
) -> CapacityPlan:
    """Greedy search for the places needed to meet ``targets`` (see the module doc).

    With ``verify_runs`` the plan is checked in stochastic mode; when process noise pushes
    a quantile over its threshold, the search continues from the plan with thresholds
    tightened by the observed excess (at most ``rounds`` times)."""
    if not targets:
        raise ForecastError("give at least one target")
    start = 0 if from_month is None else max(baseline.month_index(from_month), 0)
    ev = _Evaluator(baseline, scenario, targets, draws, seed, start)
    b = ev.b
    extra = np.zeros_like(b.places, dtype=np.float64)
    current = ev([extra])[0]
    first = tuple(float(v) for v in current)
    steps: list[Step] = []
    goal = np.array([t.threshold for t in targets])
    thr = goal.copy()
    reason = "step limit"
    verified: tuple[float, ...] | None = None
    month = b.month_label(start)
    result_scenario = scenario
    for _round in range(max(rounds, 1)):
        reason = _greedy(ev, b, targets, thr, step, max_steps - len(steps), extra, current, steps)
        if steps:
            extra = _extra_of(b, steps)
            current = np.array(steps[-1].after)
        result_scenario = _scenario_of(scenario, steps, month)
        if not verify_runs or reason != "met":
            break
        verified = _verify(b, result_scenario, targets, verify_runs, seed)
        over = np.array(verified) - goal
        if np.all(over <= 0):
            break
        thr = np.minimum(thr, thr - np.maximum(over, 0.0) - 0.05 * goal)
        reason = "step limit"
    added: dict[tuple[str, str], int] = {}
    for s in steps:
        added[(s.product, s.municipality)] = added.get((s.product, s.municipality), 0) + s.places
    met = reason == "met" and (verified is None or bool(np.all(np.array(verified) <= goal)))
    return CapacityPlan(
        targets=tuple(targets),
        steps=tuple(steps),
        start=first,
        met=met,
        reason=reason,
        extra_places=added,
        extra_cost_per_year=float(sum(s.cost_per_year for s in steps)),
        scenario=result_scenario,
        verified=verified,
    )


def _greedy(
    ev: _Evaluator,
    b: Baseline,
    targets: Sequence[Target],
    thr: FloatArray,
    step: float,
    max_steps: int,
    extra: FloatArray,
    current: FloatArray,
    steps: list[Step],
) -> str:
    tight = [replace(t, threshold=float(v)) for t, v in zip(targets, thr, strict=True)]
    boost: dict[tuple[int, int], int] = {}
    last: tuple[int, int] | None = None
    for _ in range(max_steps):
        if np.all(current <= thr):
            return "met"
        cands = _candidates(b, extra, step, boost)
        variants = []
        for p_i, m, size in cands:
            v = extra.copy()
            v[p_i, m] += size
            variants.append(v)
        values = ev(variants)
        gain = _excess(current, tight) - _excess(values, tight)
        cost = np.array([size * b.price_per_day[p_i, m] * 365.0 for p_i, m, size in cands])
        if not np.any(gain > 1e-9):
            return "no candidate helps"
        best = int(np.argmax(np.where(gain > 1e-9, gain / cost, -np.inf)))
        p_i, m, size = cands[best]
        # a candidate that wins twice in a row takes twice the block next time (at most 8x):
        # a large shortfall needs few steps, each still the best value per euro
        key = (p_i, m)
        boost[key] = min(boost.get(key, 1) * 2, 8) if last == key else boost.get(key, 1)
        last = key
        extra = variants[best]
        after = values[best]
        steps.append(
            Step(
                product=PRODUCTS[p_i].value,
                municipality=b.area.codes[m],
                places=size,
                cost_per_year=float(cost[best]),
                before=tuple(float(v) for v in current),
                after=tuple(float(v) for v in after),
                met=tuple(bool(v <= t.threshold) for v, t in zip(after, targets, strict=True)),
            )
        )
        current = after
    return "met" if np.all(current <= thr) else "step limit"


def _extra_of(b: Baseline, steps: Sequence[Step]) -> FloatArray:
    extra = np.zeros_like(b.places, dtype=np.float64)
    names = [p.value for p in PRODUCTS]
    for s in steps:
        extra[names.index(s.product), b.area.index(s.municipality)] += s.places
    return extra


def _scenario_of(scenario: Scenario, steps: Sequence[Step], month: str) -> Scenario:
    added: dict[tuple[str, str], int] = {}
    for s in steps:
        added[(s.product, s.municipality)] = added.get((s.product, s.municipality), 0) + s.places
    changes = tuple(PlacesChange(p, m, month, n) for (p, m), n in added.items())
    return scenario.with_changes(*changes, name=f"{scenario.name} + capacity plan")


def _verify(
    b: Baseline, scenario: Scenario, targets: Sequence[Target], runs: int, seed: int
) -> tuple[float, ...]:
    """The targets' quantiles (worst unit) in stochastic mode (process noise included)."""
    out = []
    for t in targets:
        p = project(
            b,
            scenario,
            RunConfig(mode="stochastic", runs=runs, seed=seed, quantiles=(t.probability,)),
        )
        o = p.outputs.index(t.output)
        month = b.month_index(t.month)
        idx = list(range(len(p.units))) if t.unit is None else [p.units.index(t.unit)]
        out.append(float(p.quantiles[t.probability][o, idx, month].max()))
    return tuple(out)
