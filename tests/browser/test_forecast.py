"""The forecast pages in a real browser with axe-core, as the demo's policy advisor:
overview, parameters, a forecast with its scenarios, the planner and backtest with a result,
the facility plan and the assessment of the demo's proposed facility, the forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.facilities.models import Facility
from doorstroom.forecast import services
from doorstroom.forecast.demo import demo_forecast
from doorstroom.forecast.models import ForecastRun, ForecastScenario
from doorstroom.journey.synthetic import demo_synthetic_data, synthetic_load
from doorstroom.web.demo import demo_seed
from tests.browser.test_navigation import check_page, log_in_with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_forecast_pages_are_accessible(page: Any, live_server: Any) -> None:
    demo_seed()
    end = timezone.localdate()
    synthetic_load(demo_synthetic_data(end=end, years=2, seed=3, regions=["Groningen"]))
    run = demo_forecast()  # the job runs at once in tests: calibration and forecast
    assert run is not None
    run.refresh_from_db()
    assert run.status == ForecastRun.Status.DONE
    advisor = User.objects.get(username="beleid")
    actor = Actor.for_user(advisor, "test")
    plan = services.plan_submit(
        user=advisor,
        actor=actor,
        target={
            "output": "wait_bw",
            "threshold": 2.0,
            "probability": 0.9,
            "month": f"{end.year + 3}-12",
            "unit": None,
        },
        scenario=None,
        draws=40,
        verify_runs=0,
        background=False,
    )
    backtest = services.backtest_submit(
        user=advisor, actor=actor, test_months=12, runs=60, background=False
    )
    proposed = Facility.objects.get(status=Facility.Status.PROPOSED)
    scenario = ForecastScenario.objects.get(name="Regioplan")
    log_in_with_totp(page, live_server.url, "beleid")
    base = live_server.url
    problems: list[str] = []
    for url in [
        "/prognose/",
        "/prognose/parameters/",
        f"/prognose/berekeningen/{run.pk}/",
        f"/prognose/berekeningen/{plan.pk}/",
        f"/prognose/berekeningen/{backtest.pk}/",
        "/prognose/berekenen/",
        "/prognose/capaciteit/",
        "/prognose/backtest/",
        "/prognose/voorzieningenplan/",
        "/prognose/voorzieningenplan/normen/",
        f"/prognose/voorzieningenplan/toets/{proposed.pk}/",
        f"/prognose/scenarios/{scenario.pk}/",
        f"/prognose/scenarios/{scenario.pk}/wijzigen/",
        "/prognose/scenarios/importeren/",
    ]:
        page.goto(base + url)
        assert "Er ging iets mis" not in page.content(), url
        check_page(page, problems)
    # a band chart's figures are in its table alternative
    page.goto(f"{base}/prognose/berekeningen/{run.pk}/")
    assert page.locator("figure svg").count() >= 5
    # a scenario with a wrong change: the errors are shown, nothing is saved
    page.goto(f"{base}/prognose/scenarios/nieuw/")
    page.get_by_label("Naam").fill("Te veel")
    page.locator("#id_changes-0-kind").select_option("prevention")
    page.locator("#id_changes-0-value").fill("400")
    page.locator("#id_changes-0-start").fill("2030-01")
    page.get_by_role("button", name="Opslaan").click()
    assert "Er is niets opgeslagen" in page.content()
    check_page(page, problems)
    assert not ForecastScenario.objects.filter(name="Te veel").exists()
    assert not problems, "\n\n".join(problems)
