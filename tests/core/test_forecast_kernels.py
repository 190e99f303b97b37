"""The compiled kernels give the same results, bit for bit, as the numpy references."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom.core.forecast import kernels
from doorstroom.core.forecast import sampler as smp
from doorstroom.core.forecast.engine import (
    OUTPUTS,
    MonthView,
    Paths,
    _sketch_spec,
    compile_batch,
    draw_parameters,
    run_batch,
    stream,
)
from doorstroom.core.forecast.engine import RunConfig as Cfg
from doorstroom.core.forecast.quantiles import Sketch
from doorstroom.core.forecast.scenario import (
    BASELINE,
    AssessmentChange,
    HomesChange,
    PlacesChange,
    Scenario,
    plan,
)
from tests.core.test_forecast import base


def _draw_both(nn: np.ndarray, pp: np.ndarray, seed: int, clip: bool) -> tuple:
    rng = np.random.Generator(np.random.SFC64(seed))
    base_rows = smp.class_base(pp, rng.random(nn.size))
    bits = rng.bit_generator.random_raw((nn.size + 1) // 2).view(np.uint32)[: nn.size]
    s = smp.Sampler(nn.size)
    a = s.draw(nn, pp, base_rows, bits, np.empty_like(nn), clip=clip)
    b = s.draw_numpy(nn, pp, base_rows, bits, np.empty_like(nn), clip=clip)
    return a, b


@settings(max_examples=40, deadline=None)
@given(
    n=st.lists(st.integers(0, 5000), min_size=1, max_size=300),
    p=st.floats(0.0, 0.5, width=32),
    seed=st.integers(0, 2**32 - 1),
    clip=st.booleans(),
)
def test_compiled_draws_equal_the_numpy_draws(
    n: list[int], p: float, seed: int, clip: bool
) -> None:
    nn = np.asarray(n, dtype=np.float32)
    pp = np.full(nn.size, p, dtype=np.float32)
    a, b = _draw_both(nn, pp, seed, clip)
    np.testing.assert_array_equal(a, b)


def test_compiled_draws_cover_every_path() -> None:
    """Zero, tiny, table and normal-approximation means, Poisson and binomial classes."""
    rng = np.random.default_rng(4)
    nn = rng.choice([0, 1, 3, 40, 400, 4000, 100_000], size=200_000).astype(np.float32)
    pp = rng.choice([0.0, 1e-5, 0.01, 0.03, 0.2, 0.5], size=nn.size).astype(np.float32)
    a, b = _draw_both(nn, pp, 9, True)
    np.testing.assert_array_equal(a, b)
    assert (a[nn * pp >= 32] > 0).all()  # the normal approximation was taken and is sane


@pytest.mark.parametrize(
    ("changes", "groups"),
    [
        ("none", ("18-24", "25+")),
        ("none", ("all",)),
        ("mixed", ("18-24", "25+")),
        ("large", ("18-24", "25+")),
        ("large", ("all",)),
    ],
)
def test_compiled_batch_equals_the_numpy_batch(changes: str, groups: tuple[str, ...]) -> None:
    b = base(months=24, groups=groups)
    scenario = BASELINE
    if changes == "mixed":  # places cut (queues form), two assessment regimes, more homes
        scenario = Scenario(
            "mixed",
            (
                PlacesChange("bw", "GM0001", b.month_label(6), -30),
                AssessmentChange(0.5, b.month_label(3)),
                HomesChange(b.start_year + 1, extra_per_year=25),
            ),
        )
    elif changes == "large":  # queues beyond 512 (float64 shares), planner's extra places
        b = replace(b, population=b.population * 12, initial=np.round(b.initial * 12))
        scenario = Scenario(
            "large",
            (
                PlacesChange("bw", "GM0002", b.month_label(2), -40),
                HomesChange(b.start_year, extra_per_year=300),
            ),
        )
    pl = plan(b, scenario)
    runs = 37
    m, g = b.shape
    results = []
    # (compiled, inspect): the hazard kernel alone (inspect needs the numpy month), the
    # whole compiled month, and the numpy reference
    for compiled, inspect in ((True, True), (True, False), (False, True)):
        comp = compile_batch(
            pl, draw_parameters(b, runs, stream(8, 1, 0), fixed=False), stochastic=True
        )
        if changes == "large":  # fractional places (x utilisation) from month 5
            comp.extra_places = np.full((3, m, runs), 3.0)
            comp.extra_from = 5
        views: list[MonthView] = []
        paths = Paths(runs, (len(OUTPUTS), m + 1, b.months))
        sums = run_batch(
            comp,
            stochastic=True,
            rng=stream(8, 2, 0),
            sampler=smp.Sampler(16 * runs * m * g),
            collectors=[paths],
            inspect=views.append if inspect else None,
            compiled=compiled,
        )
        results.append((sums, paths.values, views))
    (s1, p1, v1), (s2, p2, _), (s3, p3, v3) = results
    for a, c in zip(v1, v3, strict=True):
        np.testing.assert_array_equal(a.flows, c.flows)
        np.testing.assert_array_equal(a.state, c.state)
    for sums, paths in ((s1, p1), (s2, p2)):
        np.testing.assert_array_equal(paths, p3)
        np.testing.assert_array_equal(sums, s3)
    assert np.any(p1[:, OUTPUTS.index("placements")] > 0)  # the test saw real movement
    assert np.any(p1[:, OUTPUTS.index("exits_home")] > 0)
    if changes == "large":  # the float64 shares were needed (a pool's queue above 512)
        assert p1[:, OUTPUTS.index("waiting_bw"), m].max() > 512


def test_compiled_sketch_equals_the_numpy_sketch() -> None:
    b = base(months=12)
    pl = plan(b, BASELINE)
    cfg = Cfg(mode="stochastic", runs=60, batch_size=60, bins=32)
    spec = _sketch_spec(pl, cfg)
    m, g = b.shape
    paths = Paths(60, spec.lo.shape)
    comp = compile_batch(pl, draw_parameters(b, 60, stream(1, 1, 0), fixed=False), stochastic=True)
    run_batch(
        comp,
        stochastic=True,
        rng=stream(1, 2, 0),
        sampler=smp.Sampler(16 * 60 * m * g),
        collectors=[paths],
    )
    one, two = Sketch(spec), Sketch(spec)
    values = np.moveaxis(paths.values, 0, -1).astype(np.float32)  # (O, U, T, B)
    # waiting times are continuous: exercise values right at bin edges too
    values[OUTPUTS.index("wait_bw"), :, :, :5] = 0.0
    values[OUTPUTS.index("wait_bw"), :, :, 5:10] = 120.0
    for t in range(b.months):
        one.add(t, np.ascontiguousarray(values[:, :, t]))
        two.add_numpy(t, values[:, :, t])
    np.testing.assert_array_equal(one.counts, two.counts)
    assert one.runs == two.runs == 60
    assert int(one.counts[0].sum()) == 60 * len(OUTPUTS) * (m + 1)


def test_random_lanes_are_numpys_sfc64_taken_in_turn() -> None:
    bg = np.random.SFC64(5)
    state = np.tile(bg.state["state"]["state"], (kernels.LANES, 1))
    state[1:, 0] += np.arange(1, kernels.LANES, dtype=np.uint64)  # other lanes: other states
    out = np.empty(400 * kernels.LANES, dtype=np.uint64)
    kernels.sfc64_lanes_fill(state, out)
    np.testing.assert_array_equal(out[:: kernels.LANES], bg.random_raw(400))
    assert len({tuple(out[k :: kernels.LANES][:4]) for k in range(kernels.LANES)}) == kernels.LANES
    seeds = np.arange(3 * kernels.LANES, dtype=np.uint64)
    again = kernels.sfc64_lanes(seeds)
    np.testing.assert_array_equal(again, kernels.sfc64_lanes(seeds))
    u = (out >> np.uint64(11)).astype(np.float64) / 2.0**53
    assert abs(u.mean() - 0.5) < 0.03


def test_jit_compiles_without_a_cache_where_it_cannot_cache() -> None:
    """A read-only install has no cache directory: the kernel is compiled each time instead."""
    namespace: dict[str, object] = {}
    exec(compile("def twice(x):\n    return 2 * x\n", "<string>", "exec"), namespace)  # noqa: S102
    twice = kernels.jit(namespace["twice"])  # type: ignore[arg-type]
    assert twice(21) == 42


@settings(max_examples=30, deadline=None)
@given(
    p=st.lists(st.floats(-0.125, 1.125, width=32), min_size=1, max_size=200),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_class_choice_equals_numpy(p: list[float], seed: int) -> None:
    pp = np.asarray(p + list(smp.P_GRID), dtype=np.float32)  # the grid points themselves too
    u = np.random.default_rng(seed).random(pp.size)
    np.testing.assert_array_equal(smp.class_base(pp, u), smp.class_base_numpy(pp, u))
