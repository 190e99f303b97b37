from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from doorstroom.accounts.permissions import rule
from doorstroom.core.roles import Role
from doorstroom.jobs.services import job_submit
from doorstroom.reference import selectors
from doorstroom.reference.forms import MunicipalityFilterForm, PopulationUploadForm
from doorstroom.reference.jobs import POPULATION_IMPORT


@rule()
def regions(request: HttpRequest) -> HttpResponse:
    return render(request, "reference/region_list.html", {"regions": selectors.region_list()})


@rule()
def region_detail(request: HttpRequest, slug: str) -> HttpResponse:
    region = selectors.region_get(slug)
    if region is None:
        raise Http404
    return render(
        request,
        "reference/region_detail.html",
        {"region": region, "members": selectors.region_members(region)},
    )


@rule()
def municipalities(request: HttpRequest) -> HttpResponse:
    form = MunicipalityFilterForm(request.GET or None)
    query = province = ""
    if form.is_valid():
        query, province = form.cleaned_data["q"], form.cleaned_data["province"]
    return render(
        request,
        "reference/municipality_list.html",
        {
            "form": form,
            "municipalities": selectors.municipality_list(query=query, province=province),
        },
    )


@rule(Role.ADMINISTRATOR)
def population_import(request: HttpRequest) -> HttpResponse:
    form = PopulationUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_submit(
            user=request.user,
            kind=POPULATION_IMPORT,
            input_name=upload.name,
            input_data=upload.read(),
        )
        messages.info(request, _("The file is being checked and imported in the background."))
        return redirect("jobs:detail", job_id=job.pk)
    return render(
        request,
        "reference/population_import.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
