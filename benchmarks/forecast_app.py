"""The forecast pages and services with a database: what a policy advisor waits for.

Sets up a test database (SQLite, or PostgreSQL with DATABASE_URL), loads ``--years`` of
synthetic history for the demo region Groningen (ten municipalities), and times:

- the calibration (load the region's event log, the engine's calibration, store it);
- a forecast in expected-value mode (baseline + four scenarios, 300 parameter draws,
  ten years): run at once in the request;
- a forecast in stochastic mode (baseline + one scenario, ``--runs`` runs, fifteen years):
  the background job, and the size of the stored results;
- the capacity planner and the backtest as run by their jobs;
- the pages: comparison (cold: results loaded from the database; warm), its Excel and PDF
  exports, parameters, facility plan and the assessment of a proposed facility;
- the finance seam ``forecast_costs``.

    .venv/bin/python benchmarks/forecast_app.py [--years 5] [--runs 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstroom.conf.test")


def timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<62} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0)
    old_config = runner.setup_databases()
    try:
        run(args.years, args.runs)
    finally:
        runner.teardown_databases(old_config)


def run(years: int, runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from doorstroom.accounts.models import User
    from doorstroom.audit.services import Actor
    from doorstroom.facilities.models import Facility
    from doorstroom.forecast import selectors, services
    from doorstroom.forecast.demo import demo_forecast
    from doorstroom.forecast.models import ForecastRun, ForecastScenario
    from doorstroom.journey.synthetic import demo_synthetic_data, region_office, synthetic_load
    from doorstroom.reference.models import Region
    from doorstroom.reference.services import reference_data_load
    from doorstroom.web.demo import demo_seed

    print(f"database: {connection.vendor}")
    reference_data_load()
    demo_seed()
    end = timezone.localdate()
    timed(
        f"synthetic history, Groningen and Zuidwest-Drenthe, {years} years (setup)",
        lambda: synthetic_load(
            demo_synthetic_data(
                end=end, years=years, seed=1, regions=["Groningen", "Zuidwest-Drenthe"]
            )
        ),
    )
    region = Region.objects.get(slug="groningen")
    advisor = User.objects.get(username="beleid")
    actor = Actor.for_user(advisor, "benchmark")
    # the demo's scenarios, norms and proposed facility (its forecast is made below)
    ForecastRun.objects.all().delete()
    demo_forecast()
    ForecastRun.objects.all().delete()
    calibration = timed(
        "calibration (load log + engine calibration + store)",
        lambda: services.calibration_current(region, actor, force=True),
    )
    print(f"  stored baseline: {len(bytes(calibration.baseline)) / 1024:.0f} KiB")
    scenarios = list(ForecastScenario.objects.filter(region=region).order_by("name"))
    expected = timed(
        "expected value: baseline + 4 scenarios, 300 draws, 120 months",
        lambda: services.run_submit(
            user=advisor,
            actor=actor,
            scenarios=scenarios,
            mode="expected",
            horizon_months=120,
            runs=300,
            seed=1,
        ),
    )
    assert expected.status == ForecastRun.Status.DONE
    print(f"  ran at once (no job): {expected.job_id is None}; engine {expected.seconds:.3f} s")
    stochastic = ForecastRun.objects.create(
        region=region,
        kind="projection",
        calibration=calibration,
        mode="stochastic",
        horizon_months=180,
        runs=runs,
        seed=1,
        scenarios=[services.scenario_data(scenarios[-1])],
        created_by=advisor,
    )
    timed(
        f"stochastic: baseline + 1 scenario, {runs} runs, 180 months (job)",
        lambda: services.run_execute(stochastic),
    )
    stochastic.refresh_from_db()
    size = len(bytes(stochastic.result))
    print(f"  stored results: {size / 1024:.0f} KiB (means and P10/P50/P90, no paths)")
    plan = timed(
        "capacity planner: waiting time BT <= 3 months, 90%, in 5 years (job)",
        lambda: services.plan_submit(
            user=advisor,
            actor=actor,
            target={
                "output": "wait_bt",
                "threshold": 3.0,
                "probability": 0.9,
                "month": f"{end.year + 5}-12",
                "unit": region.name,
            },
            scenario=None,
            background=False,
        ),
    )
    print(
        f"  {len(plan.summary['steps'])} steps, met: {plan.summary['met']} "
        f"({plan.summary['reason']}), verified: {plan.summary['verified']}"
    )
    backtest = timed(
        "backtest: the last 24 months, 300 runs (job)",
        lambda: services.backtest_submit(
            user=advisor, actor=actor, test_months=24, runs=300, background=False
        ),
    )
    report_backtest(backtest.summary)
    # Groningen's demo also has hand-made facilities (web/demo_journeys.py) whose places
    # the synthetic history never used; Zuidwest-Drenthe is synthetic only
    drenthe = Region.objects.get(slug="zuidwest-drenthe")
    drenthe_advisor = User.objects.create(
        username="beleid.drenthe", organisation=region_office(drenthe), role="policy_advisor"
    )
    other = timed(
        "backtest, Zuidwest-Drenthe: the last 24 months, 300 runs (job)",
        lambda: services.backtest_submit(
            user=drenthe_advisor,
            actor=Actor.for_user(drenthe_advisor, "benchmark"),
            test_months=24,
            runs=300,
            background=False,
        ),
    )
    report_backtest(other.summary)
    http = Client()
    device, _ = TOTPDevice.objects.get_or_create(
        user=advisor, name="benchmark", defaults={"confirmed": True}
    )
    http.force_login(advisor)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # as after the second factor
    session.save()
    proposed = Facility.objects.get(status=Facility.Status.PROPOSED)
    pages = [
        ("comparison page, 5 scenarios (cold)", f"/prognose/berekeningen/{expected.pk}/"),
        ("comparison page (warm)", f"/prognose/berekeningen/{expected.pk}/"),
        ("comparison page, a municipality", f"/prognose/berekeningen/{expected.pk}/?unit=GM0765"),
        ("comparison Excel (all tables)", f"/prognose/berekeningen/{expected.pk}/?export=xlsx"),
        ("comparison PDF report", f"/prognose/berekeningen/{expected.pk}/?export=pdf"),
        ("stochastic run page (cold)", f"/prognose/berekeningen/{stochastic.pk}/"),
        ("parameters page", "/prognose/parameters/"),
        ("facility plan", "/prognose/voorzieningenplan/"),
        (
            "assessment of the proposed facility",
            f"/prognose/voorzieningenplan/toets/{proposed.pk}/",
        ),
        ("capacity plan page", f"/prognose/berekeningen/{plan.pk}/"),
        ("backtest page", f"/prognose/berekeningen/{backtest.pk}/"),
        ("XMILE download", "/prognose/model.xmile"),
    ]
    selectors._results.clear()
    http.get("/prognose/")  # warm-up: templates, translations
    for label, url in pages:
        response = timed(label, lambda url=url: http.get(url))
        assert response.status_code == 200, (url, response.status_code)
    timed(
        "forecast_costs(region) for the finance masterplan",
        lambda: selectors.forecast_costs(region),
    )


def report_backtest(s: dict[str, Any]) -> None:
    print(
        f"  {len(s['months'])} months tested: coverage {s['coverage']:.0%} (claimed 80%), "
        f"MAPE in care {s['mape_in_care']:.1%}"
    )
    for o in s["outputs"]:
        print(f"    {o:<11} MAPE {s['mape'][o]:6.1%}  in P10-P90 {s['coverage_by_output'][o]:4.0%}")


if __name__ == "__main__":
    main()
