"""Demo data for housing: homes offered by the demo housing association, performance
agreements for this year and last year, and one match round run by the demo coordinator
(through the real services). Everything is invented."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.housing import services
from doorstroom.housing.models import Home, PerformanceAgreement
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region

ASSOCIATION = "Woonstichting Hunzeborg (fictief)"
HOMES: list[dict[str, Any]] = [
    {
        "reference": "HB-0101",
        "municipality": "GM0014",
        "unit_type": "studio",
        "rooms": 1,
        "rent": 540,
    },
    {
        "reference": "HB-0102",
        "municipality": "GM0014",
        "unit_type": "apartment",
        "rooms": 2,
        "rent": 690,
    },
    {
        "reference": "HB-0207",
        "municipality": "GM1952",
        "unit_type": "apartment",
        "rooms": 3,
        "rent": 760,
        "accessible": True,
    },
    {
        "reference": "HB-0310",
        "municipality": "GM0014",
        "unit_type": "cluster_unit",
        "rooms": 1,
        "rent": 480,
        "youth_only": True,
    },
    {
        "reference": "HB-0311",
        "municipality": "GM1952",
        "unit_type": "cluster_unit",
        "rooms": 1,
        "rent": 520,
    },
    {
        "reference": "HB-0412",
        "municipality": "GM0037",
        "unit_type": "studio",
        "rooms": 1,
        "rent": 610,
        "days": 20,
    },
]
AGREEMENTS = [("GM0014", 12, 4), ("GM1952", 6, 1), ("GM0037", 3, 1)]


def seed_housing(region: Region) -> None:
    association = Organisation.objects.filter(region=region, name=ASSOCIATION).first()
    coordinator = User.objects.filter(username="plaatsing").first()
    corporation_user = User.objects.filter(username="corporatie").first()
    if association is None or coordinator is None or corporation_user is None:
        return
    today = timezone.localdate()
    for code, homes, youth in AGREEMENTS:
        for year in (today.year - 1, today.year):
            PerformanceAgreement.objects.get_or_create(
                association=association,
                municipality=Municipality.objects.get(code=code),
                year=year,
                defaults={"region": region, "homes": homes, "homes_youth": youth},
            )
    if Home.objects.filter(association=association).exists():
        return
    for spec in HOMES:
        data = dict(spec)
        days = int(data.pop("days", 0))
        services.home_offer(
            user=corporation_user,
            data={
                "accessible": False,
                "youth_only": False,
                **data,
                "municipality": Municipality.objects.get(code=data["municipality"]),
                "available_from": today + timedelta(days=days),
            },
        )
    services.round_run(user=coordinator, actor=Actor.for_user(coordinator, "demo"))
