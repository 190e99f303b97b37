from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from doorstroom.accounts.permissions import get_rule

logger = logging.getLogger(__name__)

SESSION_STARTED = "doorstroom_auth_at"
SESSION_SEEN = "doorstroom_seen_at"
SEEN_RESOLUTION = 30  # seconds; don't write the session on every request


class SessionTimeoutMiddleware:
    """Ends a session after inactivity and after an absolute maximum since login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            idle = settings.SESSION_INACTIVITY_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - seen > idle or now - started > absolute:
                logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
                login = resolve_url(settings.LOGIN_URL)
                return HttpResponseRedirect(
                    f"{login}?{urlencode({'next': request.get_full_path()})}"
                )
            if SESSION_STARTED not in request.session:
                request.session[SESSION_STARTED] = now
            if now - seen >= SEEN_RESOLUTION or SESSION_SEEN not in request.session:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """With DOORSTROOM_REQUIRE_2FA, a user who gave only a password reaches nothing but the
    second-factor steps and logout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        if not settings.DOORSTROOM_REQUIRE_2FA or not request.user.is_authenticated:
            return None
        if request.user.is_verified():  # type: ignore[attr-defined]
            return None
        access_rule = get_rule(view_func)
        if access_rule is not None and (access_rule.public or access_rule.before_second_factor):
            return None
        from doorstroom.accounts.selectors import has_confirmed_device

        target = "accounts:verify" if has_confirmed_device(request.user) else "accounts:setup"
        return HttpResponseRedirect(
            f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
        )


class AccessRuleMiddleware:
    """Deny by default: a view without an access rule is refused; a role not in the rule
    gets 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        access_rule = get_rule(view_func)
        if access_rule is None:
            logger.error(
                "View %s has no access rule; refused", getattr(view_func, "__name__", view_func)
            )
            raise PermissionDenied
        if access_rule.public or access_rule.before_second_factor:
            return None
        role = getattr(request.user, "role", "") or None
        from doorstroom.core.roles import Role

        if not access_rule.allows(Role(role) if role else None):
            raise PermissionDenied
        return None
