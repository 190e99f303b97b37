"""Background jobs that users start (imports, verifications, later forecasts and reports).

A job keeps its input in the database, not on a local disk, so that a worker on another
machine that shares the database can run it. The task queue (django-tasks with its
database backend) carries only the job id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import ScopePaths


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("organisation")
    )
    input_name = models.CharField(_("file name"), max_length=255, blank=True)
    input_data = models.BinaryField(_("input"), blank=True, default=b"", editable=False)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(_("outcome"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(_("began at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_paths = ScopePaths(region="organisation__region", organisation="organisation")

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def display_message(self) -> str:
        return gettext(self.message) if self.message else ""

    @property
    def display_errors(self) -> list[dict[str, object]]:
        """Errors with their message translated into the active language."""
        return [{"line": e.get("line", 0), "message": _render(e)} for e in self.errors]

    @property
    def display_summary(self) -> list[tuple[object, object]]:
        rows = self.result.get("summary", []) if isinstance(self.result, dict) else []
        return [(_render(label), _render(value)) for label, value in rows]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


def _render(value: object) -> object:
    """Translate a stored message: a template string, or {"template", "params"}."""
    if isinstance(value, dict) and "template" in value:
        params = value.get("params") or {}
        translated = gettext(str(value["template"]))
        return translated % params if params else translated
    if isinstance(value, str):
        return gettext(value) if value else value
    return value
