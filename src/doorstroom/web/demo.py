"""The demo region: organisations, one user per role and a few synthetic clients.

Everything here is invented. Names are fictitious, BSNs are in the 9999xxxxx test range
and pass the elfproef. Running it twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.clients.crypto import bsn_digest
from doorstroom.clients.models import Client
from doorstroom.clients.services import client_register
from doorstroom.core import bsn as core_bsn
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region

DEMO_PASSWORD = "doorstroom-demo"  # noqa: S105  (printed on purpose: demo only)
DEMO_REGION = "groningen"
OTHER_REGION = "zeeland"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    organisation: str


DEMO_ORGANISATIONS: dict[str, tuple[OrganisationKind, str | None]] = {
    "Regio Groningen — Bureau Beschermd Wonen en Opvang": (OrganisationKind.REGION_OFFICE, None),
    "Gemeente Groningen": (OrganisationKind.MUNICIPALITY, "GM0014"),
    "Gemeente Midden-Groningen": (OrganisationKind.MUNICIPALITY, "GM1952"),
    "Stichting Noorderzorg (fictief)": (OrganisationKind.CARE_PROVIDER, None),
    "Stichting De Brug (fictief)": (OrganisationKind.CARE_PROVIDER, None),
    "Woonstichting Hunzeborg (fictief)": (OrganisationKind.HOUSING_ASSOCIATION, None),
}
OTHER_ORGANISATIONS: dict[str, tuple[OrganisationKind, str | None]] = {
    "Regio Zeeland — Bureau Beschermd Wonen en Opvang": (OrganisationKind.REGION_OFFICE, None),
    "Gemeente Vlissingen": (OrganisationKind.MUNICIPALITY, "GM0718"),
}
REGION_OFFICE = "Regio Groningen — Bureau Beschermd Wonen en Opvang"

DEMO_USERS: list[tuple[str, Role, str, str, str]] = [
    ("toegang", Role.ACCESS_OFFICER, REGION_OFFICE, "Anouk", "de Vries"),
    ("plaatsing", Role.PLACEMENT_COORDINATOR, REGION_OFFICE, "Bram", "Jansen"),
    ("gemeente", Role.MUNICIPAL_OFFICER, "Gemeente Groningen", "Carmen", "Bakker"),
    ("zorgaanbieder", Role.CARE_PROVIDER, "Stichting Noorderzorg (fictief)", "Daan", "Visser"),
    ("corporatie", Role.HOUSING_ASSOCIATION, "Woonstichting Hunzeborg (fictief)", "Eva", "Smit"),
    ("beleid", Role.POLICY_ADVISOR, REGION_OFFICE, "Finn", "Meijer"),
    ("financien", Role.FINANCE_ADVISOR, REGION_OFFICE, "Gita", "Mulder"),
    ("clientenraad", Role.CLIENT_COUNCIL, REGION_OFFICE, "Hamza", "Bos"),
    ("beheer", Role.ADMINISTRATOR, REGION_OFFICE, "Iris", "Dekker"),
]

GIVEN = [
    "Sanne",
    "Mohamed",
    "Lotte",
    "Jesse",
    "Noor",
    "Tim",
    "Fleur",
    "Yusuf",
    "Lisa",
    "Ruben",
    "Emma",
    "Kevin",
    "Demi",
    "Thijs",
    "Amira",
]
FAMILY = [
    "Hoekstra",
    "Postma",
    "Kuipers",
    "El Amrani",
    "van Dijk",
    "Bosma",
    "Wiersma",
    "de Boer",
    "Veenstra",
    "Dijkstra",
    "Yilmaz",
    "Zijlstra",
    "Koster",
    "Huisman",
    "Brouwer",
]


def demo_bsns(count: int, seed: int = 2026) -> list[str]:
    """Valid test BSNs in the 9999xxxxx range, reproducible."""
    rng = random.Random(seed)  # noqa: S311  (not for security)
    found: list[str] = []
    while len(found) < count:
        candidate = core_bsn.make_valid(f"9999{rng.randrange(10_000):04d}")
        if candidate and candidate not in found:
            found.append(candidate)
    return found


def _organisations(
    region: Region, spec: dict[str, tuple[OrganisationKind, str | None]]
) -> dict[str, Organisation]:
    result = {}
    for name, (kind, code) in spec.items():
        municipality = Municipality.objects.get(code=code) if code else None
        result[name], _ = Organisation.objects.get_or_create(
            region=region,
            name=name,
            defaults={"kind": kind, "municipality": municipality},
        )
    return result


@transaction.atomic
def demo_seed() -> list[DemoLogin]:
    region = Region.objects.get(slug=DEMO_REGION)
    other = Region.objects.get(slug=OTHER_REGION)
    orgs = _organisations(region, DEMO_ORGANISATIONS)
    other_orgs = _organisations(other, OTHER_ORGANISATIONS)
    logins = []
    for username, role, org_name, first, last in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                organisation=orgs[org_name],
                role=role.value,
                first_name=first,
                last_name=last,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        logins.append(DemoLogin(username, role, org_name))
    # An access officer in the other region, so scoping is visible in the demo.
    if not User.objects.filter(username="toegang.zeeland").exists():
        zeeland_user = User(
            username="toegang.zeeland",
            organisation=other_orgs["Regio Zeeland — Bureau Beschermd Wonen en Opvang"],
            role=Role.ACCESS_OFFICER.value,
            first_name="Jan",
            last_name="de Zeeuw",
        )
        zeeland_user.set_password(DEMO_PASSWORD)
        zeeland_user.save()
    logins.append(
        DemoLogin(
            "toegang.zeeland",
            Role.ACCESS_OFFICER,
            "Regio Zeeland — Bureau Beschermd Wonen en Opvang",
        )
    )
    from doorstroom.web.demo_journeys import seed_facilities, seed_journeys

    seed_facilities(region)
    seed_journeys(region)
    from doorstroom.finance.demo import seed_finance

    seed_finance(region)
    from doorstroom.housing.demo import seed_housing

    seed_housing(region)
    _clients(other, User.objects.get(username="toegang.zeeland"), 4, seed=2)
    return logins


def demo_history(*, years: int = 5) -> None:
    """Years of synthetic history for the five demo regions (once), the region's targets,
    and the monitor's first snapshot, so that the dashboards have figures at once."""
    from django.utils import timezone

    from doorstroom.journey.synthetic import (
        already_loaded,
        demo_synthetic_data,
        synthetic_load,
    )
    from doorstroom.monitor.services import snapshot_refresh

    if years > 0 and not already_loaded():
        synthetic_load(demo_synthetic_data(end=timezone.localdate(), years=years))
    _targets()
    snapshot_refresh()
    from doorstroom.forecast.demo import demo_forecast

    demo_forecast()


