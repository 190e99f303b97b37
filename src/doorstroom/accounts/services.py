"""Writes for accounts: users and second-factor devices."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstroom.accounts.models import User
from doorstroom.core.roles import Role
from doorstroom.organisations.models import Organisation


def totp_device_pending(user: User) -> TOTPDevice:
    """The unconfirmed device shown during set-up (one per user, reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with a first valid code; remove any older device."""
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_is_allowed()[0] or not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    organisation: Organisation,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    user = User(
        username=username.lower(),
        organisation=organisation,
        role=role.value,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user
