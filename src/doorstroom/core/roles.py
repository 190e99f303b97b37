"""Roles of doorstroom users and what each may see (PRODUCT.md, "Users").

The rules here are data about the domain; the Django apps enforce them in one place
(``doorstroom.organisations.scoping``).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ACCESS_OFFICER = "access_officer"
    PLACEMENT_COORDINATOR = "placement_coordinator"
    MUNICIPAL_OFFICER = "municipal_officer"
    CARE_PROVIDER = "care_provider"
    HOUSING_ASSOCIATION = "housing_association"
    POLICY_ADVISOR = "policy_advisor"
    FINANCE_ADVISOR = "finance_advisor"
    CLIENT_COUNCIL = "client_council"
    ADMINISTRATOR = "administrator"


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    REGION_OFFICE = "region_office"
    CARE_PROVIDER = "care_provider"
    HOUSING_ASSOCIATION = "housing_association"


class ClientScope(StrEnum):
    """Which client records a role may see."""

    REGION = "region"  # every client of the user's region
    MUNICIPALITY = "municipality"  # clients for whom the user's municipality is responsible
    PROVIDER = "provider"  # clients in the user's own facilities
    NONE = "none"  # no client records at all (aggregates only, or nothing)


CLIENT_SCOPE: dict[Role, ClientScope] = {
    Role.ACCESS_OFFICER: ClientScope.REGION,
    Role.PLACEMENT_COORDINATOR: ClientScope.REGION,
    Role.MUNICIPAL_OFFICER: ClientScope.MUNICIPALITY,
    Role.CARE_PROVIDER: ClientScope.PROVIDER,
    Role.HOUSING_ASSOCIATION: ClientScope.NONE,
    Role.POLICY_ADVISOR: ClientScope.NONE,
    Role.FINANCE_ADVISOR: ClientScope.NONE,
    Role.CLIENT_COUNCIL: ClientScope.NONE,
    Role.ADMINISTRATOR: ClientScope.NONE,
}

# Which kinds of organisation a role can belong to. A municipal officer works for a
# municipality, a care-provider user for a care provider, and so on.
ALLOWED_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.ACCESS_OFFICER: frozenset({OrganisationKind.REGION_OFFICE, OrganisationKind.MUNICIPALITY}),
    Role.PLACEMENT_COORDINATOR: frozenset({OrganisationKind.REGION_OFFICE}),
    Role.MUNICIPAL_OFFICER: frozenset({OrganisationKind.MUNICIPALITY}),
    Role.CARE_PROVIDER: frozenset({OrganisationKind.CARE_PROVIDER}),
    Role.HOUSING_ASSOCIATION: frozenset({OrganisationKind.HOUSING_ASSOCIATION}),
    Role.POLICY_ADVISOR: frozenset({OrganisationKind.REGION_OFFICE, OrganisationKind.MUNICIPALITY}),
    Role.FINANCE_ADVISOR: frozenset(
        {OrganisationKind.REGION_OFFICE, OrganisationKind.MUNICIPALITY}
    ),
    Role.CLIENT_COUNCIL: frozenset({OrganisationKind.REGION_OFFICE}),
    Role.ADMINISTRATOR: frozenset({OrganisationKind.REGION_OFFICE}),
}

# Roles that may read the access log of a client (NEN 7513: the controller must be able
# to tell a client who looked at their record).
ACCESS_LOG_READERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.ACCESS_OFFICER})


def sees_clients(role: Role) -> bool:
    return CLIENT_SCOPE[role] is not ClientScope.NONE