DEMO_TARGETS: list[dict[str, Any]] = [
    {
        "kpi": "applications_youth",
        "baseline_year": 2024,
        "target_year": 2028,
        "change_percent": Decimal("-20"),
        "source": "Regioplan: de instroom van jongeren in BW vermindert",
    },
    {
        "kpi": "share_home_origin",
        "baseline_year": 2024,
        "target_year": 2027,
        "target_value": Decimal("0.75"),
        "source": "Regioplan: uitstroom bij voorkeur naar de gemeente van herkomst",
    },
    {
        "kpi": "bt_places_per_10k",
        "baseline_year": 2024,
        "target_year": 2028,
        "change_percent": Decimal("30"),
        "source": "Beschermd Thuis in alle regiogemeenten",
    },
]


def _targets() -> None:
    from doorstroom.monitor.models import MonitorTarget

    region = Region.objects.get(slug=DEMO_REGION)
    advisor = User.objects.get(username="beleid")
    for spec in DEMO_TARGETS:
        MonitorTarget.objects.get_or_create(
            region=region,
            kpi=spec["kpi"],
            target_year=spec["target_year"],
            defaults={**spec, "created_by": advisor},
        )


def _clients(region: Region, officer: User, count: int, *, seed: int) -> None:
    """Clients who applied but whose journey is not seeded (the other region)."""
    rng = random.Random(seed)  # noqa: S311
    members = list(region.members.order_by("code"))
    actor = Actor.for_user(officer, "demo-seed")
    for bsn in demo_bsns(count, seed=seed * 1000 + region.pk):
        if Client.objects.filter(region=region, bsn_digest=bsn_digest(bsn)).exists():
            continue
        client_register(
            user=officer,
            actor=actor,
            bsn=bsn,
            given_names=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            birth_date=date(rng.randint(1965, 2007), rng.randint(1, 12), rng.randint(1, 28)),
            responsible_municipality=rng.choices(
                members, [6 if m.pk == region.centre_id else 1 for m in members]
            )[0],
        )
