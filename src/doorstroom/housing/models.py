"""Housing for outflow: performance agreements, homes offered by housing associations,
housing profiles of waiting clients, match rounds and proposals.

Two coordinators can never promise the same home twice: at most one proposal per home is
*active* (approved and sent to the association, or accepted) - a partial unique constraint
in the database - and likewise at most one active proposal per client.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstroom.clients.models import Client
from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Municipality, Region


class UnitType(models.TextChoices):
    STUDIO = "studio", _("studio")
    APARTMENT = "apartment", _("apartment")
    CLUSTER_UNIT = "cluster_unit", _("cluster unit")


class PerformanceAgreement(models.Model):
    """Prestatieafspraak: homes for outflow that an association makes available in a
    municipality in a year, of which for young people (18-24)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    association = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("housing association"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    homes = models.PositiveIntegerField(_("homes for outflow"))
    homes_youth = models.PositiveIntegerField(_("of which for young people (18-24)"), default=0)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("performance agreement")
        verbose_name_plural = _("performance agreements")
        ordering = ["-year", "municipality__name", "association__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "municipality", "year"], name="agreement_unique"
            ),
            models.CheckConstraint(
                condition=Q(homes_youth__lte=models.F("homes")), name="agreement_youth_le_homes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.association} {self.municipality} {self.year}"


class Home(models.Model):
    """A home (or cluster unit) offered for outflow."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("offered")
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        LET = "let", _("let")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    association = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="homes",
        verbose_name=_("housing association"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, verbose_name=_("municipality")
    )
    reference = models.CharField(
        _("reference"), max_length=40, help_text=_("The association's own reference, no address.")
    )
    unit_type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    youth_only = models.BooleanField(_("only for young people (18-24)"), default=False)
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=1)
    rent = models.PositiveIntegerField(_("rent per month (euro)"))
    accessible = models.BooleanField(_("accessible"), default=False)
    available_from = models.DateField(_("available from"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OFFERED
    )
    let_on = models.DateField(_("let on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(region="region")

    FREE = (Status.OFFERED, Status.DECLINED)

    class Meta:
        verbose_name = _("home")
        verbose_name_plural = _("homes")
        ordering = ["available_from", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rooms__gte=1), name="home_rooms_positive"),
            models.UniqueConstraint(
                fields=["association", "reference"], name="home_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.municipality})"

    @property
    def is_free(self) -> bool:
        return self.status in self.FREE


class HousingProfile(models.Model):
    """What a waiting client needs from a home (client data: every read and write is in
    the access log)."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, primary_key=True, related_name="housing_profile"
    )
    origin = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality of origin"),
    )
    wishes = models.ManyToManyField(
        Municipality, blank=True, related_name="+", verbose_name=_("wished municipalities")
    )
    accepts_elsewhere = models.BooleanField(_("also elsewhere in the region"), default=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    max_rent = models.PositiveIntegerField(
        _("maximum rent per month (euro)"), null=True, blank=True
    )
    needs_accessible = models.BooleanField(_("needs an accessible home"), default=False)
    unit_types = models.JSONField(
        _("types of home"),
        default=list,
        blank=True,
        help_text=_("Empty: what the client's journey implies."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    scope_paths = ScopePaths(
        region="client__region",
        municipality="client__responsible_municipality",
        client_data=True,
    )

    class Meta:
        verbose_name = _("housing profile")
        verbose_name_plural = _("housing profiles")

    def __str__(self) -> str:
        return f"{self.client}"


class MatchRound(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    run_at = models.DateTimeField(_("run at"), auto_now_add=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reference_date = models.DateField(_("reference date"))
    configuration = models.JSONField(default=dict)
    method = models.CharField(_("method"), max_length=20)
    objective = models.BigIntegerField(_("total score"), default=0)
    clients = models.PositiveIntegerField(_("waiting clients"), default=0)
    homes = models.PositiveIntegerField(_("free homes"), default=0)
    notes = models.JSONField(default=list)  # core.i18n messages as dicts
    unassigned = models.JSONField(default=list)  # [{"client": pk, "reasons": [...]}]

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("match round")
        verbose_name_plural = _("match rounds")
        ordering = ["-run_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.region} {self.run_at:%Y-%m-%d %H:%M}"


ACTIVE = ("approved", "accepted")


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("sent to the association")
        REJECTED = "rejected", _("rejected by the coordinator")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined by the association")
        HOUSED = "housed", _("moved in")

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(
        MatchRound, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("round")
    )
    home = models.ForeignKey(
        Home, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("home")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="housing_proposals", verbose_name=_("client")
    )
    score = models.IntegerField(_("score"), default=0)
    components = models.JSONField(default=dict)
    preference = models.CharField(max_length=10, blank=True)
    reasons = models.JSONField(default=list)  # core.i18n messages as dicts
    # pseudonymous facts for the association (no name, BSN or diagnosis)
    age_band = models.CharField(_("age band"), max_length=10, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    support = models.CharField(_("support"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True)
    tenancy_start = models.DateField(_("tenancy starts"), null=True, blank=True)

    scope_paths = ScopePaths(
        region="round__region",
        municipality="client__responsible_municipality",
        client_data=True,
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["round", "home__municipality__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["home"],
                condition=Q(status__in=ACTIVE),
                name="proposal_one_active_per_home",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=ACTIVE),
                name="proposal_one_active_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home} -> {self.client}"


class AssociationProposal(Proposal):
    """The association's pseudonymous view of a proposal for one of its homes."""

    scope_paths = ScopePaths(region="home__region", organisation="home__association")

    class Meta:
        proxy = True
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
