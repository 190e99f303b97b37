from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstroom.accounts.permissions import get_rule
from doorstroom.core.roles import Role
from doorstroom.web.finders import FONT_STYLESHEETS


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str


# The main navigation. Each user sees the items whose view rule admits their role.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Overview"), "web:home"),
    NavItem(_("Clients"), "clients:list"),
    NavItem(_("Waiting lists"), "waiting:overview"),
    NavItem(_("Facilities"), "facilities:list"),
    NavItem(_("Monitor"), "monitor:overview"),
    NavItem(_("Forecast"), "forecast:overview"),
    NavItem(_("Housing"), "housing:overview"),
    NavItem(_("Finance"), "finance:overview"),
    NavItem(_("Municipalities and regions"), "reference:regions"),
    NavItem(_("Organisations"), "organisations:list"),
    NavItem(_("Access log"), "audit:overview"),
    NavItem(_("Assessment framework"), "configuration:framework"),
)


def navigation_for(role: Role | None, current_path: str) -> list[dict[str, Any]]:
    items = []
    for item in NAVIGATION:
        url = reverse(item.url_name)
        access_rule = get_rule(resolve(url).func)
        if access_rule is None or not access_rule.allows(role):
            continue
        current = current_path == url or (url != "/" and current_path.startswith(url))
        items.append({"label": item.label, "url": url, "current": current})
    return items


def doorstroom(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    role = Role(user.role) if user is not None and user.is_authenticated and user.role else None
    verified = bool(
        user
        and user.is_authenticated
        and (not settings.DOORSTROOM_REQUIRE_2FA or user.is_verified())
    )
    return {
        "font_stylesheets": FONT_STYLESHEETS,
        "demo": settings.DOORSTROOM_DEMO,
        "navigation": navigation_for(role, request.path) if verified else [],
        "fully_logged_in": verified,
    }
