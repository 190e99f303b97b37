"""Writes of housing for outflow. Each service checks the acting user's role and scope,
validates, writes and records the access log in one transaction.

The workflow of a home: offered -> (round: draft proposal) -> coordinator approves ->
proposed (sent to the association) -> association accepts (accepted) or declines
(declined: the home is free again and the client back in the pool) -> the coordinator
records the move-in: an ``exit`` journey event to that home (``journey.services.
exit_record``) -> let.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.clients.models import Client
from doorstroom.core import matching as core
from doorstroom.core.i18n import Message
from doorstroom.core.journey import Product, Status, WaitingStatus, age_on
from doorstroom.core.roles import Role
from doorstroom.housing.models import (
    ACTIVE,
    Home,
    HousingProfile,
    MatchRound,
    PerformanceAgreement,
    Proposal,
    UnitType,
)
from doorstroom.journey import services as journey_services
from doorstroom.journey.models import ClientState, JourneyEvent
from doorstroom.organisations.scoping import scope
from doorstroom.reference.models import Municipality


class HousingError(ValueError):
    """A refused step; ``message`` is translatable. Nothing was stored."""

    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


PC = Role.PLACEMENT_COORDINATOR
HA = Role.HOUSING_ASSOCIATION
BT_ELIGIBLE: dict[str, frozenset[core.UnitType]] = {
    Product.BT_INDIVIDUAL.value: frozenset({core.UnitType.STUDIO, core.UnitType.APARTMENT}),
    Product.BT_CLUSTER.value: frozenset({core.UnitType.CLUSTER_UNIT}),
    Product.BT_YOUTH_CLUSTER.value: frozenset({core.UnitType.YOUTH_CLUSTER}),
}
OWN_HOME = frozenset({core.UnitType.STUDIO, core.UnitType.APARTMENT})
SUPPORT_LABELS = {
    Product.BT_INDIVIDUAL.value: gettext_noop("Beschermd Thuis support at home"),
    Product.BT_CLUSTER.value: gettext_noop("Beschermd Thuis in a cluster"),
    Product.BT_YOUTH_CLUSTER.value: gettext_noop("youth cluster with support"),
    "": gettext_noop("ambulant support as needed"),
}


def _need(user: Any, *roles: Role) -> None:
    if user.role_enum not in roles:
        raise PermissionDenied


def _log(actor: Actor, event: str, action: Action, clients: list[Client], **kw: Any) -> None:
    if clients:
        access_record(
            actor,
            event_type=event,
            action=action,
            purpose=Purpose.PLACEMENT,
            clients=[c.pseudonym for c in clients],
            region_id=clients[0].region_id,
            **kw,
        )


# ---------------------------------------------------------------- homes and agreements
def home_offer(*, user: Any, data: dict[str, Any]) -> Home:
    """A housing association offers a home (in its own region)."""
    _need(user, HA)
    org = user.organisation
    municipality: Municipality = data["municipality"]
    if not org.region.members.filter(pk=municipality.pk).exists():
        raise HousingError(gettext_noop("This municipality is not part of your region."))
    try:
        with transaction.atomic():
            return Home.objects.create(region=org.region, association=org, **data)
    except IntegrityError:
        raise HousingError(
            gettext_noop("Your organisation already offers a home with this reference.")
        ) from None


def agreement_save(*, user: Any, data: dict[str, Any]) -> PerformanceAgreement:
    _need(user, PC, Role.POLICY_ADVISOR)
    region = user.organisation.region
    if (
        data["association"].region_id != region.pk
        or not region.members.filter(pk=data["municipality"].pk).exists()
    ):
        raise PermissionDenied
    if data["homes_youth"] > data["homes"]:
        raise HousingError(gettext_noop("Homes for young people cannot exceed all homes."))
    agreement, _ = PerformanceAgreement.objects.update_or_create(
        association=data["association"],
        municipality=data["municipality"],
        year=data["year"],
        defaults={"region": region, "homes": data["homes"], "homes_youth": data["homes_youth"]},
    )
    return agreement


# ---------------------------------------------------------------- housing profiles
def default_origin(client: Client) -> Municipality:
    application = (
        JourneyEvent.objects.filter(client=client, event_type="application_received")
        .order_by("-pk")
        .first()
    )
    code = str(application.payload.get("origin_municipality", "")) if application else ""
    return Municipality.objects.filter(code=code).first() or client.responsible_municipality


def profile_for(client: Client) -> HousingProfile:
    """The stored profile, or an unsaved default (origin from the application)."""
    profile = HousingProfile.objects.filter(client=client).first()
    return profile or HousingProfile(client=client, origin=default_origin(client))


def profile_save(
    *, user: Any, actor: Actor, client: Client, data: dict[str, Any]
) -> HousingProfile:
    _need(user, PC, Role.ACCESS_OFFICER)
    if not scope(user, Client.objects.filter(pk=client.pk)).exists():
        raise PermissionDenied
    region = client.region
    wishes = list(data.pop("wishes", []))
    for m in [data["origin"], *wishes]:
        if not region.members.filter(pk=m.pk).exists():
            raise HousingError(gettext_noop("Choose municipalities of the client's region."))
    with transaction.atomic():
        profile, _ = HousingProfile.objects.update_or_create(
            client=client, defaults={**data, "updated_by": user}
        )
        profile.wishes.set(wishes)
        _log(
            actor, "housing.profile.update", Action.UPDATE, [client], object_type="housing_profile"
        )
    return profile


# ---------------------------------------------------------------- the round
@dataclass(frozen=True)
class Pool:
    clients: list[core.Client]
    homes: list[core.Home]
    by_client: dict[int, Client]
    states: dict[int, ClientState]
    by_home: dict[int, Home]


def _eligible(state: ClientState, profile: HousingProfile) -> frozenset[core.UnitType]:
    if profile.unit_types:
        return frozenset(core.UnitType(t) for t in profile.unit_types)
    if state.status == Status.READY_TO_MOVE_ON.value:
        return OWN_HOME
    return BT_ELIGIBLE.get(state.waiting_product, OWN_HOME)


def waiting_states(region: Any) -> list[ClientState]:
    """Clients of the region who wait for a home: ready to move on, or waiting for a BT or
    youth-cluster place; without an active proposal."""
    busy = Proposal.objects.filter(status__in=ACTIVE).values("client_id")
    return list(
        ClientState.objects.filter(client__region=region)
        .filter(
            Q(status=Status.READY_TO_MOVE_ON.value)
            | Q(waiting_product__in=list(BT_ELIGIBLE), waiting_status=WaitingStatus.WAITING.value)
        )
        .exclude(client_id__in=busy)
        .select_related("client", "client__responsible_municipality", "client__region")
        .order_by("client_id")
    )


def core_home(home: Home) -> core.Home:
    kind = core.UnitType(home.unit_type)
    if home.unit_type == UnitType.CLUSTER_UNIT and home.youth_only:
        kind = core.UnitType.YOUTH_CLUSTER
    return core.Home(
        id=home.pk,
        municipality=home.municipality.code,
        type=kind,
        rooms=home.rooms,
        rent=home.rent * 100,
        accessible=home.accessible,
        available_from=home.available_from,
        youth_only=home.youth_only,
    )


def core_client(
    state: ClientState, profile: HousingProfile, wishes: list[str], today: date
) -> core.Client:
    client = state.client
    since = state.ready_since if state.status == Status.READY_TO_MOVE_ON.value else None
    return core.Client(
        id=client.pk,
        age=age_on(client.birth_date, today),
        household_size=profile.household_size,
        max_rent=None if profile.max_rent is None else profile.max_rent * 100,
        needs_accessible=profile.needs_accessible,
        origin=profile.origin.code,
        wishes=tuple(wishes),
        urgency=state.urgency or 3,
        waiting_since=since or state.waiting_since or state.stay_since or today,
        eligible=_eligible(state, profile),
        accepts_elsewhere=profile.accepts_elsewhere,
    )


def pool(region: Any, today: date) -> Pool:
    states = waiting_states(region)
    profiles = {
        p.client_id: p
        for p in HousingProfile.objects.filter(client_id__in=[s.client_id for s in states])
        .select_related("origin")
        .prefetch_related("wishes")
    }
    clients = []
    for s in states:
        profile = profiles.get(s.client_id) or profile_for(s.client)
        wishes = [m.code for m in profile.wishes.all()] if profile.pk else []
        clients.append(core_client(s, profile, wishes, today))
    homes = list(
        Home.objects.filter(region=region, status__in=Home.FREE).select_related("municipality")
    )
    return Pool(
        clients=clients,
        homes=[core_home(h) for h in homes],
        by_client={s.client_id: s.client for s in states},
        states={s.client_id: s for s in states},
        by_home={h.pk: h for h in homes},
    )


def history(region: Any, today: date, config: core.MatchConfig) -> core.History:
    """Clients housed through proposals in the last 12 months, by age band and origin."""
    housed = Proposal.objects.filter(
        round__region=region,
        status__in=("accepted", "housed"),
        answered_at__date__gte=today - timedelta(days=365),
    ).select_related("client", "client__housing_profile__origin")
    groups = []
    for p in housed:
        profile = getattr(p.client, "housing_profile", None)
        origin = profile.origin.code if profile else p.client.responsible_municipality.code
        band = core.age_band(age_on(p.client.birth_date, today), config.fairness.age_bands)
        groups.append({"age_band": band, "origin": origin})
    return core.History.from_groups(groups)


def region_of(region: Any) -> dict[str, str]:
    return dict.fromkeys(region.members.values_list("code", flat=True), region.slug)


def _message(m: Message) -> dict[str, Any]:
    return m.as_dict()


def round_run(
    *, user: Any, actor: Actor, today: date | None = None, config: core.MatchConfig | None = None
) -> MatchRound:
    """Run a round for the coordinator's region: the optimal draft proposals, with the
    reasons for each proposal and for each client not proposed."""
    _need(user, PC)
    region = user.organisation.region
    today = today or timezone.localdate()
    config = config or core.MatchConfig()
    data = pool(region, today)
    problem, result = core.match(
        data.clients,
        data.homes,
        today,
        config,
        history=history(region, today, config),
        region_of=region_of(region),
    )
    why = core.explain_proposals(problem, result)
    why_not = core.explain_unassigned(problem, result)
    with transaction.atomic():
        match_round = MatchRound.objects.create(
            region=region,
            run_by=user,
            reference_date=today,
            configuration=core.config_to_dict(config),
            method=str(result.method),
            objective=result.objective,
            clients=len(data.clients),
            homes=len(data.homes),
            notes=[_message(n) for n in result.notes],
            unassigned=[
                {"client": cid, "reasons": [_message(m) for m in w.reasons]}
                for cid, w in sorted(why_not.items())
            ],
        )
        ages = {c.id: c.age for c in data.clients}
        Proposal.objects.bulk_create(
            [
                Proposal(
                    round=match_round,
                    home=data.by_home[p.home_id],
                    client=data.by_client[p.client_id],
                    score=p.score,
                    components=dict(p.components),
                    preference=str(p.preference),
                    reasons=[_message(m) for m in why[p.home_id].reasons],
                    age_band=core.age_band(ages[p.client_id]),
                    household_size=next(
                        c.household_size for c in data.clients if c.id == p.client_id
                    ),
                    support=data.states[p.client_id].waiting_product
                    if data.states[p.client_id].waiting_product in BT_ELIGIBLE
                    else "",
                )
                for p in result.proposals
            ]
        )
        _log(
            actor,
            "housing.round.run",
            Action.CREATE,
            list(data.by_client.values()),
            object_type="match_round",
            object_id=str(match_round.pk),
        )
    return match_round


# ---------------------------------------------------------------- coordinator decisions
def _own_proposal(user: Any, proposal: Proposal) -> Proposal:
    _need(user, PC)
    if not scope(user, Proposal.objects.filter(pk=proposal.pk)).exists():
        raise PermissionDenied
    return proposal


def proposal_approve(*, user: Any, actor: Actor, proposal: Proposal) -> Proposal:
    """Send the proposal to the association. The database refuses a second active
    proposal for the same home or client (two coordinators at once)."""
    _own_proposal(user, proposal)
    try:
        with transaction.atomic():
            row = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if row.status != Proposal.Status.DRAFT:
                raise HousingError(gettext_noop("This proposal was already decided."))
            home = Home.objects.select_for_update().get(pk=row.home_id)
            if not home.is_free:
                raise HousingError(gettext_noop("This home was just promised to another client."))
            row.status = Proposal.Status.APPROVED
            row.decided_by = user
            row.decided_at = timezone.now()
            row.save(update_fields=["status", "decided_by", "decided_at"])
            home.status = Home.Status.PROPOSED
            home.save(update_fields=["status"])
            _log(
                actor,
                "housing.proposal.approve",
                Action.UPDATE,
                [row.client],
                object_type="proposal",
                object_id=str(row.reference),
            )
    except IntegrityError:
        raise HousingError(
            gettext_noop(
                "This home or this client already has an active proposal; "
                "someone else decided just now."
            )
        ) from None
    return row


def proposal_reject(*, user: Any, actor: Actor, proposal: Proposal, reason: str) -> Proposal:
    _own_proposal(user, proposal)
    with transaction.atomic():
        row = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if row.status != Proposal.Status.DRAFT:
            raise HousingError(gettext_noop("This proposal was already decided."))
        row.status = Proposal.Status.REJECTED
        row.answer_reason = reason
        row.decided_by = user
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "answer_reason", "decided_by", "decided_at"])
        _log(actor, "housing.proposal.reject", Action.UPDATE, [row.client], object_type="proposal")
    return row


def candidates_for(proposal: Proposal, today: date | None = None) -> list[tuple[Client, int]]:
    """Waiting clients who fit the proposal's home (hard constraints), best score first."""
    today = today or timezone.localdate()
    region = proposal.round.region
    data = pool(region, today)
    home = core_home(proposal.home)
    problem = core.build(data.clients, [home], today, region_of=region_of(region))
    rows = sorted(
        zip(problem.edge_client.tolist(), problem.edge_score.tolist(), strict=True),
        key=lambda x: -x[1],
    )
    return [(data.by_client[int(problem.c.ids[i])], int(s)) for i, s in rows]


