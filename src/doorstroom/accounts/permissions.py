"""Access rules for views: every view declares who may open it.

``AccessRuleMiddleware`` refuses any view without a rule (deny by default), and the
authorisation test matrix enumerates every URL and checks its rule for every role in an
own and another organisation.

    @rule(Role.ACCESS_OFFICER, Role.PLACEMENT_COORDINATOR, client_data=True)
    def client_detail(request, pseudonym): ...

Object-level scoping (own organisation or not) is done by selectors through
``doorstroom.organisations.scoping``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required

from doorstroom.core.roles import Role

V = TypeVar("V", bound=Callable[..., Any])
ATTRIBUTE = "doorstroom_access_rule"


@dataclass(frozen=True)
class AccessRule:
    roles: frozenset[Role]  # empty: every logged-in user with a role
    public: bool = False  # no login needed (login page, health check)
    before_second_factor: bool = False  # reachable between password and second factor
    client_data: bool = False  # shows or changes client data: must write the access log

    def allows(self, role: Role | None) -> bool:
        if self.public or self.before_second_factor:
            return True
        if role is None:
            return False
        return not self.roles or role in self.roles


def _mark(view: V, access_rule: AccessRule) -> V:
    setattr(view, ATTRIBUTE, access_rule)
    return view


def rule(*roles: Role, client_data: bool = False) -> Callable[[V], V]:
    """Only users with one of ``roles`` (or any role, when none are given)."""

    def decorator(view: V) -> V:
        return _mark(view, AccessRule(frozenset(roles), client_data=client_data))

    return decorator


def public(view: V) -> V:
    """No login needed."""
    return _mark(login_not_required(view), AccessRule(frozenset(), public=True))


def before_second_factor(view: V) -> V:
    """Logged in with a password, second factor not (yet) given: login steps, logout."""
    return _mark(view, AccessRule(frozenset(), before_second_factor=True))


def get_rule(view: Callable[..., Any]) -> AccessRule | None:
    rule_ = getattr(view, ATTRIBUTE, None)
    if rule_ is None and hasattr(view, "view_class"):
        rule_ = getattr(view.view_class, ATTRIBUTE, None)
    return rule_ if isinstance(rule_, AccessRule) else None
