"""Calibration on the event log and the backtest on synthetic regions."""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pytest

from doorstroom.core import synthetic
from doorstroom.core.forecast import demo
from doorstroom.core.forecast.backtest import backtest
from doorstroom.core.forecast.calibration import (
    calibrate,
    fit_coxian,
    observed_stocks,
)
from doorstroom.core.forecast.engine import RunConfig, project
from doorstroom.core.forecast.model import COMPARTMENTS, ForecastError
from doorstroom.core.synthetic import MunicipalitySpec, RegionSpec

SPEC = RegionSpec(
    "Zuidwest-Drenthe",
    "GM0118",
    (
        MunicipalitySpec("GM0118", "Hoogeveen", 56000),
        MunicipalitySpec("GM0119", "Meppel", 35000),
        MunicipalitySpec("GM1690", "De Wolden", 24500),
        MunicipalitySpec("GM1701", "Westerveld", 20000),
    ),
)
AREA = demo.area_of([(SPEC.name, [(m.code, m.name) for m in SPEC.municipalities])])
POP = {m.code: m.population for m in SPEC.municipalities}
CUTOFF = date(2023, 1, 1)


@functools.cache
def history(seed: int) -> synthetic.SyntheticData:
    return synthetic.generate([SPEC], end=date(2025, 12, 31), years=6, seed=seed)


def test_coxian_fit_recovers_a_phase_type_stay() -> None:
    """Durations simulated from a known 2-phase Coxian (with censoring and delayed entry)
    give back its parameters."""
    rng = np.random.default_rng(0)
    a, q, b = 0.01, 0.08, 0.05
    n = 6000
    phase = np.ones(n, dtype=int)
    dur = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    for k in range(1, 241):
        u = rng.random(n)
        leave = alive & (((phase == 1) & (u < a)) | ((phase == 2) & (u < b)))
        dur[leave] = k
        alive &= ~leave
        prog = alive & (phase == 1) & (u >= a) & (u < a + q)
        phase[prog] = 2
    dur[alive] = 240
    cens = rng.integers(1, 120, n)  # observed until then
    ended = (dur <= cens) & ~alive
    shown = np.minimum(dur, cens)
    entry = np.zeros(n, dtype=np.int64)
    cx = fit_coxian(shown, ended, entry)
    assert cx.leave1 == pytest.approx(a, rel=0.35, abs=0.004)
    assert cx.progress == pytest.approx(q, rel=0.25)
    assert cx.leave2 == pytest.approx(b, rel=0.2)
    assert cx.exits == int(ended.sum())


def test_calibration_gives_a_valid_baseline_with_intervals() -> None:
    data = history(1)
    cal = calibrate(data.log, AREA, POP, cutoff=CUTOFF, fit_years=3, months=24)
    b = cal.baseline
    assert (b.start_year, b.start_month, b.months) == (2023, 1, 24)
    assert b.initial.sum() > 150  # people in the region at the cutoff
    assert (
        b.initial[COMPARTMENTS.index("bw_1")].sum() + b.initial[COMPARTMENTS.index("bw_2")].sum()
        > 50
    )
    assert b.places[0].sum() > 0
    assert set(cal.coxian) == {"bw", "bt", "mo"}
    # BW stays last years, shelter months: mean time in care from the fitted Coxian
    bw, mo = cal.coxian["bw"], cal.coxian["mo"]
    mean_bw = 1 / (bw.leave1 + bw.progress) + bw.progress / (bw.leave1 + bw.progress) / bw.leave2
    mean_mo = 1 / (mo.leave1 + mo.progress) + mo.progress / (mo.leave1 + mo.progress) / mo.leave2
    assert 20 < mean_bw < 50
    assert mean_mo < 8
    # every estimate has a 95% interval around it
    assert len(cal.estimates) > 100
    for e in cal.estimates:
        assert e.low <= e.value <= e.high
    rates = [e for e in cal.estimates if e.parameter == "inflow_per_10k_month"]
    assert all(e.high > e.low for e in rates)
    # the baseline runs
    p = project(b, config=RunConfig(mode="expected", runs=20))
    assert np.isfinite(p.mean).all()


def test_calibration_uses_nothing_after_the_cutoff() -> None:
    data = history(2)
    a = calibrate(data.log, AREA, POP, cutoff=CUTOFF, fit_years=2, months=12)
    cut = data.log.take(np.flatnonzero(data.log.day < CUTOFF.toordinal()))
    b = calibrate(cut, AREA, POP, cutoff=CUTOFF, fit_years=2, months=12)
    np.testing.assert_array_equal(a.baseline.initial, b.baseline.initial)
    np.testing.assert_allclose(a.baseline.inflow.mean, b.baseline.inflow.mean)
    np.testing.assert_allclose(a.baseline.outcomes["bw_2"].mean, b.baseline.outcomes["bw_2"].mean)


def test_observed_stocks_count_people_at_month_ends() -> None:
    data = history(1)
    obs = observed_stocks(data.log, AREA, [date(2022, 12, 1), date(2023, 6, 1)])
    assert obs["in_bw"].shape == (1, 2)
    assert obs["in_bw"][0, 0] > 50
    cal = calibrate(data.log, AREA, POP, cutoff=CUTOFF, fit_years=3, months=12)
    b = cal.baseline
    occupying = [COMPARTMENTS.index(c) for c in ("bw_1", "bw_2", "ready_bw", "transfer_bt")]
    # the stocks at the cutoff equal the count on 31 December (give or take a new arrival)
    assert abs(b.initial[occupying].sum() - obs["in_bw"][0, 0]) <= 3


def test_a_cutoff_must_start_a_month_and_the_log_must_cover_the_backtest() -> None:
    data = history(1)
    with pytest.raises(ForecastError):
        calibrate(data.log, AREA, POP, cutoff=date(2023, 1, 15))
    with pytest.raises(ForecastError):
        backtest(data.log, AREA, POP, cutoff=CUTOFF, months=60)


@pytest.mark.slow
def test_backtest_band_covers_the_truth_about_as_often_as_it_claims() -> None:
    """Fit on 2020-2022 of a synthetic region, forecast 2023-2025: the P10-P90 band should
    hold the observed stocks about 80% of the time. Measured over 8 histories: 74% for the
    outputs below (72% with shelter, whose three products share one group in the model: a
    documented limitation). Tolerance: the mean of three histories within 0.12 of 0.8."""
    outputs = ("applied", "waiting_bw", "waiting_bt", "in_bw", "in_bt", "ready")
    coverage = []
    for seed in (1, 2, 3):
        res = backtest(
            history(seed).log,
            AREA,
            POP,
            cutoff=CUTOFF,
            months=36,
            runs=300,
            seed=seed,
            outputs=outputs,
        )
        coverage.append(res.coverage_all)
        assert res.mape["in_bw"] < 0.03  # in-care stocks within a few percent
        assert res.mape["in_bt"] < 0.03
        assert len(res.table()) == len(outputs)
    assert abs(float(np.mean(coverage)) - res.claimed) <= 0.12
