"""Screens for each role's daily work on the client journey. Views are thin: they read
through selectors and write through services; refusals come back as Dutch messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from doorstroom.accounts.acting import member
from doorstroom.accounts.permissions import rule
from doorstroom.audit.services import Actor
from doorstroom.clients import selectors as client_selectors
from doorstroom.clients.models import Client
from doorstroom.core.journey import PLACE_PRODUCTS, EventType, JourneyError, Product, Status
from doorstroom.core.roles import Role
from doorstroom.facilities.models import Facility
from doorstroom.facilities.products import PRODUCT_LABELS, product_label
from doorstroom.journey import config, selectors, services
from doorstroom.journey.display import fact_text
from doorstroom.journey.forms import (
    AssessmentForm,
    ConfigurationUploadForm,
    CorrectionForm,
    DecisionForm,
    DisputeForm,
    ExitForm,
    FacilityChoiceForm,
    IntakeForm,
    NotesForm,
    ReasonForm,
    SecondOpinionForm,
    WaitingListForm,
)
from doorstroom.journey.models import ClientState, JourneyEvent, RegionConfiguration
from doorstroom.journey.permissions import EVENT_ROLES
from doorstroom.reference.models import Municipality

AO, PC, MO, CP = (
    Role.ACCESS_OFFICER,
    Role.PLACEMENT_COORDINATOR,
    Role.MUNICIPAL_OFFICER,
    Role.CARE_PROVIDER,
)


def _client(request: HttpRequest, pseudonym: UUID) -> Client:
    try:
        return client_selectors.client_get(
            user=request.user, actor=Actor.from_request(request), pseudonym=pseudonym
        )
    except client_selectors.ClientNotFound:
        raise Http404 from None


def _refused(form: Any, exc: JourneyError) -> None:
    form.add_error(None, exc.message.translate(_))


@dataclass(frozen=True)
class Step:
    title: Any
    intro: Any
    form_class: type
    run: Callable[[HttpRequest, Client, Any], Any]
    success: Any
    form_kwargs: Callable[[HttpRequest, Client], dict[str, Any]] | None = None


def _step(request: HttpRequest, pseudonym: UUID, step: Step) -> HttpResponse:
    client = _client(request, pseudonym)
    kwargs = step.form_kwargs(request, client) if step.form_kwargs else {}
    form = step.form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            step.run(request, client, form.cleaned_data)
        except JourneyError as exc:
            _refused(form, exc)
        else:
            messages.success(request, step.success)
            return redirect("clients:detail", pseudonym=client.pseudonym)
    status = 400 if form.errors else 200
    return render(
        request,
        "journey/step.html",
        {"client": client, "form": form, "step": step, "state": _state(client)},
        status=status,
    )


def _state(client: Client) -> ClientState:
    state, _ = ClientState.objects.get_or_create(client=client)
    return state


def _kw(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "actor": Actor.from_request(request)}


# ---------------------------------------------------------------- intake
@rule(AO, client_data=True)
@sensitive_post_parameters("bsn")
def intake(request: HttpRequest) -> HttpResponse:
    region = member(request).org.region
    form = IntakeForm(request.POST or None, initial={"applied_municipality": region.centre_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_client = not client_selectors.client_exists_in_region(region=region, bsn=data["bsn"])
        if new_client:
            for name in ("family_name", "birth_date"):
                if not data.get(name):
                    form.add_error(name, _("Required for a new client."))
        if not form.errors:
            intake_data = services.Intake(
                application_date=data["application_date"],
                channel=data["channel"],
                applied_municipality=data["applied_municipality"],
                brp_municipality=data["brp_municipality"],
                postal_municipality=data["postal_municipality"],
                homeless=data["homeless"],
                regional_ties=data["regional_ties"],
                ties_explanation=data["ties_explanation"],
                notes=data["notes"],
            )
            try:
                client = services.application_register(
                    **_kw(request),
                    intake=intake_data,
                    bsn=data["bsn"],
                    given_names=data["given_names"],
                    family_name=data["family_name"],
                    birth_date=data["birth_date"],
                )
            except JourneyError as exc:
                _refused(form, exc)
            except ValidationError as exc:  # from the client service (e.g. BSN already known)
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Application registered."))
                return redirect("clients:detail", pseudonym=client.pseudonym)
    return render(
        request, "journey/intake.html", {"form": form}, status=400 if form.errors else 200
    )


# ---------------------------------------------------------------- assessment and decision
@rule(AO, client_data=True)
def assess(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    client = _client(request, pseudonym)
    framework = config.assessment_framework(client.region, timezone.localdate())
    form = AssessmentForm(request.POST or None, framework=framework.definition)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.assessment_record(
                **_kw(request),
                client=client,
                effective=form.cleaned_data["effective"],
                scores=form.scores(),
                criteria=form.criteria(),
                notes=form.cleaned_data["notes"],
            )
        except JourneyError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("Assessment saved. Advice: %(advice)s.")
                % {"advice": product_label(event.payload["advice"])},
            )
            return redirect("clients:detail", pseudonym=client.pseudonym)
    return render(
        request,
        "journey/assess.html",
        {"client": client, "form": form, "framework": framework, "state": _state(client)},
        status=400 if form.errors else 200,
    )


def _decide(request: HttpRequest, client: Client, data: dict[str, Any]) -> Any:
    return services.decision_record(
        **_kw(request),
        client=client,
        effective=data["effective"],
        product=Product(data["product"]),
        urgency=data["urgency"],
        reasons=data["reasons"],
        to_waiting_list=data["to_waiting_list"],
        preferred_facility=data["preferred_facility"],
    )


@rule(AO, client_data=True)
def decide(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def kwargs(request: HttpRequest, client: Client) -> dict[str, Any]:
        state = _state(client)
        facilities = Facility.objects.filter(
            region=client.region, status=Facility.Status.EXISTING
        ).order_by("name")
        return {"facilities": facilities, "advice": state.advice}

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Decision"),
            gettext_lazy(
                "The officer decides, with reasons. The advice of the assessment framework is pre-filled."
            ),
            DecisionForm,
            _decide,
            gettext_lazy("Decision recorded."),
            kwargs,
        ),
    )


@rule(AO, client_data=True)
def second_opinion(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.second_opinion_record(
            **_kw(request),
            client=client,
            effective=d["effective"],
            expert=d["expert"],
            expert_organisation=d["expert_organisation"],
            advice=Product(d["advice"]),
            agrees=d["agrees"],
            notes=d["notes"],
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Independent second opinion"),
            gettext_lazy(
                "Record the advice of an independent expert (onafhankelijke deskundigheid)."
            ),
            SecondOpinionForm,
            run,
            gettext_lazy("Second opinion recorded."),
        ),
    )


# ---------------------------------------------------------------- waiting list and places
@rule(AO, PC, client_data=True)
def waiting_list_add(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.waiting_list_add(
            **_kw(request),
            client=client,
            effective=d["effective"],
            product=Product(d["product"]),
            urgency=d["urgency"],
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Put on a waiting list"),
            gettext_lazy("For example a client in BW who waits for a place in Beschermd Thuis."),
            WaitingListForm,
            run,
            gettext_lazy("Put on the waiting list."),
        ),
    )


def _free_for_waiting(request: HttpRequest, client: Client) -> dict[str, Any]:
    state = _state(client)
    product = state.waiting_product or state.product
    return {"facilities": selectors.free_facilities(user=request.user, product=product)}


@rule(PC, client_data=True)
def offer(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.offer_make(
            **_kw(request), client=client, facility=d["facility"], effective=d["effective"]
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Offer a place"),
            gettext_lazy("Only facilities of the right type with a free place are listed."),
            FacilityChoiceForm,
            run,
            gettext_lazy("Place offered."),
            _free_for_waiting,
        ),
    )


@rule(PC, client_data=True)
def offer_decline(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.offer_decline(
            **_kw(request), client=client, effective=d["effective"], reason=d["reason"]
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Offer declined"),
            gettext_lazy("The client goes back to the waiting list, keeping the position."),
            ReasonForm,
            run,
            gettext_lazy("Offer declined; the client waits again."),
        ),
    )


def _placement_facilities(request: HttpRequest, client: Client) -> dict[str, Any]:
    facilities = _free_for_waiting(request, client)["facilities"]
    if member(request).role_enum is CP:
        facilities = facilities.filter(provider=member(request).org)
    return {"facilities": facilities}


@rule(PC, CP, client_data=True)
def place(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.placement_create(
            **_kw(request), client=client, facility=d["facility"], effective=d["effective"]
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Placement"),
            gettext_lazy("The start of the stay. A place can never be taken twice."),
            FacilityChoiceForm,
            run,
            gettext_lazy("Client placed."),
            _placement_facilities,
        ),
    )


@rule(PC, client_data=True)
def transfer(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def kwargs(request: HttpRequest, client: Client) -> dict[str, Any]:
        state = _state(client)
        qs: QuerySet[Facility] = Facility.objects.none()
        for product in PLACE_PRODUCTS:
            qs = qs | selectors.free_facilities(user=request.user, product=product.value)
        if state.facility_id is not None:
            qs = qs.exclude(pk=state.facility_id)
        return {"facilities": qs.order_by("facility_type", "name")}

    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.transfer_create(
            **_kw(request),
            client=client,
            facility=d["facility"],
            effective=d["effective"],
            reason=d["reason"],
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Transfer"),
            gettext_lazy("Moving to another facility, for example from BW to Beschermd Thuis."),
            FacilityChoiceForm,
            run,
            gettext_lazy("Transfer recorded."),
            kwargs,
        ),
    )


@rule(PC, CP, client_data=True)
def ready(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.ready_to_move_on_flag(
            **_kw(request), client=client, effective=d["effective"], notes=d["notes"]
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Ready to move on"),
            gettext_lazy(
                "The client no longer needs this facility and waits for a home or a lighter form (uitstroomklaar)."
            ),
            NotesForm,
            run,
            gettext_lazy("Marked as ready to move on."),
        ),
    )


@rule(PC, CP, client_data=True)
def exit_(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.exit_record(
            **_kw(request),
            client=client,
            effective=d["effective"],
            kind=d["kind"],
            municipality=d["municipality"],
            supported=d["supported"],
            notes=d["notes"],
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Exit"),
            gettext_lazy(
                "Where does the client go? An own home in the municipality of origin is the aim."
            ),
            ExitForm,
            run,
            gettext_lazy("Exit recorded."),
        ),
    )


@rule(AO, PC, client_data=True)
def withdraw(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.withdrawal_record(
            **_kw(request), client=client, effective=d["effective"], reason=d["reason"]
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Withdraw"),
            gettext_lazy("The application or the waiting-list entry is withdrawn."),
            ReasonForm,
            run,
            gettext_lazy("Withdrawn."),
        ),
    )


@rule(AO, PC, client_data=True)
def expire(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.expiry_record(
            **_kw(request), client=client, effective=d["effective"], reason=d["reason"]
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Waiting-list entry expired"),
            gettext_lazy("For example when the client can no longer be reached."),
            ReasonForm,
            run,
            gettext_lazy("Waiting-list entry expired."),
        ),
    )


@rule(AO, MO, client_data=True)
def dispute(request: HttpRequest, pseudonym: UUID) -> HttpResponse:
    def run(request: HttpRequest, client: Client, d: dict[str, Any]) -> Any:
        return services.dispute_record(
            **_kw(request),
            client=client,
            effective=d["effective"],
            action=d["action"],
            reason=d["reason"],
            municipality=d["municipality"],
        )

    return _step(
        request,
        pseudonym,
        Step(
            gettext_lazy("Dispute about responsibility"),
            gettext_lazy(
                "A municipality disputes which municipality is responsible (woonplaatsbeginsel)."
            ),
            DisputeForm,
            run,
            gettext_lazy("Dispute recorded."),
        ),
    )


@rule(AO, PC, client_data=True)
def correct(request: HttpRequest, pseudonym: UUID, event_id: UUID) -> HttpResponse:
    client = _client(request, pseudonym)
    target = (
        JourneyEvent.objects.filter(client=client, event_id=event_id)
        .exclude(event_type=EventType.CORRECTION)
        .first()
    )
    if target is None:
        raise Http404
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        changes = {"destination": d["destination"]} if d["destination"] else {}
        try:
            services.correction_record(
                **_kw(request),
                client=client,
                target=target,
                reason=d["reason"],
                effective=d["effective"],
                changes=changes,
                void=d["void"],
            )
        except JourneyError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Correction recorded; the history was checked again."))
            return redirect("clients:detail", pseudonym=client.pseudonym)
    return render(
        request,
        "journey/correct.html",
        {"client": client, "form": form, "target": target},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- waiting lists
@rule(AO, PC, MO, client_data=True)
def waiting_lists(request: HttpRequest) -> HttpResponse:
    counts = selectors.waiting_list_counts(user=request.user)
    rows = [{"product": p, "label": PRODUCT_LABELS[Product(p)], **c} for p, c in counts.items()]
    return render(request, "journey/waiting_lists.html", {"rows": rows})


@rule(AO, PC, MO, client_data=True)
def waiting_list(request: HttpRequest, product: str) -> HttpResponse:
    try:
        chosen = Product(product)
    except ValueError:
        raise Http404 from None
    if chosen not in PLACE_PRODUCTS:
        raise Http404
    facility_id = request.GET.get("voorziening")
    rows = selectors.waiting_list(
        user=request.user,
        actor=Actor.from_request(request),
        product=chosen,
        facility_id=int(facility_id) if facility_id and facility_id.isdigit() else None,
    )
    policy = config.waiting_list_policy(member(request).org.region, timezone.localdate())
    return render(
        request,
        "journey/waiting_list.html",
        {
            "product": chosen,
            "label": PRODUCT_LABELS[chosen],
            "rows": rows,
            "policy": policy,
            "facilities": Facility.objects.filter(
                region=member(request).org.region, facility_type=chosen.value
            ),
            "may_offer": member(request).role_enum is PC,
        },
    )


# ---------------------------------------------------------------- actions on the client page
@dataclass(frozen=True)
class Action:
    label: Any
    url_name: str
    event: EventType
    statuses: frozenset[Status]


ACTIONS: tuple[Action, ...] = (
    Action(
        gettext_lazy("Assess"),
        "journey:assess",
        EventType.ASSESSMENT,
        frozenset({Status.APPLIED, Status.ASSESSED}),
    ),
    Action(
        gettext_lazy("Decide"), "journey:decide", EventType.DECISION, frozenset({Status.ASSESSED})
    ),
    Action(
        gettext_lazy("Second opinion"),
        "journey:second_opinion",
        EventType.SECOND_OPINION,
        frozenset({Status.ASSESSED, Status.DECIDED, Status.WAITING}),
    ),
    Action(
        gettext_lazy("Put on a waiting list"),
        "journey:waiting_list_add",
        EventType.WAITING_LIST_ENTRY,
        frozenset({Status.DECIDED, Status.PLACED, Status.READY_TO_MOVE_ON}),
    ),
    Action(
        gettext_lazy("Offer a place"), "journey:offer", EventType.OFFER, frozenset({Status.WAITING})
    ),
    Action(
        gettext_lazy("Offer declined"),
        "journey:offer_decline",
        EventType.OFFER_DECLINED,
        frozenset({Status.OFFERED}),
    ),
    Action(
        gettext_lazy("Place"),
        "journey:place",
        EventType.PLACEMENT,
        frozenset({Status.WAITING, Status.OFFERED}),
    ),
    Action(
        gettext_lazy("Ready to move on"),
        "journey:ready",
        EventType.READY_TO_MOVE_ON,
        frozenset({Status.PLACED}),
    ),
    Action(
        gettext_lazy("Transfer"),
        "journey:transfer",
        EventType.TRANSFER,
        frozenset({Status.PLACED, Status.READY_TO_MOVE_ON}),
    ),
    Action(
        gettext_lazy("Exit"),
        "journey:exit",
        EventType.EXIT,
        frozenset({Status.PLACED, Status.READY_TO_MOVE_ON}),
    ),
    Action(
        gettext_lazy("Withdraw"),
        "journey:withdraw",
        EventType.WITHDRAWAL,
        frozenset(
            {Status.APPLIED, Status.ASSESSED, Status.DECIDED, Status.WAITING, Status.OFFERED}
        ),
    ),
    Action(
        gettext_lazy("Expired"),
        "journey:expire",
        EventType.EXPIRY,
        frozenset({Status.WAITING, Status.OFFERED}),
    ),
    Action(
        gettext_lazy("Dispute"),
        "journey:dispute",
        EventType.DISPUTE,
        frozenset(set(Status) - {Status.NONE}),
    ),
)


# The natural next step per status: shown first, as the primary button.
NEXT_STEP: dict[Status, EventType] = {
    Status.APPLIED: EventType.ASSESSMENT,
    Status.ASSESSED: EventType.DECISION,
    Status.DECIDED: EventType.WAITING_LIST_ENTRY,
    Status.WAITING: EventType.OFFER,
    Status.OFFERED: EventType.PLACEMENT,
    Status.PLACED: EventType.READY_TO_MOVE_ON,
    Status.READY_TO_MOVE_ON: EventType.EXIT,
}


def actions_for(user: Any, state: ClientState) -> list[Action]:
    status = Status(state.status)
    available = [
        a for a in ACTIONS if status in a.statuses and user.role_enum in EVENT_ROLES[a.event]
    ]
    return sorted(available, key=lambda a: a.event is not NEXT_STEP.get(status))


def client_journey_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    """What the client page shows of the journey (the caller has logged the read)."""
    state = _state(client)
    application = client.events.filter(event_type=EventType.APPLICATION).order_by("-id").first()
    assessment = client.events.filter(event_type=EventType.ASSESSMENT).order_by("-id").first()
    residence = dict(application.payload.get("residence") or {}) if application else None
    if residence:
        codes = [s.get("value") for s in residence.get("steps", []) if s.get("value")]
        names = dict(Municipality.objects.filter(code__in=codes).values_list("code", "name"))
        residence["steps"] = [
            {**s, "name": names.get(s.get("value"), s.get("value"))}
            for s in residence.get("steps", [])
        ]
    rules: list[dict[str, Any]] = []
    if assessment is not None:
        framework_definition = config.assessment_framework(
            client.region, assessment.effective_date
        ).definition
        rules = [
            {**o, "fact_texts": [fact_text(f, framework_definition) for f in o.get("facts", [])]}
            for o in assessment.payload.get("outcomes", [])
        ]
    return {
        "state": state,
        "timeline": selectors.timeline(client),
        "actions": actions_for(request.user, state),
        "residence": residence,
        "assessment": assessment,
        "assessment_rules": rules,
        "may_correct": member(request).role_enum in EVENT_ROLES[EventType.CORRECTION],
    }


@rule(Role.ADMINISTRATOR)
def configuration_upload(request: HttpRequest) -> HttpResponse:
    form = ConfigurationUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.configuration_store(
                user=member(request),
                actor=Actor.from_request(request),
                kind=d["kind"],
                version=d["version"],
                valid_from=d["valid_from"],
                raw=d["file"].read(),
            )
        except JourneyError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("New version stored. It applies from its date."))
            return redirect("configuration:framework")
    return render(
        request,
        "journey/configuration_upload.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@rule(Role.ADMINISTRATOR, AO)
def configuration_download(request: HttpRequest, kind: str) -> HttpResponse:
    import json

    from django.http import HttpResponse as Response

    region = member(request).org.region
    today = timezone.localdate()
    getters = {
        "assessment_framework": config.assessment_framework,
        "residence_rules": config.residence_rules,
        "waiting_list_policy": config.waiting_list_policy,
    }
    if kind not in getters:
        raise Http404
    configured = getters[kind](region, today)
    response = Response(
        json.dumps(configured.definition, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-{configured.version}.json"'
    return response


@rule(Role.ADMINISTRATOR, AO)
def framework(request: HttpRequest) -> HttpResponse:
    """The assessment framework and residence rules in force, for transparency."""
    region = member(request).org.region
    today = timezone.localdate()
    return render(
        request,
        "journey/framework.html",
        {
            "may_upload": member(request).role_enum is Role.ADMINISTRATOR,
            "versions": RegionConfiguration.objects.filter(region=region).select_related(
                "created_by"
            ),
            "framework": config.assessment_framework(region, today),
            "residence": config.residence_rules(region, today),
            "policy": config.waiting_list_policy(region, today),
        },
    )
