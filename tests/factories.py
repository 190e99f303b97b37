"""factory_boy factories for the Django models. Reference data (municipalities, regions)
is loaded once per test database from the shipped files (see conftest)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstroom.accounts.models import User
from doorstroom.clients.crypto import bsn_digest
from doorstroom.clients.models import Client
from doorstroom.core import bsn as core_bsn
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.facilities.models import Facility
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region

PASSWORD = "correct horse battery"


def _bsn_sequence() -> Any:
    for n in itertools.count():
        candidate = core_bsn.make_valid(f"9998{n:04d}")
        if candidate:
            yield candidate


_BSNS = _bsn_sequence()


def next_bsn() -> str:
    return next(_BSNS)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = OrganisationKind.REGION_OFFICE.value
    region = factory.LazyFunction(lambda: Region.objects.get(slug="groningen"))
    municipality = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Persoon {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.ACCESS_OFFICER.value
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def totp_device(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    return device


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        exclude = ("bsn",)

    bsn = factory.LazyFunction(next_bsn)
    region = factory.LazyFunction(lambda: Region.objects.get(slug="groningen"))
    responsible_municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="GM0014"))
    bsn_digest = factory.LazyAttribute(lambda o: bsn_digest(o.bsn))
    bsn_encrypted = factory.LazyAttribute(lambda o: o.bsn)
    given_names = "Sam"
    family_name = factory.Sequence(lambda n: f"Testcliënt{n}")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=70)
    created_by = factory.SubFactory(UserFactory)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    provider = factory.LazyFunction(
        lambda: OrganisationFactory(kind=OrganisationKind.CARE_PROVIDER.value)
    )
    region = factory.LazyFunction(lambda: Region.objects.get(slug="groningen"))
    name = factory.Sequence(lambda n: f"Voorziening {n}")
    facility_type = "bw_intramural"
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="GM0014"))
    places = 5
    price_per_day = Decimal("150.00")
