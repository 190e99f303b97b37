"""Demo facilities and client journeys for the demo region, recorded through the real
services (so every event passed the same validation as on the screens). Dates are relative
to today, so the demo always looks current. Everything is invented."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.clients.crypto import bsn_digest
from doorstroom.clients.models import Client
from doorstroom.core.journey import Product
from doorstroom.facilities.models import Facility
from doorstroom.journey import services
from doorstroom.journey.config import assessment_framework
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region
from doorstroom.web.demo import demo_bsns

NOORDERZORG = "Stichting Noorderzorg (fictief)"
DE_BRUG = "Stichting De Brug (fictief)"

FACILITIES: list[dict[str, Any]] = [
    {
        "name": "De Linde",
        "provider": NOORDERZORG,
        "facility_type": Product.BW,
        "municipality": "GM0014",
        "places": 12,
        "price": "185.00",
    },
    {
        "name": "Het Anker",
        "provider": DE_BRUG,
        "facility_type": Product.BW,
        "municipality": "GM0047",
        "places": 8,
        "price": "180.00",
    },
    {
        "name": "Woonhof Noord",
        "provider": NOORDERZORG,
        "facility_type": Product.BT_CLUSTER,
        "municipality": "GM1952",
        "places": 10,
        "price": "95.00",
    },
    {
        "name": "Startblok Jong",
        "provider": DE_BRUG,
        "facility_type": Product.BT_YOUTH_CLUSTER,
        "municipality": "GM0014",
        "places": 8,
        "price": "110.00",
        "min_age": 18,
        "max_age": 24,
        "target_group": "Jongeren 18-24",
    },
    {
        "name": "Thuis+ Westerkwartier",
        "provider": NOORDERZORG,
        "facility_type": Product.BT_INDIVIDUAL,
        "municipality": "GM1969",
        "places": 15,
        "price": "65.00",
    },
    {
        "name": "Nachtopvang Stad",
        "provider": DE_BRUG,
        "facility_type": Product.MO_NIGHT,
        "municipality": "GM0014",
        "places": 20,
        "price": "45.00",
    },
    {
        "name": "Opvang 24/7 Oost",
        "provider": DE_BRUG,
        "facility_type": Product.MO_24H,
        "municipality": "GM1895",
        "places": 10,
        "price": "90.00",
    },
    {
        "name": "Crisisopvang Noord",
        "provider": NOORDERZORG,
        "facility_type": Product.MO_CRISIS,
        "municipality": "GM0014",
        "places": 4,
        "price": "140.00",
    },
    {
        "name": "Beschermd Thuis Het Hogeland",
        "provider": NOORDERZORG,
        "facility_type": Product.BT_CLUSTER,
        "municipality": "GM1966",
        "places": 8,
        "price": "95.00",
        "status": Facility.Status.PLANNED,
    },
]


def seed_facilities(region: Region) -> None:
    for spec in FACILITIES:
        provider = Organisation.objects.get(region=region, name=spec["provider"])
        Facility.objects.get_or_create(
            provider=provider,
            name=spec["name"],
            defaults={
                "region": region,
                "facility_type": spec["facility_type"].value,
                "municipality": Municipality.objects.get(code=spec["municipality"]),
                "places": spec["places"],
                "price_per_day": Decimal(spec["price"]),
                "min_age": spec.get("min_age"),
                "max_age": spec.get("max_age"),
                "target_group": spec.get("target_group", ""),
                "status": spec.get("status", Facility.Status.EXISTING),
            },
        )


# Scores that make the default framework advise each product (13 domains; 2 = severe).
def _scores(low: int) -> dict[str, int]:
    codes = [d["code"] for d in assessment_framework_definition()["domains"]]
    return {code: (2 if i < low else 4) for i, code in enumerate(codes)}


def assessment_framework_definition() -> dict[str, Any]:
    return dict(
        assessment_framework(Region.objects.get(slug="groningen"), timezone.localdate()).definition
    )


@dataclass
class Script:
    """One client's journey: ``steps`` are (days before today, step, arguments)."""

    given: str
    family: str
    birth: date
    applied: str  # GM code of the municipality applied to
    channel: str
    brp: str = ""
    homeless: bool = False
    steps: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)


def _criteria(**overrides: Any) -> dict[str, Any]:
    return {
        "needs_24h_supervision": False,
        "acute_crisis": False,
        "housing_situation": "own_home",
        "risk": "low",
        **overrides,
    }


BW_ASSESS = {"low": 6, "criteria": _criteria(needs_24h_supervision=True)}
YOUTH_ASSESS = {"low": 2, "criteria": _criteria(housing_situation="youth_care")}
CLUSTER_ASSESS = {"low": 6, "criteria": _criteria()}
NIGHT_ASSESS = {"low": 1, "criteria": _criteria(housing_situation="homeless")}

