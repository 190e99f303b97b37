"""Writes of the forecast: scenarios, calibrations (with their access-log entry), runs
(projection, capacity plan, backtest) and the facility plan's norms.

Every write validates first and stores all or nothing. A calibration reads the region's
spells from the monitor's snapshot of the event log: aggregates only, recorded once per
calibration in the access log (as the monitor's snapshot refresh does). Runs execute in a
background job (``jobs``) with progress; small expected-value runs run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.forecast.engine import RunConfig, project
from doorstroom.core.forecast.scenario import Scenario
from doorstroom.core.i18n import gettext_noop
from doorstroom.forecast import analysis, storage
from doorstroom.forecast import baseline as bl
from doorstroom.forecast import scenarios as sc
from doorstroom.forecast.models import (
    FacilityNorm,
    ForecastCalibration,
    ForecastRun,
    ForecastScenario,
)
from doorstroom.reference.models import Region

JOB_KIND = "forecast"
KEEP_CALIBRATIONS = 3
INLINE_CELLS = 4_000_000  # expected mode runs at once below runs x months x cells
Progress = Callable[[int, int], None]


def _region(user: Any) -> Region:
    return user.organisation.region  # type: ignore[no-any-return]


def scenario_context(region: Region) -> sc.Context:
    return sc.Context(frozenset(region.members.values_list("code", flat=True)), bl.GROUPS)


# ------------------------------------------------------------------ scenarios
def scenario_save(
    *,
    user: Any,
    actor: Actor,
    name: str,
    changes: Sequence[Mapping[str, Any]],
    description: str = "",
    adopted: bool = False,
    scenario: ForecastScenario | None = None,
) -> ForecastScenario:
    """Create or change a scenario of the user's region. Raises RowErrors (nothing is
    stored) when a change does not fit the engine's schema or the region."""
    region = _region(user)
    if scenario is not None and scenario.region_id != region.pk:
        raise PermissionError("scenario of another region")
    engine = sc.validate(name, changes, scenario_context(region), description)
    clash = ForecastScenario.objects.filter(region=region, name=engine.name)
    if scenario is not None:
        clash = clash.exclude(pk=scenario.pk)
    if clash.exists():
        raise RowErrors([RowError(0, gettext_noop("A scenario with this name already exists."))])
    with transaction.atomic():
        action = Action.CREATE if scenario is None else Action.UPDATE
        if scenario is None:
            scenario = ForecastScenario(region=region, created_by=user)
        if adopted:
            ForecastScenario.objects.filter(region=region, adopted=True).exclude(
                pk=scenario.pk
            ).update(adopted=False)
        scenario.name = engine.name
        scenario.description = description
        scenario.changes = engine.to_dict()["changes"]
        scenario.adopted = adopted
        try:
            with transaction.atomic():
                scenario.save()
        except IntegrityError:
            raise RowErrors(
                [RowError(0, gettext_noop("A scenario with this name already exists."))]
            ) from None
        access_record(
            actor,
            event_type="forecast.scenario.save",
            action=action,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="forecast_scenario",
            object_id=str(scenario.pk),
        )
    return scenario


def scenario_delete(*, user: Any, actor: Actor, scenario: ForecastScenario) -> None:
    if scenario.region_id != user.organisation.region_id:
        raise PermissionError("scenario of another region")
    with transaction.atomic():
        pk = scenario.pk
        scenario.delete()
        access_record(
            actor,
            event_type="forecast.scenario.delete",
            action=Action.DELETE,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="forecast_scenario",
            object_id=str(pk),
        )


def engine_scenario(row: ForecastScenario | Mapping[str, Any]) -> Scenario:
    data = row if isinstance(row, Mapping) else scenario_data(row)
    return Scenario.from_dict(data)


def scenario_data(row: ForecastScenario) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "description": row.description,
        "changes": list(row.changes),
    }


