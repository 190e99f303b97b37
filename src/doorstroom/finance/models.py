"""Finance of the social domain for a region: budgets, phase-in paths, tariffs, the
solidarity fund and stored calculations.

- A ``BudgetSet`` is one version of the region's budgets (draft or adopted); its
  ``BudgetLine`` rows hold, per municipality, year and funding stream, the budget and/or
  (for BW and MO) the historical and objective amounts. An adopted set never changes
  (``save``/``delete`` refuse, services check it under a row lock); a new version starts as a
  copy.
- A ``PhaseInPath`` never changes either (a change is a new path), so a stored calculation
  that names it stays true.
- ``Calculation`` rows are append-only (database triggers): inputs, outputs, rule version
  and explanation, so that every figure can be reproduced and explained.

No model here holds client data: realised costs are computed from the journey projection
when asked for and only their aggregates are shown or stored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.core.finance import CapKind, FundKey, Stream
from doorstroom.facilities.models import Facility
from doorstroom.facilities.products import PLACE_PRODUCT_CHOICES
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Municipality, Region

STREAM_CHOICES = [
    (Stream.BW.value, _("BW (incl. Beschermd Thuis)")),
    (Stream.MO.value, _("MO (social shelter)")),
    (Stream.WMO_SUPPORT.value, _("Wmo support")),
    (Stream.YOUTH.value, _("Youth care")),
    (Stream.PARTICIPATION.value, _("Participation")),
]
STREAM_LABELS = dict(STREAM_CHOICES)
KEY_CHOICES = [
    (FundKey.BUDGET_NEED.value, _("Share of the total budget need")),
    (FundKey.OBJECTIVE.value, _("Objective share")),
    (FundKey.POPULATION.value, _("Population")),
    (FundKey.HISTORICAL.value, _("Historical share")),
]
CAP_CHOICES = [
    ("", _("No cap")),
    (CapKind.CONTRIBUTION.value, _("Maximum contribution")),
    (CapKind.LOSS.value, _("Maximum loss")),
]


class Immutable(ValueError):
    """An adopted budget set (or a stored calculation) cannot be changed."""


class PhaseInPath(models.Model):
    """Percentage objective per year (ingroeipad). Never changed: a change is a new path."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=120)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    percentages = models.JSONField(_("percentage objective per year"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("phase-in path")
        verbose_name_plural = _("phase-in paths")
        ordering = ["region", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="phase_in_path_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Immutable("a phase-in path never changes; create a new one")
        super().save(*args, **kwargs)


class BudgetSet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADOPTED = "adopted", _("Adopted")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    phase_in_path = models.ForeignKey(
        PhaseInPath,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phase-in path"),
        help_text=_("Gives the BW and MO budgets from the historical and objective amounts."),
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("budget set")
        verbose_name_plural = _("budget sets")
        ordering = ["region", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="budget_set_unique_name"),
            models.CheckConstraint(
                condition=models.Q(status="draft", adopted_at__isnull=True)
                | models.Q(status="adopted", adopted_at__isnull=False),
                name="budget_set_adopted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = BudgetSet.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.ADOPTED:
                raise Immutable("an adopted budget set never changes")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.adopted:
            raise Immutable("an adopted budget set is never deleted")
        return super().delete(*args, **kwargs)

    @property
    def adopted(self) -> bool:
        return self.status == self.Status.ADOPTED


class BudgetLine(models.Model):
    budget_set = models.ForeignKey(
        BudgetSet, on_delete=models.CASCADE, related_name="lines", verbose_name=_("budget set")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    stream = models.CharField(_("funding stream"), max_length=20, choices=STREAM_CHOICES)
    amount = models.DecimalField(
        _("budget (EUR)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    historical = models.DecimalField(
        _("historical amount (EUR)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    objective = models.DecimalField(
        _("objective amount (EUR)"), null=True, blank=True, max_digits=14, decimal_places=2
    )

    scope_paths = ScopePaths(region="budget_set__region")

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["budget_set", "year", "municipality__name", "stream"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_set", "municipality", "year", "stream"],
                name="budget_line_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(historical__isnull=True, objective__isnull=True)
                | models.Q(historical__isnull=False, objective__isnull=False),
                name="budget_line_historical_with_objective",
            ),
            models.CheckConstraint(
                condition=~models.Q(amount__isnull=True, historical__isnull=True),
                name="budget_line_has_an_amount",
            ),
            models.CheckConstraint(
                condition=(models.Q(amount__isnull=True) | models.Q(amount__gte=0))
                & (models.Q(historical__isnull=True) | models.Q(historical__gte=0))
                & (models.Q(objective__isnull=True) | models.Q(objective__gte=0)),
                name="budget_line_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year} {self.stream}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_draft()
        return super().delete(*args, **kwargs)

    def _check_draft(self) -> None:
        status = BudgetSet.objects.filter(pk=self.budget_set_id).values_list("status", flat=True)
        if status.first() == BudgetSet.Status.ADOPTED:
            raise Immutable("the budget set is adopted")


class Tariff(models.Model):
    """A price per day for one facility, or for a product type in the whole region, with a
    validity period. A facility with its own tariffs uses those (and the product tariff on
    days they do not cover); a facility without any uses its price per day."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tariffs",
        verbose_name=_("facility"),
    )
    product = models.CharField(
        _("product type"), max_length=30, choices=PLACE_PRODUCT_CHOICES, blank=True
    )
    price_per_day = models.DecimalField(_("price per day (EUR)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until (inclusive)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["region", "facility__name", "product", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(facility__isnull=False) & models.Q(product=""))
                | (models.Q(facility__isnull=True) & ~models.Q(product="")),
                name="tariff_facility_or_product",
            ),
            models.CheckConstraint(
                condition=models.Q(price_per_day__gte=0), name="tariff_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="tariff_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility or self.product}: {self.price_per_day}"

    def clean(self) -> None:
        if bool(self.facility_id) == bool(self.product):
            raise ValidationError(_("Choose either a facility or a product type."))


class SolidarityFund(models.Model):
    """The region's solidarity fund: its key, caps and reserve. One per region."""

    region = models.OneToOneField(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=120, default="Solidariteitsfonds")
    key = models.CharField(
        _("distribution key"), max_length=20, choices=KEY_CHOICES, default=FundKey.BUDGET_NEED
    )
    need_streams = models.JSONField(
        _("streams of the budget need"), default=list, help_text=_("Usually BW and MO.")
    )
    pay_realised_costs = models.BooleanField(
        _("the fund pays the realised care costs"),
        default=True,
        help_text=_(
            "Each municipality receives from the fund what the care for its clients in the "
            "fund's streams cost (realised costs)."
        ),
    )
    cap_kind = models.CharField(_("cap"), max_length=20, choices=CAP_CHOICES, blank=True)
    cap_percent = models.DecimalField(
        _("cap as % of the budget need"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    cap_amount = models.DecimalField(
        _("cap as an amount (EUR)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    reserve_rate = models.DecimalField(
        _("reserve: % of the payments added (negative: drawn)"),
        max_digits=7,
        decimal_places=4,
        default=0,
    )
    reserve_opening = models.DecimalField(
        _("reserve at the start (EUR)"), default=0, max_digits=14, decimal_places=2
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("solidarity fund")
        verbose_name_plural = _("solidarity funds")

    def __str__(self) -> str:
        return self.name


class FundPayment(models.Model):
    """A regional cost paid by the fund in a year, besides the realised care costs."""

    fund = models.ForeignKey(SolidarityFund, on_delete=models.CASCADE, related_name="payments")
    year = models.PositiveSmallIntegerField(_("year"))
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2)
    payee = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid to municipality"),
        help_text=_("Empty: paid to an outside party (e.g. a care provider)."),
    )

    scope_paths = ScopePaths(region="fund__region")

    class Meta:
        verbose_name = _("fund payment")
        verbose_name_plural = _("fund payments")
        ordering = ["fund", "year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="fund_payment_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.description


class FundAdvance(models.Model):
    """What a municipality already paid into the fund during a year."""

    fund = models.ForeignKey(SolidarityFund, on_delete=models.CASCADE, related_name="advances")
    year = models.PositiveSmallIntegerField(_("year"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("advance (EUR)"), max_digits=14, decimal_places=2)

    scope_paths = ScopePaths(region="fund__region")

    class Meta:
        verbose_name = _("advance")
        verbose_name_plural = _("advances")
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "year", "municipality"], name="fund_advance_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="fund_advance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.amount}"


class Calculation(models.Model):
    """A stored calculation: its inputs, outputs (with explanation), rule version and who
    made it. Append-only (database triggers), reproducible with "recompute and compare"."""

    class Kind(models.TextChoices):
        DISTRIBUTION = "distribution", _("Distribution with phase-in path")
        FUND = "fund", _("Solidarity fund and settlement")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    label = models.CharField(_("description"), max_length=200)
    rule_version = models.CharField(_("rule version"), max_length=40)
    inputs = models.JSONField(_("inputs"))
    outputs = models.JSONField(_("outputs"))
    digest = models.CharField(_("fingerprint of the inputs"), max_length=64)
    budget_set = models.ForeignKey(
        BudgetSet, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("calculated at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("stored calculation")
        verbose_name_plural = _("stored calculations")
        ordering = ["region", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.label
