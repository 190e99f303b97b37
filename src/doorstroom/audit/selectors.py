from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from doorstroom.audit.models import AccessLogEntry
from doorstroom.organisations.scoping import scope


def access_log_recent(*, actor: Any, limit: int = 200) -> QuerySet[AccessLogEntry]:
    """Latest entries of the actor's region (administrators; the view enforces the role)."""
    return scope(actor, AccessLogEntry.objects.all()).order_by("-sequence")[:limit]


def access_log_for_pseudonym(pseudonym: Any) -> QuerySet[AccessLogEntry]:
    """All entries about one client. Callers must have checked that the actor may read
    this client's access log (``clients.selectors.client_access_log``)."""
    return AccessLogEntry.objects.filter(client_pseudonym=pseudonym).order_by("-sequence")
