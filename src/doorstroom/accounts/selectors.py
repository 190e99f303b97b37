from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstroom.accounts.models import User
from doorstroom.organisations.scoping import scope


def has_confirmed_device(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def user_list(*, actor: User) -> QuerySet[User]:
    return scope(actor, User.objects.select_related("organisation")).order_by(
        "organisation__name", "username"
    )
