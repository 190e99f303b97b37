"""Facilities (voorzieningen) of care providers, with their places.

``occupied`` counts the clients staying now. The database refuses ``occupied > places``
(CHECK constraint), so two coordinators can never fill the last place twice: the second
UPDATE waits for the first, then violates the constraint.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.facilities.products import PLACE_PRODUCT_CHOICES
from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Municipality, Region


class Facility(models.Model):
    class Status(models.TextChoices):
        EXISTING = "existing", _("Existing")
        PLANNED = "planned", _("Planned")
        PROPOSED = "proposed", _("Proposed")

    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("care provider"),
        limit_choices_to={"kind": "care_provider"},
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    facility_type = models.CharField(_("type"), max_length=30, choices=PLACE_PRODUCT_CHOICES)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("municipality"),
    )
    places = models.PositiveIntegerField(_("places"))
    occupied = models.PositiveIntegerField(_("occupied"), default=0, editable=False)
    target_group = models.CharField(_("target group"), max_length=200, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    price_per_day = models.DecimalField(_("price per day (EUR)"), max_digits=8, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.EXISTING
    )
    opened_on = models.DateField(_("in use from"), null=True, blank=True)

    scope_paths = ScopePaths(region="region", provider="provider")

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["region__name", "facility_type", "municipality__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(occupied__lte=models.F("places")),
                name="facility_never_overbooked",
            ),
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="facility_age_range",
            ),
            models.CheckConstraint(
                condition=models.Q(price_per_day__gte=0), name="facility_price_not_negative"
            ),
            models.UniqueConstraint(
                fields=["provider", "name"], name="facility_unique_name_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free(self) -> int:
        return max(0, self.places - self.occupied)

    @property
    def takes_clients(self) -> bool:
        return self.status == self.Status.EXISTING
