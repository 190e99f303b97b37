"""The authorisation matrix: every URL of the project x every role x own / other
organisation, plus anonymous and password-only users.

URLs are enumerated from the URL configuration, so a new URL without an entry in
``MATRIX`` fails ``test_every_url_is_in_the_matrix``; a view without an access rule fails
``test_every_view_declares_an_access_rule``. For each response that shows a client's
pseudonym, an access-log entry for that client must have been written by that request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from doorstroom.accounts.models import User
from doorstroom.accounts.permissions import get_rule
from doorstroom.audit.models import AccessLogEntry
from doorstroom.clients.models import Client
from doorstroom.core.finance import FundMember, settle
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.facilities.models import Facility
from doorstroom.finance import models as finance
from doorstroom.finance import services as finance_services
from doorstroom.jobs.models import Job
from doorstroom.journey.models import JourneyEvent
from tests.conftest import Side, login_verified
from tests.factories import ClientFactory, FacilityFactory

ALL_ROLES = frozenset(Role)
CLIENT_ROLES = frozenset(
    {Role.ACCESS_OFFICER, Role.PLACEMENT_COORDINATOR, Role.MUNICIPAL_OFFICER, Role.CARE_PROVIDER}
)
# Roles that see a client of their own region/municipality today. A care provider sees
# clients in its own facilities only, and has none yet.
SEES_OWN_CLIENT = frozenset(
    {Role.ACCESS_OFFICER, Role.PLACEMENT_COORDINATOR, Role.MUNICIPAL_OFFICER}
)


@dataclass(frozen=True)
class World:
    own: Side
    other: Side
    own_client: Client
    other_client: Client
    users: dict[tuple[Role, str], User]
    own_facility: Facility
    own_event: JourneyEvent


Kwargs = Callable[[World, User], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    kind: str  # "public", "before_second_factor", "role"
    roles: frozenset[Role] = ALL_ROLES
    method: str = "GET"
    ok: frozenset[int] = frozenset({200})
    kwargs: Kwargs | None = None
    scoped: bool = False  # the object belongs to the own side; the other side gets 404
    own_sees: frozenset[Role] = ALL_ROLES  # for scoped URLs: which roles see the own object
    data: dict[str, Any] = field(default_factory=dict)


def _client(world: World, user: User) -> dict[str, Any]:
    return {"pseudonym": world.own_client.pseudonym}


def _own_organisation(world: World, user: User) -> dict[str, Any]:
    own_user = world.users[(user.role_enum, "own")]
    return {"pk": own_user.organisation.pk}


def _own_job(world: World, user: User) -> dict[str, Any]:
    own_user = world.users[(user.role_enum, "own")]
    job = Job.objects.create(
        kind="verify_access_log", created_by=own_user, organisation=own_user.organisation
    )
    return {"job_id": job.pk}


def _region(world: World, user: User) -> dict[str, Any]:
    return {"slug": world.own.region.slug}


def _facility(world: World, user: User) -> dict[str, Any]:
    return {"pk": world.own_facility.pk}


def _event(world: World, user: User) -> dict[str, Any]:
    return {"pseudonym": world.own_client.pseudonym, "event_id": world.own_event.event_id}


def _product(world: World, user: User) -> dict[str, Any]:
    return {"product": "bw_intramural"}


def _finance_user(world: World) -> User:
    return world.users[(Role.FINANCE_ADVISOR, "own")]


def _own_budget_set(world: World, user: User) -> dict[str, Any]:
    """A fresh draft budget set of the own region (POSTs may adopt it)."""
    made = finance_services.budget_set_create(
        user=_finance_user(world), name=f"Begroting {finance.BudgetSet.objects.count() + 1}"
    )
    return {"pk": made.pk}


def _own_calculation(world: World, user: User) -> dict[str, Any]:
    result = settle(2026, [FundMember("GM0014", Decimal("10.00"))], [])
    made = finance_services.calculation_store(
        user=_finance_user(world), result=result, label="Fonds 2026"
    )
    return {"pk": made.pk}


def _own_statement(world: World, user: User) -> dict[str, Any]:
    return {**_own_calculation(world, user), "code": "GM0014"}


def _own_fund(world: World, user: User) -> dict[str, Any]:
    finance.SolidarityFund.objects.get_or_create(
        region=world.own.region, defaults={"need_streams": ["bw", "mo"]}
    )
    return {}


FIN_READ = frozenset({Role.FINANCE_ADVISOR, Role.POLICY_ADVISOR})
FIN_WRITE = frozenset({Role.FINANCE_ADVISOR})


def _target(world: World, user: User) -> dict[str, Any]:
    from doorstroom.monitor.models import MonitorTarget

    target = MonitorTarget.objects.create(
        region=world.own.region,
        kpi="applications_youth",
        baseline_year=2024,
        target_year=2028,
        change_percent=-20,
        created_by=world.users[(Role.POLICY_ADVISOR, "own")],
    )
    return {"pk": target.pk}


def _forecast_scenario(world: World, user: User) -> dict[str, Any]:
    from doorstroom.forecast.models import ForecastScenario

    scenario = ForecastScenario.objects.create(
        region=world.own.region,
        name=f"Scenario {ForecastScenario.objects.count() + 1}",
        changes=[
            {
                "kind": "inflow",
                "factor": 0.8,
                "from_month": "2027-01",
                "group": "18-24",
                "municipality": None,
            }
        ],
        created_by=world.users[(Role.POLICY_ADVISOR, "own")],
    )
    return {"pk": scenario.pk}


def _forecast_run(world: World, user: User) -> dict[str, Any]:
    from doorstroom.forecast.models import ForecastRun

    run = ForecastRun.objects.create(
        region=world.own.region,
        kind="projection",
        mode="expected",
        horizon_months=12,
        runs=20,
        seed=1,
        created_by=world.users[(Role.POLICY_ADVISOR, "own")],
    )
    return {"pk": run.pk}


def _proposed_facility(world: World, user: User) -> dict[str, Any]:
    facility = FacilityFactory(
        provider=world.own.organisations[OrganisationKind.CARE_PROVIDER],
        region=world.own.region,
        municipality=world.own.municipality,
        status=Facility.Status.PROPOSED,
    )
    return {"pk": facility.pk}


def _housing_proposal(world: World, status: str) -> Any:
    from doorstroom.housing.models import Home, MatchRound, Proposal

    coordinator = world.users[(Role.PLACEMENT_COORDINATOR, "own")]
    association = world.own.organisations[OrganisationKind.HOUSING_ASSOCIATION]
    home = Home.objects.create(
        region=world.own.region,
        association=association,
        municipality=world.own.municipality,
        reference=f"M-{Home.objects.count() + 1}",
        unit_type="studio",
        rent=600,
        available_from=date(2026, 1, 1),
        status="proposed" if status == "approved" else "offered",
    )
    match_round = MatchRound.objects.create(
        region=world.own.region, run_by=coordinator, reference_date=date(2026, 1, 1), method="x"
    )
    client = (
        world.own_client
        if status not in ("approved", "accepted")
        else ClientFactory(
            region=world.own.region,
            responsible_municipality=world.own.municipality,
            created_by=world.users[(Role.ACCESS_OFFICER, "own")],
        )
    )
    return Proposal.objects.create(
        round=match_round, home=home, client=client, status=status, age_band="35-49"
    )


def _draft(world: World, user: User) -> dict[str, Any]:
    return {"reference": _housing_proposal(world, "draft").reference}


def _accepted(world: World, user: User) -> dict[str, Any]:
    return {"reference": _housing_proposal(world, "accepted").reference}


def _approved(world: World, user: User) -> dict[str, Any]:
    return {"reference": _housing_proposal(world, "approved").reference}


def _match_round(world: World, user: User) -> dict[str, Any]:
    return {"pk": _housing_proposal(world, "draft").round_id}


AO, PC, MO, CP, ADMIN, POLICY = (
    Role.ACCESS_OFFICER,
    Role.PLACEMENT_COORDINATOR,
    Role.MUNICIPAL_OFFICER,
    Role.CARE_PROVIDER,
    Role.ADMINISTRATOR,
    Role.POLICY_ADVISOR,
)
HA = Role.HOUSING_ASSOCIATION
MONITOR_ROLES = frozenset(
    {
        AO,
        PC,
        MO,
        ADMIN,
        POLICY,
        Role.FINANCE_ADVISOR,
        Role.CLIENT_COUNCIL,
    }
)

FORECAST_READERS = frozenset({POLICY, Role.FINANCE_ADVISOR, MO, ADMIN, Role.CLIENT_COUNCIL})
FORECAST_EDITORS = frozenset({POLICY})


def _step(*roles: Role) -> Entry:
    """A journey step on the own client: the other side, and care providers without the
    client in their facilities, get 404."""
    return Entry(
        "role", roles=frozenset(roles), kwargs=_client, scoped=True, own_sees=SEES_OWN_CLIENT
    )


MATRIX: dict[str, Entry] = {
    "web:home": Entry("role"),
    "web:health": Entry("public"),
    "accounts:login": Entry("public", ok=frozenset({200, 302})),
    "accounts:verify": Entry("before_second_factor", ok=frozenset({200, 302})),
    "accounts:setup": Entry("before_second_factor", ok=frozenset({200, 302})),
    "accounts:logout": Entry("before_second_factor", method="POST", ok=frozenset({302})),
    "accounts:profile": Entry("role"),
    "set_language": Entry(
        "public", method="POST", ok=frozenset({302}), data={"language": "en", "next": "/"}
    ),
    "reference:regions": Entry("role"),
    "reference:region": Entry("role", kwargs=_region),  # reference data: every region is public
    "reference:municipalities": Entry("role"),
    "reference:population_import": Entry("role", roles=frozenset({Role.ADMINISTRATOR})),
    "organisations:list": Entry("role", roles=frozenset({Role.ADMINISTRATOR})),
    "organisations:detail": Entry(
        "role", roles=frozenset({Role.ADMINISTRATOR}), kwargs=_own_organisation, scoped=True
    ),
    "clients:list": Entry("role", roles=CLIENT_ROLES),
    "clients:search": Entry("role", roles=CLIENT_ROLES, method="POST", ok=frozenset({400})),
    "clients:detail": Entry(
        "role", roles=CLIENT_ROLES, kwargs=_client, scoped=True, own_sees=SEES_OWN_CLIENT
    ),
    "clients:access_log": Entry(
        "role",
        roles=frozenset({Role.ADMINISTRATOR, Role.ACCESS_OFFICER}),
        kwargs=_client,
        scoped=True,
    ),
    "audit:overview": Entry("role", roles=frozenset({Role.ADMINISTRATOR})),
    "audit:verify": Entry(
        "role", roles=frozenset({Role.ADMINISTRATOR}), method="POST", ok=frozenset({302})
    ),
    "jobs:detail": Entry("role", kwargs=_own_job, scoped=True),
    "journey:intake": Entry("role", roles=frozenset({AO})),
    "journey:assess": _step(AO),
    "journey:decide": _step(AO),
    "journey:second_opinion": _step(AO),
    "journey:waiting_list_add": _step(AO, PC),
    "journey:offer": _step(PC),
    "journey:offer_decline": _step(PC),
    "journey:place": _step(PC, CP),
    "journey:transfer": _step(PC),
    "journey:ready": _step(PC, CP),
    "journey:exit": _step(PC, CP),
    "journey:withdraw": _step(AO, PC),
    "journey:expire": _step(AO, PC),
    "journey:dispute": _step(AO, MO),
    "journey:correct": Entry(
        "role", roles=frozenset({AO, PC}), kwargs=_event, scoped=True, own_sees=SEES_OWN_CLIENT
    ),
    "waiting:overview": Entry("role", roles=frozenset({AO, PC, MO})),
    "waiting:list": Entry("role", roles=frozenset({AO, PC, MO}), kwargs=_product),
    "facilities:list": Entry("role"),
    "facilities:create": Entry("role", roles=frozenset({PC, ADMIN})),
    "facilities:detail": Entry("role", kwargs=_facility, scoped=True),
    "facilities:edit": Entry(
        "role", roles=frozenset({PC, ADMIN, CP}), kwargs=_facility, scoped=True
    ),
    "configuration:framework": Entry("role", roles=frozenset({ADMIN, AO})),
    "monitor:overview": Entry("role", roles=MONITOR_ROLES),
    "monitor:municipalities": Entry("role", roles=MONITOR_ROLES),
    "monitor:pathways": Entry("role", roles=MONITOR_ROLES),
    "monitor:report": Entry("role", roles=MONITOR_ROLES),
    "monitor:targets": Entry("role", roles=MONITOR_ROLES),
    "monitor:target_create": Entry("role", roles=frozenset({POLICY})),
    "monitor:target_edit": Entry("role", roles=frozenset({POLICY}), kwargs=_target, scoped=True),
    "monitor:target_delete": Entry(
        "role",
        roles=frozenset({POLICY}),
        method="POST",
        ok=frozenset({302}),
        kwargs=_target,
        scoped=True,
    ),
    "forecast:overview": Entry("role", roles=FORECAST_READERS),
    "forecast:scenario_create": Entry("role", roles=FORECAST_EDITORS),
    "forecast:scenario_import": Entry("role", roles=FORECAST_EDITORS),
    "forecast:scenario": Entry(
        "role", roles=FORECAST_READERS, kwargs=_forecast_scenario, scoped=True
    ),
    "forecast:scenario_edit": Entry(
        "role", roles=FORECAST_EDITORS, kwargs=_forecast_scenario, scoped=True
    ),
    "forecast:scenario_delete": Entry(
        "role",
        roles=FORECAST_EDITORS,
        method="POST",
        ok=frozenset({302}),
        kwargs=_forecast_scenario,
        scoped=True,
    ),
    "forecast:parameters": Entry("role", roles=FORECAST_READERS),
    "forecast:xmile": Entry("role", roles=FORECAST_READERS),
    "forecast:run_create": Entry("role", roles=FORECAST_EDITORS),
    "forecast:run": Entry("role", roles=FORECAST_READERS, kwargs=_forecast_run, scoped=True),
    "forecast:planner": Entry("role", roles=FORECAST_READERS),
    "forecast:backtest": Entry("role", roles=FORECAST_READERS),
    "forecast:facility_plan": Entry("role", roles=FORECAST_READERS),
    "forecast:norms": Entry("role", roles=FORECAST_EDITORS),
    "forecast:assessment": Entry(
        "role", roles=FORECAST_READERS, kwargs=_proposed_facility, scoped=True
    ),
    "housing:overview": Entry("role", roles=frozenset({PC, MO, POLICY, HA})),
    "housing:agreement_create": Entry("role", roles=frozenset({PC, POLICY})),
    "housing:homes": Entry("role", roles=frozenset({PC, HA})),
    "housing:home_create": Entry("role", roles=frozenset({HA})),
    "housing:rounds": Entry("role", roles=frozenset({PC})),
    "housing:round_run": Entry("role", roles=frozenset({PC}), method="POST", ok=frozenset({302})),
    "housing:round": Entry("role", roles=frozenset({PC}), kwargs=_match_round, scoped=True),
    "housing:approve": Entry(
        "role",
        roles=frozenset({PC}),
        method="POST",
        ok=frozenset({302}),
        kwargs=_draft,
        scoped=True,
    ),
    "housing:reject": Entry(
        "role",
        roles=frozenset({PC}),
        method="POST",
        ok=frozenset({302}),
        kwargs=_draft,
        scoped=True,
    ),
    "housing:edit": Entry("role", roles=frozenset({PC}), kwargs=_draft, scoped=True),
    "housing:move_in": Entry("role", roles=frozenset({PC}), kwargs=_accepted, scoped=True),
    "housing:association_proposals": Entry("role", roles=frozenset({HA})),
    "housing:answer": Entry("role", roles=frozenset({HA}), kwargs=_approved, scoped=True),
    "housing:replay": Entry("role", roles=frozenset({PC, POLICY})),
    "housing:profile": Entry(
        "role", roles=frozenset({PC, AO}), kwargs=_client, scoped=True, own_sees=frozenset({PC, AO})
    ),
    "configuration:upload": Entry("role", roles=frozenset({ADMIN})),
    "configuration:download": Entry(
        "role", roles=frozenset({ADMIN, AO}), kwargs=lambda w, u: {"kind": "assessment_framework"}
    ),
    # finance: money and aggregates only; the finance advisor changes, the policy advisor reads
    "finance:overview": Entry("role", roles=FIN_READ),
    "finance:budget_set_create": Entry("role", roles=FIN_WRITE),
    "finance:budget_set": Entry("role", roles=FIN_READ, kwargs=_own_budget_set, scoped=True),
    "finance:budget_set_edit": Entry("role", roles=FIN_WRITE, kwargs=_own_budget_set, scoped=True),
    "finance:budget_import": Entry("role", roles=FIN_WRITE, kwargs=_own_budget_set, scoped=True),
    "finance:budget_line": Entry("role", roles=FIN_WRITE, kwargs=_own_budget_set, scoped=True),
    "finance:budget_adopt": Entry(
        "role",
        roles=FIN_WRITE,
        method="POST",
        ok=frozenset({302}),
        kwargs=_own_budget_set,
        scoped=True,
    ),
    "finance:budget_new_version": Entry(
        "role",
        roles=FIN_WRITE,
        method="POST",
        ok=frozenset({302}),
        kwargs=_own_budget_set,
        scoped=True,
    ),
    "finance:distribution": Entry("role", roles=FIN_READ, kwargs=_own_budget_set, scoped=True),
    "finance:distribution_store": Entry(
        "role",
        roles=FIN_WRITE,
        method="POST",
        ok=frozenset({302}),
        kwargs=_own_budget_set,
        scoped=True,
    ),
    "finance:path_create": Entry("role", roles=FIN_WRITE),
    "finance:costs": Entry("role", roles=FIN_READ),
    "finance:tariff_create": Entry("role", roles=FIN_WRITE),
    "finance:fund": Entry("role", roles=FIN_READ, kwargs=_own_fund),
    "finance:fund_edit": Entry("role", roles=FIN_WRITE),
    # the other region has no fund yet: its finance advisor is sent to set one up
    "finance:fund_payment": Entry(
        "role", roles=FIN_WRITE, kwargs=_own_fund, ok=frozenset({200, 302})
    ),
    "finance:fund_advances": Entry(
        "role", roles=FIN_WRITE, kwargs=_own_fund, ok=frozenset({200, 302})
    ),
    "finance:fund_store": Entry(
        "role", roles=FIN_WRITE, method="POST", ok=frozenset({302}), kwargs=_own_fund
    ),
    "finance:calculation": Entry("role", roles=FIN_READ, kwargs=_own_calculation, scoped=True),
    "finance:calculation_check": Entry(
        "role", roles=FIN_READ, kwargs=_own_calculation, scoped=True
    ),
    "finance:statement": Entry("role", roles=FIN_READ, kwargs=_own_statement, scoped=True),
    "finance:masterplan": Entry("role", roles=FIN_READ),
}


def iter_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from iter_patterns(item, ns)
        else:
            yield f"{namespace}{item.name}" if item.name else f"<unnamed {item.pattern}>", item


def test_every_url_is_in_the_matrix() -> None:
    names = [name for name, _ in iter_patterns()]
    assert names, "no URLs found"
    missing = sorted(set(names) - set(MATRIX))
    assert not missing, f"URLs without an entry in the authorisation matrix: {missing}"
    stale = sorted(set(MATRIX) - set(names))
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def test_every_view_declares_an_access_rule() -> None:
    without = [name for name, pattern in iter_patterns() if get_rule(pattern.callback) is None]
    assert not without, f"views without an access rule (refused at run time): {without}"


def test_declared_rules_match_the_matrix() -> None:
    for name, pattern in iter_patterns():
        rule = get_rule(pattern.callback)
        entry = MATRIX[name]
        assert rule is not None
        assert rule.public == (entry.kind == "public"), name
        assert rule.before_second_factor == (entry.kind == "before_second_factor"), name
        if entry.kind == "role":
            assert (rule.roles or ALL_ROLES) == entry.roles, name


@pytest.fixture
def world(own_side: Side, other_side: Side, make_user: Callable[..., User]) -> World:
    users = {
        (role, side): make_user(role, own_side if side == "own" else other_side)
        for role in Role
        for side in ("own", "other")
    }
    own_client = ClientFactory(
        region=own_side.region,
        responsible_municipality=own_side.municipality,
        created_by=users[(Role.ACCESS_OFFICER, "own")],
    )
    other_client = ClientFactory(
        region=other_side.region,
        responsible_municipality=other_side.municipality,
        created_by=users[(Role.ACCESS_OFFICER, "other")],
    )
    own_facility = FacilityFactory(
        provider=own_side.organisations[OrganisationKind.CARE_PROVIDER],
        region=own_side.region,
        municipality=own_side.municipality,
    )
    FacilityFactory(
        provider=other_side.organisations[OrganisationKind.CARE_PROVIDER],
        region=other_side.region,
        municipality=other_side.municipality,
    )
    officer = users[(Role.ACCESS_OFFICER, "own")]
    own_event = JourneyEvent.objects.create(
        client=own_client,
        event_type="application_received",
        effective_date=date(2026, 1, 5),
        actor=officer,
        organisation=officer.organisation,
        payload={"channel": "gp", "responsible_municipality": own_side.municipality.code},
    )
    return World(own_side, other_side, own_client, other_client, users, own_facility, own_event)


def _request(http: HttpClient, entry: Entry, url: str) -> Any:
    if entry.method == "POST":
        return http.post(url, entry.data)
    return http.get(url)


def _expected(entry: Entry, role: Role, side: str) -> set[int]:
    if entry.kind != "role":
        return set(entry.ok)
    if role not in entry.roles:
        return {403}
    if entry.scoped and (side == "other" or role not in entry.own_sees):
        return {404}
    return set(entry.ok)


def _pseudonyms_shown(html: str, world: World) -> set[str]:
    known = {str(world.own_client.pseudonym), str(world.other_client.pseudonym)}
    return {p for p in known if p in html} | {
        p for p in re.findall(r"[0-9a-f]{32}", html) if p in {c.replace("-", "") for c in known}
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_matrix(url_name: str, world: World) -> None:
    entry = MATRIX[url_name]
    failures = []
    for role in Role:
        for side in ("own", "other"):
            user = world.users[(role, side)]
            kwargs = entry.kwargs(world, world.users[(role, "own")]) if entry.kwargs else {}
            url = reverse(url_name, kwargs=kwargs)
            http = login_verified(HttpClient(), user)
            before = (
                AccessLogEntry.objects.order_by("-sequence")
                .values_list("sequence", flat=True)
                .first()
                or 0
            )
            response = _request(http, entry, url)
            expected = _expected(entry, role, side)
            if response.status_code not in expected:
                failures.append(
                    f"{role.value}/{side}: {response.status_code}, expected {sorted(expected)}"
                )
                continue
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                html = response.content.decode()
                logged = set(
                    AccessLogEntry.objects.filter(
                        sequence__gt=before, client_pseudonym__isnull=False
                    ).values_list("client_pseudonym", flat=True)
                )
                logged_strings = {str(p) for p in logged} | {p.hex for p in logged}
                unlogged = _pseudonyms_shown(html, world) - logged_strings
                if unlogged:
                    failures.append(
                        f"{role.value}/{side}: shows client data without access-log entry: {unlogged}"
                    )
            if (
                entry.scoped
                and side == "other"
                and response.status_code == 404
                and entry.kwargs is _client
            ):
                denied = AccessLogEntry.objects.filter(
                    sequence__gt=before,
                    outcome="denied",
                    client_pseudonym=world.own_client.pseudonym,
                )
                if (
                    role in CLIENT_ROLES | {Role.ADMINISTRATOR}
                    and role in entry.roles
                    and not denied.exists()
                ):
                    failures.append(
                        f"{role.value}/{side}: refused access to a client not logged as denied"
                    )
    assert not failures, f"{url_name}:\n" + "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_anonymous_users_reach_only_public_pages(url_name: str, world: World) -> None:
    entry = MATRIX[url_name]
    kwargs = entry.kwargs(world, world.users[(Role.ADMINISTRATOR, "own")]) if entry.kwargs else {}
    response = _request(HttpClient(), entry, reverse(url_name, kwargs=kwargs))
    if entry.kind == "public":
        assert response.status_code in entry.ok
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(n for n, e in MATRIX.items() if e.kind == "role"))
def test_password_without_second_factor_reaches_nothing(url_name: str, world: World) -> None:
    entry = MATRIX[url_name]
    user = world.users[(Role.ADMINISTRATOR, "own")]
    kwargs = entry.kwargs(world, user) if entry.kwargs else {}
    http = HttpClient()
    http.force_login(user)  # password only
    response = _request(http, entry, reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].split("?")[0] in {
        reverse("accounts:setup"),
        reverse("accounts:verify"),
    }
