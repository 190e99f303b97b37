from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.clients import selectors, services
from doorstroom.clients.forms import ClientSearchForm
from doorstroom.clients.panels import PANELS
from doorstroom.core.roles import ACCESS_LOG_READERS, Role

CLIENT_ROLES = (
    Role.ACCESS_OFFICER,
    Role.PLACEMENT_COORDINATOR,
    Role.MUNICIPAL_OFFICER,
    Role.CARE_PROVIDER,
)


@rule(*CLIENT_ROLES, client_data=True)
def client_list(request: HttpRequest) -> HttpResponse:
    page = selectors.client_page(
        user=request.user, actor=Actor.from_request(request), page_number=request.GET.get("pagina")
    )
    return render(
        request,
        "clients/client_list.html",
        {
            "page": page,
            "search_form": ClientSearchForm(),
            "may_register": member(request).role_enum in services.REGISTERING_ROLES,
        },
    )


@rule(*CLIENT_ROLES, client_data=True)
@sensitive_post_parameters("bsn")
@require_POST
def client_search(request: HttpRequest) -> HttpResponse:
    form = ClientSearchForm(request.POST)
    if form.is_valid():
        client = selectors.client_find_by_bsn(
            user=request.user, actor=Actor.from_request(request), bsn=form.cleaned_data["bsn"]
        )
        if client is not None:
            return redirect("clients:detail", pseudonym=client.pseudonym)
        messages.warning(request, _("No client with this BSN found within your authority."))
        return redirect("clients:list")
    page = selectors.client_page(user=request.user, actor=Actor.from_request(request))
    return render(
        request, "clients/client_list.html", {"page": page, "search_form": form}, status=400
    )


@rule(*CLIENT_ROLES, client_data=True)
def client_detail(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    try:
        client = selectors.client_get(
            user=request.user, actor=Actor.from_request(request), pseudonym=pseudonym
        )
    except selectors.ClientNotFound:
        raise Http404 from None
    context = {
        "client": client,
        "may_read_access_log": member(request).role_enum in ACCESS_LOG_READERS,
        "panels": [panel.template for panel in PANELS],
    }
    for panel in PANELS:  # e.g. the journey: status, actions, timeline
        context.update(panel.context(request, client))
    return render(request, "clients/client_detail.html", context)


@rule(*ACCESS_LOG_READERS, client_data=True)
def client_access_log(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    try:
        client, entries = selectors.client_access_log(
            user=request.user, actor=Actor.from_request(request), pseudonym=pseudonym
        )
    except selectors.ClientNotFound:
        raise Http404 from None
    return render(
        request, "clients/client_access_log.html", {"client": client, "entries": entries[:500]}
    )
