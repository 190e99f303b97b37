"""Reads of housing for outflow, scoped through ``organisations.scoping``; reads of client
data are written to the access log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from doorstroom.audit.services import Actor
from doorstroom.clients.models import Client
from doorstroom.clients.selectors import log_client_reads
from doorstroom.core.i18n import Message
from doorstroom.core.matching import PARAM_LABELS
from doorstroom.core.roles import Role
from doorstroom.housing.models import (
    AssociationProposal,
    Home,
    MatchRound,
    PerformanceAgreement,
    Proposal,
)
from doorstroom.organisations.scoping import scope
from doorstroom.reference.models import Municipality


def render_message(
    data: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    clients: Mapping[int, str] | None = None,
) -> str:
    """A stored core message in the active language; codes in known parameters become
    labels, GM codes municipality names, client ids the client's short pseudonym."""
    params = dict(data.get("params", {}))
    for key, labels in PARAM_LABELS.items():
        if key in params and str(params[key]) in labels:
            params[key] = gettext(labels[str(params[key])])
    if names:
        for key in ("municipality",):
            if key in params:
                params[key] = names.get(str(params[key]), params[key])
    if clients:
        for key in ("client", "winner"):
            if key in params and isinstance(params[key], int):
                params[key] = clients.get(params[key], "?")
    return Message(str(data.get("template", "")), params).translate(gettext)


def municipality_names() -> dict[str, str]:
    return dict(Municipality.objects.values_list("code", "name"))


def homes(user: Any) -> QuerySet[Home]:
    qs = scope(user, Home.objects.select_related("municipality", "association"))
    if user.role_enum is Role.HOUSING_ASSOCIATION:
        qs = qs.filter(association=user.organisation)
    return qs


@dataclass(frozen=True)
class AgreementRow:
    agreement: PerformanceAgreement
    realised: int
    realised_youth: int

    @property
    def share(self) -> float | None:
        return self.realised / self.agreement.homes if self.agreement.homes else None


def agreements(user: Any, year: int) -> list[AgreementRow]:
    """Agreements of the region (an association: its own) with their realisation: homes of
    that association in that municipality let (exits into them) in that year."""
    qs = scope(user, PerformanceAgreement.objects.select_related("association", "municipality"))
    if user.role_enum is Role.HOUSING_ASSOCIATION:
        qs = qs.filter(association=user.organisation)
    qs = qs.filter(year=year)
    let = (
        Home.objects.filter(status=Home.Status.LET, let_on__year=year)
        .values("association_id", "municipality_id")
        .annotate(
            n=Count("pk", distinct=True),
            youth=Count(
                "pk",
                filter=Q(proposals__status="housed", proposals__age_band="18-24"),
                distinct=True,
            ),
        )
    )
    realised = {(r["association_id"], r["municipality_id"]): r for r in let}
    rows = []
    for a in qs:
        r = realised.get((a.association_id, a.municipality_id), {"n": 0, "youth": 0})
        rows.append(AgreementRow(a, int(r["n"]), int(r["youth"])))
    return rows


def rounds(user: Any) -> QuerySet[MatchRound]:
    return scope(user, MatchRound.objects.all())


def round_get(user: Any, pk: int) -> MatchRound:
    match_round = rounds(user).filter(pk=pk).first()
    if match_round is None:
        raise Http404
    return match_round


@dataclass(frozen=True)
class NotProposed:
    client: Client
    reasons: list[str]


def round_detail(
    user: Any, actor: Actor, match_round: MatchRound
) -> tuple[list[Proposal], list[NotProposed]]:
    """Proposals and unproposed clients of a round, reasons in the active language."""
    names = municipality_names()
    proposals = list(
        scope(user, Proposal.objects.filter(round=match_round)).select_related(
            "client", "home", "home__municipality", "home__association"
        )
    )
    ids = [int(u["client"]) for u in match_round.unassigned]
    clients = {c.pk: c for c in scope(user, Client.objects.filter(pk__in=ids))}
    labels = {pk: str(c) for pk, c in clients.items()} | {
        p.client_id: str(p.client) for p in proposals
    }
    for p in proposals:
        p.reason_texts = [render_message(m, names, labels) for m in p.reasons]  # type: ignore[attr-defined]
    unproposed = [
        NotProposed(
            clients[int(u["client"])], [render_message(m, names, labels) for m in u["reasons"]]
        )
        for u in match_round.unassigned
        if int(u["client"]) in clients
    ]
    log_client_reads(
        actor,
        user,
        [p.client for p in proposals] + [u.client for u in unproposed],
        "housing.round.read",
    )
    return proposals, unproposed


