from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django_otp import DEVICE_ID_SESSION_KEY

from doorstroom.accounts.models import User
from doorstroom.core.roles import ALLOWED_KINDS, OrganisationKind, Role
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region
from doorstroom.reference.services import reference_data_load
from tests.factories import UserFactory, totp_device


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Reference data is part of every test database, as in every installation."""
    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the database afterwards, reference data included; put it
    back for the next test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    transactional = (
        bool(marker and marker.kwargs.get("transaction"))
        or "transactional_db" in request.fixturenames
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if not Municipality.objects.exists():
        reference_data_load()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); ./dev test runs it")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


# ------------------------------------------------------------------ organisations and users
@dataclass
class Side:
    """One region with an organisation of every kind: "own" or "other" in the matrix."""

    region: Region
    municipality: Municipality
    organisations: dict[OrganisationKind, Organisation]

    def organisation_for(self, role: Role) -> Organisation:
        kinds = ALLOWED_KINDS[role]
        # Prefer the region office for regional roles, the municipality for municipal ones.
        for kind in (
            OrganisationKind.REGION_OFFICE,
            OrganisationKind.MUNICIPALITY,
            OrganisationKind.CARE_PROVIDER,
            OrganisationKind.HOUSING_ASSOCIATION,
        ):
            if kind in kinds and (
                role is not Role.ACCESS_OFFICER or kind is OrganisationKind.REGION_OFFICE
            ):
                return self.organisations[kind]
        raise AssertionError(role)


def _side(slug: str, municipality_code: str, tag: str) -> Side:
    region = Region.objects.get(slug=slug)
    municipality = Municipality.objects.get(code=municipality_code)
    orgs = {
        OrganisationKind.REGION_OFFICE: Organisation.objects.create(
            name=f"Regiobureau {tag}", kind="region_office", region=region
        ),
        OrganisationKind.MUNICIPALITY: Organisation.objects.create(
            name=f"Gemeente {tag}", kind="municipality", region=region, municipality=municipality
        ),
        OrganisationKind.CARE_PROVIDER: Organisation.objects.create(
            name=f"Zorg {tag}", kind="care_provider", region=region
        ),
        OrganisationKind.HOUSING_ASSOCIATION: Organisation.objects.create(
            name=f"Wonen {tag}", kind="housing_association", region=region
        ),
    }
    return Side(region, municipality, orgs)


@pytest.fixture
def own_side(db: Any) -> Side:
    return _side("groningen", "GM0014", "Groningen")


@pytest.fixture
def other_side(db: Any) -> Side:
    return _side("zeeland", "GM0718", "Zeeland")


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(role: Role, side: Side, **kwargs: Any) -> User:
        return UserFactory(role=role.value, organisation=side.organisation_for(role), **kwargs)

    return make


def login_verified(http: HttpClient, user: User) -> HttpClient:
    """Log in as after password and second factor (TOTP device confirmed)."""
    device = totp_device(user)
    http.force_login(user)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return http


@pytest.fixture
def login() -> Callable[[User], HttpClient]:
    def do(user: User) -> HttpClient:
        return login_verified(HttpClient(), user)

    return do


@pytest.fixture
def officer(own_side: Side, make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCESS_OFFICER, own_side)


@pytest.fixture
def administrator(own_side: Side, make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR, own_side)
