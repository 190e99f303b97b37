"""Client identity. Everywhere but on the client's own pages the pseudonym is used."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.clients.crypto import EncryptedTextField
from doorstroom.core import bsn as core_bsn
from doorstroom.organisations.scoping import ScopePaths
from doorstroom.reference.models import Municipality, Region


class Client(models.Model):
    pseudonym = models.UUIDField(_("pseudonym"), default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="clients", verbose_name=_("region")
    )
    responsible_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="responsible_for",
        verbose_name=_("responsible municipality"),
        help_text=_("The municipality responsible under the residence principle."),
    )
    bsn_digest = models.CharField(max_length=64, editable=False)
    bsn_encrypted = EncryptedTextField(editable=False)
    given_names = EncryptedTextField(_("given names"), blank=True)
    family_name = EncryptedTextField(_("family name"))
    birth_date = models.DateField(_("date of birth"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )

    scope_paths = ScopePaths(
        region="region",
        municipality="responsible_municipality",
        # A care provider sees the clients staying in, or offered a place in, its facilities.
        provider=("state__facility__provider", "state__offered_facility__provider"),
        client_data=True,
    )

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "bsn_digest"], name="one_client_per_bsn_per_region"
            ),
        ]

    def __str__(self) -> str:
        # Never the name or BSN: str() ends up in logs and error reports.
        return f"C-{self.short_pseudonym}"

    @property
    def short_pseudonym(self) -> str:
        return self.pseudonym.hex[:8]

    @property
    def masked_bsn(self) -> str:
        return core_bsn.mask(self.bsn_encrypted)

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()
