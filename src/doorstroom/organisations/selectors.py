from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import scope


def organisation_list(*, user: Any) -> QuerySet[Organisation]:
    return scope(user, Organisation.objects.select_related("region", "municipality")).annotate(
        user_count=Count("users")
    )


def organisation_get(*, user: Any, pk: int) -> Organisation | None:
    return organisation_list(user=user).filter(pk=pk).first()
