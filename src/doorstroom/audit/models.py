"""The access log (toegangslog) of client data, after NEN 7513.

Append-only: database triggers refuse UPDATE and DELETE, and every entry is linked into a
keyed hash chain (``doorstroom.core.hashchain``) so that any edit or deletion is detected
by ``doorstroom verify-access-log``.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.core.hashchain import Scalar
from doorstroom.organisations.scoping import ScopePaths


class Action(models.TextChoices):
    CREATE = "create", _("Create")
    READ = "read", _("Read")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILURE = "failure", _("Failed")


class Purpose(models.TextChoices):
    ACCESS = "access", _("Access and assessment")
    PLACEMENT = "placement", _("Placement and outflow")
    CARE = "care", _("Care and support")
    FOLLOW_UP = "follow_up", _("Municipal follow-up")
    ACCOUNTABILITY = "accountability", _("Accountability and oversight")
    DATA_SUBJECT = "data_subject", _("Data subject request (GDPR)")
    ADMINISTRATION = "administration", _("Administration")


class AccessLogEntry(models.Model):
    """One read or write of client data. Field names follow NEN 7513:
    gebeurtenis (event_type), actie (action), datum-tijd (occurred_at, UTC), resultaat
    (outcome), gebruiker (user_*), rol (role), namens wie (on_behalf_of), organisatie
    (organisation_*), cliënt (client_pseudonym), object, doel (purpose), bron (source)."""

    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("date and time (UTC)"), db_index=True)
    event_type = models.CharField(_("event"), max_length=80)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    user_identifier = models.CharField(_("user"), max_length=150)
    user_display = models.CharField(_("user name"), max_length=300, blank=True)
    role = models.CharField(_("role"), max_length=40, blank=True)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=300, blank=True)
    organisation_id_snapshot = models.CharField(_("organisation id"), max_length=40, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    region_id_snapshot = models.CharField(_("region id"), max_length=40, blank=True, db_index=True)
    client_pseudonym = models.UUIDField(
        _("client (pseudonym)"), null=True, blank=True, db_index=True
    )
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=80, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("IP address or process")
    )
    request_id = models.CharField(_("request id"), max_length=40, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    scope_paths = ScopePaths(region="region_id_snapshot")

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_type} {self.outcome}"

    @property
    def role_label(self) -> object:
        from doorstroom.accounts.roles import ROLE_LABELS
        from doorstroom.core.roles import Role

        try:
            return ROLE_LABELS[Role(self.role)]
        except ValueError:
            return self.role

    def chain_fields(self) -> dict[str, Scalar]:
        """The fields covered by the hash (everything but the hashes themselves)."""
        return {
            "sequence": self.sequence,
            "event_id": str(self.event_id),
            "occurred_at": self.occurred_at.isoformat(),
            "event_type": self.event_type,
            "action": self.action,
            "outcome": self.outcome,
            "user_identifier": self.user_identifier,
            "user_display": self.user_display,
            "role": self.role,
            "on_behalf_of": self.on_behalf_of,
            "organisation_id": self.organisation_id_snapshot,
            "organisation_name": self.organisation_name,
            "region_id": self.region_id_snapshot,
            "client_pseudonym": str(self.client_pseudonym) if self.client_pseudonym else None,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "purpose": self.purpose,
            "source": self.source,
            "request_id": self.request_id,
        }


class ChainHead(models.Model):
    """The last entry of the chain, updated in the same transaction as each append.
    Its row lock serialises writers so that the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("hash chain head")
        verbose_name_plural = _("hash chain head")

    def __str__(self) -> str:
        return f"head {self.last_sequence}"
