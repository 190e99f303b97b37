from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.core.roles import Role, sees_clients
from doorstroom.facilities import services
from doorstroom.facilities.forms import FacilityForm
from doorstroom.journey import selectors

EDITORS = (Role.PLACEMENT_COORDINATOR, Role.ADMINISTRATOR, Role.CARE_PROVIDER)


@rule()
def facility_list(request: HttpRequest) -> HttpResponse:
    facilities = list(selectors.facility_list(user=request.user))
    totals = {
        "places": sum(f.places for f in facilities if f.takes_clients),
        "occupied": sum(f.occupied for f in facilities if f.takes_clients),
    }
    return render(
        request,
        "facilities/facility_list.html",
        {
            "facilities": facilities,
            "totals": totals,
            "may_create": member(request).role_enum
            in (Role.PLACEMENT_COORDINATOR, Role.ADMINISTRATOR),
        },
    )


@rule(client_data=True)
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=pk)
    if facility is None:
        raise Http404
    role = member(request).role_enum
    residents = (
        selectors.facility_residents(
            user=request.user, actor=Actor.from_request(request), facility=facility
        )
        if sees_clients(role)
        else None
    )
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "residents": residents,
            "may_edit": role in EDITORS,
        },
    )


@rule(Role.PLACEMENT_COORDINATOR, Role.ADMINISTRATOR)
def facility_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@rule(*EDITORS)
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=pk)
    if facility is None:
        raise Http404
    return _edit(request, facility)


def _edit(request: HttpRequest, facility: object) -> HttpResponse:
    user = member(request)
    provider = user.org if user.role_enum is Role.CARE_PROVIDER else None
    form = FacilityForm(
        request.POST or None, instance=facility, region=user.org.region, provider=provider
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.facility_save(actor=Actor.from_request(request), form=form)
        except ValueError:
            pass
        else:
            messages.success(request, _("Facility saved."))
            return redirect("facilities:detail", pk=saved.pk)
    return render(
        request,
        "facilities/facility_form.html",
        {"form": form, "facility": facility},
        status=400 if form.errors else 200,
    )
