"""The forecast: saved scenarios, calibrations, runs (projections, capacity plans,
backtests) and the facility plan's norms, per region.

A scenario is data: a list of changes in the engine's schema
(``core.forecast.scenario.Scenario.to_dict()["changes"]``). A run keeps its inputs (the
calibration it used, the scenarios as they were, mode, horizon, runs, seed) and its outputs
as compact bytes (quantiles per month, municipality and output; never paths), so a result
can always be shown again and explained. Forecast figures are model outcomes, not records
of clients; a calibration reads the event log and is recorded in the access log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.jobs.models import Job
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Region

PRODUCT_GROUP_CHOICES = [
    ("bw", _("Sheltered housing (BW)")),
    ("bt", _("Protected at home (BT)")),
    ("mo", _("Shelter (MO)")),
]


class ForecastScenario(models.Model):
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="forecast_scenarios",
        verbose_name=_("region"),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    adopted = models.BooleanField(
        _("adopted"),
        default=False,
        help_text=_("The scenario the region plans with: its costs go to the financial plan."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("forecast scenario")
        verbose_name_plural = _("forecast scenarios")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="forecast_scenario_unique_name"
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(adopted=True),
                name="forecast_one_adopted_scenario",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ForecastCalibration(models.Model):
    """The model's parameters fitted to the region's event log (one monitor snapshot)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="forecast_calibrations"
    )
    snapshot_version = models.CharField(_("event log version"), max_length=40)
    as_of = models.DateField(_("event log as of"))
    method = models.CharField(_("method"), max_length=20)
    growth = models.FloatField(_("population growth per year"))
    baseline = models.BinaryField(_("baseline"), editable=False)
    summary = models.JSONField(_("summary"), default=dict)
    seconds = models.FloatField(_("seconds to compute"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("forecast calibration")
        verbose_name_plural = _("forecast calibrations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region} {self.as_of}"


class ForecastRun(models.Model):
    class Kind(models.TextChoices):
        PROJECTION = "projection", _("Forecast")
        PLAN = "plan", _("Capacity plan")
        BACKTEST = "backtest", _("Backtest")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        EXPECTED = "expected", _("Expected value (fast, parameter uncertainty)")
        STOCHASTIC = "stochastic", _("Stochastic (bands with chance variation)")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="forecast_runs", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    calibration = models.ForeignKey(
        ForecastCalibration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    horizon_months = models.PositiveSmallIntegerField(_("horizon (months)"))
    runs = models.PositiveIntegerField(_("runs"))
    seed = models.PositiveIntegerField(_("seed"))
    growth = models.FloatField(_("population growth per year"), null=True, blank=True)
    scenarios = models.JSONField(_("scenarios"), default=list, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.BinaryField(_("results"), blank=True, default=b"", editable=False)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    seconds = models.FloatField(_("seconds to compute"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if self.job is None or not self.job.progress_total:
            return 0
        return min(99, round(100 * self.job.progress_done / self.job.progress_total))

    @property
    def scenario_names(self) -> list[str]:
        return [str(s.get("name", "")) for s in self.scenarios]


class FacilityNorm(models.Model):
    """A norm of the region's facility plan: places of a product per 10,000 inhabitants,
    and whether every municipality should have it (BT in every municipality)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="facility_norms", verbose_name=_("region")
    )
    product = models.CharField(_("product"), max_length=2, choices=PRODUCT_GROUP_CHOICES)
    places_per_10k = models.DecimalField(
        _("places per 10,000 inhabitants"), max_digits=6, decimal_places=2
    )
    in_every_municipality = models.BooleanField(_("in every municipality"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("facility norm")
        verbose_name_plural = _("facility norms")
        ordering = ["region", "product"]
        constraints = [
            models.UniqueConstraint(fields=["region", "product"], name="facility_norm_unique"),
            models.CheckConstraint(
                condition=models.Q(places_per_10k__gte=0), name="facility_norm_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()}: {self.places_per_10k}"
