from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstroom.clients.forms import BSNField
from doorstroom.core.journey import Channel, Product
from doorstroom.facilities.models import Facility
from doorstroom.facilities.products import PLACE_PRODUCT_CHOICES, PRODUCT_CHOICES
from doorstroom.journey.display import CHANNEL_LABELS
from doorstroom.reference.models import Municipality
from doorstroom.web.forms import Form

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]
URGENCY_CHOICES = [(1, _("1 — urgent")), (2, _("2 — high")), (3, _("3 — normal"))]


class DateField(forms.DateField):
    """A date that is not in the future (effective dates of journey steps)."""

    widget = DATE_WIDGET

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Date"))
        kwargs.setdefault("initial", timezone.localdate)
        kwargs.setdefault("input_formats", DATE_FORMATS)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> date:
        day: date = super().clean(value)
        if day and day > timezone.localdate():
            raise ValidationError(_("The date lies in the future."))
        return day


def municipality_field(
    label: Any, required: bool = True, help_text: Any = ""
) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        label=label,
        required=required,
        help_text=help_text,
        queryset=Municipality.objects.filter(active=True).order_by("name"),
    )


class IntakeForm(Form):
    """An application (aanmelding). BSN and personal data only for a new client."""

    bsn = BSNField(
        help_text=_("A known client is found by BSN; the personal data below are then not needed.")
    )
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=DATE_WIDGET, input_formats=DATE_FORMATS
    )
    application_date = DateField(label=_("Date of application"))
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(c.value, CHANNEL_LABELS[c.value]) for c in Channel]
    )
    applied_municipality = municipality_field(
        _("Municipality applied to"),
        help_text=_("Under national accessibility any municipality may receive an application."),
    )
    homeless = forms.BooleanField(label=_("Homeless (no home address)"), required=False)
    brp_municipality = municipality_field(
        _("Municipality of registration (BRP) before entering care"),
        required=False,
        help_text=_("Leave empty when the client had no home address."),
    )
    postal_municipality = municipality_field(
        _("Municipality of the postal address (briefadres)"), required=False
    )
    regional_ties = forms.ChoiceField(
        label=_("Regional ties"),
        choices=[("yes", _("yes")), ("no", _("no")), ("unknown", _("unknown"))],
        initial="unknown",
    )
    ties_explanation = forms.CharField(
        label=_("Explanation of the regional ties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_birth_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("birth_date")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("The date of birth is in the future."))
        if value is not None and value.year < 1900:
            raise ValidationError(_("This date of birth is not plausible."))
        return value


class AssessmentForm(Form):
    """Built from the framework in force: one score field per domain, one per criterion."""

    effective = DateField(label=_("Date of assessment"))
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, framework: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = "nl" if (get_language() or "nl").startswith("nl") else "en"
        self.framework = framework
        scores = [(str(n), str(n)) for n in range(1, 6)]
        for domain in framework["domains"]:
            self.fields[f"score_{domain['code']}"] = forms.TypedChoiceField(
                label=domain.get(f"label_{lang}", domain["code"]),
                choices=[("", "—"), *scores],
                coerce=int,
                help_text=_("1 acute problems … 5 fully self-sufficient"),
            )
        for criterion in framework["criteria"]:
            label = criterion.get(f"label_{lang}", criterion["code"])
            if criterion.get("type") == "bool":
                self.fields[f"criterion_{criterion['code']}"] = forms.BooleanField(
                    label=label, required=False
                )
            else:
                choices = [
                    (c["value"], c.get(f"label_{lang}", c["value"])) for c in criterion["choices"]
                ]
                self.fields[f"criterion_{criterion['code']}"] = forms.ChoiceField(
                    label=label, choices=[("", "—"), *choices]
                )
        self.order_fields(
            [
                "effective",
                *[f"score_{d['code']}" for d in framework["domains"]],
                *[f"criterion_{c['code']}" for c in framework["criteria"]],
                "notes",
            ]
        )
        self._apply_styles()

    def _apply_styles(self) -> None:
        from doorstroom.web.forms import DEFAULT_CLASS, WIDGET_CLASSES

        for field in self.fields.values():
            css = next(
                (c for t, c in WIDGET_CLASSES.items() if isinstance(field.widget, t)), DEFAULT_CLASS
            )
            if css not in field.widget.attrs.get("class", ""):
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def scores(self) -> dict[str, int]:
        return {
            d["code"]: self.cleaned_data[f"score_{d['code']}"] for d in self.framework["domains"]
        }

    def criteria(self) -> dict[str, Any]:
        return {
            c["code"]: self.cleaned_data[f"criterion_{c['code']}"]
            for c in self.framework["criteria"]
        }


class DecisionForm(Form):
    effective = DateField(label=_("Date of decision"))
    product = forms.ChoiceField(label=_("Decision"), choices=PRODUCT_CHOICES)
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=URGENCY_CHOICES, coerce=int, initial=3
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Always required. Explain it especially when the decision differs from the advice."
        ),
    )
    to_waiting_list = forms.BooleanField(
        label=_("Put the client on the waiting list now"), required=False, initial=True
    )
    preferred_facility = forms.ModelChoiceField(
        label=_("Preferred facility"), required=False, queryset=Facility.objects.none()
    )

    def __init__(self, *args: Any, facilities: Any, advice: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_facility"].queryset = facilities  # type: ignore[attr-defined]
        self.advice = advice
        if advice:
            self.fields["product"].initial = advice

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = data.get("product")
        reasons = str(data.get("reasons", ""))
        if product and self.advice and product != self.advice and len(reasons.strip()) < 20:
            self.add_error(
                "reasons",
                _("The decision differs from the advice: explain why (at least a sentence)."),
            )
        return data


class SecondOpinionForm(Form):
    effective = DateField()
    expert = forms.CharField(label=_("Independent expert"), max_length=200)
    expert_organisation = forms.CharField(label=_("Organisation of the expert"), max_length=200)
    advice = forms.ChoiceField(label=_("Advice of the expert"), choices=PRODUCT_CHOICES)
    agrees = forms.BooleanField(label=_("The expert agrees with the assessment"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))


class WaitingListForm(Form):
    effective = DateField()
    product = forms.ChoiceField(label=_("Waiting list"), choices=PLACE_PRODUCT_CHOICES)
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=URGENCY_CHOICES, coerce=int, initial=3
    )


