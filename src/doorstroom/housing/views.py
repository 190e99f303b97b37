"""Screens of housing for outflow: agreements and offered homes, match rounds with
explained proposals (coordinator), pseudonymous proposals (housing association), and the
client's housing profile."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.clients import selectors as client_selectors
from doorstroom.core.journey import JourneyError
from doorstroom.core.roles import Role
from doorstroom.housing import selectors, services
from doorstroom.housing.forms import (
    AcceptForm,
    AgreementForm,
    EditForm,
    HomeForm,
    MoveInForm,
    ProfileForm,
    ReasonForm,
    ReplayForm,
)
from doorstroom.housing.services import SUPPORT_LABELS, HousingError

PC, HA, MO, AO, POLICY = (
    Role.PLACEMENT_COORDINATOR,
    Role.HOUSING_ASSOCIATION,
    Role.MUNICIPAL_OFFICER,
    Role.ACCESS_OFFICER,
    Role.POLICY_ADVISOR,
)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("jaar", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


# ---------------------------------------------------------------- agreements and homes
@rule(PC, MO, POLICY, HA)
def overview(request: HttpRequest) -> HttpResponse:
    user = member(request)
    year = _year(request)
    rows = selectors.agreements(user, year)
    homes = selectors.homes(user)
    counts = {s: homes.filter(status=s).count() for s, _label in homes.model.Status.choices}
    return render(
        request,
        "housing/overview.html",
        {
            "year": year,
            "rows": rows,
            "totals": {
                "homes": sum(r.agreement.homes for r in rows),
                "youth": sum(r.agreement.homes_youth for r in rows),
                "realised": sum(r.realised for r in rows),
                "realised_youth": sum(r.realised_youth for r in rows),
            },
            "counts": [(label, counts[s]) for s, label in homes.model.Status.choices],
            "may_add_agreement": user.role_enum in (PC, POLICY),
            "role": user.role_enum.value,
        },
    )


@rule(PC, POLICY)
def agreement_create(request: HttpRequest) -> HttpResponse:
    user = member(request)
    form = AgreementForm(request.POST or None, region=user.org.region)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(user=user, data=form.cleaned_data)
        except HousingError as exc:
            form.add_error(None, exc.message.translate(_))
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("housing:overview")
    return render(
        request,
        "housing/form.html",
        {
            "form": form,
            "title": _("Performance agreement"),
            "back_url": reverse("housing:overview"),
        },
        status=400 if form.errors else 200,
    )


@rule(PC, HA)
def home_list(request: HttpRequest) -> HttpResponse:
    user = member(request)
    return render(
        request,
        "housing/homes.html",
        {"homes": selectors.homes(user), "may_offer": user.role_enum is HA},
    )


@rule(HA)
def home_create(request: HttpRequest) -> HttpResponse:
    user = member(request)
    form = HomeForm(request.POST or None, region=user.org.region)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            services.home_offer(user=user, data=data)
        except HousingError as exc:
            form.add_error(None, exc.message.translate(_))
        else:
            messages.success(request, _("Home offered."))
            return redirect("housing:homes")
    return render(
        request,
        "housing/form.html",
        {"form": form, "title": _("Offer a home"), "back_url": reverse("housing:homes")},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- rounds (coordinator)
@rule(PC)
def round_list(request: HttpRequest) -> HttpResponse:
    user = member(request)
    return render(request, "housing/rounds.html", {"rounds": selectors.rounds(user)[:50]})


@rule(PC, client_data=True)
@require_POST
def round_run(request: HttpRequest) -> HttpResponse:
    match_round = services.round_run(user=member(request), actor=_actor(request))
    messages.success(
        request,
        _("Round done: %(proposals)s proposals for %(homes)s free homes and %(clients)s clients.")
        % {
            "proposals": match_round.proposals.count(),
            "homes": match_round.homes,
            "clients": match_round.clients,
        },
    )
    return redirect("housing:round", pk=match_round.pk)


@rule(PC, client_data=True)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = member(request)
    match_round = selectors.round_get(user, pk)
    proposals, unproposed = selectors.round_detail(user, _actor(request), match_round)
    names = selectors.municipality_names()
    return render(
        request,
        "housing/round.html",
        {
            "round": match_round,
            "proposals": proposals,
            "unproposed": unproposed,
            "notes": [selectors.render_message(n, names) for n in match_round.notes],
        },
    )


def _proposal(request: HttpRequest, reference: UUID) -> Any:
    return selectors.proposal_get(member(request), reference)


def _decide(request: HttpRequest, reference: UUID, run: Any, done: str) -> HttpResponse:
    proposal = _proposal(request, reference)
    try:
        run(proposal)
    except HousingError as exc:
        messages.error(request, exc.message.translate(_))
    else:
        messages.success(request, done)
    return redirect("housing:round", pk=proposal.round_id)


@rule(PC, client_data=True)
@require_POST
def proposal_approve(request: HttpRequest, reference: UUID) -> HttpResponse:
    return _decide(
        request,
        reference,
        lambda p: services.proposal_approve(
            user=member(request), actor=_actor(request), proposal=p
        ),
        _("Proposal sent to the housing association."),
    )


@rule(PC, client_data=True)
@require_POST
def proposal_reject(request: HttpRequest, reference: UUID) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _decide(
        request,
        reference,
        lambda p: services.proposal_reject(
            user=member(request), actor=_actor(request), proposal=p, reason=reason
        ),
        _("Proposal rejected; the client and the home go back to the pool."),
    )


@rule(PC, client_data=True)
def proposal_edit(request: HttpRequest, reference: UUID) -> HttpResponse:
    user = member(request)
    proposal = _proposal(request, reference)
    candidates = services.candidates_for(proposal)
    client_selectors.log_client_reads(
        _actor(request), user, [c for c, _ in candidates] + [proposal.client], "housing.edit.read"
    )
    choices = [(str(c.pseudonym), f"{c} ({_('score')} {s})") for c, s in candidates]
    form = EditForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = next(c for c, _s in candidates if str(c.pseudonym) == form.cleaned_data["client"])
        try:
            services.proposal_edit(
                user=user, actor=_actor(request), proposal=proposal, client=chosen
            )
        except HousingError as exc:
            form.add_error(None, exc.message.translate(_))
        else:
            messages.success(request, _("Proposal changed."))
            return redirect("housing:round", pk=proposal.round_id)
    return render(
        request,
        "housing/form.html",
        {
            "form": form,
            "title": _("Change the client of a proposal"),
            "intro": _("Home %(home)s, now proposed to %(client)s.")
            % {"home": proposal.home, "client": proposal.client},
            "back_url": reverse("housing:round", kwargs={"pk": proposal.round_id}),
        },
        status=400 if form.errors else 200,
    )


@rule(PC, client_data=True)
def proposal_move_in(request: HttpRequest, reference: UUID) -> HttpResponse:
    user = member(request)
    proposal = _proposal(request, reference)
    client_selectors.log_client_reads(_actor(request), user, [proposal.client], "housing.read")
    form = MoveInForm(
        request.POST or None,
        initial={
            "effective": min(proposal.tenancy_start or timezone.localdate(), timezone.localdate())
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_move_in(
                user=user,
                actor=_actor(request),
                proposal=proposal,
                effective=form.cleaned_data["effective"],
                supported=form.cleaned_data["supported"],
            )
        except (HousingError, JourneyError) as exc:
            form.add_error(None, exc.message.translate(_))
        else:
            messages.success(request, _("Move recorded: the client left for this home."))
            return redirect("housing:round", pk=proposal.round_id)
    return render(
        request,
        "housing/form.html",
        {
            "form": form,
            "title": _("Record the move"),
            "intro": _("%(client)s moves into home %(home)s: this records the exit.")
            % {"home": proposal.home, "client": proposal.client},
            "back_url": reverse("housing:round", kwargs={"pk": proposal.round_id}),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- the association
@rule(HA, client_data=True)
def association_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.association_proposals(member(request), _actor(request))
    return render(
        request, "housing/association_proposals.html", {"rows": rows, "support": SUPPORT_LABELS}
    )


@rule(HA, client_data=True)
def association_answer(request: HttpRequest, reference: UUID) -> HttpResponse:
    user = member(request)
    proposal = selectors.association_proposal_get(user, _actor(request), reference)
    accept = AcceptForm(
        request.POST if request.POST.get("answer") == "accept" else None,
        initial={"tenancy_start": timezone.localdate()},
        prefix="accept",
    )
    decline = ReasonForm(
        request.POST if request.POST.get("answer") == "decline" else None, prefix="decline"
    )
    if request.method == "POST":
        form: Any = accept if request.POST.get("answer") == "accept" else decline
        if form.is_valid():
            try:
                if form is accept:
                    services.proposal_accept(
                        user=user,
                        actor=_actor(request),
                        proposal=proposal,
                        tenancy_start=form.cleaned_data["tenancy_start"],
                    )
                    messages.success(request, _("Proposal accepted."))
                else:
                    services.proposal_decline(
                        user=user,
                        actor=_actor(request),
                        proposal=proposal,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Proposal declined."))
            except HousingError as exc:
                form.add_error(None, exc.message.translate(_))
            else:
                return redirect("housing:association_proposals")
    return render(
        request,
        "housing/answer.html",
        {
            "proposal": proposal,
            "accept": accept,
            "decline": decline,
            "support": SUPPORT_LABELS.get(proposal.support, ""),
            "open": proposal.status == "approved",
        },
        status=400 if (accept.errors or decline.errors) else 200,
    )


# ---------------------------------------------------------------- housing profile
@rule(PC, AO, client_data=True)
def profile_edit(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    user = member(request)
    try:
        client = client_selectors.client_get(user=user, actor=_actor(request), pseudonym=pseudonym)
    except client_selectors.ClientNotFound:
        raise Http404 from None
    profile = services.profile_for(client)
    form = ProfileForm(request.POST or None, instance=profile, region=client.region)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.profile_save(user=user, actor=_actor(request), client=client, data=data)
        except HousingError as exc:
            form.add_error(None, exc.message.translate(_))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Housing profile saved."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    return render(
        request,
        "housing/form.html",
        {
            "form": form,
            "title": _("Housing profile"),
            "intro": _("What %(client)s needs from a home. Used by the match rounds.")
            % {"client": client},
            "back_url": reverse("clients:detail", kwargs={"pseudonym": client.pseudonym}),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- policy replay
@rule(PC, POLICY)
def replay(request: HttpRequest) -> HttpResponse:
    """Re-run a past period under another rule and compare (aggregates only)."""
    from datetime import timedelta

    from doorstroom.web.tables import export_response, protect_for

    user = member(request)
    today = timezone.localdate()
    form = ReplayForm(
        request.GET or None,
        initial={"start": today - timedelta(days=365), "end": today},
    )
    tables: list[Any] = []
    if request.GET and form.is_valid():
        tables, _state = selectors.replay_tables(user, form.cleaned_data)
        response = export_response(request, tables, filename="terugblik-woningen")
        if response is not None:
            return response
        tables = protect_for(user, tables)
    return render(
        request,
        "housing/replay.html",
        {"form": form, "tables": tables},
        status=400 if form.errors else 200,
    )


def client_housing_context(request: HttpRequest, client: Any) -> dict[str, Any]:
    """The housing panel on the client page (the page has logged the read already)."""
    from doorstroom.housing.models import Proposal

    user = member(request)
    if user.role_enum not in (PC, AO):
        return {"housing": None}
    profile = services.profile_for(client)
    return {
        "housing": {
            "profile": profile,
            "wishes": list(profile.wishes.all()) if profile.pk else [],
            "proposals": list(
                Proposal.objects.filter(client=client)
                .exclude(status="draft")
                .select_related("home", "home__municipality")
                .order_by("-pk")[:5]
            ),
        }
    }
