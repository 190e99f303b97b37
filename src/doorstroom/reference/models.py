from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    name = models.CharField(_("naam"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("provincie")
        verbose_name_plural = _("provincies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (gemeente) of the CBS municipal division."""

    code = models.CharField(_("gemeentecode"), max_length=6, unique=True, help_text="GMxxxx")
    cbs_code = models.CharField(_("CBS-code"), max_length=4, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("provincie"))
    active = models.BooleanField(_("actief"), default=True, help_text=_("Uit in de huidige gemeentelijke indeling."))

    class Meta:
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="municipality_lower_name")]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A region for sheltered housing: a centre municipality (centrumgemeente) and members."""

    name = models.CharField(_("naam"), max_length=100, unique=True)
    slug = models.SlugField(_("korte naam"), unique=True)
    centre = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="centre_of", verbose_name=_("centrumgemeente"))
    members = models.ManyToManyField(Municipality, through="RegionMembership", related_name="regions", verbose_name=_("gemeenten"))

    class Meta:
        verbose_name = _("regio")
        verbose_name_plural = _("regio's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegionMembership(models.Model):
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        verbose_name = _("regiolidmaatschap")
        verbose_name_plural = _("regiolidmaatschappen")
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
        DEMO = "demo", _("Benadering (alleen demo)")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="population", verbose_name=_("gemeente"))
    year = models.PositiveSmallIntegerField(_("jaar"))
    population = models.PositiveIntegerField(_("inwoners"))
    source = models.CharField(_("bron"), max_length=10, choices=Source.choices)
    imported_at = models.DateTimeField(_("ingelezen op"), auto_now=True)

    class Meta:
        verbose_name = _("inwonertal")
        verbose_name_plural = _("inwonertallen")
        ordering = ["municipality__name", "year"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="one_population_per_year"),
            models.CheckConstraint(condition=models.Q(population__gte=0), name="population_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.population}"