# ------------------------------------------------------------------ calibration
def calibration_fresh(region: Region) -> ForecastCalibration | None:
    """The region's calibration for this month when nothing it reads has changed since."""
    key = bl.calibration_key(region, bl.cutoff_of(timezone.localdate()))
    return (
        ForecastCalibration.objects.filter(region=region, snapshot_version=key)
        .defer("baseline")
        .first()
    )


def calibration_current(
    region: Region, actor: Actor, *, force: bool = False
) -> ForecastCalibration:
    """The calibration of the region as of this month: the stored one when nothing it reads
    has changed, else a new one (a few seconds; one access-log entry: the region's event log
    is read for aggregates)."""
    from doorstroom.journey.eventlog import event_log_load

    as_of = timezone.localdate()
    key = bl.calibration_key(region, bl.cutoff_of(as_of))
    latest = (
        ForecastCalibration.objects.filter(region=region, snapshot_version=key)
        .defer("baseline")
        .first()
    )
    if latest is not None and not force:
        return latest
    started = time.perf_counter()
    log = event_log_load(region_ids=[region.pk])
    calibrated = bl.calibrate_region(region, log, as_of)
    data = storage.baseline_to_bytes(calibrated.baseline)
    with transaction.atomic():
        calibration = ForecastCalibration.objects.create(
            region=region,
            snapshot_version=key,
            as_of=bl.cutoff_of(as_of),
            method=calibrated.method,
            growth=float(calibrated.baseline.meta.get("growth", bl.DEFAULT_GROWTH)),
            baseline=data,
            summary=calibrated.summary,
            seconds=round(time.perf_counter() - started, 3),
        )
        old = ForecastCalibration.objects.filter(region=region).values_list("pk", flat=True)
        unused = [
            pk
            for pk in list(old)[KEEP_CALIBRATIONS:]
            if not ForecastRun.objects.filter(calibration_id=pk).exists()
        ]
        ForecastCalibration.objects.filter(pk__in=unused).delete()
        access_record(
            actor,
            event_type="forecast.calibrate",
            action=Action.READ,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="forecast_calibration",
            object_id=str(calibration.pk),
            region_id=region.pk,
        )
    return calibration


def calibration_submit(*, user: Any) -> Any:
    """Calibrate the user's region in the background (once: a queued or running calibration
    of the region is reused). Returns the job."""
    from doorstroom.jobs.models import Job
    from doorstroom.jobs.services import job_submit

    region = _region(user)
    pending = (
        Job.objects.filter(
            kind=JOB_KIND,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
            params__calibrate=region.pk,
        )
        .order_by("-created_at")
        .first()
    )
    return pending or job_submit(user=user, kind=JOB_KIND, params={"calibrate": region.pk})


def calibration_baseline(calibration: ForecastCalibration) -> Any:
    data = ForecastCalibration.objects.values_list("baseline", flat=True).get(pk=calibration.pk)
    return storage.baseline_from_bytes(bytes(data))


# ------------------------------------------------------------------ runs
def _submit(run: ForecastRun, user: Any, actor: Actor, *, inline: bool) -> ForecastRun:
    from doorstroom.jobs.services import job_submit

    if inline:
        run_execute(run, actor=actor)
        run.refresh_from_db()
        return run
    job = job_submit(user=user, kind=JOB_KIND, params={"run": run.pk})
    ForecastRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    return run


