"""The forecast in the demo region (Groningen): saved scenarios after the regional plan,
the facility plan's norms, a proposed facility to assess, and a first forecast of the
baseline and the scenarios, calculated by the demo's background worker. Everything is
invented. Running it twice changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.facilities.models import Facility
from doorstroom.forecast import services
from doorstroom.forecast.baseline import enough_history
from doorstroom.forecast.models import FacilityNorm, ForecastRun, ForecastScenario
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region

REGION = "groningen"
ADVISOR = "beleid"
NO_BT_YET = ("GM0765", "GM1950", "GM0047", "GM1979")  # Pekela, Westerwolde, Veendam, Eemsdelta


def _scenarios(year: int) -> list[dict[str, Any]]:
    start = f"{year}-01"
    bt = [
        {"kind": "places", "product": "bt", "municipality": code, "from_month": start, "delta": 8}
        for code in NO_BT_YET
    ]
    youth = {
        "kind": "inflow",
        "factor": 0.8,
        "from_month": start,
        "group": "18-24",
        "municipality": None,
    }
    homes = {
        "kind": "homes",
        "from_year": year,
        "extra_per_year": 30.0,
        "factor": 1.0,
        "municipality": None,
    }
    assessment = {
        "kind": "assessment",
        "duration_factor": 0.75,
        "from_month": start,
        "municipality": None,
    }
    return [
        {
            "name": "Beschermd Thuis in elke gemeente",
            "description": "Acht BT-plaatsen in elk van de vier gemeenten zonder BT, vanaf januari.",
            "changes": bt,
        },
        {
            "name": "Preventie jongeren",
            "description": "Preventie en jeugdhulp tot 23 jaar: 20% minder aanmeldingen van 18-24-jarigen.",
            "changes": [youth],
        },
        {
            "name": "Meer woningen voor uitstroom",
            "description": "Prestatieafspraken: 30 woningen per jaar extra voor uitstroom, over de regio.",
            "changes": [homes],
        },
        {
            "name": "Regioplan",
            "description": "BT in elke gemeente, preventie jongeren, meer woningen en snellere toegang (25% korter).",
            "changes": [*bt, youth, homes, assessment],
            "adopted": True,
        },
    ]


NORMS = (
    ("bw", Decimal("8.00"), False),
    ("bt", Decimal("12.00"), True),
    ("mo", Decimal("2.50"), False),
)


def demo_forecast() -> ForecastRun | None:
    region = Region.objects.get(slug=REGION)
    advisor = User.objects.get(username=ADVISOR)
    actor = Actor.for_user(advisor, "demo-seed")
    year = timezone.localdate().year + 1
    for spec in _scenarios(year):
        if not ForecastScenario.objects.filter(region=region, name=spec["name"]).exists():
            services.scenario_save(
                user=advisor,
                actor=actor,
                name=spec["name"],
                description=spec["description"],
                changes=spec["changes"],
                adopted=spec.get("adopted", False),
            )
    for product, per_10k, everywhere in NORMS:
        FacilityNorm.objects.get_or_create(
            region=region,
            product=product,
            defaults={
                "places_per_10k": per_10k,
                "in_every_municipality": everywhere,
                "source": "Regioplan Beschermd Wonen en Opvang (demo)",
            },
        )
    provider = (
        Organisation.objects.filter(region=region, kind="care_provider").order_by("pk").first()
    )
    if provider is not None:
        Facility.objects.get_or_create(
            provider=provider,
            name="Beschermd Thuis Pekela (voorstel)",
            defaults={
                "region": region,
                "facility_type": "bt_cluster",
                "municipality": Municipality.objects.get(code="GM0765"),
                "places": 8,
                "price_per_day": Decimal("95.00"),
                "status": Facility.Status.PROPOSED,
                "target_group": "Volwassenen met een psychische kwetsbaarheid",
            },
        )
    if ForecastRun.objects.filter(region=region).exists() or not enough_history(
        region, timezone.localdate()
    ):
        return None
    return services.run_submit(  # calculated by the worker: calibration first
        user=advisor,
        actor=actor,
        scenarios=list(ForecastScenario.objects.filter(region=region).order_by("name")),
        mode=ForecastRun.Mode.EXPECTED,
        horizon_months=120,
        runs=300,
        seed=1,
        background=True,
    )
