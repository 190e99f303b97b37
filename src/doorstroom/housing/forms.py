from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstroom.core.matching import UNIT_TYPE_LABELS, UnitType
from doorstroom.housing.models import Home, HousingProfile, PerformanceAgreement
from doorstroom.organisations.models import Organisation
from doorstroom.web.forms import Form, StyledFormMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HomeForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Home
        fields = [
            "reference",
            "municipality",
            "unit_type",
            "youth_only",
            "rooms",
            "rent",
            "accessible",
            "available_from",
        ]
        widgets = {"available_from": DATE}

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = region.members.order_by("name")  # type: ignore[attr-defined]


class AgreementForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PerformanceAgreement
        fields = ["association", "municipality", "year", "homes", "homes_youth"]

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = region.members.order_by("name")  # type: ignore[attr-defined]
        self.fields["association"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            region=region, kind="housing_association"
        ).order_by("name")
        self.fields["year"].initial = timezone.localdate().year

    def validate_unique(self) -> None:  # the service updates an existing agreement
        pass


class ProfileForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    unit_types = forms.MultipleChoiceField(
        label=_("Types of home"),
        choices=[(t.value, _(UNIT_TYPE_LABELS[t])) for t in UnitType],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: what the client's journey implies."),
    )

    class Meta:
        model = HousingProfile
        fields = [
            "origin",
            "wishes",
            "accepts_elsewhere",
            "household_size",
            "max_rent",
            "needs_accessible",
            "unit_types",
        ]

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = region.members.order_by("name")
        self.fields["origin"].queryset = members  # type: ignore[attr-defined]
        self.fields["wishes"].queryset = members  # type: ignore[attr-defined]
        self.fields["wishes"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["wishes"].choices  # type: ignore[attr-defined]
        )
        self.fields["household_size"].min_value = 1  # type: ignore[attr-defined]


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(Form):
    tenancy_start = forms.DateField(label=_("Tenancy starts on"), widget=DATE)


class MoveInForm(Form):
    effective = forms.DateField(label=_("Moved in on"), widget=DATE)
    supported = forms.BooleanField(
        label=_("With ambulant support or Beschermd Thuis"), required=False, initial=True
    )

    def clean_effective(self) -> Any:
        value = self.cleaned_data["effective"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The move-in date cannot lie in the future."))
        return value


class EditForm(Form):
    client = forms.ChoiceField(label=_("Other client who fits this home"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = choices  # type: ignore[attr-defined]


FAIRNESS_CHOICES = [
    ("default", _("as now (soft fairness bonus)")),
    ("off", _("off: no fairness bonus")),
    ("strong", _("strong: a larger bonus for groups behind their share")),
]


class ReplayForm(Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Up to"), widget=DATE)
    extra_homes = forms.IntegerField(
        label=_("More homes (%)"),
        min_value=0,
        max_value=200,
        initial=0,
        help_text=_("Extra homes on top of the homes that came free, in the same municipalities."),
    )
    fairness = forms.ChoiceField(label=_("Fairness"), choices=FAIRNESS_CHOICES, initial="default")
    origin_points = forms.IntegerField(
        label=_("Points for the municipality of origin"),
        min_value=0,
        max_value=2000,
        initial=300,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and not start < end:
            raise forms.ValidationError(_("The period must end after it starts."))
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data
