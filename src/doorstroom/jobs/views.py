from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from doorstroom.accounts.permissions import rule
from doorstroom.jobs import selectors
from doorstroom.jobs.registry import KINDS


@rule()
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = selectors.job_get(user=request.user, job_id=job_id)
    if job is None:
        raise Http404
    kind = KINDS.get(job.kind)
    return render(
        request,
        "jobs/job_detail.html",
        {"job": job, "kind_label": kind.label if kind else job.kind},
    )
