"""The client journey: an append-only event log and its projection.

``JourneyEvent`` rows are never changed or deleted (database triggers refuse it);
corrections are new events. ``ClientState`` is the projection of a client's events and can
be rebuilt from them at any time (``doorstroom manage rebuild_journeys``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.clients.models import Client
from doorstroom.core.journey import EventType, Status, WaitingStatus
from doorstroom.facilities.models import Facility
from doorstroom.facilities.products import PRODUCT_CHOICES
from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Region

EVENT_LABELS = {
    EventType.APPLICATION: _("Application received"),
    EventType.ASSESSMENT: _("Assessment done"),
    EventType.DECISION: _("Decision"),
    EventType.SECOND_OPINION: _("Second opinion"),
    EventType.WAITING_LIST_ENTRY: _("On the waiting list"),
    EventType.OFFER: _("Place offered"),
    EventType.OFFER_DECLINED: _("Offer declined"),
    EventType.PLACEMENT: _("Placement"),
    EventType.TRANSFER: _("Transfer"),
    EventType.READY_TO_MOVE_ON: _("Ready to move on"),
    EventType.EXIT: _("Exit"),
    EventType.RETURN: _("Return"),
    EventType.WITHDRAWAL: _("Withdrawn"),
    EventType.EXPIRY: _("Waiting-list entry expired"),
    EventType.DISPUTE: _("Dispute about responsibility"),
    EventType.CORRECTION: _("Correction"),
}
STATUS_LABELS = {
    Status.NONE: _("No application"),
    Status.APPLIED: _("Applied"),
    Status.ASSESSED: _("Assessed"),
    Status.DECIDED: _("Decided"),
    Status.WAITING: _("Waiting"),
    Status.OFFERED: _("Offered a place"),
    Status.PLACED: _("Placed"),
    Status.READY_TO_MOVE_ON: _("Ready to move on"),
    Status.EXITED: _("Exited"),
    Status.REFERRED: _("Referred to ambulant support"),
    Status.NOT_ELIGIBLE: _("Not eligible"),
    Status.WITHDRAWN: _("Withdrawn"),
    Status.EXPIRED: _("Expired"),
}
WAITING_LABELS = {
    WaitingStatus.WAITING: _("waiting"),
    WaitingStatus.OFFERED: _("offered"),
    WaitingStatus.PLACED: _("placed"),
    WaitingStatus.WITHDRAWN: _("withdrawn"),
    WaitingStatus.EXPIRED: _("expired"),
}


class JourneyEvent(models.Model):
    """One step of a client's journey. The primary key is the recording sequence."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="events", verbose_name=_("client")
    )
    event_type = models.CharField(
        _("event"), max_length=30, choices=[(t.value, EVENT_LABELS[t]) for t in EventType]
    )
    effective_date = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("facility"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    payload = models.JSONField(_("details"), default=dict)

    scope_paths = ScopePaths(
        region="client__region",
        municipality="client__responsible_municipality",
        provider=("client__state__facility__provider", "client__state__offered_facility__provider"),
        client_data=True,
    )

    class Meta:
        verbose_name = _("journey event")
        verbose_name_plural = _("journey events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["client", "id"], name="journey_event_client_seq"),
            models.Index(fields=["event_type", "effective_date"], name="journey_event_type_date"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.effective_date} ({self.client})"


class ClientState(models.Model):
    """The projection of a client's events: what is true now."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=[(s.value, STATUS_LABELS[s]) for s in Status],
        default=Status.NONE,
    )
    episode = models.PositiveSmallIntegerField(_("episode"), default=0)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    advice = models.CharField(_("advice"), max_length=30, choices=PRODUCT_CHOICES, blank=True)
    product = models.CharField(
        _("decided product"), max_length=30, choices=PRODUCT_CHOICES, blank=True
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(_("urgency"), null=True, blank=True)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("facility"),
    )
    stay_since = models.DateField(_("staying since"), null=True, blank=True)
    ready_since = models.DateField(_("ready to move on since"), null=True, blank=True)
    waiting_product = models.CharField(
        _("waiting for"), max_length=30, choices=PRODUCT_CHOICES, blank=True
    )
    waiting_status = models.CharField(
        _("waiting-list status"),
        max_length=10,
        choices=[(w.value, WAITING_LABELS[w]) for w in WaitingStatus],
        blank=True,
    )
    waiting_since = models.DateField(_("waiting since"), null=True, blank=True)
    waiting_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offered_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    open_disputes = models.PositiveSmallIntegerField(default=0)
    last_effective = models.DateField(null=True, blank=True)
    last_event = models.BigIntegerField(default=0)
    snapshot = models.JSONField(default=dict)

    scope_paths = ScopePaths(
        region="client__region",
        municipality="client__responsible_municipality",
        provider=("facility__provider", "offered_facility__provider"),
        client_data=True,
    )

    class Meta:
        verbose_name = _("client state")
        verbose_name_plural = _("client states")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status__in=[Status.PLACED, Status.READY_TO_MOVE_ON], facility__isnull=False
                    )
                    | (
                        ~models.Q(status__in=[Status.PLACED, Status.READY_TO_MOVE_ON])
                        & models.Q(facility__isnull=True)
                    )
                ),
                name="client_state_facility_iff_in_care",
            ),
        ]
        indexes = [
            models.Index(fields=["waiting_product", "waiting_status"], name="client_state_waiting")
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.status}"


class RegionConfiguration(models.Model):
    """A versioned piece of region configuration that is data, not code: the assessment
    framework, the residence-principle rules, the waiting-list order."""

    class Kind(models.TextChoices):
        ASSESSMENT_FRAMEWORK = "assessment_framework", _("Assessment framework")
        RESIDENCE_RULES = "residence_rules", _("Residence-principle rules")
        WAITING_LIST_POLICY = "waiting_list_policy", _("Waiting-list order")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="configurations", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    scope_paths = ScopePaths(region="region")

    class Meta:
        verbose_name = _("region configuration")
        verbose_name_plural = _("region configurations")
        ordering = ["region", "kind", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "version"], name="region_configuration_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.kind} {self.version}"
