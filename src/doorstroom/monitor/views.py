"""The regional monitor: dashboard, municipality comparison, pathways, targets, report.

Views are thin: they read the filters, ask the selectors for figures, let the presentation
build tables and charts, and apply disclosure control for roles without client access
(downloads always apply it, whoever asks).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.core import metrics
from doorstroom.core.kpi import TargetError
from doorstroom.core.roles import Role
from doorstroom.monitor import presentation as p
from doorstroom.monitor import report, selectors, services
from doorstroom.monitor.forms import ComparisonForm, FilterForm, TargetForm
from doorstroom.web.pdf import pdf_response
from doorstroom.web.tables import Table, export_response

MONITOR_ROLES = (
    Role.POLICY_ADVISOR,
    Role.MUNICIPAL_OFFICER,
    Role.ACCESS_OFFICER,
    Role.PLACEMENT_COORDINATOR,
    Role.FINANCE_ADVISOR,
    Role.CLIENT_COUNCIL,
    Role.ADMINISTRATOR,
)
TARGET_EDITORS = (Role.POLICY_ADVISOR,)
CACHE_SECONDS = 3600  # a new snapshot or target makes a new key anyway


def _protect(user: Any, tables: list[Table]) -> list[Table]:
    if selectors.sees_small_counts(user):
        return tables
    return [t.protect() if t.counts_people else t for t in tables]


def _selection(request: HttpRequest, form_class: type[FilterForm] = FilterForm) -> dict[str, Any]:
    """The filters of the request (defaults where empty or invalid). The form shows the
    period in use, also when it is the default."""
    user = member(request)
    municipalities = selectors.region_municipalities(user)
    form = form_class(request.GET or None, municipalities=municipalities)
    state = selectors.current()
    valid = form.is_bound and form.is_valid()
    data = form.cleaned_data if valid else {}
    last_month = data.get("last") or date(state.as_of.year, state.as_of.month, 1)
    last_day = min(metrics._add_months(last_month, 1) - timedelta(days=1), state.as_of)
    first = data.get("first") or metrics._add_months(last_month, -23)
    if valid or not form.is_bound:
        shown = {k: v for k, v in request.GET.items() if k in form.fields}
        shown.update({"first": f"{first:%Y-%m}", "last": f"{last_month:%Y-%m}"})
        form = form_class(shown, municipalities=municipalities)
        form.is_valid()
    code = data.get("municipality") or ""
    filters = selectors.region_filters(
        user,
        municipalities=[code] if code else None,
        age_bands=[data["age_band"]] if data.get("age_band") else None,
        products=form.products() if data else None,
    )
    pops = selectors.populations(user)
    return {
        "user": user,
        "form": form,
        "state": state,
        "first": first,
        "last_day": last_day,
        "municipality": code,
        "filters": filters,
        "populations": {code: pops[code]} if code and code in pops else pops,
        "all_populations": pops,
        "municipalities": municipalities,
        "data": data,
    }


QUARTERLY_METRICS = (
    "applications",
    "exits",
    "bw_to_bt",
    "stock_ready",
    "ready_wait",
    "ready_backlog_age",
)


def _overview_tables(s: dict[str, Any]) -> list[Table]:
    user, state, filters = s["user"], s["state"], s["filters"]
    periods = metrics.Months.between(s["first"], s["last_day"])
    monthly = selectors.figures(state, filters, periods, populations=s["populations"])
    two = selectors.figures(
        state, filters, p.two_year_grid(s["last_day"]), populations=s["populations"]
    )
    quarterly = selectors.figures(
        state,
        filters,
        metrics.Months.quarters(s["first"], s["last_day"]),
        metric_names=QUARTERLY_METRICS,
    )
    yearly = selectors.figures(
        state,
        filters,
        metrics.Months.years(s["last_day"].year - 4, s["last_day"]),
        metric_names=["returns", "return_rate", "exits"],
    )
    quarters = metrics.Months.quarters(s["first"], s["last_day"])
    group = s["data"].get("product")
    waiting = report.waiting_figures(state, filters, quarters, [group] if group else None)
    keys = p.key_figures(
        two,
        now=_("12 months up to %(day)s") % {"day": date_format(s["last_day"], "j F Y")},
        before=_("The 12 months before"),
    )
    return _protect(
        user,
        [
            keys.counts,
            keys.ratios,
            p.in_care_table(monthly),
            p.inflow_table(monthly),
            p.channel_table(quarterly),
            p.waiting_table(monthly),
            p.waiting_time_table(waiting),
            p.throughflow_table(quarterly),
            p.outflow_table(quarterly),
            p.capacity_table(monthly),
            p.returns_table(yearly),
        ],
    )


def _cache_key(request: HttpRequest, name: str, s: dict[str, Any]) -> str:
    """Pages depend on the snapshot, the filters, the protection, the language and the
    region's targets only: the rendered figures are cached on those."""
    query = "&".join(
        f"{k}={v}" for k, v in sorted(request.GET.items()) if k not in ("export", "table")
    )
    stamp = selectors.targets_stamp(s["user"])
    raw = "|".join(
        [
            name,
            str(s["state"].snapshot_id),
            selectors.region_slug(s["user"]),
            str(selectors.sees_small_counts(s["user"])),
            get_language() or "",
            stamp,
            query,
        ]
    )
    return "monitor:" + hashlib.sha256(raw.encode()).hexdigest()


