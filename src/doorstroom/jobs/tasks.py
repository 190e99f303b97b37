from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from doorstroom.core.errors import RowErrors
from doorstroom.core.i18n import gettext_noop
from doorstroom.jobs.models import Job
from doorstroom.jobs.registry import KINDS

logger = logging.getLogger(__name__)


@task()
def run_job(job_id: str) -> str:
    """Run one job. Safe to retry: a finished job is left alone."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.finished or job.status == Job.Status.RUNNING:
            return job.status
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)

    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise LookupError(f"unknown job kind {job.kind!r}")
        result = kind.handler(job, progress)
    except RowErrors as exc:
        _finish(
            job,
            Job.Status.FAILED,
            errors=[e.as_dict() for e in exc.errors],
            message=gettext_noop("The file contains errors; nothing was imported."),
        )
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(
            job,
            Job.Status.FAILED,
            message=gettext_noop(
                "The job failed because of an internal error. The administrator has been notified."
            ),
        )
    else:
        _finish(job, Job.Status.DONE, result=result)
    return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def _finish(
    job: Job,
    status: str,
    *,
    result: dict[str, object] | None = None,
    errors: list[dict[str, object]] | None = None,
    message: str = "",
) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        result=result or {},
        errors=errors or [],
        message=message,
        finished_at=timezone.now(),
    )