class FacilityChoiceForm(Form):
    effective = DateField()
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]
        self.fields["facility"].label_from_instance = lambda f: (  # type: ignore[attr-defined]
            f"{f.name} — {f.municipality.name} ({_('free')}: {f.free})"
        )


class ReasonForm(Form):
    effective = DateField()
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class NotesForm(Form):
    effective = DateField()
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


EXIT_KINDS = [
    ("own_home", _("Own home")),
    ("family", _("Family")),
    ("wlz", _("Long-term care (Wlz)")),
    ("clinic", _("Clinic")),
    ("detention", _("Detention")),
    ("unknown", _("Unknown")),
    ("deceased", _("Deceased")),
]


class ExitForm(Form):
    effective = DateField(label=_("Date of exit"))
    kind = forms.ChoiceField(label=_("Destination"), choices=EXIT_KINDS, widget=forms.RadioSelect)
    municipality = municipality_field(_("Municipality of the new home"), required=False)
    supported = forms.BooleanField(label=_("With ambulant support at home"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "own_home" and not data.get("municipality"):
            self.add_error("municipality", _("Choose the municipality of the new home."))
        return data


class DisputeForm(Form):
    effective = DateField()
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("open", _("Open a dispute")), ("resolve", _("Resolve the dispute"))],
    )
    municipality = municipality_field(
        _("Municipality"),
        help_text=_(
            "Opening: the municipality that disputes. Resolving: the municipality responsible from now on."
        ),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(Form):
    effective = forms.DateField(
        label=_("Correct date"),
        required=False,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        help_text=_("Leave empty to keep the date."),
    )
    destination = forms.ChoiceField(
        label=_("Correct destination (exits only)"),
        required=False,
        choices=[
            ("", "—"),
            *[
                (d, d)
                for d in (
                    "home_origin",
                    "home_origin_supported",
                    "home_region",
                    "home_region_supported",
                    "home_outside",
                    "home_outside_supported",
                    "family",
                    "wlz",
                    "clinic",
                    "detention",
                    "unknown",
                    "deceased",
                )
            ],
        ],
    )
    void = forms.BooleanField(label=_("This step did not happen (void it)"), required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2})
    )


PRODUCT_FROM_SLUG = {p.value: p for p in Product}


class ConfigurationUploadForm(Form):
    kind = forms.ChoiceField(label=_("What"), choices=[])
    version = forms.CharField(label=_("Version"), max_length=40, help_text=_("For example 2027.1"))
    valid_from = forms.DateField(
        label=_("Valid from"), widget=DATE_WIDGET, input_formats=DATE_FORMATS
    )
    file = forms.FileField(
        label=_("JSON file"),
        help_text=_("Start from the current version (download below) and change it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from doorstroom.journey.models import RegionConfiguration

        self.fields["kind"].choices = RegionConfiguration.Kind.choices  # type: ignore[attr-defined]
