"""The monitor: stored spells of the event log (snapshots) and the region's targets.

A snapshot holds the spells derived from the whole event log at one moment (its
``version`` names the last event and the state of the facilities). Dashboards read the
latest snapshot; a background task makes a new one after the log has changed. Snapshots
contain pseudonymous client ids and dates (special-category personal data): they are
never shown or exported as such, only as aggregates with disclosure control.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.core.kpi import KPIS
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Municipality, Region


class MonitorSnapshot(models.Model):
    version = models.CharField(_("version"), max_length=40, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    as_of = models.DateField(_("figures as of"))
    events = models.PositiveIntegerField(_("events"))
    clients = models.PositiveIntegerField(_("clients"))
    seconds = models.FloatField(_("seconds to compute"))
    data = models.BinaryField(_("spells"), editable=False)

    class Meta:
        verbose_name = _("monitor snapshot")
        verbose_name_plural = _("monitor snapshots")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.version} ({self.created_at:%Y-%m-%d %H:%M})"


KPI_CHOICES = [(k.key, _(k.label)) for k in KPIS.values()]


class MonitorTarget(models.Model):
    """A target of the region on a key figure, e.g. "youth inflow -20% by 2028"."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="monitor_targets", verbose_name=_("region")
    )
    kpi = models.CharField(_("key figure"), max_length=40, choices=KPI_CHOICES)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("Empty: the whole region."),
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    target_year = models.PositiveSmallIntegerField(_("target year"))
    change_percent = models.DecimalField(
        _("change (%)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("For example -20 for twenty percent less than in the baseline year."),
    )
    target_value = models.DecimalField(
        _("target value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the region agreed on it, e.g. the regional plan."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["region", "target_year", "kpi"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_year__gt=models.F("baseline_year")),
                name="monitor_target_after_baseline",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(change_percent__isnull=True, target_value__isnull=False)
                    | models.Q(change_percent__isnull=False, target_value__isnull=True)
                ),
                name="monitor_target_change_or_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} {self.target_year}"
