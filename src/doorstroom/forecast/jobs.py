"""The background job of the forecast: one kind for projections, capacity plans and
backtests (the run says which)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from doorstroom.audit.services import Actor
from doorstroom.core.i18n import gettext_noop
from doorstroom.forecast.models import ForecastRun
from doorstroom.forecast.services import JOB_KIND, calibration_current, run_execute
from doorstroom.jobs.models import Job
from doorstroom.jobs.registry import Progress, register
from doorstroom.reference.models import Region

KIND_LABELS: dict[str, str] = {
    ForecastRun.Kind.PROJECTION: gettext_noop("Forecast"),
    ForecastRun.Kind.PLAN: gettext_noop("Capacity plan"),
    ForecastRun.Kind.BACKTEST: gettext_noop("Backtest"),
}


@register(JOB_KIND, gettext_lazy("Forecast calculation"))
def run_forecast(job: Job, progress: Progress) -> dict[str, Any]:
    if "calibrate" in job.params:
        region = Region.objects.get(pk=job.params["calibrate"])
        calibration = calibration_current(region, Actor.for_user(job.created_by, "forecast-job"))
        return {
            "summary": [[gettext_noop("Seconds"), calibration.seconds]],
            "calibration": calibration.pk,
        }
    run = ForecastRun.objects.select_related("calibration", "region", "created_by").get(
        pk=job.params["run"]
    )
    run = run_execute(run, progress, Actor.for_user(job.created_by, "forecast-job"))
    return {
        "summary": [
            [gettext_noop("Calculation"), KIND_LABELS[run.kind]],
            [gettext_noop("Seconds"), run.seconds],
        ],
        "run": run.pk,
    }
