"""The compiled expected-value kernel against the reference ``run_batch(stochastic=False)``:
the sums over the runs, every run's region totals and the final state, on baselines and
scenarios that exercise every step (regional and municipal pools, places added from a
month, faster assessment in several regimes, more homes, planner's extra places, one and
two age bands, one run and a block and a half of runs)."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstroom.core.forecast import demo, evkernel
from doorstroom.core.forecast.engine import (
    OUTPUTS,
    Compiled,
    RunConfig,
    UnitBuffer,
    _Units,
    compile_batch,
    draw_parameters,
    final_state,
    project,
    run_batch,
    stream,
)
from doorstroom.core.forecast.model import COMPARTMENTS, PRODUCTS, Baseline
from doorstroom.core.forecast.scenario import (
    BASELINE,
    AssessmentChange,
    HomesChange,
    InflowChange,
    PlacesChange,
    Scenario,
    plan,
)
from tests.core.test_forecast import AREA, POP  # the one-region test area

AREA2 = demo.area_of(
    [
        ("Noord", [("GM0011", "Noordstad"), ("GM0012", "Dorp"), ("GM0013", "Gehucht")]),
        ("Zuid", [("GM0021", "Zuidstad"), ("GM0022", "Veld")]),
    ]
)
POP2 = [80_000, 20_000, 9_000, 50_000, 15_000]


@functools.cache
def base(groups: tuple[str, ...] = demo.GROUPS, two_regions: bool = False) -> Baseline:
    area, pop = (AREA2, POP2) if two_regions else (AREA, POP)
    return demo.demo_baseline(area, pop, months=30, groups=groups, burn_in=60)


def compiled(b: Baseline, scenario: Scenario, runs: int, *, fixed: bool, seed: int = 5) -> Compiled:
    draws = draw_parameters(b, runs, stream(seed, 1, 0), fixed=fixed)
    return compile_batch(plan(b, scenario), draws, stochastic=False)


def assert_close(mine: np.ndarray, ref: np.ndarray, what: str) -> None:
    """Equal to float32 rounding: relative difference below 1e-5, or absolute below 1e-4
    for small values."""
    mine = np.asarray(mine, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert mine.shape == ref.shape, what
    bad = np.abs(mine - ref) > np.maximum(1e-5 * np.abs(ref), 1e-4)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: {int(bad.sum())} values differ, first at {idx}: {mine[idx]} vs {ref[idx]}"
        )


def check(comp: Compiled) -> tuple[np.ndarray, np.ndarray]:
    """Run the kernel and the reference on one compiled batch and compare everything; returns
    the reference's sums and region totals (for checks that the case is not trivial)."""
    b = comp.plan.baseline
    m, g = b.shape
    units = _Units(b)
    shape = (len(OUTPUTS), units.count, b.months)
    buf = UnitBuffer(np.arange(units.regions.size), shape, comp.runs)
    state = np.zeros((len(COMPARTMENTS), g, m, comp.runs))
    sums = run_batch(
        comp,
        stochastic=False,
        rng=None,
        sampler=None,
        collectors=[buf],
        state_out=state,
        lean_units=True,
    )
    runvals = np.full_like(buf.values, np.nan)
    state_k = np.full_like(state, np.nan)
    sums_k = evkernel.run_ev(comp, runvals, state_k)
    assert_close(state_k, state, "final state")
    assert_close(runvals, buf.values, "every run's region totals")
    assert_close(sums_k, sums, "sums over the runs")
    return sums, buf.values