def proposal_edit(*, user: Any, actor: Actor, proposal: Proposal, client: Client) -> Proposal:
    """Give the home of a draft proposal to another waiting client who fits it."""
    _own_proposal(user, proposal)
    fitting = {c.pk: score for c, score in candidates_for(proposal)}
    if client.pk not in fitting:
        raise HousingError(gettext_noop("This client does not fit this home."))
    with transaction.atomic():
        row = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if row.status != Proposal.Status.DRAFT:
            raise HousingError(gettext_noop("This proposal was already decided."))
        previous = row.client
        row.client = client
        row.score = fitting[client.pk]
        row.components = {}
        row.reasons = [
            _message(
                Message(gettext_noop("Chosen by the coordinator instead of the engine's proposal."))
            )
        ]
        row.age_band = core.age_band(age_on(client.birth_date, timezone.localdate()))
        row.household_size = profile_for(client).household_size
        row.save()
        _log(
            actor,
            "housing.proposal.edit",
            Action.UPDATE,
            [previous, client],
            object_type="proposal",
        )
    return row


def proposal_move_in(
    *, user: Any, actor: Actor, proposal: Proposal, effective: date, supported: bool = True
) -> Proposal:
    """Record the move into an accepted home: the client's exit to that home."""
    _own_proposal(user, proposal)
    with transaction.atomic():
        row = (
            Proposal.objects.select_for_update()
            .select_related("home__municipality")
            .get(pk=proposal.pk)
        )
        if row.status != Proposal.Status.ACCEPTED:
            raise HousingError(gettext_noop("Only an accepted proposal can be moved into."))
        journey_services.exit_record(
            user=user,
            actor=actor,
            client=row.client,
            effective=effective,
            kind=journey_services.HOME,
            municipality=row.home.municipality,
            supported=supported,
            notes=f"housing proposal {row.reference}",
        )
        row.status = Proposal.Status.HOUSED
        row.save(update_fields=["status"])
        Home.objects.filter(pk=row.home_id).update(status=Home.Status.LET, let_on=effective)
    return row