def run_submit(
    *,
    user: Any,
    actor: Actor,
    scenarios: Sequence[ForecastScenario],
    mode: str,
    horizon_months: int,
    runs: int,
    seed: int,
    growth: float | None = None,
    background: bool | None = None,
) -> ForecastRun:
    """Start a forecast of the baseline and ``scenarios`` (same random numbers for all).
    Expected-value runs that are small run at once; others in the background."""
    region = _region(user)
    if any(s.region_id != region.pk for s in scenarios):
        raise PermissionError("scenario of another region")
    calibration = calibration_fresh(region)
    run = ForecastRun.objects.create(
        region=region,
        kind=ForecastRun.Kind.PROJECTION,
        calibration=calibration,
        mode=mode,
        horizon_months=horizon_months,
        runs=runs,
        seed=seed,
        growth=growth,
        scenarios=[scenario_data(s) for s in scenarios],
        created_by=user,
    )
    _record_run(actor, run)
    size = runs * horizon_months * (len(scenarios) + 1) * region.members.count()
    inline = mode == ForecastRun.Mode.EXPECTED and size <= INLINE_CELLS and calibration is not None
    return _submit(run, user, actor, inline=inline if background is None else not background)


def plan_submit(
    *,
    user: Any,
    actor: Actor,
    target: Mapping[str, Any],
    scenario: ForecastScenario | None,
    draws: int = 100,
    verify_runs: int = 200,
    seed: int = 1,
    background: bool = True,
) -> ForecastRun:
    region = _region(user)
    if scenario is not None and scenario.region_id != region.pk:
        raise PermissionError("scenario of another region")
    run = ForecastRun.objects.create(
        region=region,
        kind=ForecastRun.Kind.PLAN,
        calibration=calibration_fresh(region),
        mode=ForecastRun.Mode.EXPECTED,
        horizon_months=bl.MAX_MONTHS,
        runs=draws,
        seed=seed,
        scenarios=[scenario_data(scenario)] if scenario is not None else [],
        params={"target": dict(target), "verify_runs": verify_runs},
        created_by=user,
    )
    _record_run(actor, run)
    return _submit(run, user, actor, inline=not background)


def backtest_submit(
    *,
    user: Any,
    actor: Actor,
    test_months: int,
    runs: int = 200,
    seed: int = 1,
    background: bool = True,
) -> ForecastRun:
    """Forecast the last ``test_months`` whole months from a calibration on the history
    before them, and compare. Reads the event log: one access-log entry."""
    region = _region(user)
    run = ForecastRun.objects.create(
        region=region,
        kind=ForecastRun.Kind.BACKTEST,
        mode=ForecastRun.Mode.EXPECTED,
        horizon_months=0,
        runs=runs,
        seed=seed,
        params={"test_months": test_months},
        created_by=user,
    )
    _record_run(actor, run)
    access_record(
        actor,
        event_type="forecast.backtest",
        action=Action.READ,
        purpose=Purpose.ACCOUNTABILITY,
        clients=[],
        object_type="forecast_run",
        object_id=str(run.pk),
        region_id=region.pk,
    )
    return _submit(run, user, actor, inline=not background)


def _record_run(actor: Actor, run: ForecastRun) -> None:
    access_record(
        actor,
        event_type=f"forecast.{run.kind}",
        action=Action.CREATE,
        purpose=Purpose.ACCOUNTABILITY,
        clients=[],
        object_type="forecast_run",
        object_id=str(run.pk),
        region_id=run.region_id,
    )


def run_execute(
    run: ForecastRun, progress: Progress | None = None, actor: Actor | None = None
) -> ForecastRun:
    """Run a stored forecast run (the job handler; also inline for small runs). A run
    without a calibration calibrates the region first (``actor``: who started it)."""
    ForecastRun.objects.filter(pk=run.pk).update(status=ForecastRun.Status.RUNNING)
    started = time.perf_counter()
    try:
        fields: dict[str, Any]
        if run.kind == ForecastRun.Kind.BACKTEST:
            fields = analysis.backtest(run, progress)
        else:
            if run.calibration is None:
                who = actor or Actor.for_user(run.created_by, "forecast-job")
                run.calibration = calibration_current(run.region, who)
                ForecastRun.objects.filter(pk=run.pk).update(calibration=run.calibration)
            baseline = calibration_baseline(run.calibration)
            planned_changes = planned_of(run.calibration)
            if run.kind == ForecastRun.Kind.PROJECTION:
                fields = _projection(run, baseline, planned_changes, progress)
            else:
                fields = analysis.capacity_plan(run, baseline, planned_changes, progress)
    except Exception:
        ForecastRun.objects.filter(pk=run.pk).update(
            status=ForecastRun.Status.FAILED,
            finished_at=timezone.now(),
            seconds=round(time.perf_counter() - started, 3),
            message=gettext_noop("The calculation failed. The administrator has been notified."),
        )
        raise
    ForecastRun.objects.filter(pk=run.pk).update(
        status=ForecastRun.Status.DONE,
        finished_at=timezone.now(),
        seconds=round(time.perf_counter() - started, 3),
        **fields,
    )
    run.refresh_from_db()
    return run


