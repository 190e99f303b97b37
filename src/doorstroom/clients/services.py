"""Writes of client data. Each write records itself in the access log, in the same
transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.clients.crypto import bsn_digest
from doorstroom.clients.models import Client
from doorstroom.core import bsn as core_bsn
from doorstroom.core.roles import Role
from doorstroom.reference.models import Municipality

REGISTERING_ROLES = frozenset({Role.ACCESS_OFFICER})


def client_register(
    *,
    user: Any,
    actor: Actor,
    bsn: str,
    family_name: str,
    given_names: str,
    birth_date: date,
    responsible_municipality: Municipality,
) -> Client:
    """Register a client in the user's region. Raises ValidationError (translated) on bad
    input or a BSN that is already registered in the region; stores nothing then."""
    if user.role_enum not in REGISTERING_ROLES:
        raise PermissionError("role may not register clients")
    try:
        digits = core_bsn.validate(bsn)
    except core_bsn.InvalidBSN as exc:
        raise ValidationError({"bsn": exc.message.translate(_)}) from None
    # The responsible municipality may lie outside the region (national accessibility).
    region = user.organisation.region
    digest = bsn_digest(digits)
    try:
        with transaction.atomic():
            client = Client.objects.create(
                region=region,
                responsible_municipality=responsible_municipality,
                bsn_digest=digest,
                bsn_encrypted=digits,
                given_names=given_names.strip(),
                family_name=family_name.strip(),
                birth_date=birth_date,
                created_by=user,
            )
            access_record(
                actor,
                event_type="client.register",
                action=Action.CREATE,
                purpose=Purpose.ACCESS,
                clients=[client.pseudonym],
                object_type="client",
                object_id=str(client.pseudonym),
                region_id=region.pk,
            )
    except IntegrityError:
        raise ValidationError(
            {"bsn": _("A client with this BSN is already registered in this region.")}
        ) from None
    return client