SCRIPTS: list[Script] = [
    Script(
        "Sanne",
        "Hoekstra",
        date(1988, 3, 14),
        "GM0014",
        "mental_health",
        brp="GM0014",
        steps=[
            (400, "assess", BW_ASSESS),
            (395, "decide", {"product": Product.BW, "urgency": 2}),
            (330, "place", {"facility": "De Linde"}),
            (120, "ready", {}),
            (119, "wait", {"product": Product.BT_CLUSTER}),
            (60, "transfer", {"facility": "Woonhof Noord"}),
        ],
    ),
    Script(
        "Mohamed",
        "El Amrani",
        date(1979, 7, 2),
        "GM0014",
        "gp",
        brp="GM1952",
        steps=[
            (500, "assess", BW_ASSESS),
            (490, "decide", {"product": Product.BW, "urgency": 3}),
            (440, "place", {"facility": "De Linde"}),
            (200, "ready", {}),
            (90, "exit", {"kind": "own_home", "municipality": "GM1952", "supported": True}),
        ],
    ),
    Script(
        "Lotte",
        "Kuipers",
        date(2006, 11, 20),
        "GM0014",
        "youth_care_18",
        brp="GM0037",
        steps=[
            (150, "assess", YOUTH_ASSESS),
            (145, "decide", {"product": Product.BT_YOUTH_CLUSTER, "urgency": 2}),
            (70, "place", {"facility": "Startblok Jong"}),
        ],
    ),
    Script(
        "Jesse",
        "Bosma",
        date(2005, 5, 9),
        "GM0014",
        "youth_care_18",
        brp="GM0014",
        steps=[
            (60, "assess", YOUTH_ASSESS),
            (55, "decide", {"product": Product.BT_YOUTH_CLUSTER, "urgency": 3}),
        ],
    ),
    Script(
        "Noor",
        "Wiersma",
        date(1992, 1, 30),
        "GM0014",
        "mental_health",
        brp="GM1966",
        steps=[(120, "assess", BW_ASSESS), (110, "decide", {"product": Product.BW, "urgency": 1})],
    ),
    Script(
        "Tim",
        "de Boer",
        date(1985, 9, 12),
        "GM0014",
        "justice",
        brp="GM0047",
        steps=[
            (200, "assess", BW_ASSESS),
            (190, "decide", {"product": Product.BW, "urgency": 3}),
            (20, "offer", {"facility": "Het Anker"}),
        ],
    ),
    Script(
        "Fleur",
        "Veenstra",
        date(1990, 6, 6),
        "GM0014",
        "gp",
        brp="GM1969",
        steps=[
            (90, "assess", CLUSTER_ASSESS),
            (85, "decide", {"product": Product.BT_CLUSTER, "urgency": 3}),
        ],
    ),
    Script(
        "Yusuf",
        "Yilmaz",
        date(1983, 12, 1),
        "GM0014",
        "shelter",
        homeless=True,
        steps=[
            (45, "assess", NIGHT_ASSESS),
            (44, "decide", {"product": Product.MO_NIGHT, "urgency": 2}),
            (40, "place", {"facility": "Nachtopvang Stad"}),
        ],
    ),
    Script(
        "Lisa",
        "Dijkstra",
        date(1975, 4, 18),
        "GM0014",
        "self",
        brp="GM0014",
        steps=[
            (30, "assess", {"low": 1, "criteria": _criteria()}),
            (28, "decide", {"product": Product.AMBULANT, "urgency": 3}),
        ],
    ),
    Script(
        "Ruben",
        "Zijlstra",
        date(1996, 8, 25),
        "GM0014",
        "mental_health",
        brp="GM1895",
        steps=[(15, "assess", BW_ASSESS)],
    ),
    Script("Emma", "Koster", date(1999, 2, 11), "GM0014", "gp", brp="GM0765", steps=[]),
    Script(
        "Kevin",
        "Huisman",
        date(1981, 10, 3),
        "GM0014",
        "justice",
        brp="GM1950",
        steps=[
            (260, "assess", BW_ASSESS),
            (250, "decide", {"product": Product.BW, "urgency": 2}),
            (100, "withdraw", {"reason": "Cliënt verhuisd naar een andere regio."}),
        ],
    ),
    Script(
        "Demi",
        "Brouwer",
        date(1994, 3, 3),
        "GM0014",
        "mental_health",
        brp="GM1979",
        steps=[
            (600, "assess", BW_ASSESS),
            (590, "decide", {"product": Product.BW, "urgency": 3}),
            (560, "place", {"facility": "Het Anker"}),
            (300, "exit", {"kind": "own_home", "municipality": "GM1979"}),
            (120, "reapply", {}),
            (118, "assess", BW_ASSESS),
            (115, "decide", {"product": Product.BW, "urgency": 2}),
            (100, "place", {"facility": "Het Anker"}),
        ],
    ),
    Script(
        "Thijs",
        "Postma",
        date(1987, 12, 24),
        "GM0014",
        "gp",
        brp="GM0014",
        steps=[
            (80, "assess", BW_ASSESS),
            (78, "decide", {"product": Product.BW, "urgency": 3}),
            (50, "place", {"facility": "De Linde"}),
            (
                10,
                "dispute",
                {
                    "by": "GM1952",
                    "reason": "Midden-Groningen betwist de verantwoordelijkheid: cliënt woonde laatst in Groningen.",
                },
            ),
        ],
    ),
]