def planned_of(calibration: ForecastCalibration) -> list[dict[str, Any]]:
    """The planned facilities known at calibration, as engine changes (places)."""
    return [{"kind": "places", **c} for c in calibration.summary.get("planned", [])]


def with_planned(data: Mapping[str, Any], planned: Sequence[Mapping[str, Any]]) -> Scenario:
    """The engine scenario: the region's planned facilities first, then its own changes."""
    return Scenario.from_dict(
        {
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "changes": [*planned, *data.get("changes", [])],
        }
    )


BASELINE_NAME = gettext_noop("Baseline")


def _projection(
    run: ForecastRun,
    baseline: Any,
    planned: Sequence[Mapping[str, Any]],
    progress: Progress | None,
) -> dict[str, Any]:
    b = bl.with_horizon(baseline, run.horizon_months, run.growth)
    specs = [{"name": BASELINE_NAME, "changes": []}, *run.scenarios]
    cfg = RunConfig(mode=run.mode, runs=run.runs, seed=run.seed, bands="all")  # type: ignore[arg-type]
    total = len(specs) * 1000
    projections = []
    for i, spec in enumerate(specs):

        def step(fraction: float, i: int = i) -> None:
            if progress is not None:
                progress(i * 1000 + round(fraction * 1000), total)

        projections.append(project(b, with_planned(spec, planned), cfg, progress=step))
        step(1.0)
    results = storage.results_from(projections)
    return {
        "result": storage.results_to_bytes(results),
        "summary": {"scenarios": list(results.scenarios), "months": len(results.months)},
    }


# ------------------------------------------------------------------ facility plan norms
def norms_save(*, user: Any, actor: Actor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace the region's norms (product, places per 10,000, in every municipality);
    all or nothing."""
    region = _region(user)
    errors: list[RowError] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        product = row.get("product")
        if product not in ("bw", "bt", "mo"):
            errors.append(RowError(i, gettext_noop("The product must be BW, BT or MO.")))
        elif product in seen:
            errors.append(RowError(i, gettext_noop("Give one norm per product.")))
        seen.add(str(product))
        value = row.get("places_per_10k")
        if not isinstance(value, Decimal) or value < 0 or value > 1000:
            errors.append(
                RowError(
                    i, gettext_noop("Places per 10,000 inhabitants must lie between 0 and 1,000.")
                )
            )
    if errors:
        raise RowErrors(errors)
    with transaction.atomic():
        FacilityNorm.objects.filter(region=region).exclude(
            product__in=[r["product"] for r in rows]
        ).delete()
        for row in rows:
            FacilityNorm.objects.update_or_create(
                region=region,
                product=row["product"],
                defaults={
                    "places_per_10k": row["places_per_10k"],
                    "in_every_municipality": bool(row.get("in_every_municipality")),
                    "source": row.get("source", "") or "",
                },
            )
        access_record(
            actor,
            event_type="forecast.norms.save",
            action=Action.UPDATE,
            purpose=Purpose.ACCOUNTABILITY,
            clients=[],
            object_type="facility_norm",
            object_id=str(region.pk),
        )
