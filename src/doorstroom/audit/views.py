from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from doorstroom.accounts.permissions import rule
from doorstroom.audit import selectors
from doorstroom.audit.jobs import VERIFY_ACCESS_LOG
from doorstroom.core.roles import Role
from doorstroom.jobs.selectors import job_list
from doorstroom.jobs.services import job_submit


@rule(Role.ADMINISTRATOR)
def overview(request: HttpRequest) -> HttpResponse:
    """The latest entries of the region (pseudonyms only) and the chain checks."""
    return render(
        request,
        "audit/overview.html",
        {
            "entries": selectors.access_log_recent(actor=request.user),
            "checks": job_list(user=request.user).filter(kind=VERIFY_ACCESS_LOG)[:5],
        },
    )


@rule(Role.ADMINISTRATOR)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    job = job_submit(user=request.user, kind=VERIFY_ACCESS_LOG)
    return redirect("jobs:detail", job_id=job.pk)
