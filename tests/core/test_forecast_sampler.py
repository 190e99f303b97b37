"""The table sampler (binomial/Poisson counts), the systematic allocation and the streamed
quantile sketch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom.core.forecast import sampler as smp
from doorstroom.core.forecast.engine import _allocate, _Seg, _share
from doorstroom.core.forecast.quantiles import Sketch, SketchSpec

N = 200_000


def draws(n: float, p: float, seed: int = 1, size: int = N) -> np.ndarray:
    rng = np.random.Generator(np.random.SFC64(seed))
    nn = np.full(size, n, np.float32)
    pp = np.full(size, p, np.float32)
    base = smp.class_base(pp, rng.random(size))
    bits = rng.bit_generator.random_raw(size // 2).view(np.uint32)
    out = np.empty(size, np.float32)
    return smp.Sampler(size).draw(nn, pp, base, bits, out).astype(np.float64)


def test_table_rows_have_the_right_mean() -> None:
    assert smp.table_error() < 3e-4


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (1, 0.3),
        (2, 0.5),
        (3, 0.33),
        (7, 0.12),
        (20, 0.03),
        (50, 0.5),
        (200, 0.01),
        (100, 0.45),
        (400, 0.1),
        (3000, 0.002),
        (120, 0.4),
    ],
)
def test_binomial_mean_and_variance(n: int, p: float) -> None:
    x = draws(n, p)
    mean, var = n * p, n * p * (1 - p)
    se = math.sqrt(var / N)
    assert abs(x.mean() - mean) < 5 * se + 1e-4 * mean
    # variance within 3% (the mu grid adds at most (mu/16)^2/4) plus sampling error
    assert abs(x.var() - var) < 0.03 * var + 6 * var * math.sqrt(2 / N) + 1e-3
    assert x.min() >= 0
    assert x.max() <= n
    assert np.all(x == np.round(x))


def test_small_counts_follow_the_exact_distribution() -> None:
    """For n = 4, p = 0.2 (on the class grid) the frequencies match the binomial pmf."""
    x = draws(4, 0.2, seed=5)
    freq = np.bincount(x.astype(int), minlength=5) / N
    pmf = [math.comb(4, k) * 0.2**k * 0.8 ** (4 - k) for k in range(5)]
    np.testing.assert_allclose(freq, pmf, atol=0.004)


def test_poisson_class_and_large_means() -> None:
    rng = np.random.Generator(np.random.SFC64(3))
    lam = np.full(N, 2.5, np.float32)
    out = np.empty(N, np.float32)
    bits = rng.bit_generator.random_raw(N // 2).view(np.uint32)
    x = smp.Sampler(N).draw(
        lam, np.ones(N, np.float32), np.zeros(N, np.intp), bits, out, clip=False
    )
    assert abs(x.mean() - 2.5) < 0.02
    assert abs(x.var() - 2.5) < 0.06
    big = draws(2000, 0.3, seed=7)  # mu = 600: normal approximation with skewness term
    assert abs(big.mean() - 600) < 0.5
    assert abs(big.var() - 420) < 15


def test_zero_people_and_zero_probability_draw_nothing() -> None:
    assert draws(0, 0.3, size=1000).max() == 0
    assert draws(50, 0.0, size=1000).max() == 0


def test_class_rounding_keeps_p_on_average() -> None:
    rng = np.random.default_rng(0)
    p = np.full(100_000, 0.123, np.float32)
    base = smp.class_base(p, rng.random(p.size))
    cls = base // (smp.ROWS * smp.COLS)
    grid = np.asarray(smp.P_GRID)
    assert set(np.unique(cls)) == {3, 4}  # 0.1 and 0.15
    assert abs(grid[cls].mean() - 0.123) < 0.001


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=8),
    st.floats(0, 1),
    st.floats(0, 0.999),
)
def test_shares_add_up_and_stay_within_their_queues(q: list[int], f: float, phi: float) -> None:
    qa = np.array(q, dtype=np.float64)[:, None]
    total = np.floor(qa.sum() * f)
    a = _share(qa, np.array([total]), np.array([phi]))
    assert a.sum() == total
    assert np.all(a >= 0)
    assert np.all(a <= qa)
    assert np.all(a == np.round(a))
    # each share is its expected share rounded up or down
    expected = qa * (total / qa.sum()) if qa.sum() else qa * 0
    assert np.all(np.abs(a - expected) < 1 + 1e-9)


def test_allocation_is_unbiased_and_exact_over_pools() -> None:
    rng = np.random.default_rng(1)
    runs = 20_000
    cells = np.broadcast_to(np.array([[3.0, 0.0, 5.0], [1.0, 2.0, 0.0]])[:, :, None], (2, 3, runs))
    cells = np.ascontiguousarray(cells)  # (k=2, M=3, B)
    seg = _Seg(np.array([0]), 3)  # one pool over the three municipalities
    total = np.full((1, runs), 4.0)
    a = _allocate(cells, seg, total, rng)
    assert np.all(a.sum(axis=(0, 1)) == 4)
    assert np.all(a <= cells)
    np.testing.assert_allclose(a.mean(axis=2), cells[:, :, 0] * 4 / 11, atol=0.02)


def test_sketch_quantiles_are_exact_for_whole_numbers_and_merge() -> None:
    rng = np.random.default_rng(2)
    vals = rng.poisson(30, size=(2, 3, 500)).astype(np.float32)  # (O, U, B)
    spec = SketchSpec.from_range(
        vals.min(axis=2)[..., None].astype(np.float64),
        vals.max(axis=2)[..., None].astype(np.float64),
        ["count", "count"],
        bins=128,
        runs=500,
    )
    one, two = Sketch(spec), Sketch(spec)
    one.add(0, vals[..., :200])
    two.add(0, vals[..., 200:])
    one.merge(two)
    for q in (0.1, 0.5, 0.9):
        exact = np.quantile(vals, q, axis=2, method="inverted_cdf")
        np.testing.assert_array_equal(one.quantile(q)[..., 0], exact)
    assert np.all(one.accuracy() == 0)
    assert one.nbytes == one.counts.nbytes


def test_sketch_on_continuous_values_is_within_one_bin() -> None:
    rng = np.random.default_rng(3)
    vals = rng.gamma(4, 2.5, size=(1, 1, 2000)).astype(np.float32)
    lo = np.array([[[vals.min()]]], np.float64)
    hi = np.array([[[vals.max()]]], np.float64)
    for kind in ("cost", "wait"):
        spec = SketchSpec.from_range(lo, hi, [kind], bins=128, runs=2000)
        sk = Sketch(spec)
        sk.add(0, np.minimum(vals, 119))
        for q in (0.1, 0.5, 0.9):
            exact = np.quantile(np.minimum(vals, 119), q, axis=2, method="inverted_cdf")
            assert abs(sk.quantile(q)[0, 0, 0] - exact[0, 0]) <= sk.accuracy()[0, 0, 0] + 1e-6
        assert sk.outside().max() == 0


def test_offsets_near_one_never_overfill_in_float32() -> None:
    """Regression: with a float32 offset 0.99999994, 17 + offset rounds to 18 and a share
    exceeded its queue. Offsets are now multiples of 2^-10."""
    q = np.array([[4.0], [13.0], [0.0], [0.0]], dtype=np.float32)
    phi = np.array([1 - 2**-10], dtype=np.float32)
    a = _share(q, np.array([17.0], dtype=np.float32), phi)
    np.testing.assert_array_equal(a[:, 0], [4, 13, 0, 0])


class _MaxRng:
    """A generator whose uniforms are all just below 1 (the worst case for rounding)."""

    def random(self, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        return np.full(shape, np.nextafter(dtype(1), dtype(0)), dtype=dtype)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 900), min_size=3, max_size=3), min_size=1, max_size=4),
    st.floats(0, 1),
    st.booleans(),
)
def test_allocation_never_overfills_in_either_precision(
    rows: list[list[int]], f: float, worst: bool
) -> None:
    cells = np.array(rows, dtype=np.float32)[:, :, None]  # (k, M=3, B=1)
    seg = _Seg(np.array([0]), 3)
    total = np.floor(cells.sum() * f).reshape(1, 1).astype(np.float32)
    rng = _MaxRng() if worst else np.random.default_rng(0)
    a = _allocate(cells, seg, total, rng)  # type: ignore[arg-type]
    assert a.sum() == total.sum()
    assert np.all(a >= 0)
    assert np.all(a <= cells)
