"""The forecast pages: overview, scenarios, parameters (calibration), runs (scenarios side
by side, with bands), capacity planner, backtest, facility plan with the assessment of a
proposed facility, and the XMILE download.

Policy advisors create scenarios and start calculations; finance advisors, municipal
officers, administrators and the client council read the results (aggregates only).
Every table downloads as Excel/CSV (``?export=xlsx|csv``); result pages also as PDF
(``?export=pdf``). A running calculation's page refreshes itself (``<meta refresh>``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.core.errors import RowErrors
from doorstroom.core.forecast.xmile import to_xmile
from doorstroom.core.roles import Role
from doorstroom.forecast import facility_plan as fp
from doorstroom.forecast import presentation as p
from doorstroom.forecast import selectors, services
from doorstroom.forecast.baseline import (
    MAX_MONTHS,
    MIN_APPLICATIONS,
    cutoff_of,
    enough_history,
    members,
    month_label,
)
from doorstroom.forecast.forms import (
    AssessForm,
    BacktestForm,
    ChangeFormSet,
    NormFormSet,
    PlanForm,
    ResultFilterForm,
    RunForm,
    ScenarioForm,
    ScenarioImportForm,
)
from doorstroom.forecast.models import ForecastRun, ForecastScenario
from doorstroom.forecast.scenarios import change_to_row, row_to_change
from doorstroom.reference.models import Region
from doorstroom.web.charts import Chart
from doorstroom.web.pdf import Report, pdf_response
from doorstroom.web.tables import Table, export_response

READERS = (
    Role.POLICY_ADVISOR,
    Role.FINANCE_ADVISOR,
    Role.MUNICIPAL_OFFICER,
    Role.ADMINISTRATOR,
    Role.CLIENT_COUNCIL,
)
EDITORS = (Role.POLICY_ADVISOR,)
MAX_CHANGES = 30


def _protect(tables: list[Table]) -> list[Table]:
    """Disclosure control on every table that counts people. None of the forecast's
    readers sees every client of the region (a municipal officer sees only their own
    municipality's), so small counts are hidden on screen for all of them, as in the
    monitor for these roles."""
    return [t.protect() if t.counts_people else t for t in tables]


def _region(user: Any) -> Region:
    return user.organisation.region  # type: ignore[no-any-return]


def _may_edit(user: Any) -> bool:
    return bool(user.role_enum in EDITORS)


def _errors(exc: RowErrors) -> list[dict[str, Any]]:
    return [{"line": e.line, "message": e.message.translate(_)} for e in exc.errors]


# ------------------------------------------------------------------ overview
@rule(*READERS)
def overview(request: HttpRequest) -> HttpResponse:
    user = member(request)
    return render(
        request,
        "forecast/overview.html",
        {
            "scenarios": selectors.scenarios(user),
            "runs": selectors.runs(user),
            "latest": selectors.latest_run(user, ForecastRun.Kind.PROJECTION),
            "calibration": selectors.calibration_latest(user),
            "may_edit": _may_edit(user),
        },
    )


# ------------------------------------------------------------------ scenarios
def _scenario_form_context(user: Any, data: Any, scenario: ForecastScenario | None) -> Any:
    municipalities = members(_region(user))
    if data is not None:
        formset = ChangeFormSet(
            data, prefix="changes", form_kwargs={"municipalities": municipalities}
        )
    else:
        initial = []
        for change in scenario.changes if scenario is not None else []:
            row = change_to_row(change)
            initial.append(
                {
                    "kind": row.kind,
                    "value": row.value,
                    "start": row.start,
                    "municipality": row.municipality or "",
                    "product": row.product or "",
                    "group": row.group or "",
                }
            )
        formset = ChangeFormSet(
            initial=initial + [{}] * 3,
            prefix="changes",
            form_kwargs={"municipalities": municipalities},
        )
    return formset


@rule(*READERS)
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = member(request)
    scenario = selectors.scenario_get(user, pk)
    if scenario is None:
        raise Http404
    if request.GET.get("export") == "json":
        data = services.scenario_data(scenario)
        data.pop("id")
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}.json"'
        return response
    names = {m.code: m.name for m in members(_region(user))}
    return render(
        request,
        "forecast/scenario_detail.html",
        {
            "scenario": scenario,
            "rows": [(change_to_row(c), names) for c in scenario.changes],
            "names": names,
            "may_edit": _may_edit(user),
        },
    )


@rule(*EDITORS)
def scenario_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = member(request)
    scenario = selectors.scenario_get(user, pk) if pk is not None else None
    if pk is not None and scenario is None:
        raise Http404
    initial = (
        {"name": scenario.name, "description": scenario.description, "adopted": scenario.adopted}
        if scenario
        else None
    )
    form = ScenarioForm(request.POST or None, initial=initial)
    formset = _scenario_form_context(user, request.POST or None, scenario)
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [f.row() for f in formset.forms]
        changes = [row_to_change(r) for r in rows if r is not None][:MAX_CHANGES]
        try:
            saved = services.scenario_save(
                user=user,
                actor=Actor.from_request(request),
                scenario=scenario,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                adopted=form.cleaned_data["adopted"],
                changes=changes,
            )
        except RowErrors as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The scenario has been saved."))
            return redirect("forecast:scenario", pk=saved.pk)
    return render(
        request,
        "forecast/scenario_form.html",
        {"form": form, "formset": formset, "scenario": scenario, "errors": errors},
    )


@rule(*EDITORS)
@require_POST
def scenario_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = member(request)
    scenario = selectors.scenario_get(user, pk)
    if scenario is None:
        raise Http404
    services.scenario_delete(user=user, actor=Actor.from_request(request), scenario=scenario)
    messages.success(request, _("The scenario has been removed."))
    return redirect("forecast:overview")


@rule(*EDITORS)
def scenario_import(request: HttpRequest) -> HttpResponse:
    user = member(request)
    form = ScenarioImportForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = json.loads(upload.read(1_000_000).decode("utf-8-sig"))
            if not isinstance(data, dict) or not isinstance(data.get("changes", []), list):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            form.add_error("file", _("The file is not a scenario (JSON with a name and changes)."))
        else:
            try:
                saved = services.scenario_save(
                    user=user,
                    actor=Actor.from_request(request),
                    name=str(data.get("name", "")),
                    description=str(data.get("description", "")),
                    changes=data.get("changes", []),
                )
            except RowErrors as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("The scenario has been imported."))
                return redirect("forecast:scenario", pk=saved.pk)
    return render(request, "forecast/scenario_import.html", {"form": form, "errors": errors})


# ------------------------------------------------------------------ parameters and XMILE
def _calibration(request: HttpRequest, user: Any) -> tuple[Any, Any]:
    """The latest calibration of the region (None before the first) and, when it is not
    of the current month and event log, the background job that makes a new one."""
    region = _region(user)
    latest = selectors.calibration_latest(user)
    if latest is not None and services.calibration_fresh(region) is not None:
        return latest, None
    return latest, services.calibration_submit(user=user)


def _no_history(request: HttpRequest) -> HttpResponse:
    return render(request, "forecast/no_history.html", {"minimum": MIN_APPLICATIONS})


def _history(user: Any) -> bool:
    return enough_history(_region(user), timezone.localdate())


@rule(*READERS)
def parameters(request: HttpRequest) -> HttpResponse:
    user = member(request)
    if not _history(user):
        return _no_history(request)
    calibration, job = _calibration(request, user)
    if calibration is None:
        return render(request, "forecast/calibrating.html", {"job": job})
    baseline = services.calibration_baseline(calibration)
    names = dict(zip(baseline.area.codes, baseline.area.names, strict=True))
    summary = calibration.summary
    code = request.GET.get("municipality") or None
    if code not in names:
        code = None
    tables = _protect(
        [
            p.transitions_table(summary, code, names.get(code) if code else None),
            p.stay_table(summary),
            p.inflow_table(summary, names),
            p.trend_table(summary),
            p.supply_table(baseline, summary),
            p.initial_table(baseline),
        ],
    )
    if response := export_response(
        request, tables, filename="prognose-parameters", title=_("Forecast parameters")
    ):
        return response
    return render(
        request,
        "forecast/parameters.html",
        {
            "calibration": calibration,
            "job": job,
            "baseline": baseline,
            "names": names,
            "municipality": code,
            "tables": tables,
            "t": {t.id: t for t in tables},
            "protected": any(t.suppression is not None for t in tables),
        },
    )


@rule(*READERS)
def xmile(request: HttpRequest) -> HttpResponse:
    """The baseline model (parameter means) as an XMILE file for PySD, Stella or Vensim:
    of the latest calibration (made now when there is none yet)."""
    user = member(request)
    if selectors.calibration_latest(user) is None and not _history(user):
        return _no_history(request)
    calibration = selectors.calibration_latest(user) or services.calibration_current(
        _region(user), Actor.from_request(request)
    )
    baseline = services.calibration_baseline(calibration)
    text = request.GET.get("months", "60")
    months = int(text) if text.isdigit() else 60
    b = replace(baseline, months=min(max(months, 1), baseline.months))
    content = to_xmile(b, name=f"doorstroom {_region(user).name}")
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    slug = _region(user).slug
    response["Content-Disposition"] = (
        f'attachment; filename="doorstroom-{slug}-{calibration.as_of:%Y-%m}.xmile"'
    )
    return response


# ------------------------------------------------------------------ runs
@rule(*EDITORS)
def run_create(request: HttpRequest) -> HttpResponse:
    user = member(request)
    if not _history(user):
        return _no_history(request)
    scenarios = selectors.scenarios(user)
    form = RunForm(request.POST or None, scenarios=scenarios)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        growth = data.get("growth")
        run = services.run_submit(
            user=user,
            actor=Actor.from_request(request),
            scenarios=list(data["scenarios"]),
            mode=data["mode"],
            horizon_months=12 * data["years"],
            runs=data["runs"],
            seed=data["seed"],
            growth=float(growth) / 100 if growth is not None else None,
        )
        return redirect("forecast:run", pk=run.pk)
    return render(request, "forecast/run_form.html", {"form": form, "scenarios": scenarios})


def _pending(request: HttpRequest, run: ForecastRun) -> HttpResponse:
    return render(request, "forecast/run_pending.html", {"run": run})


@rule(*READERS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = member(request)
    run = selectors.run_get(user, pk)
    if run is None:
        raise Http404
    if run.status != ForecastRun.Status.DONE:
        return _pending(request, run)
    if run.kind == ForecastRun.Kind.PLAN:
        return _plan_result(request, user, run)
    if run.kind == ForecastRun.Kind.BACKTEST:
        return _backtest_result(request, user, run)
    return _comparison(request, user, run)


def _comparison(request: HttpRequest, user: Any, run: ForecastRun) -> HttpResponse:
    res = selectors.results(run)
    if res is None:
        raise Http404
    names = {m.code: m.name for m in members(_region(user))}
    units = [(u, names[u]) for u in res.units if u in names]
    full_years = [y for y in res.years if sum(m.startswith(str(y)) for m in res.months) == 12]
    years = full_years or res.years
    form = ResultFilterForm(request.GET or None, units=units, years=years)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    unit = data.get("unit") or res.units[-1]
    unit_name = names.get(unit) or _("Region %(name)s") % {"name": unit}
    output = data.get("output") or "in_bw"
    year = int(data.get("year") or years[-1])
    end_year = res.years[-1]
    tables = [
        p.summary_table(res, unit, end_year, unit_name),
        p.yearly_table(res, unit, p.STOCK_OUTPUTS, "stocks", _("In care at the end of each year")),
        p.yearly_table(
            res, unit, p.QUEUE_OUTPUTS, "waiting", _("Waiting lists at the end of each year")
        ),
        p.yearly_table(
            res,
            unit,
            p.WAIT_OUTPUTS,
            "waiting-times",
            _("Waiting times at the end of each year (months)"),
        ),
        p.costs_table(res, year, names),
        p.cost_years_table(res, unit, unit_name),
    ]
    bands = [p.band_table(res, s, output, unit, unit_name) for s in range(len(res.scenarios))]
    charts = [p.band_chart(t) for t in bands]
    cost_chart = p.cost_years_chart(tables[-1]) if tables[-1].body_rows else None
    fmt = request.GET.get("export")
    if fmt == "pdf":
        return pdf_response(
            _comparison_report(run, res, unit, unit_name, names, tables), "prognose"
        )
    if response := export_response(
        request, [*tables, *bands], filename="prognose", title=_("Forecast")
    ):
        return response
    return render(
        request,
        "forecast/run_detail.html",
        {
            "run": run,
            "res": res,
            "form": form,
            "tables": tables,
            "t": {t.id.replace("-", "_"): t for t in tables},
            "charts": list(zip(bands, charts, strict=True)),
            "cost_chart": cost_chart,
            "unit_name": unit_name,
            "output_label": p.OUTPUT_LABELS[output],
            "scenario_labels": [p.scenario_label(s) for s in res.scenarios],
            "end_year": end_year,
            "may_edit": _may_edit(user),
        },
    )


def _comparison_report(
    run: ForecastRun,
    res: Any,
    unit: str,
    unit_name: str,
    names: dict[str, str],
    tables: list[Table],
) -> bytes:
    labels = ", ".join(p.scenario_label(s) for s in res.scenarios)
    report = Report(
        _("Forecast and scenarios"),
        subtitle=f"{run.region.name}: {labels}",
        organisation=run.region.name,
        source=p.SOURCE,
    )
    report.heading(_("What was calculated"))
    report.paragraph(
        _(
            "%(mode)s, %(runs)s runs, seed %(seed)s, %(months)s months from %(first)s. "
            "Every scenario runs on the same random numbers as the baseline, so differences "
            "between them are the effect of the changes, not chance."
        )
        % {
            "mode": run.get_mode_display(),
            "runs": run.runs,
            "seed": run.seed,
            "months": len(res.months),
            "first": res.months[0],
        }
    )
    for spec in run.scenarios:
        report.paragraph(f"{spec['name']}: {spec.get('description', '')}")
    report.heading(_("Summary")).table(tables[0])
    for output in ("in_bw", "in_bt", "waiting_bt", "wait_bt", "wait_bw"):
        report.heading(str(p.OUTPUT_LABELS[output]), level=2)
        for s in range(len(res.scenarios)):
            report.chart(p.band_chart(p.band_table(res, s, output, unit, unit_name)))
    for table in tables[1:]:
        report.heading(str(table.title), level=2).table(table, title=False)
    return report.build()


# ------------------------------------------------------------------ capacity planner
@rule(*READERS)
def planner(request: HttpRequest) -> HttpResponse:
    user = member(request)
    region = _region(user)
    scenarios = selectors.scenarios(user)
    start = cutoff_of(timezone.localdate())
    first = month_label(start.year, start.month)
    last = month_label(start.year, start.month, MAX_MONTHS - 1)
    form = PlanForm(
        request.POST or None,
        initial={"month": f"{start.year + 4}-12"},
        municipalities=members(region),
        region_name=region.name,
        scenarios=scenarios,
        months=(first, last),
    )
    if request.method == "POST":
        if not _may_edit(user):
            raise PermissionDenied
        if not _history(user):
            return _no_history(request)
        if form.is_valid():
            run = services.plan_submit(
                user=user,
                actor=Actor.from_request(request),
                target=form.target(),
                scenario=form.cleaned_data.get("scenario"),
            )
            return redirect("forecast:run", pk=run.pk)
    return render(
        request,
        "forecast/planner.html",
        {
            "form": form,
            "runs": selectors.runs(user, ForecastRun.Kind.PLAN, limit=10),
            "may_edit": _may_edit(user),
        },
    )


def _plan_result(request: HttpRequest, user: Any, run: ForecastRun) -> HttpResponse:
    names = {m.code: m.name for m in members(_region(user))}
    names[run.region.name] = run.region.name
    summary = run.summary
    tables = p.plan_tables(summary, names)
    chart = (
        p.plan_chart(tables[0], float(summary["target"]["threshold"])) if summary["steps"] else None
    )
    if request.GET.get("export") == "pdf":
        report = Report(
            _("Capacity plan"),
            subtitle=run.region.name,
            organisation=run.region.name,
            source=p.SOURCE,
        )
        report.heading(_("Target")).paragraph(_target_text(summary, names))
        report.paragraph(_plan_outcome(summary))
        if chart is not None:
            report.chart(chart)
        for table in tables:
            report.table(table)
        return pdf_response(report.build(), "capaciteitsplan")
    if response := export_response(
        request, tables, filename="capaciteitsplan", title=_("Capacity plan")
    ):
        return response
    return render(
        request,
        "forecast/plan_detail.html",
        {
            "run": run,
            "summary": summary,
            "tables": tables,
            "chart": chart,
            "target_text": _target_text(summary, names),
            "outcome": _plan_outcome(summary),
        },
    )


def _target_text(summary: dict[str, Any], names: dict[str, str]) -> str:
    t = summary["target"]
    unit = t.get("unit")
    where = names.get(unit, unit) if unit else _("every municipality and the region")
    return _(
        "%(output)s at most %(threshold)s months with %(probability)s%% probability in "
        "%(month)s, for %(where)s, starting from %(scenario)s."
    ) % {
        "output": p.OUTPUT_LABELS.get(t["output"], t["output"]),
        "threshold": t["threshold"],
        "probability": round(100 * float(t["probability"])),
        "month": t["month"],
        "where": where,
        "scenario": p.scenario_label(summary.get("scenario") or "Baseline"),
    }


def _plan_outcome(summary: dict[str, Any]) -> str:
    cost = round(summary.get("extra_cost_per_year", 0.0))
    start = summary["start"][0] if summary.get("start") else None
    if summary.get("met") and not summary.get("steps"):
        return _("The target is met without extra places.")
    if summary.get("met"):
        return _(
            "The target is met with %(places)s extra places, costing about %(cost)s euros a year."
        ) % {
            "places": sum(e["places"] for e in summary["extra_places"]),
            "cost": f"{cost:,}".replace(",", "."),
        }
    reason = summary.get("reason")
    if reason == "no candidate helps":
        text = _(
            "Extra places alone cannot meet the target (for example because homes for "
            "outflow are missing, so people stay longer than needed)."
        )
    else:
        text = _("The target is not met within the step limit.")
    if start is not None:
        text += " " + _("Without extra places the figure is %(value)s months.") % {
            "value": round(start, 1)
        }
    return text


# ------------------------------------------------------------------ backtest
@rule(*READERS)
def backtest(request: HttpRequest) -> HttpResponse:
    user = member(request)
    form = BacktestForm(request.POST or None)
    if request.method == "POST":
        if not _may_edit(user):
            raise PermissionDenied
        if not _history(user):
            return _no_history(request)
        if form.is_valid():
            run = services.backtest_submit(
                user=user,
                actor=Actor.from_request(request),
                test_months=form.cleaned_data["test_months"],
                runs=form.cleaned_data["runs"],
            )
            return redirect("forecast:run", pk=run.pk)
    return render(
        request,
        "forecast/backtest.html",
        {
            "form": form,
            "runs": selectors.runs(user, ForecastRun.Kind.BACKTEST, limit=10),
            "may_edit": _may_edit(user),
        },
    )


def _backtest_result(request: HttpRequest, user: Any, run: ForecastRun) -> HttpResponse:
    summary = run.summary
    scores = p.backtest_scores_table(summary)
    series = _protect([p.backtest_table(summary, o) for o in summary["outputs"]])
    charts: list[tuple[Table, Chart]] = [(t, p.backtest_chart(t)) for t in series]
    tables = [scores, *series]
    if request.GET.get("export") == "pdf":
        report = Report(
            _("Backtest of the forecast"),
            subtitle=run.region.name,
            organisation=run.region.name,
            source=p.SOURCE,
        )
        report.table(scores)
        for _table, chart in charts:
            report.chart(chart)
        return pdf_response(report.build(), "backtest")
    if response := export_response(request, tables, filename="backtest", title=_("Backtest")):
        return response
    return render(
        request,
        "forecast/backtest_detail.html",
        {
            "run": run,
            "summary": summary,
            "scores": scores,
            "charts": charts,
            "tables": tables,
            "coverage": _pct(summary.get("coverage")),
            "mape": _pct(summary.get("mape_in_care")),
        },
    )


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.0f}"


# ------------------------------------------------------------------ facility plan
def _plan_basis(user: Any, year: int | None) -> dict[str, Any] | None:
    run = selectors.latest_run(user, ForecastRun.Kind.PROJECTION)
    if run is None or run.calibration_id is None:
        return None
    run = selectors.run_get(user, run.pk)
    assert run is not None
    assert run.calibration is not None
    res = selectors.results(run)
    if res is None:
        return None
    baseline = services.calibration_baseline(run.calibration)
    full = [y for y in res.years if sum(m.startswith(str(y)) for m in res.months) == 12]
    years = full or res.years
    chosen = year if year in years else years[min(4, len(years) - 1)]
    facilities = selectors.region_facilities(user)
    need = fp.need_for(run, res, baseline, facilities, chosen)
    return {
        "run": run,
        "res": res,
        "baseline": baseline,
        "years": years,
        "year": chosen,
        "need": need,
    }


def _year(request: HttpRequest) -> int | None:
    form = AssessForm(request.GET or None)
    return form.cleaned_data["year"] if form.is_bound and form.is_valid() else None


@rule(*READERS)
def facility_plan(request: HttpRequest) -> HttpResponse:
    user = member(request)
    basis = _plan_basis(user, _year(request))
    norms = selectors.norms(user)
    tables: list[Table] = []
    if basis is not None:
        need = basis["need"]
        tables = [fp.need_table(need, product, norms.get(product)) for product in fp.PRODUCTS]
        tables.append(fp.spread_table(need))
    if response := export_response(
        request, tables, filename="voorzieningenplan", title=_("Facility plan")
    ):
        return response
    return render(
        request,
        "forecast/facility_plan.html",
        {
            "basis": basis,
            "tables": tables,
            "norms": [norms.get(k) for k in fp.PRODUCTS],
            "proposed": selectors.proposed_facilities(user),
            "without_bt": fp.without_bt(basis["need"]) if basis else [],
            "may_edit": _may_edit(user),
        },
    )


@rule(*EDITORS)
def norms_edit(request: HttpRequest) -> HttpResponse:
    user = member(request)
    current = selectors.norms(user)
    initial = [
        {
            "product": k,
            "places_per_10k": current[k].places_per_10k if k in current else None,
            "in_every_municipality": current[k].in_every_municipality
            if k in current
            else k == "bt",
            "source": current[k].source if k in current else "",
        }
        for k in fp.PRODUCTS
    ]
    formset = NormFormSet(request.POST or None, initial=initial, prefix="norms")
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and formset.is_valid():
        rows = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data.get("places_per_10k") is not None
        ]
        try:
            services.norms_save(user=user, actor=Actor.from_request(request), rows=rows)
        except RowErrors as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The norms have been saved."))
            return redirect("forecast:facility_plan")
    return render(request, "forecast/norms_form.html", {"formset": formset, "errors": errors})


@rule(*READERS)
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    user = member(request)
    facility = selectors.facility_get(user, pk)
    if facility is None:
        raise Http404
    basis = _plan_basis(user, _year(request))
    result = None
    tables: list[Table] = []
    if basis is not None:
        assert basis["run"].calibration is not None
        result = fp.assess(
            facility,
            basis["need"],
            selectors.norms(user),
            basis["baseline"],
            basis["run"],
            services.planned_of(basis["run"].calibration),
        )
        tables = [
            fp.assessment_table(result, basis["year"]),
            fp.effect_table(result, basis["year"]),
        ]
        tables.append(fp.spread_table(basis["need"]))
    conclusions = fp.verdict(result) if result is not None else []
    if request.GET.get("export") == "pdf":
        report = Report(
            _("Assessment of a facility"),
            subtitle=f"{facility.name}, {facility.municipality.name}",
            organisation=_region(user).name,
            source=p.SOURCE,
        )
        report.heading(_("The facility"))
        report.key_figures(
            [
                (_("Type"), facility.get_facility_type_display()),
                (_("Municipality"), facility.municipality.name),
                (_("Places"), str(facility.places)),
                (_("Status"), facility.get_status_display()),
            ]
        )
        report.heading(_("Conclusions"))
        for line in conclusions or [_("There is no forecast yet to compare the facility with.")]:
            report.paragraph(line)
        for table in tables:
            report.table(table)
        return pdf_response(report.build(), f"toets-{facility.name}")
    if response := export_response(
        request, tables, filename="toets-voorziening", title=_("Assessment")
    ):
        return response
    return render(
        request,
        "forecast/assessment.html",
        {
            "facility": facility,
            "basis": basis,
            "result": result,
            "conclusions": conclusions,
            "tables": tables,
        },
    )
