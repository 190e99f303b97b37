from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (gemeente) of the CBS municipal division."""

    code = models.CharField(_("municipality code"), max_length=6, unique=True, help_text="GMxxxx")
    cbs_code = models.CharField(_("CBS code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("province"),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("In the current municipal division.")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="municipality_lower_name")]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A region for sheltered housing: a centre municipality (centrumgemeente) and members."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), unique=True)
    centre = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="centre_of",
        verbose_name=_("centre municipality"),
    )
    members: models.ManyToManyField[Municipality, RegionMembership] = models.ManyToManyField(
        Municipality,
        through="RegionMembership",
        related_name="regions",
        verbose_name=_("municipalities"),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegionMembership(models.Model):
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="memberships"
    )

    class Meta:
        verbose_name = _("region membership")
        verbose_name_plural = _("region memberships")
        constraints = [
            # For BW/MO every municipality belongs to exactly one region.
            models.UniqueConstraint(fields=["municipality"], name="one_region_per_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} in {self.region}"


class PopulationFigure(models.Model):
    """Inhabitants of a municipality on 1 January of a year."""

    class Source(models.TextChoices):
        CBS = "cbs", _("CBS StatLine")
        DEMO = "demo", _("Approximation (demo only)")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="population",
        verbose_name=_("municipality"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("inhabitants"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        ordering = ["municipality__name", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="one_population_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(population__gte=0), name="population_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.population}"
