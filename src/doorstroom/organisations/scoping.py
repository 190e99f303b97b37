"""The one place where what a user may see is decided.

Every selector passes its queryset through :func:`scope` (or :func:`scope_for_audit`).
A model says how it relates to regions, municipalities and organisations by declaring
``scope_paths = ScopePaths(...)``; the rules per role live in ``doorstroom.core.roles``.

- Client data (``client_data=True``): by the role's client scope - the whole region, the
  clients the user's municipality is responsible for, the clients in the user's own
  facilities, or nothing.
- Other regional data: rows of the user's own region; a care provider sees only rows of
  its own (``provider`` path, e.g. its facilities); rows that belong to one organisation
  (``organisation`` path) only to that organisation, except for the region's administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from doorstroom.core.roles import ACCESS_LOG_READERS, CLIENT_SCOPE, ClientScope, Role

if TYPE_CHECKING:
    from doorstroom.accounts.models import User
    from doorstroom.organisations.models import Organisation

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to the things that decide visibility (None: not related)."""

    region: str | None = None
    municipality: str | None = None
    provider: str | tuple[str, ...] | None = None  # several paths: any of them
    organisation: str | None = None
    client_data: bool = False


class ScopingError(TypeError):
    pass


def _paths(qs: QuerySet[Any]) -> ScopePaths:
    paths = getattr(qs.model, "scope_paths", None)
    if not isinstance(paths, ScopePaths):
        raise ScopingError(f"{qs.model.__name__} declares no scope_paths; it cannot be scoped")
    return paths


def _acting(user: Any) -> tuple[User, Organisation] | None:
    """The user and their organisation, or None for anonymous users and accounts
    without an organisation (they see nothing)."""
    if not getattr(user, "is_authenticated", False):
        return None
    org = getattr(user, "organisation", None)
    if org is None:
        return None
    return user, org


def _any_path(paths: str | tuple[str, ...], value: object) -> Q:
    q = Q()
    for path in (paths,) if isinstance(paths, str) else paths:
        q |= Q(**{path: value})
    return q


def client_scope_q(user: User, org: Organisation, paths: ScopePaths) -> Q | None:
    """The filter for client data, or None when the user sees no rows at all."""
    level = CLIENT_SCOPE[user.role_enum]
    if level is ClientScope.REGION and paths.region:
        return Q(**{paths.region: org.region_id})
    if level is ClientScope.MUNICIPALITY and paths.municipality and org.municipality_id:
        return Q(**{paths.municipality: org.municipality_id})
    if level is ClientScope.PROVIDER and paths.provider:
        return _any_path(paths.provider, org.pk)
    return None


def scope(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """Restrict ``qs`` to what ``user`` may see. Unauthenticated users see nothing."""
    paths = _paths(qs)
    acting = _acting(user)
    if acting is None:
        return qs.none()
    person, org = acting
    if paths.client_data:
        q = client_scope_q(person, org, paths)
        return qs.filter(q) if q is not None else qs.none()
    if paths.provider and CLIENT_SCOPE[person.role_enum] is ClientScope.PROVIDER:
        return qs.filter(_any_path(paths.provider, org.pk))
    if paths.organisation and person.role_enum is not Role.ADMINISTRATOR:
        return qs.filter(**{paths.organisation: org.pk})
    if paths.region:
        return qs.filter(**{paths.region: org.region_id})
    raise ScopingError(f"{qs.model.__name__} has no region or organisation path")


def scope_for_audit(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """Rows whose access log ``user`` may read: an administrator for the whole region, an
    access officer for the clients they may see anyway."""
    paths = _paths(qs)
    acting = _acting(user)
    if acting is None or acting[0].role_enum not in ACCESS_LOG_READERS:
        return qs.none()
    person, org = acting
    if person.role_enum is Role.ADMINISTRATOR and paths.region:
        return qs.filter(**{paths.region: org.region_id})
    return scope(person, qs)