@rule(*MONITOR_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    s = _selection(request)
    if request.GET.get("export"):
        tables = _overview_tables(s)
        response = export_response(
            request, tables, filename="regiomonitor", title=_("Regional monitor")
        )
        if response is not None:
            return response
    key = _cache_key(request, "overview", s)
    body = cache.get(key)
    if body is None:
        tables = _overview_tables(s)
        t = {table.id.replace("-", "_"): table for table in tables}
        progress = selectors.target_progress(s["user"], s["state"])
        charts = {
            "in_care": p.in_care_chart(t["in_care"]),
            "inflow": p.inflow_chart(
                t["inflow"], p.inflow_targets(progress, s["municipality"], per_year=12)
            ),
            "waiting": p.waiting_chart(t["waiting"]),
            "waiting_time": p.waiting_time_chart(t["waiting_time"]),
            "ready": p.ready_chart(t["throughflow"]),
            "transfers": p.transfers_chart(t["throughflow"]),
            "outflow": p.outflow_chart(t["outflow"]),
        }
        body = render_to_string(
            "monitor/_overview_body.html",
            {"tables": tables, "t": t, "charts": charts},
            request=request,
        )
        cache.set(key, body, CACHE_SECONDS)
    quarters = report.available(s["state"].spells.first_day, s["state"].as_of)
    return render(
        request,
        "monitor/overview.html",
        {
            **s,
            "body": mark_safe(body),  # noqa: S308
            "protected": not selectors.sees_small_counts(s["user"]),
            "quarters": quarters,
        },
    )


def _fragment(request: HttpRequest, name: str, s: dict[str, Any], build: Any) -> SafeString:
    """The rendered figures of a page (``build()`` gives the template and its context),
    cached like the overview's."""
    key = _cache_key(request, name, s)
    html: str | None = cache.get(key)
    if html is None:
        template, context = build()
        html = render_to_string(template, context, request=request)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308  (rendered by our own templates)


@rule(*MONITOR_ROLES)
def municipalities(request: HttpRequest) -> HttpResponse:
    s = _selection(request, ComparisonForm)
    user, state = s["user"], s["state"]
    last_day = s["last_day"]
    window = metrics.Months.window(p._minus_year(last_day) + timedelta(days=1), last_day)
    filters = metrics.Filters(
        regions=s["filters"].regions,
        age_bands=s["filters"].age_bands,
        products=s["filters"].products,
    )
    names = [(m.code, m.name) for m in s["municipalities"]]

    def table() -> Table:
        figures = selectors.figures(state, filters, window, populations=s["all_populations"])
        (protected,) = _protect(user, [p.comparison_table(figures, names, s["all_populations"])])
        return protected

    if request.GET.get("export"):
        response = export_response(
            request, [table()], filename="gemeenten", title=_("Municipalities compared")
        )
        if response is not None:
            return response
    indicator = s["data"].get("indicator") or "applications_per_10k"

    def build() -> tuple[str, dict[str, Any]]:
        t = table()
        return "monitor/_figures.html", {"chart": p.comparison_chart(t, indicator), "table": t}

    return render(
        request,
        "monitor/municipalities.html",
        {
            **s,
            "window": window,
            "body": _fragment(request, "municipalities", s, build),
            "protected": not selectors.sees_small_counts(user),
        },
    )


@rule(*MONITOR_ROLES)
def pathways(request: HttpRequest) -> HttpResponse:
    s = _selection(request)

    def build() -> tuple[str, dict[str, Any]]:
        flows = p.pathway_flows(s["state"].spells, s["filters"], s["first"], s["last_day"])
        (table,) = _protect(s["user"], [p.pathway_table(flows)])
        chart = p.pathway_chart(table, flows) if flows else None
        return "monitor/_figures.html", {"chart": chart, "table": table, "empty": not flows}

    if request.GET.get("export"):
        _template, context = build()
        response = export_response(
            request, [context["table"]], filename="routes", title=_("Pathways")
        )
        if response is not None:
            return response
    return render(
        request,
        "monitor/pathways.html",
        {
            **s,
            "body": _fragment(request, "pathways", s, build),
            "protected": not selectors.sees_small_counts(s["user"]),
        },
    )


@rule(*MONITOR_ROLES)
def targets(request: HttpRequest) -> HttpResponse:
    user = member(request)
    state = selectors.current()
    s = {"user": user, "state": state}
    threshold = None if selectors.sees_small_counts(user) else p.threshold()

    def table() -> Table:
        return p.targets_table(selectors.target_progress(user, state), threshold=threshold)

    if request.GET.get("export"):
        response = export_response(request, [table()], filename="doelen", title=_("Targets"))
        if response is not None:
            return response

    def build() -> tuple[str, dict[str, Any]]:
        t = table()
        behind = sum(1 for row in t.body_rows if row.cells.get("status_key") == "off_track")
        return "monitor/_targets_figures.html", {"table": t, "behind": behind}

    targets_list = selectors.targets(user)
    return render(
        request,
        "monitor/targets.html",
        {
            "state": state,
            "body": _fragment(request, "targets", s, build),
            "items": [(t, p.kpi_label(t.kpi)) for t in targets_list],
            "may_edit": user.role_enum in TARGET_EDITORS,
        },
    )


@rule(*TARGET_EDITORS)
def target_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = member(request)
    target = selectors.target_get(user, pk) if pk is not None else None
    if pk is not None and target is None:
        raise Http404
    municipalities = selectors.region_municipalities(user)
    form = TargetForm(request.POST or None, instance=target, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_save(
                user=user, actor=Actor.from_request(request), target=target, **form.cleaned_data
            )
        except TargetError as exc:
            form.add_error(None, exc.message.translate(_))
        else:
            messages.success(request, _("The target has been saved."))
            return redirect("monitor:targets")
    return render(request, "monitor/target_form.html", {"form": form, "target": target})


@rule(*TARGET_EDITORS)
@require_POST
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = member(request)
    target = selectors.target_get(user, pk)
    if target is None:
        raise Http404
    services.target_delete(user=user, actor=Actor.from_request(request), target=target)
    messages.success(request, _("The target has been removed."))
    return redirect("monitor:targets")


@rule(*MONITOR_ROLES)
def quarterly_report(request: HttpRequest) -> HttpResponse:
    """The quarterly report of the user's region as a PDF (``?kwartaal=2026-3``; default:
    the last complete quarter). Disclosure control always applies: it is an export."""
    user = member(request)
    state = selectors.current()
    quarters = report.available(state.spells.first_day, state.as_of)
    asked = request.GET.get("kwartaal", "")
    try:
        quarter = report.choose(asked, quarters)
    except report.QuarterError as error:
        return render(
            request,
            "monitor/report_error.html",
            {"error": error.message, "quarters": quarters, "asked": asked, "state": state},
            status=400,
        )
    raw = "|".join(
        [
            "report",
            str(state.snapshot_id),
            selectors.region_slug(user),
            quarter.value,
            get_language() or "",
            selectors.targets_stamp(user),
            timezone.localdate().isoformat(),
        ]
    )
    key = "monitor:" + hashlib.sha256(raw.encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = report.build(user, state, quarter)
        cache.set(key, content, CACHE_SECONDS)
    return pdf_response(
        content,
        f"kwartaalrapportage-{selectors.region_slug(user)}-{quarter.year}-k{quarter.number}",
    )