SCENARIOS = {
    "baseline": BASELINE,
    "places_from_a_month": Scenario(
        "places",
        (
            PlacesChange("bw", "GM0001", "2026-07", 12),
            PlacesChange("bt", "GM0002", "2027-01", -6),
        ),
    ),
    "cut_places": Scenario("cut", (PlacesChange("mo", "GM0001", "2026-03", -8),)),
    "faster_assessment_three_regimes": Scenario(
        "assessment",
        (
            AssessmentChange(0.5, "2026-06"),
            AssessmentChange(0.7, "2027-01", municipality="GM0003"),
        ),
    ),
    "more_homes_less_youth_inflow": Scenario(
        "homes",
        (HomesChange(2026, extra_per_year=30.0), InflowChange(0.8, "2026-04", group="18-24")),
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize(("runs", "fixed"), [(1, True), (37, False)])
def test_kernel_equals_run_batch_on_scenarios(name: str, runs: int, fixed: bool) -> None:
    sums, _ = check(compiled(base(), SCENARIOS[name], runs, fixed=fixed))
    assert sums[OUTPUTS.index("placements")].sum() > 0


@pytest.mark.parametrize("pooling", ["region", "municipality"])
@pytest.mark.parametrize("groups", [("all",), demo.GROUPS])
def test_kernel_equals_run_batch_for_pooling_and_age_bands(
    pooling: str, groups: tuple[str, ...]
) -> None:
    b = replace(base(groups, two_regions=True), pooling=(pooling,) * len(PRODUCTS))
    sums, runvals = check(compiled(b, BASELINE, 37, fixed=False))
    assert runvals.shape[1] == 2  # two regions
    # the places bind: queues and waiting times, not only flows
    assert runvals[OUTPUTS.index("wait_bw")].max() > 0.1
    assert sums[OUTPUTS.index("waiting_bt")].sum() > 0


def test_kernel_with_different_prices_per_municipality() -> None:
    b = base(two_regions=True)
    price = b.price_per_day.copy()
    price[:, 1] *= 1.4
    price[2, 4] *= 0.7
    sums, runvals = check(compiled(replace(b, price_per_day=price), BASELINE, 9, fixed=False))
    assert runvals[OUTPUTS.index("cost_total")].min() > 0
    assert sums[OUTPUTS.index("cost_bt")].sum() > 0


def test_kernel_with_the_planners_extra_places() -> None:
    b = base(two_regions=True)
    comp = compiled(b, BASELINE, 40, fixed=False)
    rng = np.random.default_rng(2)
    m = b.shape[0]
    comp.extra_places = rng.integers(0, 6, size=(len(PRODUCTS), m, comp.runs)).astype(float)
    comp.extra_from = 7
    with_extra, _ = check(comp)
    comp.extra_places = None
    without, _ = check(comp)
    o = OUTPUTS.index("placements")
    assert with_extra[o, :, 7:].sum() > without[o, :, 7:].sum()
    np.testing.assert_array_equal(with_extra[:, :, :7], without[:, :, :7])


def test_final_state_uses_the_kernel_and_equals_run_batch() -> None:
    b = base()
    state = final_state(b, 24, SCENARIOS["faster_assessment_three_regimes"])
    pl = plan(replace(b, months=24), SCENARIOS["faster_assessment_three_regimes"])
    comp = compile_batch(
        pl, draw_parameters(pl.baseline, 1, stream(0, 1, 0), fixed=True), stochastic=False
    )
    m, g = b.shape
    ref = np.zeros((len(COMPARTMENTS), g, m, 1))
    run_batch(comp, stochastic=False, rng=None, sampler=None, state_out=ref)
    assert_close(state, ref[..., 0].transpose(0, 2, 1), "final_state")


def test_expected_mode_region_bands_through_the_kernel_equal_run_batch() -> None:
    """project() in expected-value mode (kernel for the region bands) against the same
    draws through run_batch (bands for every unit, which keeps run_batch)."""
    b = base()
    cfg = RunConfig(mode="expected", runs=50, seed=4, workers=2)
    lean = project(b, SCENARIOS["places_from_a_month"], cfg)
    full = project(b, SCENARIOS["places_from_a_month"], replace(cfg, workers=1, bands="all"))
    one = project(b, SCENARIOS["places_from_a_month"], replace(cfg, workers=1))
    np.testing.assert_allclose(one.mean, full.mean, rtol=2e-5, atol=1e-4)
    for q in one.quantiles:
        reg = [one.units.index(r) for r in b.area.region_names]
        np.testing.assert_allclose(
            one.quantiles[q][:, reg], full.quantiles[q][:, reg], rtol=2e-5, atol=1e-4
        )
    assert lean.mean.shape == full.mean.shape
    assert np.isnan(lean.quantiles[0.5][:, 0]).all()  # municipalities: no bands


def test_blocks_of_runs_do_not_mix() -> None:
    """A run's values do not depend on the runs it shares a block with."""
    b = base()
    comp = compiled(b, SCENARIOS["cut_places"], 45, fixed=False)
    units = _Units(b)
    whole = np.zeros((len(OUTPUTS), units.regions.size, b.months, 45), dtype=np.float32)
    evkernel.run_ev(comp, whole)
    keep = [3, 40]
    # rebuild a two-run batch from the same draws
    draws = draw_parameters(b, 45, stream(5, 1, 0), fixed=False)
    sub = type(draws)(
        {c: p[..., keep] for c, p in draws.pi.items()},
        draws.rate[..., keep],
        draws.log_trend[..., keep],
        draws.class_u[..., keep],
    )
    two = compile_batch(plan(b, SCENARIOS["cut_places"]), sub, stochastic=False)
    small = np.zeros((len(OUTPUTS), units.regions.size, b.months, 2), dtype=np.float32)
    evkernel.run_ev(two, small)
    np.testing.assert_array_equal(small, whole[..., keep])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pops=st.lists(st.integers(3_000, 90_000), min_size=1, max_size=5),
    split=st.integers(0, 4),
    groups=st.sampled_from([("all",), demo.GROUPS]),
    pooling=st.tuples(*[st.sampled_from(["region", "municipality"])] * 3),
    runs=st.integers(1, 40),
    places=st.integers(-15, 15),
    factor=st.floats(0.3, 2.0),
    seed=st.integers(0, 10_000),
)
def test_kernel_equals_run_batch_on_random_small_baselines(
    pops: list[int],
    split: int,
    groups: tuple[str, ...],
    pooling: tuple[str, str, str],
    runs: int,
    places: int,
    factor: float,
    seed: int,
) -> None:
    codes = [(f"GM{9000 + i}", f"G{i}") for i in range(len(pops))]
    cut = min(split, len(pops) - 1)
    regions = [("A", codes[: cut + 1])] + ([("B", codes[cut + 1 :])] if cut + 1 < len(pops) else [])
    area = demo.area_of(regions)
    b = demo.demo_baseline(area, pops, months=14, groups=groups, burn_in=12)
    b = replace(b, pooling=pooling)
    scenario = Scenario(
        "random",
        (
            PlacesChange("bw", codes[0][0], "2026-04", places),
            AssessmentChange(factor, "2026-08", municipality=codes[-1][0]),
        ),
    )
    check(compiled(b, scenario, runs, fixed=False, seed=seed))


def test_one_compiled_signature_for_every_kind_of_batch() -> None:
    """Compiling the kernel takes seconds: every batch (one or two age bands, one or many
    runs, with or without the planner's places, any layout of the inputs) must reuse the
    same compiled signature."""
    for groups in (("all",), demo.GROUPS):
        b = base(groups, two_regions=True)
        comp = compiled(b, SCENARIOS["baseline"], 3, fixed=False)
        evkernel.run_ev(comp)
        comp.extra_places = np.ones((len(PRODUCTS), b.shape[0], 3), order="F")
        evkernel.run_ev(comp)
    evkernel.run_ev(compiled(base(), SCENARIOS["faster_assessment_three_regimes"], 1, fixed=True))
    assert len(evkernel.kernel().signatures) == 1


def test_region_bands_on_threads_equal_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large expected-value runs put their batches on threads (the kernel releases the GIL);
    the result is the same, bit for bit, as running them one after another."""
    b = base()
    cfg = RunConfig(mode="expected", runs=40, seed=8, workers=2)
    here = project(b, SCENARIOS["cut_places"], cfg)
    monkeypatch.setattr(evkernel, "THREADS_FROM", 0)
    threads = project(b, SCENARIOS["cut_places"], cfg)
    np.testing.assert_array_equal(here.mean, threads.mean)
    for q in here.quantiles:
        np.testing.assert_array_equal(here.quantiles[q], threads.quantiles[q])
