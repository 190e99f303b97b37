"""Readable sentences for the timeline: what each step means, in the active language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from doorstroom.core.journey import EventType
from doorstroom.facilities.models import Facility
from doorstroom.facilities.products import product_label
from doorstroom.journey.models import EVENT_LABELS, JourneyEvent
from doorstroom.reference.models import Municipality

CHANNEL_LABELS = {
    "self": gettext_lazy("self"),
    "youth_care_18": gettext_lazy("youth care (turning 18)"),
    "mental_health": gettext_lazy("mental-health care"),
    "gp": gettext_lazy("general practitioner"),
    "justice": gettext_lazy("justice"),
    "shelter": gettext_lazy("shelter"),
    "other": gettext_lazy("other"),
}
DESTINATION_LABELS = {
    "home_origin": gettext_lazy("own home in the municipality of origin"),
    "home_origin_supported": gettext_lazy(
        "own home in the municipality of origin, with ambulant support"
    ),
    "home_region": gettext_lazy("own home elsewhere in the region"),
    "home_region_supported": gettext_lazy(
        "own home elsewhere in the region, with ambulant support"
    ),
    "home_outside": gettext_lazy("own home outside the region"),
    "home_outside_supported": gettext_lazy("own home outside the region, with ambulant support"),
    "family": gettext_lazy("family"),
    "wlz": gettext_lazy("long-term care (Wlz)"),
    "clinic": gettext_lazy("clinic"),
    "detention": gettext_lazy("detention"),
    "unknown": gettext_lazy("unknown"),
    "deceased": gettext_lazy("deceased"),
}


class Names:
    """Looks up municipality and facility names once per page."""

    def __init__(self, events: list[JourneyEvent]) -> None:
        codes: set[str] = set()
        facility_ids: set[int] = set()
        for e in events:
            for key in (
                "applied_municipality",
                "responsible_municipality",
                "destination_municipality",
                "claimed_by",
                "brp_municipality",
                "postal_municipality",
            ):
                if e.payload.get(key):
                    codes.add(str(e.payload[key]))
            if e.payload.get("facility_id"):
                facility_ids.add(int(e.payload["facility_id"]))
        self.municipalities = dict(
            Municipality.objects.filter(code__in=codes).values_list("code", "name")
        )
        self.facilities = dict(
            Facility.objects.filter(pk__in=facility_ids).values_list("pk", "name")
        )

    def municipality(self, code: Any) -> str:
        return self.municipalities.get(str(code), str(code or "—"))

    def facility(self, pk: Any) -> str:
        return self.facilities.get(int(pk), str(pk)) if pk else "—"


def describe(event: JourneyEvent, names: Names) -> str:
    p = event.payload
    t = EventType(event.event_type)
    if t is EventType.APPLICATION:
        text = _(
            "Application via %(channel)s at %(applied)s. Responsible municipality: %(responsible)s."
        ) % {
            "channel": CHANNEL_LABELS.get(str(p.get("channel")), p.get("channel")),
            "applied": names.municipality(p.get("applied_municipality")),
            "responsible": names.municipality(p.get("responsible_municipality")),
        }
        if p.get("homeless"):
            text += " " + _("Homeless.")
        return text
    if t is EventType.RETURN:
        return _("Return: a new application %(months)s months after the previous exit.") % {
            "months": p.get("months_since_exit")
        }
    if t is EventType.ASSESSMENT:
        return _("Advice: %(advice)s (rule %(rule)s, framework %(version)s).") % {
            "advice": product_label(str(p.get("advice"))),
            "rule": p.get("rule_id"),
            "version": p.get("framework_version"),
        }
    if t is EventType.DECISION:
        text = _("Decision: %(product)s, urgency %(urgency)s. Reasons: %(reasons)s") % {
            "product": product_label(str(p.get("product"))),
            "urgency": p.get("urgency"),
            "reasons": p.get("reasons"),
        }
        if p.get("deviates_from_advice"):
            text += " " + _("(differs from the advice)")
        return text
    if t is EventType.SECOND_OPINION:
        agrees = (
            _("agrees with the assessment")
            if p.get("agrees")
            else _("does not agree with the assessment")
        )
        return _("Second opinion by %(expert)s (%(org)s): %(advice)s; %(agrees)s.") % {
            "expert": p.get("expert"),
            "org": p.get("expert_organisation"),
            "advice": product_label(str(p.get("advice"))),
            "agrees": agrees,
        }
    if t is EventType.WAITING_LIST_ENTRY:
        return _("On the waiting list for %(product)s.") % {
            "product": product_label(str(p.get("product", "")))
        }
    if t is EventType.OFFER:
        return _("Place offered in %(facility)s.") % {
            "facility": names.facility(p.get("facility_id"))
        }
    if t is EventType.OFFER_DECLINED:
        return _("Offer declined: %(reason)s") % {"reason": p.get("reason") or "—"}
    if t is EventType.PLACEMENT:
        return _("Placed in %(facility)s.") % {"facility": names.facility(p.get("facility_id"))}
    if t is EventType.TRANSFER:
        return _("Transferred to %(facility)s.") % {
            "facility": names.facility(p.get("facility_id"))
        }
    if t is EventType.READY_TO_MOVE_ON:
        return _("Ready to move on.") + (f" {p['notes']}" if p.get("notes") else "")
    if t is EventType.EXIT:
        text = _("Exit to: %(destination)s.") % {
            "destination": DESTINATION_LABELS.get(str(p.get("destination")), p.get("destination"))
        }
        if p.get("destination_municipality"):
            text += " " + names.municipality(p.get("destination_municipality")) + "."
        return text
    if t is EventType.WITHDRAWAL:
        return _("Withdrawn: %(reason)s") % {"reason": p.get("reason") or "—"}
    if t is EventType.EXPIRY:
        return _("Waiting-list entry expired.")
    if t is EventType.DISPUTE:
        if p.get("action") == "open":
            return _("Dispute opened by %(by)s: %(reason)s") % {
                "by": names.municipality(p.get("claimed_by")),
                "reason": p.get("reason"),
            }
        return _("Dispute resolved; responsible: %(m)s. %(reason)s") % {
            "m": names.municipality(p.get("responsible_municipality")),
            "reason": p.get("reason"),
        }
    if t is EventType.CORRECTION:
        what = _("voided the step") if p.get("void") else _("corrected the step")
        return _("Correction: %(what)s of %(date)s. Reason: %(reason)s") % {
            "what": what,
            "date": event.corrects.effective_date.isoformat() if event.corrects else "?",
            "reason": p.get("reason"),
        }
    return str(EVENT_LABELS.get(t, t))


def rule_description(outcome: dict[str, Any]) -> str:
    return str(
        outcome.get(
            "description_nl" if (get_language() or "nl").startswith("nl") else "description_en", ""
        )
    )


def fact_text(fact: Any, framework: dict[str, Any]) -> str:
    """A fact of an assessment rule in the active language, e.g. "Woonsituatie: Verlaat
    jeugdzorg (nodig: Dakloos of Verlaat jeugdzorg)". Old string facts are shown as is."""
    if not isinstance(fact, dict):
        return str(fact)
    lang = "nl" if (get_language() or "nl").startswith("nl") else "en"
    kind, subject, actual, needed = (
        fact.get("kind"),
        fact.get("subject"),
        fact.get("actual"),
        fact.get("needed"),
    )
    if kind == "criterion":
        criterion: dict[str, Any] = next(
            (c for c in framework.get("criteria", []) if c.get("code") == subject), {}
        )
        choices = {
            c["value"]: c.get(f"label_{lang}", c["value"]) for c in criterion.get("choices", [])
        }

        def show(value: Any) -> str:
            if isinstance(value, bool):
                return _("yes") if value else _("no")
            return str(choices.get(value, value))

        wanted = _(" or ").join(show(v) for v in needed or [])
        return _("%(subject)s: %(actual)s (needed: %(needed)s)") % {
            "subject": criterion.get(f"label_{lang}", subject),
            "actual": show(actual),
            "needed": wanted,
        }
    if kind == "domain":
        domain: dict[str, Any] = next(
            (d for d in framework.get("domains", []) if d.get("code") == subject), {}
        )
        return _("%(subject)s: score %(actual)s (needed: %(needed)s or lower)") % {
            "subject": domain.get(f"label_{lang}", subject),
            "actual": actual,
            "needed": needed,
        }
    if kind == "age":
        low, high = (needed or [None, None])[:2]
        return _("Age: %(actual)s (needed: %(low)s to %(high)s)") % {
            "actual": actual,
            "low": low or "",
            "high": high or "",
        }
    if kind == "count":
        low, high = (needed or [None, None])[:2]
        if high is None:
            return _(
                "%(actual)s domains with score %(limit)s or lower (needed: at least %(low)s)"
            ) % {
                "actual": actual,
                "limit": subject,
                "low": low,
            }
        return _(
            "%(actual)s domains with score %(limit)s or lower (needed: %(low)s to %(high)s)"
        ) % {
            "actual": actual,
            "limit": subject,
            "low": low,
            "high": high,
        }
    return str(fact)