def _days(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def seed_journeys(region: Region) -> None:
    officer = User.objects.get(username="toegang")
    coordinator = User.objects.get(username="plaatsing")
    municipal = User.objects.get(username="gemeente")
    bsns = demo_bsns(len(SCRIPTS), seed=1000 + region.pk)
    facilities = {f.name: f for f in Facility.objects.filter(region=region)}
    for script, bsn in zip(SCRIPTS, bsns, strict=True):
        if Client.objects.filter(region=region, bsn_digest=bsn_digest(bsn)).exists():
            continue
        _play(script, bsn, officer, coordinator, municipal, facilities)


def _intake(script: Script, day: date) -> services.Intake:
    return services.Intake(
        application_date=day,
        channel=script.channel,
        applied_municipality=Municipality.objects.get(code=script.applied),
        brp_municipality=Municipality.objects.filter(code=script.brp).first()
        if script.brp
        else None,
        postal_municipality=None,
        homeless=script.homeless,
        regional_ties="yes",
        ties_explanation="",
    )


def _play(
    script: Script,
    bsn: str,
    officer: User,
    coordinator: User,
    municipal: User,
    facilities: dict[str, Facility],
) -> None:
    first = (script.steps[0][0] + 7) if script.steps else 5
    ao: dict[str, Any] = {"user": officer, "actor": Actor.for_user(officer, "demo-seed")}
    pc: dict[str, Any] = {"user": coordinator, "actor": Actor.for_user(coordinator, "demo-seed")}
    client = services.application_register(
        **ao,
        intake=_intake(script, _days(first)),
        bsn=bsn,
        given_names=script.given,
        family_name=script.family,
        birth_date=script.birth,
    )
    actions: dict[str, Callable[[date, dict[str, Any]], Any]] = {
        "assess": lambda d, a: services.assessment_record(
            **ao, client=client, effective=d, scores=_scores(a["low"]), criteria=a["criteria"]
        ),
        "decide": lambda d, a: services.decision_record(
            **ao,
            client=client,
            effective=d,
            product=a["product"],
            urgency=a["urgency"],
            reasons="Besproken in het toegangsoverleg; past bij het advies van het afwegingskader.",
        ),
        "place": lambda d, a: services.placement_create(
            **pc, client=client, facility=facilities[a["facility"]], effective=d
        ),
        "offer": lambda d, a: services.offer_make(
            **pc, client=client, facility=facilities[a["facility"]], effective=d
        ),
        "ready": lambda d, a: services.ready_to_move_on_flag(**pc, client=client, effective=d),
        "wait": lambda d, a: services.waiting_list_add(
            **pc, client=client, effective=d, product=a["product"]
        ),
        "transfer": lambda d, a: services.transfer_create(
            **pc, client=client, facility=facilities[a["facility"]], effective=d
        ),
        "exit": lambda d, a: services.exit_record(
            **pc,
            client=client,
            effective=d,
            kind=a["kind"],
            municipality=Municipality.objects.get(code=a["municipality"]),
            supported=a.get("supported", False),
        ),
        "withdraw": lambda d, a: services.withdrawal_record(
            **ao, client=client, effective=d, reason=a["reason"]
        ),
        "reapply": lambda d, a: services.application_register(
            **ao, intake=_intake(script, d), client=client
        ),
        "dispute": lambda d, a: services.dispute_record(
            user=municipal,
            actor=Actor.for_user(municipal, "demo-seed"),
            client=client,
            effective=d,
            action="open",
            reason=a["reason"],
            municipality=Municipality.objects.get(code=a["by"]),
        ),
    }
    for days_ago, step, arguments in script.steps:
        actions[step](_days(days_ago), arguments)
