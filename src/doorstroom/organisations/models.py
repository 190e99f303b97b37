from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.core.roles import OrganisationKind
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Municipality, Region


class Kind(models.TextChoices):
    MUNICIPALITY = OrganisationKind.MUNICIPALITY.value, _("Municipality")
    REGION_OFFICE = OrganisationKind.REGION_OFFICE.value, _("Region office (centre municipality)")
    CARE_PROVIDER = OrganisationKind.CARE_PROVIDER.value, _("Care provider")
    HOUSING_ASSOCIATION = OrganisationKind.HOUSING_ASSOCIATION.value, _("Housing association")


class Organisation(models.Model):
    """An organisation whose staff use doorstroom: a municipality, the region office,
    a care provider (zorgaanbieder) or a housing association (woningcorporatie)."""

    Kind = Kind

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("municipality"),
        help_text=_("For a municipality only: which municipality."),
    )
    kvk_number = models.CharField(_("Chamber of Commerce number"), max_length=8, blank=True)
    active = models.BooleanField(_("active"), default=True)

    scope_paths = ScopePaths(region="region", organisation="pk")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["region__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="organisation_unique_name_in_region"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=OrganisationKind.MUNICIPALITY, municipality__isnull=False)
                    | (
                        ~models.Q(kind=OrganisationKind.MUNICIPALITY)
                        & models.Q(municipality__isnull=True)
                    )
                ),
                name="organisation_municipality_iff_kind_municipality",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_enum(self) -> OrganisationKind:
        return OrganisationKind(self.kind)

    def clean(self) -> None:
        if (
            self.municipality_id
            and self.region_id
            and not self.region.members.filter(pk=self.municipality_id).exists()
        ):
            raise ValidationError(
                {"municipality": _("This municipality is not part of the chosen region.")}
            )