def proposal_get(user: Any, reference: Any) -> Proposal:
    proposal = (
        scope(user, Proposal.objects.filter(reference=reference))
        .select_related("client", "home", "home__municipality", "round")
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


ASSOCIATION_VISIBLE = ("approved", "accepted", "declined", "housed")


def association_proposals(user: Any, actor: Actor) -> list[AssociationProposal]:
    """Pseudonymous proposals for the association's homes: no name, BSN, pseudonym or
    diagnosis - age band, household size and the kind of support only."""
    rows = list(
        scope(user, AssociationProposal.objects.filter(status__in=ASSOCIATION_VISIBLE))
        .select_related("home", "home__municipality", "client")
        .order_by("-decided_at")
    )
    log_client_reads(actor, user, [p.client for p in rows], "housing.proposal.association_read")
    return rows


def association_proposal_get(user: Any, actor: Actor, reference: Any) -> AssociationProposal:
    row = (
        scope(user, AssociationProposal.objects.filter(reference=reference))
        .select_related("home", "home__municipality", "client")
        .first()
    )
    if row is None:
        raise Http404
    log_client_reads(actor, user, [row.client], "housing.proposal.association_read")
    return row


# ---------------------------------------------------------------- policy replay
def replay_tables(user: Any, data: Mapping[str, Any]) -> tuple[list[Any], Any]:
    """History, the current rule and the alternative over a past period of the user's
    region, as tables (aggregates only: no client data leaves this function)."""
    from dataclasses import replace

    from django.utils.translation import gettext_lazy

    from doorstroom.core.matching import MatchConfig
    from doorstroom.core.matching.replay import Policy, compare, fairness_off, strong_fairness
    from doorstroom.monitor.selectors import current
    from doorstroom.web.tables import Column, Table

    state = current()
    base = MatchConfig()
    alternative = {"off": fairness_off(base), "strong": strong_fairness(base)}.get(
        data["fairness"], base
    )
    alternative = replace(
        alternative, weights=replace(alternative.weights, origin=data["origin_points"])
    )
    result = compare(
        state.spells,
        user.organisation.region.slug,
        data["start"],
        data["end"],
        [
            Policy("current", base),
            Policy("alternative", alternative, extra_homes=data["extra_homes"] / 100),
        ],
    )
    names = {
        "history": gettext("What happened"),
        "current": gettext("Current rule"),
        "alternative": gettext("Alternative"),
    }
    summary = Table(
        id="replay-summary",
        title=gettext_lazy("Outcome per scenario"),
        columns=[
            Column("scenario", gettext_lazy("Scenario")),
            Column("housed", gettext_lazy("Clients housed"), "int"),
            Column("to_origin", gettext_lazy("Of whom in the municipality of origin"), "int"),
            Column(
                "origin_share",
                gettext_lazy("Share in the municipality of origin"),
                "percent",
                derived_from=("to_origin", "housed"),
            ),
            Column(
                "median",
                gettext_lazy("Wait to housing, median (days)"),
                "days",
                derived_from=("housed",),
            ),
            Column(
                "p90", gettext_lazy("Wait to housing, p90 (days)"), "days", derived_from=("housed",)
            ),
            Column("waiting", gettext_lazy("Still waiting at the end"), "int"),
        ],
        rows=[
            {**row, "scenario": names[row["scenario"]]}
            for row in result.summary.iter_rows(named=True)
        ],
    )
    tables = [summary]
    municipality_names = dict(Municipality.objects.values_list("code", "name"))
    for dimension, title in (
        ("age_band", gettext_lazy("By age band")),
        ("origin", gettext_lazy("By municipality of origin")),
    ):
        part = result.by_group.filter(dimension=dimension)
        groups = sorted({str(g) for g in part["group"].to_list()})
        rows = []
        for group in groups:
            cells: dict[str, Any] = {
                "group": municipality_names.get(group, group) if dimension == "origin" else group
            }
            for row in part.filter(group=group).iter_rows(named=True):
                cells[f"{row['scenario']}_housed"] = row["housed"]
                cells[f"{row['scenario']}_median"] = row["median"]
            rows.append(cells)
        columns = [Column("group", gettext_lazy("Group"))]
        for key in ("history", "current", "alternative"):
            columns.append(Column(f"{key}_housed", f"{names[key]}: " + gettext("housed"), "int"))
            columns.append(
                Column(
                    f"{key}_median",
                    f"{names[key]}: " + gettext("median wait (days)"),
                    "days",
                    derived_from=(f"{key}_housed",),
                )
            )
        tables.append(
            Table(
                id=f"replay-{dimension.replace('_', '-')}", title=title, columns=columns, rows=rows
            )
        )
    return tables, state