# ---------------------------------------------------------------- the association's answer
def _association_proposal(user: Any, proposal: Proposal) -> Proposal:
    _need(user, HA)
    if proposal.home.association_id != user.organisation_id:
        raise PermissionDenied
    return proposal


def proposal_accept(
    *, user: Any, actor: Actor, proposal: Proposal, tenancy_start: date
) -> Proposal:
    _association_proposal(user, proposal)
    with transaction.atomic():
        row = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if row.status != Proposal.Status.APPROVED:
            raise HousingError(gettext_noop("This proposal is not open for an answer."))
        row.status = Proposal.Status.ACCEPTED
        row.answered_at = timezone.now()
        row.tenancy_start = tenancy_start
        row.save(update_fields=["status", "answered_at", "tenancy_start"])
        Home.objects.filter(pk=row.home_id).update(status=Home.Status.ACCEPTED)
        _log(actor, "housing.proposal.accept", Action.UPDATE, [row.client], object_type="proposal")
    return row


def proposal_decline(*, user: Any, actor: Actor, proposal: Proposal, reason: str) -> Proposal:
    """The association declines; the home is free again and the client back in the pool."""
    _association_proposal(user, proposal)
    if not reason.strip():
        raise HousingError(gettext_noop("Give the reason for declining."))
    with transaction.atomic():
        row = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if row.status != Proposal.Status.APPROVED:
            raise HousingError(gettext_noop("This proposal is not open for an answer."))
        row.status = Proposal.Status.DECLINED
        row.answered_at = timezone.now()
        row.answer_reason = reason
        row.save(update_fields=["status", "answered_at", "answer_reason"])
        Home.objects.filter(pk=row.home_id).update(status=Home.Status.DECLINED)
        _log(actor, "housing.proposal.decline", Action.UPDATE, [row.client], object_type="proposal")
    return row
