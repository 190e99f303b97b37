from __future__ import annotations

from typing import Any

from django.db import transaction

from doorstroom.jobs.models import Job
from doorstroom.jobs.registry import KINDS

MAX_INPUT_BYTES = 20 * 1024 * 1024


def job_submit(
    *,
    user: Any,
    kind: str,
    input_name: str = "",
    input_data: bytes = b"",
    params: dict[str, Any] | None = None,
) -> Job:
    """Store the job and queue it once the transaction commits."""
    from doorstroom.jobs.tasks import run_job

    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if len(input_data) > MAX_INPUT_BYTES:
        raise ValueError("input too large")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            created_by=user,
            organisation=user.organisation,
            input_name=input_name,
            input_data=input_data,
            params=params or {},
        )

        def enqueue() -> None:
            result = run_job.enqueue(str(job.pk))
            Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))

        transaction.on_commit(enqueue)
    return job
