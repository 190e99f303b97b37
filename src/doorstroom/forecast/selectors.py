"""Reads of the forecast, scoped to the acting user's region through
``organisations.scoping``. Results are loaded from their compact bytes once per process
(a small LRU per run id).

``forecast_costs`` is the seam for the finance module's masterplan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from doorstroom.facilities.models import Facility
from doorstroom.forecast import storage
from doorstroom.forecast.models import (
    FacilityNorm,
    ForecastCalibration,
    ForecastRun,
    ForecastScenario,
)
from doorstroom.organisations.scoping import scope
from doorstroom.reference.models import Region

_lock = threading.Lock()
_results: OrderedDict[int, storage.Results] = OrderedDict()
RESULT_CACHE = 8


def scenarios(user: Any) -> list[ForecastScenario]:
    return list(scope(user, ForecastScenario.objects.all()))


def scenario_get(user: Any, pk: int) -> ForecastScenario | None:
    return scope(user, ForecastScenario.objects.filter(pk=pk)).first()


def runs(user: Any, kind: str | None = None, limit: int = 20) -> list[ForecastRun]:
    qs = scope(user, ForecastRun.objects.select_related("created_by", "job")).defer("result")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return list(qs[:limit])


def run_get(user: Any, pk: int) -> ForecastRun | None:
    return (
        scope(user, ForecastRun.objects.select_related("created_by", "job", "calibration"))
        .defer("result", "calibration__baseline")
        .filter(pk=pk)
        .first()
    )


def latest_run(user: Any, kind: str) -> ForecastRun | None:
    return (
        scope(user, ForecastRun.objects.filter(kind=kind, status=ForecastRun.Status.DONE))
        .defer("result")
        .first()
    )


def calibration_latest(user: Any) -> ForecastCalibration | None:
    return scope(user, ForecastCalibration.objects.defer("baseline")).first()


def results(run: ForecastRun) -> storage.Results | None:
    """The stored results of a finished run (None before it is done)."""
    if run.status != ForecastRun.Status.DONE:
        return None
    with _lock:
        cached = _results.get(run.pk)
        if cached is not None:
            _results.move_to_end(run.pk)
            return cached
    data = ForecastRun.objects.values_list("result", flat=True).get(pk=run.pk)
    if not data:
        return None
    loaded = storage.results_from_bytes(bytes(data))
    with _lock:
        _results[run.pk] = loaded
        while len(_results) > RESULT_CACHE:
            _results.popitem(last=False)
    return loaded


def norms(user: Any) -> dict[str, FacilityNorm]:
    return {n.product: n for n in scope(user, FacilityNorm.objects.all())}


def region_facilities(user: Any) -> list[Facility]:
    return list(scope(user, Facility.objects.select_related("municipality", "provider")))


def proposed_facilities(user: Any) -> list[Facility]:
    return [f for f in region_facilities(user) if f.status == Facility.Status.PROPOSED]


def facility_get(user: Any, pk: int) -> Facility | None:
    return scope(user, Facility.objects.select_related("municipality").filter(pk=pk)).first()


# ------------------------------------------------------------------ the finance seam
BASELINE = "baseline"
STREAMS = {"cost_bw": "bw", "cost_bt": "bw", "cost_mo": "mo"}


def forecast_costs(
    region: Region,
    years: Sequence[int] | None = None,
    scenario: ForecastScenario | int | str | None = None,
) -> dict[tuple[str, int, str], Decimal] | None:
    """Forecast care costs of the region's municipalities: ``(municipality code, year,
    stream) -> euros`` (Decimal, two decimals), the expected value (mean over the runs) of
    the latest finished forecast of the region. Streams as in ``core.finance.Stream``:
    ``"bw"`` (BW and BT places) and ``"mo"``; costs are charged to the municipality of
    origin. Only whole calendar years inside the forecast's horizon are given (and of
    those, ``years`` when given).

    ``scenario``: a scenario (object, id or name) of that forecast; None takes the region's
    adopted scenario when the forecast includes it, else the baseline; ``"baseline"`` the
    baseline (current policy with the planned facilities). None is returned
    when the region has no finished forecast, or the scenario is not part of it. This is a
    system read (no user): forecasts hold no client data."""
    run = (
        ForecastRun.objects.filter(
            region=region, kind=ForecastRun.Kind.PROJECTION, status=ForecastRun.Status.DONE
        )
        .defer("result")
        .first()
    )
    if run is None:
        return None
    index = _scenario_index(region, run, scenario)
    if index is None:
        return None
    res = results(run)
    if res is None:
        return None
    wanted = set(years) if years is not None else None
    by_year: dict[int, list[int]] = {}
    for t, label in enumerate(res.months):
        by_year.setdefault(int(label[:4]), []).append(t)
    out: dict[tuple[str, int, str], Decimal] = {}
    codes = [u for u in res.units if u.startswith("GM")]
    for year, months in by_year.items():
        if len(months) < 12 or (wanted is not None and year not in wanted):
            continue
        for output, stream in STREAMS.items():
            o = res.outputs.index(output)
            for code in codes:
                u = res.units.index(code)
                value = float(np.sum(res.mean[index, o, u, months], dtype=np.float64))
                key = (code, year, stream)
                out[key] = out.get(key, Decimal("0.00")) + Decimal(f"{value:.2f}")
    return out


def _scenario_index(
    region: Region, run: ForecastRun, scenario: ForecastScenario | int | str | None
) -> int | None:
    ids = [s.get("id") for s in run.scenarios]
    names = [s.get("name") for s in run.scenarios]
    if scenario is None:
        adopted = ForecastScenario.objects.filter(region=region, adopted=True).first()
        if adopted is not None and adopted.pk in ids:
            return 1 + ids.index(adopted.pk)
        return 0
    if isinstance(scenario, ForecastScenario):
        scenario = scenario.pk
    if isinstance(scenario, int):
        return 1 + ids.index(scenario) if scenario in ids else None
    if scenario == BASELINE:
        return 0
    return 1 + names.index(scenario) if scenario in names else None
