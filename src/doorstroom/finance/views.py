"""Finance screens: for the finance advisor (who changes) and the policy advisor (who
reads). Money and aggregates only: no page shows a client."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.core.errors import RowErrors
from doorstroom.core.finance import FinanceError, PhaseInPath, Stream
from doorstroom.core.roles import Role
from doorstroom.facilities.models import Facility
from doorstroom.finance import display, forms, models, reports, selectors, services
from doorstroom.finance.statements import settlement_pdf
from doorstroom.finance.uploads import rows_from_upload
from doorstroom.web.tables import Table, export_response

READERS = (Role.FINANCE_ADVISOR, Role.POLICY_ADVISOR)
WRITER = Role.FINANCE_ADVISOR


def _base(request: HttpRequest) -> dict[str, Any]:
    user = member(request)
    region = selectors.member_region(user)
    return {
        "region": region,
        "names": selectors.names(region),
        "may_edit": user.role_enum is WRITER,
    }


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], tables: list[Table], name: str
) -> HttpResponse:
    exported = export_response(request, tables, filename=name)
    if exported is not None:
        return exported
    return render(request, template, {**_base(request), **context, "tables": tables})


def _set_or_404(request: HttpRequest, pk: int) -> models.BudgetSet:
    budget_set = selectors.budget_set_get(request.user, pk)
    if budget_set is None:
        raise Http404
    return budget_set


def _error(request: HttpRequest, error: FinanceError, names: dict[str, str] | None = None) -> None:
    messages.error(request, display.text(error.message, names))


# ---------------------------------------------------------------- overview
@rule(*READERS)
def overview(request: HttpRequest) -> HttpResponse:
    sets = list(selectors.budget_sets(request.user))
    paths = list(selectors.phase_in_paths(request.user))
    calculations = list(selectors.calculations(request.user)[:20])
    return render(
        request,
        "finance/overview.html",
        {
            **_base(request),
            "sets": sets,
            "paths": [
                (
                    p,
                    ", ".join(
                        f"{p.start_year + i}: {display.number(Decimal(v))}%"
                        for i, v in enumerate(p.percentages)
                    ),
                )
                for p in paths
            ],
            "fund": selectors.fund_get(request.user),
            "calculations": calculations,
        },
    )


# ---------------------------------------------------------------- budget sets
@rule(WRITER)
def budget_set_create(request: HttpRequest) -> HttpResponse:
    region = selectors.member_region(member(request))
    form = forms.BudgetSetForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        created = services.budget_set_create(
            user=member(request),
            name=form.cleaned_data["name"],
            note=form.cleaned_data["note"],
            phase_in_path=form.cleaned_data["phase_in_path"],
        )
        messages.success(request, _("Budget set created as a draft."))
        return redirect("finance:budget_set", pk=created.pk)
    return render(
        request,
        "finance/form.html",
        {**_base(request), "form": form, "title": _("New budget set"), "back": "finance:overview"},
        status=400 if form.errors else 200,
    )


@rule(*READERS)
def budget_set(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    region = selectors.member_region(member(request))
    matrix = selectors.budget_matrix(budget_set_, region)
    choice = forms.ChoiceForm(request.GET or None, years=matrix.years)
    year = choice.cleaned_data.get("year") if choice.is_valid() else None
    if year is None and matrix.years:
        this_year = timezone.localdate().year
        year = this_year if this_year in matrix.years else matrix.years[0]
    choice.showing(year=year)
    # the page shows one year; the Excel download every year; the lines table (import
    # format) holds every line in any download, so that it can be imported again
    exporting = bool(request.GET.get("export"))
    all_lines = selectors.lines_of(budget_set_)
    tables = [
        *reports.budget_tables(matrix, None if request.GET.get("export") == "xlsx" else year),
        reports.budget_lines_table(
            all_lines if exporting else [x for x in all_lines if x.year == year],
            all_years=exporting,
        ),
    ]
    return _page(
        request,
        "finance/budget_set.html",
        {"set": budget_set_, "choice": choice, "year": year, "missing_path": matrix.missing_path},
        tables,
        f"begroting-{budget_set_.name}",
    )


@rule(WRITER)
def budget_set_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    if budget_set_.adopted:
        messages.error(
            request, _("This budget set is adopted and cannot be changed. Make a new version.")
        )
        return redirect("finance:budget_set", pk=pk)
    initial = {
        "name": budget_set_.name,
        "note": budget_set_.note,
        "phase_in_path": budget_set_.phase_in_path_id,
    }
    form = forms.BudgetSetForm(
        request.POST or None, initial=initial, region=budget_set_.region, exclude=budget_set_.pk
    )
    if request.method == "POST" and form.is_valid():
        services.budget_set_update(
            budget_set=budget_set_,
            name=form.cleaned_data["name"],
            note=form.cleaned_data["note"],
            phase_in_path=form.cleaned_data["phase_in_path"],
        )
        messages.success(request, _("Budget set saved."))
        return redirect("finance:budget_set", pk=pk)
    return render(
        request,
        "finance/form.html",
        {
            **_base(request),
            "form": form,
            "title": _("Change %(name)s") % {"name": budget_set_.name},
            "set": budget_set_,
        },
        status=400 if form.errors else 200,
    )


@rule(WRITER)
def budget_import(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, Any]] = []
    if budget_set_.adopted:
        messages.error(
            request, _("This budget set is adopted and cannot be changed. Make a new version.")
        )
        return redirect("finance:budget_set", pk=pk)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = services.budget_rows_import(
                budget_set=budget_set_, rows=rows_from_upload(upload.name, upload.read())
            )
        except models.Immutable:
            messages.error(
                request, _("This budget set is adopted and cannot be changed. Make a new version.")
            )
            return redirect("finance:budget_set", pk=pk)
        except RowErrors as problem:
            names = selectors.names(budget_set_.region)
            errors = [
                {"line": e.line, "message": display.text(e.message, names)} for e in problem.errors
            ]
        else:
            messages.success(request, _("%(count)s budget lines imported.") % {"count": count})
            return redirect("finance:budget_set", pk=pk)
    return render(
        request,
        "finance/budget_import.html",
        {**_base(request), "form": form, "set": budget_set_, "errors": errors},
        status=400 if (form.errors or errors) else 200,
    )


@rule(WRITER)
def budget_line(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    if budget_set_.adopted:
        messages.error(
            request, _("This budget set is adopted and cannot be changed. Make a new version.")
        )
        return redirect("finance:budget_set", pk=pk)
    form = forms.BudgetLineForm(request.POST or None, region=budget_set_.region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.budget_line_save(
                budget_set=budget_set_,
                municipality=data["municipality"],
                year=data["year"],
                stream=data["stream"],
                amount=data["amount"],
                historical=data["historical"],
                objective=data["objective"],
            )
        except FinanceError as error:
            form.add_error(None, display.text(error.message))
        except models.Immutable:
            messages.error(
                request, _("This budget set is adopted and cannot be changed. Make a new version.")
            )
            return redirect("finance:budget_set", pk=pk)
        else:
            messages.success(request, _("Budget line saved."))
            return redirect("finance:budget_set", pk=pk)
    return render(
        request,
        "finance/form.html",
        {
            **_base(request),
            "form": form,
            "title": _("Budget line in %(name)s") % {"name": budget_set_.name},
            "set": budget_set_,
        },
        status=400 if form.errors else 200,
    )


@rule(WRITER)
@require_POST
def budget_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    try:
        services.budget_set_adopt(user=member(request), budget_set=budget_set_)
    except FinanceError as error:
        _error(request, error)
    except models.Immutable:
        messages.error(request, _("This budget set is already adopted."))
    else:
        messages.success(request, _("Budget set adopted. It can no longer be changed."))
    return redirect("finance:budget_set", pk=pk)


@rule(WRITER)
@require_POST
def budget_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    base = (request.POST.get("name") or "").strip() or _("%(name)s, new version") % {
        "name": budget_set_.name
    }
    name, counter = base[:110], 2
    while models.BudgetSet.objects.filter(region=budget_set_.region, name=name).exists():
        name, counter = f"{base[:105]} ({counter})", counter + 1
    created = services.budget_set_create(user=member(request), name=name, copy_from=budget_set_)
    messages.success(request, _("New draft version made; change it and adopt it when ready."))
    return redirect("finance:budget_set", pk=created.pk)


# ---------------------------------------------------------------- distribution
def _distribution_choice(
    request: HttpRequest, budget_set_: models.BudgetSet
) -> tuple[forms.ChoiceForm, int | None, str]:
    years = sorted(
        set(budget_set_.lines.filter(historical__isnull=False).values_list("year", flat=True))
    )
    choice = forms.ChoiceForm(request.GET or request.POST or None, years=years, streams=True)
    valid = choice.is_valid()
    year = choice.cleaned_data.get("year") if valid else None
    stream = (choice.cleaned_data.get("stream") if valid else None) or Stream.BW.value
    if year is None and years:
        this_year = timezone.localdate().year
        year = this_year if this_year in years else years[0]
    choice.showing(year=year, stream=stream)
    return choice, year, stream


@rule(*READERS)
def distribution(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    names = selectors.names(budget_set_.region)
    choice, year, stream = _distribution_choice(request, budget_set_)
    path = selectors.path_of(budget_set_)
    context: dict[str, Any] = {
        "set": budget_set_,
        "choice": choice,
        "year": year,
        "stream": stream,
        "path": path,
    }
    tables: list[Table] = []
    lines = selectors.lines_of(budget_set_)
    if path is not None and year is not None:
        try:
            result = selectors.distribution(budget_set_, year, stream, lines)
            years = sorted(
                {
                    line.year
                    for line in lines
                    if line.stream == stream and line.historical is not None
                }
            )
            per_year = [
                r
                for r in (selectors.distribution(budget_set_, y, stream, lines) for y in years)
                if r
            ]
        except FinanceError as error:
            context["error"] = display.text(error.message, names)
        else:
            if result is not None:
                tables = [
                    reports.distribution_table(result, names),
                    reports.region_view_table(per_year),
                    reports.path_table(path, years),
                ]
                context.update(
                    result=result,
                    path_chart=reports.path_chart(tables[2]),
                    gain_loss_chart=reports.gain_loss_chart(tables[0]),
                    explanations=sorted(
                        (
                            names.get(line.municipality, line.municipality),
                            display.texts(line.explanation, names),
                        )
                        for line in result.lines
                    ),
                )
    return _page(
        request,
        "finance/distribution.html",
        context,
        tables,
        f"verdeling-{budget_set_.name}-{year}",
    )


@rule(WRITER)
@require_POST
def distribution_store(request: HttpRequest, pk: int) -> HttpResponse:
    budget_set_ = _set_or_404(request, pk)
    _choice, year, stream = _distribution_choice(request, budget_set_)
    result = selectors.distribution(budget_set_, year, stream) if year is not None else None
    if result is None:
        messages.error(
            request,
            _(
                "There is nothing to calculate: choose a phase-in path and enter historical and objective amounts."
            ),
        )
        return redirect("finance:distribution", pk=pk)
    calculation = services.calculation_store(
        user=member(request),
        result=result,
        label=_("Distribution %(stream)s %(year)s (%(set)s)")
        % {"stream": models.STREAM_LABELS[stream], "year": year, "set": budget_set_.name},
        budget_set=budget_set_,
    )
    messages.success(request, _("Calculation stored."))
    return redirect("finance:calculation", pk=calculation.pk)


@rule(WRITER)
def path_create(request: HttpRequest) -> HttpResponse:
    region = selectors.member_region(member(request))
    form = forms.PhaseInPathForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            percentages = data["percentages"] or list(
                PhaseInPath.linear(
                    data["start_year"], data["years"], data["first"], data["last"]
                ).percentages
            )
            services.phase_in_path_create(
                user=member(request),
                name=data["name"],
                start_year=data["start_year"],
                percentages=percentages,
            )
        except FinanceError as error:
            form.add_error(None, display.text(error.message))
        else:
            messages.success(request, _("Phase-in path saved."))
            return redirect("finance:overview")
    return render(
        request,
        "finance/form.html",
        {
            **_base(request),
            "form": form,
            "title": _("New phase-in path"),
            "back": "finance:overview",
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- realised costs
def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 6, -1))


def _year(request: HttpRequest, years: list[int], default: int) -> tuple[forms.ChoiceForm, int]:
    choice = forms.ChoiceForm(request.GET or None, years=years)
    year = (choice.cleaned_data.get("year") if choice.is_valid() else None) or default
    return choice.showing(year=year), year


@rule(*READERS)
def costs(request: HttpRequest) -> HttpResponse:
    user = member(request)
    region = selectors.member_region(user)
    choice, year = _year(request, _years(), timezone.localdate().year)
    names = selectors.names(region)
    context: dict[str, Any] = {
        "choice": choice,
        "year": year,
        "tariffs": reports.tariff_table(list(selectors.tariffs(user))),
    }
    tables: list[Table] = []
    try:
        result = selectors.realised(user, Actor.from_request(request), year)
    except FinanceError as error:
        context["error"] = display.text(error.message, names)
    else:
        facilities = dict(Facility.objects.filter(region=region).values_list("pk", "name"))
        tables = reports.cost_tables(result, names, facilities)
        context.update(result=result, chart=reports.cost_chart(tables[0]) if result.lines else None)
    tables.append(context["tariffs"])
    return _page(request, "finance/costs.html", context, tables, f"gerealiseerde-kosten-{year}")


@rule(WRITER)
def tariff_create(request: HttpRequest) -> HttpResponse:
    user = member(request)
    region = selectors.member_region(user)
    form = forms.TariffForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        try:
            services.tariff_save(user=user, tariff=form.save(commit=False))
        except FinanceError as error:
            form.add_error(None, display.text(error.message))
        else:
            messages.success(request, _("Tariff saved."))
            return redirect("finance:costs")
    return render(
        request,
        "finance/form.html",
        {**_base(request), "form": form, "title": _("New tariff"), "back": "finance:costs"},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- the solidarity fund
def _fund_choice(request: HttpRequest) -> tuple[forms.ChoiceForm, int, models.BudgetSet | None]:
    sets = list(selectors.budget_sets(request.user))
    default = selectors.default_budget_set(request.user)
    years = sorted(
        set(models.BudgetLine.objects.filter(budget_set__in=sets).values_list("year", flat=True))
        | set(_years())
    )
    data = request.GET if request.method == "GET" else request.POST
    choice = forms.ChoiceForm(data or None, years=years, sets=sets)
    valid = choice.is_valid()
    year = (choice.cleaned_data.get("year") if valid else None) or timezone.localdate().year
    chosen = choice.cleaned_data.get("budget_set") if valid else None
    budget_set_ = next((s for s in sets if s.pk == chosen), default)
    choice.showing(year=year, budget_set=budget_set_.pk if budget_set_ else None)
    return choice, year, budget_set_


@rule(*READERS)
def fund(request: HttpRequest) -> HttpResponse:
    user = member(request)
    fund_ = selectors.fund_get(user)
    names = selectors.names(selectors.member_region(user))
    choice, year, budget_set_ = _fund_choice(request)
    context: dict[str, Any] = {"fund": fund_, "choice": choice, "year": year, "set": budget_set_}
    tables: list[Table] = []
    if fund_ is not None:
        preview = selectors.fund_preview(
            user, Actor.from_request(request), fund_, year, budget_set_
        )
        context["preview"] = preview
        context["stored"] = selectors.calculations(user).filter(
            kind=models.Calculation.Kind.FUND, year=year
        )
        context["key_label"] = dict(models.KEY_CHOICES)[fund_.key]
        context["need_streams"] = [models.STREAM_LABELS[s] for s in fund_.need_streams]
        if preview.result is not None:
            result = preview.result
            tables = [
                reports.fund_table(result, names),
                reports.payments_table(result, names),
                reports.fund_totals_table(result),
            ]
            context["explanations"] = sorted(
                (
                    names.get(line.municipality, line.municipality),
                    display.texts(line.explanation, names),
                )
                for line in result.lines
            )
            context["fund_explanation"] = display.texts(result.explanation, names)
    return _page(request, "finance/fund.html", context, tables, f"solidariteitsfonds-{year}")


@rule(WRITER)
def fund_edit(request: HttpRequest) -> HttpResponse:
    user = member(request)
    region = selectors.member_region(user)
    fund_ = selectors.fund_get(user) or models.SolidarityFund(
        region=region, need_streams=[Stream.BW.value, Stream.MO.value]
    )
    form = forms.FundForm(request.POST or None, instance=fund_)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.region = region
        saved.save()
        messages.success(request, _("Fund settings saved."))
        return redirect("finance:fund")
    return render(
        request,
        "finance/form.html",
        {
            **_base(request),
            "form": form,
            "title": _("Settings of the solidarity fund"),
            "back": "finance:fund",
        },
        status=400 if form.errors else 200,
    )


def _fund_or_redirect(request: HttpRequest) -> models.SolidarityFund | None:
    fund_ = selectors.fund_get(member(request))
    if fund_ is None:
        messages.info(request, _("Set up the solidarity fund first."))
    return fund_


@rule(WRITER)
def fund_payment(request: HttpRequest) -> HttpResponse:
    fund_ = _fund_or_redirect(request)
    if fund_ is None:
        return redirect("finance:fund_edit")
    region = selectors.member_region(member(request))
    _choice, year, _set = _fund_choice(request)
    form = forms.FundPaymentForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        try:
            services.fund_payment_add(fund=fund_, year=year, **form.cleaned_data)
        except FinanceError as error:
            form.add_error(None, display.text(error.message))
        else:
            messages.success(request, _("Payment added."))
            return redirect(f"{reverse('finance:fund')}?year={year}")
    return render(
        request,
        "finance/form.html",
        {
            **_base(request),
            "form": form,
            "title": _("Payment by the fund in %(year)s") % {"year": year},
            "back": "finance:fund",
            "hidden": {"year": year},
        },
        status=400 if form.errors else 200,
    )


@rule(WRITER)
def fund_advances(request: HttpRequest) -> HttpResponse:
    fund_ = _fund_or_redirect(request)
    if fund_ is None:
        return redirect("finance:fund_edit")
    region = selectors.member_region(member(request))
    _choice, year, _set = _fund_choice(request)
    current = dict(
        models.FundAdvance.objects.filter(fund=fund_, year=year).values_list(
            "municipality__code", "amount"
        )
    )
    form = forms.AdvancesForm(request.POST or None, region=region, initial_amounts=current)
    if request.method == "POST" and form.is_valid():
        services.fund_advances_save(
            fund=fund_,
            year=year,
            amounts={
                m: form.cleaned_data.get(m.code) or Decimal("0.00") for m in form.municipalities
            },
        )
        messages.success(request, _("Advances saved."))
        return redirect(f"{reverse('finance:fund')}?year={year}")
    return render(
        request,
        "finance/form.html",
        {
            **_base(request),
            "form": form,
            "title": _("Advances paid in %(year)s") % {"year": year},
            "back": "finance:fund",
            "hidden": {"year": year},
        },
        status=400 if form.errors else 200,
    )


@rule(WRITER)
@require_POST
def fund_store(request: HttpRequest) -> HttpResponse:
    user = member(request)
    fund_ = _fund_or_redirect(request)
    if fund_ is None:
        return redirect("finance:fund_edit")
    _choice, year, budget_set_ = _fund_choice(request)
    preview = selectors.fund_preview(user, Actor.from_request(request), fund_, year, budget_set_)
    if preview.result is None:
        messages.error(request, preview.error or _("The fund cannot be calculated."))
        return redirect(f"{reverse('finance:fund')}?year={year}")
    calculation = services.calculation_store(
        user=user,
        result=preview.result,
        label=_("Solidarity fund %(year)s (%(set)s)")
        % {"year": year, "set": budget_set_.name if budget_set_ else _("no budget set")},
        budget_set=budget_set_,
    )
    messages.success(
        request, _("Calculation stored: the settlement statements can now be downloaded.")
    )
    return redirect("finance:calculation", pk=calculation.pk)


# ---------------------------------------------------------------- stored calculations
def _calculation_or_404(request: HttpRequest, pk: int) -> models.Calculation:
    calculation = selectors.calculation_get(request.user, pk)
    if calculation is None:
        raise Http404
    return calculation


@rule(*READERS)
def calculation(request: HttpRequest, pk: int) -> HttpResponse:
    calc = _calculation_or_404(request, pk)
    names = selectors.names(calc.region)
    outputs = calc.outputs
    context = {
        "calculation": calc,
        "explanations": sorted(
            (
                (
                    line["municipality"],
                    names.get(line["municipality"], line["municipality"]),
                    display.texts(line["explanation"], names),
                )
                for line in outputs["lines"]
            ),
            key=lambda item: item[1],
        ),
        "region_explanation": display.texts(outputs.get("explanation", []), names),
        "totals": outputs.get("totals", {}),
    }
    return _page(
        request,
        "finance/calculation.html",
        context,
        [reports.stored_lines_table(calc, names)],
        f"berekening-{calc.pk}",
    )


@rule(*READERS)
def calculation_check(request: HttpRequest, pk: int) -> HttpResponse:
    calc = _calculation_or_404(request, pk)
    try:
        check = services.calculation_check(calc)
    except FinanceError as error:
        return render(
            request,
            "finance/check.html",
            {**_base(request), "calculation": calc, "error": display.text(error.message)},
        )
    return render(
        request, "finance/check.html", {**_base(request), "calculation": calc, "check": check}
    )


@rule(*READERS)
def statement(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    calc = _calculation_or_404(request, pk)
    if calc.kind != models.Calculation.Kind.FUND or not any(
        line["municipality"] == code for line in calc.outputs["lines"]
    ):
        raise Http404
    names = selectors.names(calc.region)
    response = HttpResponse(settlement_pdf(calc, code, names), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="afrekening-{calc.year}-{code}-{calc.pk}.pdf"'
    )
    return response


# ---------------------------------------------------------------- masterplan
@rule(*READERS)
def masterplan(request: HttpRequest) -> HttpResponse:
    user = member(request)
    sets = list(selectors.budget_sets(user))
    choice = forms.ChoiceForm(request.GET or None, years=[], sets=sets)
    del choice.fields["year"]
    chosen = choice.cleaned_data.get("budget_set") if choice.is_valid() else None
    budget_set_ = next((s for s in sets if s.pk == chosen), selectors.default_budget_set(user))
    choice.showing(budget_set=budget_set_.pk if budget_set_ else None)
    context: dict[str, Any] = {"choice": choice, "set": budget_set_, "forecast_available": False}
    tables: list[Table] = []
    if budget_set_ is not None:
        try:
            rows = selectors.masterplan(user, Actor.from_request(request), budget_set_)
        except FinanceError as error:
            context["error"] = display.text(
                error.message, selectors.names(selectors.member_region(user))
            )
        else:
            tables = reports.masterplan_tables(rows)
            context["forecast_available"] = any(r.forecast is not None for r in rows)
            context["chart"] = reports.masterplan_chart(tables[0]) if tables[0].rows else None
    return _page(request, "finance/masterplan.html", context, tables, "masterplan")
