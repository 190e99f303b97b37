from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstroom.core import bsn as core_bsn
from doorstroom.reference.models import Municipality
from doorstroom.web.forms import Form


class BSNField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("BSN"))
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("help_text", _("Citizen service number, 9 digits."))
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            return core_bsn.validate(value)
        except core_bsn.InvalidBSN as exc:
            raise ValidationError(exc.message.translate(gettext), code="invalid_bsn") from None


class ClientRegisterForm(Form):
    bsn = BSNField()
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        help_text=_("For example 31-12-2001."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
    )
    responsible_municipality = forms.ModelChoiceField(
        label=_("Responsible municipality"),
        queryset=Municipality.objects.none(),
        help_text=_("Chosen by hand for now; the residence principle will decide this."),
    )

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_municipality"].queryset = municipalities  # type: ignore[attr-defined]

    def clean_birth_date(self) -> date:
        value: date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if value > today:
            raise ValidationError(_("The date of birth is in the future."))
        if value.year < 1900:
            raise ValidationError(_("This date of birth is not plausible."))
        return value


class ClientSearchForm(Form):
    bsn = BSNField(
        label=_("Search by BSN"),
        help_text=_("The BSN is not stored and never shown in the address bar."),
    )
