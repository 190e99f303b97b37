"""Background jobs that users start (imports, verifications, later forecasts and reports).

A job keeps its input in the database, not on a local disk, so that a worker on another
machine that shares the database can run it. The task queue (django-tasks with its
database backend) carries only the job id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import ScopePaths


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("In de wachtrij")
        RUNNING = "running", _("Bezig")
        DONE = "done", _("Klaar")
        FAILED = "failed", _("Mislukt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("soort"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("gestart door"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("organisatie"))
    input_name = models.CharField(_("bestandsnaam"), max_length=255, blank=True)
    input_data = models.BinaryField(_("invoer"), blank=True, default=b"", editable=False)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(_("resultaat"), default=dict, blank=True)
    errors = models.JSONField(_("fouten"), default=list, blank=True)
    message = models.TextField(_("melding"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("gestart op"), auto_now_add=True)
    started_at = models.DateTimeField(_("begonnen op"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)

    scope_paths = ScopePaths(region="organisation__region", organisation="organisation")

    class Meta:
        verbose_name = _("achtergrondtaak")
        verbose_name_plural = _("achtergrondtaken")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
