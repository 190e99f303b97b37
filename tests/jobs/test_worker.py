"""Background work through the real database queue (django-tasks-db), as a worker
process on another machine would run it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from doorstroom.accounts.models import User
from doorstroom.audit.jobs import VERIFY_ACCESS_LOG
from doorstroom.jobs.models import Job
from doorstroom.jobs.services import job_submit
from doorstroom.jobs.tasks import run_job
from doorstroom.reference.jobs import POPULATION_IMPORT

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@override_settings(TASKS=DB_QUEUE)
@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_job_waits_in_the_database_until_a_worker_runs_it(administrator: User) -> None:
    job = job_submit(
        user=administrator,
        kind=POPULATION_IMPORT,
        input_name="cbs.csv",
        input_data=b"RegioS;Perioden;Bevolking\nGM0014;2026;250000\n",
    )
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job.task_id
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    call_command("db_worker", batch=True, queue_name="default", interval=0)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.finished_at is not None
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_finished_job_is_not_run_twice(administrator: User) -> None:
    job = Job.objects.create(
        kind=VERIFY_ACCESS_LOG,
        created_by=administrator,
        organisation=administrator.organisation,
        status=Job.Status.DONE,
    )
    assert run_job.call(str(job.pk)) == Job.Status.DONE


def test_an_unexpected_error_fails_the_job_with_a_message(administrator: User) -> None:
    job = Job.objects.create(
        kind="no-such-kind", created_by=administrator, organisation=administrator.organisation
    )
    run_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "interne fout" in job.display_message or "internal error" in job.display_message
