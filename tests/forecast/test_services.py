"""Forecast services on a small synthetic region (Zuidwest-Drenthe, two years of history):
scenarios all-or-nothing, calibration with its access-log entry, a run as a background job
end to end with results stored and readable, common random numbers, the finance seam."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from doorstroom.accounts.models import User
from doorstroom.audit.models import AccessLogEntry
from doorstroom.audit.services import Actor
from doorstroom.core.errors import RowErrors
from doorstroom.core.forecast.calibration import observed_stocks
from doorstroom.core.forecast.model import C_INDEX
from doorstroom.core.roles import OrganisationKind
from doorstroom.facilities.models import Facility
from doorstroom.forecast import selectors, services, storage
from doorstroom.forecast.models import ForecastCalibration, ForecastRun, ForecastScenario
from doorstroom.jobs.models import Job
from doorstroom.journey.eventlog import event_log_load
from tests.conftest import Side
from tests.factories import FacilityFactory

PREVENTION = {
    "kind": "inflow",
    "factor": 0.7,
    "from_month": "2020-01",
    "group": None,
    "municipality": None,
}


def test_scenario_save_is_all_or_nothing(advisor: User, actor: Actor) -> None:
    saved = services.scenario_save(
        user=advisor, actor=actor, name="Preventie", changes=[PREVENTION]
    )
    assert saved.changes == [PREVENTION]
    bad = [
        PREVENTION,
        {
            "kind": "places",
            "product": "bt",
            "municipality": "GM0014",
            "from_month": "2027-01",
            "delta": 5,
        },
    ]
    with pytest.raises(RowErrors) as exc:
        services.scenario_save(
            user=advisor, actor=actor, scenario=saved, name="Preventie", changes=bad
        )
    assert [e.line for e in exc.value.errors] == [2]
    saved.refresh_from_db()
    assert saved.changes == [PREVENTION]  # nothing changed
    with pytest.raises(RowErrors):  # the same name twice in a region
        services.scenario_save(user=advisor, actor=actor, name="Preventie", changes=[])
    assert ForecastScenario.objects.count() == 1


def test_one_adopted_scenario_per_region(advisor: User, actor: Actor) -> None:
    a = services.scenario_save(user=advisor, actor=actor, name="A", changes=[], adopted=True)
    b = services.scenario_save(user=advisor, actor=actor, name="B", changes=[], adopted=True)
    a.refresh_from_db()
    assert (a.adopted, b.adopted) == (False, True)


def test_calibration_reads_the_log_once_while_it_does_not_change(
    advisor: User, actor: Actor, drenthe: Side
) -> None:
    region = drenthe.region
    before = AccessLogEntry.objects.filter(event_type="forecast.calibrate").count()
    first = services.calibration_current(region, actor)
    again = services.calibration_current(region, actor)
    assert first.pk == again.pk
    assert AccessLogEntry.objects.filter(event_type="forecast.calibrate").count() == before + 1
    entry = AccessLogEntry.objects.filter(event_type="forecast.calibrate").last()
    assert entry is not None
    assert entry.client_pseudonym is None  # aggregates: no client
    assert services.calibration_fresh(region) == first
    b = services.calibration_baseline(first)
    assert set(b.area.codes) == set(region.members.values_list("code", flat=True))
    assert b.area.codes[0] == region.centre.code
    assert b.start_year * 12 + b.start_month == first.as_of.year * 12 + first.as_of.month
    # the people in care at the start are the event log's stocks at the end of the month
    # before (up to the rounding of the stays split over two phases per cell)
    log = event_log_load(region_ids=[region.pk])
    last_month = date(
        first.as_of.year - (first.as_of.month == 1), (first.as_of.month - 2) % 12 + 1, 1
    )
    observed = observed_stocks(log, b.area, [last_month])
    in_care = sum(float(observed[f"in_{p}"][0, 0]) for p in ("bw", "bt", "mo"))
    occupying = sum(
        b.initial[C_INDEX[c]].sum()
        for c in (
            "bw_1",
            "bw_2",
            "bt_1",
            "bt_2",
            "mo_1",
            "mo_2",
            "ready_bw",
            "ready_bt",
            "ready_mo",
            "transfer_bt",
        )
    )
    assert in_care > 50
    assert abs(occupying - in_care) <= b.initial.shape[1] * b.initial.shape[2] * 3
    estimates = first.summary["estimates"]
    assert {e["parameter"] for e in estimates} >= {"applied -> waiting_bw", "inflow_per_10k_month"}
    assert all(e["low"] <= e["value"] <= e["high"] for e in estimates)
    # a new facility changes what the calibration reads: a new one is made
    FacilityFactory(
        provider=drenthe.organisations[OrganisationKind.CARE_PROVIDER],
        region=region,
        municipality=drenthe.municipality,
        status=Facility.Status.PLANNED,
    )
    assert services.calibration_fresh(region) is None
    third = services.calibration_current(region, actor)
    assert third.pk != first.pk
    assert third.summary["planned"] == [
        {
            "product": "bw",
            "municipality": drenthe.municipality.code,
            "from_month": f"{first.as_of.year + 1}-{first.as_of.month:02d}",
            "delta": 5,
        }
    ]


def _run(advisor: User, actor: Actor, scenarios: list[ForecastScenario], **kw: Any) -> ForecastRun:
    """A small forecast; calibrated first, so that expected-value runs run at once."""
    services.calibration_current(advisor.organisation.region, actor)  # type: ignore[union-attr]
    params = {"mode": "expected", "horizon_months": 36, "runs": 50, "seed": 3} | kw
    return services.run_submit(user=advisor, actor=actor, scenarios=scenarios, **params)


def test_run_as_background_job_end_to_end(
    advisor: User, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    scenario = services.scenario_save(user=advisor, actor=actor, name="P", changes=[PREVENTION])
    with django_capture_on_commit_callbacks(execute=True):  # the job calibrates first
        run = services.run_submit(
            user=advisor,
            actor=actor,
            scenarios=[scenario],
            mode="stochastic",
            horizon_months=36,
            runs=40,
            seed=3,
        )
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert job.status == Job.Status.DONE
    assert job.progress_done == job.progress_total > 0
    assert run.status == ForecastRun.Status.DONE
    assert run.calibration_id is not None
    assert run.scenario_names == ["P"]
    res = selectors.results(run)
    assert res is not None
    assert res.scenarios == ("Baseline", "P")
    assert res.mean.shape == (2, len(res.outputs), len(res.units), 36)
    region = res.units[-1]
    s = res.series(0, "in_bw", region)
    assert np.all(s["p10"] <= s["p50"])
    assert np.all(s["p50"] <= s["p90"])
    # stored compactly: a few hundred kilobytes at most, quantiles only
    assert len(bytes(ForecastRun.objects.get(pk=run.pk).result)) < 400_000
    # prevention lowers the applications from the first month (same random numbers)
    o = res.outputs.index("inflow")
    assert res.mean[1, o, -1].sum() < 0.8 * res.mean[0, o, -1].sum()


def test_small_expected_runs_run_at_once_and_scenarios_share_random_numbers(
    advisor: User, actor: Actor
) -> None:
    neutral = services.scenario_save(
        user=advisor,
        actor=actor,
        name="Niets",
        changes=[{**PREVENTION, "factor": 1.0}],
    )
    run = _run(advisor, actor, [neutral])
    assert run.status == ForecastRun.Status.DONE
    assert run.job_id is None
    res = selectors.results(run)
    assert res is not None
    # a scenario without effect gives the baseline's result exactly
    assert np.array_equal(res.p50[0], res.p50[1])
    assert np.array_equal(res.mean[0], res.mean[1])
    again = _run(advisor, actor, [neutral])
    res2 = selectors.results(again)
    assert res2 is not None
    assert np.array_equal(res.p50, res2.p50)


def test_results_bytes_round_trip(advisor: User, actor: Actor) -> None:
    run = _run(advisor, actor, [])
    res = selectors.results(run)
    assert res is not None
    back = storage.results_from_bytes(storage.results_to_bytes(res))
    assert back.units == res.units
    assert np.array_equal(back.p90, res.p90, equal_nan=True)
    calibration = ForecastCalibration.objects.get(pk=run.calibration_id)
    b = services.calibration_baseline(calibration)
    b2 = storage.baseline_from_bytes(storage.baseline_to_bytes(b))
    assert np.array_equal(b.initial, b2.initial)
    assert b2.outcomes.keys() == b.outcomes.keys()


def test_forecast_costs_for_the_finance_masterplan(
    advisor: User, actor: Actor, drenthe: Side, make_user: Callable[..., User]
) -> None:
    region = drenthe.region
    assert selectors.forecast_costs(region) is None  # no forecast yet
    scenario = services.scenario_save(
        user=advisor, actor=actor, name="Duur", changes=[PREVENTION], adopted=True
    )
    run = _run(advisor, actor, [scenario], horizon_months=48)
    res = selectors.results(run)
    assert res is not None
    costs = selectors.forecast_costs(region)
    assert costs is not None
    years = sorted({y for _, y, _ in costs})
    assert years
    assert all(sum(m.startswith(str(y)) for m in res.months) == 12 for y in years)
    codes = set(region.members.values_list("code", flat=True))
    assert {c for c, _, _ in costs} == codes
    assert {s for _, _, s in costs} == {"bw", "mo"}
    # the adopted scenario by default; the baseline when asked by name
    year = years[0]
    months = [t for t, m in enumerate(res.months) if m.startswith(str(year))]
    code = region.centre.code
    u = res.units.index(code)
    expected = sum(
        float(np.sum(res.mean[1, res.outputs.index(o), u, months], dtype=np.float64))
        for o in ("cost_bw", "cost_bt")
    )
    assert float(costs[(code, year, "bw")]) == pytest.approx(expected, abs=0.02)
    baseline = selectors.forecast_costs(region, [year], scenario="baseline")
    assert baseline is not None
    assert baseline[(code, year, "bw")] > costs[(code, year, "bw")]  # less inflow, less cost
    assert selectors.forecast_costs(region, [year], scenario="Onbekend") is None
    assert selectors.forecast_costs(region, [year], scenario=scenario) == {
        k: v for k, v in costs.items() if k[1] == year
    }
    assert selectors.forecast_costs(region, [year], scenario=999_999) is None
    # the finance masterplan reads the same figures through its seam
    from doorstroom.finance.forecast import forecast_costs as finance_seam

    assert finance_seam(region, [year]) == {k: v for k, v in costs.items() if k[1] == year}
