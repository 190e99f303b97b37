"""The access log (toegangslog) of client data, after NEN 7513.

Append-only: database triggers refuse UPDATE and DELETE, and every entry is linked into a
keyed hash chain (``doorstroom.core.hashchain``) so that any edit or deletion is detected
by ``doorstroom verify-access-log``.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.organisations.scoping import ScopePaths


class Action(models.TextChoices):
    CREATE = "create", _("Aanmaken")
    READ = "read", _("Inzien")
    UPDATE = "update", _("Wijzigen")
    DELETE = "delete", _("Verwijderen")
    EXPORT = "export", _("Exporteren")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Gelukt")
    DENIED = "denied", _("Geweigerd")
    FAILURE = "failure", _("Mislukt")


class Purpose(models.TextChoices):
    ACCESS = "access", _("Toegang en beoordeling")
    PLACEMENT = "placement", _("Plaatsing en uitstroom")
    CARE = "care", _("Zorg en ondersteuning")
    FOLLOW_UP = "follow_up", _("Gemeentelijke opvolging")
    ACCOUNTABILITY = "accountability", _("Verantwoording en toezicht")
    DATA_SUBJECT = "data_subject", _("Verzoek van betrokkene (AVG)")
    ADMINISTRATION = "administration", _("Beheer")


class AccessLogEntry(models.Model):
    """One read or write of client data. Field names follow NEN 7513:
    gebeurtenis (event_type), actie (action), datum-tijd (occurred_at, UTC), resultaat
    (outcome), gebruiker (user_*), rol (role), namens wie (on_behalf_of), organisatie
    (organisation_*), cliënt (client_pseudonym), object, doel (purpose), bron (source)."""

    sequence = models.PositiveBigIntegerField(_("volgnummer"), unique=True)
    event_id = models.UUIDField(_("gebeurtenis-id"), default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("datum en tijd (UTC)"), db_index=True)
    event_type = models.CharField(_("gebeurtenis"), max_length=80)
    action = models.CharField(_("actie"), max_length=10, choices=Action.choices)
    outcome = models.CharField(_("resultaat"), max_length=10, choices=Outcome.choices)
    user_identifier = models.CharField(_("gebruiker"), max_length=150)
    user_display = models.CharField(_("naam gebruiker"), max_length=300, blank=True)
    role = models.CharField(_("rol"), max_length=40, blank=True)
    on_behalf_of = models.CharField(_("namens"), max_length=300, blank=True)
    organisation_id_snapshot = models.CharField(_("organisatie-id"), max_length=40, blank=True)
    organisation_name = models.CharField(_("organisatie"), max_length=200, blank=True)
    region_id_snapshot = models.CharField(_("regio-id"), max_length=40, blank=True, db_index=True)
    client_pseudonym = models.UUIDField(_("cliënt (pseudoniem)"), null=True, blank=True, db_index=True)
    object_type = models.CharField(_("objectsoort"), max_length=80, blank=True)
    object_id = models.CharField(_("object-id"), max_length=80, blank=True)
    purpose = models.CharField(_("doel"), max_length=20, choices=Purpose.choices)
    source = models.CharField(_("bron"), max_length=100, blank=True, help_text=_("IP-adres of proces"))
    request_id = models.CharField(_("verzoek-id"), max_length=40, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    scope_paths = ScopePaths(region="region_id_snapshot")

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
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

    def chain_fields(self) -> dict[str, object]:
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
        verbose_name = _("kop van de hashketen")
        verbose_name_plural = _("kop van de hashketen")
