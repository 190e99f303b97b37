from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from doorstroom.accounts.permissions import rule
from doorstroom.core.roles import Role
from doorstroom.organisations import selectors


@rule(Role.ADMINISTRATOR)
def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "organisations/organisation_list.html",
        {"organisations": selectors.organisation_list(user=request.user)},
    )


@rule(Role.ADMINISTRATOR)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    if organisation is None:
        raise Http404
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "members": organisation.users.order_by("username"),
        },
    )
