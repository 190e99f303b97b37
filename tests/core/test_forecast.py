"""The projection engine: conservation, capacity, queues, scenarios, reproducibility,
common random numbers, expected value vs stochastic mean, streamed quantiles."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest

from doorstroom.core.forecast import demo
from doorstroom.core.forecast.engine import (
    EDGES,
    OUTPUTS,
    MonthView,
    RunConfig,
    compile_batch,
    draw_parameters,
    project,
    run_batch,
    stream,
)
from doorstroom.core.forecast.model import (
    C_INDEX,
    COMPARTMENTS,
    OCCUPYING,
    PRODUCTS,
    Baseline,
    ForecastError,
)
from doorstroom.core.forecast.sampler import Sampler
from doorstroom.core.forecast.scenario import (
    BASELINE,
    AssessmentChange,
    HomesChange,
    InflowChange,
    PlacesChange,
    Scenario,
    plan,
)

AREA = demo.area_of(
    [("Testregio", [("GM0001", "Centrum"), ("GM0002", "Midden"), ("GM0003", "Klein")])]
)
POP = [60_000, 25_000, 12_000]


@functools.cache
def base(months: int = 36, groups: tuple[str, ...] = demo.GROUPS) -> Baseline:
    return demo.demo_baseline(AREA, POP, months=months, groups=groups, burn_in=60)


def inspect_months(
    b: Baseline, scenario: Scenario = BASELINE, *, runs: int = 64, stochastic: bool = True
) -> list[MonthView]:
    pl = plan(b, scenario)
    draws = draw_parameters(b, runs, stream(3, 1, 0), fixed=False)
    comp = compile_batch(pl, draws, stochastic=stochastic)
    m, g = b.shape
    views: list[MonthView] = []
    run_batch(
        comp,
        stochastic=stochastic,
        rng=stream(3, 2, 0) if stochastic else None,
        sampler=Sampler(16 * runs * m * g) if stochastic else None,
        inspect=views.append,
    )
    return views


EXIT_EDGES = [i for i, e in enumerate(EDGES) if e.dst < 0]


@pytest.mark.parametrize("stochastic", [True, False])
def test_people_are_neither_created_nor_lost(stochastic: bool) -> None:
    b = base()
    views = inspect_months(b, stochastic=stochastic)
    before = np.broadcast_to(b.initial.sum(axis=(0, 2))[:, None], (b.shape[0], 64)).astype(
        np.float64
    )  # (M, B)
    cum_in = np.zeros_like(before)
    cum_out = np.zeros_like(before)
    for v in views:
        cum_in += v.inflow.sum(axis=0)
        cum_out += v.flows[EXIT_EDGES].sum(axis=(0, 1)) + v.homes.sum(axis=(0, 1))
        stocks = v.state.sum(axis=(0, 1))
        # stocks + cumulative outflow = initial + cumulative inflow, per municipality and run
        np.testing.assert_allclose(stocks + cum_out, before + cum_in, rtol=1e-5, atol=1e-3)
        assert v.state.min() >= (0 if stochastic else -1e-4)
        if stochastic:
            assert np.all(v.state == np.round(v.state))  # whole people
    assert cum_in.sum() > 100
    assert cum_out.sum() > 100


def occupancy(v: MonthView, product: int) -> np.ndarray:
    rows = [C_INDEX[c] for c in OCCUPYING[PRODUCTS[product]]]
    return v.state[rows].sum(axis=(0, 1))  # (M, B)


def test_capacity_is_never_exceeded_by_placements() -> None:
    b = base()
    close = PlacesChange("bw", "GM0001", b.month_label(6), -20)
    views = inspect_months(b, Scenario("close", (close,)))
    pl = plan(b, Scenario("close", (close,)))
    placed_any = False
    for v in views:
        for p_i, prod in enumerate(PRODUCTS):
            occ = occupancy(v, p_i)
            placed = v.placed[p_i].sum(axis=0)
            if b.pooling[p_i] == "region":
                occ, placed = occ.sum(axis=0, keepdims=True), placed.sum(axis=0, keepdims=True)
                cap = pl.places[p_i, :, v.t].sum(keepdims=True)
            else:
                cap = pl.places[p_i, :, v.t]
            # where anyone was placed this month, the pool is within its places afterwards
            assert np.all(occ[placed > 0] <= np.broadcast_to(cap[:, None], occ.shape)[placed > 0])
            placed_any |= bool(placed.sum() > 0)
            del prod
    assert placed_any


def mean_of(p: object, output: str, unit: str = "Testregio") -> np.ndarray:
    assert hasattr(p, "series")
    return np.asarray(p.series(output, unit)["mean"])


def test_a_queue_forms_when_places_are_cut() -> None:
    b = base()
    cfg = RunConfig(mode="stochastic", runs=200, seed=5)
    cut = Scenario("cut", (PlacesChange("bw", "GM0001", b.month_label(0), -60),))
    before = project(b, BASELINE, cfg)
    after = project(b, cut, cfg)
    assert mean_of(after, "waiting_bw")[-1] > mean_of(before, "waiting_bw")[-1] + 20
    assert mean_of(after, "wait_bw")[-1] > mean_of(before, "wait_bw")[-1]
    assert mean_of(after, "in_bw")[-1] < mean_of(before, "in_bw")[-1] - 30


def test_more_places_lower_the_waiting_time() -> None:
    b = base()
    cfg = RunConfig(mode="stochastic", runs=200, seed=5)
    more = Scenario(
        "more BT",
        tuple(PlacesChange("bt", code, b.month_label(0), 15) for code in AREA.codes),
    )
    before, after = project(b, BASELINE, cfg), project(b, more, cfg)
    assert mean_of(after, "wait_bt")[-1] < mean_of(before, "wait_bt")[-1] - 0.5
    assert mean_of(after, "waiting_bt")[-1] < mean_of(before, "waiting_bt")[-1]
    ev = RunConfig(mode="expected", runs=100, seed=5)
    assert (
        mean_of(project(b, more, ev), "wait_bt")[-1]
        < mean_of(project(b, BASELINE, ev), "wait_bt")[-1]
    )


def test_more_homes_shrink_the_ready_backlog() -> None:
    b = base()
    cfg = RunConfig(mode="expected", runs=50, seed=2)
    homes = Scenario("homes", (HomesChange(b.start_year, extra_per_year=40),))
    assert (
        mean_of(project(b, homes, cfg), "ready")[-1]
        < mean_of(project(b, BASELINE, cfg), "ready")[-1]
    )


def test_prevention_lowers_youth_inflow_and_faster_assessment_empties_applied() -> None:
    b = base()
    cfg = RunConfig(mode="expected", runs=20, seed=2)
    prev = project(b, Scenario("p", (InflowChange(0.5, b.month_label(0), group="18-24"),)), cfg)
    basep = project(b, BASELINE, cfg)
    assert mean_of(prev, "inflow")[-1] < mean_of(basep, "inflow")[-1] * 0.95
    fast = project(b, Scenario("a", (AssessmentChange(0.5, b.month_label(12)),)), cfg)
    assert np.allclose(mean_of(fast, "applied")[:12], mean_of(basep, "applied")[:12])
    assert mean_of(fast, "applied")[-1] < mean_of(basep, "applied")[-1] * 0.8


def test_same_seed_same_result_other_seed_other_result() -> None:
    b = base()
    cfg = RunConfig(mode="stochastic", runs=120, seed=11, batch_size=50, workers=2)
    one, two = project(b, BASELINE, cfg), project(b, BASELINE, cfg)
    np.testing.assert_array_equal(one.mean, two.mean)
    for q in one.quantiles:
        np.testing.assert_array_equal(one.quantiles[q], two.quantiles[q])
    single = project(b, BASELINE, replace(cfg, workers=1))
    np.testing.assert_array_equal(one.mean, single.mean)  # threads do not change results
    other = project(b, BASELINE, replace(cfg, seed=12))
    assert not np.array_equal(one.mean, other.mean)


def test_common_random_numbers_make_a_no_op_scenario_identical() -> None:
    b = base()
    cfg = RunConfig(mode="stochastic", runs=100, seed=4, batch_size=50)
    noop = Scenario(
        "no-op",
        (
            PlacesChange("bt", "GM0002", b.month_label(3), 0),
            InflowChange(1.0, b.month_label(0), group="18-24"),
            HomesChange(b.start_year + 50, extra_per_year=100),  # beyond the horizon
        ),
    )
    a, c = project(b, BASELINE, cfg), project(b, noop, cfg)
    np.testing.assert_array_equal(a.mean, c.mean)
    np.testing.assert_array_equal(a.quantiles[0.5], c.quantiles[0.5])
    # a real change does change the result (the test can fail)
    real = Scenario("real", (PlacesChange("bt", "GM0002", b.month_label(3), 10),))
    assert not np.array_equal(a.mean, project(b, real, cfg).mean)


def test_scenario_differences_are_not_noise() -> None:
    """With common random numbers a small change gives a small, consistent difference in
    every run, far below the spread between runs."""
    b = base()
    cfg = RunConfig(mode="stochastic", runs=80, seed=9, keep_paths=True)
    small = Scenario("small", (PlacesChange("bt", "GM0003", b.month_label(0), 1),))
    a, c = project(b, BASELINE, cfg), project(b, small, cfg)
    assert a.paths is not None
    assert c.paths is not None
    o = OUTPUTS.index("in_bw")
    u = a.units.index("Testregio")
    diff = c.paths[:, o, u, 12] - a.paths[:, o, u, 12]
    spread = a.paths[:, o, u, 12].std()
    assert np.abs(diff).mean() < 0.25 * spread


def test_expected_value_equals_the_mean_of_the_stochastic_mode() -> None:
    """Without binding constraints (ample places and homes) the expected-value path is the
    mean of the stochastic paths; with the parameters fixed only process noise remains."""
    b = base()
    roomy = replace(b, places=b.places * 3, homes=b.homes * 100)
    ev = project(roomy, BASELINE, RunConfig(mode="expected", runs=1, fixed=True))
    st = project(roomy, BASELINE, RunConfig(mode="stochastic", runs=3000, fixed=True, seed=21))
    for out in ("applied", "waiting_bw", "in_bw", "in_bt", "in_mo", "ready", "inflow", "outflow"):
        e, s = mean_of(ev, out), mean_of(st, out)
        np.testing.assert_allclose(s, e, rtol=0.02, atol=0.3, err_msg=out)


def test_expected_value_mode_has_bands_from_parameter_draws() -> None:
    b = base()
    p = project(b, BASELINE, RunConfig(mode="expected", runs=200, seed=1))
    s = p.series("waiting_bt", "Testregio")
    assert np.all(s["p10"] <= s["p50"])
    assert np.all(s["p50"] <= s["p90"])
    assert s["p90"][-1] - s["p10"][-1] > 2  # parameter uncertainty gives a band
    fixed = project(b, BASELINE, RunConfig(mode="expected", runs=20, fixed=True))
    f = fixed.series("waiting_bt", "Testregio")
    np.testing.assert_allclose(f["p10"], f["p90"])


def test_streamed_quantiles_match_exact_quantiles_within_their_accuracy() -> None:
    b = base(months=24)
    p = project(b, BASELINE, RunConfig(mode="stochastic", runs=300, seed=8, keep_paths=True))
    assert p.paths is not None
    for q, streamed in p.quantiles.items():
        exact = np.quantile(p.paths, q, axis=0, method="inverted_cdf")
        inside = p.outside == 0
        err = np.abs(streamed - exact)
        assert np.all(err[inside] <= p.accuracy[inside] + 1e-6 * np.abs(exact[inside]) + 1e-6)
    # counts in unit bins are exact
    o = OUTPUTS.index("waiting_mo")
    assert np.all(p.accuracy[o] == 0)
    np.testing.assert_array_equal(
        p.quantiles[0.5][o], np.quantile(p.paths[:, o], 0.5, axis=0, method="inverted_cdf")
    )
    assert p.outside.max() < 0.01


def test_single_age_band_and_regions() -> None:
    one = demo.demo_baseline(AREA, POP, months=12, groups=("all",), burn_in=24)
    p = project(one, BASELINE, RunConfig(mode="stochastic", runs=40))
    assert p.mean.shape == (len(OUTPUTS), 4, 12)
    two = demo.area_of(
        [("A", [("GM0001", "a"), ("GM0002", "b")]), ("B", [("GM0003", "c"), ("GM0004", "d")])]
    )
    b2 = demo.demo_baseline(two, [50_000, 20_000, 40_000, 10_000], months=12, burn_in=24)
    p2 = project(b2, BASELINE, RunConfig(mode="stochastic", runs=40))
    i = p2.units.index
    np.testing.assert_allclose(
        p2.mean[:, i("A")][:8], p2.mean[:, i("GM0001")][:8] + p2.mean[:, i("GM0002")][:8], rtol=1e-5
    )


def test_bad_input_is_refused() -> None:
    b = base()
    with pytest.raises(ForecastError):
        replace(b, initial=b.initial[:3])
    bad = dict(b.outcomes)
    bad["bw_1"] = replace(bad["bw_1"], mean=bad["bw_1"].mean * 20)
    with pytest.raises(ForecastError):
        replace(b, outcomes=bad)
    with pytest.raises(ForecastError):
        plan(b, Scenario("x", (PlacesChange("zz", "GM0001", "2026-01", 1),)))
    with pytest.raises(ForecastError):
        plan(b, Scenario("x", (PlacesChange("bw", "GM9999", "2026-01", 1),)))
    with pytest.raises(ForecastError):
        project(b, BASELINE, RunConfig(runs=0))
    assert len(COMPARTMENTS) == len(C_INDEX)


@pytest.mark.parametrize("prices", ["uniform", "different"])
def test_expected_mode_region_bands_equal_the_full_computation(prices: str) -> None:
    """Expected-value mode with bands for the regions computes municipality means from sums
    over the runs (a faster path); it must give what the full computation gives."""
    b = base(months=24)
    if prices == "different":
        price = b.price_per_day.copy()
        price[:, 1] *= 1.4
        b = replace(b, price_per_day=price)
    lean = project(b, BASELINE, RunConfig(mode="expected", runs=60, seed=3, workers=1))
    full = project(b, BASELINE, RunConfig(mode="expected", runs=60, seed=3, workers=1, bands="all"))
    np.testing.assert_allclose(lean.mean, full.mean, rtol=2e-4, atol=1e-3)
    r = lean.units.index("Testregio")
    for q in lean.quantiles:
        np.testing.assert_allclose(
            lean.quantiles[q][:, r], full.quantiles[q][:, r], rtol=2e-4, atol=1e-3
        )


def test_worker_processes_give_the_same_result_as_threads() -> None:
    b = base(months=12)
    cfg = RunConfig(mode="stochastic", runs=120, seed=6, batch_size=30, workers=2)
    ticks: list[float] = []
    threads = project(b, BASELINE, replace(cfg, parallel="threads"))
    procs = project(b, BASELINE, replace(cfg, parallel="processes"), progress=ticks.append)
    np.testing.assert_array_equal(threads.mean, procs.mean)
    np.testing.assert_array_equal(threads.quantiles[0.9], procs.quantiles[0.9])
    assert ticks
    assert ticks[-1] == pytest.approx(1.0)
