from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from doorstroom.jobs.models import Job
from doorstroom.organisations.scoping import scope


def job_list(*, user: Any) -> QuerySet[Job]:
    return scope(user, Job.objects.select_related("created_by", "organisation"))


def job_get(*, user: Any, job_id: Any) -> Job | None:
    return job_list(user=user).filter(pk=job_id).first()
