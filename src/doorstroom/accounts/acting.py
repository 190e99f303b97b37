"""The acting user of a request, typed: views behind an access rule always have one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from doorstroom.accounts.models import User


def member(request: HttpRequest) -> User:
    """The logged-in user with an organisation and a role (else 403)."""
    user = request.user
    if not isinstance(user, User) or user.organisation is None or not user.role:
        raise PermissionDenied
    return user
